//! Rows queued by the importer and written in background batches:
//! threads, replies, solved marks, memberships, thanks, events, search
//! documents and the source ids they came from.

use super::{ImportSession, Tx, on_tx};
use crate::bulk::{
    BulkActivity, BulkMembership, BulkReply, BulkSearchDocument, BulkSolution, BulkSourceId,
    BulkThanks, BulkThread,
};
use crate::{NewReply, NewThread, Result, run_plan};
use guildhall_domain::{
    CommunityId, CommunityRole, DocumentKind, NewActivity, PersonId, ReplyId, ThreadId,
    ids::RecordId,
};

/// Flush when this many rows or text bytes are queued: large statements,
/// bounded memory (a batch is queued while the one before is written).
const FLUSH_ROWS: usize = 20_000;
const FLUSH_BYTES: usize = 8 << 20;

fn event_row(ev: &NewActivity) -> BulkActivity {
    BulkActivity {
        at: ev.at.0,
        kind: ev.kind,
        actor_id: ev.actor,
        actor_unit: ev.actor_unit,
        community_id: ev.community,
        subject_id: ev.subject,
        parent_id: ev.parent,
        other_id: ev.other,
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
        local_id: impl RecordId,
    ) -> Result<()> {
        self.source_ids.queue(BulkSourceId {
            source: self.source.to_owned(),
            site: self.site.clone(),
            kind: kind.to_owned(),
            source_id: source_id.to_owned(),
            local_id: local_id.raw(),
        });
        self.queued(1, 0);
        self.maybe_flush().await
    }

    /// Queues a thread, its event (subject set to the thread) and its
    /// search document; returns its id.
    pub async fn add_thread(&mut self, t: &NewThread, event: &NewActivity) -> Result<ThreadId> {
        let id = ThreadId(self.next_id(|s| &mut s.thread_ids).await?);
        self.threads.queue(BulkThread {
            id,
            community_id: t.community_id,
            kind: t.kind,
            title: t.title.clone(),
            body: t.body.clone(),
            tags: t.tags.clone(),
            author_id: t.author_id,
            created_at: t.at,
            last_activity_at: t.at,
        });
        self.activity.queue(event_row(&event.clone().subject(id.0)));
        self.docs.queue(BulkSearchDocument {
            kind: DocumentKind::Thread,
            ref_id: id.0,
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
    ) -> Result<ReplyId> {
        let id = ReplyId(self.next_id(|s| &mut s.reply_ids).await?);
        if self
            .thread_ids
            .first
            .is_none_or(|first| r.thread_id.0 < first)
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
        self.activity.queue(event_row(
            &event.clone().subject(id.0).parent(r.thread_id.0),
        ));
        self.docs.queue(BulkSearchDocument {
            kind: DocumentKind::Reply,
            ref_id: id.0,
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
    pub async fn add_solution(&mut self, s: BulkSolution, event: &NewActivity) -> Result<()> {
        self.activity
            .queue(event_row(&event.clone().subject(s.thread_id.0)));
        self.solutions.queue(s);
        self.queued(2, 0);
        self.maybe_flush().await
    }

    /// Queues a membership and its `member.joined` event.
    pub async fn add_member(
        &mut self,
        community: CommunityId,
        person: PersonId,
        role: CommunityRole,
        event: &NewActivity,
    ) -> Result<()> {
        self.memberships.queue(BulkMembership {
            community_id: community,
            person_id: person,
            role,
            joined_at: event.at.0,
        });
        self.activity.queue(event_row(event));
        self.queued(2, 0);
        self.maybe_flush().await
    }

    /// Queues thanks for a reply and its event (subject = the reply,
    /// other = the person thanked). The importer gives thanks once per
    /// giver and reply: the database refuses a second.
    pub async fn add_thanks(&mut self, t: BulkThanks, event: &NewActivity) -> Result<()> {
        self.activity.queue(event_row(
            &event.clone().subject(t.reply_id.0).other(t.receiver_id),
        ));
        self.thanks.queue(t);
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
