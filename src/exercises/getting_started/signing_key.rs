//! Step 3: the `kid` and algorithm of the key that signs access tokens now, pasted as
//! `kid: abc, alg: ES256`, two lines, or the JWK (or a JWT header) as JSON, checked
//! against the server's JWKS (RFC 7517 §5).

use serde_json::{Map, Value};

use super::{labelled, quoted, read_as, too_large, unquoted, Facts, Paste, MAX_PASTE_BYTES};
use crate::json::parse_strict;
use crate::oauth::discovery::Fetched;
use crate::verdict::{show, Finding};
use crate::work::Counted as _;

const INPUT: &str = "signing_key.input";
const JWKS: &str = "signing_key.jwks";
const KID: &str = "signing_key.kid";
const USE: &str = "signing_key.use";
const ALG: &str = "signing_key.alg";
const CURRENT: &str = "signing_key.current";

const HOW: &str = "paste the key's kid and its algorithm, such as kid: abc123, alg: ES256";
/// The most kids a message lists.
const KIDS_LISTED: usize = 5;

/// The JWS algorithm names of RFC 7518 §3.1, RFC 8037 §3.1 (EdDSA) and RFC 8812 (ES256K),
/// with the fully specified Ed25519 and Ed448 (RFC 9864).
const ALGORITHMS: &[&str] = &[
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "ES256K", "PS256",
    "PS384", "PS512", "EdDSA", "Ed25519", "Ed448", "none",
];

/// What was pasted.
#[derive(Debug, Default, PartialEq, Eq)]
struct Pasted {
    kid: Option<String>,
    alg: Option<String>,
}

/// A key of the JWKS, as far as this step reads it.
#[derive(Debug)]
struct Key {
    kid: Option<String>,
    kty: String,
    crv: Option<String>,
    alg: Option<String>,
    use_: Option<String>,
}

pub(super) fn check(input: &str, facts: &Facts<'_>) -> Vec<Finding> {
    if let Some(finding) = too_large(INPUT, input, MAX_PASTE_BYTES, "a key id and an algorithm") {
        return vec![finding];
    }
    let pasted = match read(input) {
        Ok(pasted) => pasted,
        Err(finding) => return vec![finding],
    };
    let keys = match jwks(facts) {
        Ok(keys) => keys,
        Err(finding) => return vec![finding],
    };
    let mut findings = vec![Finding::pass(
        JWKS,
        format!("The JWKS publishes {}.", crate::verdict::count(keys.len() as u64, "key")),
    )];
    let alg = pasted.alg.as_deref().map(|alg| (alg, known(alg)));
    let bad_alg = match alg {
        None => Some(Finding::fail(
            ALG,
            "Paste the algorithm too, such as ES256 or RS256, from the key's alg or a token's header.",
        )),
        Some((alg, None)) => Some(unknown_alg(alg)),
        Some((_, Some(_))) => None,
    };
    let Some(kid) = pasted.kid.as_deref() else {
        findings.push(Finding::fail(
            KID,
            "Paste the kid too: it is the key's \"kid\" member in the JWKS, and the kid in a token's header.",
        ));
        findings.extend(bad_alg);
        return findings;
    };
    let Some(key) = keys.iter().counted().find(|k| k.kid.as_deref() == Some(kid)) else {
        findings.push(unknown_kid(kid, &keys));
        findings.extend(bad_alg);
        return findings;
    };
    findings.push(Finding::pass(KID, format!("The JWKS has a key with the kid {}.", quoted(kid, 100))));
    let shown = quoted(kid, 100);
    let signs = match key.use_.as_deref() {
        Some("enc") => {
            findings.push(
                Finding::fail(
                    USE,
                    format!("The key {shown} is for encryption (use: enc), not signing: paste the kid of a key with use sig."),
                )
                .with_details("A key's use says what it is for: sig to verify signatures, enc to encrypt (RFC 7517 §4.2)."),
            );
            false
        }
        Some(other) => {
            findings.push(Finding::pass(USE, format!("The key's use is {}.", show(other, 20))));
            true
        }
        None => {
            findings.push(Finding::pass(
                USE,
                "The key has no use member, so it may verify signatures (RFC 7517 §4.2).",
            ));
            true
        }
    };
    findings.push(match (bad_alg, alg) {
        (Some(finding), _) => finding,
        (None, Some((_, Some(alg)))) => alg_of(key, &shown, alg),
        (None, _) => Finding::fail(ALG, format!("Paste the algorithm too: {HOW}.")),
    });
    if signs {
        findings.push(current(kid, &shown, facts));
    }
    findings
}

