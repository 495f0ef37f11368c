use leptos::prelude::*;
use oauthlab::exercises::web_app::SLUG;
use oauthlab::exercises::StepStatus;

use super::exercise::{
    common_error, findings, step, typed, AuthorizationUrlStep, ExerciseHeader, ExerciseLoader, Jwt,
    PkceSteps, ResetPanel, ServerChoicePanel, RESPONSE_PLACEHOLDER,
};
use crate::api::exercise::CheckStep;
use crate::components::{CommandBlock, PasteForm, StepCard};
use crate::model::{ExerciseData, StepView};

/// The Web Applications exercise: the authorization code flow with PKCE for a
/// confidential client, callback included.
#[component]
pub fn WebAppExercisePage() -> impl IntoView {
    view! { <ExerciseLoader slug=SLUG title="Web Applications" body=|data| view! { <Exercise data=data/> }.into_any()/> }
}

#[component]
fn Exercise(data: ExerciseData) -> impl IntoView {
    let check = ServerAction::<CheckStep>::new();
    let callback_step = step(&data, "callback");
    let token_step = step(&data, "token-response");
    let lifetime = data.code_lifetime.clone();
    let token_command = data.token_command.clone();
    let locked = |s: &StepView| s.status == StepStatus::Locked;
    view! {
        <article class="exercise">
            <ExerciseHeader data=data.clone() title="Web Applications" error=common_error()>
                "A server-side web app logs a user in with the authorization code flow: it sends the browser "
                "to the authorization server with PKCE and a "<code>"state"</code>", checks what comes back to "
                "its redirect URI, then exchanges the code for tokens with its client secret."
            </ExerciseHeader>

            <ServerChoicePanel data=data.clone() builtin_as="as its confidential web client" own_as="" app_has="has the client id and secret."/>

            <PkceSteps data=data.clone() exercise=SLUG command_step=5/>

            <AuthorizationUrlStep data=data.clone() exercise=SLUG scope="openid%20profile"
                after_login="the server sends your browser back to the redirect URI with a code and your state. \
                             Copy the whole address of that page for step 4.">
                "Build the authorization URL. This time "<code>"state"</code>" is required: a value your app "
                "makes up for this login alone, long and random (not a word, not one you used before), and "
                "checks when the browser comes back."
            </AuthorizationUrlStep>

            <StepCard step=callback_step.clone()>
                <p>
                    "Paste the "<strong>"full URL"</strong>" your browser landed on after logging in. Your app "
                    "must check that its "<code>"state"</code>" is the one it sent (that is how a forged login "
                    "is caught), that it holds a "<code>"code"</code>", and that "<code>"iss"</code>" names your "
                    "authorization server (RFC 9207)."
                </p>
                <PasteForm action=check exercise=SLUG step="callback" label="Callback URL" rows=3
                    placeholder="https://…/redirect?code=…&state=…&iss=…" button="Check Your Callback"
                    locked=locked(&callback_step) text=typed(&callback_step) findings=findings(&callback_step)/>
            </StepCard>

            <StepCard step=token_step.clone()>
                <p>
                    "Exchange the code for tokens at the token endpoint, as your app's server does: with its "
                    "client secret and the code verifier of step 1. Paste the "<strong>"entire"</strong>
                    " token response JSON here."
                </p>
                {token_command.map(move |c| view! {
                    <p class="hint">
                        "The command holds your client secret, your code verifier and the code of step 4: "
                        <strong>"Copy"</strong>" copies it whole. "
                        {format!("A code works once, for {lifetime}.")}
                    </p>
                    <CommandBlock command=c name="token"/>
                })}
                <PasteForm action=check exercise=SLUG step="token-response" label="Token Response" rows=6
                    placeholder=RESPONSE_PLACEHOLDER button="Check Your Response"
                    locked=locked(&token_step) text=typed(&token_step) findings=findings(&token_step)/>
                <Jwt step=token_step.clone()/>
            </StepCard>

            <ResetPanel exercise=SLUG/>
        </article>
    }
}
