//! What every check returns: a list of findings.

use serde::{Deserialize, Serialize};

/// How much a failed finding matters. Only a failed `error` fails a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Info,
}

/// One thing a check looked at: a stable id (`url.offline_access`), whether it held,
/// and a message that says what is wrong and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    /// A stable id, e.g. `url.offline_access`.
    pub id: String,
    pub level: Level,
    /// Whether it held.
    pub ok: bool,
    /// What is wrong and how to fix it, or what is right.
    pub message: String,
}

impl Finding {
    pub fn pass(id: &str, message: impl Into<String>) -> Self {
        Self { id: id.to_owned(), level: Level::Error, ok: true, message: message.into() }
    }
    pub fn fail(id: &str, message: impl Into<String>) -> Self {
        Self { id: id.to_owned(), level: Level::Error, ok: false, message: message.into() }
    }
    pub fn warn(id: &str, message: impl Into<String>) -> Self {
        Self { id: id.to_owned(), level: Level::Warning, ok: false, message: message.into() }
    }
    pub fn info(id: &str, message: impl Into<String>) -> Self {
        Self { id: id.to_owned(), level: Level::Info, ok: true, message: message.into() }
    }
    /// A failed finding of level `Error`: the only kind that fails a check.
    pub fn is_blocking(&self) -> bool {
        !self.ok && self.level == Level::Error
    }
}

/// The result of one check.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verdict {
    /// Failed errors first, then warnings, then what passed.
    pub findings: Vec<Finding>,
}

impl Verdict {
    pub fn new(findings: Vec<Finding>) -> Self {
        let mut v = Self { findings };
        v.sort();
        v
    }
    /// True when no finding of level `Error` failed.
    pub fn passed(&self) -> bool {
        !self.findings.iter().any(Finding::is_blocking)
    }
    /// Failed errors first, then warnings, then what passed; stable otherwise.
    pub fn sort(&mut self) {
        self.findings.sort_by_key(|f| match (f.ok, f.level) {
            (false, Level::Error) => 0,
            (false, _) => 1,
            (true, Level::Info) => 3,
            (true, _) => 2,
        });
    }
    pub fn find(&self, id: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.id == id)
    }
}

/// A number of things in a message, in English: `1 second`, `2 seconds`.
pub fn count(n: u64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// Pasted (non-secret) text to show back inside a message: at most `max` characters,
/// control characters and invisible ones (a zero-width space, a no-break space...)
/// escaped, so the learner sees them.
pub fn show(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control() || crate::pasted::is_invisible(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_english() {
        assert_eq!(count(0, "second"), "0 seconds");
        assert_eq!(count(1, "second"), "1 second");
        assert_eq!(count(2, "learner"), "2 learners");
    }

    #[test]
    fn a_verdict_passes_unless_an_error_failed() {
        let cases: &[(Vec<Finding>, bool)] = &[
            (vec![], true),
            (vec![Finding::pass("a", "")], true),
            (vec![Finding::warn("a", "")], true),
            (vec![Finding::pass("a", ""), Finding::fail("b", "")], false),
        ];
        for (findings, passed) in cases {
            assert_eq!(Verdict::new(findings.clone()).passed(), *passed, "{findings:?}");
        }
    }

    #[test]
    fn failed_findings_come_first() {
        let v = Verdict::new(vec![
            Finding::info("i", ""),
            Finding::pass("p", ""),
            Finding::warn("w", ""),
            Finding::fail("f", ""),
        ]);
        let ids: Vec<_> = v.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["f", "w", "p", "i"]);
    }

    #[test]
    fn shown_text_is_cut_and_escapes_what_cannot_be_seen() {
        let cases = [
            ("abc", 10, "abc"),
            ("abcdef", 3, "abc…"),
            ("a\nb", 10, "a\\nb"),
            ("S256\u{200B}", 10, "S256\\u{200b}"),
            ("\u{A0}x", 10, "\\u{a0}x"),
            ("é–", 10, "é–"),
        ];
        for (input, max, want) in cases {
            assert_eq!(show(input, max), want, "{input:?}");
        }
    }

    #[test]
    fn levels_serialize_as_the_contract_says() {
        let json = serde_json::to_value(Finding::warn("x", "m")).unwrap_or_default();
        assert_eq!(json["level"], "warning");
        assert_eq!(json["ok"], false);
    }
}
