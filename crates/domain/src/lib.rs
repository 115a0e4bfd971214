//! Guildhall's domain: the vocabulary of communities of practice and the rules
//! that hold whatever the interface or database.
//!
//! This crate owns identifiers, validated values ("parse, don't validate"),
//! lifecycle stages with what matters at each, roles, activity-log kinds and
//! the one permission policy every list, page and API answer goes through.
//!
//! It must not know about HTTP, SQL or async runtimes: no axum, sqlx or tokio.
//! Everything here is plain data and pure functions, so it is cheap to test.

#![forbid(unsafe_code)]

pub mod activity;
pub mod community;
pub mod diff;
pub mod ids;
pub mod lifecycle;
pub mod markdown;
pub mod merge;
pub mod person;
pub mod policy;
pub mod practice;
pub mod pulse;
pub mod recurrence;
pub mod search;
pub mod text;
pub mod throttle;
pub mod time;
pub mod token;
pub mod validation;

pub use activity::{ActivityKind, NewActivity};
pub use community::{
    CommunityRole, InvitationStatus, JoinRequestStatus, MembershipPolicy, Stage, Visibility,
};
pub use ids::{
    ActivityId, AuditEntryId, CommunityId, DomainId, EventId, EventSessionId, InvitationId,
    JoinRequestId, MergeId, NotificationId, PersonId, PostEditId, ReplyId, ResourceId,
    StageChangeId, ThreadId, TokenId, UnitId,
};
pub use person::OrgRole;
pub use policy::Viewer;
pub use practice::{
    EventKind, NotificationKind, ResourceKind, ResourceStatus, RsvpAnswer, ThreadKind,
};
pub use search::DocumentKind;
pub use text::{Email, Slug};
pub use time::Timestamp;
pub use validation::{FieldError, FieldErrors};
