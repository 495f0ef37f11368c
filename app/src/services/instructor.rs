//! Instructors: accounts (argon2id), sessions, classes, and what they see and reset.
//! An instructor sees only the learners of their own classes.

use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::store::StoreError;
use super::{now_unix, LearnerId};

pub const COOKIE_NAME: &str = "oauthlab_instructor";
/// An instructor session lasts a working day.
pub const SESSION_SECONDS: i64 = 12 * 3600;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstructorId(pub i64);

/// A class as its instructor sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassSummary {
    pub class_id: String,
    pub name: String,
    pub join_url: String,
    pub learners: i64,
}

/// One learner's progress in the refresh exercise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExerciseProgress {
    pub steps_passed: i64,
    pub completed: bool,
    /// Unix seconds of the last change, or `None` before the first.
    pub updated_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnerExercises {
    pub refresh: ExerciseProgress,
}

/// A learner of one of the instructor's classes, as the API lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnerRow {
    pub learner_id: String,
    pub display_name: Option<String>,
    pub class_id: String,
    pub exercises: LearnerExercises,
    /// The issuer of the learner's own authorization server; `None` on the built-in one.
    pub server: Option<String>,
}

/// A class row as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassRecord {
    pub class_id: String,
    pub name: String,
    pub join_code: String,
    pub learners: i64,
}

#[async_trait]
pub trait InstructorStore: Send + Sync {
    async fn instructor_by_email(&self, email: &str) -> Result<Option<(InstructorId, String)>, StoreError>;
    /// Add an instructor, or give one a new password and end all their sessions.
    async fn upsert_instructor(&self, email: &str, password_hash: &str) -> Result<InstructorId, StoreError>;
    async fn create_session(
        &self,
        token_sha256: &str,
        who: InstructorId,
        expires_at: i64,
    ) -> Result<(), StoreError>;
    async fn session(&self, token_sha256: &str, now: i64) -> Result<Option<InstructorId>, StoreError>;
    async fn delete_session(&self, token_sha256: &str) -> Result<(), StoreError>;
    async fn create_class(&self, who: InstructorId, class: &ClassRecord) -> Result<(), StoreError>;
    async fn classes(&self, who: InstructorId) -> Result<Vec<ClassRecord>, StoreError>;
    async fn class_by_code(&self, join_code: &str) -> Result<Option<String>, StoreError>;
    async fn join_class(
        &self,
        learner: &LearnerId,
        class_id: &str,
        display_name: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Learners of `who`'s classes (one class when `class_id` is given).
    async fn learners(
        &self,
        who: InstructorId,
        class_id: Option<&str>,
    ) -> Result<Vec<LearnerRow>, StoreError>;
    async fn owns_class(&self, who: InstructorId, class_id: &str) -> Result<bool, StoreError>;
}

pub fn digest(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

fn random_token(bytes: usize) -> String {
    let raw: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    URL_SAFE_NO_PAD.encode(raw)
}

/// An argon2id hash (PHC string) of `password`.
pub fn hash_password(password: &str) -> Result<String, StoreError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError(e.to_string()))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    verify_password_in(password, hash, &mut Vec::new())
}

/// [`verify_password`], hashing in `memory` (grown to what the hash's parameters need),
/// so memory kept between checks is used again instead of taken anew each time. Checks
/// as argon2's own verifier does: the algorithm, version, parameters and salt of the PHC
/// string, and the output compared in constant time.
pub fn verify_password_in(password: &str, hash: &str, memory: &mut Vec<argon2::Block>) -> bool {
    use argon2::password_hash::{Output, PasswordHash};
    let Ok(phc) = PasswordHash::new(hash) else { return false };
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else { return false };
    let (Ok(algorithm), Ok(params)) =
        (argon2::Algorithm::try_from(phc.algorithm), argon2::Params::try_from(&phc))
    else {
        return false;
    };
    let Ok(version) = phc.version.map(argon2::Version::try_from).transpose() else { return false };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), argon2::Block::default());
    }
    let argon2 = argon2::Argon2::new(algorithm, version.unwrap_or_default(), params);
    Output::init_with(expected.len(), |out| {
        Ok(argon2.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..])?)
    })
    .is_ok_and(|computed| computed == expected)
}

