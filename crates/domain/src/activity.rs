//! The append-only activity log: one record per contribution or change, the
//! ground truth of every figure Guildhall shows (see METRICS.md).

use crate::community::word_enum;
use crate::ids::{CommunityId, PersonId, UnitId};
use crate::time::Timestamp;

word_enum!(
    /// Kinds keep their meaning forever; new kinds may be added.
    ActivityKind {
        MemberJoined = "member.joined": "joined",
        MemberLeft = "member.left": "left",
        ThreadHelp = "thread.help": "asked for help",
        ThreadStory = "thread.story": "told a story",
        ThreadDiscussion = "thread.discussion": "started a discussion",
        ReplyCreated = "reply.created": "replied",
        HelpSolved = "help.solved": "marked a help request solved",
        ResourceCreated = "resource.created": "created a resource",
        ResourceRevised = "resource.revised": "revised a resource",
        ResourceEndorsed = "resource.endorsed": "endorsed a resource",
        EventHeld = "event.held": "held an event",
        EventAttended = "event.attended": "attended an event",
        ThanksGiven = "thanks.given": "thanked someone",
        StageChanged = "stage.changed": "changed the stage",
        CharterReviewed = "charter.reviewed": "reviewed the charter",
    }
);

impl ActivityKind {
    /// A small stable number for the kind: its position in [`Self::ALL`].
    /// New kinds are only ever appended, so codes never change meaning.
    pub fn code(self) -> i64 {
        Self::ALL
            .iter()
            .position(|k| *k == self)
            .map_or(-1, |i| i as i64)
    }

    pub fn from_code(code: i64) -> Option<Self> {
        usize::try_from(code)
            .ok()
            .and_then(|i| Self::ALL.get(i))
            .copied()
    }

    /// Kinds whose events before the previous window can still change a
    /// pulse: membership, help requests (their replies may come later) and
    /// reviews.
    pub fn matters_before_window(self) -> bool {
        matches!(
            self,
            ActivityKind::MemberJoined
                | ActivityKind::MemberLeft
                | ActivityKind::ThreadHelp
                | ActivityKind::CharterReviewed
                | ActivityKind::StageChanged
        )
    }

    /// Kinds the health pulse reads at all; it ignores the others.
    pub fn used_by_pulse(self) -> bool {
        self.is_contribution()
            || self.matters_before_window()
            || matches!(self, ActivityKind::HelpSolved | ActivityKind::EventHeld)
    }

    /// Kinds that count as contributions in the health pulse.
    pub fn is_contribution(self) -> bool {
        matches!(
            self,
            ActivityKind::ThreadHelp
                | ActivityKind::ThreadStory
                | ActivityKind::ThreadDiscussion
                | ActivityKind::ReplyCreated
                | ActivityKind::ResourceCreated
                | ActivityKind::ResourceRevised
                | ActivityKind::EventAttended
        )
    }
}

/// An event about to be appended. `actor_unit` is filled by the store from
/// the actor's unit at write time when left `None` and `resolve_unit` is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewActivity {
    pub at: Timestamp,
    pub kind: ActivityKind,
    pub actor: PersonId,
    pub actor_unit: Option<UnitId>,
    pub community: Option<CommunityId>,
    pub subject: Option<i64>,
    pub parent: Option<i64>,
    pub other: Option<PersonId>,
}

impl NewActivity {
    pub fn new(
        at: Timestamp,
        kind: ActivityKind,
        actor: PersonId,
        actor_unit: Option<UnitId>,
    ) -> Self {
        NewActivity {
            at,
            kind,
            actor,
            actor_unit,
            community: None,
            subject: None,
            parent: None,
            other: None,
        }
    }

    pub fn in_community(mut self, c: CommunityId) -> Self {
        self.community = Some(c);
        self
    }

    pub fn subject(mut self, s: i64) -> Self {
        self.subject = Some(s);
        self
    }

    pub fn parent(mut self, p: i64) -> Self {
        self.parent = Some(p);
        self
    }

    pub fn other(mut self, p: PersonId) -> Self {
        self.other = Some(p);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::ActivityKind;

    #[test]
    fn codes_round_trip() {
        for k in ActivityKind::ALL {
            assert_eq!(ActivityKind::from_code(k.code()), Some(*k));
        }
        assert_eq!(ActivityKind::from_code(-1), None);
        assert_eq!(ActivityKind::from_code(999), None);
    }
}
