//! The learner actions against in-memory storage: what each one records, forgets and
//! shows, and the commands the exercise page offers.

use std::process::Command as Process;
use std::sync::Arc;

use oauthlab::exercises::client_credentials::{Receipt, TokenVia};
use oauthlab::exercises::refresh::{self, Step, StepLocked, StepStatus};
use oauthlab::oauth::discovery::Fetched;
use oauthlab::pkce;

use super::flash::Flash;
use super::memory::{Documents, FixedSecrets, MemoryStore, NoKeys, NothingIssued};
use super::store::{IssuedTokens, StoreError};
use super::*;
use crate::model::{CourseData, ExerciseData};

/// These tests are about Refresh Tokens, unless they say otherwise.
const R: Exercise = Exercise::Refresh;

impl Services {
    /// A step of Refresh Tokens checked.
    async fn check_step(
        &self,
        learner: &LearnerId,
        step: Step,
        input: &str,
    ) -> Result<Checked, ServiceError> {
        self.check(learner, R, step.index(), input).await
    }
}

const PUBLIC_URL: &str = "http://127.0.0.1:3000";
const TOKEN_ENDPOINT: &str = "http://127.0.0.1:3000/oauth2/token";
/// A well-formed verifier from RFC 7636 appendix B, standing for one a learner pasted.
const PASTED_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn services() -> Services {
    services_with(Arc::new(Documents::default()))
}

/// Services whose view of other servers is `documents`.
fn services_with(documents: Arc<Documents>) -> Services {
    services_on(Arc::new(MemoryStore::default()), documents)
}

/// Services on `store` (which the instructors' side may share).
fn services_on(store: Arc<MemoryStore>, documents: Arc<Documents>) -> Services {
    Services {
        progress: store.clone(),
        reads: store.clone(),
        apps: store.clone(),
        secrets: Arc::new(FixedSecrets),
        issued: Arc::new(NothingIssued),
        receipts: store.clone(),
        verifier: Arc::new(NoKeys),
        servers: store,
        fetcher: documents,
        public_url: PUBLIC_URL.to_owned(),
        flash: Arc::new(Flash::default()),
        code_lifetime: 300,
    }
}

fn learner(name: &str) -> LearnerId {
    LearnerId(name.to_owned())
}

fn statuses(exercise: &ExerciseState) -> Vec<StepStatus> {
    exercise.steps.iter().map(|s| s.status).collect()
}

/// The statuses after `passed` steps passed.
fn after(passed: usize) -> Vec<StepStatus> {
    (0..5)
        .map(|i| match i.cmp(&passed) {
            std::cmp::Ordering::Less => StepStatus::Passed,
            std::cmp::Ordering::Equal => StepStatus::Current,
            std::cmp::Ordering::Greater => StepStatus::Locked,
        })
        .collect()
}

/// The last check the page shows for `step`.
fn last_check(page: &ExerciseData, step: Step) -> Option<&LastCheck> {
    page.step(step.slug()).and_then(|s| s.last.as_ref())
}

/// An authorization URL for the learner's practice app that passes step 3.
async fn authorization_url(services: &Services, learner: &LearnerId, challenge: &str) -> String {
    let app = services.practice_app(learner).await.expect("practice app");
    let mut url = url::Url::parse("http://127.0.0.1:3000/oauth2/authorize").expect("authorization endpoint");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &app.client_id)
        .append_pair("redirect_uri", "http://127.0.0.1:3000/redirect")
        .append_pair("scope", "offline_access")
        .append_pair("state", "Xq3v9LwP2sTa")
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    url.to_string()
}

/// Pass steps 1 to `n` (at most 3) with a generated verifier; returns it.
async fn pass_steps(services: &Services, learner: &LearnerId, n: usize) -> String {
    let (verifier, checked) = services.generate_verifier(learner, R).await.expect("generate");
    assert!(checked.verdict.passed(), "{:#?}", checked.verdict);
    if n >= 2 {
        let checked = services.calculate_hash(learner, R).await.expect("calculate hash");
        assert!(checked.verdict.passed(), "{:#?}", checked.verdict);
    }
    if n >= 3 {
        let url = authorization_url(services, learner, &pkce::challenge_s256(&verifier)).await;
        let checked = services.check_step(learner, Step::AuthorizationUrl, &url).await.expect("step 3");
        assert!(checked.verdict.passed(), "{:#?}", checked.verdict);
    }
    verifier
}

// --- shell_quote -----------------------------------------------------------------------

#[test]
fn shell_quote_leaves_safe_values_unchanged() {
    let cases = [
        "authorization_code",
        "client-0",
        "http://127.0.0.1:3000/oauth2/token",
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        "a.b~c%20d@e+f=g,h",
    ];
    for value in cases {
        assert_eq!(shell_quote(value), value, "{value:?}");
    }
}

#[test]
fn shell_quote_quotes_spaces_quotes_ampersands_and_empty_values() {
    let cases = [
        ("two words", "'two words'"),
        ("a&b", "'a&b'"),
        ("http://x/cb?a=1&b=2", "'http://x/cb?a=1&b=2'"),
        ("say \"hi\"", "'say \"hi\"'"),
        ("it's", r"'it'\''s'"),
        ("$HOME", "'$HOME'"),
        ("`id`", "'`id`'"),
        ("", "''"),
    ];
    for (value, want) in cases {
        assert_eq!(shell_quote(value), want, "{value:?}");
    }
}

#[test]
fn a_quoted_value_reaches_the_shell_exactly_as_it_was() {
    let cases = [
        "it's",
        "'",
        "''",
        "a'b'c",
        "two words",
        "a&b;c|d",
        "$HOME and $(id) and `id`",
        "back\\slash",
        "say \"hi\"",
        "new\nline",
        "* ? [a]",
        "",
        "plain",
    ];
    for value in cases {
        let script = format!("printf %s {}", shell_quote(value));
        let out = Process::new("sh").arg("-c").arg(&script).output().expect("run sh");
        assert!(out.status.success(), "{script}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), value, "{script}");
    }
}

// --- the commands ----------------------------------------------------------------------

#[test]
fn the_token_command_masks_the_secret_and_fills_in_the_learners_values() {
    struct Case {
        name: &'static str,
        redirect_uri: &'static str,
        secret: &'static str,
        verifier: Option<&'static str>,
        want: &'static [&'static str],
    }
    let cases = [
        Case {
            name: "a generated verifier is filled in",
            redirect_uri: "http://127.0.0.1:3000/redirect",
            secret: "secret-of-client-0",
            verifier: Some(PASTED_VERIFIER),
            want: &[
                "curl -X POST http://127.0.0.1:3000/oauth2/token",
                "-d grant_type=authorization_code",
                "-d redirect_uri=http://127.0.0.1:3000/redirect",
                "-d client_id=client-0",
                "-d code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
                "-d code=YOUR_AUTHORIZATION_CODE",
            ],
        },
        Case {
            name: "without a verifier there is a placeholder",
            redirect_uri: "http://127.0.0.1:3000/redirect",
            secret: "secret-of-client-0",
            verifier: None,
            want: &["-d code_verifier=YOUR_CODE_VERIFIER"],
        },
        Case {
            name: "a redirect URI with & is quoted",
            redirect_uri: "http://127.0.0.1:3000/redirect?a=1&b=2",
            secret: "secret-of-client-0",
            verifier: None,
            want: &["--data-urlencode 'redirect_uri=http://127.0.0.1:3000/redirect?a=1&b=2'"],
        },
        Case {
            name: "a secret with a quote is quoted in full",
            redirect_uri: "http://127.0.0.1:3000/redirect",
            secret: "it's secret",
            verifier: None,
            want: &[],
        },
    ];
    for case in cases {
        let command = token_command(
            TOKEN_ENDPOINT,
            case.redirect_uri,
            "client-0",
            Some(case.secret),
            case.verifier,
            None,
        );
        let name = case.name;
        assert!(command.masked.contains(&format!(" client_secret={MASK}")), "{name}");
        assert!(!command.masked.contains(case.secret), "{name}: the masked command hides it");
        let secret = shell_quote(&format!("client_secret={}", case.secret));
        assert!(command.full.expose().contains(&secret), "{name}: {}", command.full.expose());
        assert!(!command.full.expose().contains(MASK), "{name}");
        for want in case.want {
            assert!(command.masked.contains(want), "{name}: {want} in {}", command.masked);
            assert!(command.full.expose().contains(want), "{name}: {want} in {}", command.full.expose());
        }
        let differing: Vec<_> =
            command.masked.lines().zip(command.full.expose().lines()).filter(|(m, f)| m != f).collect();
        assert_eq!(differing.len(), 1, "{name}: the two differ only in the secret");
        assert!(differing[0].0.contains("client_secret"), "{name}");
    }
}

#[test]
fn secrets_never_show_in_debug_output() {
    let command = token_command(
        TOKEN_ENDPOINT,
        "http://x/cb",
        "client-0",
        Some("s3cr3t-value"),
        Some(PASTED_VERIFIER),
        None,
    );
    let app = PracticeApp {
        client_id: "client-0".into(),
        client_secret: Secret::new("s3cr3t-value"),
        redirect_uris: vec![],
        grant_types: vec![],
        refresh_tokens_enabled: false,
        id_token_signed_response_alg: Default::default(),
        user: oauthlab::practice_user::practice_user(&[1; 32]),
        clients: vec![],
    };
    for debug in [format!("{command:?}"), format!("{app:?}")] {
        assert!(!debug.contains("s3cr3t-value") && !debug.contains(PASTED_VERIFIER), "{debug}");
    }
    assert!(command.full.expose().contains("s3cr3t-value"), "the owner still sees it");
}

