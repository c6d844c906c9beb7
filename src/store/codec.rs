//! Bytes on disk. Every stored value starts with a version byte so the format can change without
//! guessing; the rest is MessagePack.
//!
//! An event value is `[EVENT_CODEC] + msgpack [at_micros, tag, payload]`. The payload is the
//! kind's struct as a MessagePack map keyed by field name, so fields can be added freely; a tag
//! this build does not know keeps its payload bytes verbatim (`EventKind::Unknown`).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::event::{Event, EventKind};
use crate::ids::{Seq, SessionId, Timestamp};

/// Version byte of event values written by this build.
pub const EVENT_CODEC: u8 = 1;
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
    Ok(out)
}

/// Decodes one event value stored under `(session, seq)`.
pub fn decode_event(session: SessionId, seq: Seq, bytes: &[u8]) -> Result<Event, DecodeError> {
    let mut rest = check_version(bytes, EVENT_CODEC)?;
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
            decode_event(SessionId(1), Seq(1), &[0]).unwrap_err(),
            DecodeError::BadVersion(0)
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode_event(SessionId(1), Seq(1), &bytes);
            let mut with_version = vec![EVENT_CODEC];
            with_version.extend_from_slice(&bytes);
            let _ = decode_event(SessionId(1), Seq(1), &with_version);
        }
    }
}
