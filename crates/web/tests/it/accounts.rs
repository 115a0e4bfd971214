use crate::harness::{CSRF, TestApp};
use axum::http::{Method, StatusCode};

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
            .store()
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
                ("password", crate::harness::PASSWORD),
                ("next", "/communities"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.location(), Some("/communities"));
    let session = ok.set_cookie("gh_session").expect("session cookie");
    assert_ne!(session, who.token);
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
                ("password", crate::harness::PASSWORD),
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
        .sign_in(&who.email, crate::harness::PASSWORD, "")
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
                ("current_password", crate::harness::PASSWORD),
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

/// Signs in through the API from a given network address, through the
/// test app's router.
async fn sign_in_from(
    t: &TestApp,
    email: &str,
    password: &str,
    address: &str,
) -> crate::harness::TestResponse {
    sign_in_via(&t.router, email, password, address, None).await
}

/// Signs in through `router` from a peer address, optionally through a
/// proxy that says whom it forwards for.
async fn sign_in_via(
    router: &axum::Router,
    email: &str,
    password: &str,
    peer: &str,
    forwarded_for: Option<&str>,
) -> crate::harness::TestResponse {
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder()
        .method(axum::http::Method::POST)
        .uri("/api/v1/session")
        .header(axum::http::header::CONTENT_TYPE, "application/json");
    if let Some(f) = forwarded_for {
        req = req.header("x-forwarded-for", f);
    }
    let mut req = req
        .body(axum::body::Body::from(
            serde_json::json!({"email": email, "password": password}).to_string(),
        ))
        .expect("request");
    let addr: std::net::SocketAddr = format!("{peer}:40000").parse().expect("address");
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    let res = router.clone().oneshot(req).await.expect("router answers");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = http_body_util::BodyExt::collect(res.into_body())
        .await
        .expect("body")
        .to_bytes();
    crate::harness::TestResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn retry_after(r: &crate::harness::TestResponse) -> i64 {
    r.headers
        .get(axum::http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header in seconds")
}

#[tokio::test]
async fn failed_sign_ins_slow_that_account_from_that_client_and_are_audited() {
    let t = TestApp::new().await;
    let admin = t.user("Audit Reader", "administrator").await;
    let victim = t.user("Often Guessed", "member").await;
    for _ in 0..5 {
        let r = sign_in_from(&t, &victim.email, "wrong password!", "192.0.2.7").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    }
    // The guesser's client must wait before its next try, and is told how
    // long; the wait does not count as a failure.
    let r = sign_in_from(&t, &victim.email, "another guess!!", "192.0.2.7").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(
        r.body.contains("too many failed sign-ins for this account"),
        "{}",
        r.body
    );
    assert!((1..=5).contains(&retry_after(&r)));
    // Regression: five failures locked the account for everyone, and the
    // right password was refused. From another client it is not.
    let r = sign_in_from(&t, &victim.email, crate::harness::PASSWORD, "192.0.2.8").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The sign-in page of the guessing client says the same, form kept.
    let page = t
        .post_form(
            "/signin",
            None,
            &[("email", &victim.email), ("password", "yet another guess")],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNAUTHORIZED,
        "a client without an address is its own"
    );
    // Another account from the guessing address is not affected.
    let r = sign_in_from(&t, &admin.email, crate::harness::PASSWORD, "192.0.2.7").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let audit = t
        .get("/api/v1/audit?action=sign_in.&limit=50", Some(&admin))
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    let entries = audit.json();
    let entries = entries.as_array().expect("a list");
    let count = |action: &str| entries.iter().filter(|e| e["action"] == action).count();
    assert_eq!(count("sign_in.failed"), 6);
    assert_eq!(count("sign_in.throttled"), 1);
    assert!(count("sign_in.succeeded") >= 2);
    let failed = entries
        .iter()
        .find(|e| e["action"] == "sign_in.failed" && e["address"] == "192.0.2.7")
        .expect("a failure");
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
    for i in 0..30 {
        let r = sign_in_from(
            &t,
            &format!("guess{i}@example.org"),
            "nope nope nope",
            "198.51.100.4",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = sign_in_from(&t, &who.email, crate::harness::PASSWORD, "198.51.100.4").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.body.contains("network address"), "{}", r.body);
    let r = sign_in_from(&t, &who.email, crate::harness::PASSWORD, "198.51.100.5").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// Behind a reverse proxy every request comes from the proxy's address:
/// only a proxy the operator trusts may say who the client is, and then
/// one client's failures do not slow the others.
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_counted_apart() {
    let t = TestApp::new().await;
    let victim = t.user("Proxied Person", "member").await;
    let trusting = guildhall_web::router(
        t.app.clone(),
        guildhall_web::WebConfig {
            trusted_proxies: guildhall_web::TrustedProxies::parse("10.0.0.0/8").expect("networks"),
            ..guildhall_web::WebConfig::default()
        },
    );
    for _ in 0..5 {
        let r = sign_in_via(
            &trusting,
            &victim.email,
            "a wrong guess",
            "10.0.0.2",
            Some("203.0.113.66"),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    }
    let r = sign_in_via(
        &trusting,
        &victim.email,
        crate::harness::PASSWORD,
        "10.0.0.2",
        Some("203.0.113.66"),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the guesser waits");
    let r = sign_in_via(
        &trusting,
        &victim.email,
        crate::harness::PASSWORD,
        "10.0.0.2",
        Some("203.0.113.10"),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the person, through the same proxy: {}",
        r.body
    );
    // A forwarded address from a client that is not a trusted proxy is
    // ignored: the guesser cannot pose as a fresh client.
    for _ in 0..5 {
        let r = sign_in_via(
            &trusting,
            &victim.email,
            "a wrong guess",
            "192.0.2.99",
            Some("203.0.113.10"),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    }
    let r = sign_in_via(
        &trusting,
        &victim.email,
        "a wrong guess",
        "192.0.2.99",
        Some("198.51.100.1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    // The counts live in the database: another server sharing it agrees.
    let other_server = guildhall_web::router(
        guildhall_app::App::new(t.app.store().clone(), guildhall_app::Config::default()),
        guildhall_web::WebConfig::default(),
    );
    let r = sign_in_via(
        &other_server,
        &victim.email,
        crate::harness::PASSWORD,
        "192.0.2.99",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
}

/// Regression: a form was accepted when its token matched the `gh_csrf`
/// cookie, which a neighbouring site can plant. Tokens are now derived
/// from the session: a planted cookie, or another session's token, is
/// refused.
#[tokio::test]
async fn form_tokens_are_bound_to_the_session() {
    let t = TestApp::new().await;
    let who = t.user("Bound Person", "member").await;
    let other = t.user("Other Person", "member").await;
    let planted = "plantedplantedplantedplantedplantedplanted";
    let post = |cookie: String, token: String| {
        axum::http::Request::builder()
            .method(Method::POST)
            .uri("/communities/new")
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(format!(
                "name=Forged&visibility=open&membership_policy=open&csrf={token}"
            )))
            .expect("request")
    };
    let res = t
        .send(post(
            format!("gh_session={}; gh_csrf={planted}", who.token),
            planted.to_owned(),
        ))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "a planted cookie");
    let res = t
        .send(post(
            format!("gh_session={}; gh_csrf={CSRF}", who.token),
            t.csrf(Some(&other)).await,
        ))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "another session's token");
    let res = t
        .send(post(
            format!("gh_session={}; gh_csrf={CSRF}", who.token),
            t.csrf(None).await,
        ))
        .await;
    assert_eq!(
        res.status,
        StatusCode::FORBIDDEN,
        "the visitor token once signed in"
    );
    let user = t.session(&who).await;
    assert!(t.app.my_communities(&user).await.expect("list").is_empty());
    // The page's own token works.
    let page = t.get("/communities/new", Some(&who)).await;
    let token = t.csrf(Some(&who)).await;
    assert!(
        page.body.contains(&token),
        "the form carries the session's token"
    );
    let res = t
        .send(post(format!("gh_session={}", who.token), token))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

/// Served over HTTPS, cookies carry the `__Host-` prefix (which browsers
/// accept only from this host, over HTTPS), answers tell browsers to keep
/// to HTTPS, and nothing a signed-in person receives may be cached.
#[tokio::test]
async fn secure_cookies_use_host_names_and_signed_in_answers_are_not_cached() {
    use tower::ServiceExt;
    let t = TestApp::new().await;
    let who = t.user("Careful Person", "member").await;
    let secure = guildhall_web::router(
        t.app.clone(),
        guildhall_web::WebConfig {
            secure_cookies: true,
            ..guildhall_web::WebConfig::default()
        },
    );
    let res = secure
        .clone()
        .oneshot(
            axum::http::Request::builder()
                .method(Method::POST)
                .uri("/api/v1/session")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    serde_json::json!({"email": who.email, "password": crate::harness::PASSWORD})
                        .to_string(),
                ))
                .expect("request"),
        )
        .await
        .expect("answer");
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(cookie.starts_with("__Host-gh_session="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(
        res.headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("max-age=")),
    );
    // The plain name is not read when cookies are secure.
    let me = secure
        .clone()
        .oneshot(
            axum::http::Request::builder()
                .uri("/api/v1/me")
                .header("cookie", format!("gh_session={}", who.token))
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await
        .expect("answer");
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    // Without HTTPS, no HSTS; signed-in answers are never cached.
    for path in ["/", "/api/v1/me", "/admin/audit.jsonl", "/account/tokens"] {
        let r = t.get(path, Some(&who)).await;
        assert_eq!(
            r.headers.get("cache-control").and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{path}"
        );
        assert!(r.headers.get("strict-transport-security").is_none());
    }
    let created = t
        .api_post(
            "/api/v1/tokens",
            &who,
            serde_json::json!({"name": "script"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(
        created
            .headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
}

/// Regression: API tokens kept working after a password change.
#[tokio::test]
async fn a_password_change_revokes_api_tokens_unless_kept() {
    let t = TestApp::new().await;
    let who = t.user("Token Holder", "member").await;
    let token = t
        .api_post(
            "/api/v1/tokens",
            &who,
            serde_json::json!({"name": "script"}),
        )
        .await
        .json()["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let with_token = |secret: String| {
        axum::http::Request::builder()
            .uri("/api/v1/me")
            .header("authorization", format!("Bearer {secret}"))
            .body(axum::body::Body::empty())
            .expect("request")
    };
    assert_eq!(
        t.send(with_token(token.clone())).await.status,
        StatusCode::OK
    );
    let changed = t
        .post_form(
            "/account/password",
            Some(&who),
            &[
                ("current_password", crate::harness::PASSWORD),
                ("new_password", "a fresh passphrase"),
                ("confirm_password", "a fresh passphrase"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert!(changed.body.contains("API tokens were revoked"));
    assert_eq!(
        t.send(with_token(token)).await.status,
        StatusCode::UNAUTHORIZED,
        "revoked with the password change"
    );
    // Chosen: kept.
    let kept = t
        .api_post("/api/v1/tokens", &who, serde_json::json!({"name": "kept"}))
        .await
        .json()["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let changed = t
        .post_form(
            "/account/password",
            Some(&who),
            &[
                ("current_password", "a fresh passphrase"),
                ("new_password", "a third passphrase"),
                ("confirm_password", "a third passphrase"),
                ("keep_tokens", "yes"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(t.send(with_token(kept)).await.status, StatusCode::OK);
}

/// Passwords that are the account's own email or name, or among the most
/// common passwords, are refused, and nothing changes.
#[tokio::test]
async fn guessable_passwords_are_refused() {
    let t = TestApp::new().await;
    let who = t.user("Grace Hopper", "member").await;
    for (new, why) in [
        ("grace.hopper@example.org", "your email or your name"),
        ("Grace Hopper", "your email or your name"),
        ("gracehopper1906", "your email or your name"),
        ("1q2w3e4r5t", "most common passwords"),
        ("password123", "most common passwords"),
    ] {
        let r = t
            .post_form(
                "/account/password",
                Some(&who),
                &[
                    ("current_password", crate::harness::PASSWORD),
                    ("new_password", new),
                    ("confirm_password", new),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{new}");
        assert!(r.body.contains(why), "{new}: {}", r.body);
    }
    assert!(
        t.app
            .sign_in(&who.email, crate::harness::PASSWORD, "")
            .await
            .is_ok()
    );
    let setup = t
        .app
        .create_account(&guildhall_app::auth::AccountInput {
            name: "New Person".into(),
            email: "new.person@example.org".into(),
            password: "qwertyuiop".into(),
            role: "member".into(),
        })
        .await;
    assert!(setup.is_err());
}
