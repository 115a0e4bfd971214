//! Choosing and opening the database from a URL or path.

use crate::{Backend, Result, Store, StoreError};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Whether opening may create a new SQLite file. Commands meant to create a
/// database (`migrate`, `demo`, `serve`) pass `Create`; everything else
/// passes `MustExist`, so a typo never silently works on an empty database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    Create,
    MustExist,
}

enum Target {
    SqliteFile(String),
    SqliteMemory,
    Postgres(String),
}

/// The file a database URL names, if it names a SQLite file.
pub fn sqlite_file_of(url: &str) -> Result<std::path::PathBuf> {
    match classify(url)? {
        Target::SqliteFile(path) => Ok(std::path::PathBuf::from(path)),
        Target::SqliteMemory => Err(StoreError::Open(
            "an in-memory database has no file to restore into".into(),
        )),
        Target::Postgres(_) => Err(StoreError::Open(
            "this database is PostgreSQL: restore it with pg_restore (see docs/OPERATIONS.md)"
                .into(),
        )),
    }
}

fn classify(url: &str) -> Result<Target> {
    let url = url.trim();
    if url.is_empty() {
        return Err(StoreError::Open("the database URL is empty".into()));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Target::Postgres(url.to_owned()));
    }
    if url == ":memory:" || url == "sqlite::memory:" || url == "sqlite://:memory:" {
        return Ok(Target::SqliteMemory);
    }
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() {
            return Err(StoreError::Open(format!(
                "'{url}' names no file; write sqlite://PATH"
            )));
        }
        return Ok(Target::SqliteFile(path.to_owned()));
    }
    if let Some((scheme, _)) = url.split_once("://") {
        return Err(StoreError::Open(format!(
            "unsupported database scheme '{scheme}://': use a file path, sqlite://PATH or postgres://…"
        )));
    }
    Ok(Target::SqliteFile(url.to_owned()))
}

/// Run on every new PostgreSQL connection: loads the English text search
/// dictionary and the partition map of `search_terms` (migration 0008)
/// into the connection's caches. Otherwise the first post written through
/// a connection paid for both (5 ms on a quiet machine, tens under load:
/// the 99th percentile of posting while readers load pages).
const PG_WARM_UP: &str = "DO $$ BEGIN PERFORM to_tsvector('english', 'warm'); \
     IF to_regclass('search_terms') IS NOT NULL THEN PERFORM 1 FROM search_terms WHERE doc_id = -1; END IF; END $$";

impl Store {
    /// Opens the database at `url` and brings its schema up to date.
    pub async fn open(url: &str, mode: OpenMode) -> Result<Store> {
        let store = Store::connect(url, mode).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens without migrating (for `migrate` itself and for tests that
    /// inspect an old schema).
    pub async fn connect(url: &str, mode: OpenMode) -> Result<Store> {
        let mut writer = None;
        let mut sqlite_file = None;
        let backend = match classify(url)? {
            Target::Postgres(url) => {
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            sqlx::raw_sql(PG_WARM_UP).execute(conn).await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await
                    .map_err(|e| StoreError::Open(format!("cannot connect to PostgreSQL: {e}")))?;
                Backend::Postgres(pool)
            }
            Target::SqliteMemory => {
                let opts = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
                // One connection: it holds the whole in-memory database
                // (which lives as long as the connection does), and shared-cache
                // connections would fail with "table locked" instead of waiting.
                let pool = SqlitePoolOptions::new()
                    .min_connections(1)
                    .max_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(opts)
                    .await?;
                Backend::Sqlite(pool)
            }
            Target::SqliteFile(path) => {
                let exists = Path::new(&path).exists();
                if !exists && mode == OpenMode::MustExist {
                    return Err(StoreError::Open(format!(
                        "no database at '{path}': check the path, or create one with `guildhall migrate` or `guildhall demo`"
                    )));
                }
                if let Some(parent) = Path::new(&path).parent()
                    && !parent.as_os_str().is_empty()
                    && !parent.exists()
                {
                    return Err(StoreError::Open(format!(
                        "the folder '{}' does not exist",
                        parent.display()
                    )));
                }
                let opts = SqliteConnectOptions::new()
                    .filename(&path)
                    .create_if_missing(mode == OpenMode::Create)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .pragma("cache_size", "-65536")
                    .pragma("temp_store", "memory");
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(opts.clone())
                    .await
                    .map_err(|e| {
                        StoreError::Open(format!("cannot open SQLite database '{path}': {e}"))
                    })?;
                // SQLite lets one connection write at a time. Writers get a
                // connection of their own, so a post never queues for a
                // connection behind dozens of page loads, and writers wait
                // for each other in the pool's fair queue instead of in
                // SQLite's sleeping busy handler. The acquire timeout stays
                // above the busy timeout: a long bulk write on the reading
                // pool makes the writer wait, not fail early.
                //
                // The writer never checkpoints the log into the database
                // file itself (that copy, inline in a commit, made some
                // posts wait 100 ms and more): a background task does it.
                //
                // Its sorts (index builds and full-text merges of imports
                // and the demo) spill to temporary files beyond the page
                // cache instead of growing in memory with the input.
                let write_pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(
                        opts.pragma("wal_autocheckpoint", "0")
                            .pragma("temp_store", "file"),
                    )
                    .await
                    .map_err(|e| {
                        StoreError::Open(format!("cannot open SQLite database '{path}': {e}"))
                    })?;
                tokio::spawn(checkpoint_regularly(pool.clone(), write_pool.clone()));
                writer = Some(write_pool);
                sqlite_file = Some(std::path::PathBuf::from(&path));
                Backend::Sqlite(pool)
            }
        };
        let direct = sqlite_file
            .as_deref()
            .map(|f| std::sync::Arc::new(crate::read::DirectReader::new(f)));
        Ok(Store {
            backend,
            writer,
            sqlite_file,
            direct,
        })
    }
}

/// Copies the write-ahead log into the database file every second, without
/// blocking readers or the writer (PASSIVE), until the store is closed.
/// Writers only append to the log; this keeps it from growing.
async fn checkpoint_regularly(readers: sqlx::SqlitePool, writer: sqlx::SqlitePool) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if readers.is_closed() || writer.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&readers)
            .await
        {
            tracing::debug!(error = %e, "checkpoint skipped");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_classified_or_refused() {
        assert!(
            matches!(classify("guildhall.db"), Ok(Target::SqliteFile(p)) if p == "guildhall.db")
        );
        assert!(
            matches!(classify("sqlite://data/g.db"), Ok(Target::SqliteFile(p)) if p == "data/g.db")
        );
        assert!(
            matches!(classify("sqlite:g.db?mode=rwc"), Ok(Target::SqliteFile(p)) if p == "g.db")
        );
        assert!(matches!(
            classify("postgres://u@h/db"),
            Ok(Target::Postgres(_))
        ));
        assert!(matches!(classify(":memory:"), Ok(Target::SqliteMemory)));
        assert!(classify("mysql://x/y").is_err());
        assert!(classify("sqlite://").is_err());
        assert!(classify("  ").is_err());
    }
}
