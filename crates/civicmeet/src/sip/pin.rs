//! PIN entry on a keypad: digits until `#`, `*` starts over, three wrong
//! PINs end the call. Sans-IO: key presses in, a PIN to try out.
//!
//! The server decides whether a PIN is right (the leg sends it in `join`
//! like a browser); this only collects the keys and counts the answers.

/// Wrong PINs a caller may enter; the next wrong answer ends the call.
pub const MAX_WRONG: u8 = 3;
/// Digits kept; more are ignored (meeting PINs have at most 10).
const MAX_DIGITS: usize = 16;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PinEntry {
    digits: String,
    wrong: u8,
}

/// What a wrong PIN leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterWrong {
    /// Another try.
    TryAgain,
    /// That was the last: hang up.
    GiveUp,
}

impl PinEntry {
    pub fn new() -> PinEntry {
        PinEntry::default()
    }

    /// One key press (`0`-`9`, `*`, `#`, `A`-`D`). Returns the PIN to try
    /// when `#` ends a non-empty entry.
    pub fn key(&mut self, key: char) -> Option<String> {
        match key {
            '0'..='9' if self.digits.len() < MAX_DIGITS => self.digits.push(key),
            '*' => self.digits.clear(),
            '#' if !self.digits.is_empty() => return Some(std::mem::take(&mut self.digits)),
            _ => {}
        }
        None
    }

    /// The server said the PIN was wrong.
    pub fn wrong(&mut self) -> AfterWrong {
        self.wrong = self.wrong.saturating_add(1);
        self.digits.clear();
        if self.wrong >= MAX_WRONG {
            AfterWrong::GiveUp
        } else {
            AfterWrong::TryAgain
        }
    }

    /// Forgets keys typed before the PIN was asked for.
    pub fn clear(&mut self) {
        self.digits.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(entry: &mut PinEntry, keys: &str) -> Vec<String> {
        keys.chars().filter_map(|k| entry.key(k)).collect()
    }

    #[test]
    fn digits_until_the_hash_key() {
        let mut entry = PinEntry::new();
        assert_eq!(press(&mut entry, "1234#"), ["1234"]);
        assert_eq!(press(&mut entry, "#12A3*98#"), ["98"]);
        assert_eq!(press(&mut entry, &"5".repeat(40)), Vec::<String>::new());
        assert_eq!(press(&mut entry, "#"), ["5".repeat(16)]);
    }

    #[test]
    fn three_wrong_pins_end_it() {
        let mut entry = PinEntry::new();
        press(&mut entry, "11");
        assert_eq!(entry.wrong(), AfterWrong::TryAgain);
        // The wrong answer cleared what was typed meanwhile.
        assert_eq!(press(&mut entry, "2#"), ["2"]);
        assert_eq!(entry.wrong(), AfterWrong::TryAgain);
        assert_eq!(entry.wrong(), AfterWrong::GiveUp);
    }
}
