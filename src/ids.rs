//! Identifier and coordinate newtypes shared across modules.
//!
//! Sessions are named by UUIDv7 (time-ordered, so "newest first" is a reverse key scan) and
//! stored as `u128` so one session's events stay contiguous under a `(u128, u64)` redb key.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// A session's identity: a UUIDv7, displayed hyphenated.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(pub u128);

impl SessionId {
    /// A fresh, time-ordered id.
    pub fn new() -> Self {
        Self(uuid::Uuid::now_v7().as_u128())
    }

    /// The id as a `uuid::Uuid`, for display.
    pub fn uuid(self) -> uuid::Uuid {
        uuid::Uuid::from_u128(self.0)
    }

    /// The first 13 characters of the hyphenated form: the 48-bit millisecond timestamp of a
    /// UUIDv7. Two sessions created in the same millisecond share it, so lists use
    /// [`ShortIds`] (the shortest prefix unique in the store) instead; this stays for a
    /// one-off mention where no list of ids is at hand.
    pub fn short(self) -> String {
        self.to_string().chars().take(13).collect()
    }

    /// The hyphenated form cut after `digits` hex digits (hyphens between them kept), so the
    /// result is a valid prefix for `sessions show`.
    pub fn prefix(self, digits: usize) -> String {
        let mut seen = 0;
        self.to_string()
            .chars()
            .take_while(|c| {
                if seen >= digits {
                    return false;
                }
                if *c != '-' {
                    seen += 1;
                }
                true
            })
            .collect()
    }
}

/// The fewest hex digits a short id shows, as git does for abbreviated hashes: short enough
/// to type, long enough to stay unique as a store grows (the first 8 digits of a UUIDv7 change
/// every ~65 seconds).
pub const SHORT_ID_MIN_DIGITS: usize = 8;

/// Short forms of a set of session ids: each id's shortest prefix that no other id in the set
/// shares (git's abbreviated hashes), at least [`SHORT_ID_MIN_DIGITS`] hex digits. Sessions
/// created in the same millisecond share the whole 12-digit timestamp, so theirs are longer.
#[derive(Debug, Clone, Default)]
pub struct ShortIds {
    digits: std::collections::HashMap<SessionId, usize>,
}

impl ShortIds {
    /// Computes the short forms of `ids` (any order, duplicates ignored).
    pub fn new(ids: impl IntoIterator<Item = SessionId>) -> Self {
        let mut sorted: Vec<SessionId> = ids.into_iter().collect();
        sorted.sort_unstable();
        sorted.dedup();
        // In sorted order the id sharing the longest prefix with any id is a neighbour.
        let shared = |a: SessionId, b: SessionId| ((a.0 ^ b.0).leading_zeros() / 4) as usize;
        let digits = sorted
            .iter()
            .enumerate()
            .map(|(i, &id)| {
                let before = i.checked_sub(1).map_or(0, |j| shared(sorted[j], id));
                let after = sorted.get(i + 1).map_or(0, |&next| shared(id, next));
                let needed = (before.max(after) + 1).clamp(SHORT_ID_MIN_DIGITS, 32);
                (id, needed)
            })
            .collect();
        Self { digits }
    }

    /// The short form of `id`; an id outside the set gets the minimum length.
    pub fn get(&self, id: SessionId) -> String {
        let digits = self.digits.get(&id).copied().unwrap_or(SHORT_ID_MIN_DIGITS);
        id.prefix(digits)
    }

    /// The widest short form, for aligning columns.
    pub fn width(&self) -> usize {
        self.digits
            .keys()
            .map(|&id| self.get(id).len())
            .max()
            .unwrap_or(SHORT_ID_MIN_DIGITS)
    }
}

impl Default for SessionId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.uuid().hyphenated(), f)
    }
}

/// A [`SessionId`] field that a human-readable format (JSON: exports, `--json`) shows
/// hyphenated, while the store's MessagePack keeps the `u128` (so stored events are
/// unchanged). JSON has no 128-bit numbers: a bare `SessionId` field failed to export.
pub mod session_id_text {
    use super::SessionId;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(id: &SessionId, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(id)
        } else {
            serializer.serialize_u128(id.0)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SessionId, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            uuid::Uuid::parse_str(&text)
                .map(|uuid| SessionId(uuid.as_u128()))
                .map_err(|_| serde::de::Error::custom(format!("not a session id: {text:?}")))
        } else {
            u128::deserialize(deserializer).map(SessionId)
        }
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({self})")
    }
}

