//! Knowledge resources: a community's list, a resource with its rendered
//! body and status, the form to start or revise one, its history and the
//! difference between two revisions. Every form works without JavaScript.

use super::{PageResult, fmt, form_error, query_string};
use crate::AppState;
use crate::extract::{PageCtx, PageForm, PageQuery, PageUser, opt_id, path_id};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use guildhall_app::AppError;
use guildhall_app::resources::{
    ResourceDiff, ResourceHistory, ResourceInput, ResourceList, ResourceQuery, ResourceView,
    RevisionInput,
};
use guildhall_domain::practice::BODY_MAX;
use guildhall_domain::{FieldErrors, ResourceKind, ResourceStatus};
use guildhall_store::records::Community;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/communities/{slug}/resources", get(list))
        .route(
            "/communities/{slug}/resources/new",
            get(new_form).post(create),
        )
        .route("/resources/{id}", get(show))
        .route("/resources/{id}/edit", get(edit_form).post(revise))
        .route("/resources/{id}/status", post(change_status))
        .route("/resources/{id}/history", get(history))
        .route("/resources/{id}/diff", get(diff))
}

/// The button that moves a resource to `to`, in words.
fn move_label(from: ResourceStatus, to: ResourceStatus) -> &'static str {
    match (from, to) {
        (ResourceStatus::Draft, ResourceStatus::Endorsed) => "Endorse",
        (ResourceStatus::Endorsed, ResourceStatus::Standard) => "Make it a standard",
        (ResourceStatus::Standard, ResourceStatus::Endorsed) => "Back to endorsed",
        (_, ResourceStatus::Draft) => "Back to draft",
        _ => "Change status",
    }
}

// ---- list -----------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    kind: String,
    status: String,
    page: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "resources.html")]
struct ListPage {
    ctx: PageCtx,
    l: ResourceList,
    kind: String,
    status: String,
    kinds: &'static [ResourceKind],
    statuses: &'static [ResourceStatus],
    pages: i64,
    query_without_page: String,
}

impl ListPage {}

async fn list(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult {
    // A hand-edited filter that names no kind or status is ignored.
    let kind = ResourceKind::parse(q.kind.trim())
        .map(|k| k.as_str().to_owned())
        .unwrap_or_default();
    let status = ResourceStatus::parse(q.status.trim())
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    let query = ResourceQuery {
        kind: Some(kind.clone()),
        status: Some(status.clone()),
        page: opt_id(&q.page),
        per_page: Some(20),
    };
    let l = s.app.resources(&p.user, &slug, &query).await?;
    let pages = (l.found.total + l.per_page - 1) / l.per_page;
    let query_without_page = query_string(&[("kind", kind.clone()), ("status", status.clone())]);
    Ok(ListPage {
        ctx: p.ctx.with_nav("communities"),
        l,
        kind,
        status,
        kinds: ResourceKind::ALL,
        statuses: ResourceStatus::ALL,
        pages,
        query_without_page,
    }
    .into_response())
}

// ---- new and edit ---------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct ResourceForm {
    kind: String,
    title: String,
    body: String,
    summary: String,
    tags: String,
    base_revision: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "resource_form.html")]
struct FormPage {
    ctx: PageCtx,
    community: Community,
    /// The resource being revised, or `None` for a new one.
    resource: Option<ResourceView>,
    form: ResourceForm,
    errors: FieldErrors,
    kinds: &'static [ResourceKind],
    body_max: usize,
}

impl FormPage {
    fn action(&self) -> String {
        match &self.resource {
            Some(v) => format!("/resources/{}/edit", v.resource.id),
            None => format!("/communities/{}/resources/new", self.community.slug),
        }
    }
}

async fn new_form(State(s): State<AppState>, p: PageUser, Path(slug): Path<String>) -> PageResult {
    let community = s.app.resource_community(&p.user, &slug).await?;
    Ok(FormPage {
        ctx: p.ctx.with_nav("communities"),
        community,
        resource: None,
        form: ResourceForm {
            kind: ResourceKind::Document.as_str().into(),
            ..ResourceForm::default()
        },
        errors: FieldErrors::new(),
        kinds: ResourceKind::ALL,
        body_max: BODY_MAX,
    }
    .into_response())
}

async fn create(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
    PageForm(f): PageForm<ResourceForm>,
) -> PageResult {
    let input = ResourceInput {
        kind: f.kind.clone(),
        title: f.title.clone(),
        body: f.body.clone(),
        summary: f.summary.clone(),
        tags: f.tags.clone(),
    };
    match s.app.create_resource(&p.user, &slug, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/resources/{id}?notice=created")).into_response()),
        Err(e) => {
            let community = s.app.resource_community(&p.user, &slug).await?;
            let ctx = p.ctx.with_nav("communities");
            form_error(e, |errors| FormPage {
                ctx,
                community,
                resource: None,
                form: f,
                errors,
                kinds: ResourceKind::ALL,
                body_max: BODY_MAX,
            })
        }
    }
}

