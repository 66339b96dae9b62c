//! The output buffer every generator writes through: bytes are appended to a reused buffer that is
//! flushed to the caller's writer in large blocks, numbers and times are formatted without
//! allocation, and lines are counted so that planted events can be located by line and offset.

use std::io::{self, Write};

use crate::clock::{self, MONTH_ABBR, OFFSET, Tm, WEEKDAY_ABBR};

const FLUSH_AT: usize = 1 << 18;
const HEX: &[u8; 16] = b"0123456789abcdef";
const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Where a planted line was written: planted-event index, 1-based line number, byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub id: usize,
    pub line: u64,
    pub offset: u64,
}

/// Buffered, counting writer with allocation-free formatting helpers.
pub struct Out<'w> {
    buf: Vec<u8>,
    w: &'w mut dyn Write,
    err: Option<io::Error>,
    flushed: u64,
    lines: u64,
    line_start: usize,
    mark: Option<(usize, Vec<u8>)>,
    hits: Vec<Hit>,
    day_cache: (i64, i64, u32, u32, u32),
}

impl<'w> Out<'w> {
    /// An output writing to `w`.
    pub fn new(w: &'w mut dyn Write) -> Self {
        Out {
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            w,
            err: None,
            flushed: 0,
            lines: 0,
            line_start: 0,
            mark: None,
            hits: Vec::new(),
            day_cache: (i64::MIN, 0, 0, 0, 0),
        }
    }

    /// Bytes written so far (flushed or buffered).
    pub fn bytes(&self) -> u64 {
        self.flushed + self.buf.len() as u64
    }

    /// Complete lines written so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Whether a write to the underlying writer has failed.
    pub fn failed(&self) -> bool {
        self.err.is_some()
    }

    /// From now on, record every line containing `needle` as a line of planted event `id`.
    pub fn mark(&mut self, id: usize, needle: &str) {
        self.mark = Some((id, needle.as_bytes().to_vec()));
    }

    /// Stop recording planted lines.
    pub fn unmark(&mut self) {
        self.mark = None;
    }

    /// Record the next line as a line of planted event `id` whatever it contains.
    pub fn mark_next_line(&mut self, id: usize) {
        self.mark = Some((id, Vec::new()));
    }

    /// The recorded planted lines.
    pub fn take_hits(&mut self) -> Vec<Hit> {
        std::mem::take(&mut self.hits)
    }

