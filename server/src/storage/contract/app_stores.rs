//! The contracts of the app's store traits: what the learner and instructor services
//! rely on.

use std::collections::BTreeMap;

use app::model::{LastCheck, SetupAttempt};
use app::services::instructor::{
    ClassRecord, ExerciseProgress, InstructorId, InstructorStore, JoinTarget, LearnerExercises, LearnerRow,
};
use app::services::store::{
    IdTokenAlg, LearnerReads, LearnerState, OwnServer, PracticeAppRecord, PracticeAppStore, ProgressStore,
    Receipts, ServerChoice, ServerChoiceStore, StoredProgress,
};
use app::services::{now_unix, LearnerId};
use oauthlab::exercises::client_credentials::{ClientKind, Receipt, TokenVia};
use oauthlab::exercises::refresh::{self, Progress};
use oauthlab::oauth::discovery::Metadata;
use oauthlab::verdict::{Finding, Verdict};

use super::next_second;

fn learner(id: &str) -> LearnerId {
    LearnerId(id.to_owned())
}

/// Progress with `steps` steps passed, and something in every field.
fn stored(steps: usize) -> StoredProgress {
    StoredProgress {
        tokens_kept: true,
        progress: serde_json::to_value(Progress {
            steps_passed: steps,
            challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
            authorization_url: Some("http://127.0.0.1/oauth2/authorize?client_id=lab_a".into()),
            token: Some(refresh::TokenRecord {
                access_token_sha256: "at-digest".into(),
                refresh_token_sha256: Some("rt-digest".into()),
                scope: Some("offline_access".into()),
                sub: Some("ada".into()),
                iat: Some(100),
            }),
            refreshed: None,
        })
        .expect("progress serializes"),
        last: BTreeMap::from([(
            "verifier".to_owned(),
            LastCheck {
                verdict: Verdict::new(vec![Finding::pass("pkce.verifier", "A good verifier.")]),
                jwt: None,
            },
        )]),
    }
}

pub async fn progress(store: &dyn ProgressStore) {
    let (ada, bob) = (learner("ada"), learner("bob"));
    let load = |who: &LearnerId, exercise: &'static str| {
        let who = who.clone();
        async move { store.load(&who, exercise).await.expect("load") }
    };
    assert_eq!(load(&ada, "refresh").await, StoredProgress::default(), "nothing saved: empty progress");
    store.save(&ada, "refresh", &stored(2)).await.expect("save");
    assert_eq!(load(&ada, "refresh").await, stored(2), "what was saved is loaded");
    store.save(&ada, "refresh", &stored(5)).await.expect("save again");
    assert_eq!(load(&ada, "refresh").await, stored(5), "a second save replaces the first");
    assert_eq!(load(&bob, "refresh").await, StoredProgress::default(), "one learner's progress is theirs");
    assert_eq!(load(&ada, "other").await, StoredProgress::default(), "and one exercise's is its own");
    store.save(&bob, "refresh", &stored(1)).await.expect("save bob");
    store.reset(&ada, "refresh").await.expect("reset");
    assert_eq!(load(&ada, "refresh").await, StoredProgress::default(), "reset empties it");
    assert_eq!(load(&bob, "refresh").await, stored(1), "of that learner only");
    store.reset(&ada, "refresh").await.expect("resetting nothing is no error");
}

/// Many writes at once (the SQLite store commits them together): each is kept, each
/// learner's last save wins, and a reset queued after a save empties the progress.
pub async fn progress_under_concurrent_writes<S: ProgressStore>(store: &S) {
    let learners: Vec<LearnerId> = (0..200).map(|n| learner(&format!("learner-{n}"))).collect();
    let saves = learners.iter().enumerate().map(|(n, who)| async move {
        store.save(who, "refresh", &stored(n % 5)).await.expect("first save");
        store.save(who, "refresh", &stored(n % 5 + 1)).await.expect("second save");
        if n % 10 == 0 {
            store.reset(who, "refresh").await.expect("reset");
        }
    });
    futures_util::future::join_all(saves).await;
    for (n, who) in learners.iter().enumerate() {
        let want = if n % 10 == 0 { StoredProgress::default() } else { stored(n % 5 + 1) };
        assert_eq!(store.load(who, "refresh").await.expect("load"), want, "{}", who.as_str());
    }
}

