//! Threads: asking for help, telling stories, discussing; replies, edits,
//! the solved mark (who helped whom) and thanks. Every contribution is
//! logged with METRICS.md's kinds and fields; mentions, replies, solutions
//! and thanks notify the people concerned, if they may read the community.

use crate::error::NotFoundAs;
use crate::{App, AppError, Result, SessionUser};
use guildhall_domain::markdown;
use guildhall_domain::policy::{self, Access, CommunityContext};
use guildhall_domain::practice::{BODY_MAX, NOTE_MAX};
use guildhall_domain::text::{TITLE_MAX, optional_line, required_line, tag_list};
use guildhall_domain::{
    ActivityKind, CommunityId, FieldErrors, NewActivity, NotificationKind, PersonId, ReplyId,
    ResourceId, ThreadId, ThreadKind, Timestamp,
};
use guildhall_store::records::Community;
use guildhall_store::{
    NewNotification, NewReply, NewThanks, NewThread, Page, PostEdit, Reply, StoreError, Thanks,
    Thread, ThreadEdit, ThreadFilter,
};

/// What thanks are given for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Thanked {
    Reply { thread: ThreadId, reply: ReplyId },
    Resource(ResourceId),
}

/// A thread as typed.
#[derive(Clone, Debug, Default)]
pub struct ThreadInput {
    pub kind: String,
    pub title: String,
    pub body: String,
    pub tags: String,
}

/// A validated body: the Markdown as written and its plain text.
struct Body {
    markdown: String,
    plain: String,
}

fn body(e: &mut FieldErrors, field: &str, raw: &str) -> Body {
    let text = raw.trim().replace("\r\n", "\n");
    let markdown = if text.is_empty() {
        e.add(field, "write something first");
        String::new()
    } else if text.chars().count() > BODY_MAX {
        e.add(
            field,
            format!(
                "is too long: {} characters, at most {BODY_MAX}",
                text.chars().count()
            ),
        );
        String::new()
    } else if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
    {
        e.add(field, "must not contain control characters");
        String::new()
    } else {
        text
    };
    Body {
        plain: markdown::plain_text(&markdown),
        markdown,
    }
}

/// A thread's page: the thread, its replies and what the reader may do.
#[derive(Clone, Debug)]
pub struct ThreadView {
    pub community: Community,
    pub thread: Thread,
    pub replies: Vec<Reply>,
    pub thanks: Vec<Thanks>,
    pub can_reply: bool,
    /// Edit or delete the opening post.
    pub can_moderate_thread: bool,
    /// Whether the reader manages the community (may edit anyone's post).
    pub manages: bool,
    pub can_mark_solved: bool,
    pub edits: usize,
    /// Resources harvested from this thread: (id, title).
    pub harvested: Vec<(ResourceId, String)>,
    pub why_not_reply: Option<String>,
}

impl ThreadView {
    pub fn kind(&self) -> ThreadKind {
        self.thread.kind
    }

    /// Whether the reader may edit or delete this reply.
    pub fn can_moderate(&self, reply: &Reply, reader: PersonId) -> bool {
        self.community_open_for_writing() && (self.manages || reply.author_id == reader)
    }

    fn community_open_for_writing(&self) -> bool {
        !self.community.stage.is_read_only()
    }

    /// Whether the reader already thanked this reply.
    pub fn thanked(&self, reply: ReplyId, reader: PersonId) -> bool {
        self.thanks
            .iter()
            .any(|t| t.reply_id == Some(reply) && t.giver_id == reader)
    }
}

