//! Hostile input against the real binary, in a process of its own so that its resident
//! memory can be read: each case asserts the answer (status and what it says, naming the
//! limit where there is one) and a bound on the answer's size or on the memory it cost.
//! No case measures time: speed belongs in a benchmark.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{client, RealServer};

/// A learner's browser against a [`RealServer`]: its own cookie jar.
struct Browser {
    client: reqwest::Client,
    base: String,
}

/// What came back: the status and the body, as text.
struct Answer {
    status: u16,
    body: String,
}

impl Answer {
    async fn of(res: reqwest::Response) -> Self {
        let status = res.status().as_u16();
        let bytes = res.bytes().await.expect("body");
        Self { status, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.head()))
    }

    /// The start of the body, for failure messages.
    fn head(&self) -> String {
        self.body.chars().take(600).collect()
    }

    /// The status is `status`, the body says `says` and is at most `max` bytes.
    fn expect(&self, status: u16, says: &str, max: usize) -> &Self {
        assert_eq!(self.status, status, "{}", self.head());
        assert!(self.body.contains(says), "no {says:?} in {}", self.head());
        assert!(
            self.body.len() <= max,
            "{} bytes answered, more than {max}: {}",
            self.body.len(),
            self.head()
        );
        self
    }
}

impl Browser {
    fn new(server: &RealServer) -> Self {
        Self { client: client(), base: server.base.clone() }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    async fn get(&self, path: &str) -> Answer {
        Answer::of(self.client.get(self.url(path)).send().await.expect("get")).await
    }

    async fn post_json(&self, path: &str, body: &Value) -> Answer {
        Answer::of(self.client.post(self.url(path)).json(body).send().await.expect("post")).await
    }

    /// A body sent as is, as JSON.
    async fn post_raw(&self, path: &str, body: Vec<u8>) -> Answer {
        let req = self.client.post(self.url(path)).header("content-type", "application/json").body(body);
        Answer::of(req.send().await.expect("post")).await
    }

    async fn check(&self, step: &str, input: &str) -> Answer {
        self.post_json(&format!("/api/v1/exercises/refresh/steps/{step}/check"), &json!({"input": input}))
            .await
    }

    /// Steps 1-2 passed; the challenge.
    async fn pass_first_two_steps(&self) -> String {
        let pkce = self.post_json("/api/v1/pkce/generate", &json!({})).await.json();
        let verifier = pkce["verifier"].as_str().expect("verifier");
        let challenge = pkce["challenge"].as_str().expect("challenge").to_owned();
        assert_eq!(self.check("verifier", verifier).await.json()["passed"], true);
        assert_eq!(self.check("challenge", &challenge).await.json()["passed"], true);
        challenge
    }

    /// The practice application's client id.
    async fn client_id(&self) -> String {
        self.get("/api/v1/practice/app").await.json()["client_id"].as_str().expect("client_id").to_owned()
    }

    /// A step 3 URL that passes, for this learner and `challenge`.
    async fn authorization_url(&self, challenge: &str) -> String {
        let client_id = self.client_id().await;
        let mut url = url::Url::parse(&self.url("/oauth2/authorize")).expect("url");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &client_id)
            .append_pair("state", "Xq3v9LwP2sTa")
            .append_pair("scope", "openid offline_access")
            .append_pair("redirect_uri", &self.url("/redirect"))
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256");
        url.to_string()
    }

    /// Steps 1-3 passed; step 4 is current.
    async fn reach_step_four(&self) {
        let challenge = self.pass_first_two_steps().await;
        let url = self.authorization_url(&challenge).await;
        let verdict = self.check("authorization-url", &url).await.json();
        assert_eq!(verdict["passed"], true, "{verdict}");
    }
}

