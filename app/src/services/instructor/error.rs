//! The error of every instructor action.

use crate::services::store::StoreError;

/// Why an instructor action did not happen.
#[derive(Debug, thiserror::Error)]
pub enum InstructorError {
    #[error("Wrong email or password.")]
    BadCredentials,
    #[error("Too many failed logins: wait {} and try again.", oauthlab::verdict::count(*.0, "second"))]
    TooManyAttempts(u64),
    #[error("{}", crate::model::NOT_SIGNED_IN)]
    NotSignedIn,
    #[error("{0}")]
    Invalid(String),
    #[error("There is no such class or learner among yours.")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}
