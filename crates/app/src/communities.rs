//! Communities: creating and tending them, membership, stages.

use crate::error::NotFoundAs;
use crate::{App, AppError, Result, SessionUser};
use guildhall_domain::community::check_visibility_policy;
use guildhall_domain::policy::{self, Access, CommunityContext, JoinOption};
use guildhall_domain::text::{NAME_MAX, SHORT_TEXT_MAX, optional_text, required_line};
use guildhall_domain::{
    ActivityKind, CommunityId, CommunityRole, DomainId, FieldErrors, InvitationId,
    InvitationStatus, JoinRequestId, JoinRequestStatus, MembershipPolicy, NewActivity, PersonId,
    Slug, Stage, Timestamp, UnitId, Visibility,
};
use guildhall_store::records::{
    Community, CommunitySummary, Domain, FeedItem, Invitation, JoinRequest, Member, StageChange,
    Standing,
};
use guildhall_store::{
    CommunityFilter, CommunitySort, FeedScope, NewCommunity, Page, StoreError, UpdateCommunity,
};

/// A community's profile as typed into a form or sent to the API.
#[derive(Clone, Debug, Default)]
pub struct CommunityInput {
    pub name: String,
    pub slug: String,
    pub domain_statement: String,
    pub purpose: String,
    pub visibility: String,
    pub membership_policy: String,
    /// Only read on creation; later moves go through [`App::change_stage`].
    pub stage: String,
    pub domains: Vec<DomainId>,
}

struct ValidCommunity {
    name: String,
    domain_statement: String,
    purpose: String,
    visibility: Visibility,
    policy: MembershipPolicy,
    domains: Vec<DomainId>,
    /// Address and first stage: chosen once, when the community is created.
    creation: Option<(Slug, Stage)>,
}

/// Members of each role a community page lists by name.
pub const MEMBERS_SHOWN: i64 = 12;

/// Everything a community page needs, already filtered by the policy.
#[derive(Clone, Debug)]
pub struct CommunityView {
    pub community: Community,
    pub domains: Vec<Domain>,
    pub context: CommunityContext,
    pub standing: Standing,
    /// The first members of each role (by name, up to
    /// [`MEMBERS_SHOWN`]) when the reader may read content; otherwise only
    /// the first coordinators, so outsiders know whom to ask.
    pub members: Vec<Member>,
    /// How many hold each role shown in `members`.
    pub role_counts: Vec<(CommunityRole, i64)>,
    /// Distinct units of the members (for the stage checklist).
    pub member_units: i64,
    pub member_count: i64,
    pub members_visible: bool,
    /// Coordinators, domains, charter and stage history: hidden from the
    /// invitees of a private community, who see only its name and purpose.
    pub profile_visible: bool,
    /// The viewer's pending invitation, to accept or decline.
    pub invitation: Option<Invitation>,
    pub can_manage: bool,
    pub can_edit: bool,
    pub can_see_pulse: bool,
    pub join: JoinOption,
    pub can_leave: Access,
    pub pending_requests: Vec<JoinRequest>,
    pub pending_invitations: Vec<Invitation>,
    pub stage_history: Vec<StageChange>,
    pub recent: Vec<FeedItem>,
}

impl CommunityView {
    pub fn stage(&self) -> Stage {
        self.community.stage
    }
}

/// The list filter as given by a page or the API.
#[derive(Clone, Debug, Default)]
pub struct CommunityQuery {
    pub text: Option<String>,
    pub domain: Option<DomainId>,
    pub stage: Option<String>,
    pub unit: Option<UnitId>,
    pub sort: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub(crate) fn context(c: &Community, s: &Standing) -> CommunityContext {
    CommunityContext {
        visibility: c.visibility,
        policy: c.membership_policy,
        stage: c.stage,
        role: s.role,
        invited: s.invited,
    }
}

impl App {
    fn event(&self, user: &SessionUser, kind: ActivityKind, community: CommunityId) -> NewActivity {
        NewActivity::new(Timestamp::now(), kind, user.id(), user.unit).in_community(community)
    }

