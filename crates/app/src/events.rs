//! Events: the rhythm of a community. Scheduling (core group), RSVPs
//! (anyone who may take part), recording a session as held with who came
//! (core group; `event.held` and `event.attended` in the activity log), and
//! the calendar feed with the private keys that open it.

use crate::communities::context;
use crate::error::NotFoundAs;
use crate::{App, AppError, Result, SessionUser};
use guildhall_domain::policy::{self, CommunityContext};
use guildhall_domain::recurrence::{Repeats, Rule};
use guildhall_domain::text::{
    SHORT_TEXT_MAX, TITLE_MAX, optional_line, optional_text, required_line,
};
use guildhall_domain::time::DAY;
use guildhall_domain::{
    ActivityKind, CommunityId, EventId, EventKind, FieldErrors, NewActivity, PersonId, RsvpAnswer,
    Slug, Timestamp, Visibility,
};
use guildhall_store::records::{Community, Member};
use guildhall_store::{
    Attendee, EventFields, EventRow, HeldSession, RecordedSession, Rsvp, SessionRecord,
};
use std::collections::HashMap;
use time::PrimitiveDateTime;
use time::macros::format_description;

/// Longest place and link.
pub const PLACE_MAX: usize = 200;
pub const LINK_MAX: usize = 500;
/// How far ahead lists look for occurrences.
pub const UPCOMING_DAYS: i64 = 90;
/// Most occurrences a list shows.
pub const UPCOMING_MAX: usize = 50;
/// How far back an occurrence can still be recorded as held from the
/// event page's choices (the API accepts any past occurrence).
pub const RECORDABLE_DAYS: i64 = 60;

/// An event as typed into the form or sent to the API; all text.
#[derive(Clone, Debug, Default)]
pub struct EventInput {
    pub kind: String,
    pub title: String,
    pub description: String,
    pub place: String,
    pub link: String,
    /// `2026-03-01T09:30` (UTC, as a datetime-local field sends it) or RFC 3339.
    pub starts_at: String,
    pub duration_minutes: String,
    /// One of [`Repeats`]' words; empty for a one-off event.
    pub repeats: String,
    /// The RRULE when `repeats` is `custom`.
    pub rule: String,
}

/// One occurrence of an event, with its answers so far.
#[derive(Clone, Debug)]
pub struct Occurrence {
    pub event: EventRow,
    pub at: i64,
    pub ends_at: i64,
    pub yes: i64,
    pub maybe: i64,
    pub no: i64,
    /// The reader's answer, if any.
    pub mine: Option<RsvpAnswer>,
}

/// A community's events page.
#[derive(Clone, Debug)]
pub struct EventsView {
    pub community: Community,
    pub upcoming: Vec<Occurrence>,
    pub past: Vec<HeldSession>,
    /// Events not cancelled, with their rhythm in words.
    pub series: Vec<(EventRow, String)>,
    pub can_manage: bool,
    pub can_rsvp: bool,
}

/// One event's page.
#[derive(Clone, Debug)]
pub struct EventView {
    pub community: Community,
    pub event: EventRow,
    /// "every second Tuesday", or empty for a one-off event.
    pub rhythm: String,
    pub upcoming: Vec<Occurrence>,
    /// Occurrences that have started and are not recorded yet, newest
    /// first (for the core group's "record as held" form).
    pub recordable: Vec<i64>,
    pub sessions: Vec<(HeldSession, Vec<Attendee>)>,
    pub rsvps: Vec<Rsvp>,
    /// Members, for the attendance checkboxes (core group only).
    pub members: Vec<Member>,
    pub can_manage: bool,
    pub can_rsvp: bool,
}

/// What a calendar feed holds.
#[derive(Clone, Debug)]
pub struct CalendarFeed {
    pub community: Community,
    pub events: Vec<EventRow>,
}

