//! The tails of the segment files, so that a search opens only the files it reads.
//!
//! tantivy opens all six files of every segment when it makes a searcher, and reads the footer at
//! the end of each (for the version, and for where each field's part of the file starts); a
//! search then reads two or three of them (a count of one term reads that field's terms and
//! postings). On this project's machine each file opened costs about 20 µs (open, stat, map, a
//! page fault on its last page, and unmapping at exit): a millisecond over an index of eight
//! segments, a fifth of a selective `vigil search`.
//!
//! So the writer saves the last [`TAIL`] bytes of every file of the committed segments, with its
//! length, in [`TAILS`] after each commit ([`save`]), and [`TailDirectory`] (what the searcher opens the
//! index with) answers a read within a file's tail from there. It opens the file, through
//! tantivy's [`MmapDirectory`], on the first read that reaches before the tail. A file that
//! [`TAILS`] does not list (written since, or no [`TAILS`] at all, or one that cannot be read)
//! is opened as before: a missing or stale [`TAILS`] costs time, never a wrong answer. Segment
//! files are written once and never changed (tantivy names each after its segment and, for
//! deletes, its commit), so a tail saved once stays true; the file's length is checked when it is
//! opened all the same.
//!
//! The format: `VIGIL-TAILS 1\n`, then per file its name's length (u16), its name, its length
//! (u64) and its tail's length (u32) and bytes, and last a CRC-32 of everything before it; all
//! numbers little-endian.

use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use tantivy::Directory;
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    DirectoryLock, FileHandle, Lock, MmapDirectory, OwnedBytes, WatchCallback, WatchHandle,
    WritePtr,
};
use tantivy::index::{SegmentComponent, SegmentMeta};
use tantivy::{HasLen, TantivyError};

/// The file, in the index directory, that holds the tails.
pub const TAILS: &str = "vigil-tails";

/// How many bytes of each file's end are kept: every footer tantivy reads when it opens a segment
/// (the farthest from the end, in the fast fields' file, reaches 142 bytes back in an index of eight
/// segments and 4.9 million events).
pub const TAIL: usize = 512;

const MAGIC: &[u8] = b"VIGIL-TAILS 1\n";

/// The files of a committed segment: those a search may open. A file being written (a merge's
/// output) is in no commit until it is whole, so its tail is never taken too soon.
pub fn segment_files(meta: &SegmentMeta) -> Vec<PathBuf> {
    let mut components = vec![
        SegmentComponent::Postings,
        SegmentComponent::Positions,
        SegmentComponent::Terms,
        SegmentComponent::Store,
        SegmentComponent::FastFields,
        SegmentComponent::FieldNorms,
    ];
    if meta.has_deletes() {
        components.push(SegmentComponent::Delete);
    }
    components
        .into_iter()
        .map(|c| meta.relative_path(c))
        .collect()
}

/// Writes [`TAILS`] for `files` (relative to `dir`; see [`segment_files`]), replacing it (written
/// beside it, then renamed; readable by the owner only). A file that is gone (a merge's input,
/// deleted since) is left out.
pub fn save(dir: &Path, files: &[PathBuf]) -> io::Result<()> {
    let mut names: Vec<&str> = files.iter().filter_map(|f| f.to_str()).collect();
    names.sort_unstable();
    names.dedup();
    let mut out = MAGIC.to_vec();
    for name in names {
        let (len, tail) = match tail_of(&dir.join(name)) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let Ok(name_len) = u16::try_from(name.len()) else {
            continue;
        };
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(tail.len() as u32).to_le_bytes());
        out.extend_from_slice(&tail);
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    let tmp = dir.join(format!("{TAILS}.tmp"));
    write_private(&tmp, &out)?;
    std::fs::rename(&tmp, dir.join(TAILS))
}

fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    // Not synced: a file torn by a crash fails its CRC, and the files are then opened as
    // tantivy opens them. The commit it follows was synced by tantivy.
    options.open(path)?.write_all(bytes)
}

