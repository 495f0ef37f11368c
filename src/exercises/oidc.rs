//! The OpenID Connect exercise: sign a user in with the authorization code flow and PKCE
//! for the confidential web client, get an ID token, check it as a relying party must,
//! read its claims and call UserInfo.
//!
//! INTERFACE (the web layer is written against it), as in [`super::web_app`]: the types
//! and `statuses`, `completed`, `check`. Pure: no I/O, no clock. Steps 1 and 2 are
//! Refresh Tokens' checks; step 3 is Refresh Tokens' authorization URL check with Web
//! Applications' state rules and this exercise's scope and nonce rules
//! (`oidc/authorization_url.rs`); step 4 reads the token response as Web Applications
//! does (`web_app::token::read`) and verifies the ID token (`oidc/id_token.rs`); steps 5
//! and 6 compare pasted claims with what step 4 kept (`oidc/claims.rs`). The web layer
//! gives [`Facts::id_token_signature`] (the ID token checked against the provider's
//! JWKS), and on the built-in server [`Facts::exchange`] and [`Facts::nonce_sha256`]
//! from the practice server's record of the pasted access token
//! (`web_app::Exchange::from_issued` and `refresh::Issued::nonce_sha256`);
//! [`pasted_id_token`] gives the ID token to check, as `refresh::pasted_access_token`
//! gives the access token to look up.
//!
//! Finding ids, by step:
//! 1. `verifier.format`, `verifier.randomness` (warning), `verifier.secret` (info)
//! 2. `challenge.match`
//! 3. Refresh Tokens' `url.*` checks with Web Applications' state rules (`url.state`,
//!    `url.state_guessable`, `url.state_reused`); `url.scope` (openid, profile and email,
//!    each missing one named); `url.nonce` (present, at most 512 characters),
//!    `url.nonce_guessable`, `url.nonce_reused`; `url.max_age` (when sent)
//! 4. Web Applications' `token.*` findings of the response and its access token; the ID
//!    token's: `id_token.present`, `id_token.jwt`, `id_token.alg`, `id_token.signature`,
//!    `id_token.iss`, `id_token.aud`, `id_token.azp`, `id_token.exp`, `id_token.iat`,
//!    `id_token.sub`, `id_token.nonce`, `id_token.at_hash`, `id_token.auth_time`; from
//!    the practice server's record `exchange.issued`, `exchange.grant`,
//!    `exchange.client`, `exchange.client_auth`, `exchange.verifier`, `exchange.reused`,
//!    `exchange.revoked`, `exchange.nonce`; `exchange.unverified` (info, another server)
//! 5. `claims.json`, `claims.object`, `claims.token` (the access token's payload, or the
//!    token response), `claims.sub`, `claims.email`, `claims.name`, `claims.which_token`
//!    (info)
//! 6. `userinfo.json`, `userinfo.object`, `userinfo.error`, `userinfo.sub`,
//!    `userinfo.email`, `userinfo.name` (warnings or infos), `userinfo.completed` (info)
//!
//! Any step that passes again while later steps had passed adds `progress.redo` (info).
//!
//! Every message is one sentence that names the fix; the explanation, the RFC or OpenID
//! Connect section and the usual causes go in the finding's details.

mod authorization_url;
mod claims;
mod id_token;
#[cfg(test)]
mod properties;

use serde::{Deserialize, Serialize};

use super::refresh::{self, DecodedJwt, Provider, SignatureCheck, TokenRecord};
use super::web_app::state;
use crate::verdict::{Finding, Verdict};

pub use super::web_app::{ClientAuth, Exchange};
pub use super::StepStatus;
pub use claims::MAX_CLAIMS_BYTES;

pub const SLUG: &str = "oidc";
pub const TITLE: &str = "OpenID Connect";
/// The most characters of a claim (`sub`, `name`, `email`) step 4 keeps; `sub` is at
/// most 255 ASCII characters (OIDC Core §2), a longer name or email is not kept.
pub const MAX_CLAIM_CHARS: usize = 512;

