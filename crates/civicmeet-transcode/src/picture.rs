//! An owned I420 picture: the form in which a frame travels from the VP8
//! decoder through the scaler to the H.264 encoder.

/// A planar 4:2:0 picture with tightly packed rows: the Y plane is
/// `width` x `height`, U and V are `chroma_width()` x `chroma_height()`
/// (rounded up, so odd sides keep their last column and row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    width: u32,
    height: u32,
    y: Vec<u8>,
    u: Vec<u8>,
    v: Vec<u8>,
}

impl Picture {
    /// A mid-grey picture of this size.
    pub fn new(width: u32, height: u32) -> Self {
        let luma = width as usize * height as usize;
        let chroma = width.div_ceil(2) as usize * height.div_ceil(2) as usize;
        Self {
            width,
            height,
            y: vec![128; luma],
            u: vec![128; chroma],
            v: vec![128; chroma],
        }
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn chroma_width(&self) -> u32 {
        self.width.div_ceil(2)
    }

    pub fn chroma_height(&self) -> u32 {
        self.height.div_ceil(2)
    }

    pub fn y(&self) -> &[u8] {
        &self.y
    }

    pub fn u(&self) -> &[u8] {
        &self.u
    }

    pub fn v(&self) -> &[u8] {
        &self.v
    }

    pub fn y_mut(&mut self) -> &mut [u8] {
        &mut self.y
    }

    pub fn u_mut(&mut self) -> &mut [u8] {
        &mut self.u
    }

    pub fn v_mut(&mut self) -> &mut [u8] {
        &mut self.v
    }

    /// The three planes at once, for writing all of them.
    pub fn planes_mut(&mut self) -> [&mut [u8]; 3] {
        [&mut self.y, &mut self.u, &mut self.v]
    }

    /// Makes this picture `width` x `height`, reusing its buffers (the
    /// contents are then unspecified until written).
    pub(crate) fn resize(&mut self, width: u32, height: u32) {
        self.width = width;
        self.height = height;
        let luma = width as usize * height as usize;
        let chroma = width.div_ceil(2) as usize * height.div_ceil(2) as usize;
        self.y.resize(luma, 128);
        self.u.resize(chroma, 128);
        self.v.resize(chroma, 128);
    }
}

/// openh264 reads the planes through this; only pictures with even sides
/// reach the encoder (`TranscodeConfig::output_size`), as it expects.
impl openh264::formats::YUVSource for Picture {
    fn dimensions(&self) -> (usize, usize) {
        (self.width as usize, self.height as usize)
    }

    fn strides(&self) -> (usize, usize, usize) {
        let chroma = self.chroma_width() as usize;
        (self.width as usize, chroma, chroma)
    }

    fn y(&self) -> &[u8] {
        &self.y
    }

    fn u(&self) -> &[u8] {
        &self.u
    }

    fn v(&self) -> &[u8] {
        &self.v
    }
}
