//! The algorithms an ID token may be signed with on the practice server. (Its `at_hash`
//! is [`super::hash::left_half_hash`], the same function on the server and in the
//! grader.)

use serde::{Deserialize, Serialize};

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
}
