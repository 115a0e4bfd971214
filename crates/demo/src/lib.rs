//! Guildhall's demonstration organization: a deterministic generator of a
//! believable organization — units, people, knowledge domains, communities
//! at every stage and visibility, memberships, requests, invitations, and
//! months of activity with the rhythms of healthy, neglected, one-person,
//! closed-minded and overloaded communities — so that every page, figure
//! and alert has something true to show.
//!
//! This crate owns what the demo organization looks like and the promise
//! that a seed always yields the same one. It writes through the store's
//! bulk loader only, into an empty database, and it must not decide policy
//! or compute figures: what it writes must be exactly what the app's own
//! use-cases could have written (private communities by invitation only,
//! memberships that agree with the join and leave events, nothing in the
//! future), so that the health pulse computed from it means something.

#![forbid(unsafe_code)]

mod content;
mod org;
mod plan;
mod rnd;
mod sim;
mod vocab;

use guildhall_app::AppError;
use guildhall_domain::{
    ActivityId, ActivityKind, CommunityId, CommunityRole, DocumentKind, DomainId, EventId,
    EventKind, EventSessionId, InvitationId, InvitationStatus, JoinRequestId, JoinRequestStatus,
    MembershipPolicy, PersonId, ReplyId, ResourceId, ResourceStatus, Stage, StageChangeId,
    ThreadId, ThreadKind, UnitId,
};
use guildhall_store::{
    BulkActivityWithId, BulkAttendance, BulkCommunity, BulkCommunityDomain, BulkDomain, BulkEvent,
    BulkEventSession, BulkInvitation, BulkJoinRequest, BulkMembership, BulkPerson, BulkReply,
    BulkResource, BulkResourceRevision, BulkResourceStatusChange, BulkRow, BulkSearchDocument,
    BulkSolution, BulkStageChange, BulkThanks, BulkThread, BulkUnit, BulkWriter, Store, StoreError,
};
use plan::{CLOSED_WITH_REQUESTS, DAY, PRIVATE_WITH_INVITATION};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use std::collections::{HashMap, HashSet};
use std::time::Instant;

/// What to generate. The defaults make a small organization that loads in
/// a few seconds; `people: 100_000, communities: 2_000, months: 36` makes
/// about ten million activity events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoOptions {
    pub people: u32,
    pub communities: u32,
    pub months: u32,
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            people: 400,
            communities: 30,
            months: 12,
            seed: 1,
        }
    }
}

/// How many rows of each kind were written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub units: u64,
    pub people: u64,
    pub domains: u64,
    pub communities: u64,
    pub memberships: u64,
    pub events: u64,
    pub threads: u64,
    pub replies: u64,
    pub resources: u64,
}

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "guildhall-demo";

/// The signed-in accounts created, one per organization role, as (email,
/// organization role word). Two more members play parts: the coordinator
/// coordinates an open, a closed (with pending join requests) and a private
/// community; the outsider belongs to no private community. The member has
/// a pending invitation to the coordinator's private community.
pub const DEMO_ACCOUNTS: &[(&str, &str)] = &[
    ("admin@demo.guildhall.test", "administrator"),
    ("strategist@demo.guildhall.test", "knowledge_strategist"),
    ("executive@demo.guildhall.test", "executive"),
    ("manager@demo.guildhall.test", "manager"),
    ("hr@demo.guildhall.test", "hr"),
    ("member@demo.guildhall.test", "member"),
    ("coordinator@demo.guildhall.test", "member"),
    ("outsider@demo.guildhall.test", "member"),
];

