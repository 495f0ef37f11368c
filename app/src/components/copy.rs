//! Code and commands a learner copies: a block that selects as one piece (with
//! JavaScript off, a triple click or a long press takes it whole), and a *Copy* button
//! once the page is hydrated.

use leptos::prelude::*;

use crate::model::Command;
#[cfg(feature = "hydrate")]
use crate::model::REFRESH_TOKEN_PLACEHOLDER;

/// A change made to the copied text in the browser just before copying: a value only the
/// browser holds, which the server never sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Fill {
    /// The refresh token of the token response pasted in step 4's box, in place of its
    /// placeholder.
    RefreshTokenFromStep4,
}

/// A *Copy* button that puts `text` on the clipboard. It appears once the page's script
/// runs (it needs JavaScript); until then the block next to it selects as one piece. An
/// island: the only part of a page whose view code the browser downloads.
#[island]
pub fn CopyButton(
    /// What is copied: may differ from what is shown (a full command behind a masked one).
    text: String,
    /// What the button copies, for screen readers: "Copy the token command".
    what: String,
    /// What the browser fills in before copying.
    fill: Option<Fill>,
) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let copied = RwSignal::new(None::<bool>);
    // The visible text starts the accessible name ("Copy" / "Copied ✓"), the rest of
    // `what` follows for screen readers: the name always holds what is seen (WCAG 2.5.3).
    let rest = what.strip_prefix("Copy").unwrap_or(&what).to_owned();
    move || {
        let (rest, text) = (rest.clone(), text.clone());
        hydrated.get().then(move || {
            view! {
                <button type="button" class="button button--small copy"
                    data-testid="copy"
                    on:click=move |_| {
                        let text = match fill {
                            Some(Fill::RefreshTokenFromStep4) => fill_refresh_token(text.clone()),
                            None => text.clone(),
                        };
                        copy_to_clipboard(text, move |ok| copied.set(Some(ok)));
                    }>
                    {move || match copied.get() {
                        Some(true) => "Copied ✓",
                        Some(false) => "Select and copy",
                        None => "Copy",
                    }}
                    <span class="visually-hidden">{rest}</span>
                </button>
                <span class="visually-hidden" role="status">
                    {move || match copied.get() {
                        Some(true) => "Copied to the clipboard.",
                        Some(false) => "This browser would not copy: select the text and copy it yourself.",
                        None => "",
                    }}
                </span>
            }
        })
    }
}

/// A code block with a *Copy* button: `copy` is what is copied (by default what is shown).
#[component]
pub fn CodeBlock(
    #[prop(into)] text: Signal<String>,
    #[prop(optional, into)] copy: Option<Signal<String>>,
    /// For screen readers: what the button copies.
    what: &'static str,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView {
    let copy = copy.unwrap_or(text).get_untracked();
    view! {
        <div class="code-block">
            <pre class="code code--whole" data-testid=testid>{move || text.get()}</pre>
            <CopyButton text=copy what=format!("Copy {what}") fill=None/>
        </div>
    }
}

/// A command to run: shown with the learner's client secret masked, *Copy* copies it in
/// full (the secret is this learner's own), and the full command sits behind a
/// disclosure, selectable as one piece, for a page without JavaScript. `fill` changes the
/// copied text in the browser just before copying.
#[component]
pub fn CommandBlock(
    command: Command,
    /// Names the block in test ids (`{name}-command`) and for screen readers.
    name: &'static str,
    #[prop(optional)] fill: Option<Fill>,
) -> impl IntoView {
    let full = command.full.expose().to_owned();
    let masked = command.masked != full;
    view! {
        <div class="command" data-testid=format!("{name}-command")>
            <div class="code-block">
                <pre class="code code--whole">{command.masked.clone()}</pre>
                <CopyButton text=full.clone() what=format!("Copy the {name} command") fill/>
            </div>
            {masked.then(|| view! {
                <details class="command-full">
                    <summary>"Show the command with your client secret"</summary>
                    <pre class="code code--whole" data-testid=format!("{name}-command-full")>{full}</pre>
                </details>
            })}
        </div>
    }
}

/// Put `text` on the clipboard, then call `done` with whether it worked: the Clipboard
/// API where the page is a secure context, else the older copy command on a hidden box.
#[cfg(feature = "hydrate")]
fn copy_to_clipboard(text: String, done: impl Fn(bool) + 'static) {
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else { return done(false) };
    let clipboard = window.navigator().clipboard();
    if clipboard.is_undefined() || !window.is_secure_context() {
        return done(copy_with_command(&window, &text));
    }
    let promise = clipboard.write_text(&text);
    leptos::task::spawn_local(async move {
        let ok = match wasm_bindgen_futures::JsFuture::from(promise).await {
            Ok(_) => true,
            Err(_) => web_sys::window().is_some_and(|w| copy_with_command(&w, &text)),
        };
        done(ok);
    });

    fn copy_with_command(window: &web_sys::Window, text: &str) -> bool {
        let Some(document) = window.document() else { return false };
        let Some(body) = document.body() else { return false };
        let Ok(area) = document.create_element("textarea") else { return false };
        let Ok(area) = area.dyn_into::<web_sys::HtmlTextAreaElement>() else { return false };
        area.set_value(text);
        let _ = area.set_attribute("readonly", "");
        let _ = area.set_attribute("style", "position:fixed;top:0;left:0;opacity:0");
        if body.append_child(&area).is_err() {
            return false;
        }
        area.select();
        let ok = document
            .dyn_into::<web_sys::HtmlDocument>()
            .ok()
            .and_then(|d| d.exec_command("copy").ok())
            .unwrap_or(false);
        area.remove();
        ok
    }
}

/// The refresh command as copied: with the refresh token of the response pasted in step
/// 4's box filled in, when the box holds one. Read in the browser only; nothing is sent
/// anywhere.
#[cfg(feature = "hydrate")]
fn fill_refresh_token(command: String) -> String {
    use oauthlab::exercises::refresh::Step;
    use wasm_bindgen::{JsCast, JsValue};
    let id = format!("input-{}", Step::TokenResponse.slug());
    let pasted = leptos::prelude::document()
        .get_element_by_id(&id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
        .map(|area| area.value())
        .unwrap_or_default();
    let refresh_token = js_sys::JSON::parse(pasted.trim())
        .ok()
        .filter(|v| v.is_object())
        .and_then(|v| js_sys::Reflect::get(&v, &JsValue::from_str("refresh_token")).ok())
        .and_then(|t| t.as_string())
        .filter(|t| !t.is_empty());
    match refresh_token {
        Some(token) => Command::fill(&command, "refresh_token", REFRESH_TOKEN_PLACEHOLDER, &token),
        None => command,
    }
}

#[cfg(not(feature = "hydrate"))]
fn fill_refresh_token(command: String) -> String {
    command
}

#[cfg(not(feature = "hydrate"))]
fn copy_to_clipboard(_text: String, done: impl Fn(bool) + 'static) {
    done(false)
}
