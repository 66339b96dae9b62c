//! Small pieces of syntax shared by several formats: `key=value` lists (auditd, sudo, pam),
//! quoted strings, hex-encoded values, IP addresses.

/// A value of a `key=value` pair, with the quoting it was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvValue<'a> {
    /// `key="text"`
    Double(&'a str),
    /// `key='text'` (auditd wraps a user-space message this way)
    Single(&'a str),
    /// `key=text` up to the next blank
    Bare(&'a str),
}

impl<'a> KvValue<'a> {
    pub fn as_str(&self) -> &'a str {
        match *self {
            KvValue::Double(s) | KvValue::Single(s) | KvValue::Bare(s) => s,
        }
    }
}

/// Iterates over the `key=value` pairs of a blank-separated list. Words that are not pairs
/// (auditd's `op=PAM:authentication` is a pair, the bare `pam_tally2` word is not) are skipped.
pub fn kv_pairs(s: &str) -> KvPairs<'_> {
    KvPairs { rest: s }
}

/// Iterator of [`kv_pairs`].
pub struct KvPairs<'a> {
    rest: &'a str,
}

impl<'a> Iterator for KvPairs<'a> {
    type Item = (&'a str, KvValue<'a>);

    /// Read by hand (a `key=value` list is read for most lines of auditd, sudo, pam and
    /// PostgreSQL connections): what the grammar kept in the tests (`kv_pair`) reads, the same
    /// way. After the blanks, a key (ASCII letters, digits, `_-.:`), `=`, then a value quoted
    /// with `"` or `'` up to the same quote, or else up to the next ASCII blank (a quote that is
    /// not closed is part of such a value). A word that is not a pair is skipped.
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let t = self.rest.trim_start();
            if t.is_empty() {
                return None;
            }
            let b = t.as_bytes();
            let key_len = b
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':'))
                .count();
            if key_len > 0 && b.get(key_len) == Some(&b'=') {
                let key = &t[..key_len];
                let v = &t[key_len + 1..];
                let vb = v.as_bytes();
                if let Some(&q @ (b'"' | b'\'')) = vb.first()
                    && let Some(len) = memchr::memchr(q, &vb[1..])
                {
                    self.rest = &v[len + 2..];
                    let inner = &v[1..1 + len];
                    return Some((
                        key,
                        if q == b'"' {
                            KvValue::Double(inner)
                        } else {
                            KvValue::Single(inner)
                        },
                    ));
                }
                let end = vb
                    .iter()
                    .position(u8::is_ascii_whitespace)
                    .unwrap_or(vb.len());
                self.rest = &v[end..];
                return Some((key, KvValue::Bare(&v[..end])));
            }
            // Not a pair: skip the word (it does not start with a blank, after the trim).
            let end = b
                .iter()
                .position(u8::is_ascii_whitespace)
                .unwrap_or(b.len());
            self.rest = &t[end..];
        }
    }
}

/// Decodes an even-length string of hex digits (auditd's encoding of values with blanks or
/// non-printable bytes). `None` if it is not hex.
pub fn hex_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(2) {
        return None;
    }
    let nib = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    };
    b.chunks(2)
        .map(|p| Some(nib(p[0])? << 4 | nib(p[1])?))
        .collect()
}

/// Substring search for the short literal needles message parsers look for (`" from "`,
/// `"): "`): `memchr` to one byte of the needle (forward, its first byte that is not a blank;
/// backward, its first byte), then a compare. `str::find` builds a two-way searcher on every call, which costs more than the search itself on a log line. A match of a
/// UTF-8 needle in UTF-8 text starts on a character boundary, so the results slice safely.
pub trait FastFind {
    fn find_str(&self, needle: &str) -> Option<usize>;
    fn rfind_str(&self, needle: &str) -> Option<usize>;
    fn has(&self, needle: &str) -> bool {
        self.find_str(needle).is_some()
    }
    fn split_once_str(&self, needle: &str) -> Option<(&str, &str)>;
    fn rsplit_once_str(&self, needle: &str) -> Option<(&str, &str)>;
}

/// The first place `needle` occurs in `hay`, as [`FastFind::find_str`] finds it: `memchr` to the
/// needle's first byte that is not a blank (blanks are the commonest byte of a log line, and a
/// needle such as `" for "` would stop at each), then a compare.
pub fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let anchor = needle.iter().position(|b| *b != b' ').unwrap_or(0);
    let Some(&key) = needle.get(anchor) else {
        return Some(0);
    };
    if hay.len() < needle.len() {
        return None;
    }
    // Candidates start at 0..=last; their anchor byte is `anchor` further on.
    let last = hay.len() - needle.len();
    let mut from = anchor;
    while from <= last + anchor {
        let p = memchr::memchr(key, &hay[from..=last + anchor])?;
        let i = from + p - anchor;
        if hay[i..].starts_with(needle) {
            return Some(i);
        }
        from += p + 1;
    }
    None
}

