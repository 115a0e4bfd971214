//! What the store returns: plain rows with typed ids and the words stored
//! as text read into domain enums. Enum columns are only ever written from
//! domain values, so an unknown word means a hand-edited database: reading
//! it is an error naming the word, never a silent default.

use crate::read::direct_row;
use guildhall_domain::{
    ActivityId, ActivityKind, CommunityId, CommunityRole, DomainId, InvitationId, InvitationStatus,
    JoinRequestId, JoinRequestStatus, MembershipPolicy, OrgRole, PersonId, Stage, StageChangeId,
    Timestamp, UnitId, Visibility,
};
use serde::Serialize;

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Unit {
    pub id: UnitId,
    pub name: String,
    pub parent_id: Option<UnitId>,
    pub description: String,
    pub created_at: i64,
}
direct_row!(Unit: id, name, parent_id, description, created_at);

/// A unit with how many people it holds directly.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct UnitSummary {
    pub id: UnitId,
    pub name: String,
    pub parent_id: Option<UnitId>,
    pub description: String,
    pub people: i64,
}
direct_row!(UnitSummary: id, name, parent_id, description, people);

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Person {
    pub id: PersonId,
    pub name: String,
    pub email: String,
    pub unit_id: Option<UnitId>,
    pub unit_name: Option<String>,
    pub title: String,
    pub manager_id: Option<PersonId>,
    pub manager_name: Option<String>,
    pub expertise: String,
    pub interests: String,
    pub bio: String,
    pub org_role: OrgRole,
    pub has_account: bool,
    pub created_at: i64,
    /// Set when this record was merged into another person's.
    pub merged_into: Option<PersonId>,
}
direct_row!(Person:
    id, name, email, unit_id, unit_name, title, manager_id, manager_name, expertise, interests,
    bio, org_role, has_account, created_at, merged_into
);

impl Person {
    pub fn expertise_list(&self) -> Vec<String> {
        split_tags(&self.expertise)
    }

    pub fn interest_list(&self) -> Vec<String> {
        split_tags(&self.interests)
    }

    pub fn initials(&self) -> String {
        self.name
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .take(2)
            .collect::<String>()
            .to_uppercase()
    }
}

fn split_tags(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What sign-in needs: the account's hash, never shown anywhere else.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Credentials {
    pub id: PersonId,
    pub org_role: OrgRole,
    pub password_hash: Option<String>,
}
direct_row!(Credentials: id, org_role, password_hash);

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Domain {
    pub id: DomainId,
    pub name: String,
    pub description: String,
    pub created_at: i64,
}
direct_row!(Domain: id, name, description, created_at);

/// A domain with the number of communities stewarding it that the reader
/// may see.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct DomainSummary {
    pub id: DomainId,
    pub name: String,
    pub description: String,
    pub communities: i64,
}
direct_row!(DomainSummary: id, name, description, communities);

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Community {
    pub id: CommunityId,
    pub slug: String,
    pub name: String,
    pub domain_statement: String,
    pub purpose: String,
    pub visibility: Visibility,
    pub membership_policy: MembershipPolicy,
    pub stage: Stage,
    pub created_at: i64,
    pub updated_at: i64,
}
direct_row!(Community:
    id, slug, name, domain_statement, purpose, visibility, membership_policy, stage, created_at,
    updated_at
);

/// A community in a list, with its member count and the reader's role.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct CommunitySummary {
    pub id: CommunityId,
    pub slug: String,
    pub name: String,
    pub purpose: String,
    pub visibility: Visibility,
    pub membership_policy: MembershipPolicy,
    pub stage: Stage,
    pub members: i64,
    pub my_role: Option<CommunityRole>,
    pub last_activity_at: Option<i64>,
}
direct_row!(CommunitySummary:
    id, slug, name, purpose, visibility, membership_policy, stage, members, my_role,
    last_activity_at
);

/// A member of a community with the person's name and unit.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Member {
    pub person_id: PersonId,
    pub name: String,
    pub title: String,
    pub unit_name: Option<String>,
    pub role: CommunityRole,
    pub joined_at: i64,
}
direct_row!(Member: person_id, name, title, unit_name, role, joined_at);

/// A community's members as its page shows them: how many hold each role,
/// from how many units, and the first few of each role by name.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MemberOverview {
    /// Every role held, with its number of members, coordinators first.
    pub roles: Vec<(CommunityRole, i64)>,
    /// Distinct units (by name) the members belong to.
    pub units: i64,
    /// Up to the number asked of each role, in the order of `roles`, then
    /// by name.
    pub first: Vec<Member>,
}

impl MemberOverview {
    pub fn total(&self) -> i64 {
        self.roles.iter().map(|(_, n)| n).sum()
    }

    pub fn count(&self, role: CommunityRole) -> i64 {
        self.roles
            .iter()
            .find(|(r, _)| *r == role)
            .map_or(0, |(_, n)| *n)
    }
}

/// The reader's place in one community, for the permission policy.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct Standing {
    pub role: Option<CommunityRole>,
    pub invited: bool,
    pub requested: bool,
}
direct_row!(Standing: role, invited, requested);

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct StageChange {
    pub id: StageChangeId,
    pub from_stage: Option<Stage>,
    pub to_stage: Stage,
    pub reason: String,
    pub changed_by: Option<PersonId>,
    pub changed_by_name: Option<String>,
    pub at: i64,
}
direct_row!(StageChange: id, from_stage, to_stage, reason, changed_by, changed_by_name, at);

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct JoinRequest {
    pub id: JoinRequestId,
    pub community_id: CommunityId,
    pub person_id: PersonId,
    pub person_name: String,
    pub unit_name: Option<String>,
    pub message: String,
    pub status: JoinRequestStatus,
    pub created_at: i64,
}
direct_row!(JoinRequest:
    id, community_id, person_id, person_name, unit_name, message, status, created_at
);

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Invitation {
    pub id: InvitationId,
    pub community_id: CommunityId,
    pub community_slug: String,
    pub community_name: String,
    pub person_id: PersonId,
    pub person_name: String,
    pub invited_by_name: Option<String>,
    pub role: CommunityRole,
    pub status: InvitationStatus,
    pub created_at: i64,
}
direct_row!(Invitation:
    id, community_id, community_slug, community_name, person_id, person_name, invited_by_name,
    role, status, created_at
);

/// An activity event joined with names, for feeds.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct FeedItem {
    pub id: ActivityId,
    pub at: i64,
    pub kind: ActivityKind,
    pub actor_id: PersonId,
    pub actor_name: String,
    pub community_id: Option<CommunityId>,
    pub community_slug: Option<String>,
    pub community_name: Option<String>,
    pub other_id: Option<PersonId>,
    pub other_name: Option<String>,
}
direct_row!(FeedItem:
    id, at, kind, actor_id, actor_name, community_id, community_slug, community_name, other_id,
    other_name
);

impl FeedItem {
    pub fn when(&self) -> Timestamp {
        Timestamp(self.at)
    }
}

/// A signed-in session: who, and when it ends.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionPerson {
    pub person_id: PersonId,
    pub name: String,
    pub org_role: OrgRole,
    pub unit_id: Option<UnitId>,
    pub expires_at: i64,
}
direct_row!(SessionPerson: person_id, name, org_role, unit_id, expires_at);
