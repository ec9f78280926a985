//! Voice prompts: two clips play in order with a pause between them, in
//! whole 20 ms frames at the caller's rate, and then the player is done.

mod common;

use civicmeet_sip_media::{PromptPlayer, SampleRate};

/// `ms` of a tone at `hz`, 16 kHz, as the little-endian bytes the server embeds.
fn clip(hz: f64, ms: usize) -> Vec<u8> {
    common::sine(hz, 16_000, 8000.0, 16 * ms)
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect()
}

fn play(player: &mut PromptPlayer, rate: SampleRate) -> Vec<Vec<i16>> {
    let mut frames = Vec::new();
    loop {
        let mut frame = Vec::new();
        if !player.next_frame(&mut frame) {
            assert!(frame.is_empty());
            return frames;
        }
        assert_eq!(
            frame.len(),
            rate.frame_len(),
            "whole frames at the caller's rate"
        );
        frames.push(frame);
    }
}

#[test]
fn two_clips_play_in_order_with_a_pause_between() {
    let (german, english) = (clip(400.0, 1010), clip(800.0, 500));
    let mut player = PromptPlayer::new(&[&german, &english], SampleRate::Hz16000);
    let frames = play(&mut player, SampleRate::Hz16000);
    assert!(player.is_done());
    // 1010 ms (51 frames, the last padded) + 20 frames of pause + 25.
    assert_eq!(frames.len(), 51 + 20 + 25);
    let at = |f: &Vec<i16>, hz| common::power_at(f, hz, 16_000);
    assert!(
        at(&frames[10], 400.0) > 10.0 * at(&frames[10], 800.0),
        "German first"
    );
    assert!(common::rms(&frames[60]) == 0.0, "then a pause");
    assert!(
        at(&frames[80], 800.0) > 10.0 * at(&frames[80], 400.0),
        "then English"
    );
}

#[test]
fn a_narrowband_caller_hears_it_at_8_khz_and_an_opus_caller_at_48() {
    for rate in [SampleRate::Hz8000, SampleRate::Hz48000] {
        let tone = clip(440.0, 400);
        let mut player = PromptPlayer::new(&[&tone], rate);
        let frames = play(&mut player, rate);
        assert_eq!(frames.len(), 20);
        let middle: Vec<i16> = frames[5..15].concat();
        let level = common::rms(&middle);
        assert!(level > 4000.0, "{rate:?}: RMS {level}");
    }
}

#[test]
fn an_odd_byte_and_an_empty_clip_are_harmless() {
    let mut player = PromptPlayer::new(&[&[1, 2, 3], &[]], SampleRate::Hz8000);
    let frames = play(&mut player, SampleRate::Hz8000);
    // One frame for the lone sample, then the pause; nothing panics.
    assert_eq!(frames.len(), 1 + 20);
}
