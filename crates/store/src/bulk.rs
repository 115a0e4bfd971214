//! Bulk loading for generators and importers: multi-row INSERTs inside one
//! transaction per batch, with explicit ids chosen by the caller. Rows are
//! typed ([`BulkRow`], one type per kind of record in `bulk/rows.rs`): tables
//! and columns are named there, in the store, never by the caller or input.

mod rows;

pub(crate) use rows::bulk_rows;
pub use rows::{
    BulkActivity, BulkActivityWithId, BulkAlias, BulkAttendance, BulkCommunity,
    BulkCommunityDomain, BulkDomain, BulkEvent, BulkEventSession, BulkInvitation, BulkJoinRequest,
    BulkMembership, BulkPerson, BulkReply, BulkResource, BulkResourceRevision,
    BulkResourceStatusChange, BulkSearchDocument, BulkSolution, BulkSourceId, BulkStageChange,
    BulkThanks, BulkThread, BulkUnit,
};

use crate::{Backend, Result, Store, with_pool, with_writer, write_tx};
use std::marker::PhantomData;
use std::sync::Arc;

/// A value in a bulk row.
#[derive(Clone, Debug)]
pub enum Value {
    Int(i64),
    Text(String),
    /// A domain enum's word: no allocation per row.
    Word(&'static str),
    Null,
}

/// Typed ids go in as their integer, domain enums as their word.
macro_rules! value_from {
    (ids: $($id:ident),*; words: $($word:ident),*) => {
        $(
            impl From<guildhall_domain::$id> for Value {
                fn from(v: guildhall_domain::$id) -> Self {
                    Value::Int(v.0)
                }
            }
            impl From<Option<guildhall_domain::$id>> for Value {
                fn from(v: Option<guildhall_domain::$id>) -> Self {
                    v.map_or(Value::Null, |v| Value::Int(v.0))
                }
            }
        )*
        $(
            impl From<guildhall_domain::$word> for Value {
                fn from(v: guildhall_domain::$word) -> Self {
                    Value::Word(v.as_str())
                }
            }
            impl From<Option<guildhall_domain::$word>> for Value {
                fn from(v: Option<guildhall_domain::$word>) -> Self {
                    v.map_or(Value::Null, |v| Value::Word(v.as_str()))
                }
            }
        )*
    };
}
value_from!(
    ids: ActivityId, CommunityId, DomainId, EventId, EventSessionId, InvitationId,
        JoinRequestId, PersonId, ReplyId, ResourceId, StageChangeId, ThreadId, UnitId;
    words: ActivityKind, CommunityRole, DocumentKind, EventKind, InvitationStatus,
        JoinRequestStatus, MembershipPolicy, OrgRole, ResourceKind, ResourceStatus, RsvpAnswer,
        Stage, ThreadKind, Visibility
);

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Value::Null, Value::Int)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        v.map_or(Value::Null, Value::Text)
    }
}

/// A kind of record written in bulk: its table, its columns, and a row's
/// values in the same order. Only the store's row types (`bulk/rows.rs`)
/// implement it.
pub trait BulkRow: sealed::Sealed {
    /// The table rows go to.
    const TABLE: &'static str;
    /// Its columns, in the order of [`BulkRow::push_values`].
    const COLUMNS: &'static [&'static str];
    /// Appends the row's values, one per column.
    fn push_values(self, values: &mut Vec<Value>);
}

pub(crate) mod sealed {
    /// Keeps [`super::BulkRow`] to the store's own row types.
    pub trait Sealed {}
}

/// Index definitions set aside during a bulk load; give them back to
/// [`Store::restore_indexes`].
#[must_use = "suspended indexes must be restored"]
#[derive(Debug)]
pub struct SuspendedIndexes {
    statements: Vec<String>,
}

/// Statements writing queued rows: (number of binds, SQL), in order.
pub(crate) type Plan = Vec<(usize, Arc<str>)>;

