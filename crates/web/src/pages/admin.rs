//! Administration: merging two records of one person (and undoing it), and
//! the audit log.

use super::{PageResult, fmt, form_error, query_string};
use crate::AppState;
use crate::extract::{ClientAddress, PageCtx, PageForm, PageQuery, PageUser, path_id};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use guildhall_app::{Actor, AppError};
use guildhall_domain::{FieldErrors, Timestamp};
use guildhall_store::{AuditEntry, AuditFilter, PersonMerge};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/merges", get(merges).post(merge))
        .route("/admin/merges/{id}/undo", post(undo_merge))
        .route("/admin/audit", get(audit))
        .route("/admin/audit.jsonl", get(audit_export))
}

// ---- merging people ------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct MergeForm {
    keep: String,
    absorb: String,
    reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_merges.html")]
struct MergesPage {
    ctx: PageCtx,
    merges: Vec<PersonMerge>,
    f: MergeForm,
    errors: FieldErrors,
}

async fn merges_page(
    s: &AppState,
    ctx: PageCtx,
    actor: &Actor,
    f: MergeForm,
    errors: FieldErrors,
) -> Result<MergesPage, AppError> {
    Ok(MergesPage {
        merges: s.app.person_merges(actor, 200, 0).await?,
        ctx: ctx.with_nav("people"),
        f,
        errors,
    })
}

async fn merges(State(s): State<AppState>, p: PageUser, addr: ClientAddress) -> PageResult {
    let actor = Actor::person(&p.user, addr.0);
    Ok(
        merges_page(&s, p.ctx, &actor, MergeForm::default(), FieldErrors::new())
            .await?
            .into_response(),
    )
}

async fn merge(
    State(s): State<AppState>,
    p: PageUser,
    addr: ClientAddress,
    PageForm(f): PageForm<MergeForm>,
) -> PageResult {
    let actor = Actor::person(&p.user, addr.0);
    let outcome = async {
        let keep = s.app.person_by_reference("keep", &f.keep);
        let absorb = s.app.person_by_reference("absorb", &f.absorb);
        let (keep, absorb) = (keep.await, absorb.await);
        let mut errors = FieldErrors::new();
        for (field, r) in [("keep", &keep), ("absorb", &absorb)] {
            if let Err(AppError::Validation(e)) = r
                && let Some(m) = e.get(field)
            {
                errors.add(field, m);
            }
        }
        errors.into_result()?;
        let (keep, absorb) = (keep?, absorb?);
        s.app
            .merge_people(&actor, keep.id, absorb.id, &f.reason)
            .await
    }
    .await;
    match outcome {
        Ok(_) => Ok(Redirect::to("/admin/merges").into_response()),
        Err(e) => {
            let page = merges_page(&s, p.ctx, &actor, f, FieldErrors::new()).await?;
            form_error(e, |errors| MergesPage { errors, ..page })
        }
    }
}

async fn undo_merge(
    State(s): State<AppState>,
    p: PageUser,
    addr: ClientAddress,
    Path(id): Path<String>,
) -> PageResult {
    let id = path_id(&id, "merge")?;
    let actor = Actor::person(&p.user, addr.0);
    s.app.undo_person_merge(&actor, id).await?;
    Ok(Redirect::to("/admin/merges").into_response())
}

// ---- audit log -------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct AuditParams {
    action: String,
    /// YYYY-MM-DD, inclusive.
    from: String,
    until: String,
    before: String,
}

impl AuditParams {
    fn filter(&self, limit: i64) -> Result<AuditFilter, AppError> {
        let mut errors = FieldErrors::new();
        let mut day = |field: &str, v: &str, plus_days: i64| -> Option<i64> {
            let v = v.trim();
            if v.is_empty() {
                return None;
            }
            match Timestamp::parse_rfc3339(&format!("{v}T00:00:00Z")) {
                Ok(t) => Some(t.0 + plus_days * 86_400),
                Err(_) => {
                    errors.add(field, "must be a date like 2026-03-01");
                    None
                }
            }
        };
        let from = day("from", &self.from, 0);
        let until = day("until", &self.until, 1);
        let before = match self.before.trim() {
            "" => None,
            b => match b.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.add("before", "must be an entry number");
                    None
                }
            },
        };
        if self.action.chars().count() > 100 {
            errors.add("action", "must be at most 100 characters");
        }
        errors.into_result()?;
        Ok(AuditFilter {
            action: Some(self.action.trim().to_owned()).filter(|a| !a.is_empty()),
            actor: None,
            from,
            until,
            limit,
            before: before.map(guildhall_domain::AuditEntryId),
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    ctx: PageCtx,
    entries: Vec<AuditEntry>,
    actions: Vec<String>,
    q: AuditParams,
    errors: FieldErrors,
    export_query: String,
    next_query: Option<String>,
}

impl AuditPage {
    fn is_action(&self, a: &str) -> bool {
        self.q.action == a
    }
}

const AUDIT_PAGE: i64 = 100;

async fn audit(
    State(s): State<AppState>,
    p: PageUser,
    addr: ClientAddress,
    PageQuery(q): PageQuery<AuditParams>,
) -> PageResult {
    let actor = Actor::person(&p.user, addr.0);
    let actions = s.app.audit_actions(&actor).await?;
    let (entries, errors) = match q.filter(AUDIT_PAGE) {
        Ok(filter) => (
            s.app.audit_entries(&actor, filter).await?,
            FieldErrors::new(),
        ),
        Err(AppError::Validation(errors)) => (Vec::new(), errors),
        Err(e) => return Err(e.into()),
    };
    let base = [
        ("action", q.action.clone()),
        ("from", q.from.clone()),
        ("until", q.until.clone()),
    ];
    let next_query = (entries.len() as i64 == AUDIT_PAGE)
        .then(|| entries.last().map(|e| e.id))
        .flatten()
        .map(|last| {
            let mut pairs = base.to_vec();
            pairs.push(("before", last.to_string()));
            query_string(&pairs)
        });
    Ok(AuditPage {
        ctx: p.ctx.with_nav("people"),
        entries,
        actions,
        export_query: query_string(&base),
        next_query,
        q,
        errors,
    }
    .into_response())
}

/// The filtered log as JSON Lines (one entry per line), newest first; the
/// export itself is recorded.
async fn audit_export(
    State(s): State<AppState>,
    p: PageUser,
    addr: ClientAddress,
    PageQuery(q): PageQuery<AuditParams>,
) -> PageResult {
    let actor = Actor::person(&p.user, addr.0);
    let filter = q.filter(guildhall_app::audit::AUDIT_PAGE_MAX)?;
    let entries = s.app.audit_entries(&actor, filter).await?;
    let mut body = String::new();
    for e in &entries {
        let line = serde_json::to_string(e)
            .map_err(|e| AppError::internal_from("writing the audit export", e))?;
        body.push_str(&line);
        body.push('\n');
    }
    s.app
        .audit(
            &actor,
            "audit.exported",
            String::new(),
            format!("{} entries", entries.len()),
        )
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"guildhall-audit.jsonl\"",
            ),
        ],
        body,
    )
        .into_response())
}