/// Parses a start time: RFC 3339, or a datetime-local value taken as UTC.
pub fn parse_start(s: &str) -> std::result::Result<i64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("is required, e.g. 2026-03-01T09:30 (UTC)".into());
    }
    if let Ok(t) = Timestamp::parse_rfc3339(s) {
        return Ok(t.0);
    }
    let long = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let short = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    PrimitiveDateTime::parse(s, long)
        .or_else(|_| PrimitiveDateTime::parse(s, short))
        .or_else(|_| PrimitiveDateTime::parse(&s.replacen(' ', "T", 1), short))
        .map(|t| t.assume_utc().unix_timestamp())
        .map_err(|_| format!("'{s}' is not a date and time such as 2026-03-01T09:30 (UTC)"))
}

fn parse_link(s: &str) -> std::result::Result<String, String> {
    let s = optional_line(s, LINK_MAX)?;
    if s.is_empty() {
        return Ok(s);
    }
    let lower = s.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !s.contains(char::is_whitespace) => Ok(s),
        _ => Err("must be a web address starting with http:// or https://".into()),
    }
}

fn parse_duration(s: &str) -> std::result::Result<i64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(60);
    }
    match s.parse::<i64>() {
        Ok(n) if (1..=1440).contains(&n) => Ok(n),
        _ => Err("must be a whole number of minutes from 1 to 1440 (a day)".into()),
    }
}

/// Checks an event's input; the rule comes back canonical.
pub fn validate_event(input: &EventInput) -> std::result::Result<EventFields, FieldErrors> {
    let mut e = FieldErrors::new();
    let kind = if input.kind.trim().is_empty() {
        Some(EventKind::Regular)
    } else {
        e.check("kind", EventKind::parse(&input.kind))
    };
    let title = e.check("title", required_line(&input.title, TITLE_MAX));
    let description = e.check(
        "description",
        optional_text(&input.description, SHORT_TEXT_MAX),
    );
    let place = e.check("place", optional_line(&input.place, PLACE_MAX));
    let link = e.check("link", parse_link(&input.link));
    let starts_at = e.check("starts_at", parse_start(&input.starts_at));
    let duration = e.check("duration_minutes", parse_duration(&input.duration_minutes));
    let repeats = e.check("repeats", Repeats::parse(&input.repeats));
    let recurrence = match (repeats, starts_at) {
        (Some(r), Some(start)) => {
            let field = if r == Repeats::Custom {
                "rule"
            } else {
                "repeats"
            };
            e.check(field, r.rule(start, &input.rule))
                .map(|rule| rule.map(|r| r.to_rrule()).unwrap_or_default())
        }
        (Some(Repeats::Custom), None) => {
            // Still report a malformed rule when the start is missing.
            e.check("rule", Rule::parse(&input.rule).map(|_| String::new()))
        }
        _ => None,
    };
    match (
        kind,
        title,
        description,
        place,
        link,
        starts_at,
        duration,
        recurrence,
    ) {
        (
            Some(kind),
            Some(title),
            Some(description),
            Some(place),
            Some(link),
            Some(starts_at),
            Some(duration_minutes),
            Some(recurrence),
        ) if e.is_empty() => Ok(EventFields {
            kind,
            title,
            description,
            place,
            link,
            starts_at,
            duration_minutes,
            recurrence,
        }),
        _ => Err(e),
    }
}

/// The rule of an event's series, if it is one.
pub fn rule_of(e: &EventRow) -> Option<Rule> {
    if e.recurrence.is_empty() {
        None
    } else {
        Rule::parse(&e.recurrence).ok()
    }
}

/// Starts of an event in `[from, to)`, at most `limit`.
pub fn occurrences_of(e: &EventRow, from: i64, to: i64, limit: usize) -> Vec<i64> {
    match rule_of(e) {
        Some(rule) => rule.occurrences(e.starts_at, from, to, limit),
        None if e.starts_at >= from && e.starts_at < to && limit > 0 => vec![e.starts_at],
        None => Vec::new(),
    }
}

/// The rhythm of an event in words; empty for a one-off event.
pub fn rhythm_of(e: &EventRow) -> String {
    rule_of(e)
        .map(|r| r.describe(e.starts_at))
        .unwrap_or_default()
}

