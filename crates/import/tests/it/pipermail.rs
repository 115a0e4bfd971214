//! The mbox importer on pipermail text archives in the shape of a large
//! public statistics list's (see the fixture's SOURCE.txt): body lines
//! that start with "From ", addresses hidden by newer archives, replies
//! archived before the message they answer. Also: where an mbox error
//! points.

use crate::dump::{conversations, fixture, outcome};
use guildhall_domain::{ActivityId, DocumentKind, PersonId, ReplyId, ThreadId};
use guildhall_import::mbox::{Options, import};
use guildhall_import::{ImportError, Summary, progress::Silent};
use guildhall_store::{Store, ThreadFilter};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

const DIR: &str = "pipermail-r-style";
const LIST: &str = "r-help";

fn file(name: &str) -> PathBuf {
    fixture(DIR).join(name)
}

fn all() -> Vec<PathBuf> {
    ["2010q1.txt", "2021q1.txt", "2021q2.txt"]
        .iter()
        .map(|f| file(f))
        .collect()
}

async fn run(
    store: &Store,
    files: &[PathBuf],
    chunk: Option<usize>,
) -> Result<Summary, ImportError> {
    run_as(store, files, chunk, false).await
}

async fn run_as(
    store: &Store,
    files: &[PathBuf],
    chunk: Option<usize>,
    dry_run: bool,
) -> Result<Summary, ImportError> {
    let opts = Options {
        community: LIST.into(),
        dry_run,
        chunk_messages: chunk,
    };
    import(store, files, &opts, &mut Silent).await
}

/// Messages of a pipermail file by a scan of its own: a message starts at
/// a `From ` line directly followed by a `From: ` header.
fn message_count(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    lines
        .windows(2)
        .filter(|w| w[0].starts_with("From ") && w[1].starts_with("From: "))
        .count()
}

/// Every thread of the list: (title, author's name, [(reply author's
/// name, index of the reply it answers)]).
async fn threads(store: &Store) -> Vec<(String, String, Vec<(String, Option<usize>)>)> {
    let c = store.community_by_slug(LIST).await.expect("community");
    let page = store
        .threads(c.id, &ThreadFilter::default(), 1_000, 0)
        .await
        .expect("threads");
    let mut out = Vec::new();
    for t in page.items {
        let replies = store.replies(t.id).await.expect("replies");
        assert_eq!(t.reply_count as usize, replies.len(), "{}", t.title);
        let mut rs = Vec::new();
        for r in &replies {
            let to = r.reply_to.map(|to| {
                replies
                    .iter()
                    .position(|x| x.id == to)
                    .expect("same thread")
            });
            rs.push((name(store, r.author_id).await, to));
        }
        out.push((t.title.clone(), name(store, t.author_id).await, rs));
    }
    out.sort();
    out
}

async fn name(store: &Store, person: PersonId) -> String {
    store.person(person).await.expect("person").name
}

/// Bodies of every post of the list.
async fn bodies(store: &Store) -> Vec<String> {
    let c = store.community_by_slug(LIST).await.expect("community");
    let page = store
        .threads(c.id, &ThreadFilter::default(), 1_000, 0)
        .await
        .expect("threads");
    let mut out = Vec::new();
    for t in page.items {
        out.push(t.body.clone());
        for r in store.replies(t.id).await.expect("replies") {
            out.push(r.body);
        }
    }
    out
}

/// Regression: pipermail does not escape body lines starting with "From ";
/// a line after a blank line, or one that even carries a date, was taken
/// for the start of a message and the file refused ("expected a header
/// field after the From_ line").
#[tokio::test]
async fn body_lines_starting_with_from_stay_in_their_message() {
    let store = guildhall_testkit::fresh_store().await;
    let path = file("2021q1.txt");
    let s = run(&store, std::slice::from_ref(&path), None)
        .await
        .expect("a pipermail archive as served is imported");
    assert_eq!(
        (s.threads + s.replies) as usize,
        message_count(&path),
        "{s}"
    );
    assert_eq!(message_count(&path), 8);
    let bodies = bodies(&store).await;
    for line in [
        "From the readr documentation:",
        "From bob at stats.example.net  Tue Feb  2 10:00:00 2010",
        "From the same lab, Fia",
        "From the help page I understand",
    ] {
        assert!(
            bodies.iter().any(|b| b.contains(line)),
            "{line:?} kept in its message's body"
        );
    }
}

