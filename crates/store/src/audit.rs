//! The audit log: security-relevant actions, append-only (the database
//! refuses changes and deletions), read by administrators.

use crate::read::{Sql, direct_row};
use crate::{Result, Store, with_writer};
use guildhall_domain::{AuditEntryId, PersonId};
use serde::Serialize;

/// One entry to append. `address` is the client's network address where
/// the action came over the network, empty from the command line.
#[derive(Clone, Debug, Default)]
pub struct NewAudit {
    pub at: i64,
    pub actor_id: Option<PersonId>,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub address: String,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: AuditEntryId,
    pub at: i64,
    pub actor_id: Option<PersonId>,
    pub actor_name: Option<String>,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub address: String,
}
direct_row!(AuditEntry: id, at, actor_id, actor_name, action, subject, detail, address);

/// Which entries to list; all filters are optional.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// An action, or a family of them ending in a dot (`sign_in.`).
    pub action: Option<String>,
    pub actor: Option<PersonId>,
    pub from: Option<i64>,
    pub until: Option<i64>,
    pub limit: i64,
    /// Entries with ids below this one (the next page, newest first).
    pub before: Option<AuditEntryId>,
}

/// Appends `$entry` (a `&NewAudit`) on the given connection, inside the
/// caller's transaction: the entry lands if and only if the action does.
macro_rules! append {
    ($conn:expr, $entry:expr) => {{
        let e: &$crate::audit::NewAudit = $entry;
        sqlx::query(
            "INSERT INTO audit_log (at, actor_id, action, subject, detail, address) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(e.at)
        .bind(e.actor_id)
        .bind(&e.action)
        .bind(&e.subject)
        .bind(&e.detail)
        .bind(&e.address)
        .execute($conn)
        .await?;
    }};
}
pub(crate) use append;

impl Store {
    /// Appends an entry for an action that wrote nothing else (a failed
    /// sign-in, an export).
    pub async fn append_audit(&self, entry: &NewAudit) -> Result<()> {
        with_writer!(self, |pool| append!(pool, entry));
        Ok(())
    }

    /// Records an operator's action at the command line (backups,
    /// restores), which has no signed-in actor and no address.
    pub async fn audit_command_line(&self, action: &str, subject: &str) -> Result<()> {
        self.append_audit(&NewAudit {
            at: guildhall_domain::Timestamp::now().0,
            action: action.to_owned(),
            subject: subject.to_owned(),
            ..NewAudit::default()
        })
        .await
    }

    /// Entries, newest first.
    pub async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let mut qb = Sql::new(
            "SELECT l.id, l.at, l.actor_id, p.name AS actor_name, l.action, l.subject, l.detail, l.address \
             FROM audit_log l LEFT JOIN people p ON p.id = l.actor_id WHERE 1=1",
        );
        if let Some(action) = f.action.as_deref().filter(|a| !a.is_empty()) {
            if let Some(family) = action.strip_suffix('.') {
                qb.push(" AND (l.action = ")
                    .bind(family.to_owned())
                    .push(" OR substr(l.action, 1, CAST(")
                    .bind(action.len() as i64)
                    .push(" AS INTEGER)) = ")
                    .bind(action.to_owned())
                    .push(")");
            } else {
                qb.push(" AND l.action = ").bind(action.to_owned());
            }
        }
        if let Some(actor) = f.actor {
            qb.push(" AND l.actor_id = ").bind(actor);
        }
        if let Some(from) = f.from {
            qb.push(" AND l.at >= ").bind(from);
        }
        if let Some(until) = f.until {
            qb.push(" AND l.at < ").bind(until);
        }
        if let Some(before) = f.before {
            qb.push(" AND l.id < ").bind(before);
        }
        qb.push(" ORDER BY l.id DESC LIMIT ").bind(f.limit);
        qb.all::<AuditEntry>(self).await
    }

    /// The distinct actions recorded, for the filter's choices.
    pub async fn audit_actions(&self) -> Result<Vec<String>> {
        self.read_column::<String>(&Sql::new(
            "SELECT DISTINCT action FROM audit_log ORDER BY action",
        ))
        .await
    }
}
