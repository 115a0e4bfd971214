//! A community's calendar as iCalendar (RFC 5545): one VEVENT per event,
//! a series carrying its RRULE, times in UTC. The `icalendar` crate writes
//! the text, with its line folding and escaping.

use chrono::{DateTime, Utc};
use guildhall_app::events::CalendarFeed;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

fn utc(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or_default()
}

/// The feed's text; `now` stamps it (DTSTAMP).
pub fn render(feed: &CalendarFeed, now: i64) -> String {
    let c = &feed.community;
    let mut cal = Calendar::new();
    cal.name(&format!("{} · Guildhall", c.name));
    if !c.purpose.is_empty() {
        cal.description(&c.purpose);
    }
    for e in &feed.events {
        let mut ev = Event::new();
        ev.uid(&format!("event-{}@guildhall", e.id))
            .timestamp(utc(now))
            .created(utc(e.created_at))
            .summary(&e.title)
            .starts(utc(e.starts_at))
            .ends(utc(e.starts_at + e.duration_minutes * 60))
            .add_property("CATEGORIES", e.kind.as_str().to_uppercase());
        if !e.description.is_empty() {
            ev.description(&e.description);
        }
        if !e.place.is_empty() {
            ev.location(&e.place);
        }
        if !e.link.is_empty() {
            ev.url(&e.link);
        }
        if !e.recurrence.is_empty() {
            ev.add_property("RRULE", e.recurrence.as_str());
        }
        ev.status(if e.cancelled_at.is_some() {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
        cal.push(ev.done());
    }
    cal.done().to_string()
}