#[test]
fn the_refresh_command_masks_the_secret_and_asks_for_the_refresh_token() {
    let cases = [("client-0", "secret-of-client-0"), ("client 1", "it's & secret")];
    for (client_id, secret) in cases {
        let command = refresh_command(TOKEN_ENDPOINT, client_id, Some(secret));
        for text in [command.masked.as_str(), command.full.expose()] {
            assert!(text.starts_with("curl -X POST http://127.0.0.1:3000/oauth2/token"), "{text}");
            assert!(text.contains("-d grant_type=refresh_token"), "{text}");
            let flag = if client_id.contains(' ') { "--data-urlencode" } else { "-d" };
            let id = shell_quote(&format!("client_id={client_id}"));
            assert!(text.contains(&format!("{flag} {id}")), "{text}");
            assert!(text.contains("-d refresh_token=YOUR_REFRESH_TOKEN"), "{text}");
        }
        assert!(command.masked.contains(MASK) && !command.masked.contains(secret), "{secret}");
        assert!(
            command.full.expose().contains(&shell_quote(&format!("client_secret={secret}"))),
            "{}",
            command.full.expose()
        );
        assert!(!command.full.expose().contains(MASK));
    }
}

// --- the learner actions ---------------------------------------------------------------

#[tokio::test]
async fn generating_a_verifier_passes_step_1_and_the_page_shows_it() {
    let services = services();
    let me = learner("a");
    let (verifier, checked) = services.generate_verifier(&me, R).await.expect("generate");
    assert!(pkce::Verifier::parse(&verifier).is_ok(), "{verifier}");
    assert!(checked.verdict.passed(), "{:#?}", checked.verdict);
    assert_eq!(statuses(&checked.exercise), after(1));

    let page = services.exercise_page(&me, R).await.expect("page");
    assert_eq!(page.generated_verifier.as_ref().map(|v| v.expose()), Some(verifier.as_str()));
    assert_eq!(page.challenge, Some(pkce::challenge_s256(&verifier)));
    assert_eq!(statuses(&page.exercise), after(1));
    assert!(last_check(&page, Step::Verifier).is_some_and(LastCheck::passed));

    let other = services.exercise_page(&learner("b"), R).await.expect("other page");
    assert_eq!(other.generated_verifier, None, "another learner never sees it");
    assert_eq!(statuses(&other.exercise), after(0));
}

#[tokio::test]
async fn reset_forgets_the_generated_verifier_and_the_progress() {
    for passed in [1, 2, 3] {
        let services = services();
        let me = learner("a");
        pass_steps(&services, &me, passed).await;

        let state = services.reset(&me, R).await.expect("reset");
        assert_eq!(statuses(&state), after(0), "after {passed}");

        let page = services.exercise_page(&me, R).await.expect("page");
        assert_eq!(page.generated_verifier, None, "after {passed}");
        assert_eq!(page.challenge, None, "after {passed}");
        assert_eq!(page.login_url, None, "after {passed}");
        assert_eq!(page.token_command, None, "after {passed}");
        assert_eq!(statuses(&page.exercise), after(0), "after {passed}");
        assert!(page.steps.iter().all(|s| s.last.is_none()), "after {passed}");
    }
}

#[tokio::test]
async fn a_pasted_verifier_replaces_a_generated_one_only_when_it_passes() {
    // (pasted, passes, the generated verifier is still shown)
    let cases = [(PASTED_VERIFIER, true, false), ("too-short", false, true)];
    for (pasted, passes, kept) in cases {
        let services = services();
        let me = learner("a");
        let generated = pass_steps(&services, &me, 1).await;

        let checked = services.check_step(&me, Step::Verifier, pasted).await.expect("check");
        assert_eq!(checked.verdict.passed(), passes, "{pasted}");

        let page = services.exercise_page(&me, R).await.expect("page");
        let want = if kept { generated.clone() } else { pasted.to_owned() };
        assert_eq!(page.generated_verifier.as_ref().map(|v| v.expose().to_owned()), Some(want), "{pasted}");
        let challenge = if passes { pkce::challenge_s256(pasted) } else { pkce::challenge_s256(&generated) };
        assert_eq!(page.challenge, Some(challenge), "{pasted}");
        assert_eq!(statuses(&page.exercise), after(1), "{pasted}");
    }
}

#[tokio::test]
async fn calculate_hash_before_step_1_is_locked() {
    let services = services();
    let me = learner("a");
    let err = services.calculate_hash(&me, R).await.expect_err("locked");
    assert!(
        matches!(&err, ServiceError::Locked(m) if *m == StepLocked { needed: Step::Verifier }.to_string()),
        "{err:?}"
    );
    let page = services.exercise_page(&me, R).await.expect("page");
    assert_eq!(statuses(&page.exercise), after(0));
}

#[tokio::test]
async fn calculate_hash_after_step_1_passes_step_2_with_the_learners_challenge() {
    let services = services();
    let me = learner("a");
    pass_steps(&services, &me, 1).await;
    let checked = services.calculate_hash(&me, R).await.expect("calculate hash");
    assert!(checked.verdict.passed(), "{:#?}", checked.verdict);
    assert_eq!(statuses(&checked.exercise), after(2));
}

#[tokio::test]
async fn a_locked_check_is_kept_as_the_steps_failed_step_locked_finding() {
    // (steps passed first, step checked, the step still needed)
    let cases = [
        (0, Step::Challenge, Step::Verifier),
        (0, Step::AuthorizationUrl, Step::Verifier),
        (1, Step::AuthorizationUrl, Step::Challenge),
        (2, Step::RefreshResponse, Step::AuthorizationUrl),
        (3, Step::RefreshResponse, Step::TokenResponse),
    ];
    for (passed, step, needed) in cases {
        let services = services();
        let me = learner("a");
        if passed > 0 {
            pass_steps(&services, &me, passed).await;
        }
        let err = services.check_step(&me, step, "anything").await.expect_err("locked");
        assert!(
            matches!(&err, ServiceError::Locked(m) if *m == StepLocked { needed }.to_string()),
            "{step:?} after {passed}: {err:?}"
        );

        let page = services.exercise_page(&me, R).await.expect("page");
        let last = last_check(&page, step).expect("the locked check is kept");
        assert!(!last.passed(), "{step:?} after {passed}");
        let finding = last.verdict.find("step.locked").expect("step.locked finding");
        assert!(!finding.ok);
        assert_eq!(finding.level, oauthlab::verdict::Level::Error);
        assert_eq!(finding.message, format!("Complete step {} first.", needed.number()));
        assert_eq!(last.jwt, None);
        assert_eq!(statuses(&page.exercise), after(passed), "nothing else changed");
    }
}

#[tokio::test]
async fn passing_step_1_again_clears_the_later_steps_last_checks() {
    let services = services();
    let me = learner("a");
    pass_steps(&services, &me, 3).await;
    let page = services.exercise_page(&me, R).await.expect("page");
    for step in [Step::Verifier, Step::Challenge, Step::AuthorizationUrl] {
        assert!(last_check(&page, step).is_some_and(LastCheck::passed), "{step:?}");
    }

    // A failed check of step 1 changes nothing but step 1's own last check.
    let checked = services.check_step(&me, Step::Verifier, "too-short").await.expect("check");
    assert!(!checked.verdict.passed());
    let page = services.exercise_page(&me, R).await.expect("page");
    assert_eq!(statuses(&page.exercise), after(3));
    assert!(last_check(&page, Step::Verifier).is_some_and(|l| !l.passed()));
    assert!(last_check(&page, Step::AuthorizationUrl).is_some_and(LastCheck::passed));

    // Passing it again starts over from step 2, and step 1's verdict says so.
    let checked = services.check_step(&me, Step::Verifier, PASTED_VERIFIER).await.expect("check");
    assert!(checked.verdict.passed());
    let redo = checked.verdict.find("progress.redo").expect("progress.redo");
    assert_eq!(redo.message, "You changed your code verifier, so steps 2 and 3 need doing again.");
    let page = services.exercise_page(&me, R).await.expect("page");
    assert_eq!(statuses(&page.exercise), after(1));
    assert!(last_check(&page, Step::Verifier).is_some_and(LastCheck::passed));
    assert!(last_check(&page, Step::Verifier).is_some_and(|l| l.verdict.find("progress.redo") == Some(redo)));
    for step in [Step::Challenge, Step::AuthorizationUrl, Step::TokenResponse, Step::RefreshResponse] {
        assert_eq!(last_check(&page, step), None, "{step:?}");
    }
    assert_eq!(page.login_url, None);
    assert_eq!(page.token_command, None);
}

#[tokio::test]
async fn the_practice_app_starts_with_refresh_tokens_off_and_the_toggle_changes_its_grants() {
    let services = services();
    let me = learner("a");
    let app = services.practice_app(&me).await.expect("practice app");
    assert!(!app.refresh_tokens_enabled);
    assert_eq!(app.grant_types, ["authorization_code"]);
    assert_eq!(app.redirect_uris, ["http://127.0.0.1:3000/redirect"]);
    assert_eq!(app.client_secret.expose(), format!("secret-of-{}", app.client_id));

    let cases: [(bool, &[&str]); 3] = [
        (true, &["authorization_code", "refresh_token"]),
        (false, &["authorization_code"]),
        (true, &["authorization_code", "refresh_token"]),
    ];
    for (enabled, grants) in cases {
        let changed = services.set_refresh_tokens(&me, enabled).await.expect("toggle");
        assert_eq!(changed.refresh_tokens_enabled, enabled);
        assert_eq!(changed.grant_types, grants, "{enabled}");
        assert_eq!(changed.client_id, app.client_id, "the same application");
        assert_eq!(services.practice_app(&me).await.expect("practice app"), changed, "kept");
    }

    let other = services.practice_app(&learner("b")).await.expect("other app");
    assert!(!other.refresh_tokens_enabled, "another learner's app is their own");
    assert_ne!(other.client_id, app.client_id);
}

#[tokio::test]
async fn the_toggle_works_before_the_practice_app_was_ever_shown() {
    let services = services();
    let me = learner("a");
    let app = services.set_refresh_tokens(&me, true).await.expect("toggle");
    assert!(app.refresh_tokens_enabled);
    assert_eq!(app.grant_types, ["authorization_code", "refresh_token"]);
}

