//! Raw bytes in event payloads (PTY output, tool output): MessagePack `bin` on disk, and in
//! JSON a string when the bytes are UTF-8, else `{"base64": …}` — lossless both ways.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

#[derive(Clone, PartialEq, Eq, Default)]
pub struct Bytes(pub Vec<u8>);

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bytes({:?})", String::from_utf8_lossy(&self.0))
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(value: Vec<u8>) -> Self {
        Self(value)
    }
}

impl From<&[u8]> for Bytes {
    fn from(value: &[u8]) -> Self {
        Self(value.to_vec())
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !serializer.is_human_readable() {
            return serializer.serialize_bytes(&self.0);
        }
        match std::str::from_utf8(&self.0) {
            Ok(text) => serializer.serialize_str(text),
            Err(_) => {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("base64", &BASE64.encode(&self.0))?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BytesVisitor;
        impl<'de> Visitor<'de> for BytesVisitor {
            type Value = Bytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("bytes, a string, or {\"base64\": …}")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(v.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Bytes, E> {
                Ok(Bytes(v.as_bytes().to_vec()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Bytes, A::Error> {
                let mut out = None;
                while let Some(key) = map.next_key::<String>()? {
                    let value: String = map.next_value()?;
                    if key == "base64" {
                        out = Some(BASE64.decode(value).map_err(de::Error::custom)?);
                    }
                }
                out.map(Bytes)
                    .ok_or_else(|| de::Error::missing_field("base64"))
            }
        }
        deserializer.deserialize_any(BytesVisitor)
    }
}

/// Renders one MessagePack value as JSON (for payloads of unknown kinds). Binary becomes
/// `{"base64": …}`; anything undecodable becomes `{"undecodable_base64": …}` so nothing is lost.
pub(crate) fn msgpack_to_json(body: &[u8]) -> serde_json::Value {
    let mut reader = body;
    match rmpv::decode::read_value(&mut reader) {
        Ok(value) => value_to_json(value),
        Err(_) => serde_json::json!({ "undecodable_base64": BASE64.encode(body) }),
    }
}

fn value_to_json(value: rmpv::Value) -> serde_json::Value {
    use rmpv::Value as V;
    use serde_json::Value as J;
    match value {
        V::Nil => J::Null,
        V::Boolean(b) => J::Bool(b),
        V::Integer(i) => i
            .as_i64()
            .map(J::from)
            .or_else(|| i.as_u64().map(J::from))
            .unwrap_or(J::Null),
        V::F32(f) => serde_json::Number::from_f64(f64::from(f)).map_or(J::Null, J::Number),
        V::F64(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        V::String(s) => match s.into_str() {
            Some(text) => J::String(text),
            None => J::Null,
        },
        V::Binary(b) => serde_json::json!({ "base64": BASE64.encode(b) }),
        V::Array(items) => J::Array(items.into_iter().map(value_to_json).collect()),
        V::Map(entries) => {
            let mut map = serde_json::Map::new();
            for (k, v) in entries {
                let key = match k {
                    V::String(s) => s.into_str().unwrap_or_default(),
                    other => other.to_string(),
                };
                map.insert(key, value_to_json(v));
            }
            J::Object(map)
        }
        V::Ext(kind, data) => serde_json::json!({ "ext": kind, "base64": BASE64.encode(data) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_form_is_lossless() {
        for raw in [b"plain text\n".to_vec(), vec![0xff, 0xfe, b'a', 0x1b]] {
            let bytes = Bytes(raw);
            let json = serde_json::to_string(&bytes).unwrap();
            let back: Bytes = serde_json::from_str(&json).unwrap();
            assert_eq!(back, bytes, "{json}");
        }
    }

    #[test]
    fn msgpack_form_is_bin() {
        let bytes = Bytes(vec![1, 2, 3]);
        let packed = rmp_serde::to_vec(&bytes).unwrap();
        assert_eq!(packed, vec![0xc4, 3, 1, 2, 3]);
        let back: Bytes = rmp_serde::from_slice(&packed).unwrap();
        assert_eq!(back, bytes);
    }
}
