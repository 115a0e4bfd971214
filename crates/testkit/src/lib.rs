//! Test harness shared by the crates' integration tests: a fresh database
//! per test (a SQLite file, or a fresh schema on the PostgreSQL server
//! named by `GUILDHALL_TEST_DATABASE_URL`) and scratch folders removed when
//! dropped. It depends on the store only, so the store's and importers'
//! tests build without the app and web crates; the web tests keep their
//! in-process router harness beside them (`crates/web/tests/it/harness.rs`).
//!
//! Dev-dependency only: nothing here may be used by the binary.

#![forbid(unsafe_code)]

use guildhall_store::{OpenMode, Store};

/// Opens a fresh, migrated database for one test.
pub async fn fresh_store() -> Store {
    match std::env::var("GUILDHALL_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => {
            let schema = format!("t_{:016x}", rand::random::<u64>());
            let admin = Store::connect(&url, OpenMode::MustExist)
                .await
                .expect("connect to the test PostgreSQL");
            admin
                .execute_trusted_owned(format!("CREATE SCHEMA {schema}"))
                .await
                .expect("create schema");
            admin.close().await;
            let sep = if url.contains('?') { '&' } else { '?' };
            let scoped = format!("{url}{sep}options=-c%20search_path%3D{schema}");
            Store::open(&scoped, OpenMode::MustExist)
                .await
                .expect("open the test schema")
        }
        // A file, as served: pages read a SQLite file through the store's
        // direct reader, which an in-memory database does not have.
        _ => Store::open(&sqlite_test_file().to_string_lossy(), OpenMode::Create)
            .await
            .expect("open a SQLite test file"),
    }
}

/// A new file name in this test process's folder. The folders of test
/// processes that have ended are removed when the next one starts, so
/// runs leave at most one run's databases behind.
fn sqlite_test_file() -> std::path::PathBuf {
    static FOLDER: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let folder = FOLDER.get_or_init(|| {
        let tmp = std::env::temp_dir();
        if let Ok(entries) = std::fs::read_dir(&tmp) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let ended = name
                    .strip_prefix("guildhall-test-dbs-")
                    .and_then(|pid| pid.parse::<u32>().ok())
                    .is_some_and(|pid| {
                        cfg!(target_os = "linux")
                            && !std::path::Path::new(&format!("/proc/{pid}")).exists()
                    });
                if ended {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let folder = tmp.join(format!("guildhall-test-dbs-{}", std::process::id()));
        std::fs::create_dir_all(&folder).expect("a folder for test databases");
        folder
    });
    folder.join(format!("{:016x}.db", rand::random::<u64>()))
}

/// A fresh folder under the system's temporary folder for one test's files,
/// removed with everything in it when dropped, so that test runs do not
/// fill the disk of the machine they run on.
pub struct Scratch {
    dir: std::path::PathBuf,
}

impl Scratch {
    /// Creates `guildhall-<label>-<random>` in the temporary folder.
    pub fn new(label: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "guildhall-{label}-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        Scratch { dir }
    }

    /// A copy of the folder `from` (its files, not sub-folders) as `name`
    /// inside this scratch folder.
    pub fn copy_folder(&self, from: &std::path::Path, name: &str) -> std::path::PathBuf {
        let to = self.dir.join(name);
        std::fs::create_dir_all(&to).expect("the copy's folder");
        for entry in std::fs::read_dir(from).expect("the folder to copy") {
            let entry = entry.expect("an entry");
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("a copied file");
        }
        to
    }

    /// Keeps this folder as long as the path `relative` inside it is used.
    pub fn keep(self, relative: impl AsRef<std::path::Path>) -> InScratch {
        InScratch {
            path: self.dir.join(relative),
            _folder: self,
        }
    }
}

/// A path inside a [`Scratch`] folder; the folder goes when it is dropped.
pub struct InScratch {
    path: std::path::PathBuf,
    _folder: Scratch,
}

impl std::ops::Deref for InScratch {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.path
    }
}

impl std::ops::Deref for Scratch {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.dir
    }
}

impl AsRef<std::path::Path> for Scratch {
    fn as_ref(&self) -> &std::path::Path {
        &self.dir
    }
}

impl AsRef<std::path::Path> for InScratch {
    fn as_ref(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // A folder left behind only costs disk space.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
