//! The JSON API under `/api/v1`, documented by the OpenAPI document served
//! at `/api/v1/openapi.json` (generated from these handlers).

mod account;
mod admin;
mod communities;
mod dto;
mod events;
mod organization;
mod resources;
mod search;
mod threads;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

type ApiResult<T> = Result<T, ApiError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .merge(account::routes())
        .merge(communities::routes())
        .merge(events::routes())
        .merge(organization::routes())
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
    components(schemas(ErrorBody))
)]
struct ApiDoc;

/// The OpenAPI 3 document of this API.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(account::AccountDoc::openapi());
    doc.merge(communities::CommunitiesDoc::openapi());
    doc.merge(events::EventsDoc::openapi());
    doc.merge(organization::OrganizationDoc::openapi());
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