fn is_occurrence(e: &EventRow, at: i64) -> bool {
    occurrences_of(e, at, at.saturating_add(1), 1) == [at]
}

impl App {
    /// The community and the viewer's context, when the viewer may read
    /// its events.
    async fn community_for_events(
        &self,
        user: &SessionUser,
        slug: &str,
    ) -> Result<(Community, CommunityContext)> {
        let (c, _, ctx) = self.visible(user, slug).await?;
        if !policy::can_read_content(&ctx) {
            // Closed communities: members only; they know it exists.
            return Err(AppError::Forbidden(
                "only members can see this community's events".into(),
            ));
        }
        Ok((c, ctx))
    }

    async fn event_in(&self, community: CommunityId, id: EventId) -> Result<EventRow> {
        let e = self.store.event(id).await.or_not_found("event")?;
        if e.community_id != community {
            return Err(AppError::NotFound("event"));
        }
        Ok(e)
    }

    async fn occurrences_with_answers(
        &self,
        user: &SessionUser,
        community: CommunityId,
        events: &[EventRow],
        limit: usize,
    ) -> Result<Vec<Occurrence>> {
        let now = Timestamp::now().0;
        let horizon = now + UPCOMING_DAYS * DAY;
        let mut list: Vec<Occurrence> = Vec::new();
        for e in events.iter().filter(|e| e.cancelled_at.is_none()) {
            // An occurrence in progress is still upcoming.
            let from = now - e.duration_minutes * 60;
            for at in occurrences_of(e, from, horizon, limit) {
                list.push(Occurrence {
                    event: e.clone(),
                    at,
                    ends_at: at + e.duration_minutes * 60,
                    yes: 0,
                    maybe: 0,
                    no: 0,
                    mine: None,
                });
            }
        }
        list.sort_by_key(|o| (o.at, o.event.id));
        list.truncate(limit);
        let from = list.first().map_or(now, |o| o.at);
        let mut counts: HashMap<(EventId, i64), (i64, i64, i64)> = HashMap::new();
        for c in self.store.rsvp_counts(community, from).await? {
            let entry = counts.entry((c.event_id, c.occurrence_at)).or_default();
            match c.answer {
                RsvpAnswer::Yes => entry.0 += c.n,
                RsvpAnswer::Maybe => entry.1 += c.n,
                RsvpAnswer::No => entry.2 += c.n,
            }
        }
        let mine: HashMap<(EventId, i64), RsvpAnswer> = self
            .store
            .my_rsvps(community, user.id(), from)
            .await?
            .into_iter()
            .map(|r| ((r.event_id, r.occurrence_at), r.answer))
            .collect();
        for o in &mut list {
            let key = (o.event.id, o.at);
            if let Some((y, m, n)) = counts.get(&key) {
                (o.yes, o.maybe, o.no) = (*y, *m, *n);
            }
            o.mine = mine.get(&key).copied();
        }
        Ok(list)
    }

    /// The community's events: upcoming occurrences with answers, sessions
    /// held, and what the viewer may do.
    pub async fn event_list(&self, user: &SessionUser, slug: &str) -> Result<EventsView> {
        let (community, ctx) = self.community_for_events(user, slug).await?;
        let events = self.store.community_events(community.id).await?;
        let upcoming = self
            .occurrences_with_answers(user, community.id, &events, UPCOMING_MAX)
            .await?;
        let series = events
            .into_iter()
            .filter(|e| e.cancelled_at.is_none())
            .map(|e| {
                let r = rhythm_of(&e);
                (e, r)
            })
            .collect();
        Ok(EventsView {
            past: self.store.community_sessions(community.id, 20).await?,
            can_manage: policy::can_manage_events(&user.viewer, &ctx).is_allowed(),
            can_rsvp: policy::can_participate(&ctx).is_allowed(),
            community,
            upcoming,
            series,
        })
    }

