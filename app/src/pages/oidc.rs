use leptos::prelude::*;
use oauthlab::exercises::oidc::SLUG;
use oauthlab::exercises::StepStatus;

use super::exercise::{
    common_error, findings, step, typed, AuthorizationUrlStep, ExerciseHeader, ExerciseLoader, Jwt,
    PkceSteps, ResetPanel, ServerChoicePanel, RESPONSE_PLACEHOLDER,
};
use crate::api::exercise::CheckStep;
use crate::components::{CommandBlock, PasteForm, StepCard};
use crate::model::{ExerciseData, StepView};

/// The OpenID Connect exercise: sign a user in with the code flow and PKCE, get an ID
/// token, check it as a relying party must, read its claims and call UserInfo.
#[component]
pub fn OidcExercisePage() -> impl IntoView {
    view! { <ExerciseLoader slug=SLUG title="OpenID Connect" body=|data| view! { <Exercise data=data/> }.into_any()/> }
}

#[component]
fn Exercise(data: ExerciseData) -> impl IntoView {
    let check = ServerAction::<CheckStep>::new();
    let token_step = step(&data, "token-response");
    let claims_step = step(&data, "id-token-claims");
    let userinfo_step = step(&data, "userinfo-response");
    let lifetime = data.code_lifetime.clone();
    let token_command = data.token_command.clone();
    let userinfo = data.api_command.clone();
    let builtin = data.server.builtin;
    let locked = |s: &StepView| s.status == StepStatus::Locked;
    view! {
        <article class="exercise">
            <ExerciseHeader data=data.clone() title="OpenID Connect" error=common_error()>
                "OpenID Connect signs a user in on top of OAuth: the same authorization code flow with PKCE, "
                "with the scope "<code>"openid"</code>" and a "<code>"nonce"</code>". Besides the access "
                "token, the token response holds an "<strong>"ID token"</strong>": a signed JWT saying who "
                "logged in, which your app must check before it trusts it."
            </ExerciseHeader>

            <ServerChoicePanel data=data.clone() builtin_as="as its confidential web client" own_as="" app_has="has the client id and secret."/>

            <PkceSteps data=data.clone() exercise=SLUG command_step=4/>

            <AuthorizationUrlStep data=data.clone() exercise=SLUG scope="openid%20profile%20email" nonce=true
                after_login="the server sends your browser back to the redirect URI with a code, and that \
                             page shows the token command with the code filled in.">
                "Build the authorization URL. Ask for the scopes "<code>"openid"</code>" (this makes it an "
                "OpenID Connect login), "<code>"profile"</code>" and "<code>"email"</code>". Send a "
                <code>"state"</code>" and a "<code>"nonce"</code>": two different values your app makes up for "
                "this login alone, long and random. The ID token must carry the nonce back, which ties it "
                "to this login."
            </AuthorizationUrlStep>

            <StepCard step=token_step.clone()>
                <p>
                    "Exchange the code for tokens at the token endpoint, with your client secret and the code "
                    "verifier of step 1. Paste the "<strong>"entire"</strong>" token response JSON here: its "
                    <code>"id_token"</code>" is checked as your app must check it (signature, "
                    <code>"iss"</code>", "<code>"aud"</code>", "<code>"exp"</code>", "<code>"nonce"</code>")."
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
                <Jwt step=token_step.clone() what="ID token"/>
            </StepCard>

            <StepCard step=claims_step.clone()>
                <p>
                    "An ID token is a JWT: three Base64-URL parts separated by dots. Decode its middle part, "
                    "the "<strong>"payload"</strong>", and paste the JSON claims here. "<code>"sub"</code>" is "
                    "who logged in: the user's stable identifier at this issuer, the one your app keys its "
                    "accounts on (an email address can change hands)."
                </p>
                <PasteForm action=check exercise=SLUG step="id-token-claims" label="ID Token Claims" rows=8
                    placeholder="{\n  \"iss\": \"…\",\n  \"sub\": \"…\",\n  ...\n}" button="Check Your Claims"
                    locked=locked(&claims_step) text=typed(&claims_step) findings=findings(&claims_step)/>
            </StepCard>

            <StepCard step=userinfo_step.clone()>
                <p>
                    "Ask the UserInfo endpoint about the user, with the access token of step 4 as a bearer "
                    "token, and paste its JSON response here. Its "<code>"sub"</code>" must be the ID token's: "
                    "if it is not, the answer is about someone else and your app must not use it."
                </p>
                <p class="hint">
                    "Replace ACCESS_TOKEN with the access_token of your step 4 response. "
                    {if builtin {
                        "This site keeps no copy of your tokens."
                    } else {
                        "Your server's metadata names its userinfo_endpoint. This site keeps no copy of your tokens."
                    }}
                </p>
                {userinfo.map(|c| view! { <CommandBlock command=c name="userinfo"/> })}
                <PasteForm action=check exercise=SLUG step="userinfo-response" label="UserInfo Response" rows=6
                    placeholder="{\n  \"sub\": \"…\",\n  ...\n}" button="Check Your Response"
                    locked=locked(&userinfo_step) text=typed(&userinfo_step) findings=findings(&userinfo_step)/>
            </StepCard>

            <ResetPanel exercise=SLUG/>
        </article>
    }
}
