//! The instructors' dashboard and the class join page.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::NOT_SIGNED_IN;
#[cfg(feature = "ssr")]
use crate::services::instructor::{ClassSummary, LearnerPage};

/// A class with its learners.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassView {
    pub class_id: String,
    pub name: String,
    pub join_url: String,
    /// How many learners the class has.
    pub size: u64,
    /// One page of its learners (those matching the search, if any).
    pub learners: Vec<LearnerView>,
    /// How many learners match, this page (from 1) and how many pages there are.
    pub matching: u64,
    pub page: u64,
    pub pages: u64,
}

/// A learner's row on the dashboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LearnerView {
    pub learner_id: String,
    pub display_name: Option<String>,
    /// Their progress in each exercise the site offers, in the catalog's order.
    pub exercises: Vec<ExerciseCell>,
    /// "3 min ago", or "reset just now" after the instructor reset the learner, as of
    /// when the server answered: their last change in any exercise.
    pub last_activity: String,
    /// The issuer of the learner's own server; `None` on the built-in one.
    pub server: Option<String>,
}

/// A learner's progress in one exercise, as a cell of the dashboard's grid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExerciseCell {
    /// The exercise's slug, in `oauthlab::exercises::catalog()`.
    pub slug: String,
    pub steps_passed: i64,
    pub completed: bool,
}

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::*;

    use crate::services::instructor::{InstructorError, InstructorId, Instructors};
    use crate::services::Services;

    pub fn instructors() -> Result<Instructors, ServerFnError> {
        use_context::<Instructors>().ok_or_else(super::super::ssr::not_set_up)
    }

    /// The instructor session token of this request's cookie (named for the site).
    pub fn cookie(i: &Instructors) -> Option<String> {
        use_context::<http::request::Parts>().and_then(|p| i.cookie_in(&p.headers).map(str::to_owned))
    }

    /// The signed-in instructor, or `None`.
    pub async fn who(i: &Instructors) -> Result<Option<InstructorId>, ServerFnError> {
        match i.signed_in(cookie(i).as_deref()).await {
            Ok(who) => Ok(Some(who)),
            Err(InstructorError::NotSignedIn) => Ok(None),
            Err(err) => Err(error(err)),
        }
    }

    pub async fn signed_in(i: &Instructors) -> Result<InstructorId, ServerFnError> {
        who(i).await?.ok_or_else(|| error(InstructorError::NotSignedIn))
    }

    /// An instructor action's error, with the status its type decides.
    pub fn error(err: InstructorError) -> ServerFnError {
        super::super::ssr::failed(err)
    }

    pub fn services() -> Result<Services, ServerFnError> {
        use_context::<Services>().ok_or_else(super::super::ssr::not_set_up)
    }

    pub fn set_cookie(value: &str) {
        if let (Some(res), Ok(v)) =
            (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(value))
        {
            res.append_header(http::header::SET_COOKIE, v);
        }
    }
}

/// A class as the dashboard shows it, with one page of its learners; `reset_at` tells when
/// the instructor last reset a learner (by id), so that their row says "reset just now".
#[cfg(feature = "ssr")]
fn view_of(class: ClassSummary, page: LearnerPage, reset_at: impl Fn(&str) -> Option<i64>) -> ClassView {
    use crate::services::instructor::last_activity;
    let now = crate::services::now_unix();
    ClassView {
        learners: page
            .rows
            .into_iter()
            .map(|l| {
                let exercises = l.exercises.offered();
                LearnerView {
                    last_activity: last_activity(exercises.updated_at(), reset_at(&l.learner_id), now),
                    exercises: oauthlab::exercises::catalog()
                        .into_iter()
                        .map(|e| {
                            let p = exercises.of(e.slug);
                            ExerciseCell {
                                slug: e.slug.to_owned(),
                                steps_passed: p.steps_passed,
                                completed: p.completed,
                            }
                        })
                        .collect(),
                    learner_id: l.learner_id,
                    display_name: l.display_name,
                    server: l.server,
                }
            })
            .collect(),
        size: u64::try_from(class.learners).unwrap_or(0),
        matching: page.total,
        page: page.page,
        pages: page.pages,
        class_id: class.class_id,
        name: class.name,
        join_url: class.join_url,
    }
}

