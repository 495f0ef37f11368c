//! Text a learner pasted: the one rule for what is trimmed from it, used by every step
//! check and by the JSON API's helpers alike.

/// Pasted text without its outer ASCII whitespace (space, tab, line feed, form feed,
/// carriage return). Nothing else is trimmed: a no-break space or an invisible
/// character at either end is reported by the check, never silently dropped.
pub fn trim(s: &str) -> &str {
    s.trim_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_outer_ascii_whitespace_is_trimmed() {
        let cases = [
            ("abc", "abc"),
            (" abc ", "abc"),
            ("\n\t abc\r\n", "abc"),
            ("\x0Cabc\x0C", "abc"),
            ("a b", "a b"),
            ("", ""),
            (" \n ", ""),
            // Not ASCII whitespace: kept, so the check can name it.
            ("\u{A0}abc\u{A0}", "\u{A0}abc\u{A0}"),
            ("\u{FEFF}abc", "\u{FEFF}abc"),
            ("abc\u{200B}", "abc\u{200B}"),
            ("\u{3000}abc", "\u{3000}abc"),
            (" \u{A0}abc ", "\u{A0}abc"),
        ];
        for (input, want) in cases {
            assert_eq!(trim(input), want, "{input:?}");
        }
    }
}
