//! Mix-minus: everyone hears the others and not themselves, loud sums
//! bend instead of wrapping.

mod common;

use civicmeet_sip_media::mixer::{MAX_PARTICIPANTS, soft_clip};
use civicmeet_sip_media::{Error, MIX_FRAME, MixMinus};
use common::Rng;

fn constant(value: i16) -> Vec<i16> {
    vec![value; MIX_FRAME]
}

#[test]
fn each_hears_the_others_and_not_itself() {
    let (a, b) = (constant(1000), constant(2000));
    let contributions = [Some(&a[..]), Some(&b[..]), None];
    let mut outputs = Vec::new();
    MixMinus::new()
        .mix_all(&contributions, &mut outputs)
        .unwrap();
    assert_eq!(outputs.len(), 3);
    assert_eq!(outputs[0], constant(2000));
    assert_eq!(outputs[1], constant(1000));
    assert_eq!(outputs[2], constant(3000));
}

#[test]
fn the_mix_is_exactly_the_sum_of_the_others_below_the_knee() {
    let mut rng = Rng::new(21);
    for participants in [1usize, 2, 5, 10] {
        let frames: Vec<Option<Vec<i16>>> = (0..participants)
            .map(|_| {
                (rng.below(4) != 0).then(|| {
                    (0..MIX_FRAME)
                        .map(|_| (rng.below(4001) as i32 - 2000) as i16)
                        .collect()
                })
            })
            .collect();
        let contributions: Vec<Option<&[i16]>> = frames.iter().map(|f| f.as_deref()).collect();
        let mut outputs = Vec::new();
        MixMinus::new()
            .mix_all(&contributions, &mut outputs)
            .unwrap();
        for (i, out) in outputs.iter().enumerate() {
            for (k, &sample) in out.iter().enumerate() {
                // The O(N²) definition.
                let expected: i32 = frames
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .filter_map(|(_, f)| f.as_ref().map(|f| i32::from(f[k])))
                    .sum();
                assert_eq!(i32::from(sample), expected, "participant {i} sample {k}");
            }
        }
    }
}

#[test]
fn loud_sums_saturate_without_wrapping() {
    let loud = constant(20000);
    let quiet = constant(-20000);
    let contributions: Vec<Option<&[i16]>> = (0..10).map(|_| Some(&loud[..])).collect();
    let mut outputs = Vec::new();
    let mut mixer = MixMinus::new();
    mixer.mix_all(&contributions, &mut outputs).unwrap();
    for out in &outputs {
        assert!(
            out.iter().all(|&s| (32000..=32767).contains(&s)),
            "{}",
            out[0]
        );
    }
    let contributions: Vec<Option<&[i16]>> = (0..10).map(|_| Some(&quiet[..])).collect();
    mixer.mix_all(&contributions, &mut outputs).unwrap();
    for out in &outputs {
        assert!(
            out.iter().all(|&s| (-32767..=-32000).contains(&s)),
            "{}",
            out[0]
        );
    }
}

#[test]
fn the_soft_clipper_is_linear_then_smooth() {
    for x in -24576..=24576 {
        assert_eq!(i32::from(soft_clip(x)), x);
    }
    let mut previous = soft_clip(-2_000_000);
    for x in (-2_000_000..=2_000_000).step_by(7) {
        let y = soft_clip(x);
        assert!(y >= previous, "not monotonic at {x}");
        assert!(i32::from(y).abs() <= 32767);
        // No step larger than the input's.
        assert!(i32::from(y) - i32::from(previous) <= 7);
        previous = y;
    }
    assert_eq!(soft_clip(i32::MAX), 32767);
    assert_eq!(soft_clip(i32::MIN), -32767);
    // Past the knee it compresses: 40000 comes out below full scale but
    // above the knee.
    assert!((24577..32767).contains(&soft_clip(40000)));
}

#[test]
fn wrong_frames_and_too_many_participants_are_refused() {
    let short = vec![0i16; 480];
    let mut mixer = MixMinus::new();
    assert_eq!(
        mixer.sum(&[Some(&short[..])]),
        Err(Error::FrameLength {
            got: 480,
            expected: MIX_FRAME
        })
    );
    let mut out = vec![0i16; 10];
    assert!(mixer.mix_for(None, &mut out).is_err());
    let mut out = vec![0i16; MIX_FRAME];
    assert!(mixer.mix_for(Some(&short), &mut out).is_err());
    let many = vec![None; MAX_PARTICIPANTS + 1];
    assert_eq!(
        mixer.sum(&many),
        Err(Error::TooManyParticipants(MAX_PARTICIPANTS + 1))
    );
}

#[test]
fn a_large_meeting_mixes_in_one_pass() {
    // 200 participants at full scale: the 32-bit sum holds, everyone's
    // mix saturates cleanly.
    let frames: Vec<Vec<i16>> = (0..200).map(|_| constant(i16::MAX)).collect();
    let contributions: Vec<Option<&[i16]>> = frames.iter().map(|f| Some(&f[..])).collect();
    let mut outputs = Vec::new();
    MixMinus::new()
        .mix_all(&contributions, &mut outputs)
        .unwrap();
    assert!(outputs.iter().all(|o| o.iter().all(|&s| s > 32000)));
}
