//! The lexical layer of RFC 5545 (section 3.1 and 3.3.11): escaping of TEXT
//! values, quoting of parameter values, and folding of content lines at 75
//! octets with CRLF line ends.
//!
//! Everything here works on `&str`, so folding can never split a UTF-8
//! sequence: it cuts only at character boundaries.

/// Longest content line, in octets, not counting the CRLF (RFC 5545 3.1).
const MAX_LINE_OCTETS: usize = 75;

/// Escapes a TEXT value: backslash, semicolon and comma get a backslash,
/// every line break (CRLF, LF or CR) becomes `\n`. Other control characters
/// are not allowed in TEXT and are dropped; a tab is kept.
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                // CRLF is one line break, not two.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value (e.g. `CN=`). It cannot contain a double quote or a
/// control character (RFC 5545 3.2), so those are replaced; it is quoted
/// when it contains `:`, `;` or `,`, which would otherwise end it.
pub fn param_value(value: &str) -> String {
    let cleaned: String = value
        .chars()
        .map(|c| match c {
            '"' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    if cleaned.contains([':', ';', ',']) {
        format!("\"{cleaned}\"")
    } else {
        cleaned
    }
}

/// Appends one content line to `out`, folded so that no physical line is
/// longer than 75 octets, each ending in CRLF. A continuation line starts
/// with one space, which counts towards its 75 octets.
pub fn push_folded(out: &mut String, line: &str) {
    let mut budget = MAX_LINE_OCTETS;
    let mut used = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if used + len > budget {
            out.push_str("\r\n ");
            // The leading space takes one octet of the next line.
            budget = MAX_LINE_OCTETS - 1;
            used = 0;
        }
        out.push(c);
        used += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_four_special_cases() {
        let cases = [
            ("plain", "plain"),
            ("a\\b", "a\\\\b"),
            ("a;b", "a\\;b"),
            ("a,b", "a\\,b"),
            ("line1\nline2", "line1\\nline2"),
            ("line1\r\nline2", "line1\\nline2"),
            ("line1\rline2", "line1\\nline2"),
            ("bell\u{7}gone", "bellgone"),
            (
                "Straße 1, 10115 Berlin; 2. OG",
                "Straße 1\\, 10115 Berlin\\; 2. OG",
            ),
            ("\\n is not a newline", "\\\\n is not a newline"),
        ];
        for (input, expected) in cases {
            assert_eq!(escape_text(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn quotes_parameter_values_only_when_needed() {
        assert_eq!(param_value("Bürgeramt Mitte"), "Bürgeramt Mitte");
        assert_eq!(param_value("Amt, Mitte"), "\"Amt, Mitte\"");
        assert_eq!(param_value("say \"hi\": x"), "\"say 'hi': x\"");
        assert_eq!(param_value("a\nb"), "a b");
    }

    fn fold(line: &str) -> String {
        let mut out = String::new();
        push_folded(&mut out, line);
        out
    }

    /// Undoes folding as a reader does (RFC 5545 3.1): CRLF + space goes.
    fn unfold(folded: &str) -> String {
        folded
            .replace("\r\n ", "")
            .trim_end_matches("\r\n")
            .to_owned()
    }

    #[test]
    fn short_lines_are_not_folded() {
        assert_eq!(fold("SUMMARY:short"), "SUMMARY:short\r\n");
        let exactly = "X".repeat(75);
        assert_eq!(fold(&exactly), format!("{exactly}\r\n"));
    }

    #[test]
    fn long_ascii_lines_fold_at_75_octets() {
        let line = format!("DESCRIPTION:{}", "a".repeat(200));
        let folded = fold(&line);
        let physical: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert_eq!(physical[0].len(), 75);
        for continuation in &physical[1..] {
            assert!(continuation.starts_with(' '));
            assert!(continuation.len() <= 75);
        }
        assert_eq!(physical[1].len(), 75, "full continuation lines use all 75");
        assert_eq!(unfold(&folded), line);
    }

    #[test]
    fn folding_never_splits_a_utf8_sequence() {
        // 2-, 3- and 4-octet characters at every offset relative to the cut.
        for prefix in 0..4 {
            for ch in ["ä", "€", "😀"] {
                let line = format!("SUMMARY:{}{}", "x".repeat(prefix), ch.repeat(60));
                let folded = fold(&line);
                for physical in folded.split("\r\n") {
                    assert!(physical.len() <= 75, "{} octets", physical.len());
                }
                // Each physical line is valid UTF-8 on its own (split on
                // &str boundaries would have panicked otherwise).
                for physical in folded.as_bytes().split(|b| *b == b'\n') {
                    assert!(std::str::from_utf8(physical).is_ok());
                }
                assert_eq!(unfold(&folded), line);
            }
        }
    }

    #[test]
    fn every_line_ends_in_crlf() {
        let folded = fold(&"y".repeat(300));
        assert!(folded.ends_with("\r\n"));
        assert_eq!(folded.matches('\n').count(), folded.matches("\r\n").count());
    }
}
