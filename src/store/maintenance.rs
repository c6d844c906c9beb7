//! `store check`, `store repair` and `store compact`: whole-file maintenance. None of them
//! runs on the store handle the rest of the program uses; each works on the file.
//!
//! - **check** never modifies the store: redb's integrity check must open a file for writing
//!   (it repairs what it can), so it runs on a copy, taken while a read-only handle pins the
//!   snapshot being copied; then every table of the copy is read and every value decoded.
//! - **repair** keeps a copy of the damaged file first, reads everything readable (see
//!   `salvage`) into a new store and puts the new store in place of the old one.
//! - **compact** gives free pages back to the file system; it needs the file to itself.

use std::path::{Path, PathBuf};

use redb::{ConcurrencyMode, Database, ReadableDatabase};

use super::error::StoreError;
use super::guard::guarded;
use super::holders;
use super::repair_writer::RepairWriter;
use super::salvage::{self, Discard, Salvage};
use crate::paths::private;

/// What redb's own integrity check said about (a copy of) the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineVerdict {
    /// Every page checksum and the allocator state verified.
    Clean,
    /// redb found something to repair and could (an unclean shutdown looks like this too).
    Repairable,
    /// redb could not verify or repair the file.
    Damaged(String),
}

/// The outcome of `store check`.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub path: PathBuf,
    pub size: u64,
    pub engine: EngineVerdict,
    pub salvage: Salvage,
}

impl CheckReport {
    /// Whether every entry is readable and decodes (redb having repaired nothing worse than
    /// an unclean shutdown).
    pub fn is_healthy(&self) -> bool {
        !matches!(self.engine, EngineVerdict::Damaged(_)) && self.salvage.is_clean()
    }
}

/// The outcome of `store repair`.
#[derive(Debug, Clone)]
pub struct RepairReport {
    pub path: PathBuf,
    /// Where the damaged file was kept.
    pub kept: PathBuf,
    pub salvage: Salvage,
    /// Sessions in the new store.
    pub sessions: u64,
    /// redb could not open the file at all; its pages were read one by one.
    pub page_by_page: bool,
    /// Agent sessions whose conversation projection was rebuilt from their events.
    pub conversations: u64,
}

/// The outcome of `store compact`: the file's size and the space it takes on disk (allocated
/// blocks, what `du` reports; redb leaves unused pages as holes, so the two differ).
#[derive(Debug, Clone, Copy)]
pub struct CompactReport {
    pub before: u64,
    pub after: u64,
    pub on_disk_before: u64,
    pub on_disk_after: u64,
}

/// Checks the store at `path` without modifying it.
pub fn check(path: &Path) -> Result<CheckReport, StoreError> {
    let size = file_size(path)?;
    let copy = sibling(path, &format!("check-{}", std::process::id()));
    let result = copy_consistently(path, &copy).and_then(|()| {
        let (failed_open, db) = match open_copy(&copy) {
            Ok(db) => (None, Some(db)),
            Err((detail, db)) => (Some(detail), db),
        };
        let Some(mut db) = db else {
            let detail = failed_open.unwrap_or_default();
            return Ok((EngineVerdict::Damaged(detail), Salvage::default()));
        };
        let (salvage, _) = salvage::scan(&db, &copy, &mut Discard)?;
        let engine = match failed_open {
            Some(detail) => EngineVerdict::Damaged(detail),
            None => verify(&mut db, &copy),
        };
        Ok((engine, salvage))
    });
    let _ = std::fs::remove_file(&copy);
    let (engine, salvage) = result?;
    Ok(CheckReport {
        path: path.to_owned(),
        size,
        engine,
        salvage,
    })
}

