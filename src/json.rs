//! Strict JSON for pasted text: no byte order mark, no duplicate member names (at any
//! depth), nesting bounded by serde_json's recursion limit ([`MAX_DEPTH`] levels).
//!
//! serde_json keeps the last of two equal member names silently; a grader must not, so
//! a second pass walks the same text and records the first repeated name. Both passes
//! are linear in the text: the second keeps one stack of the enclosing member names,
//! copied only when it reports a repeated name.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::pasted::{is_invisible, Invisible, Place};
use crate::work::{self, Counted as _};

/// How deeply JSON text may nest (arrays and objects): serde_json's recursion limit,
/// which keeps a hostile text from overflowing the stack. (Strictly, it stops at the
/// 128th level, so 127 levels are read; messages say "more than 128".)
pub const MAX_DEPTH: usize = 128;

/// Why pasted text is not strict JSON. Messages never quote the text itself, except a
/// repeated member name.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    #[error("it is empty")]
    Empty,
    #[error(
        "it starts with an invisible byte order mark (U+FEFF), which JSON text must not have \
         (RFC 8259 §8.1): remove it"
    )]
    ByteOrderMark,
    /// `reason` is serde_json's fixed description (never pasted text).
    #[error("{reason} at line {line}, column {column}")]
    Syntax { reason: String, line: usize, column: usize },
    #[error("it is nested more than {MAX_DEPTH} levels deep (at line {line}, column {column})")]
    TooDeep { line: usize, column: usize },
    /// `path` holds the names of the enclosing members, outermost first (array levels
    /// are left out).
    #[error("the member name {key:?} appears twice in the same object")]
    DuplicateKey { key: String, path: Vec<String> },
}

