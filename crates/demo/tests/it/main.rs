//! The demo organization's promises, checked on a small generated
//! organization in an in-memory SQLite database.

use guildhall_demo::{DEMO_ACCOUNTS, DemoError, DemoOptions, DemoSummary, generate};
use guildhall_domain::{
    ActivityId, ActivityKind, CommunityId, CommunityRole, MembershipPolicy, PersonId, Slug, Stage,
    Visibility,
};
use guildhall_store::records::Community;
use guildhall_store::{ActivityRow, OpenMode, PeopleFilter, Store};
use std::collections::{BTreeMap, BTreeSet};

/// 2026-01-01T00:00:00Z: history ends here.
const NOW: i64 = 1_767_225_600;
const COMMUNITIES: i64 = 12;

fn small(seed: u64) -> DemoOptions {
    DemoOptions {
        people: 200,
        communities: COMMUNITIES as u32,
        months: 6,
        seed,
    }
}

async fn generated(seed: u64) -> (Store, DemoSummary) {
    let store = Store::open(":memory:", OpenMode::Create)
        .await
        .expect("an in-memory database opens");
    let summary = generate(&store, &small(seed), NOW)
        .await
        .expect("the demo generates into an empty database");
    (store, summary)
}

async fn all_activity(store: &Store) -> Vec<ActivityRow> {
    store
        .activity_after(ActivityId(0), 1_000_000)
        .await
        .expect("the activity log reads")
}

async fn communities(store: &Store) -> Vec<Community> {
    let mut out = Vec::new();
    for id in 1..=COMMUNITIES {
        out.push(
            store
                .community(CommunityId(id))
                .await
                .expect("community exists"),
        );
    }
    out
}

const CONTRIBUTIONS: &[&str] = &[
    "thread.help",
    "thread.story",
    "thread.discussion",
    "reply.created",
    "resource.created",
    "resource.revised",
    "event.attended",
];

fn is_contribution(e: &ActivityRow) -> bool {
    CONTRIBUTIONS.contains(&e.kind.as_str())
}

#[tokio::test]
async fn summary_counts_what_was_written() {
    let (store, s) = generated(1).await;
    assert_eq!(s.communities, COMMUNITIES as u64);
    assert_eq!(s.people, 200);
    assert!(s.units >= 5 && s.domains >= 24, "{s:?}");
    assert_eq!(
        s.events,
        store.count_activity().await.expect("count") as u64
    );
    let mut memberships = 0;
    for id in 1..=COMMUNITIES {
        let members = store.members(CommunityId(id)).await.expect("members");
        assert!(!members.is_empty(), "community {id} has no members");
        memberships += members.len() as u64;
    }
    assert_eq!(s.memberships, memberships);
    // About three events per person-month at this size.
    assert!(
        (1_000..20_000).contains(&s.events),
        "unexpected volume: {}",
        s.events
    );
}

#[tokio::test]
async fn every_stage_and_visibility_with_valid_policies_and_slugs() {
    let (store, _) = generated(1).await;
    let cs = communities(&store).await;
    let stages: BTreeSet<&str> = cs.iter().map(|c| c.stage.as_str()).collect();
    for s in Stage::ALL {
        assert!(stages.contains(s.as_str()), "no community in stage {s}");
    }
    let vis: BTreeSet<&str> = cs.iter().map(|c| c.visibility.as_str()).collect();
    for v in Visibility::ALL {
        assert!(vis.contains(v.as_str()), "no {v} community");
    }
    let mut slugs = BTreeSet::new();
    let mut roles = BTreeSet::new();
    for c in &cs {
        let members = store.members(c.id).await.expect("members");
        let coordinators = members
            .iter()
            .filter(|m| m.role == CommunityRole::Coordinator)
            .count();
        assert!(
            (1..=3).contains(&coordinators),
            "{}: {coordinators}",
            c.slug
        );
        roles.extend(members.into_iter().map(|m| m.role.as_str()));
        if c.visibility == Visibility::Private {
            assert_eq!(
                c.membership_policy,
                MembershipPolicy::Invitation,
                "{}",
                c.slug
            );
        }
        if c.visibility == Visibility::Open {
            assert_eq!(c.membership_policy, MembershipPolicy::Open, "{}", c.slug);
        }
        assert!(Slug::parse(&c.slug).is_ok(), "bad slug {}", c.slug);
        assert!(slugs.insert(c.slug.clone()), "duplicate slug {}", c.slug);
        assert!(!c.domain_statement.is_empty() && !c.purpose.is_empty());
        let domains = store.community_domains(c.id).await.expect("domains");
        assert!(
            (1..=3).contains(&domains.len()),
            "{}: {}",
            c.slug,
            domains.len()
        );
        assert!(c.created_at < NOW);
    }
    for r in CommunityRole::ALL {
        assert!(roles.contains(r.as_str()), "nobody is {r}");
    }
}

