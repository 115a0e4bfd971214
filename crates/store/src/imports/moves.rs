//! Posts this session wrote, moved once their place is known: a thread
//! that turns out to answer another post becomes a reply there, and a
//! reply moves under the parent it names.

use super::{ImportSession, Tx, on_tx};
use crate::Result;
use guildhall_domain::{PersonId, ReplyId, ThreadId};

/// A reply that moved from thread `from` to `target` (thread, its
/// author, its title): its event and its search document follow it.
/// A macro, as the statements run on whichever backend's connection.
macro_rules! follow_reply {
    ($c:ident, ($reply:expr, $at:expr), $from:expr, ($target:expr, $author:expr, $title:expr), $event:expr) => {
        sqlx::query(
            "UPDATE activity SET parent_id = $1, other_id = $2 \
             WHERE kind = $3 AND at = $4 AND subject_id = $5 AND parent_id = $6",
        )
        .bind($target)
        .bind($author)
        .bind($event)
        .bind($at)
        .bind($reply)
        .bind($from)
        .execute(&mut *$c)
        .await?;
        sqlx::query(
            "UPDATE search_documents SET thread_id = $1, title = $2 WHERE kind = 'reply' AND ref_id = $3",
        )
        .bind($target)
        .bind($title)
        .bind($reply)
        .execute(&mut *$c)
        .await?;
    };
}

impl ImportSession {
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
        thread: ThreadId,
        source_id: &str,
        (thread_kind, reply_kind): (&str, &str),
        target: (ThreadId, PersonId, &str),
        reply_to: Option<ReplyId>,
        reply_event: &str,
    ) -> Result<ReplyId> {
        let (target, target_author, target_title) = target;
        let id = ReplyId(self.next_id(|s| &mut s.reply_ids).await?);
        let (source, site) = (self.source, self.site.clone());
        on_tx!(self.tx().await?, |c| {
            let (kind, at): (String, i64) =
                sqlx::query_as("SELECT kind, created_at FROM threads WHERE id = $1")
                    .bind(thread)
                    .fetch_one(&mut *c)
                    .await?;
            let replies: Vec<(ReplyId, i64)> =
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
                follow_reply!(
                    c,
                    (*reply, *at),
                    thread,
                    (target, target_author, target_title),
                    reply_event
                );
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
        reply: ReplyId,
        target: (ThreadId, PersonId, &str),
        reply_to: Option<ReplyId>,
        reply_event: &str,
    ) -> Result<bool> {
        let (target, target_author, target_title) = target;
        let moved = on_tx!(self.tx().await?, |c| {
            let (thread, now_to): (ThreadId, Option<ReplyId>) =
                sqlx::query_as("SELECT thread_id, reply_to FROM replies WHERE id = $1")
                    .bind(reply)
                    .fetch_one(&mut *c)
                    .await?;
            let subtree: Vec<(ReplyId, i64)> = sqlx::query_as(
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
                        follow_reply!(
                            c,
                            (*id, *at),
                            thread,
                            (target, target_author, target_title),
                            reply_event
                        );
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
}
