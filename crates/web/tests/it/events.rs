//! Events: scheduling with validation and policy, RSVPs, sessions held with
//! attendance in the activity log, and the iCalendar feed read back by an
//! independent parser.

use crate::harness::{TestApp, Who};
use axum::http::{Method, StatusCode};
use guildhall_domain::Timestamp;
use serde_json::json;

const DAY: i64 = 86_400;

/// A weekly series whose first start was a week and two hours ago: two
/// occurrences are past (and can be recorded as held), the next is to come.
fn weekly_start() -> i64 {
    let now = Timestamp::now().0 / 60 * 60;
    now - 7 * DAY - 2 * 3600
}

fn rfc(t: i64) -> String {
    Timestamp(t).to_rfc3339()
}

async fn community(t: &TestApp, coord: &Who, slug: &str, visibility: &str) {
    let policy = if visibility == "private" {
        "invitation"
    } else {
        "open"
    };
    let r = t
        .api_post(
            "/api/v1/communities",
            coord,
            json!({"name": slug, "slug": slug, "visibility": visibility, "membership_policy": policy, "stage": "coalescing"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

async fn join(t: &TestApp, coord: &Who, slug: &str, who: &Who) {
    let invite = t
        .api_post(
            &format!("/api/v1/communities/{slug}/invitations"),
            coord,
            json!({"person": who.email}),
        )
        .await;
    assert!(invite.status.is_success(), "{}", invite.body);
    let r = t
        .api_post(&format!("/api/v1/communities/{slug}/join"), who, json!({}))
        .await;
    assert!(r.status.is_success(), "{}", r.body);
}

async fn count_events(t: &TestApp, slug: &str) -> usize {
    let c = t
        .app
        .store()
        .community_by_slug(slug)
        .await
        .expect("community");
    t.app
        .store()
        .community_events(c.id)
        .await
        .expect("events")
        .len()
}

fn parse_ics(body: &str) -> Vec<ical::parser::ical::component::IcalCalendar> {
    ical::IcalParser::new(body.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .expect("a valid iCalendar document")
}

fn prop<'a>(e: &'a ical::parser::ical::component::IcalEvent, name: &str) -> Option<&'a str> {
    e.properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
}

#[tokio::test]
async fn scheduling_is_validated_and_for_the_core_group() {
    let t = TestApp::new().await;
    let coord = t.user("Eve Coord", "member").await;
    let member = t.user("Mo Member", "member").await;
    community(&t, &coord, "rhythms", "open").await;
    join(&t, &coord, "rhythms", &member).await;

    // A malformed rule is refused with its message; nothing is written.
    let bad = t
        .post_form(
            "/communities/rhythms/events",
            Some(&coord),
            &[
                ("title", "Monthly review"),
                ("starts_at", "2026-01-13T17:00"),
                ("duration_minutes", "60"),
                ("repeats", "custom"),
                ("rule", "FREQ=MONTHLY;BYDAY=2TU;COUNT=3;UNTIL=20270101"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("COUNT and UNTIL cannot be used together"),
        "{}",
        bad.body
    );
    assert_eq!(count_events(&t, "rhythms").await, 0);

    let api_bad = t
        .api_post(
            "/api/v1/communities/rhythms/events",
            &coord,
            json!({"title": "", "starts_at": "soon", "duration_minutes": 2000, "link": "ftp://x", "recurrence": "FREQ=WEEKLY;COLOR=RED"}),
        )
        .await;
    assert_eq!(api_bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = api_bad.json()["error"]["fields"].to_string();
    for f in ["title", "starts_at", "duration_minutes", "link"] {
        assert!(fields.contains(f), "{f} missing in {fields}");
    }
    assert_eq!(count_events(&t, "rhythms").await, 0);
    let api_rule = t
        .api_post(
            "/api/v1/communities/rhythms/events",
            &coord,
            json!({"title": "x", "starts_at": "2026-01-13T17:00:00Z", "recurrence": "FREQ=WEEKLY;COLOR=RED"}),
        )
        .await;
    assert_eq!(api_rule.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        api_rule.body.contains("unknown part 'COLOR'"),
        "{}",
        api_rule.body
    );

    // A member may not schedule, by page or API.
    let page = t
        .post_form(
            "/communities/rhythms/events",
            Some(&member),
            &[("title", "My meetup"), ("starts_at", "2026-01-13T17:00")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let api = t
        .api_post(
            "/api/v1/communities/rhythms/events",
            &member,
            json!({"title": "My meetup", "starts_at": "2026-01-13T17:00:00Z"}),
        )
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert_eq!(count_events(&t, "rhythms").await, 0);

    // The coordinator schedules a series through the friendly choice.
    let ok = t
        .post_form(
            "/communities/rhythms/events",
            Some(&coord),
            &[
                ("title", "Fortnightly clinic"),
                ("starts_at", "2026-01-06T17:00"),
                ("duration_minutes", "45"),
                ("repeats", "fortnightly"),
                ("kind", "workshop"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let list = t
        .api(
            Method::GET,
            "/api/v1/communities/rhythms/events",
            Some(&member),
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let v = list.json();
    assert_eq!(
        v["events"][0]["recurrence"],
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    );
    assert_eq!(v["events"][0]["rhythm"], "every second Tuesday");
    assert_eq!(v["can_manage"], false);
    let page = t.get("/communities/rhythms/events", Some(&member)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Fortnightly clinic"));
    assert!(!page.body.contains("Schedule an event"));
    let community = t.get("/communities/rhythms", Some(&member)).await;
    assert!(community.body.contains("/communities/rhythms/events"));
}

#[tokio::test]
async fn rsvp_held_and_attendance_are_recorded_once() {
    let t = TestApp::new().await;
    let coord = t.user("Cora Core", "member").await;
    let ann = t.user("Ann Attendee", "member").await;
    let bob = t.user("Bob Attendee", "member").await;
    let outsider = t.user("Otto Outside", "member").await;
    community(&t, &coord, "circle", "open").await;
    join(&t, &coord, "circle", &ann).await;
    join(&t, &coord, "circle", &bob).await;

    let start = weekly_start();
    let created = t
        .api_post(
            "/api/v1/communities/circle/events",
            &coord,
            json!({"title": "Weekly circle", "starts_at": rfc(start), "duration_minutes": 30, "repeats": "weekly", "place": "Room 4"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_i64().expect("id");

    // RSVP for the next occurrence; changing one's mind keeps one answer.
    let next = start + 14 * DAY;
    for answer in ["maybe", "yes"] {
        let r = t
            .api_post(
                &format!("/api/v1/communities/circle/events/{id}/rsvp"),
                &ann,
                json!({"occurrence_at": rfc(next), "answer": answer}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let by_form = t
        .post_form(
            &format!("/communities/circle/events/{id}/rsvp"),
            Some(&bob),
            &[
                ("occurrence_at", &next.to_string()),
                ("answer", "no"),
                ("back", "list"),
            ],
        )
        .await;
    assert_eq!(by_form.status, StatusCode::SEE_OTHER, "{}", by_form.body);
    let not_an_occurrence = t
        .api_post(
            &format!("/api/v1/communities/circle/events/{id}/rsvp"),
            &ann,
            json!({"occurrence_at": rfc(next + 3600), "answer": "yes"}),
        )
        .await;
    assert_eq!(not_an_occurrence.status, StatusCode::UNPROCESSABLE_ENTITY);
    let list = t
        .api(
            Method::GET,
            "/api/v1/communities/circle/events",
            Some(&ann),
            None,
        )
        .await
        .json();
    let upcoming = list["upcoming"].as_array().expect("upcoming");
    let o = upcoming
        .iter()
        .find(|o| o["at"] == rfc(next))
        .expect("next occurrence listed");
    assert_eq!(o["going"], 1);
    assert_eq!(o["not_going"], 1);
    assert_eq!(o["my_answer"], "yes");

    // Only the core group records sessions; the future cannot be recorded.
    let member_try = t
        .api_post(
            &format!("/api/v1/communities/circle/events/{id}/held"),
            &ann,
            json!({"occurrence_at": rfc(start), "attendees": [ann.id.0]}),
        )
        .await;
    assert_eq!(member_try.status, StatusCode::FORBIDDEN);
    let future = t
        .api_post(
            &format!("/api/v1/communities/circle/events/{id}/held"),
            &coord,
            json!({"occurrence_at": rfc(next), "attendees": []}),
        )
        .await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    let stranger = t
        .api_post(
            &format!("/api/v1/communities/circle/events/{id}/held"),
            &coord,
            json!({"occurrence_at": rfc(start), "attendees": [outsider.id.0]}),
        )
        .await;
    assert_eq!(stranger.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Held with two attendees (by form, checkboxes), then again with one
    // of them and a newcomer: one session, each person once.
    let first = t
        .post_form(
            &format!("/communities/circle/events/{id}/held"),
            Some(&coord),
            &[
                ("occurrence_at", &start.to_string()),
                ("attendees", &ann.id.0.to_string()),
                ("attendees", &bob.id.0.to_string()),
                ("notes", "Good turnout"),
            ],
        )
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let again = t
        .api_post(
            &format!("/api/v1/communities/circle/events/{id}/held"),
            &coord,
            json!({"occurrence_at": rfc(start), "attendees": [ann.id.0, coord.id.0, ann.id.0]}),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let again = again.json();
    assert_eq!(again["new_session"], false);
    assert_eq!(again["newly_attended"], json!([coord.id.0]));
    let session = again["session_id"].as_i64().expect("session id");
    let second = t
        .api_post(
            &format!("/api/v1/communities/circle/events/{id}/held"),
            &coord,
            json!({"occurrence_at": rfc(start + 7 * DAY), "attendees": [bob.id.0]}),
        )
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let second_session = second.json()["session_id"].as_i64().expect("session id");

    let c = t
        .app
        .store()
        .community_by_slug("circle")
        .await
        .expect("community");
    let log = t
        .app
        .store()
        .activity_after(guildhall_domain::ActivityId(0), 10_000)
        .await
        .expect("activity");
    let held: Vec<_> = log
        .iter()
        .filter(|a| a.kind == guildhall_domain::ActivityKind::EventHeld)
        .collect();
    assert_eq!(held.len(), 2);
    assert_eq!(held[0].subject_id, Some(session));
    assert_eq!(held[0].actor_id, coord.id);
    assert_eq!(held[0].at, start, "held at the occurrence's time");
    assert_eq!(held[0].community_id, Some(c.id));
    assert_eq!(held[1].subject_id, Some(second_session));
    let attended: Vec<(i64, Option<i64>)> = log
        .iter()
        .filter(|a| a.kind == guildhall_domain::ActivityKind::EventAttended)
        .map(|a| (a.actor_id.0, a.subject_id))
        .collect();
    let mut expected = vec![
        (ann.id.0, Some(session)),
        (bob.id.0, Some(session)),
        (coord.id.0, Some(session)),
        (bob.id.0, Some(second_session)),
    ];
    let mut got = attended.clone();
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    assert!(
        log.iter()
            .filter(|a| a.kind == guildhall_domain::ActivityKind::EventAttended)
            .all(|a| a.community_id == Some(c.id) && a.at >= start)
    );

    let page = t
        .get(&format!("/communities/circle/events/{id}"), Some(&coord))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Good turnout"));
    assert!(page.body.contains("Record a session as held") || page.body.contains("Record as held"));
    let list_page = t.get("/communities/circle/events", Some(&ann)).await;
    assert!(list_page.body.contains("3 attendees"), "{}", list_page.body);
}

#[tokio::test]
async fn private_events_and_feeds_are_hidden_from_outsiders() {
    let t = TestApp::new().await;
    let coord = t.user("Pia Private", "member").await;
    let member = t.user("Max Member", "member").await;
    let outsider = t.user("Olga Outside", "member").await;
    community(&t, &coord, "hidden", "private").await;
    join(&t, &coord, "hidden", &member).await;
    let created = t
        .api_post(
            "/api/v1/communities/hidden/events",
            &coord,
            json!({"title": "Secret sync; with, commas", "starts_at": "2026-01-30T12:00:00Z", "recurrence": "FREQ=MONTHLY;BYDAY=-1FR", "description": "Line one\nLine two, with a comma", "place": "Room 7"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    for path in ["/communities/hidden/events", "/communities/hidden/events/1"] {
        assert_eq!(
            t.get(path, Some(&outsider)).await.status,
            StatusCode::NOT_FOUND
        );
    }
    let api = t
        .api(
            Method::GET,
            "/api/v1/communities/hidden/events",
            Some(&outsider),
            None,
        )
        .await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);

    // No key, a wrong key, an outsider's key: the same 404.
    assert_eq!(
        t.get("/communities/hidden/calendar.ics", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get("/communities/hidden/calendar.ics?key=nope", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let outsider_key = t
        .app
        .new_calendar_key(&t.session(&outsider).await)
        .await
        .expect("key");
    let refused = t
        .get(
            &format!("/communities/hidden/calendar.ics?key={outsider_key}"),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let unknown = t.get("/communities/nowhere/calendar.ics", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(refused.body, unknown.body, "no hint of existence");

    // The member's page offers a personal feed address; made, it is shown
    // once (only its hash is kept) and works.
    let page = t.get("/communities/hidden/events", Some(&member)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Get my calendar address"));
    assert!(!page.body.contains("calendar.ics?key="));
    let made = t
        .post_form(
            "/communities/hidden/events/calendar-key",
            Some(&member),
            &[],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert_eq!(
        made.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let key = made
        .body
        .split("calendar.ics?key=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the new address on the page")
        .to_owned();
    // Regression: keys were stored in plain text. Only the hash is.
    let store = t.app.store();
    assert_eq!(
        store.person_by_calendar_key(&key).await.expect("lookup"),
        None
    );
    assert_eq!(
        store
            .person_by_calendar_key(&guildhall_app::auth::hash_token(&key))
            .await
            .expect("lookup"),
        Some(member.id)
    );
    let again = t.get("/communities/hidden/events", Some(&member)).await;
    assert!(!again.body.contains(&key), "shown once");
    assert!(again.body.contains("Make a new calendar address"));
    let feed = t
        .get(&format!("/communities/hidden/calendar.ics?key={key}"), None)
        .await;
    assert_eq!(feed.status, StatusCode::OK);
    assert_eq!(
        feed.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/calendar; charset=utf-8")
    );
    let cals = parse_ics(&feed.body);
    assert_eq!(cals.len(), 1);
    let events = &cals[0].events;
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(prop(e, "SUMMARY"), Some("Secret sync\\; with\\, commas"));
    assert_eq!(prop(e, "RRULE"), Some("FREQ=MONTHLY;BYDAY=-1FR"));
    assert_eq!(prop(e, "DTSTART"), Some("20260130T120000Z"));
    assert_eq!(prop(e, "DTEND"), Some("20260130T130000Z"));
    assert_eq!(prop(e, "LOCATION"), Some("Room 7"));
    assert!(prop(e, "UID").is_some_and(|u| u.starts_with("event-") && u.ends_with("@guildhall")));
    assert!(prop(e, "DTSTAMP").is_some());
    assert!(prop(e, "DESCRIPTION").is_some_and(|d| d.contains("Line one\\nLine two")));

    // Rotating the key closes the old address.
    let rotated = t
        .post_form(
            "/communities/hidden/events/calendar-key",
            Some(&member),
            &[],
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK);
    let old = t
        .get(&format!("/communities/hidden/calendar.ics?key={key}"), None)
        .await;
    assert_eq!(old.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn open_feed_needs_no_sign_in_and_marks_cancellations() {
    let t = TestApp::new().await;
    let coord = t.user("Ola Open", "member").await;
    community(&t, &coord, "town-square", "open").await;
    let long_title =
        "A launch with a rather long title that goes on and on past seventy-five octets ✓";
    let one = t
        .api_post(
            "/api/v1/communities/town-square/events",
            &coord,
            json!({"title": long_title, "kind": "launch", "starts_at": "2026-05-01T10:00:00Z", "duration_minutes": 120, "link": "https://meet.example.org/launch"}),
        )
        .await;
    assert_eq!(one.status, StatusCode::CREATED, "{}", one.body);
    let two = t
        .api_post(
            "/api/v1/communities/town-square/events",
            &coord,
            json!({"title": "Weekly standup", "starts_at": "2026-01-05T09:00:00Z", "duration_minutes": 15, "recurrence": "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10"}),
        )
        .await;
    let two_id = two.json()["id"].as_i64().expect("id");
    let cancel = t
        .post_form(
            &format!("/communities/town-square/events/{two_id}/cancel"),
            Some(&coord),
            &[],
        )
        .await;
    assert_eq!(cancel.status, StatusCode::SEE_OTHER);

    let feed = t.get("/communities/town-square/calendar.ics", None).await;
    assert_eq!(feed.status, StatusCode::OK, "{}", feed.body);
    assert!(feed.body.lines().all(|l| l.len() <= 75), "folded lines");
    let cals = parse_ics(&feed.body);
    let events = &cals[0].events;
    assert_eq!(events.len(), 2);
    let launch = events
        .iter()
        .find(|e| prop(e, "URL") == Some("https://meet.example.org/launch"))
        .expect("launch");
    assert_eq!(prop(launch, "SUMMARY"), Some(long_title));
    assert_eq!(prop(launch, "STATUS"), Some("CONFIRMED"));
    assert_eq!(prop(launch, "DTEND"), Some("20260501T120000Z"));
    assert!(prop(launch, "RRULE").is_none());
    let standup = events
        .iter()
        .find(|e| prop(e, "SUMMARY") == Some("Weekly standup"))
        .expect("standup");
    assert_eq!(prop(standup, "STATUS"), Some("CANCELLED"));
    assert_eq!(
        prop(standup, "RRULE"),
        Some("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10")
    );
    assert_eq!(
        prop(standup, "UID"),
        Some(format!("event-{two_id}@guildhall").as_str())
    );
}

/// The maturing checklist's "launch workshop" is computed from a held
/// session of a launch (or workshop) event, no longer left to the reader.
#[tokio::test]
async fn a_held_launch_ticks_the_lifecycle_checklist() {
    let t = TestApp::new().await;
    let coord = t.user("Laun Cher", "member").await;
    let r = t
        .api_post(
            "/api/v1/communities",
            &coord,
            json!({"name": "Launchpad", "slug": "launchpad", "visibility": "open", "membership_policy": "open", "stage": "maturing"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let page = t.get("/communities/launchpad", Some(&coord)).await;
    assert!(
        page.body.contains("no launch or workshop recorded as held"),
        "before"
    );
    let start = Timestamp::now().0 / 60 * 60 - 3 * DAY;
    let r = t
        .api_post(
            "/api/v1/communities/launchpad/events",
            &coord,
            json!({"kind": "launch", "title": "Launch", "starts_at": rfc(start), "duration_minutes": 120}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().expect("id");
    let r = t
        .api_post(
            &format!("/api/v1/communities/launchpad/events/{id}/held"),
            &coord,
            json!({"occurrence_at": rfc(start), "attendees": [coord.id.0]}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let page = t.get("/communities/launchpad", Some(&coord)).await;
    assert!(page.body.contains("held 3 days ago"), "after");
}

#[tokio::test]
async fn the_core_group_edits_an_event_from_its_form() {
    let t = TestApp::new().await;
    let coord = t.user("Ed Coord", "member").await;
    let member = t.user("Mia Member", "member").await;
    community(&t, &coord, "editing", "open").await;
    join(&t, &coord, "editing", &member).await;
    let created = t
        .post_form(
            "/communities/editing/events",
            Some(&coord),
            &[
                ("kind", "regular"),
                ("title", "Monthly review"),
                ("starts_at", "2031-01-14T17:00"),
                ("duration_minutes", "60"),
                ("repeats", "custom"),
                ("rule", "FREQ=MONTHLY;BYDAY=2TU"),
                ("place", "Room 4"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let at = created.location().unwrap_or_default().to_owned();
    let event = at.split('?').next().unwrap_or_default().to_owned();

    // The form shows the event as it stands, its rhythm as its rule.
    let form = t.get(&format!("{event}/edit"), Some(&coord)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    for shown in [
        "value=\"Monthly review\"",
        "value=\"2031-01-14T17:00\"",
        "FREQ=MONTHLY;BYDAY=2TU",
        "value=\"Room 4\"",
    ] {
        assert!(form.body.contains(shown), "{shown} not in the form");
    }
    let page = t.get(&event, Some(&coord)).await;
    assert!(page.body.contains(&format!("{event}/edit")), "an Edit link");
    let theirs = t.get(&event, Some(&member)).await;
    assert!(
        !theirs.body.contains(&format!("{event}/edit")),
        "no Edit link for members"
    );

    // A plain member may neither see the form nor save it.
    assert_eq!(
        t.get(&format!("{event}/edit"), Some(&member)).await.status,
        StatusCode::FORBIDDEN
    );
    let refused = t
        .post_form(
            &format!("{event}/edit"),
            Some(&member),
            &[
                ("kind", "regular"),
                ("title", "Hijacked"),
                ("starts_at", "2031-01-14T17:00"),
                ("duration_minutes", "60"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // A bad rule is explained beside the field and changes nothing.
    let bad = t
        .post_form(
            &format!("{event}/edit"),
            Some(&coord),
            &[
                ("kind", "regular"),
                ("title", "Monthly review"),
                ("starts_at", "2031-01-14T17:00"),
                ("duration_minutes", "60"),
                ("repeats", "custom"),
                ("rule", "FREQ=SOMETIMES"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Rule:"), "{}", bad.body);

    let saved = t
        .post_form(
            &format!("{event}/edit"),
            Some(&coord),
            &[
                ("kind", "workshop"),
                ("title", "Quarterly review"),
                ("starts_at", "2031-01-14T18:30"),
                ("duration_minutes", "90"),
                ("repeats", "no"),
                ("place", "Room 7"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = t.get(&event, Some(&member)).await;
    assert!(after.body.contains("Quarterly review") && after.body.contains("Room 7"));
    let landed = t
        .get(saved.location().unwrap_or_default(), Some(&coord))
        .await;
    assert!(
        landed.body.contains("The event is updated."),
        "{}",
        landed.body
    );
    assert!(!after.body.contains("Hijacked"));
    let api = t
        .get("/api/v1/communities/editing/events", Some(&member))
        .await
        .json();
    let found = api.to_string();
    assert!(
        found.contains("Quarterly review") && found.contains("90"),
        "{found}"
    );
}
