use crate::dump::{attr, conversations, copy_of, expected, fixture, outcome};
use guildhall_domain::{ActivityId, CommunityId, PersonId, ThreadId, ThreadKind};
use guildhall_import::stackexchange::{Options, import};
use guildhall_import::{ImportError, Summary, progress::Silent};
use guildhall_store::{SearchQuery, Store, ThreadFilter};
use guildhall_testkit::InScratch;
use std::collections::HashMap;

pub const AI: &str = "stackexchange-ai-2016";
pub const CONLANG: &str = "stackexchange-conlang-meta-2020";

pub async fn run(
    store: &Store,
    dir: &std::path::Path,
    opts: &Options,
) -> Result<Summary, ImportError> {
    import(store, dir, opts, &mut Silent).await
}

/// What a database holds, to compare before and after.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    people: i64,
    activity: i64,
    last_activity: Option<ActivityId>,
    communities: Vec<(String, i64)>,
}

pub async fn snapshot(store: &Store) -> Snapshot {
    let rows = store
        .activity_after(ActivityId(0), 10_000_000)
        .await
        .expect("activity");
    let mut communities = Vec::new();
    for slug in [AI, CONLANG] {
        if let Ok(c) = store.community_by_slug(slug).await {
            let threads = store
                .threads(c.id, &ThreadFilter::default(), 1, 0)
                .await
                .expect("threads");
            communities.push((slug.to_owned(), threads.total));
        }
    }
    Snapshot {
        people: store.count_people().await.expect("people"),
        activity: store.count_activity().await.expect("count"),
        last_activity: rows.last().map(|r| r.id),
        communities,
    }
}

fn by_kind(rows: &[guildhall_store::ActivityRow]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for r in rows {
        *m.entry(r.kind.as_str().to_owned()).or_default() += 1;
    }
    m
}

