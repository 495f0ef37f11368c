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
/// a one-sentence message that says what is wrong and how to fix it, and, optionally,
/// the details: why, the RFC section, the usual causes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    /// A stable id, e.g. `url.offline_access`.
    pub id: String,
    pub level: Level,
    /// Whether it held.
    pub ok: bool,
    /// One sentence: what is wrong and how to fix it, or what is right.
    pub message: String,
    /// More for whoever wants it: why, the RFC section, the usual causes. Left out when
    /// there is nothing more to say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

impl Finding {
    pub fn pass(id: &str, message: impl Into<String>) -> Self {
        Self { id: id.to_owned(), level: Level::Error, ok: true, message: message.into(), details: None }
    }
    pub fn fail(id: &str, message: impl Into<String>) -> Self {
        Self { id: id.to_owned(), level: Level::Error, ok: false, message: message.into(), details: None }
    }
    pub fn warn(id: &str, message: impl Into<String>) -> Self {
        Self { id: id.to_owned(), level: Level::Warning, ok: false, message: message.into(), details: None }
    }
    pub fn info(id: &str, message: impl Into<String>) -> Self {
        Self { id: id.to_owned(), level: Level::Info, ok: true, message: message.into(), details: None }
    }
    /// This finding with `details` (the explanation behind its one-sentence message).
    pub fn with_details(mut self, details: impl Into<String>) -> Self {
        self.details = Some(details.into());
        self
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

/// What keeps `message` from being the one sentence a finding's message must be, if
/// anything: it must end with a full stop (or the "!" of a success), hold no backtick (the
/// page shows plain text), and have no sentence end inside it (". " before a capital),
/// except inside a quoted value ("...") or an abbreviation such as "e.g.". The same holds
/// for the details, except that they may be several sentences.
#[cfg(test)]
pub(crate) fn not_one_sentence(finding: &Finding) -> Option<String> {
    let message = &finding.message;
    let why = if message.contains('`') || finding.details.as_deref().is_some_and(|d| d.contains('`')) {
        "holds a backtick"
    } else if !(message.ends_with('.') || (finding.ok && message.ends_with('!'))) {
        "does not end with a full stop"
    } else if finding.details.as_deref().is_some_and(|d| d.trim().is_empty()) {
        "has empty details"
    } else if sentence_ends_inside(message) {
        "is more than one sentence"
    } else {
        return None;
    };
    Some(format!("{} {why}: {message}", finding.id))
}

#[cfg(test)]
fn sentence_ends_inside(message: &str) -> bool {
    // Quoted values are shown as given: drop them first.
    let mut plain = String::new();
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '"' | '\u{201C}' | '\u{201D}' => quoted = !quoted,
            _ if !quoted => plain.push(c),
            _ => {}
        }
    }
    for abbreviation in ["e.g.", "i.e.", "etc."] {
        plain = plain.replace(abbreviation, "");
    }
    let chars: Vec<char> = plain.chars().collect();
    chars.windows(3).any(|w| matches!(w[0], '.' | '!' | '?') && w[1] == ' ' && w[2].is_uppercase())
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

    #[test]
    fn one_sentence_is_told_from_several() {
        let ok = [
            "Remove the trailing =.",
            "Use S256, e.g. code_challenge_method=S256.",
            "The server said \"Bad code. Try again\", so log in again.",
            "Scopes are case-sensitive (RFC 6749 §3.3): write offline_access.",
        ];
        for m in ok {
            assert_eq!(not_one_sentence(&Finding::fail("x", m)), None, "{m}");
        }
        assert_eq!(not_one_sentence(&Finding::info("x", "You've completed the exercise!")), None);
        let bad = ["No full stop", "Two sentences. Here.", "A `backtick`.", "Why? Because."];
        for m in bad {
            assert!(not_one_sentence(&Finding::fail("x", m)).is_some(), "{m}");
        }
        assert!(not_one_sentence(&Finding::fail("x", "Fine.").with_details("A `tick`.")).is_some());
    }

    #[test]
    fn details_are_an_addition_to_the_contract() {
        // Without details the JSON is what it always was; with them, one more member.
        let plain = serde_json::to_value(Finding::fail("x", "m")).unwrap_or_default();
        assert_eq!(plain, serde_json::json!({"id": "x", "level": "error", "ok": false, "message": "m"}));
        let detailed = Finding::fail("x", "m").with_details("why");
        let json = serde_json::to_value(&detailed).unwrap_or_default();
        assert_eq!(json["details"], "why");
        // Verdicts stored before details existed still read.
        let old: Finding = serde_json::from_value(plain).expect("reads");
        assert_eq!(old.details, None);
        assert_eq!(serde_json::from_value::<Finding>(json).ok(), Some(detailed));
    }
}
