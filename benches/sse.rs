//! SSE decode throughput on a ~20 MB recorded-style Responses stream, generated
//! deterministically at start: mostly `output_text.delta` events, with reasoning summary and
//! function-call argument deltas and the occasional finished item, as a long agent session
//! streams them.
//!
//! Each row is the median of several runs: the SSE frame layer alone; the full typed decode
//! (SSE + JSON → events) with deltas borrowed and copied into a transcript buffer (no
//! allocation per delta), and with owned `ResponseEvent`s (what the client's stream yields);
//! and the same typed layer over the `eventsource-stream` crate's frames, at 4, 16 and 64 KiB
//! chunks (the sizes reqwest hands over).
//!
//! `cargo bench --bench sse` (set `SWITCHBOARD_BENCH_SSE_MB` to change the stream size).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

mod stats;

use std::time::{Duration, Instant};

use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_util::Stream;
use stats::{Rng, median_rate, per_sec, rate};
use switchboard::model::{EventDecoder, EventRef, FrameRef, SseDecoder, parse_frame};

const ROUNDS: usize = 7;
/// Why this value: 64 KiB is the read size of typical HTTP stacks, so it is how a real body
/// arrives.
const CHUNK: usize = 64 * 1024;

const WORDS: &[&str] = &[
    "the",
    "stream",
    "decoder",
    "handles",
    "every",
    "event",
    " ",
    "\\n",
    "caf\u{e9}",
    "\u{4e16}\u{754c}",
    "\u{1f389}",
    "\\\"quoted\\\"",
    "fn",
    "main()",
    "{",
    "}",
    "let",
    "x",
    "=",
    "42;",
    "worktree",
    "slot",
    "session",
];

fn delta_text(rng: &mut Rng) -> String {
    let words = 1 + rng.below(4);
    (0..words)
        .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

/// The stream and how many events it holds.
fn generate(target_bytes: usize) -> (Vec<u8>, u64) {
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let mut out = String::with_capacity(target_bytes + 4096);
    let mut seq = 0u64;
    while out.len() < target_bytes {
        let roll = rng.below(100);
        let (kind, data) = if roll < 80 {
            let delta = delta_text(&mut rng);
            (
                "response.output_text.delta",
                format!(
                    r#"{{"type":"response.output_text.delta","sequence_number":{seq},"item_id":"msg_68f1c2a9e0b48190a1b2c3d4e5f60718","output_index":1,"content_index":0,"delta":"{delta}","logprobs":[],"obfuscation":"k2Jd9"}}"#
                ),
            )
        } else if roll < 90 {
            let delta = delta_text(&mut rng);
            (
                "response.reasoning_summary_text.delta",
                format!(
                    r#"{{"type":"response.reasoning_summary_text.delta","sequence_number":{seq},"item_id":"rs_68f1c2a9e0b48190a1b2c3d4e5f60718","output_index":0,"summary_index":0,"delta":"{delta}","obfuscation":"Qm"}}"#
                ),
            )
        } else if roll < 98 {
            (
                "response.function_call_arguments.delta",
                format!(
                    r#"{{"type":"response.function_call_arguments.delta","sequence_number":{seq},"item_id":"fc_68f1c2a9e0b48190a1b2c3d4e5f60718","output_index":2,"delta":"{{\"command\":\"ls"}}"#
                ),
            )
        } else {
            let text = (0..12)
                .map(|_| delta_text(&mut rng))
                .collect::<Vec<_>>()
                .join(" ");
            (
                "response.output_item.done",
                format!(
                    r#"{{"type":"response.output_item.done","sequence_number":{seq},"output_index":1,"item":{{"id":"msg_68f1c2a9e0b48190a1b2c3d4e5f60718","type":"message","status":"completed","content":[{{"type":"output_text","annotations":[],"logprobs":[],"text":"{text}"}}],"role":"assistant"}}}}"#
                ),
            )
        };
        out.push_str("event: ");
        out.push_str(kind);
        out.push_str("\ndata: ");
        out.push_str(&data);
        out.push_str("\n\n");
        seq += 1;
        if seq.is_multiple_of(5000) {
            out.push_str(": keep-alive\n\n");
        }
    }
    (out.into_bytes(), seq)
}

fn frames(stream: &[u8], chunk: usize) -> u64 {
    let mut decoder = SseDecoder::new();
    let mut frames = Vec::new();
    let mut count = 0;
    for piece in stream.chunks(chunk) {
        decoder.feed(piece, &mut frames).unwrap();
        count += frames.len() as u64;
        frames.clear();
    }
    count
}

fn typed(stream: &[u8], chunk: usize) -> u64 {
    let mut decoder = EventDecoder::new();
    let mut events = Vec::new();
    let mut count = 0;
    for piece in stream.chunks(chunk) {
        decoder.feed(piece, &mut events);
        for event in events.drain(..) {
            event.unwrap();
            count += 1;
        }
    }
    count
}

/// Typed events with borrowed deltas, whose text goes straight into a transcript buffer (as
/// a live view appends it): no allocation per delta.
fn typed_borrowed(stream: &[u8], chunk: usize) -> u64 {
    let mut decoder = EventDecoder::new();
    let mut transcript = String::with_capacity(1 << 20);
    let mut count = 0;
    for piece in stream.chunks(chunk) {
        decoder.feed_with(piece, |event| {
            if let EventRef::Delta(delta) = event.unwrap() {
                if transcript.len() > (1 << 20) - 256 {
                    transcript.clear();
                }
                transcript.push_str(delta.text);
            }
            count += 1;
        });
    }
    std::hint::black_box(transcript);
    count
}

/// The same typed layer over `eventsource-stream`'s frames: the crate as a client would use
/// it, a `Stream` adapter over the body's chunks, polled until it ends.
fn typed_eventsource(stream: &[u8], chunk: usize) -> u64 {
    let chunks =
        futures_util::stream::iter(stream.chunks(chunk).map(Ok::<_, std::convert::Infallible>));
    let mut frames = eventsource_stream::EventStream::new(chunks);
    let mut cx = Context::from_waker(Waker::noop());
    let mut count = 0;
    loop {
        match Pin::new(&mut frames).poll_next(&mut cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let frame = FrameRef {
                    event: Some(&frame.event),
                    data: &frame.data,
                    id: Some(&frame.id),
                };
                if parse_frame(frame).unwrap().is_some() {
                    count += 1;
                }
            }
            Poll::Ready(Some(Err(err))) => panic!("eventsource-stream: {err}"),
            Poll::Ready(None) | Poll::Pending => return count,
        }
    }
}

