//! The Slack importer on a real workspace export (the Houston Data
//! Visualization meetup, 2016). Expected figures are computed here from
//! the raw JSON with serde_json, by rules written out again: conversations
//! by the importer's published gap and span, joins, leaves, reactions.

use guildhall_domain::{ActivityId, MembershipPolicy, ReplyId, Stage, ThreadId, Visibility};
use guildhall_import::slack::{CONVERSATION_GAP, CONVERSATION_SPAN, Options, import};
use guildhall_import::{ImportError, Summary, progress::Silent};
use guildhall_store::{NewCommunity, Store, ThreadFilter};
use guildhall_testkit::{InScratch, Scratch};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

const FIXTURE: &str = "slack-houstondatavis";
/// The workspace as the importer names it from the folder.
const WORKSPACE: &str = "houstondatavis";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(FIXTURE)
}

async fn run(store: &Store, path: &Path, opts: &Options) -> Result<Summary, ImportError> {
    import(store, path, opts, &mut Silent).await
}

/// Every table's row count: a failed or dry run must leave them all as
/// they were.
async fn counts(store: &Store) -> Vec<(String, i64)> {
    let counts = store.table_row_counts().await.expect("row counts");
    for table in [
        "people",
        "threads",
        "replies",
        "thanks",
        "activity",
        "import_ids",
    ] {
        assert!(
            counts.iter().any(|(t, _)| t == table),
            "{table} is among the tables counted: {counts:?}"
        );
    }
    counts
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
}

fn micros(ts: &str) -> i64 {
    let (s, f) = ts.split_once('.').unwrap_or((ts, "0"));
    s.parse::<i64>().expect("secs") * 1_000_000 + format!("{f:0<6}").parse::<i64>().expect("frac")
}

/// What a channel should become.
#[derive(Debug, Default)]
struct ChannelExpected {
    threads: usize,
    replies: usize,
    thread_times: Vec<i64>,
    thanks: usize,
    /// Slack users who are members at the end.
    members: HashSet<String>,
    joins: usize,
    leaves: usize,
}

#[derive(Debug)]
struct Expected {
    /// Channel name → what it should become, for channels with a folder.
    channels: BTreeMap<String, ChannelExpected>,
    /// Slack users with an imported message, join, leave or thanks.
    people: HashSet<String>,
    names: HashMap<String, String>,
}

