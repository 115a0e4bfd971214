//! What the search index holds: one document per searchable thing.

use crate::community::word_enum;

word_enum!(
    /// What a search document stands for.
    DocumentKind {
        Thread = "thread": "Thread",
        Reply = "reply": "Reply",
        Resource = "resource": "Resource",
        Person = "person": "Person",
        Community = "community": "Community",
    }
);