/// Where passwords are verified: on the blocking pool, at most [`PasswordWork::PERMITS`]
/// at once, each in argon2 memory kept for the next. An argon2id check takes ~19 MiB and
/// ~25 ms: a flood of logins waits its turn here, and the memory is taken once per permit
/// instead of once per login (100 at once took 1.85 GB; memory freed by many threads is
/// not all given back to the system either).
#[derive(Clone)]
pub struct PasswordWork {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    /// The argon2 memory of the permits not in use.
    memory: std::sync::Arc<std::sync::Mutex<Vec<Vec<argon2::Block>>>>,
}

impl Default for PasswordWork {
    fn default() -> Self {
        Self::new(Self::PERMITS)
    }
}

impl PasswordWork {
    /// One per core of the machine the site is made for.
    pub const PERMITS: usize = 2;

    pub fn new(permits: usize) -> Self {
        Self {
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(permits)),
            memory: std::sync::Arc::default(),
        }
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Vec<Vec<argon2::Block>>> {
        match self.memory.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        }
    }

    /// Run `work` once a permit is free, with the permit's argon2 memory. The permit is
    /// held until `work` ends, even when the caller stops waiting (a client that went
    /// away). `None` if `work` panicked.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<argon2::Block>) -> T + Send + 'static,
    ) -> Option<T> {
        let permit = self.permits.clone().acquire_owned().await.ok()?;
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut memory = this.memory().pop().unwrap_or_default();
            let done = work(&mut memory);
            this.memory().push(memory);
            done
        })
        .await
        .ok()
    }
}

/// Compared against when the email is unknown, so a wrong email costs as long as a
/// wrong password and timing tells nothing.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a real password").unwrap_or_default())
}

const UNPRINTABLE: &str = "can't contain control characters (such as line breaks or tabs) or \
     invisible formatting characters (such as zero-width spaces or text-direction marks): \
     use plain text";

/// Unicode's format characters (general category Cf, Unicode 16.0): invisible, and some
/// change how the text around them displays.
const FORMAT: &[(char, char)] = &[
    ('\u{ad}', '\u{ad}'),
    ('\u{600}', '\u{605}'),
    ('\u{61c}', '\u{61c}'),
    ('\u{6dd}', '\u{6dd}'),
    ('\u{70f}', '\u{70f}'),
    ('\u{890}', '\u{891}'),
    ('\u{8e2}', '\u{8e2}'),
    ('\u{180e}', '\u{180e}'),
    ('\u{200b}', '\u{200f}'),
    ('\u{202a}', '\u{202e}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206f}'),
    ('\u{feff}', '\u{feff}'),
    ('\u{fff9}', '\u{fffb}'),
    ('\u{110bd}', '\u{110bd}'),
    ('\u{110cd}', '\u{110cd}'),
    ('\u{13430}', '\u{1343f}'),
    ('\u{1bca0}', '\u{1bca3}'),
    ('\u{1d173}', '\u{1d17a}'),
    ('\u{e0001}', '\u{e0001}'),
    ('\u{e0020}', '\u{e007f}'),
];

fn is_format(c: char) -> bool {
    FORMAT.iter().any(|(first, last)| (*first..=*last).contains(&c))
}

/// A name others will read must not hold control characters, or format characters:
/// zero-width ones that hide in it, and bidirectional marks that make it display as
/// something else (Trojan Source, CVE-2021-42574).
fn is_unprintable(name: &str) -> bool {
    name.chars().any(|c| c.is_control() || is_format(c))
}

/// Shows nothing: whitespace, control and format characters, and the letters and marks
/// that render blank (Hangul fillers, the blank Braille pattern, variation selectors...).
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || is_format(c)
        || matches!(
            c,
            '\u{034f}'
                | '\u{115f}'
                | '\u{1160}'
                | '\u{17b4}'
                | '\u{17b5}'
                | '\u{180b}'..='\u{180d}'
                | '\u{180f}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{fe00}'..='\u{fe0f}'
                | '\u{ffa0}'
                | '\u{e0100}'..='\u{e01ef}'
        )
}

/// A name as typed, trimmed; `None` when nothing in it would show (it counts as no name).
fn visible_name(name: &str) -> Option<&str> {
    let name = name.trim();
    (!name.chars().all(is_invisible)).then_some(name)
}

