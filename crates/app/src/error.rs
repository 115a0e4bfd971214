//! The app's one error type: what a use-case answers besides success.
//! The web maps it to HTTP in one place (`guildhall_web::status_of`), the
//! CLI to a message and an exit code. Which variant to use is said on the
//! type; `Store` and `Internal` keep their cause as the error's source, so
//! a log shows the whole chain while a person sees only "something went
//! wrong".

use guildhall_domain::FieldErrors;
use guildhall_domain::policy::Access;
use guildhall_store::StoreError;
use thiserror::Error;

/// What a use-case can answer besides success. Which type of error to use:
/// - `Unauthenticated`: nobody is signed in (or the credentials are wrong);
/// - `NotFound`: the thing does not exist, or the reader may not know it
///   does (private communities answer this, never `Forbidden`);
/// - `Forbidden`: the reader sees the thing but may not do this;
/// - `Validation`: input is wrong; each field says how;
/// - `Conflict`: a unique value is taken or the state moved on;
/// - `Throttled`: too many attempts; says how long to wait;
/// - `Store`: the database failed (not a missing row or a clash, which
///   become `NotFound` and `Conflict`); logged, never shown;
/// - `Internal`: anything else that is not the user's doing; logged, never
///   shown.
#[derive(Debug, Error)]
pub enum AppError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("invalid input: {}", .0.summary())]
    Validation(FieldErrors),
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        message: String,
    },
    /// Too many failed attempts; the message says how long to wait.
    #[error("{message}")]
    Throttled {
        message: String,
        retry_after_secs: i64,
    },
    #[error("the database failed: {0}")]
    Store(#[source] StoreError),
    #[error("internal error: {message}")]
    Internal {
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl AppError {
    /// Something that should not happen, with no underlying error.
    pub fn internal(message: impl Into<String>) -> Self {
        AppError::Internal {
            message: message.into(),
            source: None,
        }
    }

    /// Something that should not happen, because of `source`.
    pub fn internal_from(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        AppError::Internal {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// This error and its causes, outermost first, for logs (a cause whose
    /// words are already in the message is not repeated).
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut next = std::error::Error::source(self);
        while let Some(e) = next {
            let words = e.to_string();
            if !out.contains(&words) {
                out.push_str(": ");
                out.push_str(&words);
            }
            next = e.source();
        }
        out
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(FieldErrors::single(field, message))
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        AppError::Conflict {
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }

    /// Turns a refused [`Access`] into the error callers must return.
    pub fn from_access(access: Access, what: &'static str) -> Result<(), AppError> {
        match access {
            Access::Allowed => Ok(()),
            Access::Forbidden(why) => Err(AppError::Forbidden(why.to_owned())),
            Access::Hidden => Err(AppError::NotFound(what)),
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Validation(e)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound("record"),
            StoreError::Conflict(field) => {
                AppError::conflict(field, format!("this {field} is already taken"))
            }
            other => AppError::Store(other),
        }
    }
}

/// Maps a store "not found" to a named one.
pub(crate) trait NotFoundAs<T> {
    fn or_not_found(self, what: &'static str) -> Result<T, AppError>;
}

impl<T> NotFoundAs<T> for Result<T, StoreError> {
    fn or_not_found(self, what: &'static str) -> Result<T, AppError> {
        self.map_err(|e| match e {
            StoreError::NotFound => AppError::NotFound(what),
            other => other.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_errors_keep_their_cause() {
        let io = std::io::Error::other("disk full");
        let e = AppError::internal_from("writing the export failed", io);
        assert!(std::error::Error::source(&e).is_some());
        assert_eq!(
            e.chain(),
            "internal error: writing the export failed: disk full"
        );
        let store = AppError::from(StoreError::Open("no such file".into()));
        assert!(matches!(store, AppError::Store(_)));
        assert!(std::error::Error::source(&store).is_some());
        assert_eq!(store.chain(), "the database failed: no such file");
        assert!(matches!(
            AppError::from(StoreError::NotFound),
            AppError::NotFound(_)
        ));
    }
}
