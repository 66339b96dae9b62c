//! The one event every parser produces, whatever the log format.
//!
//! Its fields are those of the event table in DESIGN.md. Every later part of vigil (index, archive,
//! checks, report) reads events of this type and nothing else. The vocabulary of `category` and
//! `action` lives in [`crate::vocab`].

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Index};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::value::FieldValue as Value;

use crate::context::ParseContext;
use crate::line::RawLine;

/// What kind of thing happened: the coarse class the checks and the report group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Login,
    Admin,
    DataEdit,
    DataRead,
    DataExport,
    Permission,
    Account,
    Backup,
    Release,
    Config,
    System,
    Other,
}

impl Category {
    pub const ALL: [Category; 12] = [
        Category::Login,
        Category::Admin,
        Category::DataEdit,
        Category::DataRead,
        Category::DataExport,
        Category::Permission,
        Category::Account,
        Category::Backup,
        Category::Release,
        Category::Config,
        Category::System,
        Category::Other,
    ];

    /// The category's name in a report in Chinese.
    pub fn chinese_name(self) -> &'static str {
        match self {
            Category::Login => "登录",
            Category::Admin => "管理员操作",
            Category::DataEdit => "数据修改",
            Category::DataRead => "数据查看",
            Category::DataExport => "数据导出",
            Category::Permission => "权限",
            Category::Account => "账号",
            Category::Backup => "备份",
            Category::Release => "发布",
            Category::Config => "配置",
            Category::System => "系统",
            Category::Other => "其他",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Login => "login",
            Category::Admin => "admin",
            Category::DataEdit => "data_edit",
            Category::DataRead => "data_read",
            Category::DataExport => "data_export",
            Category::Permission => "permission",
            Category::Account => "account",
            Category::Backup => "backup",
            Category::Release => "release",
            Category::Config => "config",
            Category::System => "system",
            Category::Other => "other",
        }
    }

    /// The category named `s` (as written by [`Category::as_str`]), if any.
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the action succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
    #[default]
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Unknown => "unknown",
        }
    }

    /// Reads the usual spellings of a result: success/ok/true/1/yes/passed and
    /// failure/failed/fail/error/denied/false/0/no. Anything else is unknown.
    pub fn from_word(s: &str) -> Outcome {
        let s = s.trim();
        const OK: [&str; 8] = [
            "success",
            "succeeded",
            "ok",
            "true",
            "1",
            "yes",
            "passed",
            "allowed",
        ];
        const KO: [&str; 10] = [
            "failure",
            "failed",
            "fail",
            "error",
            "denied",
            "false",
            "0",
            "no",
            "rejected",
            "forbidden",
        ];
        if OK.iter().any(|w| s.eq_ignore_ascii_case(w)) {
            Outcome::Success
        } else if KO.iter().any(|w| s.eq_ignore_ascii_case(w)) {
            Outcome::Failure
        } else {
            Outcome::Unknown
        }
    }
}

/// The role of the actor, where the line itself says it (policy adds more later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorRole {
    Admin,
    Operator,
    User,
    Outsourced,
    Service,
}

impl ActorRole {
    pub fn parse(s: &str) -> Option<ActorRole> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" | "administrator" | "root" | "superuser" | "dba" => Some(ActorRole::Admin),
            "operator" | "ops" => Some(ActorRole::Operator),
            "user" => Some(ActorRole::User),
            "outsourced" | "contractor" | "vendor" => Some(ActorRole::Outsourced),
            "service" | "system" => Some(ActorRole::Service),
            _ => None,
        }
    }
}

/// Something a reader of the event should know about how it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// The line had no year; it was chosen by the context's year resolver.
    YearInferred,
    /// The line had no zone (or only an abbreviation); it was read in the source's zone.
    ZoneFromSource,
    /// The bytes were not valid UTF-8 and were decoded lossily (U+FFFD replaces bad bytes).
    InvalidUtf8,
    /// The bytes were decoded as GB18030, as the source is configured.
    Gb18030,
    /// A multi-record event was emitted before it was complete (end of input or too many open).
    Incomplete,
    /// The message was longer than the bound it was read under: the event holds its first part
    /// (`fields.original_length` gives the whole length in bytes).
    Truncated,
}

