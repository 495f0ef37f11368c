//! The Single-Page Apps exercise: the authorization code flow with PKCE for the public
//! client, as a browser app does it, from the verifier to the token response.
//!
//! INTERFACE (the web layer is written against it), as in [`super::web_app`]: the types
//! and `statuses`, `completed`, `check`. Pure: no I/O, no clock. Steps 1 and 2 are
//! Refresh Tokens' checks; step 3 is Refresh Tokens' authorization URL check with Web
//! Applications' state rules (`web_app/state.rs`), for the public client: the
//! [`Facts::provider`] given holds the public client's `client_id` and redirect URIs
//! (`<site>/spa/callback` on the built-in server, see [`redirect_uri`]) and no secret.
//! Step 4's rules live in `spa/token.rs`, with their table-driven tests.
//!
//! Finding ids, by step:
//! 1. `verifier.format`, `verifier.randomness` (warning), `verifier.secret` (info)
//! 2. `challenge.match`
//! 3. Refresh Tokens' `url.*` checks, with Web Applications' rules for state and scope
//!    (`url.state`, `url.state_guessable`, `url.state_reused`, `url.scope` or
//!    `url.offline_access` as an info); `url.client_id` names the confidential web
//!    client's id when that is the one sent; `url.secrets` says, for a `client_secret`,
//!    that a browser app has none to send
//! 4. `token.json`, `token.object`, `token.error` (`invalid_client` told as a secret
//!    sent), `token.token_type`, `token.access_token`, `token.expires_in`,
//!    `token.refresh_token` (info on rotation and storage, or failed when not a string),
//!    `token.scope`, `token.jwt` (info), `token.signature`, `token.iss`, `token.expired`
//!    (warning); another server: `token.client_id` (a JWT's `client_id` claim, when the
//!    public client's id is known) and `exchange.unverified` (info); from the practice
//!    server's record `exchange.issued`, `exchange.grant`, `exchange.client`,
//!    `exchange.client_auth`, `exchange.verifier`, `exchange.reused`, `exchange.revoked`;
//!    `exchange.completed` (info)
//!
//! Any step that passes again while later steps had passed adds `progress.redo` (info).
//!
//! Every message is one sentence that names the fix; the explanation, the RFC section
//! and the usual causes go in the finding's details.

#[cfg(test)]
mod properties;
mod token;

use serde::{Deserialize, Serialize};

use super::refresh::authorization_url::{self, Rules};
use super::refresh::{self, DecodedJwt, Provider, SignatureCheck, TokenRecord};
use super::web_app::state;
use crate::verdict::Verdict;
use crate::verdict::{show, Finding};
use crate::work::{self, Counted as _};

pub use super::web_app::{ClientAuth, Exchange};
pub use super::StepStatus;

pub const SLUG: &str = "spa";
pub const TITLE: &str = "Single-Page Apps";
/// The path of the public client's redirect URI on the built-in server's site.
pub const CALLBACK_PATH: &str = "/spa/callback";

/// The public client's redirect URI on the built-in server whose site (origin, no
/// trailing slash needed) is `site`: `<site>/spa/callback`.
pub fn redirect_uri(site: &str) -> String {
    format!("{}{CALLBACK_PATH}", site.trim_end_matches('/'))
}

steps! {
    /// The four steps, in the order they must pass.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SpaStep))]
    pub enum Step {
        Verifier => ("verifier", "Code verifier"),
        Challenge => ("challenge", "Code challenge"),
        AuthorizationUrl => ("authorization-url", "Authorization request"),
        TokenResponse => ("token-response", "Token response"),
    }
}

pub fn info() -> super::ExerciseInfo {
    super::ExerciseInfo {
        slug: SLUG,
        title: TITLE,
        summary: "Do the same from the browser as a public client, with no secret to keep.",
        minutes: 20,
        steps: Step::infos(),
    }
}

