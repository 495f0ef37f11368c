//! OAuth Lab's web UI: server-rendered with Leptos in islands mode. Every action is a
//! plain form post to a server function, so the site works with JavaScript off. When
//! JavaScript runs, the same forms answer in place (`enhance`: the server's answer updates
//! the page) and the islands, the only components whose code the browser downloads,
//! hydrate.

#![recursion_limit = "256"]

pub mod api;
pub mod components;
#[cfg(feature = "hydrate")]
mod enhance;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod services;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

use pages::{
    client_credentials::ClientCredentialsPage,
    getting_started::GettingStartedPage,
    home::HomePage,
    instructor::InstructorPage,
    join::JoinPage,
    not_found::NotFoundPage,
    oidc::OidcExercisePage,
    practice_app::PracticeAppPage,
    provider::ProviderPage,
    redirect::RedirectPage,
    refresh::RefreshExercisePage,
    spa::{SpaCallbackPage, SpaExercisePage},
    web_app::WebAppExercisePage,
};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // The stylesheet and scripts by their hashed names when the build hashed them.
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|title: String| {
            if title.is_empty() { "OAuth Lab".to_owned() } else { format!("{title} · OAuth Lab") }
        }/>
        <Router>
            <header class="site-header">
                <nav class="site-nav" aria-label="Main">
                    <A href="/" attr:class="brand">"OAuth Lab"</A>
                    <A href="/">"Course"</A>
                    <A href="/practice/app">"Practice app"</A>
                    <A href="/instructor">"Instructors"</A>
                </nav>
            </header>
            <main class="site-main">
                // Async: every page is sent complete, so it works with JavaScript off.
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/exercises/getting-started") view=GettingStartedPage ssr=SsrMode::Async/>
                    <Route path=path!("/exercises/web-app") view=WebAppExercisePage ssr=SsrMode::Async/>
                    <Route path=path!("/exercises/spa") view=SpaExercisePage ssr=SsrMode::Async/>
                    <Route path=path!("/exercises/client-credentials") view=ClientCredentialsPage ssr=SsrMode::Async/>
                    <Route path=path!("/exercises/refresh") view=RefreshExercisePage ssr=SsrMode::Async/>
                    <Route path=path!("/exercises/refresh/provider") view=ProviderPage ssr=SsrMode::Async/>
                    <Route path=path!("/exercises/oidc") view=OidcExercisePage ssr=SsrMode::Async/>
                    <Route path=path!("/practice/app") view=PracticeAppPage ssr=SsrMode::Async/>
                    <Route path=path!("/redirect") view=RedirectPage ssr=SsrMode::Async/>
                    <Route path=path!("/spa/callback") view=SpaCallbackPage ssr=SsrMode::Async/>
                    <Route path=path!("/instructor") view=InstructorPage ssr=SsrMode::Async/>
                    <Route path=path!("/join/:code") view=JoinPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <footer class="site-footer">
                <p>
                    "OAuth Lab keeps no copy of the tokens, codes or secrets you paste. "
                    <a href="/api/v1/openapi.json">"API"</a>
                </p>
            </footer>
        </Router>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The pages are server-rendered: forms answer in place and live regions refresh
    // (see `enhance`); the island script then hydrates the islands (the Copy buttons).
    enhance::install();
    leptos::mount::hydrate_islands();
    // A mark the browser tests (and curious learners) can see.
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}
