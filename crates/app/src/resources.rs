//! Knowledge resources: documents, lessons learned, examples, tools,
//! processes and standards that a community keeps, revised by any
//! participant (wiki-like, each save a revision), endorsed by its core
//! group one step at a time (draft ↔ endorsed ↔ standard).

use crate::communities::context;
use crate::error::NotFoundAs;
use crate::{App, AppError, Result, SessionUser};
use guildhall_domain::diff::{self, TextChange};
use guildhall_domain::policy::{self, CommunityContext};
use guildhall_domain::practice::{BODY_MAX, NOTE_MAX};
use guildhall_domain::text::{TITLE_MAX, optional_line, optional_text, required_line, tag_list};
use guildhall_domain::{
    ActivityKind, CommunityId, FieldErrors, NewActivity, ResourceId, ResourceKind, ResourceStatus,
    ThreadId, Timestamp,
};
use guildhall_store::records::Community;
use guildhall_store::{
    NewResource, Page, Resource, ResourceFilter, ResourceStatusChange, ResourceSummary, Revision,
    RevisionInfo, RevisionText, StatusMove, StoreError,
};

/// The message shown when a revision was based on an older one.
pub const REVISION_CONFLICT: &str = "someone revised this resource since you opened it; your text is kept below, reload to see theirs";

/// A new resource as typed into a form or sent to the API.
#[derive(Clone, Debug, Default)]
pub struct ResourceInput {
    pub kind: String,
    pub title: String,
    pub body: String,
    /// What this first revision is (optional).
    pub summary: String,
    /// Comma-separated tags (optional).
    pub tags: String,
}

/// A revision as typed, with the revision it was edited from.
#[derive(Clone, Debug, Default)]
pub struct RevisionInput {
    pub title: String,
    pub body: String,
    pub summary: String,
    pub base_revision: i64,
}

/// The list filter as given by a page or the API.
#[derive(Clone, Debug, Default)]
pub struct ResourceQuery {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// A page of a community's resources.
#[derive(Clone, Debug)]
pub struct ResourceList {
    pub community: Community,
    pub found: Page<ResourceSummary>,
    pub page: i64,
    pub per_page: i64,
    /// Whether the reader may start a resource here.
    pub can_create: bool,
}

/// One resource as its reader may see it, with what they may do.
#[derive(Clone, Debug)]
pub struct ResourceView {
    pub community: Community,
    pub resource: Resource,
    pub kind: ResourceKind,
    pub status: ResourceStatus,
    pub can_revise: bool,
    /// The statuses the reader may move the resource to (empty unless
    /// they are in the core group).
    pub moves: Vec<ResourceStatus>,
}

/// A resource's revisions and status moves, newest first.
#[derive(Clone, Debug)]
pub struct ResourceHistory {
    pub view: ResourceView,
    pub revisions: Vec<RevisionInfo>,
    pub status_changes: Vec<ResourceStatusChange>,
}

/// What changed between two revisions.
#[derive(Clone, Debug)]
pub struct ResourceDiff {
    pub community: Community,
    pub resource: Resource,
    pub from: Revision,
    pub to: Revision,
    pub change: TextChange,
}

struct Located {
    community: Community,
    ctx: CommunityContext,
}

/// Whether `from → to` is a move up the ladder (an endorsement).
fn is_endorsement(from: ResourceStatus, to: ResourceStatus) -> bool {
    matches!(
        (from, to),
        (ResourceStatus::Draft, ResourceStatus::Endorsed)
            | (ResourceStatus::Endorsed, ResourceStatus::Standard)
    )
}

fn body_check(body: &str) -> std::result::Result<String, String> {
    if body.trim().is_empty() {
        return Err("is required".into());
    }
    optional_text(body, BODY_MAX).map_err(|_| {
        format!(
            "must be at most {BODY_MAX} characters (this one has {})",
            body.trim().chars().count()
        )
    })
}

/// Validates the parts every revision has: title, body, summary.
fn revision_text(
    e: &mut FieldErrors,
    title: &str,
    body: &str,
    summary: &str,
) -> Option<RevisionText> {
    let title = e.check("title", required_line(title, TITLE_MAX));
    let body = e.check("body", body_check(body));
    let summary = e.check("summary", optional_line(summary, NOTE_MAX));
    Some(RevisionText {
        title: title?,
        body: body?,
        summary: summary?,
    })
}

impl App {
    fn resource_event(
        &self,
        user: &SessionUser,
        kind: ActivityKind,
        community: CommunityId,
    ) -> NewActivity {
        NewActivity::new(Timestamp::now(), kind, user.id(), user.unit).in_community(community)
    }

