//! The end of a run: memberships from what was written, reply counts and
//! people's search documents brought up to date, indexes rebuilt, the
//! full-text pass, and the commit (or, for a dry run, the roll back).

use super::{ImportSession, ImportWritten, Tx, on_tx};
use crate::Result;
use crate::bulk::Value;
use crate::search::{PEOPLE_DOCS, UPSERT};
use guildhall_domain::{ActivityKind, CommunityId};

/// Temporary table of the statement that resolves the newcomers'
/// memberships.
const JOINED: &str = "import_joined";

impl ImportSession {
    /// Everyone who wrote a thread or reply in this session becomes a
    /// member of `community` at their first such contribution, unless they
    /// are one already, with a `member.joined` event each (in time order,
    /// so the log reads as it happened). For importers that write into one
    /// community per session. Returns how many joined.
    pub async fn join_contributors(&mut self, community: CommunityId) -> Result<u64> {
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
            Value::from(community),
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
            people: self.people.written(),
            aliases: self.aliases.written(),
            threads: self.threads.written() - self.threads_into_replies,
            replies: self.replies.written() + self.threads_into_replies,
            solutions: self.solutions.written() + in_sql.solutions,
            memberships: self.memberships.written() + in_sql.memberships,
            thanks: self.thanks.written(),
            activity: self.activity.written() + in_sql.activity,
            search_documents: self.docs.written() + self.people.written(),
            source_ids: self.source_ids.written(),
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
}