impl Expected {
    fn threads(&self) -> usize {
        self.channels.values().map(|c| c.threads).sum()
    }
    fn replies(&self) -> usize {
        self.channels.values().map(|c| c.replies).sum()
    }
    fn thanks(&self) -> usize {
        self.channels.values().map(|c| c.thanks).sum()
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn expected(dir: &Path) -> Expected {
    let users = json(&dir.join("users.json"));
    let users = users.as_array().expect("users");
    let bots: HashSet<&str> = users
        .iter()
        .filter(|u| u.get("is_bot").and_then(Value::as_bool) == Some(true))
        .filter_map(|u| str_of(u, "id"))
        .collect();
    let names = users
        .iter()
        .map(|u| {
            let id = str_of(u, "id").expect("id").to_owned();
            let real = u
                .get("profile")
                .and_then(|p| str_of(p, "real_name"))
                .filter(|n| !n.is_empty())
                .or_else(|| str_of(u, "name"))
                .unwrap_or_default()
                .to_owned();
            (id, real)
        })
        .collect();
    let channels = json(&dir.join("channels.json"));
    let mut out = BTreeMap::new();
    let mut people = HashSet::new();
    for ch in channels.as_array().expect("channels") {
        let name = str_of(ch, "name").expect("name");
        let folder = dir.join(name);
        if !folder.is_dir() {
            continue;
        }
        let mut days: Vec<PathBuf> = std::fs::read_dir(&folder)
            .expect("folder")
            .map(|e| e.expect("entry").path())
            .collect();
        days.sort();
        let mut exp = ChannelExpected::default();
        // (user) → time-ordered (at, is_join)
        let mut transitions: HashMap<String, Vec<(i64, bool)>> = HashMap::new();
        let mut conversation: Option<(i64, i64)> = None; // (start, last)
        let mut contributed: HashSet<String> = HashSet::new();
        for day in days {
            let mut msgs = json(&day).as_array().expect("day").clone();
            msgs.sort_by_key(|m| micros(str_of(m, "ts").expect("ts")));
            for m in msgs {
                assert!(
                    m.get("thread_ts").is_none(),
                    "the 2016 export has no threads"
                );
                let at = micros(str_of(&m, "ts").expect("ts")) / 1_000_000;
                let user = str_of(&m, "user")
                    .or_else(|| m.get("comment").and_then(|c| str_of(c, "user")))
                    .map(str::to_owned);
                let Some(user) = user.filter(|u| !bots.contains(u.as_str())) else {
                    continue;
                };
                match str_of(&m, "subtype") {
                    None | Some("file_share" | "file_comment") => {}
                    Some("channel_join") => {
                        people.insert(user.clone());
                        transitions.entry(user).or_default().push((at, true));
                        continue;
                    }
                    Some("channel_leave") => {
                        people.insert(user.clone());
                        transitions.entry(user).or_default().push((at, false));
                        continue;
                    }
                    Some(_) => continue,
                }
                people.insert(user.clone());
                // Everyone joins at their first contribution, whatever the
                // join messages say; extra joins change nothing.
                if contributed.insert(user.clone()) {
                    transitions
                        .entry(user.clone())
                        .or_default()
                        .push((at, true));
                }
                let continues = conversation.is_some_and(|(start, last)| {
                    at - last <= CONVERSATION_GAP && at - start <= CONVERSATION_SPAN
                });
                if continues {
                    exp.replies += 1;
                    if let Some(c) = conversation.as_mut() {
                        c.1 = at;
                    }
                    let reactors: HashSet<&str> = m
                        .get("reactions")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .flat_map(|r| r["users"].as_array().into_iter().flatten())
                        .filter_map(Value::as_str)
                        .filter(|u| *u != user && !bots.contains(u))
                        .collect();
                    exp.thanks += reactors.len();
                    people.extend(reactors.into_iter().map(str::to_owned));
                } else {
                    exp.threads += 1;
                    exp.thread_times.push(at);
                    conversation = Some((at, at));
                }
            }
        }
        for (user, mut list) in transitions {
            list.sort_by_key(|(at, join)| (*at, !*join));
            let mut member = false;
            for (_, join) in list {
                if join && !member {
                    exp.joins += 1;
                    member = true;
                } else if !join && member {
                    exp.leaves += 1;
                    member = false;
                }
            }
            if member {
                exp.members.insert(user);
            }
        }
        exp.thread_times.sort_unstable();
        out.insert(name.to_owned(), exp);
    }
    Expected {
        channels: out,
        people,
        names,
    }
}

fn by_kind(rows: &[guildhall_store::ActivityRow]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for r in rows {
        *m.entry(r.kind.as_str().to_owned()).or_default() += 1;
    }
    m
}

/// The slug of each channel, by the importer's rule: the second channel
/// with the same address gets its id appended.
fn slug_of(channel: &str, dir: &Path) -> String {
    let channels = json(&dir.join("channels.json"));
    let id = channels
        .as_array()
        .expect("channels")
        .iter()
        .find(|c| str_of(c, "name") == Some(channel))
        .and_then(|c| str_of(c, "id"))
        .expect("channel id")
        .to_lowercase();
    let base = format!("{WORKSPACE}-{}", channel.trim_end_matches('-'));
    if channel.ends_with('-') {
        format!("{base}-{id}")
    } else {
        base
    }
}

#[tokio::test]
async fn counts_and_relationships_match_the_files() {
    let store = guildhall_testkit::fresh_store().await;
    let dir = fixture();
    let want = expected(&dir);
    let summary = run(&store, &dir, &Options::default())
        .await
        .expect("import");

    assert_eq!(summary.threads as usize, want.threads(), "{summary}");
    assert_eq!(summary.replies as usize, want.replies());
    assert_eq!(summary.thanks as usize, want.thanks());
    assert!(want.thanks() > 0 && want.replies() > want.threads());
    assert_eq!(summary.people_created as usize, want.people.len());
    assert_eq!(
        store.count_people().await.expect("people") as usize,
        want.people.len()
    );
    assert_eq!(summary.communities.len(), want.channels.len());
    assert!(summary.communities.iter().all(|c| c.created));

    let rows = store
        .activity_after(ActivityId(0), 10_000_000)
        .await
        .expect("activity");
    let kinds = by_kind(&rows);
    let joins: usize = want.channels.values().map(|c| c.joins).sum();
    let leaves: usize = want.channels.values().map(|c| c.leaves).sum();
    assert_eq!(kinds.get("thread.discussion"), Some(&want.threads()));
    assert_eq!(kinds.get("reply.created"), Some(&want.replies()));
    assert_eq!(kinds.get("thanks.given"), Some(&want.thanks()));
    assert_eq!(kinds.get("member.joined"), Some(&joins));
    assert_eq!(kinds.get("member.left").copied().unwrap_or(0), leaves);
    assert!(leaves > 0, "the fixture has a leave");
    assert_eq!(kinds.len(), 5, "{kinds:?}");

    let mut author_of = HashMap::new();
    let mut reply_author = HashMap::new();
    for (channel, exp) in &want.channels {
        let slug = slug_of(channel, &dir);
        let community = store
            .community_by_slug(&slug)
            .await
            .unwrap_or_else(|e| panic!("community {slug}: {e}"));
        assert_eq!(community.name, format!("#{channel} ({WORKSPACE})"));
        let threads = store
            .threads(community.id, &ThreadFilter::default(), 100_000, 0)
            .await
            .expect("threads");
        assert_eq!(threads.total as usize, exp.threads, "#{channel}");
        let replies: i64 = threads.items.iter().map(|t| t.reply_count).sum();
        assert_eq!(replies as usize, exp.replies, "#{channel}");
        let mut times: Vec<i64> = threads.items.iter().map(|t| t.created_at).collect();
        times.sort_unstable();
        assert_eq!(times, exp.thread_times, "original times, #{channel}");
        let members = store.members(community.id).await.expect("members");
        assert_eq!(members.len(), exp.members.len(), "members of #{channel}");
        for t in &threads.items {
            assert_eq!(t.kind.as_str(), "discussion");
            assert_eq!(t.tags, *channel);
            assert!(!t.title.is_empty() && t.title.chars().count() <= 81);
            author_of.insert(t.id, t.author_id);
            for r in store.replies(t.id).await.expect("replies") {
                assert!(r.created_at >= t.created_at, "replies follow their opening");
                reply_author.insert(r.id, r.author_id);
                for text in [&r.body, &t.body] {
                    assert!(!text.contains("<@U") && !text.contains("&lt;"), "{text}");
                }
            }
        }
    }
    assert_eq!(
        store
            .community_by_slug(&slug_of("readings", &dir))
            .await
            .expect("readings")
            .stage
            .as_str(),
        "memory",
        "an archived channel is a community in memory"
    );
    for r in &rows {
        match r.kind.as_str() {
            "reply.created" => {
                let thread = ThreadId(r.parent_id.expect("parent"));
                assert_eq!(r.other_id, author_of.get(&thread).copied());
            }
            "thanks.given" => {
                let reply = ReplyId(r.subject_id.expect("thanked reply"));
                assert_eq!(r.other_id, reply_author.get(&reply).copied());
                assert_ne!(r.other_id, Some(r.actor_id), "no thanks to oneself");
            }
            _ => {}
        }
    }

    // Mentions read as names: a message of #general mentions U061A3E0G.
    let general = store
        .community_by_slug(&slug_of("general", &dir))
        .await
        .expect("general");
    let name = want.names.get("U061A3E0G").expect("a known user");
    let threads = store
        .threads(general.id, &ThreadFilter::default(), 100_000, 0)
        .await
        .expect("threads");
    let mut found = false;
    for t in &threads.items {
        found |= t.body.contains(&format!("@{name}"));
        for r in store.replies(t.id).await.expect("replies") {
            found |= r.body.contains(&format!("@{name}"));
        }
    }
    assert!(found, "a mention of {name} reads as @{name}");
}

#[tokio::test]
async fn a_second_run_and_a_dry_run_change_nothing() {
    let store = guildhall_testkit::fresh_store().await;
    let dir = fixture();
    let empty = counts(&store).await;
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
    assert_eq!(counts(&store).await, empty, "a dry run writes nothing");
    assert!(dry.dry_run && dry.to_string().contains("Dry run"));

    let first = run(&store, &dir, &Options::default())
        .await
        .expect("import");
    assert_eq!(
        (
            dry.threads,
            dry.replies,
            dry.people_created,
            dry.thanks,
            dry.members_added
        ),
        (
            first.threads,
            first.replies,
            first.people_created,
            first.thanks,
            first.members_added
        ),
        "the dry run reports what the import does"
    );
    assert_eq!(dry.written, first.written);
    let after_first = counts(&store).await;

    let second = run(&store, &dir, &Options::default()).await.expect("again");
    assert_eq!(
        counts(&store).await,
        after_first,
        "importing twice changes nothing"
    );
    assert_eq!(
        (
            second.threads,
            second.replies,
            second.people_created,
            second.thanks,
            second.members_added
        ),
        (0, 0, 0, 0, 0)
    );
    assert!(second.communities.iter().all(|c| !c.created));
    assert_eq!(
        second
            .skipped
            .get("messages already imported by an earlier run")
            .copied(),
        Some(first.written.source_ids - first.written.people - first.communities.len() as u64),
        "every message, join and leave recorded is recognised: {second}"
    );
}

#[tokio::test]
async fn people_are_matched_by_email_and_merged_channels_share_a_community() {
    let store = guildhall_testkit::fresh_store().await;
    let dir = fixture();
    let want = expected(&dir);
    // The export's address for U061A3E0G, written differently.
    let creator = store
        .create_person(&crate::dump::person("Existing", "U061A3E0G@Example.org"))
        .await
        .expect("person");
    let community = store
        .create_community(
            &NewCommunity {
                slug: "dataviz".into(),
                name: "Data visualization".into(),
                domain_statement: String::new(),
                purpose: "Charts.".into(),
                visibility: Visibility::Open,
                membership_policy: MembershipPolicy::Open,
                stage: Stage::Maturing,
                domains: Vec::new(),
            },
            creator,
            "test",
            &[],
        )
        .await
        .expect("community");
    let before_members = store.members(community).await.expect("members").len();
    let summary = run(
        &store,
        &dir,
        &Options {
            community: Some("dataviz".into()),
            ..Options::default()
        },
    )
    .await
    .expect("merged import");
    assert!(want.people.contains("U061A3E0G"));
    assert_eq!(summary.people_matched, 1, "{summary}");
    assert_eq!(summary.people_created as usize, want.people.len() - 1);
    assert_eq!(
        store.count_people().await.expect("people") as usize,
        want.people.len()
    );
    assert_eq!(summary.community_slug, "dataviz");
    assert!(summary.communities.is_empty());
    let threads = store
        .threads(community, &ThreadFilter::default(), 100_000, 0)
        .await
        .expect("threads");
    assert_eq!(threads.total as usize, want.threads());
    let tags: HashSet<&str> = threads.items.iter().map(|t| t.tags.as_str()).collect();
    let channels: HashSet<&str> = want
        .channels
        .iter()
        .filter(|(_, c)| c.threads > 0)
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(tags, channels, "threads are tagged with their channel");
    // A member while in at least one channel; the matched person was one
    // already (the community's creator).
    let mut members: HashSet<&str> = HashSet::new();
    for c in want.channels.values() {
        members.extend(c.members.iter().map(String::as_str));
    }
    let now = store.members(community).await.expect("members").len();
    assert_eq!(
        now,
        before_members + members.len() - usize::from(members.contains("U061A3E0G"))
    );
}

/// Writes the fixture as Slack hands it out: a .zip named after the
/// workspace, here with the export inside a folder of its own.
fn zipped(dir: &Path) -> InScratch {
    use std::io::Write;
    let root = Scratch::new("slack");
    let path = root.keep("houstondatavis Slack export Jul 31 2016.zip");
    let file = std::fs::File::create(&path).expect("create");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut files = Vec::new();
    for entry in walk(dir) {
        files.push(entry);
    }
    files.sort();
    for f in files {
        let rel = f
            .strip_prefix(dir)
            .expect("inside")
            .to_string_lossy()
            .replace('\\', "/");
        zip.start_file(format!("export/{rel}"), options)
            .expect("entry");
        zip.write_all(&std::fs::read(&f).expect("read"))
            .expect("write");
    }
    zip.finish().expect("finish");
    path
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn a_zip_imports_as_the_folder_does_and_is_the_same_workspace() {
    let dir = fixture();
    let zip = zipped(&dir);
    let store = guildhall_testkit::fresh_store().await;
    let from_zip = run(&store, &zip, &Options::default())
        .await
        .expect("zip import");
    let other = guildhall_testkit::fresh_store().await;
    let from_dir = run(&other, &dir, &Options::default())
        .await
        .expect("folder import");
    assert_eq!(from_zip.written, from_dir.written);
    let slugs = |s: &Summary| {
        s.communities
            .iter()
            .map(|c| c.slug.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        slugs(&from_zip),
        slugs(&from_dir),
        "named after the workspace"
    );
    let after = counts(&store).await;
    let again = run(&store, &dir, &Options::default())
        .await
        .expect("folder after zip");
    assert_eq!(again.threads + again.replies, 0);
    assert_eq!(counts(&store).await, after);
}

// ---- Damaged exports: refused with the file and place, nothing kept.

/// A copy of the fixture to damage.
fn copy_of_fixture() -> InScratch {
    let root = Scratch::new("slack").keep(FIXTURE);
    let src = fixture();
    for f in walk(&src) {
        let to = root.join(f.strip_prefix(&src).expect("inside"));
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&f, &to).expect("copy");
    }
    root
}

/// Runs a damaged import for real and dry; returns the error after
/// checking that every table is as before.
async fn fails_cleanly(damaged: &Path) -> ImportError {
    let store = guildhall_testkit::fresh_store().await;
    let before = counts(&store).await;
    let mut last = None;
    for dry_run in [true, false] {
        let err = run(
            &store,
            damaged,
            &Options {
                dry_run,
                ..Options::default()
            },
        )
        .await
        .expect_err("a damaged export is refused");
        assert_eq!(counts(&store).await, before, "nothing of the run remains");
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
            file.to_string_lossy().replace('\\', "/"),
            *line,
            *offset,
            message.clone(),
        ),
        other => panic!("expected a malformed-file error, got {other}"),
    }
}

/// The last day file the importer reads (the last channel in
/// channels.json with a folder): everything else was written before it.
const LAST_DAY: &str = "readings/2016-01-15.json";
const BIG_DAY: &str = "general/2015-10-08.json";

#[tokio::test]
async fn a_truncated_day_file_is_refused_with_its_name_and_place() {
    let dir = copy_of_fixture();
    let path = dir.join(BIG_DAY);
    let bytes = std::fs::read(&path).expect("read");
    let cut = bytes.len() * 2 / 3;
    std::fs::write(&path, &bytes[..cut]).expect("write");
    let err = fails_cleanly(&dir).await;
    let (file, line, offset, message) = position(&err);
    assert!(file.ends_with(BIG_DAY), "{file}");
    let lines = bytes[..cut].iter().filter(|b| **b == b'\n').count() as u64 + 1;
    assert!(line > 1 && line <= lines, "line {line} of {lines}");
    assert!(offset > 0 && offset <= cut as u64, "{offset} of {cut}");
    assert!(message.contains("truncated"), "{message}");
    assert!(
        message.contains("array of messages"),
        "says what was expected: {message}"
    );
}

#[tokio::test]
async fn a_wrong_encoding_is_refused_at_its_line() {
    // A Latin-1 é inside a message of the last file read.
    let dir = copy_of_fixture();
    let path = dir.join(LAST_DAY);
    let (target, _) = crate::dump::write_latin1(&path, "\"text\": \"", "\"text\": \"caf\u{1}");
    let (file, line, _, message) = position(&fails_cleanly(&dir).await);
    assert!(file.ends_with(LAST_DAY), "{file}");
    assert_eq!(line, target as u64 + 1);
    assert!(message.contains("UTF-8"), "{message}");

    // users.json in UTF-16.
    let dir = copy_of_fixture();
    let path = dir.join("users.json");
    let text = std::fs::read_to_string(&path).expect("read");
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    std::fs::write(&path, utf16).expect("write");
    let (file, _, _, message) = position(&fails_cleanly(&dir).await);
    assert!(file.ends_with("users.json"));
    assert!(message.contains("UTF-16"), "{message}");
}

#[tokio::test]
async fn garbage_and_bad_values_are_refused() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let dir = copy_of_fixture();
    std::fs::write(dir.join(LAST_DAY), &garbage).expect("write");
    let (file, line, _, _) = position(&fails_cleanly(&dir).await);
    assert!(file.ends_with(LAST_DAY));
    assert_eq!(line, 1);

    // A message whose ts is not a Slack timestamp.
    let dir = copy_of_fixture();
    let path = dir.join(LAST_DAY);
    let text = std::fs::read_to_string(&path).expect("read");
    let target = text
        .lines()
        .position(|l| l.contains("\"ts\": \""))
        .expect("a ts line");
    let damaged: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == target {
                l.replacen("\"ts\": \"", "\"ts\": \"soon", 1)
            } else {
                l.to_owned()
            }
        })
        .collect();
    std::fs::write(&path, damaged.join("\n")).expect("write");
    let (file, line, _, message) = position(&fails_cleanly(&dir).await);
    assert!(file.ends_with(LAST_DAY));
    // serde_json places an invalid value's error where it stopped reading:
    // past the value and the whitespace after it (here the closing brace
    // of the message on the next line).
    let at = target as u64 + 1;
    assert!(
        line == at || line == at + 1,
        "line {line}, the value is on {at}"
    );
    assert!(
        message.contains("Slack timestamp") && message.contains("soon"),
        "{message}"
    );

    // Not an export at all: a file of garbage, a folder without channels.json.
    let root = Scratch::new("slack");
    let bogus = root.join("export.zip");
    std::fs::write(&bogus, &garbage).expect("write");
    let store = guildhall_testkit::fresh_store().await;
    let before = counts(&store).await;
    for path in [bogus, root.to_path_buf()] {
        let err = run(&store, &path, &Options::default())
            .await
            .expect_err("refused");
        assert!(matches!(err, ImportError::Refused(_)), "{err}");
        assert_eq!(counts(&store).await, before);
    }
}