#[tokio::test]
async fn the_token_command_appears_only_once_step_3_passed() {
    for passed in 0..=3 {
        let services = services();
        let me = learner("a");
        let verifier = if passed > 0 { Some(pass_steps(&services, &me, passed).await) } else { None };
        let page = services.exercise_page(&me, R).await.expect("page");
        assert_eq!(page.refresh_command, None, "after {passed}: step 4 has not passed");
        if passed < 3 {
            assert_eq!(page.token_command, None, "after {passed}");
            assert_eq!(page.login_url, None, "after {passed}");
            continue;
        }
        let app = services.practice_app(&me).await.expect("practice app");
        let command = page.token_command.expect("the token command after step 3");
        let verifier = verifier.expect("a generated verifier");
        assert!(command.masked.contains(&format!("-d code_verifier={verifier}")));
        assert!(command.masked.contains(&format!("-d client_id={}", app.client_id)));
        assert!(command.masked.contains("-d redirect_uri=http://127.0.0.1:3000/redirect"));
        assert!(command.masked.contains(MASK) && !command.masked.contains(app.client_secret.expose()));
        assert!(command.full.expose().contains(&format!("-d client_secret={}", app.client_secret.expose())));
        assert_eq!(
            page.login_url,
            Some(authorization_url(&services, &me, &pkce::challenge_s256(&verifier)).await)
        );
    }
}

#[tokio::test]
async fn the_token_command_has_a_placeholder_once_the_generated_verifier_is_gone() {
    let services = services();
    let me = learner("a");
    pass_steps(&services, &me, 3).await;
    services.flash.take_verifier(&me, refresh::SLUG).await.expect("page views");
    let page = services.exercise_page(&me, R).await.expect("page");
    let command = page.token_command.expect("the token command after step 3");
    assert!(
        command.full.expose().contains("-d code_verifier=YOUR_CODE_VERIFIER"),
        "{}",
        command.full.expose()
    );
}

#[tokio::test]
async fn a_pasted_verifier_that_passed_is_filled_into_the_token_command() {
    let services = services();
    let me = learner("a");
    let checked = services.check_step(&me, Step::Verifier, &format!(" {PASTED_VERIFIER}\n")).await;
    assert!(checked.expect("step 1").verdict.passed());
    services.calculate_hash(&me, R).await.expect("step 2");
    let url = authorization_url(&services, &me, &pkce::challenge_s256(PASTED_VERIFIER)).await;
    services.check_step(&me, Step::AuthorizationUrl, &url).await.expect("step 3");
    let command = services.exercise_page(&me, R).await.expect("page").token_command.expect("command");
    assert!(command.full.expose().contains(&format!("-d code_verifier={PASTED_VERIFIER}")));
    // A verifier that fails step 1 replaces nothing.
    services.check_step(&me, Step::Verifier, "too-short").await.expect("checked");
    let page = services.exercise_page(&me, R).await.expect("page");
    assert_eq!(page.generated_verifier.as_ref().map(|v| v.expose().to_owned()), Some(PASTED_VERIFIER.into()));
}

#[tokio::test]
async fn the_redirect_page_command_has_the_code_filled_in_and_quoted() {
    let services = services();
    let me = learner("a");
    let verifier = pass_steps(&services, &me, 3).await;
    let view = services.redirect_view(&me, "abc_DEF-123", None, None).await.expect("view");
    let full = view.token_command.full.expose();
    assert!(full.contains("-d code=abc_DEF-123"), "{full}");
    assert!(full.contains(&format!("-d code_verifier={verifier}")), "{full}");
    assert!(!full.contains(CODE_PLACEHOLDER), "{full}");
    assert_eq!(view.code_lifetime, "5 minutes");
    assert_eq!(services.exercise_page(&me, R).await.expect("page").code_lifetime, "5 minutes");
    // A code someone else put in a link cannot run anything in the learner's shell.
    let hostile = services.redirect_view(&me, "x'; rm -rf ~; echo '", None, None).await.expect("view");
    let full = hostile.token_command.full.expose().to_owned();
    let last_line = full.lines().last().unwrap_or_default().trim();
    let (_flag, field) = last_line.split_once(' ').expect("a flag and its field");
    let out = Process::new("sh").arg("-c").arg(format!("printf '%s\\n' {field}")).output();
    let printed = String::from_utf8_lossy(&out.expect("sh").stdout).into_owned();
    assert_eq!(printed.trim_end(), "code=x'; rm -rf ~; echo '", "{full}");
    let long = "c".repeat(MAX_CODE_CHARS + 1);
    assert!(matches!(services.redirect_view(&me, &long, None, None).await, Err(ServiceError::Invalid(_))));
}

#[test]
fn durations_are_said_in_words() {
    assert_eq!(duration_words(300), "5 minutes");
    assert_eq!(duration_words(60), "1 minute");
    assert_eq!(duration_words(90), "90 seconds");
}

#[tokio::test]
async fn step_3_warns_while_refresh_tokens_are_off_and_the_toggle_forgets_what_it_made_stale() {
    let services = services();
    let me = learner("a");
    let verifier = pass_steps(&services, &me, 2).await;
    let url = authorization_url(&services, &me, &pkce::challenge_s256(&verifier)).await;
    let checked = services.check_step(&me, Step::AuthorizationUrl, &url).await.expect("step 3");
    assert!(checked.verdict.passed());
    assert!(checked.verdict.find(refresh::REFRESH_TOKENS_OFF).is_some(), "{:#?}", checked.verdict);
    let failed = services.check_step(&me, Step::TokenResponse, r#"{"token_type":"Bearer"}"#).await;
    assert!(!failed.expect("checked").verdict.passed());
    let page = services.exercise_page(&me, R).await.expect("page");
    assert!(last_check(&page, Step::TokenResponse).is_some());

    services.set_refresh_tokens(&me, true).await.expect("toggle");
    let page = services.exercise_page(&me, R).await.expect("page");
    assert!(last_check(&page, Step::TokenResponse).is_none(), "step 4's failed verdict is stale");
    let step_3 = last_check(&page, Step::AuthorizationUrl).expect("step 3's verdict is kept");
    assert!(step_3.verdict.find(refresh::REFRESH_TOKENS_OFF).is_none(), "{:#?}", step_3.verdict);
    assert_eq!(statuses(&page.exercise), after(3), "progress is kept");
    let checked = services.check_step(&me, Step::AuthorizationUrl, &url).await.expect("step 3 again");
    assert!(checked.verdict.find(refresh::REFRESH_TOKENS_OFF).is_none());
}

#[tokio::test]
async fn what_was_typed_in_a_failed_form_post_comes_back_once() {
    let services = services();
    let me = learner("a");
    services.keep_typed(&me, R, Step::Verifier.index(), "my-own-verifier?").await;
    let page = services.exercise_page_view(&me, R).await.expect("page");
    let typed = page.steps[Step::Verifier.index()].typed.as_ref().map(|t| t.expose().to_owned());
    assert_eq!(typed.as_deref(), Some("my-own-verifier?"));
    let again = services.exercise_page_view(&me, R).await.expect("page");
    assert!(again.steps.iter().all(|s| s.typed.is_none()), "once only");
}

/// A store that is down: every call fails.
struct Down;

fn down() -> StoreError {
    StoreError("database is down".into())
}

#[async_trait::async_trait]
impl flash::PageViews for Down {
    async fn put_verifier(&self, _: &LearnerId, _: &'static str, _: String) -> Result<(), StoreError> {
        Err(down())
    }
    async fn peek_verifier(&self, _: &LearnerId, _: &'static str) -> Result<Option<String>, StoreError> {
        Err(down())
    }
    async fn take_verifier(&self, _: &LearnerId, _: &'static str) -> Result<Option<String>, StoreError> {
        Err(down())
    }
    async fn put_code(&self, _: &LearnerId, _: &'static str, _: Option<String>) -> Result<(), StoreError> {
        Err(down())
    }
    async fn peek_code(&self, _: &LearnerId, _: &'static str) -> Result<Option<String>, StoreError> {
        Err(down())
    }
    async fn put_token(
        &self,
        _: &LearnerId,
        _: flash::StepKey,
        _: Option<refresh::DecodedJwt>,
    ) -> Result<(), StoreError> {
        Err(down())
    }
    async fn peek_tokens(
        &self,
        _: &LearnerId,
        _: &'static str,
    ) -> Result<std::collections::BTreeMap<usize, refresh::DecodedJwt>, StoreError> {
        Err(down())
    }
    async fn forget_tokens(&self, _: &LearnerId, _: &'static str, _: usize) -> Result<(), StoreError> {
        Err(down())
    }
    async fn put_typed(&self, _: &LearnerId, _: flash::StepKey, _: String) -> Result<(), StoreError> {
        Err(down())
    }
    async fn take_typed(
        &self,
        _: &LearnerId,
        _: &'static str,
    ) -> Result<Option<(usize, String)>, StoreError> {
        Err(down())
    }
}

#[async_trait::async_trait]
impl instructor::RecentResets for Down {
    async fn record(&self, _: instructor::InstructorId, _: &str, _: i64) -> Result<(), StoreError> {
        Err(down())
    }
    async fn last_of(
        &self,
        _: instructor::InstructorId,
        _: &[&str],
    ) -> Result<std::collections::HashMap<String, i64>, StoreError> {
        Err(down())
    }
}

#[async_trait::async_trait]
impl instructor::LoginAttempts for Down {
    async fn attempt(
        &self,
        _: &[(instructor::ThrottleKey, usize)],
        _: i64,
    ) -> Result<Result<(), u64>, StoreError> {
        Err(down())
    }
    async fn refund(&self, _: &instructor::ThrottleKey, _: i64) -> Result<(), StoreError> {
        Err(down())
    }
    async fn clear(&self, _: &instructor::ThrottleKey) -> Result<(), StoreError> {
        Err(down())
    }
}

#[tokio::test]
async fn a_page_view_store_that_fails_costs_the_page_its_values_not_the_learner_their_checks() {
    let services = Services { flash: Arc::new(Down), ..services() };
    let me = learner("a");
    pass_steps(&services, &me, 3).await;
    services.keep_typed(&me, R, Step::AuthorizationUrl.index(), "typed").await;
    let page = services.exercise_page_view(&me, R).await.expect("the page, without what it could not read");
    assert_eq!(statuses(&page.exercise), after(3), "every check was kept");
    assert!(page.steps.iter().all(|s| s.typed.is_none()));
    services.reset(&me, R).await.expect("a reset too");
}

#[tokio::test]
async fn a_reset_log_that_fails_does_not_undo_the_reset_and_a_throttle_that_fails_refuses_the_login() {
    use super::instructor::{InstructorError, InstructorStore, Instructors};
    let store = Arc::new(MemoryStore::default());
    let services = services_on(store.clone(), Arc::new(Documents::default()));
    let instructors = Instructors {
        resets: Arc::new(Down),
        throttle: Arc::new(Down),
        ..Instructors::new(store.clone(), PUBLIC_URL)
    };
    let ada = store.upsert_instructor("ada@example.org", "hash").await.expect("ada");
    let class = instructors.create_class(ada, "Evening workshop").await.expect("class");
    let code = class.join_url.rsplit('/').next().expect("join code");
    let grace = learner("grace");
    instructors.open_join_link(&grace, code, true, false).await.expect("open");
    pass_steps(&services, &grace, 2).await;
    instructors.reset_learner(&services, ada, &grace.0, "refresh").await.expect("reset");
    let row = instructors.learner(ada, &grace.0).await.expect("row");
    assert_eq!(row.exercises.of("refresh").steps_passed, 0, "the reset happened");
    let login = instructors.login("ada@example.org", "whatever", None, None).await;
    assert!(matches!(login, Err(InstructorError::Store(_))), "{login:?}");
}

// --- the learner's own server ------------------------------------------------------------

const KEYCLOAK: &str = "https://kc.example/realms/lab";

fn keycloak() -> Arc<Documents> {
    let documents = Documents::default();
    documents.put(
        &format!("{KEYCLOAK}/.well-known/openid-configuration"),
        Fetched::Document(format!(
            r#"{{"issuer": "{KEYCLOAK}",
                "authorization_endpoint": "{KEYCLOAK}/protocol/openid-connect/auth",
                "token_endpoint": "{KEYCLOAK}/protocol/openid-connect/token",
                "jwks_uri": "{KEYCLOAK}/protocol/openid-connect/certs",
                "code_challenge_methods_supported": ["plain", "S256"]}}"#
        )),
    );
    Arc::new(documents)
}

