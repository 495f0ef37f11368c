//! Setting up "your own server": an issuer URL, the metadata documents to read for it
//! (RFC 8414, then OpenID Connect Discovery), and what the metadata found says about
//! doing the exercise there.
//!
//! Pure: the web layer fetches the documents and passes in what each fetch gave
//! ([`Fetched`]); [`review`] turns that into findings and, when it worked, the
//! server's [`Metadata`].
//!
//! Finding ids: `provider.issuer`, `provider.metadata`, `provider.issuer_match`,
//! `provider.endpoints`, `provider.pkce`, `provider.refresh_token` (may warn),
//! `provider.offline_access` (may warn), `provider.jwks` (may warn).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::{Host, Url};

use crate::json::parse_strict;
use crate::oauth::{ClientId, RedirectUri};
use crate::verdict::{show, Finding, Verdict};

/// An issuer URL that may be asked for its metadata: absolute, `https` (or `http` on a
/// loopback host, where that is allowed), no query or fragment, no user name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issuer(Url);

/// What the site allows as an issuer besides public `https` hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Public hosts only: no loopback, private or link-local address, no plain `http`.
    /// For a site that others reach over a network: the server must not be made to
    /// fetch from its own neighbourhood.
    Public,
    /// Also loopback hosts, over `http` too: a site running on a learner's own machine,
    /// next to a local Keycloak (`http://localhost:8080/realms/...`).
    Loopback,
}

impl Reach {
    /// What a site at `public_url` may reach: loopback servers too when it runs on a
    /// loopback address itself (a learner's own machine).
    pub fn for_site(public_url: &str) -> Reach {
        if Url::parse(public_url).is_ok_and(|u| is_loopback(&u)) {
            Reach::Loopback
        } else {
            Reach::Public
        }
    }
}

impl Issuer {
    /// Parse what the learner typed (outer whitespace trimmed).
    pub fn parse(input: &str, reach: Reach) -> Result<Issuer, String> {
        let input = input.trim();
        if input.is_empty() {
            return Err("Enter your authorization server's issuer URL, such as \
                        https://dev-123456.okta.com/oauth2/default or https://YOUR_TENANT.auth0.com/."
                .to_owned());
        }
        let url = Url::parse(input).map_err(|e| {
            format!(
                "{} is not an absolute URL ({e}): enter the issuer exactly as your server's \
                 settings show it, starting with https://.",
                show(input, 100)
            )
        })?;
        let loopback = is_loopback(&url);
        match url.scheme() {
            "https" => {}
            "http" if loopback && reach == Reach::Loopback => {}
            "http" if loopback => {
                return Err("This site only reaches authorization servers on the public internet; \
                            a server on localhost can be used when OAuth Lab runs on the same machine."
                    .to_owned())
            }
            "http" => {
                return Err("The issuer uses http, but an authorization server must use TLS \
                            (RFC 8414 §2): enter its https:// URL."
                    .to_owned())
            }
            other => {
                return Err(format!(
                    "The issuer's scheme is {}: an issuer URL starts with https://.",
                    show(other, 20)
                ))
            }
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err("An issuer URL has no query (?...) or fragment (#...) (RFC 8414 §2): \
                        remove them."
                .to_owned());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("Remove the user name or password from the issuer URL.".to_owned());
        }
        if reach == Reach::Public && (loopback || is_private_address(&url)) {
            return Err("This site only reaches authorization servers on the public internet, \
                        not a private or local network address."
                .to_owned());
        }
        Ok(Issuer(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The issuer as it is compared with the metadata's `issuer`: without the one
    /// trailing slash the URL parser adds to a bare host.
    fn canonical(&self) -> &str {
        let s = self.0.as_str();
        if self.0.path() == "/" {
            s.strip_suffix('/').unwrap_or(s)
        } else {
            s
        }
    }

    /// The metadata documents to try, in order: RFC 8414 §3.1 (the well-known part
    /// inserted before the issuer's path), the same appended to the issuer (as Okta
    /// serves it), then OpenID Connect Discovery §4 (appended).
    pub fn metadata_urls(&self) -> Vec<String> {
        let base = self.canonical().trim_end_matches('/');
        let path = self.0.path().trim_end_matches('/');
        let origin = self.0.origin().ascii_serialization();
        let mut urls = vec![format!("{origin}/.well-known/oauth-authorization-server{path}")];
        let appended = format!("{base}/.well-known/oauth-authorization-server");
        if !urls.contains(&appended) {
            urls.push(appended);
        }
        urls.push(format!("{base}/.well-known/openid-configuration"));
        urls
    }
}

/// A URL on this machine: `localhost` or a loopback address.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn is_private_address(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => is_local_ip(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_local_ip(IpAddr::V6(ip)),
        _ => false,
    }
}

/// An address on this machine or a private network (loopback, RFC 1918, link-local,
/// unique local, unspecified, broadcast): not one a site on the internet should fetch
/// from for its users.
pub fn is_local_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => {
            ip.is_loopback()
                || ip.is_private()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast()
        }
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => is_local_ip(IpAddr::V4(v4)),
            None => {
                ip.is_loopback()
                    || ip.is_unspecified()
                    || (ip.segments()[0] & 0xfe00) == 0xfc00
                    || (ip.segments()[0] & 0xffc0) == 0xfe80
            }
        },
    }
}