/// A file's length and its last [`TAIL`] bytes (all of it if shorter).
fn tail_of(path: &Path) -> io::Result<(u64, Vec<u8>)> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let start = len.saturating_sub(TAIL as u64);
    f.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::with_capacity((len - start) as usize);
    f.take(len - start).read_to_end(&mut tail)?;
    if tail.len() as u64 != len - start {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("{} shrank while its tail was read", path.display()),
        ));
    }
    Ok((len, tail))
}

/// One file's saved tail: its length, and its last bytes.
#[derive(Clone)]
struct Tail {
    len: usize,
    bytes: OwnedBytes,
}

impl Tail {
    /// Where in the file the saved bytes start.
    fn start(&self) -> usize {
        self.len - self.bytes.len()
    }
}

/// Reads [`TAILS`]; `None` when it is missing, damaged or from another version (the files are
/// then opened as tantivy opens them).
fn load(dir: &Path) -> Option<Vec<(PathBuf, Tail)>> {
    let data = std::fs::read(dir.join(TAILS)).ok()?;
    let body_len = data.len().checked_sub(4)?;
    let (body, crc) = data.split_at(body_len);
    if crc32fast::hash(body).to_le_bytes() != crc || !body.starts_with(MAGIC) {
        return None;
    }
    let all = OwnedBytes::new(data);
    let mut c = Cursor {
        data: &all.as_slice()[..body_len],
        at: MAGIC.len(),
    };
    let mut tails = Vec::new();
    while c.at < c.data.len() {
        let name_len = c.number(2)? as usize;
        let name = std::str::from_utf8(&c.data[c.take(name_len)?]).ok()?;
        let name = PathBuf::from(name);
        let len = usize::try_from(c.number(8)?).ok()?;
        let tail_len = c.number(4)? as usize;
        let range = c.take(tail_len)?;
        if tail_len > len {
            return None;
        }
        tails.push((
            name,
            Tail {
                len,
                bytes: all.slice(range),
            },
        ));
    }
    Some(tails)
}

/// Reads [`TAILS`]'s fields in order.
struct Cursor<'a> {
    data: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    /// The next `n` bytes' range, if there are `n` more.
    fn take(&mut self, n: usize) -> Option<Range<usize>> {
        let r = self.at..self.at.checked_add(n)?;
        if r.end > self.data.len() {
            return None;
        }
        self.at = r.end;
        Some(r)
    }

    /// The next `n` bytes (at most 8) as a little-endian number.
    fn number(&mut self, n: usize) -> Option<u64> {
        let r = self.take(n)?;
        let mut b = [0u8; 8];
        b.get_mut(..n)?.copy_from_slice(&self.data[r]);
        Some(u64::from_le_bytes(b))
    }
}

/// The index directory as a search reads it: tantivy's [`MmapDirectory`], with each segment file
/// opened on the first read before its saved tail.
#[derive(Clone)]
pub struct TailDirectory {
    inner: MmapDirectory,
    tails: Arc<std::collections::HashMap<PathBuf, Tail>>,
}

impl fmt::Debug for TailDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TailDirectory({:?}, {} tails)",
            self.inner,
            self.tails.len()
        )
    }
}

impl TailDirectory {
    /// Opens the index directory at `path`, with its [`TAILS`] if it has a sound one.
    pub fn open(path: &Path) -> Result<TailDirectory, TantivyError> {
        let inner = MmapDirectory::open(path)?;
        let tails = load(path).unwrap_or_default().into_iter().collect();
        Ok(TailDirectory {
            inner,
            tails: Arc::new(tails),
        })
    }

    /// How many files have a saved tail.
    pub fn tails(&self) -> usize {
        self.tails.len()
    }
}

/// A segment file known by its tail until a read reaches before it.
struct LazyFile {
    path: PathBuf,
    tail: Tail,
    dir: MmapDirectory,
    file: OnceLock<Arc<dyn FileHandle>>,
}

impl fmt::Debug for LazyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LazyFile({:?}, {} bytes)", self.path, self.tail.len)
    }
}