impl Flag {
    /// Every flag, in order.
    pub const ALL: [Flag; 6] = [
        Flag::YearInferred,
        Flag::ZoneFromSource,
        Flag::InvalidUtf8,
        Flag::Gb18030,
        Flag::Incomplete,
        Flag::Truncated,
    ];

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The [`Flag`]s of an event: a set kept as bits, so that it costs no allocation and is copied
/// freely. It iterates, and serializes as a JSON array, in the order of [`Flag::ALL`] (the
/// sorted order the vector it replaces was kept in).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FlagSet(u8);

impl FlagSet {
    pub const fn new() -> FlagSet {
        FlagSet(0)
    }

    /// Adds `flag` (once: a set holds a flag or not).
    pub fn insert(&mut self, flag: Flag) {
        self.0 |= flag.bit();
    }

    /// Adds `flag`, as [`FlagSet::insert`] (for code written for a vector).
    pub fn push(&mut self, flag: Flag) {
        self.insert(flag);
    }

    pub fn remove(&mut self, flag: Flag) {
        self.0 &= !flag.bit();
    }

    pub fn contains(&self, flag: &Flag) -> bool {
        self.0 & flag.bit() != 0
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    pub fn len(&self) -> usize {
        self.0.count_ones() as usize
    }

    /// The flags in order.
    pub fn iter(&self) -> FlagIter {
        FlagIter(self.0)
    }

    /// The flags in order, as a vector.
    pub fn to_vec(&self) -> Vec<Flag> {
        self.iter().collect()
    }
}

impl fmt::Debug for FlagSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl FromIterator<Flag> for FlagSet {
    fn from_iter<I: IntoIterator<Item = Flag>>(iter: I) -> FlagSet {
        let mut s = FlagSet::new();
        s.extend(iter);
        s
    }
}

impl Extend<Flag> for FlagSet {
    fn extend<I: IntoIterator<Item = Flag>>(&mut self, iter: I) {
        for f in iter {
            self.insert(f);
        }
    }
}

/// The flags of a [`FlagSet`], in order.
#[derive(Debug, Clone)]
pub struct FlagIter(u8);

impl Iterator for FlagIter {
    type Item = Flag;

    fn next(&mut self) -> Option<Flag> {
        let flag = *Flag::ALL.get(self.0.trailing_zeros() as usize)?;
        self.0 &= self.0 - 1;
        Some(flag)
    }
}

impl IntoIterator for FlagSet {
    type Item = Flag;
    type IntoIter = FlagIter;

    fn into_iter(self) -> FlagIter {
        self.iter()
    }
}

impl IntoIterator for &FlagSet {
    type Item = Flag;
    type IntoIter = FlagIter;

    fn into_iter(self) -> FlagIter {
        self.iter()
    }
}

/// A set equals the vector of its flags in order (as tests write them).
impl PartialEq<Vec<Flag>> for FlagSet {
    fn eq(&self, other: &Vec<Flag>) -> bool {
        self.iter().eq(other.iter().copied())
    }
}

impl<const N: usize> PartialEq<[Flag; N]> for FlagSet {
    fn eq(&self, other: &[Flag; N]) -> bool {
        self.iter().eq(other.iter().copied())
    }
}

impl Serialize for FlagSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for FlagSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FlagSet, D::Error> {
        Ok(Vec::<Flag>::deserialize(d)?.into_iter().collect())
    }
}

/// An event's id: the text of [`Event::make_id`] (28 hex digits, more past 256 TiB), kept in
/// place of a `String` so that making one allocates nothing and copying one is a copy of bytes.
/// It reads as a `str` (`Deref`, `as_str`), prints and serializes as that text, and compares and
/// orders as it.
///
/// It holds at most [`EventId::MAX_LEN`] bytes, which every id `make_id` writes fits in; a
/// longer text given to `From` is cut at that length (on a character boundary), and
/// deserializing one is an error.
#[derive(Clone, Copy)]
pub struct EventId {
    len: u8,
    bytes: [u8; EventId::MAX_LEN],
}

impl EventId {
    /// The longest id held: 16 hex digits of fingerprint and 16 of offset.
    pub const MAX_LEN: usize = 32;