    /// One event with its occurrences, answers and sessions.
    pub async fn event_detail(
        &self,
        user: &SessionUser,
        slug: &str,
        id: EventId,
    ) -> Result<EventView> {
        let (community, ctx) = self.community_for_events(user, slug).await?;
        let event = self.event_in(community.id, id).await?;
        let upcoming = self
            .occurrences_with_answers(user, community.id, std::slice::from_ref(&event), 10)
            .await?;
        let can_manage = policy::can_manage_events(&user.viewer, &ctx).is_allowed();
        let sessions_only = self.store.event_sessions(event.id).await?;
        let mut sessions = Vec::with_capacity(sessions_only.len());
        for s in sessions_only {
            let who = self.store.session_attendees(s.id).await?;
            sessions.push((s, who));
        }
        let now = Timestamp::now().0;
        let recordable = if can_manage {
            let mut v: Vec<i64> = occurrences_of(&event, now - RECORDABLE_DAYS * DAY, now + 1, 500)
                .into_iter()
                .filter(|at| event.cancelled_at.is_none_or(|c| *at < c))
                .filter(|at| !sessions.iter().any(|(s, _)| s.occurrence_at == *at))
                .collect();
            v.reverse();
            v.truncate(20);
            v
        } else {
            Vec::new()
        };
        let members = if can_manage {
            self.store.members(community.id).await?
        } else {
            Vec::new()
        };
        Ok(EventView {
            rhythm: rhythm_of(&event),
            rsvps: self.store.event_rsvps(event.id).await?,
            can_rsvp: policy::can_participate(&ctx).is_allowed(),
            community,
            event,
            upcoming,
            recordable,
            sessions,
            members,
            can_manage,
        })
    }

    /// Schedules an event (core group and administrators).
    pub async fn create_event(
        &self,
        user: &SessionUser,
        slug: &str,
        input: &EventInput,
    ) -> Result<EventId> {
        let (community, _, ctx) = self.visible(user, slug).await?;
        AppError::from_access(policy::can_manage_events(&user.viewer, &ctx), "community")?;
        let fields = validate_event(input)?;
        Ok(self
            .store
            .create_event(community.id, &fields, user.id(), Timestamp::now().0)
            .await?)
    }

    /// Changes an event (core group and administrators).
    pub async fn update_event(
        &self,
        user: &SessionUser,
        slug: &str,
        id: EventId,
        input: &EventInput,
    ) -> Result<()> {
        let (community, _, ctx) = self.visible(user, slug).await?;
        AppError::from_access(policy::can_manage_events(&user.viewer, &ctx), "community")?;
        let event = self.event_in(community.id, id).await?;
        if event.cancelled_at.is_some() {
            return Err(AppError::conflict("event", "this event is cancelled"));
        }
        let fields = validate_event(input)?;
        self.store
            .update_event(event.id, &fields)
            .await
            .or_not_found("event")
    }

    /// Cancels an event, with every occurrence still to come.
    pub async fn cancel_event(&self, user: &SessionUser, slug: &str, id: EventId) -> Result<()> {
        let (community, _, ctx) = self.visible(user, slug).await?;
        AppError::from_access(policy::can_manage_events(&user.viewer, &ctx), "community")?;
        let event = self.event_in(community.id, id).await?;
        self.store
            .cancel_event(event.id, Timestamp::now().0)
            .await
            .or_not_found("event")
    }

    /// Answers "will you come?" for one occurrence (anyone who may take part).
    pub async fn rsvp(
        &self,
        user: &SessionUser,
        slug: &str,
        id: EventId,
        occurrence_at: i64,
        answer: &str,
    ) -> Result<RsvpAnswer> {
        let (community, _, ctx) = self.visible(user, slug).await?;
        AppError::from_access(policy::can_participate(&ctx), "community")?;
        let event = self.event_in(community.id, id).await?;
        let answer = RsvpAnswer::parse(answer).map_err(|m| AppError::invalid("answer", m))?;
        if event.cancelled_at.is_some() {
            return Err(AppError::invalid(
                "occurrence_at",
                "this event is cancelled",
            ));
        }
        if !is_occurrence(&event, occurrence_at) {
            return Err(AppError::invalid(
                "occurrence_at",
                "the event does not take place at that time",
            ));
        }
        let now = Timestamp::now().0;
        if occurrence_at + event.duration_minutes * 60 <= now {
            return Err(AppError::invalid(
                "occurrence_at",
                "this occurrence is over; answers are for what is still to come",
            ));
        }
        self.store
            .set_rsvp(event.id, occurrence_at, user.id(), answer, now)
            .await?;
        Ok(answer)
    }