    /// The community of a resource and the reader's place in it, if they
    /// may read its content (private: not found; closed: forbidden).
    async fn locate(&self, user: &SessionUser, community_id: CommunityId) -> Result<Located> {
        let community = self
            .store
            .community(community_id)
            .await
            .or_not_found("resource")?;
        let standing = self.store.standing(community.id, user.id()).await?;
        let ctx = context(&community, &standing);
        Self::readable(&ctx, "resource")?;
        Ok(Located { community, ctx })
    }

    fn readable(ctx: &CommunityContext, what: &'static str) -> Result<()> {
        if !policy::can_see_community(ctx) {
            return Err(AppError::NotFound(what));
        }
        if !policy::can_read_content(ctx) {
            return Err(AppError::Forbidden(
                "this community's resources are for its members".into(),
            ));
        }
        Ok(())
    }

    async fn load_resource(
        &self,
        user: &SessionUser,
        id: ResourceId,
    ) -> Result<(Resource, Located)> {
        let resource = self.store.resource(id).await.or_not_found("resource")?;
        let located = self.locate(user, resource.community_id).await?;
        Ok((resource, located))
    }

    fn view_of(resource: Resource, located: Located) -> ResourceView {
        // Stored values were validated on the way in; an unknown one (a
        // newer version's kind) shows as the nearest safe default.
        let (kind, status) = (resource.kind, resource.status);
        let moves = if policy::can_endorse(&located.ctx).is_allowed() {
            ResourceStatus::ALL
                .iter()
                .copied()
                .filter(|to| status.can_move_to(*to))
                .collect()
        } else {
            Vec::new()
        };
        ResourceView {
            can_revise: policy::can_participate(&located.ctx).is_allowed(),
            community: located.community,
            resource,
            kind,
            status,
            moves,
        }
    }

