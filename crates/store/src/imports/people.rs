//! People as an import finds them: matched by address or by an account
//! of the source, recorded with their aliases, and found behind the
//! addresses an archive hides.

use super::{ImportSession, LOOKUP_CHUNK, Tx, lookup_among, on_tx, temp_table};
use crate::Result;
use crate::bulk::{BulkAlias, BulkPerson};
use guildhall_domain::{OrgRole, PersonId};

/// A person as an importer knows them.
#[derive(Clone, Debug)]
pub struct ImportPerson {
    pub name: String,
    /// Unique among people; importers without real addresses make one up
    /// under a reserved domain.
    pub email: String,
    pub bio: String,
    pub created_at: i64,
}

/// Temporary table of [`ImportSession::hiding_as`].
pub(super) const HIDDEN_EMAILS: &str = "import_hidden_emails";

/// An address as an archive that hides addresses ("a", "s" and "." as
/// "@", "i", "l" and "f" as "|") leaves it, with the address's own "@"
/// also a "@": the same for every address that could hide as a given
/// text (see [`ImportSession::hiding_as`]).
const SKELETON: &str = "replace(replace(replace(replace(replace(replace(replace(lower(email), \
     'a', '@'), 's', '@'), '.', '@'), 'i', '|'), 'l', '|'), 'f', '|'), ' ', '')";

impl ImportSession {
    /// Accounts of this source already tied to people (any site):
    /// (account, person).
    pub async fn alias_accounts(&mut self) -> Result<Vec<(String, PersonId)>> {
        let source = self.source;
        Ok(on_tx!(self.tx().await?, |c| {
            sqlx::query_as(
                "SELECT account, person_id FROM person_aliases WHERE source = $1 AND account IS NOT NULL",
            )
            .bind(source)
            .fetch_all(&mut *c)
            .await?
        }))
    }

    /// The person with this email address (compared case-insensitively),
    /// as a person or as an alias seen by an earlier import.
    pub async fn person_by_email(&mut self, email: &str) -> Result<Option<PersonId>> {
        Ok(on_tx!(self.tx().await?, |c| {
            sqlx::query_scalar(
                "SELECT COALESCE(merged_into, id) FROM people WHERE lower(email) = lower($1) \
                 UNION ALL SELECT person_id FROM person_aliases WHERE lower(email) = lower($1) LIMIT 1",
            )
            .bind(email)
            .fetch_optional(&mut *c)
            .await?
        }))
    }

    /// Which of `accounts` of this source (any site) are tied to people:
    /// (account, person).
    pub async fn alias_accounts_among(
        &mut self,
        accounts: &[String],
    ) -> Result<Vec<(String, PersonId)>> {
        let source = self.source;
        Ok(lookup_among!(self, accounts, (String, PersonId), |qb| {
            qb.push("SELECT account, person_id FROM person_aliases WHERE source = ")
                .push_bind(source)
                .push(" AND account IS NOT NULL AND account");
        }))
    }

    /// People known by a real address (their own or an alias's; not a
    /// made-up `.invalid` one) that could hide as `skeletons` (see
    /// [`SKELETON`]: an archive's hidden address with " @end|ng |rom "
    /// made "@", spaces dropped): (skeleton, address, person, name). The
    /// importer checks which hide exactly as the text it read. The
    /// addresses are looked up in a table of this session made on first
    /// use and brought up to date on each.
    pub async fn hiding_as(
        &mut self,
        skeletons: &[String],
    ) -> Result<Vec<(String, String, PersonId, String)>> {
        if skeletons.is_empty() {
            return Ok(Vec::new());
        }
        self.flush().await?;
        let (people_after, aliases_after) = self.hidden.unwrap_or((0, 0));
        let create = self.hidden.is_none().then(|| {
            [
                temp_table(
                    self.postgres,
                    HIDDEN_EMAILS,
                    "skeleton TEXT NOT NULL, email TEXT NOT NULL, person_id BIGINT NOT NULL, name TEXT NOT NULL",
                ),
                format!("CREATE INDEX {HIDDEN_EMAILS}_skeleton ON {HIDDEN_EMAILS} (skeleton)"),
            ]
        });
        let people = format!(
            "INSERT INTO {HIDDEN_EMAILS} SELECT {SKELETON}, lower(email), COALESCE(merged_into, id), name \
             FROM people WHERE id > $1 AND id <= $2 AND lower(email) NOT LIKE '%.invalid'"
        );
        let aliases = format!(
            "INSERT INTO {HIDDEN_EMAILS} SELECT {SKELETON}, lower(email), person_id, name \
             FROM person_aliases WHERE id > $1 AND id <= $2 AND email IS NOT NULL AND lower(email) NOT LIKE '%.invalid'"
        );
        let upto = on_tx!(self.tx().await?, |c| {
            if let Some(create) = create {
                for sql in create {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut *c)
                        .await?;
                }
            }
            let people_upto: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM people")
                .fetch_one(&mut *c)
                .await?;
            let aliases_upto: i64 =
                sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM person_aliases")
                    .fetch_one(&mut *c)
                    .await?;
            for (sql, after, upto) in [
                (people, people_after, people_upto),
                (aliases, aliases_after, aliases_upto),
            ] {
                if upto > after {
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(after)
                        .bind(upto)
                        .execute(&mut *c)
                        .await?;
                }
            }
            (people_upto, aliases_upto)
        });
        self.hidden = Some(upto);
        Ok(lookup_among!(
            self,
            skeletons,
            (String, String, PersonId, String),
            |qb| {
                qb.push(format!(
                    "SELECT skeleton, email, person_id, name FROM {HIDDEN_EMAILS} WHERE skeleton"
                ));
            }
        ))
    }

    /// Queues a person; returns their id.
    pub async fn add_person(&mut self, p: &ImportPerson) -> Result<PersonId> {
        let id = PersonId(self.next_id(|s| &mut s.people_ids).await?);
        self.people.queue(BulkPerson {
            id,
            name: p.name.clone(),
            email: p.email.clone(),
            unit_id: None,
            title: String::new(),
            manager_id: None,
            expertise: String::new(),
            interests: String::new(),
            bio: p.bio.clone(),
            org_role: OrgRole::Member,
            password_hash: None,
            created_at: p.created_at,
        });
        self.queued(1, p.name.len() + p.email.len() + p.bio.len());
        self.maybe_flush().await?;
        Ok(id)
    }

    /// Records who `person` was in this source.
    pub async fn add_alias(
        &mut self,
        person: PersonId,
        account: Option<&str>,
        email: Option<&str>,
        name: &str,
        at: i64,
    ) -> Result<()> {
        self.aliases.queue(BulkAlias {
            person_id: person,
            source: self.source.to_owned(),
            account: account.map(str::to_owned),
            email: email.map(str::to_owned),
            name: name.to_owned(),
            created_at: at,
        });
        self.queued(1, name.len());
        self.maybe_flush().await
    }
}
