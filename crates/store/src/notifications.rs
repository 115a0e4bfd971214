//! In-app notifications: written with the change that causes them, read
//! through the same visibility rule as everything else (a notification
//! from a community the person can no longer read is not shown).

use crate::activity::push_readable_by;
use crate::read::{Sql, direct_row};
use crate::{Result, Store, with_writer};
use guildhall_domain::{
    CommunityId, EventId, NotificationId, NotificationKind, PersonId, ReplyId, ResourceId, ThreadId,
};
use serde::Serialize;

/// A notification about to be written.
#[derive(Clone, Debug)]
pub struct NewNotification {
    pub person_id: PersonId,
    pub kind: NotificationKind,
    pub actor_id: Option<PersonId>,
    pub community_id: Option<CommunityId>,
    pub thread_id: Option<ThreadId>,
    pub reply_id: Option<ReplyId>,
    pub resource_id: Option<ResourceId>,
    pub event_id: Option<EventId>,
    pub at: i64,
}

impl NewNotification {
    /// A notification of `kind` for `person`, about nothing in particular
    /// yet: the caller fills in who and what it is about.
    pub fn new(person: PersonId, kind: NotificationKind, at: i64) -> Self {
        NewNotification {
            person_id: person,
            kind,
            actor_id: None,
            community_id: None,
            thread_id: None,
            reply_id: None,
            resource_id: None,
            event_id: None,
            at,
        }
    }
}

/// Writes notifications on the given connection (inside the caller's
/// transaction), skipping any addressed to their own actor.
#[macro_export]
#[doc(hidden)]
macro_rules! insert_notifications {
    ($conn:expr, $list:expr) => {{
        let list: &[$crate::NewNotification] = $list;
        for n in list.iter().filter(|n| Some(n.person_id) != n.actor_id) {
            sqlx::query(
                "INSERT INTO notifications (person_id, kind, actor_id, community_id, thread_id, reply_id, resource_id, event_id, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(n.person_id)
            .bind(n.kind)
            .bind(n.actor_id)
            .bind(n.community_id)
            .bind(n.thread_id)
            .bind(n.reply_id)
            .bind(n.resource_id)
            .bind(n.event_id)
            .bind(n.at)
            .execute(&mut *$conn)
            .await?;
        }
    }};
}

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Notification {
    pub id: NotificationId,
    pub kind: NotificationKind,
    pub actor_id: Option<PersonId>,
    pub actor_name: Option<String>,
    pub community_slug: Option<String>,
    pub community_name: Option<String>,
    pub thread_id: Option<ThreadId>,
    pub thread_title: Option<String>,
    pub reply_id: Option<ReplyId>,
    pub resource_id: Option<ResourceId>,
    pub resource_title: Option<String>,
    pub event_id: Option<EventId>,
    pub event_title: Option<String>,
    pub at: i64,
    pub read_at: Option<i64>,
}
direct_row!(Notification:
    id, kind, actor_id, actor_name, community_slug, community_name, thread_id, thread_title,
    reply_id, resource_id, resource_title, event_id, event_title, at, read_at
);

const VISIBLE: &str = "FROM notifications n LEFT JOIN communities c ON c.id = n.community_id \
     LEFT JOIN people a ON a.id = n.actor_id LEFT JOIN threads t ON t.id = n.thread_id \
     LEFT JOIN resources r ON r.id = n.resource_id LEFT JOIN events e ON e.id = n.event_id \
     WHERE n.person_id = ";

impl Store {
    /// A person's notifications, newest first, only from communities they
    /// may still read.
    pub async fn notifications(
        &self,
        person: PersonId,
        unread_only: bool,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Notification>> {
        let mut qb = Sql::new(
            "SELECT n.id, n.kind, n.actor_id, a.name AS actor_name, c.slug AS community_slug, \
             c.name AS community_name, n.thread_id, t.title AS thread_title, n.reply_id, n.resource_id, \
             r.title AS resource_title, n.event_id, e.title AS event_title, n.at, n.read_at ",
        );
        qb.push(VISIBLE)
            .bind(person)
            .push(" AND (n.community_id IS NULL OR ");
        push_readable_by(&mut qb, person);
        qb.push(")");
        if unread_only {
            qb.push(" AND n.read_at IS NULL");
        }
        qb.push(" ORDER BY n.id DESC LIMIT ")
            .bind(limit)
            .push(" OFFSET ")
            .bind(offset);
        qb.all::<Notification>(self).await
    }

    /// How many unread notifications a person may see.
    pub async fn unread_notifications(&self, person: PersonId) -> Result<i64> {
        let mut q = Sql::new("SELECT COUNT(*) ");
        q.push(VISIBLE)
            .bind(person)
            .push(" AND n.read_at IS NULL AND (n.community_id IS NULL OR ");
        push_readable_by(&mut q, person);
        q.push(")");
        self.read_scalar(&q).await
    }

    /// Marks one notification (`Some(id)`) or all of a person's as read;
    /// returns how many changed. Someone else's notification is never
    /// touched.
    pub async fn mark_notifications_read(
        &self,
        person: PersonId,
        id: Option<NotificationId>,
        at: i64,
    ) -> Result<u64> {
        Ok(with_writer!(self, |pool| {
            let mut qb = sqlx::QueryBuilder::new("UPDATE notifications SET read_at = ");
            qb.push_bind(at)
                .push(" WHERE read_at IS NULL AND person_id = ")
                .push_bind(person);
            if let Some(id) = id {
                qb.push(" AND id = ").push_bind(id);
            }
            qb.build().execute(pool).await?.rows_affected()
        }))
    }

    /// Derives the notifications these people would have received since
    /// `since` from what is recorded (replies to their threads, their
    /// answers marked solved, thanks to them), those before `read_before`
    /// marked read. For histories loaded in bulk.
    pub async fn backfill_notifications(
        &self,
        people: &[PersonId],
        since: i64,
        read_before: i64,
    ) -> Result<()> {
        if people.is_empty() {
            return Ok(());
        }
        let sources: [&str; 3] = [
            "SELECT t.author_id AS person, 'reply' AS kind, r.author_id AS actor, t.community_id AS community, \
             t.id AS thread, r.id AS reply, CAST(NULL AS BIGINT) AS resource, r.created_at AS at \
             FROM replies r JOIN threads t ON t.id = r.thread_id WHERE r.author_id <> t.author_id AND t.author_id",
            "SELECT s.helper_id, 'solved', s.marked_by, t.community_id, t.id, s.reply_id, CAST(NULL AS BIGINT), s.at \
             FROM help_solutions s JOIN threads t ON t.id = s.thread_id WHERE s.helper_id",
            "SELECT k.receiver_id, 'thanks', k.giver_id, k.community_id, r.thread_id, k.reply_id, k.resource_id, k.at \
             FROM thanks k LEFT JOIN replies r ON r.id = k.reply_id WHERE k.receiver_id",
        ];
        crate::write_tx!(self, |tx| {
            for source in sources {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO notifications (person_id, kind, actor_id, community_id, thread_id, reply_id, resource_id, at, read_at) \
                     SELECT n.*, CASE WHEN n.at < ",
                );
                qb.push_bind(read_before)
                    .push(" THEN n.at ELSE NULL END FROM (")
                    .push(source)
                    .push(" IN (");
                let mut sep = qb.separated(", ");
                for p in people {
                    sep.push_bind(*p);
                }
                qb.push(")) n WHERE n.at >= ").push_bind(since);
                qb.build().execute(&mut *tx).await?;
            }
        });
        Ok(())
    }
}
