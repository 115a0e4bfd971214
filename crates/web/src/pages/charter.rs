//! The charter page: read it, edit it (coordinators), see its history.

use super::{PageResult, fmt, form_error};
use crate::AppState;
use crate::extract::{PageCtx, PageForm, PageQuery, PageUser};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use guildhall_app::charter::{CharterInput, CharterView};
use guildhall_domain::FieldErrors;
use guildhall_store::{Charter, CharterText};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/communities/{slug}/charter", get(show).post(save))
        .route("/communities/{slug}/charter/review", post(review))
}

/// The parts of a charter: (field, heading, prompt).
const PARTS: &[(&str, &str, &str)] = &[
    (
        "domain",
        "Domain",
        "What the community cares about and the questions it takes on.",
    ),
    (
        "rhythm",
        "Rhythm",
        "How often and how members come together.",
    ),
    (
        "roles",
        "Roles",
        "Who coordinates, who is in the core group, what other roles exist.",
    ),
    (
        "openness",
        "Openness",
        "Who can join and how newcomers are welcomed.",
    ),
    (
        "outside",
        "The outside",
        "How the community works with the organization, other communities and outsiders.",
    ),
    (
        "norms",
        "Norms",
        "How members treat each other and each other's questions.",
    ),
];

#[derive(Template, WebTemplate)]
#[template(path = "charter.html")]
struct CharterPage {
    ctx: PageCtx,
    v: CharterView,
    shown: Option<Charter>,
    form: CharterForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
    parts: &'static [(&'static str, &'static str, &'static str)],
}

impl CharterPage {
    fn part_of(&self, field: &str) -> String {
        let c = match &self.shown {
            Some(c) => c,
            None => return String::new(),
        };
        match field {
            "domain" => c.domain.clone(),
            "rhythm" => c.rhythm.clone(),
            "roles" => c.roles.clone(),
            "openness" => c.openness.clone(),
            "outside" => c.outside.clone(),
            _ => c.norms.clone(),
        }
    }

    fn form_value(&self, field: &str) -> &str {
        match field {
            "domain" => &self.form.domain,
            "rhythm" => &self.form.rhythm,
            "roles" => &self.form.roles,
            "openness" => &self.form.openness,
            "outside" => &self.form.outside,
            _ => &self.form.norms,
        }
    }

    fn is_current(&self) -> bool {
        match (&self.shown, self.v.current()) {
            (Some(s), Some(c)) => s.version == c.version,
            _ => true,
        }
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct CharterForm {
    domain: String,
    rhythm: String,
    roles: String,
    openness: String,
    outside: String,
    norms: String,
    note: String,
    base_version: String,
}

impl CharterForm {
    fn from_charter(c: Option<&Charter>) -> Self {
        match c {
            Some(c) => CharterForm {
                domain: c.domain.clone(),
                rhythm: c.rhythm.clone(),
                roles: c.roles.clone(),
                openness: c.openness.clone(),
                outside: c.outside.clone(),
                norms: c.norms.clone(),
                note: String::new(),
                base_version: c.version.to_string(),
            },
            None => CharterForm {
                base_version: "0".into(),
                ..CharterForm::default()
            },
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ShowQuery {
    version: Option<String>,
    notice: Option<String>,
}

async fn show(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
    PageQuery(q): PageQuery<ShowQuery>,
) -> PageResult {
    let v = s.app.charter(&p.user, &slug).await?;
    let wanted = q.version.as_deref().and_then(|v| v.parse::<i64>().ok());
    let shown = match wanted {
        Some(n) => Some(
            v.history
                .iter()
                .find(|c| c.version == n)
                .cloned()
                .ok_or(guildhall_app::AppError::NotFound("charter version"))?,
        ),
        None => v.current().cloned(),
    };
    let notice = match q.notice.as_deref() {
        Some("saved") => Some("The charter is saved as a new version; this counts as a review."),
        Some("reviewed") => Some("The review is recorded: the charter still holds."),
        _ => None,
    };
    let form = CharterForm::from_charter(v.current());
    Ok(CharterPage {
        ctx: p.ctx.with_nav("communities"),
        v,
        shown,
        form,
        errors: FieldErrors::new(),
        notice,
        parts: PARTS,
    }
    .into_response())
}

async fn save(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
    PageForm(f): PageForm<CharterForm>,
) -> PageResult {
    let input = CharterInput {
        text: CharterText {
            domain: f.domain.clone(),
            rhythm: f.rhythm.clone(),
            roles: f.roles.clone(),
            openness: f.openness.clone(),
            outside: f.outside.clone(),
            norms: f.norms.clone(),
            note: f.note.clone(),
        },
        base_version: f.base_version.trim().parse().unwrap_or(-1),
    };
    match s.app.save_charter(&p.user, &slug, &input).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/communities/{slug}/charter?notice=saved")).into_response())
        }
        Err(e) => {
            let v = s.app.charter(&p.user, &slug).await?;
            let shown = v.current().cloned();
            let ctx = p.ctx.with_nav("communities");
            form_error(e, |errors| CharterPage {
                ctx,
                v,
                shown,
                form: f,
                errors,
                notice: None,
                parts: PARTS,
            })
        }
    }
}

async fn review(State(s): State<AppState>, p: PageUser, Path(slug): Path<String>) -> PageResult {
    s.app.review_charter(&p.user, &slug).await?;
    Ok(Redirect::to(&format!("/communities/{slug}/charter?notice=reviewed")).into_response())
}
