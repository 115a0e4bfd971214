//! The organization's pages: the people directory and person pages, units,
//! knowledge domains.

use super::fmt;
use super::{PageResult, form_error};
use crate::AppState;
use crate::extract::{PageCtx, PageForm, PageQuery, PageUser, opt_id, path_id};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use guildhall_app::AppError;
use guildhall_app::organization::{PeopleQuery, PersonInput, PersonView, UnitNode};
use guildhall_domain::policy;
use guildhall_domain::{DomainId, FieldErrors, OrgRole, PersonId, UnitId};
use guildhall_store::records::{CommunitySummary, Domain, DomainSummary, Person, Unit};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/people", get(people))
        .route("/people/new", get(new_person_page).post(create_person))
        .route("/people/{id}", get(person))
        .route(
            "/people/{id}/edit",
            get(edit_person_page).post(update_person),
        )
        .route("/units", get(units).post(create_unit))
        .route("/units/{id}", get(unit))
        .route("/units/{id}/edit", get(edit_unit_page).post(update_unit))
        .route("/domains", get(domains).post(create_domain))
        .route("/domains/{id}", get(domain))
        .route(
            "/domains/{id}/edit",
            get(edit_domain_page).post(update_domain),
        )
}

// ---- people --------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct PeopleParams {
    q: Option<String>,
    unit: Option<String>,
    expertise: Option<String>,
    page: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "people.html")]
struct PeoplePage {
    ctx: PageCtx,
    items: Vec<Person>,
    total: i64,
    page: i64,
    pages: i64,
    q: String,
    unit: Option<UnitId>,
    expertise: String,
    units: Vec<UnitNode>,
    query_without_page: String,
}

impl PeoplePage {
    fn is_unit(&self, id: &UnitId) -> bool {
        self.unit == Some(*id)
    }
}

