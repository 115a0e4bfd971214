//! The organization in the API: people, units and knowledge domains.

use super::ApiResult;
use super::dto::*;
use crate::AppState;
use crate::error::ErrorBody;
use crate::extract::{ApiJson, ApiQuery, ApiUser, path_id};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use guildhall_app::AppError;
use guildhall_app::organization::{PeopleQuery, PersonInput};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/people", get(list_people).post(create_person))
        .route("/people/{id}", get(get_person).patch(update_person))
        .route("/units", get(list_units).post(create_unit))
        .route("/units/{id}", get(get_unit).patch(update_unit))
        .route("/domains", get(list_domains).post(create_domain))
        .route("/domains/{id}", get(get_domain).patch(update_domain))
}

#[derive(OpenApi)]
#[openapi(paths(
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
))]
pub struct OrganizationDoc;
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
        unit: q.unit.map(guildhall_domain::UnitId),
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
            b.unit_id.map(guildhall_domain::UnitId)
        } else {
            current.and_then(|c| c.unit_id)
        },
        title: keep(b.title, current.map(|c| &c.title)),
        manager_id: if b.manager_id.is_some() {
            b.manager_id.map(guildhall_domain::PersonId)
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
                id: n.unit.id.0,
                name: n.unit.name,
                parent_id: n.unit.parent_id.map(|v| v.0),
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
            b.parent_id.map(guildhall_domain::UnitId),
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
    let parent = b.parent_id.map(guildhall_domain::UnitId).or(cur.parent_id);
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
                id: d.id.0,
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
            id: d.id.0,
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
        id: d.id.0,
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
        id: d.id.0,
        name: d.name,
        description: d.description,
        communities: None,
    }))
}