/// Read the paste: JSON (a JWK, a one-key JWKS, a JWT header), or `name: value` pieces.
fn read(input: &str) -> Result<Pasted, Finding> {
    if read_as(input, INPUT, HOW)? == Paste::Json {
        return read_json(input);
    }
    let mut pasted = Pasted::default();
    let mut values = Vec::new();
    for piece in input.split(['\n', ',', ';']).counted().map(unquoted).filter(|p| !p.is_empty()) {
        match labelled(piece) {
            Some((name, value)) => match name.as_str() {
                "kid" | "key_id" | "keyid" => pasted.kid = Some(value.to_owned()),
                "alg" | "algorithm" => pasted.alg = Some(value.to_owned()),
                // Another member of the key (kty, use, crv...): not asked for.
                _ => {}
            },
            None => values.push(piece),
        }
    }
    for value in values {
        let slot = if known(value).is_some() || value.len() <= 6 && known_ignoring_case(value).is_some() {
            &mut pasted.alg
        } else {
            &mut pasted.kid
        };
        if slot.is_some() {
            let slot = if pasted.kid.is_none() { &mut pasted.kid } else { &mut pasted.alg };
            if slot.is_some() {
                return Err(Finding::fail(
                    INPUT,
                    format!("There is more than a kid and an algorithm here: {HOW}."),
                ));
            }
            *slot = Some(value.to_owned());
        } else {
            *slot = Some(value.to_owned());
        }
    }
    Ok(pasted)
}

fn read_json(input: &str) -> Result<Pasted, Finding> {
    let object = match parse_strict(input) {
        Ok(Value::Object(object)) => object,
        Ok(_) => return Err(Finding::fail(INPUT, format!("That JSON is not an object: {HOW}."))),
        Err(e) => return Err(Finding::fail(INPUT, format!("That is not valid JSON ({e}): {HOW}."))),
    };
    let key = match object.get("keys").and_then(Value::as_array) {
        Some(keys) if keys.len() == 1 => keys[0].as_object().cloned().unwrap_or_default(),
        Some(keys) => {
            return Err(Finding::fail(
                INPUT,
                format!(
                    "That is a whole JWKS with {}: paste only the kid and alg of the key that signs access tokens now.",
                    crate::verdict::count(keys.len() as u64, "key")
                ),
            ))
        }
        None => object,
    };
    let text = |name: &str| key.get(name).and_then(Value::as_str).map(str::to_owned);
    Ok(Pasted { kid: text("kid"), alg: text("alg") })
}

/// The keys of the fetched JWKS, or why there are none to read.
fn jwks(facts: &Facts<'_>) -> Result<Vec<Key>, Finding> {
    let uri = facts.progress.metadata.as_ref().and_then(|m| m.jwks_uri.as_deref());
    let Some(uri) = uri else {
        return Err(Finding::fail(
            JWKS,
            "Your server's metadata lists no jwks_uri, so its keys can't be read: use the built-in practice \
             server for this step.",
        )
        .with_details(
            "jwks_uri is where a server publishes the public keys that verify its tokens (RFC 8414 §2).",
        ));
    };
    let at = show(uri, 200);
    let body = match facts.jwks {
        None => return Err(Finding::fail(JWKS, format!("The JWKS at {at} was not fetched: check again in a moment."))),
        Some(Fetched::Status(code)) => {
            return Err(Finding::fail(
                JWKS,
                format!("The JWKS at {at} answered HTTP {code}: check that your server publishes its keys there, then check again."),
            ))
        }
        Some(Fetched::Failed(reason)) => {
            return Err(Finding::fail(
                JWKS,
                format!("The JWKS at {at} could not be read ({}): check again in a moment.", show(reason, 200)),
            ))
        }
        Some(Fetched::Document(body)) => body,
    };
    let not_jwks = || {
        Finding::fail(
            JWKS,
            format!("The document at {at} is not a JWKS: check the jwks_uri of your server's metadata."),
        )
        .with_details("A JWK Set is a JSON object whose keys member is an array of keys (RFC 7517 §5).")
    };
    let Ok(Value::Object(document)) = parse_strict(body) else {
        return Err(not_jwks());
    };
    let Some(keys) = document.get("keys").and_then(Value::as_array) else {
        return Err(not_jwks());
    };
    let text =
        |key: &Map<String, Value>, name: &str| key.get(name).and_then(Value::as_str).map(str::to_owned);
    Ok(keys
        .iter()
        .counted()
        .filter_map(Value::as_object)
        .map(|key| Key {
            kid: text(key, "kid"),
            kty: text(key, "kty").unwrap_or_default(),
            crv: text(key, "crv"),
            alg: text(key, "alg"),
            use_: text(key, "use"),
        })
        .collect())
}

