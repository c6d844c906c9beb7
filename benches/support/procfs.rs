//! What `/proc` says about a process, for benches (every bench reads it here, so all tables
//! mean the same by "CPU" and "RSS"): run time and context switches thread by thread (to tell
//! which threads ran at all in a window), CPU time of the whole process (exited threads
//! included), memory, open fds, and the processes below it.

#![allow(dead_code)]

use std::collections::HashMap;
use std::time::Duration;

/// One thread's name and what the scheduler counted for it.
#[derive(Debug, Clone, Default)]
pub struct ThreadTimes {
    pub name: String,
    /// Time on a CPU (`/proc/PID/task/TID/schedstat`, first field), nanoseconds.
    pub ran_ns: u64,
    /// Times it was put on a CPU (third field).
    pub slices: u64,
    /// Context switches, voluntary and not (`/proc/PID/task/TID/status`).
    pub switches: u64,
}

/// Every thread of `pid` by thread id.
pub fn threads(pid: u32) -> HashMap<u32, ThreadTimes> {
    let mut out = HashMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for task in tasks.filter_map(Result::ok) {
        let Some(tid) = task.file_name().to_str().and_then(|t| t.parse().ok()) else {
            continue;
        };
        let name = std::fs::read_to_string(task.path().join("comm"))
            .unwrap_or_default()
            .trim()
            .to_owned();
        let sched = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        let mut fields = sched
            .split_whitespace()
            .map(|f| f.parse::<u64>().unwrap_or(0));
        let ran_ns = fields.next().unwrap_or(0);
        let slices = fields.nth(1).unwrap_or(0);
        let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
        let switches = status
            .lines()
            .filter(|l| {
                l.starts_with("voluntary_ctxt_switches")
                    || l.starts_with("nonvoluntary_ctxt_switches")
            })
            .filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok())
            .sum();
        out.insert(
            tid,
            ThreadTimes {
                name,
                ran_ns,
                slices,
                switches,
            },
        );
    }
    out
}

/// What one kind of thread (by name) did between two samples.
#[derive(Debug, Clone, Default)]
pub struct Group {
    /// Threads of this name at the end of the window.
    pub threads: usize,
    /// Of those, the ones that were on a CPU at least once in the window.
    pub ran: usize,
    pub cpu: Duration,
}

/// Threads grouped by name between `before` and `after` (threads that appeared in the window
/// count from zero; threads that ended in it are not seen).
pub fn groups(
    before: &HashMap<u32, ThreadTimes>,
    after: &HashMap<u32, ThreadTimes>,
) -> Vec<(String, Group)> {
    let mut by_name: HashMap<String, Group> = HashMap::new();
    for (tid, now) in after {
        let then = before.get(tid);
        let ran = now.ran_ns.saturating_sub(then.map_or(0, |t| t.ran_ns));
        let slices = now.slices.saturating_sub(then.map_or(0, |t| t.slices));
        let group = by_name.entry(now.name.clone()).or_default();
        group.threads += 1;
        if slices > 0 || ran > 0 {
            group.ran += 1;
        }
        group.cpu += Duration::from_nanos(ran);
    }
    let mut out: Vec<_> = by_name.into_iter().collect();
    out.sort_by(|a, b| b.1.cpu.cmp(&a.1.cpu).then_with(|| a.0.cmp(&b.0)));
    out
}

/// Context switches between two samples: those of threads present in both, plus all of new
/// threads. Threads come and go (tokio's blocking pool lets idle threads exit), so counts are
/// compared thread by thread.
pub fn switches_between(
    before: &HashMap<u32, ThreadTimes>,
    after: &HashMap<u32, ThreadTimes>,
) -> u64 {
    after
        .iter()
        .map(|(tid, now)| {
            now.switches
                .saturating_sub(before.get(tid).map_or(0, |t| t.switches))
        })
        .sum()
}

/// User + system CPU time of a whole process, threads that ended included (clock ticks of
/// 10 ms).
pub fn process_cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15, the 12th and 13th after the state.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i).and_then(|v| v.parse::<u64>().ok()))
        .sum();
    Duration::from_millis(ticks * 10)
}

/// A `/proc/PID/status` line's value in KiB (`VmRSS`, `VmHWM`).
pub fn status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key) && l[key.len()..].starts_with(':'))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Resident memory, open fds and threads of a process: what must not grow over attach/detach
/// cycles.
#[derive(Debug, Clone, Copy)]
pub struct Footprint {
    pub rss_kib: u64,
    pub fds: usize,
    pub threads: usize,
}

pub fn footprint(pid: u32) -> Footprint {
    let count = |dir: String| std::fs::read_dir(dir).map_or(0, |d| d.count());
    Footprint {
        rss_kib: status_kib(pid, "VmRSS"),
        fds: count(format!("/proc/{pid}/fd")),
        threads: count(format!("/proc/{pid}/task")),
    }
}

/// Every process below `pid` (children, their children, …).
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut parent_of = HashMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.filter_map(Result::ok) {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|p| p.parse::<u32>().ok())
            else {
                continue;
            };
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                parent_of.insert(child, ppid);
            }
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![pid];
    while let Some(p) = frontier.pop() {
        for (child, parent) in &parent_of {
            if *parent == p {
                out.push(*child);
                frontier.push(*child);
            }
        }
    }
    out
}
