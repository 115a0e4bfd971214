//! Knowledge resources, versioned: every save appends a revision, and the
//! resource row keeps the current title and revision number for lists.
//! A change and its activity event are written in one transaction.

use crate::read::{Sql, direct_row};
use crate::search::SearchDoc;
use crate::{Page, Result, Store, StoreError, append_activity, index_document, write_tx};
use guildhall_domain::markdown::plain_text;
use guildhall_domain::{
    CommunityId, DocumentKind, NewActivity, PersonId, ResourceId, ResourceKind, ResourceStatus,
    ThreadId,
};
use serde::Serialize;

/// A resource as first written.
#[derive(Clone, Debug)]
pub struct NewResource {
    pub community_id: CommunityId,
    pub kind: ResourceKind,
    pub title: String,
    pub body: String,
    /// What the first revision is, for the history ("first draft").
    pub summary: String,
    /// Comma-separated, already normalized.
    pub tags: String,
    pub status: ResourceStatus,
    /// The thread a lesson learned was harvested from.
    pub source_thread_id: Option<ThreadId>,
}

/// A new revision's text.
#[derive(Clone, Debug, Default)]
pub struct RevisionText {
    pub title: String,
    pub body: String,
    /// What changed and why.
    pub summary: String,
}

/// A resource in a list (no body).
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct ResourceSummary {
    pub id: ResourceId,
    pub community_id: CommunityId,
    pub kind: ResourceKind,
    pub title: String,
    pub revision: i64,
    pub status: ResourceStatus,
    pub tags: String,
    pub created_by: Option<PersonId>,
    pub created_by_name: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub source_thread_id: Option<ThreadId>,
}
direct_row!(ResourceSummary:
    id, community_id, kind, title, revision, status, tags, created_by, created_by_name,
    created_at, updated_at, source_thread_id
);

/// A resource with its current revision.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Resource {
    pub id: ResourceId,
    pub community_id: CommunityId,
    pub kind: ResourceKind,
    pub title: String,
    pub revision: i64,
    pub status: ResourceStatus,
    pub tags: String,
    pub created_by: Option<PersonId>,
    pub created_by_name: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub source_thread_id: Option<ThreadId>,
    /// The current revision's body (Markdown).
    pub body: String,
    pub revised_by: Option<PersonId>,
    pub revised_by_name: Option<String>,
}
direct_row!(Resource:
    id, community_id, kind, title, revision, status, tags, created_by, created_by_name,
    created_at, updated_at, source_thread_id, body, revised_by, revised_by_name
);

/// One revision in the history (no body).
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct RevisionInfo {
    pub number: i64,
    pub title: String,
    pub summary: String,
    pub author_id: Option<PersonId>,
    pub author_name: Option<String>,
    pub at: i64,
}
direct_row!(RevisionInfo: number, title, summary, author_id, author_name, at);

/// One revision with its body, for comparing.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Revision {
    pub number: i64,
    pub title: String,
    pub body: String,
    pub summary: String,
    pub author_id: Option<PersonId>,
    pub author_name: Option<String>,
    pub at: i64,
}
direct_row!(Revision: number, title, body, summary, author_id, author_name, at);

/// A move of a resource's status.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct ResourceStatusChange {
    pub id: i64,
    pub from_status: ResourceStatus,
    pub to_status: ResourceStatus,
    pub changed_by: Option<PersonId>,
    pub changed_by_name: Option<String>,
    pub note: String,
    pub at: i64,
}
direct_row!(ResourceStatusChange:
    id, from_status, to_status, changed_by, changed_by_name, note, at
);

/// A move of a resource's status, as asked.
#[derive(Clone, Debug)]
pub struct StatusMove {
    pub from: ResourceStatus,
    pub to: ResourceStatus,
    pub note: String,
    pub changed_by: PersonId,
    pub at: i64,
}

/// Which of a community's resources to list, most recently updated first.
#[derive(Clone, Debug, Default)]
pub struct ResourceFilter {
    pub community: CommunityId,
    pub kind: Option<ResourceKind>,
    pub status: Option<ResourceStatus>,
    pub limit: i64,
    pub offset: i64,
}

const SUMMARY_COLUMNS: &str = "r.id, r.community_id, r.kind, r.title, r.revision, r.status, r.tags, r.created_by, \
     p.name AS created_by_name, r.created_at, r.updated_at, r.source_thread_id";

