//! Step 3: the authorization request URL.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use url::Url;

use super::{show, Facts, Provider};
use crate::oauth::discovery::is_loopback;
use crate::oauth::{ClientId, ClientSecret, RedirectUri, Scope};
use crate::pasted::{Invisible, Quotes};
use crate::pkce::{diagnose_challenge, ChallengeDiagnosis};
use crate::verdict::Finding;
use crate::work::{self, Counted as _};

/// The longest URL step 3 reads, in characters: an authorization URL is a few hundred.
pub const MAX_URL_CHARS: usize = 4096;
/// The most query parameters step 3 reads: an authorization request has about ten.
pub const MAX_URL_PARAMS: usize = 50;

/// Every check of step 3. A URL that does not parse, or is past the limits, gets only
/// `url.parse`. A placeholder left in the URL is named by `url.placeholders` alone: the
/// checks of what holds one (the address, a parameter) are left out, as their advice
/// would only follow from it.
pub(super) fn check(input: &str, facts: &Facts<'_>) -> Vec<Finding> {
    let rules = Rules { state: &|value| vec![state(value)], scope: &|value| Some(offline_access(value)) };
    check_with(input, facts.provider, facts.progress.challenge.as_deref(), &rules)
}

/// What differs between the exercises' authorization URL checks: the findings about
/// `state` and about `scope`, each given the parameter's first non-empty value. The
/// other checks are the same in every exercise.
pub(crate) struct Rules<'a> {
    pub state: &'a dyn Fn(Option<&str>) -> Vec<Finding>,
    pub scope: &'a dyn Fn(Option<&str>) -> Option<Finding>,
}

/// The checks of an authorization URL (see [`check`]) for `provider`, against
/// `challenge`, the challenge of the verifier that passed step 1, with the exercise's
/// own `rules` for state and scope. Any secret found in the URL is masked in every
/// finding, the rules' included.
pub(crate) fn check_with(
    input: &str,
    provider: &Provider,
    challenge: Option<&str>,
    rules: &Rules<'_>,
) -> Vec<Finding> {
    let url = match parse(input, provider) {
        Ok(url) => url,
        Err(finding) => return vec![finding],
    };
    let params: Vec<(String, String)> = url
        .query_pairs()
        .take(MAX_URL_PARAMS + 1)
        .counted()
        .map(|(k, v)| {
            work::add(k.len() + v.len());
            (k.into_owned(), v.into_owned())
        })
        .collect();
    if params.len() > MAX_URL_PARAMS {
        return vec![Finding::fail(
            "url.parse",
            format!(
                "The URL has more than {MAX_URL_PARAMS} parameters, the most this check reads: keep \
                 only response_type, client_id, redirect_uri, scope, state, code_challenge and \
                 code_challenge_method."
            ),
        )
        .with_details("An authorization request needs about ten parameters.")];
    }
    // The first value of a parameter, when present and not empty.
    let get = |name: &str| {
        params.iter().counted().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    };

    // What holds a placeholder: the address, and the parameters by name.
    let address = address_placeholder(input);
    let holding: Vec<&str> = params
        .iter()
        .filter(|(_, value)| !is_known(value, provider) && placeholder(value).is_some())
        .map(|(name, _)| name.as_str())
        .collect();
    let unless_placeholder = |name: &str, finding: Finding| (!holding.contains(&name)).then_some(finding);

    let mut findings = vec![Finding::pass("url.parse", "The URL is a complete, absolute URL.")];
    if address.is_none() {
        findings.push(endpoint(&url, provider));
    }
    if url.fragment().is_some() {
        findings.push(
            Finding::fail(
                "url.fragment",
                "The URL ends with a #fragment: remove the # and everything after it.",
            )
            .with_details(
                "An authorization request carries its parameters in the query, after the ? \
                     (RFC 6749 §3.1).",
            ),
        );
    }
    findings.extend(invisible(&params));
    findings.extend(quoted(&params));
    findings.push(duplicates(&params));
    findings.push(placeholders(&params, provider, address));
    let (secrets, hidden) = secrets(input, &params, challenge, provider);
    findings.push(secrets);
    findings.extend(unless_placeholder("response_type", response_type(get("response_type"))));
    findings.extend(unless_placeholder("client_id", client_id(get("client_id"), provider)));
    findings.extend(unless_placeholder("redirect_uri", redirect_uri(get("redirect_uri"), provider)));
    if !holding.contains(&"state") {
        findings.extend((rules.state)(get("state")));
    }
    findings.extend((rules.scope)(get("scope")).and_then(|f| unless_placeholder("scope", f)));
    findings.extend(unless_placeholder("code_challenge", code_challenge(get("code_challenge"), challenge)));
    findings.extend(unless_placeholder(
        "code_challenge_method",
        code_challenge_method(get("code_challenge_method")),
    ));
    redact(&mut findings, &hidden);
    findings
}

fn parse(input: &str, provider: &Provider) -> Result<Url, Finding> {
    const ID: &str = "url.parse";
    let endpoint = show(&provider.authorization_endpoint, 200);
    if input.is_empty() {
        return Err(Finding::fail(
            ID,
            format!(
                "Nothing was pasted: paste the authorization URL you built, starting with the \
                 authorization endpoint, {endpoint}."
            ),
        ));
    }
    let length = input.chars().take(MAX_URL_CHARS + 1).counted().count();
    if length > MAX_URL_CHARS {
        return Err(Finding::fail(
            ID,
            format!(
                "The URL is longer than {MAX_URL_CHARS} characters, the most this check reads: paste \
                 only the URL you built, starting with the authorization endpoint, {endpoint}."
            ),
        )
        .with_details("An authorization URL is a few hundred characters."));
    }
    if let Some(invisible) = Invisible::find(input) {
        return Err(Finding::fail(
            ID,
            format!("The URL holds an invisible character: {}, then check again.", invisible.fix()),
        ));
    }
    if let Some(quotes) = Quotes::find(input) {
        return Err(Finding::fail(
            ID,
            format!("The URL {}: {}, then check again.", quotes.problem(), quotes.fix()),
        ));
    }
    work::add(input.len());
    if input.contains("&amp;") {
        return Err(Finding::fail(
            ID,
            "The URL has &amp; where & belongs: replace each &amp; with &, then check again.",
        )
        .with_details("HTML writes & as &amp;, so a URL copied from a page's source holds them."));
    }
    if let Some((i, ch)) = input.chars().counted().enumerate().find(|(_, c)| c.is_whitespace()) {
        let what = if ch == '\n' || ch == '\r' { "a line break" } else { "a space" };
        return Err(Finding::fail(
            ID,
            format!(
                "The URL contains {what} (character {}): join the URL into one line with no spaces, \
                 and write a space inside a value as + or %20.",
                i + 1
            ),
        )
        .with_details("Examples are split over several lines only to be readable."));
    }
    work::add(input.len());
    match Url::parse(input) {
        Err(_) if address_placeholder(input).is_some() => Err(Finding::fail(
            ID,
            format!(
                "The URL still holds the placeholder \"{}\" in its address: start it with the \
                 authorization endpoint, {endpoint}.",
                show(address_placeholder(input).unwrap_or_default(), 40)
            ),
        )
        .with_details(PLACEHOLDER_DETAILS)),
        Err(url::ParseError::RelativeUrlWithoutBase) => Err(Finding::fail(
            ID,
            format!(
                "That is not an absolute URL: it must start with the scheme and host of the \
                 authorization endpoint, {endpoint}, followed by ? and the parameters."
            ),
        )),
        Err(e) => Err(Finding::fail(
            ID,
            format!(
                "That is not a valid URL ({e}): start it with the authorization endpoint, \
                 {endpoint}, followed by ? and the parameters, each value URL-encoded."
            ),
        )),
        Ok(url) if !matches!(url.scheme(), "https" | "http") => Err(Finding::fail(
            ID,
            format!(
                "The URL starts with \"{}:\" instead of https://: start it with the authorization \
                 endpoint, {endpoint}, followed by ? and the parameters.",
                show(url.scheme(), 30)
            ),
        )),
        Ok(url) => Ok(url),
    }
}

