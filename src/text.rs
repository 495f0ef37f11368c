//! Characters that show nothing: one table of them, and the rules that use it.
//!
//! Two rules read the table, and take different entries from it:
//! - pasted text ([`crate::pasted`]) names the characters that copying from a web page, a
//!   PDF, a chat or an editor brings along: the entries with a [`Entry::name`];
//! - a name others will read (a learner's display name, a class's name) must be
//!   printable ([`is_unprintable`]: no control or [`Kind::Format`] character), and is no
//!   name when nothing in it shows ([`visible_name`]: every entry counts as blank).
//!
//! So a no-break space is named in pasted text, yet fine inside a name, where it shows as
//! a space.

use crate::work::Counted as _;

/// What the characters of an [`Entry`] are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Unicode's format characters (general category Cf, Unicode 16.0): invisible, and
    /// some change how the text around them displays.
    Format,
    /// A space other than ASCII's: shows as a space, but is not the space a value wants.
    Space,
    /// A letter or mark that renders blank (Hangul fillers, the blank Braille pattern,
    /// variation selectors...).
    Blank,
}

/// Characters `first..=last` of one [`Kind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub first: char,
    pub last: char,
    pub kind: Kind,
    /// What a check on pasted text calls the character, e.g. "zero-width space
    /// (U+200B)"; `None` for those it does not name (an entry with a name is one
    /// character).
    pub name: Option<&'static str>,
}

const fn format(first: char, last: char) -> Entry {
    Entry { first, last, kind: Kind::Format, name: None }
}

const fn blank(first: char, last: char) -> Entry {
    Entry { first, last, kind: Kind::Blank, name: None }
}

const fn named(ch: char, kind: Kind, name: &'static str) -> Entry {
    Entry { first: ch, last: ch, kind, name: Some(name) }
}

/// Every character that shows nothing (besides control characters and ASCII
/// whitespace), in order, without overlaps.
pub const INVISIBLE: &[Entry] = &[
    named('\u{a0}', Kind::Space, "no-break space (U+00A0)"),
    named('\u{ad}', Kind::Format, "soft hyphen (U+00AD)"),
    blank('\u{34f}', '\u{34f}'),
    format('\u{600}', '\u{605}'),
    format('\u{61c}', '\u{61c}'),
    format('\u{6dd}', '\u{6dd}'),
    format('\u{70f}', '\u{70f}'),
    format('\u{890}', '\u{891}'),
    format('\u{8e2}', '\u{8e2}'),
    blank('\u{115f}', '\u{1160}'),
    blank('\u{17b4}', '\u{17b5}'),
    blank('\u{180b}', '\u{180d}'),
    format('\u{180e}', '\u{180e}'),
    blank('\u{180f}', '\u{180f}'),
    named('\u{200b}', Kind::Format, "zero-width space (U+200B)"),
    named('\u{200c}', Kind::Format, "zero-width non-joiner (U+200C)"),
    named('\u{200d}', Kind::Format, "zero-width joiner (U+200D)"),
    named('\u{200e}', Kind::Format, "left-to-right mark (U+200E)"),
    named('\u{200f}', Kind::Format, "right-to-left mark (U+200F)"),
    format('\u{202a}', '\u{202e}'),
    named('\u{202f}', Kind::Space, "narrow no-break space (U+202F)"),
    named('\u{2060}', Kind::Format, "word joiner (U+2060)"),
    format('\u{2061}', '\u{2064}'),
    format('\u{2066}', '\u{206f}'),
    blank('\u{2800}', '\u{2800}'),
    blank('\u{3164}', '\u{3164}'),
    blank('\u{fe00}', '\u{fe0f}'),
    named('\u{feff}', Kind::Format, "byte order mark (U+FEFF)"),
    blank('\u{ffa0}', '\u{ffa0}'),
    format('\u{fff9}', '\u{fffb}'),
    format('\u{110bd}', '\u{110bd}'),
    format('\u{110cd}', '\u{110cd}'),
    format('\u{13430}', '\u{1343f}'),
    format('\u{1bca0}', '\u{1bca3}'),
    format('\u{1d173}', '\u{1d17a}'),
    format('\u{e0001}', '\u{e0001}'),
    format('\u{e0020}', '\u{e007f}'),
    blank('\u{e0100}', '\u{e01ef}'),
];

/// The entry of [`INVISIBLE`] that holds `c`, if any.
pub fn invisible(c: char) -> Option<&'static Entry> {
    let i = INVISIBLE.partition_point(|e| e.last < c);
    INVISIBLE.get(i).filter(|e| e.first <= c)
}

