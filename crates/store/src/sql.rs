//! SQL fragments shared by several store modules, written once: the
//! visibility filter that mirrors the permission policy, LIKE patterns,
//! a unit and everything below it. Every fragment appends to a
//! `QueryBuilder` with bound values, so none splices input into SQL.

use crate::read::Sql;
use guildhall_domain::{PersonId, UnitId};
use sqlx::{Database, Encode, QueryBuilder, Type};

/// What the shared fragments append to: sqlx's `QueryBuilder` (writes,
/// and reads not yet on the read path) or the read path's [`Sql`].
pub(crate) trait Fragments {
    fn text(&mut self, s: &str) -> &mut Self;
    fn person(&mut self, p: PersonId) -> &mut Self;
    fn unit(&mut self, u: UnitId) -> &mut Self;
    /// Any id or number, bound as the `i64` it is in both databases.
    fn int(&mut self, v: i64) -> &mut Self;
    /// One of our words (a kind, a role), bound as text.
    fn word(&mut self, w: &'static str) -> &mut Self;
    /// `v1, v2, …` bound, for `IN (…)`.
    fn ints(&mut self, vs: impl IntoIterator<Item = i64>) -> &mut Self {
        for (i, v) in vs.into_iter().enumerate() {
            if i > 0 {
                self.text(", ");
            }
            self.int(v);
        }
        self
    }
}

impl<DB: Database> Fragments for QueryBuilder<DB>
where
    for<'t> PersonId: Encode<'t, DB> + Type<DB>,
    for<'t> UnitId: Encode<'t, DB> + Type<DB>,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> &'static str: Encode<'t, DB> + Type<DB>,
{
    fn text(&mut self, s: &str) -> &mut Self {
        self.push(s)
    }
    fn int(&mut self, v: i64) -> &mut Self {
        self.push_bind(v)
    }
    fn word(&mut self, w: &'static str) -> &mut Self {
        self.push_bind(w)
    }
    fn person(&mut self, p: PersonId) -> &mut Self {
        self.push_bind(p)
    }
    fn unit(&mut self, u: UnitId) -> &mut Self {
        self.push_bind(u)
    }
}

impl Fragments for Sql {
    fn text(&mut self, s: &str) -> &mut Self {
        self.push(s)
    }
    fn int(&mut self, v: i64) -> &mut Self {
        self.bind(v)
    }
    fn word(&mut self, w: &'static str) -> &mut Self {
        self.bind(w)
    }
    fn person(&mut self, p: PersonId) -> &mut Self {
        self.bind(p)
    }
    fn unit(&mut self, u: UnitId) -> &mut Self {
        self.bind(u)
    }
}

/// Appends "community `c` is visible to person `viewer`" — the SQL form of
/// `policy::can_see_community`: open and closed communities are visible to
/// everyone signed in, private ones to their members and invitees. A
/// conformance test checks the two agree.
pub(crate) fn push_visible_to(qb: &mut impl Fragments, viewer: PersonId) {
    qb.text("(c.visibility <> 'private' OR EXISTS (SELECT 1 FROM memberships vm WHERE vm.community_id = c.id AND vm.person_id = ")
        .person(viewer)
        .text(") OR EXISTS (SELECT 1 FROM invitations vi WHERE vi.community_id = c.id AND vi.status = 'pending' AND vi.person_id = ")
        .person(viewer)
        .text("))");
}

/// `%text%` for LIKE, with LIKE's own wildcards escaped so `50%` means 50%.
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Appends "the unit `unit` and every unit below it" as a subquery of
/// unit ids, for `… IN (` fragment `)`.
pub(crate) fn push_unit_subtree(qb: &mut impl Fragments, unit: UnitId) {
    qb.text("WITH RECURSIVE sub(id) AS (SELECT id FROM units WHERE id = ")
        .unit(unit)
        .text(" UNION ALL SELECT units.id FROM units JOIN sub ON units.parent_id = sub.id) SELECT id FROM sub");
}