#[tokio::test]
async fn on_the_learners_own_server_the_commands_point_there_and_ask_for_their_secret() {
    let services = services_with(keycloak());
    let me = learner("a");
    let server = services.set_own_server(&me, KEYCLOAK, "lab-app", "").await.expect("set up");
    let verdict = &server.last_attempt.as_ref().expect("attempt").verdict;
    assert!(verdict.passed() && !server.builtin, "{verdict:#?}");
    assert_eq!(
        server.discovered_at.as_deref(),
        Some(&*format!("{KEYCLOAK}/.well-known/openid-configuration"))
    );

    let verifier = pass_steps(&services, &me, 2).await;
    let mut url = url::Url::parse(&format!("{KEYCLOAK}/protocol/openid-connect/auth")).expect("url");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", "lab-app")
        .append_pair("redirect_uri", "https://app.example/cb")
        .append_pair("scope", "openid offline_access")
        .append_pair("state", "Xq3v9LwP2sTa")
        .append_pair("code_challenge", &pkce::challenge_s256(&verifier))
        .append_pair("code_challenge_method", "S256");
    let checked = services.check_step(&me, Step::AuthorizationUrl, url.as_str()).await.expect("step 3");
    assert!(checked.verdict.passed(), "{:#?}", checked.verdict);

    let page = services.exercise_page(&me, R).await.expect("page");
    assert!(!page.server.builtin);
    assert_eq!(page.authorization_endpoint, format!("{KEYCLOAK}/protocol/openid-connect/auth"));
    let command = page.token_command.expect("token command");
    for want in [
        &*format!("curl -X POST {KEYCLOAK}/protocol/openid-connect/token"),
        "-d client_id=lab-app",
        "-d redirect_uri=https://app.example/cb",
        "-d client_secret=YOUR_CLIENT_SECRET",
        &*format!("-d code_verifier={verifier}"),
    ] {
        assert!(command.full.expose().contains(want), "{want} in {}", command.full.expose());
    }
    assert_eq!(command.masked, command.full.expose(), "nothing of theirs to mask");
    assert!(!command.full.expose().contains("secret-of-"), "no practice secret on another server");
}

#[tokio::test]
async fn a_client_id_given_for_the_own_server_is_what_step_3_checks() {
    let services = services_with(keycloak());
    let me = learner("a");
    services.set_own_server(&me, KEYCLOAK, "lab-app", "").await.expect("set up");
    let verifier = pass_steps(&services, &me, 2).await;
    let url = format!(
        "{KEYCLOAK}/protocol/openid-connect/auth?response_type=code&client_id=other-app&state=Xq3v9LwP2sTa\
         &scope=offline_access&redirect_uri=https://app.example/cb&code_challenge={}&code_challenge_method=S256",
        pkce::challenge_s256(&verifier)
    );
    let checked = services.check_step(&me, Step::AuthorizationUrl, &url).await.expect("step 3");
    let finding = checked.verdict.find("url.client_id").expect("url.client_id");
    assert!(!finding.ok && finding.message.contains("lab-app"), "{finding:?}");
}

#[tokio::test]
async fn a_failed_set_up_keeps_what_was_typed_and_the_server_in_use() {
    let services = services_with(keycloak());
    let me = learner("a");
    let server = services
        .set_own_server(&me, "https://kc.example/realms/typo", " lab-app ", "")
        .await
        .expect("set up");
    assert!(server.builtin, "the built-in server stays");
    let attempt = server.last_attempt.expect("attempt");
    assert_eq!(
        (attempt.issuer.as_str(), attempt.client_id.as_str()),
        ("https://kc.example/realms/typo", " lab-app ")
    );
    let failed = attempt.verdict.find("provider.metadata").expect("provider.metadata");
    assert!(!failed.ok && failed.details.as_deref().is_some_and(|d| d.contains("HTTP 404")), "{failed:?}");
    // Going back to the built-in server forgets the attempt.
    let server = services.use_builtin_server(&me).await.expect("builtin");
    assert!(server.builtin && server.last_attempt.is_none());
}

/// The practice application's secret (derived, never stored) reaches step 3, which fails
/// a URL holding it; nothing of it is kept, neither the URL nor a finding showing it.
#[tokio::test]
async fn step_3_knows_the_practice_secret_and_keeps_none_of_it() {
    let services = services();
    let me = learner("a");
    let verifier = pass_steps(&services, &me, 2).await;
    let secret = services.practice_app(&me).await.expect("practice app").client_secret.expose().to_owned();
    let url = authorization_url(&services, &me, &pkce::challenge_s256(&verifier))
        .await
        .replace("Xq3v9LwP2sTa", &secret)
        .replace("response_type=code", &format!("response_type={secret}"));
    let checked = services.check_step(&me, Step::AuthorizationUrl, &url).await.expect("step 3");
    assert!(!checked.verdict.passed());
    let secrets = checked.verdict.find("url.secrets").expect("url.secrets");
    assert!(secrets.message.contains("the value of state is your practice application's client secret"));
    let stored = services.progress.load(&me, refresh::SLUG).await.expect("load");
    assert_eq!(stored.progress.get("authorization_url"), Some(&serde_json::Value::Null));
    let kept = serde_json::to_string(&stored).expect("json");
    assert!(!kept.contains(&secret), "{kept}");
}

#[test]
fn a_client_is_limited_by_its_ipv4_address_or_its_ipv6_slash_64() {
    let key = |s: &str| s.parse().map(limit_key).map(|k| k.to_string()).unwrap_or_default();
    let cases = [
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::"),
        ("::1", "::"),
    ];
    for (ip, want) in cases {
        assert_eq!(key(ip), want, "{ip}");
    }
    let client = ClientAddr("2001:db8::9".parse().unwrap_or(std::net::Ipv6Addr::LOCALHOST.into()));
    assert_eq!(client.limit_key().to_string(), "2001:db8::");
}

// --- instructors -----------------------------------------------------------------------

#[tokio::test]
async fn a_reset_is_remembered_for_its_instructor_until_the_learner_does_something_new() {
    use super::instructor::{last_activity, InstructorStore, Instructors, Opened};
    let store = Arc::new(MemoryStore::default());
    let services = services_on(store.clone(), Arc::new(Documents::default()));
    let instructors = Instructors::new(store.clone(), PUBLIC_URL);
    let ada = store.upsert_instructor("ada@example.org", "hash").await.expect("ada");
    let bob = store.upsert_instructor("bob@example.org", "hash").await.expect("bob");
    let class = instructors.create_class(ada, "Evening workshop").await.expect("class");
    let code = class.join_url.rsplit('/').next().expect("join code");
    let grace = learner("grace");
    let opened = instructors.open_join_link(&grace, code, true, false).await.expect("open");
    assert_eq!(opened, Opened::Joined { class_name: "Evening workshop".into() }, "the page names the class");
    pass_steps(&services, &grace, 2).await;

    let activity = |row: &instructor::LearnerRow, reset_at| {
        last_activity(row.exercises.updated_at(), reset_at, now_unix())
    };
    instructors.reset_learner(&services, ada, &grace.0, "refresh").await.expect("reset");
    let reset_at = instructors.resets.last(ada, &grace.0).await.expect("resets");
    assert!(reset_at.is_some(), "remembered");
    assert_eq!(
        instructors.resets.last(bob, &grace.0).await.expect("resets"),
        None,
        "only for the instructor who reset"
    );
    let row = instructors.learner(ada, &grace.0).await.expect("row");
    assert_eq!(row.exercises.of("refresh").steps_passed, 0);
    assert_eq!(activity(&row, reset_at), "reset just now");

    pass_steps(&services, &grace, 1).await;
    let row = instructors.learner(ada, &grace.0).await.expect("row");
    assert_eq!(activity(&row, reset_at), "just now", "the learner's own change");

    let john = learner("john");
    instructors.open_join_link(&john, code, true, false).await.expect("open");
    instructors.reset_class(&services, ada, &class.class_id, "all").await.expect("reset class");
    for who in [&grace, &john] {
        let row = instructors.learner(ada, &who.0).await.expect("row");
        assert_eq!(
            activity(&row, instructors.resets.last(ada, &who.0).await.expect("resets")),
            "reset just now",
            "{who:?}"
        );
    }
}

