//! Accounts and sign-in: argon2id password hashes, server-side sessions
//! whose tokens are stored hashed, first-run setup.

use crate::error::NotFoundAs;
use crate::{App, AppError, Result};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine;
use guildhall_domain::person::check_password;
use guildhall_domain::text::{NAME_MAX, required_line};
use guildhall_domain::{Email, FieldErrors, OrgRole, PersonId, Timestamp, UnitId, Viewer};
use guildhall_store::NewPerson;
use sha2::{Digest, Sha256};

/// The signed-in person as every use-case needs them.
#[derive(Clone, Debug)]
pub struct SessionUser {
    pub viewer: Viewer,
    pub name: String,
    pub unit: Option<UnitId>,
    /// Hash of the session token, to keep this session when others end.
    pub session_hash: String,
}

impl SessionUser {
    pub fn id(&self) -> PersonId {
        self.viewer.person
    }
}

/// A new session's secret for the cookie, shown once and stored hashed.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub token: String,
    pub expires_at: Timestamp,
}

/// Random URL-safe token of 256 bits.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes on a blocking thread: argon2 takes tens of milliseconds on purpose.
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// A hash of nothing anyone knows, verified when the email is unknown so that
/// a wrong email and a wrong password take the same time.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$mXh4Lk8fG0pQ0U3q4k3b0wDMAgBv0b1pYdVq0C+v3xA";

/// What a new account needs; strings as typed, validated here.
#[derive(Clone, Debug, Default)]
pub struct AccountInput {
    pub name: String,
    pub email: String,
    pub password: String,
    pub role: String,
}

impl App {
    /// True until the first account exists: the web shows a setup page.
    pub async fn needs_setup(&self) -> Result<bool> {
        Ok(self.store.count_accounts().await? == 0)
    }

    /// Creates an account (CLI `admin create-user`, setup page, HR).
    pub async fn create_account(&self, input: &AccountInput) -> Result<PersonId> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", required_line(&input.name, NAME_MAX));
        let email = errors.check("email", Email::parse(&input.email));
        errors.check("password", check_password(&input.password));
        let role = errors.check("role", OrgRole::parse(&input.role));
        errors.into_result()?;
        let (Some(name), Some(email), Some(role)) = (name, email, role) else {
            return Err(AppError::Internal("validated values missing".into()));
        };
        let hash = hash_password(input.password.clone()).await?;
        let id = self
            .store
            .create_person(&NewPerson {
                name,
                email: email.as_str().to_owned(),
                unit_id: None,
                title: String::new(),
                manager_id: None,
                expertise: String::new(),
                interests: String::new(),
                bio: String::new(),
                org_role: role.as_str().to_owned(),
                password_hash: Some(hash),
            })
            .await
            .map_err(|e| match e {
                guildhall_store::StoreError::Conflict(_) => {
                    AppError::conflict("email", "a person with this email already exists")
                }
                other => other.into(),
            })?;
        Ok(PersonId(id))
    }

    /// The first administrator, only while no account exists.
    pub async fn set_up(&self, mut input: AccountInput) -> Result<PersonId> {
        if !self.needs_setup().await? {
            return Err(AppError::Forbidden(
                "Guildhall is already set up; sign in instead".into(),
            ));
        }
        input.role = OrgRole::Administrator.as_str().into();
        self.create_account(&input).await
    }

    /// Checks credentials and opens a session. The message is the same for
    /// an unknown email and a wrong password.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<(PersonId, NewSession)> {
        let wrong = || AppError::Unauthenticated("the email or password is not right".into());
        let Ok(email) = Email::parse(email) else {
            return Err(wrong());
        };
        if password.is_empty() || password.len() > 1024 {
            return Err(wrong());
        }
        let creds = self.store.credentials_by_email(email.as_str()).await?;
        let hash = creds.as_ref().and_then(|c| c.password_hash.clone());
        let ok = verify_password(
            password.to_owned(),
            hash.clone().unwrap_or_else(|| DECOY_HASH.into()),
        )
        .await;
        let (Some(creds), true, Some(_)) = (creds, ok, hash) else {
            return Err(wrong());
        };
        let session = self.open_session(creds.id).await?;
        Ok((PersonId(creds.id), session))
    }

    async fn open_session(&self, person: i64) -> Result<NewSession> {
        let token = random_token();
        let now = Timestamp::now();
        let expires_at = Timestamp(now.0 + self.config.session_ttl_secs);
        self.store
            .create_session(&hash_token(&token), person, now.0, expires_at.0)
            .await?;
        Ok(NewSession { token, expires_at })
    }

    /// The person behind a session token, if the session is live.
    pub async fn session_user(&self, token: &str) -> Result<Option<SessionUser>> {
        if token.is_empty() || token.len() > 100 {
            return Ok(None);
        }
        let session_hash = hash_token(token);
        let Some(row) = self
            .store
            .session_person(&session_hash, Timestamp::now().0)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(SessionUser {
            viewer: Viewer {
                person: PersonId(row.person_id),
                role: OrgRole::parse(&row.org_role).unwrap_or(OrgRole::Member),
            },
            name: row.name,
            unit: row.unit_id.map(UnitId),
            session_hash,
        }))
    }

    pub async fn sign_out(&self, user: &SessionUser) -> Result<()> {
        self.store.delete_session(&user.session_hash).await?;
        Ok(())
    }

    /// Changes the password after checking the current one; every other
    /// session of the person ends.
    pub async fn change_password(
        &self,
        user: &SessionUser,
        current: &str,
        new: &str,
        confirm: &str,
    ) -> Result<()> {
        let mut errors = FieldErrors::new();
        errors.check("new_password", check_password(new));
        if new != confirm {
            errors.add("confirm_password", "does not match the new password");
        }
        let creds = self
            .store
            .credentials(user.id().0)
            .await
            .or_not_found("person")?;
        let ok = match creds.password_hash {
            Some(h) => verify_password(current.to_owned(), h).await,
            None => false,
        };
        if !ok {
            errors.add("current_password", "is not your current password");
        }
        errors.into_result()?;
        let hash = hash_password(new.to_owned()).await?;
        self.store
            .set_password_hash(user.id().0, &hash, Some(&user.session_hash))
            .await?;
        Ok(())
    }

    /// Sets a password without the current one (CLI, administrators).
    pub async fn reset_password(&self, person: PersonId, new: &str) -> Result<()> {
        check_password(new).map_err(|m| AppError::invalid("password", m))?;
        let hash = hash_password(new.to_owned()).await?;
        self.store
            .set_password_hash(person.0, &hash, None)
            .await
            .or_not_found("person")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoy_hash_parses() {
        assert!(argon2::PasswordHash::new(DECOY_HASH).is_ok());
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token();
        assert_ne!(a, random_token());
        assert_eq!(hash_token(&a).len(), 64);
    }
}
