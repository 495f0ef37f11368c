//! The Machine-to-Machine exercise: a service gets its own access token with the client
//! credentials grant (RFC 6749 §4.4), for one API (RFC 8707) and the least scope, then
//! calls that API with it as a Bearer token (RFC 6750 §2.1).
//!
//! INTERFACE (the web layer is written against it), as in [`super::web_app`]: the types
//! and `statuses`, `completed`, `check`, plus [`pasted_access_token`] and
//! [`pasted_receipt`] to look up the practice server's records. Step 1's rules live in
//! `client_credentials/token.rs` (the response's shape is checked by Refresh Tokens'
//! `refresh/response.rs`), step 2's in `client_credentials/api_call.rs`, each with
//! table-driven tests next to it.
//!
//! On the built-in server the web layer passes, for step 1, [`Facts::grant`]: how the
//! practice server issued the pasted access token (looked up by its digest), the practice
//! API's identifier in [`Facts::resource`] and the service client's id in
//! [`Facts::service_client_id`]; for step 2, [`Facts::receipt`]: what the practice API
//! recorded about the pasted receipt. After step 2 passes, the web layer marks that
//! receipt used, so the same receipt never passes twice.
//!
//! Finding ids, by step:
//! 1. `token.json`, `token.object`, `token.error`, `token.token_type`,
//!    `token.access_token`, `token.expires_in`, `token.refresh_token` (a refresh token
//!    fails), `token.scope`, `token.jwt` (info), `token.signature`, `token.iss`,
//!    `token.expired` (warning); from the practice server's record `grant.issued`,
//!    `grant.type`, `grant.client`, `grant.resource`, `grant.scope`,
//!    `grant.refresh_token`; on another server, from the JWT, `token.aud`, `token.sub`,
//!    `token.client_id` (each may warn) and `grant.unverified` (info); `grant.completed`
//!    (info)
//! 2. `api.json`, `api.object`, `api.error`, `api.receipt`, `api.sub`, `api.scope`; from
//!    the practice API's record `api.issued`, `api.token`, `api.bearer`, `api.used`; on
//!    another server `api.unverified` (info); `api.completed` (info)
//!
//! Any step that passes again while later steps had passed adds `progress.redo` (info).
//!
//! Every message is one sentence that names the fix; the explanation, the RFC section
//! and the usual causes go in the finding's details.

mod api_call;
#[cfg(test)]
mod properties;
mod token;

use serde::{Deserialize, Serialize};

use super::refresh::{self, DecodedJwt, Provider, SignatureCheck, TokenRecord};
use crate::verdict::{Finding, Verdict};

pub use super::StepStatus;
pub use api_call::MAX_API_RESPONSE_BYTES;

pub const SLUG: &str = "client-credentials";
pub const TITLE: &str = "Machine-to-Machine";

/// The scope the exercise asks for: the least the API call needs.
pub const READ_SCOPE: &str = "reports:read";
/// The practice API's other scope, which the call does not need.
pub const WRITE_SCOPE: &str = "reports:write";

steps! {
    /// The two steps, in the order they must pass.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ClientCredentialsStep))]
    pub enum Step {
        TokenResponse => ("token-response", "Token response"),
        ApiResponse => ("api-response", "API call"),
    }
}

pub fn info() -> super::ExerciseInfo {
    super::ExerciseInfo {
        slug: SLUG,
        title: TITLE,
        summary: "Get a token for a service with the client credentials grant, and call an API with it.",
        minutes: 10,
        steps: Step::infos(),
    }
}

/// What grading keeps between steps. No secrets: the access token's SHA-256 digest
/// (base64url, no padding), never the token.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// How many steps have passed, in order (0..=2).
    pub steps_passed: usize,
    /// What step 1's token response was: the access token's digest, its scope and the
    /// `sub` it stands for (the client id), when known.
    pub token: Option<TokenRecord>,
}

impl Progress {
    /// This progress with `step` and everything after it undone, as when the learner
    /// switches to another authorization server.
    pub fn rewound_to(self, step: Step) -> Progress {
        let keep = self.steps_passed.min(step.index());
        Progress { steps_passed: keep, token: self.token.filter(|_| keep > Step::TokenResponse.index()) }
    }
}

