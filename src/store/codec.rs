//! Bytes on disk. Every stored value starts with a version byte so the format can change without
//! guessing; the rest is MessagePack.
//!
//! An event value is `[1] + msgpack [at_micros, tag, payload]`, or, when that is large and
//! compresses, `[2] + zstd(msgpack [at_micros, tag, payload])`: the same body in a zstd frame
//! that records its own size. The payload is the kind's struct as a MessagePack map keyed by
//! field name, so fields can be added freely; a tag this build does not know keeps its payload
//! bytes verbatim (`EventKind::Unknown`). Records written before compression existed (all
//! `[1]`) decode as they always did.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::event::{Event, EventKind};
use crate::ids::{Seq, SessionId, Timestamp};

/// Version byte of plain event values.
pub const EVENT_CODEC: u8 = 1;
/// Version byte of zstd-compressed event values (the same body inside a zstd frame).
pub const EVENT_CODEC_ZSTD: u8 = 2;
/// The highest event version byte this build reads.
const EVENT_CODEC_MAX: u8 = EVENT_CODEC_ZSTD;

/// Bodies at least this long are offered to the compressor. Below it a zstd frame (about a
/// dozen bytes of header) saves little, and most events (deltas, approvals, state changes)
/// stay plain and cost no CPU.
pub const COMPRESS_FROM: usize = 512;

/// zstd level for event values. Measured on PTY floods (docs/BENCHMARKS.md): level 1 keeps
/// base64 noise at 0.75 of its size and `yes` at ~0.0002, at several hundred MB/s on one
/// core, far above what a PTY delivers; higher levels cost 2–3× the CPU for a few percent.
const COMPRESS_LEVEL: i32 = 1;

/// Largest decompressed event accepted. Far above any event switchboard writes (tool output
/// is capped at 8 MiB + 64 KiB, PTY chunks at 256 KiB), small enough that a damaged frame
/// claiming gigabytes cannot make a reader allocate them.
pub const MAX_EVENT_BYTES: usize = 64 * 1024 * 1024;
/// Version byte of other records (session index entries, checkpoints).
pub const RECORD_CODEC: u8 = 1;

/// Why stored bytes could not be turned back into a value.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("empty record")]
    Empty,
    #[error(
        "record written by a newer switchboard (format {found}, this build reads up to {supported})"
    )]
    Newer { found: u8, supported: u8 },
    #[error("record has unknown format byte {0}")]
    BadVersion(u8),
    #[error("malformed record: {0}")]
    Malformed(String),
}

/// Why a value could not be encoded.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot encode {what}: {reason}")]
pub struct EncodeError {
    what: &'static str,
    reason: String,
}

/// Encodes one event value (the key carries session and seq).
pub fn encode_event(at: Timestamp, kind: &EventKind) -> Result<Vec<u8>, EncodeError> {
    let fail = |reason: String| EncodeError {
        what: "event",
        reason,
    };
    let mut out = Vec::with_capacity(64);
    out.push(EVENT_CODEC);
    rmp::encode::write_array_len(&mut out, 3).map_err(|e| fail(e.to_string()))?;
    rmp::encode::write_sint(&mut out, at.0).map_err(|e| fail(e.to_string()))?;
    rmp::encode::write_str(&mut out, kind.tag()).map_err(|e| fail(e.to_string()))?;
    kind.encode_body(&mut out)
        .map_err(|e| fail(e.to_string()))?;
    if out.len() > COMPRESS_FROM {
        let body = &out[1..];
        let packed = compress(body).map_err(|e| fail(e.to_string()))?;
        if packed.len() + 1 < out.len() {
            let mut compressed = Vec::with_capacity(packed.len() + 1);
            compressed.push(EVENT_CODEC_ZSTD);
            compressed.extend_from_slice(&packed);
            return Ok(compressed);
        }
    }
    Ok(out)
}

