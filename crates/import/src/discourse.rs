//! A folder of Discourse topic documents, as its public JSON API serves
//! them (`/t/{id}.json`, one file per topic, any file name ending in
//! `.json`), with an optional `categories.json` (`/categories.json`) that
//! names the categories. A dump of the public API that keeps the topic
//! documents in a `topics/` folder beside `categories.json` is read the
//! same way; other files (checksums such as `SHA256SUMS` or `*.md5`, a
//! README, other API answers) are not read, and the summary counts them.
//!
//! Mapping:
//! - categories → communities: one per category, created on its first
//!   topic, with the address `discourse-<category slug>` and the category's
//!   name and description (`categories.json`; without it, or for a
//!   category it does not list, `category-<id>`). With `--community SLUG`
//!   every topic goes into that existing community instead, and the
//!   category's slug joins the thread's tags: tags are how a thread says
//!   what it is about (Stack Exchange tags land there too); knowledge
//!   domains belong to communities, not threads.
//! - topics → threads: title, the opening post as body, tags (plain
//!   strings or `{id, name, slug}` objects, as newer versions write them).
//!   A topic with an accepted answer, or in a category named like a Q&A
//!   one (help, support, questions, …), is a help request; any other a
//!   discussion.
//! - posts after the first → replies, in post-number order; a post's
//!   `reply_to_post_number` becomes the reply it answers (replying to post
//!   1 is replying to the thread). A reply to a post that was not imported
//!   (deleted, skipped, beyond the document's first page) attaches to the
//!   thread and the summary notes it.
//! - the accepted answer (the solved plugin's topic-level
//!   `accepted_answer.post_number`, else the post flagged
//!   `accepted_answer: true`) → the help request is solved: the answer's
//!   author is the helper, marked by the asker (the document does not say
//!   who accepted) at the answer's time (nor when).
//! - likes → not imported. The public JSON gives a count per post, not who
//!   liked it, and a thank-you needs a giver: the summary notes the count
//!   instead of inventing thankers.
//! - users → people. The public JSON has user ids and usernames but no
//!   email, so a user is a person of this forum by user id (recorded for
//!   later runs, with an alias of source `discourse`, account
//!   `<forum>/<user id>`, keeping the username); they get a made-up
//!   address under the reserved `.invalid` domain and cannot sign in until
//!   an administrator merges or invites them. Posts without a user (deleted
//!   accounts) go to one "deleted user" placeholder per forum. Everyone
//!   joins each community at their first contribution there.
//! - skipped, with the reason in the summary: private messages (never
//!   imported: they were not public), deleted topics and posts, hidden
//!   (flagged) posts, small-action and moderator-action posts (events and
//!   notices such as "closed" or "pinned", not contributions), whispers
//!   (staff-only).
//! - a document holding only its first page of posts (its
//!   `post_stream.stream` lists more post ids than `post_stream.posts`
//!   holds, as `/t/{id}.json` does past 20 posts) is imported with what it
//!   has; the summary counts the posts left out and the topics, and a
//!   warning names each file. Running the import again on complete
//!   documents adds the missing posts to the same threads.
//!
//! The forum is known by its address, which keys the recorded source ids
//! (so importing it again changes nothing, and two forums never share
//! them): `--site URL` when given, else the host name its documents carry
//! (avatar paths name it), else — and the summary says so — the folder's
//! name, which two forums saved in folders of the same name would share.
//! Forums imported before this keyed them by their folder's name: pass
//! `--site <that name>` to continue such an import.
//!
//! Text: a post's `raw` Markdown when the document has it (Guildhall's own
//! format); else its `cooked` HTML, which the renderer passes through its
//! cleaner, less the images only the forum could serve (emoji, avatars),
//! which give way to their alt text (`:tada:`).
//!
//! Memory: topic documents are read a chunk at a time; what a chunk refers
//! to (users, topics and posts of earlier runs) is looked up in the
//! import's transaction.
//! A file that is not UTF-8 JSON of the expected shape stops the import
//! with its name, line, column and byte offset, and nothing of the run
//! remains.

use crate::progress::Progress;
use crate::shared::{activity, numbered, source_ids, truncate_chars};
use crate::{ImportError, Summary, SummaryCommunity, html};
use guildhall_domain::text::Slug;
use guildhall_domain::{
    ActivityKind, CommunityId, MembershipPolicy, PersonId, ReplyId, Stage, ThreadId, ThreadKind,
    Timestamp, Visibility, markdown,
};
use guildhall_store::{
    BulkSolution, ImportPerson, ImportSession, NewCommunity, NewReply, NewThread, Store,
};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Deserializer};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

pub const SOURCE: &str = "discourse";

/// The file that names the categories, read when present.
const CATEGORIES_FILE: &str = "categories.json";

/// The folder of topic documents in a dump of the public API, beside
/// `categories.json`.
const TOPICS_DIR: &str = "topics";

/// Topic documents searched for the forum's address before giving up.
const SITE_PROBE_FILES: usize = 20;

/// The longest title kept.
const TITLE_MAX: usize = 300;

/// Words of a category's name or slug that make its topics help requests.
const QA_WORDS: &[&str] = &[
    "help",
    "support",
    "question",
    "questions",
    "qa",
    "q",
    "ask",
    "troubleshooting",
    "howto",
];

