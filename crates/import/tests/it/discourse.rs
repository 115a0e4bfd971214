//! The Discourse importer on the project's topic documents. What should
//! land is computed here from the raw JSON with serde_json, not with the
//! importer's types.

use crate::dump::{community_ids, conversations, fixture, outcome};
use guildhall_domain::{
    ActivityId, CommunityId, CommunityRole, MembershipPolicy, ReplyId, Stage, Visibility,
};
use guildhall_import::discourse::{Options, import};
use guildhall_import::{ImportError, Summary, progress::Silent};
use guildhall_store::{SearchQuery, Store, Thread, ThreadFilter};
use guildhall_testkit::{InScratch, Scratch};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

const FORUM: &str = "discourse";

async fn run(store: &Store, dir: &Path, opts: &Options) -> Result<Summary, ImportError> {
    import(store, dir, opts, &mut Silent).await
}

fn unix(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s)
        .expect("an ISO time")
        .timestamp()
}

fn topics(dir: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("fixture") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.ends_with(".json") && name != "categories.json" {
            let text = std::fs::read_to_string(&path).expect("read");
            out.push(serde_json::from_str(&text).expect("JSON"));
        }
    }
    out
}

fn is_live_regular(p: &Value) -> bool {
    p["post_type"].as_i64().unwrap_or(1) == 1
        && p["deleted_at"].is_null()
        && p["user_deleted"] != Value::Bool(true)
        && p["hidden"] != Value::Bool(true)
}

fn likes(p: &Value) -> i64 {
    let summary: i64 = p["actions_summary"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["id"] == 2)
        .filter_map(|a| a["count"].as_i64())
        .sum();
    summary.max(p["like_count"].as_i64().unwrap_or(0))
}

/// One imported topic as the files say it should land.
struct Topic {
    title: String,
    category: Option<i64>,
    created_at: i64,
    /// Imported posts after the first, in post-number order: (post number,
    /// reply_to_post_number, user id).
    replies: Vec<(i64, Option<i64>, Option<i64>)>,
    /// The accepted answer's post number, if it is among the replies.
    solved_by: Option<i64>,
    has_accepted: bool,
}

#[derive(Default)]
struct Expected {
    topics: Vec<Topic>,
    private_messages: usize,
    first_page_only: usize,
    posts_left_out: usize,
    likes: i64,
    users: HashSet<i64>,
    deleted_account_posts: bool,
    /// Category → people who posted there.
    contributors: HashMap<Option<i64>, HashSet<Option<i64>>>,
}

fn expected(dir: &Path) -> Expected {
    let mut want = Expected::default();
    for doc in topics(dir) {
        if doc["archetype"] == "private_message" {
            want.private_messages += 1;
            continue;
        }
        let posts = doc["post_stream"]["posts"].as_array().expect("posts");
        let stream = doc["post_stream"]["stream"].as_array().expect("stream");
        let ids: HashSet<i64> = posts.iter().filter_map(|p| p["id"].as_i64()).collect();
        let missing = stream
            .iter()
            .filter(|id| !ids.contains(&id.as_i64().expect("id")))
            .count();
        if missing > 0 {
            want.first_page_only += 1;
            want.posts_left_out += missing;
        }
        let opening = posts
            .iter()
            .find(|p| p["post_number"] == 1)
            .expect("every fixture topic has its first post");
        assert!(is_live_regular(opening));
        let mut sorted: Vec<&Value> = posts
            .iter()
            .filter(|p| p["post_number"] != 1 && is_live_regular(p))
            .collect();
        sorted.sort_by_key(|p| p["post_number"].as_i64());
        let category = doc["category_id"].as_i64();
        let mut people = vec![opening["user_id"].as_i64()];
        want.likes += likes(opening);
        for p in &sorted {
            people.push(p["user_id"].as_i64());
            want.likes += likes(p);
        }
        for u in &people {
            match u {
                Some(u) => {
                    want.users.insert(*u);
                }
                None => want.deleted_account_posts = true,
            }
        }
        want.contributors
            .entry(category)
            .or_default()
            .extend(people);
        let accepted = doc["accepted_answer"]["post_number"].as_i64().or_else(|| {
            posts
                .iter()
                .find(|p| p["accepted_answer"] == true)
                .and_then(|p| p["post_number"].as_i64())
        });
        let replies: Vec<_> = sorted
            .iter()
            .map(|p| {
                (
                    p["post_number"].as_i64().expect("number"),
                    p["reply_to_post_number"].as_i64(),
                    p["user_id"].as_i64(),
                )
            })
            .collect();
        want.topics.push(Topic {
            title: doc["title"].as_str().expect("title").to_owned(),
            category,
            created_at: unix(doc["created_at"].as_str().expect("created_at")),
            solved_by: accepted.filter(|n| replies.iter().any(|r| r.0 == *n)),
            has_accepted: accepted.is_some(),
            replies,
        });
    }
    want
}

