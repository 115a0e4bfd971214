//! Schema migrations, one folder per database with the same versions.
//! Applied migrations are never edited: add a new version instead.

use crate::{Result, Store, StoreError, with_pool};

/// (version, name, SQLite SQL, PostgreSQL SQL)
pub const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/sqlite/0001_foundation.sql"),
        include_str!("../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "charters",
        include_str!("../migrations/sqlite/0002_charters.sql"),
        include_str!("../migrations/postgres/0002_charters.sql"),
    ),
    (
        3,
        "practice",
        include_str!("../migrations/sqlite/0003_practice.sql"),
        include_str!("../migrations/postgres/0003_practice.sql"),
    ),
    (
        4,
        "pulse_index",
        include_str!("../migrations/sqlite/0004_pulse_index.sql"),
        include_str!("../migrations/postgres/0004_pulse_index.sql"),
    ),
    (
        5,
        "imports",
        include_str!("../migrations/sqlite/0005_imports.sql"),
        include_str!("../migrations/postgres/0005_imports.sql"),
    ),
    (
        6,
        "people_merges_audit",
        include_str!("../migrations/sqlite/0006_people_merges_audit.sql"),
        include_str!("../migrations/postgres/0006_people_merges_audit.sql"),
    ),
    (
        7,
        "api_tokens",
        include_str!("../migrations/sqlite/0007_api_tokens.sql"),
        include_str!("../migrations/postgres/0007_api_tokens.sql"),
    ),
    (
        8,
        "search_by_recency",
        include_str!("../migrations/sqlite/0008_search_by_recency.sql"),
        include_str!("../migrations/postgres/0008_search_by_recency.sql"),
    ),
    (
        9,
        "hardening",
        include_str!("../migrations/sqlite/0009_hardening.sql"),
        include_str!("../migrations/postgres/0009_hardening.sql"),
    ),
    (
        10,
        "read_path",
        include_str!("../migrations/sqlite/0010_read_path.sql"),
        include_str!("../migrations/postgres/0010_read_path.sql"),
    ),
    (
        11,
        "community_order",
        include_str!("../migrations/sqlite/0011_community_order.sql"),
        include_str!("../migrations/postgres/0011_community_order.sql"),
    ),
];

/// Several servers may start at once on one PostgreSQL database: each
/// migration transaction takes this advisory lock first, then re-checks.
const PG_MIGRATION_LOCK: i64 = 0x6775_696c_6468;

impl Store {
    /// Applies every migration not yet applied, each in its own transaction.
    /// Returns the versions applied now.
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        let newest_known = MIGRATIONS.iter().map(|m| m.0).max().unwrap_or(0);
        let mut applied_now = Vec::new();
        let postgres = self.is_postgres();
        with_pool!(self, |pool| {
            for step in 0..=MIGRATIONS.len() {
                let mut tx = if postgres {
                    pool.begin().await?
                } else {
                    pool.begin_with("BEGIN IMMEDIATE").await?
                };
                if postgres {
                    sqlx::query("SELECT pg_advisory_xact_lock($1)")
                        .bind(PG_MIGRATION_LOCK)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::raw_sql(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                )
                .execute(&mut *tx)
                .await?;
                let done: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
                    .fetch_all(&mut *tx)
                    .await?;
                if let Some(newest) = done.iter().max()
                    && *newest > newest_known
                {
                    return Err(StoreError::Migration(format!(
                        "the database has schema version {newest}, newer than this binary knows; upgrade guildhall"
                    )));
                }
                let Some((version, name, sqlite_sql, pg_sql)) = MIGRATIONS.get(step) else {
                    tx.commit().await?;
                    break;
                };
                if !done.contains(version) {
                    let sql = if postgres { *pg_sql } else { *sqlite_sql };
                    sqlx::raw_sql(sql)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| StoreError::Migration(format!("{version} {name}: {e}")))?;
                    sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                        .bind(version)
                        .bind(name)
                        .bind(guildhall_domain::Timestamp::now().0)
                        .execute(&mut *tx)
                        .await?;
                    tracing::info!(version, name, "applied migration");
                    applied_now.push(*version);
                }
                tx.commit().await?;
            }
        });
        Ok(applied_now)
    }
}
