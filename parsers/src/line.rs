//! What a parser is fed: one line's bytes and where they sit in their file.
//!
//! The reader (in the `vigil` binary) splits files into lines, strips the line ending (`\n` or
//! `\r\n`) and hands each line over with its file identity and byte offset. Parsers copy the
//! origin into the events they make, so every event can be traced back to its bytes.

use std::borrow::Cow;

use crate::context::{Encoding, ParseContext};
use crate::error::{ErrorKind, ParseError, Rejected};
use crate::event::Flag;

/// One line of input, without its line ending.
#[derive(Debug, Clone, Copy)]
pub struct RawLine<'a> {
    pub bytes: &'a [u8],
    /// The file the line was read from, as the user named it.
    pub path: &'a str,
    /// The file's fingerprint (identity independent of path and inode).
    pub file_id: u64,
    /// Byte offset of the line's first byte in the file.
    pub offset: u64,
    /// 1-based line number.
    pub line: u64,
}

impl<'a> RawLine<'a> {
    /// A line of an in-memory text: for tests and tools that have no file.
    pub fn text(s: &'a str) -> RawLine<'a> {
        RawLine {
            bytes: s.as_bytes(),
            path: "-",
            file_id: 0,
            offset: 0,
            line: 1,
        }
    }

    /// The same line at another place (for tables of lines fed one after another).
    pub fn at(self, offset: u64, line: u64) -> RawLine<'a> {
        RawLine {
            offset,
            line,
            ..self
        }
    }

    /// The line as text in the source's encoding, and the flag saying how it was decoded.
    /// UTF-8 is tried first in every case: a GB18030 source that writes pure ASCII or UTF-8
    /// costs nothing. Never fails: bad bytes become U+FFFD and the line is flagged.
    ///
    /// The check is `simdutf8`'s (the same answer as `std::str::from_utf8`, with SIMD: every
    /// line is checked, and std's check was a few percent of a whole parse).
    pub fn decode(&self, ctx: &ParseContext) -> (Cow<'a, str>, Option<Flag>) {
        match simdutf8::basic::from_utf8(self.bytes) {
            Ok(s) => (Cow::Borrowed(s), None),
            Err(_) => match ctx.encoding {
                Encoding::Gb18030 => {
                    let (s, _, _) = encoding_rs::GB18030.decode(self.bytes);
                    (Cow::Owned(s.into_owned()), Some(Flag::Gb18030))
                }
                Encoding::Utf8 => (
                    Cow::Owned(String::from_utf8_lossy(self.bytes).into_owned()),
                    Some(Flag::InvalidUtf8),
                ),
            },
        }
    }

    /// [`RawLine::decode`], rejecting a blank line (nothing but white space) as `empty`.
    #[allow(clippy::result_large_err)] // the rejection is the line itself, as in `Output`
    pub fn decode_nonblank(
        &self,
        ctx: &ParseContext,
    ) -> Result<(Cow<'a, str>, Option<Flag>), Rejected> {
        let (text, flag) = self.decode(ctx);
        if text.trim().is_empty() {
            return Err(crate::reject(
                self,
                text.into_owned(),
                ParseError::new(ErrorKind::Empty, 0),
            ));
        }
        Ok((text, flag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Parser;
    use crate::json::{JsonMapping, JsonParser};

    /// The UTF-8 check says what std's says, on texts good and bad of every kind, at every
    /// length around the SIMD block sizes.
    #[test]
    fn utf8_is_checked_as_std_checks_it() {
        let samples: [&[u8]; 12] = [
            b"plain ascii",
            "档案 AUDIT 张三".as_bytes(),
            b"\xe6\xa1",
            b"\xff",
            b"\xc0\xaf",
            b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80",
            b"\xf0\x9f\x98\x80",
            b"\xe5\xbc\xa0\xc8",
            b"",
            b"\x80",
            b"\xd5\xc5\xc8\xfd",
        ];
        for pad in [0, 1, 15, 16, 31, 32, 63, 64, 65] {
            for s in samples {
                for at_end in [false, true] {
                    let mut b = vec![b'x'; pad];
                    if at_end {
                        b.extend_from_slice(s);
                    } else {
                        b.splice(0..0, s.iter().copied());
                    }
                    let ours = simdutf8::basic::from_utf8(&b).map_err(|_| ());
                    let std = std::str::from_utf8(&b).map_err(|_| ());
                    assert_eq!(ours, std, "{b:?}");
                }
            }
        }
    }

    fn ctx(encoding: Encoding) -> ParseContext {
        let mut c = ParseContext::new(
            "app",
            "arch-app01",
            chrono_tz::Asia::Shanghai,
            chrono::DateTime::UNIX_EPOCH,
        );
        c.encoding = encoding;
        c
    }

    #[test]
    fn gb18030_sources_are_decoded_and_flagged() {
        // "档案室 张三" as an older Chinese system writes it (GBK bytes).
        let (gbk, _, _) = encoding_rs::GB18030.encode("档案室 张三");
        let line = RawLine::text("").at(0, 1);
        let line = RawLine {
            bytes: &gbk,
            ..line
        };
        assert_eq!(
            line.decode(&ctx(Encoding::Gb18030)),
            (Cow::Owned("档案室 张三".to_string()), Some(Flag::Gb18030))
        );
        // The same bytes from a UTF-8 source: decoded lossily and flagged, never dropped.
        let (text, flag) = line.decode(&ctx(Encoding::Utf8));
        assert_eq!(flag, Some(Flag::InvalidUtf8));
        assert!(text.contains('\u{fffd}'));
        // Valid UTF-8 in a GB18030 source stays UTF-8.
        let utf8 = RawLine::text("档案室");
        assert_eq!(
            utf8.decode(&ctx(Encoding::Gb18030)),
            (Cow::Borrowed("档案室"), None)
        );
    }

    #[test]
    fn a_gbk_json_line_becomes_an_event_with_its_chinese_intact() {
        let json = r#"{"ts":"2026-11-03T09:15:02+08:00","user":"zhangsan","action":"record.view","message":"查看档案 2019-WS-0031"}"#;
        let (gbk, _, _) = encoding_rs::GB18030.encode(json);
        let line = RawLine {
            bytes: &gbk,
            ..RawLine::text("")
        };
        let mut p = JsonParser::new(JsonMapping::default());
        let mut out = Vec::new();
        p.feed(&line, &ctx(Encoding::Gb18030), &mut out);
        let e = out.pop().unwrap().unwrap();
        assert_eq!(e.message, "查看档案 2019-WS-0031");
        assert_eq!(e.flags, vec![Flag::Gb18030]);
        assert_eq!(e.raw, json);
    }

    #[test]
    fn blank_lines_are_rejected_as_empty() {
        let r = RawLine::text("  \t ")
            .decode_nonblank(&ctx(Encoding::Utf8))
            .unwrap_err();
        assert_eq!(
            (r.error.kind, r.error.at, r.raw.as_str()),
            (ErrorKind::Empty, 0, "  \t ")
        );
    }
}