#[tokio::test]
async fn a_later_export_continues_where_the_earlier_one_stopped() {
    // The same workspace exported before its last days of #general, then
    // whole: the conversations end up as if imported at once.
    let partial = partial_export();
    let store = guildhall_testkit::fresh_store().await;
    let first = run(&store, &partial, &Options::default())
        .await
        .expect("partial");
    let second = run(&store, &fixture(), &Options::default())
        .await
        .expect("whole");
    let want = expected(&fixture());
    assert!(second.threads + second.replies > 0, "the late days are new");
    assert_eq!((first.threads + second.threads) as usize, want.threads());
    assert_eq!((first.replies + second.replies) as usize, want.replies());
    assert_eq!((first.thanks + second.thanks) as usize, want.thanks());
    assert_eq!(
        store.count_people().await.expect("people") as usize,
        want.people.len()
    );
}

/// The fixture exported before its last three days of #general.
fn partial_export() -> InScratch {
    let partial = copy_of_fixture();
    let mut days: Vec<PathBuf> = walk(&partial.join("general"));
    days.sort();
    for late in days.iter().rev().take(3) {
        std::fs::remove_file(late).expect("remove");
    }
    partial
}

/// A small export in today's format, with Slack threads (the 2016 export
/// has none): written here, since no public one was at hand.
fn threaded_export() -> InScratch {
    let dir = Scratch::new("slack").keep("acme");
    std::fs::create_dir_all(dir.join("help")).expect("mkdir");
    let write = |rel: &str, v: Value| {
        std::fs::write(dir.join(rel), serde_json::to_vec_pretty(&v).expect("json")).expect("write")
    };
    write(
        "channels.json",
        serde_json::json!([{"id": "C1", "name": "help", "created": 1700000000,
            "purpose": {"value": "Ask &amp; answer"}}]),
    );
    write(
        "users.json",
        serde_json::json!([
            {"id": "U1", "team_id": "T9", "name": "ada", "profile": {"real_name": "Ada", "email": "ada@example.org"}},
            {"id": "U2", "team_id": "T9", "name": "bob", "profile": {"real_name": "Bob"}},
            {"id": "B1", "team_id": "T9", "name": "bot", "is_bot": true}
        ]),
    );
    write(
        "help/2024-01-02.json",
        serde_json::json!([
            {"type": "message", "user": "U1", "text": "How do I *plot* this? <@U2>",
             "ts": "1704200000.000100", "thread_ts": "1704200000.000100", "reply_count": 2},
            {"type": "message", "user": "U2", "text": "Like <https://d3js.org|this>",
             "ts": "1704200100.000200", "thread_ts": "1704200000.000100",
             "reactions": [{"name": "+1", "users": ["U1", "U2", "B1"], "count": 3}]},
            {"type": "message", "user": "U1", "text": "thanks!", "subtype": "thread_broadcast",
             "ts": "1704200200.000300", "thread_ts": "1704200000.000100"},
            {"type": "message", "user": "U2", "text": "an orphan reply",
             "ts": "1704200300.000400", "thread_ts": "1704100000.000000"},
            {"type": "message", "user": "B1", "text": "beep", "subtype": "bot_message",
             "ts": "1704200400.000500"}
        ]),
    );
    dir
}