#[tokio::test]
async fn the_course_shows_each_exercise_with_the_learners_progress_and_the_next_one() {
    let services = services();
    let ada = learner("ada");
    let course = services.course(&ada).await.expect("course");
    let slugs: Vec<&str> = course.items.iter().map(|i| i.slug.as_str()).collect();
    assert_eq!(slugs, ["getting-started", "web-app", "spa", "client-credentials", "refresh", "oidc"]);
    let refresh =
        |c: &CourseData| c.items.iter().find(|i| i.slug == refresh::SLUG).cloned().expect("refresh");
    let fresh = refresh(&course);
    assert!(fresh.offered && !fresh.completed);
    assert_eq!((fresh.steps, fresh.steps_passed), (5, 0));
    let next: Vec<&str> = course.items.iter().filter(|i| i.next).map(|i| i.slug.as_str()).collect();
    assert_eq!(next, ["getting-started"], "the first exercise on offer not completed is next");
    let offered: Vec<&str> = course.items.iter().filter(|i| i.offered).map(|i| i.slug.as_str()).collect();
    assert_eq!(offered, ["getting-started", "web-app", "spa", "client-credentials", "refresh", "oidc"]);
    // Exercises still to come are listed, not offered, never next.
    assert!(course.items.iter().filter(|i| !i.offered).all(|i| !i.next && i.steps == 0));
    assert_eq!(course.completed_of_offered(), (0, course.items.iter().filter(|i| i.offered).count()));

    services.generate_verifier(&ada, R).await.expect("step 1");
    services.calculate_hash(&ada, R).await.expect("step 2");
    let course = services.course(&ada).await.expect("course");
    assert_eq!(refresh(&course).steps_passed, 2);
    // Another learner's progress is theirs.
    assert_eq!(refresh(&services.course(&learner("bob")).await.expect("course")).steps_passed, 0);
}

// --- the course engine: Getting Started and Web Applications --------------------------

/// The practice server's metadata and keys as Getting Started fetches them.
fn practice_documents() -> Arc<Documents> {
    let documents = Documents::default();
    let metadata = serde_json::json!({
        "issuer": PUBLIC_URL,
        "authorization_endpoint": format!("{PUBLIC_URL}/oauth2/authorize"),
        "token_endpoint": TOKEN_ENDPOINT,
        "jwks_uri": format!("{PUBLIC_URL}/oauth2/jwks"),
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
    });
    documents.put(
        &format!("{PUBLIC_URL}/.well-known/oauth-authorization-server"),
        Fetched::Document(metadata.to_string()),
    );
    let jwks = serde_json::json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": "key-1", "use": "sig",
        "alg": "ES256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]});
    documents.put(&format!("{PUBLIC_URL}/oauth2/jwks"), Fetched::Document(jwks.to_string()));
    Arc::new(documents)
}

const GS: Exercise = Exercise::GettingStarted;
const WEB: Exercise = Exercise::WebApp;

#[tokio::test]
async fn getting_started_is_played_through_its_three_steps_with_the_documents_fetched() {
    let services = services_with(practice_documents());
    let me = learner("ada");

    let wrong = services.check(&me, GS, 0, &format!("{PUBLIC_URL}/")).await.expect("step 1");
    assert!(!wrong.verdict.passed());
    assert!(wrong.verdict.find("issuer.trailing_slash").is_some_and(|f| !f.ok), "{:#?}", wrong.verdict);

    let issuer = services.check(&me, GS, 0, PUBLIC_URL).await.expect("step 1");
    assert!(issuer.verdict.passed(), "{:#?}", issuer.verdict);
    let page = services.exercise_page(&me, GS).await.expect("page");
    let metadata = page.metadata.expect("the metadata read is shown once step 1 passed");
    assert_eq!(metadata.discovered_at, format!("{PUBLIC_URL}/.well-known/oauth-authorization-server"));

    let swapped = format!("{TOKEN_ENDPOINT}\n{PUBLIC_URL}/oauth2/authorize");
    let checked = services.check(&me, GS, 1, &swapped).await.expect("step 2");
    assert!(checked.verdict.find("endpoints.swapped").is_some_and(|f| !f.ok), "{:#?}", checked.verdict);
    let endpoints = format!("{PUBLIC_URL}/oauth2/authorize\n{TOKEN_ENDPOINT}");
    assert!(services.check(&me, GS, 1, &endpoints).await.expect("step 2").verdict.passed());

    let checked = services.check(&me, GS, 2, "kid: key-2, alg: ES256").await.expect("step 3");
    assert!(checked.verdict.find("signing_key.kid").is_some_and(|f| !f.ok), "{:#?}", checked.verdict);
    let checked = services.check(&me, GS, 2, "kid: key-1, alg: ES256").await.expect("step 3");
    assert!(checked.verdict.passed(), "{:#?}", checked.verdict);
    assert!(checked.exercise.completed);
    assert_eq!(checked.exercise.slug, "getting-started");

    // Its progress is its own: the other exercises are untouched, and the course says so.
    assert_eq!(statuses(&services.exercise_state(&me, R).await.expect("refresh")), after(0));
    let course = services.course(&me).await.expect("course");
    let next: Vec<&str> = course.items.iter().filter(|i| i.next).map(|i| i.slug.as_str()).collect();
    assert_eq!(next, ["web-app"]);
    assert_eq!(course.completed_of_offered().0, 1);
}

#[tokio::test]
async fn getting_started_refuses_later_steps_first_and_fetches_nothing_for_a_bad_issuer() {
    let documents = practice_documents();
    let services = services_with(documents);
    let me = learner("ada");
    let err = services.check(&me, GS, 2, "kid: key-1, alg: ES256").await.expect_err("locked");
    assert!(matches!(&err, ServiceError::Locked(m) if m == "Complete step 1 first."), "{err:?}");
    let checked = services.check(&me, GS, 0, "not a url").await.expect("step 1");
    assert!(checked.verdict.find("issuer.url").is_some_and(|f| !f.ok), "{:#?}", checked.verdict);
    let checked = services.check(&me, GS, 0, "http://127.0.0.1:9/nothing-here").await.expect("step 1");
    assert!(checked.verdict.find("issuer.metadata").is_some_and(|f| !f.ok), "{:#?}", checked.verdict);
}

/// An authorization URL of Web Applications for the learner's practice app, with `state`.
async fn web_app_url(services: &Services, learner: &LearnerId, challenge: &str, state: &str) -> String {
    let app = services.practice_app(learner).await.expect("practice app");
    let mut url = url::Url::parse("http://127.0.0.1:3000/oauth2/authorize").expect("authorization endpoint");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &app.client_id)
        .append_pair("redirect_uri", "http://127.0.0.1:3000/redirect")
        .append_pair("scope", "openid profile")
        .append_pair("state", state)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    url.to_string()
}

#[tokio::test]
async fn web_app_runs_on_the_engine_from_the_verifier_to_the_callback_and_the_redirect_page_knows_it() {
    let services = services();
    let me = learner("ada");
    let (verifier, checked) = services.generate_verifier(&me, WEB).await.expect("step 1");
    assert!(checked.verdict.passed());
    assert!(services.calculate_hash(&me, WEB).await.expect("step 2").verdict.passed());
    let state = "k2Jf8sLq0ZxV7nWc4pRt";
    let url = web_app_url(&services, &me, &pkce::challenge_s256(&verifier), state).await;
    let checked = services.check(&me, WEB, 2, &url).await.expect("step 3");
    assert!(checked.verdict.passed(), "{:#?}", checked.verdict);

    // The redirect page tells a Web Applications login by its state.
    let code = "c0de-from-the-practice-server";
    let view = services.redirect_view(&me, code, Some(state), Some(PUBLIC_URL)).await.expect("view");
    assert_eq!(view.exercise, "web-app");
    assert!(view
        .callback_url
        .starts_with("http://127.0.0.1:3000/redirect?code=c0de-from-the-practice-server&state="));
    assert!(view.token_command.full.expose().contains(&verifier), "the verifier of Web Applications");
    let other = services.redirect_view(&me, code, Some("another-state"), None).await.expect("view");
    assert_eq!(other.exercise, "refresh");

    let forged = format!("http://127.0.0.1:3000/redirect?code={code}&state=forged&iss={PUBLIC_URL}");
    let checked = services.check(&me, WEB, 3, &forged).await.expect("step 4");
    assert!(checked.verdict.find("callback.state").is_some_and(|f| !f.ok), "{:#?}", checked.verdict);
    let checked = services.check(&me, WEB, 3, &view.callback_url).await.expect("step 4");
    assert!(checked.verdict.passed(), "{:#?}", checked.verdict);

    // Step 5's command is ready with the code and the verifier; the code is kept for the page only.
    let page = services.exercise_page(&me, WEB).await.expect("page");
    let command = page.token_command.expect("the token command after step 4");
    assert!(command.full.expose().contains(code) && command.full.expose().contains(&verifier));
    let stored = services.progress.load(&me, "web-app").await.expect("load");
    assert!(!serde_json::to_string(&stored).expect("json").contains(code), "the code is not stored");

    // Refresh Tokens is untouched, and a reset of Web Applications leaves it so.
    assert_eq!(statuses(&services.exercise_state(&me, R).await.expect("refresh")), after(0));
    pass_steps(&services, &me, 2).await;
    services.reset(&me, WEB).await.expect("reset");
    assert_eq!(
        services.exercise_state(&me, WEB).await.expect("web app").steps[0].status,
        StepStatus::Current
    );
    assert_eq!(statuses(&services.exercise_state(&me, R).await.expect("refresh")), after(2));
    assert!(services.exercise_page(&me, WEB).await.expect("page").token_command.is_none());
}

