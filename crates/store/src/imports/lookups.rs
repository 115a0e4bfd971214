//! What a chunk refers to, looked up by source id in what this site's
//! runs recorded (earlier ones, and this one up to its last flush).

use super::{ImportSession, LOOKUP_CHUNK, Tx, lookup_among, on_tx};
use crate::Result;
use crate::read::direct_row;
use guildhall_domain::{CommunityId, PersonId, ReplyId, ThreadId};

/// A thread imported by this run or an earlier one, for attaching new replies to it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImportedThread {
    pub source_id: String,
    pub thread_id: ThreadId,
    /// Where the thread is now: new replies belong there, whatever the
    /// source says about the topic's place today.
    pub community_id: CommunityId,
    pub author_id: PersonId,
    pub title: String,
    pub solved: bool,
}
direct_row!(ImportedThread: source_id, thread_id, community_id, author_id, title, solved);

/// A thread or reply imported by this run or an earlier one, with what a
/// reply to it needs: its thread, that thread's author and title.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImportedPost {
    pub source_id: String,
    /// The kind it was recorded as.
    pub kind: String,
    pub thread_id: ThreadId,
    /// Set when the source id names a reply.
    pub reply_id: Option<ReplyId>,
    pub thread_author: PersonId,
    pub title: String,
    pub thread_created_at: i64,
}
direct_row!(ImportedPost:
    source_id, kind, thread_id, reply_id, thread_author, title, thread_created_at
);

impl ImportSession {
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
            Some(reply) => self.reply_ids.first.is_some_and(|first| reply.0 >= first),
            None => self
                .thread_ids
                .first
                .is_some_and(|first| post.thread_id.0 >= first),
        }
    }
}
