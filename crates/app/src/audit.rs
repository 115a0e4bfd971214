//! Who did a security-relevant action, from where, and the audit log's
//! reading for administrators.

use crate::{App, AppError, Result, SessionUser};
use guildhall_domain::Timestamp;
use guildhall_domain::policy::{self, Viewer};
use guildhall_domain::text::search_text;
use guildhall_store::{AuditEntry, AuditFilter, NewAudit};

/// Who acts: a signed-in person (with the network address the request came
/// from), or the operator at the command line, who holds the database
/// itself and so passes every permission check.
#[derive(Clone, Debug)]
pub struct Actor {
    pub viewer: Option<Viewer>,
    pub address: String,
}

impl Actor {
    pub fn command_line() -> Self {
        Actor {
            viewer: None,
            address: String::new(),
        }
    }

    pub fn person(user: &SessionUser, address: impl Into<String>) -> Self {
        Actor {
            viewer: Some(user.viewer),
            address: address.into(),
        }
    }

    pub(crate) fn entry(&self, action: &str, subject: String, detail: String) -> NewAudit {
        NewAudit {
            at: Timestamp::now().0,
            actor_id: self.viewer.map(|v| v.person),
            action: action.to_owned(),
            subject,
            detail,
            address: self.address.clone(),
        }
    }

    /// Refused unless the policy allows it (the command line always may).
    pub(crate) fn check(
        &self,
        rule: fn(&Viewer) -> policy::Access,
        what: &'static str,
    ) -> Result<()> {
        match &self.viewer {
            Some(v) => AppError::from_access(rule(v), what),
            None => Ok(()),
        }
    }
}

/// The most entries one page or export holds.
pub const AUDIT_PAGE_MAX: i64 = 10_000;

impl App {
    /// Records an action that changed nothing else (a failed sign-in, an
    /// export). Recording must not fail the action it describes silently,
    /// so errors are returned.
    pub async fn audit(
        &self,
        actor: &Actor,
        action: &str,
        subject: String,
        detail: String,
    ) -> Result<()> {
        self.store
            .append_audit(&actor.entry(action, subject, detail))
            .await?;
        Ok(())
    }

    /// Audit entries, newest first, for administrators.
    pub async fn audit_entries(
        &self,
        actor: &Actor,
        mut filter: AuditFilter,
    ) -> Result<Vec<AuditEntry>> {
        actor.check(policy::can_read_audit_log, "audit log")?;
        if filter.limit <= 0 || filter.limit > AUDIT_PAGE_MAX {
            filter.limit = AUDIT_PAGE_MAX;
        }
        // A typed filter: no stored action has control characters, and
        // PostgreSQL refuses a NUL in a text parameter.
        filter.action = filter.action.as_deref().and_then(search_text);
        Ok(self.store.audit_entries(&filter).await?)
    }

    pub async fn audit_actions(&self, actor: &Actor) -> Result<Vec<String>> {
        actor.check(policy::can_read_audit_log, "audit log")?;
        Ok(self.store.audit_actions().await?)
    }
}
