//! PKCE (RFC 7636): code verifiers, S256 code challenges, and what went wrong when a
//! pasted challenge is not the expected one.
//!
//! Nothing here draws random numbers: the server supplies the random bytes to
//! [`verifier_from_bytes`], so the core stays pure and builds for wasm32.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use crate::work::{self, Counted as _};

/// The characters RFC 7636 §4.1 allows in a code verifier (its `unreserved` set):
/// `A-Z a-z 0-9 - . _ ~`.
pub const VERIFIER_ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// Shortest code verifier RFC 7636 §4.1 allows.
pub const VERIFIER_MIN_LEN: usize = 43;
/// Longest code verifier RFC 7636 §4.1 allows.
pub const VERIFIER_MAX_LEN: usize = 128;
/// Length of an S256 code challenge: 32 digest bytes in base64url without padding.
pub const CHALLENGE_LEN: usize = 43;

/// True for a character of [`VERIFIER_ALPHABET`].
pub fn is_verifier_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || matches!(ch, '-' | '.' | '_' | '~')
}

/// A code verifier made of 32 random bytes (supplied by the caller) in base64url without
/// padding: 43 characters, as RFC 7636 §4.1 recommends.
pub fn verifier_from_bytes(bytes: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The S256 code challenge of `verifier`: `BASE64URL-NOPAD(SHA256(ASCII(verifier)))`
/// (RFC 7636 §4.2). It hashes whatever it is given; validate with [`Verifier::parse`].
pub fn challenge_s256(verifier: &str) -> String {
    work::add(verifier.len());
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// True when `challenge` could be an S256 challenge: base64url without padding that
/// decodes to exactly 32 bytes (so 43 characters, with no stray bits in the last one).
pub fn is_well_formed_challenge(challenge: &str) -> bool {
    challenge.len() == CHALLENGE_LEN && URL_SAFE_NO_PAD.decode(challenge).is_ok_and(|bytes| bytes.len() == 32)
}

/// A code verifier that satisfies RFC 7636 §4.1. It is a secret: `Debug` redacts it.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier(String);

impl Verifier {
    /// Parse a verifier. Checks, in this order: empty; an invisible character (named, as
    /// the learner cannot see it); quotes around it or at an end; the first character outside
    /// [`VERIFIER_ALPHABET`] (so a standard-base64 verifier is told about `+` `/` `=`
    /// rather than about its length); then the length, 43 to 128 characters.
    /// Lengths and positions count characters, not bytes. No trimming is done.
    pub fn parse(s: &str) -> Result<Verifier, VerifierError> {
        if s.is_empty() {
            return Err(VerifierError::Empty);
        }
        if let Some(invisible) = crate::pasted::Invisible::find(s) {
            return Err(VerifierError::Invisible(invisible));
        }
        if let Some(quotes) = crate::pasted::Quotes::find(s) {
            return Err(VerifierError::Quoted(quotes));
        }
        if let Some((i, ch)) = s.chars().counted().enumerate().find(|&(_, ch)| !is_verifier_char(ch)) {
            return Err(VerifierError::BadCharacter { ch, position: i + 1 });
        }
        // Every character is ASCII now, so bytes and characters agree.
        let len = s.len();
        if len < VERIFIER_MIN_LEN {
            return Err(VerifierError::TooShort { len });
        }
        if len > VERIFIER_MAX_LEN {
            return Err(VerifierError::TooLong { len });
        }
        Ok(Verifier(s.to_owned()))
    }

    /// Parse pasted text: its outer ASCII whitespace trimmed by the one rule every step
    /// uses ([`crate::pasted::trim`]), then [`Verifier::parse`].
    pub fn parse_pasted(s: &str) -> Result<Verifier, VerifierError> {
        Verifier::parse(crate::pasted::trim(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The S256 challenge of this verifier.
    pub fn challenge(&self) -> String {
        challenge_s256(&self.0)
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Verifier(***)")
    }
}

/// Why a code verifier is not one RFC 7636 §4.1 allows. Each message is one sentence
/// that names the fix; [`VerifierError::details`] says more.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum VerifierError {
    #[error(
        "The code verifier is empty: use 32 random bytes encoded as base64url (Generate Random \
         String makes one)."
    )]
    Empty,
    #[error(
        "The code verifier is {} long; RFC 7636 §4.1 needs 43 to 128: use 32 random bytes \
         encoded as base64url (43 characters).",
        characters(*.len)
    )]
    TooShort { len: usize },
    #[error(
        "The code verifier is {} long; RFC 7636 §4.1 allows at most 128: use 32 random bytes \
         encoded as base64url (43 characters).",
        characters(*.len)
    )]
    TooLong { len: usize },
    /// `position` is 1-based and counts characters.
    #[error("{}", bad_character_message(*.ch, *.position))]
    BadCharacter { ch: char, position: usize },
    /// An invisible character such as a zero-width space or a byte order mark, which
    /// copying brings along (it is not in the alphabet either).
    #[error("The code verifier holds an invisible character: {}.", .0.fix())]
    Invisible(crate::pasted::Invisible),
    /// Quotes copied along with the verifier.
    #[error("The code verifier {}: {}.", .0.problem(), .0.fix())]
    Quoted(crate::pasted::Quotes),
}