    /// A community's resources, most recently updated first.
    pub async fn resources(
        &self,
        user: &SessionUser,
        slug: &str,
        q: &ResourceQuery,
    ) -> Result<ResourceList> {
        let (community, _, ctx) = self.visible(user, slug).await?;
        Self::readable(&ctx, "community")?;
        let (page, per_page, offset) = crate::paginate(q.page, q.per_page);
        let mut e = FieldErrors::new();
        let kind = match q.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(k) => e.check("kind", ResourceKind::parse(k)),
            None => None,
        };
        let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => e.check("status", ResourceStatus::parse(s)),
            None => None,
        };
        e.into_result()?;
        let found = self
            .store
            .resources(&ResourceFilter {
                community: community.id,
                kind,
                status,
                limit: per_page,
                offset,
            })
            .await?;
        Ok(ResourceList {
            can_create: policy::can_participate(&ctx).is_allowed(),
            community,
            found,
            page,
            per_page,
        })
    }

    /// Whether the reader may start a resource in the community (for the
    /// "new resource" form); answers not found / forbidden otherwise.
    pub async fn resource_community(&self, user: &SessionUser, slug: &str) -> Result<Community> {
        let (community, _, ctx) = self.visible(user, slug).await?;
        AppError::from_access(policy::can_participate(&ctx), "community")?;
        Ok(community)
    }

    /// Starts a resource in the community as a draft, with its first
    /// revision. Returns its id.
    pub async fn create_resource(
        &self,
        user: &SessionUser,
        slug: &str,
        input: &ResourceInput,
    ) -> Result<ResourceId> {
        let (community, _, ctx) = self.visible(user, slug).await?;
        AppError::from_access(policy::can_participate(&ctx), "community")?;
        let mut e = FieldErrors::new();
        let kind = e.check("kind", ResourceKind::parse(input.kind.trim()));
        let text = revision_text(&mut e, &input.title, &input.body, &input.summary);
        let tags = e.check("tags", tag_list(&input.tags));
        e.into_result()?;
        let (Some(kind), Some(text), Some(tags)) = (kind, text, tags) else {
            return Err(AppError::internal("validated values missing"));
        };
        let event = self.resource_event(user, ActivityKind::ResourceCreated, community.id);
        let id = self
            .store
            .create_resource(
                &NewResource {
                    community_id: community.id,
                    kind,
                    title: text.title,
                    body: text.body,
                    summary: text.summary,
                    tags: tags.join(","),
                    status: ResourceStatus::Draft,
                    source_thread_id: None,
                },
                &event,
            )
            .await?;
        tracing::info!(
            resource = id.0,
            community = community.id.0,
            "resource created"
        );
        Ok(id)
    }

    /// One resource with its current revision.
    pub async fn resource(&self, user: &SessionUser, id: ResourceId) -> Result<ResourceView> {
        let (resource, located) = self.load_resource(user, id).await?;
        Ok(Self::view_of(resource, located))
    }

    /// A resource the reader is about to revise (for the edit form);
    /// forbidden with the reason when they may not.
    pub async fn resource_to_revise(
        &self,
        user: &SessionUser,
        id: ResourceId,
    ) -> Result<ResourceView> {
        let (resource, located) = self.load_resource(user, id).await?;
        AppError::from_access(policy::can_participate(&located.ctx), "resource")?;
        Ok(Self::view_of(resource, located))
    }

    /// Saves a new revision on top of `base_revision`. A save on top of an
    /// older revision is refused, not merged. Returns the new number.
    pub async fn revise_resource(
        &self,
        user: &SessionUser,
        id: ResourceId,
        input: &RevisionInput,
    ) -> Result<i64> {
        let (resource, located) = self.load_resource(user, id).await?;
        AppError::from_access(policy::can_participate(&located.ctx), "resource")?;
        let mut e = FieldErrors::new();
        let text = revision_text(&mut e, &input.title, &input.body, &input.summary);
        if input.base_revision < 1 {
            e.add(
                "base_revision",
                "say which revision you edited (a number from 1)",
            );
        }
        e.into_result()?;
        let Some(text) = text else {
            return Err(AppError::internal("validated values missing"));
        };
        let event = self.resource_event(user, ActivityKind::ResourceRevised, resource.community_id);
        self.store
            .revise_resource(id, input.base_revision, &text, &event)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => AppError::conflict("base_revision", REVISION_CONFLICT),
                StoreError::NotFound => AppError::NotFound("resource"),
                other => other.into(),
            })
    }

    /// Every revision and status move of a resource.
    pub async fn resource_history(
        &self,
        user: &SessionUser,
        id: ResourceId,
    ) -> Result<ResourceHistory> {
        let (resource, located) = self.load_resource(user, id).await?;
        Ok(ResourceHistory {
            revisions: self.store.resource_revisions(id).await?,
            status_changes: self.store.resource_status_changes(id).await?,
            view: Self::view_of(resource, located),
        })
    }

    /// What changed from revision `from` to revision `to` (any two, in
    /// either order).
    pub async fn resource_diff(
        &self,
        user: &SessionUser,
        id: ResourceId,
        from: i64,
        to: i64,
    ) -> Result<ResourceDiff> {
        let (resource, located) = self.load_resource(user, id).await?;
        let (from, to) = self
            .store
            .resource_revision_pair(id, from, to)
            .await
            .or_not_found("revision")?;
        let change = diff::compare(&from.title, &from.body, &to.title, &to.body);
        Ok(ResourceDiff {
            community: located.community,
            resource,
            from,
            to,
            change,
        })
    }

    /// Moves a resource one step up or down the ladder (core group). A move
    /// up is an endorsement in the activity log. Returns the new status.
    pub async fn change_resource_status(
        &self,
        user: &SessionUser,
        id: ResourceId,
        to: &str,
        note: &str,
    ) -> Result<ResourceStatus> {
        let (resource, located) = self.load_resource(user, id).await?;
        AppError::from_access(policy::can_endorse(&located.ctx), "resource")?;
        let mut e = FieldErrors::new();
        let to = e.check("status", ResourceStatus::parse(to.trim()));
        let note = e.check("note", optional_line(note, NOTE_MAX));
        e.into_result()?;
        let (Some(to), Some(note)) = (to, note) else {
            return Err(AppError::internal("validated values missing"));
        };
        let from = resource.status;
        if !from.can_move_to(to) {
            let steps: Vec<&str> = ResourceStatus::ALL
                .iter()
                .filter(|s| from.can_move_to(**s))
                .map(|s| s.as_str())
                .collect();
            return Err(AppError::invalid(
                "status",
                format!(
                    "a resource moves one step at a time: from {} it can become {}",
                    from.as_str(),
                    steps.join(" or ")
                ),
            ));
        }
        let event = is_endorsement(from, to).then(|| {
            self.resource_event(user, ActivityKind::ResourceEndorsed, resource.community_id)
        });
        let at = Timestamp::now().0;
        self.store
            .change_resource_status(
                id,
                &StatusMove {
                    from,
                    to,
                    note,
                    changed_by: user.id(),
                    at,
                },
                event.as_ref(),
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => AppError::conflict(
                    "status",
                    "someone changed this resource's status since you opened it; reload to see it",
                ),
                StoreError::NotFound => AppError::NotFound("resource"),
                other => other.into(),
            })?;
        Ok(to)
    }
}