/// Options of `guildhall import discourse`.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Import every category into this existing community instead of one
    /// community per category.
    pub community: Option<String>,
    /// Do everything, then roll it back.
    pub dry_run: bool,
    /// Topic documents a chunk (default [`CHUNK_TOPICS`]); tests use small
    /// ones.
    pub chunk_topics: Option<usize>,
    /// The forum's address (`https://forum.example.org` or its host name),
    /// which keys what is recorded of it; by default the address its
    /// documents carry, else the folder's name.
    pub site: Option<String>,
}

/// Topic documents read before a chunk's lookups and writes: what the
/// chunk's topics refer to (their threads and posts if imported before,
/// their users) is looked up once for the chunk, so nothing the importer
/// keeps grows with the forum.
const CHUNK_TOPICS: usize = 500;
const CHUNK_BYTES: u64 = 8 << 20;

// ---- The documents, as far as the import reads them. Unknown fields are
// ignored: every Discourse version adds some.

#[derive(Deserialize)]
struct TopicDoc {
    id: i64,
    title: Option<String>,
    fancy_title: Option<String>,
    #[serde(deserialize_with = "iso_time")]
    created_at: i64,
    category_id: Option<i64>,
    tags: Option<Vec<Tag>>,
    archetype: Option<String>,
    accepted_answer: Option<Accepted>,
    deleted_at: Option<IgnoredAny>,
    post_stream: PostStream,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Tag {
    Name(String),
    Object {
        name: Option<String>,
        slug: Option<String>,
    },
}

/// The solved plugin's topic-level accepted answer; other shapes (older
/// plugins wrote `true`) say nothing about which post.
#[derive(Deserialize)]
#[serde(untagged)]
enum Accepted {
    Post { post_number: i64 },
    Other(IgnoredAny),
}

#[derive(Deserialize)]
struct PostStream {
    posts: Vec<Post>,
    #[serde(default)]
    stream: Vec<i64>,
}

#[derive(Deserialize)]
struct Post {
    id: i64,
    name: Option<String>,
    username: Option<String>,
    user_id: Option<i64>,
    #[serde(deserialize_with = "iso_time")]
    created_at: i64,
    cooked: Option<String>,
    raw: Option<String>,
    post_number: i64,
    post_type: Option<i64>,
    reply_to_post_number: Option<i64>,
    actions_summary: Option<Vec<ActionSummary>>,
    like_count: Option<i64>,
    accepted_answer: Option<bool>,
    deleted_at: Option<IgnoredAny>,
    hidden: Option<bool>,
    user_deleted: Option<bool>,
    /// The text and its plain text ([`body`]), made while the chunk is
    /// read so that it is done while the chunk before is written.
    #[serde(skip)]
    text: (String, String),
}

#[derive(Deserialize)]
struct ActionSummary {
    id: i64,
    count: Option<i64>,
}

#[derive(Deserialize)]
struct CategoriesDoc {
    category_list: CategoryList,
}

#[derive(Deserialize)]
struct CategoryList {
    categories: Vec<CategoryDoc>,
}

#[derive(Deserialize)]
struct CategoryDoc {
    id: i64,
    name: Option<String>,
    slug: Option<String>,
    description_text: Option<String>,
    /// Listed with `?include_subcategories=true`.
    subcategory_list: Option<Vec<CategoryDoc>>,
}

/// Discourse writes ISO 8601 times with milliseconds (`…T09:14:27.512Z`).
fn iso_time<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let s = String::deserialize(d)?;
    Timestamp::parse_rfc3339(&s)
        .map(|t| t.0)
        .map_err(serde::de::Error::custom)
}

/// A category as the import names it.
#[derive(Clone)]
struct Category {
    name: String,
    slug: String,
    description: String,
}

impl Category {
    fn unnamed(id: Option<i64>) -> Self {
        let slug = match id {
            Some(id) => format!("category-{id}"),
            None => "uncategorized".to_owned(),
        };
        Category {
            name: slug.clone(),
            slug,
            description: String::new(),
        }
    }

    fn looks_like_qa(&self) -> bool {
        let name = self.name.to_lowercase();
        name.contains("q&a")
            || [name.as_str(), &self.slug.to_lowercase()]
                .iter()
                .flat_map(|s| s.split(|c: char| !c.is_alphanumeric()))
                .any(|w| QA_WORDS.contains(&w))
    }
}

/// Why a post (after the first) is not imported, if it is not.
fn skip_reason(p: &Post) -> Option<String> {
    match p.post_type.unwrap_or(1) {
        1 => {}
        2 => return Some(
            "moderator-action posts (notices such as \"this topic was closed\", not contributions)"
                .into(),
        ),
        3 => return Some("small-action posts (topic events: closed, pinned, moved, …)".into()),
        4 => return Some("whispers (staff-only posts)".into()),
        other => return Some(format!("posts of unknown post_type {other}")),
    }
    if p.deleted_at.is_some() || p.user_deleted == Some(true) {
        return Some("deleted posts".into());
    }
    if p.hidden == Some(true) {
        return Some("hidden posts (flagged by the community)".into());
    }
    None
}

/// A post's likes: `actions_summary` entry 2, or `like_count` where the
/// forum has it.
fn likes(p: &Post) -> u64 {
    let summary: i64 = p
        .actions_summary
        .iter()
        .flatten()
        .filter(|a| a.id == 2)
        .filter_map(|a| a.count)
        .sum();
    summary.max(p.like_count.unwrap_or(0)).max(0) as u64
}

