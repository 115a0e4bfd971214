//! The mbox importer on real Apache list archives (Pony Mail's test
//! corpus), on SQLite and (with GUILDHALL_TEST_DATABASE_URL) on
//! PostgreSQL. Expected figures come from a line scan of the files written
//! here, not from the importer's reader or MIME parser.

use crate::dump::{fixture, outcome};
use guildhall_domain::ReplyId;
use guildhall_import::mbox::{Options, import};
use guildhall_import::{ImportError, Summary, progress::Silent};
use guildhall_store::{Store, ThreadFilter};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

const DIR: &str = "apache-ponymail";
const MAVEN: [&str; 3] = [
    "maven-dev-2017-11-listsao.mbox",
    "maven-dev-2017-11-mailarchivesao.mbox",
    "maven-dev-2017-11-mboxvm.mbox",
];

fn file(name: &str) -> PathBuf {
    fixture(DIR).join(name)
}

fn opts(dry_run: bool) -> Options {
    Options {
        community: "maven-dev".into(),
        dry_run,
        ..Options::default()
    }
}

async fn run(store: &Store, files: &[PathBuf], dry_run: bool) -> Result<Summary, ImportError> {
    import(store, files, &opts(dry_run), &mut Silent).await
}

/// An import whose messages are looked up and written `chunk` at a time.
async fn run_in_chunks(
    store: &Store,
    files: &[PathBuf],
    chunk: usize,
) -> Result<Summary, ImportError> {
    let opts = Options {
        chunk_messages: Some(chunk),
        ..opts(false)
    };
    import(store, files, &opts, &mut Silent).await
}

/// Every conversation of maven-dev (see [`crate::dump::conversations`]).
async fn conversations(store: &Store) -> Vec<String> {
    let c = store
        .community_by_slug("maven-dev")
        .await
        .expect("community");
    crate::dump::conversations(store, &[c.id]).await
}

/// What the files hold, by a plain scan: messages start at a `From ` line
/// at the top or after a blank line; the Message-ID is read from the
/// header section (its value may be folded onto the next line).
#[derive(Debug, Default)]
struct Scan {
    ids: HashSet<String>,
    messages: usize,
    without_id: usize,
    /// Messages naming no parent at all (In-Reply-To, References).
    roots: usize,
}

fn scan(paths: &[PathBuf]) -> Scan {
    let mut s = Scan::default();
    for path in paths {
        let bytes = std::fs::read(path).expect("read fixture");
        let text = String::from_utf8_lossy(&bytes);
        let mut in_headers = false;
        let mut previous_blank = true;
        let mut id: Option<String> = None;
        let mut refs = false;
        let mut pending_id = false;
        let mut started = false;
        let close = |s: &mut Scan, id: &mut Option<String>, refs: &mut bool| {
            s.messages += 1;
            match id.take() {
                Some(i) => {
                    s.ids.insert(i);
                }
                None => s.without_id += 1,
            }
            if !*refs {
                s.roots += 1;
            }
            *refs = false;
        };
        for line in text.lines() {
            if line.starts_with("From ") && previous_blank {
                if started {
                    close(&mut s, &mut id, &mut refs);
                }
                started = true;
                in_headers = true;
                previous_blank = false;
                continue;
            }
            previous_blank = line.trim().is_empty();
            if !in_headers {
                continue;
            }
            if line.is_empty() {
                in_headers = false;
                continue;
            }
            let lower = line.to_ascii_lowercase();
            if pending_id && line.starts_with([' ', '\t']) {
                id = Some(line.trim().trim_matches(['<', '>']).to_owned());
                pending_id = false;
            } else if let Some(v) = lower.strip_prefix("message-id:") {
                let v = line[line.len() - v.len()..].trim();
                if v.is_empty() {
                    pending_id = true;
                } else {
                    id = Some(v.trim_matches(['<', '>']).to_owned());
                }
            } else if lower.starts_with("in-reply-to:") || lower.starts_with("references:") {
                refs = true;
            }
        }
        if started {
            close(&mut s, &mut id, &mut refs);
        }
    }
    s
}

#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    people: i64,
    activity: i64,
    threads: i64,
}

async fn snapshot(store: &Store) -> Snapshot {
    let threads = match store.community_by_slug("maven-dev").await {
        Ok(c) => {
            store
                .threads(c.id, &ThreadFilter::default(), 1, 0)
                .await
                .expect("threads")
                .total
        }
        Err(_) => -1,
    };
    Snapshot {
        people: store.count_people().await.expect("people"),
        activity: store.count_activity().await.expect("activity"),
        threads,
    }
}

