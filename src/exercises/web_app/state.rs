//! Step 3's rules of this exercise: `state` is required, not guessable and new for every
//! login; the scope need not ask for `offline_access`.

use crate::oauth::Scope;
use crate::verdict::{show, Finding};
use crate::work::{self, Counted as _};

/// The fewest characters a state may have: 16 random base64url characters hold 96 bits.
pub const MIN_STATE_CHARS: usize = 16;
/// The most characters of a state this site keeps (a random one needs 16 to 64).
pub const MAX_STATE_CHARS: usize = 512;
/// How many used states [`super::Progress::used_states`] keeps, newest first.
pub const MAX_USED_STATES: usize = 8;
/// Digits only: fewer than this many hold less than 96 bits.
const MIN_STATE_DIGITS: usize = 29;
/// Fewer different characters than this in a state of at least [`MIN_STATE_CHARS`]: a
/// random one of 16 base64url characters has about 14.
const MIN_DISTINCT_STATE_CHARS: usize = 6;
/// The longest unit a repeated state is made of ("abc1abc1abc1abc1").
const MAX_REPEATED_UNIT: usize = 8;

/// Words that tutorials, templates and people put in a state, lower case, letters and
/// digits only: a state made only of them is guessable, however long.
const WORDS: &[&str] = &[
    "state",
    "random",
    "string",
    "value",
    "xyz",
    "abc",
    "abcdef",
    "test",
    "my",
    "your",
    "csrf",
    "token",
    "secret",
    "nonce",
    "foo",
    "bar",
    "baz",
    "hello",
    "world",
    "password",
    "example",
    "sample",
    "demo",
    "oauth",
    "login",
    "session",
    "app",
    "client",
    "code",
    "qwerty",
    "asdf",
    "none",
    "null",
    "undefined",
    "default",
    "123",
    "1234",
    "12345",
    "123456",
];

const WHY: &str = "Your application keeps the state it sends and refuses a callback that brings \
     back another, which stops an attacker from making the user's browser finish a login the \
     attacker started (cross-site request forgery, RFC 6749 §10.12 and RFC 9700 §4.7). That works \
     only if nobody can guess the state: make a new random one of at least 16 characters (about 96 \
     bits) for every login.";

/// The findings about the state of an authorization URL (its first non-empty value), given
/// the states used before.
pub(crate) fn findings(value: Option<&str>, used: &[String]) -> Vec<Finding> {
    let Some(v) = value else {
        return vec![Finding::fail(
            "url.state",
            "state is missing or empty: add state= with at least 16 random characters (Generate \
             Random String makes some), and keep it to compare with the state that comes back.",
        )
        .with_details(WHY)];
    };
    let len = v.chars().take(MAX_STATE_CHARS + 1).counted().count();
    if len > MAX_STATE_CHARS {
        return vec![Finding::fail(
            "url.state",
            format!(
                "state is longer than {MAX_STATE_CHARS} characters, the most this site keeps: use \
                 16 to 64 random characters."
            ),
        )
        .with_details(WHY)];
    }
    let mut out = vec![Finding::pass(
        "url.state",
        "state is present: keep it to compare with the state that comes back with the code.",
    )];
    out.push(match guessable(v, len) {
        Some(reason) => Finding::fail(
            "url.state_guessable",
            format!(
                "state \"{}\" {reason}, so an attacker could guess it: use at least \
                 {MIN_STATE_CHARS} random characters (Generate Random String makes some).",
                show(v, 24)
            ),
        )
        .with_details(WHY),
        None => Finding::pass(
            "url.state_guessable",
            "state looks random: at least 16 characters, and not a word or a pattern.",
        )
        .with_details(WHY),
    });
    work::add(used.len());
    out.push(if used.iter().any(|u| u == v) {
        Finding::fail(
            "url.state_reused",
            format!(
                "state \"{}\" was already used for an earlier login: make a new random state for \
                 every authorization request.",
                show(v, 24)
            ),
        )
        .with_details(
            "A state that went through the browser before may be known to others (it is in the \
             browser history and in server logs), so it no longer proves that a callback answers \
             this request (RFC 9700 §4.7).",
        )
    } else {
        Finding::pass("url.state_reused", "state is new: no earlier login used it.")
    });
    out
}

