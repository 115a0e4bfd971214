//! Threads and replies: help requests, stories and discussions, edits with
//! the text they replaced, solved help requests and thanks. Each write also
//! keeps the search index and notifications in step, in one transaction
//! with its activity event.

use crate::notifications::NewNotification;
use crate::read::{Sql, direct_row};
use crate::search::SearchDoc;
use crate::{
    Page, Result, Store, StoreError, append_activity, index_document, insert_notifications,
    unindex_document, write_tx,
};
use guildhall_domain::{
    CommunityId, DocumentKind, NewActivity, PersonId, PostEditId, ReplyId, ResourceId, ThreadId,
    ThreadKind,
};
use serde::Serialize;

#[derive(Clone, Debug)]
pub struct NewThread {
    pub community_id: CommunityId,
    pub kind: ThreadKind,
    pub title: String,
    pub body: String,
    /// Plain text of the body, for the search index.
    pub plain: String,
    pub tags: String,
    pub author_id: PersonId,
    pub at: i64,
}

/// The new text of a thread's opening post.
#[derive(Clone, Debug)]
pub struct ThreadEdit {
    pub title: String,
    pub body: String,
    pub plain: String,
    pub tags: String,
}

#[derive(Clone, Debug)]
pub struct NewReply {
    pub thread_id: ThreadId,
    pub community_id: CommunityId,
    pub body: String,
    pub plain: String,
    pub reply_to: Option<ReplyId>,
    pub author_id: PersonId,
    pub at: i64,
}

/// A thread with what its page and lists need.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Thread {
    pub id: ThreadId,
    pub community_id: CommunityId,
    pub kind: ThreadKind,
    pub title: String,
    pub body: String,
    pub tags: String,
    pub author_id: PersonId,
    pub author_name: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub last_activity_at: i64,
    pub reply_count: i64,
    pub deleted_at: Option<i64>,
    pub solved_reply_id: Option<ReplyId>,
    pub helper_id: Option<PersonId>,
    pub helper_name: Option<String>,
    pub solved_at: Option<i64>,
}
direct_row!(Thread:
    id, community_id, kind, title, body, tags, author_id, author_name, created_at, edited_at,
    last_activity_at, reply_count, deleted_at, solved_reply_id, helper_id, helper_name,
    solved_at
);

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Reply {
    pub id: ReplyId,
    pub thread_id: ThreadId,
    pub author_id: PersonId,
    pub author_name: String,
    pub author_unit: Option<String>,
    pub body: String,
    pub reply_to: Option<ReplyId>,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub deleted_at: Option<i64>,
    pub thanks: i64,
}
direct_row!(Reply:
    id, thread_id, author_id, author_name, author_unit, body, reply_to, created_at, edited_at,
    deleted_at, thanks
);

/// One edit of a post, with what it replaced.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct PostEdit {
    pub id: PostEditId,
    pub reply_id: Option<ReplyId>,
    pub editor_id: Option<PersonId>,
    pub editor_name: Option<String>,
    pub at: i64,
    pub old_title: Option<String>,
    pub new_title: Option<String>,
    pub old_body: String,
    pub new_body: String,
    /// The edited reply has since been deleted.
    pub reply_deleted: bool,
}
direct_row!(PostEdit:
    id, reply_id, editor_id, editor_name, at, old_title, new_title, old_body, new_body,
    reply_deleted
);

/// Which threads a list shows.
#[derive(Clone, Debug, Default)]
pub struct ThreadFilter {
    pub kind: Option<ThreadKind>,
    /// Help requests without a reply from someone other than the asker.
    pub unanswered: bool,
    pub unsolved: bool,
    pub author: Option<PersonId>,
}

/// Thanks given, who gave them and the note.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Thanks {
    pub giver_id: PersonId,
    pub giver_name: String,
    pub reply_id: Option<ReplyId>,
    pub resource_id: Option<ResourceId>,
    pub note: String,
    pub at: i64,
}
direct_row!(Thanks: giver_id, giver_name, reply_id, resource_id, note, at);