impl App {
    /// Thanks the author of a resource, with an optional note.
    pub async fn thank_resource(
        &self,
        user: &SessionUser,
        id: ResourceId,
        note: &str,
    ) -> Result<()> {
        let (resource, located) = self.load_resource(user, id).await?;
        AppError::from_access(policy::can_participate(&located.ctx), "resource")?;
        let Some(author) = resource.created_by else {
            return Err(AppError::invalid(
                "resource",
                "its author is no longer in the directory",
            ));
        };
        if author == user.id() {
            return Err(AppError::invalid("resource", "you cannot thank yourself"));
        }
        let note =
            guildhall_domain::text::optional_line(note, guildhall_domain::practice::NOTE_MAX)
                .map_err(|m| AppError::invalid("note", m))?;
        self.thank(
            user,
            &located.community,
            author,
            crate::threads::Thanked::Resource(id),
            note,
        )
        .await
    }

    /// Harvests a thread into a draft lesson learned that links back to it:
    /// the question, the reply that helped (or the conversation), and where
    /// it came from. Returns the new resource's id, to be refined.
    pub async fn harvest_thread(
        &self,
        user: &SessionUser,
        thread_id: ThreadId,
    ) -> Result<ResourceId> {
        let v = self.thread_view(user, thread_id).await?;
        if !v.can_reply {
            return Err(AppError::Forbidden(v.why_not_reply.unwrap_or_else(|| {
                "you cannot take part in this community".into()
            })));
        }
        let t = &v.thread;
        let live: Vec<_> = v
            .replies
            .iter()
            .filter(|r| r.deleted_at.is_none())
            .collect();
        let helped = live.iter().find(|r| Some(r.id) == t.solved_reply_id);
        let mut body = format!("## The situation\n\n{}\n\n", t.body);
        match helped {
            Some(r) => body.push_str(&format!(
                "## What helped\n\n{}\n\n*— {}*\n\n",
                r.body, r.author_name
            )),
            None => {
                for r in live.iter().take(5) {
                    body.push_str(&format!("## From {}\n\n{}\n\n", r.author_name, r.body));
                }
            }
        }
        body.push_str(&format!(
            "---\n\nHarvested from the thread [{}](/threads/{}).",
            t.title.replace(['[', ']'], ""),
            t.id
        ));
        let title: String = format!("Lesson: {}", t.title)
            .chars()
            .take(guildhall_domain::text::TITLE_MAX)
            .collect();
        let body: String = body
            .chars()
            .take(guildhall_domain::practice::BODY_MAX)
            .collect();
        let event = self.resource_event(user, ActivityKind::ResourceCreated, v.community.id);
        Ok(self
            .store
            .create_resource(
                &NewResource {
                    community_id: v.community.id,
                    kind: ResourceKind::Lesson,
                    title,
                    body,
                    summary: format!("harvested from thread #{}", t.id),
                    tags: t.tags.clone(),
                    status: ResourceStatus::Draft,
                    source_thread_id: Some(t.id),
                },
                &event,
            )
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_limit_is_stated() {
        let long = "x".repeat(BODY_MAX + 1);
        let err = body_check(&long).err().unwrap_or_default();
        assert!(err.contains(&BODY_MAX.to_string()), "{err}");
        assert!(body_check("  ").is_err());
        assert!(body_check("hello").is_ok());
    }

    #[test]
    fn only_moves_up_are_endorsements() {
        use ResourceStatus::*;
        assert!(is_endorsement(Draft, Endorsed));
        assert!(is_endorsement(Endorsed, Standard));
        assert!(!is_endorsement(Standard, Endorsed));
        assert!(!is_endorsement(Endorsed, Draft));
    }
}
