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

use crate::bulk::{BulkWriter, Value};
use crate::communities::NewCommunity;
use crate::search::{PEOPLE_DOCS, UPSERT};
use crate::{Backend, NewReply, NewThread, Result, Store, run_plan};
use guildhall_domain::{ActivityKind, NewActivity};
use sqlx::{Postgres, Sqlite, Transaction};

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

/// A person as an importer knows them.
#[derive(Clone, Debug)]
pub struct ImportPerson {
    pub name: String,
    /// Unique among people; importers without real addresses make one up
    /// under a reserved domain.
    pub email: String,
    pub bio: String,
    pub created_at: i64,
}

/// An accepted answer: the help request it solved and who helped.
#[derive(Clone, Debug)]
pub struct ImportSolution {
    pub thread_id: i64,
    pub reply_id: i64,
    pub helper_id: i64,
    pub marked_by: Option<i64>,
    pub at: i64,
}

/// Thanks for an imported reply (e.g. a chat reaction), once per giver
/// and reply.
#[derive(Clone, Debug)]
pub struct ImportThanks {
    pub giver_id: i64,
    pub receiver_id: i64,
    pub community_id: i64,
    pub reply_id: i64,
    pub at: i64,
}

/// A thread imported by this run or an earlier one, for attaching new replies to it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImportedThread {
    pub source_id: String,
    pub thread_id: i64,
    /// Where the thread is now: new replies belong there, whatever the
    /// source says about the topic's place today.
    pub community_id: i64,
    pub author_id: i64,
    pub title: String,
    pub solved: bool,
}

/// A thread or reply imported by this run or an earlier one, with what a
/// reply to it needs: its thread, that thread's author and title.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImportedPost {
    pub source_id: String,
    /// The kind it was recorded as.
    pub kind: String,
    pub thread_id: i64,
    /// Set when the source id names a reply.
    pub reply_id: Option<i64>,
    pub thread_author: i64,
    pub title: String,
    pub thread_created_at: i64,
}

