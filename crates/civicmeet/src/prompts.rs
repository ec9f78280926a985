//! The voice prompts a SIP caller hears (issue 7), embedded in the binary:
//! 16 kHz mono PCM made by `prompts/make.sh` (not under `assets/`: those are served to browsers) (speech synthesis; no
//! recording of a person). Every prompt is German, then English.

/// What a prompt says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Enter the meeting PIN, then the hash key.
    Pin,
    /// The PIN was wrong; try again.
    PinWrong,
    /// Please wait; the host will let you in.
    Waiting,
    /// The meeting has ended; goodbye.
    Ended,
    /// You were not let in; goodbye.
    Refused,
    /// A court hearing: recording is forbidden; press 1 to confirm.
    Notice,
}

impl Prompt {
    pub const ALL: [Prompt; 6] = [
        Prompt::Pin,
        Prompt::PinWrong,
        Prompt::Waiting,
        Prompt::Ended,
        Prompt::Refused,
        Prompt::Notice,
    ];

    /// The clips to play, in order: German, then English.
    pub fn clips(self) -> [&'static [u8]; 2] {
        macro_rules! clips {
            ($name:literal) => {
                [
                    include_bytes!(concat!("../prompts/", $name, ".de.pcm")),
                    include_bytes!(concat!("../prompts/", $name, ".en.pcm")),
                ]
            };
        }
        match self {
            Prompt::Pin => clips!("pin"),
            Prompt::PinWrong => clips!("pin_wrong"),
            Prompt::Waiting => clips!("waiting"),
            Prompt::Ended => clips!("ended"),
            Prompt::Refused => clips!("refused"),
            Prompt::Notice => clips!("notice"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prompt_is_speech_of_a_few_seconds_in_both_languages() {
        for prompt in Prompt::ALL {
            for clip in prompt.clips() {
                assert_eq!(clip.len() % 2, 0, "{prompt:?}: whole 16-bit samples");
                let samples: Vec<i16> = clip
                    .chunks_exact(2)
                    .map(|p| i16::from_le_bytes([p[0], p[1]]))
                    .collect();
                let seconds = samples.len() as f64 / 16_000.0;
                // The hearing's legal notice is the longest (about 11 s).
                assert!((1.0..15.0).contains(&seconds), "{prompt:?}: {seconds:.1} s");
                let rms = (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>()
                    / samples.len() as f64)
                    .sqrt();
                assert!(rms > 1000.0, "{prompt:?}: not silence (RMS {rms:.0})");
            }
            let [german, english] = prompt.clips();
            assert_ne!(german, english, "{prompt:?}: two languages");
        }
    }
}
