//! The contracts of the practice server's store traits: single-use codes and refresh
//! tokens, token families and their revocation, housekeeping, consents and signing keys;
//! and what the grader reads back ([`IssuedTokens`]).

use app::services::store::IssuedTokens;
use oauthlab::exercises::refresh::{Issued, IssuedGrant};

use crate::storage::{
    CodeRecord, CodeStore, ConsentStore, FamilyRevocation, KeyRecord, KeyStore, Redeemed, TokenKind,
    TokenRecord, TokenStore,
};
use TokenKind::{Access, Refresh};

fn code(digest: &str, expires_at: i64) -> CodeRecord {
    CodeRecord {
        code_sha256: digest.to_owned(),
        client_id: "lab_a".into(),
        learner_id: "ada".into(),
        redirect_uri: "http://127.0.0.1:3000/callback".into(),
        scope: "openid offline_access".into(),
        code_challenge: "challenge".into(),
        nonce: Some("nonce".into()),
        expires_at,
    }
}

pub async fn codes(store: &dyn CodeStore) {
    assert_eq!(store.redeem_code("unknown", 10).await.expect("redeem"), Redeemed::Unknown);
    let first = code("c1", 1000);
    store.insert_code(&first, 5).await.expect("insert");
    store.insert_code(&CodeRecord { nonce: None, ..code("c2", 1000) }, 5).await.expect("insert c2");
    store.insert_code(&code("c3", 500), 5).await.expect("insert c3");
    assert!(store.insert_code(&code("c1", 2000), 6).await.is_err(), "a code digest is stored once");

    assert_eq!(store.redeem_code("c1", 10).await.expect("redeem"), Redeemed::Fresh(first.clone()));
    assert_eq!(
        store.redeem_code("c1", 11).await.expect("again"),
        Redeemed::Reused(first.clone()),
        "single use"
    );
    assert_eq!(store.redeem_code("c1", 12).await.expect("again"), Redeemed::Reused(first.clone()));

    let second = CodeRecord { nonce: None, ..code("c2", 1000) };
    let (a, b) = tokio::join!(store.redeem_code("c2", 20), store.redeem_code("c2", 20));
    let both = [a.expect("redeem a"), b.expect("redeem b")];
    assert!(
        both.contains(&Redeemed::Fresh(second.clone())) && both.contains(&Redeemed::Reused(second)),
        "of two concurrent redemptions exactly one wins: {both:?}"
    );

    assert_eq!(store.forget_codes(500).await.expect("forget"), 0, "a code expiring at 500 is kept at 500");
    assert_eq!(store.forget_codes(501).await.expect("forget"), 1, "and forgotten after");
    assert_eq!(store.redeem_code("c3", 30).await.expect("redeem"), Redeemed::Unknown);
    assert_eq!(
        store.redeem_code("c1", 30).await.expect("redeem"),
        Redeemed::Reused(first),
        "the rest are kept"
    );
    assert_eq!(store.forget_codes(1001).await.expect("forget"), 2);
    assert_eq!(store.redeem_code("c1", 30).await.expect("redeem"), Redeemed::Unknown);
}

/// A token of `family` issued at `issued_at`, from the code (no parent) or by redeeming
/// the refresh token `parent`. Access tokens live 900 s, refresh tokens a day idle and a
/// week in all.
fn token(digest: &str, kind: TokenKind, family: &str, parent: Option<&str>, issued_at: i64) -> TokenRecord {
    let access = kind == TokenKind::Access;
    TokenRecord {
        token_sha256: digest.to_owned(),
        kind,
        family: family.to_owned(),
        client_id: "lab_a".into(),
        learner_id: "ada".into(),
        scope: "openid offline_access".into(),
        grant_type: if parent.is_some() { "refresh_token" } else { "authorization_code" }.into(),
        code_challenge: "challenge".into(),
        parent_sha256: parent.map(str::to_owned),
        refresh_enabled: true,
        jti: access.then(|| format!("jti-{digest}")),
        issued_at,
        expires_at: issued_at + if access { 900 } else { 86_400 },
        absolute_expires_at: issued_at + if access { 900 } else { 7 * 86_400 },
        used_at: None,
        revoked_at: None,
        client_auth: access.then(|| "client_secret_basic".into()),
        redirect_uri: Some("http://127.0.0.1:3000/callback".into()),
        nonce_sha256: Some(format!("nonce-digest-{family}")),
        granted_scope: Some("openid offline_access".into()),
        pkce_method: Some("S256".into()),
        code_reused: false,
        resource: None,
        audience: access.then(|| "http://127.0.0.1:3000/practice-api".into()),
    }
}

