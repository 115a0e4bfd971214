//! The rows a bulk load writes, one type per kind of record: each names its
//! table, and its fields are the table's columns, in the order they are
//! written. Generators and importers fill these and never name a table or
//! column themselves.

/// Declares row types: `struct Name in "table" { column: type, … }`. Each becomes a
/// struct with public fields named for the columns, and a [`super::BulkRow`]
/// whose columns are the field names in order, so that the list is
/// written once.
macro_rules! bulk_rows {
    ($(
        $(#[$meta:meta])*
        $vis:vis struct $name:ident in $table:literal {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)?
        }
    )*) => {$(
        $(#[$meta])*
        #[derive(Clone, Debug)]
        $vis struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $crate::bulk::sealed::Sealed for $name {}

        impl $crate::bulk::BulkRow for $name {
            const TABLE: &'static str = $table;
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];

            fn push_values(self, values: &mut Vec<$crate::bulk::Value>) {
                $( values.push($crate::bulk::Value::from(self.$field)); )*
            }
        }
    )*};
}
pub(crate) use bulk_rows;

use guildhall_domain::{
    ActivityId, ActivityKind, CommunityId, CommunityRole, DocumentKind, DomainId, EventId,
    EventKind, EventSessionId, InvitationId, InvitationStatus, JoinRequestId, JoinRequestStatus,
    MembershipPolicy, OrgRole, PersonId, ReplyId, ResourceId, ResourceKind, ResourceStatus, Stage,
    StageChangeId, ThreadId, ThreadKind, UnitId, Visibility,
};