/// Imports fixture `name` in chunks of `chunk_rows` rows (the default if
/// `None`; the fixtures fit in one) and compares with the files.
async fn counts_and_relationships_match_the_files(name: &str, chunk_rows: Option<usize>) {
    let store = guildhall_testkit::fresh_store().await;
    let dir = fixture(name);
    let want = expected(&dir);
    let opts = Options {
        chunk_rows,
        ..Options::default()
    };
    let summary = run(&store, &dir, &opts).await.expect("import");

    assert_eq!(summary.threads as usize, want.questions, "{summary}");
    assert_eq!(summary.replies as usize, want.answers + want.comments);
    assert_eq!(summary.solved as usize, want.solved);
    assert!(
        want.solved > 0 && want.comments > 0,
        "the fixture exercises solutions and comments"
    );
    let people = want.users + usize::from(want.placeholder);
    assert_eq!(store.count_people().await.expect("people") as usize, people);

    let community = store
        .community_by_slug(name)
        .await
        .expect("community made for the site");
    let help = ThreadFilter {
        kind: Some(ThreadKind::Help),
        ..ThreadFilter::default()
    };
    let threads = store
        .threads(community.id, &help, 100_000, 0)
        .await
        .expect("threads");
    assert_eq!(threads.total as usize, want.questions);
    let unsolved = ThreadFilter {
        unsolved: true,
        ..help.clone()
    };
    let unsolved = store
        .threads(community.id, &unsolved, 1, 0)
        .await
        .expect("unsolved");
    assert_eq!((threads.total - unsolved.total) as usize, want.solved);
    let reply_total: i64 = threads.items.iter().map(|t| t.reply_count).sum();
    assert_eq!(reply_total as usize, want.answers + want.comments);

    // Original times: every help request was created when the dump says.
    let author_of: HashMap<ThreadId, PersonId> =
        threads.items.iter().map(|t| (t.id, t.author_id)).collect();
    let helper_of: HashMap<ThreadId, PersonId> = threads
        .items
        .iter()
        .filter_map(|t| t.helper_id.map(|h| (t.id, h)))
        .collect();
    let mut created: Vec<i64> = threads.items.iter().map(|t| t.created_at).collect();
    let mut in_dump: Vec<i64> = want.question_times.values().copied().collect();
    created.sort_unstable();
    in_dump.sort_unstable();
    assert_eq!(created, in_dump);

    let rows = store
        .activity_after(ActivityId(0), 10_000_000)
        .await
        .expect("activity");
    let kinds = by_kind(&rows);
    assert_eq!(
        kinds.get("thread.help").copied().unwrap_or(0),
        want.questions
    );
    assert_eq!(
        kinds.get("reply.created").copied().unwrap_or(0),
        want.answers + want.comments
    );
    assert_eq!(kinds.get("help.solved").copied().unwrap_or(0), want.solved);
    assert_eq!(
        kinds.get("member.joined").copied().unwrap_or(0),
        want.contributors
    );
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    let mut first_contribution: HashMap<PersonId, i64> = HashMap::new();
    for r in &rows {
        assert_eq!(r.community_id, Some(community.id));
        match r.kind.as_str() {
            "thread.help" => {
                let t = ThreadId(r.subject_id.expect("subject"));
                assert_eq!(author_of.get(&t), Some(&r.actor_id));
            }
            "reply.created" => {
                let t = ThreadId(r.parent_id.expect("a reply's parent is its thread"));
                assert_eq!(
                    r.other_id,
                    author_of.get(&t).copied(),
                    "other = the thread's author"
                );
            }
            "help.solved" => {
                let t = ThreadId(r.subject_id.expect("subject"));
                assert_eq!(r.actor_id, author_of[&t], "the asker marks it");
                assert_eq!(
                    r.other_id,
                    helper_of.get(&t).copied(),
                    "other = the answerer"
                );
            }
            _ => {}
        }
        if r.kind.as_str() != "member.joined" && r.kind.as_str() != "help.solved" {
            let e = first_contribution.entry(r.actor_id).or_insert(r.at);
            *e = (*e).min(r.at);
        }
    }
    for r in rows.iter().filter(|r| r.kind.as_str() == "member.joined") {
        assert_eq!(
            first_contribution.get(&r.actor_id),
            Some(&r.at),
            "joined at the first contribution"
        );
    }
    for t in threads.items.iter().filter(|t| t.solved_reply_id.is_some()) {
        let replies = store.replies(t.id).await.expect("replies");
        let solution = replies
            .iter()
            .find(|r| Some(r.id) == t.solved_reply_id)
            .expect("the solution is one of the thread's replies");
        assert_eq!(Some(solution.author_id), t.helper_id);
        assert!(
            t.solved_at >= Some(solution.created_at),
            "solved no earlier than answered"
        );
    }

    // Imported text is searchable.
    let sample = &threads.items[0];
    let word = sample
        .title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 5)
        .max_by_key(|w| w.len())
        .expect("a long word in a title")
        .to_lowercase();
    let hits = store
        .search(
            sample.author_id,
            &SearchQuery {
                terms: vec![word.clone()],
                community: Some(community.id),
                limit: 50,
                ..SearchQuery::default()
            },
        )
        .await
        .expect("search");
    assert!(hits.total > 0, "'{word}' finds the imported thread");
}

#[tokio::test]
async fn ai_2016_counts_and_relationships_match_the_files() {
    counts_and_relationships_match_the_files(AI, None).await;
}

#[tokio::test]
async fn conlang_meta_2020_counts_and_relationships_match_the_files() {
    counts_and_relationships_match_the_files(CONLANG, None).await;
}

/// Answers, comments and authors found in the database among earlier
/// chunks, not only in the chunk being imported: 1,279 posts in 183 chunks.
#[tokio::test]
async fn ai_2016_in_small_chunks_matches_the_files_too() {
    counts_and_relationships_match_the_files(AI, Some(7)).await;
}

