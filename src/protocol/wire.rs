//! Serde for stored events on the wire: an event crosses as `(session, seq, bytes)` where the
//! bytes are exactly what the store keeps (`store::encode_event`), so a client decodes it with
//! the store's own codec and unknown kinds survive the trip.

use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::event::Event;
use crate::ids::{Seq, SessionId};

#[derive(Serialize, Deserialize)]
struct WireEvent {
    session: SessionId,
    seq: Seq,
    #[serde(with = "serde_bytes")]
    bytes: Vec<u8>,
}

fn to_wire(event: &Event) -> Result<WireEvent, crate::store::EncodeError> {
    Ok(WireEvent {
        session: event.session,
        seq: event.seq,
        bytes: crate::store::encode_event(event.at, &event.kind)?,
    })
}

fn from_wire(wire: WireEvent) -> Result<Event, crate::store::DecodeError> {
    crate::store::decode_event(wire.session, wire.seq, &wire.bytes)
}

/// `#[serde(with = "wire::event")]` for one [`Event`].
pub mod event {
    use super::*;

    pub fn serialize<S: Serializer>(event: &Event, s: S) -> Result<S::Ok, S::Error> {
        to_wire(event).map_err(S::Error::custom)?.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Event, D::Error> {
        from_wire(WireEvent::deserialize(d)?).map_err(D::Error::custom)
    }
}

/// `#[serde(with = "wire::events")]` for `(event, inherited)` pairs.
pub mod events {
    use super::*;

    pub fn serialize<S: Serializer>(events: &[(Event, bool)], s: S) -> Result<S::Ok, S::Error> {
        let wire = events
            .iter()
            .map(|(event, inherited)| to_wire(event).map(|w| (w, *inherited)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(S::Error::custom)?;
        wire.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(Event, bool)>, D::Error> {
        Vec::<(WireEvent, bool)>::deserialize(d)?
            .into_iter()
            .map(|(wire, inherited)| from_wire(wire).map(|e| (e, inherited)))
            .collect::<Result<_, _>>()
            .map_err(D::Error::custom)
    }
}
