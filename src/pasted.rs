//! Text a learner pasted: the one rule for what is trimmed from it, used by every step
//! check and by the JSON API's helpers alike, and the invisible characters that copying
//! brings along, found and named so a check can say which one to remove and where, and
//! quotes copied along with a value.

use crate::work::Counted as _;

/// Pasted text without its outer ASCII whitespace (space, tab, line feed, form feed,
/// carriage return). Nothing else is trimmed: a no-break space or an invisible
/// character at either end is reported by the check, never silently dropped.
pub fn trim(s: &str) -> &str {
    s.trim_ascii()
}

/// The name of an invisible (or space-like but not ASCII) character that copying from a
/// web page, a PDF, a chat or an editor brings along: the characters of
/// [`crate::text::INVISIBLE`] that have a name. `None` for any other character.
pub fn invisible_name(ch: char) -> Option<&'static str> {
    crate::text::invisible(ch).and_then(|e| e.name)
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
        let total = s.chars().counted().count();
        let mut found = s.chars().counted().enumerate().filter(|&(_, c)| is_invisible(c));
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
    s.chars().counted().filter(|&c| !is_invisible(c)).collect()
}

/// The name of a quote character that may come along with a copied value (from code, a
/// JSON document, a chat that typeset it); `None` for any other character.
pub fn quote_name(ch: char) -> Option<&'static str> {
    Some(match ch {
        '"' => "double quote",
        '\'' => "single quote",
        '`' => "backtick",
        '\u{201C}' | '\u{201D}' => "curly double quote",
        '\u{2018}' | '\u{2019}' => "curly single quote",
        _ => return None,
    })
}

/// Quotes copied along with a value: around it, or one at an end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quotes {
    Surrounding,
    Start(char),
    End(char),
}

impl Quotes {
    /// The quotes at the edges of `s`, if any.
    pub fn find(s: &str) -> Option<Quotes> {
        let (first, last) = (s.chars().next()?, s.chars().next_back()?);
        match (quote_name(first).is_some(), quote_name(last).is_some()) {
            (true, true) if s.chars().nth(1).is_some() => Some(Quotes::Surrounding),
            (true, _) => Some(Quotes::Start(first)),
            (false, true) => Some(Quotes::End(last)),
            (false, false) => None,
        }
    }

    /// What is wrong: "is wrapped in quotes", "ends with a double quote".
    pub fn problem(&self) -> String {
        match self {
            Quotes::Surrounding => "is wrapped in quotes".to_owned(),
            Quotes::Start(c) => format!("starts with a {}", quote_name(*c).unwrap_or("quote")),
            Quotes::End(c) => format!("ends with a {}", quote_name(*c).unwrap_or("quote")),
        }
    }

    /// What to do: "remove the surrounding quotes", "remove the double quote at the end".
    pub fn fix(&self) -> String {
        match self {
            Quotes::Surrounding => "remove the surrounding quotes".to_owned(),
            Quotes::Start(c) => format!("remove the {} at the start", quote_name(*c).unwrap_or("quote")),
            Quotes::End(c) => format!("remove the {} at the end", quote_name(*c).unwrap_or("quote")),
        }
    }

    /// `s` without these quotes.
    pub fn strip<'a>(&self, s: &'a str) -> &'a str {
        let mut chars = s.chars();
        match self {
            Quotes::Surrounding => {
                chars.next();
                chars.next_back();
            }
            Quotes::Start(_) => {
                chars.next();
            }
            Quotes::End(_) => {
                chars.next_back();
            }
        }
        chars.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_at_the_edges_are_found_and_stripped() {
        let cases = [
            ("abc", None, "abc"),
            ("it's", None, "it's"),
            ("a\"b", None, "a\"b"),
            (
                "\"abc\"",
                Some((Quotes::Surrounding, "is wrapped in quotes", "remove the surrounding quotes")),
                "abc",
            ),
            (
                "'abc'",
                Some((Quotes::Surrounding, "is wrapped in quotes", "remove the surrounding quotes")),
                "abc",
            ),
            (
                "`abc`",
                Some((Quotes::Surrounding, "is wrapped in quotes", "remove the surrounding quotes")),
                "abc",
            ),
            (
                "\u{201C}abc\u{201D}",
                Some((Quotes::Surrounding, "is wrapped in quotes", "remove the surrounding quotes")),
                "abc",
            ),
            (
                "\"\"",
                Some((Quotes::Surrounding, "is wrapped in quotes", "remove the surrounding quotes")),
                "",
            ),
            (
                "\"abc",
                Some((
                    Quotes::Start('"'),
                    "starts with a double quote",
                    "remove the double quote at the start",
                )),
                "abc",
            ),
            (
                "abc\u{2019}",
                Some((
                    Quotes::End('\u{2019}'),
                    "ends with a curly single quote",
                    "remove the curly single quote at the end",
                )),
                "abc",
            ),
            (
                "\"",
                Some((
                    Quotes::Start('"'),
                    "starts with a double quote",
                    "remove the double quote at the start",
                )),
                "",
            ),
            ("", None, ""),
        ];
        for (input, want, stripped) in cases {
            let got = Quotes::find(input);
            assert_eq!(
                got.map(|q| (q, q.problem(), q.fix())),
                want.map(|(q, p, f)| (q, p.to_owned(), f.to_owned())),
                "{input:?}"
            );
            assert_eq!(got.map_or(input, |q| q.strip(input)), stripped, "{input:?}");
        }
    }

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

    #[test]
    fn pasted_text_names_the_characters_the_table_names_and_no_other() {
        use crate::text::{Kind, INVISIBLE};
        for e in INVISIBLE {
            for c in [e.first, e.last] {
                assert_eq!(invisible_name(c), e.name, "{c:?}");
                assert_eq!(is_invisible(c), e.name.is_some(), "{c:?}");
                let found = Invisible::find(&format!("ab{c}c")).map(|i| (i.name(), i.place, i.count));
                assert_eq!(found, e.name.map(|name| (name, Place::Character(3), 1)), "{c:?}");
            }
        }
        // A no-break space is named in pasted text, though it shows as a space in a name.
        let named_spaces: Vec<_> =
            INVISIBLE.iter().filter(|e| e.kind == Kind::Space).map(|e| e.name).collect();
        assert_eq!(named_spaces, [Some("no-break space (U+00A0)"), Some("narrow no-break space (U+202F)")]);
        // Text-direction marks beyond U+200E and U+200F are not named (yet).
        assert_eq!(invisible_name('\u{202E}'), None);
        for c in ['a', ' ', '\t', '\n', '\u{3000}', '\u{2800}'] {
            assert_eq!(invisible_name(c), None, "{c:?}");
        }
    }
}
