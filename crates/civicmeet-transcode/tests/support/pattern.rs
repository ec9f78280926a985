//! The synthetic camera: a colour gradient with a textured square moving
//! across it, defined on the unit square so every size shows the same
//! picture, and the measures the tests judge pictures by.

/// One I420 picture, planes packed one after the other (what libvpx's
/// `vpx_img_wrap` describes).
#[derive(Clone)]
pub struct I420 {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl I420 {
    pub fn y(&self) -> &[u8] {
        &self.data[..(self.width * self.height) as usize]
    }

    pub fn u(&self) -> &[u8] {
        let luma = (self.width * self.height) as usize;
        &self.data[luma..luma + luma / 4]
    }

    pub fn v(&self) -> &[u8] {
        let luma = (self.width * self.height) as usize;
        &self.data[luma + luma / 4..]
    }
}

/// Frame `n` of the moving picture at `width` x `height` (even sides).
/// The square crosses the picture in about four seconds at 30 fps and
/// carries a checkerboard, so motion and detail both cost bits.
pub fn frame(width: u32, height: u32, n: u32) -> I420 {
    let (w, h) = (width as usize, height as usize);
    let mut data = vec![0u8; w * h * 3 / 2];
    let side = 0.25;
    let left = (n as f64 * 0.006) % (1.0 - side);
    let top = 0.3 + 0.1 * (n as f64 * 0.05).sin();
    let inside =
        |u: f64, v: f64| u >= left && u < left + side && v >= top && v < top + side * 16.0 / 9.0;
    for y in 0..h {
        for x in 0..w {
            let (u, v) = ((x as f64 + 0.5) / w as f64, (y as f64 + 0.5) / h as f64);
            let luma = if inside(u, v) {
                // A checkerboard of 1/32-wide cells, coarse enough to
                // survive a halving.
                let cell = ((u * 32.0) as u32 + (v * 18.0) as u32) % 2;
                if cell == 0 { 210.0 } else { 120.0 }
            } else {
                // A gradient with fine ripples (a period of 1/80 of the
                // width: 16 pixels at 1280, 8 at 640), the kind of detail a
                // camera picture has and an encoder pays for.
                30.0 + 130.0 * u + 40.0 * v + 18.0 * (u * 503.0).sin() * (v * 283.0).sin()
            };
            data[y * w + x] = luma.round() as u8;
        }
    }
    let (cw, ch) = (w / 2, h / 2);
    let (u_plane, v_plane) = data[w * h..].split_at_mut(cw * ch);
    for y in 0..ch {
        for x in 0..cw {
            let (u, v) = ((x as f64 + 0.5) / cw as f64, (y as f64 + 0.5) / ch as f64);
            let (cb, cr) = if inside(u, v) {
                (90.0, 190.0)
            } else {
                (100.0 + 60.0 * u, 160.0 - 60.0 * v)
            };
            u_plane[y * cw + x] = cb.round() as u8;
            v_plane[y * cw + x] = cr.round() as u8;
        }
    }
    I420 {
        width,
        height,
        data,
    }
}

/// A `width` x `height` plane halved in each direction by 2x2 means: the
/// reference a 2:1 downscale is judged against (written independently of
/// the crate's scaler).
pub fn halve(plane: &[u8], width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let mut out = Vec::with_capacity(w * h / 4);
    for row in 0..h / 2 {
        for col in 0..w / 2 {
            let at = |dx: usize, dy: usize| u32::from(plane[(2 * row + dy) * w + 2 * col + dx]);
            out.push(((at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1) + 2) / 4) as u8);
        }
    }
    out
}

/// PSNR in dB of `decoded` against `reference` (same length, 8-bit).
pub fn psnr(reference: &[u8], decoded: &[u8]) -> f64 {
    assert_eq!(reference.len(), decoded.len());
    let squared: f64 = reference
        .iter()
        .zip(decoded)
        .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
        .sum();
    let mse = squared / reference.len() as f64;
    10.0 * (255.0 * 255.0 / mse.max(1e-10)).log10()
}
