//! Property tests of this exercise's checks, with few cases (its rules are mostly the
//! other exercises', whose own property tests go further): no input makes one panic, an
//! answer stays within the verdict's bounds and shows no secret back, and the work of
//! steps 3 to 6 is linear in their input (as `src/work.rs` counts it).

use proptest::prelude::*;
use proptest::test_runner::Config;

use super::test_support::*;
use super::{check, Outcome, Step};

/// The slack allowed over twice the work, for a path that differs at its very end.
const SLACK: u64 = 64;

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

fn any_input() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,120}",
        "[a-zA-Z0-9_~.&=?%#:/{}\",-]{0,160}",
        ".{0,60}",
        "[a-z0-9=&_]{0,60}".prop_map(|q| format!("{}&{q}", good_url())),
        "[a-z_]{1,8}".prop_map(|k| {
            let mut claims = id_claims();
            claims[k.as_str()] = serde_json::Value::Null;
            claims.to_string()
        }),
    ]
}

fn run_step(step: Step, input: &str, with_record: bool) -> Outcome {
    let (provider, progress, ex, sig) = (builtin(), progress(6), exchange(), verified());
    let facts = facts(&provider, &progress, with_record.then_some(&ex), Some(&sig));
    check(step, input, &facts).expect("step 6 passed, so no step is locked")
}

/// The findings by id, whether each held, and the first words of its message.
fn path(out: &Outcome) -> String {
    let start = |m: &str| m.split(' ').take(3).collect::<Vec<_>>().join(" ");
    out.verdict.findings.iter().map(|f| format!("{}:{}:{} ", f.id, f.ok, start(&f.message))).collect()
}

fn at_most_doubles(step: Step, single: &str, doubled: &str) -> Result<(), TestCaseError> {
    let f = |s: &str| path(&run_step(step, s, true));
    let ((p1, w1), (p2, w2)) = (crate::work::measure(|| f(single)), crate::work::measure(|| f(doubled)));
    prop_assert!(
        p1 != p2 || w2 <= 2 * w1 + SLACK,
        "{step:?}: work {w1} on {} bytes, {w2} on {} bytes",
        single.len(),
        doubled.len()
    );
    Ok(())
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn no_step_check_panics_and_every_answer_stays_bounded(input in any_input()) {
        for with_record in [false, true] {
            for step in Step::ALL {
                let out = run_step(step, &input, with_record);
                let bytes = serde_json::to_string(&out.verdict).map(|s| s.len()).unwrap_or(usize::MAX);
                prop_assert!(bytes <= crate::verdict::MAX_VERDICT_BYTES);
                for f in &out.verdict.findings {
                    prop_assert!(!said(f).contains(VERIFIER), "{} shows the verifier", f.id);
                    prop_assert!(!said(f).contains(ACCESS_TOKEN), "{} shows the access token", f.id);
                }
            }
        }
    }

    #[test]
    fn doubling_a_nonce_at_most_doubles_the_work(nonce in "[A-Za-z0-9_-]{1,120}") {
        let (single, doubled) = (url_with(STATE, &nonce), url_with(STATE, &format!("{nonce}{nonce}")));
        at_most_doubles(Step::AuthorizationUrl, &single, &doubled)?;
    }

    #[test]
    fn doubling_a_claim_at_most_doubles_the_work(text in "[a-zA-Z0-9 .,-]{1,120}") {
        let with = |name: &str| {
            let mut claims = id_claims();
            claims["name"] = name.into();
            claims
        };
        let doubled = format!("{text}{text}");
        at_most_doubles(Step::TokenResponse, &response_with(&with(&text)), &response_with(&with(&doubled)))?;
        at_most_doubles(Step::IdTokenClaims, &with(&text).to_string(), &with(&doubled).to_string())?;
        let body = |n: &str| serde_json::json!({"sub": SUB, "name": n}).to_string();
        at_most_doubles(Step::UserinfoResponse, &body(&text), &body(&doubled))?;
    }
}
