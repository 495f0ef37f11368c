//! What the page's script adds once it runs, with the pages themselves left server-rendered
//! (the browser never needs their view code, which keeps the download small):
//!
//! - **Forms answer in place.** A form posting to a server function is sent in the
//!   background as the plain form post it is (`Accept: text/html`), the server answers
//!   with the page that form post ends on, and the page in the browser is brought up to
//!   date from it ([`morph`]): only what changed is touched, so focus, scroll and what is
//!   being typed elsewhere stay. The URL stays unless the answer is another page.
//! - **Live regions** (`data-live`, the instructors' dashboard) refresh themselves from the
//!   same page every few seconds, keeping open disclosures and typed text.
//! - **Islands** (the *Copy* buttons) that arrive in new content are hydrated.
//!
//! Without JavaScript the same forms post and the browser shows the same pages.

use std::cell::{Cell, RefCell};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Document, Element, Node, RequestInit, Response, SubmitEvent, Window};

/// How often a live region refreshes itself.
const LIVE_EVERY_MS: i32 = 3_000;

/// What a learner reads when the server could not be reached.
const UNREACHABLE: &str = "OAuth Lab could not be reached: check your connection and try again.";

thread_local! {
    /// A form's answer is on its way: another submit waits, a poll stands aside.
    static BUSY: Cell<bool> = const { Cell::new(false) };
    /// Counts the answers applied, so a poll started before one does not undo it.
    static ANSWERS: Cell<u32> = const { Cell::new(0) };
    /// The form whose answer is on its way.
    static SENT_FORM: RefCell<Option<web_sys::HtmlFormElement>> = const { RefCell::new(None) };
}

/// Whether an update comes from the learner's own action or from a live refresh.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The answer to a form: the server's page is the truth, boxes and disclosures too.
    Answer,
    /// A live refresh: what the person has opened or typed is theirs to keep.
    Live,
}

/// Listen for form posts, start the live refresh, and note the islands already on the
/// page (the island script hydrates them right after this runs).
pub fn install() {
    let Some(window) = web_sys::window() else { return };
    let Some(document) = window.document() else { return };
    mark_islands_hydrated(&document);
    let on_submit = Closure::<dyn FnMut(SubmitEvent)>::new(submitted);
    let _ = document.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
    on_submit.forget();
    let poll = Closure::<dyn FnMut()>::new(|| spawn_local(refresh_live_region()));
    let _ = window
        .set_interval_with_callback_and_timeout_and_arguments_0(poll.as_ref().unchecked_ref(), LIVE_EVERY_MS);
    poll.forget();
}

/// A form was submitted: a post to one of this site's server functions is sent in the
/// background; anything else goes as the browser sends it.
fn submitted(event: SubmitEvent) {
    if event.default_prevented() {
        return;
    }
    let Some(form) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) else {
        return;
    };
    let Some(window) = web_sys::window() else { return };
    let action = form.action();
    let Ok(url) = web_sys::Url::new(&action) else { return };
    let own = window.location().origin().is_ok_and(|origin| origin == url.origin());
    if !own || !form.method().eq_ignore_ascii_case("post") || !url.pathname().starts_with("/fn/") {
        return;
    }
    event.prevent_default();
    if BUSY.get() {
        return;
    }
    let Ok(data) = web_sys::FormData::new_with_form(&form) else { return };
    if let Some(submitter) = event.submitter() {
        let field = |name| {
            js_sys::Reflect::get(&submitter, &JsValue::from_str(name)).ok().and_then(|v| v.as_string())
        };
        if let (Some(name), Some(value)) = (field("name"), field("value")) {
            if !name.is_empty() {
                let _ = data.append_with_str(&name, &value);
            }
        }
    }
    let Ok(body) = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data) else { return };
    SENT_FORM.set(Some(form));
    spawn_local(send(window, action, body));
}

/// Post the form as a plain form post would, and show what the server answers.
async fn send(window: Window, action: String, body: web_sys::UrlSearchParams) {
    BUSY.set(true);
    set_busy(&window, true);
    let init = page_request(&[]);
    init.set_method("POST");
    init.set_body(&body);
    let answer = fetch_text(&window, &action, &init).await;
    ANSWERS.set(ANSWERS.get().wrapping_add(1));
    match answer {
        None => show_error(&window, UNREACHABLE),
        // The form post ended on a page (it is redirected there, as a plain form post is).
        Some((response, text)) if response.redirected() || response.ok() && !text.is_empty() => {
            if !apply_page(&window, &text, &response.url(), Mode::Answer) {
                show_error(&window, &refusal(&response, &text));
            }
        }
        // Refused before it reached the server function (too large, too many): what the
        // page needs is the reason, and the page stays as it is, with what was typed.
        Some((response, text)) => show_error(&window, &refusal(&response, &text)),
    }
    set_busy(&window, false);
    SENT_FORM.set(None);
    BUSY.set(false);
}

