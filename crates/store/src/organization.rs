//! Units, people (and their accounts) and knowledge domains.

use crate::read::Sql;
use crate::records::{Credentials, Domain, DomainSummary, Person, Unit, UnitSummary};
use crate::sql::like_pattern;
use crate::{Page, Result, Store, StoreError, with_writer, write_tx};
use guildhall_domain::{DomainId, OrgRole, PersonId, Timestamp, UnitId};

const PERSON_SELECT: &str = "SELECT p.id, p.name, p.email, p.unit_id, u.name AS unit_name, p.title, \
     p.manager_id, m.name AS manager_name, p.expertise, p.interests, p.bio, p.org_role, \
     (p.password_hash IS NOT NULL) AS has_account, p.created_at, p.merged_into \
     FROM people p LEFT JOIN units u ON u.id = p.unit_id LEFT JOIN people m ON m.id = p.manager_id";

#[derive(Clone, Debug)]
pub struct NewPerson {
    pub name: String,
    pub email: String,
    pub unit_id: Option<UnitId>,
    pub title: String,
    pub manager_id: Option<PersonId>,
    pub expertise: String,
    pub interests: String,
    pub bio: String,
    pub org_role: OrgRole,
    pub password_hash: Option<String>,
}

impl NewPerson {
    /// A member with a name and an address, nothing else (no password: they
    /// cannot sign in until one is set).
    pub fn member(name: impl Into<String>, email: impl Into<String>) -> Self {
        NewPerson {
            name: name.into(),
            email: email.into(),
            unit_id: None,
            title: String::new(),
            manager_id: None,
            expertise: String::new(),
            interests: String::new(),
            bio: String::new(),
            org_role: OrgRole::Member,
            password_hash: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct UpdatePerson {
    pub name: String,
    pub unit_id: Option<UnitId>,
    pub title: String,
    pub manager_id: Option<PersonId>,
    pub expertise: String,
    pub interests: String,
    pub bio: String,
    pub org_role: OrgRole,
}

#[derive(Clone, Debug, Default)]
pub struct PeopleFilter {
    /// People of this unit or any unit below it.
    pub unit: Option<UnitId>,
    /// A declared expertise containing this text.
    pub expertise: Option<String>,
    /// Name, email, title or expertise containing this text.
    pub text: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

impl Store {
    // ---- units -------------------------------------------------------

    pub async fn create_unit(
        &self,
        name: &str,
        parent: Option<UnitId>,
        description: &str,
    ) -> Result<Unit> {
        let now = Timestamp::now().0;
        let unit = with_writer!(self, |pool| {
            sqlx::query_as::<_, Unit>(
                "INSERT INTO units (name, parent_id, description, created_at) VALUES ($1, $2, $3, $4) \
                 RETURNING id, name, parent_id, description, created_at",
            )
            .bind(name)
            .bind(parent)
            .bind(description)
            .bind(now)
            .fetch_one(pool)
            .await?
        });
        Ok(unit)
    }

    pub async fn update_unit(
        &self,
        id: UnitId,
        name: &str,
        parent: Option<UnitId>,
        description: &str,
    ) -> Result<()> {
        let n = with_writer!(self, |pool| {
            sqlx::query(
                "UPDATE units SET name = $1, parent_id = $2, description = $3 WHERE id = $4",
            )
            .bind(name)
            .bind(parent)
            .bind(description)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if n == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    pub async fn unit(&self, id: UnitId) -> Result<Unit> {
        Sql::new("SELECT id, name, parent_id, description, created_at FROM units WHERE id = $1")
            .arg(id)
            .optional::<Unit>(self)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Every unit with its direct head count, ordered by name; the tree is
    /// assembled by the caller (organizations have hundreds, not millions).
    pub async fn units(&self) -> Result<Vec<UnitSummary>> {
        self.read_all::<UnitSummary>(&Sql::new(
            "SELECT u.id, u.name, u.parent_id, u.description, \
                 (SELECT COUNT(*) FROM people p WHERE p.unit_id = u.id AND p.merged_into IS NULL) AS people \
                 FROM units u ORDER BY u.name, u.id",
        )
        .kept())
        .await
    }

    /// Every unit without head counts (cheap: for choosing a unit).
    pub async fn units_without_counts(&self) -> Result<Vec<UnitSummary>> {
        self.read_all::<UnitSummary>(&Sql::new(
            "SELECT u.id, u.name, u.parent_id, u.description, CAST(0 AS BIGINT) AS people FROM units u ORDER BY u.name, u.id",
        )
        .kept())
        .await
    }

    // ---- people ------------------------------------------------------

    pub async fn create_person(&self, p: &NewPerson) -> Result<PersonId> {
        let now = Timestamp::now().0;
        Ok(write_tx!(self, |tx| {
            let id = sqlx::query_scalar::<_, PersonId>(
                "INSERT INTO people (name, email, unit_id, title, manager_id, expertise, interests, bio, org_role, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(&p.name)
            .bind(&p.email)
            .bind(p.unit_id)
            .bind(&p.title)
            .bind(p.manager_id)
            .bind(&p.expertise)
            .bind(&p.interests)
            .bind(&p.bio)
            .bind(p.org_role)
            .bind(&p.password_hash)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(StoreError::unique("email"))?;
            crate::reindex_one!(&mut *tx, crate::search::PEOPLE_DOCS, "p", id);
            id
        }))
    }

    pub async fn update_person(&self, id: PersonId, p: &UpdatePerson) -> Result<()> {
        write_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE people SET name = $1, unit_id = $2, title = $3, manager_id = $4, expertise = $5, \
                 interests = $6, bio = $7, org_role = $8 WHERE id = $9",
            )
            .bind(&p.name)
            .bind(p.unit_id)
            .bind(&p.title)
            .bind(p.manager_id)
            .bind(&p.expertise)
            .bind(&p.interests)
            .bind(&p.bio)
            .bind(p.org_role)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            crate::reindex_one!(&mut *tx, crate::search::PEOPLE_DOCS, "p", id);
        });
        Ok(())
    }

    pub async fn person(&self, id: PersonId) -> Result<Person> {
        Sql::new(PERSON_SELECT)
            .push(" WHERE p.id = ")
            .bind(id)
            .optional::<Person>(self)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn credentials_by_email(&self, email: &str) -> Result<Option<Credentials>> {
        self.read_optional::<Credentials>(&Sql::new(
            "SELECT id, org_role, password_hash FROM people WHERE email = $1 AND merged_into IS NULL",
        )
        .arg(email))
        .await
    }

    /// The id of whoever has this email address, merged records included.
    pub async fn person_id_by_email(&self, email: &str) -> Result<Option<PersonId>> {
        self.read_scalar_optional::<PersonId>(
            &Sql::new("SELECT id FROM people WHERE lower(email) = lower($1)").arg(email),
        )
        .await
    }

    pub async fn credentials(&self, id: PersonId) -> Result<Credentials> {
        Sql::new("SELECT id, org_role, password_hash FROM people WHERE id = $1")
            .arg(id)
            .optional::<Credentials>(self)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Sets a person's password hash and ends their other sessions (all but
    /// `keep_session`); with `revoke_tokens_at`, their live API tokens are
    /// revoked at that time too. Returns how many tokens were revoked.
    pub async fn set_password_hash(
        &self,
        id: PersonId,
        hash: &str,
        keep_session: Option<&str>,
        revoke_tokens_at: Option<i64>,
    ) -> Result<u64> {
        Ok(write_tx!(self, |tx| {
            let n = sqlx::query("UPDATE people SET password_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE person_id = $1 AND token_hash <> $2")
                .bind(id)
                .bind(keep_session.unwrap_or(""))
                .execute(&mut *tx)
                .await?;
            match revoke_tokens_at {
                Some(at) => sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 WHERE person_id = $2 AND revoked_at IS NULL",
                )
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                None => 0,
            }
        }))
    }

    pub async fn count_people(&self) -> Result<i64> {
        Sql::new("SELECT COUNT(*) FROM people WHERE merged_into IS NULL")
            .scalar::<i64>(self)
            .await
    }

    pub async fn count_accounts(&self) -> Result<i64> {
        self.read_scalar::<i64>(&Sql::new(
            "SELECT COUNT(*) FROM people WHERE password_hash IS NOT NULL",
        ))
        .await
    }

    pub async fn people(&self, f: &PeopleFilter) -> Result<Page<Person>> {
        let mut total = Sql::new("SELECT COUNT(*) FROM people p").kept();
        let mut items = Sql::new(PERSON_SELECT);
        for qb in [&mut total, &mut items] {
            // Records merged into another person are hidden: they are that person.
            qb.push(" WHERE p.merged_into IS NULL");
            if let Some(unit) = f.unit {
                qb.push(" AND p.unit_id IN (");
                crate::sql::push_unit_subtree(qb, unit);
                qb.push(")");
            }
            if let Some(e) = f.expertise.as_deref().filter(|s| !s.is_empty()) {
                qb.push(" AND lower(p.expertise) LIKE ")
                    .bind(like_pattern(e))
                    .push(" ESCAPE '\\'");
            }
            if let Some(t) = f.text.as_deref().filter(|s| !s.is_empty()) {
                let pat = like_pattern(t);
                qb.push(" AND (lower(p.name) LIKE ")
                    .bind(pat.clone())
                    .push(" ESCAPE '\\' OR lower(p.email) LIKE ")
                    .bind(pat.clone())
                    .push(" ESCAPE '\\' OR lower(p.title) LIKE ")
                    .bind(pat.clone())
                    .push(" ESCAPE '\\' OR lower(p.expertise) LIKE ")
                    .bind(pat)
                    .push(" ESCAPE '\\')");
            }
        }
        items
            .push(" ORDER BY p.name, p.id LIMIT ")
            .bind(f.limit)
            .push(" OFFSET ")
            .bind(f.offset);
        let total: i64 = total.scalar(self).await?;
        let items = items.all::<Person>(self).await?;
        Ok(Page { items, total })
    }

    // ---- knowledge domains -------------------------------------------

    pub async fn create_domain(&self, name: &str, description: &str) -> Result<Domain> {
        let now = Timestamp::now().0;
        with_writer!(self, |pool| {
            sqlx::query_as::<_, Domain>(
                "INSERT INTO domains (name, description, created_at) VALUES ($1, $2, $3) \
                 RETURNING id, name, description, created_at",
            )
            .bind(name)
            .bind(description)
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(StoreError::unique("name"))
        })
    }

    pub async fn update_domain(&self, id: DomainId, name: &str, description: &str) -> Result<()> {
        let n = with_writer!(self, |pool| {
            sqlx::query("UPDATE domains SET name = $1, description = $2 WHERE id = $3")
                .bind(name)
                .bind(description)
                .bind(id)
                .execute(pool)
                .await
                .map_err(StoreError::unique("name"))?
                .rows_affected()
        });
        if n == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    pub async fn domain(&self, id: DomainId) -> Result<Domain> {
        Sql::new("SELECT id, name, description, created_at FROM domains WHERE id = $1")
            .arg(id)
            .optional::<Domain>(self)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Every domain with the number of communities `viewer` may see that
    /// steward it.
    pub async fn domains(&self, viewer: PersonId) -> Result<Vec<DomainSummary>> {
        let mut qb = Sql::new(
            "SELECT d.id, d.name, d.description, \
             (SELECT COUNT(*) FROM community_domains cd JOIN communities c ON c.id = cd.community_id \
              WHERE cd.domain_id = d.id AND ",
        );
        crate::sql::push_visible_to(&mut qb, viewer);
        qb.push(") AS communities FROM domains d ORDER BY d.name")
            .all::<DomainSummary>(self)
            .await
    }
}