/// A task's identity on the board: a random UUID (version 4), stored and sent as its
/// hyphenated text (task ids appear in JSON output and plan files, where a 128-bit number
/// does not survive). Random rather than time-ordered like a session's: the tasks of a plan
/// are made in the same millisecond, and their short forms must still differ (the board
/// keeps submission order itself).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u128);

impl TaskId {
    /// A fresh random id.
    pub fn new() -> Self {
        let random: u128 = rand::random();
        // Version 4 and the RFC 4122 variant, so it is a well-formed UUID.
        let versioned = (random & !(0xf << 76)) | (0x4 << 76);
        Self((versioned & !(0x3 << 62)) | (0x2 << 62))
    }

    /// The first 8 characters (32 random bits): enough to tell the tasks of one board apart
    /// in lists, and a prefix the task commands accept.
    pub fn short(self) -> String {
        self.to_string().chars().take(8).collect()
    }

    /// 12 hex digits (48 random bits), for names that must not collide: branches and
    /// worktree directories.
    pub fn name(self) -> String {
        format!("{:032x}", self.0)[..12].to_owned()
    }

    /// Parses a whole id (hyphenated or not).
    pub fn parse(text: &str) -> Option<Self> {
        uuid::Uuid::parse_str(text.trim())
            .ok()
            .map(|id| Self(id.as_u128()))
    }
}

impl Default for TaskId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&uuid::Uuid::from_u128(self.0).hyphenated(), f)
    }
}

impl fmt::Debug for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskId({self})")
    }
}

impl Serialize for TaskId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TaskId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a task id: {text:?}")))
    }
}

/// A prefix of a session id as typed by a user: hex digits, hyphens ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdPrefix {
    digits: String,
}

impl IdPrefix {
    /// Parses user text; `None` when it is empty or holds anything but hex digits and hyphens.
    pub fn parse(text: &str) -> Option<Self> {
        let digits: String = text
            .trim()
            .chars()
            .filter(|c| *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let valid = !digits.is_empty()
            && digits.len() <= 32
            && digits.chars().all(|c| c.is_ascii_hexdigit());
        valid.then_some(Self { digits })
    }

    /// The inclusive `u128` key range every id with this prefix falls in.
    pub fn key_range(&self) -> (u128, u128) {
        let free_bits = 4 * (32 - self.digits.len() as u32);
        let head = u128::from_str_radix(&self.digits, 16).unwrap_or(0);
        let low = head.checked_shl(free_bits).unwrap_or(0);
        let span = if free_bits == 128 {
            u128::MAX
        } else {
            (1u128 << free_bits) - 1
        };
        (low, low | span)
    }

    /// Whether the prefix is the whole id.
    pub fn is_full(&self) -> bool {
        self.digits.len() == 32
    }
}

impl fmt::Display for IdPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

/// A position in a session's event sequence. The first event of a session is seq 1; a fork's
/// events continue numbering after its cut, so every session reads as one unbroken sequence.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize, Debug,
)]
#[serde(transparent)]
pub struct Seq(pub u64);

impl Seq {
    pub const ZERO: Seq = Seq(0);

