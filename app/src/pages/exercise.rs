//! What every exercise page is made of: loading its data, its header with the steps'
//! progress, the completed note, the steps that start with a code verifier and its
//! challenge, a decoded token, and *Reset*. Each exercise's page (`refresh.rs`,
//! `web_app.rs`, `oidc.rs`, `getting_started.rs`) puts its own steps between them.
//! Everything here renders the values it is given: the page is rendered once per answer.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use oauthlab::verdict::Finding;

use crate::api::exercise::{get_exercise, CalculateHash, CheckStep, GenerateVerifier, ResetExercise};
use crate::api::{error_message, form_post_error};
use crate::components::{status_label, CodeBlock, OtherActions, PasteForm, StepCard};
use crate::model::{ExerciseData, StepView};

/// An exercise page: its data loaded for this learner, then `body` with it.
#[component]
pub fn ExerciseLoader(
    slug: &'static str,
    title: &'static str,
    body: fn(ExerciseData) -> AnyView,
) -> impl IntoView {
    let data = Resource::new(|| (), move |_| get_exercise(Some(slug.to_owned())));
    view! {
        <Title text=title/>
        <Suspense fallback=|| view! { <p class="loading">"Loading the exercise…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => Either::Left(body(data)),
                    Err(err) => Either::Right(view! {
                        <p class="error-box" role="alert">{format!("The exercise could not load: {}", error_message(&err))}</p>
                    }),
                }
            })}
        </Suspense>
    }
}

/// The step called `id`, as the page shows it.
pub fn step(data: &ExerciseData, id: &str) -> StepView {
    data.step(id).cloned().unwrap_or_else(|| StepView {
        id: id.to_owned(),
        title: id.to_owned(),
        number: 0,
        status: oauthlab::exercises::StepStatus::Locked,
        last: None,
        typed: None,
    })
}

/// The findings of a step's last check.
pub fn findings(step: &StepView) -> Option<Vec<Finding>> {
    step.last.as_ref().map(|l| l.verdict.findings.clone())
}

/// What a box shows: what was typed in a plain form post whose check failed, else nothing.
pub fn typed(step: &StepView) -> String {
    step.typed.as_ref().map(|t| t.expose().to_owned()).unwrap_or_default()
}

/// The error of a plain form post (JavaScript off) that failed, from any of the page's
/// common actions.
pub fn common_error() -> Option<String> {
    form_post_error(ServerAction::<CheckStep>::new())
        .or_else(|| form_post_error(ServerAction::<GenerateVerifier>::new()))
        .or_else(|| form_post_error(ServerAction::<CalculateHash>::new()))
        .or_else(|| form_post_error(ServerAction::<ResetExercise>::new()))
}

/// The page's header: the exercise's name, what it teaches, and the steps' progress as
/// links to them; then the error of a failed plain form post and, once all steps passed,
/// the completed note.
#[component]
pub fn ExerciseHeader(
    data: ExerciseData,
    title: &'static str,
    error: Option<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <header class="exercise-header">
            <p class="eyebrow">"Exercise"</p>
            <h1>{title}</h1>
            <p class="lede">{children()}</p>
            <ol class="progress" aria-label="Progress">
                {data.steps.iter().map(|s| view! {
                    <li class=format!("progress-item progress-item--{}", status_label(s.status))>
                        <a href=format!("#step-{}", s.id)>{s.title.clone()}</a>
                    </li>
                }).collect_view()}
            </ol>
        </header>
        {error.map(|e| view! { <p class="error-box" role="alert">{e}</p> })}
        {data.exercise.completed.then(|| view! {
            <p class="done-box" role="status">
                <span data-testid="completed">"You've completed the exercise!"</span>" "
                <a href="/">"Back to the course"</a>
            </p>
        })}
    }
}