/// Category id → (slug, name) from categories.json.
fn categories(dir: &Path) -> HashMap<i64, (String, String)> {
    let text = std::fs::read_to_string(dir.join("categories.json")).expect("categories");
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    doc["category_list"]["categories"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().expect("id"),
                (
                    c["slug"].as_str().expect("slug").to_owned(),
                    c["name"].as_str().expect("name").to_owned(),
                ),
            )
        })
        .collect()
}

fn community_slug(cats: &HashMap<i64, (String, String)>, category: Option<i64>) -> String {
    match category.and_then(|c| cats.get(&c)) {
        Some((slug, _)) => format!("discourse-{slug}"),
        None => format!("discourse-category-{}", category.expect("a category")),
    }
}

async fn all_threads(store: &Store, community: CommunityId) -> Vec<Thread> {
    store
        .threads(community, &ThreadFilter::default(), 10_000, 0)
        .await
        .expect("threads")
        .items
}

/// What a database holds, to compare before and after.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    people: i64,
    activity: i64,
    last_activity: Option<ActivityId>,
    communities: BTreeMap<String, usize>,
}

async fn snapshot(store: &Store) -> Snapshot {
    let rows = store
        .activity_after(ActivityId(0), 10_000_000)
        .await
        .expect("activity");
    let cats = categories(&fixture(FORUM));
    let mut slugs: Vec<String> = cats
        .keys()
        .map(|c| community_slug(&cats, Some(*c)))
        .collect();
    slugs.push("discourse-category-11".into());
    slugs.push("practice".into());
    let mut communities = BTreeMap::new();
    for slug in slugs {
        if let Ok(c) = store.community_by_slug(&slug).await {
            communities.insert(slug, all_threads(store, c.id).await.len());
        }
    }
    Snapshot {
        people: store.count_people().await.expect("people"),
        activity: store.count_activity().await.expect("count"),
        last_activity: rows.last().map(|r| r.id),
        communities,
    }
}

/// A copy of the fixture in a fresh folder named `name` (the folder's
/// name names the forum), removed when dropped.
fn copy_as(name: &str) -> InScratch {
    let scratch = Scratch::new("discourse");
    scratch.copy_folder(&fixture(FORUM), name);
    scratch.keep(name)
}