/// Which threads of a community to list.
#[derive(Clone, Debug, Default)]
pub struct ThreadQuery {
    pub kind: Option<String>,
    pub unanswered: bool,
    pub unsolved: bool,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl App {
    fn activity(
        &self,
        user: &SessionUser,
        kind: ActivityKind,
        community: CommunityId,
        at: Timestamp,
    ) -> NewActivity {
        NewActivity::new(at, kind, user.id(), user.unit).in_community(community)
    }

    /// Notifications for the people mentioned in `md` who may read the
    /// community, except the writer.
    async fn mention_notices(
        &self,
        user: &SessionUser,
        community: &Community,
        md: &str,
        at: i64,
    ) -> Result<Vec<NewNotification>> {
        let handles = markdown::mentions(md);
        if handles.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for (person, _) in self.store.people_by_handles(&handles).await? {
            if person == user.id() {
                continue;
            }
            let ctx = self.context_of(community, person).await?;
            if policy::can_read_content(&ctx) {
                out.push(NewNotification {
                    actor_id: Some(user.id()),
                    community_id: Some(community.id),
                    ..NewNotification::new(person, NotificationKind::Mention, at)
                });
            }
        }
        Ok(out)
    }

    /// A thread and its community, if the reader may read it.
    async fn readable_thread(
        &self,
        user: &SessionUser,
        id: ThreadId,
    ) -> Result<(Thread, Community, CommunityContext)> {
        let thread = self.store.thread(id).await.or_not_found("thread")?;
        if thread.deleted_at.is_some() {
            return Err(AppError::NotFound("thread"));
        }
        let (community, ctx) = self
            .visible_by_id(user, thread.community_id)
            .await
            .map_err(|_| AppError::NotFound("thread"))?;
        if !policy::can_read_content(&ctx) {
            return Err(AppError::Forbidden(
                "this community's conversations are for its members".into(),
            ));
        }
        Ok((thread, community, ctx))
    }

    /// The community, if the reader may start a thread there.
    pub async fn community_for_posting(&self, user: &SessionUser, slug: &str) -> Result<Community> {
        let (community, _, ctx) = self.visible(user, slug).await?;
        AppError::from_access(policy::can_participate(&ctx), "community")?;
        Ok(community)
    }

    /// Starts a thread; returns its id.
    pub async fn start_thread(
        &self,
        user: &SessionUser,
        slug: &str,
        input: &ThreadInput,
    ) -> Result<ThreadId> {
        let (community, _, ctx) = self.visible(user, slug).await?;
        AppError::from_access(policy::can_participate(&ctx), "community")?;
        let mut e = FieldErrors::new();
        let kind = e.check("kind", ThreadKind::parse(&input.kind));
        let title = e
            .check("title", required_line(&input.title, TITLE_MAX))
            .unwrap_or_default();
        let tags = e
            .check("tags", tag_list(&input.tags))
            .unwrap_or_default()
            .join(", ");
        let b = body(&mut e, "body", &input.body);
        e.into_result()?;
        let Some(kind) = kind else {
            return Err(AppError::invalid("kind", "choose a kind"));
        };
        let at = Timestamp::now();
        let notify = self
            .mention_notices(user, &community, &b.markdown, at.0)
            .await?;
        let event = self.activity(user, kind.activity(), community.id, at);
        Ok(self
            .store
            .create_thread(
                &NewThread {
                    community_id: community.id,
                    kind,
                    title,
                    body: b.markdown,
                    plain: b.plain,
                    tags,
                    author_id: user.id(),
                    at: at.0,
                },
                &event,
                &notify,
            )
            .await?)
    }

    pub async fn thread_view(&self, user: &SessionUser, id: ThreadId) -> Result<ThreadView> {
        let (thread, community, ctx) = self.readable_thread(user, id).await?;
        let author = thread.author_id;
        let participate = policy::can_participate(&ctx);
        let replies = self.store.replies(id).await?;
        let thanks = self.store.thread_thanks(id).await?;
        let edits = self.store.post_edits(id).await?.len();
        let harvested = self.store.harvested_from(id).await?;
        let is_help = thread.kind == ThreadKind::Help;
        Ok(ThreadView {
            can_reply: participate.is_allowed(),
            why_not_reply: match participate {
                Access::Forbidden(why) => Some(why.to_owned()),
                _ => None,
            },
            can_moderate_thread: policy::can_moderate_post(&user.viewer, &ctx, author).is_allowed(),
            manages: policy::can_manage_community(&user.viewer, &ctx).is_allowed(),
            can_mark_solved: is_help
                && policy::can_mark_solved(&user.viewer, &ctx, author).is_allowed(),
            thread,
            replies,
            thanks,
            edits,
            harvested,
            community,
        })
    }

    pub async fn community_threads(
        &self,
        user: &SessionUser,
        slug: &str,
        q: &ThreadQuery,
    ) -> Result<(Community, CommunityContext, Page<Thread>)> {
        let (community, _, ctx) = self.visible(user, slug).await?;
        if !policy::can_read_content(&ctx) {
            return Err(AppError::Forbidden(
                "this community's conversations are for its members".into(),
            ));
        }
        let kind = match q.kind.as_deref().map(str::trim) {
            None | Some("") | Some("all") => None,
            Some(k) => Some(ThreadKind::parse(k).map_err(|m| AppError::invalid("kind", m))?),
        };
        let (_, per_page, offset) = crate::paginate(q.page, q.per_page);
        let page = self
            .store
            .threads(
                community.id,
                &ThreadFilter {
                    kind,
                    unanswered: q.unanswered,
                    unsolved: q.unsolved,
                    author: None,
                },
                per_page,
                offset,
            )
            .await?;
        Ok((community, ctx, page))
    }

    /// Replies to a thread; returns the reply's id.
    pub async fn reply(
        &self,
        user: &SessionUser,
        thread_id: ThreadId,
        text: &str,
    ) -> Result<ReplyId> {
        let (thread, community, ctx) = self.readable_thread(user, thread_id).await?;
        AppError::from_access(policy::can_participate(&ctx), "thread")?;
        let mut e = FieldErrors::new();
        let b = body(&mut e, "body", text);
        e.into_result()?;
        let at = Timestamp::now();
        let me = user.id();
        let mut notify = self
            .mention_notices(user, &community, &b.markdown, at.0)
            .await?;
        if thread.author_id != me && !notify.iter().any(|n| n.person_id == thread.author_id) {
            let ctx = self.context_of(&community, thread.author_id).await?;
            if policy::can_read_content(&ctx) {
                notify.push(NewNotification {
                    actor_id: Some(me),
                    community_id: Some(community.id),
                    ..NewNotification::new(thread.author_id, NotificationKind::Reply, at.0)
                });
            }
        }
        let event = self
            .activity(user, ActivityKind::ReplyCreated, community.id, at)
            .other(thread.author_id);
        self.store
            .create_reply(
                &NewReply {
                    thread_id,
                    community_id: community.id,
                    body: b.markdown,
                    plain: b.plain,
                    reply_to: None,
                    author_id: me,
                    at: at.0,
                },
                &event,
                &notify,
            )
            .await
            .or_not_found("thread")
    }

    /// Edits a thread's opening post (author or coordinator); the old text
    /// is kept in the history.
    pub async fn edit_thread(
        &self,
        user: &SessionUser,
        id: ThreadId,
        input: &ThreadInput,
    ) -> Result<()> {
        let (thread, _, ctx) = self.readable_thread(user, id).await?;
        AppError::from_access(
            policy::can_moderate_post(&user.viewer, &ctx, thread.author_id),
            "thread",
        )?;
        let mut e = FieldErrors::new();
        let title = e
            .check("title", required_line(&input.title, TITLE_MAX))
            .unwrap_or_default();
        let tags = e
            .check("tags", tag_list(&input.tags))
            .unwrap_or_default()
            .join(", ");
        let b = body(&mut e, "body", &input.body);
        e.into_result()?;
        if title == thread.title && b.markdown == thread.body && tags == thread.tags {
            return Ok(());
        }
        Ok(self
            .store
            .edit_thread(
                id,
                user.id(),
                &ThreadEdit {
                    title,
                    body: b.markdown,
                    plain: b.plain,
                    tags,
                },
                Timestamp::now().0,
            )
            .await?)
    }

    /// A reply the reader may read, with its thread's community context.
    async fn readable_reply(
        &self,
        user: &SessionUser,
        id: ReplyId,
    ) -> Result<(Reply, Thread, Community, CommunityContext)> {
        let reply = self.store.reply(id).await.or_not_found("reply")?;
        if reply.deleted_at.is_some() {
            return Err(AppError::NotFound("reply"));
        }
        let (thread, community, ctx) =
            self.readable_thread(user, reply.thread_id)
                .await
                .map_err(|e| match e {
                    AppError::NotFound(_) => AppError::NotFound("reply"),
                    other => other,
                })?;
        Ok((reply, thread, community, ctx))
    }

    pub async fn edit_reply(
        &self,
        user: &SessionUser,
        id: ReplyId,
        text: &str,
    ) -> Result<ThreadId> {
        let (reply, thread, _, ctx) = self.readable_reply(user, id).await?;
        AppError::from_access(
            policy::can_moderate_post(&user.viewer, &ctx, reply.author_id),
            "reply",
        )?;
        let mut e = FieldErrors::new();
        let b = body(&mut e, "body", text);
        e.into_result()?;
        if b.markdown != reply.body {
            self.store
                .edit_reply(id, user.id(), &b.markdown, &b.plain, Timestamp::now().0)
                .await?;
        }
        Ok(thread.id)
    }

    /// The reply as it stands, for its edit form.
    pub async fn reply_for_edit(&self, user: &SessionUser, id: ReplyId) -> Result<(Reply, Thread)> {
        let (reply, thread, _, ctx) = self.readable_reply(user, id).await?;
        AppError::from_access(
            policy::can_moderate_post(&user.viewer, &ctx, reply.author_id),
            "reply",
        )?;
        Ok((reply, thread))
    }

    pub async fn delete_thread(&self, user: &SessionUser, id: ThreadId) -> Result<Community> {
        let (thread, community, ctx) = self.readable_thread(user, id).await?;
        AppError::from_access(
            policy::can_moderate_post(&user.viewer, &ctx, thread.author_id),
            "thread",
        )?;
        self.store
            .delete_thread(id, user.id(), Timestamp::now().0)
            .await
            .or_not_found("thread")?;
        Ok(community)
    }

    /// Deletes a reply; returns its thread's id.
    pub async fn delete_reply(&self, user: &SessionUser, id: ReplyId) -> Result<ThreadId> {
        let (reply, thread, _, ctx) = self.readable_reply(user, id).await?;
        AppError::from_access(
            policy::can_moderate_post(&user.viewer, &ctx, reply.author_id),
            "reply",
        )?;
        if thread.solved_reply_id == Some(id) {
            return Err(AppError::conflict(
                "reply",
                "this reply is marked as the one that solved the request; mark another reply first",
            ));
        }
        self.store
            .delete_reply(id, user.id(), Timestamp::now().0)
            .await
            .or_not_found("reply")?;
        Ok(thread.id)
    }

    /// The edit history of a thread and its replies. A deleted reply's
    /// text is gone from it too, except for administrators.
    pub async fn thread_history(
        &self,
        user: &SessionUser,
        id: ThreadId,
    ) -> Result<(Thread, Community, Vec<PostEdit>)> {
        let (thread, community, _) = self.readable_thread(user, id).await?;
        let mut edits = self.store.post_edits(id).await?;
        if !policy::can_read_deleted_posts(&user.viewer) {
            for e in edits.iter_mut().filter(|e| e.reply_deleted) {
                e.old_body.clear();
                e.new_body.clear();
            }
        }
        Ok((thread, community, edits))
    }

    /// Marks a help request solved by one of its replies (by someone other
    /// than the asker): the asker or a coordinator does it, and the reply's
    /// author is recorded as the helper.
    pub async fn mark_solved(
        &self,
        user: &SessionUser,
        thread_id: ThreadId,
        reply_id: ReplyId,
    ) -> Result<()> {
        let (thread, community, ctx) = self.readable_thread(user, thread_id).await?;
        if thread.kind != ThreadKind::Help {
            return Err(AppError::invalid(
                "reply_id",
                "only help requests can be marked solved",
            ));
        }
        AppError::from_access(
            policy::can_mark_solved(&user.viewer, &ctx, thread.author_id),
            "thread",
        )?;
        let reply = self
            .store
            .reply(reply_id)
            .await
            .ok()
            .filter(|r| r.thread_id == thread_id && r.deleted_at.is_none())
            .ok_or_else(|| AppError::invalid("reply_id", "choose a reply of this thread"))?;
        if reply.author_id == thread.author_id {
            return Err(AppError::invalid(
                "reply_id",
                "the asker's own reply cannot be the one that helped; choose someone else's answer",
            ));
        }
        if thread.solved_reply_id == Some(reply_id) {
            return Ok(());
        }
        let at = Timestamp::now();
        let me = user.id();
        let event = self
            .activity(user, ActivityKind::HelpSolved, community.id, at)
            .subject(thread_id.0)
            .other(reply.author_id);
        let mut notify = vec![NewNotification {
            actor_id: Some(me),
            community_id: Some(community.id),
            thread_id: Some(thread_id),
            reply_id: Some(reply_id),
            ..NewNotification::new(reply.author_id, NotificationKind::Solved, at.0)
        }];
        if thread.author_id != me {
            notify.push(NewNotification {
                person_id: thread.author_id,
                kind: NotificationKind::RequestSolved,
                ..notify[0].clone()
            });
        }
        self.store
            .mark_solved(thread_id, reply_id, reply.author_id, me, &event, &notify)
            .await?;
        Ok(())
    }

    /// Thanks the author of a reply, with an optional note; returns the
    /// thread's id.
    pub async fn thank_reply(
        &self,
        user: &SessionUser,
        reply_id: ReplyId,
        note: &str,
    ) -> Result<ThreadId> {
        let (reply, thread, community, ctx) = self.readable_reply(user, reply_id).await?;
        AppError::from_access(policy::can_participate(&ctx), "reply")?;
        if reply.author_id == user.id() {
            return Err(AppError::invalid("reply", "you cannot thank yourself"));
        }
        let note = optional_line(note, NOTE_MAX).map_err(|m| AppError::invalid("note", m))?;
        self.thank(
            user,
            &community,
            reply.author_id,
            Thanked::Reply {
                thread: thread.id,
                reply: reply_id,
            },
            note,
        )
        .await?;
        Ok(thread.id)
    }

    /// Records thanks (for a reply or a resource) with its `thanks.given`
    /// event (subject = the thing, other = the person thanked). A reply's
    /// thread goes into the notification, which names and links to it.
    pub(crate) async fn thank(
        &self,
        user: &SessionUser,
        community: &Community,
        receiver: PersonId,
        what: Thanked,
        note: String,
    ) -> Result<()> {
        let (thread_id, reply_id, resource_id) = match what {
            Thanked::Reply { thread, reply } => (Some(thread), Some(reply), None),
            Thanked::Resource(id) => (None, None, Some(id)),
        };
        let at = Timestamp::now();
        let me = user.id();
        let subject = match what {
            Thanked::Reply { reply, .. } => reply.0,
            Thanked::Resource(id) => id.0,
        };
        let event = self
            .activity(user, ActivityKind::ThanksGiven, community.id, at)
            .subject(subject)
            .other(receiver);
        let notify = [NewNotification {
            actor_id: Some(me),
            community_id: Some(community.id),
            thread_id,
            reply_id,
            resource_id,
            ..NewNotification::new(receiver, NotificationKind::Thanks, at.0)
        }];
        self.store
            .give_thanks(
                &NewThanks {
                    giver_id: me,
                    receiver_id: receiver,
                    community_id: community.id,
                    reply_id,
                    resource_id,
                    note,
                    at: at.0,
                },
                &event,
                &notify,
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    AppError::conflict("thanks", "you already thanked them for this")
                }
                other => other.into(),
            })
    }
}