/// Fewest people for which every demo account has a place and every
/// community a handful of members.
pub const MIN_PEOPLE: u32 = 50;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "the database already has people: the demo organization is only generated into an empty database"
    )]
    NotEmpty,
    #[error("{0}")]
    Options(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    App(#[from] AppError),
}

fn check(opts: &DemoOptions) -> Result<(), DemoError> {
    if opts.people < MIN_PEOPLE {
        return Err(DemoError::Options(format!(
            "the demo needs at least {MIN_PEOPLE} people"
        )));
    }
    if opts.communities < plan::MIN_COMMUNITIES {
        return Err(DemoError::Options(format!(
            "the demo needs at least {} communities to show every stage and visibility",
            plan::MIN_COMMUNITIES
        )));
    }
    if opts.communities > opts.people / 5 {
        return Err(DemoError::Options(
            "at most one community per five people: every community needs members".into(),
        ));
    }
    if !(1..=240).contains(&opts.months) {
        return Err(DemoError::Options(
            "months of history must be between 1 and 240".into(),
        ));
    }
    Ok(())
}

/// Generates the demonstration organization into an empty database, with
/// history ending just before `now` (Unix seconds). The same options and
/// `now` always give the same rows, except for the password hash's salt.
pub async fn generate(
    store: &Store,
    opts: &DemoOptions,
    now: i64,
) -> Result<DemoSummary, DemoError> {
    check(opts)?;
    if store.count_people().await? > 0 {
        return Err(DemoError::NotEmpty);
    }
    let started = Instant::now();
    let hash = guildhall_app::auth::hash_password(DEMO_PASSWORD.to_owned()).await?;
    let history_start = now - i64::from(opts.months) * sim::MONTH;

    // Separate streams per phase, so that a change in one phase's drawing
    // leaves the others' output alone.
    let mut org_rng = SmallRng::seed_from_u64(opts.seed ^ 0x6f72_6761_6e69_7a65);
    let mut plan_rng = SmallRng::seed_from_u64(opts.seed ^ 0x636f_6d6d_756e_6974);
    let mut rows_rng = SmallRng::seed_from_u64(opts.seed ^ 0x726f_7773_726f_7773);

    let (mut org, demo_ids) = org::build(&mut org_rng, opts.people, history_start);
    let plans = plan::build(
        &mut plan_rng,
        &org,
        &demo_ids,
        opts.communities as usize,
        history_start,
        now,
    );
    // People are interested in what their communities are about.
    for c in &plans.communities {
        for j in &c.joins {
            let p = &mut org.people[(j.person.0 - 1) as usize];
            let d = c.domains[0];
            if !p.expertise.contains(&d) && !p.interests.contains(&d) && p.interests.len() < 4 {
                p.interests.push(d);
            }
        }
    }
    let mut summary = DemoSummary::default();
    write_organization(store, &org, &hash, history_start, &mut summary).await?;
    write_communities(store, &plans.communities, &mut summary).await?;
    tracing::info!(elapsed = ?started.elapsed(), "demo organization and communities written");

    let unit_of: Vec<UnitId> = org.people.iter().map(|p| p.unit_id).collect();
    let mut sim = sim::Sim::new(
        &plans.communities,
        &unit_of,
        opts.seed,
        history_start,
        opts.months,
    );
    // Maintaining the log's indexes row by row costs several times more
    // than building them once at the end.
    let mut indexes = Vec::new();
    for table in [
        BulkActivityWithId::TABLE,
        BulkThread::TABLE,
        BulkReply::TABLE,
        BulkThanks::TABLE,
        BulkAttendance::TABLE,
    ] {
        indexes.push(store.suspend_indexes(table).await?);
    }
    let search_index = store.suspend_search_index().await?;
    let domain_of: Vec<usize> = plans
        .communities
        .iter()
        .map(|c| c.domains.first().copied().unwrap_or(0))
        .collect();
    let loaded = async {
        write_event_series(store, &plans.communities, now).await?;
        write_activity(store, &mut sim, &domain_of, &mut summary).await
    }
    .await;
    let mut restored = Ok(());
    for suspended in indexes {
        let outcome = store.restore_indexes(suspended).await;
        restored = restored.and(outcome);
    }
    let reindexed = store.restore_search_index(search_index).await;
    summary.events = loaded?;
    restored?;
    reindexed?;
    store.recount_threads().await?;
    store.index_people_and_communities().await?;
    tracing::info!(elapsed = ?started.elapsed(), events = summary.events, "demo activity written");

    let (members, admissions, ever) = sim.finish();
    write_memberships(
        store,
        &mut rows_rng,
        &plans.communities,
        &members,
        &admissions,
        &ever,
        &demo_ids,
        now,
        &mut summary,
    )
    .await?;
    store
        .reset_id_sequences(&[
            BulkUnit::TABLE,
            BulkPerson::TABLE,
            BulkDomain::TABLE,
            BulkCommunity::TABLE,
            BulkStageChange::TABLE,
            BulkJoinRequest::TABLE,
            BulkInvitation::TABLE,
            BulkActivityWithId::TABLE,
            BulkThread::TABLE,
            BulkReply::TABLE,
            BulkResource::TABLE,
            BulkResourceStatusChange::TABLE,
            BulkThanks::TABLE,
            BulkEvent::TABLE,
            BulkEventSession::TABLE,
            BulkSearchDocument::TABLE,
        ])
        .await?;
    // The demo accounts find what happened to them lately in their
    // notifications, the older part already read.
    let accounts: Vec<PersonId> = demo_ids.clone();
    store
        .backfill_notifications(&accounts, now - 60 * DAY, now - 7 * DAY)
        .await?;
    // Fresh statistics, so that the query planners see the loaded tables
    // as they are.
    store.execute_trusted("ANALYZE").await?;
    tracing::info!(elapsed = ?started.elapsed(), "demo organization complete");
    Ok(summary)
}

/// Writes the simulated history with ids in time order, and what it is
/// about: each thread, reply, solved mark and thanks as rows (with their
/// search documents) whose ids are the events' subjects.
async fn write_activity(
    store: &Store,
    sim: &mut sim::Sim<'_>,
    domain_of: &[usize],
    summary: &mut DemoSummary,
) -> Result<u64, DemoError> {
    let mut activity = BulkWriter::<BulkActivityWithId>::new();
    let mut threads = BulkWriter::<BulkThread>::new();
    let mut replies = BulkWriter::<BulkReply>::new();
    let mut solutions = BulkWriter::<BulkSolution>::new();
    let mut thanks = BulkWriter::<BulkThanks>::new();
    let mut docs = BulkWriter::<BulkSearchDocument>::new();
    let mut sessions = BulkWriter::<BulkEventSession>::new();
    let mut attendance = BulkWriter::<BulkAttendance>::new();
    // A thread's title, for its replies' search documents.
    // (Kept as the kind by thread id, a byte each, and the title made again
    // when a reply needs it: millions of titles would not fit the memory
    // budget.)
    let mut thread_kind: Vec<u8> = Vec::new();
    // Resources are written at the end, with their final revision and
    // status; their revisions and endorsements are kept until then.
    let mut resources: Vec<DemoResource> = Vec::new();
    let mut resource_index: HashMap<ResourceId, usize> = HashMap::new();
    let mut next_id = 0i64;
    while let Some(batch) = sim.next_month() {
        for e in batch {
            // Rows that refer to each other are flushed together, parents
            // first, before any writer would flush on its own.
            if threads.pending() + replies.pending() + solutions.pending() + thanks.pending()
                > 30_000
            {
                threads.flush(store).await?;
                replies.flush(store).await?;
                solutions.flush(store).await?;
                thanks.flush(store).await?;
            }
            if sessions.pending() + attendance.pending() > 30_000 {
                sessions.flush(store).await?;
                attendance.flush(store).await?;
            }
            next_id += 1;
            activity
                .push(
                    store,
                    BulkActivityWithId {
                        id: ActivityId(next_id),
                        at: e.at,
                        kind: e.kind,
                        actor_id: e.actor,
                        actor_unit: e.unit,
                        community_id: Some(e.community),
                        subject_id: e.subject,
                        parent_id: e.parent,
                        other_id: e.other,
                    },
                )
                .await?;
            let domain = usize::try_from(e.community.0 - 1)
                .ok()
                .and_then(|i| domain_of.get(i))
                .copied()
                .unwrap_or(0);
            match (e.kind, e.subject) {
                (
                    ActivityKind::ThreadHelp
                    | ActivityKind::ThreadStory
                    | ActivityKind::ThreadDiscussion,
                    Some(id),
                ) => {
                    let (title, body, tags) = content::thread(e.kind, id, domain);
                    let kind = match e.kind {
                        ActivityKind::ThreadHelp => ThreadKind::Help,
                        ActivityKind::ThreadStory => ThreadKind::Story,
                        _ => ThreadKind::Discussion,
                    };
                    if let Ok(i) = usize::try_from(id) {
                        if thread_kind.len() <= i {
                            thread_kind.resize(i + 1, 0);
                        }
                        thread_kind[i] = kind_code(e.kind);
                    }
                    let plain = format!("{}\n{tags}", content::plain(&body));
                    let thread_id = ThreadId(id);
                    docs.push(
                        store,
                        BulkSearchDocument {
                            kind: DocumentKind::Thread,
                            ref_id: id,
                            community_id: e.community,
                            thread_id: Some(thread_id),
                            author_id: e.actor,
                            title: title.clone(),
                            body: plain,
                            at: e.at,
                        },
                    )
                    .await?;
                    threads
                        .push(
                            store,
                            BulkThread {
                                id: thread_id,
                                community_id: e.community,
                                kind,
                                title,
                                body,
                                tags,
                                author_id: e.actor,
                                created_at: e.at,
                                last_activity_at: e.at,
                            },
                        )
                        .await?;
                    summary.threads += 1;
                }
                (ActivityKind::ReplyCreated, Some(id)) => {
                    let Some(thread) = e.parent else { continue };
                    let body = content::reply(id, domain, e.other == Some(e.actor));
                    let title = usize::try_from(thread)
                        .ok()
                        .and_then(|i| thread_kind.get(i))
                        .and_then(|k| kind_of_code(*k))
                        .map(|k| content::thread_title(k, thread, domain))
                        .unwrap_or_default();
                    docs.push(
                        store,
                        BulkSearchDocument {
                            kind: DocumentKind::Reply,
                            ref_id: id,
                            community_id: e.community,
                            thread_id: Some(ThreadId(thread)),
                            author_id: e.actor,
                            title,
                            body: content::plain(&body),
                            at: e.at,
                        },
                    )
                    .await?;
                    replies
                        .push(
                            store,
                            BulkReply {
                                id: ReplyId(id),
                                thread_id: ThreadId(thread),
                                author_id: e.actor,
                                body,
                                reply_to: None,
                                created_at: e.at,
                            },
                        )
                        .await?;
                    summary.replies += 1;
                }
                (ActivityKind::HelpSolved, Some(thread)) => {
                    if let (Some(reply), Some(helper)) = (e.solution, e.other) {
                        solutions
                            .push(
                                store,
                                BulkSolution {
                                    thread_id: ThreadId(thread),
                                    reply_id: reply,
                                    helper_id: helper,
                                    marked_by: Some(e.actor),
                                    at: e.at,
                                },
                            )
                            .await?;
                    }
                }
                (ActivityKind::ResourceCreated, Some(id)) => {
                    let id = ResourceId(id);
                    resource_index.insert(id, resources.len());
                    resources.push(DemoResource {
                        id,
                        community: e.community,
                        domain,
                        created_by: e.actor,
                        created_at: e.at,
                        revisions: vec![(e.actor, e.at)],
                        endorsements: Vec::new(),
                    });
                }
                (ActivityKind::ResourceRevised, Some(id)) => {
                    let id = ResourceId(id);
                    if let Some(r) = resource_index.get(&id).and_then(|i| resources.get_mut(*i)) {
                        r.revisions.push((e.actor, e.at));
                    }
                }
                (ActivityKind::ResourceEndorsed, Some(id)) => {
                    let id = ResourceId(id);
                    if let Some(r) = resource_index.get(&id).and_then(|i| resources.get_mut(*i)) {
                        r.endorsements.push((e.actor, e.at));
                    }
                }
                (ActivityKind::EventHeld, Some(session)) => {
                    sessions
                        .push(
                            store,
                            BulkEventSession {
                                id: EventSessionId(session),
                                // The community's one series: event ids are
                                // community ids.
                                event_id: EventId(e.community.0),
                                occurrence_at: e.at,
                                held_by: e.actor,
                                recorded_at: e.at,
                            },
                        )
                        .await?;
                }
                (ActivityKind::EventAttended, Some(session)) => {
                    attendance
                        .push(
                            store,
                            BulkAttendance {
                                session_id: EventSessionId(session),
                                person_id: e.actor,
                                recorded_at: e.at,
                            },
                        )
                        .await?;
                }
                (ActivityKind::ThanksGiven, Some(reply)) => {
                    if let Some(receiver) = e.other {
                        thanks
                            .push(
                                store,
                                BulkThanks {
                                    giver_id: e.actor,
                                    receiver_id: receiver,
                                    community_id: e.community,
                                    reply_id: ReplyId(reply),
                                    at: e.at,
                                },
                            )
                            .await?;
                    }
                }
                _ => {}
            }
        }
    }
    // Parents before children: the foreign keys hold at every flush.
    activity.flush(store).await?;
    threads.flush(store).await?;
    replies.flush(store).await?;
    solutions.flush(store).await?;
    thanks.flush(store).await?;
    sessions.flush(store).await?;
    attendance.flush(store).await?;
    write_resources(store, &resources, &mut docs, summary).await?;
    docs.flush(store).await?;
    Ok(activity.written())
}

fn kind_code(k: ActivityKind) -> u8 {
    match k {
        ActivityKind::ThreadHelp => 1,
        ActivityKind::ThreadStory => 2,
        _ => 3,
    }
}

fn kind_of_code(c: u8) -> Option<ActivityKind> {
    match c {
        1 => Some(ActivityKind::ThreadHelp),
        2 => Some(ActivityKind::ThreadStory),
        3 => Some(ActivityKind::ThreadDiscussion),
        _ => None,
    }
}

/// A resource of the simulated history: who revised it when, who endorsed it.
struct DemoResource {
    id: ResourceId,
    community: CommunityId,
    domain: usize,
    created_by: PersonId,
    created_at: i64,
    /// (author, at) of revision 1, 2, …
    revisions: Vec<(PersonId, i64)>,
    endorsements: Vec<(PersonId, i64)>,
}

async fn write_resources(
    store: &Store,
    list: &[DemoResource],
    docs: &mut BulkWriter<BulkSearchDocument>,
    summary: &mut DemoSummary,
) -> Result<(), DemoError> {
    let mut rows = BulkWriter::<BulkResource>::new();
    for r in list {
        let (kind, title, _, tags) = content::resource(r.id.0, r.domain);
        let status = if r.endorsements.is_empty() {
            ResourceStatus::Draft
        } else {
            ResourceStatus::Endorsed
        };
        let last = r.revisions.last().map_or(r.created_at, |v| v.1);
        rows.push(
            store,
            BulkResource {
                id: r.id,
                community_id: r.community,
                kind,
                title: title.clone(),
                revision: r.revisions.len() as i64,
                status,
                tags: tags.clone(),
                created_by: r.created_by,
                created_at: r.created_at,
                updated_at: last,
            },
        )
        .await?;
        let body = content::resource_revision(r.id.0, r.domain, r.revisions.len() as i64);
        docs.push(
            store,
            BulkSearchDocument {
                kind: DocumentKind::Resource,
                ref_id: r.id.0,
                community_id: r.community,
                thread_id: None,
                author_id: r.created_by,
                title,
                body: format!("{}\n{tags}", content::plain(&body)),
                at: last,
            },
        )
        .await?;
        summary.resources += 1;
    }
    rows.flush(store).await?;
    let mut revisions = BulkWriter::<BulkResourceRevision>::new();
    let mut moves = BulkWriter::<BulkResourceStatusChange>::new();
    for r in list {
        let (_, title, _, _) = content::resource(r.id.0, r.domain);
        for (i, (author, at)) in r.revisions.iter().enumerate() {
            let number = i as i64 + 1;
            revisions
                .push(
                    store,
                    BulkResourceRevision {
                        resource_id: r.id,
                        number,
                        title: title.clone(),
                        body: content::resource_revision(r.id.0, r.domain, number),
                        summary: if number == 1 {
                            "first draft"
                        } else {
                            "added a note"
                        }
                        .to_owned(),
                        author_id: *author,
                        at: *at,
                    },
                )
                .await?;
        }
        if let Some((by, at)) = r.endorsements.first() {
            moves
                .push(
                    store,
                    BulkResourceStatusChange {
                        resource_id: r.id,
                        from_status: ResourceStatus::Draft,
                        to_status: ResourceStatus::Endorsed,
                        changed_by: *by,
                        at: *at,
                    },
                )
                .await?;
        }
    }
    revisions.flush(store).await?;
    moves.flush(store).await?;
    Ok(())
}

/// Each community's meetings as one recurring series (its rhythm), whose
/// held sessions the simulation records; the series of a community in
/// memory is cancelled when it closed. Event ids are community ids.
async fn write_event_series(
    store: &Store,
    plans: &[plan::CommunityPlan],
    now: i64,
) -> Result<(), DemoError> {
    let mut rows = BulkWriter::<BulkEvent>::new();
    for c in plans {
        if c.first_meeting >= now {
            continue;
        }
        let weeks = (c.cadence / (7 * DAY)).max(1);
        let rule = if weeks == 1 {
            "FREQ=WEEKLY".to_owned()
        } else {
            format!("FREQ=WEEKLY;INTERVAL={weeks}")
        };
        let cancelled = (c.stage == Stage::Memory).then_some(c.limit);
        rows.push(
            store,
            BulkEvent {
                id: EventId(c.id.0),
                community_id: c.id,
                kind: EventKind::Regular,
                title: format!("{} meetup", c.name),
                description: "Our regular get-together: a short round of news, one case brought by a member, and time to help each other.".to_owned(),
                place: "Main building, room 2.14 and online".to_owned(),
                starts_at: c.first_meeting,
                duration_minutes: 60,
                recurrence: rule,
                created_by: c.founder,
                created_at: c.created_at,
                cancelled_at: cancelled,
            },
        )
        .await?;
    }
    rows.flush(store).await?;
    Ok(())
}

fn tags(domains: &[usize]) -> String {
    domains
        .iter()
        .map(|d| vocab::DOMAINS[*d].0.to_lowercase())
        .collect::<Vec<_>>()
        .join(", ")
}

async fn write_organization(
    store: &Store,
    org: &org::Org,
    hash: &str,
    history_start: i64,
    summary: &mut DemoSummary,
) -> Result<(), DemoError> {
    let mut units = BulkWriter::<BulkUnit>::new();
    for u in &org.units {
        units
            .push(
                store,
                BulkUnit {
                    id: u.id,
                    name: u.name.clone(),
                    parent_id: u.parent,
                    description: u.description.clone(),
                    created_at: u.created_at,
                },
            )
            .await?;
    }
    units.flush(store).await?;
    summary.units = units.written();

    let mut people = BulkWriter::<BulkPerson>::new();
    for p in &org.people {
        let city = org.sites[p.site].city;
        let (a, b) = p.bio_variant;
        let focus = p
            .expertise
            .iter()
            .map(|d| vocab::DOMAINS[*d].0.to_lowercase())
            .collect::<Vec<_>>();
        let focus = match focus.as_slice() {
            [] => "many things".to_owned(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {}", init.join(", "), last),
        };
        let bio = format!(
            "{} {} at the {} site. {}",
            vocab::BIO_OPENINGS[a % vocab::BIO_OPENINGS.len()],
            focus,
            city,
            vocab::BIO_CLOSINGS[b % vocab::BIO_CLOSINGS.len()]
        );
        people
            .push(
                store,
                BulkPerson {
                    id: p.id,
                    name: p.name.clone(),
                    email: p.email.clone(),
                    unit_id: Some(p.unit_id),
                    title: p.title.clone(),
                    manager_id: p.manager_id,
                    expertise: tags(&p.expertise),
                    interests: tags(&p.interests),
                    bio,
                    org_role: p.org_role,
                    password_hash: p.has_password.then(|| hash.to_owned()),
                    created_at: p.created_at,
                },
            )
            .await?;
    }
    people.flush(store).await?;
    summary.people = people.written();

    let mut domains = BulkWriter::<BulkDomain>::new();
    for (i, (name, description)) in vocab::DOMAINS.iter().enumerate() {
        domains
            .push(
                store,
                BulkDomain {
                    id: DomainId(i as i64 + 1),
                    name: (*name).to_owned(),
                    description: (*description).to_owned(),
                    created_at: history_start - (400 + 17 * i as i64) * DAY,
                },
            )
            .await?;
    }
    domains.flush(store).await?;
    summary.domains = domains.written();
    Ok(())
}

async fn write_communities(
    store: &Store,
    plans: &[plan::CommunityPlan],
    summary: &mut DemoSummary,
) -> Result<(), DemoError> {
    let mut communities = BulkWriter::<BulkCommunity>::new();
    let mut links = BulkWriter::<BulkCommunityDomain>::new();
    let mut stages = BulkWriter::<BulkStageChange>::new();
    let mut stage_id = 0i64;
    for c in plans {
        communities
            .push(
                store,
                BulkCommunity {
                    id: c.id,
                    slug: c.slug.clone(),
                    name: c.name.clone(),
                    domain_statement: c.domain_statement.clone(),
                    purpose: c.purpose.clone(),
                    visibility: c.visibility,
                    membership_policy: c.policy,
                    stage: c.stage,
                    created_at: c.created_at,
                    updated_at: c.updated_at(),
                },
            )
            .await?;
        for d in &c.domains {
            links
                .push(
                    store,
                    BulkCommunityDomain {
                        community_id: c.id,
                        domain_id: DomainId(*d as i64 + 1),
                    },
                )
                .await?;
        }
        for m in &c.moves {
            stage_id += 1;
            stages
                .push(
                    store,
                    BulkStageChange {
                        id: StageChangeId(stage_id),
                        community_id: c.id,
                        from_stage: m.from,
                        to_stage: m.to,
                        reason: m.reason.to_owned(),
                        changed_by: c.founder,
                        at: m.at,
                    },
                )
                .await?;
        }
    }
    communities.flush(store).await?;
    links.flush(store).await?;
    stages.flush(store).await?;
    summary.communities = communities.written();
    Ok(())
}

const REQUEST_MESSAGES: &[&str] = &[
    "I work on this every day and would love to learn from you.",
    "My manager suggested I join; we are starting a project in this area.",
    "New to the site, keen to meet the people who know this best.",
    "",
    "Could I join? I have a few lessons learned to share.",
];

#[allow(clippy::too_many_arguments)]
async fn write_memberships(
    store: &Store,
    rng: &mut SmallRng,
    plans: &[plan::CommunityPlan],
    members: &[Vec<sim::FinalMember>],
    admissions: &[sim::Admission],
    ever: &[HashSet<PersonId>],
    demo_ids: &[PersonId],
    now: i64,
    summary: &mut DemoSummary,
) -> Result<(), DemoError> {
    let mut rows = BulkWriter::<BulkMembership>::new();
    for (c, ms) in plans.iter().zip(members) {
        for m in ms {
            rows.push(
                store,
                BulkMembership {
                    community_id: c.id,
                    person_id: m.person,
                    role: m.role,
                    joined_at: m.joined_at,
                },
            )
            .await?;
        }
    }
    rows.flush(store).await?;
    summary.memberships = rows.written();

    let mut requests = BulkWriter::<BulkJoinRequest>::new();
    let mut invitations = BulkWriter::<BulkInvitation>::new();
    let mut request_id = 0i64;
    let mut invitation_id = 0i64;
    let message =
        |rng: &mut SmallRng| REQUEST_MESSAGES[rng.random_range(0..REQUEST_MESSAGES.len())];

    // Everyone admitted to a closed or private community asked or was asked.
    for a in admissions {
        let c = &plans[a.community];
        let asked = (a.at - rng.random_range(2 * 3_600..5 * DAY)).max(c.created_at + 60);
        let asked = asked.min(a.at);
        match c.policy {
            MembershipPolicy::Request => {
                request_id += 1;
                requests
                    .push(
                        store,
                        BulkJoinRequest {
                            id: JoinRequestId(request_id),
                            community_id: c.id,
                            person_id: a.person,
                            message: message(rng).to_owned(),
                            status: JoinRequestStatus::Approved,
                            created_at: asked,
                            decided_by: Some(c.founder),
                            decided_at: Some(a.at),
                        },
                    )
                    .await?;
            }
            MembershipPolicy::Invitation => {
                invitation_id += 1;
                invitations
                    .push(
                        store,
                        BulkInvitation {
                            id: InvitationId(invitation_id),
                            community_id: c.id,
                            person_id: a.person,
                            invited_by: c.founder,
                            role: a.role,
                            status: InvitationStatus::Accepted,
                            created_at: asked,
                            decided_at: Some(a.at),
                        },
                    )
                    .await?;
            }
            MembershipPolicy::Open => {}
        }
    }

    // Open questions: declined ones in the past, pending ones lately, from
    // people who were never members (and never the outsider, who must not
    // learn that private communities exist).
    let n_people = summary.people as i64;
    let demo: HashSet<PersonId> = demo_ids.iter().copied().collect();
    let member_account = demo_ids[org::account::MEMBER];
    for (ci, c) in plans.iter().enumerate() {
        if c.policy == MembershipPolicy::Open {
            continue;
        }
        let living = c.stage != Stage::Memory;
        let declined = rng.random_range(0..3usize);
        let pending = if !living {
            0
        } else if ci == CLOSED_WITH_REQUESTS && c.policy == MembershipPolicy::Request {
            3
        } else if rng.random_bool(0.5) {
            rng.random_range(1..=3usize)
        } else {
            0
        };
        let mut chosen: Vec<PersonId> = Vec::new();
        if ci == PRIVATE_WITH_INVITATION && living && c.policy == MembershipPolicy::Invitation {
            chosen.push(member_account);
        }
        let mut guard = 0;
        while chosen.len() < declined + pending && guard < 1000 {
            guard += 1;
            let p = PersonId(rng.random_range(1..=n_people));
            if demo.contains(&p) || ever[ci].contains(&p) || chosen.contains(&p) {
                continue;
            }
            chosen.push(p);
        }
        let pending_people: Vec<(PersonId, bool)> = chosen
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let is_pending = if *p == member_account {
                    true
                } else {
                    k >= declined.min(chosen.len())
                };
                (*p, is_pending)
            })
            .collect();
        for (p, is_pending) in pending_people {
            let (created, decided) = if is_pending {
                let created = (now - rng.random_range(3_600..20 * DAY)).max(c.created_at + 60);
                (created, None)
            } else {
                let span = (c.limit - c.created_at - 2 * DAY).max(DAY);
                let created = c.created_at + rng.random_range(0..span);
                let decided = created + rng.random_range(3_600..3 * DAY);
                (created, Some(decided.min(c.limit - 60)))
            };
            match c.policy {
                MembershipPolicy::Request => {
                    request_id += 1;
                    requests
                        .push(
                            store,
                            BulkJoinRequest {
                                id: JoinRequestId(request_id),
                                community_id: c.id,
                                person_id: p,
                                message: message(rng).to_owned(),
                                status: if is_pending {
                                    JoinRequestStatus::Pending
                                } else {
                                    JoinRequestStatus::Declined
                                },
                                created_at: created,
                                decided_by: (!is_pending).then_some(c.founder),
                                decided_at: decided,
                            },
                        )
                        .await?;
                }
                MembershipPolicy::Invitation => {
                    invitation_id += 1;
                    invitations
                        .push(
                            store,
                            BulkInvitation {
                                id: InvitationId(invitation_id),
                                community_id: c.id,
                                person_id: p,
                                invited_by: c.founder,
                                role: CommunityRole::Member,
                                status: if is_pending {
                                    InvitationStatus::Pending
                                } else {
                                    InvitationStatus::Declined
                                },
                                created_at: created,
                                decided_at: decided,
                            },
                        )
                        .await?;
                }
                MembershipPolicy::Open => {}
            }
        }
    }
    requests.flush(store).await?;
    invitations.flush(store).await?;
    Ok(())
}