#[tokio::test]
async fn people_have_a_place_in_the_organization() {
    let (store, _) = generated(1).await;
    let people = store
        .people(&PeopleFilter {
            limit: 1_000,
            ..PeopleFilter::default()
        })
        .await
        .expect("people");
    assert_eq!(people.total, 200);
    let units = store.units().await.expect("units");
    let roots = units.iter().filter(|u| u.parent_id.is_none()).count();
    assert!(roots >= 5, "{roots} business units");
    let mut without_manager = 0;
    for p in &people.items {
        assert!(p.unit_id.is_some() && !p.title.is_empty(), "{}", p.email);
        assert!(p.email.ends_with("@demo.guildhall.test"), "{}", p.email);
        assert!(
            !p.expertise_list().is_empty(),
            "{} declares no expertise",
            p.email
        );
        assert!(!p.bio.is_empty());
        match p.manager_id {
            Some(m) => assert!(m < p.id, "{} is managed by someone created later", p.email),
            None => without_manager += 1,
        }
    }
    assert!(
        without_manager <= roots,
        "{without_manager} people have no manager"
    );
}

#[tokio::test]
async fn stage_history_ends_in_the_current_stage_and_moves_are_logged() {
    let (store, _) = generated(3).await;
    let log = all_activity(&store).await;
    for c in communities(&store).await {
        let mut history = store.stage_history(c.id).await.expect("history");
        history.reverse(); // oldest first
        let first = history.first().expect("a creation row");
        assert_eq!(first.from_stage, None);
        assert_eq!(first.at, c.created_at);
        for pair in history.windows(2) {
            assert_eq!(pair[1].from_stage, Some(pair[0].to_stage));
            assert!(pair[1].at > pair[0].at);
            assert!(!pair[1].reason.is_empty());
        }
        assert_eq!(
            history.last().map(|h| h.to_stage.as_str()),
            Some(c.stage.as_str())
        );
        let moves: Vec<i64> = history.iter().skip(1).map(|h| h.at).collect();
        let logged: Vec<i64> = log
            .iter()
            .filter(|e| e.kind.as_str() == "stage.changed" && e.community_id == Some(c.id))
            .map(|e| e.at)
            .collect();
        assert_eq!(moves, logged, "{}", c.slug);
    }
}

#[tokio::test]
async fn demo_accounts_are_real_people_with_passwords() {
    let (store, _) = generated(1).await;
    for (email, role) in DEMO_ACCOUNTS {
        let cred = store
            .credentials_by_email(email)
            .await
            .expect("lookup")
            .unwrap_or_else(|| panic!("{email} missing"));
        assert_eq!(cred.org_role.as_str(), *role, "{email}");
        let hash = cred.password_hash.expect("a demo account can sign in");
        assert!(hash.starts_with("$argon2"), "{email}");
        let p = store.person(cred.id).await.expect("person");
        assert!(p.unit_id.is_some() && !p.title.is_empty() && !p.name.is_empty());
        assert!(p.has_account);
    }
    assert_eq!(
        store.count_accounts().await.expect("count"),
        DEMO_ACCOUNTS.len() as i64,
        "only the demo accounts have passwords"
    );
}

