//! OAuth 2.0 vocabulary as types that parse: scopes, client ids, redirect URIs, and the
//! error codes of RFC 6749 with explanations for learners.

pub mod discovery;
mod error;
pub mod hash;
pub mod id_token;
pub mod jwt;

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::work::{self, Counted as _};

pub use crate::pkce::Verifier as PkceVerifier;
pub use error::OAuthErrorCode;
pub use hash::left_half_hash;

/// A set of scopes (RFC 6749 §3.3): scope tokens separated by spaces, kept in the order
/// first given, without repeats.
///
/// In a URL query both `+` and `%20` mean a space; decode the query first (the `url`
/// crate's `query_pairs` does) and parse the decoded value. A `%2B` decodes to a literal
/// `+`, which is part of a scope token, not a separator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Scope(Vec<String>);

/// Why a scope value is not one RFC 6749 §3.3 allows.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum ScopeError {
    #[error("The scope is empty: list at least one scope, such as offline_access.")]
    Empty,
    #[error(
        "Character {position} ({ch:?}) is not allowed in a scope: separate scopes with single \
         spaces, written + or %20 in a URL."
    )]
    BadCharacter { ch: char, position: usize },
}

impl ScopeError {
    /// What RFC 6749 allows in a scope.
    pub fn details(&self) -> &'static str {
        "Scopes are printable ASCII without quotes or backslashes, separated by single spaces \
         (RFC 6749 §3.3)."
    }
}

fn is_scope_token_char(ch: char) -> bool {
    // scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    matches!(ch, '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E')
}

impl Scope {
    /// Parse a space-separated scope string. Repeated or surrounding spaces are tolerated;
    /// any other character outside the scope-token set is an error (its position is
    /// 1-based, in characters). Linear in the length of `s`, however many tokens it has.
    pub fn parse(s: &str) -> Result<Scope, ScopeError> {
        if let Some((i, ch)) =
            s.chars().counted().enumerate().find(|&(_, ch)| ch != ' ' && !is_scope_token_char(ch))
        {
            return Err(ScopeError::BadCharacter { ch, position: i + 1 });
        }
        let mut scopes: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        for token in s.split(' ').counted().filter(|t| !t.is_empty()) {
            work::add(token.len());
            if seen.insert(token) {
                scopes.push(token.to_owned());
            }
        }
        if scopes.is_empty() {
            return Err(ScopeError::Empty);
        }
        Ok(Scope(scopes))
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.0.iter().counted().any(|s| s == scope)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// How many distinct scopes (at least 1).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a parsed scope holds at least one scope token.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

impl TryFrom<String> for Scope {
    type Error = ScopeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Scope::parse(&s)
    }
}

impl From<Scope> for String {
    fn from(s: Scope) -> String {
        s.to_string()
    }
}

/// A client identifier (RFC 6749 §2.2): non-empty printable ASCII (`VSCHAR`, Appendix A.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientId(String);

/// Why a client id is not one RFC 6749 allows.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum ClientIdError {
    #[error("The client_id is empty: copy your application's client ID from its settings.")]
    Empty,
    #[error(
        "Character {position} ({ch:?}) is not allowed in a client_id: copy the client ID again from \
         your application's settings, without line breaks."
    )]
    BadCharacter { ch: char, position: usize },
}

impl ClientIdError {
    /// What RFC 6749 allows in a client id.
    pub fn details(&self) -> &'static str {
        "A client ID is printable ASCII (RFC 6749 §2.2 and Appendix A.1), issued to the \
         application when it is registered."
    }
}

impl ClientId {
    pub fn parse(s: &str) -> Result<ClientId, ClientIdError> {
        if s.is_empty() {
            return Err(ClientIdError::Empty);
        }
        if let Some((i, ch)) = s.chars().counted().enumerate().find(|&(_, ch)| !matches!(ch, '\x20'..='\x7E'))
        {
            return Err(ClientIdError::BadCharacter { ch, position: i + 1 });
        }
        Ok(ClientId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ClientId {
    type Error = ClientIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ClientId::parse(&s)
    }
}

impl From<ClientId> for String {
    fn from(c: ClientId) -> String {
        c.0
    }
}

/// A client secret (RFC 6749 §2.3.1), given to a check so it can recognise one pasted
/// where it does not belong. It never serializes, and `Debug` prints none of it, so a
/// stray `{:?}` of the facts cannot put it in a log.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(***)")
    }
}

/// A redirect URI (RFC 6749 §3.1.2): an absolute URI without a fragment. The text is kept
/// exactly as given, because servers compare redirect URIs character for character.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RedirectUri(String);

/// Why a redirect URI is not one RFC 6749 §3.1.2 allows.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum RedirectUriError {
    #[error("The redirect_uri is empty: use the redirect URI registered for your application.")]
    Empty,
    #[error(
        "The redirect_uri is not an absolute URI: use the redirect URI registered for your \
         application, which starts with a scheme such as https://."
    )]
    NotAbsolute,
    #[error(
        "The redirect_uri is not a valid URI ({0}): use the redirect URI registered for your \
         application, URL-encoded inside the authorization URL."
    )]
    Invalid(url::ParseError),
    #[error("The redirect_uri has a #fragment: remove the # and everything after it.")]
    HasFragment,
}

impl RedirectUriError {
    /// What RFC 6749 asks of a redirect URI.
    pub fn details(&self) -> &'static str {
        "A redirect URI is an absolute URI without a fragment (RFC 6749 §3.1.2), and the server \
         compares it character for character with a registered one."
    }
}

