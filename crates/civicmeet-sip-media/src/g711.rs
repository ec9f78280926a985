//! G.711 (ITU-T G.711): µ-law and A-law companding of 16-bit PCM at
//! 8 kHz, one byte per sample (RTP payload types 0 and 8, RFC 3551 §4.5.14).
//!
//! Both laws split the magnitude into 8 segments of 16 steps, each segment
//! twice as coarse as the one before, and decode to the middle of the
//! step. µ-law works on 14-bit samples (the top 14 of our 16), A-law on
//! 13. Negative samples are taken as one's complement (`-x - 1`), which
//! makes the quantiser symmetric around -½ as the standard's tables are.
//! On the wire µ-law inverts every bit and A-law inverts the even bits
//! (XOR 0x55), so that a silent line is not a run of zeros.

/// µ-law adds 33 to the 14-bit magnitude so that segment edges fall on
/// powers of two.
const MU_BIAS: i32 = 33;
/// Larger magnitudes all land in the last step: 8158 + 33 is the largest
/// biased value that still has its top bit in the last segment.
const MU_CLIP: i32 = 8158;

/// Encodes one sample as µ-law.
pub fn ulaw_encode(sample: i16) -> u8 {
    let x = i32::from(sample);
    let (sign, magnitude) = if x < 0 {
        (0x80, (-x - 1) >> 2)
    } else {
        (0x00, x >> 2)
    };
    // Biased by 33, the magnitude's top set bit (5..=12) names the
    // segment and the four bits below it the step.
    let biased = magnitude.min(MU_CLIP) + MU_BIAS;
    let top_bit = 31 - biased.leading_zeros() as i32;
    let segment = top_bit - 5;
    let step = (biased >> (segment + 1)) & 0x0f;
    !(sign | (segment << 4) as u8 | step as u8)
}

/// Decodes one µ-law byte.
pub fn ulaw_decode(code: u8) -> i16 {
    let code = !code;
    let segment = i32::from((code >> 4) & 0x07);
    let step = i32::from(code & 0x0f);
    // The middle of the step, in 14-bit units, then scaled to 16 bits.
    let magnitude = (((2 * step + MU_BIAS) << segment) - MU_BIAS) << 2;
    // At most (63 << 7) - 33 = 8031, times 4: fits i16.
    let value = if code & 0x80 != 0 {
        -magnitude
    } else {
        magnitude
    };
    value as i16
}

/// Encodes one sample as A-law.
pub fn alaw_encode(sample: i16) -> u8 {
    let x = i32::from(sample);
    let (sign, magnitude) = if x < 0 {
        (0x00, (-x - 1) >> 3)
    } else {
        (0x80, x >> 3)
    };
    // 12-bit magnitude (0..=4095): the first two segments share a step of
    // 2; above 64 each segment starts at a power of two.
    let (segment, step) = if magnitude < 32 {
        (0, magnitude >> 1)
    } else {
        let top_bit = 31 - magnitude.leading_zeros() as i32;
        let segment = top_bit - 4;
        (segment, (magnitude >> segment) & 0x0f)
    };
    (sign | (segment << 4) as u8 | step as u8) ^ 0x55
}

/// Decodes one A-law byte.
pub fn alaw_decode(code: u8) -> i16 {
    let code = code ^ 0x55;
    let segment = i32::from((code >> 4) & 0x07);
    let step = i32::from(code & 0x0f);
    let magnitude = if segment == 0 {
        2 * step + 1
    } else {
        (2 * step + 33) << (segment - 1)
    } << 3;
    // At most 63 << 6 = 4032, times 8: fits i16.
    let value = if code & 0x80 != 0 {
        magnitude
    } else {
        -magnitude
    };
    value as i16
}

/// Encodes a frame as µ-law, appending one byte per sample.
pub fn ulaw_encode_frame(pcm: &[i16], out: &mut Vec<u8>) {
    out.extend(pcm.iter().map(|&s| ulaw_encode(s)));
}

/// Decodes µ-law bytes, appending one sample per byte.
pub fn ulaw_decode_frame(payload: &[u8], out: &mut Vec<i16>) {
    out.extend(payload.iter().map(|&c| ulaw_decode(c)));
}

/// Encodes a frame as A-law, appending one byte per sample.
pub fn alaw_encode_frame(pcm: &[i16], out: &mut Vec<u8>) {
    out.extend(pcm.iter().map(|&s| alaw_encode(s)));
}

/// Decodes A-law bytes, appending one sample per byte.
pub fn alaw_decode_frame(payload: &[u8], out: &mut Vec<i16>) {
    out.extend(payload.iter().map(|&c| alaw_decode(c)));
}
