use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use oauthlab::exercises::refresh::{Step, StepStatus};

use crate::api::exercise::{
    get_exercise, CalculateHash, CheckStep, GenerateVerifier, ResetExercise, SetExerciseRefreshTokens,
};
use crate::api::{error_message, form_post_error};
use crate::components::{CodeBlock, CommandBlock, Fill, OtherActions, PasteForm, StepCard};
use crate::model::ExerciseData;

/// The Refresh Tokens exercise.
#[component]
pub fn RefreshExercisePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_exercise());
    view! {
        <Title text="Refresh Tokens"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading the exercise…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => Either::Left(view! { <Exercise initial=data/> }),
                    Err(err) => Either::Right(view! {
                        <p class="error-box" role="alert">{format!("The exercise could not load: {}", error_message(&err))}</p>
                    }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Exercise(initial: ExerciseData) -> impl IntoView {
    // What was typed in a plain form post whose check failed comes back in its box.
    let typed = |step: Step| {
        initial.steps.get(step.index()).and_then(|s| s.typed.as_ref()).map(|t| t.expose().to_owned())
    };
    let typed_boxes = StoredValue::new(Step::ALL.into_iter().map(typed).collect::<Vec<_>>());
    let generated = typed(Step::Verifier)
        .or_else(|| initial.generated_verifier.as_ref().map(|v| v.expose().to_owned()))
        .unwrap_or_default();
    let data = RwSignal::new(initial);
    let verifier_box = Signal::stored(generated);

    // Each is a plain form post (answered in place by `enhance` when JavaScript runs); the
    // page renders once per answer, and one that failed comes back with its error.
    let check = ServerAction::<CheckStep>::new();
    let generate = ServerAction::<GenerateVerifier>::new();
    let hash = ServerAction::<CalculateHash>::new();
    let reset = ServerAction::<ResetExercise>::new();
    let toggle = ServerAction::<SetExerciseRefreshTokens>::new();
    let error = form_post_error(check)
        .or_else(|| form_post_error(generate))
        .or_else(|| form_post_error(hash))
        .or_else(|| form_post_error(reset))
        .or_else(|| form_post_error(toggle));

    let status = move |step: Step| {
        Signal::derive(move || {
            data.with(|d| d.steps.get(step.index()).map(|s| s.status).unwrap_or(StepStatus::Locked))
        })
    };
    let findings = move |step: Step| {
        Signal::derive(move || {
            data.with(|d| {
                d.steps.get(step.index()).and_then(|s| s.last.as_ref()).map(|l| l.verdict.findings.clone())
            })
        })
    };
    let locked = move |step: Step| move || status(step).get() == StepStatus::Locked;
    // A box holds what was typed before a plain form post whose check failed.
    let box_text = move |step: Step| {
        Signal::stored(typed_boxes.with_value(|b| b.get(step.index()).cloned().flatten().unwrap_or_default()))
    };
    let refresh_tokens_on = move || data.with(|d| d.refresh_tokens_enabled);

    view! {
        <article class="exercise">
            <header class="exercise-header">
                <p class="eyebrow">"Exercise"</p>
                <h1>"Refresh Tokens"</h1>
                <p class="lede">
                    "In this exercise you'll learn how to obtain a refresh token and use it to get new "
                    "access tokens: start an authorization code flow with PKCE that asks for "
                    <code>"offline_access"</code>", exchange the code, then use the refresh token."
                </p>
                <ol class="progress" aria-label="Progress">
                    {Step::ALL
                        .into_iter()
                        .map(|step| {
                            let s = status(step);
                            view! {
                                <li class=move || format!("progress-item progress-item--{}", crate::components::status_label(s.get()))>
                                    <a href=format!("#step-{}", step.slug())>{step.title()}</a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
            </header>

            {error.map(|e| view! { <p class="error-box" role="alert">{e}</p> })}
            {move || data.with(|d| d.exercise.completed).then(|| view! {
                <p class="done-box" role="status" data-testid="completed">"You've completed the exercise!"</p>
            })}

            <section class="panel setup" id="setup">
                {move || if data.with(|d| d.server.builtin) {
                    Either::Left(view! {
                        <h2>"Before you start: allow refresh tokens"</h2>
                        <p>
                            "An authorization server gives a refresh token only to an application that is allowed "
                            "one. Your practice application starts with refresh tokens off, as a new application "
                            "does in Okta (the "<strong>"Refresh Token"</strong>" grant type) and in Auth0 (the "
                            <strong>"Allow Offline Access"</strong>" toggle). Turn them on before you log in in step 3."
                        </p>
                        <ActionForm action=toggle attr:class="toggle-form">
                            <input type="hidden" name="enabled" value=move || (!refresh_tokens_on()).to_string()/>
                            <p class="setup-state" class:setup-state--on=refresh_tokens_on
                                data-testid="refresh-toggle-state" role="status">
                                {move || if refresh_tokens_on() {
                                    "✓ Refresh tokens are on for your practice application."
                                } else {
                                    "Refresh tokens are off for your practice application."
                                }}
                            </p>
                            <button type="submit" data-testid="refresh-toggle"
                                class=move || if refresh_tokens_on() { "button button--secondary" } else { "button" }>
                                {move || if refresh_tokens_on() { "Turn refresh tokens off" } else { "Turn refresh tokens on" }}
                            </button>
                        </ActionForm>
                        <p class="hint" data-testid="server-choice">
                            "You are using OAuth Lab's built-in practice server; its "
                            <a href="/practice/app">"practice application page"</a>" has the same switch. "
                            <a href="/exercises/refresh/provider">"Use your own Okta, Auth0 or Keycloak instead"</a>
                        </p>
                    })
                } else {
                    Either::Right(view! {
                        <h2>"Before you start: allow refresh tokens on your server"</h2>
                        <p data-testid="server-choice">
                            "You are using your own authorization server, "
                            <code data-testid="server-issuer">{move || data.with(|d| d.server.issuer.clone())}</code>
                            ". In its admin console, allow refresh tokens for your application (Okta: the "
                            <strong>"Refresh Token"</strong>" grant type; Auth0: "<strong>"Allow Offline Access"</strong>
                            "; Keycloak: the "<code>"offline_access"</code>" scope). "
                            <a href="/exercises/refresh/provider">"Change server"</a>
                        </p>
                    })
                }}
            </section>

            <StepCard step=Step::Verifier status=status(Step::Verifier)>
                <p>
                    "Generate a "<strong>"code verifier"</strong>": a cryptographically random string of 43 to 128 "
                    "characters from "<code>"A-Z a-z 0-9 - . _ ~"</code>" (RFC 7636 §4.1). Paste your own or let us make one."
                </p>
                <PasteForm action=check step=Step::Verifier.slug() label="Code Verifier" rows=2
                    placeholder="plaintext random string" button="Check Your Verifier"
                    locked=locked(Step::Verifier) text=verifier_box findings=findings(Step::Verifier)>
                    <OtherActions slot>
                        <ActionForm action=generate>
                            <button type="submit" class="button" data-testid="generate">"Generate Random String"</button>
                        </ActionForm>
                    </OtherActions>
                    <p class="hint">
                        "Save the code verifier and keep it secret: you won't need it until the token request. "
                        "Your verifier is kept in this server's memory for 30 minutes so this page can show it and "
                        "fill it into the token command in step 4; it is never written to disk."
                    </p>
                </PasteForm>
            </StepCard>

            <StepCard step=Step::Challenge status=status(Step::Challenge)>
                <p>
                    "Next, create the "<strong>"code challenge"</strong>": the Base64-URL-encoded SHA-256 hash of "
                    "your verifier, without "<code>"="</code>" padding. Write code to compute it and paste the "
                    "result, or click "<strong>"Calculate Hash"</strong>"."
                </p>
                <PasteForm action=check step=Step::Challenge.slug() label="Code Challenge" rows=2
                    placeholder="base64url-encoded SHA256 hash of the code verifier" button="Check Your Challenge"
                    locked=locked(Step::Challenge) text=box_text(Step::Challenge) findings=findings(Step::Challenge)>
                    <OtherActions slot>
                        <ActionForm action=hash>
                            <button type="submit" class="button" data-testid="calculate">"Calculate Hash"</button>
                        </ActionForm>
                    </OtherActions>
                    {move || {
                        let passed = status(Step::Challenge).get() == StepStatus::Passed;
                        data.with(|d| d.challenge.clone()).filter(|_| passed).map(|c| view! {
                            <p class="value-line">"Your code challenge: "<code data-testid="challenge-value">{c}</code></p>
                        })
                    }}
                </PasteForm>
            </StepCard>

            <StepCard step=Step::AuthorizationUrl status=status(Step::AuthorizationUrl)>
                <p>
                    "Build the authorization URL, and this time add the scope "<code>"offline_access"</code>
                    ". Replace every placeholder with your own values."
                </p>
                <CodeBlock text=Signal::derive(move || data.with(|d| url_template(&d.authorization_endpoint)))
                    what="the URL template"/>
                <dl class="values">
                    <dt>"client_id"</dt><dd><code data-testid="client-id">{move || data.with(|d| d.client_id.clone())}</code></dd>
                    <dt>"redirect_uri"</dt><dd><code>{move || data.with(|d| d.redirect_uri.clone())}</code></dd>
                    <dt>"code_challenge"</dt>
                    <dd><code>{move || data.with(|d| d.challenge.clone()).unwrap_or_else(|| "(after step 1)".into())}</code></dd>
                </dl>
                <PasteForm action=check step=Step::AuthorizationUrl.slug() label="Authorization Request" rows=4
                    placeholder="https://…/oauth2/authorize?response_type=code&…" button="Check Your URL"
                    locked=locked(Step::AuthorizationUrl) text=box_text(Step::AuthorizationUrl)
                    findings=findings(Step::AuthorizationUrl)/>
                {move || data.with(|d| d.login_url.clone()).map(|url| view! {
                    <div class="next">
                        <p>
                            "Your URL is right. Log in: the server sends you back to the redirect URI with an "
                            "authorization code, and that page shows the token command with the code filled in."
                        </p>
                        <a class="button button--primary" href=url rel="external" data-testid="login-link">"Log In"</a>
                    </div>
                })}
            </StepCard>

            <StepCard step=Step::TokenResponse status=status(Step::TokenResponse)>
                <p>
                    "Exchange the authorization code for tokens at the token endpoint, then paste the "
                    <strong>"entire"</strong>" token response JSON here (not just the access token)."
                </p>
                {move || data.with(|d| d.token_command.clone()).map(|c| view! {
                    <p class="hint">
                        "The command holds your client secret and code verifier: "<strong>"Copy"</strong>
                        " copies it whole. Replace YOUR_AUTHORIZATION_CODE with the code from the redirect page "
                        "(the page after you log in shows this command with the code in it). "
                        {move || data.with(|d| format!("A code works once, for {}.", d.code_lifetime))}
                    </p>
                    <CommandBlock command=c name="token"/>
                })}
                <PasteForm action=check step=Step::TokenResponse.slug() label="Token Response" rows=6
                    placeholder=RESPONSE_PLACEHOLDER button="Check Your Response"
                    locked=locked(Step::TokenResponse) text=box_text(Step::TokenResponse)
                    findings=findings(Step::TokenResponse)/>
                <Jwt data=data step=Step::TokenResponse/>
            </StepCard>

            <StepCard step=Step::RefreshResponse status=status(Step::RefreshResponse)>
                <p>
                    "Use the refresh token: POST to the token endpoint with "<code>"grant_type=refresh_token"</code>
                    ", then paste the entire new response here."
                </p>
                {move || data.with(|d| d.refresh_command.clone()).map(|c| view! {
                    <p class="hint">
                        "Replace YOUR_REFRESH_TOKEN with the refresh_token from your step 4 response. With "
                        "JavaScript on, "<strong>"Copy"</strong>" fills it in from the response you pasted in "
                        "step 4, in your browser only: this site keeps no copy of your tokens."
                    </p>
                    <CommandBlock command=c name="refresh" fill=Fill::RefreshTokenFromStep4/>
                })}
                <PasteForm action=check step=Step::RefreshResponse.slug() label="Refresh Token Response" rows=6
                    placeholder=RESPONSE_PLACEHOLDER button="Check Your Response"
                    locked=locked(Step::RefreshResponse) text=box_text(Step::RefreshResponse)
                    findings=findings(Step::RefreshResponse)/>
                <Jwt data=data step=Step::RefreshResponse/>
            </StepCard>

            <details class="panel reset" data-testid="reset">
                <summary>"Reset"</summary>
                <p>"This clears your progress in this exercise, so you can start again from step 1."</p>
                <ActionForm action=reset>
                    <button type="submit" class="button button--danger" data-testid="confirm-reset">
                        "Yes, reset my progress"
                    </button>
                </ActionForm>
            </details>
        </article>
    }
}

/// What the boxes for a token response show until something is pasted.
const RESPONSE_PLACEHOLDER: &str = "{\n  \"token_type\": \"Bearer\",\n  ...\n}";

fn url_template(endpoint: &str) -> String {
    format!(
        "{endpoint}?\n  response_type=code&\n  client_id={{YOUR_CLIENT_ID}}&\n  state={{RANDOM_STRING}}&\n  \
         scope=offline_access&\n  redirect_uri={{YOUR_REDIRECT_URI}}&\n  \
         code_challenge={{YOUR_CODE_CHALLENGE}}&\n  code_challenge_method=S256"
    )
}

/// The decoded header and claims of a step's access token, when it is a JWT.
#[component]
fn Jwt(data: RwSignal<ExerciseData>, step: Step) -> impl IntoView {
    move || {
        data.with(|d| d.steps.get(step.index()).and_then(|s| s.last.clone()).and_then(|l| l.jwt))
            .map(|jwt| {
                let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
                view! {
                    <div class="jwt">
                        <h3>"Your access token is a JWT"</h3>
                        <p class="hint">"Decoded below. Anyone holding a JWT can read it; only its signature makes it trustworthy."</p>
                        <div class="jwt-parts">
                            <div><h4>"Header"</h4><CodeBlock text=pretty(&jwt.header) what="the header"/></div>
                            <div><h4>"Claims"</h4><CodeBlock text=pretty(&jwt.claims) what="the claims"/></div>
                        </div>
                    </div>
                }
            })
    }
}
