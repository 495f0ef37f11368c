//! Single-Page Apps on the engine ([`super::exercises`]): the public client's facts (its
//! id and redirect URI on the practice server, the record of how a pasted token was
//! exchanged), its page, and the browser app's callback page, which makes the code
//! exchange as a browser app does.

use oauthlab::exercises::refresh::{pasted_access_token, Provider};
use oauthlab::exercises::spa::{self, Facts, Progress, Step};
use oauthlab::exercises::web_app::Exchange;

use super::exercises::{exercise_state, graded, Exercise};
use super::store::{
    or_log, LearnerState, OwnServer, PracticeAppRecord, ServerChoice, StoreError, StoredProgress,
};
use super::{
    now_unix, within, Checked, CommandAuth, CommandValues, LearnerId, ServiceError, Services, MAX_CODE_CHARS,
};
use crate::model::{ExerciseData, Secret, ServerData, SpaCallbackData};

impl Services {
    /// The public client's redirect URI on the practice server: `<site>/spa/callback`.
    pub fn spa_redirect_uri(&self) -> String {
        spa::redirect_uri(&self.public_url)
    }

    /// The server as the public client sees it: on the practice server its own id and
    /// redirect URI, and no secret (it has none).
    async fn spa_provider(
        &self,
        learner: &LearnerId,
        choice: ServerChoice,
        app: Option<PracticeAppRecord>,
    ) -> Result<(Provider, Option<OwnServer>, Option<String>), StoreError> {
        let (mut provider, own) = self.provider(learner, choice, app.clone()).await?;
        if own.is_some() {
            // The client id and redirect URI given for the learner's own server are their
            // web application's, not a browser app's: not held against this one.
            provider.client_id = None;
            provider.redirect_uris.clear();
            return Ok((provider, own, None));
        }
        let app = self.app_or_create(learner, app).await?;
        provider.client_id = Some(app.public_client_id.clone());
        provider.redirect_uris = vec![self.spa_redirect_uri()];
        provider.client_secret = None;
        provider.refresh_tokens_enabled = None;
        Ok((provider, None, Some(app.client_id)))
    }

    pub(super) async fn check_spa(
        &self,
        learner: &LearnerId,
        index: usize,
        input: &str,
    ) -> Result<Checked, ServiceError> {
        let step = Step::ALL.get(index).copied().unwrap_or(Step::Verifier);
        let LearnerState { progress, app, choice } = self.reads.learner_state(learner, spa::SLUG).await?;
        let stored: StoredProgress<Progress> = progress.typed()?;
        let (provider, own, web_client_id) = self.spa_provider(learner, choice, app).await?;
        let pasted = match step {
            Step::TokenResponse => pasted_access_token(input),
            _ => None,
        };
        let (issued, signature) = self.token_facts(pasted.as_deref(), own.as_ref()).await?;
        let exchange = issued.as_ref().and_then(Exchange::from_issued);
        let facts = Facts {
            provider: &provider,
            web_client_id: web_client_id.as_deref(),
            progress: &stored.progress,
            now: now_unix(),
            exchange: exchange.as_ref(),
            signature: signature.as_ref(),
        };
        let result = spa::check(step, input, &facts).map(|o| (o.verdict, o.progress, o.jwt));
        self.keep_check(learner, Exercise::Spa, stored, index, input, graded(result)).await
    }

    /// The command and the values a code exchange of the public client needs: on the
    /// practice server its id and redirect URI; on another server the URL's of step 3.
    fn spa_values(
        &self,
        server: &ServerData,
        app: &PracticeAppRecord,
        login_url: Option<&str>,
    ) -> CommandValues {
        CommandValues::for_client(
            server,
            &app.public_client_id,
            CommandAuth::Public,
            login_url,
            self.spa_redirect_uri(),
        )
    }

    pub(super) async fn spa_page(&self, learner: &LearnerId) -> Result<ExerciseData, StoreError> {
        let LearnerState { progress, app, choice } = self.reads.learner_state(learner, spa::SLUG).await?;
        let stored: StoredProgress<Progress> = progress.clone().typed()?;
        let record = self.app_or_create(learner, app).await?;
        let steps = self.step_views(learner, Exercise::Spa, stored.progress.steps_passed, &stored.last).await;
        let verifier = or_log("page views", self.flash.peek_verifier(learner, spa::SLUG).await);
        let code = or_log("page views", self.flash.peek_code(learner, spa::SLUG).await);
        let login_url = stored.progress.authorization_url.clone();
        let server = self.server_view(choice);
        let values = self.spa_values(&server, &record, login_url.as_deref());
        let token_command =
            login_url.as_ref().map(|_| values.token_command(verifier.as_deref(), code.as_deref()));
        Ok(ExerciseData {
            exercise: exercise_state(Exercise::Spa, &progress),
            steps,
            generated_verifier: verifier.map(Secret::new),
            challenge: stored.progress.challenge.clone(),
            login_url,
            token_command,
            refresh_command: None,
            api_command: None,
            authorization_endpoint: server.authorization_endpoint.clone(),
            client_id: values.client_id,
            redirect_uri: values.redirect_uri,
            refresh_tokens_enabled: record.refresh_tokens_enabled,
            code_lifetime: self.code_lifetime_words(server.builtin),
            server,
            metadata: None,
        })
    }

    /// What the browser app's callback page (`/spa/callback`) shows for the `code` it
    /// received: the code exchange to make from the browser (`fetch()`) or with curl, with
    /// this learner's verifier, the public client and no secret. The code of the login
    /// step 3 started (its `state`) is kept (sealed) for the exercise page's command.
    pub async fn spa_callback_view(
        &self,
        learner: &LearnerId,
        code: &str,
        state: Option<&str>,
    ) -> Result<SpaCallbackData, ServiceError> {
        within("authorization code", code, MAX_CODE_CHARS)?;
        within("state", state.unwrap_or_default(), MAX_CODE_CHARS)?;
        let LearnerState { progress, app, choice } = self.reads.learner_state(learner, spa::SLUG).await?;
        let stored: StoredProgress<Progress> = progress.typed()?;
        let record = self.app_or_create(learner, app).await?;
        let server = self.server_view(choice);
        let login_url = stored.progress.authorization_url.as_deref();
        let values = self.spa_values(&server, &record, login_url);
        let verifier = or_log("page views", self.flash.peek_verifier(learner, spa::SLUG).await);
        let state_matches = state.is_some() && stored.progress.state.as_deref() == state;
        if state_matches {
            // Only this login's code: a code of another login never replaces it.
            or_log("page views", self.flash.put_code(learner, spa::SLUG, Some(code.to_owned())).await);
        }
        Ok(SpaCallbackData {
            token_endpoint: values.token_endpoint.clone(),
            fields: values
                .token_fields(verifier.as_deref(), Some(code))
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
            token_command: values.token_command(verifier.as_deref(), Some(code)),
            code_lifetime: self.code_lifetime_words(server.builtin),
            state_matches,
            has_verifier: verifier.is_some(),
        })
    }
}