async fn person_id(store: &Store, email: &str) -> PersonId {
    store
        .credentials_by_email(email)
        .await
        .expect("lookup")
        .expect("account exists")
        .id
}

#[tokio::test]
async fn demo_accounts_play_their_parts() {
    let (store, _) = generated(5).await;
    let coordinator = person_id(&store, "coordinator@demo.guildhall.test").await;
    let member = person_id(&store, "member@demo.guildhall.test").await;
    let outsider = person_id(&store, "outsider@demo.guildhall.test").await;
    let mut coordinated = Vec::new();
    let mut member_open = 0;
    for c in communities(&store).await {
        let members = store.members(c.id).await.expect("members");
        let role_of = |p: PersonId| members.iter().find(|m| m.person_id == p).map(|m| m.role);
        if role_of(coordinator) == Some(CommunityRole::Coordinator) {
            coordinated.push(c.clone());
        }
        if role_of(member).is_some() {
            assert_eq!(
                c.visibility,
                Visibility::Open,
                "member belongs to {}",
                c.slug
            );
            member_open += 1;
        }
        if c.visibility == Visibility::Private {
            assert!(role_of(outsider).is_none(), "outsider in {}", c.slug);
        }
    }
    assert!(coordinated.len() >= 2);
    let mut closed_with_requests = false;
    let mut private = false;
    for c in &coordinated {
        let pending = store.pending_join_requests(c.id).await.expect("requests");
        if c.visibility == Visibility::Closed && !pending.is_empty() {
            closed_with_requests = true;
        }
        if c.visibility == Visibility::Private {
            private = true;
        }
    }
    assert!(
        closed_with_requests,
        "no closed community with pending requests"
    );
    assert!(private, "the coordinator coordinates no private community");
    assert!(member_open >= 2, "member in {member_open} open communities");
    let invited = store
        .pending_invitations_for_person(member)
        .await
        .expect("invitations");
    let mut invited_private = false;
    for i in &invited {
        let c = store.community(i.community_id).await.expect("community");
        invited_private |= c.visibility == Visibility::Private;
    }
    assert!(invited_private, "member has no pending private invitation");
    let outsider_invited = store
        .pending_invitations_for_person(outsider)
        .await
        .expect("invitations");
    assert!(outsider_invited.is_empty());
}

#[tokio::test]
async fn same_seed_same_history_other_seed_other_history() {
    let (a, sa) = generated(7).await;
    let (b, sb) = generated(7).await;
    let (c, _) = generated(8).await;
    let (la, lb, lc) = (
        all_activity(&a).await,
        all_activity(&b).await,
        all_activity(&c).await,
    );
    assert!(!la.is_empty());
    assert_eq!(sa, sb);
    assert!(la == lb, "same seed gave different histories");
    assert!(la != lc, "another seed gave the same history");
    let slugs = |cs: Vec<Community>| cs.into_iter().map(|c| c.slug).collect::<Vec<_>>();
    assert_eq!(slugs(communities(&a).await), slugs(communities(&b).await));
}

