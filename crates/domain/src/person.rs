//! People and their organization-wide role.

use crate::community::word_enum;

word_enum!(
    /// A person's role in the organization (not in a community).
    OrgRole {
        Administrator = "administrator": "Administrator",
        KnowledgeStrategist = "knowledge_strategist": "Knowledge strategist",
        Executive = "executive": "Executive",
        Manager = "manager": "Manager",
        Hr = "hr": "HR",
        Member = "member": "Member",
    }
);

/// Minimum length of a password; long passphrases beat composition rules.
pub const PASSWORD_MIN: usize = 10;
/// Argon2 hashes anything, but a bound keeps hashing cost predictable.
pub const PASSWORD_MAX: usize = 256;

/// The 10,000 most common passwords, most common first, one a line: from
/// the frequency lists of zxcvbn (MIT licence, © 2016 Dropbox and Daniel
/// Wolf), themselves drawn from leaked password sets.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

fn is_common_password(p: &str) -> bool {
    let p = p.to_lowercase();
    COMMON_PASSWORDS.lines().any(|common| common == p)
}

/// A new password for the account of `email` and `name`: long enough,
/// not absurdly long, not among the most common passwords, and not the
/// account's own email, name or the part of the email before the `@`
/// (give or take digits and punctuation).
pub fn check_password(p: &str, email: &str, name: &str) -> Result<(), String> {
    let n = p.chars().count();
    if n < PASSWORD_MIN {
        return Err(format!("must be at least {PASSWORD_MIN} characters"));
    }
    if n > PASSWORD_MAX {
        return Err(format!("must be at most {PASSWORD_MAX} characters"));
    }
    // Compared on letters only, so that "Ada.Lovelace1815!" counts as the
    // name "Ada Lovelace" with decoration.
    let letters = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphabetic())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let typed = letters(p);
    let email = email.trim();
    let local = email.split('@').next().unwrap_or_default();
    if [email, local, name.trim()]
        .iter()
        .map(|s| letters(s))
        .any(|own| !own.is_empty() && typed == own)
    {
        return Err("must not be your email or your name".into());
    }
    if is_common_password(p) {
        return Err("is one of the most common passwords; choose one nobody would guess".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_must_not_be_common_or_the_accounts_own() {
        let ok = |p: &str| check_password(p, "ada.lovelace@example.org", "Ada Lovelace");
        assert!(ok("correct horse battery").is_ok());
        assert!(ok("short").is_err());
        assert!(ok("1234567890").is_err(), "common");
        assert!(ok("QwertyUIOP").is_err(), "common, whatever the case");
        assert!(ok("ada.lovelace@example.org").is_err(), "own email");
        assert!(ok("Ada Lovelace").is_err(), "own name");
        assert!(ok("adalovelace2024").is_err(), "the name and digits");
        assert!(ok("Ada.Lovelace-1815!").is_err(), "the name, decorated");
        assert!(ok("ada lovelace's engine").is_ok(), "more than the name");
        assert!(ok("ada.lovelace").is_err(), "the email's local part");
        assert_eq!(COMMON_PASSWORDS.lines().count(), 10_000);
    }
}
