//! The search page and "who knows about…".

use super::{PageResult, fmt, query_string};
use crate::AppState;
use crate::extract::{PageCtx, PageQuery, PageUser};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use guildhall_app::AppError;
use guildhall_app::search::{Expert, SearchInput, SearchResults};
use guildhall_domain::FieldErrors;
use guildhall_domain::ids::RecordId;
use guildhall_store::SearchHit;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/search", get(search))
        .route("/experts", get(experts))
}

/// A snippet as HTML: the text escaped, the matched terms in `<mark>`.
pub fn snippet_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\u{1}' => out.push_str("<mark>"),
            '\u{2}' => out.push_str("</mark>"),
            c => out.push(c),
        }
    }
    out
}

/// Where a hit leads.
pub fn hit_link(h: &SearchHit) -> String {
    match h.kind.as_str() {
        "thread" => format!("/threads/{}", h.ref_id),
        "reply" => format!(
            "/threads/{}#reply-{}",
            h.thread_id.unwrap_or_default(),
            h.ref_id
        ),
        "resource" => format!("/resources/{}", h.ref_id),
        "person" => format!("/people/{}", h.ref_id),
        _ => format!("/communities/{}", h.community_slug.as_deref().unwrap_or("")),
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct SearchForm {
    q: String,
    kind: String,
    community: String,
    domain: String,
    author: String,
    from: String,
    to: String,
    page: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
struct SearchPage {
    ctx: PageCtx,
    form: SearchForm,
    results: Option<SearchResults>,
    errors: FieldErrors,
}

impl SearchPage {
    fn kinds(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("thread", "Threads"),
            ("reply", "Replies"),
            ("resource", "Resources"),
            ("person", "People"),
            ("community", "Communities"),
        ]
    }
    fn snippet(&self, h: &SearchHit) -> String {
        snippet_html(&h.snippet)
    }
    fn title(&self, h: &SearchHit) -> String {
        h.title.clone()
    }
    fn link(&self, h: &SearchHit) -> String {
        hit_link(h)
    }
    fn page_link(&self, page: i64) -> String {
        let f = &self.form;
        query_string(&[
            ("q", f.q.clone()),
            ("kind", f.kind.clone()),
            ("community", f.community.clone()),
            ("domain", f.domain.clone()),
            ("author", f.author.clone()),
            ("from", f.from.clone()),
            ("to", f.to.clone()),
            ("page", page.to_string()),
        ])
    }
    fn last_page(&self) -> i64 {
        self.results
            .as_ref()
            .map_or(1, |r| ((r.hits.total + r.per_page - 1) / r.per_page).max(1))
    }
}

fn opt_id<I: std::str::FromStr + RecordId>(s: &str, field: &str, e: &mut FieldErrors) -> Option<I> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    match s.parse::<I>() {
        Ok(v) if v.raw() > 0 => Some(v),
        _ => {
            e.add(field, "must be a number");
            None
        }
    }
}

async fn search(
    State(s): State<AppState>,
    p: PageUser,
    PageQuery(f): PageQuery<SearchForm>,
) -> PageResult {
    let mut errors = FieldErrors::new();
    let input = SearchInput {
        q: f.q.clone(),
        kind: f.kind.clone(),
        community: f.community.clone(),
        domain: opt_id(&f.domain, "domain", &mut errors),
        author: opt_id(&f.author, "author", &mut errors),
        from: f.from.clone(),
        to: f.to.clone(),
        page: f.page.trim().parse().ok(),
        per_page: Some(20),
    };
    let results = if !errors.is_empty() || f.q.trim().is_empty() {
        None
    } else {
        match s.app.search(&p.user, &input).await {
            Ok(r) => Some(r),
            Err(AppError::Validation(e)) => {
                errors = e;
                None
            }
            Err(other) => return Err(other.into()),
        }
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        SearchPage {
            ctx: p.ctx.with_nav("search"),
            form: f,
            results,
            errors,
        },
    )
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExpertsQuery {
    q: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "experts.html")]
struct ExpertsPage {
    ctx: PageCtx,
    q: String,
    experts: Vec<Expert>,
}

async fn experts(
    State(s): State<AppState>,
    p: PageUser,
    PageQuery(q): PageQuery<ExpertsQuery>,
) -> PageResult {
    let experts = s.app.who_knows(&p.user, &q.q).await?;
    Ok(ExpertsPage {
        ctx: p.ctx.with_nav("people"),
        q: q.q,
        experts,
    }
    .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn snippets_escape_text_and_mark_terms() {
        assert_eq!(
            super::snippet_html("a <b> \u{1}word\u{2} & \"q\""),
            "a &lt;b&gt; <mark>word</mark> &amp; &quot;q&quot;"
        );
    }
}
