//! One auditd record line: the header `[node=NAME ]type=TYPE msg=audit(EPOCH:SERIAL):` read with
//! nom, and the body's `key=value` pairs with auditd's quoting, hex encoding, the user-space
//! `msg='...'` wrapper and the enriched names after a `\x1d` (GS) separator.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use nom::bytes::complete::{tag, take_till1, take_while1};
use nom::character::complete::{char, digit1, space0, space1};
use nom::combinator::opt;
use nom::sequence::{preceded, terminated};
use nom::{IResult, Parser};

use crate::atoms::{KvValue, hex_decode, kv_pairs};
use crate::error::{ErrorKind, ParseError, offset_in};

/// What the header of a record says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    pub node: Option<&'a str>,
    pub rtype: &'a str,
    /// The time as written (`1615114232.375`): part of the serial key.
    pub epoch: &'a str,
    pub ts: DateTime<Utc>,
    pub serial: u64,
    /// Byte offset of the body (after `): `) in the line.
    pub body: usize,
}

type R<'a, O> = IResult<&'a str, O>;

fn msg_open(i: &str) -> R<'_, (&str, &str)> {
    (space1, tag("msg=audit(")).parse(i)
}

fn header_end(i: &str) -> R<'_, (Option<char>, &str)> {
    (opt(char(':')), space0).parse(i)
}

fn node(i: &str) -> R<'_, &str> {
    terminated(
        preceded(tag("node="), take_till1(|c: char| c == ' ')),
        space1,
    )
    .parse(i)
}

fn rtype(i: &str) -> R<'_, &str> {
    take_while1(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '[' || c == ']').parse(i)
}

fn epoch(i: &str) -> R<'_, &str> {
    take_while1(|c: char| c.is_ascii_digit() || c == '.').parse(i)
}

/// Reads a record's header. The error says what was expected and at which byte.
pub fn parse_header(line: &str) -> Result<Header<'_>, ParseError> {
    let exp = |what: &'static str, rest: &str| ParseError::expected(what, line, rest);
    let (i, node) = opt(node).parse(line).map_err(|_| exp("a record", line))?;
    let (i, _) = tag::<_, _, nom::error::Error<&str>>("type=")
        .parse(i)
        .map_err(|_| {
            if node.is_some() {
                exp("`type=TYPE` after `node=NAME `", i)
            } else {
                exp(
                    "an auditd record: `type=TYPE msg=audit(EPOCH:SERIAL): ...`",
                    i,
                )
            }
        })?;
    let (i, rtype) =
        rtype(i).map_err(|_| exp("a record type (letters, digits, `_`) after `type=`", i))?;
    let (i, _) =
        msg_open(i).map_err(|_| exp("` msg=audit(EPOCH:SERIAL):` after the record type", i))?;
    let (i, ep) = epoch(i).map_err(|_| {
        exp(
            "the time (seconds since 1970) in `msg=audit(EPOCH:SERIAL)`",
            i,
        )
    })?;
    let (i, _) = char::<_, nom::error::Error<&str>>(':')
        .parse(i)
        .map_err(|_| {
            exp(
                "`:` between time and serial in `msg=audit(EPOCH:SERIAL)`",
                i,
            )
        })?;
    let (i, serial) = digit1::<_, nom::error::Error<&str>>(i)
        .map_err(|_| exp("the serial number in `msg=audit(EPOCH:SERIAL)`", i))?;
    let (i, _) = char::<_, nom::error::Error<&str>>(')')
        .parse(i)
        .map_err(|_| exp("`)` closing `msg=audit(EPOCH:SERIAL)`", i))?;
    let (i, _) = header_end(i).map_err(|_| exp("`:`", i))?;
    let ts = crate::time::parse_epoch(ep).ok_or_else(|| {
        ParseError::new(ErrorKind::BadTimestamp(ep.to_string()), offset_in(line, ep))
    })?;
    let serial = serial.parse::<u64>().map_err(|_| {
        ParseError::new(
            ErrorKind::BadValue {
                what: "serial number",
                value: serial.to_string(),
            },
            offset_in(line, serial),
        )
    })?;
    Ok(Header {
        node,
        rtype,
        epoch: ep,
        ts,
        serial,
        body: offset_in(line, i),
    })
}

