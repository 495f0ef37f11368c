use std::time::Duration;

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use oauthlab::exercises::refresh::Step;

use crate::api::instructor::{
    get_dashboard, ClassView, CreateClass, InstructorLogin, InstructorLogout, LearnerView, ResetClass,
    ResetLearner,
};

/// How often a hydrated dashboard refreshes itself.
const REFRESH_EVERY: Duration = Duration::from_secs(3);

/// The instructors' dashboard (or their login form).
#[component]
pub fn InstructorPage() -> impl IntoView {
    let login = ServerAction::<InstructorLogin>::new();
    let logout = ServerAction::<InstructorLogout>::new();
    let create = ServerAction::<CreateClass>::new();
    let reset_learner = ServerAction::<ResetLearner>::new();
    let reset_class = ServerAction::<ResetClass>::new();
    let tick = RwSignal::new(0_u32);
    // Only in the browser: effects do not run on the server.
    Effect::new(move |_| {
        let _ = set_interval_with_handle(move || tick.update(|t| *t += 1), REFRESH_EVERY);
    });
    let dashboard = Resource::new(
        move || {
            (
                login.version().get(),
                logout.version().get(),
                create.version().get(),
                reset_learner.version().get(),
                reset_class.version().get(),
                tick.get(),
            )
        },
        |_| get_dashboard(),
    );
    let query = use_query_map();
    let login_error = move || {
        login.value().get().and_then(|r| r.err()).map(|e| e.to_string()).or_else(|| {
            query.with(|q| q.get("login_error")).map(|code| match code.as_str() {
                "throttled" => "Too many failed logins: wait a few minutes and try again.".to_owned(),
                _ => "Wrong email or password.".to_owned(),
            })
        })
    };
    let action_error = move || {
        [create.value().get(), reset_learner.value().get(), reset_class.value().get()]
            .into_iter()
            .flatten()
            .find_map(|r| r.err())
            .map(|e| e.to_string())
    };

    view! {
        <Title text="Instructors"/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match dashboard.await {
                    Err(err) => Either::Left(view! {
                        <p class="error-box" role="alert">{format!("The dashboard could not load: {err}")}</p>
                    }.into_any()),
                    Ok(None) => Either::Left({
                        // Not signed in as an instructor: the page says so with 401.
                        #[cfg(feature = "ssr")]
                        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                            res.set_status(http::StatusCode::UNAUTHORIZED);
                        }
                        view! {
                        <section class="panel login" data-testid="instructor-login">
                            <h1>"Instructor sign-in"</h1>
                            {login_error().map(|e| view! { <p class="error-box" role="alert">{e}</p> })}
                            <ActionForm action=login attr:class="check-form">
                                <label for="email">"Email"</label>
                                <input id="email" name="email" type="email" autocomplete="username" required/>
                                <label for="password">"Password"</label>
                                <input id="password" name="password" type="password" autocomplete="current-password" required/>
                                <button class="button" type="submit">"Sign in"</button>
                            </ActionForm>
                            <p class="hint">"Accounts are made by the operator: "<code>"oauthlab instructor add EMAIL"</code>"."</p>
                        </section>
                        }.into_any()
                    }),
                    Ok(Some(classes)) => Either::Right(view! {
                        <Dashboard classes create logout reset_learner reset_class/>
                        {action_error().map(|e| view! { <p class="error-box" role="alert">{e}</p> })}
                    }),
                }
            })}
        </Transition>
    }
}

#[component]
fn Dashboard(
    classes: Vec<ClassView>,
    create: ServerAction<CreateClass>,
    logout: ServerAction<InstructorLogout>,
    reset_learner: ServerAction<ResetLearner>,
    reset_class: ServerAction<ResetClass>,
) -> impl IntoView {
    view! {
        <header class="exercise-header">
            <p class="eyebrow">"Instructors"</p>
            <h1>"Your classes"</h1>
            <ActionForm action=logout>
                <button class="button button--secondary" type="submit">"Sign out"</button>
            </ActionForm>
        </header>
        <section class="panel">
            <h2>"New class"</h2>
            <ActionForm action=create attr:class="check-form">
                <label for="class-name">"Class name"</label>
                <input id="class-name" name="name" required maxlength="100"/>
                <button class="button" type="submit">"Create class"</button>
            </ActionForm>
        </section>
        {if classes.is_empty() {
            Either::Left(view! { <p class="hint">"No classes yet: create one and share its join link."</p> })
        } else {
            Either::Right(classes
                .into_iter()
                .map(|class| view! { <ClassPanel class reset_learner reset_class/> })
                .collect_view())
        }}
    }
}