/// Recovers everything readable from the store at `path` into a new store that replaces it,
/// after keeping a copy of the old file. Refused while another process has the file open.
pub fn repair(path: &Path) -> Result<RepairReport, StoreError> {
    file_size(path)?;
    refuse_if_open(path)?;
    let stamp = crate::ids::Timestamp::now().0 / 1_000_000;
    let kept = sibling(path, &format!("damaged-{stamp}"));
    copy_private(path, &kept)?;
    let scratch = sibling(path, &format!("salvage-{}", std::process::id()));
    let fresh = sibling(path, &format!("repaired-{}", std::process::id()));
    let result = rebuild(path, &scratch, &fresh);
    let _ = std::fs::remove_file(&scratch);
    let rebuilt = match result {
        Ok(rebuilt) => rebuilt,
        Err(err) => {
            // Nothing was replaced: the store is as it was, so no copy of it is needed.
            let _ = std::fs::remove_file(&fresh);
            let _ = std::fs::remove_file(&kept);
            return Err(err);
        }
    };
    // The projection is derived (and may be what was damaged): it is rebuilt from the events
    // that survived rather than copied, before the new file takes the old one's place.
    let conversations = match project_conversations(&fresh) {
        Ok(count) => count,
        Err(err) => {
            let _ = std::fs::remove_file(&fresh);
            let _ = std::fs::remove_file(&kept);
            return Err(err);
        }
    };
    std::fs::rename(&fresh, path).map_err(|e| io_error("replace", path, &e))?;
    Ok(RepairReport {
        path: path.to_owned(),
        kept,
        salvage: rebuilt.salvage,
        sessions: rebuilt.sessions,
        page_by_page: rebuilt.page_by_page,
        conversations,
    })
}

/// Opens the rebuilt store and projects every agent session's conversation (see
/// `Store::project_conversations`).
fn project_conversations(fresh: &Path) -> Result<u64, StoreError> {
    let store = super::Store::open(fresh, super::StoreOptions::default())?;
    store.project_conversations()
}

/// Compacts the store at `path`, which no other process may have open.
pub fn compact(path: &Path) -> Result<CompactReport, StoreError> {
    let before = file_size(path)?;
    let on_disk_before = on_disk(path)?;
    refuse_if_open(path)?;
    guarded(path, || {
        let mut builder = Database::builder();
        builder.set_concurrency_mode(ConcurrencyMode::ExclusiveWriter);
        let mut db = builder.open(path).map_err(|e| locked_or(path, e))?;
        // Each pass moves pages towards the start; redb says when nothing more can move.
        while db
            .compact()
            .map_err(|e| StoreError::storage(path, redb::Error::from(e)))?
        {}
        Ok(())
    })?;
    Ok(CompactReport {
        before,
        after: file_size(path)?,
        on_disk_before,
        on_disk_after: on_disk(path)?,
    })
}

fn on_disk(path: &Path) -> Result<u64, StoreError> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .map(|m| m.blocks() * 512)
        .map_err(|e| io_error("read", path, &e))
}

/// Reads a copy of `path` into a new store at `fresh`; returns the counts and sessions.
fn rebuild(path: &Path, scratch: &Path, fresh: &Path) -> Result<Rebuilt, StoreError> {
    copy_private(path, scratch)?;
    let source = match open_copy(scratch) {
        Ok(db) | Err((_, Some(db))) => Ok(db),
        Err((detail, None)) => Err(detail),
    };
    let _ = std::fs::remove_file(fresh);
    private::create_private_file(fresh).map_err(|e| io_error("create", fresh, &e))?;
    let target = guarded(fresh, || {
        let db = Database::builder()
            .create(fresh)
            .map_err(|e| StoreError::storage(fresh, redb::Error::from(e)))?;
        super::open::init_schema(&db, fresh)?;
        Ok(db)
    })?;
    let mut sink = RepairWriter::new(&target, fresh);
    let (mut salvage, last_seq) = match &source {
        Ok(source) => salvage::scan(source, scratch, &mut sink)?,
        Err(detail) => {
            // redb cannot open it at all: read the pages themselves.
            let found = super::rawscan::scan_file(scratch, &mut sink)?;
            if found.0.events.kept == 0 && found.0.sessions.kept == 0 {
                return Err(StoreError::Unrecoverable {
                    path: path.to_owned(),
                    detail: detail.clone(),
                });
            }
            found
        }
    };
    sink.flush()?;
    let (sessions, stray) = sink.finish_index(&last_seq)?;
    salvage.events.kept -= stray;
    salvage.events.undecodable += stray;
    salvage.orphans -= stray;
    Ok(Rebuilt {
        salvage,
        sessions,
        page_by_page: source.is_err(),
    })
}

struct Rebuilt {
    salvage: Salvage,
    sessions: u64,
    page_by_page: bool,
}

