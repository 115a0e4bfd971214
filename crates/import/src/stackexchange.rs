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
//!   answer replies to that answer); the accepted answer → the thread is
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

use crate::id_map::IdMap;
use crate::progress::Progress;
use crate::shared::{activity, join_at_first_contribution, truncate_chars};
use crate::xml::{Row, RowReader};
use crate::{ImportError, Summary, html};
use guildhall_domain::text::Slug;
use guildhall_domain::{ActivityKind, PersonId, ThreadKind, Timestamp};
use guildhall_store::{
    ImportPerson, ImportSession, ImportSolution, NewCommunity, NewReply, NewThread, Store,
};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

pub const SOURCE: &str = "stackexchange";

/// Options of `guildhall import stackexchange`.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Import into this existing community instead of one made for the site.
    pub community: Option<String>,
    /// Do everything, then roll it back.
    pub dry_run: bool,
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

/// A help request of this site, imported now or by an earlier run. What
/// the import keeps in memory grows with the dump, so only what later rows
/// need, packed: 40 bytes and the title's text a question, 16 – 24 bytes an
/// id in the maps of [`Run`].
struct Question {
    thread: i64,
    author: i64,
    /// The accepted answer's post id, 0 if none.
    accepted: i64,
    /// Where its title ends in [`Questions`]' titles; it starts where the previous
    /// question's ends.
    title_end: usize,
    solved: bool,
}

/// The questions and, end to end in one string, their titles (which the
/// search documents of their answers and comments repeat): a title costs
/// its text, not an allocation of its own.
#[derive(Default)]
struct Questions {
    list: Vec<Question>,
    titles: String,
}

impl Questions {
    fn push(&mut self, thread: i64, author: i64, accepted: i64, solved: bool, title: &str) -> u32 {
        self.titles.push_str(title);
        self.list.push(Question {
            thread,
            author,
            accepted,
            title_end: self.titles.len(),
            solved,
        });
        (self.list.len() - 1) as u32
    }

    fn get(&self, ix: u32) -> Option<&Question> {
        self.list.get(ix as usize)
    }

    fn get_mut(&mut self, ix: u32) -> Option<&mut Question> {
        self.list.get_mut(ix as usize)
    }

    fn title(&self, ix: u32) -> &str {
        let start = match ix.checked_sub(1) {
            Some(before) => self.list.get(before as usize).map_or(0, |q| q.title_end),
            None => 0,
        };
        let end = self.get(ix).map_or(start, |q| q.title_end);
        self.titles.get(start..end).unwrap_or_default()
    }

    fn shrink(&mut self) {
        self.list.shrink_to_fit();
        self.titles.shrink_to_fit();
    }
}

struct Run<'a> {
    session: &'a mut ImportSession,
    progress: &'a mut dyn Progress,
    dir: PathBuf,
    site: String,
    community: i64,
    summary: Summary,
    /// User id → person.
    users: IdMap<i64>,
    /// The deleted-user placeholder, once needed.
    placeholder: Option<i64>,
    questions: Questions,
    /// Question post id → index in `questions`.
    question_of: IdMap<u32>,
    /// Answer post id → (reply, index of its question).
    answers: IdMap<(i64, u32)>,
    /// Accepted answer post id → time of the accept vote.
    accept_votes: IdMap<i64>,
    /// Person → time of their first contribution in this run.
    first_seen: HashMap<i64, i64>,
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
            community: 0,
            summary: Summary {
                dry_run: opts.dry_run,
                ..Summary::default()
            },
            users: IdMap::default(),
            placeholder: None,
            questions: Questions::default(),
            question_of: IdMap::default(),
            answers: IdMap::default(),
            accept_votes: IdMap::default(),
            first_seen: HashMap::new(),
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

