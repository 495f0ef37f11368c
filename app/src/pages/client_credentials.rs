use leptos::prelude::*;
use oauthlab::exercises::client_credentials::SLUG;
use oauthlab::exercises::StepStatus;

use super::exercise::{
    common_error, findings, step, typed, ExerciseHeader, ExerciseLoader, Jwt, ResetPanel, ServerChoicePanel,
    RESPONSE_PLACEHOLDER,
};
use crate::api::exercise::CheckStep;
use crate::components::{CommandBlock, PasteForm, StepCard};
use crate::model::{ExerciseData, StepView};

const TITLE: &str = "Machine-to-Machine";

/// The Machine-to-Machine exercise: a service gets its own token with the client
/// credentials grant, for one API and the least scope, and calls that API with it.
#[component]
pub fn ClientCredentialsPage() -> impl IntoView {
    view! { <ExerciseLoader slug=SLUG title=TITLE body=|data| view! { <Exercise data=data/> }.into_any()/> }
}

#[component]
fn Exercise(data: ExerciseData) -> impl IntoView {
    let check = ServerAction::<CheckStep>::new();
    let token_step = step(&data, "token-response");
    let api_step = step(&data, "api-response");
    let locked = |s: &StepView| s.status == StepStatus::Locked;
    view! {
        <article class="exercise">
            <ExerciseHeader data=data.clone() title=TITLE error=common_error()>
                "A service that calls an API on its own behalf (a nightly job, a backend) has no user to log "
                "in. It uses the "<strong>"client credentials grant"</strong>": its own client id and secret, "
                "for one API (the "<code>"resource"</code>") and no more scope than the call needs."
            </ExerciseHeader>

            <ServerChoicePanel data=data.clone() builtin_as="as your service client" own_as=", with a machine-to-machine application" app_has="has its client id and secret."/>

            <StepCard step=token_step.clone()>
                <p>
                    "Ask the token endpoint for a token with "<code>"grant_type=client_credentials"</code>", "
                    "authenticated with the service client's secret, for the practice API as "
                    <code>"resource"</code>" (RFC 8707; some servers call it "<code>"audience"</code>") and "
                    "only the scope "<code>"reports:read"</code>". Paste the "<strong>"entire"</strong>
                    " token response JSON here."
                </p>
                {data.token_command.clone().map(|c| view! {
                    <p class="hint">"The command holds your service client's secret: "<strong>"Copy"</strong>" copies it whole."</p>
                    <CommandBlock command=c name="token"/>
                })}
                <PasteForm action=check exercise=SLUG step="token-response" label="Token Response" rows=6
                    placeholder=RESPONSE_PLACEHOLDER button="Check Your Response"
                    locked=locked(&token_step) text=typed(&token_step) findings=findings(&token_step)/>
                <Jwt step=token_step.clone()/>
            </StepCard>

            <StepCard step=api_step.clone()>
                <p>
                    "Call the practice API with the access token of step 1 in the "
                    <code>"Authorization: Bearer"</code>" header (never in the URL, where logs and "
                    "browser history keep it: RFC 6750 §2.3). Put your access token in place of "
                    <code>"ACCESS_TOKEN"</code>", run the command, and paste the API's JSON answer here."
                </p>
                {data.api_command.clone().map(|c| view! { <CommandBlock command=c name="api"/> })}
                <PasteForm action=check exercise=SLUG step="api-response" label="API Response" rows=6
                    placeholder="{\"sub\": \"…\", \"scope\": \"reports:read\", \"receipt\": \"…\", …}"
                    button="Check Your Response"
                    locked=locked(&api_step) text=typed(&api_step) findings=findings(&api_step)/>
            </StepCard>

            <ResetPanel exercise=SLUG/>
        </article>
    }
}
