use leptos::prelude::*;
use leptos_meta::Title;
use oauthlab::exercises::catalog;

/// The exercises.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text=""/>
        <section class="hero">
            <h1>"Learn OAuth 2.0 by doing it"</h1>
            <p class="lede">
                "Each exercise walks you through a real flow, one step at a time, and checks your "
                "work as you go. Every mistake gets a message that says how to fix it. "
                "Work against the built-in practice authorization server, no account needed, or "
                <a href="/exercises/refresh/provider">"against your own Okta, Auth0 or Keycloak"</a>"."
            </p>
        </section>
        <section aria-labelledby="exercises-title">
            <h2 id="exercises-title">"Exercises"</h2>
            <ul class="exercise-list">
                {catalog()
                    .into_iter()
                    .map(|ex| {
                        view! {
                            <li class="exercise-card" data-testid=format!("exercise-{}", ex.slug)>
                                <h3><a href=format!("/exercises/{}", ex.slug)>{ex.title}</a></h3>
                                <p>{ex.summary}</p>
                                <p class="meta">{format!("{} steps · about {} minutes", ex.steps.len(), ex.minutes)}</p>
                                <ol class="step-list">
                                    {ex.steps.iter().map(|s| view! { <li>{s.title}</li> }).collect_view()}
                                </ol>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}