#[tokio::test]
async fn counts_and_relationships_match_the_files() {
    let store = guildhall_testkit::fresh_store().await;
    let dir = fixture(FORUM);
    let want = expected(&dir);
    let cats = categories(&dir);
    let s = run(&store, &dir, &Options::default())
        .await
        .expect("import");

    let replies: usize = want.topics.iter().map(|t| t.replies.len()).sum();
    let solved = want.topics.iter().filter(|t| t.solved_by.is_some()).count();
    assert_eq!(s.threads as usize, want.topics.len(), "{s}");
    assert_eq!(s.replies as usize, replies, "{s}");
    assert_eq!(s.solved as usize, solved, "{s}");
    assert!(
        solved > 0 && want.first_page_only > 0 && want.private_messages > 0,
        "the fixture exercises solutions, first pages and private messages"
    );
    let people = want.users.len() + usize::from(want.deleted_account_posts);
    assert_eq!(s.people_created as usize, people);
    assert_eq!(store.count_people().await.expect("people") as usize, people);

    // Reported: private messages, first-page documents and their missing
    // posts, likes that could not become thanks.
    let skipped = |what: &str| {
        s.skipped
            .iter()
            .filter(|(k, _)| k.contains(what))
            .map(|(_, n)| *n as usize)
            .sum::<usize>()
    };
    let noted = |what: &str| {
        s.notes
            .iter()
            .filter(|(k, _)| k.contains(what))
            .map(|(_, n)| *n as usize)
            .sum::<usize>()
    };
    assert_eq!(skipped("private messages"), want.private_messages, "{s}");
    assert_eq!(
        skipped("beyond a document's first page"),
        want.posts_left_out
    );
    assert_eq!(noted("only their first page"), want.first_page_only);
    assert_eq!(noted("likes") as i64, want.likes);
    assert_eq!(
        noted("accepted answers not imported"),
        want.topics
            .iter()
            .filter(|t| t.has_accepted && t.solved_by.is_none())
            .count()
    );

    // One community per category, named after it.
    let by_category: HashSet<Option<i64>> = want.topics.iter().map(|t| t.category).collect();
    assert_eq!(s.communities.len(), by_category.len(), "{s}");
    assert!(s.communities.iter().all(|c| c.created));
    let mut members_expected = 0;
    let mut seen_titles = 0;
    for category in &by_category {
        let slug = community_slug(&cats, *category);
        let community = store.community_by_slug(&slug).await.expect(&slug);
        if let Some((_, name)) = category.and_then(|c| cats.get(&c)) {
            assert_eq!(&community.name, name);
        }
        let threads = all_threads(&store, community.id).await;
        let mine: Vec<&Topic> = want
            .topics
            .iter()
            .filter(|t| t.category == *category)
            .collect();
        assert_eq!(threads.len(), mine.len(), "{slug}");
        let summary_entry = s
            .communities
            .iter()
            .find(|c| c.slug == slug)
            .expect("in the summary");
        assert_eq!(summary_entry.threads as usize, mine.len());
        members_expected += want.contributors[category].len();
        assert_eq!(
            store
                .count_role(community.id, CommunityRole::Member)
                .await
                .expect("members") as usize,
            want.contributors[category].len(),
            "everyone who posted in {slug} is a member"
        );

        for topic in mine {
            let thread = threads
                .iter()
                .find(|t| t.title == topic.title)
                .unwrap_or_else(|| panic!("thread '{}'", topic.title));
            seen_titles += 1;
            assert_eq!(thread.created_at, topic.created_at, "original time");
            assert_eq!(thread.reply_count as usize, topic.replies.len());
            if topic.has_accepted {
                assert_eq!(thread.kind.as_str(), "help", "{}", topic.title);
            }
            if *category == Some(7) {
                assert_eq!(thread.kind.as_str(), "discussion", "{}", topic.title);
            }
            let mut stored = store.replies(thread.id).await.expect("replies");
            stored.sort_by_key(|r| r.id);
            assert_eq!(stored.len(), topic.replies.len());
            // Post number → reply id, in the order both were written.
            let reply_of: HashMap<i64, ReplyId> = topic
                .replies
                .iter()
                .zip(&stored)
                .map(|((n, _, _), r)| (*n, r.id))
                .collect();
            for ((_, parent, _), r) in topic.replies.iter().zip(&stored) {
                let want_parent = parent.and_then(|p| reply_of.get(&p).copied());
                assert_eq!(r.reply_to, want_parent, "reply parent in '{}'", topic.title);
            }
            match topic.solved_by {
                Some(n) => {
                    assert_eq!(thread.solved_reply_id, reply_of.get(&n).copied());
                    let solution = stored
                        .iter()
                        .find(|r| Some(r.id) == thread.solved_reply_id)
                        .expect("solution");
                    assert_eq!(thread.helper_id, Some(solution.author_id));
                }
                None => assert_eq!(thread.solved_reply_id, None),
            }
            // Emoji and avatars of the forum become text, not broken images.
            assert!(!thread.body.contains("/images/emoji/"), "{}", thread.body);
            for r in &stored {
                assert!(!r.body.contains("src=\"/"), "{}", r.body);
            }
        }
    }
    assert_eq!(seen_titles, want.topics.len());
    assert_eq!(s.members_added as usize, members_expected);

    // The activity log: one event per thread, reply, solution and join.
    let rows = store
        .activity_after(ActivityId(0), 10_000_000)
        .await
        .expect("activity");
    let count = |kind: &str| rows.iter().filter(|r| r.kind.as_str() == kind).count();
    assert_eq!(
        count("thread.help") + count("thread.discussion"),
        want.topics.len()
    );
    assert_eq!(count("reply.created"), replies);
    assert_eq!(count("help.solved"), solved);
    assert_eq!(count("member.joined"), members_expected);

    // Text is searchable, in any script; private messages are not there.
    let anyone = rows[0].actor_id;
    for (word, found) in [("masking", true), ("teşekkürler", true), ("meetup", false)] {
        let hits = store
            .search(
                anyone,
                &SearchQuery {
                    terms: vec![word.into()],
                    limit: 20,
                    ..SearchQuery::default()
                },
            )
            .await
            .expect("search");
        assert_eq!(hits.total > 0, found, "'{word}'");
    }
}

