//! The vocabulary of daily practice: kinds of threads, resources and events,
//! resource statuses, RSVP answers, notification kinds, and the limits on
//! what members write.

use crate::activity::ActivityKind;
use crate::community::word_enum;

/// Longest Markdown body of a thread, reply or resource revision, in
/// characters; stated in error messages.
pub const BODY_MAX: usize = 50_000;
/// Longest note attached to thanks or a status change.
pub const NOTE_MAX: usize = 500;

word_enum!(
    /// What a thread is for: asking for help, telling a story, discussing.
    ThreadKind {
        Help = "help": "Help request",
        Story = "story": "Story",
        Discussion = "discussion": "Discussion",
    }
);

impl ThreadKind {
    /// The activity kind that records the thread's creation.
    pub fn activity(self) -> ActivityKind {
        match self {
            ThreadKind::Help => ActivityKind::ThreadHelp,
            ThreadKind::Story => ActivityKind::ThreadStory,
            ThreadKind::Discussion => ActivityKind::ThreadDiscussion,
        }
    }
}

word_enum!(
    /// The kinds of knowledge a community keeps.
    ResourceKind {
        Document = "document": "Document",
        Lesson = "lesson": "Lesson learned",
        Example = "example": "Example",
        Tool = "tool": "Tool",
        Process = "process": "Process",
        Standard = "standard": "Standard",
    }
);

word_enum!(
    /// How far the community stands behind a resource. Moves go one step
    /// at a time, up or down: draft ↔ endorsed ↔ standard.
    ResourceStatus {
        Draft = "draft": "Draft",
        Endorsed = "endorsed": "Endorsed",
        Standard = "standard": "Standard",
    }
);

impl ResourceStatus {
    /// Whether `self → to` is one step of the ladder.
    pub fn can_move_to(self, to: ResourceStatus) -> bool {
        use ResourceStatus::*;
        matches!(
            (self, to),
            (Draft, Endorsed) | (Endorsed, Standard) | (Standard, Endorsed) | (Endorsed, Draft)
        )
    }
}

word_enum!(
    /// Events that give a community its rhythm and mark its passages.
    EventKind {
        Regular = "regular": "Regular meeting",
        Launch = "launch": "Launch",
        Renewal = "renewal": "Renewal",
        Anniversary = "anniversary": "Anniversary",
        Workshop = "workshop": "Workshop",
    }
);

word_enum!(
    /// An answer to "will you come?".
    RsvpAnswer {
        Yes = "yes": "Going",
        Maybe = "maybe": "Maybe",
        No = "no": "Not going",
    }
);

word_enum!(
    /// Why a person is told about something.
    NotificationKind {
        Mention = "mention": "mentioned you",
        Reply = "reply": "replied to your thread",
        Solved = "solved": "marked your answer as the one that helped",
        RequestSolved = "request_solved": "marked your help request solved",
        Thanks = "thanks": "thanked you",
        Event = "event": "scheduled an event",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_kinds_map_to_metrics_kinds() {
        assert_eq!(ThreadKind::Help.activity().as_str(), "thread.help");
        assert_eq!(ThreadKind::Story.activity().as_str(), "thread.story");
        assert_eq!(
            ThreadKind::Discussion.activity().as_str(),
            "thread.discussion"
        );
    }

    #[test]
    fn status_moves_one_step() {
        use ResourceStatus::*;
        assert!(Draft.can_move_to(Endorsed));
        assert!(!Draft.can_move_to(Standard));
        assert!(Standard.can_move_to(Endorsed));
        assert!(!Standard.can_move_to(Draft));
        assert!(!Draft.can_move_to(Draft));
    }
}