/// A record's body, split into its parts.
#[derive(Debug, Clone, Default)]
pub struct Body<'a> {
    /// Pairs outside a `msg='...'` wrapper (all of them for kernel records).
    pub outer: Vec<(&'a str, KvValue<'a>)>,
    /// Pairs inside the user-space `msg='...'` wrapper (and any written after it).
    pub inner: Vec<(&'a str, KvValue<'a>)>,
    /// Whether there was a `msg='...'` wrapper.
    pub wrapped: bool,
    /// Words before the first pair: of the wrapper if there is one (`PAM: accounting`), else of
    /// the body (`avc:  denied  { read } for`).
    pub prefix: &'a str,
    /// The enriched pairs after `\x1d` (`UID="root" AUID="user"`), unquoted.
    pub enriched: Vec<(&'a str, &'a str)>,
}

impl<'a> Body<'a> {
    /// The value of `key`, inner pairs first.
    pub fn get(&self, key: &str) -> Option<KvValue<'a>> {
        self.inner
            .iter()
            .chain(self.outer.iter())
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    /// The decoded value of `key` (see [`decode`]).
    pub fn text(&self, key: &str) -> Option<Cow<'a, str>> {
        self.get(key).map(|v| decode(key, v))
    }
}

/// Splits a record body into pairs. Never fails: words that are not pairs are skipped.
pub fn parse_body(body: &str) -> Body<'_> {
    let (main, enr) = match memchr::memchr(0x1d, body.as_bytes()) {
        // 0x1d is ASCII, so both slices fall on char boundaries.
        Some(i) => (&body[..i], body.get(i + 1..)),
        None => (body, None),
    };
    let mut b = Body::default();
    match find_wrapper(main) {
        Some((outer, inner, after)) => {
            b.wrapped = true;
            b.outer = pairs(outer);
            b.inner = pairs(inner);
            fix_op(inner, &mut b.inner);
            b.inner.extend(pairs(after));
            b.prefix = prefix(inner, &b.inner);
        }
        None => {
            b.outer = pairs(main);
            b.prefix = prefix(main, &b.outer);
        }
    }
    if let Some(enr) = enr {
        b.enriched = enriched(enr);
    }
    b
}

/// `(outer, inner, after)` around a `msg='...'` wrapper. An unterminated wrapper runs to the end.
fn find_wrapper(s: &str) -> Option<(&str, &str, &str)> {
    let mut from = 0;
    while let Some(p) = s.get(from..)?.find("msg='") {
        let at = from + p;
        let word_start = at == 0
            || s.as_bytes()
                .get(at - 1)
                .is_some_and(|c| c.is_ascii_whitespace());
        if word_start {
            let start = at + 5;
            let rest = s.get(start..)?;
            return Some(match rest.rfind('\'') {
                Some(e) => (&s[..at], &rest[..e], &rest[e + 1..]),
                None => (&s[..at], rest, ""),
            });
        }
        from = at + 5;
    }
    None
}

fn pairs(s: &str) -> Vec<(&str, KvValue<'_>)> {
    kv_pairs(s)
        .map(|(k, v)| match v {
            KvValue::Bare(x) => (k, KvValue::Bare(clean_bare(x))),
            other => (k, other),
        })
        .collect()
}

/// Drops what the older PAM format leaves stuck to a bare value: a stray closing quote, and the
/// `,` or `)` of `(hostname=?, addr=?, terminal=cron res=success)`.
fn clean_bare(s: &str) -> &str {
    let s = s.trim_end_matches(['"', '\'']);
    if s.contains('(') {
        s
    } else {
        s.trim_end_matches([',', ')'])
    }
}

/// `op=adding group to /etc/group id=1004`: shadow-utils writes `op` unquoted with blanks, so its
/// value runs to the next `key=`.
fn fix_op<'a>(inner: &'a str, pairs: &mut [(&'a str, KvValue<'a>)]) {
    let Some(slot) = pairs
        .iter_mut()
        .find(|(k, v)| *k == "op" && matches!(v, KvValue::Bare(_)))
    else {
        return;
    };
    let start = offset_in(inner, slot.0) + 3;
    let Some(rest) = inner.get(start..) else {
        return;
    };
    let mut end = rest.len();
    for (i, _) in rest.match_indices(' ') {
        let next = &rest[i + 1..];
        let key_len = next
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':'))
            .count();
        if key_len > 0 && next.as_bytes().get(key_len) == Some(&b'=') {
            end = i;
            break;
        }
    }
    slot.1 = KvValue::Bare(clean_bare(rest[..end].trim_end()));
}