impl FastFind for str {
    fn find_str(&self, needle: &str) -> Option<usize> {
        find_bytes(self.as_bytes(), needle.as_bytes())
    }

    fn rfind_str(&self, needle: &str) -> Option<usize> {
        let (h, n) = (self.as_bytes(), needle.as_bytes());
        let Some(&first) = n.first() else {
            return Some(h.len());
        };
        let mut end = h.len();
        while let Some(i) = memchr::memrchr(first, &h[..end]) {
            if h[i..].starts_with(n) {
                return Some(i);
            }
            end = i;
        }
        None
    }

    fn split_once_str(&self, needle: &str) -> Option<(&str, &str)> {
        let i = self.find_str(needle)?;
        Some((&self[..i], &self[i + needle.len()..]))
    }

    fn rsplit_once_str(&self, needle: &str) -> Option<(&str, &str)> {
        let i = self.rfind_str(needle)?;
        Some((&self[..i], &self[i + needle.len()..]))
    }
}

/// `s` split at the first `b` (an ASCII byte, so both sides are text), found by a plain loop:
/// for the short words of a log line (a program name, a host, a `key=value`) it costs less than
/// `str::split_once`'s character searcher.
pub fn split_once_byte(s: &str, b: u8) -> Option<(&str, &str)> {
    debug_assert!(b.is_ascii());
    let i = s.bytes().position(|c| c == b)?;
    Some((&s[..i], &s[i + 1..]))
}

/// The place of the first `b` (an ASCII byte) in `s`, by a plain loop (see [`split_once_byte`]).
pub fn find_byte(s: &str, b: u8) -> Option<usize> {
    debug_assert!(b.is_ascii());
    s.bytes().position(|c| c == b)
}

/// `s` without the blanks (`' '` only) at either end.
pub fn trim_blanks(s: &str) -> &str {
    let b = s.as_bytes();
    let start = b.iter().position(|c| *c != b' ').unwrap_or(b.len());
    let end = b.iter().rposition(|c| *c != b' ').map_or(start, |i| i + 1);
    &s[start..end]
}

/// Whether `s` is an IPv4 or IPv6 address (not a host name).
pub fn is_ip(s: &str) -> bool {
    s.parse::<std::net::IpAddr>().is_ok()
}

