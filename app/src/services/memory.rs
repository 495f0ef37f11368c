//! In-memory storage, for tests.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use oauthlab::oauth::discovery::Fetched;

use super::instructor::{
    ClassRecord, ExerciseProgress, InstructorId, InstructorStore, LearnerExercises, LearnerRow,
};
use super::store::{
    ClientSecrets, Fetcher, IssuedTokens, JwtVerifier, Keys, PracticeAppRecord, PracticeAppStore,
    ProgressStore, ServerChoice, ServerChoiceStore, StoreError, StoredProgress,
};
use super::LearnerId;

#[derive(Default)]
pub struct MemoryStore {
    progress: Mutex<HashMap<(LearnerId, String), StoredProgress>>,
    apps: Mutex<HashMap<LearnerId, PracticeAppRecord>>,
    servers: Mutex<HashMap<LearnerId, ServerChoice>>,
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
        Ok(map.get(&(learner.clone(), exercise.to_owned())).cloned().unwrap_or_default())
    }
    async fn save(
        &self,
        learner: &LearnerId,
        exercise: &str,
        progress: &StoredProgress,
    ) -> Result<(), StoreError> {
        lock(&self.progress).insert((learner.clone(), exercise.to_owned()), progress.clone());
        Ok(())
    }
    async fn reset(&self, learner: &LearnerId, exercise: &str) -> Result<(), StoreError> {
        lock(&self.progress).remove(&(learner.clone(), exercise.to_owned()));
        Ok(())
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
    async fn find_by_client_id(
        &self,
        client_id: &str,
    ) -> Result<Option<(LearnerId, PracticeAppRecord)>, StoreError> {
        Ok(lock(&self.apps)
            .iter()
            .find(|(_, app)| app.client_id == client_id)
            .map(|(learner, app)| (learner.clone(), app.clone())))
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

/// Instructors, their sessions and classes, in memory.
#[derive(Default)]
pub struct MemoryInstructors {
    /// email -> (id, password hash)
    instructors: Mutex<HashMap<String, (InstructorId, String)>>,
    /// token digest -> (instructor, expires at)
    sessions: Mutex<HashMap<String, (InstructorId, i64)>>,
    /// class id -> (owner, class)
    classes: Mutex<HashMap<String, (InstructorId, ClassRecord)>>,
    /// learner -> (class id, display name)
    members: Mutex<HashMap<LearnerId, (String, Option<String>)>>,
}

#[async_trait]
impl InstructorStore for MemoryInstructors {
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
        lock(&self.sessions).insert(token_sha256.to_owned(), (who, expires_at));
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
        lock(&self.classes).insert(class.class_id.clone(), (who, class.clone()));
        Ok(())
    }
    async fn classes(&self, who: InstructorId) -> Result<Vec<ClassRecord>, StoreError> {
        let members = lock(&self.members);
        let mut mine: Vec<ClassRecord> = lock(&self.classes)
            .values()
            .filter(|(owner, _)| *owner == who)
            .map(|(_, class)| ClassRecord {
                learners: i64::try_from(members.values().filter(|(id, _)| *id == class.class_id).count())
                    .unwrap_or(i64::MAX),
                ..class.clone()
            })
            .collect();
        mine.sort_by(|a, b| a.class_id.cmp(&b.class_id));
        Ok(mine)
    }
    async fn class_by_code(&self, join_code: &str) -> Result<Option<String>, StoreError> {
        Ok(lock(&self.classes)
            .values()
            .find(|(_, c)| c.join_code == join_code)
            .map(|(_, c)| c.class_id.clone()))
    }
    async fn join_class(
        &self,
        learner: &LearnerId,
        class_id: &str,
        display_name: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut members = lock(&self.members);
        let name =
            display_name.map(str::to_owned).or_else(|| members.get(learner).and_then(|(_, n)| n.clone()));
        members.insert(learner.clone(), (class_id.to_owned(), name));
        Ok(())
    }
    async fn learners(
        &self,
        who: InstructorId,
        class_id: Option<&str>,
    ) -> Result<Vec<LearnerRow>, StoreError> {
        let classes = lock(&self.classes);
        let mut rows: Vec<LearnerRow> = lock(&self.members)
            .iter()
            .filter(|(_, (class, _))| classes.get(class).is_some_and(|(owner, _)| *owner == who))
            .filter(|(_, (class, _))| class_id.is_none_or(|c| c == class))
            .map(|(learner, (class, name))| LearnerRow {
                learner_id: learner.as_str().to_owned(),
                display_name: name.clone(),
                class_id: class.clone(),
                exercises: LearnerExercises {
                    refresh: ExerciseProgress { steps_passed: 0, completed: false, updated_at: None },
                },
                server: None,
            })
            .collect();
        rows.sort_by(|a, b| a.learner_id.cmp(&b.learner_id));
        Ok(rows)
    }
    async fn owns_class(&self, who: InstructorId, class_id: &str) -> Result<bool, StoreError> {
        Ok(lock(&self.classes).get(class_id).is_some_and(|(owner, _)| *owner == who))
    }
}
