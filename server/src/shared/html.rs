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

/// A whole page: `title` (escaped), the header's `banner` and the `body`, both already
/// HTML.
pub fn page(title: &str, banner: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"/pkg/oauthlab.css\"></head>\
         <body><header class=\"site-header\"><nav class=\"site-nav\"><a class=\"brand\" href=\"/\">OAuth Lab</a>\
         {banner}</nav></header><main class=\"site-main\">{body}</main></body></html>",
        escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert!(page("<b>", "", "").contains("<title>&lt;b&gt;</title>"));
    }
}
