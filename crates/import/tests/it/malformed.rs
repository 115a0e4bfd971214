//! Damaged copies of a real dump: the import stops with an error naming
//! the file and the place, and the database is exactly as before — also
//! when the damage is in a file read after others were written.

use crate::dump::{copy_of, fixture};
use crate::stackexchange::{AI, CONLANG, run, snapshot};
use guildhall_import::ImportError;
use guildhall_import::stackexchange::Options;
use std::path::Path;

/// Imports one site, then tries `damaged`; returns the error after
/// checking that nothing changed.
async fn fails_cleanly(damaged: &Path) -> ImportError {
    let store = guildhall_testkit::fresh_store().await;
    run(&store, &fixture(CONLANG), &Options::default())
        .await
        .expect("a good import first");
    let before = snapshot(&store).await;
    let mut refused = None;
    for dry_run in [true, false] {
        // Small chunks: the damage is found after much was written.
        let opts = Options {
            dry_run,
            chunk_rows: Some(50),
            ..Options::default()
        };
        let err = run(&store, damaged, &opts)
            .await
            .expect_err("a damaged dump is refused");
        assert_eq!(
            snapshot(&store).await,
            before,
            "nothing of the failed run remains"
        );
        refused = Some(err);
    }
    refused.expect("the real run's error")
}

fn position(err: &ImportError) -> (String, u64, u64, String) {
    match err {
        ImportError::Malformed {
            file,
            line,
            offset,
            message,
        } => (
            file.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned(),
            *line,
            *offset,
            message.clone(),
        ),
        other => panic!("expected a malformed-file error, got {other}"),
    }
}

#[tokio::test]
async fn a_truncated_file_is_refused_with_its_name() {
    let dir = copy_of(AI);
    let path = dir.join("Comments.xml");
    let bytes = std::fs::read(&path).expect("read");
    let cut = bytes.len() * 2 / 3;
    std::fs::write(&path, &bytes[..cut]).expect("write");
    let err = fails_cleanly(&dir).await;
    let (file, line, offset, message) = position(&err);
    assert_eq!(file, "Comments.xml");
    assert!(
        offset > 0 && offset <= cut as u64,
        "{offset} within the {cut} bytes left"
    );
    let lines_left = bytes[..cut].iter().filter(|b| **b == b'\n').count() as u64 + 1;
    assert!(
        line > 1 && line <= lines_left,
        "line {line} of {lines_left}"
    );
    assert!(
        message.contains("truncated") || message.contains("end"),
        "{message}"
    );
    assert!(err.to_string().contains("Comments.xml"), "{err}");
}

#[tokio::test]
async fn garbage_is_refused_before_anything_is_kept() {
    let dir = copy_of(AI);
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(dir.join("Votes.xml"), &garbage).expect("write");
    let (file, _, _, _) = position(&fails_cleanly(&dir).await);
    assert_eq!(file, "Votes.xml");

    let dir = copy_of(AI);
    std::fs::write(dir.join("Posts.xml"), "this is not a dump\n").expect("write");
    let (file, line, _, message) = position(&fails_cleanly(&dir).await);
    assert_eq!((file.as_str(), line), ("Posts.xml", 1));
    assert!(
        message.contains("<posts>"),
        "says what was expected: {message}"
    );
}

#[tokio::test]
async fn a_wrong_encoding_is_refused_at_the_row_that_shows_it() {
    // Latin-1 bytes in the middle of the last file read.
    let dir = copy_of(AI);
    let path = dir.join("Comments.xml");
    let text = std::fs::read_to_string(&path).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    let target = lines.len() / 2;
    let mut bytes = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if i == target {
            let damaged = l.replacen("Text=\"", "Text=\"caf\u{1}", 1);
            bytes.extend(
                damaged
                    .as_bytes()
                    .iter()
                    .map(|b| if *b == 1 { 0xE9 } else { *b }),
            );
        } else {
            bytes.extend_from_slice(l.as_bytes());
        }
        bytes.extend_from_slice(b"\r\n");
    }
    std::fs::write(&path, &bytes).expect("write");
    let (file, line, _, _) = position(&fails_cleanly(&dir).await);
    assert_eq!(file, "Comments.xml");
    assert_eq!(line, target as u64 + 1, "the line of the damaged row");

    // A whole file in UTF-16.
    let dir = copy_of(AI);
    let path = dir.join("Users.xml");
    let text = std::fs::read_to_string(&path).expect("read");
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in text.trim_start_matches('\u{feff}').encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    std::fs::write(&path, utf16).expect("write");
    let (file, _, _, message) = position(&fails_cleanly(&dir).await);
    assert_eq!(file, "Users.xml");
    assert!(message.contains("UTF-16"), "{message}");
}

#[tokio::test]
async fn a_row_without_what_it_needs_is_refused_with_its_line() {
    let dir = copy_of(AI);
    let path = dir.join("Posts.xml");
    let text = std::fs::read_to_string(&path).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    let target = lines.len() - 3;
    let damaged: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == target {
                l.replacen("CreationDate=\"", "CreationDate=\"soon", 1)
            } else {
                (*l).to_owned()
            }
        })
        .collect();
    std::fs::write(&path, damaged.join("\n")).expect("write");
    let (file, line, _, message) = position(&fails_cleanly(&dir).await);
    assert_eq!((file.as_str(), line), ("Posts.xml", target as u64 + 1));
    assert!(message.contains("CreationDate"), "{message}");
}
