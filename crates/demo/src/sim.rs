//! Plays the plans forward month by month across all communities, so that
//! only about a month of events is ever held in memory, and hands back each
//! month's events in time order.
//!
//! Causality holds by construction: a person acts only after joining and
//! leaves only after their last scheduled act; a reply follows its thread,
//! a solved mark follows the helper's reply, thanks follow the solved mark.
//! Anything that would fall at or after the community's limit (its move to
//! memory, or `now`) is not generated, or is dropped with what follows it.

use crate::plan::{CommunityPlan, DAY, PlannedJoin, Profile};
use crate::rnd;
use guildhall_domain::{
    ActivityKind, CommunityId, CommunityRole, EventSessionId, MembershipPolicy, PersonId, ReplyId,
    ResourceId, Stage, ThreadId, UnitId,
};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use std::collections::HashSet;

pub const MONTH: i64 = 30 * DAY;
const HOUR: i64 = 3_600;
const MINUTE: i64 = 60;

/// Scale of every community's monthly volume (before stage, health and
/// size adjustments); tuned so that 100,000 people over 36 months make
/// about ten million events, and smaller organizations proportionally
/// fewer.
const INTENSITY: f64 = 6.2;

#[derive(Clone, Copy, Debug)]
pub struct Ev {
    pub at: i64,
    /// Generation order: breaks ties in `at` so the order is reproducible.
    pub seq: u64,
    pub kind: ActivityKind,
    pub actor: PersonId,
    pub unit: Option<UnitId>,
    pub community: CommunityId,
    /// The id of a thread, reply, resource, session or community,
    /// depending on `kind` (as in the log).
    pub subject: Option<i64>,
    pub parent: Option<i64>,
    pub other: Option<PersonId>,
    /// Not part of the log: for `help.solved`, the reply that helped.
    pub solution: Option<ReplyId>,
}

/// A person's entry into a community that needed a request or an
/// invitation; becomes an approved request or accepted invitation row.
#[derive(Clone, Copy)]
pub struct Admission {
    pub community: usize,
    pub person: PersonId,
    pub role: CommunityRole,
    pub at: i64,
}

pub struct FinalMember {
    pub person: PersonId,
    pub role: CommunityRole,
    pub joined_at: i64,
}

struct Member {
    person: PersonId,
    unit: Option<UnitId>,
    role: CommunityRole,
    joined_at: i64,
    /// Time of the latest act already scheduled for this person here.
    busy_until: i64,
    weight: f64,
    sticky: bool,
}

struct Resource {
    id: ResourceId,
    created_at: i64,
    author: PersonId,
    endorsed: bool,
}

struct CommunitySim {
    rng: SmallRng,
    members: Vec<Member>,
    next_join: usize,
    /// People who left and will come back, latest first.
    rejoins: Vec<PlannedJoin>,
    next_move: usize,
    next_review: usize,
    next_meeting: i64,
    resources: Vec<Resource>,
    ever: HashSet<PersonId>,
}

struct Ctx<'a> {
    unit_of: &'a [UnitId],
    out: Vec<Ev>,
    seq: u64,
    next_thread: i64,
    next_reply: i64,
    next_resource: i64,
    next_meeting: i64,
    admissions: Vec<Admission>,
}

impl Ctx<'_> {
    fn unit(&self, person: PersonId) -> Option<UnitId> {
        usize::try_from(person.0 - 1)
            .ok()
            .and_then(|i| self.unit_of.get(i))
            .copied()
            .filter(|u| u.0 > 0)
    }

    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        at: i64,
        kind: ActivityKind,
        actor: PersonId,
        unit: Option<UnitId>,
        community: CommunityId,
        subject: Option<i64>,
        parent: Option<i64>,
        other: Option<PersonId>,
    ) {
        self.seq += 1;
        self.out.push(Ev {
            at,
            seq: self.seq,
            kind,
            actor,
            unit,
            community,
            subject,
            parent,
            other,
            solution: None,
        });
    }
}

pub struct Sim<'a> {
    plans: &'a [CommunityPlan],
    sims: Vec<CommunitySim>,
    ctx: Ctx<'a>,
    carry: Vec<Ev>,
    month: i64,
    months: i64,
    start: i64,
    now: i64,
}

fn stage_factor(s: Stage) -> f64 {
    match s {
        Stage::Potential => 0.3,
        Stage::Coalescing => 0.8,
        Stage::Maturing => 1.0,
        Stage::Stewardship => 1.1,
        Stage::Transformation => 0.6,
        Stage::Memory => 0.0,
    }
}