#[tokio::test]
async fn every_distinct_message_becomes_one_thread_or_reply() {
    let store = guildhall_testkit::fresh_store().await;
    let files = [file(MAVEN[0])];
    let want = scan(&files);
    let summary = run(&store, &files, false).await.expect("import");
    assert_eq!(
        (summary.threads + summary.replies) as usize,
        want.ids.len() + want.without_id,
        "{summary}"
    );
    assert!(
        summary.replies > summary.threads,
        "a dev list is mostly replies: {summary}"
    );
    assert!(
        summary
            .skipped
            .get("attachments (not imported)")
            .copied()
            .unwrap_or(0)
            > 0,
        "{summary}"
    );
    assert!(
        summary.threads as usize >= want.roots,
        "every message naming no parent starts a thread: {summary}"
    );
    let w = &summary.written;
    assert_eq!(w.threads, summary.threads);
    assert_eq!(w.replies, summary.replies);
    assert_eq!(
        w.search_documents,
        summary.threads + summary.replies + summary.people_created,
        "threads, replies and people are searchable"
    );
    assert_eq!(w.memberships, summary.people_created);
    assert_eq!(
        w.activity,
        summary.threads + summary.replies + summary.members_added
    );
    let c = store.community_by_slug("maven-dev").await.expect("created");
    let page = store
        .threads(c.id, &ThreadFilter::default(), 1_000, 0)
        .await
        .expect("threads");
    assert_eq!(page.total as u64, summary.threads);
    assert!(page.items.iter().all(|t| t.kind.as_str() == "discussion"));
    let mut replies = 0;
    let mut nested = 0;
    for t in &page.items {
        let rs = store.replies(t.id).await.expect("replies");
        assert_eq!(t.reply_count as usize, rs.len());
        let ids: HashSet<ReplyId> = rs.iter().map(|r| r.id).collect();
        for r in &rs {
            assert!(r.created_at >= 1_500_000_000, "dated in 2017");
            if let Some(to) = r.reply_to {
                assert!(
                    ids.contains(&to),
                    "a reply answers a reply of its own thread"
                );
                nested += 1;
            }
        }
        replies += rs.len();
    }
    assert_eq!(replies as u64, summary.replies);
    assert!(nested > 0, "replies to replies keep their parent");
    assert_eq!(
        store.count_people().await.expect("people") as u64,
        summary.people_created
    );
}

#[tokio::test]
async fn the_same_month_archived_three_ways_is_imported_once() {
    let one = guildhall_testkit::fresh_store().await;
    let single = run(&one, &[file(MAVEN[0])], false).await.expect("one");
    let all: Vec<PathBuf> = MAVEN.iter().map(|f| file(f)).collect();
    let want = scan(&all);
    let three = guildhall_testkit::fresh_store().await;
    let summary = run(&three, &all, false).await.expect("three");
    // Messages without a Message-ID are the same ones in each mirror.
    assert_eq!(
        (summary.threads + summary.replies) as usize,
        want.ids.len() + scan(&[file(MAVEN[0])]).without_id,
        "{summary}"
    );
    assert_eq!(
        (summary.threads, summary.replies, summary.people_created),
        (single.threads, single.replies, single.people_created),
        "the mirrors hold the same messages: {summary}"
    );
    let dupes = summary
        .skipped
        .get("duplicate messages (a Message-ID already read in this run)")
        .copied()
        .unwrap_or_default();
    assert_eq!(
        dupes as usize,
        want.messages - (summary.threads + summary.replies) as usize
    );
}

/// Messages are looked up and written a chunk at a time: whatever the
/// chunks' size, the three mirrors give the same conversations, people,
/// members and skipped duplicates, with every reference across chunks
/// found.
#[tokio::test]
async fn chunks_of_any_size_import_the_same_conversations() {
    let all: Vec<PathBuf> = MAVEN.iter().map(|f| file(f)).collect();
    let whole = guildhall_testkit::fresh_store().await;
    let at_once = run(&whole, &all, false).await.expect("one chunk a file");
    let want = conversations(&whole).await;
    assert!(at_once.replies > 100, "{at_once}");
    let duplicates = at_once
        .skipped
        .get("duplicate messages (a Message-ID already read in this run)")
        .copied()
        .unwrap_or_default();
    assert!(duplicates > 100, "{at_once}");
    for chunk in [1, 7, 64] {
        let store = guildhall_testkit::fresh_store().await;
        let s = run_in_chunks(&store, &all, chunk).await.expect("chunks");
        assert_eq!(outcome(&s), outcome(&at_once), "chunks of {chunk}");
        assert_eq!(conversations(&store).await, want, "chunks of {chunk}");
        let c = store
            .community_by_slug("maven-dev")
            .await
            .expect("community");
        assert_eq!(
            store.members(c.id).await.expect("members").len() as u64,
            s.people_created
        );
        // A second run, in other chunks, finds everything imported.
        let again = run_in_chunks(&store, &all, chunk + 2).await.expect("again");
        assert_eq!((again.threads, again.replies), (0, 0), "{again}");
        assert_eq!(
            again
                .skipped
                .get("messages already imported by an earlier run")
                .copied(),
            Some(at_once.threads + at_once.replies + duplicates),
            "every message of the files, the mirrors' copies too: {again}"
        );
    }
}

