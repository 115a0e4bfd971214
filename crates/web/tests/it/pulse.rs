use crate::harness::TestApp;
use axum::http::{Method, StatusCode};
use guildhall_app::pulse::PulseWindow;
use guildhall_domain::{ActivityKind, CommunityId, NewActivity, PersonId, Timestamp, UnitId};
use serde_json::json;

const DAY: i64 = 86_400;

#[tokio::test]
async fn api_cli_and_page_agree_on_the_pulse() {
    let t = TestApp::new().await;
    let coord = t.user("Pia Pulse", "member").await;
    let created = t
        .api_post(
            "/api/v1/communities",
            &coord,
            json!({"name": "Pulse Lab", "visibility": "open", "membership_policy": "open"}),
        )
        .await;
    let cid = created.json()["id"].as_i64().expect("id");
    let now = Timestamp::now().0;
    let at = |d: i64| Timestamp(now - d * DAY);
    let ev = |d, kind, who: i64, unit: Option<i64>| {
        NewActivity::new(at(d), kind, PersonId(who), unit.map(UnitId))
            .in_community(CommunityId(cid))
    };
    let helper = t.user("Hal Helper", "member").await;
    t.app
        .store()
        .append_activity(&[
            ev(10, ActivityKind::MemberJoined, helper.id.0, Some(2)),
            ev(5, ActivityKind::ThreadHelp, coord.id.0, Some(1)).subject(100),
            ev(4, ActivityKind::ReplyCreated, helper.id.0, Some(2))
                .parent(100)
                .other(coord.id),
            ev(3, ActivityKind::HelpSolved, coord.id.0, Some(1))
                .subject(100)
                .other(helper.id),
            ev(2, ActivityKind::ThreadStory, helper.id.0, Some(2)).subject(101),
        ])
        .await
        .expect("events");

    // A minute from now, so that the creator's join in this very second counts (at < T).
    let as_of = Timestamp(now + 60).to_rfc3339();
    let api = t
        .api(
            Method::GET,
            &format!("/api/v1/communities/pulse-lab/pulse?window=30&as_of={as_of}"),
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let a = api.json();
    assert_eq!(a["community"], cid);
    assert_eq!(a["slug"], "pulse-lab");
    assert_eq!(a["members"], 2);
    assert_eq!(a["contributions"], 3);
    assert_eq!(a["help_requests"], 1);
    assert_eq!(a["help_answered_share"], 1.0);
    assert_eq!(a["median_first_response_hours"], 24.0);
    assert_eq!(a["help_solved_share"], 1.0);
    assert_eq!(a["cross_unit_reply_share"], 1.0);
    assert_eq!(a["units_reached"], 2);
    assert!(
        a["activity_trend"].is_null(),
        "no previous activity: null, not 0"
    );
    assert!(a["newcomer_retention"].is_null());
    assert_eq!(a["alerts"]["one_person"], false);

    // The CLI's path (all communities) gives the same record at the same instant.
    let window = PulseWindow::parse(a["as_of"].as_str(), Some("30")).expect("window");
    let all = t.app.all_pulses(None, window).await.expect("all");
    let cli = serde_json::to_value(
        all.iter()
            .find(|r| r.community.id == guildhall_domain::CommunityId(cid))
            .expect("community")
            .record(),
    )
    .expect("json");
    assert_eq!(cli, a);

    // The page shows the same figures.
    let page = t
        .get(
            &format!("/communities/pulse-lab/pulse?window=30&as_of={as_of}"),
            Some(&coord),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg role=\"img\""));
    assert!(page.body.contains("24.0 h"), "median first response shown");
}

