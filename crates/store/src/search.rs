//! The search index: one `search_documents` row per searchable thing,
//! written in the same transaction as the thing itself (SQLite keeps its
//! FTS5 table in step by triggers; PostgreSQL computes a tsvector column).

use crate::read::{Sql, direct_row};
use crate::sql::Fragments;
use guildhall_domain::{CommunityId, DocumentKind, DomainId, PersonId, ResourceId, ThreadId};

/// What a search document says about the thing it stands for.
#[derive(Clone, Debug)]
pub struct SearchDoc<'a> {
    pub kind: DocumentKind,
    pub ref_id: i64,
    pub community_id: Option<CommunityId>,
    pub thread_id: Option<ThreadId>,
    pub author_id: Option<PersonId>,
    pub title: &'a str,
    /// Plain text (no markup).
    pub body: &'a str,
    pub at: i64,
}

/// Inserts or replaces the search document of a thing, on the given
/// connection (inside the caller's transaction).
#[macro_export]
#[doc(hidden)]
macro_rules! index_document {
    ($conn:expr, $doc:expr) => {{
        let d: &$crate::SearchDoc = $doc;
        sqlx::query(
            "INSERT INTO search_documents (kind, ref_id, community_id, thread_id, author_id, title, body, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (kind, ref_id) DO UPDATE SET community_id = excluded.community_id, \
             thread_id = excluded.thread_id, author_id = excluded.author_id, title = excluded.title, \
             body = excluded.body, at = excluded.at",
        )
        .bind(d.kind)
        .bind(d.ref_id)
        .bind(d.community_id)
        .bind(d.thread_id)
        .bind(d.author_id)
        .bind(d.title)
        .bind(d.body)
        .bind(d.at)
        .execute($conn)
        .await?;
    }};
}

/// Removes a thing's search document (a deleted post).
#[macro_export]
#[doc(hidden)]
macro_rules! unindex_document {
    ($conn:expr, $kind:expr, $ref_id:expr) => {{
        sqlx::query("DELETE FROM search_documents WHERE kind = $1 AND ref_id = $2")
            .bind($kind)
            .bind($ref_id)
            .execute($conn)
            .await?;
    }};
}

/// The search documents of people: name, title, declared expertise,
/// interests and bio. `{filter}` narrows the rows (e.g. `WHERE p.id = $1`).
pub(crate) const PEOPLE_DOCS: &str = "INSERT INTO search_documents (kind, ref_id, community_id, thread_id, author_id, title, body, at) \
     SELECT 'person', p.id, NULL, NULL, p.id, p.name, \
     p.title || ' ' || p.expertise || ' ' || p.interests || ' ' || p.bio, p.created_at FROM people p ";

/// The search documents of communities: name, purpose, domain statement.
pub(crate) const COMMUNITY_DOCS: &str = "INSERT INTO search_documents (kind, ref_id, community_id, thread_id, author_id, title, body, at) \
     SELECT 'community', c.id, c.id, NULL, NULL, c.name, c.purpose || ' ' || c.domain_statement, c.created_at \
     FROM communities c ";

pub(crate) const UPSERT: &str =
    " ON CONFLICT (kind, ref_id) DO UPDATE SET title = excluded.title, body = excluded.body";

/// Re-writes the search document of one person or community (`$what` is
/// `PEOPLE_DOCS` or `COMMUNITY_DOCS`, `$alias` its table alias) inside the
/// caller's transaction.
#[macro_export]
#[doc(hidden)]
macro_rules! reindex_one {
    ($conn:expr, $what:expr, $alias:literal, $id:expr) => {{
        let mut qb = sqlx::QueryBuilder::new($what);
        qb.push(concat!("WHERE ", $alias, ".id = "))
            .push_bind($id)
            .push($crate::search::UPSERT);
        qb.build().execute($conn).await?;
    }};
}

/// FTS5 settings for a bulk pass: (name, during the pass, FTS5's default).
/// FTS5 stores them in the database, so they are set back afterwards.
const BULK_FTS_SETTINGS: [(&str, i64, i64); 3] = [
    // How much of the index being built is kept in memory before it is
    // written out as a segment: with the default (1 MiB) bulk passes spent
    // a third of their time merging small segments; 8 MiB took a
    // 430,000-document pass from 12.2 s to 8.6 s for 10 MiB more memory
    // (larger gained nothing).
    ("hashsize", 8 << 20, 1 << 20),
    // Segments are not merged level by level as they are written, but
    // once at the end (see below) — 59.8 s → 52.2 s for 2.1 M documents —
    // unless a level gathers this many (FTS5 allows 2,000 in all).
    ("automerge", 0, 4),
    ("crisismerge", 64, 16),
];

