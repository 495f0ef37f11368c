//! The storage the learner actions need, as small traits.

use std::collections::BTreeMap;

use async_trait::async_trait;
use oauthlab::exercises::refresh::{Issued, SignatureCheck};
use oauthlab::oauth::discovery::{Fetched, Metadata};
pub use oauthlab::oauth::id_token::IdTokenAlg;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::LearnerId;
use crate::model::{LastCheck, SetupAttempt};

/// Storage failed; the message is for the operator's log, never for the learner.
#[derive(Debug, thiserror::Error)]
#[error("storage: {0}")]
pub struct StoreError(pub String);

/// A learner's progress in one exercise and the last verdict of each step (keyed by
/// step id). `P` is the exercise's own `Progress` (each exercise's holds no secret); the
/// stores keep it as JSON (`P = serde_json::Value`), and [`StoredProgress::typed`] reads
/// it as the exercise's type.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredProgress<P = serde_json::Value> {
    #[serde(default)]
    pub progress: P,
    #[serde(default)]
    pub last: BTreeMap<String, LastCheck>,
}

impl StoredProgress {
    /// This progress as exercise progress of type `P`: nothing stored yet reads as
    /// `P::default()`.
    pub fn typed<P: DeserializeOwned + Default>(self) -> Result<StoredProgress<P>, StoreError> {
        let progress = match self.progress {
            serde_json::Value::Null => P::default(),
            value => serde_json::from_value(value).map_err(|e| StoreError(format!("bad progress: {e}")))?,
        };
        Ok(StoredProgress { progress, last: self.last })
    }

    /// How many steps have passed, in order: every exercise's progress says it as
    /// `steps_passed`.
    pub fn steps_passed(&self) -> usize {
        self.progress
            .get("steps_passed")
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
    }

    /// True when every step of `exercise` has passed.
    pub fn completed(&self, exercise: &str) -> bool {
        oauthlab::exercises::step_count(exercise).is_some_and(|count| self.steps_passed() >= count)
    }
}

impl<P: Serialize> StoredProgress<P> {
    /// This progress as the stores keep it.
    pub fn erased(&self) -> Result<StoredProgress, StoreError> {
        let progress =
            serde_json::to_value(&self.progress).map_err(|e| StoreError(format!("progress: {e}")))?;
        Ok(StoredProgress { progress, last: self.last.clone() })
    }
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
    /// `id_token_signed_response_alg`: how its ID tokens are signed.
    pub id_token_alg: IdTokenAlg,
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
    /// Register the algorithm the application's ID tokens are signed with.
    async fn set_id_token_alg(
        &self,
        learner: &LearnerId,
        alg: IdTokenAlg,
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
    /// The `kid` of the key the built-in practice server signs new tokens with; `None`
    /// where no key ring is at hand.
    async fn signing_kid(&self) -> Result<Option<String>, StoreError> {
        Ok(None)
    }
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
