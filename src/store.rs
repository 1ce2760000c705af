//! Where sessions and reports live, and how they are written: one JSON file per session under
//! `$REHEARSE_HOME/sessions/` (`<id>.json`), created exclusively (two sessions started in the same
//! second get different ids, never one file) and then replaced atomically (temp file in the same
//! directory, fsync, rename, fsync the directory), so a crash or `kill -9` never leaves a
//! half-written session. A session open in a REPL is locked (`$REHEARSE_HOME/locks/<id>.lock`,
//! an advisory lock the OS releases when the process ends, however it ends). Ids are slugs and
//! must match their file's name, so a crafted file cannot make rehearse write elsewhere. Reports
//! sit next to their session as `<id>.report.<ext>`, a name no session file can have.

use std::fs;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::session::Session;

/// Session files are small (a long interview is well under 1 MB); anything far bigger is not
/// one of ours.
pub const MAX_SESSION_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot write {}: {}", path.display(), crate::strings::io_message(.source))]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {}: {reason}", path.display())]
    Read {
        path: PathBuf,
        reason: crate::files::ReadError,
    },
    #[error("{} is not a valid session file ({detail}); move it aside or delete it", path.display())]
    Corrupt { path: PathBuf, detail: String },
    #[error("{}", not_found_message(.query, .candidates, *.want))]
    NotFound {
        query: String,
        want: Want,
        candidates: Vec<String>,
    },
    #[error("no unfinished session to resume; start one with `rehearse practice`")]
    NothingToResume,
    #[error("session {id} is open in another rehearse{}; continue it there, or quit it there first", holder.map(|p| format!(" (process {p})")).unwrap_or_default())]
    Locked { id: String, holder: Option<u32> },
}

/// Which sessions a lookup is after, so "not found" can offer the right ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Unfinished,
    Finished,
    Any,
}

impl StoreError {
    /// A session that is missing, finished or unreadable as a session is the user's input (2);
    /// a file system failure is a runtime one (1).
    pub fn exit_code(&self) -> u8 {
        match self {
            StoreError::Read { reason, .. } if reason.is_input_problem() => crate::exit::USAGE,
            StoreError::Write { .. } | StoreError::Read { .. } | StoreError::Locked { .. } => {
                crate::exit::FAILURE
            }
            _ => crate::exit::USAGE,
        }
    }
}

fn not_found_message(query: &str, candidates: &[String], want: Want) -> String {
    let which = match want {
        Want::Unfinished => "unfinished sessions",
        Want::Finished => "finished sessions",
        Want::Any => "sessions",
    };
    if candidates.is_empty() {
        let hint = match want {
            Want::Unfinished => "; start one with `rehearse practice`",
            Want::Finished => "; finish an interview with /done",
            Want::Any => "",
        };
        format!("no session \"{query}\", and there are no {which}{hint}")
    } else {
        format!(
            "no session \"{query}\"; {which}:\n  {}",
            candidates.join("\n  ")
        )
    }
}

/// Marks report files in the sessions directory.
const REPORT_SUFFIX: &str = ".report.";

fn is_session_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
        && !path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().contains(REPORT_SUFFIX))
}

/// The data directory and what is inside it.
#[derive(Debug, Clone)]
pub struct Store {
    home: PathBuf,
}

/// A session file as found on disk: loaded, or broken with the reason.
pub enum Entry {
    Ok(Box<Session>),
    Broken { path: PathBuf, error: StoreError },
}

impl Store {
    /// A store rooted at the data directory (`$REHEARSE_HOME`).
    pub fn new(home: impl Into<PathBuf>) -> Store {
        Store { home: home.into() }
    }

    pub fn sessions_dir(&self) -> PathBuf {
        self.home.join("sessions")
    }

    pub fn session_path(&self, id: &str) -> PathBuf {
        self.sessions_dir().join(format!("{id}.json"))
    }

    /// Where a report of a session goes: next to it, as `<id>.report.<ext>`, so that even a
    /// JSON report can never overwrite the session it describes.
    pub fn report_path(&self, id: &str, extension: &str) -> PathBuf {
        self.sessions_dir()
            .join(format!("{id}{REPORT_SUFFIX}{extension}"))
    }

    /// Where the recordings of a session's spoken turns live: `<id>.audio/` next to it.
    pub fn audio_dir(&self, id: &str) -> PathBuf {
        self.sessions_dir().join(format!("{id}.audio"))
    }

    /// Keeps a spoken turn's recording (mode 0600) as `turn-NNN.wav`; returns the file name.
    pub fn keep_audio(&self, id: &str, turn: usize, wav: &[u8]) -> Result<String, StoreError> {
        let dir = self.audio_dir(id);
        let write_error = |path: &Path, e: crate::files::WriteError| StoreError::Write {
            path: path.to_path_buf(),
            source: match e {
                crate::files::WriteError::Io { source, .. } => source,
                other => std::io::Error::other(other.to_string()),
            },
        };
        crate::files::ensure_dir(&dir).map_err(|e| write_error(&dir, e))?;
        let name = format!("turn-{turn:03}.wav");
        let path = dir.join(&name);
        crate::files::replace_private(&path, wav).map_err(|e| write_error(&path, e))?;
        Ok(name)
    }

