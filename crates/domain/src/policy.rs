//! The one permission policy. Every page, API answer, list, count and export
//! asks these functions; nothing else decides who may see or do what.
//!
//! Two answers matter when something is refused: if the viewer may not even
//! know a thing exists (a private community they are not in), callers answer
//! "not found"; if they may see it but not act on it, "forbidden". The
//! functions here say which by returning [`Access`].
//!
//! Everything requires a signed-in viewer: Guildhall holds an organization's
//! internal knowledge, so anonymous visitors see only the sign-in page.

use crate::community::{CommunityRole, MembershipPolicy, Stage, Visibility};
use crate::ids::PersonId;
use crate::person::OrgRole;

/// Who is asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewer {
    pub person: PersonId,
    pub role: OrgRole,
}

impl Viewer {
    pub fn is_admin(&self) -> bool {
        self.role == OrgRole::Administrator
    }
}

/// What the policy needs to know about one community and the viewer's place
/// in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommunityContext {
    pub visibility: Visibility,
    pub policy: MembershipPolicy,
    pub stage: Stage,
    /// The viewer's role if they are a member.
    pub role: Option<CommunityRole>,
    /// Whether the viewer holds a pending invitation.
    pub invited: bool,
}

/// The answer to "may this viewer do that?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    Allowed,
    /// The viewer may know the thing exists but not do this; the message
    /// says why in words a person understands.
    Forbidden(&'static str),
    /// The viewer may not know the thing exists.
    Hidden,
}

impl Access {
    pub fn is_allowed(&self) -> bool {
        *self == Access::Allowed
    }
}

/// The refusal for content the viewer may not read: forbidden where they
/// may know the community exists (a closed one), hidden where not.
fn content_refused(c: &CommunityContext) -> Access {
    if can_see_community(c) {
        Access::Forbidden("this community's content is for its members")
    } else {
        Access::Hidden
    }
}

/// May the viewer know that the community exists (list it, open its page)?
pub fn can_see_community(c: &CommunityContext) -> bool {
    match c.visibility {
        Visibility::Open | Visibility::Closed => true,
        Visibility::Private => c.role.is_some() || c.invited,
    }
}

/// May the viewer see the community's profile beyond its name and purpose:
/// its coordinators, knowledge domains, charter and stage history? Open and
/// closed communities show it to everyone; a private one only to its
/// members — an invitation shows its invitee the name and purpose, to
/// accept or decline, and nothing else.
pub fn can_see_profile(c: &CommunityContext) -> bool {
    match c.visibility {
        Visibility::Open | Visibility::Closed => true,
        Visibility::Private => c.role.is_some(),
    }
}

/// May the viewer read the community's content: threads, resources, events,
/// its activity and its full member list?
pub fn can_read_content(c: &CommunityContext) -> bool {
    match c.visibility {
        Visibility::Open => true,
        Visibility::Closed | Visibility::Private => c.role.is_some(),
    }
}

/// Tending the community: its profile, memberships, roles and stage.
/// Coordinators may; administrators may too on open and closed communities,
/// so that a community whose coordinators left is not stranded. A private
/// community is its coordinators' alone: an administrator who is only
/// invited to it (or a member in another role) may not manage it.
pub fn can_manage_community(viewer: &Viewer, c: &CommunityContext) -> Access {
    if !can_see_community(c) {
        return Access::Hidden;
    }
    let coordinator = c.role.is_some_and(CommunityRole::is_coordinator);
    let admin_may = viewer.is_admin() && c.visibility != Visibility::Private;
    if coordinator || admin_may {
        Access::Allowed
    } else {
        Access::Forbidden("only the community's coordinators can do this")
    }
}

/// Editing the profile (name, purpose, domains, visibility, policy). Memory
/// communities are read-only: only their stage may still change.
pub fn can_edit_community(viewer: &Viewer, c: &CommunityContext) -> Access {
    match can_manage_community(viewer, c) {
        Access::Allowed if c.stage.is_read_only() => Access::Forbidden(
            "this community is in memory and read-only; move it to another stage first",
        ),
        other => other,
    }
}

