//! Machine-to-Machine on the engine ([`super::exercises`]): the service client's facts
//! (the practice server's record of how a pasted token was issued, the practice API's
//! record of a pasted receipt), the receipt used once step 2 passes, and the page with
//! its two commands.

use oauthlab::exercises::client_credentials::{self, ClientKind, Facts, Grant, Progress, Step};
use oauthlab::exercises::refresh::token_sha256;

use super::exercises::{exercise_state, graded, Exercise};
use super::store::{LearnerState, PracticeAppRecord, StoreError, StoredProgress};
use super::{bearer_command, command, now_unix, Checked, LearnerId, ServiceError, Services};
use crate::model::{Command, ExerciseData, ServerData};

/// The practice API's path on the site; its identifier (the `resource` a token is asked
/// for) is the site's URL with `/practice-api`.
pub const PRACTICE_API_PATH: &str = "/practice-api";

impl Services {
    /// The practice API's identifier: `<site>/practice-api`.
    pub fn practice_api(&self) -> String {
        format!("{}{PRACTICE_API_PATH}", self.public_url)
    }

    pub(super) async fn check_client_credentials(
        &self,
        learner: &LearnerId,
        index: usize,
        input: &str,
    ) -> Result<Checked, ServiceError> {
        let step = Step::ALL.get(index).copied().unwrap_or(Step::TokenResponse);
        let LearnerState { progress, app, choice } =
            self.reads.learner_state(learner, client_credentials::SLUG).await?;
        let stored: StoredProgress<Progress> = progress.typed()?;
        let (provider, own) = self.provider(learner, choice, app.clone()).await?;
        let app = match own {
            None => Some(self.app_or_create(learner, app).await?),
            Some(_) => None,
        };
        let now = now_unix();
        let token = match step {
            Step::TokenResponse => client_credentials::pasted_access_token(input),
            Step::ApiResponse => None,
        };
        let (issued, signature) = self.token_facts(token.as_deref(), own.as_ref()).await?;
        let grant = match (&issued, &app) {
            (Some(issued), Some(app)) => {
                let kind = app.kind_of(&issued.client_id).unwrap_or(ClientKind::Web);
                Some(Grant::from_issued(issued, kind))
            }
            _ => None,
        };
        let receipt_digest = match (step, &app) {
            (Step::ApiResponse, Some(_)) => {
                client_credentials::pasted_receipt(input).map(|r| token_sha256(&r))
            }
            _ => None,
        };
        let receipt = match &receipt_digest {
            Some(digest) => self.receipts.receipt(digest, now).await?,
            None => None,
        };
        let resource = app.as_ref().map(|_| self.practice_api());
        let mut facts = Facts {
            provider: &provider,
            progress: &stored.progress,
            now,
            resource: resource.as_deref(),
            service_client_id: app.as_ref().map(|a| a.service_client_id.as_str()),
            grant: grant.as_ref(),
            signature: signature.as_ref(),
            receipt: receipt.as_ref(),
        };
        let mut result = client_credentials::check(step, input, &facts);
        if let (Ok(outcome), Some(digest), Some(receipt)) = (&result, &receipt_digest, &receipt) {
            // One-time: the receipt is claimed before the pass is kept, so of two checks at
            // once only one passes; the other is graded as a receipt already used.
            if outcome.verdict.passed() && !self.receipts.mark_used(digest, now).await? {
                let used = client_credentials::Receipt { used: true, ..receipt.clone() };
                facts.receipt = Some(&used);
                result = client_credentials::check(step, input, &facts);
            }
        }
        let result = result.map(|o| (o.verdict, o.progress, o.jwt));
        let checked = self
            .keep_check(learner, Exercise::ClientCredentials, stored, index, input, graded(result))
            .await?;
        Ok(checked)
    }

    pub(super) async fn client_credentials_page(
        &self,
        learner: &LearnerId,
    ) -> Result<ExerciseData, StoreError> {
        let LearnerState { progress, app, choice } =
            self.reads.learner_state(learner, client_credentials::SLUG).await?;
        let stored: StoredProgress<Progress> = progress.clone().typed()?;
        let record = self.app_or_create(learner, app).await?;
        let steps = self
            .step_views(learner, Exercise::ClientCredentials, stored.progress.steps_passed, &stored.last)
            .await;
        let server = self.server_view(choice);
        let (token_command, client_id) = self.client_credentials_command(&server, &record);
        let api_command = self.api_command(&server);
        Ok(ExerciseData {
            exercise: exercise_state(Exercise::ClientCredentials, &progress),
            steps,
            generated_verifier: None,
            challenge: None,
            login_url: None,
            token_command: Some(token_command),
            refresh_command: None,
            api_command: Some(api_command),
            authorization_endpoint: server.authorization_endpoint.clone(),
            client_id,
            redirect_uri: String::new(),
            refresh_tokens_enabled: false,
            code_lifetime: self.code_lifetime_words(server.builtin),
            server,
            metadata: None,
        })
    }

    /// Step 1's request: the service client's client credentials grant for the practice
    /// API and `reports:read` only; on another server, placeholders for the learner's.
    fn client_credentials_command(&self, server: &ServerData, app: &PracticeAppRecord) -> (Command, String) {
        let (client_id, secret, resource) = if server.builtin {
            let secret = self.secrets.secret_for(&app.service_client_id);
            (app.service_client_id.clone(), Some(secret), self.practice_api())
        } else {
            ("YOUR_CLIENT_ID".to_owned(), None, "YOUR_API_IDENTIFIER".to_owned())
        };
        let fields = vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", client_id.clone()),
            ("client_secret", String::new()),
            ("resource", resource),
            ("scope", client_credentials::READ_SCOPE.to_owned()),
        ];
        (command(&server.token_endpoint, fields, secret.as_deref()), client_id)
    }

    /// Step 2's request: the practice API called with step 1's token as a Bearer header
    /// (the learner puts the token in place of [`ACCESS_TOKEN_PLACEHOLDER`]).
    fn api_command(&self, server: &ServerData) -> Command {
        let url = if server.builtin {
            format!("{}/reports", self.practice_api())
        } else {
            "YOUR_API_URL".to_owned()
        };
        bearer_command(&url)
    }
}
