//! Personal access tokens for the API. Only a hash of each token is stored.

use crate::audit::NewAudit;
use crate::read::{Sql, direct_row};
use crate::{Result, Store, StoreError, with_writer, write_tx};
use guildhall_domain::{OrgRole, PersonId, TokenId, UnitId};
use serde::Serialize;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: TokenId,
    pub person_id: PersonId,
    pub name: String,
    pub scopes: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}
direct_row!(ApiToken:
    id, person_id, name, scopes, created_at, expires_at, last_used_at, revoked_at
);

/// The live token behind a bearer secret, with its person.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenPerson {
    pub token_id: TokenId,
    pub scopes: String,
    pub last_used_at: Option<i64>,
    pub person_id: PersonId,
    pub name: String,
    pub org_role: OrgRole,
    pub unit_id: Option<UnitId>,
}
direct_row!(TokenPerson: token_id, scopes, last_used_at, person_id, name, org_role, unit_id);

#[derive(Clone, Debug)]
pub struct NewApiToken<'a> {
    pub person_id: PersonId,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub scopes: &'a str,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

const TOKEN_COLUMNS: &str =
    "id, person_id, name, scopes, created_at, expires_at, last_used_at, revoked_at";

impl Store {
    /// Stores a new token with its audit entry; returns it.
    pub async fn create_api_token(
        &self,
        t: &NewApiToken<'_>,
        audit: &NewAudit,
    ) -> Result<ApiToken> {
        Ok(write_tx!(self, |tx| {
            let token = sqlx::query_as::<_, ApiToken>(sqlx::AssertSqlSafe(format!(
                "INSERT INTO api_tokens (person_id, name, token_hash, scopes, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING {TOKEN_COLUMNS}"
            )))
            .bind(t.person_id)
            .bind(t.name)
            .bind(t.token_hash)
            .bind(t.scopes)
            .bind(t.created_at)
            .bind(t.expires_at)
            .fetch_one(&mut *tx)
            .await
            .map_err(StoreError::unique("token"))?;
            crate::audit::append!(&mut *tx, audit);
            token
        }))
    }

    /// A person's tokens, newest first, revoked ones included.
    pub async fn api_tokens_of(&self, person: PersonId) -> Result<Vec<ApiToken>> {
        Sql::new(format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE person_id = $1 ORDER BY id DESC"
        ))
        .arg(person)
        .all(self)
        .await
    }

    pub async fn api_token(&self, id: TokenId) -> Result<ApiToken> {
        Sql::new(format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1"
        ))
        .arg(id)
        .one(self)
        .await
    }

    /// Revokes a live token with its audit entry; `NotFound` if it was
    /// already revoked.
    pub async fn revoke_api_token(&self, id: TokenId, at: i64, audit: &NewAudit) -> Result<()> {
        write_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            )
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            crate::audit::append!(&mut *tx, audit);
        });
        Ok(())
    }

    /// The person a live token (not revoked, not expired, its person not
    /// merged away) acts for.
    pub async fn token_person(&self, token_hash: &str, now: i64) -> Result<Option<TokenPerson>> {
        self.read_optional::<TokenPerson>(&Sql::new(
            "SELECT t.id AS token_id, t.scopes, t.last_used_at, p.id AS person_id, p.name, p.org_role, p.unit_id \
                 FROM api_tokens t JOIN people p ON p.id = t.person_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL \
                 AND (t.expires_at IS NULL OR t.expires_at > $2) AND p.merged_into IS NULL",
        )
        .arg(token_hash)
        .arg(now))
        .await
    }

    pub async fn touch_api_token(&self, id: TokenId, at: i64) -> Result<()> {
        with_writer!(self, |pool| {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
