//! Mailing-list archives (mbox, and pipermail's text archives, which are
//! mbox files) into one community's discussions.
//!
//! Mapping:
//! - a message whose parent (In-Reply-To, else the nearest known message
//!   of References) is in the archive, or was imported before, becomes a
//!   reply in that parent's thread, replying to the parent when the parent
//!   is itself a reply. A reply whose ancestors are all missing joins the
//!   thread of the same normalized subject ("Re: X" → "X") in the same
//!   file with a message in the 30 days around it, else starts a thread of
//!   its own; the summary counts both.
//! - a reply archived before the parent it names (later in the file, or
//!   in a later file of the run) is placed as above, then moved once the
//!   run has read everything: into the parent's thread, answering it, with
//!   the replies to it (a thread it opened becomes a reply there). The
//!   same for a reply placed under a farther ancestor than the one it
//!   names first. Events, search documents and counts follow.
//! - any other message starts a discussion thread: title = Subject, body =
//!   the message's text with its quoted lines kept.
//! - the same Message-ID seen again (an archive of the same month served
//!   by another mirror, or a second run) is imported once: ids are recorded
//!   under source `mbox`, site = the community's address.
//! - senders are people matched by normalized email address (lowercase,
//!   trimmed): a person with that address or alias, else a new person; an
//!   alias of source `mbox` records the address they wrote from. Everyone
//!   joins the community at their first message.
//! - senders whose address the archive hides (newer Mailman archives:
//!   `w@ngz1 @end|ng |rom uth@c@@@edu (Wang, Zhu)`, where "@" stands for
//!   a, s or a dot, "|" for i, l or f) are told apart by the hidden
//!   address as written and the name shown: each is a person of their own
//!   with an alias account of source `mbox` holding both (found again by
//!   later runs, into any list) and a made-up address under the reserved
//!   `.invalid` domain. The scheme cannot be undone; a sender is matched
//!   to a person known by a real address only when that address hides as
//!   the same text (when several do, the one with the same name).
//! - messages without any sender address go to one "Unknown sender"
//!   person per list, named for what it stands for.
//!
//! Memory: messages are decoded a chunk at a time; what a chunk refers to
//! (the messages its messages answer, its senders, the threads of its
//! subjects) is looked up in the import's transaction, so nothing the
//! importer keeps grows with the archive.
//!
//! Text: MIME is decoded by mail-parser (charsets, quoted-printable,
//! base64, nested parts); text/html parts without a plain alternative are
//! turned into text, text/enriched loses its formatting commands,
//! attachments are counted as skipped. A message without a usable Date
//! takes its From_ line's date, else the previous message's.
//!
//! Messages: a message starts at a From_ line (`From <sender> <date>`)
//! followed by a header field; any other line starting with "From " is
//! body text, as pipermail writes it.
//!
//! Malformed vs odd: a file that does not start with a From_ line and
//! headers, NUL bytes (binary data, not mail), and a file that ends inside
//! a message (headers not closed, multipart without its closing boundary)
//! stop the import, with the line and byte offset of the place (which
//! always agree) and what to do. Odd messages (no Message-ID, no sender,
//! no subject, empty bodies) are imported and counted under notes.

mod reader;

use crate::progress::Progress;
use crate::shared::{activity, distinct, truncate_chars};
use crate::{ImportError, Summary, html};
use guildhall_domain::text::Slug;
use guildhall_domain::{
    ActivityKind, CommunityId, MembershipPolicy, PersonId, ReplyId, Stage, ThreadId, ThreadKind,
    Timestamp, Visibility,
};
use guildhall_store::{
    ImportPerson, ImportSession, KeyedThread, NewCommunity, NewReply, NewThread, Store,
};
use mail_parser::{HeaderName, HeaderValue, MessageParser, MimeHeaders, PartType};
use reader::{MboxReader, RawMessage, is_header_line};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use reader::{from_line_date, iso_date};

pub const SOURCE: &str = "mbox";

/// A reply without known ancestors joins a thread of the same subject only
/// if that thread had a message this close in time: a year's archive
/// reuses subjects ("Re: Release") for unrelated conversations.
const SUBJECT_WINDOW: i64 = 30 * 86_400;

/// Messages decoded before a chunk's lookups and writes: each kind of
/// lookup is one statement a chunk, and a chunk is one background batch
/// (the next is decoded while it is written).
const CHUNK_MESSAGES: usize = 2_000;
const CHUNK_TEXT_BYTES: usize = 4 << 20;

/// Messages staged by [`Run::message`] that [`Run::rehome`] reads back at a
/// time.
const REHOME_PAGE: i64 = 1_000;

/// How a message was placed when a parent it names was not read yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Placed {
    /// Under a farther ancestor it names.
    UnderAncestor = 0,
    /// In the thread of the same subject.
    BySubject = 1,
    /// In a thread of its own.
    OwnThread = 2,
}

impl Placed {
    fn from_code(code: i64) -> Self {
        match code {
            0 => Placed::UnderAncestor,
            1 => Placed::BySubject,
            _ => Placed::OwnThread,
        }
    }

