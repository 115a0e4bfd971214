//! Communities planned before any history is simulated: who they are, how
//! they live (their health profile), their stage history, and who joins
//! them when. The simulation then only has to play the plan forward.

use crate::org::{Org, account};
use crate::rnd;
use crate::vocab::{BUSINESS_UNITS, CITIES, COMMUNITY_PATTERNS, DOMAINS, PURPOSES, SUBTOPICS};
use guildhall_domain::{
    CommunityId, CommunityRole, MembershipPolicy, PersonId, Slug, Stage, Visibility,
};
use rand::RngExt;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use std::collections::{BTreeSet, HashSet};

pub const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;

/// How a community lives; each failure named by the essay has a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Regular events, quick answers, reach across units, newcomers.
    Healthy,
    /// Activity decays towards zero in the last months.
    Neglected,
    /// One member does most of the contributing.
    OnePerson,
    /// One site's people, no newcomers after the founding.
    ClosedMinded,
    /// Healthy until other demands take over: attendance collapses.
    Overloaded,
}

pub struct StageMove {
    pub at: i64,
    pub from: Option<Stage>,
    pub to: Stage,
    pub reason: &'static str,
}

#[derive(Clone, Copy)]
pub struct PlannedJoin {
    pub person: PersonId,
    pub role: CommunityRole,
    pub at: i64,
    /// Coordinators and demo accounts never leave: the demo accounts'
    /// memberships are promised by the documentation.
    pub sticky: bool,
    /// Joined while the community was being founded (no request needed).
    pub founder: bool,
}

pub struct CommunityPlan {
    pub id: CommunityId,
    pub name: String,
    pub slug: String,
    pub domain_statement: String,
    pub purpose: String,
    pub visibility: Visibility,
    pub policy: MembershipPolicy,
    pub stage: Stage,
    pub profile: Profile,
    pub created_at: i64,
    /// Nothing happens from here on: the move to memory, or `now`.
    pub limit: i64,
    /// Where a neglected or overloaded community starts to decline.
    pub decline_at: i64,
    pub domains: Vec<usize>,
    pub moves: Vec<StageMove>,
    pub reviews: Vec<i64>,
    pub cadence: i64,
    pub first_meeting: i64,
    /// Share of members who come to an event in good times.
    pub attendance: f64,
    /// Sorted by time; the first is the founding coordinator.
    pub joins: Vec<PlannedJoin>,
    pub founder: PersonId,
}

impl CommunityPlan {
    pub fn stage_at(&self, t: i64) -> Stage {
        let mut s = self.moves.first().map_or(self.stage, |m| m.to);
        for m in &self.moves {
            if m.at <= t {
                s = m.to;
            } else {
                break;
            }
        }
        s
    }

    /// Activity multiplier for the profile at time `t` (1 = healthy).
    pub fn health(&self, t: i64) -> f64 {
        match self.profile {
            Profile::Healthy => 1.0,
            Profile::OnePerson => 0.6,
            Profile::ClosedMinded => 0.8,
            Profile::Overloaded => {
                if t < self.decline_at {
                    1.0
                } else {
                    0.75
                }
            }
            Profile::Neglected => {
                if t < self.decline_at {
                    1.0
                } else {
                    // Reaches zero a month before the end.
                    let span = (self.limit - 30 * DAY - self.decline_at).max(DAY) as f64;
                    let x = 1.0 - (t - self.decline_at) as f64 / span;
                    x.max(0.0).powi(2)
                }
            }
        }
    }

    pub fn updated_at(&self) -> i64 {
        self.moves.last().map_or(self.created_at, |m| m.at)
    }
}

