//! A Slack workspace export (channels.json, users.json, one folder per
//! channel with a JSON file per day), unpacked or as its .zip, into one
//! community per channel, or all into one with `--community`.
//!
//! Mapping:
//! - channels → communities: slug `<workspace>-<channel>` (the workspace
//!   named after the folder or archive, "Slack export …" and a `slack-`
//!   prefix dropped); a second channel with the same slug (Slack allows
//!   `meetup` and `meetup-`) gets the channel id appended. Name `#channel
//!   (workspace)`, purpose the channel's purpose (else its topic), created
//!   at the channel's creation; archived channels are in the `memory`
//!   stage (closed, knowledge kept), others `maturing`. Channels without a
//!   folder in the export make no community. With `--community SLUG` every
//!   channel goes into that existing community, and each thread is tagged
//!   with its channel's name (always, so that merging later keeps it).
//! - conversations: old exports (2016 and before) have no threads at all,
//!   and one thread per chat line would bury a community in one-liners.
//!   So top-level messages of a channel are grouped into conversations: a
//!   conversation goes on while each message follows the previous one
//!   within [`CONVERSATION_GAP`] (6 hours, a sitting) and lasts at most
//!   [`CONVERSATION_SPAN`] (a day, so that a busy channel does not become
//!   one endless thread). The first message opens a discussion thread
//!   (title = its first words), the others are its replies, in order.
//! - Slack threads: a message with thread replies (`reply_count`,
//!   `replies`, or `thread_ts` equal to its own `ts`) opens a discussion
//!   thread of its own, and messages with `thread_ts` ≠ `ts` are replies
//!   in it (replying to the parent when the parent was itself a reply). A
//!   thread reply whose parent is not in the export joins the channel's
//!   conversation; the summary counts those.
//! - people: users.json's users are matched to people by normalized
//!   profile email (a person with that address or alias), else by Slack
//!   user id (an alias of source `slack`, or this workspace's earlier
//!   runs), else made; the alias records the user id, the address and the
//!   name. A person is made only for users with an imported message, join
//!   or leave, or reaction: people = users with traces. Users without an
//!   address get one under the reserved `.invalid` domain; users missing
//!   from users.json are named by the message's user_profile, else their id.
//! - membership: `channel_join` (and `group_join`) → `member.joined` at
//!   that time, `channel_leave` → `member.left`; anyone who contributed
//!   without a join message joins at their first contribution. With
//!   `--community`, a person is a member while in at least one channel:
//!   leaving one of several channels is not leaving the community. A leave
//!   of someone never seen joining (they joined before the export began)
//!   changes nothing and is counted. People already members stay members.
//! - reactions → thanks: one per distinct reacting person other than the
//!   author, on replies (Guildhall thanks replies and resources, not the
//!   opening post of a thread), at the message's time (exports do not date
//!   reactions). Reactions on a thread's first message are counted under
//!   notes only.
//! - skipped with reasons: bot and integration messages (subtype
//!   `bot_message`, `bot_add`, …, or a user marked is_bot), channel events
//!   (purpose, topic, rename, archive, pins), unknown subtypes. Imported and
//!   noted: files (the message with its link is imported; files are not in
//!   exports), edited messages (the current text; exports keep no
//!   history), link previews (the link itself is kept).
//!
//! Text: Slack markup → Markdown (see [`markup`]): mentions `<@U123>` →
//! `@Real Name`, `<#C123|x>` → `#x`, links → Markdown links, entities
//! unescaped, `*bold*` → `**bold**`, newlines kept as line breaks.
//! Times: `ts` is epoch seconds with a microsecond fraction; rows keep the
//! seconds, and the full `ts` keys the source ids.
//!
//! Idempotent: ids are recorded under source `slack`, site = the
//! workspace's team id (users.json `team_id`, else the workspace name):
//! communities by channel id, people by user id, threads and messages
//! and join/leave events by `channel id/ts`. A second run skips them all.
//!
//! Not done (yet): a leave by someone who was a member before this run
//! (an earlier run's join) is counted, not applied, since import sessions
//! only add rows; emoji shortcodes (`:smile:`) stay as text; a user id that
//! Slack itself wrote as plain text (file comments: "commented on U064…'s
//! file") is left as it is.
//!
//! Bounded memory: channels.json and users.json (the users and the people
//! they became), then a channel's day files a chunk of messages at a time:
//! what a chunk refers to (the threads of its replies, messages and events
//! imported before) is looked up in the import's transaction, so nothing
//! the importer keeps grows with the number of messages.
//! Malformed: invalid JSON, a value of the wrong type, a `ts` that is not a
//! Slack timestamp, or text that is not UTF-8 stops the import with the
//! file, line and byte offset; nothing of the run remains.

mod export;
pub(crate) mod markup;

use crate::progress::Progress;
use crate::shared::{activity, distinct, truncate_chars};
use crate::{ImportError, Summary, SummaryCommunity};
use export::Export;
use guildhall_domain::text::Slug;
use guildhall_domain::{
    ActivityKind, CommunityId, CommunityRole, MembershipPolicy, PersonId, ReplyId, Stage, ThreadId,
    ThreadKind, Timestamp, Visibility,
};
use guildhall_store::{
    BulkThanks, ImportPerson, ImportSession, NewCommunity, NewReply, NewThread, Store,
};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

pub const SOURCE: &str = "slack";

