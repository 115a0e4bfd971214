//! The organization chart: units as a tree (business units, departments,
//! sites) and the people in it, with a management line that always points
//! to someone created earlier (so rows can be inserted in id order without
//! deferring foreign keys).

use crate::rnd;
use crate::vocab::{BUSINESS_UNITS, CITIES, DOMAINS, FIRST_NAMES, LAST_NAMES};
use guildhall_domain::{OrgRole, PersonId, UnitId};
use rand::RngExt;
use rand::rngs::SmallRng;

pub struct UnitRow {
    pub id: UnitId,
    pub name: String,
    pub parent: Option<UnitId>,
    pub description: String,
    pub created_at: i64,
}

pub struct Site {
    pub unit_id: UnitId,
    pub bu: usize,
    /// Index of the department in [`Org::departments`].
    pub dept: usize,
    pub city: &'static str,
}

pub struct Department {
    pub bu: usize,
    /// Index of the department's name within its business unit.
    pub local: usize,
    pub sites: Vec<usize>,
}

pub struct PersonRow {
    pub id: PersonId,
    pub name: String,
    pub email: String,
    pub site: usize,
    pub unit_id: UnitId,
    pub title: String,
    pub manager_id: Option<PersonId>,
    pub org_role: OrgRole,
    /// Indexes into [`DOMAINS`].
    pub expertise: Vec<usize>,
    pub interests: Vec<usize>,
    pub bio_variant: (usize, usize),
    pub created_at: i64,
    pub has_password: bool,
}

pub struct Org {
    pub units: Vec<UnitRow>,
    pub departments: Vec<Department>,
    pub sites: Vec<Site>,
    /// Index `i` holds the person with id `i + 1`.
    pub people: Vec<PersonRow>,
}

/// Where the demo accounts sit and who they are. Names are fixed so that
/// documentation and screenshots stay valid whatever the seed.
pub struct DemoPlacement {
    pub email: &'static str,
    pub role: OrgRole,
    pub name: &'static str,
    pub kind: Placement,
}

