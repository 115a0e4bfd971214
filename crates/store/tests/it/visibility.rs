//! The SQL filters that paginate lists must agree with the domain's policy
//! on every combination of visibility and standing.

use crate::conformance::{community, joined, person, setup};
use guildhall_domain::policy::{CommunityContext, can_read_content, can_see_community};
use guildhall_domain::{CommunityRole, MembershipPolicy, Stage, Visibility};
use guildhall_store::{CommunityFilter, FeedScope};

#[tokio::test]
async fn list_and_feed_filters_agree_with_the_policy() {
    let store = setup().await;
    let owner = store.create_person(&person("Owner")).await.expect("owner");
    let viewer = store
        .create_person(&person("Viewer"))
        .await
        .expect("viewer");
    let mut cases = Vec::new();
    for vis in Visibility::ALL {
        for standing in ["none", "member", "observer", "invited"] {
            let policy = if *vis == Visibility::Private {
                MembershipPolicy::Invitation
            } else {
                MembershipPolicy::Request
            };
            let slug = format!("{}-{standing}", vis.as_str());
            let id = store
                .create_community(
                    &community(&slug, vis.as_str(), policy.as_str()),
                    owner,
                    "created",
                    &[joined(owner)],
                )
                .await
                .expect("community");
            match standing {
                "member" | "observer" => {
                    let role = if standing == "member" {
                        guildhall_domain::CommunityRole::Member
                    } else {
                        guildhall_domain::CommunityRole::Observer
                    };
                    let ev = guildhall_domain::NewActivity::new(
                        guildhall_domain::Timestamp::now(),
                        guildhall_domain::ActivityKind::MemberJoined,
                        viewer,
                        None,
                    )
                    .in_community(id);
                    store
                        .add_member(id, viewer, role, &ev)
                        .await
                        .expect("member");
                }
                "invited" => {
                    store
                        .create_invitation(
                            id,
                            viewer,
                            owner,
                            guildhall_domain::CommunityRole::Member,
                        )
                        .await
                        .expect("invite");
                }
                _ => {}
            }
            let ctx = CommunityContext {
                visibility: *vis,
                policy,
                stage: Stage::Coalescing,
                role: match standing {
                    "member" => Some(CommunityRole::Member),
                    "observer" => Some(CommunityRole::Observer),
                    _ => None,
                },
                invited: standing == "invited",
            };
            cases.push((id, slug, can_see_community(&ctx), can_read_content(&ctx)));
        }
    }
    let listed = store
        .communities(&CommunityFilter {
            visible_to: viewer,
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(listed.total as usize, listed.items.len());
    // Activity in every community, seen through the viewer's person feed
    // of the owner's actions.
    let feed = store
        .feed(viewer, FeedScope::Actor(owner), 1000)
        .await
        .expect("feed");
    for (id, slug, visible, readable) in cases {
        assert_eq!(
            listed.items.iter().any(|c| c.id == id),
            visible,
            "list vs policy for {slug}"
        );
        assert_eq!(
            feed.iter().any(|f| f.community_id == Some(id)),
            readable,
            "feed vs policy for {slug}"
        );
    }
}
