//! Reading and writing files the user names, the way trusted command-line tools do: reads are
//! bounded by the bytes actually read (a device or FIFO reports size 0, so the size in the
//! metadata proves nothing), and writes replace a file atomically only when it is a regular file
//! or a new one; devices, FIFOs and `-` are written straight into, symlinks are written through,
//! and a missing parent directory is an error rather than something to create.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Why a bounded read failed. Messages read after the file name: "answer.md: is larger than …".
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("does not exist")]
    NotFound,
    #[error("is a directory")]
    IsDirectory,
    #[error("is larger than {}; files that large are not read", human_bytes(*.limit))]
    TooLarge { limit: u64 },
    #[error("cannot be read: {0}")]
    Io(io::Error),
}

impl ReadError {
    fn from_io(err: io::Error) -> ReadError {
        match err.kind() {
            io::ErrorKind::NotFound => ReadError::NotFound,
            io::ErrorKind::IsADirectory => ReadError::IsDirectory,
            _ => ReadError::Io(err),
        }
    }

    /// Whether the problem is the user's input (exit 2) rather than the machine's (exit 1).
    pub fn is_input_problem(&self) -> bool {
        !matches!(self, ReadError::Io(_))
    }
}

/// "1 MB", "8 MB", "512 KB".
pub fn human_bytes(n: u64) -> String {
    if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
        format!("{} MB", n / (1024 * 1024))
    } else if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

/// Reads at most `limit` bytes from `reader`; one byte more is an error.
pub fn read_to_limit(reader: impl Read, limit: u64) -> Result<Vec<u8>, ReadError> {
    let mut buf = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(ReadError::from_io)?;
    if buf.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(buf)
}

/// Reads the whole of `path`, refusing anything over `limit` bytes however the file reports its
/// size (`/dev/zero`, a FIFO that never ends).
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    if path.is_dir() {
        return Err(ReadError::IsDirectory);
    }
    let file = fs::File::open(path).map_err(ReadError::from_io)?;
    read_to_limit(file, limit)
}

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {}: the directory {} does not exist (create it first)", .path.display(), .parent.display())]
    NoParent { path: PathBuf, parent: PathBuf },
    #[error("cannot write {}: it is a directory", .path.display())]
    IsDirectory { path: PathBuf },
    #[error("cannot write {}: {}", .path.display(), crate::strings::io_message(.source))]
    Io { path: PathBuf, source: io::Error },
}

impl WriteError {
    /// A missing directory or a directory as target is the user's mistake; anything else is a
    /// runtime failure. A closed pipe is not a failure at all (see `crate::Error::exit_code`).
    pub fn is_input_problem(&self) -> bool {
        matches!(
            self,
            WriteError::NoParent { .. } | WriteError::IsDirectory { .. }
        )
    }