/// A conversation ends after this much silence in its channel.
pub const CONVERSATION_GAP: i64 = 6 * 3600;
/// … and at the latest this long after its first message.
pub const CONVERSATION_SPAN: i64 = 24 * 3600;

/// Thread titles: the first words of the opening message, this long at most.
const TITLE_MAX: usize = 80;

/// Options of `guildhall import slack`.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Import every channel into this existing community.
    pub community: Option<String>,
    /// Do everything, then roll it back.
    pub dry_run: bool,
    /// Messages a chunk (default [`CHUNK_MESSAGES`]); tests use small ones.
    pub chunk_messages: Option<usize>,
}

/// A channel's messages are read a day file at a time and looked up and
/// written once this many are read (or the channel ends).
const CHUNK_MESSAGES: usize = 2_000;

// ---- The export's JSON, as far as the import reads it. Unknown fields
// are ignored; fields that may be null are `Option`.

#[derive(Deserialize)]
struct Channel {
    id: String,
    name: String,
    #[serde(default)]
    created: Option<serde_json::Value>,
    #[serde(default)]
    is_archived: Option<bool>,
    #[serde(default)]
    purpose: Option<Topic>,
    #[serde(default)]
    topic: Option<Topic>,
}

#[derive(Deserialize)]
struct Topic {
    #[serde(default)]
    value: Option<String>,
}

#[derive(Deserialize)]
struct User {
    id: String,
    #[serde(default)]
    team_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default)]
    is_bot: Option<bool>,
    #[serde(default)]
    profile: Option<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    subtype: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    text: Option<String>,
    ts: Ts,
    #[serde(default)]
    thread_ts: Option<Ts>,
    #[serde(default)]
    reply_count: Option<u64>,
    #[serde(default)]
    replies: Option<Vec<serde::de::IgnoredAny>>,
    #[serde(default)]
    reactions: Option<Vec<Reaction>>,
    #[serde(default)]
    edited: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    file: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    files: Option<Vec<serde::de::IgnoredAny>>,
    #[serde(default)]
    attachments: Option<Vec<serde::de::IgnoredAny>>,
    #[serde(default)]
    comment: Option<Comment>,
    #[serde(default)]
    user_profile: Option<Profile>,
}

#[derive(Deserialize)]
struct Comment {
    #[serde(default)]
    user: Option<String>,
}

#[derive(Deserialize)]
struct Reaction {
    #[serde(default)]
    users: Option<Vec<String>>,
}

/// A Slack timestamp ("1468284653.000039") in microseconds: unique per
/// channel, so it is the message's id there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Ts(i64);

impl Ts {
    fn seconds(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    fn key(self, channel: &str) -> String {
        format!(
            "{channel}/{}.{:06}",
            self.0.div_euclid(1_000_000),
            self.0.rem_euclid(1_000_000)
        )
    }
}

impl<'de> Deserialize<'de> for Ts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        parse_ts(&raw).map(Ts).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "expected a Slack timestamp like \"1468284653.000039\", found \"{raw}\""
            ))
        })
    }
}

/// "1468284653.000039" → microseconds; a missing or short fraction is
/// padded ("1468284653.5" is half a second).
fn parse_ts(raw: &str) -> Option<i64> {
    let (secs, frac) = raw.split_once('.').unwrap_or((raw, ""));
    if secs.is_empty()
        || !secs.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 6
        || secs.len() > 12
    {
        return None;
    }
    let secs: i64 = secs.parse().ok()?;
    let micros: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").parse().ok()?
    };
    Some(secs * 1_000_000 + micros)
}

/// What a user is known as, from users.json.
struct UserInfo {
    name: String,
    email: Option<String>,
    bio: String,
    bot: bool,
}

/// A channel being imported.
struct ChannelState {
    id: String,
    name: String,
    community: CommunityId,
}

/// A thread of this workspace, imported now or by an earlier run.
struct ThreadInfo {
    id: ThreadId,
    author: PersonId,
    community: CommunityId,
    title: Box<str>,
    /// Its first message's time (seconds).
    started: i64,
    /// A conversation (grouped messages) rather than a Slack thread.
    conversation: bool,
}

/// Where a message landed: its thread, and the reply (`None` for the
/// message that opened the thread).
#[derive(Clone)]
struct Placed {
    thread: Arc<ThreadInfo>,
    reply: Option<ReplyId>,
}

/// The open conversation of the channel being read.
#[derive(Clone)]
struct Conversation {
    thread: Arc<ThreadInfo>,
    last: i64,
}

/// What the chunk being imported refers to, in its channel: looked up
/// before it, and added to as its messages are imported.
#[derive(Default)]
struct Known {
    /// Message ts → where it landed (the chunk's messages and their
    /// parents).
    places: HashMap<Ts, Placed>,
    /// Messages and join/leave events recorded already → whether by an
    /// earlier run.
    recorded: HashMap<Ts, bool>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Change {
    Join,
    Leave,
}

/// A membership change of a person in a community, from one channel.
#[derive(Clone, Copy)]
struct MemberChange {
    at: i64,
    channel: u32,
    change: Change,
}

struct Run<'a> {
    session: &'a mut ImportSession,
    progress: &'a mut dyn Progress,
    export: Export,
    summary: Summary,
    merge_into: Option<CommunityId>,
    workspace: String,
    users: HashMap<String, UserInfo>,
    channel_names: HashMap<String, String>,
    channels: Vec<ChannelState>,
    /// Slack user id → person.
    people: HashMap<String, PersonId>,
    /// Slack user ids already recorded as aliases of source `slack`.
    aliases: HashMap<String, PersonId>,
    chunk_messages: usize,
    known: Known,
    /// Whether earlier runs imported this workspace.
    earlier_runs: bool,
    /// The latest ts of the channel's chunks before: a workspace imported
    /// for the first time can only have recorded messages up to it.
    newest: Option<Ts>,
    conversation: Option<Conversation>,
    /// (community, person) → membership changes of this run.
    changes: HashMap<(CommunityId, PersonId), Vec<MemberChange>>,
    /// (community, person) → (time, channel) of the first contribution.
    first_seen: HashMap<(CommunityId, PersonId), (i64, u32)>,
    bytes_done: u64,
    rows: u64,
}

