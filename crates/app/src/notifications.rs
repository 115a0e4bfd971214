//! A person's notifications: only their own, only from communities they
//! may still read (the store applies the same visibility rule as lists).

use crate::{App, Result, SessionUser};
use guildhall_domain::{NotificationId, Timestamp};
use guildhall_store::Notification;

impl App {
    pub async fn notifications(
        &self,
        user: &SessionUser,
        unread_only: bool,
        page: Option<i64>,
    ) -> Result<Vec<Notification>> {
        let (_, per_page, offset) = crate::paginate(page, Some(50));
        Ok(self
            .store
            .notifications(user.id(), unread_only, per_page, offset)
            .await?)
    }

    pub async fn unread_notifications(&self, user: &SessionUser) -> Result<i64> {
        Ok(self.store.unread_notifications(user.id()).await?)
    }

    /// Marks one (or, with `None`, every) notification of the reader read;
    /// returns how many changed.
    pub async fn mark_read(&self, user: &SessionUser, id: Option<NotificationId>) -> Result<u64> {
        Ok(self
            .store
            .mark_notifications_read(user.id(), id, Timestamp::now().0)
            .await?)
    }
}

/// What a notification says, e.g. "Ada replied to your thread".
pub fn describe(n: &Notification) -> String {
    let who = n.actor_name.as_deref().unwrap_or("Someone");
    let what = n.kind.label();
    format!("{who} {what}")
}

/// Where a notification leads.
pub fn link(n: &Notification) -> String {
    match (n.thread_id, n.reply_id, n.resource_id, n.event_id) {
        (Some(t), Some(r), _, _) => format!("/threads/{t}#reply-{r}"),
        (Some(t), None, _, _) => format!("/threads/{t}"),
        (_, _, Some(r), _) => format!("/resources/{r}"),
        (_, _, _, Some(e)) => match &n.community_slug {
            Some(slug) => format!("/communities/{slug}/events/{e}"),
            None => "/notifications".to_owned(),
        },
        _ => n
            .community_slug
            .as_ref()
            .map_or_else(|| "/".to_owned(), |s| format!("/communities/{s}")),
    }
}
