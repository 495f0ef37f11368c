//! In-memory storage, for tests: it behaves as the SQLite storage does (the server's
//! contract suite runs both), constraints included.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use oauthlab::exercises::client_credentials::{ClientKind, Receipt};
use oauthlab::oauth::discovery::Fetched;

use super::instructor::{
    ClassRecord, ExerciseProgress, InstructorId, InstructorStore, JoinTarget, LearnerExercises, LearnerRow,
};
use super::store::{
    ClientSecrets, Fetcher, IdTokenAlg, IssuedTokens, JwtVerifier, Keys, LearnerReads, LearnerState,
    PracticeAppRecord, PracticeAppStore, ProgressStore, Receipts, ServerChoice, ServerChoiceStore,
    StoreError, StoredProgress, MAX_ALLOWED_ORIGINS,
};
use super::{now_unix, LearnerId};

/// Progress, practice applications, server choices, instructors and classes, in memory:
/// one store, as one database holds them all (an instructor's learner list shows each
/// learner's progress and server).
#[derive(Default)]
pub struct MemoryStore {
    /// (learner, exercise) -> (progress, updated at)
    progress: Mutex<HashMap<(LearnerId, String), (StoredProgress, i64)>>,
    apps: Mutex<HashMap<LearnerId, PracticeAppRecord>>,
    /// receipt digest -> (receipt, expires at)
    receipts: Mutex<HashMap<String, (Receipt, i64)>>,
    servers: Mutex<HashMap<LearnerId, ServerChoice>>,
    /// email -> (id, password hash)
    instructors: Mutex<HashMap<String, (InstructorId, String)>>,
    /// token digest -> (instructor, expires at)
    sessions: Mutex<HashMap<String, (InstructorId, i64)>>,
    /// class id -> class
    classes: Mutex<HashMap<String, StoredClass>>,
    /// learner -> the class they are in
    members: Mutex<HashMap<LearnerId, Member>>,
}

/// A class with its owner and when it was made.
struct StoredClass {
    owner: InstructorId,
    class: ClassRecord,
    created_at: i64,
}