/// The grant that issued an access token, as the practice server records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    ClientCredentials,
    AuthorizationCode,
    RefreshToken,
}

impl From<refresh::IssuedGrant> for GrantType {
    fn from(grant: refresh::IssuedGrant) -> GrantType {
        match grant {
            refresh::IssuedGrant::AuthorizationCode => GrantType::AuthorizationCode,
            refresh::IssuedGrant::RefreshToken => GrantType::RefreshToken,
            refresh::IssuedGrant::ClientCredentials => GrantType::ClientCredentials,
        }
    }
}

/// Which of the learner's three practice clients a token was issued to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    /// The service client: client credentials only, with a secret.
    Service,
    /// The confidential web client.
    Web,
    /// The public client (SPA), which has no secret.
    Public,
}

/// What the built-in practice server recorded about how the pasted access token came to
/// be: looked up by the token's digest. No token or secret in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub grant: GrantType,
    /// The client the token was issued to.
    pub client_id: String,
    pub client_kind: ClientKind,
    /// The `resource` (RFC 8707) or `audience` the token request named, when it named one.
    pub resource: Option<String>,
    /// The token's audience (`aud`), when it has one.
    pub audience: Option<String>,
    /// The scope granted (the `scope` of the token response).
    pub scope: Option<String>,
    /// A refresh token was issued with the access token.
    pub refresh_token_issued: bool,
}

impl Grant {
    /// The grant as the practice server's issuance record tells it, with the kind of
    /// client `issued.client_id` is (the web layer reads it from the practice app store).
    pub fn from_issued(issued: &refresh::Issued, client_kind: ClientKind) -> Grant {
        Grant {
            grant: issued.grant.into(),
            client_id: issued.client_id.clone(),
            client_kind,
            resource: issued.resource.clone(),
            audience: issued.audience.clone(),
            scope: issued.granted_scope.clone(),
            refresh_token_issued: issued.refresh_token_sha256.is_some(),
        }
    }
}

/// How a request carried its access token to the practice API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenVia {
    /// `Authorization: Bearer` (RFC 6750 §2.1).
    Header,
    /// The `access_token` query parameter (RFC 6750 §2.3).
    Query,
}

/// What the practice API recorded about a receipt it handed out: looked up by the
/// receipt the pasted response holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// SHA-256 digest (as [`refresh::token_sha256`]) of the access token of the call.
    pub token_sha256: String,
    pub via: TokenVia,
    /// The receipt already passed step 2 once (receipts are one-time).
    pub used: bool,
}

/// What a check may need to know besides the input.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    pub provider: &'a Provider,
    pub progress: &'a Progress,
    /// Unix seconds, passed in (checks never read a clock).
    pub now: i64,
    /// The identifier of the API the token must be for (`<site>/practice-api` on the
    /// built-in server); `None` when it is not known.
    pub resource: Option<&'a str>,
    /// The service client's id, when known (the learner's practice service client).
    pub service_client_id: Option<&'a str>,
    /// Step 1, on the built-in server: how it issued the pasted access token (`None` when
    /// it never issued it). `None` for other servers, whose records OAuth Lab cannot read.
    pub grant: Option<&'a Grant>,
    /// Step 1: the access token's signature checked against the provider's JWKS, when it
    /// is a JWT and the keys are known.
    pub signature: Option<&'a SignatureCheck>,
    /// Step 2, on the built-in server: the practice API's record of the pasted receipt
    /// (`None` when it never handed it out).
    pub receipt: Option<&'a Receipt>,
}

/// The result of checking one step.
pub type Outcome = super::Outcome<Progress>;

/// The access token of a pasted token response, to look up [`Facts::grant`] by its
/// digest.
pub fn pasted_access_token(input: &str) -> Option<String> {
    refresh::pasted_access_token(input)
}

/// The receipt of a pasted practice API response, to look up [`Facts::receipt`]: none
/// in a text over [`MAX_API_RESPONSE_BYTES`], which the check refuses.
pub fn pasted_receipt(input: &str) -> Option<String> {
    api_call::pasted_receipt(crate::pasted::trim(input))
}

