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
        let end = find_comma(b).unwrap_or(b.len());
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

/// The place of the first `,` in `b`. Unquoted fields are mostly short (numbers, names), but an
/// unquoted statement runs to a hundred bytes and more: eight bytes are looked at in one step (a
/// word whose bytes are `,` xor-ed away has a zero byte where a comma was), without the cost of
/// a `memchr` call on the short ones.
#[inline]
pub(crate) fn find_comma(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ (ONES * u64::from(b','));
        // The lowest zero byte of `x` sets its high bit here (bits above it may be wrong, and
        // are not looked at).
        let zero = x.wrapping_sub(ONES) & !x & HIGHS;
        if zero != 0 {
            return Some(i + (zero.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..].iter().position(|c| *c == b',').map(|p| i + p)
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
        for s in [
            "",
            ",",
            "a",
            "abcdefg,",
            "abcdefgh,",
            "abcdefghijklmnop",
            "abcdefghijklmnopq,r",
        ] {
            assert_eq!(find_comma(s.as_bytes()), s.find(','), "{s:?}");
        }
        let mut b = [b'x'; 40];
        for i in 0..40 {
            b[i] = b',';
            assert_eq!(find_comma(&b), Some(i));
            assert_eq!(
                find_comma(&b[i + 1..]),
                b[i + 1..].iter().position(|c| *c == b',')
            );
            b[i] = 0x80 | b',';
            assert_eq!(find_comma(&b), None);
            b[i] = b'x';
        }
    }
}
