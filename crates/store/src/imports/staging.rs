//! Temporary tables of a session, resolved once the run has read
//! everything: threads filed under an importer's own keys, posts waiting
//! for the parent they name, and accepted answers with their times.

use super::people::HIDDEN_EMAILS;
use super::{ImportSession, LOOKUP_CHUNK, Tx, lookup_among, on_tx, temp_table};
use crate::Result;
use crate::bulk::{BulkRow, Value, bulk_rows};
use crate::read::direct_row;
use guildhall_domain::{ActivityKind, CommunityId, PersonId, ThreadId};

/// A thread an importer found by a key of its own (a mailing list's
/// normalized subject), with the time of the latest message filed under
/// that key; see [`ImportSession::key_threads`].
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KeyedThread {
    pub key: String,
    pub thread_id: ThreadId,
    pub author_id: PersonId,
    pub title: String,
    pub last_at: i64,
}
direct_row!(KeyedThread: key, thread_id, author_id, title, last_at);

bulk_rows! {
    /// That the source marks `answer` as the accepted answer of `question`
    /// (source ids); `seq` orders the marks.
    pub(super) struct StagedAccept in "import_staged_accepts" {
        seq: i64,
        question: String,
        answer: String,
    }

    /// When `answer` (a source id) was accepted.
    pub(super) struct StagedAcceptTime in "import_staged_accept_times" {
        answer: String,
        at: i64,
    }

    /// A post (`child`, a source id) placed without a better `parent` it
    /// names, ranked best first; `seq` numbers the posts.
    pub(super) struct PendingParent in "import_pending_parents" {
        seq: i64,
        child: String,
        parent: String,
        rank: i64,
        how: i64,
    }
}

/// Temporary tables of a session (gone with its transaction): accepted
/// answers and accept times by source id, until the answers are imported.
const STAGED_ACCEPTS: &str = StagedAccept::TABLE;
const STAGED_ACCEPT_TIMES: &str = StagedAcceptTime::TABLE;

/// Temporary table of the statement that resolves the staged solutions.
const SOLVED: &str = "import_solved";

/// Temporary table of [`ImportSession::key_threads`].
const KEYED_THREADS: &str = "import_keyed_threads";

/// Temporary table of [`ImportSession::stage_pending_parent`].
const PENDING_PARENTS: &str = PendingParent::TABLE;

impl ImportSession {
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
            self.pending_parents.queue(PendingParent {
                seq,
                child: child.to_owned(),
                parent: parent.clone(),
                rank: rank as i64,
                how,
            });
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
        let seq = self.staged_accepts.rows().total() as i64;
        self.staged_accepts.queue(StagedAccept {
            seq,
            question: question.to_owned(),
            answer: answer.to_owned(),
        });
        self.queued(1, 0);
        self.maybe_flush().await
    }

    /// Records when `answer` (a source id) was accepted; the latest time
    /// counts, and never one before the answer was written.
    pub async fn stage_accept_time(&mut self, answer: &str, at: i64) -> Result<()> {
        self.stage().await?;
        self.staged_accept_times.queue(StagedAcceptTime {
            answer: answer.to_owned(),
            at,
        });
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
        community: CommunityId,
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

    /// Drops the session's temporary tables (on SQLite they would outlive
    /// the transaction, on the pooled connection).
    pub(super) async fn drop_staging(&mut self) -> Result<()> {
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
}
