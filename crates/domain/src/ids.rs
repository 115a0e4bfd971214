//! Typed identifiers, so that a person's id can never be passed where a
//! community's is expected. All are `i64` in both databases; with the
//! `sqlx` feature (which the store turns on) each is a transparent sqlx
//! type, bound and read as its `i64`. The domain's rules never use it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Any record's id, for the few places that hold ids of several kinds
/// told apart by another column (an import's map of source ids, an
/// activity event's subject).
pub trait RecordId: Copy {
    fn raw(self) -> i64;
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(pub i64);

        impl RecordId for $name {
            fn raw(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        #[cfg(feature = "rusqlite")]
        impl rusqlite::types::FromSql for $name {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                v.as_i64().map($name)
            }
        }

        #[cfg(feature = "rusqlite")]
        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.0.into())
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    };
}

id_type!(
    /// A person of the organization, with or without a sign-in account.
    PersonId
);
id_type!(
    /// An organization unit: business unit, department, site.
    UnitId
);
id_type!(
    /// A knowledge domain the organization's knowledge lives in.
    DomainId
);
id_type!(
    /// A community of practice.
    CommunityId
);
id_type!(
    /// A personal access token for the API.
    TokenId
);
id_type!(
    /// A notification to one person.
    NotificationId
);
id_type!(
    /// A merge of two records of one person.
    MergeId
);
id_type!(
    /// A thread: a help request, story or discussion.
    ThreadId
);
id_type!(
    /// A reply in a thread.
    ReplyId
);
id_type!(
    /// One edit of a thread's opening post or of a reply.
    PostEditId
);
id_type!(
    /// A resource a community keeps.
    ResourceId
);
id_type!(
    /// A community event, one-off or recurring.
    EventId
);
id_type!(
    /// A request to join a community.
    JoinRequestId
);
id_type!(
    /// An invitation to join a community.
    InvitationId
);
id_type!(
    /// A change of a community's stage.
    StageChangeId
);
id_type!(
    /// An event of the activity log.
    ActivityId
);
id_type!(
    /// A recorded session of an event, with its attendance.
    EventSessionId
);
id_type!(
    /// An entry of the audit log.
    AuditEntryId
);