/// What every verifier message can add: what a verifier is made of.
const VERIFIER_RULE: &str =
    "A code verifier is 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1). \
     32 random bytes encoded as base64url give 43 of them, which nobody can guess (RFC 7636 §7.1).";

impl VerifierError {
    /// The explanation behind the message: what a verifier is made of, and for a bad
    /// character outside ASCII, how it usually gets there.
    pub fn details(&self) -> String {
        match self {
            VerifierError::BadCharacter { ch, .. } if !ch.is_ascii() => format!(
                "Copying through a word processor or a chat can turn - into a dash, or add \
                 typographic quotes. {VERIFIER_RULE}"
            ),
            _ => VERIFIER_RULE.to_owned(),
        }
    }
}

fn characters(n: usize) -> String {
    if n == 1 {
        "1 character".to_owned()
    } else {
        format!("{n} characters")
    }
}

fn bad_character_message(ch: char, position: usize) -> String {
    let fix = match ch {
        '+' | '/' | '=' => "if you used standard base64, replace + with - and / with _ and drop = padding",
        c if c.is_whitespace() => "remove spaces and line breaks, as the verifier is one unbroken string",
        c if !c.is_ascii() => "copy the verifier again as plain text, or generate a new one",
        _ => "use only A-Z a-z 0-9 - . _ ~, or generate a new verifier",
    };
    format!("Character {position} ({ch:?}) is not allowed in a code verifier: {fix}.")
}

/// What a pasted code challenge is, compared with the expected S256 challenge. Only the
/// expected challenge is known here, never the verifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeDiagnosis {
    /// Exactly the expected challenge.
    Matches,
    /// The expected challenge with `=` padding.
    Padding,
    /// The expected digest in standard base64 (`+` `/`, maybe `=`).
    StandardBase64,
    /// The expected digest written as 64 hex digits.
    HexDigest,
    /// The verifier itself (what `plain` would send): its S256 challenge is the expected one.
    Plain,
    /// Not 43 characters of base64url encoding 32 bytes.
    Malformed,
    /// Well-formed, but the hash of some other string.
    OtherString,
}

impl ChallengeDiagnosis {
    pub fn is_match(self) -> bool {
        self == ChallengeDiagnosis::Matches
    }