    /// Records an occurrence as held and who attended (core group and
    /// administrators). Attendees must be members; each person's
    /// attendance is recorded once. Activity events take the occurrence's
    /// time, which is what the pulse's rhythm measures.
    pub async fn record_session(
        &self,
        user: &SessionUser,
        slug: &str,
        id: EventId,
        occurrence_at: i64,
        attendees: &[PersonId],
        notes: &str,
    ) -> Result<RecordedSession> {
        let (community, _, ctx) = self.visible(user, slug).await?;
        AppError::from_access(policy::can_manage_events(&user.viewer, &ctx), "community")?;
        let event = self.event_in(community.id, id).await?;
        let mut e = FieldErrors::new();
        let notes = e
            .check("notes", optional_text(notes, SHORT_TEXT_MAX))
            .unwrap_or_default();
        let now = Timestamp::now().0;
        if !is_occurrence(&event, occurrence_at) {
            e.add(
                "occurrence_at",
                "the event does not take place at that time",
            );
        } else if occurrence_at > now {
            e.add(
                "occurrence_at",
                "this occurrence has not started yet; record it once it has been held",
            );
        } else if event.cancelled_at.is_some_and(|c| occurrence_at >= c) {
            e.add("occurrence_at", "this occurrence was cancelled");
        }
        let members = self.store.members(community.id).await?;
        if let Some(stranger) = attendees
            .iter()
            .find(|p| !members.iter().any(|m| m.person_id == **p))
        {
            e.add(
                "attendees",
                format!("person {stranger} is not a member of this community"),
            );
        }
        e.into_result()?;
        let at = Timestamp(occurrence_at);
        let c = community.id;
        let held =
            NewActivity::new(at, ActivityKind::EventHeld, user.id(), user.unit).in_community(c);
        // The actor of `event.attended` is the attendee (their unit is
        // filled in by the store); this template carries the rest.
        let attended =
            NewActivity::new(at, ActivityKind::EventAttended, user.id(), None).in_community(c);
        Ok(self
            .store
            .record_session(
                &SessionRecord {
                    event: event.id,
                    occurrence_at,
                    notes: &notes,
                    recorded_at: now,
                    attendees,
                },
                &held,
                &attended,
            )
            .await?)
    }

    /// When the signed-in person's calendar key was made, if they have one.
    /// The key itself is shown once, when made: only its hash is kept.
    pub async fn calendar_key_created(&self, user: &SessionUser) -> Result<Option<Timestamp>> {
        Ok(self
            .store
            .calendar_key_created(user.id())
            .await?
            .map(Timestamp))
    }

    /// Makes the person a new calendar key and returns it, to show once;
    /// feeds with the old one stop.
    pub async fn new_calendar_key(&self, user: &SessionUser) -> Result<String> {
        let secret = crate::auth::random_token();
        self.store
            .set_calendar_key(
                user.id(),
                &crate::auth::hash_token(&secret),
                Timestamp::now().0,
            )
            .await?;
        Ok(secret)
    }