/// Why a state of `len` characters could be guessed, to follow "state \"...\"", if it
/// could.
pub(crate) fn guessable(v: &str, len: usize) -> Option<String> {
    if only_words(v) {
        return Some("is made of common words".to_owned());
    }
    if len < MIN_STATE_CHARS {
        return Some(format!("is only {}", crate::verdict::count(len as u64, "character")));
    }
    if len < MIN_STATE_DIGITS && v.chars().counted().all(|c| c.is_ascii_digit()) {
        // log2(10) bits a digit.
        let bits = len * 332 / 100;
        return Some(format!("is only digits, about {bits} bits where a state needs 96, like a timestamp"));
    }
    let chars: Vec<char> = v.chars().counted().collect();
    let distinct: std::collections::HashSet<char> = chars.iter().copied().counted().collect();
    if distinct.len() < MIN_DISTINCT_STATE_CHARS {
        return Some(format!(
            "uses only {}",
            crate::verdict::count(distinct.len() as u64, "different character")
        ));
    }
    if let Some(unit) = repeated_unit(&chars) {
        return Some(format!("repeats \"{}\"", show(&unit.iter().collect::<String>(), MAX_REPEATED_UNIT)));
    }
    if sequential(&chars) {
        return Some("is a run of consecutive characters".to_owned());
    }
    None
}

/// `v` is only words of [`WORDS`], ignoring case and anything but letters and digits
/// ("RANDOM_STRING", "my-test-state-123"). Linear: each position tries each word once.
fn only_words(v: &str) -> bool {
    let plain: Vec<u8> =
        v.bytes().counted().filter(u8::is_ascii_alphanumeric).map(|b| b.to_ascii_lowercase()).collect();
    if plain.is_empty() {
        return false;
    }
    // reach[i]: the first i characters are words.
    let mut reach = vec![false; plain.len() + 1];
    reach[0] = true;
    for i in 0..plain.len() {
        if !reach[i] {
            continue;
        }
        work::add(WORDS.len());
        for word in WORDS {
            if plain[i..].starts_with(word.as_bytes()) {
                reach[i + word.len()] = true;
            }
        }
    }
    reach[plain.len()]
}

/// The shortest unit of at most [`MAX_REPEATED_UNIT`] characters that `chars` repeats
/// (at least twice; the last copy may be cut short).
fn repeated_unit(chars: &[char]) -> Option<&[char]> {
    (1..=MAX_REPEATED_UNIT).filter(|&p| chars.len() >= 2 * p).find_map(|p| {
        work::add(chars.len());
        chars.iter().zip(&chars[p..]).all(|(a, b)| a == b).then(|| &chars[..p])
    })
}

/// Most neighbours are consecutive characters, up or down ("abcdefghijklmnop",
/// "0123456789012345", digits wrapping from 9 to 0).
fn sequential(chars: &[char]) -> bool {
    let steps = chars
        .windows(2)
        .counted()
        .filter(|w| {
            let (a, b) = (w[0] as i64, w[1] as i64);
            (a - b).abs() == 1 || matches!((w[0], w[1]), ('9', '0') | ('0', '9'))
        })
        .count();
    steps * 4 >= (chars.len().saturating_sub(1)) * 3
}

/// This exercise's finding about `scope`: none is needed, offline_access is not either.
pub(crate) fn scope(value: Option<&str>) -> Option<Finding> {
    const ID: &str = "url.scope";
    let v = value?;
    Some(match Scope::parse(v) {
        Err(e) => Finding::fail(ID, e.to_string()).with_details(e.details()),
        Ok(scope) if scope.contains("offline_access") => Finding::info(
            "url.offline_access",
            "scope asks for offline_access, which this exercise does not need: that is fine, and the \
             response may then hold a refresh token too.",
        )
        .with_details("The Refresh Tokens exercise is about what offline_access brings."),
        Ok(_) => Finding::pass(ID, "scope is a list of scopes separated by spaces (RFC 6749 §3.3).")
            .with_details("This exercise needs no particular scope."),
    })
}

