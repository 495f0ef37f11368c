//! The storage the learner actions need, as small traits.

use std::collections::BTreeMap;

use async_trait::async_trait;
use oauthlab::exercises::client_credentials::{ClientKind, Receipt};
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

/// A store's answer, or, when it failed, what the request does without it: for what only
/// helps a page (a value the page view shows, a dashboard's "reset just now"). The failure
/// is logged, without the value, and the learner's request goes on.
pub fn or_log<T: Default>(what: &'static str, answer: Result<T, StoreError>) -> T {
    answer.unwrap_or_else(|err| {
        tracing::warn!(error = %err, what, "store failed; going on without it");
        T::default()
    })
}

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
    /// Whether the page views may hold decoded tokens of this exercise: set when a check
    /// keeps one, cleared when a rewind to the start forgets them. A check with none to
    /// forget then costs no round trip to the page views.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tokens_kept: bool,
}

impl StoredProgress {
    /// This progress as exercise progress of type `P`: nothing stored yet reads as
    /// `P::default()`.
    pub fn typed<P: DeserializeOwned + Default>(self) -> Result<StoredProgress<P>, StoreError> {
        let progress = match self.progress {
            serde_json::Value::Null => P::default(),
            value => serde_json::from_value(value).map_err(|e| StoreError(format!("bad progress: {e}")))?,
        };
        Ok(StoredProgress { progress, last: self.last, tokens_kept: self.tokens_kept })
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
        Ok(StoredProgress { progress, last: self.last.clone(), tokens_kept: self.tokens_kept })
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

/// A learner's practice application as stored: three clients, whose secrets are derived
/// from their ids ([`ClientSecrets`]), never stored. Which client an id names is known
/// only through the store ([`PracticeAppStore::find_client`]): the ids look alike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PracticeAppRecord {
    /// The confidential web client's id (it has a secret).
    pub client_id: String,
    pub refresh_tokens_enabled: bool,
    /// The public client's id (a single-page app: no secret).
    pub public_client_id: String,
    /// The service client's id (client credentials only, with a secret).
    pub service_client_id: String,
    /// The public client's allowed origins (CORS at the token endpoint), once the learner
    /// edited them; `None` until then, which means the site's own origin
    /// ([`PracticeAppRecord::allowed_origins`]).
    pub origins: Option<Vec<String>>,
    /// `id_token_signed_response_alg`: how its ID tokens are signed.
    pub id_token_alg: IdTokenAlg,
}

/// The most allowed origins a public client has.
pub const MAX_ALLOWED_ORIGINS: usize = 10;
/// The longest allowed origin, in bytes.
pub const MAX_ORIGIN_CHARS: usize = 200;

impl PracticeAppRecord {
    /// The public client's allowed origins: the edited list, or else `[site_origin]`.
    pub fn allowed_origins(&self, site_origin: &str) -> Vec<String> {
        self.origins.clone().unwrap_or_else(|| vec![site_origin.to_owned()])
    }

