use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{json, Value};
use server::config::Settings;
use server::startup::{serve, AppState};

/// A site over HTTP, and a client that keeps cookies: a server in this process
/// ([`TestApp`], which derefs to its site) or an `oauthlab serve` process.
#[derive(Clone)]
pub struct Site {
    /// Where requests go.
    pub base: String,
    pub client: reqwest::Client,
    /// The site's public URL (its issuer): `base`, unless the site is one of several
    /// instances behind one address.
    pub public: String,
}

/// A running server on a fresh database, and a client that keeps cookies.
pub struct TestApp {
    pub site: Site,
    pub dir: tempfile::TempDir,
    pub database: String,
    pub state: AppState,
    task: tokio::task::JoinHandle<()>,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let database = format!("sqlite:{}", dir.path().join("lab.db").display());
        Self::spawn_on(dir, database, tweak).await
    }

    pub async fn spawn_on(
        dir: tempfile::TempDir,
        database: String,
        tweak: impl FnOnce(&mut Settings),
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let base = format!("http://{addr}");
        let mut settings = Settings {
            addr,
            database: database.clone(),
            server_key_file: None,
            public_url: base.clone(),
            site_root: "target/site".into(),
            rate_limit: 10_000,
            trusted_proxies: Default::default(),
            forget_learners_after: 180,
            lifetimes: Default::default(),
        };
        tweak(&mut settings);
        let state = AppState::open(&settings).await.expect("open state");
        let served = state.clone();
        let task = tokio::spawn(async move {
            let _ = serve(listener, served).await;
        });
        let public = settings.public_url.clone();
        Self { site: Site { base, client: client(), public }, dir, database, state, task }
    }

    /// Two servers on one fresh PostgreSQL database with one server key file, as two
    /// instances behind a load balancer; one client (the learner's cookies) for both. `None`
    /// when no test PostgreSQL is configured (`OAUTHLAB_TEST_POSTGRES`).
    pub async fn spawn_pair_on_postgres(hint: &str) -> Option<(Self, Self)> {
        let database = server::testing::postgres_database(hint).await?;
        let key_dir = tempfile::tempdir().expect("tempdir");
        let key = key_dir.path().join("server.key");
        let with_key = |key: std::path::PathBuf| move |s: &mut Settings| s.server_key_file = Some(key);
        let (a, b) = tokio::join!(
            Self::spawn_on(key_dir, database.clone(), with_key(key.clone())),
            Self::spawn_on(tempfile::tempdir().expect("tempdir"), database, with_key(key))
        );
        let mut b = b;
        b.client = a.client.clone();
        Some((a, b))
    }

    /// Stop the server for good.
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }

    /// Stop the server, keeping its database, and start a new one on it.
    pub async fn restart(self) -> Self {
        self.task.abort();
        let _ = self.task.await;
        let client = self.site.client.clone();
        let mut app = Self::spawn_on(self.dir, self.database, |_| {}).await;
        app.client = client;
        app
    }

    pub fn database_file(&self) -> std::path::PathBuf {
        self.dir.path().join("lab.db")
    }

    /// Every byte of the database (and its write-ahead log), as text to search.
    pub async fn database_text(&self) -> String {
        database_text(&self.database, &self.database_file()).await
    }
}

/// Every byte of a SQLite database as text to search: the file and its write-ahead log as
/// they are (the log's frames include pages written over since), then the file once more
/// after a checkpoint has moved the log into it.
pub async fn database_text(database: &str, file: &std::path::Path) -> String {
    let wal =
        file.with_file_name(format!("{}-wal", file.file_name().and_then(|n| n.to_str()).unwrap_or("lab.db")));
    let mut bytes = std::fs::read(file).expect("db file");
    bytes.extend(std::fs::read(&wal).unwrap_or_default());
    let pool = sqlx::SqlitePool::connect(database).await.expect("db");
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&pool).await.expect("checkpoint");
    pool.close().await;
    bytes.extend(std::fs::read(file).expect("db file"));
    String::from_utf8_lossy(&bytes).into_owned()
}

pub fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        map.insert(*k, HeaderValue::from_str(v).expect("header"));
    }
    map
}