/// Regression: newer archives hide addresses (`w@ngz1 @end|ng |rom
/// uth@c@@@edu (Wang, Zhu)`); every such message went to one
/// unknown-sender person named after the first of them. Each hidden sender
/// is a person of their own (hidden address and name), matched to a person
/// known by a real address when hiding that address gives the same text.
#[tokio::test]
async fn senders_with_hidden_addresses_are_told_apart() {
    let store = guildhall_testkit::fresh_store().await;
    let s = run(&store, &all(), None).await.expect("import");
    // Ann, Bob (Robert Smith in 2010) and Dora in both periods; Wang,
    // Peter, Lia and Fia only hidden (Lia's and Fia's addresses hide to
    // the same text); one message without an address.
    assert_eq!(s.people_created, 8, "{s}");
    assert_eq!(
        s.people_matched, 3,
        "Ann, Bob and Dora found by their real addresses: {s}"
    );
    assert_eq!(store.count_people().await.expect("people"), 8);
    let c = store.community_by_slug(LIST).await.expect("community");
    assert_eq!(store.members(c.id).await.expect("members").len(), 8);

    let mut by_name: HashMap<String, HashSet<PersonId>> = HashMap::new();
    let page = store
        .threads(c.id, &ThreadFilter::default(), 1_000, 0)
        .await
        .expect("threads");
    for t in &page.items {
        let mut authors = vec![t.author_id];
        authors.extend(
            store
                .replies(t.id)
                .await
                .expect("replies")
                .iter()
                .map(|r| r.author_id),
        );
        for a in authors {
            by_name.entry(name(&store, a).await).or_default().insert(a);
        }
    }
    let names: HashSet<&str> = by_name.keys().map(String::as_str).collect();
    for person in [
        "Ann Lee",
        "Robert Smith",
        "Dora Quist",
        "Wang, Zhu",
        "Peter Dalgaard",
        "Lia Wong",
        "Fia Berg",
    ] {
        assert!(names.contains(person), "{person} in {names:?}");
        assert_eq!(by_name[person].len(), 1, "{person} is one person");
    }
    assert_eq!(by_name.len(), 8, "{names:?}");
    let placeholder = names
        .iter()
        .find(|n| n.to_lowercase().contains("unknown sender"))
        .expect("the message without an address has the unknown sender");
    assert!(
        !placeholder.contains("R-help list owner"),
        "the placeholder is nobody's name: {placeholder}"
    );

    // No address was invented that a real one could be: hidden senders
    // have reserved addresses.
    for ids in by_name.values() {
        for id in ids {
            let email = store.person(*id).await.expect("person").email;
            assert!(
                !email.contains(" ") && !email.contains('|'),
                "a usable address: {email}"
            );
        }
    }

    // Again: nothing new. Elsewhere: the same people.
    let again = run(&store, &all(), Some(2)).await.expect("again");
    assert_eq!(
        (again.people_created, again.threads, again.replies),
        (0, 0, 0),
        "{again}"
    );
    let elsewhere = Options {
        community: "r-devel".into(),
        ..Options::default()
    };
    let other = import(&store, &[file("2021q1.txt")], &elsewhere, &mut Silent)
        .await
        .expect("the same archive in another community");
    assert_eq!(
        other.people_created, 1,
        "only the other list's unknown sender: {other}"
    );
    assert_eq!(store.count_people().await.expect("people"), 9);
}

