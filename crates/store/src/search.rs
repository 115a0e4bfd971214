//! The search index: one `search_documents` row per searchable thing,
//! written in the same transaction as the thing itself (SQLite keeps its
//! FTS5 table in step by triggers; PostgreSQL computes a tsvector column).

/// What a search document says about the thing it stands for.
#[derive(Clone, Debug)]
pub struct SearchDoc<'a> {
    /// thread, reply, resource, person or community
    pub kind: &'static str,
    pub ref_id: i64,
    pub community_id: Option<i64>,
    pub thread_id: Option<i64>,
    pub author_id: Option<i64>,
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