pub async fn tokens(store: &dyn TokenStore) {
    let find = |digest: &'static str| async move { store.find_token(digest).await.expect("find") };
    let revoked_at = |digest: &'static str| async move { find(digest).await.and_then(|t| t.revoked_at) };
    assert_eq!(find("unknown").await, None);
    // Family F: a code exchanged at 100 (a1, r1), r1 redeemed at 110 (a2, r2).
    let (a1, r1) = (token("a1", Access, "F", None, 100), token("r1", Refresh, "F", None, 100));
    for t in [&a1, &r1] {
        store.insert_token(t).await.expect("insert");
    }
    assert_eq!(find("a1").await, Some(a1.clone()), "a token is stored as given");
    assert_eq!(find("r1").await, Some(r1.clone()));
    assert!(store.insert_token(&token("a1", Access, "G", None, 1)).await.is_err(), "a digest is one token");
    assert_eq!(store.refresh_issued_with(&a1).await.expect("with"), Some("r1".to_owned()), "same response");

    let redeem = |digest: &'static str, client: &'static str, now: i64| async move {
        store.redeem_refresh(digest, client, now).await.expect("redeem")
    };
    assert_eq!(redeem("r1", "lab_other", 105).await, Redeemed::Unknown, "another client's token is unknown");
    assert_eq!(redeem("a1", "lab_a", 105).await, Redeemed::Unknown, "an access token is not a refresh token");
    assert_eq!(redeem("unknown", "lab_a", 105).await, Redeemed::Unknown);
    assert_eq!(find("r1").await, Some(r1.clone()), "none of those used it");
    let used = TokenRecord { used_at: Some(110), ..r1.clone() };
    assert_eq!(redeem("r1", "lab_a", 110).await, Redeemed::Fresh(used.clone()), "redeemed: now used");
    assert_eq!(redeem("r1", "lab_a", 120).await, Redeemed::Reused(used.clone()), "single use");
    assert_eq!(find("r1").await, Some(used));

    let (a2, r2) = (token("a2", Access, "F", Some("r1"), 110), token("r2", Refresh, "F", Some("r1"), 110));
    for t in [&a2, &r2] {
        store.insert_token(t).await.expect("insert");
    }
    assert_eq!(store.refresh_issued_with(&a2).await.expect("with"), Some("r2".to_owned()));
    // Family G: an access token alone; family H: another code's.
    let g1 = TokenRecord { refresh_enabled: false, ..token("g1", Access, "G", None, 100) };
    store.insert_token(&g1).await.expect("insert g1");
    store.insert_token(&token("h1", Access, "H", None, 200)).await.expect("insert h1");
    assert_eq!(store.refresh_issued_with(&g1).await.expect("with"), None, "no refresh token came with it");

    store.revoke_token("g1", 130).await.expect("revoke");
    assert_eq!(revoked_at("g1").await, Some(130));
    store.revoke_token("g1", 140).await.expect("revoke again");
    assert_eq!(revoked_at("g1").await, Some(130), "revoked once: the first time stays");
    store.revoke_token("unknown", 140).await.expect("revoking nothing is no error");

    store.revoke_token("a2", 145).await.expect("revoke a2");
    store.revoke_family("F", FamilyRevocation::RefreshTokenRedeemedTwice, 150).await.expect("revoke family");
    for digest in ["a1", "r1", "r2"] {
        assert_eq!(revoked_at(digest).await, Some(150), "{digest}: the whole family is revoked");
    }
    assert_eq!(revoked_at("a2").await, Some(145), "a token revoked before keeps its time");
    assert_eq!(revoked_at("h1").await, None, "other families are not touched");
    assert_eq!(revoked_at("g1").await, Some(130));
    assert!(!find("a1").await.is_some_and(|t| t.code_reused), "revoked, but not for a code redeemed twice");
    let Redeemed::Reused(r2_now) = redeem("r2", "lab_a", 155).await else {
        panic!("a revoked refresh token is not redeemed");
    };
    assert_eq!((r2_now.used_at, r2_now.revoked_at), (None, Some(150)));

    store.insert_token(&token("r3", Refresh, "F", Some("r2"), 160)).await.expect("insert r3");
    assert_eq!(revoked_at("r3").await, Some(150), "a token stored into a revoked family is born revoked");
    store.revoke_family("F", FamilyRevocation::RevokedByClient, 170).await.expect("revoke family again");
    store.insert_token(&token("a4", Access, "F", Some("r2"), 175)).await.expect("insert a4");
    assert_eq!(revoked_at("a4").await, Some(150), "the family keeps its first revocation");
    let given = TokenRecord { revoked_at: Some(171), ..token("a5", Access, "F", Some("r2"), 175) };
    store.insert_token(&given).await.expect("insert a5");
    assert_eq!(revoked_at("a5").await, Some(171), "a token stored revoked keeps its own time");

    // Access tokens die 900 s after issue: a1, g1 (issued at 100) before 1001; a2 (110),
    // a4 and a5 (175), h1 (200) after.
    assert_eq!(store.forget_tokens(1000, 0).await.expect("forget"), 0, "dying at 1000 is kept at 1000");
    assert_eq!(store.forget_tokens(1001, 0).await.expect("forget"), 2, "and forgotten after");
    for (digest, kept) in [("a1", false), ("g1", false), ("a2", true), ("r1", true), ("h1", true)] {
        assert_eq!(find(digest).await.is_some(), kept, "{digest}");
    }
    // Refresh tokens die a day idle after issue: r1, r2 (issued by 110) before 86_511.
    assert_eq!(store.forget_tokens(86_511, 0).await.expect("forget"), 2 + 4, "r1, r2, a2, a4, a5, h1");
    assert_eq!(find("r3").await.map(|t| t.token_sha256), Some("r3".to_owned()));

    store.forget_tokens(0, 150).await.expect("forget no mark");
    store.insert_token(&token("a6", Access, "F", Some("r3"), 180)).await.expect("insert a6");
    assert_eq!(revoked_at("a6").await, Some(150), "a family revoked at 150 is remembered at 150");
    store.forget_tokens(0, 151).await.expect("forget the mark");
    store.insert_token(&token("a7", Access, "F", Some("r3"), 181)).await.expect("insert a7");
    assert_eq!(
        revoked_at("a7").await,
        None,
        "once its mark is forgotten, a family's new token is not revoked"
    );
}

