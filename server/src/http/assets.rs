//! How the site's bytes travel: every answer compressed (brotli or gzip, as the browser
//! accepts), and the static files under `/pkg` (CSS, JS, WASM) served from the copies
//! `make build` compresses once ahead of time, revalidated rather than fetched again.

use std::path::{Path, PathBuf};

use axum::extract::Request;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel, DefaultPredicate};
use tower_http::services::ServeDir;

/// Answers smaller than this many bytes are sent as they are. Such an answer arrives in the
/// first round trip compressed or not (a connection's first window is 10 segments, about
/// 14 KB), and compressing it cost more CPU than everything else a check does: a step 3
/// check's 2 KiB answer in brotli cost a third of the checks a second the server answered.
pub const COMPRESS_ABOVE: u16 = 4096;

/// Compression for what is made per request (pages, JSON, server functions): brotli or
/// gzip at a level that costs little CPU per answer, for answers of
/// [`COMPRESS_ABOVE`] bytes and more. Already-compressed answers (the precompressed assets) are
/// left as they are.
pub fn compression() -> CompressionLayer<impl Predicate> {
    let predicate = DefaultPredicate::new()
        .and(SizeAbove::new(COMPRESS_ABOVE))
        // The practice server's images would not shrink; nothing else needs skipping.
        .and(NotForContentType::IMAGES);
    CompressionLayer::new().br(true).gzip(true).quality(CompressionLevel::Precise(4)).compress_when(predicate)
}

/// `/pkg`: the site's CSS, JS and WASM. With `.br` and `.gz` copies next to them (made by
/// `make build`), a browser that accepts one gets it without compressing on every
/// request; copies older than their file are not used (a build without them left them
/// stale). A file whose name carries its content's hash (`oauthlab.<hash>.wasm`) never
/// changes: browsers keep it for a year without asking (`immutable`). Any other is kept
/// and revalidated (`no-cache`).
pub fn pkg_routes<S: Clone + Send + Sync + 'static>(site_root: &str) -> Router<S> {
    let dir = Path::new(site_root).join("pkg");
    let mut files = ServeDir::new(&dir);
    if precompressed_copies_are_fresh(&dir) {
        files = files.precompressed_br().precompressed_gzip();
    } else {
        tracing::warn!(dir = %dir.display(), "the compressed copies of /pkg are missing or stale: compressing per request");
    }
    Router::new().nest_service("/pkg", files).layer(axum::middleware::from_fn(cache_for_good_when_hashed))
}

/// How long browsers keep the site's icon: its name carries no hash, so a day, after which
/// they ask again (an icon changed by an upgrade shows within a day).
pub const ICON_CACHE: &str = "public, max-age=86400";

/// `/favicon.svg`, kept by browsers for [`ICON_CACHE`]: a repeat visit fetches no asset.
pub fn icon_route<S: Clone + Send + Sync + 'static>(site_root: &str) -> Router<S> {
    let file = tower_http::services::ServeFile::new(Path::new(site_root).join("favicon.svg"));
    Router::new()
        .route_service("/favicon.svg", file)
        .layer(axum::middleware::map_response(|res: Response| async move { kept_for(res, ICON_CACHE) }))
}

/// How long a browser keeps an asset: for good when its name is hashed.
async fn cache_for_good_when_hashed(req: Request, next: Next) -> Response {
    let hashed = has_hashed_name(req.uri().path());
    let res = next.run(req).await;
    kept_for(res, if hashed { "public, max-age=31536000, immutable" } else { "no-cache" })
}

/// `res` with `Cache-Control: cache_control` when it is the file or says it is unchanged;
/// an error is left as it is (the guard makes it `no-store`).
fn kept_for(mut res: Response, cache_control: &'static str) -> Response {
    if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
        res.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static(cache_control));
    }
    res
}

/// `…/oauthlab.<hash>.css`: a name with a part of 22 base64url characters (the 128-bit
/// content hash cargo-leptos puts in asset names) between its stem and its extension.
pub fn has_hashed_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && parts[1..parts.len() - 1].iter().any(|part| {
            part.len() == 22 && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Every file of `dir` has a `.br` and a `.gz` copy at least as new as itself.
pub fn precompressed_copies_are_fresh(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    let originals: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && !matches!(p.extension().and_then(|e| e.to_str()), Some("br" | "gz")))
        .collect();
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    !originals.is_empty()
        && originals.iter().all(|original| {
            ["br", "gz"].iter().all(|ext| {
                let mut copy = original.clone().into_os_string();
                copy.push(format!(".{ext}"));
                matches!((modified(original), modified(Path::new(&copy))), (Some(o), Some(c)) if c >= o)
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_name_has_a_22_character_hash_between_stem_and_extension() {
        for hashed in
            ["/pkg/oauthlab.otWyNZ5U2BFEKDrrv9RqSA.wasm", "/pkg/oauthlab.h3sMoxsw4Rsc-yHmb9GM4Q.css"]
        {
            assert!(has_hashed_name(hashed), "{hashed}");
        }
        for plain in
            ["/pkg/oauthlab.css", "/pkg/oauthlab.wasm.br", "/pkg/otWyNZ5U2BFEKDrrv9RqSA.wasm", "/pkg/a.b.c"]
        {
            assert!(!has_hashed_name(plain), "{plain}");
        }
    }

    #[test]
    fn copies_are_used_only_when_every_file_has_both_and_none_is_older() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = |name: &str| dir.path().join(name);
        assert!(!precompressed_copies_are_fresh(dir.path()), "an empty folder has nothing to serve");
        std::fs::write(path("a.css"), "a").expect("write");
        assert!(!precompressed_copies_are_fresh(dir.path()));
        std::fs::write(path("a.css.br"), "b").expect("write");
        std::fs::write(path("a.css.gz"), "g").expect("write");
        assert!(precompressed_copies_are_fresh(dir.path()));
        // The file is rebuilt after its copies were made: they are stale.
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(path("a.css"))
            .and_then(|f| f.set_modified(later))
            .expect("touch");
        assert!(!precompressed_copies_are_fresh(dir.path()));
    }
}