#[tokio::test]
async fn a_second_import_changes_nothing_and_a_dry_run_writes_nothing() {
    let store = guildhall_testkit::fresh_store().await;
    let files = [file(MAVEN[1])];
    let dry = run(&store, &files, true).await.expect("dry run");
    assert!(dry.dry_run && dry.threads > 0);
    assert_eq!(store.count_people().await.expect("people"), 0);
    assert_eq!(store.count_activity().await.expect("activity"), 0);
    assert!(store.community_by_slug("maven-dev").await.is_err());

    let first = run(&store, &files, false).await.expect("first");
    assert_eq!((dry.threads, dry.replies), (first.threads, first.replies));
    let before = snapshot(&store).await;
    // Another mirror of the same month, then the same file again.
    for f in [file(MAVEN[2]), file(MAVEN[1])] {
        let again = run(&store, &[f], false).await.expect("again");
        assert_eq!(
            (
                again.threads,
                again.replies,
                again.people_created,
                again.members_added
            ),
            (0, 0, 0, 0),
            "{again}"
        );
        assert_eq!(again.written.source_ids, 0);
        assert_eq!(snapshot(&store).await, before);
    }
}

async fn one(name: &str) -> (Store, Summary) {
    let store = guildhall_testkit::fresh_store().await;
    let summary = run(&store, &[file(name)], false).await.expect(name);
    (store, summary)
}

async fn bodies(store: &Store) -> Vec<(String, String)> {
    let c = store
        .community_by_slug("maven-dev")
        .await
        .expect("community");
    let page = store
        .threads(c.id, &ThreadFilter::default(), 100, 0)
        .await
        .expect("threads");
    page.items.into_iter().map(|t| (t.title, t.body)).collect()
}

#[tokio::test]
async fn odd_messages_are_imported_with_notes() {
    let (store, s) = one("no_date.mbox").await;
    assert_eq!(s.threads, 1, "{s}");
    assert!(
        s.notes
            .keys()
            .any(|n| n.contains("without any date") || n.contains("Date")),
        "{s}"
    );
    assert!(
        s.notes.keys().any(|n| n.contains("without a Message-ID")),
        "{s}"
    );
    assert!(
        s.notes
            .keys()
            .any(|n| n.contains("without a sender address")),
        "{s}"
    );
    assert_eq!(bodies(&store).await[0].1, "No date");

    let (_, s) = one("empty_body.mbox").await;
    assert_eq!(s.threads + s.replies, 1, "{s}");

    let (store, s) = one("empty_attachment.mbox").await;
    assert_eq!(s.threads + s.replies, 1, "{s}");
    assert_eq!(bodies(&store).await.len(), 1);

    let (store, s) = one("nexus-html-only.mbox").await;
    assert_eq!(
        (s.threads + s.replies) as usize,
        scan(&[file("nexus-html-only.mbox")]).ids.len()
    );
    assert!(s.notes.keys().any(|n| n.contains("HTML")), "{s}");
    for (_, body) in bodies(&store).await {
        assert!(
            !body.contains("<td") && !body.contains("<html"),
            "tags gone: {body}"
        );
        assert!(!body.trim().is_empty());
    }

    let (store, s) = one("text_enriched.mbox").await;
    assert!(s.notes.keys().any(|n| n.contains("enriched")), "{s}");
    let (title, body) = bodies(&store).await.remove(0);
    assert_eq!(title, "Virtual Hosts");
    assert!(body.contains("<ContextManager"), "{body}");
    assert!(
        !body.contains("<param>") && !body.contains("<bigger>"),
        "{body}"
    );

    let (store, s) = one("tomcat-ancient-boundary.mbox").await;
    assert_eq!(s.threads, 1, "{s}");
    assert!(!bodies(&store).await[0].1.trim().is_empty());
}

