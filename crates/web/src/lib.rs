//! Guildhall's HTTP face: server-rendered pages (askama templates enhanced
//! by htmx, usable without JavaScript), the JSON API under `/api/v1` with its
//! OpenAPI document, static assets embedded in the binary, and the
//! middleware every request passes: request ids, tracing, security headers,
//! body limits, timeouts, sessions and CSRF.
//!
//! Handlers stay thin: extract, call one use-case of the app crate, render.
//! This crate must not contain business rules or SQL; errors from the app
//! are mapped to HTTP in one place, `error.rs`.

#![forbid(unsafe_code)]

mod api;
mod assets;
mod charts;
mod client;
mod error;
mod extract;
mod ics;
pub mod markdown;
mod middleware;
mod pages;
mod redirect;
mod session;

pub use api::openapi_document;
pub use client::TrustedProxies;
pub use error::{ApiError, PageError, status_of};

use axum::Router;
use guildhall_app::App;
use std::sync::Arc;

/// How the web layer is configured.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served over TLS, directly or behind a
    /// proxy that terminates it).
    pub secure_cookies: bool,
    /// How many reading requests (GET, HEAD) run at once; 0 picks the
    /// number of cores. See `middleware::admit_reads`.
    pub concurrent_reads: usize,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for
    /// sign-in throttling and the audit log); nobody by default.
    pub trusted_proxies: TrustedProxies,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub reads: Arc<tokio::sync::Semaphore>,
    /// The pulse page's charts per community, instant, window and units.
    pub(crate) pulse_charts: Arc<PulseChartCache>,
}

pub(crate) type PulseChartCache =
    guildhall_app::pulse::DerivedCache<(i64, i64, Vec<(String, i64)>), pages::pulse::PulseCharts>;

/// The whole application as one router.
pub fn router(app: App, config: WebConfig) -> Router {
    let secure = config.secure_cookies;
    let reads = match config.concurrent_reads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let state = AppState {
        app,
        config: Arc::new(config),
        reads: Arc::new(tokio::sync::Semaphore::new(reads)),
        pulse_charts: Arc::default(),
    };
    let router = Router::new()
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
        .merge(assets::routes())
        .fallback(pages::not_found)
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::sessions_and_csrf,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state,
            middleware::admit_reads,
        ));
    middleware::apply_outer(router, secure)
}
