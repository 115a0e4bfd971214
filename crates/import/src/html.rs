//! Plain text of the HTML that sources store (Stack Exchange post bodies),
//! for the search index: tags dropped, blocks on lines of their own,
//! character references decoded. Not a sanitizer: what is shown goes
//! through the web layer's cleaner.

/// Tags after which the text continues on a new line.
const BLOCKS: &[&str] = &[
    "p",
    "br",
    "li",
    "pre",
    "div",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "hr",
    "ul",
    "ol",
    "table",
];

pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_decoded(&mut out, &rest[..lt]);
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            // A lone '<' in text.
            push_decoded(&mut out, &rest[lt..]);
            rest = "";
            break;
        };
        let tag = after[..gt].trim_start_matches('/');
        let name_end = tag
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(tag.len());
        let name = tag[..name_end].to_ascii_lowercase();
        if BLOCKS.contains(&name.as_str()) && !out.ends_with('\n') && !out.is_empty() {
            out.push('\n');
        }
        rest = &after[gt + 1..];
    }
    push_decoded(&mut out, rest);
    out.trim().to_owned()
}

/// `html` without the images that only the source site can serve: an
/// `<img>` whose address is relative to that site (`/images/emoji/…`,
/// `/user_avatar/…`) would point at this server once imported, so it gives
/// way to its alt text — which for an emoji is its `:name:`, kept in the
/// text and the search index. Images with a full address stay.
pub fn without_local_images(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = find_img(rest) {
        let Some(len) = rest[start..].find('>') else {
            break;
        };
        let tag = &rest[start..start + len + 1];
        out.push_str(&rest[..start]);
        let src = attribute(tag, "src").unwrap_or_default();
        if src.starts_with('/') && !src.starts_with("//") {
            out.push_str(attribute(tag, "alt").unwrap_or_default());
        } else {
            out.push_str(tag);
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// Where the next `<img` tag starts (any case).
fn find_img(html: &str) -> Option<usize> {
    html.as_bytes().windows(5).position(|w| {
        w[0] == b'<' && w[1..4].eq_ignore_ascii_case(b"img") && w[4].is_ascii_whitespace()
    })
}

/// The value of a double-quoted attribute of one tag, as written.
fn attribute<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let mut from = 0;
    while let Some(at) = tag[from..].find(name) {
        let at = from + at;
        let before = tag[..at].chars().next_back();
        let after = &tag[at + name.len()..];
        if before.is_some_and(char::is_whitespace)
            && let Some(value) = after.strip_prefix("=\"")
        {
            return value.find('"').map(|end| &value[..end]);
        }
        from = at + name.len();
    }
    None
}

/// Appends `text` with its character references decoded; unknown ones are
/// kept as written.
fn push_decoded(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after.find(';').filter(|n| *n <= 10).and_then(|semi| {
            let name = &after[..semi];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some(' '),
                _ => {
                    let n = if let Some(hex) =
                        name.strip_prefix("#x").or_else(|| name.strip_prefix("#X"))
                    {
                        u32::from_str_radix(hex, 16).ok()
                    } else if let Some(dec) = name.strip_prefix('#') {
                        dec.parse().ok()
                    } else {
                        None
                    };
                    n.and_then(char::from_u32)
                }
            };
            c.map(|c| (c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::{plain_text, without_local_images};

    #[test]
    fn images_of_the_source_site_give_way_to_their_alt_text() {
        let html = r#"<p>Done <img src="/images/emoji/twitter/tada.png?v=12" title=":tada:" class="emoji" alt=":tada:"> <IMG alt="" src="/user_avatar/x/48/1.png" class="avatar">and <img src="https://example.org/a.png" alt="chart"></p>"#;
        assert_eq!(
            without_local_images(html),
            r#"<p>Done :tada: and <img src="https://example.org/a.png" alt="chart"></p>"#
        );
        assert_eq!(without_local_images("a <img b"), "a <img b");
        assert_eq!(without_local_images("<imgx>"), "<imgx>");
    }

    #[test]
    fn tags_go_entities_are_decoded_blocks_break_lines() {
        let html = "<p>What does &quot;backprop&quot; mean?</p>\n\n<pre><code>a &lt; b &amp;&amp; c\n</code></pre>\n<p>Caf&#xE9; &#233; AT&T</p>";
        let text = plain_text(html);
        assert_eq!(
            text,
            "What does \"backprop\" mean?\n\n\na < b && c\n\nCafé é AT&T"
        );
        assert_eq!(plain_text("x < y"), "x < y");
    }
}
