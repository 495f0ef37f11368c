//! OpenID Connect ID token hashes: `at_hash` and `c_hash` (OpenID Connect Core §3.1.3.6,
//! §3.3.2.11). The same function makes them on the practice server and checks them in
//! the grader.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha384, Sha512};

/// The algorithm a client registered for its ID tokens (`id_token_signed_response_alg`,
/// OpenID Connect Dynamic Client Registration §2): RS256 unless it chose ES256.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum IdTokenAlg {
    /// The default: every OpenID provider must support it (Discovery §3).
    #[default]
    #[serde(rename = "RS256")]
    Rs256,
    #[serde(rename = "ES256")]
    Es256,
}

impl IdTokenAlg {
    pub const ALL: [IdTokenAlg; 2] = [IdTokenAlg::Rs256, IdTokenAlg::Es256];

    /// The JOSE name (RFC 7518 §3.1).
    pub fn as_str(self) -> &'static str {
        match self {
            IdTokenAlg::Rs256 => "RS256",
            IdTokenAlg::Es256 => "ES256",
        }
    }

    /// The algorithm for its JOSE name (exact); `None` for any other.
    pub fn parse(s: &str) -> Option<IdTokenAlg> {
        IdTokenAlg::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// The left half of the hash of `value` (an access token for `at_hash`, a code for
/// `c_hash`), base64url without padding. The hash is the one of the ID token's JOSE `alg`
/// (SHA-256 for RS256, ES256, PS256 and HS256; SHA-384 and SHA-512 for the 384 and 512
/// variants). `None` for any other `alg` (`none`, say): such a token has no hash to check.
pub fn left_half_hash(alg: &str, value: &str) -> Option<String> {
    let digest: Vec<u8> = match alg {
        "RS256" | "ES256" | "PS256" | "HS256" => Sha256::digest(value.as_bytes()).to_vec(),
        "RS384" | "ES384" | "PS384" | "HS384" => Sha384::digest(value.as_bytes()).to_vec(),
        "RS512" | "ES512" | "PS512" | "HS512" => Sha512::digest(value.as_bytes()).to_vec(),
        _ => return None,
    };
    Some(URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_token_alg_reads_its_jose_name_only() {
        assert_eq!(IdTokenAlg::default(), IdTokenAlg::Rs256);
        for alg in IdTokenAlg::ALL {
            assert_eq!(IdTokenAlg::parse(alg.as_str()), Some(alg));
        }
        assert_eq!(IdTokenAlg::parse("es256"), None);
        assert_eq!(IdTokenAlg::parse("HS256"), None);
    }

    #[test]
    fn c_hash_matches_the_example_of_openid_connect_core_appendix_a_4() {
        // OpenID Connect Core 1.0, A.4 (response_type=code id_token), RS256.
        assert_eq!(
            left_half_hash("RS256", "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk").as_deref(),
            Some("LDktKdoQak3Pk0cnXxCltA")
        );
    }

    #[test]
    fn at_hash_takes_the_left_half_of_the_hash_the_alg_names() {
        // Computed independently (Python hashlib): the left 16, 24 and 32 bytes.
        let token = "jHkWEdUXMU1BwAsC4vtUsZwnY3G_xP4e";
        for alg in ["RS256", "ES256", "PS256"] {
            assert_eq!(left_half_hash(alg, token).as_deref(), Some("4tyL9Bis_HvtAJ05vxtx8g"), "{alg}");
        }
        assert_eq!(left_half_hash("ES384", token).as_deref(), Some("7rAqean3V0ZL679WquSey38m17QSxZ70"));
        assert_eq!(
            left_half_hash("RS512", token).as_deref(),
            Some("y_yZkqSMm5BS-zcrfIGzQoXtIBoDDMaIG8PlHvdEhkg")
        );
        assert_eq!(left_half_hash("none", token), None);
        assert_eq!(left_half_hash("rs256", token), None, "alg names are case-sensitive");
    }
}
