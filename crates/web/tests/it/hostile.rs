//! No user input may produce a server error: every form and API endpoint is
//! fed hostile values, and none may answer 5xx.

use crate::harness::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::json;

const NASTY: &[&str] = &[
    "",
    " ",
    "\0",
    "a\0b",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\" ) ; DROP TABLE people; --",
    "%_\\",
    "-1",
    "0",
    "99999999999999999999999",
    "NaN",
    "🦀 ünïcödé ✓",
    "\u{202e}reversed",
    "line\nbreak\r\n",
];

#[tokio::test]
async fn every_form_survives_hostile_values() {
    let t = TestApp::new().await;
    let admin = t.user("Hostile Admin", "administrator").await;
    let created = t
        .api_post(
            "/api/v1/communities",
            &admin,
            json!({"name": "Target", "visibility": "open", "membership_policy": "open"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let unit = t
        .api_post("/api/v1/units", &admin, json!({"name": "U"}))
        .await
        .json()["id"]
        .as_i64()
        .expect("unit");
    let domain = t
        .api_post("/api/v1/domains", &admin, json!({"name": "D"}))
        .await
        .json()["id"]
        .as_i64()
        .expect("domain");
    let me = admin.id.0;
    let forms: Vec<(String, Vec<&str>)> = vec![
        (
            "/communities/new".into(),
            vec![
                "name",
                "slug",
                "purpose",
                "domain_statement",
                "visibility",
                "membership_policy",
                "stage",
                "domains",
            ],
        ),
        (
            "/communities/target/edit".into(),
            vec![
                "name",
                "purpose",
                "domain_statement",
                "visibility",
                "membership_policy",
                "domains",
            ],
        ),
        ("/communities/target/stage".into(), vec!["stage", "reason"]),
        (
            "/communities/target/invitations".into(),
            vec!["person", "role"],
        ),
        (
            format!("/communities/target/members/{me}/role"),
            vec!["role"],
        ),
        ("/communities/target/requests/1/approve".into(), vec![]),
        ("/communities/target/join".into(), vec!["message"]),
        (
            "/people/new".into(),
            vec![
                "name",
                "email",
                "unit_id",
                "manager_id",
                "title",
                "expertise",
                "interests",
                "bio",
                "org_role",
            ],
        ),
        (
            format!("/people/{me}/edit"),
            vec![
                "name",
                "unit_id",
                "manager_id",
                "title",
                "expertise",
                "interests",
                "bio",
                "org_role",
            ],
        ),
        ("/units".into(), vec!["name", "parent_id", "description"]),
        (
            format!("/units/{unit}/edit"),
            vec!["name", "parent_id", "description"],
        ),
        ("/domains".into(), vec!["name", "description"]),
        (
            format!("/domains/{domain}/edit"),
            vec!["name", "description"],
        ),
        (
            "/account/password".into(),
            vec!["current_password", "new_password", "confirm_password"],
        ),
        ("/signin".into(), vec!["email", "password", "next"]),
        ("/invitations/abc/decline".into(), vec![]),
    ];
    for (path, fields) in &forms {
        for value in NASTY {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|f| (*f, *value)).collect();
            let res = t.post_form(path, Some(&admin), &pairs).await;
            assert!(
                res.status.as_u16() < 500,
                "{path} with {value:?} gave {}: {}",
                res.status,
                res.body
            );
        }
    }
    // The admin's session survived: sign-in posts with garbage did not log them out.
    assert_eq!(t.get("/", Some(&admin)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn every_query_string_survives_hostile_values() {
    let t = TestApp::new().await;
    let who = t.user("Query User", "member").await;
    for value in NASTY {
        let v = form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>();
        for path in [
            "/communities",
            "/people",
            "/api/v1/communities",
            "/api/v1/people",
        ] {
            for key in [
                "q",
                "domain",
                "stage",
                "unit",
                "sort",
                "page",
                "per_page",
                "expertise",
            ] {
                let url = format!("{path}?{key}={v}");
                let res = if path.starts_with("/api") {
                    t.api(Method::GET, &url, Some(&who), None).await
                } else {
                    t.get(&url, Some(&who)).await
                };
                assert!(res.status.as_u16() < 500, "{url} gave {}", res.status);
            }
        }
        for path in [
            "/communities/",
            "/people/",
            "/units/",
            "/domains/",
            "/api/v1/communities/",
            "/api/v1/people/",
        ] {
            let url = format!("{path}{v}");
            let res = t.get(&url, Some(&who)).await;
            assert!(res.status.as_u16() < 500, "{url} gave {}", res.status);
        }
    }
}

#[tokio::test]
async fn api_bodies_of_the_wrong_shape_are_4xx() {
    let t = TestApp::new().await;
    let admin = t.user("Shape Admin", "administrator").await;
    t.api_post(
        "/api/v1/communities",
        &admin,
        json!({"name": "Shape", "visibility": "open", "membership_policy": "open"}),
    )
    .await;
    let bodies = [
        json!(null),
        json!([]),
        json!("text"),
        json!(42),
        json!({"name": 5}),
        json!({"name": "x".repeat(100_000)}),
        json!({"domains": ["a"]}),
        json!({"approve": "yes"}),
    ];
    let endpoints = [
        (Method::POST, "/api/v1/communities"),
        (Method::PATCH, "/api/v1/communities/shape"),
        (Method::POST, "/api/v1/communities/shape/join"),
        (Method::POST, "/api/v1/communities/shape/stage"),
        (Method::POST, "/api/v1/communities/shape/invitations"),
        (Method::POST, "/api/v1/communities/shape/requests/1"),
        (Method::PUT, "/api/v1/communities/shape/members/1"),
        (Method::POST, "/api/v1/people"),
        (Method::PATCH, "/api/v1/people/1"),
        (Method::POST, "/api/v1/units"),
        (Method::PATCH, "/api/v1/units/1"),
        (Method::POST, "/api/v1/domains"),
        (Method::PATCH, "/api/v1/domains/1"),
        (Method::POST, "/api/v1/session"),
    ];
    for (method, path) in &endpoints {
        for body in &bodies {
            let res = t
                .api(method.clone(), path, Some(&admin), Some(body.clone()))
                .await;
            assert!(
                res.status.is_client_error() || res.status.is_success(),
                "{method} {path} {body} gave {}",
                res.status
            );
            if res.status.is_client_error() {
                assert!(
                    res.json()["error"]["code"].is_string(),
                    "{method} {path}: {}",
                    res.body
                );
            }
        }
    }
    // Oversized bodies are refused with 413.
    let huge = "x".repeat(2 * 1024 * 1024);
    let res = t
        .api(
            Method::POST,
            "/api/v1/domains",
            Some(&admin),
            Some(json!({ "name": huge })),
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
}

/// The practice forms, queries and API bodies: threads, replies, solved,
/// thanks, harvest, resources, events, search, notifications.
#[tokio::test]
async fn practice_inputs_survive_hostile_values() {
    let t = TestApp::new().await;
    let admin = t.user("Practice Admin", "administrator").await;
    let created = t
        .api_post(
            "/api/v1/communities",
            &admin,
            json!({"name": "Practice", "slug": "practice", "visibility": "open", "membership_policy": "open"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let thread = t
        .api_post(
            "/api/v1/communities/practice/threads",
            &admin,
            json!({"kind": "help", "title": "T", "body": "B"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("thread");
    let reply = t
        .api_post(
            &format!("/api/v1/threads/{thread}/replies"),
            &admin,
            json!({"body": "R"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("reply");
    let resource = t
        .api_post(
            "/api/v1/communities/practice/resources",
            &admin,
            json!({"kind": "document", "title": "Doc", "body": "Text"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("resource");
    let forms: Vec<(String, Vec<&str>)> = vec![
        (
            "/communities/practice/threads".into(),
            vec!["kind", "title", "body", "tags"],
        ),
        (format!("/threads/{thread}/replies"), vec!["body"]),
        (
            format!("/threads/{thread}/edit"),
            vec!["title", "body", "tags"],
        ),
        (format!("/threads/{thread}/solved"), vec!["reply_id"]),
        (format!("/replies/{reply}/edit"), vec!["body"]),
        (format!("/replies/{reply}/thanks"), vec!["note"]),
        (format!("/resources/{resource}/thanks"), vec!["note"]),
        (
            "/communities/practice/resources/new".into(),
            vec!["kind", "title", "body", "summary", "tags"],
        ),
        (
            format!("/resources/{resource}/edit"),
            vec!["title", "body", "summary", "base_revision"],
        ),
        (format!("/resources/{resource}/status"), vec!["to", "note"]),
        (
            "/communities/practice/events".into(),
            vec![
                "kind",
                "title",
                "description",
                "place",
                "link",
                "starts_at",
                "duration_minutes",
                "repeats",
                "rrule",
            ],
        ),
        ("/notifications/read".into(), vec!["id", "next"]),
    ];
    for (path, fields) in &forms {
        for value in NASTY {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|f| (*f, *value)).collect();
            let res = t.post_form(path, Some(&admin), &pairs).await;
            assert!(
                res.status.as_u16() < 500,
                "{path} with {value:?} gave {}: {}",
                res.status,
                res.body
            );
        }
    }
    for value in NASTY {
        let v = form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>();
        for url in [
            format!("/search?q={v}"),
            format!("/search?q=x&kind={v}"),
            format!("/search?q=x&community={v}"),
            format!("/search?q=x&from={v}&to={v}"),
            format!("/search?q=x&author={v}&domain={v}&page={v}"),
            format!("/experts?q={v}"),
            format!("/api/v1/search?q={v}"),
            format!("/api/v1/search?q=x&from={v}"),
            format!("/api/v1/experts?q={v}"),
            format!("/communities/practice/threads?kind={v}&show={v}&page={v}"),
            format!("/api/v1/communities/practice/threads?kind={v}"),
            format!("/communities/practice/resources?kind={v}&status={v}"),
            format!("/resources/{resource}/diff?from={v}&to={v}"),
            format!("/api/v1/resources/{resource}/diff?from={v}&to=1"),
            format!("/communities/practice/calendar.ics?key={v}"),
            format!("/threads/{v}"),
            format!("/resources/{v}"),
            format!("/api/v1/threads/{v}"),
        ] {
            let res = if url.starts_with("/api") {
                t.api(Method::GET, &url, Some(&admin), None).await
            } else {
                t.get(&url, Some(&admin)).await
            };
            assert!(res.status.as_u16() < 500, "{url} gave {}", res.status);
        }
    }
    let bodies = [
        json!(null),
        json!([]),
        json!("text"),
        json!({"body": 5}),
        json!({"title": "x".repeat(100_000), "body": "y", "kind": "help"}),
        json!({"reply_id": "one"}),
        json!({"body": "\u{0000}"}),
    ];
    let endpoints = [
        (
            Method::POST,
            "/api/v1/communities/practice/threads".to_owned(),
        ),
        (Method::PUT, format!("/api/v1/threads/{thread}")),
        (Method::POST, format!("/api/v1/threads/{thread}/replies")),
        (Method::POST, format!("/api/v1/threads/{thread}/solution")),
        (Method::PUT, format!("/api/v1/replies/{reply}")),
        (Method::POST, format!("/api/v1/replies/{reply}/thanks")),
        (
            Method::POST,
            "/api/v1/communities/practice/resources".to_owned(),
        ),
        (
            Method::POST,
            format!("/api/v1/resources/{resource}/revisions"),
        ),
        (Method::POST, format!("/api/v1/resources/{resource}/status")),
        (
            Method::POST,
            "/api/v1/communities/practice/events".to_owned(),
        ),
        (Method::POST, "/api/v1/notifications/read".to_owned()),
    ];
    for (method, path) in &endpoints {
        for body in &bodies {
            let res = t
                .api(method.clone(), path, Some(&admin), Some(body.clone()))
                .await;
            assert!(
                res.status.is_client_error() || res.status.is_success(),
                "{method} {path} {body} gave {}",
                res.status
            );
        }
    }
}

/// SQL LIKE and FTS5 syntax that must be taken as plain words.
const QUERY_METACHARACTERS: &[&str] = &[
    "\"",
    "\"unbalanced",
    "foo*",
    "*",
    "NEAR(a b, 2)",
    "title:x",
    "{title body}: x",
    "^start",
    "a AND (b OR",
    "NOT",
    "-x +y",
    "%",
    "_",
    "\\",
    "[a-z]",
    "'; SELECT 1; --",
    "1e309",
    "2026-02-30",
    "9999-12-31T23:59:60Z",
];

/// Every query parameter of every API operation, as the OpenAPI document
/// lists them (so a new filter is covered the day it is documented), gets
/// hostile text, SQL and FTS metacharacters; none may answer 5xx.
#[tokio::test]
async fn every_documented_api_query_parameter_survives_hostile_values() {
    let t = TestApp::new().await;
    let admin = t.user("Filter Admin", "administrator").await;
    let created = t
        .api_post(
            "/api/v1/communities",
            &admin,
            json!({"name": "Filters", "slug": "filters", "visibility": "open", "membership_policy": "open"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let thread = t
        .api_post(
            "/api/v1/communities/filters/threads",
            &admin,
            json!({"kind": "help", "title": "Searchable title", "body": "Searchable body"}),
        )
        .await;
    assert_eq!(thread.status, StatusCode::CREATED, "{}", thread.body);
    let resource = t
        .api_post(
            "/api/v1/communities/filters/resources",
            &admin,
            json!({"kind": "document", "title": "Doc", "body": "Text"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("resource");
    let doc = t.get("/api/v1/openapi.json", None).await.json();
    let mut covered = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let Some(params) = item["get"]["parameters"].as_array() else {
            continue;
        };
        let path = path
            .replace("{slug}", "filters")
            .replace("{id}", &resource.to_string());
        for p in params.iter().filter(|p| p["in"] == "query") {
            let name = p["name"].as_str().expect("name");
            covered += 1;
            for value in NASTY.iter().chain(QUERY_METACHARACTERS) {
                let v = form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>();
                // Alone, and next to a valid required search text.
                for url in [
                    format!("{path}?{name}={v}"),
                    format!("{path}?q=title&from=1&to=1&{name}={v}"),
                ] {
                    let res = t.api(Method::GET, &url, Some(&admin), None).await;
                    assert!(
                        res.status.as_u16() < 500,
                        "{url} gave {}: {}",
                        res.status,
                        res.body
                    );
                }
            }
        }
    }
    assert!(covered >= 30, "only {covered} query parameters documented");
}

/// Regression: on PostgreSQL a NUL in the audit log's action filter reached
/// the database as a text parameter, which PostgreSQL refuses: a 500.
#[tokio::test]
async fn audit_action_filter_with_a_nul_is_not_a_server_error() {
    let t = TestApp::new().await;
    let admin = t.user("Audit Reader", "administrator").await;
    for action in ["%00", "sign_in.%00", "a%00b"] {
        let res = t
            .api(
                Method::GET,
                &format!("/api/v1/audit?action={action}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{action}: {}", res.body);
        assert!(res.json().is_array());
    }
}

/// Regression: on PostgreSQL a failed sign-in with a NUL in the email was
/// written to the audit log as typed, which PostgreSQL refuses: a 500 from
/// the API and the sign-in page.
#[tokio::test]
async fn sign_in_with_a_nul_in_the_email_is_refused_not_a_server_error() {
    let t = TestApp::new().await;
    for email in ["\0", "a\0b@example.org"] {
        let res = t
            .api(
                Method::POST,
                "/api/v1/session",
                None,
                Some(json!({"email": email, "password": "whatever-it-is"})),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNAUTHORIZED,
            "{email:?}: {}",
            res.body
        );
    }
}

/// Regression: `next=/%09/evil.example/phish` sent a signed-in browser to
/// evil.example (browsers drop the tab), `/notifications/read` followed
/// `/\evil.example`, and control characters in `next` answered 500.
#[tokio::test]
async fn next_never_leaves_the_site_nor_fails() {
    let t = TestApp::new().await;
    let who = t.user("Nina Next", "member").await;
    for next in [
        "/\t/evil.example/phish",
        "/\\evil.example",
        "//evil.example",
        "/\n/evil.example",
        "/\r\nSet-Cookie: x=1",
        "/\x0b/evil.example",
        "/\x00",
        "https://evil.example/",
    ] {
        let signin = t
            .post_form(
                "/signin",
                None,
                &[
                    ("email", &who.email),
                    ("password", crate::harness::PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(
            signin.status,
            StatusCode::SEE_OTHER,
            "{next:?}: {}",
            signin.body
        );
        assert_eq!(signin.location(), Some("/"), "{next:?}");
        let read = t
            .post_form("/notifications/read", Some(&who), &[("next", next)])
            .await;
        assert_eq!(
            read.status,
            StatusCode::SEE_OTHER,
            "{next:?}: {}",
            read.body
        );
        assert_eq!(read.location(), Some("/notifications"), "{next:?}");
    }
    let page = t.get("/signin?next=/%09/evil.example/phish", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("evil.example"));
    let fine = t
        .post_form(
            "/notifications/read",
            Some(&who),
            &[("next", "/communities?page=2")],
        )
        .await;
    assert_eq!(fine.location(), Some("/communities?page=2"));
}
