//! PostgreSQL's `log_line_prefix`: compiled once from its configured string, then matched
//! against the start of each stderr (or syslog-carried) line.
//!
//! Supported escapes: `%a` application, `%u` user, `%d` database, `%r` remote host and port,
//! `%h` remote host, `%b` backend type, `%p` pid, `%P` parallel leader pid, `%t` time, `%m` time
//! with milliseconds, `%n` epoch time, `%i` command tag, `%e` SQLSTATE, `%c` session id, `%l`
//! session line number, `%s` session start, `%v` virtual transaction id, `%x` transaction id,
//! `%Q` query id, `%q` (non-session processes stop here), `%%`. Padding (`%-10u`, `%5p`) is
//! accepted. Anything else is an error naming the escape.
//!
//! Matching needs no regex: literals are compared, numbers and times are read by shape, and text
//! values (user, database, application, host) run up to the literal that follows them.

use super::level::find_level;

/// One piece of a compiled prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Lit(String),
    Esc {
        kind: u8,
        padded: bool,
    },
    /// `%q`: a non-session process's prefix stops here.
    Stop,
}

/// A compiled `log_line_prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgPrefix {
    source: String,
    items: Vec<Item>,
}

/// What a prefix said about a line. Text is borrowed from the line; `[unknown]` and empty values
/// are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrefixValues<'a> {
    /// `%m`, `%t` (with its zone) or `%n`, as written.
    pub time: Option<&'a str>,
    pub session_start: Option<&'a str>,
    pub user: Option<&'a str>,
    pub database: Option<&'a str>,
    pub application: Option<&'a str>,
    /// `%h`, or the host part of `%r` (`[local]` for a Unix socket).
    pub remote_host: Option<&'a str>,
    pub remote_port: Option<&'a str>,
    pub pid: Option<&'a str>,
    pub leader_pid: Option<&'a str>,
    pub session_line: Option<&'a str>,
    pub session_id: Option<&'a str>,
    pub vxid: Option<&'a str>,
    pub xid: Option<&'a str>,
    pub sqlstate: Option<&'a str>,
    pub backend_type: Option<&'a str>,
    pub command_tag: Option<&'a str>,
    pub query_id: Option<&'a str>,
}

/// The escapes PostgreSQL documents (and this reader knows).
const KNOWN: &[u8] = b"aubdrhpPtmnieclsvxQq";