#[derive(Clone, Debug)]
pub struct NewThanks {
    pub giver_id: PersonId,
    pub receiver_id: PersonId,
    pub community_id: CommunityId,
    pub reply_id: Option<ReplyId>,
    pub resource_id: Option<ResourceId>,
    pub note: String,
    pub at: i64,
}

const REPLY_SELECT: &str = "SELECT r.id, r.thread_id, r.author_id, p.name AS author_name, \
     u.name AS author_unit, r.body, r.reply_to, r.created_at, r.edited_at, r.deleted_at, \
     (SELECT COUNT(*) FROM thanks k WHERE k.reply_id = r.id) AS thanks \
     FROM replies r JOIN people p ON p.id = r.author_id LEFT JOIN units u ON u.id = p.unit_id";

const THREAD_SELECT: &str = "SELECT t.id, t.community_id, t.kind, t.title, t.body, t.tags, t.author_id, \
     p.name AS author_name, t.created_at, t.edited_at, t.last_activity_at, t.reply_count, t.deleted_at, \
     s.reply_id AS solved_reply_id, s.helper_id, h.name AS helper_name, s.at AS solved_at \
     FROM threads t JOIN people p ON p.id = t.author_id LEFT JOIN help_solutions s ON s.thread_id = t.id \
     LEFT JOIN people h ON h.id = s.helper_id ";