fn endpoint(url: &Url, provider: &Provider) -> Finding {
    const ID: &str = "url.endpoint";
    let endpoint = show(&provider.authorization_endpoint, 200);
    let Ok(expected) = Url::parse(&provider.authorization_endpoint) else {
        return Finding::fail(
            ID,
            format!(
                "The authorization endpoint set for this server ({endpoint}) is not a valid URL, \
                 so the URL can't be checked against it: correct the server's issuer URL in \
                 your settings, then check again."
            ),
        );
    };
    let mut problems = Vec::new();
    let mut details = "Every request of the exercise goes to this server's endpoints.";
    // Plain http only on a loopback host, for the built-in server in development or a
    // server of the learner's own on the same machine (a local Keycloak).
    let loopback_ok = is_loopback(url) && (provider.builtin || expected.scheme() == "http");
    if url.scheme() == "http" && !loopback_ok {
        problems.push("it uses http where the endpoint needs https".to_owned());
        details = if provider.builtin {
            "RFC 6749 §3.1 requires TLS; plain http is accepted only on a loopback host such as \
             127.0.0.1 or localhost."
        } else {
            "RFC 6749 §3.1 requires TLS."
        };
    } else if url.scheme() != expected.scheme() {
        problems.push(format!("its scheme is {} but the endpoint's is {}", url.scheme(), expected.scheme()));
    }
    let (host, expected_host) = (url.host_str().unwrap_or(""), expected.host_str().unwrap_or(""));
    if host != expected_host {
        problems.push(format!(
            "its host is \"{}\" but the authorization server's is \"{}\"",
            show(host, 80),
            show(expected_host, 80)
        ));
    } else {
        let (port, expected_port) = if url.scheme() == expected.scheme() {
            (url.port_or_known_default(), expected.port_or_known_default())
        } else {
            (url.port(), expected.port())
        };
        if port != expected_port {
            let name = |p: Option<u16>| p.map_or_else(|| "the default".to_owned(), |p| p.to_string());
            problems.push(format!(
                "its port is {} but the endpoint's is {}",
                name(port),
                name(expected_port)
            ));
        }
    }
    if url.path() != expected.path() {
        let hint = if url.path().trim_end_matches('/') == expected.path().trim_end_matches('/') {
            " (only a trailing slash differs)"
        } else if url.path().eq_ignore_ascii_case(expected.path()) {
            " (paths are case-sensitive)"
        } else {
            ""
        };
        problems.push(format!(
            "its path is \"{}\" but the endpoint's is \"{}\"{hint}",
            show(url.path(), 80),
            show(expected.path(), 80)
        ));
    }
    if problems.is_empty() {
        Finding::pass(ID, format!("The URL goes to the authorization endpoint, {endpoint}."))
    } else {
        Finding::fail(
            ID,
            format!(
                "The URL does not go to the authorization endpoint ({}): start it with exactly \
                 {endpoint} and put the parameters after the ?.",
                problems.join("; ")
            ),
        )
        .with_details(details)
    }
}

/// A value that holds an invisible character once decoded: the URL itself was checked
/// for raw ones, so these were percent-encoded, by a tool given a copied value.
fn invisible(params: &[(String, String)]) -> Option<Finding> {
    let mut count = 0;
    let found: Vec<String> = params
        .iter()
        .counted()
        .filter_map(|(name, value)| {
            let invisible = Invisible::find(value)?;
            count += invisible.count;
            Some(format!(
                "the value of {} holds an invisible {} {} (written {} in the URL)",
                show(name, 40),
                invisible.name(),
                invisible.place,
                invisible.percent_encoded()
            ))
        })
        .collect();
    let it = if count == 1 { "it" } else { "them" };
    (!found.is_empty()).then(|| {
        Finding::fail("url.invisible", format!("In the URL, {}: remove {it}.", found.join("; ")))
            .with_details(
                "Such characters are often picked up when copying a value, and the server would read \
             them as part of the value.",
            )
    })
}

/// A value wrapped in quotes (copied from code or JSON): the quotes would be sent as part
/// of it. One quote inside a value may be real (a state can hold one), so only a pair
/// around it counts.
fn quoted(params: &[(String, String)]) -> Option<Finding> {
    let names: Vec<String> = params
        .iter()
        .counted()
        .filter(|(_, value)| Quotes::find(value) == Some(Quotes::Surrounding))
        .map(|(name, _)| show(name, 40))
        .collect();
    let (list, is) = match names.as_slice() {
        [] => return None,
        [one] => (format!("The value of {one}"), "is"),
        [rest @ .., last] => (format!("The values of {} and {last}", rest.join(", ")), "are"),
    };
    Some(
        Finding::fail("url.quotes", format!("{list} {is} wrapped in quotes: remove the surrounding quotes."))
            .with_details(
                "A URL carries values without quotes (state=abc, not state=\"abc\"), so the server \
                 would take the quotes as part of the value.",
            ),
    )
}

fn duplicates(params: &[(String, String)]) -> Finding {
    const ID: &str = "url.duplicates";
    // Each name and how many times it appears, in the order of first appearance; `at`
    // finds a name's place in one look-up, not by comparing it with every other name.
    let mut counts: Vec<(&str, usize)> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (name, _) in params.iter().counted().filter(|(name, _)| !name.is_empty()) {
        work::add(name.len());
        match at.entry(name) {
            Entry::Occupied(i) => counts[*i.get()].1 += 1,
            Entry::Vacant(slot) => {
                slot.insert(counts.len());
                counts.push((name, 1));
            }
        }
    }
    let repeated: Vec<_> = counts.into_iter().filter(|&(_, count)| count > 1).collect();
    if repeated.is_empty() {
        return Finding::pass(ID, "No parameter appears twice.");
    }
    let list: Vec<String> =
        repeated.iter().map(|(name, count)| format!("{} ({count} times)", show(name, 40))).collect();
    let scope_hint = if repeated.iter().any(|(name, _)| *name == "scope") {
        ", and to ask for several scopes, put them in one scope value separated by + or %20 \
         (e.g. scope=openid+offline_access)"
    } else {
        ""
    };
    Finding::fail(
        ID,
        format!(
            "{} {} more than once: send each parameter only once, removing the extra \
             copies{scope_hint}.",
            list.join(", "),
            if list.len() == 1 { "appears" } else { "appear" }
        ),
    )
    .with_details("RFC 6749 §3.1 says request parameters must not be included more than once.")
}

/// Template words that are real OAuth values in the wrong case, for their own check to
/// name (`scope=OFFLINE_ACCESS` is a case mistake, not a placeholder).
const OAUTH_WORDS: &[&str] = &["offline_access", "authorization_code", "refresh_token", "client_credentials"];

/// The placeholder text in a decoded `value`, as tutorials and templates write one:
/// - `{...}`, `<...>` anywhere (`{YOUR_CLIENT_ID}`, `<a random string>`);
/// - `[...]` anywhere with a letter and no `:` inside (`[CLIENT_ID]`; an IPv6 host such
///   as `[::1]` in a redirect URI is not one);
/// - a word containing `YOUR_` (`YOUR_CLIENT_ID`, `https://YOUR_DOMAIN/callback`);
/// - a whole value that is an all-caps template word with an underscore (`CLIENT_ID`,
///   `RANDOM_STRING`). Real client ids and states mix case or hold digits; an OAuth word
///   in capitals is left to its own check.
fn placeholder(value: &str) -> Option<&str> {
    // The searches below read `value` a few times at most.
    work::add(value.len());
    let enclosed = |open: char, close: char, inside: &dyn Fn(&str) -> bool| {
        let start = value.find(open)?;
        let len = value[start + 1..].find(close)?;
        inside(&value[start + 1..start + 1 + len]).then(|| &value[start..start + len + 2])
    };
    let any = |inside: &str| !inside.is_empty();
    let words = |inside: &str| inside.chars().any(char::is_alphabetic) && !inside.contains(':');
    if let Some(text) = enclosed('{', '}', &|_| true)
        .or_else(|| enclosed('<', '>', &any))
        .or_else(|| enclosed('[', ']', &words))
    {
        return Some(text);
    }
    if let Some(at) = value.find("YOUR_") {
        let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let start =
            value[..at].char_indices().rev().find(|&(_, c)| !is_word(c)).map_or(0, |(i, c)| i + c.len_utf8());
        let end = value[at..].find(|c| !is_word(c)).map_or(value.len(), |i| at + i);
        return Some(&value[start..end]);
    }
    is_template_word(value).then_some(value)
}

/// `^[A-Z]+(_[A-Z]+)+$`, and not an OAuth word in capitals.
fn is_template_word(value: &str) -> bool {
    let parts_ok =
        value.split('_').all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_uppercase()));
    parts_ok && value.contains('_') && !OAUTH_WORDS.contains(&value.to_ascii_lowercase().as_str())
}

/// A value equal to the application's own client id or a registered redirect URI is real,
/// whatever it looks like.
fn is_known(value: &str, provider: &Provider) -> bool {
    provider.client_id.as_deref() == Some(value) || provider.redirect_uris.iter().any(|r| r == value)
}

/// The placeholder in the URL's address (what comes before the query), as in
/// `https://YOUR_DOMAIN.okta.com/...` or `https://{yourOktaDomain}/...`.
fn address_placeholder(input: &str) -> Option<&str> {
    let address = input.split(['?', '#']).next().unwrap_or_default();
    placeholder(address)
}

const PLACEHOLDER_DETAILS: &str = "Tutorials and templates write placeholders such as {YOUR_CLIENT_ID} \
     or <state> where your own values go; the server would take them as they are.";

