//! PostgreSQL's csvlog: one CSV record per message, quoted fields may span lines. The columns of
//! PostgreSQL 9.0 to 12 (23), 13 (24, `backend_type`) and 14 to 16 (26, `leader_pid` and
//! `query_id`) are read; 25 columns (13 with `leader_pid`) too.
//!
//! Also holds the CSV field reader shared with pgaudit.

use std::borrow::Cow;

/// Reads one CSV field at the start of `s`: the value (quotes removed, doubled quotes undone)
/// and the rest, which starts at the `,` after the field (or is empty, or, after a malformed
/// quoted field, starts at whatever followed its closing quote). `None` when a quoted field is
/// not closed.
pub(crate) fn read_field(s: &str) -> Option<(Cow<'_, str>, &str)> {
    let b = s.as_bytes();
    if b.first() != Some(&b'"') {
        // Unquoted fields are short (numbers, names): a plain loop beats a `memchr` call.
        let end = b.iter().position(|c| *c == b',').unwrap_or(b.len());
        return Some((Cow::Borrowed(&s[..end]), &s[end..]));
    }
    let mut i = 1;
    let mut owned: Option<String> = None;
    loop {
        let q = i + memchr::memchr(b'"', &b[i..])?;
        if b.get(q + 1) == Some(&b'"') {
            let o = owned.get_or_insert_with(String::new);
            o.push_str(&s[i..=q]);
            i = q + 2;
            continue;
        }
        let value = match owned {
            Some(mut o) => {
                o.push_str(&s[i..q]);
                Cow::Owned(o)
            }
            None => Cow::Borrowed(&s[i..q]),
        };
        return Some((value, &s[q + 1..]));
    }
}

/// Whether a CSV text ends inside a quoted field (an odd number of quotes: doubled quotes
/// inside a field come in pairs).
pub(crate) fn quote_open(s: &str) -> bool {
    memchr::memchr_iter(b'"', s.as_bytes()).count() % 2 == 1
}

/// Splits a complete CSV record into its fields. `Err(byte)` where a field is malformed.
pub(crate) fn split_record(s: &str) -> Result<Vec<Cow<'_, str>>, usize> {
    let mut out = Vec::with_capacity(26);
    let mut rest = s;
    loop {
        let at = s.len() - rest.len();
        let (f, r) = read_field(rest).ok_or(at)?;
        out.push(f);
        if r.is_empty() {
            return Ok(out);
        }
        rest = r.strip_prefix(',').ok_or(s.len() - r.len())?;
    }
}

/// The csvlog columns, by position.
pub mod col {
    pub const LOG_TIME: usize = 0;
    pub const USER_NAME: usize = 1;
    pub const DATABASE_NAME: usize = 2;
    pub const PROCESS_ID: usize = 3;
    pub const CONNECTION_FROM: usize = 4;
    pub const SESSION_ID: usize = 5;
    pub const SESSION_LINE_NUM: usize = 6;
    pub const COMMAND_TAG: usize = 7;
    pub const SESSION_START_TIME: usize = 8;
    pub const VIRTUAL_TRANSACTION_ID: usize = 9;
    pub const TRANSACTION_ID: usize = 10;
    pub const ERROR_SEVERITY: usize = 11;
    pub const SQL_STATE_CODE: usize = 12;
    pub const MESSAGE: usize = 13;
    pub const DETAIL: usize = 14;
    pub const HINT: usize = 15;
    pub const INTERNAL_QUERY: usize = 16;
    pub const INTERNAL_QUERY_POS: usize = 17;
    pub const CONTEXT: usize = 18;
    pub const QUERY: usize = 19;
    pub const QUERY_POS: usize = 20;
    pub const LOCATION: usize = 21;
    pub const APPLICATION_NAME: usize = 22;
    pub const BACKEND_TYPE: usize = 23;
    pub const LEADER_PID: usize = 24;
    pub const QUERY_ID: usize = 25;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        assert_eq!(read_field("a,b").unwrap(), (Cow::Borrowed("a"), ",b"));
        assert_eq!(
            read_field("\"a,b\",c").unwrap(),
            (Cow::Borrowed("a,b"), ",c")
        );
        let (v, r) = read_field("\"say \"\"hi\"\"\"").unwrap();
        assert_eq!((v.as_ref(), r), ("say \"hi\"", ""));
        assert!(matches!(v, Cow::Owned(_)));
        assert_eq!(read_field("\"open"), None);
        assert_eq!(read_field(""), Some((Cow::Borrowed(""), "")));
        assert!(quote_open("1,\"a\nb"));
        assert!(!quote_open("1,\"a \"\"x\"\" b\",2"));
        assert_eq!(
            split_record("1,,\"x,y\",").unwrap(),
            vec!["1", "", "x,y", ""]
        );
        assert_eq!(split_record("1,\"x\"y,2"), Err(5));
        assert_eq!(split_record("1,\"x"), Err(2));
    }
}
