use crate::harness::{TestApp, Who};
use axum::http::{Method, StatusCode};
use serde_json::json;

/// The id at the end of a redirect such as `/threads/12` or `/threads/12#reply-30`.
fn id_after(location: Option<&str>, marker: &str) -> i64 {
    let l = location.expect("a redirect");
    let rest = &l[l.find(marker).expect("marker") + marker.len()..];
    rest.chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("an id")
}

async fn community(t: &TestApp, coord: &Who, slug: &str, visibility: &str) {
    let r = t
        .api_post(
            "/api/v1/communities",
            coord,
            json!({"name": slug, "slug": slug, "visibility": visibility, "membership_policy": if visibility == "open" { "open" } else { "invitation" }, "stage": "maturing"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

async fn activity(t: &TestApp) -> Vec<(String, i64, Option<i64>, Option<i64>, Option<i64>)> {
    t.app
        .store()
        .activity_after(guildhall_domain::ActivityId(0), 10_000)
        .await
        .expect("activity")
        .into_iter()
        .filter(|a| {
            !a.kind.as_str().starts_with("member.")
                && a.kind != guildhall_domain::ActivityKind::StageChanged
        })
        .map(|a| {
            (
                a.kind.as_str().to_owned(),
                a.actor_id.0,
                a.subject_id,
                a.parent_id,
                a.other_id.map(|p| p.0),
            )
        })
        .collect()
}

#[tokio::test]
async fn ask_reply_solve_thank_with_the_log_and_notifications() {
    let t = TestApp::new().await;
    let coord = t.user("Coord Inator", "member").await;
    let asker = t.user("Ada Asker", "member").await;
    let helper = t.user("Hel Per", "member").await;
    community(&t, &coord, "rusty", "open").await;

    // Bad input changes nothing.
    for (title, body, want) in [
        ("", "text", "is required"),
        ("A title", "   ", "write something first"),
        ("A title", &"x".repeat(50_001), "at most 50000"),
    ] {
        let r = t
            .post_form(
                "/communities/rusty/threads",
                Some(&asker),
                &[("kind", "help"), ("title", title), ("body", body)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains(want), "{want}");
    }
    let r = t
        .post_form(
            "/communities/rusty/threads",
            Some(&asker),
            &[("kind", "rant"), ("title", "x"), ("body", "y")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(activity(&t).await.is_empty());

    let r = t
        .post_form(
            "/communities/rusty/threads",
            Some(&asker),
            &[
                ("kind", "help"),
                ("title", "Borrow checker vs. my graph"),
                (
                    "body",
                    "How do I keep **parent links**? cc @hel.per <script>alert(1)</script>",
                ),
                ("tags", "Rust, graphs"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let thread = id_after(r.location(), "/threads/");

    let page = t.get(&format!("/threads/{thread}"), Some(&helper)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<strong>parent links</strong>"));
    assert!(!page.body.contains("<script>alert"), "sanitized");

    // The asker answers first (does not count as help), then the helper.
    let own = t
        .post_form(
            &format!("/threads/{thread}/replies"),
            Some(&asker),
            &[("body", "Also tried Rc<RefCell<_>>.")],
        )
        .await;
    assert_eq!(own.status, StatusCode::SEE_OTHER);
    let own_reply = id_after(own.location(), "#reply-");
    let empty = t
        .post_form(
            &format!("/threads/{thread}/replies"),
            Some(&helper),
            &[("body", "")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .post_form(
            &format!("/threads/{thread}/replies"),
            Some(&helper),
            &[("body", "Use indices into a Vec: an arena.")],
        )
        .await;
    let answer = id_after(r.location(), "#reply-");

    // Only the asker or a coordinator marks solved; not with the asker's own reply.
    let r = t
        .post_form(
            &format!("/threads/{thread}/solved"),
            Some(&helper),
            &[("reply_id", &answer.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post_form(
            &format!("/threads/{thread}/solved"),
            Some(&asker),
            &[("reply_id", &own_reply.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .post_form(
            &format!("/threads/{thread}/solved"),
            Some(&asker),
            &[("reply_id", &answer.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // Thanks once, with a note; not to oneself.
    let r = t
        .post_form(
            &format!("/replies/{answer}/thanks"),
            Some(&asker),
            &[("note", "Saved my week")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let again = t
        .post_form(&format!("/replies/{answer}/thanks"), Some(&asker), &[])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let selfish = t
        .post_form(&format!("/replies/{answer}/thanks"), Some(&helper), &[])
        .await;
    assert_eq!(selfish.status, StatusCode::UNPROCESSABLE_ENTITY);

    let a = asker.id.0;
    let h = helper.id.0;
    assert_eq!(
        activity(&t).await,
        vec![
            ("thread.help".into(), a, Some(thread), None, None),
            (
                "reply.created".into(),
                a,
                Some(own_reply),
                Some(thread),
                Some(a)
            ),
            (
                "reply.created".into(),
                h,
                Some(answer),
                Some(thread),
                Some(a)
            ),
            ("help.solved".into(), a, Some(thread), None, Some(h)),
            ("thanks.given".into(), a, Some(answer), None, Some(h)),
        ]
    );

    // The helper was mentioned, their answer chosen and thanked; the asker got a reply.
    let n = t.get("/notifications", Some(&helper)).await;
    assert!(n.body.contains("mentioned you"));
    assert!(n.body.contains("marked your answer as the one that helped"));
    assert!(n.body.contains("thanked you"));
    let home = t.get("/communities/rusty", Some(&helper)).await;
    assert!(
        home.body.contains("3<span class=\"sr-only\"> unread"),
        "unread count in the navigation"
    );
    let n = t.get("/notifications", Some(&asker)).await;
    assert!(n.body.contains("replied to your thread"));
    let r = t.post_form("/notifications/read", Some(&helper), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let home = t.get("/communities/rusty", Some(&helper)).await;
    assert!(!home.body.contains("sr-only\"> unread"));

    let page = t.get(&format!("/threads/{thread}"), Some(&coord)).await;
    assert!(page.body.contains("Solved"));
    assert!(page.body.contains("Saved my week"));
    let list = t
        .get("/communities/rusty/threads?show=unsolved", Some(&coord))
        .await;
    assert!(!list.body.contains("Borrow checker"));
    let list = t
        .get("/communities/rusty/threads?kind=help", Some(&coord))
        .await;
    assert!(list.body.contains("Borrow checker"));
}

#[tokio::test]
async fn edits_keep_history_and_belong_to_authors_and_coordinators() {
    let t = TestApp::new().await;
    let coord = t.user("Co Ord", "member").await;
    let author = t.user("Au Thor", "member").await;
    let other = t.user("Ot Her", "member").await;
    community(&t, &coord, "editing", "open").await;
    let r = t
        .post_form(
            "/communities/editing/threads",
            Some(&author),
            &[
                ("kind", "story"),
                ("title", "First try"),
                ("body", "Once upon a time"),
            ],
        )
        .await;
    let thread = id_after(r.location(), "/threads/");
    let edit = |who: &Who| {
        let who = who.clone();
        let t = &t;
        async move {
            t.post_form(
                &format!("/threads/{thread}/edit"),
                Some(&who),
                &[("title", "Second try"), ("body", "Once upon a time, again")],
            )
            .await
        }
    };
    assert_eq!(edit(&other).await.status, StatusCode::FORBIDDEN);
    assert_eq!(edit(&author).await.status, StatusCode::SEE_OTHER);
    let history = t
        .get(&format!("/threads/{thread}/history"), Some(&other))
        .await;
    assert!(history.body.contains("First try"));
    assert!(history.body.contains("Second try"));
    assert!(history.body.contains("Au Thor"));

    let r = t
        .post_form(
            &format!("/threads/{thread}/replies"),
            Some(&other),
            &[("body", "Nice one")],
        )
        .await;
    let reply = id_after(r.location(), "#reply-");
    let r = t
        .post_form(
            &format!("/replies/{reply}/edit"),
            Some(&author),
            &[("body", "hijacked")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post_form(
            &format!("/replies/{reply}/edit"),
            Some(&coord),
            &[("body", "Nice one (edited by a coordinator)")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t
        .post_form(&format!("/replies/{reply}/delete"), Some(&author), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post_form(&format!("/replies/{reply}/delete"), Some(&other), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.get(&format!("/threads/{thread}"), Some(&author)).await;
    assert!(page.body.contains("This reply was deleted"));
    assert!(!page.body.contains("edited by a coordinator"));
    // Solving only applies to help requests.
    let r = t
        .post_form(
            &format!("/threads/{thread}/solved"),
            Some(&author),
            &[("reply_id", &reply.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let r = t
        .post_form(&format!("/threads/{thread}/delete"), Some(&other), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post_form(&format!("/threads/{thread}/delete"), Some(&author), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.get(&format!("/threads/{thread}"), Some(&author))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn private_and_closed_conversations_stay_inside() {
    let t = TestApp::new().await;
    let coord = t.user("Pri Vate", "member").await;
    let outsider = t.user("Out Sider", "administrator").await;
    community(&t, &coord, "secret-circle", "private").await;
    community(&t, &coord, "closed-circle", "closed").await;
    let mut threads = Vec::new();
    for slug in ["secret-circle", "closed-circle"] {
        let r = t
            .post_form(
                &format!("/communities/{slug}/threads"),
                Some(&coord),
                &[
                    ("kind", "discussion"),
                    ("title", "Inner matters"),
                    ("body", "Only for us @out.sider"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        threads.push(id_after(r.location(), "/threads/"));
    }
    // Private: nothing exists for the outsider, even an administrator.
    let p = threads[0];
    assert_eq!(
        t.get(&format!("/threads/{p}"), Some(&outsider))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get("/communities/secret-circle/threads", Some(&outsider))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = t
        .post_form(
            &format!("/threads/{p}/replies"),
            Some(&outsider),
            &[("body", "hi")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = t
        .api(
            Method::GET,
            &format!("/api/v1/threads/{p}"),
            Some(&outsider),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Closed: the community exists, its conversations are for members.
    let c = threads[1];
    assert_eq!(
        t.get(&format!("/threads/{c}"), Some(&outsider))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.get("/communities/closed-circle/threads", Some(&outsider))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A mention does not reach someone who may not read it.
    let n = t.get("/notifications", Some(&outsider)).await;
    assert!(!n.body.contains("Inner matters"));
    assert!(!n.body.contains("mentioned you"));
}

#[tokio::test]
async fn threads_through_the_api() {
    let t = TestApp::new().await;
    let coord = t.user("Api Coord", "member").await;
    let member = t.user("Api Member", "member").await;
    community(&t, &coord, "api-talk", "open").await;
    let r = t
        .api_post(
            "/api/v1/communities/api-talk/threads",
            &member,
            json!({"kind": "help", "title": "How to?", "body": "Please", "tags": "api"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let thread = r.json()["id"].as_i64().unwrap();
    let bad = t
        .api_post(
            "/api/v1/communities/api-talk/threads",
            &member,
            json!({"kind": "help", "title": "", "body": ""}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("title"));
    let r = t
        .api_post(
            &format!("/api/v1/threads/{thread}/replies"),
            &coord,
            json!({"body": "Like this"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let reply = r.json()["id"].as_i64().unwrap();
    let r = t
        .api_post(
            &format!("/api/v1/threads/{thread}/solution"),
            &member,
            json!({"reply_id": reply}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = t
        .api_post(
            &format!("/api/v1/replies/{reply}/thanks"),
            &member,
            json!({"note": "thx"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let got = t
        .api(
            Method::GET,
            &format!("/api/v1/threads/{thread}"),
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(got.status, StatusCode::OK);
    let v = got.json();
    assert_eq!(v["solved_reply_id"], json!(reply));
    assert_eq!(v["replies"][0]["thanks"], json!(1));
    assert_eq!(v["replies"][0]["body_html"], json!("<p>Like this</p>\n"));
    let list = t
        .api(
            Method::GET,
            "/api/v1/communities/api-talk/threads?kind=help",
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(list.json()["total"], json!(1));
    let bad_kind = t
        .api(
            Method::GET,
            "/api/v1/communities/api-talk/threads?kind=rant",
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(bad_kind.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .api(
            Method::PUT,
            &format!("/api/v1/replies/{reply}"),
            Some(&member),
            Some(json!({"body": "mine now"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let notes = t
        .api(Method::GET, "/api/v1/notifications", Some(&coord), None)
        .await;
    assert_eq!(notes.status, StatusCode::OK);
    assert_eq!(notes.json()["unread"], json!(2), "{}", notes.body);
}

#[tokio::test]
async fn harvest_a_thread_and_thank_for_a_resource_and_hear_of_events() {
    let t = TestApp::new().await;
    let coord = t.user("Har Vester", "member").await;
    let member = t.user("Lea Rner", "member").await;
    community(&t, &coord, "harvest", "open").await;
    t.api_post("/api/v1/communities/harvest/join", &member, json!({}))
        .await;
    let r = t
        .api_post(
            "/api/v1/communities/harvest/threads",
            &member,
            json!({"kind": "help", "title": "Flaky welds", "body": "Porosity again", "tags": "welding"}),
        )
        .await;
    let thread = r.json()["id"].as_i64().expect("thread");
    let r = t
        .api_post(
            &format!("/api/v1/threads/{thread}/replies"),
            &coord,
            json!({"body": "Dry the wire first."}),
        )
        .await;
    let reply = r.json()["id"].as_i64().expect("reply");
    t.api_post(
        &format!("/api/v1/threads/{thread}/solution"),
        &member,
        json!({"reply_id": reply}),
    )
    .await;

    // Harvest from the page: a draft lesson that links back, opened for editing.
    let r = t
        .post_form(&format!("/threads/{thread}/harvest"), Some(&coord), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let resource = id_after(r.location(), "/resources/");
    let got = t
        .api(
            Method::GET,
            &format!("/api/v1/resources/{resource}"),
            Some(&member),
            None,
        )
        .await;
    let v = got.json();
    assert_eq!(v["kind"], json!("lesson"), "{v}");
    assert!(
        v["body"]
            .as_str()
            .unwrap_or_default()
            .contains("Dry the wire first.")
    );
    let page = t.get(&format!("/threads/{thread}"), Some(&member)).await;
    assert!(
        page.body.contains(&format!("/resources/{resource}")),
        "the thread links to its lesson"
    );

    // Thanks for the resource go to its author, once.
    let r = t
        .api_post(
            &format!("/api/v1/resources/{resource}/thanks"),
            &member,
            json!({"note": "useful"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = t
        .api_post(
            &format!("/api/v1/resources/{resource}/thanks"),
            &member,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = t
        .api_post(
            &format!("/api/v1/resources/{resource}/thanks"),
            &coord,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let thanks: Vec<_> = t
        .app
        .store()
        .activity_after(guildhall_domain::ActivityId(0), 1000)
        .await
        .expect("activity")
        .into_iter()
        .filter(|a| a.kind == guildhall_domain::ActivityKind::ThanksGiven)
        .map(|a| (a.actor_id, a.subject_id, a.other_id))
        .collect();
    assert_eq!(thanks, vec![(member.id, Some(resource), Some(coord.id))]);

    // The resource is searchable.
    let found = t
        .api(
            Method::GET,
            "/api/v1/search?q=porosity&kind=resource",
            Some(&member),
            None,
        )
        .await;
    assert_eq!(found.json()["total"], json!(1), "{}", found.body);

    // Members hear of a new event.
    let r = t
        .api_post(
            "/api/v1/communities/harvest/events",
            &coord,
            json!({"kind": "workshop", "title": "Welding clinic", "starts_at": "2030-01-08T17:00:00Z", "duration_minutes": 60}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let notes = t
        .api(Method::GET, "/api/v1/notifications", Some(&member), None)
        .await;
    let v = notes.json();
    assert!(
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|n| n["kind"] == json!("event")
                && n["link"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("/communities/harvest/events/")),
        "{v}"
    );
}

/// Regression: a deleted reply stayed readable in the thread's edit
/// history. Deletion takes its text away from everyone but administrators,
/// and the history says so.
#[tokio::test]
async fn a_deleted_reply_leaves_the_edit_history_for_all_but_administrators() {
    let t = TestApp::new().await;
    let coord = t.user("Cleo Coord", "member").await;
    let reader = t.user("Rudi Reader", "member").await;
    let admin = t.user("Ada Admin", "administrator").await;
    community(&t, &coord, "forthright", "open").await;
    let thread = t
        .api_post(
            "/api/v1/communities/forthright/threads",
            &coord,
            json!({"kind": "discussion", "title": "Candour", "body": "Say it"}),
        )
        .await;
    let thread = thread.json()["id"].as_i64().expect("thread");
    let reply = t
        .api_post(
            &format!("/api/v1/threads/{thread}/replies"),
            &coord,
            json!({"body": "first words I regret"}),
        )
        .await;
    let reply = reply.json()["id"].as_i64().expect("reply");
    let edited = t
        .api(
            Method::PUT,
            &format!("/api/v1/replies/{reply}"),
            Some(&coord),
            Some(json!({"body": "second words I regret too"})),
        )
        .await;
    assert!(edited.status.is_success(), "{}", edited.body);
    let history = format!("/threads/{thread}/history");
    assert!(
        t.get(&history, Some(&reader))
            .await
            .body
            .contains("first words I regret")
    );
    let deleted = t
        .api(
            Method::DELETE,
            &format!("/api/v1/replies/{reply}"),
            Some(&coord),
            Some(json!({})),
        )
        .await;
    assert!(deleted.status.is_success(), "{}", deleted.body);
    for who in [&reader, &coord] {
        let page = t.get(&history, Some(who)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("words I regret"), "{}", page.body);
        assert!(
            page.body
                .contains("removed from the history for everyone but administrators")
        );
    }
    let page = t.get(&history, Some(&admin)).await;
    assert!(
        page.body.contains("first words I regret"),
        "administrators still read it"
    );
}
