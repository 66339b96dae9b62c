//! The syslog envelope: everything before the message.
//!
//! Accepted shapes, each with or without a leading `<PRI>` and an RFC 6587 octet count:
//!
//! | shape | example |
//! |---|---|
//! | RFC 3164 / file | `Feb 21 21:54:44 localhost sshd[3402]: Accepted ...` |
//! | RFC 3164 with year | `2015 Nov 13 13:40:01 ether rsyslogd-2177: imuxsock ...` |
//! | high-precision file | `2013-10-30T14:51:21.901728+01:00 srv sshd[12664]: Failed ...` |
//! | RFC 5424 | `<86>1 2015-08-05T21:58:59.693Z host app 23108 ID52020 [sd@1 k="v"] msg` |
//!
//! An RFC 3164 time has no year and no zone: it is read in the source's zone, and the year comes
//! from [`crate::time::infer_year`]. A line whose tag is not followed by `:` has no program: the
//! whole text after the host is the message.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use nom::bytes::complete::{tag, take_while, take_while_m_n, take_while1};
use nom::character::complete::{char, digit1};
use nom::combinator::opt;
use nom::sequence::delimited;
use nom::{IResult, Parser};

use crate::context::ParseContext;
use crate::error::{ErrorKind, ParseError, offset_in};
use crate::time;

/// Which RFC the envelope followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rfc {
    Rfc3164,
    Rfc5424,
}

/// One RFC 5424 structured-data element: `[id k="v" ...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdElement<'a> {
    pub id: &'a str,
    /// Parameter names and their unescaped values.
    pub params: Vec<(&'a str, String)>,
}

/// A syslog line's envelope and its message.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope<'a> {
    pub rfc: Rfc,
    pub ts: DateTime<Utc>,
    /// The time had no year; it was inferred.
    pub year_inferred: bool,
    /// The time had no zone; it was read in the source's zone.
    pub zone_from_source: bool,
    /// RFC 5424's nil time (`-`): `ts` is the context's reference time.
    pub ts_from_reference: bool,
    pub priority: Option<u8>,
    pub host: Option<&'a str>,
    /// Program (RFC 3164 tag) or APP-NAME.
    pub app: Option<&'a str>,
    pub pid: Option<&'a str>,
    pub msgid: Option<&'a str>,
    pub structured: Vec<SdElement<'a>>,
    pub msg: &'a str,
    /// Byte offset of `msg` in the line.
    pub msg_at: usize,
}

impl Envelope<'_> {
    pub fn facility(&self) -> Option<u8> {
        self.priority.map(|p| p >> 3)
    }

    pub fn severity(&self) -> Option<u8> {
        self.priority.map(|p| p & 7)
    }
}

/// The names of syslog facilities, by number.
pub const FACILITIES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];

/// The names of syslog severities, by number.
pub const SEVERITIES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

/// Reads the envelope of `line`.
pub fn envelope<'a>(line: &'a str, ctx: &ParseContext) -> Result<Envelope<'a>, ParseError> {
    // A line that starts with a printable ASCII byte is not blank: only others are trimmed.
    let starts_printable = line.as_bytes().first().is_some_and(u8::is_ascii_graphic);
    if !starts_printable && line.trim().is_empty() {
        return Err(ParseError::new(ErrorKind::Empty, 0));
    }
    let mut rest = skip_octet_count(line);
    let priority = match pri(rest) {
        Ok((r, p)) => {
            rest = r;
            Some(p)
        }
        Err(_) if rest.starts_with('<') => {
            return Err(ParseError::expected("a priority <0-191>", line, rest));
        }
        Err(_) => None,
    };
    // RFC 5424: a version digit right after the priority.
    if priority.is_some()
        && let Ok((r, _)) = (tag::<_, _, nom::error::Error<&str>>("1"), char(' ')).parse(rest)
    {
        return rfc5424(line, r, priority, ctx);
    }
    rfc3164(line, rest, priority, ctx)
}

/// Skips an RFC 6587 octet count (`215 <86>1 ...`).
fn skip_octet_count(line: &str) -> &str {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits < 10 && line[digits..].starts_with(" <") {
        &line[digits + 1..]
    } else {
        line
    }
}

