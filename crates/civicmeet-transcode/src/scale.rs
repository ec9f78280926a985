//! Downscaling an I420 picture by area averaging ("box" filter): each
//! output sample is the mean of the input samples its footprint covers,
//! with partly covered samples weighted by their share. Done in two passes
//! (rows, then columns) with fixed-point weights computed once per size.
//!
//! Box, not bilinear: at a factor of two or more, bilinear reads only the
//! two nearest samples and aliases the fine detail of a camera picture
//! (text on a slide, a shirt's pattern), which then costs the H.264
//! encoder bits for flicker.

use crate::picture::Picture;

/// Weights are in units of 1/2^14: exact enough for 8-bit samples, and a
/// row of 255s times the sum of the weights stays far inside `u32`.
const WEIGHT_BITS: u32 = 14;
const WEIGHT_ONE: u32 = 1 << WEIGHT_BITS;

/// The input samples one output sample averages.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Footprint {
    first: usize,
    weights: Vec<u16>,
}

/// The footprints of every output sample along one axis, from `from`
/// samples down to `to` (`to <= from`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Axis {
    from: usize,
    to: usize,
    footprints: Vec<Footprint>,
}

impl Axis {
    fn new(from: usize, to: usize) -> Self {
        debug_assert!(to <= from && to > 0);
        // Output sample i covers input [i * from / to, (i + 1) * from / to);
        // in units of 1/to of an input sample the bounds are whole numbers,
        // so the coverage of each input sample is exact.
        let footprints = (0..to)
            .map(|i| {
                let start = i * from; // in 1/to units
                let end = (i + 1) * from;
                let first = start / to;
                let last = (end - 1) / to; // inclusive
                let mut weights: Vec<u32> = (first..=last)
                    .map(|j| {
                        let covered = end.min((j + 1) * to) - start.max(j * to);
                        // covered / from of the footprint, in WEIGHT_ONE units.
                        (covered as u64 * u64::from(WEIGHT_ONE) / from as u64) as u32
                    })
                    .collect();
                // Rounding down lost a little: give it to the largest weight
                // so every footprint sums to exactly one (flat stays flat).
                let lost = WEIGHT_ONE - weights.iter().sum::<u32>();
                if let Some(largest) = weights.iter_mut().max() {
                    *largest += lost;
                }
                Footprint {
                    first,
                    weights: weights.into_iter().map(|w| w as u16).collect(),
                }
            })
            .collect();
        Self {
            from,
            to,
            footprints,
        }
    }
}

/// One plane's resampling: the two axes and the row pass's output.
#[derive(Debug, Clone)]
struct PlaneScaler {
    columns: Axis,
    rows: Axis,
    /// The row pass: `to` columns by `from` rows.
    narrowed: Vec<u8>,
    /// One output row's sums in the column pass.
    sums: Vec<u32>,
}

impl PlaneScaler {
    fn new(from: (usize, usize), to: (usize, usize)) -> Self {
        Self {
            columns: Axis::new(from.0, to.0),
            rows: Axis::new(from.1, to.1),
            narrowed: vec![0; to.0 * from.1],
            sums: Vec::with_capacity(to.0),
        }
    }

    fn fits(&self, from: (usize, usize), to: (usize, usize)) -> bool {
        (
            self.columns.from,
            self.rows.from,
            self.columns.to,
            self.rows.to,
        ) == (from.0, from.1, to.0, to.1)
    }

    /// `src` is `from.0` x `from.1`, `dst` is `to.0` x `to.1`, rows packed.
    fn run(&mut self, src: &[u8], dst: &mut [u8]) {
        let (src_w, dst_w) = (self.columns.from, self.columns.to);
        for (src_row, out_row) in src
            .chunks_exact(src_w)
            .zip(self.narrowed.chunks_exact_mut(dst_w))
        {
            for (out, footprint) in out_row.iter_mut().zip(&self.columns.footprints) {
                let taps = footprint.weights.iter().zip(&src_row[footprint.first..]);
                let sum: u32 = taps.map(|(w, s)| u32::from(*w) * u32::from(*s)).sum();
                *out = round(sum);
            }
        }
        // Whole rows at a time, so the inner loop runs along memory.
        for (out_row, footprint) in dst.chunks_exact_mut(dst_w).zip(&self.rows.footprints) {
            self.sums.clear();
            self.sums.resize(dst_w, 0);
            let rows = self.narrowed[footprint.first * dst_w..].chunks_exact(dst_w);
            for (weight, row) in footprint.weights.iter().zip(rows) {
                for (sum, s) in self.sums.iter_mut().zip(row) {
                    *sum += u32::from(*weight) * u32::from(*s);
                }
            }
            for (out, sum) in out_row.iter_mut().zip(&self.sums) {
                *out = round(*sum);
            }
        }
    }
}

/// A weighted sum back to a sample, rounded to nearest.
fn round(sum: u32) -> u8 {
    // The weights sum to WEIGHT_ONE, so this is at most 255.
    ((sum + WEIGHT_ONE / 2) >> WEIGHT_BITS) as u8
}

/// Scales I420 pictures down; keeps its weights and scratch rows while the
/// sizes stay the same (they change only at a simulcast layer switch).
#[derive(Debug, Default)]
pub(crate) struct Downscaler {
    planes: Option<[PlaneScaler; 2]>,
}

