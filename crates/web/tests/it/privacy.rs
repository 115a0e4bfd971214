//! A private community and its content are invisible to outsiders through
//! every channel: pages, lists, counts, feeds, the API — even to
//! administrators who are not members.

use crate::harness::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn private_community_is_invisible_to_outsiders_everywhere() {
    let t = TestApp::new().await;
    let insider = t.user("Iris Insider", "member").await;
    let outsider = t.user("Otto Outsider", "member").await;
    let admin = t.user("Ada Admin", "administrator").await;
    let d = t
        .api_post("/api/v1/domains", &admin, json!({"name": "Mergers"}))
        .await;
    let domain = d.json()["id"].as_i64().expect("id");
    let created = t
        .api_post("/api/v1/communities", &insider, json!({"name": "Project Nightingale", "visibility": "private", "membership_policy": "invitation", "purpose": "codename work", "domains": [domain]}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    for who in [&outsider, &admin] {
        for path in [
            "/communities",
            "/communities?q=nightingale",
            "/",
            &format!("/domains/{domain}"),
            &format!("/people/{}", insider.id.0),
            "/domains",
        ] {
            let page = t.get(path, Some(who)).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            assert!(
                !page.body.contains("Nightingale") && !page.body.contains("codename"),
                "leak on {path}"
            );
        }
        assert_eq!(
            t.get("/communities/project-nightingale", Some(who))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            t.get("/communities/project-nightingale/members", Some(who))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let api = t
            .api(
                Method::GET,
                "/api/v1/communities/project-nightingale",
                Some(who),
                None,
            )
            .await;
        assert_eq!(api.status, StatusCode::NOT_FOUND);
        assert!(!api.body.contains("Nightingale"));
        let list = t
            .api(
                Method::GET,
                "/api/v1/communities?q=nightingale",
                Some(who),
                None,
            )
            .await;
        assert_eq!(list.json()["total"], 0);
        let domains = t.api(Method::GET, "/api/v1/domains", Some(who), None).await;
        assert_eq!(domains.json()[0]["communities"], 0, "counts exclude it too");
        let join = t
            .api_post(
                "/api/v1/communities/project-nightingale/join",
                who,
                json!({}),
            )
            .await;
        assert_eq!(join.status, StatusCode::NOT_FOUND);
        let stage = t
            .api_post(
                "/api/v1/communities/project-nightingale/stage",
                who,
                json!({"stage": "memory", "reason": "x"}),
            )
            .await;
        assert_eq!(stage.status, StatusCode::NOT_FOUND);
    }
    // The member sees it everywhere.
    let list = t
        .api(
            Method::GET,
            "/api/v1/communities?q=nightingale",
            Some(&insider),
            None,
        )
        .await;
    assert_eq!(list.json()["total"], 1);
    let person = t
        .get(&format!("/people/{}", insider.id.0), Some(&insider))
        .await;
    assert!(person.body.contains("Project Nightingale"));
}

#[tokio::test]
async fn closed_community_shows_itself_but_not_its_members_or_activity() {
    let t = TestApp::new().await;
    let coord = t.user("Cleo Coord", "member").await;
    let member = t.user("Quiet Member", "member").await;
    let outsider = t.user("Olly Out", "member").await;
    t.api_post(
        "/api/v1/communities",
        &coord,
        json!({"name": "Closed Shop", "visibility": "closed", "membership_policy": "invitation"}),
    )
    .await;
    t.api_post(
        "/api/v1/communities/closed-shop/invitations",
        &coord,
        json!({"person": member.email}),
    )
    .await;
    t.api_post("/api/v1/communities/closed-shop/join", &member, json!({}))
        .await;
    let page = t.get("/communities/closed-shop", Some(&outsider)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Cleo Coord"),
        "coordinators are shown so outsiders know whom to ask"
    );
    assert!(!page.body.contains("Quiet Member"));
    let members = t
        .api(
            Method::GET,
            "/api/v1/communities/closed-shop/members",
            Some(&outsider),
            None,
        )
        .await;
    assert_eq!(members.json().as_array().map(Vec::len), Some(1));
    let feed = t
        .get(&format!("/people/{}", member.id.0), Some(&outsider))
        .await;
    assert!(
        !feed.body.contains("Closed Shop"),
        "activity in a closed community stays inside"
    );
}

/// Regression: an administrator who was only invited (as an observer) to a
/// private community could list its members, change roles, invite, move its
/// stage and make it open — exposing its threads to everyone. An invitation
/// shows its invitee the name and purpose, to accept or decline; nothing
/// else.
#[tokio::test]
async fn an_invited_administrator_cannot_take_over_a_private_community() {
    let t = TestApp::new().await;
    let coordinator = t.user("Cora Coordinator", "member").await;
    let admin = t.user("Ada Admin", "administrator").await;
    let outsider = t.user("Otto Outsider", "member").await;
    let created = t
        .api_post(
            "/api/v1/communities",
            &coordinator,
            json!({"name": "Project Heron", "visibility": "private", "membership_policy": "invitation",
                   "purpose": "what we may say", "domain_statement": "what we may not say"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let thread = t
        .api_post(
            "/api/v1/communities/project-heron/threads",
            &coordinator,
            json!({"kind": "discussion", "title": "Secret plans", "body": "Only for us"}),
        )
        .await;
    assert_eq!(thread.status, StatusCode::CREATED, "{}", thread.body);
    let invited = t
        .api_post(
            "/api/v1/communities/project-heron/invitations",
            &coordinator,
            json!({"person": admin.email, "role": "observer"}),
        )
        .await;
    assert!(invited.status.is_success(), "{}", invited.body);

    let base = "/api/v1/communities/project-heron";
    let members = t
        .api(Method::GET, &format!("{base}/members"), Some(&admin), None)
        .await;
    assert_eq!(members.status, StatusCode::FORBIDDEN, "{}", members.body);
    let role = t
        .api(
            Method::PUT,
            &format!("{base}/members/{}", coordinator.id.0),
            Some(&admin),
            Some(json!({"role": "observer"})),
        )
        .await;
    assert_eq!(role.status, StatusCode::FORBIDDEN, "{}", role.body);
    let invite = t
        .api_post(
            &format!("{base}/invitations"),
            &admin,
            json!({"person": outsider.email}),
        )
        .await;
    assert_eq!(invite.status, StatusCode::FORBIDDEN, "{}", invite.body);
    let stage = t
        .api_post(
            &format!("{base}/stage"),
            &admin,
            json!({"stage": "memory", "reason": "takeover"}),
        )
        .await;
    assert_eq!(stage.status, StatusCode::FORBIDDEN, "{}", stage.body);
    let opened = t
        .api(
            Method::PATCH,
            base,
            Some(&admin),
            Some(json!({"visibility": "open", "membership_policy": "open"})),
        )
        .await;
    assert_eq!(opened.status, StatusCode::FORBIDDEN, "{}", opened.body);
    let pulse = t
        .api(Method::GET, &format!("{base}/pulse"), Some(&admin), None)
        .await;
    assert_eq!(pulse.status, StatusCode::FORBIDDEN, "{}", pulse.body);
    let charter = t
        .get("/communities/project-heron/charter", Some(&admin))
        .await;
    assert_eq!(charter.status, StatusCode::FORBIDDEN);

    // Nothing changed: still private, the outsider still sees nothing.
    assert_eq!(
        t.api(Method::GET, base, Some(&outsider), None).await.status,
        StatusCode::NOT_FOUND
    );
    // What the invitee does see: the name and purpose, and the way in.
    let page = t.get("/communities/project-heron", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Project Heron") && page.body.contains("what we may say"));
    assert!(page.body.contains("Accept the invitation") && page.body.contains("Decline"));
    assert!(page.body.contains("Cora Coordinator invites you"));
    for secret in [
        "what we may not say",
        "Secret plans",
        "Manage members",
        "<h2>Members</h2>",
        "Stage history",
        "/charter",
    ] {
        assert!(!page.body.contains(secret), "the invitee sees {secret:?}");
    }
    let api = t.api(Method::GET, base, Some(&admin), None).await;
    assert_eq!(api.status, StatusCode::OK);
    assert!(!api.body.contains("what we may not say"), "{}", api.body);
    // Accepting makes them an observer, who still does not manage it.
    let accepted = t.api_post(&format!("{base}/join"), &admin, json!({})).await;
    assert!(accepted.status.is_success(), "{}", accepted.body);
    let opened = t
        .api(
            Method::PATCH,
            base,
            Some(&admin),
            Some(json!({"visibility": "open", "membership_policy": "open"})),
        )
        .await;
    assert_eq!(opened.status, StatusCode::FORBIDDEN, "{}", opened.body);
    let members = t
        .api(Method::GET, &format!("{base}/members"), Some(&admin), None)
        .await;
    assert_eq!(
        members.status,
        StatusCode::OK,
        "a member reads the member list"
    );
}