fn known(alg: &str) -> Option<&'static str> {
    ALGORITHMS.iter().copied().find(|a| *a == alg)
}

fn known_ignoring_case(alg: &str) -> Option<&'static str> {
    ALGORITHMS.iter().copied().find(|a| a.eq_ignore_ascii_case(alg))
}

fn unknown_alg(alg: &str) -> Finding {
    let shown = quoted(alg, 40);
    match known_ignoring_case(alg) {
        Some(right) => {
            Finding::fail(ALG, format!("Algorithm names are case-sensitive: write {right}, not {shown}."))
                .with_details("JWS algorithm names are compared exactly (RFC 7515 §4.1.1, RFC 7518 §3.1).")
        }
        None => Finding::fail(
            ALG,
            format!("{shown} is not a JWS algorithm name: paste the key's alg, such as ES256 or RS256."),
        )
        .with_details("The names are those of RFC 7518 §3.1, and EdDSA (RFC 8037)."),
    }
}

fn unknown_kid(kid: &str, keys: &[Key]) -> Finding {
    let shown = quoted(kid, 100);
    let kids: Vec<&str> = keys.iter().counted().filter_map(|k| k.kid.as_deref()).collect();
    if let Some(right) = kids.iter().counted().find(|k| k.eq_ignore_ascii_case(kid)) {
        return Finding::fail(
            KID,
            format!(
                "No key has the kid {shown}, but {} differs from it in case only: copy the kid exactly as the JWKS writes it.",
                show(right, 100)
            ),
        );
    }
    if kids.is_empty() {
        return Finding::fail(KID, "The JWKS has no key with a kid: use a server that names its keys, such as the built-in practice server.");
    }
    let mut listed: Vec<String> = kids.iter().take(KIDS_LISTED).map(|k| show(k, 60)).collect();
    if kids.len() > KIDS_LISTED {
        listed.push(format!("and {} more", kids.len() - KIDS_LISTED));
    }
    Finding::fail(
        KID,
        format!("No key in the JWKS has the kid {shown}: copy the kid of one of its keys ({}).", listed.join(", ")),
    )
    .with_details("The kid is the key's \"kid\" member in the JWKS, and the kid in the header of a token it signed (RFC 7517 §4.5).")
}

/// The algorithms a key of this type and curve signs with, for a key without `alg`.
fn algorithms_for(kty: &str, crv: Option<&str>) -> &'static [&'static str] {
    match (kty, crv) {
        ("EC", Some("P-256")) => &["ES256"],
        ("EC", Some("P-384")) => &["ES384"],
        ("EC", Some("P-521")) => &["ES512"],
        ("EC", Some("secp256k1")) => &["ES256K"],
        ("RSA", _) => &["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"],
        ("OKP", Some("Ed25519")) => &["EdDSA", "Ed25519"],
        ("OKP", Some("Ed448")) => &["EdDSA", "Ed448"],
        ("oct", _) => &["HS256", "HS384", "HS512"],
        _ => &[],
    }
}

fn alg_of(key: &Key, kid: &str, alg: &str) -> Finding {
    match key.alg.as_deref() {
        Some(own) if own == alg => Finding::pass(ALG, format!("The key {kid} is for {alg}.")),
        Some(own) => Finding::fail(
            ALG,
            format!("The key {kid} is published for {}, not {alg}: paste the alg the JWKS gives it.", show(own, 20)),
        )
        .with_details("A key's alg names the one algorithm it is used with (RFC 7517 §4.4); a token it signs says the same in its header."),
        None => {
            let fits = algorithms_for(&key.kty, key.crv.as_deref());
            let kind = match &key.crv {
                Some(crv) => format!("{} {}", show(&key.kty, 10), show(crv, 20)),
                None => show(&key.kty, 10),
            };
            if fits.contains(&alg) {
                Finding::pass(ALG, format!("An {kind} key signs with {alg}."))
            } else if fits.is_empty() {
                Finding::fail(ALG, format!("The key {kid} is an {kind} key, which signs no JWS algorithm: paste the kid of a signing key."))
            } else {
                Finding::fail(
                    ALG,
                    format!("An {kind} key can't sign with {alg}: it signs with {}.", fits.join(" or ")),
                )
                .with_details("Which algorithm goes with which key type and curve is in RFC 7518 §3 (RSA: §3.3 and §3.5, EC: §3.4) and RFC 8037 §3.1.")
            }
        }
    }
}

