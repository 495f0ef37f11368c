//! Web Applications on the engine ([`super::exercises`]): the facts its checks need (the
//! server in use, the practice server's record of how a pasted token was exchanged, its
//! signature) and its page.

use oauthlab::exercises::web_app::{self, Exchange, Facts, Progress, Step};

use super::exercises::{exercise_state, graded, Exercise};
use super::store::{or_log, LearnerState, StoreError, StoredProgress};
use super::{now_unix, Checked, CommandValues, LearnerId, ServiceError, Services};
use crate::model::{ExerciseData, Secret};

impl Services {
    pub(super) async fn check_web_app(
        &self,
        learner: &LearnerId,
        index: usize,
        input: &str,
    ) -> Result<Checked, ServiceError> {
        let step = Step::ALL.get(index).copied().unwrap_or(Step::Verifier);
        let LearnerState { progress, app, choice } = self.reads.learner_state(learner, web_app::SLUG).await?;
        let stored: StoredProgress<Progress> = progress.typed()?;
        let (provider, own) = self.provider(learner, choice, app).await?;
        let pasted = match step {
            Step::TokenResponse => oauthlab::exercises::refresh::pasted_access_token(input),
            _ => None,
        };
        let (issued, signature) = self.token_facts(pasted.as_deref(), own.as_ref()).await?;
        let exchange = issued.as_ref().and_then(Exchange::from_issued);
        let facts = Facts {
            provider: &provider,
            progress: &stored.progress,
            now: now_unix(),
            exchange: exchange.as_ref(),
            signature: signature.as_ref(),
        };
        let result = web_app::check(step, input, &facts).map(|o| (o.verdict, o.progress, o.jwt));
        let checked =
            self.keep_check(learner, Exercise::WebApp, stored, index, input, graded(result)).await?;
        if step == Step::Callback && checked.verdict.passed() {
            // The code, sealed for the page only, for the token command of step 5.
            let code = super::query_value(oauthlab::pasted::trim(input), "code");
            or_log("page views", self.flash.put_code(learner, web_app::SLUG, code).await);
        }
        Ok(checked)
    }

    pub(super) async fn web_app_page(&self, learner: &LearnerId) -> Result<ExerciseData, StoreError> {
        let LearnerState { progress, app, choice } = self.reads.learner_state(learner, web_app::SLUG).await?;
        let stored: StoredProgress<Progress> = progress.clone().typed()?;
        let app = self.practice_app_view(learner, self.app_or_create(learner, app).await?);
        let steps =
            self.step_views(learner, Exercise::WebApp, stored.progress.steps_passed, &stored.last).await;
        let verifier = or_log("page views", self.flash.peek_verifier(learner, web_app::SLUG).await);
        let code = or_log("page views", self.flash.peek_code(learner, web_app::SLUG).await);
        let login_url = stored.progress.authorization_url.clone();
        let server = self.server_view(choice);
        let values = CommandValues::new(&server, &app, login_url.as_deref(), self.redirect_uri());
        let token_command = (stored.progress.steps_passed > Step::Callback.index())
            .then(|| values.token_command(verifier.as_deref(), code.as_deref()));
        Ok(ExerciseData {
            exercise: exercise_state(Exercise::WebApp, &progress),
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
            refresh_tokens_enabled: app.refresh_tokens_enabled,
            code_lifetime: self.code_lifetime_words(server.builtin),
            server,
            metadata: None,
        })
    }
}