impl HasLen for LazyFile {
    fn len(&self) -> usize {
        self.tail.len
    }
}

impl LazyFile {
    fn file(&self) -> io::Result<&Arc<dyn FileHandle>> {
        if let Some(f) = self.file.get() {
            return Ok(f);
        }
        let f = self
            .dir
            .get_file_handle(&self.path)
            .map_err(|e| io::Error::other(e.to_string()))?;
        if f.len() != self.tail.len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is {} bytes, not the {} its saved tail says",
                    self.path.display(),
                    f.len(),
                    self.tail.len
                ),
            ));
        }
        Ok(self.file.get_or_init(|| f))
    }
}

impl FileHandle for LazyFile {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        let at = self.tail.start();
        if range.start >= at && range.end <= self.tail.len {
            return Ok(self.tail.bytes.slice(range.start - at..range.end - at));
        }
        self.file()?.read_bytes(range)
    }
}

impl Directory for TailDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        match self.tails.get(path) {
            Some(tail) => Ok(Arc::new(LazyFile {
                path: path.to_path_buf(),
                tail: tail.clone(),
                dir: self.inner.clone(),
                file: OnceLock::new(),
            })),
            None => self.inner.get_file_handle(path),
        }
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.inner.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.inner.atomic_write(path, data)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.inner.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.inner.acquire_lock(lock)
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_from_its_tail_then_from_itself_and_checked_for_its_length() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(dir.path().join("a.idx"), &data).unwrap();
        std::fs::write(dir.path().join("b.term"), b"short").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"not listed").unwrap();
        save(
            dir.path(),
            &["b.term".into(), "a.idx".into(), "gone.pos".into()],
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(TAILS))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let d = TailDirectory::open(dir.path()).unwrap();
        assert_eq!(d.tails(), 2);

        let a = d.get_file_handle(Path::new("a.idx")).unwrap();
        assert_eq!(a.len(), 3000);
        // Within the tail, and before it (the file is opened).
        assert_eq!(a.read_bytes(2990..3000).unwrap().as_slice(), &data[2990..]);
        assert_eq!(
            a.read_bytes(100..2900).unwrap().as_slice(),
            &data[100..2900]
        );
        let b = d.get_file_handle(Path::new("b.term")).unwrap();
        assert_eq!(b.read_bytes(0..5).unwrap().as_slice(), b"short");

        // A file whose length is not the saved one is refused when opened, not misread.
        drop((a, b, d));
        std::fs::write(dir.path().join("a.idx"), &data[..2000]).unwrap();
        let d = TailDirectory::open(dir.path()).unwrap();
        let a = d.get_file_handle(Path::new("a.idx")).unwrap();
        let err = a.read_bytes(0..10).unwrap_err();
        assert!(err.to_string().contains("not the 3000"), "{err}");
        // A file not in the tails is opened as tantivy does.
        std::fs::write(dir.path().join("c.pos"), b"later").unwrap();
        let c = d.get_file_handle(Path::new("c.pos")).unwrap();
        assert_eq!(c.read_bytes(0..5).unwrap().as_slice(), b"later");
    }

    #[test]
    fn a_truncated_or_foreign_tails_file_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.idx"), vec![7u8; 2000]).unwrap();
        save(dir.path(), &["a.idx".into()]).unwrap();
        let full = std::fs::read(dir.path().join(TAILS)).unwrap();
        for cut in [0, 3, MAGIC.len(), full.len() / 2, full.len() - 1] {
            std::fs::write(dir.path().join(TAILS), &full[..cut]).unwrap();
            assert!(load(dir.path()).is_none(), "cut at {cut}");
        }
        std::fs::write(dir.path().join(TAILS), b"{\"json\": true}").unwrap();
        assert!(load(dir.path()).is_none());
        std::fs::write(dir.path().join(TAILS), &full).unwrap();
        assert_eq!(load(dir.path()).map(|t| t.len()), Some(1));
    }
}
