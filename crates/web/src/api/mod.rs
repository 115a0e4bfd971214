//! The JSON API under `/api/v1`, documented by the OpenAPI document served
//! at `/api/v1/openapi.json` (generated from these handlers).

mod admin;
mod dto;
mod resources;
mod search;
mod threads;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, ApiUser, ClientAddress, path_id};
use crate::session::Cookie;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use dto::*;
use guildhall_app::communities::{CommunityInput, CommunityQuery, JoinOutcome};
use guildhall_app::organization::{PeopleQuery, PersonInput};
use guildhall_app::{AppError, SessionUser};
use guildhall_domain::policy::JoinOption;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

type ApiResult<T> = Result<T, ApiError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/session", post(sign_in).delete(sign_out))
        .route("/me", get(me))
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
        .route(
            "/communities/{slug}/events",
            get(list_events).post(create_event),
        )
        .route("/communities/{slug}/events/{id}/rsvp", post(rsvp))
        .route("/communities/{slug}/events/{id}/held", post(record_held))
        .route("/people", get(list_people).post(create_person))
        .route("/people/{id}", get(get_person).patch(update_person))
        .route("/units", get(list_units).post(create_unit))
        .route("/units/{id}", get(get_unit).patch(update_unit))
        .route("/domains", get(list_domains).post(create_domain))
        .route("/domains/{id}", get(get_domain).patch(update_domain))
        .merge(admin::routes())
        .merge(admin::token_routes())
        .merge(threads::routes())
        .merge(search::routes())
        .merge(resources::routes())
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Guildhall API",
        version = "1",
        description = "Communities of practice: people, units, knowledge domains, communities and membership. Authenticate with POST /api/v1/session (a session cookie); state-changing requests must send JSON."
    ),
    paths(
        sign_in,
        sign_out,
        me,
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
        pulse,
        list_events,
        create_event,
        rsvp,
        record_held,
        list_people,
        create_person,
        get_person,
        update_person,
        list_units,
        create_unit,
        get_unit,
        update_unit,
        list_domains,
        create_domain,
        get_domain,
        update_domain
    ),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

/// The OpenAPI 3 document of this API.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(admin::AdminDoc::openapi());
    doc.merge(admin::TokensDoc::openapi());
    doc.merge(threads::ThreadsDoc::openapi());
    doc.merge(search::SearchDoc::openapi());
    doc.merge(resources::ResourceApi::openapi());
    document_common_answers(&mut doc);
    doc
}

/// Documents what every operation shares, in one place rather than on each
/// handler: its path parameters (`slug` is a community's slug, every other
/// one a positive id; an id that is not one is answered 404), and the
/// answers the extractors and middleware give before a handler runs: 401
/// (no session, or a token that is unknown, expired or revoked), 403 on
/// changes (a token without the write scope), 400 for a query string or
/// body that does not parse, 413, 415 and 422 for bodies too large, not
/// JSON, or of the wrong shape. Handlers document their own answers.
fn document_common_answers(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    use utoipa::openapi::{Content, Ref, RefOr, Required, ResponseBuilder};

    let error = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                )
                .build(),
        )
    };
    let add = |op: &mut Operation, status: &str, description: &str| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| error(description));
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let names: Vec<String> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
            .collect();
        for (changes, op) in [
            (false, item.get.as_mut()),
            (true, item.post.as_mut()),
            (true, item.put.as_mut()),
            (true, item.patch.as_mut()),
            (true, item.delete.as_mut()),
        ]
        .into_iter()
        .filter_map(|(changes, op)| op.map(|op| (changes, op)))
        {
            let params = op.parameters.get_or_insert_with(Vec::new);
            for name in &names {
                let declared = params.iter().any(|p| {
                    matches!(p, RefOr::T(p) if p.name == *name && p.parameter_in == ParameterIn::Path)
                });
                if declared {
                    continue;
                }
                let (schema, description) = if name == "slug" {
                    (
                        ObjectBuilder::new().schema_type(Type::String),
                        "A community's slug.",
                    )
                } else {
                    (
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
                        "An id.",
                    )
                };
                params.push(RefOr::T(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .description(Some(description))
                        .schema(Some(schema))
                        .build(),
                ));
            }
            let has_query = params
                .iter()
                .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query));
            if params.is_empty() {
                op.parameters = None;
            }
            add(
                op,
                "401",
                "Not signed in, or the token is unknown, expired or revoked.",
            );
            if changes {
                add(
                    op,
                    "403",
                    "Not allowed (a token without the write scope may not change anything).",
                );
            }
            if !names.is_empty() {
                add(op, "404", "No such thing, or not visible to the caller.");
            }
            if has_query {
                add(op, "400", "A query parameter does not parse.");
            }
            if op.request_body.is_some() {
                add(op, "400", "The body is not JSON.");
                add(op, "413", "The body is larger than 1 MiB.");
                add(op, "415", "The body is not sent as application/json.");
                add(op, "422", "The body is JSON of the wrong shape.");
            }
            // OpenAPI requires a description on every response.
            for (status, response) in op.responses.responses.iter_mut() {
                if let RefOr::T(r) = response
                    && r.description.is_empty()
                {
                    r.description = status
                        .parse::<u16>()
                        .ok()
                        .and_then(|s| StatusCode::from_u16(s).ok())
                        .and_then(|s| s.canonical_reason())
                        .unwrap_or("Answer")
                        .to_owned();
                }
            }
        }
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi_document())
}