/// The words before the first pair, without a trailing `:`.
fn prefix<'a>(s: &'a str, pairs: &[(&'a str, KvValue<'a>)]) -> &'a str {
    let end = pairs.first().map_or(s.len(), |(k, _)| offset_in(s, k));
    s.get(..end)
        .unwrap_or_default()
        .trim()
        .trim_end_matches(':')
        .trim_end()
}

/// Enriched pairs: `KEY=value` or `KEY="value"`, and `SADDR={ fam=inet laddr=... }`.
fn enriched(s: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = s;
    if let Some(p) = s.find("SADDR={") {
        let inner = &s[p + 7..];
        let end = inner.find('}').unwrap_or(inner.len());
        out.push(("SADDR", inner[..end].trim()));
        out.extend(kv_pairs(&s[..p]).map(|(k, v)| (k, v.as_str())));
        rest = inner.get(end + 1..).unwrap_or_default();
    }
    out.extend(kv_pairs(rest).map(|(k, v)| (k, v.as_str())));
    out
}

/// Keys whose unquoted value auditd writes in hex (it quotes them when they are plain text).
fn is_encoded(key: &str) -> bool {
    matches!(
        key,
        "acct"
            | "cmd"
            | "comm"
            | "cwd"
            | "data"
            | "dir"
            | "exe"
            | "file"
            | "grp"
            | "key"
            | "name"
            | "new_group"
            | "ocomm"
            | "path"
            | "proctitle"
            | "root_dir"
            | "watch"
    )
}

/// Whether `key` is an argument of an EXECVE record: `a0`, `a12`, `a3[0]`.
pub fn is_arg_key(key: &str) -> bool {
    let Some(rest) = key.strip_prefix('a') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && (digits == rest.len() || (rest[digits..].starts_with('[') && rest.ends_with(']')))
}

/// The text of a value: quoted values as written; unquoted values of encoded keys (and EXECVE
/// arguments) hex-decoded when they are hex. A PROCTITLE's NUL-separated argv is joined with
/// blanks, a `key`'s `\x01`-separated list with commas.
pub fn decode<'a>(key: &str, v: KvValue<'a>) -> Cow<'a, str> {
    match v {
        KvValue::Double(s) | KvValue::Single(s) => Cow::Borrowed(s),
        KvValue::Bare(s) => {
            if !(is_encoded(key) || is_arg_key(key)) {
                return Cow::Borrowed(s);
            }
            match hex_decode(s) {
                Some(bytes) => Cow::Owned(bytes_text(key, &bytes)),
                None => Cow::Borrowed(s),
            }
        }
    }
}

