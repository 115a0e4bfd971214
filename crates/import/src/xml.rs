//! Row-by-row reading of "one root element holding `<row …/>` elements"
//! XML files (the Stack Exchange dump format). Only one row is in memory at
//! a time. Everything the file does that the format does not allow is an
//! error naming the file, the line, the byte offset and what was expected.

use crate::ImportError;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

pub(crate) struct RowReader {
    path: PathBuf,
    reader: quick_xml::Reader<BufReader<File>>,
    buf: Vec<u8>,
    root: &'static str,
    /// Bytes skipped before the parser's first byte (a UTF-8 byte order
    /// mark), added back to the parser's offsets when reporting.
    skipped: u64,
    root_open: bool,
    finished: bool,
    size: u64,
}

/// One `<row …/>`: its attributes, read on demand.
pub(crate) struct Row<'a> {
    start: BytesStart<'static>,
    path: &'a Path,
    offset: u64,
    end: u64,
}

/// The line (1-based) holding byte `offset` of the file, found by reading
/// it again: only on the error path.
fn line_at(path: &Path, offset: u64) -> u64 {
    let Ok(file) = File::open(path) else { return 0 };
    let mut line = 1;
    let mut reader = BufReader::new(file).take(offset);
    let mut chunk = [0u8; 64 * 1024];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) | Err(_) => return line,
            Ok(n) => line += chunk[..n].iter().filter(|b| **b == b'\n').count() as u64,
        }
    }
}

pub(crate) fn malformed(path: &Path, offset: u64, message: impl Into<String>) -> ImportError {
    ImportError::Malformed {
        file: path.to_path_buf(),
        line: line_at(path, offset),
        offset,
        message: format!("{}; {}", message.into(), crate::DAMAGED),
    }
}

/// [`malformed`] for an offset counted by the parser, which started after
/// `skipped` bytes.
fn malformed_at(path: &Path, skipped: u64, offset: u64, message: impl Into<String>) -> ImportError {
    malformed(path, offset + skipped, message)
}

impl RowReader {
    /// Opens `path`, whose root element must be `root`.
    pub(crate) fn open(path: &Path, root: &'static str) -> Result<Self, ImportError> {
        let io = |e: std::io::Error| ImportError::Io {
            file: path.to_path_buf(),
            message: e.to_string(),
        };
        let file = File::open(path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        let mut inner = BufReader::with_capacity(256 * 1024, file);
        let head = inner.fill_buf().map_err(io)?;
        let skipped = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            3
        } else if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
            return Err(malformed(
                path,
                0,
                "the file is encoded in UTF-16; expected UTF-8 (convert it, e.g. with iconv)",
            ));
        } else {
            0
        };
        inner.consume(skipped);
        let mut reader = quick_xml::Reader::from_reader(inner);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        Ok(RowReader {
            path: path.to_path_buf(),
            reader,
            buf: Vec::with_capacity(64 * 1024),
            root,
            skipped: skipped as u64,
            root_open: false,
            finished: false,
            size,
        })
    }

    /// The file's size in bytes.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// Bytes read so far.
    pub(crate) fn position(&self) -> u64 {
        self.reader.buffer_position() + self.skipped
    }

    /// The next row, or `None` after the root element has closed and
    /// nothing but whitespace and comments follow it.
    pub(crate) fn next_row(&mut self) -> Result<Option<Row<'_>>, ImportError> {
        let root = self.root;
        loop {
            self.buf.clear();
            let before = self.reader.buffer_position();
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(e) => e,
                Err(e) => {
                    let at = self.reader.error_position();
                    let what = match &e {
                        quick_xml::Error::Syntax(_) => {
                            format!("{e}: the file ends inside markup (truncated?) or is not XML")
                        }
                        _ => e.to_string(),
                    };
                    return Err(malformed_at(&self.path, self.skipped, at, what));
                }
            };
            match event {
                Event::Decl(d) => {
                    if let Some(enc) = d.encoding() {
                        let enc = enc.map_err(|e| {
                            malformed_at(&self.path, self.skipped, before, e.to_string())
                        })?;
                        let enc = enc.to_ascii_lowercase();
                        if enc != "utf-8" && enc != "utf8" {
                            return Err(malformed_at(
                                &self.path,
                                self.skipped,
                                before,
                                format!("the file declares encoding '{enc}'; expected UTF-8"),
                            ));
                        }
                    }
                }
                Event::Start(s) if !self.root_open && !self.finished => {
                    if s.name().as_ref() != root {
                        let found = s.name().as_ref().to_owned();
                        return Err(malformed_at(
                            &self.path,
                            self.skipped,
                            before,
                            format!("expected the root element <{root}>, found <{found}>"),
                        ));
                    }
                    self.root_open = true;
                }
                Event::Empty(s) if !self.root_open && !self.finished => {
                    // `<posts/>`: a dump with no rows.
                    if s.name().as_ref() != root {
                        let found = s.name().as_ref().to_owned();
                        return Err(malformed_at(
                            &self.path,
                            self.skipped,
                            before,
                            format!("expected the root element <{root}>, found <{found}/>"),
                        ));
                    }
                    self.finished = true;
                }
                Event::Empty(s) if self.root_open => {
                    if s.name().as_ref() != "row" {
                        let found = s.name().as_ref().to_owned();
                        return Err(malformed_at(
                            &self.path,
                            self.skipped,
                            before,
                            format!("expected <row …/> inside <{root}>, found <{found}/>"),
                        ));
                    }
                    let start = s.into_owned();
                    return Ok(Some(Row {
                        start,
                        path: &self.path,
                        offset: before + self.skipped,
                        end: self.reader.buffer_position() + self.skipped,
                    }));
                }
                Event::Start(s) => {
                    let found = s.name().as_ref().to_owned();
                    let expected = if self.finished {
                        format!("nothing after </{root}>")
                    } else {
                        format!("an empty <row …/> element inside <{root}>")
                    };
                    return Err(malformed_at(
                        &self.path,
                        self.skipped,
                        before,
                        format!("expected {expected}, found <{found}>"),
                    ));
                }
                Event::Empty(s) => {
                    let found = s.name().as_ref().to_owned();
                    return Err(malformed_at(
                        &self.path,
                        self.skipped,
                        before,
                        format!("expected nothing after </{root}>, found <{found}/>"),
                    ));
                }
                Event::End(_) => {
                    // check_end_names guarantees it closes the root.
                    self.root_open = false;
                    self.finished = true;
                }
                Event::Text(t) => {
                    if !t.trim().is_empty() {
                        return Err(malformed_at(
                            &self.path,
                            self.skipped,
                            before,
                            format!("expected only <row …/> elements inside <{root}>, found text"),
                        ));
                    }
                }
                Event::CData(_) | Event::GeneralRef(_) => {
                    return Err(malformed_at(
                        &self.path,
                        self.skipped,
                        before,
                        format!("expected only <row …/> elements inside <{root}>, found text"),
                    ));
                }
                Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
                Event::Eof => {
                    if self.root_open {
                        return Err(malformed_at(
                            &self.path,
                            self.skipped,
                            self.reader.buffer_position(),
                            format!(
                                "unexpected end of file: expected </{root}> (the file is truncated)"
                            ),
                        ));
                    }
                    if !self.finished {
                        return Err(malformed_at(
                            &self.path,
                            self.skipped,
                            self.reader.buffer_position(),
                            format!(
                                "expected the root element <{root}>, found the end of the file"
                            ),
                        ));
                    }
                    return Ok(None);
                }
            }
        }
    }
}