    pub fn io(&self) -> Option<&io::Error> {
        match self {
            WriteError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Writes `bytes` to the output the user named: `-` is stdout; a regular file (or a new one)
/// is replaced atomically; a symlink is followed and its target treated the same way; a
/// device, FIFO or socket is written into directly, never replaced.
pub fn write_output(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let io_err = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    if path == Path::new("-") {
        use std::io::IsTerminal;
        let mut out = io::stdout().lock();
        // On a terminal, text from candidates and models is shown, never obeyed.
        if out.is_terminal() {
            let text = String::from_utf8_lossy(bytes);
            out.write_all(crate::ui::clean(&text).as_bytes())
                .map_err(io_err)?;
        } else {
            out.write_all(bytes).map_err(io_err)?;
        }
        return out.flush().map_err(io_err);
    }
    // Follow symlinks to what they point at: the link itself is the user's and stays.
    let target = match fs::canonicalize(path) {
        Ok(real) => real,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            // A dangling symlink points at the file to create.
            match fs::read_link(path) {
                Ok(dest) if dest.is_absolute() => dest,
                Ok(dest) => path.parent().unwrap_or(Path::new(".")).join(dest),
                Err(_) => path.to_path_buf(),
            }
        }
        Err(e) => return Err(io_err(e)),
    };
    match fs::metadata(&target) {
        Ok(meta) if meta.is_dir() => Err(WriteError::IsDirectory {
            path: path.to_path_buf(),
        }),
        Ok(meta) if !meta.is_file() => {
            // Devices, FIFOs, sockets: open for writing and write; never unlink or rename.
            let mut f = fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(io_err)?;
            f.write_all(bytes).map_err(io_err)?;
            f.flush().map_err(io_err)
        }
        _ => replace_atomically(&target, bytes).map_err(|e| match e {
            WriteError::Io { source, .. } => io_err(source),
            other => other,
        }),
    }
}

/// Replaces the regular file `path` with `bytes` atomically (temp file in the same directory,
/// fsync, rename, fsync the directory): a crash leaves either the old file or the new one.
/// The parent directory must exist.
pub fn replace_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let io_err = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(WriteError::NoParent {
            path: path.to_path_buf(),
            parent: parent.to_path_buf(),
        });
    }
    // Keep the permissions of the file being replaced; a new file gets 0666 less the umask,
    // as `File::create` would give, rather than the temp file's 0600 (open(2) applies the
    // umask to the mode asked for).
    let existing = fs::metadata(path).ok().map(|m| m.permissions());
    let mut builder = tempfile::Builder::new();
    builder.prefix(".rehearse-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(parent).map_err(io_err)?;
    tmp.write_all(bytes).map_err(io_err)?;
    if let Some(permissions) = existing {
        tmp.as_file().set_permissions(permissions).map_err(io_err)?;
    }
    tmp.as_file().sync_all().map_err(io_err)?;
    tmp.persist(path).map_err(|e| io_err(e.error))?;
    if let Ok(d) = fs::File::open(parent) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Makes sure `dir` exists as a directory, creating it (but not its parents: a typo in a parent
/// should not grow a tree of directories).
pub fn ensure_dir(dir: &Path) -> Result<(), WriteError> {
    if dir.is_dir() {
        return Ok(());
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(WriteError::NoParent {
            path: dir.to_path_buf(),
            parent: parent.to_path_buf(),
        });
    }
    fs::create_dir(dir).map_err(|source| WriteError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

/// Writes a file that must hold private data (sessions, audio): mode 0600, atomically.
pub fn replace_private(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let io_err = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let parent = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".rehearse-")
        .tempfile_in(parent)
        .map_err(io_err)?;
    tmp.write_all(bytes).map_err(io_err)?;
    tmp.as_file().sync_all().map_err(io_err)?;
    tmp.persist(path).map_err(|e| io_err(e.error))?;
    if let Ok(d) = fs::File::open(parent) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stop_at_the_limit_whatever_the_file_claims() {
        let zero = Path::new("/dev/zero");
        if zero.exists() {
            assert!(matches!(
                read_bounded(zero, 1024),
                Err(ReadError::TooLarge { limit: 1024 })
            ));
        }
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.txt");
        fs::write(&f, b"hello").unwrap();
        assert_eq!(read_bounded(&f, 5).unwrap(), b"hello");
        assert!(matches!(
            read_bounded(&f, 4),
            Err(ReadError::TooLarge { .. })
        ));
        assert!(matches!(
            read_bounded(&dir.path().join("nope"), 4),
            Err(ReadError::NotFound)
        ));
        assert!(matches!(
            read_bounded(dir.path(), 4),
            Err(ReadError::IsDirectory)
        ));
    }

    #[test]
    fn outputs_need_an_existing_directory_and_keep_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no/such/out.md");
        assert!(matches!(
            write_output(&missing, b"x"),
            Err(WriteError::NoParent { .. })
        ));
        assert!(!dir.path().join("no").exists());

        let real = dir.path().join("real.md");
        fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.md");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_output(&link, b"new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"new");
    }

    #[test]
    fn replaced_files_keep_their_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("r.md");
        fs::write(&f, b"old").unwrap();
        fs::set_permissions(&f, fs::Permissions::from_mode(0o640)).unwrap();
        write_output(&f, b"new").unwrap();
        assert_eq!(
            fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }
}