/// Step ids and statuses of an exercise object.
pub fn statuses(exercise: &Value) -> Vec<(String, String)> {
    exercise["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap_or_default().to_owned(),
                s["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// A string member of a JSON text.
pub fn field(json: &str, name: &str) -> String {
    serde_json::from_str::<Value>(json).expect("json")[name].as_str().expect(name).to_owned()
}

pub fn finding<'a>(verdict: &'a Value, id: &str) -> Option<&'a Value> {
    verdict["findings"].as_array()?.iter().find(|f| f["id"] == id)
}

/// What a finding says in all: its one-sentence message, then its details (if any).
pub fn said(finding: &Value) -> String {
    format!(
        "{} {}",
        finding["message"].as_str().unwrap_or_default(),
        finding["details"].as_str().unwrap_or_default()
    )
}

impl std::ops::Deref for TestApp {
    type Target = Site;
    fn deref(&self) -> &Site {
        &self.site
    }
}

impl std::ops::DerefMut for TestApp {
    fn deref_mut(&mut self) -> &mut Site {
        &mut self.site
    }
}

impl Site {
    /// One instance at `base` of the site whose public URL is `public`, with `client`.
    pub fn instance(base: &str, public: &str, client: &reqwest::Client) -> Self {
        Self { base: base.to_owned(), client: client.clone(), public: public.to_owned() }
    }

    /// `path` on the public URL, as the site names itself (issuer, redirect URIs).
    pub fn public_url(&self, path: &str) -> String {
        format!("{}{}", self.public, path)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("get")
    }

    /// The page at `path` as a browser asks for it: status and HTML.
    pub async fn html(&self, path: &str) -> (u16, String) {
        let res = self.client.get(self.url(path)).header("accept", "text/html").send().await.expect("get");
        let status = res.status().as_u16();
        (status, res.text().await.expect("text"))
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let res = self.get(path).await;
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().await.expect("json")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client.post(self.url(path)).json(body).send().await.expect("post")
    }

    pub async fn check(&self, step: &str, input: &str) -> reqwest::Response {
        self.post_json(&format!("/api/v1/exercises/refresh/steps/{step}/check"), &json!({"input": input}))
            .await
    }

    pub async fn check_json(&self, step: &str, input: &str) -> Value {
        let res = self.check(step, input).await;
        assert_eq!(res.status(), 200, "check {step}");
        res.json().await.expect("verdict json")
    }

    pub async fn practice_app(&self) -> Value {
        self.get_json("/api/v1/practice/app").await
    }

    /// Pass steps 1-3 through the API; returns (verifier, challenge, authorization URL).
    pub async fn pass_first_three_steps(&self) -> (String, String, String) {
        let pkce: Value =
            self.post_json("/api/v1/pkce/generate", &json!({})).await.json().await.expect("pkce");
        let verifier = pkce["verifier"].as_str().expect("verifier").to_owned();
        let challenge = pkce["challenge"].as_str().expect("challenge").to_owned();
        assert_eq!(self.check_json("verifier", &verifier).await["passed"], true);
        assert_eq!(self.check_json("challenge", &challenge).await["passed"], true);
        let url = self.authorization_url(&challenge, "offline_access").await;
        let verdict = self.check_json("authorization-url", &url).await;
        assert_eq!(verdict["passed"], true, "{verdict}");
        (verifier, challenge, url)
    }

    pub async fn authorization_url(&self, challenge: &str, scope: &str) -> String {
        let app = self.practice_app().await;
        let mut url = url::Url::parse(&self.public_url("/oauth2/authorize")).expect("url");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", app["client_id"].as_str().expect("client_id"))
            .append_pair("state", "Xq3v9LwP2sTa")
            .append_pair("scope", scope)
            .append_pair("redirect_uri", &self.public_url("/redirect"))
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256");
        url.to_string()
    }
}

/// What a login at the practice server gave back.
pub struct Login {
    pub code: String,
    pub state: Option<String>,
    pub iss: Option<String>,
}

impl Site {
    pub async fn enable_refresh_tokens(&self, enabled: bool) {
        let res = self
            .client
            .put(self.url("/api/v1/practice/app"))
            .json(&json!({"refresh_tokens_enabled": enabled}))
            .send()
            .await
            .expect("put");
        assert_eq!(res.status(), 200);
    }

    /// Open `authorize_url` as the learner's browser would: consent if asked, and return
    /// the query of the redirect back.
    pub async fn follow_login(&self, authorize_url: &str) -> url::Url {
        // To this instance, when the URL names the site's public address.
        let target = match authorize_url.strip_prefix(&self.public) {
            Some(rest) => format!("{}{rest}", self.base),
            None => authorize_url.to_owned(),
        };
        let res = self.client.get(target).send().await.expect("authorize");
        let res = if res.status() == 200 {
            let page = res.text().await.expect("consent page");
            assert!(page.contains("data-testid=\"consent\""), "{page}");
            let mut form: Vec<(String, String)> = page
                .split("<input type=\"hidden\" ")
                .skip(1)
                .filter_map(|chunk| {
                    let name = chunk.split("name=\"").nth(1)?.split('"').next()?;
                    let value = chunk.split("value=\"").nth(1)?.split('"').next()?;
                    Some((unescape(name), unescape(value)))
                })
                .collect();
            form.push(("decision".into(), "allow".into()));
            self.client
                .post(self.url("/oauth2/authorize"))
                .header("origin", self.public.clone())
                .form(&form)
                .send()
                .await
                .expect("consent")
        } else {
            res
        };
        assert!(res.status().is_redirection(), "{}", res.status());
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).expect("location");
        url::Url::parse(location).expect("redirect url")
    }

    /// Log in with the step 3 URL and exchange the code, as the page's curl command does;
    /// the token endpoint's answer, as text.
    pub async fn exchange(&self, url: &str, verifier: &str) -> String {
        let login = self.login(url).await;
        let (status, body) = self.redeem(&login.code, verifier).await;
        assert_eq!(status, 200);
        body
    }

    /// As [`Self::exchange`], then the same code once more: both answers.
    pub async fn exchange_twice(&self, url: &str, verifier: &str) -> (String, String) {
        let login = self.login(url).await;
        let (status, first) = self.redeem(&login.code, verifier).await;
        assert_eq!(status, 200);
        let (status, second) = self.redeem(&login.code, verifier).await;
        assert_eq!(status, 400);
        (first, second)
    }

    /// The code exchange: status and body.
    pub async fn redeem(&self, code: &str, verifier: &str) -> (u16, String) {
        let practice = self.practice_app().await;
        let res = reqwest::Client::new()
            .post(self.url("/oauth2/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("redirect_uri", &self.public_url("/redirect")),
                ("client_id", practice["client_id"].as_str().expect("id")),
                ("client_secret", practice["client_secret"].as_str().expect("secret")),
                ("code_verifier", verifier),
                ("code", code),
            ])
            .send()
            .await
            .expect("token");
        (res.status().as_u16(), res.text().await.expect("body"))
    }

    /// The refresh request of step 5; the token endpoint's answer, as text.
    pub async fn refresh(&self, refresh_token: &str) -> String {
        let practice = self.practice_app().await;
        let res = reqwest::Client::new()
            .post(self.url("/oauth2/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", practice["client_id"].as_str().expect("id")),
                ("client_secret", practice["client_secret"].as_str().expect("secret")),
                ("refresh_token", refresh_token),
            ])
            .send()
            .await
            .expect("refresh");
        assert_eq!(res.status(), 200);
        res.text().await.expect("body")
    }

    pub async fn login(&self, authorize_url: &str) -> Login {
        let back = self.follow_login(authorize_url).await;
        let get = |k: &str| back.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
        Login {
            code: get("code").unwrap_or_else(|| panic!("no code in {back}")),
            state: get("state"),
            iss: get("iss"),
        }
    }

    /// A real OAuth client library, configured with this learner's practice application.
    pub async fn oauth_client(&self, auth: oauth2::AuthType) -> OAuthClient {
        let app = self.practice_app().await;
        oauth2::basic::BasicClient::new(oauth2::ClientId::new(app["client_id"].as_str().expect("id").into()))
            .set_client_secret(oauth2::ClientSecret::new(
                app["client_secret"].as_str().expect("secret").into(),
            ))
            .set_auth_uri(oauth2::AuthUrl::new(self.url("/oauth2/authorize")).expect("auth url"))
            .set_token_uri(oauth2::TokenUrl::new(self.url("/oauth2/token")).expect("token url"))
            .set_redirect_uri(oauth2::RedirectUrl::new(self.url("/redirect")).expect("redirect"))
            .set_auth_type(auth)
    }
}

