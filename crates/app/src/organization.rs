//! The organization: units, people and knowledge domains.

use crate::error::NotFoundAs;
use crate::{App, AppError, Result, SessionUser};
use guildhall_domain::policy;
use guildhall_domain::text::{
    LONG_TEXT_MAX, NAME_MAX, SHORT_TEXT_MAX, TITLE_MAX, optional_line, optional_text,
    required_line, search_text, tag_list,
};
use guildhall_domain::{DomainId, Email, FieldErrors, OrgRole, PersonId, UnitId};
use guildhall_store::records::{
    CommunitySummary, Domain, DomainSummary, FeedItem, Person, Unit, UnitSummary,
};
use guildhall_store::{
    CommunityFilter, CommunitySort, FeedScope, NewPerson, Page, PeopleFilter, StoreError,
    UpdatePerson,
};

/// A person's profile as typed; `org_role` is only applied for those
/// allowed to grant roles.
#[derive(Clone, Debug, Default)]
pub struct PersonInput {
    pub name: String,
    pub email: String,
    pub unit_id: Option<UnitId>,
    pub title: String,
    pub manager_id: Option<PersonId>,
    pub expertise: String,
    pub interests: String,
    pub bio: String,
    pub org_role: Option<String>,
}

/// What a person's form lets its user write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PersonFormRights {
    /// Unit, manager, title (HR and administrators).
    pub manages: bool,
    /// The organization role (administrators).
    pub grants: bool,
    /// Name, expertise, interests and bio: the person's own words.
    pub own_fields: bool,
}

#[derive(Clone, Debug, Default)]
pub struct PeopleQuery {
    pub text: Option<String>,
    pub unit: Option<UnitId>,
    pub expertise: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// A unit in the tree with its depth, for indented lists.
#[derive(Clone, Debug)]
pub struct UnitNode {
    pub unit: UnitSummary,
    pub depth: usize,
}

/// A person's page: their profile and what the reader may see of their
/// communities and activity.
#[derive(Clone, Debug)]
pub struct PersonView {
    pub person: Person,
    pub communities: Vec<CommunitySummary>,
    pub activity: Vec<FeedItem>,
    pub can_edit: bool,
    pub can_manage: bool,
}

fn as_tree(units: Vec<UnitSummary>) -> Vec<UnitNode> {
    let mut out = Vec::with_capacity(units.len());
    fn walk(units: &[UnitSummary], parent: Option<UnitId>, depth: usize, out: &mut Vec<UnitNode>) {
        // Depth bounds a corrupted cycle; real trees are shallow.
        if depth > 32 {
            return;
        }
        for u in units.iter().filter(|u| u.parent_id == parent) {
            out.push(UnitNode {
                unit: u.clone(),
                depth,
            });
            walk(units, Some(u.id), depth + 1, out);
        }
    }
    walk(&units, None, 0, &mut out);
    out
}

impl App {
    // ---- units -------------------------------------------------------

    /// Units as a depth-first tree with head counts: parents before
    /// children, siblings by name.
    pub async fn unit_tree(&self) -> Result<Vec<UnitNode>> {
        Ok(as_tree(self.store.units().await?))
    }

    /// The same tree without head counts, for choosing a unit in a form or
    /// filter (counting every unit's people costs a scan of the directory).
    pub async fn unit_choices(&self) -> Result<Vec<UnitNode>> {
        Ok(as_tree(self.store.units_without_counts().await?))
    }

    pub async fn unit(&self, id: UnitId) -> Result<Unit> {
        self.store.unit(id).await.or_not_found("unit")
    }

    /// A unit to edit, for those who may.
    pub async fn unit_for_editing(&self, user: &SessionUser, id: UnitId) -> Result<Unit> {
        AppError::from_access(policy::can_manage_units(&user.viewer), "unit")?;
        self.unit(id).await
    }

