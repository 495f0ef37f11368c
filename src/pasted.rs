//! Text a learner pasted: the one rule for what is trimmed from it, used by every step
//! check and by the JSON API's helpers alike, and the invisible characters that copying
//! brings along, found and named so a check can say which one to remove and where.

/// Pasted text without its outer ASCII whitespace (space, tab, line feed, form feed,
/// carriage return). Nothing else is trimmed: a no-break space or an invisible
/// character at either end is reported by the check, never silently dropped.
pub fn trim(s: &str) -> &str {
    s.trim_ascii()
}

/// The name of an invisible (or space-like but not ASCII) character that copying from a
/// web page, a PDF, a chat or an editor brings along; `None` for any other character.
pub fn invisible_name(ch: char) -> Option<&'static str> {
    Some(match ch {
        '\u{FEFF}' => "byte order mark (U+FEFF)",
        '\u{200B}' => "zero-width space (U+200B)",
        '\u{200C}' => "zero-width non-joiner (U+200C)",
        '\u{200D}' => "zero-width joiner (U+200D)",
        '\u{200E}' => "left-to-right mark (U+200E)",
        '\u{200F}' => "right-to-left mark (U+200F)",
        '\u{2060}' => "word joiner (U+2060)",
        '\u{00A0}' => "no-break space (U+00A0)",
        '\u{202F}' => "narrow no-break space (U+202F)",
        '\u{00AD}' => "soft hyphen (U+00AD)",
        _ => return None,
    })
}

pub fn is_invisible(ch: char) -> bool {
    invisible_name(ch).is_some()
}

/// Where a character sits in the text it was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Start,
    End,
    /// 1-based, counting characters.
    Character(usize),
    /// 1-based, the column counting characters: for text of several lines.
    Line {
        line: usize,
        column: usize,
    },
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Start => f.write_str("at the start"),
            Place::End => f.write_str("at the end"),
            Place::Character(n) => write!(f, "at character {n}"),
            Place::Line { line, column } => write!(f, "at line {line}, column {column}"),
        }
    }
}

/// The first invisible character of a text, where it is, and how many there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invisible {
    pub ch: char,
    pub place: Place,
    /// How many invisible characters the text holds in all (at least 1).
    pub count: usize,
}

impl Invisible {
    /// The first invisible character of `s`, if any.
    pub fn find(s: &str) -> Option<Invisible> {
        let total = s.chars().count();
        let mut found = s.chars().enumerate().filter(|&(_, c)| is_invisible(c));
        let (i, ch) = found.next()?;
        let place = if i == 0 {
            Place::Start
        } else if i + 1 == total {
            Place::End
        } else {
            Place::Character(i + 1)
        };
        Some(Invisible { ch, place, count: 1 + found.count() })
    }

    pub fn name(&self) -> &'static str {
        invisible_name(self.ch).unwrap_or("invisible character")
    }

    /// What to do, e.g. "remove the invisible zero-width space (U+200B) at the end (often
    /// picked up when copying)", naming how many more there are.
    pub fn fix(&self) -> String {
        let more = match self.count {
            1 => String::new(),
            2 => ", and the other invisible character after it".to_owned(),
            n => format!(", and the {} other invisible characters after it", n - 1),
        };
        format!("remove the invisible {} {} (often picked up when copying){more}", self.name(), self.place)
    }

    /// The character as a URL writes it, percent-encoded: `%E2%80%8B`.
    pub fn percent_encoded(&self) -> String {
        let mut buf = [0u8; 4];
        self.ch.encode_utf8(&mut buf).bytes().map(|b| format!("%{b:02X}")).collect()
    }
}

/// `s` without its invisible characters.
pub fn without_invisible(s: &str) -> String {
    s.chars().filter(|&c| !is_invisible(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_found_named_and_placed() {
        let cases = [
            ("abc", None),
            ("a b\tc", None),
            ("é–x", None),
            ("\u{FEFF}abc", Some(("byte order mark (U+FEFF)", Place::Start, 1))),
            ("abc\u{200B}", Some(("zero-width space (U+200B)", Place::End, 1))),
            ("ab\u{200C}c", Some(("zero-width non-joiner (U+200C)", Place::Character(3), 1))),
            ("a\u{200D}bc", Some(("zero-width joiner (U+200D)", Place::Character(2), 1))),
            ("abc\u{2060}", Some(("word joiner (U+2060)", Place::End, 1))),
            ("\u{A0}abc\u{A0}", Some(("no-break space (U+00A0)", Place::Start, 2))),
            ("éé\u{202F}é", Some(("narrow no-break space (U+202F)", Place::Character(3), 1))),
            ("\u{200E}", Some(("left-to-right mark (U+200E)", Place::Start, 1))),
            ("\u{FEFF}a\u{200B}b\u{200B}", Some(("byte order mark (U+FEFF)", Place::Start, 3))),
        ];
        for (input, want) in cases {
            let got = Invisible::find(input).map(|i| (i.name(), i.place, i.count));
            assert_eq!(got, want, "{input:?}");
        }
    }

    #[test]
    fn the_fix_names_the_character_and_where_it_is() {
        let cases = [
            (
                "abc\u{200B}",
                "remove the invisible zero-width space (U+200B) at the end (often picked up when copying)",
            ),
            (
                "\u{FEFF}ab\u{200B}",
                "remove the invisible byte order mark (U+FEFF) at the start (often picked up when \
                 copying), and the other invisible character after it",
            ),
            (
                "a\u{A0}b\u{A0}c\u{A0}",
                "remove the invisible no-break space (U+00A0) at character 2 (often picked up when \
                 copying), and the 2 other invisible characters after it",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(Invisible::find(input).map(|i| i.fix()).as_deref(), Some(want), "{input:?}");
        }
        let zwsp = Invisible::find("\u{200B}").map(|i| i.percent_encoded());
        assert_eq!(zwsp.as_deref(), Some("%E2%80%8B"));
        assert_eq!(without_invisible("\u{FEFF}a\u{200B}b\u{A0}"), "ab");
    }

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