fn pri(i: &str) -> IResult<&str, u8> {
    let (r, d) = delimited(
        char('<'),
        take_while_m_n(1, 3, |c: char| c.is_ascii_digit()),
        char('>'),
    )
    .parse(i)?;
    match d.parse::<u8>() {
        Ok(p) if p <= 191 => Ok((r, p)),
        _ => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        ))),
    }
}

fn num<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.parse().ok()
}

/// `hh:mm:ss` with an optional fraction, which is dropped after being checked.
fn clock(i: &str) -> IResult<&str, (u32, u32, u32, u32)> {
    let two = || take_while_m_n(2, 2, |c: char| c.is_ascii_digit());
    let (r, (h, _, m, _, s)) = (two(), char(':'), two(), char(':'), two()).parse(i)?;
    let (r, frac) = opt((char('.'), digit1)).parse(r)?;
    let nanos = frac
        .map(|(_, d): (char, &str)| {
            let d = &d[..d.len().min(9)];
            num::<u32>(d).unwrap_or(0) * 10u32.pow(9 - d.len() as u32)
        })
        .unwrap_or(0);
    Ok((
        r,
        (
            num(h).unwrap_or(99),
            num(m).unwrap_or(99),
            num(s).unwrap_or(99),
            nanos,
        ),
    ))
}

struct Stamp {
    ts: DateTime<Utc>,
    year_inferred: bool,
    zone_from_source: bool,
}

/// `Mmm dd hh:mm:ss`, `yyyy Mmm dd hh:mm:ss`, or an ISO 8601 time.
fn stamp3164<'a>(
    line: &'a str,
    i: &'a str,
    ctx: &ParseContext,
) -> Result<(&'a str, Stamp), ParseError> {
    let bad = |rest: &str| {
        ParseError::new(
            ErrorKind::BadTimestamp(first_words(rest, 3)),
            offset_in(line, rest),
        )
    };
    // ISO 8601 (rsyslog's high-precision file format).
    if i.len() >= 19 && i.as_bytes()[4] == b'-' && i.as_bytes()[10] == b'T' {
        let end = crate::atoms::find_byte(i, b' ').unwrap_or(i.len());
        let (ts, zone_from_source) = time::parse_iso(&i[..end], ctx.zone)
            .map_err(|k| ParseError::new(k, offset_in(line, i)))?;
        return Ok((
            &i[end..],
            Stamp {
                ts,
                year_inferred: false,
                zone_from_source,
            },
        ));
    }
    let (r3, year, month, day, (h, m, s, nanos)) = match bsd_stamp_fast(i) {
        Some(fast) => fast,
        None => match bsd_stamp_slow(i) {
            Some(slow) => slow,
            None => return Err(bad(i)),
        },
    };
    let Some(t) = NaiveTime::from_hms_nano_opt(h, m, s, nanos) else {
        return Err(bad(i));
    };
    let (ts, year_inferred) = match year {
        Some(y) => {
            let Some(d) = NaiveDate::from_ymd_opt(y, month, day) else {
                return Err(bad(i));
            };
            let ts = ctx
                .local_to_utc(d.and_time(t))
                .map_err(|k| ParseError::new(k, offset_in(line, i)))?;
            (ts, false)
        }
        None => match ctx.infer_year(month, day, t) {
            Some(ts) => (ts, true),
            None => return Err(bad(i)),
        },
    };
    Ok((
        r3,
        Stamp {
            ts,
            year_inferred,
            zone_from_source: true,
        },
    ))
}

/// An RFC 3164 time with the combinators: an optional year, `Mmm`, blanks, the day, the clock
/// with an optional fraction. The grammar [`bsd_stamp_fast`] takes a short cut through.
#[allow(clippy::type_complexity)]
fn bsd_stamp_slow(i: &str) -> Option<(&str, Option<i32>, u32, u32, (u32, u32, u32, u32))> {
    let mut r = i;
    let mut year: Option<i32> = None;
    if let Ok((r2, (y, _))) = (
        take_while_m_n::<_, &str, nom::error::Error<&str>>(4, 4, |c: char| c.is_ascii_digit()),
        char(' '),
    )
        .parse(r)
    {
        year = num(y);
        r = r2;
    }
    let month_day: IResult<&str, (&str, &str, &str, &str)> = (
        take_while_m_n(3, 3, |c: char| c.is_ascii_alphabetic()),
        take_while1(|c| c == ' '),
        take_while_m_n(1, 2, |c: char| c.is_ascii_digit()),
        tag(" "),
    )
        .parse(r);
    let (r2, (mon, _, day, _)) = month_day.ok()?;
    let month = time::month_from_abbr(mon)?;
    let (r3, clock) = clock(r2).ok()?;
    Some((r3, year, month, num(day).unwrap_or(0), clock))
}

