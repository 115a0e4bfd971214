use crate::harness::{TestApp, Who};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

async fn post_thread(
    t: &TestApp,
    who: &Who,
    slug: &str,
    kind: &str,
    title: &str,
    body: &str,
) -> i64 {
    let r = t
        .api_post(
            &format!("/api/v1/communities/{slug}/threads"),
            who,
            json!({"kind": kind, "title": title, "body": body}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().expect("id")
}

async fn search(t: &TestApp, who: &Who, query: &str) -> Value {
    let r = t
        .api(
            Method::GET,
            &format!("/api/v1/search?{query}"),
            Some(who),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
    r.json()
}

fn kinds_and_titles(v: &Value) -> Vec<(String, String)> {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|h| {
            (
                h["kind"].as_str().unwrap_or_default().to_owned(),
                h["title"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn search_finds_ranks_filters_and_never_leaks() {
    let t = TestApp::new().await;
    let coord = t.user("Sea Rcher", "member").await;
    let outsider = t.user("Nosy Admin", "administrator").await;
    let helper = t.user("Kafka Helper", "member").await;
    for (slug, vis) in [
        ("streams", "open"),
        ("vault", "private"),
        ("closed-club", "closed"),
    ] {
        let r = t
            .api_post(
                "/api/v1/communities",
                &coord,
                json!({"name": format!("{slug} people"), "slug": slug, "purpose": "We talk about kafka partitions", "visibility": vis, "membership_policy": if vis == "open" { "open" } else { "invitation" }, "stage": "maturing"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    t.api_post("/api/v1/communities/streams/join", &helper, json!({}))
        .await;
    let open = post_thread(
        &t,
        &coord,
        "streams",
        "help",
        "Kafka partitions rebalancing",
        "Consumers keep **rebalancing** when we add partitions.",
    )
    .await;
    post_thread(
        &t,
        &coord,
        "streams",
        "story",
        "A story about lunch",
        "Nothing about the topic; kafka once.",
    )
    .await;
    let reply = t
        .api_post(
            &format!("/api/v1/threads/{open}/replies"),
            &helper,
            json!({"body": "Use cooperative rebalancing with static membership."}),
        )
        .await;
    let reply = reply.json()["id"].as_i64().expect("reply id");
    t.api_post(
        &format!("/api/v1/threads/{open}/solution"),
        &coord,
        json!({"reply_id": reply}),
    )
    .await;
    post_thread(
        &t,
        &coord,
        "vault",
        "discussion",
        "Secret kafka partitions plan",
        "Top secret rebalancing",
    )
    .await;
    post_thread(
        &t,
        &coord,
        "closed-club",
        "discussion",
        "Closed kafka partitions plan",
        "Members only rebalancing",
    )
    .await;

    // The member of all three sees everything; the title weighs more.
    let all = search(&t, &coord, "q=kafka+partitions&kind=thread").await;
    let titles = kinds_and_titles(&all);
    assert_eq!(all["total"], json!(3), "{all}");
    assert!(titles.iter().any(|(_, t)| t.contains("Secret")));

    // The outsider, even an administrator, never sees private or closed content,
    // nor the private community itself; the closed community's existence is public.
    let seen = search(&t, &outsider, "q=kafka+partitions").await;
    let titles = kinds_and_titles(&seen);
    assert!(
        !titles
            .iter()
            .any(|(_, t)| t.contains("Secret") || t.contains("Closed kafka")),
        "{titles:?}"
    );
    assert!(
        !titles.iter().any(|(_, t)| t.contains("vault")),
        "{titles:?}"
    );
    assert!(
        titles.contains(&("community".into(), "closed-club people".into())),
        "{titles:?}"
    );
    assert!(titles.contains(&("thread".into(), "Kafka partitions rebalancing".into())));
    let leaked = seen.to_string();
    assert!(!leaked.contains("Top secret") && !leaked.contains("Members only"));
    let r = t
        .api(
            Method::GET,
            "/api/v1/search?q=kafka&community=vault",
            Some(&outsider),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("no community with this address"));
    let page = t.get("/search?q=secret", Some(&outsider)).await;
    assert!(
        !page.body.contains("Secret kafka"),
        "HTML search leaks nothing"
    );

    // Snippets are escaped with the terms marked.
    let hit = search(&t, &helper, "q=cooperative&kind=reply").await;
    assert_eq!(hit["total"], json!(1));
    let snippet = hit["items"][0]["snippet_html"].as_str().expect("snippet");
    assert!(snippet.contains("<mark>cooperative</mark>"), "{snippet}");
    assert_eq!(
        hit["items"][0]["link"],
        json!(format!("/threads/{open}#reply-{reply}"))
    );

    // Stemming: "rebalanced" finds "rebalancing"; filters narrow.
    let stem = search(&t, &helper, "q=rebalanced&community=streams").await;
    assert_eq!(stem["total"], json!(2), "{stem}");
    let by_author = search(&t, &helper, &format!("q=rebalanced&author={}", helper.id.0)).await;
    assert_eq!(by_author["total"], json!(1));
    let future = search(&t, &helper, "q=kafka&from=2999-01-01").await;
    assert_eq!(future["total"], json!(0));
    let people = search(&t, &helper, "q=helper&kind=person").await;
    assert_eq!(
        kinds_and_titles(&people),
        vec![("person".into(), "Kafka Helper".into())]
    );

    // Query syntax in user input is searched for, never an error.
    for q in [
        "%22unbalanced",
        "a-b*",
        "(((",
        "NEAR%28x%29",
        "%27%3B+DROP+TABLE+people%3B--",
        "*",
        "%22%22",
        "x%00y",
        "%E2%80%94%C3%A9t%C3%A9",
    ] {
        let r = t
            .api(
                Method::GET,
                &format!("/api/v1/search?q={q}"),
                Some(&helper),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
        let p = t.get(&format!("/search?q={q}"), Some(&helper)).await;
        assert_eq!(p.status, StatusCode::OK, "{q}");
    }
    let bad = t
        .api(
            Method::GET,
            "/api/v1/search?q=x&kind=spaceship",
            Some(&helper),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad = t
        .api(
            Method::GET,
            "/api/v1/search?q=x&from=yesterday",
            Some(&helper),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Who knows about kafka rebalancing? The helper who solved it comes first.
    let experts = t
        .api(
            Method::GET,
            "/api/v1/experts?q=rebalancing",
            Some(&outsider),
            None,
        )
        .await;
    let v = experts.json();
    assert_eq!(v[0]["name"], json!("Kafka Helper"), "{v}");
    assert_eq!(v[0]["solved"], json!(1));
    let page = t.get("/experts?q=rebalancing", Some(&outsider)).await;
    assert!(page.body.contains("solved 1 help request"));
}
