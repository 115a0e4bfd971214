//! Communities, their domains, memberships, join requests, invitations and
//! stage history.

use crate::read::Sql;
use crate::records::{
    Community, CommunitySummary, Domain, Invitation, JoinRequest, Member, MemberOverview,
    StageChange, Standing,
};
use crate::sql::{like_pattern, push_unit_subtree, push_visible_to};
use crate::{Page, Result, Store, StoreError, append_activity, with_writer, write_tx};
use guildhall_domain::{
    CommunityId, CommunityRole, DomainId, InvitationId, JoinRequestId, JoinRequestStatus,
    MembershipPolicy, NewActivity, PersonId, Stage, Timestamp, UnitId, Visibility,
};

/// Inserts the community `$c` (a [`NewCommunity`]) created at `$at` on the
/// given connection and evaluates to its id; a slug already taken is
/// [`StoreError::Conflict`] on `slug`. The one statement of both the app's
/// creation and an import's.
#[macro_export]
#[doc(hidden)]
macro_rules! insert_community {
    ($conn:expr, $c:expr, $at:expr) => {{
        let c: &$crate::NewCommunity = $c;
        let id: guildhall_domain::CommunityId = sqlx::query_scalar(
            "INSERT INTO communities (slug, name, domain_statement, purpose, visibility, membership_policy, stage, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(&c.slug)
        .bind(&c.name)
        .bind(&c.domain_statement)
        .bind(&c.purpose)
        .bind(c.visibility)
        .bind(c.membership_policy)
        .bind(c.stage)
        .bind($at)
        .fetch_one($conn)
        .await
        .map_err($crate::StoreError::unique("slug"))?;
        id
    }};
}

/// A new community's first stage (from none): community, stage, reason,
/// who created it (`NULL` for an import), when.
pub(crate) const INSERT_FIRST_STAGE: &str = "INSERT INTO stage_changes (community_id, from_stage, to_stage, reason, changed_by, at) VALUES ($1, NULL, $2, $3, $4, $5)";

const COMMUNITY_COLUMNS: &str = "c.id, c.slug, c.name, c.domain_statement, c.purpose, c.visibility, \
     c.membership_policy, c.stage, c.created_at, c.updated_at";

#[derive(Clone, Debug)]
pub struct NewCommunity {
    pub slug: String,
    pub name: String,
    pub domain_statement: String,
    pub purpose: String,
    pub visibility: Visibility,
    pub membership_policy: MembershipPolicy,
    pub stage: Stage,
    pub domains: Vec<DomainId>,
}

#[derive(Clone, Debug)]
pub struct UpdateCommunity {
    pub name: String,
    pub domain_statement: String,
    pub purpose: String,
    pub visibility: Visibility,
    pub membership_policy: MembershipPolicy,
    pub domains: Vec<DomainId>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CommunitySort {
    #[default]
    Name,
    Members,
    Recent,
}

#[derive(Clone, Debug, Default)]
pub struct CommunityFilter {
    /// Only communities this person may see (always set by the app).
    pub visible_to: PersonId,
    /// Only communities this person is a member of.
    pub member: Option<PersonId>,
    /// Only communities this person is not a member of.
    pub not_member: Option<PersonId>,
    pub domain: Option<DomainId>,
    pub stage: Option<Stage>,
    /// Communities with members in this unit or below it.
    pub unit: Option<UnitId>,
    pub text: Option<String>,
    pub sort: CommunitySort,
    pub limit: i64,
    pub offset: i64,
}

impl Store {
    /// Creates a community with its creator as first coordinator. `events`
    /// are recorded in the new community (their `community` is set here).
    pub async fn create_community(
        &self,
        c: &NewCommunity,
        creator: PersonId,
        reason: &str,
        events: &[NewActivity],
    ) -> Result<CommunityId> {
        let now = Timestamp::now().0;
        Ok(write_tx!(self, |tx| {
            let id = crate::insert_community!(&mut *tx, c, now);
            for d in &c.domains {
                sqlx::query("INSERT INTO community_domains (community_id, domain_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(d)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("INSERT INTO memberships (community_id, person_id, role, joined_at) VALUES ($1, $2, 'coordinator', $3)")
                .bind(id)
                .bind(creator)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(INSERT_FIRST_STAGE)
                .bind(id)
                .bind(c.stage)
                .bind(reason)
                .bind(creator)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            for ev in events {
                let ev = NewActivity {
                    community: Some(id),
                    ..ev.clone()
                };
                append_activity!(&mut *tx, &ev);
            }
            crate::reindex_one!(&mut *tx, crate::search::COMMUNITY_DOCS, "c", id);
            id
        }))
    }

    pub async fn update_community(&self, id: CommunityId, u: &UpdateCommunity) -> Result<()> {
        let now = Timestamp::now().0;
        write_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE communities SET name = $1, domain_statement = $2, purpose = $3, visibility = $4, \
                 membership_policy = $5, updated_at = $6 WHERE id = $7",
            )
            .bind(&u.name)
            .bind(&u.domain_statement)
            .bind(&u.purpose)
            .bind(u.visibility)
            .bind(u.membership_policy)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM community_domains WHERE community_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for d in &u.domains {
                sqlx::query("INSERT INTO community_domains (community_id, domain_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(d)
                    .execute(&mut *tx)
                    .await?;
            }
            crate::reindex_one!(&mut *tx, crate::search::COMMUNITY_DOCS, "c", id);
        });
        Ok(())
    }

    pub async fn community_by_slug(&self, slug: &str) -> Result<Community> {
        Sql::new(format!(
            "SELECT {COMMUNITY_COLUMNS} FROM communities c WHERE c.slug = "
        ))
        .bind(slug)
        .optional::<Community>(self)
        .await?
        .ok_or(StoreError::NotFound)
    }

    pub async fn community(&self, id: CommunityId) -> Result<Community> {
        Sql::new(format!(
            "SELECT {COMMUNITY_COLUMNS} FROM communities c WHERE c.id = "
        ))
        .bind(id)
        .optional::<Community>(self)
        .await?
        .ok_or(StoreError::NotFound)
    }

    pub async fn community_domains(&self, id: CommunityId) -> Result<Vec<Domain>> {
        self.read_all::<Domain>(&Sql::new(
            "SELECT d.id, d.name, d.description, d.created_at FROM domains d \
                 JOIN community_domains cd ON cd.domain_id = d.id WHERE cd.community_id = $1 ORDER BY d.name",
        )
        .arg(id))
        .await
    }

    /// The person's role, pending invitation and pending request in one
    /// community.
    pub async fn standing(&self, community: CommunityId, person: PersonId) -> Result<Standing> {
        self.read_one::<Standing>(&Sql::new(
            "SELECT (SELECT role FROM memberships WHERE community_id = $1 AND person_id = $2) AS role, \
                 EXISTS (SELECT 1 FROM invitations WHERE community_id = $1 AND person_id = $2 AND status = 'pending') AS invited, \
                 EXISTS (SELECT 1 FROM join_requests WHERE community_id = $1 AND person_id = $2 AND status = 'pending') AS requested",
        )
        .arg(community)
        .arg(person))
        .await
    }

    pub async fn communities(&self, f: &CommunityFilter) -> Result<Page<CommunitySummary>> {
        let mut total = Sql::new("SELECT COUNT(*) FROM communities c WHERE ").kept();
        let mut items = Sql::new(
            "SELECT c.id, c.slug, c.name, c.purpose, c.visibility, c.membership_policy, c.stage, \
             (SELECT COUNT(*) FROM memberships m WHERE m.community_id = c.id) AS members, \
             (SELECT role FROM memberships m WHERE m.community_id = c.id AND m.person_id = ",
        )
        .kept();
        items
            .bind(f.visible_to)
            .push(") AS my_role, (SELECT MAX(a.at) FROM activity a WHERE a.community_id = c.id) AS last_activity_at \
                   FROM communities c WHERE ");
        for qb in [&mut total, &mut items] {
            push_visible_to(qb, f.visible_to);
            if let Some(p) = f.member {
                qb.push(" AND EXISTS (SELECT 1 FROM memberships fm WHERE fm.community_id = c.id AND fm.person_id = ")
                    .bind(p)
                    .push(")");
            }
            if let Some(p) = f.not_member {
                qb.push(" AND NOT EXISTS (SELECT 1 FROM memberships fm WHERE fm.community_id = c.id AND fm.person_id = ")
                    .bind(p)
                    .push(")");
            }
            if let Some(d) = f.domain {
                qb.push(" AND EXISTS (SELECT 1 FROM community_domains fd WHERE fd.community_id = c.id AND fd.domain_id = ")
                    .bind(d)
                    .push(")");
            }
            if let Some(s) = &f.stage {
                qb.push(" AND c.stage = ").bind(*s);
            }
            if let Some(u) = f.unit {
                qb.push(
                    " AND EXISTS (SELECT 1 FROM memberships um JOIN people up ON up.id = um.person_id \
                     WHERE um.community_id = c.id AND up.unit_id IN (",
                );
                push_unit_subtree(qb, u);
                qb.push("))");
            }
            if let Some(t) = f.text.as_deref().filter(|t| !t.is_empty()) {
                let pat = like_pattern(t);
                qb.push(" AND (lower(c.name) LIKE ")
                    .bind(pat.clone())
                    .push(" ESCAPE '\\' OR lower(c.purpose) LIKE ")
                    .bind(pat.clone())
                    .push(" ESCAPE '\\' OR lower(c.domain_statement) LIKE ")
                    .bind(pat)
                    .push(" ESCAPE '\\')");
            }
        }
        items.push(match f.sort {
            CommunitySort::Name => " ORDER BY c.name, c.id",
            CommunitySort::Members => " ORDER BY members DESC, c.name, c.id",
            CommunitySort::Recent => " ORDER BY last_activity_at DESC, c.name, c.id",
        });
        items
            .push(" LIMIT ")
            .bind(f.limit)
            .push(" OFFSET ")
            .bind(f.offset);
        let total: i64 = total.scalar(self).await?;
        let items = items.all::<CommunitySummary>(self).await?;
        Ok(Page { items, total })
    }

    pub async fn members(&self, community: CommunityId) -> Result<Vec<Member>> {
        self.read_all::<Member>(&Sql::new(
            "SELECT m.person_id, p.name, p.title, u.name AS unit_name, m.role, m.joined_at \
                 FROM memberships m JOIN people p ON p.id = m.person_id LEFT JOIN units u ON u.id = p.unit_id \
                 WHERE m.community_id = $1 \
                 ORDER BY CASE m.role WHEN 'coordinator' THEN 0 WHEN 'core' THEN 1 WHEN 'member' THEN 2 ELSE 3 END, p.name",
        )
        .arg(community))
        .await
    }

    /// Role counts, unit count and the first `per_role` members of each
    /// role (by name) of a community: what its page shows, without
    /// reading every member.
    pub async fn member_overview(
        &self,
        community: CommunityId,
        per_role: i64,
    ) -> Result<MemberOverview> {
        let roles: Vec<(CommunityRole, i64)> = Sql::new(
            "SELECT role, COUNT(*) FROM memberships WHERE community_id = $1 GROUP BY role",
        )
        .kept()
        .arg(community)
        .all(self)
        .await?;
        let units: i64 = Sql::new(
            "SELECT COUNT(DISTINCT u.name) FROM memberships m JOIN people p ON p.id = m.person_id \
             JOIN units u ON u.id = p.unit_id WHERE m.community_id = $1",
        )
        .kept()
        .arg(community)
        .scalar(self)
        .await?;
        let first = Sql::new(
            "SELECT person_id, name, title, unit_name, role, joined_at FROM \
             (SELECT m.person_id, p.name, p.title, u.name AS unit_name, m.role, m.joined_at, \
              ROW_NUMBER() OVER (PARTITION BY m.role ORDER BY p.name, m.person_id) AS place \
              FROM memberships m JOIN people p ON p.id = m.person_id LEFT JOIN units u ON u.id = p.unit_id \
              WHERE m.community_id = $1) ranked \
             WHERE place <= $2 ORDER BY role, name, person_id",
        )
        .kept()
        .arg(community)
        .arg(per_role)
        .all::<Member>(self)
        .await?;
        let mut overview = MemberOverview {
            roles,
            units,
            first,
        };
        // Roles in the domain's order (coordinators first); within a
        // role the database's order by name, as `members` gives it.
        overview.roles.sort_by_key(|(r, _)| *r);
        overview.first.sort_by_key(|m| m.role);
        Ok(overview)
    }

    pub async fn count_role(&self, community: CommunityId, role: CommunityRole) -> Result<i64> {
        self.read_scalar::<i64>(
            &Sql::new("SELECT COUNT(*) FROM memberships WHERE community_id = $1 AND role = $2")
                .arg(community)
                .arg(role),
        )
        .await
    }

    /// Adds a member; `Conflict("membership")` if they already are one. Any
    /// pending request or invitation of theirs is settled in the same
    /// transaction.
    pub async fn add_member(
        &self,
        community: CommunityId,
        person: PersonId,
        role: CommunityRole,
        event: &NewActivity,
    ) -> Result<()> {
        let now = event.at.0;
        write_tx!(self, |tx| {
            sqlx::query("INSERT INTO memberships (community_id, person_id, role, joined_at) VALUES ($1, $2, $3, $4)")
                .bind(community)
                .bind(person)
                .bind(role)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::unique("membership"))?;
            sqlx::query(
                "UPDATE join_requests SET status = 'approved', decided_at = $3 WHERE community_id = $1 AND person_id = $2 AND status = 'pending'",
            )
            .bind(community)
            .bind(person)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE invitations SET status = 'accepted', decided_at = $3 WHERE community_id = $1 AND person_id = $2 AND status = 'pending'",
            )
            .bind(community)
            .bind(person)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            append_activity!(&mut *tx, event);
        });
        Ok(())
    }

    pub async fn remove_member(
        &self,
        community: CommunityId,
        person: PersonId,
        event: &NewActivity,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            let n =
                sqlx::query("DELETE FROM memberships WHERE community_id = $1 AND person_id = $2")
                    .bind(community)
                    .bind(person)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            append_activity!(&mut *tx, event);
        });
        Ok(())
    }

    pub async fn set_member_role(
        &self,
        community: CommunityId,
        person: PersonId,
        role: CommunityRole,
    ) -> Result<()> {
        let n = with_writer!(self, |pool| {
            sqlx::query(
                "UPDATE memberships SET role = $1 WHERE community_id = $2 AND person_id = $3",
            )
            .bind(role)
            .bind(community)
            .bind(person)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if n == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    pub async fn change_stage(
        &self,
        community: CommunityId,
        to: Stage,
        reason: &str,
        event: &NewActivity,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            let from: Option<Stage> =
                sqlx::query_scalar("SELECT stage FROM communities WHERE id = $1")
                    .bind(community)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(from) = from else {
                return Err(StoreError::NotFound);
            };
            sqlx::query("UPDATE communities SET stage = $1, updated_at = $2 WHERE id = $3")
                .bind(to)
                .bind(event.at.0)
                .bind(community)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO stage_changes (community_id, from_stage, to_stage, reason, changed_by, at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(community)
            .bind(from)
            .bind(to)
            .bind(reason)
            .bind(event.actor)
            .bind(event.at.0)
            .execute(&mut *tx)
            .await?;
            append_activity!(&mut *tx, event);
        });
        Ok(())
    }

    pub async fn stage_history(&self, community: CommunityId) -> Result<Vec<StageChange>> {
        self.read_all::<StageChange>(&Sql::new(
            "SELECT s.id, s.from_stage, s.to_stage, s.reason, s.changed_by, p.name AS changed_by_name, s.at \
                 FROM stage_changes s LEFT JOIN people p ON p.id = s.changed_by \
                 WHERE s.community_id = $1 ORDER BY s.at DESC, s.id DESC",
        )
        .arg(community))
        .await
    }

    // ---- join requests -----------------------------------------------

    pub async fn create_join_request(
        &self,
        community: CommunityId,
        person: PersonId,
        message: &str,
    ) -> Result<JoinRequestId> {
        let now = Timestamp::now().0;
        with_writer!(self, |pool| {
            sqlx::query_scalar::<_, JoinRequestId>(
                "INSERT INTO join_requests (community_id, person_id, message, status, created_at) \
                 VALUES ($1, $2, $3, 'pending', $4) RETURNING id",
            )
            .bind(community)
            .bind(person)
            .bind(message)
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(StoreError::unique("request"))
        })
    }

    const JOIN_REQUEST_SELECT: &str = "SELECT r.id, r.community_id, r.person_id, p.name AS person_name, u.name AS unit_name, \
         r.message, r.status, r.created_at FROM join_requests r JOIN people p ON p.id = r.person_id \
         LEFT JOIN units u ON u.id = p.unit_id";

    pub async fn pending_join_requests(&self, community: CommunityId) -> Result<Vec<JoinRequest>> {
        Sql::new(Self::JOIN_REQUEST_SELECT)
            .push(" WHERE r.status = 'pending' AND r.community_id = ")
            .bind(community)
            .push(" ORDER BY r.created_at")
            .all::<JoinRequest>(self)
            .await
    }

    pub async fn join_request(&self, id: JoinRequestId) -> Result<JoinRequest> {
        Sql::new(Self::JOIN_REQUEST_SELECT)
            .push(" WHERE r.id = ")
            .bind(id)
            .optional::<JoinRequest>(self)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Declines or withdraws a pending request (approval goes through
    /// [`Store::add_member`], which settles the request with the membership).
    pub async fn close_join_request(
        &self,
        id: JoinRequestId,
        status: JoinRequestStatus,
        decided_by: PersonId,
    ) -> Result<()> {
        let n = with_writer!(self, |pool| {
            sqlx::query(
                "UPDATE join_requests SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND status = 'pending'",
            )
            .bind(status)
            .bind(decided_by)
            .bind(Timestamp::now().0)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if n == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    // ---- invitations -------------------------------------------------

    pub async fn create_invitation(
        &self,
        community: CommunityId,
        person: PersonId,
        by: PersonId,
        role: CommunityRole,
    ) -> Result<InvitationId> {
        let now = Timestamp::now().0;
        with_writer!(self, |pool| {
            sqlx::query_scalar::<_, InvitationId>(
                "INSERT INTO invitations (community_id, person_id, invited_by, role, status, created_at) \
                 VALUES ($1, $2, $3, $4, 'pending', $5) RETURNING id",
            )
            .bind(community)
            .bind(person)
            .bind(by)
            .bind(role)
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(StoreError::unique("invitation"))
        })
    }

    const INVITATION_SELECT: &str = "SELECT i.id, i.community_id, c.slug AS community_slug, c.name AS community_name, \
         i.person_id, p.name AS person_name, b.name AS invited_by_name, i.role, i.status, i.created_at \
         FROM invitations i JOIN communities c ON c.id = i.community_id JOIN people p ON p.id = i.person_id \
         LEFT JOIN people b ON b.id = i.invited_by";

    pub async fn pending_invitations_for_person(
        &self,
        person: PersonId,
    ) -> Result<Vec<Invitation>> {
        Sql::new(Self::INVITATION_SELECT)
            .push(" WHERE i.status = 'pending' AND i.person_id = ")
            .bind(person)
            .push(" ORDER BY i.created_at DESC")
            .all::<Invitation>(self)
            .await
    }

    pub async fn pending_invitations_for_community(
        &self,
        community: CommunityId,
    ) -> Result<Vec<Invitation>> {
        Sql::new(Self::INVITATION_SELECT)
            .push(" WHERE i.status = 'pending' AND i.community_id = ")
            .bind(community)
            .push(" ORDER BY i.created_at DESC")
            .all::<Invitation>(self)
            .await
    }

    pub async fn invitation(&self, id: InvitationId) -> Result<Invitation> {
        Sql::new(Self::INVITATION_SELECT)
            .push(" WHERE i.id = ")
            .bind(id)
            .optional::<Invitation>(self)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn decline_invitation(&self, id: InvitationId) -> Result<()> {
        let n = with_writer!(self, |pool| {
            sqlx::query("UPDATE invitations SET status = 'declined', decided_at = $1 WHERE id = $2 AND status = 'pending'")
                .bind(Timestamp::now().0)
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if n == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }
}

impl Store {
    /// Every community, by id (for the operator's pulse of all communities).
    pub async fn all_communities(&self) -> Result<Vec<Community>> {
        Sql::new(format!(
            "SELECT {COMMUNITY_COLUMNS} FROM communities c ORDER BY c.id"
        ))
        .all::<Community>(self)
        .await
    }
}