    /// The summary's note of messages placed this way, if it has one.
    fn note(self) -> &'static str {
        match self {
            Placed::UnderAncestor => "",
            Placed::BySubject => {
                "replies whose parent is not in the archive, placed in the thread of the same subject"
            }
            Placed::OwnThread => {
                "replies whose parent is not in the archive, starting a thread of their own"
            }
        }
    }
}

/// Options of `guildhall import mbox`.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The community to import into (created when it does not exist).
    pub community: String,
    /// Do everything, then roll it back.
    pub dry_run: bool,
    /// Messages a chunk (default [`CHUNK_MESSAGES`]); tests use small ones.
    pub chunk_messages: Option<usize>,
}

/// Where a message landed, imported now or by an earlier run: its thread,
/// that thread's author and title, and the reply (`None` for the opening
/// message).
#[derive(Clone)]
struct Post {
    thread: ThreadId,
    author: PersonId,
    title: Arc<str>,
    reply: Option<ReplyId>,
    /// Imported by an earlier run.
    earlier: bool,
}

/// What one chunk's messages refer to: looked up before the chunk, and
/// added to as its messages are imported.
#[derive(Default)]
struct Known {
    /// Message-ID → where it landed.
    posts: HashMap<String, Post>,
    /// Normalized address → person.
    people: HashMap<String, PersonId>,
    /// Normalized subject → the thread of the latest message with it in
    /// the current file, that message's time, and whether this chunk
    /// changed it.
    subjects: HashMap<String, (Post, i64, bool)>,
}

struct Run<'a> {
    session: &'a mut ImportSession,
    progress: &'a mut dyn Progress,
    community: CommunityId,
    summary: Summary,
    parser: MessageParser,
    chunk_messages: usize,
    /// The date of the previous message, for messages without one.
    previous_at: Option<i64>,
}

/// Imports the mbox `files` into `opts.community`. On any error nothing of
/// the run remains.
pub async fn import(
    store: &Store,
    files: &[PathBuf],
    opts: &Options,
    progress: &mut dyn Progress,
) -> Result<Summary, ImportError> {
    let slug = Slug::parse(opts.community.trim()).map_err(|m| {
        ImportError::Refused(format!(
            "--community '{}': {m}; give the address (slug) of the community to import into",
            opts.community
        ))
    })?;
    if files.is_empty() {
        return Err(ImportError::Refused(
            "no mbox file given: name one or more archive files".into(),
        ));
    }
    for f in files {
        if !f.is_file() {
            return Err(ImportError::Refused(format!(
                "'{}' is not a file: name mbox archive files (unpacked, not .gz)",
                f.display()
            )));
        }
    }
    let mut session = store.begin_import(SOURCE, slug.as_str()).await?;
    let outcome = {
        let mut run = Run {
            session: &mut session,
            progress,
            community: CommunityId::default(),
            summary: Summary {
                dry_run: opts.dry_run,
                community_slug: slug.as_str().to_owned(),
                ..Summary::default()
            },
            parser: parser(),
            chunk_messages: opts.chunk_messages.unwrap_or(CHUNK_MESSAGES).max(1),
            previous_at: None,
        };
        run.all(slug.as_str(), files).await.map(|()| run.summary)
    };
    crate::shared::conclude(session, outcome, opts.dry_run, progress).await
}

/// Only what the import reads: parsing every Received and list header
/// would cost a third of the run.
fn parser() -> MessageParser {
    MessageParser::new()
        .with_mime_headers()
        .header_date(HeaderName::Date)
        .header_address(HeaderName::From)
        .header_text(HeaderName::Subject)
        .header_id(HeaderName::MessageId)
        .header_id(HeaderName::InReplyTo)
        .header_id(HeaderName::References)
        .default_header_ignore()
}

/// Message ids of an In-Reply-To or References header, oldest first.
fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![clean_id(t)],
        HeaderValue::TextList(list) => list.iter().map(|t| clean_id(t)).collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect()
}

fn clean_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_owned()
}

/// The subject without reply and forward prefixes or list tags, lowercase:
/// "Re: [dev] Fwd: X" → "x".
pub fn normalized_subject(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        let before = s;
        if s.starts_with('[')
            && let Some(end) = s.find(']')
        {
            s = s[end + 1..].trim_start();
        }
        for prefix in ["re:", "fwd:", "fw:", "aw:", "sv:", "re :"] {
            if s.len() >= prefix.len()
                && s.is_char_boundary(prefix.len())
                && s[..prefix.len()].eq_ignore_ascii_case(prefix)
            {
                s = s[prefix.len()..].trim_start();
            }
        }
        if s == before {
            break;
        }
    }
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// "Re: X" or "[list] Re: X": a reply, even when its headers say nothing.
fn is_reply_subject(subject: &str) -> bool {
    let mut s = subject.trim();
    while s.starts_with('[')
        && let Some(end) = s.find(']')
    {
        s = s[end + 1..].trim_start();
    }
    let lower = s.get(..3).unwrap_or_default().to_ascii_lowercase();
    matches!(lower.as_str(), "re:" | "aw:" | "sv:")
}

