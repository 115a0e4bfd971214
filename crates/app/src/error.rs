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
/// - `Internal`: anything else; logged, never shown.
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
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
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
            other => AppError::Internal(other.to_string()),
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
