//! What changed between two revisions of a text: a line diff of the bodies
//! and the title change, computed here (pure) and drawn by the web crate.
//!
//! Unchanged stretches far from any change are folded into a gap so that a
//! one-line edit of a long document shows as a few lines, not the whole
//! document.

use similar::{ChangeTag, TextDiff};
use std::time::Duration;

/// Unchanged lines kept on each side of a change.
const CONTEXT: usize = 3;

/// Past this, the diff algorithm gives up on the optimal answer and
/// returns a coarser (still correct) one: a request must not hang on a
/// pathological pair of 50,000-character bodies.
const TIMEOUT: Duration = Duration::from_millis(500);

/// How a line of the diff relates the two revisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineChange {
    /// In both revisions.
    Same,
    /// Only in the newer revision.
    Added,
    /// Only in the older revision.
    Removed,
    /// Unchanged lines left out; `text` says how many.
    Gap,
}

impl LineChange {
    /// The sign shown before the line, so that the change is readable
    /// without colour.
    pub fn sign(self) -> &'static str {
        match self {
            LineChange::Same => " ",
            LineChange::Added => "+",
            LineChange::Removed => "−",
            LineChange::Gap => "⋯",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LineChange::Same => "same",
            LineChange::Added => "added",
            LineChange::Removed => "removed",
            LineChange::Gap => "gap",
        }
    }
}

/// One line of a diff, with its line numbers in the older and newer text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffLine {
    pub change: LineChange,
    pub old_line: Option<usize>,
    pub new_line: Option<usize>,
    /// The line without its line break.
    pub text: String,
}

/// The difference between two revisions of a titled text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextChange {
    /// `(old, new)` when the title changed.
    pub title: Option<(String, String)>,
    pub lines: Vec<DiffLine>,
    pub added: usize,
    pub removed: usize,
}

impl TextChange {
    /// Whether the two revisions are the same text.
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.added == 0 && self.removed == 0
    }
}

/// Compares `(old_title, old_body)` with `(new_title, new_body)` line by
/// line.
pub fn compare(old_title: &str, old_body: &str, new_title: &str, new_body: &str) -> TextChange {
    let title = (old_title != new_title).then(|| (old_title.to_owned(), new_title.to_owned()));
    // A missing final line break is not a change worth showing.
    let (old_body, new_body) = (terminated(old_body), terminated(new_body));
    let diff = TextDiff::configure()
        .timeout(TIMEOUT)
        .diff_lines(old_body.as_str(), new_body.as_str());
    let mut lines = Vec::new();
    let (mut added, mut removed) = (0, 0);
    let mut shown_old = 0;
    let groups = diff.grouped_ops(CONTEXT);
    for group in &groups {
        let Some(first) = group.first() else { continue };
        let start = first.old_range().start;
        if start > shown_old {
            lines.push(gap(start - shown_old));
        }
        for op in group {
            for c in diff.iter_changes(op) {
                let change = match c.tag() {
                    ChangeTag::Equal => LineChange::Same,
                    ChangeTag::Insert => {
                        added += 1;
                        LineChange::Added
                    }
                    ChangeTag::Delete => {
                        removed += 1;
                        LineChange::Removed
                    }
                };
                let text = c.value();
                lines.push(DiffLine {
                    change,
                    old_line: c.old_index().map(|i| i + 1),
                    new_line: c.new_index().map(|i| i + 1),
                    text: text.trim_end_matches(['\n', '\r']).to_owned(),
                });
            }
            shown_old = op.old_range().end;
        }
    }
    if !groups.is_empty() && shown_old < diff.old_len() {
        lines.push(gap(diff.old_len() - shown_old));
    }
    TextChange {
        title,
        lines,
        added,
        removed,
    }
}

fn terminated(s: &str) -> String {
    let mut s = s.replace("\r\n", "\n");
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

fn gap(n: usize) -> DiffLine {
    DiffLine {
        change: LineChange::Gap,
        old_line: None,
        new_line: None,
        text: if n == 1 {
            "1 unchanged line".into()
        } else {
            format!("{n} unchanged lines")
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_has_no_change() {
        let d = compare("T", "a\nb\n", "T", "a\nb\n");
        assert!(d.is_empty());
        assert!(d.lines.is_empty());
    }

    #[test]
    fn marks_added_and_removed_lines_with_numbers() {
        let d = compare("Old", "one\ntwo\nthree", "New", "one\n2\nthree\nfour");
        assert_eq!(d.title, Some(("Old".into(), "New".into())));
        assert_eq!((d.added, d.removed), (2, 1));
        let removed: Vec<_> = d
            .lines
            .iter()
            .filter(|l| l.change == LineChange::Removed)
            .map(|l| (l.old_line, l.text.as_str()))
            .collect();
        assert_eq!(removed, [(Some(2), "two")]);
        assert!(
            d.lines.iter().any(|l| l.change == LineChange::Added
                && l.text == "four"
                && l.new_line == Some(4))
        );
    }

    #[test]
    fn folds_unchanged_stretches() {
        let old: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let new = old.replace("line 10\n", "line ten\n");
        let d = compare("T", &old, "T", &new);
        assert_eq!((d.added, d.removed), (1, 1));
        assert_eq!(d.lines.first().map(|l| l.change), Some(LineChange::Gap));
        assert_eq!(d.lines.last().map(|l| l.change), Some(LineChange::Gap));
        assert_eq!(d.lines.len(), 1 + 3 + 2 + 3 + 1);
        assert_eq!(d.lines[0].text, "6 unchanged lines");
    }
}