/// Text of a text/enriched part (RFC 1896): formatting commands and their
/// parameters dropped, `<<` is a literal `<`, a lone line break is a space.
pub fn enriched_to_text(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut rest = src;
    let mut in_param = 0u32;
    while let Some(lt) = rest.find('<') {
        if in_param == 0 {
            out.push_str(&rest[..lt]);
        }
        let after = &rest[lt + 1..];
        if let Some(stripped) = after.strip_prefix('<') {
            if in_param == 0 {
                out.push('<');
            }
            rest = stripped;
            continue;
        }
        let Some(gt) = after.find('>') else {
            out.push_str(&rest[lt..]);
            rest = "";
            break;
        };
        let command = after[..gt].to_ascii_lowercase();
        if command == "param" {
            in_param += 1;
        } else if command == "/param" {
            in_param = in_param.saturating_sub(1);
        }
        rest = &after[gt + 1..];
    }
    if in_param == 0 {
        out.push_str(rest);
    }
    // n newlines mean n-1 line breaks; one alone is a space.
    let mut text = String::with_capacity(out.len());
    let mut newlines = 0usize;
    for c in out.replace("\r\n", "\n").chars() {
        if c == '\n' {
            newlines += 1;
            continue;
        }
        match newlines {
            0 => {}
            1 => text.push(' '),
            n => text.extend(std::iter::repeat_n('\n', n - 1)),
        }
        newlines = 0;
        text.push(c);
    }
    text.trim().to_owned()
}

/// FNV-1a: a stable stand-in id for messages without a Message-ID (the
/// same message archived twice gets the same one).
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in *p {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The address of a From header, normalized; pipermail writes
/// `user at example.com`.
fn normalized_email(address: &str) -> Option<String> {
    let a = address.trim().trim_matches(['<', '>']).trim();
    let a = if a.contains('@') {
        a.to_owned()
    } else {
        a.replacen(" at ", "@", 1)
    };
    let a = a.to_lowercase();
    let (local, domain) = a.split_once('@')?;
    if local.is_empty() || domain.is_empty() || a.chars().any(char::is_whitespace) {
        return None;
    }
    Some(a)
}

/// Who sent a message, as far as its From header tells.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Sender {
    /// A real address, normalized.
    Address(String),
    /// An address as an archive that hides addresses wrote it
    /// (lowercase, single spaces), see [`hidden_address`].
    Hidden(String),
    /// No address at all.
    Unknown,
}

/// What newer Mailman archives write for an address's "@": "sending
/// from", hidden like the rest of the address.
const HIDDEN_AT: &str = " @end|ng |rom ";

/// The address as such an archive hides it: "a", "s" and "." become "@",
/// "i", "l" and "f" become "|", and the "@" becomes " @end|ng |rom ". The
/// scheme loses letters, so it cannot be undone; an address hides as the
/// text read or it does not.
fn hide_address(email: &str) -> String {
    let mut out = String::with_capacity(email.len() + HIDDEN_AT.len());
    for c in email.trim().to_lowercase().chars() {
        match c {
            'a' | 's' | '.' => out.push('@'),
            'i' | 'l' | 'f' => out.push('|'),
            '@' => out.push_str(HIDDEN_AT),
            c => out.push(c),
        }
    }
    out
}

/// A hidden address as written (`w@ngz1 @end|ng |rom uth@c@@@edu`),
/// lowercase with single spaces, if `text` is one.
fn hidden_address(text: &str) -> Option<String> {
    let text = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let (local, domain) = text.split_once(HIDDEN_AT)?;
    let plain = |s: &str| !s.is_empty() && !s.contains(char::is_whitespace);
    (plain(local) && plain(domain)).then_some(text)
}

/// The text every real address that hides as `hidden` shares with it:
/// the store finds candidates by it, the importer checks them.
fn skeleton(hidden: &str) -> String {
    hidden.replace(HIDDEN_AT, "@").replace(' ', "")
}

/// The source account of a sender with a hidden address: the address as
/// written and the name shown, which together tell senders apart (two
/// addresses can hide as the same text).
fn hidden_account(hidden: &str, name: &str) -> String {
    if name.is_empty() {
        hidden.to_owned()
    } else {
        format!("{hidden} ({name})")
    }
}

/// The sender's name and address. Pipermail writes addresses as
/// `From: user at example.com (Name)`, and newer archives hide them as
/// `From: w@ngz1 @end|ng |rom uth@c@@@edu (Wang, Zhu)`; both parse as a
/// name only.
fn sender(msg: &mail_parser::Message<'_>) -> (String, Sender) {
    let Some(a) = msg.from().and_then(|a| a.first()) else {
        return (String::new(), Sender::Unknown);
    };
    let name = a.name().unwrap_or_default().trim().to_owned();
    let raw = msg.header_raw("From").unwrap_or_default().trim();
    let (addr, comment) = match raw.split_once('(') {
        Some((addr, rest)) => (addr, rest.trim_end().trim_end_matches(')').trim()),
        None => (raw, ""),
    };
    let comment = comment.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(hidden) = hidden_address(addr) {
        return (comment, Sender::Hidden(hidden));
    }
    if let Some(email) = a.address().and_then(normalized_email) {
        return (name, Sender::Address(email));
    }
    match normalized_email(addr) {
        Some(email) => (comment, Sender::Address(email)),
        None => (name, Sender::Unknown),
    }
}