/// A name others will read must not hold control characters, or format characters:
/// zero-width ones that hide in it, and bidirectional marks that make it display as
/// something else (Trojan Source, CVE-2021-42574).
pub fn is_unprintable(name: &str) -> bool {
    name.chars().counted().any(|c| c.is_control() || invisible(c).is_some_and(|e| e.kind == Kind::Format))
}

/// Shows nothing: whitespace, control characters, and every character of [`INVISIBLE`].
pub fn shows_nothing(c: char) -> bool {
    c.is_whitespace() || c.is_control() || invisible(c).is_some()
}

/// A name as typed, trimmed; `None` when nothing in it would show (it counts as no name).
pub fn visible_name(name: &str) -> Option<&str> {
    let name = name.trim();
    (!name.chars().counted().all(shows_nothing)).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both ends of an entry and a character between them.
    fn samples(e: &Entry) -> [char; 3] {
        let middle = (u32::from(e.first) + u32::from(e.last)) / 2;
        [e.first, char::from_u32(middle).expect("no entry spans the surrogates"), e.last]
    }

    /// The characters just before and just after an entry that no entry holds.
    fn neighbours(e: &Entry) -> Vec<char> {
        [u32::from(e.first).checked_sub(1), u32::from(e.last).checked_add(1)]
            .into_iter()
            .flatten()
            .filter_map(char::from_u32)
            .filter(|c| invisible(*c).is_none())
            .collect()
    }

    #[test]
    fn the_table_is_in_order_and_names_only_single_characters_by_their_code() {
        for pair in INVISIBLE.windows(2) {
            assert!(pair[0].last < pair[1].first, "{pair:?}");
        }
        for e in INVISIBLE {
            assert!(e.first <= e.last, "{e:?}");
            assert!(!e.first.is_control() && !e.first.is_ascii(), "{e:?}");
            if let Some(name) = e.name {
                assert_eq!(e.first, e.last, "{name}");
                assert!(name.ends_with(&format!(" (U+{:04X})", u32::from(e.first))), "{name}");
            }
        }
        assert_eq!(INVISIBLE.iter().filter(|e| e.name.is_some()).count(), 10);
    }

    #[test]
    fn the_name_rules_agree_with_the_table() {
        for e in INVISIBLE {
            for c in samples(e) {
                assert_eq!(invisible(c), Some(e), "{c:?}");
                assert!(shows_nothing(c), "{c:?}");
                assert_eq!(visible_name(&format!(" {c}{c} ")), None, "{c:?}");
                assert_eq!(visible_name(&format!("A{c}da")), Some(format!("A{c}da").as_str()), "{c:?}");
                // Only format characters make a name unprintable: a no-break space or a
                // blank letter is fine inside one.
                assert_eq!(is_unprintable(&format!("A{c}da")), e.kind == Kind::Format, "{c:?}");
            }
            for c in neighbours(e) {
                assert_eq!(shows_nothing(c), c.is_whitespace() || c.is_control(), "{c:?}");
                assert_eq!(is_unprintable(&format!("A{c}da")), c.is_control(), "{c:?}");
            }
        }
        assert_eq!(invisible('a'), None);
        assert_eq!(invisible('\u{10ffff}'), None);
    }

    #[test]
    fn names_with_control_or_format_characters_are_unprintable() {
        let refused = [
            "Ada\nLovelace",
            "tab\there",
            "nul\u{0}",
            "Ada\u{202E}ecalevoL",
            "Class\u{2066}A",
            "Ada\u{200B}",
            "A\u{200C}da",
            "A\u{200D}da",
            "Ada\u{2060}",
            "\u{FEFF}Ada",
            "Ada\u{061C}",
            "Ada\u{00AD}",
            "Ada\u{E0041}",
        ];
        for name in refused {
            assert!(is_unprintable(name), "{name:?}");
        }
        for name in ["Ada Lovelace", "Åsa Øberg", "李小龍", "José-María", "O'Brien 🙂"] {
            assert!(!is_unprintable(name), "{name:?}");
        }
    }

    #[test]
    fn a_name_of_only_whitespace_or_invisible_characters_is_no_name() {
        for blank in
            ["", "   ", "\t\n", "\u{200B}", " \u{200B}\u{FEFF} ", "\u{3164}", "\u{2800}\u{00A0}", "\u{FE0F}"]
        {
            assert_eq!(visible_name(blank), None, "{blank:?}");
        }
        assert_eq!(visible_name("  Ada  "), Some("Ada"));
        assert_eq!(visible_name(" \u{200B}Ada"), Some("\u{200B}Ada"), "shown, then refused as unprintable");
    }
}