/// A learner's place in a class.
struct Member {
    class_id: String,
    display_name: Option<String>,
    joined_at: i64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

#[async_trait]
impl ProgressStore for MemoryStore {
    async fn load(&self, learner: &LearnerId, exercise: &str) -> Result<StoredProgress, StoreError> {
        let map = lock(&self.progress);
        Ok(map.get(&(learner.clone(), exercise.to_owned())).map(|(p, _)| p.clone()).unwrap_or_default())
    }
    async fn save(
        &self,
        learner: &LearnerId,
        exercise: &str,
        progress: &StoredProgress,
    ) -> Result<(), StoreError> {
        lock(&self.progress).insert((learner.clone(), exercise.to_owned()), (progress.clone(), now_unix()));
        Ok(())
    }
    async fn reset(&self, learner: &LearnerId, exercise: &str) -> Result<(), StoreError> {
        lock(&self.progress).remove(&(learner.clone(), exercise.to_owned()));
        Ok(())
    }
}

#[async_trait]
impl LearnerReads for MemoryStore {
    async fn learner_state(&self, learner: &LearnerId, exercise: &str) -> Result<LearnerState, StoreError> {
        let app = lock(&self.apps).get(learner).cloned();
        Ok(LearnerState {
            progress: ProgressStore::load(self, learner, exercise).await?,
            app,
            choice: ServerChoiceStore::load(self, learner).await?,
        })
    }
}

#[async_trait]
impl PracticeAppStore for MemoryStore {
    async fn get_or_create(&self, learner: &LearnerId) -> Result<PracticeAppRecord, StoreError> {
        let mut apps = lock(&self.apps);
        let n = apps.len();
        Ok(apps
            .entry(learner.clone())
            .or_insert_with(|| PracticeAppRecord {
                client_id: format!("client-{n}"),
                refresh_tokens_enabled: false,
                public_client_id: format!("public-{n}"),
                service_client_id: format!("service-{n}"),
                origins: None,
                id_token_alg: IdTokenAlg::default(),
            })
            .clone())
    }
    async fn set_refresh_tokens(
        &self,
        learner: &LearnerId,
        enabled: bool,
    ) -> Result<PracticeAppRecord, StoreError> {
        let mut apps = lock(&self.apps);
        let app = apps.get_mut(learner).ok_or_else(|| StoreError("no practice application".into()))?;
        app.refresh_tokens_enabled = enabled;
        Ok(app.clone())
    }
    async fn set_id_token_alg(
        &self,
        learner: &LearnerId,
        alg: IdTokenAlg,
    ) -> Result<PracticeAppRecord, StoreError> {
        let mut apps = lock(&self.apps);
        let app = apps.get_mut(learner).ok_or_else(|| StoreError("no practice application".into()))?;
        app.id_token_alg = alg;
        Ok(app.clone())
    }
    async fn find_client(
        &self,
        client_id: &str,
    ) -> Result<Option<(LearnerId, PracticeAppRecord, ClientKind)>, StoreError> {
        Ok(lock(&self.apps).iter().find_map(|(learner, app)| {
            app.kind_of(client_id).map(|kind| (learner.clone(), app.clone(), kind))
        }))
    }
    async fn set_allowed_origins(
        &self,
        learner: &LearnerId,
        origins: &[String],
    ) -> Result<PracticeAppRecord, StoreError> {
        let mut apps = lock(&self.apps);
        let app = apps.get_mut(learner).ok_or_else(|| StoreError("no practice application".into()))?;
        let mut kept: Vec<String> = Vec::new();
        for origin in origins {
            if kept.len() < MAX_ALLOWED_ORIGINS && !kept.contains(origin) {
                kept.push(origin.clone());
            }
        }
        app.origins = Some(kept);
        Ok(app.clone())
    }
    async fn origin_allowed(&self, origin: &str) -> Result<bool, StoreError> {
        Ok(lock(&self.apps).values().any(|app| app.origins.iter().flatten().any(|o| o == origin)))
    }
}

#[async_trait]
impl Receipts for MemoryStore {
    async fn insert_receipt(
        &self,
        receipt_sha256: &str,
        receipt: &Receipt,
        _now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut receipts = lock(&self.receipts);
        if receipts.contains_key(receipt_sha256) {
            return Err(StoreError("UNIQUE constraint failed: receipts.receipt_sha256".into()));
        }
        receipts.insert(receipt_sha256.to_owned(), (receipt.clone(), expires_at));
        Ok(())
    }
    async fn receipt(&self, receipt_sha256: &str, now: i64) -> Result<Option<Receipt>, StoreError> {
        Ok(lock(&self.receipts)
            .get(receipt_sha256)
            .filter(|(_, expires_at)| now < *expires_at)
            .map(|(r, _)| r.clone()))
    }
    async fn mark_used(&self, receipt_sha256: &str, _now: i64) -> Result<bool, StoreError> {
        Ok(match lock(&self.receipts).get_mut(receipt_sha256) {
            Some((r, _)) if !r.used => {
                r.used = true;
                true
            }
            _ => false,
        })
    }
    async fn forget_receipts(&self, before: i64) -> Result<u64, StoreError> {
        let mut receipts = lock(&self.receipts);
        let was = receipts.len();
        receipts.retain(|_, (_, expires_at)| *expires_at >= before);
        Ok(u64::try_from(was - receipts.len()).unwrap_or(u64::MAX))
    }
}

#[async_trait]
impl ServerChoiceStore for MemoryStore {
    async fn load(&self, learner: &LearnerId) -> Result<ServerChoice, StoreError> {
        Ok(lock(&self.servers).get(learner).cloned().unwrap_or_default())
    }
    async fn save(&self, learner: &LearnerId, choice: &ServerChoice) -> Result<(), StoreError> {
        lock(&self.servers).insert(learner.clone(), choice.clone());
        Ok(())
    }
}

/// Other servers' documents, by URL; any other URL is a 404.
#[derive(Default)]
pub struct Documents(pub Mutex<HashMap<String, Fetched>>);

impl Documents {
    pub fn put(&self, url: &str, fetched: Fetched) {
        lock(&self.0).insert(url.to_owned(), fetched);
    }
}

#[async_trait]
impl Fetcher for Documents {
    async fn get(&self, url: &str) -> Fetched {
        lock(&self.0).get(url).cloned().unwrap_or(Fetched::Status(404))
    }
}

/// No token was ever issued: for tests that grade pasted responses on their own.
pub struct NothingIssued;

#[async_trait]
impl IssuedTokens for NothingIssued {
    async fn issued(&self, _: &str) -> Result<Option<oauthlab::exercises::refresh::Issued>, StoreError> {
        Ok(None)
    }
}

/// Secrets that are easy to recognise in tests.
pub struct FixedSecrets;

impl ClientSecrets for FixedSecrets {
    fn secret_for(&self, client_id: &str) -> String {
        format!("secret-of-{client_id}")
    }
    fn user_digest(&self, learner_id: &str) -> [u8; 32] {
        let mut digest = [0u8; 32];
        for (slot, byte) in digest.iter_mut().zip(learner_id.bytes().cycle()) {
            *slot = byte;
        }
        digest
    }
}

/// No keys known: no signature is checked.
pub struct NoKeys;

#[async_trait]
impl JwtVerifier for NoKeys {
    async fn verify(
        &self,
        _: &str,
        _: Keys<'_>,
    ) -> Result<Option<oauthlab::exercises::refresh::SignatureCheck>, StoreError> {
        Ok(None)
    }
}

fn constraint(what: &str) -> StoreError {
    StoreError(format!("{what} constraint failed"))
}

#[async_trait]
impl InstructorStore for MemoryStore {
    async fn instructor_by_email(&self, email: &str) -> Result<Option<(InstructorId, String)>, StoreError> {
        Ok(lock(&self.instructors).get(email).cloned())
    }
    async fn upsert_instructor(&self, email: &str, password_hash: &str) -> Result<InstructorId, StoreError> {
        let mut all = lock(&self.instructors);
        let id =
            all.get(email).map_or(InstructorId(i64::try_from(all.len()).unwrap_or(0) + 1), |(id, _)| *id);
        all.insert(email.to_owned(), (id, password_hash.to_owned()));
        lock(&self.sessions).retain(|_, (who, _)| *who != id);
        Ok(id)
    }
    async fn create_session(
        &self,
        token_sha256: &str,
        who: InstructorId,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let known = lock(&self.instructors).values().any(|(id, _)| *id == who);
        let mut sessions = lock(&self.sessions);
        let now = now_unix();
        sessions.retain(|_, (_, expires)| *expires > now);
        if !known {
            return Err(constraint("FOREIGN KEY"));
        }
        if sessions.contains_key(token_sha256) {
            return Err(constraint("UNIQUE"));
        }
        sessions.insert(token_sha256.to_owned(), (who, expires_at));
        Ok(())
    }
    async fn session(&self, token_sha256: &str, now: i64) -> Result<Option<InstructorId>, StoreError> {
        Ok(lock(&self.sessions).get(token_sha256).filter(|(_, expires)| *expires > now).map(|(who, _)| *who))
    }
    async fn delete_session(&self, token_sha256: &str) -> Result<(), StoreError> {
        lock(&self.sessions).remove(token_sha256);
        Ok(())
    }
    async fn create_class(&self, who: InstructorId, class: &ClassRecord) -> Result<(), StoreError> {
        let known = lock(&self.instructors).values().any(|(id, _)| *id == who);
        let mut classes = lock(&self.classes);
        if !known {
            return Err(constraint("FOREIGN KEY"));
        }
        if classes.contains_key(&class.class_id)
            || classes.values().any(|c| c.class.join_code == class.join_code)
        {
            return Err(constraint("UNIQUE"));
        }
        let stored = StoredClass { owner: who, class: class.clone(), created_at: now_unix() };
        classes.insert(class.class_id.clone(), stored);
        Ok(())
    }
    async fn classes(&self, who: InstructorId) -> Result<Vec<ClassRecord>, StoreError> {
        let classes = lock(&self.classes);
        let members = lock(&self.members);
        let mut mine: Vec<&StoredClass> = classes.values().filter(|c| c.owner == who).collect();
        mine.sort_by(|a, b| (a.created_at, &a.class.class_id).cmp(&(b.created_at, &b.class.class_id)));
        Ok(mine
            .into_iter()
            .map(|c| {
                let learners = members.values().filter(|m| m.class_id == c.class.class_id).count();
                ClassRecord { learners: i64::try_from(learners).unwrap_or(i64::MAX), ..c.class.clone() }
            })
            .collect())
    }
    async fn class_by_code(&self, join_code: &str) -> Result<Option<String>, StoreError> {
        Ok(lock(&self.classes)
            .values()
            .find(|c| c.class.join_code == join_code)
            .map(|c| c.class.class_id.clone()))
    }
    async fn join_target(
        &self,
        learner: &LearnerId,
        join_code: &str,
    ) -> Result<Option<JoinTarget>, StoreError> {
        let classes = lock(&self.classes);
        let Some(class) = classes.values().find(|c| c.class.join_code == join_code) else { return Ok(None) };
        let current_class = lock(&self.members).get(learner).map(|m| m.class_id.clone());
        Ok(Some(JoinTarget {
            class_id: class.class.class_id.clone(),
            name: class.class.name.clone(),
            current_class,
        }))
    }
    async fn join_class(
        &self,
        learner: &LearnerId,
        class_id: &str,
        display_name: Option<&str>,
    ) -> Result<(), StoreError> {
        let known = lock(&self.classes).contains_key(class_id);
        let mut members = lock(&self.members);
        if !known {
            return Err(constraint("FOREIGN KEY"));
        }
        // Moving to another class keeps the name (unless a new one is given) and the time
        // of first joining.
        let before = members.get(learner);
        let member = Member {
            class_id: class_id.to_owned(),
            display_name: display_name
                .map(str::to_owned)
                .or_else(|| before.and_then(|m| m.display_name.clone())),
            joined_at: before.map_or_else(now_unix, |m| m.joined_at),
        };
        members.insert(learner.clone(), member);
        Ok(())
    }
    async fn learners(
        &self,
        who: InstructorId,
        class_id: Option<&str>,
    ) -> Result<Vec<LearnerRow>, StoreError> {
        let classes = lock(&self.classes);
        let members = lock(&self.members);
        let progress = lock(&self.progress);
        let servers = lock(&self.servers);
        let mut theirs: Vec<(&LearnerId, &Member)> = members
            .iter()
            .filter(|(_, m)| classes.get(&m.class_id).is_some_and(|c| c.owner == who))
            .filter(|(_, m)| class_id.is_none_or(|c| c == m.class_id))
            .collect();
        theirs.sort_by(|(a, am), (b, bm)| (am.joined_at, a.as_str()).cmp(&(bm.joined_at, b.as_str())));
        // Each of their learners' progress rows, read once.
        let mut exercises: HashMap<&LearnerId, LearnerExercises> =
            theirs.iter().map(|(learner, _)| (*learner, LearnerExercises::default())).collect();
        for ((learner, exercise), (p, at)) in progress.iter() {
            if let Some(row) = exercises.get_mut(learner) {
                let progress = ExerciseProgress {
                    steps_passed: i64::try_from(p.steps_passed()).unwrap_or(i64::MAX),
                    completed: p.completed(exercise),
                    updated_at: Some(*at),
                };
                row.0.insert(exercise.clone(), progress);
            }
        }
        Ok(theirs
            .into_iter()
            .map(|(learner, member)| {
                let exercises = exercises.remove(learner).unwrap_or_default();
                LearnerRow {
                    learner_id: learner.as_str().to_owned(),
                    display_name: member.display_name.clone(),
                    class_id: member.class_id.clone(),
                    exercises,
                    server: servers
                        .get(learner)
                        .and_then(|choice| choice.own.as_ref())
                        .map(|own| own.metadata.issuer.clone()),
                }
            })
            .collect())
    }
    async fn learners_page(
        &self,
        who: InstructorId,
        class_id: &str,
        search: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<LearnerRow>, u64), StoreError> {
        let search = search.map(str::to_lowercase);
        let matching: Vec<LearnerRow> = self
            .learners(who, Some(class_id))
            .await?
            .into_iter()
            .filter(|row| match (&search, &row.display_name) {
                (None, _) => true,
                (Some(search), Some(name)) => name.to_lowercase().contains(search.as_str()),
                (Some(_), None) => false,
            })
            .collect();
        let total = matching.len() as u64;
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let take = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok((matching.into_iter().skip(skip).take(take).collect(), total))
    }
    async fn owns_class(&self, who: InstructorId, class_id: &str) -> Result<bool, StoreError> {
        Ok(lock(&self.classes).get(class_id).is_some_and(|c| c.owner == who))
    }
}