impl PgPrefix {
    /// Compiles a `log_line_prefix` value. An unknown escape is an error that names it.
    pub fn new(prefix: &str) -> Result<PgPrefix, String> {
        let mut items = Vec::new();
        let mut lit = String::new();
        let mut chars = prefix.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            if c != '%' {
                lit.push(c);
                continue;
            }
            // Optional padding: `-` and digits.
            let mut padded = false;
            while let Some(&(_, p)) = chars.peek() {
                if p == '-' || p.is_ascii_digit() {
                    padded = true;
                    chars.next();
                } else {
                    break;
                }
            }
            let Some((_, e)) = chars.next() else {
                return Err(format!(
                    "log_line_prefix {prefix:?} ends with a lone '%' at byte {at}"
                ));
            };
            if e == '%' {
                lit.push('%');
                continue;
            }
            if !e.is_ascii() || !KNOWN.contains(&(e as u8)) {
                return Err(format!(
                    "log_line_prefix {prefix:?} has an unknown escape %{e} at byte {at}"
                ));
            }
            if !lit.is_empty() {
                items.push(Item::Lit(std::mem::take(&mut lit)));
            }
            if e == 'q' {
                items.push(Item::Stop);
            } else {
                items.push(Item::Esc {
                    kind: e as u8,
                    padded,
                });
            }
        }
        if !lit.is_empty() {
            items.push(Item::Lit(lit));
        }
        Ok(PgPrefix {
            source: prefix.to_string(),
            items,
        })
    }

    /// The configured string.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the prefix writes a time (`%m`, `%t` or `%n`).
    pub fn has_time(&self) -> bool {
        self.items.iter().any(|i| {
            matches!(
                i,
                Item::Esc {
                    kind: b'm' | b't' | b'n',
                    ..
                }
            )
        })
    }

    /// Whether the prefix writes the process id.
    pub fn has_pid(&self) -> bool {
        self.items
            .iter()
            .any(|i| matches!(i, Item::Esc { kind: b'p', .. }))
    }

    /// Matches the prefix at the start of `line`: the values and the rest of the line (which
    /// starts with the level), or the byte where matching failed and what was expected there.
    pub fn matches<'a>(
        &self,
        line: &'a str,
    ) -> Result<(PrefixValues<'a>, &'a str), (usize, &'static str)> {
        let mut v = PrefixValues::default();
        let rest = self.matches_into(line, &mut v)?;
        Ok((v, rest))
    }

    /// [`PgPrefix::matches`], the values set in `v` (which starts empty): the values are not
    /// copied on their way out.
    pub(crate) fn matches_into<'a>(
        &self,
        line: &'a str,
        v: &mut PrefixValues<'a>,
    ) -> Result<&'a str, (usize, &'static str)> {
        let mut rest = line;
        let at = |r: &str| line.len() - r.len();
        let n = self.items.len();
        for (k, item) in self.items.iter().enumerate() {
            match item {
                Item::Lit(l) => {
                    if starts_with_short(rest.as_bytes(), l.as_bytes()) {
                        rest = &rest[l.len()..];
                    } else if k > 0
                        && matches!(self.items[k - 1], Item::Esc { padded: true, .. })
                        && let Some(r) = rest.trim_start_matches(' ').strip_prefix(l.trim_start())
                    {
                        rest = r;
                    } else {
                        return Err((at(rest), "the literal text of log_line_prefix"));
                    }
                }
                Item::Stop => {
                    if find_level(rest) == Some(0) {
                        return Ok(rest);
                    }
                }
                Item::Esc { kind, padded } => {
                    if *padded {
                        rest = rest.trim_start_matches(' ');
                    }
                    let next = self.items.get(k + 1);
                    let (value, r) = match kind {
                        b'm' | b't' | b's' => match take_time(rest) {
                            Some(x) => x,
                            None => return Err((at(rest), time_what(*kind))),
                        },
                        b'n' => match take_epoch(rest) {
                            Some(x) => x,
                            None => return Err((at(rest), "an epoch time (%n)")),
                        },
                        b'p' | b'P' | b'l' | b'x' | b'Q' => {
                            let (d, r) = take_int(rest);
                            if d.is_empty() && matches!(kind, b'p' | b'l') {
                                return Err((at(rest), number_what(*kind)));
                            }
                            (d, r)
                        }
                        _ => take_text(rest, next, k + 1 == n),
                    };
                    rest = r;
                    let value = if *padded { value.trim_end() } else { value };
                    store(v, *kind, value);
                }
            }
        }
        Ok(rest)
    }
}

fn time_what(kind: u8) -> &'static str {
    match kind {
        b'm' => "a time with milliseconds (%m) such as 2026-11-03 09:15:02.123 CST",
        b't' => "a time (%t) such as 2026-11-03 09:15:02 CST",
        _ => "a session start time (%s)",
    }
}

fn number_what(kind: u8) -> &'static str {
    match kind {
        b'p' => "a process id (%p)",
        _ => "a session line number (%l)",
    }
}

fn some(s: &str) -> Option<&str> {
    if s.is_empty() || s == "[unknown]" {
        None
    } else {
        Some(s)
    }
}

fn store<'a>(v: &mut PrefixValues<'a>, kind: u8, value: &'a str) {
    let s = some(value);
    match kind {
        b'm' | b't' | b'n' if v.time.is_none() => v.time = s,
        b's' => v.session_start = s,
        b'u' => v.user = s,
        b'd' => v.database = s,
        b'a' => v.application = s,
        b'h' => v.remote_host = s,
        b'r' => {
            // `host(port)` or `[local]`.
            if let Some(open) = value.rfind('(')
                && value.ends_with(')')
            {
                v.remote_host = some(&value[..open]);
                v.remote_port = some(&value[open + 1..value.len() - 1]);
            } else {
                v.remote_host = s;
            }
        }
        b'b' => v.backend_type = s,
        b'p' => v.pid = s,
        b'P' => v.leader_pid = s,
        b'l' => v.session_line = s,
        b'c' => v.session_id = s,
        b'v' => v.vxid = s,
        b'x' => v.xid = s,
        b'e' => v.sqlstate = s,
        b'i' => v.command_tag = s,
        b'Q' => v.query_id = s,
        _ => {}
    }
}

