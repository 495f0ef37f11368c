//! Getting Started on the engine ([`super::exercises`]): the facts its checks need (the
//! pasted issuer's metadata documents, fetched; the JWKS of step 1's metadata; the key
//! the practice server signs with now) and its page.

use oauthlab::exercises::getting_started::{self, issuer_to_fetch, Facts, Progress, Step};
use oauthlab::oauth::discovery::Fetched;

use super::exercises::{exercise_state, Exercise, Graded};
use super::store::{StoreError, StoredProgress};
use super::{Checked, LearnerId, ServiceError, Services};
use crate::model::ExerciseData;

impl Services {
    pub(super) async fn check_getting_started(
        &self,
        learner: &LearnerId,
        index: usize,
        input: &str,
    ) -> Result<Checked, ServiceError> {
        let step = Step::ALL.get(index).copied().unwrap_or(Step::Issuer);
        let stored: StoredProgress<Progress> =
            self.progress.load(learner, getting_started::SLUG).await?.typed()?;
        let reach = self.reach();
        let unlocked = step.index() <= stored.progress.steps_passed;
        // Fetched only for a step that may be checked, and only what it reads.
        let discovery = match (step, unlocked) {
            (Step::Issuer, true) => match issuer_to_fetch(input, reach) {
                Ok(issuer) => Some(self.fetch_metadata(&issuer).await),
                Err(_) => None,
            },
            _ => None,
        };
        let jwks_uri = stored.progress.metadata.as_ref().and_then(|m| m.jwks_uri.clone());
        let jwks: Option<Fetched> = match (step, unlocked, jwks_uri) {
            (Step::SigningKey, true, Some(uri)) => Some(self.fetcher.get(&uri).await),
            _ => None,
        };
        let builtin = self.is_builtin_issuer(match step {
            Step::Issuer => Some(oauthlab::pasted::trim(input)),
            _ => stored.progress.issuer.as_deref(),
        });
        let signing_kid = match (step, builtin) {
            (Step::SigningKey, true) => self.verifier.signing_kid().await?,
            _ => None,
        };
        let facts = Facts {
            progress: &stored.progress,
            reach,
            builtin,
            discovery: discovery.as_deref(),
            jwks: jwks.as_ref(),
            signing_kid: signing_kid.as_deref(),
        };
        let graded = getting_started::check(step, input, &facts)
            .map(|o| Graded { verdict: o.verdict, progress: o.progress, jwt: None })
            .map_err(|locked| locked.to_string());
        self.keep_check(learner, Exercise::GettingStarted, stored, index, input, graded).await
    }

    /// Whether `issuer` is the built-in practice server's.
    fn is_builtin_issuer(&self, issuer: Option<&str>) -> bool {
        issuer == Some(self.public_url.as_str())
    }

    pub(super) async fn getting_started_page(&self, learner: &LearnerId) -> Result<ExerciseData, StoreError> {
        let erased = self.progress.load(learner, getting_started::SLUG).await?;
        let stored: StoredProgress<Progress> = erased.clone().typed()?;
        let choice = self.servers.load(learner).await?;
        let server = self.server_view(choice);
        let steps = self
            .step_views(learner, Exercise::GettingStarted, stored.progress.steps_passed, &stored.last)
            .await;
        Ok(ExerciseData {
            exercise: exercise_state(Exercise::GettingStarted, &erased),
            steps,
            generated_verifier: None,
            challenge: None,
            login_url: None,
            token_command: None,
            refresh_command: None,
            api_command: None,
            authorization_endpoint: server.authorization_endpoint.clone(),
            client_id: String::new(),
            redirect_uri: String::new(),
            refresh_tokens_enabled: false,
            code_lifetime: self.code_lifetime_words(server.builtin),
            server,
            metadata: stored.progress.metadata.filter(|_| stored.progress.steps_passed > 0),
        })
    }
}
