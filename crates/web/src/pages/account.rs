//! Setup, sign-in, sign-out, password, health.

use super::{PageResult, form_error};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{ClientAddress, PageCtx, PageForm, PageQuery, PageUser, Visitor};
use crate::session::Cookie;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use guildhall_app::AppError;
use guildhall_app::auth::AccountInput;
use guildhall_domain::FieldErrors;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/setup", get(setup_page).post(setup))
        .route("/signin", get(signin_page).post(signin))
        .route("/signout", axum::routing::post(signout))
        .route(
            "/account/password",
            get(password_page).post(change_password),
        )
        .route("/healthz", get(healthz))
}

#[derive(Template, WebTemplate)]
#[template(path = "setup.html")]
struct SetupPage {
    ctx: PageCtx,
    name: String,
    email: String,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SetupForm {
    name: String,
    email: String,
    password: String,
}

async fn setup_page(State(s): State<AppState>, v: Visitor) -> PageResult {
    if !s.app.needs_setup().await? {
        return Ok(Redirect::to("/").into_response());
    }
    Ok(SetupPage {
        ctx: v.ctx,
        name: String::new(),
        email: String::new(),
        errors: FieldErrors::new(),
    }
    .into_response())
}

async fn setup(
    State(s): State<AppState>,
    v: Visitor,
    PageForm(f): PageForm<SetupForm>,
) -> PageResult {
    if !s.app.needs_setup().await? {
        return Ok(Redirect::to("/signin").into_response());
    }
    let input = AccountInput {
        name: f.name.clone(),
        email: f.email.clone(),
        password: f.password.clone(),
        role: String::new(),
    };
    if let Err(e) = s.app.set_up(input).await {
        return form_error(e, |errors| SetupPage {
            ctx: v.ctx,
            name: f.name,
            email: f.email,
            errors,
        });
    }
    match s.app.sign_in(&f.email, &f.password, "").await {
        Ok((_, session)) => Ok(signed_in(
            &s,
            &session.token,
            s.app.config().session_ttl_secs,
            "/",
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "signin.html")]
struct SigninPage {
    ctx: PageCtx,
    email: String,
    next: String,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SigninQuery {
    next: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SigninForm {
    email: String,
    password: String,
    next: String,
}

/// Only local paths are followed after sign-in, never another site (and
/// never back to the sign-in page).
fn safe_next(next: &str) -> String {
    match crate::redirect::local_path(next) {
        Some(path) if !path.starts_with("/signin") => path,
        _ => "/".to_owned(),
    }
}

async fn signin_page(
    State(s): State<AppState>,
    v: Visitor,
    PageQuery(q): PageQuery<SigninQuery>,
) -> PageResult {
    if s.app.needs_setup().await? {
        return Ok(Redirect::to("/setup").into_response());
    }
    if v.user.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let next = safe_next(q.next.as_deref().unwrap_or("/"));
    Ok(SigninPage {
        ctx: v.ctx,
        email: String::new(),
        next,
        message: None,
    }
    .into_response())
}

/// Starts a session: the session cookie, then on to `to`. Form tokens are
/// bound to the new session from the next page on.
fn signed_in(s: &AppState, token: &str, ttl: i64, to: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    Cookie::Session.set(&mut r, token, ttl, s.config.secure_cookies);
    r
}

async fn signin(
    State(s): State<AppState>,
    v: Visitor,
    addr: ClientAddress,
    PageForm(f): PageForm<SigninForm>,
) -> PageResult {
    match s.app.sign_in(&f.email, &f.password, &addr.0).await {
        Ok((_, session)) => Ok(signed_in(
            &s,
            &session.token,
            s.app.config().session_ttl_secs,
            &safe_next(&f.next),
        )),
        Err(AppError::Unauthenticated(m)) => Ok((
            StatusCode::UNAUTHORIZED,
            SigninPage {
                ctx: v.ctx,
                email: f.email,
                next: safe_next(&f.next),
                message: Some(m),
            },
        )
            .into_response()),
        Err(AppError::Throttled {
            message,
            retry_after_secs,
        }) => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, retry_after_secs.to_string())],
            SigninPage {
                ctx: v.ctx,
                email: f.email,
                next: safe_next(&f.next),
                message: Some(message),
            },
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn signout(State(s): State<AppState>, v: Visitor) -> PageResult {
    if let Some(u) = &v.user {
        s.app.sign_out(u).await?;
    }
    let mut r = Redirect::to("/signin").into_response();
    Cookie::Session.set(&mut r, "", 0, s.config.secure_cookies);
    Ok(r)
}

#[derive(Template, WebTemplate)]
#[template(path = "password.html")]
struct PasswordPage {
    ctx: PageCtx,
    errors: FieldErrors,
    done: bool,
    kept_tokens: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
    keep_tokens: String,
}

async fn password_page(p: PageUser) -> PageResult {
    Ok(PasswordPage {
        ctx: p.ctx,
        errors: FieldErrors::new(),
        done: false,
        kept_tokens: false,
    }
    .into_response())
}

async fn change_password(
    State(s): State<AppState>,
    p: PageUser,
    PageForm(f): PageForm<PasswordForm>,
) -> PageResult {
    let keep_tokens = !f.keep_tokens.is_empty();
    match s
        .app
        .change_password(
            &p.user,
            &f.current_password,
            &f.new_password,
            &f.confirm_password,
            keep_tokens,
        )
        .await
    {
        Ok(()) => Ok(PasswordPage {
            ctx: p.ctx,
            errors: FieldErrors::new(),
            done: true,
            kept_tokens: keep_tokens,
        }
        .into_response()),
        Err(e) => form_error(e, |errors| PasswordPage {
            ctx: p.ctx,
            errors,
            done: false,
            kept_tokens: false,
        }),
    }
}

async fn healthz(State(s): State<AppState>) -> Result<Json<serde_json::Value>, PageError> {
    s.app.ping().await?;
    Ok(Json(serde_json::json!({ "status": "ok" })))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(safe_next("/communities"), "/communities");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("/\t/evil.example/phish"), "/");
        assert_eq!(safe_next("/signin?next=/x"), "/");
    }
}
