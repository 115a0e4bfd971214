//! Words stored as text come back as domain enums; a word the domain does
//! not know (a hand-edited database, a newer version's value) is an error
//! that names it, never a silent default that would, say, show a private
//! community as open.

use crate::conformance::{community, joined, person, setup};
use guildhall_store::StoreError;

#[tokio::test]
async fn an_unknown_word_is_an_error_naming_it() {
    let store = setup().await;
    let ada = store.create_person(&person("Ada")).await.expect("ada");
    let id = store
        .create_community(
            &community("guarded", "private", "invitation"),
            ada,
            "created",
            &[joined(ada)],
        )
        .await
        .expect("community");
    assert_eq!(
        store.community(id).await.expect("read").visibility,
        guildhall_domain::Visibility::Private
    );

    store
        .execute_trusted_owned(format!(
            "UPDATE communities SET visibility = 'semi-open' WHERE id = {id}"
        ))
        .await
        .expect("hand edit");
    match store.community(id).await {
        // sqlx's error, or the direct reader's on a SQLite file.
        Err(e @ (StoreError::Database(_) | StoreError::DirectRead(_))) => {
            let message = e.to_string();
            assert!(
                message.contains("Visibility") && message.contains("semi-open"),
                "the error names the type and the word: {message}"
            );
        }
        other => panic!("expected a decoding error, got {other:?}"),
    }

    store
        .execute_trusted_owned(format!(
            "UPDATE people SET org_role = 'overlord' WHERE id = {ada}"
        ))
        .await
        .expect("hand edit");
    assert!(matches!(
        store.person(ada).await,
        Err(StoreError::Database(_) | StoreError::DirectRead(_))
    ));
}
