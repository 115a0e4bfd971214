//! Rows queued by the importer and written in background batches:
//! threads, replies, solved marks, memberships, thanks, events, search
//! documents and the source ids they came from.

use super::{ImportSession, Tx, on_tx};
use crate::bulk::{
    BulkActivity, BulkMembership, BulkReply, BulkSearchDocument, BulkSolution, BulkSourceId,
    BulkThanks, BulkThread,
};
use crate::{NewReply, NewThread, Result, run_plan};
use guildhall_domain::NewActivity;

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

/// Flush when this many rows or text bytes are queued: large statements,
/// bounded memory (a batch is queued while the one before is written).
const FLUSH_ROWS: usize = 20_000;
const FLUSH_BYTES: usize = 8 << 20;

fn event_row(ev: &NewActivity) -> BulkActivity {
    BulkActivity {
        at: ev.at.0,
        kind: ev.kind.as_str().to_owned(),
        actor_id: ev.actor.0,
        actor_unit: ev.actor_unit.map(|u| u.0),
        community_id: ev.community.map(|c| c.0),
        subject_id: ev.subject,
        parent_id: ev.parent,
        other_id: ev.other.map(|p| p.0),
    }
}

impl ImportSession {
    pub(super) fn queued(&mut self, rows: usize, bytes: usize) {
        self.queued_rows += rows;
        self.queued_bytes += bytes;
    }

    pub(super) async fn maybe_flush(&mut self) -> Result<()> {
        if self.queued_rows >= FLUSH_ROWS || self.queued_bytes >= FLUSH_BYTES {
            self.flush().await?;
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
            self.people.rows_mut(),
            self.aliases.rows_mut(),
            self.source_ids.rows_mut(),
            self.threads.rows_mut(),
            self.replies.rows_mut(),
            self.solutions.rows_mut(),
            self.memberships.rows_mut(),
            self.thanks.rows_mut(),
            self.activity.rows_mut(),
            self.docs.rows_mut(),
            self.staged_accepts.rows_mut(),
            self.staged_accept_times.rows_mut(),
            self.pending_parents.rows_mut(),
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

    /// Records that `source_id` of `kind` in this site is `local_id` here.
    pub async fn record_id(
        &mut self,
        kind: &'static str,
        source_id: &str,
        local_id: i64,
    ) -> Result<()> {
        self.source_ids.queue(BulkSourceId {
            source: self.source.to_owned(),
            site: self.site.clone(),
            kind: kind.to_owned(),
            source_id: source_id.to_owned(),
            local_id,
        });
        self.queued(1, 0);
        self.maybe_flush().await
    }

    /// Queues a thread, its event (subject set to the thread) and its
    /// search document; returns its id.
    pub async fn add_thread(&mut self, t: &NewThread, event: &NewActivity) -> Result<i64> {
        let id = self.next_id(|s| &mut s.thread_ids).await?;
        self.threads.queue(BulkThread {
            id,
            community_id: t.community_id,
            kind: t.kind.to_owned(),
            title: t.title.clone(),
            body: t.body.clone(),
            tags: t.tags.clone(),
            author_id: t.author_id,
            created_at: t.at,
            last_activity_at: t.at,
        });
        self.activity.queue(event_row(&event.clone().subject(id)));
        self.docs.queue(BulkSearchDocument {
            kind: "thread".to_owned(),
            ref_id: id,
            community_id: t.community_id,
            thread_id: Some(id),
            author_id: t.author_id,
            title: t.title.clone(),
            body: format!("{}\n{}", t.plain, t.tags),
            at: t.at,
        });
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
        self.replies.queue(BulkReply {
            id,
            thread_id: r.thread_id,
            author_id: r.author_id,
            body: r.body.clone(),
            reply_to: r.reply_to,
            created_at: r.at,
        });
        self.activity
            .queue(event_row(&event.clone().subject(id).parent(r.thread_id)));
        self.docs.queue(BulkSearchDocument {
            kind: "reply".to_owned(),
            ref_id: id,
            community_id: r.community_id,
            thread_id: Some(r.thread_id),
            author_id: r.author_id,
            title: thread_title.to_owned(),
            body: r.plain.clone(),
            at: r.at,
        });
        self.queued(3, r.body.len() + r.plain.len() + thread_title.len());
        self.maybe_flush().await?;
        Ok(id)
    }

    /// Queues a solved mark and its event (subject = the thread).
    pub async fn add_solution(&mut self, s: &ImportSolution, event: &NewActivity) -> Result<()> {
        self.solutions.queue(BulkSolution {
            thread_id: s.thread_id,
            reply_id: s.reply_id,
            helper_id: s.helper_id,
            marked_by: s.marked_by,
            at: s.at,
        });
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
        self.memberships.queue(BulkMembership {
            community_id: community,
            person_id: person,
            role: role.to_owned(),
            joined_at: event.at.0,
        });
        self.activity.queue(event_row(event));
        self.queued(2, 0);
        self.maybe_flush().await
    }

    /// Queues thanks for a reply and its event (subject = the reply,
    /// other = the person thanked). The importer gives thanks once per
    /// giver and reply: the database refuses a second.
    pub async fn add_thanks(&mut self, t: &ImportThanks, event: &NewActivity) -> Result<()> {
        self.thanks.queue(BulkThanks {
            giver_id: t.giver_id,
            receiver_id: t.receiver_id,
            community_id: t.community_id,
            reply_id: t.reply_id,
            at: t.at,
        });
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
}
