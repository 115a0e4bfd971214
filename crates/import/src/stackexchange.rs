//! A Stack Exchange data dump (one site: Posts.xml, Users.xml,
//! Comments.xml, Votes.xml, …) into one community.
//!
//! Mapping:
//! - users → people. Dumps carry no email, so a user is matched to a
//!   person by the network-wide AccountId (an alias recorded by an import
//!   of another site) or, for this site, by the user id recorded by an
//!   earlier run. Everyone in Users.xml becomes a person (with a made-up
//!   address under the reserved `.invalid` domain: they cannot sign in
//!   until an administrator merges or invites them).
//! - posts and comments without a user (OwnerUserId/UserId missing or
//!   naming a deleted account) are attributed to one "deleted user"
//!   placeholder person per site, so that threads keep their answers; the
//!   summary counts them under notes.
//! - questions → help-request threads (title, HTML body, Tags into the
//!   thread's tags); answers and comments → replies (a comment on an
//!   answer replies to that answer). An answer listed before its question
//!   (a question that others were merged into can have a higher id than
//!   their answers, and dumps list posts by id) joins the question's
//!   thread all the same; one whose question is not in the dump is
//!   skipped. The accepted answer → the thread is
//!   solved, the answerer is the helper, marked by the asker, at the accept
//!   vote's time (Votes.xml, VoteTypeId 1, a date only) or the answer's
//!   creation, whichever is later. Self-answers that were accepted count
//!   as solved too: the dump says so.
//! - every person joins the community at their first contribution there.
//! - other post types, Badges, PostLinks, PostHistory and Tags.xml are
//!   read (a malformed one still stops the import) and counted as skipped.
//!
//! Bodies are kept as the HTML the site rendered: the Markdown renderer
//! passes block HTML through its cleaner, so it displays as it did there.
//!
//! Memory does not grow with the dump: rows are read in chunks, and what
//! a chunk refers to (its authors, the questions its answers belong to,
//! the posts its comments are on) is looked up in the import's own
//! transaction, a statement per kind and chunk. Accepted answers and
//! accept times wait in temporary tables until every answer is imported,
//! and memberships are derived from the rows written. Answers read before
//! their question wait in a temporary table too (their id, their
//! question's and where their row ends): once Posts.xml is read, it is
//! read again up to the last of them, taking only their rows, before the
//! comments are, so that comments on them attach.

use crate::progress::Progress;
use crate::shared::{activity, numbered, source_ids, truncate_chars};
use crate::xml::{Row, RowReader};
use crate::{ImportError, Summary, html};
use guildhall_domain::text::Slug;
use guildhall_domain::{
    ActivityKind, CommunityId, MembershipPolicy, PersonId, Stage, ThreadId, ThreadKind, Timestamp,
    Visibility,
};
use guildhall_store::{
    ImportPerson, ImportSession, ImportedPost, NewCommunity, NewReply, NewThread, Store,
};
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

pub const SOURCE: &str = "stackexchange";

/// Options of `guildhall import stackexchange`.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Import into this existing community instead of one made for the site.
    pub community: Option<String>,
    /// Do everything, then roll it back.
    pub dry_run: bool,
    /// Rows read per chunk ([`CHUNK_ROWS`] if unset): smaller chunks hold
    /// less in memory and look up in the database more often.
    pub chunk_rows: Option<usize>,
}

/// Files read but not imported, with the reason the summary gives.
const SKIPPED_FILES: &[(&str, &str, &str)] = &[
    ("Badges.xml", "badges", "badges (not imported)"),
    ("PostLinks.xml", "postlinks", "post links (not imported)"),
    (
        "PostHistory.xml",
        "posthistory",
        "post history rows (edits are not imported; the current text is)",
    ),
    (
        "Tags.xml",
        "tags",
        "tag definitions (each question's own tags are imported)",
    ),
];

/// The longest bio kept from a profile's About me.
const BIO_MAX: usize = 2_000;

