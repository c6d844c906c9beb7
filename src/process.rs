//! Which process owns a live session, and whether that process is still alive. A pid alone is
//! not enough (pids are reused), so an owner is the pid plus the process's start time.

use serde::{Deserialize, Serialize};

/// A process, identified across pid reuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct ProcessOwner {
    pub pid: u32,
    /// Start time in clock ticks since boot (`/proc/<pid>/stat` field 22); 0 when unknown.
    pub started: u64,
}

impl ProcessOwner {
    /// This process.
    pub fn current() -> Self {
        let pid = std::process::id();
        Self {
            pid,
            started: start_ticks(pid).unwrap_or(0),
        }
    }

    /// Whether the owner still runs. When it cannot be told (no `/proc`), the answer is yes:
    /// wrongly calling a live session interrupted is worse than leaving a dead one alone.
    pub fn is_alive(&self) -> bool {
        if std::fs::metadata("/proc/self/stat").is_err() {
            return true;
        }
        match stat(self.pid) {
            // A zombie has ended; only its parent has not collected it yet.
            Some((state, _)) if state == "Z" || state == "X" => false,
            Some((_, started)) => self.started == 0 || started == self.started,
            None => false,
        }
    }
}

/// This machine's name, for `session.owned` (empty when it cannot be read).
pub fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .map(|name| name.trim().to_owned())
        .unwrap_or_default()
}

/// State (field 3) and start time (field 22) of `/proc/<pid>/stat`. The command name (field
/// 2) may contain spaces and parentheses, so fields are counted after its last `)`.
fn stat(pid: u32) -> Option<(String, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?.to_owned();
    // Field 22 is the 19th after the state.
    let started = fields.nth(18)?.parse().ok()?;
    Some((state, started))
}

fn start_ticks(pid: u32) -> Option<u64> {
    stat(pid).map(|(_, started)| started)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_reaped_child_is_not() {
        let me = ProcessOwner::current();
        assert!(me.started > 0);
        assert!(me.is_alive());
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let owner = ProcessOwner {
            pid: child.id(),
            started: start_ticks(child.id()).unwrap_or(1),
        };
        child.wait().unwrap();
        assert!(!owner.is_alive());
        // Same pid, different start time: a reused pid is not the owner.
        assert!(
            !ProcessOwner {
                pid: me.pid,
                started: me.started + 1
            }
            .is_alive()
        );
    }
}