/// After the hostile traffic: the server still runs and nothing in it panicked.
fn still_well(server: &mut RealServer) {
    assert!(server.running(), "the server died: {}", server.stderr());
    let stderr = server.stderr();
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Growth of resident memory since `baseline`, in MiB; printed for the record.
fn growth_mib(server: &RealServer, baseline_kib: u64, what: &str) -> u64 {
    let now = server.resident_kib();
    eprintln!("{what}: resident {} MiB -> {} MiB", baseline_kib / 1024, now / 1024);
    now.saturating_sub(baseline_kib) / 1024
}

/// `count` distinct parameter names of three characters (62³ are possible).
fn distinct_names(count: usize) -> Vec<String> {
    let digits: Vec<char> = ('a'..='z').chain('A'..='Z').chain('0'..='9').collect();
    (0..count).map(|i| [i / 3844 % 62, i / 62 % 62, i % 62].iter().map(|d| digits[*d]).collect()).collect()
}

/// Send `request` as raw bytes on a new connection; the answer's bytes, read until the
/// server closes (at most 1 MiB and 10 seconds).
async fn raw(server: &RealServer, request: &[u8]) -> Vec<u8> {
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.expect("connect");
    // The server may answer (and close) before it has read everything.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while answer.len() < 1 << 20 {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    answer
}

/// The status of a raw answer (0 when there is none).
fn raw_status(answer: &[u8]) -> u16 {
    String::from_utf8_lossy(answer).split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

#[tokio::test]
async fn a_64_kib_form_of_16_000_parameters_at_the_token_endpoint_is_refused_naming_the_cap() {
    let mut server = RealServer::start().await;
    let body = distinct_names(16_000).join("&");
    assert!(body.len() <= 64 * 1024, "{}", body.len());
    let http = reqwest::Client::new();
    let send = |path: &'static str| {
        http.post(server.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
    };
    let baseline = server.resident_kib();
    for path in ["/oauth2/token", "/oauth2/revoke", "/oauth2/introspect"] {
        let answer = Answer::of(send(path).await.expect("post")).await;
        // Refused before any client authentication (no 401), as an OAuth error.
        answer.expect(400, "more than 50 parameters", 512);
        assert_eq!(answer.json()["error"], "invalid_request", "{path}");
    }
    // Fifty more, ten at a time: the memory they cost does not stay.
    for _ in 0..5 {
        let round: Vec<_> = (0..10).map(|_| send("/oauth2/token")).collect();
        for res in round {
            Answer::of(res.await.expect("post")).await.expect(400, "more than 50 parameters", 512);
        }
    }
    assert!(growth_mib(&server, baseline, "53 floods of parameters") < 16);
    still_well(&mut server);
}

#[tokio::test]
async fn step_three_with_thousands_of_parameters_or_over_4096_characters_gets_one_small_finding() {
    let mut server = RealServer::start().await;
    let learner = Browser::new(&server);
    let challenge = learner.pass_first_two_steps().await;
    let good = learner.authorization_url(&challenge).await;
    let many = format!("{good}{}", "&a".repeat(1_500));
    assert!(many.len() < 4096);
    let long = format!("{good}{}", "&x=1".repeat(15_000));
    let invisible = format!("{good}&state={}", "\u{200B}".repeat(3_000));
    let repeated = format!("{good}{}", "&client_id=x".repeat(40));
    for (url, says) in [
        (many, "more than 50 parameters"),
        (long, "longer than 4096 characters"),
        (invisible, "zero-width space"),
        (repeated, "client_id"),
    ] {
        let answer = learner.check("authorization-url", &url).await;
        answer.expect(200, says, 8 * 1024);
        let verdict = answer.json();
        assert_eq!(verdict["passed"], false, "{verdict}");
        assert!(verdict["findings"].as_array().is_some_and(|f| f.len() <= 20), "{verdict}");
    }
    still_well(&mut server);
}

#[tokio::test]
async fn a_body_over_64_kib_is_413_wherever_it_is_sent() {
    let mut server = RealServer::start().await;
    let learner = Browser::new(&server);
    let big = "x".repeat(64 * 1024 + 1);
    let api = learner.check("verifier", &big).await;
    api.expect(413, "larger than 64 KiB", 512);
    assert_eq!(api.json()["error"], "payload_too_large");
    let token = Answer::of(
        reqwest::Client::new()
            .post(server.url("/oauth2/token"))
            .form(&[("grant_type", big.as_str())])
            .send()
            .await
            .expect("post"),
    )
    .await;
    token.expect(413, "larger than 64 KiB", 512);
    assert_eq!(token.json()["error"], "invalid_request");
    let form =
        learner.client.post(learner.url("/fn/check_step")).form(&[("step", "verifier"), ("input", &big)]);
    Answer::of(form.send().await.expect("post")).await.expect(413, "larger than 64 KiB", 8 * 1024);
    // A body whose declared length is false: the connection ends, nothing is answered 5xx.
    let lying = format!(
        "POST /api/v1/pkce/generate HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: 10000000\r\nConnection: close\r\n\r\n{{}}",
        server.addr()
    );
    let answer = raw(&server, lying.as_bytes()).await;
    assert!(raw_status(&answer) == 413 || answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    still_well(&mut server);
}

/// 400 cookieless sessions, each reaching step 4 and pasting a 56 KB token: what the
/// server keeps for their next page views is bounded. A decoded token over 16 KiB is not
/// kept: they grow the server by about 3 MiB; keeping such tokens, by 20 MiB (and 200
/// sessions grew it by 148 MiB before the page state was cut down). Since the checks
/// read at most 32 KiB of a pasted response, such a token is not even decoded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_hundred_sessions_pasting_56_kb_tokens_cost_bounded_memory() {
    const WORKERS: usize = 8;
    const SESSIONS_EACH: usize = 50;
    let mut server = RealServer::start().await;
    // One session first, so that what every server holds anyway is in the baseline.
    paste_big_token_at(&server.base, 0).await;
    let baseline = server.resident_kib();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..WORKERS {
        let base = server.base.clone();
        tasks.spawn(async move {
            for n in 0..SESSIONS_EACH {
                paste_big_token_at(&base, 1 + worker * SESSIONS_EACH + n).await;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("a session");
    }
    let grown = growth_mib(&server, baseline, "400 sessions with 56 KB tokens");
    assert!(grown < 14, "resident memory grew by {grown} MiB");
    still_well(&mut server);
}

/// A new learner reaches step 4 and pastes a token response with a 56 KB made-up JWT.
async fn paste_big_token_at(base: &str, n: usize) {
    let learner = Browser { client: client(), base: base.to_owned() };
    learner.reach_step_four().await;
    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let header = b64(&json!({"alg": "ES256", "typ": "at+jwt", "kid": "k"}));
    let claims = b64(&json!({
        "iss": base, "sub": format!("learner-{n}"), "aud": "x", "exp": 4_000_000_000u64,
        "iat": 1_700_000_000u64, "jti": format!("jti-{n}"), "scope": "offline_access",
        "padding": format!("{n}-{}", "A".repeat(41_000)),
    }));
    let jwt = format!("{header}.{claims}.{}", "s".repeat(86));
    let response = json!({"token_type": "Bearer", "access_token": jwt, "refresh_token": format!("rt-{n}"),
        "expires_in": 900, "scope": "offline_access"})
    .to_string();
    assert!((55_000..60_000).contains(&response.len()), "{}", response.len());
    let answer = learner.check("token-response", &response).await;
    // Over the 32 KiB a check reads of a pasted response: refused before it is decoded.
    answer.expect(200, "longer than 32 KiB (32768 bytes)", 8 * 1024);
    assert_eq!(answer.json()["passed"], false);
    // The page view that shows the last paste.
    let page = learner.get("/exercises/refresh").await;
    assert_eq!(page.status, 200);
}

#[tokio::test]
async fn a_60_000_character_issuer_is_refused_and_not_stored() {
    let mut server = RealServer::start().await;
    let learner = Browser::new(&server);
    let issuer = format!("https://idp.example/{}", "q".repeat(60_000));
    let res = learner
        .client
        .put(learner.url("/api/v1/exercises/refresh/provider"))
        .json(&json!({"issuer": issuer}))
        .send()
        .await
        .expect("put");
    let answer = Answer::of(res).await;
    answer.expect(400, "longer than 2048 characters", 1024);
    assert_eq!(answer.json()["error"], "invalid_request");
    let provider = learner.get("/api/v1/exercises/refresh/provider").await.json();
    assert!(provider["last_attempt"].is_null(), "{provider}");
    assert!(!server.database_text().await.contains(&"q".repeat(100)), "the issuer was stored");
    still_well(&mut server);
}

#[tokio::test]
async fn a_forged_learner_cookie_is_replaced_not_accepted() {
    let mut server = RealServer::start().await;
    let learner = Browser::new(&server);
    learner.pass_first_two_steps().await;
    let forged_token = "A".repeat(43);
    for forged in [
        format!("{forged_token}.{}", "B".repeat(43)),
        forged_token.clone(),
        format!("{forged_token}.{}", "B".repeat(4_000)),
        format!("{}.{}", "A".repeat(3_000), "B".repeat(43)),
        "\u{1F600}".repeat(10),
    ] {
        let sent = format!("oauthlab_session={forged}");
        let res = reqwest::Client::new()
            .get(server.url("/api/v1/exercises/refresh"))
            .header("cookie", sent.as_bytes())
            .send()
            .await
            .expect("get");
        let set = res
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no new cookie for {forged:.60}"));
        assert!(set.starts_with("oauthlab_session=") && !set.contains(&forged), "{set}");
        let answer = Answer::of(res).await;
        answer.expect(200, "\"status\":\"current\"", 8 * 1024);
        assert_eq!(answer.json()["steps"][0]["status"], "current", "the forged session has no progress");
    }
    still_well(&mut server);
}

#[tokio::test]
async fn deep_nesting_huge_numbers_invalid_utf8_and_nul_bytes_get_4xx_or_a_verdict() {
    let mut server = RealServer::start().await;
    let learner = Browser::new(&server);
    learner.reach_step_four().await;
    let deep_arrays = "[".repeat(10_000);
    let deep_objects = "{\"a\":".repeat(8_000);
    // As the request body itself: refused by its type where one is expected, else at
    // serde_json's depth limit.
    for body in [deep_arrays.clone(), format!("{{\"input\": {deep_objects}")] {
        let answer =
            learner.post_raw("/api/v1/exercises/refresh/steps/token-response/check", body.into()).await;
        answer.expect(400, "not what this endpoint takes", 1024);
    }
    for body in [format!("{{\"a\": {deep_arrays}"), format!("{{\"a\": {deep_objects}")] {
        let answer = learner.post_raw("/api/v1/pkce/generate", body.into()).await;
        answer.expect(400, "recursion limit exceeded", 1024);
        assert_eq!(answer.json()["error"], "invalid_json");
    }
    // As the pasted token response: within the 32 KiB a check reads of one, and past it.
    for pasted in [deep_arrays, "{\"a\":".repeat(6_000)] {
        let answer = learner.check("token-response", &pasted).await;
        answer.expect(200, "nested more than 128 levels", 8 * 1024);
        assert_eq!(answer.json()["passed"], false);
    }
    let answer = learner.check("token-response", &deep_objects).await;
    answer.expect(200, "longer than 32 KiB (32768 bytes)", 8 * 1024);
    // Huge numbers: in the body, and in what is pasted.
    let huge = format!("1{}", "0".repeat(50_000));
    for body in [
        format!("{{\"refresh_tokens_enabled\": {huge}}}"),
        "{\"refresh_tokens_enabled\": 1e999999}".to_owned(),
    ] {
        let res = learner
            .client
            .put(learner.url("/api/v1/practice/app"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("put");
        Answer::of(res).await.expect(400, "not what this endpoint takes", 1024);
    }
    for expires_in in [huge.as_str(), "1e999999", "-1e999999", "1e-999999", "18446744073709551616"] {
        let pasted = format!(
            "{{\"token_type\":\"Bearer\",\"access_token\":\"at\",\"refresh_token\":\"rt\",\
             \"expires_in\":{expires_in},\"scope\":\"offline_access\"}}"
        );
        // Out of range for JSON numbers as read, or not the lifetime a server sends.
        learner.check("token-response", &pasted).await.expect(200, "\"passed\":false", 8 * 1024);
    }
    // Invalid UTF-8: in a JSON body, and inside a pasted string escape.
    let answer = learner
        .post_raw("/api/v1/exercises/refresh/steps/verifier/check", b"{\"input\": \"\xff\xfe\"}".to_vec())
        .await;
    answer.expect(400, "invalid unicode", 1024);
    let answer = learner.check("token-response", "{\"access_token\": \"\\udc00\"}").await;
    assert_eq!(answer.status, 200, "{}", answer.head());
    // NUL bytes: graded as characters of the input, on every step.
    for step in ["verifier", "challenge", "authorization-url", "token-response"] {
        let answer = learner.check(step, &format!("abc\u{0}def{}", "\u{0}".repeat(10_000))).await;
        assert!(matches!(answer.status, 200 | 409), "{step}: {}", answer.head());
        assert!(answer.body.len() <= 8 * 1024, "{step}: {} bytes", answer.body.len());
    }
    still_well(&mut server);
}

#[tokio::test]
async fn invalid_utf8_and_nul_bytes_in_forms_and_queries_are_4xx() {
    let mut server = RealServer::start().await;
    let http = reqwest::Client::new();
    for body in [&b"grant_type=%FF%FE&code=%00"[..], b"grant_type=\xff\xfe", b"\x00\x00=\x00"] {
        let res = http
            .post(server.url("/oauth2/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_vec())
            .send()
            .await
            .expect("post");
        let answer = Answer::of(res).await;
        assert!(matches!(answer.status, 400 | 401), "{}", answer.head());
        assert!(answer.body.len() <= 1024, "{}", answer.head());
    }
    for path in [
        "/oauth2/authorize?client_id=%FF&response_type=%00",
        "/exercises/refresh?x=%FF%00",
        "/redirect?code=%FF%FE%00&state=%C0%80",
        "/api/v1/exercises/%FF%00",
        "/join/%FF%00",
    ] {
        let answer = Answer::of(http.get(server.url(path)).send().await.expect("get")).await;
        assert!(answer.status < 500, "{path}: {}", answer.head());
        assert!(answer.body.len() <= 64 * 1024, "{path}: {} bytes", answer.body.len());
    }
    // Raw bytes the URL and header grammar does not allow: refused by the HTTP parser.
    for request in [
        &b"GET /exercises/refresh?\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"[..],
        b"GET /\x00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Nul: a\x00b\r\nConnection: close\r\n\r\n",
    ] {
        let answer = raw(&server, request).await;
        let status = raw_status(&answer);
        assert!(status == 400 || answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    }
    still_well(&mut server);
}

#[tokio::test]
async fn very_long_and_very_many_headers_are_refused_and_cost_no_memory() {
    let mut server = RealServer::start().await;
    let learner = Browser::new(&server);
    learner.get("/api/v1/exercises").await;
    let baseline = server.resident_kib();
    // Long values hyper still reads: the answer is an ordinary one.
    for (name, value) in [("user-agent", "u".repeat(60_000)), ("cookie", format!("a={}", "c".repeat(60_000)))]
    {
        let res = learner.client.get(learner.url("/api/v1/exercises")).header(name, value).send().await;
        let answer = Answer::of(res.expect("get")).await;
        answer.expect(200, "refresh", 8 * 1024);
    }
    let long_origin = format!("http://{}", "o".repeat(60_000));
    let res = learner
        .client
        .post(learner.url("/api/v1/pkce/generate"))
        .header("origin", long_origin)
        .json(&json!({}))
        .send()
        .await
        .expect("post");
    Answer::of(res).await.expect(403, "OAuth Lab's own pages", 1024);
    // Past what the server reads: one header of 1 MiB, or 1 000 headers.
    let huge =
        format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n", "h".repeat(1 << 20));
    let many = format!(
        "GET / HTTP/1.1\r\nHost: x\r\n{}Connection: close\r\n\r\n",
        (0..1_000).map(|i| format!("X-H{i}: v\r\n")).collect::<String>()
    );
    for request in [huge, many] {
        for _ in 0..20 {
            let answer = raw(&server, request.as_bytes()).await;
            let status = raw_status(&answer);
            assert!(matches!(status, 400 | 431) || answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
            assert!(answer.len() <= 1024, "{} bytes", answer.len());
        }
    }
    assert!(growth_mib(&server, baseline, "40 requests with huge headers") < 16);
    still_well(&mut server);
}

/// The pages' router files each query parameter by comparing it with every one before:
/// 10 000 parameters took it a second. Past 50 the guard refuses the request first.
#[tokio::test]
async fn a_query_of_10_000_parameters_is_refused_naming_the_cap_on_pages_the_api_and_authorize() {
    let mut server = RealServer::start().await;
    let learner = Browser::new(&server);
    let query = distinct_names(10_000).iter().map(|n| format!("{n}=1")).collect::<Vec<_>>().join("&");
    learner.get(&format!("/oauth2/authorize?{query}")).await.expect(
        400,
        "more than 50 parameters",
        16 * 1024,
    );
    let pages = [
        "/",
        "/exercises/refresh",
        "/exercises/refresh/provider",
        "/practice/app",
        "/instructor",
        "/redirect",
    ];
    for page in pages {
        let res = learner.client.get(learner.url(&format!("{page}?{query}"))).header("accept", "text/html");
        let answer = Answer::of(res.send().await.expect("get")).await;
        answer.expect(400, "more than 50 query parameters", 8 * 1024);
        assert!(answer.body.starts_with("<!DOCTYPE html>"), "{page}: {}", answer.head());
    }
    for api in ["/api/v1/exercises", "/api/v1/exercises/refresh", "/api/v1/practice/app"] {
        let answer = learner.get(&format!("{api}?{query}")).await;
        answer.expect(400, "more than 50 query parameters", 1024);
        assert_eq!(answer.json()["error"], "invalid_request");
    }
    // Up to the cap, pages are shown as ever.
    let fifty = distinct_names(50).iter().map(|n| format!("{n}=1")).collect::<Vec<_>>().join("&");
    for page in pages {
        let answer = learner.get(&format!("{page}?{fifty}")).await;
        assert!(matches!(answer.status, 200 | 401), "{page}: {} {}", answer.status, answer.head());
    }
    still_well(&mut server);
}

#[tokio::test]
async fn many_duplicate_parameters_are_refused_by_name() {
    let mut server = RealServer::start().await;
    let learner = Browser::new(&server);
    let repeated = (0..49).map(|_| "grant_type=authorization_code").collect::<Vec<_>>().join("&");
    let res = reqwest::Client::new()
        .post(server.url("/oauth2/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(repeated)
        .send()
        .await
        .expect("post");
    let answer = Answer::of(res).await;
    answer.expect(400, "grant_type", 512);
    assert_eq!(answer.json()["error"], "invalid_request");
    let client_id = learner.client_id().await;
    let query = (0..49).map(|_| format!("client_id={client_id}")).collect::<Vec<_>>().join("&");
    learner.get(&format!("/oauth2/authorize?{query}")).await.expect(400, "client_id", 16 * 1024);
    still_well(&mut server);
}

/// Names in the path are said back in error messages: cut short, whatever their length.
#[tokio::test]
async fn a_long_name_in_the_path_is_not_said_back_whole() {
    let mut server = RealServer::start().await;
    let learner = Browser::new(&server);
    let long = "z".repeat(30_000);
    for path in [
        format!("/api/v1/exercises/{long}"),
        format!("/api/v1/exercises/refresh/steps/{long}/check"),
        format!("/api/v1/exercises/{long}/steps/verifier/check"),
        format!("/api/v1/{long}"),
        format!("/exercises/{long}"),
        format!("/join/{long}"),
        format!("/{long}"),
    ] {
        let answer = if path.ends_with("/check") {
            learner.post_json(&path, &json!({"input": "x"})).await
        } else {
            learner.get(&path).await
        };
        assert_eq!(answer.status, 404, "{path:.60}: {}", answer.head());
        assert!(answer.body.len() <= 16 * 1024, "{path:.60}: {} bytes", answer.body.len());
        assert!(!answer.body.contains(&"z".repeat(1_000)), "{path:.60} is said back whole");
    }
    still_well(&mut server);
}

/// Logins are hashed a few at a time, each in memory kept for the next: a flood of them
/// does not take memory per login (100 at once took 1.85 GB before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_instructor_logins_costs_bounded_memory() {
    let mut server = RealServer::start().await;
    let login = |n: usize| {
        let c = client();
        let url = server.url("/api/v1/instructor/login");
        async move {
            let body = json!({"email": format!("nobody{n}@example.org"), "password": "p".repeat(1024)});
            Answer::of(c.post(url).json(&body).send().await.expect("login")).await
        }
    };
    let first = login(0).await;
    first.expect(401, "invalid_credentials", 1024);
    let baseline = server.resident_kib();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 1..=60 {
        tasks.spawn(login(n));
    }
    while let Some(answer) = tasks.join_next().await {
        let answer = answer.expect("login");
        // Wrong credentials, or the address is locked out after twenty failures.
        assert!(matches!(answer.status, 401 | 429), "{}", answer.head());
        assert!(answer.body.len() <= 1024);
    }
    let grown = growth_mib(&server, baseline, "60 concurrent logins");
    assert!(grown < 64, "resident memory grew by {grown} MiB");
    still_well(&mut server);
}

/// Whatever a step is given, its verdict stays small: a 60 000-character paste is not
/// said back whole.
#[tokio::test]
async fn a_long_paste_gets_a_small_verdict_on_every_step() {
    let mut server = RealServer::start().await;
    let learner = Browser::new(&server);
    learner.reach_step_four().await;
    for filler in ["y", "\u{200B}", "%", "\"", "é", " "] {
        let pasted = format!("a{}b", filler.repeat(20_000));
        for step in ["verifier", "challenge", "authorization-url", "token-response", "refresh-response"] {
            let answer = learner.check(step, &pasted).await;
            assert!(matches!(answer.status, 200 | 409), "{step}: {}", answer.head());
            assert!(
                answer.body.len() <= 8 * 1024,
                "{step} {filler:?}: {} bytes: {}",
                answer.body.len(),
                answer.head()
            );
        }
    }
    // Through a page's form too (a server function, answering a hydrated page).
    let res = learner
        .client
        .post(learner.url("/fn/check_step"))
        .header("accept", "application/json")
        .form(&[("step", "verifier"), ("input", &"w".repeat(60_000))])
        .send()
        .await
        .expect("post");
    let answer = Answer::of(res).await;
    assert_eq!(answer.status, 200, "{}", answer.head());
    assert!(answer.body.len() <= 8 * 1024, "{} bytes", answer.body.len());
    still_well(&mut server);
}

/// Every other name a stranger can send is refused past its limit, and not stored: a
/// class name (an instructor's), a display name (a learner joining), and a cookie header
/// of 2 000 session cookies is one new session.
#[tokio::test]
async fn overlong_names_are_refused_and_not_stored_and_a_flood_of_cookies_is_one_new_session() {
    let mut server = RealServer::start().await;
    let mut add = std::process::Command::new(env!("CARGO_BIN_EXE_oauthlab"))
        .args(["instructor", "add", "ada@example.org", "--database", &server.database])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("instructor add");
    let _ = add.stdin.take().map(|mut stdin| std::io::Write::write_all(&mut stdin, b"a long password\n"));
    assert!(add.wait().expect("wait").success());
    let instructor = Browser::new(&server);
    let login = json!({"email": "ada@example.org", "password": "a long password"});
    assert_eq!(instructor.post_json("/api/v1/instructor/login", &login).await.status, 204);
    let long = "n".repeat(60_000);
    instructor.post_json("/api/v1/instructor/classes", &json!({"name": long})).await.expect(
        400,
        "1 to 100 characters",
        1024,
    );
    let class = instructor.post_json("/api/v1/instructor/classes", &json!({"name": "Workshop"})).await.json();
    let code = class["join_url"].as_str().and_then(|u| u.rsplit('/').next()).expect("join url").to_owned();
    let learner = Browser::new(&server);
    learner.post_json("/api/v1/classes/join", &json!({"code": code, "display_name": long})).await.expect(
        400,
        "at most 60 characters",
        1024,
    );
    assert!(!server.database_text().await.contains(&"n".repeat(100)), "a long name was stored");

    let cookies = (0..2_000).map(|i| format!("oauthlab_session=x{i}")).collect::<Vec<_>>().join("; ");
    let res = reqwest::Client::new()
        .get(server.url("/api/v1/exercises/refresh"))
        .header("cookie", cookies)
        .send()
        .await
        .expect("get");
    assert_eq!(res.headers().get_all("set-cookie").iter().count(), 1, "one new session");
    Answer::of(res).await.expect(200, "\"status\":\"current\"", 8 * 1024);
    still_well(&mut server);
}