impl RedirectUri {
    pub fn parse(s: &str) -> Result<RedirectUri, RedirectUriError> {
        if s.is_empty() {
            return Err(RedirectUriError::Empty);
        }
        work::add(s.len());
        match url::Url::parse(s) {
            Err(url::ParseError::RelativeUrlWithoutBase) => Err(RedirectUriError::NotAbsolute),
            Err(e) => Err(RedirectUriError::Invalid(e)),
            Ok(u) if u.fragment().is_some() => Err(RedirectUriError::HasFragment),
            Ok(_) => Ok(RedirectUri(s.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when this URI is byte for byte one of `registered` (RFC 6749 §3.1.2.3 simple
    /// string comparison).
    pub fn is_one_of<S: AsRef<str>>(&self, registered: &[S]) -> bool {
        registered.iter().any(|r| r.as_ref() == self.0)
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RedirectUri {
    type Error = RedirectUriError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        RedirectUri::parse(&s)
    }
}

impl From<RedirectUri> for String {
    fn from(r: RedirectUri) -> String {
        r.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_secret_debug_print_hides_it() {
        let secret = ClientSecret::new("hunter2-hunter2-hunter2");
        assert_eq!(format!("{secret:?}"), "ClientSecret(***)");
        assert!(!format!("{:?}", Some(&secret)).contains("hunter2"));
        assert_eq!(secret.expose(), "hunter2-hunter2-hunter2");
    }

    fn query_value(url: &str, name: &str) -> Option<String> {
        let url = url::Url::parse(url).ok()?;
        url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
    }

    #[test]
    fn plus_and_percent_20_both_separate_scopes_in_a_url() {
        for url in [
            "https://a.example/authorize?scope=openid+offline_access",
            "https://a.example/authorize?scope=openid%20offline_access",
        ] {
            let raw = query_value(url, "scope").expect("scope present");
            let scope = Scope::parse(&raw).expect("valid scope");
            assert!(scope.contains("offline_access"), "{url}");
            assert!(scope.contains("openid"), "{url}");
            assert_eq!(scope.len(), 2);
        }
    }

    #[test]
    fn percent_2b_is_a_literal_plus_not_a_separator() {
        let raw =
            query_value("https://a.example/a?scope=openid%2Boffline_access", "scope").expect("scope present");
        let scope = Scope::parse(&raw).expect("a + is a scope-token character");
        assert!(!scope.contains("offline_access"));
        assert_eq!(scope.iter().collect::<Vec<_>>(), ["openid+offline_access"]);
    }

    #[test]
    fn scopes_parse_as_the_rfc_says() {
        let cases: &[(&str, Result<&[&str], ScopeError>)] = &[
            ("openid", Ok(&["openid"])),
            ("  openid   offline_access ", Ok(&["openid", "offline_access"])),
            ("a a b", Ok(&["a", "b"])),
            ("", Err(ScopeError::Empty)),
            ("   ", Err(ScopeError::Empty)),
            ("openid\tprofile", Err(ScopeError::BadCharacter { ch: '\t', position: 7 })),
            ("a\"b", Err(ScopeError::BadCharacter { ch: '"', position: 2 })),
            ("a\\b", Err(ScopeError::BadCharacter { ch: '\\', position: 2 })),
            ("é", Err(ScopeError::BadCharacter { ch: 'é', position: 1 })),
        ];
        for (input, want) in cases {
            let got = Scope::parse(input);
            match (got, want) {
                (Ok(s), Ok(w)) => assert_eq!(s.iter().collect::<Vec<_>>(), *w, "{input:?}"),
                (Err(e), Err(w)) => assert_eq!(&e, w, "{input:?}"),
                (got, want) => panic!("{input:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn a_scope_displays_and_serializes_space_separated() {
        let scope = Scope::parse("openid  offline_access").expect("valid");
        assert_eq!(scope.to_string(), "openid offline_access");
        assert_eq!(serde_json::to_value(&scope).ok(), Some(serde_json::json!("openid offline_access")));
        assert!(serde_json::from_value::<Scope>(serde_json::json!("")).is_err());
    }

    #[test]
    fn client_ids_are_non_empty_printable_ascii() {
        assert_eq!(ClientId::parse("0oa1-fbK").map(|c| c.as_str().to_owned()), Ok("0oa1-fbK".into()));
        assert_eq!(ClientId::parse(""), Err(ClientIdError::Empty));
        assert_eq!(ClientId::parse("abc\ndef"), Err(ClientIdError::BadCharacter { ch: '\n', position: 4 }));
    }

    #[test]
    fn redirect_uris_are_absolute_without_fragment_and_kept_verbatim() {
        let cases: &[(&str, Result<(), RedirectUriError>)] = &[
            ("https://example-app.com/redirect", Ok(())),
            ("http://127.0.0.1:3000/redirect", Ok(())),
            ("com.example.app:/callback", Ok(())),
            ("", Err(RedirectUriError::Empty)),
            ("/redirect", Err(RedirectUriError::NotAbsolute)),
            ("https://example-app.com/redirect#x", Err(RedirectUriError::HasFragment)),
        ];
        for (input, want) in cases {
            assert_eq!(&RedirectUri::parse(input).map(|_| ()), want, "{input:?}");
        }
        assert!(matches!(RedirectUri::parse("https://exa mple.com/"), Err(RedirectUriError::Invalid(_))));
        // Kept byte for byte: no normalisation of the host's case or a trailing slash.
        let r = RedirectUri::parse("HTTPS://Example-App.com").expect("valid");
        assert_eq!(r.as_str(), "HTTPS://Example-App.com");
        assert!(!r.is_one_of(&["https://example-app.com/"]));
        assert!(r.is_one_of(&["x", "HTTPS://Example-App.com"]));
    }

    #[test]
    fn the_verifier_newtype_is_reachable_as_pkce_verifier() {
        assert!(PkceVerifier::parse("short").is_err());
    }
}
