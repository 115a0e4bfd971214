//! Events pages: a community's upcoming occurrences with RSVPs, its past
//! sessions and the "schedule an event" form (core group); one event with
//! its occurrences, answers and the "record as held, who attended" form;
//! and the community's iCalendar feed.

use super::{PageResult, fmt, form_error};
use crate::AppState;
use crate::extract::{FormPairs, PageCtx, PageForm, PageQuery, PageUser, Visitor, path_id};
use crate::ics;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guildhall_app::AppError;
use guildhall_app::events::{EventInput, EventView, EventsView};
use guildhall_domain::recurrence::Repeats;
use guildhall_domain::{EventId, EventKind, FieldErrors, PersonId, RsvpAnswer, Timestamp};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/communities/{slug}/events", get(list).post(create))
        .route("/communities/{slug}/events/calendar-key", post(rotate_key))
        .route("/communities/{slug}/events/{id}", get(show))
        .route(
            "/communities/{slug}/events/{id}/edit",
            get(edit_page).post(edit),
        )
        .route("/communities/{slug}/events/{id}/rsvp", post(rsvp))
        .route("/communities/{slug}/events/{id}/held", post(held))
        .route("/communities/{slug}/events/{id}/cancel", post(cancel))
        .route("/communities/{slug}/calendar.ics", get(calendar))
}

/// Display helpers for the events templates.
pub mod ev {
    use super::fmt::Int;
    use guildhall_domain::Timestamp;

    /// `Tue 2026-03-03 09:30 UTC`.
    pub fn when(t: impl Int) -> String {
        let t = t.int();
        let s = Timestamp(t).to_rfc3339();
        match (s.get(..10), s.get(11..16)) {
            (Some(d), Some(h)) => format!("{} {d} {h} UTC", weekday(t)),
            _ => s,
        }
    }

