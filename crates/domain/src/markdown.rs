//! What members write is Markdown. The domain needs two things from it:
//! the plain text (for search and snippets) and the people it @mentions.
//! Rendering to HTML is the web crate's job.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// The words of a Markdown text without its markup, block elements
/// separated by newlines.
pub fn plain_text(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    for event in Parser::new(md) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock,
            ) => out.push('\n'),
            Event::Start(Tag::Image { .. }) => {}
            _ => {}
        }
    }
    out.trim().to_owned()
}

/// The handles @mentioned in the text, outside code, in order of first
/// appearance, without duplicates. A handle is the local part of a
/// person's email address (`@ada.lovelace`), so that it is unique within
/// the organization; a trailing dot ends a sentence, not the handle.
pub fn mentions(md: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // The parser may split one run of text into several events; join them
    // so a handle is never cut in two, and break at anything else (code).
    let mut run = String::new();
    let mut in_code_block = false;
    for event in Parser::new(md) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::Text(t) if !in_code_block => {
                run.push_str(&t);
                continue;
            }
            _ => {}
        }
        collect_handles(&run, &mut out);
        run.clear();
    }
    collect_handles(&run, &mut out);
    out
}

fn collect_handles(text: &str, out: &mut Vec<String>) {
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        let starts = c == '@' && !prev.is_some_and(|p| p.is_alphanumeric() || p == '.');
        prev = Some(c);
        if !starts {
            continue;
        }
        let rest = &text[i + 1..];
        let len = rest
            .char_indices()
            .find(|(_, ch)| !is_handle_char(*ch))
            .map_or(rest.len(), |(j, _)| j);
        let handle = rest[..len].trim_end_matches(['.', '-', '_']).to_lowercase();
        if !handle.is_empty() && handle.len() <= 64 && !out.contains(&handle) {
            out.push(handle);
        }
    }
}

fn is_handle_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+')
}

/// A short single-line excerpt of the plain text, cut at a word boundary.
pub fn excerpt(md: &str, max_chars: usize) -> String {
    let text = plain_text(md)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if text.chars().count() <= max_chars {
        return text;
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_drops_markup() {
        let t = plain_text("# Title\n\nSome **bold** and `code`.\n\n- one\n- two");
        assert_eq!(t, "Title\nSome bold and code.\none\ntwo");
    }

    #[test]
    fn mentions_are_found_outside_code_and_emails() {
        let m = mentions(
            "Thanks @ada.lovelace and @Grace_Hopper. Mail me at x@example.com; `@not.this`\n\n    @nor.this\n\n@ada.lovelace again",
        );
        assert_eq!(m, vec!["ada.lovelace", "grace_hopper"]);
    }

    #[test]
    fn excerpts_cut_at_words() {
        assert_eq!(excerpt("one two three four", 9), "one two…");
        assert_eq!(excerpt("short", 20), "short");
    }
}
