//! One search over everything a reader may see (threads, replies,
//! resources, people, communities), and "who knows about X": people ranked
//! by the evidence of their practice.

use crate::{App, AppError, Result, SessionUser};
use guildhall_domain::text::search_text;
use guildhall_domain::{
    CommunityId, DocumentKind, DomainId, FieldErrors, PersonId, ResourceId, Slug, ThreadId,
    Timestamp,
};
use guildhall_store::{Page, SearchHit, SearchQuery};
use std::collections::HashMap;

/// A search as typed; every part optional except the text.
#[derive(Clone, Debug, Default)]
pub struct SearchInput {
    pub q: String,
    /// One kind or several, comma-separated.
    pub kind: String,
    /// A community's slug.
    pub community: String,
    pub domain: Option<DomainId>,
    pub author: Option<PersonId>,
    /// A date (2026-03-01) or an RFC 3339 time; `to` is inclusive of its day.
    pub from: String,
    pub to: String,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct SearchResults {
    pub hits: Page<SearchHit>,
    pub terms: Vec<String>,
    pub page: i64,
    pub per_page: i64,
    /// Whether the count stopped at the ranking window.
    pub capped: bool,
}

/// The words of a query: letters and digits, lower-cased; everything else
/// (quotes, dashes, stars, parentheses, operators) separates words and is
/// never interpreted. At most 8 words of at most 64 characters.
pub fn terms_of(text: &str) -> Vec<String> {
    let Some(text) = search_text(text) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for w in text.split(|c: char| !c.is_alphanumeric()) {
        let w: String = w.chars().take(64).collect::<String>().to_lowercase();
        if !w.is_empty() && !out.contains(&w) {
            out.push(w);
        }
        if out.len() == 8 {
            break;
        }
    }
    out
}

fn day_or_time(s: &str, end_of_day: bool) -> std::result::Result<Option<i64>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.len() == 10 {
        let t = Timestamp::parse_rfc3339(&format!("{s}T00:00:00Z"))
            .map_err(|_| format!("'{s}' is not a date such as 2026-03-01"))?;
        return Ok(Some(if end_of_day { t.0 + 86_400 } else { t.0 }));
    }
    Timestamp::parse_rfc3339(s).map(|t| Some(t.0))
}

/// A person who knows about something, and why we think so.
#[derive(Clone, Debug, Default)]
pub struct Expert {
    pub person_id: PersonId,
    pub name: String,
    pub unit: Option<String>,
    pub score: i64,
    pub solved: i64,
    pub replies: i64,
    pub resources_authored: i64,
    pub resources_revised: i64,
    pub declared: bool,
    /// Up to three examples: (link, title).
    pub examples: Vec<(String, String)>,
}

