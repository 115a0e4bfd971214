//! Import sessions: everything one run of an importer writes goes through
//! one write transaction, so a run either lands whole or leaves nothing
//! behind (a malformed file found halfway rolls back what came before it).
//! Rows are queued and written as multi-row INSERTs; ids are chosen here,
//! as rows are queued, so that replies can name their thread before
//! anything is written. The importer decides what to write and which
//! activity events record it; the session only writes.
//!
//! On SQLite the session holds the writer connection for the whole run:
//! other writes wait (or time out) until it ends.
//!
//! This file holds the session itself: its transaction and the plumbing
//! every part uses (the connection, lookups in chunks, temporary tables),
//! the ids it hands out, `begin_import`, and abandoning a run. The parts,
//! one concern each:
//! - `people`: people, their aliases, and matching hidden addresses;
//! - `communities`: the communities a run writes into;
//! - `lookups`: what a chunk refers to, looked up by source id;
//! - `batches`: rows queued and written in background batches;
//! - `indexes`: secondary indexes a large import rebuilds once;
//! - `staging`: temporary tables resolved when the run has read everything
//!   (keyed threads, posts waiting for their parent, accepted answers);
//! - `moves`: posts this session wrote, moved once their place is known;
//! - `finish`: memberships from what was written, counts, the full-text
//!   pass, and the commit (or roll back).

mod batches;
mod communities;
mod finish;
mod indexes;
mod lookups;
mod moves;
mod people;
mod staging;

pub use lookups::{ImportedPost, ImportedThread};
pub use people::ImportPerson;
pub use staging::KeyedThread;

use crate::bulk::{
    BulkActivity, BulkAlias, BulkMembership, BulkPerson, BulkReply, BulkRow, BulkSearchDocument,
    BulkSolution, BulkSourceId, BulkThanks, BulkThread, BulkWriter, Value,
};
use crate::{Backend, Result, Store, run_plan};
use indexes::{IndexPlan, REINDEXED_TABLES};
use sqlx::{Postgres, Sqlite, Transaction};
use staging::{PendingParent, StagedAccept, StagedAcceptTime};

enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$c` bound to the session's connection.
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}
use on_tx;

/// Ids for rows of one table. SQLite: counting on from the largest id (the
/// session holds the only writer). PostgreSQL: blocks taken from the
/// table's identity sequence, so concurrent writers never collide.
struct Ids {
    table: &'static str,
    next: i64,
    block: Vec<i64>,
    /// The first id handed out in this session.
    first: Option<i64>,
}

/// Ids taken from a sequence at a time.
const ID_BLOCK: i64 = 2_000;

impl Ids {
    fn new(table: &'static str) -> Self {
        Ids {
            table,
            next: 0,
            block: Vec::new(),
            first: None,
        }
    }
}

/// Source ids looked up in one statement: large enough that a lookup
/// costs little beside the rows it finds, under both databases' limits on
/// parameters.
const LOOKUP_CHUNK: usize = 5_000;

/// Rows a session wrote (or, rolled back, would have written).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportWritten {
    pub people: u64,
    pub aliases: u64,
    pub threads: u64,
    pub replies: u64,
    pub solutions: u64,
    pub memberships: u64,
    pub thanks: u64,
    pub activity: u64,
    pub search_documents: u64,
    pub source_ids: u64,
}

/// One importer run's transaction and queued rows.
pub struct ImportSession {
    /// `None` while a batch is being written (see [`ImportSession::flush`]).
    tx: Option<Tx>,
    /// The batch being written, which gives the transaction back.
    writing: Option<tokio::task::JoinHandle<(Tx, Result<()>)>>,
    postgres: bool,
    source: &'static str,
    site: String,
    people_ids: Ids,
    thread_ids: Ids,
    reply_ids: Ids,
    people: BulkWriter<BulkPerson>,
    aliases: BulkWriter<BulkAlias>,
    source_ids: BulkWriter<BulkSourceId>,
    threads: BulkWriter<BulkThread>,
    replies: BulkWriter<BulkReply>,
    solutions: BulkWriter<BulkSolution>,
    memberships: BulkWriter<BulkMembership>,
    thanks: BulkWriter<BulkThanks>,
    activity: BulkWriter<BulkActivity>,
    docs: BulkWriter<BulkSearchDocument>,
    /// Accepted answers named by source ids, resolved in one statement at
    /// the end ([`ImportSession::solve_staged`]): (seq, question, answer).
    staged_accepts: BulkWriter<StagedAccept>,
    /// When answers were accepted, by source id: (answer, at).
    staged_accept_times: BulkWriter<StagedAcceptTime>,
    /// Whether the staging tables exist in this transaction.
    staging: bool,
    /// Whether the keyed threads' table exists in this transaction.
    keyed: bool,
    /// Posts placed without the parent they name, to look at again when
    /// the run has read everything: (seq, child, parent, rank, how); see
    /// [`ImportSession::stage_pending_parent`].
    pending_parents: BulkWriter<PendingParent>,
    /// Whether the pending parents' table exists in this transaction, and
    /// how many posts were staged.
    pending: bool,
    pending_seq: i64,
    /// SQLite: the full-text update trigger, dropped while posts of this
    /// session (not yet indexed) are moved; see
    /// [`ImportSession::prepare_moves`].
    update_trigger: Option<String>,
    /// Threads of this session turned into replies.
    threads_into_replies: u64,
    /// The hidden-address table of [`ImportSession::hiding_as`]: whether
    /// it exists, and the last person and alias it holds.
    hidden: Option<(i64, i64)>,
    /// Rows written by statements of the session's own (not queued).
    written_in_sql: ImportWritten,
    /// Rows and text bytes queued since the last flush.
    queued_rows: usize,
    queued_bytes: usize,
    /// Threads of earlier runs that got new replies in this one.
    touched: Vec<guildhall_domain::ThreadId>,
    /// SQLite: the full-text insert trigger, dropped for the session, and
    /// the last search document before it; see [`ImportSession::finish`].
    search_trigger: Option<(String, i64)>,
    /// SQLite: tables whose secondary indexes a large import rebuilds once
    /// at the end instead of updating them row by row.
    index_plans: Vec<IndexPlan>,
    /// SQLite: the writer's page cache size, given back when the session
    /// ends; see [`IMPORT_CACHE_KIB`].
    usual_cache_size: Option<i64>,
}

/// The page cache of the writer during an import (SQLite), in KiB. A long
/// transaction fills any cache with pages it changed; the usual one
/// (64 MiB) was the largest part of an import's memory, and a smaller one
/// only writes those pages to the log sooner.
const IMPORT_CACHE_KIB: i64 = 16 * 1024;

/// `CREATE TEMPORARY TABLE`, gone with the transaction on PostgreSQL (and
/// dropped by the session on SQLite).
fn temp_table(postgres: bool, name: &str, columns: &str) -> String {
    if postgres {
        format!("CREATE TEMPORARY TABLE {name} ({columns}) ON COMMIT DROP")
    } else {
        format!("CREATE TEMP TABLE {name} ({columns})")
    }
}

impl Store {
    /// Begins an import session for one source archive: `source` names the
    /// system (e.g. `stackexchange`), `site` the archive within it.
    pub async fn begin_import(&self, source: &'static str, site: &str) -> Result<ImportSession> {
        let mut search_trigger = None;
        let mut index_plans = Vec::new();
        let mut usual_cache_size = None;
        let tx = match self.backend() {
            Backend::Sqlite(pool) => {
                let pool = self.sqlite_writer(pool);
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                // Indexing each document through the insert trigger was the
                // largest cost of an import; the documents are indexed in
                // one pass when the session finishes instead. DDL is part of
                // the transaction: a rolled back run keeps its trigger, and
                // no other writer can insert meanwhile.
                let trigger: Option<String> = sqlx::query_scalar(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'search_documents_ai'",
                )
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(sql) = trigger {
                    let before: i64 =
                        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM search_documents")
                            .fetch_one(&mut *tx)
                            .await?;
                    sqlx::query("DROP TRIGGER search_documents_ai")
                        .execute(&mut *tx)
                        .await?;
                    search_trigger = Some((sql, before));
                }
                let cache: i64 = sqlx::query_scalar("PRAGMA cache_size")
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "PRAGMA cache_size = -{IMPORT_CACHE_KIB}"
                )))
                .execute(&mut *tx)
                .await?;
                usual_cache_size = Some(cache);
                for table in REINDEXED_TABLES {
                    let sql = format!("SELECT COALESCE(MAX(rowid), 0) FROM {table}");
                    let before: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .fetch_one(&mut *tx)
                        .await?;
                    index_plans.push(IndexPlan {
                        table,
                        before,
                        dropped: None,
                    });
                }
                Tx::Sqlite(tx)
            }
            Backend::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        };
        Ok(ImportSession {
            tx: Some(tx),
            writing: None,
            postgres: self.is_postgres(),
            source,
            site: site.to_owned(),
            people_ids: Ids::new(BulkPerson::TABLE),
            thread_ids: Ids::new(BulkThread::TABLE),
            reply_ids: Ids::new(BulkReply::TABLE),
            people: BulkWriter::new(),
            aliases: BulkWriter::new(),
            source_ids: BulkWriter::new(),
            threads: BulkWriter::new(),
            replies: BulkWriter::new(),
            solutions: BulkWriter::new(),
            memberships: BulkWriter::new(),
            thanks: BulkWriter::new(),
            activity: BulkWriter::new(),
            docs: BulkWriter::new(),
            staged_accepts: BulkWriter::new(),
            staged_accept_times: BulkWriter::new(),
            staging: false,
            keyed: false,
            pending_parents: BulkWriter::new(),
            pending: false,
            pending_seq: 0,
            update_trigger: None,
            threads_into_replies: 0,
            hidden: None,
            written_in_sql: ImportWritten::default(),
            queued_rows: 0,
            queued_bytes: 0,
            touched: Vec::new(),
            search_trigger,
            index_plans,
            usual_cache_size,
        })
    }
}

/// Runs a lookup of `$ids` on the session's transaction, in statements of
/// [`LOOKUP_CHUNK`] ids: `$start` pushes onto the query builder `$qb`
/// everything before ` IN (…)`; the rows are `$row`s. Lookups are not kept
/// in the connection's statement cache: each has its own number of
/// parameters, thousands of them.
macro_rules! lookup_among {
    ($session:expr, $ids:expr, $row:ty, |$qb:ident| $start:block) => {{
        let mut found: Vec<$row> = Vec::new();
        for chunk in $ids.chunks(LOOKUP_CHUNK) {
            on_tx!($session.tx().await?, |c| {
                let mut $qb = sqlx::QueryBuilder::new("");
                $start
                $qb.push(" IN (");
                let mut list = $qb.separated(", ");
                for id in chunk {
                    list.push_bind(id);
                }
                $qb.push(")");
                found.extend(
                    $qb.build_query_as::<$row>()
                        .persistent(false)
                        .fetch_all(&mut *c)
                        .await?,
                );
            });
        }
        found
    }};
}
use lookup_among;

impl ImportSession {
    pub fn site(&self) -> &str {
        &self.site
    }

    async fn next_id(&mut self, which: fn(&mut Self) -> &mut Ids) -> Result<i64> {
        let postgres = self.postgres;
        let ids = which(self);
        let table = ids.table;
        let (needs_start, needs_block) = (ids.next == 0, ids.block.is_empty());
        if postgres {
            if needs_block {
                let sql = format!(
                    "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, {ID_BLOCK})"
                );
                let mut block: Vec<i64> = on_tx!(self.tx().await?, |c| {
                    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .fetch_all(&mut *c)
                        .await?
                });
                block.reverse();
                which(self).block = block;
            }
            let ids = which(self);
            let id = ids.block.pop().unwrap_or_default();
            ids.first.get_or_insert(id);
            return Ok(id);
        }
        if needs_start {
            let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {table}");
            let max: i64 = on_tx!(self.tx().await?, |c| {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&mut *c)
                    .await?
            });
            which(self).next = max + 1;
        }
        let ids = which(self);
        let id = ids.next;
        ids.next += 1;
        ids.first.get_or_insert(id);
        Ok(id)
    }

    /// Resolves rows once, with the joins of `resolve` (an `INSERT INTO
    /// table SELECT …` and its binds), into the temporary table `table`
    /// (`columns`), for `inserts` that read it; drops it and returns how
    /// many rows each insert wrote.
    async fn through_temp_table(
        &mut self,
        table: &str,
        columns: &str,
        (resolve, binds): (String, Vec<Value>),
        inserts: [String; 2],
    ) -> Result<[u64; 2]> {
        let create = temp_table(self.postgres, table, columns);
        let resolve: crate::bulk::Plan = vec![(binds.len(), resolve.into())];
        Ok(on_tx!(self.tx().await?, |c| {
            sqlx::raw_sql(sqlx::AssertSqlSafe(create))
                .execute(&mut *c)
                .await?;
            run_plan!(&mut *c, binds, resolve);
            let mut counts = [0u64; 2];
            for (count, sql) in counts.iter_mut().zip(inserts) {
                *count = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut *c)
                    .await?
                    .rows_affected();
            }
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP TABLE {table}")))
                .execute(&mut *c)
                .await?;
            counts
        }))
    }

    /// The transaction, once the batch being written (if any) is.
    async fn tx(&mut self) -> Result<&mut Tx> {
        self.settle().await?;
        self.tx
            .as_mut()
            .ok_or(crate::StoreError::Database(sqlx::Error::WorkerCrashed))
    }

    /// Waits for the batch being written, if any; its error, if it failed.
    async fn settle(&mut self) -> Result<()> {
        if let Some(writing) = self.writing.take() {
            // A write that panicked took the transaction with it: rolled
            // back, nothing of the session remains.
            let (tx, outcome) = writing
                .await
                .map_err(|_| crate::StoreError::Database(sqlx::Error::WorkerCrashed))?;
            self.tx = Some(tx);
            outcome?;
        }
        Ok(())
    }

    /// Abandons the session: nothing it wrote remains.
    pub async fn abort(mut self) -> Result<()> {
        // A failed batch is the usual reason to abort: its error is known.
        let _ = self.settle().await;
        self.restore_cache_size().await?;
        match self.tx.take() {
            Some(Tx::Sqlite(t)) => t.rollback().await?,
            Some(Tx::Postgres(t)) => t.rollback().await?,
            None => {}
        }
        Ok(())
    }

    async fn restore_cache_size(&mut self) -> Result<()> {
        self.settle().await?;
        if let (Some(cache), Some(Tx::Sqlite(t))) = (self.usual_cache_size.take(), &mut self.tx) {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = {cache}")))
                .execute(&mut **t)
                .await?;
        }
        Ok(())
    }
}
