//! Many slots (issue 14 §5; see docs/BENCHMARKS.md): 32 live panes in one server — 8 printing,
//! 24 idle shells — with two clients attached at 200×50, all through the real binary in real
//! PTYs, the server started by the first client as a user's would be.
//!
//! - client A opened the 32 slots and shows a 2×2 grid: three printers and the focused shell,
//!   which is typed into (keystroke-to-screen: a key written to A's terminal until A's screen
//!   shows it in the shell's line);
//! - client B shows a grid of four other printers (one more printer is shown by nobody);
//! - both log every frame they draw (`SWITCHBOARD_FRAME_LOG`): the work from folding what
//!   arrived (patches) into the state to the end of the write to the terminal;
//! - then 10 s without typing: which of the server's threads ran at all (`/proc` schedstat,
//!   thread by thread, grouped by name), the server's and the clients' CPU;
//! - the server's RSS and peak (VmHWM) and the pane programs' RSS at the end, against a
//!   server with no slot and the same two clients.
//!
//! Scenarios: `empty` (no slot: the memory baseline), `idle` (32 idle shells), `moderate` (the
//! 8 printers each print a coloured log line every 10 ms) and `flood` (the 8 printers run
//! `yes`). `cargo bench --bench slots` (`SWITCHBOARD_BENCH_ONLY=idle,moderate,flood`, any of
//! them; `empty` always runs. `SWITCHBOARD_BENCH_ROUNDS=N`, default 3.
//! `SWITCHBOARD_BENCH_BINS=label=path,…` runs the rounds alternately with several builds, so a
//! lever is measured against its baseline under the same load.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // benches may panic

mod stats;
mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use stats::ms;
use support::e2e::{TIMEOUT, Tui, percentiles};
use support::procfs;

const COLS: u16 = 200;
const ROWS: u16 = 50;
const SLOTS: usize = 32;
const PRINTERS: usize = 8;
/// Keys typed into A's shell per round.
const KEYS: usize = 200;
/// The quiet window in which threads and CPU are watched.
const WINDOW: Duration = Duration::from_secs(10);
/// Starting 32 programs (and recording them) on a loaded two-core machine takes a while.
const START: Duration = Duration::from_secs(90);

/// A moderate printer: a coloured log line every 10 ms, like a busy build or test log.
const PRINTER_PL: &str = r#"$| = 1;
my $n = shift;
for (my $i = 0; ; $i++) {
    printf "\e[32m ok \e[0m printer %d line %d: compiling crate_%02d in %d.%d ms\n",
        $n, $i, $i % 50, ($i * 7) % 90, $i % 10;
    select(undef, undef, undef, 0.01);
}
"#;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Empty,
    Idle,
    Moderate,
    Flood,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Idle => "idle",
            Self::Moderate => "moderate",
            Self::Flood => "flood",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Empty => "no slot",
            Self::Idle => "32 idle shells",
            Self::Moderate => "8 printers (a line / 10 ms) + 24 idle",
            Self::Flood => "8 printers (`yes`) + 24 idle",
        }
    }

    fn printers(self) -> usize {
        match self {
            Self::Empty | Self::Idle => 0,
            Self::Moderate | Self::Flood => PRINTERS,
        }
    }

    fn slots(self) -> usize {
        if self == Self::Empty { 0 } else { SLOTS }
    }

    /// What slot `k` (1-based) runs: idle shells, then the printers, then the focused shell.
    fn command(self, k: usize) -> String {
        let first_printer = SLOTS - PRINTERS;
        if k == SLOTS {
            return "PS1='$ ' bash --norc --noprofile".to_owned();
        }
        match self {
            Self::Moderate if k >= first_printer => {
                format!("perl printer.pl {}", k + 1 - first_printer)
            }
            Self::Flood if k >= first_printer => format!(
                "yes 'printer {} floods the pane, line after line, as fast as it goes'",
                k + 1 - first_printer
            ),
            // The prompt names the slot (PS1 is expanded), so a screen shows which it is.
            _ => format!("N={k} PS1='idle-$N> ' bash --norc --noprofile"),
        }
    }

    /// Text only slot `k`'s own screen shows (never its title or its row in the slot list).
    fn needle(self, k: usize) -> String {
        let first_printer = SLOTS - PRINTERS;
        match self {
            _ if k == SLOTS => "$ ".to_owned(),
            Self::Moderate if k >= first_printer => {
                format!("printer {} line", k + 1 - first_printer)
            }
            Self::Flood if k >= first_printer => {
                format!("printer {} floods the pane", k + 1 - first_printer)
            }
            _ => format!("idle-{k}> "),
        }
    }

    /// How slot `k` is named in the slot list (as much as fits there).
    fn list_label(self, k: usize) -> String {
        let first_printer = SLOTS - PRINTERS;
        match self {
            Self::Moderate if k >= first_printer && k < SLOTS => {
                format!("printer.pl {}", k + 1 - first_printer)
            }
            Self::Flood if k >= first_printer && k < SLOTS => {
                format!("'printer {} ", k + 1 - first_printer)
            }
            _ => format!("N={k} "),
        }
    }

    fn args(self) -> Vec<String> {
        (1..=self.slots())
            .flat_map(|k| ["--slot".to_owned(), self.command(k)])
            .collect()
    }
}

