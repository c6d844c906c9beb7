//! Frame timings for benchmarks. With `SWITCHBOARD_FRAME_LOG=FILE` the workstation appends one
//! line per frame to FILE: `apply_us render_us draw_us apply_cpu_us draw_cpu_us`, the
//! microseconds it spent folding everything that arrived since the previous frame into its
//! state (screen patches, slot changes, keys), building the frame's buffer, and drawing it
//! (building, diffing, writing and flushing to the terminal), then the thread's CPU time in
//! applying and drawing. A frame's cost is `apply + draw`: the client's work from receiving
//! patches to finishing the terminal write. Wall time includes waiting for a CPU on a loaded
//! machine; CPU time is the work alone. Unset (the default), nothing is timed or written.
//!
//! Each line is flushed as it is written (one small write per frame, after the frame is done),
//! so a client that is killed leaves every frame it drew in the file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::{Duration, Instant};

/// The variable naming the file.
pub const FRAME_LOG_ENV: &str = "SWITCHBOARD_FRAME_LOG";

/// Where frame timings go, if anywhere.
#[derive(Debug, Default)]
pub struct FrameLog {
    out: Option<BufWriter<File>>,
    /// Time spent applying messages since the last frame: wall, CPU.
    apply: (Duration, Duration),
}

/// When a timed section began: wall clock and this thread's CPU clock.
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    wall: Instant,
    cpu: Duration,
}

impl Stamp {
    pub fn now() -> Self {
        Self {
            wall: Instant::now(),
            cpu: thread_cpu(),
        }
    }

    /// Wall and CPU time since this stamp.
    fn elapsed(&self) -> (Duration, Duration) {
        (self.wall.elapsed(), thread_cpu().saturating_sub(self.cpu))
    }
}

/// CPU time of the calling thread (zero where the clock is missing).
fn thread_cpu() -> Duration {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map(Duration::from)
        .unwrap_or_default()
}

impl FrameLog {
    /// On when [`FRAME_LOG_ENV`] names a file that can be opened for appending.
    pub fn from_env() -> Self {
        let Some(path) = std::env::var_os(FRAME_LOG_ENV) else {
            return Self::default();
        };
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .inspect_err(|e| tracing::warn!(path = ?path, "cannot open the frame log: {e}"))
            .ok()
            .map(BufWriter::new);
        Self {
            out,
            apply: Default::default(),
        }
    }

    /// A stamp to time a section with, when the log is on.
    pub fn start(&self) -> Option<Stamp> {
        self.out.is_some().then(Stamp::now)
    }

    /// Messages folded into the state since `started`, for the next frame.
    pub fn applied(&mut self, started: Stamp) {
        let (wall, cpu) = started.elapsed();
        self.apply.0 += wall;
        self.apply.1 += cpu;
    }

    /// A frame was drawn since `started`, its buffer built by `rendered`: writes its line.
    pub fn drawn(&mut self, started: Stamp, rendered: Instant) {
        let Some(out) = &mut self.out else {
            return;
        };
        let (draw, draw_cpu) = started.elapsed();
        let line = format!(
            "{} {} {} {} {}\n",
            self.apply.0.as_micros(),
            rendered.saturating_duration_since(started.wall).as_micros(),
            draw.as_micros(),
            self.apply.1.as_micros(),
            draw_cpu.as_micros(),
        );
        self.apply = Default::default();
        if out
            .write_all(line.as_bytes())
            .and_then(|()| out.flush())
            .is_err()
        {
            tracing::warn!("cannot write the frame log; it stops here");
            self.out = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_line_carries_the_applying_since_the_last_frame() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frames");
        let mut log = FrameLog {
            out: Some(BufWriter::new(File::create(&path).unwrap())),
            apply: Default::default(),
        };
        let started = log.start().expect("on");
        log.applied(started);
        log.applied(started);
        let drawing = Stamp::now();
        log.drawn(drawing, Instant::now());
        log.drawn(Stamp::now(), Instant::now());
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Vec<u128>> = text
            .lines()
            .map(|l| l.split(' ').map(|f| f.parse().unwrap()).collect())
            .collect();
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.len() == 5));
        assert_eq!(
            lines[1][0], 0,
            "applying is counted once, for the next frame"
        );
        assert_eq!(lines[1][3], 0);
    }

    #[test]
    fn off_by_default() {
        let mut log = FrameLog::default();
        assert!(log.start().is_none());
        log.drawn(Stamp::now(), Instant::now());
    }
}