fn bytes_text(key: &str, bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_end_matches('\0');
    let sep = if key == "key" { "," } else { " " };
    text.replace(['\0', '\u{1}'], sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let h = parse_header("node=work type=EOE msg=audit(1615114232.375:15558):").unwrap();
        assert_eq!(
            (h.node, h.rtype, h.epoch, h.serial, h.body),
            (Some("work"), "EOE", "1615114232.375", 15558, 51)
        );
        assert_eq!(h.ts.to_rfc3339(), "2021-03-07T10:50:32.375+00:00");
        let h = parse_header(
            "type=UNKNOWN[1420] msg=audit(1661853391.646:4486226): subj_apparmor=unconfined",
        )
        .unwrap();
        assert_eq!((h.rtype, h.body), ("UNKNOWN[1420]", 54));
        let h = parse_header("type=CWD msg=audit(1170021493.977:293):  cwd=\"/var/spool/postfix\"")
            .unwrap();
        assert_eq!(
            &"type=CWD msg=audit(1170021493.977:293):  cwd=\"/var/spool/postfix\""[h.body..],
            "cwd=\"/var/spool/postfix\""
        );
    }

    #[test]
    fn header_errors_say_where() {
        let e = |s: &str| parse_header(s).map(|_| ()).unwrap_err();
        assert_eq!(
            e("hello"),
            ParseError::new(
                ErrorKind::Expected("an auditd record: `type=TYPE msg=audit(EPOCH:SERIAL): ...`"),
                0
            )
        );
        assert_eq!(e("node=x hello").at, 7);
        assert_eq!(e("type=SYSCALL msg=audit(abc:1): x").at, 23);
        assert_eq!(e("type=SYSCALL msg=audit(1.2:x): x").at, 27);
        assert_eq!(e("type=SYSCALL msg=audit(1.2:5 x").at, 28);
        assert_eq!(
            e("type=SYSCALL msg=audit(1.2.3:5): x").kind,
            ErrorKind::BadTimestamp("1.2.3".into())
        );
        assert_eq!(
            e("type=SYSCALL msg=audit(1:99999999999999999999999): x").class(),
            "bad_value"
        );
        assert_eq!(e("type= msg=audit(1:1):").at, 5);
    }

    #[test]
    fn bodies() {
        let b = parse_body(
            "pid=2940 uid=0 auid=1000 ses=14 msg='op=adding group to /etc/group id=1004 exe=\"/usr/sbin/groupadd\" res=success'",
        );
        assert!(b.wrapped);
        assert_eq!(b.text("op").as_deref(), Some("adding group to /etc/group"));
        assert_eq!(b.text("id").as_deref(), Some("1004"));
        assert_eq!(b.text("pid").as_deref(), Some("2940"));
        let b = parse_body(
            "user pid=13015 uid=0 msg='PAM: session open acct=root : exe=\"/usr/sbin/crond\" (hostname=?, addr=?, terminal=cron res=success)'",
        );
        assert_eq!(b.prefix, "PAM: session open");
        assert_eq!(b.text("res").as_deref(), Some("success"));
        assert_eq!(b.text("addr").as_deref(), Some("?"));
        let b = parse_body("op= id=1004 exe=x");
        assert_eq!(b.text("op").as_deref(), Some(""));
        // Unterminated wrapper (as in a go-libaudit fixture).
        let b = parse_body("pid=1 msg='unit=rsyslog comm=\"systemd\" res=success");
        assert_eq!(
            (b.text("unit").as_deref(), b.text("res").as_deref()),
            (Some("rsyslog"), Some("success"))
        );
        let b = parse_body(
            "op=PAM:accounting acct=\"user\" res=success'\u{1d}UID=\"user\" AUID=\"user\"",
        );
        assert_eq!(b.enriched, vec![("UID", "user"), ("AUID", "user")]);
        let b = parse_body(
            "saddr=100000000000000000000000\u{1d}SADDR={ fam=netlink nlnk-fam=16 nlnk-pid=0 } X=1",
        );
        assert_eq!(
            b.enriched,
            vec![("SADDR", "fam=netlink nlnk-fam=16 nlnk-pid=0"), ("X", "1")]
        );
        let b = parse_body("avc:  denied  { read } for  pid=13010 comm=\"pickup\"");
        assert_eq!(b.prefix, "avc:  denied  { read } for");
    }

    #[test]
    fn decoding() {
        assert_eq!(
            decode("acct", KvValue::Bare("28696E76616C6964207573657229")),
            "(invalid user)"
        );
        assert_eq!(
            decode("proctitle", KvValue::Bare("756E616D65002D61")),
            "uname -a"
        );
        assert_eq!(
            decode("key", KvValue::Bare("65786563013634626974")),
            "exec,64bit"
        );
        assert_eq!(decode("a2", KvValue::Bare("6869")), "hi");
        assert_eq!(decode("a2[1]", KvValue::Bare("6869")), "hi");
        assert_eq!(decode("pid", KvValue::Bare("1234")), "1234");
        assert_eq!(decode("acct", KvValue::Bare("root")), "root");
        assert_eq!(decode("key", KvValue::Bare("(null)")), "(null)");
        assert_eq!(decode("acct", KvValue::Double("6869")), "6869");
        assert!(
            is_arg_key("a0")
                && is_arg_key("a12[3]")
                && !is_arg_key("a1_len")
                && !is_arg_key("arch")
        );
    }
}
