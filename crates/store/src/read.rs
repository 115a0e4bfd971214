//! The read path of every page, written once for both databases.
//!
//! A query is built as SQL text with numbered placeholders and the values
//! bound to them ([`Sql`]). On a SQLite file it runs on the calling thread
//! through a small pool of read-only rusqlite connections that keep their
//! prepared statements ([`DirectReader`]); on PostgreSQL (and an in-memory
//! SQLite database, which lives in its one sqlx connection) it goes through
//! sqlx. Why not sqlx for SQLite too: its driver runs each connection on a
//! thread of its own and hands every query and every row across a channel,
//! and on a page of a dozen small queries those hand-overs (futex wake-ups,
//! context switches) cost more than SQLite's work (perf, BENCHMARKS.md).
//!
//! Reads only: writes keep going through sqlx's single writer connection,
//! whose commits these connections see at their next statement (WAL).

use crate::{Backend, Result, Store, StoreError};
use rusqlite::{Connection, OpenFlags};
use sqlx::Arguments;
use std::any::Any;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A value bound to a placeholder.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Arg {
    Int(i64),
    Text(String),
    Bool(bool),
    Null,
}

/// What can be bound: numbers, text, our ids and words, and `None`.
pub(crate) trait IntoArg {
    fn into_arg(self) -> Arg;
}

impl IntoArg for i64 {
    fn into_arg(self) -> Arg {
        Arg::Int(self)
    }
}
impl IntoArg for bool {
    fn into_arg(self) -> Arg {
        Arg::Bool(self)
    }
}
impl IntoArg for &str {
    fn into_arg(self) -> Arg {
        Arg::Text(self.to_owned())
    }
}
impl IntoArg for String {
    fn into_arg(self) -> Arg {
        Arg::Text(self)
    }
}
impl IntoArg for &String {
    fn into_arg(self) -> Arg {
        Arg::Text(self.clone())
    }
}
impl<T: IntoArg> IntoArg for Option<T> {
    fn into_arg(self) -> Arg {
        self.map_or(Arg::Null, IntoArg::into_arg)
    }
}

macro_rules! ids_as_args {
    ($($id:ident),+) => {
        $(impl IntoArg for guildhall_domain::$id {
            fn into_arg(self) -> Arg {
                Arg::Int(self.0)
            }
        })+
    };
}
ids_as_args!(
    PersonId,
    UnitId,
    DomainId,
    CommunityId,
    TokenId,
    NotificationId,
    MergeId,
    ThreadId,
    ReplyId,
    PostEditId,
    ResourceId,
    EventId,
    JoinRequestId,
    InvitationId,
    StageChangeId,
    ActivityId,
    EventSessionId,
    AuditEntryId
);

macro_rules! words_as_args {
    ($($word:ident),+) => {
        $(impl IntoArg for guildhall_domain::$word {
            fn into_arg(self) -> Arg {
                Arg::Text(self.as_str().to_owned())
            }
        })+
    };
}
words_as_args!(
    ActivityKind,
    Visibility,
    MembershipPolicy,
    CommunityRole,
    Stage,
    JoinRequestStatus,
    InvitationStatus,
    OrgRole,
    ThreadKind,
    ResourceKind,
    ResourceStatus,
    EventKind,
    RsvpAnswer,
    NotificationKind,
    DocumentKind
);

/// SQL text with `$1`, `$2`, … placeholders, in order, and their values.
#[derive(Clone, Debug)]
pub(crate) struct Sql {
    text: String,
    args: Vec<Arg>,
    /// Keep the answer until the database changes (see [`Sql::kept`]).
    kept: bool,
}

impl Sql {
    pub(crate) fn new(text: impl Into<String>) -> Sql {
        Sql {
            text: text.into(),
            args: Vec::new(),
            kept: false,
        }
    }

    /// Marks a read whose answer is costly and changes rarely (a count of
    /// thousands of rows, an aggregate over a community's members): on a
    /// SQLite file its answer is kept and given again until anything is
    /// written to the database, by this server or another process.
    pub(crate) fn kept(mut self) -> Sql {
        self.kept = true;
        self
    }

    pub(crate) fn push(&mut self, text: impl AsRef<str>) -> &mut Sql {
        self.text.push_str(text.as_ref());
        self
    }

