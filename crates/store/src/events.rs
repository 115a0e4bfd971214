//! Events of a community: one-off or series (an RRULE kept as text and
//! expanded by the domain, never in SQL), RSVPs per occurrence, sessions
//! recorded as held with their attendance (each with its activity events,
//! in the same transaction), and the private calendar keys of members.

use crate::read::{Sql, direct_row};
use crate::{Result, Store, StoreError, append_activity, with_writer, write_tx};
use guildhall_domain::{
    CommunityId, EventId, EventKind, EventSessionId, NewActivity, PersonId, RsvpAnswer,
};
use serde::Serialize;

/// What an event says, as validated by the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventFields {
    pub kind: EventKind,
    pub title: String,
    pub description: String,
    pub place: String,
    pub link: String,
    pub starts_at: i64,
    pub duration_minutes: i64,
    /// Canonical RRULE, or empty for a one-off event.
    pub recurrence: String,
}

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct EventRow {
    pub id: EventId,
    pub community_id: CommunityId,
    pub kind: EventKind,
    pub title: String,
    pub description: String,
    pub place: String,
    pub link: String,
    pub starts_at: i64,
    pub duration_minutes: i64,
    pub recurrence: String,
    pub created_by: Option<PersonId>,
    pub created_at: i64,
    pub cancelled_at: Option<i64>,
}
direct_row!(EventRow:
    id, community_id, kind, title, description, place, link, starts_at, duration_minutes,
    recurrence, created_by, created_at, cancelled_at
);

/// How many gave each answer for one occurrence.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct RsvpCount {
    pub event_id: EventId,
    pub occurrence_at: i64,
    pub answer: RsvpAnswer,
    pub n: i64,
}
direct_row!(RsvpCount: event_id, occurrence_at, answer, n);

/// One person's answer for one occurrence.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Rsvp {
    pub event_id: EventId,
    pub occurrence_at: i64,
    pub person_id: PersonId,
    pub name: String,
    pub answer: RsvpAnswer,
    pub at: i64,
}
direct_row!(Rsvp: event_id, occurrence_at, person_id, name, answer, at);

/// An occurrence that took place.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct HeldSession {
    pub id: EventSessionId,
    pub event_id: EventId,
    pub title: String,
    pub occurrence_at: i64,
    pub held_by: Option<PersonId>,
    pub notes: String,
    pub recorded_at: i64,
    pub attendees: i64,
}
direct_row!(HeldSession:
    id, event_id, title, occurrence_at, held_by, notes, recorded_at, attendees
);

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Attendee {
    pub person_id: PersonId,
    pub name: String,
}
direct_row!(Attendee: person_id, name);

/// An occurrence to record as held, with who attended.
#[derive(Clone, Copy, Debug)]
pub struct SessionRecord<'a> {
    pub event: EventId,
    pub occurrence_at: i64,
    pub notes: &'a str,
    /// When the record is written (the activity events carry the
    /// occurrence's own time).
    pub recorded_at: i64,
    pub attendees: &'a [PersonId],
}

/// What recording a session changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedSession {
    pub session_id: EventSessionId,
    /// False when the occurrence had already been recorded as held.
    pub new_session: bool,
    /// People whose attendance was recorded now (not before).
    pub newly_attended: Vec<PersonId>,
}

