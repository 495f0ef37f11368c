//! The rules for names others will read: a learner's display name and a class's name.
//! What shows and what is unprintable is the core's rule ([`oauthlab::text`]).

use oauthlab::text::{is_unprintable, visible_name};

use super::InstructorError;

const UNPRINTABLE: &str = "can't contain control characters (such as line breaks or tabs) or \
     invisible formatting characters (such as zero-width spaces or text-direction marks): \
     use plain text";

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
