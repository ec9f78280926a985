//! Reading `H264ToVp8`'s output as a browser would: the library's libvpx
//! VP8 decoder, pictures packed for comparison.

use civicmeet_transcode::{Picture, Vp8Decoder};

use super::h264::Decoded;

pub struct Vp8Reader {
    decoder: Vp8Decoder,
    picture: Picture,
}

impl Vp8Reader {
    pub fn new() -> Self {
        match Vp8Decoder::new() {
            Ok(decoder) => Self {
                decoder,
                picture: Picture::new(2, 2),
            },
            Err(e) => panic!("{e} (`cargo xtask test` installs libvpx7)"),
        }
    }

    /// Decodes one VP8 frame; panics when libvpx refuses it (our output
    /// must always decode).
    pub fn decode(&mut self, frame: &[u8]) -> Decoded {
        let shown = self
            .decoder
            .decode(frame, &mut self.picture)
            .expect("our VP8 decodes");
        assert!(shown, "every VP8 frame we send is shown");
        Decoded {
            width: self.picture.width(),
            height: self.picture.height(),
            y: self.picture.y().to_vec(),
            u: self.picture.u().to_vec(),
            v: self.picture.v().to_vec(),
        }
    }
}