/// What fetching one metadata document gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// A 200 answer, with its body.
    Document(String),
    /// Any other HTTP status.
    Status(u16),
    /// No HTTP answer: the reason (DNS, TLS, timeout, too large...).
    Failed(String),
}

/// What the exercise needs from the server's metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: Option<String>,
    /// Where the metadata was read.
    pub discovered_at: String,
}

/// Judge a server from its metadata: `attempts` are the documents tried, in the order of
/// [`Issuer::metadata_urls`], up to the first that was a usable document. The metadata
/// is returned only when nothing blocking was found.
pub fn review(issuer: &Issuer, attempts: &[(String, Fetched)], reach: Reach) -> (Verdict, Option<Metadata>) {
    let mut findings = vec![Finding::pass(
        "provider.issuer",
        format!("{} is a well-formed issuer URL.", show(issuer.as_str(), 200)),
    )];
    let Some((at, document)) = attempts.iter().find_map(|(url, f)| match f {
        Fetched::Document(body) => read_document(body).ok().map(|doc| (url, doc)),
        _ => None,
    }) else {
        findings.push(Finding::fail("provider.metadata", no_metadata(attempts)));
        return (Verdict::new(findings), None);
    };
    findings.push(Finding::pass("provider.metadata", format!("Metadata read from {}.", show(at, 200))));

    let named = document.get("issuer").and_then(Value::as_str).unwrap_or_default();
    let issuer_matches = named.trim_end_matches('/') == issuer.canonical().trim_end_matches('/');
    findings.push(if issuer_matches {
        Finding::pass("provider.issuer_match", "The metadata names the same issuer.")
    } else {
        Finding::fail(
            "provider.issuer_match",
            format!(
                "The metadata at {} names the issuer {}, not {} (RFC 8414 §3.3): enter the \
                 issuer exactly as the metadata gives it.",
                show(at, 200),
                show(named, 200),
                show(issuer.as_str(), 200)
            ),
        )
    });

    let endpoint = |name: &str| -> Result<String, String> {
        let value = document.get(name).and_then(Value::as_str).ok_or_else(|| format!("{name} is missing"))?;
        let url = Url::parse(value).map_err(|_| format!("{name} ({}) is not a URL", show(value, 100)))?;
        let secure = url.scheme() == "https"
            || (url.scheme() == "http" && reach == Reach::Loopback && is_loopback(&url));
        if !secure {
            return Err(format!("{name} ({}) does not use https", show(value, 100)));
        }
        if reach == Reach::Public && (is_loopback(&url) || is_private_address(&url)) {
            return Err(format!("{name} ({}) is a local or private address", show(value, 100)));
        }
        Ok(value.to_owned())
    };
    let authorization_endpoint = endpoint("authorization_endpoint");
    let token_endpoint = endpoint("token_endpoint");
    let jwks_uri = document.get("jwks_uri").map(|_| endpoint("jwks_uri"));
    let checked: Vec<&Result<String, String>> =
        [&authorization_endpoint, &token_endpoint].into_iter().chain(jwks_uri.as_ref()).collect();
    let problems: Vec<String> = checked.iter().filter_map(|r| r.as_ref().err().cloned()).collect();
    let all_https = checked.iter().all(|r| r.as_ref().is_ok_and(|url| url.starts_with("https:")));
    findings.push(if problems.is_empty() && all_https {
        Finding::pass("provider.endpoints", "The authorization, token and key endpoints are https URLs.")
    } else if problems.is_empty() {
        Finding::pass(
            "provider.endpoints",
            "The endpoints are https URLs, or plain http on this machine's loopback (fine for a \
             server you run locally, never in production).",
        )
    } else {
        Finding::fail(
            "provider.endpoints",
            format!(
                "The metadata can't be used: {}. The exercise needs the server's \
                 authorization_endpoint and token_endpoint as https URLs; check the issuer URL.",
                problems.join("; ")
            ),
        )
    });

    findings.push(pkce(&document));
    findings.push(listed(
        &document,
        "grant_types_supported",
        "refresh_token",
        "provider.refresh_token",
        "The server does not list the refresh_token grant in grant_types_supported: enable \
         it for your application (Okta: the Refresh Token grant type; Auth0: Allow Offline \
         Access on the API) or step 5 can't be done.",
    ));
    findings.push(listed(
        &document,
        "scopes_supported",
        "offline_access",
        "provider.offline_access",
        "The server does not list offline_access in scopes_supported: it may issue refresh \
         tokens another way; check its documentation.",
    ));
    findings.push(match &jwks_uri {
        Some(_) => Finding::pass(
            "provider.jwks",
            "Access tokens that are JWTs will have their signature checked against the server's JWKS.",
        ),
        None => Finding::warn(
            "provider.jwks",
            "The metadata has no jwks_uri, so the signature of a JWT access token can't be checked: \
             the exercise still works; to have signatures checked, publish the server's keys \
             (jwks_uri, RFC 8414 §2) or use the built-in server.",
        ),
    });

    let verdict = Verdict::new(findings);
    let metadata = match (verdict.passed(), authorization_endpoint, token_endpoint) {
        (true, Ok(authorization_endpoint), Ok(token_endpoint)) => Some(Metadata {
            issuer: named.to_owned(),
            authorization_endpoint,
            token_endpoint,
            jwks_uri: jwks_uri.and_then(Result::ok),
            discovered_at: at.clone(),
        }),
        _ => None,
    };
    (verdict, metadata)
}

