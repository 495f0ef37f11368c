use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::provider::{get_provider, SetOwnServer, UseBuiltinServer};
use crate::api::{error_message, form_post_error};
use crate::components::Findings;
use crate::model::ServerData;

/// Where the learner chooses the authorization server of the Refresh Tokens exercise.
#[component]
pub fn ProviderPage() -> impl IntoView {
    let server = Resource::new(|| (), |_| get_provider());
    view! {
        <Title text="Authorization server · Refresh Tokens"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match server.await {
                    Ok(server) => Either::Left(view! { <ServerChoice initial=server/> }),
                    Err(err) => Either::Right(view! {
                        <p class="error-box" role="alert">{format!("This page could not load: {}", error_message(&err))}</p>
                    }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ServerChoice(initial: ServerData) -> impl IntoView {
    let server = RwSignal::new(initial);
    let set_own = ServerAction::<SetOwnServer>::new();
    let use_builtin = ServerAction::<UseBuiltinServer>::new();
    let error = form_post_error(set_own).or_else(|| form_post_error(use_builtin));

    let builtin = move || server.with(|s| s.builtin);
    // The form shows what was last typed, or the server in use.
    let typed = move |field: fn(&ServerData) -> String| move || server.with(field);
    let issuer = typed(|s| match (&s.last_attempt, s.builtin) {
        (Some(a), _) => a.issuer.clone(),
        (None, false) => s.issuer.clone(),
        (None, true) => String::new(),
    });
    let client_id = typed(|s| match &s.last_attempt {
        Some(a) => a.client_id.clone(),
        None => s.client_id.clone().unwrap_or_default(),
    });
    let redirect_uri = typed(|s| match (&s.last_attempt, s.builtin) {
        (Some(a), _) => a.redirect_uri.clone(),
        (None, false) => s.redirect_uri.clone().unwrap_or_default(),
        (None, true) => String::new(),
    });
    let findings =
        Signal::derive(move || server.with(|s| s.last_attempt.as_ref().map(|a| a.verdict.findings.clone())));

    view! {
        <article class="dashboard">
            <header>
                <p class="eyebrow">"Refresh Tokens"</p>
                <h1>"Authorization server"</h1>
                <p class="lede">
                    "Do the exercise against OAuth Lab's built-in practice server (nothing to set up), "
                    "or against your own Okta, Auth0 or Keycloak."
                </p>
            </header>
            {error.map(|e| view! { <p class="error-box" role="alert">{e}</p> })}

            <section class="panel" data-testid="current-server">
                <h2>{move || if builtin() { "In use: the built-in practice server" } else { "In use: your own server" }}</h2>
                <dl class="values">
                    <dt>"Issuer"</dt><dd><code data-testid="server-issuer">{move || server.with(|s| s.issuer.clone())}</code></dd>
                    <dt>"Authorization endpoint"</dt><dd><code>{move || server.with(|s| s.authorization_endpoint.clone())}</code></dd>
                    <dt>"Token endpoint"</dt><dd><code>{move || server.with(|s| s.token_endpoint.clone())}</code></dd>
                    <dt>"JWKS"</dt>
                    <dd><code>{move || server.with(|s| s.jwks_uri.clone()).unwrap_or_else(|| "(none published)".into())}</code></dd>
                    {move || server.with(|s| s.discovered_at.clone()).map(|at| view! {
                        <dt>"Metadata read from"</dt><dd><code>{at}</code></dd>
                    })}
                    {move || server.with(|s| s.client_id.clone()).map(|id| view! {
                        <dt>"Client ID"</dt><dd><code>{id}</code></dd>
                    })}
                </dl>
                {move || if builtin() {
                    Either::Left(view! {
                        <p class="hint">
                            "Your application there is your "<a href="/practice/app">"practice application"</a>"."
                        </p>
                    })
                } else {
                    Either::Right(view! {
                        <ActionForm action=use_builtin>
                            <button type="submit" class="button button--secondary" data-testid="use-builtin">
                                "Use the built-in practice server instead"
                            </button>
                        </ActionForm>
                    })
                }}
            </section>

            <section class="panel">
                <h2>"Use your own server"</h2>
                <p>
                    "Enter your authorization server's issuer URL. OAuth Lab reads its metadata "
                    "(RFC 8414, then OpenID Connect discovery) to learn its endpoints and keys."
                </p>
                <ul class="hint">
                    <li>"Okta: "<code>"https://YOUR_DOMAIN.okta.com/oauth2/default"</code>" (Security › API › Authorization Servers)"</li>
                    <li>"Auth0: "<code>"https://YOUR_TENANT.auth0.com/"</code></li>
                    <li>"Keycloak: "<code>"https://HOST/realms/YOUR_REALM"</code></li>
                </ul>
                <ActionForm action=set_own attr:class="check-form">
                    <label for="issuer">"Issuer URL"</label>
                    <input id="issuer" name="issuer" type="url" required=true autocomplete="off"
                        spellcheck="false" placeholder="https://dev-123456.okta.com/oauth2/default"
                        prop:value=issuer value=issuer()/>
                    <label for="client-id">"Client ID of your application there (optional)"</label>
                    <input id="client-id" name="client_id" type="text" autocomplete="off" spellcheck="false"
                        prop:value=client_id value=client_id()/>
                    <label for="redirect-uri">"A redirect URI registered for it (optional)"</label>
                    <input id="redirect-uri" name="redirect_uri" type="text" autocomplete="off" spellcheck="false"
                        placeholder="https://oauth.tools/callback" prop:value=redirect_uri value=redirect_uri()/>
                    <button type="submit" class="button" data-testid="find-server">"Find my server"</button>
                </ActionForm>
                <p class="hint">
                    "When given, step 3 checks your URL's client_id and redirect_uri against these. "
                    "OAuth Lab never asks for your client secret: you exchange the code yourself and fill "
                    "the secret into the command on your own machine. Switching servers starts steps 3 to 5 "
                    "over; your code verifier and challenge are kept."
                </p>
                <Findings findings=findings step="provider"/>
            </section>

            <section class="panel">
                <h2>"Set up your application there"</h2>
                <ul>
                    <li>"Register a web application (a confidential client) with the authorization code grant and PKCE."</li>
                    <li>"Add a sign-in redirect URI you can read the code from, and use it in step 3."</li>
                    <li>
                        "Allow refresh tokens: Okta: tick the "<strong>"Refresh Token"</strong>" grant type; "
                        "Auth0: turn on "<strong>"Allow Offline Access"</strong>" for the API; "
                        "Keycloak: keep the "<code>"offline_access"</code>" scope on the client."
                    </li>
                </ul>
            </section>
            <p><a href="/exercises/refresh">"Back to the Refresh Tokens exercise"</a></p>
        </article>
    }
}
