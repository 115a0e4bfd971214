//! What every request passes through.

use crate::AppState;
use crate::error::error_page;
use crate::session::{Cookie, same_secret};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use guildhall_app::SessionUser;
use guildhall_app::auth::FormBinding;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted (forms and JSON): 1 MiB.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The signed-in person, if any, resolved once per request.
#[derive(Clone)]
pub struct CurrentSession(pub Option<SessionUser>);

/// Marks a request authenticated by a personal access token (not a
/// session): such a request may not create further tokens.
#[derive(Clone, Copy, Debug)]
pub struct ViaToken;

/// This browser's CSRF token, to render into forms.
#[derive(Clone)]
pub struct CsrfToken(pub String);

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

#[derive(Clone, Default)]
struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n: u64 = rand::random();
        HeaderValue::from_str(&format!("{n:016x}"))
            .ok()
            .map(RequestId::new)
    }
}

/// Request ids, tracing, security headers, body limit and timeout. When
/// served over HTTPS (`secure`), browsers are told to keep to HTTPS.
pub fn apply_outer(router: Router, secure: bool) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    let router = if secure {
        router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ))
    } else {
        router
    };
    router
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
                // Health checks and assets need no request context in the
                // logs, and the span's formatted fields cost a tenth of
                // such a request.
                if is_plumbing(req.uri().path()) {
                    return tracing::Span::none();
                }
                let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, RandomRequestId))
}

/// Requests that neither read pages nor sign anyone in: the health check
/// and the embedded assets.
fn is_plumbing(path: &str) -> bool {
    path == "/healthz" || path.starts_with("/static/")
}

fn changes_state(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Lets a bounded number of reading requests work at once; the others wait
/// their turn without using the processor. Writes are never held back:
/// with dozens of pages loading, a posted reply would otherwise queue on
/// every one of its database round trips behind all of them. The wait
/// counts against the request timeout.
pub async fn admit_reads(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // The health check's one-row query and the assets (from memory) are
    // too short to queue behind page loads.
    if changes_state(req.method()) || is_plumbing(req.uri().path()) {
        return next.run(req).await;
    }
    match state.reads.acquire().await {
        Ok(_permit) => next.run(req).await,
        // Closed only when the server shuts down.
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// Resolves the session, issues the CSRF cookie, and refuses state-changing
/// requests that do not prove they come from our own pages: forms and htmx
/// must echo the CSRF token; the API must send JSON (which a cross-site form
/// cannot) — session cookies are SameSite=Lax besides.
pub async fn sessions_and_csrf(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if is_plumbing(req.uri().path()) {
        return next.run(req).await;
    }
    let path = req.uri().path().to_owned();
    let (mut parts, body) = req.into_parts();
    let is_api = path.starts_with("/api/");
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    if is_api && let Some(secret) = bearer {
        return match state.app.token_user(&secret).await {
            Ok(Some(t)) if !t.scopes.allows(changes_state(&parts.method)) => {
                crate::ApiError::from(guildhall_app::AppError::Forbidden(format!(
                    "this token's scopes ({}) do not allow changes; create a token with the write scope",
                    t.scopes.as_text()
                )))
                .into_response()
            }
            Ok(Some(t)) => {
                parts.extensions.insert(CurrentSession(Some(t.user)));
                parts.extensions.insert(ViaToken);
                private(next.run(Request::from_parts(parts, body)).await)
            }
            Ok(None) => crate::ApiError::from(guildhall_app::AppError::Unauthenticated(
                "this token is unknown, expired or revoked".into(),
            ))
            .into_response(),
            Err(e) => crate::ApiError::from(e).into_response(),
        };
    }
    let secure = state.config.secure_cookies;
    let user = match Cookie::Session.read(&parts.headers, secure) {
        Some(token) => match state.app.session_user(&token).await {
            Ok(u) => u,
            Err(e) => return crate::PageError::from(e).into_response(),
        },
        None => None,
    };
    // Forms carry a token bound to the session, or before signing in to
    // the visitor cookie (given to a first-time visitor here).
    let visitor = Cookie::Visitor.read(&parts.headers, secure);
    let new_visitor = (user.is_none() && visitor.is_none()).then(guildhall_app::auth::random_token);
    let visitor_value = visitor.or_else(|| new_visitor.clone()).unwrap_or_default();
    let binding = match &user {
        Some(u) => FormBinding::Session(&u.session_hash),
        None => FormBinding::Visitor(&visitor_value),
    };
    let csrf = match state.app.form_token(binding).await {
        Ok(t) => t,
        Err(e) => return crate::PageError::from(e).into_response(),
    };
    // A first-time visitor has no token yet that a form could carry.
    let existing = new_visitor.is_none().then_some(csrf.as_str());
    let mut body = body;

    if changes_state(&parts.method) {
        if is_api {
            let json = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/json"));
            if !json {
                return crate::ApiError::with_status(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send a JSON body with Content-Type: application/json",
                )
                .into_response();
            }
        } else {
            let Some(expected) = existing else {
                return csrf_refused();
            };
            let header_ok = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| same_secret(v, expected));
            if !header_ok {
                let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
                    Ok(b) => b,
                    Err(_) => {
                        return error_page(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "Too large",
                            format!("Requests are limited to {} KiB.", BODY_LIMIT / 1024),
                        );
                    }
                };
                let field_ok = std::str::from_utf8(&bytes).ok().is_some_and(|s| {
                    s.split('&')
                        .filter_map(|kv| kv.strip_prefix("csrf="))
                        .any(|v| same_secret(v, expected))
                });
                if !field_ok {
                    return csrf_refused();
                }
                body = Body::from(bytes);
            }
        }
    }

    let signed_in = user.is_some();
    parts.extensions.insert(CurrentSession(user));
    parts.extensions.insert(CsrfToken(csrf));
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if signed_in {
        response = private(response);
    }
    if let Some(v) = new_visitor {
        Cookie::Visitor.set(&mut response, &v, 60 * 60 * 24 * 30, secure);
    }
    response
}

/// What a signed-in person receives is theirs: no shared cache, proxy or
/// browser history may keep it (pages, API answers, a new token's secret,
/// the audit export).
fn private(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn csrf_refused() -> Response {
    error_page(
        StatusCode::FORBIDDEN,
        "Form expired",
        "This form could not be verified (it may be from an old page or another site). Go back, reload the page and try again.".into(),
    )
}
