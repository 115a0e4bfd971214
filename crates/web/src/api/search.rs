//! Search and expertise location in the API.

use super::ApiResult;
use crate::AppState;
use crate::error::ErrorBody;
use crate::extract::{ApiQuery, ApiUser};
use crate::pages::search::{hit_link, snippet_html};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use guildhall_app::search::SearchInput;
use guildhall_domain::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/search", get(search))
        .route("/experts", get(experts))
}

#[derive(OpenApi)]
#[openapi(paths(search, experts))]
pub struct SearchDoc;

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct SearchParams {
    /// Words to find; punctuation and operators are ignored, every word
    /// must match.
    q: String,
    /// thread, reply, resource, person or community (comma-separated for
    /// several).
    kind: Option<String>,
    /// A community's slug.
    community: Option<String>,
    /// A knowledge domain's id.
    domain: Option<i64>,
    /// An author's person id.
    author: Option<i64>,
    /// A date (2026-03-01) or RFC 3339 time.
    from: Option<String>,
    /// A date (inclusive) or RFC 3339 time (exclusive).
    to: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Hit {
    pub kind: String,
    pub id: i64,
    pub title: String,
    /// Escaped text with the matched words in `<mark>`.
    pub snippet_html: String,
    pub link: String,
    pub community: Option<String>,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResult {
    pub items: Vec<Hit>,
    pub total: i64,
    /// True when the count stopped at the ranking window (the 500 most
    /// recent matches).
    pub capped: bool,
    pub page: i64,
    pub per_page: i64,
}

/// Search threads, replies, resources, people and communities the caller
/// may read, by relevance then recency.
#[utoipa::path(get, path = "/api/v1/search", params(SearchParams), tag = "search",
    responses((status = 200, body = SearchResult), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn search(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> ApiResult<Json<SearchResult>> {
    let r = s
        .app
        .search(
            &u,
            &SearchInput {
                q: q.q,
                kind: q.kind.unwrap_or_default(),
                community: q.community.unwrap_or_default(),
                domain: q.domain.map(guildhall_domain::DomainId),
                author: q.author.map(guildhall_domain::PersonId),
                from: q.from.unwrap_or_default(),
                to: q.to.unwrap_or_default(),
                page: q.page,
                per_page: q.per_page,
            },
        )
        .await?;
    Ok(Json(SearchResult {
        items: r
            .hits
            .items
            .iter()
            .map(|h| Hit {
                kind: h.kind.to_string(),
                id: h.ref_id,
                title: h.title.clone(),
                snippet_html: snippet_html(&h.snippet),
                link: hit_link(h),
                community: h.community_slug.clone(),
                author_id: h.author_id.map(|v| v.0),
                author_name: h.author_name.clone(),
                at: Timestamp(h.at).to_rfc3339(),
            })
            .collect(),
        total: r.hits.total,
        capped: r.capped,
        page: r.page,
        per_page: r.per_page,
    }))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ExpertParams {
    /// The topic.
    q: String,
}

#[derive(Serialize, ToSchema)]
pub struct ExpertItem {
    pub person_id: i64,
    pub name: String,
    pub unit: Option<String>,
    pub score: i64,
    pub solved: i64,
    pub replies: i64,
    pub resources_authored: i64,
    pub resources_revised: i64,
    pub declared: bool,
    /// Links to the evidence.
    pub examples: Vec<String>,
}

/// Who knows about a topic: people ranked by the evidence the caller may see.
#[utoipa::path(get, path = "/api/v1/experts", params(ExpertParams), tag = "search",
    responses((status = 200, body = Vec<ExpertItem>), (status = 401, body = ErrorBody)))]
async fn experts(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<ExpertParams>,
) -> ApiResult<Json<Vec<ExpertItem>>> {
    let list = s.app.who_knows(&u, &q.q).await?;
    Ok(Json(
        list.into_iter()
            .map(|x| ExpertItem {
                person_id: x.person_id.0,
                name: x.name,
                unit: x.unit,
                score: x.score,
                solved: x.solved,
                replies: x.replies,
                resources_authored: x.resources_authored,
                resources_revised: x.resources_revised,
                declared: x.declared,
                examples: x.examples.into_iter().map(|(href, _)| href).collect(),
            })
            .collect(),
    ))
}