#[tokio::test]
async fn bad_pulse_parameters_are_named() {
    let t = TestApp::new().await;
    let who = t.user("Bea Bad", "member").await;
    t.api_post(
        "/api/v1/communities",
        &who,
        json!({"name": "Params", "visibility": "open", "membership_policy": "open"}),
    )
    .await;
    for (query, field) in [
        ("as_of=yesterday", "as_of"),
        ("window=0", "window"),
        ("window=-5", "window"),
        ("window=99999", "window"),
        ("window=abc", "window"),
    ] {
        let r = t
            .api(
                Method::GET,
                &format!("/api/v1/communities/params/pulse?{query}"),
                Some(&who),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(r.json()["error"]["fields"][0]["field"], field, "{query}");
    }
    let unknown = t
        .api(
            Method::GET,
            "/api/v1/communities/nope/pulse",
            Some(&who),
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let extra = t
        .api(
            Method::GET,
            "/api/v1/communities/params/pulse?windw=3",
            Some(&who),
            None,
        )
        .await;
    assert_eq!(extra.status, StatusCode::BAD_REQUEST);
    // The page falls back to the defaults and says what was wrong.
    let page = t
        .get(
            "/communities/params/pulse?as_of=garbage&window=0",
            Some(&who),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("is not an RFC 3339 time"));
}

#[tokio::test]
async fn pulse_follows_the_policy() {
    let t = TestApp::new().await;
    let coord = t.user("Cid Closed", "member").await;
    let outsider = t.user("Ola Outside", "member").await;
    let exec = t.user("Eve Executive", "executive").await;
    t.api_post(
        "/api/v1/communities",
        &coord,
        json!({"name": "Closed Pulse", "visibility": "closed", "membership_policy": "request"}),
    )
    .await;
    t.api_post("/api/v1/communities", &coord, json!({"name": "Private Pulse", "visibility": "private", "membership_policy": "invitation"})).await;
    let closed = t
        .api(
            Method::GET,
            "/api/v1/communities/closed-pulse/pulse",
            Some(&outsider),
            None,
        )
        .await;
    assert_eq!(closed.status, StatusCode::FORBIDDEN);
    let sponsor = t
        .api(
            Method::GET,
            "/api/v1/communities/closed-pulse/pulse",
            Some(&exec),
            None,
        )
        .await;
    assert_eq!(sponsor.status, StatusCode::OK);
    for who in [&outsider, &exec] {
        let private = t
            .api(
                Method::GET,
                "/api/v1/communities/private-pulse/pulse",
                Some(who),
                None,
            )
            .await;
        assert_eq!(private.status, StatusCode::NOT_FOUND);
        let overview = t.get("/overview", Some(who)).await;
        assert!(!overview.body.contains("Private Pulse"));
    }
    let exec_overview = t.get("/overview", Some(&exec)).await;
    assert!(exec_overview.body.contains("Closed Pulse"));
    let outsider_overview = t.get("/overview", Some(&outsider)).await;
    assert!(!outsider_overview.body.contains("Closed Pulse"));
    let coord_overview = t
        .get("/overview?sort=-members&stage=potential", Some(&coord))
        .await;
    assert!(
        coord_overview.body.contains("Private Pulse")
            && coord_overview.body.contains("Closed Pulse")
    );
}

/// Regression: the pulse page of an archive whose activity ended long ago
/// opened on today's alerts about an empty window. It opens at the last
/// activity, says so, and links to today's pulse.
#[tokio::test]
async fn a_dormant_community_opens_at_its_last_activity() {
    let t = TestApp::new().await;
    let reader = t.user("Rhea Reader", "member").await;
    let old = Timestamp::now().0 - 800 * DAY;
    let joined = NewActivity::new(
        Timestamp(old - 30 * DAY),
        ActivityKind::MemberJoined,
        reader.id,
        None,
    );
    let cid = t
        .app
        .store()
        .create_community(
            &guildhall_store::NewCommunity {
                slug: "old-archive".into(),
                name: "Old Archive".into(),
                domain_statement: String::new(),
                purpose: String::new(),
                visibility: guildhall_domain::Visibility::Open,
                membership_policy: guildhall_domain::MembershipPolicy::Open,
                stage: guildhall_domain::Stage::Memory,
                domains: vec![],
            },
            reader.id,
            "imported",
            &[joined],
        )
        .await
        .expect("community");
    t.app
        .store()
        .append_activity(&[NewActivity::new(
            Timestamp(old),
            ActivityKind::ThreadStory,
            reader.id,
            None,
        )
        .in_community(CommunityId(cid.0))
        .subject(1)])
        .await
        .expect("events");
    let page = t.get("/communities/old-archive/pulse", Some(&reader)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let last_day = Timestamp(old).date();
    assert!(
        page.body
            .contains(&format!("the last activity was on {last_day}")),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!("days up to {last_day}")));
    assert!(page.body.contains("pulse?as_of=now"));
    assert!(
        !page.body.contains(">0 contributions this window"),
        "not the figures of an empty window"
    );
    let now = t
        .get("/communities/old-archive/pulse?as_of=now", Some(&reader))
        .await;
    assert_eq!(now.status, StatusCode::OK);
    assert!(!now.body.contains("the last activity was on"));
    assert!(
        now.body
            .contains(&format!("days up to {}", Timestamp::now().date()))
    );
    // A date asked for is kept.
    let asked = t
        .get(
            "/communities/old-archive/pulse?as_of=2020-01-01",
            Some(&reader),
        )
        .await;
    assert!(
        asked.body.contains("days up to 1 Jan 2020"),
        "{}",
        asked.body
    );
}