fn role_weight(r: CommunityRole) -> f64 {
    match r {
        CommunityRole::Coordinator => 4.0,
        CommunityRole::Core => 3.0,
        CommunityRole::Member => 1.0,
        CommunityRole::Observer => 0.15,
    }
}

impl<'a> Sim<'a> {
    /// `unit_of[id - 1]` is person `id`'s unit (0 for none).
    pub fn new(
        plans: &'a [CommunityPlan],
        unit_of: &'a [UnitId],
        seed: u64,
        history_start: i64,
        months: u32,
    ) -> Sim<'a> {
        let sims = plans
            .iter()
            .map(|p| CommunitySim {
                // One stream per community: its history does not depend on
                // how many communities came before it.
                rng: SmallRng::seed_from_u64(
                    seed ^ (p.id.0 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                ),
                members: Vec::new(),
                next_join: 0,
                rejoins: Vec::new(),
                next_move: 0,
                next_review: 0,
                next_meeting: p.first_meeting,
                resources: Vec::new(),
                ever: HashSet::new(),
            })
            .collect();
        Sim {
            plans,
            sims,
            ctx: Ctx {
                unit_of,
                out: Vec::new(),
                seq: 0,
                next_thread: 0,
                next_reply: 0,
                next_resource: 0,
                next_meeting: 0,
                admissions: Vec::new(),
            },
            carry: Vec::new(),
            month: 0,
            months: i64::from(months),
            start: history_start,
            now: history_start + i64::from(months) * MONTH,
        }
    }

    /// The next month's events in time order, or `None` when history
    /// has reached `now`.
    pub fn next_month(&mut self) -> Option<Vec<Ev>> {
        if self.month >= self.months {
            return None;
        }
        let ms = self.start + self.month * MONTH;
        let me = ms + MONTH;
        self.month += 1;
        self.ctx.out = std::mem::take(&mut self.carry);
        for (plan, cs) in self.plans.iter().zip(self.sims.iter_mut()) {
            cs.run_month(plan, ms, me, &mut self.ctx);
        }
        let mut batch = std::mem::take(&mut self.ctx.out);
        batch.sort_unstable_by_key(|e| (e.at, e.seq));
        let split = batch.partition_point(|e| e.at < me.min(self.now));
        let rest = batch.split_off(split);
        if self.month < self.months {
            self.carry = rest;
        }
        Some(batch)
    }

    /// Who is a member of each community at the end, and who was admitted
    /// by request or invitation along the way.
    pub fn finish(
        self,
    ) -> (
        Vec<Vec<FinalMember>>,
        Vec<Admission>,
        Vec<HashSet<PersonId>>,
    ) {
        let mut members = Vec::with_capacity(self.sims.len());
        let mut ever = Vec::with_capacity(self.sims.len());
        for cs in self.sims {
            members.push(
                cs.members
                    .into_iter()
                    .map(|m| FinalMember {
                        person: m.person,
                        role: m.role,
                        joined_at: m.joined_at,
                    })
                    .collect(),
            );
            ever.push(cs.ever);
        }
        (members, self.ctx.admissions, ever)
    }
}