    fn weekday(t: i64) -> &'static str {
        // 1 January 1970 was a Thursday.
        const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
        DAYS.get(t.div_euclid(86_400).rem_euclid(7) as usize)
            .copied()
            .unwrap_or("")
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct EventForm {
    kind: String,
    title: String,
    description: String,
    place: String,
    link: String,
    starts_at: String,
    duration_minutes: String,
    repeats: String,
    rule: String,
}

impl EventForm {
    fn input(&self) -> EventInput {
        EventInput {
            kind: self.kind.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            place: self.place.clone(),
            link: self.link.clone(),
            starts_at: self.starts_at.clone(),
            duration_minutes: self.duration_minutes.clone(),
            repeats: self.repeats.clone(),
            rule: self.rule.clone(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "events.html")]
struct EventsPage {
    ctx: PageCtx,
    v: EventsView,
    form: EventForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
    feed: CalendarLink,
    kinds: &'static [EventKind],
    repeats: &'static [Repeats],
    answers: &'static [RsvpAnswer],
}

#[derive(Template, WebTemplate)]
#[template(path = "event.html")]
struct EventPage {
    ctx: PageCtx,
    v: EventView,
    errors: FieldErrors,
    notice: Option<&'static str>,
    answers: &'static [RsvpAnswer],
}

impl EventPage {
    fn rsvps_at(&self, at: &i64) -> Vec<&guildhall_store::Rsvp> {
        let at = *at;
        self.v
            .rsvps
            .iter()
            .filter(|r| r.occurrence_at == at)
            .collect()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoticeQuery {
    notice: Option<String>,
}

fn notice_text(n: Option<&str>) -> Option<&'static str> {
    match n {
        Some("scheduled") => Some("The event is scheduled."),
        Some("answered") => Some("Your answer is recorded."),
        Some("held") => Some("The session is recorded as held, with who attended."),
        Some("cancelled") => Some("The event is cancelled."),
        Some("updated") => Some("The event is updated."),
        _ => None,
    }
}

/// How the events page offers the community's calendar feed.
struct CalendarLink {
    /// The address to subscribe to; empty when it is personal and cannot
    /// be shown (only a hash of the key is kept).
    url: String,
    /// Closed and private communities' feeds need the reader's own key.
    personal: bool,
    /// When the reader's key was made, if they have one.
    key_since: Option<guildhall_domain::Timestamp>,
}

/// The feed link; `new_key` is a key just made, the one time it is shown.
async fn calendar_link(
    s: &AppState,
    p: &PageUser,
    v: &EventsView,
    new_key: Option<&str>,
) -> Result<CalendarLink, AppError> {
    let base = format!("/communities/{}/calendar.ics", v.community.slug);
    if v.community.visibility == guildhall_domain::Visibility::Open {
        return Ok(CalendarLink {
            url: base,
            personal: false,
            key_since: None,
        });
    }
    Ok(CalendarLink {
        url: new_key.map_or_else(String::new, |k| format!("{base}?key={k}")),
        personal: true,
        key_since: s.app.calendar_key_created(&p.user).await?,
    })
}

async fn list(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    let v = s.app.event_list(&p.user, &slug).await?;
    let feed = calendar_link(&s, &p, &v, None).await?;
    Ok(EventsPage {
        ctx: p.ctx.with_nav("communities"),
        v,
        form: EventForm {
            duration_minutes: "60".into(),
            ..EventForm::default()
        },
        errors: FieldErrors::new(),
        notice: notice_text(q.notice.as_deref()),
        feed,
        kinds: EventKind::ALL,
        repeats: Repeats::ALL,
        answers: RsvpAnswer::ALL,
    }
    .into_response())
}

async fn create(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
    PageForm(f): PageForm<EventForm>,
) -> PageResult {
    match s.app.create_event(&p.user, &slug, &f.input()).await {
        Ok(id) => Ok(
            Redirect::to(&format!("/communities/{slug}/events/{id}?notice=scheduled"))
                .into_response(),
        ),
        Err(e) => {
            let v = s.app.event_list(&p.user, &slug).await?;
            let feed = calendar_link(&s, &p, &v, None).await?;
            let ctx = p.ctx.with_nav("communities");
            form_error(e, |errors| EventsPage {
                ctx,
                v,
                form: f,
                errors,
                notice: None,
                feed,
                kinds: EventKind::ALL,
                repeats: Repeats::ALL,
                answers: RsvpAnswer::ALL,
            })
        }
    }
}

async fn show(
    State(s): State<AppState>,
    p: PageUser,
    Path((slug, id)): Path<(String, String)>,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    let id = path_id(&id, "event")?;
    let v = s.app.event_detail(&p.user, &slug, id).await?;
    Ok(EventPage {
        ctx: p.ctx.with_nav("communities"),
        v,
        errors: FieldErrors::new(),
        notice: notice_text(q.notice.as_deref()),
        answers: RsvpAnswer::ALL,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "event_edit.html")]
struct EventEditPage {
    ctx: PageCtx,
    v: EventView,
    form: EventForm,
    errors: FieldErrors,
    kinds: &'static [EventKind],
    repeats: &'static [Repeats],
}

impl EventForm {
    /// The form as the event stands: a rhythm is shown as its rule.
    fn of(e: &guildhall_store::EventRow) -> Self {
        let starts: String = Timestamp(e.starts_at)
            .to_rfc3339()
            .chars()
            .take(16)
            .collect();
        let (repeats, rule) = if e.recurrence.is_empty() {
            (Repeats::No, String::new())
        } else {
            (Repeats::Custom, e.recurrence.clone())
        };
        EventForm {
            kind: e.kind.to_string(),
            title: e.title.clone(),
            description: e.description.clone(),
            place: e.place.clone(),
            link: e.link.clone(),
            starts_at: starts,
            duration_minutes: e.duration_minutes.to_string(),
            repeats: repeats.as_str().into(),
            rule,
        }
    }
}

/// The event, if the person may change it (the core group, administrators
/// who may read the community) and it is not cancelled.
async fn editable(s: &AppState, p: &PageUser, slug: &str, id: &str) -> Result<EventView, AppError> {
    let id = path_id(id, "event")?;
    let v = s.app.event_detail(&p.user, slug, id).await?;
    if !v.can_manage {
        return Err(AppError::Forbidden(
            "only the community's core group can change its events".into(),
        ));
    }
    if v.event.cancelled_at.is_some() {
        return Err(AppError::Conflict {
            field: None,
            message: "this event is cancelled".into(),
        });
    }
    Ok(v)
}

async fn edit_page(
    State(s): State<AppState>,
    p: PageUser,
    Path((slug, id)): Path<(String, String)>,
) -> PageResult {
    let v = editable(&s, &p, &slug, &id).await?;
    Ok(EventEditPage {
        form: EventForm::of(&v.event),
        ctx: p.ctx.with_nav("communities"),
        v,
        errors: FieldErrors::new(),
        kinds: EventKind::ALL,
        repeats: Repeats::ALL,
    }
    .into_response())
}

async fn edit(
    State(s): State<AppState>,
    p: PageUser,
    Path((slug, id)): Path<(String, String)>,
    PageForm(f): PageForm<EventForm>,
) -> PageResult {
    let v = editable(&s, &p, &slug, &id).await?;
    let event = v.event.id;
    match s.app.update_event(&p.user, &slug, event, &f.input()).await {
        Ok(()) => Ok(Redirect::to(&format!(
            "/communities/{slug}/events/{event}?notice=updated"
        ))
        .into_response()),
        Err(e) => {
            let ctx = p.ctx.with_nav("communities");
            form_error(e, |errors| EventEditPage {
                ctx,
                v,
                form: f,
                errors,
                kinds: EventKind::ALL,
                repeats: Repeats::ALL,
            })
        }
    }
}

/// Re-renders the event page with errors of a form on it.
async fn event_form_error(
    s: &AppState,
    p: PageUser,
    slug: &str,
    id: EventId,
    e: AppError,
) -> PageResult {
    let v = s.app.event_detail(&p.user, slug, id).await?;
    let ctx = p.ctx.with_nav("communities");
    form_error(e, |errors| EventPage {
        ctx,
        v,
        errors,
        notice: None,
        answers: RsvpAnswer::ALL,
    })
}

fn parse_occurrence(raw: &str) -> Result<i64, AppError> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| AppError::invalid("occurrence_at", "choose an occurrence of the event"))
}

async fn rsvp(
    State(s): State<AppState>,
    p: PageUser,
    Path((slug, id)): Path<(String, String)>,
    form: FormPairs,
) -> PageResult {
    let id = path_id(&id, "event")?;
    let back = if form.get("back") == "list" {
        format!("/communities/{slug}/events?notice=answered")
    } else {
        format!("/communities/{slug}/events/{id}?notice=answered")
    };
    let result = match parse_occurrence(&form.get("occurrence_at")) {
        Ok(at) => s
            .app
            .rsvp(&p.user, &slug, id, at, &form.get("answer"))
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&back).into_response()),
        Err(e) => event_form_error(&s, p, &slug, id, e).await,
    }
}

async fn held(
    State(s): State<AppState>,
    p: PageUser,
    Path((slug, id)): Path<(String, String)>,
    form: FormPairs,
) -> PageResult {
    let id = path_id(&id, "event")?;
    let attendees: Result<Vec<PersonId>, AppError> = form
        .all("attendees")
        .iter()
        .map(|a| {
            a.trim()
                .parse::<PersonId>()
                .map_err(|_| AppError::invalid("attendees", "choose people from the list"))
        })
        .collect();
    let result = match (parse_occurrence(&form.get("occurrence_at")), attendees) {
        (Ok(at), Ok(people)) => s
            .app
            .record_session(&p.user, &slug, id, at, &people, &form.get("notes"))
            .await
            .map(|_| ()),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/communities/{slug}/events/{id}?notice=held")).into_response(),
        ),
        Err(e) => event_form_error(&s, p, &slug, id, e).await,
    }
}

