//! A person's home feed: the newest events of the communities they belong
//! to, newest first, read per community from its index and merged.

use crate::conformance::{community, joined, person, setup};
use guildhall_domain::{ActivityKind, NewActivity, Timestamp};
use guildhall_store::FeedScope;

#[tokio::test]
async fn the_feed_merges_the_newest_events_of_each_community() {
    let store = setup().await;
    let ada = store.create_person(&person("Ada")).await.expect("ada");
    let bob = store.create_person(&person("Bob")).await.expect("bob");
    let mut communities = Vec::new();
    for (slug, founder) in [("alpha", ada), ("beta", ada), ("gamma", bob)] {
        let id = store
            .create_community(
                &community(slug, "open", "open"),
                founder,
                "created",
                &[joined(founder)],
            )
            .await
            .expect("community");
        communities.push(id);
    }
    // Interleaved events: alpha's are old, beta's recent, gamma's (Ada is
    // not a member) newest of all.
    let mut log = Vec::new();
    for i in 0..30i64 {
        for (c, base) in [
            (communities[0], 1_000),
            (communities[1], 5_000),
            (communities[2], 9_000),
        ] {
            log.push(
                NewActivity::new(
                    Timestamp(base + i * 100),
                    ActivityKind::ThreadStory,
                    bob,
                    None,
                )
                .in_community(c)
                .subject(i),
            );
        }
    }
    // Events at one instant are ordered by id.
    for _ in 0..3 {
        log.push(
            NewActivity::new(Timestamp(7_950), ActivityKind::ThreadHelp, bob, None)
                .in_community(communities[0]),
        );
    }
    store.append_activity(&log).await.expect("append");

    for limit in [1, 5, 25, 40, 200] {
        let feed = store
            .feed(ada, FeedScope::MemberOf(ada), limit)
            .await
            .expect("feed");
        // What a plain reading of every event would give.
        let mut expected: Vec<_> = store
            .activity_after(guildhall_domain::ActivityId(0), 10_000)
            .await
            .expect("log")
            .into_iter()
            .filter(|e| {
                e.community_id
                    .is_some_and(|c| c == communities[0] || c == communities[1])
            })
            .map(|e| (e.at, e.id))
            .collect();
        expected.sort_by(|a, b| b.cmp(a));
        expected.truncate(limit as usize);
        let got: Vec<_> = feed.iter().map(|f| (f.at, f.id)).collect();
        assert_eq!(got, expected, "limit {limit}");
        assert!(feed.iter().all(|f| f.community_id != Some(communities[2])));
    }
    let nobody = store.create_person(&person("Cleo")).await.expect("cleo");
    assert!(
        store
            .feed(nobody, FeedScope::MemberOf(nobody), 10)
            .await
            .expect("empty feed")
            .is_empty()
    );
}