impl Store {
    /// Schedules an event; returns its id.
    pub async fn create_event(
        &self,
        community: CommunityId,
        f: &EventFields,
        by: PersonId,
        at: i64,
    ) -> Result<EventId> {
        Ok(write_tx!(self, |tx| {
            let id = sqlx::query_scalar::<_, EventId>(
                "INSERT INTO events (community_id, kind, title, description, place, link, starts_at, \
                 duration_minutes, recurrence, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(community)
            .bind(f.kind)
            .bind(&f.title)
            .bind(&f.description)
            .bind(&f.place)
            .bind(&f.link)
            .bind(f.starts_at)
            .bind(f.duration_minutes)
            .bind(&f.recurrence)
            .bind(by)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            // Every member but the organizer hears of it.
            sqlx::query(
                "INSERT INTO notifications (person_id, kind, actor_id, community_id, event_id, at) \
                 SELECT person_id, 'event', $2, community_id, $3, $4 FROM memberships \
                 WHERE community_id = $1 AND person_id <> $2",
            )
            .bind(community)
            .bind(by)
            .bind(id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            id
        }))
    }

    /// Replaces what an event says (not its community or author).
    pub async fn update_event(&self, id: EventId, f: &EventFields) -> Result<()> {
        let done = with_writer!(self, |pool| {
            sqlx::query(
                "UPDATE events SET kind = $2, title = $3, description = $4, place = $5, link = $6, \
                 starts_at = $7, duration_minutes = $8, recurrence = $9 WHERE id = $1",
            )
            .bind(id)
            .bind(f.kind)
            .bind(&f.title)
            .bind(&f.description)
            .bind(&f.place)
            .bind(&f.link)
            .bind(f.starts_at)
            .bind(f.duration_minutes)
            .bind(&f.recurrence)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Cancels an event (kept, shown as cancelled); cancelling twice keeps
    /// the first time.
    pub async fn cancel_event(&self, id: EventId, at: i64) -> Result<()> {
        let done = with_writer!(self, |pool| {
            sqlx::query("UPDATE events SET cancelled_at = COALESCE(cancelled_at, $2) WHERE id = $1")
                .bind(id)
                .bind(at)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn event(&self, id: EventId) -> Result<EventRow> {
        Sql::new(
            "SELECT id, community_id, kind, title, description, place, link, starts_at, \
             duration_minutes, recurrence, created_by, created_at, cancelled_at FROM events WHERE id = $1",
        )
        .arg(id)
        .one::<EventRow>(self)
        .await
    }

    /// Every event of a community, cancelled ones included, by first start.
    pub async fn community_events(&self, community: CommunityId) -> Result<Vec<EventRow>> {
        self.read_all::<EventRow>(
            &Sql::new(
                "SELECT id, community_id, kind, title, description, place, link, starts_at, \
                 duration_minutes, recurrence, created_by, created_at, cancelled_at FROM events \
                 WHERE community_id = $1 ORDER BY starts_at, id",
            )
            .arg(community),
        )
        .await
    }

    /// Records (or changes) a person's answer for one occurrence.
    pub async fn set_rsvp(
        &self,
        event: EventId,
        occurrence_at: i64,
        person: PersonId,
        answer: RsvpAnswer,
        at: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO event_rsvps (event_id, occurrence_at, person_id, answer, at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (event_id, occurrence_at, person_id) DO UPDATE SET answer = excluded.answer, at = excluded.at",
            )
            .bind(event)
            .bind(occurrence_at)
            .bind(person)
            .bind(answer)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// Answers per occurrence for a community's occurrences from `from` on.
    pub async fn rsvp_counts(&self, community: CommunityId, from: i64) -> Result<Vec<RsvpCount>> {
        self.read_all::<RsvpCount>(&Sql::new(
            "SELECT r.event_id, r.occurrence_at, r.answer, COUNT(*) AS n FROM event_rsvps r \
                 JOIN events e ON e.id = r.event_id WHERE e.community_id = $1 AND r.occurrence_at >= $2 \
                 GROUP BY r.event_id, r.occurrence_at, r.answer",
        )
        .arg(community)
        .arg(from))
        .await
    }

    /// One person's answers for a community's occurrences from `from` on.
    pub async fn my_rsvps(
        &self,
        community: CommunityId,
        person: PersonId,
        from: i64,
    ) -> Result<Vec<Rsvp>> {
        self.read_all::<Rsvp>(&Sql::new(
            "SELECT r.event_id, r.occurrence_at, r.person_id, p.name, r.answer, r.at FROM event_rsvps r \
                 JOIN events e ON e.id = r.event_id JOIN people p ON p.id = r.person_id \
                 WHERE e.community_id = $1 AND r.person_id = $2 AND r.occurrence_at >= $3",
        )
        .arg(community)
        .arg(person)
        .arg(from))
        .await
    }

    /// Every answer given for one event, by occurrence then name.
    pub async fn event_rsvps(&self, event: EventId) -> Result<Vec<Rsvp>> {
        self.read_all::<Rsvp>(&Sql::new(
            "SELECT r.event_id, r.occurrence_at, r.person_id, p.name, r.answer, r.at FROM event_rsvps r \
                 JOIN people p ON p.id = r.person_id WHERE r.event_id = $1 ORDER BY r.occurrence_at, p.name, p.id",
        )
        .arg(event))
        .await
    }

    /// Records an occurrence as held (once: recording it again only adds
    /// attendees) and the attendance of `attendees` (once per person), in
    /// one transaction with their activity events: `held` for a new
    /// session and, for each person whose attendance is new, `attended`
    /// with that person as actor (their unit filled in from their profile
    /// when `actor_unit` is `None`). The store sets each event's subject to
    /// the session id.
    pub async fn record_session(
        &self,
        r: &SessionRecord<'_>,
        held: &NewActivity,
        attended: &NewActivity,
    ) -> Result<RecordedSession> {
        let SessionRecord {
            event,
            occurrence_at,
            notes,
            recorded_at,
            attendees,
        } = *r;
        Ok(write_tx!(self, |tx| {
            let inserted: Option<EventSessionId> = sqlx::query_scalar(
                "INSERT INTO event_sessions (event_id, occurrence_at, held_by, notes, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id, occurrence_at) DO NOTHING RETURNING id",
            )
            .bind(event)
            .bind(occurrence_at)
            .bind(held.actor)
            .bind(notes)
            .bind(recorded_at)
            .fetch_optional(&mut *tx)
            .await?;
            let (session_id, new_session) = match inserted {
                Some(id) => (id, true),
                None => {
                    let id: EventSessionId = sqlx::query_scalar(
                        "SELECT id FROM event_sessions WHERE event_id = $1 AND occurrence_at = $2",
                    )
                    .bind(event)
                    .bind(occurrence_at)
                    .fetch_one(&mut *tx)
                    .await?;
                    if !notes.is_empty() {
                        sqlx::query("UPDATE event_sessions SET notes = $2 WHERE id = $1")
                            .bind(id)
                            .bind(notes)
                            .execute(&mut *tx)
                            .await?;
                    }
                    (id, false)
                }
            };
            if new_session {
                let ev = held.clone().subject(session_id.0);
                append_activity!(&mut *tx, &ev);
            }
            let mut newly_attended = Vec::new();
            let mut people = attendees.to_vec();
            people.sort_unstable();
            people.dedup();
            for person in people {
                let added = sqlx::query(
                    "INSERT INTO event_attendance (session_id, person_id, recorded_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (session_id, person_id) DO NOTHING",
                )
                .bind(session_id)
                .bind(person)
                .bind(recorded_at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if added == 0 {
                    continue;
                }
                let ev = attended.clone().subject(session_id.0);
                sqlx::query(
                    "INSERT INTO activity (at, kind, actor_id, actor_unit, community_id, subject_id, parent_id, other_id) \
                     SELECT $1, $2, p.id, COALESCE($4, p.unit_id), $5, $6, $7, $8 FROM people p WHERE p.id = $3",
                )
                .bind(ev.at.0)
                .bind(ev.kind.as_str())
                .bind(person)
                .bind(ev.actor_unit)
                .bind(ev.community)
                .bind(ev.subject)
                .bind(ev.parent)
                .bind(ev.other)
                .execute(&mut *tx)
                .await?;
                newly_attended.push(person);
            }
            RecordedSession {
                session_id,
                new_session,
                newly_attended,
            }
        }))
    }

    /// Sessions held in a community, newest first, with attendee counts.
    pub async fn community_sessions(
        &self,
        community: CommunityId,
        limit: i64,
    ) -> Result<Vec<HeldSession>> {
        self.read_all::<HeldSession>(&Sql::new(
            "SELECT s.id, s.event_id, e.title, s.occurrence_at, s.held_by, s.notes, s.recorded_at, \
                 (SELECT COUNT(*) FROM event_attendance a WHERE a.session_id = s.id) AS attendees \
                 FROM event_sessions s JOIN events e ON e.id = s.event_id WHERE e.community_id = $1 \
                 ORDER BY s.occurrence_at DESC, s.id DESC LIMIT $2",
        )
        .arg(community)
        .arg(limit))
        .await
    }

    /// Sessions of one event, newest first.
    pub async fn event_sessions(&self, event: EventId) -> Result<Vec<HeldSession>> {
        self.read_all::<HeldSession>(&Sql::new(
            "SELECT s.id, s.event_id, e.title, s.occurrence_at, s.held_by, s.notes, s.recorded_at, \
                 (SELECT COUNT(*) FROM event_attendance a WHERE a.session_id = s.id) AS attendees \
                 FROM event_sessions s JOIN events e ON e.id = s.event_id WHERE s.event_id = $1 \
                 ORDER BY s.occurrence_at DESC, s.id DESC",
        )
        .arg(event))
        .await
    }

    /// Who attended one session, by name.
    pub async fn session_attendees(&self, session: EventSessionId) -> Result<Vec<Attendee>> {
        self.read_all::<Attendee>(&Sql::new(
            "SELECT p.id AS person_id, p.name FROM event_attendance a JOIN people p ON p.id = a.person_id \
                 WHERE a.session_id = $1 ORDER BY p.name, p.id",
        )
        .arg(session))
        .await
    }

    /// When the person's calendar key was made, if they have one (the key
    /// itself is not kept, only its hash).
    pub async fn calendar_key_created(&self, person: PersonId) -> Result<Option<i64>> {
        self.read_scalar_optional::<i64>(
            &Sql::new("SELECT created_at FROM calendar_keys WHERE person_id = $1").arg(person),
        )
        .await
    }

    /// Gives the person a calendar key by its hash, replacing any they had:
    /// the old feed URL stops working.
    pub async fn set_calendar_key(
        &self,
        person: PersonId,
        secret_hash: &str,
        at: i64,
    ) -> Result<()> {
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO calendar_keys (person_id, secret_hash, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (person_id) DO UPDATE SET secret_hash = excluded.secret_hash, created_at = excluded.created_at",
            )
            .bind(person)
            .bind(secret_hash)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::unique("calendar key"))?;
        });
        Ok(())
    }

    /// Whose calendar key has this hash, if anyone's.
    pub async fn person_by_calendar_key(&self, secret_hash: &str) -> Result<Option<PersonId>> {
        self.read_scalar_optional::<PersonId>(
            &Sql::new(
                "SELECT k.person_id FROM calendar_keys k JOIN people p ON p.id = k.person_id \
                 WHERE k.secret_hash = $1 AND p.merged_into IS NULL",
            )
            .arg(secret_hash),
        )
        .await
    }

    /// When a session of one of these event kinds was last held in the
    /// community before `before` (for the lifecycle checklist).
    pub async fn latest_session_of_kinds(
        &self,
        community: CommunityId,
        kinds: &[EventKind],
        before: i64,
    ) -> Result<Option<i64>> {
        let mut q = Sql::new(
            "SELECT MAX(s.occurrence_at) FROM event_sessions s JOIN events e ON e.id = s.event_id WHERE e.community_id = ",
        );
        q.bind(community)
            .push(" AND s.occurrence_at < ")
            .bind(before)
            .push(" AND e.kind IN (");
        for (i, k) in kinds.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(*k);
        }
        q.push(")");
        q.scalar::<Option<i64>>(self).await
    }
}
