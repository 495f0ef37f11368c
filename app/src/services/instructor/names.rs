//! The rules for names others will read: a learner's display name and a class's name.

use super::InstructorError;

const UNPRINTABLE: &str = "can't contain control characters (such as line breaks or tabs) or \
     invisible formatting characters (such as zero-width spaces or text-direction marks): \
     use plain text";

/// Unicode's format characters (general category Cf, Unicode 16.0): invisible, and some
/// change how the text around them displays.
const FORMAT: &[(char, char)] = &[
    ('\u{ad}', '\u{ad}'),
    ('\u{600}', '\u{605}'),
    ('\u{61c}', '\u{61c}'),
    ('\u{6dd}', '\u{6dd}'),
    ('\u{70f}', '\u{70f}'),
    ('\u{890}', '\u{891}'),
    ('\u{8e2}', '\u{8e2}'),
    ('\u{180e}', '\u{180e}'),
    ('\u{200b}', '\u{200f}'),
    ('\u{202a}', '\u{202e}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206f}'),
    ('\u{feff}', '\u{feff}'),
    ('\u{fff9}', '\u{fffb}'),
    ('\u{110bd}', '\u{110bd}'),
    ('\u{110cd}', '\u{110cd}'),
    ('\u{13430}', '\u{1343f}'),
    ('\u{1bca0}', '\u{1bca3}'),
    ('\u{1d173}', '\u{1d17a}'),
    ('\u{e0001}', '\u{e0001}'),
    ('\u{e0020}', '\u{e007f}'),
];

fn is_format(c: char) -> bool {
    FORMAT.iter().any(|(first, last)| (*first..=*last).contains(&c))
}

/// A name others will read must not hold control characters, or format characters:
/// zero-width ones that hide in it, and bidirectional marks that make it display as
/// something else (Trojan Source, CVE-2021-42574).
fn is_unprintable(name: &str) -> bool {
    name.chars().any(|c| c.is_control() || is_format(c))
}

/// Shows nothing: whitespace, control and format characters, and the letters and marks
/// that render blank (Hangul fillers, the blank Braille pattern, variation selectors...).
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || is_format(c)
        || matches!(
            c,
            '\u{034f}'
                | '\u{115f}'
                | '\u{1160}'
                | '\u{17b4}'
                | '\u{17b5}'
                | '\u{180b}'..='\u{180d}'
                | '\u{180f}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{fe00}'..='\u{fe0f}'
                | '\u{ffa0}'
                | '\u{e0100}'..='\u{e01ef}'
        )
}

/// A name as typed, trimmed; `None` when nothing in it would show (it counts as no name).
fn visible_name(name: &str) -> Option<&str> {
    let name = name.trim();
    (!name.chars().all(is_invisible)).then_some(name)
}

/// A class's name as kept: trimmed, 1 to 100 characters, and printable.
pub(super) fn class_name(name: &str) -> Result<&str, InstructorError> {
    let name = visible_name(name)
        .filter(|n| n.chars().count() <= 100)
        .ok_or_else(|| InstructorError::Invalid("A class needs a name of 1 to 100 characters.".into()))?;
    if is_unprintable(name) {
        return Err(InstructorError::Invalid(format!("A class name {UNPRINTABLE}.")));
    }
    Ok(name)
}

/// A learner's display name as kept: trimmed, `None` when nothing in it would show, at
/// most 60 characters, and printable.
pub(super) fn display_name(name: Option<&str>) -> Result<Option<&str>, InstructorError> {
    let name = name.and_then(visible_name);
    if name.is_some_and(|n| n.chars().count() > 60) {
        return Err(InstructorError::Invalid("A display name has at most 60 characters.".into()));
    }
    if name.is_some_and(is_unprintable) {
        return Err(InstructorError::Invalid(format!("A display name {UNPRINTABLE}.")));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn class_and_display_names_are_trimmed_bounded_and_printable() {
        let unprintable = "can't contain control characters (such as line breaks or tabs) or invisible \
                           formatting characters (such as zero-width spaces or text-direction marks): use \
                           plain text.";
        let class = |name: &str| class_name(name).map(str::to_owned).map_err(|e| e.to_string());
        assert_eq!(class("  Monday group "), Ok("Monday group".into()));
        assert_eq!(class(&"x".repeat(100)).map(|n| n.len()), Ok(100));
        for name in ["", " \u{200B} ", &"x".repeat(101)] {
            assert_eq!(class(name), Err("A class needs a name of 1 to 100 characters.".into()), "{name:?}");
        }
        assert_eq!(class("Class\u{200B}A"), Err(format!("A class name {unprintable}")));

        let display =
            |name: Option<&str>| display_name(name).map(|n| n.map(str::to_owned)).map_err(|e| e.to_string());
        assert_eq!(display(None), Ok(None));
        assert_eq!(display(Some(" \u{3164} ")), Ok(None), "shows nothing: no name");
        assert_eq!(display(Some(" Ada ")), Ok(Some("Ada".into())));
        assert_eq!(display(Some(&"é".repeat(60))).map(|n| n.map(|n| n.chars().count())), Ok(Some(60)));
        assert_eq!(display(Some(&"é".repeat(61))), Err("A display name has at most 60 characters.".into()));
        assert_eq!(display(Some("Ada\u{202E}ecalevol")), Err(format!("A display name {unprintable}")));
    }
}