/// Why an instructor action did not happen.
#[derive(Debug, thiserror::Error)]
pub enum InstructorError {
    #[error("Wrong email or password.")]
    BadCredentials,
    #[error("Too many failed logins: wait {} and try again.", oauthlab::verdict::count(*.0, "second"))]
    TooManyAttempts(u64),
    #[error("{}", crate::api::instructor::NOT_SIGNED_IN)]
    NotSignedIn,
    #[error("{0}")]
    Invalid(String),
    #[error("There is no such class or learner among yours.")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a login attempt is counted against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ThrottleKey {
    /// One email tried from one client address (from anywhere, when the address is not
    /// known).
    Email(String, Option<std::net::IpAddr>),
    /// One client address, whatever the email.
    Client(std::net::IpAddr),
    /// One email tried from all addresses together.
    EmailEverywhere(String),
}

/// Login attempts in a sliding window of 15 minutes:
///
/// - five for one email from one client address lock that email out *for that address*
///   (when the address is not known, for everyone);
/// - twenty from one address stop that address trying any email;
/// - a hundred for one email from all addresses together lock that email out for
///   everyone: a backstop against guessing spread over many addresses.
///
/// So nobody can lock an instructor out with a few wrong passwords from elsewhere, while
/// one address gets at most five guesses at an email and twenty in all per window.
///
/// An attempt is counted when it starts, under the same lock as the check (see
/// [`LoginThrottle::attempt`]), so parallel attempts cannot all pass the check before any
/// failure is recorded; a login that succeeds gives its attempt back.
#[derive(Clone, Default)]
pub struct LoginThrottle {
    attempts: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<ThrottleKey, Vec<i64>>>>,
}

impl LoginThrottle {
    pub const MAX_FAILURES: usize = 5;
    pub const MAX_CLIENT_FAILURES: usize = 20;
    pub const MAX_EMAIL_FAILURES: usize = 100;
    pub const WINDOW: i64 = 15 * 60;
    /// The most keys remembered at once.
    pub const MAX_KEYS: usize = 10_000;

    /// The limits a login for `email` (trimmed, lower case) from `client` counts against;
    /// the first is the one a success clears.
    pub fn limits(email: &str, client: Option<std::net::IpAddr>) -> Vec<(ThrottleKey, usize)> {
        let mut limits = vec![(ThrottleKey::Email(email.to_owned(), client), Self::MAX_FAILURES)];
        if let Some(ip) = client {
            limits.push((ThrottleKey::Client(ip), Self::MAX_CLIENT_FAILURES));
            limits.push((ThrottleKey::EmailEverywhere(email.to_owned()), Self::MAX_EMAIL_FAILURES));
        }
        limits
    }

    fn with<T>(&self, f: impl FnOnce(&mut std::collections::HashMap<ThrottleKey, Vec<i64>>) -> T) -> T {
        let mut map = match self.attempts.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        f(&mut map)
    }

    /// Count an attempt at `now` against each `(key, max)`, unless one of them already has
    /// `max` or more in the window: then nothing is counted and the answer is
    /// `Err(seconds)` until the attempt may be made.
    pub fn attempt(&self, limits: &[(ThrottleKey, usize)], now: i64) -> Result<(), u64> {
        self.with(|map| {
            let mut wait = None;
            for (key, max) in limits {
                let Some(list) = map.get_mut(key) else { continue };
                list.retain(|t| now - t < Self::WINDOW);
                if list.len() >= *max {
                    let until = list.first().map_or(Self::WINDOW, |first| Self::WINDOW - (now - first));
                    wait = wait.max(Some(until.max(1)));
                }
            }
            if let Some(wait) = wait {
                return Err(u64::try_from(wait).unwrap_or(1));
            }
            for (key, _) in limits {
                Self::record(map, key, now);
            }
            Ok(())
        })
    }

