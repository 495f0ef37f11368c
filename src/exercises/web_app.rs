//! The Web Applications exercise: the authorization code flow with PKCE for a
//! confidential client, from the verifier to the token response, with the callback in
//! between.
//!
//! INTERFACE (the web layer is written against it), as in [`super::refresh`]: the types
//! and `statuses`, `completed`, `check`. Steps 1 to 3 and the token response's shape
//! use Refresh Tokens' checks (`refresh.rs`, `refresh/authorization_url.rs`,
//! `refresh/response.rs`); the rules of this exercise live in `web_app/state.rs`
//! (step 3's state), `web_app/callback.rs` (step 4) and `web_app/token.rs` (step 5),
//! each with table-driven tests next to it.
//!
//! Finding ids, by step:
//! 1. `verifier.format`, `verifier.randomness` (warning), `verifier.secret` (info)
//! 2. `challenge.match`
//! 3. Refresh Tokens' `url.*` checks, with this exercise's rules for state and scope:
//!    `url.state` (present, and at most 512 characters), `url.state_guessable`,
//!    `url.state_reused`; `url.scope` (when a scope is given) or, when it asks for
//!    offline_access, `url.offline_access` as an info (not needed here)
//! 4. `callback.parse`, `callback.redirect_uri`, `callback.error`, `callback.state`,
//!    `callback.code`, `callback.iss` (may warn, or be an info)
//! 5. `token.json`, `token.object`, `token.error`, `token.token_type`,
//!    `token.access_token`, `token.expires_in`, `token.refresh_token` (info, or failed
//!    when not a string), `token.scope`, `token.jwt` (info), `token.signature`,
//!    `token.iss`, `token.expired` (warning); from the practice server's record
//!    `exchange.issued`, `exchange.grant`, `exchange.client`, `exchange.client_auth`,
//!    `exchange.verifier`, `exchange.code`, `exchange.reused`, `exchange.revoked`;
//!    `exchange.unverified` (info, another server), `exchange.completed` (info)
//!
//! Any step that passes again while later steps had passed adds `progress.redo` (info).
//!
//! Every message is one sentence that names the fix; the explanation, the RFC section
//! and the usual causes go in the finding's details.

mod callback;
#[cfg(test)]
mod properties;
pub(crate) mod state;
pub(crate) mod token;

use serde::{Deserialize, Serialize};

use super::refresh::authorization_url::{self, Rules};
use super::refresh::{self, DecodedJwt, IssuedGrant, Provider, SignatureCheck, TokenRecord};
use crate::verdict::{Finding, Verdict};
use crate::work::{self, Counted as _};

pub use super::StepStatus;
pub use state::{MAX_STATE_CHARS, MAX_USED_STATES, MIN_STATE_CHARS};

pub const SLUG: &str = "web-app";
pub const TITLE: &str = "Web Applications";

steps! {
    /// The five steps, in the order they must pass.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = WebAppStep))]
    pub enum Step {
        Verifier => ("verifier", "Code verifier"),
        Challenge => ("challenge", "Code challenge"),
        AuthorizationUrl => ("authorization-url", "Authorization request"),
        Callback => ("callback", "Callback"),
        TokenResponse => ("token-response", "Token response"),
    }
}

pub fn info() -> super::ExerciseInfo {
    super::ExerciseInfo {
        slug: SLUG,
        title: TITLE,
        summary: "Log a user in with the authorization code flow and PKCE, as a server-side web app does.",
        minutes: 20,
        steps: Step::infos(),
    }
}

/// What grading keeps between steps. No secrets: the code challenge (never the
/// verifier), the states (which stop being secret once used), and SHA-256 digests of
/// the code and tokens (base64url, no padding).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// How many steps have passed, in order (0..=5).
    pub steps_passed: usize,
    /// S256 challenge of the verifier that passed step 1.
    pub challenge: Option<String>,
    /// The authorization URL that passed step 3 (it holds no secret).
    pub authorization_url: Option<String>,
    /// The `state` of that URL, which the callback of step 4 must bring back.
    pub state: Option<String>,
    /// States used before, newest first, at most [`MAX_USED_STATES`]: the states of
    /// earlier passing step 3 attempts (replaced by another, or undone), and the state of
    /// every callback that passed step 4. Step 3 refuses them. Kept when steps are
    /// undone; only a reset clears it.
    #[serde(default)]
    pub used_states: Vec<String>,
    /// SHA-256 digest of the code of step 4's callback (never the code).
    pub code_sha256: Option<String>,
    /// What step 5's token response was.
    pub token: Option<TokenRecord>,
}