pub enum Placement {
    /// Head of the given business unit.
    Executive(usize),
    /// A site lead in the given business unit.
    SiteLead(usize),
    /// An individual contributor in (business unit, department) with a title.
    Contributor(usize, usize, &'static str),
}

pub const PLACEMENTS: &[DemoPlacement] = &[
    DemoPlacement {
        email: "admin@demo.guildhall.test",
        role: OrgRole::Administrator,
        name: "Robin Achterberg",
        kind: Placement::Contributor(0, 3, "Platform administrator"),
    },
    DemoPlacement {
        email: "strategist@demo.guildhall.test",
        role: OrgRole::KnowledgeStrategist,
        name: "Noor Haddad",
        kind: Placement::Contributor(3, 1, "Knowledge strategist"),
    },
    DemoPlacement {
        email: "executive@demo.guildhall.test",
        role: OrgRole::Executive,
        name: "Helena Lindqvist",
        kind: Placement::Executive(0),
    },
    DemoPlacement {
        email: "manager@demo.guildhall.test",
        role: OrgRole::Manager,
        name: "Marco Bianchi",
        kind: Placement::SiteLead(1),
    },
    DemoPlacement {
        email: "hr@demo.guildhall.test",
        role: OrgRole::Hr,
        name: "Grace Mensah",
        kind: Placement::Contributor(3, 0, "HR business partner"),
    },
    DemoPlacement {
        email: "member@demo.guildhall.test",
        role: OrgRole::Member,
        name: "Sam Okafor",
        kind: Placement::Contributor(0, 0, "Data engineer"),
    },
    DemoPlacement {
        email: "coordinator@demo.guildhall.test",
        role: OrgRole::Member,
        name: "Lena Fischer",
        kind: Placement::Contributor(1, 0, "Senior process engineer"),
    },
    DemoPlacement {
        email: "outsider@demo.guildhall.test",
        role: OrgRole::Member,
        name: "Tom Novak",
        kind: Placement::Contributor(2, 2, "Maintenance technician"),
    },
];

/// Index in [`PLACEMENTS`] of the accounts whose memberships the community
/// plan arranges by hand.
pub mod account {
    pub const ADMIN: usize = 0;
    pub const STRATEGIST: usize = 1;
    pub const EXECUTIVE: usize = 2;
    pub const MANAGER: usize = 3;
    pub const HR: usize = 4;
    pub const MEMBER: usize = 5;
    pub const COORDINATOR: usize = 6;
    pub const OUTSIDER: usize = 7;
}

const YEAR: i64 = 365 * 86_400;

/// Lowercases the first letter of a department name for use inside a title
/// ("Head of process engineering").
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn email_part(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A person before ids are known: ids follow management level so that a
/// manager always has a smaller id than their reports.
struct Draft {
    name: String,
    site: usize,
    level: u8,
    manager: Option<usize>,
    title: String,
    org_role: OrgRole,
    expertise: Vec<usize>,
    interests: Vec<usize>,
    created_at: i64,
    demo: Option<usize>,
}

pub fn build(rng: &mut SmallRng, people: u32, history_start: i64) -> (Org, Vec<PersonId>) {
    let people = people as usize;
    // Modest growth with size: 5×4×2 sites for a small organization,
    // up to 9×5×3 for a hundred thousand people.
    let n_bu = (5 + people / 25_000).min(BUSINESS_UNITS.len());
    let n_dept = if people >= 20_000 { 5 } else { 4 };
    let n_site = if people >= 50_000 { 3 } else { 2 };

    let mut units = Vec::new();
    let mut departments = Vec::new();
    let mut sites = Vec::new();
    let mut next_id = 1i64;
    let unit_created = |rng: &mut SmallRng| history_start - rng.random_range(2 * YEAR..8 * YEAR);

    let mut bu_ids = Vec::new();
    for bu in BUSINESS_UNITS.iter().take(n_bu) {
        units.push(UnitRow {
            id: UnitId(next_id),
            name: bu.name.to_owned(),
            parent: None,
            description: bu.description.to_owned(),
            created_at: unit_created(rng),
        });
        bu_ids.push(UnitId(next_id));
        next_id += 1;
    }
    let mut dept_ids = Vec::new();
    for (b, bu) in BUSINESS_UNITS.iter().take(n_bu).enumerate() {
        for (d, dname) in bu.departments.iter().take(n_dept).enumerate() {
            units.push(UnitRow {
                id: UnitId(next_id),
                name: (*dname).to_owned(),
                parent: Some(bu_ids[b]),
                description: format!("{} in {}.", dname, bu.name),
                created_at: unit_created(rng),
            });
            dept_ids.push(UnitId(next_id));
            departments.push(Department {
                bu: b,
                local: d,
                sites: Vec::new(),
            });
            next_id += 1;
        }
    }
    for (di, dept) in departments.iter_mut().enumerate() {
        let dname = BUSINESS_UNITS[dept.bu].departments[dept.local];
        let mut cities: Vec<&'static str> = Vec::new();
        while cities.len() < n_site {
            let c = CITIES[rng.random_range(0..CITIES.len())];
            if !cities.contains(&c) {
                cities.push(c);
            }
        }
        for city in cities {
            units.push(UnitRow {
                id: UnitId(next_id),
                name: format!("{dname}, {city}"),
                parent: Some(dept_ids[di]),
                description: format!("The {} team at the {} site.", lower_first(dname), city),
                created_at: unit_created(rng),
            });
            dept.sites.push(sites.len());
            sites.push(Site {
                unit_id: UnitId(next_id),
                bu: dept.bu,
                dept: di,
                city,
            });
            next_id += 1;
        }
    }

    // Sites differ in size: a few large plants and offices, many small ones.
    let weights: Vec<f64> = (0..sites.len())
        .map(|_| rnd::pareto(rng, 1.3).min(12.0))
        .collect();
    let cum = rnd::cumulative(&weights);

    let n_contributors = PLACEMENTS
        .iter()
        .filter(|p| matches!(p.kind, Placement::Contributor(..)))
        .count();
    let n_random = people.saturating_sub(n_contributors);
    let mut drafts: Vec<Draft> = Vec::with_capacity(people);
    for _ in 0..n_random {
        let site = rnd::pick_cumulative(rng, &cum);
        drafts.push(new_draft(rng, site, &sites, history_start));
    }
    let mut by_site: Vec<Vec<usize>> = vec![Vec::new(); sites.len()];
    for (i, d) in drafts.iter().enumerate() {
        by_site[d.site].push(i);
    }

    // Contributor demo accounts join the most populous site of their
    // department after everyone else, so they are never its lead.
    for (pi, p) in PLACEMENTS.iter().enumerate() {
        let Placement::Contributor(b, d, title) = p.kind else {
            continue;
        };
        let site = departments
            .iter()
            .position(|dep| dep.bu == b && dep.local == d)
            .and_then(|di| {
                departments[di]
                    .sites
                    .iter()
                    .copied()
                    .max_by_key(|s| (by_site[*s].len(), usize::MAX - s))
            })
            .filter(|s| !by_site[*s].is_empty())
            .unwrap_or_else(|| most_populous(&by_site));
        let mut draft = new_draft(rng, site, &sites, history_start);
        draft.name = p.name.to_owned();
        draft.title = title.to_owned();
        draft.demo = Some(pi);
        by_site[site].push(drafts.len());
        drafts.push(draft);
    }

    // Management line: the first person of a site leads it; the lead of a
    // department's first staffed site heads the department; the head of a
    // business unit's first staffed department heads the business unit.
    let mut site_lead: Vec<Option<usize>> = vec![None; sites.len()];
    for (s, members) in by_site.iter().enumerate() {
        site_lead[s] = members.first().copied();
    }
    let mut dept_head: Vec<Option<usize>> = vec![None; departments.len()];
    for (di, dept) in departments.iter().enumerate() {
        dept_head[di] = dept.sites.iter().find_map(|s| site_lead[*s]);
    }
    let mut bu_head: Vec<Option<usize>> = vec![None; n_bu];
    for (b, head) in bu_head.iter_mut().enumerate() {
        *head = departments
            .iter()
            .enumerate()
            .filter(|(_, d)| d.bu == b)
            .find_map(|(di, _)| dept_head[di]);
    }
    for (s, members) in by_site.iter().enumerate() {
        let Some(lead) = site_lead[s] else { continue };
        let site = &sites[s];
        let dept = &departments[site.dept];
        let dname = BUSINESS_UNITS[dept.bu].departments[dept.local];
        let dh = dept_head[site.dept];
        let bh = bu_head[site.bu];
        {
            let d = &mut drafts[lead];
            if bh == Some(lead) {
                d.level = 0;
                d.title = format!("Vice president, {}", BUSINESS_UNITS[site.bu].name);
                d.org_role = OrgRole::Executive;
                d.manager = None;
            } else if dh == Some(lead) {
                d.level = 1;
                d.title = format!("Head of {}", lower_first(dname));
                d.org_role = OrgRole::Manager;
                d.manager = bh;
            } else {
                d.level = 2;
                d.title = format!("Site lead, {} {}", lower_first(dname), site.city);
                d.org_role = OrgRole::Manager;
                d.manager = dh.or(bh);
            }
        }
        // Teams of about eight under leads once a site outgrows one manager.
        let rest = &members[1..];
        let n_teams = if rest.len() > 10 {
            rest.len().div_ceil(9)
        } else {
            0
        };
        let (leads, ics) = rest.split_at(n_teams.min(rest.len()));
        for &t in leads {
            let d = &mut drafts[t];
            d.manager = Some(lead);
            if d.demo.is_some() {
                continue;
            }
            d.level = 3;
            d.title = format!("Team lead, {}", lower_first(dname));
            d.org_role = if rng.random_bool(0.6) {
                OrgRole::Manager
            } else {
                OrgRole::Member
            };
        }
        for (k, &i) in ics.iter().enumerate() {
            let d = &mut drafts[i];
            d.level = 4;
            d.manager = if leads.is_empty() {
                Some(lead)
            } else {
                Some(leads[k % leads.len()])
            };
        }
    }
    for (i, d) in drafts.iter_mut().enumerate() {
        if d.demo.is_none() && d.level == 4 {
            // A few people in HR and strategy hold those organization roles.
            let dept = &departments[sites[d.site].dept];
            d.org_role = match (dept.bu, dept.local) {
                (3, 0) if i % 4 == 0 => OrgRole::Hr,
                (3, 1) if i % 5 == 0 => OrgRole::KnowledgeStrategist,
                _ => OrgRole::Member,
            };
        }
    }

    // Executive and manager accounts take over an existing head and lead.
    for (pi, p) in PLACEMENTS.iter().enumerate() {
        let chosen = match p.kind {
            Placement::Executive(b) => bu_head
                .get(b)
                .copied()
                .flatten()
                .or_else(|| drafts.iter().position(|d| d.level == 0 && d.demo.is_none())),
            Placement::SiteLead(b) => {
                let in_bu = (0..sites.len())
                    .filter(|s| sites[*s].bu == b)
                    .filter_map(|s| site_lead[s].map(|l| (by_site[s].len(), l)))
                    .filter(|(_, l)| drafts[*l].level == 2)
                    .max_by_key(|(n, l)| (*n, usize::MAX - l))
                    .map(|(_, l)| l);
                in_bu.or_else(|| {
                    drafts
                        .iter()
                        .position(|d| (1..=3).contains(&d.level) && d.demo.is_none())
                })
            }
            Placement::Contributor(..) => continue,
        };
        if let Some(i) = chosen {
            drafts[i].demo = Some(pi);
            drafts[i].name = p.name.to_owned();
        }
    }
    for d in &mut drafts {
        if let Some(pi) = d.demo {
            d.org_role = PLACEMENTS[pi].role;
        }
    }

    // Ids by level, then by creation order: managers come first.
    let mut order: Vec<usize> = (0..drafts.len()).collect();
    order.sort_by_key(|i| (drafts[*i].level, *i));
    let mut id_of = vec![PersonId::default(); drafts.len()];
    for (rank, &i) in order.iter().enumerate() {
        id_of[i] = PersonId(rank as i64 + 1);
    }
    let mut demo_ids = vec![PersonId::default(); PLACEMENTS.len()];
    let mut rows = Vec::with_capacity(drafts.len());
    for &i in &order {
        let d = &drafts[i];
        let id = id_of[i];
        let (first, last) = d.name.split_once(' ').unwrap_or((d.name.as_str(), ""));
        let email = match d.demo {
            Some(pi) => {
                demo_ids[pi] = id;
                PLACEMENTS[pi].email.to_owned()
            }
            None => format!(
                "{}.{}.{}@demo.guildhall.test",
                email_part(first),
                email_part(last),
                id
            ),
        };
        rows.push(PersonRow {
            id,
            name: d.name.clone(),
            email,
            site: d.site,
            unit_id: sites[d.site].unit_id,
            title: d.title.clone(),
            manager_id: d.manager.map(|m| id_of[m]),
            org_role: d.org_role,
            expertise: d.expertise.clone(),
            interests: d.interests.clone(),
            bio_variant: (rng.random_range(0..64), rng.random_range(0..64)),
            created_at: d.created_at,
            has_password: d.demo.is_some(),
        });
    }
    (
        Org {
            units,
            departments,
            sites,
            people: rows,
        },
        demo_ids,
    )
}

fn most_populous(by_site: &[Vec<usize>]) -> usize {
    (0..by_site.len())
        .max_by_key(|s| (by_site[*s].len(), usize::MAX - s))
        .unwrap_or(0)
}

fn new_draft(rng: &mut SmallRng, site: usize, sites: &[Site], history_start: i64) -> Draft {
    let bu = &BUSINESS_UNITS[sites[site].bu];
    let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
    let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
    let base = bu.titles[rng.random_range(0..bu.titles.len())];
    let seniority = match rng.random_range(0..20) {
        0..=2 => "junior ",
        3..=11 => "",
        12..=17 => "senior ",
        _ => "principal ",
    };
    let title = upper_first(&format!("{seniority}{base}"));
    let mut expertise = Vec::new();
    for _ in 0..rng.random_range(1..=3) {
        let d = bu.domains[rng.random_range(0..bu.domains.len())];
        if !expertise.contains(&d) {
            expertise.push(d);
        }
    }
    let mut interests = Vec::new();
    for _ in 0..rng.random_range(1..=2) {
        let d = rng.random_range(0..DOMAINS.len());
        if !expertise.contains(&d) && !interests.contains(&d) {
            interests.push(d);
        }
    }
    Draft {
        name: format!("{first} {last}"),
        site,
        level: 4,
        manager: None,
        title,
        org_role: OrgRole::Member,
        expertise,
        interests,
        created_at: history_start - rng.random_range(30 * 86_400..8 * YEAR),
        demo: None,
    }
}
