use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::error_message;
use crate::api::exercise::get_course;
use crate::model::{CourseData, CourseItem};

/// The course: its exercises in order, with the learner's progress in each.
#[component]
pub fn HomePage() -> impl IntoView {
    let course = Resource::new(|| (), |_| get_course());
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
        <Suspense fallback=|| view! { <p class="loading">"Loading the course…"</p> }>
            {move || Suspend::new(async move {
                match course.await {
                    Ok(course) => Either::Left(view! { <Course course/> }),
                    Err(err) => Either::Right(view! {
                        <p class="error-box" role="alert">{format!("The course could not load: {}", error_message(&err))}</p>
                    }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Course(course: CourseData) -> impl IntoView {
    let (completed, offered) = course.completed_of_offered();
    view! {
        <section aria-labelledby="exercises-title">
            <div class="course-header">
                <h2 id="exercises-title">"The course"</h2>
                <p class="course-progress" data-testid="course-progress">
                    {format!("{completed} of {} completed", oauthlab::verdict::count(offered as u64, "exercise"))}
                </p>
            </div>
            <ol class="exercise-list">
                {course.items.into_iter().enumerate().map(|(i, item)| view! { <CourseCard number=i + 1 item/> }).collect_view()}
            </ol>
        </section>
    }
}

/// One exercise: its place in the course, what it teaches, how long it takes, and where
/// the learner is in it; one still to come says so.
#[component]
fn CourseCard(number: usize, item: CourseItem) -> impl IntoView {
    let state = if !item.offered {
        "coming"
    } else if item.completed {
        "completed"
    } else if item.steps_passed > 0 {
        "started"
    } else {
        "new"
    };
    let progress = match state {
        "coming" => "Coming soon".to_owned(),
        "completed" => "✓ Completed".to_owned(),
        _ => format!("{} of {} steps", item.steps_passed, item.steps),
    };
    let title = if item.offered {
        Either::Left(view! { <a href=format!("/exercises/{}", item.slug)>{item.title.clone()}</a> })
    } else {
        Either::Right(item.title.clone())
    };
    view! {
        <li class=format!("exercise-card exercise-card--{state}") class:exercise-card--next=item.next
            data-testid=format!("exercise-{}", item.slug) data-state=state>
            <p class="eyebrow">{format!("Exercise {number}")}{item.next.then_some(" · Next")}</p>
            <h3>{title}</h3>
            <p>{item.summary}</p>
            <p class="meta">
                <span data-testid="exercise-progress">{progress}</span>
                {format!(" · about {} minutes", item.minutes)}
            </p>
        </li>
    }
}