    /// Flushes everything and returns the first write error, if any.
    pub fn finish(&mut self) -> io::Result<()> {
        self.flush_buf();
        if self.err.is_none()
            && let Err(e) = self.w.flush()
        {
            self.err = Some(e);
        }
        match self.err.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn flush_buf(&mut self) {
        if self.err.is_none()
            && !self.buf.is_empty()
            && let Err(e) = self.w.write_all(&self.buf)
        {
            self.err = Some(e);
        }
        self.flushed += self.buf.len() as u64;
        self.buf.clear();
        self.line_start = 0;
    }

    /// Ends the current line.
    #[inline]
    pub fn nl(&mut self) {
        if let Some((id, needle)) = &self.mark {
            let line = &self.buf[self.line_start..];
            if needle.is_empty() || contains(line, needle) {
                self.hits.push(Hit {
                    id: *id,
                    line: self.lines + 1,
                    offset: self.flushed + self.line_start as u64,
                });
                if needle.is_empty() {
                    self.mark = None;
                }
            }
        }
        self.buf.push(b'\n');
        self.lines += 1;
        if self.buf.len() >= FLUSH_AT {
            self.flush_buf();
        }
        self.line_start = self.buf.len();
    }

    /// Appends text.
    #[inline]
    pub fn s(&mut self, s: &str) -> &mut Self {
        self.buf.extend_from_slice(s.as_bytes());
        self
    }

    /// Appends raw bytes.
    #[inline]
    pub fn b(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }

    /// Appends one byte.
    #[inline]
    pub fn c(&mut self, c: u8) -> &mut Self {
        self.buf.push(c);
        self
    }

    /// Appends a decimal number.
    #[inline]
    pub fn u(&mut self, v: u64) -> &mut Self {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        let mut v = v;
        loop {
            i -= 1;
            tmp[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&tmp[i..]);
        self
    }

    /// Appends a decimal number padded on the left with `pad` to `width`.
    #[inline]
    pub fn upad(&mut self, v: u64, width: usize, pad: u8) -> &mut Self {
        let mut n = 1;
        let mut x = v / 10;
        while x > 0 {
            n += 1;
            x /= 10;
        }
        for _ in n..width {
            self.buf.push(pad);
        }
        self.u(v)
    }

    /// Appends a two-digit zero-padded number.
    #[inline]
    pub fn d2(&mut self, v: u32) -> &mut Self {
        self.buf.push(b'0' + (v / 10 % 10) as u8);
        self.buf.push(b'0' + (v % 10) as u8);
        self
    }

    /// Appends the decimal fraction `num / den` with up to `digits` digits, trailing zeros dropped
    /// (`0.25`, `1`, `0`), the way Go and Python print such floats.
    pub fn frac(&mut self, num: u64, den: u64, digits: u32) -> &mut Self {
        if den == 0 {
            return self.c(b'0');
        }
        let whole = num / den;
        self.u(whole);
        let scale = 10u64.pow(digits);
        let mut f = ((u128::from(num % den) * u128::from(scale)) / u128::from(den)) as u64;
        if f == 0 {
            return self;
        }
        let mut width = digits as usize;
        while f.is_multiple_of(10) {
            f /= 10;
            width -= 1;
        }
        self.c(b'.');
        self.upad(f, width, b'0')
    }

    /// Appends `v` as lowercase hex, `width` digits (zero-padded).
    pub fn hex(&mut self, v: u64, width: usize) -> &mut Self {
        for i in (0..width).rev() {
            let nib = if i < 16 { (v >> (i * 4)) & 0xF } else { 0 };
            self.buf.push(HEX[nib as usize]);
        }
        self
    }

    /// Appends `v` as uppercase hex, `width` digits (zero-padded).
    pub fn hex_upper(&mut self, v: u64, width: usize) -> &mut Self {
        for i in (0..width).rev() {
            let nib = if i < 16 { (v >> (i * 4)) & 0xF } else { 0 };
            self.buf.push(HEX_UPPER[nib as usize]);
        }
        self
    }

    /// Appends the bytes of `s` as uppercase hex (auditd's encoding of untrusted strings).
    pub fn hex_bytes_upper(&mut self, s: &[u8]) -> &mut Self {
        for &b in s {
            self.buf.push(HEX_UPPER[(b >> 4) as usize]);
            self.buf.push(HEX_UPPER[(b & 0xF) as usize]);
        }
        self
    }

    /// Local civil time of `t` (cached by day).
    pub fn tm(&mut self, t: i64) -> Tm {
        self.tm_off(t, OFFSET)
    }

    /// Civil time of `t` at `offset` (cached by day).
    pub fn tm_off(&mut self, t: i64, offset: i64) -> Tm {
        let local = t + offset;
        let days = local.div_euclid(clock::DAY);
        if self.day_cache.0 != days {
            let (y, m, d) = clock::civil_from_days(days);
            self.day_cache = (days, y, m, d, clock::weekday(days));
        }
        let rem = local.rem_euclid(clock::DAY);
        Tm {
            year: self.day_cache.1,
            month: self.day_cache.2,
            day: self.day_cache.3,
            hour: (rem / clock::HOUR) as u32,
            min: ((rem % clock::HOUR) / clock::MIN) as u32,
            sec: ((rem % clock::MIN) / clock::SEC) as u32,
            micros: (rem % clock::SEC) as u32,
            weekday: self.day_cache.4,
        }
    }

    fn date(&mut self, tm: &Tm, sep: u8) {
        self.upad(tm.year as u64, 4, b'0')
            .c(sep)
            .d2(tm.month)
            .c(sep)
            .d2(tm.day);
    }

    fn hms(&mut self, tm: &Tm) {
        self.d2(tm.hour).c(b':').d2(tm.min).c(b':').d2(tm.sec);
    }

    /// `Nov  3 09:15:02` (RFC 3164, day padded with a space).
    pub fn ts_syslog(&mut self, t: i64) -> &mut Self {
        let tm = self.tm(t);
        self.s(MONTH_ABBR[(tm.month - 1) as usize]).c(b' ');
        if tm.day < 10 {
            self.c(b' ');
        }
        self.u(u64::from(tm.day)).c(b' ');
        self.hms(&tm);
        self
    }

    /// `2026-11-03T09:15:02.123456+08:00`.
    pub fn ts_rfc3339_us(&mut self, t: i64) -> &mut Self {
        let tm = self.tm(t);
        self.date(&tm, b'-');
        self.c(b'T');
        self.hms(&tm);
        self.c(b'.').upad(u64::from(tm.micros), 6, b'0').s("+08:00")
    }

    /// `2026-11-03T09:15:02.123+08:00`.
    pub fn ts_rfc3339_ms(&mut self, t: i64) -> &mut Self {
        let tm = self.tm(t);
        self.date(&tm, b'-');
        self.c(b'T');
        self.hms(&tm);
        self.c(b'.')
            .upad(u64::from(tm.micros / 1000), 3, b'0')
            .s("+08:00")
    }

    /// `2026-11-03T01:15:02.123456Z` (UTC).
    pub fn ts_utc_us(&mut self, t: i64) -> &mut Self {
        let tm = self.tm_off(t, 0);
        self.date(&tm, b'-');
        self.c(b'T');
        self.hms(&tm);
        self.c(b'.').upad(u64::from(tm.micros), 6, b'0').c(b'Z')
    }

    /// `2026-11-03 09:15:02.123 CST` (PostgreSQL's `%m` in zone Asia/Shanghai).
    pub fn ts_pg(&mut self, t: i64) -> &mut Self {
        let tm = self.tm(t);
        self.date(&tm, b'-');
        self.c(b' ');
        self.hms(&tm);
        self.c(b'.')
            .upad(u64::from(tm.micros / 1000), 3, b'0')
            .s(" CST")
    }

    /// `2026-11-03 09:15:02`.
    pub fn ts_plain(&mut self, t: i64) -> &mut Self {
        let tm = self.tm(t);
        self.date(&tm, b'-');
        self.c(b' ');
        self.hms(&tm);
        self
    }

    /// `20261103 09:15:02` (MariaDB server_audit).
    pub fn ts_compact(&mut self, t: i64) -> &mut Self {
        let tm = self.tm(t);
        self.upad(tm.year as u64, 4, b'0').d2(tm.month).d2(tm.day);
        self.c(b' ');
        self.hms(&tm);
        self
    }

    /// `Tue, 2026-11-03 09:15:02` (borg's statistics).
    pub fn ts_borg(&mut self, t: i64) -> &mut Self {
        let tm = self.tm(t);
        self.s(WEEKDAY_ABBR[tm.weekday as usize]).s(", ");
        self.date(&tm, b'-');
        self.c(b' ');
        self.hms(&tm);
        self
    }

    /// `YYYYMMDD` local.
    pub fn ymd(&mut self, t: i64) -> &mut Self {
        let tm = self.tm(t);
        self.upad(tm.year as u64, 4, b'0').d2(tm.month).d2(tm.day)
    }

    /// `1762131302.123` (auditd: epoch seconds with milliseconds).
    pub fn epoch_ms(&mut self, t: i64) -> &mut Self {
        let secs = t.div_euclid(clock::SEC) as u64;
        let ms = (t.rem_euclid(clock::SEC) / 1000) as u64;
        self.u(secs).c(b'.').upad(ms, 3, b'0')
    }

    /// `1762131302.123456` with trailing zeros dropped (Python's float repr of `time.time()`).
    pub fn epoch_float(&mut self, t: i64) -> &mut Self {
        let secs = t.div_euclid(clock::SEC) as u64;
        let us = t.rem_euclid(clock::SEC) as u64;
        self.u(secs).c(b'.');
        if us == 0 {
            return self.c(b'0');
        }
        let mut f = us;
        let mut width = 6;
        while f.is_multiple_of(10) {
            f /= 10;
            width -= 1;
        }
        self.upad(f, width, b'0')
    }

    /// An IPv4 address.
    pub fn ip(&mut self, ip: [u8; 4]) -> &mut Self {
        self.u(u64::from(ip[0]))
            .c(b'.')
            .u(u64::from(ip[1]))
            .c(b'.')
            .u(u64::from(ip[2]))
            .c(b'.')
            .u(u64::from(ip[3]))
    }
}

/// Whether `hay` contains `needle`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Month;

    fn render(f: impl FnOnce(&mut Out)) -> String {
        let mut v = Vec::new();
        {
            let mut o = Out::new(&mut v);
            f(&mut o);
            o.finish().unwrap();
        }
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn formats_numbers_and_times() {
        let m = Month::parse("2026-11").unwrap();
        let t = m.at(3, 9, 5, 2) + 123_456;
        assert_eq!(
            render(|o| {
                o.ts_syslog(t);
            }),
            "Nov  3 09:05:02"
        );
        assert_eq!(
            render(|o| {
                o.ts_pg(t);
            }),
            "2026-11-03 09:05:02.123 CST"
        );
        assert_eq!(
            render(|o| {
                o.ts_rfc3339_us(t);
            }),
            "2026-11-03T09:05:02.123456+08:00"
        );
        assert_eq!(
            render(|o| {
                o.ts_utc_us(t);
            }),
            "2026-11-03T01:05:02.123456Z"
        );
        assert_eq!(
            render(|o| {
                o.ts_compact(t);
            }),
            "20261103 09:05:02"
        );
        assert_eq!(
            render(|o| {
                o.ts_borg(t);
            }),
            "Tue, 2026-11-03 09:05:02"
        );
        assert_eq!(
            render(|o| {
                o.upad(42, 5, b' ');
            }),
            "   42"
        );
        assert_eq!(
            render(|o| {
                o.frac(1, 4, 6);
            }),
            "0.25"
        );
        assert_eq!(
            render(|o| {
                o.frac(4, 4, 6);
            }),
            "1"
        );
        assert_eq!(
            render(|o| {
                o.frac(1, 3, 6);
            }),
            "0.333333"
        );
        assert_eq!(
            render(|o| {
                o.hex(0xbeef, 8);
            }),
            "0000beef"
        );
        assert_eq!(
            render(|o| {
                o.hex_bytes_upper(b"ls -l");
            }),
            "6C73202D6C"
        );
        assert_eq!(
            render(|o| {
                o.epoch_float(1_500_000);
            }),
            "1.5"
        );
        assert_eq!(
            render(|o| {
                o.epoch_ms(1_500_000);
            }),
            "1.500"
        );
    }

    #[test]
    fn marks_lines_with_needle() {
        let mut v = Vec::new();
        let mut o = Out::new(&mut v);
        o.s("a").nl();
        o.mark(3, "xx");
        o.s("bxx").nl();
        o.s("c").nl();
        o.unmark();
        o.s("xx").nl();
        assert_eq!(
            o.take_hits(),
            vec![Hit {
                id: 3,
                line: 2,
                offset: 2
            }]
        );
        o.finish().unwrap();
    }
}
