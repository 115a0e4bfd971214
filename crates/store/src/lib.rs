//! Guildhall's storage: the only code that speaks SQL.
//!
//! One [`Store`] over SQLite (the default, an embedded file) or PostgreSQL
//! (several stateless servers sharing one database). The same SQL text runs
//! on both wherever it can: `$1` placeholders, `RETURNING`, `ON CONFLICT`,
//! `lower(x) LIKE lower($1)`, integer ids and Unix-second timestamps. Where
//! the dialects differ, a method matches on the backend explicitly.
//!
//! The store never decides policy: use-cases in the app crate decide what
//! may happen and which activity events record it; the store writes a change
//! and its events in one transaction so that neither exists without the
//! other. The one place SQL mirrors a policy rule (which communities a person
//! may see, needed to paginate lists) is checked against the domain's policy
//! by a conformance test.

#![forbid(unsafe_code)]

mod activity;
pub mod audit;
pub mod backup;
mod bulk;
mod charters;
mod communities;
mod error;
mod events;
mod imports;
mod macros;
mod migrate;
mod notifications;
mod open;
mod organization;
mod people_merges;
mod read;
pub mod records;
mod resources;
pub(crate) mod search;
mod security;
mod sessions;
mod sql;
mod threads;
mod tokens;

pub use activity::{ActivityRow, FeedScope, PulseRow};
pub use audit::{AuditEntry, AuditFilter, NewAudit};
pub use bulk::{
    BulkActivity, BulkActivityWithId, BulkAlias, BulkAttendance, BulkCommunity,
    BulkCommunityDomain, BulkDomain, BulkEvent, BulkEventSession, BulkInvitation, BulkJoinRequest,
    BulkMembership, BulkPerson, BulkReply, BulkResource, BulkResourceRevision,
    BulkResourceStatusChange, BulkRow, BulkSearchDocument, BulkSolution, BulkSourceId,
    BulkStageChange, BulkThanks, BulkThread, BulkUnit, BulkWriter, SuspendedIndexes, Value,
};
pub use charters::{Charter, CharterText};
pub use communities::{CommunityFilter, CommunitySort, NewCommunity, UpdateCommunity};
pub use error::StoreError;
pub use events::{
    Attendee, EventFields, EventRow, HeldSession, RecordedSession, Rsvp, RsvpCount, SessionRecord,
};
pub use imports::{
    ImportPerson, ImportSession, ImportWritten, ImportedPost, ImportedThread, KeyedThread,
};
pub use migrate::MIGRATIONS;
pub use notifications::{NewNotification, Notification};
pub use open::{OpenMode, sqlite_file_of};
pub use organization::{NewPerson, PeopleFilter, UpdatePerson};
pub use people_merges::{MergeFacts, PersonMerge};
pub use resources::{
    NewResource, Resource, ResourceFilter, ResourceStatusChange, ResourceSummary, Revision,
    RevisionInfo, RevisionText, StatusMove,
};
pub use search::{EVIDENCE_WINDOW, Match, RANK_WINDOW, SearchDoc, SearchHit, SearchQuery};
pub use security::SignInFailures;
pub use threads::{
    NewReply, NewThanks, NewThread, PostEdit, Reply, Thanks, Thread, ThreadEdit, ThreadFilter,
};
pub use tokens::{ApiToken, NewApiToken, TokenPerson};

use sqlx::{PgPool, SqlitePool};

/// The database behind a [`Store`], chosen from the URL's scheme.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The one handle on the database; cheap to clone (pools are shared).
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    /// SQLite files only: the one connection writes go through (see
    /// `open`). In-memory databases live in their single connection.
    writer: Option<SqlitePool>,
    /// SQLite files only: the file, for the direct reader of whole-log
    /// scans (`pulse_rows` of every community).
    sqlite_file: Option<std::path::PathBuf>,
    /// SQLite files only: the read path of pages (`read.rs`).
    direct: Option<std::sync::Arc<read::DirectReader>>,
}

/// A page of results with the total count under the same filter.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl Store {
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The SQLite pool writes use: the dedicated writer when there is one.
    #[doc(hidden)]
    pub fn sqlite_writer<'a>(&'a self, reader: &'a SqlitePool) -> &'a SqlitePool {
        self.writer.as_ref().unwrap_or(reader)
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// Every table of the schema with its number of rows, by name: what
    /// tests compare to show that a failed or dry run left the database
    /// as it was.
    pub async fn table_row_counts(&self) -> Result<Vec<(String, i64)>> {
        let list = if self.is_postgres() {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        } else {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        };
        let tables: Vec<String> = with_pool!(self, |pool| sqlx::query_scalar(list)
            .fetch_all(pool)
            .await?);
        let mut counts = Vec::with_capacity(tables.len());
        for table in tables {
            // Names come from the catalog, quoted as identifiers.
            let sql = format!("SELECT COUNT(*) FROM \"{}\"", table.replace('"', "\"\""));
            let n: i64 = with_pool!(self, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(pool)
                .await?);
            counts.push((table, n));
        }
        Ok(counts)
    }

    /// Answers whether the database is reachable (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        // A bigint on both databases (a bare 1 is an int4 on PostgreSQL).
        self.read_scalar::<i64>(&read::Sql::new("SELECT CAST(1 AS BIGINT)"))
            .await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.close_direct();
        if let Some(writer) = &self.writer {
            writer.close().await;
        }
        with_pool!(self, |pool| pool.close().await)
    }
}
