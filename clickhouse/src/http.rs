//! A minimal HTTP/1.1 client for ClickHouse's HTTP interface: one request per connection
//! (`Connection: close`), the SQL in the URL's `query` parameter or the body, the user and
//! password in ClickHouse's headers, and the response body read whole (chunked or not). No
//! TLS: a ClickHouse reached over an untrusted network belongs behind a TLS proxy.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::Error;

/// Where a server is, and who to be there.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `host:port`.
    pub addr: String,
    pub user: String,
    pub password: Option<String>,
}

impl Endpoint {
    /// `http://host:port` (a path or a trailing slash is ignored).
    pub fn parse(url: &str, user: &str, password: Option<String>) -> Result<Endpoint, Error> {
        let rest = url.strip_prefix("http://").ok_or_else(|| Error::Config {
            message: format!("url {url:?}: write it as http://HOST:PORT (ClickHouse's HTTP port, 8123 by default)"),
        })?;
        let addr = rest.split('/').next().unwrap_or(rest);
        if addr.is_empty() || !addr.contains(':') {
            return Err(Error::Config {
                message: format!(
                    "url {url:?}: name the host and the port, as http://127.0.0.1:8123"
                ),
            });
        }
        Ok(Endpoint {
            addr: addr.to_string(),
            user: user.to_string(),
            password,
        })
    }

    /// Sends `sql` (with `body` after it, for an INSERT's data) and returns the response body.
    /// `settings` are ClickHouse settings given as URL parameters.
    pub fn post(
        &self,
        sql: &str,
        body: &[u8],
        settings: &[(&str, &str)],
    ) -> Result<Vec<u8>, Error> {
        let err = |message: String| Error::Server {
            addr: self.addr.clone(),
            message,
        };
        let mut stream =
            TcpStream::connect(&self.addr).map_err(|e| err(format!("cannot connect: {e}")))?;
        let _ = stream.set_read_timeout(Some(Duration::from_secs(600)));
        // A statement with data (an INSERT) goes in the URL and its data in the body; any other
        // in the body, where its length is not limited as a URL's is.
        let mut params: Vec<String> = Vec::new();
        let body = if body.is_empty() {
            sql.as_bytes()
        } else {
            params.push(format!("query={}", percent(sql)));
            body
        };
        for (k, v) in settings {
            params.push(format!("{}={}", percent(k), percent(v)));
        }
        let target = format!("/?{}", params.join("&"));
        let mut head = format!(
            "POST {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\nX-ClickHouse-User: {}\r\n",
            self.addr,
            body.len(),
            self.user
        );
        if let Some(p) = &self.password {
            head.push_str(&format!("X-ClickHouse-Key: {p}\r\n"));
        }
        head.push_str("\r\n");
        stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(body))
            .map_err(|e| err(format!("cannot send: {e}")))?;
        let mut response = Vec::new();
        stream
            .read_to_end(&mut response)
            .map_err(|e| err(format!("cannot read the answer: {e}")))?;
        let end =
            find(&response, b"\r\n\r\n").ok_or_else(|| err("an answer without headers".into()))?;
        let headers = String::from_utf8_lossy(&response[..end]).to_string();
        let mut payload = response[end + 4..].to_vec();
        if headers.lines().any(|l| {
            l.to_ascii_lowercase().starts_with("transfer-encoding:")
                && l.to_ascii_lowercase().contains("chunked")
        }) {
            payload = unchunk(&payload).ok_or_else(|| err("a chunked answer cut short".into()))?;
        }
        let status = headers
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or(0);
        if status != 200 {
            let text = String::from_utf8_lossy(&payload);
            let text = text.trim();
            let first: String = text.chars().take(400).collect();
            return Err(err(format!("HTTP {status}: {}", first.replace('\n', " "))));
        }
        Ok(payload)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The body of a chunked answer.
fn unchunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    loop {
        let line_end = find(data, b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

/// `s` percent-encoded for a URL's query string.
fn percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_and_urls() {
        assert_eq!(
            unchunk(b"3\r\nabc\r\n2;x=1\r\nde\r\n0\r\n\r\n").as_deref(),
            Some(&b"abcde"[..])
        );
        assert_eq!(unchunk(b"5\r\nab"), None);
        assert_eq!(percent("a b'='删"), "a%20b%27%3D%27%E5%88%A0");
        assert!(Endpoint::parse("127.0.0.1:8123", "default", None).is_err());
        assert_eq!(
            Endpoint::parse("http://ch1:8123/", "u", None)
                .map(|e| e.addr)
                .ok(),
            Some("ch1:8123".to_string())
        );
    }
}
