//! The permission matrix, generated from the router: every route of the
//! pages and the API (read from the source that builds the router, so a
//! new route without a rule fails this test) is asked as anonymous, each
//! organization role, an outsider, a member and a coordinator, on an open,
//! a closed and a private community, and each answer is checked against
//! the rule docs/PERMISSIONS.md states for it: allowed, 403, or 404 where
//! existence itself is secret (401 or the sign-in page for anonymous).
//!
//! Reading routes are checked for every answer. Changing routes are
//! checked for every refusal (with a body that would otherwise be
//! accepted, so that a refusal comes from the policy and not from
//! validation); what the allowed do is covered by the features' tests.

use crate::harness::{CSRF, TestApp, TestResponse, Who};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use guildhall_app::communities::CommunityInput;
use guildhall_app::events::EventInput;
use guildhall_app::resources::ResourceInput;
use guildhall_app::threads::ThreadInput;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

// ---- the routes, as the router's source declares them -----------------------

/// (method, path) of every route in `crates/web/src`, API paths under
/// `/api/v1`.
fn declared_routes() -> BTreeSet<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeSet::new();
    for dir in ["pages", "api"] {
        let Ok(entries) = std::fs::read_dir(src.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let prefix = if dir == "api" { "/api/v1" } else { "" };
            for (method, path) in routes_in(&text) {
                out.insert((method, format!("{prefix}{path}")));
            }
        }
    }
    for (method, path) in
        routes_in(&std::fs::read_to_string(src.join("pages/mod.rs")).unwrap_or_default())
    {
        out.insert((method, path));
    }
    out
}

/// The `.route("PATH", get(..).post(..))` calls of one source file.
fn routes_in(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        // The call's text, up to its closing parenthesis.
        let mut depth = 1;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let call = &rest[..end];
        let Some(q1) = call.find('"') else { continue };
        let Some(q2) = call[q1 + 1..].find('"') else {
            continue;
        };
        let path = &call[q1 + 1..q1 + 1 + q2];
        let handlers = &call[q1 + 2 + q2..];
        for method in ["get", "post", "put", "patch", "delete"] {
            let calls = handlers.match_indices(&format!("{method}(")).any(|(i, _)| {
                i == 0 || !handlers[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
            });
            if calls {
                out.push((method.to_uppercase(), path.to_owned()));
            }
        }
    }
    out
}

// ---- the rules ----------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    /// Anyone, signed in or not.
    Public,
    /// Anyone signed in.
    SignedIn,
    /// Organization administrators.
    Admin,
    /// Administrators and HR.
    PeopleManagers,
    /// Administrators and knowledge strategists.
    DomainManagers,
    /// Who may know the community exists.
    SeeCommunity,
    /// Its profile beyond name and purpose (coordinators, members list,
    /// charter): everyone for open and closed, members for private.
    Profile,
    /// Readers of the community's content.
    ReadContent,
    /// Its pulse: readers, and stewards (administrators, strategists,
    /// executives) of communities they may see.
    Pulse,
    /// Contributors: anyone in an open community, members elsewhere.
    Participate,
    /// Coordinators, and administrators of an open or closed community.
    Coordinate,
    /// The core group (coordinators and core members).
    CoreGroup,
    /// Editing, deleting, marking solved someone else's post: coordinators,
    /// and administrators who may read the content.
    Moderate,
    /// The iCalendar feed: an open community's is public (calendar
    /// programs cannot sign in); others need a member (or their key).
    Calendar,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Vis {
    Open,
    Closed,
    Private,
}

const ALL: &[Vis] = &[Vis::Open, Vis::Closed, Vis::Private];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Actor {
    Anonymous,
    /// A member of the organization in none of the communities.
    Outsider,
    Admin,
    Hr,
    Strategist,
    Executive,
    Manager,
    Member,
    Coordinator,
    /// Invited (as an observer) to every community, not yet a member: for
    /// each organization role, since an invitation must grant nothing but
    /// the community's name and purpose whatever the invitee's role.
    InvitedAdmin,
    InvitedHr,
    InvitedStrategist,
    InvitedExecutive,
    InvitedManager,
    InvitedMember,
}