/// What a check reads at once is what each store holds.
pub async fn learner_reads<S: LearnerReads + ProgressStore + PracticeAppStore + ServerChoiceStore>(
    store: &S,
) {
    let ada = learner("ada");
    let empty = store.learner_state(&ada, "refresh").await.expect("read");
    assert_eq!(empty, LearnerState::default(), "a new learner: nothing, and no application yet");
    ProgressStore::save(store, &ada, "refresh", &stored(3)).await.expect("save");
    let app = store.get_or_create(&ada).await.expect("app");
    let choice = ServerChoice { own: None, last_attempt: Some(attempt("https://idp.example")) };
    ServerChoiceStore::save(store, &ada, &choice).await.expect("choice");
    let read = store.learner_state(&ada, "refresh").await.expect("read");
    assert_eq!(read, LearnerState { progress: stored(3), app: Some(app), choice });
    let other = store.learner_state(&ada, "other").await.expect("read");
    assert_eq!(other.progress, StoredProgress::default(), "another exercise's progress is its own");
    assert_eq!(store.learner_state(&learner("bob"), "refresh").await.expect("read"), LearnerState::default());
}

pub async fn practice_apps(store: &dyn PracticeAppStore) {
    let (ada, bob) = (learner("ada"), learner("bob"));
    let first = store.get_or_create(&ada).await.expect("create");
    assert!(!first.refresh_tokens_enabled, "made with refresh tokens off");
    assert_eq!(store.get_or_create(&ada).await.expect("again"), first, "made once, then found");
    let bobs = store.get_or_create(&bob).await.expect("create bob");
    assert_ne!(bobs.client_id, first.client_id, "each learner has their own client id");
    assert_eq!(
        store.find_by_client_id(&first.client_id).await.expect("find"),
        Some((ada.clone(), first.clone()))
    );
    assert_eq!(
        store.find_by_client_id(&bobs.client_id).await.expect("find"),
        Some((bob.clone(), bobs.clone()))
    );
    assert_eq!(store.find_by_client_id("lab_nobody").await.expect("find"), None);

    let on = store.set_refresh_tokens(&ada, true).await.expect("turn on");
    assert_eq!(
        on,
        PracticeAppRecord { refresh_tokens_enabled: true, ..first.clone() },
        "only the setting changes"
    );
    assert_eq!(store.get_or_create(&ada).await.expect("get"), on, "the setting is kept");
    assert_eq!(store.find_by_client_id(&on.client_id).await.expect("find"), Some((ada.clone(), on.clone())));
    assert_eq!(store.get_or_create(&bob).await.expect("get bob"), bobs, "for that learner only");
    let off = store.set_refresh_tokens(&ada, false).await.expect("turn off");
    assert!(!off.refresh_tokens_enabled);
    assert_eq!(off.client_id, first.client_id, "the client id stays");

    assert_eq!(
        first.id_token_alg,
        IdTokenAlg::Rs256,
        "ID tokens are RS256 unless the client registers ES256"
    );
    let es = store.set_id_token_alg(&ada, IdTokenAlg::Es256).await.expect("register ES256");
    assert_eq!(es, PracticeAppRecord { id_token_alg: IdTokenAlg::Es256, ..off.clone() });
    assert_eq!(store.get_or_create(&ada).await.expect("get"), es, "the algorithm is kept");
    assert_eq!(store.find_by_client_id(&es.client_id).await.expect("find"), Some((ada.clone(), es.clone())));
    assert_eq!(store.get_or_create(&bob).await.expect("get bob").id_token_alg, IdTokenAlg::Rs256);

    let carol = learner("carol");
    assert!(store.set_id_token_alg(&carol, IdTokenAlg::Es256).await.is_err(), "no application");
    assert!(store.set_refresh_tokens(&carol, true).await.is_err(), "no application: nothing to update");
    assert!(!store.get_or_create(&carol).await.expect("create carol").refresh_tokens_enabled);
}

