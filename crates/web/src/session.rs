//! Cookies: the session token and the visitor cookie (a random value that
//! form tokens are bound to before signing in). Both are HttpOnly; form
//! tokens themselves are derived from the session or the visitor cookie
//! (`App::form_token`), never read from a cookie. Served over HTTPS, the
//! cookies carry the `__Host-` prefix, which browsers only accept from
//! this host over HTTPS, so a neighbouring subdomain cannot plant one.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

/// Which of our cookies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cookie {
    Session,
    Visitor,
}

impl Cookie {
    pub fn name(self, secure: bool) -> &'static str {
        match (self, secure) {
            (Cookie::Session, false) => "gh_session",
            (Cookie::Session, true) => "__Host-gh_session",
            (Cookie::Visitor, false) => "gh_csrf",
            (Cookie::Visitor, true) => "__Host-gh_csrf",
        }
    }

    /// This cookie's value in a request, if well formed (anything else is
    /// ignored, and replaced, rather than trusted).
    pub fn read(self, headers: &HeaderMap, secure: bool) -> Option<String> {
        cookie(headers, self.name(secure)).filter(|t| well_formed_token(t))
    }

    /// Sets (or, with `max_age` 0, deletes) this cookie on a response.
    pub fn set(self, response: &mut Response, value: &str, max_age: i64, secure: bool) {
        let flags = if secure { "; Secure" } else { "" };
        let line = format!(
            "{}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{flags}",
            self.name(secure)
        );
        if let Ok(v) = HeaderValue::from_str(&line) {
            response.headers_mut().append(SET_COOKIE, v);
        }
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
}

/// Tokens we issue are URL-safe base64 of 32 bytes; anything else is
/// ignored (and replaced) rather than trusted.
pub fn well_formed_token(t: &str) -> bool {
    t.len() == 43
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Compares secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_static("a=1; gh_session=xyz; b=2"));
        assert_eq!(
            cookie(&h, Cookie::Session.name(false)).as_deref(),
            Some("xyz")
        );
        assert_eq!(cookie(&h, "missing"), None);
        let token = "a".repeat(43);
        h.insert(
            COOKIE,
            HeaderValue::from_str(&format!("gh_session={token}")).expect("v"),
        );
        assert_eq!(Cookie::Session.read(&h, false), Some(token));
        assert_eq!(
            Cookie::Session.read(&h, true),
            None,
            "only __Host- when secure"
        );
    }

    #[test]
    fn secrets_compare() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
