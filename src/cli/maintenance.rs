//! `switchboard store …`: check, repair and compact the store file. These work on the file,
//! not through a store handle: they never reconcile, and `check` never writes.

use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;

use super::Context;
use crate::store::{self, EngineVerdict, TableCount};

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Verify the store (on a copy; the file is never modified) and report what is readable
    Check,
    /// Recover everything readable into a new store that replaces the old one (a copy of the
    /// old file is kept beside it)
    Repair,
    /// Give free space back to the file system (nothing else may have the store open)
    Compact,
}

pub fn run(context: &Context, command: StoreCommand) -> anyhow::Result<ExitCode> {
    let path = &context.paths.store_file;
    if !path.exists() {
        anyhow::bail!("there is no store at {} yet", path.display());
    }
    let mut out = std::io::stdout().lock();
    match command {
        StoreCommand::Check => {
            let report = store::check(path)?;
            writeln!(
                out,
                "store        {} ({})",
                report.path.display(),
                bytes(report.size)
            )?;
            let engine = match &report.engine {
                EngineVerdict::Clean => "clean".to_owned(),
                EngineVerdict::Repairable => {
                    "repairable (what an unclean shutdown leaves; redb repairs it on open)"
                        .to_owned()
                }
                EngineVerdict::Damaged(detail) => format!("damaged: {detail}"),
            };
            writeln!(out, "engine       {engine}")?;
            let s = &report.salvage;
            writeln!(out, "events       {}", counts(&s.events))?;
            writeln!(out, "sessions     {}", counts(&s.sessions))?;
            if s.orphans > 0 {
                writeln!(
                    out,
                    "             {} sessions have events but no readable index entry",
                    s.orphans
                )?;
            }
            writeln!(out, "checkpoints  {}", counts(&s.checkpoints))?;
            writeln!(out, "indexes      {}", counts(&s.indexes))?;
            if report.is_healthy() {
                writeln!(out, "healthy")?;
                Ok(ExitCode::SUCCESS)
            } else {
                writeln!(
                    out,
                    "damaged: run `switchboard store repair` (it keeps a copy of this file first)"
                )?;
                Ok(ExitCode::FAILURE)
            }
        }
        StoreCommand::Repair => {
            let report = store::repair(path)?;
            if report.page_by_page {
                writeln!(
                    out,
                    "the database engine could not open the file; its pages were read one by one"
                )?;
            }
            let s = &report.salvage;
            let lost = s.events.undecodable;
            writeln!(
                out,
                "repaired {}: {} sessions and {} events survived ({} unreadable places, {} undecodable events dropped), {} agent conversations rebuilt; the damaged file is kept at {}",
                report.path.display(),
                report.sessions,
                s.events.kept,
                s.events.unreadable + s.sessions.unreadable + s.checkpoints.unreadable,
                lost,
                report.conversations,
                report.kept.display()
            )?;
            Ok(ExitCode::SUCCESS)
        }
        StoreCommand::Compact => {
            let report = store::compact(path)?;
            writeln!(
                out,
                "compacted {}: {} → {} on disk, {} given back (file size {} → {})",
                path.display(),
                bytes(report.on_disk_before),
                bytes(report.on_disk_after),
                bytes(report.on_disk_before.saturating_sub(report.on_disk_after)),
                bytes(report.before),
                bytes(report.after),
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn counts(count: &TableCount) -> String {
    let mut text = format!("{} readable", count.kept);
    if count.undecodable > 0 {
        text.push_str(&format!(", {} undecodable", count.undecodable));
    }
    if count.unreadable > 0 {
        text.push_str(&format!(
            ", {} places redb cannot read past",
            count.unreadable
        ));
    }
    text
}

/// Sizes as people read them: `812 B`, `4.2 MB`, `1.19 GB` (decimal units, as `du -h --si`).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    let digits = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.digits$} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_du() {
        assert_eq!(bytes(812), "812 B");
        assert_eq!(bytes(4_200_000), "4.20 MB");
        assert_eq!(bytes(1_190_000_000), "1.19 GB");
        assert_eq!(bytes(675_000_000), "675 MB");
    }
}