/// Visibility, final stage, profile of the first communities: together
/// they cover every stage, visibility and profile, and the demo accounts'
/// promised memberships refer to them by index.
const TEMPLATES: &[(Visibility, Stage, Profile)] = &[
    (Visibility::Open, Stage::Stewardship, Profile::Healthy),
    (Visibility::Closed, Stage::Maturing, Profile::Healthy),
    (Visibility::Private, Stage::Coalescing, Profile::Healthy),
    (Visibility::Open, Stage::Transformation, Profile::Neglected),
    (Visibility::Open, Stage::Memory, Profile::Neglected),
    (Visibility::Closed, Stage::Potential, Profile::Healthy),
    (Visibility::Open, Stage::Maturing, Profile::OnePerson),
    (
        Visibility::Closed,
        Stage::Stewardship,
        Profile::ClosedMinded,
    ),
    (Visibility::Open, Stage::Stewardship, Profile::Overloaded),
    (Visibility::Open, Stage::Coalescing, Profile::Healthy),
    (Visibility::Private, Stage::Maturing, Profile::Healthy),
    (Visibility::Open, Stage::Stewardship, Profile::Neglected),
];

/// Fewest communities that still show every stage and visibility.
pub const MIN_COMMUNITIES: u32 = 6;

/// Template indexes of the communities the coordinator account founds: an
/// open one, a closed one with pending requests, a private one in which
/// the member account has a pending invitation.
pub const COORDINATED: [usize; 3] = [0, 1, 2];
pub const CLOSED_WITH_REQUESTS: usize = 1;
pub const PRIVATE_WITH_INVITATION: usize = 2;

/// Memberships of the demo accounts other than the coordinator's:
/// (account, template indexes tried in order, how many to take, role).
const DEMO_MEMBERSHIPS: &[(usize, &[usize], usize, CommunityRole)] = &[
    (account::MEMBER, &[0, 3, 6, 8, 9], 3, CommunityRole::Member),
    (account::OUTSIDER, &[9, 3, 0], 1, CommunityRole::Member),
    (account::EXECUTIVE, &[0, 1], 2, CommunityRole::Observer),
    (account::MANAGER, &[1, 6, 0], 2, CommunityRole::Member),
    (account::STRATEGIST, &[0], 1, CommunityRole::Member),
    (account::STRATEGIST, &[2], 1, CommunityRole::Observer),
    (account::HR, &[0], 1, CommunityRole::Observer),
    (account::ADMIN, &[3, 0], 1, CommunityRole::Member),
];

fn random_kind(rng: &mut SmallRng) -> (Visibility, Stage, Profile) {
    let vis = match rng.random_range(0..100) {
        0..65 => Visibility::Open,
        65..87 => Visibility::Closed,
        _ => Visibility::Private,
    };
    let stage = match rng.random_range(0..100) {
        0..7 => Stage::Potential,
        7..22 => Stage::Coalescing,
        22..47 => Stage::Maturing,
        47..80 => Stage::Stewardship,
        80..90 => Stage::Transformation,
        _ => Stage::Memory,
    };
    let roll = rng.random_range(0..100);
    let profile = match stage {
        Stage::Potential | Stage::Coalescing => {
            if roll < 80 {
                Profile::Healthy
            } else {
                Profile::OnePerson
            }
        }
        Stage::Memory => {
            if roll < 70 {
                Profile::Neglected
            } else {
                Profile::Healthy
            }
        }
        Stage::Transformation => match roll {
            0..50 => Profile::Neglected,
            50..75 => Profile::Overloaded,
            _ => Profile::Healthy,
        },
        Stage::Maturing | Stage::Stewardship => match roll {
            0..55 => Profile::Healthy,
            55..68 => Profile::Neglected,
            68..78 => Profile::OnePerson,
            78..90 => Profile::ClosedMinded,
            _ => Profile::Overloaded,
        },
    };
    let vis = if profile == Profile::ClosedMinded && vis == Visibility::Open && rng.random_bool(0.5)
    {
        Visibility::Closed
    } else {
        vis
    };
    (vis, stage, profile)
}