#[component]
fn ClassPanel(
    class: ClassView,
    reset_learner: ServerAction<ResetLearner>,
    reset_class: ServerAction<ResetClass>,
) -> impl IntoView {
    let csv = format!("/api/v1/instructor/classes/{}/progress.csv", class.class_id);
    let class_id = class.class_id.clone();
    view! {
        <section class="panel class" data-testid="class" data-class-id=class.class_id.clone()>
            <h2>{class.name.clone()}</h2>
            <p>"Join link: "<code data-testid="join-url">{class.join_url.clone()}</code></p>
            <p class="meta">
                {format!("{} learners · ", class.learners.len())}
                <a href=csv rel="external" download="">"Export progress (CSV)"</a>
            </p>
            <table class="learners">
                <thead><tr><th>"Learner"</th><th>"Refresh Tokens"</th><th>"Last activity"</th><th></th></tr></thead>
                <tbody>
                    {class.learners.into_iter().map(|l| view! { <LearnerRowView learner=l reset_learner/> }).collect_view()}
                </tbody>
            </table>
            <details class="reset">
                <summary>"Reset class"</summary>
                <p>"This clears the progress of every learner in this class."</p>
                <ActionForm action=reset_class>
                    <input type="hidden" name="class_id" value=class_id/>
                    <ExerciseChoice/>
                    <button class="button button--danger" type="submit">"Yes, reset the whole class"</button>
                </ActionForm>
            </details>
        </section>
    }
}

#[component]
fn LearnerRowView(learner: LearnerView, reset_learner: ServerAction<ResetLearner>) -> impl IntoView {
    let name = learner
        .display_name
        .clone()
        .unwrap_or_else(|| format!("Learner {}", &learner.learner_id[..6.min(learner.learner_id.len())]));
    let passed = usize::try_from(learner.steps_passed).unwrap_or(0);
    let id = learner.learner_id.clone();
    let progress = if learner.completed { "Completed".to_owned() } else { format!("{passed} of 5 steps") };
    view! {
        <tr data-testid="learner" data-learner-id=learner.learner_id.clone() data-steps-passed=learner.steps_passed.to_string()>
            <td>
                <details>
                    <summary>{name.clone()}</summary>
                    <ol class="step-detail">
                        {Step::ALL.into_iter().map(|s| {
                            let state = if s.index() < passed { "passed" } else if s.index() == passed { "current" } else { "locked" };
                            view! { <li class=format!("progress-item--{state}")>{format!("{}: {state}", s.title())}</li> }
                        }).collect_view()}
                    </ol>
                </details>
            </td>
            <td data-testid="learner-progress">
                {progress}
                {learner.server.clone().map(|issuer| view! {
                    <span class="hint learner-server" data-testid="learner-server">{format!(" on {issuer}")}</span>
                })}
            </td>
            <td>{learner.last_activity.clone()}</td>
            <td>
                <details class="reset">
                    <summary>"Reset"</summary>
                    <ActionForm action=reset_learner>
                        <input type="hidden" name="learner_id" value=id/>
                        <ExerciseChoice/>
                        <button class="button button--danger" type="submit">{format!("Yes, reset {name}")}</button>
                    </ActionForm>
                </details>
            </td>
        </tr>
    }
}

/// Which exercise a reset clears: one, or all of them.
#[component]
fn ExerciseChoice() -> impl IntoView {
    view! {
        <label class="reset-choice">
            "Exercise "
            <select name="exercise">
                {oauthlab::exercises::catalog()
                    .into_iter()
                    .map(|e| view! { <option value=e.slug>{e.title}</option> })
                    .collect_view()}
                <option value="all">"All exercises"</option>
            </select>
        </label>
    }
}