    /// Appends the next placeholder, bound to `value`.
    pub(crate) fn bind(&mut self, value: impl IntoArg) -> &mut Sql {
        self.args.push(value.into_arg());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Binds `value` to the next placeholder written in the text itself
    /// (`$N` already there, for fixed queries).
    pub(crate) fn arg(mut self, value: impl IntoArg) -> Sql {
        self.args.push(value.into_arg());
        self
    }

    /// Every row (for a query built by chained pushes).
    pub(crate) async fn all<T: ReadRow>(&self, store: &Store) -> Result<Vec<T>> {
        store.read_all(self).await
    }

    /// The first row; `NotFound` when there is none.
    pub(crate) async fn one<T: ReadRow>(&self, store: &Store) -> Result<T> {
        store.read_one(self).await
    }

    /// The first row, if any.
    pub(crate) async fn optional<T: ReadRow>(&self, store: &Store) -> Result<Option<T>> {
        store.read_optional(self).await
    }

    /// The first column of the first row; `NotFound` without one.
    pub(crate) async fn scalar<T: ReadScalar>(&self, store: &Store) -> Result<T> {
        store.read_scalar(self).await
    }

    /// The first column of the first row, if any.
    pub(crate) async fn scalar_optional<T: ReadScalar>(&self, store: &Store) -> Result<Option<T>> {
        store.read_scalar_optional(self).await
    }

    /// The first column of every row.
    pub(crate) async fn column<T: ReadScalar>(&self, store: &Store) -> Result<Vec<T>> {
        store.read_column(self).await
    }

    /// The values as sqlx arguments for either database.
    fn args<A>(&self) -> Result<A>
    where
        A: Arguments + Default,
        for<'q> i64: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
        for<'q> String: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
        for<'q> bool: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
        for<'q> Option<i64>: sqlx::Encode<'q, A::Database> + sqlx::Type<A::Database>,
    {
        let mut a = A::default();
        for v in &self.args {
            let added = match v {
                Arg::Int(i) => a.add(*i),
                Arg::Text(t) => a.add(t.clone()),
                Arg::Bool(b) => a.add(*b),
                Arg::Null => a.add(None::<i64>),
            };
            added.map_err(|e| StoreError::Database(sqlx::Error::Encode(e)))?;
        }
        Ok(a)
    }

    fn text(&self) -> sqlx::AssertSqlSafe<String> {
        // Only our own fragments are pushed as text; every value is bound.
        sqlx::AssertSqlSafe(self.text.clone())
    }
}

/// A row read by the direct reader, column by column by name.
pub(crate) trait DirectRow: Sized {
    fn from_direct(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

/// Implements [`DirectRow`] for a record whose fields are named as the
/// query's columns. The struct literal makes the compiler check that every
/// field is read.
macro_rules! direct_row {
    ($ty:ident: $($field:ident),+ $(,)?) => {
        impl $crate::read::DirectRow for $ty {
            fn from_direct(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Ok($ty { $($field: row.get(stringify!($field))?),+ })
            }
        }
    };
}
pub(crate) use direct_row;

macro_rules! tuple_rows {
    ($(($($t:ident $i:tt),+)),+) => {
        $(impl<$($t: rusqlite::types::FromSql),+> DirectRow for ($($t,)+) {
            fn from_direct(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Ok(($(row.get::<_, $t>($i)?,)+))
            }
        })+
    };
}
tuple_rows!((A 0), (A 0, B 1), (A 0, B 1, C 2), (A 0, B 1, C 2, D 3));

/// Read-only connections to a SQLite file, each kept with its prepared
/// statements and lent to one query at a time.
#[derive(Debug)]
pub(crate) struct DirectReader {
    file: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// A connection that only asks SQLite whether the database changed
    /// (`PRAGMA data_version` changes with every commit of any other
    /// connection, in this process or another), for the kept answers.
    watcher: Mutex<Option<Connection>>,
    kept: Mutex<KeptAnswers>,
}

/// A kept answer's query text, values and row limit.
type KeptKey = (String, Vec<Arg>, Option<usize>);

/// Answers of [`Sql::kept`] reads, valid for one data version.
#[derive(Default)]
struct KeptAnswers {
    version: i64,
    answers: HashMap<KeptKey, Arc<dyn Any + Send + Sync>>,
    /// Rows held by all answers, for the bound on memory.
    rows: usize,
}

impl std::fmt::Debug for KeptAnswers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptAnswers")
            .field("version", &self.version)
            .field("answers", &self.answers.len())
            .finish()
    }
}

/// Kept answers beyond this many, or holding more rows than this, are all
/// dropped (a bound on memory, some tens of MiB; they are all dropped at
/// the next write anyway).
const MOST_KEPT: usize = 4096;
const MOST_KEPT_ROWS: usize = 200_000;

/// More idle connections than this are closed rather than kept: readers
/// are admitted about one per core, so a few cover every concurrent page
/// (and each holds up to `PAGE_CACHE_KIB` of pages).
const KEEP_IDLE: usize = 8;
const PAGE_CACHE_KIB: i64 = 32 * 1024;
/// Statements each connection keeps prepared (a page uses about a dozen).
const STATEMENTS_KEPT: usize = 256;

impl DirectReader {
    pub(crate) fn new(file: &Path) -> DirectReader {
        DirectReader {
            file: file.to_owned(),
            idle: Mutex::new(Vec::new()),
            watcher: Mutex::new(None),
            kept: Mutex::new(KeptAnswers::default()),
        }
    }