thread_local! {
    /// A zstd context per thread, made once: creating one costs more than decompressing a
    /// 16 KiB value (its workspace is allocated and faulted in every time), and a resume or a
    /// conversation read decompresses thousands of them.
    static DECOMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { std::cell::RefCell::new(None) };
    /// The same for compression, on the writer's thread.
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// `body` as a zstd frame at [`COMPRESS_LEVEL`] that records its size.
fn compress(body: &[u8]) -> std::io::Result<Vec<u8>> {
    COMPRESSOR.with_borrow_mut(|cached| {
        let compressor = match cached {
            Some(compressor) => compressor,
            None => cached.insert(zstd::bulk::Compressor::new(COMPRESS_LEVEL)?),
        };
        compressor.compress(body)
    })
}

/// The plain body of a compressed event value.
fn decompress(frame: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let size = zstd::zstd_safe::get_frame_content_size(frame)
        .map_err(|_| DecodeError::Malformed("not a zstd frame".into()))?
        .ok_or_else(|| DecodeError::Malformed("zstd frame without its size".into()))?;
    if size > MAX_EVENT_BYTES as u64 {
        return Err(DecodeError::Malformed(format!(
            "compressed event claims {size} bytes"
        )));
    }
    let body = DECOMPRESSOR
        .with_borrow_mut(|cached| {
            let decompressor = match cached {
                Some(decompressor) => decompressor,
                None => cached.insert(zstd::bulk::Decompressor::new()?),
            };
            decompressor.decompress(frame, size as usize)
        })
        .map_err(|e| DecodeError::Malformed(format!("zstd: {e}")))?;
    if body.len() as u64 != size {
        return Err(DecodeError::Malformed(
            "zstd frame shorter than it says".into(),
        ));
    }
    Ok(body)
}

/// Decodes one event value stored under `(session, seq)`.
pub fn decode_event(session: SessionId, seq: Seq, bytes: &[u8]) -> Result<Event, DecodeError> {
    match bytes.split_first() {
        None => Err(DecodeError::Empty),
        Some((&EVENT_CODEC, body)) => decode_body(session, seq, body),
        Some((&EVENT_CODEC_ZSTD, frame)) => decode_body(session, seq, &decompress(frame)?),
        Some((&v, _)) if v > EVENT_CODEC_MAX => Err(DecodeError::Newer {
            found: v,
            supported: EVENT_CODEC_MAX,
        }),
        Some((&v, _)) => Err(DecodeError::BadVersion(v)),
    }
}

/// Decodes `msgpack [at_micros, tag, payload]`.
fn decode_body(session: SessionId, seq: Seq, mut rest: &[u8]) -> Result<Event, DecodeError> {
    let malformed = |what: &str| DecodeError::Malformed(what.to_owned());
    let len = rmp::decode::read_array_len(&mut rest).map_err(|_| malformed("no envelope"))?;
    if len != 3 {
        return Err(malformed("envelope is not [at, tag, payload]"));
    }
    let at: i64 = rmp::decode::read_int(&mut rest).map_err(|_| malformed("bad timestamp"))?;
    let tag_len = rmp::decode::read_str_len(&mut rest).map_err(|_| malformed("bad tag"))? as usize;
    if rest.len() < tag_len {
        return Err(malformed("truncated tag"));
    }
    let (tag, body) = rest.split_at(tag_len);
    let tag = std::str::from_utf8(tag).map_err(|_| malformed("tag is not UTF-8"))?;
    if body.is_empty() {
        return Err(malformed("missing payload"));
    }
    let kind = EventKind::decode_body(tag, body)
        .map_err(|e| DecodeError::Malformed(format!("payload of {tag}: {e}")))?;
    Ok(Event {
        session,
        seq,
        at: Timestamp(at),
        kind,
    })
}

/// Encodes a record (index entry, checkpoint) with its version byte.
pub fn encode_record<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>, EncodeError> {
    let mut out = vec![RECORD_CODEC];
    value
        .serialize(&mut rmp_serde::Serializer::new(&mut out).with_struct_map())
        .map_err(|e| EncodeError {
            what,
            reason: e.to_string(),
        })?;
    Ok(out)
}

/// Decodes a record written by [`encode_record`].
pub fn decode_record<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    let rest = check_version(bytes, RECORD_CODEC)?;
    rmp_serde::from_slice(rest).map_err(|e| DecodeError::Malformed(e.to_string()))
}