#[tokio::test]
async fn typed_text_comes_back_on_its_own_exercise_page_only() {
    let services = services();
    let me = learner("ada");
    services.keep_typed(&me, WEB, 0, "too-short").await;
    let refresh_page = services.exercise_page_view(&me, R).await.expect("page");
    assert!(refresh_page.steps.iter().all(|s| s.typed.is_none()));
    let page = services.exercise_page_view(&me, WEB).await.expect("page");
    assert_eq!(page.steps[0].typed.as_ref().map(|t| t.expose().to_owned()), Some("too-short".into()));
}

#[test]
fn every_exercise_of_the_catalog_runs_on_the_engine_with_its_step_ids() {
    let catalog = oauthlab::exercises::catalog();
    for info in &catalog {
        let exercise = Exercise::from_slug(info.slug).expect("every exercise offered runs on the engine");
        assert_eq!(exercise.step_ids(), info.steps.iter().map(|s| s.id).collect::<Vec<_>>());
        assert_eq!(exercise.step_index(info.steps[0].id), Some(0));
    }
    assert_eq!(catalog.len(), 6, "the whole course is offered");
    assert_eq!(Exercise::from_slug("nope"), None);
    assert!(WEB.has_pkce_steps() && R.has_pkce_steps() && OIDC.has_pkce_steps() && !GS.has_pkce_steps());
}

#[tokio::test]
async fn switching_servers_starts_web_applications_over_from_step_3_too_and_says_so() {
    let services = services_with(keycloak());
    let me = learner("a");
    let (verifier, _) = services.generate_verifier(&me, WEB).await.expect("step 1");
    services.calculate_hash(&me, WEB).await.expect("step 2");
    let url = web_app_url(&services, &me, &pkce::challenge_s256(&verifier), "k2Jf8sLq0ZxV7nWc4pRt").await;
    assert!(services.check(&me, WEB, 2, &url).await.expect("step 3").verdict.passed());
    pass_steps(&services, &me, 3).await;

    let server = services.set_own_server(&me, KEYCLOAK, "lab-app", "").await.expect("set up");
    let verdict = &server.last_attempt.as_ref().expect("attempt").verdict;
    let note = verdict.find("provider.progress").expect("the note on progress");
    assert!(note.message.contains("Web Applications and Refresh Tokens"), "{}", note.message);
    let passed = |state: ExerciseState| state.steps.iter().filter(|s| s.status == StepStatus::Passed).count();
    assert_eq!(
        passed(services.exercise_state(&me, WEB).await.expect("web")),
        2,
        "verifier and challenge kept"
    );
    assert_eq!(passed(services.exercise_state(&me, R).await.expect("refresh")), 2);
    // A learner with nothing past step 2 gets no row written by the switch.
    let other = learner("b");
    services.set_own_server(&other, KEYCLOAK, "lab-app", "").await.expect("set up");
    let untouched = services.progress.load(&other, "web-app").await.expect("load");
    assert_eq!(untouched, StoredProgress::default());
}

const OIDC: Exercise = Exercise::Oidc;

/// An authorization URL of OpenID Connect for the learner's practice app, with `state`
/// and, when given, `nonce`.
async fn oidc_url(services: &Services, learner: &LearnerId, challenge: &str, nonce: Option<&str>) -> String {
    let app = services.practice_app(learner).await.expect("practice app");
    let mut url = url::Url::parse("http://127.0.0.1:3000/oauth2/authorize").expect("authorization endpoint");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &app.client_id)
        .append_pair("redirect_uri", "http://127.0.0.1:3000/redirect")
        .append_pair("scope", "openid profile email")
        .append_pair("state", "Qm7tR2vX9cLp4sWd8kYb")
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    if let Some(nonce) = nonce {
        url.query_pairs_mut().append_pair("nonce", nonce);
    }
    url.to_string()
}