    /// The database's data version as the watcher sees it now.
    fn data_version(&self) -> Result<i64> {
        let mut watcher = self
            .watcher
            .lock()
            .map_err(|_| StoreError::ReaderStopped("the change watcher panicked".into()))?;
        if watcher.is_none() {
            *watcher = Some(self.open().map_err(StoreError::DirectRead)?);
        }
        let Some(conn) = watcher.as_ref() else {
            return Err(StoreError::ReaderStopped("no change watcher".into()));
        };
        conn.query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(StoreError::DirectRead)
    }

    /// [`DirectReader::rows`], through the kept answers when `q` is kept.
    fn rows_kept<T: Clone + Send + Sync + 'static>(
        &self,
        q: &Sql,
        each: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
        limit: Option<usize>,
    ) -> Result<Vec<T>> {
        if !q.kept {
            return self.rows(q, each, limit);
        }
        // The version is read before the query: a write in between makes
        // the kept answer newer than its version says, never older.
        let version = self.data_version()?;
        let key = (q.text.clone(), q.args.clone(), limit);
        if let Ok(kept) = self.kept.lock()
            && kept.version == version
            && let Some(answer) = kept.answers.get(&key)
            && let Some(rows) = answer.downcast_ref::<Vec<T>>()
        {
            return Ok(rows.clone());
        }
        let rows = self.rows(q, each, limit)?;
        if let Ok(mut kept) = self.kept.lock() {
            if kept.version != version
                || kept.answers.len() >= MOST_KEPT
                || kept.rows + rows.len() > MOST_KEPT_ROWS
            {
                kept.version = version;
                kept.answers.clear();
                kept.rows = 0;
            }
            kept.rows += rows.len();
            kept.answers.insert(key, Arc::new(rows.clone()));
        }
        Ok(rows)
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.file,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
        // Sorts in memory, as the sqlx connections; the file's pages beyond
        // this cache come from the operating system's.
        conn.execute_batch(&format!(
            "PRAGMA cache_size = -{PAGE_CACHE_KIB}; PRAGMA temp_store = memory;"
        ))?;
        Ok(conn)
    }

    /// Runs `f` on an idle connection (or a new one), then keeps it.
    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let taken = self.idle.lock().map(|mut idle| idle.pop()).unwrap_or(None);
        let conn = match taken {
            Some(c) => c,
            None => self.open().map_err(StoreError::DirectRead)?,
        };
        let out = f(&conn);
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEEP_IDLE
        {
            idle.push(conn);
        }
        out.map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
            other => StoreError::DirectRead(other),
        })
    }

    /// Runs `q`, handing its rows to `each` in order.
    fn rows<T>(
        &self,
        q: &Sql,
        mut each: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
        limit: Option<usize>,
    ) -> Result<Vec<T>> {
        let started = tracing::enabled!(tracing::Level::DEBUG).then(std::time::Instant::now);
        let out = self.with(|conn| {
            let mut stmt = conn.prepare_cached(&q.text)?;
            for i in 1..=stmt.parameter_count() {
                // `$N` is bound to the N-th value wherever it appears.
                let n = stmt
                    .parameter_name(i)
                    .and_then(|name| name.strip_prefix('$'))
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(i);
                let Some(v) = q.args.get(n - 1) else {
                    return Err(rusqlite::Error::InvalidParameterCount(n, q.args.len()));
                };
                match v {
                    Arg::Int(x) => stmt.raw_bind_parameter(i, x)?,
                    Arg::Text(t) => stmt.raw_bind_parameter(i, t)?,
                    Arg::Bool(b) => stmt.raw_bind_parameter(i, b)?,
                    Arg::Null => stmt.raw_bind_parameter(i, rusqlite::types::Null)?,
                }
            }
            let mut rows = stmt.raw_query();
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(each(r)?);
                if limit.is_some_and(|l| out.len() >= l) {
                    break;
                }
            }
            Ok(out)
        });
        if let Some(started) = started {
            tracing::debug!(elapsed = ?started.elapsed(), sql = %q.text, "direct read");
        }
        out
    }

    /// Closes the idle connections (the store is closing).
    fn close(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
        if let Ok(mut watcher) = self.watcher.lock() {
            *watcher = None;
        }
    }
}

