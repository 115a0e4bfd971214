//! Personal access tokens: shown once, stored hashed, scoped, expiring,
//! revocable, used as `Authorization: Bearer`.

use crate::harness::{TestApp, TestResponse, Who};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

async fn bearer(
    t: &TestApp,
    method: Method,
    path: &str,
    secret: &str,
    body: Option<serde_json::Value>,
) -> TestResponse {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {secret}"));
    let body = match body {
        Some(v) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    t.send(b.body(body).expect("request")).await
}

async fn token(t: &TestApp, who: &Who, scopes: &[&str]) -> (i64, String) {
    let r = t
        .api_post(
            "/api/v1/tokens",
            who,
            serde_json::json!({"name": format!("script {scopes:?}"), "scopes": scopes}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = r.json();
    (
        v["token"]["id"].as_i64().expect("id"),
        v["secret"].as_str().expect("secret").to_owned(),
    )
}

#[tokio::test]
async fn scopes_decide_what_a_token_may_do() {
    let t = TestApp::new().await;
    let admin = t.user("Token Admin", "administrator").await;
    let (_, read) = token(&t, &admin, &["read"]).await;
    let (_, write) = token(&t, &admin, &["read", "write"]).await;
    let (_, full) = token(&t, &admin, &["read", "write", "admin"]).await;

    let me = bearer(&t, Method::GET, "/api/v1/me", &read, None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.json()["id"].as_i64(), Some(admin.id.0));

    let community = serde_json::json!({
        "name": "Token made", "visibility": "open", "membership_policy": "open"
    });
    let r = bearer(
        &t,
        Method::POST,
        "/api/v1/communities",
        &read,
        Some(community.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("write scope"), "{}", r.body);
    // A write token needs no cookie and no CSRF token.
    let r = bearer(
        &t,
        Method::POST,
        "/api/v1/communities",
        &write,
        Some(community),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // Without the admin scope the administrator's token acts as a member.
    let r = bearer(&t, Method::GET, "/api/v1/audit", &write, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = bearer(
        &t,
        Method::GET,
        "/api/v1/audit?action=token.created",
        &full,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json().as_array().map(Vec::len), Some(3));
    assert!(
        !r.body.contains(&read) && !r.body.contains(&full),
        "secrets are never recorded"
    );

    // A token cannot mint tokens.
    let r = bearer(
        &t,
        Method::POST,
        "/api/v1/tokens",
        &full,
        Some(serde_json::json!({"name": "child", "scopes": ["read"]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // Bearer tokens open the API only, not pages.
    let req = Request::builder()
        .uri("/")
        .header(header::AUTHORIZATION, format!("Bearer {full}"))
        .body(Body::empty())
        .expect("request");
    let page = t.send(req).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/signin"));
}

#[tokio::test]
async fn revoked_expired_unknown_and_malformed_tokens_are_refused() {
    let t = TestApp::new().await;
    let who = t.user("Token Owner", "member").await;
    let other = t.user("Someone Else", "member").await;
    let (id, secret) = token(&t, &who, &["read"]).await;
    assert_eq!(
        bearer(&t, Method::GET, "/api/v1/me", &secret, None)
            .await
            .status,
        StatusCode::OK
    );

    // The list never shows secrets; the database holds only a hash.
    let list = t.get("/api/v1/tokens", Some(&who)).await;
    assert!(!list.body.contains(&secret));
    assert_eq!(list.json()[0]["id"].as_i64(), Some(id));
    assert!(list.json()[0]["last_used_at"].is_string(), "{}", list.body);

    // Someone else cannot revoke it (nor learn it exists).
    let r = t
        .api(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Some(&other),
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = t
        .api(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Some(&who),
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = bearer(&t, Method::GET, "/api/v1/me", &secret, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("unknown, expired or revoked"), "{}", r.body);
    let r = t
        .api(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Some(&who),
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    for junk in [
        "ghpat_",
        "ghpat_nonsense",
        "not-even-ours",
        "ghpat_' OR 1=1 --",
        &"ghpat_x".repeat(100),
    ] {
        let r = bearer(&t, Method::GET, "/api/v1/me", junk, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{junk}: {}", r.body);
    }

    // Bad requests for a token say what is wrong.
    for (body, field) in [
        (serde_json::json!({"name": "", "scopes": ["read"]}), "name"),
        (
            serde_json::json!({"name": "x", "scopes": ["root"]}),
            "scopes",
        ),
        (
            serde_json::json!({"name": "x", "expires_in_days": 0}),
            "expires_in_days",
        ),
        (
            serde_json::json!({"name": "x", "expires_in_days": 10000}),
            "expires_in_days",
        ),
    ] {
        let r = t.api_post("/api/v1/tokens", &who, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.body
        );
        assert!(r.body.contains(field), "{body}: {}", r.body);
    }

    // Expiry: a token past its time stops working.
    let (_, short) = token(&t, &who, &["read"]).await;
    t.app
        .store()
        .execute_trusted(
            "UPDATE api_tokens SET expires_at = 1 WHERE name LIKE 'script%' AND revoked_at IS NULL",
        )
        .await
        .expect("age the token");
    assert_eq!(
        bearer(&t, Method::GET, "/api/v1/me", &short, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_page_shows_a_new_token_once() {
    let t = TestApp::new().await;
    let who = t.user("Page Person", "member").await;
    let r = t
        .post_form(
            "/account/tokens",
            Some(&who),
            &[
                ("name", "nightly export"),
                ("write", "on"),
                ("expires_in_days", "30"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let start = r.body.find("ghpat_").expect("the secret is shown");
    let secret: String = r.body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let me = bearer(&t, Method::GET, "/api/v1/me", &secret, None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let again = t.get("/account/tokens", Some(&who)).await;
    assert!(again.body.contains("nightly export"));
    assert!(!again.body.contains(&secret), "shown once only");
    let r = t
        .post_form(
            "/account/tokens",
            Some(&who),
            &[("name", ""), ("expires_in_days", "abc")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Name is required"), "{}", r.body);
    assert!(r.body.contains("must be between 1 and 366"), "{}", r.body);
}