/// `-?digits`.
fn take_int(s: &str) -> (&str, &str) {
    let b = s.as_bytes();
    let start = usize::from(b.first() == Some(&b'-'));
    let n = b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        ("", s)
    } else {
        s.split_at(start + n)
    }
}

/// `1699000000.123`
fn take_epoch(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        return None;
    }
    let mut end = n;
    if b.get(n) == Some(&b'.') {
        end += 1 + b[n + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
    }
    Some(s.split_at(end))
}

/// Whether `hay` starts with `lit`, compared byte by byte: literals of a prefix are a few bytes,
/// shorter than a call to `memcmp` costs.
#[inline]
fn starts_with_short(hay: &[u8], lit: &[u8]) -> bool {
    hay.len() >= lit.len() && hay.iter().zip(lit).all(|(a, b)| a == b)
}

/// Where `lit` first occurs in `hay` (at 0 when it is empty), as [`crate::atoms::find_bytes`]
/// finds it. A value in a prefix (a user, a database) is short: the first bytes are looked at one
/// by one before the rest is searched with `memchr`.
fn find_literal(hay: &[u8], lit: &[u8]) -> Option<usize> {
    const NEAR: usize = 32;
    let Some(&first) = lit.first() else {
        return Some(0);
    };
    let near = hay.len().min(NEAR);
    for i in 0..near {
        if hay[i] == first && starts_with_short(&hay[i..], lit) {
            return Some(i);
        }
    }
    crate::atoms::find_bytes(&hay[near..], lit).map(|p| near + p)
}

/// `YYYY-MM-DD HH:MM:SS[.fff] ZONE`: the time and its zone, as written.
pub(crate) fn take_time(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    const SHAPE: &[u8; 19] = b"dddd-dd-dd dd:dd:dd";
    let head: &[u8; 19] = b.first_chunk()?;
    // Every byte compared, without an early exit: the shape is almost always right. A digit is
    // one that, less '0', is below 10.
    let mut bad = 0u8;
    for (c, p) in head.iter().zip(SHAPE) {
        bad |= if *p == b'd' {
            u8::from(c.wrapping_sub(b'0') > 9)
        } else {
            c ^ p
        };
    }
    if bad != 0 {
        return None;
    }
    let mut end = SHAPE.len();
    if b.get(end) == Some(&b'.') {
        end += 1 + b[end + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
    }
    if b.get(end) == Some(&b' ') {
        let z = b[end + 1..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b':' | b'/'))
            .count();
        if z > 0 {
            end += 1 + z;
        }
    }
    Some(s.split_at(end))
}

