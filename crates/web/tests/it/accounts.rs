use axum::http::{Method, StatusCode};
use guildhall_testkit::{CSRF, TestApp};

#[tokio::test]
async fn first_run_shows_setup_then_creates_the_administrator() {
    let t = TestApp::new().await;
    let home = t.get("/", None).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), Some("/setup"));
    assert_eq!(t.get("/setup", None).await.status, StatusCode::OK);

    // Bad input: errors next to the fields, what was typed kept, nothing created.
    let bad = t
        .post_form(
            "/setup",
            None,
            &[
                ("name", "Ada Admin"),
                ("email", "not-an-email"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Email must look like"), "{}", bad.body);
    assert!(bad.body.contains("Password must be at least 10"));
    assert!(bad.body.contains("value=\"Ada Admin\""));
    assert!(t.app.needs_setup().await.expect("count"));

    let ok = t
        .post_form(
            "/setup",
            None,
            &[
                ("name", "Ada Admin"),
                ("email", "ada@example.org"),
                ("password", "a long enough passphrase"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert!(ok.set_cookie("gh_session").is_some_and(|c| c.len() == 43));
    assert!(!t.app.needs_setup().await.expect("count"));
    // Setup is closed once an account exists.
    let again = t
        .post_form(
            "/setup",
            None,
            &[
                ("name", "Eve"),
                ("email", "eve@example.org"),
                ("password", "a long enough passphrase"),
            ],
        )
        .await;
    assert_eq!(again.location(), Some("/signin"));
    assert!(
        t.app
            .store
            .credentials_by_email("eve@example.org")
            .await
            .expect("query")
            .is_none()
    );
}

#[tokio::test]
async fn sign_in_rotates_tokens_and_wrong_passwords_are_refused_alike() {
    let t = TestApp::new().await;
    let who = t.user("Grace Hopper", "member").await;
    let wrong = t
        .post_form(
            "/signin",
            None,
            &[("email", &who.email), ("password", "nope nope nope")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let unknown = t
        .post_form(
            "/signin",
            None,
            &[
                ("email", "nobody@example.org"),
                ("password", "nope nope nope"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("email or password is not right"));
    assert!(unknown.body.contains("email or password is not right"));

    let ok = t
        .post_form(
            "/signin",
            None,
            &[
                ("email", &who.email),
                ("password", guildhall_testkit::PASSWORD),
                ("next", "/communities"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.location(), Some("/communities"));
    let session = ok.set_cookie("gh_session").expect("session cookie");
    assert_ne!(session, who.token);
    let csrf = ok.set_cookie("gh_csrf").expect("fresh csrf cookie");
    assert_ne!(csrf, CSRF);
    let cookie = ok
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("gh_session"))
        .expect("cookie")
        .to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));

    // An open redirect through `next` is refused.
    let evil = t
        .post_form(
            "/signin",
            None,
            &[
                ("email", &who.email),
                ("password", guildhall_testkit::PASSWORD),
                ("next", "//evil.example"),
            ],
        )
        .await;
    assert_eq!(evil.location(), Some("/"));
}

#[tokio::test]
async fn pages_require_sign_in_and_api_answers_401() {
    let t = TestApp::new().await;
    t.user("Someone", "member").await;
    let page = t.get("/communities", None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/signin?next=/communities"));
    let api = t.api(Method::GET, "/api/v1/communities", None, None).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert_eq!(api.json()["error"]["code"], "unauthenticated");
}

#[tokio::test]
async fn forms_without_the_csrf_token_change_nothing() {
    let t = TestApp::new().await;
    let who = t.user("Mallory Target", "member").await;
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/communities/new")
        .header("cookie", format!("gh_session={}; gh_csrf={CSRF}", who.token))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("name=Forged&visibility=open&membership_policy=open&csrf=wrongwrongwrongwrongwrongwrongwrongwrongwro"))
        .expect("request");
    let res = t.send(req).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let user = t.session(&who).await;
    assert!(t.app.my_communities(&user).await.expect("list").is_empty());

    // The API refuses state changes that are not JSON (a cross-site form cannot send JSON).
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/communities")
        .header("cookie", format!("gh_session={}", who.token))
        .header("content-type", "text/plain")
        .body(axum::body::Body::from("{\"name\":\"x\"}"))
        .expect("request");
    assert_eq!(t.send(req).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn password_change_checks_the_current_one_and_ends_other_sessions() {
    let t = TestApp::new().await;
    let who = t.user("Pat Change", "member").await;
    let (_, other) = t
        .app
        .sign_in(&who.email, guildhall_testkit::PASSWORD, "")
        .await
        .expect("second session");
    let bad = t
        .post_form(
            "/account/password",
            Some(&who),
            &[
                ("current_password", "wrong one!!"),
                ("new_password", "new passphrase here"),
                ("confirm_password", "new passphrase here"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("is not your current password"));
    let ok = t
        .post_form(
            "/account/password",
            Some(&who),
            &[
                ("current_password", guildhall_testkit::PASSWORD),
                ("new_password", "new passphrase here"),
                ("confirm_password", "new passphrase here"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(
        t.app
            .session_user(&other.token)
            .await
            .expect("query")
            .is_none(),
        "other session ended"
    );
    assert!(
        t.app
            .session_user(&who.token)
            .await
            .expect("query")
            .is_some(),
        "this session kept"
    );
    assert!(
        t.app
            .sign_in(&who.email, "new passphrase here", "")
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn security_headers_and_request_ids_are_set() {
    let t = TestApp::new().await;
    let res = t.get("/signin", None).await;
    let csp = res
        .headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(
        res.headers
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
    assert!(res.headers.get("x-request-id").is_some());
    let health = t.get("/healthz", None).await;
    assert_eq!(health.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_pages_are_real_404s() {
    let t = TestApp::new().await;
    let who = t.user("Lost Person", "member").await;
    let page = t.get("/no/such/page", Some(&who)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("<html"));
    let api = t
        .api(Method::GET, "/api/v1/nothing", Some(&who), None)
        .await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.json()["error"]["code"], "not_found");
    for path in [
        "/people/abc",
        "/people/-1",
        "/units/99999",
        "/domains/0",
        "/communities/nope",
    ] {
        assert_eq!(
            t.get(path, Some(&who)).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

/// Signs in through the API from a given network address.
async fn sign_in_from(
    t: &TestApp,
    email: &str,
    password: &str,
    address: &str,
) -> guildhall_testkit::TestResponse {
    let mut req = axum::http::Request::builder()
        .method(axum::http::Method::POST)
        .uri("/api/v1/session")
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .header(
            axum::http::header::COOKIE,
            format!("gh_csrf={}", guildhall_testkit::CSRF),
        )
        .body(axum::body::Body::from(
            serde_json::json!({"email": email, "password": password}).to_string(),
        ))
        .expect("request");
    let addr: std::net::SocketAddr = format!("{address}:40000").parse().expect("address");
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    t.send(req).await
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account_and_audited() {
    let t = TestApp::new().await;
    let admin = t.user("Audit Reader", "administrator").await;
    let victim = t.user("Often Guessed", "member").await;
    for _ in 0..5 {
        let r = sign_in_from(&t, &victim.email, "wrong password!", "192.0.2.7").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    }
    // Locked: even the right password must wait, and says how long.
    let r = sign_in_from(&t, &victim.email, guildhall_testkit::PASSWORD, "192.0.2.8").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(
        r.body.contains("too many failed sign-ins for this account"),
        "{}",
        r.body
    );
    let wait: i64 = r
        .headers
        .get(axum::http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header in seconds");
    assert!((1..=900).contains(&wait), "{wait}");
    // The sign-in page says the same, with the form kept.
    let page = t
        .post_form(
            "/signin",
            None,
            &[
                ("email", &victim.email),
                ("password", guildhall_testkit::PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.body.contains("try again in"), "{}", page.body);
    // Another account from the same address is not affected.
    let r = sign_in_from(&t, &admin.email, guildhall_testkit::PASSWORD, "192.0.2.7").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let audit = t
        .get("/api/v1/audit?action=sign_in.&limit=50", Some(&admin))
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    let entries = audit.json();
    let entries = entries.as_array().expect("a list");
    let count = |action: &str| entries.iter().filter(|e| e["action"] == action).count();
    assert_eq!(count("sign_in.failed"), 5);
    assert_eq!(count("sign_in.locked"), 1);
    assert!(count("sign_in.succeeded") >= 1);
    let failed = entries
        .iter()
        .find(|e| e["action"] == "sign_in.failed")
        .expect("a failure");
    assert_eq!(failed["address"], "192.0.2.7");
    assert_eq!(failed["subject"], victim.email.as_str());
    assert!(
        !audit.body.contains("wrong password!"),
        "passwords are never recorded"
    );
}

#[tokio::test]
async fn one_address_failing_on_many_accounts_is_throttled() {
    let t = TestApp::new().await;
    let who = t.user("Innocent Bystander", "member").await;
    for i in 0..20 {
        let r = sign_in_from(
            &t,
            &format!("guess{i}@example.org"),
            "nope nope nope",
            "198.51.100.4",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = sign_in_from(&t, &who.email, guildhall_testkit::PASSWORD, "198.51.100.4").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.body.contains("network address"), "{}", r.body);
    let r = sign_in_from(&t, &who.email, guildhall_testkit::PASSWORD, "198.51.100.5").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
