//! Splits an mbox file into messages, one at a time, knowing where each
//! starts (byte offset and line) so that errors can point at it.
//!
//! A message starts at the first `From ` line of the file (the "From_"
//! line), and after it at a `From ` line that looks like one — `From
//! <sender> <date as mail delivery writes it>`, e.g. `From a@b.org  Mon
//! Jan  4 17:02:05 2021` or `From someone at example.org  Tue Feb  2
//! 10:00:00 2010` — directly followed by a header field. Any other `From `
//! line is body text: pipermail's text archives (mbox files of this shape)
//! do not escape body lines that start with "From ", and an mbox writer
//! that does quotes them as `>From `, which loses one `>` here (mboxrd and
//! mboxo).
//!
//! Places: a byte offset and a line (one more than the line breaks before
//! that byte) always name the same place of the file.

use crate::ImportError;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// A place in the file: its line (from 1) and byte offset (from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    pub line: u64,
    pub offset: u64,
}

/// One message as stored in the file.
pub struct RawMessage {
    /// The From_ line, without its end of line.
    pub from_line: String,
    /// Where the line after the From_ line starts (headers).
    pub headers: Place,
    /// The first NUL byte of the message, if any.
    pub nul: Option<Place>,
    /// Headers and body, unquoted.
    pub bytes: Vec<u8>,
    /// This is the last message of the file.
    pub last: bool,
}

/// A line read, with where it starts.
struct Line {
    bytes: Vec<u8>,
    at: Place,
}

pub struct MboxReader {
    file: PathBuf,
    reader: BufReader<File>,
    size: u64,
    /// Bytes and line breaks read so far.
    offset: u64,
    breaks: u64,
    /// A line read ahead (the one after a From_-shaped line).
    ahead: Option<Line>,
    /// The From_ line read ahead.
    next_from: Option<String>,
    started: bool,
    done: bool,
}