impl Progress {
    /// This progress with `step` and everything after it undone, as when the learner
    /// switches to another authorization server: what came before is kept, and so are
    /// the used states.
    pub fn rewound_to(self, step: Step) -> Progress {
        let keep = self.steps_passed.min(step.index());
        let mut used_states = self.used_states;
        let state = match self.state {
            Some(s) if keep <= Step::AuthorizationUrl.index() => {
                state::remember(&mut used_states, s);
                None
            }
            other => other,
        };
        Progress {
            steps_passed: keep,
            challenge: self.challenge.filter(|_| keep > Step::Verifier.index()),
            authorization_url: self.authorization_url.filter(|_| keep > Step::AuthorizationUrl.index()),
            state,
            used_states,
            code_sha256: self.code_sha256.filter(|_| keep > Step::Callback.index()),
            token: self.token.filter(|_| keep > Step::TokenResponse.index()),
        }
    }
}

/// How a client authenticated at the token endpoint (RFC 6749 §2.3.1; the names are
/// OAuth's `token_endpoint_auth_method` values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// The secret in the `Authorization: Basic` header.
    ClientSecretBasic,
    /// `client_secret` in the request body.
    ClientSecretPost,
    /// No secret: as a public client.
    None,
}

/// What the built-in practice server recorded about how the pasted access token came to
/// be: looked up by the token's digest. Digests only, never a code or token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// The client the token was issued to.
    pub client_id: String,
    /// How that client authenticated at the token endpoint.
    pub client_auth: ClientAuth,
    /// The grant that issued the token.
    pub grant: IssuedGrant,
    /// The code challenge of the authorization request the code came from, checked
    /// against the verifier of the token request; `None` when that request had none.
    pub code_challenge: Option<String>,
    /// SHA-256 digest (as [`refresh::token_sha256`]) of the code exchanged; `None` when
    /// the server has no record of it.
    pub code_sha256: Option<String>,
    /// The code was sent to the token endpoint more than once.
    pub code_redeemed_twice: bool,
    /// The token was revoked: with its whole family when its code was redeemed twice, or
    /// at the revocation endpoint.
    pub revoked: bool,
}

impl Exchange {
    /// The exchange as the practice server's record of an access token tells it; `None`
    /// for a token recorded before the server noted how its client authenticated (the
    /// check then says what it could not verify). A code redeemed twice is told from a
    /// revocation for another reason: the server records it on the token's family.
    pub fn from_issued(issued: &refresh::Issued) -> Option<Exchange> {
        let client_auth = match issued.client_auth.as_deref()? {
            "client_secret_basic" => ClientAuth::ClientSecretBasic,
            "client_secret_post" => ClientAuth::ClientSecretPost,
            "none" => ClientAuth::None,
            _ => return None,
        };
        Some(Exchange {
            client_id: issued.client_id.clone(),
            client_auth,
            grant: issued.grant,
            code_challenge: Some(issued.code_challenge.clone()).filter(|c| !c.is_empty()),
            code_sha256: issued.code_sha256.clone(),
            code_redeemed_twice: issued.code_redeemed_twice,
            revoked: issued.revoked,
        })
    }
}

/// What a check may need to know besides the input.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    pub provider: &'a Provider,
    pub progress: &'a Progress,
    /// Unix seconds, passed in (checks never read a clock).
    pub now: i64,
    /// On the built-in server: how it issued the pasted access token (`None` when it
    /// never issued it). `None` for other servers, whose records OAuth Lab cannot read.
    pub exchange: Option<&'a Exchange>,
    /// The access token's signature checked against the provider's JWKS, when it is a
    /// JWT and the keys are known.
    pub signature: Option<&'a SignatureCheck>,
}

/// The result of checking one step.
pub type Outcome = super::Outcome<Progress>;

