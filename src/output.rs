//! Files the tool writes: always whole or not at all.
//!
//! Every file is written to a temporary file in the same directory and
//! renamed over the target only once complete, so an interrupted run leaves
//! the previous file (or none), never half of a new one. A temporary file
//! left by a process killed outright (SIGKILL) is named `.NAME.*.tmp`.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Where a document goes: a file, or stdout (`-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Standard output.
    Stdout,
    /// A file, replaced atomically.
    File(PathBuf),
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Target, String> {
        match s {
            "" => Err("the path is empty".into()),
            "-" => Ok(Target::Stdout),
            _ => Ok(Target::File(PathBuf::from(s))),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Stdout => f.write_str("stdout"),
            Target::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A file being written; it appears at its path only on [`AtomicFile::commit`].
/// Dropped without a commit (an error, an interrupt), it leaves nothing.
pub struct AtomicFile {
    path: PathBuf,
    writer: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `path` (the temporary file goes beside it). Refuses
    /// a path that names anything but a regular file (renaming over
    /// `/dev/full` or a FIFO would replace it), a file the user could not
    /// write, and another user's file whose owner cannot be kept. A file
    /// replaced keeps its mode and owner; a new one gets 0666 less the umask.
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let existing = replaceable(path)?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let stem = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let prefix = format!(".{stem}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        // A new file gets the usual permissions (the umask applies), not a
        // temporary file's 0600.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let tmp = builder.tempfile_in(dir).map_err(unwrapped)?;
        #[cfg(unix)]
        if let Some(meta) = existing {
            use std::os::unix::fs::MetadataExt;
            std::os::unix::fs::fchown(tmp.as_file(), Some(meta.uid()), Some(meta.gid()))?;
            tmp.as_file().set_permissions(meta.permissions())?;
        }
        #[cfg(not(unix))]
        let _ = existing;
        Ok(AtomicFile { path: path.to_path_buf(), writer: BufWriter::with_capacity(1 << 16, tmp) })
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(self) -> io::Result<()> {
        let tmp = self.writer.into_inner().map_err(|e| unwrapped(e.into_error()))?;
        tmp.as_file().sync_all()?;
        tmp.persist(&self.path).map_err(|e| unwrapped(e.error))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf).map_err(unwrapped)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush().map_err(unwrapped)
    }
}

/// The operating system's error without the temporary file's path that
/// `tempfile` adds ("… at path /dir/.name.x1y2.tmp"): the user named the
/// target, and the temporary name means nothing to them.
fn unwrapped(e: io::Error) -> io::Error {
    // tempfile's wrapper is private and hides the OS error it holds, so its
    // text is cut where the path begins.
    let text = e.to_string();
    match text.split_once(" at path \"") {
        Some((error, _)) if e.get_ref().is_some() => io::Error::new(e.kind(), error.to_string()),
        _ => e,
    }
}

/// An error if `path` exists and is not a regular file.
fn refuse_non_regular(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if !meta.is_file() => Err(io::Error::other(format!(
            "it is {}; results replace only regular files",
            crate::input::describe(meta.file_type())
        ))),
        _ => Ok(()),
    }
}

/// The metadata of the file at `path` that a result may replace (none when
/// there is no file yet); an error if it is not a regular file, if the user
/// could not write it (opening it to write, which changes nothing, is the
/// test), or if it is another user's and its owner cannot be kept.
fn replaceable(path: &Path) -> io::Result<Option<std::fs::Metadata>> {
    refuse_non_regular(path)?;
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if let Err(e) = std::fs::OpenOptions::new().write(true).open(path) {
        return Err(io::Error::new(
            e.kind(),
            format!("you cannot write it ({e}); results replace only files you could write"),
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Whether this process can give a file the target's owner: try it on
        // a scratch file beside the target.
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let probe = tempfile::Builder::new().prefix(".alliance-sim-check.").tempfile_in(dir)?;
        let probe_meta = probe.as_file().metadata()?;
        if probe_meta.uid() != meta.uid()
            && std::os::unix::fs::fchown(probe.as_file(), Some(meta.uid()), Some(meta.gid())).is_err()
        {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "it belongs to another user (uid {}); a result replaces a file whole, which would make it yours: \
                     write it elsewhere",
                    meta.uid()
                ),
            ));
        }
    }
    Ok(Some(meta))
}

/// Checks, before any work, that `path` can be written: it is a regular
/// file or does not exist yet, and its directory exists and takes a new
/// file. A run of hours must not fail at its last step on a typo.
pub fn check_writable(path: &Path) -> io::Result<()> {
    refuse_non_regular(path)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => {
            return Err(io::Error::other(format!("{} is not a directory", dir.display())));
        }
        Err(e) => return Err(io::Error::new(e.kind(), format!("the directory {}: {e}", dir.display()))),
        Ok(_) => {}
    }
    // The one sure test of a writable directory is to create a file in it
    // (which `replaceable` does for a file already there).
    match replaceable(path)? {
        Some(_) => Ok(()),
        None => tempfile::Builder::new().prefix(".alliance-sim-check.").tempfile_in(dir).map(drop),
    }
}

/// Where a stream of records goes: a file replaced atomically, or stdout.
pub enum Sink {
    /// A file that appears on [`Sink::commit`].
    File(AtomicFile),
    /// Standard output.
    Stdout(BufWriter<io::Stdout>),
}

impl Sink {
    /// Opens a target for writing.
    pub fn create(target: &Target) -> io::Result<Sink> {
        Ok(match target {
            Target::Stdout => Sink::Stdout(BufWriter::with_capacity(1 << 16, io::stdout())),
            Target::File(path) => Sink::File(AtomicFile::create(path)?),
        })
    }

    /// Finishes: renames a file into place, or flushes stdout.
    pub fn commit(self) -> io::Result<()> {
        match self {
            Sink::File(f) => f.commit(),
            Sink::Stdout(mut w) => w.flush(),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::File(f) => f.write(buf),
            Sink::Stdout(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::File(f) => f.flush(),
            Sink::Stdout(w) => w.flush(),
        }
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit()
}
