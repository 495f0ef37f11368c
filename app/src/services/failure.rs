//! How an action's error is answered over HTTP, decided once per error type: the same
//! status, code, message and `Retry-After` through a server function (the pages) and
//! through the JSON API (the server crate's `ApiError`).

use http::StatusCode;

use super::instructor::InstructorError;
use super::store::StoreError;
use super::ServiceError;

/// An error a request can end with.
pub trait Failure: std::fmt::Display {
    /// The HTTP status of the answer.
    fn status(&self) -> StatusCode;
    /// The JSON API's `error` code.
    fn code(&self) -> &'static str;
    /// What a person reads. A failure of the server's own says what to do; its detail
    /// (the `Display`) is for the operator's log only.
    fn message(&self) -> String {
        self.to_string()
    }
    /// Seconds to wait before trying again, sent as `Retry-After`.
    fn retry_after(&self) -> Option<u64> {
        None
    }
}

/// Seconds a client waits after the storage failed before it tries again.
pub const STORAGE_RETRY_AFTER: u64 = 5;

/// Log a failure of the server's own (5xx), once, at the boundary that answers it.
pub fn log(err: &dyn Failure) {
    if err.status().is_server_error() {
        tracing::error!(error = %err, code = err.code(), "request failed");
    }
}

impl Failure for StoreError {
    fn status(&self) -> StatusCode {
        StatusCode::SERVICE_UNAVAILABLE
    }
    fn code(&self) -> &'static str {
        "server_error"
    }
    fn message(&self) -> String {
        "The server could not reach its storage just now. Try again in a moment.".to_owned()
    }
    fn retry_after(&self) -> Option<u64> {
        Some(STORAGE_RETRY_AFTER)
    }
}

impl Failure for ServiceError {
    fn status(&self) -> StatusCode {
        match self {
            ServiceError::Locked(_) => StatusCode::CONFLICT,
            ServiceError::Invalid(_) => StatusCode::BAD_REQUEST,
            ServiceError::Store(e) => e.status(),
        }
    }
    fn code(&self) -> &'static str {
        match self {
            ServiceError::Locked(_) => "step_locked",
            ServiceError::Invalid(_) => "invalid_request",
            ServiceError::Store(e) => e.code(),
        }
    }
    fn message(&self) -> String {
        match self {
            ServiceError::Locked(locked) => locked.to_string(),
            ServiceError::Invalid(message) => message.clone(),
            ServiceError::Store(e) => e.message(),
        }
    }
    fn retry_after(&self) -> Option<u64> {
        match self {
            ServiceError::Locked(_) | ServiceError::Invalid(_) => None,
            ServiceError::Store(e) => e.retry_after(),
        }
    }
}

impl Failure for InstructorError {
    fn status(&self) -> StatusCode {
        match self {
            InstructorError::BadCredentials | InstructorError::NotSignedIn => StatusCode::UNAUTHORIZED,
            InstructorError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            InstructorError::Invalid(_) => StatusCode::BAD_REQUEST,
            InstructorError::NotFound => StatusCode::NOT_FOUND,
            InstructorError::Store(e) => e.status(),
        }
    }
    fn code(&self) -> &'static str {
        match self {
            InstructorError::BadCredentials => "invalid_credentials",
            InstructorError::NotSignedIn => "unauthorized",
            InstructorError::TooManyAttempts(_) => "rate_limited",
            InstructorError::Invalid(_) => "invalid_request",
            InstructorError::NotFound => "not_found",
            InstructorError::Store(e) => e.code(),
        }
    }
    fn message(&self) -> String {
        match self {
            InstructorError::Store(e) => e.message(),
            other => other.to_string(),
        }
    }
    fn retry_after(&self) -> Option<u64> {
        match self {
            InstructorError::TooManyAttempts(wait) => Some(*wait),
            InstructorError::Store(e) => e.retry_after(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storage_failure_is_503_with_retry_after_and_no_detail_for_the_person() {
        let cases: [&dyn Failure; 3] = [
            &StoreError("disk I/O error at /var/lib/x".into()),
            &ServiceError::Store(StoreError("disk I/O error at /var/lib/x".into())),
            &InstructorError::Store(StoreError("disk I/O error at /var/lib/x".into())),
        ];
        for err in cases {
            assert_eq!(err.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(err.code(), "server_error");
            assert_eq!(err.retry_after(), Some(STORAGE_RETRY_AFTER));
            assert!(!err.message().contains("disk"), "{}", err.message());
            assert!(err.to_string().contains("disk"), "the log has the detail");
        }
    }

    #[test]
    fn instructor_errors_have_their_status_code_and_wait() {
        let cases = [
            (InstructorError::BadCredentials, 401, "invalid_credentials", None),
            (InstructorError::NotSignedIn, 401, "unauthorized", None),
            (InstructorError::TooManyAttempts(42), 429, "rate_limited", Some(42)),
            (InstructorError::Invalid("no".into()), 400, "invalid_request", None),
            (InstructorError::NotFound, 404, "not_found", None),
        ];
        for (err, status, code, wait) in cases {
            assert_eq!((err.status().as_u16(), err.code(), err.retry_after()), (status, code, wait), "{err}");
            assert_eq!(err.message(), err.to_string());
        }
    }
}