#[tokio::test]
async fn importing_twice_changes_nothing() {
    let store = guildhall_testkit::fresh_store().await;
    let dir = fixture(FORUM);
    let first = run(&store, &dir, &Options::default()).await.expect("first");
    assert!(first.threads > 0);
    let before = snapshot(&store).await;
    let again = run(&store, &dir, &Options::default())
        .await
        .expect("second");
    assert_eq!(snapshot(&store).await, before);
    assert_eq!(
        (
            again.threads,
            again.replies,
            again.solved,
            again.people_created,
            again.members_added
        ),
        (0, 0, 0, 0, 0)
    );
    assert_eq!(again.written, Default::default());
    assert!(again.communities.iter().all(|c| !c.created));
    assert_eq!(again.communities.len(), first.communities.len());
}

/// Topics are looked up and written a chunk at a time: one topic a chunk
/// imports exactly what one chunk for all does, and a second run in other
/// chunks finds everything.
#[tokio::test]
async fn chunks_of_one_topic_import_the_same_forum() {
    let dir = fixture(FORUM);
    let whole = guildhall_testkit::fresh_store().await;
    let at_once = run(&whole, &dir, &Options::default())
        .await
        .expect("at once");
    let want = conversations(&whole, &community_ids(&at_once)).await;
    assert!(at_once.solved > 0 && at_once.replies > 0, "{at_once}");
    let store = guildhall_testkit::fresh_store().await;
    let one = |n| Options {
        chunk_topics: Some(n),
        ..Options::default()
    };
    let s = run(&store, &dir, &one(1)).await.expect("chunks of one");
    assert_eq!(outcome(&s), outcome(&at_once));
    assert_eq!(conversations(&store, &community_ids(&s)).await, want);
    let before = snapshot(&store).await;
    let again = run(&store, &dir, &one(2)).await.expect("again");
    assert_eq!(again.written, Default::default(), "{again}");
    assert_eq!(snapshot(&store).await, before);
}

#[tokio::test]
async fn a_dry_run_reports_what_a_real_run_writes_and_writes_nothing() {
    let store = guildhall_testkit::fresh_store().await;
    let dir = fixture(FORUM);
    let before = snapshot(&store).await;
    let dry = run(
        &store,
        &dir,
        &Options {
            dry_run: true,
            ..Options::default()
        },
    )
    .await
    .expect("dry run");
    assert!(dry.dry_run);
    assert_eq!(snapshot(&store).await, before);
    assert!(store.community_by_slug("discourse-help").await.is_err());
    let real = run(&store, &dir, &Options::default())
        .await
        .expect("real run");
    let counts = |s: &Summary| {
        (
            s.threads,
            s.replies,
            s.solved,
            s.people_created,
            s.members_added,
            s.skipped.clone(),
            s.notes.clone(),
        )
    };
    assert_eq!(counts(&dry), counts(&real));
    assert_eq!(dry.written, real.written);
    assert!(real.written.activity > 0);
    assert!(dry.to_string().starts_with("Dry run, nothing written."));
}

