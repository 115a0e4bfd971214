use crate::harness::TestApp;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn charter_versions_reviews_and_conflicts() {
    let t = TestApp::new().await;
    let coord = t.user("Cha Rter", "member").await;
    let member = t.user("Mem Charter", "member").await;
    t.api_post("/api/v1/communities", &coord, json!({"name": "Chartered", "visibility": "open", "membership_policy": "open", "stage": "maturing"})).await;
    t.api_post("/api/v1/communities/chartered/join", &member, json!({}))
        .await;

    let empty = t
        .post_form(
            "/communities/chartered/charter",
            Some(&coord),
            &[("base_version", "0")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("write at least one part"));
    let not_coord = t
        .post_form(
            "/communities/chartered/charter",
            Some(&member),
            &[("base_version", "0"), ("norms", "be kind")],
        )
        .await;
    assert_eq!(not_coord.status, StatusCode::FORBIDDEN);
    let review_first = t
        .post_form("/communities/chartered/charter/review", Some(&coord), &[])
        .await;
    assert_eq!(review_first.status, StatusCode::UNPROCESSABLE_ENTITY);

    let v1 = t
        .post_form(
            "/communities/chartered/charter",
            Some(&coord),
            &[
                ("base_version", "0"),
                ("domain", "Charters and how to write them"),
                ("norms", "Be kind"),
                ("note", "first draft"),
            ],
        )
        .await;
    assert_eq!(v1.status, StatusCode::SEE_OTHER, "{}", v1.body);
    let v2 = t
        .post_form(
            "/communities/chartered/charter",
            Some(&coord),
            &[
                ("base_version", "1"),
                ("domain", "Charters"),
                ("norms", "Be kind; be brief"),
                ("note", "tightened"),
            ],
        )
        .await;
    assert_eq!(v2.status, StatusCode::SEE_OTHER);
    // A save from the first version's form after the second was saved is refused, keeping what was typed.
    let stale = t
        .post_form(
            "/communities/chartered/charter",
            Some(&coord),
            &[("base_version", "1"), ("norms", "my stale edit")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(
        stale
            .body
            .contains("someone saved the charter while you were editing")
    );
    assert!(stale.body.contains("my stale edit"));

    let page = t.get("/communities/chartered/charter", Some(&member)).await;
    assert!(
        page.body.contains("Be kind; be brief")
            && page.body.contains("Version 2")
            && page.body.contains("tightened")
    );
    assert!(
        !page.body.contains("Save a new version"),
        "members read, coordinators edit"
    );
    let old = t
        .get("/communities/chartered/charter?version=1", Some(&member))
        .await;
    assert!(old.body.contains("You are reading version 1"));
    assert_eq!(
        t.get("/communities/chartered/charter?version=9", Some(&member))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let review = t
        .post_form("/communities/chartered/charter/review", Some(&coord), &[])
        .await;
    assert_eq!(review.status, StatusCode::SEE_OTHER);
    let reviews = t
        .app
        .store()
        .activity_after(guildhall_domain::ActivityId(0), 100)
        .await
        .expect("log")
        .into_iter()
        .filter(|r| r.kind == guildhall_domain::ActivityKind::CharterReviewed)
        .count();
    assert_eq!(reviews, 3, "two saves and one review");

    // The maturing checklist now sees the charter.
    let community = t.get("/communities/chartered", Some(&coord)).await;
    assert!(
        community
            .body
            .contains("check-done\">The charter is written"),
        "{}",
        community.body
    );
}
