//! Slack's message markup ("mrkdwn") into the Markdown Guildhall renders.
//!
//! Slack escapes `&`, `<` and `>` in text and uses `<…>` only for its own
//! tokens: links (`<http://x|label>`), mentions (`<@U123>`), channel
//! links (`<#C123|general>`) and specials (`<!here>`). Bold is `*x*`,
//! strikethrough `~x~`, and a single newline is a line break.

/// Names for the ids that mentions and channel links carry.
pub(crate) trait Names {
    fn person(&self, user_id: &str) -> Option<String>;
    fn channel(&self, channel_id: &str) -> Option<String>;
}

/// Markdown for a Slack message's text.
pub(crate) fn to_markdown(text: &str, names: &dyn Names) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_fence = false;
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            // Slack shows every newline; Markdown joins single ones.
            if in_fence || out.ends_with('\n') || out.is_empty() {
                out.push('\n');
            } else {
                out.push_str("  \n");
            }
        }
        let fences = line.matches("```").count();
        let was_in_fence = in_fence;
        if fences % 2 == 1 {
            in_fence = !in_fence;
        }
        if was_in_fence || fences > 0 {
            // Code: tokens become their text, nothing is formatted.
            out.push_str(&tokens(line, names, false));
            continue;
        }
        let mut converted = tokens(line, names, true);
        if converted.starts_with('#') {
            // Slack has no headings: a line starting with #tag is text.
            converted.insert(0, '\\');
        }
        out.push_str(&emphasis(&converted));
    }
    out.trim_end().to_owned()
}

/// Replaces `<…>` tokens and unescapes entities; `markdown` chooses
/// between a Markdown link and the bare text (inside code).
fn tokens(line: &str, names: &dyn Names, markdown: bool) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    let mut in_code = false;
    while !rest.is_empty() {
        let next = rest.find(['<', '`']).unwrap_or(rest.len());
        push_text(&mut out, &rest[..next], markdown && !in_code);
        rest = &rest[next..];
        if let Some(after) = rest.strip_prefix('`') {
            in_code = !in_code;
            out.push('`');
            rest = after;
            continue;
        }
        if rest.is_empty() {
            break;
        }
        let Some(end) = rest.find('>') else {
            push_text(&mut out, rest, markdown && !in_code);
            break;
        };
        out.push_str(&token(&rest[1..end], names, markdown && !in_code));
        rest = &rest[end + 1..];
    }
    out
}

fn push_text(out: &mut String, text: &str, escape: bool) {
    let text = unescape(text);
    if escape {
        // A literal < would open raw HTML in Markdown.
        out.push_str(&text.replace('<', "\\<"));
    } else {
        out.push_str(&text);
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn token(inner: &str, names: &dyn Names, markdown: bool) -> String {
    let (target, label) = match inner.split_once('|') {
        Some((t, l)) => (t, Some(unescape(l))),
        None => (inner, None),
    };
    if let Some(id) = target.strip_prefix('@') {
        let name = names.person(id).or(label).unwrap_or_else(|| id.to_owned());
        return format!("@{name}");
    }
    if let Some(id) = target.strip_prefix('#') {
        let name = names.channel(id).or(label).unwrap_or_else(|| id.to_owned());
        return format!("#{name}");
    }
    if let Some(special) = target.strip_prefix('!') {
        return match label {
            Some(l) => l,
            None => match special.split('^').next().unwrap_or_default() {
                "channel" | "here" | "everyone" | "group" => {
                    format!("@{}", special.split('^').next().unwrap_or_default())
                }
                other => other.to_owned(),
            },
        };
    }
    let url = unescape(target);
    let shown = url.strip_prefix("mailto:").unwrap_or(&url).to_owned();
    match label.filter(|l| !l.is_empty() && *l != url) {
        Some(label) if markdown => format!(
            "[{}](<{}>)",
            label.replace('[', "\\[").replace(']', "\\]"),
            url.replace('>', "%3E")
        ),
        Some(label) => label,
        None if markdown && url.contains("://") && !url.contains(' ') => format!("<{url}>"),
        None => shown,
    }
}

/// `*bold*` → `**bold**` and `~strike~` → `~~strike~~`, where the markers
/// open after a space or punctuation and close before one.
fn emphasis(line: &str) -> String {
    let mut out = line.to_owned();
    for (marker, md) in [('*', "**"), ('~', "~~")] {
        out = wrap(&out, marker, md);
    }
    out
}

fn wrap(line: &str, marker: char, md: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len() + 8);
    let mut i = 0;
    let opens = |i: usize| {
        chars[i] == marker
            && (i == 0 || !chars[i - 1].is_alphanumeric() && chars[i - 1] != marker)
            && chars
                .get(i + 1)
                .is_some_and(|c| !c.is_whitespace() && *c != marker)
    };
    while i < chars.len() {
        if opens(i)
            && let Some(close) = (i + 2..chars.len()).find(|&j| {
                chars[j] == marker
                    && !chars[j - 1].is_whitespace()
                    && chars
                        .get(j + 1)
                        .is_none_or(|c| !c.is_alphanumeric() && *c != marker)
            })
        {
            out.push_str(md);
            out.extend(&chars[i + 1..close]);
            out.push_str(md);
            i = close + 1;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// A title from the first words of a message's plain text: its first
/// line, cut at a word boundary near `max` characters.
pub(crate) fn title(plain: &str, max: usize) -> String {
    let line = plain
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut out = String::new();
    for w in &words {
        let needed = out.chars().count() + usize::from(!out.is_empty()) + w.chars().count();
        if needed > max {
            if out.is_empty() {
                out = crate::shared::truncate_chars(w, max);
            }
            out.push('…');
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Known;
    impl Names for Known {
        fn person(&self, id: &str) -> Option<String> {
            (id == "U1").then(|| "Ada Lovelace".to_owned())
        }
        fn channel(&self, id: &str) -> Option<String> {
            (id == "C1").then(|| "general".to_owned())
        }
    }

    #[test]
    fn tokens_become_readable_markdown() {
        let md = to_markdown(
            "<@U1>: see <http://x.org/a?b=1&amp;c=2|the docs> and <https://y.org> in <#C1> &lt;3 <!here> <@U9|bob>",
            &Known,
        );
        assert_eq!(
            md,
            "@Ada Lovelace: see [the docs](<http://x.org/a?b=1&c=2>) and <https://y.org> in #general \\<3 @here @bob"
        );
    }

    #[test]
    fn line_breaks_bold_and_code_survive() {
        let md = to_markdown(
            "*big* news ~old~\nnext line\n```\n*not bold* <http://z>\n```",
            &Known,
        );
        assert_eq!(
            md,
            "**big** news ~~old~~  \nnext line  \n```\n*not bold* http://z\n```"
        );
        assert_eq!(
            to_markdown("2*3*4 and a * b *", &Known),
            "2*3*4 and a * b *"
        );
        assert_eq!(to_markdown("#rstats rocks", &Known), "\\#rstats rocks");
        assert_eq!(to_markdown("&gt; quoted", &Known), "> quoted");
    }

    #[test]
    fn titles_are_the_first_words() {
        assert_eq!(
            title("\n  Hello there world\nmore", 80),
            "Hello there world"
        );
        assert_eq!(title("one two three four", 9), "one two…");
        assert_eq!(title("abcdefghijkl", 5), "abcde…");
        assert_eq!(title("", 5), "");
    }
}
