//! Property tests of this exercise's checks: no input makes one panic, an answer stays
//! within the verdict's bounds, and the work they do is linear in their input (doubling
//! an input that takes the same path at most doubles the work, as `src/work.rs` counts
//! it), as Web Applications' `web_app/properties.rs` shows of its own.

use proptest::prelude::*;
use proptest::test_runner::Config;

use super::test_support::*;
use super::{check, Grant, Outcome, Receipt, Step};

/// The slack allowed over twice the work, for a path that differs at its very end.
const SLACK: u64 = 64;

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

/// Any text, mostly of the characters JSON is made of.
fn any_input() -> impl Strategy<Value = String> {
    prop_oneof!["[ -~]{0,120}", "[a-zA-Z0-9_:.{}\\[\\]\",-]{0,160}", ".{0,60}"]
}

fn run_step(step: Step, input: &str, grant: Option<&Grant>, receipt: Option<&Receipt>) -> Outcome {
    let (provider, progress) = (builtin(), progress(2));
    check(step, input, &facts(&provider, &progress, grant, receipt)).expect("no step is locked")
}

/// The findings a check gave, by id, whether each held, and the first words of its
/// message, which tell the branches apart.
fn path(out: &Outcome) -> String {
    let start = |m: &str| m.split(' ').take(3).collect::<Vec<_>>().join(" ");
    out.verdict.findings.iter().map(|f| format!("{}:{}:{} ", f.id, f.ok, start(&f.message))).collect()
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn no_step_check_panics_and_every_answer_stays_bounded(input in any_input()) {
        let (g, r) = (grant(), receipt());
        for (grant, receipt) in [(None, None), (Some(&g), Some(&r))] {
            for step in Step::ALL {
                let out = run_step(step, &input, grant, receipt);
                let bytes = serde_json::to_string(&out.verdict).map(|s| s.len()).unwrap_or(usize::MAX);
                prop_assert!(bytes <= crate::verdict::MAX_VERDICT_BYTES);
                for f in &out.verdict.findings {
                    prop_assert!(!f.message.contains(TOKEN), "{} shows the token", f.id);
                }
            }
        }
    }

    #[test]
    fn doubling_any_input_at_most_doubles_the_work(x in any_input()) {
        let doubled = format!("{x}{x}");
        let (g, r) = (grant(), receipt());
        for step in Step::ALL {
            let f = |s: &str| path(&run_step(step, s, Some(&g), Some(&r)));
            let ((p1, w1), (p2, w2)) = (crate::work::measure(|| f(&x)), crate::work::measure(|| f(&doubled)));
            prop_assert!(p1 != p2 || w2 <= 2 * w1 + SLACK, "{step:?}: work {w1}, then {w2}");
        }
    }

    #[test]
    fn doubling_a_scope_or_a_receipt_at_most_doubles_the_work(word in "[a-z:]{1,40}") {
        let (g, r) = (grant(), receipt());
        let token = |w: &str| format!(r#"{{"access_token":"{TOKEN}","token_type":"Bearer","scope":"{w}"}}"#);
        let api = |w: &str| format!(r#"{{"sub":"{SERVICE}","scope":"reports:read","receipt":"{w}"}}"#);
        let doubled = format!("{word} {word}");
        for (step, single, double) in [
            (Step::TokenResponse, token(&word), token(&doubled)),
            (Step::ApiResponse, api(&word), api(&doubled)),
        ] {
            let f = |s: &str| path(&run_step(step, s, Some(&g), Some(&r)));
            let ((p1, w1), (p2, w2)) = (crate::work::measure(|| f(&single)), crate::work::measure(|| f(&double)));
            prop_assert!(p1 != p2 || w2 <= 2 * w1 + SLACK, "{step:?}: work {w1}, then {w2}");
        }
    }
}