fn stage_path(rng: &mut SmallRng, last: Stage) -> Vec<Stage> {
    use Stage::*;
    let r = rng.random_range(0..100);
    match last {
        Potential => vec![Potential],
        Coalescing if r < 60 => vec![Potential, Coalescing],
        Coalescing => vec![Coalescing],
        Maturing if r < 50 => vec![Coalescing, Maturing],
        Maturing => vec![Potential, Coalescing, Maturing],
        Stewardship if r < 15 => vec![
            Coalescing,
            Maturing,
            Stewardship,
            Transformation,
            Stewardship,
        ],
        Stewardship if r < 60 => vec![Coalescing, Maturing, Stewardship],
        Stewardship => vec![Maturing, Stewardship],
        Transformation if r < 50 => vec![Maturing, Stewardship, Transformation],
        Transformation => vec![Coalescing, Maturing, Stewardship, Transformation],
        Memory if r < 30 => vec![Coalescing, Memory],
        Memory if r < 60 => vec![Maturing, Stewardship, Memory],
        Memory => vec![Coalescing, Maturing, Stewardship, Transformation, Memory],
    }
}

/// Where in the history (as fractions of it) communities that end in a
/// stage are created: young stages are recent, old ones were there from
/// the start.
fn creation_window(stage: Stage, profile: Profile) -> (f64, f64) {
    if profile == Profile::ClosedMinded {
        return (0.0, 0.15);
    }
    match stage {
        Stage::Potential => (0.86, 0.93),
        Stage::Coalescing => (0.5, 0.8),
        Stage::Maturing => (0.2, 0.5),
        Stage::Stewardship => (0.0, 0.15),
        Stage::Transformation => (0.0, 0.1),
        Stage::Memory => (0.0, 0.2),
    }
}

fn size_factor(stage: Stage, profile: Profile) -> f64 {
    let s = match stage {
        Stage::Potential => 0.25,
        Stage::Coalescing => 0.5,
        Stage::Maturing => 0.9,
        Stage::Stewardship => 1.2,
        Stage::Transformation => 1.0,
        Stage::Memory => 0.7,
    };
    let p = match profile {
        Profile::ClosedMinded | Profile::OnePerson => 0.5,
        _ => 1.0,
    };
    s * p
}

fn fill(pattern: &str, what: &str) -> String {
    let s = pattern.replace("{}", what);
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => s,
    }
}

fn lower(s: &str) -> String {
    // Keep acronyms ("CI/CD", "ISO 9001", "GDPR") as written.
    let mut c = s.chars();
    match (c.next(), c.next()) {
        (Some(_), Some(b)) if b.is_uppercase() => s.to_owned(),
        (Some(a), _) => a.to_lowercase().chain(s.chars().skip(1)).collect(),
        _ => String::new(),
    }
}

struct Names {
    names: BTreeSet<String>,
    slugs: BTreeSet<String>,
}

impl Names {
    fn name(&mut self, rng: &mut SmallRng, domain: usize) -> (String, String) {
        let dname = DOMAINS[domain].0;
        let subs = SUBTOPICS[domain];
        for attempt in 0..40 {
            let pattern = COMMUNITY_PATTERNS[rng.random_range(0..COMMUNITY_PATTERNS.len())];
            let topic = if attempt == 0 || rng.random_bool(0.35) {
                dname
            } else {
                subs[rng.random_range(0..subs.len())]
            };
            let mut name = fill(pattern, topic);
            if attempt >= 8 {
                name = format!("{name}, {}", CITIES[rng.random_range(0..CITIES.len())]);
            }
            if attempt >= 30 {
                name = format!("{name} {}", attempt - 28);
            }
            if self.names.contains(&name) {
                continue;
            }
            let slug = self.slug(&name);
            self.names.insert(name.clone());
            return (name, slug);
        }
        let name = format!("{dname} community {}", self.names.len() + 1);
        let slug = self.slug(&name);
        self.names.insert(name.clone());
        (name, slug)
    }

    fn slug(&mut self, name: &str) -> String {
        let base: String = Slug::suggest(name).chars().take(54).collect();
        let base = base.trim_end_matches('-').to_owned();
        let mut n = 1;
        loop {
            let candidate = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            if Slug::parse(&candidate).is_ok() && !self.slugs.contains(&candidate) {
                self.slugs.insert(candidate.clone());
                return candidate;
            }
            n += 1;
        }
    }
}

