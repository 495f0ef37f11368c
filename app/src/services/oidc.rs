//! OpenID Connect on the engine ([`super::exercises`]): the facts its checks need (the
//! server in use, the practice server's record of a pasted access token and of its
//! login's nonce, the signatures of the access token and of the ID token) and its page.

use oauthlab::exercises::oidc::{self, Exchange, Facts, Progress, Step};
use oauthlab::exercises::refresh;

use super::exercises::{exercise_state, graded, Exercise};
use super::store::{or_log, LearnerState, StoreError, StoredProgress};
use super::{now_unix, Checked, CommandValues, LearnerId, ServiceError, Services};
use crate::model::{ExerciseData, Secret};

impl Services {
    pub(super) async fn check_oidc(
        &self,
        learner: &LearnerId,
        index: usize,
        input: &str,
    ) -> Result<Checked, ServiceError> {
        let step = Step::ALL.get(index).copied().unwrap_or(Step::Verifier);
        let LearnerState { progress, app, choice } = self.reads.learner_state(learner, oidc::SLUG).await?;
        let stored: StoredProgress<Progress> = progress.typed()?;
        let (provider, own) = self.provider(learner, choice, app).await?;
        let (access_token, id_token) = match step {
            Step::TokenResponse => (refresh::pasted_access_token(input), oidc::pasted_id_token(input)),
            _ => (None, None),
        };
        let (issued, signature) = self.token_facts(access_token.as_deref(), own.as_ref()).await?;
        let id_token_signature = match (id_token, super::refresh::jwks(own.as_ref())) {
            (Some(token), Some(keys)) => self.verifier.verify(&token, keys).await?,
            _ => None,
        };
        let exchange = issued.as_ref().and_then(Exchange::from_issued);
        let facts = Facts {
            provider: &provider,
            progress: &stored.progress,
            now: now_unix(),
            exchange: exchange.as_ref(),
            nonce_sha256: issued.as_ref().and_then(|i| i.nonce_sha256.as_deref()),
            signature: signature.as_ref(),
            id_token_signature: id_token_signature.as_ref(),
        };
        // The page shows step 4's ID token decoded: it is what this exercise is about.
        let result = oidc::check(step, input, &facts).map(|o| (o.verdict, o.progress, o.id_token));
        self.keep_check(learner, Exercise::Oidc, stored, index, input, graded(result)).await
    }

    pub(super) async fn oidc_page(&self, learner: &LearnerId) -> Result<ExerciseData, StoreError> {
        let LearnerState { progress, app, choice } = self.reads.learner_state(learner, oidc::SLUG).await?;
        let stored: StoredProgress<Progress> = progress.clone().typed()?;
        let app = self.practice_app_view(learner, self.app_or_create(learner, app).await?);
        let steps =
            self.step_views(learner, Exercise::Oidc, stored.progress.steps_passed, &stored.last).await;
        let verifier = or_log("page views", self.flash.peek_verifier(learner, oidc::SLUG).await);
        let login_url = stored.progress.authorization_url.clone();
        let server = self.server_view(choice);
        let values = CommandValues::new(&server, &app, login_url.as_deref(), self.redirect_uri());
        // The code comes back to the redirect page, which shows this command filled in.
        let token_command = login_url.as_ref().map(|_| values.token_command(verifier.as_deref(), None));
        // Step 6's request: the practice server's UserInfo endpoint, or the learner's own.
        let userinfo = if server.builtin {
            format!("{}/oauth2/userinfo", self.public_url)
        } else {
            "YOUR_USERINFO_ENDPOINT".to_owned()
        };
        Ok(ExerciseData {
            exercise: exercise_state(Exercise::Oidc, &progress),
            steps,
            generated_verifier: verifier.map(Secret::new),
            challenge: stored.progress.challenge.clone(),
            login_url,
            token_command,
            refresh_command: None,
            api_command: Some(super::bearer_command(&userinfo)),
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
