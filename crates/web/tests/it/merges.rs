//! Merging two records of one person, and undoing it, on a generated
//! organization: everything moves, the pulse counts one person, the undo
//! restores exactly what was there, and only administrators may do it.

use crate::harness::{TestApp, Who};
use axum::http::{Method, StatusCode};
use guildhall_app::export::ExportFormat;
use guildhall_demo::{DemoOptions, generate};
use guildhall_domain::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

struct Org {
    t: TestApp,
    admin: Who,
    member: Who,
}

async fn org() -> Org {
    let t = TestApp::new().await;
    let opts = DemoOptions {
        people: 60,
        communities: 6,
        months: 3,
        seed: 11,
    };
    generate(t.app.store(), &opts, Timestamp::now().0)
        .await
        .expect("the demo generates");
    let admin = t.user("Merge Admin", "administrator").await;
    let member = t.user("Plain Member", "member").await;
    Org { t, admin, member }
}

async fn references(t: &TestApp, person: i64) -> BTreeMap<String, i64> {
    t.app
        .store()
        .person_references(guildhall_domain::PersonId(person))
        .await
        .expect("references")
        .into_iter()
        .collect()
}

async fn activity_export(t: &TestApp) -> String {
    let mut out = Vec::new();
    t.app
        .export_activity(ExportFormat::Csv, &mut out)
        .await
        .expect("export");
    String::from_utf8(out).expect("utf-8")
}

async fn memberships(t: &TestApp, person: i64) -> BTreeSet<(i64, String, i64)> {
    let mut out = BTreeSet::new();
    for c in t.app.store().all_communities().await.expect("communities") {
        for m in t.app.store().members(c.id).await.expect("members") {
            if m.person_id == guildhall_domain::PersonId(person) {
                out.insert((c.id.0, m.role.to_string(), m.joined_at));
            }
        }
    }
    out
}

async fn pulse_members(t: &TestApp, who: &Who, slug: &str) -> i64 {
    let r = t
        .get(&format!("/api/v1/communities/{slug}/pulse"), Some(who))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["members"].as_i64().expect("members is a number")
}