impl Downscaler {
    /// Writes `src` scaled to `out`'s size into `out`. Each side of `out`
    /// must be at most `src`'s (the transcoder never scales up).
    pub(crate) fn scale(&mut self, src: &Picture, out: &mut Picture) {
        let luma = |p: &Picture| (p.width() as usize, p.height() as usize);
        let chroma = |p: &Picture| (p.chroma_width() as usize, p.chroma_height() as usize);
        if luma(src) == luma(out) {
            out.clone_from(src);
            return;
        }
        let fits = matches!(&self.planes,
            Some([l, c]) if l.fits(luma(src), luma(out)) && c.fits(chroma(src), chroma(out)));
        if !fits {
            self.planes = Some([
                PlaneScaler::new(luma(src), luma(out)),
                PlaneScaler::new(chroma(src), chroma(out)),
            ]);
        }
        // Set just above when it did not fit.
        let Some([luma_scaler, chroma_scaler]) = &mut self.planes else {
            return;
        };
        luma_scaler.run(src.y(), out.y_mut());
        chroma_scaler.run(src.u(), out.u_mut());
        chroma_scaler.run(src.v(), out.v_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(width: u32, height: u32, f: impl Fn(u32, u32) -> u8) -> Picture {
        let mut p = Picture::new(width, height);
        for y in 0..height {
            for x in 0..width {
                p.y_mut()[(y * width + x) as usize] = f(x, y);
            }
        }
        p
    }

    #[test]
    fn footprints_cover_the_input_once() {
        for (from, to) in [
            (1280, 640),
            (1280, 720),
            (641, 640),
            (720, 360),
            (1080, 272),
            (5, 2),
            (7, 7),
        ] {
            let axis = Axis::new(from, to);
            let mut coverage = vec![0u64; from];
            for fp in &axis.footprints {
                assert_eq!(
                    fp.weights.iter().map(|w| u32::from(*w)).sum::<u32>(),
                    WEIGHT_ONE
                );
                for (k, w) in fp.weights.iter().enumerate() {
                    coverage[fp.first + k] += u64::from(*w);
                }
            }
            // Every input sample counts as to/from of one output sample,
            // give or take the rounding.
            let expected = u64::from(WEIGHT_ONE) * to as u64 / from as u64;
            for c in coverage {
                assert!(
                    c.abs_diff(expected) <= to as u64 + 1,
                    "{from}->{to}: {c} vs {expected}"
                );
            }
        }
    }

    #[test]
    fn halving_averages_two_by_two_blocks() {
        let src = picture(8, 4, |x, y| (x * 30 + y * 7) as u8);
        let mut out = Picture::new(4, 2);
        Downscaler::default().scale(&src, &mut out);
        for y in 0..2 {
            for x in 0..4 {
                let block: u32 = [(0, 0), (1, 0), (0, 1), (1, 1)]
                    .iter()
                    .map(|(dx, dy)| u32::from(src.y()[((2 * y + dy) * 8 + 2 * x + dx) as usize]))
                    .sum();
                let mean = (block + 2) / 4;
                assert_eq!(u32::from(out.y()[(y * 4 + x) as usize]), mean, "({x},{y})");
            }
        }
    }

    #[test]
    fn flat_pictures_stay_flat_at_any_ratio() {
        for (w, h, ow, oh) in [
            (1280, 720, 640, 360),
            (641, 361, 640, 360),
            (1920, 1080, 854, 480),
            (3, 3, 2, 2),
        ] {
            let src = picture(w, h, |_, _| 200);
            let mut out = Picture::new(ow, oh);
            Downscaler::default().scale(&src, &mut out);
            assert!(out.y().iter().all(|s| *s == 200), "{w}x{h} -> {ow}x{oh}");
            assert!(out.u().iter().all(|s| *s == 128));
        }
    }

    #[test]
    fn a_ramp_scaled_by_two_thirds_gives_the_area_means() {
        // Output sample x covers input [1.5x, 1.5x + 1.5): one whole input
        // sample and half of another.
        let ramp = |x: u32| (x * 255 / 299) as u8;
        let src = picture(300, 6, |x, _| ramp(x));
        let mut out = Picture::new(200, 4);
        Downscaler::default().scale(&src, &mut out);
        let row = &out.y()[..200];
        assert!(row.windows(2).all(|w| w[0] <= w[1]));
        for (x, s) in row.iter().enumerate() {
            let x = x as u32;
            let expected = if x.is_multiple_of(2) {
                // [3k, 3k + 1.5): sample 3k whole, half of 3k + 1.
                (f64::from(ramp(3 * x / 2)) + 0.5 * f64::from(ramp(3 * x / 2 + 1))) / 1.5
            } else {
                // [3k + 1.5, 3k + 3): half of 3k + 1, sample 3k + 2 whole.
                (0.5 * f64::from(ramp(3 * x / 2)) + f64::from(ramp(3 * x / 2 + 1))) / 1.5
            };
            assert!(
                (f64::from(*s) - expected).abs() <= 0.51,
                "x={x}: {s} vs {expected:.2}"
            );
        }
    }

    #[test]
    fn the_same_scaler_follows_a_size_change() {
        let mut scaler = Downscaler::default();
        let mut out = Picture::new(640, 360);
        scaler.scale(&picture(1280, 720, |_, _| 50), &mut out);
        assert!(out.y().iter().all(|s| *s == 50));
        out.resize(320, 180);
        scaler.scale(&picture(960, 540, |_, _| 90), &mut out);
        assert!(out.y().iter().all(|s| *s == 90));
        assert_eq!(out.y().len(), 320 * 180);
    }
}