/// A JWT with `claims`, unsigned: what a made-up token response would hold.
fn unsigned_jwt(claims: &serde_json::Value) -> String {
    use base64::Engine as _;
    let part = |v: String| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    format!("{}.{}.c2ln", part(r#"{"alg":"ES256","typ":"JWT"}"#.to_owned()), part(claims.to_string()))
}

#[tokio::test]
async fn oidc_runs_on_the_engine_to_the_login_and_the_redirect_page_knows_it() {
    let services = services();
    let me = learner("ada");
    let (verifier, checked) = services.generate_verifier(&me, OIDC).await.expect("step 1");
    assert!(checked.verdict.passed());
    assert!(services.calculate_hash(&me, OIDC).await.expect("step 2").verdict.passed());
    let challenge = pkce::challenge_s256(&verifier);

    // The typical mistake: no nonce.
    let url = oidc_url(&services, &me, &challenge, None).await;
    let checked = services.check(&me, OIDC, 2, &url).await.expect("step 3");
    assert!(checked.verdict.find("url.nonce").is_some_and(|f| !f.ok), "{:#?}", checked.verdict);
    assert!(services.exercise_page(&me, OIDC).await.expect("page").token_command.is_none());
    let nonce = "n8Hq2LmV5xRt1ZcW7pKs";
    let url = oidc_url(&services, &me, &challenge, Some(nonce)).await;
    let checked = services.check(&me, OIDC, 2, &url).await.expect("step 3");
    assert!(checked.verdict.passed(), "{:#?}", checked.verdict);

    // The page has the log-in link and the token command with the verifier.
    let page = services.exercise_page(&me, OIDC).await.expect("page");
    assert_eq!(page.login_url.as_deref(), Some(url.as_str()));
    let command = page.token_command.expect("the token command after step 3");
    assert!(command.full.expose().contains(&verifier) && command.full.expose().contains(CODE_PLACEHOLDER));

    // The redirect page tells an OpenID Connect login by its state, and fills in its code.
    let code = "c0de-from-the-practice-server";
    let view = services.redirect_view(&me, code, Some("Qm7tR2vX9cLp4sWd8kYb"), None).await.expect("view");
    assert_eq!(view.exercise, "oidc");
    assert!(
        view.token_command.full.expose().contains(&verifier)
            && view.token_command.full.expose().contains(code)
    );
    let other = services.redirect_view(&me, code, Some("another-state"), None).await.expect("view");
    assert_eq!(other.exercise, "refresh");
    assert!(!other.token_command.full.expose().contains(&verifier), "Refresh Tokens has no verifier");

    // A made-up response: the practice server never issued its token, and its ID token is
    // shown decoded (not the access token) while the page holds it.
    let id_token = unsigned_jwt(&serde_json::json!({"iss": PUBLIC_URL, "sub": "u1", "nonce": nonce}));
    let response = serde_json::json!({
        "access_token": unsigned_jwt(&serde_json::json!({"scope": "openid"})),
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    });
    let checked = services.check(&me, OIDC, 3, &response.to_string()).await.expect("step 4");
    assert!(!checked.verdict.passed(), "{:#?}", checked.verdict);
    assert!(checked.verdict.find("exchange.issued").is_some_and(|f| !f.ok), "{:#?}", checked.verdict);
    let page = services.exercise_page(&me, OIDC).await.expect("page");
    let shown = page.step("token-response").and_then(|s| s.last.as_ref()).and_then(|l| l.jwt.as_ref());
    assert_eq!(shown.map(|jwt| jwt.claims["sub"].clone()), Some("u1".into()), "the ID token's claims");
    let stored =
        serde_json::to_string(&services.progress.load(&me, "oidc").await.expect("load")).expect("json");
    assert!(!stored.contains(&id_token) && !stored.contains(code), "no token or code stored");
    let locked = services.check(&me, OIDC, 4, "{}").await;
    assert!(matches!(locked, Err(ServiceError::Locked(m)) if m == "Complete step 4 first."));

    // Web Applications and Refresh Tokens are untouched.
    assert_eq!(statuses(&services.exercise_state(&me, R).await.expect("refresh")), after(0));
    assert_eq!(services.exercise_state(&me, WEB).await.expect("web").steps[0].status, StepStatus::Current);
}

// --- Single-Page Apps ------------------------------------------------------------------

const SPA: Exercise = Exercise::Spa;
const SPA_STATE: &str = "Vb4nQ8wLz2XkR6tPc1Hs";

/// An authorization URL of Single-Page Apps from the built-in server's page, for
/// `client_id`, with `extra` query pairs added.
fn spa_url(services: &Services, client_id: &str, challenge: &str, extra: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse("http://127.0.0.1:3000/oauth2/authorize").expect("authorization endpoint");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", &services.spa_redirect_uri())
        .append_pair("scope", "openid profile")
        .append_pair("state", SPA_STATE)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    for (name, value) in extra {
        url.query_pairs_mut().append_pair(name, value);
    }
    url.to_string()
}

/// Steps 1 and 2 of Single-Page Apps passed; the generated verifier and its challenge.
async fn spa_pkce(services: &Services, learner: &LearnerId) -> (String, String) {
    let (verifier, checked) = services.generate_verifier(learner, SPA).await.expect("step 1");
    assert!(checked.verdict.passed(), "{:#?}", checked.verdict);
    let checked = services.calculate_hash(learner, SPA).await.expect("step 2");
    assert!(checked.verdict.passed(), "{:#?}", checked.verdict);
    let challenge = pkce::challenge_s256(&verifier);
    (verifier, challenge)
}

#[tokio::test]
async fn spa_step_3_wants_the_public_client_without_a_secret_and_its_redirect_uri() {
    let services = services();
    let me = learner("ada");
    let app = services.apps.get_or_create(&me).await.expect("practice app");
    assert_ne!(app.public_client_id, app.client_id);
    assert_eq!(services.spa_redirect_uri(), "http://127.0.0.1:3000/spa/callback");
    let locked = services.check(&me, SPA, 2, &spa_url(&services, &app.public_client_id, "x", &[])).await;
    assert!(matches!(locked, Err(ServiceError::Locked(m)) if m == "Complete step 1 first."));
    let (_, challenge) = spa_pkce(&services, &me).await;

    // The confidential web client's id is refused, and named.
    let url = spa_url(&services, &app.client_id, &challenge, &[]);
    let checked = services.check(&me, SPA, 2, &url).await.expect("step 3");
    let finding = checked.verdict.find("url.client_id").expect("url.client_id");
    assert!(!finding.ok && finding.message.contains(&app.public_client_id), "{finding:?}");

    // A client secret in the URL is named: a browser app has none to send.
    let url = spa_url(&services, &app.public_client_id, &challenge, &[("client_secret", "s3cr3t-value")]);
    let checked = services.check(&me, SPA, 2, &url).await.expect("step 3");
    assert!(checked.verdict.find("url.secrets").is_some_and(|f| !f.ok), "{:#?}", checked.verdict);
    let stored =
        serde_json::to_string(&services.progress.load(&me, "spa").await.expect("load")).expect("json");
    assert!(!stored.contains("s3cr3t-value"), "{stored}");
    assert_eq!(services.exercise_state(&me, SPA).await.expect("spa").steps[2].status, StepStatus::Current);

    // The web client's redirect URI is not the public client's.
    let url = spa_url(&services, &app.public_client_id, &challenge, &[])
        .replace("%2Fspa%2Fcallback", "%2Fredirect");
    let checked = services.check(&me, SPA, 2, &url).await.expect("step 3");
    assert!(!checked.verdict.passed(), "{:#?}", checked.verdict);

    let url = spa_url(&services, &app.public_client_id, &challenge, &[]);
    let checked = services.check(&me, SPA, 2, &url).await.expect("step 3");
    assert!(checked.verdict.passed(), "{:#?}", checked.verdict);
    assert_eq!(checked.exercise.slug, "spa");
    assert_eq!(services.exercise_state(&me, SPA).await.expect("spa").steps[3].status, StepStatus::Current);
    // The other exercises with the same steps are untouched.
    assert_eq!(statuses(&services.exercise_state(&me, R).await.expect("refresh")), after(0));
    assert_eq!(services.exercise_state(&me, WEB).await.expect("web").steps[0].status, StepStatus::Current);
}

#[tokio::test]
async fn spa_page_and_callback_show_the_public_clients_exchange_without_a_secret() {
    let services = services();
    let me = learner("ada");
    let app = services.apps.get_or_create(&me).await.expect("practice app");
    let page = services.exercise_page(&me, SPA).await.expect("page");
    assert_eq!(page.client_id, app.public_client_id);
    assert_eq!(page.redirect_uri, "http://127.0.0.1:3000/spa/callback");
    assert!(page.token_command.is_none(), "no command before step 3");

    let (verifier, challenge) = spa_pkce(&services, &me).await;
    let url = spa_url(&services, &app.public_client_id, &challenge, &[]);
    assert!(services.check(&me, SPA, 2, &url).await.expect("step 3").verdict.passed());

    let page = services.exercise_page(&me, SPA).await.expect("page");
    assert_eq!(page.login_url.as_deref(), Some(url.as_str()));
    assert_eq!(
        (page.client_id.as_str(), page.redirect_uri.as_str()),
        (app.public_client_id.as_str(), "http://127.0.0.1:3000/spa/callback")
    );
    let command = page.token_command.expect("the token command after step 3");
    let full = command.full.expose();
    for want in [
        &*format!("curl -X POST {TOKEN_ENDPOINT}"),
        "-d grant_type=authorization_code",
        "-d redirect_uri=http://127.0.0.1:3000/spa/callback",
        &*format!("-d client_id={}", app.public_client_id),
        &*format!("-d code_verifier={verifier}"),
        &*format!("-d code={CODE_PLACEHOLDER}"),
    ] {
        assert!(full.contains(want), "{want} in {full}");
    }
    assert!(!full.contains("client_secret") && !full.contains("secret-of-"), "{full}");
    assert_eq!(command.masked, full, "nothing to mask");

    // The browser app's callback page: the public client's fields, the code filled in.
    let code = "spa-c0de-from-the-practice-server";
    let view = services.spa_callback_view(&me, code, Some(SPA_STATE)).await.expect("callback");
    let fields: Vec<(&str, &str)> = view.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        fields,
        [
            ("grant_type", "authorization_code"),
            ("redirect_uri", "http://127.0.0.1:3000/spa/callback"),
            ("client_id", app.public_client_id.as_str()),
            ("code_verifier", verifier.as_str()),
            ("code", code),
        ]
    );
    assert_eq!(view.token_endpoint, TOKEN_ENDPOINT);
    assert!(view.state_matches && view.has_verifier);
    assert!(!view.token_command.full.expose().contains("client_secret"));
    assert!(view.token_command.full.expose().contains(&format!("-d code={code}")));
    let other = services.spa_callback_view(&me, code, Some("another-state")).await.expect("callback");
    assert!(!other.state_matches, "another state is told apart");
    let none = services.spa_callback_view(&me, code, None).await.expect("callback");
    assert!(!none.state_matches, "no state is not step 3's");
    // The code of a login step 3 did not start never replaces this one's.
    services.spa_callback_view(&me, "forged-code", Some("another-state")).await.expect("callback");
    let page = services.exercise_page(&me, SPA).await.expect("page");
    assert!(!page.token_command.expect("command").full.expose().contains("forged-code"));

    // The code reaches the exercise page's command, and is not stored.
    let page = services.exercise_page(&me, SPA).await.expect("page");
    let full = page.token_command.expect("command").full.expose().to_owned();
    assert!(full.contains(&format!("-d code={code}")) && full.contains(&verifier), "{full}");
    let stored =
        serde_json::to_string(&services.progress.load(&me, "spa").await.expect("load")).expect("json");
    assert!(!stored.contains(code), "the code is not stored");

    // An over-long code or state is refused, and the last good code stays.
    let long = "c".repeat(MAX_CODE_CHARS + 1);
    let err = services.spa_callback_view(&me, &long, Some(SPA_STATE)).await.expect_err("too long");
    assert!(matches!(&err, ServiceError::Invalid(m) if m.contains("authorization code")), "{err:?}");
    let err = services.spa_callback_view(&me, code, Some(&long)).await.expect_err("too long");
    assert!(matches!(&err, ServiceError::Invalid(m) if m.contains("state")), "{err:?}");
    let page = services.exercise_page(&me, SPA).await.expect("page");
    assert!(page.token_command.expect("command").full.expose().contains(&format!("-d code={code}")));
    // Another learner's callback knows no verifier of theirs.
    let bob = services.spa_callback_view(&learner("bob"), code, Some(SPA_STATE)).await.expect("callback");
    assert!(!bob.has_verifier && !bob.state_matches);
}

#[tokio::test]
async fn switching_servers_starts_single_page_apps_over_from_step_3_and_says_so() {
    let services = services_with(keycloak());
    let me = learner("a");
    let app = services.apps.get_or_create(&me).await.expect("practice app");
    let (_, challenge) = spa_pkce(&services, &me).await;
    let url = spa_url(&services, &app.public_client_id, &challenge, &[]);
    assert!(services.check(&me, SPA, 2, &url).await.expect("step 3").verdict.passed());

    let server = services.set_own_server(&me, KEYCLOAK, "lab-app", "").await.expect("set up");
    let verdict = &server.last_attempt.as_ref().expect("attempt").verdict;
    let note = verdict.find("provider.progress").expect("the note on progress");
    assert!(note.message.starts_with("Single-Page Apps: "), "{}", note.message);
    let passed = |state: ExerciseState| state.steps.iter().filter(|s| s.status == StepStatus::Passed).count();
    assert_eq!(
        passed(services.exercise_state(&me, SPA).await.expect("spa")),
        2,
        "verifier and challenge kept"
    );
    let page = services.exercise_page(&me, SPA).await.expect("page");
    assert!(page.login_url.is_none() && page.token_command.is_none(), "step 3's URL is forgotten");
}

// --- Machine-to-Machine ----------------------------------------------------------------

const M2M: Exercise = Exercise::ClientCredentials;

/// The practice server's issuance records, by the access token's digest: what the
/// server's token endpoint writes, for tests that paste a token it issued.
#[derive(Default)]
struct IssuedRecords(std::sync::Mutex<std::collections::HashMap<String, refresh::Issued>>);

impl IssuedRecords {
    fn issue(&self, access_token: &str, issued: refresh::Issued) {
        self.0.lock().expect("records").insert(refresh::token_sha256(access_token), issued);
    }
}

#[async_trait::async_trait]
impl IssuedTokens for IssuedRecords {
    async fn issued(&self, access_token_sha256: &str) -> Result<Option<refresh::Issued>, StoreError> {
        Ok(self.0.lock().expect("records").get(access_token_sha256).cloned())
    }
}

/// A client credentials grant of `client_id` for the practice API and `scope`.
fn client_credentials_issued(client_id: &str, scope: &str) -> refresh::Issued {
    refresh::Issued {
        client_id: client_id.to_owned(),
        grant: refresh::IssuedGrant::ClientCredentials,
        code_challenge: String::new(),
        requested_scope: scope.to_owned(),
        refresh_tokens_enabled: false,
        revoked: false,
        refresh_token_sha256: None,
        refresh_ancestors: Vec::new(),
        client_auth: Some("client_secret_post".to_owned()),
        code_sha256: None,
        redirect_uri: None,
        nonce_sha256: None,
        granted_scope: Some(scope.to_owned()),
        pkce_method: None,
        issued_at: Some(now_unix()),
        code_redeemed_twice: false,
        resource: Some(format!("{PUBLIC_URL}/practice-api")),
        audience: Some(format!("{PUBLIC_URL}/practice-api")),
    }
}

fn token_response(access_token: &str) -> String {
    serde_json::json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": "reports:read",
    })
    .to_string()
}

fn api_response(sub: &str, receipt: &str) -> String {
    serde_json::json!({"sub": sub, "scope": "reports:read", "receipt": receipt, "reports": []}).to_string()
}

/// The practice API hands out `receipt` for a call with `access_token` sent `via`.
async fn hand_out(services: &Services, receipt: &str, access_token: &str, via: TokenVia) {
    let record = Receipt { token_sha256: refresh::token_sha256(access_token), via, used: false };
    let now = now_unix();
    services
        .receipts
        .insert_receipt(&refresh::token_sha256(receipt), &record, now, now + 600)
        .await
        .expect("insert");
}