    /// A community's calendar, for a feed reader: open communities to
    /// anyone; others to the holder of a member's key (or a signed-in
    /// reader). Anything else — unknown community, wrong or missing key, a
    /// key whose owner may not read the community — is "not found", with
    /// no hint of which.
    pub async fn calendar_feed(
        &self,
        slug: &str,
        key: Option<&str>,
        signed_in: Option<&SessionUser>,
    ) -> Result<CalendarFeed> {
        let hidden = || AppError::NotFound("calendar");
        let slug = Slug::parse(slug).map_err(|_| hidden())?;
        let community = self
            .store
            .community_by_slug(slug.as_str())
            .await
            .or_not_found("calendar")?;
        let key = key.map(str::trim).filter(|k| !k.is_empty());
        let reader = match key {
            Some(k) => {
                // Secrets are URL-safe characters; anything else (a NUL
                // byte PostgreSQL would refuse, say) matches nobody.
                if k.len() > 200
                    || !k
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    return Err(hidden());
                }
                Some(
                    self.store
                        .person_by_calendar_key(&crate::auth::hash_token(k))
                        .await?
                        .ok_or_else(hidden)?,
                )
            }
            None => signed_in.map(|u| u.id()),
        };
        let allowed = match reader {
            Some(person) => {
                let s = self.store.standing(community.id, person).await?;
                policy::can_read_content(&context(&community, &s))
            }
            None => community.visibility == Visibility::Open,
        };
        if !allowed {
            return Err(hidden());
        }
        Ok(CalendarFeed {
            events: self.store.community_events(community.id).await?,
            community,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> EventInput {
        EventInput {
            title: "Monthly meetup".into(),
            starts_at: "2026-01-13T17:00".into(),
            duration_minutes: "90".into(),
            ..EventInput::default()
        }
    }

    #[test]
    fn valid_input_gives_canonical_fields() {
        let f = validate_event(&EventInput {
            repeats: "monthly".into(),
            link: "https://meet.example/abc".into(),
            ..input()
        })
        .expect("valid");
        assert_eq!(f.recurrence, "FREQ=MONTHLY;BYDAY=2TU");
        assert_eq!(f.kind, EventKind::Regular);
        assert_eq!(Timestamp(f.starts_at).to_rfc3339(), "2026-01-13T17:00:00Z");
    }

    #[test]
    fn each_field_says_what_is_wrong() {
        let e = validate_event(&EventInput {
            title: "x".repeat(121),
            starts_at: "next tuesday".into(),
            duration_minutes: "0".into(),
            link: "javascript:alert(1)".into(),
            repeats: "custom".into(),
            rule: "FREQ=WEEKLY;COUNT=2;UNTIL=20270101".into(),
            kind: "party".into(),
            ..EventInput::default()
        })
        .expect_err("invalid");
        assert!(e.get("title").is_some_and(|m| m.contains("120")));
        assert!(
            e.get("starts_at")
                .is_some_and(|m| m.contains("2026-03-01T09:30"))
        );
        assert!(
            e.get("duration_minutes")
                .is_some_and(|m| m.contains("1 to 1440"))
        );
        assert!(e.get("link").is_some_and(|m| m.contains("http")));
        assert!(e.get("rule").is_some_and(|m| m.contains("COUNT and UNTIL")));
        assert!(e.get("kind").is_some());
        let e = validate_event(&EventInput {
            title: " ".into(),
            ..input()
        })
        .expect_err("invalid");
        assert_eq!(e.get("title"), Some("is required"));
    }

    #[test]
    fn occurrences_of_one_off_and_series() {
        let f = validate_event(&input()).expect("valid");
        let e = EventRow {
            id: EventId(1),
            community_id: CommunityId(1),
            kind: f.kind,
            title: f.title,
            description: String::new(),
            place: String::new(),
            link: String::new(),
            starts_at: f.starts_at,
            duration_minutes: 90,
            recurrence: String::new(),
            created_by: None,
            created_at: 0,
            cancelled_at: None,
        };
        assert!(is_occurrence(&e, e.starts_at));
        assert!(!is_occurrence(&e, e.starts_at + 1));
        let weekly = EventRow {
            recurrence: "FREQ=WEEKLY".into(),
            ..e.clone()
        };
        assert!(is_occurrence(&weekly, e.starts_at + 7 * DAY));
        assert!(!is_occurrence(&weekly, e.starts_at + 6 * DAY));
        assert_eq!(rhythm_of(&weekly), "every Tuesday");
    }
}