async fn cancel(
    State(s): State<AppState>,
    p: PageUser,
    Path((slug, id)): Path<(String, String)>,
) -> PageResult {
    let id = path_id(&id, "event")?;
    s.app.cancel_event(&p.user, &slug, id).await?;
    Ok(Redirect::to(&format!("/communities/{slug}/events/{id}?notice=cancelled")).into_response())
}

/// Makes the reader a new personal calendar key and shows the address
/// with it, this once (the page is not cached: signed-in answers are
/// `no-store`).
async fn rotate_key(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
) -> PageResult {
    // Only for readers of the community's events.
    let v = s.app.event_list(&p.user, &slug).await?;
    let key = s.app.new_calendar_key(&p.user).await?;
    let feed = calendar_link(&s, &p, &v, Some(&key)).await?;
    Ok(EventsPage {
        ctx: p.ctx.with_nav("communities"),
        v,
        form: EventForm {
            duration_minutes: "60".into(),
            ..EventForm::default()
        },
        errors: FieldErrors::new(),
        notice: Some(
            "Your calendar address is new; any address you made before no longer works. Copy it now: it is shown only this once.",
        ),
        feed,
        kinds: EventKind::ALL,
        repeats: Repeats::ALL,
        answers: RsvpAnswer::ALL,
    }
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FeedQuery {
    key: Option<String>,
}

/// The community's calendar as iCalendar. Every refusal is the same 404.
async fn calendar(
    State(s): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
    PageQuery(q): PageQuery<FeedQuery>,
) -> Result<Response, crate::error::PageError> {
    let feed = s
        .app
        .calendar_feed(&slug, q.key.as_deref(), visitor.user.as_ref())
        .await?;
    let body = ics::render(&feed, Timestamp::now().0);
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    // A feed opened by a private key must not be kept by shared caches.
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    Ok(r)
}

#[cfg(test)]
mod tests {
    #[test]
    fn when_names_the_weekday() {
        // 6 January 2026 is a Tuesday.
        assert_eq!(
            super::ev::when(1_767_718_800_i64),
            "Tue 2026-01-06 17:00 UTC"
        );
    }
}