/// Moving the community to another stage (allowed from memory too: that is
/// how a community is revived).
pub fn can_change_stage(viewer: &Viewer, c: &CommunityContext) -> Access {
    can_manage_community(viewer, c)
}

/// What the viewer can do to become a member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinOption {
    AlreadyMember,
    Join,
    Request,
    AcceptInvitation,
    Unavailable(&'static str),
}

pub fn join_option(c: &CommunityContext) -> JoinOption {
    if c.role.is_some() {
        return JoinOption::AlreadyMember;
    }
    if c.stage.is_read_only() {
        return JoinOption::Unavailable("this community is in memory and no longer takes members");
    }
    if c.invited {
        return JoinOption::AcceptInvitation;
    }
    if !can_see_community(c) {
        return JoinOption::Unavailable("not found");
    }
    match c.policy {
        MembershipPolicy::Open => JoinOption::Join,
        MembershipPolicy::Request => JoinOption::Request,
        MembershipPolicy::Invitation => {
            JoinOption::Unavailable("this community grows by invitation; ask a coordinator")
        }
    }
}

/// Leaving: any member may, except the last coordinator, who would strand
/// the community.
pub fn can_leave(c: &CommunityContext, coordinators: usize) -> Access {
    match c.role {
        None => Access::Forbidden("you are not a member of this community"),
        Some(CommunityRole::Coordinator) if coordinators <= 1 => Access::Forbidden(
            "you are the last coordinator; make someone else coordinator before you leave",
        ),
        Some(_) => Access::Allowed,
    }
}

/// The health pulse: aggregate figures, not content. Readers of the content
/// see it; so do the organization's stewards of its knowledge
/// (administrators, knowledge strategists, executives) for open and closed
/// communities — a private community's pulse is for its members only.
pub fn can_see_pulse(viewer: &Viewer, c: &CommunityContext) -> Access {
    if !can_see_community(c) {
        return Access::Hidden;
    }
    let steward = c.visibility != Visibility::Private
        && matches!(
            viewer.role,
            OrgRole::Administrator | OrgRole::KnowledgeStrategist | OrgRole::Executive
        );
    if can_read_content(c) || steward {
        Access::Allowed
    } else {
        Access::Forbidden(
            "the pulse of this community is for its members (and, unless it is private, the organization's sponsors)",
        )
    }
}

/// Starting a community is open to everyone: communities form themselves.
pub fn can_create_community(_viewer: &Viewer) -> Access {
    Access::Allowed
}

/// Organization units are the administrators' to shape.
pub fn can_manage_units(viewer: &Viewer) -> Access {
    if viewer.is_admin() {
        Access::Allowed
    } else {
        Access::Forbidden("only administrators can change organization units")
    }
}

/// Knowledge domains belong to the strategic portfolio.
pub fn can_manage_domains(viewer: &Viewer) -> Access {
    if matches!(
        viewer.role,
        OrgRole::Administrator | OrgRole::KnowledgeStrategist
    ) {
        Access::Allowed
    } else {
        Access::Forbidden(
            "only administrators and knowledge strategists can change knowledge domains",
        )
    }
}

/// Whose words a profile's own fields are (name, expertise, interests,
/// bio): the person's. HR and administrators may write them only for a
/// person who cannot sign in yet (added by HR or brought in by an
/// import), who has no other way to have them set.
pub fn can_edit_own_profile_fields(viewer: &Viewer, person: PersonId, has_account: bool) -> bool {
    viewer.person == person
        || (!has_account && matches!(viewer.role, OrgRole::Administrator | OrgRole::Hr))
}

/// Editing a person's profile: themselves, HR or an administrator.
pub fn can_edit_person(viewer: &Viewer, person: PersonId) -> Access {
    if viewer.person == person || matches!(viewer.role, OrgRole::Administrator | OrgRole::Hr) {
        Access::Allowed
    } else {
        Access::Forbidden("you can edit only your own profile")
    }
}

