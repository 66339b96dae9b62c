//! sha256sum-format manifests, read into the sha256 each names for each path.
//!
//! Accepted lines, as `sha256sum` writes and `sha256sum -c` reads them:
//!
//! ```text
//! <64 hex>  <path>          text mode
//! <64 hex> *<path>          binary mode
//! \<64 hex>  <escaped path> a name holding `\` or a newline, written `\\` and `\n` (and `\r`)
//! SHA256 (<path>) = <64 hex>  the BSD form (`sha256sum --tag`)
//! ```
//!
//! plus blank lines and `#` comments. A trailing `\r` (a manifest written on Windows) is dropped.
//! Hex may be upper case; it is kept lower case. Relative paths resolve against the manifest's
//! folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Error, Manifest, normalize};

/// Expected hashes by normalised path (several when several lines name the same file), and the
/// normalised paths of the manifest files read.
pub(crate) type Loaded = (BTreeMap<PathBuf, Vec<String>>, Vec<PathBuf>);

/// Reads the manifest or, for [`Manifest::PerRun`], every file its glob matches.
pub(crate) fn load(manifest: &Manifest) -> Result<Loaded, Error> {
    let files: Vec<PathBuf> = match manifest {
        Manifest::File(p) => vec![p.clone()],
        Manifest::PerRun(pattern) => {
            let paths = glob::glob(pattern).map_err(|source| Error::Pattern {
                pattern: pattern.clone(),
                source,
            })?;
            let mut files = Vec::new();
            for entry in paths {
                match entry {
                    Ok(p) if p.is_dir() => {}
                    Ok(p) => files.push(p),
                    Err(e) => {
                        let path = e.path().to_path_buf();
                        return Err(Error::ManifestRead {
                            path,
                            source: e.into(),
                        });
                    }
                }
            }
            files.sort();
            files
        }
    };
    let mut expected: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    let mut read = Vec::with_capacity(files.len());
    for file in files {
        let bytes = std::fs::read(&file).map_err(|source| Error::ManifestRead {
            path: file.clone(),
            source,
        })?;
        let file = normalize(&file);
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        for (path, sha) in parse(&bytes, &file, &dir)? {
            let v = expected.entry(path).or_default();
            if !v.contains(&sha) {
                v.push(sha);
            }
        }
        read.push(file);
    }
    Ok((expected, read))
}

/// The `(normalised path, lowercase sha256)` of each line of one manifest.
pub(crate) fn parse(
    bytes: &[u8],
    manifest: &Path,
    dir: &Path,
) -> Result<Vec<(PathBuf, String)>, Error> {
    let mut out = Vec::new();
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let trimmed = line.trim_ascii_start();
        if trimmed.is_empty() || trimmed.starts_with(b"#") {
            continue;
        }
        let bad = |problem: &str| Error::ManifestLine {
            path: manifest.to_path_buf(),
            line: n + 1,
            problem: problem.to_string(),
        };
        let (sha, name) = parse_line(line).map_err(bad)?;
        let name = bytes_to_path(&name).ok_or_else(|| bad("the file name is not valid UTF-8"))?;
        out.push((normalize(&dir.join(name)), sha));
    }
    Ok(out)
}

/// One non-blank, non-comment line: the hash (lower case) and the file name (unescaped bytes).
fn parse_line(line: &[u8]) -> Result<(String, Vec<u8>), &'static str> {
    if let Some(rest) = line.strip_prefix(b"SHA256 (") {
        return parse_bsd(rest);
    }
    let (escaped, line) = match line.strip_prefix(b"\\") {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    let hex_len = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if hex_len == 0 {
        return Err("the line does not start with a sha256 in hex");
    }
    if hex_len != 64 {
        return Err(if hex_len > 64 {
            "the hash is longer than 64 hex digits (not a sha256?)"
        } else {
            "the hash is shorter than 64 hex digits"
        });
    }
    let sha = hex_lower(&line[..64]);
    let rest = &line[64..];
    let name = match rest {
        [b' ', b' ' | b'*', name @ ..] => name,
        _ => return Err("the hash is not followed by two spaces or by ` *`"),
    };
    if name.is_empty() {
        return Err("no file name after the hash");
    }
    let name = if escaped {
        unescape(name)?
    } else {
        name.to_vec()
    };
    Ok((sha, name))
}

/// `<path>) = <64 hex>`, what follows `SHA256 (`.
fn parse_bsd(rest: &[u8]) -> Result<(String, Vec<u8>), &'static str> {
    const SEP: &[u8] = b") = ";
    let at = rest
        .windows(SEP.len())
        .rposition(|w| w == SEP)
        .ok_or("a `SHA256 (<path>) = <hash>` line without `) = `")?;
    let (name, hash) = (&rest[..at], rest[at + SEP.len()..].trim_ascii_end());
    if hash.len() != 64 || !hash.iter().all(u8::is_ascii_hexdigit) {
        return Err("the hash after `) = ` is not 64 hex digits");
    }
    if name.is_empty() {
        return Err("no file name between `SHA256 (` and `) = `");
    }
    Ok((hex_lower(hash), name.to_vec()))
}

fn hex_lower(hex: &[u8]) -> String {
    hex.iter()
        .map(|b| char::from(b.to_ascii_lowercase()))
        .collect()
}

/// sha256sum's escapes: `\\`, `\n`, `\r`.
fn unescape(name: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::with_capacity(name.len());
    let mut it = name.iter();
    while let Some(&b) = it.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match it.next() {
            Some(b'\\') => out.push(b'\\'),
            Some(b'n') => out.push(b'\n'),
            Some(b'r') => out.push(b'\r'),
            _ => return Err("an escaped file name with an unknown escape (only \\\\, \\n, \\r)"),
        }
    }
    Ok(out)
}

#[cfg(unix)]
fn bytes_to_path(bytes: &[u8]) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    Some(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
}

#[cfg(not(unix))]
fn bytes_to_path(bytes: &[u8]) -> Option<PathBuf> {
    std::str::from_utf8(bytes).ok().map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const H: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn line_forms() {
        let (s, n) = parse_line(format!("{H}  a b.zst").as_bytes()).unwrap();
        assert_eq!((s.as_str(), n.as_slice()), (H, b"a b.zst".as_slice()));
        let (_, n) = parse_line(format!("{} *x", H.to_uppercase()).as_bytes()).unwrap();
        assert_eq!(n, b"x");
        let (_, n) = parse_line(format!("\\{H}  a\\\\b\\nc").as_bytes()).unwrap();
        assert_eq!(n, b"a\\b\nc");
        let (s, n) = parse_line(format!("SHA256 (d (1)) = {H}").as_bytes()).unwrap();
        assert_eq!((s.as_str(), n.as_slice()), (H, b"d (1)".as_slice()));
        assert!(parse_line(format!("{H} x").as_bytes()).is_err());
        assert!(parse_line(format!("{H}0  x").as_bytes()).is_err());
        assert!(parse_line(format!("{}  x", &H[1..]).as_bytes()).is_err());
        assert!(parse_line(format!("{H}  ").as_bytes()).is_err());
        assert!(parse_line(b"hello").is_err());
    }

    #[test]
    fn comments_blank_crlf_relative() {
        let text = format!("# made by cron\n\n{H}  sub/../a\r\n  \n{H} */abs/b\n");
        let got = parse(text.as_bytes(), Path::new("/m/SUMS"), Path::new("/m")).unwrap();
        assert_eq!(
            got,
            vec![
                (PathBuf::from("/m/a"), H.to_string()),
                (PathBuf::from("/abs/b"), H.to_string())
            ]
        );
    }
}
