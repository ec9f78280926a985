//! Keys pressed in the meeting: `*6` switches the caller's microphone
//! off and on, as in most conferencing systems. This is how a phone
//! takes back the word after a host muted it: only the participant may
//! switch its microphone on again, and a keypad is all a phone has.

/// What a key press in the meeting asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeypadCommand {
    ToggleMute,
}

/// Tells commands from stray key presses.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Keypad {
    star: bool,
}

impl Keypad {
    pub fn new() -> Keypad {
        Keypad::default()
    }

    /// One key press; the command it completes, if any.
    pub fn key(&mut self, key: char) -> Option<KeypadCommand> {
        let after_star = std::mem::replace(&mut self.star, key == '*');
        (after_star && key == '6').then_some(KeypadCommand::ToggleMute)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_six_toggles_the_microphone() {
        let mut keypad = Keypad::new();
        let commands: Vec<_> = "6*6**6*16#*6"
            .chars()
            .filter_map(|k| keypad.key(k))
            .collect();
        assert_eq!(commands, [KeypadCommand::ToggleMute; 3]);
    }
}