impl Store {
    /// Creates a resource with its first revision, recording `event` (whose
    /// subject becomes the new resource's id). Returns the id.
    pub async fn create_resource(
        &self,
        r: &NewResource,
        event: &NewActivity,
    ) -> Result<ResourceId> {
        Ok(write_tx!(self, |tx| {
            let id: ResourceId = sqlx::query_scalar(
                "INSERT INTO resources (community_id, kind, title, revision, status, tags, created_by, created_at, updated_at, source_thread_id) \
                 VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $7, $8) RETURNING id",
            )
            .bind(r.community_id)
            .bind(r.kind)
            .bind(&r.title)
            .bind(r.status)
            .bind(&r.tags)
            .bind(event.actor.0)
            .bind(event.at.0)
            .bind(r.source_thread_id)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO resource_revisions (resource_id, number, title, body, summary, author_id, at) \
                 VALUES ($1, 1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(&r.title)
            .bind(&r.body)
            .bind(&r.summary)
            .bind(event.actor.0)
            .bind(event.at.0)
            .execute(&mut *tx)
            .await?;
            let event = event.clone().subject(id.0);
            append_activity!(&mut *tx, &event);
            let body = format!("{}\n{}", plain_text(&r.body), r.tags);
            index_document!(
                &mut *tx,
                &SearchDoc {
                    kind: DocumentKind::Resource,
                    ref_id: id.0,
                    community_id: Some(r.community_id),
                    thread_id: None,
                    author_id: Some(event.actor),
                    title: &r.title,
                    body: &body,
                    at: event.at.0,
                }
            );
            id
        }))
    }

    /// Appends a revision on top of `base_revision`. If someone revised the
    /// resource in between, nothing is written: `Conflict("revision")`.
    /// Returns the new revision's number.
    pub async fn revise_resource(
        &self,
        id: ResourceId,
        base_revision: i64,
        text: &RevisionText,
        event: &NewActivity,
    ) -> Result<i64> {
        Ok(write_tx!(self, |tx| {
            // The conditional update is the check: of two saves on the same
            // base, only one matches the row.
            let moved = sqlx::query(
                "UPDATE resources SET revision = revision + 1, title = $3, updated_at = $4 \
                 WHERE id = $1 AND revision = $2",
            )
            .bind(id)
            .bind(base_revision)
            .bind(&text.title)
            .bind(event.at.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved == 0 {
                let exists: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM resources WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                return Err(match exists {
                    Some(_) => StoreError::Conflict("revision"),
                    None => StoreError::NotFound,
                });
            }
            let number = base_revision + 1;
            sqlx::query(
                "INSERT INTO resource_revisions (resource_id, number, title, body, summary, author_id, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(number)
            .bind(&text.title)
            .bind(&text.body)
            .bind(&text.summary)
            .bind(event.actor.0)
            .bind(event.at.0)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::unique("revision"))?;
            let event = event.clone().subject(id.0);
            append_activity!(&mut *tx, &event);
            let (community, creator, tags): (CommunityId, Option<PersonId>, String) =
                sqlx::query_as(
                    "SELECT community_id, created_by, tags FROM resources WHERE id = $1",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let body = format!("{}\n{tags}", plain_text(&text.body));
            index_document!(
                &mut *tx,
                &SearchDoc {
                    kind: DocumentKind::Resource,
                    ref_id: id.0,
                    community_id: Some(community),
                    thread_id: None,
                    author_id: creator,
                    title: &text.title,
                    body: &body,
                    at: event.at.0,
                }
            );
            number
        }))
    }

    /// A resource with its current revision's body.
    pub async fn resource(&self, id: ResourceId) -> Result<Resource> {
        Sql::new(
            "SELECT r.id, r.community_id, r.kind, r.title, r.revision, r.status, r.tags, r.created_by, \
             p.name AS created_by_name, r.created_at, r.updated_at, r.source_thread_id, \
             v.body, v.author_id AS revised_by, a.name AS revised_by_name \
             FROM resources r \
             JOIN resource_revisions v ON v.resource_id = r.id AND v.number = r.revision \
             LEFT JOIN people p ON p.id = r.created_by \
             LEFT JOIN people a ON a.id = v.author_id \
             WHERE r.id = $1",
        )
        .arg(id)
        .optional::<Resource>(self)
        .await?
        .ok_or(StoreError::NotFound)
    }

    /// A community's resources, most recently updated first, with the
    /// total under the same filter.
    pub async fn resources(&self, f: &ResourceFilter) -> Result<Page<ResourceSummary>> {
        let mut total = Sql::new("SELECT COUNT(*) FROM resources r WHERE r.community_id = ");
        let mut items = Sql::new(format!(
            "SELECT {SUMMARY_COLUMNS} FROM resources r LEFT JOIN people p ON p.id = r.created_by \
             WHERE r.community_id = "
        ));
        for qb in [&mut total, &mut items] {
            qb.bind(f.community);
            if let Some(k) = &f.kind {
                qb.push(" AND r.kind = ").bind(*k);
            }
            if let Some(s) = &f.status {
                qb.push(" AND r.status = ").bind(*s);
            }
        }
        items
            .push(" ORDER BY r.updated_at DESC, r.id DESC LIMIT ")
            .bind(f.limit)
            .push(" OFFSET ")
            .bind(f.offset);
        let total: i64 = total.scalar(self).await?;
        let items = items.all::<ResourceSummary>(self).await?;
        Ok(Page { items, total })
    }

    /// Every revision of a resource, newest first, without bodies.
    pub async fn resource_revisions(&self, id: ResourceId) -> Result<Vec<RevisionInfo>> {
        self.read_all::<RevisionInfo>(
            &Sql::new(
                "SELECT v.number, v.title, v.summary, v.author_id, p.name AS author_name, v.at \
                 FROM resource_revisions v LEFT JOIN people p ON p.id = v.author_id \
                 WHERE v.resource_id = $1 ORDER BY v.number DESC",
            )
            .arg(id),
        )
        .await
    }

    /// Two revisions of a resource with their bodies, in the order asked
    /// (`from`, `to`); `NotFound` if either does not exist.
    pub async fn resource_revision_pair(
        &self,
        id: ResourceId,
        from: i64,
        to: i64,
    ) -> Result<(Revision, Revision)> {
        let found = {
            Sql::new(
                "SELECT v.number, v.title, v.body, v.summary, v.author_id, p.name AS author_name, v.at \
                 FROM resource_revisions v LEFT JOIN people p ON p.id = v.author_id \
                 WHERE v.resource_id = $1 AND v.number IN ($2, $3)",
            )
            .arg(id)
            .arg(from)
            .arg(to)
            .all::<Revision>(self)
            .await?
        };
        let pick = |n: i64| {
            found
                .iter()
                .find(|r| r.number == n)
                .cloned()
                .ok_or(StoreError::NotFound)
        };
        Ok((pick(from)?, pick(to)?))
    }

    /// Moves a resource from status `m.from` to `m.to`, recording the move and,
    /// when given, its activity event (the caller decides which moves are
    /// events). If the status is no longer `m.from`, nothing is written:
    /// `Conflict("status")`.
    pub async fn change_resource_status(
        &self,
        id: ResourceId,
        m: &StatusMove,
        event: Option<&NewActivity>,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            let moved =
                sqlx::query("UPDATE resources SET status = $3 WHERE id = $1 AND status = $2")
                    .bind(id)
                    .bind(m.from)
                    .bind(m.to)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if moved == 0 {
                let exists: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM resources WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                return Err(match exists {
                    Some(_) => StoreError::Conflict("status"),
                    None => StoreError::NotFound,
                });
            }
            sqlx::query(
                "INSERT INTO resource_status_changes (resource_id, from_status, to_status, changed_by, note, at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(m.from)
            .bind(m.to)
            .bind(m.changed_by)
            .bind(&m.note)
            .bind(m.at)
            .execute(&mut *tx)
            .await?;
            if let Some(event) = event {
                let event = event.clone().subject(id.0);
                append_activity!(&mut *tx, &event);
            }
        });
        Ok(())
    }

    /// Every status move of a resource, newest first.
    pub async fn resource_status_changes(
        &self,
        id: ResourceId,
    ) -> Result<Vec<ResourceStatusChange>> {
        self.read_all::<ResourceStatusChange>(&Sql::new(
            "SELECT s.id, s.from_status, s.to_status, s.changed_by, p.name AS changed_by_name, s.note, s.at \
                 FROM resource_status_changes s LEFT JOIN people p ON p.id = s.changed_by \
                 WHERE s.resource_id = $1 ORDER BY s.at DESC, s.id DESC",
        )
        .arg(id))
        .await
    }
}
