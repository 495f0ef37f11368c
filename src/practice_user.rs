//! The practice user: who logs in on the built-in practice server's consent page. Each
//! learner has one, made from a digest the server derives from its key and the learner
//! (so it is stable across restarts and tokens, and tells nothing of the learner's id):
//! a `sub` for its tokens, and a generated name and email, as an identity provider's test
//! user would have.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// The domain of every practice user's email: reserved for testing (RFC 2606 §2), so no
/// mail can reach anyone.
pub const EMAIL_DOMAIN: &str = "practice.oauthlab.test";

/// A learner's practice user: who logs in on the practice server's consent page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PracticeUser {
    /// The subject (`sub`) of the user's tokens: `user_` and 16 base64url characters,
    /// stable, and not the learner's id.
    #[cfg_attr(feature = "openapi", schema(examples("user_6Gm1c0rRZ0pW1q9x")))]
    pub sub: String,
    #[cfg_attr(feature = "openapi", schema(examples("Grace Hopper")))]
    pub name: String,
    /// At `practice.oauthlab.test`, a domain reserved for testing: no mail reaches anyone.
    #[cfg_attr(feature = "openapi", schema(examples("grace.hopper.042@practice.oauthlab.test")))]
    pub email: String,
}

const FIRST: [&str; 16] = [
    "Ada",
    "Alan",
    "Barbara",
    "Claude",
    "Donald",
    "Edsger",
    "Frances",
    "Grace",
    "Hedy",
    "Ivan",
    "Joan",
    "Katherine",
    "Leslie",
    "Margaret",
    "Niklaus",
    "Radia",
];
const LAST: [&str; 16] = [
    "Allen",
    "Backus",
    "Conway",
    "Dijkstra",
    "Engelbart",
    "Floyd",
    "Goldberg",
    "Hamilton",
    "Hopper",
    "Johnson",
    "Knuth",
    "Lamport",
    "Liskov",
    "Perlman",
    "Ritchie",
    "Wirth",
];

/// The practice user made from `digest` (32 bytes the server derives for the learner).
pub fn practice_user(digest: &[u8; 32]) -> PracticeUser {
    let sub = format!("user_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..12]));
    let first = FIRST[usize::from(digest[12]) % FIRST.len()];
    let last = LAST[usize::from(digest[13]) % LAST.len()];
    let number = u16::from_be_bytes([digest[14], digest[15]]) % 1000;
    let email = format!("{}.{}.{number:03}@{EMAIL_DOMAIN}", first.to_lowercase(), last.to_lowercase());
    PracticeUser { sub, name: format!("{first} {last}"), email }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_makes_one_user_with_a_well_formed_sub_name_and_test_email() {
        let digest = [7u8; 32];
        let user = practice_user(&digest);
        assert_eq!(user, practice_user(&digest), "the same digest, the same user");
        assert_eq!(user.sub.len(), 21);
        assert!(user.sub.starts_with("user_"));
        assert!(user.sub[5..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(user.name.split(' ').count(), 2);
        assert!(user.email.ends_with("@practice.oauthlab.test"), "{}", user.email);
        let mut other = digest;
        other[0] = 8;
        assert_ne!(practice_user(&other).sub, user.sub, "another digest, another subject");
    }
}
