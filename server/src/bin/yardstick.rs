//! `yardstick`: what `make bench` (`.ci/bench.py`) compares OAuth Lab's server with, on
//! the same machine in the same run. Not part of the site.
//!
//! - `yardstick serve --addr A --static DIR`: a bare axum server on all cores. `POST /echo`
//!   parses a JSON body and sends it back; `GET /static/NAME` sends the bytes of `DIR/NAME`
//!   as they are, read once at start (`NAME.br` and `NAME.gz` go out with that
//!   Content-Encoding, so a page's compressed bytes can be served as they were sent).
//! - `yardstick sign --seconds S`: signs RFC 9068 access tokens with ES256 (jsonwebtoken,
//!   the practice server's library and claims) on every core; prints the signatures per
//!   second as JSON.
//! - `yardstick load --requests FILE --concurrency C [--out FILE]`: sends each request of
//!   FILE (JSON lines `{"method", "url", "headers": {..}, "body"}`) once, C at a time, for
//!   what `oha` cannot do: a different body per request. Prints requests per second and
//!   latency percentiles as JSON; `--out` writes each answer's status, `Location` and body
//!   as JSON lines, in the order of FILE.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use clap::{Parser, Subcommand};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::pkcs8::EncodePrivateKey;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Parser)]
#[command(about = "The bare yardsticks `make bench` compares OAuth Lab's server with")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// A bare axum JSON echo (POST /echo) and static bytes (GET /static/NAME).
    Serve {
        #[arg(long)]
        addr: std::net::SocketAddr,
        /// The files to serve under /static/.
        #[arg(long = "static")]
        static_dir: Option<std::path::PathBuf>,
    },
    /// ES256 access-token signatures per second, on every core.
    Sign {
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
    },
    /// Send each request of a file once, C at a time.
    Load {
        #[arg(long)]
        requests: std::path::PathBuf,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match cli.command {
        Command::Serve { addr, static_dir } => runtime.block_on(serve(addr, static_dir)),
        Command::Sign { seconds } => sign(Duration::from_secs_f64(seconds)),
        Command::Load { requests, concurrency, out } => {
            runtime.block_on(load(&requests, concurrency, out.as_deref()))
        }
    }
}

// ---- serve ----------------------------------------------------------------------------

/// One static file: its bytes and the headers it goes out with.
struct StaticFile {
    bytes: Bytes,
    content_type: HeaderValue,
    encoding: Option<HeaderValue>,
}

type Files = Arc<HashMap<String, StaticFile>>;

async fn serve(addr: std::net::SocketAddr, static_dir: Option<std::path::PathBuf>) -> Result<()> {
    let files: Files = Arc::new(match static_dir {
        Some(dir) => read_files(&dir)?,
        None => HashMap::new(),
    });
    let app =
        Router::new().route("/echo", post(echo)).route("/static/{name}", get(static_file)).with_state(files);
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("bind {addr}"))?;
    axum::serve(listener, app).await?;
    Ok(())
}

fn read_files(dir: &std::path::Path) -> Result<HashMap<String, StaticFile>> {
    let mut files = HashMap::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("read {}", dir.display()))? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        let (plain, encoding) = match name.rsplit_once('.') {
            Some((plain, "br")) => (plain, Some(HeaderValue::from_static("br"))),
            Some((plain, "gz")) => (plain, Some(HeaderValue::from_static("gzip"))),
            _ => (name.as_str(), None),
        };
        let content_type = match plain.rsplit_once('.').map(|(_, ext)| ext) {
            Some("html") => "text/html; charset=utf-8",
            Some("css") => "text/css",
            Some("js") => "text/javascript",
            Some("wasm") => "application/wasm",
            Some("json") => "application/json",
            _ => "application/octet-stream",
        };
        let bytes = Bytes::from(std::fs::read(&path).with_context(|| format!("read {}", path.display()))?);
        files.insert(
            name,
            StaticFile { bytes, content_type: HeaderValue::from_static(content_type), encoding },
        );
    }
    Ok(files)
}

async fn echo(Json(body): Json<Value>) -> Json<Value> {
    Json(body)
}

async fn static_file(State(files): State<Files>, Path(name): Path<String>) -> Response {
    let Some(file) = files.get(&name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut res = file.bytes.clone().into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, file.content_type.clone());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(encoding) = &file.encoding {
        headers.insert(header::CONTENT_ENCODING, encoding.clone());
    }
    res
}

// ---- sign -----------------------------------------------------------------------------

/// The practice server's access token claims (`server/src/practice/token.rs`), with
/// values of the same sizes.
#[derive(Serialize)]
struct AccessClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: String,
    exp: i64,
    iat: i64,
    nbf: i64,
    jti: &'a str,
    client_id: &'a str,
    scope: &'a str,
}