/// Check `input` for `step`. Outer ASCII whitespace of the input is trimmed, by the one
/// rule of [`crate::pasted::trim`].
///
/// A step may be checked again after it passed; passing it again clears what the later
/// steps recorded and makes the next step current.
pub fn check(step: Step, input: &str, facts: &Facts<'_>) -> Result<Outcome, StepLocked> {
    let progress = facts.progress;
    step.unlocked(progress.steps_passed)?;
    let input = crate::pasted::trim(input);
    Ok(match step {
        Step::TokenResponse => {
            if let Some(finding) = refresh::response::too_large(input)
                .or_else(|| refresh::invisible_in_response(input))
                .or_else(|| refresh::quoted_response(input))
            {
                return Ok(finish(step, vec![finding], progress, None, |_| {}));
            }
            let checked = token::check(input, facts);
            finish(step, checked.findings, progress, checked.jwt, |p| p.token = checked.record)
        }
        Step::ApiResponse => {
            let findings = api_call::check(input, facts);
            finish(step, findings, progress, None, |_| {})
        }
    })
}

/// Build the outcome: on a pass, the new progress has `step` as the last passed step,
/// the later steps' records cleared, and `update` applied.
fn finish(
    step: Step,
    findings: Vec<Finding>,
    progress: &Progress,
    jwt: Option<DecodedJwt>,
    update: impl FnOnce(&mut Progress),
) -> Outcome {
    let mut verdict = Verdict::new(findings);
    let before = progress.steps_passed;
    let progress = verdict.passed().then(|| {
        let mut p = progress.clone();
        p.steps_passed = step.number();
        update(&mut p);
        p
    });
    if progress.is_some() {
        if let Some(note) = refresh::redo_note(step.number(), before, Step::ALL.len(), false) {
            verdict.findings.push(note);
            verdict.sort();
        }
    }
    Outcome { verdict, progress, jwt }
}

/// Fixtures shared by the tests of this file and its submodules.
#[cfg(test)]
pub(crate) mod test_support {
    pub use crate::exercises::test_support::{blocking, finding};
    pub use super::super::refresh::test_support::{builtin, jwt, okta, said, NOW};
    use super::*;

    pub const SERVICE: &str = "lab-service-1";
    pub const API: &str = "http://127.0.0.1:3000/practice-api";
    pub const TOKEN: &str = "opaque-service-token-1234";
    pub const RECEIPT: &str = "rcpt-9f8e7d6c5b4a";

    /// A token response as the exercise asks for it.
    pub fn response() -> String {
        format!(
            r#"{{"access_token":"{TOKEN}","token_type":"Bearer","expires_in":3600,"scope":"reports:read"}}"#
        )
    }