impl CommunitySim {
    fn run_month(&mut self, plan: &CommunityPlan, ms: i64, me: i64, ctx: &mut Ctx) {
        let cid = plan.id;
        while let Some(m) = plan.moves.get(self.next_move) {
            if m.at >= me {
                break;
            }
            // The creation row has no event: creating is recorded by the
            // founder's join, as the app does.
            if m.from.is_some() {
                let unit = ctx.unit(plan.founder);
                ctx.emit(
                    m.at,
                    ActivityKind::StageChanged,
                    plan.founder,
                    unit,
                    cid,
                    Some(cid.0),
                    None,
                    None,
                );
            }
            self.next_move += 1;
        }
        let lo = ms.max(plan.created_at);
        let hi = me.min(plan.limit);
        if lo >= hi {
            return;
        }
        self.joins(plan, hi, ctx);
        self.leaves(plan, lo, hi, ctx);
        if self.members.is_empty() {
            return;
        }
        let mid = lo + (hi - lo) / 2;
        let stage = plan.stage_at(mid);
        let health = plan.health(mid);
        let frac = (hi - lo) as f64 / MONTH as f64;
        let noise = self.rng.random_range(0.8..1.2);
        // Volume grows a little slower than membership: large communities
        // have more lurkers.
        let n = self.members.len() as f64;
        let base = INTENSITY * n.powf(0.92) * stage_factor(stage) * health * frac * noise;
        let cum = rnd::cumulative(&self.members.iter().map(|m| m.weight).collect::<Vec<_>>());
        let hero = (plan.profile == Profile::OnePerson)
            .then(|| self.members.iter().position(|m| m.person == plan.founder))
            .flatten();
        let p = Picker { cum: &cum, hero };

        self.meetings(plan, lo, hi, &p, ctx);

        let young = matches!(stage, Stage::Potential | Stage::Coalescing);
        let n_help = rnd::poisson(&mut self.rng, base * if young { 0.11 } else { 0.09 });
        let n_story = rnd::poisson(&mut self.rng, base * 0.03);
        let n_disc = rnd::poisson(&mut self.rng, base * 0.05);
        for (kind, count) in [
            (ActivityKind::ThreadHelp, n_help),
            (ActivityKind::ThreadStory, n_story),
            (ActivityKind::ThreadDiscussion, n_disc),
        ] {
            for _ in 0..count {
                let t = self.rng.random_range(lo..hi);
                self.thread(plan, kind, t, &p, ctx);
            }
        }

        if stage != Stage::Potential {
            let n_new = rnd::poisson(&mut self.rng, base * 0.03);
            for _ in 0..n_new {
                let t = self.rng.random_range(lo..hi);
                self.create_resource(plan, t, &p, ctx);
            }
            let n_rev = rnd::poisson(&mut self.rng, base * 0.06);
            for _ in 0..n_rev {
                let t = self.rng.random_range(lo..hi);
                self.revise_resource(plan, t, &p, ctx);
            }
        }
        if matches!(
            stage,
            Stage::Maturing | Stage::Stewardship | Stage::Transformation
        ) {
            let n_endorse = rnd::poisson(&mut self.rng, base * 0.012);
            for _ in 0..n_endorse {
                let t = self.rng.random_range(lo..hi);
                self.endorse_resource(plan, t, ctx);
            }
        }
        let n_thanks = rnd::poisson(&mut self.rng, base * 0.02);
        for _ in 0..n_thanks {
            let t = self.rng.random_range(lo..hi);
            if let Some(a) = self.pick(&p, t, None) {
                let actor = self.members[a].person;
                if let Some(b) = self.pick(&p, t, Some(actor)) {
                    let other = self.members[b].person;
                    self.touch(a, t);
                    ctx.emit(
                        t,
                        ActivityKind::ThanksGiven,
                        actor,
                        self.members[a].unit,
                        cid,
                        None,
                        None,
                        Some(other),
                    );
                }
            }
        }
        while let Some(&t) = plan.reviews.get(self.next_review) {
            if t >= hi {
                break;
            }
            self.next_review += 1;
            if t < lo {
                continue;
            }
            let unit = ctx.unit(plan.founder);
            if let Some(i) = self.members.iter().position(|m| m.person == plan.founder) {
                self.touch(i, t);
            }
            ctx.emit(
                t,
                ActivityKind::CharterReviewed,
                plan.founder,
                unit,
                cid,
                Some(cid.0),
                None,
                None,
            );
        }
    }

    fn joins(&mut self, plan: &CommunityPlan, hi: i64, ctx: &mut Ctx) {
        let mut due: Vec<PlannedJoin> = Vec::new();
        while let Some(j) = plan.joins.get(self.next_join) {
            if j.at >= hi {
                break;
            }
            due.push(*j);
            self.next_join += 1;
        }
        while self.rejoins.last().is_some_and(|j| j.at < hi) {
            if let Some(j) = self.rejoins.pop() {
                due.push(j);
            }
        }
        due.sort_by_key(|j| (j.at, j.person));
        for j in due {
            let unit = ctx.unit(j.person);
            let weight = rnd::pareto(&mut self.rng, 1.6).min(25.0) * role_weight(j.role);
            self.members.push(Member {
                person: j.person,
                unit,
                role: j.role,
                joined_at: j.at,
                busy_until: j.at,
                weight,
                sticky: j.sticky,
            });
            self.ever.insert(j.person);
            ctx.emit(
                j.at,
                ActivityKind::MemberJoined,
                j.person,
                unit,
                plan.id,
                None,
                None,
                None,
            );
            if plan.policy != MembershipPolicy::Open && !j.founder {
                ctx.admissions.push(Admission {
                    community: (plan.id.0 - 1) as usize,
                    person: j.person,
                    role: j.role,
                    at: j.at,
                });
            }
        }
    }