/// Rows read before what they refer to (people, questions, answers) is
/// looked up in the database, all at once: what the import holds in memory
/// is one chunk and its text, whatever the dump's size.
/// A chunk's rows stay under the session's batch size (four rows a post),
/// so that a chunk is written in one batch while the next one is read.
const CHUNK_ROWS: usize = 2_500;
const CHUNK_TEXT_BYTES: usize = 4 << 20;

struct UserRow {
    id: i64,
    at: i64,
    account: Option<i64>,
    name: String,
    bio: String,
}

enum PostRow {
    Question {
        id: i64,
        at: i64,
        accepted: Option<i64>,
        title: String,
        body: String,
        plain: String,
        tags: String,
        owner: Option<i64>,
    },
    Answer {
        id: i64,
        parent: i64,
        at: i64,
        body: String,
        plain: String,
        owner: Option<i64>,
        /// Where its row ends in Posts.xml, to find it again.
        end: u64,
    },
}

/// Which reading of Posts.xml a chunk of posts comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// The first, of every post: an answer whose question is not imported
    /// yet waits for the end of it.
    First,
    /// The second, of the answers that waited.
    Again,
}

/// Why an answer is not imported when its question is not.
const NO_QUESTION: &str = "answers to a question missing from the dump (deleted)";

struct CommentRow {
    id: i64,
    post: i64,
    at: i64,
    text: String,
    plain: String,
    user: Option<i64>,
}

/// A question as replies to it need it: its thread, asker and title
/// (which the replies' search documents repeat).
struct Asked {
    thread: ThreadId,
    asker: PersonId,
    title: String,
}

struct Run<'a> {
    session: &'a mut ImportSession,
    progress: &'a mut dyn Progress,
    dir: PathBuf,
    site: String,
    community: CommunityId,
    summary: Summary,
    /// The deleted-user placeholder, once needed.
    placeholder: Option<PersonId>,
    chunk_rows: usize,
    /// Whether an earlier run imported anything of this site.
    earlier_runs: bool,
    /// The largest id read so far in Users.xml, Posts.xml, Comments.xml.
    newest_user: i64,
    newest_post: i64,
    newest_comment: i64,
}

/// Imports the dump in `dir`. On any error nothing of the run remains.
pub async fn import(
    store: &Store,
    dir: &Path,
    opts: &Options,
    progress: &mut dyn Progress,
) -> Result<Summary, ImportError> {
    let site = site_name(dir)?;
    for required in ["Posts.xml", "Users.xml"] {
        if !dir.join(required).is_file() {
            return Err(ImportError::Refused(format!(
                "'{}' has no {required}: point to the folder of one Stack Exchange site's dump (Posts.xml, Users.xml, Comments.xml, Votes.xml, …), unpacked",
                dir.display()
            )));
        }
    }
    let mut session = store.begin_import(SOURCE, &site).await?;
    let outcome = {
        let mut run = Run {
            session: &mut session,
            progress,
            dir: dir.to_path_buf(),
            site,
            community: CommunityId::default(),
            summary: Summary {
                dry_run: opts.dry_run,
                ..Summary::default()
            },
            placeholder: None,
            chunk_rows: opts.chunk_rows.unwrap_or(CHUNK_ROWS).max(1),
            earlier_runs: false,
            newest_user: i64::MIN,
            newest_post: i64::MIN,
            newest_comment: i64::MIN,
        };
        run.all(opts).await.map(|()| run.summary)
    };
    crate::shared::conclude(session, outcome, opts.dry_run, progress).await
}

/// The site's name: the dump folder's name (`ai.stackexchange.com`).
/// It keys the source ids, so importing the same site again from a folder
/// of the same name is recognised.
fn site_name(dir: &Path) -> Result<String, ImportError> {
    crate::shared::folder_name(dir, "the folder of an unpacked Stack Exchange dump", "site")
}