const ACTORS: &[Actor] = &[
    Actor::Anonymous,
    Actor::Outsider,
    Actor::Admin,
    Actor::Hr,
    Actor::Strategist,
    Actor::Executive,
    Actor::Manager,
    Actor::Member,
    Actor::Coordinator,
    Actor::InvitedAdmin,
    Actor::InvitedHr,
    Actor::InvitedStrategist,
    Actor::InvitedExecutive,
    Actor::InvitedManager,
    Actor::InvitedMember,
];

impl Actor {
    /// The organization role of the actor's account.
    fn org_role(self) -> &'static str {
        use Actor::*;
        match self {
            Anonymous | Outsider | Member | Coordinator | InvitedMember => "member",
            Admin | InvitedAdmin => "administrator",
            Hr | InvitedHr => "hr",
            Strategist | InvitedStrategist => "knowledge_strategist",
            Executive | InvitedExecutive => "executive",
            Manager | InvitedManager => "manager",
        }
    }

    fn invited(self) -> bool {
        use Actor::*;
        matches!(
            self,
            InvitedAdmin
                | InvitedHr
                | InvitedStrategist
                | InvitedExecutive
                | InvitedManager
                | InvitedMember
        )
    }

    fn name(self) -> String {
        format!("Matrix {self:?}")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    Allowed,
    Forbidden,
    Hidden,
    SignIn,
}

fn expected(rule: Rule, actor: Actor, vis: Vis) -> Answer {
    use Actor::*;
    use Answer::*;
    if actor == Anonymous {
        return match rule {
            Rule::Public => Allowed,
            Rule::Calendar if vis == Vis::Open => Allowed,
            Rule::Calendar => Hidden,
            _ => SignIn,
        };
    }
    let role = actor.org_role();
    let admin = role == "administrator";
    let insider = matches!(actor, Member | Coordinator);
    let sees = insider || vis != Vis::Private || actor.invited();
    let reads = insider || vis == Vis::Open;
    // Coordinators, domains, charter: a private community's invitees see
    // only its name and purpose.
    let profile = insider || vis != Vis::Private;
    let refuse = |visible: bool| if visible { Forbidden } else { Hidden };
    match rule {
        Rule::Public | Rule::SignedIn => Allowed,
        Rule::Admin => refuse(true).when(!admin),
        Rule::PeopleManagers => refuse(true).when(!matches!(role, "administrator" | "hr")),
        Rule::DomainManagers => {
            refuse(true).when(!matches!(role, "administrator" | "knowledge_strategist"))
        }
        Rule::SeeCommunity => refuse(false).when(!sees),
        Rule::Profile => refuse(sees).when(!profile),
        Rule::ReadContent => refuse(sees).when(!reads),
        Rule::Pulse => {
            let steward = matches!(role, "administrator" | "knowledge_strategist" | "executive");
            refuse(sees).when(!(sees && (reads || (steward && vis != Vis::Private))))
        }
        Rule::Participate => refuse(sees).when(!reads),
        Rule::Coordinate => {
            let allowed = actor == Coordinator || (admin && sees && vis != Vis::Private);
            refuse(sees).when(!allowed)
        }
        Rule::Moderate => {
            let allowed = actor == Coordinator || (admin && reads);
            refuse(sees).when(!allowed)
        }
        Rule::Calendar => Hidden.when(!reads),
        Rule::CoreGroup => {
            if !reads {
                refuse(sees)
            } else if actor == Coordinator {
                Allowed
            } else {
                Forbidden
            }
        }
    }
}

trait When {
    fn when(self, refused: bool) -> Answer;
}

impl When for Answer {
    fn when(self, refused: bool) -> Answer {
        if refused { self } else { Answer::Allowed }
    }
}

/// One route's rule, the visibilities it is asked on (routes outside a
/// community are asked once) and, for changing routes, a body the allowed
/// would have accepted.
struct Entry {
    method: &'static str,
    path: &'static str,
    rule: Rule,
    on: &'static [Vis],
    body: fn() -> Body_,
}

