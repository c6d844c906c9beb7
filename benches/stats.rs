//! Tiny timing helpers shared by the bench binaries: run a closure many times, report median
//! and p99. The machine is shared and noisy, so figures are medians, compared as ratios within
//! one run.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

/// Timings of repeated runs of one operation.
pub struct Samples(pub Vec<Duration>);

impl Samples {
    pub fn collect(runs: usize, mut f: impl FnMut()) -> Self {
        let mut out = Vec::with_capacity(runs);
        for _ in 0..runs {
            let start = Instant::now();
            f();
            out.push(start.elapsed());
        }
        out.sort();
        Self(out)
    }

    pub fn median(&self) -> Duration {
        self.0[self.0.len() / 2]
    }

    pub fn p99(&self) -> Duration {
        let index = ((self.0.len() as f64) * 0.99).ceil() as usize;
        self.0[index.clamp(1, self.0.len()) - 1]
    }

    /// A `| label | median | p99 |` table row.
    pub fn row(&self, label: &str) -> String {
        format!("| {label} | {} | {} |", ms(self.median()), ms(self.p99()))
    }
}

pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

pub fn rate(count: u64, d: Duration) -> f64 {
    count as f64 / d.as_secs_f64()
}

pub fn per_sec(r: f64) -> String {
    if r >= 1_000_000.0 {
        format!("{:.2}M/s", r / 1_000_000.0)
    } else if r >= 1000.0 {
        format!("{:.1}k/s", r / 1000.0)
    } else {
        format!("{r:.0}/s")
    }
}

/// Median of a list of rates.
pub fn median_rate(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(|a, b| a.total_cmp(b));
    rates[rates.len() / 2]
}

/// A small deterministic generator (xorshift), so every run of a bench feeds the same bytes.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