/// A login of Web Applications started by the `oauth2` crate as the learner's web app.
pub struct WebAppLogin {
    pub challenge: oauth2::PkceCodeChallenge,
    pub verifier: oauth2::PkceCodeVerifier,
    /// The authorization URL, which passed step 3.
    pub url: url::Url,
    pub state: oauth2::CsrfToken,
}

impl TestApp {
    /// A check of `exercise`'s `step` through the JSON API: its verdict.
    pub async fn check_in(&self, exercise: &str, step: &str, input: &str) -> Value {
        let path = format!("/api/v1/exercises/{exercise}/steps/{step}/check");
        let res = self.post_json(&path, &json!({"input": input})).await;
        assert_eq!(res.status(), 200, "check {exercise} {step}");
        res.json().await.expect("verdict json")
    }

    /// Web Applications' steps 1 to 3 passed here for a login `client` starts (PKCE,
    /// `openid`), at whichever server `client` is for.
    pub async fn web_app_steps_1_to_3(&self, client: &OAuthClient) -> WebAppLogin {
        let (challenge, verifier) = oauth2::PkceCodeChallenge::new_random_sha256();
        let (url, state) = client
            .authorize_url(oauth2::CsrfToken::new_random)
            .set_pkce_challenge(challenge.clone())
            .add_scope(oauth2::Scope::new("openid".into()))
            .url();
        assert_eq!(self.check_in("web-app", "verifier", verifier.secret()).await["passed"], true);
        assert_eq!(self.check_in("web-app", "challenge", challenge.as_str()).await["passed"], true);
        let verdict = self.check_in("web-app", "authorization-url", url.as_str()).await;
        assert_eq!(verdict["passed"], true, "{verdict:#}");
        WebAppLogin { challenge, verifier, url, state }
    }
}