    /// What the diagnosis means and how to fix it, in one sentence.
    pub fn message(self) -> &'static str {
        match self {
            ChallengeDiagnosis::Matches => {
                "The code challenge is BASE64URL(SHA256(verifier)) of your code verifier, without \
                 padding."
            }
            ChallengeDiagnosis::Padding => "The code challenge ends with = padding: remove the trailing =.",
            ChallengeDiagnosis::StandardBase64 => {
                "The code challenge is in standard base64: replace + with - and / with _, and drop \
                 any trailing =."
            }
            ChallengeDiagnosis::HexDigest => {
                "The code challenge is the SHA-256 digest written in hex: base64url-encode the 32 \
                 digest bytes instead."
            }
            ChallengeDiagnosis::Plain => {
                "That is the code verifier itself (the plain method), not its challenge: hash it, \
                 BASE64URL(SHA256(verifier)) without padding."
            }
            ChallengeDiagnosis::Malformed => {
                "That is not an S256 code challenge: hash your code verifier with SHA-256 and \
                 base64url-encode the digest without padding."
            }
            ChallengeDiagnosis::OtherString => {
                "That is a well-formed S256 challenge, but of a different string than your code \
                 verifier: hash exactly the verifier, with nothing around it."
            }
        }
    }

    /// The explanation behind [`ChallengeDiagnosis::message`]: what RFC 7636 asks for.
    pub fn details(self) -> &'static str {
        match self {
            ChallengeDiagnosis::Matches => "RFC 7636 §4.2 defines the S256 challenge this way.",
            ChallengeDiagnosis::Padding | ChallengeDiagnosis::StandardBase64 => {
                "RFC 7636 §4.2 uses base64url without padding: - and _ instead of + and /, and no \
                 trailing =."
            }
            ChallengeDiagnosis::HexDigest => {
                "RFC 7636 §4.2 wants the 32 raw digest bytes encoded as base64url without padding \
                 (43 characters), not the hex text of the digest."
            }
            ChallengeDiagnosis::Plain => {
                "Sending the verifier itself is the plain method, which PKCE allows only when S256 \
                 cannot be used (RFC 7636 §4.2). Keep the verifier secret: it goes only into the \
                 token request."
            }
            ChallengeDiagnosis::Malformed => {
                "An S256 challenge is 43 characters of base64url (A-Z a-z 0-9 - _), the encoding of \
                 a 32-byte SHA-256 digest (RFC 7636 §4.2)."
            }
            ChallengeDiagnosis::OtherString => {
                "A quote, a space or a line break hashed along with the verifier gives another \
                 challenge: echo adds a line break unless given -n. Calculate Hash computes \
                 BASE64URL(SHA256(verifier)) for you."
            }
        }
    }
}

/// Compare a pasted challenge with the expected S256 challenge and name the mistake.
/// `pasted` is compared as given (trim it first if you want to).
pub fn diagnose_challenge(pasted: &str, expected: &str) -> ChallengeDiagnosis {
    // The comparisons and trims below read `pasted` a few times at most.
    work::add(pasted.len());
    if pasted == expected {
        return ChallengeDiagnosis::Matches;
    }
    if pasted.ends_with('=') && pasted.trim_end_matches('=') == expected {
        return ChallengeDiagnosis::Padding;
    }
    let unpadded = pasted.trim_end_matches('=');
    if unpadded.len() == expected.len()
        && unpadded
            .bytes()
            .zip(expected.bytes())
            .all(|(p, e)| p == e || (p == b'+' && e == b'-') || (p == b'/' && e == b'_'))
    {
        return ChallengeDiagnosis::StandardBase64;
    }
    if let Some(bytes) = decode_hex(pasted) {
        if URL_SAFE_NO_PAD.encode(bytes) == expected {
            return ChallengeDiagnosis::HexDigest;
        }
    }
    if challenge_s256(pasted) == expected {
        return ChallengeDiagnosis::Plain;
    }
    if !is_well_formed_challenge(pasted) {
        return ChallengeDiagnosis::Malformed;
    }
    ChallengeDiagnosis::OtherString
}

