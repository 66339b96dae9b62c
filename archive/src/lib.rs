//! vigil's evidence archive: every raw line vigil ingests, kept zstd-compressed in segments under
//! a sha256 hash chain, so that a changed, removed, reordered or truncated byte is detected.
//!
//! Layout under the archive directory (`data/archive/`):
//!
//! ```text
//! chain.jsonl              one link per sealed segment, in sealing order
//! <source>/000001.zst      a source's segments, numbered from 1; the highest is the open one
//! ```
//!
//! A segment is a sequence of zstd frames, one per commit, which decode as one stream of records
//! `<file id, 16 hex> <byte offset> <the raw line's bytes>\n` (see [`segment`]). A segment is
//! sealed when it passes a size or when the day changes: its sha256 is then written in a chain
//! link together with its source, its line range, the previous link's hash and the link's own
//! hash (see [`chain`]).
//!
//! The archive moves with the index. [`Archive::commit`] writes the batch's frames and seals what
//! is due, and returns an [`ArchiveState`]: the chain's length and head, and every open segment's
//! committed length and hash. The caller stores that state in the same index commit as the events
//! and checkpoints; after a crash [`Archive::open`] brings the directory back to the state of the
//! last index commit (truncating the open segments and the chain, removing segments created
//! after it), so the archive holds exactly the lines the index holds. [`verify()`] recomputes
//! everything and names the first thing wrong.

pub mod chain;
pub mod context;
mod error;
pub mod segment;
mod state;
pub mod verify;
mod writer;

pub use error::{Error, Result};
pub use state::{ArchiveState, OpenSegment};
pub use verify::{Problem, Report, verify};
pub use writer::{Archive, Options};

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 0xf)] as char);
    }
    s
}

/// The sha256 of `bytes`, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}
