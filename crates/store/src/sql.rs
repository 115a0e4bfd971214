//! SQL fragments shared by several store modules, written once: the
//! visibility filter that mirrors the permission policy, LIKE patterns,
//! a unit and everything below it. Every fragment appends to a
//! `QueryBuilder` with bound values, so none splices input into SQL.

use guildhall_domain::{PersonId, UnitId};
use sqlx::{Database, Encode, QueryBuilder, Type};

/// Appends "community `c` is visible to person `viewer`" — the SQL form of
/// `policy::can_see_community`: open and closed communities are visible to
/// everyone signed in, private ones to their members and invitees. A
/// conformance test checks the two agree.
pub(crate) fn push_visible_to<DB: Database>(qb: &mut QueryBuilder<DB>, viewer: PersonId)
where
    for<'t> PersonId: Encode<'t, DB> + Type<DB>,
{
    qb.push("(c.visibility <> 'private' OR EXISTS (SELECT 1 FROM memberships vm WHERE vm.community_id = c.id AND vm.person_id = ")
        .push_bind(viewer)
        .push(") OR EXISTS (SELECT 1 FROM invitations vi WHERE vi.community_id = c.id AND vi.status = 'pending' AND vi.person_id = ")
        .push_bind(viewer)
        .push("))");
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
pub(crate) fn push_unit_subtree<DB: Database>(qb: &mut QueryBuilder<DB>, unit: UnitId)
where
    for<'t> UnitId: Encode<'t, DB> + Type<DB>,
{
    qb.push("WITH RECURSIVE sub(id) AS (SELECT id FROM units WHERE id = ")
        .push_bind(unit)
        .push(" UNION ALL SELECT units.id FROM units JOIN sub ON units.parent_id = sub.id) SELECT id FROM sub");
}
