//! Markdown to HTML for display: rendered by pulldown-cmark, then always
//! cleaned by ammonia, so that nothing a member writes can run script or
//! restyle the page. Links open without passing the referrer and carry
//! rel="noopener noreferrer nofollow".

use pulldown_cmark::{Options, Parser, html};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect());
    b
});

/// What was rendered lately, by the text it came from: a thread with
/// hundreds of replies is read far more often than written, and cleaning
/// each reply's HTML (ammonia parses it) was most of its page's time. The
/// HTML follows from the text alone, so the text is the key.
struct Rendered {
    html: HashMap<String, Arc<str>>,
    bytes: usize,
}

static RENDERED: LazyLock<Mutex<Rendered>> = LazyLock::new(|| {
    Mutex::new(Rendered {
        html: HashMap::new(),
        bytes: 0,
    })
});

/// Beyond this many bytes of texts and HTML kept, the cache starts again.
const KEEP_BYTES: usize = 32 << 20;

/// Safe HTML for a member's Markdown text.
pub fn render(md: &str) -> String {
    if let Ok(rendered) = RENDERED.lock()
        && let Some(html) = rendered.html.get(md)
    {
        return html.to_string();
    }
    let html = render_afresh(md);
    if let Ok(mut rendered) = RENDERED.lock() {
        let size = md.len() + html.len();
        if rendered.bytes + size > KEEP_BYTES {
            rendered.html.clear();
            rendered.bytes = 0;
        }
        rendered.bytes += size;
        rendered
            .html
            .insert(md.to_owned(), Arc::from(html.as_str()));
    }
    html
}

fn render_afresh(md: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut unsafe_html = String::with_capacity(md.len() + md.len() / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(md, options));
    CLEANER.clean(&unsafe_html).to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn renders_markdown() {
        let html = render("**bold** [site](https://example.com)");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }

    #[test]
    fn strips_script_and_dangerous_urls() {
        for hostile in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[x](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<svg onload=alert(1)>",
            "<div style=\"position:fixed\">x</div>",
        ] {
            let html = render(hostile);
            for bad in [
                "<script",
                "onerror",
                "javascript:",
                "<iframe",
                "onload",
                "style=",
            ] {
                assert!(!html.contains(bad), "{hostile} rendered as {html}");
            }
        }
    }
}
