//! The API of daily conversation: threads, replies, the solved mark,
//! thanks and the caller's notifications.

use super::ApiResult;
use crate::AppState;
use crate::error::ErrorBody;
use crate::extract::{ApiJson, ApiQuery, ApiUser, path_id};
use crate::markdown;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use guildhall_app::threads::{ThreadInput, ThreadQuery};
use guildhall_domain::Timestamp;
use guildhall_store as store;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/communities/{slug}/threads",
            get(list_threads).post(create_thread),
        )
        .route(
            "/threads/{id}",
            get(get_thread).put(edit_thread).delete(delete_thread),
        )
        .route("/threads/{id}/replies", post(create_reply))
        .route("/threads/{id}/solution", post(mark_solved))
        .route("/replies/{id}", put(edit_reply).delete(delete_reply))
        .route("/replies/{id}/thanks", post(thank))
        .route("/threads/{id}/harvest", post(harvest))
        .route("/resources/{id}/thanks", post(thank_resource))
        .route("/notifications", get(list_notifications))
        .route("/notifications/read", post(read_notifications))
}

#[derive(OpenApi)]
#[openapi(paths(
    list_threads,
    create_thread,
    get_thread,
    edit_thread,
    delete_thread,
    create_reply,
    mark_solved,
    edit_reply,
    delete_reply,
    thank,
    harvest,
    thank_resource,
    list_notifications,
    read_notifications
))]
pub struct ThreadsDoc;

fn time(t: i64) -> String {
    Timestamp(t).to_rfc3339()
}

#[derive(Serialize, ToSchema)]
pub struct ThreadSummary {
    pub id: i64,
    /// help, story or discussion
    pub kind: String,
    pub title: String,
    pub tags: Vec<String>,
    pub author_id: i64,
    pub author_name: String,
    pub created_at: String,
    pub last_activity_at: String,
    pub replies: i64,
    pub solved: bool,
}

impl From<&store::Thread> for ThreadSummary {
    fn from(t: &store::Thread) -> Self {
        ThreadSummary {
            id: t.id.0,
            kind: t.kind.to_string(),
            title: t.title.clone(),
            tags: split_tags(&t.tags),
            author_id: t.author_id.0,
            author_name: t.author_name.clone(),
            created_at: time(t.created_at),
            last_activity_at: time(t.last_activity_at),
            replies: t.reply_count,
            solved: t.solved_reply_id.is_some(),
        }
    }
}