#[tokio::test]
async fn one_community_takes_every_category_as_tags() {
    let store = guildhall_testkit::fresh_store().await;
    let dir = fixture(FORUM);
    let opts = Options {
        community: Some("practice".into()),
        ..Options::default()
    };
    let err = run(&store, &dir, &opts)
        .await
        .expect_err("no such community");
    assert!(
        err.to_string().contains("there is no community 'practice'"),
        "{err}"
    );
    assert_eq!(store.count_people().await.expect("people"), 0);

    let owner = store
        .create_person(&crate::dump::person("Owner", "owner@org.example"))
        .await
        .expect("owner");
    let community = store
        .create_community(
            &guildhall_store::NewCommunity {
                slug: "practice".into(),
                name: "Data practice".into(),
                domain_statement: String::new(),
                purpose: String::new(),
                visibility: Visibility::Open,
                membership_policy: MembershipPolicy::Open,
                stage: Stage::Maturing,
                domains: Vec::new(),
            },
            owner,
            "test",
            &[],
        )
        .await
        .expect("community");
    let s = run(&store, &dir, &opts).await.expect("into one community");
    assert_eq!((s.community_id, s.community_created), (community, false));
    assert_eq!(s.communities.len(), 1);
    let want = expected(&dir);
    let threads = all_threads(&store, community).await;
    assert_eq!(threads.len(), want.topics.len());
    let cats = categories(&dir);
    for topic in &want.topics {
        let thread = threads
            .iter()
            .find(|t| t.title == topic.title)
            .expect("thread");
        let tag = match topic.category.and_then(|c| cats.get(&c)) {
            Some((slug, _)) => slug.clone(),
            None => format!("category-{}", topic.category.expect("category")),
        };
        assert!(
            thread.tags.split(", ").any(|t| t == tag),
            "'{}' tagged {tag}: {}",
            topic.title,
            thread.tags
        );
    }
    for slug in ["discourse-help", "discourse-discussion"] {
        assert!(store.community_by_slug(slug).await.is_err(), "{slug}");
    }
}

#[tokio::test]
async fn a_complete_document_adds_the_posts_a_first_page_left_out() {
    let store = guildhall_testkit::fresh_store().await;
    let dir = copy_as(FORUM);
    let first = run(&store, &dir, &Options::default()).await.expect("first");
    let path = dir.join("103.json");
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    let stream: Vec<i64> = doc["post_stream"]["stream"]
        .as_array()
        .expect("stream")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    let posts = doc["post_stream"]["posts"].as_array_mut().expect("posts");
    let have = posts.len();
    let template = posts[1].clone();
    let accepted = doc["accepted_answer"]["post_number"]
        .as_i64()
        .expect("accepted");
    let posts = doc["post_stream"]["posts"].as_array_mut().expect("posts");
    for (i, id) in stream.iter().enumerate().skip(have) {
        let mut p = template.clone();
        let number = i as i64 + 1;
        p["id"] = (*id).into();
        p["post_number"] = number.into();
        p["reply_to_post_number"] = (number - 1).into();
        p["created_at"] = format!("2023-07-01T10:{:02}:00.000Z", i).into();
        p["cooked"] = format!("<p>Later post {number}</p>").into();
        p["accepted_answer"] = (number == accepted).into();
        posts.push(p);
    }
    std::fs::write(&path, serde_json::to_string_pretty(&doc).expect("JSON")).expect("write");

    let second = run(&store, &dir, &Options::default())
        .await
        .expect("second");
    assert_eq!(second.threads, 0);
    assert_eq!(second.replies as usize, stream.len() - have, "{second}");
    assert_eq!(second.solved, 1, "the accepted answer is there now");
    assert_eq!(first.solved + 1, first.solved + second.solved);
    let community = store
        .community_by_slug("discourse-help")
        .await
        .expect("help");
    let thread = all_threads(&store, community.id)
        .await
        .into_iter()
        .find(|t| t.title == doc["title"])
        .expect("the same thread");
    assert_eq!(thread.reply_count as usize, stream.len() - 1);
    let replies = store.replies(thread.id).await.expect("replies");
    let last = replies.iter().max_by_key(|r| r.id).expect("a reply");
    assert!(
        last.reply_to
            .is_some_and(|p| replies.iter().any(|r| r.id == p)),
        "the added posts keep their parents"
    );
}