#[tokio::test]
async fn replies_and_solutions_follow_their_threads() {
    let (store, _) = generated(2).await;
    // thread id -> (community, author, at, kind)
    let mut threads: BTreeMap<i64, (Option<CommunityId>, PersonId, i64, ActivityKind)> =
        BTreeMap::new();
    // thread id -> (replier, at)
    let mut replies: BTreeMap<i64, Vec<(PersonId, i64)>> = BTreeMap::new();
    let mut reply_ids = BTreeSet::new();
    let (mut n_replies, mut n_solved) = (0, 0);
    for e in all_activity(&store).await {
        match e.kind.as_str() {
            "thread.help" | "thread.story" | "thread.discussion" => {
                let id = e.subject_id.expect("a thread has an id");
                let fresh = threads.insert(id, (e.community_id, e.actor_id, e.at, e.kind));
                assert!(fresh.is_none(), "thread id {id} reused");
            }
            "reply.created" => {
                n_replies += 1;
                let parent = e.parent_id.expect("a reply has a thread");
                let (community, author, at, _) = threads
                    .get(&parent)
                    .unwrap_or_else(|| panic!("reply {} to unknown thread {parent}", e.id));
                assert_eq!(*community, e.community_id);
                assert_eq!(e.other_id, Some(*author));
                assert!(e.at > *at);
                assert!(reply_ids.insert(e.subject_id.expect("reply id")));
                replies.entry(parent).or_default().push((e.actor_id, e.at));
            }
            "help.solved" => {
                n_solved += 1;
                let thread = e.subject_id.expect("solved names its thread");
                let (community, author, _, kind) = threads.get(&thread).expect("known thread");
                assert_eq!(kind.as_str(), "thread.help");
                assert_eq!(*community, e.community_id);
                assert_eq!(e.actor_id, *author, "only the asker marks solved");
                let helper = e.other_id.expect("solved names the helper");
                assert_ne!(helper, *author);
                let helped = replies
                    .get(&thread)
                    .is_some_and(|rs| rs.iter().any(|(p, at)| *p == helper && *at < e.at));
                assert!(helped, "helper {helper} had not replied to thread {thread}");
            }
            "thanks.given" => {
                let other = e.other_id.expect("thanks names who is thanked");
                assert_ne!(other, e.actor_id);
            }
            _ => {}
        }
    }
    assert!(
        n_replies > 100 && n_solved > 10,
        "{n_replies} replies, {n_solved} solved"
    );
}

#[tokio::test]
async fn memberships_agree_with_join_and_leave_events() {
    let (store, _) = generated(4).await;
    let mut joined: BTreeMap<(CommunityId, PersonId), i64> = BTreeMap::new();
    let mut left: BTreeMap<(CommunityId, PersonId), i64> = BTreeMap::new();
    let mut lefts = 0;
    for e in all_activity(&store).await {
        let key = (e.community_id.expect("in a community"), e.actor_id);
        match e.kind.as_str() {
            "member.joined" => {
                joined.insert(key, e.at);
            }
            "member.left" => {
                lefts += 1;
                left.insert(key, e.at);
            }
            _ => {}
        }
    }
    assert!(lefts > 0, "nobody ever left");
    let mut expected: BTreeMap<(CommunityId, PersonId), i64> = BTreeMap::new();
    for (key, at) in &joined {
        if left.get(key).is_none_or(|l| at > l) {
            expected.insert(*key, *at);
        }
    }
    let mut actual: BTreeMap<(CommunityId, PersonId), i64> = BTreeMap::new();
    for id in (1..=COMMUNITIES).map(CommunityId) {
        for m in store.members(id).await.expect("members") {
            actual.insert((id, m.person_id), m.joined_at);
        }
    }
    assert_eq!(expected, actual);
}

#[tokio::test]
async fn history_is_past_ordered_and_acted_by_members() {
    let (store, _) = generated(6).await;
    let cs = communities(&store).await;
    let created: BTreeMap<CommunityId, i64> = cs.iter().map(|c| (c.id, c.created_at)).collect();
    // When communities in memory moved there: nothing may happen after.
    let mut memory_since: BTreeMap<CommunityId, i64> = BTreeMap::new();
    for c in &cs {
        if c.stage == Stage::Memory {
            memory_since.insert(c.id, c.updated_at);
        }
    }
    let mut members: BTreeSet<(CommunityId, PersonId)> = BTreeSet::new();
    let mut last_at = i64::MIN;
    let mut last_id = ActivityId(0);
    for e in all_activity(&store).await {
        assert!(e.id > last_id);
        assert!(e.at >= last_at, "event {} goes back in time", e.id);
        assert!(e.at < NOW, "event {} is not in the past", e.id);
        last_at = e.at;
        last_id = e.id;
        let c = e.community_id.expect("every demo event is in a community");
        assert!(e.at >= created[&c], "event {} before its community", e.id);
        if let Some(since) = memory_since.get(&c) {
            assert!(e.at <= *since, "event {} after the move to memory", e.id);
        }
        let person = store.person(e.actor_id).await.expect("actor exists");
        assert_eq!(e.actor_unit, person.unit_id, "event {}", e.id);
        match e.kind.as_str() {
            "member.joined" => {
                assert!(members.insert((c, e.actor_id)), "joined twice: {}", e.id);
            }
            "member.left" => {
                assert!(
                    members.remove(&(c, e.actor_id)),
                    "left without joining: {}",
                    e.id
                );
            }
            _ => assert!(
                members.contains(&(c, e.actor_id)),
                "event {} ({}) by a non-member",
                e.id,
                e.kind
            ),
        }
    }
}

