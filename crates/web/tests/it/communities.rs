use crate::harness::TestApp;
use axum::http::StatusCode;

async fn community(
    t: &TestApp,
    who: &crate::harness::Who,
    name: &str,
    vis: &str,
    policy: &str,
) -> String {
    let res = t
        .post_form(
            "/communities/new",
            Some(who),
            &[
                ("name", name),
                ("visibility", vis),
                ("membership_policy", policy),
                ("purpose", "We help each other."),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let loc = res.location().expect("redirect").to_owned();
    loc.trim_start_matches("/communities/")
        .split('?')
        .next()
        .expect("slug")
        .to_owned()
}

#[tokio::test]
async fn create_join_leave_with_activity_logged() {
    let t = TestApp::new().await;
    let coord = t.user("Cora Ordinator", "member").await;
    let slug = community(&t, &coord, "Data Engineering", "open", "open").await;
    assert_eq!(slug, "data-engineering");
    let page = t.get(&format!("/communities/{slug}"), Some(&coord)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Data Engineering") && page.body.contains("What matters now"));

    let member = t.user("Max Member", "member").await;
    let join = t
        .post_form(&format!("/communities/{slug}/join"), Some(&member), &[])
        .await;
    assert_eq!(
        join.location(),
        Some(format!("/communities/{slug}?notice=joined").as_str())
    );
    let again = t
        .post_form(&format!("/communities/{slug}/join"), Some(&member), &[])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let leave = t
        .post_form(&format!("/communities/{slug}/leave"), Some(&member), &[])
        .await;
    assert_eq!(leave.status, StatusCode::SEE_OTHER);
    // The last coordinator cannot leave.
    let stuck = t
        .post_form(&format!("/communities/{slug}/leave"), Some(&coord), &[])
        .await;
    assert_eq!(stuck.status, StatusCode::FORBIDDEN);

    let log = t
        .app
        .store()
        .activity_after(guildhall_domain::ActivityId(0), 100)
        .await
        .expect("log");
    let kinds: Vec<(&str, i64)> = log
        .iter()
        .map(|r| (r.kind.as_str(), r.actor_id.0))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("member.joined", coord.id.0),
            ("member.joined", member.id.0),
            ("member.left", member.id.0)
        ]
    );
    assert!(log.iter().all(|r| r.community_id.is_some()));
}

#[tokio::test]
async fn slug_clash_is_a_409_naming_the_field_and_bad_input_is_kept() {
    let t = TestApp::new().await;
    let who = t.user("Sam Slug", "member").await;
    community(&t, &who, "Security", "open", "open").await;
    let clash = t
        .post_form(
            "/communities/new",
            Some(&who),
            &[
                ("name", "Security"),
                ("visibility", "open"),
                ("membership_policy", "open"),
            ],
        )
        .await;
    assert_eq!(clash.status, StatusCode::CONFLICT);
    assert!(
        clash
            .body
            .contains("another community already uses this address")
    );

    let bad = t
        .post_form(
            "/communities/new",
            Some(&who),
            &[
                ("name", ""),
                ("slug", "Bad Slug!"),
                ("visibility", "secret"),
                ("membership_policy", "open"),
                ("purpose", "kept text"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Name is required"));
    assert!(bad.body.contains("Address may contain only"));
    assert!(
        bad.body
            .contains("Visibility &#39;secret&#39; is not one of")
            || bad.body.contains("Visibility 'secret' is not one of"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("kept text"));

    let private_open = t
        .post_form(
            "/communities/new",
            Some(&who),
            &[
                ("name", "Hidden"),
                ("visibility", "private"),
                ("membership_policy", "open"),
            ],
        )
        .await;
    assert_eq!(private_open.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(private_open.body.contains("can only grow by invitation"));
    let user = t.session(&who).await;
    assert_eq!(
        t.app.my_communities(&user).await.expect("list").len(),
        1,
        "nothing half-written"
    );
}

#[tokio::test]
async fn closed_community_request_then_coordinator_approves() {
    let t = TestApp::new().await;
    let coord = t.user("Clo Sed", "member").await;
    let slug = community(&t, &coord, "Contract Law", "closed", "request").await;
    let asker = t.user("Ann Asker", "member").await;
    let page = t.get(&format!("/communities/{slug}"), Some(&asker)).await;
    assert!(page.body.contains("Ask to join"));
    let req = t
        .post_form(
            &format!("/communities/{slug}/join"),
            Some(&asker),
            &[("message", "I draft contracts daily")],
        )
        .await;
    assert_eq!(
        req.location(),
        Some(format!("/communities/{slug}?notice=requested").as_str())
    );
    let dup = t
        .post_form(&format!("/communities/{slug}/join"), Some(&asker), &[])
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);

    // Non-coordinators cannot see or decide requests.
    assert_eq!(
        t.get(&format!("/communities/{slug}/members"), Some(&asker))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let members = t
        .get(&format!("/communities/{slug}/members"), Some(&coord))
        .await;
    assert!(members.body.contains("I draft contracts daily"));
    let c = t
        .app
        .store()
        .community_by_slug(&slug)
        .await
        .expect("community");
    let pending = t
        .app
        .store()
        .pending_join_requests(c.id)
        .await
        .expect("requests");
    assert_eq!(pending.len(), 1);
    let forged = t
        .post_form(
            &format!("/communities/{slug}/requests/{}/approve", pending[0].id),
            Some(&asker),
            &[],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let ok = t
        .post_form(
            &format!("/communities/{slug}/requests/{}/approve", pending[0].id),
            Some(&coord),
            &[],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let s = t
        .app
        .store()
        .standing(c.id, asker.id)
        .await
        .expect("standing");
    assert_eq!(s.role, Some(guildhall_domain::CommunityRole::Member));
    assert!(!s.requested);
}

#[tokio::test]
async fn stage_change_needs_a_reason_and_memory_is_read_only() {
    let t = TestApp::new().await;
    let coord = t.user("Stella Stage", "member").await;
    let slug = community(&t, &coord, "Safety Engineering", "open", "open").await;
    let member = t.user("Mo Member", "member").await;
    assert_eq!(
        t.post_form(
            &format!("/communities/{slug}/stage"),
            Some(&member),
            &[("stage", "maturing"), ("reason", "x")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let no_reason = t
        .post_form(
            &format!("/communities/{slug}/stage"),
            Some(&coord),
            &[("stage", "maturing"), ("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("say why the community moves"));
    let bad = t
        .post_form(
            &format!("/communities/{slug}/stage"),
            Some(&coord),
            &[("stage", "zombie"), ("reason", "because")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = t
        .post_form(
            &format!("/communities/{slug}/stage"),
            Some(&coord),
            &[
                ("stage", "memory"),
                ("reason", "Merged into the safety guild"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let page = t.get(&format!("/communities/{slug}"), Some(&coord)).await;
    assert!(page.body.contains("Merged into the safety guild"));
    // Read-only: no joins, no edits; the stage can still move back.
    assert_eq!(
        t.post_form(&format!("/communities/{slug}/join"), Some(&member), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_form(
            &format!("/communities/{slug}/edit"),
            Some(&coord),
            &[
                ("name", "New"),
                ("visibility", "open"),
                ("membership_policy", "open")
            ]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let revive = t
        .post_form(
            &format!("/communities/{slug}/stage"),
            Some(&coord),
            &[
                ("stage", "transformation"),
                ("reason", "Renewal workshop planned"),
            ],
        )
        .await;
    assert_eq!(revive.status, StatusCode::SEE_OTHER);
    let kinds: Vec<String> = t
        .app
        .store()
        .activity_after(guildhall_domain::ActivityId(0), 100)
        .await
        .expect("log")
        .into_iter()
        .map(|r| r.kind.as_str().to_owned())
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "stage.changed").count(), 2);
}

#[tokio::test]
async fn invitations_and_roles() {
    let t = TestApp::new().await;
    let coord = t.user("Ivy Inviter", "member").await;
    let slug = community(&t, &coord, "Secret Guild", "private", "invitation").await;
    let guest = t.user("Gus Guest", "member").await;
    let unknown = t
        .post_form(
            &format!("/communities/{slug}/invitations"),
            Some(&coord),
            &[("person", "nobody@example.org"), ("role", "member")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("no person with this email"));
    let inv = t
        .post_form(
            &format!("/communities/{slug}/invitations"),
            Some(&coord),
            &[("person", &guest.email), ("role", "core")],
        )
        .await;
    assert_eq!(inv.status, StatusCode::SEE_OTHER);
    // The invitee now sees the private community and can accept.
    let home = t.get("/", Some(&guest)).await;
    assert!(home.body.contains("Secret Guild"));
    let accept = t
        .post_form(&format!("/communities/{slug}/join"), Some(&guest), &[])
        .await;
    assert_eq!(accept.status, StatusCode::SEE_OTHER);
    let c = t
        .app
        .store()
        .community_by_slug(&slug)
        .await
        .expect("community");
    assert_eq!(
        t.app
            .store()
            .standing(c.id, guest.id)
            .await
            .expect("standing")
            .role,
        Some(guildhall_domain::CommunityRole::Core)
    );
    // Coordinators change roles; the last coordinator cannot step down.
    let demote_self = t
        .post_form(
            &format!("/communities/{slug}/members/{}/role", coord.id.0),
            Some(&coord),
            &[("role", "member")],
        )
        .await;
    assert_eq!(demote_self.status, StatusCode::UNPROCESSABLE_ENTITY);
    let promote = t
        .post_form(
            &format!("/communities/{slug}/members/{}/role", guest.id.0),
            Some(&coord),
            &[("role", "coordinator")],
        )
        .await;
    assert_eq!(promote.status, StatusCode::SEE_OTHER);
    let bad_role = t
        .post_form(
            &format!("/communities/{slug}/members/{}/role", guest.id.0),
            Some(&coord),
            &[("role", "king")],
        )
        .await;
    assert_eq!(bad_role.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn list_filters_by_text_stage_and_domain() {
    let t = TestApp::new().await;
    let admin = t.user("Adam Admin", "administrator").await;
    let d = t
        .post_form(
            "/domains",
            Some(&admin),
            &[
                ("name", "Cloud infrastructure"),
                ("description", "Running things"),
            ],
        )
        .await;
    assert_eq!(d.status, StatusCode::SEE_OTHER);
    let domain_id = d
        .location()
        .expect("loc")
        .trim_start_matches("/domains/")
        .to_owned();
    let res = t
        .post_form(
            "/communities/new",
            Some(&admin),
            &[
                ("name", "Kubernetes Guild"),
                ("visibility", "open"),
                ("membership_policy", "open"),
                ("domains", &domain_id),
                ("stage", "maturing"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    community(&t, &admin, "Pottery Club", "open", "open").await;
    let by_text = t.get("/communities?q=kubern", Some(&admin)).await;
    assert!(by_text.body.contains("Kubernetes Guild") && !by_text.body.contains("Pottery Club"));
    let by_stage = t.get("/communities?stage=maturing", Some(&admin)).await;
    assert!(by_stage.body.contains("Kubernetes Guild") && !by_stage.body.contains("Pottery Club"));
    let by_domain = t
        .get(&format!("/communities?domain={domain_id}"), Some(&admin))
        .await;
    assert!(
        by_domain.body.contains("Kubernetes Guild") && !by_domain.body.contains("Pottery Club")
    );
    // Hostile filters are searched for, not errors.
    for q in ["%25", "_", "'%20OR%201=1--", "\\", "stage=%00"] {
        let r = t
            .get(
                &format!("/communities?q={q}&stage=bogus&sort=nope&page=-5&domain=xyz"),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{q}");
    }
}