// ---- Damaged documents: the import stops with the file and the place,
// and nothing of the run remains, also after other topics were written.

/// Imports the fixture, then tries `damaged` (a copy under another forum
/// name, into an existing community so that every topic is new); returns
/// the error after checking that nothing changed, dry run or not.
async fn fails_cleanly(damaged: &Path) -> ImportError {
    let store = guildhall_testkit::fresh_store().await;
    run(&store, &fixture(FORUM), &Options::default())
        .await
        .expect("a good import first");
    let before = snapshot(&store).await;
    let mut last = None;
    for dry_run in [true, false] {
        let err = run(
            &store,
            damaged,
            &Options {
                dry_run,
                community: Some("discourse-help".into()),
                ..Options::default()
            },
        )
        .await
        .expect_err("a damaged document is refused");
        assert_eq!(
            snapshot(&store).await,
            before,
            "nothing of the failed run remains"
        );
        last = Some(err);
    }
    last.expect("an error")
}

fn position(err: &ImportError) -> (String, u64, u64, String) {
    match err {
        ImportError::Malformed {
            file,
            line,
            offset,
            message,
        } => (
            file.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned(),
            *line,
            *offset,
            message.clone(),
        ),
        other => panic!("expected a malformed-file error, got {other}"),
    }
}

/// The last topic document read, so that the others were written first.
const LAST: &str = "109.json";

#[tokio::test]
async fn a_truncated_document_is_refused_with_its_name() {
    let dir = copy_as("second-forum");
    let path = dir.join(LAST);
    let bytes = std::fs::read(&path).expect("read");
    let cut = bytes.len() * 2 / 3;
    std::fs::write(&path, &bytes[..cut]).expect("write");
    let err = fails_cleanly(&dir).await;
    let (file, line, offset, message) = position(&err);
    assert_eq!(file, LAST);
    assert!(message.contains("ends too early"), "{message}");
    let lines = bytes[..cut].iter().filter(|b| **b == b'\n').count() as u64 + 1;
    assert!(line > 1 && line <= lines, "line {line} of {lines}");
    assert!(offset > 0 && offset <= cut as u64, "{offset} of {cut}");
    assert!(err.to_string().contains(LAST), "{err}");
}

#[tokio::test]
async fn wrong_encodings_are_refused_at_the_place_that_shows_them() {
    // Latin-1 bytes in one line of the last document.
    let dir = copy_as("second-forum");
    let path = dir.join(LAST);
    let text = std::fs::read_to_string(&path).expect("read");
    let (target, bytes) = crate::dump::write_latin1(&path, "Lisbon", "Lisboa caf\u{1}");
    let (file, line, offset, message) = position(&fails_cleanly(&dir).await);
    assert_eq!((file.as_str(), line), (LAST, target as u64 + 1));
    assert_eq!(bytes[offset as usize], 0xE9, "the offset is the bad byte");
    assert!(message.contains("not UTF-8"), "{message}");

    // The whole document in UTF-16, with and without a byte order mark.
    for bom in [true, false] {
        let dir = copy_as("second-forum");
        let path = dir.join(LAST);
        let mut utf16 = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        for unit in text.encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        std::fs::write(&path, utf16).expect("write");
        let (file, line, _, message) = position(&fails_cleanly(&dir).await);
        assert_eq!((file.as_str(), line), (LAST, 1));
        assert!(message.contains("UTF-16"), "{message}");
    }
}