async fn people(
    State(s): State<AppState>,
    p: PageUser,
    PageQuery(q): PageQuery<PeopleParams>,
) -> PageResult {
    let query = PeopleQuery {
        text: q.q.clone(),
        unit: opt_id(&q.unit),
        expertise: q.expertise.clone(),
        page: opt_id(&q.page),
        per_page: Some(30),
    };
    let (found, page, per_page) = s.app.people(&query).await?;
    let query_without_page = super::query_string(&[
        ("q", q.q.clone().unwrap_or_default()),
        (
            "unit",
            query.unit.map(|u| u.to_string()).unwrap_or_default(),
        ),
        ("expertise", q.expertise.clone().unwrap_or_default()),
    ]);
    Ok(PeoplePage {
        pages: ((found.total + per_page - 1) / per_page).max(1),
        total: found.total,
        items: found.items,
        page,
        q: q.q.unwrap_or_default(),
        unit: query.unit,
        expertise: q.expertise.unwrap_or_default(),
        units: s.app.unit_choices().await?,
        query_without_page,
        ctx: p.ctx.with_nav("people"),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "person.html")]
struct PersonPage {
    ctx: PageCtx,
    v: PersonView,
    trajectories: Vec<guildhall_app::pulse::Trajectory>,
}

impl PersonPage {
    fn quarter(at: &i64) -> String {
        guildhall_domain::Timestamp(*at).month_label()
    }
}

async fn person(State(s): State<AppState>, p: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, "person")?;
    let v = s.app.person_view(&p.user, id).await?;
    let trajectories = s.app.trajectories(&v).await?;
    Ok(PersonPage {
        ctx: p.ctx.with_nav("people"),
        v,
        trajectories,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "person_form.html")]
struct PersonFormPage {
    ctx: PageCtx,
    /// None when adding a new person.
    id: Option<PersonId>,
    f: PersonFields,
    errors: FieldErrors,
    units: Vec<UnitNode>,
    roles: &'static [OrgRole],
    manages: bool,
    grants: bool,
    /// Whether the viewer may write the name, expertise, interests and
    /// bio: a person's own words are theirs.
    own_fields: bool,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct PersonFields {
    name: String,
    email: String,
    unit_id: String,
    title: String,
    manager_id: String,
    expertise: String,
    interests: String,
    bio: String,
    org_role: String,
}

impl PersonFields {
    fn from_person(p: &Person) -> Self {
        PersonFields {
            name: p.name.clone(),
            email: p.email.clone(),
            unit_id: p.unit_id.map(|u| u.to_string()).unwrap_or_default(),
            title: p.title.clone(),
            manager_id: p.manager_id.map(|u| u.to_string()).unwrap_or_default(),
            expertise: p.expertise.clone(),
            interests: p.interests.clone(),
            bio: p.bio.clone(),
            org_role: p.org_role.to_string(),
        }
    }

    /// Unparseable ids become validation errors rather than being dropped.
    fn input(&self) -> Result<PersonInput, AppError> {
        let mut e = FieldErrors::new();
        fn id<I: std::str::FromStr>(e: &mut FieldErrors, field: &str, s: &str) -> Option<I> {
            let s = s.trim();
            if s.is_empty() {
                return None;
            }
            let parsed = s.parse::<I>().ok();
            if parsed.is_none() {
                e.add(field, "must be a number");
            }
            parsed
        }
        let unit_id = id(&mut e, "unit_id", &self.unit_id);
        let manager_id = id(&mut e, "manager_id", &self.manager_id);
        e.into_result()?;
        Ok(PersonInput {
            name: self.name.clone(),
            email: self.email.clone(),
            unit_id,
            title: self.title.clone(),
            manager_id,
            expertise: self.expertise.clone(),
            interests: self.interests.clone(),
            bio: self.bio.clone(),
            org_role: if self.org_role.is_empty() {
                None
            } else {
                Some(self.org_role.clone())
            },
        })
    }
}

async fn person_form(
    s: &AppState,
    p: PageUser,
    id: Option<PersonId>,
    f: PersonFields,
    errors: FieldErrors,
) -> Result<PersonFormPage, AppError> {
    let rights = s.app.person_form_rights(&p.user, id).await?;
    Ok(PersonFormPage {
        own_fields: rights.own_fields,
        units: s.app.unit_choices().await?,
        roles: OrgRole::ALL,
        manages: rights.manages,
        grants: rights.grants,
        ctx: p.ctx.with_nav("people"),
        id,
        f,
        errors,
    })
}

async fn new_person_page(State(s): State<AppState>, p: PageUser) -> PageResult {
    let f = PersonFields {
        org_role: "member".into(),
        ..PersonFields::default()
    };
    Ok(person_form(&s, p, None, f, FieldErrors::new())
        .await?
        .into_response())
}

async fn create_person(
    State(s): State<AppState>,
    p: PageUser,
    PageForm(f): PageForm<PersonFields>,
) -> PageResult {
    let result = match f.input() {
        Ok(input) => s.app.create_person(&p.user, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(created) => Ok(Redirect::to(&format!("/people/{}", created.id)).into_response()),
        Err(e) => {
            let page = person_form(&s, p, None, f, FieldErrors::new()).await?;
            form_error(e, |errors| PersonFormPage { errors, ..page })
        }
    }
}

async fn edit_person_page(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
) -> PageResult {
    let id = path_id(&id, "person")?;
    let person = s.app.person(id).await?;
    Ok(person_form(
        &s,
        p,
        Some(id),
        PersonFields::from_person(&person),
        FieldErrors::new(),
    )
    .await?
    .into_response())
}

async fn update_person(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
    PageForm(f): PageForm<PersonFields>,
) -> PageResult {
    let id = path_id(&id, "person")?;
    let result = match f.input() {
        Ok(input) => s.app.update_person(&p.user, id, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}")).into_response()),
        Err(e) => {
            let page = person_form(&s, p, Some(id), f, FieldErrors::new()).await?;
            form_error(e, |errors| PersonFormPage { errors, ..page })
        }
    }
}

// ---- units ---------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct UnitFields {
    name: String,
    parent_id: String,
    description: String,
}

impl UnitFields {
    fn parent(&self) -> Result<Option<UnitId>, AppError> {
        let s = self.parent_id.trim();
        if s.is_empty() {
            return Ok(None);
        }
        s.parse()
            .map(Some)
            .map_err(|_| AppError::invalid("parent_id", "must be a unit"))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "units.html")]
struct UnitsPage {
    ctx: PageCtx,
    units: Vec<UnitNode>,
    f: UnitFields,
    errors: FieldErrors,
    can_manage: bool,
}

async fn units_page(
    s: &AppState,
    p: PageUser,
    f: UnitFields,
    errors: FieldErrors,
) -> Result<UnitsPage, AppError> {
    Ok(UnitsPage {
        units: s.app.unit_tree().await?,
        can_manage: policy::can_manage_units(&p.user.viewer).is_allowed(),
        ctx: p.ctx.with_nav("units"),
        f,
        errors,
    })
}

async fn units(State(s): State<AppState>, p: PageUser) -> PageResult {
    Ok(units_page(&s, p, UnitFields::default(), FieldErrors::new())
        .await?
        .into_response())
}

async fn create_unit(
    State(s): State<AppState>,
    p: PageUser,
    PageForm(f): PageForm<UnitFields>,
) -> PageResult {
    let result = match f.parent() {
        Ok(parent) => {
            s.app
                .create_unit(&p.user, &f.name, parent, &f.description)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(u) => Ok(Redirect::to(&format!("/units/{}", u.id)).into_response()),
        Err(e) => {
            let page = units_page(&s, p, f, FieldErrors::new()).await?;
            form_error(e, |errors| UnitsPage { errors, ..page })
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "unit.html")]
struct UnitPage {
    ctx: PageCtx,
    unit: Unit,
    parent: Option<Unit>,
    children: Vec<UnitNode>,
    people: Vec<Person>,
    people_total: i64,
    communities: Vec<CommunitySummary>,
    can_manage: bool,
}

async fn unit(State(s): State<AppState>, p: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, "unit")?;
    let unit = s.app.unit(id).await?;
    let parent = match unit.parent_id {
        Some(pid) => Some(s.app.unit(pid).await?),
        None => None,
    };
    let children = s
        .app
        .unit_tree()
        .await?
        .into_iter()
        .filter(|n| n.unit.parent_id == Some(id))
        .collect();
    let (people, _, _) = s
        .app
        .people(&PeopleQuery {
            unit: Some(id),
            per_page: Some(50),
            ..PeopleQuery::default()
        })
        .await?;
    let query = guildhall_app::communities::CommunityQuery {
        unit: Some(id),
        sort: Some("members".into()),
        per_page: Some(20),
        ..Default::default()
    };
    let (communities, _, _) = s.app.communities(&p.user, &query).await?;
    Ok(UnitPage {
        can_manage: policy::can_manage_units(&p.user.viewer).is_allowed(),
        ctx: p.ctx.with_nav("units"),
        unit,
        parent,
        children,
        people_total: people.total,
        people: people.items,
        communities: communities.items,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "unit_form.html")]
struct UnitFormPage {
    ctx: PageCtx,
    id: UnitId,
    f: UnitFields,
    units: Vec<UnitNode>,
    errors: FieldErrors,
}

async fn edit_unit_page(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
) -> PageResult {
    let id = path_id(&id, "unit")?;
    let u = s.app.unit_for_editing(&p.user, id).await?;
    let f = UnitFields {
        name: u.name,
        parent_id: u.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        description: u.description,
    };
    Ok(UnitFormPage {
        units: s.app.unit_choices().await?,
        ctx: p.ctx.with_nav("units"),
        id,
        f,
        errors: FieldErrors::new(),
    }
    .into_response())
}

async fn update_unit(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
    PageForm(f): PageForm<UnitFields>,
) -> PageResult {
    let id = path_id(&id, "unit")?;
    let result = match f.parent() {
        Ok(parent) => {
            s.app
                .update_unit(&p.user, id, &f.name, parent, &f.description)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/units/{id}")).into_response()),
        Err(e) => {
            let units = s.app.unit_choices().await?;
            let ctx = p.ctx.with_nav("units");
            form_error(e, |errors| UnitFormPage {
                ctx,
                id,
                f,
                units,
                errors,
            })
        }
    }
}

// ---- domains -------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct DomainFields {
    name: String,
    description: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "domains.html")]
struct DomainsPage {
    ctx: PageCtx,
    domains: Vec<DomainSummary>,
    f: DomainFields,
    errors: FieldErrors,
    can_manage: bool,
}

async fn domains_page(
    s: &AppState,
    p: PageUser,
    f: DomainFields,
    errors: FieldErrors,
) -> Result<DomainsPage, AppError> {
    Ok(DomainsPage {
        domains: s.app.domains(&p.user).await?,
        can_manage: policy::can_manage_domains(&p.user.viewer).is_allowed(),
        ctx: p.ctx.with_nav("domains"),
        f,
        errors,
    })
}

async fn domains(State(s): State<AppState>, p: PageUser) -> PageResult {
    Ok(
        domains_page(&s, p, DomainFields::default(), FieldErrors::new())
            .await?
            .into_response(),
    )
}

async fn create_domain(
    State(s): State<AppState>,
    p: PageUser,
    PageForm(f): PageForm<DomainFields>,
) -> PageResult {
    match s.app.create_domain(&p.user, &f.name, &f.description).await {
        Ok(d) => Ok(Redirect::to(&format!("/domains/{}", d.id)).into_response()),
        Err(e) => {
            let page = domains_page(&s, p, f, FieldErrors::new()).await?;
            form_error(e, |errors| DomainsPage { errors, ..page })
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "domain.html")]
struct DomainPage {
    ctx: PageCtx,
    domain: Domain,
    communities: Vec<CommunitySummary>,
    experts: Vec<Person>,
    can_manage: bool,
}

async fn domain(State(s): State<AppState>, p: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, "domain")?;
    let domain = s.app.domain(id).await?;
    let (experts, _, _) = s
        .app
        .people(&PeopleQuery {
            expertise: Some(domain.name.clone()),
            per_page: Some(12),
            ..PeopleQuery::default()
        })
        .await?;
    Ok(DomainPage {
        communities: s.app.domain_communities(&p.user, id).await?,
        can_manage: policy::can_manage_domains(&p.user.viewer).is_allowed(),
        ctx: p.ctx.with_nav("domains"),
        domain,
        experts: experts.items,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "domain_form.html")]
struct DomainFormPage {
    ctx: PageCtx,
    id: DomainId,
    f: DomainFields,
    errors: FieldErrors,
}

async fn edit_domain_page(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
) -> PageResult {
    let id = path_id(&id, "domain")?;
    let d = s.app.domain_for_editing(&p.user, id).await?;
    Ok(DomainFormPage {
        ctx: p.ctx.with_nav("domains"),
        id,
        f: DomainFields {
            name: d.name,
            description: d.description,
        },
        errors: FieldErrors::new(),
    }
    .into_response())
}

async fn update_domain(
    State(s): State<AppState>,
    p: PageUser,
    Path(id): Path<String>,
    PageForm(f): PageForm<DomainFields>,
) -> PageResult {
    let id = path_id(&id, "domain")?;
    match s
        .app
        .update_domain(&p.user, id, &f.name, &f.description)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/domains/{id}")).into_response()),
        Err(e) => {
            let ctx = p.ctx.with_nav("domains");
            form_error(e, |errors| DomainFormPage { ctx, id, f, errors })
        }
    }
}