#[tokio::test]
async fn communities_live_different_lives() {
    let (store, _) = generated(1).await;
    let log = all_activity(&store).await;
    let window = 90 * 86_400;
    let mut neglected = false;
    let mut one_person = false;
    let mut closed = false;
    let mut regular = false;
    for c in communities(&store).await {
        let evs: Vec<&ActivityRow> = log
            .iter()
            .filter(|e| e.community_id == Some(c.id))
            .collect();
        let recent = evs
            .iter()
            .filter(|e| e.at >= NOW - 30 * 86_400 && is_contribution(e))
            .count();
        let earlier = evs
            .iter()
            .filter(|e| e.at < NOW - window && is_contribution(e))
            .count();
        if c.stage != Stage::Memory && recent == 0 && earlier > 20 {
            neglected = true;
        }
        let mut per_actor: BTreeMap<PersonId, usize> = BTreeMap::new();
        let mut total = 0;
        for e in evs.iter().filter(|e| is_contribution(e)) {
            *per_actor.entry(e.actor_id).or_default() += 1;
            total += 1;
        }
        if total >= 30 && per_actor.values().max().is_some_and(|m| *m * 2 > total) {
            one_person = true;
        }
        let members = store.members(c.id).await.expect("members");
        let newcomers = evs
            .iter()
            .filter(|e| e.kind.as_str() == "member.joined" && e.at >= NOW - window)
            .count();
        if members.len() >= 5 && newcomers == 0 && c.stage != Stage::Memory {
            closed = true;
        }
        let held: Vec<i64> = evs
            .iter()
            .filter(|e| e.kind.as_str() == "event.held" && e.at >= NOW - window)
            .map(|e| e.at)
            .collect();
        if held.len() >= 3 {
            let gaps: Vec<i64> = held.windows(2).map(|w| w[1] - w[0]).collect();
            let (min, max) = (gaps.iter().min(), gaps.iter().max());
            if let (Some(min), Some(max)) = (min, max) {
                regular |= max - min <= 3 * 3_600;
            }
        }
    }
    assert!(neglected, "no community fell silent after an active past");
    assert!(one_person, "no community depends on one person");
    assert!(closed, "no community without newcomers");
    assert!(regular, "no community with a regular rhythm of events");
}

#[tokio::test]
async fn refuses_a_database_that_already_has_people() {
    let (store, first) = generated(1).await;
    let again = generate(&store, &small(2), NOW).await;
    assert!(matches!(again, Err(DemoError::NotEmpty)), "{again:?}");
    let message = DemoError::NotEmpty.to_string();
    assert!(message.contains("empty"), "{message}");
    assert_eq!(
        store.count_activity().await.expect("count") as u64,
        first.events,
        "nothing was added"
    );
}

#[tokio::test]
async fn refuses_options_it_cannot_honour() {
    let store = Store::open(":memory:", OpenMode::Create)
        .await
        .expect("an in-memory database opens");
    let too_few = DemoOptions {
        communities: 3,
        ..small(1)
    };
    assert!(matches!(
        generate(&store, &too_few, NOW).await,
        Err(DemoError::Options(_))
    ));
    assert_eq!(store.count_people().await.expect("count"), 0);
}
