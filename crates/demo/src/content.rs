//! What the demonstration's people write: titles and bodies of threads and
//! replies, drawn deterministically from each post's id and its
//! community's domain, so that the same options always give the same text.

use crate::vocab::{DOMAINS, SUBTOPICS};
use guildhall_domain::{ActivityKind, ResourceKind};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

const SITUATIONS: &[&str] = &[
    "the team is spread over three sites",
    "the budget is frozen until next quarter",
    "the supplier changed without notice",
    "the deadline moved up by a month",
    "nobody clearly owns it",
    "the data we have is incomplete",
    "the customer asks for a certificate",
    "we have to keep the old system running",
    "half of the team is new",
    "the audit is in two weeks",
];

const PROBLEMS: &[&str] = &[
    "intermittent failures",
    "slow feedback loops",
    "conflicting standards",
    "unclear ownership",
    "rising costs",
    "quality drifting over time",
    "too many manual steps",
    "results nobody can reproduce",
    "alerts everybody ignores",
    "documentation nobody trusts",
];

const CHANGES: &[&str] = &[
    "the last upgrade",
    "the reorganization",
    "moving to the new site",
    "switching vendors",
    "the new regulation",
    "doubling the volume",
];

const LESSONS: &[&str] = &[
    "start with the smallest thing that could work",
    "measure before you change anything",
    "write down the decision and why",
    "ask the people who do the work every day",
    "keep a checklist and review it after each run",
    "pair a newcomer with someone experienced",
    "make the failure visible before fixing it",
    "agree on one definition before comparing numbers",
];

const ADVICE: &[&str] = &[
    "We had the same issue last year; what helped was to",
    "I would first check whether you can",
    "In our plant the trick was to",
    "Have a look at the lesson learned from the spring workshop: it says to",
    "Our team solved it when we decided to",
    "It sounds like a classic case; try to",
    "Before anything else, I would",
];

fn pick<'a>(rng: &mut SmallRng, list: &'a [&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

fn rng_for(id: i64, salt: u64) -> SmallRng {
    SmallRng::seed_from_u64((id as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ salt)
}

fn subtopic(rng: &mut SmallRng, domain: usize) -> &'static str {
    let subs = SUBTOPICS.get(domain).copied().unwrap_or(&["practice"]);
    subs[rng.random_range(0..subs.len())]
}

fn domain_name(domain: usize) -> &'static str {
    DOMAINS.get(domain).map_or("our practice", |d| d.0)
}

/// The title of a thread, as [`thread`] gives it.
pub fn thread_title(kind: ActivityKind, id: i64, domain: usize) -> String {
    thread(kind, id, domain).0
}

/// (title, Markdown body, topics) of a thread.
pub fn thread(kind: ActivityKind, id: i64, domain: usize) -> (String, String, String) {
    let mut r = rng_for(id, 0x7468_7265_6164);
    let s = subtopic(&mut r, domain);
    let d = domain_name(domain);
    let situation = pick(&mut r, SITUATIONS);
    let problem = pick(&mut r, PROBLEMS);
    let change = pick(&mut r, CHANGES);
    let lesson = pick(&mut r, LESSONS);
    let (title, body) = match kind {
        ActivityKind::ThreadHelp => match r.random_range(0..4) {
            0 => (
                format!("How do you handle {s} when {situation}?"),
                format!(
                    "We run {s} for our line and {situation}. Since {change} we see **{problem}**.\n\n\
                     What we tried so far:\n\n- reading the {d} guidelines again\n- asking the vendor\n\n\
                     Has anyone been through this? Any pointer is welcome."
                ),
            ),
            1 => (
                format!("{s}: {problem} after {change}"),
                format!(
                    "Since {change}, our {s} work suffers from {problem}. {situation_cap}. \
                     Where would you start looking?",
                    situation_cap = capitalize(situation)
                ),
            ),
            2 => (
                format!("Looking for advice on {s} for a new project"),
                format!(
                    "I am new to {d} and was asked to set up {s} for a project where {situation}. \
                     What should I read first, and whom should I talk to?"
                ),
            ),
            _ => (
                format!("Anyone seen {problem} with {s}?"),
                format!(
                    "We keep running into {problem} with {s}. It started with {change}. \
                     Is this known? Is there a standard way out?"
                ),
            ),
        },
        ActivityKind::ThreadStory => (
            match r.random_range(0..3) {
                0 => format!("What we learned from {change} in {s}"),
                1 => format!("How we got rid of {problem} in {s}"),
                _ => format!("A year of {s}: what worked"),
            },
            format!(
                "A short story from our team. When {situation}, we were hit by {problem}. \
                 After a few weeks we learned to **{lesson}**. It took time, but {s} is calmer now.\n\n\
                 Happy to tell more at the next meeting."
            ),
        ),
        _ => (
            match r.random_range(0..3) {
                0 => format!("Should we standardize how we do {s}?"),
                1 => format!("Ideas for the next {s} workshop"),
                _ => format!("{s} and {problem}: where do you stand?"),
            },
            format!(
                "Opening a discussion: across units we do {s} in different ways, and {problem} shows up everywhere. \
                 One proposal is to {lesson}. What do you think, and what would it mean for your team?"
            ),
        ),
    };
    (
        title,
        body,
        format!("{}, {}", s.to_lowercase(), d.to_lowercase()),
    )
}