/// The usual RFC 3164 time, `Mmm dd hh:mm:ss` followed by a blank (the day space-padded or
/// two digits), read byte by byte: the fast path of [`stamp3164`], which reads every other shape
/// (a year before it, a fraction, several blanks) with the combinators. Gives what they would.
#[allow(clippy::type_complexity)]
fn bsd_stamp_fast(i: &str) -> Option<(&str, Option<i32>, u32, u32, (u32, u32, u32, u32))> {
    let b = i.as_bytes();
    if b.len() < 16
        || b[3] != b' '
        || b[6] != b' '
        || b[9] != b':'
        || b[12] != b':'
        || b[15] != b' '
    {
        return None;
    }
    let d = |c: u8| c.is_ascii_digit().then(|| u32::from(c - b'0'));
    // b[3] is ASCII, so 3 is a character boundary.
    let month = time::month_from_abbr(&i[..3])?;
    let day = match b[4] {
        b' ' => d(b[5])?,
        c => d(c)? * 10 + d(b[5])?,
    };
    let h = d(b[7])? * 10 + d(b[8])?;
    let m = d(b[10])? * 10 + d(b[11])?;
    let s = d(b[13])? * 10 + d(b[14])?;
    Some((&i[15..], None, month, day, (h, m, s, 0)))
}

fn first_words(s: &str, n: usize) -> String {
    s.split(' ')
        .filter(|w| !w.is_empty())
        .take(n)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The tag: `prog:` or `prog[pid]:`, and what follows it; `None` when the text has no tag.
fn tag3164(r: &str) -> Option<(&str, Option<&str>, &str)> {
    // Fast path over ASCII: the program name ends at `[` or `:`.
    let b = r.as_bytes();
    let mut n = 0;
    while n < b.len() && b[n].is_ascii() && !matches!(b[n], b'\t'..=b'\r' | b' ' | b'[' | b':') {
        n += 1;
    }
    if n > 0 && n < b.len() && b[n].is_ascii() {
        // Every byte before `n` is ASCII: `n` and `n + 1` are character boundaries.
        let app = &r[..n];
        if b[n] == b':' {
            return Some((app, None, &r[n + 1..]));
        }
        if b[n] == b'[' {
            let rest = &r[n + 1..];
            // Both are ASCII: a byte search finds what a search for the characters would.
            let close = rest.bytes().position(|c| c == b']' || c == b' ')?;
            if rest.as_bytes()[close] != b']' {
                return None;
            }
            return rest[close + 1..]
                .strip_prefix(':')
                .map(|m| (app, Some(&rest[..close]), m));
        }
        return None;
    }
    // Anything else (an empty or non-ASCII name) with the combinators.
    tag3164_slow(r)
}

/// [`tag3164`] with the combinators: the grammar the fast path follows.
fn tag3164_slow(r: &str) -> Option<(&str, Option<&str>, &str)> {
    let tagged: IResult<&str, (&str, Option<&str>, char)> = (
        take_while1(is_tag_char),
        opt(delimited(
            char('['),
            take_while(|c: char| c != ']' && c != ' '),
            char(']'),
        )),
        char(':'),
    )
        .parse(r);
    tagged.ok().map(|(m, (app, pid, _))| (app, pid, m))
}

fn is_tag_char(c: char) -> bool {
    !(c.is_whitespace() || c == '[' || c == ':')
}

fn rfc3164<'a>(
    line: &'a str,
    i: &'a str,
    priority: Option<u8>,
    ctx: &ParseContext,
) -> Result<Envelope<'a>, ParseError> {
    let (r, stamp) = stamp3164(line, i, ctx)?;
    let r = r.trim_start_matches(' ');
    // The host: one word. A line that ends after the time has no host and no message.
    let host_end = crate::atoms::find_byte(r, b' ').unwrap_or(r.len());
    if host_end == 0 {
        return Err(ParseError::expected("a host name after the time", line, r));
    }
    let word = &r[..host_end];
    // A line written without a host (`Feb 21 21:54:44 sshd[3402]: ...`, as some senders do) has
    // the tag where the host would be: a word ending in `:` is not a host name (`fe80::` is).
    let (host, r) = if word.ends_with(':') && !word.ends_with("::") {
        (None, r)
    } else {
        (
            Some(word),
            r[host_end..].strip_prefix(' ').unwrap_or(&r[host_end..]),
        )
    };
    let (app, pid, msg) = match tag3164(r) {
        Some((app, pid, m)) => (Some(app), pid, m.strip_prefix(' ').unwrap_or(m)),
        None => (None, None, r),
    };
    Ok(Envelope {
        rfc: Rfc::Rfc3164,
        ts: stamp.ts,
        year_inferred: stamp.year_inferred,
        zone_from_source: stamp.zone_from_source,
        ts_from_reference: false,
        priority,
        host,
        app,
        pid,
        msgid: None,
        structured: Vec::new(),
        msg,
        msg_at: offset_in(line, msg),
    })
}