impl Store {
    /// Writes a thread, its activity event (whose subject is set to the new
    /// id), its search document and notifications; returns its id.
    pub async fn create_thread(
        &self,
        t: &NewThread,
        event: &NewActivity,
        notify: &[NewNotification],
    ) -> Result<ThreadId> {
        Ok(write_tx!(self, |tx| {
            let id: ThreadId = sqlx::query_scalar(
                "INSERT INTO threads (community_id, kind, title, body, tags, author_id, created_at, last_activity_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            )
            .bind(t.community_id)
            .bind(t.kind)
            .bind(&t.title)
            .bind(&t.body)
            .bind(&t.tags)
            .bind(t.author_id)
            .bind(t.at)
            .fetch_one(&mut *tx)
            .await?;
            append_activity!(&mut *tx, &event.clone().subject(id.0));
            let body = format!("{}\n{}", t.plain, t.tags);
            index_document!(
                &mut *tx,
                &SearchDoc {
                    kind: DocumentKind::Thread,
                    ref_id: id.0,
                    community_id: Some(t.community_id),
                    thread_id: Some(id),
                    author_id: Some(t.author_id),
                    title: &t.title,
                    body: &body,
                    at: t.at,
                }
            );
            let notify: Vec<NewNotification> = notify
                .iter()
                .map(|n| NewNotification {
                    thread_id: Some(id),
                    ..n.clone()
                })
                .collect();
            insert_notifications!(tx, &notify);
            id
        }))
    }

    /// Writes a reply to a live thread with its event (subject = the reply,
    /// parent = the thread), search document and notifications.
    pub async fn create_reply(
        &self,
        r: &NewReply,
        event: &NewActivity,
        notify: &[NewNotification],
    ) -> Result<ReplyId> {
        Ok(write_tx!(self, |tx| {
            let bumped = sqlx::query(
                "UPDATE threads SET reply_count = reply_count + 1, last_activity_at = $2 \
                 WHERE id = $1 AND deleted_at IS NULL",
            )
            .bind(r.thread_id)
            .bind(r.at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if bumped == 0 {
                return Err(StoreError::NotFound);
            }
            let id: ReplyId = sqlx::query_scalar(
                "INSERT INTO replies (thread_id, author_id, body, reply_to, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(r.thread_id)
            .bind(r.author_id)
            .bind(&r.body)
            .bind(r.reply_to)
            .bind(r.at)
            .fetch_one(&mut *tx)
            .await?;
            append_activity!(&mut *tx, &event.clone().subject(id.0).parent(r.thread_id.0));
            let title: String = sqlx::query_scalar("SELECT title FROM threads WHERE id = $1")
                .bind(r.thread_id)
                .fetch_one(&mut *tx)
                .await?;
            index_document!(
                &mut *tx,
                &SearchDoc {
                    kind: DocumentKind::Reply,
                    ref_id: id.0,
                    community_id: Some(r.community_id),
                    thread_id: Some(r.thread_id),
                    author_id: Some(r.author_id),
                    title: &title,
                    body: &r.plain,
                    at: r.at,
                }
            );
            let notify: Vec<NewNotification> = notify
                .iter()
                .map(|n| NewNotification {
                    thread_id: Some(r.thread_id),
                    reply_id: Some(id),
                    ..n.clone()
                })
                .collect();
            insert_notifications!(tx, &notify);
            id
        }))
    }

    pub async fn thread(&self, id: ThreadId) -> Result<Thread> {
        let mut qb = Sql::new(THREAD_SELECT);
        qb.push(" WHERE t.id = ").bind(id);
        qb.one::<Thread>(self).await
    }

    /// The replies of a thread in the order they were written, with their
    /// authors' units and how many thanks each received.
    pub async fn replies(&self, thread: ThreadId) -> Result<Vec<Reply>> {
        let mut qb = Sql::new(REPLY_SELECT);
        qb.push(" WHERE r.thread_id = ")
            .bind(thread)
            .push(" ORDER BY r.created_at, r.id");
        qb.all::<Reply>(self).await
    }

    pub async fn reply(&self, id: ReplyId) -> Result<Reply> {
        let mut qb = Sql::new(REPLY_SELECT);
        qb.push(" WHERE r.id = ").bind(id);
        qb.one::<Reply>(self).await
    }

    /// A community's live threads, most recently active first.
    pub async fn threads(
        &self,
        community: CommunityId,
        f: &ThreadFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Thread>> {
        let push_where = |qb: &mut Sql| {
            qb.push(" WHERE t.deleted_at IS NULL AND t.community_id = ")
                .bind(community);
            if let Some(k) = f.kind {
                qb.push(" AND t.kind = ").bind(k);
            }
            if let Some(a) = f.author {
                qb.push(" AND t.author_id = ").bind(a);
            }
            if f.unanswered {
                qb.push(" AND t.kind = 'help' AND NOT EXISTS (SELECT 1 FROM replies x WHERE x.thread_id = t.id AND x.author_id <> t.author_id AND x.deleted_at IS NULL)");
            }
            if f.unsolved {
                qb.push(" AND t.kind = 'help' AND NOT EXISTS (SELECT 1 FROM help_solutions y WHERE y.thread_id = t.id)");
            }
        };
        let mut count = Sql::new("SELECT COUNT(*) FROM threads t").kept();
        push_where(&mut count);
        let total: i64 = count.scalar(self).await?;
        let mut qb = Sql::new(THREAD_SELECT);
        push_where(&mut qb);
        qb.push(" ORDER BY t.last_activity_at DESC, t.id DESC LIMIT ")
            .bind(limit)
            .push(" OFFSET ")
            .bind(offset);
        let items = qb.all::<Thread>(self).await?;
        Ok(Page { items, total })
    }

    /// Changes a thread's opening post, keeping what it replaced.
    pub async fn edit_thread(
        &self,
        id: ThreadId,
        editor: PersonId,
        e: &ThreadEdit,
        at: i64,
    ) -> Result<()> {
        let (title, body, plain, tags) = (
            e.title.as_str(),
            e.body.as_str(),
            e.plain.as_str(),
            e.tags.as_str(),
        );
        write_tx!(self, |tx| {
            let (old_title, old_body, community, author): (String, String, CommunityId, PersonId) =
                sqlx::query_as(
                    "SELECT title, body, community_id, author_id FROM threads WHERE id = $1 AND deleted_at IS NULL",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO post_edits (thread_id, reply_id, editor_id, at, old_title, new_title, old_body, new_body) \
                 VALUES ($1, NULL, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(editor)
            .bind(at)
            .bind(&old_title)
            .bind(title)
            .bind(&old_body)
            .bind(body)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE threads SET title = $2, body = $3, tags = $4, edited_at = $5 WHERE id = $1",
            )
            .bind(id)
            .bind(title)
            .bind(body)
            .bind(tags)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            let doc_body = format!("{plain}\n{tags}");
            let created: i64 = sqlx::query_scalar("SELECT created_at FROM threads WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            index_document!(
                &mut *tx,
                &SearchDoc {
                    kind: DocumentKind::Thread,
                    ref_id: id.0,
                    community_id: Some(community),
                    thread_id: Some(id),
                    author_id: Some(author),
                    title,
                    body: &doc_body,
                    at: created,
                }
            );
            if old_title != title {
                sqlx::query("UPDATE search_documents SET title = $2 WHERE kind = 'reply' AND thread_id = $1")
                    .bind(id)
                    .bind(title)
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }

    /// Changes a reply, keeping what it replaced.
    pub async fn edit_reply(
        &self,
        id: ReplyId,
        editor: PersonId,
        body: &str,
        plain: &str,
        at: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            let (thread, old_body): (ThreadId, String) = sqlx::query_as(
                "SELECT thread_id, body FROM replies WHERE id = $1 AND deleted_at IS NULL",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO post_edits (thread_id, reply_id, editor_id, at, old_title, new_title, old_body, new_body) \
                 VALUES ($1, $2, $3, $4, NULL, NULL, $5, $6)",
            )
            .bind(thread)
            .bind(id)
            .bind(editor)
            .bind(at)
            .bind(&old_body)
            .bind(body)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE replies SET body = $2, edited_at = $3 WHERE id = $1")
                .bind(id)
                .bind(body)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE search_documents SET body = $2 WHERE kind = 'reply' AND ref_id = $1",
            )
            .bind(id)
            .bind(plain)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// Hides a thread (and with it its replies) from pages, lists and
    /// search. Its history and activity stay: what happened, happened.
    pub async fn delete_thread(&self, id: ThreadId, by: PersonId, at: i64) -> Result<()> {
        write_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE threads SET deleted_at = $2, deleted_by = $3 WHERE id = $1 AND deleted_at IS NULL",
            )
            .bind(id)
            .bind(at)
            .bind(by)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query(
                "DELETE FROM search_documents WHERE kind IN ('thread', 'reply') AND thread_id = $1",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    pub async fn delete_reply(&self, id: ReplyId, by: PersonId, at: i64) -> Result<()> {
        write_tx!(self, |tx| {
            let thread: ThreadId = sqlx::query_scalar(
                "UPDATE replies SET deleted_at = $2, deleted_by = $3 WHERE id = $1 AND deleted_at IS NULL RETURNING thread_id",
            )
            .bind(id)
            .bind(at)
            .bind(by)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("UPDATE threads SET reply_count = reply_count - 1 WHERE id = $1")
                .bind(thread)
                .execute(&mut *tx)
                .await?;
            unindex_document!(&mut *tx, DocumentKind::Reply, id);
        });
        Ok(())
    }

    /// The edits of a thread and its replies, oldest first.
    pub async fn post_edits(&self, thread: ThreadId) -> Result<Vec<PostEdit>> {
        self.read_all::<PostEdit>(&Sql::new(
            "SELECT e.id, e.reply_id, e.editor_id, p.name AS editor_name, e.at, e.old_title, e.new_title, \
                 e.old_body, e.new_body, (r.deleted_at IS NOT NULL) AS reply_deleted \
                 FROM post_edits e LEFT JOIN people p ON p.id = e.editor_id \
                 LEFT JOIN replies r ON r.id = e.reply_id \
                 WHERE e.thread_id = $1 ORDER BY e.at, e.id",
        )
        .arg(thread))
        .await
    }

    /// Names the reply that solved a help request (replacing an earlier
    /// choice), with its `help.solved` event.
    pub async fn mark_solved(
        &self,
        thread: ThreadId,
        reply: ReplyId,
        helper: PersonId,
        by: PersonId,
        event: &NewActivity,
        notify: &[NewNotification],
    ) -> Result<()> {
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO help_solutions (thread_id, reply_id, helper_id, marked_by, at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (thread_id) DO UPDATE SET reply_id = excluded.reply_id, helper_id = excluded.helper_id, \
                 marked_by = excluded.marked_by, at = excluded.at",
            )
            .bind(thread)
            .bind(reply)
            .bind(helper)
            .bind(by)
            .bind(event.at.0)
            .execute(&mut *tx)
            .await?;
            append_activity!(&mut *tx, event);
            insert_notifications!(tx, notify);
        });
        Ok(())
    }

    /// Records thanks; thanking the same thing twice is a `Conflict`.
    pub async fn give_thanks(
        &self,
        t: &NewThanks,
        event: &NewActivity,
        notify: &[NewNotification],
    ) -> Result<()> {
        write_tx!(self, |tx| {
            let already: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM thanks WHERE giver_id = $1 AND \
                 (reply_id = $2 OR resource_id = $3))",
            )
            .bind(t.giver_id)
            .bind(t.reply_id)
            .bind(t.resource_id)
            .fetch_one(&mut *tx)
            .await?;
            if already {
                return Err(StoreError::Conflict("thanks"));
            }
            sqlx::query(
                "INSERT INTO thanks (giver_id, receiver_id, community_id, reply_id, resource_id, note, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(t.giver_id)
            .bind(t.receiver_id)
            .bind(t.community_id)
            .bind(t.reply_id)
            .bind(t.resource_id)
            .bind(&t.note)
            .bind(t.at)
            .execute(&mut *tx)
            .await?;
            append_activity!(&mut *tx, event);
            insert_notifications!(tx, notify);
        });
        Ok(())
    }

    /// The thanks given for the replies of a thread.
    pub async fn thread_thanks(&self, thread: ThreadId) -> Result<Vec<Thanks>> {
        self.read_all::<Thanks>(&Sql::new(
            "SELECT k.giver_id, p.name AS giver_name, k.reply_id, k.resource_id, k.note, k.at \
                 FROM thanks k JOIN people p ON p.id = k.giver_id JOIN replies r ON r.id = k.reply_id \
                 WHERE r.thread_id = $1 ORDER BY k.at",
        )
        .arg(thread))
        .await
    }

    /// People whose email's local part is one of `handles` (lower case),
    /// as (id, handle).
    pub async fn people_by_handles(&self, handles: &[String]) -> Result<Vec<(PersonId, String)>> {
        let mut out = Vec::new();
        for h in handles.iter().take(20) {
            let found: Option<PersonId> = {
                Sql::new(
                    "SELECT id FROM people WHERE lower(email) LIKE $1 ESCAPE '\\' AND merged_into IS NULL LIMIT 1",
                )
                .arg(format!(
                    "{}@%",
                    h.replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_")
                ))
                .scalar_optional(self)
                .await?
            };
            if let Some(id) = found {
                out.push((id, h.clone()));
            }
        }
        Ok(out)
    }

    /// The people who replied in a thread (for notifying them), without
    /// duplicates.
    pub async fn thread_participants(&self, thread: ThreadId) -> Result<Vec<PersonId>> {
        self.read_column(&Sql::new(
            "SELECT DISTINCT author_id FROM replies WHERE thread_id = $1 AND deleted_at IS NULL",
        )
        .arg(thread))
        .await
    }

    /// Resources harvested from a thread (lessons learned): (id, title).
    pub async fn harvested_from(&self, thread: ThreadId) -> Result<Vec<(ResourceId, String)>> {
        self.read_all(
            &Sql::new("SELECT id, title FROM resources WHERE source_thread_id = $1 ORDER BY id")
                .arg(thread),
        )
        .await
    }
}
