//! Where a store's server listens, and who may talk to it. The socket lives in a directory
//! only its user can enter (0700), is itself 0600, and the server checks every peer's uid
//! (SO_PEERCRED) before reading its hello: the socket is the key to every pane and prompt.

use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The files of one store's server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFiles {
    pub dir: PathBuf,
    pub socket: PathBuf,
    /// Held (flock) by the running server for its whole life: two can never run at once.
    pub lock: PathBuf,
    /// Held by a client while it starts a server, so two racing clients start one.
    pub spawn_lock: PathBuf,
    /// The running server's pid (informational; the lock is the truth).
    pub pid: PathBuf,
}

/// Longest socket path `bind` accepts on Linux (`sun_path` is 108 bytes with its NUL).
const MAX_SOCKET_PATH: usize = 107;

/// Why the server's files cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    #[error("cannot create {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} belongs to uid {owner}, not to you (uid {me}); refusing to use it")]
    ForeignDir { path: PathBuf, owner: u32, me: u32 },
    #[error("cannot make {path} private: {source}")]
    Tighten {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl ServerFiles {
    /// The files for the store at `store` under the runtime directory `run_dir`. Their names
    /// carry a hash of the store's path, so two stores never share a server; when the socket
    /// path would be too long for `bind`, a short directory under `/tmp` is used instead.
    pub fn new(run_dir: &Path, store: &Path) -> Self {
        let tag = format!("{:08x}", fnv1a(store.as_os_str().as_encoded_bytes()) as u32);
        let mut dir = run_dir.to_owned();
        if dir.join(format!("server-{tag}.sock")).as_os_str().len() > MAX_SOCKET_PATH {
            dir = std::env::temp_dir().join(format!("switchboard-{}", current_uid()));
        }
        Self {
            socket: dir.join(format!("server-{tag}.sock")),
            lock: dir.join(format!("server-{tag}.lock")),
            spawn_lock: dir.join(format!("server-{tag}.spawn")),
            pid: dir.join(format!("server-{tag}.pid")),
            dir,
        }
    }

    /// Creates the directory (0700) or checks an existing one: it must be ours, and is made
    /// private if an older run left it wider.
    pub fn prepare(&self) -> Result<(), SocketError> {
        let path = &self.dir;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)
            .map_err(|source| SocketError::CreateDir {
                path: path.clone(),
                source,
            })?;
        let meta = std::fs::metadata(path).map_err(|source| SocketError::CreateDir {
            path: path.clone(),
            source,
        })?;
        let me = current_uid();
        if meta.uid() != me {
            return Err(SocketError::ForeignDir {
                path: path.clone(),
                owner: meta.uid(),
                me,
            });
        }
        if meta.mode() & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).map_err(
                |source| SocketError::Tighten {
                    path: path.clone(),
                    source,
                },
            )?;
        }
        Ok(())
    }
}

/// Makes a freshly bound socket file private (0600).
pub fn make_private(path: &Path) -> Result<(), SocketError> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|source| {
        SocketError::Tighten {
            path: path.to_owned(),
            source,
        }
    })
}

/// This process's real uid.
pub fn current_uid() -> u32 {
    nix::unistd::getuid().as_raw()
}

/// Why a peer is refused before its hello is read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeerRefused {
    #[error("peer uid {peer} is not the server's uid {me}")]
    OtherUser { peer: u32, me: u32 },
    #[error("cannot read the peer's credentials: {0}")]
    Unknown(String),
}

/// Only the server's own user may connect.
pub fn check_peer(peer: Result<u32, String>, me: u32) -> Result<(), PeerRefused> {
    match peer {
        Ok(uid) if uid == me => Ok(()),
        Ok(uid) => Err(PeerRefused::OtherUser { peer: uid, me }),
        Err(why) => Err(PeerRefused::Unknown(why)),
    }
}

/// 64-bit FNV-1a: a stable, dependency-free hash for file names.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_user_is_accepted() {
        assert_eq!(check_peer(Ok(1000), 1000), Ok(()));
        assert_eq!(
            check_peer(Ok(0), 1000),
            Err(PeerRefused::OtherUser { peer: 0, me: 1000 })
        );
        assert!(matches!(
            check_peer(Err("no creds".into()), 1000),
            Err(PeerRefused::Unknown(_))
        ));
    }

    #[test]
    fn files_are_per_store_and_short_enough_to_bind() {
        let a = ServerFiles::new(
            Path::new("/run/user/1/switchboard"),
            Path::new("/a/store.redb"),
        );
        let b = ServerFiles::new(
            Path::new("/run/user/1/switchboard"),
            Path::new("/b/store.redb"),
        );
        assert_ne!(a.socket, b.socket);
        assert_eq!(a.dir, Path::new("/run/user/1/switchboard"));
        let deep = "/x".repeat(80);
        let c = ServerFiles::new(Path::new(&deep), Path::new("/a/store.redb"));
        assert!(c.socket.as_os_str().len() <= MAX_SOCKET_PATH);
    }

    #[test]
    fn the_directory_is_made_private() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        std::fs::create_dir(&run).unwrap();
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
        let files = ServerFiles::new(&run, Path::new("/s.redb"));
        files.prepare().unwrap();
        let mode = std::fs::metadata(&run).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
}
