//! Server-rendered pages. Each submodule is one area of the product; forms
//! post back to the same URL and re-render with field errors (status 422)
//! and what was typed, or redirect on success (post/redirect/get).

mod account;
mod admin;
mod charter;
mod communities;
mod events;
mod home;
mod organization;
pub(crate) mod pulse;
mod resources;
pub(crate) mod search;
mod threads;
mod tokens;

use crate::AppState;
use crate::error::PageError;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guildhall_app::AppError;

pub type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(account::routes())
        .merge(admin::routes())
        .merge(charter::routes())
        .merge(home::routes())
        .merge(communities::routes())
        .merge(events::routes())
        .merge(organization::routes())
        .merge(pulse::routes())
        .merge(search::routes())
        .merge(threads::routes())
        .merge(tokens::routes())
        .merge(resources::routes())
}

pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::ApiError::from(AppError::NotFound("endpoint")).into_response();
    }
    crate::error::error_page(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no page at this address. It may have moved, or it may not be visible to you."
            .into(),
    )
}

/// Re-renders a form with its errors, or turns other errors into pages.
pub fn form_error<T: IntoResponse>(
    e: AppError,
    rerender: impl FnOnce(guildhall_domain::FieldErrors) -> T,
) -> PageResult {
    match e {
        AppError::Validation(errors) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, rerender(errors)).into_response())
        }
        AppError::Conflict {
            field: Some(field),
            message,
        } => Ok((
            StatusCode::CONFLICT,
            rerender(guildhall_domain::FieldErrors::single(&field, message)),
        )
            .into_response()),
        other => Err(other.into()),
    }
}

/// `a=1&b=2` from the non-empty pairs, for pagination links.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    let mut qs = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            qs.append_pair(k, v);
        }
    }
    qs.finish()
}

/// Display helpers shared by templates. Templates pass numbers by value or
/// by reference depending on context; [`Int`] accepts both.
pub mod fmt {
    use guildhall_domain::Timestamp;

    pub trait Int {
        fn int(&self) -> i64;
    }
    impl Int for i64 {
        fn int(&self) -> i64 {
            *self
        }
    }
    impl<T: Int + ?Sized> Int for &T {
        fn int(&self) -> i64 {
            (**self).int()
        }
    }

    pub fn date(t: impl Int) -> String {
        Timestamp(t.int()).date()
    }

    pub fn ago(t: impl Int) -> String {
        Timestamp(t.int()).ago(Timestamp::now())
    }

    /// For a `<time datetime>` attribute.
    pub fn rfc3339(t: impl Int) -> String {
        Timestamp(t.int()).to_rfc3339()
    }

    /// "2026-11-27 14:05" (UTC), for a table cell.
    pub fn minute(t: impl Int) -> String {
        rfc3339(t).replacen('T', " ", 1).chars().take(16).collect()
    }

    pub fn plural(n: impl Int, one: &str, many: &str) -> String {
        let n = n.int();
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    }
}