/// Every placeholder left in the URL, in one finding: the address's and each parameter's.
fn placeholders(params: &[(String, String)], provider: &Provider, address: Option<&str>) -> Finding {
    const ID: &str = "url.placeholders";
    let endpoint = show(&provider.authorization_endpoint, 200);
    let address = address.map(|text| format!("the address holding \"{}\" with {endpoint}", show(text, 40)));
    // One element per parameter (and `placeholder` counts what it reads of each).
    work::add(params.len());
    let found: Vec<String> = address
        .into_iter()
        .chain(params.iter().filter(|(_, value)| !is_known(value, provider)).filter_map(|(name, value)| {
            let text = placeholder(value)?;
            let with = match (name.as_str(), provider.client_id.as_deref(), provider.redirect_uris.as_slice())
            {
                ("client_id", Some(id), _) => {
                    format!("\"{}\", your client_id shown on this page", show(id, 100))
                }
                ("client_id", None, _) => "your application's client ID, from its settings".to_owned(),
                ("redirect_uri", _, [one]) => {
                    format!("\"{}\", the redirect_uri shown on this page", show(one, 200))
                }
                ("redirect_uri", _, _) => "your application's registered redirect URI".to_owned(),
                ("state", _, _) => "a random string you make up".to_owned(),
                ("code_challenge", _, _) => "the code challenge from step 2, shown on this page".to_owned(),
                ("scope", _, _) => "the scopes you need, such as openid offline_access".to_owned(),
                ("response_type", _, _) => "code".to_owned(),
                ("code_challenge_method", _, _) => "S256".to_owned(),
                _ => "the real value".to_owned(),
            };
            Some(format!("\"{}\" in {} with {with}", show(text, 40), show(name, 40)))
        }))
        .collect();
    match found.as_slice() {
        [] => Finding::pass(ID, "No value still holds a placeholder such as {YOUR_CLIENT_ID}."),
        [one] => Finding::fail(ID, format!("Replace the placeholder left in the URL: {one}."))
            .with_details(PLACEHOLDER_DETAILS),
        all => Finding::fail(ID, format!("Replace the placeholders left in the URL: {}.", all.join("; ")))
            .with_details(PLACEHOLDER_DETAILS),
    }
}

/// Parameters that carry a secret, and why each never belongs in the authorization URL.
const SECRET_PARAMETERS: &[(&str, &str)] = &[
    (
        "client_secret",
        "The client secret goes only to the token endpoint, from your application's back end \
         (RFC 6749 §2.3.1).",
    ),
    (
        "code_verifier",
        "The code verifier stays with your application until the token request; the URL \
         carries only its challenge (RFC 7636 §4.3).",
    ),
    ("password", "The user types their password at the authorization server, never into a URL."),
    ("access_token", "Tokens are never sent in an authorization request."),
    ("refresh_token", "Tokens are never sent in an authorization request."),
];

/// Why a client secret never goes in a URL.
const CLIENT_SECRET_WHY: &str = "A client secret goes only from your application's back end to the \
     token endpoint (RFC 6749 §2.3.1).";

/// A client secret shorter than this is not looked for inside longer values (a real one
/// is far longer: the practice server's has 43 characters).
const MIN_CLIENT_SECRET_LEN: usize = 8;

/// A secret in the URL: the authorization request travels through the browser, so its
/// URL ends up in the history, in server logs and in `Referer` headers. A value whose
/// S256 hash is this learner's challenge is the verifier, whatever its parameter's name
/// (in `code_challenge` itself, `code_challenge` already says so); a value or name that
/// holds the application's client secret (known for the practice application) is that
/// secret, and so is the secret anywhere else in the URL.
///
/// Returns the finding and the secret texts found, which no finding may show back.
fn secrets(
    input: &str,
    params: &[(String, String)],
    challenge: Option<&str>,
    provider: &Provider,
) -> (Finding, Vec<String>) {
    const ID: &str = "url.secrets";
    let is_verifier = |value: &str| {
        challenge.is_some_and(|c| crate::pkce::Verifier::parse(value).is_ok_and(|v| v.challenge() == c))
    };
    let client_secret = provider
        .client_secret
        .as_ref()
        .map(ClientSecret::expose)
        .filter(|s| s.chars().count() >= MIN_CLIENT_SECRET_LEN);
    let holds_client_secret = |text: &str| {
        work::add(text.len());
        client_secret.is_some_and(|s| text.contains(s))
    };
    let whose = if provider.builtin { "your practice application's" } else { "your application's" };
    let mut found = Vec::<String>::new();
    let mut removals = Vec::<String>::new();
    let mut whys = Vec::<&str>::new();
    let mut said = HashSet::<String>::new();
    let mut hidden = Vec::<String>::new();
    let (mut verifier, mut client_secret_param, mut real_secret) = (false, false, false);
    for (name, value) in params.iter().counted() {
        let unquoted = Quotes::find(value).map_or(value.as_str(), |q| q.strip(value));
        let why = SECRET_PARAMETERS.iter().find(|(secret, _)| secret == name).map(|(_, why)| *why);
        let (line, because) = if holds_client_secret(name) {
            (format!("a parameter's name is {whose} client secret, so remove it"), CLIENT_SECRET_WHY)
        } else if holds_client_secret(value) && why.is_none() {
            (
                format!("the value of {} is {whose} client secret, so remove it", show(name, 40)),
                CLIENT_SECRET_WHY,
            )
        } else {
            match why {
                Some(why) => {
                    if !removals.contains(name) {
                        removals.push(name.clone());
                    }
                    (String::new(), why)
                }
                None if name != "code_challenge" && (is_verifier(value) || is_verifier(unquoted)) => {
                    verifier = true;
                    hidden.extend([value.clone(), unquoted.to_owned()]);
                    (
                        format!(
                            "the value of {} is your code verifier from step 1, so remove it",
                            show(name, 40)
                        ),
                        "The URL carries only the verifier's challenge (RFC 7636 §4.3).",
                    )
                }
                None => continue,
            }
        };
        if !whys.contains(&because) {
            whys.push(because);
        }
        verifier |= name == "code_verifier";
        client_secret_param |= name == "client_secret";
        real_secret |= holds_client_secret(name) || holds_client_secret(value);
        if !line.is_empty() && said.insert(line.clone()) {
            found.push(line);
        }
    }
    if !real_secret && holds_client_secret(input) {
        real_secret = true;
        found.push(format!("the URL holds {whose} client secret, so remove it"));
        whys.push(CLIENT_SECRET_WHY);
    }
    if real_secret {
        hidden.extend(client_secret.map(str::to_owned));
    }
    if let Some((last, rest)) = removals.split_last() {
        let list = if rest.is_empty() { last.clone() } else { format!("{} and {last}", rest.join(", ")) };
        found.insert(0, format!("remove {list}"));
    }
    if found.is_empty() {
        return (
            Finding::pass(ID, "The URL carries no secret: no client secret, verifier or token."),
            hidden,
        );
    }
    // What to do if the URL was already opened. The practice server's secret is only for
    // practice, and cannot be changed.
    let mut exposed = Vec::new();
    if verifier {
        exposed.push("generate a new verifier in step 1");
    }
    if (client_secret_param || real_secret) && !provider.builtin {
        exposed.push("rotate the client secret at your authorization server");
    }
    let exposed = if exposed.is_empty() {
        String::new()
    } else {
        format!(", and if you already opened this URL, {}", exposed.join(" and "))
    };
    let practice = if real_secret && provider.builtin {
        " The practice server's secret cannot be rotated, so removing it is enough here; never put \
         a real client secret in a URL."
    } else {
        ""
    };
    let finding = Finding::fail(ID, format!("The URL carries a secret: {}{exposed}.", found.join("; ")))
        .with_details(format!(
            "An authorization URL passes through the browser, its history and server logs. {}{practice}",
            whys.join(" ")
        ));
    (finding, hidden)
}

/// Mask every secret in `hidden` (or its beginning, as [`show`] may cut it) in the
/// findings' messages and details, so no finding shows one back or stores it with the verdict.
fn redact(findings: &mut [Finding], hidden: &[String]) {
    const MIN_SHOWN: usize = 8;
    // Each secret once (a URL may repeat one), in the order found.
    let mut seen = HashSet::new();
    for secret in hidden.iter().filter(|s| !s.is_empty() && seen.insert(s.as_str())) {
        // The secret's first MIN_SHOWN characters (all of it, when shorter): where one of
        // its prefixes worth masking starts.
        let head = &secret[..secret.char_indices().nth(MIN_SHOWN).map_or(secret.len(), |(i, _)| i)];
        for finding in findings.iter_mut() {
            if let Some(masked) = masked(&finding.message, secret, head) {
                finding.message = masked;
            }
            if let Some(masked) = finding.details.as_deref().and_then(|d| masked(d, secret, head)) {
                finding.details = Some(masked);
            }
        }
    }
}

/// `text` with each place `head` appears, and as much of the rest of `secret` as follows
/// it, replaced by a mask, in one pass; `None` when `head` does not appear.
fn masked(text: &str, secret: &str, head: &str) -> Option<String> {
    const MASK: &str = "••••••••";
    work::add(text.len());
    if !text.contains(head) {
        return None;
    }
    let mut masked = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(head) {
        let shown: usize = rest[at..]
            .chars()
            .zip(secret.chars())
            .counted()
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a.len_utf8())
            .sum();
        masked.push_str(&rest[..at]);
        masked.push_str(MASK);
        rest = &rest[at + shown..];
    }
    masked.push_str(rest);
    Some(masked)
}

fn response_type(value: Option<&str>) -> Finding {
    const ID: &str = "url.response_type";
    const WHY: &str = "response_type=code asks for an authorization code, the flow of this exercise \
         (RFC 6749 §4.1.1).";
    match value {
        Some("code") => Finding::pass(ID, "response_type=code asks for an authorization code."),
        None => Finding::fail(ID, "response_type is missing: add response_type=code.").with_details(WHY),
        Some(v) => {
            let why = if v.eq_ignore_ascii_case("code") {
                "values are case-sensitive"
            } else {
                "this exercise uses the authorization code flow"
            };
            Finding::fail(
                ID,
                format!("response_type is \"{}\", but {why}: use response_type=code.", show(v, 40)),
            )
            .with_details(WHY)
        }
    }
}