#[tokio::test]
async fn machine_to_machine_page_has_the_service_clients_grant_and_the_api_call() {
    let services = services();
    let me = learner("ada");
    let app = services.apps.get_or_create(&me).await.expect("practice app");
    assert_eq!(services.practice_api(), "http://127.0.0.1:3000/practice-api");
    let page = services.exercise_page(&me, M2M).await.expect("page");
    assert_eq!(page.client_id, app.service_client_id);
    assert!(page.login_url.is_none() && page.generated_verifier.is_none());
    let command = page.token_command.expect("the token command from the start");
    let secret = format!("secret-of-{}", app.service_client_id);
    for text in [command.masked.as_str(), command.full.expose()] {
        for want in [
            &*format!("curl -X POST {TOKEN_ENDPOINT}"),
            "-d grant_type=client_credentials",
            &*format!("-d client_id={}", app.service_client_id),
            "-d resource=http://127.0.0.1:3000/practice-api",
            "-d scope=reports:read",
        ] {
            assert!(text.contains(want), "{want} in {text}");
        }
        assert!(!text.contains("code_verifier") && !text.contains("redirect_uri"), "{text}");
    }
    assert!(
        command.full.expose().contains(&format!("-d client_secret={secret}")),
        "{}",
        command.full.expose()
    );
    assert!(command.masked.contains(&format!("-d client_secret={MASK}")), "{}", command.masked);
    assert!(!command.masked.contains(&secret));
    let api = page.api_command.expect("the API command");
    assert_eq!(
        api.full.expose(),
        "curl http://127.0.0.1:3000/practice-api/reports \\\n  -H 'Authorization: Bearer ACCESS_TOKEN'"
    );
    assert_eq!(api.masked, api.full.expose());
}

#[tokio::test]
async fn machine_to_machine_refuses_a_token_the_practice_server_never_issued() {
    // The tests' usual services know of no issued token: step 1 cannot pass there.
    let services = services();
    let me = learner("ada");
    let locked = services.check(&me, M2M, 1, &api_response("service-0", "rcpt-1")).await;
    assert!(matches!(locked, Err(ServiceError::Locked(m)) if m == "Complete step 1 first."));
    let checked = services.check(&me, M2M, 0, &token_response("made-up-token-1234")).await.expect("step 1");
    assert!(checked.verdict.find("grant.issued").is_some_and(|f| !f.ok), "{:#?}", checked.verdict);
    assert!(!checked.verdict.passed());
    let locked = services.check(&me, M2M, 1, &api_response("service-0", "rcpt-1")).await;
    assert!(matches!(locked, Err(ServiceError::Locked(_))), "step 2 stays locked");
}

#[tokio::test]
async fn machine_to_machine_runs_on_the_engine_and_a_receipt_passes_once() {
    let records = Arc::new(IssuedRecords::default());
    let store = Arc::new(MemoryStore::default());
    let services = Services { issued: records.clone(), ..services_on(store, Arc::new(Documents::default())) };
    let me = learner("ada");
    let app = services.apps.get_or_create(&me).await.expect("practice app");
    let service = app.service_client_id.clone();
    let token = "opaque-service-token-5678";
    records.issue(token, client_credentials_issued(&service, "reports:read"));
    // A token of the web client is not the service client's.
    records.issue("web-client-token-5678", client_credentials_issued(&app.client_id, "reports:read"));
    let checked =
        services.check(&me, M2M, 0, &token_response("web-client-token-5678")).await.expect("step 1");
    assert!(checked.verdict.find("grant.client").is_some_and(|f| !f.ok), "{:#?}", checked.verdict);

    let checked = services.check(&me, M2M, 0, &token_response(token)).await.expect("step 1");
    assert!(checked.verdict.passed(), "{:#?}", checked.verdict);
    let stored =
        serde_json::to_string(&services.progress.load(&me, "client-credentials").await.expect("load"))
            .expect("json");
    assert!(!stored.contains(token) && stored.contains(&refresh::token_sha256(token)), "{stored}");

    // A receipt the practice API never handed out.
    let checked = services.check(&me, M2M, 1, &api_response(&service, "rcpt-never")).await.expect("step 2");
    assert!(checked.verdict.find("api.issued").is_some_and(|f| !f.ok), "{:#?}", checked.verdict);
    // A call made with another token, or with the token in the query.
    hand_out(&services, "rcpt-other-token", "another-token", TokenVia::Header).await;
    let checked =
        services.check(&me, M2M, 1, &api_response(&service, "rcpt-other-token")).await.expect("step 2");
    assert!(checked.verdict.find("api.token").is_some_and(|f| !f.ok), "{:#?}", checked.verdict);
    hand_out(&services, "rcpt-query", token, TokenVia::Query).await;
    let checked = services.check(&me, M2M, 1, &api_response(&service, "rcpt-query")).await.expect("step 2");
    assert!(checked.verdict.find("api.bearer").is_some_and(|f| !f.ok), "{:#?}", checked.verdict);
    let unused = |receipt: &'static str| {
        let services = &services;
        async move {
            let found = services.receipts.receipt(&refresh::token_sha256(receipt), now_unix()).await;
            found.expect("receipt").map(|r| !r.used)
        }
    };
    assert_eq!(unused("rcpt-query").await, Some(true), "a failed check uses no receipt");

    hand_out(&services, "rcpt-good", token, TokenVia::Header).await;
    let checked = services.check(&me, M2M, 1, &api_response(&service, "rcpt-good")).await.expect("step 2");
    assert!(checked.verdict.passed(), "{:#?}", checked.verdict);
    assert!(checked.exercise.completed);
    assert_eq!(unused("rcpt-good").await, Some(false), "marked used");
    let checked = services.check(&me, M2M, 1, &api_response(&service, "rcpt-good")).await.expect("step 2");
    assert!(checked.verdict.find("api.used").is_some_and(|f| !f.ok), "{:#?}", checked.verdict);
    assert!(
        services.exercise_state(&me, M2M).await.expect("state").completed,
        "a failed retry loses nothing"
    );
    let stored =
        serde_json::to_string(&services.progress.load(&me, "client-credentials").await.expect("load"))
            .expect("json");
    assert!(!stored.contains("rcpt-good") && !stored.contains(token), "{stored}");
}

/// Page views that count the calls about decoded tokens, and keep everything in a [`Flash`].
#[derive(Default)]
struct CountingTokens {
    inner: Flash,
    token_calls: std::sync::atomic::AtomicUsize,
}

impl CountingTokens {
    fn counted(&self) -> usize {
        self.token_calls.load(std::sync::atomic::Ordering::SeqCst)
    }
    fn count(&self) {
        self.token_calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl flash::PageViews for CountingTokens {
    async fn put_verifier(&self, l: &LearnerId, e: &'static str, v: String) -> Result<(), StoreError> {
        self.inner.put_verifier(l, e, v).await
    }
    async fn peek_verifier(&self, l: &LearnerId, e: &'static str) -> Result<Option<String>, StoreError> {
        self.inner.peek_verifier(l, e).await
    }
    async fn take_verifier(&self, l: &LearnerId, e: &'static str) -> Result<Option<String>, StoreError> {
        self.inner.take_verifier(l, e).await
    }
    async fn put_code(&self, l: &LearnerId, e: &'static str, c: Option<String>) -> Result<(), StoreError> {
        self.inner.put_code(l, e, c).await
    }
    async fn peek_code(&self, l: &LearnerId, e: &'static str) -> Result<Option<String>, StoreError> {
        self.inner.peek_code(l, e).await
    }
    async fn put_token(
        &self,
        l: &LearnerId,
        step: flash::StepKey,
        jwt: Option<refresh::DecodedJwt>,
    ) -> Result<(), StoreError> {
        self.count();
        self.inner.put_token(l, step, jwt).await
    }
    async fn peek_tokens(
        &self,
        l: &LearnerId,
        e: &'static str,
    ) -> Result<std::collections::BTreeMap<usize, refresh::DecodedJwt>, StoreError> {
        self.inner.peek_tokens(l, e).await
    }
    async fn forget_tokens(&self, l: &LearnerId, e: &'static str, from: usize) -> Result<(), StoreError> {
        self.count();
        self.inner.forget_tokens(l, e, from).await
    }
    async fn put_typed(&self, l: &LearnerId, step: flash::StepKey, t: String) -> Result<(), StoreError> {
        self.inner.put_typed(l, step, t).await
    }
    async fn take_typed(&self, l: &LearnerId, e: &'static str) -> Result<Option<(usize, String)>, StoreError> {
        self.inner.take_typed(l, e).await
    }
}

/// Each page-view call is a round trip to the database: checks before any decoded token
/// is kept make none about tokens; once one is kept, progress made earlier forgets it.
#[tokio::test]
async fn checks_ask_the_page_views_about_tokens_only_once_one_is_kept() {
    let views = Arc::new(CountingTokens::default());
    let services = Services { flash: views.clone(), ..services() };
    let me = learner("a");
    pass_steps(&services, &me, 3).await;
    let failed = services.check_step(&me, Step::Verifier, "abc+def").await.expect("a failing step 1");
    assert!(!failed.verdict.passed());
    pass_steps(&services, &me, 3).await;
    assert_eq!(views.counted(), 0, "no token kept, none to forget");

    let token = unsigned_jwt(&serde_json::json!({"sub": "ada", "exp": 4_000_000_000_i64}));
    let response = serde_json::json!({"access_token": token, "token_type": "Bearer"}).to_string();
    services.check_step(&me, Step::TokenResponse, &response).await.expect("step 4");
    assert!(!views.inner.peek_tokens(&me, R.slug()).await.expect("peek").is_empty(), "the decoded token kept");
    // Progress made at step 1 again: the kept token belongs to a login left behind.
    pass_steps(&services, &me, 1).await;
    assert!(views.inner.peek_tokens(&me, R.slug()).await.expect("peek").is_empty(), "forgotten");
}