/// The three clients of an application: distinct ids, each found with its kind; the public
/// client's allowed origins, unedited until set, bounded, and found by a preflight.
pub async fn practice_clients(store: &dyn PracticeAppStore) {
    let (ada, bob) = (learner("ada"), learner("bob"));
    let app = store.get_or_create(&ada).await.expect("create");
    let ids = [&app.client_id, &app.public_client_id, &app.service_client_id];
    for (i, id) in ids.iter().enumerate() {
        assert!(!id.is_empty());
        assert!(ids.iter().skip(i + 1).all(|other| other != id), "three distinct ids");
    }
    assert_eq!(app.origins, None, "unedited: the site's own origin");
    assert_eq!(app.allowed_origins("http://127.0.0.1:3000"), vec!["http://127.0.0.1:3000".to_owned()]);
    for (id, kind) in [
        (&app.client_id, ClientKind::Web),
        (&app.public_client_id, ClientKind::Public),
        (&app.service_client_id, ClientKind::Service),
    ] {
        assert_eq!(
            store.find_client(id).await.expect("find"),
            Some((ada.clone(), app.clone(), kind)),
            "{kind:?}"
        );
    }
    assert_eq!(store.find_client("lab_nobody").await.expect("find"), None);
    // find_by_client_id is the web client's only.
    assert_eq!(store.find_by_client_id(&app.public_client_id).await.expect("find"), None);
    assert_eq!(store.find_by_client_id(&app.service_client_id).await.expect("find"), None);
    let bobs = store.get_or_create(&bob).await.expect("bob");
    assert_ne!(bobs.public_client_id, app.public_client_id);
    assert_ne!(bobs.service_client_id, app.service_client_id);

    assert!(!store.origin_allowed("http://localhost:5173").await.expect("lookup"));
    let origins: Vec<String> =
        ["http://localhost:5173", "https://spa.example", "http://localhost:5173"].map(str::to_owned).to_vec();
    let edited = store.set_allowed_origins(&ada, &origins).await.expect("set");
    let kept = vec!["http://localhost:5173".to_owned(), "https://spa.example".to_owned()];
    assert_eq!(edited.origins.as_ref(), Some(&kept), "in order, once each");
    assert_eq!(edited.allowed_origins("http://127.0.0.1:3000"), kept, "the site's origin only when unedited");
    assert_eq!(
        (&edited.client_id, edited.refresh_tokens_enabled),
        (&app.client_id, app.refresh_tokens_enabled)
    );
    assert_eq!(store.get_or_create(&ada).await.expect("get"), edited, "kept");
    assert_eq!(store.find_client(&app.public_client_id).await.expect("find").map(|f| f.1), Some(edited));
    assert!(store.origin_allowed("https://spa.example").await.expect("lookup"));
    assert!(!store.origin_allowed("https://spa.example.evil").await.expect("lookup"));
    assert_eq!(store.get_or_create(&bob).await.expect("bob").origins, None, "for that learner only");
    // At most ten are kept; an empty list is a list (no origin allowed).
    let many: Vec<String> = (0..15).map(|i| format!("http://localhost:{}", 4000 + i)).collect();
    let capped = store.set_allowed_origins(&ada, &many).await.expect("set many");
    assert_eq!(capped.origins.as_deref(), Some(&many[..10]));
    assert!(!store.origin_allowed("https://spa.example").await.expect("lookup"), "replaced");
    assert!(!store.origin_allowed("http://localhost:4010").await.expect("lookup"), "past the bound");
    let none = store.set_allowed_origins(&ada, &[]).await.expect("set none");
    assert_eq!(none.origins, Some(vec![]));
    assert_eq!(none.allowed_origins("http://127.0.0.1:3000"), Vec::<String>::new());
    assert!(store.set_allowed_origins(&learner("carol"), &origins).await.is_err(), "no application");
}