    fn record(map: &mut std::collections::HashMap<ThrottleKey, Vec<i64>>, key: &ThrottleKey, now: i64) {
        if map.len() >= Self::MAX_KEYS && !map.contains_key(key) {
            map.retain(|_, list| list.last().is_some_and(|t| now - t < Self::WINDOW));
            if map.len() >= Self::MAX_KEYS {
                // Full of recent attempts: forget the key whose last one is oldest.
                let oldest = map.iter().min_by_key(|(_, list)| list.last().copied()).map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    map.remove(&oldest);
                }
            }
        }
        map.entry(key.clone()).or_default().push(now);
    }

    /// Give back one attempt counted for `key` at `at` (it did not fail).
    pub fn refund(&self, key: &ThrottleKey, at: i64) {
        self.with(|map| {
            if let Some(list) = map.get_mut(key) {
                if let Some(i) = list.iter().rposition(|t| *t == at) {
                    list.remove(i);
                }
                if list.is_empty() {
                    map.remove(key);
                }
            }
        });
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.with(|map| map.len())
    }

    pub fn clear(&self, key: &ThrottleKey) {
        self.with(|map| map.remove(key));
    }
}

/// The instructor side of the site.
#[derive(Clone)]
pub struct Instructors {
    pub store: std::sync::Arc<dyn InstructorStore>,
    pub throttle: LoginThrottle,
    pub passwords: PasswordWork,
    pub public_url: String,
}

impl Instructors {
    pub fn new(store: std::sync::Arc<dyn InstructorStore>, public_url: &str) -> Self {
        Self {
            store,
            throttle: LoginThrottle::default(),
            passwords: PasswordWork::default(),
            public_url: public_url.to_owned(),
        }
    }

