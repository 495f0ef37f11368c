//! The error codes of RFC 6749: the token endpoint's (§5.2) and the authorization
//! endpoint's (§4.1.2.1), and RFC 8707's `invalid_target`, with what each usually means
//! for a learner.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An OAuth 2.0 error code, serialized as its RFC string (`invalid_grant`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    AccessDenied,
    UnsupportedResponseType,
    ServerError,
    TemporarilyUnavailable,
    /// RFC 8707 §2: the `resource` asked for is invalid, unknown or not allowed.
    InvalidTarget,
}

impl OAuthErrorCode {
    pub const ALL: [OAuthErrorCode; 11] = [
        OAuthErrorCode::InvalidRequest,
        OAuthErrorCode::InvalidClient,
        OAuthErrorCode::InvalidGrant,
        OAuthErrorCode::UnauthorizedClient,
        OAuthErrorCode::UnsupportedGrantType,
        OAuthErrorCode::InvalidScope,
        OAuthErrorCode::AccessDenied,
        OAuthErrorCode::UnsupportedResponseType,
        OAuthErrorCode::ServerError,
        OAuthErrorCode::TemporarilyUnavailable,
        OAuthErrorCode::InvalidTarget,
    ];

    /// The code as RFC 6749 spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            OAuthErrorCode::InvalidRequest => "invalid_request",
            OAuthErrorCode::InvalidClient => "invalid_client",
            OAuthErrorCode::InvalidGrant => "invalid_grant",
            OAuthErrorCode::UnauthorizedClient => "unauthorized_client",
            OAuthErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            OAuthErrorCode::InvalidScope => "invalid_scope",
            OAuthErrorCode::AccessDenied => "access_denied",
            OAuthErrorCode::UnsupportedResponseType => "unsupported_response_type",
            OAuthErrorCode::ServerError => "server_error",
            OAuthErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
            OAuthErrorCode::InvalidTarget => "invalid_target",
        }
    }

    /// The code for an RFC string (exact, case-sensitive); `None` for any other string.
    pub fn parse(s: &str) -> Option<OAuthErrorCode> {
        OAuthErrorCode::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The RFC section that defines the code.
    pub fn rfc_section(self) -> &'static str {
        match self {
            OAuthErrorCode::AccessDenied
            | OAuthErrorCode::UnsupportedResponseType
            | OAuthErrorCode::ServerError
            | OAuthErrorCode::TemporarilyUnavailable => "RFC 6749 §4.1.2.1",
            OAuthErrorCode::InvalidTarget => "RFC 8707 §2",
            _ => "RFC 6749 §5.2",
        }
    }

    /// For a learner, in a few words to follow a colon: the usual fix. [`Self::explain`]
    /// says more.
    pub fn fix(self) -> &'static str {
        match self {
            OAuthErrorCode::InvalidRequest => {
                "compare every parameter with the command on this page and send each once"
            }
            OAuthErrorCode::InvalidClient => {
                "copy the token command with its Copy button (or open \"Show the command with your client \
                 secret\"), since the dots shown stand for your real secret"
            }
            OAuthErrorCode::InvalidGrant => "log in again for a new code and exchange it at once",
            OAuthErrorCode::UnauthorizedClient => "enable this grant type in the application's settings",
            OAuthErrorCode::UnsupportedGrantType => "check the spelling of grant_type",
            OAuthErrorCode::InvalidScope => {
                "ask for no more than the scopes of the authorization request, or leave scope out"
            }
            OAuthErrorCode::AccessDenied => "log in again and allow access",
            OAuthErrorCode::UnsupportedResponseType => "use response_type=code",
            OAuthErrorCode::ServerError => "wait a moment and try again",
            OAuthErrorCode::TemporarilyUnavailable => "wait a little and try again",
            OAuthErrorCode::InvalidTarget => "ask for the API's identifier exactly as resource",
        }
    }

    /// For a learner: what the error means, its usual causes, and how to fix them.
    pub fn explain(self) -> &'static str {
        match self {
            OAuthErrorCode::InvalidRequest => {
                "invalid_request: the request is missing a required parameter, has one twice, \
                 or is otherwise malformed (RFC 6749 §5.2). Usual causes: a missing grant_type, \
                 code, redirect_uri or code_verifier; a parameter sent twice; a body not sent \
                 as application/x-www-form-urlencoded. Compare every parameter with the example \
                 request and send each once."
            }
            OAuthErrorCode::InvalidClient => {
                "invalid_client: client authentication failed (RFC 6749 §5.2). Usual causes: a \
                 wrong client_id or client secret (one from another application, or copied \
                 with a space), or the wrong authentication method (the secret in the \
                 Authorization header, client_secret_basic, versus in the body, \
                 client_secret_post). Copy the client ID and secret again and send them the \
                 way the application is set up for."
            }
            OAuthErrorCode::InvalidGrant => {
                "invalid_grant: the authorization code or refresh token was rejected \
                 (RFC 6749 §5.2). Usual causes: the code was already used (a code works once) \
                 or has expired (codes are short-lived: log in again for a fresh one); the \
                 code_verifier does not match the code_challenge of the authorization request \
                 (send the verifier from step 1, not the challenge); the redirect_uri differs \
                 from the one in the authorization request (it must be identical); or the \
                 refresh token was revoked, expired, or already rotated (use the newest one)."
            }
            OAuthErrorCode::UnauthorizedClient => {
                "unauthorized_client: this application is not allowed to use this grant type \
                 (RFC 6749 §5.2). Usual cause: the grant is not enabled for the application. \
                 Turn on the Authorization Code grant, or Refresh Token (offline access) for \
                 refreshing, in the application's settings."
            }
            OAuthErrorCode::UnsupportedGrantType => {
                "unsupported_grant_type: the server does not support the grant_type sent \
                 (RFC 6749 §5.2). Check its spelling: grant_type=authorization_code to exchange \
                 a code, grant_type=refresh_token to refresh."
            }
            OAuthErrorCode::InvalidScope => {
                "invalid_scope: a requested scope is unknown, malformed, or more than was \
                 granted (RFC 6749 §5.2). Check the scope names and separate them with spaces \
                 (+ or %20 in a URL); when refreshing, ask for no more than the original scope, \
                 or leave scope out."
            }
            OAuthErrorCode::AccessDenied => {
                "access_denied: the user or the authorization server refused the request \
                 (RFC 6749 §4.1.2.1). Usual causes: Deny was clicked on the consent screen, the \
                 user is not assigned to the application, or a policy blocked it. Log in again \
                 and allow access, or assign the user to the application."
            }
            OAuthErrorCode::UnsupportedResponseType => {
                "unsupported_response_type: the server does not support this response_type \
                 (RFC 6749 §4.1.2.1). Use response_type=code, and make sure the application \
                 allows the authorization code flow."
            }
            OAuthErrorCode::ServerError => {
                "server_error: the authorization server hit an unexpected error \
                 (RFC 6749 §4.1.2.1). It is not your mistake: wait a moment and try again; if \
                 it keeps happening, check the server's logs or status page."
            }
            OAuthErrorCode::TemporarilyUnavailable => {
                "temporarily_unavailable: the authorization server is overloaded or under \
                 maintenance (RFC 6749 §4.1.2.1). Wait a little and try again."
            }
            OAuthErrorCode::InvalidTarget => {
                "invalid_target: the resource asked for is invalid, unknown, or not one the client \
                 may have a token for (RFC 8707 §2). Usual causes: a resource that is not an \
                 absolute URI, or a typo in the API's identifier. Send the API's identifier exactly \
                 as resource (or audience)."
            }
        }
    }
}

