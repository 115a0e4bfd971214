//! Knowledge resources in the JSON API: list, read, create, revise on a
//! base revision (409 when someone revised it since), history, the diff
//! between two revisions, status moves. Its own OpenAPI part, merged into
//! the document by `openapi_document`.

use super::ApiResult;
use crate::AppState;
use crate::error::ErrorBody;
use crate::extract::{ApiJson, ApiQuery, ApiUser, path_id};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use guildhall_app::AppError;
use guildhall_app::resources::{
    ResourceHistory, ResourceInput, ResourceQuery, ResourceView, RevisionInput,
};
use guildhall_domain::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/communities/{slug}/resources",
            get(list_resources).post(create_resource),
        )
        .route("/resources/{id}", get(get_resource))
        .route(
            "/resources/{id}/revisions",
            get(resource_history).post(revise_resource),
        )
        .route("/resources/{id}/diff", get(resource_diff))
        .route("/resources/{id}/status", post(change_status))
}

#[derive(OpenApi)]
#[openapi(paths(
    list_resources,
    create_resource,
    get_resource,
    revise_resource,
    resource_history,
    resource_diff,
    change_status
))]
pub struct ResourceApi;

fn time(t: i64) -> String {
    Timestamp(t).to_rfc3339()
}

fn tags(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

// ---- bodies ----------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct ResourceSummary {
    pub id: i64,
    pub community_id: i64,
    /// document, lesson, example, tool, process or standard.
    pub kind: String,
    pub title: String,
    /// The current revision's number (1 for a new resource).
    pub revision: i64,
    /// draft, endorsed or standard.
    pub status: String,
    pub tags: Vec<String>,
    pub created_by: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    /// The thread a lesson learned was harvested from.
    pub source_thread_id: Option<i64>,
}

