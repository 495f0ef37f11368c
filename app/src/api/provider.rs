//! Choosing the authorization server of the Refresh Tokens exercise: the built-in
//! practice server, or the learner's own found from its issuer URL.

use leptos::prelude::*;

use crate::model::ServerData;

#[cfg(feature = "ssr")]
const PAGE: &str = "/exercises/refresh/provider";

/// The server this learner works against, and their last attempt to set one up.
#[server(prefix = "/fn", endpoint = "provider")]
pub async fn get_provider() -> Result<ServerData, ServerFnError> {
    use super::ssr::{context, failed};
    let (services, learner) = context()?;
    services.server(&learner).await.map_err(failed)
}

/// Use the learner's own server: `client_id` and `redirect_uri` may be blank.
#[server(prefix = "/fn", endpoint = "set_own_server")]
pub async fn set_own_server(
    issuer: String,
    client_id: String,
    redirect_uri: String,
) -> Result<ServerData, ServerFnError> {
    use super::ssr::{back_to, context, failed};
    let (services, learner) = context()?;
    let result = services.set_own_server(&learner, &issuer, &client_id, &redirect_uri).await;
    back_to(PAGE, result.map_err(failed))
}

/// Back to the built-in practice server.
#[server(prefix = "/fn", endpoint = "use_builtin_server")]
pub async fn use_builtin_server() -> Result<ServerData, ServerFnError> {
    use super::ssr::{back_to, context, failed};
    let (services, learner) = context()?;
    back_to(PAGE, services.use_builtin_server(&learner).await.map_err(failed))
}