/// Receipts: stored by digest, read until they expire, used once, forgotten when expired.
pub async fn receipts(store: &dyn Receipts) {
    let header = Receipt { token_sha256: "t1".into(), via: TokenVia::Header, used: false };
    let query = Receipt { token_sha256: "t2".into(), via: TokenVia::Query, used: false };
    assert_eq!(store.receipt("r1", 100).await.expect("read"), None);
    store.insert_receipt("r1", &header, 100, 200).await.expect("insert");
    store.insert_receipt("r2", &query, 100, 300).await.expect("insert");
    assert!(store.insert_receipt("r1", &query, 100, 200).await.is_err(), "a digest is stored once");
    assert_eq!(store.receipt("r1", 150).await.expect("read"), Some(header.clone()));
    assert_eq!(store.receipt("r2", 150).await.expect("read"), Some(query.clone()));
    assert!(store.mark_used("r1", 160).await.expect("use"), "the first use");
    assert!(!store.mark_used("r1", 161).await.expect("use again"), "one-time");
    assert!(!store.mark_used("unknown", 161).await.expect("use unknown"));
    assert_eq!(store.receipt("r1", 170).await.expect("read"), Some(Receipt { used: true, ..header }));
    assert_eq!(store.receipt("r1", 200).await.expect("read"), None, "expired");
    assert_eq!(store.forget_receipts(250).await.expect("forget"), 1);
    assert_eq!(store.receipt("r2", 250).await.expect("read"), Some(query), "not expired: kept");
    assert_eq!(store.forget_receipts(301).await.expect("forget"), 1);
    assert_eq!(store.receipt("r2", 100).await.expect("read"), None, "forgotten");
}

fn own_server(issuer: &str) -> OwnServer {
    OwnServer {
        metadata: Metadata {
            issuer: issuer.to_owned(),
            authorization_endpoint: format!("{issuer}/authorize"),
            token_endpoint: format!("{issuer}/token"),
            jwks_uri: Some(format!("{issuer}/jwks")),
            discovered_at: format!("{issuer}/.well-known/openid-configuration"),
        },
        client_id: Some("0oa-client".into()),
        redirect_uri: Some("http://127.0.0.1:3000/callback".into()),
    }
}

fn attempt(issuer: &str) -> SetupAttempt {
    SetupAttempt {
        issuer: issuer.to_owned(),
        client_id: "0oa-client".into(),
        redirect_uri: "http://127.0.0.1:3000/callback".into(),
        verdict: Verdict::new(vec![Finding::fail("provider.metadata", "No metadata.")]),
    }
}

pub async fn server_choices(store: &dyn ServerChoiceStore) {
    let (ada, bob) = (learner("ada"), learner("bob"));
    assert_eq!(
        store.load(&ada).await.expect("load"),
        ServerChoice::default(),
        "the built-in server at first"
    );
    let own = ServerChoice {
        own: Some(own_server("https://ada.example.com")),
        last_attempt: Some(attempt("https://ada.example.com")),
    };
    store.save(&ada, &own).await.expect("save");
    assert_eq!(store.load(&ada).await.expect("load"), own, "what was saved is loaded");
    assert_eq!(store.load(&bob).await.expect("load bob"), ServerChoice::default(), "per learner");
    let tried = ServerChoice { own: None, last_attempt: Some(attempt("https://bad.example.com")) };
    store.save(&ada, &tried).await.expect("save attempt");
    assert_eq!(store.load(&ada).await.expect("load"), tried, "a failed attempt alone is kept");
    store.save(&ada, &ServerChoice::default()).await.expect("save default");
    assert_eq!(store.load(&ada).await.expect("load"), ServerChoice::default(), "back to the built-in server");
}

