//! Where sessions and reports live, and how they are written: one JSON file per session under
//! `$REHEARSE_HOME/sessions/` (`<id>.json`), replaced atomically (temp file in the same
//! directory, fsync, rename, fsync the directory), so a crash or `kill -9` never leaves a
//! half-written session. Reports sit next to their session as `<id>.report.<ext>`, a name no
//! session file can have.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::interview::Session;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a valid session file ({detail}); move it aside or delete it", path.display())]
    Corrupt { path: PathBuf, detail: String },
    #[error("{}", not_found_message(.query, .unfinished))]
    NotFound {
        query: String,
        unfinished: Vec<String>,
    },
    #[error("no unfinished session to resume; start one with `rehearse practice`")]
    NothingToResume,
}

impl StoreError {
    /// A session that is missing, finished or unreadable as a session is the user's input (2);
    /// a file system failure is a runtime one (1).
    pub fn exit_code(&self) -> u8 {
        match self {
            StoreError::Write { .. } | StoreError::Read { .. } => crate::error::FAILURE,
            _ => crate::error::USAGE,
        }
    }
}

fn not_found_message(query: &str, unfinished: &[String]) -> String {
    if unfinished.is_empty() {
        format!("no session \"{query}\", and there are no unfinished sessions to resume")
    } else {
        format!(
            "no session \"{query}\"; unfinished sessions:\n  {}",
            unfinished.join("\n  ")
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

    /// Writes a session atomically.
    pub fn save(&self, session: &Session) -> Result<PathBuf, StoreError> {
        let path = self.session_path(&session.id);
        let json = serde_json::to_vec_pretty(session).expect("sessions serialise");
        write_atomic(&path, &json)?;
        Ok(path)
    }

    pub fn load(&self, id: &str) -> Result<Session, StoreError> {
        load_file(&self.session_path(id))
    }

    /// Every session file, newest first (by start time); broken files are returned as such
    /// so callers can report them and carry on with the rest.
    pub fn entries(&self) -> Result<Vec<Entry>, StoreError> {
        let dir = self.sessions_dir();
        let read = match fs::read_dir(&dir) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(StoreError::Read { path: dir, source }),
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
            Some(query) => self.find(query),
            None => self
                .sessions()?
                .into_iter()
                .find(|s| !s.is_finished())
                .ok_or(StoreError::NothingToResume),
        }
    }

    /// Any session (finished or not) by id or unique prefix. A session file that exists but
    /// cannot be read is reported as such, not as missing.
    pub fn find(&self, query: &str) -> Result<Session, StoreError> {
        let exact = self.session_path(query);
        if exact.is_file() {
            return load_file(&exact);
        }
        let sessions = self.sessions()?;
        let unfinished: Vec<&Session> = sessions.iter().filter(|s| !s.is_finished()).collect();
        self.find_in(&sessions, query, &unfinished)
    }

    fn find_in(
        &self,
        sessions: &[Session],
        query: &str,
        unfinished: &[&Session],
    ) -> Result<Session, StoreError> {
        if let Some(s) = sessions.iter().find(|s| s.id == query) {
            return Ok(s.clone());
        }
        let matches: Vec<&Session> = sessions
            .iter()
            .filter(|s| s.id.starts_with(query))
            .collect();
        if let [one] = matches.as_slice() {
            return Ok((*one).clone());
        }
        let mut suggestions: Vec<String> = if matches.len() > 1 {
            matches.iter().map(|s| s.summary_line()).collect()
        } else {
            unfinished.iter().map(|s| s.summary_line()).collect()
        };
        suggestions.truncate(10);
        Err(StoreError::NotFound {
            query: query.to_owned(),
            unfinished: suggestions,
        })
    }
}

fn load_file(path: &Path) -> Result<Session, StoreError> {
    let bytes = fs::read(path).map_err(|source| StoreError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut session: Session = serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    let corrupt = |detail: String| StoreError::Corrupt {
        path: path.to_path_buf(),
        detail,
    };
    if session.schema_version > crate::interview::session::SCHEMA_VERSION {
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

/// Replaces `path` with `bytes` atomically: a crash leaves either the old or the new file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let err = |source| StoreError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(err)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    // Make the rename itself durable.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
