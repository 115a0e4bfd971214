//! The one place where application errors become HTTP answers: JSON
//! `{"error": {"code", "message", "fields"?}}` for the API, an HTML page for
//! browsers. Internal errors are logged (inside the request's span, so with
//! its request id) and never shown.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guildhall_app::AppError;
use guildhall_domain::FieldErrors;
use serde::Serialize;

/// Status and machine-readable code for each kind of application error.
pub fn status_of(e: &AppError) -> (StatusCode, &'static str) {
    match e {
        AppError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
        AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
        AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
        AppError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation"),
        AppError::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
        AppError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
        AppError::Store(_) | AppError::Internal { .. } => {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal")
        }
    }
}

fn public_message(e: &AppError) -> String {
    match e {
        AppError::Store(_) | AppError::Internal { .. } => {
            tracing::error!(error = %e.chain(), "internal error");
            "something went wrong on our side; it has been logged".into()
        }
        AppError::NotFound(what) => format!("{what} not found"),
        other => other.to_string(),
    }
}

// ---- API -------------------------------------------------------------

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// One of: bad_request, unauthenticated, forbidden, not_found, conflict,
    /// validation, too_many_attempts, payload_too_large,
    /// unsupported_media_type, internal.
    pub code: String,
    pub message: String,
    /// For validation errors and conflicts: which field and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldErrorBody>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldErrorBody {
    pub field: String,
    pub message: String,
}

/// An error answered by the JSON API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Option<FieldErrors>,
    /// Seconds, for a `Retry-After` header.
    pub retry_after: Option<i64>,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            message: message.into(),
            fields: None,
            retry_after: None,
        }
    }

    pub fn with_status(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: None,
            retry_after: None,
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let (status, code) = status_of(&e);
        let fields = match &e {
            AppError::Validation(f) => Some(f.clone()),
            AppError::Conflict {
                field: Some(field),
                message,
            } => Some(FieldErrors::single(field, message.clone())),
            _ => None,
        };
        let message = match &e {
            AppError::Validation(f) => format!("invalid input: {}", f.summary()),
            other => public_message(other),
        };
        let retry_after = match &e {
            AppError::Throttled {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        };
        ApiError {
            status,
            code,
            message,
            fields,
            retry_after,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.into(),
                message: self.message,
                fields: self.fields.map(|f| {
                    f.0.into_iter()
                        .map(|e| FieldErrorBody {
                            field: e.field,
                            message: e.message,
                        })
                        .collect()
                }),
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string())
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        response
    }
}

// ---- pages -----------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub title: String,
    pub message: String,
}

/// An error answered to a browser.
#[derive(Debug)]
pub enum PageError {
    App(AppError),
    /// Send the browser elsewhere (e.g. to sign in).
    Redirect(String),
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError::App(e)
    }
}

pub fn error_page(status: StatusCode, title: &str, message: String) -> Response {
    let page = ErrorPage {
        status: status.as_u16(),
        title: title.into(),
        message,
    };
    (status, page).into_response()
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Redirect(to) => Redirect::to(&to).into_response(),
            PageError::App(AppError::Unauthenticated(_)) => Redirect::to("/signin").into_response(),
            PageError::App(e) => {
                let (status, _) = status_of(&e);
                let title = match status {
                    StatusCode::NOT_FOUND => "Not found",
                    StatusCode::FORBIDDEN => "Not allowed",
                    StatusCode::CONFLICT => "Already done",
                    StatusCode::UNPROCESSABLE_ENTITY => "Please check your input",
                    _ => "Something went wrong",
                };
                let message = match &e {
                    AppError::NotFound(what) => {
                        format!("There is no such {what}, or it is not visible to you.")
                    }
                    AppError::Validation(f) => f.summary(),
                    other => public_message(other),
                };
                error_page(status, title, message)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_app_error_has_its_status() {
        let cases = [
            (AppError::Unauthenticated("x".into()), 401),
            (AppError::Forbidden("x".into()), 403),
            (AppError::NotFound("community"), 404),
            (AppError::invalid("name", "is required"), 422),
            (AppError::conflict("slug", "taken"), 409),
            (AppError::internal("boom"), 500),
            (
                AppError::Store(guildhall_store::StoreError::Open("gone".into())),
                500,
            ),
            (
                AppError::Throttled {
                    message: "wait".into(),
                    retry_after_secs: 5,
                },
                429,
            ),
        ];
        // Every variant has a case: a new one fails to compile here until
        // it is given its status above.
        let variant = |e: &AppError| match e {
            AppError::Unauthenticated(_) => 0,
            AppError::Forbidden(_) => 1,
            AppError::NotFound(_) => 2,
            AppError::Validation(_) => 3,
            AppError::Conflict { .. } => 4,
            AppError::Throttled { .. } => 5,
            AppError::Store(_) => 6,
            AppError::Internal { .. } => 7,
        };
        let mut seen: Vec<usize> = cases.iter().map(|(e, _)| variant(e)).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen, (0..8).collect::<Vec<_>>());
        for (e, code) in cases {
            assert_eq!(status_of(&e).0.as_u16(), code, "{e:?}");
            assert_eq!(ApiError::from(e).status.as_u16(), code);
        }
    }

    #[test]
    fn internal_details_are_never_shown() {
        let e = ApiError::from(AppError::internal("secret table name"));
        assert!(!e.message.contains("secret"));
        let e = ApiError::from(AppError::Store(guildhall_store::StoreError::Open(
            "secret path".into(),
        )));
        assert!(!e.message.contains("secret"));
    }

    #[test]
    fn conflicts_name_their_field() {
        let e = ApiError::from(AppError::conflict("slug", "taken"));
        assert_eq!(
            e.fields.and_then(|f| f.get("slug").map(str::to_owned)),
            Some("taken".into())
        );
    }
}