pub async fn instructor_sessions(store: &dyn InstructorStore) {
    assert_eq!(store.instructor_by_email("ada@x").await.expect("find"), None);
    let ada = store.upsert_instructor("ada@x", "hash-1").await.expect("add ada");
    let bob = store.upsert_instructor("bob@x", "hash-b").await.expect("add bob");
    assert_ne!(ada, bob);
    assert_eq!(store.instructor_by_email("ada@x").await.expect("find"), Some((ada, "hash-1".to_owned())));
    assert!(store.create_session("s-nobody", InstructorId(999), 0).await.is_err());

    let now = now_unix();
    let session =
        |token: &'static str, at: i64| async move { store.session(token, at).await.expect("session") };
    for (token, who) in [("s1", ada), ("s2", ada), ("sb", bob)] {
        store.create_session(token, who, now + 100).await.expect("create session");
    }
    assert_eq!(session("s1", now).await, Some(ada));
    assert_eq!(session("sb", now).await, Some(bob));
    assert_eq!(session("s1", now + 99).await, Some(ada), "a session lasts until it expires");
    assert_eq!(session("s1", now + 100).await, None, "and ends when it does");
    assert_eq!(session("unknown", now).await, None);
    assert!(store.create_session("s1", ada, now + 100).await.is_err(), "a token digest is one session");

    store.delete_session("s1").await.expect("delete");
    assert_eq!(session("s1", now).await, None, "a deleted session is over");
    assert_eq!(session("s2", now).await, Some(ada), "and only that one");
    store.delete_session("unknown").await.expect("deleting nothing is no error");

    store.create_session("expired", ada, now - 10).await.expect("create expired");
    assert_eq!(session("expired", now - 20).await, Some(ada), "kept until another session starts");
    store.create_session("s3", ada, now + 100).await.expect("create s3");
    assert_eq!(session("expired", now - 20).await, None, "then an expired session is forgotten");

    let again = store.upsert_instructor("ada@x", "hash-2").await.expect("new password");
    assert_eq!(again, ada, "the same instructor");
    assert_eq!(store.instructor_by_email("ada@x").await.expect("find"), Some((ada, "hash-2".to_owned())));
    assert_eq!(session("s2", now).await, None, "a new password ends every session");
    assert_eq!(session("s3", now).await, None);
    assert_eq!(session("sb", now).await, Some(bob), "of that instructor only");
}

fn class(id: &str, join_code: &str) -> ClassRecord {
    ClassRecord {
        class_id: id.to_owned(),
        name: format!("Class {id}"),
        join_code: join_code.to_owned(),
        learners: 0,
    }
}

fn ids<T>(rows: &[T], id: impl Fn(&T) -> &str) -> Vec<&str> {
    rows.iter().map(id).collect()
}

