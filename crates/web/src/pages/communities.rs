//! Community pages: the list, a community's page, creating and editing,
//! membership administration and stage moves.

use super::fmt;
use super::{PageResult, form_error};
use crate::AppState;
use crate::extract::{FormPairs, PageCtx, PageForm, PageQuery, PageUser, opt_id, path_id};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use guildhall_app::AppError;
use guildhall_app::communities::{CommunityInput, CommunityQuery, CommunityView, JoinOutcome};
use guildhall_app::organization::UnitNode;
use guildhall_domain::policy::{Access, JoinOption};
use guildhall_domain::{
    CommunityRole, DomainId, FieldErrors, MembershipPolicy, Stage, UnitId, Visibility,
};
use guildhall_store::records::{CommunitySummary, DomainSummary};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/communities", get(list))
        .route("/communities/new", get(new_page).post(create))
        .route("/communities/{slug}", get(show))
        .route("/communities/{slug}/edit", get(edit_page).post(update))
        .route("/communities/{slug}/join", post(join))
        .route("/communities/{slug}/leave", post(leave))
        .route("/communities/{slug}/members", get(members_page))
        .route(
            "/communities/{slug}/requests/{id}/{decision}",
            post(decide_request),
        )
        .route("/communities/{slug}/invitations", post(invite))
        .route("/communities/{slug}/members/{person}/role", post(set_role))
        .route(
            "/communities/{slug}/stage",
            get(stage_page).post(change_stage),
        )
        .route("/invitations/{id}/decline", post(decline_invitation))
}

// ---- list ------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: Option<String>,
    domain: Option<String>,
    stage: Option<String>,
    unit: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "communities.html")]
struct ListPage {
    ctx: PageCtx,
    items: Vec<CommunitySummary>,
    total: i64,
    page: i64,
    pages: i64,
    q: String,
    domain: Option<DomainId>,
    stage: String,
    unit: Option<UnitId>,
    sort: String,
    domains: Vec<DomainSummary>,
    units: Vec<UnitNode>,
    stages: &'static [Stage],
    query_without_page: String,
}

impl ListPage {
    fn is_domain(&self, id: &DomainId) -> bool {
        self.domain == Some(*id)
    }
    fn is_unit(&self, id: &UnitId) -> bool {
        self.unit == Some(*id)
    }
}

async fn list(
    State(s): State<AppState>,
    p: PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult {
    let stage = q
        .stage
        .clone()
        .filter(|s| Stage::parse(s).is_ok())
        .unwrap_or_default();
    let sort = q
        .sort
        .clone()
        .filter(|s| ["name", "members", "recent"].contains(&s.as_str()))
        .unwrap_or_default();
    let query = CommunityQuery {
        text: q.q.clone(),
        domain: opt_id(&q.domain),
        stage: Some(stage.clone()),
        unit: opt_id(&q.unit),
        sort: Some(sort.clone()),
        page: opt_id(&q.page),
        per_page: Some(24),
    };
    let (items, page, per_page) = s.app.communities(&p.user, &query).await?;
    let query_without_page = super::query_string(&[
        ("q", q.q.clone().unwrap_or_default()),
        (
            "domain",
            query.domain.map(|d| d.to_string()).unwrap_or_default(),
        ),
        ("stage", stage.clone()),
        (
            "unit",
            query.unit.map(|d| d.to_string()).unwrap_or_default(),
        ),
        ("sort", sort.clone()),
    ]);
    Ok(ListPage {
        pages: ((items.total + per_page - 1) / per_page).max(1),
        total: items.total,
        items: items.items,
        page,
        q: q.q.unwrap_or_default(),
        domain: query.domain,
        stage,
        unit: query.unit,
        sort,
        domains: s.app.domains(&p.user).await?,
        units: s.app.unit_choices().await?,
        stages: Stage::ALL,
        query_without_page,
        ctx: p.ctx.with_nav("communities"),
    }
    .into_response())
}

// ---- one community -----------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "community.html")]
struct ShowPage {
    ctx: PageCtx,
    v: CommunityView,
    guidance: Vec<guildhall_domain::lifecycle::Item>,
    notice: Option<&'static str>,
}

impl ShowPage {
    fn members_with(&self, role: &CommunityRole) -> Vec<&guildhall_store::records::Member> {
        self.v.members.iter().filter(|m| m.role == *role).collect()
    }

    /// How many hold `role` (more than `members_with` lists beyond
    /// `MEMBERS_SHOWN`).
    fn role_count(&self, role: &CommunityRole) -> i64 {
        self.v
            .role_counts
            .iter()
            .find(|(r, _)| r == role)
            .map_or(0, |(_, n)| *n)
    }

    fn roles(&self) -> &'static [CommunityRole] {
        CommunityRole::ALL
    }

    fn can_read(&self) -> bool {
        guildhall_domain::policy::can_read_content(&self.v.context)
    }

    fn leave_allowed(&self) -> bool {
        self.v.can_leave == Access::Allowed
    }

    fn join_label(&self) -> &'static str {
        join_label(&self.v.join)
    }

    fn join_unavailable(&self) -> &'static str {
        match self.v.join {
            JoinOption::Unavailable(why) => why,
            _ => "",
        }
    }

    fn leave_reason(&self) -> &'static str {
        match self.v.can_leave {
            Access::Forbidden(why) => why,
            _ => "",
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoticeQuery {
    notice: Option<String>,
}

fn notice(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "created" => Some("Your community is created. You are its first coordinator."),
        "joined" => Some("Welcome! You are now a member."),
        "requested" => Some("Your request is sent. A coordinator will answer it."),
        "left" => Some("You have left the community."),
        "updated" => Some("The community's profile is saved."),
        "stage" => Some("The stage is changed and recorded in the community's history."),
        _ => None,
    }
}