/// The dashboard's path: where its forms go back to after a plain form post.
pub const DASHBOARD: &str = "/instructor";

/// The dashboard as the form was sent from: with the search and page it showed (read from
/// the `Referer`, only when that is the dashboard itself), so an action on page 3 comes
/// back to page 3.
#[cfg(feature = "ssr")]
fn dashboard_as_seen() -> String {
    let referer = use_context::<http::request::Parts>()
        .and_then(|p| p.headers.get(http::header::REFERER).and_then(|v| v.to_str().ok()).map(str::to_owned));
    dashboard_from_referer(referer.as_deref())
}

/// [`DASHBOARD`] with the query of `referer` when that is the dashboard.
#[cfg(any(feature = "ssr", test))]
fn dashboard_from_referer(referer: Option<&str>) -> String {
    let query =
        referer.and_then(|r| url::Url::parse(r).ok()).filter(|u| u.path() == DASHBOARD).and_then(|u| {
            let kept: Vec<(String, String)> = u
                .query_pairs()
                .filter(|(k, _)| matches!(k.as_ref(), "search" | "class" | "page"))
                .map(|(k, v)| (k.into_owned(), v.chars().take(200).collect()))
                .collect();
            (!kept.is_empty())
                .then(|| url::form_urlencoded::Serializer::new(String::new()).extend_pairs(kept).finish())
        });
    match query {
        Some(query) => format!("{DASHBOARD}?{query}"),
        None => DASHBOARD.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::dashboard_from_referer;

    #[cfg(feature = "ssr")]
    #[test]
    fn a_dashboard_row_has_a_cell_for_each_offered_exercise_in_catalog_order() {
        use std::collections::BTreeMap;

        use crate::services::instructor::{
            ClassSummary, ExerciseProgress, LearnerExercises, LearnerPage, LearnerRow,
        };
        let now = crate::services::now_unix();
        let progress =
            |steps_passed, completed, at| ExerciseProgress { steps_passed, completed, updated_at: Some(at) };
        let exercises = BTreeMap::from([
            ("refresh".to_owned(), progress(5, true, now - 7200)),
            ("getting-started".to_owned(), progress(2, false, now - 120)),
            ("implicit".to_owned(), progress(1, false, now)),
        ]);
        let row = |id: &str, exercises| LearnerRow {
            learner_id: id.into(),
            display_name: None,
            class_id: "cls_a".into(),
            exercises: LearnerExercises(exercises),
            server: None,
        };
        let page = LearnerPage {
            rows: vec![row("amy", exercises.clone()), row("bo", BTreeMap::new())],
            total: 2,
            page: 1,
            pages: 1,
            search: None,
        };
        let class =
            ClassSummary { class_id: "cls_a".into(), name: "A".into(), join_url: "u".into(), learners: 2 };
        let view = super::view_of(class, page, |_| None);
        let catalog = oauthlab::exercises::catalog();
        for learner in &view.learners {
            let slugs: Vec<&str> = learner.exercises.iter().map(|c| c.slug.as_str()).collect();
            assert_eq!(slugs, catalog.iter().map(|e| e.slug).collect::<Vec<_>>(), "{}", learner.learner_id);
        }
        for (cell, e) in view.learners[0].exercises.iter().zip(&catalog) {
            let want = exercises.get(e.slug).cloned().unwrap_or_default();
            assert_eq!(
                (cell.steps_passed, cell.completed),
                (want.steps_passed, want.completed),
                "{}",
                e.slug
            );
        }
        assert!(view.learners[1].exercises.iter().all(|c| c.steps_passed == 0 && !c.completed));
        assert_eq!(view.learners[1].last_activity, "no activity yet");
        // The last change in any exercise: the site's own, when it offers `getting-started`.
        let offered = |slug: &str| catalog.iter().any(|e| e.slug == slug);
        let want = if offered("getting-started") { "2 min ago" } else { "2 h ago" };
        assert_eq!(view.learners[0].last_activity, want);
    }

    #[test]
    fn an_action_goes_back_to_the_dashboard_page_it_came_from_and_nowhere_else() {
        assert_eq!(
            dashboard_from_referer(Some("http://x/instructor?class=cls_1&page=3&search=al+an")),
            "/instructor?class=cls_1&page=3&search=al+an"
        );
        assert_eq!(dashboard_from_referer(Some("http://x/instructor?evil=1")), "/instructor");
        assert_eq!(dashboard_from_referer(Some("http://x/elsewhere?page=3")), "/instructor");
        assert_eq!(dashboard_from_referer(Some("not a url")), "/instructor");
        assert_eq!(dashboard_from_referer(None), "/instructor");
    }
}

/// True for the error of a dashboard request without an instructor's session: the page
/// shows the sign-in form. (A 401 reaches a hydrated page as an error, never as `Ok`.)
pub fn is_signed_out(err: &ServerFnError) -> bool {
    matches!(err, ServerFnError::ServerError(message) if message == NOT_SIGNED_IN)
}

/// The signed-in instructor's classes and learners; [`NOT_SIGNED_IN`] (401) when nobody
/// is signed in.
/// Each class shows one page of its learners: page `page` of the class `class`, the first
/// of the others; only those whose name contains `search` when it is given.
#[server(prefix = "/fn", endpoint = "instructor_dashboard")]
pub async fn get_dashboard(
    search: Option<String>,
    class: Option<String>,
    page: Option<u64>,
) -> Result<Vec<ClassView>, ServerFnError> {
    use ssr::*;
    let i = instructors()?;
    let who = signed_in(&i).await?;
    let mut views = Vec::new();
    for c in i.classes(who).await.map_err(error)? {
        let page = if class.as_deref() == Some(c.class_id.as_str()) { page.unwrap_or(1) } else { 1 };
        let learners = i.learners_page(who, &c.class_id, search.as_deref(), page).await.map_err(error)?;
        let ids: Vec<&str> = learners.rows.iter().map(|l| l.learner_id.as_str()).collect();
        let resets = crate::services::store::or_log("resets", i.resets.last_of(who, &ids).await);
        views.push(view_of(c, learners, |id| resets.get(id).copied()));
    }
    Ok(views)
}

#[server(prefix = "/fn", endpoint = "instructor_login")]
pub async fn instructor_login(email: String, password: String) -> Result<(), ServerFnError> {
    use crate::services::instructor::SESSION_SECONDS;
    use ssr::*;
    let i = instructors()?;
    let client = use_context::<http::request::Parts>().and_then(|p| crate::services::client_from_parts(&p));
    match i.login(&email, &password, cookie(&i).as_deref(), client).await {
        Ok(token) => {
            set_cookie(&i.cookie(&token, SESSION_SECONDS));
            super::ssr::go_to(DASHBOARD);
            Ok(())
        }
        Err(err) => Err(error(err)),
    }
}

#[server(prefix = "/fn", endpoint = "instructor_logout")]
pub async fn instructor_logout() -> Result<(), ServerFnError> {
    use ssr::*;
    let i = instructors()?;
    if let Some(token) = cookie(&i) {
        i.logout(&token).await.map_err(error)?;
    }
    set_cookie(&i.cookie("", 0));
    super::ssr::go_to(DASHBOARD);
    Ok(())
}

#[server(prefix = "/fn", endpoint = "create_class")]
pub async fn create_class(name: String) -> Result<(), ServerFnError> {
    use ssr::*;
    let i = instructors()?;
    let who = signed_in(&i).await?;
    super::ssr::back_to(&dashboard_as_seen(), i.create_class(who, &name).await.map(drop).map_err(error))
}

/// Reset one learner's progress in one exercise (its slug) or in `all`.
#[server(prefix = "/fn", endpoint = "reset_learner")]
pub async fn reset_learner(learner_id: String, exercise: String) -> Result<(), ServerFnError> {
    use ssr::*;
    let i = instructors()?;
    let who = signed_in(&i).await?;
    let result = i.reset_learner(&services()?, who, &learner_id, &exercise).await;
    super::ssr::back_to(&dashboard_as_seen(), result.map_err(error))
}

/// Reset every learner of a class, in one exercise or in `all`.
#[server(prefix = "/fn", endpoint = "reset_class")]
pub async fn reset_class(class_id: String, exercise: String) -> Result<(), ServerFnError> {
    use ssr::*;
    let i = instructors()?;
    let who = signed_in(&i).await?;
    let result = i.reset_class(&services()?, who, &class_id, &exercise).await;
    super::ssr::back_to(&dashboard_as_seen(), result.map_err(error))
}

/// What the join page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JoinLink {
    /// The learner is in the class with this name.
    Joined(String),
    /// Nobody was moved: "Join <class name>?", with a button ([`ConfirmJoin`]).
    Ask(String),
    /// No class has the code.
    NotFound,
}