    fn leaves(&mut self, plan: &CommunityPlan, lo: i64, hi: i64, ctx: &mut Ctx) {
        let rate = match plan.profile {
            Profile::Healthy => 0.006,
            Profile::ClosedMinded => 0.004,
            Profile::OnePerson | Profile::Overloaded => 0.008,
            Profile::Neglected if lo >= plan.decline_at => 0.03,
            Profile::Neglected => 0.012,
        };
        let frac = (hi - lo) as f64 / MONTH as f64;
        let n = rnd::poisson(&mut self.rng, self.members.len() as f64 * rate * frac);
        for _ in 0..n {
            if self.members.is_empty() {
                break;
            }
            let i = self.rng.random_range(0..self.members.len());
            let m = &self.members[i];
            if m.sticky || m.joined_at >= lo {
                continue;
            }
            let t = self.rng.random_range(lo..hi);
            let at = t.max(m.busy_until + HOUR).max(m.joined_at + DAY);
            if at >= plan.limit {
                continue;
            }
            let m = self.members.swap_remove(i);
            ctx.emit(
                at,
                ActivityKind::MemberLeft,
                m.person,
                m.unit,
                plan.id,
                None,
                None,
                None,
            );
            // Coming back is joining again: a closed-minded community gets
            // no newcomers, so nobody comes back there either.
            if plan.profile != Profile::ClosedMinded && self.rng.random_bool(0.25) {
                let back = at + self.rng.random_range(45 * DAY..240 * DAY);
                if back < plan.limit - DAY {
                    let j = PlannedJoin {
                        person: m.person,
                        role: CommunityRole::Member,
                        at: back,
                        sticky: false,
                        founder: false,
                    };
                    let pos = self.rejoins.partition_point(|r| r.at > back);
                    self.rejoins.insert(pos, j);
                }
            }
        }
    }

    fn touch(&mut self, i: usize, t: i64) {
        let m = &mut self.members[i];
        m.busy_until = m.busy_until.max(t);
    }

    /// A member who had joined before `t`, other than `exclude`, weighted by
    /// how active they are; in a one-person community, mostly the hero.
    fn pick(&mut self, p: &Picker, t: i64, exclude: Option<PersonId>) -> Option<usize> {
        if let Some(h) = p.hero {
            let m = &self.members[h];
            if Some(m.person) != exclude && m.joined_at < t && self.rng.random_bool(0.8) {
                return Some(h);
            }
        }
        for _ in 0..12 {
            let i = rnd::pick_cumulative(&mut self.rng, p.cum);
            let m = &self.members[i];
            if m.joined_at < t && Some(m.person) != exclude {
                return Some(i);
            }
        }
        self.members
            .iter()
            .position(|m| m.joined_at < t && Some(m.person) != exclude)
    }

    fn meetings(&mut self, plan: &CommunityPlan, lo: i64, hi: i64, p: &Picker, ctx: &mut Ctx) {
        while self.next_meeting < hi {
            let t = self.next_meeting;
            let stage = plan.stage_at(t);
            let jitter = if stage == Stage::Coalescing {
                self.rng.random_range(-4 * DAY..4 * DAY)
            } else {
                self.rng.random_range(-HOUR..HOUR)
            };
            self.next_meeting = t + plan.cadence + jitter;
            let health = plan.health(t);
            let holds = t >= lo
                && !matches!(stage, Stage::Potential | Stage::Memory)
                && health > 0.25
                && !self.rng.random_bool(0.04);
            if !holds {
                continue;
            }
            let mut factor = health;
            if plan.profile == Profile::Overloaded && t >= plan.decline_at {
                factor *= 0.3;
            }
            let eligible = self.members.iter().filter(|m| m.joined_at < t).count();
            let want =
                (eligible as f64 * plan.attendance * factor * self.rng.random_range(0.7..1.3))
                    .round()
                    .clamp(1.0, 80.0) as usize;
            let host = self
                .members
                .iter()
                .position(|m| m.person == plan.founder && m.joined_at < t)
                .or_else(|| self.pick(p, t, None));
            let Some(host) = host else { continue };
            let meeting = {
                ctx.next_meeting += 1;
                EventSessionId(ctx.next_meeting)
            };
            let hm = &self.members[host];
            ctx.emit(
                t,
                ActivityKind::EventHeld,
                hm.person,
                hm.unit,
                plan.id,
                Some(meeting.0),
                None,
                None,
            );
            let mut came: Vec<usize> = vec![host];
            let mut tries = 0;
            while came.len() < want.min(eligible) && tries < want * 4 {
                tries += 1;
                // Half the seats go to the regulars, half to anyone.
                let i = if self.rng.random_bool(0.5) {
                    self.pick(p, t, None)
                } else {
                    Some(self.rng.random_range(0..self.members.len()))
                };
                let Some(i) = i else { break };
                if self.members[i].joined_at < t && !came.contains(&i) {
                    came.push(i);
                }
            }
            for i in came {
                let at = t + self.rng.random_range(0..15 * MINUTE);
                self.touch(i, at);
                let m = &self.members[i];
                ctx.emit(
                    at,
                    ActivityKind::EventAttended,
                    m.person,
                    m.unit,
                    plan.id,
                    Some(meeting.0),
                    None,
                    None,
                );
            }
        }
    }

