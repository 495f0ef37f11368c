use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::practice::{get_practice_app, SetAllowedOrigins, SetIdTokenAlg, SetRefreshTokens};
use crate::api::{error_message, form_post_error};
use crate::model::{PracticeApp, PracticeClient};
use oauthlab::exercises::client_credentials::ClientKind;

/// The learner's application on the built-in practice authorization server, shown like
/// the seeds' dashboards.
#[component]
pub fn PracticeAppPage() -> impl IntoView {
    let app = Resource::new(|| (), |_| get_practice_app());
    view! {
        <Title text="Practice application"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading your application…"</p> }>
            {move || Suspend::new(async move {
                match app.await {
                    Ok(app) => Either::Left(view! { <Dashboard initial=app/> }),
                    Err(err) => Either::Right(view! {
                        <p class="error-box" role="alert">{format!("Your application could not load: {}", error_message(&err))}</p>
                    }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Dashboard(initial: PracticeApp) -> impl IntoView {
    let app = RwSignal::new(initial);
    let toggle = ServerAction::<SetRefreshTokens>::new();
    let origins = ServerAction::<SetAllowedOrigins>::new();
    let error = form_post_error(toggle).or_else(|| form_post_error(origins));
    let set_alg = ServerAction::<SetIdTokenAlg>::new();
    let alg_error = form_post_error(set_alg);
    let alg = move || app.with(|a| a.id_token_signed_response_alg.as_str());
    let enabled = move || app.with(|a| a.refresh_tokens_enabled);
    let client = move |kind: ClientKind| app.with(|a| a.clients.iter().find(|c| c.kind == kind).cloned());

    view! {
        <article class="dashboard">
            <header>
                <p class="eyebrow">"Practice authorization server"</p>
                <h1>"My Web App"</h1>
                <p class="lede">
                    "Your own confidential client on OAuth Lab's built-in authorization server. "
                    "Use these values in the exercises."
                </p>
            </header>
            {error.map(|e| view! { <p class="error-box" role="alert">{e}</p> })}
            {alg_error.map(|e| view! { <p class="error-box" role="alert">{e}</p> })}

            <section class="panel">
                <h2>"Client Credentials"</h2>
                <dl class="values">
                    <dt>"Client ID"</dt>
                    <dd><code data-testid="client-id">{move || app.with(|a| a.client_id.clone())}</code>
                        <p class="hint">"Public identifier for the client that is required for all OAuth flows."</p></dd>
                    <dt>"Client secret"</dt>
                    <dd>
                        <details class="secret" data-testid="client-secret">
                            <summary>"•••••••••••• "<span class="reveal">"Reveal"</span></summary>
                            <code data-testid="client-secret-value">{move || app.with(|a| a.client_secret.expose().to_owned())}</code>
                        </details>
                        <p class="hint">
                            "Secret used by the client to exchange an authorization code for a token. "
                            "This must be kept confidential! Do not include it in apps which cannot keep it "
                            "secret, such as those running in a browser."
                        </p>
                    </dd>
                </dl>
            </section>

            <section class="panel" data-testid="practice-user">
                <h2>"Practice user"</h2>
                <p class="hint">"Who logs in on the practice server's consent page: your tokens are about this user."</p>
                <dl class="values">
                    <dt>"Name"</dt><dd data-testid="user-name">{move || app.with(|a| a.user.name.clone())}</dd>
                    <dt>"Email"</dt><dd><code data-testid="user-email">{move || app.with(|a| a.user.email.clone())}</code></dd>
                    <dt>"Subject ("<code>"sub"</code>")"</dt><dd><code data-testid="user-sub">{move || app.with(|a| a.user.sub.clone())}</code></dd>
                </dl>
            </section>

            <section class="panel">
                <h2>"General Settings"</h2>
                <dl class="values">
                    <dt>"Application type"</dt><dd>"Web"</dd>
                    <dt>"Sign-in redirect URIs"</dt>
                    <dd>{move || app.with(|a| a.redirect_uris.iter().map(|u| view! { <code data-testid="redirect-uri">{u.clone()}</code> }).collect_view())}</dd>
                </dl>
                <h3>"Grant type"</h3>
                <p class="hint">"Client acting on behalf of a user"</p>
                <ul class="grants">
                    <li><span class="checkbox checkbox--on" aria-hidden="true">"☒"</span>" Authorization Code"</li>
                    <li data-testid="refresh-grant" data-enabled=move || enabled().to_string()>
                        <span class=move || if enabled() { "checkbox checkbox--on" } else { "checkbox" } aria-hidden="true">
                            {move || if enabled() { "☒" } else { "☐" }}
                        </span>
                        " Refresh Token "
                        <strong>{move || if enabled() { "(on)" } else { "(off)" }}</strong>
                    </li>
                </ul>
                <p class="hint">
                    "This allows your application to request refresh tokens and use them. Without this "
                    "checked, the authorization server will not issue refresh tokens to this application, "
                    "even when it asks for offline_access."
                </p>
                <ActionForm action=toggle>
                    <input type="hidden" name="enabled" value=move || (!enabled()).to_string()/>
                    <button type="submit" class="button" data-testid="toggle-refresh">
                        {move || if enabled() { "Turn refresh tokens off" } else { "Allow refresh tokens" }}
                    </button>
                </ActionForm>
            </section>
            <section class="panel" data-testid="id-token-signing">
                <h2>"OpenID Connect"</h2>
                <dl class="values">
                    <dt>"ID token signing ("<code>"id_token_signed_response_alg"</code>")"</dt>
                    <dd><code data-testid="id-token-alg">{alg}</code></dd>
                </dl>
                <p class="hint">
                    "RS256 is the default: every OpenID provider supports it. With ES256 the ID tokens "
                    "are signed with the same elliptic-curve key as the access tokens. Both keys are in "
                    "the JWKS; a client finds the right one by the token's kid."
                </p>
                <ActionForm action=set_alg>
                    <fieldset>
                        <legend>"ID token signing"</legend>
                        <label><input type="radio" name="alg" value="RS256" checked=move || alg() == "RS256"/>" RS256 (default)"</label>
                        " "
                        <label><input type="radio" name="alg" value="ES256" checked=move || alg() == "ES256"/>" ES256"</label>
                    </fieldset>
                    <button type="submit" class="button" data-testid="save-id-token-alg">"Save"</button>
                </ActionForm>
            </section>
            {move || client(ClientKind::Public).map(|c| view! { <PublicClient client=c action=origins/> })}
            {move || client(ClientKind::Service).map(|c| view! { <ServiceClient client=c/> })}
            <p><a href="/">"Back to the course"</a></p>
        </article>
    }
}

/// The public client (a single-page app): no secret, its redirect URI, and its allowed
/// origins, editable with a plain form.
#[component]
fn PublicClient(client: PracticeClient, action: ServerAction<SetAllowedOrigins>) -> impl IntoView {
    let origins = client.allowed_origins.clone().unwrap_or_default().join("\n");
    view! {
        <section class="panel" data-testid="public-client">
            <h2>"My Single-Page App"</h2>
            <p class="hint">"A public client: it runs in the browser, so it has no secret and proves each code exchange with PKCE."</p>
            <dl class="values">
                <dt>"Client ID"</dt>
                <dd><code data-testid="public-client-id">{client.client_id.clone()}</code></dd>
                <dt>"Client secret"</dt><dd>"None (token endpoint auth method: none)"</dd>
                <dt>"Sign-in redirect URIs"</dt>
                <dd>{client.redirect_uris.iter().map(|u| view! { <code data-testid="public-redirect-uri">{u.clone()}</code> }).collect_view()}</dd>
                <dt>"Grant types"</dt><dd>{client.grant_types.join(", ")}</dd>
            </dl>
            <ActionForm action=action>
                <label for="allowed-origins">"Allowed origins (CORS)"</label>
                <p class="hint">
                    "The token endpoint answers browsers on these origins only, one a line, such as "
                    <code>"http://localhost:5173"</code>". At most 10."
                </p>
                <textarea id="allowed-origins" name="origins" rows="3" maxlength="2100" data-testid="allowed-origins">{origins}</textarea>
                <button type="submit" class="button" data-testid="save-origins">"Save allowed origins"</button>
            </ActionForm>
        </section>
    }
}

/// The service client: client credentials only, with a secret.
#[component]
fn ServiceClient(client: PracticeClient) -> impl IntoView {
    let secret = client.client_secret.as_ref().map(|s| s.expose().to_owned()).unwrap_or_default();
    view! {
        <section class="panel" data-testid="service-client">
            <h2>"My Service"</h2>
            <p class="hint">"A machine-to-machine client: it gets its own tokens with the client credentials grant, for the practice API."</p>
            <dl class="values">
                <dt>"Client ID"</dt>
                <dd><code data-testid="service-client-id">{client.client_id.clone()}</code></dd>
                <dt>"Client secret"</dt>
                <dd>
                    <details class="secret" data-testid="service-client-secret">
                        <summary>"•••••••••••• "<span class="reveal">"Reveal"</span></summary>
                        <code data-testid="service-client-secret-value">{secret}</code>
                    </details>
                </dd>
                <dt>"Grant types"</dt><dd>{client.grant_types.join(", ")}</dd>
            </dl>
        </section>
    }
}
