//! Processes the tests start and must not leave behind: the servers a home's clients started.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// Pids of the servers whose pid files are under `home` and that still run.
pub fn server_pids(home: &Path) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir(home.join("run")) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".pid"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter_map(|text| text.trim().parse::<u32>().ok())
        .filter(|pid| process_runs(*pid))
        .collect()
}

/// Whether `pid` runs (a zombie does not).
pub fn process_runs(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next().map(str::to_owned))
        })
        .is_some_and(|state| state != "Z" && state != "X")
}

/// Kills (SIGKILL) every server of `home` and waits until each is gone.
pub fn kill_servers(home: &Path) {
    for pid in server_pids(home) {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while process_runs(pid) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}
