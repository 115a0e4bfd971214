//! Knowledge resources: revisions on a base revision, history and diffs,
//! validation, endorsement by the core group one step at a time, privacy,
//! and the activity events each change leaves.

use crate::harness::{TestApp, Who};
use axum::http::{Method, StatusCode};
use serde_json::json;

/// An open community with a coordinator, a core member and a member.
async fn guild(t: &TestApp) -> (Who, Who, Who) {
    let coord = t.user("Res Coord", "member").await;
    let core = t.user("Res Core", "member").await;
    let member = t.user("Res Member", "member").await;
    let made = t
        .api_post(
            "/api/v1/communities",
            &coord,
            json!({"name": "Knowledge Keepers", "visibility": "open", "membership_policy": "open"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    for who in [&core, &member] {
        t.api_post("/api/v1/communities/knowledge-keepers/join", who, json!({}))
            .await;
    }
    let role = t
        .api(
            Method::PUT,
            &format!(
                "/api/v1/communities/knowledge-keepers/members/{}",
                core.id.0
            ),
            Some(&coord),
            Some(json!({"role": "core"})),
        )
        .await;
    assert_eq!(role.status, StatusCode::NO_CONTENT);
    (coord, core, member)
}

/// The resource.* rows of the activity log as (kind, actor, subject).
async fn resource_events(t: &TestApp) -> Vec<(String, i64, Option<i64>)> {
    t.app
        .store()
        .activity_after(guildhall_domain::ActivityId(0), 1000)
        .await
        .expect("log")
        .into_iter()
        .filter(|r| r.kind.as_str().starts_with("resource."))
        .map(|r| (r.kind.as_str().to_owned(), r.actor_id.0, r.subject_id))
        .collect()
}

#[tokio::test]
async fn create_revise_history_and_diff() {
    let t = TestApp::new().await;
    let (coord, _core, member) = guild(&t).await;

    // Created through the page form, as a browser without JavaScript would.
    let created = t
        .post_form(
            "/communities/knowledge-keepers/resources/new",
            Some(&member),
            &[
                ("kind", "lesson"),
                ("title", "Backups we never tested"),
                (
                    "body",
                    "# What happened\n\nThe restore failed.\nNobody had tried it.\n",
                ),
                ("summary", "first draft"),
                ("tags", "Ops, backups"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.location().expect("redirect").to_owned();
    let id: i64 = location
        .trim_start_matches("/resources/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("resource id");

    let page = t.get(&location, Some(&member)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<h1>What happened</h1>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Status: Draft") && page.body.contains("1 revision"));
    assert!(
        !page.body.contains("Endorse"),
        "plain members see no endorsement buttons"
    );

    // Revised through the form, then through the API.
    let edit = t.get(&format!("/resources/{id}/edit"), Some(&coord)).await;
    assert!(edit.body.contains("name=\"base_revision\" value=\"1\""));
    let v2 = t
        .post_form(
            &format!("/resources/{id}/edit"),
            Some(&coord),
            &[
                ("base_revision", "1"),
                ("title", "Backups we never tested"),
                (
                    "body",
                    "# What happened\n\nThe restore failed.\nNobody had tried it since March.\n",
                ),
                ("summary", "when"),
            ],
        )
        .await;
    assert_eq!(v2.status, StatusCode::SEE_OTHER, "{}", v2.body);
    let v3 = t
        .api_post(
            &format!("/api/v1/resources/{id}/revisions"),
            &member,
            json!({"title": "Test your restores", "body": "# What happened\n\nThe restore failed.\nNobody had tried it since March.\n\n# Lesson\n\nRestore monthly.\n", "summary": "the lesson", "base_revision": 2}),
        )
        .await;
    assert_eq!(v3.status, StatusCode::CREATED, "{}", v3.body);
    let v3 = v3.json();
    assert_eq!(v3["revision"], 3);
    assert_eq!(v3["title"], "Test your restores");
    assert_eq!(v3["tags"], json!(["ops", "backups"]));

    let history = t
        .api(
            Method::GET,
            &format!("/api/v1/resources/{id}/revisions"),
            Some(&coord),
            None,
        )
        .await
        .json();
    let numbers: Vec<i64> = history["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .filter_map(|r| r["number"].as_i64())
        .collect();
    assert_eq!(numbers, [3, 2, 1]);
    assert_eq!(history["revisions"][0]["summary"], "the lesson");
    let history_page = t
        .get(&format!("/resources/{id}/history"), Some(&coord))
        .await;
    assert!(history_page.body.contains("Revision 3") && history_page.body.contains("when"));

    let diff = t
        .api(
            Method::GET,
            &format!("/api/v1/resources/{id}/diff?from=1&to=3"),
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(diff.status, StatusCode::OK, "{}", diff.body);
    let d = diff.json();
    assert_eq!(d["title"]["from"], "Backups we never tested");
    assert_eq!(d["title"]["to"], "Test your restores");
    let removed: Vec<&str> = d["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter(|l| l["change"] == "removed")
        .filter_map(|l| l["text"].as_str())
        .collect();
    assert_eq!(removed, ["Nobody had tried it."]);
    assert!(d["added"].as_i64().is_some_and(|n| n >= 4));

    let diff_page = t
        .get(&format!("/resources/{id}/diff?from=1&to=2"), Some(&member))
        .await;
    assert_eq!(diff_page.status, StatusCode::OK);
    assert!(
        diff_page.body.contains("<del>Nobody had tried it.</del>")
            && diff_page
                .body
                .contains("<ins>Nobody had tried it since March.</ins>"),
        "{}",
        diff_page.body
    );
    assert!(diff_page.body.contains('−') && diff_page.body.contains('+'));
    assert_eq!(
        t.get(&format!("/resources/{id}/diff?from=1&to=9"), Some(&member))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The list shows it, filtered by kind and status.
    let list = t
        .get(
            "/communities/knowledge-keepers/resources?kind=lesson",
            Some(&member),
        )
        .await;
    assert!(list.body.contains("Test your restores"));
    let none = t
        .get(
            "/communities/knowledge-keepers/resources?kind=tool",
            Some(&member),
        )
        .await;
    assert!(!none.body.contains("Test your restores"));
    let api_list = t
        .api(
            Method::GET,
            "/api/v1/communities/knowledge-keepers/resources?status=draft",
            Some(&member),
            None,
        )
        .await
        .json();
    assert_eq!(api_list["total"], 1);
    let bad_filter = t
        .api(
            Method::GET,
            "/api/v1/communities/knowledge-keepers/resources?kind=novel",
            Some(&member),
            None,
        )
        .await;
    assert_eq!(bad_filter.status, StatusCode::UNPROCESSABLE_ENTITY);

    let community = t.get("/communities/knowledge-keepers", Some(&member)).await;
    assert!(
        community
            .body
            .contains("/communities/knowledge-keepers/resources")
    );

    assert_eq!(
        resource_events(&t).await,
        [
            ("resource.created".into(), member.id.0, Some(id)),
            ("resource.revised".into(), coord.id.0, Some(id)),
            ("resource.revised".into(), member.id.0, Some(id)),
        ]
    );
}

#[tokio::test]
async fn stale_revision_is_refused_and_nothing_is_written() {
    let t = TestApp::new().await;
    let (coord, _core, member) = guild(&t).await;
    let made = t
        .api_post(
            "/api/v1/communities/knowledge-keepers/resources",
            &coord,
            json!({"kind": "process", "title": "Onboarding", "body": "Step one."}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let id = made.json()["id"].as_i64().expect("id");
    let first = t
        .api_post(
            &format!("/api/v1/resources/{id}/revisions"),
            &coord,
            json!({"title": "Onboarding", "body": "Step one.\nStep two.", "base_revision": 1}),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let events_before = resource_events(&t).await;

    let stale = t
        .api_post(
            &format!("/api/v1/resources/{id}/revisions"),
            &member,
            json!({"title": "Onboarding", "body": "My stale edit", "base_revision": 1}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(stale.json()["error"]["code"], "conflict");
    assert!(
        stale
            .body
            .contains("someone revised this resource since you opened it")
    );

    // The page keeps what was typed.
    let stale_form = t
        .post_form(
            &format!("/resources/{id}/edit"),
            Some(&member),
            &[
                ("base_revision", "1"),
                ("title", "Onboarding"),
                ("body", "My stale form edit"),
            ],
        )
        .await;
    assert_eq!(stale_form.status, StatusCode::CONFLICT);
    assert!(stale_form.body.contains("your text is kept below"));
    assert!(stale_form.body.contains("My stale form edit"));

    let current = t
        .api(
            Method::GET,
            &format!("/api/v1/resources/{id}"),
            Some(&member),
            None,
        )
        .await
        .json();
    assert_eq!(current["revision"], 2);
    assert_eq!(current["body"], "Step one.\nStep two.");
    let revisions = t
        .app
        .store()
        .resource_revisions(guildhall_domain::ResourceId(id))
        .await
        .expect("history");
    assert_eq!(revisions.len(), 2);
    assert_eq!(
        resource_events(&t).await,
        events_before,
        "no event for a refused save"
    );
}

#[tokio::test]
async fn empty_and_oversized_texts_are_refused_with_the_limit() {
    let t = TestApp::new().await;
    let (coord, _core, _member) = guild(&t).await;
    let empty = t
        .api_post(
            "/api/v1/communities/knowledge-keepers/resources",
            &coord,
            json!({"kind": "document", "title": "  ", "body": ""}),
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = empty.json()["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str().map(str::to_owned))
        .collect();
    assert!(fields.contains(&"title".into()) && fields.contains(&"body".into()));

    let huge = "x".repeat(50_001);
    let oversized = t
        .api_post(
            "/api/v1/communities/knowledge-keepers/resources",
            &coord,
            json!({"kind": "document", "title": "Big", "body": huge}),
        )
        .await;
    assert_eq!(
        oversized.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        oversized.body
    );
    assert!(
        oversized.body.contains("at most 50000 characters"),
        "{}",
        oversized.body
    );

    let bad_kind = t
        .api_post(
            "/api/v1/communities/knowledge-keepers/resources",
            &coord,
            json!({"kind": "novel", "title": "A", "body": "b"}),
        )
        .await;
    assert_eq!(bad_kind.status, StatusCode::UNPROCESSABLE_ENTITY);

    let form = t
        .post_form(
            "/communities/knowledge-keepers/resources/new",
            Some(&coord),
            &[("kind", "document"), ("title", ""), ("body", "kept text")],
        )
        .await;
    assert_eq!(form.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(form.body.contains("is required") && form.body.contains("kept text"));
    assert!(resource_events(&t).await.is_empty());
}

#[tokio::test]
async fn endorsement_is_for_the_core_group_one_step_at_a_time() {
    let t = TestApp::new().await;
    let (coord, core, member) = guild(&t).await;
    let id = t
        .api_post(
            "/api/v1/communities/knowledge-keepers/resources",
            &member,
            json!({"kind": "standard", "title": "Code review", "body": "Two approvals."}),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("id");
    let status = |who: &Who, to: &str| {
        let (who, to) = (who.clone(), to.to_owned());
        let t = &t;
        async move {
            t.api_post(
                &format!("/api/v1/resources/{id}/status"),
                &who,
                json!({"status": to}),
            )
            .await
        }
    };

    let by_member = status(&member, "endorsed").await;
    assert_eq!(
        by_member.status,
        StatusCode::FORBIDDEN,
        "{}",
        by_member.body
    );
    let skip = status(&core, "standard").await;
    assert_eq!(
        skip.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        skip.body
    );
    assert!(skip.body.contains("one step at a time"));
    let bad = status(&core, "gold").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let page = t.get(&format!("/resources/{id}"), Some(&core)).await;
    assert!(page.body.contains(">Endorse</button>"), "{}", page.body);
    let endorsed = t
        .post_form(
            &format!("/resources/{id}/status"),
            Some(&core),
            &[("to", "endorsed")],
        )
        .await;
    assert_eq!(endorsed.status, StatusCode::SEE_OTHER, "{}", endorsed.body);
    let standard = status(&coord, "standard").await;
    assert_eq!(standard.status, StatusCode::OK, "{}", standard.body);
    assert_eq!(standard.json()["status"], "standard");
    let back = status(&coord, "endorsed").await;
    assert_eq!(back.status, StatusCode::OK);

    let history = t
        .api(
            Method::GET,
            &format!("/api/v1/resources/{id}/revisions"),
            Some(&member),
            None,
        )
        .await
        .json();
    assert_eq!(history["status_changes"].as_array().map(Vec::len), Some(3));
    // Moving back down is recorded in the history, not as an endorsement.
    assert_eq!(
        resource_events(&t).await,
        [
            ("resource.created".into(), member.id.0, Some(id)),
            ("resource.endorsed".into(), core.id.0, Some(id)),
            ("resource.endorsed".into(), coord.id.0, Some(id)),
        ]
    );
}

#[tokio::test]
async fn outsiders_of_private_and_closed_communities_do_not_read_resources() {
    let t = TestApp::new().await;
    let insider = t.user("Priv Insider", "member").await;
    let outsider = t.user("Priv Outsider", "administrator").await;
    t.api_post(
        "/api/v1/communities",
        &insider,
        json!({"name": "Hidden Vault", "visibility": "private", "membership_policy": "invitation"}),
    )
    .await;
    t.api_post(
        "/api/v1/communities",
        &insider,
        json!({"name": "Closed Room", "visibility": "closed", "membership_policy": "invitation"}),
    )
    .await;
    let mut ids = Vec::new();
    for slug in ["hidden-vault", "closed-room"] {
        let made = t
            .api_post(
                &format!("/api/v1/communities/{slug}/resources"),
                &insider,
                json!({"kind": "document", "title": "Secret plan", "body": "Nobody outside reads this."}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        ids.push(made.json()["id"].as_i64().expect("id"));
    }
    for (slug, id, expected) in [
        ("hidden-vault", ids[0], StatusCode::NOT_FOUND),
        ("closed-room", ids[1], StatusCode::FORBIDDEN),
    ] {
        for path in [
            format!("/resources/{id}"),
            format!("/resources/{id}/history"),
            format!("/resources/{id}/diff?from=1&to=1"),
            format!("/resources/{id}/edit"),
            format!("/communities/{slug}/resources"),
        ] {
            let r = t.get(&path, Some(&outsider)).await;
            assert_eq!(r.status, expected, "{path}");
            assert!(!r.body.contains("Nobody outside reads this"), "{path}");
            assert!(!r.body.contains("Secret plan"), "{path}");
        }
        for path in [
            format!("/api/v1/resources/{id}"),
            format!("/api/v1/resources/{id}/revisions"),
            format!("/api/v1/resources/{id}/diff?from=1&to=1"),
            format!("/api/v1/communities/{slug}/resources"),
        ] {
            let r = t.api(Method::GET, &path, Some(&outsider), None).await;
            assert_eq!(r.status, expected, "{path}");
            assert!(!r.body.contains("Secret plan"), "{path}");
        }
        let revise = t
            .api_post(
                &format!("/api/v1/resources/{id}/revisions"),
                &outsider,
                json!({"title": "Mine", "body": "now", "base_revision": 1}),
            )
            .await;
        assert_eq!(revise.status, expected);
        let create = t
            .api_post(
                &format!("/api/v1/communities/{slug}/resources"),
                &outsider,
                json!({"kind": "document", "title": "Mine", "body": "now"}),
            )
            .await;
        assert!(
            create.status == StatusCode::NOT_FOUND || create.status == StatusCode::FORBIDDEN,
            "{}",
            create.status
        );
    }
    // Missing and malformed ids are simply not found.
    assert_eq!(
        t.get("/resources/999999", Some(&insider)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.api(Method::GET, "/api/v1/resources/abc", Some(&insider), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn openapi_lists_the_resource_routes() {
    let t = TestApp::new().await;
    let doc = t.get("/api/v1/openapi.json", None).await.json();
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/api/v1/communities/{slug}/resources",
        "/api/v1/resources/{id}",
        "/api/v1/resources/{id}/revisions",
        "/api/v1/resources/{id}/diff",
        "/api/v1/resources/{id}/status",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
}

#[tokio::test]
async fn concurrent_saves_on_one_base_keep_exactly_one() {
    let t = TestApp::new().await;
    let (coord, core, member) = guild(&t).await;
    let id = t
        .api_post(
            "/api/v1/communities/knowledge-keepers/resources",
            &coord,
            json!({"kind": "example", "title": "Race", "body": "start"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("id");
    let (a, b) = (t.session(&core).await, t.session(&member).await);
    let edit = |body: &str| guildhall_app::resources::RevisionInput {
        title: "Race".into(),
        body: body.into(),
        summary: String::new(),
        base_revision: 1,
    };
    let (ea, eb) = (edit("from core"), edit("from member"));
    let (ra, rb) = tokio::join!(
        t.app
            .revise_resource(&a, guildhall_domain::ResourceId(id), &ea),
        t.app
            .revise_resource(&b, guildhall_domain::ResourceId(id), &eb)
    );
    let won = [ra.is_ok(), rb.is_ok()];
    assert_eq!(won.iter().filter(|w| **w).count(), 1, "{ra:?} {rb:?}");
    assert!(matches!(
        ra.err().or(rb.err()),
        Some(guildhall_app::AppError::Conflict { .. })
    ));
    assert_eq!(
        t.app
            .store()
            .resource_revisions(guildhall_domain::ResourceId(id))
            .await
            .expect("history")
            .len(),
        2
    );
    let revised = resource_events(&t)
        .await
        .into_iter()
        .filter(|e| e.0 == "resource.revised")
        .count();
    assert_eq!(revised, 1);
}