bulk_rows! {
    /// An organizational unit, with its id.
    pub struct BulkUnit in "units" {
        id: UnitId,
        name: String,
        parent_id: Option<UnitId>,
        description: String,
        created_at: i64,
    }

    /// A person, with their id. Importers leave the profile empty (`title`,
    /// `expertise`, `interests` empty, no unit, manager or password).
    pub struct BulkPerson in "people" {
        id: PersonId,
        name: String,
        email: String,
        unit_id: Option<UnitId>,
        title: String,
        manager_id: Option<PersonId>,
        expertise: String,
        interests: String,
        bio: String,
        org_role: OrgRole,
        password_hash: Option<String>,
        created_at: i64,
    }

    /// Who a person was in another system (see the import session).
    pub struct BulkAlias in "person_aliases" {
        person_id: PersonId,
        source: String,
        account: Option<String>,
        email: Option<String>,
        name: String,
        created_at: i64,
    }

    /// That a source's record is a local row (see the import session).
    pub struct BulkSourceId in "import_ids" {
        source: String,
        site: String,
        kind: String,
        source_id: String,
        local_id: i64,
    }

    /// A knowledge domain, with its id.
    pub struct BulkDomain in "domains" {
        id: DomainId,
        name: String,
        description: String,
        created_at: i64,
    }

    /// A community, with its id.
    pub struct BulkCommunity in "communities" {
        id: CommunityId,
        slug: String,
        name: String,
        domain_statement: String,
        purpose: String,
        visibility: Visibility,
        membership_policy: MembershipPolicy,
        stage: Stage,
        created_at: i64,
        updated_at: i64,
    }

    /// A domain a community is about.
    pub struct BulkCommunityDomain in "community_domains" {
        community_id: CommunityId,
        domain_id: DomainId,
    }

    /// A move of a community from one stage to another, with its id.
    pub struct BulkStageChange in "stage_changes" {
        id: StageChangeId,
        community_id: CommunityId,
        from_stage: Option<Stage>,
        to_stage: Stage,
        reason: String,
        changed_by: PersonId,
        at: i64,
    }

    /// A membership of a person in a community.
    pub struct BulkMembership in "memberships" {
        community_id: CommunityId,
        person_id: PersonId,
        role: CommunityRole,
        joined_at: i64,
    }

    /// A request to join a community, with its id.
    pub struct BulkJoinRequest in "join_requests" {
        id: JoinRequestId,
        community_id: CommunityId,
        person_id: PersonId,
        message: String,
        status: JoinRequestStatus,
        created_at: i64,
        decided_by: Option<PersonId>,
        decided_at: Option<i64>,
    }

    /// An invitation to a community, with its id.
    pub struct BulkInvitation in "invitations" {
        id: InvitationId,
        community_id: CommunityId,
        person_id: PersonId,
        invited_by: PersonId,
        role: CommunityRole,
        status: InvitationStatus,
        created_at: i64,
        decided_at: Option<i64>,
    }

    /// An activity event numbered by the database (importers, whose events
    /// join a log that others write too).
    pub struct BulkActivity in "activity" {
        at: i64,
        kind: ActivityKind,
        actor_id: PersonId,
        actor_unit: Option<UnitId>,
        community_id: Option<CommunityId>,
        subject_id: Option<i64>,
        parent_id: Option<i64>,
        other_id: Option<PersonId>,
    }

    /// An activity event with the id its writer gives it (a generator
    /// writing a whole log in time order).
    pub struct BulkActivityWithId in "activity" {
        id: ActivityId,
        at: i64,
        kind: ActivityKind,
        actor_id: PersonId,
        actor_unit: Option<UnitId>,
        community_id: Option<CommunityId>,
        subject_id: Option<i64>,
        parent_id: Option<i64>,
        other_id: Option<PersonId>,
    }

    /// A thread, with its id.
    pub struct BulkThread in "threads" {
        id: ThreadId,
        community_id: CommunityId,
        kind: ThreadKind,
        title: String,
        body: String,
        tags: String,
        author_id: PersonId,
        created_at: i64,
        last_activity_at: i64,
    }

    /// A reply, with its id.
    pub struct BulkReply in "replies" {
        id: ReplyId,
        thread_id: ThreadId,
        author_id: PersonId,
        body: String,
        /// The reply this one answers, when the source kept it.
        reply_to: Option<ReplyId>,
        created_at: i64,
    }

    /// A help request's accepted answer.
    pub struct BulkSolution in "help_solutions" {
        thread_id: ThreadId,
        reply_id: ReplyId,
        helper_id: PersonId,
        marked_by: Option<PersonId>,
        at: i64,
    }

    /// Thanks for a reply.
    pub struct BulkThanks in "thanks" {
        giver_id: PersonId,
        receiver_id: PersonId,
        community_id: CommunityId,
        reply_id: ReplyId,
        at: i64,
    }

    /// What search finds of a thread, reply or resource.
    pub struct BulkSearchDocument in "search_documents" {
        kind: DocumentKind,
        ref_id: i64,
        community_id: CommunityId,
        thread_id: Option<ThreadId>,
        author_id: PersonId,
        title: String,
        body: String,
        at: i64,
    }

    /// A resource as of its latest revision, with its id.
    pub struct BulkResource in "resources" {
        id: ResourceId,
        community_id: CommunityId,
        kind: ResourceKind,
        title: String,
        revision: i64,
        status: ResourceStatus,
        tags: String,
        created_by: PersonId,
        created_at: i64,
        updated_at: i64,
    }

    /// One revision of a resource.
    pub struct BulkResourceRevision in "resource_revisions" {
        resource_id: ResourceId,
        number: i64,
        title: String,
        body: String,
        summary: String,
        author_id: PersonId,
        at: i64,
    }

    /// A move of a resource from one status to another.
    pub struct BulkResourceStatusChange in "resource_status_changes" {
        resource_id: ResourceId,
        from_status: ResourceStatus,
        to_status: ResourceStatus,
        changed_by: PersonId,
        at: i64,
    }

    /// An event (a meeting, or a series of them), with its id.
    pub struct BulkEvent in "events" {
        id: EventId,
        community_id: CommunityId,
        kind: EventKind,
        title: String,
        description: String,
        place: String,
        starts_at: i64,
        duration_minutes: i64,
        recurrence: String,
        created_by: PersonId,
        created_at: i64,
        cancelled_at: Option<i64>,
    }

    /// An occurrence of an event that took place, with its id.
    pub struct BulkEventSession in "event_sessions" {
        id: EventSessionId,
        event_id: EventId,
        occurrence_at: i64,
        held_by: PersonId,
        recorded_at: i64,
    }

    /// Someone who attended an event's session.
    pub struct BulkAttendance in "event_attendance" {
        session_id: EventSessionId,
        person_id: PersonId,
        recorded_at: i64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::{BulkRow, Value};

    #[test]
    fn values_follow_the_columns() {
        let mut values = Vec::new();
        BulkReply {
            id: ReplyId(7),
            thread_id: ThreadId(3),
            author_id: PersonId(2),
            body: "text".into(),
            reply_to: None,
            created_at: 100,
        }
        .push_values(&mut values);
        assert_eq!(BulkReply::TABLE, "replies");
        assert_eq!(
            BulkReply::COLUMNS,
            [
                "id",
                "thread_id",
                "author_id",
                "body",
                "reply_to",
                "created_at"
            ]
        );
        assert_eq!(values.len(), BulkReply::COLUMNS.len());
        assert!(matches!(values[3], Value::Text(ref t) if t == "text"));
        assert!(matches!(values[4], Value::Null));
    }
}