/// Imports a good archive, then `damaged`; returns the error after checking
/// that nothing changed, also for a dry run.
async fn fails_cleanly(damaged: &Path) -> (String, u64, String) {
    let store = guildhall_testkit::fresh_store().await;
    run(&store, &[file("maven_duplicates_2017_mboxvm.mbox")], false)
        .await
        .expect("a good import first");
    let before = snapshot(&store).await;
    let mut out = None;
    for dry_run in [true, false] {
        // The good file first: the damage is found after rows were queued.
        let err = run(
            &store,
            &[file("httpd-users-4950.mbox"), damaged.to_path_buf()],
            dry_run,
        )
        .await
        .expect_err("a damaged archive is refused");
        assert_eq!(
            snapshot(&store).await,
            before,
            "nothing of the failed run remains"
        );
        if let ImportError::Malformed {
            file,
            offset,
            message,
            ..
        } = err
        {
            out = Some((
                file.file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_owned(),
                offset,
                message,
            ));
        } else {
            panic!("expected a malformed-file error, got {err}");
        }
    }
    out.expect("an error")
}

fn damaged(name: &str, bytes: &[u8]) -> guildhall_testkit::InScratch {
    let path = guildhall_testkit::Scratch::new("mbox").keep(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[tokio::test]
async fn a_file_cut_inside_a_multipart_message_is_refused() {
    let bytes = std::fs::read(file(MAVEN[0])).expect("read");
    let text = String::from_utf8_lossy(&bytes);
    // The last multipart message's closing boundary: cut just before it.
    let at = text.rfind("boundary=").expect("a multipart message");
    let quoted = &text[at + "boundary=".len()..];
    let boundary: String = quoted
        .trim_start_matches('"')
        .chars()
        .take_while(|c| *c != '"' && *c != ';' && !c.is_whitespace())
        .collect();
    let closing = format!("--{boundary}--");
    let cut = find(&bytes, closing.as_bytes(), at).expect("closing boundary");
    let path = damaged("cut-multipart.mbox", &bytes[..cut]);
    let (name, offset, message) = fails_cleanly(&path).await;
    assert_eq!(name, "cut-multipart.mbox");
    assert_eq!(offset, cut as u64, "{message}");
    assert!(message.contains("closing MIME boundary"), "{message}");
}

#[tokio::test]
async fn a_file_cut_inside_headers_is_refused() {
    let bytes = std::fs::read(file(MAVEN[0])).expect("read");
    let last = bytes
        .windows(7)
        .rposition(|w| w == b"\n\nFrom ")
        .expect("several messages");
    let cut = last + 300;
    let path = damaged("cut-headers.mbox", &bytes[..cut]);
    let (_, offset, message) = fails_cleanly(&path).await;
    assert_eq!(offset, cut as u64);
    assert!(message.contains("truncated"), "{message}");
}

#[tokio::test]
async fn garbage_binary_and_wrong_encodings_are_refused() {
    // Not an mbox at all.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let garbage: Vec<u8> = (0..20_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let (name, offset, message) = fails_cleanly(&damaged("garbage.mbox", &garbage)).await;
    assert_eq!((name.as_str(), offset), ("garbage.mbox", 0));
    assert!(message.contains("From_"), "{message}");

    // A good archive with binary data after it.
    let mut bytes = std::fs::read(file("httpd-users-4950.mbox")).expect("read");
    let good = bytes.len();
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(&garbage);
    let (_, offset, message) = fails_cleanly(&damaged("binary-tail.mbox", &bytes)).await;
    assert!(offset > good as u64, "{offset} after the {good} good bytes");
    assert!(message.contains("NUL"), "{message}");

    // UTF-16: every other byte is NUL, and it does not start with "From ".
    let text = std::fs::read_to_string(file("httpd-dev-28428.mbox")).expect("read");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let (_, offset, _) = fails_cleanly(&damaged("utf16.mbox", &utf16)).await;
    assert_eq!(offset, 0);

    // A From_ line followed by something that is not mail.
    let (_, offset, message) = fails_cleanly(&damaged(
        "not-headers.mbox",
        b"From someone Mon Nov  6 10:00:00 2017\n\x89PNG not a header\n",
    ))
    .await;
    assert_eq!(offset, 38);
    assert!(message.contains("header"), "{message}");
}

#[tokio::test]
async fn replies_whose_parent_is_missing_land_in_a_sensible_thread() {
    let mbox = "From a@x.org Mon Nov  6 10:00:00 2017
From: Ann <a@x.org>
Subject: Plan
Date: Mon, 6 Nov 2017 10:00:00 +0000
Message-ID: <a@x.org>

The plan.

From b@x.org Mon Nov  6 11:00:00 2017
From: Bob <B@X.org>
Subject: Re: [dev] Plan
Date: Mon, 6 Nov 2017 11:00:00 +0000
Message-ID: <b@x.org>
In-Reply-To: <lost@x.org>

>From the plan: yes.

From c@x.org Mon Nov  6 12:00:00 2017
From: Cy <c@x.org>
Subject: Re: something else
Date: Mon, 6 Nov 2017 12:00:00 +0000
Message-ID: <c@x.org>
References: <lost2@x.org>

Own thread.

From a@x.org Mon Nov  6 13:00:00 2017
From: a@x.org
Subject: Re: Plan
Date: Mon, 6 Nov 2017 13:00:00 +0000
Message-ID: <d@x.org>
References: <lost@x.org> <b@x.org>

To Bob.
";
    let path = damaged("orphans.mbox", mbox.as_bytes());
    // One message a chunk: the subject's thread is found in the database.
    for chunk in [1, 100] {
        placed_by_subject(&path, chunk).await;
    }
}

async fn placed_by_subject(path: &Path, chunk: usize) {
    let store = guildhall_testkit::fresh_store().await;
    let s = run_in_chunks(&store, &[path.to_path_buf()], chunk)
        .await
        .expect("import");
    assert_eq!((s.threads, s.replies, s.people_created), (2, 2, 3), "{s}");
    let c = store
        .community_by_slug("maven-dev")
        .await
        .expect("community");
    let page = store
        .threads(c.id, &ThreadFilter::default(), 10, 0)
        .await
        .expect("threads");
    let plan = page.items.iter().find(|t| t.title == "Plan").expect("Plan");
    let replies = store.replies(plan.id).await.expect("replies");
    assert_eq!(replies.len(), 2);
    assert_eq!(replies[0].body, "From the plan: yes.", ">From unquoted");
    assert_eq!(
        replies[0].reply_to, None,
        "placed by subject, under the thread"
    );
    assert_eq!(
        replies[1].reply_to,
        Some(replies[0].id),
        "the nearest known ancestor of References"
    );
    assert_eq!(
        replies[1].author_id, plan.author_id,
        "same address, same person"
    );
}

/// After an administrator merged two people, importing again (the same
/// archive, then a later one) attributes everything to the kept person
/// and never recreates or revives the absorbed one.
#[tokio::test]
async fn imports_after_a_merge_land_on_the_kept_person() {
    let store = guildhall_testkit::fresh_store().await;
    let first = [file("maven_duplicates_2017_listsao_1.mbox")];
    run(&store, &first, false).await.expect("first part");
    let people = store
        .people(&guildhall_store::PeopleFilter {
            limit: 1000,
            ..Default::default()
        })
        .await
        .expect("people")
        .items;
    let mut active = Vec::new();
    for p in &people {
        let refs: std::collections::HashMap<String, i64> = store
            .person_references(p.id)
            .await
            .expect("references")
            .into_iter()
            .collect();
        active.push((refs["activity.actor_id"], p.id));
    }
    active.sort_unstable_by(|a, b| b.cmp(a));
    let [(_, absorbed), (_, kept), ..] = active[..] else {
        panic!("the archive has at least two authors");
    };
    let audit = guildhall_store::NewAudit {
        at: 1,
        action: "person.merged".into(),
        ..Default::default()
    };
    store
        .merge_people(kept, absorbed, "same person", &audit)
        .await
        .expect("merge");
    let people_after_merge = store.count_people().await.expect("count");

    let again = run(&store, &first, false)
        .await
        .expect("the same part again");
    assert_eq!(
        (again.people_created, again.threads, again.replies),
        (0, 0, 0),
        "{again}"
    );
    // Into another community: the archive's own id map knows nobody there,
    // so people are found by email.
    let elsewhere = Options {
        community: "maven-elsewhere".into(),
        ..Options::default()
    };
    let later = import(&store, &first, &elsewhere, &mut Silent)
        .await
        .expect("the same archive elsewhere");
    assert_eq!(later.people_created, 0, "{later}");
    let absorbed_refs: Vec<(String, i64)> = store
        .person_references(absorbed)
        .await
        .expect("references")
        .into_iter()
        .filter(|(column, n)| *n > 0 && column != "people.merged_into")
        .collect();
    assert!(absorbed_refs.is_empty(), "{absorbed_refs:?}");
    assert_eq!(
        store.count_people().await.expect("count"),
        people_after_merge,
        "the absorbed person stays merged away"
    );
    assert_eq!(
        store.person(absorbed).await.expect("person").merged_into,
        Some(kept)
    );
}
