//! Search reads the newest documents first and stops at the ranking
//! window; on PostgreSQL that walk crosses partitions of the full-text
//! index, which triggers keep in step with `search_documents`.

use crate::conformance::{person, setup};
use guildhall_store::{Backend, EVIDENCE_WINDOW, RANK_WINDOW, SearchQuery, Store};

/// `count` person documents with consecutive ids from `first`, each
/// titled "Zebrafish husbandry N".
async fn documents(store: &Store, first: i64, count: i64) {
    let last = first + count - 1;
    store
        .execute_trusted_owned(format!(
            "WITH RECURSIVE ids(n) AS (SELECT {first} UNION ALL SELECT n + 1 FROM ids WHERE n < {last}) \
             INSERT INTO search_documents (id, kind, ref_id, title, body, at) \
             SELECT n, 'person', n, 'Zebrafish husbandry ' || n, 'tank notes and feeding', n FROM ids"
        ))
        .await
        .expect("documents");
}

/// A fresh store and a person to search as.
async fn store_and_viewer() -> (Store, guildhall_domain::PersonId) {
    let store = setup().await;
    let viewer = store
        .create_person(&person("Viewer"))
        .await
        .expect("viewer");
    (store, viewer)
}

fn query(word: &str) -> SearchQuery {
    SearchQuery {
        terms: vec![word.to_owned()],
        limit: 20,
        ..Default::default()
    }
}

#[tokio::test]
async fn the_newest_matches_are_found_across_id_ranges_and_kept_in_step() {
    let (store, viewer) = store_and_viewer().await;
    // Far apart, so that PostgreSQL's search needs several windows and the
    // triggers several new partitions; more matches than the window holds.
    documents(&store, 1_000, 500).await;
    documents(&store, 150_000, 300).await;
    documents(&store, 420_000, 300).await;

    // Expertise location weighs the newest 1,000: the 600 newest, then the
    // newest 400 of the oldest range.
    let matches = store
        .search_matches(viewer, &query("zebrafish"))
        .await
        .expect("matches");
    assert_eq!(matches.len() as i64, EVIDENCE_WINDOW);
    let mut found: Vec<i64> = matches.iter().map(|m| m.ref_id).collect();
    found.sort_unstable();
    let expected: Vec<i64> = (1_100..1_500)
        .chain(150_000..150_300)
        .chain(420_000..420_300)
        .collect();
    assert_eq!(found, expected);

    // Search ranks the newest 500.
    let page = store
        .search(viewer, &query("zebrafish"))
        .await
        .expect("search");
    assert_eq!(page.total, RANK_WINDOW);
    assert_eq!(page.items.len(), 20);
    assert_eq!(page.items[0].ref_id, 420_299, "recency breaks the tie");
    let all = store
        .search(
            viewer,
            &SearchQuery {
                limit: 1_000,
                ..query("zebrafish")
            },
        )
        .await
        .expect("all");
    let mut ranked: Vec<i64> = all.items.iter().map(|h| h.ref_id).collect();
    ranked.sort_unstable();
    let newest: Vec<i64> = (150_100..150_300).chain(420_000..420_300).collect();
    assert_eq!(ranked, newest);

    // A rare word far back is found through every window.
    store
        .execute_trusted_owned(
            "UPDATE search_documents SET body = 'an okapi visited' WHERE id = 1000".into(),
        )
        .await
        .expect("update");
    let okapi = store.search(viewer, &query("okapi")).await.expect("okapi");
    assert_eq!(okapi.total, 1);
    assert_eq!(okapi.items[0].ref_id, 1_000);
    assert!(
        okapi.items[0].snippet.contains("okapi"),
        "{}",
        okapi.items[0].snippet
    );

    // Removed documents are no longer found.
    store
        .execute_trusted_owned("DELETE FROM search_documents WHERE id >= 150000".into())
        .await
        .expect("delete");
    let rest = store
        .search_matches(viewer, &query("zebrafish"))
        .await
        .expect("rest");
    assert_eq!(rest.len(), 500);
    let okapi = store.search(viewer, &query("okapi")).await.expect("okapi");
    assert_eq!(okapi.total, 1, "a document outside the deleted range stays");
}

#[tokio::test]
async fn a_search_with_no_documents_finds_nothing() {
    let (store, viewer) = store_and_viewer().await;
    let page = store
        .search(viewer, &query("anything"))
        .await
        .expect("search");
    assert_eq!(page.total, 0);
    assert!(page.items.is_empty());
}

#[tokio::test]
async fn a_bulk_load_rebuilds_the_full_text_index_of_every_partition() {
    let (store, viewer) = store_and_viewer().await;
    let suspended = store.suspend_search_index().await.expect("suspend");
    documents(&store, 1_000, 10).await;
    documents(&store, 100_000, 10).await;
    store
        .restore_search_index(suspended)
        .await
        .expect("restore");
    let found = store
        .search_matches(viewer, &query("zebrafish"))
        .await
        .expect("matches");
    assert_eq!(found.len(), 20);
    if let Backend::Postgres(pool) = store.backend() {
        // Each partition has its own valid GIN index again, and so does the
        // parent (a rebuilt `ON ONLY` index would be empty and invalid).
        let (partitions, unindexed): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM pg_index x \
             JOIN pg_class ix ON ix.oid = x.indexrelid JOIN pg_am am ON am.oid = ix.relam \
             WHERE x.indrelid = i.inhrelid AND am.amname = 'gin' AND x.indisvalid)) \
             FROM pg_inherits i WHERE i.inhparent = 'search_terms'::regclass",
        )
        .fetch_one(pool)
        .await
        .expect("partitions");
        assert!(partitions >= 4, "{partitions} partitions");
        assert_eq!(unindexed, 0);
        let valid: bool = sqlx::query_scalar(
            "SELECT x.indisvalid FROM pg_index x JOIN pg_class ix ON ix.oid = x.indexrelid \
             WHERE ix.relname = 'search_terms_tsv' AND x.indrelid = 'search_terms'::regclass",
        )
        .fetch_one(pool)
        .await
        .expect("parent index");
        assert!(valid);
    }
    if let Backend::Sqlite(pool) = store.backend() {
        // The pass's own FTS5 settings do not outlive it, and the index
        // agrees with the documents.
        let settings: Vec<(String, i64)> =
            sqlx::query_as("SELECT k, v FROM search_index_config WHERE k <> 'version' ORDER BY k")
                .fetch_all(pool)
                .await
                .expect("settings");
        assert_eq!(
            settings,
            [
                ("automerge".to_owned(), 4),
                ("crisismerge".to_owned(), 16),
                ("hashsize".to_owned(), 1 << 20)
            ]
        );
        sqlx::query("INSERT INTO search_index (search_index) VALUES ('integrity-check')")
            .execute(pool)
            .await
            .expect("the full-text index agrees with the documents");
    }
}
