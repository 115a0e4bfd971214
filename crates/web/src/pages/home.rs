//! The home page: my communities, what happened in them, invitations, and
//! communities I might join.

use super::PageResult;
use super::fmt;
use crate::AppState;
use crate::extract::{PageCtx, PageUser};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use guildhall_store::records::{CommunitySummary, FeedItem, Invitation};

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageCtx,
    mine: Vec<CommunitySummary>,
    feed: Vec<FeedItem>,
    invitations: Vec<Invitation>,
    suggested: Vec<CommunitySummary>,
}

async fn home(State(s): State<AppState>, p: PageUser) -> PageResult {
    let app = &s.app;
    Ok(HomePage {
        mine: app.my_communities(&p.user).await?,
        feed: app.home_feed(&p.user, 25).await?,
        invitations: app.my_invitations(&p.user).await?,
        suggested: app.suggested_communities(&p.user, 6).await?,
        ctx: p.ctx.with_nav("home"),
    }
    .into_response())
}