fn client_id(value: Option<&str>, provider: &Provider) -> Finding {
    const ID: &str = "url.client_id";
    const WHY: &str =
        "The client_id tells the authorization server which application asks (RFC 6749 §4.1.1).";
    let Some(v) = value else {
        let add = match (&provider.client_id, provider.builtin) {
            (Some(id), true) => format!("client_id={}, the client_id shown on this page", show(id, 100)),
            (Some(id), false) => format!("client_id={}, the client ID set for your server", show(id, 100)),
            (None, _) => "client_id= with your application's client ID, from its settings".to_owned(),
        };
        return Finding::fail(ID, format!("client_id is missing or empty: add {add}.")).with_details(WHY);
    };
    if let Err(e) = ClientId::parse(v) {
        return Finding::fail(ID, e.to_string()).with_details(e.details());
    }
    match &provider.client_id {
        Some(expected) if expected != v => {
            let (whose, where_) = if provider.builtin {
                ("your practice application's client ID", "shown on this page")
            } else {
                ("the client ID set for your server in OAuth Lab", "or correct that setting")
            };
            Finding::fail(
                ID,
                format!(
                    "client_id \"{}\" is not {whose}: use \"{}\" ({where_}).",
                    show(v, 60),
                    show(expected, 100)
                ),
            )
            .with_details(WHY)
        }
        Some(_) => Finding::pass(ID, "client_id is your application's client ID."),
        None => Finding::pass(ID, "client_id is present."),
    }
}

fn redirect_uri(value: Option<&str>, provider: &Provider) -> Finding {
    const ID: &str = "url.redirect_uri";
    let registered = &provider.redirect_uris;
    let list = registered.iter().map(|r| format!("\"{}\"", show(r, 200))).collect::<Vec<_>>().join(" or ");
    let shown = if provider.builtin { ", shown on this page" } else { "" };
    let Some(v) = value else {
        let example = if registered.is_empty() {
            "your application's registered redirect URI".to_owned()
        } else {
            format!("{list}{shown}")
        };
        return Finding::fail(
            ID,
            format!("redirect_uri is missing or empty: add redirect_uri= with {example}, URL-encoded."),
        )
        .with_details(
            "The server sends the code to the redirect URI, and the token request must repeat it \
             (RFC 6749 §4.1.1).",
        );
    };
    let uri = match RedirectUri::parse(v) {
        Ok(uri) => uri,
        Err(e) => return Finding::fail(ID, e.to_string()).with_details(e.details()),
    };
    if registered.is_empty() || uri.is_one_of(registered) {
        return Finding::pass(ID, "redirect_uri is a redirect URI registered for your application.");
    }
    let near = |f: &dyn Fn(&str, &str) -> bool| {
        registered.iter().any(|r| {
            work::add(v.len());
            f(r, v)
        })
    };
    let hint = if near(&|r, v| r.trim_end_matches('/') == v.trim_end_matches('/')) {
        " (only a trailing slash differs)"
    } else if near(&|r, v| r.eq_ignore_ascii_case(v)) {
        " (only upper and lower case differ)"
    } else if near(&|r, v| r.strip_prefix("https://") == v.strip_prefix("http://")) {
        " (http is used where https is registered)"
    } else if near(&|r, v| r.strip_prefix("http://") == v.strip_prefix("https://")) {
        " (https is used where http is registered)"
    } else {
        ""
    };
    Finding::fail(
        ID,
        format!(
            "redirect_uri \"{}\" is not registered for your application{hint}: use exactly {list}{shown}.",
            show(v, 120)
        ),
    )
    .with_details("Redirect URIs are compared character for character (RFC 6749 §3.1.2.3).")
}

const GUESSABLE_STATES: &[&str] = &[
    "state",
    "mystate",
    "random",
    "randomstring",
    "random_string",
    "random-string",
    "xyz",
    "abc",
    "abcdefgh",
    "test",
    "teststate",
    "foo",
    "foobar",
    "none",
    "null",
    "undefined",
    "csrf",
    "nonce",
    "value",
    "example",
    "your_state",
    "random_state",
];

const STATE_WHY: &str = "Check that the state comes back unchanged with the code: it ties the \
     redirect to the request your application made, against CSRF (RFC 6749 §10.12).";

fn state(value: Option<&str>) -> Finding {
    const ID: &str = "url.state";
    let Some(v) = value else {
        return Finding::fail(
            ID,
            "state is missing or empty: add state= with a random string, and check that the same \
             value comes back with the code.",
        )
        .with_details(STATE_WHY);
    };
    let len = v.chars().counted().count();
    let distinct: HashSet<char> = v.chars().counted().collect();
    work::add(v.len());
    let reason = if GUESSABLE_STATES.contains(&v.to_ascii_lowercase().as_str()) {
        Some("a common example value".to_owned())
    } else if len < 8 {
        Some(format!("only {}", super::characters(len)))
    } else if distinct.len() == 1 {
        Some("one character repeated".to_owned())
    } else if len < 16 && v.chars().counted().all(|c| c.is_ascii_digit()) {
        Some("a short run of digits".to_owned())
    } else {
        None
    };
    match reason {
        Some(reason) => Finding::warn(
            ID,
            format!(
                "state \"{}\" is {reason}, so an attacker could guess it: use at least 8 random \
                 characters (Generate Random String makes some).",
                show(v, 20)
            ),
        )
        .with_details(STATE_WHY),
        None => Finding::pass(ID, "state is present; check that the same value comes back with the code.")
            .with_details(STATE_WHY),
    }
}

fn offline_access(value: Option<&str>) -> Finding {
    const ID: &str = "url.offline_access";
    const SEPARATE: &str = "In a URL, scopes are separated by spaces written + or %20; a %2B is a \
         literal plus, and commas do not separate scopes.";
    let Some(v) = value else {
        return Finding::fail(
            ID,
            "scope is missing or empty: add scope=offline_access, with any other scopes you need \
             (e.g. scope=openid+offline_access).",
        )
        .with_details("offline_access is the scope that asks for a refresh token.");
    };
    let scope = match Scope::parse(v) {
        Ok(scope) => scope,
        Err(e) => return Finding::fail(ID, e.to_string()).with_details(e.details()),
    };
    if scope.contains("offline_access") {
        return Finding::pass(ID, "scope includes offline_access, which asks for a refresh token.");
    }
    work::add(v.len());
    let (message, details) = if v.contains("offline_access") {
        (
            "scope holds offline_access, but not as a scope of its own: separate scopes with + or \
             %20 (e.g. scope=openid+offline_access).",
            SEPARATE,
        )
    } else if v.to_ascii_lowercase().contains("offline_access") {
        (
            "scope holds offline_access in the wrong case: write exactly offline_access.",
            "Scopes are case-sensitive (RFC 6749 §3.3).",
        )
    } else {
        (
            "scope does not include offline_access, so the server will not issue a refresh token: \
             add it (e.g. scope=openid+offline_access).",
            SEPARATE,
        )
    };
    Finding::fail(ID, message).with_details(details)
}

fn code_challenge(value: Option<&str>, expected: Option<&str>) -> Finding {
    const ID: &str = "url.code_challenge";
    let Some(v) = value else {
        return Finding::fail(
            ID,
            "code_challenge is missing or empty: add code_challenge= with the challenge from step 2, \
             shown on this page.",
        )
        .with_details(
            "The server keeps the challenge and checks the verifier of the token request against \
             it (RFC 7636 §4.3).",
        );
    };
    let Some(expected) = expected else {
        return Finding::fail(
            ID,
            "There is no code challenge from step 1 on record to compare with: check steps 1 \
             and 2 again, then come back to this step.",
        );
    };
    match diagnose_challenge(v, expected) {
        ChallengeDiagnosis::Matches => {
            Finding::pass(ID, "code_challenge is the challenge of your verifier from step 1.")
        }
        ChallengeDiagnosis::OtherString => Finding::fail(
            ID,
            "code_challenge is the challenge of a different verifier than the one from step 1: use \
             the challenge from step 2, shown on this page.",
        )
        .with_details(
            "Or redo steps 1 and 2 with the verifier you will send in the token request: the server \
             compares the two.",
        ),
        ChallengeDiagnosis::Plain => Finding::fail(
            ID,
            "code_challenge is your code verifier itself: put its challenge from step 2 there, and \
             generate a new verifier in step 1, as this one is now exposed.",
        )
        .with_details(
            "The verifier must never appear in the authorization URL, which passes through the \
             browser, its history and server logs.",
        ),
        ChallengeDiagnosis::Malformed => Finding::fail(
            ID,
            "code_challenge is not a well-formed S256 challenge: use the challenge from step 2, \
             shown on this page.",
        )
        .with_details(ChallengeDiagnosis::Malformed.details()),
        other => Finding::fail(ID, other.message()).with_details(other.details()),
    }
}