#[tokio::test]
async fn importing_twice_changes_nothing() {
    let store = guildhall_testkit::fresh_store().await;
    let dir = fixture(CONLANG);
    let first = run(&store, &dir, &Options::default()).await.expect("first");
    assert!(first.threads > 0);
    let before = snapshot(&store).await;
    // What was imported is recognised in every chunk.
    let small_chunks = Options {
        chunk_rows: Some(5),
        ..Options::default()
    };
    let again = run(&store, &dir, &small_chunks).await.expect("second");
    assert_eq!(snapshot(&store).await, before);
    assert_eq!(
        (
            again.threads,
            again.replies,
            again.solved,
            again.people_created
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(again.written, Default::default());
    assert_eq!(again.community_slug, CONLANG);
}

/// A row repeated in a later chunk of its file (a concatenated or
/// re-exported dump) is imported once.
#[tokio::test]
async fn a_row_repeated_further_on_is_imported_once() {
    let store = guildhall_testkit::fresh_store().await;
    let dir = copy_of(CONLANG);
    let want = expected(&dir);
    for (file, tag) in [("Posts.xml", "PostTypeId=\"1\""), ("Comments.xml", "<row ")] {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).expect("read");
        let row = text
            .lines()
            .find(|l| l.contains(tag))
            .expect("a row to repeat")
            .to_owned();
        let end = text.rfind("</").expect("the closing tag");
        let repeated = format!("{}{row}\n{}", &text[..end], &text[end..]);
        std::fs::write(&path, repeated).expect("write");
    }
    let small_chunks = Options {
        chunk_rows: Some(5),
        ..Options::default()
    };
    let summary = run(&store, &dir, &small_chunks).await.expect("import");
    assert_eq!(summary.threads as usize, want.questions);
    assert_eq!(summary.replies as usize, want.answers + want.comments);
    assert_eq!(summary.skipped.get("questions already imported"), Some(&1));
    assert_eq!(summary.skipped.get("comments already imported"), Some(&1));
}

#[tokio::test]
async fn a_dry_run_reports_what_a_real_run_writes_and_writes_nothing() {
    let store = guildhall_testkit::fresh_store().await;
    let dir = fixture(CONLANG);
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
    assert!(store.community_by_slug(CONLANG).await.is_err());
    let real = run(&store, &dir, &Options::default())
        .await
        .expect("real run");
    assert_eq!(
        (
            dry.threads,
            dry.replies,
            dry.solved,
            dry.people_created,
            dry.members_added
        ),
        (
            real.threads,
            real.replies,
            real.solved,
            real.people_created,
            real.members_added
        )
    );
    assert_eq!(dry.written, real.written);
    assert!(real.written.activity > 0);
}

#[tokio::test]
async fn accounts_seen_on_another_site_are_the_same_person() {
    let store = guildhall_testkit::fresh_store().await;
    run(&store, &fixture(CONLANG), &Options::default())
        .await
        .expect("conlang");
    let ai = run(&store, &fixture(AI), &Options::default())
        .await
        .expect("ai");
    let both = expected(&fixture(CONLANG))
        .account_ids
        .intersection(&expected(&fixture(AI)).account_ids)
        .count();
    assert!(both > 0, "the fixtures share accounts");
    assert_eq!(ai.people_matched as usize, both);
}

#[tokio::test]
async fn an_existing_community_is_used_and_a_missing_one_refused() {
    let store = guildhall_testkit::fresh_store().await;
    let dir = fixture(CONLANG);
    let err = run(
        &store,
        &dir,
        &Options {
            community: Some("nowhere".into()),
            ..Options::default()
        },
    )
    .await
    .expect_err("no such community");
    assert!(
        err.to_string().contains("there is no community 'nowhere'"),
        "{err}"
    );
    assert_eq!(store.count_people().await.expect("people"), 0);

    run(&store, &fixture(AI), &Options::default())
        .await
        .expect("ai");
    let target = store.community_by_slug(AI).await.expect("ai community");
    let s = run(
        &store,
        &dir,
        &Options {
            community: Some(AI.into()),
            ..Options::default()
        },
    )
    .await
    .expect("into the ai community");
    assert_eq!(s.community_id, target.id);
    assert!(
        store.community_by_slug(CONLANG).await.is_err(),
        "no community made for the site"
    );
    let help = ThreadFilter {
        kind: Some(ThreadKind::Help),
        ..ThreadFilter::default()
    };
    let total = store
        .threads(target.id, &help, 1, 0)
        .await
        .expect("threads")
        .total as usize;
    assert_eq!(
        total,
        expected(&fixture(AI)).questions + expected(&dir).questions
    );
}

#[tokio::test]
async fn the_pulse_counts_imported_help_requests() {
    let store = guildhall_testkit::fresh_store().await;
    let dir = fixture(CONLANG);
    run(&store, &dir, &Options::default())
        .await
        .expect("import");
    let as_of = "2019-01-01T00:00:00Z";
    let t = crate::dump::unix("2019-01-01T00:00:00");
    let window =
        guildhall_app::pulse::PulseWindow::parse(Some(as_of), Some("365")).expect("window");
    let app = guildhall_app::App::new(store, guildhall_app::Config::default());
    let reports = app.all_pulses(Some(CONLANG), window).await.expect("pulse");
    let record = reports[0].record().figures.help_requests;
    let in_window = expected(&dir)
        .question_times
        .values()
        .filter(|at| **at >= t - 365 * 86_400 && **at < t)
        .count();
    assert!(in_window > 0);
    assert_eq!(record, in_window as i64);
}

/// Rows are written in batches in the background while the next batch is
/// read: a batch the database refuses still fails the run, and nothing of
/// it (nor of the batches before and after) remains.
#[tokio::test]
async fn a_batch_refused_by_the_database_while_reading_on_leaves_nothing() {
    let store = guildhall_testkit::fresh_store().await;
    // Enough users for several batches (three rows each: person, account,
    // source id); the first one's made-up address is already taken.
    let root = guildhall_testkit::Scratch::new("import-batches");
    let dir = root.join("batches.stackexchange.com");
    std::fs::create_dir_all(&dir).expect("dir");
    let mut users = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<users>\n");
    for id in 1..=25_000 {
        users.push_str(&format!(
            "  <row Id=\"{id}\" CreationDate=\"2020-01-01T00:00:00.000\" DisplayName=\"user {id}\" AccountId=\"{}\" />\n",
            900_000 + id
        ));
    }
    users.push_str("</users>\n");
    std::fs::write(dir.join("Users.xml"), users).expect("users");
    std::fs::write(
        dir.join("Posts.xml"),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<posts>\n</posts>\n",
    )
    .expect("posts");
    store
        .create_person(&crate::dump::person(
            "Already here",
            "account-900001@stackexchange.invalid",
        ))
        .await
        .expect("person");
    let before = snapshot(&store).await;
    let err = run(&store, &dir, &Options::default())
        .await
        .expect_err("the taken address stops the run");
    assert!(
        matches!(err, ImportError::Store(_)) && err.to_string().contains("email"),
        "{err}"
    );
    assert_eq!(snapshot(&store).await, before);
    assert_eq!(store.count_people().await.expect("people"), 1);
    assert!(
        store
            .community_by_slug("batches-stackexchange-com")
            .await
            .is_err()
    );
}

/// Remembers the steps an import reports after its files.
#[derive(Default)]
struct Steps(Vec<String>, usize);

impl guildhall_import::progress::Progress for Steps {
    fn start(&mut self, _: &str, _: u64) {}
    fn advance(&mut self, _: u64, _: u64) {}
    fn finish(&mut self, _: u64) {}
    fn step(&mut self, what: &str) {
        self.0.push(what.to_owned());
    }
    fn steps_done(&mut self) {
        self.1 += 1;
    }
}

#[tokio::test]
async fn the_steps_after_the_files_are_reported() {
    let store = guildhall_testkit::fresh_store().await;
    let dir = fixture(AI);
    let mut dry = Steps::default();
    let opts = Options {
        dry_run: true,
        ..Options::default()
    };
    import(&store, &dir, &opts, &mut dry)
        .await
        .expect("dry run");
    let mut real = Steps::default();
    import(&store, &dir, &Options::default(), &mut real)
        .await
        .expect("import");
    let sqlite = !store.is_postgres();
    let mut want = vec!["writing the last rows"];
    if sqlite {
        // The fixture fills an empty database: its indexes are rebuilt
        // once, and its documents indexed for search in one pass.
        want.push("rebuilding indexes");
    }
    want.push("counting replies");
    if sqlite {
        want.push("indexing for search");
    }
    let mut committed = want.clone();
    committed.push("committing");
    let mut rolled_back = want;
    rolled_back.push("rolling back");
    assert_eq!(real.0, committed);
    assert_eq!(dry.0, rolled_back);
    assert_eq!((real.1, dry.1), (1, 1), "the last step is closed once");
}

/// Rewrites the `<row …/>` lines of `file` in `dir` with `edit` (which
/// returns the line to keep, or `None` to drop it), then inserts `at_end`
/// before the closing tag. Line endings are kept as they are.
fn rewrite_rows(
    dir: &std::path::Path,
    file: &str,
    mut edit: impl FnMut(&str) -> Option<String>,
    at_end: &[String],
) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("</") {
            out.extend(at_end.iter().map(String::as_str));
        }
        if line.trim_start().starts_with("<row ") {
            out.push_str(&edit(line).unwrap_or_default());
        } else {
            out.push_str(line);
        }
    }
    std::fs::write(&path, out).expect("write");
}