/// Regression: a reply archived before the message it answers (later in
/// the file, or in a later file of the run) opened a thread of its own.
/// Once the parent is seen it joins the parent's thread, with the replies
/// to it; counts, activity and a second run agree.
#[tokio::test]
async fn replies_archived_before_their_parent_join_its_thread() {
    let files = vec![file("2021q1.txt"), file("2021q2.txt")];
    let mut first = None;
    for chunk in [None, Some(1), Some(3)] {
        let store = guildhall_testkit::fresh_store().await;
        let dry = run_as(&store, &files, chunk, true).await.expect("dry run");
        let s = run(&store, &files, chunk).await.expect("import");
        assert_eq!(outcome(&dry), outcome(&s), "a dry run says the same");
        assert_eq!((s.threads, s.replies), (5, 7), "{s}");
        let ts = threads(&store).await;
        let release = ts
            .iter()
            .find(|t| t.0 == "[R] R 4.0.5 is released")
            .expect("the announcement");
        assert_eq!(release.1, "Peter Dalgaard");
        assert_eq!(release.2, vec![("Dora Quist".to_owned(), None)]);
        let apply = ts
            .iter()
            .find(|t| t.0 == "[R] apply over rows")
            .expect("the question");
        assert_eq!(apply.1, "Lia Wong");
        assert_eq!(
            apply.2,
            vec![
                ("Ann Lee".to_owned(), None),
                ("Bob Smith".to_owned(), Some(0))
            ]
        );
        assert!(
            ts.iter().all(|t| !t.0.starts_with("Re:")),
            "no reply kept a thread of its own: {ts:?}"
        );
        let w = &s.written;
        assert_eq!((w.threads, w.replies), (5, 7), "{w:?}");
        assert_eq!(w.activity, s.threads + s.replies + s.members_added);
        assert_eq!(
            store.count_activity().await.expect("activity") as u64,
            w.activity
        );
        events_match_posts(&store).await;
        // The moved replies are found where they now are.
        let release_id = thread_id(&store, "[R] R 4.0.5 is released").await;
        let hits = search(&store, "Windows").await;
        assert_eq!(hits, vec![("reply".to_owned(), Some(release_id))]);
        let c = store.community_by_slug(LIST).await.expect("community");
        let conv = conversations(&store, &[c.id]).await;
        if let Some(first) = &first {
            assert_eq!(&conv, first, "chunks of {chunk:?}");
        } else {
            first = Some(conv);
        }
        let again = run(&store, &files, Some(2)).await.expect("again");
        assert_eq!((again.threads, again.replies), (0, 0), "{again}");
        assert_eq!(again.written.source_ids, 0, "{again}");
    }
}

async fn thread_id(store: &Store, title: &str) -> ThreadId {
    let c = store.community_by_slug(LIST).await.expect("community");
    let page = store
        .threads(c.id, &ThreadFilter::default(), 1_000, 0)
        .await
        .expect("threads");
    page.items
        .iter()
        .find(|t| t.title == title)
        .map(|t| t.id)
        .expect(title)
}

/// What a search of threads and replies for `word` finds: (kind,
/// thread) of each hit.
async fn search(store: &Store, word: &str) -> Vec<(String, Option<ThreadId>)> {
    let hits = store
        .search(
            PersonId(0),
            &guildhall_store::SearchQuery {
                terms: vec![word.into()],
                kinds: vec![DocumentKind::Thread, DocumentKind::Reply],
                limit: 20,
                ..Default::default()
            },
        )
        .await
        .expect("search");
    hits.items
        .into_iter()
        .map(|h| (h.kind.as_str().to_owned(), h.thread_id))
        .collect()
}