/// The floor under the typed layer: frames plus a JSON pass that builds nothing.
fn json_floor(stream: &[u8], chunk: usize) -> u64 {
    let mut decoder = SseDecoder::new();
    let mut frames = Vec::new();
    let mut count = 0;
    for piece in stream.chunks(chunk) {
        decoder.feed(piece, &mut frames).unwrap();
        for frame in frames.drain(..) {
            let _: serde::de::IgnoredAny = serde_json::from_str(&frame.data).unwrap();
            count += 1;
        }
    }
    count
}

/// CPU time of this thread: on a shared machine the wall clock also counts the time other
/// builds held the CPU, which made wall rates move by 2x between runs; per CPU-second the
/// work itself is measured.
fn thread_cpu() -> Duration {
    use nix::time::{ClockId, clock_gettime};
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).map_or(Duration::ZERO, Duration::from)
}

/// The median events per CPU-second of the row, or `None` when the row was filtered out.
fn measure(name: &str, stream: &[u8], expected: u64, run: impl Fn() -> u64) -> Option<f64> {
    // `SWITCHBOARD_BENCH_SSE_ONLY=typed` runs only the rows whose name contains it (to
    // profile one path, e.g. under callgrind).
    if let Ok(only) = std::env::var("SWITCHBOARD_BENCH_SSE_ONLY")
        && !name.contains(&only)
    {
        return None;
    }
    let mut events = Vec::new();
    let mut per_cpu = Vec::new();
    let mut bytes = Vec::new();
    for _ in 0..ROUNDS {
        let cpu = thread_cpu();
        let start = Instant::now();
        let count = run();
        let took: Duration = start.elapsed();
        let cpu = thread_cpu().saturating_sub(cpu);
        assert_eq!(count, expected, "{name}: every event decoded");
        events.push(rate(count, took));
        per_cpu.push(rate(count, cpu));
        bytes.push(rate(stream.len() as u64, cpu) / 1_000_000.0);
    }
    let median = median_rate(per_cpu);
    println!(
        "| {name} | {} | {} | {:.0} MB |",
        per_sec(median),
        per_sec(median_rate(events)),
        median_rate(bytes)
    );
    Some(median)
}

fn main() {
    // `cargo test --benches` runs bench binaries without `--bench`; keep that quick.
    let full = std::env::args().any(|a| a == "--bench");
    let megabytes: usize = std::env::var("SWITCHBOARD_BENCH_SSE_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let size = if full {
        megabytes * 1_000_000
    } else {
        64 * 1024
    };
    let (stream, count) = generate(size);
    if !full {
        assert_eq!(frames(&stream, CHUNK), count);
        assert_eq!(typed(&stream, 1000), count);
        assert_eq!(typed_borrowed(&stream, 1000), count);
        assert_eq!(typed_eventsource(&stream, 1000), count);
        return;
    }
    println!(
        "## SSE decode: {:.1} MB, {count} events ({} bytes/event), median of {ROUNDS}\n",
        stream.len() as f64 / 1_000_000.0,
        stream.len() as u64 / count
    );
    println!("| layer, feeding | events per CPU-s | events/s (wall) | bytes per CPU-s |");
    println!("|---|---:|---:|---:|");
    measure("SSE frames, whole buffer", &stream, count, || {
        frames(&stream, stream.len())
    });
    measure("SSE frames, 64 KiB chunks", &stream, count, || {
        frames(&stream, CHUNK)
    });
    measure(
        "frames + JSON skimmed (floor), 64 KiB chunks",
        &stream,
        count,
        || json_floor(&stream, CHUNK),
    );
    measure(
        "typed, borrowed deltas, whole buffer",
        &stream,
        count,
        || typed_borrowed(&stream, stream.len()),
    );
    measure(
        "typed, borrowed deltas, 64 KiB chunks",
        &stream,
        count,
        || typed_borrowed(&stream, CHUNK),
    );
    measure("typed, owned events, whole buffer", &stream, count, || {
        typed(&stream, stream.len())
    });
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for kib in [4, 16, 64] {
        let chunk = kib * 1024;
        ours.push(measure(
            &format!("typed, owned events, {kib} KiB chunks"),
            &stream,
            count,
            || typed(&stream, chunk),
        ));
        theirs.push(measure(
            &format!("eventsource-stream + the same typed layer, {kib} KiB chunks"),
            &stream,
            count,
            || typed_eventsource(&stream, chunk),
        ));
    }
    println!();
    for ((kib, ours), theirs) in [4, 16, 64].iter().zip(ours).zip(theirs) {
        if let (Some(ours), Some(theirs)) = (ours, theirs) {
            println!(
                "At {kib} KiB, eventsource-stream's typed rate per CPU-second is {:.0} % of ours \
                 ({:+.0} %).",
                100.0 * theirs / ours,
                100.0 * (theirs / ours - 1.0)
            );
        }
    }
}
