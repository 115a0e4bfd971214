//! Guildhall's use-cases: each one validates its input, asks the domain's
//! permission policy, calls the store and records what happened in the
//! activity log — in that order, in one place, for web, CLI and importers.
//!
//! This crate must not know about HTTP (no status codes, cookies or HTML) or
//! SQL (no queries): it speaks domain types to callers and store methods to
//! the database. Its one error type, [`AppError`], is mapped to HTTP by the
//! web crate and to messages by the CLI.

#![forbid(unsafe_code)]

pub mod audit;
pub mod auth;
pub mod charter;
pub mod communities;
mod error;
pub mod events;
pub mod export;
pub mod notifications;
pub mod organization;
pub mod people_merges;
pub mod pulse;
pub mod resources;
pub mod search;
pub mod threads;
pub mod tokens;

pub use audit::Actor;
pub use auth::SessionUser;
pub use error::AppError;
pub use guildhall_store as store;

use guildhall_store::Store;

pub type Result<T> = std::result::Result<T, AppError>;

/// Settings that change how use-cases behave.
#[derive(Clone, Debug)]
pub struct Config {
    /// How long a session lasts without signing in again.
    pub session_ttl_secs: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            session_ttl_secs: 14 * 24 * 3600,
        }
    }
}

/// The application: the store plus settings. Cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    store: Store,
    config: Config,
    /// Communities' activity, kept up to date from the database on each read.
    events: std::sync::Arc<pulse::EventCache>,
    /// The stage checklist's event facts, per community and minute.
    guidance_cache: std::sync::Arc<pulse::DerivedCache<i64, charter::GuidanceFacts>>,
    /// Each community's level history on its pulse page.
    history_cache: std::sync::Arc<pulse::DerivedCache<(i64, i64, usize, i64), pulse::LevelHistory>>,
    /// Each community's last pulse, per instant and window.
    pulse_cache: std::sync::Arc<
        pulse::DerivedCache<(guildhall_domain::pulse::AsOf, i64), guildhall_domain::pulse::Pulse>,
    >,
    /// The key form tokens are signed with, read from the database once.
    form_key: std::sync::Arc<tokio::sync::OnceCell<Vec<u8>>>,
}

impl App {
    pub fn new(store: Store, config: Config) -> Self {
        App {
            store,
            config,
            events: std::sync::Arc::default(),
            guidance_cache: std::sync::Arc::default(),
            pulse_cache: std::sync::Arc::default(),
            history_cache: std::sync::Arc::default(),
            form_key: std::sync::Arc::default(),
        }
    }

    /// The store underneath, for operators' commands (backup, import,
    /// demo) and tests. Web handlers go through use-cases instead, which
    /// authorize and log.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Whether the database answers (for health checks).
    pub async fn ping(&self) -> Result<()> {
        Ok(self.store.ping().await?)
    }
}

/// Clamps a page request to sane bounds: at most 100 items, from page 1.
pub fn paginate(page: Option<i64>, per_page: Option<i64>) -> (i64, i64, i64) {
    let per_page = per_page.unwrap_or(20).clamp(1, 100);
    let page = page.unwrap_or(1).clamp(1, 1_000_000);
    (page, per_page, (page - 1) * per_page)
}
