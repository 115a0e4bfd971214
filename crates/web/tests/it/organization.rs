use crate::harness::TestApp;
use axum::http::StatusCode;

#[tokio::test]
async fn units_form_a_tree_without_cycles() {
    let t = TestApp::new().await;
    let admin = t.user("Una Admin", "administrator").await;
    let member = t.user("Mia Member", "member").await;
    assert_eq!(
        t.post_form("/units", Some(&member), &[("name", "Nope")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let top = t
        .post_form("/units", Some(&admin), &[("name", "Engineering")])
        .await;
    let top_id = top
        .location()
        .expect("loc")
        .trim_start_matches("/units/")
        .to_owned();
    let child = t
        .post_form(
            "/units",
            Some(&admin),
            &[("name", "Platform"), ("parent_id", &top_id)],
        )
        .await;
    let child_id = child
        .location()
        .expect("loc")
        .trim_start_matches("/units/")
        .to_owned();
    let cycle = t
        .post_form(
            &format!("/units/{top_id}/edit"),
            Some(&admin),
            &[("name", "Engineering"), ("parent_id", &child_id)],
        )
        .await;
    assert_eq!(cycle.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(cycle.body.contains("cannot be placed inside itself"));
    let empty = t
        .post_form(
            "/units",
            Some(&admin),
            &[("name", "  "), ("parent_id", "abc")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = t.get("/units", Some(&member)).await;
    assert!(page.body.contains("Engineering") && page.body.contains("depth-1"));
}

#[tokio::test]
async fn people_directory_filters_and_profile_rules() {
    let t = TestApp::new().await;
    let hr = t.user("Hana Hr", "hr").await;
    let member = t.user("Milo Member", "member").await;
    let unit = t
        .app
        .store()
        .create_unit("Research", None, "")
        .await
        .expect("unit");
    let created = t
        .post_form(
            "/people/new",
            Some(&hr),
            &[
                ("name", "Rita Researcher"),
                ("email", "rita@example.org"),
                ("unit_id", &unit.id.to_string()),
                ("title", "Scientist"),
                ("expertise", "Bayesian statistics, R"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(
        t.post_form(
            "/people/new",
            Some(&member),
            &[("name", "X"), ("email", "x@example.org")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let dup = t
        .post_form(
            "/people/new",
            Some(&hr),
            &[("name", "Rita Again"), ("email", "RITA@example.org")],
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);

    let by_exp = t.get("/people?expertise=bayesian", Some(&member)).await;
    // Cards show names in <strong>; the viewer's own name is also in the menu.
    assert!(
        by_exp.body.contains("<strong>Rita Researcher</strong>")
            && !by_exp.body.contains("<strong>Milo Member</strong>")
    );
    let by_unit = t
        .get(&format!("/people?unit={}", unit.id), Some(&member))
        .await;
    assert!(
        by_unit.body.contains("<strong>Rita Researcher</strong>")
            && !by_unit.body.contains("<strong>Hana Hr</strong>")
    );

    // A member edits their own profile but not others', and cannot grant roles.
    let own = t
        .post_form(
            &format!("/people/{}/edit", member.id.0),
            Some(&member),
            &[
                ("name", "Milo M."),
                ("expertise", "rust"),
                ("org_role", "administrator"),
            ],
        )
        .await;
    assert_eq!(own.status, StatusCode::SEE_OTHER, "{}", own.body);
    let me = t.app.person(member.id).await.expect("person");
    assert_eq!(me.name, "Milo M.");
    assert_eq!(me.org_role, guildhall_domain::OrgRole::Member);
    let other = t
        .post_form(
            &format!("/people/{}/edit", hr.id.0),
            Some(&member),
            &[("name", "Hacked")],
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let bad = t
        .post_form(
            &format!("/people/{}/edit", member.id.0),
            Some(&member),
            &[("name", "Milo"), ("bio", &"x".repeat(20_001))],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let person_page = t.get(&format!("/people/{}", member.id.0), Some(&hr)).await;
    assert!(person_page.body.contains("Milo M.") && person_page.body.contains("rust"));
}

#[tokio::test]
async fn domains_are_managed_by_strategists() {
    let t = TestApp::new().await;
    let strategist = t.user("Stra Tegist", "knowledge_strategist").await;
    let member = t.user("Mem Ber", "member").await;
    assert_eq!(
        t.post_form("/domains", Some(&member), &[("name", "Nope")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let ok = t
        .post_form(
            "/domains",
            Some(&strategist),
            &[("name", "Supply chain"), ("description", "Moving goods")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let dup = t
        .post_form("/domains", Some(&strategist), &[("name", "Supply chain")])
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert!(dup.body.contains("already exists"));
    let page = t.get("/domains", Some(&member)).await;
    assert!(page.body.contains("Supply chain") && page.body.contains("No community stewards it"));
}

/// Regression: HR could rewrite anyone's name and bio, administrators
/// included, and nothing was audited. A person's own words are theirs;
/// HR keeps to the organization's fields (and may write a person's name
/// only while they cannot sign in); every change to someone else's
/// profile is in the audit log.
#[tokio::test]
async fn hr_changes_organization_fields_and_is_audited_not_names_and_bios() {
    let t = TestApp::new().await;
    let hr = t.user("Hana Hr", "hr").await;
    let admin = t.user("Ada Admin", "administrator").await;
    let edit = t
        .get(&format!("/people/{}/edit", admin.id.0), Some(&hr))
        .await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(
        edit.body.contains("only they can change them"),
        "{}",
        edit.body
    );
    let r = t
        .post_form(
            &format!("/people/{}/edit", admin.id.0),
            Some(&hr),
            &[
                ("name", "Ada Impostor"),
                ("bio", "I will never say this"),
                ("title", "Chief Administrator"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = t.app.person(admin.id).await.expect("person");
    assert_eq!(a.name, "Ada Admin", "the name is the person's own");
    assert_eq!(a.bio, "", "so is the bio");
    assert_eq!(a.title, "Chief Administrator", "the title is HR's to set");
    let audit = t
        .get("/api/v1/audit?action=person.profile_changed", Some(&admin))
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    let entries = audit.json();
    let entry = &entries.as_array().expect("entries")[0];
    assert_eq!(entry["subject"], format!("person {}", admin.id.0));
    assert!(
        entry["detail"].as_str().is_some_and(|d| d.contains("title")
            && d.contains("Chief Administrator")
            && !d.contains("name")),
        "{entry}"
    );
    assert_eq!(entry["actor_id"], hr.id.0);

    // Someone HR added, who cannot sign in yet, has their name corrected.
    let created = t
        .post_form(
            "/people/new",
            Some(&hr),
            &[("name", "Jon Smiht"), ("email", "jon@example.org")],
        )
        .await;
    let id: i64 = created
        .location()
        .and_then(|l| l.rsplit('/').next())
        .and_then(|s| s.parse().ok())
        .expect("the new person's page");
    let fixed = t
        .post_form(
            &format!("/people/{id}/edit"),
            Some(&hr),
            &[("name", "Jon Smith")],
        )
        .await;
    assert_eq!(fixed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.app
            .person(guildhall_domain::PersonId(id))
            .await
            .expect("person")
            .name,
        "Jon Smith"
    );
    // Editing one's own profile is not audited as someone else's change.
    let own = t
        .post_form(
            &format!("/people/{}/edit", hr.id.0),
            Some(&hr),
            &[("name", "Hana H."), ("bio", "HR partner")],
        )
        .await;
    assert_eq!(own.status, StatusCode::SEE_OTHER);
    let audit = t
        .get("/api/v1/audit?action=person.profile_changed", Some(&admin))
        .await;
    assert_eq!(audit.json().as_array().map(Vec::len), Some(2));
}
