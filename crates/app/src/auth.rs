//! Accounts and sign-in: argon2id password hashes, server-side sessions
//! whose tokens are stored hashed, first-run setup, sign-in throttling by
//! account and client (counted in the database, so every server sharing
//! it agrees), and the form tokens that bind a form to its session.

use crate::error::NotFoundAs;
use crate::{App, AppError, Result};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine;
use guildhall_domain::person::check_password;
use guildhall_domain::text::{NAME_MAX, required_line};
use guildhall_domain::throttle::{self, Limit};
use guildhall_domain::{Email, FieldErrors, OrgRole, PersonId, Timestamp, UnitId, Viewer};
use guildhall_store::NewPerson;
use hmac::{Hmac, KeyInit, Mac};
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

/// What a form token is bound to.
#[derive(Clone, Copy, Debug)]
pub enum FormBinding<'a> {
    /// A signed-in session, by the hash of its token.
    Session(&'a str),
    /// A visitor not signed in, by their random visitor cookie.
    Visitor(&'a str),
}

/// The throttle keys of a sign-in attempt, hashed (what was typed is not
/// kept there), with their limits and how the refusal names them: this
/// account from this client first, then the client alone (unknown clients
/// share no count).
fn throttle_keys(account: &str, client: &str) -> Vec<(String, Limit, &'static str)> {
    let mut keys = vec![(
        hash_token(&format!("account\0{account}\0{client}")),
        throttle::PER_ACCOUNT_CLIENT,
        "for this account",
    )];
    if !client.is_empty() {
        keys.push((
            hash_token(&format!("client\0{client}")),
            throttle::PER_CLIENT,
            "from your network address",
        ));
    }
    keys
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
            .map_err(|e| AppError::internal(format!("hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::internal_from("the hashing thread stopped", e))?
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
        errors.check(
            "password",
            check_password(&input.password, &input.email, &input.name),
        );
        let role = errors.check("role", OrgRole::parse(&input.role));
        errors.into_result()?;
        let (Some(name), Some(email), Some(role)) = (name, email, role) else {
            return Err(AppError::internal("validated values missing"));
        };
        let hash = hash_password(input.password.clone()).await?;
        let id = self
            .store
            .create_person(&NewPerson {
                org_role: role,
                password_hash: Some(hash),
                ..NewPerson::member(name, email.as_str())
            })
            .await
            .map_err(|e| match e {
                guildhall_store::StoreError::Conflict(_) => {
                    AppError::conflict("email", "a person with this email already exists")
                }
                other => other.into(),
            })?;
        Ok(id)
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
    /// an unknown email and a wrong password. `client` is where the request
    /// came from (empty if unknown). Failures are counted for this account
    /// from this client and for this client; past a few free tries each key
    /// waits longer and longer before its next try. Another client's
    /// failures never refuse a correct password. Every attempt is audited.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: &str,
    ) -> Result<(PersonId, NewSession)> {
        let now = Timestamp::now().0;
        // What was typed, for the audit log and the throttle: without
        // control characters, which PostgreSQL refuses (NUL) in text.
        let typed: String = email
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(120)
            .collect();
        let keys = throttle_keys(&typed.to_lowercase(), client);
        for (key, limit, whose) in &keys {
            if let Some(f) = self.store.sign_in_failures(key).await?
                && let Some(wait) = throttle::wait(*limit, f.failures, f.last_failure_at, now)
            {
                return Err(AppError::Throttled {
                    message: format!(
                        "too many failed sign-ins {whose}; try again in {}",
                        throttle::wait_words(wait)
                    ),
                    retry_after_secs: wait,
                });
            }
        }
        let actor = crate::Actor {
            viewer: None,
            address: client.to_owned(),
        };
        match self.check_credentials(email, password).await? {
            Some(id) => {
                // Only this account's failures from this client are
                // forgiven: the client's own count keeps slowing a sprayer
                // who also holds one good password.
                if let Some((key, _, _)) = keys.first() {
                    self.store.clear_sign_in_failures(key).await?;
                }
                let mut entry = actor.entry("sign_in.succeeded", typed, String::new());
                entry.actor_id = Some(id);
                self.store.append_audit(&entry).await?;
                let session = self.open_session(id).await?;
                Ok((id, session))
            }
            None => {
                self.audit(&actor, "sign_in.failed", typed.clone(), String::new())
                    .await?;
                for (key, limit, whose) in &keys {
                    let f = self
                        .store
                        .record_sign_in_failure(key, now, now - limit.forget_after_secs)
                        .await?;
                    if f.failures == limit.free {
                        self.audit(
                            &actor,
                            "sign_in.throttled",
                            typed.clone(),
                            format!(
                                "{} failures {whose}: each further try waits longer",
                                f.failures
                            ),
                        )
                        .await?;
                    }
                }
                Err(AppError::Unauthenticated(
                    "the email or password is not right".into(),
                ))
            }
        }
    }

    /// The person these credentials open, if any (in constant time whether
    /// or not the email is known: an unknown one is checked against a decoy).
    async fn check_credentials(&self, email: &str, password: &str) -> Result<Option<PersonId>> {
        let Ok(email) = Email::parse(email) else {
            return Ok(None);
        };
        if password.is_empty() || password.len() > 1024 {
            return Ok(None);
        }
        let creds = self.store.credentials_by_email(email.as_str()).await?;
        let hash = creds.as_ref().and_then(|c| c.password_hash.clone());
        let ok = verify_password(
            password.to_owned(),
            hash.clone().unwrap_or_else(|| DECOY_HASH.into()),
        )
        .await;
        let (Some(creds), true, Some(_)) = (creds, ok, hash) else {
            return Ok(None);
        };
        Ok(Some(creds.id))
    }

    async fn open_session(&self, person: PersonId) -> Result<NewSession> {
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
                person: row.person_id,
                role: row.org_role,
            },
            name: row.name,
            unit: row.unit_id,
            session_hash,
        }))
    }

    pub async fn sign_out(&self, user: &SessionUser) -> Result<()> {
        self.store.delete_session(&user.session_hash).await?;
        Ok(())
    }

    /// Changes the password after checking the current one; every other
    /// session of the person ends, and their API tokens are revoked unless
    /// they chose to keep them (`keep_tokens`).
    pub async fn change_password(
        &self,
        user: &SessionUser,
        current: &str,
        new: &str,
        confirm: &str,
        keep_tokens: bool,
    ) -> Result<()> {
        let mut errors = FieldErrors::new();
        let creds = self
            .store
            .credentials(user.id())
            .await
            .or_not_found("person")?;
        let person = self.store.person(user.id()).await.or_not_found("person")?;
        errors.check(
            "new_password",
            check_password(new, &person.email, &person.name),
        );
        if new != confirm {
            errors.add("confirm_password", "does not match the new password");
        }
        let ok = match creds.password_hash {
            Some(h) => verify_password(current.to_owned(), h).await,
            None => false,
        };
        if !ok {
            errors.add("current_password", "is not your current password");
        }
        errors.into_result()?;
        let hash = hash_password(new.to_owned()).await?;
        let now = Timestamp::now().0;
        let revoked = self
            .store
            .set_password_hash(
                user.id(),
                &hash,
                Some(&user.session_hash),
                (!keep_tokens).then_some(now),
            )
            .await?;
        let actor = crate::Actor::person(user, "");
        self.audit(
            &actor,
            "password.changed",
            format!("person {}", user.id()),
            if keep_tokens {
                "other sessions ended; API tokens kept at the person's choice".into()
            } else {
                format!("other sessions ended; {revoked} API token(s) revoked")
            },
        )
        .await?;
        Ok(())
    }

    /// Sets a password without the current one (CLI, administrators): every
    /// session ends and, unless `keep_tokens`, every API token is revoked —
    /// a reset usually means the account may be in someone else's hands.
    pub async fn reset_password(
        &self,
        person: PersonId,
        new: &str,
        keep_tokens: bool,
    ) -> Result<()> {
        let p = self.store.person(person).await.or_not_found("person")?;
        check_password(new, &p.email, &p.name).map_err(|m| AppError::invalid("password", m))?;
        let hash = hash_password(new.to_owned()).await?;
        let now = Timestamp::now().0;
        let revoked = self
            .store
            .set_password_hash(person, &hash, None, (!keep_tokens).then_some(now))
            .await
            .or_not_found("person")?;
        self.audit(
            &crate::Actor::command_line(),
            "password.reset",
            format!("person {}", person.0),
            format!("all sessions ended; {revoked} API token(s) revoked"),
        )
        .await?;
        Ok(())
    }

    /// The token a form must carry to be accepted from the holder of this
    /// session (its token's hash) or, before signing in, of this visitor
    /// cookie: an HMAC under a key the servers share, so a token planted
    /// in a cookie or copied from another session is worth nothing.
    pub async fn form_token(&self, binding: FormBinding<'_>) -> Result<String> {
        let key = self
            .form_key
            .get_or_try_init(|| async {
                let secret = self
                    .store
                    .server_secret("form_tokens", &random_token())
                    .await?;
                Ok::<_, AppError>(secret.into_bytes())
            })
            .await?;
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
            .map_err(|e| AppError::internal_from("the form key", e))?;
        match binding {
            FormBinding::Session(hash) => {
                mac.update(b"session\0");
                mac.update(hash.as_bytes());
            }
            FormBinding::Visitor(cookie) => {
                mac.update(b"visitor\0");
                mac.update(cookie.as_bytes());
            }
        }
        Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
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
