use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::client::Client;
use leptos::server_fn::codec::PostUrl;
use leptos::server_fn::request::ClientReq;
use leptos::server_fn::{Http, ServerFn};
use leptos::web_sys::FormData;
use oauthlab::verdict::Finding;
use serde::de::DeserializeOwned;

use super::Findings;

/// Other ways through a [`PasteForm`]'s step (*Generate Random String*, *Calculate
/// Hash*...), shown before its box, inside the same fieldset.
#[slot]
pub struct OtherActions {
    children: Children,
}

/// A step's paste form: a box to paste into and a button that checks it, then the
/// findings of the step's last check. It sends `exercise`, `step` (the step's id) and `input` (the
/// box) to `action`: a plain form post with JavaScript off, answered in place once
/// hydrated. Its children show between the form and the findings (a hint, a value).
#[component]
pub fn PasteForm<ServFn, OutputProtocol>(
    /// The check: a server function taking `step` and `input`.
    action: ServerAction<ServFn>,
    /// The exercise's slug: sent as `exercise`.
    exercise: &'static str,
    /// The step's id: sent as `step`, and in the ids of the box (`input-{step}`) and of
    /// the findings (`verdict-{step}`).
    step: &'static str,
    /// The box's label.
    label: &'static str,
    placeholder: &'static str,
    rows: u32,
    /// The check button's text.
    button: &'static str,
    /// The form is disabled while this is true.
    #[prop(into)]
    locked: Signal<bool>,
    /// What the page puts in the box (a value it generated; nothing after a reset):
    /// sent in the page, and set when it changes. What the learner types is left alone.
    #[prop(into)]
    text: Signal<String>,
    /// The findings of the step's last check, if any.
    #[prop(into)]
    findings: Signal<Option<Vec<Finding>>>,
    /// Other ways through the step, before the box.
    #[prop(optional)]
    other_actions: Option<OtherActions>,
    /// What shows between the form and the findings.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView
where
    ServFn:
        DeserializeOwned + ServerFn<Protocol = Http<PostUrl, OutputProtocol>> + Clone + Send + Sync + 'static,
    <<ServFn::Client as Client<ServFn::Error>>::Request as ClientReq<ServFn::Error>>::FormData:
        From<FormData>,
    ServFn::Output: Send + Sync + 'static,
    ServFn::Error: Send + Sync + 'static,
    <ServFn as ServerFn>::Client: Client<<ServFn as ServerFn>::Error>,
{
    let id = format!("input-{step}");
    // A textarea's content is sent as it is, unescaped (and never hydrated).
    let sent = escape_text(&text.get_untracked());
    view! {
        <fieldset disabled=move || locked.get() class="step-actions">
            {maybe(other_actions.map(|a| a.children))}
            <ActionForm action=action attr:class="check-form">
                <input type="hidden" name="exercise" value=exercise/>
                <input type="hidden" name="step" value=step/>
                <label for=id.clone()>{label}</label>
                <textarea id=id name="input" rows=rows spellcheck="false"
                    autocomplete="off" placeholder=placeholder
                    prop:value=move || text.get()>{sent}</textarea>
                <button type="submit" class="button button--secondary">{button}</button>
            </ActionForm>
        </fieldset>
        {maybe(children)}
        <Findings findings=findings step=step/>
    }
}

/// `children`, or nothing at all: `None` as an `Option` would leave an empty `<!>` marker
/// in the page (a place to fill later, which this static content never needs).
fn maybe(children: Option<Children>) -> Either<AnyView, [(); 0]> {
    match children {
        Some(children) => Either::Left(children()),
        None => Either::Right([]),
    }
}

fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::escape_text;

    #[test]
    fn text_sent_inside_the_box_cannot_end_it() {
        assert_eq!(escape_text("abc-_~."), "abc-_~.");
        assert_eq!(escape_text("</textarea><b>&amp;"), "&lt;/textarea&gt;&lt;b&gt;&amp;amp;");
    }
}