/// Whether a people search for the person's name finds them.
async fn finds_person(t: &TestApp, who: &Who, person: i64) -> bool {
    let name = t
        .app
        .store()
        .person(guildhall_domain::PersonId(person))
        .await
        .expect("person")
        .name;
    let q: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let r = t
        .get(
            &format!("/api/v1/search?q={q}&kind=person&per_page=50"),
            Some(who),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["items"]
        .as_array()
        .is_some_and(|items| items.iter().any(|i| i["id"].as_i64() == Some(person)))
}

/// Two demo people without accounts who share a community, the absorbed
/// one being the more active.
async fn pair(t: &TestApp) -> (i64, i64, String) {
    let mut best: Option<(i64, i64, i64, String)> = None;
    for c in t.app.store().all_communities().await.expect("communities") {
        let members = t.app.store().members(c.id).await.expect("members");
        let mut ranked = Vec::new();
        for m in &members {
            let facts = t.app.store().merge_facts(m.person_id).await.expect("facts");
            if facts.has_account {
                continue;
            }
            let refs = references(t, m.person_id.0).await;
            ranked.push((refs["activity.actor_id"], m.person_id));
        }
        ranked.sort_unstable_by(|a, b| b.cmp(a));
        if let [(a_n, a), (_, b), ..] = ranked[..]
            && best.as_ref().is_none_or(|x| a_n > x.0)
        {
            best = Some((a_n, b.0, a.0, c.slug.clone()));
        }
    }
    let (_, kept, absorbed, slug) = best.expect("two members without accounts share a community");
    (kept, absorbed, slug)
}

#[tokio::test]
async fn a_merge_moves_everything_and_its_undo_restores_it_exactly() {
    let Org { t, admin, member } = org().await;
    let (kept, absorbed, slug) = pair(&t).await;
    let absorbed_email = t
        .app
        .store()
        .person(guildhall_domain::PersonId(absorbed))
        .await
        .expect("person")
        .email;

    let kept_before = references(&t, kept).await;
    let absorbed_before = references(&t, absorbed).await;
    let export_before = activity_export(&t).await;
    let kept_groups = memberships(&t, kept).await;
    let absorbed_groups = memberships(&t, absorbed).await;
    let members_before = pulse_members(&t, &admin, &slug).await;
    let people_before = t.app.store().count_people().await.expect("count");
    assert!(absorbed_before["activity.actor_id"] > 0);
    assert!(absorbed_before["memberships.person_id"] > 0);

    // An outsider to administration may not merge, by page or API.
    let r = t
        .post_form(
            "/admin/merges",
            Some(&member),
            &[
                ("keep", &kept.to_string()),
                ("absorb", &absorbed.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .api_post(
            "/api/v1/people/merges",
            &member,
            serde_json::json!({"keep": kept.to_string(), "absorb": absorbed.to_string()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.get("/admin/merges", Some(&member)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.get("/admin/audit", Some(&member)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        references(&t, absorbed).await,
        absorbed_before,
        "nothing moved"
    );

    // The administrator merges by id and email through the page.
    let r = t
        .post_form(
            "/admin/merges",
            Some(&admin),
            &[
                ("keep", &format!("#{kept}")),
                ("absorb", &absorbed_email),
                ("reason", "same person, two archives"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let kept_after = references(&t, kept).await;
    let absorbed_after = references(&t, absorbed).await;
    for column in [
        "activity.actor_id",
        "activity.other_id",
        "threads.author_id",
        "replies.author_id",
        "memberships.person_id",
        "notifications.person_id",
        "search_documents.author_id",
        "event_attendance.person_id",
    ] {
        assert_eq!(
            absorbed_after[column], 0,
            "{column} still names the absorbed person"
        );
    }
    for column in [
        "activity.actor_id",
        "threads.author_id",
        "replies.author_id",
    ] {
        assert_eq!(
            kept_after[column],
            kept_before[column] + absorbed_before[column],
            "{column}"
        );
    }
    let union: BTreeSet<i64> = kept_groups
        .iter()
        .chain(&absorbed_groups)
        .map(|g| g.0)
        .collect();
    assert_eq!(kept_after["memberships.person_id"], union.len() as i64);
    assert_eq!(
        t.app.store().count_people().await.expect("count"),
        people_before - 1,
        "the absorbed record is hidden from the directory"
    );
    // The pulse (through its per-process cache) now counts one person.
    assert_eq!(pulse_members(&t, &admin, &slug).await, members_before - 1);

    assert!(
        !finds_person(&t, &admin, absorbed).await,
        "no longer found by name"
    );

    // The merge is listed, audited, and its page names the kept person.
    let merges = t.get("/api/v1/people/merges", Some(&admin)).await.json();
    let merge_id = merges[0]["id"].as_i64().expect("merge id");
    assert_eq!(merges[0]["kept_id"].as_i64(), Some(kept));
    assert!(merges[0]["rows_moved"].as_i64().unwrap_or(0) > 0);
    let audit = t
        .get("/api/v1/audit?action=person.merged", Some(&admin))
        .await
        .json();
    assert_eq!(audit.as_array().map(Vec::len), Some(1), "{audit}");
    assert_eq!(audit[0]["actor_id"].as_i64(), Some(admin.id.0));
    assert_eq!(audit[0]["detail"], "same person, two archives");
    let page = t.get(&format!("/people/{absorbed}"), Some(&admin)).await;
    assert!(
        page.body.contains("This record was merged"),
        "{}",
        page.body
    );

    // Merging again is refused with a reason; nothing changes.
    let r = t
        .api_post(
            "/api/v1/people/merges",
            &admin,
            serde_json::json!({"keep": kept.to_string(), "absorb": absorbed.to_string()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("already merged"), "{}", r.body);

    // Undo: everything is as it was.
    let r = t
        .post_form(&format!("/admin/merges/{merge_id}/undo"), Some(&admin), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(references(&t, kept).await, kept_before);
    assert_eq!(references(&t, absorbed).await, absorbed_before);
    assert_eq!(memberships(&t, kept).await, kept_groups);
    assert_eq!(memberships(&t, absorbed).await, absorbed_groups);
    assert_eq!(activity_export(&t).await, export_before);
    assert_eq!(pulse_members(&t, &admin, &slug).await, members_before);
    assert_eq!(
        t.app.store().count_people().await.expect("count"),
        people_before
    );
    assert!(
        finds_person(&t, &admin, absorbed).await,
        "found again after the undo"
    );

    // A second undo is a conflict, not a silent no-op.
    let r = t
        .api_post(
            &format!("/api/v1/people/merges/{merge_id}/undo"),
            &admin,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let audit = t.get("/api/v1/audit?action=person.", Some(&admin)).await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    let audit = audit.json();
    let actions: Vec<&str> = audit
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(actions, ["person.merge_undone", "person.merged"]);
}

#[tokio::test]
async fn bad_merges_are_refused_with_a_reason() {
    let Org { t, admin, .. } = org().await;
    let (kept, absorbed, _) = pair(&t).await;
    let cases: [(&str, String, String, &str); 4] = [
        (
            "nobody",
            "nobody@nowhere.example".into(),
            absorbed.to_string(),
            "nobody has this email",
        ),
        (
            "garbage",
            kept.to_string(),
            "'; DROP TABLE people; --".into(),
            "neither a person's id nor an email",
        ),
        ("same", kept.to_string(), kept.to_string(), "two different"),
        (
            "self",
            kept.to_string(),
            admin.id.0.to_string(),
            "your own record",
        ),
    ];
    let before = references(&t, absorbed).await;
    for (name, keep, absorb, message) in cases {
        let r = t
            .api_post(
                "/api/v1/people/merges",
                &admin,
                serde_json::json!({"keep": keep, "absorb": absorb}),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            r.body
        );
        assert!(r.body.contains(message), "{name}: {}", r.body);
    }
    // An account is never merged away into a record that cannot sign in.
    let other = t.user("Second Admin", "administrator").await;
    let r = t
        .api_post(
            "/api/v1/people/merges",
            &admin,
            serde_json::json!({"keep": kept.to_string(), "absorb": other.id.0.to_string()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("keep the one with the account"),
        "{}",
        r.body
    );
    // The page shows the message beside the field.
    let r = t
        .post_form(
            "/admin/merges",
            Some(&admin),
            &[("keep", "nobody@nowhere.example"), ("absorb", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("nobody has this email"), "{}", r.body);
    assert!(
        r.body.contains("name a person by email or id"),
        "{}",
        r.body
    );
    assert_eq!(references(&t, absorbed).await, before, "nothing moved");
    let r = t
        .api(
            Method::GET,
            "/api/v1/audit?from=yesterday",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        t.get("/admin/audit?from=nonsense", Some(&admin))
            .await
            .status,
        StatusCode::OK,
        "the page shows the filter's error instead of failing"
    );
}

#[tokio::test]
async fn undo_goes_newest_first_and_a_merged_person_cannot_sign_in() {
    let Org { t, admin, .. } = org().await;
    let a = t.user("Alpha Person", "member").await;
    let b = t.user("Beta Person", "member").await;
    let c = t.user("Gamma Person", "member").await;
    let merge = |keep: i64, absorb: i64| {
        let t = &t;
        let admin = &admin;
        async move {
            let r = t
                .api_post(
                    "/api/v1/people/merges",
                    admin,
                    serde_json::json!({"keep": keep.to_string(), "absorb": absorb.to_string()}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            r.json()["id"].as_i64().expect("id")
        }
    };
    let first = merge(b.id.0, a.id.0).await;
    // The absorbed person's session ended and they cannot sign in again.
    assert_eq!(
        t.get("/api/v1/me", Some(&a)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        t.app
            .sign_in(&a.email, crate::harness::PASSWORD, "")
            .await
            .is_err()
    );
    let second = merge(c.id.0, b.id.0).await;
    // Chains resolve: the first absorbed record now points at the last.
    let alpha = t.app.store().person(a.id).await.expect("person");
    assert_eq!(alpha.merged_into, Some(c.id));
    let r = t
        .api_post(
            &format!("/api/v1/people/merges/{first}/undo"),
            &admin,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("newest first"), "{}", r.body);
    for id in [second, first] {
        let r = t
            .api_post(
                &format!("/api/v1/people/merges/{id}/undo"),
                &admin,
                serde_json::json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    for who in [&a, &b] {
        assert_eq!(
            t.app.store().person(who.id).await.expect("p").merged_into,
            None
        );
        assert!(
            t.app
                .sign_in(&who.email, crate::harness::PASSWORD, "")
                .await
                .is_ok()
        );
    }
}

#[tokio::test]
async fn a_merge_that_lost_a_race_changes_nothing() {
    let Org { t, .. } = org().await;
    let (kept, absorbed, _) = pair(&t).await;
    let audit = guildhall_store::NewAudit {
        at: 1,
        action: "person.merged".into(),
        ..Default::default()
    };
    t.app
        .store()
        .merge_people(
            guildhall_domain::PersonId(kept),
            guildhall_domain::PersonId(absorbed),
            "first",
            &audit,
        )
        .await
        .expect("the first merge");
    let kept_refs = references(&t, kept).await;
    let merges = t.app.store().person_merges(10, 0).await.expect("merges");
    // The same merge again, as a second administrator's request that
    // passed its checks before the first landed: refused inside the
    // transaction, nothing written.
    let again = t
        .app
        .store()
        .merge_people(
            guildhall_domain::PersonId(kept),
            guildhall_domain::PersonId(absorbed),
            "second",
            &audit,
        )
        .await;
    assert!(
        matches!(again, Err(guildhall_store::StoreError::Conflict(_))),
        "{again:?}"
    );
    assert_eq!(references(&t, kept).await, kept_refs);
    assert_eq!(
        t.app
            .store()
            .person_merges(10, 0)
            .await
            .expect("merges")
            .len(),
        merges.len()
    );
}