fn current(kid: &str, shown: &str, facts: &Facts<'_>) -> Finding {
    match (facts.builtin, facts.signing_kid) {
        (true, Some(now)) if now == kid => {
            Finding::pass(CURRENT, "That is the key that signs access tokens now.")
        }
        (true, Some(_)) => Finding::fail(
            CURRENT,
            format!(
                "The key {shown} is still published but no longer signs new tokens: paste the kid of the \
                 key that signs now, as a new access token's header shows it."
            ),
        )
        .with_details(
            "After a key rotation the old key stays in the JWKS for as long as the tokens it signed \
             live, so that they can still be verified; new tokens are signed with the new key.",
        ),
        _ => Finding::info(
            CURRENT,
            "Which key signs access tokens now could not be verified on this server: the kid in the header \
             of a new access token tells.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{check as check_step, Facts, Outcome, Step};
    use super::*;

    fn run(input: &str, jwks: Option<Fetched>) -> Outcome {
        let progress = builtin_progress(2);
        let facts = Facts { jwks: jwks.as_ref(), ..facts(&progress) };
        check_step(Step::SigningKey, input, &facts).expect("step 3 is open")
    }

    fn okta(input: &str, jwks: &str) -> Outcome {
        let progress = okta_progress(2);
        let fetched = Fetched::Document(jwks.to_owned());
        let facts = Facts { jwks: Some(&fetched), builtin: false, signing_kid: None, ..facts(&progress) };
        check_step(Step::SigningKey, input, &facts).expect("step 3 is open")
    }

    fn doc() -> Option<Fetched> {
        Some(Fetched::Document(builtin_jwks()))
    }

    const OKTA_JWKS: &str = r#"{"keys": [
        {"kty": "RSA", "alg": "RS256", "kid": "6ZxXgT3cN8", "use": "sig", "e": "AQAB", "n": "u1SU1Lf"},
        {"kty": "RSA", "kid": "noalg-rsa", "e": "AQAB", "n": "u1SU1Lg"},
        {"kty": "EC", "crv": "P-384", "kid": "noalg-ec", "x": "a", "y": "b"},
        {"kty": "RSA", "kid": "enc-1", "use": "enc", "alg": "RSA-OAEP", "e": "AQAB", "n": "x"},
        {"kty": "OKP", "crv": "X25519", "kid": "ecdh-1", "x": "a"}]}"#;

    #[test]
    fn the_current_key_passes_in_every_accepted_form() {
        let k = CURRENT_KID;
        let inputs = [
            format!("kid: {k}, alg: ES256"),
            format!("{k}\nES256"),
            format!("ES256\n{k}"),
            format!("\"kid\": \"{k}\",\n\"alg\": \"ES256\""),
            format!("alg=ES256; kid={k}"),
            format!("Key ID: {k}\nAlgorithm: ES256\nkty: EC"),
            format!(
                r#"{{"kty": "EC", "crv": "P-256", "x": "f8", "y": "x_", "kid": "{k}", "use": "sig", "alg": "ES256"}}"#
            ),
            format!(r#"{{"alg": "ES256", "typ": "at+jwt", "kid": "{k}"}}"#),
            format!(r#"{{"keys": [{{"kid": "{k}", "alg": "ES256"}}]}}"#),
        ];
        for input in inputs {
            let out = run(&input, doc());
            assert!(out.verdict.passed(), "{input}: {:#?}", out.verdict);
            said(&out);
            assert!(out.verdict.find(CURRENT).is_some_and(|f| f.ok));
            assert_eq!(out.progress.map(|p| p.steps_passed), Some(3));
        }
    }

    #[test]
    fn on_another_server_any_signing_key_passes_with_a_note() {
        for input in ["kid: 6ZxXgT3cN8, alg: RS256", "noalg-rsa\nPS256", "noalg-ec\nES384"] {
            let out = okta(input, OKTA_JWKS);
            assert!(out.verdict.passed(), "{input}: {:#?}", out.verdict);
            let note = out.verdict.find(CURRENT).expect("note");
            assert!(note.ok && note.message.contains("could not be verified"), "{note:?}");
            said(&out);
        }
    }

    #[test]
    fn each_signing_key_mistake_has_its_finding() {
        let r = RETIRED_KID;
        // (input, JWKS fetched (None: the built-in one), the failed ids, part of what is said)
        let cases: Vec<(String, Option<Fetched>, Vec<&str>, &str)> = vec![
            ("".into(), doc(), vec![INPUT], "Nothing was pasted"),
            ("k".repeat(20_000), doc(), vec![INPUT], "16384"),
            (format!("{CURRENT_KID}\u{200B}\nES256"), doc(), vec![INPUT], "invisible"),
            ("a\nb\nc".into(), doc(), vec![INPUT], "more than a kid and an algorithm"),
            ("{\"kid\": ".into(), doc(), vec![INPUT], "not valid JSON"),
            ("[1]".into(), doc(), vec![KID, ALG], "copy the kid of one of its keys"),
            (builtin_jwks(), doc(), vec![INPUT], "whole JWKS with 2 keys"),
            ("alg: ES256".into(), doc(), vec![KID], "Paste the kid too"),
            (CURRENT_KID.into(), doc(), vec![ALG], "Paste the algorithm too"),
            (format!("{CURRENT_KID}, es256"), doc(), vec![ALG], "write ES256, not \"es256\""),
            (format!("{CURRENT_KID}, ES265"), doc(), vec![ALG], "\"ES265\" is not a JWS algorithm"),
            (format!("{CURRENT_KID}, RS256"), doc(), vec![ALG], "published for ES256, not RS256"),
            (
                "kid: nope, alg: ES256".into(),
                doc(),
                vec![KID],
                "copy the kid of one of its keys (k3Zq8xW2kLp0aBt, j9Ya7vV1jKo9zAs)",
            ),
            (
                format!("kid: {}, alg: ES256", CURRENT_KID.to_lowercase()),
                doc(),
                vec![KID],
                "differs from it in case only",
            ),
            (format!("kid: {r}, alg: ES256"), doc(), vec![CURRENT], "no longer signs new tokens"),
            (format!("kid: {CURRENT_KID}, alg: ES256"), None, vec![JWKS], "was not fetched"),
            (
                format!("kid: {CURRENT_KID}, alg: ES256"),
                Some(Fetched::Status(500)),
                vec![JWKS],
                "answered HTTP 500",
            ),
            (
                format!("kid: {CURRENT_KID}, alg: ES256"),
                Some(Fetched::Failed("connection refused".into())),
                vec![JWKS],
                "connection refused",
            ),
            (
                format!("kid: {CURRENT_KID}, alg: ES256"),
                Some(Fetched::Document("{\"keys\": 1}".into())),
                vec![JWKS],
                "RFC 7517 §5",
            ),
            (
                format!("kid: {CURRENT_KID}, alg: ES256"),
                Some(Fetched::Document("{\"keys\": []}".into())),
                vec![KID],
                "names its keys",
            ),
        ];
        for (input, jwks, ids, part) in cases {
            let out = run(&input, jwks);
            assert_eq!(blocking(&out), ids, "{}: {:#?}", show(&input, 80), out.verdict);
            assert!(out.progress.is_none());
            let all = said(&out);
            assert!(all.contains(part), "{}: {all}", show(&input, 80));
        }
        // Another server's keys.
        let cases = [
            ("kid: enc-1, alg: RSA-OAEP", vec![USE, ALG], "for encryption (use: enc)"),
            (
                "kid: noalg-ec, alg: ES256",
                vec![ALG],
                "An EC P-384 key can't sign with ES256: it signs with ES384",
            ),
            ("kid: noalg-rsa, alg: ES256", vec![ALG], "it signs with RS256 or RS384"),
            ("kid: ecdh-1, alg: EdDSA", vec![ALG], "signs no JWS algorithm"),
        ];
        for (input, ids, part) in cases {
            let out = okta(input, OKTA_JWKS);
            assert_eq!(blocking(&out), ids, "{input}: {:#?}", out.verdict);
            let all = said(&out);
            assert!(all.contains(part), "{input}: {all}");
        }
        // Without a jwks_uri in the metadata.
        let mut progress = okta_progress(2);
        if let Some(m) = progress.metadata.as_mut() {
            m.jwks_uri = None;
        }
        let out = check_step(Step::SigningKey, "a, ES256", &Facts { builtin: false, ..facts(&progress) })
            .expect("open");
        assert_eq!(blocking(&out), [JWKS]);
        assert!(said(&out).contains("lists no jwks_uri"));
    }

    #[test]
    fn a_long_list_of_kids_is_cut() {
        let keys: Vec<String> = (0..12).map(|i| format!(r#"{{"kty": "RSA", "kid": "key-{i}"}}"#)).collect();
        let jwks = format!(r#"{{"keys": [{}]}}"#, keys.join(","));
        let out = okta("kid: other, alg: RS256", &jwks);
        let kid = out.verdict.find(KID).expect("kid");
        assert!(kid.message.contains("key-4, and 7 more"), "{}", kid.message);
    }
}