/// Opens a private copy of a store for reading whatever it holds. `Err` carries why the
/// plain open failed (the verdict), alongside a handle when marking the copy as needing
/// recovery got it open after all.
fn open_copy(copy: &Path) -> Result<Database, (String, Option<Database>)> {
    let open = || {
        guarded(copy, || {
            // The mode the store is written in: opening in another mode makes redb rebuild
            // its allocator state, a walk of every page that stops at the first damaged one.
            let mut builder = Database::builder();
            builder.set_concurrency_mode(ConcurrencyMode::MultiWriter);
            builder
                .open(copy)
                .map_err(|e| StoreError::storage(copy, redb::Error::from(e)))
        })
    };
    match open() {
        Ok(db) => Ok(db),
        Err(err) => {
            // The pages redb reads on open (its allocator state) may be what is damaged. Marked
            // as needing recovery, the copy opens by rebuilding that state from the tables.
            let detail = one_line(&err);
            if !mark_needs_recovery(copy) {
                return Err((detail, None));
            }
            Err((detail, open().ok()))
        }
    }
}

/// redb's own integrity check. It repairs what it can, which may mean falling back to the
/// previous commit, so it runs only after everything readable has been read.
fn verify(db: &mut Database, copy: &Path) -> EngineVerdict {
    match guarded(copy, || {
        db.check_integrity()
            .map_err(|e| StoreError::storage(copy, redb::Error::from(e)))
    }) {
        Ok(true) => EngineVerdict::Clean,
        Ok(false) => EngineVerdict::Repairable,
        Err(err) => EngineVerdict::Damaged(one_line(&err)),
    }
}

/// Sets redb's "recovery required" flag in a copy's header (bit 1 of the byte after the
/// 9-byte magic number), so the next open rebuilds the allocator state instead of reading it.
fn mark_needs_recovery(copy: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom, Write};
    /// redb's god byte: right after its 9-byte magic number.
    const GOD_BYTE: u64 = 9;
    /// The god byte's "recovery required" flag.
    const RECOVERY_REQUIRED: u8 = 2;
    let result = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(copy)
        .and_then(|mut file| {
            let mut byte = [0u8];
            file.seek(SeekFrom::Start(GOD_BYTE))?;
            file.read_exact(&mut byte)?;
            byte[0] |= RECOVERY_REQUIRED;
            file.seek(SeekFrom::Start(GOD_BYTE))?;
            file.write_all(&byte)
        });
    result.is_ok()
}

/// Copies the store while a read-only handle pins its latest snapshot, so a writer in another
/// process cannot reuse the pages being copied; a file that will not open read-only (damaged,
/// or needing recovery) is copied as it is.
fn copy_consistently(path: &Path, copy: &Path) -> Result<(), StoreError> {
    let pinned = guarded(path, || {
        let mut builder = Database::builder();
        builder.set_concurrency_mode(ConcurrencyMode::MultiWriter);
        let db = builder
            .open_read_only(path)
            .map_err(|e| StoreError::storage(path, redb::Error::from(e)))?;
        let txn = db
            .begin_read()
            .map_err(|e| StoreError::storage(path, redb::Error::from(e)))?;
        Ok((db, txn))
    });
    let copied = copy_private(path, copy);
    drop(pinned);
    copied
}

fn copy_private(from: &Path, to: &Path) -> Result<(), StoreError> {
    let _ = std::fs::remove_file(to);
    private::create_private_file(to).map_err(|e| io_error("create", to, &e))?;
    std::fs::copy(from, to).map_err(|e| io_error("copy", from, &e))?;
    Ok(())
}

fn refuse_if_open(path: &Path) -> Result<(), StoreError> {
    if holders::any(path) {
        return Err(StoreError::Locked {
            path: path.to_owned(),
            holder: holders::describe(path),
        });
    }
    Ok(())
}

fn locked_or(path: &Path, err: redb::DatabaseError) -> StoreError {
    match err {
        redb::DatabaseError::DatabaseAlreadyOpen | redb::DatabaseError::LockProtocolMismatch => {
            StoreError::Locked {
                path: path.to_owned(),
                holder: holders::describe(path),
            }
        }
        other => StoreError::storage(path, redb::Error::from(other)),
    }
}

fn file_size(path: &Path) -> Result<u64, StoreError> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| io_error("read", path, &e))
}

/// `store.redb` → `store.redb.<suffix>`, in the same directory (same file system, so the
/// final rename is atomic).
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(".{suffix}"));
    path.with_file_name(name)
}

fn io_error(action: &str, path: &Path, err: &dyn std::fmt::Display) -> StoreError {
    StoreError::Io(format!("cannot {action} {}: {err}", path.display()))
}

fn one_line(err: &StoreError) -> String {
    match err {
        StoreError::Damaged { detail, .. } => detail.clone(),
        other => other.to_string(),
    }
}
