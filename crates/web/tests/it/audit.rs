//! The audit log records role and visibility changes, and refuses to be
//! rewritten.

use crate::harness::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn role_and_visibility_changes_are_audited() {
    let t = TestApp::new().await;
    let admin = t.user("Audit Admin", "administrator").await;
    let someone = t.user("Some One", "member").await;
    let r = t
        .api(
            Method::PATCH,
            &format!("/api/v1/people/{}", someone.id.0),
            Some(&admin),
            Some(json!({"org_role": "manager"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let c = t
        .api_post(
            "/api/v1/communities",
            &admin,
            json!({"name": "Audited", "visibility": "open", "membership_policy": "open"}),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.body);
    let r = t
        .api(
            Method::PATCH,
            "/api/v1/communities/audited",
            Some(&admin),
            Some(json!({"visibility": "closed", "membership_policy": "request"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let joined = t
        .api_post("/api/v1/communities/audited/join", &someone, json!({}))
        .await;
    assert!(joined.status.is_success(), "{}", joined.body);
    let requests = t
        .get("/api/v1/communities/audited/requests", Some(&admin))
        .await
        .json();
    if let Some(id) = requests[0]["id"].as_i64() {
        let r = t
            .api_post(
                &format!("/api/v1/communities/audited/requests/{id}"),
                &admin,
                json!({"approve": true}),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.body);
    }
    let r = t
        .api(
            Method::PUT,
            &format!("/api/v1/communities/audited/members/{}", someone.id.0),
            Some(&admin),
            Some(json!({"role": "core"})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);

    let audit = t.get("/api/v1/audit", Some(&admin)).await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    let entries = audit.json();
    let find = |action: &str| {
        entries
            .as_array()
            .and_then(|a| a.iter().find(|e| e["action"] == action).cloned())
            .unwrap_or_else(|| panic!("no {action} in {entries}"))
    };
    assert_eq!(find("person.role_changed")["detail"], "member → manager");
    // Communities are named by id: administrators read the log, and the
    // name of a private community is not theirs to know.
    assert!(!audit.body.contains("audited"), "{}", audit.body);
    assert_eq!(
        find("community.visibility_changed")["detail"],
        "open → closed"
    );
    assert_eq!(find("community.role_changed")["detail"], "member → core");
    assert_eq!(
        find("person.role_changed")["actor_id"].as_i64(),
        Some(admin.id.0)
    );

    // Append-only: the database itself refuses to change or remove entries.
    for sql in [
        "UPDATE audit_log SET action = 'nothing'",
        "DELETE FROM audit_log",
    ] {
        assert!(
            t.app.store().execute_trusted(sql).await.is_err(),
            "{sql} was allowed"
        );
    }
    let again = t.get("/api/v1/audit", Some(&admin)).await.json();
    assert_eq!(again, entries);
}
