use leptos::either::Either;
use leptos::prelude::*;
use oauthlab::exercises::refresh::SLUG;
use oauthlab::exercises::StepStatus;

use super::exercise::{
    common_error, findings, step, typed, AuthorizationUrlStep, ExerciseHeader, ExerciseLoader, Jwt,
    PkceSteps, ResetPanel, RESPONSE_PLACEHOLDER,
};
use crate::api::exercise::{CheckStep, SetExerciseRefreshTokens};
use crate::api::form_post_error;
use crate::components::{CommandBlock, Fill, PasteForm, StepCard};
use crate::model::ExerciseData;

/// The Refresh Tokens exercise.
#[component]
pub fn RefreshExercisePage() -> impl IntoView {
    view! { <ExerciseLoader slug=SLUG title="Refresh Tokens" body=|data| view! { <Exercise data=data/> }.into_any()/> }
}

#[component]
fn Exercise(data: ExerciseData) -> impl IntoView {
    // Each is a plain form post (answered in place by `enhance` when JavaScript runs); the
    // page renders once per answer, and one that failed comes back with its error.
    let check = ServerAction::<CheckStep>::new();
    let toggle = ServerAction::<SetExerciseRefreshTokens>::new();
    let error = common_error().or_else(|| form_post_error(toggle));
    let on = data.refresh_tokens_enabled;
    let token_step = step(&data, "token-response");
    let refresh_step = step(&data, "refresh-response");
    let lifetime = data.code_lifetime.clone();
    let token_command = data.token_command.clone();
    let refresh_command = data.refresh_command.clone();
    let locked = |s: &crate::model::StepView| s.status == StepStatus::Locked;

    view! {
        <article class="exercise">
            <ExerciseHeader data=data.clone() title="Refresh Tokens" error=error>
                "In this exercise you'll learn how to obtain a refresh token and use it to get new "
                "access tokens: start an authorization code flow with PKCE that asks for "
                <code>"offline_access"</code>", exchange the code, then use the refresh token."
            </ExerciseHeader>

            <section class="panel setup" id="setup">
                {if data.server.builtin {
                    Either::Left(view! {
                        <h2>"Before you start: allow refresh tokens"</h2>
                        <p>
                            "An authorization server gives a refresh token only to an application that is allowed "
                            "one. Your practice application starts with refresh tokens off, as a new application "
                            "does in Okta (the "<strong>"Refresh Token"</strong>" grant type) and in Auth0 (the "
                            <strong>"Allow Offline Access"</strong>" toggle). Turn them on before you log in in step 3."
                        </p>
                        <ActionForm action=toggle attr:class="toggle-form">
                            <input type="hidden" name="enabled" value=(!on).to_string()/>
                            <p class="setup-state" class:setup-state--on=on
                                data-testid="refresh-toggle-state" role="status">
                                {if on {
                                    "✓ Refresh tokens are on for your practice application."
                                } else {
                                    "Refresh tokens are off for your practice application."
                                }}
                            </p>
                            <button type="submit" data-testid="refresh-toggle"
                                class=if on { "button button--secondary" } else { "button" }>
                                {if on { "Turn refresh tokens off" } else { "Turn refresh tokens on" }}
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
                            <code data-testid="server-issuer">{data.server.issuer.clone()}</code>
                            ". In its admin console, allow refresh tokens for your application (Okta: the "
                            <strong>"Refresh Token"</strong>" grant type; Auth0: "<strong>"Allow Offline Access"</strong>
                            "; Keycloak: the "<code>"offline_access"</code>" scope). "
                            <a href="/exercises/refresh/provider">"Change server"</a>
                        </p>
                    })
                }}
            </section>

            <PkceSteps data=data.clone() exercise=SLUG command_step=4/>

            <AuthorizationUrlStep data=data.clone() exercise=SLUG scope="offline_access"
                after_login="the server sends you back to the redirect URI with an authorization code, and that \
                             page shows the token command with the code filled in.">
                "Build the authorization URL, and this time add the scope "<code>"offline_access"</code>"."
            </AuthorizationUrlStep>

            <StepCard step=token_step.clone()>
                <p>
                    "Exchange the authorization code for tokens at the token endpoint, then paste the "
                    <strong>"entire"</strong>" token response JSON here (not just the access token)."
                </p>
                {token_command.map(move |c| view! {
                    <p class="hint">
                        "The command holds your client secret and code verifier: "<strong>"Copy"</strong>
                        " copies it whole. Replace YOUR_AUTHORIZATION_CODE with the code from the redirect page "
                        "(the page after you log in shows this command with the code in it). "
                        {format!("A code works once, for {lifetime}.")}
                    </p>
                    <CommandBlock command=c name="token"/>
                })}
                <PasteForm action=check exercise=SLUG step="token-response" label="Token Response" rows=6
                    placeholder=RESPONSE_PLACEHOLDER button="Check Your Response"
                    locked=locked(&token_step) text=typed(&token_step) findings=findings(&token_step)/>
                <Jwt step=token_step.clone()/>
            </StepCard>

            <StepCard step=refresh_step.clone()>
                <p>
                    "Use the refresh token: POST to the token endpoint with "<code>"grant_type=refresh_token"</code>
                    ", then paste the entire new response here."
                </p>
                {refresh_command.map(move |c| view! {
                    <p class="hint">
                        "Replace YOUR_REFRESH_TOKEN with the refresh_token from your step 4 response. With "
                        "JavaScript on, "<strong>"Copy"</strong>" fills it in from the response you pasted in "
                        "step 4, in your browser only: this site keeps no copy of your tokens."
                    </p>
                    <CommandBlock command=c name="refresh" fill=Fill::RefreshTokenFromStep4/>
                })}
                <PasteForm action=check exercise=SLUG step="refresh-response" label="Refresh Token Response" rows=6
                    placeholder=RESPONSE_PLACEHOLDER button="Check Your Response"
                    locked=locked(&refresh_step) text=typed(&refresh_step) findings=findings(&refresh_step)/>
                <Jwt step=refresh_step.clone()/>
            </StepCard>

            <ResetPanel exercise=SLUG/>
        </article>
    }
}