steps! {
    /// The six steps, in the order they must pass.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = OidcStep))]
    pub enum Step {
        Verifier => ("verifier", "Code verifier"),
        Challenge => ("challenge", "Code challenge"),
        AuthorizationUrl => ("authorization-url", "Authorization request"),
        TokenResponse => ("token-response", "Token response"),
        IdTokenClaims => ("id-token-claims", "ID token claims"),
        UserinfoResponse => ("userinfo-response", "UserInfo response"),
    }
}

pub fn info() -> super::ExerciseInfo {
    super::ExerciseInfo {
        slug: SLUG,
        title: TITLE,
        summary: "Sign a user in: get an ID token and check it as a relying party must.",
        minutes: 20,
        steps: Step::infos(),
    }
}

/// The ID token's claims about the user that steps 5 and 6 compare with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdClaims {
    /// The subject: the user's stable identifier at the issuer.
    pub sub: String,
    /// `name`, when the ID token had one of at most [`MAX_CLAIM_CHARS`] characters.
    pub name: Option<String>,
    /// `email`, when the ID token had one of at most [`MAX_CLAIM_CHARS`] characters.
    pub email: Option<String>,
}

/// What grading keeps between steps. No secrets: the code challenge (never the
/// verifier), the states and nonce (one-time values that stop being secret once used),
/// SHA-256 digests of the tokens, and the ID token's claims about the user (never the
/// tokens themselves).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// How many steps have passed, in order (0..=6).
    pub steps_passed: usize,
    /// S256 challenge of the verifier that passed step 1.
    pub challenge: Option<String>,
    /// The authorization URL that passed step 3 (it holds no secret).
    pub authorization_url: Option<String>,
    /// The `state` of that URL.
    pub state: Option<String>,
    /// States used before, newest first, at most [`state::MAX_USED_STATES`], as Web
    /// Applications keeps them. Only a reset clears them.
    #[serde(default)]
    pub used_states: Vec<String>,
    /// The `nonce` of step 3's URL, which the ID token of step 4 must carry.
    pub nonce: Option<String>,
    /// Nonces used before, newest first, at most [`state::MAX_USED_STATES`]: those of
    /// earlier passing step 3 attempts and of the login whose ID token passed step 4.
    /// Step 3 refuses them; only a reset clears them.
    #[serde(default)]
    pub used_nonces: Vec<String>,
    /// The `max_age` of step 3's URL, when it sent one: the ID token must then carry
    /// `auth_time`.
    pub max_age: Option<u64>,
    /// What step 4's token response was (digests of its tokens).
    pub token: Option<TokenRecord>,
    /// The ID token's claims about the user, from step 4.
    pub claims: Option<IdClaims>,
}

impl Progress {
    /// This progress with `step` and everything after it undone, as when the learner
    /// switches to another authorization server: what came before is kept, and so are
    /// the used states and nonces.
    pub fn rewound_to(self, step: Step) -> Progress {
        let keep = self.steps_passed.min(step.index());
        let mut p = Progress { steps_passed: keep, ..self };
        if keep <= Step::Verifier.index() {
            p.challenge = None;
        }
        if keep <= Step::AuthorizationUrl.index() {
            forget_login(&mut p);
        }
        if keep <= Step::TokenResponse.index() {
            p.token = None;
            p.claims = None;
        }
        p
    }
}

/// Step 3's record undone: the URL gone, its state and nonce remembered as used.
fn forget_login(p: &mut Progress) {
    p.authorization_url = None;
    p.max_age = None;
    if let Some(old) = p.state.take() {
        state::remember(&mut p.used_states, old);
    }
    if let Some(old) = p.nonce.take() {
        state::remember(&mut p.used_nonces, old);
    }
}