#[tokio::test]
async fn garbage_and_wrong_shapes_are_refused() {
    let dir = copy_as("second-forum");
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| ((i.wrapping_mul(2_654_435_761) >> 13) as u8).max(1))
        .collect();
    std::fs::write(dir.join(LAST), &garbage).expect("write");
    let (file, _, _, _) = position(&fails_cleanly(&dir).await);
    assert_eq!(file, LAST);

    // A topic list (/latest.json) is not a topic document.
    let dir = copy_as("second-forum");
    std::fs::write(
        dir.join(LAST),
        "{\n  \"topic_list\": {\n    \"topics\": []\n  }\n}\n",
    )
    .expect("write");
    let (file, line, _, message) = position(&fails_cleanly(&dir).await);
    assert_eq!((file.as_str(), line), (LAST, 5));
    assert!(
        message.contains("missing field `id`") || message.contains("missing field"),
        "{message}"
    );
    assert!(
        message.contains("topic document"),
        "says what was expected: {message}"
    );

    // A topic without its post_stream.
    let dir = copy_as("second-forum");
    let path = dir.join(LAST);
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    doc.as_object_mut().expect("object").remove("post_stream");
    std::fs::write(&path, serde_json::to_string_pretty(&doc).expect("JSON")).expect("write");
    let (file, _, _, message) = position(&fails_cleanly(&dir).await);
    assert_eq!(file, LAST);
    assert!(message.contains("post_stream"), "{message}");

    // A value of the wrong type, at its line.
    let dir = copy_as("second-forum");
    let path = dir.join(LAST);
    let text = std::fs::read_to_string(&path).expect("read");
    let target = text
        .lines()
        .position(|l| l.contains("\"post_number\": 3"))
        .expect("a post number");
    let damaged: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == target {
                l.replace("\"post_number\": 3", "\"post_number\": \"three\"")
            } else {
                l.to_owned()
            }
        })
        .collect();
    std::fs::write(&path, damaged.join("\n")).expect("write");
    let (file, line, _, message) = position(&fails_cleanly(&dir).await);
    assert_eq!((file.as_str(), line), (LAST, target as u64 + 1));
    assert!(message.contains("column"), "{message}");

    // A category list of the wrong shape is refused before any topic.
    let dir = copy_as("second-forum");
    std::fs::write(dir.join("categories.json"), "[1, 2, 3]\n").expect("write");
    let (file, line, _, _) = position(&fails_cleanly(&dir).await);
    assert_eq!((file.as_str(), line), ("categories.json", 1));
}

/// A dump of the fixture's forum as a crawl of the public API saves it:
/// `<name>/topics/{id}.json`, `<name>/categories.json`, checksums and a
/// README; `host` replaces the forum's address in the documents (`None`:
/// avatars that name no address). Removed when dropped.
fn api_dump(name: &str, host: Option<&str>) -> InScratch {
    let scratch = Scratch::new("discourse-api");
    let root = scratch.keep(name);
    let topics = root.join("topics");
    std::fs::create_dir_all(&topics).expect("topics/");
    let mut sums = String::new();
    for entry in std::fs::read_dir(fixture(FORUM)).expect("fixture") {
        let path = entry.expect("entry").path();
        let file = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a name")
            .to_owned();
        if !file.ends_with(".json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let text = match host {
            Some(h) => text.replace("forum.example.org", h),
            None => text.replace(
                "/user_avatar/forum.example.org/",
                "/letter_avatar_proxy/v4/letter/",
            ),
        };
        let to = if file == "categories.json" {
            root.join(&file)
        } else {
            topics.join(&file)
        };
        std::fs::write(&to, text).expect("write");
        sums.push_str(&format!("0000  {file}\n"));
    }
    std::fs::write(root.join("SHA256SUMS"), sums).expect("sums");
    std::fs::write(root.join("README.md"), "Saved from the public API.\n").expect("readme");
    std::fs::write(topics.join("101.json.md5"), "0000  101.json\n").expect("md5");
    root
}

async fn practice_community(store: &Store, slug: &str) -> CommunityId {
    let owner = store
        .create_person(&crate::dump::person(
            "Owner",
            &format!("owner@{slug}.example"),
        ))
        .await
        .expect("owner");
    store
        .create_community(
            &guildhall_store::NewCommunity {
                slug: slug.into(),
                name: slug.into(),
                domain_statement: String::new(),
                purpose: String::new(),
                visibility: Visibility::Open,
                membership_policy: MembershipPolicy::Open,
                stage: Stage::Maturing,
                domains: Vec::new(),
            },
            owner,
            "test",
            &[],
        )
        .await
        .expect("community")
}

