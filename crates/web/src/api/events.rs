//! A community's events in the API: scheduling, answers, held sessions.

use super::ApiResult;
use super::dto::*;
use crate::AppState;
use crate::error::ErrorBody;
use crate::extract::{ApiJson, ApiUser, path_id};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use guildhall_app::AppError;
use guildhall_domain::PersonId;
use utoipa::OpenApi;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/communities/{slug}/events",
            get(list_events).post(create_event),
        )
        .route("/communities/{slug}/events/{id}/rsvp", post(rsvp))
        .route("/communities/{slug}/events/{id}/held", post(record_held))
}

#[derive(OpenApi)]
#[openapi(paths(list_events, create_event, rsvp, record_held))]
pub struct EventsDoc;

/// A community's events: series, occurrences of the next 90 days with
/// answers, sessions held.
#[utoipa::path(get, path = "/api/v1/communities/{slug}/events", tag = "events",
    responses((status = 200, body = EventList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_events(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
) -> ApiResult<Json<EventList>> {
    let v = s.app.event_list(&u, &slug).await?;
    Ok(Json(EventList {
        events: v.series.into_iter().map(|(e, _)| e.into()).collect(),
        upcoming: v.upcoming.into_iter().map(Into::into).collect(),
        held: v.past.into_iter().map(Into::into).collect(),
        can_manage: v.can_manage,
    }))
}

/// Schedule an event or a series (core group and administrators).
#[utoipa::path(post, path = "/api/v1/communities/{slug}/events", request_body = EventCreate, tag = "events",
    responses((status = 201, body = Event), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_event(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    ApiJson(b): ApiJson<EventCreate>,
) -> ApiResult<(StatusCode, Json<Event>)> {
    let repeats = if !b.repeats.trim().is_empty() {
        b.repeats
    } else if b.recurrence.trim().is_empty() {
        "no".into()
    } else {
        "custom".into()
    };
    let input = guildhall_app::events::EventInput {
        kind: b.kind,
        title: b.title,
        description: b.description,
        place: b.place,
        link: b.link,
        starts_at: b.starts_at,
        duration_minutes: b
            .duration_minutes
            .map(|d| d.to_string())
            .unwrap_or_default(),
        repeats,
        rule: b.recurrence,
    };
    let id = s.app.create_event(&u, &slug, &input).await?;
    let e = s.app.event_detail(&u, &slug, id).await?.event;
    Ok((StatusCode::CREATED, Json(e.into())))
}

fn occurrence_at(raw: &str) -> Result<i64, AppError> {
    guildhall_domain::Timestamp::parse_rfc3339(raw)
        .map(|t| t.0)
        .map_err(|m| AppError::invalid("occurrence_at", m))
}

/// Answer "will you come?" for one occurrence.
#[utoipa::path(post, path = "/api/v1/communities/{slug}/events/{id}/rsvp", request_body = RsvpBody, tag = "events",
    responses((status = 200, body = RsvpResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn rsvp(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(b): ApiJson<RsvpBody>,
) -> ApiResult<Json<RsvpResult>> {
    let id = path_id(&id, "event")?;
    let at = occurrence_at(&b.occurrence_at)?;
    let answer = s.app.rsvp(&u, &slug, id, at, &b.answer).await?;
    Ok(Json(RsvpResult {
        answer: answer.as_str().into(),
    }))
}

/// Record an occurrence as held and who attended (core group and
/// administrators); each person's attendance counts once.
#[utoipa::path(post, path = "/api/v1/communities/{slug}/events/{id}/held", request_body = HeldBody, tag = "events",
    responses((status = 200, body = HeldResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn record_held(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(b): ApiJson<HeldBody>,
) -> ApiResult<Json<HeldResult>> {
    let id = path_id(&id, "event")?;
    let at = occurrence_at(&b.occurrence_at)?;
    let attendees: Vec<PersonId> = b.attendees.iter().copied().map(PersonId).collect();
    let r = s
        .app
        .record_session(&u, &slug, id, at, &attendees, &b.notes)
        .await?;
    Ok(Json(HeldResult {
        session_id: r.session_id.0,
        new_session: r.new_session,
        newly_attended: r.newly_attended.into_iter().map(|p| p.0).collect(),
    }))
}