/// What a check may need to know besides the input.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    /// The authorization server, as the confidential web client sees it: `client_id`,
    /// `redirect_uris`, `issuer` (an ID token's `iss` must equal it exactly).
    pub provider: &'a Provider,
    pub progress: &'a Progress,
    /// Unix seconds, passed in (checks never read a clock).
    pub now: i64,
    /// On the built-in server: how it issued the pasted access token (`None` when it
    /// never issued it). `None` for other servers, whose records OAuth Lab cannot read.
    pub exchange: Option<&'a Exchange>,
    /// On the built-in server: the digest ([`refresh::token_sha256`]) of the nonce of the
    /// authorization request behind the pasted access token, as recorded
    /// (`refresh::Issued::nonce_sha256`); `None` when none was recorded, and elsewhere.
    pub nonce_sha256: Option<&'a str>,
    /// The access token's signature checked against the provider's JWKS, when it is a
    /// JWT and the keys are known.
    pub signature: Option<&'a SignatureCheck>,
    /// The ID token's signature checked against the provider's JWKS; `None` when it was
    /// not checked (no ID token, or no keys to check it with).
    pub id_token_signature: Option<&'a SignatureCheck>,
}

/// The ID token of a pasted token response, for the web layer to check its signature
/// against the provider's JWKS ([`Facts::id_token_signature`]): none in a text over
/// [`refresh::MAX_RESPONSE_BYTES`], which the check refuses. (The access token to look
/// up is [`refresh::pasted_access_token`].)
pub fn pasted_id_token(input: &str) -> Option<String> {
    refresh::pasted_token(input, "id_token")
}

/// The result of checking one step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub verdict: Verdict,
    /// The new progress when the check passed (later steps are cleared: they depended
    /// on this one); `None` when it failed, so nothing is lost.
    pub progress: Option<Progress>,
    /// The access token's decoded JWT header and claims, for step 4 (when it is a JWT).
    pub jwt: Option<DecodedJwt>,
    /// The ID token's decoded header and claims, for step 4.
    pub id_token: Option<DecodedJwt>,
}

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
            finish(step, findings, progress, Decoded::default(), |p| p.challenge = challenge)
        }
        Step::Challenge => {
            let finding = refresh::challenge_finding(input, progress.challenge.as_deref());
            finish(step, vec![finding], progress, Decoded::default(), |_| {})
        }
        Step::AuthorizationUrl => {
            let checked = authorization_url::check(input, facts);
            finish(step, checked.findings, progress, Decoded::default(), |p| {
                p.authorization_url = Some(input.to_owned());
                // A state or nonce replaced by another is used; the same one again stays
                // usable until a login brings it back.
                if let Some(old) = p.state.take().filter(|old| Some(old) != checked.state.as_ref()) {
                    state::remember(&mut p.used_states, old);
                }
                if let Some(old) = p.nonce.take().filter(|old| Some(old) != checked.nonce.as_ref()) {
                    state::remember(&mut p.used_nonces, old);
                }
                p.state = checked.state;
                p.nonce = checked.nonce;
                p.max_age = checked.max_age;
            })
        }
        Step::TokenResponse => {
            if let Some(finding) = refresh::response::too_large(input)
                .or_else(|| refresh::invisible_in_response(input))
                .or_else(|| refresh::quoted_response(input))
            {
                return Ok(finish(step, vec![finding], progress, Decoded::default(), |_| {}));
            }
            let checked = id_token::check(input, facts);
            let decoded = Decoded { jwt: checked.jwt, id_token: checked.id_token };
            finish(step, checked.findings, progress, decoded, |p| {
                p.token = checked.record;
                p.claims = checked.claims;
                // The login that issued the tokens brought its state and nonce back: both
                // are used.
                if let Some(s) = p.state.clone() {
                    state::remember(&mut p.used_states, s);
                }
                if let Some(n) = p.nonce.clone() {
                    state::remember(&mut p.used_nonces, n);
                }
            })
        }
        Step::IdTokenClaims => {
            let findings = claims::check_id_token_claims(input, facts);
            finish(step, findings, progress, Decoded::default(), |_| {})
        }
        Step::UserinfoResponse => {
            let findings = claims::check_userinfo(input, facts);
            finish(step, findings, progress, Decoded::default(), |_| {})
        }
    })
}

