//! Reading a log file into parser lines: plain or gzip, split on `\n`, each line with its file's
//! fingerprint, byte offset and line number.
//!
//! The fingerprint identifies a file by its first line ([`vigil_follow::fingerprint`]), not its path
//! or inode, so a rotated file keeps its identity, and `vigil watch` sees the same file.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use vigil_parsers::RawLine;

/// A log file: its identity and first bytes; [`LogFile::lines_from`] reads its lines.
pub struct LogFile {
    path: std::path::PathBuf,
    gz: bool,
    head: Vec<u8>,
    pub file_id: u64,
}

/// The longest line kept whole, in bytes: a longer line's event holds its first `MAX_LINE` bytes,
/// flagged `truncated` with `fields.original_length`, and the rest is read past without being
/// held (a file of one 200 MB line is read in the memory of one 1 MiB line).
pub const MAX_LINE: usize = 1 << 20;

impl LogFile {
    /// Opens `path` and reads its first bytes (decompressed, for a gzip file by its magic bytes).
    pub fn open(path: &Path) -> io::Result<LogFile> {
        let mut raw = BufReader::with_capacity(1 << 16, File::open(path)?);
        let gz = raw.fill_buf()?.starts_with(&[0x1f, 0x8b]);
        let mut head = Vec::with_capacity(8192);
        if gz {
            flate2::read::MultiGzDecoder::new(raw)
                .take(8192)
                .read_to_end(&mut head)?;
        } else {
            raw.take(8192).read_to_end(&mut head)?;
        }
        // The same identity as `vigil watch` gives it: a file ingested, then followed, is one file.
        let file_id = vigil_follow::fingerprint(&head)
            .unwrap_or_else(|| vigil_follow::fingerprint_partial(&head));
        Ok(LogFile {
            path: path.to_path_buf(),
            gz,
            head,
            file_id,
        })
    }

    /// The first bytes of the (decompressed) content, for sniffing.
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Whether the file is gzip (its offsets are those of the decompressed content).
    pub fn is_gzip(&self) -> bool {
        self.gz
    }

    /// Calls `f` with every line from byte `offset` (line number `line`) of the (decompressed)
    /// content, in order; returns the offset after the last byte read. The line ending (`\n`,
    /// `\r\n`) is removed; a last line without one is still a line.
    pub fn lines_from(
        &self,
        offset: u64,
        line: u64,
        path: &str,
        mut f: impl FnMut(&RawLine<'_>, Option<u64>),
    ) -> io::Result<u64> {
        let file = File::open(&self.path)?;
        let mut reader: Box<dyn BufRead> = if self.gz {
            let compressed = file.metadata()?.len();
            let bounded = Bounded {
                inner: flate2::read::MultiGzDecoder::new(file),
                left: compressed.max(1).saturating_mul(GZIP_RATIO),
            };
            let mut d = BufReader::with_capacity(1 << 20, bounded);
            io::copy(&mut (&mut d).take(offset), &mut io::sink())?;
            Box::new(d)
        } else {
            let mut file = file;
            file.seek(SeekFrom::Start(offset))?;
            Box::new(BufReader::with_capacity(1 << 20, file))
        };
        let mut buf = Vec::with_capacity(4096);
        let mut offset = offset;
        let mut n = line.saturating_sub(1);
        loop {
            buf.clear();
            // One line, of which at most MAX_LINE bytes (and its line end) are kept: the rest of
            // a longer one is read past, never held.
            let mut read = 0u64;
            let mut ended = false;
            loop {
                let avail = reader.fill_buf()?;
                if avail.is_empty() {
                    break;
                }
                let (part, done) = match memchr::memchr(b'\n', avail) {
                    Some(i) => (&avail[..=i], true),
                    None => (avail, false),
                };
                let room = (MAX_LINE + 2).saturating_sub(buf.len()).min(part.len());
                buf.extend_from_slice(&part[..room]);
                let used = part.len();
                reader.consume(used);
                read += used as u64;
                if done {
                    ended = true;
                    break;
                }
            }
            if read == 0 {
                break;
            }
            n += 1;
            let crlf = ended && buf.ends_with(b"\r\n");
            let whole = read - u64::from(ended) - u64::from(crlf);
            let (bytes, cut) = if whole > MAX_LINE as u64 {
                (&buf[..MAX_LINE], Some(whole))
            } else {
                let bytes = buf.strip_suffix(b"\n").unwrap_or(&buf);
                (bytes.strip_suffix(b"\r").unwrap_or(bytes), None)
            };
            f(
                &RawLine {
                    bytes,
                    path,
                    file_id: self.file_id,
                    offset,
                    line: n,
                },
                cut,
            );
            offset += read;
        }
        Ok(offset)
    }
}

/// The most a `.gz` file is read to, as a multiple of its compressed size. Logs compress about
/// 10 to 30 times; deflate cannot pass about 1,032 times, which only a file of one repeated byte
/// reaches: a gzip bomb.
pub const GZIP_RATIO: u64 = 1000;

/// A decompressing reader that fails once it has given `left` bytes.
struct Bounded<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        match self.left.checked_sub(n as u64) {
            Some(l) => {
                self.left = l;
                Ok(n)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "decompresses to more than {GZIP_RATIO} times its compressed size (a gzip bomb?): read no further"
                ),
            )),
        }
    }
}

/// Flags the events of lines that were cut at [`MAX_LINE`] (`cuts`: each such line's offset and
/// whole length, as [`LogFile::lines_from`] reported them) `truncated`, with
/// `fields.original_length`; an event found is removed from `cuts`.
pub fn mark_cut(
    outputs: &mut [vigil_parsers::Output],
    cuts: &mut std::collections::HashMap<u64, u64>,
) {
    if cuts.is_empty() {
        return;
    }
    for o in outputs.iter_mut() {
        match o {
            Ok(e) => {
                if let Some(len) = cuts.remove(&e.origin.offset) {
                    e.flags.insert(vigil_parsers::Flag::Truncated);
                    e.fields.insert("original_length", len);
                }
            }
            Err(r) => {
                cuts.remove(&r.offset);
            }
        }
    }
}

/// Creates (or truncates) a file readable and writable by its owner only.
pub fn create_private(path: &Path) -> io::Result<File> {
    open_private(path, false)
}

/// Opens a file readable and writable by its owner only, creating it if missing: for appending
/// when `append`, else truncated.
pub fn open_private(path: &Path, append: bool) -> io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.create(true);
    if append {
        o.append(true);
    } else {
        o.write(true).truncate(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}
