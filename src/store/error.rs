//! Store errors. Each renders as one line that names the problem and, where it helps, the path.

use std::io;
use std::path::{Path, PathBuf};

use super::codec::{DecodeError, EncodeError};
use crate::ids::{Seq, SessionId};

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open store {}: {reason}", path.display())]
    Open { path: PathBuf, reason: String },
    #[error("{} is not a switchboard store ({detail}); move it away or set SWITCHBOARD_HOME", path.display())]
    NotAStore { path: PathBuf, detail: String },
    #[error("store {} was written by a newer switchboard (schema {found}, this build knows up to {supported}); upgrade switchboard", path.display())]
    NewerSchema {
        path: PathBuf,
        found: u64,
        supported: u64,
    },
    #[error("store {} is held by {holder}; close it and retry", path.display())]
    Locked { path: PathBuf, holder: String },
    #[error("no space left on the device writing store {}", path.display())]
    DiskFull { path: PathBuf },
    #[error("store {} is damaged ({detail}); `switchboard store check` reports what is readable, `switchboard store repair` recovers it into a new store", path.display())]
    Damaged { path: PathBuf, detail: String },
    #[error("store {} cannot be opened even to salvage it ({detail}); it was left as it was — restore it from a backup or move it away to start afresh", path.display())]
    Unrecoverable { path: PathBuf, detail: String },
    #[error("store I/O error: {0}")]
    Io(String),
    #[error("no session matches '{0}'")]
    UnknownSession(String),
    #[error("'{prefix}' matches several sessions ({candidates}); type more of the id")]
    AmbiguousSession { prefix: String, candidates: String },
    #[error("'{0}' is not a session id (expected hex digits of a UUID)")]
    InvalidId(String),
    #[error("session {session} has no event {seq} (its last is {last})")]
    SeqOutOfRange {
        session: SessionId,
        seq: Seq,
        last: Seq,
    },
    #[error("session {0} does not exist")]
    MissingSession(SessionId),
    #[error("session {0} already exists")]
    SessionExists(SessionId),
    #[error("event {seq} of session {session} is unreadable: {source}")]
    Corrupt {
        session: SessionId,
        seq: Seq,
        source: DecodeError,
    },
    #[error("session index entry of {session} is unreadable: {source}")]
    CorruptIndex {
        session: SessionId,
        source: DecodeError,
    },
    #[error("conversation row {seq} of session {session} is unreadable: {source}")]
    CorruptRow {
        session: SessionId,
        seq: Seq,
        source: DecodeError,
    },
    #[error(transparent)]
    Encode(#[from] EncodeError),
    #[error("the store's writer has stopped")]
    WriterGone,
}

impl StoreError {
    /// Turns a redb or I/O failure into a store error, spotting a full disk (or a file-size
    /// limit) so the message says so rather than showing an errno.
    pub(crate) fn storage(path: &Path, err: impl Into<redb::Error>) -> Self {
        let err: redb::Error = err.into();
        if let Some(io) = io_source(&err)
            && is_out_of_space(io)
        {
            return Self::DiskFull {
                path: path.to_owned(),
            };
        }
        if let redb::Error::Corrupted(detail) = &err {
            return Self::damaged(path, detail);
        }
        if matches!(err, redb::Error::PreviousIo) {
            return Self::Io(
                "an earlier write failed; restart switchboard to reopen the store".into(),
            );
        }
        Self::Io(err.to_string())
    }
}

impl StoreError {
    /// The file is damaged: `detail` (redb's words, or a caught panic's) shortened to one line.
    pub(crate) fn damaged(path: &Path, detail: &str) -> Self {
        /// Enough of redb's message to recognise it; the rest goes to the log.
        const DETAIL_CHARS: usize = 120;
        let detail: String = detail
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(DETAIL_CHARS)
            .collect();
        Self::Damaged {
            path: path.to_owned(),
            detail: detail.to_lowercase(),
        }
    }

    /// Whether the file itself is damaged (as opposed to busy, full or of another program).
    pub fn is_damaged(&self) -> bool {
        matches!(self, Self::Damaged { .. })
    }
}

fn io_source(err: &redb::Error) -> Option<&io::Error> {
    match err {
        redb::Error::Io(io) => Some(io),
        _ => None,
    }
}

/// ENOSPC, EDQUOT and EFBIG all mean "the store cannot grow".
pub(crate) fn is_out_of_space(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::ENOSPC) | Some(libc::EDQUOT) | Some(libc::EFBIG)
    ) || err.kind() == io::ErrorKind::StorageFull
        || err.kind() == io::ErrorKind::FileTooLarge
}
