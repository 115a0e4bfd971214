//! Where an export's files come from: an unpacked folder or the .zip Slack
//! hands out (read entry by entry, never unpacked to disk). Paths are
//! relative to the export's root (`channels.json`, `general/2016-07-11.json`).

use crate::ImportError;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// A day file larger than this is not a day of chat: refuse it rather
/// than hold it in memory (a busy channel's day is a few megabytes).
const MAX_FILE_BYTES: u64 = 512 << 20;

pub(crate) struct Export {
    path: PathBuf,
    kind: Kind,
}

enum Kind {
    Dir,
    Zip {
        archive: zip::ZipArchive<BufReader<File>>,
        /// Relative path → (entry index, uncompressed size).
        entries: BTreeMap<String, (usize, u64)>,
    },
}

impl Export {
    pub(crate) fn open(path: &Path) -> Result<Self, ImportError> {
        let meta = std::fs::metadata(path).map_err(|e| ImportError::Io {
            file: path.to_path_buf(),
            message: format!("{e}: expected a Slack export, unpacked or as its .zip"),
        })?;
        if meta.is_dir() {
            return Ok(Export {
                path: path.to_path_buf(),
                kind: Kind::Dir,
            });
        }
        let file = File::open(path).map_err(|e| ImportError::Io {
            file: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| {
            ImportError::Refused(format!(
                "'{}' is neither a folder nor a zip archive ({e}): point to a Slack export, unpacked or the .zip Slack gave you",
                path.display()
            ))
        })?;
        let mut archive = archive;
        let mut names: Vec<(usize, String, u64)> = Vec::with_capacity(archive.len());
        for i in 0..archive.len() {
            let entry = archive.by_index_raw(i).map_err(|e| {
                ImportError::Refused(format!(
                    "'{}': entry {i} of the zip archive cannot be read ({e}): the archive is damaged",
                    path.display()
                ))
            })?;
            // Names that are not UTF-8 cannot be channels.json or a day file.
            if entry.is_file()
                && let Ok(name) = entry.name()
            {
                names.push((i, name.replace('\\', "/"), entry.size()));
            }
        }
        // Some tools zip the export inside a folder of its own: the root
        // is wherever channels.json is.
        let prefix = names
            .iter()
            .filter_map(|(_, n, _)| n.strip_suffix("channels.json"))
            .filter(|p| p.is_empty() || p.ends_with('/'))
            .min_by_key(|p| p.len())
            .unwrap_or_default()
            .to_owned();
        let entries = names
            .into_iter()
            .filter_map(|(i, name, size)| {
                let rel = name.strip_prefix(&prefix)?;
                (!rel.is_empty()).then(|| (rel.to_owned(), (i, size)))
            })
            .collect();
        Ok(Export {
            path: path.to_path_buf(),
            kind: Kind::Zip { archive, entries },
        })
    }

    /// The workspace's name as the folder or archive is named. Slack names
    /// its archives "Name Slack export Jan 1 2016 - Jul 31 2016.zip"; a
    /// folder made for one may be called `slack-name`.
    pub(crate) fn workspace_name(&self) -> String {
        let full = self
            .path
            .canonicalize()
            .unwrap_or_else(|_| self.path.clone());
        let stem = match self.kind {
            Kind::Dir => full.file_name(),
            Kind::Zip { .. } => full.file_stem(),
        }
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .trim()
        .to_owned();
        let lower = stem.to_lowercase();
        let cut = lower.find(" slack export").unwrap_or(lower.len());
        let name = stem[..cut].trim();
        let name = ["slack-", "slack_", "slack "]
            .iter()
            .find_map(|p| {
                name.get(..p.len())
                    .filter(|head| head.eq_ignore_ascii_case(p))
                    .map(|_| &name[p.len()..])
            })
            .unwrap_or(name);
        name.trim().to_owned()
    }

    /// Where a relative path is, for error messages (inside a zip: the
    /// archive's path followed by the entry's).
    pub(crate) fn path_of(&self, rel: &str) -> PathBuf {
        self.path.join(rel)
    }

    pub(crate) fn has(&self, rel: &str) -> bool {
        match &self.kind {
            Kind::Dir => self.path.join(rel).is_file(),
            Kind::Zip { entries, .. } => entries.contains_key(rel),
        }
    }

    /// The day files (`YYYY-MM-DD.json`) of a channel's folder, oldest
    /// first, with their sizes; other files are returned apart.
    pub(crate) fn day_files(&self, folder: &str) -> Result<(Vec<(String, u64)>, u64), ImportError> {
        let mut days = Vec::new();
        let mut others = 0u64;
        match &self.kind {
            Kind::Dir => {
                let dir = self.path.join(folder);
                if !dir.is_dir() {
                    return Ok((days, 0));
                }
                let listing = std::fs::read_dir(&dir).map_err(|e| ImportError::Io {
                    file: dir.clone(),
                    message: e.to_string(),
                })?;
                for entry in listing {
                    let entry = entry.map_err(|e| ImportError::Io {
                        file: dir.clone(),
                        message: e.to_string(),
                    })?;
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                    if is_day_file(&name) && entry.path().is_file() {
                        days.push((format!("{folder}/{name}"), size));
                    } else {
                        others += 1;
                    }
                }
            }
            Kind::Zip { entries, .. } => {
                let start = format!("{folder}/");
                for (rel, (_, size)) in entries.range(start.clone()..) {
                    let Some(name) = rel.strip_prefix(&start) else {
                        break;
                    };
                    if is_day_file(name) {
                        days.push((rel.clone(), *size));
                    } else {
                        others += 1;
                    }
                }
            }
        }
        days.sort();
        Ok((days, others))
    }

    /// The whole file (a day of one channel, or channels.json/users.json).
    pub(crate) fn read(&mut self, rel: &str) -> Result<Vec<u8>, ImportError> {
        let file = self.path_of(rel);
        let io = |e: std::io::Error| ImportError::Io {
            file: file.clone(),
            message: e.to_string(),
        };
        let mut bytes = Vec::new();
        match &mut self.kind {
            Kind::Dir => {
                let f = File::open(&file).map_err(io)?;
                let size = f.metadata().map_err(io)?.len();
                check_size(&file, size)?;
                BufReader::new(f).read_to_end(&mut bytes).map_err(io)?;
            }
            Kind::Zip { archive, entries } => {
                let Some(&(index, size)) = entries.get(rel) else {
                    return Err(io(std::io::ErrorKind::NotFound.into()));
                };
                check_size(&file, size)?;
                let entry = archive.by_index(index).map_err(|e| ImportError::Io {
                    file: file.clone(),
                    message: format!("cannot read this entry of the archive: {e}"),
                })?;
                entry
                    .take(MAX_FILE_BYTES + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| ImportError::Io {
                        file: file.clone(),
                        message: format!(
                            "cannot decompress this entry ({e}): the archive is damaged or truncated"
                        ),
                    })?;
                check_size(&file, bytes.len() as u64)?;
            }
        }
        Ok(bytes)
    }
}

fn check_size(file: &Path, size: u64) -> Result<(), ImportError> {
    if size > MAX_FILE_BYTES {
        return Err(ImportError::Io {
            file: file.to_path_buf(),
            message: format!(
                "{size} bytes: expected a Slack day file of at most {MAX_FILE_BYTES} bytes"
            ),
        });
    }
    Ok(())
}

/// `2016-07-11.json`.
fn is_day_file(name: &str) -> bool {
    let Some(date) = name.strip_suffix(".json") else {
        return false;
    };
    let b = date.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_files_are_dated_json_files() {
        assert!(is_day_file("2016-07-11.json"));
        assert!(!is_day_file("channels.json"));
        assert!(!is_day_file("2016-07-1.json"));
        assert!(!is_day_file("2016-07-11.json.bak"));
    }
}
