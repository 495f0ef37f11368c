use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::error_message;
use crate::api::instructor::{open_join_link, JoinClass};

/// A class's join link: opening it joins the class; the learner may then set a name.
#[component]
pub fn JoinPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.with(|p| p.get("code")).unwrap_or_default();
    let joined = Resource::new(code, open_join_link);
    // After a plain form post that failed (JavaScript off), it starts with the error.
    let set_name = ServerAction::<JoinClass>::new();
    view! {
        <Title text="Join a class"/>
        <Suspense fallback=|| view! { <p class="loading">"Joining…"</p> }>
            {move || Suspend::new(async move {
                match joined.await {
                    Ok(true) => Either::Left(view! {
                        <section class="panel" data-testid="joined">
                            <h1>"You joined the class"</h1>
                            <p>"Your instructor can now see your progress. Tell them who you are (optional):"</p>
                            <ActionForm action=set_name attr:class="check-form">
                                <input type="hidden" name="code" value=code()/>
                                <label for="display-name">"Display name"</label>
                                <input id="display-name" name="display_name" maxlength="60" autocomplete="nickname"/>
                                <button class="button" type="submit">"Save and start"</button>
                            </ActionForm>
                            {move || set_name.value().get().map(|r| match r {
                                Ok(()) => Either::Left(view! { <p class="done-box">"Saved. "<a href="/exercises/refresh">"Start the exercise"</a></p> }),
                                Err(e) => Either::Right(view! { <p class="error-box" role="alert">{error_message(&e)}</p> }),
                            })}
                            <p><a href="/exercises/refresh">"Go to the Refresh Tokens exercise"</a></p>
                        </section>
                    }),
                    Ok(false) => Either::Right({
                        // An unknown code: the friendly page, with 404.
                        #[cfg(feature = "ssr")]
                        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                            res.set_status(http::StatusCode::NOT_FOUND);
                        }
                        view! {
                        <section class="panel"><h1>"This join link is not valid"</h1>
                            <p>"Ask your instructor for the class's current link."</p></section>
                        }.into_any()
                    }),
                    Err(e) => Either::Right(view! { <p class="error-box" role="alert">{error_message(&e)}</p> }.into_any()),
                }
            })}
        </Suspense>
    }
}