async fn edit_form(State(s): State<AppState>, p: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, "resource")?;
    let v = s.app.resource_to_revise(&p.user, id).await?;
    let form = ResourceForm {
        kind: v.resource.kind.to_string(),
        title: v.resource.title.clone(),
        body: v.resource.body.clone(),
        summary: String::new(),
        tags: v.resource.tags.clone(),
        base_revision: v.resource.revision.to_string(),
    };
    Ok(FormPage {
        ctx: p.ctx.with_nav("communities"),
        community: v.community.clone(),
        resource: Some(v),
        form,
        errors: FieldErrors::new(),
        kinds: ResourceKind::ALL,
        body_max: BODY_MAX,
    }
    .into_response())
}

async fn revise(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
    PageForm(f): PageForm<ResourceForm>,
) -> PageResult {
    let id = path_id(&id, "resource")?;
    let input = RevisionInput {
        title: f.title.clone(),
        body: f.body.clone(),
        summary: f.summary.clone(),
        base_revision: f.base_revision.trim().parse().unwrap_or(0),
    };
    match s.app.revise_resource(&p.user, id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/resources/{id}?notice=revised")).into_response()),
        Err(e) => {
            // What was typed stays in the form, on top of the revision it
            // was based on: after a conflict the reader reloads to see
            // the newer one.
            let v = s.app.resource(&p.user, id).await?;
            let ctx = p.ctx.with_nav("communities");
            form_error(e, |errors| FormPage {
                ctx,
                community: v.community.clone(),
                resource: Some(v),
                form: f,
                errors,
                kinds: ResourceKind::ALL,
                body_max: BODY_MAX,
            })
        }
    }
}

// ---- show and status ------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct ShowQuery {
    notice: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "resource.html")]
struct ShowPage {
    ctx: PageCtx,
    v: ResourceView,
    body_html: String,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl ShowPage {
    fn move_label(&self, to: &ResourceStatus) -> &'static str {
        move_label(self.v.status, *to)
    }

    fn tags(&self) -> Vec<&str> {
        self.v
            .resource
            .tags
            .split(',')
            .filter(|t| !t.is_empty())
            .collect()
    }
}

fn show_page(ctx: PageCtx, v: ResourceView, notice: Option<&'static str>) -> ShowPage {
    let body_html = crate::markdown::render(&v.resource.body);
    ShowPage {
        ctx,
        v,
        body_html,
        notice,
        error: None,
    }
}

async fn show(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<ShowQuery>,
) -> PageResult {
    let id = path_id(&id, "resource")?;
    let v = s.app.resource(&p.user, id).await?;
    let notice = match q.notice.as_deref() {
        Some("created") => Some("The resource is saved as a draft."),
        Some("revised") => Some("Your revision is saved."),
        Some("status") => Some("The status is changed."),
        Some("thanked") => Some("Your thanks are sent to the author."),
        _ => None,
    };
    Ok(show_page(p.ctx.with_nav("communities"), v, notice).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatusForm {
    to: String,
    note: String,
}

async fn change_status(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
    PageForm(f): PageForm<StatusForm>,
) -> PageResult {
    let id = path_id(&id, "resource")?;
    match s
        .app
        .change_resource_status(&p.user, id, &f.to, &f.note)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/resources/{id}?notice=status")).into_response()),
        Err(e) => {
            let v = s.app.resource(&p.user, id).await?;
            let ctx = p.ctx.with_nav("communities");
            form_error(e, |errors| {
                let mut page = show_page(ctx, v, None);
                page.error = errors.0.first().map(|e| e.message.clone());
                page
            })
        }
    }
}

// ---- history and diff -----------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "resource_history.html")]
struct HistoryPage {
    ctx: PageCtx,
    h: ResourceHistory,
}

async fn history(State(s): State<AppState>, p: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, "resource")?;
    let h = s.app.resource_history(&p.user, id).await?;
    Ok(HistoryPage {
        ctx: p.ctx.with_nav("communities"),
        h,
    }
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DiffQuery {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "resource_diff.html")]
struct DiffPage {
    ctx: PageCtx,
    d: ResourceDiff,
}

impl DiffPage {
    fn num(&self, n: &Option<usize>) -> String {
        n.map(|n| n.to_string()).unwrap_or_default()
    }
}

async fn diff(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<DiffQuery>,
) -> PageResult {
    let id = path_id(&id, "resource")?;
    let (from, to) = match (opt_id(&q.from), opt_id(&q.to)) {
        (Some(f), Some(t)) => (f, t),
        // Without a choice, the last change.
        _ => {
            let v = s.app.resource(&p.user, id).await?;
            let to = opt_id(&q.to).unwrap_or(v.resource.revision);
            (opt_id(&q.from).unwrap_or((to - 1).max(1)), to)
        }
    };
    if from < 1 || to < 1 {
        return Err(AppError::NotFound("revision").into());
    }
    let d = s.app.resource_diff(&p.user, id, from, to).await?;
    Ok(DiffPage {
        ctx: p.ctx.with_nav("communities"),
        d,
    }
    .into_response())
}