/// Opening a join link: a learner in no class, opening it from this site (or typing
/// it), joins at once. One already in another class, or one who followed the link from
/// another site (`Sec-Fetch-Site: cross-site`), is asked first: no GET moves anybody
/// between classes. A HEAD request (a link preview asking what the page is) never joins.
/// A client without the learner cookie does not get this far: the server sends it back
/// with one first.
#[server(prefix = "/fn", endpoint = "open_join_link")]
pub async fn open_join_link(code: String) -> Result<JoinLink, ServerFnError> {
    use crate::services::instructor::{InstructorError, Opened};
    use ssr::*;
    let (_, learner) = super::ssr::context()?;
    let parts = use_context::<http::request::Parts>();
    let join = parts.as_ref().is_none_or(|p| p.method != http::Method::HEAD);
    let cross_site = parts.as_ref().is_some_and(|p| crate::services::sent_from_another_site(&p.headers));
    match instructors()?.open_join_link(&learner, &code, join, cross_site).await {
        Ok(Opened::Joined { class_name }) => Ok(JoinLink::Joined(class_name)),
        Ok(Opened::Ask { class_name }) => Ok(JoinLink::Ask(class_name)),
        Err(InstructorError::NotFound) => Ok(JoinLink::NotFound),
        Err(err) => Err(error(err)),
    }
}