/// The verdict for an issuer URL that [`Issuer::parse`] refused.
pub fn refused(reason: String) -> Verdict {
    Verdict::new(vec![Finding::fail("provider.issuer", reason)])
}

/// Whether a fetched body is a metadata document: the first one ends the search.
pub fn is_metadata_document(body: &str) -> bool {
    read_document(body).is_ok()
}

/// The learner's application at their server: a client id and a registered redirect URI,
/// each optional (blank), checked in step 3 when given. Ids `provider.client_id`,
/// `provider.redirect_uri`, present only for what was given.
pub fn application(client_id: &str, redirect_uri: &str) -> (Vec<Finding>, Option<String>, Option<String>) {
    let mut findings = Vec::new();
    let (client_id, redirect_uri) = (client_id.trim(), redirect_uri.trim());
    let client_id = (!client_id.is_empty()).then(|| match ClientId::parse(client_id) {
        Ok(id) => {
            findings.push(Finding::pass(
                "provider.client_id",
                "Step 3 will check your URL's client_id against it.",
            ));
            Some(id.to_string())
        }
        Err(e) => {
            findings.push(Finding::fail("provider.client_id", e.to_string()));
            None
        }
    });
    let redirect_uri = (!redirect_uri.is_empty()).then(|| match RedirectUri::parse(redirect_uri) {
        Ok(uri) => {
            findings.push(Finding::pass(
                "provider.redirect_uri",
                "Step 3 will check your URL's redirect_uri against it.",
            ));
            Some(uri.as_str().to_owned())
        }
        Err(e) => {
            findings.push(Finding::fail("provider.redirect_uri", e.to_string()));
            None
        }
    });
    (findings, client_id.flatten(), redirect_uri.flatten())
}

/// A JSON object that looks like server metadata (it names an issuer).
fn read_document(body: &str) -> Result<serde_json::Map<String, Value>, ()> {
    match parse_strict(body) {
        Ok(Value::Object(map)) if map.get("issuer").is_some_and(Value::is_string) => Ok(map),
        _ => Err(()),
    }
}

