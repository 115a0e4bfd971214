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

bulk_rows! {
    /// An organizational unit, with its id.
    pub struct BulkUnit in "units" {
        id: i64,
        name: String,
        parent_id: Option<i64>,
        description: String,
        created_at: i64,
    }

    /// A person, with their id. Importers leave the profile empty (`title`,
    /// `expertise`, `interests` empty, no unit, manager or password).
    pub struct BulkPerson in "people" {
        id: i64,
        name: String,
        email: String,
        unit_id: Option<i64>,
        title: String,
        manager_id: Option<i64>,
        expertise: String,
        interests: String,
        bio: String,
        org_role: String,
        password_hash: Option<String>,
        created_at: i64,
    }

    /// Who a person was in another system (see the import session).
    pub struct BulkAlias in "person_aliases" {
        person_id: i64,
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
        id: i64,
        name: String,
        description: String,
        created_at: i64,
    }

    /// A community, with its id.
    pub struct BulkCommunity in "communities" {
        id: i64,
        slug: String,
        name: String,
        domain_statement: String,
        purpose: String,
        visibility: String,
        membership_policy: String,
        stage: String,
        created_at: i64,
        updated_at: i64,
    }

    /// A domain a community is about.
    pub struct BulkCommunityDomain in "community_domains" {
        community_id: i64,
        domain_id: i64,
    }

    /// A move of a community from one stage to another, with its id.
    pub struct BulkStageChange in "stage_changes" {
        id: i64,
        community_id: i64,
        from_stage: Option<String>,
        to_stage: String,
        reason: String,
        changed_by: i64,
        at: i64,
    }

    /// A membership of a person in a community.
    pub struct BulkMembership in "memberships" {
        community_id: i64,
        person_id: i64,
        role: String,
        joined_at: i64,
    }

    /// A request to join a community, with its id.
    pub struct BulkJoinRequest in "join_requests" {
        id: i64,
        community_id: i64,
        person_id: i64,
        message: String,
        status: String,
        created_at: i64,
        decided_by: Option<i64>,
        decided_at: Option<i64>,
    }

    /// An invitation to a community, with its id.
    pub struct BulkInvitation in "invitations" {
        id: i64,
        community_id: i64,
        person_id: i64,
        invited_by: i64,
        role: String,
        status: String,
        created_at: i64,
        decided_at: Option<i64>,
    }

    /// An activity event numbered by the database (importers, whose events
    /// join a log that others write too).
    pub struct BulkActivity in "activity" {
        at: i64,
        kind: String,
        actor_id: i64,
        actor_unit: Option<i64>,
        community_id: Option<i64>,
        subject_id: Option<i64>,
        parent_id: Option<i64>,
        other_id: Option<i64>,
    }

    /// An activity event with the id its writer gives it (a generator
    /// writing a whole log in time order).
    pub struct BulkActivityWithId in "activity" {
        id: i64,
        at: i64,
        kind: String,
        actor_id: i64,
        actor_unit: Option<i64>,
        community_id: Option<i64>,
        subject_id: Option<i64>,
        parent_id: Option<i64>,
        other_id: Option<i64>,
    }

    /// A thread, with its id.
    pub struct BulkThread in "threads" {
        id: i64,
        community_id: i64,
        kind: String,
        title: String,
        body: String,
        tags: String,
        author_id: i64,
        created_at: i64,
        last_activity_at: i64,
    }

    /// A reply, with its id.
    pub struct BulkReply in "replies" {
        id: i64,
        thread_id: i64,
        author_id: i64,
        body: String,
        /// The reply this one answers, when the source kept it.
        reply_to: Option<i64>,
        created_at: i64,
    }

    /// A help request's accepted answer.
    pub struct BulkSolution in "help_solutions" {
        thread_id: i64,
        reply_id: i64,
        helper_id: i64,
        marked_by: Option<i64>,
        at: i64,
    }

    /// Thanks for a reply.
    pub struct BulkThanks in "thanks" {
        giver_id: i64,
        receiver_id: i64,
        community_id: i64,
        reply_id: i64,
        at: i64,
    }

    /// What search finds of a thread, reply or resource.
    pub struct BulkSearchDocument in "search_documents" {
        kind: String,
        ref_id: i64,
        community_id: i64,
        thread_id: Option<i64>,
        author_id: i64,
        title: String,
        body: String,
        at: i64,
    }

    /// A resource as of its latest revision, with its id.
    pub struct BulkResource in "resources" {
        id: i64,
        community_id: i64,
        kind: String,
        title: String,
        revision: i64,
        status: String,
        tags: String,
        created_by: i64,
        created_at: i64,
        updated_at: i64,
    }

    /// One revision of a resource.
    pub struct BulkResourceRevision in "resource_revisions" {
        resource_id: i64,
        number: i64,
        title: String,
        body: String,
        summary: String,
        author_id: i64,
        at: i64,
    }

    /// A move of a resource from one status to another.
    pub struct BulkResourceStatusChange in "resource_status_changes" {
        resource_id: i64,
        from_status: String,
        to_status: String,
        changed_by: i64,
        at: i64,
    }

    /// An event (a meeting, or a series of them), with its id.
    pub struct BulkEvent in "events" {
        id: i64,
        community_id: i64,
        kind: String,
        title: String,
        description: String,
        place: String,
        starts_at: i64,
        duration_minutes: i64,
        recurrence: String,
        created_by: i64,
        created_at: i64,
        cancelled_at: Option<i64>,
    }

    /// An occurrence of an event that took place, with its id.
    pub struct BulkEventSession in "event_sessions" {
        id: i64,
        event_id: i64,
        occurrence_at: i64,
        held_by: i64,
        recorded_at: i64,
    }

    /// Someone who attended an event's session.
    pub struct BulkAttendance in "event_attendance" {
        session_id: i64,
        person_id: i64,
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
            id: 7,
            thread_id: 3,
            author_id: 2,
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
