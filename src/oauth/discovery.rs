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

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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
        crate::work::add(input.len());
        let url = Url::parse(input).map_err(|e| {
            format!(
                "\"{}\" is not an absolute URL ({e}): enter the issuer exactly as your server's \
                 settings show it, starting with https://.",
                show(input, 100)
            )
        })?;
        let loopback = is_loopback(&url);
        match url.scheme() {
            "https" => {}
            "http" if loopback && reach == Reach::Loopback => {}
            "http" if loopback => {
                return Err("This site only reaches authorization servers on the public internet: use \
                            one there, or run OAuth Lab on the same machine as a server on localhost."
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
            let why = host_ip(&url).and_then(not_public).map(|why| format!(" ({why})")).unwrap_or_default();
            return Err(format!(
                "This site only reaches authorization servers on the public internet, \
                 not a private or local network address{why}: use the server's public issuer URL."
            ));
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
    host_ip(url).is_some_and(is_local_ip)
}

fn host_ip(url: &Url) -> Option<IpAddr> {
    match url.host() {
        Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        _ => None,
    }
}

/// An address that is not on the public internet: this machine, a private or
/// special-purpose network, documentation, multicast or reserved space. A site on the
/// internet must not fetch from one for its users.
pub fn is_local_ip(ip: IpAddr) -> bool {
    not_public(ip).is_some()
}

/// IPv4 ranges that are not globally reachable: the IANA IPv4 Special-Purpose Address
/// Registry's entries that are not, plus multicast and the reserved 240/4. 192.0.0.0/24
/// is refused whole, with the two anycast addresses in it (192.0.0.9, 192.0.0.10) that
/// are no authorization server; so is the deprecated 6to4 relay anycast 192.88.99.0/24.
const NOT_PUBLIC_V4: &[(Ipv4Addr, u8, &str)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8, "\"this network\" (RFC 791)"),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "a private network (RFC 1918)"),
    (Ipv4Addr::new(100, 64, 0, 0), 10, "shared address space, carrier-grade NAT (RFC 6598)"),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "loopback (RFC 1122)"),
    (Ipv4Addr::new(169, 254, 0, 0), 16, "link-local (RFC 3927)"),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "a private network (RFC 1918)"),
    (Ipv4Addr::new(192, 0, 0, 0), 24, "IETF protocol assignments (RFC 6890)"),
    (Ipv4Addr::new(192, 0, 2, 0), 24, "documentation (RFC 5737)"),
    (Ipv4Addr::new(192, 88, 99, 0), 24, "the deprecated 6to4 relay anycast (RFC 7526)"),
    (Ipv4Addr::new(192, 168, 0, 0), 16, "a private network (RFC 1918)"),
    (Ipv4Addr::new(198, 18, 0, 0), 15, "benchmarking (RFC 2544)"),
    (Ipv4Addr::new(198, 51, 100, 0), 24, "documentation (RFC 5737)"),
    (Ipv4Addr::new(203, 0, 113, 0), 24, "documentation (RFC 5737)"),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "multicast (RFC 5771)"),
    (Ipv4Addr::new(240, 0, 0, 0), 4, "reserved, with the broadcast address (RFC 1112)"),
];

/// IPv6 ranges that are not globally reachable (the IANA IPv6 Special-Purpose Address
/// Registry, multicast). 2001::/23 is refused whole, with the few anycast, AS112 and
/// ORCHID blocks in it that are reachable but are no authorization server. Anything
/// outside global unicast (2000::/3) is refused too; IPv4-mapped and NAT64 addresses
/// are judged by the IPv4 address they carry.
const NOT_PUBLIC_V6: &[(Ipv6Addr, u8, &str)] = &[
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96, "IPv4-compatible, loopback or unspecified (RFC 4291)"),
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, "local-use NAT64 (RFC 8215)"),
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, "discard-only (RFC 6666)"),
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23, "IETF protocol assignments, Teredo (RFC 2928)"),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32, "documentation (RFC 3849)"),
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16, "6to4 (RFC 3056)"),
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20, "documentation (RFC 9637)"),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, "unique local (RFC 4193)"),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, "link-local (RFC 4291)"),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, "the deprecated site-local (RFC 3879)"),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, "multicast (RFC 4291)"),
];

