//! Length-prefixed frames: a 4-byte big-endian length, then that many bytes of MessagePack.
//! Pure: the encoder returns bytes, the decoder takes whatever chunks a socket hands over and
//! yields whole frames. A length over the limit is an error before anything is allocated for
//! it, so a hostile or broken peer cannot make us reserve gigabytes.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Bytes of the length prefix.
const PREFIX: usize = 4;

/// Why a frame could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("a frame of {len} bytes is over the limit of {limit}")]
    TooLarge { len: usize, limit: usize },
    #[error("a malformed message: {0}")]
    Malformed(String),
    #[error("cannot encode a message: {0}")]
    Encode(String),
}

/// Encodes `message` as one frame (prefix included).
pub fn encode<T: Serialize>(message: &T, limit: usize) -> Result<Vec<u8>, FrameError> {
    let mut out = vec![0u8; PREFIX];
    rmp_serde::encode::write_named(&mut out, message)
        .map_err(|e| FrameError::Encode(e.to_string()))?;
    let len = out.len() - PREFIX;
    if len > limit {
        return Err(FrameError::TooLarge { len, limit });
    }
    out[..PREFIX].copy_from_slice(&(len as u32).to_be_bytes());
    Ok(out)
}

/// Decodes one frame's body.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, FrameError> {
    rmp_serde::from_slice(body).map_err(|e| FrameError::Malformed(e.to_string()))
}

/// Collects bytes into frames.
#[derive(Debug)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    /// Bytes of `buf` already handed out as frames.
    consumed: usize,
    limit: usize,
}

impl FrameDecoder {
    /// A decoder refusing frames longer than `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            buf: Vec::new(),
            consumed: 0,
            limit,
        }
    }

    /// Adds bytes from the peer.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.consumed > 0 && self.consumed == self.buf.len() {
            self.buf.clear();
            self.consumed = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole frame's body, `Ok(None)` when more bytes are needed. After an error the
    /// stream is out of step: the caller must close the connection.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        let pending = &self.buf[self.consumed..];
        let Some(prefix) = pending.get(..PREFIX) else {
            return Ok(None);
        };
        let mut len_bytes = [0u8; PREFIX];
        len_bytes.copy_from_slice(prefix);
        let len = u32::from_be_bytes(len_bytes) as usize;
        if len > self.limit {
            return Err(FrameError::TooLarge {
                len,
                limit: self.limit,
            });
        }
        let Some(body) = pending.get(PREFIX..PREFIX + len) else {
            return Ok(None);
        };
        let body = body.to_vec();
        self.consumed += PREFIX + len;
        // Keep the buffer from growing with consumed frames.
        if self.consumed > 64 * 1024 && self.consumed * 2 > self.buf.len() {
            self.buf.drain(..self.consumed);
            self.consumed = 0;
        }
        Ok(Some(body))
    }

    /// Bytes received that do not yet form a whole frame.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.consumed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Message {
        name: String,
        n: u64,
    }

    #[test]
    fn frames_survive_any_split() {
        let a = encode(
            &Message {
                name: "a".into(),
                n: 1,
            },
            1024,
        )
        .unwrap();
        let b = encode(
            &Message {
                name: "日本".into(),
                n: 2,
            },
            1024,
        )
        .unwrap();
        let stream: Vec<u8> = [a, b].concat();
        for split in 0..=stream.len() {
            let mut decoder = FrameDecoder::new(1024);
            let mut out: Vec<Message> = Vec::new();
            for chunk in [&stream[..split], &stream[split..]] {
                decoder.push(chunk);
                while let Some(body) = decoder.next_frame().unwrap() {
                    out.push(decode(&body).unwrap());
                }
            }
            assert_eq!(out.len(), 2, "split at {split}");
            assert_eq!(out[1].name, "日本");
            assert_eq!(decoder.pending(), 0);
        }
    }

    #[test]
    fn oversized_frames_are_refused_before_allocation() {
        let mut decoder = FrameDecoder::new(16);
        decoder.push(&u32::MAX.to_be_bytes());
        assert!(matches!(
            decoder.next_frame(),
            Err(FrameError::TooLarge { limit: 16, .. })
        ));
        let big = Message {
            name: "x".repeat(100),
            n: 0,
        };
        assert!(matches!(encode(&big, 16), Err(FrameError::TooLarge { .. })));
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        assert!(matches!(
            decode::<Message>(&[0xc1, 0xff, 0x00]),
            Err(FrameError::Malformed(_))
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(chunks in proptest::collection::vec(
            proptest::collection::vec(any::<u8>(), 0..64), 0..16)) {
            let mut decoder = FrameDecoder::new(256);
            for chunk in chunks {
                decoder.push(&chunk);
                while let Ok(Some(body)) = decoder.next_frame() {
                    let _ = decode::<Message>(&body);
                }
            }
        }
    }
}