/// One pool of membership slots: a person appears once per membership they
/// still may take. Entries go stale when the slot is used from another
/// pool; `remaining` is the truth.
struct Pool(Vec<u32>);

impl Pool {
    fn draw(
        &mut self,
        remaining: &mut [u8],
        taken: &HashSet<u32>,
        aside: &mut Vec<u32>,
    ) -> Option<u32> {
        while let Some(p) = self.0.pop() {
            if remaining[p as usize] == 0 {
                continue;
            }
            if taken.contains(&p) {
                aside.push(p);
                continue;
            }
            remaining[p as usize] -= 1;
            return Some(p);
        }
        None
    }
}

pub struct Plans {
    pub communities: Vec<CommunityPlan>,
}

pub fn build(
    rng: &mut SmallRng,
    org: &Org,
    demo_ids: &[PersonId],
    n_communities: usize,
    history_start: i64,
    now: i64,
) -> Plans {
    let history = (now - history_start) as f64;
    let mut names = Names {
        names: BTreeSet::new(),
        slugs: BTreeSet::new(),
    };
    // Every domain gets a community before any gets a second.
    let mut domain_order: Vec<usize> = (0..DOMAINS.len()).collect();
    domain_order.shuffle(rng);

    let mut plans = Vec::with_capacity(n_communities);
    for i in 0..n_communities {
        let (visibility, stage, profile) = TEMPLATES
            .get(i)
            .copied()
            .unwrap_or_else(|| random_kind(rng));
        let policy = match visibility {
            Visibility::Open => MembershipPolicy::Open,
            Visibility::Private => MembershipPolicy::Invitation,
            Visibility::Closed if i < TEMPLATES.len() || rng.random_bool(0.9) => {
                MembershipPolicy::Request
            }
            Visibility::Closed => MembershipPolicy::Invitation,
        };
        let primary = domain_order[i % domain_order.len()];
        let mut domains = vec![primary];
        let related: Vec<usize> = BUSINESS_UNITS
            .iter()
            .filter(|b| b.domains.contains(&primary))
            .flat_map(|b| b.domains.iter().copied())
            .filter(|d| *d != primary)
            .collect();
        for _ in 0..rng.random_range(0..=2) {
            if related.is_empty() {
                break;
            }
            let d = related[rng.random_range(0..related.len())];
            if !domains.contains(&d) {
                domains.push(d);
            }
        }
        let (name, slug) = names.name(rng, primary);
        let (dname, ddesc) = DOMAINS[primary];
        let subs = SUBTOPICS[primary];
        let focus = subs[rng.random_range(0..subs.len())];
        let domain_statement = format!(
            "{dname}: {} We care most about {} and the tools and habits around it.",
            lower(ddesc),
            lower(focus)
        );
        let purpose = PURPOSES[rng.random_range(0..PURPOSES.len())].replace("{}", &lower(dname));

        let (lo, hi) = creation_window(stage, profile);
        let created_at = history_start + (history * rng.random_range(lo..hi)) as i64;
        let created_at = created_at.min(now - 14 * DAY).max(history_start);

        // Stage history: moves spread over the life, the last one before now.
        let path = stage_path(rng, stage);
        let end = if stage == Stage::Memory {
            created_at + ((now - created_at) as f64 * rng.random_range(0.55..0.8)) as i64
        } else {
            now - rng.random_range(3 * DAY..20 * DAY)
        };
        let mut moves = Vec::with_capacity(path.len());
        moves.push(StageMove {
            at: created_at,
            from: None,
            to: path[0],
            reason: "community created",
        });
        let steps = path.len() - 1;
        for k in 1..path.len() {
            let at = if k == steps && stage == Stage::Memory {
                end
            } else {
                let frac = (k as f64 - rng.random_range(0.0..0.4)) / steps as f64;
                created_at + ((end - created_at) as f64 * frac) as i64
            };
            let prev = moves.last().map_or(created_at, |m| m.at);
            let at = at.max(prev + DAY).min(now - HOUR);
            moves.push(StageMove {
                at,
                from: Some(path[k - 1]),
                to: path[k],
                reason: crate::vocab::stage_reason(path[k], rng.random_range(0..3)),
            });
        }
        let limit = if stage == Stage::Memory {
            moves.last().map_or(now, |m| m.at)
        } else {
            now
        };
        let life = (limit - created_at) as f64;
        let decline_at = match profile {
            Profile::Neglected => (created_at + (life * 0.35) as i64)
                .max(limit - (180 * DAY).min((life * 0.5) as i64)),
            Profile::Overloaded => limit - (120 * DAY).min((life * 0.35) as i64),
            _ => limit,
        };

        let cadence = match profile {
            Profile::OnePerson => 56 * DAY,
            Profile::Neglected => 28 * DAY,
            _ if rng.random_bool(0.5) => 14 * DAY,
            _ => 28 * DAY,
        };
        let first_day = (created_at / DAY + rng.random_range(10..25)) * DAY;
        let first_meeting = first_day + rng.random_range(13..17) * HOUR;
        let attendance = match profile {
            Profile::ClosedMinded => rng.random_range(0.35..0.55),
            Profile::OnePerson => rng.random_range(0.05..0.1),
            _ => rng.random_range(0.12..0.3),
        };

        let mut reviews = Vec::new();
        for m in &moves {
            if m.to == Stage::Maturing {
                let mut t = m.at + rng.random_range(DAY..10 * DAY);
                while t < limit && t < decline_at {
                    reviews.push(t);
                    t += rng.random_range(150 * DAY..330 * DAY);
                }
            }
        }
        reviews.sort_unstable();
        reviews.dedup();

        plans.push(CommunityPlan {
            id: CommunityId(i as i64 + 1),
            name,
            slug,
            domain_statement,
            purpose,
            visibility,
            policy,
            stage,
            profile,
            created_at,
            limit,
            decline_at,
            domains,
            moves,
            reviews,
            cadence,
            first_meeting,
            attendance,
            joins: Vec::new(),
            founder: PersonId::default(),
        });
    }
    assign_members(rng, org, demo_ids, &mut plans);
    Plans { communities: plans }
}