/// What grading keeps between steps. No secrets: the code challenge (never the
/// verifier), the states (which stop being secret once used), and SHA-256 digests of
/// the tokens.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// How many steps have passed, in order (0..=4).
    pub steps_passed: usize,
    /// S256 challenge of the verifier that passed step 1.
    pub challenge: Option<String>,
    /// The authorization URL that passed step 3 (it holds no secret).
    pub authorization_url: Option<String>,
    /// The `state` of that URL.
    pub state: Option<String>,
    /// States used before, newest first, at most [`state::MAX_USED_STATES`]: those of
    /// earlier passing step 3 attempts (replaced or undone) and of the login whose token
    /// passed step 4. Step 3 refuses them; only a reset clears them.
    #[serde(default)]
    pub used_states: Vec<String>,
    /// What step 4's token response was.
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
            token: self.token.filter(|_| keep > Step::TokenResponse.index()),
        }
    }
}

/// What a check may need to know besides the input.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    /// The authorization server, as the public client sees it: `client_id` and
    /// `redirect_uris` are the public client's (on the built-in server its redirect URI
    /// is [`redirect_uri`] of the site), and `client_secret` is `None` (it has none).
    pub provider: &'a Provider,
    /// The client_id of the learner's confidential web client on the built-in server, so
    /// that using it instead of the public client is named; `None` elsewhere.
    pub web_client_id: Option<&'a str>,
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
            let findings = authorization_url_findings(input, facts);
            let sent = first_param(input, "state").filter(|s| !s.is_empty());
            finish(step, findings, progress, None, |p| {
                p.authorization_url = Some(input.to_owned());
                if let Some(old) = p.state.take().filter(|old| Some(old) != sent.as_ref()) {
                    state::remember(&mut p.used_states, old);
                }
                p.state = sent;
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
            finish(step, checked.findings, progress, checked.jwt, |p| {
                p.token = checked.record;
                // The login that issued the token brought its state back: it is used.
                if let Some(s) = p.state.clone() {
                    state::remember(&mut p.used_states, s);
                }
            })
        }
    })
}

/// Why a browser app sends no client secret.
const NO_SECRET_WHY: &str = "A single-page app is a public client: it has no client secret to send, \
     because anything shipped to a browser can be read by whoever uses it (RFC 6749 §2.1, \
     RFC 9700 §2.1.1); PKCE is what binds the code to your app.";

/// Why the web client's id is not the one to send.
const TWO_CLIENTS: &str = "Your practice dashboard lists two clients for a login: the confidential \
     web client, whose secret stays on a server, and the public client, which has no secret and \
     redirects to /spa/callback. A browser app uses the public client (RFC 6749 §2.1).";

/// Step 3: Refresh Tokens' checks with Web Applications' state rules, for the public
/// client, with what is particular to a browser app said.
fn authorization_url_findings(input: &str, facts: &Facts<'_>) -> Vec<Finding> {
    let progress = facts.progress;
    let used = &progress.used_states;
    let rules = Rules { state: &|value| state::findings(value, used), scope: &state::scope };
    let mut findings =
        authorization_url::check_with(input, facts.provider, progress.challenge.as_deref(), &rules);
    let public = facts.provider.client_id.as_deref();
    if let (Some(web), Some(public)) = (facts.web_client_id, public) {
        let sent = first_param(input, "client_id");
        if web != public && sent.as_deref() == Some(web) {
            if let Some(f) = findings.iter_mut().find(|f| f.id == "url.client_id" && !f.ok) {
                *f = Finding::fail(
                    "url.client_id",
                    format!(
                        "client_id \"{}\" is your confidential web client's: use \"{}\", your public \
                         client's client_id shown on this page.",
                        show(web, 100),
                        show(public, 100)
                    ),
                )
                .with_details(TWO_CLIENTS);
            }
        }
    }
    if first_param(input, "client_secret").is_some() {
        if let Some(f) = findings.iter_mut().find(|f| f.id == "url.secrets" && !f.ok) {
            let before = f.details.take().unwrap_or_default();
            f.details = Some(format!("{NO_SECRET_WHY} {before}").trim_end().to_owned());
        }
    }
    findings
}