/// `line` with attribute `name` set to `value` where it is `from`.
fn renamed(line: &str, name: &str, from: &str, value: &str) -> String {
    line.replacen(
        &format!(" {name}=\"{from}\""),
        &format!(" {name}=\"{value}\""),
        1,
    )
}

/// A copy of the dump `name` in which each of `questions` comes after its
/// answers in Posts.xml, as a question that other questions were merged
/// into after they had their answers: it takes a new id above every
/// post's, which its answers' ParentId and the comments and votes on it
/// name, and its row moves to the end of the file.
fn questions_after_their_answers(name: &str, questions: &[&str]) -> InScratch {
    let dir = copy_of(name);
    let posts = std::fs::read_to_string(dir.join("Posts.xml")).expect("posts");
    let newest = posts
        .lines()
        .filter_map(|l| attr(l, "Id")?.parse::<i64>().ok())
        .max()
        .expect("posts");
    let new_id: HashMap<String, String> = questions
        .iter()
        .zip(newest + 1..)
        .map(|(q, id)| ((*q).to_owned(), id.to_string()))
        .collect();
    let mut moved = Vec::new();
    rewrite_rows(
        &dir,
        "Posts.xml",
        |line| {
            let id = attr(line, "Id").expect("Id");
            if attr(line, "PostTypeId").as_deref() == Some("1")
                && let Some(new) = new_id.get(&id)
            {
                moved.push(renamed(line, "Id", &id, new));
                return None;
            }
            Some(
                match attr(line, "ParentId").and_then(|p| Some((new_id.get(&p)?, p))) {
                    Some((new, old)) => renamed(line, "ParentId", &old, new),
                    None => line.to_owned(),
                },
            )
        },
        &[],
    );
    assert_eq!(
        moved.len(),
        questions.len(),
        "every question is in the dump"
    );
    // The moved rows go to the end in a second pass: rewrite_rows needs
    // them before it reaches the closing tag.
    rewrite_rows(&dir, "Posts.xml", |line| Some(line.to_owned()), &moved);
    for file in ["Comments.xml", "Votes.xml"] {
        rewrite_rows(
            &dir,
            file,
            |line| {
                Some(
                    match attr(line, "PostId").and_then(|p| Some((new_id.get(&p)?, p))) {
                        Some((new, old)) => renamed(line, "PostId", &old, new),
                        None => line.to_owned(),
                    },
                )
            },
            &[],
        );
    }
    dir
}

