use guildhall_domain::{
    ActivityKind, MembershipPolicy, NewActivity, PersonId, Stage, Timestamp, Visibility,
};
use guildhall_store::{CommunityFilter, NewCommunity, NewPerson, Store, StoreError};

pub fn person(name: &str) -> NewPerson {
    NewPerson::member(name, format!("{}@example.org", name.to_lowercase()))
}

pub fn community(slug: &str, visibility: &str, policy: &str) -> NewCommunity {
    NewCommunity {
        slug: slug.into(),
        name: slug.into(),
        domain_statement: String::new(),
        purpose: String::new(),
        visibility: Visibility::parse(visibility).expect("visibility"),
        membership_policy: MembershipPolicy::parse(policy).expect("policy"),
        stage: Stage::Potential,
        domains: Vec::new(),
    }
}

pub fn joined(who: PersonId) -> NewActivity {
    NewActivity::new(Timestamp::now(), ActivityKind::MemberJoined, who, None)
}

pub async fn setup() -> Store {
    guildhall_testkit::fresh_store().await
}

#[tokio::test]
async fn a_community_story() {
    let store = setup().await;
    let unit = store
        .create_unit("Engineering", None, "")
        .await
        .expect("unit");
    let mut ada = person("Ada");
    ada.unit_id = Some(unit.id);
    let ada = store.create_person(&ada).await.expect("ada");
    let bob = store.create_person(&person("Bob")).await.expect("bob");
    assert!(matches!(
        store.create_person(&person("Ada")).await,
        Err(StoreError::Conflict("email"))
    ));

    let domain = store.create_domain("Databases", "").await.expect("domain");
    let mut new = community("db-guild", "open", "open");
    new.domains = vec![domain.id];
    let id = store
        .create_community(&new, ada, "created", &[joined(ada)])
        .await
        .expect("community");
    assert!(matches!(
        store
            .create_community(&new, ada, "created", &[joined(ada)])
            .await,
        Err(StoreError::Conflict("slug"))
    ));

    // The creator is coordinator; the join is logged in the new community.
    let members = store.members(id).await.expect("members");
    assert_eq!(members.len(), 1);
    assert_eq!(
        members[0].role,
        guildhall_domain::CommunityRole::Coordinator
    );
    assert_eq!(members[0].unit_name.as_deref(), Some("Engineering"));
    let log = store
        .activity_after(guildhall_domain::ActivityId(0), 10)
        .await
        .expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].community_id, Some(id));

    let ev =
        NewActivity::new(Timestamp::now(), ActivityKind::MemberJoined, bob, None).in_community(id);
    store
        .add_member(id, bob, guildhall_domain::CommunityRole::Member, &ev)
        .await
        .expect("join");
    assert!(matches!(
        store
            .add_member(id, bob, guildhall_domain::CommunityRole::Member, &ev)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store
            .activity_after(guildhall_domain::ActivityId(0), 10)
            .await
            .expect("log")
            .len(),
        2,
        "a refused join logs nothing"
    );

    let stage_ev =
        NewActivity::new(Timestamp::now(), ActivityKind::StageChanged, ada, None).in_community(id);
    store
        .change_stage(
            id,
            guildhall_domain::Stage::Coalescing,
            "first meetup",
            &stage_ev,
        )
        .await
        .expect("stage");
    let history = store.stage_history(id).await.expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(
        history[0].from_stage,
        Some(guildhall_domain::Stage::Potential)
    );
    assert_eq!(history[0].to_stage, guildhall_domain::Stage::Coalescing);

    let listed = store
        .communities(&CommunityFilter {
            visible_to: bob,
            domain: Some(domain.id),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(listed.total, 1);
    assert_eq!(listed.items[0].members, 2);
    assert_eq!(
        listed.items[0].my_role,
        Some(guildhall_domain::CommunityRole::Member)
    );

    let leave = NewActivity::new(Timestamp::now(), ActivityKind::MemberLeft, bob, None);
    store.remove_member(id, bob, &leave).await.expect("leave");
    assert!(matches!(
        store.remove_member(id, bob, &leave).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store
            .activity_after(guildhall_domain::ActivityId(0), 10)
            .await
            .expect("log")
            .len(),
        4
    );
}

#[tokio::test]
async fn a_failed_change_leaves_nothing_behind() {
    let store = setup().await;
    let ada = store.create_person(&person("Ada")).await.expect("ada");
    let mut bad = community("broken", "open", "open");
    bad.domains = vec![guildhall_domain::DomainId(999_999)]; // no such domain: the foreign key fails mid-transaction
    assert!(
        store
            .create_community(&bad, ada, "created", &[joined(ada)])
            .await
            .is_err()
    );
    assert!(matches!(
        store.community_by_slug("broken").await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .activity_after(guildhall_domain::ActivityId(0), 10)
            .await
            .expect("log")
            .is_empty()
    );
}

#[tokio::test]
async fn sessions_expire_and_die_with_a_password_change() {
    let store = setup().await;
    let ada = store.create_person(&person("Ada")).await.expect("ada");
    store.create_session("h1", ada, 0, 100).await.expect("s1");
    store
        .create_session("h2", ada, 0, 10_000)
        .await
        .expect("s2");
    assert!(
        store.session_person("h1", 200).await.expect("q").is_none(),
        "expired"
    );
    assert_eq!(
        store
            .session_person("h2", 200)
            .await
            .expect("q")
            .map(|s| s.person_id),
        Some(ada)
    );
    store
        .create_session("h3", ada, 0, 10_000)
        .await
        .expect("s3");
    store
        .set_password_hash(ada, "hash", Some("h3"), None)
        .await
        .expect("set");
    assert!(store.session_person("h2", 200).await.expect("q").is_none());
    assert!(store.session_person("h3", 200).await.expect("q").is_some());
    // h1 went with the password change; only h3 is left to expire.
    assert_eq!(
        store.delete_expired_sessions(20_000).await.expect("sweep"),
        1
    );
}

#[tokio::test]
async fn like_wildcards_in_filters_are_literal() {
    let store = setup().await;
    store.create_person(&person("Percent")).await.expect("p");
    let mut odd = person("Odd");
    odd.title = "100% remote".into();
    store.create_person(&odd).await.expect("odd");
    let f = guildhall_store::PeopleFilter {
        text: Some("0%".into()),
        limit: 10,
        ..Default::default()
    };
    let found = store.people(&f).await.expect("people");
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].name, "Odd");
    let f = guildhall_store::PeopleFilter {
        text: Some("_".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(store.people(&f).await.expect("people").total, 0);
}

/// The community page's member overview agrees with the full member list:
/// counts per role, units, and the first members of each role by name.
#[tokio::test]
async fn the_member_overview_summarizes_the_member_list() {
    use guildhall_domain::CommunityRole;
    let store = setup().await;
    let north = store.create_unit("North", None, "").await.expect("unit").id;
    let south = store.create_unit("South", None, "").await.expect("unit").id;
    let founder = store.create_person(&person("Zed")).await.expect("founder");
    let c = store
        .create_community(
            &community("overview", "open", "open"),
            founder,
            "created",
            &[joined(founder)],
        )
        .await
        .expect("community");
    for (i, name) in ["Mia", "Al", "Bo", "Cy", "Di", "Ed"].iter().enumerate() {
        let mut p = person(name);
        p.unit_id = Some(if i % 2 == 0 { north } else { south });
        let id = store.create_person(&p).await.expect("person");
        let role = if i < 4 {
            CommunityRole::Member
        } else {
            CommunityRole::Core
        };
        store
            .add_member(c, id, role, &joined(id).in_community(c))
            .await
            .expect("member");
    }
    let all = store.members(c).await.expect("members");
    let overview = store.member_overview(c, 3).await.expect("overview");
    assert_eq!(overview.total(), all.len() as i64);
    assert_eq!(
        overview.roles,
        vec![
            (CommunityRole::Coordinator, 1),
            (CommunityRole::Core, 2),
            (CommunityRole::Member, 4)
        ]
    );
    assert_eq!(overview.units, 2, "the founder has no unit");
    let names: Vec<&str> = overview.first.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["Zed", "Di", "Ed", "Al", "Bo", "Cy"]);
    // The same order as the full list, cut to three per role.
    let mut expected: Vec<&str> = Vec::new();
    for role in [
        CommunityRole::Coordinator,
        CommunityRole::Core,
        CommunityRole::Member,
    ] {
        expected.extend(
            all.iter()
                .filter(|m| m.role == role)
                .take(3)
                .map(|m| m.name.as_str()),
        );
    }
    assert_eq!(names, expected);
}
