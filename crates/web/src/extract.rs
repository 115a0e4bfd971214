//! Extractors that turn a request into what handlers need, answering bad
//! requests in the right dialect (a page or a JSON error).

use crate::AppState;
use crate::error::{ApiError, PageError};
use crate::middleware::{CsrfToken, CurrentSession};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use guildhall_app::{AppError, SessionUser};
use guildhall_domain::ids::RecordId;
use guildhall_domain::{OrgRole, PersonId};
use serde::de::DeserializeOwned;

/// The network address of the client a request came from, for sign-in
/// throttling and the audit log: empty where the server was not told
/// (tests that call the router directly). Behind a reverse proxy it is the
/// proxy's address unless the proxy is trusted (`--trusted-proxy`).
#[derive(Clone, Debug, Default)]
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
        else {
            return Ok(ClientAddress::default());
        };
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        Ok(ClientAddress(
            state
                .config
                .trusted_proxies
                .client(peer, &forwarded)
                .to_string(),
        ))
    }
}

/// The signed-in person as the page layout shows them.
#[derive(Clone, Debug)]
pub struct UserBadge {
    pub id: PersonId,
    pub name: String,
    pub initials: String,
    pub role: OrgRole,
}

impl UserBadge {
    pub fn is_admin(&self) -> bool {
        self.role == OrgRole::Administrator
    }

    pub fn manages_people(&self) -> bool {
        matches!(self.role, OrgRole::Administrator | OrgRole::Hr)
    }
}

/// What every page template needs besides its own data.
#[derive(Clone, Debug)]
pub struct PageCtx {
    pub user: Option<UserBadge>,
    pub csrf: String,
    /// Which navigation entry is current.
    pub nav: &'static str,
    /// Unread notifications of the signed-in person, for the navigation.
    pub unread: i64,
}

impl PageCtx {
    /// The signed-in person's id (0 for a visitor).
    pub fn user_id(&self) -> PersonId {
        self.user.as_ref().map_or(PersonId(0), |u| u.id)
    }

    pub fn with_nav(mut self, nav: &'static str) -> Self {
        self.nav = nav;
        self
    }
}

fn badge(u: &SessionUser) -> UserBadge {
    UserBadge {
        id: u.id(),
        name: u.name.clone(),
        initials: u
            .name
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .take(2)
            .collect::<String>()
            .to_uppercase(),
        role: u.viewer.role,
    }
}

fn ctx_of(parts: &Parts) -> PageCtx {
    let user = parts
        .extensions
        .get::<CurrentSession>()
        .and_then(|s| s.0.as_ref())
        .map(badge);
    let csrf = parts
        .extensions
        .get::<CsrfToken>()
        .map(|c| c.0.clone())
        .unwrap_or_default();
    PageCtx {
        user,
        csrf,
        nav: "",
        unread: 0,
    }
}

/// Any visitor of a page (sign-in and setup pages).
pub struct Visitor {
    pub user: Option<SessionUser>,
    pub ctx: PageCtx,
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let user = parts
            .extensions
            .get::<CurrentSession>()
            .and_then(|s| s.0.clone());
        Ok(Visitor {
            user,
            ctx: ctx_of(parts),
        })
    }
}

/// A signed-in person on a page; others are sent to sign in (or to set up
/// Guildhall when it has no account yet).
pub struct PageUser {
    pub user: SessionUser,
    pub ctx: PageCtx,
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = PageError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match parts
            .extensions
            .get::<CurrentSession>()
            .and_then(|s| s.0.clone())
        {
            Some(user) => {
                let mut ctx = ctx_of(parts);
                ctx.unread = state.app.unread_notifications(&user).await?;
                Ok(PageUser { user, ctx })
            }
            None => {
                if state.app.needs_setup().await? {
                    return Err(PageError::Redirect("/setup".into()));
                }
                let path = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let next = if parts.method == axum::http::Method::GET && path != "/" {
                    format!("?next={}", encode_component(path))
                } else {
                    String::new()
                };
                Err(PageError::Redirect(format!("/signin{next}")))
            }
        }
    }
}

/// A signed-in person calling the API; others get 401.
pub struct ApiUser(pub SessionUser);

impl<S: Send + Sync> FromRequestParts<S> for ApiUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentSession>()
            .and_then(|s| s.0.clone())
            .map(ApiUser)
            .ok_or_else(|| {
                AppError::Unauthenticated("sign in first: POST /api/v1/session".into()).into()
            })
    }
}

/// A JSON body whose problems are answered as JSON errors.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => {
                let status = rejection.status();
                let message = rejection.body_text();
                if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    return Err(ApiError::with_status(status, "payload_too_large", message));
                }
                if status == axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE {
                    return Err(ApiError::with_status(
                        status,
                        "unsupported_media_type",
                        message,
                    ));
                }
                // Wrong types or missing fields are a validation problem
                // (422); unparseable JSON is a bad request (400).
                if status == axum::http::StatusCode::UNPROCESSABLE_ENTITY {
                    return Err(ApiError::with_status(status, "validation", message));
                }
                Err(ApiError::bad_request(message))
            }
        }
    }
}

/// Query parameters for the API; malformed ones are a 400 naming the problem.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::bad_request(e.body_text()))
    }
}

/// Query parameters for pages: malformed ones are ignored field by field
/// (each filter is optional text), so a hand-edited URL never fails a page.
pub struct PageQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(PageQuery(
            axum::extract::Query::<T>::from_request_parts(parts, state)
                .await
                .map(|q| q.0)
                .unwrap_or_default(),
        ))
    }
}

/// A submitted form; fields are strings with defaults, so only a broken
/// request (wrong encoding) fails, with a 400 page.
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|f| PageForm(f.0))
            .map_err(|e| PageError::App(AppError::invalid("form", e.body_text())))
    }
}

/// Parses an id from a path segment; anything else is "not found".
pub fn path_id<I: std::str::FromStr + RecordId>(
    raw: &str,
    what: &'static str,
) -> Result<I, AppError> {
    raw.parse::<I>()
        .ok()
        .filter(|i| i.raw() > 0)
        .ok_or(AppError::NotFound(what))
}

/// Percent-encodes a URL component (for `next=` links).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Parses an optional numeric filter typed into a page's query string.
pub fn opt_id<I: std::str::FromStr>(s: &Option<String>) -> Option<I> {
    s.as_deref().and_then(|s| s.trim().parse::<I>().ok())
}

/// A form read as name/value pairs, for forms with repeated fields (a list
/// of checkboxes) that serde's urlencoded format cannot express.
pub struct FormPairs(pub Vec<(String, String)>);

impl FormPairs {
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

impl<S: Send + Sync> FromRequest<S> for FormPairs {
    type Rejection = PageError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| PageError::App(AppError::invalid("form", e.body_text())))?;
        Ok(FormPairs(
            form_urlencoded::parse(&bytes).into_owned().collect(),
        ))
    }
}