/// The decoded tokens an outcome shows.
#[derive(Default)]
struct Decoded {
    jwt: Option<DecodedJwt>,
    id_token: Option<DecodedJwt>,
}

/// Build the outcome: on a pass, the new progress has `step` as the last passed step,
/// the later steps' records cleared (a state or nonce cleared is remembered as used),
/// and `update` applied.
fn finish(
    step: Step,
    findings: Vec<Finding>,
    progress: &Progress,
    decoded: Decoded,
    update: impl FnOnce(&mut Progress),
) -> Outcome {
    let mut verdict = Verdict::new(findings);
    let before = progress;
    let progress = verdict.passed().then(|| {
        let mut p = progress.clone();
        p.steps_passed = step.number();
        if step.index() < Step::AuthorizationUrl.index() {
            forget_login(&mut p);
        }
        if step.index() < Step::TokenResponse.index() {
            p.token = None;
            p.claims = None;
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
    Outcome { verdict, progress, jwt: decoded.jwt, id_token: decoded.id_token }
}

/// Fixtures shared by the tests of this file and its submodules.
#[cfg(test)]
pub(crate) mod test_support {
    pub use crate::exercises::test_support::{blocking, finding};
    pub use super::super::refresh::test_support::{builtin, jwt, okta, said, CHALLENGE, NOW, VERIFIER};
    use super::*;
    use crate::oauth::left_half_hash;

    pub const STATE: &str = "Vq3xL9sKp2ZtR7mWc4Hd";
    pub const NONCE: &str = "n0nce-Qw8Zr4Tb6Yp1Lk3M";
    pub const CLIENT: &str = "lab-client-1";
    pub const ISSUER: &str = "http://127.0.0.1:3000";
    pub const ACCESS_TOKEN: &str = "opaque-access-token-1234";
    pub const SUB: &str = "u-7f3a9c2e";
    pub const NAME: &str = "Ada Practice";
    pub const EMAIL: &str = "ada.b7@practice.oauthlab.test";

    pub fn good_url() -> String {
        url_with(STATE, NONCE)
    }

    pub fn url_with(state: &str, nonce: &str) -> String {
        format!(
            "http://127.0.0.1:3000/authorize?response_type=code&client_id={CLIENT}\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fredirect&state={state}\
             &scope=openid+profile+email&nonce={nonce}&code_challenge={CHALLENGE}\
             &code_challenge_method=S256"
        )
    }

    /// The ID token's claims as the practice server issues them for [`ACCESS_TOKEN`].
    pub fn id_claims() -> serde_json::Value {
        serde_json::json!({
            "iss": ISSUER,
            "sub": SUB,
            "aud": CLIENT,
            "exp": NOW + 600,
            "iat": NOW - 10,
            "nonce": NONCE,
            "at_hash": left_half_hash("RS256", ACCESS_TOKEN),
            "name": NAME,
            "email": EMAIL,
        })
    }

    /// An RS256 ID token with `claims`.
    pub fn id_token(claims: &serde_json::Value) -> String {
        jwt(r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#, &claims.to_string())
    }

    /// A token response holding [`ACCESS_TOKEN`] and an ID token with `claims`.
    pub fn response_with(claims: &serde_json::Value) -> String {
        serde_json::json!({
            "access_token": ACCESS_TOKEN,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": "openid profile email",
            "id_token": id_token(claims),
        })
        .to_string()
    }

    pub fn good_response() -> String {
        response_with(&id_claims())
    }

    pub fn stored_claims() -> IdClaims {
        IdClaims { sub: SUB.into(), name: Some(NAME.into()), email: Some(EMAIL.into()) }
    }

    /// Progress with `steps_passed` steps passed and their records filled in.
    pub fn progress(steps_passed: usize) -> Progress {
        Progress {
            steps_passed,
            challenge: (steps_passed >= 1).then(|| CHALLENGE.to_owned()),
            authorization_url: (steps_passed >= 3).then(good_url),
            state: (steps_passed >= 3).then(|| STATE.to_owned()),
            used_states: if steps_passed >= 4 { vec![STATE.to_owned()] } else { vec![] },
            nonce: (steps_passed >= 3).then(|| NONCE.to_owned()),
            used_nonces: if steps_passed >= 4 { vec![NONCE.to_owned()] } else { vec![] },
            max_age: None,
            token: (steps_passed >= 4).then(|| TokenRecord {
                access_token_sha256: refresh::token_sha256(ACCESS_TOKEN),
                ..TokenRecord::default()
            }),
            claims: (steps_passed >= 4).then(stored_claims),
        }
    }

    /// What the practice server records for a code exchanged as the exercise asks.
    pub fn exchange() -> Exchange {
        Exchange {
            client_id: CLIENT.into(),
            client_auth: ClientAuth::ClientSecretBasic,
            grant: refresh::IssuedGrant::AuthorizationCode,
            code_challenge: Some(CHALLENGE.into()),
            code_sha256: Some(refresh::token_sha256("a-code")),
            code_redeemed_twice: false,
            revoked: false,
        }
    }

    pub fn verified() -> SignatureCheck {
        SignatureCheck::Verified { kid: "k1".into() }
    }

    /// The facts of the built-in server with everything recorded as the exercise asks.
    pub fn facts<'a>(
        provider: &'a Provider,
        progress: &'a Progress,
        exchange: Option<&'a Exchange>,
        signature: Option<&'a SignatureCheck>,
    ) -> Facts<'a> {
        let nonce = exchange.map(|_| NONCE_SHA256.as_str());
        Facts {
            provider,
            progress,
            now: NOW,
            exchange,
            nonce_sha256: nonce,
            signature: None,
            id_token_signature: signature,
        }
    }

    /// The digest of [`NONCE`], as the practice server records it.
    pub static NONCE_SHA256: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| refresh::token_sha256(NONCE));

    pub fn run(step: Step, input: &str, provider: &Provider, progress: &Progress) -> Outcome {
        let (ex, sig) = (exchange(), verified());
        let exchange = provider.builtin.then_some(&ex);
        run_facts(step, input, &facts(provider, progress, exchange, Some(&sig)))
    }

    pub fn run_facts(step: Step, input: &str, facts: &Facts<'_>) -> Outcome {
        let out = check(step, input, facts).expect("the step is not locked");
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
        assert_eq!(
            ids,
            [
                "verifier",
                "challenge",
                "authorization-url",
                "token-response",
                "id-token-claims",
                "userinfo-response"
            ]
        );
        for step in Step::ALL {
            assert_eq!(Step::from_slug(step.slug()), Some(step));
            assert_eq!(Step::ALL[step.index()], step);
        }
        assert_eq!(Step::from_slug("callback"), None);
        let info = info();
        assert_eq!((info.slug, info.title, info.steps.len()), ("oidc", "OpenID Connect", 6));
        let sixth = &super::super::course()[5];
        assert_eq!(
            (sixth.slug, sixth.title, sixth.summary, sixth.minutes),
            (SLUG, TITLE, info.summary, info.minutes)
        );
        assert_eq!(super::super::step_count(SLUG), Some(6));
        assert_eq!(super::super::catalog().last().map(|e| e.slug), Some(SLUG), "offered, last");
    }

    #[test]
    fn the_id_token_to_verify_is_read_from_the_pasted_response() {
        let token = id_token(&id_claims());
        assert_eq!(pasted_id_token(&format!("  {}\n", good_response())), Some(token));
        let too_long = format!("{{\"id_token\":\"{}\"}}", "a".repeat(refresh::MAX_RESPONSE_BYTES));
        for input in ["", "{}", "{\"id_token\":\"\"}", "{\"id_token\":7}", "[", too_long.as_str()] {
            assert_eq!(pasted_id_token(input), None, "{input}");
        }
        assert_eq!(refresh::pasted_access_token(&good_response()).as_deref(), Some(ACCESS_TOKEN));
    }

    #[test]
    fn statuses_follow_steps_passed() {
        use StepStatus::*;
        let cases = [
            (0, vec![Current, Locked, Locked, Locked, Locked, Locked]),
            (4, vec![Passed, Passed, Passed, Passed, Current, Locked]),
            (6, vec![Passed; 6]),
        ];
        for (passed, want) in cases {
            assert_eq!(statuses(&progress(passed)), want, "{passed}");
            assert_eq!(completed(&progress(passed)), passed == 6);
        }
    }

    #[test]
    fn a_step_whose_predecessor_has_not_passed_is_locked() {
        let provider = builtin();
        let cases = [
            (0, Step::Challenge, Step::Verifier),
            (2, Step::TokenResponse, Step::AuthorizationUrl),
            (3, Step::IdTokenClaims, Step::TokenResponse),
            (4, Step::UserinfoResponse, Step::IdTokenClaims),
        ];
        for (passed, step, needed) in cases {
            let p = progress(passed);
            let err = check(step, "x", &facts(&provider, &p, None, None)).expect_err("locked");
            assert_eq!(err, StepLocked { needed });
            assert_eq!(err.to_string(), format!("Complete step {} first.", needed.number()));
        }
    }

    fn userinfo() -> String {
        serde_json::json!({"sub": SUB, "name": NAME, "email": EMAIL, "email_verified": true}).to_string()
    }

    #[test]
    fn the_whole_exercise_passes_on_the_practice_server_and_keeps_no_secret() {
        let provider = builtin();
        let mut p = Progress::default();
        let claims = id_claims().to_string();
        let inputs = [
            (Step::Verifier, VERIFIER.to_owned()),
            (Step::Challenge, CHALLENGE.to_owned()),
            (Step::AuthorizationUrl, format!("  {}\n", good_url())),
            (Step::TokenResponse, good_response()),
            (Step::IdTokenClaims, claims),
            (Step::UserinfoResponse, userinfo()),
        ];
        for (step, input) in inputs {
            let out = run(step, &input, &provider, &p);
            assert!(out.verdict.passed(), "{step:?}: {:#?}", out.verdict.findings);
            if step == Step::TokenResponse {
                let id_token = out.id_token.as_ref().expect("decoded");
                assert_eq!(id_token.claims["nonce"], NONCE);
                assert_eq!(id_token.header["alg"], "RS256");
                assert_eq!(out.jwt, None, "the access token is opaque");
                assert!(out.verdict.find("exchange.completed").is_none(), "two steps to go");
            }
            p = out.progress.expect("passed");
            assert_eq!(p.steps_passed, step.number());
        }
        assert!(completed(&p));
        assert_eq!(p.claims, Some(stored_claims()));
        assert_eq!(
            (p.used_states.as_slice(), p.used_nonces.as_slice()),
            (&[STATE.to_owned()][..], &[NONCE.to_owned()][..])
        );
        let record = p.token.as_ref().expect("kept");
        assert_eq!(record.access_token_sha256, refresh::token_sha256(ACCESS_TOKEN));
        let kept = serde_json::to_string(&p).expect("serializes");
        let id_token = id_token(&id_claims());
        for secret in [VERIFIER, ACCESS_TOKEN, id_token.as_str()] {
            assert!(!kept.contains(secret), "{secret} kept");
        }
        // The same URL again: its state and nonce were used by the login.
        let out = run(Step::AuthorizationUrl, &good_url(), &provider, &p);
        assert_eq!(blocking(&out), ["url.state_reused", "url.nonce_reused"]);
    }

    #[test]
    fn on_another_server_every_step_works_and_what_was_not_verified_is_said() {
        let provider = Provider { client_id: Some(CLIENT.into()), ..okta() };
        let mut claims = id_claims();
        claims["iss"] = "https://dev-1.okta.com/oauth2/default".into();
        let p = progress(3);
        let f = Facts { exchange: None, nonce_sha256: None, ..facts(&provider, &p, None, None) };
        let out = run_facts(Step::TokenResponse, &response_with(&claims), &f);
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        assert_eq!(finding(&out, "exchange.unverified").level, Level::Info);
        let sig = finding(&out, "id_token.signature");
        assert_eq!((sig.ok, sig.level), (true, Level::Info));
        assert!(sig.message.contains("not verified"), "{}", sig.message);
        let p = out.progress.expect("passed");
        let f = facts(&provider, &p, None, None);
        let out = run_facts(Step::IdTokenClaims, &claims.to_string(), &f);
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
    }

    #[test]
    fn passing_a_step_again_clears_the_later_steps_and_remembers_state_and_nonce() {
        let provider = builtin();
        let out = run(Step::Verifier, VERIFIER, &provider, &progress(6));
        let p = out.progress.clone().expect("passed");
        assert_eq!(
            (p.steps_passed, p.state.as_ref(), p.nonce.as_ref(), p.claims.as_ref()),
            (1, None, None, None)
        );
        assert_eq!(
            (p.used_states.as_slice(), p.used_nonces.as_slice()),
            (&[STATE.to_owned()][..], &[NONCE.to_owned()][..])
        );
        assert_eq!(
            finding(&out, "progress.redo").message,
            "You checked step 1 again, so steps 2 to 6 need doing again."
        );
        let out = run(Step::TokenResponse, &good_response(), &provider, &progress(5));
        let p = out.progress.expect("passed");
        assert_eq!((p.steps_passed, p.claims), (4, Some(stored_claims())));
        let out = run(Step::Verifier, "short", &provider, &progress(6));
        assert_eq!(out.progress, None);
    }

    #[test]
    fn rewinding_undoes_a_step_and_what_follows_and_keeps_the_used_values() {
        for passed in 0..=6 {
            for step in Step::ALL {
                let keep = passed.min(step.index());
                let got = progress(passed).rewound_to(step);
                let mut want = progress(keep);
                // Used once the login brought them back (step 4), or once step 3 is undone.
                if passed >= 4 || (passed == 3 && keep < 3) {
                    want.used_states = vec![STATE.to_owned()];
                    want.used_nonces = vec![NONCE.to_owned()];
                }
                assert_eq!(got, want, "{passed} passed, rewound to {step:?}");
            }
        }
    }

    #[test]
    fn no_input_makes_any_step_panic() {
        let provider = builtin();
        let p = progress(6);
        let ex = exchange();
        let sig = verified();
        let mut inputs: Vec<String> = [
            "",
            " ",
            "\u{FEFF}",
            "{",
            "{}",
            "null",
            "[]",
            "https://",
            "http://[::1",
            "http://127.0.0.1:3000/authorize?nonce=é{&scope=%FF%FE&max_age=99999999999999999999&state",
            "{\"error\":null}",
            "{\"access_token\":\"a-token-value\",\"id_token\":7}",
            "{\"access_token\":\"a-token-value\",\"id_token\":\"eyJ.eyJ.x\"}",
            "{\"sub\":7,\"email\":[],\"name\":{}}",
            "{\"header\":{},\"claims\":[]}",
            "eyJhbGciOiJub25lIn0.e30.",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        inputs.push("[".repeat(10_000));
        inputs.push(format!("{}&{}", good_url(), "nonce=x&".repeat(5_000)));
        inputs.push(url_with(STATE, &"ab".repeat(2_000)));
        let mut claims = id_claims();
        claims["aud"] = serde_json::Value::Array(vec![1.into(); 1_000]);
        claims["exp"] = 1e300.into();
        inputs.push(response_with(&claims));
        for input in &inputs {
            for exchange in [None, Some(&ex)] {
                let f = facts(&provider, &p, exchange, Some(&sig));
                for step in Step::ALL {
                    assert!(check(step, input, &f).is_ok(), "{step:?}");
                }
            }
        }
    }
}
