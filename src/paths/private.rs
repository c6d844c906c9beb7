//! Private files. The store holds every prompt, every answer and everything any pane printed
//! (a `cat` of a credentials file included), and the logs name sessions and commands, so
//! switchboard's own directories are created `0700` and its store and log files `0600`. An
//! older install that left them wider is tightened when they are opened, with a one-line
//! notice. Worktrees are not touched: they keep the repository's own permissions.

use std::fmt;
use std::fs::{DirBuilder, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Only the owner may list, enter or change switchboard's directories.
pub const PRIVATE_DIR_MODE: u32 = 0o700;
/// Only the owner may read or write the store and the logs.
pub const PRIVATE_FILE_MODE: u32 = 0o600;

/// Why a directory or file could not be made private.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {}: {source}", path.display())]
pub struct PermissionError {
    action: &'static str,
    path: PathBuf,
    source: io::Error,
}

/// A directory or file an older install left readable by others, now tightened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tightened {
    pub path: PathBuf,
    pub from: u32,
    pub to: u32,
}

impl fmt::Display for Tightened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} was readable by other users (mode {:04o}); changed to {:04o}",
            self.path.display(),
            self.from,
            self.to
        )
    }
}

/// Creates `dir` (and missing parents) with the leaf `0700`; parents that did not exist get
/// the usual permissions, since `~/.local/share` is not ours. An existing `dir` that others
/// may enter is tightened.
pub fn private_dir(dir: &Path) -> Result<Option<Tightened>, PermissionError> {
    let fail = |action, source| PermissionError {
        action,
        path: dir.to_owned(),
        source,
    };
    if let Some(parent) = dir.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|e| fail("create", e))?;
    }
    match DirBuilder::new().mode(PRIVATE_DIR_MODE).create(dir) {
        Ok(()) => Ok(None),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => tighten(dir, PRIVATE_DIR_MODE),
        Err(e) => Err(fail("create", e)),
    }
}

/// Opens `path` for appending, creating it `0600`; an existing file others may read is
/// tightened first.
pub fn private_append(path: &Path) -> Result<(std::fs::File, Option<Tightened>), PermissionError> {
    let tightened = if path.exists() {
        tighten(path, PRIVATE_FILE_MODE)?
    } else {
        None
    };
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(PRIVATE_FILE_MODE)
        .open(path)
        .map_err(|source| PermissionError {
            action: "open",
            path: path.to_owned(),
            source,
        })?;
    Ok((file, tightened))
}

/// Creates an empty `0600` file at `path` unless something is already there (which is left
/// exactly as it is).
pub fn create_private_file(path: &Path) -> Result<(), PermissionError> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(PRIVATE_FILE_MODE)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(PermissionError {
            action: "create",
            path: path.to_owned(),
            source,
        }),
    }
}

/// Removes the group and other bits of an existing file or directory, keeping the owner's.
pub fn tighten(path: &Path, mode: u32) -> Result<Option<Tightened>, PermissionError> {
    let fail = |action, source| PermissionError {
        action,
        path: path.to_owned(),
        source,
    };
    let current = std::fs::metadata(path)
        .map_err(|e| fail("read the permissions of", e))?
        .permissions()
        .mode()
        & 0o7777;
    if current & 0o077 == 0 {
        return Ok(None);
    }
    let wanted = (current & 0o700) | (mode & 0o700);
    std::fs::set_permissions(path, Permissions::from_mode(wanted))
        .map_err(|e| fail("restrict the permissions of", e))?;
    Ok(Some(Tightened {
        path: path.to_owned(),
        from: current,
        to: wanted,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn new_directories_and_files_are_private() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("share/switchboard");
        assert_eq!(private_dir(&dir).unwrap(), None);
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("store.redb");
        create_private_file(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        let (_, tightened) = private_append(&dir.join("log")).unwrap();
        assert_eq!(tightened, None);
        assert_eq!(mode(&dir.join("log")), 0o600);
    }

    #[test]
    fn wide_leftovers_are_tightened_once() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("state");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, Permissions::from_mode(0o755)).unwrap();
        let file = dir.join("switchboard.log");
        std::fs::write(&file, "old\n").unwrap();
        std::fs::set_permissions(&file, Permissions::from_mode(0o644)).unwrap();

        let tightened = private_dir(&dir).unwrap().unwrap();
        assert_eq!((tightened.from, tightened.to), (0o755, 0o700));
        assert!(tightened.to_string().contains("0755"), "{tightened}");
        let (_, tightened) = private_append(&file).unwrap();
        assert_eq!(tightened.map(|t| (t.from, t.to)), Some((0o644, 0o600)));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "old\n");

        assert_eq!(private_dir(&dir).unwrap(), None);
        assert_eq!(tighten(&file, PRIVATE_FILE_MODE).unwrap(), None);
    }

    #[test]
    fn an_existing_file_is_not_recreated() {
        let temp = tempfile::tempdir().unwrap();
        let file = temp.path().join("store.redb");
        std::fs::write(&file, "keep").unwrap();
        create_private_file(&file).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep");
    }
}