/// One store holds classes, progress and server choices: the learner list shows each
/// learner's progress and server.
pub async fn instructor_classes<S: InstructorStore + ProgressStore + ServerChoiceStore>(store: &S) {
    let ada = store.upsert_instructor("ada@x", "hash-a").await.expect("add ada");
    let bob = store.upsert_instructor("bob@x", "hash-b").await.expect("add bob");
    assert_eq!(store.classes(ada).await.expect("classes"), vec![]);
    let learners = |who: InstructorId, class: Option<&'static str>| async move {
        store.learners(who, class).await.expect("learners")
    };

    // First a class and a learner, then (a second later) the rest: both lists are in the
    // order things were made, not by id.
    store.create_class(ada, &class("cls_z", "code-z")).await.expect("create z");
    store.join_class(&learner("zed"), "cls_z", Some("Zed")).await.expect("zed joins");
    next_second().await;
    store.create_class(ada, &class("cls_a", "code-a")).await.expect("create a");
    store.create_class(bob, &class("cls_bob", "code-bob")).await.expect("create bob's");
    store.join_class(&learner("amy"), "cls_a", None).await.expect("amy joins");
    store.join_class(&learner("bo"), "cls_bob", Some("Bo")).await.expect("bo joins");
    // Joining another class moves the learner, keeping their name and when they joined.
    store.join_class(&learner("zed"), "cls_a", None).await.expect("zed moves");

    let adas = store.classes(ada).await.expect("ada's classes");
    assert_eq!(ids(&adas, |c| &c.class_id), ["cls_z", "cls_a"], "an instructor's classes, oldest first");
    assert_eq!(adas[0], ClassRecord { learners: 0, ..class("cls_z", "code-z") }, "zed moved out");
    assert_eq!(adas[1], ClassRecord { learners: 2, ..class("cls_a", "code-a") });
    assert_eq!(
        store.classes(bob).await.expect("bob's"),
        vec![ClassRecord { learners: 1, ..class("cls_bob", "code-bob") }]
    );

    assert_eq!(store.class_by_code("code-a").await.expect("by code"), Some("cls_a".to_owned()));
    assert_eq!(store.class_by_code("code-bob").await.expect("by code"), Some("cls_bob".to_owned()));
    assert_eq!(store.class_by_code("code-none").await.expect("by code"), None);
    let target = |who: &'static str, code: &'static str| async move {
        store.join_target(&learner(who), code).await.expect("join target")
    };
    let name = class("cls_a", "code-a").name;
    let in_class = |current: Option<&str>| JoinTarget {
        class_id: "cls_a".into(),
        name: name.clone(),
        current_class: current.map(str::to_owned),
    };
    assert_eq!(target("amy", "code-a").await, Some(in_class(Some("cls_a"))), "in this class");
    assert_eq!(target("bo", "code-a").await, Some(in_class(Some("cls_bob"))), "in another");
    assert_eq!(target("newbie", "code-a").await, Some(in_class(None)), "in none");
    assert_eq!(target("amy", "code-none").await, None);
    assert!(
        store.create_class(ada, &class("cls_dup", "code-a")).await.is_err(),
        "a join code is one class's"
    );
    assert!(store.create_class(ada, &class("cls_a", "code-new")).await.is_err(), "a class id is one class's");
    assert_eq!(store.classes(ada).await.expect("classes").len(), 2);
    assert!(store.join_class(&learner("cy"), "cls_none", None).await.is_err(), "no such class to join");

    assert!(store.owns_class(ada, "cls_a").await.expect("owns"));
    assert!(!store.owns_class(bob, "cls_a").await.expect("owns"), "another instructor's class");
    assert!(!store.owns_class(ada, "cls_none").await.expect("owns"));

    let rows = learners(ada, None).await;
    assert_eq!(ids(&rows, |r| &r.learner_id), ["zed", "amy"], "learners in the order they first joined");
    let nothing_yet = ExerciseProgress { steps_passed: 0, completed: false, updated_at: None };
    assert_eq!(
        rows[0],
        LearnerRow {
            learner_id: "zed".into(),
            display_name: Some("Zed".into()),
            class_id: "cls_a".into(),
            exercises: LearnerExercises::default(),
            server: None,
        }
    );
    assert_eq!(rows[1].display_name, None);
    assert_eq!(ids(&learners(ada, Some("cls_a")).await, |r| &r.learner_id), ["zed", "amy"]);
    assert_eq!(learners(ada, Some("cls_z")).await, vec![], "one class's learners");
    assert_eq!(ids(&learners(bob, None).await, |r| &r.learner_id), ["bo"], "an instructor sees their own");
    assert_eq!(learners(bob, Some("cls_a")).await, vec![], "and no other's, even by class id");
    store.join_class(&learner("amy"), "cls_a", Some("Amy")).await.expect("amy names herself");
    assert_eq!(learners(ada, Some("cls_a")).await[1].display_name.as_deref(), Some("Amy"));

    let before = now_unix();
    ProgressStore::save(store, &learner("zed"), "refresh", &stored(5)).await.expect("zed's progress");
    ProgressStore::save(store, &learner("amy"), "other", &stored(3)).await.expect("amy's other progress");
    let own = ServerChoice { own: Some(own_server("https://zed.example.com")), last_attempt: None };
    ServerChoiceStore::save(store, &learner("zed"), &own).await.expect("zed's server");
    let tried = ServerChoice { own: None, last_attempt: Some(attempt("https://amy.example.com")) };
    ServerChoiceStore::save(store, &learner("amy"), &tried).await.expect("amy's attempt");
    let after = now_unix();
    let rows = learners(ada, None).await;
    let zed = rows[0].exercises.of("refresh");
    assert_eq!((zed.steps_passed, zed.completed), (5, true), "the refresh exercise's progress");
    assert!(zed.updated_at.is_some_and(|at| (before..=after).contains(&at)), "{:?}", zed.updated_at);
    assert_eq!(rows[0].server.as_deref(), Some("https://zed.example.com"), "the learner's own server");
    assert_eq!(rows[1].exercises.of("refresh"), nothing_yet, "another exercise is not the refresh one");
    let other = rows[1].exercises.of("other");
    assert_eq!((other.steps_passed, other.completed), (3, false), "each exercise's row is under its slug");
    assert_eq!(rows[1].server, None, "an attempt is not a server");

    // Rows for two exercises: each in its place, in one learner's list, not another's.
    ProgressStore::save(store, &learner("zed"), "getting-started", &stored(1)).await.expect("zed's second");
    let rows = learners(ada, None).await;
    assert_eq!(
        rows[0].exercises.0.keys().map(String::as_str).collect::<Vec<_>>(),
        ["getting-started", "refresh"],
        "every exercise zed has a row for"
    );
    let started = rows[0].exercises.of("getting-started");
    assert_eq!((started.steps_passed, started.completed), (1, false), "the second exercise's own progress");
    assert!(started.updated_at.is_some());
    assert_eq!(rows[0].exercises.of("refresh").steps_passed, 5, "the first one's kept");
    assert_eq!(
        rows[1].exercises.0.keys().map(String::as_str).collect::<Vec<_>>(),
        ["other"],
        "amy's are hers"
    );
    let (page, _) = store.learners_page(ada, "cls_a", None, 0, 10).await.expect("page");
    assert_eq!(page, rows, "a page shows the same progress as the list");

    ProgressStore::reset(store, &learner("zed"), "refresh").await.expect("reset zed");
    let rows = learners(ada, None).await;
    assert_eq!(rows[0].exercises.of("refresh"), nothing_yet, "reset shows as nothing yet");
    assert_eq!(rows[0].exercises.of("getting-started"), started, "in that exercise only");
}