/// The value of query parameter `name` of `url`.
pub fn query_param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

pub type OAuthClient = oauth2::basic::BasicClient<
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

/// An HTTP client for the OAuth library: no redirects (RFC 9700 §4.11).
pub fn oauth_http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http")
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A free loopback address (`127.0.0.1:port`). The listener is dropped before a server
/// binds it, so another test may take it first: a server started on it says so.
pub fn free_addr() -> String {
    let addr = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port");
    addr.to_string()
}

/// The real `oauthlab` binary serving on a free loopback port with a fresh database, in a
/// process of its own: a test can read its resident memory, or kill it outright. Killed
/// (SIGKILL) when dropped. Its standard output and error go to files in `dir`.
pub struct RealServer {
    child: std::process::Child,
    pub base: String,
    pub dir: tempfile::TempDir,
    pub database: String,
}

impl RealServer {
    /// Start on a fresh database, with a rate limit no test reaches.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let database = format!("sqlite:{}", dir.path().join("lab.db").display());
        Self::start_on(dir, database).await
    }

    /// Start on `database` (kept in `dir`), and wait until it answers (at most 20 s).
    pub async fn start_on(dir: tempfile::TempDir, database: String) -> Self {
        Self::start_with(dir, database, &[]).await
    }

    /// [`Self::start_on`], with more arguments to `serve`.
    pub async fn start_with(dir: tempfile::TempDir, database: String, more: &[&str]) -> Self {
        let log = |name: &str| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.path().join(name))
                .expect("log file")
        };
        let stderr = || std::fs::read_to_string(dir.path().join("stderr.log")).unwrap_or_default();
        // A free port: the listener is dropped before the server binds it, so another
        // test may take it first; then the server says so, and another port is tried.
        // An address in `more` is kept (a test that must know it before the start).
        let asked = more.iter().position(|a| *a == "--addr").and_then(|i| more.get(i + 1)).map(|a| a.to_string());
        for _ in 0..3 {
            let addr = match &asked {
                Some(addr) => addr.clone(),
                None => free_addr(),
            };
            let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_oauthlab"));
            command.arg("serve");
            if asked.is_none() {
                command.args(["--addr", &addr]);
            }
            command
                .args(["--database", &database])
                .args(["--rate-limit", "1000000"])
                .args(more)
                .stdin(std::process::Stdio::null())
                .stdout(log("stdout.log"))
                .stderr(log("stderr.log"));
            for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("OAUTHLAB_")) {
                command.env_remove(name);
            }
            let mut child = command.spawn().expect("oauthlab serve");
            let base = format!("http://{addr}");
            let probe = reqwest::Client::new();
            for _ in 0..400 {
                if probe.get(format!("{base}/api/v1/exercises")).send().await.is_ok() {
                    return Self { child, base, dir, database };
                }
                if child.try_wait().ok().flatten().is_some() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            let _ = child.kill();
            let _ = child.wait();
            if !stderr().to_lowercase().contains("in use") {
                break;
            }
        }
        panic!("the server did not start: {}", stderr());
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// `host:port`, for raw sockets.
    pub fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// The process's resident memory (VmRSS), in KiB.
    pub fn resident_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("proc status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_none()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the server wrote to standard output (its log).
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stdout.log")).unwrap_or_default()
    }

    /// What the server wrote to standard error (panics land here).
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }

    /// Send SIGTERM (a stop as an orchestrator asks for it).
    pub fn terminate(&self) {
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM");
    }

    /// The exit status, once the process ended within `within`; `None` if it still runs.
    pub async fn exited(&mut self, within: std::time::Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + within;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Kill the process with SIGKILL (no shutdown of any kind) and reap it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGKILL, then a new process on the same database.
    pub async fn kill_and_restart(mut self) -> Self {
        self.kill();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("tempdir"));
        let database = self.database.clone();
        drop(self);
        Self::start_on(dir, database).await
    }

    /// Every byte of the database (and its write-ahead log), as text to search. Meant for
    /// a server that is stopped or idle.
    pub async fn database_text(&self) -> String {
        database_text(&self.database, &self.dir.path().join("lab.db")).await
    }
}

impl Drop for RealServer {
    fn drop(&mut self) {
        self.kill();
    }
}