    /// The practice API's answer to a call with [`TOKEN`].
    pub fn api_response() -> String {
        format!(r#"{{"sub":"{SERVICE}","scope":"reports:read","receipt":"{RECEIPT}","reports":[]}}"#)
    }

    /// What the practice server records for a token issued as the exercise asks.
    pub fn grant() -> Grant {
        Grant {
            grant: GrantType::ClientCredentials,
            client_id: SERVICE.into(),
            client_kind: ClientKind::Service,
            resource: Some(API.into()),
            audience: Some(API.into()),
            scope: Some(READ_SCOPE.into()),
            refresh_token_issued: false,
        }
    }

    /// What the practice API records for a call made as the exercise asks.
    pub fn receipt() -> Receipt {
        Receipt { token_sha256: refresh::token_sha256(TOKEN), via: TokenVia::Header, used: false }
    }

    /// Progress with `steps_passed` steps passed and their records filled in.
    pub fn progress(steps_passed: usize) -> Progress {
        Progress {
            steps_passed,
            token: (steps_passed >= 1).then(|| TokenRecord {
                access_token_sha256: refresh::token_sha256(TOKEN),
                scope: Some(READ_SCOPE.into()),
                sub: Some(SERVICE.into()),
                ..TokenRecord::default()
            }),
        }
    }

    /// What the web layer passes on the built-in server for these records.
    pub fn facts<'a>(
        provider: &'a Provider,
        progress: &'a Progress,
        grant: Option<&'a Grant>,
        receipt: Option<&'a Receipt>,
    ) -> Facts<'a> {
        let builtin = provider.builtin;
        Facts {
            provider,
            progress,
            now: NOW,
            resource: builtin.then_some(API),
            service_client_id: builtin.then_some(SERVICE),
            grant,
            signature: None,
            receipt,
        }
    }

    pub fn run_facts(step: Step, input: &str, facts: &Facts<'_>) -> Outcome {
        let out = check(step, input, facts).expect("the step is not locked");
        // Every finding of every test: one sentence, and its details without backticks.
        for f in &out.verdict.findings {
            assert_eq!(crate::verdict::not_one_sentence(f), None);
        }
        out
    }

    pub fn run(
        step: Step,
        input: &str,
        progress: &Progress,
        grant: Option<&Grant>,
        receipt: Option<&Receipt>,
    ) -> Outcome {
        let provider = builtin();
        run_facts(step, input, &facts(&provider, progress, grant, receipt))
    }

}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn steps_have_the_ids_and_titles_of_the_course() {
        let ids: Vec<_> = Step::ALL.iter().map(|s| s.slug()).collect();
        assert_eq!(ids, ["token-response", "api-response"]);
        let titles: Vec<_> = Step::ALL.iter().map(|s| s.title()).collect();
        assert_eq!(titles, ["Token response", "API call"]);
        for step in Step::ALL {
            assert_eq!(Step::from_slug(step.slug()), Some(step));
            assert_eq!(Step::ALL[step.index()], step);
        }
        assert_eq!(Step::from_slug("verifier"), None);
        let info = info();
        assert_eq!(
            (info.slug, info.title, info.steps.len()),
            ("client-credentials", "Machine-to-Machine", 2)
        );
        // The course's entry says the same.
        let entry = super::super::course().into_iter().find(|e| e.slug == SLUG).expect("in the course");
        assert_eq!((entry.title, entry.summary, entry.minutes), (TITLE, info.summary, info.minutes));
        assert_eq!(super::super::step_count(SLUG), Some(2));
    }

    #[test]
    fn statuses_follow_steps_passed() {
        use StepStatus::*;
        let cases = [(0, vec![Current, Locked]), (1, vec![Passed, Current]), (2, vec![Passed, Passed])];
        for (passed, want) in cases {
            assert_eq!(statuses(&progress(passed)), want, "{passed}");
            assert_eq!(completed(&progress(passed)), passed == 2);
        }
    }

    #[test]
    fn step_2_is_locked_until_step_1_passes() {
        let provider = builtin();
        let p = progress(0);
        let err =
            check(Step::ApiResponse, &api_response(), &facts(&provider, &p, None, None)).expect_err("locked");
        assert_eq!(err, StepLocked { needed: Step::TokenResponse });
        assert_eq!(err.to_string(), "Complete step 1 first.");
    }

    #[test]
    fn the_whole_exercise_passes_on_the_practice_server() {
        let (g, r) = (grant(), receipt());
        let out =
            run(Step::TokenResponse, &format!(" {}\n", response()), &Progress::default(), Some(&g), None);
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        let p = out.progress.expect("passed");
        assert_eq!(p.steps_passed, 1);
        let record = p.token.clone().expect("kept");
        assert_eq!(record.access_token_sha256, refresh::token_sha256(TOKEN));
        assert_eq!((record.sub.as_deref(), record.scope.as_deref()), (Some(SERVICE), Some(READ_SCOPE)));
        let out = run(Step::ApiResponse, &api_response(), &p, None, Some(&r));
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        let p = out.progress.expect("passed");
        assert!(completed(&p));
        // Nothing kept is a secret.
        let kept = serde_json::to_string(&p).expect("serializes");
        assert!(!kept.contains(TOKEN), "the token is kept");
    }

    #[test]
    fn passing_step_1_again_undoes_step_2_and_says_so() {
        let g = grant();
        let out = run(Step::TokenResponse, &response(), &progress(2), Some(&g), None);
        let p = out.progress.clone().expect("passed");
        assert_eq!(p.steps_passed, 1);
        assert_eq!(
            finding(&out, "progress.redo").message,
            "You checked step 1 again, so step 2 needs doing again."
        );
        // A failed check changes nothing.
        let out = run(Step::TokenResponse, "{}", &progress(2), Some(&g), None);
        assert_eq!(out.progress, None);
        assert_eq!(out.verdict.find("progress.redo"), None);
    }

    #[test]
    fn rewinding_undoes_a_step_and_what_follows() {
        for passed in 0..=2 {
            for step in Step::ALL {
                let keep = passed.min(step.index());
                assert_eq!(progress(passed).rewound_to(step), progress(keep), "{passed} {step:?}");
            }
        }
    }

    #[test]
    fn the_web_layer_can_read_the_token_and_the_receipt_to_look_them_up() {
        assert_eq!(pasted_access_token(&response()).as_deref(), Some(TOKEN));
        assert_eq!(pasted_receipt(&format!("\n{}  ", api_response())).as_deref(), Some(RECEIPT));
        assert_eq!(pasted_receipt(r#"{"receipt":""}"#), None);
        assert_eq!(pasted_receipt(r#"{"receipt":7}"#), None);
        assert_eq!(pasted_receipt("nope"), None);
        let huge = format!(r#"{{"receipt":"{RECEIPT}","pad":"{}"}}"#, "x".repeat(MAX_API_RESPONSE_BYTES));
        assert_eq!(pasted_receipt(&huge), None);
    }

    #[test]
    fn grant_types_of_the_refresh_records_map_over() {
        assert_eq!(GrantType::from(refresh::IssuedGrant::AuthorizationCode), GrantType::AuthorizationCode);
        assert_eq!(GrantType::from(refresh::IssuedGrant::RefreshToken), GrantType::RefreshToken);
        assert_eq!(GrantType::from(refresh::IssuedGrant::ClientCredentials), GrantType::ClientCredentials);
    }

    #[test]
    fn a_grant_reads_from_the_issuance_record() {
        let issued = refresh::Issued {
            client_id: SERVICE.into(),
            grant: refresh::IssuedGrant::ClientCredentials,
            code_challenge: String::new(),
            requested_scope: READ_SCOPE.into(),
            refresh_tokens_enabled: false,
            revoked: false,
            refresh_token_sha256: None,
            refresh_ancestors: vec![],
            client_auth: Some("client_secret_basic".into()),
            code_sha256: None,
            redirect_uri: None,
            nonce_sha256: None,
            granted_scope: Some(READ_SCOPE.into()),
            pkce_method: None,
            issued_at: Some(NOW),
            code_redeemed_twice: false,
            resource: Some(API.into()),
            audience: Some(API.into()),
        };
        assert_eq!(Grant::from_issued(&issued, ClientKind::Service), grant());
        let web = refresh::Issued {
            grant: refresh::IssuedGrant::AuthorizationCode,
            refresh_token_sha256: Some("rt".into()),
            resource: None,
            ..issued
        };
        let g = Grant::from_issued(&web, ClientKind::Web);
        assert_eq!(
            (g.grant, g.client_kind, g.resource, g.refresh_token_issued),
            (GrantType::AuthorizationCode, ClientKind::Web, None, true)
        );
    }

    #[test]
    fn no_input_makes_any_step_panic() {
        let (g, r) = (grant(), receipt());
        let mut inputs: Vec<String> = [
            "",
            " ",
            "\u{FEFF}",
            "{",
            "{}",
            "null",
            "\"x\"",
            "[1]",
            "{\"error\":null}",
            "{\"receipt\":{},\"sub\":[],\"scope\":7}",
            "{\"access_token\":\"eyJ.eyJ.x\",\"expires_in\":1e999,\"scope\":7,\"refresh_token\":9}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        inputs.push("[".repeat(10_000));
        inputs.push(format!("{{\"scope\":\"{}\"}}", "a ".repeat(10_000)));
        let provider = builtin();
        let p = progress(2);
        for input in &inputs {
            for (grant, receipt) in [(None, None), (Some(&g), Some(&r))] {
                let facts = facts(&provider, &p, grant, receipt);
                for step in Step::ALL {
                    assert!(check(step, input, &facts).is_ok(), "{step:?}");
                }
            }
        }
    }
}