    /// The id of the event whose first line starts at `offset` in the file whose fingerprint is
    /// `file_id`: see [`Event::make_id`].
    pub fn new(file_id: u64, offset: u64) -> EventId {
        // 12 digits of offset, more past 256 TiB.
        let digits = (16 - (offset.leading_zeros() as usize) / 4).max(12);
        // The offset's last `digits` digits moved to the front of its 16 bytes, zeros after
        // them: a shift, not a copy of a variable length onto zeroed bytes.
        let tail = u128::from_be_bytes(hex16(offset)) << (8 * (16 - digits));
        let mut bytes = [0u8; EventId::MAX_LEN];
        let (head, rest) = bytes.split_at_mut(16);
        head.copy_from_slice(&hex16(file_id));
        rest.copy_from_slice(&tail.to_be_bytes());
        EventId {
            len: (16 + digits) as u8,
            bytes,
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Every constructor stores a whole UTF-8 text (`From` cuts on a character boundary).
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }

    /// `s` as an id, or `None` when it is longer than [`EventId::MAX_LEN`] bytes.
    pub fn try_from_str(s: &str) -> Option<EventId> {
        if s.len() > EventId::MAX_LEN {
            return None;
        }
        let mut bytes = [0u8; EventId::MAX_LEN];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        Some(EventId {
            len: s.len() as u8,
            bytes,
        })
    }
}

/// The 16 lower-case hex digits of `x`, without a loop: each nibble is spread to a byte of a
/// `u128`, then turned into its digit.
fn hex16(x: u64) -> [u8; 16] {
    let mut v = u128::from(x);
    v = ((v & 0xffff_ffff_0000_0000) << 32) | (v & 0xffff_ffff);
    v = ((v & 0x0000_0000_ffff_0000_0000_0000_ffff_0000) << 16)
        | (v & 0x0000_0000_0000_ffff_0000_0000_0000_ffff);
    v = ((v & 0x0000_ff00_0000_ff00_0000_ff00_0000_ff00) << 8)
        | (v & 0x0000_00ff_0000_00ff_0000_00ff_0000_00ff);
    v = ((v & 0x00f0_00f0_00f0_00f0_00f0_00f0_00f0_00f0) << 4)
        | (v & 0x000f_000f_000f_000f_000f_000f_000f_000f);
    // Each byte holds a nibble n: '0' + n, plus 'a' - '0' - 10 where n > 9.
    let above9 = ((v + 0x0606_0606_0606_0606_0606_0606_0606_0606) >> 4)
        & 0x0101_0101_0101_0101_0101_0101_0101_0101;
    (v + 0x3030_3030_3030_3030_3030_3030_3030_3030 + above9 * 0x27).to_be_bytes()
}

impl From<&str> for EventId {
    /// `s` as an id, cut to [`EventId::MAX_LEN`] bytes (on a character boundary) if longer.
    fn from(s: &str) -> EventId {
        let mut end = s.len().min(EventId::MAX_LEN);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        EventId::try_from_str(&s[..end]).unwrap_or(EventId {
            len: 0,
            bytes: [0; EventId::MAX_LEN],
        })
    }
}

impl From<String> for EventId {
    fn from(s: String) -> EventId {
        EventId::from(s.as_str())
    }
}

impl From<EventId> for String {
    fn from(id: EventId) -> String {
        id.as_str().to_string()
    }
}

impl Deref for EventId {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for EventId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for EventId {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for EventId {
    fn eq(&self, other: &EventId) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for EventId {}

impl PartialOrd for EventId {
    fn partial_cmp(&self, other: &EventId) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for EventId {
    fn cmp(&self, other: &EventId) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for EventId {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.as_str().hash(h);
    }
}

impl PartialEq<str> for EventId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for EventId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for EventId {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<EventId> for &str {
    fn eq(&self, other: &EventId) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<EventId> for String {
    fn eq(&self, other: &EventId) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Serialize for EventId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<EventId, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        EventId::try_from_str(&s).ok_or_else(|| {
            serde::de::Error::custom(format_args!(
                "an event id of at most {} bytes, found {}",
                EventId::MAX_LEN,
                s.len()
            ))
        })
    }
}

/// An immutable string shared by the events that hold the same text (a source's name, a host,
/// a file's path): cloning one is a reference count, not a copy. It reads as a `str` (`Deref`,
/// `as_str`), compares with strings, and serializes as the text.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SharedStr(Arc<str>);

impl SharedStr {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for SharedStr {
    fn default() -> SharedStr {
        SharedStr::from("")
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> SharedStr {
        SharedStr(Arc::from(s))
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> SharedStr {
        SharedStr(Arc::from(s))
    }
}

impl From<Arc<str>> for SharedStr {
    fn from(s: Arc<str>) -> SharedStr {
        SharedStr(s)
    }
}

impl From<SharedStr> for String {
    fn from(s: SharedStr) -> String {
        s.as_str().to_string()
    }
}

impl Deref for SharedStr {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<std::path::Path> for SharedStr {
    fn as_ref(&self) -> &std::path::Path {
        std::path::Path::new(self.as_str())
    }
}

impl std::borrow::Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        *self.0 == *other.as_str()
    }
}

impl PartialEq<SharedStr> for &str {
    fn eq(&self, other: &SharedStr) -> bool {
        **self == *other.0
    }
}

impl PartialEq<SharedStr> for String {
    fn eq(&self, other: &SharedStr) -> bool {
        *self.as_str() == *other.0
    }
}

impl Serialize for SharedStr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SharedStr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SharedStr, D::Error> {
        Ok(SharedStr::from(Cow::<'de, str>::deserialize(d)?.as_ref()))
    }
}

/// Where an event came from: the chain of custody back to the bytes on disk.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Origin {
    /// Shared by the events of a file (see [`ParseContext::shared_path`]).
    pub path: SharedStr,
    /// Byte offset of the event's first line in the file.
    pub offset: u64,
    /// 1-based line number of the event's first line.
    pub line: u64,
}

/// The `fields` of an event: a small map from names to JSON values ([`crate::value::FieldValue`]:
/// short strings inline), kept sorted by name.
///
/// Events carry a handful of fields each and millions of events are made: a sorted vector
/// (binary search, one allocation) costs a fraction of a `BTreeMap` (a node per few entries, and
/// a walk on drop), and names that are constants (`Cow::Borrowed`) cost no allocation at all.
/// It serializes as a JSON object with its keys in order, like the `BTreeMap` it replaces.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(Vec<(Cow<'static, str>, Value)>);

impl Fields {
    pub fn new() -> Fields {
        Fields(Vec::new())
    }

