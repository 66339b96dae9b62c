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
    pub fn decode(&self, ctx: &ParseContext) -> (Cow<'a, str>, Option<Flag>) {
        match std::str::from_utf8(self.bytes) {
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