impl MboxReader {
    pub fn open(path: &Path) -> Result<Self, ImportError> {
        let file = File::open(path).map_err(|e| ImportError::Io {
            file: path.to_path_buf(),
            message: format!("{e}: expected a readable mbox file"),
        })?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(MboxReader {
            file: path.to_path_buf(),
            reader: BufReader::with_capacity(1 << 16, file),
            size,
            offset: 0,
            breaks: 0,
            ahead: None,
            next_from: None,
            started: false,
            done: false,
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn position(&self) -> u64 {
        self.offset
    }

    /// Where the reading stands: the end of the file once it is read.
    pub fn place(&self) -> Place {
        Place {
            line: self.breaks + 1,
            offset: self.offset,
        }
    }

    pub fn error(&self, at: Place, message: impl Into<String>) -> ImportError {
        ImportError::Malformed {
            file: self.file.clone(),
            line: at.line,
            offset: at.offset,
            message: message.into(),
        }
    }

    /// The next line, the one read ahead first; `None` at the end of the
    /// file.
    fn line(&mut self) -> Result<Option<Line>, ImportError> {
        if let Some(line) = self.ahead.take() {
            return Ok(Some(line));
        }
        let at = self.place();
        let mut bytes = Vec::with_capacity(128);
        let n = self
            .reader
            .read_until(b'\n', &mut bytes)
            .map_err(|e| ImportError::Io {
                file: self.file.clone(),
                message: format!("{e} (at byte {})", self.offset),
            })?;
        if n == 0 {
            return Ok(None);
        }
        self.offset += n as u64;
        if bytes.ends_with(b"\n") {
            self.breaks += 1;
        }
        Ok(Some(Line { bytes, at }))
    }

    /// Whether `line` starts the next message: it looks like a From_ line
    /// and a header field follows it (read ahead).
    fn starts_message(&mut self, line: &[u8]) -> Result<bool, ImportError> {
        if !looks_like_from_line(line) {
            return Ok(false);
        }
        let Some(next) = self.line()? else {
            return Ok(false);
        };
        let header = is_header_line(&next.bytes);
        self.ahead = Some(next);
        Ok(header)
    }

    pub fn next_message(&mut self) -> Result<Option<RawMessage>, ImportError> {
        if self.done {
            return Ok(None);
        }
        if !self.started {
            self.started = true;
            loop {
                let Some(line) = self.line()? else {
                    self.done = true;
                    return Ok(None);
                };
                if is_blank(&line.bytes) {
                    continue;
                }
                if !line.bytes.starts_with(b"From ") {
                    return Err(self.error(
                        line.at,
                        "expected a From_ line ('From sender date') at the start of the file: this is not an mbox archive; name the list's archive files (mbox, or pipermail's .txt, unpacked if they end in .gz)",
                    ));
                }
                self.next_from = Some(line_text(&line.bytes));
                break;
            }
        }
        let Some(from_line) = self.next_from.take() else {
            self.done = true;
            return Ok(None);
        };
        let headers = self.ahead.as_ref().map_or_else(|| self.place(), |l| l.at);
        let mut bytes = Vec::with_capacity(4096);
        let mut nul = None;
        loop {
            let Some(line) = self.line()? else {
                self.done = true;
                break;
            };
            if line.bytes.starts_with(b"From ") && self.starts_message(&line.bytes)? {
                self.next_from = Some(line_text(&line.bytes));
                break;
            }
            if nul.is_none()
                && let Some(i) = line.bytes.iter().position(|b| *b == 0)
            {
                nul = Some(Place {
                    line: line.at.line,
                    offset: line.at.offset + i as u64,
                });
            }
            let quoted = line.bytes.iter().take_while(|b| **b == b'>').count();
            if quoted > 0 && line.bytes[quoted..].starts_with(b"From ") {
                bytes.extend_from_slice(&line.bytes[1..]);
            } else {
                bytes.extend_from_slice(&line.bytes);
            }
        }
        // The blank line before the next From_ line separates, it is not
        // part of the message.
        if self.next_from.is_some() {
            if bytes.ends_with(b"\r\n\r\n") {
                bytes.truncate(bytes.len() - 2);
            } else if bytes.ends_with(b"\n\n") {
                bytes.truncate(bytes.len() - 1);
            }
        }
        Ok(Some(RawMessage {
            from_line,
            headers,
            nul,
            bytes,
            last: self.done,
        }))
    }
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| matches!(b, b'\r' | b'\n'))
}

fn line_text(line: &[u8]) -> String {
    String::from_utf8_lossy(line).trim_end().to_owned()
}

/// A header field's first line: `Name: value` with a printable name.
pub fn is_header_line(line: &[u8]) -> bool {
    match line.iter().position(|b| *b == b':') {
        Some(colon) if colon > 0 => line[..colon].iter().all(|b| (33..=126).contains(b)),
        _ => false,
    }
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// `From <sender> <Www Mmm dd hh:mm[:ss] [zone] yyyy [zone]>`: a sender
/// (any words: pipermail writes `user at host`, newer archives hide
/// addresses in several words) and a date as mail delivery writes it,
/// ending the line.
pub fn looks_like_from_line(line: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(line) else {
        return false;
    };
    let Some(rest) = text.strip_prefix("From ") else {
        return false;
    };
    let words: Vec<&str> = rest.split_whitespace().collect();
    let is = |i: usize, set: &[&str]| {
        words
            .get(i)
            .is_some_and(|w| set.contains(&w.to_ascii_lowercase().as_str()))
    };
    // The weekday of the last date-shaped tail: the sender is before it.
    (1..words.len()).rev().any(|w| {
        is(w, &WEEKDAYS)
            && is(w + 1, &MONTHS)
            && words
                .get(w + 2)
                .and_then(|d| d.parse::<u32>().ok())
                .is_some_and(|d| (1..=31).contains(&d))
            && words.get(w + 3).is_some_and(|t| is_clock(t))
            && date_tail(&words[(w + 4).min(words.len())..])
    })
}

/// `hh:mm` or `hh:mm:ss`.
fn is_clock(word: &str) -> bool {
    let parts: Vec<&str> = word.split(':').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// What may follow the time: the year, with a zone before or after it.
fn date_tail(words: &[&str]) -> bool {
    let year = |w: &str| w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit());
    let zone = |w: &str| {
        let w = w.trim_start_matches(['+', '-']);
        (w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()))
            || ((2..=5).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_alphabetic()))
    };
    match words {
        [y] => year(y),
        [a, b] => (year(a) && zone(b)) || (zone(a) && year(b)),
        _ => false,
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// The delivery date of a From_ line (`From sender Mon Nov  6 10:00:00
/// 2017`, sometimes with a zone before the year), as Unix seconds UTC.
pub fn from_line_date(line: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(line).ok()?;
    let words: Vec<&str> = text.split_whitespace().collect();
    let m = words
        .iter()
        .position(|w| MONTHS.contains(&w.to_ascii_lowercase().as_str()))?;
    let month = MONTHS
        .iter()
        .position(|x| *x == words[m].to_ascii_lowercase())? as u32
        + 1;
    let day: u32 = words.get(m + 1)?.parse().ok()?;
    let mut clock = words.get(m + 2)?.split(':');
    let h: i64 = clock.next()?.parse().ok()?;
    let min: i64 = clock.next()?.parse().ok()?;
    let s: i64 = clock.next().unwrap_or("0").parse().ok()?;
    let year: i64 = words[m + 3..]
        .iter()
        .find_map(|w| w.parse::<i64>().ok().filter(|y| (1970..=9999).contains(y)))?;
    if !(1..=31).contains(&day) || h > 23 || min > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + min * 60 + s)
}

/// An ISO 8601 date (`2017-11-02T10:11:12Z`, `2017-11-02 10:11:12+01:00`),
/// as some archive exports write the Date header; Unix seconds UTC.
pub fn iso_date(text: &str) -> Option<i64> {
    let t = text.trim();
    let num = |r: std::ops::Range<usize>| t.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi) = (num(11..13)?, num(14..16)?);
    let sep = |i: usize, c: &[u8]| t.as_bytes().get(i).is_some_and(|b| c.contains(b));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":")) {
        return None;
    }
    let (sec, rest) = if sep(16, b":") {
        (num(17..19)?, t.get(19..)?)
    } else {
        (0, t.get(16..)?)
    };
    let rest = match rest.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) if rest.starts_with('.') => &rest[i..],
        _ => rest,
    }
    .trim();
    let offset = match rest.as_bytes().first() {
        None | Some(b'Z' | b'z') => 0,
        Some(b'+' | b'-') => {
            let digits: String = rest[1..].chars().filter(char::is_ascii_digit).collect();
            let hh: i64 = digits.get(0..2)?.parse().ok()?;
            let mm: i64 = digits.get(2..4).unwrap_or("0").parse().ok()?;
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (hh * 3600 + mm * 60)
        }
        _ => return None,
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some(days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::{from_line_date, iso_date, looks_like_from_line};

    #[test]
    fn from_lines_are_told_from_body_text() {
        for line in [
            "From w@ngz1 @end|ng |rom uth@c@@@edu  Mon Jan  4 17:02:05 2021",
            "From someone at example.org  Tue Feb  2 10:00:00 2010",
            "From a@b.c Mon May 14 19:23:38 2001",
            "From MAILER-DAEMON Thu Nov  2 10:11:12 +0000 2017",
            "From a@b.c Mon May 14 19:23 2001 PST",
        ] {
            assert!(looks_like_from_line(line.as_bytes()), "{line}");
        }
        for line in [
            "From the help page I understand that widths must be given",
            "From Mon Jan  4 17:02:05 2021",
            "From a@b.c Mon May 14 19:23:38 2001 and more words",
            "From: a@b.c",
            "From here we go",
        ] {
            assert!(!looks_like_from_line(line.as_bytes()), "{line}");
        }
    }

    #[test]
    fn from_line_dates() {
        assert_eq!(
            from_line_date(b"From a@b.c Mon May 14 19:23:38 2001\n"),
            Some(989_868_218)
        );
        assert_eq!(
            from_line_date(b"From a at b.c  Thu Jan  1 00:00:10 1970"),
            Some(10)
        );
        assert_eq!(from_line_date(b"From here we go"), None);
        assert_eq!(from_line_date(b"From "), None);
        assert_eq!(iso_date("1970-01-01T00:01:00Z"), Some(60));
        assert_eq!(iso_date("1970-01-01 01:00:00+01:00"), Some(0));
        assert_eq!(iso_date("2001-05-14T19:23:38.5Z"), Some(989_868_218));
        assert_eq!(iso_date("Mon, 14 May 2001"), None);
    }
}