    async fn validate_unit(
        &self,
        id: Option<UnitId>,
        name: &str,
        parent: Option<UnitId>,
        description: &str,
    ) -> Result<(String, String)> {
        let mut e = FieldErrors::new();
        let name = e.check("name", required_line(name, NAME_MAX));
        let description = e.check("description", optional_text(description, SHORT_TEXT_MAX));
        if let Some(p) = parent {
            if matches!(self.store.unit(p).await, Err(StoreError::NotFound)) {
                e.add("parent_id", "there is no such unit");
            } else if let Some(id) = id {
                // A unit may not move under itself or its own descendants.
                let tree = self.store.units().await?;
                let mut cursor = Some(p);
                let mut steps = 0;
                while let Some(c) = cursor {
                    if c == id {
                        e.add("parent_id", "a unit cannot be placed inside itself");
                        break;
                    }
                    cursor = tree.iter().find(|u| u.id == c).and_then(|u| u.parent_id);
                    steps += 1;
                    if steps > 64 {
                        break;
                    }
                }
            }
        }
        e.into_result()?;
        Ok((name.unwrap_or_default(), description.unwrap_or_default()))
    }

    pub async fn create_unit(
        &self,
        user: &SessionUser,
        name: &str,
        parent: Option<UnitId>,
        description: &str,
    ) -> Result<Unit> {
        AppError::from_access(policy::can_manage_units(&user.viewer), "unit")?;
        let (name, description) = self.validate_unit(None, name, parent, description).await?;
        Ok(self.store.create_unit(&name, parent, &description).await?)
    }

    pub async fn update_unit(
        &self,
        user: &SessionUser,
        id: UnitId,
        name: &str,
        parent: Option<UnitId>,
        description: &str,
    ) -> Result<Unit> {
        AppError::from_access(policy::can_manage_units(&user.viewer), "unit")?;
        self.unit(id).await?;
        let (name, description) = self
            .validate_unit(Some(id), name, parent, description)
            .await?;
        self.store
            .update_unit(id, &name, parent, &description)
            .await
            .or_not_found("unit")?;
        self.unit(id).await
    }

    // ---- domains -----------------------------------------------------

    pub async fn domains(&self, user: &SessionUser) -> Result<Vec<DomainSummary>> {
        Ok(self.store.domains(user.id()).await?)
    }

    pub async fn domain(&self, id: DomainId) -> Result<Domain> {
        self.store.domain(id).await.or_not_found("domain")
    }

    /// A knowledge domain to edit, for those who may.
    pub async fn domain_for_editing(&self, user: &SessionUser, id: DomainId) -> Result<Domain> {
        AppError::from_access(policy::can_manage_domains(&user.viewer), "domain")?;
        self.domain(id).await
    }

    /// Communities stewarding a domain that the user may see.
    pub async fn domain_communities(
        &self,
        user: &SessionUser,
        id: DomainId,
    ) -> Result<Vec<CommunitySummary>> {
        let filter = CommunityFilter {
            visible_to: user.id(),
            domain: Some(id),
            sort: CommunitySort::Members,
            limit: 100,
            ..CommunityFilter::default()
        };
        Ok(self.store.communities(&filter).await?.items)
    }

    fn validate_domain(name: &str, description: &str) -> Result<(String, String)> {
        let mut e = FieldErrors::new();
        let name = e.check("name", required_line(name, NAME_MAX));
        let description = e.check("description", optional_text(description, SHORT_TEXT_MAX));
        e.into_result()?;
        Ok((name.unwrap_or_default(), description.unwrap_or_default()))
    }

