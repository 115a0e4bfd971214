//! Splits an mbox file into messages, one at a time, knowing where each
//! starts (byte offset and line) so that errors can point at it.
//!
//! A message starts at a `From ` line (the "From_" line) at the start of
//! the file or after a blank line, or at any `From ` line that carries a
//! date the way mail delivery writes it. Body lines quoted as `>From `
//! (mboxrd and mboxo) lose one `>`. Pipermail's text archives are mbox
//! files of this shape too.

use crate::ImportError;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// One message as stored in the file.
pub struct RawMessage {
    /// The From_ line, without its end of line.
    pub from_line: String,
    /// Where the From_ line starts.
    pub offset: u64,
    pub line: u64,
    /// Headers and body, unquoted.
    pub bytes: Vec<u8>,
    /// This is the last message of the file.
    pub last: bool,
}

pub struct MboxReader {
    file: PathBuf,
    reader: BufReader<File>,
    size: u64,
    offset: u64,
    line: u64,
    /// The From_ line read ahead, with its offset and line.
    next_from: Option<(String, u64, u64)>,
    started: bool,
    done: bool,
    buf: Vec<u8>,
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
            line: 0,
            next_from: None,
            started: false,
            done: false,
            buf: Vec::with_capacity(256),
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn position(&self) -> u64 {
        self.offset
    }

    pub fn error(&self, line: u64, offset: u64, message: impl Into<String>) -> ImportError {
        ImportError::Malformed {
            file: self.file.clone(),
            line,
            offset,
            message: message.into(),
        }
    }

    /// Reads one line into `self.buf`; false at the end of the file.
    fn read_line(&mut self) -> Result<bool, ImportError> {
        self.buf.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| ImportError::Io {
                file: self.file.clone(),
                message: format!("{e} (at byte {})", self.offset),
            })?;
        self.offset += n as u64;
        self.line += 1;
        Ok(n > 0)
    }

    pub fn next_message(&mut self) -> Result<Option<RawMessage>, ImportError> {
        if self.done {
            return Ok(None);
        }
        if !self.started {
            self.started = true;
            loop {
                let start = self.offset;
                if !self.read_line()? {
                    self.done = true;
                    return Ok(None);
                }
                if is_blank(&self.buf) {
                    continue;
                }
                if !self.buf.starts_with(b"From ") {
                    return Err(self.error(
                        self.line,
                        start,
                        "expected a From_ line ('From sender date') at the start of the file: this is not an mbox archive",
                    ));
                }
                self.next_from = Some((line_text(&self.buf), start, self.line));
                break;
            }
        }
        let Some((from_line, offset, line)) = self.next_from.take() else {
            self.done = true;
            return Ok(None);
        };
        let mut bytes = Vec::with_capacity(4096);
        let mut previous_blank = false;
        loop {
            let start = self.offset;
            if !self.read_line()? {
                self.done = true;
                break;
            }
            if self.buf.starts_with(b"From ")
                && (previous_blank || from_line_date(&self.buf).is_some())
            {
                self.next_from = Some((line_text(&self.buf), start, self.line));
                break;
            }
            previous_blank = is_blank(&self.buf);
            let quoted = self.buf.iter().take_while(|b| **b == b'>').count();
            if quoted > 0 && self.buf[quoted..].starts_with(b"From ") {
                bytes.extend_from_slice(&self.buf[1..]);
            } else {
                bytes.extend_from_slice(&self.buf);
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
            offset,
            line,
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
    use super::{from_line_date, iso_date};

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
