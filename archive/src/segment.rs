//! A segment's records, and reading a segment back: its hash, its records, or both in one pass.
//!
//! A record is `<file id, 16 hex> <byte offset, decimal> <raw line>\n`: the line's bytes exactly
//! as read (without its newline; a line never holds one), and where they came from. Segments are
//! sequences of zstd frames; together the frames decode as one stream of records.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{At, Result};

/// Appends the record of one line to `out`.
pub fn encode(out: &mut Vec<u8>, file_id: u64, offset: u64, line: &[u8]) {
    use std::io::Write;
    // Writing to a Vec cannot fail.
    let _ = write!(out, "{file_id:016x} {offset} ");
    out.extend_from_slice(line);
    out.push(b'\n');
}

/// One record read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub file_id: u64,
    pub offset: u64,
    pub line: Vec<u8>,
}

/// Reads one record (without its newline); `None` if it is not one.
pub fn decode(rec: &[u8]) -> Option<Record> {
    let id = rec.get(..16)?;
    let file_id = u64::from_str_radix(std::str::from_utf8(id).ok()?, 16).ok()?;
    let rest = rec.get(16..)?.strip_prefix(b" ")?;
    let sp = rest.iter().position(|&b| b == b' ')?;
    let offset = std::str::from_utf8(&rest[..sp]).ok()?.parse().ok()?;
    Some(Record {
        file_id,
        offset,
        line: rest[sp + 1..].to_vec(),
    })
}

/// What reading a segment found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// sha256 of the bytes read, hex.
    pub sha256: String,
    /// Bytes read.
    pub bytes: u64,
    /// Records decoded, or why decoding stopped.
    pub records: std::result::Result<u64, String>,
}

/// A reader that hashes and counts what passes through it.
struct Tee<R> {
    inner: R,
    hash: Sha256,
    bytes: u64,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Reads the first `limit` bytes of the segment at `path` (all of it if `None`) once: hashes them
/// and decodes their records, calling `each` on every record. A decoding failure is reported in
/// [`Scan::records`], not as an error: it is a finding about the evidence.
pub fn scan(path: &Path, limit: Option<u64>, mut each: impl FnMut(Record)) -> Result<Scan> {
    let file = File::open(path).at(path)?;
    let reader: Box<dyn Read> = match limit {
        Some(n) => Box::new(file.take(n)),
        None => Box::new(file),
    };
    let mut tee = Tee {
        inner: reader,
        hash: Sha256::new(),
        bytes: 0,
    };
    let records = decode_all(&mut tee, &mut each);
    // Whatever the decoder left unread (trailing bytes after the last frame) still counts.
    io::copy(&mut tee, &mut io::sink()).at(path)?;
    Ok(Scan {
        sha256: crate::hex(&tee.hash.finalize()),
        bytes: tee.bytes,
        records,
    })
}

fn decode_all<R: Read>(
    reader: &mut R,
    each: &mut impl FnMut(Record),
) -> std::result::Result<u64, String> {
    let decoder = zstd::stream::read::Decoder::new(reader).map_err(|e| e.to_string())?;
    let mut lines = BufReader::with_capacity(1 << 16, decoder);
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        buf.clear();
        let got = lines
            .read_until(b'\n', &mut buf)
            .map_err(|e| format!("after {n} records, the data cannot be decompressed: {e}"))?;
        if got == 0 {
            return Ok(n);
        }
        let Some(rec) = buf.strip_suffix(b"\n") else {
            return Err(format!(
                "record {} has no end: the segment is cut short",
                n + 1
            ));
        };
        let Some(rec) = decode(rec) else {
            return Err(format!("record {} is not a record", n + 1));
        };
        each(rec);
        n += 1;
    }
}

/// The sha256 and length of the first `limit` bytes of `path` (or all of it).
pub fn hash_file(path: &Path, limit: Option<u64>) -> Result<(String, u64)> {
    let file = File::open(path).at(path)?;
    let mut reader: Box<dyn Read> = match limit {
        Some(n) => Box::new(file.take(n)),
        None => Box::new(file),
    };
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = reader.read(&mut buf).at(path)?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((crate::hex(&hash.finalize()), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_any_bytes() {
        let mut out = Vec::new();
        encode(&mut out, 0xabc, 1234, b"Nov  3 09:15:02 web01 sshd[1]: x y");
        encode(&mut out, u64::MAX, 0, b"\xff\xfe \t\r");
        encode(&mut out, 1, 5, b"");
        let recs: Vec<_> = out
            .split(|&b| b == b'\n')
            .filter(|r| !r.is_empty())
            .map(decode)
            .collect();
        assert_eq!(
            recs,
            [
                Some(Record {
                    file_id: 0xabc,
                    offset: 1234,
                    line: b"Nov  3 09:15:02 web01 sshd[1]: x y".to_vec()
                }),
                Some(Record {
                    file_id: u64::MAX,
                    offset: 0,
                    line: b"\xff\xfe \t\r".to_vec()
                }),
                Some(Record {
                    file_id: 1,
                    offset: 5,
                    line: vec![]
                }),
            ]
        );
        assert_eq!(decode(b"00000000000000ab x y"), None);
        assert_eq!(decode(b"short"), None);
    }
}
