//! Events on both databases: sessions held once, attendance once per
//! person with its activity (the attendee as actor, their unit resolved),
//! RSVP upserts, calendar keys.

use crate::conformance::{community, joined, person, setup};
use guildhall_domain::{ActivityKind, NewActivity, Timestamp};
use guildhall_store::{EventFields, SessionRecord, StoreError};

#[tokio::test]
async fn an_event_story() {
    let store = setup().await;
    let ada = store.create_person(&person("Ada")).await.expect("ada");
    let bob = store.create_person(&person("Bob")).await.expect("bob");
    let c = store
        .create_community(
            &community("evs", "open", "open"),
            ada,
            "created",
            &[joined(ada)],
        )
        .await
        .expect("community");
    let fields = EventFields {
        kind: guildhall_domain::EventKind::Regular,
        title: "Weekly".into(),
        description: String::new(),
        place: String::new(),
        link: String::new(),
        starts_at: 1_767_718_800,
        duration_minutes: 60,
        recurrence: "FREQ=WEEKLY;BYDAY=TU".into(),
    };
    let id = store.create_event(c, &fields, ada, 1).await.expect("event");
    store
        .update_event(
            id,
            &EventFields {
                title: "Weekly circle".into(),
                ..fields.clone()
            },
        )
        .await
        .expect("update");
    assert!(matches!(
        store
            .update_event(guildhall_domain::EventId(id.0 + 99), &fields)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.event(id).await.expect("event").title, "Weekly circle");

    let at = fields.starts_at;
    store
        .set_rsvp(id, at, bob, guildhall_domain::RsvpAnswer::Maybe, 2)
        .await
        .expect("rsvp");
    store
        .set_rsvp(id, at, bob, guildhall_domain::RsvpAnswer::Yes, 3)
        .await
        .expect("rsvp again");
    let rsvps = store.event_rsvps(id).await.expect("rsvps");
    assert_eq!(rsvps.len(), 1);
    assert_eq!(rsvps[0].answer, guildhall_domain::RsvpAnswer::Yes);

    let held = NewActivity::new(Timestamp(at), ActivityKind::EventHeld, ada, None).in_community(c);
    let attended =
        NewActivity::new(Timestamp(at), ActivityKind::EventAttended, ada, None).in_community(c);
    let people = [ada, bob, bob];
    let record = SessionRecord {
        event: id,
        occurrence_at: at,
        notes: "",
        recorded_at: 10,
        attendees: &people,
    };
    let first = store
        .record_session(&record, &held, &attended)
        .await
        .expect("held");
    assert!(first.new_session);
    assert_eq!(first.newly_attended.len(), 2);
    let again = store
        .record_session(&record, &held, &attended)
        .await
        .expect("again");
    assert_eq!(again.session_id, first.session_id);
    assert!(!again.new_session);
    assert!(again.newly_attended.is_empty());
    let log = store
        .activity_after(guildhall_domain::ActivityId(0), 1000)
        .await
        .expect("log");
    assert_eq!(
        log.iter()
            .filter(|a| a.kind == guildhall_domain::ActivityKind::EventHeld)
            .count(),
        1
    );
    let mut actors: Vec<guildhall_domain::PersonId> = log
        .iter()
        .filter(|a| {
            a.kind == guildhall_domain::ActivityKind::EventAttended
                && a.subject_id == Some(first.session_id.0)
        })
        .map(|a| a.actor_id)
        .collect();
    actors.sort_unstable();
    assert_eq!(actors, [ada.min(bob), ada.max(bob)]);
    assert_eq!(
        store
            .session_attendees(first.session_id)
            .await
            .expect("who")
            .len(),
        2
    );
    assert_eq!(
        store.community_sessions(c, 10).await.expect("sessions")[0].attendees,
        2
    );

    assert_eq!(store.calendar_key_created(ada).await.expect("none"), None);
    store
        .set_calendar_key(ada, "first-hash", 1)
        .await
        .expect("key");
    assert_eq!(
        store.calendar_key_created(ada).await.expect("made"),
        Some(1)
    );
    assert_eq!(
        store
            .person_by_calendar_key("first-hash")
            .await
            .expect("lookup"),
        Some(ada)
    );
    store
        .set_calendar_key(ada, "second-hash", 3)
        .await
        .expect("rotate");
    assert_eq!(
        store
            .person_by_calendar_key("first-hash")
            .await
            .expect("lookup"),
        None
    );
    assert_eq!(
        store
            .person_by_calendar_key("second-hash")
            .await
            .expect("lookup"),
        Some(ada)
    );
    assert_eq!(
        store.calendar_key_created(ada).await.expect("made"),
        Some(3)
    );

    store.cancel_event(id, 50).await.expect("cancel");
    store.cancel_event(id, 60).await.expect("cancel twice");
    assert_eq!(store.event(id).await.expect("event").cancelled_at, Some(50));
}
