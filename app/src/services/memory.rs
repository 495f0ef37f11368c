//! In-memory storage, for tests.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use oauthlab::oauth::discovery::Fetched;

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