/// Indexes search documents in one pass (SQLite): those with ids above
/// `after`, or with `None` the whole index again. When the pass indexed
/// most of the documents its segments are then merged into one (which
/// also makes searches read one segment); merging a large index for a
/// small pass would cost more than it saves, so then the usual gradual
/// merging of later writes does it.
pub(crate) async fn index_in_bulk(
    c: &mut sqlx::SqliteConnection,
    after: Option<i64>,
) -> crate::Result<()> {
    set_fts(c, |(_, bulk, _)| bulk).await?;
    let pass = async {
        let most = match after {
            Some(after) => {
                sqlx::query(
                    "INSERT INTO search_index (rowid, title, body) \
                     SELECT id, title, body FROM search_documents WHERE id > $1",
                )
                .bind(after)
                .execute(&mut *c)
                .await?;
                let last: i64 =
                    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM search_documents")
                        .fetch_one(&mut *c)
                        .await?;
                last - after >= after
            }
            None => {
                sqlx::query("INSERT INTO search_index (search_index) VALUES ('rebuild')")
                    .execute(&mut *c)
                    .await?;
                true
            }
        };
        if most {
            sqlx::query("INSERT INTO search_index (search_index) VALUES ('optimize')")
                .execute(&mut *c)
                .await?;
        }
        Ok::<(), sqlx::Error>(())
    }
    .await;
    set_fts(c, |(_, _, usual)| usual).await?;
    pass?;
    Ok(())
}

