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
            id: m.id.0,
            kept_id: m.kept_id.0,
            kept_name: m.kept_name,
            absorbed_id: m.absorbed_id.0,
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
#[into_params(parameter_in = Query)]
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
#[into_params(parameter_in = Query)]
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
        before: q.before.map(guildhall_domain::AuditEntryId),
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
                id: e.id.0,
                at: Timestamp(e.at).to_rfc3339(),
                actor_id: e.actor_id.map(|v| v.0),
                actor_name: e.actor_name,
                action: e.action,
                subject: e.subject,
                detail: e.detail,
                address: e.address,
            })
            .collect(),
    ))
}

// ---- personal access tokens ----------------------------------------------

#[derive(OpenApi)]
#[openapi(paths(list_tokens, create_token, revoke_token))]
pub struct TokensDoc;

pub fn token_routes() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", axum::routing::delete(revoke_token))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// What the token is for.
    pub name: String,
    /// Any of read, write, admin (read is implied).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// 1 to 366; 90 when absent.
    pub expires_in_days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenItem {
    pub id: i64,
    pub name: String,
    pub scopes: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: TokenItem,
    /// The secret, shown this once: send it as `Authorization: Bearer …`.
    pub secret: String,
}

fn token_item(t: guildhall_store::ApiToken) -> TokenItem {
    let time = |t: i64| Timestamp(t).to_rfc3339();
    TokenItem {
        id: t.id.0,
        name: t.name,
        scopes: t.scopes,
        created_at: time(t.created_at),
        expires_at: t.expires_at.map(time),
        last_used_at: t.last_used_at.map(time),
        revoked_at: t.revoked_at.map(time),
    }
}

/// The caller's tokens, newest first (secrets are never shown again).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    responses((status = 200, body = [TokenItem]), (status = 401, body = ErrorBody)))]
async fn list_tokens(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Vec<TokenItem>>> {
    let tokens = s.app.my_tokens(&u).await?;
    Ok(Json(tokens.into_iter().map(token_item).collect()))
}

/// Create a personal access token. Only from a signed-in session: a token
/// cannot mint tokens.
#[utoipa::path(post, path = "/api/v1/tokens", request_body = TokenRequest, tag = "tokens",
    responses((status = 201, body = CreatedToken), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_token(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    addr: ClientAddress,
    via_token: Option<axum::Extension<crate::middleware::ViaToken>>,
    ApiJson(b): ApiJson<TokenRequest>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    if via_token.is_some() {
        return Err(AppError::Forbidden(
            "tokens are created from a signed-in session, not with another token".into(),
        )
        .into());
    }
    let input = guildhall_app::tokens::TokenInput {
        name: b.name,
        scopes: b.scopes,
        expires_in_days: b.expires_in_days,
    };
    let (token, secret) = s
        .app
        .create_token(&Actor::person(&u, addr.0), &u, &input)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: token_item(token),
            secret,
        }),
    ))
}

/// Revoke a token at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", params(("id" = i64, Path)), tag = "tokens",
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn revoke_token(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    addr: ClientAddress,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: guildhall_domain::TokenId = path_id(&id, "token")?;
    s.app
        .revoke_token(&Actor::person(&u, addr.0), &u, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
