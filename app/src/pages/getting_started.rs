use leptos::prelude::*;
use oauthlab::exercises::getting_started::SLUG;
use oauthlab::exercises::StepStatus;

use super::exercise::{common_error, findings, step, typed, ExerciseHeader, ExerciseLoader, ResetPanel};
use crate::api::exercise::CheckStep;
use crate::components::{PasteForm, StepCard};
use crate::model::{ExerciseData, StepView};

/// The Getting Started exercise: the learner finds their authorization server's issuer,
/// endpoints and signing key in its published metadata.
#[component]
pub fn GettingStartedPage() -> impl IntoView {
    view! { <ExerciseLoader slug=SLUG title="Getting Started" body=|data| view! { <Exercise data=data/> }.into_any()/> }
}

#[component]
fn Exercise(data: ExerciseData) -> impl IntoView {
    let check = ServerAction::<CheckStep>::new();
    let issuer_step = step(&data, "issuer");
    let endpoints_step = step(&data, "endpoints");
    let key_step = step(&data, "signing-key");
    let locked = |s: &StepView| s.status == StepStatus::Locked;
    let metadata_at = data.metadata.as_ref().map(|m| m.discovered_at.clone());
    let jwks_uri = data.metadata.as_ref().and_then(|m| m.jwks_uri.clone());
    view! {
        <article class="exercise">
            <ExerciseHeader data=data.clone() title="Getting Started" error=common_error()>
                "Every OAuth client starts from a few facts about its authorization server: the issuer that "
                "names it, the endpoints it sends users and requests to, and the keys that sign its tokens. "
                "A server publishes them all in its metadata (RFC 8414); here you find them there."
            </ExerciseHeader>

            <StepCard step=issuer_step.clone()>
                <p>
                    "Paste your authorization server's "<strong>"issuer"</strong>": the URL that names it, exactly "
                    "as the server writes it (a trailing slash counts)."
                </p>
                <ul class="hint-list">
                    <li>"OAuth Lab's built-in practice server: "<code data-testid="practice-issuer">{data.server.issuer.clone()}</code></li>
                    <li>"Okta: Security → API → Authorization Servers, the "<em>"Issuer URI"</em>"."</li>
                    <li>"Auth0: "<code>"https://YOUR_TENANT.auth0.com/"</code>", with its trailing slash."</li>
                    <li>"Keycloak: "<code>"https://HOST/realms/YOUR_REALM"</code>"."</li>
                </ul>
                <PasteForm action=check exercise=SLUG step="issuer" label="Issuer" rows=1
                    placeholder="https://…" button="Check Your Issuer"
                    locked=locked(&issuer_step) text=typed(&issuer_step) findings=findings(&issuer_step)/>
            </StepCard>

            <StepCard step=endpoints_step.clone()>
                <p>
                    "Find the "<strong>"authorization endpoint"</strong>" and the "<strong>"token endpoint"</strong>
                    " in the metadata. Paste them one per line (authorization first), as "
                    <code>"name: URL"</code>" lines, or paste the metadata JSON itself."
                </p>
                {metadata_at.map(|at| view! {
                    <p class="value-line">"Your server's metadata: "
                        <a href=at.clone() rel="external" data-testid="metadata-link">{at.clone()}</a></p>
                })}
                <PasteForm action=check exercise=SLUG step="endpoints" label="Endpoints" rows=3
                    placeholder="authorization_endpoint: https://…\ntoken_endpoint: https://…" button="Check Your Endpoints"
                    locked=locked(&endpoints_step) text=typed(&endpoints_step) findings=findings(&endpoints_step)/>
            </StepCard>

            <StepCard step=key_step.clone()>
                <p>
                    "Tokens are signed with a key the server publishes in its JWKS, at the metadata's "
                    <code>"jwks_uri"</code>". Find the key that signs access tokens now and paste its "
                    <code>"kid"</code>" and algorithm, such as "<code>"kid: abc123, alg: ES256"</code>
                    ". Tip: an access token's header names the "<code>"kid"</code>" that signed it."
                </p>
                {jwks_uri.map(|uri| view! {
                    <p class="value-line">"Your server's keys: "
                        <a href=uri.clone() rel="external" data-testid="jwks-link">{uri.clone()}</a></p>
                })}
                <PasteForm action=check exercise=SLUG step="signing-key" label="Signing key" rows=2
                    placeholder="kid: …, alg: …" button="Check Your Key"
                    locked=locked(&key_step) text=typed(&key_step) findings=findings(&key_step)/>
            </StepCard>

            <ResetPanel exercise=SLUG/>
        </article>
    }
}