/// Sets each of [`BULK_FTS_SETTINGS`] to the value `pick` chooses.
async fn set_fts(
    c: &mut sqlx::SqliteConnection,
    pick: fn((&str, i64, i64)) -> i64,
) -> crate::Result<()> {
    for setting in BULK_FTS_SETTINGS {
        sqlx::query("INSERT INTO search_index (search_index, rank) VALUES ($1, $2)")
            .bind(setting.0)
            .bind(pick(setting))
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// What to search for and where. `terms` are plain words (the app makes
/// them from what was typed); the store quotes them for each dialect, so no
/// input can reach the full-text query syntax.
#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    pub terms: Vec<String>,
    /// Empty = all.
    pub kinds: Vec<DocumentKind>,
    pub community: Option<CommunityId>,
    pub domain: Option<DomainId>,
    pub author: Option<PersonId>,
    pub from: Option<i64>,
    pub until: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// One result. `snippet` is plain text where the matched terms are wrapped
/// in U+0001 … U+0002 (characters no stored text contains), so the caller
/// can escape it and then mark the terms.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct SearchHit {
    /// The search document's own id.
    #[serde(skip)]
    pub doc_id: i64,
    pub kind: DocumentKind,
    pub ref_id: i64,
    pub thread_id: Option<ThreadId>,
    pub community_id: Option<CommunityId>,
    pub community_slug: Option<String>,
    pub community_name: Option<String>,
    pub author_id: Option<PersonId>,
    pub author_name: Option<String>,
    pub title: String,
    pub snippet: String,
    pub at: i64,
}
direct_row!(SearchHit:
    doc_id, kind, ref_id, thread_id, community_id, community_slug, community_name, author_id,
    author_name, title, snippet, at
);

/// The rows of a page in the order the page was ranked.
fn in_page_order(mut rows: Vec<SearchHit>, page: &[i64]) -> Vec<SearchHit> {
    let mut out = Vec::with_capacity(page.len());
    for id in page {
        if let Some(i) = rows.iter().position(|h| h.doc_id == *id) {
            out.push(rows.swap_remove(i));
        }
    }
    out
}

fn stem_of(term: &str) -> String {
    let n = term.chars().count();
    let keep = if n > 5 { n - 3 } else { n };
    term.chars().take(keep).collect()
}

/// About `words` words of `text` around the first word that starts with
/// one of the terms' stems, each such word wrapped in U+0001 … U+0002, with
/// "…" where text was cut.
pub fn snippet(text: &str, terms: &[String], words: usize) -> String {
    let stems: Vec<String> = terms.iter().map(|t| stem_of(t)).collect();
    let all: Vec<&str> = text.split_whitespace().collect();
    let hits = |w: &str| {
        let lower = w.to_lowercase();
        let core = lower.trim_start_matches(|c: char| !c.is_alphanumeric());
        stems.iter().any(|s| core.starts_with(s.as_str()))
    };
    let first = all.iter().position(|w| hits(w)).unwrap_or(0);
    let start = first.saturating_sub(words / 3);
    let end = (start + words).min(all.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    for (i, w) in all[start..end].iter().enumerate() {
        if i > 0 || start > 0 {
            out.push(' ');
        }
        if hits(w) {
            out.push('\u{1}');
            out.push_str(w);
            out.push('\u{2}');
        } else {
            out.push_str(w);
        }
    }
    if end < all.len() {
        out.push_str(" …");
    }
    out
}

/// The most matches a search ranks: relevance among the most recent 500
/// matches, so that a very common word stays fast; the count says "more
/// than" beyond it. (1,000 doubled PostgreSQL's median time: a common word
/// then needs one more, twice as wide, window of the index.) Readers page
/// 20 at a time; a word with more matches than this is better narrowed.
pub const RANK_WINDOW: i64 = 500;

/// The most matches expertise location weighs as evidence (unranked, so
/// it can afford more).
pub const EVIDENCE_WINDOW: i64 = 1_000;

/// How many of the query's terms appear in a title: the relevance signal,
/// the same on both databases. FTS5's own bm25 needs each term's document
/// count, which it gets by reading the term's whole posting list on every
/// query — seconds for a common word over millions of posts; PostgreSQL's
/// `ts_rank` over every match of a window cost a quarter of the query. A
/// title that names the terms is what a reader means by "about it"; the
/// rest is ordered by recency. Terms are compared by their first letters (at most 3 fewer than
/// the term) so that "rebalanced" matches a title saying "rebalancing".
pub fn title_hits(title: &str, terms: &[String]) -> usize {
    let title = title.to_lowercase();
    terms.iter().filter(|t| title.contains(&stem_of(t))).count()
}

/// Ranks candidates (id, at, title) by [`title_hits`], then recency; the
/// number of candidates and the ids of the page `q` asks for.
fn rank_page(candidates: Vec<(i64, i64, String)>, q: &SearchQuery) -> (i64, Vec<i64>) {
    let total = candidates.len() as i64;
    let mut ranked: Vec<(usize, i64, i64)> = candidates
        .into_iter()
        .map(|(id, at, title)| (title_hits(&title, &q.terms), at, id))
        .collect();
    ranked.sort_by(|a, b| b.cmp(a));
    let page = ranked
        .iter()
        .skip(usize::try_from(q.offset).unwrap_or(0))
        .take(usize::try_from(q.limit).unwrap_or(0))
        .map(|r| r.2)
        .collect();
    (total, page)
}

/// Appends the reader's permission filter over `d` (a search document)
/// joined to its community `c`: people are public inside the
/// organization; communities follow `can_see_community`; their content
/// follows `can_read_content`.
fn push_permitted(qb: &mut impl Fragments, viewer: PersonId) {
    qb.text("(d.kind = 'person' OR (d.kind = 'community' AND ");
    crate::sql::push_visible_to(qb, viewer);
    qb.text(") OR (d.kind IN ('thread', 'reply', 'resource') AND ");
    crate::activity::push_readable_by(qb, viewer);
    qb.text("))");
}

fn push_filters(qb: &mut impl Fragments, q: &SearchQuery) {
    if !q.kinds.is_empty() {
        qb.text(" AND d.kind IN (");
        for (i, k) in q.kinds.iter().enumerate() {
            if i > 0 {
                qb.text(", ");
            }
            qb.word(k.as_str());
        }
        qb.text(")");
    }
    if let Some(c) = q.community {
        qb.text(" AND d.community_id = ").int(c.0);
    }
    if let Some(d) = q.domain {
        qb.text(
            " AND d.community_id IN (SELECT community_id FROM community_domains WHERE domain_id = ",
        )
        .int(d.0)
        .text(")");
    }
    if let Some(a) = q.author {
        qb.text(" AND d.author_id = ").int(a.0);
    }
    if let Some(f) = q.from {
        qb.text(" AND d.at >= ").int(f);
    }
    if let Some(u) = q.until {
        qb.text(" AND d.at < ").int(u);
    }
}

/// `"word1" "word2"` for FTS5: each term a quoted string (quotes doubled),
/// all required.
fn fts5_query(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The most recent `want` matches the reader may see (SQLite), selecting
/// `columns`.
fn sqlite_candidates(
    qb: &mut Sql,
    viewer: PersonId,
    q: &SearchQuery,
    (fts, want): (&str, i64),
    columns: &str,
) {
    qb.push("SELECT ")
        .push(columns)
        .push(
            " FROM search_index JOIN search_documents d ON d.id = search_index.rowid \
             LEFT JOIN communities c ON c.id = d.community_id WHERE search_index MATCH ",
        )
        .bind(fts)
        .push(" AND ");
    push_permitted(qb, viewer);
    push_filters(qb, q);
    qb.push(" ORDER BY search_index.rowid DESC LIMIT ")
        .bind(want);
}

/// Documents per `search_terms` partition (migration 0008, which must say
/// the same): the first PostgreSQL search window.
const PG_WINDOW: i64 = 32_768;

/// The most recent `want` matches the reader may see (PostgreSQL): for
/// `ranking`, (id, at), else the columns of [`Match`]. PostgreSQL's GIN
/// index yields matches in no order, so the newest ids are searched first,
/// one window of ids at a time, each window twice as wide as the one
/// before, until enough matches are found or no older document is left: a
/// common word is answered from the newest partitions, a rare one in a few
/// round trips over all of them.
async fn pg_candidates<T>(
    conn: &mut sqlx::PgConnection,
    viewer: PersonId,
    q: &SearchQuery,
    (text, want): (&str, i64),
    ranking: bool,
) -> crate::Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let newest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM search_documents")
        .fetch_one(&mut *conn)
        .await?;
    let mut found: Vec<T> = Vec::new();
    // Windows end on partition boundaries: a window that cut a partition
    // would still read all of that partition's matches.
    let mut below = (newest / PG_WINDOW + 1) * PG_WINDOW;
    let mut width = PG_WINDOW;
    while below > 0 && (found.len() as i64) < want {
        let from = (below - width).max(0);
        let mut qb = sqlx::QueryBuilder::new("SELECT ");
        if ranking {
            qb.push("d.doc_id, d.at");
        } else {
            qb.push("d.kind, d.ref_id, d.thread_id, d.author_id");
        }
        qb.push(
            " FROM search_terms d LEFT JOIN communities c ON c.id = d.community_id \
             WHERE d.doc_id >= ",
        )
        .push_bind(from)
        .push(" AND d.doc_id < ")
        .push_bind(below)
        .push(" AND d.tsv @@ plainto_tsquery('english', ")
        .push_bind(text.to_owned())
        .push(") AND ");
        push_permitted(&mut qb, viewer);
        push_filters(&mut qb, q);
        qb.push(" ORDER BY d.doc_id DESC LIMIT ")
            .push_bind(want - found.len() as i64);
        // Planned afresh with its values each time: a cached generic plan
        // cannot skip the partitions outside the window, and misjudges how
        // common the words are (seconds instead of milliseconds).
        let rows = qb
            .build_query_as::<T>()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await?;
        // Twice as wide, never more: the planner may walk a wide window's
        // partitions row by row when it misjudges a rare word (seconds).
        width = width.saturating_mul(2);
        found.extend(rows);
        below = from;
    }
    Ok(found)
}

/// A search match reduced to what expertise location needs.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Match {
    pub kind: DocumentKind,
    pub ref_id: i64,
    pub thread_id: Option<ThreadId>,
    pub author_id: Option<PersonId>,
}
direct_row!(Match: kind, ref_id, thread_id, author_id);

const HIT_COLUMNS: &str = "d.id AS doc_id, d.kind, d.ref_id, d.thread_id, d.community_id, c.slug AS community_slug, \
     c.name AS community_name, d.author_id, p.name AS author_name, d.title, ";

impl crate::Store {
    /// Searches what the reader may see; returns a page of hits, ranked by
    /// relevance then recency, and the number of matches (capped at
    /// [`RANK_WINDOW`]).
    pub async fn search(
        &self,
        viewer: PersonId,
        q: &SearchQuery,
    ) -> crate::Result<crate::Page<SearchHit>> {
        if q.terms.is_empty() {
            return Ok(crate::Page {
                items: Vec::new(),
                total: 0,
            });
        }
        match self.backend() {
            crate::Backend::Sqlite(_) => {
                let m = fts5_query(&q.terms);
                // The most recent candidates once (FTS5 walks its posting
                // lists from the newest), ranked here; then the page's rows
                // and each one's snippet (FTS5 finds a rowid cheaply).
                // Kept: the same search by the same reader is answered again
                // from memory until the next write.
                let mut qb = Sql::new("").kept();
                sqlite_candidates(&mut qb, viewer, q, (&m, RANK_WINDOW), "d.id, d.at, d.title");
                let candidates: Vec<(i64, i64, String)> = qb.all(self).await?;
                let (total, page) = rank_page(candidates, q);
                // The page's rows with their text; snippets are cut here
                // (asking FTS5 for each one re-opens the whole match).
                let mut items = Vec::new();
                if !page.is_empty() {
                    let mut qb = Sql::new("SELECT ");
                    qb.push(HIT_COLUMNS).push(
                        "d.body AS snippet, d.at FROM search_documents d \
                         LEFT JOIN communities c ON c.id = d.community_id \
                         LEFT JOIN people p ON p.id = d.author_id WHERE d.id IN (",
                    );
                    qb.ints(page.iter().copied()).push(")");
                    let rows: Vec<SearchHit> = qb.all(self).await?;
                    items = in_page_order(rows, &page);
                    for hit in &mut items {
                        hit.snippet = snippet(&hit.snippet, &q.terms, 24);
                    }
                }
                Ok(crate::Page { items, total })
            }
            crate::Backend::Postgres(pool) => {
                let text = q.terms.join(" ");
                // The candidates, then their titles (read for these few
                // rather than for every match in a window), ranked as on
                // SQLite; then the page's rows with their headlines. One
                // connection serves it all: each acquisition from the pool
                // costs a round trip.
                let mut conn = pool.acquire().await?;
                let found: Vec<(i64, i64)> =
                    pg_candidates(&mut conn, viewer, q, (&text, RANK_WINDOW), true).await?;
                let ids: Vec<i64> = found.iter().map(|c| c.0).collect();
                let titles: std::collections::HashMap<i64, String> =
                    sqlx::query_as("SELECT id, title FROM search_documents WHERE id = ANY($1)")
                        .bind(&ids)
                        .fetch_all(&mut *conn)
                        .await?
                        .into_iter()
                        .collect();
                let candidates = found
                    .into_iter()
                    .map(|(id, at)| (id, at, titles.get(&id).cloned().unwrap_or_default()))
                    .collect();
                let (total, page) = rank_page(candidates, q);
                let mut items = Vec::new();
                if !page.is_empty() {
                    let mut qb = sqlx::QueryBuilder::new("SELECT ");
                    qb.push(HIT_COLUMNS)
                        .push("ts_headline('english', d.body, plainto_tsquery('english', ")
                        .push_bind(text.clone())
                        .push(
                            "), 'StartSel=\u{1}, StopSel=\u{2}, MaxWords=30, MinWords=12, MaxFragments=1, FragmentDelimiter=…') AS snippet, d.at \
                             FROM search_documents d LEFT JOIN communities c ON c.id = d.community_id \
                             LEFT JOIN people p ON p.id = d.author_id WHERE d.id IN (",
                        );
                    let mut sep = qb.separated(", ");
                    for id in &page {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    let rows: Vec<SearchHit> = qb.build_query_as().fetch_all(&mut *conn).await?;
                    items = in_page_order(rows, &page);
                }
                Ok(crate::Page { items, total })
            }
        }
    }

    /// The most recent [`EVIDENCE_WINDOW`] matches the reader may see,
    /// without ranking.
    pub async fn search_matches(
        &self,
        viewer: PersonId,
        q: &SearchQuery,
    ) -> crate::Result<Vec<Match>> {
        if q.terms.is_empty() {
            return Ok(Vec::new());
        }
        Ok(match self.backend() {
            crate::Backend::Sqlite(_) => {
                let mut qb = Sql::new("");
                sqlite_candidates(
                    &mut qb,
                    viewer,
                    q,
                    (&fts5_query(&q.terms), EVIDENCE_WINDOW),
                    "d.kind, d.ref_id, d.thread_id, d.author_id",
                );
                qb.all::<Match>(self).await?
            }
            crate::Backend::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                pg_candidates::<Match>(
                    &mut conn,
                    viewer,
                    q,
                    (&q.terms.join(" "), EVIDENCE_WINDOW),
                    false,
                )
                .await?
            }
        })
    }

    /// Who solved which of these help requests: (helper, thread, title).
    pub async fn solvers_of(
        &self,
        threads: &[ThreadId],
    ) -> crate::Result<Vec<(PersonId, ThreadId, String)>> {
        if threads.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = Sql::new(
            "SELECT s.helper_id, s.thread_id, t.title FROM help_solutions s JOIN threads t ON t.id = s.thread_id \
                 WHERE t.deleted_at IS NULL AND s.thread_id IN (",
        );
        qb.ints(threads.iter().map(|x| x.0)).push(")");
        qb.all::<(PersonId, ThreadId, String)>(self).await
    }

    /// Authors of the live replies in these threads: (author, replies).
    pub async fn repliers_in(&self, threads: &[ThreadId]) -> crate::Result<Vec<(PersonId, i64)>> {
        if threads.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = Sql::new(
            "SELECT author_id, COUNT(*) FROM replies WHERE deleted_at IS NULL AND thread_id IN (",
        );
        qb.ints(threads.iter().map(|x| x.0))
            .push(") GROUP BY author_id");
        qb.all::<(PersonId, i64)>(self).await
    }

    /// Who wrote which revisions of these resources: (author, resource,
    /// title, revision number).
    pub async fn revisers_of(
        &self,
        resources: &[ResourceId],
    ) -> crate::Result<Vec<(PersonId, ResourceId, String, i64)>> {
        if resources.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = Sql::new(
            "SELECT v.author_id, v.resource_id, r.title, v.number FROM resource_revisions v \
                 JOIN resources r ON r.id = v.resource_id WHERE v.author_id IS NOT NULL AND v.resource_id IN (",
        );
        qb.ints(resources.iter().map(|x| x.0)).push(")");
        qb.all::<(PersonId, ResourceId, String, i64)>(self).await
    }

    /// Name, unit and declared expertise of these people.
    pub async fn people_brief(
        &self,
        ids: &[PersonId],
    ) -> crate::Result<Vec<(PersonId, String, Option<String>, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = Sql::new(
            "SELECT p.id, p.name, u.name, p.expertise FROM people p LEFT JOIN units u ON u.id = p.unit_id WHERE p.id IN (",
        );
        qb.ints(ids.iter().map(|x| x.0)).push(")");
        qb.all::<(PersonId, String, Option<String>, String)>(self)
            .await
    }

    /// Writes the search documents of every person and community (after a
    /// bulk load, which bypasses the per-row upkeep).
    pub async fn index_people_and_communities(&self) -> crate::Result<()> {
        crate::write_tx!(self, |tx| {
            for what in [PEOPLE_DOCS, COMMUNITY_DOCS] {
                let mut qb = sqlx::QueryBuilder::new(what);
                qb.push("WHERE true").push(UPSERT);
                qb.build().execute(&mut *tx).await?;
            }
        });
        Ok(())
    }

    /// Recounts every thread's replies and latest activity (after a bulk
    /// load of replies).
    pub async fn recount_threads(&self) -> crate::Result<()> {
        crate::with_writer!(self, |pool| {
            sqlx::query(
                "UPDATE threads SET reply_count = (SELECT COUNT(*) FROM replies r WHERE r.thread_id = threads.id AND r.deleted_at IS NULL), \
                 last_activity_at = COALESCE((SELECT MAX(r.created_at) FROM replies r WHERE r.thread_id = threads.id), created_at)",
            )
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::title_hits;

    #[test]
    fn titles_count_the_terms_they_name() {
        let terms = vec![
            "rebalanced".to_owned(),
            "kafka".to_owned(),
            "zebra".to_owned(),
        ];
        assert_eq!(title_hits("Kafka partitions rebalancing", &terms), 2);
        assert_eq!(title_hits("Nothing here", &terms), 0);
    }

    #[test]
    fn snippets_mark_the_terms_around_the_first_match() {
        let terms = vec!["rebalanced".to_owned()];
        let s = super::snippet("one two three Rebalancing four five six", &terms, 4);
        assert_eq!(s, "… three \u{1}Rebalancing\u{2} four five …");
        assert_eq!(super::snippet("no match here", &terms, 10), "no match here");
    }
}