    pub fn next(self) -> Seq {
        Seq(self.0 + 1)
    }
}

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Wall-clock time in microseconds since the Unix epoch.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize, Debug,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn now() -> Self {
        let micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        Self(micros)
    }

    pub fn to_system_time(self) -> SystemTime {
        UNIX_EPOCH + Duration::from_micros(self.0.max(0) as u64)
    }

    /// RFC 3339 with microseconds, UTC: the form exports and JSON output use.
    pub fn rfc3339(self) -> String {
        humantime::format_rfc3339_micros(self.to_system_time()).to_string()
    }

    /// A short "how long ago" for lists: `12s`, `5m`, `3h`, `2d`.
    pub fn age(self, now: Timestamp) -> String {
        let secs = (now.0 - self.0).max(0) / 1_000_000;
        match secs {
            s if s < 60 => format!("{s}s"),
            s if s < 3600 => format!("{}m", s / 60),
            s if s < 86_400 => format!("{}h", s / 3600),
            s => format!("{}d", s / 86_400),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ranges_cover_exactly_their_ids() {
        let id = SessionId(0x0193_abcd_0000_7000_8000_0000_0000_0001);
        let text = id.to_string();
        for len in 1..=text.len() {
            let Some(prefix) = IdPrefix::parse(&text[..len]) else {
                continue;
            };
            let (lo, hi) = prefix.key_range();
            assert!(
                lo <= id.0 && id.0 <= hi,
                "prefix {} misses {id}",
                &text[..len]
            );
        }
        let prefix = IdPrefix::parse("0193ABCD").unwrap();
        assert_eq!(
            prefix.key_range(),
            (0x0193_abcd << 96, (0x0193_abcd << 96) | ((1u128 << 96) - 1))
        );
        assert!(IdPrefix::parse("").is_none());
        assert!(IdPrefix::parse("xyz").is_none());
        assert!(IdPrefix::parse("-").is_none());
        assert!(IdPrefix::parse(&"f".repeat(33)).is_none());
    }

    #[test]
    fn full_prefix_is_one_id() {
        let id = SessionId::new();
        let prefix = IdPrefix::parse(&id.to_string()).unwrap();
        assert!(prefix.is_full());
        assert_eq!(prefix.key_range(), (id.0, id.0));
    }

    #[test]
    fn session_id_fields_are_text_in_json_and_numbers_in_the_store() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Holder {
            #[serde(with = "super::session_id_text")]
            session: SessionId,
        }
        let holder = Holder {
            session: SessionId(u128::MAX - 7),
        };
        let json = serde_json::to_value(&holder).unwrap();
        assert_eq!(json["session"], holder.session.to_string());
        assert_eq!(serde_json::from_value::<Holder>(json).unwrap(), holder);
        let packed = rmp_serde::to_vec_named(&holder).unwrap();
        #[derive(serde::Deserialize)]
        struct Stored {
            session: u128,
        }
        let stored: Stored = rmp_serde::from_slice(&packed).unwrap();
        assert_eq!(stored.session, holder.session.0);
        assert_eq!(rmp_serde::from_slice::<Holder>(&packed).unwrap(), holder);
    }

    #[test]
    fn short_ids_are_the_shortest_unique_prefixes() {
        // Same millisecond (the first 12 digits), then the version digit, then the counter.
        let a = SessionId(0x0193_abcd_0001_7000_8000_0000_0000_0001);
        let b = SessionId(0x0193_abcd_0001_7001_8000_0000_0000_0001);
        // Another minute: unique within the minimum length.
        let c = SessionId(0x0194_0000_0000_7000_8000_0000_0000_0001);
        let short = ShortIds::new([c, b, a, a]);
        assert_eq!(short.get(a), "0193abcd-0001-7000");
        assert_eq!(short.get(b), "0193abcd-0001-7001");
        assert_eq!(short.get(c), "01940000");
        assert_eq!(short.width(), "0193abcd-0001-7000".len());
        for id in [a, b, c] {
            let prefix = IdPrefix::parse(&short.get(id)).unwrap();
            let (lo, hi) = prefix.key_range();
            let matching: Vec<_> = [a, b, c]
                .into_iter()
                .filter(|x| lo <= x.0 && x.0 <= hi)
                .collect();
            assert_eq!(matching, vec![id], "{} is not unique", short.get(id));
        }
        assert_eq!(ShortIds::new([a]).get(a), "0193abcd");
        assert_eq!(ShortIds::default().get(a), "0193abcd");
    }

    #[test]
    fn identical_but_for_the_last_digit_shows_the_whole_id() {
        let a = SessionId(0x10);
        let b = SessionId(0x11);
        let short = ShortIds::new([a, b]);
        assert_eq!(short.get(a), a.to_string());
        assert_eq!(short.get(b), b.to_string());
    }

    #[test]
    fn ages_are_compact() {
        let now = Timestamp(10_000_000_000);
        assert_eq!(Timestamp(now.0 - 5_000_000).age(now), "5s");
        assert_eq!(Timestamp(now.0 - 300_000_000).age(now), "5m");
        assert_eq!(Timestamp(now.0 - 7_200_000_000).age(now), "2h");
    }
}