/// Deals people into communities: each person takes 0–6 memberships (most
/// one or two), community sizes are skewed from 5 to a few hundred, and
/// people mostly join communities of their business unit's domains.
fn assign_members(
    rng: &mut SmallRng,
    org: &Org,
    demo_ids: &[PersonId],
    plans: &mut [CommunityPlan],
) {
    let n_people = org.people.len();
    let is_demo: HashSet<PersonId> = demo_ids.iter().copied().collect();
    let mut remaining = vec![0u8; n_people];
    for (i, p) in org.people.iter().enumerate() {
        if is_demo.contains(&p.id) {
            continue;
        }
        remaining[i] = match rng.random_range(0..100) {
            0..14 => 0,
            14..48 => 1,
            48..74 => 2,
            74..87 => 3,
            87..94 => 4,
            94..98 => 5,
            _ => 6,
        };
    }
    let total_slots: usize = remaining.iter().map(|r| *r as usize).sum();
    let slots_of = |filter: &dyn Fn(usize) -> bool, rng: &mut SmallRng| {
        let mut v = Vec::new();
        for (i, r) in remaining.iter().enumerate() {
            if filter(i) {
                for _ in 0..*r {
                    v.push(i as u32);
                }
            }
        }
        v.shuffle(rng);
        Pool(v)
    };
    let n_bu = org.departments.iter().map(|d| d.bu + 1).max().unwrap_or(1);
    let mut global = slots_of(&|_| true, rng);
    let mut by_bu: Vec<Pool> = (0..n_bu)
        .map(|b| slots_of(&|i| org.sites[org.people[i].site].bu == b, rng))
        .collect();
    let mut by_site: Vec<Pool> = (0..org.sites.len())
        .map(|s| slots_of(&|i| org.people[i].site == s, rng))
        .collect();
    let mut site_pop = vec![0usize; org.sites.len()];
    for p in &org.people {
        site_pop[p.site] += 1;
    }
    let mut big_sites: Vec<usize> = (0..org.sites.len()).collect();
    big_sites.sort_by_key(|s| (std::cmp::Reverse(site_pop[*s]), *s));
    big_sites.truncate((org.sites.len() / 5).max(3));

    // Skewed target sizes that together use (almost) every slot.
    let weights: Vec<f64> = plans
        .iter()
        .map(|c| rnd::pareto(rng, 1.1).min(60.0) * size_factor(c.stage, c.profile))
        .collect();
    let max_size = (n_people / 6).clamp(30, 450) as f64;
    let budget = total_slots as f64 * 0.97;
    // Water-filling: what capped communities cannot take goes to the rest.
    let mut scale = budget / weights.iter().sum::<f64>();
    for _ in 0..8 {
        let capped: f64 = weights
            .iter()
            .filter(|w| *w * scale >= max_size)
            .map(|_| max_size)
            .sum();
        let free: f64 = weights.iter().filter(|w| *w * scale < max_size).sum();
        if free <= 0.0 {
            break;
        }
        scale = ((budget - capped) / free).max(scale);
    }
    let targets: Vec<usize> = weights
        .iter()
        .map(|w| ((w * scale).min(max_size) as usize).max(5))
        .collect();

    // Closed-minded communities first: they need one site's people.
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|i| (plans[*i].profile != Profile::ClosedMinded, *i));
    let mut members_of: Vec<Vec<u32>> = vec![Vec::new(); plans.len()];
    for ci in order {
        let plan = &plans[ci];
        let mut taken: HashSet<u32> = HashSet::new();
        let mut aside: Vec<u32> = Vec::new();
        let mut members = Vec::new();
        if plan.profile == Profile::ClosedMinded {
            let site = big_sites[rng.random_range(0..big_sites.len())];
            let want = targets[ci].min(site_pop[site] * 7 / 10).max(5);
            let pool = &mut by_site[site];
            while members.len() < want {
                let Some(p) = pool.draw(&mut remaining, &taken, &mut aside) else {
                    break;
                };
                taken.insert(p);
                members.push(p);
            }
            pool.0.append(&mut aside);
        } else {
            let home_bu = BUSINESS_UNITS
                .iter()
                .take(n_bu)
                .position(|b| b.domains.contains(&plan.domains[0]));
            while members.len() < targets[ci] {
                let from_home = home_bu.filter(|_| rng.random_bool(0.35));
                let drawn = match from_home {
                    Some(b) => by_bu[b]
                        .draw(&mut remaining, &taken, &mut aside)
                        .or_else(|| global.draw(&mut remaining, &taken, &mut aside)),
                    None => global.draw(&mut remaining, &taken, &mut aside),
                };
                let Some(p) = drawn else { break };
                taken.insert(p);
                members.push(p);
            }
            // Set-aside entries are real slots of people already in this
            // community; they go back for the next communities.
            global.0.append(&mut aside);
            global.0.shuffle(rng);
        }
        members_of[ci] = members;
    }
    // A community whose pools ran dry still needs a founder and a few
    // members; take people with room for one more membership.
    let mut count = vec![0u8; n_people];
    for m in &members_of {
        for p in m {
            count[*p as usize] += 1;
        }
    }
    for members in members_of.iter_mut() {
        let mut guard = 0;
        while members.len() < 5 && guard < 10 * n_people {
            guard += 1;
            let p = rng.random_range(0..n_people) as u32;
            if is_demo.contains(&org.people[p as usize].id)
                || count[p as usize] >= 6
                || members.contains(&p)
            {
                continue;
            }
            count[p as usize] += 1;
            members.push(p);
        }
    }

    for (ci, plan) in plans.iter_mut().enumerate() {
        let people: Vec<PersonId> = members_of[ci]
            .iter()
            .map(|i| org.people[*i as usize].id)
            .collect();
        plan_joins(rng, plan, &people);
    }
    add_demo_memberships(rng, demo_ids, plans);
    for plan in plans.iter_mut() {
        plan.joins.sort_by_key(|j| (j.at, j.person));
        plan.founder = plan.joins.first().map_or(PersonId::default(), |j| j.person);
    }
}