fn code_challenge_method(value: Option<&str>) -> Finding {
    const ID: &str = "url.code_challenge_method";
    match value {
        Some("S256") => Finding::pass(
            ID,
            "code_challenge_method=S256: the server will hash the verifier to compare it \
             (RFC 7636 §4.6).",
        ),
        None => Finding::fail(
            ID,
            "code_challenge_method is missing, so the server will assume plain: add \
             code_challenge_method=S256.",
        )
        .with_details(
            "Without it the server assumes plain (RFC 7636 §4.3) and expects the verifier itself as \
             the challenge.",
        ),
        Some(v) if v.eq_ignore_ascii_case("S256") => Finding::fail(
            ID,
            format!("code_challenge_method \"{}\" is case-sensitive: use S256.", show(v, 10)),
        )
        .with_details("RFC 7636 §4.3 names the methods S256 and plain, exactly so."),
        Some("plain") => Finding::fail(
            ID,
            "code_challenge_method=plain makes the challenge the verifier itself: use \
             code_challenge_method=S256.",
        )
        .with_details(
            "Anyone who sees this URL could then redeem the code; a client that can use S256 must \
             use it (RFC 7636 §4.2).",
        ),
        Some(v) => Finding::fail(
            ID,
            format!("code_challenge_method \"{}\" is not a method RFC 7636 defines: use S256.", show(v, 30)),
        )
        .with_details("RFC 7636 §4.3 defines two methods, S256 and plain; this exercise uses S256."),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{Progress, Step};
    use crate::verdict::Level;

    fn check_url(url: &str, provider: &crate::exercises::refresh::Provider) -> super::super::Outcome {
        run(Step::AuthorizationUrl, url, provider, &progress(2))
    }

    #[test]
    fn a_url_past_the_limits_gets_one_finding_that_names_the_limit() {
        let padded = format!("{}&{}", good_url(), "x=1&".repeat(20_000));
        let too_long = check_url(&padded, &builtin());
        assert_eq!(too_long.verdict.findings.len(), 1, "{:#?}", too_long.verdict.findings);
        let f = &too_long.verdict.findings[0];
        assert!(!f.ok && f.id == "url.parse" && f.message.contains("longer than 4096 characters"), "{f:?}");
        assert!(f.message.len() < 400, "the answer stays small");

        let many = format!("{}{}", good_url(), (0..45).map(|i| format!("&p{i}=1")).collect::<String>());
        assert!(many.len() < super::MAX_URL_CHARS);
        let out = check_url(&many, &builtin());
        assert_eq!(out.verdict.findings.len(), 1, "{:#?}", out.verdict.findings);
        assert!(out.verdict.findings[0].message.contains("more than 50 parameters"));

        let at_limit = format!("{}{}", good_url(), (0..3).map(|i| format!("&p{i}=1")).collect::<String>());
        assert!(check_url(&at_limit, &builtin()).verdict.findings.len() > 1, "under the limits: every check");
    }

    #[test]
    fn a_correct_url_passes_and_is_recorded_trimmed() {
        let out = check_url(&format!("\n  {}  \t", good_url()), &builtin());
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        assert!(out.verdict.findings.iter().all(|f| f.ok), "{:#?}", out.verdict.findings);
        let p = out.progress.expect("passed");
        assert_eq!(p.steps_passed, 3);
        assert_eq!(p.authorization_url, Some(good_url()));
    }

    #[test]
    fn plus_and_percent_20_both_separate_scopes() {
        for scope in ["openid+offline_access", "openid%20offline_access", "offline_access"] {
            let url = good_url().replace("openid+offline_access", scope);
            let out = check_url(&url, &builtin());
            assert!(finding(&out, "url.offline_access").ok, "{scope}");
        }
    }

    /// Each bad URL fails exactly the listed finding, whose message contains the text.
    #[test]
    fn bad_urls_fail_the_right_check_with_a_precise_message() {
        let good = good_url();
        let cases: Vec<(&str, String, &str, &str)> = vec![
            (
                "no offline_access",
                good.replace("openid+offline_access", "openid+profile"),
                "url.offline_access",
                "does not include offline_access",
            ),
            (
                "offline_access glued with %2B",
                good.replace("openid+offline_access", "openid%2Boffline_access"),
                "url.offline_access",
                "not as a scope of its own",
            ),
            (
                "offline_access after a comma",
                good.replace("openid+offline_access", "openid,offline_access"),
                "url.offline_access",
                "commas do not separate scopes",
            ),
            (
                "offline_access in capitals",
                good.replace("openid+offline_access", "OFFLINE_ACCESS"),
                "url.offline_access",
                "case-sensitive",
            ),
            (
                "no scope",
                good.replace("&scope=openid+offline_access", ""),
                "url.offline_access",
                "scope is missing",
            ),
            (
                "s256 in lower case",
                good.replace("method=S256", "method=s256"),
                "url.code_challenge_method",
                "is case-sensitive: use S256",
            ),
            (
                "no method",
                good.replace("&code_challenge_method=S256", ""),
                "url.code_challenge_method",
                "the server will assume plain: add code_challenge_method=S256",
            ),
            (
                "plain method",
                good.replace("method=S256", "method=plain"),
                "url.code_challenge_method",
                "use code_challenge_method=S256",
            ),
            (
                "unknown method",
                good.replace("method=S256", "method=SHA256"),
                "url.code_challenge_method",
                "not a method RFC 7636 defines",
            ),
            (
                "wrong host",
                good.replacen("127.0.0.1", "evil.example", 1),
                "url.endpoint",
                "its host is \"evil.example\" but the authorization server's is \"127.0.0.1\"",
            ),
            (
                "wrong path",
                good.replace("/authorize", "/oauth/authorize"),
                "url.endpoint",
                "its path is \"/oauth/authorize\" but the endpoint's is \"/authorize\"",
            ),
            (
                "trailing slash on the path",
                good.replace("/authorize?", "/authorize/?"),
                "url.endpoint",
                "only a trailing slash differs",
            ),
            (
                "wrong port",
                good.replace(":3000/authorize", ":3001/authorize"),
                "url.endpoint",
                "its port is 3001 but the endpoint's is 3000",
            ),
            (
                "https where the dev server is http",
                good.replacen("http://", "https://", 1),
                "url.endpoint",
                "its scheme is https but the endpoint's is http",
            ),
            ("a fragment", format!("{good}#top"), "url.fragment", "remove the # and everything after it"),
            (
                "state twice",
                format!("{good}&state=again"),
                "url.duplicates",
                "state (2 times) appears more than once",
            ),
            ("scope twice", format!("{good}&scope=profile"), "url.duplicates", "put them in one scope value"),
            (
                "response_type token",
                good.replace("response_type=code", "response_type=token"),
                "url.response_type",
                "use response_type=code",
            ),
            (
                "no response_type",
                good.replace("response_type=code&", ""),
                "url.response_type",
                "response_type is missing",
            ),
            (
                "someone else's client_id",
                good.replace("client_id=lab-client-1", "client_id=lab-client-2"),
                "url.client_id",
                "client_id \"lab-client-2\" is not your practice application's client ID: use \
                 \"lab-client-1\" (shown on this page).",
            ),
            (
                "no client_id",
                good.replace("client_id=lab-client-1&", ""),
                "url.client_id",
                "client_id is missing",
            ),
            (
                "redirect_uri with a trailing slash",
                good.replace("%2Fredirect", "%2Fredirect%2F"),
                "url.redirect_uri",
                "only a trailing slash differs",
            ),
            (
                "unregistered redirect_uri",
                good.replace("127.0.0.1%3A3000%2Fredirect", "example-app.com%2Fredirect"),
                "url.redirect_uri",
                "use exactly \"http://127.0.0.1:3000/redirect\", shown on this page",
            ),
            (
                "relative redirect_uri",
                good.replace("http%3A%2F%2F127.0.0.1%3A3000%2Fredirect", "%2Fredirect"),
                "url.redirect_uri",
                "not an absolute URI",
            ),
            (
                "no redirect_uri",
                good.replace("&redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fredirect", ""),
                "url.redirect_uri",
                "redirect_uri is missing",
            ),
            ("no state", good.replace("&state=Zq8xW2kLp0aBt", ""), "url.state", "state is missing"),
            (
                "empty state",
                good.replace("state=Zq8xW2kLp0aBt", "state="),
                "url.state",
                "state is missing or empty",
            ),
            (
                "no code_challenge",
                good.replace(&format!("&code_challenge={CHALLENGE}"), ""),
                "url.code_challenge",
                "code_challenge is missing",
            ),
            (
                "another verifier's challenge",
                good.replace(CHALLENGE, &crate::pkce::challenge_s256("another verifier")),
                "url.code_challenge",
                "is the challenge of a different verifier than the one from step 1",
            ),
            (
                "the verifier instead of the challenge",
                good.replace(CHALLENGE, VERIFIER),
                "url.code_challenge",
                "must never appear in the authorization URL",
            ),
            (
                "a padded challenge",
                good.replace(CHALLENGE, &format!("{CHALLENGE}%3D")),
                "url.code_challenge",
                "remove the trailing =",
            ),
        ];
        for (what, url, id, text) in cases {
            let out = check_url(&url, &builtin());
            assert_eq!(blocking(&out), [id], "{what}: {:#?}", out.verdict.findings);
            let said = said(finding(&out, id));
            assert!(said.contains(text), "{what}: {said}");
            assert_eq!(out.progress, None, "{what}");
        }
    }

    #[test]
    fn a_placeholder_is_named_with_its_parameter() {
        let url = good_url().replace("client_id=lab-client-1", "client_id={YOUR_CLIENT_ID}");
        let out = check_url(&url, &builtin());
        assert_eq!(
            finding(&out, "url.placeholders").message,
            "Replace the placeholder left in the URL: \"{YOUR_CLIENT_ID}\" in client_id with \
             \"lab-client-1\", your client_id shown on this page."
        );
        // No follow-on advice about the placeholder's parameter.
        assert_eq!(out.verdict.find("url.client_id"), None, "{:#?}", out.verdict.findings);
        assert_eq!(blocking(&out), ["url.placeholders"]);
        // Percent-encoded braces are placeholders too, and YOUR_ without braces.
        let url = good_url()
            .replace("state=Zq8xW2kLp0aBt", "state=%7BRANDOM_STRING%7D")
            .replace("client_id=lab-client-1", "client_id=YOUR_CLIENT_ID");
        let out = check_url(&url, &okta_like_builtin_endpoint());
        let message = &finding(&out, "url.placeholders").message;
        assert!(message.contains("\"{RANDOM_STRING}\" in state with a random string"), "{message}");
        assert!(
            message.contains("\"YOUR_CLIENT_ID\" in client_id with your application's client ID"),
            "{message}"
        );
        assert_eq!(blocking(&out), ["url.placeholders"]);
    }

    /// A template URL with several placeholders: one finding names them all, and the checks
    /// of the parameters (and address) that hold one say nothing.
    #[test]
    fn a_url_with_placeholders_gets_one_finding_that_lists_them_all() {
        let template = "http://127.0.0.1:3000/authorize?response_type=code&client_id={YOUR_CLIENT_ID}\
             &redirect_uri=<your-redirect-uri>&state=YOUR_STATE&scope=openid+offline_access\
             &code_challenge={CODE_CHALLENGE}&code_challenge_method=S256";
        let out = check_url(template, &builtin());
        assert_eq!(blocking(&out), ["url.placeholders"], "{:#?}", out.verdict.findings);
        let f = finding(&out, "url.placeholders");
        assert_eq!(
            f.message,
            "Replace the placeholders left in the URL: \"{YOUR_CLIENT_ID}\" in client_id with \
             \"lab-client-1\", your client_id shown on this page; \"<your-redirect-uri>\" in \
             redirect_uri with \"http://127.0.0.1:3000/redirect\", the redirect_uri shown on this \
             page; \"YOUR_STATE\" in state with a random string you make up; \"{CODE_CHALLENGE}\" in \
             code_challenge with the code challenge from step 2, shown on this page."
        );
        assert!(f.details.as_deref().is_some_and(|d| d.contains("placeholders")));
        for id in ["url.client_id", "url.redirect_uri", "url.state", "url.code_challenge"] {
            assert_eq!(out.verdict.find(id), None, "{id} follows from the placeholder");
        }
        // What holds no placeholder is still checked.
        for id in ["url.response_type", "url.offline_access", "url.code_challenge_method", "url.endpoint"] {
            assert!(finding(&out, id).ok, "{id}");
        }
        let templated = template.replace("response_type=code", "response_type=<RESPONSE_TYPE>");
        let out = check_url(&templated, &builtin());
        assert!(finding(&out, "url.placeholders")
            .message
            .contains("\"<RESPONSE_TYPE>\" in response_type with code;"));
        assert_eq!(out.verdict.find("url.response_type"), None);
        let wrong_scope = template.replace("openid+offline_access", "openid");
        assert_eq!(
            blocking(&check_url(&wrong_scope, &builtin())),
            ["url.placeholders", "url.offline_access"]
        );

        // A placeholder in the address: named with the others, and no endpoint advice.
        let okta_template = format!(
            "https://YOUR_DOMAIN.okta.com/oauth2/default/v1/authorize?response_type=code\
             &client_id=YOUR_CLIENT_ID&redirect_uri=https://example-app.com/redirect&state=Zq8xW2kLp0aBt\
             &scope=offline_access&code_challenge={CHALLENGE}&code_challenge_method=S256"
        );
        let out = check_url(&okta_template, &okta());
        assert_eq!(blocking(&out), ["url.placeholders"], "{:#?}", out.verdict.findings);
        let message = &finding(&out, "url.placeholders").message;
        assert!(
            message.starts_with(
                "Replace the placeholders left in the URL: the address holding \"YOUR_DOMAIN\" with \
                 https://dev-1.okta.com/oauth2/default/v1/authorize; \"YOUR_CLIENT_ID\" in client_id"
            ),
            "{message}"
        );
        assert_eq!(out.verdict.find("url.endpoint"), None);
        // One the URL parser refuses outright is named by the parse finding.
        let out = check_url(&okta_template.replace("YOUR_DOMAIN.okta.com", "<your-okta-domain>"), &okta());
        assert_eq!(out.verdict.findings.len(), 1);
        assert!(
            finding(&out, "url.parse")
                .message
                .starts_with("The URL still holds the placeholder \"<your-okta-domain>\" in its address"),
            "{:?}",
            out.verdict.findings
        );
    }

    #[test]
    fn placeholders_in_angle_or_square_brackets_or_template_words_fail() {
        // (parameter and encoded value, the placeholder named, replace it with)
        let cases = [
            ("state=%3Ca+random+string%3E", "\"<a random string>\" in state", "a random string you make up"),
            ("state=<RANDOM_STRING>", "\"<RANDOM_STRING>\" in state", "a random string"),
            ("state=RANDOM_STRING", "\"RANDOM_STRING\" in state", "a random string"),
            ("client_id=%5BCLIENT_ID%5D", "\"[CLIENT_ID]\" in client_id", "your application's client ID"),
            ("client_id=<client_id>", "\"<client_id>\" in client_id", "your application's client ID"),
            ("client_id=CLIENT_ID", "\"CLIENT_ID\" in client_id", "your application's client ID"),
        ];
        for (param, named, with) in cases {
            let name = param.split('=').next().unwrap_or_default();
            let current = if name == "state" { "state=Zq8xW2kLp0aBt" } else { "client_id=lab-client-1" };
            let url = good_url().replace(current, param);
            let out = check_url(&url, &okta_like_builtin_endpoint());
            assert_eq!(blocking(&out), ["url.placeholders"], "{param}");
            let message = &finding(&out, "url.placeholders").message;
            assert!(message.contains(&format!("{named} with {with}")), "{param}: {message}");
            assert_eq!(out.progress, None);
            // On the built-in server too, only the placeholder is named.
            let out = check_url(&url, &builtin());
            assert_eq!(blocking(&out), ["url.placeholders"], "{param}");
        }
        // The application's own client id is real, whatever it looks like.
        let provider =
            crate::exercises::refresh::Provider { client_id: Some("LAB_CLIENT".into()), ..builtin() };
        let url = good_url().replace("client_id=lab-client-1", "client_id=LAB_CLIENT");
        assert!(check_url(&url, &provider).verdict.passed());
        // An IPv6 loopback redirect URI is not a placeholder.
        let provider = crate::exercises::refresh::Provider {
            redirect_uris: vec!["http://[::1]:3000/redirect".into()],
            ..builtin()
        };
        let url = good_url().replace("127.0.0.1%3A3000%2Fredirect", "%5B%3A%3A1%5D%3A3000%2Fredirect");
        assert!(finding(&check_url(&url, &provider), "url.placeholders").ok);
    }

    #[test]
    fn a_secret_in_the_url_fails_and_is_not_recorded() {
        let cases = [
            ("&client_secret=s3cr3t-value".to_owned(), "remove client_secret"),
            (format!("&code_verifier={VERIFIER}"), "remove code_verifier"),
            ("&password=hunter2".to_owned(), "remove password"),
            ("&refresh_token=abc".to_owned(), "remove refresh_token"),
            (format!("&nonce={VERIFIER}"), "the value of nonce is your code verifier from step 1"),
        ];
        for (extra, want) in cases {
            let out = check_url(&format!("{}{extra}", good_url()), &builtin());
            assert_eq!(blocking(&out), ["url.secrets"], "{extra}");
            let message = said(finding(&out, "url.secrets"));
            assert!(message.contains(want), "{extra}: {message}");
            assert!(!message.contains("s3cr3t") && !message.contains(VERIFIER), "{message}");
            assert_eq!(out.progress, None, "{extra}");
        }
        let several = format!("{}&client_secret=s3cr3t&password=x&refresh_token=y", good_url());
        assert_eq!(
            finding(&check_url(&several, &builtin()), "url.secrets").message,
            "The URL carries a secret: remove client_secret, password and refresh_token."
        );
        let out = check_url(&format!("{}&client_secret=s3cr3t-value", good_url()), &builtin());
        assert!(
            said(finding(&out, "url.secrets")).contains("The client secret goes only to the token endpoint")
        );
        let out = check_url(&format!("{}&code_verifier={VERIFIER}", good_url()), &builtin());
        let message = &finding(&out, "url.secrets").message;
        assert!(
            message.ends_with(
                "remove code_verifier, and if you already opened this URL, generate a new verifier in step 1."
            ),
            "{message}"
        );
        let with_secret = format!("{}&client_secret=s3cr3t", good_url());
        let message = said(finding(&check_url(&with_secret, &builtin()), "url.secrets"));
        assert!(
            !message.contains("if you already opened"),
            "nothing to rotate on the practice server: {message}"
        );
        let on_okta = with_secret
            .replace("http://127.0.0.1:3000/authorize", "https://dev-1.okta.com/oauth2/default/v1/authorize");
        let message = finding(&check_url(&on_okta, &okta()), "url.secrets").message.clone();
        assert!(message.contains("rotate the client secret at your authorization server"), "{message}");
        assert!(said(finding(&check_url(&on_okta, &okta()), "url.secrets")).contains("(RFC 6749 §2.3.1)"));
        // Another string of verifier shape is not this learner's verifier.
        let other = format!("{}&nonce={}", good_url(), "x".repeat(43));
        assert!(finding(&check_url(&other, &builtin()), "url.secrets").ok);
    }

    #[test]
    fn the_practice_client_secret_anywhere_in_the_url_fails_and_is_never_shown() {
        let good = good_url();
        let practice = "The practice server's secret cannot be rotated, so removing it is enough here; \
             never put a real client secret in a URL.";
        // (where, url, failing findings, url.secrets says)
        let cases: Vec<(&str, String, Vec<&str>, &str)> = vec![
            (
                "as the state",
                good.replace("Zq8xW2kLp0aBt", CLIENT_SECRET),
                vec!["url.secrets"],
                "the value of state is your practice application's client secret, so remove it",
            ),
            (
                "inside the state",
                good.replace("Zq8xW2kLp0aBt", &format!("ab{CLIENT_SECRET}cd")),
                vec!["url.secrets"],
                "the value of state is your practice application's client secret",
            ),
            (
                "as the client_id",
                good.replace("client_id=lab-client-1", &format!("client_id={CLIENT_SECRET}")),
                vec!["url.secrets", "url.client_id"],
                "the value of client_id is your practice application's client secret",
            ),
            (
                "as the response_type",
                good.replace("response_type=code", &format!("response_type={CLIENT_SECRET}")),
                vec!["url.secrets", "url.response_type"],
                "the value of response_type",
            ),
            (
                "quoted, in an extra parameter",
                format!("{good}&nonce=%22{CLIENT_SECRET}%22"),
                vec!["url.quotes", "url.secrets"],
                "the value of nonce is your practice application's client secret",
            ),
            (
                "as client_secret",
                format!("{good}&client_secret={CLIENT_SECRET}"),
                vec!["url.secrets"],
                "remove client_secret",
            ),
            (
                "as a parameter name",
                format!("{good}&{CLIENT_SECRET}"),
                vec!["url.secrets"],
                "a parameter's name is your practice application's client secret, so remove it",
            ),
            (
                "in the path",
                good.replace("/authorize?", &format!("/authorize/{CLIENT_SECRET}?")),
                vec!["url.endpoint", "url.secrets"],
                "the URL holds your practice application's client secret, so remove it",
            ),
            (
                "in a fragment",
                format!("{good}#{CLIENT_SECRET}"),
                vec!["url.fragment", "url.secrets"],
                "the URL holds your practice application's client secret",
            ),
        ];
        for (what, url, failing, says) in cases {
            let out = check_url(&url, &builtin());
            assert_eq!(blocking(&out), failing, "{what}: {:#?}", out.verdict.findings);
            let message = &finding(&out, "url.secrets").message;
            assert!(message.contains(says), "{what}: {message}");
            let details = finding(&out, "url.secrets").details.clone().unwrap_or_default();
            assert!(details.ends_with(practice), "{what}: {details}");
            assert!(!message.contains("if you already opened"), "nothing to rotate: {message}");
            // Not shown back by any finding, not recorded, not in a Debug print.
            let all = format!("{out:?}");
            assert!(!all.contains(&CLIENT_SECRET[..8]), "{what}: {all}");
            assert_eq!(out.progress, None, "{what}");
        }
        // A finding that shows the value shows it masked.
        let url = good.replace("client_id=lab-client-1", &format!("client_id={CLIENT_SECRET}"));
        let message = finding(&check_url(&url, &builtin()), "url.client_id").message.clone();
        assert!(
            message.starts_with("client_id \"••••••••\" is not your practice application's"),
            "{message}"
        );
        // Where the site does not know the secret, there is nothing to recognise.
        let okta_url = good
            .replace("http://127.0.0.1:3000/authorize", "https://dev-1.okta.com/oauth2/default/v1/authorize")
            .replace("Zq8xW2kLp0aBt", CLIENT_SECRET);
        assert!(finding(&check_url(&okta_url, &okta()), "url.secrets").ok);
        // The facts' Debug print hides it.
        let provider = builtin();
        let p = progress(2);
        let facts = crate::exercises::refresh::Facts {
            provider: &provider,
            progress: &p,
            now: NOW,
            issued: None,
            signature: None,
        };
        let debug = format!("{facts:?}");
        assert!(debug.contains("ClientSecret(***)") && !debug.contains(CLIENT_SECRET), "{debug}");
        assert!(!serde_json::to_string(&provider).unwrap_or_default().contains(CLIENT_SECRET));
    }

    #[test]
    fn a_verifier_in_the_url_is_never_shown_back_either() {
        let cases = [
            (good_url().replace("client_id=lab-client-1", &format!("client_id={VERIFIER}")), "url.client_id"),
            (good_url().replace("method=S256", &format!("method={VERIFIER}")), "url.code_challenge_method"),
            (
                good_url().replace("response_type=code", &format!("response_type='{VERIFIER}'")),
                "url.response_type",
            ),
        ];
        for (url, also) in cases {
            let out = check_url(&url, &builtin());
            let failing = blocking(&out);
            assert!(failing.contains(&"url.secrets") && failing.contains(&also), "{failing:?}");
            assert!(finding(&out, "url.secrets").message.contains("is your code verifier from step 1"));
            let all = format!("{out:?}");
            assert!(!all.contains(&VERIFIER[..8]), "{all}");
            assert!(finding(&out, also).message.contains("••••••••"), "{}", finding(&out, also).message);
        }
    }

    /// The built-in endpoint, but with no client_id known, so only placeholders fail.
    fn okta_like_builtin_endpoint() -> crate::exercises::refresh::Provider {
        crate::exercises::refresh::Provider { client_id: None, ..builtin() }
    }

    #[test]
    fn placeholders_are_found_inside_longer_values() {
        let cases = [
            ("{YOUR_CLIENT_ID}", Some("{YOUR_CLIENT_ID}")),
            ("abc{x}def", Some("{x}")),
            ("éYOUR_IDé", Some("YOUR_ID")),
            ("pre-YOUR_ID-post", Some("YOUR_ID")),
            ("YOUR_", Some("YOUR_")),
            ("your_client", None),
            ("{unclosed", None),
            ("<a random string>", Some("<a random string>")),
            ("<RANDOM_STRING>", Some("<RANDOM_STRING>")),
            ("<client_id>", Some("<client_id>")),
            ("https://<your-app>/callback", Some("<your-app>")),
            ("<>", None),
            ("a<b", None),
            ("[CLIENT_ID]", Some("[CLIENT_ID]")),
            ("[your client id]", Some("[your client id]")),
            ("http://[::1]:3000/redirect", None),
            ("[12]", None),
            ("CLIENT_ID", Some("CLIENT_ID")),
            ("RANDOM_STRING", Some("RANDOM_STRING")),
            ("MY_APP_CLIENT_ID", Some("MY_APP_CLIENT_ID")),
            // Real values: mixed case or digits; one word; an OAuth word in capitals.
            ("Random_String", None),
            ("CLIENT_ID2", None),
            ("ABCDEF", None),
            ("_ABC", None),
            ("ABC_", None),
            ("A__B", None),
            ("0oa1fbKOxfzjGb5d6", None),
            ("OFFLINE_ACCESS", None),
            ("openid OFFLINE_ACCESS", None),
            ("", None),
        ];
        for (value, want) in cases {
            assert_eq!(super::placeholder(value), want, "{value:?}");
        }
    }

    #[test]
    fn http_is_refused_off_loopback_and_where_the_server_itself_uses_https() {
        let cases = [
            // (provider endpoint, builtin, url prefix, passes)
            ("http://127.0.0.1:3000/authorize", true, "http://127.0.0.1:3000/authorize", true),
            ("http://localhost:3000/authorize", true, "http://localhost:3000/authorize", true),
            ("http://[::1]:3000/authorize", true, "http://[::1]:3000/authorize", true),
            ("https://lab.example/authorize", true, "https://lab.example/authorize", true),
            ("https://lab.example/authorize", true, "http://lab.example/authorize", false),
            ("http://lab.example/authorize", true, "http://lab.example/authorize", false),
            ("http://localhost:8080/authorize", false, "http://localhost:8080/authorize", true),
            ("https://localhost:8443/authorize", false, "http://localhost:8443/authorize", false),
            ("http://kc.example/authorize", false, "http://kc.example/authorize", false),
        ];
        for (endpoint, is_builtin, prefix, passes) in cases {
            let provider = crate::exercises::refresh::Provider {
                builtin: is_builtin,
                authorization_endpoint: endpoint.into(),
                client_id: None,
                redirect_uris: vec![],
                ..builtin()
            };
            let url = good_url().replace("http://127.0.0.1:3000/authorize", prefix);
            let out = check_url(&url, &provider);
            let f = finding(&out, "url.endpoint");
            assert_eq!(f.ok, passes, "{prefix} on {endpoint}: {}", f.message);
            if !passes {
                assert!(f.message.contains("it uses http where the endpoint needs https"), "{}", f.message);
                assert!(said(f).contains("RFC 6749 §3.1 requires TLS"), "{}", said(f));
            }
        }
    }

    #[test]
    fn a_url_that_does_not_parse_gets_only_the_parse_finding() {
        let cases = [
            ("", "Nothing was pasted"),
            ("/authorize?response_type=code", "not an absolute URL"),
            ("response_type=code&client_id=x", "not an absolute URL"),
            ("https://exa mple.com/authorize", "contains a space (character 12)"),
            (
                "http://127.0.0.1:3000/authorize?\n  response_type=code",
                "contains a line break (character 33)",
            ),
            ("https://[::1/authorize", "not a valid URL (invalid IPv6 address)"),
            ("localhost:3000/authorize?x=1", "starts with \"localhost:\" instead of https://"),
            ("mailto:me@example.com", "starts with \"mailto:\""),
            (
                "\u{FEFF}http://127.0.0.1:3000/authorize?response_type=code",
                "The URL holds an invisible character: remove the invisible byte order mark \
                 (U+FEFF) at the start (often picked up when copying), then check again.",
            ),
            (
                "http://127.0.0.1:3000/authorize?code_challenge_method=S256\u{200B}",
                "remove the invisible zero-width space (U+200B) at the end (often picked up when \
                 copying)",
            ),
            (
                "http://127.0.0.1:3000/authorize?state=a\u{A0}b",
                "remove the invisible no-break space (U+00A0) at character 40",
            ),
            ("\u{2060}", "remove the invisible word joiner (U+2060) at the start"),
        ];
        for (input, want) in cases {
            let out = check_url(input, &builtin());
            assert_eq!(out.verdict.findings.len(), 1, "{input:?}");
            let f = finding(&out, "url.parse");
            assert!(!f.ok && f.message.contains(want), "{input:?}: {}", f.message);
        }
    }

    #[test]
    fn an_invisible_character_in_the_url_is_named_wherever_it_is() {
        // Raw, at the edges (not trimmed: only ASCII whitespace is) or inside.
        let cases = [
            (format!("\u{FEFF}{}", good_url()), "byte order mark (U+FEFF) at the start"),
            (format!("{}\u{200B}", good_url()), "zero-width space (U+200B) at the end"),
            (format!(" {}\u{A0}\n", good_url()), "no-break space (U+00A0) at the end"),
            (good_url().replace("&state", "\u{200D}&state"), "zero-width joiner (U+200D) at character"),
        ];
        for (url, want) in cases {
            let out = check_url(&url, &builtin());
            assert_eq!(blocking(&out), ["url.parse"], "{url:?}");
            let message = &finding(&out, "url.parse").message;
            assert!(message.contains(&format!("remove the invisible {want}")), "{message}");
        }
        // Percent-encoded, so only the decoded value holds it.
        let url = good_url().replace("method=S256", "method=S256%E2%80%8B");
        let out = check_url(&url, &builtin());
        assert_eq!(blocking(&out), ["url.invisible", "url.code_challenge_method"]);
        assert_eq!(
            finding(&out, "url.invisible").message,
            "In the URL, the value of code_challenge_method holds an invisible zero-width space \
             (U+200B) at the end (written %E2%80%8B in the URL): remove it."
        );
        // Findings that show the value show the invisible character escaped.
        let method = &finding(&out, "url.code_challenge_method").message;
        assert!(method.contains("\"S256\\u{200b}\""), "{method}");
        assert_eq!(out.progress, None);
        let url = good_url().replace("state=Zq8xW2kLp0aBt", "state=%C2%A0Zq8xW2kLp0aBt%C2%A0");
        let message = finding(&check_url(&url, &builtin()), "url.invisible").message.clone();
        assert!(
            message.contains("no-break space (U+00A0) at the start (written %C2%A0 in the URL): remove them"),
            "{message}"
        );
    }

    #[test]
    fn copy_mistakes_get_their_own_message() {
        let good = good_url();
        // (what, url, the only finding that fails, its message contains)
        let cases: Vec<(&str, String, &str, &str)> = vec![
            (
                "&amp; from HTML",
                good.replace('&', "&amp;"),
                "url.parse",
                "The URL has &amp; where & belongs: replace each &amp; with &, then check again.",
            ),
            ("one &amp;", good.replacen("&state", "&amp;state", 1), "url.parse", "replace each &amp; with &"),
            (
                "the URL in double quotes",
                format!("\"{good}\""),
                "url.parse",
                "The URL is wrapped in quotes: remove the surrounding quotes, then check again.",
            ),
            ("the URL in single quotes", format!("'{good}'"), "url.parse", "remove the surrounding quotes"),
            ("the URL in backticks", format!("`{good}`"), "url.parse", "remove the surrounding quotes"),
            (
                "a quote left at the end",
                format!("{good}\""),
                "url.parse",
                "The URL ends with a double quote: remove the double quote at the end, then check again.",
            ),
            (
                "a quoted state",
                good.replace("state=Zq8xW2kLp0aBt", "state=%22Zq8xW2kLp0aBt%22"),
                "url.quotes",
                "The value of state is wrapped in quotes: remove the surrounding quotes.",
            ),
            (
                "a quoted state, in single quotes",
                good.replace("state=Zq8xW2kLp0aBt", "state='Zq8xW2kLp0aBt'"),
                "url.quotes",
                "The value of state is wrapped in quotes",
            ),
        ];
        for (what, url, id, text) in cases {
            let out = check_url(&url, &builtin());
            assert_eq!(blocking(&out), [id], "{what}: {:#?}", out.verdict.findings);
            let message = &finding(&out, id).message;
            assert!(message.contains(text), "{what}: {message}");
            assert_eq!(out.progress, None, "{what}");
        }
        // Several quoted values are named together; their own checks fail as well.
        let url = good
            .replace("client_id=lab-client-1", "client_id=\"lab-client-1\"")
            .replace("response_type=code", "response_type=`code`")
            .replace("state=Zq8xW2kLp0aBt", "state=%E2%80%9CZq8xW2kLp0aBt%E2%80%9D");
        let out = check_url(&url, &builtin());
        let message = &finding(&out, "url.quotes").message;
        assert!(
            message.starts_with("The values of response_type, client_id and state are wrapped in quotes"),
            "{message}"
        );
        assert_eq!(blocking(&out), ["url.quotes", "url.response_type", "url.client_id"]);
        // A quote inside a value is not a copy mistake.
        let url = good.replace("state=Zq8xW2kLp0aBt", "state=Zq8x'W2kLp0aBt");
        assert!(check_url(&url, &builtin()).verdict.passed());
    }

    #[test]
    fn a_short_or_guessable_state_is_a_warning_not_a_failure() {
        for state in ["state", "1234", "abc", "12345678", "xxxxxxxxxxxx", "Random_String"] {
            let url = good_url().replace("Zq8xW2kLp0aBt", state);
            let out = check_url(&url, &builtin());
            let f = finding(&out, "url.state");
            assert_eq!((f.ok, f.level), (false, Level::Warning), "{state}");
            assert!(f.message.contains("could guess it"), "{}", f.message);
            assert!(out.verdict.passed(), "{state}");
        }
        for state in ["Zq8xW2kLp0aBt", "12345678901234567890"] {
            let out = check_url(&good_url().replace("Zq8xW2kLp0aBt", state), &builtin());
            assert!(finding(&out, "url.state").ok, "{state}");
        }
    }

    #[test]
    fn another_server_is_checked_against_its_own_endpoint() {
        let url = format!(
            "https://dev-1.okta.com/oauth2/default/v1/authorize?response_type=code\
             &scope=offline_access+openid&client_id=0oa1fbKOxfzjGb5d6&state=Zq8xW2kLp0aBt\
             &redirect_uri=https://example-app.com/redirect&code_challenge={CHALLENGE}\
             &code_challenge_method=S256"
        );
        let out = check_url(&url, &okta());
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        let out = check_url(&url.replace("dev-1.okta.com", "dev-xxxxxx.okta.com"), &okta());
        assert_eq!(blocking(&out), ["url.endpoint"]);
        let expected_id =
            crate::exercises::refresh::Provider { client_id: Some("0oaOTHER".into()), ..okta() };
        let out = check_url(&url, &expected_id);
        let f = finding(&out, "url.client_id");
        assert!(!f.ok && f.message.contains("use \"0oaOTHER\""), "{}", f.message);
    }

    #[test]
    fn without_a_recorded_challenge_the_url_cannot_pass() {
        let p = Progress { steps_passed: 2, ..Progress::default() };
        let out = run(Step::AuthorizationUrl, &good_url(), &builtin(), &p);
        assert_eq!(blocking(&out), ["url.code_challenge"]);
    }
}