/// Steps 1 and 2 of an exercise that starts with PKCE: the code verifier (pasted or
/// generated) and its S256 challenge (pasted or calculated).
#[component]
pub fn PkceSteps(data: ExerciseData, exercise: &'static str, command_step: usize) -> impl IntoView {
    let check = ServerAction::<CheckStep>::new();
    let generate = ServerAction::<GenerateVerifier>::new();
    let hash = ServerAction::<CalculateHash>::new();
    let verifier = step(&data, "verifier");
    let challenge = step(&data, "challenge");
    // What was typed in a plain form post whose check failed comes back in its box; else
    // the verifier the page holds.
    let verifier_text = verifier
        .typed
        .as_ref()
        .or(data.generated_verifier.as_ref())
        .map(|v| v.expose().to_owned())
        .unwrap_or_default();
    let challenge_value =
        data.challenge.clone().filter(|_| challenge.status == oauthlab::exercises::StepStatus::Passed);
    view! {
        <StepCard step=verifier.clone()>
            <p>
                "Generate a "<strong>"code verifier"</strong>": a cryptographically random string of 43 to 128 "
                "characters from "<code>"A-Z a-z 0-9 - . _ ~"</code>" (RFC 7636 §4.1). Paste your own or let us make one."
            </p>
            <PasteForm action=check exercise=exercise step="verifier" label="Code Verifier" rows=2
                placeholder="plaintext random string" button="Check Your Verifier"
                locked=verifier.status == oauthlab::exercises::StepStatus::Locked text=verifier_text
                findings=findings(&verifier)>
                <OtherActions slot>
                    <ActionForm action=generate>
                        <input type="hidden" name="exercise" value=exercise/>
                        <button type="submit" class="button" data-testid="generate">"Generate Random String"</button>
                    </ActionForm>
                </OtherActions>
                <p class="hint">
                    "Save the code verifier and keep it secret: you won't need it until the token request. "
                    {format!(
                        "Your verifier is kept in this server's memory for 30 minutes so this page can show it and \
                         fill it into the token command in step {command_step}; it is never written to disk."
                    )}
                </p>
            </PasteForm>
        </StepCard>

        <StepCard step=challenge.clone()>
            <p>
                "Next, create the "<strong>"code challenge"</strong>": the Base64-URL-encoded SHA-256 hash of "
                "your verifier, without "<code>"="</code>" padding. Write code to compute it and paste the "
                "result, or click "<strong>"Calculate Hash"</strong>"."
            </p>
            <PasteForm action=check exercise=exercise step="challenge" label="Code Challenge" rows=2
                placeholder="base64url-encoded SHA256 hash of the code verifier" button="Check Your Challenge"
                locked=challenge.status == oauthlab::exercises::StepStatus::Locked text=typed(&challenge)
                findings=findings(&challenge)>
                <OtherActions slot>
                    <ActionForm action=hash>
                        <input type="hidden" name="exercise" value=exercise/>
                        <button type="submit" class="button" data-testid="calculate">"Calculate Hash"</button>
                    </ActionForm>
                </OtherActions>
                {challenge_value.map(|c| view! {
                    <p class="value-line">"Your code challenge: "<code data-testid="challenge-value">{c}</code></p>
                })}
            </PasteForm>
        </StepCard>
    }
}

/// Step 3 of an exercise that logs in with the code flow: what to do (`children`), the
/// URL template asking for `scope` (and a `nonce`, with `nonce`), the values to put in it,
/// the check, and once it passed, *Log In* with what comes after it (`after_login`).
#[component]
pub fn AuthorizationUrlStep(
    data: ExerciseData,
    exercise: &'static str,
    scope: &'static str,
    after_login: &'static str,
    /// OpenID Connect's login: the URL carries a `nonce` too.
    #[prop(optional)]
    nonce: bool,
    children: Children,
) -> impl IntoView {
    let check = ServerAction::<CheckStep>::new();
    let url_step = step(&data, "authorization-url");
    let locked = url_step.status == oauthlab::exercises::StepStatus::Locked;
    let template = url_template(&data.authorization_endpoint, scope, nonce);
    let login_url = data.login_url.clone();
    view! {
        <StepCard step=url_step.clone()>
            <p>{children()}" Replace every placeholder with your own values."</p>
            <CodeBlock text=template what="the URL template"/>
            <UrlValues data=data nonce=nonce/>
            <PasteForm action=check exercise=exercise step="authorization-url" label="Authorization Request" rows=4
                placeholder="https://…/oauth2/authorize?response_type=code&…" button="Check Your URL"
                locked=locked text=typed(&url_step) findings=findings(&url_step)/>
            {login_url.map(|url| view! {
                <div class="next">
                    <p>"Your URL is right. Log in: " {after_login}</p>
                    <a class="button button--primary" href=url rel="external" data-testid="login-link">"Log In"</a>
                </div>
            })}
        </StepCard>
    }
}