/// Bring a live region up to date from the page it is on.
async fn refresh_live_region() {
    let Some(window) = web_sys::window() else { return };
    let Some(document) = window.document() else { return };
    if BUSY.get() || document.hidden() || document.query_selector("[data-live]").ok().flatten().is_none() {
        return;
    }
    let Ok(href) = window.location().href() else { return };
    // The rows shown, so the server sends only those that changed (and a stub for each
    // of the others, which keeps it as it is).
    let shown = rows_shown(&document);
    let init = page_request(&[(crate::model::ROWS_SHOWN_HEADER, shown.as_str())]);
    let answers = ANSWERS.get();
    // A network blip: the next round tries again.
    let Some((response, text)) = fetch_text(&window, &href, &init).await else { return };
    // The page changed meanwhile (an answer came, or it is another page now).
    if BUSY.get()
        || ANSWERS.get() != answers
        || window.location().href().ok().as_deref() != Some(href.as_str())
    {
        return;
    }
    apply_page(&window, &text, &response.url(), Mode::Live);
}

/// The rows of the live region with a version, as `key:version` pairs separated by
/// commas.
fn rows_shown(document: &Document) -> String {
    let Ok(rows) = document.query_selector_all("[data-live] [data-key][data-version]") else {
        return String::new();
    };
    (0..rows.length())
        .filter_map(|i| rows.item(i)?.dyn_into::<Element>().ok())
        .filter_map(|row| {
            Some(format!("{}:{}", row.get_attribute("data-key")?, row.get_attribute("data-version")?))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A request for a page, as the browser's own would be: with the learner's cookies,
/// asking for HTML (so a server function answers a form post with the page it ends on).
fn page_request(extra: &[(&str, &str)]) -> RequestInit {
    let init = RequestInit::new();
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    if let Ok(headers) = web_sys::Headers::new() {
        let _ = headers.set("Accept", "text/html");
        for (name, value) in extra {
            let _ = headers.set(name, value);
        }
        init.set_headers(&headers);
    }
    init
}

async fn fetch_text(window: &Window, url: &str, init: &RequestInit) -> Option<(Response, String)> {
    let response: Response =
        JsFuture::from(window.fetch_with_str_and_init(url, init)).await.ok()?.dyn_into().ok()?;
    let text = JsFuture::from(response.text().ok()?).await.ok()?.as_string()?;
    Some((response, text))
}

/// Update the page's `<main>` (and title) from `html`, a whole page the server sent;
/// false when it holds no `<main>`.
fn apply_page(window: &Window, html: &str, url: &str, mode: Mode) -> bool {
    let Some(document) = window.document() else { return false };
    let Ok(parser) = web_sys::DomParser::new() else { return false };
    let Ok(new_document) = parser.parse_from_string(html, web_sys::SupportedType::TextHtml) else {
        return false;
    };
    let (Some(old_main), Some(new_main)) = (main_of(&document), main_of(&new_document)) else {
        return false;
    };
    morph(&document, &old_main, &new_main, mode);
    document.set_title(&new_document.title());
    // Another page (a join link goes on to the exercise): the address follows.
    let location = window.location();
    let here = location.pathname().unwrap_or_default();
    if let Ok(there) = web_sys::Url::new(url) {
        if there.pathname() != here {
            if let Ok(history) = window.history() {
                let _ = history.push_state_with_url(&JsValue::NULL, "", Some(&there.href()));
            }
        }
    }
    hydrate_new_islands(window, &old_main);
    true
}

fn main_of(document: &Document) -> Option<Element> {
    document.query_selector("main").ok().flatten()
}

/// Make `old` look like `new`, touching only what differs: attributes, text, and children
/// matched by `id` or `data-key` (else by position), so the elements a person is using
/// stay the same elements.
fn morph(document: &Document, old: &Element, new: &Element, mode: Mode) {
    // Before the attributes and text change: what the server sent before is compared.
    if mode == Mode::Answer {
        sync_value(old, new);
    }
    sync_attributes(old, new, mode);
    morph_children(document, old, new, mode);
}

fn morph_children(document: &Document, old_parent: &Element, new_parent: &Element, mode: Mode) {
    let old_keyed = keyed_children(old_parent);
    let new_children = new_parent.child_nodes();
    let mut cursor = old_parent.first_child();
    for i in 0..new_children.length() {
        let Some(new_child) = new_children.item(i) else { continue };
        let key = key_of(&new_child);
        let candidate = match &key {
            Some(key) => old_keyed.iter().find(|(k, _)| k == key).map(|(_, node)| node.clone()),
            None => cursor.clone().filter(|c| key_of(c).is_none()),
        };
        let node = match candidate.filter(|old| same_kind(old, &new_child)) {
            Some(old) => {
                if !unchanged(&old, &new_child) {
                    update(document, &old, &new_child, mode);
                }
                old
            }
            None => match document.import_node_with_deep(&new_child, true) {
                Ok(node) => node,
                Err(_) => continue,
            },
        };
        let in_place = cursor.as_ref().is_some_and(|c| c.is_same_node(Some(&node)));
        if !in_place {
            let _ = old_parent.insert_before(&node, cursor.as_ref());
        }
        cursor = node.next_sibling();
    }
    // Everything placed now sits before the cursor: what is left was not matched.
    while let Some(stale) = cursor {
        cursor = stale.next_sibling();
        let _ = old_parent.remove_child(&stale);
    }
}

/// The server sent `new` as a stub for `old`, which it said is still as shown: the same
/// version, marked `data-same`.
fn unchanged(old: &Node, new: &Node) -> bool {
    match (old.dyn_ref::<Element>(), new.dyn_ref::<Element>()) {
        (Some(old), Some(new)) => {
            new.has_attribute("data-same")
                && old.get_attribute("data-version").is_some()
                && old.get_attribute("data-version") == new.get_attribute("data-version")
        }
        _ => false,
    }
}

/// `old`, of the same kind as `new`, made like it. An island keeps its own state unless
/// the server sent it with other props, when it is replaced (and hydrated afterwards).
fn update(document: &Document, old: &Node, new: &Node, mode: Mode) {
    match (old.dyn_ref::<Element>(), new.dyn_ref::<Element>()) {
        (Some(old), Some(new)) if old.tag_name() == "LEPTOS-ISLAND" => {
            if old.get_attribute("data-props") != new.get_attribute("data-props") {
                if let Ok(fresh) = document.import_node_with_deep(new, true) {
                    let _ = old.replace_with_with_node_1(&fresh);
                }
            }
        }
        (Some(old), Some(new)) => morph(document, old, new, mode),
        _ => {
            if old.node_value() != new.node_value() {
                old.set_node_value(new.node_value().as_deref());
            }
        }
    }
}

/// The element children of `parent` with a key, in order (text between them has none).
fn keyed_children(parent: &Element) -> Vec<(String, Node)> {
    let children = parent.child_nodes();
    (0..children.length())
        .filter_map(|i| children.item(i))
        .filter_map(|node| key_of(&node).map(|key| (key, node)))
        .collect()
}

fn key_of(node: &Node) -> Option<String> {
    let element = node.dyn_ref::<Element>()?;
    element.get_attribute("data-key").or_else(|| Some(element.id()).filter(|id| !id.is_empty()))
}

fn same_kind(old: &Node, new: &Node) -> bool {
    old.node_type() == new.node_type() && old.node_name() == new.node_name() && key_of(old) == key_of(new)
}

fn sync_attributes(old: &Element, new: &Element, mode: Mode) {
    // A disclosure someone opened stays open while the page refreshes itself.
    let keep = |name: &str| mode == Mode::Live && name == "open";
    let old_names = old.get_attribute_names();
    for i in 0..old_names.length() {
        if let Some(name) = old_names.get(i).as_string() {
            if !new.has_attribute(&name) && !keep(&name) {
                let _ = old.remove_attribute(&name);
            }
        }
    }
    let new_names = new.get_attribute_names();
    for i in 0..new_names.length() {
        if let Some(name) = new_names.get(i).as_string() {
            let value = new.get_attribute(&name).unwrap_or_default();
            if old.get_attribute(&name).as_deref() != Some(value.as_str()) && !keep(&name) {
                let _ = old.set_attribute(&name, &value);
            }
        }
    }
}

/// A box follows what the server's page puts in it (what was typed before a failed check,
/// a generated verifier, nothing after a reset), and is left alone while that stays the
/// same, so typing in one step survives an answer in another. In the form just sent, the
/// server's value counts, except that a box the server sends back empty keeps what was
/// pasted (the server keeps no copy of a passing input, and step 5's *Copy* reads step
/// 4's response from its box).
fn sync_value(old: &Element, new: &Element) {
    let sent_here = |form: Option<web_sys::HtmlFormElement>| {
        SENT_FORM
            .with_borrow(|sent| sent.as_ref().is_some_and(|s| form.is_some_and(|f| f.is_same_node(Some(s)))))
    };
    if let Some(area) = old.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        let text = new.text_content().unwrap_or_default();
        let set = if sent_here(area.form()) {
            !text.is_empty()
        } else {
            area.default_value().ok().as_ref() != Some(&text)
        };
        if set && area.value() != text {
            area.set_value(&text);
        }
    } else if let Some(input) = old.dyn_ref::<web_sys::HtmlInputElement>() {
        let sent = sent_here(input.form());
        match input.type_().as_str() {
            "checkbox" | "radio" => {
                if sent || new.has_attribute("checked") != old.has_attribute("checked") {
                    input.set_checked(new.has_attribute("checked"));
                }
            }
            "submit" | "button" | "hidden" | "file" => {}
            _ => {
                let value = new.get_attribute("value").unwrap_or_default();
                let changed = old.get_attribute("value").unwrap_or_default() != value;
                if (sent || changed) && input.value() != value {
                    input.set_value(&value);
                }
            }
        }
    }
}

/// Islands that arrived with new content are hydrated by the island script's hook.
fn hydrate_new_islands(window: &Window, root: &Element) {
    let Ok(hydrate) = js_sys::Reflect::get(window, &JsValue::from_str("__hydrateIsland")) else { return };
    let Some(hydrate) = hydrate.dyn_ref::<js_sys::Function>() else { return };
    let Ok(islands) = root.query_selector_all("leptos-island") else { return };
    for i in 0..islands.length() {
        let Some(island) = islands.item(i) else { continue };
        if is_hydrated(&island) {
            continue;
        }
        mark_hydrated(&island);
        let component = island.dyn_ref::<Element>().and_then(|e| e.get_attribute("data-component"));
        let _ = hydrate.call2(&JsValue::NULL, &island, &JsValue::from(component));
    }
}

const HYDRATED: &str = "$$hydrated";

fn is_hydrated(island: &Node) -> bool {
    js_sys::Reflect::get(island, &JsValue::from_str(HYDRATED)).is_ok_and(|v| v.is_truthy())
}

fn mark_hydrated(island: &Node) {
    let _ = js_sys::Reflect::set(island, &JsValue::from_str(HYDRATED), &JsValue::TRUE);
}

fn mark_islands_hydrated(document: &Document) {
    let Ok(islands) = document.query_selector_all("leptos-island") else { return };
    for i in 0..islands.length() {
        if let Some(island) = islands.item(i) {
            mark_hydrated(&island);
        }
    }
}

/// While an answer is on its way, the page says it is busy.
fn set_busy(window: &Window, busy: bool) {
    if let Some(main) = window.document().as_ref().and_then(main_of) {
        let _ = main.set_attribute("aria-busy", if busy { "true" } else { "false" });
    }
}

/// Why a form post was refused before it reached the server function, from the page,
/// text or JSON the server answered with.
fn refusal(response: &Response, text: &str) -> String {
    let from_page = web_sys::DomParser::new()
        .ok()
        .and_then(|p| p.parse_from_string(text, web_sys::SupportedType::TextHtml).ok())
        .and_then(|d| d.query_selector("[role=alert]").ok().flatten())
        .and_then(|e| e.text_content())
        .filter(|t| !t.trim().is_empty());
    let from_json = || {
        js_sys::JSON::parse(text)
            .ok()
            .and_then(|v| js_sys::Reflect::get(&v, &JsValue::from_str("message")).ok())
            .and_then(|m| m.as_string())
    };
    let from_text = || text.strip_prefix("ServerError|").map(str::to_owned);
    from_page
        .or_else(from_json)
        .or_else(from_text)
        .unwrap_or_else(|| format!("OAuth Lab could not take this (HTTP {}): try again.", response.status()))
}

/// Show `message` at the top of the page, in place of an earlier one.
fn show_error(window: &Window, message: &str) {
    let Some(document) = window.document() else { return };
    let Some(main) = main_of(&document) else { return };
    if let Ok(Some(old)) = main.query_selector("[data-key=enhance-error]") {
        old.remove();
    }
    let Ok(error) = document.create_element("p") else { return };
    let _ = error.set_attribute("class", "error-box");
    let _ = error.set_attribute("role", "alert");
    let _ = error.set_attribute("data-key", "enhance-error");
    error.set_text_content(Some(message));
    let _ = main.prepend_with_node_1(&error);
}
