//! The few pages the server writes itself, outside the Leptos app: the practice server's
//! consent and error pages, and the page a plain form post gets when the guard turns it
//! away. They use the site's stylesheet.

/// Text made safe for HTML, in element content and in quoted attribute values.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The file `hash.txt` next to the running binary, where `cargo leptos build` writes the
/// content hashes in the site's asset names (`css: <hash>`); `None` without one (a build
/// without hashed names, or a test binary).
pub fn asset_hashes() -> Option<String> {
    let dir = std::env::current_exe().ok()?.parent()?.to_path_buf();
    std::fs::read_to_string(dir.join("hash.txt")).ok()
}

/// The site stylesheet's path: `/pkg/oauthlab.<hash>.css` as `hashes` (the text of
/// `hash.txt`) names it, else `/pkg/oauthlab.css`.
pub fn stylesheet_path(hashes: Option<&str>) -> String {
    let hash = hashes.into_iter().flat_map(str::lines).find_map(|line| {
        let (kind, hash) = line.split_once(':')?;
        (kind.trim() == "css").then(|| hash.trim().to_owned())
    });
    match hash {
        Some(hash) if !hash.is_empty() => format!("/pkg/oauthlab.{hash}.css"),
        _ => "/pkg/oauthlab.css".to_owned(),
    }
}

/// The stylesheet's path for this binary, read once.
fn stylesheet() -> &'static str {
    static PATH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PATH.get_or_init(|| stylesheet_path(asset_hashes().as_deref()))
}

/// A whole page: `title` (escaped), the header's `banner` and the `body`, both already
/// HTML.
pub fn page(title: &str, banner: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"{}\"></head>\
         <body><header class=\"site-header\"><nav class=\"site-nav\"><a class=\"brand\" href=\"/\">OAuth Lab</a>\
         {banner}</nav></header><main class=\"site-main\">{body}</main></body></html>",
        escape(title),
        stylesheet()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stylesheet_path_carries_the_hash_of_hash_txt() {
        let hashes =
            "js: j8gZo2A1zwPxNzPbgAJrnQ\nwasm: otWyNZ5U2BFEKDrrv9RqSA\ncss: h3sMoxsw4Rsc-yHmb9GM4Q\n";
        assert_eq!(stylesheet_path(Some(hashes)), "/pkg/oauthlab.h3sMoxsw4Rsc-yHmb9GM4Q.css");
        assert_eq!(stylesheet_path(Some("js: x\n")), "/pkg/oauthlab.css");
        assert_eq!(stylesheet_path(None), "/pkg/oauthlab.css");
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert!(page("<b>", "", "").contains("<title>&lt;b&gt;</title>"));
    }
}
