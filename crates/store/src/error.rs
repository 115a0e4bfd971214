//! The store's one error type. Which variant to use:
//! - `NotFound`: the row asked for does not exist (or no longer qualifies);
//!   callers above name what was not found;
//! - `Conflict`: a unique value is taken, naming the field;
//! - `Open`: the database URL, file or backup cannot be used — the message
//!   says why in words an operator acts on;
//! - `Migration`: the schema could not be brought up to date;
//! - `Database`, `DirectRead`: the database itself failed; the driver's
//!   error is kept as the source, so logs show the whole chain.
//!
//! Policy never lives here: a refusal is the app's `AppError`.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique value is already taken; names the field that clashed.
    #[error("{0} is already taken")]
    Conflict(&'static str),
    /// The database URL or file cannot be used; the message says why.
    #[error("{0}")]
    Open(String),
    #[error("migration failed: {0}")]
    Migration(String),
    // The messages repeat their source's, which importers and the CLI
    // show to operators; the source keeps the error itself for logs.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// From the direct SQLite reader: the pages' read path and scans of
    /// millions of rows.
    #[error("reading the SQLite file failed: {0}")]
    DirectRead(#[source] rusqlite::Error),
    /// A thread of the direct reader stopped (it panicked or was cancelled).
    #[error("a thread reading the SQLite file stopped: {0}")]
    ReaderStopped(String),
}

impl From<sqlx::Error> for StoreError {
    /// A query that expected one row and found none means the thing asked
    /// for does not exist (or no longer qualifies).
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            other => StoreError::Database(other),
        }
    }
}

impl StoreError {
    /// Maps a unique violation to a conflict on `field`, leaving other errors.
    pub(crate) fn unique(field: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(field),
            _ => StoreError::Database(e),
        }
    }
}
