//! Server functions, one file per feature. Each is a thin wrapper over
//! [`crate::services::Services`]; the same services back the JSON API.

pub mod exercise;
pub mod instructor;
pub mod practice;
pub mod provider;

/// Where server functions are mounted.
pub const PREFIX: &str = "/fn";

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use leptos::prelude::*;

    use crate::services::{learner_from_parts, LearnerId, ServiceError, Services};

    /// The services and the learner behind this request.
    pub fn context() -> Result<(Services, LearnerId), ServerFnError> {
        let services =
            use_context::<Services>().ok_or_else(|| ServerFnError::new("The server is not set up."))?;
        let learner = use_context::<http::request::Parts>()
            .as_ref()
            .and_then(learner_from_parts)
            .ok_or_else(|| ServerFnError::new("No learner session: enable cookies for this site."))?;
        Ok((services, learner))
    }

    /// After a plain form post (JavaScript off), send the browser to the page that shows
    /// the result. A hydrated page gets the result in place and is not redirected.
    pub fn back_to(path: &str) {
        let is_form_post = use_context::<http::request::Parts>().is_some_and(|parts| {
            parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
        });
        if is_form_post {
            leptos_axum::redirect(path);
        }
    }

    pub fn service_error(err: ServiceError) -> ServerFnError {
        match err {
            ServiceError::Locked(locked) => ServerFnError::new(locked.to_string()),
            ServiceError::Store(err) => store_error(err),
        }
    }

    pub fn store_error(err: crate::services::store::StoreError) -> ServerFnError {
        tracing::error!(error = %err, "storage failed");
        ServerFnError::new("The server could not save your progress. Try again in a moment.")
    }
}