/// Events as lines to compare between imports: what happened when, by
/// whom, to whom, in which thread (by title).
async fn events(store: &Store, community: CommunityId) -> Vec<String> {
    let threads = store
        .threads(community, &ThreadFilter::default(), 100_000, 0)
        .await
        .expect("threads");
    let title: HashMap<ThreadId, &str> = threads
        .items
        .iter()
        .map(|t| (t.id, t.title.as_str()))
        .collect();
    let rows = store
        .activity_after(ActivityId(0), 10_000_000)
        .await
        .expect("activity");
    let mut out: Vec<String> = rows
        .iter()
        .map(|r| {
            let thread = match r.kind.as_str() {
                "reply.created" => r.parent_id,
                "thread.help" | "help.solved" => r.subject_id,
                _ => None,
            };
            format!(
                "{} {} by {} to {:?} in {:?} of {:?}",
                r.at,
                r.kind,
                r.actor_id,
                r.other_id,
                thread.and_then(|t| title.get(&ThreadId(t))),
                r.community_id
            )
        })
        .collect();
    out.sort();
    out
}

/// Imports `dir`, made from the fixture `name`, and the fixture itself,
/// each into a fresh database with `opts`, and checks that they come to
/// the same: the summary, the conversations and the events. Returns the
/// database `dir` went into and its summary.
async fn same_as_in_order(name: &str, dir: &std::path::Path, opts: &Options) -> (Store, Summary) {
    let in_order = guildhall_testkit::fresh_store().await;
    let want = run(&in_order, &fixture(name), opts)
        .await
        .expect("in order");
    let store = guildhall_testkit::fresh_store().await;
    let got = run(&store, dir, opts).await.expect("out of order");
    assert_eq!(outcome(&got), outcome(&want), "{got}\nin order: {want}");
    assert_eq!(
        conversations(&store, &[got.community_id]).await,
        conversations(&in_order, &[want.community_id]).await
    );
    assert_eq!(
        events(&store, got.community_id).await,
        events(&in_order, want.community_id).await
    );
    (store, got)
}