    async fn validate_community(
        &self,
        input: &CommunityInput,
        creating: bool,
    ) -> Result<ValidCommunity> {
        let mut e = FieldErrors::new();
        let name = e.check("name", required_line(&input.name, NAME_MAX));
        let domain_statement = e.check(
            "domain_statement",
            optional_text(&input.domain_statement, SHORT_TEXT_MAX),
        );
        let purpose = e.check("purpose", optional_text(&input.purpose, SHORT_TEXT_MAX));
        let visibility = e.check("visibility", Visibility::parse(&input.visibility));
        let policy = e.check(
            "membership_policy",
            MembershipPolicy::parse(&input.membership_policy),
        );
        let creation = if creating {
            let raw = if input.slug.trim().is_empty() {
                Slug::suggest(&input.name)
            } else {
                input.slug.clone()
            };
            let slug = e.check("slug", Slug::parse(&raw));
            let stage = if input.stage.trim().is_empty() {
                Some(Stage::Potential)
            } else {
                e.check("stage", Stage::parse(&input.stage))
            };
            slug.zip(stage)
        } else {
            None
        };
        if let (Some(v), Some(p)) = (visibility, policy)
            && let Err(m) = check_visibility_policy(v, p)
        {
            e.add("membership_policy", m);
        }
        let mut domains = input.domains.clone();
        domains.sort_unstable();
        domains.dedup();
        if domains.len() > 20 {
            e.add("domains", "at most 20 knowledge domains");
        }
        for d in &domains {
            if matches!(self.store.domain(*d).await, Err(StoreError::NotFound)) {
                e.add("domains", format!("there is no knowledge domain {d}"));
                break;
            }
        }
        e.into_result()?;
        match (name, domain_statement, purpose, visibility, policy) {
            (Some(name), Some(domain_statement), Some(purpose), Some(visibility), Some(policy))
                if creating == creation.is_some() =>
            {
                Ok(ValidCommunity {
                    name,
                    domain_statement,
                    purpose,
                    visibility,
                    policy,
                    domains,
                    creation,
                })
            }
            _ => Err(AppError::internal("validated values missing")),
        }
    }