/// An RFC 5424 header field: `-` is nil.
fn field(i: &str) -> IResult<&str, Option<&str>> {
    let (r, f) = take_while1(|c: char| c != ' ').parse(i)?;
    let (r, _) = opt(char(' ')).parse(r)?;
    Ok((r, if f == "-" { None } else { Some(f) }))
}

fn rfc5424<'a>(
    line: &'a str,
    i: &'a str,
    priority: Option<u8>,
    ctx: &ParseContext,
) -> Result<Envelope<'a>, ParseError> {
    let Ok((r, ts_word)) = field(i) else {
        return Err(ParseError::expected("an RFC 5424 time stamp", line, i));
    };
    let (ts, zone_from_source, ts_from_reference) = match ts_word {
        None => (ctx.reference, false, true),
        Some(w) => {
            let (t, z) =
                time::parse_iso(w, ctx.zone).map_err(|k| ParseError::new(k, offset_in(line, i)))?;
            (t, z, false)
        }
    };
    let mut r = r;
    let mut header: [Option<&str>; 4] = [None; 4];
    for (n, slot) in header.iter_mut().enumerate() {
        const WHAT: [&str; 4] = ["a host name", "an app name", "a process id", "a message id"];
        match field(r) {
            Ok((r2, f)) => {
                *slot = f;
                r = r2;
            }
            Err(_) => return Err(ParseError::expected(WHAT[n], line, r)),
        }
    }
    let (r, structured) = structured_data(line, r)?;
    let msg = r.strip_prefix(' ').unwrap_or(r);
    let msg = msg.strip_prefix('\u{feff}').unwrap_or(msg);
    Ok(Envelope {
        rfc: Rfc::Rfc5424,
        ts,
        year_inferred: false,
        zone_from_source,
        ts_from_reference,
        priority,
        host: header[0],
        app: header[1],
        pid: header[2],
        msgid: header[3],
        structured,
        msg,
        msg_at: offset_in(line, msg),
    })
}