/// An answer read before its question (a question merged into another
/// after it had answers can have a higher id than them, and a dump lists
/// posts by id) joins the question's thread, with the comments on it,
/// and the question's accepted answer solves it: the same import as the
/// dump in order.
#[tokio::test]
async fn answers_before_their_question_join_its_thread() {
    // Question 1 of the meta site: three answers, the accepted one (2)
    // with seven comments and an accept vote.
    let dir = questions_after_their_answers(CONLANG, &["1"]);
    let want = expected(&dir);
    let (store, summary) = same_as_in_order(CONLANG, &dir, &Options::default()).await;
    assert_eq!(summary.replies as usize, want.answers + want.comments);
    assert_eq!(summary.solved as usize, want.solved);
    assert!(
        summary
            .skipped
            .keys()
            .all(|k| !k.starts_with("answers to a")),
        "{summary}"
    );

    let posts = std::fs::read_to_string(dir.join("Posts.xml")).expect("posts");
    let question = posts
        .lines()
        .rfind(|l| l.trim_start().starts_with("<row "))
        .expect("the moved question");
    let title = attr(question, "Title")
        .expect("title")
        .replace("&quot;", "\"");
    let threads = store
        .threads(summary.community_id, &ThreadFilter::default(), 100_000, 0)
        .await
        .expect("threads");
    let thread = threads
        .items
        .iter()
        .find(|t| t.title == title)
        .expect("the moved question's thread");
    let replies = store.replies(thread.id).await.expect("replies");
    let answers = replies.iter().filter(|r| r.reply_to.is_none()).count();
    // Three answers and the two comments on the question answer the thread.
    assert_eq!(answers, 3 + 2, "{replies:#?}");
    let solution = thread
        .solved_reply_id
        .expect("solved by its accepted answer");
    assert_eq!(
        replies
            .iter()
            .filter(|r| r.reply_to == Some(solution))
            .count(),
        7,
        "the comments on the accepted answer reply to it"
    );
    assert_eq!(thread.reply_count as usize, replies.len());

    // The answer is found by search, in the question's thread.
    let answer = replies
        .iter()
        .find(|r| r.id == solution)
        .expect("the solution");
    let word = answer
        .body
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.len() > 7)
        .max_by_key(|w| w.len())
        .expect("a long word")
        .to_lowercase();
    let hits = store
        .search(
            thread.author_id,
            &SearchQuery {
                terms: vec![word.clone()],
                community: Some(summary.community_id),
                limit: 50,
                ..SearchQuery::default()
            },
        )
        .await
        .expect("search");
    assert!(
        hits.items.iter().any(|h| h.kind.as_str() == "reply"
            && h.ref_id == solution.0
            && h.thread_id == Some(thread.id)),
        "'{word}' finds the answer in its thread: {:?}",
        hits.items
    );
}