/// Check `input` for `step`. Outer ASCII whitespace of the input is trimmed, by the one
/// rule of [`crate::pasted::trim`].
///
/// A step may be checked again after it passed; passing it again clears what the later
/// steps recorded (they depended on it) and makes the next step current.
pub fn check(step: Step, input: &str, facts: &Facts<'_>) -> Result<Outcome, StepLocked> {
    let progress = facts.progress;
    step.unlocked(progress.steps_passed)?;
    let input = crate::pasted::trim(input);
    Ok(match step {
        Step::Verifier => {
            let (findings, challenge) = refresh::verifier_findings(input);
            finish(step, findings, progress, None, |p| p.challenge = challenge)
        }
        Step::Challenge => {
            let finding = refresh::challenge_finding(input, progress.challenge.as_deref());
            finish(step, vec![finding], progress, None, |_| {})
        }
        Step::AuthorizationUrl => {
            let used = &progress.used_states;
            let rules = Rules { state: &|value| state::findings(value, used), scope: &state::scope };
            let findings =
                authorization_url::check_with(input, facts.provider, progress.challenge.as_deref(), &rules);
            let sent = first_param(input, "state");
            finish(step, findings, progress, None, |p| {
                p.authorization_url = Some(input.to_owned());
                // A state replaced by another is used; the same one again stays usable
                // until a callback brings it back (then step 3 refuses it).
                if let Some(old) = p.state.take().filter(|old| Some(old) != sent.as_ref()) {
                    state::remember(&mut p.used_states, old);
                }
                p.state = sent;
            })
        }
        Step::Callback => {
            let checked = callback::check(input, facts);
            finish(step, checked.findings, progress, None, |p| {
                p.code_sha256 = checked.code_sha256;
                if let Some(s) = p.state.clone() {
                    state::remember(&mut p.used_states, s);
                }
            })
        }
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
    })
}

/// The first value of the query parameter `name` of a URL that passed step 3's checks
/// (so it parses, within its limits).
fn first_param(input: &str, name: &str) -> Option<String> {
    work::add(input.len());
    let url = url::Url::parse(input).ok()?;
    let found = url
        .query_pairs()
        .take(authorization_url::MAX_URL_PARAMS)
        .counted()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.into_owned());
    found
}