impl From<guildhall_store::ResourceSummary> for ResourceSummary {
    fn from(r: guildhall_store::ResourceSummary) -> Self {
        ResourceSummary {
            id: r.id.0,
            community_id: r.community_id.0,
            kind: r.kind.to_string(),
            title: r.title,
            revision: r.revision,
            status: r.status.to_string(),
            tags: tags(&r.tags),
            created_by: r.created_by.map(|v| v.0),
            created_at: time(r.created_at),
            updated_at: time(r.updated_at),
            source_thread_id: r.source_thread_id.map(|v| v.0),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ResourceList {
    pub items: Vec<ResourceSummary>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A resource with its current revision.
#[derive(Serialize, ToSchema)]
pub struct Resource {
    pub id: i64,
    pub community_id: i64,
    pub community_slug: String,
    pub kind: String,
    pub title: String,
    pub revision: i64,
    pub status: String,
    pub tags: Vec<String>,
    /// The current revision's text, Markdown.
    pub body: String,
    pub created_by: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    /// Who wrote the current revision.
    pub revised_by: Option<i64>,
    pub source_thread_id: Option<i64>,
    /// Whether the caller may revise it.
    pub can_revise: bool,
    /// The statuses the caller may move it to.
    pub status_moves: Vec<String>,
}

impl From<ResourceView> for Resource {
    fn from(v: ResourceView) -> Self {
        let r = v.resource;
        Resource {
            id: r.id.0,
            community_id: r.community_id.0,
            community_slug: v.community.slug,
            kind: r.kind.to_string(),
            title: r.title,
            revision: r.revision,
            status: r.status.to_string(),
            tags: tags(&r.tags),
            body: r.body,
            created_by: r.created_by.map(|v| v.0),
            created_at: time(r.created_at),
            updated_at: time(r.updated_at),
            revised_by: r.revised_by.map(|v| v.0),
            source_thread_id: r.source_thread_id.map(|v| v.0),
            can_revise: v.can_revise,
            status_moves: v.moves.iter().map(|m| m.as_str().to_owned()).collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceCreate {
    /// document, lesson, example, tool, process or standard.
    pub kind: String,
    pub title: String,
    /// Markdown, at most 50,000 characters.
    pub body: String,
    /// A note for the history.
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceRevise {
    pub title: String,
    /// Markdown, at most 50,000 characters.
    pub body: String,
    /// What changed, and why.
    #[serde(default)]
    pub summary: String,
    /// The revision this text was edited from; if the resource has moved
    /// on since, the answer is 409 and nothing is saved.
    pub base_revision: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RevisionItem {
    pub number: i64,
    pub title: String,
    pub summary: String,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct StatusChangeItem {
    pub from: String,
    pub to: String,
    pub by: Option<i64>,
    pub note: String,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ResourceHistoryBody {
    /// Newest first.
    pub revisions: Vec<RevisionItem>,
    /// Newest first.
    pub status_changes: Vec<StatusChangeItem>,
}

impl From<ResourceHistory> for ResourceHistoryBody {
    fn from(h: ResourceHistory) -> Self {
        ResourceHistoryBody {
            revisions: h
                .revisions
                .into_iter()
                .map(|r| RevisionItem {
                    number: r.number,
                    title: r.title,
                    summary: r.summary,
                    author_id: r.author_id.map(|v| v.0),
                    author_name: r.author_name,
                    at: time(r.at),
                })
                .collect(),
            status_changes: h
                .status_changes
                .into_iter()
                .map(|s| StatusChangeItem {
                    from: s.from_status.to_string(),
                    to: s.to_status.to_string(),
                    by: s.changed_by.map(|v| v.0),
                    note: s.note,
                    at: time(s.at),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TitleChange {
    pub from: String,
    pub to: String,
}

#[derive(Serialize, ToSchema)]
pub struct DiffLine {
    /// same, added, removed, or gap (unchanged lines left out; `text` says how many).
    pub change: String,
    pub old_line: Option<usize>,
    pub new_line: Option<usize>,
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct ResourceDiff {
    pub from: i64,
    pub to: i64,
    /// Present when the title changed.
    pub title: Option<TitleChange>,
    pub added: usize,
    pub removed: usize,
    pub lines: Vec<DiffLine>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// draft, endorsed or standard: one step from the current status.
    pub status: String,
    #[serde(default)]
    pub note: String,
}

// ---- handlers --------------------------------------------------------------

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ResourceParams {
    /// document, lesson, example, tool, process or standard.
    kind: Option<String>,
    /// draft, endorsed or standard.
    status: Option<String>,
    page: Option<i64>,
    /// 1 to 100, default 20.
    per_page: Option<i64>,
}

/// A community's resources, most recently updated first (404 for a private
/// community the caller is not in, 403 for a closed one).
#[utoipa::path(get, path = "/api/v1/communities/{slug}/resources", params(ResourceParams), tag = "resources",
    responses((status = 200, body = ResourceList), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_resources(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<ResourceParams>,
) -> ApiResult<Json<ResourceList>> {
    if let Some(pp) = q.per_page
        && !(1..=100).contains(&pp)
    {
        return Err(AppError::invalid("per_page", "must be between 1 and 100").into());
    }
    if q.page.is_some_and(|p| p < 1) {
        return Err(AppError::invalid("page", "must be at least 1").into());
    }
    let l = s
        .app
        .resources(
            &u,
            &slug,
            &ResourceQuery {
                kind: q.kind,
                status: q.status,
                page: q.page,
                per_page: q.per_page,
            },
        )
        .await?;
    Ok(Json(ResourceList {
        items: l.found.items.into_iter().map(Into::into).collect(),
        total: l.found.total,
        page: l.page,
        per_page: l.per_page,
    }))
}

/// Start a resource (a draft with its first revision).
#[utoipa::path(post, path = "/api/v1/communities/{slug}/resources", request_body = ResourceCreate, tag = "resources",
    responses((status = 201, body = Resource), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_resource(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    ApiJson(b): ApiJson<ResourceCreate>,
) -> ApiResult<(StatusCode, Json<Resource>)> {
    let input = ResourceInput {
        kind: b.kind,
        title: b.title,
        body: b.body,
        summary: b.summary,
        tags: b.tags.join(","),
    };
    let id = s.app.create_resource(&u, &slug, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(s.app.resource(&u, id).await?.into()),
    ))
}

/// One resource with its current revision.
#[utoipa::path(get, path = "/api/v1/resources/{id}", tag = "resources",
    responses((status = 200, body = Resource), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_resource(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Resource>> {
    let id = path_id(&id, "resource")?;
    Ok(Json(s.app.resource(&u, id).await?.into()))
}

/// Save a new revision on top of `base_revision` (409 if someone revised
/// the resource since; nothing is saved then).
#[utoipa::path(post, path = "/api/v1/resources/{id}/revisions", request_body = ResourceRevise, tag = "resources",
    responses((status = 201, body = Resource), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn revise_resource(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ResourceRevise>,
) -> ApiResult<(StatusCode, Json<Resource>)> {
    let id = path_id(&id, "resource")?;
    let input = RevisionInput {
        title: b.title,
        body: b.body,
        summary: b.summary,
        base_revision: b.base_revision,
    };
    s.app.revise_resource(&u, id, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(s.app.resource(&u, id).await?.into()),
    ))
}

/// Every revision (without bodies) and status move, newest first.
#[utoipa::path(get, path = "/api/v1/resources/{id}/revisions", tag = "resources",
    responses((status = 200, body = ResourceHistoryBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn resource_history(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<ResourceHistoryBody>> {
    let id = path_id(&id, "resource")?;
    Ok(Json(s.app.resource_history(&u, id).await?.into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DiffParams {
    /// The older revision's number.
    from: i64,
    /// The newer revision's number.
    to: i64,
}

/// What changed between two revisions: the title and a line diff of the
/// bodies, with unchanged stretches folded.
#[utoipa::path(get, path = "/api/v1/resources/{id}/diff", params(DiffParams), tag = "resources",
    responses((status = 200, body = ResourceDiff), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn resource_diff(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DiffParams>,
) -> ApiResult<Json<ResourceDiff>> {
    let id = path_id(&id, "resource")?;
    let d = s.app.resource_diff(&u, id, q.from, q.to).await?;
    let c = d.change;
    Ok(Json(ResourceDiff {
        from: d.from.number,
        to: d.to.number,
        title: c.title.map(|(from, to)| TitleChange { from, to }),
        added: c.added,
        removed: c.removed,
        lines: c
            .lines
            .into_iter()
            .map(|l| DiffLine {
                change: l.change.as_str().into(),
                old_line: l.old_line,
                new_line: l.new_line,
                text: l.text,
            })
            .collect(),
    }))
}

/// Move the resource one step: draft ↔ endorsed ↔ standard (coordinators
/// and core members).
#[utoipa::path(post, path = "/api/v1/resources/{id}/status", request_body = StatusBody, tag = "resources",
    responses((status = 200, body = Resource), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn change_status(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<StatusBody>,
) -> ApiResult<Json<Resource>> {
    let id = path_id(&id, "resource")?;
    s.app
        .change_resource_status(&u, id, &b.status, &b.note)
        .await?;
    Ok(Json(s.app.resource(&u, id).await?.into()))
}
