//! Validated text values. Constructors return a message a person can act on.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A community's address in URLs: lowercase letters, digits and single
/// hyphens, 2–60 characters, not starting or ending with a hyphen.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Slug(String);

/// Paths under `/communities/` that a slug must not shadow.
const RESERVED_SLUGS: &[&str] = &["new", "edit", "api", "admin"];

impl Slug {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.len() < 2 || s.len() > 60 {
            return Err("must be 2 to 60 characters long".into());
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err("may contain only lowercase letters, digits and hyphens".into());
        }
        if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err("must not start or end with a hyphen or contain two in a row".into());
        }
        if RESERVED_SLUGS.contains(&s) {
            return Err(format!("'{s}' is reserved; choose another"));
        }
        Ok(Slug(s.to_owned()))
    }

    /// Derives a slug from a name ("Data Engineering!" → "data-engineering").
    pub fn suggest(name: &str) -> String {
        let mut out = String::new();
        for c in name.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        out.trim_end_matches('-')
            .chars()
            .take(60)
            .collect::<String>()
            .trim_end_matches('-')
            .to_owned()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address, normalized to lowercase so the same person is found
/// whatever case they type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().to_lowercase();
        if s.is_empty() {
            return Err("is required".into());
        }
        if s.len() > 254 {
            return Err("must be at most 254 characters".into());
        }
        let Some((local, host)) = s.split_once('@') else {
            return Err("must look like name@example.org".into());
        };
        let host_ok = host.contains('.')
            && !host.starts_with('.')
            && !host.ends_with('.')
            && host
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        if local.is_empty()
            || !host_ok
            || s.chars().any(|c| c.is_whitespace() || c.is_control())
            || host.contains('@')
        {
            return Err("must look like name@example.org".into());
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A required single-line text (a name or title): trimmed, 1..=max chars,
/// no control characters.
pub fn required_line(s: &str, max: usize) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("is required".into());
    }
    optional_line(s, max)
}

/// An optional single-line text: trimmed, at most `max` chars.
pub fn optional_line(s: &str, max: usize) -> Result<String, String> {
    let s = s.trim();
    if s.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if s.chars().any(char::is_control) {
        return Err("must be a single line without control characters".into());
    }
    Ok(s.to_owned())
}

/// An optional multi-line text: at most `max` chars; newlines and tabs are
/// allowed, other control characters are not.
pub fn optional_text(s: &str, max: usize) -> Result<String, String> {
    let s = s.trim();
    if s.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("must not contain control characters".into());
    }
    Ok(s.replace("\r\n", "\n"))
}

/// Text typed into a search or filter box: trimmed, control characters
/// (which no stored text contains, and PostgreSQL refuses) removed, at most
/// 200 characters. `None` when nothing is left.
pub fn search_text(s: &str) -> Option<String> {
    let cleaned: String = s.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim();
    (!cleaned.is_empty()).then(|| cleaned.to_owned())
}

/// A comma-separated list of short tags ("rust, databases") → normalized,
/// de-duplicated, each 1..=40 chars, at most 20.
pub fn tag_list(s: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for part in s.split(',') {
        let t = part.trim().to_lowercase();
        if t.is_empty() {
            continue;
        }
        if t.chars().count() > 40 {
            return Err(format!("'{t}' is longer than 40 characters"));
        }
        if t.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > 20 {
        return Err("at most 20 entries".into());
    }
    Ok(out)
}

pub const NAME_MAX: usize = 120;
pub const TITLE_MAX: usize = 120;
pub const SHORT_TEXT_MAX: usize = 2_000;
pub const LONG_TEXT_MAX: usize = 20_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(Slug::parse("data-eng").is_ok());
        assert!(Slug::parse("Data").is_err());
        assert!(Slug::parse("-x").is_err());
        assert!(Slug::parse("a--b").is_err());
        assert!(Slug::parse("new").is_err());
        assert!(Slug::parse("x").is_err());
        assert_eq!(Slug::suggest("Data Engineering!"), "data-engineering");
        assert_eq!(Slug::suggest("  Ünïcode & Co "), "n-code-co");
    }

    #[test]
    fn emails_are_normalized() {
        assert_eq!(
            Email::parse(" Ada@Example.ORG ").map(|e| e.0),
            Ok("ada@example.org".into())
        );
        assert!(Email::parse("ada").is_err());
        assert!(Email::parse("ada@example").is_err());
        assert!(Email::parse("a b@example.org").is_err());
        assert!(Email::parse("").is_err());
        assert!(Email::parse("a\0b@example.org").is_err());
    }

    #[test]
    fn tags() {
        assert_eq!(
            tag_list("Rust, rust , SQL,,"),
            Ok(vec!["rust".to_owned(), "sql".to_owned()])
        );
        assert!(tag_list(&"x,".repeat(30)).is_ok());
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(tag_list(&many.join(",")).is_err());
    }

    #[test]
    fn search_text_drops_what_databases_refuse() {
        assert_eq!(search_text(" a\0b "), Some("ab".into()));
        assert_eq!(search_text("\0"), None);
        assert_eq!(search_text(&"x".repeat(500)).map(|s| s.len()), Some(200));
    }

    #[test]
    fn lines() {
        assert!(required_line("  ", 10).is_err());
        assert!(required_line("a\u{7}b", 10).is_err());
        assert!(optional_line(&"x".repeat(11), 10).is_err());
        assert_eq!(optional_text("a\r\nb", 10), Ok("a\nb".into()));
    }
}