/// Roles and join times for a community's members, in draw order.
fn plan_joins(rng: &mut SmallRng, plan: &mut CommunityPlan, people: &[PersonId]) {
    let n = people.len();
    let n_coord = 1
        + usize::from(n >= 15 && rng.random_bool(0.5))
        + usize::from(n >= 60 && rng.random_bool(0.5));
    let n_core = ((n as f64 * 0.1).round() as usize).max(1);
    let n_observer = (n as f64 * 0.08).round() as usize;
    let start = plan.created_at;
    let end = plan.limit - DAY;
    let founding_end = (start + 14 * DAY).min(end);
    for (k, &person) in people.iter().enumerate() {
        let role = if k < n_coord {
            CommunityRole::Coordinator
        } else if k < n_coord + n_core {
            CommunityRole::Core
        } else if k >= n - n_observer.min(n) {
            CommunityRole::Observer
        } else {
            CommunityRole::Member
        };
        let founder = k < n_coord + n_core || rng.random_bool(0.25);
        let at = if k == 0 {
            start
        } else if founder || plan.profile == Profile::ClosedMinded {
            let window = if plan.profile == Profile::ClosedMinded && !founder {
                (60 * DAY).min((end - start) / 4).max(HOUR + 1)
            } else {
                (founding_end - start).max(HOUR + 1)
            };
            start + rng.random_range(HOUR..window.max(HOUR + 1))
        } else {
            let u: f64 = rng.random();
            match plan.profile {
                Profile::Neglected => {
                    start + ((plan.decline_at - start).max(DAY) as f64 * u.powf(1.5)) as i64
                }
                _ => start + DAY + ((end - start - DAY).max(DAY) as f64 * u) as i64,
            }
        };
        plan.joins.push(PlannedJoin {
            person,
            role,
            at: at.min(end).max(start + 60),
            sticky: role == CommunityRole::Coordinator,
            founder,
        });
    }
    if let Some(first) = plan.joins.first_mut() {
        first.at = start;
        first.founder = true;
    }
}