impl<'a> Row<'a> {
    /// Bytes of the file read up to the end of this row.
    pub(crate) fn end(&self) -> u64 {
        self.end
    }

    pub(crate) fn error(&self, message: impl Into<String>) -> ImportError {
        malformed(self.path, self.offset, message)
    }

    /// The value of attribute `name`, entities resolved.
    pub(crate) fn attr(&self, name: &str) -> Result<Option<Cow<'_, str>>, ImportError> {
        for a in self.start.attributes() {
            let a = a.map_err(|e| self.error(format!("bad attribute in <row>: {e}")))?;
            if a.key.as_ref() == name {
                let v = a
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|e| self.error(format!("bad value of attribute {name}: {e}")))?;
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    pub(crate) fn text(&self, name: &str) -> Result<String, ImportError> {
        Ok(self.attr(name)?.map(Cow::into_owned).unwrap_or_default())
    }

    pub(crate) fn int(&self, name: &str) -> Result<Option<i64>, ImportError> {
        match self.attr(name)? {
            None => Ok(None),
            Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
                self.error(format!(
                    "expected an integer in attribute {name}, found '{v}'"
                ))
            }),
        }
    }

    pub(crate) fn required_int(&self, name: &str) -> Result<i64, ImportError> {
        self.int(name)?
            .ok_or_else(|| self.error(format!("expected attribute {name} (an integer)")))
    }

    /// A dump time (`2016-08-02T15:39:14.947`, UTC) as Unix seconds.
    pub(crate) fn time(&self, name: &str) -> Result<Option<i64>, ImportError> {
        match self.attr(name)? {
            None => Ok(None),
            Some(v) => parse_time(&v).map(Some).ok_or_else(|| {
                self.error(format!(
                    "expected a time such as 2016-08-02T15:39:14.947 in attribute {name}, found '{v}'"
                ))
            }),
        }
    }

    pub(crate) fn required_time(&self, name: &str) -> Result<i64, ImportError> {
        self.time(name)?
            .ok_or_else(|| self.error(format!("expected attribute {name} (a time)")))
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fff][Z]` in UTC to Unix seconds.
pub(crate) fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches('Z');
    let (date, time) = s.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let year: i64 = d.next()?.parse().ok()?;
    let month: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    let time = time.split('.').next()?;
    let mut t = time.splitn(3, ':');
    let hour: i64 = t.next()?.parse().ok()?;
    let minute: i64 = t.next()?.parse().ok()?;
    let second: i64 = t.next().unwrap_or("0").parse().ok()?;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=days_in_month).contains(&day)
        || !(0..24).contains(&hour)
        || !(0..60).contains(&minute)
        || !(0..61).contains(&second)
    {
        return None;
    }
    // Days from the civil date (proleptic Gregorian), after H. Hinnant.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn dump_times_are_utc_seconds() {
        assert_eq!(parse_time("1970-01-01T00:00:00.000"), Some(0));
        assert_eq!(parse_time("2016-08-02T15:39:14.947"), Some(1_470_152_354));
        assert_eq!(parse_time("2020-02-29T23:59:59"), Some(1_583_020_799));
        assert_eq!(parse_time("2019-02-29T00:00:00"), None);
        assert_eq!(parse_time("2016-13-02T15:39:14"), None);
        assert_eq!(parse_time("yesterday"), None);
    }
}
