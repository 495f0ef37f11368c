use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The example application's landing page: where the practice server sends the browser
/// back with `code` and `state` (or an `error`), as in the seeds' example app.
#[component]
pub fn RedirectPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |name: &str| query.with(|q| q.get(name)).filter(|v| !v.is_empty());
    view! {
        <Title text="Example app"/>
        <article class="panel redirect">
            <p class="eyebrow">"example-app.com/redirect"</p>
            {move || match (get("code"), get("error")) {
                (_, Some(error)) => view! {
                    <h1>"The authorization server sent back an error"</h1>
                    <pre class="code" data-testid="redirect-error">{format!(
                        "error={error}\nerror_description={}",
                        get("error_description").unwrap_or_default()
                    )}</pre>
                    <p>"Fix the authorization URL (step 3) as the description says, and log in again."</p>
                }.into_any(),
                (Some(code), None) => view! {
                    <h1>"Congrats! The authorization server issued an authorization code"</h1>
                    <p>"Your app can read the authorization code and state from the URL; they are printed below for your convenience as well."</p>
                    <pre class="code" data-testid="redirect-values">
                        "code="<span data-testid="redirect-code">{code}</span>"\n"
                        "state="<span data-testid="redirect-state">{get("state").unwrap_or_default()}</span>
                    </pre>
                    <p><strong>"Verify that the state parameter here matches the one you set at the beginning."</strong>
                        " Otherwise someone may be trying to trick your app!"</p>
                    <p>"Now exchange the code for tokens at the token endpoint, with the curl command from step 3 of "
                        <a href="/exercises/refresh#step-authorization-url">"the exercise"</a>
                        ". The code is single-use and expires in 5 minutes."</p>
                }.into_any(),
                (None, None) => view! {
                    <h1>"Nothing to show yet"</h1>
                    <p>"The authorization server sends you here with a code after you log in. Start from "
                        <a href="/exercises/refresh">"the exercise"</a>"."</p>
                }.into_any(),
            }}
        </article>
    }
}