    /// Where pending and collected cohort batches are recorded, one directory each.
    pub fn batches_dir(&self) -> PathBuf {
        self.home.join("batches")
    }

    /// Creates the directory of a new batch exclusively, named `base` (or `base-2`, `base-3`…
    /// when taken). Returns its id and path.
    pub fn create_batch_dir(&self, base: &str) -> Result<(String, PathBuf), StoreError> {
        let root = self.batches_dir();
        fs::create_dir_all(&root).map_err(|source| StoreError::Write {
            path: root.clone(),
            source,
        })?;
        for n in 1..=1000 {
            let id = if n == 1 {
                base.to_owned()
            } else {
                format!("{base}-{n}")
            };
            let path = root.join(&id);
            match fs::create_dir(&path) {
                Ok(()) => return Ok((id, path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(source) => return Err(StoreError::Write { path, source }),
            }
        }
        Err(StoreError::Write {
            path: root.join(base),
            source: std::io::Error::other("no free batch id"),
        })
    }

    fn locks_dir(&self) -> PathBuf {
        self.home.join("locks")
    }

    /// Saves a new session under a file of its own, created exclusively: when its id is taken
    /// (another session started in the same second) the id gets a `-2`, `-3`… suffix until the
    /// file can be created, so two processes never share a file.
    pub fn create(&self, session: &mut Session) -> Result<PathBuf, StoreError> {
        let dir = self.sessions_dir();
        fs::create_dir_all(&dir).map_err(|source| StoreError::Write {
            path: dir.clone(),
            source,
        })?;
        let base = session.id.clone();
        for n in 1..=1000 {
            let id = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            let path = self.session_path(&id);
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    session.id = id;
                    let json = serde_json::to_vec_pretty(session).expect("sessions serialise");
                    let err = |source| StoreError::Write {
                        path: path.clone(),
                        source,
                    };
                    file.write_all(&json).map_err(err)?;
                    file.sync_all().map_err(err)?;
                    return Ok(path);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(source) => return Err(StoreError::Write { path, source }),
            }
        }
        Err(StoreError::Write {
            path: self.session_path(&base),
            source: std::io::Error::other("no free session id"),
        })
    }

    /// Writes a session atomically, replacing its file.
    pub fn save(&self, session: &Session) -> Result<PathBuf, StoreError> {
        let path = self.session_path(&session.id);
        let json = serde_json::to_vec_pretty(session).expect("sessions serialise");
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|source| StoreError::Write {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        crate::files::replace_private(&path, &json).map_err(|e| StoreError::Write {
            path: path.clone(),
            source: match e {
                crate::files::WriteError::Io { source, .. } => source,
                other => std::io::Error::other(other.to_string()),
            },
        })?;
        Ok(path)
    }

    pub fn load(&self, id: &str) -> Result<Session, StoreError> {
        load_file(&self.session_path(id))
    }

    /// Takes the advisory lock of session `id` for as long as the returned guard lives. The OS
    /// releases it when the process exits, crash or not. A session locked by another process is
    /// an error naming that process.
    pub fn lock(&self, id: &str) -> Result<SessionLock, StoreError> {
        let dir = self.locks_dir();
        let path = dir.join(format!("{id}.lock"));
        let err = |source| StoreError::Write {
            path: path.clone(),
            source,
        };
        fs::create_dir_all(&dir).map_err(err)?;
        // The lock file is never deleted: removing it while another process waits on it would
        // let two processes "hold" two different files of the same name.
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(err)?;
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0).map_err(err)?;
                file.rewind().map_err(err)?;
                write!(file, "{}", std::process::id()).map_err(err)?;
                Ok(SessionLock { _file: file })
            }
            Err(fs::TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                Err(StoreError::Locked {
                    id: id.to_owned(),
                    holder: pid.trim().parse().ok(),
                })
            }
            Err(fs::TryLockError::Error(source)) => Err(err(source)),
        }
    }

    /// Every session file, newest first (by start time); broken files are returned as such
    /// so callers can report them and carry on with the rest.
    pub fn entries(&self) -> Result<Vec<Entry>, StoreError> {
        let dir = self.sessions_dir();
        let read = match fs::read_dir(&dir) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(StoreError::Read {
                    path: dir,
                    reason: crate::files::ReadError::Io(source),
                });
            }
        };
        let mut paths: Vec<PathBuf> = read
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| is_session_file(p))
            .collect();
        paths.sort();
        let mut entries: Vec<Entry> = paths
            .into_iter()
            .map(|path| match load_file(&path) {
                Ok(s) => Entry::Ok(Box::new(s)),
                Err(error) => Entry::Broken { path, error },
            })
            .collect();
        entries.sort_by(|a, b| match (a, b) {
            (Entry::Ok(a), Entry::Ok(b)) => b.started_at.cmp(&a.started_at).then(b.id.cmp(&a.id)),
            (Entry::Ok(_), Entry::Broken { .. }) => std::cmp::Ordering::Less,
            (Entry::Broken { .. }, Entry::Ok(_)) => std::cmp::Ordering::Greater,
            (Entry::Broken { path: a, .. }, Entry::Broken { path: b, .. }) => a.cmp(b),
        });
        Ok(entries)
    }

    /// Loaded sessions, newest first, skipping broken files.
    pub fn sessions(&self) -> Result<Vec<Session>, StoreError> {
        Ok(self
            .entries()?
            .into_iter()
            .filter_map(|e| match e {
                Entry::Ok(s) => Some(*s),
                Entry::Broken { .. } => None,
            })
            .collect())
    }

    /// Ids of questions practised, most recent first, each once.
    pub fn recent_questions(&self) -> Result<Vec<String>, StoreError> {
        let mut ids: Vec<String> = Vec::new();
        for s in self.sessions()? {
            if !ids.contains(&s.question.id) {
                ids.push(s.question.id.clone());
            }
        }
        Ok(ids)
    }

    /// The session to resume: `query` as an exact id or unique prefix, or the latest
    /// unfinished one.
    pub fn find_resumable(&self, query: Option<&str>) -> Result<Session, StoreError> {
        match query {
            Some(query) => self.find(query, Want::Unfinished),
            None => self
                .sessions()?
                .into_iter()
                .find(|s| !s.is_finished())
                .ok_or(StoreError::NothingToResume),
        }
    }

    /// A session by id or unique prefix; `want` says which sessions to offer when nothing
    /// matches. A session file that exists but cannot be read is reported as such, not as
    /// missing. A query that is not shaped like an id never reaches the file system.
    pub fn find(&self, query: &str, want: Want) -> Result<Session, StoreError> {
        if is_session_id(query) {
            let exact = self.session_path(query);
            if exact.is_file() {
                return load_file(&exact);
            }
        }
        let sessions = self.sessions()?;
        if let Some(s) = sessions.iter().find(|s| s.id == query) {
            return Ok(s.clone());
        }
        let matches: Vec<&Session> = sessions
            .iter()
            .filter(|s| !query.is_empty() && s.id.starts_with(query))
            .collect();
        if let [one] = matches.as_slice() {
            return Ok((*one).clone());
        }
        let mut candidates: Vec<String> = if matches.len() > 1 {
            matches.iter().map(|s| s.summary_line()).collect()
        } else {
            sessions
                .iter()
                .filter(|s| match want {
                    Want::Unfinished => !s.is_finished(),
                    Want::Finished => s.is_finished(),
                    Want::Any => true,
                })
                .map(|s| s.summary_line())
                .collect()
        };
        candidates.truncate(10);
        Err(StoreError::NotFound {
            query: query.to_owned(),
            want,
            candidates,
        })
    }
}