/// Why `ip` is not a public address (the range and what it is), or `None` when it is.
pub fn not_public(ip: IpAddr) -> Option<String> {
    let range = |net: String, len: u8, what: &str| Some(format!("{net}/{len} is {what}"));
    match ip {
        IpAddr::V4(ip) => NOT_PUBLIC_V4
            .iter()
            .find(|(net, len, _)| u32::from(ip) >> (32 - len) == u32::from(*net) >> (32 - len))
            .and_then(|(net, len, what)| range(net.to_string(), *len, what)),
        IpAddr::V6(ip) => {
            let bits = u128::from(ip);
            let embedded = Ipv4Addr::from((bits & 0xffff_ffff) as u32);
            // IPv4-mapped (::ffff:0:0/96) reaches the IPv4 address; so does the
            // well-known NAT64 prefix (64:ff9b::/96, RFC 6052) through its gateway.
            for (prefix, what) in [(0xffffu128 << 32, "IPv4-mapped"), (0x64_ff9b_u128 << 96, "NAT64")] {
                if bits >> 32 == prefix >> 32 {
                    return not_public(IpAddr::V4(embedded))
                        .map(|why| format!("an {what} address of {embedded}: {why}"));
                }
            }
            if let Some((net, len, what)) = NOT_PUBLIC_V6
                .iter()
                .find(|(net, len, _)| bits >> (128 - len) == u128::from(*net) >> (128 - len))
            {
                return range(net.to_string(), *len, what);
            }
            (bits >> 125 != 1).then(|| "outside global unicast (2000::/3)".to_owned())
        }
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
    let Some((at, document)) = first_document(attempts) else {
        let (message, details) = no_metadata(attempts);
        findings.push(Finding::fail("provider.metadata", message).with_details(details));
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

    let endpoint = |name: &str| endpoint(&document, name, reach);
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
            format!("The metadata can't be used ({}): check the issuer URL.", problems.join("; ")),
        )
        .with_details(
            "The exercise needs the server's authorization_endpoint and token_endpoint as https URLs.",
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
             publish the server's keys, or use the built-in server to have signatures checked.",
        )
        .with_details(
            "The exercise still works; jwks_uri is where metadata lists the server's keys (RFC 8414 §2).",
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

/// What the first usable metadata document among `attempts` says, read but not judged
/// against an issuer: for a check that compares the issuer in its own way (Getting
/// Started's, which wants it exact). Each endpoint is its URL, or why it can't be used
/// (missing, not a URL, not https, a local or private address), as [`review`] says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// Where the document was read.
    pub at: String,
    /// The document's `issuer`, as written.
    pub issuer: String,
    pub authorization_endpoint: Result<String, String>,
    pub token_endpoint: Result<String, String>,
    /// `None` when the document has no `jwks_uri`.
    pub jwks_uri: Option<Result<String, String>>,
}

/// Read the first usable metadata document among `attempts` (as [`review`] does). When
/// there is none: the message and the details (what each URL gave) to show.
pub fn found(attempts: &[(String, Fetched)], reach: Reach) -> Result<Found, (String, String)> {
    let (at, document) = first_document(attempts).ok_or_else(|| no_metadata(attempts))?;
    Ok(Found {
        at: at.clone(),
        issuer: document.get("issuer").and_then(Value::as_str).unwrap_or_default().to_owned(),
        authorization_endpoint: endpoint(&document, "authorization_endpoint", reach),
        token_endpoint: endpoint(&document, "token_endpoint", reach),
        jwks_uri: document.get("jwks_uri").map(|_| endpoint(&document, "jwks_uri", reach)),
    })
}

/// The first attempt that gave a metadata document: where, and the document.
fn first_document(attempts: &[(String, Fetched)]) -> Option<(&String, serde_json::Map<String, Value>)> {
    attempts.iter().find_map(|(url, f)| match f {
        Fetched::Document(body) => read_document(body).ok().map(|doc| (url, doc)),
        _ => None,
    })
}

/// The endpoint `name` of a metadata document, or why it can't be used.
fn endpoint(document: &serde_json::Map<String, Value>, name: &str, reach: Reach) -> Result<String, String> {
    let value = document.get(name).and_then(Value::as_str).ok_or_else(|| format!("{name} is missing"))?;
    let url = Url::parse(value).map_err(|_| format!("{name} ({}) is not a URL", show(value, 100)))?;
    let secure =
        url.scheme() == "https" || (url.scheme() == "http" && reach == Reach::Loopback && is_loopback(&url));
    if !secure {
        return Err(format!("{name} ({}) does not use https", show(value, 100)));
    }
    if reach == Reach::Public && (is_loopback(&url) || is_private_address(&url)) {
        return Err(format!("{name} ({}) is a local or private address", show(value, 100)));
    }
    Ok(value.to_owned())
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
            findings.push(Finding::fail("provider.client_id", e.to_string()).with_details(e.details()));
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
            findings.push(Finding::fail("provider.redirect_uri", e.to_string()).with_details(e.details()));
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

/// The message and details when no metadata was found: what each URL gave, in the details.
fn no_metadata(attempts: &[(String, Fetched)]) -> (String, String) {
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
    (
        "No metadata was found for this issuer: check the issuer URL.".to_owned(),
        format!(
            "Tried: {}. Okta shows the issuer on the authorization server's Settings \
             (https://YOUR_DOMAIN.okta.com/oauth2/default), Auth0's is https://YOUR_TENANT.auth0.com/, \
             Keycloak's is https://HOST/realms/YOUR_REALM.",
            tried.join("; ")
        ),
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
                "The server lists code_challenge_methods_supported as [{}], without S256: use a \
                 server that supports PKCE with S256.",
                methods.iter().map(|m| show(m, 20)).collect::<Vec<_>>().join(", ")
            ),
        )
        .with_details("This exercise needs PKCE with S256 (RFC 7636 §4.2)."),
        None => Finding::info(
            ID,
            "The metadata does not list code_challenge_methods_supported, but most servers support \
             S256 anyway.",
        )
        .with_details("Auth0 does, without listing it; if the server refuses the challenge, this is why."),
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

    /// Every range that is not public, written out here independently of the tables.
    const NOT_PUBLIC: &[&str] = &[
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "2002::/16",
        "3fff::/20",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    ];

    /// First and last address of a range, as numbers (IPv4 in the low 32 bits).
    fn bounds(cidr: &str) -> (bool, u128, u128) {
        let (net, len) = cidr.split_once('/').expect("cidr");
        let len: u32 = len.parse().expect("length");
        match net.parse::<IpAddr>().expect("address") {
            IpAddr::V4(ip) => {
                let first = u128::from(u32::from(ip));
                (true, first, first + (1u128 << (32 - len)) - 1)
            }
            IpAddr::V6(ip) => {
                let first = u128::from(ip);
                (false, first, first | (u128::MAX >> len))
            }
        }
    }

    fn ip(v4: bool, n: u128) -> IpAddr {
        if v4 {
            IpAddr::V4(Ipv4Addr::from(n as u32))
        } else {
            IpAddr::V6(Ipv6Addr::from(n))
        }
    }

    /// Whether a neighbour of a range should be public: not in another listed range and,
    /// for IPv6, in global unicast (2000::/3).
    fn expected_public(v4: bool, n: u128) -> bool {
        let listed = NOT_PUBLIC.iter().any(|cidr| {
            let (is_v4, first, last) = bounds(cidr);
            is_v4 == v4 && (first..=last).contains(&n)
        });
        !listed && (v4 || n >> 125 == 1)
    }

    #[test]
    fn every_non_public_range_is_refused_from_first_to_last_and_its_neighbours_are_not() {
        let mut neighbours_checked = 0;
        for cidr in NOT_PUBLIC {
            let (v4, first, last) = bounds(cidr);
            let top = if v4 { u128::from(u32::MAX) } else { u128::MAX };
            for n in [first, last] {
                let why = not_public(ip(v4, n));
                assert!(why.is_some(), "{} in {cidr} is refused", ip(v4, n));
            }
            let outside = [first.checked_sub(1), (last < top).then(|| last + 1)];
            for n in outside.into_iter().flatten() {
                let public = expected_public(v4, n);
                assert_eq!(is_local_ip(ip(v4, n)), !public, "{} next to {cidr}", ip(v4, n));
                neighbours_checked += usize::from(public);
            }
        }
        assert!(neighbours_checked >= 20, "most ranges have a public neighbour: {neighbours_checked}");
    }

    #[test]
    fn ipv6_addresses_that_carry_an_ipv4_address_are_judged_by_it() {
        let cases = [
            ("::ffff:127.0.0.1", false),
            ("::ffff:100.64.0.1", false),
            ("::ffff:0.0.0.0", false),
            ("::ffff:255.255.255.255", false),
            ("::ffff:8.8.8.8", true),
            ("64:ff9b::10.0.0.1", false),
            ("64:ff9b::198.18.0.1", false),
            ("64:ff9b::0.0.0.0", false),
            ("64:ff9b::255.255.255.255", false),
            ("64:ff9b::8.8.8.8", true),
            ("::8.8.8.8", false),
            ("::ffff:0:8.8.8.8", false),
            ("1::", false),
            ("4000::1", false),
            ("2606:4700::1111", true),
        ];
        for (addr, public) in cases {
            assert_eq!(is_local_ip(addr.parse().expect("ip")), !public, "{addr}");
        }
        let why = not_public("::ffff:100.64.0.1".parse().expect("ip")).expect("refused");
        assert_eq!(why, "an IPv4-mapped address of 100.64.0.1: 100.64.0.0/10 is shared address space, carrier-grade NAT (RFC 6598)");
    }

    #[test]
    fn a_public_site_refuses_issuers_at_non_public_literals_and_says_which_range() {
        let cases = [
            ("https://100.64.0.1/", "100.64.0.0/10"),
            ("https://0.0.0.1/", "0.0.0.0/8"),
            ("https://198.19.255.255/", "198.18.0.0/15"),
            ("https://255.255.255.255/", "240.0.0.0/4"),
            ("https://239.1.2.3/", "224.0.0.0/4"),
            ("https://192.0.2.10/", "192.0.2.0/24"),
            ("https://[::ffff:127.0.0.1]/", "IPv4-mapped address of 127.0.0.1"),
            ("https://[::ffff:7f00:1]:8443/realms/lab", "127.0.0.0/8"),
            ("https://[::127.0.0.1]/", "::/96"),
            ("https://[::]/", "::/96"),
            ("https://[64:ff9b::a9fe:a9fe]/", "169.254.0.0/16"),
            ("https://[2002:7f00:1::1]/", "2002::/16"),
            ("https://[2001:db8::1]/", "2001:db8::/32"),
            ("https://[2001::1]/", "2001::/23"),
            ("https://[ff02::1]/", "ff00::/8"),
            ("https://[100::1]/", "100::/64"),
            ("https://0x7f.1/", "127.0.0.0/8"),
        ];
        for (input, range) in cases {
            match Issuer::parse(input, Reach::Public) {
                Ok(_) => panic!("{input} accepted"),
                Err(m) => {
                    assert!(m.contains("not a private or local") && m.contains(range), "{input}: {m}")
                }
            }
        }
        for input in ["https://8.8.8.8/", "https://[2606:4700::1111]/", "https://[::ffff:8.8.8.8]/"] {
            assert!(Issuer::parse(input, Reach::Public).is_ok(), "{input}");
        }
        // A site on a learner's own machine still reaches their local and private servers.
        for input in ["https://[::ffff:127.0.0.1]/", "https://100.64.0.1/", "https://192.168.1.2/realms/x"] {
            assert!(Issuer::parse(input, Reach::Loopback).is_ok(), "{input}");
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
            let first = &verdict.findings[0];
            let said = format!("{} {}", first.message, first.details.as_deref().unwrap_or_default());
            assert!(said.contains(message), "{said}");
            assert_eq!(crate::verdict::not_one_sentence(first), None);
        }
    }

    #[test]
    fn found_reads_the_first_document_without_judging_its_issuer() {
        let doc = document("https://tenant.auth0.com/", "")
            .replace("https://tenant.auth0.com//token", "http://x.example/t");
        let attempts = vec![("a".to_owned(), Fetched::Status(404)), ("b".to_owned(), Fetched::Document(doc))];
        let found = found(&attempts, Reach::Public).expect("a document");
        assert_eq!((found.at.as_str(), found.issuer.as_str()), ("b", "https://tenant.auth0.com/"));
        assert_eq!(found.authorization_endpoint.as_deref(), Ok("https://tenant.auth0.com//authorize"));
        assert_eq!(
            found.token_endpoint,
            Err("token_endpoint (http://x.example/t) does not use https".to_owned())
        );
        assert!(found.jwks_uri.is_some_and(|j| j.is_ok()));
        let (message, details) = super::found(&attempts[..1], Reach::Public).expect_err("no document");
        assert!(
            message.starts_with("No metadata was found") && details.contains("a gave HTTP 404"),
            "{details}"
        );
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