// ---- session -------------------------------------------------------------

fn me_of(u: &SessionUser) -> Me {
    Me {
        id: u.id().0,
        name: u.name.clone(),
        org_role: u.viewer.role.as_str().into(),
    }
}

/// Sign in; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", request_body = SignIn, tag = "session",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn sign_in(
    State(s): State<AppState>,
    addr: ClientAddress,
    ApiJson(b): ApiJson<SignIn>,
) -> ApiResult<Response> {
    let (person, session) = s.app.sign_in(&b.email, &b.password, &addr.0).await?;
    let p = s.app.person(person.0).await?;
    let mut r = Json(Me {
        id: p.id,
        name: p.name.clone(),
        org_role: p.org_role.clone(),
    })
    .into_response();
    Cookie::Session.set(
        &mut r,
        &session.token,
        s.app.config.session_ttl_secs,
        s.config.secure_cookies,
    );
    Ok(r)
}

/// Sign out: ends this session.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204), (status = 401, body = ErrorBody)))]
async fn sign_out(State(s): State<AppState>, ApiUser(u): ApiUser) -> ApiResult<Response> {
    s.app.sign_out(&u).await?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    Cookie::Session.set(&mut r, "", 0, s.config.secure_cookies);
    Ok(r)
}

/// Who is signed in.
#[utoipa::path(get, path = "/api/v1/me", tag = "session", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(ApiUser(u): ApiUser) -> Json<Me> {
    Json(me_of(&u))
}

// ---- communities ---------------------------------------------------------

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
        domain: q.domain,
        stage: q.stage,
        unit: q.unit,
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
        id: c.id,
        slug: c.slug,
        name: c.name,
        domain_statement: c.domain_statement,
        purpose: c.purpose,
        visibility: c.visibility,
        membership_policy: c.membership_policy,
        stage: c.stage,
        domains: v
            .domains
            .into_iter()
            .map(|d| DomainRef {
                id: d.id,
                name: d.name,
            })
            .collect(),
        member_count: v.member_count,
        my_role: v.standing.role,
        join: join.into(),
        stage_history: v
            .stage_history
            .into_iter()
            .map(|h| StageMove {
                from: h.from_stage,
                to: h.to_stage,
                reason: h.reason,
                by: h.changed_by,
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
        domains: b.domains,
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
        visibility: b.visibility.unwrap_or(c.visibility),
        membership_policy: b.membership_policy.unwrap_or(c.membership_policy),
        stage: String::new(),
        domains: b
            .domains
            .unwrap_or_else(|| v.domains.iter().map(|d| d.id).collect()),
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
    let v = s.app.community_view(&u, &slug).await?;
    if !v.profile_visible {
        return Err(AppError::Forbidden(
            "a private community's members are for its members; accept the invitation to see them"
                .into(),
        )
        .into());
    }
    Ok(Json(v.members.into_iter().map(Into::into).collect()))
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
        s.app.community_pulse(&u, &slug, window).await?.record(),
    ))
}

