//! Personal access tokens: created by a signed-in person (shown once),
//! listed, revoked; resolved from an `Authorization: Bearer` secret.

use crate::audit::Actor;
use crate::auth::{hash_token, random_token};
use crate::error::NotFoundAs;
use crate::{App, AppError, Result, SessionUser};
use guildhall_domain::text::NAME_MAX;
use guildhall_domain::time::DAY;
use guildhall_domain::token::{DEFAULT_DAYS, MAX_DAYS, TokenScopes};
use guildhall_domain::{FieldErrors, Timestamp, TokenId, Viewer};
use guildhall_store::{ApiToken, NewApiToken};

/// Every token starts so, which lets secret scanners recognize a leaked one.
pub const TOKEN_PREFIX: &str = "ghpat_";

/// Last use is written at most this often per token: a write per request
/// would cost more than the information is worth.
const TOUCH_EVERY_SECS: i64 = 3600;

#[derive(Clone, Debug, Default)]
pub struct TokenInput {
    pub name: String,
    pub scopes: Vec<String>,
    /// Days until it expires; `None` for the default.
    pub expires_in_days: Option<i64>,
}

/// A token resolved from a bearer secret.
#[derive(Clone, Debug)]
pub struct TokenUser {
    pub user: SessionUser,
    pub scopes: TokenScopes,
}

impl App {
    /// Creates a token for the signed-in person; returns it and its secret,
    /// which is never shown again.
    pub async fn create_token(
        &self,
        actor: &Actor,
        user: &SessionUser,
        input: &TokenInput,
    ) -> Result<(ApiToken, String)> {
        let mut errors = FieldErrors::new();
        let name = input.name.trim();
        if name.is_empty() {
            errors.add("name", "is required: say what the token is for");
        } else if name.chars().count() > NAME_MAX {
            errors.add("name", format!("must be at most {NAME_MAX} characters"));
        }
        let scopes = errors.check(
            "scopes",
            TokenScopes::parse(input.scopes.iter().map(String::as_str)),
        );
        let days = input.expires_in_days.unwrap_or(DEFAULT_DAYS);
        if !(1..=MAX_DAYS).contains(&days) {
            errors.add(
                "expires_in_days",
                format!("must be between 1 and {MAX_DAYS} days"),
            );
        }
        errors.into_result()?;
        let Some(scopes) = scopes else {
            return Err(AppError::invalid("scopes", "are not valid"));
        };
        let secret = format!("{TOKEN_PREFIX}{}", random_token());
        let now = Timestamp::now().0;
        let scope_text = scopes.as_text();
        let entry = actor.entry(
            "token.created",
            format!("token for person {}", user.id()),
            format!("{name} ({scope_text}), expires in {days} days"),
        );
        let token = self
            .store
            .create_api_token(
                &NewApiToken {
                    person_id: user.id(),
                    name,
                    token_hash: &hash_token(&secret),
                    scopes: &scope_text,
                    created_at: now,
                    expires_at: Some(now + days * DAY),
                },
                &entry,
            )
            .await?;
        Ok((token, secret))
    }

    pub async fn my_tokens(&self, user: &SessionUser) -> Result<Vec<ApiToken>> {
        Ok(self.store.api_tokens_of(user.id()).await?)
    }

    /// Revokes one of the person's own tokens (administrators: anyone's).
    pub async fn revoke_token(&self, actor: &Actor, user: &SessionUser, id: TokenId) -> Result<()> {
        let token = self.store.api_token(id).await.or_not_found("token")?;
        if token.person_id != user.id() && !user.viewer.is_admin() {
            return Err(AppError::NotFound("token"));
        }
        if token.revoked_at.is_some() {
            return Err(AppError::Conflict {
                field: None,
                message: "this token was already revoked".into(),
            });
        }
        let entry = actor.entry(
            "token.revoked",
            format!("token {id} of person {}", token.person_id),
            token.name.clone(),
        );
        self.store
            .revoke_api_token(id, Timestamp::now().0, &entry)
            .await
            .or_not_found("token")
    }

    /// The person a bearer secret acts for, with its scopes, if the token
    /// is live.
    pub async fn token_user(&self, secret: &str) -> Result<Option<TokenUser>> {
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
            return Ok(None);
        }
        let now = Timestamp::now().0;
        let Some(row) = self.store.token_person(&hash_token(secret), now).await? else {
            return Ok(None);
        };
        if row.last_used_at.is_none_or(|t| t < now - TOUCH_EVERY_SECS) {
            self.store.touch_api_token(row.token_id, now).await?;
        }
        let scopes = TokenScopes::parse(row.scopes.split(' ')).unwrap_or_default();
        Ok(Some(TokenUser {
            user: SessionUser {
                viewer: Viewer {
                    person: row.person_id,
                    role: scopes.role(row.org_role),
                },
                name: row.name,
                unit: row.unit_id,
                // No session: signing out or changing the password from a
                // token keeps no session of its own.
                session_hash: String::new(),
            },
            scopes,
        }))
    }
}