fn no_metadata(attempts: &[(String, Fetched)]) -> String {
    let tried: Vec<String> = attempts
        .iter()
        .map(|(url, fetched)| {
            let what = match fetched {
                Fetched::Document(_) => "not a metadata document (a JSON object with an issuer)".to_owned(),
                Fetched::Status(code @ 300..=399) => {
                    format!("HTTP {code}, a redirect (not followed): the issuer URL is probably not exact")
                }
                Fetched::Status(code) => format!("HTTP {code}"),
                Fetched::Failed(reason) => show(reason, 200),
            };
            format!("{} gave {what}", show(url, 200))
        })
        .collect();
    format!(
        "No metadata was found for this issuer ({}). Check the issuer URL: Okta shows it on the \
         authorization server's Settings (https://YOUR_DOMAIN.okta.com/oauth2/default), Auth0 \
         is https://YOUR_TENANT.auth0.com/, Keycloak is https://HOST/realms/YOUR_REALM.",
        tried.join("; ")
    )
}

fn strings<'a>(document: &'a serde_json::Map<String, Value>, name: &str) -> Option<Vec<&'a str>> {
    document.get(name)?.as_array().map(|a| a.iter().filter_map(Value::as_str).collect())
}

fn pkce(document: &serde_json::Map<String, Value>) -> Finding {
    const ID: &str = "provider.pkce";
    match strings(document, "code_challenge_methods_supported") {
        Some(methods) if methods.contains(&"S256") => {
            Finding::pass(ID, "The server supports PKCE with S256.")
        }
        Some(methods) => Finding::fail(
            ID,
            format!(
                "The server lists code_challenge_methods_supported as [{}], without S256: this \
                 exercise needs PKCE with S256 (RFC 7636 §4.2). Use a server that supports it.",
                methods.iter().map(|m| show(m, 20)).collect::<Vec<_>>().join(", ")
            ),
        ),
        None => Finding::info(
            ID,
            "The metadata does not list code_challenge_methods_supported; most servers support \
             S256 anyway (Auth0 does). If the server refuses the challenge, this is why.",
        ),
    }
}

