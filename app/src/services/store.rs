//! The storage the learner actions need, as small traits.

use std::collections::BTreeMap;

use async_trait::async_trait;
use oauthlab::exercises::refresh::{Issued, Progress, SignatureCheck};
use oauthlab::oauth::discovery::{Fetched, Metadata};
use serde::{Deserialize, Serialize};

use super::LearnerId;
use crate::model::{LastCheck, SetupAttempt};

/// Storage failed; the message is for the operator's log, never for the learner.
#[derive(Debug, thiserror::Error)]
#[error("storage: {0}")]
pub struct StoreError(pub String);

/// A learner's progress in one exercise and the last verdict of each step (keyed by
/// step slug). Holds no secret: see [`Progress`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredProgress {
    pub progress: Progress,
    pub last: BTreeMap<String, LastCheck>,
}

#[async_trait]
pub trait ProgressStore: Send + Sync {
    /// The learner's progress, or the empty one.
    async fn load(&self, learner: &LearnerId, exercise: &str) -> Result<StoredProgress, StoreError>;
    async fn save(
        &self,
        learner: &LearnerId,
        exercise: &str,
        progress: &StoredProgress,
    ) -> Result<(), StoreError>;
    async fn reset(&self, learner: &LearnerId, exercise: &str) -> Result<(), StoreError>;
}

/// A practice application as stored: its secret is derived, never stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PracticeAppRecord {
    pub client_id: String,
    pub refresh_tokens_enabled: bool,
}

#[async_trait]
pub trait PracticeAppStore: Send + Sync {
    /// The learner's application, made (refresh tokens off) on first use.
    async fn get_or_create(&self, learner: &LearnerId) -> Result<PracticeAppRecord, StoreError>;
    async fn set_refresh_tokens(
        &self,
        learner: &LearnerId,
        enabled: bool,
    ) -> Result<PracticeAppRecord, StoreError>;
    /// The application with this client id, and its learner.
    async fn find_by_client_id(
        &self,
        client_id: &str,
    ) -> Result<Option<(LearnerId, PracticeAppRecord)>, StoreError>;
}

/// What the practice server issued as an access token, looked up by its digest, so the
/// grader can tell a real token from a made-up one.
#[async_trait]
pub trait IssuedTokens: Send + Sync {
    async fn issued(&self, access_token_sha256: &str) -> Result<Option<Issued>, StoreError>;
}

/// Client secrets are derived from the client id with a server key, so the database
/// never holds one.
pub trait ClientSecrets: Send + Sync {
    fn secret_for(&self, client_id: &str) -> String;
    /// The 32 bytes a learner's practice user is made from
    /// ([`oauthlab::practice_user::practice_user`]): derived, stable, never stored.
    fn user_digest(&self, learner_id: &str) -> [u8; 32];
}

/// Whose keys sign the access tokens being checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys<'a> {
    /// The built-in practice server's.
    Builtin,
    /// Another server's, published at this JWKS URL.
    Published(&'a str),
}

/// Checks a JWT access token's signature against the authorization server's JWKS.
#[async_trait]
pub trait JwtVerifier: Send + Sync {
    /// `None` when the token is not a JWT (or the server publishes no keys).
    async fn verify(&self, token: &str, keys: Keys<'_>) -> Result<Option<SignatureCheck>, StoreError>;
}

/// Reads a JSON document from another server (its metadata): a bounded GET that follows
/// no redirect.
#[async_trait]
pub trait Fetcher: Send + Sync {
    async fn get(&self, url: &str) -> Fetched;
}

/// The authorization server a learner set up instead of the built-in one. No secret:
/// the learner's client secret for it is never asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnServer {
    pub metadata: Metadata,
    /// The application's client id there, when the learner gave it (step 3 then
    /// checks it).
    pub client_id: Option<String>,
    /// A redirect URI registered for the application, when given.
    pub redirect_uri: Option<String>,
}

/// Which server a learner works against: the built-in one unless `own` is set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerChoice {
    pub own: Option<OwnServer>,
    pub last_attempt: Option<SetupAttempt>,
}

#[async_trait]
pub trait ServerChoiceStore: Send + Sync {
    async fn load(&self, learner: &LearnerId) -> Result<ServerChoice, StoreError>;
    async fn save(&self, learner: &LearnerId, choice: &ServerChoice) -> Result<(), StoreError>;
}

/// What a check or a page reads about one learner: their progress in an exercise, their
/// practice application (unless not made yet) and their server choice.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LearnerState {
    pub progress: StoredProgress,
    pub app: Option<PracticeAppRecord>,
    pub choice: ServerChoice,
}

/// Reads [`LearnerState`] at once: one round trip to the database instead of three, on
/// the path every check and every exercise page takes.
#[async_trait]
pub trait LearnerReads: Send + Sync {
    async fn learner_state(&self, learner: &LearnerId, exercise: &str) -> Result<LearnerState, StoreError>;
}