/// The same across chunks, with more answers waiting than a chunk holds:
/// every answer of the larger dump comes before its question when the
/// file is read backwards.
#[tokio::test]
async fn every_answer_before_its_question_in_small_chunks() {
    let dir = copy_of(AI);
    let posts = std::fs::read_to_string(dir.join("Posts.xml")).expect("posts");
    let mut rows: Vec<String> = posts
        .split_inclusive('\n')
        .filter(|l| l.trim_start().starts_with("<row "))
        .map(str::to_owned)
        .collect();
    rows.reverse();
    rewrite_rows(&dir, "Posts.xml", |_| None, &rows);
    let opts = Options {
        chunk_rows: Some(7),
        ..Options::default()
    };
    let (_, summary) = same_as_in_order(AI, &dir, &opts).await;
    let want = expected(&dir);
    assert_eq!(summary.threads as usize, want.questions);
    assert_eq!(summary.replies as usize, want.answers + want.comments);
    assert_eq!(summary.solved as usize, want.solved);
}

/// Several questions after their answers, in chunks smaller than a
/// question's answers; a dry run says what the run writes, and a second
/// run writes nothing.
#[tokio::test]
async fn answers_before_their_question_in_a_dry_run_and_a_second_run() {
    let dir = questions_after_their_answers(AI, &["17", "36", "111", "182", "191", "1295"]);
    let opts = Options {
        chunk_rows: Some(4),
        ..Options::default()
    };
    let (store, real) = same_as_in_order(AI, &dir, &opts).await;

    let fresh = guildhall_testkit::fresh_store().await;
    let dry = run(
        &fresh,
        &dir,
        &Options {
            dry_run: true,
            ..opts.clone()
        },
    )
    .await
    .expect("dry run");
    assert_eq!(dry.written, real.written);
    assert_eq!(
        (dry.threads, dry.replies, dry.solved, dry.members_added),
        (real.threads, real.replies, real.solved, real.members_added)
    );
    assert_eq!(fresh.count_people().await.expect("people"), 0);

    let before = snapshot(&store).await;
    let again = run(&store, &dir, &opts).await.expect("second run");
    assert_eq!(snapshot(&store).await, before);
    assert_eq!(again.written, Default::default());
    assert_eq!((again.threads, again.replies, again.solved), (0, 0, 0));
    assert_eq!(
        again.skipped.get("answers already imported").copied(),
        Some(expected(&dir).answers as u64)
    );
}

/// An answer whose question is not in the dump at all is still skipped,
/// with the comments on it.
#[tokio::test]
async fn an_answer_whose_question_never_comes_is_skipped() {
    let dir = questions_after_their_answers(CONLANG, &["1"]);
    // Answer 10 (to question 1, with five comments) names a question
    // deleted from the dump.
    rewrite_rows(
        &dir,
        "Posts.xml",
        |line| {
            Some(match attr(line, "Id").as_deref() {
                Some("10") => {
                    let parent = attr(line, "ParentId").expect("an answer");
                    renamed(line, "ParentId", &parent, "99999")
                }
                _ => line.to_owned(),
            })
        },
        &[],
    );
    let want = expected(&dir);
    let comments = std::fs::read_to_string(dir.join("Comments.xml"))
        .expect("comments")
        .matches("<row ")
        .count();
    for chunk_rows in [None, Some(3)] {
        let store = guildhall_testkit::fresh_store().await;
        let opts = Options {
            chunk_rows,
            ..Options::default()
        };
        let summary = run(&store, &dir, &opts).await.expect("import");
        assert_eq!(summary.threads as usize, want.questions);
        assert_eq!(summary.replies as usize, want.answers + want.comments);
        assert_eq!(summary.solved as usize, want.solved);
        let missing: u64 = summary
            .skipped
            .iter()
            .filter(|(k, _)| k.starts_with("answers to a question missing"))
            .map(|(_, n)| *n)
            .sum();
        assert_eq!(missing, 1, "{summary}");
        assert_eq!(
            summary
                .skipped
                .get("comments on posts not imported (tag wikis, deleted or skipped posts)")
                .copied(),
            Some((comments - want.comments) as u64),
            "{summary}"
        );
    }
}
