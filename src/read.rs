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
        mut f: impl FnMut(&RawLine<'_>),
    ) -> io::Result<u64> {
        let file = File::open(&self.path)?;
        let mut reader: Box<dyn BufRead> = if self.gz {
            let mut d = BufReader::with_capacity(1 << 20, flate2::read::MultiGzDecoder::new(file));
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