/// The Slack thread of [`threaded_export`], as imported.
async fn slack_thread(store: &Store) -> guildhall_store::Thread {
    let community = store
        .community_by_slug("acme-help")
        .await
        .expect("community");
    store
        .threads(community.id, &ThreadFilter::default(), 10, 0)
        .await
        .expect("threads")
        .items
        .into_iter()
        .find(|t| t.title.starts_with("How do I"))
        .expect("the Slack thread")
}

#[tokio::test]
async fn slack_threads_stay_threads() {
    let store = guildhall_testkit::fresh_store().await;
    let summary = run(&store, &threaded_export(), &Options::default())
        .await
        .expect("import");
    assert_eq!(
        summary.threads, 2,
        "the thread, and the orphan's conversation: {summary}"
    );
    assert_eq!(summary.replies, 2);
    assert_eq!(
        summary.thanks, 1,
        "one from U1; none to oneself, none from bots"
    );
    assert_eq!(summary.people_created, 2);
    let community = store
        .community_by_slug("acme-help")
        .await
        .expect("community");
    assert_eq!(community.purpose, "Ask & answer");
    let thread = slack_thread(&store).await;
    assert_eq!(thread.body, "How do I **plot** this? @Bob");
    assert_eq!(thread.reply_count, 2);
    let replies = store.replies(thread.id).await.expect("replies");
    assert_eq!(replies[0].body, "Like [this](<https://d3js.org>)");
    assert_eq!(replies[0].thanks, 1);
    assert!(replies.iter().all(|r| r.reply_to.is_none()));
    assert_eq!(
        summary
            .skipped
            .get("bot and integration messages (not imported)"),
        Some(&1)
    );
}

