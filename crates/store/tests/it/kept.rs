//! Costly answers the store keeps (counts, member overviews, feeds) are
//! given again only until the next write: whatever is written, by this
//! store or by another connection to the same database, is seen by the
//! next read.

use crate::conformance::{community, joined, person, setup};
use guildhall_domain::{ActivityKind, NewActivity, ThreadKind, Timestamp};
use guildhall_store::{NewThread, ThreadFilter};

#[tokio::test]
async fn a_kept_answer_never_outlives_a_write() {
    let store = setup().await;
    let ada = store.create_person(&person("Ada")).await.expect("ada");
    let c = store
        .create_community(
            &community("kept", "open", "open"),
            ada,
            "created",
            &[joined(ada)],
        )
        .await
        .expect("community");
    let count = || async {
        store
            .threads(c, &ThreadFilter::default(), 30, 0)
            .await
            .expect("threads")
            .total
    };
    assert_eq!(count().await, 0);
    assert_eq!(count().await, 0, "asked twice, same answer");

    let thread = |title: &str| NewThread {
        community_id: c,
        kind: ThreadKind::Discussion,
        title: title.into(),
        body: "body".into(),
        plain: "body".into(),
        tags: String::new(),
        author_id: ada,
        at: Timestamp::now().0,
    };
    let event = NewActivity::new(Timestamp::now(), ActivityKind::ThreadDiscussion, ada, None)
        .in_community(c);
    store
        .create_thread(&thread("first"), &event, &[])
        .await
        .expect("thread");
    assert_eq!(
        count().await,
        1,
        "a write through the store is seen at once"
    );

    // A write the store did not make (another process, a hand edit).
    store
        .execute_trusted_owned(format!(
            "INSERT INTO threads (community_id, kind, title, body, tags, author_id, created_at, last_activity_at) \
             VALUES ({c}, 'discussion', 'second', 'body', '', {ada}, 1, 1)"
        ))
        .await
        .expect("hand insert");
    assert_eq!(
        count().await,
        2,
        "a write by another connection is seen at once"
    );

    let overview = store.member_overview(c, 12).await.expect("overview");
    assert_eq!(overview.first.len(), 1);
    let bea = store.create_person(&person("Bea")).await.expect("bea");
    store
        .add_member(
            c,
            bea,
            guildhall_domain::CommunityRole::Member,
            &joined(bea),
        )
        .await
        .expect("bea joins");
    let overview = store.member_overview(c, 12).await.expect("overview");
    assert_eq!(overview.first.len(), 2, "the new member is in the overview");
}