/// Regression (the same bug, replies placed elsewhere): a reply placed
/// in the thread of its subject, or under a farther ancestor, before the
/// parent it names was read, answers that parent once it is — in the
/// same thread or, with the replies to it, in another.
#[tokio::test]
async fn replies_placed_before_their_parent_move_to_it() {
    let msg = |id: &str, subject: &str, to: &str, refs: &str, at: &str| {
        let mut m = format!(
            "From x@example.org  Mon Nov  6 {at} 2017\nFrom: {id} <{id}@example.org>\nSubject: {subject}\nDate: Mon, 6 Nov 2017 {at} +0000\nMessage-ID: <{id}@example.org>\n"
        );
        if !to.is_empty() {
            m.push_str(&format!("In-Reply-To: <{to}@example.org>\n"));
        }
        if !refs.is_empty() {
            m.push_str(&format!("References: {refs}\n"));
        }
        m.push_str(&format!("\nText of {id}.\n\n"));
        m
    };
    let mbox = [
        msg("a", "Plan", "", "", "10:00:00"),
        msg("other", "Other", "", "", "10:01:00"),
        // x answers the lost-for-now z; placed by subject under Other.
        msg("x", "Re: Other", "z", "", "10:02:00"),
        msg("xx", "Re: Other", "x", "", "10:03:00"),
        // b answers the lost-for-now y, which answers a.
        msg(
            "b",
            "Re: Plan",
            "y",
            "<a@example.org> <y@example.org>",
            "10:04:00",
        ),
        msg("y", "Re: Plan", "a", "<a@example.org>", "10:05:00"),
        msg("z", "Something else", "", "", "10:06:00"),
    ]
    .concat();
    let path = guildhall_testkit::Scratch::new("mbox-moves").keep("moves.mbox");
    std::fs::write(&path, mbox).expect("write");
    for chunk in [None, Some(1)] {
        let store = guildhall_testkit::fresh_store().await;
        let s = run(&store, &[path.to_path_buf()], chunk)
            .await
            .expect("import");
        assert_eq!((s.threads, s.replies), (3, 4), "{s}");
        let ts = threads(&store).await;
        let names = |t: &str| ts.iter().find(|x| x.0 == t).map(|x| x.2.clone()).expect(t);
        assert_eq!(
            names("Plan"),
            vec![("b".to_owned(), Some(1)), ("y".to_owned(), None)],
            "b (written first) answers y"
        );
        assert_eq!(names("Other"), vec![], "x and xx left Other");
        assert_eq!(
            names("Something else"),
            vec![("x".to_owned(), None), ("xx".to_owned(), Some(0))]
        );
        events_match_posts(&store).await;
        let z = thread_id(&store, "Something else").await;
        assert_eq!(
            search(&store, "xx").await,
            vec![("reply".to_owned(), Some(z))]
        );
        assert!(
            s.notes
                .keys()
                .all(|n| !n.contains("thread of the same subject")),
            "{s}"
        );
    }
}

/// Every event names what it is about as it now is: a thread event a
/// thread of the list, a reply event a reply in the thread it names.
async fn events_match_posts(store: &Store) {
    let c = store.community_by_slug(LIST).await.expect("community");
    let page = store
        .threads(c.id, &ThreadFilter::default(), 1_000, 0)
        .await
        .expect("threads");
    let mut threads = HashMap::new();
    let mut replies = HashMap::new();
    for t in &page.items {
        threads.insert(t.id, t.author_id);
        for r in store.replies(t.id).await.expect("replies") {
            replies.insert(r.id, (t.id, r.author_id, t.author_id));
        }
    }
    let events = store
        .activity_after(ActivityId(0), 10_000)
        .await
        .expect("activity");
    let mut reply_events = 0;
    let mut thread_events = 0;
    for e in &events {
        if e.kind.as_str() == "reply.created" {
            let subject = ReplyId(e.subject_id.expect("subject"));
            let (thread, author, thread_author) = replies[&subject];
            assert_eq!(e.parent_id, Some(thread.0), "{e:?}");
            assert_eq!(e.actor_id, author, "{e:?}");
            assert_eq!(e.other_id, Some(thread_author), "{e:?}");
            reply_events += 1;
        } else if e.kind.as_str().starts_with("thread.") {
            let subject = ThreadId(e.subject_id.expect("subject"));
            assert_eq!(threads.get(&subject), Some(&e.actor_id), "{e:?}");
            thread_events += 1;
        }
    }
    assert_eq!(reply_events, replies.len());
    assert_eq!(thread_events, threads.len());
}

