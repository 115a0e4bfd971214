//! The mbox importer on pipermail text archives in the shape of a large
//! public statistics list's (see the fixture's SOURCE.txt): body lines
//! that start with "From ", addresses hidden by newer archives, replies
//! archived before the message they answer. Also: where an mbox error
//! points.

use crate::dump::fixture;
use guildhall_import::mbox::{Options, import};
use guildhall_import::{ImportError, Summary, progress::Silent};
use guildhall_store::{Store, ThreadFilter};
use std::path::{Path, PathBuf};

const DIR: &str = "pipermail-r-style";
const LIST: &str = "r-help";

fn file(name: &str) -> PathBuf {
    fixture(DIR).join(name)
}

async fn run(
    store: &Store,
    files: &[PathBuf],
    chunk: Option<usize>,
) -> Result<Summary, ImportError> {
    run_as(store, files, chunk, false).await
}

async fn run_as(
    store: &Store,
    files: &[PathBuf],
    chunk: Option<usize>,
    dry_run: bool,
) -> Result<Summary, ImportError> {
    let opts = Options {
        community: LIST.into(),
        dry_run,
        chunk_messages: chunk,
    };
    import(store, files, &opts, &mut Silent).await
}

/// Messages of a pipermail file by a scan of its own: a message starts at
/// a `From ` line directly followed by a `From: ` header.
fn message_count(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    lines
        .windows(2)
        .filter(|w| w[0].starts_with("From ") && w[1].starts_with("From: "))
        .count()
}

/// Bodies of every post of the list.
async fn bodies(store: &Store) -> Vec<String> {
    let c = store.community_by_slug(LIST).await.expect("community");
    let page = store
        .threads(c.id, &ThreadFilter::default(), 1_000, 0)
        .await
        .expect("threads");
    let mut out = Vec::new();
    for t in page.items {
        out.push(t.body.clone());
        for r in store.replies(t.id).await.expect("replies") {
            out.push(r.body);
        }
    }
    out
}

/// Regression: pipermail does not escape body lines starting with "From ";
/// a line after a blank line, or one that even carries a date, was taken
/// for the start of a message and the file refused ("expected a header
/// field after the From_ line").
#[tokio::test]
async fn body_lines_starting_with_from_stay_in_their_message() {
    let store = guildhall_testkit::fresh_store().await;
    let path = file("2021q1.txt");
    let s = run(&store, std::slice::from_ref(&path), None)
        .await
        .expect("a pipermail archive as served is imported");
    assert_eq!(
        (s.threads + s.replies) as usize,
        message_count(&path),
        "{s}"
    );
    assert_eq!(message_count(&path), 8);
    let bodies = bodies(&store).await;
    for line in [
        "From the readr documentation:",
        "From bob at stats.example.net  Tue Feb  2 10:00:00 2010",
        "From the same lab, Fia",
        "From the help page I understand",
    ] {
        assert!(
            bodies.iter().any(|b| b.contains(line)),
            "{line:?} kept in its message's body"
        );
    }
}

/// The line and the byte offset of an mbox error name the same place: the
/// line is one more than the line breaks before the byte.
fn same_place(bytes: &[u8], err: &ImportError) -> (u64, u64, String) {
    let ImportError::Malformed {
        line,
        offset,
        message,
        ..
    } = err
    else {
        panic!("expected a malformed-file error, got {err}");
    };
    let cut = (*offset as usize).min(bytes.len());
    let breaks = bytes[..cut].iter().filter(|b| **b == b'\n').count() as u64;
    assert_eq!(
        *line,
        breaks + 1,
        "line {line} and byte {offset} name the same place: {message}"
    );
    (*line, *offset, message.clone())
}

async fn refused(name: &str, bytes: &[u8]) -> ImportError {
    let path = guildhall_testkit::Scratch::new("mbox-place").keep(name);
    std::fs::write(&path, bytes).expect("write");
    let store = guildhall_testkit::fresh_store().await;
    run(&store, &[path.to_path_buf()], None)
        .await
        .expect_err("refused")
}

/// Regression: an error gave the line of the message's From_ line with the
/// byte of the damage (a NUL), or of the end of the file (a cut), and
/// counted bytes of a line ending in CRLF or of an unquoted `>From ` line
/// wrongly.
#[tokio::test]
async fn an_errors_line_and_byte_point_at_the_same_place() {
    let good = std::fs::read(fixture("apache-ponymail").join("maven_duplicates_2017_mboxvm.mbox"))
        .expect("read");
    // Binary data inside a message, after lines ending in CRLF and a
    // quoted >From line.
    let mut bytes = good.clone();
    bytes.extend_from_slice(
        b"\nFrom a@x.org  Mon Nov  6 10:00:00 2017\r\nFrom: a@x.org\r\nSubject: s\r\n\r\n>From the top\r\nline\r\n\x00\x01\x02 binary\r\n",
    );
    let err = refused("nul.mbox", &bytes).await;
    let (line, offset, message) = same_place(&bytes, &err);
    assert_eq!(bytes[offset as usize], 0, "the NUL byte itself: {message}");
    assert_eq!(
        line,
        bytes.iter().filter(|b| **b == b'\n').count() as u64,
        "the last line"
    );

    // Headers cut short by the end of the file.
    let mut bytes = good.clone();
    bytes.extend_from_slice(b"\nFrom a@x.org  Mon Nov  6 10:00:00 2017\nFrom: a@x.org\nSubj");
    let err = refused("cut.mbox", &bytes).await;
    let (_, offset, message) = same_place(&bytes, &err);
    assert_eq!(offset, bytes.len() as u64, "{message}");
    assert!(message.contains("truncated"), "{message}");
    assert!(message.contains("again"), "says what to do: {message}");

    // A first From_ line followed by something that is not mail, after
    // CRLF blank lines.
    let bytes = b"\r\n\r\nFrom someone Mon Nov  6 10:00:00 2017\r\n\x89PNG not a header\r\n";
    let err = refused("not-headers.mbox", bytes).await;
    let (line, offset, _) = same_place(bytes, &err);
    assert_eq!((line, offset), (4, 43));

    // Not an mbox at all, after blank lines.
    let bytes = b"\n\n\nSubject: a message without its From_ line\n\nhi\n";
    let err = refused("no-from.mbox", bytes).await;
    let (line, offset, message) = same_place(bytes, &err);
    assert_eq!((line, offset), (4, 3));
    assert!(
        !message.contains("download"),
        "downloading again cannot help a file that is not an mbox: {message}"
    );
}