/// The values an authorization URL is built from, below its template.
#[component]
pub fn UrlValues(data: ExerciseData, #[prop(optional)] nonce: bool) -> impl IntoView {
    view! {
        <dl class="values">
            <dt>"client_id"</dt><dd><code data-testid="client-id">{data.client_id.clone()}</code></dd>
            <dt>"redirect_uri"</dt><dd><code>{data.redirect_uri.clone()}</code></dd>
            <dt>"code_challenge"</dt>
            <dd><code>{data.challenge.clone().unwrap_or_else(|| "(after step 1)".into())}</code></dd>
            {nonce.then(|| view! {
                <dt>"nonce"</dt>
                <dd>"another random string of your own for this login alone, not the state: the ID token must carry it back"</dd>
            })}
        </dl>
    }
}

/// The authorization URL template, with `scope` as given, and a `nonce` with `nonce`.
fn url_template(endpoint: &str, scope: &str, nonce: bool) -> String {
    let nonce = if nonce { "nonce={ANOTHER_RANDOM_STRING}&\n  " } else { "" };
    format!(
        "{endpoint}?\n  response_type=code&\n  client_id={{YOUR_CLIENT_ID}}&\n  state={{RANDOM_STRING}}&\n  \
         scope={scope}&\n  {nonce}redirect_uri={{YOUR_REDIRECT_URI}}&\n  \
         code_challenge={{YOUR_CODE_CHALLENGE}}&\n  code_challenge_method=S256"
    )
}

/// The decoded header and claims of a step's token (its access token, unless `what`
/// names another), when it is a JWT.
#[component]
pub fn Jwt(step: StepView, #[prop(default = "access token")] what: &'static str) -> impl IntoView {
    step.last.and_then(|l| l.jwt).map(|jwt| {
        let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
        view! {
            <div class="jwt">
                <h3>{format!("Your {what} is a JWT")}</h3>
                <p class="hint">"Decoded below. Anyone holding a JWT can read it; only its signature makes it trustworthy."</p>
                <div class="jwt-parts">
                    <div><h4>"Header"</h4><CodeBlock text=pretty(&jwt.header) what="the header"/></div>
                    <div><h4>"Claims"</h4><CodeBlock text=pretty(&jwt.claims) what="the claims"/></div>
                </div>
            </div>
        }
    })
}

/// *Reset*, behind a confirmation.
#[component]
pub fn ResetPanel(exercise: &'static str) -> impl IntoView {
    let reset = ServerAction::<ResetExercise>::new();
    view! {
        <details class="panel reset" data-testid="reset">
            <summary>"Reset"</summary>
            <p>"This clears your progress in this exercise, so you can start again from step 1."</p>
            <ActionForm action=reset>
                <input type="hidden" name="exercise" value=exercise/>
                <button type="submit" class="button button--danger" data-testid="confirm-reset">
                    "Yes, reset my progress"
                </button>
            </ActionForm>
        </details>
    }
}

/// What the boxes for a token response show until something is pasted.
pub const RESPONSE_PLACEHOLDER: &str = "{\n  \"token_type\": \"Bearer\",\n  ...\n}";

/// The panel under an exercise's header: which server the exercise runs against, as
/// which client (`builtin_as` on the built-in practice server, `own_as` on the learner's
/// own), with links to the practice application and to change server.
#[component]
pub fn ServerChoicePanel(
    data: ExerciseData,
    /// On the built-in server: "as its confidential web client".
    builtin_as: &'static str,
    /// On the learner's own server: "" or ", with a public (SPA) application".
    own_as: &'static str,
    /// What the practice application page has for this exercise.
    app_has: &'static str,
) -> impl IntoView {
    let said = if data.server.builtin {
        format!("You are using OAuth Lab's built-in practice server, {builtin_as}: ")
    } else {
        format!("You are using your own authorization server, {}{own_as}: ", data.server.issuer)
    };
    view! {
        <section class="panel setup" id="setup">
            <p class="hint" data-testid="server-choice">
                {said}
                <a href="/practice/app">"your practice application"</a>{format!(" {app_has} ")}
                <a href="/exercises/refresh/provider">"Change server"</a>
            </p>
        </section>
    }
}