    /// A thread and its whole conversation: replies, the solved mark, thanks.
    fn thread(
        &mut self,
        plan: &CommunityPlan,
        kind: ActivityKind,
        t: i64,
        p: &Picker,
        ctx: &mut Ctx,
    ) {
        let Some(a) = self.pick(p, t, None) else {
            return;
        };
        let author = self.members[a].person;
        let tid = {
            ctx.next_thread += 1;
            ThreadId(ctx.next_thread)
        };
        self.touch(a, t);
        ctx.emit(
            t,
            kind,
            author,
            self.members[a].unit,
            plan.id,
            Some(tid.0),
            None,
            None,
        );

        let late = t >= plan.decline_at;
        // (median hours to the first answer, share never answered, share solved)
        let (median_h, unanswered, solve) = match (plan.profile, late) {
            (Profile::Healthy, _) => (2.5, 0.05, 0.7),
            (Profile::Neglected, false) => (4.0, 0.1, 0.6),
            (Profile::Neglected, true) => (40.0, 0.4, 0.3),
            (Profile::OnePerson, _) => (4.0, 0.12, 0.55),
            (Profile::ClosedMinded, _) => (3.0, 0.08, 0.6),
            (Profile::Overloaded, false) => (3.0, 0.06, 0.65),
            (Profile::Overloaded, true) => (10.0, 0.15, 0.5),
        };
        // Where one person carries the community, the others mostly read:
        // they ask, and the one person answers.
        let one_person = plan.profile == Profile::OnePerson;
        let replies = if one_person && author == plan.founder {
            rnd::poisson(&mut self.rng, 0.5)
        } else {
            let talk = if one_person { 0.3 } else { 1.0 };
            match kind {
                ActivityKind::ThreadHelp => {
                    if self.rng.random_bool(unanswered) {
                        0
                    } else {
                        1 + rnd::poisson(&mut self.rng, 1.2 * talk)
                    }
                }
                ActivityKind::ThreadStory => rnd::poisson(&mut self.rng, 1.5 * talk),
                _ => 1 + rnd::poisson(&mut self.rng, 2.5 * talk),
            }
        };
        let first_median = if kind == ActivityKind::ThreadHelp {
            median_h
        } else {
            6.0
        };
        let mut at =
            t + (rnd::lognormal(&mut self.rng, first_median * HOUR as f64, 1.0) as i64).max(MINUTE);
        // (member index, reply id, time) of answers by someone else.
        let mut helpers: Vec<(usize, ReplyId, i64)> = Vec::new();
        for k in 0..replies {
            if at >= plan.limit {
                break;
            }
            // After the first answer the author sometimes answers back.
            let r = if k > 0 && self.rng.random_bool(0.15) && kind == ActivityKind::ThreadHelp {
                Some(a)
            } else {
                self.pick(p, at, Some(author))
            };
            let Some(r) = r else { break };
            let rid = {
                ctx.next_reply += 1;
                ReplyId(ctx.next_reply)
            };
            self.touch(r, at);
            let m = &self.members[r];
            ctx.emit(
                at,
                ActivityKind::ReplyCreated,
                m.person,
                m.unit,
                plan.id,
                Some(rid.0),
                Some(tid.0),
                Some(author),
            );
            if m.person != author {
                helpers.push((r, rid, at));
            }
            at += (rnd::lognormal(&mut self.rng, 8.0 * HOUR as f64, 1.2) as i64).max(MINUTE);
        }
        if kind != ActivityKind::ThreadHelp || helpers.is_empty() || !self.rng.random_bool(solve) {
            return;
        }
        // Usually the first good answer is the one that helped.
        let (h, rid, hat) = if self.rng.random_bool(0.6) {
            helpers[0]
        } else {
            helpers[self.rng.random_range(0..helpers.len())]
        };
        let solved_at =
            hat + (rnd::lognormal(&mut self.rng, 20.0 * HOUR as f64, 1.0) as i64).max(MINUTE);
        if solved_at >= plan.limit {
            return;
        }
        let helper = self.members[h].person;
        self.touch(a, solved_at);
        let unit = self.members[a].unit;
        ctx.emit(
            solved_at,
            ActivityKind::HelpSolved,
            author,
            unit,
            plan.id,
            Some(tid.0),
            None,
            Some(helper),
        );
        if let Some(solved) = ctx.out.last_mut() {
            solved.solution = Some(rid);
        }
        if self.rng.random_bool(0.45) {
            let thanks_at = solved_at + self.rng.random_range(MINUTE..HOUR);
            if thanks_at < plan.limit {
                self.touch(a, thanks_at);
                ctx.emit(
                    thanks_at,
                    ActivityKind::ThanksGiven,
                    author,
                    unit,
                    plan.id,
                    Some(rid.0),
                    None,
                    Some(helper),
                );
            }
        }
    }

