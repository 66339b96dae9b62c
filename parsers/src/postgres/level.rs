//! PostgreSQL message levels (`LOG:  `, `ERROR:  `, `DETAIL:  `...), as written after the
//! prefix, in English or in the Chinese of `lc_messages = 'zh_CN'`.

use nom::Parser;
use nom::bytes::complete::take_while1;
use nom::character::complete::{char, space0};

/// The level of one line of a PostgreSQL message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Debug(u8),
    Info,
    Notice,
    Warning,
    Log,
    Error,
    Fatal,
    Panic,
    Detail,
    Hint,
    Context,
    Statement,
    Location,
    Query,
}

impl Level {
    /// The English name, as PostgreSQL writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug(1) => "DEBUG1",
            Level::Debug(2) => "DEBUG2",
            Level::Debug(3) => "DEBUG3",
            Level::Debug(4) => "DEBUG4",
            Level::Debug(_) => "DEBUG5",
            Level::Info => "INFO",
            Level::Notice => "NOTICE",
            Level::Warning => "WARNING",
            Level::Log => "LOG",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
            Level::Panic => "PANIC",
            Level::Detail => "DETAIL",
            Level::Hint => "HINT",
            Level::Context => "CONTEXT",
            Level::Statement => "STATEMENT",
            Level::Location => "LOCATION",
            Level::Query => "QUERY",
        }
    }

    /// Whether this line belongs to the message before it (DETAIL, HINT, CONTEXT, STATEMENT,
    /// LOCATION, QUERY) rather than starting a message of its own.
    pub fn is_part(self) -> bool {
        matches!(
            self,
            Level::Detail
                | Level::Hint
                | Level::Context
                | Level::Statement
                | Level::Location
                | Level::Query
        )
    }

    /// ERROR, FATAL and PANIC: the message reports a failure.
    pub fn is_failure(self) -> bool {
        matches!(self, Level::Error | Level::Fatal | Level::Panic)
    }

    /// The level named `w` (English, or the zh_CN translation), if any.
    pub fn from_word(w: &str) -> Option<Level> {
        Some(match w {
            "LOG" | "日志" => Level::Log,
            "ERROR" | "错误" => Level::Error,
            "FATAL" | "致命错误" => Level::Fatal,
            "PANIC" | "比致命错误还过分的错误" => Level::Panic,
            "WARNING" | "警告" => Level::Warning,
            "NOTICE" | "注意" => Level::Notice,
            "INFO" | "信息" => Level::Info,
            "DEBUG" | "调试" => Level::Debug(1),
            "DEBUG1" => Level::Debug(1),
            "DEBUG2" => Level::Debug(2),
            "DEBUG3" => Level::Debug(3),
            "DEBUG4" => Level::Debug(4),
            "DEBUG5" => Level::Debug(5),
            "DETAIL" | "详细信息" => Level::Detail,
            "HINT" | "提示" => Level::Hint,
            "CONTEXT" | "上下文" => Level::Context,
            "STATEMENT" | "语句" => Level::Statement,
            "LOCATION" | "位置" => Level::Location,
            "QUERY" | "查询" => Level::Query,
            _ => return None,
        })
    }
}

fn level_char(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || !c.is_ascii()
}

/// `LEVEL:  message` at the start of `s`: the level and the message. PostgreSQL writes two
/// blanks after the colon; one (or none, for an empty message) is accepted.
pub fn parse_level(s: &str) -> Option<(Level, &str)> {
    // An ASCII word up to a colon (every level but the translated ones): what the grammar below
    // reads, read by bytes.
    let b = s.as_bytes();
    let n = b
        .iter()
        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        .count();
    match b.get(n) {
        Some(b':') if n > 0 => {
            let after = &s[n + 1..];
            let blanks = after
                .bytes()
                .take_while(|c| *c == b' ' || *c == b'\t')
                .count();
            let msg = &after[blanks..];
            if blanks == 0 && !msg.is_empty() {
                None
            } else {
                Level::from_word(&s[..n]).map(|l| (l, msg))
            }
        }
        // A character outside ASCII may be part of a translated level word.
        Some(c) if !c.is_ascii() => level_by_grammar(s),
        _ => None,
    }
}

/// [`parse_level`] by its grammar, for any word.
fn level_by_grammar(s: &str) -> Option<(Level, &str)> {
    let r: nom::IResult<&str, (&str, char, &str)> =
        (take_while1(level_char), char(':'), space0).parse(s);
    let (msg, (word, _, blanks)) = r.ok()?;
    if blanks.is_empty() && !msg.is_empty() {
        return None;
    }
    Level::from_word(word).map(|l| (l, msg))
}

/// The byte where a `LEVEL:  ` starts in `s` (the first one), if any.
pub fn find_level(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(p) = crate::atoms::find_bytes(&b[from..], b":  ") {
        let colon = from + p;
        // Walk back over the level word.
        let start = s[..colon]
            .char_indices()
            .rev()
            .take_while(|(_, c)| level_char(*c))
            .last()
            .map(|(i, _)| i);
        if let Some(start) = start
            && Level::from_word(&s[start..colon]).is_some()
            && (start == 0 || b[start - 1] == b' ')
        {
            return Some(start);
        }
        from = colon + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_reading_of_levels_agrees_with_the_grammar() {
        for s in [
            "LOG:  x",
            "LOG: x",
            "LOG:x",
            "LOG:",
            "LOG:\t x",
            "ERROR:  42P01: y",
            "DEBUG3:  z",
            "LOG",
            "LOG x",
            "log:  x",
            ":  x",
            "",
            "日志:  x",
            "LOG日志:  x",
            "LOGX:  x",
            "A1:  b",
        ] {
            assert_eq!(parse_level(s), level_by_grammar(s), "{s:?}");
        }
    }

    #[test]
    fn levels() {
        assert_eq!(parse_level("LOG:  x"), Some((Level::Log, "x")));
        assert_eq!(parse_level("DEBUG3:  x"), Some((Level::Debug(3), "x")));
        assert_eq!(
            parse_level("错误:  关系不存在"),
            Some((Level::Error, "关系不存在"))
        );
        assert_eq!(parse_level("FOO:  x"), None);
        assert_eq!(parse_level("LOG:x"), None);
        assert_eq!(find_level("a b LOG:  x"), Some(4));
        assert_eq!(find_level("xLOG:  x"), None);
        assert_eq!(find_level("user=x:  y LOG:  z"), Some(11));
    }
}