/// What the read path needs of a record type on every backend.
pub(crate) trait ReadRow:
    DirectRow
    + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
    + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
    + Send
    + Sync
    + Unpin
    + Clone
    + 'static
{
}
impl<T> ReadRow for T where
    T: DirectRow
        + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Sync
        + Unpin
        + Clone
        + 'static
{
}

/// What the read path needs of a single value on every backend.
pub(crate) trait ReadScalar:
    rusqlite::types::FromSql
    + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
    + sqlx::Type<sqlx::Sqlite>
    + for<'r> sqlx::Decode<'r, sqlx::Postgres>
    + sqlx::Type<sqlx::Postgres>
    + Send
    + Sync
    + Unpin
    + Clone
    + 'static
{
}
impl<T> ReadScalar for T where
    T: rusqlite::types::FromSql
        + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
        + sqlx::Type<sqlx::Sqlite>
        + for<'r> sqlx::Decode<'r, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>
        + Send
        + Sync
        + Unpin
        + Clone
        + 'static
{
}

/// Runs `$q` through sqlx on the store's pool: `$query` is `query_as_with`
/// or `query_scalar_with`, `$fetch` the sqlx fetch to use.
macro_rules! through_sqlx {
    ($store:expr, $q:expr, $query:ident::<$t:ty>, $fetch:ident) => {
        match $store.backend() {
            Backend::Sqlite(pool) => {
                sqlx::$query::<_, $t, _>($q.text(), $q.args::<sqlx::sqlite::SqliteArguments>()?)
                    .$fetch(pool)
                    .await?
            }
            Backend::Postgres(pool) => {
                sqlx::$query::<_, $t, _>($q.text(), $q.args::<sqlx::postgres::PgArguments>()?)
                    .$fetch(pool)
                    .await?
            }
        }
    };
}

impl Store {
    /// Every row of `q`.
    pub(crate) async fn read_all<T: ReadRow>(&self, q: &Sql) -> Result<Vec<T>> {
        if let Some(direct) = &self.direct {
            return direct.rows_kept(q, T::from_direct, None);
        }
        Ok(through_sqlx!(self, q, query_as_with::<T>, fetch_all))
    }

    /// The first row of `q`, if any.
    pub(crate) async fn read_optional<T: ReadRow>(&self, q: &Sql) -> Result<Option<T>> {
        if let Some(direct) = &self.direct {
            return Ok(direct.rows_kept(q, T::from_direct, Some(1))?.pop());
        }
        Ok(through_sqlx!(self, q, query_as_with::<T>, fetch_optional))
    }

    /// The first row of `q`; `NotFound` when there is none.
    pub(crate) async fn read_one<T: ReadRow>(&self, q: &Sql) -> Result<T> {
        self.read_optional(q).await?.ok_or(StoreError::NotFound)
    }

    /// The first column of the first row of `q`; `NotFound` without one.
    pub(crate) async fn read_scalar<T: ReadScalar>(&self, q: &Sql) -> Result<T> {
        self.read_scalar_optional(q)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The first column of the first row of `q`, if there is a row.
    pub(crate) async fn read_scalar_optional<T: ReadScalar>(&self, q: &Sql) -> Result<Option<T>> {
        if let Some(direct) = &self.direct {
            return Ok(direct.rows_kept(q, |r| r.get::<_, T>(0), Some(1))?.pop());
        }
        Ok(through_sqlx!(
            self,
            q,
            query_scalar_with::<T>,
            fetch_optional
        ))
    }

    /// The first column of every row of `q`.
    pub(crate) async fn read_column<T: ReadScalar>(&self, q: &Sql) -> Result<Vec<T>> {
        if let Some(direct) = &self.direct {
            return direct.rows_kept(q, |r| r.get::<_, T>(0), None);
        }
        Ok(through_sqlx!(self, q, query_scalar_with::<T>, fetch_all))
    }

    /// Closes the direct reader's connections.
    pub(crate) fn close_direct(&self) {
        if let Some(direct) = &self.direct {
            direct.close();
        }
    }
}
