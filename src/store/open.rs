//! Opening the file: one-line reasons for failures, and the schema marker that tells our
//! store from another program's redb file.

use std::path::Path;

use redb::{Database, DatabaseError, ReadableDatabase, ReadableTable, StorageError, TableHandle};

use super::error::{self, StoreError};
use super::holders;
use super::tables::{
    self, CHECKPOINTS, CONVERSATION, EVENTS, LIVE, PANE_HISTORY, PROJECTED, PROMPTS, SCHEMA_KEY,
    SESSION_RULES, SESSIONS, STORE_INFO, TURNS, WORKSTATION,
};

/// Maps a failure to open the file to a one-line reason.
pub(crate) fn open_error(path: &Path, err: DatabaseError) -> StoreError {
    let path_buf = path.to_owned();
    match err {
        DatabaseError::DatabaseAlreadyOpen | DatabaseError::LockProtocolMismatch => {
            StoreError::Locked {
                path: path_buf,
                holder: holders::describe(path),
            }
        }
        DatabaseError::UpgradeRequired(version) => StoreError::NotAStore {
            path: path_buf,
            detail: format!("a redb file of format {version}, which this build cannot read"),
        },
        DatabaseError::Storage(StorageError::Corrupted(detail)) => {
            StoreError::damaged(path, &detail)
        }
        DatabaseError::Storage(StorageError::Io(io))
            if matches!(
                io.kind(),
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
            ) =>
        {
            StoreError::NotAStore {
                path: path_buf,
                detail: io.to_string().to_lowercase(),
            }
        }
        DatabaseError::Storage(StorageError::Io(io)) if error::is_out_of_space(&io) => {
            StoreError::DiskFull { path: path_buf }
        }
        other => StoreError::Open {
            path: path_buf,
            reason: other.to_string(),
        },
    }
}

/// Checks the schema marker, creating the tables in a new file. A redb file holding other
/// tables and no marker belongs to another program and is left untouched.
pub(crate) fn init_schema(db: &Database, path: &Path) -> Result<(), StoreError> {
    let fail = |e: redb::Error| StoreError::storage(path, e);
    let newer = |found: u64| StoreError::NewerSchema {
        path: path.to_owned(),
        found,
        supported: tables::SCHEMA,
    };
    {
        let txn = db.begin_read().map_err(|e| fail(e.into()))?;
        match txn.open_table(STORE_INFO) {
            Ok(info) => match info.get(SCHEMA_KEY).map_err(|e| fail(e.into()))? {
                Some(found) if found.value() > tables::SCHEMA => return Err(newer(found.value())),
                Some(_) => return Ok(()),
                None => {}
            },
            Err(redb::TableError::TableDoesNotExist(_)) => {}
            Err(e) => return Err(fail(e.into())),
        }
    }
    let txn = db.begin_write().map_err(|e| fail(e.into()))?;
    let foreign: Vec<String> = txn
        .list_tables()
        .map_err(|e| fail(e.into()))?
        .map(|t| t.name().to_owned())
        .filter(|name| {
            ![
                EVENTS.name(),
                SESSIONS.name(),
                CHECKPOINTS.name(),
                STORE_INFO.name(),
            ]
            .contains(&name.as_str())
        })
        .collect();
    if !foreign.is_empty() {
        return Err(StoreError::NotAStore {
            path: path.to_owned(),
            detail: format!("a redb database with tables {}", foreign.join(", ")),
        });
    }
    {
        let mut info = txn.open_table(STORE_INFO).map_err(|e| fail(e.into()))?;
        let found = info
            .get(SCHEMA_KEY)
            .map_err(|e| fail(e.into()))?
            .map(|v| v.value());
        match found {
            Some(found) if found > tables::SCHEMA => return Err(newer(found)),
            Some(_) => {}
            None => {
                info.insert(SCHEMA_KEY, tables::SCHEMA)
                    .map_err(|e| fail(e.into()))?;
            }
        }
        txn.open_table(EVENTS).map_err(|e| fail(e.into()))?;
        txn.open_table(SESSIONS).map_err(|e| fail(e.into()))?;
        txn.open_table(CHECKPOINTS).map_err(|e| fail(e.into()))?;
        txn.open_table(PROMPTS).map_err(|e| fail(e.into()))?;
        txn.open_table(LIVE).map_err(|e| fail(e.into()))?;
        txn.open_table(TURNS).map_err(|e| fail(e.into()))?;
        txn.open_table(WORKSTATION).map_err(|e| fail(e.into()))?;
        txn.open_table(PANE_HISTORY).map_err(|e| fail(e.into()))?;
        txn.open_table(CONVERSATION).map_err(|e| fail(e.into()))?;
        txn.open_table(SESSION_RULES).map_err(|e| fail(e.into()))?;
        txn.open_table(PROJECTED).map_err(|e| fail(e.into()))?;
    }
    txn.commit().map_err(|e| fail(e.into()))?;
    Ok(())
}