/// Body as stored, and its plain text for the search index.
fn body(p: &Post) -> (String, String) {
    if let Some(raw) = p.raw.as_deref().filter(|r| !r.trim().is_empty()) {
        return (raw.to_owned(), markdown::plain_text(raw));
    }
    let cooked = html::without_local_images(p.cooked.as_deref().unwrap_or_default());
    let plain = html::plain_text(&cooked);
    (cooked, plain)
}

/// Gives every post of `doc` its text, dropping the source forms.
fn convert_posts(doc: &mut TopicDoc) {
    for post in &mut doc.post_stream.posts {
        post.text = body(post);
        post.raw = None;
        post.cooked = None;
    }
}

fn tag_list(doc: &TopicDoc, category: Option<&str>) -> String {
    let mut seen = HashSet::new();
    doc.tags
        .iter()
        .flatten()
        .filter_map(|t| match t {
            Tag::Name(n) => Some(n.as_str()),
            Tag::Object { slug, name } => slug.as_deref().or(name.as_deref()),
        })
        .chain(category)
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty() && seen.insert(t.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads and parses one JSON document, turning every way it can be wrong
/// into an error that names the place and what was expected.
fn read_json<T: DeserializeOwned>(path: &Path, expected: &str) -> Result<(T, u64), ImportError> {
    let bytes = std::fs::read(path).map_err(|e| ImportError::Io {
        file: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let size = bytes.len() as u64;
    let malformed = |offset: usize, line: u64, message: String| ImportError::Malformed {
        file: path.to_path_buf(),
        line,
        offset: offset as u64,
        message: format!("{message}; {}", crate::DAMAGED),
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(malformed(
            0,
            1,
            format!(
                "UTF-16 text (byte order mark): expected {expected} in UTF-8, as Discourse serves it; convert the file to UTF-8"
            ),
        ));
    }
    // JSON text without a byte order mark whose first characters are ASCII
    // has a zero byte beside each of them in UTF-16.
    if bytes.iter().take(4).any(|b| *b == 0) {
        return Err(malformed(
            0,
            1,
            format!(
                "zero bytes (UTF-16 without a byte order mark, or binary data): expected {expected} in UTF-8"
            ),
        ));
    }
    let skip = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    let text = std::str::from_utf8(&bytes[skip..]).map_err(|e| {
        let at = skip + e.valid_up_to();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() as u64 + 1;
        let column = at - bytes[..at].iter().rposition(|b| *b == b'\n').map_or(0, |n| n + 1) + 1;
        malformed(
            at,
            line,
            format!(
                "column {column}: byte 0x{:02X} is not UTF-8 (Latin-1 or another 8-bit encoding?): expected {expected} in UTF-8",
                bytes.get(at).copied().unwrap_or_default()
            ),
        )
    })?;
    let doc = serde_json::from_str(text).map_err(|e| {
        // serde_json counts lines from 1 and columns in bytes from 1.
        let line_start: usize = text
            .split_inclusive('\n')
            .take(e.line().max(1) - 1)
            .map(str::len)
            .sum();
        let mut at = (line_start + e.column().saturating_sub(1)).min(text.len());
        // A value refused by its type (a time that is not one), when it is
        // the last of its object, is reported at the object's end, on the
        // next line of a pretty-printed file: point at the value's last
        // byte instead. A missing field belongs at the object's end.
        let what = e.to_string();
        if e.classify() == serde_json::error::Category::Data
            && e.column() <= 1
            && !what.starts_with("missing field")
        {
            let before = text.as_bytes()[..at].iter().rev();
            at -= before.take_while(|b| b.is_ascii_whitespace()).count();
            at = at.saturating_sub(1);
        }
        let line = text.as_bytes()[..at]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        let column = at - text[..at].rfind('\n').map_or(0, |n| n + 1) + 1;
        let offset = skip + at;
        let what = what
            .rsplit_once(" at line ")
            .map_or(what.as_str(), |(m, _)| m);
        let what = if e.is_eof() {
            format!("the file ends too early (truncated?): {what}")
        } else {
            what.to_owned()
        };
        malformed(
            offset,
            line as u64,
            format!("column {column}: {what}; expected {expected}"),
        )
    })?;
    Ok((doc, size))
}

/// A thread of this forum, imported now or by an earlier run.
#[derive(Clone)]
struct ThreadInfo {
    id: ThreadId,
    community: CommunityId,
    author: PersonId,
    title: String,
    solved: bool,
}

struct Run<'a> {
    session: &'a mut ImportSession,
    progress: &'a mut dyn Progress,
    site: String,
    /// The address part of made-up emails: `<forum>.discourse.invalid`.
    email_domain: String,
    summary: Summary,
    /// `--community`: every topic goes there.
    target: Option<CommunityId>,
    categories: HashMap<i64, Category>,
    /// Category (None: a topic without one) → index in summary.communities.
    community_of: HashMap<Option<i64>, usize>,
    /// Category → community made by an earlier run.
    earlier_communities: HashMap<Option<i64>, CommunityId>,
    chunk_topics: usize,
    /// The chunk's users → people (known before it, or made by it).
    users: HashMap<i64, PersonId>,
    /// The chunk's alias accounts of this source already tied to people.
    aliases: HashMap<String, PersonId>,
    placeholder: Option<PersonId>,
    /// The chunk's topics → their threads, imported now or by an earlier
    /// run (a topic saved twice in the folder is imported once).
    threads: HashMap<i64, ThreadInfo>,
    /// The chunk's posts → their replies, imported now or by an earlier run.
    posts: HashMap<i64, ReplyId>,
    likes: u64,
}

/// Imports the topic documents in `dir`. On any error nothing of the run
/// remains.
pub async fn import(
    store: &Store,
    dir: &Path,
    opts: &Options,
    progress: &mut dyn Progress,
) -> Result<Summary, ImportError> {
    let (files, others) = topic_files(dir)?;
    let (site, keyed_by) = forum_site(dir, opts.site.as_deref(), &files)?;
    let mut session = store.begin_import(SOURCE, &site).await?;
    let outcome = {
        let email_site = match Slug::suggest(&site) {
            s if s.is_empty() => "forum".to_owned(),
            s => s,
        };
        let mut run = Run {
            session: &mut session,
            progress,
            email_domain: format!("{email_site}.discourse.invalid"),
            site,
            summary: Summary {
                dry_run: opts.dry_run,
                ..Summary::default()
            },
            target: None,
            categories: HashMap::new(),
            community_of: HashMap::new(),
            earlier_communities: HashMap::new(),
            chunk_topics: opts.chunk_topics.unwrap_or(CHUNK_TOPICS).max(1),
            users: HashMap::new(),
            aliases: HashMap::new(),
            placeholder: None,
            threads: HashMap::new(),
            posts: HashMap::new(),
            likes: 0,
        };
        run.summary.note(&keyed_by);
        run.summary.note_many(
            "files that are not topic documents (checksums, README, other API answers): not read",
            others,
        );
        run.all(dir, &files, opts).await.map(|()| run.summary)
    };
    crate::shared::conclude(session, outcome, opts.dry_run, progress).await
}

/// The forum's identity, which keys the source ids, and how it was found:
/// `--site` (a URL or host name), else the host name the documents carry
/// (avatar paths name it: `/user_avatar/forum.example.org/…`), else the
/// folder's name — which two forums saved in folders of the same name
/// share, so the summary says so.
fn forum_site(
    dir: &Path,
    given: Option<&str>,
    files: &[PathBuf],
) -> Result<(String, String), ImportError> {
    if let Some(given) = given {
        let site = site_address(given).ok_or_else(|| {
            ImportError::Refused(format!(
                "--site '{given}': expected the forum's address, e.g. https://forum.example.org"
            ))
        })?;
        return Ok((site.clone(), format!("forum identified as {site} (--site)")));
    }
    for file in files.iter().take(SITE_PROBE_FILES) {
        let bytes = std::fs::read(file).map_err(|e| ImportError::Io {
            file: file.clone(),
            message: e.to_string(),
        })?;
        if let Some(host) = avatar_host(&bytes) {
            return Ok((
                host.clone(),
                format!("forum identified as {host} (the address its documents carry)"),
            ));
        }
    }
    let name = crate::shared::folder_name(
        dir,
        "a folder of Discourse topic documents (/t/{id}.json), or a dump with them in topics/",
        "forum",
    )?;
    Ok((
        name.clone(),
        format!(
            "forum named after its folder '{name}': its documents carry no address; pass --site URL so that forums saved in folders of the same name stay apart"
        ),
    ))
}

/// A forum's address as it keys the import: the host name (and port) of a
/// URL, lowercase.
fn site_address(text: &str) -> Option<String> {
    let t = text.trim();
    let t = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .unwrap_or(t);
    let host = t.split('/').next().unwrap_or_default().to_lowercase();
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'));
    ok.then_some(host)
}

/// The host name in a document's avatar paths
/// (`/user_avatar/<host>/<user>/…`), if any.
fn avatar_host(bytes: &[u8]) -> Option<String> {
    const MARK: &[u8] = b"/user_avatar/";
    let mut rest = bytes;
    while let Some(at) = rest.windows(MARK.len()).position(|w| w == MARK) {
        rest = &rest[at + MARK.len()..];
        let end = rest.iter().position(|b| *b == b'/' || *b == b'"')?;
        if rest.get(end) == Some(&b'/')
            && let Ok(host) = std::str::from_utf8(&rest[..end])
            && host.contains('.')
            && let Some(site) = site_address(host)
        {
            return Some(site);
        }
    }
    None
}

/// The topic documents of `dir` (or of `dir/topics`, as a dump of the
/// public API keeps them beside `categories.json`) in topic order (numeric
/// file names by number, then the rest by name), and how many other files
/// there are (checksums, README, other API answers), each logged.
fn topic_files(dir: &Path) -> Result<(Vec<PathBuf>, u64), ImportError> {
    let io = |e: std::io::Error| ImportError::Io {
        file: dir.to_path_buf(),
        message: e.to_string(),
    };
    if !dir.is_dir() {
        // The error that says what to point to.
        crate::shared::folder_name(
            dir,
            "a folder of Discourse topic documents (/t/{id}.json), or a dump with them in topics/",
            "forum",
        )?;
    }
    let nested = dir.join(TOPICS_DIR);
    let folders = if nested.is_dir() {
        vec![dir.to_path_buf(), nested]
    } else {
        vec![dir.to_path_buf()]
    };
    let topics = folders.last().cloned().unwrap_or_else(|| dir.to_path_buf());
    let mut files = Vec::new();
    let mut others = 0;
    for folder in &folders {
        for entry in std::fs::read_dir(folder).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if !path.is_file() {
                continue;
            }
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if folder == dir && name == CATEGORIES_FILE {
                continue;
            }
            if *folder == topics && name.to_ascii_lowercase().ends_with(".json") {
                files.push(path);
            } else {
                tracing::info!(file = %path.display(), "not a topic document: not read");
                others += 1;
            }
        }
    }
    let key = |p: &PathBuf| {
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        (stem.parse::<u64>().unwrap_or(u64::MAX), p.clone())
    };
    files.sort_by_cached_key(key);
    if files.is_empty() {
        return Err(ImportError::Refused(format!(
            "'{}' holds no topic documents: save each topic's /t/{{id}}.json there or in a topics/ folder inside it (and optionally /categories.json as categories.json)",
            dir.display()
        )));
    }
    Ok((files, others))
}

impl Run<'_> {
    async fn all(
        &mut self,
        dir: &Path,
        files: &[PathBuf],
        opts: &Options,
    ) -> Result<(), ImportError> {
        self.categories(dir)?;
        if let Some(slug) = &opts.community {
            let id = self.session.community_by_slug(slug).await?.ok_or_else(|| {
                ImportError::Refused(format!(
                    "there is no community '{slug}': create it first, or leave out --community to create one per category"
                ))
            })?;
            self.target = Some(id);
            self.summary.communities.push(SummaryCommunity {
                id,
                slug: slug.clone(),
                created: false,
                threads: 0,
            });
        }
        self.load_earlier_runs().await?;
        let total: u64 = files
            .iter()
            .map(|f| f.metadata().map_or(0, |m| m.len()))
            .sum();
        self.progress.start("topics", total);
        let mut read = 0u64;
        let mut files = files.iter().peekable();
        let mut n = 0u64;
        while files.peek().is_some() {
            let mut chunk = Vec::new();
            let mut bytes = 0;
            while chunk.len() < self.chunk_topics && bytes < CHUNK_BYTES {
                let Some(file) = files.next() else {
                    break;
                };
                let (mut doc, size) =
                    read_json::<TopicDoc>(file, "a Discourse topic document (/t/{id}.json)")?;
                convert_posts(&mut doc);
                chunk.push((file, doc));
                bytes += size;
                read += size;
                n += 1;
                self.progress.advance(read, n);
            }
            self.look_up(&chunk).await?;
            for (file, doc) in chunk {
                self.topic(file, doc).await?;
            }
            self.session.flush().await?;
        }
        self.progress.finish(n);
        self.summary.note_many(
            "likes on imported posts (the public JSON counts them but does not say who liked: not imported as thanks)",
            self.likes,
        );
        self.memberships().await?;
        if let Some(first) = self.summary.communities.first() {
            self.summary.community_id = first.id;
            self.summary.community_slug = first.slug.clone();
            self.summary.community_created = first.created;
        }
        Ok(())
    }

    fn categories(&mut self, dir: &Path) -> Result<(), ImportError> {
        let path = dir.join(CATEGORIES_FILE);
        if !path.is_file() {
            self.summary.note(
                "categories.json absent: categories named category-<id> (save /categories.json to name them)",
            );
            return Ok(());
        }
        let (doc, _) = read_json::<CategoriesDoc>(
            &path,
            "Discourse's category list (/categories.json: category_list.categories)",
        )?;
        let mut pending = doc.category_list.categories;
        while let Some(c) = pending.pop() {
            let slug = c
                .slug
                .as_deref()
                .map(Slug::suggest)
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| format!("category-{}", c.id));
            let name = c
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map_or_else(|| slug.clone(), str::to_owned);
            self.categories.insert(
                c.id,
                Category {
                    name,
                    slug,
                    description: c.description_text.unwrap_or_default(),
                },
            );
            pending.extend(c.subcategory_list.into_iter().flatten());
        }
        Ok(())
    }

    /// What earlier runs of this forum made: its communities, and the
    /// placeholder of deleted users.
    async fn load_earlier_runs(&mut self) -> Result<(), ImportError> {
        self.placeholder = crate::shared::known_placeholder(self.session).await?;
        for (category, id) in self.session.known_ids("community").await? {
            let id = CommunityId(id);
            // Only while it still exists: a deleted one is made again.
            if self.session.community_slug(id).await?.is_some() {
                self.earlier_communities
                    .insert(category.parse::<i64>().ok(), id);
            }
        }
        Ok(())
    }

    /// What a chunk's topics refer to, imported by earlier runs or earlier
    /// chunks: new rows attach to it and nothing is imported twice.
    async fn look_up(&mut self, chunk: &[(&PathBuf, TopicDoc)]) -> Result<(), ImportError> {
        let docs = || chunk.iter().map(|(_, doc)| doc);
        let topics = source_ids(docs().map(|d| d.id));
        let posts = source_ids(docs().flat_map(|d| d.post_stream.posts.iter().map(|p| p.id)));
        let users =
            source_ids(docs().flat_map(|d| d.post_stream.posts.iter().filter_map(|p| p.user_id)));
        let accounts: Vec<String> = users
            .iter()
            .map(|user| format!("{}/{user}", self.site))
            .collect();
        self.threads.clear();
        for t in self
            .session
            .imported_threads_among("thread", &topics)
            .await?
        {
            if let Ok(topic) = t.source_id.parse::<i64>() {
                let info = ThreadInfo {
                    id: t.thread_id,
                    community: t.community_id,
                    author: t.author_id,
                    title: t.title,
                    solved: t.solved,
                };
                self.threads.insert(topic, info);
            }
        }
        self.posts = numbered(self.session.known_among("reply", &posts).await?, ReplyId);
        self.users = numbered(self.session.known_among("person", &users).await?, PersonId);
        self.aliases = self
            .session
            .alias_accounts_among(&accounts)
            .await?
            .into_iter()
            .collect();
        Ok(())
    }

    fn category(&self, id: Option<i64>) -> Category {
        id.and_then(|id| self.categories.get(&id).cloned())
            .unwrap_or_else(|| Category::unnamed(id))
    }

    /// The community of a category's topics (index in summary.communities),
    /// made on its first topic.
    async fn community_for(&mut self, category: Option<i64>) -> Result<usize, ImportError> {
        if self.target.is_some() {
            return Ok(0);
        }
        if let Some(ix) = self.community_of.get(&category) {
            return Ok(*ix);
        }
        let cat = self.category(category);
        let (id, slug, created) = if let Some(&id) = self.earlier_communities.get(&category) {
            let slug = self.session.community_slug(id).await?.unwrap_or_default();
            (id, slug, false)
        } else {
            let slug = Slug::parse(&Slug::suggest(&format!("discourse-{}", cat.slug)))
                .map_err(|m| {
                    ImportError::Refused(format!(
                        "cannot make a community address from the category '{}' ({m}): create a community and pass --community SLUG",
                        cat.name
                    ))
                })?;
            if self
                .session
                .community_by_slug(slug.as_str())
                .await?
                .is_some()
            {
                return Err(ImportError::Refused(format!(
                    "a community '{slug}' already exists and was not made by importing the category '{}' of this forum: pass --community {slug} to import every category into it",
                    cat.name
                )));
            }
            let purpose = match cat.description.trim() {
                "" => format!(
                    "The topics of the category {} of the Discourse forum {}, imported with their authors.",
                    cat.name, self.site
                ),
                d => d.to_owned(),
            };
            let id = self
                .session
                .create_community(
                    &NewCommunity {
                        slug: slug.as_str().to_owned(),
                        name: cat.name.clone(),
                        domain_statement: String::new(),
                        purpose,
                        visibility: Visibility::Open,
                        membership_policy: MembershipPolicy::Open,
                        stage: Stage::Maturing,
                        domains: Vec::new(),
                    },
                    "imported from a Discourse forum",
                    Timestamp::now().0,
                )
                .await?;
            let key = category.map_or_else(|| "none".to_owned(), |c| c.to_string());
            self.session.record_id("community", &key, id).await?;
            (id, slug.as_str().to_owned(), true)
        };
        let ix = self.summary.communities.len();
        self.summary.communities.push(SummaryCommunity {
            id,
            slug,
            created,
            threads: 0,
        });
        self.community_of.insert(category, ix);
        Ok(ix)
    }

    async fn topic(&mut self, file: &Path, mut doc: TopicDoc) -> Result<(), ImportError> {
        if doc.archetype.as_deref() == Some("private_message") {
            self.summary
                .skip("private messages (never imported: they were not public)");
            return Ok(());
        }
        if doc.deleted_at.is_some() {
            self.summary.skip("deleted topics");
            return Ok(());
        }
        let mut posts = std::mem::take(&mut doc.post_stream.posts);
        posts.sort_by_key(|p| p.post_number);
        let have: HashSet<i64> = posts.iter().map(|p| p.id).collect();
        let missing = doc
            .post_stream
            .stream
            .iter()
            .filter(|id| !have.contains(id))
            .count() as u64;
        if missing > 0 {
            tracing::warn!(
                file = %file.display(),
                topic = doc.id,
                posts = posts.len(),
                of = posts.len() as u64 + missing,
                "the document holds only the first page of the topic's posts; importing those"
            );
            self.summary.note(
                "topics holding only their first page of posts, imported with what they have",
            );
            self.summary.skip_many(
                "posts beyond a document's first page (save the topic complete, e.g. /t/{id}.json?print=true, and import again to add them)",
                missing,
            );
        }
        let Some(opening) = posts
            .iter()
            .position(|p| p.post_number == 1)
            .map(|ix| posts.remove(ix))
        else {
            self.summary
                .skip("topics without their first post in the document");
            return Ok(());
        };
        if skip_reason(&opening).is_some() {
            self.summary
                .skip("topics whose first post is deleted, hidden or not a regular post");
            return Ok(());
        }
        let accepted = match &doc.accepted_answer {
            Some(Accepted::Post { post_number }) => Some(*post_number),
            _ => posts
                .iter()
                .find(|p| p.accepted_answer == Some(true))
                .map(|p| p.post_number),
        };
        let thread = match self.threads.get(&doc.id) {
            Some(t) => {
                self.summary.skip("topics already imported");
                let t = t.clone();
                // The summary says where the forum is, even when a run
                // adds nothing to it.
                if !self.summary.communities.iter().any(|c| c.id == t.community) {
                    let slug = self.session.community_slug(t.community).await?;
                    self.summary.communities.push(SummaryCommunity {
                        id: t.community,
                        slug: slug.unwrap_or_default(),
                        created: false,
                        threads: 0,
                    });
                }
                t
            }
            None => {
                let t = self.thread(&doc, &opening, accepted.is_some()).await?;
                self.threads.insert(doc.id, t.clone());
                t
            }
        };
        // Post number → reply (None: the opening post, i.e. the thread).
        let mut replies: HashMap<i64, Option<ReplyId>> = HashMap::from([(1, None)]);
        for post in &posts {
            if let Some(reason) = skip_reason(post) {
                self.summary.skip(&reason);
                continue;
            }
            if let Some(&reply) = self.posts.get(&post.id) {
                replies.insert(post.post_number, Some(reply));
                self.summary.skip("posts already imported");
                continue;
            }
            let reply_to = match post.reply_to_post_number {
                None | Some(1) => None,
                Some(n) => match replies.get(&n) {
                    Some(&Some(r)) => Some(r),
                    _ => {
                        self.summary.note(
                            "replies to a post that was not imported (deleted, skipped or not in the document), attached to the topic",
                        );
                        None
                    }
                },
            };
            let reply = self.reply(&thread, post, reply_to).await?;
            self.posts.insert(post.id, reply);
            replies.insert(post.post_number, Some(reply));
        }
        if let Some(n) = accepted
            && !thread.solved
        {
            match replies.get(&n).copied().flatten() {
                Some(reply) => {
                    let answer = posts.iter().find(|p| p.post_number == n);
                    let helper = match answer {
                        Some(p) => self.person(p).await?,
                        None => thread.author,
                    };
                    let at = answer.map_or(doc.created_at, |p| p.created_at);
                    self.session
                        .add_solution(
                            BulkSolution {
                                thread_id: thread.id,
                                reply_id: reply,
                                helper_id: helper,
                                marked_by: Some(thread.author),
                                at,
                            },
                            &activity(at, ActivityKind::HelpSolved, thread.author, thread.community)
                                .other(helper),
                        )
                        .await?;
                    self.summary.solved += 1;
                    if let Some(t) = self.threads.get_mut(&doc.id) {
                        t.solved = true;
                    }
                }
                None => self.summary.note(
                    "accepted answers not imported (beyond the document's first page, deleted or skipped): the request stays unsolved",
                ),
            }
        }
        Ok(())
    }

    async fn thread(
        &mut self,
        doc: &TopicDoc,
        opening: &Post,
        has_answer: bool,
    ) -> Result<ThreadInfo, ImportError> {
        let ix = self.community_for(doc.category_id).await?;
        let community = self.summary.communities[ix].id;
        let cat = self.category(doc.category_id);
        let kind = if has_answer || cat.looks_like_qa() {
            ThreadKind::Help
        } else {
            ThreadKind::Discussion
        };
        let title = [doc.title.as_deref(), doc.fancy_title.as_deref()]
            .into_iter()
            .flatten()
            .map(|t| html::plain_text(t.trim()))
            .find(|t| !t.is_empty())
            .map_or_else(
                || format!("Topic {}", doc.id),
                |t| truncate_chars(&t, TITLE_MAX),
            );
        let tags = tag_list(doc, self.target.map(|_| cat.slug.as_str()));
        let author = self.person(opening).await?;
        let (body, plain) = opening.text.clone();
        let at = doc.created_at;
        let id = self
            .session
            .add_thread(
                &NewThread {
                    community_id: community,
                    kind,
                    title: title.clone(),
                    body,
                    plain,
                    tags,
                    author_id: author,
                    at,
                },
                &activity(at, kind.activity(), author, community),
            )
            .await?;
        self.session
            .record_id("thread", &doc.id.to_string(), id)
            .await?;
        self.likes += likes(opening);
        self.summary.threads += 1;
        if let Some(c) = self.summary.communities.get_mut(ix) {
            c.threads += 1;
        }
        Ok(ThreadInfo {
            id,
            community,
            author,
            title,
            solved: false,
        })
    }

    async fn reply(
        &mut self,
        thread: &ThreadInfo,
        post: &Post,
        reply_to: Option<ReplyId>,
    ) -> Result<ReplyId, ImportError> {
        let author = self.person(post).await?;
        let (body, plain) = post.text.clone();
        let at = post.created_at;
        let event =
            activity(at, ActivityKind::ReplyCreated, author, thread.community).other(thread.author);
        let id = self
            .session
            .add_reply(
                &NewReply {
                    thread_id: thread.id,
                    community_id: thread.community,
                    body,
                    plain,
                    reply_to,
                    author_id: author,
                    at,
                },
                &thread.title,
                &event,
            )
            .await?;
        self.session
            .record_id("reply", &post.id.to_string(), id)
            .await?;
        self.likes += likes(post);
        self.summary.replies += 1;
        Ok(id)
    }

    /// The person behind a post's user, or the deleted-user placeholder.
    async fn person(&mut self, post: &Post) -> Result<PersonId, ImportError> {
        let at = post.created_at;
        let Some(user) = post.user_id else {
            return self.placeholder(at).await;
        };
        if let Some(&p) = self.users.get(&user) {
            return Ok(p);
        }
        let username = post.username.as_deref().map(str::trim).unwrap_or_default();
        let name = [post.name.as_deref(), Some(username)]
            .into_iter()
            .flatten()
            .map(str::trim)
            .find(|n| !n.is_empty())
            .map_or_else(|| format!("user{user}"), |n| truncate_chars(n, 200));
        let account = format!("{}/{user}", self.site);
        let email = format!("user-{user}@{}", self.email_domain);
        let person = if let Some(&p) = self.aliases.get(&account) {
            self.summary.people_matched += 1;
            p
        } else {
            let known = self.session.person_by_email(&email).await?;
            let p = match known {
                Some(p) => {
                    self.summary.people_matched += 1;
                    p
                }
                None => {
                    self.summary.people_created += 1;
                    self.session
                        .add_person(&ImportPerson {
                            name,
                            email,
                            bio: String::new(),
                            created_at: at,
                        })
                        .await?
                }
            };
            self.session
                .add_alias(p, Some(&account), None, username, at)
                .await?;
            self.aliases.insert(account, p);
            p
        };
        self.session
            .record_id("person", &user.to_string(), person)
            .await?;
        self.users.insert(user, person);
        Ok(person)
    }

    async fn placeholder(&mut self, at: i64) -> Result<PersonId, ImportError> {
        self.summary
            .note("posts of deleted accounts, attributed to the deleted-user placeholder");
        if let Some(p) = self.placeholder {
            return Ok(p);
        }
        let person = crate::shared::add_placeholder_person(
            self.session,
            &mut self.summary,
            &self.site,
            format!("deleted-user@{}", self.email_domain),
            "Stands for the posts of deleted accounts of an imported Discourse forum.",
            at,
        )
        .await?;
        self.placeholder = Some(person);
        Ok(person)
    }

    /// Everyone who contributed becomes a member of each community at
    /// their first contribution there, unless they already are one.
    async fn memberships(&mut self) -> Result<(), ImportError> {
        let communities: Vec<CommunityId> = self.summary.communities.iter().map(|c| c.id).collect();
        for community in communities {
            self.summary.members_added += self.session.join_contributors(community).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(json: &str) -> Post {
        serde_json::from_str(json).expect("a post")
    }

    #[test]
    fn only_regular_live_posts_are_replies() {
        let base = r#""id":1,"created_at":"2023-01-01T00:00:00.000Z","post_number":2"#;
        assert_eq!(
            skip_reason(&post(&format!("{{{base},\"post_type\":1}}"))),
            None
        );
        assert_eq!(skip_reason(&post(&format!("{{{base}}}"))), None);
        for (extra, word) in [
            (r#","post_type":3"#, "small-action"),
            (r#","post_type":2"#, "moderator"),
            (r#","post_type":4"#, "whisper"),
            (r#","deleted_at":"2023-01-02T00:00:00Z""#, "deleted"),
            (r#","user_deleted":true"#, "deleted"),
            (r#","hidden":true"#, "hidden"),
        ] {
            let reason = skip_reason(&post(&format!("{{{base}{extra}}}"))).expect("skipped");
            assert!(reason.contains(word), "{extra}: {reason}");
        }
        assert_eq!(
            skip_reason(&post(&format!("{{{base},\"deleted_at\":null}}"))),
            None
        );
    }

    #[test]
    fn likes_come_from_the_summary_or_the_count() {
        let base = r#""id":1,"created_at":"2023-01-01T00:00:00.000Z","post_number":2"#;
        let p = post(&format!(
            r#"{{{base},"actions_summary":[{{"id":2,"count":3}},{{"id":3,"count":9}}]}}"#
        ));
        assert_eq!(likes(&p), 3);
        assert_eq!(likes(&post(&format!(r#"{{{base},"like_count":4}}"#))), 4);
        assert_eq!(
            likes(&post(&format!(r#"{{{base},"actions_summary":[]}}"#))),
            0
        );
    }

    #[test]
    fn qa_categories_are_recognised_by_their_words() {
        let c = |name: &str, slug: &str| Category {
            name: name.into(),
            slug: slug.into(),
            description: String::new(),
        };
        assert!(c("Help & Questions", "help").looks_like_qa());
        assert!(c("Q&A", "q-a").looks_like_qa());
        assert!(c("Support", "support").looks_like_qa());
        assert!(!c("Discussion", "discussion").looks_like_qa());
        assert!(!c("Helpers' lounge", "lounge").looks_like_qa());
    }

    #[test]
    fn tags_of_both_shapes_and_the_category() {
        let doc: TopicDoc = serde_json::from_str(
            r#"{"id":1,"created_at":"2023-01-01T00:00:00Z","post_stream":{"posts":[]},
                "tags":["SQL",{"id":3,"name":"Cost","slug":"cost"},"sql"]}"#,
        )
        .expect("a topic");
        assert_eq!(tag_list(&doc, None), "sql, cost");
        assert_eq!(tag_list(&doc, Some("help")), "sql, cost, help");
    }

    #[test]
    fn errors_name_the_line_column_and_byte() {
        let dir = guildhall_testkit::Scratch::new("discourse-unit");
        let path = dir.join("1.json");
        std::fs::write(&path, "{\n  \"id\": 1,\n  \"created_at\": \"yesterday\"\n}")
            .expect("write");
        let err = read_json::<TopicDoc>(&path, "a topic")
            .err()
            .expect("refused");
        match err {
            ImportError::Malformed {
                line,
                offset,
                message,
                ..
            } => {
                assert_eq!(line, 3, "{message}");
                assert!(
                    message.contains("RFC 3339") && message.contains("column"),
                    "{message}"
                );
                assert!(offset > 14 && offset <= 40, "{offset}");
            }
            other => panic!("{other}"),
        }
        std::fs::write(
            &path,
            "{\"id\": 1, \"created_at\": \"2023-01-01T00:00:00Z\"}",
        )
        .expect("write");
        let err = read_json::<TopicDoc>(&path, "a topic")
            .err()
            .expect("refused");
        assert!(err.to_string().contains("post_stream"), "{err}");
    }
}
