//! What every check returns: a list of findings, of bounded size whatever the input
//! ([`MAX_VERDICT_BYTES`]).

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

/// The most findings a verdict keeps: a check makes about 15.
pub const MAX_FINDINGS: usize = 32;
/// The longest message a finding keeps, and the longest details, in bytes as JSON writes
/// them: real ones are under 1 KB (text quoted from the input is cut by [`show`]). A
/// longer one is cut and ends with `…`.
pub const MAX_MESSAGE_BYTES: usize = 2048;
/// The longest id a finding keeps, in bytes as JSON writes it (ids are like
/// `url.code_challenge_method`).
pub const MAX_ID_BYTES: usize = 64;
/// The most bytes a verdict takes as JSON, whatever the input. Findings that would go
/// past it are dropped; they come last (failures come first), so a verdict that fails
/// still fails.
pub const MAX_VERDICT_BYTES: usize = 16 * 1024;
/// A message cut to less than this is dropped with its finding instead.
const MIN_MESSAGE_BYTES: usize = 64;

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
    /// Failed errors first, then warnings, then what passed; stable otherwise. Then
    /// within the bounds: at most [`MAX_FINDINGS`], each message at most
    /// [`MAX_MESSAGE_BYTES`], all of it at most [`MAX_VERDICT_BYTES`] as JSON.
    pub fn sort(&mut self) {
        self.findings.sort_by_key(|f| match (f.ok, f.level) {
            (false, Level::Error) => 0,
            (false, _) => 1,
            (true, Level::Info) => 3,
            (true, _) => 2,
        });
        self.bound();
    }

    /// Cut what is past the bounds (see [`Verdict::sort`]), from the end.
    fn bound(&mut self) {
        self.findings.truncate(MAX_FINDINGS);
        let mut left = MAX_VERDICT_BYTES - r#"{"findings":[]}"#.len();
        let mut kept = 0;
        for f in &mut self.findings {
            clip(&mut f.id, MAX_ID_BYTES);
            let frame = frame_bytes(f);
            let room = left.saturating_sub(frame).min(MAX_MESSAGE_BYTES);
            if room < MIN_MESSAGE_BYTES {
                break;
            }
            clip(&mut f.message, room);
            left -= frame + json_bytes(&f.message);
            // The details, in what room is left (the frame counted their name).
            if let Some(details) = &mut f.details {
                let room = left.min(MAX_MESSAGE_BYTES);
                if room < MIN_MESSAGE_BYTES {
                    f.details = None;
                } else {
                    clip(details, room);
                    left -= json_bytes(details);
                }
            }
            kept += 1;
        }
        self.findings.truncate(kept);
    }
    pub fn find(&self, id: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.id == id)
    }
}

/// The bytes of a finding as JSON but for the text of its message and details, and a
/// comma after it.
fn frame_bytes(f: &Finding) -> usize {
    const FRAME: &str = r#"{"id":"","level":"","ok":,"message":""},"#;
    const DETAILS: &str = r#","details":"""#;
    let level = match f.level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info => "info",
    };
    let ok = if f.ok { "true" } else { "false" };
    let details = if f.details.is_some() { DETAILS.len() } else { 0 };
    FRAME.len() + json_bytes(&f.id) + level.len() + ok.len() + details
}

/// The bytes of `s` inside a JSON string: `"` and `\` and control characters are
/// escaped (`\n`, `\u001b`).
fn json_bytes(s: &str) -> usize {
    s.chars().map(json_char_bytes).sum()
}

fn json_char_bytes(c: char) -> usize {
    match c {
        '"' | '\\' | '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => 2,
        c if c < ' ' => 6,
        c => c.len_utf8(),
    }
}

/// `s` cut to at most `max` bytes as JSON, ending with `…` when cut.
fn clip(s: &mut String, max: usize) {
    if json_bytes(s) <= max {
        return;
    }
    let room = max.saturating_sub('…'.len_utf8());
    let mut used = 0;
    let end = s
        .char_indices()
        .find(|&(_, c)| {
            used += json_char_bytes(c);
            used > room
        })
        .map_or(s.len(), |(i, _)| i);
    s.truncate(end);
    s.push('…');
}