impl fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_rfc_string() {
        for code in OAuthErrorCode::ALL {
            assert_eq!(OAuthErrorCode::parse(code.as_str()), Some(code));
            assert_eq!(code.to_string(), code.as_str());
            assert_eq!(serde_json::to_value(code).ok(), Some(serde_json::json!(code.as_str())));
        }
    }

    #[test]
    fn unknown_or_miscased_codes_do_not_parse() {
        for s in ["", "Invalid_Grant", "invalid grant", "login_required", "invalid_token"] {
            assert_eq!(OAuthErrorCode::parse(s), None, "{s:?}");
        }
    }

    #[test]
    fn every_explanation_names_its_code_and_cites_the_rfc() {
        for code in OAuthErrorCode::ALL {
            let text = code.explain();
            assert!(text.starts_with(code.as_str()), "{code}");
            assert!(text.contains(code.rfc_section()), "{code}");
        }
    }

    #[test]
    fn no_explanation_names_a_code_lifetime() {
        // Servers differ (the practice server's codes live 5 minutes): no number is given.
        let text = OAuthErrorCode::InvalidGrant.explain();
        assert!(!text.contains("minute") && !text.contains("second"), "{text}");
        assert!(OAuthErrorCode::ALL.iter().all(|c| !c.fix().is_empty() && !c.fix().ends_with('.')));
    }

    #[test]
    fn invalid_grant_lists_its_usual_causes() {
        let text = OAuthErrorCode::InvalidGrant.explain();
        for cause in ["already used", "expired", "code_verifier", "redirect_uri", "rotated"] {
            assert!(text.contains(cause), "{cause}");
        }
        let text = OAuthErrorCode::InvalidClient.explain();
        for cause in ["client_id", "secret", "authentication method"] {
            assert!(text.contains(cause), "{cause}");
        }
    }
}
