//! Threads in a community: the list, asking for help / telling a story /
//! starting a discussion, the thread page with its replies, editing with
//! history, marking solved, thanks; and the reader's notifications.

use super::{PageResult, fmt, form_error, query_string};
use crate::AppState;
use crate::extract::{PageCtx, PageForm, PageQuery, PageUser, path_id};
use crate::markdown;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use guildhall_app::notifications as notice;
use guildhall_app::threads::{ThreadInput, ThreadQuery, ThreadView};
use guildhall_domain::policy;
use guildhall_domain::practice::BODY_MAX;
use guildhall_domain::{FieldErrors, NotificationId, PersonId, ReplyId, ThreadId, ThreadKind};
use guildhall_store::records::Community;
use guildhall_store::{Notification, Page, PostEdit, Reply, Thread};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/communities/{slug}/threads", get(list).post(create))
        .route("/communities/{slug}/threads/new", get(new_form))
        .route("/threads/{id}", get(show))
        .route("/threads/{id}/replies", post(reply))
        .route("/threads/{id}/edit", get(edit_form).post(edit))
        .route("/threads/{id}/delete", post(delete))
        .route("/threads/{id}/solved", post(solved))
        .route("/threads/{id}/history", get(history))
        .route("/threads/{id}/harvest", post(harvest))
        .route("/resources/{id}/thanks", post(thank_resource))
        .route("/replies/{id}/edit", get(reply_edit_form).post(reply_edit))
        .route("/replies/{id}/delete", post(reply_delete))
        .route("/replies/{id}/thanks", post(thanks))
        .route("/notifications", get(notifications))
        .route("/notifications/read", post(mark_read))
}

// ---- list ------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "threads.html")]
struct ListPage {
    ctx: PageCtx,
    community: Community,
    can_post: bool,
    page: Page<Thread>,
    kind: String,
    show: String,
    page_no: i64,
    per_page: i64,
}

impl ListPage {
    fn link(&self, page: i64) -> String {
        query_string(&[
            ("kind", self.kind.clone()),
            ("show", self.show.clone()),
            ("page", page.to_string()),
        ])
    }
    fn last_page(&self) -> i64 {
        ((self.page.total + self.per_page - 1) / self.per_page).max(1)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    kind: String,
    show: String,
    page: Option<String>,
    notice: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult {
    let page_no = q
        .page
        .as_deref()
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 1_000_000);
    let query = ThreadQuery {
        kind: Some(q.kind.clone()),
        unanswered: q.show == "unanswered",
        unsolved: q.show == "unsolved",
        page: Some(page_no),
        per_page: Some(30),
    };
    let (community, ctx, page) = s.app.community_threads(&p.user, &slug, &query).await?;
    Ok(ListPage {
        ctx: p.ctx.with_nav("communities"),
        can_post: policy::can_participate(&ctx).is_allowed(),
        community,
        page,
        kind: q.kind,
        show: q.show,
        page_no,
        per_page: 30,
    }
    .into_response())
}

// ---- new thread --------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "thread_form.html")]
struct ThreadFormPage {
    ctx: PageCtx,
    community_slug: String,
    community_name: String,
    /// None: a new thread; Some(id): editing that thread.
    editing: Option<ThreadId>,
    form: ThreadForm,
    errors: FieldErrors,
    body_max: usize,
}

impl ThreadFormPage {
    fn kinds(&self) -> &'static [ThreadKind] {
        ThreadKind::ALL
    }
    fn prompt_title(&self) -> &'static str {
        match ThreadKind::parse(&self.form.kind) {
            Ok(ThreadKind::Help) => "Ask for help",
            Ok(ThreadKind::Story) => "Tell a story",
            _ => "Start a discussion",
        }
    }
    fn prompt(&self) -> &'static str {
        match ThreadKind::parse(&self.form.kind) {
            Ok(ThreadKind::Help) => {
                "Say what you are trying to do, what you tried and where you are stuck. Someone in the community has probably met it before."
            }
            Ok(ThreadKind::Story) => {
                "Tell what happened, what you learned and what others can take from it. Stories are how practice travels."
            }
            _ => {
                "Open a question to the community: a debate, an idea, a hard problem to look at together."
            }
        }
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct ThreadForm {
    kind: String,
    title: String,
    body: String,
    tags: String,
}