async fn show(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    let v = s.app.community_view(&p.user, &slug).await?;
    // Stage guidance reads the activity: shown where the content is readable.
    let guidance = if v.members_visible {
        s.app.guidance(&v).await?
    } else {
        Vec::new()
    };
    Ok(ShowPage {
        ctx: p.ctx.with_nav("communities"),
        v,
        guidance,
        notice: notice(q.notice.as_deref()),
    }
    .into_response())
}

// ---- create and edit --------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "community_form.html")]
struct FormPage {
    ctx: PageCtx,
    creating: bool,
    slug_path: String,
    input: CommunityInput,
    errors: FieldErrors,
    domains: Vec<DomainSummary>,
    visibilities: &'static [Visibility],
    policies: &'static [MembershipPolicy],
    stages: &'static [Stage],
}

impl FormPage {
    fn has_domain(&self, id: &DomainId) -> bool {
        self.input.domains.contains(id)
    }
}

fn input_from(f: &FormPairs) -> CommunityInput {
    CommunityInput {
        name: f.get("name"),
        slug: f.get("slug"),
        domain_statement: f.get("domain_statement"),
        purpose: f.get("purpose"),
        visibility: f.get("visibility"),
        membership_policy: f.get("membership_policy"),
        stage: f.get("stage"),
        domains: f
            .all("domains")
            .iter()
            .filter_map(|d| d.parse().ok())
            .collect(),
    }
}

async fn form_page(
    s: &AppState,
    p: PageUser,
    creating: bool,
    slug_path: String,
    input: CommunityInput,
    errors: FieldErrors,
) -> Result<FormPage, AppError> {
    Ok(FormPage {
        domains: s.app.domains(&p.user).await?,
        ctx: p.ctx.with_nav("communities"),
        creating,
        slug_path,
        input,
        errors,
        visibilities: Visibility::ALL,
        policies: MembershipPolicy::ALL,
        stages: Stage::ALL,
    })
}

async fn new_page(State(s): State<AppState>, p: PageUser) -> PageResult {
    let input = CommunityInput {
        visibility: "open".into(),
        membership_policy: "open".into(),
        stage: "potential".into(),
        ..CommunityInput::default()
    };
    Ok(
        form_page(&s, p, true, String::new(), input, FieldErrors::new())
            .await?
            .into_response(),
    )
}

async fn create(State(s): State<AppState>, p: PageUser, f: FormPairs) -> PageResult {
    let input = input_from(&f);
    match s.app.create_community(&p.user, &input).await {
        Ok(c) => {
            Ok(Redirect::to(&format!("/communities/{}?notice=created", c.slug)).into_response())
        }
        Err(e) => {
            let page = form_page(&s, p, true, String::new(), input, FieldErrors::new()).await?;
            form_error(e, |errors| FormPage { errors, ..page })
        }
    }
}

async fn edit_page(State(s): State<AppState>, p: PageUser, Path(slug): Path<String>) -> PageResult {
    let v = s.app.community_view(&p.user, &slug).await?;
    if !v.can_edit {
        return Err(
            AppError::Forbidden("only the community's coordinators can edit it".into()).into(),
        );
    }
    let c = &v.community;
    let input = CommunityInput {
        name: c.name.clone(),
        slug: c.slug.clone(),
        domain_statement: c.domain_statement.clone(),
        purpose: c.purpose.clone(),
        visibility: c.visibility.to_string(),
        membership_policy: c.membership_policy.to_string(),
        stage: c.stage.to_string(),
        domains: v.domains.iter().map(|d| d.id).collect(),
    };
    Ok(form_page(&s, p, false, slug, input, FieldErrors::new())
        .await?
        .into_response())
}

async fn update(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
    f: FormPairs,
) -> PageResult {
    let mut input = input_from(&f);
    input.slug = slug.clone();
    match s.app.update_community(&p.user, &slug, &input).await {
        Ok(c) => {
            Ok(Redirect::to(&format!("/communities/{}?notice=updated", c.slug)).into_response())
        }
        Err(e) => {
            let page = form_page(&s, p, false, slug, input, FieldErrors::new()).await?;
            form_error(e, |errors| FormPage { errors, ..page })
        }
    }
}

// ---- membership --------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct JoinForm {
    message: String,
}

async fn join(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
    PageForm(f): PageForm<JoinForm>,
) -> PageResult {
    let outcome = s.app.join(&p.user, &slug, &f.message).await?;
    let n = if outcome == JoinOutcome::Joined {
        "joined"
    } else {
        "requested"
    };
    Ok(Redirect::to(&format!("/communities/{slug}?notice={n}")).into_response())
}

