//! What the store returns: plain rows with typed accessors for the words
//! stored as text. Enum columns are only ever written from domain values,
//! so a parse failure means a hand-edited database; it falls back to the
//! most conservative value rather than failing a page.

use guildhall_domain::{
    CommunityRole, MembershipPolicy, OrgRole, PersonId, Stage, Timestamp, UnitId, Visibility,
};
use serde::Serialize;

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Unit {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub description: String,
    pub created_at: i64,
}

/// A unit with how many people it holds directly.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct UnitSummary {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub description: String,
    pub people: i64,
}

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub title: String,
    pub manager_id: Option<i64>,
    pub manager_name: Option<String>,
    pub expertise: String,
    pub interests: String,
    pub bio: String,
    pub org_role: String,
    pub has_account: bool,
    pub created_at: i64,
    /// Set when this record was merged into another person's.
    pub merged_into: Option<i64>,
}

impl Person {
    pub fn role(&self) -> OrgRole {
        OrgRole::parse(&self.org_role).unwrap_or(OrgRole::Member)
    }

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
    pub id: i64,
    pub org_role: String,
    pub password_hash: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Domain {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub created_at: i64,
}

/// A domain with the number of communities stewarding it that the reader
/// may see.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct DomainSummary {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub communities: i64,
}

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Community {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub domain_statement: String,
    pub purpose: String,
    pub visibility: String,
    pub membership_policy: String,
    pub stage: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A community in a list, with its member count and the reader's role.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct CommunitySummary {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub purpose: String,
    pub visibility: String,
    pub membership_policy: String,
    pub stage: String,
    pub members: i64,
    pub my_role: Option<String>,
    pub last_activity_at: Option<i64>,
}

macro_rules! community_words {
    ($t:ty) => {
        impl $t {
            pub fn visibility(&self) -> Visibility {
                Visibility::parse(&self.visibility).unwrap_or(Visibility::Private)
            }
            pub fn policy(&self) -> MembershipPolicy {
                MembershipPolicy::parse(&self.membership_policy)
                    .unwrap_or(MembershipPolicy::Invitation)
            }
            pub fn stage(&self) -> Stage {
                Stage::parse(&self.stage).unwrap_or(Stage::Memory)
            }
        }
    };
}
community_words!(Community);
community_words!(CommunitySummary);

impl CommunitySummary {
    pub fn role(&self) -> Option<CommunityRole> {
        self.my_role
            .as_deref()
            .and_then(|r| CommunityRole::parse(r).ok())
    }
}

/// A member of a community with the person's name and unit.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Member {
    pub person_id: i64,
    pub name: String,
    pub title: String,
    pub unit_name: Option<String>,
    pub role: String,
    pub joined_at: i64,
}

impl Member {
    pub fn role(&self) -> CommunityRole {
        CommunityRole::parse(&self.role).unwrap_or(CommunityRole::Observer)
    }
}

/// The reader's place in one community, for the permission policy.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct Standing {
    pub role: Option<String>,
    pub invited: bool,
    pub requested: bool,
}

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct StageChange {
    pub id: i64,
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub reason: String,
    pub changed_by: Option<i64>,
    pub changed_by_name: Option<String>,
    pub at: i64,
}

impl StageChange {
    pub fn to_label(&self) -> &'static str {
        Stage::parse(&self.to_stage).map_or("Unknown", Stage::label)
    }
}

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct JoinRequest {
    pub id: i64,
    pub community_id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub unit_name: Option<String>,
    pub message: String,
    pub status: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Invitation {
    pub id: i64,
    pub community_id: i64,
    pub community_slug: String,
    pub community_name: String,
    pub person_id: i64,
    pub person_name: String,
    pub invited_by_name: Option<String>,
    pub role: String,
    pub status: String,
    pub created_at: i64,
}

/// An activity event joined with names, for feeds.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct FeedItem {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub actor_id: i64,
    pub actor_name: String,
    pub community_id: Option<i64>,
    pub community_slug: Option<String>,
    pub community_name: Option<String>,
    pub other_id: Option<i64>,
    pub other_name: Option<String>,
}

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
