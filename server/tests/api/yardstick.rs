//! The yardstick `make bench` compares the server with (`server/src/bin/yardstick.rs`):
//! its echo, its static bytes, its signing rate and its load mode each answer as the bench
//! script reads them. No figure is judged here: speed belongs in the benchmark.

use serde_json::{json, Value};

fn yardstick() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_yardstick"))
}

/// `yardstick serve` on a free port, serving `dir` under /static/; killed on drop.
struct Serving {
    child: std::process::Child,
    base: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve(dir: &std::path::Path) -> Serving {
    for _ in 0..3 {
        let addr = crate::helpers::free_addr();
        let child = yardstick()
            .args(["serve", "--addr", &addr, "--static"])
            .arg(dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("yardstick serve");
        let mut serving = Serving { child, base: format!("http://{addr}") };
        for _ in 0..200 {
            if reqwest::get(format!("{}/static/none", serving.base)).await.is_ok() {
                return serving;
            }
            if serving.child.try_wait().ok().flatten().is_some() {
                break; // the port was taken in between: another one
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    panic!("yardstick serve did not start");
}

#[tokio::test]
async fn the_echo_sends_back_the_json_and_static_files_go_out_as_they_are_with_their_encoding() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("page0.html.br"), b"\x8b\x02\x80hello\x03").expect("write");
    std::fs::write(dir.path().join("app.css"), b"body{}").expect("write");
    let ys = serve(dir.path()).await;
    let client = reqwest::Client::new();

    let body = json!({"input": "http://127.0.0.1/oauth2/authorize?state=x", "n": [1, 2]});
    let echoed: Value = client
        .post(format!("{}/echo", ys.base))
        .json(&body)
        .send()
        .await
        .expect("echo")
        .json()
        .await
        .expect("json");
    assert_eq!(echoed, body);

    let page = client.get(format!("{}/static/page0.html.br", ys.base)).send().await.expect("page");
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-encoding"], "br");
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(page.bytes().await.expect("bytes").as_ref(), b"\x8b\x02\x80hello\x03");

    let css = client.get(format!("{}/static/app.css", ys.base)).send().await.expect("css");
    assert_eq!(css.headers()["content-type"], "text/css");
    assert!(css.headers().get("content-encoding").is_none());
    let missing = client.get(format!("{}/static/nothing.js", ys.base)).send().await.expect("404");
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn load_sends_each_request_once_and_writes_each_answer_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ys = serve(dir.path()).await;
    let requests: Vec<String> = (0..40)
        .map(|i| {
            json!({"method": "POST", "url": format!("{}/echo", ys.base),
                   "headers": {"Content-Type": "application/json"}, "body": json!({"i": i}).to_string()})
            .to_string()
        })
        .chain([json!({"method": "GET", "url": format!("{}/static/none", ys.base)}).to_string()])
        .collect();
    let file = dir.path().join("requests.jsonl");
    let out = dir.path().join("answers.jsonl");
    std::fs::write(&file, requests.join("\n")).expect("write");
    let run = yardstick()
        .args(["load", "--concurrency", "4", "--requests"])
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("yardstick load");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let summary: Value = serde_json::from_slice(&run.stdout).expect("summary json");
    assert_eq!(summary["requests"], 41);
    assert_eq!(summary["statuses"], json!({"200": 40, "404": 1}));
    assert!(summary["per_second"].as_f64().is_some_and(|r| r > 0.0), "{summary}");

    let answers: Vec<Value> = std::fs::read_to_string(&out)
        .expect("answers")
        .lines()
        .map(|l| serde_json::from_str(l).expect("answer json"))
        .collect();
    assert_eq!(answers.len(), 41);
    for (i, answer) in answers.iter().take(40).enumerate() {
        assert_eq!(answer["status"], 200);
        let body: Value = serde_json::from_str(answer["body"].as_str().expect("body")).expect("echoed json");
        assert_eq!(body, json!({"i": i}), "answer {i} in the order of the file");
    }
    assert_eq!(answers[40]["status"], 404);
}

#[test]
fn sign_reports_signatures_per_second_on_every_core() {
    let run = yardstick().args(["sign", "--seconds", "0.2"]).output().expect("yardstick sign");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let report: Value = serde_json::from_slice(&run.stdout).expect("json");
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    assert_eq!(report["threads"], cores);
    assert!(report["signatures"].as_u64().is_some_and(|n| n > 0), "{report}");
    assert!(report["per_second"].as_f64().is_some_and(|r| r > 0.0), "{report}");
}
