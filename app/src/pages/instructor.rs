use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use oauthlab::exercises::{ExerciseInfo, StepStatus};
use oauthlab::verdict::count;

use crate::api::error_message;
use crate::api::instructor::{
    get_dashboard, is_signed_out, ClassView, CreateClass, ExerciseCell, InstructorLogin, InstructorLogout,
    LearnerView, ResetClass, ResetLearner,
};
use crate::components::status_label;
use crate::model::LEARNERS_PER_PAGE;

/// The instructors' dashboard (or their login form).
#[component]
pub fn InstructorPage() -> impl IntoView {
    let login = ServerAction::<InstructorLogin>::new();
    let logout = ServerAction::<InstructorLogout>::new();
    let create = ServerAction::<CreateClass>::new();
    let reset_learner = ServerAction::<ResetLearner>::new();
    let reset_class = ServerAction::<ResetClass>::new();
    // The page renders once per action (a plain form post, answered in place when
    // JavaScript runs); a signed-in dashboard keeps itself up to date (see `Dashboard`).
    let dashboard = Resource::new(
        move || {
            (
                login.version().get(),
                logout.version().get(),
                create.version().get(),
                reset_learner.version().get(),
                reset_class.version().get(),
            )
        },
        move |_| {
            let (search, class, page) = view_query();
            get_dashboard(search, class, page)
        },
    );
    // The actions start with the error of a plain form post (JavaScript off) that failed.
    let login_error = move || login.value().get().and_then(|r| r.err()).map(|e| error_message(&e));
    let action_error = move || {
        [create.value().get(), reset_learner.value().get(), reset_class.value().get()]
            .into_iter()
            .flatten()
            .find_map(|r| r.err())
            .map(|e| error_message(&e))
    };

    view! {
        <Title text="Instructors"/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match dashboard.await {
                    // Not signed in as an instructor: the page says so with 401.
                    Err(err) if is_signed_out(&err) => Either::Left({
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
                    Err(err) => Either::Left(view! {
                        <p class="error-box" role="alert">{format!("The dashboard could not load: {}", error_message(&err))}</p>
                    }.into_any()),
                    Ok(classes) => Either::Right(view! {
                        <Dashboard classes create logout reset_learner reset_class/>
                        {action_error().map(|e| view! { <p class="error-box" role="alert">{e}</p> })}
                    }),
                }
            })}
        </Transition>
    }
}

/// The signed-in dashboard, rendered once per page view. With JavaScript on it is a live region: it refreshes itself
/// from this page every few seconds, updating rows in place, so an open confirmation or a
/// half-typed class name is not lost (see `enhance`); when the session is over, the
/// sign-in form comes in its place.
#[component]
fn Dashboard(
    classes: Vec<ClassView>,
    create: ServerAction<CreateClass>,
    logout: ServerAction<InstructorLogout>,
    reset_learner: ServerAction<ResetLearner>,
    reset_class: ServerAction<ResetClass>,
) -> impl IntoView {
    let no_classes = classes.is_empty();
    let paged = classes.iter().any(|c| c.size > LEARNERS_PER_PAGE);
    view! {
        <div class="dashboard-live" data-live="">
        <header class="exercise-header dashboard-header">
            <div>
                <p class="eyebrow">"Instructors"</p>
                <h1>"Your classes"</h1>
            </div>
            <ActionForm action=logout>
                <button class="button button--secondary" type="submit">"Sign out"</button>
            </ActionForm>
        </header>
        <section class="panel">
            <h2>"New class"</h2>
            <ActionForm action=create attr:class="check-form new-class">
                <label for="class-name">"Class name"</label>
                <input id="class-name" name="name" type="text" required maxlength="100"/>
                <button class="button" type="submit">"Create class"</button>
            </ActionForm>
        </section>
        {no_classes.then(|| view! {
            <p class="hint">"No classes yet: create one and share its join link."</p>
        })}
        {paged.then(|| view! {
            <form method="get" action="/instructor" class="search-form" role="search">
                <label for="learner-search">"Find a learner by name"</label>
                <input id="learner-search" name="search" type="search" maxlength="100"
                    value=view_query().0.unwrap_or_default()/>
                <button class="button button--secondary" type="submit">"Search"</button>
            </form>
        })}
        {classes
            .into_iter()
            .map(|class| view! { <ClassPanel class reset_learner reset_class/> })
            .collect_view()}
        </div>
    }
}

