//! The Single-Page Apps exercise's in-browser code exchange: what a browser app does on
//! its callback page, a `fetch()` to the token endpoint with the code, the verifier and
//! no secret (cross-origin on another server: CORS and all). An island: it needs
//! JavaScript, and until the page's script runs the curl command beside it does the same.

use leptos::prelude::*;

/// The longest token endpoint answer shown: the practice server's are about 1 KB.
#[cfg(feature = "hydrate")]
const MAX_ANSWER_CHARS: usize = 64 * 1024;

/// What the token endpoint answered to the browser's request.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Debug, PartialEq, Eq)]
enum Answer {
    /// The HTTP status and the body.
    Got(u16, String),
    /// The request never got an answer the page may read: the network, or CORS.
    Failed(String),
}

/// *Exchange the code in this browser*: posts `fields` as a form to `endpoint` with
/// `fetch()`, shows the answer, and offers it to `exercise`'s step `step` as a plain form
/// post to `check_action`.
#[island]
pub fn BrowserExchange(
    endpoint: String,
    /// The form fields of the token request, in order.
    fields: Vec<(String, String)>,
    /// Where the answer is checked: the check server function's URL.
    check_action: String,
    exercise: String,
    step: String,
) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let answer = RwSignal::new(None::<Answer>);
    let busy = RwSignal::new(false);
    let send = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let (endpoint, fields) = (endpoint.clone(), fields.clone());
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            answer.set(Some(exchange(&endpoint, &fields).await));
            busy.set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (endpoint, fields);
    };
    move || {
        let (check_action, exercise, step) = (check_action.clone(), exercise.clone(), step.clone());
        let send = send.clone();
        hydrated.get().then(move || {
            view! {
                <div class="browser-exchange" data-testid="browser-exchange">
                    <button type="button" class="button" data-testid="exchange-in-browser"
                        disabled=move || busy.get() on:click=send>
                        {move || if busy.get() { "Exchanging…" } else { "Exchange the code in this browser" }}
                    </button>
                    <div role="status">
                        {move || answer.get().map(|a| match a {
                            Answer::Got(status, body) => view! {
                                <p>{format!("The token endpoint answered HTTP {status}:")}</p>
                                <pre class="code code--whole" tabindex="0" data-testid="browser-answer">{body.clone()}</pre>
                                <form method="post" action=check_action.clone() class="check-form">
                                    <input type="hidden" name="exercise" value=exercise.clone()/>
                                    <input type="hidden" name="step" value=step.clone()/>
                                    <input type="hidden" name="input" value=body/>
                                    <button type="submit" class="button button--secondary"
                                        data-testid="check-browser-answer">"Check this response in step 4"</button>
                                </form>
                            }.into_any(),
                            Answer::Failed(why) => view! {
                                <p class="error-box" data-testid="browser-failed">{why}</p>
                            }.into_any(),
                        })}
                    </div>
                </div>
            }
        })
    }
}

/// The request itself: a form post with no credentials (a public client has no secret,
/// and the browser sends no cookie to another site's token endpoint).
#[cfg(feature = "hydrate")]
async fn exchange(endpoint: &str, fields: &[(String, String)]) -> Answer {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    const FAILED: &str = "The browser got no answer it may read: the token endpoint is unreachable, or \
                          it does not allow this page's origin (CORS). On your own server, add this \
                          site's origin to the application's allowed origins.";
    let Some(window) = web_sys::window() else { return Answer::Failed(FAILED.to_owned()) };
    let Ok(params) = web_sys::UrlSearchParams::new() else { return Answer::Failed(FAILED.to_owned()) };
    for (name, value) in fields {
        params.append(name, value);
    }
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_credentials(web_sys::RequestCredentials::Omit);
    let body: wasm_bindgen::JsValue = params.to_string().into();
    init.set_body(&body);
    if let Ok(headers) = web_sys::Headers::new() {
        let _ = headers.set("Content-Type", "application/x-www-form-urlencoded");
        let _ = headers.set("Accept", "application/json");
        init.set_headers(&headers);
    }
    let response = match JsFuture::from(window.fetch_with_str_and_init(endpoint, &init)).await {
        Ok(r) => r.dyn_into::<web_sys::Response>().ok(),
        Err(_) => None,
    };
    let Some(response) = response else { return Answer::Failed(FAILED.to_owned()) };
    let status = response.status();
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise).await.ok().and_then(|t| t.as_string()),
        Err(_) => None,
    };
    let mut text = text.unwrap_or_default();
    if text.len() > MAX_ANSWER_CHARS {
        let cut = (0..=MAX_ANSWER_CHARS).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        text.truncate(cut);
    }
    Answer::Got(status, text)
}
