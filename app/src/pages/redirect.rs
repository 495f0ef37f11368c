use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::error_message;
use crate::api::exercise::get_redirect_view;
use crate::components::{CodeBlock, CommandBlock};

/// The example application's landing page: where the practice server sends the browser
/// back with `code` and `state` (or an `error`), as in the seeds' example app. With a
/// code, it shows the token exchange command with the code filled in.
#[component]
pub fn RedirectPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |name: &str| query.with(|q| q.get(name)).filter(|v| !v.is_empty());
    view! {
        <Title text="Example app"/>
        <article class="panel redirect">
            <p class="eyebrow">"example-app.com/redirect"</p>
            {move || match (get("code"), get("error")) {
                (_, Some(error)) => Either::Left(Either::Left(view! {
                    <h1>"The authorization server sent back an error"</h1>
                    <CodeBlock testid="redirect-error" what="the error"
                        text=format!("error={error}\nerror_description={}", get("error_description").unwrap_or_default())/>
                    <p data-testid="redirect-advice">{advice(&error)}</p>
                    <p><a href="/exercises/refresh#step-authorization-url">"Back to step 3 of the exercise"</a>
                        ". Doing "<a href="/exercises/web-app#step-callback">"Web Applications"</a>
                        "? Paste this page's full address in its step 4: a real app must handle this answer too."</p>
                })),
                (Some(code), None) => Either::Left(Either::Right(view! {
                    <h1>"Congrats! The authorization server issued an authorization code"</h1>
                    <p>"Your app reads the authorization code and state from the URL; here they are as well."</p>
                    <pre class="code code--whole" data-testid="redirect-values">
                        "code="<span data-testid="redirect-code">{code.clone()}</span>"\n"
                        "state="<span data-testid="redirect-state">{get("state").unwrap_or_default()}</span>
                    </pre>
                    <p><strong>"Check that state is the value you put in the authorization URL."</strong>
                        " If it is not, someone may be trying to trick your app."</p>
                    <ExchangeCommand code=code state=get("state") iss=get("iss")/>
                })),
                (None, None) => Either::Right(view! {
                    <h1>"Nothing to show yet"</h1>
                    <p>"The authorization server sends you here with a code after you log in. Start from "
                        <a href="/exercises/refresh">"the exercise"</a>"."</p>
                }),
            }}
        </article>
    }
}

/// The token exchange command with `code` in it, ready to run, and the link to step 4 of
/// the exercise the login was for; for a login of Web Applications, first the address to
/// paste in its step 4.
#[component]
fn ExchangeCommand(code: String, state: Option<String>, iss: Option<String>) -> impl IntoView {
    let view_data = Resource::new(
        move || (code.clone(), state.clone(), iss.clone()),
        |(c, s, i)| get_redirect_view(c, s, i),
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Making your token command…"</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(data) if data.exercise == oauthlab::exercises::web_app::SLUG => Either::Left(Either::Left(view! {
                        <h2>"Step 4: paste this page's address"</h2>
                        <p>"Your app would now check this address: paste it whole in step 4 of "
                            <a href="/exercises/web-app#step-callback">"Web Applications"</a>"."</p>
                        <CodeBlock text=data.callback_url.clone() what="this page's address" testid="callback-url"/>
                        <h2>"Step 5: exchange the code for tokens"</h2>
                        <p>
                            "Once step 4 passed, run this in a terminal: it holds your client secret, your code verifier and this code. "
                            {format!("The code works once, for {}.", data.code_lifetime)}
                        </p>
                        <CommandBlock command=data.token_command name="token"/>
                        <p>"Then paste the whole JSON response in step 5 of "
                            <a href="/exercises/web-app#step-token-response">"Web Applications"</a>"."</p>
                    })),
                    // Refresh Tokens or OpenID Connect: both take the token response in step 4.
                    Ok(data) => Either::Left(Either::Right(view! {
                        <h2>"Now exchange the code for tokens"</h2>
                        <p>
                            "Run this in a terminal: it holds your client secret, your code verifier and this code. "
                            {format!("The code works once, for {}.", data.code_lifetime)}
                        </p>
                        <CommandBlock command=data.token_command name="token"/>
                        <p>"Then paste the whole JSON response in step 4 of "
                            <a href=format!("/exercises/{}#step-token-response", data.exercise)
                                data-testid="step-4-link">"the exercise"</a>"."</p>
                    })),
                    Err(err) => Either::Right(view! {
                        <p class="error-box" role="alert">{error_message(&err)}</p>
                    }),
                }
            })}
        </Suspense>
    }
}

/// What an `error` sent back to the redirect URI means, and what to do.
fn advice(error: &str) -> &'static str {
    match error {
        "access_denied" => {
            "access_denied: you (or the user) clicked Deny on the consent page, so the application gets no \
             code. That is how a real app learns the user said no. Log in again from step 3 and click Allow."
        }
        "invalid_request" | "invalid_scope" | "unsupported_response_type" => {
            "The authorization URL is not right: fix it in step 3 as the description says, check it again, \
             and log in again."
        }
        _ => "Fix the authorization URL in step 3 as the description says, and log in again.",
    }
}