    pub async fn create_domain(
        &self,
        user: &SessionUser,
        name: &str,
        description: &str,
    ) -> Result<Domain> {
        AppError::from_access(policy::can_manage_domains(&user.viewer), "domain")?;
        let (name, description) = Self::validate_domain(name, description)?;
        self.store
            .create_domain(&name, &description)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    AppError::conflict("name", "a knowledge domain with this name already exists")
                }
                other => other.into(),
            })
    }

    pub async fn update_domain(
        &self,
        user: &SessionUser,
        id: DomainId,
        name: &str,
        description: &str,
    ) -> Result<Domain> {
        AppError::from_access(policy::can_manage_domains(&user.viewer), "domain")?;
        self.domain(id).await?;
        let (name, description) = Self::validate_domain(name, description)?;
        self.store
            .update_domain(id, &name, &description)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    AppError::conflict("name", "a knowledge domain with this name already exists")
                }
                StoreError::NotFound => AppError::NotFound("domain"),
                other => other.into(),
            })?;
        self.domain(id).await
    }

    // ---- people ------------------------------------------------------

    pub async fn people(&self, q: &PeopleQuery) -> Result<(Page<Person>, i64, i64)> {
        let (page, per_page, offset) = crate::paginate(q.page, q.per_page);
        let text = q.text.as_deref().and_then(search_text);
        let expertise = q.expertise.as_deref().and_then(search_text);
        let filter = PeopleFilter {
            unit: q.unit,
            expertise,
            text,
            limit: per_page,
            offset,
        };
        Ok((self.store.people(&filter).await?, page, per_page))
    }

    pub async fn person(&self, id: PersonId) -> Result<Person> {
        self.store.person(id).await.or_not_found("person")
    }

    /// What the user may write on the form for a new person (`None`) or an
    /// existing one; refused if they may not open that form at all.
    pub async fn person_form_rights(
        &self,
        user: &SessionUser,
        person: Option<PersonId>,
    ) -> Result<PersonFormRights> {
        let own_fields = match person {
            None => {
                AppError::from_access(policy::can_manage_people(&user.viewer), "person")?;
                true
            }
            Some(id) => {
                let p = self.person(id).await?;
                AppError::from_access(policy::can_edit_person(&user.viewer, id), "person")?;
                policy::can_edit_own_profile_fields(&user.viewer, id, p.has_account)
            }
        };
        Ok(PersonFormRights {
            manages: policy::can_manage_people(&user.viewer).is_allowed(),
            grants: policy::can_grant_org_roles(&user.viewer).is_allowed(),
            own_fields,
        })
    }

    pub async fn person_view(&self, user: &SessionUser, id: PersonId) -> Result<PersonView> {
        let person = self.person(id).await?;
        // Their communities, as far as the reader may see them.
        let filter = CommunityFilter {
            visible_to: user.id(),
            member: Some(id),
            sort: CommunitySort::Name,
            limit: 100,
            ..CommunityFilter::default()
        };
        // Membership lists of closed and private communities are for their
        // members: show only communities whose content the reader may read.
        // (`my_role` holds the reader's role here.)
        let mut communities: Vec<CommunitySummary> = self
            .store
            .communities(&filter)
            .await?
            .items
            .into_iter()
            .filter(|c| c.visibility == guildhall_domain::Visibility::Open || c.my_role.is_some())
            .collect();
        // A person page shows the person's own role.
        for c in &mut communities {
            c.my_role = self.store.standing(c.id, id).await?.role;
        }
        Ok(PersonView {
            activity: self.store.feed(user.id(), FeedScope::Actor(id), 20).await?,
            can_edit: policy::can_edit_person(&user.viewer, id).is_allowed(),
            can_manage: policy::can_manage_people(&user.viewer).is_allowed(),
            person,
            communities,
        })
    }

    async fn validate_person(
        &self,
        input: &PersonInput,
        id: Option<PersonId>,
    ) -> Result<NewPerson> {
        let mut e = FieldErrors::new();
        let name = e.check("name", required_line(&input.name, NAME_MAX));
        let email = if id.is_none() {
            e.check("email", Email::parse(&input.email))
                .map(|e| e.as_str().to_owned())
        } else {
            Some(String::new())
        };
        let title = e.check("title", optional_line(&input.title, TITLE_MAX));
        let expertise = e
            .check("expertise", tag_list(&input.expertise))
            .map(|t| t.join(", "));
        let interests = e
            .check("interests", tag_list(&input.interests))
            .map(|t| t.join(", "));
        let bio = e.check("bio", optional_text(&input.bio, LONG_TEXT_MAX));
        let role = match input.org_role.as_deref() {
            Some(r) => e.check("org_role", OrgRole::parse(r)),
            None => Some(OrgRole::Member),
        };
        if let Some(u) = input.unit_id
            && matches!(self.store.unit(u).await, Err(StoreError::NotFound))
        {
            e.add("unit_id", "there is no such unit");
        }
        if let Some(m) = input.manager_id {
            if Some(m) == id {
                e.add("manager_id", "a person cannot be their own manager");
            } else if matches!(self.store.person(m).await, Err(StoreError::NotFound)) {
                e.add("manager_id", "there is no such person");
            }
        }
        e.into_result()?;
        Ok(NewPerson {
            name: name.unwrap_or_default(),
            email: email.unwrap_or_default(),
            unit_id: input.unit_id,
            title: title.unwrap_or_default(),
            manager_id: input.manager_id,
            expertise: expertise.unwrap_or_default(),
            interests: interests.unwrap_or_default(),
            bio: bio.unwrap_or_default(),
            org_role: role.unwrap_or(OrgRole::Member),
            password_hash: None,
        })
    }

    /// Adds a person to the directory (without an account).
    pub async fn create_person(&self, user: &SessionUser, input: &PersonInput) -> Result<Person> {
        AppError::from_access(policy::can_manage_people(&user.viewer), "person")?;
        if input
            .org_role
            .as_deref()
            .is_some_and(|r| r != OrgRole::Member.as_str())
        {
            AppError::from_access(policy::can_grant_org_roles(&user.viewer), "person")?;
        }
        let p = self.validate_person(input, None).await?;
        let id = self.store.create_person(&p).await.map_err(|e| match e {
            StoreError::Conflict(_) => {
                AppError::conflict("email", "a person with this email already exists")
            }
            other => other.into(),
        })?;
        self.person(id).await
    }

    /// Updates a profile. People edit their own profile fields; unit,
    /// manager and title need HR or an administrator; roles need an
    /// administrator. Fields the user may not change keep their value.
    pub async fn update_person(
        &self,
        user: &SessionUser,
        id: PersonId,
        input: &PersonInput,
    ) -> Result<Person> {
        let current = self.person(id).await?;
        AppError::from_access(policy::can_edit_person(&user.viewer, id), "person")?;
        let manages = policy::can_manage_people(&user.viewer).is_allowed();
        let grants = policy::can_grant_org_roles(&user.viewer).is_allowed();
        let mut input = input.clone();
        if !manages {
            input.unit_id = current.unit_id;
            input.manager_id = current.manager_id;
            input.title = current.title.clone();
        }
        // A person's own words are theirs: HR and administrators keep to
        // the organization's fields unless the person cannot sign in.
        if !policy::can_edit_own_profile_fields(&user.viewer, id, current.has_account) {
            input.name = current.name.clone();
            input.expertise = current.expertise.clone();
            input.interests = current.interests.clone();
            input.bio = current.bio.clone();
        }
        if !grants || input.org_role.is_none() {
            input.org_role = Some(current.org_role.as_str().to_owned());
        }
        if id == user.id()
            && input.org_role.as_deref() != Some(current.org_role.as_str())
            && user.viewer.is_admin()
        {
            return Err(AppError::invalid(
                "org_role",
                "you cannot change your own role; ask another administrator",
            ));
        }
        let p = self.validate_person(&input, Some(id)).await?;
        self.store
            .update_person(
                id,
                &UpdatePerson {
                    name: p.name,
                    unit_id: p.unit_id,
                    title: p.title,
                    manager_id: p.manager_id,
                    expertise: p.expertise,
                    interests: p.interests,
                    bio: p.bio,
                    org_role: p.org_role,
                },
            )
            .await
            .or_not_found("person")?;
        let updated = self.person(id).await?;
        if id != user.id() {
            let changes = profile_changes(&current, &updated);
            if !changes.is_empty() {
                self.audit(
                    &crate::Actor::person(user, ""),
                    "person.profile_changed",
                    format!("person {id}"),
                    changes.join("; "),
                )
                .await?;
            }
        }
        if input.org_role.as_deref() != Some(current.org_role.as_str()) {
            self.audit(
                &crate::Actor::person(user, ""),
                "person.role_changed",
                format!("person {id}"),
                format!(
                    "{} → {}",
                    current.org_role,
                    input.org_role.as_deref().unwrap_or_default()
                ),
            )
            .await?;
        }
        Ok(updated)
    }
}

/// What changed in a profile, for the audit log: short fields with their
/// values, long ones by name.
fn profile_changes(before: &Person, after: &Person) -> Vec<String> {
    let mut out = Vec::new();
    let mut short = |field: &str, a: &str, b: &str| {
        if a != b {
            out.push(format!("{field}: {a:?} → {b:?}"));
        }
    };
    short("name", &before.name, &after.name);
    short("title", &before.title, &after.title);
    let unit = |p: &Person| p.unit_name.clone().unwrap_or_default();
    short("unit", &unit(before), &unit(after));
    let manager = |p: &Person| p.manager_name.clone().unwrap_or_default();
    short("manager", &manager(before), &manager(after));
    for (field, a, b) in [
        ("expertise", &before.expertise, &after.expertise),
        ("interests", &before.interests, &after.interests),
        ("bio", &before.bio, &after.bio),
    ] {
        if a != b {
            out.push(format!("{field} changed"));
        }
    }
    out
}