pub async fn issued<S: TokenStore + IssuedTokens>(store: &S) {
    assert_eq!(store.issued("unknown").await.expect("issued"), None);
    // One family: the code's tokens (a1, r1), then two refreshes (a2, r2), (a3, r3).
    let parents = [(None, 100), (Some("r1"), 110), (Some("r2"), 120)];
    for (i, (parent, at)) in parents.into_iter().enumerate() {
        let n = i + 1;
        store.insert_token(&token(&format!("a{n}"), Access, "F", parent, at)).await.expect("insert access");
        store.insert_token(&token(&format!("r{n}"), Refresh, "F", parent, at)).await.expect("insert refresh");
    }
    let from_code = Issued {
        // The record of how the token came to be, digests only.
        redirect_uri: Some("http://127.0.0.1:3000/callback".into()),
        nonce_sha256: Some("nonce-digest-F".into()),
        granted_scope: Some("openid offline_access".into()),
        pkce_method: Some("S256".into()),
        issued_at: Some(100),
        code_redeemed_twice: false,
        client_id: "lab_a".into(),
        grant: IssuedGrant::AuthorizationCode,
        code_challenge: "challenge".into(),
        requested_scope: "openid offline_access".into(),
        refresh_tokens_enabled: true,
        revoked: false,
        refresh_token_sha256: Some("r1".into()),
        refresh_ancestors: vec![],
        // How the client authenticated, and the code the family started from (its name).
        client_auth: Some("client_secret_basic".into()),
        code_sha256: Some("F".into()),
        resource: None,
        audience: Some("http://127.0.0.1:3000/practice-api".into()),
    };
    assert_eq!(store.issued("a1").await.expect("issued"), Some(from_code.clone()));
    assert_eq!(store.issued("r1").await.expect("issued"), None, "a refresh token is not an access token");
    assert_eq!(
        store.issued("a3").await.expect("issued"),
        Some(Issued {
            grant: IssuedGrant::RefreshToken,
            refresh_token_sha256: Some("r3".into()),
            refresh_ancestors: vec!["r2".into(), "r1".into()],
            issued_at: Some(120),
            ..from_code.clone()
        }),
        "the refresh tokens redeemed on the way, newest first"
    );
    let alone = TokenRecord { refresh_enabled: false, ..token("g1", Access, "G", None, 100) };
    store.insert_token(&alone).await.expect("insert alone");
    assert_eq!(
        store.issued("g1").await.expect("issued"),
        Some(Issued {
            refresh_tokens_enabled: false,
            refresh_token_sha256: None,
            code_sha256: Some("G".into()),
            nonce_sha256: Some("nonce-digest-G".into()),
            ..from_code.clone()
        })
    );
    store.revoke_family("F", FamilyRevocation::RevokedByClient, 130).await.expect("revoke");
    assert_eq!(
        store.issued("a1").await.expect("issued"),
        Some(Issued { revoked: true, ..from_code.clone() }),
        "revoked, not for a code redeemed twice"
    );
    store.revoke_family("F", FamilyRevocation::CodeRedeemedTwice, 140).await.expect("code replayed");
    assert_eq!(
        store.issued("a1").await.expect("issued"),
        Some(Issued { revoked: true, code_redeemed_twice: true, ..from_code }),
        "and then the code came again"
    );
    assert_eq!(store.issued("a3").await.expect("issued").map(|i| i.code_redeemed_twice), Some(true));
    assert_eq!(
        store.issued("g1").await.expect("issued").map(|i| (i.revoked, i.code_redeemed_twice)),
        Some((false, false)),
        "other families are not touched"
    );
    // A token without the record (stored before the server kept it) reads without it.
    let before = TokenRecord {
        client_auth: None,
        redirect_uri: None,
        nonce_sha256: None,
        granted_scope: None,
        pkce_method: None,
        ..token("o1", Access, "O", None, 90)
    };
    store.insert_token(&before).await.expect("insert old");
    let old = store.issued("o1").await.expect("issued").expect("o1");
    assert_eq!((old.client_auth, old.redirect_uri, old.nonce_sha256), (None, None, None));
    assert_eq!((old.granted_scope, old.pkce_method, old.issued_at), (None, None, Some(90)));
    // A client credentials token: no code, no refresh token, the resource it was for.
    let service = TokenRecord {
        client_id: "lab_s".into(),
        scope: "reports:read".into(),
        grant_type: "client_credentials".into(),
        code_challenge: String::new(),
        refresh_enabled: false,
        client_auth: Some("client_secret_post".into()),
        redirect_uri: None,
        nonce_sha256: None,
        granted_scope: Some("reports:read".into()),
        pkce_method: None,
        resource: Some("http://127.0.0.1:3000/practice-api".into()),
        ..token("s1", Access, "client_credentials:jti-s1", None, 200)
    };
    store.insert_token(&service).await.expect("insert service token");
    assert_eq!(
        store.issued("s1").await.expect("issued"),
        Some(Issued {
            client_id: "lab_s".into(),
            grant: IssuedGrant::ClientCredentials,
            code_challenge: String::new(),
            requested_scope: "reports:read".into(),
            refresh_tokens_enabled: false,
            revoked: false,
            refresh_token_sha256: None,
            refresh_ancestors: vec![],
            client_auth: Some("client_secret_post".into()),
            code_sha256: None,
            redirect_uri: None,
            nonce_sha256: None,
            granted_scope: Some("reports:read".into()),
            pkce_method: None,
            issued_at: Some(200),
            code_redeemed_twice: false,
            resource: Some("http://127.0.0.1:3000/practice-api".into()),
            audience: Some("http://127.0.0.1:3000/practice-api".into()),
        })
    );
}

