//! G.722 at 64 kbit/s (ITU-T G.722, mode 1): 16 kHz wideband audio as
//! sub-band ADPCM, one byte per pair of samples.
//!
//! A quadrature mirror filter (24 taps) splits the input into a lower band
//! (0–4 kHz) and a higher band (4–8 kHz), each at 8 kHz. The lower band is
//! coded with 6 bits per sample and the higher band with 2, each by
//! adaptive differential PCM: a predictor (two poles, six zeros) guesses
//! the next sample, the difference is quantised relative to a scale factor
//! that adapts on a logarithmic scale, and encoder and decoder run the
//! same predictor on the same quantised values, so they stay in step
//! without side information. The encoder adapts its lower-band predictor
//! on the 4 most significant of the 6 bits only (the "embedded" property
//! that lets the 56 and 48 kbit/s modes drop bits); the decoder does the
//! same, and uses all 6 bits only for its output.
//!
//! Arithmetic follows the recommendation's blocks (QUANTL, INVQAL, LOGSCL,
//! SCALEL, RECONS, PARREC, UPPOL1/2, UPZERO, FILTEP, FILTEZ, PREDIC and
//! their higher-band twins) in 16-bit saturating integers, bit for bit, so
//! our stream decodes in any other implementation and theirs in ours.
//! On the wire (RFC 3551 §4.5.2) each byte carries the higher band's 2 bits
//! above the lower band's 6; the RTP clock runs at 8 kHz although the
//! audio is 16 kHz, so 20 ms is 320 samples, 160 bytes and 160 ticks.

/// QMF coefficients h0..h23, in units of 2^-13 (the filter is symmetric).
const QMF: [i32; 24] = [
    3, -11, -11, 53, 12, -156, 32, 362, -210, -805, 951, 3876, 3876, 951, -805, -210, 362, 32,
    -156, 12, 53, -11, -11, 3,
];

/// QUANTL's decision levels between the 30 magnitude intervals of the
/// lower band, relative to the scale factor (× 2^-12 after multiplying).
const Q6: [i32; 29] = [
    35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023,
    1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919,
];

/// INVQBL: the lower band's 6-bit code to a difference (× scale, 2^-15).
const QM6: [i32; 64] = [
    -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232,
    -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776,
    -2400, -2032, -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280,
    11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776,
    2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
];

/// INVQAL: the 4 most significant bits of the lower-band code to the
/// difference both sides adapt on.
const QM4: [i32; 16] = [
    0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584,
    1200, 0,
];

/// LOGSCL: the step of the lower band's log scale factor for each 4-bit
/// code (the recommendation's WL table read through RIL's magnitude).
const WL4: [i32; 16] = [
    -60, 3042, 1198, 538, 334, 172, 58, -30, 3042, 1198, 538, 334, 172, 58, -30, -60,
];

/// INVQAH: the higher band's 2-bit code to a difference.
const QM2: [i32; 4] = [-7408, -1616, 7408, 1616];

/// LOGSCH: the step of the higher band's log scale factor for each code.
const WH2: [i32; 4] = [798, -214, 798, -214];

/// SCALEL/SCALEH: the mantissa of 2^(x/32) for x in 0..32, × 2048.
const ILB: [i32; 32] = [
    2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
    2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
];

/// Holds a value to the 16-bit range, as every register of the
/// recommendation does.
fn saturate(value: i32) -> i32 {
    value.clamp(i32::from(i16::MIN), i32::from(i16::MAX))
}

/// The constants that differ between the two bands' scale adaptation.
struct ScaleLaw {
    /// Upper limit of the log scale factor (18432 lower, 22528 higher).
    max: i32,
    /// Exponent offset in SCALEL/SCALEH (8 lower, 10 higher).
    shift: i32,
}

const LOWER: ScaleLaw = ScaleLaw {
    max: 18432,
    shift: 8,
};
const HIGHER: ScaleLaw = ScaleLaw {
    max: 22528,
    shift: 10,
};

/// One sub-band's ADPCM state: the log scale factor and the adaptive
/// predictor (blocks 3 and 4 of the recommendation).
#[derive(Debug, Clone)]
struct Band {
    /// Log scale factor (NBL/NBH) and the linear one derived from it
    /// (DETL/DETH).
    nb: i32,
    det: i32,
    /// Quantised differences, `d[1]` the latest (DLT1..DLT6).
    d: [i32; 7],
    /// Zero-section coefficients BL1..BL6 (`b[0]` unused).
    b: [i32; 7],
    /// Partially reconstructed signal PLT, PLT1, PLT2.
    p: [i32; 3],
    /// Reconstructed signal RLT, RLT1, RLT2.
    r: [i32; 3],
    /// Pole-section coefficients AL1, AL2 (`a[0]` unused).
    a: [i32; 3],
    /// Zero-section output (SZL) and the whole prediction (SL).
    sz: i32,
    s: i32,
}

