//! Signing in and out of the API with a session cookie, and who is signed in.

use super::ApiResult;
use super::dto::*;
use crate::AppState;
use crate::error::ErrorBody;
use crate::extract::{ApiJson, ApiUser, ClientAddress};
use crate::session::Cookie;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use guildhall_app::SessionUser;
use utoipa::OpenApi;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/session", post(sign_in).delete(sign_out))
        .route("/me", get(me))
}

#[derive(OpenApi)]
#[openapi(paths(sign_in, sign_out, me))]
pub struct AccountDoc;

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
    let p = s.app.person(person).await?;
    let mut r = Json(Me {
        id: p.id.0,
        name: p.name.clone(),
        org_role: p.org_role.to_string(),
    })
    .into_response();
    Cookie::Session.set(
        &mut r,
        &session.token,
        s.app.config().session_ttl_secs,
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