/// Why a family was revoked: a code redeemed twice is marked on every token of the
/// family, those revoked before and those stored into it later, and outlives the mark.
pub async fn family_revocations(store: &dyn TokenStore) {
    let find = |digest: &'static str| async move { store.find_token(digest).await.expect("find") };
    let state =
        |digest: &'static str| async move { find(digest).await.map(|t| (t.revoked_at, t.code_reused)) };
    // Family K: a code exchanged at 100 (k1, kr1); its access token revoked alone at 105.
    for t in [token("k1", Access, "K", None, 100), token("kr1", Refresh, "K", None, 100)] {
        store.insert_token(&t).await.expect("insert");
    }
    store.insert_token(&token("x1", Access, "X", None, 100)).await.expect("insert x1");
    store.revoke_token("k1", 105).await.expect("revoke k1");
    store.revoke_family("K", FamilyRevocation::CodeRedeemedTwice, 110).await.expect("code replayed");
    assert_eq!(state("k1").await, Some((Some(105), true)), "revoked before, and now marked as well");
    assert_eq!(state("kr1").await, Some((Some(110), true)));
    assert_eq!(state("x1").await, Some((None, false)), "other families are not touched");
    // The redemption the replay raced stores its tokens after: born revoked and marked.
    store.insert_token(&token("k2", Access, "K", None, 111)).await.expect("insert k2");
    assert_eq!(state("k2").await, Some((Some(110), true)));
    // A refresh token's replay revokes, but is no code's.
    store.insert_token(&token("l1", Access, "L", None, 100)).await.expect("insert l1");
    store
        .revoke_family("L", FamilyRevocation::RefreshTokenRedeemedTwice, 120)
        .await
        .expect("refresh replayed");
    assert_eq!(state("l1").await, Some((Some(120), false)));
    store.insert_token(&token("l2", Access, "L", None, 121)).await.expect("insert l2");
    assert_eq!(state("l2").await, Some((Some(120), false)));
    // ... and a code replayed after that keeps the first time and adds the mark, to the
    // tokens and to the family's mark.
    store.revoke_family("L", FamilyRevocation::CodeRedeemedTwice, 130).await.expect("code replayed");
    assert_eq!(state("l1").await, Some((Some(120), true)));
    store.insert_token(&token("l3", Access, "L", None, 131)).await.expect("insert l3");
    assert_eq!(state("l3").await, Some((Some(120), true)));
    // Once the marks are forgotten, the tokens keep what they were told; a new one is
    // neither revoked nor marked.
    store.forget_tokens(0, 1000).await.expect("forget the marks");
    assert_eq!(state("k1").await, Some((Some(105), true)));
    store.insert_token(&token("k3", Access, "K", None, 140)).await.expect("insert k3");
    assert_eq!(state("k3").await, Some((None, false)));
}