/// A number of things in a message, in English: `1 second`, `2 seconds`.
pub fn count(n: u64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// Items in a message, in English: `A`, `A and B`, `A, B and C`.
pub fn and_list(items: &[&str]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// Pasted (non-secret) text to show back inside a message: at most `max` characters,
/// control characters and invisible ones (a zero-width space, a no-break space...)
/// escaped, so the learner sees them. It reads no further than that, however long `s` is.
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

    fn json(v: &impl Serialize) -> String {
        serde_json::to_string(v).unwrap_or_default()
    }

    #[test]
    fn the_size_of_a_finding_is_counted_as_serde_json_writes_it() {
        let texts =
            ["", "plain", "a \"quoted\" \\ path", "tab\tline\nnul\u{0}esc\u{1b}\u{7f}", "é–🦀\u{200B}"];
        for id in texts {
            for message in texts {
                for f in [
                    Finding::fail(id, message),
                    Finding::warn(id, message),
                    Finding::info(id, message).with_details(id),
                    Finding::pass(id, message).with_details(message),
                ] {
                    let want = json(&f).len() + 1;
                    let details = f.details.as_deref().map_or(0, json_bytes);
                    assert_eq!(frame_bytes(&f) + json_bytes(&f.message) + details, want, "{f:?}");
                }
            }
        }
    }

    #[test]
    fn a_verdict_is_bounded_in_findings_message_length_and_size() {
        // Hostile messages: long, full of characters JSON escapes, and of wide ones.
        let nasty = "\"\u{0}\\é🦀x".repeat(3000);
        let mut findings: Vec<Finding> =
            (0..100).map(|i| Finding::pass(&format!("p{i}"), nasty.as_str())).collect();
        findings.push(Finding::fail("the.failure", nasty.as_str()).with_details(nasty.as_str()));
        findings
            .extend((0..10).map(|i| Finding::warn(&format!("w{i}"), "short").with_details(nasty.as_str())));
        let v = Verdict::new(findings);
        assert!(json(&v).len() <= MAX_VERDICT_BYTES, "{}", json(&v).len());
        assert!(v.findings.len() <= MAX_FINDINGS);
        assert_eq!(v.findings[0].id, "the.failure", "failures come first and are kept");
        assert!(!v.passed());
        for f in &v.findings {
            assert!(json_bytes(&f.message) <= MAX_MESSAGE_BYTES, "{}", json_bytes(&f.message));
            assert!(f.details.as_deref().map_or(0, json_bytes) <= MAX_MESSAGE_BYTES);
            if f.message != "short" {
                assert!(
                    f.message.ends_with('…') && f.message.starts_with("\"\u{0}"),
                    "{:?}",
                    &f.message[..20]
                );
            }
        }
        // Many short findings: at most MAX_FINDINGS, failures kept.
        let mut many: Vec<Finding> = (0..40).map(|i| Finding::info(&format!("i{i}"), "ok")).collect();
        many.push(Finding::warn("w", "careful"));
        let v = Verdict::new(many);
        assert_eq!(v.findings.len(), MAX_FINDINGS);
        assert_eq!(v.findings[0].id, "w");
        // An id is cut too.
        let v = Verdict::new(vec![Finding::fail(&"x".repeat(500), "m")]);
        assert_eq!(v.findings[0].id, format!("{}…", "x".repeat(MAX_ID_BYTES - 3)));
    }

    #[test]
    fn messages_within_the_bounds_are_kept_as_they_are() {
        let long = "w".repeat(MAX_MESSAGE_BYTES);
        let findings = vec![Finding::fail("a", long.as_str()), Finding::pass("b", "fine \"x\"")];
        assert_eq!(Verdict::new(findings.clone()).findings, findings);
        let over = Verdict::new(vec![Finding::fail("a", format!("{long}w"))]);
        assert_eq!(over.findings[0].message, format!("{}…", "w".repeat(MAX_MESSAGE_BYTES - 3)));
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

#[cfg(test)]
mod list_tests {
    use super::and_list;

    #[test]
    fn and_list_joins_as_english_does() {
        assert_eq!(and_list(&[]), "");
        assert_eq!(and_list(&["Refresh Tokens"]), "Refresh Tokens");
        assert_eq!(and_list(&["A", "B"]), "A and B");
        assert_eq!(and_list(&["A", "B", "C"]), "A, B and C");
    }
}
