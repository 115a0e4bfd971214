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

pub fn check_password(p: &str) -> Result<(), String> {
    let n = p.chars().count();
    if n < PASSWORD_MIN {
        return Err(format!("must be at least {PASSWORD_MIN} characters"));
    }
    if n > PASSWORD_MAX {
        return Err(format!("must be at most {PASSWORD_MAX} characters"));
    }
    Ok(())
}