/// A class's learners a page at a time, in the order they joined, and found by name.
pub async fn instructor_learner_pages<S: InstructorStore>(store: &S) {
    let ada = store.upsert_instructor("ada@x", "hash-a").await.expect("add ada");
    let bob = store.upsert_instructor("bob@x", "hash-b").await.expect("add bob");
    store.create_class(ada, &class("cls_p", "code-p")).await.expect("create");
    store.create_class(ada, &class("cls_q", "code-q")).await.expect("create another");
    let names = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "alan kay", "Edsger 100%_done"];
    for (i, name) in names.iter().enumerate() {
        store.join_class(&learner(&format!("l{i}")), "cls_p", Some(name)).await.expect("join");
    }
    store.join_class(&learner("nameless"), "cls_p", None).await.expect("join");
    store.join_class(&learner("other"), "cls_q", Some("Alan Other")).await.expect("join another class");
    let page = |who, search: Option<&'static str>, offset, limit| async move {
        let (rows, total) = store.learners_page(who, "cls_p", search, offset, limit).await.expect("page");
        (rows.into_iter().map(|r| r.learner_id).collect::<Vec<_>>(), total)
    };
    assert_eq!(page(ada, None, 0, 4).await, (vec!["l0".into(), "l1".into(), "l2".into(), "l3".into()], 6));
    assert_eq!(page(ada, None, 4, 4).await, (vec!["l4".into(), "nameless".into()], 6));
    assert_eq!(page(ada, None, 8, 4).await, (vec![], 6), "past the end");
    // By name, any case, this class only; % and _ are letters like any other.
    assert_eq!(page(ada, Some("ALAN"), 0, 10).await, (vec!["l1".into(), "l3".into()], 2));
    assert_eq!(page(ada, Some("ala"), 1, 10).await, (vec!["l3".into()], 2));
    assert_eq!(page(ada, Some("100%_"), 0, 10).await, (vec!["l4".into()], 1));
    assert_eq!(page(ada, Some("%"), 0, 10).await, (vec!["l4".into()], 1));
    assert_eq!(page(ada, Some("nobody"), 0, 10).await, (vec![], 0));
    assert_eq!(page(bob, None, 0, 10).await, (vec![], 0), "another instructor's class shows nothing");
}