/// The first value of the query parameter `name` of `input` when it parses as a URL
/// (empty values included), reading at most [`authorization_url::MAX_URL_PARAMS`].
fn first_param(input: &str, name: &str) -> Option<String> {
    if input.len() > authorization_url::MAX_URL_CHARS * 4 {
        return None;
    }
    work::add(input.len());
    let url = url::Url::parse(input).ok()?;
    let found = url
        .query_pairs()
        .take(authorization_url::MAX_URL_PARAMS)
        .counted()
        .find(|(k, _)| k == name)
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
    pub use super::super::refresh::test_support::{jwt, okta, said, CHALLENGE, NOW, VERIFIER};
    use super::*;

    pub const STATE: &str = "Vq3xL9sKp2ZtR7mWc4Hd";
    /// The learner's public client on the practice server.
    pub const PUBLIC_CLIENT: &str = "lab-spa-1";
    /// The learner's confidential web client on the practice server.
    pub const WEB_CLIENT: &str = "lab-client-1";

    /// The built-in server as the public client sees it: its id and redirect URI, no secret.
    pub fn builtin() -> Provider {
        Provider {
            client_id: Some(PUBLIC_CLIENT.into()),
            redirect_uris: vec![redirect_uri("http://127.0.0.1:3000/")],
            client_secret: None,
            ..super::super::refresh::test_support::builtin()
        }
    }

    pub fn good_url() -> String {
        url_with_state(STATE)
    }

    pub fn url_with_state(state: &str) -> String {
        format!(
            "http://127.0.0.1:3000/authorize?response_type=code&client_id={PUBLIC_CLIENT}\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fspa%2Fcallback&state={state}\
             &scope=openid&code_challenge={CHALLENGE}&code_challenge_method=S256"
        )
    }

    /// Progress with `steps_passed` steps passed and their records filled in.
    pub fn progress(steps_passed: usize) -> Progress {
        Progress {
            steps_passed,
            challenge: (steps_passed >= 1).then(|| CHALLENGE.to_owned()),
            authorization_url: (steps_passed >= 3).then(good_url),
            state: (steps_passed >= 3).then(|| STATE.to_owned()),
            used_states: if steps_passed >= 4 { vec![STATE.to_owned()] } else { vec![] },
            token: (steps_passed >= 4).then(|| TokenRecord {
                access_token_sha256: refresh::token_sha256("access-aaaaaaaaaaaaaaaa"),
                ..TokenRecord::default()
            }),
        }
    }

    /// What the practice server records for a code exchanged as the exercise asks.
    pub fn exchange() -> Exchange {
        Exchange {
            client_id: PUBLIC_CLIENT.into(),
            client_auth: ClientAuth::None,
            grant: refresh::IssuedGrant::AuthorizationCode,
            code_challenge: Some(CHALLENGE.into()),
            code_sha256: Some(refresh::token_sha256("a-code")),
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
        let web_client_id = provider.builtin.then_some(WEB_CLIENT);
        let facts = Facts { provider, web_client_id, progress, now: NOW, exchange, signature: None };
        let out = check(step, input, &facts).expect("the step is not locked");
        // Every finding of every test: one sentence, and its details without backticks.
        for f in &out.verdict.findings {
            assert_eq!(crate::verdict::not_one_sentence(f), None, "{}: {}", f.id, f.message);
        }
        out
    }

}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use crate::verdict::Level;

    #[test]
    fn steps_have_the_ids_and_titles_of_the_course() {
        let ids: Vec<_> = Step::ALL.iter().map(|s| s.slug()).collect();
        assert_eq!(ids, ["verifier", "challenge", "authorization-url", "token-response"]);
        for step in Step::ALL {
            assert_eq!(Step::from_slug(step.slug()), Some(step));
            assert_eq!(Step::ALL[step.index()], step);
        }
        assert_eq!(Step::from_slug("callback"), None);
        let info = info();
        assert_eq!((info.slug, info.title, info.steps.len()), ("spa", "Single-Page Apps", 4));
        let third = &super::super::course()[2];
        assert_eq!(
            (third.slug, third.title, third.summary, third.minutes),
            (SLUG, TITLE, info.summary, info.minutes)
        );
        assert_eq!(super::super::step_count(SLUG), Some(4));
        assert!(super::super::catalog().iter().any(|e| e.slug == SLUG), "offered");
    }

    #[test]
    fn the_redirect_uri_is_the_sites_spa_callback() {
        for site in ["http://127.0.0.1:3000", "http://127.0.0.1:3000/", "https://lab.example"] {
            let want = format!("{}/spa/callback", site.trim_end_matches('/'));
            assert_eq!(redirect_uri(site), want);
        }
    }

    #[test]
    fn statuses_follow_steps_passed() {
        use StepStatus::*;
        let cases = [
            (0, vec![Current, Locked, Locked, Locked]),
            (3, vec![Passed, Passed, Passed, Current]),
            (4, vec![Passed, Passed, Passed, Passed]),
        ];
        for (passed, want) in cases {
            assert_eq!(statuses(&progress(passed)), want, "{passed}");
            assert_eq!(completed(&progress(passed)), passed == 4);
        }
    }

    #[test]
    fn a_step_whose_predecessor_has_not_passed_is_locked() {
        let provider = builtin();
        let cases = [
            (0, Step::Challenge, Step::Verifier),
            (1, Step::AuthorizationUrl, Step::Challenge),
            (2, Step::TokenResponse, Step::AuthorizationUrl),
        ];
        for (passed, step, needed) in cases {
            let p = progress(passed);
            let facts = Facts {
                provider: &provider,
                web_client_id: None,
                progress: &p,
                now: NOW,
                exchange: None,
                signature: None,
            };
            let err = check(step, "x", &facts).expect_err("locked");
            assert_eq!(err, StepLocked { needed });
            assert_eq!(err.to_string(), format!("Complete step {} first.", needed.number()));
        }
    }

    #[test]
    fn the_whole_exercise_passes_on_the_practice_server() {
        let provider = builtin();
        let ex = exchange();
        let response = r#"{"access_token":"opaque-access-token-1234","token_type":"Bearer","expires_in":3600,"refresh_token":"refresh-token-5678"}"#;
        let mut p = Progress::default();
        let inputs = [
            (Step::Verifier, VERIFIER.to_owned()),
            (Step::Challenge, CHALLENGE.to_owned()),
            (Step::AuthorizationUrl, format!("  {}\n", good_url())),
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
        assert_eq!(p.used_states, [STATE], "the login used the state");
        let record = p.token.as_ref().expect("kept");
        assert_eq!(record.access_token_sha256, refresh::token_sha256("opaque-access-token-1234"));
        assert_eq!(record.refresh_token_sha256, Some(refresh::token_sha256("refresh-token-5678")));
        let kept = serde_json::to_string(&p).expect("serializes");
        for secret in [VERIFIER, "opaque-access-token-1234", "refresh-token-5678"] {
            assert!(!kept.contains(secret), "{secret} kept");
        }
        // The same URL again: its state was used by the login.
        let out = run(Step::AuthorizationUrl, &good_url(), &provider, &p);
        assert_eq!(blocking(&out), ["url.state_reused"]);
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
                &refresh::test_support::builtin(),
                &refresh::test_support::progress(passed),
            );
            assert_eq!(out.verdict, theirs.verdict, "the same findings as Refresh Tokens");
        }
    }

    #[test]
    fn step_3_is_for_the_public_client_and_its_redirect_uri() {
        let provider = builtin();
        let out = run(Step::AuthorizationUrl, &good_url(), &provider, &progress(2));
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        assert!(finding(&out, "url.client_id").ok && finding(&out, "url.redirect_uri").ok);
        assert!(finding(&out, "url.secrets").ok);
        let web_redirect = "redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fredirect";
        let cases: Vec<(String, &str, &str)> = vec![
            (
                good_url().replace("client_id=lab-spa-1", "client_id=lab-client-1"),
                "url.client_id",
                "client_id \"lab-client-1\" is your confidential web client's: use \"lab-spa-1\", your \
                 public client's client_id shown on this page.",
            ),
            (good_url().replace("client_id=lab-spa-1", "client_id=other"), "url.client_id", "\"lab-spa-1\""),
            (
                good_url()
                    .replace("redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fspa%2Fcallback", web_redirect),
                "url.redirect_uri",
                "http://127.0.0.1:3000/spa/callback",
            ),
            (good_url().replace(&format!("&state={STATE}"), ""), "url.state", "state is missing"),
            (url_with_state("my-random-state-value"), "url.state_guessable", "common words"),
            (good_url().replace("&code_challenge_method=S256", ""), "url.code_challenge_method", ""),
            (good_url().replace(&format!("&code_challenge={CHALLENGE}"), ""), "url.code_challenge", ""),
            (good_url().replace("response_type=code", "response_type=token"), "url.response_type", ""),
        ];
        for (input, id, says) in cases {
            let out = run(Step::AuthorizationUrl, &input, &provider, &progress(2));
            assert_eq!(blocking(&out), [id], "{input}: {:#?}", out.verdict.findings);
            assert!(finding(&out, id).message.contains(says), "{}", finding(&out, id).message);
            assert_eq!(out.progress, None);
        }
        let input = good_url().replace("client_id=lab-spa-1", "client_id=lab-client-1");
        let out = run(Step::AuthorizationUrl, &input, &provider, &progress(2));
        let details = finding(&out, "url.client_id").details.clone().unwrap_or_default();
        assert!(details.contains("the public client, which has no secret"), "{details}");
        // Without a web client to compare with, the shared message stays.
        let p = progress(2);
        let facts = Facts {
            provider: &provider,
            web_client_id: None,
            progress: &p,
            now: NOW,
            exchange: None,
            signature: None,
        };
        let input = good_url().replace("client_id=lab-spa-1", "client_id=lab-client-1");
        let out = check(Step::AuthorizationUrl, &input, &facts).expect("open");
        assert!(!finding(&out, "url.client_id").message.contains("confidential web client"));
    }

    #[test]
    fn a_client_secret_in_the_url_is_named_as_one_a_browser_app_does_not_have() {
        let provider = builtin();
        for secret in ["s3cr3t-value-of-the-web-client", ""] {
            let input = format!("{}&client_secret={secret}", good_url());
            let out = run(Step::AuthorizationUrl, &input, &provider, &progress(2));
            assert_eq!(blocking(&out), ["url.secrets"], "{secret:?}");
            let f = finding(&out, "url.secrets");
            assert!(f.message.contains("remove client_secret"), "{}", f.message);
            let details = f.details.as_deref().unwrap_or_default();
            assert!(
                details.starts_with("A single-page app is a public client: it has no client secret"),
                "{details}"
            );
        }
        // Another secret is not told as a client secret.
        let input = format!("{}&code_verifier={VERIFIER}", good_url());
        let out = run(Step::AuthorizationUrl, &input, &provider, &progress(2));
        let details = finding(&out, "url.secrets").details.clone().unwrap_or_default();
        assert!(!details.contains("public client"), "{details}");
    }

    #[test]
    fn asking_for_offline_access_is_fine_and_said() {
        let with = good_url().replace("scope=openid", "scope=openid+offline_access");
        let out = run(Step::AuthorizationUrl, &with, &builtin(), &progress(2));
        assert!(out.verdict.passed());
        let f = finding(&out, "url.offline_access");
        assert_eq!((f.ok, f.level), (true, Level::Info));
    }

    #[test]
    fn passing_a_step_again_clears_the_later_steps_and_remembers_the_state() {
        let provider = builtin();
        let other = url_with_state("Nw8rT2yQ6vB1xK5mZ3pJ");
        let out = run(Step::AuthorizationUrl, &other, &provider, &progress(3));
        let p = out.progress.expect("passed");
        assert_eq!(
            (p.state.as_deref(), p.used_states.as_slice()),
            (Some("Nw8rT2yQ6vB1xK5mZ3pJ"), &[STATE.to_owned()][..])
        );
        let p3 = Progress { used_states: vec![], ..progress(4) };
        let out = run(Step::AuthorizationUrl, &other, &provider, &p3);
        let p = out.progress.clone().expect("passed");
        assert_eq!((p.steps_passed, p.token.as_ref()), (3, None));
        assert_eq!(
            finding(&out, "progress.redo").message,
            "You checked step 3 again, so step 4 needs doing again."
        );
        let out = run(Step::Verifier, VERIFIER, &provider, &progress(3));
        let p = out.progress.expect("passed");
        assert_eq!((p.steps_passed, p.state.as_ref(), p.authorization_url.as_ref()), (1, None, None));
        assert_eq!(p.used_states, [STATE]);
        let out = run(Step::Verifier, "short", &provider, &progress(4));
        assert_eq!(out.progress, None);
    }

    #[test]
    fn rewinding_undoes_a_step_and_what_follows_and_keeps_the_used_states() {
        for passed in 0..=4 {
            for step in Step::ALL {
                let keep = passed.min(step.index());
                let got = progress(passed).rewound_to(step);
                let mut want = progress(keep);
                want.used_states = if passed >= 3 && keep < 3 {
                    vec![STATE.to_owned()]
                } else {
                    progress(passed).used_states
                };
                assert_eq!(got, want, "{passed} passed, rewound to {step:?}");
            }
        }
    }

    #[test]
    fn no_input_makes_any_step_panic() {
        let provider = builtin();
        let p = progress(4);
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
            "http://127.0.0.1:3000/authorize?state=é{&scope=%FF%FE&code_challenge=%00&client_secret",
            "{\"error\":null}",
            "{\"error\":\"invalid_client\",\"error_description\":7}",
            "{\"access_token\":\"eyJ.eyJ.x\",\"expires_in\":1e999,\"scope\":7}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        inputs.push("[".repeat(10_000));
        inputs.push(format!("{}&{}", good_url(), "client_secret=x&".repeat(5_000)));
        inputs.push(url_with_state(&"ab".repeat(2_000)));
        for input in &inputs {
            for exchange in [None, Some(&ex)] {
                for web_client_id in [None, Some(WEB_CLIENT)] {
                    let facts = Facts {
                        provider: &provider,
                        web_client_id,
                        progress: &p,
                        now: NOW,
                        exchange,
                        signature: None,
                    };
                    for step in Step::ALL {
                        assert!(check(step, input, &facts).is_ok(), "{step:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn every_failure_message_is_one_sentence() {
        let provider = builtin();
        let ex = Exchange {
            client_id: WEB_CLIENT.into(),
            client_auth: ClientAuth::ClientSecretBasic,
            grant: refresh::IssuedGrant::RefreshToken,
            code_challenge: None,
            code_sha256: None,
            code_redeemed_twice: true,
            revoked: true,
        };
        let inputs = [
            (
                Step::AuthorizationUrl,
                format!("{}&client_secret=x", url_with_state("state")).replace("lab-spa-1", WEB_CLIENT),
            ),
            (Step::TokenResponse, r#"{"access_token":"a-token-value","token_type":"Bearer"}"#.to_owned()),
            (Step::TokenResponse, r#"{"error":"invalid_client"}"#.to_owned()),
        ];
        for (step, input) in inputs {
            let out = run_with(step, &input, &provider, &progress(3), Some(&ex));
            assert!(!out.verdict.passed(), "{step:?}");
            for f in out.verdict.findings.iter().filter(|f| !f.ok) {
                assert!(f.message.len() > 40 && f.message.ends_with('.'), "{}: {}", f.id, f.message);
                assert_eq!(crate::verdict::not_one_sentence(f), None, "{}: {}", f.id, f.message);
            }
        }
    }
}