#[derive(Clone, Debug)]
enum Body_ {
    None,
    Form(Vec<(&'static str, String)>),
    Json(Value),
}

fn none() -> Body_ {
    Body_::None
}

fn form(fields: &[(&'static str, &str)]) -> Body_ {
    Body_::Form(fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect())
}

const ONCE: &[Vis] = &[Vis::Open];

macro_rules! rules {
    ($( $method:literal $path:literal => $rule:ident $(on $on:expr)? $(, $body:expr)? ;)*) => {
        vec![$(Entry {
            method: $method,
            path: $path,
            rule: Rule::$rule,
            on: rules!(@on $($on)?),
            body: rules!(@body $($body)?),
        }),*]
    };
    (@on) => { ONCE };
    (@on $on:expr) => { $on };
    (@body) => { none };
    (@body $body:expr) => { $body };
}

fn thread_form() -> Body_ {
    form(&[
        ("kind", "discussion"),
        ("title", "Matrix thread"),
        ("body", "Matrix body"),
    ])
}
fn thread_json() -> Body_ {
    Body_::Json(json!({"kind": "discussion", "title": "Matrix thread", "body": "Matrix body"}))
}
fn text_form() -> Body_ {
    form(&[("body", "A matrix reply"), ("note", "thanks")])
}
fn text_json() -> Body_ {
    Body_::Json(json!({"body": "A matrix reply"}))
}
fn empty_json() -> Body_ {
    Body_::Json(json!({}))
}
fn event_form() -> Body_ {
    form(&[
        ("kind", "regular"),
        ("title", "Matrix meet-up"),
        ("starts_at", "2030-01-01T10:00"),
        ("duration_minutes", "60"),
    ])
}
fn event_json() -> Body_ {
    Body_::Json(
        json!({"kind": "regular", "title": "Matrix meet-up", "starts_at": "2030-01-01T10:00:00Z", "duration_minutes": 60}),
    )
}
fn resource_form() -> Body_ {
    form(&[
        ("kind", "document"),
        ("title", "Matrix doc"),
        ("body", "Body"),
        ("base_revision", "1"),
        ("to", "endorsed"),
    ])
}
fn resource_json() -> Body_ {
    Body_::Json(json!({"kind": "document", "title": "Matrix doc", "body": "Body"}))
}
fn community_form() -> Body_ {
    form(&[
        ("name", "Renamed"),
        ("visibility", "open"),
        ("membership_policy", "open"),
        ("stage", "active"),
        ("reason", "matrix"),
        ("role", "core"),
        ("person", "1"),
    ])
}
fn person_form() -> Body_ {
    form(&[
        ("name", "Someone New"),
        ("email", "someone.new@example.org"),
        ("org_role", "member"),
    ])
}
fn named_form() -> Body_ {
    form(&[("name", "Matrix name"), ("description", "d")])
}
fn named_json() -> Body_ {
    Body_::Json(json!({"name": "Matrix name"}))
}

fn entries() -> Vec<Entry> {
    rules! {
        // ---- pages: account and home
        "GET" "/" => SignedIn;
        "GET" "/setup" => Public;
        "POST" "/setup" => Public;
        "GET" "/signin" => Public;
        "POST" "/signin" => Public;
        "POST" "/signout" => Public;
        "GET" "/healthz" => Public;
        "GET" "/account/password" => SignedIn;
        "POST" "/account/password" => SignedIn;
        "GET" "/account/tokens" => SignedIn;
        "POST" "/account/tokens" => SignedIn;
        "POST" "/account/tokens/{id}/revoke" => SignedIn;
        "GET" "/notifications" => SignedIn;
        "POST" "/notifications/read" => SignedIn;
        "GET" "/search" => SignedIn;
        "GET" "/experts" => SignedIn;
        "GET" "/overview" => SignedIn;
        // ---- pages: administration
        "GET" "/admin/merges" => Admin;
        "POST" "/admin/merges" => Admin, || form(&[("keep", "1"), ("absorb", "2")]);
        "POST" "/admin/merges/{id}/undo" => Admin;
        "GET" "/admin/audit" => Admin;
        "GET" "/admin/audit.jsonl" => Admin;
        // ---- pages: organization
        "GET" "/people" => SignedIn;
        "GET" "/people/new" => PeopleManagers;
        "POST" "/people/new" => PeopleManagers, person_form;
        "GET" "/people/{id}" => SignedIn;
        "GET" "/people/{id}/edit" => PeopleManagers;
        "POST" "/people/{id}/edit" => PeopleManagers, person_form;
        "GET" "/units" => SignedIn;
        "POST" "/units" => Admin, named_form;
        "GET" "/units/{id}" => SignedIn;
        "GET" "/units/{id}/edit" => Admin;
        "POST" "/units/{id}/edit" => Admin, named_form;
        "GET" "/domains" => SignedIn;
        "POST" "/domains" => DomainManagers, named_form;
        "GET" "/domains/{id}" => SignedIn;
        "GET" "/domains/{id}/edit" => DomainManagers;
        "POST" "/domains/{id}/edit" => DomainManagers, named_form;
        // ---- pages: communities
        "GET" "/communities" => SignedIn;
        "GET" "/communities/new" => SignedIn;
        "POST" "/communities/new" => SignedIn;
        "GET" "/communities/{slug}" => SeeCommunity on ALL;
        "GET" "/communities/{slug}/edit" => Coordinate on ALL;
        "POST" "/communities/{slug}/edit" => Coordinate on ALL, community_form;
        "POST" "/communities/{slug}/join" => SeeCommunity on ALL;
        "POST" "/communities/{slug}/leave" => SeeCommunity on ALL;
        "GET" "/communities/{slug}/members" => Coordinate on ALL;
        "POST" "/communities/{slug}/requests/{id}/{decision}" => Coordinate on &[Vis::Closed];
        "POST" "/communities/{slug}/invitations" => Coordinate on ALL, || form(&[("person", "nobody@example.org"), ("role", "member")]);
        "POST" "/communities/{slug}/members/{person}/role" => Coordinate on ALL, community_form;
        "GET" "/communities/{slug}/stage" => Coordinate on ALL;
        "POST" "/communities/{slug}/stage" => Coordinate on ALL, community_form;
        "POST" "/invitations/{id}/decline" => SignedIn;
        "GET" "/communities/{slug}/charter" => Profile on ALL;
        "POST" "/communities/{slug}/charter" => Coordinate on ALL, || form(&[("domain", "d"), ("base_version", "0")]);
        "POST" "/communities/{slug}/charter/review" => Coordinate on ALL;
        "GET" "/communities/{slug}/pulse" => Pulse on ALL;
        // ---- pages: conversations
        "GET" "/communities/{slug}/threads" => ReadContent on ALL;
        "POST" "/communities/{slug}/threads" => Participate on ALL, thread_form;
        "GET" "/communities/{slug}/threads/new" => Participate on ALL;
        "GET" "/threads/{id}" => ReadContent on ALL;
        "POST" "/threads/{id}/replies" => Participate on ALL, text_form;
        "GET" "/threads/{id}/edit" => Moderate on ALL;
        "POST" "/threads/{id}/edit" => Moderate on ALL, thread_form;
        "POST" "/threads/{id}/delete" => Moderate on ALL;
        "POST" "/threads/{id}/solved" => Moderate on ALL, || form(&[("reply_id", "1")]);
        "GET" "/threads/{id}/history" => ReadContent on ALL;
        "POST" "/threads/{id}/harvest" => Participate on ALL;
        "GET" "/replies/{id}/edit" => Moderate on ALL;
        "POST" "/replies/{id}/edit" => Moderate on ALL, text_form;
        "POST" "/replies/{id}/delete" => Moderate on ALL;
        "POST" "/replies/{id}/thanks" => Participate on ALL, text_form;
        "POST" "/resources/{id}/thanks" => Participate on ALL, text_form;
        // ---- pages: resources
        "GET" "/communities/{slug}/resources" => ReadContent on ALL;
        "GET" "/communities/{slug}/resources/new" => Participate on ALL;
        "POST" "/communities/{slug}/resources/new" => Participate on ALL, resource_form;
        "GET" "/resources/{id}" => ReadContent on ALL;
        "GET" "/resources/{id}/edit" => Participate on ALL;
        "POST" "/resources/{id}/edit" => Participate on ALL, resource_form;
        "POST" "/resources/{id}/status" => CoreGroup on ALL, resource_form;
        "GET" "/resources/{id}/history" => ReadContent on ALL;
        "GET" "/resources/{id}/diff" => ReadContent on ALL;
        // ---- pages: events
        "GET" "/communities/{slug}/events" => ReadContent on ALL;
        "POST" "/communities/{slug}/events" => Coordinate on ALL, event_form;
        "POST" "/communities/{slug}/events/calendar-key" => SignedIn;
        "GET" "/communities/{slug}/events/{id}" => ReadContent on ALL;
        "GET" "/communities/{slug}/events/{id}/edit" => Moderate on ALL;
        "POST" "/communities/{slug}/events/{id}/edit" => Moderate on ALL, event_form;
        "POST" "/communities/{slug}/events/{id}/rsvp" => Participate on ALL, || form(&[("answer", "yes"), ("occurrence_at", "1893492000")]);
        "POST" "/communities/{slug}/events/{id}/held" => Coordinate on ALL, || form(&[("occurrence_at", "1893492000")]);
        "POST" "/communities/{slug}/events/{id}/cancel" => Coordinate on ALL;
        "GET" "/communities/{slug}/calendar.ics" => Calendar on ALL;
        // ---- API
        "GET" "/api/v1/openapi.json" => Public;
        "POST" "/api/v1/session" => Public;
        "DELETE" "/api/v1/session" => Public;
        "GET" "/api/v1/me" => SignedIn;
        "GET" "/api/v1/search" => SignedIn;
        "GET" "/api/v1/experts" => SignedIn;
        "GET" "/api/v1/notifications" => SignedIn;
        "POST" "/api/v1/notifications/read" => SignedIn, empty_json;
        "GET" "/api/v1/tokens" => SignedIn;
        "POST" "/api/v1/tokens" => SignedIn, || Body_::Json(json!({"name": "m"}));
        "DELETE" "/api/v1/tokens/{id}" => SignedIn, empty_json;
        "GET" "/api/v1/audit" => Admin;
        "GET" "/api/v1/people/merges" => Admin;
        "POST" "/api/v1/people/merges" => Admin, || Body_::Json(json!({"keep": "1", "absorb": "2"}));
        "POST" "/api/v1/people/merges/{id}/undo" => Admin, empty_json;
        "GET" "/api/v1/people" => SignedIn;
        "POST" "/api/v1/people" => PeopleManagers, || Body_::Json(json!({"name": "Someone New", "email": "someone.new@example.org"}));
        "GET" "/api/v1/people/{id}" => SignedIn;
        "PATCH" "/api/v1/people/{id}" => PeopleManagers, || Body_::Json(json!({"title": "Chief"}));
        "GET" "/api/v1/units" => SignedIn;
        "POST" "/api/v1/units" => Admin, named_json;
        "GET" "/api/v1/units/{id}" => SignedIn;
        "PATCH" "/api/v1/units/{id}" => Admin, named_json;
        "GET" "/api/v1/domains" => SignedIn;
        "POST" "/api/v1/domains" => DomainManagers, named_json;
        "GET" "/api/v1/domains/{id}" => SignedIn;
        "PATCH" "/api/v1/domains/{id}" => DomainManagers, named_json;
        "GET" "/api/v1/communities" => SignedIn;
        "POST" "/api/v1/communities" => SignedIn;
        "GET" "/api/v1/communities/{slug}" => SeeCommunity on ALL;
        "PATCH" "/api/v1/communities/{slug}" => Coordinate on ALL, || Body_::Json(json!({"purpose": "p"}));
        "POST" "/api/v1/communities/{slug}/join" => SeeCommunity on ALL, empty_json;
        "POST" "/api/v1/communities/{slug}/leave" => SeeCommunity on ALL, empty_json;
        "GET" "/api/v1/communities/{slug}/members" => Profile on ALL;
        "PUT" "/api/v1/communities/{slug}/members/{person}" => Coordinate on ALL, || Body_::Json(json!({"role": "core"}));
        "POST" "/api/v1/communities/{slug}/stage" => Coordinate on ALL, || Body_::Json(json!({"stage": "active", "reason": "matrix"}));
        "GET" "/api/v1/communities/{slug}/requests" => Coordinate on ALL;
        "POST" "/api/v1/communities/{slug}/requests/{id}" => Coordinate on &[Vis::Closed], || Body_::Json(json!({"approve": true}));
        "POST" "/api/v1/communities/{slug}/invitations" => Coordinate on ALL, || Body_::Json(json!({"person": "nobody@example.org"}));
        "GET" "/api/v1/communities/{slug}/pulse" => Pulse on ALL;
        "GET" "/api/v1/communities/{slug}/events" => ReadContent on ALL;
        "POST" "/api/v1/communities/{slug}/events" => Coordinate on ALL, event_json;
        "POST" "/api/v1/communities/{slug}/events/{id}/rsvp" => Participate on ALL, || Body_::Json(json!({"answer": "yes", "occurrence_at": "2030-01-01T10:00:00Z"}));
        "POST" "/api/v1/communities/{slug}/events/{id}/held" => Coordinate on ALL, || Body_::Json(json!({"occurrence_at": "2030-01-01T10:00:00Z"}));
        "GET" "/api/v1/communities/{slug}/threads" => ReadContent on ALL;
        "POST" "/api/v1/communities/{slug}/threads" => Participate on ALL, thread_json;
        "GET" "/api/v1/threads/{id}" => ReadContent on ALL;
        "PUT" "/api/v1/threads/{id}" => Moderate on ALL, || Body_::Json(json!({"title": "Edited", "body": "Edited body"}));
        "DELETE" "/api/v1/threads/{id}" => Moderate on ALL, empty_json;
        "POST" "/api/v1/threads/{id}/replies" => Participate on ALL, text_json;
        "POST" "/api/v1/threads/{id}/solution" => Moderate on ALL, || Body_::Json(json!({"reply_id": 1}));
        "POST" "/api/v1/threads/{id}/harvest" => Participate on ALL, empty_json;
        "PUT" "/api/v1/replies/{id}" => Moderate on ALL, text_json;
        "DELETE" "/api/v1/replies/{id}" => Moderate on ALL, empty_json;
        "POST" "/api/v1/replies/{id}/thanks" => Participate on ALL, empty_json;
        "POST" "/api/v1/resources/{id}/thanks" => Participate on ALL, empty_json;
        "GET" "/api/v1/communities/{slug}/resources" => ReadContent on ALL;
        "POST" "/api/v1/communities/{slug}/resources" => Participate on ALL, resource_json;
        "GET" "/api/v1/resources/{id}" => ReadContent on ALL;
        "GET" "/api/v1/resources/{id}/revisions" => ReadContent on ALL;
        "POST" "/api/v1/resources/{id}/revisions" => Participate on ALL, || Body_::Json(json!({"title": "T", "body": "B", "base_revision": 1}));
        "GET" "/api/v1/resources/{id}/diff" => ReadContent on ALL;
        "POST" "/api/v1/resources/{id}/status" => CoreGroup on ALL, || Body_::Json(json!({"status": "endorsed"}));
    }
}

// ---- the organization the matrix is asked in -----------------------------------

struct Org {
    t: TestApp,
    people: Vec<(Actor, Who)>,
    slugs: [String; 3],
    threads: [i64; 3],
    replies: [i64; 3],
    resources: [i64; 3],
    events: [i64; 3],
    member: i64,
    author: i64,
    unit: i64,
    domain: i64,
    merge: i64,
    token: i64,
    request: i64,
    invitation: i64,
}

async fn org() -> Org {
    let t = TestApp::new().await;
    let mut people = Vec::new();
    for &actor in &ACTORS[1..] {
        people.push((actor, t.user(&actor.name(), actor.org_role()).await));
    }
    let who = |a: Actor| people.iter().find(|(x, _)| *x == a).map(|(_, w)| w);
    let coordinator = t
        .session(who(Actor::Coordinator).expect("coordinator"))
        .await;
    let member = t.session(who(Actor::Member).expect("member")).await;
    // Content is written by a member who is none of the actors, so that no
    // actor is its author.
    let author_who = t.user("Arne Author", "member").await;
    let author = t.session(&author_who).await;
    let admin = t.session(who(Actor::Admin).expect("admin")).await;
    let unit = t
        .app
        .create_unit(&admin, "Matrix unit", None, "")
        .await
        .expect("unit")
        .id;
    let domain = t
        .app
        .create_domain(&admin, "Matrix domain", "")
        .await
        .expect("domain")
        .id;
    let mut slugs = Vec::new();
    let mut threads = Vec::new();
    let mut replies = Vec::new();
    let mut resources = Vec::new();
    let mut events = Vec::new();
    for (vis, policy) in [
        ("open", "open"),
        ("closed", "request"),
        ("private", "invitation"),
    ] {
        let c = t
            .app
            .create_community(
                &coordinator,
                &CommunityInput {
                    name: format!("Matrix {vis}"),
                    visibility: vis.into(),
                    membership_policy: policy.into(),
                    ..CommunityInput::default()
                },
            )
            .await
            .expect("community");
        for joiner in [&member, &author] {
            t.app
                .store()
                .add_member(
                    c.id,
                    joiner.id(),
                    guildhall_domain::CommunityRole::Member,
                    &guildhall_domain::NewActivity::new(
                        guildhall_domain::Timestamp::now(),
                        guildhall_domain::ActivityKind::MemberJoined,
                        joiner.id(),
                        None,
                    )
                    .in_community(c.id),
                )
                .await
                .expect("member");
        }
        let thread = t
            .app
            .start_thread(
                &author,
                &c.slug,
                &ThreadInput {
                    kind: "help".into(),
                    title: "How do we test permissions?".into(),
                    body: "Asking for a matrix.".into(),
                    tags: String::new(),
                },
            )
            .await
            .expect("thread");
        let reply = t
            .app
            .reply(&author, thread, "Generate it from the router.")
            .await
            .expect("reply");
        let resource = t
            .app
            .create_resource(
                &author,
                &c.slug,
                &ResourceInput {
                    kind: "document".into(),
                    title: "Matrix guide".into(),
                    body: "Text".into(),
                    ..ResourceInput::default()
                },
            )
            .await
            .expect("resource");
        let event = t
            .app
            .create_event(
                &coordinator,
                &c.slug,
                &EventInput {
                    kind: "regular".into(),
                    title: "Matrix meet-up".into(),
                    starts_at: "2030-01-01T10:00".into(),
                    duration_minutes: "60".into(),
                    ..EventInput::default()
                },
            )
            .await
            .expect("event");
        slugs.push(c.slug);
        threads.push(thread);
        replies.push(reply);
        resources.push(resource);
        events.push(event);
    }
    // A pending join request in the closed community, an invitation to the
    // private one (for someone not among the actors), a merge, a token.
    let requester = t.user("Rita Requester", "member").await;
    let rita = t.session(&requester).await;
    let request = match t.app.join(&rita, &slugs[1], "let me in").await {
        Ok(_) => t
            .app
            .store()
            .pending_join_requests(
                t.app
                    .store()
                    .community_by_slug(&slugs[1])
                    .await
                    .expect("c")
                    .id,
            )
            .await
            .expect("requests")
            .first()
            .map_or(0, |r| r.id.0),
        Err(e) => panic!("join request: {e}"),
    };
    // Every invited actor holds a pending invitation, as an observer, to
    // every community.
    for slug in &slugs {
        for (actor, w) in &people {
            if actor.invited() {
                t.app
                    .invite(&coordinator, slug, &w.email, "observer")
                    .await
                    .expect("invite an actor");
            }
        }
    }
    let invitee = t.user("Ivan Invitee", "member").await;
    t.app
        .invite(&coordinator, &slugs[2], &invitee.email, "member")
        .await
        .expect("invite");
    let invitation = t
        .app
        .store()
        .pending_invitations_for_person(invitee.id)
        .await
        .expect("invitations")
        .first()
        .map_or(0, |i| i.id.0);
    let a = t.user("Merged Away", "member").await;
    let b = t.user("Merged Into", "member").await;
    let merge = t
        .app
        .merge_people(&guildhall_app::Actor::command_line(), b.id, a.id, "")
        .await
        .expect("merge")
        .id;
    let token = t
        .app
        .create_token(
            &guildhall_app::Actor::command_line(),
            &coordinator,
            &guildhall_app::tokens::TokenInput {
                name: "coordinator's".into(),
                scopes: vec!["read".into()],
                expires_in_days: None,
            },
        )
        .await
        .expect("token")
        .0
        .id
        .0;
    fn three<I: guildhall_domain::ids::RecordId>(v: Vec<I>) -> [i64; 3] {
        let raw: Vec<i64> = v.into_iter().map(I::raw).collect();
        raw.try_into().unwrap_or([0; 3])
    }
    Org {
        member: member.id().0,
        author: author.id().0,
        slugs: slugs.try_into().unwrap_or_default(),
        threads: three(threads),
        replies: three(replies),
        resources: three(resources),
        events: three(events),
        unit: unit.0,
        domain: domain.0,
        merge: merge.0,
        token,
        request,
        invitation,
        people,
        t,
    }
}

impl Org {
    fn path(&self, template: &str, vis: Vis) -> String {
        let i = vis as usize;
        let id = if template.contains("/threads/{id}") {
            self.threads[i]
        } else if template.contains("/replies/{id}") {
            self.replies[i]
        } else if template.contains("/resources/{id}") {
            self.resources[i]
        } else if template.contains("/events/{id}") {
            self.events[i]
        } else if template.contains("/requests/{id}") {
            self.request
        } else if template.contains("/invitations/{id}") {
            self.invitation
        } else if template.contains("/units/{id}") {
            self.unit
        } else if template.contains("/domains/{id}") {
            self.domain
        } else if template.contains("merges/{id}") {
            self.merge
        } else if template.contains("tokens/{id}") {
            self.token
        } else {
            self.author
        };
        template
            .replace("{slug}", &self.slugs[i])
            .replace("{id}", &id.to_string())
            .replace("{person}", &self.member.to_string())
            .replace("{decision}", "approve")
            + if template.ends_with("/diff") {
                "?from=1&to=1"
            } else {
                ""
            }
    }

    async fn ask(&self, method: &str, path: &str, actor: Actor, body: &Body_) -> TestResponse {
        let who = self
            .people
            .iter()
            .find(|(a, _)| *a == actor)
            .map(|(_, w)| w);
        let mut cookies = format!("gh_csrf={CSRF}");
        if let Some(w) = who {
            cookies = format!("gh_session={}; {cookies}", w.token);
        }
        let csrf = self.t.csrf(who).await;
        let mut req = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).expect("method"))
            .uri(path)
            .header(header::COOKIE, cookies);
        let body = match body {
            Body_::None if path.starts_with("/api/") && method != "GET" => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from("{}")
            }
            Body_::None if method == "POST" => {
                req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(format!("csrf={csrf}"))
            }
            Body_::None => Body::empty(),
            Body_::Json(v) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            Body_::Form(fields) => {
                let mut f = form_urlencoded::Serializer::new(String::new());
                f.append_pair("csrf", &csrf);
                for (k, v) in fields {
                    f.append_pair(k, v);
                }
                req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(f.finish())
            }
        };
        self.t.send(req.body(body).expect("request")).await
    }
}

fn answer_of(r: &TestResponse, api: bool) -> Option<Answer> {
    let to_signin =
        r.status == StatusCode::SEE_OTHER && r.location().is_some_and(|l| l.starts_with("/signin"));
    match r.status {
        StatusCode::UNAUTHORIZED if api => Some(Answer::SignIn),
        _ if to_signin => Some(Answer::SignIn),
        StatusCode::FORBIDDEN => Some(Answer::Forbidden),
        StatusCode::NOT_FOUND => Some(Answer::Hidden),
        s if s.is_server_error() => None,
        _ => Some(Answer::Allowed),
    }
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_matrix_says() {
    let rules = entries();
    let declared = declared_routes();
    let ruled: BTreeSet<(String, String)> = rules
        .iter()
        .map(|e| (e.method.to_owned(), e.path.to_owned()))
        .collect();
    let unruled: Vec<_> = declared.difference(&ruled).collect();
    assert!(
        unruled.is_empty(),
        "routes without a rule in the matrix: {unruled:?}"
    );
    let stale: Vec<_> = ruled
        .difference(&declared)
        .filter(|(_, p)| !p.starts_with("/static"))
        .collect();
    assert!(
        stale.is_empty(),
        "rules for routes that do not exist: {stale:?}"
    );

    let org = org().await;
    let mut wrong = Vec::new();
    let mut asked = 0;
    for e in &rules {
        let reading = e.method == "GET";
        // Signing out would end the actors' sessions; setup and sign-in
        // are for visitors and checked by the account tests.
        if matches!(
            e.path,
            "/signout" | "/api/v1/session" | "/setup" | "/signin"
        ) && !reading
        {
            continue;
        }
        for &vis in e.on {
            for &actor in ACTORS {
                let want = expected(e.rule, actor, vis);
                if !reading && want == Answer::Allowed {
                    continue;
                }
                let path = org.path(e.path, vis);
                let r = org.ask(e.method, &path, actor, &(e.body)()).await;
                asked += 1;
                let got = answer_of(&r, e.path.starts_with("/api/"));
                if got != Some(want) {
                    wrong.push(format!(
                        "{} {path} as {actor:?} on {vis:?}: expected {want:?}, got {} {:?}",
                        e.method,
                        r.status,
                        r.body.chars().take(160).collect::<String>()
                    ));
                }
            }
        }
    }
    println!(
        "permission matrix: {} routes, {asked} requests",
        rules.len()
    );
    assert!(asked > 500, "only {asked} requests");
    assert!(
        wrong.is_empty(),
        "{} answers differ from the matrix:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
