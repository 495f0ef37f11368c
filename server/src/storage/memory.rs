//! The practice server's stores in memory, for the contract suite: they behave as the
//! SQLite ones do (the product), constraints included.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use app::services::store::{IssuedTokens, StoreError};
use async_trait::async_trait;
use oauthlab::exercises::refresh::Issued;

use super::issued::issued_from;
use super::{
    CodeRecord, CodeStore, Consent, ConsentStore, FamilyRevocation, KeyRecord, KeyStore, Redeemed, TokenKind,
    TokenRecord, TokenStore,
};

/// Codes, tokens, consents and signing keys, in memory.
#[derive(Default)]
pub struct MemoryPractice {
    /// code digest -> (code, used at)
    codes: Mutex<HashMap<String, (CodeRecord, Option<i64>)>>,
    /// token digest -> token
    tokens: Mutex<HashMap<String, TokenRecord>>,
    /// family -> (revoked at, its code was redeemed twice)
    revoked_families: Mutex<HashMap<String, (i64, bool)>>,
    /// (learner, client) -> scope
    consents: Mutex<HashMap<(String, String), Consent>>,
    keys: Mutex<Vec<KeyRecord>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

fn taken(what: &str) -> StoreError {
    StoreError(format!("UNIQUE constraint failed: {what}"))
}

#[async_trait]
impl CodeStore for MemoryPractice {
    async fn insert_code(&self, code: &CodeRecord, _now: i64) -> Result<(), StoreError> {
        let mut codes = lock(&self.codes);
        if codes.contains_key(&code.code_sha256) {
            return Err(taken("auth_codes.code_sha256"));
        }
        codes.insert(code.code_sha256.clone(), (code.clone(), None));
        Ok(())
    }

    async fn redeem_code(&self, code_sha256: &str, now: i64) -> Result<Redeemed<CodeRecord>, StoreError> {
        Ok(match lock(&self.codes).get_mut(code_sha256) {
            None => Redeemed::Unknown,
            Some((code, used_at @ None)) => {
                *used_at = Some(now);
                Redeemed::Fresh(code.clone())
            }
            Some((code, Some(_))) => Redeemed::Reused(code.clone()),
        })
    }

    async fn forget_codes(&self, before: i64) -> Result<u64, StoreError> {
        let mut codes = lock(&self.codes);
        let was = codes.len();
        codes.retain(|_, (code, _)| code.expires_at >= before);
        Ok(u64::try_from(was - codes.len()).unwrap_or(u64::MAX))
    }
}

#[async_trait]
impl TokenStore for MemoryPractice {
    async fn insert_token(&self, token: &TokenRecord) -> Result<(), StoreError> {
        let mut tokens = lock(&self.tokens);
        if tokens.contains_key(&token.token_sha256) {
            return Err(taken("tokens.token_sha256"));
        }
        let mut token = token.clone();
        if let Some(&(revoked_at, code_reused)) = lock(&self.revoked_families).get(&token.family) {
            token.revoked_at.get_or_insert(revoked_at);
            token.code_reused |= code_reused;
        }
        tokens.insert(token.token_sha256.clone(), token);
        Ok(())
    }

    async fn find_token(&self, token_sha256: &str) -> Result<Option<TokenRecord>, StoreError> {
        Ok(lock(&self.tokens).get(token_sha256).cloned())
    }

    async fn refresh_issued_with(&self, access: &TokenRecord) -> Result<Option<String>, StoreError> {
        Ok(lock(&self.tokens)
            .values()
            .find(|t| {
                t.kind == TokenKind::Refresh
                    && t.family == access.family
                    && t.parent_sha256 == access.parent_sha256
                    && t.issued_at == access.issued_at
            })
            .map(|t| t.token_sha256.clone()))
    }

    async fn redeem_refresh(
        &self,
        token_sha256: &str,
        client_id: &str,
        now: i64,
    ) -> Result<Redeemed<TokenRecord>, StoreError> {
        Ok(match lock(&self.tokens).get_mut(token_sha256) {
            Some(t) if t.kind == TokenKind::Refresh && t.client_id == client_id => {
                if t.used_at.is_none() && t.revoked_at.is_none() {
                    t.used_at = Some(now);
                    Redeemed::Fresh(t.clone())
                } else {
                    Redeemed::Reused(t.clone())
                }
            }
            _ => Redeemed::Unknown,
        })
    }

    async fn revoke_token(&self, token_sha256: &str, now: i64) -> Result<(), StoreError> {
        if let Some(t) = lock(&self.tokens).get_mut(token_sha256) {
            t.revoked_at.get_or_insert(now);
        }
        Ok(())
    }

    async fn revoke_family(&self, family: &str, why: FamilyRevocation, now: i64) -> Result<(), StoreError> {
        let code_reused = why == FamilyRevocation::CodeRedeemedTwice;
        let mut tokens = lock(&self.tokens);
        lock(&self.revoked_families).entry(family.to_owned()).or_insert((now, false)).1 |= code_reused;
        for t in tokens.values_mut().filter(|t| t.family == family) {
            t.revoked_at.get_or_insert(now);
            t.code_reused |= code_reused;
        }
        Ok(())
    }

    async fn forget_tokens(&self, dead_before: i64, revoked_before: i64) -> Result<u64, StoreError> {
        let mut tokens = lock(&self.tokens);
        let was = tokens.len();
        tokens.retain(|_, t| t.expires_at.min(t.absolute_expires_at) >= dead_before);
        lock(&self.revoked_families).retain(|_, (revoked_at, _)| *revoked_at >= revoked_before);
        Ok(u64::try_from(was - tokens.len()).unwrap_or(u64::MAX))
    }
}

#[async_trait]
impl IssuedTokens for MemoryPractice {
    async fn issued(&self, access_token_sha256: &str) -> Result<Option<Issued>, StoreError> {
        issued_from(self, access_token_sha256).await
    }
}

#[async_trait]
impl ConsentStore for MemoryPractice {
    async fn consent(&self, learner_id: &str, client_id: &str) -> Result<Option<Consent>, StoreError> {
        Ok(lock(&self.consents).get(&(learner_id.to_owned(), client_id.to_owned())).cloned())
    }

    async fn save_consent(
        &self,
        learner_id: &str,
        client_id: &str,
        scope: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        lock(&self.consents).insert(
            (learner_id.to_owned(), client_id.to_owned()),
            Consent { scope: scope.to_owned(), at: now },
        );
        Ok(())
    }
}

#[async_trait]
impl KeyStore for MemoryPractice {
    async fn keys(&self) -> Result<Vec<KeyRecord>, StoreError> {
        let mut keys = lock(&self.keys).clone();
        keys.sort_by_key(|k| std::cmp::Reverse(k.generation));
        Ok(keys)
    }

    async fn insert_key(&self, key: &KeyRecord) -> Result<(), StoreError> {
        let mut keys = lock(&self.keys);
        if keys.iter().any(|k| k.generation == key.generation) {
            return Ok(());
        }
        if keys.iter().any(|k| k.kid == key.kid) {
            return Err(taken("signing_keys.kid"));
        }
        keys.push(key.clone());
        Ok(())
    }

    async fn retire_key(&self, generation: i64, now: i64) -> Result<(), StoreError> {
        for key in lock(&self.keys).iter_mut().filter(|k| k.generation == generation) {
            key.retired_at.get_or_insert(now);
        }
        Ok(())
    }
}
