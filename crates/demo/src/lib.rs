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
use guildhall_domain::{ActivityKind, MembershipPolicy, ResourceStatus, Stage, ThreadKind};
use guildhall_store::{BulkWriter, Store, StoreError, Value};
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
            let p = &mut org.people[(j.person - 1) as usize];
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

    let unit_of: Vec<i64> = org.people.iter().map(|p| p.unit_id).collect();
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
        "activity",
        "threads",
        "replies",
        "thanks",
        "event_attendance",
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
            "units",
            "people",
            "domains",
            "communities",
            "stage_changes",
            "join_requests",
            "invitations",
            "activity",
            "threads",
            "replies",
            "resources",
            "resource_status_changes",
            "thanks",
            "events",
            "event_sessions",
            "search_documents",
        ])
        .await?;
    // The demo accounts find what happened to them lately in their
    // notifications, the older part already read.
    let accounts: Vec<i64> = demo_ids.clone();
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
    let mut activity = BulkWriter::new(
        "activity",
        &[
            "id",
            "at",
            "kind",
            "actor_id",
            "actor_unit",
            "community_id",
            "subject_id",
            "parent_id",
            "other_id",
        ],
    );
    let mut threads = BulkWriter::new(
        "threads",
        &[
            "id",
            "community_id",
            "kind",
            "title",
            "body",
            "tags",
            "author_id",
            "created_at",
            "last_activity_at",
        ],
    );
    let mut replies = BulkWriter::new(
        "replies",
        &["id", "thread_id", "author_id", "body", "created_at"],
    );
    let mut solutions = BulkWriter::new(
        "help_solutions",
        &["thread_id", "reply_id", "helper_id", "marked_by", "at"],
    );
    let mut thanks = BulkWriter::new(
        "thanks",
        &["giver_id", "receiver_id", "community_id", "reply_id", "at"],
    );
    let mut docs = BulkWriter::new(
        "search_documents",
        &[
            "kind",
            "ref_id",
            "community_id",
            "thread_id",
            "author_id",
            "title",
            "body",
            "at",
        ],
    );
    let mut sessions = BulkWriter::new(
        "event_sessions",
        &["id", "event_id", "occurrence_at", "held_by", "recorded_at"],
    );
    let mut attendance = BulkWriter::new(
        "event_attendance",
        &["session_id", "person_id", "recorded_at"],
    );
    // A thread's title, for its replies' search documents.
    // (Kept as the kind by thread id, a byte each, and the title made again
    // when a reply needs it: millions of titles would not fit the memory
    // budget.)
    let mut thread_kind: Vec<u8> = Vec::new();
    // Resources are written at the end, with their final revision and
    // status; their revisions and endorsements are kept until then.
    let mut resources: Vec<DemoResource> = Vec::new();
    let mut resource_index: HashMap<i64, usize> = HashMap::new();
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
                    vec![
                        Value::Int(next_id),
                        Value::Int(e.at),
                        Value::from(e.kind.as_str()),
                        Value::Int(e.actor),
                        Value::from(e.unit),
                        Value::Int(e.community),
                        Value::from(e.subject),
                        Value::from(e.parent),
                        Value::from(e.other),
                    ],
                )
                .await?;
            let domain = usize::try_from(e.community - 1)
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
                    docs.push(
                        store,
                        vec![
                            Value::from("thread"),
                            Value::Int(id),
                            Value::Int(e.community),
                            Value::Int(id),
                            Value::Int(e.actor),
                            Value::from(title.clone()),
                            Value::from(plain),
                            Value::Int(e.at),
                        ],
                    )
                    .await?;
                    threads
                        .push(
                            store,
                            vec![
                                Value::Int(id),
                                Value::Int(e.community),
                                Value::from(kind.as_str()),
                                Value::from(title),
                                Value::from(body),
                                Value::from(tags),
                                Value::Int(e.actor),
                                Value::Int(e.at),
                                Value::Int(e.at),
                            ],
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
                        vec![
                            Value::from("reply"),
                            Value::Int(id),
                            Value::Int(e.community),
                            Value::Int(thread),
                            Value::Int(e.actor),
                            Value::from(title),
                            Value::from(content::plain(&body)),
                            Value::Int(e.at),
                        ],
                    )
                    .await?;
                    replies
                        .push(
                            store,
                            vec![
                                Value::Int(id),
                                Value::Int(thread),
                                Value::Int(e.actor),
                                Value::from(body),
                                Value::Int(e.at),
                            ],
                        )
                        .await?;
                    summary.replies += 1;
                }
                (ActivityKind::HelpSolved, Some(thread)) => {
                    if let (Some(reply), Some(helper)) = (e.solution, e.other) {
                        solutions
                            .push(
                                store,
                                vec![
                                    Value::Int(thread),
                                    Value::Int(reply),
                                    Value::Int(helper),
                                    Value::Int(e.actor),
                                    Value::Int(e.at),
                                ],
                            )
                            .await?;
                    }
                }
                (ActivityKind::ResourceCreated, Some(id)) => {
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
                    if let Some(r) = resource_index.get(&id).and_then(|i| resources.get_mut(*i)) {
                        r.revisions.push((e.actor, e.at));
                    }
                }
                (ActivityKind::ResourceEndorsed, Some(id)) => {
                    if let Some(r) = resource_index.get(&id).and_then(|i| resources.get_mut(*i)) {
                        r.endorsements.push((e.actor, e.at));
                    }
                }
                (ActivityKind::EventHeld, Some(session)) => {
                    sessions
                        .push(
                            store,
                            vec![
                                Value::Int(session),
                                Value::Int(e.community),
                                Value::Int(e.at),
                                Value::Int(e.actor),
                                Value::Int(e.at),
                            ],
                        )
                        .await?;
                }
                (ActivityKind::EventAttended, Some(session)) => {
                    attendance
                        .push(
                            store,
                            vec![Value::Int(session), Value::Int(e.actor), Value::Int(e.at)],
                        )
                        .await?;
                }
                (ActivityKind::ThanksGiven, Some(reply)) => {
                    if let Some(receiver) = e.other {
                        thanks
                            .push(
                                store,
                                vec![
                                    Value::Int(e.actor),
                                    Value::Int(receiver),
                                    Value::Int(e.community),
                                    Value::Int(reply),
                                    Value::Int(e.at),
                                ],
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
    Ok(activity.written)
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
    id: i64,
    community: i64,
    domain: usize,
    created_by: i64,
    created_at: i64,
    /// (author, at) of revision 1, 2, …
    revisions: Vec<(i64, i64)>,
    endorsements: Vec<(i64, i64)>,
}

async fn write_resources(
    store: &Store,
    list: &[DemoResource],
    docs: &mut BulkWriter,
    summary: &mut DemoSummary,
) -> Result<(), DemoError> {
    let mut rows = BulkWriter::new(
        "resources",
        &[
            "id",
            "community_id",
            "kind",
            "title",
            "revision",
            "status",
            "tags",
            "created_by",
            "created_at",
            "updated_at",
        ],
    );
    for r in list {
        let (kind, title, _, tags) = content::resource(r.id, r.domain);
        let status = if r.endorsements.is_empty() {
            ResourceStatus::Draft
        } else {
            ResourceStatus::Endorsed
        };
        let last = r.revisions.last().map_or(r.created_at, |v| v.1);
        rows.push(
            store,
            vec![
                Value::Int(r.id),
                Value::Int(r.community),
                Value::from(kind),
                Value::from(title.clone()),
                Value::Int(r.revisions.len() as i64),
                Value::from(status.as_str()),
                Value::from(tags.clone()),
                Value::Int(r.created_by),
                Value::Int(r.created_at),
                Value::Int(last),
            ],
        )
        .await?;
        let body = content::resource_revision(r.id, r.domain, r.revisions.len() as i64);
        docs.push(
            store,
            vec![
                Value::from("resource"),
                Value::Int(r.id),
                Value::Int(r.community),
                Value::Null,
                Value::Int(r.created_by),
                Value::from(title),
                Value::from(format!("{}\n{tags}", content::plain(&body))),
                Value::Int(last),
            ],
        )
        .await?;
        summary.resources += 1;
    }
    rows.flush(store).await?;
    let mut revisions = BulkWriter::new(
        "resource_revisions",
        &[
            "resource_id",
            "number",
            "title",
            "body",
            "summary",
            "author_id",
            "at",
        ],
    );
    let mut moves = BulkWriter::new(
        "resource_status_changes",
        &[
            "resource_id",
            "from_status",
            "to_status",
            "changed_by",
            "at",
        ],
    );
    for r in list {
        let (_, title, _, _) = content::resource(r.id, r.domain);
        for (i, (author, at)) in r.revisions.iter().enumerate() {
            let number = i as i64 + 1;
            revisions
                .push(
                    store,
                    vec![
                        Value::Int(r.id),
                        Value::Int(number),
                        Value::from(title.clone()),
                        Value::from(content::resource_revision(r.id, r.domain, number)),
                        Value::from(if number == 1 {
                            "first draft"
                        } else {
                            "added a note"
                        }),
                        Value::Int(*author),
                        Value::Int(*at),
                    ],
                )
                .await?;
        }
        if let Some((by, at)) = r.endorsements.first() {
            moves
                .push(
                    store,
                    vec![
                        Value::Int(r.id),
                        Value::from("draft"),
                        Value::from("endorsed"),
                        Value::Int(*by),
                        Value::Int(*at),
                    ],
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
    let mut rows = BulkWriter::new(
        "events",
        &[
            "id",
            "community_id",
            "kind",
            "title",
            "description",
            "place",
            "starts_at",
            "duration_minutes",
            "recurrence",
            "created_by",
            "created_at",
            "cancelled_at",
        ],
    );
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
            vec![
                Value::Int(c.id),
                Value::Int(c.id),
                Value::from("regular"),
                Value::from(format!("{} meetup", c.name)),
                Value::from(
                    "Our regular get-together: a short round of news, one case brought by a member, and time to help each other.",
                ),
                Value::from("Main building, room 2.14 and online"),
                Value::Int(c.first_meeting),
                Value::Int(60),
                Value::from(rule),
                Value::Int(c.founder),
                Value::Int(c.created_at),
                Value::from(cancelled),
            ],
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
    let mut units = BulkWriter::new(
        "units",
        &["id", "name", "parent_id", "description", "created_at"],
    );
    for u in &org.units {
        units
            .push(
                store,
                vec![
                    Value::Int(u.id),
                    Value::from(u.name.as_str()),
                    Value::from(u.parent),
                    Value::from(u.description.as_str()),
                    Value::Int(u.created_at),
                ],
            )
            .await?;
    }
    units.flush(store).await?;
    summary.units = units.written;

    let mut people = BulkWriter::new(
        "people",
        &[
            "id",
            "name",
            "email",
            "unit_id",
            "title",
            "manager_id",
            "expertise",
            "interests",
            "bio",
            "org_role",
            "password_hash",
            "created_at",
        ],
    );
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
                vec![
                    Value::Int(p.id),
                    Value::from(p.name.as_str()),
                    Value::from(p.email.as_str()),
                    Value::Int(p.unit_id),
                    Value::from(p.title.as_str()),
                    Value::from(p.manager_id),
                    Value::from(tags(&p.expertise)),
                    Value::from(tags(&p.interests)),
                    Value::from(bio),
                    Value::from(p.org_role),
                    if p.has_password {
                        Value::from(hash)
                    } else {
                        Value::Null
                    },
                    Value::Int(p.created_at),
                ],
            )
            .await?;
    }
    people.flush(store).await?;
    summary.people = people.written;

    let mut domains = BulkWriter::new("domains", &["id", "name", "description", "created_at"]);
    for (i, (name, description)) in vocab::DOMAINS.iter().enumerate() {
        domains
            .push(
                store,
                vec![
                    Value::Int(i as i64 + 1),
                    Value::from(*name),
                    Value::from(*description),
                    Value::Int(history_start - (400 + 17 * i as i64) * DAY),
                ],
            )
            .await?;
    }
    domains.flush(store).await?;
    summary.domains = domains.written;
    Ok(())
}

async fn write_communities(
    store: &Store,
    plans: &[plan::CommunityPlan],
    summary: &mut DemoSummary,
) -> Result<(), DemoError> {
    let mut communities = BulkWriter::new(
        "communities",
        &[
            "id",
            "slug",
            "name",
            "domain_statement",
            "purpose",
            "visibility",
            "membership_policy",
            "stage",
            "created_at",
            "updated_at",
        ],
    );
    let mut links = BulkWriter::new("community_domains", &["community_id", "domain_id"]);
    let mut stages = BulkWriter::new(
        "stage_changes",
        &[
            "id",
            "community_id",
            "from_stage",
            "to_stage",
            "reason",
            "changed_by",
            "at",
        ],
    );
    let mut stage_id = 0i64;
    for c in plans {
        communities
            .push(
                store,
                vec![
                    Value::Int(c.id),
                    Value::from(c.slug.as_str()),
                    Value::from(c.name.as_str()),
                    Value::from(c.domain_statement.as_str()),
                    Value::from(c.purpose.as_str()),
                    Value::from(c.visibility.as_str()),
                    Value::from(c.policy.as_str()),
                    Value::from(c.stage.as_str()),
                    Value::Int(c.created_at),
                    Value::Int(c.updated_at()),
                ],
            )
            .await?;
        for d in &c.domains {
            links
                .push(store, vec![Value::Int(c.id), Value::Int(*d as i64 + 1)])
                .await?;
        }
        for m in &c.moves {
            stage_id += 1;
            stages
                .push(
                    store,
                    vec![
                        Value::Int(stage_id),
                        Value::Int(c.id),
                        m.from.map_or(Value::Null, |s| Value::from(s.as_str())),
                        Value::from(m.to.as_str()),
                        Value::from(m.reason),
                        Value::Int(c.founder),
                        Value::Int(m.at),
                    ],
                )
                .await?;
        }
    }
    communities.flush(store).await?;
    links.flush(store).await?;
    stages.flush(store).await?;
    summary.communities = communities.written;
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
    ever: &[HashSet<i64>],
    demo_ids: &[i64],
    now: i64,
    summary: &mut DemoSummary,
) -> Result<(), DemoError> {
    let mut rows = BulkWriter::new(
        "memberships",
        &["community_id", "person_id", "role", "joined_at"],
    );
    for (c, ms) in plans.iter().zip(members) {
        for m in ms {
            rows.push(
                store,
                vec![
                    Value::Int(c.id),
                    Value::Int(m.person),
                    Value::from(m.role.as_str()),
                    Value::Int(m.joined_at),
                ],
            )
            .await?;
        }
    }
    rows.flush(store).await?;
    summary.memberships = rows.written;

    let mut requests = BulkWriter::new(
        "join_requests",
        &[
            "id",
            "community_id",
            "person_id",
            "message",
            "status",
            "created_at",
            "decided_by",
            "decided_at",
        ],
    );
    let mut invitations = BulkWriter::new(
        "invitations",
        &[
            "id",
            "community_id",
            "person_id",
            "invited_by",
            "role",
            "status",
            "created_at",
            "decided_at",
        ],
    );
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
                        vec![
                            Value::Int(request_id),
                            Value::Int(c.id),
                            Value::Int(a.person),
                            Value::from(message(rng)),
                            Value::from("approved"),
                            Value::Int(asked),
                            Value::Int(c.founder),
                            Value::Int(a.at),
                        ],
                    )
                    .await?;
            }
            MembershipPolicy::Invitation => {
                invitation_id += 1;
                invitations
                    .push(
                        store,
                        vec![
                            Value::Int(invitation_id),
                            Value::Int(c.id),
                            Value::Int(a.person),
                            Value::Int(c.founder),
                            Value::from(a.role.as_str()),
                            Value::from("accepted"),
                            Value::Int(asked),
                            Value::Int(a.at),
                        ],
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
    let demo: HashSet<i64> = demo_ids.iter().copied().collect();
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
        let mut chosen: Vec<i64> = Vec::new();
        if ci == PRIVATE_WITH_INVITATION && living && c.policy == MembershipPolicy::Invitation {
            chosen.push(member_account);
        }
        let mut guard = 0;
        while chosen.len() < declined + pending && guard < 1000 {
            guard += 1;
            let p = rng.random_range(1..=n_people);
            if demo.contains(&p) || ever[ci].contains(&p) || chosen.contains(&p) {
                continue;
            }
            chosen.push(p);
        }
        let pending_people: Vec<(i64, bool)> = chosen
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
            let (created, decided, status) = if is_pending {
                let created = (now - rng.random_range(3_600..20 * DAY)).max(c.created_at + 60);
                (created, None, "pending")
            } else {
                let span = (c.limit - c.created_at - 2 * DAY).max(DAY);
                let created = c.created_at + rng.random_range(0..span);
                let decided = created + rng.random_range(3_600..3 * DAY);
                (created, Some(decided.min(c.limit - 60)), "declined")
            };
            match c.policy {
                MembershipPolicy::Request => {
                    request_id += 1;
                    requests
                        .push(
                            store,
                            vec![
                                Value::Int(request_id),
                                Value::Int(c.id),
                                Value::Int(p),
                                Value::from(message(rng)),
                                Value::from(status),
                                Value::Int(created),
                                if is_pending {
                                    Value::Null
                                } else {
                                    Value::Int(c.founder)
                                },
                                Value::from(decided),
                            ],
                        )
                        .await?;
                }
                MembershipPolicy::Invitation => {
                    invitation_id += 1;
                    invitations
                        .push(
                            store,
                            vec![
                                Value::Int(invitation_id),
                                Value::Int(c.id),
                                Value::Int(p),
                                Value::Int(c.founder),
                                Value::from("member"),
                                Value::from(status),
                                Value::Int(created),
                                Value::from(decided),
                            ],
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
