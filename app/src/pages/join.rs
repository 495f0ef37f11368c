use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::error_message;
use crate::api::instructor::{open_join_link, ConfirmJoin, JoinClass, JoinLink};

/// Where a learner goes once they have joined.
const EXERCISE: &str = "/exercises/refresh";

/// A class's join link: opening it joins the class, or asks first (see
/// [`open_join_link`]); the learner may then set a name, and goes on to the exercise.
#[component]
pub fn JoinPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.with(|p| p.get("code")).unwrap_or_default();
    let confirm = ServerAction::<ConfirmJoin>::new();
    let joined = Resource::new(move || (code(), confirm.version().get()), |(code, _)| open_join_link(code));
    // After a plain form post that failed (JavaScript off), it starts with the error.
    let set_name = ServerAction::<JoinClass>::new();
    view! {
        <Title text="Join a class"/>
        <Suspense fallback=|| view! { <p class="loading">"Joining…"</p> }>
            {move || Suspend::new(async move {
                match joined.await {
                    Ok(JoinLink::Joined(class_name)) => view! {
                        <section class="panel join" data-testid="joined">
                            <p class="eyebrow">"Class"</p>
                            <h1 data-testid="class-name">{format!("You joined {class_name}")}</h1>
                            <p>"Your instructor can now see your progress. Tell them who you are (optional):"</p>
                            <ActionForm action=set_name attr:class="check-form">
                                <input type="hidden" name="code" value=code()/>
                                <label for="display-name">"Display name"</label>
                                <input id="display-name" name="display_name" type="text" maxlength="60" autocomplete="nickname"/>
                                <button class="button" type="submit">"Save and start"</button>
                            </ActionForm>
                            {move || set_name.value().get().and_then(Result::err).map(|e| view! {
                                <p class="error-box" role="alert">{error_message(&e)}</p>
                            })}
                            <p><a href=EXERCISE>"Skip: go to the Refresh Tokens exercise"</a></p>
                        </section>
                    }.into_any(),
                    Ok(JoinLink::Ask(class_name)) => view! {
                        <section class="panel join" data-testid="join-ask">
                            <h1>{format!("Join {class_name}?")}</h1>
                            <p>"Its instructor will see your progress. If you are in another class, you leave it."</p>
                            <ActionForm action=confirm attr:class="check-form">
                                <input type="hidden" name="code" value=code()/>
                                <button class="button" type="submit">{format!("Join {class_name}")}</button>
                            </ActionForm>
                            {move || confirm.value().get().and_then(Result::err).map(|e| view! {
                                <p class="error-box" role="alert">{error_message(&e)}</p>
                            })}
                            <p><a href=EXERCISE>"Not now: go to the exercise"</a></p>
                        </section>
                    }.into_any(),
                    Ok(JoinLink::NotFound) => {
                        // An unknown code: the friendly page, with 404.
                        #[cfg(feature = "ssr")]
                        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                            res.set_status(http::StatusCode::NOT_FOUND);
                        }
                        view! {
                        <section class="panel"><h1>"This join link is not valid"</h1>
                            <p>"Ask your instructor for the class's current link."</p></section>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error-box" role="alert">{error_message(&e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
