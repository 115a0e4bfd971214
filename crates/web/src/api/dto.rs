//! The API's request and response bodies, with their OpenAPI schemas.

use guildhall_domain::Timestamp;
use guildhall_store::records;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

fn time(t: i64) -> String {
    Timestamp(t).to_rfc3339()
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub name: String,
    /// administrator, knowledge_strategist, executive, manager, hr or member.
    pub org_role: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct CommunitySummary {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub purpose: String,
    pub visibility: String,
    pub membership_policy: String,
    pub stage: String,
    pub members: i64,
    /// The caller's role in the community, if a member.
    pub my_role: Option<String>,
    pub last_activity_at: Option<String>,
}

impl From<records::CommunitySummary> for CommunitySummary {
    fn from(c: records::CommunitySummary) -> Self {
        CommunitySummary {
            id: c.id.0,
            slug: c.slug,
            name: c.name,
            purpose: c.purpose,
            visibility: c.visibility.to_string(),
            membership_policy: c.membership_policy.to_string(),
            stage: c.stage.to_string(),
            members: c.members,
            my_role: c.my_role.map(|v| v.to_string()),
            last_activity_at: c.last_activity_at.map(time),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CommunityList {
    pub items: Vec<CommunitySummary>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Serialize, ToSchema)]
pub struct DomainRef {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct StageMove {
    pub from: Option<String>,
    pub to: String,
    pub reason: String,
    pub by: Option<i64>,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct Community {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub domain_statement: String,
    pub purpose: String,
    pub visibility: String,
    pub membership_policy: String,
    pub stage: String,
    pub domains: Vec<DomainRef>,
    pub member_count: i64,
    pub my_role: Option<String>,
    /// What the caller can do to become a member: already_member, join,
    /// request, accept_invitation or unavailable.
    pub join: String,
    pub stage_history: Vec<StageMove>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommunityCreate {
    pub name: String,
    /// Derived from the name when omitted.
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub domain_statement: String,
    #[serde(default)]
    pub purpose: String,
    /// open, closed or private.
    pub visibility: String,
    /// open, request or invitation (private communities: invitation).
    pub membership_policy: String,
    /// Defaults to potential.
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub domains: Vec<i64>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CommunityUpdate {
    pub name: Option<String>,
    pub domain_statement: Option<String>,
    pub purpose: Option<String>,
    pub visibility: Option<String>,
    pub membership_policy: Option<String>,
    pub domains: Option<Vec<i64>>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct JoinBody {
    /// Sent to the coordinators with a request to join.
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct JoinResult {
    /// joined or requested.
    pub outcome: String,
}

#[derive(Serialize, ToSchema)]
pub struct Member {
    pub person_id: i64,
    pub name: String,
    pub title: String,
    pub unit: Option<String>,
    pub role: String,
    pub joined_at: String,
}

impl From<records::Member> for Member {
    fn from(m: records::Member) -> Self {
        Member {
            person_id: m.person_id.0,
            name: m.name,
            title: m.title,
            unit: m.unit_name,
            role: m.role.to_string(),
            joined_at: time(m.joined_at),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// coordinator, core, member or observer.
    pub role: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageBody {
    pub stage: String,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct JoinRequest {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub message: String,
    pub created_at: String,
}

impl From<records::JoinRequest> for JoinRequest {
    fn from(r: records::JoinRequest) -> Self {
        JoinRequest {
            id: r.id.0,
            person_id: r.person_id.0,
            person_name: r.person_name,
            message: r.message,
            created_at: time(r.created_at),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub approve: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    /// The person's email or id.
    pub person: String,
    #[serde(default)]
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub unit_id: Option<i64>,
    pub unit: Option<String>,
    pub title: String,
    pub manager_id: Option<i64>,
    pub expertise: Vec<String>,
    pub interests: Vec<String>,
    pub bio: String,
    pub org_role: String,
}

impl From<records::Person> for Person {
    fn from(p: records::Person) -> Self {
        Person {
            expertise: p.expertise_list(),
            interests: p.interest_list(),
            id: p.id.0,
            name: p.name,
            email: p.email,
            unit_id: p.unit_id.map(|v| v.0),
            unit: p.unit_name,
            title: p.title,
            manager_id: p.manager_id.map(|v| v.0),
            bio: p.bio,
            org_role: p.org_role.to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PersonList {
    pub items: Vec<Person>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PersonBody {
    pub name: Option<String>,
    /// Only on creation; an email does not change.
    pub email: Option<String>,
    pub unit_id: Option<i64>,
    pub title: Option<String>,
    pub manager_id: Option<i64>,
    pub expertise: Option<Vec<String>>,
    pub interests: Option<Vec<String>>,
    pub bio: Option<String>,
    pub org_role: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Unit {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub description: String,
}

impl From<records::Unit> for Unit {
    fn from(u: records::Unit) -> Self {
        Unit {
            id: u.id.0,
            name: u.name,
            parent_id: u.parent_id.map(|v| v.0),
            description: u.description,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UnitListItem {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub description: String,
    pub depth: usize,
    pub people: i64,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UnitBody {
    pub name: Option<String>,
    pub parent_id: Option<i64>,
    pub description: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Domain {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// Communities stewarding it that the caller can see.
    pub communities: Option<i64>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DomainBody {
    pub name: Option<String>,
    pub description: Option<String>,
}

/// One event of a community.
#[derive(Serialize, ToSchema)]
pub struct Event {
    pub id: i64,
    /// regular, launch, renewal, anniversary or workshop.
    pub kind: String,
    pub title: String,
    pub description: String,
    pub place: String,
    pub link: String,
    /// First start, RFC 3339 in UTC.
    pub starts_at: String,
    pub duration_minutes: i64,
    /// RFC 5545 RRULE of a series; empty for a one-off event.
    pub recurrence: String,
    /// The rhythm in words, e.g. "every second Tuesday"; empty for a one-off event.
    pub rhythm: String,
    pub cancelled: bool,
}

impl From<guildhall_store::EventRow> for Event {
    fn from(e: guildhall_store::EventRow) -> Self {
        Event {
            rhythm: guildhall_app::events::rhythm_of(&e),
            id: e.id.0,
            kind: e.kind.to_string(),
            title: e.title,
            description: e.description,
            place: e.place,
            link: e.link,
            starts_at: time(e.starts_at),
            duration_minutes: e.duration_minutes,
            recurrence: e.recurrence,
            cancelled: e.cancelled_at.is_some(),
        }
    }
}

/// One occurrence still to come, with its answers.
#[derive(Serialize, ToSchema)]
pub struct Occurrence {
    pub event_id: i64,
    pub title: String,
    /// Start, RFC 3339 in UTC; send it back as `occurrence_at` to answer.
    pub at: String,
    pub ends_at: String,
    pub going: i64,
    pub maybe: i64,
    pub not_going: i64,
    /// The caller's answer: yes, maybe or no.
    pub my_answer: Option<String>,
}

impl From<guildhall_app::events::Occurrence> for Occurrence {
    fn from(o: guildhall_app::events::Occurrence) -> Self {
        Occurrence {
            event_id: o.event.id.0,
            title: o.event.title,
            at: time(o.at),
            ends_at: time(o.ends_at),
            going: o.yes,
            maybe: o.maybe,
            not_going: o.no,
            my_answer: o.mine.map(|a| a.as_str().to_owned()),
        }
    }
}

/// A session recorded as held.
#[derive(Serialize, ToSchema)]
pub struct HeldSession {
    pub id: i64,
    pub event_id: i64,
    pub title: String,
    pub occurrence_at: String,
    pub attendees: i64,
}

impl From<guildhall_store::HeldSession> for HeldSession {
    fn from(s: guildhall_store::HeldSession) -> Self {
        HeldSession {
            id: s.id.0,
            event_id: s.event_id.0,
            title: s.title,
            occurrence_at: time(s.occurrence_at),
            attendees: s.attendees,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EventList {
    /// Events not cancelled.
    pub events: Vec<Event>,
    /// Occurrences of the next 90 days (at most 50), by start.
    pub upcoming: Vec<Occurrence>,
    /// Sessions held, newest first (at most 20).
    pub held: Vec<HeldSession>,
    pub can_manage: bool,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct EventCreate {
    /// regular (default), launch, renewal, anniversary or workshop.
    pub kind: String,
    pub title: String,
    pub description: String,
    pub place: String,
    /// An http(s) address.
    pub link: String,
    /// RFC 3339, e.g. 2026-03-03T17:00:00Z.
    pub starts_at: String,
    /// 1 to 1440; 60 when absent.
    pub duration_minutes: Option<i64>,
    /// An RFC 5545 RRULE (supported: FREQ, INTERVAL, BYDAY, BYMONTHDAY, COUNT, UNTIL); empty for a one-off event.
    pub recurrence: String,
    /// Instead of `recurrence`: no, weekly, fortnightly or monthly (same nth weekday as the start).
    pub repeats: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RsvpBody {
    /// The occurrence's start, RFC 3339.
    pub occurrence_at: String,
    /// yes, maybe or no.
    pub answer: String,
}

#[derive(Serialize, ToSchema)]
pub struct RsvpResult {
    pub answer: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldBody {
    /// The occurrence's start, RFC 3339.
    pub occurrence_at: String,
    /// Ids of the members who attended.
    #[serde(default)]
    pub attendees: Vec<i64>,
    #[serde(default)]
    pub notes: String,
}

#[derive(Serialize, ToSchema)]
pub struct HeldResult {
    pub session_id: i64,
    /// False when the occurrence had been recorded before (only new attendees were added).
    pub new_session: bool,
    /// Attendees recorded now; people recorded before are not repeated.
    pub newly_attended: Vec<i64>,
}