#[component]
fn ClassPanel(
    class: ClassView,
    reset_learner: ServerAction<ResetLearner>,
    reset_class: ServerAction<ResetClass>,
) -> impl IntoView {
    let ClassView { class_id, name, join_url, size, learners, matching, page, pages } = class;
    let csv = format!("/api/v1/instructor/classes/{class_id}/progress.csv");
    let wide_csv = format!("{csv}?layout=wide");
    let shown = learners.len();
    let key = format!("class-{class_id}");
    // Moved into the reset form, which renders its children in a closure of its own.
    let reset_id = class_id.clone();
    let rows = (!learners.is_empty()).then(|| {
        view! {
            <div class="table-wrap">
                <table class="learners">
                    <thead>
                        <tr>
                            <th scope="col">"Learner"</th>
                            {oauthlab::exercises::catalog()
                                .into_iter()
                                .map(|e| view! { <th scope="col" class="exercise-col" data-exercise=e.slug>{e.title}</th> })
                                .collect_view()}
                            <th scope="col">"Last activity"</th>
                            <th scope="col">"Actions"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {learners
                            .into_iter()
                            .map(|learner| view! { <LearnerRowView learner reset_learner/> })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
    });
    view! {
        <section class="panel class" data-testid="class" data-key=key data-class-id=class_id.clone()>
            <h2>{name}</h2>
            <p class="join-link">"Join link: "<code data-testid="join-url">{join_url}</code></p>
            <p class="meta">
                {format!("{} · ", count(size, "learner"))}
                <a href=csv rel="external" download="">"Export progress (CSV)"</a>
                " · "
                <a href=wide_csv rel="external" download="">"One row per learner (CSV)"</a>
            </p>
            {match rows {
                Some(rows) => Either::Left(rows),
                None => Either::Right(view! {
                    <p class="empty-state" data-testid="no-learners">
                        "No learners yet: share the join link above. Each learner who opens it appears here."
                    </p>
                }),
            }}
            <Pager class_id=class_id.clone() shown matching size page pages/>
            <details class="reset">
                <summary>"Reset class"</summary>
                <p>"This clears the progress of every learner in this class."</p>
                <ActionForm action=reset_class>
                    <input type="hidden" name="class_id" value=reset_id/>
                    <ExerciseChoice/>
                    <button class="button button--danger" type="submit">"Yes, reset the whole class"</button>
                </ActionForm>
            </details>
        </section>
    }
}

/// A learner's name on the dashboard: their display name, or the start of their id.
fn name_of(learner: &LearnerView) -> String {
    learner
        .display_name
        .clone()
        .unwrap_or_else(|| format!("Learner {}", &learner.learner_id[..6.min(learner.learner_id.len())]))
}

/// What a cell of the grid shows for `steps_passed` of `steps` (and whether that
/// completes the exercise), and what it says to a screen reader, which names `title`: a
/// mark when completed, "3/5" part way, "–" before the first step.
fn progress_cell(title: &str, steps: usize, steps_passed: i64, completed: bool) -> (String, String) {
    let passed = steps_passed.max(0);
    if completed {
        ("✓".to_owned(), format!("{title}: completed, {passed} of {steps} steps"))
    } else if passed == 0 {
        ("–".to_owned(), format!("{title}: not started, 0 of {steps} steps"))
    } else {
        (format!("{passed}/{steps}"), format!("{title}: {passed} of {steps} steps"))
    }
}

/// The rows the browser's live refresh already shows, as it named them: `key:version`.
fn rows_shown() -> std::collections::HashSet<String> {
    #[cfg(feature = "ssr")]
    {
        use crate::model::ROWS_SHOWN_HEADER;
        /// The most rows a live refresh may name: more than a page holds.
        const MAX_ROWS_SHOWN: usize = 2 * LEARNERS_PER_PAGE as usize;
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.headers.get(ROWS_SHOWN_HEADER)?.to_str().ok().map(str::to_owned))
            .map(|shown| shown.split(',').take(MAX_ROWS_SHOWN).map(|s| s.trim().to_owned()).collect())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        std::collections::HashSet::new()
    }
}

/// What a learner's row shows, as a short digest: the row is the same when this is.
fn row_version(learner: &LearnerView) -> String {
    let shown = serde_json::to_string(learner).unwrap_or_default();
    oauthlab::pkce::challenge_s256(&shown).chars().take(12).collect()
}

/// A learner's row; for a live refresh that already shows it as it is, only a stub that
/// says so (`data-same`), so a live update carries only the rows that changed.
#[component]
fn LearnerRowView(learner: LearnerView, reset_learner: ServerAction<ResetLearner>) -> impl IntoView {
    let key = format!("learner-{}", learner.learner_id);
    let version = row_version(&learner);
    if rows_shown().contains(&format!("{key}:{version}")) {
        return Either::Left(view! { <tr data-key=key data-version=version data-same=""></tr> });
    }
    Either::Right(view! { <LearnerRowFull learner reset_learner key version/> })
}

#[component]
fn LearnerRowFull(
    learner: LearnerView,
    reset_learner: ServerAction<ResetLearner>,
    key: String,
    version: String,
) -> impl IntoView {
    let name = name_of(&learner);
    // One for the row, one moved into the reset form, which renders its children in a
    // closure of its own.
    let (id, reset_id) = (learner.learner_id.clone(), learner.learner_id);
    let catalog = oauthlab::exercises::catalog();
    // Each exercise the site offers with this learner's progress in it, in the catalog's order.
    let exercises: Vec<(ExerciseInfo, ExerciseCell)> = catalog
        .into_iter()
        .map(|e| {
            let cell = learner.exercises.iter().find(|c| c.slug == e.slug).cloned().unwrap_or(ExerciseCell {
                slug: e.slug.to_owned(),
                steps_passed: 0,
                completed: false,
            });
            (e, cell)
        })
        .collect();
    let details = exercises
        .iter()
        .map(|(e, cell)| {
            let passed = usize::try_from(cell.steps_passed).unwrap_or(0);
            view! {
                <li>
                    <span class="step-detail-title">{e.title}</span>
                    <ol class="step-detail" data-testid="learner-steps" data-exercise=e.slug>
                        {e.steps.iter().enumerate().map(|(i, s)| {
                            let state = status_label(StepStatus::of(i, passed));
                            view! { <li class=format!("progress-item--{state}")>{format!("{}: {state}", s.title)}</li> }
                        }).collect_view()}
                    </ol>
                </li>
            }
        })
        .collect_view();
    let cells = exercises
        .iter()
        .map(|(e, cell)| {
            let (mark, label) = progress_cell(e.title, e.steps.len(), cell.steps_passed, cell.completed);
            let title = label.clone();
            let state = if cell.completed {
                "completed"
            } else if cell.steps_passed > 0 {
                "started"
            } else {
                "not-started"
            };
            view! {
                <td
                    class=format!("exercise-cell exercise-cell--{state}")
                    data-testid="learner-progress"
                    data-exercise=e.slug
                    data-steps-passed=cell.steps_passed.to_string()
                    data-label=e.title
                    title=title
                >
                    <span aria-hidden="true">{mark}</span>
                    <span class="visually-hidden">{label}</span>
                </td>
            }
        })
        .collect_view();
    // The row's steps passed in all exercises together; each cell has its exercise's own.
    let steps_passed: i64 = exercises.iter().map(|(_, c)| c.steps_passed.max(0)).sum();
    view! {
        <tr
            data-testid="learner"
            data-key=key
            data-version=version
            data-learner-id=id
            data-steps-passed=steps_passed.to_string()
        >
            <td class="learner-cell">
                <details>
                    <summary>{name.clone()}</summary>
                    <ul class="exercise-detail">{details}</ul>
                </details>
                {learner.server.map(|issuer| view! {
                    <span class="hint learner-server" data-testid="learner-server">{format!("on {issuer}")}</span>
                })}
            </td>
            {cells}
            <td data-testid="learner-activity" data-label="Last activity">{learner.last_activity}</td>
            <td class="learner-actions">
                <details class="reset">
                    <summary>"Reset"</summary>
                    <ActionForm action=reset_learner>
                        <input type="hidden" name="learner_id" value=reset_id/>
                        <ExerciseChoice/>
                        <button class="button button--danger" type="submit">{format!("Yes, reset {name}")}</button>
                    </ActionForm>
                </details>
            </td>
        </tr>
    }
}

/// Which exercise a reset clears: all of them (the first choice, as the confirmation
/// "Yes, reset Ada" reads), or one of those the site offers.
#[component]
fn ExerciseChoice() -> impl IntoView {
    view! {
        <label class="reset-choice">
            "Exercise "
            <select name="exercise">
                <option value="all">"All exercises"</option>
                {oauthlab::exercises::catalog()
                    .into_iter()
                    .map(|e| view! { <option value=e.slug>{e.title}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}

/// What the dashboard's address asks for: a name search, and a page of one class.
fn view_query() -> (Option<String>, Option<String>, Option<u64>) {
    let query = use_query_map();
    query.with_untracked(|q| {
        (
            q.get("search").filter(|s| !s.trim().is_empty()),
            q.get("class"),
            q.get("page").and_then(|p| p.parse().ok()),
        )
    })
}

/// Where a class's list is among its learners (or among those the search found), with
/// links to the pages before and after: a class of thousands shows a page at a time.
#[component]
fn Pager(class_id: String, shown: usize, matching: u64, size: u64, page: u64, pages: u64) -> impl IntoView {
    let search = view_query().0;
    let link = move |page: u64| {
        let mut url = format!("/instructor?class={class_id}&page={page}");
        if let Some(search) = &search {
            url.push_str("&search=");
            url.push_str(&url_escape(search));
        }
        url
    };
    let first = (page - 1) * LEARNERS_PER_PAGE + 1;
    let what = if matching == size { String::new() } else { " found by the search".to_owned() };
    let showing = match (shown, matching) {
        (_, 0) if size > 0 => "No learner's name matches the search.".to_owned(),
        (0, _) => String::new(),
        _ if pages == 1 && matching == size => String::new(),
        _ => format!("Showing {first}–{} of {}{what}.", first + shown as u64 - 1, count(matching, "learner")),
    };
    (!showing.is_empty()).then(|| {
        view! {
            <nav class="pager" aria-label="Learner pages" data-testid="pager">
                <p class="meta">{showing}</p>
                {(page > 1).then(|| view! { <a href=link(page - 1) rel="prev">"← Previous"</a> })}
                {(page < pages).then(|| view! { <a href=link(page + 1) rel="next">"Next →"</a> })}
            </nav>
        }
    })
}

/// `text` as a URL query value.
fn url_escape(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::progress_cell;

    #[test]
    fn a_grid_cell_shows_a_mark_a_fraction_or_a_dash_and_says_it_in_words() {
        let cases = [
            (5, true, "✓", "Refresh Tokens: completed, 5 of 5 steps"),
            (3, false, "3/5", "Refresh Tokens: 3 of 5 steps"),
            (1, false, "1/5", "Refresh Tokens: 1 of 5 steps"),
            (0, false, "–", "Refresh Tokens: not started, 0 of 5 steps"),
            (-2, false, "–", "Refresh Tokens: not started, 0 of 5 steps"),
        ];
        for (passed, completed, mark, label) in cases {
            assert_eq!(
                progress_cell("Refresh Tokens", 5, passed, completed),
                (mark.to_owned(), label.to_owned()),
                "{passed} {completed}"
            );
        }
    }
}
