//! Administration in the API: merging two records of one person (and
//! undoing it), the audit log.

use super::ApiResult;
use crate::AppState;
use crate::error::ErrorBody;
use crate::extract::{ApiJson, ApiQuery, ApiUser, ClientAddress, path_id};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use guildhall_app::{Actor, AppError};
use guildhall_domain::Timestamp;
use guildhall_store::{AuditFilter, PersonMerge};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/people/merges", get(list_merges).post(merge))
        .route("/people/merges/{id}/undo", post(undo))
        .route("/audit", get(audit))
}

#[derive(OpenApi)]
#[openapi(paths(list_merges, merge, undo, audit))]
pub struct AdminDoc;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The person who stays: an id or an email address.
    pub keep: String,
    /// The person merged away: an id or an email address.
    pub absorb: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct Merge {
    pub id: i64,
    pub kept_id: i64,
    pub kept_name: String,
    pub absorbed_id: i64,
    pub absorbed_name: String,
    pub reason: String,
    pub merged_by: Option<String>,
    pub merged_at: String,
    pub undone_by: Option<String>,
    pub undone_at: Option<String>,
    /// Rows the merge moved or set aside.
    pub rows_moved: i64,
}

impl From<PersonMerge> for Merge {
    fn from(m: PersonMerge) -> Self {
        Merge {
            id: m.id,
            kept_id: m.kept_id,
            kept_name: m.kept_name,
            absorbed_id: m.absorbed_id,
            absorbed_name: m.absorbed_name,
            reason: m.reason,
            merged_by: m.merged_by_name,
            merged_at: Timestamp(m.merged_at).to_rfc3339(),
            undone_by: m.undone_by_name,
            undone_at: m.undone_at.map(|t| Timestamp(t).to_rfc3339()),
            rows_moved: m.rows_moved,
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
struct PageParams {
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Merges, newest first (administrators).
#[utoipa::path(get, path = "/api/v1/people/merges", params(PageParams), tag = "people",
    responses((status = 200, body = [Merge]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_merges(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    addr: ClientAddress,
    ApiQuery(q): ApiQuery<PageParams>,
) -> ApiResult<Json<Vec<Merge>>> {
    let per_page = q.per_page.unwrap_or(50).clamp(1, 500);
    let offset = (q.page.unwrap_or(1).clamp(1, 1_000_000) - 1) * per_page;
    let merges = s
        .app
        .person_merges(&Actor::person(&u, addr.0), per_page, offset)
        .await?;
    Ok(Json(merges.into_iter().map(Merge::from).collect()))
}

/// Merge two records of one person: everything the absorbed one did
/// becomes the kept person's (administrators).
#[utoipa::path(post, path = "/api/v1/people/merges", request_body = MergeRequest, tag = "people",
    responses((status = 201, body = Merge), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn merge(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    addr: ClientAddress,
    ApiJson(b): ApiJson<MergeRequest>,
) -> ApiResult<(StatusCode, Json<Merge>)> {
    let actor = Actor::person(&u, addr.0);
    let keep = s.app.person_by_reference("keep", &b.keep).await?;
    let absorb = s.app.person_by_reference("absorb", &b.absorb).await?;
    let m = s
        .app
        .merge_people(&actor, keep.id, absorb.id, &b.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// Undo a merge (newest first): the rows it moved go back.
#[utoipa::path(post, path = "/api/v1/people/merges/{id}/undo", params(("id" = i64, Path)), tag = "people",
    responses((status = 200, body = Merge), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn undo(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    addr: ClientAddress,
    Path(id): Path<String>,
) -> ApiResult<Json<Merge>> {
    let id = path_id(&id, "merge")?;
    let m = s
        .app
        .undo_person_merge(&Actor::person(&u, addr.0), id)
        .await?;
    Ok(Json(m.into()))
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
struct AuditParams {
    /// An action (`person.merged`), or a family ending in a dot (`sign_in.`).
    action: Option<String>,
    /// RFC 3339 time, inclusive.
    from: Option<String>,
    /// RFC 3339 time, exclusive.
    until: Option<String>,
    /// Entries older than this entry id (the next page).
    before: Option<i64>,
    /// At most 1,000.
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditItem {
    pub id: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub address: String,
}

/// The audit log, newest first (administrators).
#[utoipa::path(get, path = "/api/v1/audit", params(AuditParams), tag = "audit",
    responses((status = 200, body = [AuditItem]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn audit(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    addr: ClientAddress,
    ApiQuery(q): ApiQuery<AuditParams>,
) -> ApiResult<Json<Vec<AuditItem>>> {
    let time = |field: &str, v: &Option<String>| -> Result<Option<i64>, AppError> {
        v.as_deref()
            .map(|t| {
                Timestamp::parse_rfc3339(t)
                    .map(|t| t.0)
                    .map_err(|m| AppError::invalid(field, m))
            })
            .transpose()
    };
    if q.action.as_deref().is_some_and(|a| a.chars().count() > 100) {
        return Err(AppError::invalid("action", "must be at most 100 characters").into());
    }
    let filter = AuditFilter {
        action: q.action.clone(),
        actor: None,
        from: time("from", &q.from)?,
        until: time("until", &q.until)?,
        before: q.before,
        limit: q.limit.unwrap_or(100).clamp(1, 1_000),
    };
    let entries = s
        .app
        .audit_entries(&Actor::person(&u, addr.0), filter)
        .await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditItem {
                id: e.id,
                at: Timestamp(e.at).to_rfc3339(),
                actor_id: e.actor_id,
                actor_name: e.actor_name,
                action: e.action,
                subject: e.subject,
                detail: e.detail,
                address: e.address,
            })
            .collect(),
    ))
}