/// Build the outcome: on a pass, the new progress has `step` as the last passed step,
/// the later steps' records cleared (a state cleared is remembered as used), and
/// `update` applied.
fn finish(
    step: Step,
    findings: Vec<Finding>,
    progress: &Progress,
    jwt: Option<DecodedJwt>,
    update: impl FnOnce(&mut Progress),
) -> Outcome {
    let mut verdict = Verdict::new(findings);
    let before = progress;
    let progress = verdict.passed().then(|| {
        let mut p = progress.clone();
        p.steps_passed = step.number();
        if step.index() < Step::AuthorizationUrl.index() {
            p.authorization_url = None;
            if let Some(old) = p.state.take() {
                state::remember(&mut p.used_states, old);
            }
        }
        if step.index() < Step::Callback.index() {
            p.code_sha256 = None;
        }
        if step.index() < Step::TokenResponse.index() {
            p.token = None;
        }
        update(&mut p);
        p
    });
    if let Some(after) = &progress {
        let verifier_changed = step == Step::Verifier && after.challenge != before.challenge;
        if let Some(note) =
            refresh::redo_note(step.number(), before.steps_passed, Step::ALL.len(), verifier_changed)
        {
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
    pub use super::super::refresh::test_support::{builtin, jwt, okta, said, CHALLENGE, NOW, VERIFIER};
    use super::*;

    pub const STATE: &str = "Vq3xL9sKp2ZtR7mWc4Hd";
    pub const CODE: &str = "c0de-Xy7PqR2sT9uV4wZ";

    pub fn good_url() -> String {
        url_with_state(STATE)
    }

    pub fn url_with_state(state: &str) -> String {
        format!(
            "http://127.0.0.1:3000/authorize?response_type=code&client_id=lab-client-1\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fredirect&state={state}\
             &scope=openid&code_challenge={CHALLENGE}&code_challenge_method=S256"
        )
    }

    pub fn callback_url() -> String {
        format!("http://127.0.0.1:3000/redirect?code={CODE}&state={STATE}&iss=http%3A%2F%2F127.0.0.1%3A3000")
    }

    /// Progress with `steps_passed` steps passed and their records filled in.
    pub fn progress(steps_passed: usize) -> Progress {
        Progress {
            steps_passed,
            challenge: (steps_passed >= 1).then(|| CHALLENGE.to_owned()),
            authorization_url: (steps_passed >= 3).then(good_url),
            state: (steps_passed >= 3).then(|| STATE.to_owned()),
            used_states: if steps_passed >= 4 { vec![STATE.to_owned()] } else { vec![] },
            code_sha256: (steps_passed >= 4).then(|| refresh::token_sha256(CODE)),
            token: (steps_passed >= 5).then(|| TokenRecord {
                access_token_sha256: refresh::token_sha256("access-aaaaaaaaaaaaaaaa"),
                ..TokenRecord::default()
            }),
        }
    }

    /// What the practice server records for a code exchanged as the exercise asks.
    pub fn exchange() -> Exchange {
        Exchange {
            client_id: "lab-client-1".into(),
            client_auth: ClientAuth::ClientSecretBasic,
            grant: IssuedGrant::AuthorizationCode,
            code_challenge: Some(CHALLENGE.into()),
            code_sha256: Some(refresh::token_sha256(CODE)),
            code_redeemed_twice: false,
            revoked: false,
        }
    }

    pub fn run(step: Step, input: &str, provider: &Provider, progress: &Progress) -> Outcome {
        run_with(step, input, provider, progress, None)
    }

    pub fn run_with(
        step: Step,
        input: &str,
        provider: &Provider,
        progress: &Progress,
        exchange: Option<&Exchange>,
    ) -> Outcome {
        let facts = Facts { provider, progress, now: NOW, exchange, signature: None };
        let out = check(step, input, &facts).expect("the step is not locked");
        // Every finding of every test: one sentence, and its details without backticks.
        for f in &out.verdict.findings {
            assert_eq!(crate::verdict::not_one_sentence(f), None);
        }
        out
    }

}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn the_exchange_is_read_from_the_practice_servers_record() {
        let issued = super::super::refresh::Issued {
            client_id: "lab_a".into(),
            grant: IssuedGrant::AuthorizationCode,
            code_challenge: "challenge".into(),
            requested_scope: "openid".into(),
            refresh_tokens_enabled: false,
            revoked: false,
            refresh_token_sha256: None,
            refresh_ancestors: vec![],
            client_auth: Some("client_secret_post".into()),
            code_sha256: Some("code-digest".into()),
            redirect_uri: Some("http://127.0.0.1:3000/redirect".into()),
            nonce_sha256: None,
            granted_scope: Some("openid".into()),
            pkce_method: Some("S256".into()),
            issued_at: Some(NOW),
            code_redeemed_twice: false,
            resource: None,
            audience: None,
        };
        let exchange = Exchange::from_issued(&issued).expect("recorded");
        assert_eq!(exchange.client_auth, ClientAuth::ClientSecretPost);
        assert_eq!(exchange.code_challenge.as_deref(), Some("challenge"));
        assert_eq!(exchange.code_sha256.as_deref(), Some("code-digest"));
        assert!(!exchange.revoked && !exchange.code_redeemed_twice);
        let basic = super::super::refresh::Issued {
            client_auth: Some("client_secret_basic".into()),
            revoked: true,
            ..issued.clone()
        };
        let exchange = Exchange::from_issued(&basic).expect("recorded");
        assert_eq!(exchange.client_auth, ClientAuth::ClientSecretBasic);
        assert!(exchange.revoked && !exchange.code_redeemed_twice, "revoked, not for a code redeemed twice");
        let replayed =
            super::super::refresh::Issued { revoked: true, code_redeemed_twice: true, ..issued.clone() };
        let exchange = Exchange::from_issued(&replayed).expect("recorded");
        assert!(exchange.revoked && exchange.code_redeemed_twice, "the record tells a code redeemed twice");
        let no_pkce = super::super::refresh::Issued { code_challenge: String::new(), ..issued.clone() };
        assert_eq!(Exchange::from_issued(&no_pkce).expect("recorded").code_challenge, None);
        assert_eq!(
            Exchange::from_issued(&super::super::refresh::Issued { client_auth: None, ..issued.clone() }),
            None
        );
        assert_eq!(
            Exchange::from_issued(&super::super::refresh::Issued {
                client_auth: Some("private_key_jwt".into()),
                ..issued
            }),
            None
        );
    }
    use crate::verdict::Level;

    #[test]
    fn steps_have_the_ids_and_titles_of_the_course() {
        let ids: Vec<_> = Step::ALL.iter().map(|s| s.slug()).collect();
        assert_eq!(ids, ["verifier", "challenge", "authorization-url", "callback", "token-response"]);
        for step in Step::ALL {
            assert_eq!(Step::from_slug(step.slug()), Some(step));
            assert_eq!(Step::ALL[step.index()], step);
        }
        assert_eq!(Step::from_slug("refresh-response"), None);
        let info = info();
        assert_eq!((info.slug, info.title, info.steps.len()), ("web-app", "Web Applications", 5));
        // The course lists it second, as this module describes it.
        let second = &super::super::course()[1];
        assert_eq!(
            (second.slug, second.title, second.summary, second.minutes),
            (SLUG, TITLE, info.summary, info.minutes)
        );
    }

    #[test]
    fn statuses_follow_steps_passed() {
        use StepStatus::*;
        let cases = [
            (0, vec![Current, Locked, Locked, Locked, Locked]),
            (3, vec![Passed, Passed, Passed, Current, Locked]),
            (5, vec![Passed, Passed, Passed, Passed, Passed]),
        ];
        for (passed, want) in cases {
            assert_eq!(statuses(&progress(passed)), want, "{passed}");
            assert_eq!(completed(&progress(passed)), passed == 5);
        }
    }

    #[test]
    fn a_step_whose_predecessor_has_not_passed_is_locked() {
        let provider = builtin();
        let cases = [
            (0, Step::Challenge, Step::Verifier),
            (2, Step::Callback, Step::AuthorizationUrl),
            (3, Step::TokenResponse, Step::Callback),
        ];
        for (passed, step, needed) in cases {
            let p = progress(passed);
            let facts =
                Facts { provider: &provider, progress: &p, now: NOW, exchange: None, signature: None };
            let err = check(step, "x", &facts).expect_err("locked");
            assert_eq!(err, StepLocked { needed });
            assert_eq!(err.to_string(), format!("Complete step {} first.", needed.number()));
        }
    }

    #[test]
    fn the_whole_exercise_passes_on_the_practice_server() {
        let provider = builtin();
        let ex = exchange();
        let response = r#"{"access_token":"opaque-access-token-1234","token_type":"Bearer","expires_in":3600,"scope":"openid"}"#;
        let mut p = Progress::default();
        let inputs = [
            (Step::Verifier, VERIFIER.to_owned()),
            (Step::Challenge, CHALLENGE.to_owned()),
            (Step::AuthorizationUrl, format!("  {}\n", good_url())),
            (Step::Callback, callback_url()),
            (Step::TokenResponse, response.to_owned()),
        ];
        for (step, input) in inputs {
            let out = run_with(step, &input, &provider, &p, Some(&ex));
            assert!(out.verdict.passed(), "{step:?}: {:#?}", out.verdict.findings);
            p = out.progress.expect("passed");
            assert_eq!(p.steps_passed, step.number());
        }
        assert!(completed(&p));
        assert_eq!(p.challenge.as_deref(), Some(CHALLENGE));
        assert_eq!(p.authorization_url.as_deref(), Some(good_url().as_str()));
        assert_eq!(p.state.as_deref(), Some(STATE));
        assert_eq!(p.used_states, [STATE]);
        assert_eq!(p.code_sha256, Some(refresh::token_sha256(CODE)));
        let record = p.token.as_ref().expect("kept");
        assert_eq!(record.access_token_sha256, refresh::token_sha256("opaque-access-token-1234"));
        // Nothing kept is a secret.
        let kept = serde_json::to_string(&p).expect("serializes");
        for secret in [VERIFIER, CODE, "opaque-access-token-1234"] {
            assert!(!kept.contains(secret), "{secret} kept");
        }
    }

    #[test]
    fn passing_a_step_again_clears_the_later_steps_and_remembers_the_state() {
        let provider = builtin();
        // Step 3 again with a new state: the old one is used.
        let other = url_with_state("Nw8rT2yQ6vB1xK5mZ3pJ");
        let p = run(Step::AuthorizationUrl, &other, &provider, &progress(3)).progress.expect("passed");
        assert_eq!(p.state.as_deref(), Some("Nw8rT2yQ6vB1xK5mZ3pJ"));
        assert_eq!(p.used_states, [STATE]);
        let out = run(Step::AuthorizationUrl, &other, &provider, &progress(5));
        let p = out.progress.clone().expect("passed");
        assert_eq!((p.steps_passed, p.code_sha256.as_ref(), p.token.as_ref()), (3, None, None));
        assert_eq!(p.state.as_deref(), Some("Nw8rT2yQ6vB1xK5mZ3pJ"));
        assert_eq!(p.used_states, [STATE]);
        assert_eq!(
            finding(&out, "progress.redo").message,
            "You checked step 3 again, so steps 4 and 5 need doing again."
        );
        // Step 3 again with the same URL before logging in: still usable.
        let out = run(Step::AuthorizationUrl, &good_url(), &provider, &progress(3));
        let p = out.progress.clone().expect("passed");
        assert_eq!((p.state.as_deref(), p.used_states.len()), (Some(STATE), 0));
        // Step 1 again undoes step 3: its state can no longer be used.
        let out = run(Step::Verifier, VERIFIER, &provider, &progress(3));
        let p = out.progress.clone().expect("passed");
        assert_eq!((p.steps_passed, p.state.as_ref(), p.authorization_url.as_ref()), (1, None, None));
        assert_eq!(p.used_states, [STATE]);
        assert_eq!(
            finding(&out, "progress.redo").message,
            "You checked step 1 again, so steps 2 and 3 need doing again."
        );
        // A failed check changes nothing.
        let out = run(Step::Verifier, "short", &provider, &progress(5));
        assert_eq!(out.progress, None);
        assert_eq!(out.verdict.find("progress.redo"), None);
    }

    #[test]
    fn rewinding_undoes_a_step_and_what_follows_and_keeps_the_used_states() {
        for passed in 0..=5 {
            for step in Step::ALL {
                let keep = passed.min(step.index());
                let got = progress(passed).rewound_to(step);
                let mut want = progress(keep);
                if passed >= 3 && keep < 3 {
                    want.used_states = vec![STATE.to_owned()];
                } else {
                    want.used_states = progress(passed).used_states;
                }
                assert_eq!(got, want, "{passed} passed, rewound to {step:?}");
            }
        }
    }

    #[test]
    fn steps_1_and_2_are_refresh_tokens_steps() {
        let provider = builtin();
        let cases = [
            (Step::Verifier, VERIFIER, 0, true, "verifier.format"),
            (Step::Verifier, "short", 0, false, "verifier.format"),
            (Step::Challenge, CHALLENGE, 1, true, "challenge.match"),
            (Step::Challenge, VERIFIER, 1, false, "challenge.match"),
        ];
        for (step, input, passed, passes, id) in cases {
            let out = run(step, input, &provider, &progress(passed));
            assert_eq!(out.verdict.passed(), passes, "{input}");
            assert_eq!(finding(&out, id).ok, passes);
            let theirs = refresh::test_support::run(
                refresh::Step::ALL[step.index()],
                input,
                &provider,
                &refresh::test_support::progress(passed),
            );
            assert_eq!(out.verdict, theirs.verdict, "the same findings as Refresh Tokens");
        }
    }

    #[test]
    fn step_3_is_refresh_tokens_step_3_without_offline_access() {
        let provider = builtin();
        let out = run(Step::AuthorizationUrl, &good_url(), &provider, &progress(2));
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        assert_eq!(out.verdict.find("url.offline_access"), None);
        assert!(finding(&out, "url.scope").ok);
        // Asking for offline_access is fine, and said.
        let with = good_url().replace("scope=openid", "scope=openid+offline_access");
        let out = run(Step::AuthorizationUrl, &with, &provider, &progress(2));
        assert!(out.verdict.passed());
        let f = finding(&out, "url.offline_access");
        assert_eq!((f.ok, f.level), (true, Level::Info));
        // No scope at all is allowed (RFC 6749 §3.3 makes it optional).
        let without = good_url().replace("&scope=openid", "");
        let out = run(Step::AuthorizationUrl, &without, &provider, &progress(2));
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        // The shared checks still run, with their ids.
        let cases = [
            (good_url().replace("response_type=code", "response_type=token"), "url.response_type"),
            (good_url().replace("lab-client-1", "other-client"), "url.client_id"),
            (good_url().replace("&code_challenge_method=S256", ""), "url.code_challenge_method"),
            (good_url().replace(CHALLENGE, &crate::pkce::challenge_s256("x")), "url.code_challenge"),
            (good_url().replace("scope=openid", "scope=open%22id"), "url.scope"),
            (good_url().replace("127.0.0.1:3000/authorize", "evil.example/authorize"), "url.endpoint"),
            (format!("{}&state=again", good_url()), "url.duplicates"),
        ];
        for (input, id) in cases {
            let out = run(Step::AuthorizationUrl, &input, &provider, &progress(2));
            assert_eq!(blocking(&out), [id], "{input}");
            assert_eq!(out.progress, None);
        }
    }

    #[test]
    fn a_placeholder_state_is_named_once() {
        let input = url_with_state("RANDOM_STRING");
        let out = run(Step::AuthorizationUrl, &input, &builtin(), &progress(2));
        assert_eq!(blocking(&out), ["url.placeholders"]);
        assert_eq!(out.verdict.find("url.state_guessable"), None);
    }

    #[test]
    fn a_client_secret_in_the_url_is_masked_in_the_state_findings_too() {
        let secret = refresh::test_support::CLIENT_SECRET;
        let input = url_with_state(secret);
        let out = run(Step::AuthorizationUrl, &input, &builtin(), &progress(2));
        assert!(blocking(&out).contains(&"url.secrets"), "{:#?}", out.verdict.findings);
        for f in &out.verdict.findings {
            assert!(!said(f).contains(&secret[..12]), "{}: {}", f.id, said(f));
        }
    }

    #[test]
    fn no_input_makes_any_step_panic() {
        let provider = builtin();
        let p = progress(5);
        let ex = exchange();
        let mut inputs: Vec<String> = [
            "",
            " ",
            "\u{FEFF}",
            "{",
            "{}",
            "null",
            "https://",
            "http://[::1",
            "http://127.0.0.1:3000/redirect?code&state&iss",
            "http://127.0.0.1:3000/redirect?error=%FF&state=%00",
            "http://127.0.0.1:3000/redirect#code=x",
            "http://127.0.0.1:3000/authorize?state=é{&scope=%FF%FE&code_challenge=%00",
            "{\"error\":null}",
            "{\"access_token\":\"eyJ.eyJ.x\",\"expires_in\":1e999,\"scope\":7}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        inputs.push("[".repeat(10_000));
        inputs.push(format!("http://127.0.0.1:3000/redirect?{}", "a=b&".repeat(5_000)));
        inputs.push(url_with_state(&"ab".repeat(2_000)));
        for input in &inputs {
            for exchange in [None, Some(&ex)] {
                let facts = Facts { provider: &provider, progress: &p, now: NOW, exchange, signature: None };
                for step in Step::ALL {
                    assert!(check(step, input, &facts).is_ok(), "{step:?}");
                }
            }
        }
    }

    #[test]
    fn every_failure_message_is_one_sentence() {
        let provider = builtin();
        let ex = Exchange {
            client_id: "someone-else".into(),
            client_auth: ClientAuth::None,
            grant: IssuedGrant::RefreshToken,
            code_challenge: None,
            code_sha256: Some("other".into()),
            code_redeemed_twice: true,
            revoked: true,
        };
        let inputs = [
            (Step::AuthorizationUrl, url_with_state("state")),
            (Step::Callback, "http://evil.example/cb?error=access_denied&state=x&iss=y".to_owned()),
            (Step::Callback, "http://127.0.0.1:3000/redirect?state=other".to_owned()),
            (Step::TokenResponse, r#"{"access_token":"a-token-value","token_type":"Bearer"}"#.to_owned()),
        ];
        for (step, input) in inputs {
            let out = run_with(step, &input, &provider, &progress(4), Some(&ex));
            assert!(!out.verdict.passed(), "{step:?}");
            for f in out.verdict.findings.iter().filter(|f| !f.ok) {
                assert!(f.message.len() > 40 && f.message.ends_with('.'), "{}: {}", f.id, f.message);
                assert_eq!(crate::verdict::not_one_sentence(f), None, "{}: {}", f.id, f.message);
            }
        }
    }
}