impl Band {
    fn new(law: &ScaleLaw) -> Self {
        Band {
            nb: 0,
            det: scale_factor(0, law),
            d: [0; 7],
            b: [0; 7],
            p: [0; 3],
            r: [0; 3],
            a: [0; 3],
            sz: 0,
            s: 0,
        }
    }

    /// LOGSCL/LOGSCH then SCALEL/SCALEH: leak the log scale factor by
    /// 127/128, step it by the code's weight, derive the linear factor.
    fn adapt_scale(&mut self, step: i32, law: &ScaleLaw) {
        self.nb = (((self.nb * 127) >> 7) + step).clamp(0, law.max);
        self.det = scale_factor(self.nb, law);
    }

    /// Block 4: takes the quantised difference of this sample, adapts the
    /// predictor's coefficients and computes the next prediction.
    fn adapt_predictor(&mut self, d: i32) {
        // RECONS and PARREC.
        let r0 = saturate(self.s + d);
        let p0 = saturate(self.sz + d);

        // UPPOL2: the second pole follows the sign agreement of the
        // partial reconstruction with itself one and two samples ago.
        let same1 = (p0 < 0) == (self.p[1] < 0);
        let same2 = (p0 < 0) == (self.p[2] < 0);
        let wd1 = saturate(self.a[1] << 2);
        let wd2 = (if same1 { -wd1 } else { wd1 }).min(32767);
        let nudge2 = if same2 { 128 } else { -128 };
        let a2 = ((wd2 >> 7) + nudge2 + ((self.a[2] * 32512) >> 15)).clamp(-12288, 12288);

        // UPPOL1, limited so that the two poles stay stable.
        let nudge1 = if same1 { 192 } else { -192 };
        let a1 = saturate(nudge1 + ((self.a[1] * 32640) >> 15));
        let limit = saturate(15360 - a2);
        let a1 = a1.clamp(-limit, limit);

        // UPZERO: each zero moves towards agreeing in sign with the
        // difference it multiplies; no move on a zero difference.
        let step = if d == 0 { 0 } else { 128 };
        for i in 1..7 {
            let agree = (d < 0) == (self.d[i] < 0);
            let nudge = if agree { step } else { -step };
            self.b[i] = saturate(nudge + ((self.b[i] * 32640) >> 15));
        }

        // DELAYA.
        self.d.copy_within(0..6, 1);
        self.d[1] = d;
        self.p = [0, p0, self.p[1]];
        self.r = [0, r0, self.r[1]];
        self.a = [0, a1, a2];

        // FILTEP, FILTEZ and PREDIC.
        let pole = |a: i32, r: i32| (a * saturate(r + r)) >> 15;
        let sp = saturate(pole(self.a[1], self.r[1]) + pole(self.a[2], self.r[2]));
        let mut sz = 0;
        for i in 1..7 {
            sz += (self.b[i] * saturate(self.d[i] + self.d[i])) >> 15;
        }
        self.sz = saturate(sz);
        self.s = saturate(sp + self.sz);
    }
}

/// SCALEL/SCALEH: 2^(nb / 2048) as a linear scale factor, from the
/// mantissa table and a shift.
fn scale_factor(nb: i32, law: &ScaleLaw) -> i32 {
    // `nb` is clamped to 0..=max, so the index is 0..32 and the shift is
    // at most one to the left.
    let mantissa = ILB[((nb >> 6) & 31) as usize];
    let shift = law.shift - (nb >> 11);
    let linear = if shift < 0 {
        mantissa << -shift
    } else {
        mantissa >> shift
    };
    linear << 2
}

/// Magnitude in one's complement, as the recommendation's quantisers take
/// it (so -1 and 0 fall in the same interval).
fn magnitude(value: i32) -> i32 {
    if value < 0 { -(value + 1) } else { value }
}

/// QUANTL: the 6-bit lower-band code of a prediction error.
fn quantise_lower(el: i32, det: i32) -> usize {
    let wd = magnitude(el);
    // The interval (1..=30) whose decision levels bracket the magnitude.
    let interval = 1 + Q6.iter().take_while(|&&q| wd >= (q * det) >> 12).count();
    // Codes as in the recommendation's table: positive intervals count
    // down from 61, negative ones use 63, 62, then 31 down to 4.
    if el < 0 {
        match interval {
            1 => 63,
            2 => 62,
            n => 34 - n,
        }
    } else {
        62 - interval
    }
}

/// QUANTH: the 2-bit higher-band code of a prediction error.
fn quantise_higher(eh: i32, det: i32) -> usize {
    let large = magnitude(eh) >= (564 * det) >> 12;
    match (eh < 0, large) {
        (true, true) => 0,
        (true, false) => 1,
        (false, true) => 2,
        (false, false) => 3,
    }
}