    pub async fn create_community(
        &self,
        user: &SessionUser,
        input: &CommunityInput,
    ) -> Result<Community> {
        AppError::from_access(policy::can_create_community(&user.viewer), "community")?;
        let v = self.validate_community(input, true).await?;
        let Some((slug, stage)) = v.creation else {
            return Err(AppError::internal("validated values missing"));
        };
        let joined = NewActivity::new(
            Timestamp::now(),
            ActivityKind::MemberJoined,
            user.id(),
            user.unit,
        );
        let id = self
            .store
            .create_community(
                &NewCommunity {
                    slug: slug.as_str().to_owned(),
                    name: v.name,
                    domain_statement: v.domain_statement,
                    purpose: v.purpose,
                    visibility: v.visibility,
                    membership_policy: v.policy,
                    stage,
                    domains: v.domains,
                },
                user.id(),
                "community created",
                &[joined],
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    AppError::conflict("slug", "another community already uses this address")
                }
                other => other.into(),
            })?;
        Ok(self.store.community(id).await?)
    }

    /// Loads a community the user may see, with the user's standing; a
    /// community they may not know about is "not found".
    pub(crate) async fn visible(
        &self,
        user: &SessionUser,
        slug: &str,
    ) -> Result<(Community, Standing, CommunityContext)> {
        // A string that cannot be a slug names no community (and never
        // reaches the database, which may refuse some bytes outright).
        let slug = Slug::parse(slug).map_err(|_| AppError::NotFound("community"))?;
        let c = self
            .store
            .community_by_slug(slug.as_str())
            .await
            .or_not_found("community")?;
        let s = self.store.standing(c.id, user.id()).await?;
        let ctx = context(&c, &s);
        if !policy::can_see_community(&ctx) {
            return Err(AppError::NotFound("community"));
        }
        Ok((c, s, ctx))
    }

    /// A community by id, for things that belong to one (a thread, a
    /// resource): as `visible`, plus what the reader may do there.
    pub(crate) async fn visible_by_id(
        &self,
        user: &SessionUser,
        id: CommunityId,
    ) -> Result<(Community, CommunityContext)> {
        let c = self.store.community(id).await.or_not_found("community")?;
        let s = self.store.standing(c.id, user.id()).await?;
        let ctx = context(&c, &s);
        if !policy::can_see_community(&ctx) {
            return Err(AppError::NotFound("community"));
        }
        Ok((c, ctx))
    }

    /// The standing of another person in a community, as the policy sees
    /// it (e.g. whether a mentioned person may read what mentions them).
    pub(crate) async fn context_of(
        &self,
        c: &Community,
        person: PersonId,
    ) -> Result<CommunityContext> {
        Ok(context(c, &self.store.standing(c.id, person).await?))
    }

    pub async fn community(&self, user: &SessionUser, slug: &str) -> Result<Community> {
        Ok(self.visible(user, slug).await?.0)
    }

    /// A community's members, by role then name: all of them for readers
    /// of its content, its coordinators otherwise (refused to the invitees
    /// of a private community).
    pub async fn community_members(&self, user: &SessionUser, slug: &str) -> Result<Vec<Member>> {
        let (c, _, ctx) = self.visible(user, slug).await?;
        if !policy::can_see_profile(&ctx) {
            return Err(AppError::Forbidden(
                "a private community's members are for its members; accept the invitation to see them"
                    .into(),
            ));
        }
        let everyone = policy::can_read_content(&ctx)
            || policy::can_manage_community(&user.viewer, &ctx).is_allowed();
        let mut members = self.store.members(c.id).await?;
        if !everyone {
            members.retain(|m| m.role.is_coordinator());
        }
        Ok(members)
    }

    pub async fn community_view(&self, user: &SessionUser, slug: &str) -> Result<CommunityView> {
        let (mut c, standing, ctx) = self.visible(user, slug).await?;
        let can_manage = policy::can_manage_community(&user.viewer, &ctx).is_allowed();
        let can_edit = policy::can_edit_community(&user.viewer, &ctx).is_allowed();
        let members_visible = policy::can_read_content(&ctx) || can_manage;
        let profile_visible = policy::can_see_profile(&ctx);
        let overview = self.store.member_overview(c.id, MEMBERS_SHOWN).await?;
        let member_count = overview.total();
        let coordinators = overview.count(CommunityRole::Coordinator) as usize;
        let shown = |r: CommunityRole| members_visible || (profile_visible && r.is_coordinator());
        let members = overview
            .first
            .into_iter()
            .filter(|m| shown(m.role))
            .collect();
        let role_counts = overview
            .roles
            .into_iter()
            .filter(|(r, _)| shown(*r))
            .collect();
        let (pending_requests, pending_invitations) = if can_manage {
            (
                self.store.pending_join_requests(c.id).await?,
                self.store.pending_invitations_for_community(c.id).await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let recent = if policy::can_read_content(&ctx) {
            self.store
                .feed(user.id(), FeedScope::Community(c.id), 15)
                .await?
        } else {
            Vec::new()
        };
        if !profile_visible {
            c.domain_statement.clear();
        }
        let (domains, stage_history) = if profile_visible {
            (
                self.store.community_domains(c.id).await?,
                self.store.stage_history(c.id).await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let invitation = if ctx.invited && ctx.role.is_none() {
            self.store
                .pending_invitations_for_person(user.id())
                .await?
                .into_iter()
                .find(|i| i.community_id == c.id)
        } else {
            None
        };
        Ok(CommunityView {
            invitation,
            domains,
            stage_history,
            profile_visible,
            join: policy::join_option(&ctx),
            can_leave: policy::can_leave(&ctx, coordinators),
            community: c,
            context: ctx,
            standing,
            members,
            role_counts,
            member_units: overview.units,
            member_count,
            members_visible,
            can_manage,
            can_edit,
            can_see_pulse: policy::can_see_pulse(&user.viewer, &ctx).is_allowed(),
            pending_requests,
            pending_invitations,
            recent,
        })
    }

    pub async fn communities(
        &self,
        user: &SessionUser,
        q: &CommunityQuery,
    ) -> Result<(Page<CommunitySummary>, i64, i64)> {
        let (page, per_page, offset) = crate::paginate(q.page, q.per_page);
        let mut e = FieldErrors::new();
        let stage = match q.stage.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => e.check("stage", Stage::parse(s)),
            None => None,
        };
        let sort = match q.sort.as_deref().unwrap_or("") {
            "" | "name" => CommunitySort::Name,
            "members" => CommunitySort::Members,
            "recent" => CommunitySort::Recent,
            other => {
                e.add(
                    "sort",
                    format!("'{other}' is not one of: name, members, recent"),
                );
                CommunitySort::Name
            }
        };
        let text = q
            .text
            .as_deref()
            .and_then(guildhall_domain::text::search_text);
        e.into_result()?;
        let filter = CommunityFilter {
            visible_to: user.id(),
            domain: q.domain,
            stage,
            unit: q.unit,
            text,
            sort,
            limit: per_page,
            offset,
            ..CommunityFilter::default()
        };
        Ok((self.store.communities(&filter).await?, page, per_page))
    }

    /// The user's communities (for the home page and navigation).
    pub async fn my_communities(&self, user: &SessionUser) -> Result<Vec<CommunitySummary>> {
        let filter = CommunityFilter {
            visible_to: user.id(),
            member: Some(user.id()),
            sort: CommunitySort::Recent,
            limit: 100,
            ..CommunityFilter::default()
        };
        Ok(self.store.communities(&filter).await?.items)
    }

    /// Open and closed communities the user might join, most active first.
    pub async fn suggested_communities(
        &self,
        user: &SessionUser,
        limit: i64,
    ) -> Result<Vec<CommunitySummary>> {
        let filter = CommunityFilter {
            visible_to: user.id(),
            not_member: Some(user.id()),
            sort: CommunitySort::Members,
            limit: limit * 3,
            ..CommunityFilter::default()
        };
        let items = self.store.communities(&filter).await?.items;
        Ok(items
            .into_iter()
            .filter(|c| !c.stage.is_read_only())
            .take(limit as usize)
            .collect())
    }

    pub async fn update_community(
        &self,
        user: &SessionUser,
        slug: &str,
        input: &CommunityInput,
    ) -> Result<Community> {
        let (c, _, ctx) = self.visible(user, slug).await?;
        AppError::from_access(policy::can_edit_community(&user.viewer, &ctx), "community")?;
        let v = self.validate_community(input, false).await?;
        self.store
            .update_community(
                c.id,
                &UpdateCommunity {
                    name: v.name,
                    domain_statement: v.domain_statement,
                    purpose: v.purpose,
                    visibility: v.visibility,
                    membership_policy: v.policy,
                    domains: v.domains,
                },
            )
            .await?;
        if c.visibility != v.visibility {
            self.audit(
                &crate::Actor::person(user, ""),
                "community.visibility_changed",
                // By id: the log is read by administrators, who may not
                // know the name of a private community they are not in.
                format!("community {}", c.id),
                format!("{} → {}", c.visibility, v.visibility.as_str()),
            )
            .await?;
        }
        Ok(self.store.community(c.id).await?)
    }

    pub async fn change_stage(
        &self,
        user: &SessionUser,
        slug: &str,
        to: &str,
        reason: &str,
    ) -> Result<Community> {
        let (c, _, ctx) = self.visible(user, slug).await?;
        AppError::from_access(policy::can_change_stage(&user.viewer, &ctx), "community")?;
        let mut e = FieldErrors::new();
        let to = e.check("stage", Stage::parse(to));
        let reason = e.check(
            "reason",
            required_line(reason, 500).map_err(|m| {
                if m == "is required" {
                    "say why the community moves: it is kept in its history".to_owned()
                } else {
                    m
                }
            }),
        );
        if to == Some(c.stage) {
            e.add(
                "stage",
                format!(
                    "the community is already {}",
                    c.stage.label().to_lowercase()
                ),
            );
        }
        e.into_result()?;
        let (Some(to), Some(reason)) = (to, reason) else {
            return Err(AppError::internal("missing"));
        };
        let ev = self
            .event(user, ActivityKind::StageChanged, c.id)
            .subject(c.id.0);
        self.store.change_stage(c.id, to, &reason, &ev).await?;
        Ok(self.store.community(c.id).await?)
    }

    /// Joins an open community, asks to join a request-only one, or accepts
    /// a pending invitation — whatever the policy offers.
    pub async fn join(&self, user: &SessionUser, slug: &str, message: &str) -> Result<JoinOutcome> {
        let (c, _, ctx) = self.visible(user, slug).await?;
        match policy::join_option(&ctx) {
            JoinOption::AlreadyMember => {
                Err(AppError::conflict("membership", "you are already a member"))
            }
            JoinOption::Join => {
                self.add_member(user, c.id, user.id(), CommunityRole::Member)
                    .await?;
                Ok(JoinOutcome::Joined)
            }
            JoinOption::AcceptInvitation => {
                let inv = self.store.pending_invitations_for_person(user.id()).await?;
                let role = inv
                    .iter()
                    .find(|i| i.community_id == c.id)
                    .map_or(CommunityRole::Member, |i| i.role);
                self.add_member(user, c.id, user.id(), role).await?;
                Ok(JoinOutcome::Joined)
            }
            JoinOption::Request => {
                let message = optional_text(message, SHORT_TEXT_MAX)
                    .map_err(|m| AppError::invalid("message", m))?;
                self.store
                    .create_join_request(c.id, user.id(), &message)
                    .await
                    .map_err(|e| match e {
                        StoreError::Conflict(_) => AppError::conflict(
                            "request",
                            "you have already asked to join; a coordinator will answer",
                        ),
                        other => other.into(),
                    })?;
                Ok(JoinOutcome::Requested)
            }
            JoinOption::Unavailable(why) => Err(AppError::Forbidden(why.to_owned())),
        }
    }

    async fn add_member(
        &self,
        actor: &SessionUser,
        community: CommunityId,
        person: PersonId,
        role: CommunityRole,
    ) -> Result<()> {
        let unit = if person == actor.id() {
            actor.unit
        } else {
            self.store
                .person(person)
                .await
                .or_not_found("person")?
                .unit_id
        };
        let ev = NewActivity::new(Timestamp::now(), ActivityKind::MemberJoined, person, unit)
            .in_community(community);
        self.store
            .add_member(community, person, role, &ev)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => AppError::conflict("membership", "already a member"),
                other => other.into(),
            })
    }

    pub async fn leave(&self, user: &SessionUser, slug: &str) -> Result<()> {
        let (c, _, ctx) = self.visible(user, slug).await?;
        if c.stage.is_read_only() {
            return Err(AppError::Forbidden(
                "this community is in memory and read-only".into(),
            ));
        }
        let coordinators = self
            .store
            .count_role(c.id, CommunityRole::Coordinator)
            .await?;
        AppError::from_access(policy::can_leave(&ctx, coordinators as usize), "community")?;
        let ev = self.event(user, ActivityKind::MemberLeft, c.id);
        self.store
            .remove_member(c.id, user.id(), &ev)
            .await
            .or_not_found("membership")?;
        Ok(())
    }

    async fn managed(&self, user: &SessionUser, slug: &str) -> Result<Community> {
        let (c, _, ctx) = self.visible(user, slug).await?;
        AppError::from_access(policy::can_edit_community(&user.viewer, &ctx), "community")?;
        Ok(c)
    }

    pub async fn decide_join_request(
        &self,
        user: &SessionUser,
        slug: &str,
        request: JoinRequestId,
        approve: bool,
    ) -> Result<()> {
        let c = self.managed(user, slug).await?;
        let r = self
            .store
            .join_request(request)
            .await
            .or_not_found("join request")?;
        if r.community_id != c.id || r.status != JoinRequestStatus::Pending {
            return Err(AppError::NotFound("join request"));
        }
        if approve {
            self.add_member(user, c.id, r.person_id, CommunityRole::Member)
                .await
        } else {
            self.store
                .close_join_request(r.id, JoinRequestStatus::Declined, user.id())
                .await
                .or_not_found("join request")
        }
    }

    /// Invites a person by id or email.
    pub async fn invite(
        &self,
        user: &SessionUser,
        slug: &str,
        person: &str,
        role: &str,
    ) -> Result<()> {
        let c = self.managed(user, slug).await?;
        let mut e = FieldErrors::new();
        let role = if role.trim().is_empty() {
            Some(CommunityRole::Member)
        } else {
            e.check("role", CommunityRole::parse(role))
        };
        let target = self.find_person(person).await;
        if target.is_none() {
            e.add("person", "no person with this email or id");
        }
        e.into_result()?;
        let (Some(target), Some(role)) = (target, role) else {
            return Err(AppError::internal("missing"));
        };
        let s = self.store.standing(c.id, target).await?;
        if s.role.is_some() {
            return Err(AppError::conflict(
                "person",
                "this person is already a member",
            ));
        }
        self.store
            .create_invitation(c.id, target, user.id(), role)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    AppError::conflict("person", "this person already has a pending invitation")
                }
                other => other.into(),
            })?;
        Ok(())
    }

    /// The person an invitation names (id or email), unless merged away.
    async fn find_person(&self, key: &str) -> Option<PersonId> {
        self.person_by_reference("person", key)
            .await
            .ok()
            .filter(|p| p.merged_into.is_none())
            .map(|p| p.id)
    }

    pub async fn my_invitations(&self, user: &SessionUser) -> Result<Vec<Invitation>> {
        Ok(self.store.pending_invitations_for_person(user.id()).await?)
    }

    pub async fn decline_invitation(
        &self,
        user: &SessionUser,
        invitation: InvitationId,
    ) -> Result<()> {
        let inv = self
            .store
            .invitation(invitation)
            .await
            .or_not_found("invitation")?;
        if inv.person_id != user.id() || inv.status != InvitationStatus::Pending {
            return Err(AppError::NotFound("invitation"));
        }
        self.store
            .decline_invitation(inv.id)
            .await
            .or_not_found("invitation")
    }

    pub async fn set_member_role(
        &self,
        user: &SessionUser,
        slug: &str,
        person: PersonId,
        role: &str,
    ) -> Result<()> {
        let c = self.managed(user, slug).await?;
        let role = CommunityRole::parse(role).map_err(|m| AppError::invalid("role", m))?;
        let s = self.store.standing(c.id, person).await?;
        let Some(current) = s.role else {
            return Err(AppError::NotFound("member"));
        };
        if current.is_coordinator() && !role.is_coordinator() {
            let coordinators = self
                .store
                .count_role(c.id, CommunityRole::Coordinator)
                .await?;
            if coordinators <= 1 {
                return Err(AppError::invalid(
                    "role",
                    "this is the last coordinator; make someone else coordinator first",
                ));
            }
        }
        self.store
            .set_member_role(c.id, person, role)
            .await
            .or_not_found("member")?;
        if current != role {
            self.audit(
                &crate::Actor::person(user, ""),
                "community.role_changed",
                format!("person {person} in community {}", c.id),
                format!("{} → {}", current.as_str(), role.as_str()),
            )
            .await?;
        }
        Ok(())
    }

    /// Recent activity in the user's communities.
    pub async fn home_feed(&self, user: &SessionUser, limit: i64) -> Result<Vec<FeedItem>> {
        Ok(self
            .store
            .feed(user.id(), FeedScope::MemberOf(user.id()), limit)
            .await?)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinOutcome {
    Joined,
    Requested,
}