/// Rows of one kind, flushed in batches.
pub struct BulkWriter<R: BulkRow> {
    rows: Rows,
    row: PhantomData<fn(R)>,
}

impl<R: BulkRow> Default for BulkWriter<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: BulkRow> BulkWriter<R> {
    pub fn new() -> Self {
        BulkWriter {
            rows: Rows::new(R::TABLE, R::COLUMNS),
            row: PhantomData,
        }
    }

    /// Rows queued and not yet written.
    pub fn pending(&self) -> usize {
        self.rows.pending()
    }

    /// Rows written so far.
    pub fn written(&self) -> u64 {
        self.rows.written
    }

    /// Queues a row; writes a batch when enough are queued.
    pub async fn push(&mut self, store: &Store, row: R) -> Result<()> {
        self.queue(row);
        if self.rows.values.len() >= self.rows.batch * R::COLUMNS.len() {
            self.flush(store).await?;
        }
        Ok(())
    }

    /// Queues a row without writing it: the caller flushes inside its own
    /// transaction (see `imports`).
    pub(crate) fn queue(&mut self, row: R) {
        row.push_values(&mut self.rows.values);
        debug_assert_eq!(self.rows.values.len() % R::COLUMNS.len().max(1), 0);
    }

    /// The rows queued, for a caller that looks at several kinds together.
    pub(crate) fn rows(&self) -> &Rows {
        &self.rows
    }

    /// The rows queued, for a caller that writes several kinds in order.
    pub(crate) fn rows_mut(&mut self) -> &mut Rows {
        &mut self.rows
    }

    pub async fn flush(&mut self, store: &Store) -> Result<()> {
        self.rows.flush(store).await
    }
}

/// Rows for one table, whatever their kind: what [`BulkWriter`] queues.
pub(crate) struct Rows {
    table: &'static str,
    columns: &'static [&'static str],
    /// Queued rows, row after row: one allocation for the whole batch.
    values: Vec<Value>,
    /// Rows per batch transaction.
    batch: usize,
    /// Statement text by number of rows, built once: formatting thousands
    /// of placeholders per statement cost more than executing it.
    statements: Vec<(usize, Arc<str>)>,
    written: u64,
}

/// Bind parameters per INSERT statement: under both databases' limits
/// (SQLite 32766, PostgreSQL 65535), large enough that per-statement
/// overhead is negligible.
const BINDS_PER_STATEMENT: usize = 32_000;

impl Rows {
    fn new(table: &'static str, columns: &'static [&'static str]) -> Self {
        Rows {
            table,
            columns,
            values: Vec::new(),
            batch: 40_000,
            statements: Vec::new(),
            written: 0,
        }
    }

    /// Rows queued and not yet written.
    fn pending(&self) -> usize {
        self.values.len() / self.columns.len().max(1)
    }

    /// `INSERT … VALUES (…), (…)` for `rows` rows, numbered placeholders for
    /// PostgreSQL, anonymous ones for SQLite (which then binds in order
    /// without looking up each parameter's name).
    fn statement(&mut self, rows: usize, postgres: bool) -> Arc<str> {
        if let Some((_, sql)) = self.statements.iter().find(|(n, _)| *n == rows) {
            return sql.clone();
        }
        let cols = self.columns.len();
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ",
            self.table,
            self.columns.join(", ")
        );
        let mut n = 0;
        for r in 0..rows {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for c in 0..cols {
                if c > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                if postgres {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                } else {
                    sql.push('?');
                }
            }
            sql.push(')');
        }
        let sql: Arc<str> = sql.into();
        self.statements.push((rows, sql.clone()));
        sql
    }

