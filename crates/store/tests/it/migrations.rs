use guildhall_store::{MIGRATIONS, OpenMode, Store};
use std::collections::BTreeSet;

fn versions(dir: &str) -> BTreeSet<String> {
    std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
        .expect("migration folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn both_databases_have_the_same_migration_versions() {
    let sqlite = versions("sqlite");
    assert_eq!(sqlite, versions("postgres"));
    assert_eq!(
        sqlite.len(),
        MIGRATIONS.len(),
        "every migration file is registered"
    );
    for (version, name, _, _) in MIGRATIONS {
        assert!(
            sqlite.contains(&format!("{version:04}_{name}.sql")),
            "{version} {name}"
        );
    }
}

#[tokio::test]
async fn migrating_twice_changes_nothing() {
    let store = guildhall_testkit::fresh_store().await;
    assert!(store.migrate().await.expect("migrate").is_empty());
}

#[tokio::test]
async fn a_missing_file_is_never_silently_created() {
    let dir = guildhall_testkit::Scratch::new("open");
    let path = dir.join("typo.db");
    let p = path.to_string_lossy().into_owned();
    let err = Store::open(&p, OpenMode::MustExist)
        .await
        .expect_err("must not create");
    assert!(err.to_string().contains("no database at"), "{err}");
    assert!(!path.exists());
    let store = Store::open(&format!("sqlite://{p}"), OpenMode::Create)
        .await
        .expect("create");
    store.close().await;
    assert!(path.exists());
    let reopened = Store::open(&p, OpenMode::MustExist).await.expect("reopen");
    reopened.close().await;
    let bad = Store::open(
        &dir.join("missing/dir/x.db").to_string_lossy(),
        OpenMode::Create,
    )
    .await;
    assert!(bad.is_err());
    assert!(
        Store::open("mysql://localhost/x", OpenMode::Create)
            .await
            .is_err()
    );
}