/// `<a><b-c>` (older dumps) or `|a|b-c|` (newer ones) → `a, b-c`.
fn tags(raw: &str) -> String {
    raw.split(['<', '>', '|'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(", ")
}

fn post_kind_reason(kind: i64) -> String {
    let what = match kind {
        3 => "orphaned tag wiki",
        4 => "tag wiki excerpt",
        5 => "tag wiki",
        6 => "moderator nomination",
        7 => "wiki placeholder",
        8 => "privilege wiki",
        _ => "unknown post type",
    };
    format!("posts of type {kind}, {what} (only questions and answers are imported)")
}

/// A row of Posts.xml as a chunk keeps it, with its text's size; `None`
/// for a post of another type (counted as skipped).
fn post_row(row: &Row<'_>, summary: &mut Summary) -> Result<Option<(PostRow, usize)>, ImportError> {
    let id = row.required_int("Id")?;
    let post = match row.required_int("PostTypeId")? {
        1 => {
            let body = row.text("Body")?;
            PostRow::Question {
                id,
                at: row.required_time("CreationDate")?,
                accepted: row.int("AcceptedAnswerId")?,
                title: match row.text("Title")?.trim() {
                    "" => format!("Question {id}"),
                    t => t.to_owned(),
                },
                plain: html::plain_text(&body),
                body,
                tags: tags(&row.text("Tags")?),
                owner: row.int("OwnerUserId")?,
            }
        }
        2 => {
            let body = row.text("Body")?;
            PostRow::Answer {
                id,
                parent: row.int("ParentId")?.ok_or_else(|| {
                    row.error("expected attribute ParentId on an answer (PostTypeId 2)")
                })?,
                at: row.required_time("CreationDate")?,
                plain: html::plain_text(&body),
                body,
                owner: row.int("OwnerUserId")?,
                end: row.end(),
            }
        }
        other => {
            summary.skip(&post_kind_reason(other));
            return Ok(None);
        }
    };
    let size = match &post {
        PostRow::Question {
            title,
            body,
            plain,
            tags,
            ..
        } => title.len() + body.len() + plain.len() + tags.len(),
        PostRow::Answer { body, plain, .. } => body.len() + plain.len(),
    };
    Ok(Some((post, size)))
}

impl Run<'_> {
    async fn all(&mut self, opts: &Options) -> Result<(), ImportError> {
        self.earlier_runs = self.session.imported_before().await?;
        self.community(opts).await?;
        self.summary.community_id = self.community;
        self.placeholder = crate::shared::known_placeholder(self.session).await?;
        self.votes().await?;
        self.users().await?;
        self.posts().await?;
        self.answers_before_their_question().await?;
        self.comments().await?;
        for (file, root, reason) in SKIPPED_FILES {
            let n = self.count_rows(file, root)?;
            self.summary.skip_many(reason, n);
        }
        self.summary.solved += self
            .session
            .solve_staged("thread", "answer", self.community)
            .await?;
        // Everyone who contributed becomes a member at their first
        // contribution, unless they already are one.
        self.summary.members_added += self.session.join_contributors(self.community).await?;
        Ok(())
    }

    fn open(&mut self, file: &str, root: &'static str) -> Result<Option<RowReader>, ImportError> {
        let path = self.dir.join(file);
        if !path.is_file() {
            self.summary.note(&format!("{file} absent"));
            return Ok(None);
        }
        let reader = RowReader::open(&path, root)?;
        self.progress.start(file, reader.size());
        Ok(Some(reader))
    }

    /// Reads the next chunk of rows from `reader` (`None` once the file is
    /// read, or absent); `parse` turns a row into what the chunk keeps and
    /// its text's size, or into nothing (a row skipped).
    fn read_chunk<T>(
        &mut self,
        reader: &mut Option<RowReader>,
        rows: &mut u64,
        mut parse: impl FnMut(&Row<'_>, &mut Summary) -> Result<Option<(T, usize)>, ImportError>,
    ) -> Result<Option<Vec<T>>, ImportError> {
        let Some(file) = reader else {
            return Ok(None);
        };
        let mut chunk = Vec::new();
        let mut bytes = 0;
        while chunk.len() < self.chunk_rows && bytes < CHUNK_TEXT_BYTES {
            let Some(row) = file.next_row()? else {
                self.progress.finish(*rows);
                *reader = None;
                break;
            };
            *rows += 1;
            if let Some((item, size)) = parse(&row, &mut self.summary)? {
                chunk.push(item);
                bytes += size;
            }
            self.progress.advance(row.end(), *rows);
        }
        Ok(Some(chunk))
    }

    async fn community(&mut self, opts: &Options) -> Result<(), ImportError> {
        if let Some(slug) = &opts.community {
            self.community = self.session.community_by_slug(slug).await?.ok_or_else(|| {
                ImportError::Refused(format!(
                    "there is no community '{slug}': create it first, or leave out --community to create one named after the site"
                ))
            })?;
            self.summary.community_slug = slug.clone();
            return Ok(());
        }
        // A community made by an earlier run of this site (and not deleted since).
        if let Some(&(_, id)) = self.session.known_ids("community").await?.first()
            && let Some(slug) = self.session.community_slug(CommunityId(id)).await?
        {
            self.community = CommunityId(id);
            self.summary.community_slug = slug;
            return Ok(());
        }
        let slug = Slug::parse(&Slug::suggest(&self.site)).map_err(|m| {
            ImportError::Refused(format!(
                "cannot make a community address from the site name '{}' ({m}): create a community and pass --community SLUG",
                self.site
            ))
        })?;
        if self
            .session
            .community_by_slug(slug.as_str())
            .await?
            .is_some()
        {
            return Err(ImportError::Refused(format!(
                "a community '{slug}' already exists and was not made by importing this site: pass --community {slug} to import into it"
            )));
        }
        let id = self
            .session
            .create_community(
                &NewCommunity {
                    slug: slug.as_str().to_owned(),
                    name: self.site.clone(),
                    domain_statement: String::new(),
                    purpose: format!(
                        "The questions and answers of the Stack Exchange site {}, imported with their authors (CC BY-SA).",
                        self.site
                    ),
                    visibility: Visibility::Open,
                    membership_policy: MembershipPolicy::Open,
                    stage: Stage::Maturing,
                    domains: Vec::new(),
                },
                "imported from a Stack Exchange dump",
                Timestamp::now().0,
            )
            .await?;
        self.session
            .record_id("community", &self.site.clone(), id)
            .await?;
        self.community = id;
        self.summary.community_slug = slug.as_str().to_owned();
        self.summary.community_created = true;
        Ok(())
    }

    /// Accept votes: when answers were accepted (VoteTypeId 1), staged for
    /// the solutions resolved at the end.
    async fn votes(&mut self) -> Result<(), ImportError> {
        let Some(mut reader) = self.open("Votes.xml", "votes")? else {
            return Ok(());
        };
        let mut rows = 0u64;
        while let Some(row) = reader.next_row()? {
            rows += 1;
            row.required_int("Id")?;
            let accept = if row.required_int("VoteTypeId")? == 1 {
                Some((
                    row.required_int("PostId")?,
                    row.required_time("CreationDate")?,
                ))
            } else {
                None
            };
            let position = row.end();
            if let Some((post, at)) = accept {
                self.session
                    .stage_accept_time(&post.to_string(), at)
                    .await?;
            }
            self.progress.advance(position, rows);
        }
        self.progress.finish(rows);
        self.summary.skip_many(
            "votes (only accept votes are used, for the time a request was solved)",
            rows,
        );
        Ok(())
    }

    /// The local ids of `ids` recorded as `kind` by this site's runs,
    /// typed by `local`.
    async fn recorded<Id>(
        &mut self,
        kind: &str,
        ids: impl Iterator<Item = i64>,
        local: fn(i64) -> Id,
    ) -> Result<HashMap<i64, Id>, ImportError> {
        let ids = source_ids(ids);
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(numbered(self.session.known_among(kind, &ids).await?, local))
    }

    /// Which of `ids` (rows of one file) this site's runs recorded as
    /// `kind`. `newest` is the largest id of the file's chunks before: a
    /// site never imported before can only have recorded ids up to it, and
    /// dumps list rows by increasing id, so the database is rarely asked.
    async fn known(
        &mut self,
        kind: &str,
        ids: impl Iterator<Item = i64>,
        newest: i64,
    ) -> Result<HashSet<i64>, ImportError> {
        let earlier_runs = self.earlier_runs;
        let ids = ids.filter(|id| earlier_runs || *id <= newest);
        Ok(self
            .recorded(kind, ids, std::convert::identity)
            .await?
            .into_keys()
            .collect())
    }

    async fn users(&mut self) -> Result<(), ImportError> {
        let mut reader = self.open("Users.xml", "users")?;
        let mut rows = 0u64;
        while let Some(chunk) = self.read_chunk(&mut reader, &mut rows, |row, _| {
            let user = UserRow {
                id: row.required_int("Id")?,
                at: row.required_time("CreationDate")?,
                account: row.int("AccountId")?,
                name: row.text("DisplayName")?,
                bio: truncate_chars(&html::plain_text(&row.text("AboutMe")?), BIO_MAX),
            };
            let size = user.name.len() + user.bio.len();
            Ok(Some((user, size)))
        })? {
            self.users_chunk(chunk).await?;
        }
        Ok(())
    }

    /// A user becomes the person their network account already is (an
    /// alias recorded by an import of another site), or a new person.
    async fn users_chunk(&mut self, chunk: Vec<UserRow>) -> Result<(), ImportError> {
        let newest = self.newest_user;
        let mut done = self
            .known("person", chunk.iter().map(|u| u.id), newest)
            .await?;
        self.newest_user = chunk.iter().map(|u| u.id).fold(newest, i64::max);
        let accounts: Vec<String> = chunk
            .iter()
            .filter_map(|u| u.account.map(|a| a.to_string()))
            .collect();
        // Network account ids are numbers: kept as such, not as text.
        let mut aliases: HashMap<i64, PersonId> = self
            .session
            .alias_accounts_among(&accounts)
            .await?
            .into_iter()
            .filter_map(|(account, person)| Some((account.parse().ok()?, person)))
            .collect();
        let email_site = Slug::suggest(&self.site);
        for user in chunk {
            let UserRow {
                id,
                at,
                account,
                name,
                bio,
            } = user;
            if !done.insert(id) {
                self.summary.skip("users already imported");
            } else if let Some(&person) = account.and_then(|a| aliases.get(&a)) {
                self.session
                    .record_id("person", &id.to_string(), person)
                    .await?;
                self.summary.people_matched += 1;
            } else {
                let name = match name.trim() {
                    "" => format!("user{id}"),
                    n => n.to_owned(),
                };
                let email = match account {
                    Some(a) => format!("account-{a}@stackexchange.invalid"),
                    None => format!("user-{id}@{email_site}.stackexchange.invalid"),
                };
                let person = self
                    .session
                    .add_person(&ImportPerson {
                        name: name.clone(),
                        email,
                        bio,
                        created_at: at,
                    })
                    .await?;
                if let Some(a) = account {
                    self.session
                        .add_alias(person, Some(&a.to_string()), None, &name, at)
                        .await?;
                    aliases.insert(a, person);
                }
                self.session
                    .record_id("person", &id.to_string(), person)
                    .await?;
                self.summary.people_created += 1;
            }
        }
        // The next chunk's lookups see this one.
        Ok(self.session.flush().await?)
    }

    /// The person behind a user id (`people`: this chunk's), or the site's
    /// deleted-user placeholder.
    async fn person(
        &mut self,
        people: &HashMap<i64, PersonId>,
        user: Option<i64>,
        at: i64,
    ) -> Result<PersonId, ImportError> {
        if let Some(&p) = user.and_then(|u| people.get(&u)) {
            return Ok(p);
        }
        self.summary.note(if user.is_some() {
            "contributions by accounts missing from Users.xml, attributed to the deleted-user placeholder"
        } else {
            "contributions without an account, attributed to the deleted-user placeholder"
        });
        if let Some(p) = self.placeholder {
            return Ok(p);
        }
        let person = crate::shared::add_placeholder_person(
            self.session,
            &mut self.summary,
            &self.site,
            format!(
                "deleted-user@{}.stackexchange.invalid",
                Slug::suggest(&self.site)
            ),
            "Stands for the contributions of deleted or anonymous accounts of an imported site.",
            at,
        )
        .await?;
        self.placeholder = Some(person);
        Ok(person)
    }

    async fn posts(&mut self) -> Result<(), ImportError> {
        let mut reader = self.open("Posts.xml", "posts")?;
        let mut rows = 0u64;
        // Everything that takes time but needs no lookup is done here,
        // while the chunk before is being written.
        while let Some(chunk) = self.read_chunk(&mut reader, &mut rows, post_row)? {
            self.posts_chunk(chunk, Reading::First).await?;
        }
        Ok(())
    }

    /// Answers read before their question, staged by
    /// [`Self::posts_chunk`], are imported now that every question is:
    /// Posts.xml is read again up to the last of them, taking only their
    /// rows (found by where they end), in chunks as the first time. Those
    /// whose question never came are skipped. What was staged is read back
    /// a page at a time, in the order of the file.
    async fn answers_before_their_question(&mut self) -> Result<(), ImportError> {
        let staged = self.session.pending_children();
        if staged == 0 {
            return Ok(());
        }
        let page = i64::try_from(self.chunk_rows).unwrap_or(i64::MAX);
        let (mut next, mut found) = (0i64, 0u64);
        // The next staged answers whose question is imported: their id and
        // where their row ends.
        let mut waiting: VecDeque<(i64, u64)> = VecDeque::new();
        // Opened once an answer is to be found.
        let mut reader: Option<RowReader> = None;
        let path = self.dir.join("Posts.xml");
        let (mut rows, mut chunk, mut bytes) = (0u64, Vec::new(), 0);
        loop {
            while waiting.is_empty() && next < staged {
                let to = next.saturating_add(page);
                let pending = self
                    .session
                    .pending_parents(next, to, "thread", "thread")
                    .await?;
                for (answer, _, end) in pending {
                    if let (Ok(id), Ok(end)) = (answer.parse(), u64::try_from(end)) {
                        waiting.push_back((id, end));
                        found += 1;
                    }
                }
                next = to;
            }
            let Some(&(id, end)) = waiting.front() else {
                break;
            };
            let file = match &mut reader {
                Some(file) => file,
                None => {
                    let file = RowReader::open(&path, "posts")?;
                    self.progress.start("Posts.xml, early answers", file.size());
                    reader.insert(file)
                }
            };
            let changed = || {
                format!(
                    "expected answer {id} here, where the first reading of the file found it (the file changed during the import: import it again once it is whole)"
                )
            };
            let Some(row) = file.next_row()? else {
                return Err(crate::xml::malformed(&path, file.position(), changed()));
            };
            rows += 1;
            let position = row.end();
            if position >= end {
                waiting.pop_front();
                match post_row(&row, &mut self.summary)? {
                    Some((post @ PostRow::Answer { id: read, .. }, size))
                        if read == id && position == end =>
                    {
                        chunk.push(post);
                        bytes += size;
                    }
                    _ => return Err(row.error(changed())),
                }
            }
            self.progress.advance(position, rows);
            if chunk.len() >= self.chunk_rows || bytes >= CHUNK_TEXT_BYTES {
                self.posts_chunk(std::mem::take(&mut chunk), Reading::Again)
                    .await?;
                bytes = 0;
            }
        }
        if reader.is_some() {
            self.progress.finish(rows);
        }
        if !chunk.is_empty() {
            self.posts_chunk(chunk, Reading::Again).await?;
        }
        // Staged answers whose question never came.
        let staged = u64::try_from(staged).unwrap_or_default();
        self.summary
            .skip_many(NO_QUESTION, staged.saturating_sub(found));
        Ok(())
    }

    /// Questions → help requests, answers → replies. Accepted answers are
    /// staged and resolved once every answer is imported. In the first
    /// reading, an answer whose question is not imported yet is staged
    /// with its question and where its row ends, for
    /// [`Self::answers_before_their_question`].
    async fn posts_chunk(
        &mut self,
        chunk: Vec<PostRow>,
        reading: Reading,
    ) -> Result<(), ImportError> {
        let (mut question_ids, mut answer_ids, mut parents, mut owners) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for post in &chunk {
            match post {
                PostRow::Question { id, owner, .. } => {
                    question_ids.push(*id);
                    owners.extend(*owner);
                }
                PostRow::Answer {
                    id, parent, owner, ..
                } => {
                    answer_ids.push(*id);
                    parents.push(*parent);
                    owners.extend(*owner);
                }
            }
        }
        let newest = self.newest_post;
        self.newest_post = question_ids
            .iter()
            .chain(&answer_ids)
            .copied()
            .fold(newest, i64::max);
        let mut questions_done = self
            .known("thread", question_ids.into_iter(), newest)
            .await?;
        let mut answers_done = self.known("answer", answer_ids.into_iter(), newest).await?;
        let people = self
            .recorded("person", owners.into_iter(), PersonId)
            .await?;
        // Questions of earlier chunks and runs; this chunk's are added as
        // they are imported.
        let mut asked: HashMap<i64, Asked> = self
            .session
            .imported_posts(&["thread"], "answer", &source_ids(parents.into_iter()))
            .await?
            .into_iter()
            .filter(|p| p.reply_id.is_none())
            .filter_map(|p| {
                let asked = Asked {
                    thread: p.thread_id,
                    asker: p.thread_author,
                    title: p.title,
                };
                Some((p.source_id.parse().ok()?, asked))
            })
            .collect();
        for post in chunk {
            match post {
                PostRow::Question {
                    id,
                    at,
                    accepted,
                    title,
                    body,
                    plain,
                    tags,
                    owner,
                } => {
                    if let Some(answer) = accepted {
                        self.session
                            .stage_accepted(&id.to_string(), &answer.to_string())
                            .await?;
                    }
                    if !questions_done.insert(id) {
                        self.summary.skip("questions already imported");
                        continue;
                    }
                    let author = self.person(&people, owner, at).await?;
                    let thread = self
                        .session
                        .add_thread(
                            &NewThread {
                                community_id: self.community,
                                kind: ThreadKind::Help,
                                plain,
                                title: title.clone(),
                                body,
                                tags,
                                author_id: author,
                                at,
                            },
                            &activity(at, ActivityKind::ThreadHelp, author, self.community),
                        )
                        .await?;
                    self.session
                        .record_id("thread", &id.to_string(), thread)
                        .await?;
                    asked.insert(
                        id,
                        Asked {
                            thread,
                            asker: author,
                            title,
                        },
                    );
                    self.summary.threads += 1;
                }
                PostRow::Answer {
                    id,
                    parent,
                    at,
                    body,
                    plain,
                    owner,
                    end,
                } => {
                    if !answers_done.insert(id) {
                        self.summary.skip("answers already imported");
                        continue;
                    }
                    let Some(question) = asked.get(&parent) else {
                        if reading == Reading::First {
                            // Its question may come later in the file.
                            self.session
                                .stage_pending_parent(
                                    &id.to_string(),
                                    &[parent.to_string()],
                                    i64::try_from(end).unwrap_or(i64::MAX),
                                )
                                .await?;
                        } else {
                            self.summary.skip(NO_QUESTION);
                        }
                        continue;
                    };
                    let author = self.person(&people, owner, at).await?;
                    let event = activity(at, ActivityKind::ReplyCreated, author, self.community)
                        .other(question.asker);
                    let reply = self
                        .session
                        .add_reply(
                            &NewReply {
                                thread_id: question.thread,
                                community_id: self.community,
                                plain,
                                body,
                                reply_to: None,
                                author_id: author,
                                at,
                            },
                            &question.title,
                            &event,
                        )
                        .await?;
                    self.session
                        .record_id("answer", &id.to_string(), reply)
                        .await?;
                    self.summary.replies += 1;
                }
            }
        }
        Ok(self.session.flush().await?)
    }

    async fn comments(&mut self) -> Result<(), ImportError> {
        let mut reader = self.open("Comments.xml", "comments")?;
        let mut rows = 0u64;
        while let Some(chunk) = self.read_chunk(&mut reader, &mut rows, |row, _| {
            let text = row.text("Text")?;
            let comment = CommentRow {
                id: row.required_int("Id")?,
                post: row.required_int("PostId")?,
                at: row.required_time("CreationDate")?,
                plain: guildhall_domain::markdown::plain_text(&text),
                text,
                user: row.int("UserId")?,
            };
            let size = comment.text.len() + comment.plain.len();
            Ok(Some((comment, size)))
        })? {
            self.comments_chunk(chunk).await?;
        }
        Ok(())
    }

    /// Comments → replies to their question's thread; a comment on an
    /// answer replies to that answer.
    async fn comments_chunk(&mut self, chunk: Vec<CommentRow>) -> Result<(), ImportError> {
        let newest = self.newest_comment;
        let mut done = self
            .known("comment", chunk.iter().map(|c| c.id), newest)
            .await?;
        self.newest_comment = chunk.iter().map(|c| c.id).fold(newest, i64::max);
        let people = self
            .recorded("person", chunk.iter().filter_map(|c| c.user), PersonId)
            .await?;
        let posts = source_ids(chunk.iter().map(|c| c.post));
        let targets: HashMap<i64, ImportedPost> = self
            .session
            .imported_posts(&["thread"], "answer", &posts)
            .await?
            .into_iter()
            .filter_map(|p| Some((p.source_id.parse().ok()?, p)))
            .collect();
        for comment in chunk {
            if !done.insert(comment.id) {
                self.summary.skip("comments already imported");
                continue;
            }
            let Some(target) = targets.get(&comment.post) else {
                self.summary
                    .skip("comments on posts not imported (tag wikis, deleted or skipped posts)");
                continue;
            };
            let author = self.person(&people, comment.user, comment.at).await?;
            let event = activity(
                comment.at,
                ActivityKind::ReplyCreated,
                author,
                self.community,
            )
            .other(target.thread_author);
            let reply = self
                .session
                .add_reply(
                    &NewReply {
                        thread_id: target.thread_id,
                        community_id: self.community,
                        plain: comment.plain,
                        body: comment.text,
                        reply_to: target.reply_id,
                        author_id: author,
                        at: comment.at,
                    },
                    &target.title,
                    &event,
                )
                .await?;
            self.session
                .record_id("comment", &comment.id.to_string(), reply)
                .await?;
            self.summary.replies += 1;
        }
        Ok(self.session.flush().await?)
    }

    /// Reads a file that is not imported, to count its rows and to make
    /// sure it is well formed.
    fn count_rows(&mut self, file: &str, root: &'static str) -> Result<u64, ImportError> {
        let Some(mut reader) = self.open(file, root)? else {
            return Ok(0);
        };
        let mut rows = 0u64;
        while reader.next_row()?.is_some() {
            rows += 1;
            self.progress.advance(reader.position(), rows);
        }
        self.progress.finish(rows);
        Ok(rows)
    }
}
