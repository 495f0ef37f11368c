//! Refresh Tokens on the engine ([`super::exercises`]): the facts its checks need (the
//! server in use, the practice server's record of a pasted token, its signature) and its
//! page.

use oauthlab::exercises::refresh::{self, Facts, Progress, Step};

use super::exercises::{exercise_state, graded, Exercise};
use super::store::{or_log, Keys, LearnerState, StoreError, StoredProgress};
use super::{now_unix, Checked, CommandValues, LearnerId, ServiceError, Services};
use crate::model::{ExerciseData, Secret};

/// The keys the server in use signs its tokens with: the practice server's, or those
/// published at the learner's own server's JWKS URL (`None` when it names none).
pub(super) fn jwks(own: Option<&super::store::OwnServer>) -> Option<Keys<'_>> {
    match own {
        None => Some(Keys::Builtin),
        Some(own) => own.metadata.jwks_uri.as_deref().map(Keys::Published),
    }
}

impl Services {
    pub(super) async fn check_refresh(
        &self,
        learner: &LearnerId,
        index: usize,
        input: &str,
    ) -> Result<Checked, ServiceError> {
        let step = Step::ALL.get(index).copied().unwrap_or(Step::Verifier);
        let LearnerState { progress, app, choice } = self.reads.learner_state(learner, refresh::SLUG).await?;
        let stored: StoredProgress<Progress> = progress.typed()?;
        let (provider, own) = self.provider(learner, choice, app).await?;
        let pasted = match step {
            Step::TokenResponse | Step::RefreshResponse => refresh::pasted_access_token(input),
            _ => None,
        };
        let (issued, signature) = self.token_facts(pasted.as_deref(), own.as_ref()).await?;
        let facts = Facts {
            provider: &provider,
            progress: &stored.progress,
            now: now_unix(),
            issued: issued.as_ref(),
            signature: signature.as_ref(),
        };
        let result = refresh::check(step, input, &facts).map(|o| (o.verdict, o.progress, o.jwt));
        self.keep_check(learner, Exercise::Refresh, stored, index, input, graded(result)).await
    }

    /// What the server in use says about a pasted access token: the practice server's
    /// record of it, and its signature checked with the server's keys (when it is a JWT
    /// and the keys are known).
    pub(super) async fn token_facts(
        &self,
        token: Option<&str>,
        own: Option<&super::store::OwnServer>,
    ) -> Result<(Option<refresh::Issued>, Option<refresh::SignatureCheck>), StoreError> {
        match (token, jwks(own)) {
            (Some(token), Some(keys)) => {
                let issued = match keys {
                    Keys::Builtin => self.issued.issued(&refresh::token_sha256(token)).await?,
                    Keys::Published(_) => None,
                };
                Ok((issued, self.verifier.verify(token, keys).await?))
            }
            _ => Ok((None, None)),
        }
    }

    /// After the refresh-token toggle changed, what the page said about it no longer
    /// holds: step 3's warning that refresh tokens are off, and the verdicts of steps 4 and
    /// 5 that have not passed (they may blame the setting). Progress is kept.
    pub(super) async fn forget_verdicts_about_refresh_tokens(
        &self,
        learner: &LearnerId,
    ) -> Result<(), StoreError> {
        let mut stored = self.progress.load(learner, refresh::SLUG).await?;
        let passed = stored.steps_passed();
        let before = stored.last.clone();
        stored.last.retain(|slug, _| match Step::from_slug(slug) {
            Some(step @ (Step::TokenResponse | Step::RefreshResponse)) => step.index() < passed,
            _ => true,
        });
        if let Some(last) = stored.last.get_mut(Step::AuthorizationUrl.slug()) {
            last.verdict.findings.retain(|f| f.id != refresh::REFRESH_TOKENS_OFF);
        }
        if stored.last != before {
            self.progress.save(learner, refresh::SLUG, &stored).await?;
        }
        Ok(())
    }

    pub(super) async fn refresh_page(&self, learner: &LearnerId) -> Result<ExerciseData, StoreError> {
        let LearnerState { progress, app, choice } = self.reads.learner_state(learner, refresh::SLUG).await?;
        let stored: StoredProgress<Progress> = progress.clone().typed()?;
        let app = self.practice_app_view(learner, self.app_or_create(learner, app).await?);
        let steps =
            self.step_views(learner, Exercise::Refresh, stored.progress.steps_passed, &stored.last).await;
        let verifier = or_log("page views", self.flash.peek_verifier(learner, refresh::SLUG).await);
        let login_url = stored.progress.authorization_url.clone();
        let server = self.server_view(choice);
        let values = CommandValues::new(&server, &app, login_url.as_deref(), self.redirect_uri());
        let token_command = login_url.as_ref().map(|_| values.token_command(verifier.as_deref(), None));
        let refresh_command =
            (stored.progress.steps_passed > Step::TokenResponse.index()).then(|| values.refresh_command());
        Ok(ExerciseData {
            exercise: exercise_state(Exercise::Refresh, &progress),
            steps,
            generated_verifier: verifier.map(Secret::new),
            challenge: stored.progress.challenge.clone(),
            login_url,
            token_command,
            refresh_command,
            api_command: None,
            authorization_endpoint: server.authorization_endpoint.clone(),
            client_id: values.client_id,
            redirect_uri: values.redirect_uri,
            refresh_tokens_enabled: app.refresh_tokens_enabled,
            code_lifetime: self.code_lifetime_words(server.builtin),
            server,
            metadata: None,
        })
    }
}