/// 64 hex digits (either case) as 32 bytes.
fn decode_hex(s: &str) -> Option<[u8; 32]> {
    let digits = s.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let hi = char::from(pair[0]).to_digit(16)?;
        let lo = char::from(pair[1]).to_digit(16)?;
        *byte = u8::try_from(hi * 16 + lo).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pasted::{Invisible, Place, Quotes};

    const RFC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const RFC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    const RFC_OCTETS: [u8; 32] = [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105,
        214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn the_rfc_7636_appendix_b_octets_give_its_verifier() {
        assert_eq!(verifier_from_bytes(&RFC_OCTETS), RFC_VERIFIER);
    }

    #[test]
    fn the_rfc_7636_appendix_b_verifier_gives_its_challenge() {
        assert_eq!(challenge_s256(RFC_VERIFIER), RFC_CHALLENGE);
        let verifier = Verifier::parse(RFC_VERIFIER).expect("the RFC's verifier is valid");
        assert_eq!(verifier.challenge(), RFC_CHALLENGE);
        assert_eq!(verifier.as_str(), RFC_VERIFIER);
    }

    #[test]
    fn verifiers_from_32_bytes_are_43_valid_characters() {
        for seed in [0u8, 1, 62, 63, 255] {
            let v = verifier_from_bytes(&[seed; 32]);
            assert_eq!(v.len(), 43);
            assert!(Verifier::parse(&v).is_ok(), "{v}");
        }
    }

    #[test]
    fn the_verifier_alphabet_is_exactly_the_unreserved_characters() {
        assert_eq!(VERIFIER_ALPHABET.len(), 66);
        for b in 0u8..=127 {
            let ch = char::from(b);
            assert_eq!(is_verifier_char(ch), VERIFIER_ALPHABET.contains(ch), "{ch:?}");
        }
    }

    #[test]
    fn a_verifier_debug_print_hides_the_secret() {
        let v = Verifier::parse(RFC_VERIFIER).expect("valid");
        assert_eq!(format!("{v:?}"), "Verifier(***)");
        assert!(!format!("{:?}", Some(&v)).contains("dBjf"));
    }

    #[test]
    fn verifier_boundaries_are_43_and_128_characters() {
        let cases: &[(usize, Result<(), VerifierError>)] = &[
            (1, Err(VerifierError::TooShort { len: 1 })),
            (42, Err(VerifierError::TooShort { len: 42 })),
            (43, Ok(())),
            (128, Ok(())),
            (129, Err(VerifierError::TooLong { len: 129 })),
        ];
        for (len, want) in cases {
            let got = Verifier::parse(&"a".repeat(*len)).map(|_| ());
            assert_eq!(&got, want, "length {len}");
        }
    }

    fn invisible(ch: &str, place: Place) -> Invisible {
        let ch = ch.chars().next().unwrap_or_default();
        Invisible { ch, place, count: 1 }
    }

    #[test]
    fn bad_verifiers_are_reported_precisely() {
        let base = "a".repeat(43);
        let plus17 = format!("{}+{}", "a".repeat(16), "a".repeat(26));
        let cases: &[(&str, VerifierError)] = &[
            ("", VerifierError::Empty),
            ("abcdefghijkl", VerifierError::TooShort { len: 12 }),
            (&plus17, VerifierError::BadCharacter { ch: '+', position: 17 }),
            // The first bad character wins, even before a length problem.
            ("ab/c=", VerifierError::BadCharacter { ch: '/', position: 3 }),
            // Positions count characters, not bytes.
            ("ééé", VerifierError::BadCharacter { ch: 'é', position: 1 }),
            ("a–b", VerifierError::BadCharacter { ch: '–', position: 2 }),
            (&format!("{base} x"), VerifierError::BadCharacter { ch: ' ', position: 44 }),
            (&format!("{base}\n"), VerifierError::BadCharacter { ch: '\n', position: 44 }),
            (&format!("{base}="), VerifierError::BadCharacter { ch: '=', position: 44 }),
            (&"~".repeat(200), VerifierError::TooLong { len: 200 }),
            (&format!("\"{base}\""), VerifierError::Quoted(Quotes::Surrounding)),
            (&format!("'{base}'"), VerifierError::Quoted(Quotes::Surrounding)),
            (&format!("`{base}`"), VerifierError::Quoted(Quotes::Surrounding)),
            (&format!("{base}\""), VerifierError::Quoted(Quotes::End('"'))),
            (&format!("\u{201C}{base}"), VerifierError::Quoted(Quotes::Start('\u{201C}'))),
            // Invisible characters are named before any other bad character.
            (&format!("{base}\u{200B}"), VerifierError::Invisible(invisible("\u{200B}", Place::End))),
            (&format!("\u{FEFF}{base}"), VerifierError::Invisible(invisible("\u{FEFF}", Place::Start))),
            (&format!("a+b\u{A0}{base}"), VerifierError::Invisible(invisible("\u{A0}", Place::Character(4)))),
        ];
        for (input, want) in cases {
            assert_eq!(Verifier::parse(input).as_ref(), Err(want), "{input:?}");
        }
    }

    #[test]
    fn verifier_errors_name_the_length_or_character_and_the_fix() {
        assert_eq!(
            VerifierError::TooShort { len: 12 }.to_string(),
            "The code verifier is 12 characters long; RFC 7636 §4.1 needs 43 to 128: use 32 random \
             bytes encoded as base64url (43 characters)."
        );
        assert_eq!(
            VerifierError::BadCharacter { ch: '+', position: 17 }.to_string(),
            "Character 17 ('+') is not allowed in a code verifier: if you used standard base64, \
             replace + with - and / with _ and drop = padding."
        );
        assert!(VerifierError::TooShort { len: 1 }.to_string().contains("is 1 character long"));
        assert!(VerifierError::TooLong { len: 130 }.to_string().contains("at most 128"));
        assert!(VerifierError::Empty.to_string().contains("empty"));
        let space = VerifierError::BadCharacter { ch: ' ', position: 5 }.to_string();
        assert!(space.contains("Character 5 (' ')") && space.contains("spaces"), "{space}");
        let newline = VerifierError::BadCharacter { ch: '\n', position: 44 }.to_string();
        assert!(newline.contains("('\\n')"), "{newline}");
        assert_eq!(
            VerifierError::Quoted(Quotes::Surrounding).to_string(),
            "The code verifier is wrapped in quotes: remove the surrounding quotes."
        );
        let zwsp = VerifierError::Invisible(invisible("\u{200B}", Place::End)).to_string();
        assert_eq!(
            zwsp,
            "The code verifier holds an invisible character: remove the invisible zero-width space \
             (U+200B) at the end (often picked up when copying)."
        );
        assert!(VerifierError::Empty.details().contains("A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)"));
        assert!(VerifierError::BadCharacter { ch: '–', position: 2 }.details().contains("dash"));
    }

    #[test]
    fn every_challenge_mistake_gets_its_own_diagnosis() {
        let expected = RFC_CHALLENGE;
        // A digest whose standard base64 differs from its base64url.
        let slashy = challenge_s256("x");
        let std_b64 = slashy.replace('-', "+").replace('_', "/");
        assert_ne!(std_b64, slashy, "pick a digest with - or _ in it");
        let cases: &[(String, &str, ChallengeDiagnosis)] = &[
            (expected.to_owned(), expected, ChallengeDiagnosis::Matches),
            (format!("{expected}="), expected, ChallengeDiagnosis::Padding),
            (format!("{std_b64}="), &slashy, ChallengeDiagnosis::StandardBase64),
            (std_b64.clone(), &slashy, ChallengeDiagnosis::StandardBase64),
            (hex(&Sha256::digest(RFC_VERIFIER)), expected, ChallengeDiagnosis::HexDigest),
            (hex(&Sha256::digest(RFC_VERIFIER)).to_uppercase(), expected, ChallengeDiagnosis::HexDigest),
            (RFC_VERIFIER.to_owned(), expected, ChallengeDiagnosis::Plain),
            (challenge_s256("some other string"), expected, ChallengeDiagnosis::OtherString),
            (challenge_s256(&format!("{RFC_VERIFIER}\n")), expected, ChallengeDiagnosis::OtherString),
            (String::new(), expected, ChallengeDiagnosis::Malformed),
            ("{YOUR_CODE_CHALLENGE}".to_owned(), expected, ChallengeDiagnosis::Malformed),
            (expected[..42].to_owned(), expected, ChallengeDiagnosis::Malformed),
            (hex(&Sha256::digest("other")), expected, ChallengeDiagnosis::Malformed),
            (format!("{}=", challenge_s256("other")), expected, ChallengeDiagnosis::Malformed),
        ];
        for (pasted, expected, want) in cases {
            assert_eq!(diagnose_challenge(pasted, expected), *want, "{pasted:?}");
        }
    }

    #[test]
    fn a_challenge_with_stray_trailing_bits_is_malformed() {
        // 43 base64url characters whose last one carries bits beyond the 32 bytes.
        let stray = format!("{}B", &RFC_CHALLENGE[..42]);
        assert!(!is_well_formed_challenge(&stray));
        assert!(is_well_formed_challenge(RFC_CHALLENGE));
    }

    #[test]
    fn diagnosis_messages_are_distinct_and_name_a_fix() {
        use ChallengeDiagnosis::*;
        let all = [Matches, Padding, StandardBase64, HexDigest, Plain, Malformed, OtherString];
        let messages: std::collections::HashSet<_> = all.iter().map(|d| d.message()).collect();
        assert_eq!(messages.len(), all.len());
        assert!(Padding.message().contains("remove the trailing ="));
        assert!(StandardBase64.message().contains("replace + with -"));
        assert!(HexDigest.message().contains("hex"));
        assert!(all.iter().all(|d| d.details().contains("RFC 7636") || *d == OtherString));
        assert!(Plain.message().contains("verifier itself"));
        assert!(OtherString.message().contains("different string"));
        assert!(all.iter().all(|d| d.is_match() == (*d == Matches)));
    }
}
