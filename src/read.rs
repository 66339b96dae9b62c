//! Reading a log file into parser lines: plain or gzip, split on `\n`, each line with its file's
//! fingerprint, byte offset and line number.
//!
//! The fingerprint identifies a file by its first bytes, not its path or inode, so a rotated file
//! keeps its identity (the watcher and checkpoints of a later issue build on it).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use vigil_parsers::RawLine;

/// How many leading bytes identify a file.
pub const FINGERPRINT_BYTES: usize = 256;

/// FNV-1a 64 of a file's first [`FINGERPRINT_BYTES`] bytes (of its decompressed content). A file
/// shorter than that is identified by what it has.
pub fn fingerprint(head: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in &head[..head.len().min(FINGERPRINT_BYTES)] {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A log file opened for reading, decompressed when it is gzip.
pub struct LogFile {
    reader: Box<dyn BufRead>,
    head: Vec<u8>,
    pub file_id: u64,
}

impl LogFile {
    /// Opens `path`; a gzip file (by its magic bytes) is read decompressed.
    pub fn open(path: &Path) -> io::Result<LogFile> {
        let mut raw = BufReader::with_capacity(1 << 20, File::open(path)?);
        let gz = raw.fill_buf()?.starts_with(&[0x1f, 0x8b]);
        let mut reader: Box<dyn BufRead> = if gz {
            Box::new(BufReader::with_capacity(
                1 << 20,
                flate2::read::MultiGzDecoder::new(raw),
            ))
        } else {
            Box::new(raw)
        };
        let mut head = Vec::with_capacity(8192);
        (&mut reader).take(8192).read_to_end(&mut head)?;
        let file_id = fingerprint(&head);
        Ok(LogFile {
            reader,
            head,
            file_id,
        })
    }

    /// The first bytes of the (decompressed) content, for sniffing.
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Calls `f` with every line, in order. The line ending (`\n`, `\r\n`) is removed; a last
    /// line without one is still a line.
    pub fn for_each_line(self, path: &str, mut f: impl FnMut(&RawLine<'_>)) -> io::Result<u64> {
        let mut reader = io::Cursor::new(self.head).chain(self.reader);
        let mut buf = Vec::with_capacity(4096);
        let mut offset = 0u64;
        let mut n = 0u64;
        loop {
            buf.clear();
            let read = reader.read_until(b'\n', &mut buf)?;
            if read == 0 {
                break;
            }
            n += 1;
            let mut bytes = buf.strip_suffix(b"\n").unwrap_or(&buf);
            bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            f(&RawLine {
                bytes,
                path,
                file_id: self.file_id,
                offset,
                line: n,
            });
            offset += read as u64;
        }
        Ok(offset)
    }
}

/// Creates (or truncates) a file readable and writable by its owner only.
pub fn create_private(path: &Path) -> io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}