impl App {
    fn search_query(&self, input: &SearchInput, e: &mut FieldErrors) -> SearchQuery {
        let kinds: Vec<DocumentKind> = input
            .kind
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty() && *k != "all")
            .filter_map(|k| match DocumentKind::parse(k) {
                Ok(known) => Some(known),
                Err(message) => {
                    e.add("kind", message);
                    None
                }
            })
            .collect();
        let from = e.check("from", day_or_time(&input.from, false)).flatten();
        let until = e.check("to", day_or_time(&input.to, true)).flatten();
        if let (Some(f), Some(u)) = (from, until)
            && f >= u
        {
            e.add("to", "must be after the start of the range");
        }
        let (_, per_page, offset) = crate::paginate(input.page, input.per_page);
        SearchQuery {
            terms: terms_of(&input.q),
            kinds,
            community: None,
            domain: input.domain,
            author: input.author,
            from,
            until,
            limit: per_page,
            offset,
        }
    }

    async fn community_filter(
        &self,
        user: &SessionUser,
        slug: &str,
    ) -> Result<Option<CommunityId>> {
        let slug = slug.trim();
        if slug.is_empty() {
            return Ok(None);
        }
        let found = match Slug::parse(slug) {
            Ok(_) => self.visible(user, slug).await.ok().map(|(c, _, _)| c.id),
            Err(_) => None,
        };
        // A private community the reader may not see is as unknown as one
        // that does not exist.
        found
            .map(Some)
            .ok_or_else(|| AppError::invalid("community", "no community with this address"))
    }

    pub async fn search(&self, user: &SessionUser, input: &SearchInput) -> Result<SearchResults> {
        let mut e = FieldErrors::new();
        let mut q = self.search_query(input, &mut e);
        e.into_result()?;
        q.community = self.community_filter(user, &input.community).await?;
        let hits = self.store.search(user.id(), &q).await?;
        let (page, per_page, _) = crate::paginate(input.page, input.per_page);
        Ok(SearchResults {
            capped: hits.total >= guildhall_store::RANK_WINDOW,
            terms: q.terms,
            hits,
            page,
            per_page,
        })
    }

    /// People who know about `text`, strongest evidence first: help
    /// requests on it they solved (5 points each), resources on it they
    /// wrote (3) or revised (2), declared expertise (4), replies in its
    /// conversations (1). Only evidence the reader may see counts.
    pub async fn who_knows(&self, user: &SessionUser, text: &str) -> Result<Vec<Expert>> {
        let terms = terms_of(text);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let q = SearchQuery {
            terms,
            kinds: vec![
                DocumentKind::Thread,
                DocumentKind::Reply,
                DocumentKind::Resource,
                DocumentKind::Person,
            ],
            ..SearchQuery::default()
        };
        let matches = self.store.search_matches(user.id(), &q).await?;
        let mut threads: Vec<ThreadId> = Vec::new();
        let mut resources: Vec<ResourceId> = Vec::new();
        let mut experts: HashMap<PersonId, Expert> = HashMap::new();
        for m in &matches {
            match m.kind {
                DocumentKind::Thread | DocumentKind::Reply => {
                    if let Some(t) = m.thread_id
                        && !threads.contains(&t)
                    {
                        threads.push(t);
                    }
                }
                DocumentKind::Resource => resources.push(ResourceId(m.ref_id)),
                DocumentKind::Person => {
                    experts.entry(PersonId(m.ref_id)).or_default().declared = true;
                }
                DocumentKind::Community => {}
            }
        }
        for (helper, thread, title) in self.store.solvers_of(&threads).await? {
            let x = experts.entry(helper).or_default();
            x.solved += 1;
            if x.examples.len() < 3 {
                x.examples
                    .push((format!("/threads/{thread}"), format!("Solved: {title}")));
            }
        }
        for (author, n) in self.store.repliers_in(&threads).await? {
            experts.entry(author).or_default().replies += n;
        }
        for (author, resource, title, number) in self.store.revisers_of(&resources).await? {
            let x = experts.entry(author).or_default();
            if number == 1 {
                x.resources_authored += 1;
                if x.examples.len() < 3 {
                    x.examples
                        .push((format!("/resources/{resource}"), format!("Wrote: {title}")));
                }
            } else {
                x.resources_revised += 1;
            }
        }
        let mut ranked: Vec<Expert> = experts
            .into_iter()
            .map(|(id, mut x)| {
                x.person_id = id;
                x.score = 5 * x.solved
                    + 3 * x.resources_authored
                    + 2 * x.resources_revised
                    + if x.declared { 4 } else { 0 }
                    + x.replies;
                x
            })
            .collect();
        ranked.sort_by(|a, b| b.score.cmp(&a.score).then(a.person_id.cmp(&b.person_id)));
        ranked.truncate(20);
        let ids: Vec<PersonId> = ranked.iter().map(|x| x.person_id).collect();
        let brief: HashMap<PersonId, (String, Option<String>)> = self
            .store
            .people_brief(&ids)
            .await?
            .into_iter()
            .map(|(id, name, unit, _)| (id, (name, unit)))
            .collect();
        for x in &mut ranked {
            if let Some((name, unit)) = brief.get(&x.person_id) {
                x.name = name.clone();
                x.unit = unit.clone();
            }
        }
        Ok(ranked)
    }
}

#[cfg(test)]
mod tests {
    use super::terms_of;

    #[test]
    fn query_syntax_is_never_interpreted() {
        assert_eq!(
            terms_of(r#"  "unbalanced (paren* -dash NEAR/3 OR"#),
            vec!["unbalanced", "paren", "dash", "near", "3", "or"]
        );
        assert!(terms_of("*** --- ()").is_empty());
        assert_eq!(terms_of("Größe café"), vec!["größe", "café"]);
    }
}
