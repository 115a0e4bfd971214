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
    use super::plain_text;

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