    fn create_resource(&mut self, plan: &CommunityPlan, t: i64, p: &Picker, ctx: &mut Ctx) {
        let Some(a) = self.pick(p, t, None) else {
            return;
        };
        let id = {
            ctx.next_resource += 1;
            ResourceId(ctx.next_resource)
        };
        self.touch(a, t);
        let m = &self.members[a];
        self.resources.push(Resource {
            id,
            created_at: t,
            author: m.person,
            endorsed: false,
        });
        ctx.emit(
            t,
            ActivityKind::ResourceCreated,
            m.person,
            m.unit,
            plan.id,
            Some(id.0),
            None,
            None,
        );
    }

    fn revise_resource(&mut self, plan: &CommunityPlan, t: i64, p: &Picker, ctx: &mut Ctx) {
        let Some(res) = self.resource_before(t, false) else {
            return;
        };
        let (rid, author) = (self.resources[res].id, self.resources[res].author);
        // Authors keep their own resources up to date more than anyone.
        let by_author = self
            .members
            .iter()
            .position(|m| m.person == author && m.joined_at < t)
            .filter(|_| self.rng.random_bool(0.4));
        let Some(a) = by_author.or_else(|| self.pick(p, t, None)) else {
            return;
        };
        self.touch(a, t);
        let m = &self.members[a];
        ctx.emit(
            t,
            ActivityKind::ResourceRevised,
            m.person,
            m.unit,
            plan.id,
            Some(rid.0),
            None,
            None,
        );
    }

    fn endorse_resource(&mut self, plan: &CommunityPlan, t: i64, ctx: &mut Ctx) {
        let Some(res) = self.resource_before(t, true) else {
            return;
        };
        let core: Vec<usize> = (0..self.members.len())
            .filter(|i| {
                let m = &self.members[*i];
                m.role.is_core_group() && m.joined_at < t
            })
            .collect();
        if core.is_empty() {
            return;
        }
        let a = core[self.rng.random_range(0..core.len())];
        self.resources[res].endorsed = true;
        let rid = self.resources[res].id;
        self.touch(a, t);
        let m = &self.members[a];
        ctx.emit(
            t,
            ActivityKind::ResourceEndorsed,
            m.person,
            m.unit,
            plan.id,
            Some(rid.0),
            None,
            None,
        );
    }

    /// A resource that existed an hour before `t` (not yet endorsed if
    /// `unendorsed`).
    fn resource_before(&mut self, t: i64, unendorsed: bool) -> Option<usize> {
        if self.resources.is_empty() {
            return None;
        }
        for _ in 0..6 {
            // Recent resources are revised more than old ones.
            let n = self.resources.len();
            let back = (rnd::pareto(&mut self.rng, 0.8) as usize).saturating_sub(1);
            let i = n - 1 - back.min(n - 1);
            let r = &self.resources[i];
            if r.created_at + HOUR <= t && !(unendorsed && r.endorsed) {
                return Some(i);
            }
        }
        None
    }
}

struct Picker<'c> {
    cum: &'c [f64],
    hero: Option<usize>,
}