/// The line and the byte offset of an mbox error name the same place: the
/// line is one more than the line breaks before the byte.
fn same_place(bytes: &[u8], err: &ImportError) -> (u64, u64, String) {
    let ImportError::Malformed {
        line,
        offset,
        message,
        ..
    } = err
    else {
        panic!("expected a malformed-file error, got {err}");
    };
    let cut = (*offset as usize).min(bytes.len());
    let breaks = bytes[..cut].iter().filter(|b| **b == b'\n').count() as u64;
    assert_eq!(
        *line,
        breaks + 1,
        "line {line} and byte {offset} name the same place: {message}"
    );
    (*line, *offset, message.clone())
}

async fn refused(name: &str, bytes: &[u8]) -> ImportError {
    let path = guildhall_testkit::Scratch::new("mbox-place").keep(name);
    std::fs::write(&path, bytes).expect("write");
    let store = guildhall_testkit::fresh_store().await;
    run(&store, &[path.to_path_buf()], None)
        .await
        .expect_err("refused")
}

/// Regression: an error gave the line of the message's From_ line with the
/// byte of the damage (a NUL), or of the end of the file (a cut), and
/// counted bytes of a line ending in CRLF or of an unquoted `>From ` line
/// wrongly.
#[tokio::test]
async fn an_errors_line_and_byte_point_at_the_same_place() {
    let good = std::fs::read(fixture("apache-ponymail").join("maven_duplicates_2017_mboxvm.mbox"))
        .expect("read");
    // Binary data inside a message, after lines ending in CRLF and a
    // quoted >From line.
    let mut bytes = good.clone();
    bytes.extend_from_slice(
        b"\nFrom a@x.org  Mon Nov  6 10:00:00 2017\r\nFrom: a@x.org\r\nSubject: s\r\n\r\n>From the top\r\nline\r\n\x00\x01\x02 binary\r\n",
    );
    let err = refused("nul.mbox", &bytes).await;
    let (line, offset, message) = same_place(&bytes, &err);
    assert_eq!(bytes[offset as usize], 0, "the NUL byte itself: {message}");
    assert_eq!(
        line,
        bytes.iter().filter(|b| **b == b'\n').count() as u64,
        "the last line"
    );

    // Headers cut short by the end of the file.
    let mut bytes = good.clone();
    bytes.extend_from_slice(b"\nFrom a@x.org  Mon Nov  6 10:00:00 2017\nFrom: a@x.org\nSubj");
    let err = refused("cut.mbox", &bytes).await;
    let (_, offset, message) = same_place(&bytes, &err);
    assert_eq!(offset, bytes.len() as u64, "{message}");
    assert!(message.contains("truncated"), "{message}");
    assert!(message.contains("again"), "says what to do: {message}");

    // A first From_ line followed by something that is not mail, after
    // CRLF blank lines.
    let bytes = b"\r\n\r\nFrom someone Mon Nov  6 10:00:00 2017\r\n\x89PNG not a header\r\n";
    let err = refused("not-headers.mbox", bytes).await;
    let (line, offset, _) = same_place(bytes, &err);
    assert_eq!((line, offset), (4, 43));

    // Not an mbox at all, after blank lines.
    let bytes = b"\n\n\nSubject: a message without its From_ line\n\nhi\n";
    let err = refused("no-from.mbox", bytes).await;
    let (line, offset, message) = same_place(bytes, &err);
    assert_eq!((line, offset), (4, 3));
    assert!(
        !message.contains("download"),
        "downloading again cannot help a file that is not an mbox: {message}"
    );
}