impl Run<'_> {
    async fn all(&mut self, opts: &Options) -> Result<(), ImportError> {
        self.community(opts).await?;
        self.load_earlier_runs().await?;
        self.votes()?;
        self.users().await?;
        self.posts().await?;
        self.questions.shrink();
        self.question_of.shrink();
        self.answers.shrink();
        self.comments().await?;
        for (file, root, reason) in SKIPPED_FILES {
            let n = self.count_rows(file, root)?;
            self.summary.skip_many(reason, n);
        }
        self.memberships().await
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
        if let Some((_, id)) = self.session.known_ids("community").await?.first()
            && let Some(slug) = self.session.community_slug(*id).await?
        {
            self.community = *id;
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
                    visibility: "open".into(),
                    membership_policy: "open".into(),
                    stage: "maturing".into(),
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

    /// What earlier runs of this site imported: new rows attach to it, and
    /// nothing is imported twice.
    async fn load_earlier_runs(&mut self) -> Result<(), ImportError> {
        self.summary.community_id = self.community;
        let mut users = Vec::new();
        for (user, person) in self.session.known_ids("person").await? {
            if user == "deleted" {
                self.placeholder = Some(person);
            } else if let Ok(user) = user.parse::<i64>() {
                users.push((user, person));
            }
        }
        self.users = IdMap::from_unordered(users);
        let mut index_of_thread = HashMap::new();
        let mut question_of = Vec::new();
        for t in self.session.imported_threads("thread").await? {
            let Ok(post) = t.source_id.parse::<i64>() else {
                continue;
            };
            let ix = self
                .questions
                .push(t.thread_id, t.author_id, 0, t.solved, &t.title);
            index_of_thread.insert(t.thread_id, ix);
            question_of.push((post, ix));
        }
        self.question_of = IdMap::from_unordered(question_of);
        let mut answers = Vec::new();
        for r in self.session.imported_replies("answer").await? {
            if let (Ok(post), Some(ix)) = (
                r.source_id.parse::<i64>(),
                index_of_thread.get(&r.thread_id),
            ) {
                answers.push((post, (r.reply_id, *ix)));
            }
        }
        self.answers = IdMap::from_unordered(answers);
        Ok(())
    }

    /// Accept votes: when each accepted answer was accepted.
    fn votes(&mut self) -> Result<(), ImportError> {
        let Some(mut reader) = self.open("Votes.xml", "votes")? else {
            return Ok(());
        };
        let mut rows = 0u64;
        let mut accepts = Vec::new();
        while let Some(row) = reader.next_row()? {
            rows += 1;
            row.required_int("Id")?;
            let kind = row.required_int("VoteTypeId")?;
            if kind == 1 {
                let post = row.required_int("PostId")?;
                let at = row.required_time("CreationDate")?;
                accepts.push((post, at));
            }
            self.progress.advance(reader.position(), rows);
        }
        self.progress.finish(rows);
        self.summary.skip_many(
            "votes (only accept votes are used, for the time a request was solved)",
            rows,
        );
        // The latest accept vote of each answer counts.
        accepts.sort_unstable();
        let mut latest: Vec<(i64, i64)> = Vec::with_capacity(accepts.len());
        for (post, at) in accepts {
            match latest.last_mut() {
                Some(last) if last.0 == post => last.1 = at,
                _ => latest.push((post, at)),
            }
        }
        self.accept_votes = IdMap::from_unordered(latest);
        Ok(())
    }

    async fn users(&mut self) -> Result<(), ImportError> {
        let Some(mut reader) = self.open("Users.xml", "users")? else {
            return Ok(());
        };
        // Network account ids are numbers: kept as such, not as text.
        let mut aliases: HashMap<i64, i64> = self
            .session
            .alias_accounts()
            .await?
            .into_iter()
            .filter_map(|(account, person)| Some((account.parse().ok()?, person)))
            .collect();
        let email_site = Slug::suggest(&self.site);
        let mut rows = 0u64;
        while let Some(row) = reader.next_row()? {
            rows += 1;
            let id = row.required_int("Id")?;
            let at = row.required_time("CreationDate")?;
            let account = row.int("AccountId")?;
            let name = row.text("DisplayName")?;
            let bio = row.text("AboutMe")?;
            let position = row.end();
            if self.users.contains(id) {
                self.summary.skip("users already imported");
            } else if let Some(&person) = account.and_then(|a| aliases.get(&a)) {
                self.users.insert(id, person);
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
                        bio: truncate_chars(&html::plain_text(&bio), BIO_MAX),
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
                self.users.insert(id, person);
                self.summary.people_created += 1;
            }
            self.progress.advance(position, rows);
        }
        self.progress.finish(rows);
        Ok(())
    }

    /// The person behind a user id, or the site's deleted-user placeholder.
    async fn person(&mut self, user: Option<i64>, at: i64) -> Result<i64, ImportError> {
        if let Some(p) = user.and_then(|u| self.users.get(u)) {
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

    fn contributed(&mut self, person: i64, at: i64) {
        let first = self.first_seen.entry(person).or_insert(at);
        *first = (*first).min(at);
    }

    async fn posts(&mut self) -> Result<(), ImportError> {
        let Some(mut reader) = self.open("Posts.xml", "posts")? else {
            return Ok(());
        };
        let mut rows = 0u64;
        while let Some(row) = reader.next_row()? {
            rows += 1;
            let id = row.required_int("Id")?;
            match row.required_int("PostTypeId")? {
                1 => self.question(&row, id).await?,
                2 => self.answer(&row, id).await?,
                other => self.summary.skip(&post_kind_reason(other)),
            }
            self.progress.advance(reader.position(), rows);
        }
        self.progress.finish(rows);
        Ok(())
    }

    async fn question(&mut self, row: &Row<'_>, id: i64) -> Result<(), ImportError> {
        let accepted = row.int("AcceptedAnswerId")?.unwrap_or(0);
        if let Some(ix) = self.question_of.get(id) {
            if let Some(q) = self.questions.get_mut(ix) {
                q.accepted = accepted;
            }
            self.summary.skip("questions already imported");
            return Ok(());
        }
        let at = row.required_time("CreationDate")?;
        let title = match row.text("Title")?.trim() {
            "" => format!("Question {id}"),
            t => t.to_owned(),
        };
        let body = row.text("Body")?;
        let tags = tags(&row.text("Tags")?);
        let author = self.person(row.int("OwnerUserId")?, at).await?;
        let thread = self
            .session
            .add_thread(
                &NewThread {
                    community_id: self.community,
                    kind: ThreadKind::Help.as_str(),
                    plain: html::plain_text(&body),
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
        self.contributed(author, at);
        let ix = self.questions.push(thread, author, accepted, false, &title);
        self.question_of.insert(id, ix);
        self.summary.threads += 1;
        Ok(())
    }

    async fn answer(&mut self, row: &Row<'_>, id: i64) -> Result<(), ImportError> {
        if self.answers.contains(id) {
            self.summary.skip("answers already imported");
            return Ok(());
        }
        let parent = row
            .int("ParentId")?
            .ok_or_else(|| row.error("expected attribute ParentId on an answer (PostTypeId 2)"))?;
        let Some(ix) = self.question_of.get(parent) else {
            self.summary
                .skip("answers to a question missing from the dump (deleted or out of order)");
            return Ok(());
        };
        let at = row.required_time("CreationDate")?;
        let body = row.text("Body")?;
        let author = self.person(row.int("OwnerUserId")?, at).await?;
        let Some(q) = self.questions.get(ix) else {
            return Ok(());
        };
        let (thread, asker, accepted, solved) = (q.thread, q.author, q.accepted, q.solved);
        let event =
            activity(at, ActivityKind::ReplyCreated, author, self.community).other(PersonId(asker));
        let reply = self
            .session
            .add_reply(
                &NewReply {
                    thread_id: thread,
                    community_id: self.community,
                    plain: html::plain_text(&body),
                    body,
                    reply_to: None,
                    author_id: author,
                    at,
                },
                self.questions.title(ix),
                &event,
            )
            .await?;
        self.session
            .record_id("answer", &id.to_string(), reply)
            .await?;
        self.answers.insert(id, (reply, ix));
        self.contributed(author, at);
        self.summary.replies += 1;
        if accepted == id && !solved {
            // Accept votes carry a date only: never before the answer.
            let solved_at = self.accept_votes.get(id).map_or(at, |v| v.max(at));
            self.session
                .add_solution(
                    &ImportSolution {
                        thread_id: thread,
                        reply_id: reply,
                        helper_id: author,
                        marked_by: Some(asker),
                        at: solved_at,
                    },
                    &activity(solved_at, ActivityKind::HelpSolved, asker, self.community)
                        .other(PersonId(author)),
                )
                .await?;
            if let Some(q) = self.questions.get_mut(ix) {
                q.solved = true;
            }
            self.summary.solved += 1;
        }
        Ok(())
    }

    async fn comments(&mut self) -> Result<(), ImportError> {
        let known: HashSet<i64> = self
            .session
            .known_ids("comment")
            .await?
            .into_iter()
            .filter_map(|(id, _)| id.parse().ok())
            .collect();
        let Some(mut reader) = self.open("Comments.xml", "comments")? else {
            return Ok(());
        };
        let mut rows = 0u64;
        while let Some(row) = reader.next_row()? {
            rows += 1;
            let id = row.required_int("Id")?;
            let post = row.required_int("PostId")?;
            let at = row.required_time("CreationDate")?;
            let position = row.end();
            if known.contains(&id) {
                self.summary.skip("comments already imported");
                self.progress.advance(position, rows);
                continue;
            }
            let target = match (self.question_of.get(post), self.answers.get(post)) {
                (Some(ix), _) => Some((ix, None)),
                (None, Some((reply, ix))) => Some((ix, Some(reply))),
                (None, None) => None,
            };
            let Some((ix, reply_to)) = target else {
                self.summary
                    .skip("comments on posts not imported (tag wikis, deleted or skipped posts)");
                self.progress.advance(position, rows);
                continue;
            };
            let text = row.text("Text")?;
            let author = self.person(row.int("UserId")?, at).await?;
            let Some(q) = self.questions.get(ix) else {
                continue;
            };
            let event = activity(at, ActivityKind::ReplyCreated, author, self.community)
                .other(PersonId(q.author));
            let reply = self
                .session
                .add_reply(
                    &NewReply {
                        thread_id: q.thread,
                        community_id: self.community,
                        plain: guildhall_domain::markdown::plain_text(&text),
                        body: text,
                        reply_to,
                        author_id: author,
                        at,
                    },
                    self.questions.title(ix),
                    &event,
                )
                .await?;
            self.session
                .record_id("comment", &id.to_string(), reply)
                .await?;
            self.contributed(author, at);
            self.summary.replies += 1;
            self.progress.advance(position, rows);
        }
        self.progress.finish(rows);
        Ok(())
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

    /// Everyone who contributed becomes a member at their first
    /// contribution, unless they already are one.
    async fn memberships(&mut self) -> Result<(), ImportError> {
        join_at_first_contribution(
            self.session,
            self.community,
            &self.first_seen,
            &mut self.summary,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_question_keeps_its_own_title() {
        let mut questions = Questions::default();
        let titles = ["How do neurons fire?", "", "Überblick über Q-Learning", "x"];
        for (n, title) in titles.iter().enumerate() {
            let ix = questions.push(n as i64, 7, 0, false, title);
            assert_eq!(ix as usize, n);
        }
        for (n, title) in titles.iter().enumerate() {
            assert_eq!(questions.title(n as u32), *title);
            assert_eq!(questions.get(n as u32).map(|q| q.thread), Some(n as i64));
        }
        assert_eq!(questions.title(99), "", "no such question");
    }
}
