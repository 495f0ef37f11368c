//! The left-half hashes of OpenID Connect (`at_hash`, `c_hash`, OIDC Core §3.1.3.6 and
//! §3.3.2.11): the left half of the hash of a value's ASCII octets, base64url without
//! padding, the hash being the one of the ID token's `alg` (SHA-256 for RS256, ES256,
//! PS256 and HS256; SHA-384 and SHA-512 for their 384 and 512 versions).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::work;

/// The `at_hash` (or `c_hash`) of `value` for an ID token signed with `alg`; `None` for an
/// `alg` whose hash is not fixed by its name (`none`, `EdDSA`, an unknown one).
pub fn left_half_hash(alg: &str, value: &str) -> Option<String> {
    let bits = alg.strip_prefix("RS").or_else(|| alg.strip_prefix("ES"));
    let bits = bits.or_else(|| alg.strip_prefix("PS")).or_else(|| alg.strip_prefix("HS"))?;
    work::add(value.len());
    let bytes = value.as_bytes();
    let digest: Vec<u8> = match bits {
        "256" => Sha256::digest(bytes).to_vec(),
        "384" => Sha384::digest(bytes).to_vec(),
        "512" => Sha512::digest(bytes).to_vec(),
        _ => return None,
    };
    Some(URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_openid_connect_examples_hash_as_the_spec_says() {
        // OIDC Core Appendix A.3 (at_hash) and A.4 (c_hash), both RS256.
        let cases = [
            ("RS256", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "77QmUPtjPfzWtF2AnpK9RQ"),
            ("RS256", "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk", "LDktKdoQak3Pk0cnXxCltA"),
            ("ES256", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "77QmUPtjPfzWtF2AnpK9RQ"),
            ("PS256", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "77QmUPtjPfzWtF2AnpK9RQ"),
            ("HS384", "dNZX1hEZ9wBCzNL40Upu646bdzQA", "phZaPQJosyg-qi-OIYyQ3xJB9wsHYEEz"),
            ("ES512", "dNZX1hEZ9wBCzNL40Upu646bdzQA", "8xltSlOGYrWy8W9yNvRlEth1i_bXW-JROWPLvCv5zog"),
        ];
        for (alg, value, want) in cases {
            assert_eq!(left_half_hash(alg, value).as_deref(), Some(want), "{alg} {value}");
        }
    }

    #[test]
    fn an_alg_without_a_named_hash_has_no_left_half_hash() {
        for alg in ["none", "EdDSA", "RS", "RS1", "rs256", "", "ES256K", "XS256"] {
            assert_eq!(left_half_hash(alg, "value"), None, "{alg}");
        }
    }
}