fn listed(
    document: &serde_json::Map<String, Value>,
    list: &str,
    item: &str,
    id: &str,
    missing: &str,
) -> Finding {
    match strings(document, list) {
        Some(items) if !items.contains(&item) => Finding::warn(id, missing),
        Some(_) => Finding::pass(id, format!("The server lists {item} in {list}.")),
        None => Finding::info(id, format!("The metadata does not list {list}; {item} is assumed to work.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer(s: &str) -> Issuer {
        Issuer::parse(s, Reach::Loopback).expect("test issuer parses")
    }

    #[test]
    fn issuers_parse_or_say_what_to_fix() {
        // (input, reach, accepted, part of the message)
        let cases = [
            ("https://dev-1.okta.com/oauth2/default", Reach::Public, true, ""),
            ("  https://tenant.auth0.com/ \n", Reach::Public, true, ""),
            ("http://localhost:8080/realms/lab", Reach::Loopback, true, ""),
            ("http://127.0.0.1:3000", Reach::Loopback, true, ""),
            ("", Reach::Public, false, "Enter your authorization server's issuer URL"),
            ("dev-1.okta.com", Reach::Public, false, "not an absolute URL"),
            ("http://dev-1.okta.com", Reach::Loopback, false, "must use TLS"),
            ("ftp://dev-1.okta.com", Reach::Public, false, "scheme is ftp"),
            ("https://dev-1.okta.com/oauth2/default?x=1", Reach::Public, false, "no query"),
            ("https://dev-1.okta.com/#top", Reach::Public, false, "fragment"),
            ("https://me:pw@dev-1.okta.com/", Reach::Public, false, "user name or password"),
            ("http://localhost:8080/realms/lab", Reach::Public, false, "same machine"),
            ("https://localhost:8443/realms/lab", Reach::Public, false, "not a private or local"),
            ("https://10.0.0.7/realms/lab", Reach::Public, false, "not a private or local"),
            ("https://169.254.169.254/", Reach::Public, false, "not a private or local"),
            ("https://[fd00::1]/", Reach::Public, false, "not a private or local"),
        ];
        for (input, reach, accepted, message) in cases {
            match Issuer::parse(input, reach) {
                Ok(_) => assert!(accepted, "{input:?} should be refused"),
                Err(m) => {
                    assert!(!accepted, "{input:?} should be accepted, got {m}");
                    assert!(m.contains(message), "{input:?}: {m}");
                }
            }
        }
    }

    #[test]
    fn local_and_private_addresses_are_told_from_public_ones() {
        let local = [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ];
        let public = ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"];
        for ip in local {
            assert!(is_local_ip(ip.parse().expect("ip")), "{ip}");
        }
        for ip in public {
            assert!(!is_local_ip(ip.parse().expect("ip")), "{ip}");
        }
    }

    #[test]
    fn a_site_on_loopback_reaches_loopback_servers_and_others_do_not() {
        for (site, reach) in [
            ("http://127.0.0.1:3000", Reach::Loopback),
            ("http://localhost:3000", Reach::Loopback),
            ("http://[::1]:3000", Reach::Loopback),
            ("https://lab.example", Reach::Public),
            ("http://10.0.0.2:3000", Reach::Public),
            ("not a url", Reach::Public),
        ] {
            assert_eq!(Reach::for_site(site), reach, "{site}");
        }
    }

    #[test]
    fn metadata_urls_follow_rfc_8414_then_okta_then_openid_connect() {
        assert_eq!(
            issuer("https://dev-1.okta.com/oauth2/default").metadata_urls(),
            [
                "https://dev-1.okta.com/.well-known/oauth-authorization-server/oauth2/default",
                "https://dev-1.okta.com/oauth2/default/.well-known/oauth-authorization-server",
                "https://dev-1.okta.com/oauth2/default/.well-known/openid-configuration",
            ]
        );
        assert_eq!(
            issuer("https://tenant.auth0.com/").metadata_urls(),
            [
                "https://tenant.auth0.com/.well-known/oauth-authorization-server",
                "https://tenant.auth0.com/.well-known/openid-configuration",
            ]
        );
    }

    fn document(issuer: &str, extra: &str) -> String {
        format!(
            r#"{{"issuer": "{issuer}", "authorization_endpoint": "{issuer}/authorize",
                "token_endpoint": "{issuer}/token", "jwks_uri": "{issuer}/keys"{extra}}}"#
        )
    }

    fn failed(verdict: &Verdict) -> Vec<&str> {
        verdict.findings.iter().filter(|f| !f.ok).map(|f| f.id.as_str()).collect()
    }

    #[test]
    fn the_first_usable_document_gives_the_metadata() {
        let iss = issuer("https://dev-1.okta.com/oauth2/default");
        let urls = iss.metadata_urls();
        let attempts = vec![
            (urls[0].clone(), Fetched::Status(404)),
            (
                urls[1].clone(),
                Fetched::Document(document(
                    "https://dev-1.okta.com/oauth2/default",
                    r#", "code_challenge_methods_supported": ["S256"],
                       "grant_types_supported": ["authorization_code", "refresh_token"],
                       "scopes_supported": ["openid", "offline_access"]"#,
                )),
            ),
        ];
        let (verdict, metadata) = review(&iss, &attempts, Reach::Public);
        assert!(verdict.passed() && failed(&verdict).is_empty(), "{verdict:?}");
        let metadata = metadata.expect("metadata");
        assert_eq!(metadata.token_endpoint, "https://dev-1.okta.com/oauth2/default/token");
        assert_eq!(metadata.jwks_uri.as_deref(), Some("https://dev-1.okta.com/oauth2/default/keys"));
        assert_eq!(metadata.discovered_at, urls[1]);
    }

    #[test]
    fn a_trailing_slash_on_either_side_still_matches_and_the_metadata_issuer_is_kept() {
        let iss = issuer("https://tenant.auth0.com");
        let attempts = vec![("u".to_owned(), Fetched::Document(document("https://tenant.auth0.com/", "")))];
        let (verdict, metadata) = review(&iss, &attempts, Reach::Public);
        assert!(verdict.passed(), "{verdict:?}");
        assert_eq!(metadata.expect("metadata").issuer, "https://tenant.auth0.com/");
    }

    #[test]
    fn unusable_metadata_fails_with_a_message_that_names_the_fix() {
        let iss = issuer("https://dev-1.okta.com/oauth2/default");
        let good = "https://dev-1.okta.com/oauth2/default";
        // (what was fetched, the failed ids, part of the message of the first)
        let cases: Vec<(Vec<Fetched>, Vec<&str>, &str)> = vec![
            (
                vec![
                    Fetched::Status(404),
                    Fetched::Failed("connection refused".into()),
                    Fetched::Status(302),
                ],
                vec!["provider.metadata"],
                "HTTP 404",
            ),
            (vec![Fetched::Status(302)], vec!["provider.metadata"], "a redirect"),
            (vec![Fetched::Document("<html>".into())], vec!["provider.metadata"], "not a metadata document"),
            (vec![Fetched::Document(r#"{"issuer": 1}"#.into())], vec!["provider.metadata"], "not a metadata"),
            (
                vec![Fetched::Document(document("https://other.example", ""))],
                vec!["provider.issuer_match"],
                "names the issuer https://other.example",
            ),
            (
                vec![Fetched::Document(format!(r#"{{"issuer": "{good}", "token_endpoint": "{good}/t"}}"#))],
                vec!["provider.endpoints", "provider.jwks"],
                "authorization_endpoint is missing",
            ),
            (
                vec![Fetched::Document(
                    document(good, "")
                        .replace("https://dev-1.okta.com/oauth2/default/token", "http://dev-1.okta.com/t"),
                )],
                vec!["provider.endpoints"],
                "token_endpoint (http://dev-1.okta.com/t) does not use https",
            ),
            (
                vec![Fetched::Document(
                    document(good, "").replace(
                        "https://dev-1.okta.com/oauth2/default/keys",
                        "https://169.254.169.254/keys",
                    ),
                )],
                vec!["provider.endpoints"],
                "jwks_uri (https://169.254.169.254/keys) is a local or private address",
            ),
            (
                vec![Fetched::Document(document(good, r#", "code_challenge_methods_supported": ["plain"]"#))],
                vec!["provider.pkce"],
                "without S256",
            ),
        ];
        for (fetched, ids, message) in cases {
            let attempts: Vec<(String, Fetched)> = iss.metadata_urls().into_iter().zip(fetched).collect();
            let (verdict, metadata) = review(&iss, &attempts, Reach::Public);
            assert!(!verdict.passed() && metadata.is_none(), "{attempts:?}");
            assert_eq!(failed(&verdict), ids, "{attempts:?}");
            assert!(verdict.findings[0].message.contains(message), "{}", verdict.findings[0].message);
        }
    }

    #[test]
    fn missing_refresh_support_is_a_warning_that_names_the_setting() {
        let iss = issuer("https://dev-1.okta.com/oauth2/default");
        let doc = document(
            "https://dev-1.okta.com/oauth2/default",
            r#", "grant_types_supported": ["authorization_code"], "scopes_supported": ["openid"]"#,
        );
        let (verdict, metadata) = review(&iss, &[("u".into(), Fetched::Document(doc))], Reach::Public);
        assert!(verdict.passed() && metadata.is_some());
        assert_eq!(failed(&verdict), ["provider.refresh_token", "provider.offline_access"]);
        assert!(verdict.findings[0].message.contains("Allow Offline Access"));
    }

    #[test]
    fn the_application_is_optional_but_what_is_given_must_be_well_formed() {
        let (findings, id, uri) = application("  ", "");
        assert!(findings.is_empty() && id.is_none() && uri.is_none());
        let (findings, id, uri) = application(" 0oa1b2c3 ", "https://app.example/callback");
        assert!(findings.iter().all(|f| f.ok), "{findings:?}");
        assert_eq!((id.as_deref(), uri.as_deref()), (Some("0oa1b2c3"), Some("https://app.example/callback")));
        let (findings, id, uri) = application("0oa\u{7f}", "/callback");
        assert_eq!(findings.iter().filter(|f| f.is_blocking()).count(), 2, "{findings:?}");
        assert!(id.is_none() && uri.is_none());
        assert!(findings[1].message.contains("absolute"), "{}", findings[1].message);
        assert!(refused("no".into()).find("provider.issuer").is_some_and(|f| f.is_blocking()));
        assert!(is_metadata_document(r#"{"issuer": "https://a.example"}"#));
        assert!(!is_metadata_document(r#"{"issuer": "https://a.example", "issuer": "x"}"#));
    }

    #[test]
    fn loopback_endpoints_are_accepted_only_where_loopback_is() {
        let iss = issuer("http://127.0.0.1:8080");
        let doc = document("http://127.0.0.1:8080", "");
        let (verdict, _) = review(&iss, &[("u".into(), Fetched::Document(doc))], Reach::Loopback);
        assert!(verdict.passed(), "{verdict:?}");
        let said = &verdict.find("provider.endpoints").expect("endpoints").message;
        assert!(said.contains("plain http on this machine's loopback"), "not called https: {said}");
    }
}
