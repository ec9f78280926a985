//! The caller's display name in the meeting: the From header's display
//! name (unquoted by the SIP crate) when it is one the meeting takes,
//! else "Phone".

/// Shown for callers whose From carries no usable display name.
pub const DEFAULT_NAME: &str = "Phone";

/// The name the leg joins with: the wire crate's rules (trimmed, 1 to 64
/// characters, no control characters) decide whether the caller's own
/// will do.
pub fn display_name(from_display: Option<&str>) -> String {
    from_display
        .and_then(civicmeet_wire::normalize_name)
        .unwrap_or_else(|| DEFAULT_NAME.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_from_header() {
        assert_eq!(display_name(Some("Amt Mitte")), "Amt Mitte");
        assert_eq!(display_name(Some(" Raum 2.14 ")), "Raum 2.14");
        assert_eq!(display_name(None), "Phone");
        assert_eq!(display_name(Some("  ")), "Phone");
        assert_eq!(display_name(Some(&"x".repeat(65))), "Phone");
        assert_eq!(display_name(Some("a\u{7}b")), "Phone");
    }
}