/// Imports the export at `path` (a folder or a .zip). On any error nothing
/// of the run remains.
pub async fn import(
    store: &Store,
    path: &Path,
    opts: &Options,
    progress: &mut dyn Progress,
) -> Result<Summary, ImportError> {
    let mut export = Export::open(path)?;
    for required in ["channels.json", "users.json"] {
        if !export.has(required) {
            return Err(ImportError::Refused(format!(
                "'{}' has no {required}: point to a Slack workspace export (channels.json, users.json, a folder per channel), unpacked or its .zip",
                path.display()
            )));
        }
    }
    let workspace = export.workspace_name();
    let channels: Vec<Channel> =
        read_json(&mut export, "channels.json", "a JSON array of channels")?;
    let users: Vec<User> = read_json(&mut export, "users.json", "a JSON array of users")?;
    let site = users
        .iter()
        .find_map(|u| u.team_id.clone().filter(|t| !t.trim().is_empty()))
        .unwrap_or_else(|| Slug::suggest(&workspace));
    if site.is_empty() {
        return Err(ImportError::Refused(format!(
            "cannot tell which workspace '{}' is (no team_id in users.json, no usable folder name): rename it after the workspace",
            path.display()
        )));
    }
    let mut session = store.begin_import(SOURCE, &site).await?;
    let outcome = {
        let mut run = Run {
            session: &mut session,
            progress,
            export,
            summary: Summary {
                dry_run: opts.dry_run,
                ..Summary::default()
            },
            merge_into: None,
            workspace,
            users: HashMap::new(),
            channel_names: HashMap::new(),
            channels: Vec::new(),
            people: HashMap::new(),
            aliases: HashMap::new(),
            chunk_messages: opts.chunk_messages.unwrap_or(CHUNK_MESSAGES).max(1),
            known: Known::default(),
            earlier_runs: false,
            newest: None,
            conversation: None,
            changes: HashMap::new(),
            first_seen: HashMap::new(),
            bytes_done: 0,
            rows: 0,
        };
        run.all(opts, channels, users).await.map(|()| run.summary)
    };
    crate::shared::conclude(session, outcome, opts.dry_run, progress).await
}

/// Reads and parses a whole JSON file, naming the place of any error.
fn read_json<T: serde::de::DeserializeOwned>(
    export: &mut Export,
    rel: &str,
    expected: &str,
) -> Result<T, ImportError> {
    let bytes = export.read(rel)?;
    let file = export.path_of(rel);
    let malformed = |line: u64, offset: u64, message: String| ImportError::Malformed {
        file: file.clone(),
        line,
        offset,
        message: format!("{message}; {}", crate::DAMAGED),
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(malformed(
            1,
            0,
            format!("expected {expected} in UTF-8, found UTF-16 (a byte-order mark)"),
        ));
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let skipped = (bytes.len() - body.len()) as u64;
    serde_json::from_slice(body).map_err(|e| {
        let line = e.line() as u64;
        let offset = skipped + byte_offset(body, e.line(), e.column());
        let what = e.to_string();
        let what = what.split(" at line ").next().unwrap_or_default();
        let hint = if what.contains("unicode") || what.contains("UTF-8") {
            " (the file is not UTF-8 text)"
        } else if e.is_eof() {
            " (the file ends too early: it looks truncated)"
        } else {
            ""
        };
        malformed(line, offset, format!("expected {expected}: {what}{hint}"))
    })
}

/// The byte offset of serde_json's (line, column), both counted from 1.
fn byte_offset(bytes: &[u8], line: usize, column: usize) -> u64 {
    let line_start = if line <= 1 {
        0
    } else {
        bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(line - 2)
            .map_or(bytes.len(), |(i, _)| i + 1)
    };
    (line_start + column.saturating_sub(1)).min(bytes.len()) as u64
}

/// A normalized email address, if it looks like one.
fn normalized_email(raw: &str) -> Option<String> {
    let e = raw.trim().to_lowercase();
    let (local, domain) = e.split_once('@')?;
    (!local.is_empty() && domain.contains('.') && !e.chars().any(char::is_whitespace)).then_some(e)
}

/// What becomes of a message, by its subtype.
enum Kind {
    Content,
    Member(Change),
    Skip(String),
}

fn kind_of(subtype: Option<&str>) -> Kind {
    match subtype {
        None
        | Some(
            "file_share" | "file_comment" | "file_mention" | "me_message" | "thread_broadcast"
            | "reply_broadcast",
        ) => Kind::Content,
        Some("channel_join" | "group_join") => Kind::Member(Change::Join),
        Some("channel_leave" | "group_leave") => Kind::Member(Change::Leave),
        Some(s) if s.starts_with("bot_") => {
            Kind::Skip("bot and integration messages (not imported)".into())
        }
        Some(
            s @ ("channel_purpose" | "channel_topic" | "channel_name" | "channel_archive"
            | "channel_unarchive" | "group_purpose" | "group_topic" | "group_name"
            | "group_archive" | "group_unarchive" | "pinned_item" | "unpinned_item"),
        ) => Kind::Skip(format!("channel events: {s} (not imported)")),
        Some(s) => Kind::Skip(format!("messages of subtype {s} (not imported)")),
    }
}

impl markup::Names for Run<'_> {
    fn person(&self, user_id: &str) -> Option<String> {
        self.users.get(user_id).map(|u| u.name.clone())
    }

    fn channel(&self, channel_id: &str) -> Option<String> {
        self.channel_names.get(channel_id).cloned()
    }
}