fn in_chunks(n: usize) -> Options {
    Options {
        chunk_messages: Some(n),
        ..Options::default()
    }
}

/// Messages are looked up and written a chunk of day files at a time:
/// whatever the chunks' size, the same conversations, thanks, people and
/// members; an export imported in two parts, each in chunks of one day,
/// ends up as if imported at once.
#[tokio::test]
async fn chunks_of_any_size_import_the_same_workspace() {
    let whole = guildhall_testkit::fresh_store().await;
    let at_once = run(&whole, &fixture(), &Options::default())
        .await
        .expect("at once");
    let want = crate::dump::conversations(&whole, &crate::dump::community_ids(&at_once)).await;
    assert!(at_once.replies > 100 && at_once.thanks > 0, "{at_once}");
    for chunk in [1, 40] {
        let store = guildhall_testkit::fresh_store().await;
        let s = run(&store, &fixture(), &in_chunks(chunk))
            .await
            .expect("in chunks");
        assert_eq!(
            crate::dump::outcome(&s),
            crate::dump::outcome(&at_once),
            "chunks of {chunk}"
        );
        assert_eq!(
            crate::dump::conversations(&store, &crate::dump::community_ids(&s)).await,
            want,
            "chunks of {chunk}"
        );
    }

    let partial = partial_export();
    let store = guildhall_testkit::fresh_store().await;
    run(&store, &partial, &in_chunks(1)).await.expect("partial");
    let rest = run(&store, &fixture(), &in_chunks(1))
        .await
        .expect("the rest");
    assert!(rest.threads + rest.replies > 0, "the late days are new");
    assert_eq!(
        crate::dump::conversations(&store, &crate::dump::community_ids(&rest)).await,
        want
    );
}

/// A thread reply on a later day than its parent, in a chunk of its own,
/// still lands in the parent's Slack thread.
#[tokio::test]
async fn a_thread_reply_finds_its_parent_in_an_earlier_chunk() {
    let dir = threaded_export();
    let later = serde_json::json!([
        {"type": "message", "user": "U2", "text": "one more thing",
         "ts": "1704300000.000100", "thread_ts": "1704200000.000100"}
    ]);
    std::fs::write(
        dir.join("help/2024-01-03.json"),
        serde_json::to_vec(&later).expect("json"),
    )
    .expect("write");
    let store = guildhall_testkit::fresh_store().await;
    let s = run(&store, &dir, &in_chunks(1)).await.expect("import");
    assert_eq!((s.threads, s.replies), (2, 3), "{s}");
    let thread = slack_thread(&store).await;
    let replies = store.replies(thread.id).await.expect("replies");
    assert_eq!(
        replies.last().map(|r| r.body.as_str()),
        Some("one more thing")
    );
}
