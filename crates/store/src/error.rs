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
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// From the direct SQLite reader used for scans of millions of rows.
    #[error("database error: {0}")]
    DirectRead(String),
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
