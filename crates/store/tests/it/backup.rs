//! Online backup of a SQLite file while writes go on, and restore. SQLite
//! only: PostgreSQL is backed up with its own tools.

use guildhall_store::{OpenMode, Store, backup};

#[tokio::test]
async fn a_backup_taken_during_writes_is_whole_and_restores() {
    if std::env::var("GUILDHALL_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        return; // a SQLite feature; the PostgreSQL run has nothing to add
    }
    let dir = guildhall_testkit::Scratch::new("backup-online");
    let live = dir.join("live.db");
    let store = Store::open(live.to_str().expect("utf-8"), OpenMode::Create)
        .await
        .expect("open");
    for i in 0..50 {
        store
            .create_unit(&format!("before {i}"), None, "")
            .await
            .expect("unit");
    }
    // Writes keep landing while the backup runs.
    let writer = store.clone();
    let writing = tokio::spawn(async move {
        for i in 0..400 {
            writer
                .create_unit(&format!("during {i}"), None, "")
                .await
                .expect("a write during the backup");
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let copy = dir.join("copy.db");
    let report = store.backup_to(&copy).await.expect("backup");
    writing.await.expect("writer");
    assert!(report.bytes > 0);
    assert_eq!(
        report.schema_version,
        guildhall_store::MIGRATIONS
            .iter()
            .map(|m| m.0)
            .max()
            .unwrap_or(0)
    );

    // The copy is the database as of one instant: units 1..=n, no gap.
    let snapshot = Store::open(copy.to_str().expect("utf-8"), OpenMode::MustExist)
        .await
        .expect("the backup opens");
    let units = snapshot.units_without_counts().await.expect("units");
    let mut ids: Vec<i64> = units.iter().map(|u| u.id.0).collect();
    ids.sort_unstable();
    assert!(
        ids.len() >= 50,
        "everything written before the backup is in it"
    );
    assert_eq!(ids, (1..=ids.len() as i64).collect::<Vec<_>>());
    snapshot.close().await;

    // A backup never overwrites.
    let again = store.backup_to(&copy).await;
    assert!(format!("{:?}", again.err()).contains("already exists"));
    store.close().await;

    // Restore over the live file: the old one is kept beside it.
    let (restored, kept) = backup::restore(&copy, &live).expect("restore");
    assert_eq!(restored.file, live);
    let kept = kept.expect("the replaced database is kept");
    assert!(kept.exists());
    let back = Store::open(live.to_str().expect("utf-8"), OpenMode::MustExist)
        .await
        .expect("the restored database opens");
    assert_eq!(
        back.units_without_counts().await.expect("units").len(),
        ids.len()
    );
    back.close().await;
    let old = Store::open(kept.to_str().expect("utf-8"), OpenMode::MustExist)
        .await
        .expect("the kept database opens");
    assert_eq!(
        old.units_without_counts().await.expect("units").len(),
        450,
        "the set-aside database kept every write, its log included"
    );
    old.close().await;
}

#[tokio::test]
async fn a_bad_backup_is_refused_and_changes_nothing() {
    let dir = guildhall_testkit::Scratch::new("backup-bad");
    let live = dir.join("live.db");
    std::fs::write(&live, b"the live database stands in here").expect("write");
    let garbage = dir.join("garbage.db");
    std::fs::write(&garbage, vec![0x42u8; 10_000]).expect("write");
    let e = backup::restore(&garbage, &live).expect_err("garbage is refused");
    assert!(e.to_string().contains("is not a usable backup"), "{e}");
    let missing = backup::restore(&dir.join("missing.db"), &live).expect_err("missing");
    assert!(missing.to_string().contains("missing.db"), "{missing}");
    // A SQLite file that is not a Guildhall database.
    let other = dir.join("other.db");
    let conn = rusqlite::Connection::open(&other).expect("open");
    conn.execute("CREATE TABLE t (x INTEGER)", [])
        .expect("create");
    drop(conn);
    let e = backup::restore(&other, &live).expect_err("not ours");
    assert!(e.to_string().contains("no Guildhall schema"), "{e}");
    assert_eq!(
        std::fs::read(&live).expect("read"),
        b"the live database stands in here",
        "the target is untouched"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("restoring") || n.contains("before-restore"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
