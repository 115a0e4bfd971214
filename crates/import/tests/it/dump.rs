//! An independent reading of a dump: SE dumps put one `<row …/>` per line,
//! so a line scan with a tiny attribute lookup is enough to count.

use guildhall_domain::{CommunityId, ReplyId};
use guildhall_testkit::{InScratch, Scratch};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A copy of a fixture in a fresh folder with the same name (the folder's
/// name names the site), to be damaged by a test; removed when dropped.
pub fn copy_of(name: &str) -> InScratch {
    let scratch = Scratch::new("import");
    scratch.copy_folder(&fixture(name), name);
    scratch.keep(name)
}

pub fn attr(line: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = line.find(&key)? + key.len();
    let end = line[start..].find('"')? + start;
    Some(line[start..end].to_owned())
}

fn rows(dir: &Path, file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
    text.lines()
        .filter(|l| l.trim_start().starts_with("<row "))
        .map(str::to_owned)
        .collect()
}

pub fn unix(s: &str) -> i64 {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .expect("dump time")
        .and_utc()
        .timestamp()
}

/// What the importer should make of a dump, counted from the files.
#[derive(Debug)]
pub struct Expected {
    pub users: usize,
    pub questions: usize,
    pub answers: usize,
    pub comments: usize,
    pub solved: usize,
    /// Whether some contribution has no known user (→ the placeholder).
    pub placeholder: bool,
    /// Distinct contributors, the placeholder counted once.
    pub contributors: usize,
    pub account_ids: HashSet<String>,
    /// Question id → its creation time.
    pub question_times: HashMap<String, i64>,
}

pub fn expected(dir: &Path) -> Expected {
    let users = rows(dir, "Users.xml");
    let user_ids: HashSet<String> = users.iter().filter_map(|l| attr(l, "Id")).collect();
    let account_ids = users.iter().filter_map(|l| attr(l, "AccountId")).collect();
    let posts = rows(dir, "Posts.xml");
    let mut questions = HashSet::new();
    let mut question_times = HashMap::new();
    let mut accepted = HashMap::new();
    let mut contributors = HashSet::new();
    let who = |user: Option<String>| match user.filter(|u| user_ids.contains(u)) {
        Some(u) => u,
        None => "deleted".to_owned(),
    };
    for l in &posts {
        if attr(l, "PostTypeId").as_deref() == Some("1") {
            let id = attr(l, "Id").expect("Id");
            questions.insert(id.clone());
            question_times.insert(id.clone(), unix(&attr(l, "CreationDate").expect("date")));
            if let Some(a) = attr(l, "AcceptedAnswerId") {
                accepted.insert(a, id);
            }
            contributors.insert(who(attr(l, "OwnerUserId")));
        }
    }
    let mut answers = HashSet::new();
    let mut solved = 0;
    for l in &posts {
        if attr(l, "PostTypeId").as_deref() == Some("2") {
            let parent = attr(l, "ParentId").expect("ParentId");
            if questions.contains(&parent) {
                let id = attr(l, "Id").expect("Id");
                if accepted.get(&id) == Some(&parent) {
                    solved += 1;
                }
                answers.insert(id);
                contributors.insert(who(attr(l, "OwnerUserId")));
            }
        }
    }
    let mut comments = 0;
    for l in rows(dir, "Comments.xml") {
        let post = attr(&l, "PostId").expect("PostId");
        if questions.contains(&post) || answers.contains(&post) {
            comments += 1;
            contributors.insert(who(attr(&l, "UserId")));
        }
    }
    Expected {
        users: users.len(),
        questions: questions.len(),
        answers: answers.len(),
        comments,
        solved,
        placeholder: contributors.contains("deleted"),
        contributors: contributors.len(),
        account_ids,
        question_times,
    }
}

/// Rewrites `path` with `marker` in its first line containing it replaced
/// by `replacement`, where `\u{1}` stands for a Latin-1 é (byte 0xE9, not
/// UTF-8). Returns the damaged line's index and the file's new bytes.
pub fn write_latin1(path: &Path, marker: &str, replacement: &str) -> (usize, Vec<u8>) {
    let text = std::fs::read_to_string(path).expect("read");
    let target = text
        .lines()
        .position(|l| l.contains(marker))
        .expect("a line to damage");
    let mut bytes = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if i == target {
            let damaged = l.replacen(marker, replacement, 1);
            bytes.extend(damaged.bytes().map(|b| if b == 1 { 0xE9 } else { b }));
        } else {
            bytes.extend_from_slice(l.as_bytes());
        }
        bytes.push(b'\n');
    }
    std::fs::write(path, &bytes).expect("write");
    (target, bytes)
}

/// A person as the tests create one before an import: a member with a
/// name and an address, nothing else.
pub fn person(name: &str, email: &str) -> guildhall_store::NewPerson {
    guildhall_store::NewPerson::member(name, email)
}

/// Every thread of `communities` with its replies, as lines to compare
/// between imports: who wrote what and when, which reply each answers (by
/// position in its thread), thanks, and who solved the thread with which
/// reply.
pub async fn conversations(
    store: &guildhall_store::Store,
    communities: &[CommunityId],
) -> Vec<String> {
    let mut out = Vec::new();
    for &community in communities {
        let page = store
            .threads(
                community,
                &guildhall_store::ThreadFilter::default(),
                100_000,
                0,
            )
            .await
            .expect("threads");
        for t in &page.items {
            let replies = store.replies(t.id).await.expect("replies");
            let position = |id: ReplyId| replies.iter().position(|r| r.id == id);
            let mut line = format!(
                "{community}: {} by {} at {} ({} replies, solved by {:?} with {:?} at {:?}):",
                t.title,
                t.author_id,
                t.created_at,
                t.reply_count,
                t.helper_id,
                t.solved_reply_id.map(position),
                t.solved_at
            );
            for r in &replies {
                line.push_str(&format!(
                    " [{} at {} to {:?}, {} thanks: {}]",
                    r.author_id,
                    r.created_at,
                    r.reply_to.map(position),
                    r.thanks,
                    r.body
                ));
            }
            out.push(line);
        }
    }
    out.sort();
    out
}

/// What a run's summary says it did, to compare two runs of the same
/// input: every count, the skipped and noted reasons, the rows written.
pub fn outcome(s: &guildhall_import::Summary) -> impl std::fmt::Debug + PartialEq + '_ {
    (
        [
            s.threads,
            s.replies,
            s.solved,
            s.thanks,
            s.people_created,
            s.people_matched,
            s.members_added,
        ],
        &s.skipped,
        &s.notes,
        &s.written,
        &s.communities,
    )
}

/// The communities a run imported into.
pub fn community_ids(summary: &guildhall_import::Summary) -> Vec<CommunityId> {
    summary.communities.iter().map(|c| c.id).collect()
}
