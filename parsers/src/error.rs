//! Why a line was rejected, and at which byte.
//!
//! A rejected line goes to the dead letter with this reason, so the text must tell a person
//! something they can act on: what was expected, what was found, where.

use thiserror::Error;

/// The reason a line (or a group of lines) could not become an event.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ErrorKind {
    #[error("empty line")]
    Empty,
    #[error("expected {0}")]
    Expected(&'static str),
    #[error("bad timestamp {0:?}")]
    BadTimestamp(String),
    #[error("time {time} does not exist in zone {zone}")]
    NonexistentTime { time: String, zone: String },
    #[error(
        "zone abbreviation {abbrev:?} is not used by the source's zone {zone} at that time; set the source's zone to the one the log was written in"
    )]
    ZoneMismatch { abbrev: String, zone: String },
    #[error("bad {what}: {value:?}")]
    BadValue { what: &'static str, value: String },
    #[error("not a {0} line")]
    NotThisFormat(&'static str),
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("{0}")]
    Other(String),
}

/// A rejection: the reason, and the byte offset within the line (or the joined record) where the
/// parser gave up.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{kind} at byte {at}")]
pub struct ParseError {
    pub kind: ErrorKind,
    pub at: usize,
}

impl ParseError {
    pub fn new(kind: ErrorKind, at: usize) -> ParseError {
        ParseError { kind, at }
    }

    /// `expected WHAT` at the byte where `rest` starts within `whole`.
    pub fn expected(what: &'static str, whole: &str, rest: &str) -> ParseError {
        ParseError::new(ErrorKind::Expected(what), offset_in(whole, rest))
    }

    /// A class of [`ParseError::class`] in a report in Chinese; another as given.
    pub fn chinese_class(class: &str) -> &str {
        match class {
            "empty" => "空行",
            "syntax" => "格式不符",
            "bad_timestamp" => "时间无法识别",
            "nonexistent_time" => "时间不存在（夏令时）",
            "zone_mismatch" => "时区不符",
            "bad_value" => "字段值错误",
            "wrong_format" => "非本格式的行",
            "json" => "JSON 无效",
            "other" => "其他",
            c => c,
        }
    }

    /// A short machine-friendly class of the reason, for counting dead letters by reason.
    pub fn class(&self) -> &'static str {
        match self.kind {
            ErrorKind::Empty => "empty",
            ErrorKind::Expected(_) => "syntax",
            ErrorKind::BadTimestamp(_) => "bad_timestamp",
            ErrorKind::NonexistentTime { .. } => "nonexistent_time",
            ErrorKind::ZoneMismatch { .. } => "zone_mismatch",
            ErrorKind::BadValue { .. } => "bad_value",
            ErrorKind::NotThisFormat(_) => "wrong_format",
            ErrorKind::Json(_) => "json",
            ErrorKind::Other(_) => "other",
        }
    }
}

/// The byte offset of `rest` inside `whole`, where `rest` is a suffix (or sub-slice) of `whole`.
/// Falls back to the difference in lengths when `rest` is not a sub-slice.
pub fn offset_in(whole: &str, rest: &str) -> usize {
    let w = whole.as_ptr() as usize;
    let r = rest.as_ptr() as usize;
    if r >= w && r <= w + whole.len() {
        r - w
    } else {
        whole.len().saturating_sub(rest.len())
    }
}

/// A line that no parser accepted, with everything the dead letter needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub path: String,
    pub offset: u64,
    pub line: u64,
    /// The line(s) as read, decoded to text.
    pub raw: String,
    pub error: ParseError,
}