async fn leave(State(s): State<AppState>, p: PageUser, Path(slug): Path<String>) -> PageResult {
    s.app.leave(&p.user, &slug).await?;
    Ok(Redirect::to(&format!("/communities/{slug}?notice=left")).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "community_members.html")]
struct MembersPage {
    ctx: PageCtx,
    v: CommunityView,
    /// Every member, by role then name.
    members: Vec<guildhall_store::records::Member>,
    roles: &'static [CommunityRole],
    person: String,
    role: String,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

async fn members_page(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    let v = s.app.community_view(&p.user, &slug).await?;
    if !v.can_manage {
        return Err(AppError::Forbidden(
            "only the community's coordinators can manage its members".into(),
        )
        .into());
    }
    let notice = match q.notice.as_deref() {
        Some("invited") => Some("The invitation is sent."),
        Some("approved") => Some("The request is approved; they are now a member."),
        Some("declined") => Some("The request is declined."),
        Some("role") => Some("The role is changed."),
        _ => None,
    };
    Ok(MembersPage {
        ctx: p.ctx.with_nav("communities"),
        members: s.app.community_members(&p.user, &slug).await?,
        v,
        roles: CommunityRole::ALL,
        person: String::new(),
        role: "member".into(),
        errors: FieldErrors::new(),
        notice,
    }
    .into_response())
}

async fn decide_request(
    State(s): State<AppState>,
    p: PageUser,
    Path((slug, id, decision)): Path<(String, String, String)>,
) -> PageResult {
    let id = path_id(&id, "join request")?;
    let approve = match decision.as_str() {
        "approve" => true,
        "decline" => false,
        _ => return Err(AppError::NotFound("page").into()),
    };
    s.app
        .decide_join_request(&p.user, &slug, id, approve)
        .await?;
    let n = if approve { "approved" } else { "declined" };
    Ok(Redirect::to(&format!("/communities/{slug}/members?notice={n}")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InviteForm {
    person: String,
    role: String,
}

async fn invite(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
    PageForm(f): PageForm<InviteForm>,
) -> PageResult {
    match s.app.invite(&p.user, &slug, &f.person, &f.role).await {
        Ok(()) => Ok(
            Redirect::to(&format!("/communities/{slug}/members?notice=invited")).into_response(),
        ),
        Err(e) => {
            let v = s.app.community_view(&p.user, &slug).await?;
            let members = s.app.community_members(&p.user, &slug).await?;
            let ctx = p.ctx.with_nav("communities");
            form_error(e, |errors| MembersPage {
                ctx,
                v,
                members,
                roles: CommunityRole::ALL,
                person: f.person,
                role: f.role,
                errors,
                notice: None,
            })
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RoleForm {
    role: String,
}

async fn set_role(
    State(s): State<AppState>,
    p: PageUser,
    Path((slug, person)): Path<(String, String)>,
    PageForm(f): PageForm<RoleForm>,
) -> PageResult {
    let person = path_id(&person, "member")?;
    s.app
        .set_member_role(&p.user, &slug, person, &f.role)
        .await?;
    Ok(Redirect::to(&format!("/communities/{slug}/members?notice=role")).into_response())
}

async fn decline_invitation(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
) -> PageResult {
    let id = path_id(&id, "invitation")?;
    s.app.decline_invitation(&p.user, id).await?;
    Ok(Redirect::to("/").into_response())
}

// ---- stage ---------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "community_stage.html")]
struct StagePage {
    ctx: PageCtx,
    v: CommunityView,
    stages: &'static [Stage],
    to: String,
    reason: String,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StageForm {
    stage: String,
    reason: String,
}

async fn stage_page(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
) -> PageResult {
    let v = s.app.community_view(&p.user, &slug).await?;
    if !v.can_manage {
        return Err(AppError::Forbidden(
            "only the community's coordinators can change its stage".into(),
        )
        .into());
    }
    Ok(StagePage {
        ctx: p.ctx.with_nav("communities"),
        v,
        stages: Stage::ALL,
        to: String::new(),
        reason: String::new(),
        errors: FieldErrors::new(),
    }
    .into_response())
}

async fn change_stage(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
    PageForm(f): PageForm<StageForm>,
) -> PageResult {
    match s
        .app
        .change_stage(&p.user, &slug, &f.stage, &f.reason)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/communities/{slug}?notice=stage")).into_response()),
        Err(e) => {
            let v = s.app.community_view(&p.user, &slug).await?;
            let ctx = p.ctx.with_nav("communities");
            form_error(e, |errors| StagePage {
                ctx,
                v,
                stages: Stage::ALL,
                to: f.stage,
                reason: f.reason,
                errors,
            })
        }
    }
}

/// What the join button says for each option.
pub fn join_label(j: &JoinOption) -> &'static str {
    match j {
        JoinOption::Join => "Join",
        JoinOption::Request => "Ask to join",
        JoinOption::AcceptInvitation => "Accept invitation",
        _ => "",
    }
}
