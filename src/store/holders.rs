//! Naming the process that holds a file open, for "store is held by …" messages.

use std::path::Path;

/// "`name` (pid N)" for each other process with `path` open, or a generic phrase when none can
/// be found (another user's process, or a platform without `/proc`).
pub(crate) fn describe(path: &Path) -> String {
    let holders = find(path);
    if holders.is_empty() {
        return "another process".to_owned();
    }
    holders
        .into_iter()
        .map(|(pid, name)| format!("{name} (pid {pid})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether any other process has `path` open.
pub(crate) fn any(path: &Path) -> bool {
    !find(path).is_empty()
}

fn find(path: &Path) -> Vec<(u32, String)> {
    let Ok(target) = std::fs::canonicalize(path) else {
        return Vec::new();
    };
    let own = std::process::id();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in procs.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == own {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        let holds = fds
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|link| link == target));
        if holds {
            let name = std::fs::read_to_string(entry.path().join("comm"))
                .map(|s| s.trim().to_owned())
                .unwrap_or_else(|_| "unknown".to_owned());
            out.push((pid, name));
        }
    }
    out
}