    /// Check email and password; on success a new session token (the cookie value).
    /// Every login starts a new session: once it succeeds, the one this browser had
    /// (`previous`) ends; a failed login leaves it as it was.
    /// `client` is the address the attempt came from, when known.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        previous: Option<&str>,
        client: Option<std::net::IpAddr>,
    ) -> Result<String, InstructorError> {
        let now = now_unix();
        let email = email.trim().to_lowercase();
        let limits = LoginThrottle::limits(&email, client);
        // Counted before the (slow) password check: a failure needs nothing more.
        self.throttle.attempt(&limits, now).map_err(InstructorError::TooManyAttempts)?;
        let mut signed_in = self.verify(&email, password, now).await;
        if let (Ok(_), Some(old)) = (&signed_in, previous) {
            if let Err(err) = self.store.delete_session(&digest(old)).await {
                signed_in = Err(err.into());
            }
        }
        if !matches!(signed_in, Err(InstructorError::BadCredentials)) {
            // Not a failed guess: the attempt is given back, and a success forgives this
            // address its earlier failures for the email.
            for (i, (key, _)) in limits.iter().enumerate() {
                if i == 0 && signed_in.is_ok() {
                    self.throttle.clear(key);
                } else {
                    self.throttle.refund(key, now);
                }
            }
        }
        signed_in
    }

    /// A new session for the instructor with this email and password.
    async fn verify(&self, email: &str, password: &str, now: i64) -> Result<String, InstructorError> {
        let found = self.store.instructor_by_email(email).await?;
        let hash = found.as_ref().map(|(_, h)| h.clone());
        let password = password.to_owned();
        let ok = self
            .passwords
            .run(move |memory| match hash {
                Some(hash) => verify_password_in(&password, &hash, memory),
                None => verify_password_in(&password, dummy_hash(), memory),
            })
            .await
            .unwrap_or(false);
        match found {
            Some((who, _)) if ok => {
                let token = random_token(32);
                self.store.create_session(&digest(&token), who, now + SESSION_SECONDS).await?;
                Ok(token)
            }
            _ => Err(InstructorError::BadCredentials),
        }
    }

    /// The `Set-Cookie` value for a session token (`Secure` when the site is https); an
    /// empty token with `max_age` 0 ends the cookie.
    pub fn cookie(&self, token: &str, max_age: i64) -> String {
        let secure = if self.public_url.starts_with("https://") { "; Secure" } else { "" };
        format!("{COOKIE_NAME}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
    }

    pub async fn logout(&self, token: &str) -> Result<(), InstructorError> {
        Ok(self.store.delete_session(&digest(token)).await?)
    }

    /// The instructor a session cookie stands for.
    pub async fn signed_in(&self, token: Option<&str>) -> Result<InstructorId, InstructorError> {
        let token = token.ok_or(InstructorError::NotSignedIn)?;
        self.store.session(&digest(token), now_unix()).await?.ok_or(InstructorError::NotSignedIn)
    }

    pub fn join_url(&self, code: &str) -> String {
        format!("{}/join/{code}", self.public_url)
    }

    fn summary(&self, c: ClassRecord) -> ClassSummary {
        ClassSummary {
            join_url: self.join_url(&c.join_code),
            class_id: c.class_id,
            name: c.name,
            learners: c.learners,
        }
    }

    pub async fn create_class(&self, who: InstructorId, name: &str) -> Result<ClassSummary, InstructorError> {
        let name = visible_name(name)
            .filter(|n| n.chars().count() <= 100)
            .ok_or_else(|| InstructorError::Invalid("A class needs a name of 1 to 100 characters.".into()))?;
        if is_unprintable(name) {
            return Err(InstructorError::Invalid(format!("A class name {UNPRINTABLE}.")));
        }
        let class = ClassRecord {
            class_id: format!("cls_{}", random_token(9)),
            name: name.to_owned(),
            join_code: random_token(9),
            learners: 0,
        };
        self.store.create_class(who, &class).await?;
        Ok(self.summary(class))
    }

    pub async fn classes(&self, who: InstructorId) -> Result<Vec<ClassSummary>, InstructorError> {
        Ok(self.store.classes(who).await?.into_iter().map(|c| self.summary(c)).collect())
    }

    pub async fn learners(
        &self,
        who: InstructorId,
        class_id: Option<&str>,
    ) -> Result<Vec<LearnerRow>, InstructorError> {
        if let Some(class_id) = class_id {
            if !self.store.owns_class(who, class_id).await? {
                return Err(InstructorError::NotFound);
            }
        }
        Ok(self.store.learners(who, class_id).await?)
    }

    /// The learner, if they are in one of `who`'s classes.
    pub async fn learner(&self, who: InstructorId, learner_id: &str) -> Result<LearnerRow, InstructorError> {
        self.store
            .learners(who, None)
            .await?
            .into_iter()
            .find(|l| l.learner_id == learner_id)
            .ok_or(InstructorError::NotFound)
    }

    /// Reset one of `who`'s learners in `exercise`.
    pub async fn reset_learner(
        &self,
        services: &super::Services,
        who: InstructorId,
        learner_id: &str,
        exercise: &str,
    ) -> Result<(), InstructorError> {
        let exercises = exercises_named(exercise)?;
        let learner = LearnerId(self.learner(who, learner_id).await?.learner_id);
        for exercise in exercises {
            services.reset_exercise(&learner, exercise).await?;
        }
        Ok(())
    }

    /// Reset every learner of one of `who`'s classes in `exercise`.
    pub async fn reset_class(
        &self,
        services: &super::Services,
        who: InstructorId,
        class_id: &str,
        exercise: &str,
    ) -> Result<(), InstructorError> {
        let exercises = exercises_named(exercise)?;
        for learner in self.learners(who, Some(class_id)).await? {
            for exercise in &exercises {
                services.reset_exercise(&LearnerId(learner.learner_id.clone()), exercise).await?;
            }
        }
        Ok(())
    }

    /// A learner opened the join link with `code`: they join its class, unless `join` is
    /// false (then the code is only looked up). `NotFound` when no class has the code.
    pub async fn open_join_link(
        &self,
        learner: &LearnerId,
        code: &str,
        join: bool,
    ) -> Result<(), InstructorError> {
        if join {
            return self.join(learner, code, None).await;
        }
        self.store.class_by_code(code.trim()).await?.map(|_| ()).ok_or(InstructorError::NotFound)
    }

    pub async fn join(
        &self,
        learner: &LearnerId,
        code: &str,
        display_name: Option<&str>,
    ) -> Result<(), InstructorError> {
        let display_name = display_name.and_then(visible_name);
        if display_name.is_some_and(|n| n.chars().count() > 60) {
            return Err(InstructorError::Invalid("A display name has at most 60 characters.".into()));
        }
        if display_name.is_some_and(is_unprintable) {
            return Err(InstructorError::Invalid(format!("A display name {UNPRINTABLE}.")));
        }
        let class_id = self.store.class_by_code(code.trim()).await?.ok_or(InstructorError::NotFound)?;
        Ok(self.store.join_class(learner, &class_id, display_name).await?)
    }
}