/// Remember `state` as used: newest first, once, at most [`MAX_USED_STATES`].
pub(crate) fn remember(used: &mut Vec<String>, state: String) {
    used.retain(|u| *u != state);
    used.insert(0, state);
    used.truncate(MAX_USED_STATES);
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{Progress, Step};
    use super::*;

    #[test]
    fn step_3_names_each_guessable_state() {
        let cases: &[(&str, Option<&str>)] = &[
            (STATE, None),
            ("Nw8rT2yQ6vB1xK5mZ3pJ", None),
            ("9f86d081884c7d659a2feaa0c55ad015", None),
            ("73920518463027194856301742958", None),
            ("state", Some("is made of common words")),
            ("xyz", Some("is made of common words")),
            ("abc", Some("is made of common words")),
            ("test", Some("is made of common words")),
            ("123456", Some("is made of common words")),
            ("random", Some("is made of common words")),
            ("my-random-state-value", Some("is made of common words")),
            ("TestStateTestState123", Some("is made of common words")),
            ("k3Jx9", Some("is only 5 characters")),
            ("Zq8xW2kLp0aBt", Some("is only 13 characters")),
            ("1701234567890123", Some("is only digits, about 53 bits")),
            ("aaaaaaaaaaaaaaaaaaaa", Some("uses only 1 different character")),
            ("abababababababababab", Some("uses only 2 different characters")),
            ("q1w2e3r4q1w2e3r4q1w2", Some("repeats \"q1w2e3r4\"")),
            ("abcdefghijklmnopqrst", Some("is a run of consecutive characters")),
            ("ZYXWVUTSRQPONMLKJIHG", Some("is a run of consecutive characters")),
        ];
        for (state, want) in cases {
            let out = run(Step::AuthorizationUrl, &url_with_state(state), &builtin(), &progress(2));
            let f = finding(&out, "url.state_guessable");
            match want {
                None => {
                    assert!(f.ok, "{state}: {}", f.message);
                    assert!(out.verdict.passed(), "{state}: {:#?}", out.verdict.findings);
                    assert_eq!(out.progress.and_then(|p| p.state).as_deref(), Some(*state));
                }
                Some(reason) => {
                    assert_eq!(blocking(&out), ["url.state_guessable"], "{state}");
                    assert!(f.message.starts_with(&format!("state \"{state}\" {reason}")), "{}", f.message);
                    assert!(f.message.ends_with("(Generate Random String makes some)."), "{}", f.message);
                    let details = f.details.as_deref().unwrap_or_default();
                    assert!(details.contains("RFC 6749 §10.12") && details.contains("RFC 9700 §4.7"));
                }
            }
        }
    }

    #[test]
    fn step_3_requires_a_state() {
        let cases = [
            (good_url().replace(&format!("&state={STATE}"), ""), "state is missing or empty"),
            (url_with_state(""), "state is missing or empty"),
            (url_with_state(&"x1".repeat(300)), "state is longer than 512 characters"),
        ];
        for (input, want) in cases {
            let out = run(Step::AuthorizationUrl, &input, &builtin(), &progress(2));
            assert_eq!(blocking(&out), ["url.state"]);
            assert!(finding(&out, "url.state").message.starts_with(want));
            assert_eq!(out.verdict.find("url.state_guessable"), None);
        }
    }

    #[test]
    fn step_3_refuses_a_state_used_before() {
        let p = Progress { used_states: vec!["Nw8rT2yQ6vB1xK5mZ3pJ".into(), STATE.into()], ..progress(2) };
        let out = run(Step::AuthorizationUrl, &good_url(), &builtin(), &p);
        assert_eq!(blocking(&out), ["url.state_reused"]);
        assert_eq!(
            finding(&out, "url.state_reused").message,
            format!(
                "state \"{STATE}\" was already used for an earlier login: make a new random state for \
                 every authorization request."
            )
        );
        let fresh = url_with_state("Hm4kQ8wE1rT6yU3iO9pA");
        let out = run(Step::AuthorizationUrl, &fresh, &builtin(), &p);
        assert!(finding(&out, "url.state_reused").ok);
        assert!(out.verdict.passed());
    }

    #[test]
    fn used_states_keep_the_newest_eight_once_each() {
        let mut used = Vec::new();
        for i in 0..10 {
            remember(&mut used, format!("s{i}"));
        }
        remember(&mut used, "s5".into());
        assert_eq!(used, ["s5", "s9", "s8", "s7", "s6", "s4", "s3", "s2"]);
    }

    #[test]
    fn the_work_on_a_state_is_linear() {
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let state = |n: usize| -> String { (0..n).map(|i| CHARS[(i * 7 + i / 64) % 64] as char).collect() };
        let count = |n: usize| crate::work::measure(|| guessable(&state(n), n)).1;
        let (small, large) = (count(200), count(400));
        assert!(large <= 2 * small + 64, "{small} then {large}");
    }
}
