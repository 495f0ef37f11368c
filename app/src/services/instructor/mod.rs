//! Instructors: accounts (argon2id), sessions, classes, and what they see and reset.
//! An instructor sees only the learners of their own classes.
//!
//! The service is [`Instructors`]; beside it, one file per concern: `store` (the
//! [`InstructorStore`] trait and its records), `passwords` (argon2id), `throttle` (the
//! login throttle), `names` (the rules for display and class names), `resets` (who was
//! reset when, for the dashboard) and `error`.

mod error;
mod names;
mod passwords;
mod resets;
mod store;
mod throttle;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::{now_unix, LearnerId};
pub use error::InstructorError;
use passwords::dummy_hash;
pub use passwords::{hash_password, verify_password, verify_password_in, PasswordWork};
pub use resets::{ago, last_activity, RecentResets, ResetLog, MAX_RESETS, RESETS_KEPT_FOR};
pub use store::{
    ClassRecord, ClassSummary, ExerciseProgress, InstructorId, InstructorStore, JoinTarget, LearnerExercises,
    LearnerRow,
};
pub use throttle::{LoginAttempts, LoginThrottle, ThrottleKey};

/// The cookie's name on an http site; an https one adds the `__Host-` prefix (see
/// [`Instructors::cookie_name`]).
pub const COOKIE_NAME: &str = "oauthlab_instructor";
const HOST_COOKIE_NAME: &str = "__Host-oauthlab_instructor";
/// An instructor session lasts a working day.
pub const SESSION_SECONDS: i64 = 12 * 3600;

