//! G.711 µ-law and A-law against the standard: the fixed codes, the
//! segment edges, and for all 65,536 inputs decode(encode(x)) equal to
//! the quantisation of x computed here independently, from the tables'
//! shape (decision levels and mid-step reconstruction values).

use civicmeet_sip_media::g711::{alaw_decode, alaw_encode, ulaw_decode, ulaw_encode};

/// One quantiser step: magnitudes below `end` (and at or above the
/// previous step's end) reconstruct to `value`.
struct Step {
    end: i32,
    value: i32,
}

/// µ-law in 14-bit magnitudes: a first step [0, 1) that decodes to 0,
/// fifteen steps of 2, then seven segments of sixteen steps of 4, 8, …,
/// 256; each step decodes to its middle.
fn ulaw_steps() -> Vec<Step> {
    let mut steps = vec![Step { end: 1, value: 0 }];
    let mut start = 1;
    for _ in 0..15 {
        steps.push(Step {
            end: start + 2,
            value: start + 1,
        });
        start += 2;
    }
    for segment in 1..8 {
        let width = 2 << segment;
        for _ in 0..16 {
            steps.push(Step {
                end: start + width,
                value: start + width / 2,
            });
            start += width;
        }
    }
    assert_eq!(start, 8159, "the µ-law range ends at 8159");
    steps
}

/// A-law in 12-bit magnitudes: two segments of sixteen steps of 2, then
/// six of sixteen steps of 4, 8, …, 128, each step decoding to its middle.
fn alaw_steps() -> Vec<Step> {
    let mut steps = Vec::new();
    let mut start = 0;
    for segment in 0..8 {
        let width = if segment < 2 { 2 } else { 1 << segment };
        for _ in 0..16 {
            steps.push(Step {
                end: start + width,
                value: start + width / 2,
            });
            start += width;
        }
    }
    assert_eq!(start, 4096, "the A-law range ends at 4096");
    steps
}

/// The quantisation of a 16-bit sample by a law working on `bits`-bit
/// samples: one's-complement magnitude, the step it falls in (the last one
/// past the range), back to 16 bits with its sign.
fn quantise(x: i16, steps: &[Step], bits: u32) -> i16 {
    let shift = 16 - bits;
    let x = i32::from(x);
    let magnitude = if x < 0 { -x - 1 } else { x } >> shift;
    let step = steps
        .iter()
        .find(|s| magnitude < s.end)
        .unwrap_or(steps.last().unwrap());
    let value = step.value << shift;
    (if x < 0 { -value } else { value }) as i16
}

#[test]
fn fixed_codes_of_the_standard() {
    // Silence: µ-law 0xFF / 0x7F, A-law 0xD5 / 0x55.
    assert_eq!(ulaw_encode(0), 0xff);
    assert_eq!(ulaw_encode(-1), 0x7f);
    assert_eq!(alaw_encode(0), 0xd5);
    assert_eq!(alaw_encode(-1), 0x55);
    assert_eq!(ulaw_decode(0xff), 0);
    assert_eq!(ulaw_decode(0x7f), 0);
    assert_eq!(alaw_decode(0xd5), 8);
    assert_eq!(alaw_decode(0x55), -8);
    // Full scale.
    assert_eq!(ulaw_decode(0x80), 32124);
    assert_eq!(ulaw_decode(0x00), -32124);
    assert_eq!(ulaw_encode(i16::MAX), 0x80);
    assert_eq!(ulaw_encode(i16::MIN), 0x00);
    assert_eq!(alaw_decode(0xaa), 32256);
    assert_eq!(alaw_decode(0x2a), -32256);
    assert_eq!(alaw_encode(i16::MAX), 0xaa);
    assert_eq!(alaw_encode(i16::MIN), 0x2a);
}

#[test]
fn segment_edges_fall_where_the_standard_puts_them() {
    // µ-law: segments start at 14-bit magnitudes 31, 95, 223, 479, 991,
    // 2015 and 4063 (×4 in 16 bits). Segment bits are 4..6 of the
    // uninverted code.
    let useg = |x: i16| (!ulaw_encode(x) >> 4) & 7;
    for (segment, edge) in [31, 95, 223, 479, 991, 2015, 4063].into_iter().enumerate() {
        let x = (edge * 4) as i16;
        assert_eq!(useg(x - 1), segment as u8, "below µ-law edge {edge}");
        assert_eq!(useg(x), segment as u8 + 1, "at µ-law edge {edge}");
        assert_eq!(
            useg(-x - 1),
            segment as u8 + 1,
            "negative µ-law edge {edge}"
        );
        assert_eq!(
            useg(-x),
            segment as u8,
            "just inside negative µ-law edge {edge}"
        );
    }
    // A-law: segments start at 12-bit magnitudes 32, 64, …, 2048 (×8).
    let aseg = |x: i16| ((alaw_encode(x) ^ 0x55) >> 4) & 7;
    for segment in 0..7u8 {
        let x = (32i32 << segment) * 8;
        assert_eq!(aseg((x - 1) as i16), segment, "below A-law edge {x}");
        assert_eq!(aseg(x as i16), segment + 1, "at A-law edge {x}");
    }
    // The sign bit: µ-law's is set (before inversion) for negatives,
    // A-law's for positives.
    assert_eq!(ulaw_encode(1000) & 0x80, 0x80);
    assert_eq!(ulaw_encode(-1000) & 0x80, 0x00);
    assert_eq!(alaw_encode(1000) & 0x80, 0x80);
    assert_eq!(alaw_encode(-1000) & 0x80, 0x00);
}

#[test]
fn every_input_comes_back_as_its_quantisation() {
    let (ulaw, alaw) = (ulaw_steps(), alaw_steps());
    for x in i16::MIN..=i16::MAX {
        assert_eq!(
            ulaw_decode(ulaw_encode(x)),
            quantise(x, &ulaw, 14),
            "µ-law {x}"
        );
        assert_eq!(
            alaw_decode(alaw_encode(x)),
            quantise(x, &alaw, 13),
            "A-law {x}"
        );
    }
}

#[test]
fn every_code_survives_decode_and_encode() {
    for code in 0..=255u8 {
        // µ-law has two zeros; the negative one comes back positive.
        if code != 0x7f {
            assert_eq!(ulaw_encode(ulaw_decode(code)), code, "µ-law {code:#04x}");
        }
        assert_eq!(alaw_encode(alaw_decode(code)), code, "A-law {code:#04x}");
    }
}

#[test]
fn quantisation_is_monotonic_and_symmetric() {
    let mut previous = (i16::MIN, i16::MIN);
    for x in i16::MIN..=i16::MAX {
        let now = (ulaw_decode(ulaw_encode(x)), alaw_decode(alaw_encode(x)));
        assert!(now.0 >= previous.0 && now.1 >= previous.1, "at {x}");
        previous = now;
        // One's complement symmetry: -1 - x mirrors x.
        let mirror = -1 - x;
        assert_eq!(ulaw_encode(x) ^ 0x80, ulaw_encode(mirror), "µ-law {x}");
        assert_eq!(alaw_encode(x) ^ 0x80, alaw_encode(mirror), "A-law {x}");
    }
}