/// `-` or one or more `[id name="value" ...]` elements. Values unescape `\"`, `\\` and `\]`.
fn structured_data<'a>(
    line: &'a str,
    i: &'a str,
) -> Result<(&'a str, Vec<SdElement<'a>>), ParseError> {
    if let Some(r) = i.strip_prefix('-') {
        return Ok((r, Vec::new()));
    }
    if i.is_empty() {
        return Ok((i, Vec::new()));
    }
    let mut out = Vec::new();
    let mut r = i;
    while let Some(body) = r.strip_prefix('[') {
        let id_end = body
            .find([' ', ']'])
            .ok_or_else(|| ParseError::expected("']' closing the structured data", line, body))?;
        let id = &body[..id_end];
        if id.is_empty() {
            return Err(ParseError::expected("a structured-data id", line, body));
        }
        let mut p = &body[id_end..];
        let mut params = Vec::new();
        loop {
            p = p.trim_start_matches(' ');
            if let Some(after) = p.strip_prefix(']') {
                r = after;
                break;
            }
            let eq = p.find('=').ok_or_else(|| {
                ParseError::expected("name=\"value\" in structured data", line, p)
            })?;
            let name = &p[..eq];
            let Some(v) = p[eq + 1..].strip_prefix('"') else {
                return Err(ParseError::expected(
                    "'\"' opening a structured-data value",
                    line,
                    &p[eq + 1..],
                ));
            };
            let mut value = String::new();
            let mut chars = v.char_indices();
            let mut end = None;
            while let Some((k, c)) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some((_, e @ ('"' | '\\' | ']'))) => value.push(e),
                        Some((_, e)) => {
                            value.push('\\');
                            value.push(e);
                        }
                        None => value.push('\\'),
                    },
                    '"' => {
                        end = Some(k);
                        break;
                    }
                    c => value.push(c),
                }
            }
            let Some(end) = end else {
                return Err(ParseError::expected(
                    "'\"' closing a structured-data value",
                    line,
                    v,
                ));
            };
            params.push((name, value));
            p = &v[end + 1..];
        }
        out.push(SdElement { id, params });
    }
    Ok((r, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    fn ctx(reference: &str) -> ParseContext {
        let r = DateTime::parse_from_rfc3339(reference)
            .unwrap()
            .with_timezone(&Utc);
        ParseContext::new("auth", "default-host", Shanghai, r)
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    proptest::proptest! {
        /// The byte-level fast paths give what the combinators give, or step aside.
        #[test]
        fn fast_paths_agree_with_the_grammar(
            t in "(20[0-9]{2} )?[A-Za-z]{3} {1,2}[0-9]{1,2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,3})? [a-z]{0,5}",
            tag in "[ -~\t\u{0b}é]{0,12}(\\[[0-9 a]{0,4}\\]?)?:? ?[a-z ]{0,8}",
        ) {
            if let Some(fast) = bsd_stamp_fast(&t) {
                proptest::prop_assert_eq!(Some(fast), bsd_stamp_slow(&t));
            }
            proptest::prop_assert_eq!(tag3164(&tag), tag3164_slow(&tag));
        }
    }

    #[test]
    fn rfc3164_file_line() {
        let l = "Feb 21 21:54:44 localhost sshd[3402]: Accepted publickey for vagrant from 10.0.2.2 port 63673 ssh2";
        let e = envelope(l, &ctx("2026-03-01T00:00:00Z")).unwrap();
        assert_eq!(e.rfc, Rfc::Rfc3164);
        assert_eq!(e.ts, utc("2026-02-21T13:54:44Z"));
        assert!(e.year_inferred && e.zone_from_source);
        assert_eq!(
            (e.host, e.app, e.pid),
            (Some("localhost"), Some("sshd"), Some("3402"))
        );
        assert_eq!(
            e.msg,
            "Accepted publickey for vagrant from 10.0.2.2 port 63673 ssh2"
        );
        assert_eq!(&l[e.msg_at..], e.msg);
        assert_eq!(e.priority, None);
    }

    #[test]
    fn rfc3164_variants() {
        let c = ctx("2026-03-01T00:00:00Z");
        let e = envelope(
            "<34>Feb  4 11:14:27 1.2.3.4 apache_server: test message",
            &c,
        )
        .unwrap();
        assert_eq!(
            (e.priority, e.facility(), e.severity()),
            (Some(34), Some(4), Some(2))
        );
        assert_eq!(
            (e.host, e.app, e.pid, e.msg),
            (Some("1.2.3.4"), Some("apache_server"), None, "test message")
        );
        assert_eq!(e.ts, utc("2026-02-04T03:14:27Z"));

        let e = envelope(
            "2015 Nov 13 13:40:01 ether rsyslogd-2177: imuxsock begins",
            &c,
        )
        .unwrap();
        assert_eq!(e.ts, utc("2015-11-13T05:40:01Z"));
        assert!(!e.year_inferred);
        assert_eq!((e.host, e.app), (Some("ether"), Some("rsyslogd-2177")));

        let e = envelope(
            "2013-10-30T14:51:21.901728+01:00 srv sshd[12664]: Postponed",
            &c,
        )
        .unwrap();
        assert_eq!(e.ts, utc("2013-10-30T13:51:21.901728Z"));
        assert!(!e.zone_from_source && !e.year_inferred);

        let e = envelope(
            "Nov 11 22:46:29 localhost su(pam_unix)[23164]: authentication failure;",
            &c,
        )
        .unwrap();
        assert_eq!((e.app, e.pid), (Some("su(pam_unix)"), Some("23164")));

        let e = envelope(
            "Jul 19 07:28:02 localhost systemd: Failed to mark scope",
            &c,
        )
        .unwrap();
        assert_eq!(
            (e.app, e.pid, e.msg),
            (Some("systemd"), None, "Failed to mark scope")
        );

        let e = envelope("Feb 21 21:54:44 sshd[3402]: Accepted password", &c).unwrap();
        assert_eq!(
            (e.host, e.app, e.pid, e.msg),
            (None, Some("sshd"), Some("3402"), "Accepted password")
        );

        let e = envelope("Jul 19 07:28:02 localhost no tag here at all", &c).unwrap();
        assert_eq!(
            (e.host, e.app, e.msg),
            (Some("localhost"), None, "no tag here at all")
        );
    }

    #[test]
    fn rfc5424_with_structured_data_and_octet_count() {
        let l = r#"215 <86>1 2015-08-05T21:58:59.693Z 192.168.2.132 SecureAuth0 23108 ID52020 [SecureAuth@27389 UserHostAddress="192.168.2.132" Realm="SecureAuth0" UserID="Tester2" PEN="27389"] Found the user for retrieving user's profile"#;
        let e = envelope(l, &ctx("2026-03-01T00:00:00Z")).unwrap();
        assert_eq!(e.rfc, Rfc::Rfc5424);
        assert_eq!(e.ts, utc("2015-08-05T21:58:59.693Z"));
        assert_eq!(
            (e.host, e.app, e.pid, e.msgid),
            (
                Some("192.168.2.132"),
                Some("SecureAuth0"),
                Some("23108"),
                Some("ID52020")
            )
        );
        assert_eq!(e.structured.len(), 1);
        assert_eq!(e.structured[0].id, "SecureAuth@27389");
        assert_eq!(e.structured[0].params[2], ("UserID", "Tester2".to_string()));
        assert_eq!(e.msg, "Found the user for retrieving user's profile");

        let e = envelope(
            r#"<13>1 2026-11-03T09:00:00.5+08:00 h - - - [a@1 k="x\"y\]z"][b@2] msg"#,
            &ctx("2026-11-03T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(e.ts, utc("2026-11-03T01:00:00.5Z"));
        assert_eq!((e.app, e.pid, e.msgid), (None, None, None));
        assert_eq!(e.structured[0].params, vec![("k", "x\"y]z".to_string())]);
        assert_eq!(e.structured[1].id, "b@2");
        assert_eq!(e.msg, "msg");

        let e = envelope("<13>1 - h app - - -", &ctx("2026-11-03T00:00:00Z")).unwrap();
        assert!(e.ts_from_reference);
        assert_eq!(e.msg, "");
    }

    #[test]
    fn rejections_say_why_and_where() {
        let c = ctx("2026-03-01T00:00:00Z");
        let err = |l: &str| envelope(l, &c).unwrap_err();
        assert_eq!(err("").kind, ErrorKind::Empty);
        let e = err("<999>Feb  4 11:14:27 h x: y");
        assert_eq!(
            (e.kind.clone(), e.at),
            (ErrorKind::Expected("a priority <0-191>"), 0)
        );
        let e = err("Foo 21 21:54:44 localhost sshd[1]: x");
        assert_eq!(e.kind, ErrorKind::BadTimestamp("Foo 21 21:54:44".into()));
        let e = err("<13>1 2026-11-03T09:00:00Z h a p m [sd k=\"v] msg");
        assert_eq!(
            e.kind,
            ErrorKind::Expected("'\"' closing a structured-data value")
        );
        let e = err("Feb 21 21:54:44 ");
        assert_eq!(e.kind, ErrorKind::Expected("a host name after the time"));
        assert_eq!(e.at, 16);
        assert!(matches!(
            err("Feb 30 21:54:44 h x: y").kind,
            ErrorKind::BadTimestamp(_)
        ));
    }
}