impl Run<'_> {
    async fn all(
        &mut self,
        opts: &Options,
        channels: Vec<Channel>,
        users: Vec<User>,
    ) -> Result<(), ImportError> {
        self.load_users(users);
        for c in &channels {
            self.channel_names.insert(c.id.clone(), c.name.clone());
        }
        if let Some(slug) = &opts.community {
            let id = self.session.community_by_slug(slug).await?.ok_or_else(|| {
                ImportError::Refused(format!(
                    "there is no community '{slug}': create it first, or leave out --community to make one community per channel"
                ))
            })?;
            self.merge_into = Some(id);
            self.summary.community_id = id;
            self.summary.community_slug = slug.clone();
        }
        // Which channels have messages in the export, and how much to read.
        let mut plan = Vec::new();
        let mut total = 0u64;
        for channel in channels {
            let (days, others) = self.export.day_files(&channel.name)?;
            self.summary
                .skip_many("files in channel folders that are not day files", others);
            if days.is_empty() {
                self.summary
                    .note("channels without messages in the export (no community made)");
                continue;
            }
            total += days.iter().map(|(_, size)| size).sum::<u64>();
            plan.push((channel, days));
        }
        for skipped in ["groups.json", "dms.json", "mpims.json"] {
            if self.export.has(skipped) {
                self.summary.note(&format!(
                    "{skipped} present: private channels and direct messages are not imported"
                ));
            }
        }
        let known_communities: HashMap<String, CommunityId> = self
            .session
            .known_ids("community")
            .await?
            .into_iter()
            .map(|(channel, community)| (channel, CommunityId(community)))
            .collect();
        let mut slugs_taken = HashSet::new();
        for (channel, _) in &plan {
            let community = self
                .community(channel, &known_communities, &mut slugs_taken)
                .await?;
            self.channels.push(ChannelState {
                id: channel.id.clone(),
                name: channel.name.clone(),
                community,
            });
        }
        if self.summary.communities.len() == 1
            && let Some(c) = self.summary.communities.first()
        {
            self.summary.community_id = c.id;
            self.summary.community_slug = c.slug.clone();
            self.summary.community_created = c.created;
        }
        self.load_earlier_runs().await?;
        self.progress.start("Slack export", total);
        for (ix, (_, days)) in plan.iter().enumerate() {
            let channel = ix as u32;
            self.conversation = None;
            self.newest = None;
            let mut chunk = Vec::new();
            for (rel, size) in days {
                chunk.extend(self.day(rel)?);
                self.bytes_done += size;
                if chunk.len() >= self.chunk_messages {
                    self.chunk(channel, std::mem::take(&mut chunk)).await?;
                }
                self.progress.advance(self.bytes_done, self.rows);
            }
            self.chunk(channel, chunk).await?;
        }
        self.progress.finish(self.rows);
        self.memberships().await
    }

    fn load_users(&mut self, users: Vec<User>) {
        for u in users {
            let profile = u.profile.as_ref();
            let name = [
                profile.and_then(|p| p.real_name.clone()),
                u.real_name.clone(),
                profile.and_then(|p| p.display_name.clone()),
                u.name.clone(),
            ]
            .into_iter()
            .flatten()
            .map(|n| n.trim().to_owned())
            .find(|n| !n.is_empty())
            .unwrap_or_else(|| u.id.clone());
            let email = profile
                .and_then(|p| p.email.as_deref())
                .and_then(normalized_email);
            let bio = profile
                .and_then(|p| p.title.clone())
                .unwrap_or_default()
                .trim()
                .to_owned();
            let bot = u.is_bot.unwrap_or(false) || u.id == "USLACKBOT";
            self.users.insert(
                u.id,
                UserInfo {
                    name: truncate_chars(&name, 200),
                    email,
                    bio: truncate_chars(&bio, 2_000),
                    bot,
                },
            );
        }
    }

    /// The community of a channel: the one to merge into, the one an
    /// earlier run made, or a new one.
    async fn community(
        &mut self,
        channel: &Channel,
        known: &HashMap<String, CommunityId>,
        slugs_taken: &mut HashSet<String>,
    ) -> Result<CommunityId, ImportError> {
        if let Some(id) = self.merge_into {
            return Ok(id);
        }
        if let Some(&id) = known.get(&channel.id)
            && let Some(slug) = self.session.community_slug(id).await?
        {
            slugs_taken.insert(slug.clone());
            self.summary.communities.push(SummaryCommunity {
                id,
                slug,
                created: false,
                threads: 0,
            });
            return Ok(id);
        }
        let base = Slug::suggest(&format!("{}-{}", self.workspace, channel.name));
        let mut chosen = None;
        for candidate in [
            base.clone(),
            Slug::suggest(&format!("{base}-{}", channel.id)),
        ] {
            if candidate.is_empty() || slugs_taken.contains(&candidate) {
                continue;
            }
            if self.session.community_by_slug(&candidate).await?.is_some() {
                return Err(ImportError::Refused(format!(
                    "a community '{candidate}' already exists and was not made by importing this workspace's #{}: pass --community SLUG to import every channel into one community, or rename the export's folder",
                    channel.name
                )));
            }
            chosen = Some(candidate);
            break;
        }
        let slug = chosen.and_then(|s| Slug::parse(&s).ok()).ok_or_else(|| {
            ImportError::Refused(format!(
                "cannot make a community address for #{} of '{}': pass --community SLUG",
                channel.name, self.workspace
            ))
        })?;
        let purpose = [&channel.purpose, &channel.topic]
            .into_iter()
            .flatten()
            .filter_map(|t| t.value.as_deref())
            .map(|v| markup::to_markdown(v, self))
            .find(|v| !v.trim().is_empty())
            .unwrap_or_else(|| {
                format!(
                    "The #{} channel of the {} Slack workspace, imported with its members' messages.",
                    channel.name, self.workspace
                )
            });
        let created = channel
            .created
            .as_ref()
            .and_then(|v| {
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .filter(|t| *t > 0)
            .unwrap_or_else(|| Timestamp::now().0);
        let archived = channel.is_archived.unwrap_or(false);
        let workspace = if self.workspace.is_empty() {
            "Slack".to_owned()
        } else {
            self.workspace.clone()
        };
        let id = self
            .session
            .create_community(
                &NewCommunity {
                    slug: slug.as_str().to_owned(),
                    name: format!("#{} ({workspace})", channel.name),
                    domain_statement: String::new(),
                    purpose: truncate_chars(&purpose, 2_000),
                    visibility: Visibility::Open,
                    membership_policy: MembershipPolicy::Open,
                    stage: if archived {
                        Stage::Memory
                    } else {
                        Stage::Maturing
                    },
                    domains: Vec::new(),
                },
                if archived {
                    "imported from a Slack export (the channel is archived)"
                } else {
                    "imported from a Slack export"
                },
                created,
            )
            .await?;
        self.session.record_id("community", &channel.id, id).await?;
        slugs_taken.insert(slug.as_str().to_owned());
        self.summary.communities.push(SummaryCommunity {
            id,
            slug: slug.as_str().to_owned(),
            created: true,
            threads: 0,
        });
        Ok(id)
    }

    /// The people and accounts earlier runs of this workspace made.
    async fn load_earlier_runs(&mut self) -> Result<(), ImportError> {
        for (user, person) in self.session.known_ids("person").await? {
            self.people.insert(user, PersonId(person));
        }
        for (account, person) in self.session.alias_accounts().await? {
            self.aliases.insert(account, person);
        }
        self.earlier_runs = self.session.imported_before().await?;
        Ok(())
    }

    /// A day file's messages, in order.
    fn day(&mut self, rel: &str) -> Result<Vec<Message>, ImportError> {
        let mut messages: Vec<Message> = read_json(
            &mut self.export,
            rel,
            "a JSON array of messages (a Slack day file)",
        )?;
        // Exports list a day in order; make sure, since conversations
        // depend on it.
        messages.sort_by_key(|m| m.ts);
        Ok(messages)
    }

    /// Looks up what a chunk of a channel's messages refers to, then
    /// imports them in order.
    async fn chunk(&mut self, channel: u32, messages: Vec<Message>) -> Result<(), ImportError> {
        if messages.is_empty() {
            return Ok(());
        }
        self.look_up(channel, &messages).await?;
        for m in messages {
            self.rows += 1;
            self.message(channel, m).await?;
        }
        Ok(self.session.flush().await?)
    }

    /// Fills [`Known`] for a chunk: its messages, and the messages its
    /// thread replies answer, as imported before (by earlier runs or
    /// earlier chunks).
    async fn look_up(&mut self, channel: u32, messages: &[Message]) -> Result<(), ImportError> {
        let c = &self.channels[channel as usize];
        let community = c.community;
        // The chunk's own messages, when they can have been recorded (day
        // files list a channel's messages in order: rarely), and the
        // messages its thread replies answer.
        let (earlier_runs, newest) = (self.earlier_runs, self.newest);
        let own: Vec<Ts> = messages
            .iter()
            .map(|m| m.ts)
            .filter(|ts| earlier_runs || newest.is_some_and(|n| *ts <= n))
            .collect();
        self.newest = messages.iter().map(|m| m.ts).chain(newest).max();
        let stamps = distinct(
            own.iter()
                .copied()
                .chain(messages.iter().filter_map(|m| m.thread_ts)),
        );
        let by_id: HashMap<String, Ts> = stamps.iter().map(|ts| (ts.key(&c.id), *ts)).collect();
        let ids: Vec<String> = by_id.keys().cloned().collect();
        let own_ids: Vec<String> = own.iter().map(|ts| ts.key(&c.id)).collect();
        self.known = Known::default();
        let posts = self
            .session
            .imported_posts(&["conversation", "thread"], "message", &ids)
            .await?;
        // A reply is in a conversation unless it is a thread reply in the
        // Slack thread its parent opened (Slack threads are one level
        // deep: a parent is a top-level message).
        let thread_parents: HashMap<Ts, Ts> = messages
            .iter()
            .filter_map(|m| Some((m.ts, m.thread_ts.filter(|t| *t != m.ts)?)))
            .collect();
        let slack_threads: HashMap<Ts, ThreadId> = posts
            .iter()
            .filter(|p| p.kind == "thread")
            .filter_map(|p| Some((*by_id.get(&p.source_id)?, p.thread_id)))
            .collect();
        for p in posts {
            let Some(&ts) = by_id.get(&p.source_id) else {
                continue;
            };
            let conversation = match p.kind.as_str() {
                "conversation" => true,
                "thread" => false,
                _ => thread_parents
                    .get(&ts)
                    .and_then(|parent| slack_threads.get(parent))
                    .is_none_or(|thread| *thread != p.thread_id),
            };
            self.known.recorded.insert(ts, !self.session.wrote(&p));
            let thread = Arc::new(ThreadInfo {
                id: p.thread_id,
                author: p.thread_author,
                community,
                title: p.title.into_boxed_str(),
                started: p.thread_created_at,
                conversation,
            });
            let reply = p.reply_id;
            self.known.places.insert(ts, Placed { thread, reply });
        }
        for (id, _) in self.session.known_among("member_event", &own_ids).await? {
            if let Some(&ts) = by_id.get(&id) {
                self.known.recorded.insert(ts, true);
            }
        }
        Ok(())
    }

    async fn message(&mut self, channel: u32, m: Message) -> Result<(), ImportError> {
        let kind = kind_of(m.subtype.as_deref());
        if let Some(&earlier) = self.known.recorded.get(&m.ts) {
            self.summary.skip(if earlier {
                "messages already imported by an earlier run"
            } else {
                "messages listed twice in the export (imported once)"
            });
            if let Some(placed) = self.known.places.get(&m.ts)
                && placed.thread.conversation
            {
                self.conversation = Some(Conversation {
                    thread: placed.thread.clone(),
                    last: m.ts.seconds(),
                });
            }
            return Ok(());
        }
        match kind {
            Kind::Skip(reason) => {
                self.summary.skip(&reason);
                Ok(())
            }
            Kind::Member(change) => self.member_change(channel, &m, change).await,
            Kind::Content => self.content(channel, m).await,
        }
    }

    async fn member_change(
        &mut self,
        channel: u32,
        m: &Message,
        change: Change,
    ) -> Result<(), ImportError> {
        let Some(user) = m.user.as_deref() else {
            self.summary.skip("join or leave messages without a user");
            return Ok(());
        };
        if self.users.get(user).is_some_and(|u| u.bot) {
            self.summary
                .skip("bot and integration messages (not imported)");
            return Ok(());
        }
        let at = m.ts.seconds();
        let person = self.person(user, m.user_profile.as_ref(), at).await?;
        let community = self.channels[channel as usize].community;
        let id = m.ts.key(&self.channels[channel as usize].id);
        self.session.record_id("member_event", &id, person).await?;
        self.known.recorded.insert(m.ts, false);
        self.changes
            .entry((community, person))
            .or_default()
            .push(MemberChange {
                at,
                channel,
                change,
            });
        Ok(())
    }

    async fn content(&mut self, channel: u32, m: Message) -> Result<(), ImportError> {
        let user = m
            .user
            .clone()
            .or_else(|| m.comment.as_ref().and_then(|c| c.user.clone()));
        let Some(user) = user else {
            self.summary.skip("messages without a user");
            return Ok(());
        };
        if self.users.get(&user).is_some_and(|u| u.bot) {
            self.summary
                .skip("bot and integration messages (not imported)");
            return Ok(());
        }
        let at = m.ts.seconds();
        let body = markup::to_markdown(m.text.as_deref().unwrap_or_default(), self);
        let plain = guildhall_domain::markdown::plain_text(&body);
        if body.trim().is_empty() {
            self.summary.note("messages with no text (imported empty)");
        }
        if m.edited.is_some() {
            self.summary
                .note("edited messages (their current text is imported; exports keep no history)");
        }
        if m.file.is_some() || m.files.as_ref().is_some_and(|f| !f.is_empty()) {
            self.summary.note(
                "messages sharing files (the message and its link are imported; files are not in exports)",
            );
        }
        if m.attachments.as_ref().is_some_and(|a| !a.is_empty()) {
            self.summary
                .note("messages with link previews (the link is imported, the preview is not)");
        }
        let author = self.person(&user, m.user_profile.as_ref(), at).await?;
        let community = self.channels[channel as usize].community;
        let opens_thread = m.reply_count.unwrap_or(0) > 0
            || m.replies.as_ref().is_some_and(|r| !r.is_empty())
            || m.thread_ts == Some(m.ts);
        let parent = match m.thread_ts.filter(|t| *t != m.ts) {
            Some(t) => {
                let parent = self.known.places.get(&t).cloned();
                if parent.is_none() {
                    self.summary.note(
                        "thread replies whose parent is not in the export, placed in the channel's conversation",
                    );
                }
                parent
            }
            None => None,
        };
        let source_id = m.ts.key(&self.channels[channel as usize].id);
        let placed = if let Some(parent) = parent {
            self.reply(
                parent.thread,
                parent.reply,
                &source_id,
                body,
                plain,
                author,
                at,
            )
            .await?
        } else if opens_thread {
            self.thread(channel, &source_id, body, plain, author, at, false)
                .await?
        } else {
            match self.conversation.clone().filter(|c| {
                at - c.last <= CONVERSATION_GAP && at - c.thread.started <= CONVERSATION_SPAN
            }) {
                Some(c) => {
                    self.reply(c.thread, None, &source_id, body, plain, author, at)
                        .await?
                }
                None => {
                    self.thread(channel, &source_id, body, plain, author, at, true)
                        .await?
                }
            }
        };
        if placed.thread.conversation {
            self.conversation = Some(Conversation {
                thread: placed.thread.clone(),
                last: at,
            });
        }
        self.known.recorded.insert(m.ts, false);
        let reply = placed.reply;
        self.known.places.insert(m.ts, placed);
        let first = self
            .first_seen
            .entry((community, author))
            .or_insert((at, channel));
        if at < first.0 {
            *first = (at, channel);
        }
        self.reactions(&m, reply, author, community, at).await
    }

    /// Reactions on a reply → thanks from each distinct reacting person
    /// other than the author.
    async fn reactions(
        &mut self,
        m: &Message,
        reply: Option<ReplyId>,
        author: PersonId,
        community: CommunityId,
        at: i64,
    ) -> Result<(), ImportError> {
        let mut givers: Vec<&str> = m
            .reactions
            .iter()
            .flatten()
            .flat_map(|r| r.users.iter().flatten())
            .map(String::as_str)
            .filter(|u| !self.users.get(*u).is_some_and(|i| i.bot))
            .collect();
        givers.sort_unstable();
        givers.dedup();
        for giver in givers {
            let Some(reply) = reply else {
                if self.people.get(giver) != Some(&author) {
                    self.summary.note(
                        "reactions on a thread's first message (Guildhall thanks replies; counted only)",
                    );
                }
                continue;
            };
            let person = self.person(giver, None, at).await?;
            if person == author {
                continue;
            }
            self.session
                .add_thanks(
                    BulkThanks {
                        giver_id: person,
                        receiver_id: author,
                        community_id: community,
                        reply_id: reply,
                        at,
                    },
                    &activity(at, ActivityKind::ThanksGiven, person, community),
                )
                .await?;
            self.summary.thanks += 1;
        }
        Ok(())
    }

    #[expect(clippy::too_many_arguments, reason = "one message's parts, named")]
    async fn thread(
        &mut self,
        channel: u32,
        source_id: &str,
        body: String,
        plain: String,
        author: PersonId,
        at: i64,
        conversation: bool,
    ) -> Result<Placed, ImportError> {
        let c = &self.channels[channel as usize];
        let community = c.community;
        let title = match markup::title(&plain, TITLE_MAX) {
            t if t.is_empty() => format!("#{} on {}", c.name, Timestamp(at).date()),
            t => t,
        };
        let thread = self
            .session
            .add_thread(
                &NewThread {
                    community_id: community,
                    kind: ThreadKind::Discussion,
                    title: title.clone(),
                    body,
                    plain,
                    tags: c.name.to_lowercase(),
                    author_id: author,
                    at,
                },
                &activity(at, ActivityKind::ThreadDiscussion, author, community),
            )
            .await?;
        self.session
            .record_id(
                if conversation {
                    "conversation"
                } else {
                    "thread"
                },
                source_id,
                thread,
            )
            .await?;
        let info = Arc::new(ThreadInfo {
            id: thread,
            author,
            community,
            title: title.into_boxed_str(),
            started: at,
            conversation,
        });
        self.summary.threads += 1;
        if let Some(c) = self
            .summary
            .communities
            .iter_mut()
            .find(|c| c.id == community)
        {
            c.threads += 1;
        }
        Ok(Placed {
            thread: info,
            reply: None,
        })
    }

    #[expect(clippy::too_many_arguments, reason = "one message's parts, named")]
    async fn reply(
        &mut self,
        thread: Arc<ThreadInfo>,
        reply_to: Option<ReplyId>,
        source_id: &str,
        body: String,
        plain: String,
        author: PersonId,
        at: i64,
    ) -> Result<Placed, ImportError> {
        let t = &thread;
        let event = activity(at, ActivityKind::ReplyCreated, author, t.community).other(t.author);
        let reply = self
            .session
            .add_reply(
                &NewReply {
                    thread_id: t.id,
                    community_id: t.community,
                    body,
                    plain,
                    reply_to,
                    author_id: author,
                    at,
                },
                &t.title,
                &event,
            )
            .await?;
        self.session.record_id("message", source_id, reply).await?;
        self.summary.replies += 1;
        Ok(Placed {
            thread,
            reply: Some(reply),
        })
    }

    /// The person behind a Slack user id: known, matched by email or
    /// account, or new.
    async fn person(
        &mut self,
        user: &str,
        profile: Option<&Profile>,
        at: i64,
    ) -> Result<PersonId, ImportError> {
        if let Some(&p) = self.people.get(user) {
            return Ok(p);
        }
        let (name, email, bio) = match self.users.get(user) {
            Some(u) => (u.name.clone(), u.email.clone(), u.bio.clone()),
            None => {
                self.summary.note(
                    "people missing from users.json (named by their messages' profile, else their id)",
                );
                let name = profile
                    .and_then(|p| p.real_name.clone().or_else(|| p.display_name.clone()))
                    .map(|n| n.trim().to_owned())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| user.to_owned());
                let email = profile
                    .and_then(|p| p.email.as_deref())
                    .and_then(normalized_email);
                (truncate_chars(&name, 200), email, String::new())
            }
        };
        let matched = match &email {
            Some(e) => self.session.person_by_email(e).await?,
            None => None,
        }
        .or_else(|| self.aliases.get(user).copied());
        let person = match matched {
            Some(p) => {
                self.summary.people_matched += 1;
                p
            }
            None => {
                self.summary.people_created += 1;
                let address = email.clone().unwrap_or_else(|| {
                    format!(
                        "{}@{}.slack.invalid",
                        user.to_lowercase(),
                        Slug::suggest(self.session.site())
                    )
                });
                self.session
                    .add_person(&ImportPerson {
                        name: name.clone(),
                        email: address,
                        bio,
                        created_at: at,
                    })
                    .await?
            }
        };
        if !self.aliases.contains_key(user) {
            self.session
                .add_alias(person, Some(user), email.as_deref(), &name, at)
                .await?;
            self.aliases.insert(user.to_owned(), person);
        }
        self.session.record_id("person", user, person).await?;
        self.people.insert(user.to_owned(), person);
        Ok(person)
    }

    /// Membership from joins, leaves and first contributions, per
    /// community and person, written in time order.
    async fn memberships(&mut self) -> Result<(), ImportError> {
        for (&(community, person), &(at, channel)) in &self.first_seen {
            self.changes
                .entry((community, person))
                .or_default()
                .push(MemberChange {
                    at,
                    channel,
                    change: Change::Join,
                });
        }
        let mut existing: HashMap<CommunityId, HashSet<PersonId>> = HashMap::new();
        // (at, community, person, change, is the final join)
        let mut events: Vec<(i64, CommunityId, PersonId, Change, bool)> = Vec::new();
        let mut changes: Vec<_> = std::mem::take(&mut self.changes).into_iter().collect();
        changes.sort_unstable_by_key(|(k, _)| *k);
        for ((community, person), mut list) in changes {
            if let std::collections::hash_map::Entry::Vacant(slot) = existing.entry(community) {
                slot.insert(self.session.members(community).await?.into_iter().collect());
            }
            let already = existing
                .get(&community)
                .is_some_and(|m| m.contains(&person));
            // Joins before leaves at the same second: a join message and
            // the first contribution may share it.
            list.sort_unstable_by_key(|c| (c.at, c.change, c.channel));
            let mut channels: HashSet<u32> = HashSet::new();
            let mut emitted: Vec<(i64, Change)> = Vec::new();
            for c in list {
                let was_member = already || !channels.is_empty();
                match c.change {
                    Change::Join => {
                        channels.insert(c.channel);
                        if !was_member {
                            emitted.push((c.at, Change::Join));
                        }
                    }
                    Change::Leave => {
                        if !channels.remove(&c.channel) {
                            self.summary.note(
                                "leave messages of people never seen joining (they joined before the export began, or are members still)",
                            );
                        } else if channels.is_empty() && !already {
                            emitted.push((c.at, Change::Leave));
                        }
                    }
                }
            }
            let member_now = !already && !channels.is_empty();
            let last = emitted.len().saturating_sub(1);
            for (i, (at, change)) in emitted.into_iter().enumerate() {
                events.push((at, community, person, change, member_now && i == last));
            }
        }
        events.sort_unstable_by_key(|e| (e.0, e.1, e.2));
        for (at, community, person, change, final_join) in events {
            match change {
                Change::Join => {
                    let event = activity(at, ActivityKind::MemberJoined, person, community);
                    if final_join {
                        self.session
                            .add_member(community, person, CommunityRole::Member, &event)
                            .await?;
                        self.summary.members_added += 1;
                    } else {
                        self.session.add_event(&event).await?;
                    }
                }
                Change::Leave => {
                    self.session
                        .add_event(&activity(at, ActivityKind::MemberLeft, person, community))
                        .await?;
                    self.summary.note("people who left a channel (member.left)");
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_timestamps_are_microseconds() {
        assert_eq!(parse_ts("1468284653.000039"), Some(1_468_284_653_000_039));
        assert_eq!(parse_ts("1468284653.5"), Some(1_468_284_653_500_000));
        assert_eq!(parse_ts("1468284653"), Some(1_468_284_653_000_000));
        assert_eq!(parse_ts("soon"), None);
        assert_eq!(parse_ts("-1.0"), None);
        assert_eq!(Ts(1_468_284_653_000_039).key("C1"), "C1/1468284653.000039");
    }

    #[test]
    fn serde_positions_become_byte_offsets() {
        let text = b"[\n  {\"a\": 1},\n  {\"b\" 2}\n]";
        let err = serde_json::from_slice::<serde_json::Value>(text).expect_err("bad");
        let offset = byte_offset(text, err.line(), err.column()) as usize;
        assert_eq!(err.line(), 3);
        assert_eq!(text[offset], b'2', "the byte where a ':' was expected");
    }

    #[test]
    fn subtypes_decide_what_a_message_is() {
        assert!(matches!(kind_of(None), Kind::Content));
        assert!(matches!(kind_of(Some("file_share")), Kind::Content));
        assert!(matches!(
            kind_of(Some("channel_join")),
            Kind::Member(Change::Join)
        ));
        assert!(matches!(kind_of(Some("bot_message")), Kind::Skip(_)));
        assert!(matches!(kind_of(Some("channel_topic")), Kind::Skip(_)));
    }
}