/// A thread an importer found by a key of its own (a mailing list's
/// normalized subject), with the time of the latest message filed under
/// that key; see [`ImportSession::key_threads`].
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KeyedThread {
    pub key: String,
    pub thread_id: i64,
    pub author_id: i64,
    pub title: String,
    pub last_at: i64,
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
    people: BulkWriter,
    aliases: BulkWriter,
    source_ids: BulkWriter,
    threads: BulkWriter,
    replies: BulkWriter,
    solutions: BulkWriter,
    memberships: BulkWriter,
    thanks: BulkWriter,
    activity: BulkWriter,
    docs: BulkWriter,
    /// Accepted answers named by source ids, resolved in one statement at
    /// the end ([`ImportSession::solve_staged`]): (seq, question, answer).
    staged_accepts: BulkWriter,
    /// When answers were accepted, by source id: (answer, at).
    staged_accept_times: BulkWriter,
    /// Whether the staging tables exist in this transaction.
    staging: bool,
    /// Whether the keyed threads' table exists in this transaction.
    keyed: bool,
    /// Posts placed without the parent they name, to look at again when
    /// the run has read everything: (seq, child, parent, rank, how); see
    /// [`ImportSession::stage_pending_parent`].
    pending_parents: BulkWriter,
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
    touched: Vec<i64>,
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

/// Temporary tables of a session (gone with its transaction): accepted
/// answers and accept times by source id, until the answers are imported.
const STAGED_ACCEPTS: &str = "import_staged_accepts";
const STAGED_ACCEPT_TIMES: &str = "import_staged_accept_times";

/// Temporary tables of the statements that resolve the staged solutions
/// and the newcomers' memberships.
const SOLVED: &str = "import_solved";
const JOINED: &str = "import_joined";

/// Temporary table of [`ImportSession::key_threads`].
const KEYED_THREADS: &str = "import_keyed_threads";

/// Temporary table of [`ImportSession::stage_pending_parent`].
const PENDING_PARENTS: &str = "import_pending_parents";

/// Temporary table of [`ImportSession::hiding_as`].
const HIDDEN_EMAILS: &str = "import_hidden_emails";

/// An address as an archive that hides addresses ("a", "s" and "." as
/// "@", "i", "l" and "f" as "|") leaves it, with the address's own "@"
/// also a "@": the same for every address that could hide as a given
/// text (see [`ImportSession::hiding_as`]).
const SKELETON: &str = "replace(replace(replace(replace(replace(replace(replace(lower(email), \
     'a', '@'), 's', '@'), '.', '@'), 'i', '|'), 'l', '|'), 'f', '|'), ' ', '')";

/// `CREATE TEMPORARY TABLE`, gone with the transaction on PostgreSQL (and
/// dropped by the session on SQLite).
fn temp_table(postgres: bool, name: &str, columns: &str) -> String {
    if postgres {
        format!("CREATE TEMPORARY TABLE {name} ({columns}) ON COMMIT DROP")
    } else {
        format!("CREATE TEMP TABLE {name} ({columns})")
    }
}

struct IndexPlan {
    table: &'static str,
    /// Rows before the session (estimated by the largest rowid).
    before: i64,
    /// Definitions of the indexes dropped, once they are.
    dropped: Option<Vec<String>>,
}

/// Tables with most rows per imported post and secondary indexes.
const REINDEXED_TABLES: [&str; 4] = ["activity", "search_documents", "replies", "threads"];

/// Rebuilding a table's indexes costs a sort of the whole table: it only
/// pays when the session adds at least as many rows as were there. Below
/// this many rows either way is quick; the fixtures' dumps are above it, so
/// the tests take the rebuilding path too.
const REINDEX_MIN_ROWS: u64 = 1_000;

/// Flush when this many rows or text bytes are queued: large statements,
/// bounded memory (a batch is queued while the one before is written).
const FLUSH_ROWS: usize = 20_000;
const FLUSH_BYTES: usize = 8 << 20;

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
            people_ids: Ids::new("people"),
            thread_ids: Ids::new("threads"),
            reply_ids: Ids::new("replies"),
            people: BulkWriter::new(
                "people",
                &["id", "name", "email", "bio", "org_role", "created_at"],
            ),
            aliases: BulkWriter::new(
                "person_aliases",
                &[
                    "person_id",
                    "source",
                    "account",
                    "email",
                    "name",
                    "created_at",
                ],
            ),
            source_ids: BulkWriter::new(
                "import_ids",
                &["source", "site", "kind", "source_id", "local_id"],
            ),
            threads: BulkWriter::new(
                "threads",
                &[
                    "id",
                    "community_id",
                    "kind",
                    "title",
                    "body",
                    "tags",
                    "author_id",
                    "created_at",
                    "last_activity_at",
                ],
            ),
            replies: BulkWriter::new(
                "replies",
                &[
                    "id",
                    "thread_id",
                    "author_id",
                    "body",
                    "reply_to",
                    "created_at",
                ],
            ),
            solutions: BulkWriter::new(
                "help_solutions",
                &["thread_id", "reply_id", "helper_id", "marked_by", "at"],
            ),
            memberships: BulkWriter::new(
                "memberships",
                &["community_id", "person_id", "role", "joined_at"],
            ),
            thanks: BulkWriter::new(
                "thanks",
                &["giver_id", "receiver_id", "community_id", "reply_id", "at"],
            ),
            activity: BulkWriter::new(
                "activity",
                &[
                    "at",
                    "kind",
                    "actor_id",
                    "actor_unit",
                    "community_id",
                    "subject_id",
                    "parent_id",
                    "other_id",
                ],
            ),
            docs: BulkWriter::new(
                "search_documents",
                &[
                    "kind",
                    "ref_id",
                    "community_id",
                    "thread_id",
                    "author_id",
                    "title",
                    "body",
                    "at",
                ],
            ),
            staged_accepts: BulkWriter::new(STAGED_ACCEPTS, &["seq", "question", "answer"]),
            staged_accept_times: BulkWriter::new(STAGED_ACCEPT_TIMES, &["answer", "at"]),
            staging: false,
            keyed: false,
            pending_parents: BulkWriter::new(
                PENDING_PARENTS,
                &["seq", "child", "parent", "rank", "how"],
            ),
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

fn event_row(ev: &NewActivity) -> [Value; 8] {
    [
        Value::Int(ev.at.0),
        Value::from(ev.kind.as_str()),
        Value::Int(ev.actor.0),
        Value::from(ev.actor_unit.map(|u| u.0)),
        Value::from(ev.community.map(|c| c.0)),
        Value::from(ev.subject),
        Value::from(ev.parent),
        Value::from(ev.other.map(|p| p.0)),
    ]
}

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

    /// Whether an earlier run imported anything of this site.
    pub async fn imported_before(&mut self) -> Result<bool> {
        let (source, site) = (self.source, self.site.clone());
        Ok(on_tx!(self.tx().await?, |c| {
            sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM import_ids WHERE source = $1 AND site = $2)",
            )
            .bind(source)
            .bind(&site)
            .fetch_one(&mut *c)
            .await?
        }))
    }

    /// Source ids of one kind recorded by earlier runs of this site, with
    /// their local ids.
    pub async fn known_ids(&mut self, kind: &str) -> Result<Vec<(String, i64)>> {
        let (source, site) = (self.source, self.site.clone());
        Ok(on_tx!(self.tx().await?, |c| {
            sqlx::query_as(
                "SELECT source_id, local_id FROM import_ids WHERE source = $1 AND site = $2 AND kind = $3",
            )
            .bind(source)
            .bind(&site)
            .bind(kind)
            .fetch_all(&mut *c)
            .await?
        }))
    }

    /// Accounts of this source already tied to people (any site):
    /// (account, person).
    pub async fn alias_accounts(&mut self) -> Result<Vec<(String, i64)>> {
        let source = self.source;
        Ok(on_tx!(self.tx().await?, |c| {
            sqlx::query_as(
                "SELECT account, person_id FROM person_aliases WHERE source = $1 AND account IS NOT NULL",
            )
            .bind(source)
            .fetch_all(&mut *c)
            .await?
        }))
    }

    /// The person with this email address (compared case-insensitively),
    /// as a person or as an alias seen by an earlier import.
    pub async fn person_by_email(&mut self, email: &str) -> Result<Option<i64>> {
        Ok(on_tx!(self.tx().await?, |c| {
            sqlx::query_scalar(
                "SELECT COALESCE(merged_into, id) FROM people WHERE lower(email) = lower($1) \
                 UNION ALL SELECT person_id FROM person_aliases WHERE lower(email) = lower($1) LIMIT 1",
            )
            .bind(email)
            .fetch_optional(&mut *c)
            .await?
        }))
    }

    pub async fn community_by_slug(&mut self, slug: &str) -> Result<Option<i64>> {
        Ok(on_tx!(self.tx().await?, |c| {
            sqlx::query_scalar("SELECT id FROM communities WHERE slug = $1")
                .bind(slug)
                .fetch_optional(&mut *c)
                .await?
        }))
    }

    pub async fn community_slug(&mut self, id: i64) -> Result<Option<String>> {
        Ok(on_tx!(self.tx().await?, |c| {
            sqlx::query_scalar("SELECT slug FROM communities WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *c)
                .await?
        }))
    }

    /// Creates a community without a founder (its members arrive with the
    /// imported history); returns its id.
    pub async fn create_community(
        &mut self,
        nc: &NewCommunity,
        reason: &str,
        at: i64,
    ) -> Result<i64> {
        Ok(on_tx!(self.tx().await?, |c| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO communities (slug, name, domain_statement, purpose, visibility, membership_policy, stage, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            )
            .bind(&nc.slug)
            .bind(&nc.name)
            .bind(&nc.domain_statement)
            .bind(&nc.purpose)
            .bind(&nc.visibility)
            .bind(&nc.membership_policy)
            .bind(&nc.stage)
            .bind(at)
            .fetch_one(&mut *c)
            .await
            .map_err(crate::StoreError::unique("slug"))?;
            sqlx::query(
                "INSERT INTO stage_changes (community_id, from_stage, to_stage, reason, changed_by, at) VALUES ($1, NULL, $2, $3, NULL, $4)",
            )
            .bind(id)
            .bind(&nc.stage)
            .bind(reason)
            .bind(at)
            .execute(&mut *c)
            .await?;
            crate::reindex_one!(&mut *c, crate::search::COMMUNITY_DOCS, "c", id);
            id
        }))
    }

    /// The people who are members of a community now.
    pub async fn members(&mut self, community: i64) -> Result<Vec<i64>> {
        Ok(on_tx!(self.tx().await?, |c| {
            sqlx::query_scalar("SELECT person_id FROM memberships WHERE community_id = $1")
                .bind(community)
                .fetch_all(&mut *c)
                .await?
        }))
    }

    /// The threads among `source_ids` recorded as `kind` by this site's
    /// runs (earlier ones, and this one up to its last flush).
    pub async fn imported_threads_among(
        &mut self,
        kind: &str,
        source_ids: &[String],
    ) -> Result<Vec<ImportedThread>> {
        let (source, site) = (self.source, self.site.clone());
        Ok(lookup_among!(self, source_ids, ImportedThread, |qb| {
            qb.push(
                "SELECT i.source_id, t.id AS thread_id, t.community_id, t.author_id, t.title, \
                 EXISTS (SELECT 1 FROM help_solutions s WHERE s.thread_id = t.id) AS solved \
                 FROM import_ids i JOIN threads t ON t.id = i.local_id WHERE i.source = ",
            )
            .push_bind(source)
            .push(" AND i.site = ")
            .push_bind(&site)
            .push(" AND i.kind = ")
            .push_bind(kind)
            .push(" AND i.source_id");
        }))
    }

    /// Which of `source_ids` of `kind` this site's runs (earlier ones, and
    /// this one up to its last flush) recorded, with their local ids.
    pub async fn known_among(
        &mut self,
        kind: &str,
        source_ids: &[String],
    ) -> Result<Vec<(String, i64)>> {
        let (source, site) = (self.source, self.site.clone());
        Ok(lookup_among!(self, source_ids, (String, i64), |qb| {
            qb.push("SELECT source_id, local_id FROM import_ids WHERE source = ")
                .push_bind(source)
                .push(" AND site = ")
                .push_bind(&site)
                .push(" AND kind = ")
                .push_bind(kind)
                .push(" AND source_id");
        }))
    }

    /// The threads (recorded as any of `thread_kinds`) and replies
    /// (`reply_kind`) among `source_ids`, imported by this site's runs up
    /// to the last flush.
    pub async fn imported_posts(
        &mut self,
        thread_kinds: &[&str],
        reply_kind: &str,
        source_ids: &[String],
    ) -> Result<Vec<ImportedPost>> {
        let (source, site) = (self.source, self.site.clone());
        Ok(lookup_among!(self, source_ids, ImportedPost, |qb| {
            qb.push(
                "SELECT i.source_id, i.kind, t.id AS thread_id, r.id AS reply_id, \
                 t.author_id AS thread_author, t.title, t.created_at AS thread_created_at \
                 FROM import_ids i LEFT JOIN replies r ON i.kind = ",
            )
            .push_bind(reply_kind)
            .push(" AND r.id = i.local_id JOIN threads t ON t.id = CASE WHEN i.kind = ")
            .push_bind(reply_kind)
            .push(" THEN r.thread_id ELSE i.local_id END WHERE i.source = ")
            .push_bind(source)
            .push(" AND i.site = ")
            .push_bind(&site)
            .push(" AND i.kind IN (");
            for kind in thread_kinds {
                qb.push_bind(*kind).push(", ");
            }
            qb.push_bind(reply_kind).push(") AND i.source_id");
        }))
    }

    /// Whether this session wrote `post` (rather than an earlier run).
    pub fn wrote(&self, post: &ImportedPost) -> bool {
        match post.reply_id {
            Some(reply) => self.reply_ids.first.is_some_and(|first| reply >= first),
            None => self
                .thread_ids
                .first
                .is_some_and(|first| post.thread_id >= first),
        }
    }

    /// Files `threads` under their keys, replacing what a key held: an
    /// importer's memory of which thread a key leads to, kept in the
    /// database so that it does not grow with the input. Keys must be
    /// distinct. Gone with the session.
    pub async fn key_threads(&mut self, threads: &[KeyedThread]) -> Result<()> {
        if threads.is_empty() {
            return Ok(());
        }
        let create = (!self.keyed).then(|| {
            temp_table(
                self.postgres,
                KEYED_THREADS,
                "key TEXT PRIMARY KEY, thread_id BIGINT NOT NULL, author_id BIGINT NOT NULL, \
                 title TEXT NOT NULL, last_at BIGINT NOT NULL",
            )
        });
        on_tx!(self.tx().await?, |c| {
            if let Some(create) = create {
                sqlx::raw_sql(sqlx::AssertSqlSafe(create))
                    .execute(&mut *c)
                    .await?;
            }
            // Five parameters a row, within both databases' limits.
            for chunk in threads.chunks(LOOKUP_CHUNK / 5) {
                let mut qb = sqlx::QueryBuilder::new(format!(
                    "INSERT INTO {KEYED_THREADS} (key, thread_id, author_id, title, last_at) "
                ));
                qb.push_values(chunk, |mut row, t| {
                    row.push_bind(&t.key)
                        .push_bind(t.thread_id)
                        .push_bind(t.author_id)
                        .push_bind(&t.title)
                        .push_bind(t.last_at);
                });
                qb.push(
                    " ON CONFLICT (key) DO UPDATE SET thread_id = excluded.thread_id, \
                     author_id = excluded.author_id, title = excluded.title, last_at = excluded.last_at",
                );
                qb.build().persistent(false).execute(&mut *c).await?;
            }
        });
        self.keyed = true;
        Ok(())
    }

    /// The threads filed under any of `keys` by [`Self::key_threads`].
    pub async fn keyed_threads_among(&mut self, keys: &[String]) -> Result<Vec<KeyedThread>> {
        if !self.keyed {
            return Ok(Vec::new());
        }
        Ok(lookup_among!(self, keys, KeyedThread, |qb| {
            qb.push(format!(
                "SELECT key, thread_id, author_id, title, last_at FROM {KEYED_THREADS} WHERE key"
            ));
        }))
    }

    /// Forgets every key filed by [`Self::key_threads`].
    pub async fn forget_keyed_threads(&mut self) -> Result<()> {
        if !self.keyed {
            return Ok(());
        }
        on_tx!(self.tx().await?, |c| {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DELETE FROM {KEYED_THREADS}")))
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Records that the post `child` (a source id) was placed without the
    /// better parents it names (`parents`, best first), or was not placed
    /// for want of them, for [`Self::pending_parents`] to find again once
    /// the run has read everything. `how` is the importer's own note (how
    /// it was placed, or where the post is in its file).
    pub async fn stage_pending_parent(
        &mut self,
        child: &str,
        parents: &[String],
        how: i64,
    ) -> Result<()> {
        if parents.is_empty() {
            return Ok(());
        }
        if !self.pending {
            let create = temp_table(
                self.postgres,
                PENDING_PARENTS,
                "seq BIGINT NOT NULL, child TEXT NOT NULL, parent TEXT NOT NULL, \
                 rank BIGINT NOT NULL, how BIGINT NOT NULL",
            );
            let index =
                format!("CREATE INDEX {PENDING_PARENTS}_seq ON {PENDING_PARENTS} (seq, rank)");
            on_tx!(self.tx().await?, |c| {
                for sql in [create, index] {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut *c)
                        .await?;
                }
            });
            self.pending = true;
        }
        let seq = self.pending_seq;
        self.pending_seq += 1;
        for (rank, parent) in parents.iter().enumerate() {
            self.pending_parents.queue([
                Value::Int(seq),
                Value::from(child),
                Value::from(parent.as_str()),
                Value::Int(rank as i64),
                Value::Int(how),
            ]);
        }
        self.queued(
            parents.len(),
            child.len() + parents.iter().map(String::len).sum::<usize>(),
        );
        self.maybe_flush().await
    }

    /// How many posts [`Self::stage_pending_parent`] recorded.
    pub fn pending_children(&self) -> i64 {
        self.pending_seq
    }

    /// For the staged posts numbered `from..to`, the best parent each
    /// names that is now imported in this site (as `thread_kind` or
    /// `reply_kind`), if any: (child, parent, how), in staging order.
    pub async fn pending_parents(
        &mut self,
        from: i64,
        to: i64,
        thread_kind: &str,
        reply_kind: &str,
    ) -> Result<Vec<(String, String, i64)>> {
        if !self.pending {
            return Ok(Vec::new());
        }
        self.flush().await?;
        let (source, site) = (self.source, self.site.clone());
        let sql = format!(
            "SELECT p.seq, p.child, p.parent, p.how FROM {PENDING_PARENTS} p \
             WHERE p.seq >= $1 AND p.seq < $2 AND EXISTS (SELECT 1 FROM import_ids i \
             WHERE i.source = $3 AND i.site = $4 AND i.kind IN ($5, $6) AND i.source_id = p.parent) \
             ORDER BY p.seq, p.rank"
        );
        let rows: Vec<(i64, String, String, i64)> = on_tx!(self.tx().await?, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(from)
                .bind(to)
                .bind(source)
                .bind(&site)
                .bind(thread_kind)
                .bind(reply_kind)
                .persistent(false)
                .fetch_all(&mut *c)
                .await?
        });
        let mut best: Vec<(String, String, i64)> = Vec::new();
        let mut last = None;
        for (seq, child, parent, how) in rows {
            if last != Some(seq) {
                best.push((child, parent, how));
                last = Some(seq);
            }
        }
        Ok(best)
    }

    /// Makes ready to move posts this session wrote
    /// ([`Self::thread_into_reply`], [`Self::move_reply`]): everything
    /// queued is written, the indexes a large import set aside are back
    /// (moves look rows up by them), and on SQLite the full-text update
    /// trigger is set aside until [`Self::finish`]: the documents moved are
    /// not indexed yet (see [`Self::finish`]), and removing them from the
    /// index would damage it.
    pub async fn prepare_moves(&mut self) -> Result<()> {
        self.flush().await?;
        self.restore_large_indexes().await?;
        if self.update_trigger.is_some() || self.search_trigger.is_none() {
            return Ok(());
        }
        if let Some(Tx::Sqlite(t)) = &mut self.tx {
            let trigger: Option<String> = sqlx::query_scalar(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'search_documents_au'",
            )
            .fetch_optional(&mut **t)
            .await?;
            if let Some(sql) = trigger {
                sqlx::query("DROP TRIGGER search_documents_au")
                    .execute(&mut **t)
                    .await?;
                self.update_trigger = Some(sql);
            }
        }
        Ok(())
    }

    /// Turns `thread`, which this session wrote, into a reply in `target`
    /// (answering `reply_to`, a reply there, or the thread itself): its
    /// opening post becomes a reply, its replies follow it (those that
    /// answered the thread now answer that reply), and their events,
    /// search documents and the source id `source_id` (recorded as
    /// `thread_kind`, now as `reply_kind`) say so. Returns the new reply.
    /// Call [`Self::prepare_moves`] first.
    pub async fn thread_into_reply(
        &mut self,
        thread: i64,
        source_id: &str,
        (thread_kind, reply_kind): (&str, &str),
        target: (i64, i64, &str),
        reply_to: Option<i64>,
        reply_event: &str,
    ) -> Result<i64> {
        let (target, target_author, target_title) = target;
        let id = self.next_id(|s| &mut s.reply_ids).await?;
        let (source, site) = (self.source, self.site.clone());
        on_tx!(self.tx().await?, |c| {
            let (kind, at): (String, i64) =
                sqlx::query_as("SELECT kind, created_at FROM threads WHERE id = $1")
                    .bind(thread)
                    .fetch_one(&mut *c)
                    .await?;
            let replies: Vec<(i64, i64)> =
                sqlx::query_as("SELECT id, created_at FROM replies WHERE thread_id = $1")
                    .bind(thread)
                    .fetch_all(&mut *c)
                    .await?;
            sqlx::query(
                "INSERT INTO replies (id, thread_id, author_id, body, reply_to, created_at) \
                 SELECT $1, $2, author_id, body, $3, created_at FROM threads WHERE id = $4",
            )
            .bind(id)
            .bind(target)
            .bind(reply_to)
            .bind(thread)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "UPDATE replies SET reply_to = $1 WHERE thread_id = $2 AND reply_to IS NULL",
            )
            .bind(id)
            .bind(thread)
            .execute(&mut *c)
            .await?;
            sqlx::query("UPDATE replies SET thread_id = $1 WHERE thread_id = $2")
                .bind(target)
                .bind(thread)
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "UPDATE activity SET kind = $1, subject_id = $2, parent_id = $3, other_id = $4 \
                 WHERE kind = $5 AND at = $6 AND subject_id = $7 AND parent_id IS NULL",
            )
            .bind(reply_event)
            .bind(id)
            .bind(target)
            .bind(target_author)
            .bind(format!("thread.{kind}"))
            .bind(at)
            .bind(thread)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "UPDATE search_documents SET kind = 'reply', ref_id = $1, thread_id = $2, title = $3 \
                 WHERE kind = 'thread' AND ref_id = $4",
            )
            .bind(id)
            .bind(target)
            .bind(target_title)
            .bind(thread)
            .execute(&mut *c)
            .await?;
            for (reply, at) in &replies {
                sqlx::query(
                    "UPDATE activity SET parent_id = $1, other_id = $2 \
                     WHERE kind = $3 AND at = $4 AND subject_id = $5 AND parent_id = $6",
                )
                .bind(target)
                .bind(target_author)
                .bind(reply_event)
                .bind(*at)
                .bind(*reply)
                .bind(thread)
                .execute(&mut *c)
                .await?;
                sqlx::query(
                    "UPDATE search_documents SET thread_id = $1, title = $2 WHERE kind = 'reply' AND ref_id = $3",
                )
                .bind(target)
                .bind(target_title)
                .bind(*reply)
                .execute(&mut *c)
                .await?;
            }
            sqlx::query("DELETE FROM threads WHERE id = $1")
                .bind(thread)
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "UPDATE import_ids SET kind = $1, local_id = $2 \
                 WHERE source = $3 AND site = $4 AND kind = $5 AND source_id = $6",
            )
            .bind(reply_kind)
            .bind(id)
            .bind(source)
            .bind(&site)
            .bind(thread_kind)
            .bind(source_id)
            .execute(&mut *c)
            .await?;
        });
        self.threads_into_replies += 1;
        self.touched.push(target);
        Ok(id)
    }

    /// Moves `reply`, which this session wrote, with the replies that
    /// answer it and theirs, to answer `reply_to` (a reply, or `None` for
    /// the thread) in `target` (thread, its author, its title). Nothing
    /// moves when that is where it is, or when `reply_to` is among the
    /// replies that would move (a loop): returns whether it moved. Call
    /// [`Self::prepare_moves`] first.
    pub async fn move_reply(
        &mut self,
        reply: i64,
        target: (i64, i64, &str),
        reply_to: Option<i64>,
        reply_event: &str,
    ) -> Result<bool> {
        let (target, target_author, target_title) = target;
        let moved = on_tx!(self.tx().await?, |c| {
            let (thread, now_to): (i64, Option<i64>) =
                sqlx::query_as("SELECT thread_id, reply_to FROM replies WHERE id = $1")
                    .bind(reply)
                    .fetch_one(&mut *c)
                    .await?;
            let subtree: Vec<(i64, i64)> = sqlx::query_as(
                "WITH RECURSIVE sub(id) AS (SELECT id FROM replies WHERE id = $1 \
                 UNION SELECT r.id FROM replies r JOIN sub ON r.reply_to = sub.id) \
                 SELECT r.id, r.created_at FROM replies r JOIN sub ON sub.id = r.id",
            )
            .bind(reply)
            .fetch_all(&mut *c)
            .await?;
            let looped = reply_to.is_some_and(|to| subtree.iter().any(|(id, _)| *id == to));
            if looped || (thread == target && now_to == reply_to) {
                None
            } else {
                sqlx::query("UPDATE replies SET reply_to = $1 WHERE id = $2")
                    .bind(reply_to)
                    .bind(reply)
                    .execute(&mut *c)
                    .await?;
                if thread != target {
                    for (id, at) in &subtree {
                        sqlx::query("UPDATE replies SET thread_id = $1 WHERE id = $2")
                            .bind(target)
                            .bind(*id)
                            .execute(&mut *c)
                            .await?;
                        sqlx::query(
                            "UPDATE activity SET parent_id = $1, other_id = $2 \
                             WHERE kind = $3 AND at = $4 AND subject_id = $5 AND parent_id = $6",
                        )
                        .bind(target)
                        .bind(target_author)
                        .bind(reply_event)
                        .bind(*at)
                        .bind(*id)
                        .bind(thread)
                        .execute(&mut *c)
                        .await?;
                        sqlx::query(
                            "UPDATE search_documents SET thread_id = $1, title = $2 WHERE kind = 'reply' AND ref_id = $3",
                        )
                        .bind(target)
                        .bind(target_title)
                        .bind(*id)
                        .execute(&mut *c)
                        .await?;
                    }
                }
                Some(thread)
            }
        });
        match moved {
            Some(from) => {
                self.touched.extend([from, target]);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// People known by a real address (their own or an alias's; not a
    /// made-up `.invalid` one) that could hide as `skeletons` (see
    /// [`SKELETON`]: an archive's hidden address with " @end|ng |rom "
    /// made "@", spaces dropped): (skeleton, address, person, name). The
    /// importer checks which hide exactly as the text it read. The
    /// addresses are looked up in a table of this session made on first
    /// use and brought up to date on each.
    pub async fn hiding_as(
        &mut self,
        skeletons: &[String],
    ) -> Result<Vec<(String, String, i64, String)>> {
        if skeletons.is_empty() {
            return Ok(Vec::new());
        }
        self.flush().await?;
        let (people_after, aliases_after) = self.hidden.unwrap_or((0, 0));
        let create = self.hidden.is_none().then(|| {
            [
                temp_table(
                    self.postgres,
                    HIDDEN_EMAILS,
                    "skeleton TEXT NOT NULL, email TEXT NOT NULL, person_id BIGINT NOT NULL, name TEXT NOT NULL",
                ),
                format!("CREATE INDEX {HIDDEN_EMAILS}_skeleton ON {HIDDEN_EMAILS} (skeleton)"),
            ]
        });
        let people = format!(
            "INSERT INTO {HIDDEN_EMAILS} SELECT {SKELETON}, lower(email), COALESCE(merged_into, id), name \
             FROM people WHERE id > $1 AND id <= $2 AND lower(email) NOT LIKE '%.invalid'"
        );
        let aliases = format!(
            "INSERT INTO {HIDDEN_EMAILS} SELECT {SKELETON}, lower(email), person_id, name \
             FROM person_aliases WHERE id > $1 AND id <= $2 AND email IS NOT NULL AND lower(email) NOT LIKE '%.invalid'"
        );
        let upto = on_tx!(self.tx().await?, |c| {
            if let Some(create) = create {
                for sql in create {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut *c)
                        .await?;
                }
            }
            let people_upto: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM people")
                .fetch_one(&mut *c)
                .await?;
            let aliases_upto: i64 =
                sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM person_aliases")
                    .fetch_one(&mut *c)
                    .await?;
            for (sql, after, upto) in [
                (people, people_after, people_upto),
                (aliases, aliases_after, aliases_upto),
            ] {
                if upto > after {
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(after)
                        .bind(upto)
                        .execute(&mut *c)
                        .await?;
                }
            }
            (people_upto, aliases_upto)
        });
        self.hidden = Some(upto);
        Ok(lookup_among!(
            self,
            skeletons,
            (String, String, i64, String),
            |qb| {
                qb.push(format!(
                    "SELECT skeleton, email, person_id, name FROM {HIDDEN_EMAILS} WHERE skeleton"
                ));
            }
        ))
    }

    /// Which of `accounts` of this source (any site) are tied to people:
    /// (account, person).
    pub async fn alias_accounts_among(
        &mut self,
        accounts: &[String],
    ) -> Result<Vec<(String, i64)>> {
        let source = self.source;
        Ok(lookup_among!(self, accounts, (String, i64), |qb| {
            qb.push("SELECT account, person_id FROM person_aliases WHERE source = ")
                .push_bind(source)
                .push(" AND account IS NOT NULL AND account");
        }))
    }

    /// Creates the staging tables in this transaction, once.
    async fn stage(&mut self) -> Result<()> {
        if self.staging {
            return Ok(());
        }
        let tables = [
            temp_table(
                self.postgres,
                STAGED_ACCEPTS,
                "seq BIGINT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL",
            ),
            temp_table(
                self.postgres,
                STAGED_ACCEPT_TIMES,
                "answer TEXT NOT NULL, at BIGINT NOT NULL",
            ),
        ];
        on_tx!(self.tx().await?, |c| {
            for sql in tables {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut *c)
                    .await?;
            }
        });
        self.staging = true;
        Ok(())
    }

    /// Records that the source marks `answer` as the accepted answer of
    /// `question` (source ids, recorded as the kinds given to
    /// [`Self::solve_staged`]). The latest mark of a question counts.
    pub async fn stage_accepted(&mut self, question: &str, answer: &str) -> Result<()> {
        self.stage().await?;
        let seq = self.staged_accepts.total() as i64;
        self.staged_accepts
            .queue([Value::Int(seq), Value::from(question), Value::from(answer)]);
        self.queued(1, 0);
        self.maybe_flush().await
    }

    /// Records when `answer` (a source id) was accepted; the latest time
    /// counts, and never one before the answer was written.
    pub async fn stage_accept_time(&mut self, answer: &str, at: i64) -> Result<()> {
        self.stage().await?;
        self.staged_accept_times
            .queue([Value::from(answer), Value::Int(at)]);
        self.queued(1, 0);
        self.maybe_flush().await
    }

    /// Marks as solved every help request of `community` whose accepted
    /// answer was staged and is imported (now or by an earlier run), unless
    /// it is solved already: the answer's author is the helper, the
    /// question's author marked it, at the latest accept time or the
    /// answer's creation, whichever is later. Each gets a `help.solved`
    /// event. Returns how many were solved.
    pub async fn solve_staged(
        &mut self,
        thread_kind: &str,
        reply_kind: &str,
        community: i64,
    ) -> Result<u64> {
        if !self.staging {
            return Ok(0);
        }
        self.flush().await?;
        let (source, site) = (self.source, self.site.clone());
        // Each accepted answer once: the question's latest mark, joined to
        // what was imported.
        let accepted = format!(
            "FROM {STAGED_ACCEPTS} a \
             JOIN import_ids qi ON qi.source = $1 AND qi.site = $2 AND qi.kind = $3 AND qi.source_id = a.question \
             JOIN threads t ON t.id = qi.local_id \
             JOIN import_ids ai ON ai.source = $1 AND ai.site = $2 AND ai.kind = $4 AND ai.source_id = a.answer \
             JOIN replies r ON r.id = ai.local_id AND r.thread_id = t.id \
             WHERE NOT EXISTS (SELECT 1 FROM {STAGED_ACCEPTS} later WHERE later.question = a.question AND later.seq > a.seq) \
             AND NOT EXISTS (SELECT 1 FROM help_solutions s WHERE s.thread_id = t.id)"
        );
        let solved_at = format!(
            "(SELECT CASE WHEN MAX(v.at) > r.created_at THEN MAX(v.at) ELSE r.created_at END \
             FROM {STAGED_ACCEPT_TIMES} v WHERE v.answer = a.answer)"
        );
        let prepare = [
            format!("CREATE INDEX {STAGED_ACCEPTS}_question ON {STAGED_ACCEPTS} (question, seq)"),
            format!(
                "CREATE INDEX {STAGED_ACCEPT_TIMES}_answer ON {STAGED_ACCEPT_TIMES} (answer, at)"
            ),
        ];
        let resolve = format!(
            "INSERT INTO {SOLVED} SELECT t.id, r.id, r.author_id, t.author_id, {solved_at} {accepted}"
        );
        let events = format!(
            "INSERT INTO activity (at, kind, actor_id, actor_unit, community_id, subject_id, parent_id, other_id) \
             SELECT at, '{}', asker_id, NULL, {community}, thread_id, NULL, helper_id FROM {SOLVED} \
             ORDER BY at, thread_id",
            ActivityKind::HelpSolved.as_str()
        );
        let solutions = format!(
            "INSERT INTO help_solutions (thread_id, reply_id, helper_id, marked_by, at) \
             SELECT thread_id, reply_id, helper_id, asker_id, at FROM {SOLVED}"
        );
        on_tx!(self.tx().await?, |c| {
            for sql in prepare {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut *c)
                    .await?;
            }
        });
        let binds = vec![
            Value::from(source),
            Value::from(site.as_str()),
            Value::from(thread_kind),
            Value::from(reply_kind),
        ];
        let [events, solved] = self
            .through_temp_table(
                SOLVED,
                "thread_id BIGINT, reply_id BIGINT, helper_id BIGINT, asker_id BIGINT, at BIGINT",
                (resolve, binds),
                [events, solutions],
            )
            .await?;
        self.drop_staging().await?;
        self.written_in_sql.activity += events;
        self.written_in_sql.solutions += solved;
        Ok(solved)
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

    /// Drops the session's temporary tables (on SQLite they would outlive
    /// the transaction, on the pooled connection).
    async fn drop_staging(&mut self) -> Result<()> {
        let mut tables = Vec::new();
        if std::mem::take(&mut self.staging) {
            tables.extend([STAGED_ACCEPTS, STAGED_ACCEPT_TIMES]);
        }
        if std::mem::take(&mut self.keyed) {
            tables.push(KEYED_THREADS);
        }
        if std::mem::take(&mut self.pending) {
            tables.push(PENDING_PARENTS);
        }
        if self.hidden.take().is_some() {
            tables.push(HIDDEN_EMAILS);
        }
        if tables.is_empty() {
            return Ok(());
        }
        let drop = tables
            .iter()
            .map(|t| format!("DROP TABLE {t};"))
            .collect::<String>();
        on_tx!(self.tx().await?, |c| {
            sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Everyone who wrote a thread or reply in this session becomes a
    /// member of `community` at their first such contribution, unless they
    /// are one already, with a `member.joined` event each (in time order,
    /// so the log reads as it happened). For importers that write into one
    /// community per session. Returns how many joined.
    pub async fn join_contributors(&mut self, community: i64) -> Result<u64> {
        self.flush().await?;
        let first_thread = self.thread_ids.first.unwrap_or(i64::MAX);
        let first_reply = self.reply_ids.first.unwrap_or(i64::MAX);
        // Each newcomer's first contribution.
        let resolve = format!(
            "INSERT INTO {JOINED} SELECT c.author_id, MIN(c.created_at) \
             FROM (SELECT author_id, created_at FROM threads WHERE id >= $2 AND community_id = $1 \
             UNION ALL SELECT r.author_id, r.created_at FROM replies r \
             JOIN threads t ON t.id = r.thread_id AND t.community_id = $1 WHERE r.id >= $3) c \
             WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.community_id = $1 AND m.person_id = c.author_id) \
             GROUP BY c.author_id"
        );
        let events = format!(
            "INSERT INTO activity (at, kind, actor_id, actor_unit, community_id, subject_id, parent_id, other_id) \
             SELECT at, '{}', person_id, NULL, {community}, NULL, NULL, NULL FROM {JOINED} \
             ORDER BY at, person_id",
            ActivityKind::MemberJoined.as_str()
        );
        let members = format!(
            "INSERT INTO memberships (community_id, person_id, role, joined_at) \
             SELECT {community}, person_id, 'member', at FROM {JOINED}"
        );
        let binds = vec![
            Value::Int(community),
            Value::Int(first_thread),
            Value::Int(first_reply),
        ];
        let [events, joined] = self
            .through_temp_table(
                JOINED,
                "person_id BIGINT, at BIGINT",
                (resolve, binds),
                [events, members],
            )
            .await?;
        self.written_in_sql.activity += events;
        self.written_in_sql.memberships += joined;
        Ok(joined)
    }

    fn queued(&mut self, rows: usize, bytes: usize) {
        self.queued_rows += rows;
        self.queued_bytes += bytes;
    }

    async fn maybe_flush(&mut self) -> Result<()> {
        if self.queued_rows >= FLUSH_ROWS || self.queued_bytes >= FLUSH_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    /// Drops the secondary indexes of tables that this session fills
    /// mostly by itself (SQLite; the drop is part of the transaction).
    async fn suspend_large_indexes(&mut self) -> Result<()> {
        self.settle().await?;
        let Some(Tx::Sqlite(t)) = &mut self.tx else {
            return Ok(());
        };
        let writers = [&self.activity, &self.docs, &self.replies, &self.threads];
        for plan in self.index_plans.iter_mut().filter(|p| p.dropped.is_none()) {
            let Some(w) = writers.iter().find(|w| w.table() == plan.table) else {
                continue;
            };
            let rows = w.total();
            if rows < REINDEX_MIN_ROWS || (rows as i64) < plan.before {
                continue;
            }
            let indexes: Vec<(String, String)> = sqlx::query_as(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 \
                 AND sql IS NOT NULL AND upper(sql) NOT LIKE 'CREATE UNIQUE%' ORDER BY name",
            )
            .bind(plan.table)
            .fetch_all(&mut **t)
            .await?;
            for (name, _) in &indexes {
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX {name}")))
                    .execute(&mut **t)
                    .await?;
            }
            plan.dropped = Some(indexes.into_iter().map(|(_, sql)| sql).collect());
        }
        Ok(())
    }

    /// Rebuilds the indexes [`Self::suspend_large_indexes`] dropped.
    async fn restore_large_indexes(&mut self) -> Result<()> {
        self.settle().await?;
        let Some(Tx::Sqlite(t)) = &mut self.tx else {
            return Ok(());
        };
        let statements: Vec<String> = self
            .index_plans
            .iter_mut()
            .filter_map(|p| p.dropped.take())
            .flatten()
            .collect();
        if statements.is_empty() {
            return Ok(());
        }
        // The sort behind each index spills to a temporary file (the
        // writer's `temp_store`, see open.rs) instead of holding every key
        // in memory.
        for sql in statements {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut **t)
                .await?;
        }
        Ok(())
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

    /// Writes every queued row, parents before children. The batch is
    /// written in the background while the importer reads and queues the
    /// next one (reading the source took a third of an import's time,
    /// writing the rest); anything else the session does first waits for
    /// it.
    pub async fn flush(&mut self) -> Result<()> {
        self.suspend_large_indexes().await?;
        let postgres = self.postgres;
        let mut batch = Vec::new();
        for w in [
            &mut self.people,
            &mut self.aliases,
            &mut self.source_ids,
            &mut self.threads,
            &mut self.replies,
            &mut self.solutions,
            &mut self.memberships,
            &mut self.thanks,
            &mut self.activity,
            &mut self.docs,
            &mut self.staged_accepts,
            &mut self.staged_accept_times,
            &mut self.pending_parents,
        ] {
            batch.extend(w.plan(postgres));
        }
        self.queued_rows = 0;
        self.queued_bytes = 0;
        self.settle().await?;
        let Some(mut tx) = self.tx.take() else {
            return Err(crate::StoreError::Database(sqlx::Error::WorkerCrashed));
        };
        self.writing = Some(tokio::spawn(async move {
            let outcome = async {
                for (values, plan) in batch {
                    on_tx!(&mut tx, |c| {
                        run_plan!(&mut *c, values, plan);
                    });
                }
                Ok(())
            }
            .await;
            (tx, outcome)
        }));
        Ok(())
    }

    /// Queues a person; returns their id.
    pub async fn add_person(&mut self, p: &ImportPerson) -> Result<i64> {
        let id = self.next_id(|s| &mut s.people_ids).await?;
        self.people.queue([
            Value::Int(id),
            Value::from(p.name.as_str()),
            Value::from(p.email.as_str()),
            Value::from(p.bio.as_str()),
            Value::from("member"),
            Value::Int(p.created_at),
        ]);
        self.queued(1, p.name.len() + p.email.len() + p.bio.len());
        self.maybe_flush().await?;
        Ok(id)
    }

    /// Records who `person` was in this source.
    pub async fn add_alias(
        &mut self,
        person: i64,
        account: Option<&str>,
        email: Option<&str>,
        name: &str,
        at: i64,
    ) -> Result<()> {
        self.aliases.queue([
            Value::Int(person),
            Value::from(self.source),
            account.map_or(Value::Null, Value::from),
            email.map_or(Value::Null, Value::from),
            Value::from(name),
            Value::Int(at),
        ]);
        self.queued(1, name.len());
        self.maybe_flush().await
    }

    /// Records that `source_id` of `kind` in this site is `local_id` here.
    pub async fn record_id(
        &mut self,
        kind: &'static str,
        source_id: &str,
        local_id: i64,
    ) -> Result<()> {
        self.source_ids.queue([
            Value::from(self.source),
            Value::from(self.site.as_str()),
            Value::from(kind),
            Value::from(source_id),
            Value::Int(local_id),
        ]);
        self.queued(1, 0);
        self.maybe_flush().await
    }

    /// Queues a thread, its event (subject set to the thread) and its
    /// search document; returns its id.
    pub async fn add_thread(&mut self, t: &NewThread, event: &NewActivity) -> Result<i64> {
        let id = self.next_id(|s| &mut s.thread_ids).await?;
        self.threads.queue([
            Value::Int(id),
            Value::Int(t.community_id),
            Value::from(t.kind),
            Value::from(t.title.as_str()),
            Value::from(t.body.as_str()),
            Value::from(t.tags.as_str()),
            Value::Int(t.author_id),
            Value::Int(t.at),
            Value::Int(t.at),
        ]);
        self.activity.queue(event_row(&event.clone().subject(id)));
        self.docs.queue([
            Value::from("thread"),
            Value::Int(id),
            Value::Int(t.community_id),
            Value::Int(id),
            Value::Int(t.author_id),
            Value::from(t.title.as_str()),
            Value::Text(format!("{}\n{}", t.plain, t.tags)),
            Value::Int(t.at),
        ]);
        self.queued(3, 2 * t.title.len() + t.body.len() + t.plain.len());
        self.maybe_flush().await?;
        Ok(id)
    }

    /// Queues a reply to `thread_title`'s thread, its event (subject = the
    /// reply, parent = the thread) and its search document; returns its id.
    /// The thread may come from an earlier run.
    pub async fn add_reply(
        &mut self,
        r: &NewReply,
        thread_title: &str,
        event: &NewActivity,
    ) -> Result<i64> {
        let id = self.next_id(|s| &mut s.reply_ids).await?;
        if self
            .thread_ids
            .first
            .is_none_or(|first| r.thread_id < first)
            && self.touched.last() != Some(&r.thread_id)
        {
            self.touched.push(r.thread_id);
        }
        self.replies.queue([
            Value::Int(id),
            Value::Int(r.thread_id),
            Value::Int(r.author_id),
            Value::from(r.body.as_str()),
            Value::from(r.reply_to),
            Value::Int(r.at),
        ]);
        self.activity
            .queue(event_row(&event.clone().subject(id).parent(r.thread_id)));
        self.docs.queue([
            Value::from("reply"),
            Value::Int(id),
            Value::Int(r.community_id),
            Value::Int(r.thread_id),
            Value::Int(r.author_id),
            Value::from(thread_title),
            Value::from(r.plain.as_str()),
            Value::Int(r.at),
        ]);
        self.queued(3, r.body.len() + r.plain.len() + thread_title.len());
        self.maybe_flush().await?;
        Ok(id)
    }

    /// Queues a solved mark and its event (subject = the thread).
    pub async fn add_solution(&mut self, s: &ImportSolution, event: &NewActivity) -> Result<()> {
        self.solutions.queue([
            Value::Int(s.thread_id),
            Value::Int(s.reply_id),
            Value::Int(s.helper_id),
            Value::from(s.marked_by),
            Value::Int(s.at),
        ]);
        self.activity
            .queue(event_row(&event.clone().subject(s.thread_id)));
        self.queued(2, 0);
        self.maybe_flush().await
    }

    /// Queues a membership and its `member.joined` event.
    pub async fn add_member(
        &mut self,
        community: i64,
        person: i64,
        role: &'static str,
        event: &NewActivity,
    ) -> Result<()> {
        self.memberships.queue([
            Value::Int(community),
            Value::Int(person),
            Value::from(role),
            Value::Int(event.at.0),
        ]);
        self.activity.queue(event_row(event));
        self.queued(2, 0);
        self.maybe_flush().await
    }

    /// Queues thanks for a reply and its event (subject = the reply,
    /// other = the person thanked). The importer gives thanks once per
    /// giver and reply: the database refuses a second.
    pub async fn add_thanks(&mut self, t: &ImportThanks, event: &NewActivity) -> Result<()> {
        self.thanks.queue([
            Value::Int(t.giver_id),
            Value::Int(t.receiver_id),
            Value::Int(t.community_id),
            Value::Int(t.reply_id),
            Value::Int(t.at),
        ]);
        self.activity.queue(event_row(
            &event
                .clone()
                .subject(t.reply_id)
                .other(guildhall_domain::PersonId(t.receiver_id)),
        ));
        self.queued(2, 0);
        self.maybe_flush().await
    }

    /// Queues an event that records no row of its own (e.g. `member.left`
    /// for a membership this run never wrote, or an earlier join of
    /// someone who left and came back).
    pub async fn add_event(&mut self, event: &NewActivity) -> Result<()> {
        self.activity.queue(event_row(event));
        self.queued(1, 0);
        self.maybe_flush().await
    }

    /// Writes what is queued, brings the derived columns and indexes up to
    /// date, and commits — or, for a dry run (`commit == false`), rolls
    /// everything back. Returns what was (or would have been) written.
    /// `step` is told each step as it starts: after the last file is
    /// read, these take much of a large import's time.
    pub async fn finish(
        mut self,
        commit: bool,
        step: &mut dyn FnMut(&'static str),
    ) -> Result<ImportWritten> {
        step("writing the last rows");
        self.flush().await?;
        self.settle().await?;
        if self.index_plans.iter().any(|p| p.dropped.is_some()) {
            step("rebuilding indexes");
        }
        self.restore_large_indexes().await?;
        step("counting replies");
        let first_thread = self.thread_ids.first;
        let first_person = self.people_ids.first;
        let mut touched = std::mem::take(&mut self.touched);
        touched.sort_unstable();
        touched.dedup();
        on_tx!(self.tx().await?, |c| {
            const RECOUNT: &str = "UPDATE threads SET reply_count = (SELECT COUNT(*) FROM replies r WHERE r.thread_id = threads.id AND r.deleted_at IS NULL), \
                 last_activity_at = COALESCE((SELECT MAX(r.created_at) FROM replies r WHERE r.thread_id = threads.id), created_at)";
            if let Some(first) = first_thread {
                let mut qb = sqlx::QueryBuilder::new(RECOUNT);
                qb.push(" WHERE id >= ").push_bind(first);
                qb.build().execute(&mut *c).await?;
            }
            for chunk in touched.chunks(1_000) {
                let mut qb = sqlx::QueryBuilder::new(RECOUNT);
                qb.push(" WHERE id IN (");
                let mut list = qb.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                qb.push(")");
                qb.build().execute(&mut *c).await?;
            }
            if let Some(first) = first_person {
                let mut qb = sqlx::QueryBuilder::new(PEOPLE_DOCS);
                qb.push("WHERE p.id >= ").push_bind(first).push(UPSERT);
                qb.build().execute(&mut *c).await?;
            }
        });
        // Every document of the session is new (its rows are only ever
        // inserted), so indexing those past the earlier last one brings the
        // full-text index exactly up to date.
        self.settle().await?;
        if let (Some((trigger, before)), Some(Tx::Sqlite(t))) =
            (self.search_trigger.take(), &mut self.tx)
        {
            step("indexing for search");
            crate::search::index_in_bulk(t, Some(before)).await?;
            sqlx::query(sqlx::AssertSqlSafe(trigger))
                .execute(&mut **t)
                .await?;
        }
        if let (Some(trigger), Some(Tx::Sqlite(t))) = (self.update_trigger.take(), &mut self.tx) {
            sqlx::query(sqlx::AssertSqlSafe(trigger))
                .execute(&mut **t)
                .await?;
        }
        let in_sql = &self.written_in_sql;
        let written = ImportWritten {
            people: self.people.written,
            aliases: self.aliases.written,
            threads: self.threads.written - self.threads_into_replies,
            replies: self.replies.written + self.threads_into_replies,
            solutions: self.solutions.written + in_sql.solutions,
            memberships: self.memberships.written + in_sql.memberships,
            thanks: self.thanks.written,
            activity: self.activity.written + in_sql.activity,
            search_documents: self.docs.written + self.people.written,
            source_ids: self.source_ids.written,
        };
        // Staged by an importer that never resolved it: nothing of it
        // outlives the session.
        self.drop_staging().await?;
        self.restore_cache_size().await?;
        step(if commit { "committing" } else { "rolling back" });
        match self.tx.take() {
            Some(Tx::Sqlite(t)) if commit => t.commit().await?,
            Some(Tx::Sqlite(t)) => t.rollback().await?,
            Some(Tx::Postgres(t)) if commit => t.commit().await?,
            Some(Tx::Postgres(t)) => t.rollback().await?,
            None => return Err(crate::StoreError::Database(sqlx::Error::WorkerCrashed)),
        }
        Ok(written)
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