impl ThreadForm {
    fn input(&self) -> ThreadInput {
        ThreadInput {
            kind: self.kind.clone(),
            title: self.title.clone(),
            body: self.body.clone(),
            tags: self.tags.clone(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    kind: String,
}

async fn new_form(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
    PageQuery(q): PageQuery<NewQuery>,
) -> PageResult {
    let community = s.app.community_for_posting(&p.user, &slug).await?;
    let kind = ThreadKind::parse(&q.kind).unwrap_or(ThreadKind::Help);
    Ok(ThreadFormPage {
        ctx: p.ctx.with_nav("communities"),
        community_slug: community.slug,
        community_name: community.name,
        editing: None,
        form: ThreadForm {
            kind: kind.as_str().into(),
            ..ThreadForm::default()
        },
        errors: FieldErrors::new(),
        body_max: BODY_MAX,
    }
    .into_response())
}

async fn create(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
    PageForm(f): PageForm<ThreadForm>,
) -> PageResult {
    match s.app.start_thread(&p.user, &slug, &f.input()).await {
        Ok(id) => Ok(Redirect::to(&format!("/threads/{id}")).into_response()),
        Err(e) => {
            let community = s.app.community(&p.user, &slug).await?;
            form_error(e, |errors| ThreadFormPage {
                ctx: p.ctx.with_nav("communities"),
                community_slug: community.slug,
                community_name: community.name,
                editing: None,
                form: f,
                errors,
                body_max: BODY_MAX,
            })
        }
    }
}

// ---- the thread --------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "thread.html")]
struct ThreadPage {
    ctx: PageCtx,
    v: ThreadView,
    me: PersonId,
    reply_text: String,
    errors: FieldErrors,
    notice: Option<&'static str>,
    body_max: usize,
}

impl ThreadPage {
    fn md(&self, text: &str) -> String {
        markdown::render(text)
    }
    fn can_moderate(&self, r: &Reply) -> bool {
        self.v.can_moderate(r, self.me)
    }
    fn thanked(&self, r: &Reply) -> bool {
        self.v.thanked(r.id, self.me)
    }
    fn is_solution(&self, r: &Reply) -> bool {
        self.v.thread.solved_reply_id == Some(r.id)
    }
    fn can_choose(&self, r: &Reply) -> bool {
        self.v.can_mark_solved
            && r.author_id != self.v.thread.author_id
            && r.deleted_at.is_none()
            && !self.is_solution(r)
    }
    fn thanks_notes(&self, r: &Reply) -> Vec<String> {
        self.v
            .thanks
            .iter()
            .filter(|t| t.reply_id == Some(r.id))
            .map(|t| {
                if t.note.is_empty() {
                    t.giver_name.clone()
                } else {
                    format!("{}: “{}”", t.giver_name, t.note)
                }
            })
            .collect()
    }
    fn tag_list(&self) -> Vec<&str> {
        self.v
            .thread
            .tags
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ShowQuery {
    notice: Option<String>,
}

fn notice_text(n: Option<&str>) -> Option<&'static str> {
    match n {
        Some("edited") => Some("Your changes are saved; the earlier text is kept in the history."),
        Some("solved") => {
            Some("Marked solved: the reply that helped is recorded, and its author is told.")
        }
        Some("thanked") => Some("Your thanks are sent."),
        Some("deleted") => Some("The reply is deleted."),
        _ => None,
    }
}

async fn show(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<ShowQuery>,
) -> PageResult {
    let id = path_id(&id, "thread")?;
    let v = s.app.thread_view(&p.user, id).await?;
    Ok(ThreadPage {
        ctx: p.ctx.with_nav("communities"),
        me: p.user.id(),
        v,
        reply_text: String::new(),
        errors: FieldErrors::new(),
        notice: notice_text(q.notice.as_deref()),
        body_max: BODY_MAX,
    }
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReplyForm {
    body: String,
}

async fn reply(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
    PageForm(f): PageForm<ReplyForm>,
) -> PageResult {
    let id = path_id(&id, "thread")?;
    match s.app.reply(&p.user, id, &f.body).await {
        Ok(rid) => Ok(Redirect::to(&format!("/threads/{id}#reply-{rid}")).into_response()),
        Err(e) => {
            let v = s.app.thread_view(&p.user, id).await?;
            form_error(e, |errors| ThreadPage {
                ctx: p.ctx.with_nav("communities"),
                me: p.user.id(),
                v,
                reply_text: f.body,
                errors,
                notice: None,
                body_max: BODY_MAX,
            })
        }
    }
}

async fn edit_form(State(s): State<AppState>, p: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, "thread")?;
    let v = s.app.thread_view(&p.user, id).await?;
    if !v.can_moderate_thread {
        return Err(guildhall_app::AppError::Forbidden(
            "only the author or a coordinator can change this post".into(),
        )
        .into());
    }
    Ok(ThreadFormPage {
        ctx: p.ctx.with_nav("communities"),
        community_slug: v.community.slug.clone(),
        community_name: v.community.name.clone(),
        editing: Some(id),
        form: ThreadForm {
            kind: v.thread.kind.to_string(),
            title: v.thread.title.clone(),
            body: v.thread.body.clone(),
            tags: v.thread.tags.clone(),
        },
        errors: FieldErrors::new(),
        body_max: BODY_MAX,
    }
    .into_response())
}

async fn edit(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
    PageForm(f): PageForm<ThreadForm>,
) -> PageResult {
    let id = path_id(&id, "thread")?;
    match s.app.edit_thread(&p.user, id, &f.input()).await {
        Ok(()) => Ok(Redirect::to(&format!("/threads/{id}?notice=edited")).into_response()),
        Err(e) => {
            let v = s.app.thread_view(&p.user, id).await?;
            form_error(e, |errors| ThreadFormPage {
                ctx: p.ctx.with_nav("communities"),
                community_slug: v.community.slug.clone(),
                community_name: v.community.name.clone(),
                editing: Some(id),
                form: ThreadForm {
                    kind: v.thread.kind.to_string(),
                    ..f
                },
                errors,
                body_max: BODY_MAX,
            })
        }
    }
}

async fn delete(State(s): State<AppState>, p: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, "thread")?;
    let community = s.app.delete_thread(&p.user, id).await?;
    Ok(Redirect::to(&format!(
        "/communities/{}/threads?notice=deleted",
        community.slug
    ))
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SolvedForm {
    reply_id: String,
}

async fn solved(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
    PageForm(f): PageForm<SolvedForm>,
) -> PageResult {
    let id = path_id(&id, "thread")?;
    let reply = f.reply_id.trim().parse::<ReplyId>().unwrap_or_default();
    s.app.mark_solved(&p.user, id, reply).await?;
    Ok(Redirect::to(&format!("/threads/{id}?notice=solved#reply-{reply}")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ThanksForm {
    note: String,
}

async fn thanks(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
    PageForm(f): PageForm<ThanksForm>,
) -> PageResult {
    let id = path_id(&id, "reply")?;
    let thread = s.app.thank_reply(&p.user, id, &f.note).await?;
    Ok(Redirect::to(&format!("/threads/{thread}?notice=thanked#reply-{id}")).into_response())
}

/// Turns a thread into a draft lesson learned and opens it for editing.
async fn harvest(State(s): State<AppState>, p: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, "thread")?;
    let resource = s.app.harvest_thread(&p.user, id).await?;
    Ok(Redirect::to(&format!("/resources/{resource}/edit")).into_response())
}

async fn thank_resource(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
    PageForm(f): PageForm<ThanksForm>,
) -> PageResult {
    let id = path_id(&id, "resource")?;
    s.app.thank_resource(&p.user, id, &f.note).await?;
    Ok(Redirect::to(&format!("/resources/{id}?notice=thanked")).into_response())
}

// ---- replies -------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "reply_form.html")]
struct ReplyEditPage {
    ctx: PageCtx,
    reply: Reply,
    thread: Thread,
    body: String,
    errors: FieldErrors,
    body_max: usize,
}

async fn reply_edit_form(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
) -> PageResult {
    let id = path_id(&id, "reply")?;
    let (reply, thread) = s.app.reply_for_edit(&p.user, id).await?;
    Ok(ReplyEditPage {
        ctx: p.ctx.with_nav("communities"),
        body: reply.body.clone(),
        reply,
        thread,
        errors: FieldErrors::new(),
        body_max: BODY_MAX,
    }
    .into_response())
}

async fn reply_edit(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
    PageForm(f): PageForm<ReplyForm>,
) -> PageResult {
    let id = path_id(&id, "reply")?;
    match s.app.edit_reply(&p.user, id, &f.body).await {
        Ok(thread) => Ok(
            Redirect::to(&format!("/threads/{thread}?notice=edited#reply-{id}")).into_response(),
        ),
        Err(e) => {
            let (reply, thread) = s.app.reply_for_edit(&p.user, id).await?;
            form_error(e, |errors| ReplyEditPage {
                ctx: p.ctx.with_nav("communities"),
                reply,
                thread,
                body: f.body,
                errors,
                body_max: BODY_MAX,
            })
        }
    }
}

async fn reply_delete(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
) -> PageResult {
    let id = path_id(&id, "reply")?;
    let thread = s.app.delete_reply(&p.user, id).await?;
    Ok(Redirect::to(&format!("/threads/{thread}?notice=deleted")).into_response())
}

// ---- history ---------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "thread_history.html")]
struct HistoryPage {
    ctx: PageCtx,
    thread: Thread,
    community: Community,
    edits: Vec<PostEdit>,
}

async fn history(State(s): State<AppState>, p: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, "thread")?;
    let (thread, community, edits) = s.app.thread_history(&p.user, id).await?;
    Ok(HistoryPage {
        ctx: p.ctx.with_nav("communities"),
        thread,
        community,
        edits,
    }
    .into_response())
}

// ---- notifications -----------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    ctx: PageCtx,
    items: Vec<Notification>,
    unread_only: bool,
}

impl NotificationsPage {
    fn describe(&self, n: &Notification) -> String {
        notice::describe(n)
    }
    fn link(&self, n: &Notification) -> String {
        notice::link(n)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NotificationsQuery {
    show: String,
}

async fn notifications(
    State(s): State<AppState>,
    p: PageUser,
    PageQuery(q): PageQuery<NotificationsQuery>,
) -> PageResult {
    let unread_only = q.show == "unread";
    let items = s.app.notifications(&p.user, unread_only, None).await?;
    Ok(NotificationsPage {
        ctx: p.ctx.with_nav("notifications"),
        items,
        unread_only,
    }
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReadForm {
    id: String,
    next: String,
}

async fn mark_read(
    State(s): State<AppState>,
    p: PageUser,
    PageForm(f): PageForm<ReadForm>,
) -> PageResult {
    let id = f.id.trim().parse::<NotificationId>().ok();
    s.app.mark_read(&p.user, id).await?;
    let next = crate::redirect::local_or(&f.next, "/notifications");
    Ok(Redirect::to(&next).into_response())
}