/// Session ids are slugs (`20261127-231502-url-shortener-2`): no separators, no dots, so an id
/// can never name a path outside the sessions directory.
pub fn is_session_id(id: &str) -> bool {
    id.len() <= 200 && crate::tomlread::is_slug(id)
}

fn load_file(path: &Path) -> Result<Session, StoreError> {
    let bytes =
        crate::files::read_bounded(path, MAX_SESSION_BYTES).map_err(|reason| StoreError::Read {
            path: path.to_path_buf(),
            reason,
        })?;
    let mut session: Session = serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    let corrupt = |detail: String| StoreError::Corrupt {
        path: path.to_path_buf(),
        detail,
    };
    if !is_session_id(&session.id) {
        return Err(corrupt(format!(
            "its id {:?} is not a session id (lowercase letters, digits and hyphens)",
            crate::strings::clip(&session.id, 80)
        )));
    }
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if session.id != stem {
        return Err(corrupt(format!(
            "its id \"{}\" does not match its file name; rename the file to {}.json or fix the id",
            session.id, session.id
        )));
    }
    if session.schema_version > crate::session::SCHEMA_VERSION {
        return Err(corrupt(format!(
            "schema_version {} was written by a newer rehearse",
            session.schema_version
        )));
    }
    if session.stage_index >= session.stages.len() {
        return Err(corrupt(format!(
            "stage_index {} is out of range for {} stage(s)",
            session.stage_index,
            session.stages.len()
        )));
    }
    session.after_load();
    Ok(session)
}

/// Holds a session's lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct SessionLock {
    _file: fs::File,
}
