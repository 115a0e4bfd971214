//! What keeps accounts safe across every server sharing the database: the
//! secrets the servers share and the count of failed sign-ins. The store
//! only keeps the figures; how long someone must wait is the domain's rule
//! (`guildhall_domain::throttle`).

use crate::read::{Sql, direct_row};
use crate::{Result, Store, with_writer};

/// The failures counted against one throttle key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SignInFailures {
    pub failures: i64,
    pub last_failure_at: i64,
}
direct_row!(SignInFailures: failures, last_failure_at);

impl Store {
    /// The shared secret named `name`, created from `fresh` by the first
    /// server that asks (every later caller, on any server, gets that one).
    pub async fn server_secret(&self, name: &str, fresh: &str) -> Result<String> {
        with_writer!(self, |pool| {
            sqlx::query(
                "INSERT INTO server_secrets (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(fresh)
            .execute(pool)
            .await?;
        });
        Ok(with_writer!(self, |pool| {
            sqlx::query_scalar::<_, String>("SELECT secret FROM server_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(pool)
                .await?
        }))
    }

    /// The failures recorded against this key (`None`: none).
    pub async fn sign_in_failures(&self, key_hash: &str) -> Result<Option<SignInFailures>> {
        self.read_optional::<SignInFailures>(
            &Sql::new("SELECT failures, last_failure_at FROM sign_in_failures WHERE key_hash = $1")
                .arg(key_hash),
        )
        .await
    }

    /// Counts one more failure against the key at `now`; a key whose last
    /// failure is older than `forget_before` starts again from one.
    pub async fn record_sign_in_failure(
        &self,
        key_hash: &str,
        now: i64,
        forget_before: i64,
    ) -> Result<SignInFailures> {
        Ok(with_writer!(self, |pool| {
            sqlx::query_as::<_, SignInFailures>(
                "INSERT INTO sign_in_failures (key_hash, failures, last_failure_at) VALUES ($1, 1, $2) \
                 ON CONFLICT (key_hash) DO UPDATE SET \
                   failures = CASE WHEN sign_in_failures.last_failure_at < $3 THEN 1 \
                                   ELSE sign_in_failures.failures + 1 END, \
                   last_failure_at = excluded.last_failure_at \
                 RETURNING failures, last_failure_at",
            )
            .bind(key_hash)
            .bind(now)
            .bind(forget_before)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Forgets a key's failures (after a successful sign-in).
    pub async fn clear_sign_in_failures(&self, key_hash: &str) -> Result<()> {
        with_writer!(self, |pool| {
            sqlx::query("DELETE FROM sign_in_failures WHERE key_hash = $1")
                .bind(key_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Drops failures nobody needs to remember any more.
    pub async fn forget_sign_in_failures(&self, before: i64) -> Result<u64> {
        Ok(with_writer!(self, |pool| {
            sqlx::query("DELETE FROM sign_in_failures WHERE last_failure_at < $1")
                .bind(before)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }
}