    /// Fields from a vector already sorted by name, without a repeated name.
    pub(crate) fn from_sorted(v: Vec<(Cow<'static, str>, Value)>) -> Fields {
        debug_assert!(v.windows(2).all(|w| w[0].0 < w[1].0));
        Fields(v)
    }

    /// Room for `n` fields before the first reallocation.
    pub fn with_capacity(n: usize) -> Fields {
        Fields(Vec::with_capacity(n))
    }

    /// Where `key` is, or where it would go. Names mostly differ in their first byte: it is
    /// compared before the whole names are (byte by byte, see [`cmp_names`]).
    #[inline]
    fn position(&self, key: &str) -> Result<usize, usize> {
        let key = key.as_bytes();
        let first = key.first().copied();
        let (mut lo, mut hi) = (0, self.0.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let k = self.0[mid].0.as_bytes();
            let order = match k.first().copied().cmp(&first) {
                Ordering::Equal => cmp_names(k, key),
                o => o,
            };
            match order {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    /// Sets `key` to `value`, returning the value it replaced.
    pub fn insert(
        &mut self,
        key: impl Into<Cow<'static, str>>,
        value: impl Into<Value>,
    ) -> Option<Value> {
        self.insert_cow(key.into(), value.into())
    }

    fn insert_cow(&mut self, key: Cow<'static, str>, value: Value) -> Option<Value> {
        match self.position(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.position(key).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.position(key).ok().map(|i| &mut self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.position(key).ok().map(|i| self.0.remove(i).1)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_ref())
    }
}

/// The order of two field names (that of `[u8]`), compared byte by byte in place: names are a
/// few bytes long, and differ early, where a call to `memcmp` costs more than the comparison.
#[inline]
fn cmp_names(a: &[u8], b: &[u8]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

impl Index<&str> for Fields {
    type Output = Value;

    /// The value of `key`; panics if there is none (as `BTreeMap` does), for tests.
    fn index(&self, key: &str) -> &Value {
        match self.get(key) {
            Some(v) => v,
            None => panic!("no field {key:?}"),
        }
    }
}

impl<K: Into<Cow<'static, str>>, V: Into<Value>> FromIterator<(K, V)> for Fields {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Fields {
        let mut f = Fields::new();
        f.extend(iter);
        f
    }
}

impl<K: Into<Cow<'static, str>>, V: Into<Value>> Extend<(K, V)> for Fields {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl IntoIterator for Fields {
    type Item = (Cow<'static, str>, Value);
    type IntoIter = std::vec::IntoIter<(Cow<'static, str>, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Serialize for Fields {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k.as_ref(), v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Fields, D::Error> {
        let m = BTreeMap::<String, Value>::deserialize(d)?;
        Ok(Fields(
            m.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect(),
        ))
    }
}

/// One normalised event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Stable hex id derived from the file identity and the byte offset: see [`Event::make_id`].
    pub id: EventId,
    /// When it happened, UTC.
    pub ts: DateTime<Utc>,
    /// Shared with the context's (or a cached) host where the same (see
    /// [`ParseContext::shared_host`]).
    pub host: SharedStr,
    /// The context's source name, shared.
    pub source: SharedStr,
    /// The format's name (a constant for built-in formats: no allocation per event).
    pub format: Cow<'static, str>,
    pub category: Category,
    /// Dotted verb from [`crate::vocab`] (a constant for vocabulary actions).
    pub action: Cow<'static, str>,
    pub outcome: Outcome,
    pub actor: Option<String>,
    pub actor_role: Option<ActorRole>,
    pub src_ip: Option<String>,
    pub target: Option<String>,
    pub ticket: Option<String>,
    /// Human text, full-text searchable.
    pub message: String,
    /// The original line(s), verbatim (decoded to text).
    pub raw: String,
    /// Everything else the parser found (a JSON object, keys in order).
    pub fields: Fields,
    #[serde(default, skip_serializing_if = "FlagSet::is_empty")]
    pub flags: FlagSet,
    pub origin: Origin,
}

impl Event {
    /// The id of the event whose first line starts at `offset` in the file whose fingerprint is
    /// `file_id`: 16 hex digits of fingerprint, 12 of offset. Re-reading the same bytes gives the
    /// same id, and the id says where to look.
    pub fn make_id(file_id: u64, offset: u64) -> EventId {
        EventId::new(file_id, offset)
    }

    /// A new event for `line`, read under `ctx`, with the category of `action` taken from the
    /// vocabulary (or `Other`). Parsers fill in the rest.
    pub fn new(
        ctx: &ParseContext,
        line: &RawLine<'_>,
        format: impl Into<Cow<'static, str>>,
        ts: DateTime<Utc>,
        action: impl Into<Cow<'static, str>>,
        raw: String,
    ) -> Event {
        // Most parsers set a handful of fields: one allocation instead of growing 4, 8.
        Event::with_fields(ctx, line, format, ts, action, raw, Fields::with_capacity(6))
    }

    /// [`Event::new`] with its `fields` already gathered. Inlined: a caller that pushes the
    /// event builds it in place of a copy.
    #[inline]
    pub fn with_fields(
        ctx: &ParseContext,
        line: &RawLine<'_>,
        format: impl Into<Cow<'static, str>>,
        ts: DateTime<Utc>,
        action: impl Into<Cow<'static, str>>,
        raw: String,
        fields: Fields,
    ) -> Event {
        let action = action.into();
        let category = crate::vocab::category_of(&action).unwrap_or(Category::Other);
        Event {
            id: Event::make_id(line.file_id, line.offset),
            ts,
            host: ctx.host.clone(),
            source: ctx.source.clone(),
            format: format.into(),
            category,
            action,
            outcome: Outcome::Unknown,
            actor: None,
            actor_role: None,
            src_ip: None,
            target: None,
            ticket: None,
            message: String::new(),
            raw,
            fields,
            flags: FlagSet::new(),
            origin: Origin {
                path: ctx.shared_path(line.path),
                offset: line.offset,
                line: line.line,
            },
        }
    }

    /// Sets `action` and the category the vocabulary gives it.
    pub fn set_action(&mut self, action: impl Into<Cow<'static, str>>) {
        self.action = action.into();
        self.category = crate::vocab::category_of(&self.action).unwrap_or(Category::Other);
    }

    /// Adds a flag once.
    pub fn flag(&mut self, flag: Flag) {
        self.flags.insert(flag);
    }

    /// Stores `value` under `key` in `fields`.
    pub fn field(&mut self, key: impl Into<Cow<'static, str>>, value: impl Into<Value>) {
        self.fields.insert(key, value.into());
    }
}

#[cfg(test)]
mod tests {
    use super::Event;

    #[test]
    fn fields_stay_sorted_and_serialize_as_an_object() {
        let mut f = super::Fields::new();
        f.insert("pid", 7);
        f.insert(String::from("actor_name"), "张三");
        f.insert("zone", "x");
        assert_eq!(f.insert("pid", 8), Some(7.into()));
        assert_eq!(f.keys().collect::<Vec<_>>(), ["actor_name", "pid", "zone"]);
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(json, r#"{"actor_name":"张三","pid":8,"zone":"x"}"#);
        let back: super::Fields = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
        assert_eq!(f.remove("pid"), Some(8.into()));
        assert!(!f.contains_key("pid") && f.len() == 2);
    }

    #[test]
    fn ids_are_fingerprint_then_offset() {
        assert_eq!(Event::make_id(0xabc, 0x1f), "0000000000000abc00000000001f");
        assert_eq!(
            Event::make_id(u64::MAX, (1 << 48) - 1),
            "ffffffffffffffffffffffffffff"
        );
        assert_eq!(Event::make_id(1, 1 << 48), "00000000000000011000000000000");
        assert_eq!(
            Event::make_id(2, u64::MAX),
            "0000000000000002ffffffffffffffff"
        );
        for offset in [
            0,
            1,
            0xfff_ffff_ffff,
            1 << 48,
            1 << 52,
            0x1234_5678_9abc_def0,
        ] {
            assert_eq!(
                Event::make_id(0xfeed, offset).as_str(),
                format!("{:016x}{offset:012x}", 0xfeed)
            );
        }
    }

    #[test]
    fn ids_read_compare_and_serialize_as_their_text() {
        let id = Event::make_id(0xabc, 0x1f);
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            r#""0000000000000abc00000000001f""#
        );
        let back: super::EventId =
            serde_json::from_str(r#""0000000000000abc00000000001f""#).unwrap();
        assert_eq!(back, id);
        assert_eq!(id.to_string(), id.as_str());
        assert!(super::EventId::from("a") < super::EventId::from("b"));
        assert!(super::EventId::from("0") < super::EventId::from("00"));
        // A text longer than any id is cut when converted, refused when deserialized.
        let long = "档".repeat(20);
        assert_eq!(super::EventId::from(long.as_str()).len(), 30);
        assert!(serde_json::from_str::<super::EventId>(&format!("{long:?}")).is_err());
    }

    #[test]
    fn flag_sets_iterate_and_serialize_in_order() {
        use super::{Flag, FlagSet};
        let mut f = FlagSet::new();
        f.insert(Flag::ZoneFromSource);
        f.insert(Flag::YearInferred);
        f.insert(Flag::ZoneFromSource);
        assert_eq!(f, vec![Flag::YearInferred, Flag::ZoneFromSource]);
        assert_eq!(f.len(), 2);
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(json, r#"["year_inferred","zone_from_source"]"#);
        assert_eq!(serde_json::from_str::<FlagSet>(&json).unwrap(), f);
        assert!(f.contains(&Flag::YearInferred) && !f.contains(&Flag::Incomplete));
    }
}