fn sign(seconds: Duration) -> Result<()> {
    let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let der = secret.to_pkcs8_der().map_err(|e| anyhow!("key: {e}"))?;
    let key = Arc::new(EncodingKey::from_ec_der(der.as_bytes()));
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let signed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (key, signed) = (key.clone(), signed.clone());
            std::thread::spawn(move || -> Result<()> {
                let issuer = "http://127.0.0.1:3000";
                let mut header = Header::new(Algorithm::ES256);
                header.typ = Some("at+jwt".into());
                header.kid = Some("kGm0dQw2cV1sXy7A".into());
                // At least one signature per thread, however short the run.
                loop {
                    let now = i64::try_from(start.elapsed().as_secs()).unwrap_or(0) + 1_800_000_000;
                    let claims = AccessClaims {
                        iss: issuer,
                        sub: "gnXtc3toR_xNmdUF",
                        aud: format!("{issuer}/practice-api"),
                        exp: now + 300,
                        iat: now,
                        nbf: now,
                        jti: "Qm9vX3Rva2VuX2p0aV8zMl9ieXRlc19sb25nX19fXw",
                        client_id: "lab_K3bo4Byy0gO8McNJLTG3Aw",
                        scope: "offline_access",
                    };
                    jsonwebtoken::encode(&header, &claims, &key)?;
                    signed.fetch_add(1, Ordering::Relaxed);
                    if start.elapsed() >= seconds {
                        break;
                    }
                }
                Ok(())
            })
        })
        .collect();
    for worker in workers {
        worker.join().map_err(|_| anyhow!("a signing thread panicked"))??;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let n = signed.load(Ordering::Relaxed);
    println!(
        "{}",
        json!({"threads": threads, "signatures": n, "seconds": elapsed, "per_second": n as f64 / elapsed})
    );
    Ok(())
}

// ---- load -----------------------------------------------------------------------------

#[derive(Deserialize)]
struct Request {
    method: String,
    url: String,
    #[serde(default)]
    headers: HashMap<String, String>,
    #[serde(default)]
    body: String,
}

#[derive(Serialize, Default, Clone)]
struct Answer {
    status: u16,
    location: Option<String>,
    body: String,
}

async fn load(file: &std::path::Path, concurrency: usize, out: Option<&std::path::Path>) -> Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| format!("read {}", file.display()))?;
    let requests: Vec<Request> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()
        .context("a request line is not the JSON expected")?;
    if requests.is_empty() {
        bail!("no requests in {}", file.display());
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let requests = Arc::new(requests);
    let next = Arc::new(AtomicUsize::new(0));
    let keep = out.is_some();
    let start = Instant::now();
    let workers: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let (client, requests, next) = (client.clone(), requests.clone(), next.clone());
            tokio::spawn(async move {
                let mut done: Vec<(usize, Duration, Answer)> = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(r) = requests.get(i) else { break };
                    let sent = Instant::now();
                    let answer = send(&client, r, keep).await;
                    done.push((i, sent.elapsed(), answer));
                }
                done
            })
        })
        .collect();
    let mut answers = vec![Answer::default(); requests.len()];
    let mut latencies = Vec::with_capacity(requests.len());
    for worker in workers {
        for (i, took, answer) in worker.await? {
            latencies.push(took);
            answers[i] = answer;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let mut statuses: HashMap<String, u64> = HashMap::new();
    for a in &answers {
        *statuses.entry(a.status.to_string()).or_default() += 1;
    }
    if let Some(out) = out {
        let lines: Vec<String> = answers.iter().map(|a| json!(a).to_string()).collect();
        std::fs::write(out, lines.join("\n") + "\n").with_context(|| format!("write {}", out.display()))?;
    }
    println!(
        "{}",
        json!({
            "requests": requests.len(), "seconds": elapsed,
            "per_second": requests.len() as f64 / elapsed,
            "p50_ms": pct(0.5), "p99_ms": pct(0.99), "statuses": statuses,
        })
    );
    Ok(())
}

/// One request's answer; status 0 when it failed to arrive.
async fn send(client: &reqwest::Client, r: &Request, keep: bool) -> Answer {
    let Ok(method) = reqwest::Method::from_bytes(r.method.as_bytes()) else {
        return Answer::default();
    };
    let mut req = client.request(method, &r.url);
    for (k, v) in &r.headers {
        req = req.header(k, v);
    }
    if !r.body.is_empty() {
        req = req.body(r.body.clone());
    }
    let Ok(res) = req.send().await else {
        return Answer::default();
    };
    let status = res.status().as_u16();
    let location = res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = res.bytes().await.unwrap_or_default();
    let body = if keep { String::from_utf8_lossy(&body).into_owned() } else { String::new() };
    Answer { status, location, body }
}