/// `exercise` must name an exercise the site has.
/// What a reset names: one exercise by its slug, or `all` of them.
pub fn exercises_named(exercise: &str) -> Result<Vec<&'static str>, InstructorError> {
    let catalog = oauthlab::exercises::catalog();
    if exercise == ALL_EXERCISES {
        return Ok(catalog.iter().map(|e| e.slug).collect());
    }
    catalog.iter().find(|e| e.slug == exercise).map(|e| vec![e.slug]).ok_or_else(|| {
        InstructorError::Invalid(format!(
            "There is no exercise called {exercise:?}: name one ({}) or \"all\".",
            catalog.iter().map(|e| e.slug).collect::<Vec<_>>().join(", ")
        ))
    })
}

/// The reset that names every exercise.
pub const ALL_EXERCISES: &str = "all";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hashed_with_argon2id_and_verified() {
        let hash = hash_password("correct horse").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        assert_ne!(hash, hash_password("correct horse").expect("hash"), "salted");
    }

    #[test]
    fn names_with_control_or_format_characters_are_unprintable() {
        let refused = [
            "Ada\nLovelace",
            "tab\there",
            "nul\u{0}",
            "Ada\u{202E}ecalevoL",
            "Class\u{2066}A",
            "Ada\u{200B}",
            "A\u{200C}da",
            "A\u{200D}da",
            "Ada\u{2060}",
            "\u{FEFF}Ada",
            "Ada\u{061C}",
            "Ada\u{00AD}",
            "Ada\u{E0041}",
        ];
        for name in refused {
            assert!(is_unprintable(name), "{name:?}");
        }
        for name in ["Ada Lovelace", "Åsa Øberg", "李小龍", "José-María", "O'Brien 🙂"] {
            assert!(!is_unprintable(name), "{name:?}");
        }
    }

    #[test]
    fn a_name_of_only_whitespace_or_invisible_characters_is_no_name() {
        for blank in
            ["", "   ", "\t\n", "\u{200B}", " \u{200B}\u{FEFF} ", "\u{3164}", "\u{2800}\u{00A0}", "\u{FE0F}"]
        {
            assert_eq!(visible_name(blank), None, "{blank:?}");
        }
        assert_eq!(visible_name("  Ada  "), Some("Ada"));
        assert_eq!(visible_name(" \u{200B}Ada"), Some("\u{200B}Ada"), "shown, then refused as unprintable");
    }

    #[tokio::test]
    async fn password_work_runs_no_more_than_its_permits_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        let work = PasswordWork::new(2);
        let (now, peak) =
            (std::sync::Arc::new(AtomicUsize::new(0)), std::sync::Arc::new(AtomicUsize::new(0)));
        let runs: Vec<_> = (0..12)
            .map(|_| {
                let (work, now, peak) = (work.clone(), now.clone(), peak.clone());
                tokio::spawn(async move {
                    work.run(move |_| {
                        peak.fetch_max(now.fetch_add(1, SeqCst) + 1, SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        now.fetch_sub(1, SeqCst);
                    })
                    .await
                })
            })
            .collect();
        for run in runs {
            assert_eq!(run.await.expect("join"), Some(()));
        }
        assert_eq!(peak.load(SeqCst), 2);
        assert_eq!(work.memory().len(), 2, "memory for two, kept");
    }

    #[tokio::test]
    async fn password_checks_use_the_memory_kept_between_them() {
        let hash = hash_password("correct horse").expect("hash");
        let work = PasswordWork::new(1);
        for (password, ok) in [("correct horse", true), ("wrong horse", false), ("correct horse", true)] {
            let hash = hash.clone();
            assert_eq!(work.run(move |memory| verify_password_in(password, &hash, memory)).await, Some(ok));
            let kept = work.memory();
            assert_eq!(kept.len(), 1);
            assert_eq!(kept[0].len(), 19 * 1024, "argon2id's default 19 MiB, in 1 KiB blocks");
        }
    }

    #[test]
    fn verifying_in_kept_memory_agrees_with_argon2s_own_verifier() {
        use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
        let salt = SaltString::encode_b64(b"saltsaltsaltsalt").expect("salt");
        let small = argon2::Params::new(64, 1, 1, Some(32)).expect("params");
        let hashes: Vec<String> = [
            (argon2::Algorithm::Argon2id, argon2::Version::V0x13, argon2::Params::default()),
            (argon2::Algorithm::Argon2id, argon2::Version::V0x13, small.clone()),
            (argon2::Algorithm::Argon2i, argon2::Version::V0x13, small.clone()),
            (argon2::Algorithm::Argon2d, argon2::Version::V0x10, small),
        ]
        .into_iter()
        .map(|(a, v, p)| {
            argon2::Argon2::new(a, v, p).hash_password(b"correct horse", &salt).expect("hash").to_string()
        })
        .collect();
        let mut memory = Vec::new();
        for hash in &hashes {
            for password in ["correct horse", "correct hors", ""] {
                let theirs = argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &PasswordHash::new(hash).expect("phc"))
                    .is_ok();
                assert_eq!(verify_password_in(password, hash, &mut memory), theirs, "{hash} {password:?}");
            }
        }
        let bad = [
            "",
            "not a hash",
            "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA",
            "$scrypt$ln=4,r=8,p=1$c2FsdA$aGFzaA",
        ];
        for hash in bad {
            assert!(!verify_password_in("correct horse", hash, &mut memory), "{hash}");
        }
    }

    #[tokio::test]
    async fn a_login_waits_for_a_free_permit_to_check_the_password() {
        let store = std::sync::Arc::new(crate::services::memory::MemoryStore::default());
        store.upsert_instructor("ada@x", &hash_password("correct horse").expect("hash")).await.expect("add");
        let mut i = Instructors::new(store, "http://127.0.0.1:3000");
        i.passwords = PasswordWork::new(1);
        let busy = i.passwords.permits.clone().acquire_owned().await.expect("permit");
        let login = i.login("ada@x", "correct horse", None, None);
        tokio::pin!(login);
        let waited = tokio::time::timeout(std::time::Duration::from_millis(300), &mut login).await;
        assert!(waited.is_err(), "no permit, no password check");
        drop(busy);
        assert!(login.await.is_ok());
    }

    #[tokio::test]
    async fn a_failed_login_keeps_the_session_and_a_successful_one_ends_it() {
        let store = std::sync::Arc::new(crate::services::memory::MemoryStore::default());
        store.upsert_instructor("ada@x", &hash_password("correct horse").expect("hash")).await.expect("add");
        let i = Instructors::new(store, "http://127.0.0.1:3000");
        let first = i.login("ada@x", "correct horse", None, None).await.expect("login");
        let who = i.signed_in(Some(&first)).await.expect("signed in");
        assert!(matches!(
            i.login("ada@x", "wrong horse", Some(&first), None).await,
            Err(InstructorError::BadCredentials)
        ));
        assert_eq!(i.signed_in(Some(&first)).await.ok(), Some(who), "still signed in");
        let second = i.login("ada@x", "correct horse", Some(&first), None).await.expect("login");
        assert!(i.signed_in(Some(&first)).await.is_err(), "the earlier session ended");
        assert_eq!(i.signed_in(Some(&second)).await.ok(), Some(who));
    }

    fn key(email: &str) -> ThrottleKey {
        ThrottleKey::Email(email.to_owned(), None)
    }

    fn limit(email: &str, max: usize) -> Vec<(ThrottleKey, usize)> {
        vec![(key(email), max)]
    }

    #[test]
    fn the_throttle_stops_after_five_attempts_for_fifteen_minutes() {
        let t = LoginThrottle::default();
        for i in 0..5 {
            assert!(t.attempt(&limit("a@x", 5), 100 + i).is_ok());
        }
        assert_eq!(t.attempt(&limit("a@x", 5), 110), Err(900 - 10));
        assert!(t.attempt(&limit("b@x", 5), 110).is_ok(), "per email");
        assert!(t.attempt(&limit("a@x", 5), 100 + 900).is_ok(), "the window slides");
    }

    #[test]
    fn an_attempt_refused_by_one_limit_is_counted_against_none() {
        let t = LoginThrottle::default();
        let client = ThrottleKey::Client(std::net::Ipv4Addr::new(10, 0, 0, 1).into());
        let both = |email: &str| vec![(key(email), 5), (client.clone(), 6)];
        for i in 0..5 {
            assert!(t.attempt(&both("a@x"), 100 + i).is_ok());
        }
        for _ in 0..3 {
            assert!(t.attempt(&both("a@x"), 110).is_err());
        }
        // The client's three refused attempts were not counted: it has one left.
        assert!(t.attempt(&both("b@x"), 111).is_ok());
        assert_eq!(t.attempt(&both("c@x"), 112), Err(900 - 12), "the longest wait of the two");
    }

    #[test]
    fn a_refund_gives_one_attempt_back() {
        let t = LoginThrottle::default();
        for _ in 0..5 {
            assert!(t.attempt(&limit("a@x", 5), 100).is_ok());
        }
        t.refund(&key("a@x"), 100);
        assert!(t.attempt(&limit("a@x", 5), 101).is_ok());
        assert!(t.attempt(&limit("a@x", 5), 101).is_err());
        t.refund(&key("nobody"), 100);
        t.clear(&key("a@x"));
        assert!(t.attempt(&limit("a@x", 5), 102).is_ok());
    }

    #[test]
    fn parallel_attempts_get_no_more_than_the_limit_through() {
        let t = LoginThrottle::default();
        let through = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..50 {
                s.spawn(|| {
                    if t.attempt(&limit("a@x", 5), 100).is_ok() {
                        through.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(through.into_inner(), 5);
    }

    fn ip(n: u32) -> std::net::IpAddr {
        std::net::Ipv4Addr::from(0x0a00_0000 + n).into()
    }

    #[test]
    fn five_failures_lock_an_email_only_for_the_address_they_came_from() {
        let t = LoginThrottle::default();
        let from = |n| LoginThrottle::limits("ada@x", Some(ip(n)));
        for _ in 0..5 {
            assert!(t.attempt(&from(1), 100).is_ok());
        }
        assert!(t.attempt(&from(1), 101).is_err(), "the guesser waits");
        assert!(t.attempt(&from(2), 101).is_ok(), "the instructor elsewhere does not");
        // Without addresses, the email is locked for everyone.
        for _ in 0..5 {
            assert!(t.attempt(&LoginThrottle::limits("bob@x", None), 100).is_ok());
        }
        assert!(t.attempt(&LoginThrottle::limits("bob@x", None), 101).is_err());
    }

    #[test]
    fn twenty_failures_from_one_address_stop_it_trying_any_email() {
        let t = LoginThrottle::default();
        for n in 0..20 {
            assert!(t.attempt(&LoginThrottle::limits(&format!("guess{n}@x"), Some(ip(1))), 100).is_ok());
        }
        assert!(t.attempt(&LoginThrottle::limits("ada@x", Some(ip(1))), 101).is_err());
        assert!(t.attempt(&LoginThrottle::limits("ada@x", Some(ip(2))), 101).is_ok());
    }

    #[test]
    fn a_hundred_failures_for_one_email_from_many_addresses_lock_it_for_everyone() {
        let t = LoginThrottle::default();
        for n in 0..100 {
            // Four from each of 25 addresses: under each address's own limits.
            assert!(t.attempt(&LoginThrottle::limits("ada@x", Some(ip(n / 4))), 100).is_ok(), "{n}");
        }
        assert_eq!(t.attempt(&LoginThrottle::limits("ada@x", Some(ip(999))), 110), Err(900 - 10));
        assert!(t.attempt(&LoginThrottle::limits("bob@x", Some(ip(999))), 110).is_ok());
        assert!(t.attempt(&LoginThrottle::limits("ada@x", Some(ip(999))), 100 + 900).is_ok());
    }

    #[test]
    fn the_throttle_remembers_a_bounded_number_of_keys_and_keeps_the_newest() {
        let t = LoginThrottle::default();
        for i in 0..LoginThrottle::MAX_KEYS {
            assert!(t.attempt(&limit(&format!("k{i}"), 5), 100).is_ok());
        }
        // Full of recent attempts: a new key pushes out one of the oldest.
        assert!(t.attempt(&limit("newest", 2), 200).is_ok());
        assert!(t.attempt(&limit("newest", 2), 200).is_ok());
        assert_eq!(t.len(), LoginThrottle::MAX_KEYS);
        assert_eq!(t.attempt(&limit("newest", 2), 201), Err(900 - 1));
        // Once their window is over, the old keys are forgotten.
        assert!(t.attempt(&limit("later", 5), 100 + 900).is_ok());
        assert_eq!(t.len(), 2);
    }
}