/// Changing organization fields of a person (unit, manager, title, role)
/// and creating people: HR and administrators. Only administrators grant
/// organization roles.
pub fn can_manage_people(viewer: &Viewer) -> Access {
    if matches!(viewer.role, OrgRole::Administrator | OrgRole::Hr) {
        Access::Allowed
    } else {
        Access::Forbidden("only administrators and HR can do this")
    }
}

pub fn can_grant_org_roles(viewer: &Viewer) -> Access {
    if viewer.is_admin() {
        Access::Allowed
    } else {
        Access::Forbidden("only administrators can change organization roles")
    }
}

/// Merging two records of one person (and undoing it) rewrites who did
/// what across every community, private ones included.
pub fn can_merge_people(viewer: &Viewer) -> Access {
    if viewer.is_admin() {
        Access::Allowed
    } else {
        Access::Forbidden("only administrators can merge people")
    }
}

/// The audit log names who signed in from where and who changed what.
pub fn can_read_audit_log(viewer: &Viewer) -> Access {
    if viewer.is_admin() {
        Access::Allowed
    } else {
        Access::Forbidden("only administrators can read the audit log")
    }
}

/// Exporting the whole activity log reveals activity of private communities.
pub fn can_export_activity(viewer: &Viewer) -> Access {
    if viewer.is_admin() {
        Access::Allowed
    } else {
        Access::Forbidden("only administrators can export the activity log")
    }
}

/// Whether the viewer may contribute to the community's practice: start
/// threads, reply, thank, revise resources, answer invitations to events.
/// In an open community anyone who can read may take part (their
/// contributions count in the pulse's population even before they join);
/// in closed and private ones, members other than observers. Nobody
/// writes in a community in memory.
pub fn can_participate(c: &CommunityContext) -> Access {
    if !can_see_community(c) {
        return Access::Hidden;
    }
    if !can_read_content(c) {
        return Access::Forbidden("only members can take part in this community");
    }
    if c.stage.is_read_only() {
        return Access::Forbidden("this community is in memory and read-only");
    }
    match (c.visibility, c.role) {
        (_, Some(CommunityRole::Observer)) => {
            Access::Forbidden("observers read but do not post; ask a coordinator for another role")
        }
        (Visibility::Open, _) | (_, Some(_)) => Access::Allowed,
        (_, None) => Access::Forbidden("only members can take part in this community"),
    }
}

/// Editing or deleting a post: its author, or whoever manages the
/// community (coordinators, administrators).
pub fn can_moderate_post(viewer: &Viewer, c: &CommunityContext, author: PersonId) -> Access {
    if !can_read_content(c) {
        return Access::Hidden;
    }
    if c.stage.is_read_only() {
        return Access::Forbidden("this community is in memory and read-only");
    }
    if viewer.person == author || can_manage_community(viewer, c).is_allowed() {
        Access::Allowed
    } else {
        Access::Forbidden("only the author or a coordinator can change this post")
    }
}

/// Reading the text of a deleted post (in an edit history): deletion takes
/// it away from everyone but administrators, who may need it to settle a
/// dispute.
pub fn can_read_deleted_posts(viewer: &Viewer) -> bool {
    viewer.is_admin()
}

/// Marking a help request solved (or unsolved): the asker or a
/// coordinator.
pub fn can_mark_solved(viewer: &Viewer, c: &CommunityContext, asker: PersonId) -> Access {
    match can_moderate_post(viewer, c, asker) {
        Access::Forbidden(_) if !c.stage.is_read_only() => {
            Access::Forbidden("only the person who asked or a coordinator can mark this solved")
        }
        other => other,
    }
}