fn noted(s: &Summary, what: &str) -> u64 {
    s.notes
        .iter()
        .filter(|(k, _)| k.contains(what))
        .map(|(_, n)| *n)
        .sum()
}

/// Regression: a forum was keyed by its folder's name, so a second forum
/// saved in a folder of the same name was skipped as already imported. A
/// dump of the public API (topics/ beside categories.json, checksums, a
/// README) is read as such, and each forum is keyed by its own address.
#[tokio::test]
async fn two_forums_saved_in_folders_of_the_same_name_are_both_imported() {
    let store = guildhall_testkit::fresh_store().await;
    let want = expected(&fixture(FORUM));
    let first = api_dump("forum", Some("forum.example.org"));
    let second = api_dump("forum", Some("talk.example.net"));
    assert_eq!(first.file_name(), second.file_name());
    let a = run(&store, &first, &Options::default())
        .await
        .expect("first");
    practice_community(&store, "second").await;
    let people_before = store.count_people().await.expect("people");
    let b = run(
        &store,
        &second,
        &Options {
            community: Some("second".into()),
            ..Options::default()
        },
    )
    .await
    .expect("second");
    for s in [&a, &b] {
        assert_eq!(s.threads as usize, want.topics.len(), "{s}");
        assert!(
            s.skipped.keys().all(|k| !k.contains("already imported")),
            "{s}"
        );
        assert_eq!(
            noted(s, "not topic documents"),
            3,
            "SHA256SUMS, README.md, 101.json.md5: {s}"
        );
    }
    assert_eq!(noted(&a, "forum.example.org"), 1, "{a}");
    assert_eq!(noted(&b, "talk.example.net"), 1, "{b}");
    assert_eq!((a.replies, a.solved), (b.replies, b.solved));
    assert_eq!(
        (store.count_people().await.expect("people") - people_before) as u64,
        b.people_created,
        "the second forum's users are its own"
    );
    assert_eq!(b.people_created, a.people_created, "{b}");

    // Each again: nothing new.
    for (dir, community) in [(&first, None), (&second, Some("second".to_owned()))] {
        let again = run(
            &store,
            dir,
            &Options {
                community,
                ..Options::default()
            },
        )
        .await
        .expect("again");
        assert_eq!(
            (again.threads, again.replies, again.people_created),
            (0, 0, 0)
        );
    }
}

/// Documents that carry no address: `--site` names the forum; without it
/// the folder's name does, and the summary says so.
#[tokio::test]
async fn a_forum_without_an_address_is_named_by_site_or_its_folder() {
    let want = expected(&fixture(FORUM));
    let dir = api_dump("forum", None);
    let store = guildhall_testkit::fresh_store().await;
    let s = run(
        &store,
        &dir,
        &Options {
            site: Some("https://Third.example.com/".into()),
            ..Options::default()
        },
    )
    .await
    .expect("with --site");
    assert_eq!(s.threads as usize, want.topics.len(), "{s}");
    assert_eq!(
        noted(&s, "identified as third.example.com (--site)"),
        1,
        "{s}"
    );
    // The same forum named the same way is the same forum.
    let again = run(
        &store,
        &dir,
        &Options {
            site: Some("third.example.com".into()),
            ..Options::default()
        },
    )
    .await
    .expect("again");
    assert_eq!((again.threads, again.replies), (0, 0), "{again}");

    let store = guildhall_testkit::fresh_store().await;
    let s = run(&store, &dir, &Options::default())
        .await
        .expect("by folder");
    assert_eq!(s.threads as usize, want.topics.len(), "{s}");
    assert_eq!(noted(&s, "named after its folder 'forum'"), 1, "{s}");
    assert!(
        s.notes.keys().any(|k| k.contains("--site")),
        "says what to do: {s}"
    );
}