/// The end of the header section (the blank line), if there is one.
fn header_end(bytes: &[u8]) -> Option<usize> {
    if bytes.starts_with(b"\n") || bytes.starts_with(b"\r\n") {
        return Some(0);
    }
    bytes
        .windows(2)
        .position(|w| w == b"\n\n")
        .or_else(|| bytes.windows(4).position(|w| w == b"\r\n\r\n"))
}

/// What a message says, decoded.
struct Mail {
    id: String,
    parents: Vec<String>,
    has_parent_refs: bool,
    subject: String,
    name: String,
    sender: Sender,
    at: i64,
    text: String,
}

impl Run<'_> {
    async fn all(&mut self, slug: &str, files: &[PathBuf]) -> Result<(), ImportError> {
        self.community(slug).await?;
        for file in files {
            self.file(file).await?;
        }
        self.rehome().await?;
        // Everyone who wrote becomes a member at their first message,
        // unless they already are one.
        self.summary.members_added += self.session.join_contributors(self.community).await?;
        Ok(())
    }

    async fn community(&mut self, slug: &str) -> Result<(), ImportError> {
        if let Some(id) = self.session.community_by_slug(slug).await? {
            self.community = id;
        } else {
            self.community = self
                .session
                .create_community(
                    &NewCommunity {
                        slug: slug.to_owned(),
                        name: slug.to_owned(),
                        domain_statement: String::new(),
                        purpose: "The discussions of a mailing list, imported from its archives."
                            .into(),
                        visibility: Visibility::Open,
                        membership_policy: MembershipPolicy::Open,
                        stage: Stage::Maturing,
                        domains: Vec::new(),
                    },
                    "imported from mailing-list archives",
                    Timestamp::now().0,
                )
                .await?;
            self.summary.community_created = true;
        }
        self.summary.community_id = self.community;
        Ok(())
    }

    async fn file(&mut self, path: &Path) -> Result<(), ImportError> {
        let mut reader = MboxReader::open(path)?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("mbox")
            .to_owned();
        self.progress.start(&name, reader.size());
        // A reply without ancestors finds its thread by subject in its own
        // file only.
        self.session.forget_keyed_threads().await?;
        let mut count = 0u64;
        let mut more = true;
        while more {
            let mut chunk = Vec::new();
            let mut bytes = 0;
            while chunk.len() < self.chunk_messages && bytes < CHUNK_TEXT_BYTES {
                let Some(raw) = reader.next_message()? else {
                    more = false;
                    break;
                };
                count += 1;
                if let Some(mail) = self.read(&reader, &raw)? {
                    bytes += mail.text.len();
                    chunk.push(mail);
                }
                self.progress.advance(reader.position(), count);
            }
            self.chunk(chunk).await?;
        }
        if count == 0 {
            self.summary.note("empty files (no message)");
        }
        self.progress.finish(count);
        Ok(())
    }

    /// Checks and decodes a message; `None` when it is skipped.
    fn read(&mut self, reader: &MboxReader, raw: &RawMessage) -> Result<Option<Mail>, ImportError> {
        self.check(reader, raw)?;
        if raw.bytes.iter().all(u8::is_ascii_whitespace) {
            self.summary
                .skip("empty messages (a From_ line and nothing else)");
            return Ok(None);
        }
        self.decode(reader, raw)
    }

    /// Looks up what the chunk's messages refer to, imports them in order,
    /// and files the subjects they changed.
    async fn chunk(&mut self, chunk: Vec<Mail>) -> Result<(), ImportError> {
        if chunk.is_empty() {
            return Ok(());
        }
        let mut known = Known::default();
        let ids = distinct(
            chunk
                .iter()
                .flat_map(|m| std::iter::once(&m.id).chain(&m.parents))
                .cloned(),
        );
        for p in self
            .session
            .imported_posts(&["thread"], "reply", &ids)
            .await?
        {
            let post = Post {
                thread: p.thread_id,
                author: p.thread_author,
                title: p.title.as_str().into(),
                reply: p.reply_id,
                earlier: !self.session.wrote(&p),
            };
            known.posts.insert(p.source_id, post);
        }
        let addresses = distinct(chunk.iter().map(|m| self.address(m)));
        known.people = self
            .session
            .known_among("person", &addresses)
            .await?
            .into_iter()
            .map(|(address, person)| (address, PersonId(person)))
            .collect();
        let subjects = distinct(
            chunk
                .iter()
                .filter(|m| m.has_parent_refs)
                .map(|m| normalized_subject(&m.subject))
                .filter(|k| !k.is_empty()),
        );
        for k in self.session.keyed_threads_among(&subjects).await? {
            let post = Post {
                thread: k.thread_id,
                author: k.author_id,
                title: k.title.into(),
                reply: None,
                earlier: false,
            };
            known.subjects.insert(k.key, (post, k.last_at, false));
        }
        for mail in chunk {
            self.message(mail, &mut known).await?;
        }
        let filed: Vec<KeyedThread> = known
            .subjects
            .into_iter()
            .filter(|(_, (_, _, changed))| *changed)
            .map(|(key, (post, at, _))| KeyedThread {
                key,
                thread_id: post.thread,
                author_id: post.author,
                title: post.title.to_string(),
                last_at: at,
            })
            .collect();
        self.session.key_threads(&filed).await?;
        Ok(self.session.flush().await?)
    }

    /// Checks what makes a message malformed rather than odd.
    fn check(&self, reader: &MboxReader, raw: &RawMessage) -> Result<(), ImportError> {
        if let Some(nul) = raw.nul {
            return Err(reader.error(
                nul,
                "expected mail text, found a NUL byte: binary data, not mail; check that the file is an unpacked mbox archive (not .gz), or download it again if it was damaged",
            ));
        }
        if raw.bytes.is_empty() {
            return Ok(());
        }
        let first_line_end = raw
            .bytes
            .iter()
            .position(|b| *b == b'\n')
            .unwrap_or(raw.bytes.len());
        if !is_header_line(&raw.bytes[..first_line_end]) {
            // Only the file's first From_ line can get here: any other
            // starts a message only when a header field follows it.
            return Err(reader.error(
                raw.headers,
                "expected a header field ('Name: value') after the first From_ line: this is not an mbox archive; name the list's archive files (mbox, or pipermail's .txt, unpacked if they end in .gz)",
            ));
        }
        if raw.last && header_end(&raw.bytes).is_none() {
            return Err(reader.error(
                reader.place(),
                "expected the blank line that ends a message's headers before the end of the file: the file looks truncated; download it again",
            ));
        }
        Ok(())
    }

    async fn message(&mut self, mail: Mail, known: &mut Known) -> Result<(), ImportError> {
        if let Some(seen) = known.posts.get(mail.id.as_str()) {
            self.summary.skip(if seen.earlier {
                "messages already imported by an earlier run"
            } else {
                "duplicate messages (a Message-ID already read in this run)"
            });
            return Ok(());
        }
        let author = self.person(&mail, &mut known.people).await?;
        let key = normalized_subject(&mail.subject);
        // The parents it names, nearest first: In-Reply-To, then
        // References from the newest.
        let mut named: Vec<&String> = Vec::new();
        for p in mail.parents.iter().rev() {
            if *p != mail.id && !named.contains(&p) {
                named.push(p);
            }
        }
        let found = named
            .iter()
            .position(|p| known.posts.contains_key(p.as_str()));
        let parent = found.and_then(|i| known.posts.get(named[i].as_str()).cloned());
        let (parent, how) = match parent {
            Some(p) => (Some(p), Placed::UnderAncestor),
            None if mail.has_parent_refs => {
                let by_subject = known
                    .subjects
                    .get(&key)
                    .filter(|(_, last, _)| (mail.at - last).abs() <= SUBJECT_WINDOW)
                    .map(|(post, _, _)| Post {
                        reply: None,
                        ..post.clone()
                    });
                let how = if by_subject.is_some() {
                    Placed::BySubject
                } else {
                    Placed::OwnThread
                };
                self.summary.note(how.note());
                (by_subject, how)
            }
            None => (None, Placed::OwnThread),
        };
        let placed = match parent {
            Some(p) => self.reply(&mail, author, &p).await?,
            None => self.thread(&mail, author).await?,
        };
        // Parents it names that are not read yet may come later in the
        // run: it is looked at again at the end ([`Self::rehome`]).
        let better: Vec<String> = named[..found.unwrap_or(named.len())]
            .iter()
            .map(|p| (*p).clone())
            .collect();
        self.session
            .stage_pending_parent(&mail.id, &better, how as i64)
            .await?;
        if !key.is_empty() {
            known.subjects.insert(key, (placed.clone(), mail.at, true));
        }
        known.posts.insert(mail.id, placed);
        Ok(())
    }

    /// Replies placed before a parent they name was read (later in the
    /// file or in a later file of the run) join that parent now: a reply
    /// that opened a thread of its own becomes a reply in the parent's
    /// thread, with the replies to it; one placed elsewhere moves there
    /// with the replies to it. The nearest parent that is imported wins.
    /// What is staged is read back a page at a time.
    async fn rehome(&mut self) -> Result<(), ImportError> {
        let total = self.session.pending_children();
        if total == 0 {
            return Ok(());
        }
        self.session.prepare_moves().await?;
        let mut from = 0;
        while from < total {
            let to = from + REHOME_PAGE;
            let pending = self
                .session
                .pending_parents(from, to, "thread", "reply")
                .await?;
            for (child, parent, how) in pending {
                self.rehome_one(&child, &parent, Placed::from_code(how))
                    .await?;
            }
            from = to;
        }
        Ok(())
    }

    async fn rehome_one(
        &mut self,
        child: &str,
        parent: &str,
        how: Placed,
    ) -> Result<(), ImportError> {
        let ids = [child.to_owned(), parent.to_owned()];
        let posts = self
            .session
            .imported_posts(&["thread"], "reply", &ids)
            .await?;
        let (Some(c), Some(p)) = (
            posts.iter().find(|p| p.source_id == child),
            posts.iter().find(|p| p.source_id == parent),
        ) else {
            return Ok(());
        };
        let target = (p.thread_id, p.thread_author, p.title.as_str());
        let event = ActivityKind::ReplyCreated.as_str();
        let moved = match c.reply_id {
            None if p.thread_id == c.thread_id => false,
            None => {
                self.session
                    .thread_into_reply(
                        c.thread_id,
                        child,
                        ("thread", "reply"),
                        target,
                        p.reply_id,
                        event,
                    )
                    .await?;
                self.summary.threads -= 1;
                self.summary.replies += 1;
                true
            }
            Some(reply) => {
                self.session
                    .move_reply(reply, target, p.reply_id, event)
                    .await?
            }
        };
        if moved {
            if how != Placed::UnderAncestor
                && let Some(n) = self.summary.notes.get_mut(how.note())
            {
                *n -= 1;
                if *n == 0 {
                    self.summary.notes.remove(how.note());
                }
            }
            self.summary.note(match how {
                Placed::UnderAncestor => {
                    "replies moved to the nearer parent they name, archived after them"
                }
                _ => {
                    "replies archived before the message they answer, moved to it once it was read"
                }
            });
        }
        Ok(())
    }

    /// Decodes a message; `None` when it is skipped.
    fn decode(
        &mut self,
        reader: &MboxReader,
        raw: &RawMessage,
    ) -> Result<Option<Mail>, ImportError> {
        let Some(msg) = self.parser.parse(&raw.bytes) else {
            self.summary.skip("messages mail-parser could not read");
            return Ok(None);
        };
        let root = msg.parts.first();
        if raw.last
            && let Some(boundary) = root
                .and_then(|p| p.content_type())
                .filter(|ct| ct.ctype().eq_ignore_ascii_case("multipart"))
                .and_then(|ct| ct.attribute("boundary"))
        {
            let closing = format!("--{boundary}--");
            if !raw
                .bytes
                .windows(closing.len())
                .any(|w| w == closing.as_bytes())
            {
                return Err(reader.error(
                    reader.place(),
                    format!(
                        "expected the closing MIME boundary '{closing}' before the end of the file: the last message is cut short; download the file again"
                    ),
                ));
            }
        }
        let mut parents = ids(msg.references());
        parents.extend(ids(msg.in_reply_to()));
        let subject_raw = msg.subject().unwrap_or_default().trim().to_owned();
        let has_parent_refs = !parents.is_empty() || is_reply_subject(&subject_raw);
        let (name, from) = sender(&msg);
        let email = match &from {
            Sender::Address(e) => Some(e.as_str()),
            _ => None,
        };
        let at = msg
            .date()
            .filter(|d| d.is_valid())
            .map(|d| d.to_timestamp())
            .or_else(|| msg.header_raw("Date").and_then(iso_date));
        let at = match at {
            Some(at) => at,
            None => {
                if let Some(at) = from_line_date(raw.from_line.as_bytes()) {
                    self.summary
                        .note("messages without a valid Date, dated by their From_ line");
                    at
                } else if let Some(at) = self.previous_at {
                    self.summary.note(
                        "messages without a valid Date or From_ line date, dated as the message before them",
                    );
                    at
                } else {
                    self.summary
                        .note("messages without any date, dated at the time of the import");
                    Timestamp::now().0
                }
            }
        };
        self.previous_at = Some(at);

        let mut parts = Vec::new();
        for &i in &msg.text_body {
            let Some(part) = msg.parts.get(i as usize) else {
                continue;
            };
            match &part.body {
                PartType::Text(t) => {
                    let enriched = part.content_type().is_some_and(|ct| {
                        ct.subtype()
                            .is_some_and(|s| s.eq_ignore_ascii_case("enriched"))
                    });
                    if enriched {
                        self.summary
                            .note("text/enriched parts turned into plain text");
                        parts.push(enriched_to_text(t));
                    } else {
                        parts.push(t.trim_end().to_owned());
                    }
                }
                PartType::Html(h) => {
                    self.summary
                        .note("HTML-only messages or parts turned into plain text");
                    parts.push(html::plain_text(h));
                }
                _ => {}
            }
        }
        let mut attachments = msg.attachments.len() as u64;
        if parts.is_empty() {
            // mail-parser files text other than plain and HTML (e.g.
            // text/enriched) under attachments: without another body,
            // such an unnamed text part is the message.
            for &i in &msg.attachments {
                let Some(part) = msg.parts.get(i as usize) else {
                    continue;
                };
                let Some(ct) = part.content_type() else {
                    continue;
                };
                let PartType::Text(t) = &part.body else {
                    continue;
                };
                if !ct.ctype().eq_ignore_ascii_case("text") || part.attachment_name().is_some() {
                    continue;
                }
                let sub = ct.subtype().unwrap_or_default().to_ascii_lowercase();
                if sub == "enriched" || sub == "richtext" {
                    self.summary
                        .note("text/enriched parts turned into plain text");
                    parts.push(enriched_to_text(t));
                } else {
                    parts.push(t.trim_end().to_owned());
                }
                attachments -= 1;
            }
        }
        self.summary
            .skip_many("attachments (not imported)", attachments);
        let text = parts.join("\n\n").trim().to_owned();
        if text.is_empty() {
            self.summary.note("messages with an empty body");
        }
        if text.contains('\u{FFFD}') {
            self.summary
                .note("messages with bytes not in their declared charset (shown as \u{FFFD})");
        }
        let id = match msg.message_id().map(clean_id).filter(|s| !s.is_empty()) {
            Some(id) => id,
            None => {
                self.summary.note(
                    "messages without a Message-ID (given one made from sender, date, subject and text)",
                );
                // What every archive of the message agrees on (not the
                // Received headers, which differ between mirrors).
                let from = email.unwrap_or_default();
                format!(
                    "{:016x}@no-message-id.invalid",
                    fnv(&[
                        at.to_string().as_bytes(),
                        from.as_bytes(),
                        subject_raw.as_bytes(),
                        text.as_bytes()
                    ])
                )
            }
        };
        Ok(Some(Mail {
            id,
            parents,
            has_parent_refs,
            subject: subject_raw,
            name,
            sender: from,
            at,
            text,
        }))
    }

    /// What the sender is known by in this source: the normalized
    /// address, the account of a hidden address, or the stand-in address
    /// of the list's unknown sender.
    fn address(&self, mail: &Mail) -> String {
        match &mail.sender {
            Sender::Address(e) => e.clone(),
            Sender::Hidden(h) => hidden_account(h, &mail.name),
            Sender::Unknown => format!(
                "unknown-sender@{}.mbox.invalid",
                self.summary.community_slug
            ),
        }
    }

    /// The sender as a person: known by this list (in `people`, looked up
    /// for the chunk), else found or made by [`Self::new_sender`].
    async fn person(
        &mut self,
        mail: &Mail,
        people: &mut HashMap<String, PersonId>,
    ) -> Result<PersonId, ImportError> {
        if mail.sender == Sender::Unknown {
            self.summary.note(
                "messages without a sender address, attributed to the list's unknown-sender person",
            );
        }
        let key = self.address(mail);
        if let Some(&p) = people.get(&key) {
            return Ok(p);
        }
        let person = self.new_sender(mail, &key).await?;
        self.session.record_id("person", &key, person).await?;
        people.insert(key, person);
        Ok(person)
    }

    /// A sender this list has not recorded: the person with that address
    /// (or alias), else a new person; the address is recorded as their
    /// alias. A hidden address is an alias account of its own (see
    /// [`Self::hidden_sender`]). The unknown sender is a person named for
    /// what it stands for, never after one of the senders.
    async fn new_sender(&mut self, mail: &Mail, key: &str) -> Result<PersonId, ImportError> {
        if let Sender::Hidden(hidden) = &mail.sender {
            return self.hidden_sender(mail, hidden, key).await;
        }
        let name = match (&mail.sender, mail.name.trim()) {
            (Sender::Unknown, _) => format!("Unknown sender ({})", self.summary.community_slug),
            (_, "") => key.split('@').next().unwrap_or("someone").to_owned(),
            (_, n) => truncate_chars(n, 200),
        };
        let person = match self.session.person_by_email(key).await? {
            Some(p) => {
                self.summary.people_matched += 1;
                p
            }
            None => {
                self.summary.people_created += 1;
                self.session
                    .add_person(&ImportPerson {
                        name: name.clone(),
                        email: key.to_owned(),
                        bio: String::new(),
                        created_at: mail.at,
                    })
                    .await?
            }
        };
        self.session
            .add_alias(person, None, Some(key), &name, mail.at)
            .await?;
        Ok(person)
    }

    /// A sender whose address the archive hides: the person with that
    /// alias account (hidden address and name, from any list), else the one
    /// person known by a real address that hides as the same text (when
    /// several do, the one of the same name), else a new person with a
    /// made-up address under the reserved `.invalid` domain.
    async fn hidden_sender(
        &mut self,
        mail: &Mail,
        hidden: &str,
        account: &str,
    ) -> Result<PersonId, ImportError> {
        let account_key = [account.to_owned()];
        if let Some((_, p)) = self
            .session
            .alias_accounts_among(&account_key)
            .await?
            .into_iter()
            .next()
        {
            self.summary.people_matched += 1;
            return Ok(p);
        }
        let name = match mail.name.trim() {
            "" => hidden.to_owned(),
            n => truncate_chars(n, 200),
        };
        let mut candidates: Vec<(PersonId, String)> = self
            .session
            .hiding_as(&[skeleton(hidden)])
            .await?
            .into_iter()
            .filter(|(_, email, _, _)| hide_address(email) == hidden)
            .map(|(_, _, person, name)| (person, name))
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut people: Vec<PersonId> = candidates.iter().map(|(p, _)| *p).collect();
        people.dedup();
        if people.len() > 1 {
            let same_name: Vec<PersonId> = candidates
                .iter()
                .filter(|(_, n)| n.trim().eq_ignore_ascii_case(&name))
                .map(|(p, _)| *p)
                .collect();
            people = distinct(same_name.into_iter());
        }
        let person = match people[..] {
            [p] => {
                self.summary.people_matched += 1;
                self.summary.note(
                    "senders with hidden addresses found to be people known by their real address (it hides as the same text)",
                );
                p
            }
            _ => {
                if people.len() > 1 {
                    self.summary.note(
                        "senders with hidden addresses that several people's real addresses hide as: kept apart as people of their own",
                    );
                }
                self.summary.note(
                    "senders with hidden addresses made people of their own (told apart by hidden address and name)",
                );
                let email = format!("hidden-{:016x}@mbox.invalid", fnv(&[account.as_bytes()]));
                match self.session.person_by_email(&email).await? {
                    Some(p) => {
                        self.summary.people_matched += 1;
                        p
                    }
                    None => {
                        self.summary.people_created += 1;
                        self.session
                            .add_person(&ImportPerson {
                                name: name.clone(),
                                email,
                                bio: String::new(),
                                created_at: mail.at,
                            })
                            .await?
                    }
                }
            }
        };
        self.session
            .add_alias(person, Some(account), None, &name, mail.at)
            .await?;
        Ok(person)
    }

    async fn thread(&mut self, mail: &Mail, author: PersonId) -> Result<Post, ImportError> {
        let title = match mail.subject.trim() {
            "" => {
                self.summary.note("messages without a subject");
                "(no subject)".to_owned()
            }
            t => truncate_chars(t, 300),
        };
        let id = self
            .session
            .add_thread(
                &NewThread {
                    community_id: self.community,
                    kind: ThreadKind::Discussion,
                    title: title.clone(),
                    body: mail.text.clone(),
                    plain: mail.text.clone(),
                    tags: String::new(),
                    author_id: author,
                    at: mail.at,
                },
                &activity(
                    mail.at,
                    ActivityKind::ThreadDiscussion,
                    author,
                    self.community,
                ),
            )
            .await?;
        self.session.record_id("thread", &mail.id, id).await?;
        self.summary.threads += 1;
        Ok(Post {
            thread: id,
            author,
            title: title.into(),
            reply: None,
            earlier: false,
        })
    }

    async fn reply(
        &mut self,
        mail: &Mail,
        author: PersonId,
        parent: &Post,
    ) -> Result<Post, ImportError> {
        let event = activity(mail.at, ActivityKind::ReplyCreated, author, self.community)
            .other(parent.author);
        let id = self
            .session
            .add_reply(
                &NewReply {
                    thread_id: parent.thread,
                    community_id: self.community,
                    body: mail.text.clone(),
                    plain: mail.text.clone(),
                    reply_to: parent.reply,
                    author_id: author,
                    at: mail.at,
                },
                &parent.title,
                &event,
            )
            .await?;
        self.session.record_id("reply", &mail.id, id).await?;
        self.summary.replies += 1;
        Ok(Post {
            reply: Some(id),
            earlier: false,
            ..parent.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{enriched_to_text, normalized_email, normalized_subject};

    #[test]
    fn subjects_lose_prefixes_and_list_tags() {
        assert_eq!(
            normalized_subject("Re: [dev] Fwd:  Release  X"),
            "release x"
        );
        assert_eq!(normalized_subject("RE: re: X"), "x");
        assert_eq!(normalized_subject("Reading"), "reading");
    }

    #[test]
    fn enriched_text_loses_its_commands() {
        assert_eq!(
            enriched_to_text(
                "<bold>Hi</bold>\nthere\n\n<<x> <fontfamily><param>Courier</param>y</fontfamily>"
            ),
            "Hi there\n<x> y"
        );
    }

    /// The sender of a message given as raw bytes.
    fn sender_of(raw: &[u8]) -> (String, super::Sender) {
        let msg = mail_parser::MessageParser::new()
            .parse(raw)
            .expect("parses");
        super::sender(&msg)
    }

    #[test]
    fn pipermail_senders_are_found() {
        assert_eq!(
            sender_of(b"From: ann at example.org (Ann Lee)\nSubject: x\n\nhi\n"),
            (
                "Ann Lee".to_owned(),
                super::Sender::Address("ann@example.org".to_owned())
            )
        );
        assert_eq!(
            sender_of(b"From: Bob <Bob@Example.org>\n\nhi\n"),
            (
                "Bob".to_owned(),
                super::Sender::Address("bob@example.org".to_owned())
            )
        );
    }

    #[test]
    fn hidden_addresses_are_read_and_made_alike() {
        assert_eq!(
            super::hide_address("Ann.Lee@example.org"),
            "@nn@|ee @end|ng |rom ex@mp|e@org"
        );
        assert_eq!(
            super::hide_address("fia@lab.org"),
            super::hide_address("lia@lab.org")
        );
        let hidden = super::hidden_address(" w@ngz1  @end|ng |rom uth@c@@@edu ");
        assert_eq!(hidden.as_deref(), Some("w@ngz1 @end|ng |rom uth@c@@@edu"));
        assert_eq!(
            super::skeleton("w@ngz1 @end|ng |rom uth@c@@@edu"),
            "w@ngz1@uth@c@@@edu"
        );
        assert_eq!(super::hidden_address("ann at example.org"), None);
        assert_eq!(
            sender_of(b"From: w@ngz1 @end|ng |rom uth@c@@@edu (Wang,  Zhu)\nSubject: x\n\nhi\n"),
            (
                "Wang, Zhu".to_owned(),
                super::Sender::Hidden("w@ngz1 @end|ng |rom uth@c@@@edu".to_owned())
            )
        );
        assert_eq!(
            sender_of(b"From: R-help list owner\nSubject: x\n\nhi\n").1,
            super::Sender::Unknown
        );
    }

    #[test]
    fn emails_are_normalized() {
        assert_eq!(
            normalized_email(" Ann@Example.ORG "),
            Some("ann@example.org".into())
        );
        assert_eq!(
            normalized_email("ann at example.org"),
            Some("ann@example.org".into())
        );
        assert_eq!(normalized_email("nobody"), None);
    }
}
