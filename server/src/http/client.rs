//! The client address of every request, found once: [`ClientAddr`] in the request's
//! extensions, for the guard's rate limit and the instructors' login throttle.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use app::services::ClientAddr;

use crate::shared::client::TrustedProxies;

/// Put the request's [`ClientAddr`] in its extensions: the peer's address, or for a peer
/// that is a trusted proxy, the client it forwarded (see [`TrustedProxies::client_of`]).
/// A request with no peer address (a test's `oneshot`) gets none. Runs outside the guard.
pub async fn client_addr(State(proxies): State<TrustedProxies>, mut req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let client = proxies.client_of(peer.ip(), req.headers());
        req.extensions_mut().insert(ClientAddr(client));
    }
    next.run(req).await
}