    /// Takes the queued rows with the statements that write them: (number
    /// of binds, SQL) in order.
    pub(crate) fn plan(&mut self, postgres: bool) -> Option<(Vec<Value>, Plan)> {
        let cols = self.columns.len();
        if self.values.is_empty() || cols == 0 {
            return None;
        }
        let values = std::mem::take(&mut self.values);
        let total_rows = values.len() / cols;
        let per_statement = (BINDS_PER_STATEMENT / cols).max(1);
        let mut plan = Vec::new();
        let mut left = total_rows;
        // Full statements, then the rest in statements of powers of two
        // rows: a handful of distinct statements per table, each prepared
        // once per connection and reused. One statement per leftover size
        // left every flush with a new huge prepared statement in the
        // connection's cache.
        while left > 0 {
            let n = if left >= per_statement {
                per_statement
            } else {
                1 << left.ilog2()
            };
            plan.push((n * cols, self.statement(n, postgres)));
            left -= n;
        }
        self.written += total_rows as u64;
        Some((values, plan))
    }

    pub(crate) fn table(&self) -> &'static str {
        self.table
    }

    /// Rows written and queued.
    pub(crate) fn total(&self) -> u64 {
        self.written + self.pending() as u64
    }

    async fn flush(&mut self, store: &Store) -> Result<()> {
        let Some((values, plan)) = self.plan(store.is_postgres()) else {
            return Ok(());
        };
        write_tx!(store, |tx| {
            crate::run_plan!(&mut *tx, values, plan);
        });
        Ok(())
    }
}

/// Executes a bulk plan (see `Rows::plan`) on a connection.
#[macro_export]
#[doc(hidden)]
macro_rules! run_plan {
    ($conn:expr, $values:expr, $plan:expr) => {{
        let mut values = $values.into_iter();
        for (binds, sql) in &$plan {
            // Not kept in the connection's statement cache: a bulk load has
            // a few statement shapes of hundreds of parameters each, and the
            // cached copies held tens of MiB for the whole run; preparing
            // one again costs little beside executing it.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).persistent(false);
            for v in values.by_ref().take(*binds) {
                q = match v {
                    $crate::Value::Int(i) => q.bind(i),
                    $crate::Value::Text(s) => q.bind(s),
                    $crate::Value::Word(w) => q.bind(w),
                    $crate::Value::Null => q.bind(None::<i64>),
                };
            }
            q.execute($conn).await?;
        }
    }};
}