/// The first invisible character (see [`crate::pasted::invisible_name`]) outside the
/// strings of a JSON text, where JSON allows only spaces, tabs and line breaks
/// (RFC 8259 §2), placed at the start, the end, or by line and column; `count` is how many
/// such characters there are outside strings. Inside a string one is part of the value.
pub fn invisible_outside_strings(input: &str) -> Option<Invisible> {
    let total = input.chars().counted().count();
    let (mut in_string, mut escaped) = (false, false);
    let (mut line, mut column) = (1, 0);
    let mut first: Option<Invisible> = None;
    let mut count = 0;
    for (i, ch) in input.chars().counted().enumerate() {
        column += 1;
        if in_string {
            match ch {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if ch == '"' {
            in_string = true;
        } else if is_invisible(ch) {
            count += 1;
            let place = if i == 0 {
                Place::Start
            } else if i + 1 == total {
                Place::End
            } else {
                Place::Line { line, column }
            };
            first.get_or_insert(Invisible { ch, place, count: 0 });
        }
        if ch == '\n' {
            (line, column) = (line + 1, 0);
        }
    }
    first.map(|found| Invisible { count, ..found })
}

/// Parse `input` strictly (see the module docs). `input` is not trimmed.
pub fn parse_strict(input: &str) -> Result<Value, JsonError> {
    if input.starts_with('\u{FEFF}') {
        return Err(JsonError::ByteOrderMark);
    }
    if input.trim().is_empty() {
        return Err(JsonError::Empty);
    }
    work::add(input.len());
    let value: Value = serde_json::from_str(input).map_err(|e| match invisible_outside_strings(input) {
        // serde_json would only say what it expected there.
        Some(invisible) => JsonError::Syntax {
            reason: format!("remove the invisible {}, often picked up when copying,", invisible.name()),
            line: e.line(),
            column: e.column(),
        },
        None => syntax_error(&e),
    })?;
    work::add(input.len());
    let walk = Walk::default();
    let mut de = serde_json::Deserializer::from_str(input);
    // The first pass succeeded, so this one fails only on a duplicate it recorded.
    if DupSeed(&walk).deserialize(&mut de).is_err() {
        if let Some((key, path)) = walk.found.into_inner() {
            return Err(JsonError::DuplicateKey { key, path });
        }
    }
    Ok(value)
}

fn syntax_error(e: &serde_json::Error) -> JsonError {
    let (line, column) = (e.line(), e.column());
    let text = e.to_string();
    let reason = text.strip_suffix(&format!(" at line {line} column {column}")).unwrap_or(&text);
    // serde_json writes what it expected in backticks (expected `,` or `}`); the page shows
    // plain text, so they become quotes.
    let reason = reason.replace('`', "\"");
    if reason == "recursion limit exceeded" {
        JsonError::TooDeep { line, column }
    } else {
        JsonError::Syntax { reason, line, column }
    }
}

/// The duplicate pass's state: the names of the members enclosing the value it is at
/// (outermost first, array levels left out), and the first repeated name it found, with
/// the path to its object.
#[derive(Default)]
struct Walk {
    path: RefCell<Vec<String>>,
    found: RefCell<Option<(String, Vec<String>)>>,
}

/// Walks any JSON value, recording the first member name repeated within one object.
struct DupSeed<'a>(&'a Walk);

impl<'de> DeserializeSeed<'de> for DupSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        work::add(1);
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DupSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_i128<E>(self, _: i128) -> Result<(), E> {
        Ok(())
    }
    fn visit_u128<E>(self, _: u128) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(DupSeed(self.0))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            work::add(key.len());
            if seen.contains(&key) {
                *self.0.found.borrow_mut() = Some((key, self.0.path.borrow().clone()));
                return Err(de::Error::custom("duplicate member name"));
            }
            // The name is the path's last part while its value is walked.
            self.0.path.borrow_mut().push(key);
            let walked = map.next_value_seed(DupSeed(self.0));
            let key = self.0.path.borrow_mut().pop();
            walked?;
            seen.extend(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_parsing_accepts_ordinary_json() {
        let v = parse_strict(r#" {"a": [1, -2, 3.5, true, null, "x"], "b": {"c": {}}} "#);
        assert_eq!(v, Ok(serde_json::json!({"a": [1, -2, 3.5, true, null, "x"], "b": {"c": {}}})));
        // The same name in different objects is fine.
        assert!(parse_strict(r#"[{"a":1},{"a":2}]"#).is_ok());
    }

    #[test]
    fn strict_parsing_rejects_what_it_should() {
        let deep = "[".repeat(10_000);
        let cases: &[(&str, JsonError)] = &[
            ("", JsonError::Empty),
            (" \n", JsonError::Empty),
            ("\u{FEFF}{}", JsonError::ByteOrderMark),
            (r#"{"a":1,"a":2}"#, JsonError::DuplicateKey { key: "a".into(), path: vec![] }),
            (
                r#"{"x":{"y":[{"k":1,"k\u0000":2,"k":3}]}}"#,
                JsonError::DuplicateKey { key: "k".into(), path: vec!["x".into(), "y".into()] },
            ),
            (r#"{"a\u0062":1,"ab":2}"#, JsonError::DuplicateKey { key: "ab".into(), path: vec![] }),
            (&deep, JsonError::TooDeep { line: 1, column: 128 }),
            ("{\"a\":1} x", JsonError::Syntax { reason: "trailing characters".into(), line: 1, column: 9 }),
            ("{'a':1}", JsonError::Syntax { reason: "key must be a string".into(), line: 1, column: 2 }),
            ("{\"a\" 1}", JsonError::Syntax { reason: "expected \":\"".into(), line: 1, column: 6 }),
        ];
        for (input, want) in cases {
            assert_eq!(parse_strict(input).as_ref(), Err(want), "{:?}", &input[..input.len().min(40)]);
        }
    }

    #[test]
    fn invisible_characters_outside_strings_are_found_and_placed() {
        let cases = [
            ("{\"a\":1}", None),
            // Inside a string it is part of the value.
            ("{\"a\":\"x\u{200B}\"}", None),
            ("{\"a\":\"\\\"\u{A0}\"}", None),
            ("\u{A0}{\"a\":1}", Some(('\u{A0}', Place::Start, 1))),
            ("{\"a\":1}\u{200B}", Some(('\u{200B}', Place::End, 1))),
            ("{\n  \"a\":\u{A0}1,\n\u{A0} \"b\":2}", Some(('\u{A0}', Place::Line { line: 2, column: 7 }, 2))),
            ("{\"a\":\"x\"\u{2060}}", Some(('\u{2060}', Place::Line { line: 1, column: 9 }, 1))),
        ];
        for (input, want) in cases {
            let got = invisible_outside_strings(input).map(|i| (i.ch, i.place, i.count));
            assert_eq!(got, want, "{input:?}");
        }
    }

    #[test]
    fn a_syntax_error_from_an_invisible_character_names_it() {
        let err = parse_strict("{\"a\":\u{A0}1}").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            err.starts_with(
                "remove the invisible no-break space (U+00A0), often picked up when copying, at line 1"
            ),
            "{err}"
        );
        assert_eq!(parse_strict("{\"a\":\"\u{A0}\"}"), Ok(serde_json::json!({"a": "\u{A0}"})));
    }

    #[test]
    fn deeply_nested_objects_do_not_overflow_the_stack() {
        let deep = "{\"a\":".repeat(100_000);
        assert!(matches!(parse_strict(&deep), Err(JsonError::TooDeep { .. })));
    }

    #[test]
    fn syntax_errors_do_not_quote_the_input() {
        for input in ["{\"secret-token\" 1}", "\"secret-token", "secret-token", "[\"secret-token\",]"] {
            let msg = parse_strict(input).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(!msg.is_empty() && !msg.contains("secret"), "{msg}");
        }
    }
}