/// The Markdown body of a reply.
pub fn reply(id: i64, domain: usize, by_asker: bool) -> String {
    let mut r = rng_for(id, 0x0072_6570_6c79);
    if by_asker {
        return match r.random_range(0..3) {
            0 => "Thanks, trying this now and will report back.".into(),
            1 => "Good point, I had not thought of that. What about the edge cases?".into(),
            _ => "We did try that, but it only helped for a week.".into(),
        };
    }
    let s = subtopic(&mut r, domain);
    let advice = pick(&mut r, ADVICE);
    let lesson = pick(&mut r, LESSONS);
    let problem = pick(&mut r, PROBLEMS);
    format!(
        "{advice} {lesson}. With {s} the usual source of {problem} is the hand-over between teams, \
         so make that explicit first."
    )
}

/// The plain text of what this module writes: its Markdown is only
/// headings, bold, emphasis, numbered and bulleted lists and a rule, so
/// dropping those marks gives what a Markdown parser would (much faster,
/// for millions of posts).
pub fn plain(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    for line in md.lines() {
        let line = line.trim_start_matches(['#', ' ']);
        let line = line.strip_prefix("- ").unwrap_or(line);
        let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let line = match line[digits..].strip_prefix(". ") {
            Some(rest) if digits > 0 => rest,
            _ => line,
        };
        if line.is_empty() || line == "---" {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.extend(line.chars().filter(|c| *c != '*'));
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

const RESOURCE_KINDS: &[(ResourceKind, &str)] = &[
    (ResourceKind::Document, "Guide to"),
    (ResourceKind::Lesson, "Lesson learned:"),
    (ResourceKind::Example, "Worked example:"),
    (ResourceKind::Tool, "Checklist for"),
    (ResourceKind::Process, "How we run"),
    (ResourceKind::Standard, "Standard for"),
];

/// (kind, title, first body, tags) of a knowledge resource.
pub fn resource(id: i64, domain: usize) -> (ResourceKind, String, String, String) {
    let mut r = rng_for(id, 0x7265_736f_7572);
    let (kind, prefix) = RESOURCE_KINDS[r.random_range(0..RESOURCE_KINDS.len())];
    let s = subtopic(&mut r, domain);
    let d = domain_name(domain);
    let lesson = pick(&mut r, LESSONS);
    let problem = pick(&mut r, PROBLEMS);
    let situation = pick(&mut r, SITUATIONS);
    let title = format!("{prefix} {s}");
    let body = format!(
        "## Purpose\n\nWhat the community knows about {s} in {d}, written down so nobody has to \
         rediscover it.\n\n## When to use it\n\nWhen {situation}, or when you see {problem}.\n\n\
         ## Steps\n\n1. Check what changed recently.\n2. {lesson_cap}.\n3. Record the outcome in the \
         community's conversations.\n",
        lesson_cap = capitalize(lesson)
    );
    (
        kind,
        title,
        body,
        format!("{}, {}", s.to_lowercase(), d.to_lowercase()),
    )
}

/// The body of revision `number` (2 and up): the first body with what later
/// revisions added, one section each.
pub fn resource_revision(id: i64, domain: usize, number: i64) -> String {
    let (_, _, mut body, _) = resource(id, domain);
    for n in 2..=number {
        let mut r = rng_for(id * 1_000 + n, 0x7265_7669_7365);
        let lesson = pick(&mut r, LESSONS);
        let problem = pick(&mut r, PROBLEMS);
        body.push_str(&format!(
            "\n## Note {n}\n\nAfter a case of {problem}, we learned to {lesson}.\n"
        ));
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_matches_the_markdown_parser() {
        for id in 0..40 {
            for kind in [
                ActivityKind::ThreadHelp,
                ActivityKind::ThreadStory,
                ActivityKind::ThreadDiscussion,
            ] {
                let body = thread(kind, id, 2).1;
                assert_eq!(plain(&body), guildhall_domain::markdown::plain_text(&body));
            }
            let r = resource_revision(id, 4, 3);
            assert_eq!(plain(&r), guildhall_domain::markdown::plain_text(&r));
            let reply = reply(id, 1, false);
            assert_eq!(
                plain(&reply),
                guildhall_domain::markdown::plain_text(&reply)
            );
        }
    }

    #[test]
    fn text_is_deterministic_and_varied() {
        let a = thread(ActivityKind::ThreadHelp, 7, 0);
        assert_eq!(a, thread(ActivityKind::ThreadHelp, 7, 0));
        let titles: std::collections::HashSet<String> = (0..50)
            .map(|i| thread(ActivityKind::ThreadHelp, i, 3).0)
            .collect();
        assert!(titles.len() > 30);
        assert!(!reply(3, 1, false).is_empty());
        // Out-of-range domains still give text.
        assert!(!thread(ActivityKind::ThreadStory, 1, 999).0.is_empty());
    }
}