fn add_demo_memberships(rng: &mut SmallRng, demo_ids: &[PersonId], plans: &mut [CommunityPlan]) {
    let coordinator = demo_ids[account::COORDINATOR];
    for &ci in &COORDINATED {
        let Some(plan) = plans.get_mut(ci) else {
            continue;
        };
        // The account founds the community; the drawn founder helps, and
        // a third drawn coordinator steps back to the core group so that
        // there are never more than three.
        if let Some(first) = plan.joins.first_mut() {
            first.at = plan.created_at + rng.random_range(HOUR..2 * DAY);
        }
        let coordinators = plan
            .joins
            .iter()
            .filter(|j| j.role == CommunityRole::Coordinator)
            .count();
        if coordinators >= 3
            && let Some(last) = plan
                .joins
                .iter_mut()
                .rev()
                .find(|j| j.role == CommunityRole::Coordinator)
        {
            last.role = CommunityRole::Core;
            last.sticky = false;
        }
        plan.joins.push(PlannedJoin {
            person: coordinator,
            role: CommunityRole::Coordinator,
            at: plan.created_at,
            sticky: true,
            founder: true,
        });
    }
    for &(acct, candidates, take, role) in DEMO_MEMBERSHIPS {
        let person = demo_ids[acct];
        let mut taken = 0;
        for &ci in candidates {
            if taken == take {
                break;
            }
            let Some(plan) = plans.get_mut(ci) else {
                continue;
            };
            if plan.joins.iter().any(|j| j.person == person) {
                continue;
            }
            let span = (plan.limit - plan.created_at) as f64;
            let at = plan.created_at + (span * rng.random_range(0.1..0.5)) as i64;
            plan.joins.push(PlannedJoin {
                person,
                role,
                at,
                sticky: true,
                founder: false,
            });
            taken += 1;
        }
    }
}