// ---- events ----------------------------------------------------------------

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
    let r = s
        .app
        .record_session(&u, &slug, id, at, &b.attendees, &b.notes)
        .await?;
    Ok(Json(HeldResult {
        session_id: r.session_id,
        new_session: r.new_session,
        newly_attended: r.newly_attended,
    }))
}

// ---- people ----------------------------------------------------------------

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct PeopleParams {
    /// Text in the name, email, title or expertise.
    q: Option<String>,
    /// People of this unit or below.
    unit: Option<i64>,
    expertise: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// The people directory.
#[utoipa::path(get, path = "/api/v1/people", params(PeopleParams), tag = "people",
    responses((status = 200, body = PersonList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_people(
    State(s): State<AppState>,
    ApiUser(_): ApiUser,
    ApiQuery(q): ApiQuery<PeopleParams>,
) -> ApiResult<Json<PersonList>> {
    if let Some(pp) = q.per_page
        && !(1..=100).contains(&pp)
    {
        return Err(AppError::invalid("per_page", "must be between 1 and 100").into());
    }
    if q.page.is_some_and(|p| p < 1) {
        return Err(AppError::invalid("page", "must be at least 1").into());
    }
    let query = PeopleQuery {
        text: q.q,
        unit: q.unit,
        expertise: q.expertise,
        page: q.page,
        per_page: q.per_page,
    };
    let (found, page, per_page) = s.app.people(&query).await?;
    Ok(Json(PersonList {
        items: found.items.into_iter().map(Into::into).collect(),
        total: found.total,
        page,
        per_page,
    }))
}

fn person_input(b: PersonBody, current: Option<&guildhall_store::records::Person>) -> PersonInput {
    let keep = |v: Option<String>, cur: Option<&String>| {
        v.unwrap_or_else(|| cur.cloned().unwrap_or_default())
    };
    PersonInput {
        name: keep(b.name, current.map(|c| &c.name)),
        email: b.email.unwrap_or_default(),
        unit_id: if b.unit_id.is_some() {
            b.unit_id
        } else {
            current.and_then(|c| c.unit_id)
        },
        title: keep(b.title, current.map(|c| &c.title)),
        manager_id: if b.manager_id.is_some() {
            b.manager_id
        } else {
            current.and_then(|c| c.manager_id)
        },
        expertise: b
            .expertise
            .map(|v| v.join(","))
            .unwrap_or_else(|| current.map(|c| c.expertise.clone()).unwrap_or_default()),
        interests: b
            .interests
            .map(|v| v.join(","))
            .unwrap_or_else(|| current.map(|c| c.interests.clone()).unwrap_or_default()),
        bio: keep(b.bio, current.map(|c| &c.bio)),
        org_role: b.org_role,
    }
}

/// Add a person to the directory (HR and administrators).
#[utoipa::path(post, path = "/api/v1/people", request_body = PersonBody, tag = "people",
    responses((status = 201, body = Person), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_person(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<PersonBody>,
) -> ApiResult<(StatusCode, Json<Person>)> {
    let p = s.app.create_person(&u, &person_input(b, None)).await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// One person.
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people", responses((status = 200, body = Person), (status = 404, body = ErrorBody)))]
async fn get_person(
    State(s): State<AppState>,
    ApiUser(_): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Person>> {
    let id = path_id(&id, "person")?;
    Ok(Json(s.app.person(id).await?.into()))
}

/// Update a profile (the person, HR or administrators); omitted fields keep their value.
#[utoipa::path(patch, path = "/api/v1/people/{id}", request_body = PersonBody, tag = "people",
    responses((status = 200, body = Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_person(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PersonBody>,
) -> ApiResult<Json<Person>> {
    let id = path_id(&id, "person")?;
    if b.email.is_some() {
        return Err(AppError::invalid("email", "cannot be changed").into());
    }
    let current = s.app.person(id).await?;
    let p = s
        .app
        .update_person(&u, id, &person_input(b, Some(&current)))
        .await?;
    Ok(Json(p.into()))
}

// ---- units -------------------------------------------------------------------

/// All units, as a depth-first tree.
#[utoipa::path(get, path = "/api/v1/units", tag = "units", responses((status = 200, body = Vec<UnitListItem>)))]
async fn list_units(
    State(s): State<AppState>,
    ApiUser(_): ApiUser,
) -> ApiResult<Json<Vec<UnitListItem>>> {
    let tree = s.app.unit_tree().await?;
    Ok(Json(
        tree.into_iter()
            .map(|n| UnitListItem {
                id: n.unit.id,
                name: n.unit.name,
                parent_id: n.unit.parent_id,
                description: n.unit.description,
                depth: n.depth,
                people: n.unit.people,
            })
            .collect(),
    ))
}

/// Add a unit (administrators).
#[utoipa::path(post, path = "/api/v1/units", request_body = UnitBody, tag = "units",
    responses((status = 201, body = Unit), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_unit(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<UnitBody>,
) -> ApiResult<(StatusCode, Json<Unit>)> {
    let unit = s
        .app
        .create_unit(
            &u,
            b.name.as_deref().unwrap_or(""),
            b.parent_id,
            b.description.as_deref().unwrap_or(""),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(unit.into())))
}

/// One unit.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units", responses((status = 200, body = Unit), (status = 404, body = ErrorBody)))]
async fn get_unit(
    State(s): State<AppState>,
    ApiUser(_): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Unit>> {
    let id = path_id(&id, "unit")?;
    Ok(Json(s.app.unit(id).await?.into()))
}

/// Update a unit (administrators); omitted fields keep their value.
#[utoipa::path(patch, path = "/api/v1/units/{id}", request_body = UnitBody, tag = "units",
    responses((status = 200, body = Unit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_unit(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<UnitBody>,
) -> ApiResult<Json<Unit>> {
    let id = path_id(&id, "unit")?;
    let cur = s.app.unit(id).await?;
    let parent = if b.parent_id.is_some() {
        b.parent_id
    } else {
        cur.parent_id
    };
    let unit = s
        .app
        .update_unit(
            &u,
            id,
            b.name.as_deref().unwrap_or(&cur.name),
            parent,
            b.description.as_deref().unwrap_or(&cur.description),
        )
        .await?;
    Ok(Json(unit.into()))
}

// ---- domains ---------------------------------------------------------------

/// All knowledge domains, with how many visible communities steward each.
#[utoipa::path(get, path = "/api/v1/domains", tag = "domains", responses((status = 200, body = Vec<Domain>)))]
async fn list_domains(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Vec<Domain>>> {
    let ds = s.app.domains(&u).await?;
    Ok(Json(
        ds.into_iter()
            .map(|d| Domain {
                id: d.id,
                name: d.name,
                description: d.description,
                communities: Some(d.communities),
            })
            .collect(),
    ))
}

/// Add a knowledge domain (administrators and knowledge strategists).
#[utoipa::path(post, path = "/api/v1/domains", request_body = DomainBody, tag = "domains",
    responses((status = 201, body = Domain), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_domain(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<DomainBody>,
) -> ApiResult<(StatusCode, Json<Domain>)> {
    let d = s
        .app
        .create_domain(
            &u,
            b.name.as_deref().unwrap_or(""),
            b.description.as_deref().unwrap_or(""),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Domain {
            id: d.id,
            name: d.name,
            description: d.description,
            communities: None,
        }),
    ))
}

/// One knowledge domain.
#[utoipa::path(get, path = "/api/v1/domains/{id}", tag = "domains", responses((status = 200, body = Domain), (status = 404, body = ErrorBody)))]
async fn get_domain(
    State(s): State<AppState>,
    ApiUser(_): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Domain>> {
    let id = path_id(&id, "domain")?;
    let d = s.app.domain(id).await?;
    Ok(Json(Domain {
        id: d.id,
        name: d.name,
        description: d.description,
        communities: None,
    }))
}

/// Update a knowledge domain; omitted fields keep their value.
#[utoipa::path(patch, path = "/api/v1/domains/{id}", request_body = DomainBody, tag = "domains",
    responses((status = 200, body = Domain), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_domain(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DomainBody>,
) -> ApiResult<Json<Domain>> {
    let id = path_id(&id, "domain")?;
    let cur = s.app.domain(id).await?;
    let d = s
        .app
        .update_domain(
            &u,
            id,
            b.name.as_deref().unwrap_or(&cur.name),
            b.description.as_deref().unwrap_or(&cur.description),
        )
        .await?;
    Ok(Json(Domain {
        id: d.id,
        name: d.name,
        description: d.description,
        communities: None,
    }))
}