/// The encoder's state: the analysis QMF's delay line and both bands.
#[derive(Debug, Clone)]
pub struct G722Encoder {
    /// Input samples, newest first.
    x: [i32; 24],
    lower: Band,
    higher: Band,
    /// A sample waiting for its pair when a call gave an odd count.
    pending: Option<i16>,
}

impl Default for G722Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl G722Encoder {
    pub fn new() -> Self {
        G722Encoder {
            x: [0; 24],
            lower: Band::new(&LOWER),
            higher: Band::new(&HIGHER),
            pending: None,
        }
    }

    /// Encodes 16 kHz PCM, appending one byte per pair of samples. An odd
    /// sample left over waits for the next call.
    pub fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) {
        out.reserve(pcm.len() / 2 + 1);
        let mut samples = pcm.iter().copied();
        if let Some(first) = self.pending.take() {
            match samples.next() {
                Some(second) => out.push(self.encode_pair(first, second)),
                None => {
                    self.pending = Some(first);
                    return;
                }
            }
        }
        loop {
            match (samples.next(), samples.next()) {
                (Some(first), Some(second)) => out.push(self.encode_pair(first, second)),
                (Some(first), None) => {
                    self.pending = Some(first);
                    return;
                }
                _ => return,
            }
        }
    }

    fn encode_pair(&mut self, first: i16, second: i16) -> u8 {
        // Transmit QMF: the even taps on the newer samples' positions, the
        // odd taps on the others, sum and difference give the two bands.
        self.x.copy_within(0..22, 2);
        self.x[1] = i32::from(first);
        self.x[0] = i32::from(second);
        let (mut even, mut odd) = (0, 0);
        for i in 0..12 {
            even += QMF[2 * i] * self.x[2 * i];
            odd += QMF[2 * i + 1] * self.x[2 * i + 1];
        }
        let xl = (even + odd) >> 14;
        let xh = (even - odd) >> 14;

        // Lower band: quantise with 6 bits, adapt on the top 4.
        let low = &mut self.lower;
        let il = quantise_lower(saturate(xl - low.s), low.det);
        let ril = il >> 2;
        let dlt = (low.det * QM4[ril]) >> 15;
        low.adapt_scale(WL4[ril], &LOWER);
        low.adapt_predictor(dlt);

        // Higher band: 2 bits.
        let high = &mut self.higher;
        let ih = quantise_higher(saturate(xh - high.s), high.det);
        let dh = (high.det * QM2[ih]) >> 15;
        high.adapt_scale(WH2[ih], &HIGHER);
        high.adapt_predictor(dh);

        // Both codes are within range by construction: il < 64, ih < 4.
        ((ih << 6) | il) as u8
    }
}

/// The decoder's state: both bands and the synthesis QMF's delay lines.
#[derive(Debug, Clone)]
pub struct G722Decoder {
    lower: Band,
    higher: Band,
    /// Band difference and sum signals, newest first.
    xd: [i32; 12],
    xs: [i32; 12],
}

impl Default for G722Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl G722Decoder {
    pub fn new() -> Self {
        G722Decoder {
            lower: Band::new(&LOWER),
            higher: Band::new(&HIGHER),
            xd: [0; 12],
            xs: [0; 12],
        }
    }

    /// Decodes a payload, appending two 16 kHz samples per byte. Every
    /// byte is a valid code, so nothing can fail.
    pub fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) {
        out.reserve(payload.len() * 2);
        for &byte in payload {
            let [first, second] = self.decode_byte(byte);
            out.push(first);
            out.push(second);
        }
    }

    fn decode_byte(&mut self, byte: u8) -> [i16; 2] {
        let il = usize::from(byte & 0x3f);
        let ih = usize::from(byte >> 6);

        // Lower band: the output uses all 6 bits (INVQBL), adaptation
        // only the top 4 (INVQAL), exactly as the encoder did.
        let low = &mut self.lower;
        let dl = (low.det * QM6[il]) >> 15;
        let rl = (low.s + dl).clamp(-16384, 16383);
        let ril = il >> 2;
        let dlt = (low.det * QM4[ril]) >> 15;
        low.adapt_scale(WL4[ril], &LOWER);
        low.adapt_predictor(dlt);

        let high = &mut self.higher;
        let dh = (high.det * QM2[ih]) >> 15;
        let rh = (high.s + dh).clamp(-16384, 16383);
        high.adapt_scale(WH2[ih], &HIGHER);
        high.adapt_predictor(dh);

        // Receive QMF: the difference signal through the even taps gives
        // the first sample, the sum through the odd taps the second.
        self.xd.copy_within(0..11, 1);
        self.xs.copy_within(0..11, 1);
        self.xd[0] = rl - rh;
        self.xs[0] = rl + rh;
        let (mut first, mut second) = (0, 0);
        for i in 0..12 {
            first += QMF[2 * i] * self.xd[i];
            second += QMF[2 * i + 1] * self.xs[i];
        }
        [saturate(first >> 11) as i16, saturate(second >> 11) as i16]
    }
}