/// Endorsing a resource or making it a standard (and taking that back):
/// the community's core group: coordinators and core members.
pub fn can_endorse(c: &CommunityContext) -> Access {
    if !can_read_content(c) {
        return content_refused(c);
    }
    if c.stage.is_read_only() {
        return Access::Forbidden("this community is in memory and read-only");
    }
    if c.role.is_some_and(CommunityRole::is_core_group) {
        Access::Allowed
    } else {
        Access::Forbidden("only coordinators and core members can endorse resources")
    }
}

/// Scheduling events and recording who came: the core group, and
/// administrators.
pub fn can_manage_events(viewer: &Viewer, c: &CommunityContext) -> Access {
    if !can_read_content(c) {
        return content_refused(c);
    }
    if c.stage.is_read_only() {
        return Access::Forbidden("this community is in memory and read-only");
    }
    if c.role.is_some_and(CommunityRole::is_core_group) || viewer.is_admin() {
        Access::Allowed
    } else {
        Access::Forbidden("only coordinators and core members can schedule events")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(visibility: Visibility, role: Option<CommunityRole>) -> CommunityContext {
        CommunityContext {
            visibility,
            policy: MembershipPolicy::Open,
            stage: Stage::Coalescing,
            role,
            invited: false,
        }
    }

    const MEMBER: Viewer = Viewer {
        person: PersonId(1),
        role: OrgRole::Member,
    };
    const ADMIN: Viewer = Viewer {
        person: PersonId(2),
        role: OrgRole::Administrator,
    };

    #[test]
    fn private_is_hidden_from_outsiders_even_admins() {
        let c = ctx(Visibility::Private, None);
        assert!(!can_see_community(&c));
        assert!(!can_read_content(&c));
        assert_eq!(can_manage_community(&ADMIN, &c), Access::Hidden);
        let invited = CommunityContext { invited: true, ..c };
        assert!(can_see_community(&invited));
        assert!(!can_read_content(&invited));
    }

    /// Regression: an administrator only invited to a private community
    /// could manage it (members, roles, invitations, stage, visibility).
    #[test]
    fn an_invitation_to_a_private_community_grants_nothing_but_its_name() {
        let invited = CommunityContext {
            invited: true,
            ..ctx(Visibility::Private, None)
        };
        assert!(can_see_community(&invited));
        assert!(!can_see_profile(&invited));
        assert!(!can_read_content(&invited));
        for viewer in [ADMIN, MEMBER] {
            assert!(matches!(
                can_manage_community(&viewer, &invited),
                Access::Forbidden(_)
            ));
            assert!(matches!(
                can_edit_community(&viewer, &invited),
                Access::Forbidden(_)
            ));
            assert!(matches!(
                can_change_stage(&viewer, &invited),
                Access::Forbidden(_)
            ));
            assert!(matches!(
                can_see_pulse(&viewer, &invited),
                Access::Forbidden(_)
            ));
        }
        assert_eq!(join_option(&invited), JoinOption::AcceptInvitation);
        // A member of a private community who is not its coordinator, even
        // an administrator, does not manage it either.
        let member = ctx(Visibility::Private, Some(CommunityRole::Core));
        assert!(matches!(
            can_manage_community(&ADMIN, &member),
            Access::Forbidden(_)
        ));
        assert!(can_see_pulse(&ADMIN, &member).is_allowed());
        let coordinator = ctx(Visibility::Private, Some(CommunityRole::Coordinator));
        assert!(can_manage_community(&MEMBER, &coordinator).is_allowed());
    }

    #[test]
    fn closed_shows_existence_not_content() {
        let c = ctx(Visibility::Closed, None);
        assert!(can_see_community(&c));
        assert!(!can_read_content(&c));
        assert!(can_read_content(&ctx(
            Visibility::Closed,
            Some(CommunityRole::Observer)
        )));
    }

    #[test]
    fn only_coordinators_and_admins_manage() {
        let member = ctx(Visibility::Open, Some(CommunityRole::Core));
        assert!(matches!(
            can_manage_community(&MEMBER, &member),
            Access::Forbidden(_)
        ));
        let coord = ctx(Visibility::Open, Some(CommunityRole::Coordinator));
        assert!(can_manage_community(&MEMBER, &coord).is_allowed());
        assert!(can_manage_community(&ADMIN, &ctx(Visibility::Closed, None)).is_allowed());
    }

    #[test]
    fn who_takes_part() {
        assert!(can_participate(&ctx(Visibility::Open, None)).is_allowed());
        assert!(matches!(
            can_participate(&ctx(Visibility::Closed, None)),
            Access::Forbidden(_)
        ));
        assert_eq!(
            can_participate(&ctx(Visibility::Private, None)),
            Access::Hidden
        );
        assert!(
            can_participate(&ctx(Visibility::Private, Some(CommunityRole::Member))).is_allowed()
        );
        assert!(matches!(
            can_participate(&ctx(Visibility::Open, Some(CommunityRole::Observer))),
            Access::Forbidden(_)
        ));
        let memory = CommunityContext {
            stage: Stage::Memory,
            ..ctx(Visibility::Open, Some(CommunityRole::Coordinator))
        };
        assert!(matches!(can_participate(&memory), Access::Forbidden(_)));
    }

    #[test]
    fn posts_belong_to_their_authors_and_coordinators() {
        let member = ctx(Visibility::Open, Some(CommunityRole::Member));
        assert!(can_moderate_post(&MEMBER, &member, MEMBER.person).is_allowed());
        assert!(matches!(
            can_moderate_post(&MEMBER, &member, PersonId(9)),
            Access::Forbidden(_)
        ));
        let coord = ctx(Visibility::Open, Some(CommunityRole::Coordinator));
        assert!(can_moderate_post(&MEMBER, &coord, PersonId(9)).is_allowed());
        assert!(can_mark_solved(&MEMBER, &coord, PersonId(9)).is_allowed());
        assert!(matches!(
            can_mark_solved(&MEMBER, &member, PersonId(9)),
            Access::Forbidden(_)
        ));
        assert_eq!(
            can_moderate_post(&ADMIN, &ctx(Visibility::Private, None), PersonId(9)),
            Access::Hidden
        );
    }

    #[test]
    fn endorsement_is_for_the_core_group() {
        assert!(can_endorse(&ctx(Visibility::Open, Some(CommunityRole::Core))).is_allowed());
        assert!(matches!(
            can_endorse(&ctx(Visibility::Open, Some(CommunityRole::Member))),
            Access::Forbidden(_)
        ));
        assert!(matches!(
            can_endorse(&ctx(Visibility::Open, None)),
            Access::Forbidden(_)
        ));
    }

    #[test]
    fn memory_is_read_only_but_can_be_revived() {
        let c = CommunityContext {
            stage: Stage::Memory,
            ..ctx(Visibility::Open, Some(CommunityRole::Coordinator))
        };
        assert!(matches!(
            can_edit_community(&MEMBER, &c),
            Access::Forbidden(_)
        ));
        assert!(can_change_stage(&MEMBER, &c).is_allowed());
        let outsider = CommunityContext { role: None, ..c };
        assert!(matches!(join_option(&outsider), JoinOption::Unavailable(_)));
    }

    #[test]
    fn join_options_follow_policy() {
        let mut c = ctx(Visibility::Open, None);
        assert_eq!(join_option(&c), JoinOption::Join);
        c.policy = MembershipPolicy::Request;
        assert_eq!(join_option(&c), JoinOption::Request);
        c.policy = MembershipPolicy::Invitation;
        assert!(matches!(join_option(&c), JoinOption::Unavailable(_)));
        c.invited = true;
        assert_eq!(join_option(&c), JoinOption::AcceptInvitation);
    }

    #[test]
    fn last_coordinator_cannot_leave() {
        let c = ctx(Visibility::Open, Some(CommunityRole::Coordinator));
        assert!(matches!(can_leave(&c, 1), Access::Forbidden(_)));
        assert!(can_leave(&c, 2).is_allowed());
    }
}