pub fn digest(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

fn random_token(bytes: usize) -> String {
    let raw: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    URL_SAFE_NO_PAD.encode(raw)
}

/// The instructor side of the site.
#[derive(Clone)]
pub struct Instructors {
    pub store: std::sync::Arc<dyn InstructorStore>,
    pub throttle: std::sync::Arc<dyn LoginAttempts>,
    pub resets: std::sync::Arc<dyn RecentResets>,
    pub passwords: PasswordWork,
    pub public_url: String,
}

impl Instructors {
    pub fn new(store: std::sync::Arc<dyn InstructorStore>, public_url: &str) -> Self {
        Self {
            store,
            throttle: std::sync::Arc::new(LoginThrottle::default()),
            resets: std::sync::Arc::new(ResetLog::default()),
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
        // A throttle that cannot count refuses the login (a store error), never lets it by.
        self.throttle.attempt(&limits, now).await?.map_err(InstructorError::TooManyAttempts)?;
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
                let given_back = if i == 0 && signed_in.is_ok() {
                    self.throttle.clear(key).await
                } else {
                    self.throttle.refund(key, now).await
                };
                if let Err(err) = given_back {
                    // The attempt stays counted until it leaves the window: no reason to
                    // fail a login that succeeded.
                    tracing::warn!(error = %err, "cannot give a login attempt back");
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

    fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The session cookie's name: `__Host-oauthlab_instructor` on an https site,
    /// `oauthlab_instructor` on an http one.
    pub fn cookie_name(&self) -> &'static str {
        if self.is_https() {
            HOST_COOKIE_NAME
        } else {
            COOKIE_NAME
        }
    }

    /// The session token this request's cookie carries, if any.
    pub fn cookie_in<'a>(&self, headers: &'a http::HeaderMap) -> Option<&'a str> {
        super::cookie_value(headers, self.cookie_name())
    }

    /// The `Set-Cookie` value for a session token (`Secure` and the `__Host-` prefix when
    /// the site is https); an empty token with `max_age` 0 ends the cookie.
    pub fn cookie(&self, token: &str, max_age: i64) -> String {
        let secure = if self.is_https() { "; Secure" } else { "" };
        let name = self.cookie_name();
        format!("{name}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
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
        let name = names::class_name(name)?;
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
        Ok(offered(self.store.learners(who, class_id).await?))
    }

    /// One page of a class's learners on the dashboard ([`LEARNERS_PER_PAGE`]), of those
    /// whose name contains `search` (trimmed, at most [`MAX_SEARCH_CHARS`]); a page past
    /// the last shows the last. Nothing when the class is not `who`'s.
    pub async fn learners_page(
        &self,
        who: InstructorId,
        class_id: &str,
        search: Option<&str>,
        page: u64,
    ) -> Result<LearnerPage, InstructorError> {
        let search: Option<String> = search
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(MAX_SEARCH_CHARS).collect());
        let fetch = |page: u64| {
            let offset = page.saturating_sub(1).saturating_mul(LEARNERS_PER_PAGE);
            self.store.learners_page(who, class_id, search.as_deref(), offset, LEARNERS_PER_PAGE)
        };
        let mut page = page.max(1);
        let (mut rows, total) = fetch(page).await?;
        let pages = total.div_ceil(LEARNERS_PER_PAGE).max(1);
        if page > pages {
            page = pages;
            rows = fetch(page).await?.0;
        }
        Ok(LearnerPage { rows: offered(rows), total, page, pages, search })
    }

    /// The learner, if they are in one of `who`'s classes.
    pub async fn learner(&self, who: InstructorId, learner_id: &str) -> Result<LearnerRow, InstructorError> {
        self.store
            .learners(who, None)
            .await?
            .into_iter()
            .find(|l| l.learner_id == learner_id)
            .map(|l| LearnerRow { exercises: l.exercises.offered(), ..l })
            .ok_or(InstructorError::NotFound)
    }

    /// Remember that `who` reset `learner_id` now, for the dashboard; a store that fails
    /// costs only the "reset just now" (logged), not the reset.
    async fn note_reset(&self, who: InstructorId, learner_id: &str) {
        if let Err(err) = self.resets.record(who, learner_id, now_unix()).await {
            tracing::warn!(error = %err, "cannot remember a reset");
        }
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
        self.note_reset(who, &learner.0).await;
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
            self.note_reset(who, &learner.learner_id).await;
        }
        Ok(())
    }

    /// A learner opened the join link with `code`: they join its class, unless `join` is
    /// false (then the code is only looked up). `NotFound` when no class has the code.
    /// Open a class's join link. A GET by a learner in no class, from this site (or
    /// typed), joins at once. Nobody is moved between classes by a GET: a learner already
    /// in another class, a link opened from another site (`cross_site`) or a HEAD
    /// (`join` false) joins nobody, and the page asks first ([`Opened::Ask`]).
    pub async fn open_join_link(
        &self,
        learner: &LearnerId,
        code: &str,
        join: bool,
        cross_site: bool,
    ) -> Result<Opened, InstructorError> {
        let target = self.store.join_target(learner, code.trim()).await?.ok_or(InstructorError::NotFound)?;
        if target.current_class.as_deref() == Some(target.class_id.as_str()) {
            return Ok(Opened::Joined { class_name: target.name });
        }
        if !join || cross_site || target.current_class.is_some() {
            return Ok(Opened::Ask { class_name: target.name });
        }
        self.store.join_class(learner, &target.class_id, None).await?;
        Ok(Opened::Joined { class_name: target.name })
    }

    pub async fn join(
        &self,
        learner: &LearnerId,
        code: &str,
        display_name: Option<&str>,
    ) -> Result<(), InstructorError> {
        let display_name = names::display_name(display_name)?;
        let class_id = self.store.class_by_code(code.trim()).await?.ok_or(InstructorError::NotFound)?;
        Ok(self.store.join_class(learner, &class_id, display_name).await?)
    }
}

/// `rows` as instructors see them: each with every exercise the site offers, and no other
/// (see [`LearnerExercises::offered`]).
fn offered(rows: Vec<LearnerRow>) -> Vec<LearnerRow> {
    rows.into_iter().map(|l| LearnerRow { exercises: l.exercises.offered(), ..l }).collect()
}

/// What opening a join link did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opened {
    /// The learner is in the class called `class_name` (now, or was already).
    Joined { class_name: String },
    /// Nobody was moved: the page asks "Join <class name>?".
    Ask { class_name: String },
}

/// `exercise` must name an exercise the site has.
/// What a reset names: one exercise by its slug, or `all` of them.
pub use crate::model::LEARNERS_PER_PAGE;
/// The longest name search the dashboard takes, in characters.
pub const MAX_SEARCH_CHARS: usize = 100;

/// A page of a class's learners, and where it is among them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LearnerPage {
    pub rows: Vec<LearnerRow>,
    /// How many learners match (all of the class's without a search).
    pub total: u64,
    /// This page, from 1, and how many there are (at least 1).
    pub page: u64,
    pub pages: u64,
    /// The search as taken (trimmed and cut), if any.
    pub search: Option<String>,
}

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
}
