//! The one decision of where a `next=` parameter may send a browser: a path
//! on this site, never another site, and never a header value that cannot
//! be sent. Every handler that follows a `next` asks [`local_path`].

/// Longest `next` followed; anything longer goes to the fallback.
const NEXT_MAX: usize = 2048;

/// `raw` as a `Location` on this site, or `None` when it is not a plain
/// local path: it must start with `/` followed by a path character (not
/// `/` or `\`, which browsers read as "another host"), and may hold no
/// backslash, no control character (a tab or newline is dropped by
/// browsers, turning `/\t/evil.example` into `//evil.example`) and no
/// `//`. Characters beyond ASCII are percent-encoded.
pub fn local_path(raw: &str) -> Option<String> {
    if raw.len() > NEXT_MAX || !raw.starts_with('/') || raw.contains("//") {
        return None;
    }
    if raw
        .chars()
        .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
    {
        return None;
    }
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    Some(out)
}

/// [`local_path`], or `fallback` when `raw` is not one.
pub fn local_or(raw: &str, fallback: &str) -> String {
    local_path(raw).unwrap_or_else(|| fallback.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_pass() {
        assert_eq!(local_path("/").as_deref(), Some("/"));
        assert_eq!(
            local_path("/communities?q=a&page=2#x").as_deref(),
            Some("/communities?q=a&page=2#x")
        );
        assert_eq!(
            local_path("/search?q=café").as_deref(),
            Some("/search?q=caf%C3%A9")
        );
        assert_eq!(local_path("/?x=1").as_deref(), Some("/?x=1"));
    }

    /// Regression: `/%09/evil.example/phish` (a tab) passed and browsers
    /// followed it to evil.example; control characters made a 500.
    #[test]
    fn other_sites_and_unsendable_values_do_not() {
        for bad in [
            "",
            "communities",
            "//evil.example",
            "/\t/evil.example/phish",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/\x0b/evil.example",
            "/\x00",
            "/\x7f",
            "/\\evil.example",
            "\\/evil.example",
            "/a\\b",
            "/a//b",
            "https://evil.example",
            "/ /evil.example",
            "/\u{2028}x",
            "/\u{85}x",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
        assert_eq!(local_path(&format!("/{}", "a".repeat(3000))), None);
        assert_eq!(local_or("//evil", "/notifications"), "/notifications");
    }
}