fn split_tags(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct ThreadList {
    pub items: Vec<ThreadSummary>,
    pub total: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ReplyBody {
    pub id: i64,
    pub author_id: i64,
    pub author_name: String,
    /// Markdown as written (empty when deleted).
    pub body: String,
    /// The Markdown rendered to sanitized HTML.
    pub body_html: String,
    pub created_at: String,
    pub edited_at: Option<String>,
    pub deleted: bool,
    pub thanks: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ThreadDetail {
    pub id: i64,
    pub community: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub tags: Vec<String>,
    pub author_id: i64,
    pub author_name: String,
    pub created_at: String,
    pub edited_at: Option<String>,
    /// For a solved help request: the reply that helped and its author.
    pub solved_reply_id: Option<i64>,
    pub helper_id: Option<i64>,
    pub replies: Vec<ReplyBody>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreadCreate {
    /// help, story or discussion
    pub kind: String,
    pub title: String,
    /// Markdown, at most 50,000 characters.
    pub body: String,
    /// Comma-separated topics.
    #[serde(default)]
    pub tags: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreadUpdate {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub tags: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyCreate {
    /// Markdown, at most 50,000 characters.
    pub body: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SolutionBody {
    /// The reply that solved the help request.
    pub reply_id: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThanksBody {
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ThreadParams {
    /// help, story or discussion
    kind: Option<String>,
    /// Only help requests nobody but the asker answered.
    unanswered: Option<bool>,
    /// Only help requests not marked solved.
    unsolved: Option<bool>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// A community's threads, most recently active first.
#[utoipa::path(get, path = "/api/v1/communities/{slug}/threads", params(ThreadParams), tag = "threads",
    responses((status = 200, body = ThreadList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_threads(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<ThreadParams>,
) -> ApiResult<Json<ThreadList>> {
    let (_, _, page) = s
        .app
        .community_threads(
            &u,
            &slug,
            &ThreadQuery {
                kind: q.kind,
                unanswered: q.unanswered.unwrap_or(false),
                unsolved: q.unsolved.unwrap_or(false),
                page: q.page,
                per_page: q.per_page,
            },
        )
        .await?;
    Ok(Json(ThreadList {
        items: page.items.iter().map(ThreadSummary::from).collect(),
        total: page.total,
    }))
}

/// Ask for help, tell a story or start a discussion.
#[utoipa::path(post, path = "/api/v1/communities/{slug}/threads", request_body = ThreadCreate, tag = "threads",
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_thread(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    ApiJson(b): ApiJson<ThreadCreate>,
) -> ApiResult<Response> {
    let id = s
        .app
        .start_thread(
            &u,
            &slug,
            &ThreadInput {
                kind: b.kind,
                title: b.title,
                body: b.body,
                tags: b.tags,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.0 })).into_response())
}

/// A thread with its replies.
#[utoipa::path(get, path = "/api/v1/threads/{id}", tag = "threads",
    responses((status = 200, body = ThreadDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_thread(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<ThreadDetail>> {
    let id = path_id(&id, "thread")?;
    let v = s.app.thread_view(&u, id).await?;
    let t = &v.thread;
    Ok(Json(ThreadDetail {
        id: t.id.0,
        community: v.community.slug.clone(),
        kind: t.kind.to_string(),
        title: t.title.clone(),
        body_html: markdown::render(&t.body),
        body: t.body.clone(),
        tags: split_tags(&t.tags),
        author_id: t.author_id.0,
        author_name: t.author_name.clone(),
        created_at: time(t.created_at),
        edited_at: t.edited_at.map(time),
        solved_reply_id: t.solved_reply_id.map(|v| v.0),
        helper_id: t.helper_id.map(|v| v.0),
        replies: v
            .replies
            .iter()
            .map(|r| {
                let deleted = r.deleted_at.is_some();
                let body = if deleted {
                    String::new()
                } else {
                    r.body.clone()
                };
                ReplyBody {
                    id: r.id.0,
                    author_id: r.author_id.0,
                    author_name: r.author_name.clone(),
                    body_html: markdown::render(&body),
                    body,
                    created_at: time(r.created_at),
                    edited_at: r.edited_at.map(time),
                    deleted,
                    thanks: r.thanks,
                }
            })
            .collect(),
    }))
}

/// Edit a thread's opening post (its author or a coordinator); the old
/// text is kept in the history.
#[utoipa::path(put, path = "/api/v1/threads/{id}", request_body = ThreadUpdate, tag = "threads",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn edit_thread(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ThreadUpdate>,
) -> ApiResult<StatusCode> {
    let id = path_id(&id, "thread")?;
    s.app
        .edit_thread(
            &u,
            id,
            &ThreadInput {
                kind: String::new(),
                title: b.title,
                body: b.body,
                tags: b.tags,
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a thread (its author or a coordinator).
#[utoipa::path(delete, path = "/api/v1/threads/{id}", tag = "threads",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_thread(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = path_id(&id, "thread")?;
    s.app.delete_thread(&u, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reply to a thread.
#[utoipa::path(post, path = "/api/v1/threads/{id}/replies", request_body = ReplyCreate, tag = "threads",
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_reply(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReplyCreate>,
) -> ApiResult<Response> {
    let id = path_id(&id, "thread")?;
    let reply = s.app.reply(&u, id, &b.body).await?;
    Ok((StatusCode::CREATED, Json(Created { id: reply.0 })).into_response())
}

/// Mark a help request solved by one of its replies (the asker or a
/// coordinator); the reply's author is recorded as the helper.
#[utoipa::path(post, path = "/api/v1/threads/{id}/solution", request_body = SolutionBody, tag = "threads",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn mark_solved(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SolutionBody>,
) -> ApiResult<StatusCode> {
    let id = path_id(&id, "thread")?;
    s.app
        .mark_solved(&u, id, guildhall_domain::ReplyId(b.reply_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Edit a reply (its author or a coordinator).
#[utoipa::path(put, path = "/api/v1/replies/{id}", request_body = ReplyCreate, tag = "threads",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn edit_reply(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReplyCreate>,
) -> ApiResult<StatusCode> {
    let id = path_id(&id, "reply")?;
    s.app.edit_reply(&u, id, &b.body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a reply (its author or a coordinator).
#[utoipa::path(delete, path = "/api/v1/replies/{id}", tag = "threads",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_reply(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = path_id(&id, "reply")?;
    s.app.delete_reply(&u, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Thank the author of a reply, with an optional note (once per reply).
#[utoipa::path(post, path = "/api/v1/replies/{id}/thanks", request_body = ThanksBody, tag = "threads",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn thank(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ThanksBody>,
) -> ApiResult<StatusCode> {
    let id = path_id(&id, "reply")?;
    s.app.thank_reply(&u, id, &b.note).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Harvest a thread into a draft lesson learned that links back to it.
#[utoipa::path(post, path = "/api/v1/threads/{id}/harvest", tag = "threads",
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn harvest(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = path_id(&id, "thread")?;
    let resource = s.app.harvest_thread(&u, id).await?;
    Ok((StatusCode::CREATED, Json(Created { id: resource.0 })).into_response())
}

/// Thank the author of a resource, with an optional note (once per resource).
#[utoipa::path(post, path = "/api/v1/resources/{id}/thanks", request_body = ThanksBody, tag = "resources",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn thank_resource(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ThanksBody>,
) -> ApiResult<StatusCode> {
    let id = path_id(&id, "resource")?;
    s.app.thank_resource(&u, id, &b.note).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct NotificationItem {
    pub id: i64,
    /// mention, reply, solved, request_solved, thanks or event
    pub kind: String,
    pub text: String,
    pub link: String,
    pub at: String,
    pub read: bool,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    pub unread: i64,
    pub items: Vec<NotificationItem>,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct NotificationParams {
    /// Only unread notifications.
    unread: Option<bool>,
    page: Option<i64>,
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", params(NotificationParams), tag = "notifications",
    responses((status = 200, body = NotificationList), (status = 401, body = ErrorBody)))]
async fn list_notifications(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<NotificationParams>,
) -> ApiResult<Json<NotificationList>> {
    let items = s
        .app
        .notifications(&u, q.unread.unwrap_or(false), q.page)
        .await?;
    Ok(Json(NotificationList {
        unread: s.app.unread_notifications(&u).await?,
        items: items
            .iter()
            .map(|n| NotificationItem {
                id: n.id.0,
                kind: n.kind.to_string(),
                text: guildhall_app::notifications::describe(n),
                link: guildhall_app::notifications::link(n),
                at: time(n.at),
                read: n.read_at.is_some(),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadBody {
    /// One notification; all of the caller's when absent.
    pub id: Option<i64>,
}

/// Mark one or all of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read", request_body = ReadBody, tag = "notifications",
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn read_notifications(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<ReadBody>,
) -> ApiResult<StatusCode> {
    s.app
        .mark_read(&u, b.id.map(guildhall_domain::NotificationId))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