/// Kills the home's server when dropped (a bench must not leave one running).
struct Home(tempfile::TempDir);

impl Home {
    fn new() -> Self {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        std::fs::write(dir.path().join("printer.pl"), PRINTER_PL).unwrap();
        Self(dir)
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn frames(&self, client: &str) -> PathBuf {
        self.path().join(format!("frames-{client}"))
    }

    fn server(&self) -> u32 {
        support::procs::server_pids(self.path())
            .into_iter()
            .next()
            .expect("a server runs")
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        support::procs::kill_servers(self.path());
    }
}

fn client(home: &Home, bin: &Path, name: &str, args: &[String]) -> Tui {
    let frames = home.frames(name);
    let frames = frames.to_str().unwrap();
    let env = [
        ("SHELL", "/bin/bash"),
        ("HISTFILE", "/dev/null"),
        ("SWITCHBOARD_FRAME_LOG", frames),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Tui::start_program(home.path(), bin.to_str().unwrap(), &args, COLS, ROWS, &env)
}

/// `n` slots listed in the slot list.
fn listed(screen: &str, n: usize) -> bool {
    let row = format!("│{n} ");
    screen.lines().any(|l| l.starts_with(&row))
}

fn grid(screen: &str) -> bool {
    screen.matches(" · pty ").count() >= 4
}

/// Frame costs logged after byte `from` of a client's frame log: wall time (apply + draw)
/// and, when the build logs it, the thread's CPU time in them.
fn frames_since(path: &Path, from: usize) -> (Vec<Duration>, Vec<Duration>) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut wall = Vec::new();
    let mut cpu = Vec::new();
    for line in text.get(from..).unwrap_or_default().lines() {
        let f: Vec<u64> = line
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        if f.len() >= 3 {
            wall.push(Duration::from_micros(f[0] + f[2]));
        }
        if f.len() >= 5 {
            cpu.push(Duration::from_micros(f[3] + f[4]));
        }
    }
    (wall, cpu)
}

fn log_len(path: &Path) -> usize {
    std::fs::metadata(path).map_or(0, |m| m.len() as usize)
}

/// What one round measured.
#[derive(Debug, Default)]
struct Round {
    frames_a: Vec<Duration>,
    frames_b: Vec<Duration>,
    /// CPU time of the same frames (empty for a build that does not log it).
    cpu_a: Vec<Duration>,
    cpu_b: Vec<Duration>,
    keys: Vec<Duration>,
    server_cpu: Duration,
    client_cpu: (Duration, Duration),
    groups: Vec<(String, procfs::Group)>,
    rss_kib: u64,
    hwm_kib: u64,
    programs_kib: u64,
    programs: usize,
}

impl Round {
    /// PTY threads that ran in the quiet window, and how many there are.
    fn pty_threads(&self) -> (usize, usize) {
        self.groups
            .iter()
            .filter(|(name, _)| name.starts_with("pty-"))
            .fold((0, 0), |(ran, all), (_, g)| (ran + g.ran, all + g.threads))
    }
}

/// Sets A up: the 32 slots started, a grid of the last four (three printers and the shell),
/// the keys in the shell.
fn set_up_a(scenario: Scenario, a: &Tui) {
    if scenario == Scenario::Empty {
        a.wait_until("attached", START, |s| s.contains("0 live · ok"));
        return;
    }
    a.wait_until("32 slots and the shell's prompt", START, |s| {
        listed(s, SLOTS) && s.contains("┃$ ")
    });
    a.ctrl('g');
    a.wait_for("keys go to the workstation");
    a.send(b"\x1b4"); // Alt+4: grid
    a.wait_until("A's grid", TIMEOUT, |s| {
        grid(s) && (SLOTS - 3..=SLOTS).all(|k| s.contains(&scenario.needle(k)))
    });
    a.ctrl('g');
    a.wait_for("keys here");
}

/// Sets B up: attached, and a grid of slots 24–27 (printers 1–4), focused by clicks in the
/// slot list.
fn set_up_b(scenario: Scenario, b: &Tui) {
    if scenario == Scenario::Empty {
        b.wait_until("attached", START, |s| s.contains("0 live · ok"));
        return;
    }
    b.wait_until("32 slots", START, |s| listed(s, SLOTS));
    let shown = SLOTS - PRINTERS..SLOTS - PRINTERS + 4;
    for k in shown.clone() {
        let label = scenario.list_label(k);
        let screen = b.screen();
        let row = screen
            .lines()
            .position(|l| {
                l.starts_with('│') && l.chars().take(31).collect::<String>().contains(&label)
            })
            .unwrap_or_else(|| panic!("no {label:?} in the slot list:\n{screen}"));
        b.mouse_down(3, row as u16);
        b.mouse_up(3, row as u16);
    }
    b.wait_until("B's grid", TIMEOUT, |s| {
        grid(s) && shown.clone().all(|k| s.contains(&scenario.needle(k)))
    });
}

fn round(scenario: Scenario, bin: &Path) -> Round {
    let home = Home::new();
    let a = client(&home, bin, "a", &scenario.args());
    set_up_a(scenario, &a);
    let b = client(&home, bin, "b", &[]);
    set_up_b(scenario, &b);
    // Let the start settle (first full frames, activity badges) before measuring.
    std::thread::sleep(Duration::from_secs(2));
    let server = home.server();
    let marks = (log_len(&home.frames("a")), log_len(&home.frames("b")));
    let mut out = Round::default();
    if scenario != Scenario::Empty {
        out.keys = a.shell_keystroke_latencies(KEYS);
    }
    let (a_pid, b_pid) = (a.pid().unwrap(), b.pid().unwrap());
    let before = procfs::threads(server);
    let cpu = [server, a_pid, b_pid].map(procfs::process_cpu);
    std::thread::sleep(WINDOW);
    let after = procfs::threads(server);
    let cpu2 = [server, a_pid, b_pid].map(procfs::process_cpu);
    out.groups = procfs::groups(&before, &after);
    out.server_cpu = cpu2[0] - cpu[0];
    out.client_cpu = (cpu2[1] - cpu[1], cpu2[2] - cpu[2]);
    out.rss_kib = procfs::status_kib(server, "VmRSS");
    out.hwm_kib = procfs::status_kib(server, "VmHWM");
    let programs = procfs::descendants(server);
    out.programs = programs.len();
    out.programs_kib = programs
        .iter()
        .map(|p| procfs::status_kib(*p, "VmRSS"))
        .sum();
    (out.frames_a, out.cpu_a) = frames_since(&home.frames("a"), marks.0);
    (out.frames_b, out.cpu_b) = frames_since(&home.frames("b"), marks.1);
    drop(b);
    drop(a);
    out
}

fn median<T: Copy + Ord + Default>(mut values: Vec<T>) -> T {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

/// `median (min–max)` of one figure over the rounds.
fn spread(values: Vec<Duration>) -> String {
    let lo = values.iter().min().copied().unwrap_or_default();
    let hi = values.iter().max().copied().unwrap_or_default();
    format!("{} ({}–{})", ms(median(values)), short(lo), short(hi))
}

fn short(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn percent(cpu: Duration) -> f64 {
    cpu.as_secs_f64() / WINDOW.as_secs_f64() * 100.0
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// One scenario run with one build.
struct Runs {
    scenario: Scenario,
    build: String,
    rounds: Vec<Round>,
}

impl Runs {
    fn label(&self, builds: usize) -> String {
        if builds > 1 {
            format!("{} · {}", self.scenario.label(), self.build)
        } else {
            self.scenario.label().to_owned()
        }
    }

    fn median<T: Copy + Ord + Default>(&self, f: impl Fn(&Round) -> T) -> T {
        median(self.rounds.iter().map(f).collect())
    }

    /// The p50 (`q` 0) or p99 (`q` 1) of a list of samples, round by round.
    fn percentile(&self, f: impl Fn(&Round) -> &Vec<Duration>, q: usize) -> Vec<Duration> {
        self.rounds
            .iter()
            .filter(|r| !f(r).is_empty())
            .map(|r| {
                let (p50, p99) = percentiles(f(r).clone());
                [p50, p99][q]
            })
            .collect()
    }
}

fn report(results: &[Runs], builds: usize) {
    let rounds = results.first().map_or(0, |r| r.rounds.len());
    println!(
        "## Many slots: 32 panes, two clients at {COLS}×{ROWS} (median of {rounds} rounds, (min–max))\n"
    );
    println!(
        "| scenario | frame p50 A / B | frame p99 A | frame p99 B | frame CPU p99 A / B | frames A / B | key p50 | key p99 |"
    );
    println!("|---|---|---|---|---|---:|---|---|");
    for runs in results.iter().filter(|r| r.scenario.slots() > 0) {
        let cpu = |f: fn(&Round) -> &Vec<Duration>| {
            let p99 = runs.percentile(f, 1);
            if p99.is_empty() {
                "–".to_owned()
            } else {
                ms(median(p99))
            }
        };
        println!(
            "| {} | {} / {} | {} | {} | {} / {} | {} / {} | {} | {} |",
            runs.label(builds),
            ms(median(runs.percentile(|r| &r.frames_a, 0))),
            ms(median(runs.percentile(|r| &r.frames_b, 0))),
            spread(runs.percentile(|r| &r.frames_a, 1)),
            spread(runs.percentile(|r| &r.frames_b, 1)),
            cpu(|r| &r.cpu_a),
            cpu(|r| &r.cpu_b),
            runs.median(|r| r.frames_a.len()),
            runs.median(|r| r.frames_b.len()),
            spread(runs.percentile(|r| &r.keys, 0)),
            spread(runs.percentile(|r| &r.keys, 1)),
        );
    }
    println!(
        "\n| scenario | server CPU ({} s quiet) | client CPU A / B | PTY threads that ran / all (of idle panes) | server RSS | per pane (minus no-slot server) | server VmHWM | programs' RSS (count) |",
        WINDOW.as_secs()
    );
    println!("|---|---:|---|---|---:|---:|---:|---:|");
    for runs in results {
        let empty = results
            .iter()
            .find(|r| r.scenario == Scenario::Empty && r.build == runs.build)
            .map(|r| r.median(|r| r.rss_kib));
        // A printer's reader, parser and recorder must run; any other PTY thread that ran
        // belongs to an idle pane.
        let busy = 3 * runs.scenario.printers();
        let ran: Vec<String> = runs
            .rounds
            .iter()
            .map(|r| {
                let (ran, all) = r.pty_threads();
                format!("{ran}/{all} ({})", ran.saturating_sub(busy))
            })
            .collect();
        let rss = runs.median(|r| r.rss_kib);
        let per_pane = match (empty, runs.scenario.slots()) {
            (Some(base), n) if n > 0 => mib(rss.saturating_sub(base) / n as u64),
            _ => "–".to_owned(),
        };
        println!(
            "| {} | {:.2} % | {:.2} % / {:.2} % | {} | {} | {per_pane} | {} | {} ({}) |",
            runs.label(builds),
            percent(runs.median(|r| r.server_cpu)),
            percent(runs.median(|r| r.client_cpu.0)),
            percent(runs.median(|r| r.client_cpu.1)),
            ran.join(", "),
            mib(rss),
            mib(runs.median(|r| r.hwm_kib)),
            mib(runs.median(|r| r.programs_kib)),
            runs.median(|r| r.programs),
        );
    }
    for runs in results.iter().filter(|r| r.scenario.slots() > 0) {
        let Some(last) = runs.rounds.last() else {
            continue;
        };
        println!(
            "\n### Server threads in the quiet window, {} (last round)\n",
            runs.label(builds)
        );
        println!("| threads | count | ran | CPU |");
        println!("|---|---:|---:|---:|");
        for (name, group) in &last.groups {
            println!(
                "| {name} | {} | {} | {:.2} % |",
                group.threads,
                group.ran,
                percent(group.cpu)
            );
        }
    }
    println!();
}

/// The builds to compare, `SWITCHBOARD_BENCH_BINS=label=path,label=path` (rounds alternate
/// between them, so each lever is measured against its baseline under the same load);
/// default: this build.
fn builds() -> Vec<(String, PathBuf)> {
    match std::env::var("SWITCHBOARD_BENCH_BINS") {
        Ok(list) => list
            .split(',')
            .filter_map(|pair| pair.split_once('='))
            .map(|(label, path)| {
                let path = std::fs::canonicalize(path).expect("a build's binary");
                (label.to_owned(), path)
            })
            .collect(),
        Err(_) => vec![("this build".to_owned(), support::bin())],
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let only = std::env::var("SWITCHBOARD_BENCH_ONLY").ok();
    let rounds: usize = std::env::var("SWITCHBOARD_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let builds = builds();
    let mut results = Vec::new();
    for scenario in [
        Scenario::Empty,
        Scenario::Idle,
        Scenario::Moderate,
        Scenario::Flood,
    ] {
        // The no-slot server is the memory baseline of every other scenario: always measured.
        if scenario != Scenario::Empty
            && only
                .as_deref()
                .is_some_and(|o| !o.split(',').any(|o| o == scenario.name()))
        {
            continue;
        }
        let mut runs: Vec<Runs> = builds
            .iter()
            .map(|(build, _)| Runs {
                scenario,
                build: build.clone(),
                rounds: Vec::new(),
            })
            .collect();
        for i in 0..rounds {
            for (runs, (build, bin)) in runs.iter_mut().zip(&builds) {
                let r = round(scenario, bin);
                eprintln!(
                    "{} · {build} round {}: frames A {} B {}, keys {}, server CPU {:.2} %, RSS {}",
                    scenario.name(),
                    i + 1,
                    r.frames_a.len(),
                    r.frames_b.len(),
                    r.keys.len(),
                    percent(r.server_cpu),
                    mib(r.rss_kib)
                );
                runs.rounds.push(r);
            }
        }
        results.extend(runs);
    }
    report(&results, builds.len());
}