impl Store {
    /// After loading rows with explicit ids, moves PostgreSQL's identity
    /// sequences past them (SQLite needs nothing).
    pub async fn reset_id_sequences(&self, tables: &[&'static str]) -> Result<()> {
        if !self.is_postgres() {
            return Ok(());
        }
        with_pool!(self, |pool| {
            for t in tables {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM {t}), 1))"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
            }
        });
        Ok(())
    }

    /// Drops `table`'s non-unique secondary indexes before a bulk load, so
    /// that rows are not inserted into them one by one (for a large log,
    /// rebuilding an index once is several times faster than maintaining
    /// it). Unique indexes stay: they guard data. Rebuild with
    /// [`Store::restore_indexes`], also when the load fails. The
    /// definitions come from the database's own catalogue, so they cannot
    /// drift from the migrations.
    pub async fn suspend_indexes(&self, table: &'static str) -> Result<SuspendedIndexes> {
        // On SQLite every schema change goes through the writer's one
        // connection: another connection with an older copy of the schema
        // would refuse to re-create an index it still believes exists.
        let indexes: Vec<(String, String)> = match self.backend() {
            Backend::Sqlite(pool) => {
                let pool = self.sqlite_writer(pool);
                sqlx::query_as(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 \
                     AND sql IS NOT NULL AND upper(sql) NOT LIKE 'CREATE UNIQUE%' ORDER BY name",
                )
                .bind(table)
                .fetch_all(pool)
                .await?
            }
            Backend::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
                     AND tablename = $1 AND upper(indexdef) NOT LIKE 'CREATE UNIQUE%' ORDER BY indexname",
                )
                .bind(table)
                .fetch_all(pool)
                .await?
            }
        };
        with_writer!(self, |pool| {
            for (name, _) in &indexes {
                let sql = format!("DROP INDEX {name}");
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
            }
        });
        Ok(SuspendedIndexes {
            // PostgreSQL defines a partitioned table's index `ON ONLY` the
            // parent, which would make an empty, invalid index: rebuilt
            // without it, the index is built on every partition.
            statements: indexes
                .into_iter()
                .map(|(_, sql)| sql.replacen(" ON ONLY ", " ON ", 1))
                .collect(),
        })
    }

    /// Rebuilds indexes dropped by [`Store::suspend_indexes`].
    pub async fn restore_indexes(&self, suspended: SuspendedIndexes) -> Result<()> {
        match self.backend() {
            Backend::Sqlite(pool) => {
                // The writer's connection (see `suspend_indexes`); SQLite may
                // sort with a helper thread, and the writer spills sorts to
                // temporary files rather than holding every key in memory.
                let mut conn = self.sqlite_writer(pool).acquire().await?;
                sqlx::raw_sql("PRAGMA threads = 2")
                    .execute(&mut *conn)
                    .await?;
                let mut outcome = Ok(());
                for sql in &suspended.statements {
                    outcome = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                        .execute(&mut *conn)
                        .await
                        .map(|_| ());
                    if outcome.is_err() {
                        break;
                    }
                }
                // Back to how the connection was opened (see open.rs).
                sqlx::raw_sql("PRAGMA threads = 0")
                    .execute(&mut *conn)
                    .await?;
                outcome?;
            }
            Backend::Postgres(pool) => {
                for sql in &suspended.statements {
                    sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                        .execute(pool)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Stops keeping the full-text index in step with `search_documents`
    /// during a bulk load (SQLite: its insert trigger; PostgreSQL: the
    /// secondary indexes of it and of `search_terms`, the GIN index among
    /// them). Undo with
    /// [`Store::restore_search_index`], which rebuilds the index in one pass.
    pub async fn suspend_search_index(&self) -> Result<SuspendedIndexes> {
        match self.backend() {
            Backend::Sqlite(pool) => {
                let pool = self.sqlite_writer(pool);
                let triggers: Vec<(String, String)> = sqlx::query_as(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' \
                     AND tbl_name = 'search_documents' AND name = 'search_documents_ai'",
                )
                .fetch_all(pool)
                .await?;
                for (name, _) in &triggers {
                    let sql = format!("DROP TRIGGER {name}");
                    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
                }
                Ok(SuspendedIndexes {
                    statements: triggers.into_iter().map(|(_, sql)| sql).collect(),
                })
            }
            Backend::Postgres(_) => {
                let mut suspended = self.suspend_indexes("search_documents").await?;
                let terms = self.suspend_indexes("search_terms").await?;
                suspended.statements.extend(terms.statements);
                Ok(suspended)
            }
        }
    }

    pub async fn restore_search_index(&self, suspended: SuspendedIndexes) -> Result<()> {
        match self.backend() {
            Backend::Sqlite(pool) => {
                let mut conn = self.sqlite_writer(pool).acquire().await?;
                for sql in &suspended.statements {
                    sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                        .execute(&mut *conn)
                        .await?;
                }
                crate::search::index_in_bulk(&mut conn, None).await
            }
            Backend::Postgres(_) => self.restore_indexes(suspended).await,
        }
    }

    /// Runs a statement from the caller's own code (generators' bookkeeping
    /// such as ANALYZE); never with input.
    pub async fn execute_trusted(&self, sql: &'static str) -> Result<()> {
        with_writer!(self, |pool| {
            sqlx::raw_sql(sql).execute(pool).await?;
        });
        Ok(())
    }
}

impl Store {
    /// Like [`Store::execute_trusted`] for statements built by test or
    /// setup code (e.g. `CREATE SCHEMA` with a generated name); never input.
    pub async fn execute_trusted_owned(&self, sql: String) -> Result<()> {
        with_writer!(self, |pool| {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