/// The join page's button: join the class (leaving the one the learner is in). A plain
/// form post goes back to the join page, which then shows the class joined.
#[server(prefix = "/fn", endpoint = "confirm_join")]
pub async fn confirm_join(code: String) -> Result<(), ServerFnError> {
    use crate::services::instructor::InstructorError;
    use ssr::*;
    let (_, learner) = super::ssr::context()?;
    let code = code.trim();
    let result = instructors()?.join(&learner, code, None).await.map_err(|err| match err {
        InstructorError::NotFound => super::ssr::fail(http::StatusCode::NOT_FOUND, NOT_A_JOIN_LINK),
        err => error(err),
    });
    // Only a real class's code (server-made) gets this far.
    super::ssr::back_to(&format!("/join/{code}"), result)
}

/// The join page's form: join the class with a display name (optional). A plain form
/// post goes on to the exercise, or back to the join page, which says what failed.
#[server(prefix = "/fn", endpoint = "join_class")]
pub async fn join_class(code: String, display_name: Option<String>) -> Result<(), ServerFnError> {
    use crate::services::instructor::InstructorError;
    use ssr::*;
    let (_, learner) = super::ssr::context()?;
    let result =
        instructors()?.join(&learner, &code, display_name.as_deref()).await.map_err(|err| match err {
            InstructorError::NotFound => super::ssr::fail(http::StatusCode::NOT_FOUND, NOT_A_JOIN_LINK),
            err => error(err),
        });
    super::ssr::back_to("/exercises/refresh", result)
}

/// What a learner is told about a code no class has.
pub const NOT_A_JOIN_LINK: &str =
    "This join link is not valid: ask your instructor for the class's current link.";
