//! Personal access tokens: what each scope lets a token do.
//!
//! - `read`: every token; safe requests only (GET, HEAD).
//! - `write`: also requests that change something.
//! - `admin`: the token may use its person's organization role
//!   (administrator, HR, strategist, …); without it the token acts as a
//!   plain member, so a token leaked from a script cannot administer.

use crate::person::OrgRole;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TokenScopes {
    pub write: bool,
    pub admin: bool,
}

/// How long a token lives unless asked otherwise, and at most.
pub const DEFAULT_DAYS: i64 = 90;
pub const MAX_DAYS: i64 = 366;

impl TokenScopes {
    /// From the chosen scope names; `read` is implied.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut s = TokenScopes::default();
        for name in names {
            match name.trim() {
                "" | "read" => {}
                "write" => s.write = true,
                "admin" => s.admin = true,
                other => {
                    let shown: String = other.chars().take(40).collect();
                    return Err(format!("'{shown}' is not one of: read, write, admin"));
                }
            }
        }
        Ok(s)
    }

    /// As stored: space-separated.
    pub fn as_text(&self) -> String {
        let mut out = String::from("read");
        if self.write {
            out.push_str(" write");
        }
        if self.admin {
            out.push_str(" admin");
        }
        out
    }

    /// Whether a request that changes state (or not) is allowed.
    pub fn allows(&self, changes_state: bool) -> bool {
        !changes_state || self.write
    }

    /// The organization role the token acts with.
    pub fn role(&self, person_role: OrgRole) -> OrgRole {
        if self.admin {
            person_role
        } else {
            OrgRole::Member
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_and_unknown_ones_are_named() {
        let s = TokenScopes::parse(["read", "write"]).unwrap_or_default();
        assert_eq!(s.as_text(), "read write");
        assert_eq!(
            TokenScopes::parse("read write admin".split(' ')).map(|s| s.as_text()),
            Ok("read write admin".into())
        );
        assert_eq!(
            TokenScopes::parse([]).map(|s| s.as_text()),
            Ok("read".into())
        );
        let e = TokenScopes::parse(["root"]).unwrap_err();
        assert!(e.contains("'root' is not one of"));
    }

    #[test]
    fn read_tokens_only_read_and_admin_is_needed_for_powers() {
        let read = TokenScopes::default();
        assert!(read.allows(false));
        assert!(!read.allows(true));
        assert_eq!(read.role(OrgRole::Administrator), OrgRole::Member);
        let admin = TokenScopes {
            write: false,
            admin: true,
        };
        assert_eq!(admin.role(OrgRole::Hr), OrgRole::Hr);
        assert!(!admin.allows(true));
    }
}
