//! How the site's bytes travel: compressed answers, precompressed static files.

use crate::helpers::TestApp;

/// A site root whose `/pkg` holds one stylesheet, with its brotli and gzip copies when
/// `copies` (stand-ins: the server sends them as they are).
fn site_root(copies: bool) -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("tempdir");
    let pkg = root.path().join("pkg");
    std::fs::create_dir(&pkg).expect("pkg");
    // 4 600 bytes: over what is compressed at all (`COMPRESS_ABOVE`, 4 KiB).
    std::fs::write(pkg.join("site.css"), "body { color: black; }\n".repeat(200)).expect("css");
    if copies {
        std::fs::write(pkg.join("site.css.br"), b"BROTLI COPY").expect("br");
        std::fs::write(pkg.join("site.css.gz"), b"GZIP COPY").expect("gz");
    }
    root
}

async fn get(app: &TestApp, path: &str, accept_encoding: &str) -> reqwest::Response {
    let mut req = app.client.get(app.url(path)).header("accept", "text/html,*/*");
    if !accept_encoding.is_empty() {
        req = req.header("accept-encoding", accept_encoding);
    }
    req.send().await.expect("get")
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn static_files_are_sent_from_their_compressed_copies_and_revalidated() {
    let root = site_root(true);
    let site = root.path().display().to_string();
    let app = TestApp::spawn_with(|s| s.site_root = site).await;
    for (accepts, encoding, body) in
        [("br, gzip", "br", "BROTLI COPY"), ("gzip", "gzip", "GZIP COPY"), ("", "", "body { color")]
    {
        let res = get(&app, "/pkg/site.css", accepts).await;
        assert_eq!(res.status(), 200, "{accepts}");
        assert_eq!(header(&res, "content-encoding"), encoding, "{accepts}");
        assert!(header(&res, "content-type").starts_with("text/css"), "{accepts}");
        assert_eq!(header(&res, "cache-control"), "no-cache", "{accepts}");
        let last_modified = header(&res, "last-modified");
        assert!(res.text().await.expect("body").starts_with(body), "{accepts}");
        // The browser asks whether it changed, and gets no bytes again.
        let again = app
            .client
            .get(app.url("/pkg/site.css"))
            .header("if-modified-since", &last_modified)
            .send()
            .await
            .expect("get");
        assert_eq!(again.status(), 304, "{accepts}");
    }
}

#[tokio::test]
async fn without_fresh_copies_static_files_are_compressed_per_request() {
    let root = site_root(false);
    let site = root.path().display().to_string();
    let app = TestApp::spawn_with(|s| s.site_root = site).await;
    let res = get(&app, "/pkg/site.css", "gzip").await;
    assert_eq!(header(&res, "content-encoding"), "gzip");
    let bytes = res.bytes().await.expect("body");
    assert_eq!(&bytes[..2], [0x1f, 0x8b], "gzip's magic number");
    assert!(bytes.len() < 4600 / 4, "{} bytes for 4600 of CSS", bytes.len());
}

#[tokio::test]
async fn pages_and_api_answers_are_compressed_for_a_browser_that_accepts_it() {
    let app = TestApp::spawn().await;
    for path in ["/exercises/refresh", "/api/v1/openapi.json"] {
        let plain = get(&app, path, "").await;
        assert_eq!(header(&plain, "content-encoding"), "", "{path}");
        let plain_len = plain.bytes().await.expect("body").len();
        for (accepts, encoding) in [("br", "br"), ("gzip", "gzip"), ("gzip, deflate, br", "br")] {
            let res = get(&app, path, accepts).await;
            assert_eq!(res.status(), 200, "{path} {accepts}");
            assert_eq!(header(&res, "content-encoding"), encoding, "{path} {accepts}");
            assert!(header(&res, "vary").to_ascii_lowercase().contains("accept-encoding"), "{path}");
            let len = res.bytes().await.expect("body").len();
            assert!(len * 3 < plain_len, "{path} {accepts}: {len} bytes compressed, {plain_len} plain");
        }
    }
}

#[tokio::test]
async fn a_file_with_a_hashed_name_is_kept_for_good() {
    let root = site_root(true);
    let hashed = "site.h3sMoxsw4Rsc-yHmb9GM4Q.css";
    std::fs::copy(root.path().join("pkg/site.css"), root.path().join("pkg").join(hashed)).expect("copy");
    let site = root.path().display().to_string();
    let app = TestApp::spawn_with(|s| s.site_root = site).await;
    let res = get(&app, &format!("/pkg/{hashed}"), "").await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "cache-control"), "public, max-age=31536000, immutable");
    let missing = get(&app, "/pkg/site.AAAAAAAAAAAAAAAAAAAAAA.css", "").await;
    assert_eq!(missing.status(), 404);
    assert_ne!(header(&missing, "cache-control"), "public, max-age=31536000, immutable", "a 404 is not kept");
}

#[tokio::test]
async fn an_answer_under_4_kib_is_sent_as_it_is() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/api/v1/exercises/refresh/steps/verifier/check"))
        .header("accept-encoding", "br, gzip")
        .json(&serde_json::json!({"input": "short"}))
        .send()
        .await
        .expect("check");
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-encoding"), "");
    let len = res.bytes().await.expect("body").len();
    assert!(len < usize::from(server::http::assets::COMPRESS_ABOVE), "{len} bytes");
}

#[tokio::test]
async fn the_icon_is_kept_for_a_day_so_a_repeat_visit_fetches_nothing() {
    let root = site_root(false);
    std::fs::write(root.path().join("favicon.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>")
        .expect("icon");
    let site = root.path().display().to_string();
    let app = TestApp::spawn_with(|s| s.site_root = site).await;
    let res = get(&app, "/favicon.svg", "").await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "cache-control"), "public, max-age=86400");
    assert!(header(&res, "content-type").starts_with("image/svg+xml"));
    // Without an icon in the site root: a 404 nobody keeps.
    let empty = site_root(false);
    let site = empty.path().display().to_string();
    let app = TestApp::spawn_with(|s| s.site_root = site).await;
    let missing = get(&app, "/favicon.svg", "").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(header(&missing, "cache-control"), "no-store");
}