/// `s` with a surrounding pair of double or single quotes removed.
pub fn unquote(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 2
        && ((b[0] == b'"' && b[b.len() - 1] == b'"') || (b[0] == b'\'' && b[b.len() - 1] == b'\''))
    {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nom::branch::alt;
    use nom::bytes::complete::{take_till, take_till1, take_while1};
    use nom::character::complete::{char, multispace0};
    use nom::combinator::map;
    use nom::sequence::delimited;
    use nom::{IResult, Parser};

    // The grammar of a pair, as `KvPairs` read it before it was written by hand: the reference
    // the hand-written reader is compared with.
    fn kv_key(i: &str) -> IResult<&str, &str> {
        take_while1(|c: char| {
            c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' || c == ':'
        })(i)
    }

    fn kv_value(i: &str) -> IResult<&str, KvValue<'_>> {
        alt((
            map(
                delimited(char('"'), take_till(|c| c == '"'), char('"')),
                KvValue::Double,
            ),
            map(
                delimited(char('\''), take_till(|c| c == '\''), char('\'')),
                KvValue::Single,
            ),
            map(take_till(|c: char| c.is_ascii_whitespace()), KvValue::Bare),
        ))
        .parse(i)
    }

    fn kv_pair(i: &str) -> IResult<&str, (&str, KvValue<'_>)> {
        let (i, _) = multispace0(i)?;
        let (i, k) = kv_key(i)?;
        let (i, _) = char('=')(i)?;
        let (i, v) = kv_value(i)?;
        Ok((i, (k, v)))
    }

    /// `kv_pairs` as it read with the grammar.
    fn kv_pairs_by_grammar(s: &str) -> Vec<(&str, KvValue<'_>)> {
        let mut out = Vec::new();
        let mut rest = s;
        loop {
            let trimmed = rest.trim_start();
            if trimmed.is_empty() {
                return out;
            }
            match kv_pair(trimmed) {
                Ok((r, pair)) => {
                    rest = r;
                    out.push(pair);
                }
                Err(_) => {
                    let word: IResult<&str, &str> =
                        take_till1(|c: char| c.is_ascii_whitespace()).parse(trimmed);
                    match word {
                        Ok((r, _)) => rest = r,
                        Err(_) => return out,
                    }
                }
            }
        }
    }

    #[test]
    fn kv_pairs_read_as_the_grammar_reads() {
        for s in [
            "",
            "   ",
            "a=1 b=\"x y\" c='z w' d=",
            "user=archive_app database=archive application_name=PostgreSQL JDBC Driver SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)",
            "host=10.1.2.30 port=55832",
            "identity=\"archive_app\" method=scram-sha-256 (/etc/postgresql/15/main/pg_hba.conf:105)",
            "op=PAM:authentication grantors=? acct=\"root\" exe=\"/usr/bin/su\" hostname=? addr=? terminal=pts/0 res=success'",
            "msg='op=login id=0 res=success' pam_tally2 x==y =z k=\"open",
            "k='open v=1",
            "\u{a0}k=\u{3000}v 名=值 k=值\tq=\"a\u{a0}b\" \u{b}x=1\u{b}y=2",
            "a.b-c:d_e=1\r\nf=2\x0cg=3",
        ] {
            let got: Vec<_> = kv_pairs(s).collect();
            assert_eq!(got, kv_pairs_by_grammar(s), "{s:?}");
        }
    }

    #[test]
    fn byte_helpers_agree_with_str() {
        for s in ["", " ", "  a b  ", "sshd(pam_unix)", "a", "档案 室 ", " x"] {
            assert_eq!(split_once_byte(s, b' '), s.split_once(' '), "{s:?}");
            assert_eq!(split_once_byte(s, b'('), s.split_once('('), "{s:?}");
            assert_eq!(find_byte(s, b' '), s.find(' '), "{s:?}");
            assert_eq!(trim_blanks(s), s.trim_matches(' '), "{s:?}");
        }
    }

    #[test]
    fn find_bytes_finds_the_first_occurrence() {
        let cases: [(&str, &str); 12] = [
            ("Accepted password for root from 1.2.3.4", " for "),
            ("Accepted password for root from 1.2.3.4", " from "),
            ("a  b", "  "),
            ("a  b", " "),
            ("   ", "  "),
            ("x", ""),
            ("", "x"),
            ("ab", "abc"),
            ("for for", " for"),
            ("-- x", "--"),
            ("a /* b */", "*/"),
            ("user@db LOG:", "@"),
        ];
        for (h, n) in cases {
            assert_eq!(
                find_bytes(h.as_bytes(), n.as_bytes()),
                h.find(n),
                "{h:?} {n:?}"
            );
        }
    }

    #[test]
    fn kv_lists() {
        let s = r#"pid=2940 uid=0 msg='op=adding group id=1004 exe="/usr/sbin/groupadd" res=success' pam_tally2 a= b="x y""#;
        let v: Vec<_> = kv_pairs(s).collect();
        assert_eq!(
            v,
            vec![
                ("pid", KvValue::Bare("2940")),
                ("uid", KvValue::Bare("0")),
                (
                    "msg",
                    KvValue::Single(
                        r#"op=adding group id=1004 exe="/usr/sbin/groupadd" res=success"#
                    )
                ),
                ("a", KvValue::Bare("")),
                ("b", KvValue::Double("x y")),
            ]
        );
        // An unterminated quote is kept as a bare word; it does not loop or panic.
        assert_eq!(
            kv_pairs(r#"a="x b=1"#).collect::<Vec<_>>(),
            vec![("a", KvValue::Bare("\"x")), ("b", KvValue::Bare("1"))]
        );
    }

    proptest::proptest! {
        #[test]
        fn fast_find_agrees_with_str(h in "[ab() :é]{0,40}", n in "[ab() :é]{0,4}") {
            proptest::prop_assert_eq!(h.find_str(&n), h.find(n.as_str()));
            proptest::prop_assert_eq!(h.rfind_str(&n), h.rfind(n.as_str()));
            proptest::prop_assert_eq!(h.split_once_str(&n), h.split_once(n.as_str()));
            proptest::prop_assert_eq!(h.rsplit_once_str(&n), h.rsplit_once(n.as_str()));
            proptest::prop_assert_eq!(h.has(&n), h.contains(n.as_str()));
        }
    }

    #[test]
    fn hex() {
        assert_eq!(hex_decode("2F62696E2F6C73").unwrap(), b"/bin/ls");
        assert_eq!(hex_decode("2F6"), None);
        assert_eq!(hex_decode("zz"), None);
        assert_eq!(hex_decode(""), None);
    }

    #[test]
    fn ips_and_quotes() {
        assert!(is_ip("10.1.2.3"));
        assert!(is_ip("::1"));
        assert!(!is_ip("arch-db01"));
        assert_eq!(unquote("\"a b\""), "a b");
        assert_eq!(unquote("'x'"), "x");
        assert_eq!(unquote("\""), "\"");
    }
}
