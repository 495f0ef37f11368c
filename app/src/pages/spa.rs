use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use oauthlab::exercises::spa::SLUG;
use oauthlab::exercises::StepStatus;

use super::exercise::{
    common_error, findings, step, typed, AuthorizationUrlStep, ExerciseHeader, ExerciseLoader, Jwt,
    PkceSteps, ResetPanel, ServerChoicePanel, RESPONSE_PLACEHOLDER,
};
use crate::api::error_message;
use crate::api::exercise::{get_spa_callback_view, CheckStep};
use crate::components::{BrowserExchange, CodeBlock, CommandBlock, PasteForm, StepCard};
use crate::model::{ExerciseData, SpaCallbackData};

const TITLE: &str = "Single-Page Apps";

/// The Single-Page Apps exercise: the authorization code flow with PKCE for a public
/// client, the way a browser app does it.
#[component]
pub fn SpaExercisePage() -> impl IntoView {
    view! { <ExerciseLoader slug=SLUG title=TITLE body=|data| view! { <Exercise data=data/> }.into_any()/> }
}

#[component]
fn Exercise(data: ExerciseData) -> impl IntoView {
    let check = ServerAction::<CheckStep>::new();
    let token_step = step(&data, "token-response");
    let lifetime = data.code_lifetime.clone();
    let token_command = data.token_command.clone();
    let locked = token_step.status == StepStatus::Locked;
    view! {
        <article class="exercise">
            <ExerciseHeader data=data.clone() title=TITLE error=common_error()>
                "A single-page app runs in the browser, where nothing stays secret: it is a "
                <strong>"public client"</strong>", with no client secret. PKCE is what protects its "
                "authorization code, and the browser itself makes the code exchange."
            </ExerciseHeader>

            <ServerChoicePanel data=data.clone() builtin_as="as your public client (no secret)" own_as=", with a public (SPA) application" app_has="lists its client id and allowed origins."/>

            <PkceSteps data=data.clone() exercise=SLUG command_step=4/>

            <AuthorizationUrlStep data=data.clone() exercise=SLUG scope="openid%20profile"
                after_login="the server sends your browser to the app's callback page, which exchanges the code.">
                "Build the authorization URL for the "<strong>"public client"</strong>": its own client id and "
                "redirect URI, PKCE, and a "<code>"state"</code>" as long and random as Web Applications' "
                "(never a client secret: a browser app has none to send)."
            </AuthorizationUrlStep>

            <StepCard step=token_step.clone()>
                <p>
                    "Exchange the code for tokens as a browser app does: the callback page offers to make the "
                    "request from your browser with "<code>"fetch()"</code>", or run the command below. No "
                    "client secret: the code verifier of step 1 is the proof. Paste the "<strong>"entire"</strong>
                    " token response JSON here."
                </p>
                {token_command.map(move |c| view! {
                    <p class="hint">
                        "The command holds your code verifier (and the code, once you logged in). "
                        {format!("A code works once, for {lifetime}.")}
                    </p>
                    <CommandBlock command=c name="token"/>
                })}
                <PasteForm action=check exercise=SLUG step="token-response" label="Token Response" rows=6
                    placeholder=RESPONSE_PLACEHOLDER button="Check Your Response"
                    locked=locked text=typed(&token_step) findings=findings(&token_step)/>
                <Jwt step=token_step.clone()/>
            </StepCard>

            <section class="panel" id="keeping-tokens">
                <h2>"Tokens in a browser"</h2>
                <p>
                    "A browser app's refresh token can be stolen by any script that runs in its page, so an "
                    "authorization server must either rotate it on every use (a used one then revokes the "
                    "whole family, RFC 9700 §4.14) or bind it to the client (DPoP). The practice server "
                    "rotates."
                </p>
                <p>
                    "Keep tokens in memory, not in "<code>"localStorage"</code>", and keep them short-lived. "
                    "Better still, let a backend of your own (a \"backend for frontend\") hold them and give "
                    "the browser only a session cookie."
                </p>
            </section>

            <ResetPanel exercise=SLUG/>
        </article>
    }
}

/// The browser app's callback page (`/spa/callback`): where the practice server sends the
/// public client's logins back with `code` and `state`. A browser app exchanges the code
/// right here: with JavaScript on, *Exchange the code in this browser* does it with
/// `fetch()`; the curl command does the same from a terminal.
#[component]
pub fn SpaCallbackPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |name: &str| query.with(|q| q.get(name)).filter(|v| !v.is_empty());
    view! {
        <Title text="Browser app callback"/>
        <article class="panel redirect">
            <p class="eyebrow">"your browser app: /spa/callback"</p>
            {move || match (get("code"), get("error")) {
                (_, Some(error)) => Either::Left(Either::Left(view! {
                    <h1>"The authorization server sent back an error"</h1>
                    <CodeBlock testid="redirect-error" what="the error"
                        text=format!("error={error}\nerror_description={}", get("error_description").unwrap_or_default())/>
                    <p>"Fix the authorization URL in "<a href="/exercises/spa#step-authorization-url">"step 3"</a>
                        " as its check says, and log in again."</p>
                })),
                (Some(code), None) => Either::Left(Either::Right(view! {
                    <h1>"The browser app got an authorization code"</h1>
                    <Exchange code=code state=get("state")/>
                })),
                (None, None) => Either::Right(view! {
                    <h1>"Nothing to show yet"</h1>
                    <p>"The authorization server sends you here with a code after you log in. Start from "
                        <a href="/exercises/spa">"Single-Page Apps"</a>"."</p>
                }),
            }}
        </article>
    }
}

#[component]
fn Exchange(code: String, state: Option<String>) -> impl IntoView {
    let view_data =
        Resource::new(move || (code.clone(), state.clone()), |(c, s)| get_spa_callback_view(c, s));
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Preparing the code exchange…"</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(data) => Either::Left(view! { <ExchangeView data=data/> }),
                    Err(err) => Either::Right(view! { <p class="error-box" role="alert">{error_message(&err)}</p> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ExchangeView(data: SpaCallbackData) -> impl IntoView {
    let SpaCallbackData { token_endpoint, fields, token_command, code_lifetime, state_matches, has_verifier } =
        data;
    let check_action = <CheckStep as leptos::server_fn::ServerFn>::PATH.to_owned();
    view! {
        {if state_matches {
            Either::Left(view! {
                <p data-testid="state-check">"The "<code>"state"</code>" is the one of your authorization URL: "
                    "a browser app checks that before it uses the code."</p>
            })
        } else {
            Either::Right(view! {
                <p class="warning-box" data-testid="state-check"><strong>"This state is not the one of your step 3 URL."</strong>
                    " A real browser app would stop here: the login may not be yours. Log in again from step 3."</p>
            })
        }}
        {(!has_verifier).then(|| view! {
            <p class="hint">"This page does not know your code verifier any more: put yours in place of "
                <code>"YOUR_CODE_VERIFIER"</code>" in the command."</p>
        })}
        <h2>"Exchange the code for tokens"</h2>
        <p>
            "A browser app now posts the code and its code verifier to the token endpoint, with its client id "
            "and no secret. "{format!("The code works once, for {code_lifetime}.")}
        </p>
        <BrowserExchange endpoint=token_endpoint fields=fields check_action=check_action
            exercise=SLUG.to_owned() step="token-response".to_owned()/>
        <p>"Or run this in a terminal, then paste the whole JSON response in step 4 of "
            <a href="/exercises/spa#step-token-response">"Single-Page Apps"</a>":"</p>
        <CommandBlock command=token_command name="token"/>
    }
}
