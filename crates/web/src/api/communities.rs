//! Communities in the API: the list, profiles, membership, roles, stages, requests, invitations and the pulse.

use super::ApiResult;
use super::dto::*;
use crate::AppState;
use crate::error::ErrorBody;
use crate::extract::{ApiJson, ApiQuery, ApiUser, path_id};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use guildhall_app::communities::{CommunityInput, CommunityQuery, JoinOutcome};
use guildhall_app::{AppError, SessionUser};
use guildhall_domain::DomainId;
use guildhall_domain::policy::JoinOption;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/communities", get(list_communities).post(create_community))
        .route(
            "/communities/{slug}",
            get(get_community).patch(update_community),
        )
        .route("/communities/{slug}/join", post(join))
        .route("/communities/{slug}/leave", post(leave))
        .route("/communities/{slug}/members", get(members))
        .route("/communities/{slug}/members/{person}", put(set_role))
        .route("/communities/{slug}/stage", post(change_stage))
        .route("/communities/{slug}/requests", get(requests))
        .route("/communities/{slug}/requests/{id}", post(decide))
        .route("/communities/{slug}/invitations", post(invite))
        .route("/communities/{slug}/pulse", get(pulse))
}

#[derive(OpenApi)]
#[openapi(paths(
    list_communities,
    create_community,
    get_community,
    update_community,
    join,
    leave,
    members,
    set_role,
    change_stage,
    requests,
    decide,
    invite,
    pulse
))]
pub struct CommunitiesDoc;

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CommunityParams {
    /// Text in the name, purpose or domain statement.
    q: Option<String>,
    domain: Option<i64>,
    stage: Option<String>,
    /// Communities with members in this unit or below.
    unit: Option<i64>,
    /// name (default), members or recent.
    sort: Option<String>,
    page: Option<i64>,
    /// 1 to 100, default 20.
    per_page: Option<i64>,
}

