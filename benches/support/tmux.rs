//! tmux as the benches' anchor: a server on a private socket (`-L`), without the user's
//! configuration (`-f /dev/null`), so a run neither sees nor disturbs the user's tmux.

#![allow(dead_code)]

use std::process::Command;

/// One private tmux server, named by its socket.
#[derive(Debug, Clone, Copy)]
pub struct Tmux {
    socket: &'static str,
}

impl Tmux {
    pub const fn new(socket: &'static str) -> Self {
        Self { socket }
    }

    /// The arguments of a `tmux` command line on this server (for a client started elsewhere,
    /// in a PTY).
    pub fn command_line<'a>(&'a self, args: &[&'a str]) -> Vec<&'a str> {
        let mut line = vec!["-L", self.socket, "-f", "/dev/null"];
        line.extend_from_slice(args);
        line
    }

    /// Runs one tmux command on this server: its trimmed stdout, `None` if tmux is missing or
    /// the command failed.
    pub fn run(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("tmux")
            .args(self.command_line(args))
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// Ends the server and its panes (a leftover from an interrupted run would hold old
    /// sessions; a bench must not leave one running).
    pub fn kill_server(&self) {
        self.run(&["kill-server"]);
    }
}
