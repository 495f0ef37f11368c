//! Server functions, one file per feature. Each is a thin wrapper over
//! [`crate::services::Services`]; the same services back the JSON API.

pub mod exercise;
pub mod instructor;
pub mod practice;
pub mod provider;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Where server functions are mounted.
pub const PREFIX: &str = "/fn";

/// What a person reads for a failed server function: the server's own message, without
/// the framework's prefix.
pub fn error_message(err: &ServerFnError) -> String {
    match err {
        ServerFnError::ServerError(message) => message.clone(),
        ServerFnError::Request(_) => {
            "OAuth Lab could not be reached: check your connection and try again.".to_owned()
        }
        other => other.to_string(),
    }
}

/// The error a plain form post (JavaScript off) came back with. The server function sent
/// the browser back here with the error in the URL, and the action starts out holding it;
/// a page shows it at once, since effects do not run while it renders on the server.
pub fn form_post_error<S>(action: ServerAction<S>) -> Option<String>
where
    S: ServerFn<Error = ServerFnError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    action.value().with_untracked(|value| match value {
        Some(Err(err)) => Some(error_message(err)),
        _ => None,
    })
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use leptos::prelude::*;

    use crate::services::failure::{self, Failure};
    use crate::services::{learner_from_parts, LearnerId, Services};

    use http::StatusCode;

    /// The services and the learner behind this request.
    pub fn context() -> Result<(Services, LearnerId), ServerFnError> {
        let services = use_context::<Services>().ok_or_else(not_set_up)?;
        let learner =
            use_context::<http::request::Parts>().as_ref().and_then(learner_from_parts).ok_or_else(|| {
                fail(StatusCode::BAD_REQUEST, "No learner session: enable cookies for this site.")
            })?;
        Ok((services, learner))
    }

    /// A plain form post from a page with JavaScript off (it accepts HTML).
    pub fn is_form_post() -> bool {
        use_context::<http::request::Parts>()
            .is_some_and(|parts| crate::services::accepts_html(&parts.headers))
    }

    /// After a plain form post (JavaScript off), send the browser to `path`. A hydrated
    /// page gets its answer in place and is not redirected.
    pub fn go_to(path: &str) {
        if is_form_post() {
            leptos_axum::redirect(path);
        }
    }

    /// A page action's answer: after a plain form post that worked, the browser goes to
    /// `path`, the page that shows the result. One that failed goes back to the page it
    /// came from with the error, which that page shows (see [`super::form_post_error`]).
    pub fn back_to<T>(path: &str, result: Result<T, ServerFnError>) -> Result<T, ServerFnError> {
        if result.is_ok() {
            go_to(path);
        }
        result
    }

    /// An error with the HTTP status it deserves (server functions otherwise answer every
    /// error with 500). A plain form post keeps its redirect to the page that explains.
    pub fn fail(status: StatusCode, message: impl Into<String>) -> ServerFnError {
        answer_with(status, None);
        ServerFnError::new(message.into())
    }

    /// A failed action's error, with the status, message and `Retry-After` its type
    /// decides (see [`Failure`]), as the JSON API answers it; logged here when it is the
    /// server's own.
    pub fn failed(err: impl Failure) -> ServerFnError {
        failure::log(&err);
        answer_with(err.status(), err.retry_after());
        ServerFnError::new(err.message())
    }

    /// Set the answer's status (and `Retry-After`), except for a plain form post, which
    /// keeps its redirect to the page that explains.
    fn answer_with(status: StatusCode, retry_after: Option<u64>) {
        if is_form_post() {
            return;
        }
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(status);
            if let Some(wait) = retry_after {
                res.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(wait));
            }
        }
    }

    pub fn not_set_up() -> ServerFnError {
        fail(StatusCode::SERVICE_UNAVAILABLE, "The server is not set up.")
    }
}