/// A text value: up to the next literal, or for the last item up to the level.
fn take_text<'a>(s: &'a str, next: Option<&Item>, last: bool) -> (&'a str, &'a str) {
    match next {
        Some(Item::Lit(l)) => {
            let l = l.as_str();
            // An empty value followed by the literal, or the value up to the literal's first
            // occurrence (a literal that starts with a blank is searched for as written).
            match find_literal(s.as_bytes(), l.as_bytes()) {
                Some(p) => s.split_at(p),
                None => ("", s),
            }
        }
        _ if last => match find_level(s) {
            Some(p) => {
                let (v, r) = s.split_at(p);
                (v.trim_end_matches(' '), r)
            }
            None => ("", s),
        },
        // Two escapes side by side (`%u%d`): the value runs to the next blank.
        _ => {
            let p = s.find(' ').unwrap_or(s.len());
            s.split_at(p)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_and_names_bad_escapes() {
        assert!(PgPrefix::new("%m [%p] %u@%d ").is_ok());
        assert!(PgPrefix::new("%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h").is_ok());
        assert!(PgPrefix::new("%% %q%-10u").is_ok());
        let e = PgPrefix::new("%m %z ").unwrap_err();
        assert!(e.contains("%z"), "{e}");
        let e = PgPrefix::new("%m %").unwrap_err();
        assert!(e.contains("lone '%'"), "{e}");
    }

    #[test]
    fn matches_the_defaults() {
        let p = PgPrefix::new("%m [%p] %u@%d ").unwrap();
        let (v, rest) = p
            .matches("2026-11-03 09:15:02.123 CST [4711] archivist@archive LOG:  x")
            .unwrap();
        assert_eq!(v.time, Some("2026-11-03 09:15:02.123 CST"));
        assert_eq!(
            (v.pid, v.user, v.database),
            (Some("4711"), Some("archivist"), Some("archive"))
        );
        assert_eq!(rest, "LOG:  x");

        let p = PgPrefix::new("%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h").unwrap();
        let (v, rest) = p
            .matches("2026-11-03 09:15:02 +08 [12]: [3-1] user=bob,db=arch,app=psql,client=10.1.2.3 ERROR:  oops")
            .unwrap();
        assert_eq!(v.time, Some("2026-11-03 09:15:02 +08"));
        assert_eq!(v.session_line, Some("3"));
        assert_eq!(v.application, Some("psql"));
        assert_eq!(v.remote_host, Some("10.1.2.3"));
        assert_eq!(rest, "ERROR:  oops");

        let p = PgPrefix::new("db=%d,user=%u,app=%a,client=%h ").unwrap();
        let (v, rest) = p
            .matches("db=[unknown],user=,app=[unknown],client=[local] LOG:  x")
            .unwrap();
        assert_eq!((v.database, v.user, v.application), (None, None, None));
        assert_eq!(v.remote_host, Some("[local]"));
        assert_eq!(rest, "LOG:  x");
    }

    #[test]
    fn remote_host_and_port_stop_and_padding() {
        let p = PgPrefix::new("%m %r %q%u ").unwrap();
        let (v, rest) = p
            .matches("2026-11-03 09:15:02.123 UTC 10.0.0.5(51234) bob LOG:  x")
            .unwrap();
        assert_eq!(
            (v.remote_host, v.remote_port, v.user),
            (Some("10.0.0.5"), Some("51234"), Some("bob"))
        );
        assert_eq!(rest, "LOG:  x");
        // A background process stops at %q.
        let (_, rest) = p
            .matches("2026-11-03 09:15:02.123 UTC  LOG:  checkpoint")
            .unwrap();
        assert_eq!(rest, "LOG:  checkpoint");

        let p = PgPrefix::new("%-10u|%5p ").unwrap();
        let (v, rest) = p.matches("bob       |   42 LOG:  x").unwrap();
        assert_eq!((v.user, v.pid), (Some("bob"), Some("42")));
        assert_eq!(rest, "LOG:  x");
    }

    #[test]
    fn literals_are_found_as_find_bytes_finds_them() {
        let hay = "archivist@archive LOG:  a@b ] [x] done".repeat(3);
        for lit in ["@", " ", "] ", " [", "@archive ", "zz", "", "  ", "done"] {
            for start in 0..hay.len() {
                let h = &hay.as_bytes()[start..];
                assert_eq!(
                    find_literal(h, lit.as_bytes()),
                    crate::atoms::find_bytes(h, lit.as_bytes()),
                    "{lit:?} in {:?}",
                    &hay[start..]
                );
            }
        }
    }

    #[test]
    fn mismatch_says_where() {
        let p = PgPrefix::new("%m [%p] ").unwrap();
        let (at, what) = p
            .matches("2026-11-03 09:15:02.123 CST 4711 LOG:  x")
            .unwrap_err();
        assert_eq!(at, 27);
        assert!(what.contains("literal"));
        let (at, what) = p.matches("Nov 3 LOG:  x").unwrap_err();
        assert_eq!(at, 0);
        assert!(what.contains("%m"));
    }
}