fn check_version(bytes: &[u8], supported: u8) -> Result<&[u8], DecodeError> {
    match bytes.split_first() {
        None => Err(DecodeError::Empty),
        Some((&v, rest)) if v == supported => Ok(rest),
        Some((&v, _)) if v > supported => Err(DecodeError::Newer {
            found: v,
            supported,
        }),
        Some((&v, _)) => Err(DecodeError::BadVersion(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{PtyOutput, UnknownKind, UserMessage};
    use proptest::prelude::*;

    #[test]
    fn events_round_trip() {
        let kinds = [
            EventKind::UserMessage(UserMessage {
                text: "héllo ✓".into(),
            }),
            EventKind::PtyOutput(PtyOutput {
                bytes: vec![0x1b, b'[', b'm', 0xff].into(),
            }),
        ];
        for kind in kinds {
            let bytes = encode_event(Timestamp(42), &kind).unwrap();
            let event = decode_event(SessionId(7), Seq(3), &bytes).unwrap();
            assert_eq!(event.kind, kind);
            assert_eq!(event.at, Timestamp(42));
        }
    }

    #[test]
    fn unknown_kinds_survive_a_round_trip_byte_for_byte() {
        let mut body = Vec::new();
        rmp::encode::write_map_len(&mut body, 1).unwrap();
        rmp::encode::write_str(&mut body, "vision").unwrap();
        rmp::encode::write_str(&mut body, "20/20").unwrap();
        let kind = EventKind::Unknown(UnknownKind {
            tag: "future.thing".into(),
            body,
        });
        let bytes = encode_event(Timestamp(1), &kind).unwrap();
        let event = decode_event(SessionId(1), Seq(1), &bytes).unwrap();
        assert_eq!(event.kind, kind);
        assert_eq!(encode_event(Timestamp(1), &event.kind).unwrap(), bytes);
        assert_eq!(
            event.kind.body_json(),
            serde_json::json!({"vision": "20/20"})
        );
    }

    #[test]
    fn versions_are_checked() {
        assert_eq!(
            decode_event(SessionId(1), Seq(1), &[]).unwrap_err(),
            DecodeError::Empty
        );
        assert!(matches!(
            decode_event(SessionId(1), Seq(1), &[9, 0x93]).unwrap_err(),
            DecodeError::Newer { found: 9, .. }
        ));
        assert!(matches!(
            decode_event(SessionId(1), Seq(1), &[3, 0x93]).unwrap_err(),
            DecodeError::Newer { found: 3, .. }
        ));
        assert!(matches!(
            decode_event(SessionId(1), Seq(1), &[0]).unwrap_err(),
            DecodeError::BadVersion(0)
        ));
    }

    #[test]
    fn large_events_are_compressed_when_it_pays() {
        let text = EventKind::PtyOutput(PtyOutput {
            bytes: b"y\r\n".repeat(10_000).into(),
        });
        let bytes = encode_event(Timestamp(5), &text).unwrap();
        assert_eq!(bytes[0], EVENT_CODEC_ZSTD);
        assert!(bytes.len() < 200, "{} bytes", bytes.len());
        assert_eq!(
            decode_event(SessionId(1), Seq(1), &bytes).unwrap().kind,
            text
        );

        // Noise does not compress: it stays plain rather than growing.
        let mut x: u32 = 1;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let noise = EventKind::PtyOutput(PtyOutput {
            bytes: noise.into(),
        });
        let bytes = encode_event(Timestamp(5), &noise).unwrap();
        assert_eq!(bytes[0], EVENT_CODEC);
        assert_eq!(
            decode_event(SessionId(1), Seq(1), &bytes).unwrap().kind,
            noise
        );

        // Small events never go through the compressor.
        let small = EventKind::UserMessage(UserMessage {
            text: "a".repeat(100),
        });
        assert_eq!(encode_event(Timestamp(5), &small).unwrap()[0], EVENT_CODEC);
    }

    #[test]
    fn a_frame_claiming_too_much_is_refused() {
        let body = vec![0u8; 1024];
        let mut frame = zstd::bulk::compress(&body, 1).unwrap();
        // Patch the frame: a tiny one that claims a huge size fails before allocating it.
        let huge = zstd::bulk::compress(&vec![0u8; MAX_EVENT_BYTES + 1], 1).unwrap();
        let mut value = vec![EVENT_CODEC_ZSTD];
        value.extend_from_slice(&huge);
        assert!(matches!(
            decode_event(SessionId(1), Seq(1), &value),
            Err(DecodeError::Malformed(_))
        ));
        frame.truncate(frame.len() / 2);
        let mut value = vec![EVENT_CODEC_ZSTD];
        value.extend_from_slice(&frame);
        assert!(decode_event(SessionId(1), Seq(1), &value).is_err());
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode_event(SessionId(1), Seq(1), &bytes);
            for version in [EVENT_CODEC, EVENT_CODEC_ZSTD] {
                let mut with_version = vec![version];
                with_version.extend_from_slice(&bytes);
                let _ = decode_event(SessionId(1), Seq(1), &with_version);
            }
        }

        #[test]
        fn damaged_compressed_events_never_panic(
            at in 0usize..200,
            mask in 1u8..=255,
        ) {
            let kind = EventKind::PtyOutput(PtyOutput {
                bytes: b"\x1b[32mok\x1b[0m line\r\n".repeat(100).into(),
            });
            let mut bytes = encode_event(Timestamp(1), &kind).unwrap();
            let at = 1 + at % (bytes.len() - 1);
            bytes[at] ^= mask;
            let _ = decode_event(SessionId(1), Seq(1), &bytes);
        }
    }
}