/// Communities the caller can see.
#[utoipa::path(get, path = "/api/v1/communities", params(CommunityParams), tag = "communities",
    responses((status = 200, body = CommunityList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_communities(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<CommunityParams>,
) -> ApiResult<Json<CommunityList>> {
    if let Some(pp) = q.per_page
        && !(1..=100).contains(&pp)
    {
        return Err(AppError::invalid("per_page", "must be between 1 and 100").into());
    }
    if q.page.is_some_and(|p| p < 1) {
        return Err(AppError::invalid("page", "must be at least 1").into());
    }
    let query = CommunityQuery {
        text: q.q,
        domain: q.domain.map(guildhall_domain::DomainId),
        stage: q.stage,
        unit: q.unit.map(guildhall_domain::UnitId),
        sort: q.sort,
        page: q.page,
        per_page: q.per_page,
    };
    let (found, page, per_page) = s.app.communities(&u, &query).await?;
    Ok(Json(CommunityList {
        items: found.items.into_iter().map(Into::into).collect(),
        total: found.total,
        page,
        per_page,
    }))
}

async fn community_body(s: &AppState, u: &SessionUser, slug: &str) -> ApiResult<Community> {
    let v = s.app.community_view(u, slug).await?;
    let c = v.community;
    let join = match v.join {
        JoinOption::AlreadyMember => "already_member",
        JoinOption::Join => "join",
        JoinOption::Request => "request",
        JoinOption::AcceptInvitation => "accept_invitation",
        JoinOption::Unavailable(_) => "unavailable",
    };
    Ok(Community {
        id: c.id.0,
        slug: c.slug,
        name: c.name,
        domain_statement: c.domain_statement,
        purpose: c.purpose,
        visibility: c.visibility.to_string(),
        membership_policy: c.membership_policy.to_string(),
        stage: c.stage.to_string(),
        domains: v
            .domains
            .into_iter()
            .map(|d| DomainRef {
                id: d.id.0,
                name: d.name,
            })
            .collect(),
        member_count: v.member_count,
        my_role: v.standing.role.map(|v| v.to_string()),
        join: join.into(),
        stage_history: v
            .stage_history
            .into_iter()
            .map(|h| StageMove {
                from: h.from_stage.map(|v| v.to_string()),
                to: h.to_stage.to_string(),
                reason: h.reason,
                by: h.changed_by.map(|v| v.0),
                at: guildhall_domain::Timestamp(h.at).to_rfc3339(),
            })
            .collect(),
        created_at: guildhall_domain::Timestamp(c.created_at).to_rfc3339(),
        updated_at: guildhall_domain::Timestamp(c.updated_at).to_rfc3339(),
    })
}

/// Start a community; the caller becomes its first coordinator.
#[utoipa::path(post, path = "/api/v1/communities", request_body = CommunityCreate, tag = "communities",
    responses((status = 201, body = Community), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_community(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<CommunityCreate>,
) -> ApiResult<(StatusCode, Json<Community>)> {
    let input = CommunityInput {
        name: b.name,
        slug: b.slug,
        domain_statement: b.domain_statement,
        purpose: b.purpose,
        visibility: b.visibility,
        membership_policy: b.membership_policy,
        stage: b.stage,
        domains: b.domains.into_iter().map(DomainId).collect(),
    };
    let c = s.app.create_community(&u, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(community_body(&s, &u, &c.slug).await?),
    ))
}

/// One community (404 if it does not exist or is private to others).
#[utoipa::path(get, path = "/api/v1/communities/{slug}", tag = "communities",
    responses((status = 200, body = Community), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_community(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
) -> ApiResult<Json<Community>> {
    Ok(Json(community_body(&s, &u, &slug).await?))
}

/// Update a community's profile (coordinators); omitted fields keep their value.
#[utoipa::path(patch, path = "/api/v1/communities/{slug}", request_body = CommunityUpdate, tag = "communities",
    responses((status = 200, body = Community), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_community(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    ApiJson(b): ApiJson<CommunityUpdate>,
) -> ApiResult<Json<Community>> {
    let v = s.app.community_view(&u, &slug).await?;
    let c = v.community;
    let input = CommunityInput {
        name: b.name.unwrap_or(c.name),
        slug: c.slug.clone(),
        domain_statement: b.domain_statement.unwrap_or(c.domain_statement),
        purpose: b.purpose.unwrap_or(c.purpose),
        visibility: b.visibility.unwrap_or(c.visibility.to_string()),
        membership_policy: b
            .membership_policy
            .unwrap_or(c.membership_policy.to_string()),
        stage: String::new(),
        domains: match b.domains {
            Some(ids) => ids.into_iter().map(DomainId).collect(),
            None => v.domains.iter().map(|d| d.id).collect(),
        },
    };
    s.app.update_community(&u, &slug, &input).await?;
    Ok(Json(community_body(&s, &u, &slug).await?))
}

/// Join an open community, ask to join one that takes requests, or accept an invitation.
#[utoipa::path(post, path = "/api/v1/communities/{slug}/join", request_body = JoinBody, tag = "membership",
    responses((status = 200, body = JoinResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn join(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    ApiJson(b): ApiJson<JoinBody>,
) -> ApiResult<Json<JoinResult>> {
    let outcome = s.app.join(&u, &slug, &b.message).await?;
    Ok(Json(JoinResult {
        outcome: if outcome == JoinOutcome::Joined {
            "joined"
        } else {
            "requested"
        }
        .into(),
    }))
}

/// Leave a community.
#[utoipa::path(post, path = "/api/v1/communities/{slug}/leave", tag = "membership",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn leave(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
) -> ApiResult<StatusCode> {
    s.app.leave(&u, &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Members, by role (all of them for readers of the content; coordinators only otherwise).
#[utoipa::path(get, path = "/api/v1/communities/{slug}/members", tag = "membership",
    responses((status = 200, body = Vec<Member>), (status = 404, body = ErrorBody)))]
async fn members(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
) -> ApiResult<Json<Vec<Member>>> {
    let members = s.app.community_members(&u, &slug).await?;
    Ok(Json(members.into_iter().map(Into::into).collect()))
}

/// Change a member's role (coordinators).
#[utoipa::path(put, path = "/api/v1/communities/{slug}/members/{person}", request_body = RoleBody, tag = "membership",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_role(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path((slug, person)): Path<(String, String)>,
    ApiJson(b): ApiJson<RoleBody>,
) -> ApiResult<StatusCode> {
    let person = path_id(&person, "member")?;
    s.app.set_member_role(&u, &slug, person, &b.role).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Move the community to another stage, with a reason (coordinators).
#[utoipa::path(post, path = "/api/v1/communities/{slug}/stage", request_body = StageBody, tag = "communities",
    responses((status = 200, body = Community), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn change_stage(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    ApiJson(b): ApiJson<StageBody>,
) -> ApiResult<Json<Community>> {
    s.app.change_stage(&u, &slug, &b.stage, &b.reason).await?;
    Ok(Json(community_body(&s, &u, &slug).await?))
}

/// Pending requests to join (coordinators).
#[utoipa::path(get, path = "/api/v1/communities/{slug}/requests", tag = "membership",
    responses((status = 200, body = Vec<JoinRequest>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn requests(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
) -> ApiResult<Json<Vec<JoinRequest>>> {
    let v = s.app.community_view(&u, &slug).await?;
    if !v.can_manage {
        return Err(AppError::Forbidden(
            "only the community's coordinators can see its requests".into(),
        )
        .into());
    }
    Ok(Json(
        v.pending_requests.into_iter().map(Into::into).collect(),
    ))
}

/// Approve or decline a request to join (coordinators).
#[utoipa::path(post, path = "/api/v1/communities/{slug}/requests/{id}", request_body = Decision, tag = "membership",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn decide(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(b): ApiJson<Decision>,
) -> ApiResult<StatusCode> {
    let id = path_id(&id, "join request")?;
    s.app.decide_join_request(&u, &slug, id, b.approve).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Invite a person by email or id (coordinators).
#[utoipa::path(post, path = "/api/v1/communities/{slug}/invitations", request_body = InviteBody, tag = "membership",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn invite(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    ApiJson(b): ApiJson<InviteBody>,
) -> ApiResult<StatusCode> {
    s.app.invite(&u, &slug, &b.person, &b.role).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct PulseParams {
    /// The instant of the pulse, RFC 3339 (default: now).
    as_of: Option<String>,
    /// Window length in days, 1 to 3650 (default 90).
    window: Option<String>,
}

/// The community's health pulse: every figure and alert of the metrics
/// contract, computed from the activity log.
#[utoipa::path(get, path = "/api/v1/communities/{slug}/pulse", params(PulseParams), tag = "pulse",
    responses(
        (status = 200, description = "`community`, `slug`, `as_of`, `window_days`, every figure by name (number or null) and `alerts` (booleans)", content_type = "application/json"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn pulse(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<PulseParams>,
) -> ApiResult<Json<guildhall_app::pulse::PulseRecord>> {
    let window = guildhall_app::pulse::PulseWindow::parse(q.as_of.as_deref(), q.window.as_deref())?;
    Ok(Json(
        s.app.community_pulse(&u, &slug, window).await?.0.record(),
    ))
}
