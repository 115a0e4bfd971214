//! The pulse of every community reads a SQLite file with its own
//! connections and the `activity_pulse` index: it must hand over exactly
//! the events the pulse uses — those of the last two windows, and older
//! membership, help requests and reviews — like the pool's query does.

use crate::conformance::{community, person};
use guildhall_domain::{ActivityKind, NewActivity, Timestamp};
use guildhall_store::{OpenMode, PulseRow, Store};

const DAY: i64 = 86_400;

#[tokio::test]
async fn the_direct_reader_returns_what_the_pulse_needs() {
    let scratch = guildhall_testkit::Scratch::new("pulse-read");
    let file = scratch.join("pulse.db");
    let store = Store::open(file.to_str().expect("utf-8 path"), OpenMode::Create)
        .await
        .expect("open a file database");
    let ada = store.create_person(&person("Ada")).await.expect("ada");
    let mut communities = Vec::new();
    for slug in ["one", "two", "three"] {
        let c = store
            .create_community(&community(slug, "open", "open"), ada, "created", &[])
            .await
            .expect("community");
        communities.push(c);
    }
    let before = 2_000 * DAY;
    let full_since = before - 180 * DAY;
    // Every kind, in every community and outside any, at times before the
    // old part, inside both windows, exactly at the edges and after T.
    let mut log = Vec::new();
    let times = [
        10 * DAY,
        full_since - 1,
        full_since,
        full_since + 5,
        before - 1,
        before,
        before + DAY,
    ];
    for (i, kind) in ActivityKind::ALL.iter().enumerate() {
        for (j, at) in times.iter().enumerate() {
            let mut e = NewActivity::new(Timestamp(*at), *kind, ada, None);
            e.community = match (i + j) % 4 {
                3 => None,
                k => Some(communities[k]),
            };
            e.subject = Some((i * 10 + j) as i64);
            e.parent = (j % 2 == 0).then_some(7);
            log.push(e);
        }
    }
    store.append_activity(&log).await.expect("append");

    let key = |r: &PulseRow| (r.community_id.0, r.at, r.kind, r.subject_id, r.parent_id);
    let groups = store
        .pulse_rows_by_community(before, full_since)
        .await
        .expect("every community");
    for (community, rows) in &groups {
        assert!(rows.iter().all(|r| r.community_id == *community));
    }
    let mut direct: Vec<_> = groups.values().flatten().map(key).collect();
    direct.sort_unstable();

    let mut expected: Vec<_> = log
        .iter()
        .filter(|e| {
            e.community.is_some()
                && e.at.0 < before
                && e.kind.used_by_pulse()
                && (e.at.0 >= full_since || e.kind.matters_before_window())
        })
        .map(|e| {
            (
                e.community.map_or(0, |c| c.0),
                e.at.0,
                e.kind.code(),
                e.subject,
                e.parent,
            )
        })
        .collect();
    expected.sort_unstable();
    assert!(expected.len() > 30, "the log exercises the filter");
    assert_eq!(direct, expected);

    // The pool's per-community query agrees, once kinds the pulse ignores
    // are set aside.
    let mut pooled = Vec::new();
    for c in &communities {
        for r in store
            .pulse_rows(Some(*c), before, full_since)
            .await
            .expect("one community")
        {
            let used = ActivityKind::from_code(r.kind).is_some_and(|k| k.used_by_pulse());
            if used {
                pooled.push(key(&r));
            }
        }
    }
    pooled.sort_unstable();
    assert_eq!(pooled, expected);

    store.close().await;
}