    /// The kind of client `client_id` is in this application, if it is one of its three.
    pub fn kind_of(&self, client_id: &str) -> Option<ClientKind> {
        if client_id == self.client_id {
            Some(ClientKind::Web)
        } else if client_id == self.public_client_id {
            Some(ClientKind::Public)
        } else if client_id == self.service_client_id {
            Some(ClientKind::Service)
        } else {
            None
        }
    }
}

/// The origin (`scheme://host[:port]`) of a URL such as the site's public URL.
pub fn origin_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let origin = parsed.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// Why an allowed origin is refused: the message says the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadOrigin(pub String);

/// Parse the allowed origins a learner typed (one a line, or separated by spaces or
/// commas): each an absolute `http`/`https` origin without path, query or fragment, at
/// most [`MAX_ORIGIN_CHARS`] long; at most [`MAX_ALLOWED_ORIGINS`]; duplicates dropped.
/// A trailing `/` is tolerated and removed; the origin is kept as the browser sends it
/// (lowercase scheme and host, no default port).
pub fn parse_allowed_origins(text: &str) -> Result<Vec<String>, BadOrigin> {
    // Bounded before anything else: the most the list can hold, and some slack.
    let most = MAX_ALLOWED_ORIGINS * (MAX_ORIGIN_CHARS + 2);
    if text.len() > most {
        return Err(BadOrigin(format!(
            "That is too long: give at most {MAX_ALLOWED_ORIGINS} origins of at most {MAX_ORIGIN_CHARS} characters each."
        )));
    }
    let mut origins: Vec<String> = Vec::new();
    for item in text.split(|c: char| c.is_whitespace() || c == ',').filter(|s| !s.is_empty()) {
        let shown: String = item.chars().take(60).collect();
        if item.len() > MAX_ORIGIN_CHARS {
            return Err(BadOrigin(format!(
                "\"{shown}…\" is longer than {MAX_ORIGIN_CHARS} characters: give just scheme, host and port."
            )));
        }
        let url = url::Url::parse(item).map_err(|_| {
            BadOrigin(format!(
                "\"{shown}\" is not an origin: write it as scheme://host[:port], such as http://localhost:5173."
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(BadOrigin(format!(
                "\"{shown}\" is not an http or https origin: write it as http(s)://host[:port]."
            )));
        }
        let bare = item.trim_end_matches('/');
        if url.path() != "/"
            || url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
            || bare.len() + 1 < item.len()
        {
            return Err(BadOrigin(format!(
                "\"{shown}\" has more than an origin: remove the path, query and user, keep scheme://host[:port]."
            )));
        }
        let origin = url.origin().ascii_serialization();
        if !origins.contains(&origin) {
            origins.push(origin);
        }
        if origins.len() > MAX_ALLOWED_ORIGINS {
            return Err(BadOrigin(format!("Give at most {MAX_ALLOWED_ORIGINS} origins.")));
        }
    }
    Ok(origins)
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
    /// The application whose web client has this id, and its learner.
    async fn find_by_client_id(
        &self,
        client_id: &str,
    ) -> Result<Option<(LearnerId, PracticeAppRecord)>, StoreError> {
        Ok(self
            .find_client(client_id)
            .await?
            .and_then(|(learner, app, kind)| (kind == ClientKind::Web).then_some((learner, app))))
    }
    /// The application one of whose three clients has this id, its learner, and which
    /// client it is.
    async fn find_client(
        &self,
        client_id: &str,
    ) -> Result<Option<(LearnerId, PracticeAppRecord, ClientKind)>, StoreError>;
    /// Set the public client's allowed origins (already checked by
    /// [`parse_allowed_origins`]; the store keeps the first [`MAX_ALLOWED_ORIGINS`]).
    async fn set_allowed_origins(
        &self,
        learner: &LearnerId,
        origins: &[String],
    ) -> Result<PracticeAppRecord, StoreError>;
    /// Whether some learner's public client allows this origin in an edited list: what a
    /// CORS preflight, which does not say its client, can be answered from (besides the
    /// site's own origin, every unedited list's). One indexed lookup.
    async fn origin_allowed(&self, origin: &str) -> Result<bool, StoreError>;
}

/// The practice API's one-time receipts, by the receipt's digest
/// (`oauthlab::exercises::refresh::token_sha256(receipt)`): the receipt itself is never
/// stored.
#[async_trait]
pub trait Receipts: Send + Sync {
    /// Store a new receipt, valid until `expires_at` (Unix seconds).
    async fn insert_receipt(
        &self,
        receipt_sha256: &str,
        receipt: &Receipt,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;
    /// What the practice API recorded about this receipt; `None` when it never handed it
    /// out, or it expired.
    async fn receipt(&self, receipt_sha256: &str, now: i64) -> Result<Option<Receipt>, StoreError>;
    /// Mark the receipt used: `true` when this call did (it was unused), so of two
    /// concurrent calls exactly one gets `true`.
    async fn mark_used(&self, receipt_sha256: &str, now: i64) -> Result<bool, StoreError>;
    /// Forget the receipts that expired before `before`; the number forgotten.
    async fn forget_receipts(&self, before: i64) -> Result<u64, StoreError>;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_origins_are_origins_only_in_order_once_each() {
        let cases: [(&str, &[&str]); 6] = [
            ("", &[]),
            ("http://localhost:5173", &["http://localhost:5173"]),
            (
                "http://localhost:5173/\nhttps://SPA.example:443",
                &["http://localhost:5173", "https://spa.example"],
            ),
            (
                "https://a.example, https://b.example https://a.example",
                &["https://a.example", "https://b.example"],
            ),
            ("  http://127.0.0.1:8080  \r\n", &["http://127.0.0.1:8080"]),
            ("http://[::1]:3000", &["http://[::1]:3000"]),
        ];
        for (text, want) in cases {
            assert_eq!(
                parse_allowed_origins(text),
                Ok(want.iter().map(|s| s.to_string()).collect()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn what_is_not_an_origin_is_refused_with_the_fix() {
        let cases = [
            ("localhost:5173", "is not an http or https origin"),
            ("spa.example", "is not an origin"),
            ("ftp://spa.example", "is not an http or https origin"),
            ("http://spa.example/app", "remove the path"),
            ("http://spa.example/?x=1", "remove the path"),
            ("http://user@spa.example", "remove the path"),
            ("http://spa.example//", "remove the path"),
            ("*", "is not an origin"),
            ("null", "is not an origin"),
        ];
        for (text, says) in cases {
            let err = parse_allowed_origins(text).expect_err(text);
            assert!(err.0.contains(says), "{text:?}: {err}");
        }
        let long = format!("https://{}.example", "a".repeat(MAX_ORIGIN_CHARS));
        assert!(parse_allowed_origins(&long).expect_err("long").0.contains("longer than"));
        let eleven: Vec<String> =
            (0..=MAX_ALLOWED_ORIGINS).map(|i| format!("http://localhost:{}", 4000 + i)).collect();
        assert!(parse_allowed_origins(&eleven.join("\n")).expect_err("eleven").0.contains("at most 10"));
        let ten = &eleven[..MAX_ALLOWED_ORIGINS];
        assert_eq!(parse_allowed_origins(&ten.join("\n")).map(|o| o.len()), Ok(MAX_ALLOWED_ORIGINS));
        let huge = "http://a.example ".repeat(10_000);
        assert!(parse_allowed_origins(&huge).expect_err("huge").0.contains("too long"));
    }

    #[test]
    fn the_site_origin_is_the_default_and_kinds_are_known_by_id() {
        let app = PracticeAppRecord {
            client_id: "w".into(),
            refresh_tokens_enabled: false,
            public_client_id: "p".into(),
            service_client_id: "s".into(),
            origins: None,
            id_token_alg: IdTokenAlg::default(),
        };
        assert_eq!(app.allowed_origins("http://127.0.0.1:3000"), ["http://127.0.0.1:3000"]);
        let edited = PracticeAppRecord { origins: Some(vec![]), ..app.clone() };
        assert!(edited.allowed_origins("http://127.0.0.1:3000").is_empty());
        let kinds = ["w", "p", "s", "x"].map(|id| app.kind_of(id));
        assert_eq!(kinds, [Some(ClientKind::Web), Some(ClientKind::Public), Some(ClientKind::Service), None]);
        assert_eq!(origin_of("https://lab.example/path?q").as_deref(), Some("https://lab.example"));
        assert_eq!(origin_of("http://127.0.0.1:3000").as_deref(), Some("http://127.0.0.1:3000"));
        assert_eq!(origin_of("not a url"), None);
    }
}
