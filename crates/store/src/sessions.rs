//! Server-side sessions: only a hash of the cookie's token is stored, so a
//! copy of the database does not hand out live sessions. Sessions live in
//! the database so every server sharing it knows every session.

use crate::read::Sql;
use crate::records::SessionPerson;
use crate::{Result, Store, with_writer};
use guildhall_domain::PersonId;

impl Store {
    pub async fn create_session(
        &self,
        token_hash: &str,
        person: PersonId,
        created_at: i64,
        expires_at: i64,
    ) -> Result<()> {
        with_writer!(self, |pool| {
            sqlx::query("INSERT INTO sessions (token_hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash)
                .bind(person)
                .bind(created_at)
                .bind(expires_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The person behind a live session, if any.
    pub async fn session_person(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<SessionPerson>> {
        let q = Sql::new(
            "SELECT s.person_id, p.name, p.org_role, p.unit_id, s.expires_at FROM sessions s \
             JOIN people p ON p.id = s.person_id WHERE s.token_hash = $1 AND s.expires_at > $2 \
             AND p.merged_into IS NULL",
        )
        .arg(token_hash)
        .arg(now);
        self.read_optional(&q).await
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        with_writer!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64> {
        Ok(with_writer!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }
}