pub async fn consents(store: &dyn ConsentStore) {
    let consent = |learner: &'static str, client: &'static str| async move {
        store.consent(learner, client).await.expect("consent").map(|c| c.scope)
    };
    assert_eq!(consent("ada", "lab_a").await, None, "nothing granted yet");
    store.save_consent("ada", "lab_a", "openid", 10).await.expect("save");
    assert_eq!(consent("ada", "lab_a").await.as_deref(), Some("openid"));
    assert_eq!(consent("bob", "lab_a").await, None, "per learner");
    assert_eq!(consent("ada", "lab_b").await, None, "and per client");
    store.save_consent("ada", "lab_a", "openid offline_access", 20).await.expect("save again");
    assert_eq!(
        consent("ada", "lab_a").await.as_deref(),
        Some("openid offline_access"),
        "the last grant counts"
    );
    assert_eq!(store.consent("ada", "lab_a").await.expect("consent").map(|c| c.at), Some(20), "and its time");
}

pub async fn keys(store: &dyn KeyStore) {
    assert_eq!(store.keys().await.expect("keys"), vec![], "no key yet");
    let key = |generation: i64, kid: &str, created_at| KeyRecord {
        generation,
        kid: kid.into(),
        created_at,
        retired_at: None,
    };
    store.insert_key(&key(1, "k1", 10)).await.expect("insert 1");
    store.insert_key(&key(2, "k2", 20)).await.expect("insert 2");
    assert_eq!(store.keys().await.expect("keys"), vec![key(2, "k2", 20), key(1, "k1", 10)], "newest first");
    store.insert_key(&key(1, "k1-again", 30)).await.expect("a generation stored twice is no error");
    assert_eq!(store.keys().await.expect("keys")[1], key(1, "k1", 10), "the first one stays");
    assert!(store.insert_key(&key(3, "k1", 40)).await.is_err(), "a kid names one generation");

    store.retire_key(1, 50).await.expect("retire");
    store.retire_key(1, 60).await.expect("retire again");
    store.retire_key(9, 60).await.expect("retiring no key is no error");
    assert_eq!(
        store.keys().await.expect("keys"),
        vec![key(2, "k2", 20), KeyRecord { retired_at: Some(50), ..key(1, "k1", 10) }],
        "retired once, at the first time"
    );
    // Instances starting together make the same next key at once: each insert succeeds
    // (races are decided by timing: twenty rounds of eight).
    for generation in 100..120 {
        let next = key(generation, &format!("k{generation}"), 40);
        let racing = futures_util::future::join_all((0..8).map(|_| store.insert_key(&next))).await;
        assert!(racing.iter().all(Result::is_ok), "{racing:?}");
        assert_eq!(store.keys().await.expect("keys")[0], next);
    }
}
