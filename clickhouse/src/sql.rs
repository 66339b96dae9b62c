//! vigil's query language (tantivy's grammar, as `vigil search` reads it) and the checks'
//! [`Filter`] translated to a ClickHouse `WHERE` condition.
//!
//! The query is parsed by the same grammar as the index's, into the same tree; each leaf becomes
//! a condition on the events table's columns:
//!
//! - a keyword field (`action:db.update`, `actor:zhangsan`, ...) is compared whole; `*` and `?`
//!   in its value are a glob (`LIKE`); `src_ip:10.1.0.0/16` is a range over the address as a
//!   number (IPv4 as IPv4-mapped IPv6, as the index compares them);
//! - a word or phrase of the `message` (and a bare word) is matched as the index's tokenizer
//!   would: a run of letters, digits and `. _ : -`, case-insensitive, whole (`fail` does not find
//!   `failed`); Chinese text as a substring, which is what the index's bigrams find;
//! - a bare word is looked for in the message, the `fields` values' text, and the exact actor,
//!   address, target, ticket, host (and id, for a word shaped like one);
//! - `ts:[A TO B}` and the filter's `since`/`until` compare the time in microseconds.
//!
//! ClickHouse 18.16 (Debian's) has no query parameters: every value reaches the SQL through
//! [`quote`], which escapes what a ClickHouse string literal must (`\` and `'`, and control
//! characters), and every field name is checked against the columns. No user text is put in
//! SQL any other way.

use vigil_index::Filter;
use vigil_index::query_grammar::{Occur, UserInputAst, UserInputBound, UserInputLeaf};

use crate::Error;

/// The keyword columns (exact values).
pub const KEYWORDS: [&str; 13] = [
    "id",
    "host",
    "source",
    "format",
    "category",
    "action",
    "outcome",
    "actor",
    "actor_role",
    "src_ip",
    "target",
    "ticket",
    "path",
];

/// Keyword columns an event may lack (NULL).
pub const OPTIONAL: [&str; 5] = ["actor", "actor_role", "src_ip", "target", "ticket"];

/// A ClickHouse string literal of `s`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A column name the query may name, or an error.
fn column(field: &str) -> Result<&'static str, Error> {
    KEYWORDS
        .iter()
        .chain(["message", "text", "raw", "ts"].iter())
        .find(|k| **k == field)
        .copied()
        .ok_or_else(|| Error::Query {
            message: format!(
                "no field {field:?}: these are {}, message, ts",
                KEYWORDS.join(", ")
            ),
        })
}

/// Microseconds since the epoch of an RFC 3339 time or a date.
fn micros(text: &str) -> Result<i64, Error> {
    let t = chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_micros())
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map(|d| {
                d.and_hms_opt(0, 0, 0)
                    .unwrap_or_default()
                    .and_utc()
                    .timestamp_micros()
            })
        })
        .map_err(|_| Error::Query {
            message: format!("{text:?} is not a time: write it as 2026-11-03T09:00:00Z"),
        })?;
    Ok(t)
}

/// The condition of `filter` (`1` for every event).
pub fn filter(f: &Filter) -> Result<String, Error> {
    let mut parts = Vec::new();
    if let Some(t) = f.since {
        parts.push(format!("ts_us >= {}", t.timestamp_micros()));
    }
    if let Some(t) = f.until {
        parts.push(format!("ts_us < {}", t.timestamp_micros()));
    }
    for (field, value) in &f.terms {
        parts.push(format!("{} = {}", keyword(field)?, quote(value)));
    }
    for (field, values) in &f.one_of {
        if values.is_empty() {
            parts.push("0".into());
        } else {
            parts.push(format!("{} IN ({})", keyword(field)?, list(values)));
        }
    }
    for (field, values) in &f.none_of {
        if !values.is_empty() {
            let c = keyword(field)?;
            parts.push(format!("({c} IS NULL OR {c} NOT IN ({}))", list(values)));
        }
    }
    if let Some(q) = f.query.as_deref().filter(|q| !q.trim().is_empty()) {
        parts.push(query(q)?);
    }
    Ok(if parts.is_empty() {
        "1".into()
    } else {
        parts.join(" AND ")
    })
}

fn keyword(field: &str) -> Result<&'static str, Error> {
    let c = column(field)?;
    if KEYWORDS.contains(&c) {
        Ok(c)
    } else {
        Err(Error::Query {
            message: format!("{field:?} is not a keyword field"),
        })
    }
}

fn list(values: &[String]) -> String {
    values
        .iter()
        .map(|v| quote(v))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The condition of a query in vigil's language.
pub fn query(q: &str) -> Result<String, Error> {
    let q = vigil_index::reader::operators_in_any_case(q);
    let ast = vigil_index::query_grammar::parse_query(&q).map_err(|_| Error::Query {
        message: vigil_index::reader::syntax_error(&q),
    })?;
    ast_sql(&ast)
}

fn ast_sql(ast: &UserInputAst) -> Result<String, Error> {
    match ast {
        UserInputAst::Boost(inner, _) => ast_sql(inner),
        UserInputAst::Leaf(leaf) => leaf_sql(leaf),
        UserInputAst::Clause(clauses) => {
            // Conjunction by default, as the index's parser is set: a clause without an
            // operator is required.
            let has_should = clauses.iter().any(|(o, _)| *o == Some(Occur::Should));
            let mut must = Vec::new();
            let mut should = Vec::new();
            let mut not = Vec::new();
            for (occur, sub) in clauses {
                let s = ast_sql(sub)?;
                match occur {
                    Some(Occur::MustNot) => not.push(s),
                    Some(Occur::Should) => should.push(s),
                    Some(Occur::Must) => must.push(s),
                    None if has_should => should.push(s),
                    None => must.push(s),
                }
            }
            let mut parts = must;
            if !should.is_empty() {
                parts.push(format!("({})", should.join(" OR ")));
            }
            for n in not {
                parts.push(format!("NOT ({n})"));
            }
            Ok(if parts.is_empty() {
                "1".into()
            } else {
                format!("({})", parts.join(" AND "))
            })
        }
    }
}

fn leaf_sql(leaf: &UserInputLeaf) -> Result<String, Error> {
    match leaf {
        UserInputLeaf::All => Ok("1".into()),
        UserInputLeaf::Literal(l) => {
            let text = l.phrase.as_str();
            match l.field_name.as_deref() {
                None => bare(text),
                Some(f) => field_literal(column(f)?, text),
            }
        }
        UserInputLeaf::Set { field, elements } => {
            let c = keyword(field.as_deref().unwrap_or("id"))?;
            Ok(format!("{c} IN ({})", list(elements)))
        }
        UserInputLeaf::Range {
            field,
            lower,
            upper,
        } => {
            let f = field.as_deref().unwrap_or("ts");
            if column(f)? != "ts" {
                return Err(Error::Query {
                    message: format!("a range on {f:?}: only ts takes a range"),
                });
            }
            let mut parts = Vec::new();
            match lower {
                UserInputBound::Inclusive(t) => parts.push(format!("ts_us >= {}", micros(t)?)),
                UserInputBound::Exclusive(t) => parts.push(format!("ts_us > {}", micros(t)?)),
                UserInputBound::Unbounded => {}
            }
            match upper {
                UserInputBound::Inclusive(t) => parts.push(format!("ts_us <= {}", micros(t)?)),
                UserInputBound::Exclusive(t) => parts.push(format!("ts_us < {}", micros(t)?)),
                UserInputBound::Unbounded => {}
            }
            Ok(if parts.is_empty() {
                "1".into()
            } else {
                format!("({})", parts.join(" AND "))
            })
        }
        UserInputLeaf::Exists { field } => {
            let c = keyword(field)?;
            Ok(format!("{c} IS NOT NULL"))
        }
        UserInputLeaf::Regex { field, pattern } => {
            let c = keyword(field.as_deref().unwrap_or("id"))?;
            Ok(format!(
                "match({c}, {})",
                quote(&format!("^(?:{pattern})$"))
            ))
        }
    }
}

/// A literal on a named field.
fn field_literal(c: &'static str, text: &str) -> Result<String, Error> {
    match c {
        "message" | "text" | "raw" => Ok(words(c, text)),
        "ts" => {
            let t = micros(text)?;
            Ok(format!("ts_us = {t}"))
        }
        "src_ip" if text.contains('/') => {
            let net = vigil_index::reader::Network::parse(text)
                .map_err(|message| Error::Query { message })?;
            let (lo, hi) = net.bounds();
            Ok(format!("({})", ip_range(lo, hi)))
        }
        c if text.contains(['*', '?']) => Ok(format!("{c} LIKE {}", quote(&glob_like(text)))),
        c => Ok(format!("{c} = {}", quote(text))),
    }
}

/// Addresses from `lo` to `hi` (128-bit, IPv4 mapped), as the two 64-bit halves stored.
fn ip_range(lo: u128, hi: u128) -> String {
    let (lh, ll) = ((lo >> 64) as u64, lo as u64);
    let (hh, hl) = ((hi >> 64) as u64, hi as u64);
    format!(
        "ip_set = 1 AND (ip_hi > {lh} OR (ip_hi = {lh} AND ip_lo >= {ll})) AND (ip_hi < {hh} OR (ip_hi = {hh} AND ip_lo <= {hl}))"
    )
}

/// A glob as a LIKE pattern: `*` any run, `?` one character, `%`, `_` and `\` literal.
fn glob_like(glob: &str) -> String {
    let mut out = String::new();
    for c in glob.chars() {
        match c {
            '*' => out.push('%'),
            '?' => out.push('_'),
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A bare word or phrase: the message's and the fields' words, or an exact keyword value.
fn bare(text: &str) -> Result<String, Error> {
    let mut alts = vec![words("message", text), words("text", text)];
    for c in ["host", "actor", "src_ip", "target", "ticket"] {
        alts.push(format!("{c} = {}", quote(text)));
    }
    if text.len() >= 28 && text.chars().all(|c| c.is_ascii_hexdigit()) {
        alts.push(format!("id = {}", quote(text)));
    }
    Ok(format!("({})", alts.join(" OR ")))
}

/// Whether `c` is CJK (read as bigrams by the index: found as a substring here).
fn cjk(c: char) -> bool {
    matches!(u32::from(c), 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2FA1F)
}

/// The words of `text` in column `c`, as the index's tokenizer finds them: CJK runs as
/// substrings, other tokens (runs of letters, digits and `. _ : -`, lowercased, without a
/// leading or trailing `.`, `:` or `-`) whole and in order.
fn words(c: &str, text: &str) -> String {
    let mut conds = Vec::new();
    let mut tokens: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut cjk_run = String::new();
    let flush_token = |current: &mut String, tokens: &mut Vec<String>| {
        let t = current.trim_matches(['.', ':', '-']).to_lowercase();
        if !t.is_empty() {
            tokens.push(t);
        }
        current.clear();
    };
    for ch in text.chars() {
        if cjk(ch) {
            flush_token(&mut current, &mut tokens);
            cjk_run.push(ch);
            continue;
        }
        if !cjk_run.is_empty() {
            conds.push(format!(
                "positionCaseInsensitiveUTF8({c}, {}) > 0",
                quote(&cjk_run)
            ));
            cjk_run.clear();
        }
        if ch.is_alphanumeric() || matches!(ch, '.' | '_' | ':' | '-') {
            current.push(ch);
        } else {
            flush_token(&mut current, &mut tokens);
        }
    }
    flush_token(&mut current, &mut tokens);
    if !cjk_run.is_empty() {
        conds.push(format!(
            "positionCaseInsensitiveUTF8({c}, {}) > 0",
            quote(&cjk_run)
        ));
    }
    if !tokens.is_empty() {
        let body: Vec<String> = tokens.iter().map(|t| regex_escape(t)).collect();
        let pattern = format!(
            "(^|[^[:alnum:]_.:-])[.:-]*{}[.:-]*($|[^[:alnum:]_.:-])",
            body.join("[.:-]*[^[:alnum:]_.:-]+[.:-]*")
        );
        conds.push(format!("match(lowerUTF8({c}), {})", quote(&pattern)));
    }
    if conds.is_empty() {
        return "0".into();
    }
    format!("({})", conds.join(" AND "))
}

fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$-".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_and_fields_checked() {
        assert_eq!(quote("a'b\\c\n"), "'a\\'b\\\\c\\n'");
        assert_eq!(
            query("actor:\"x') OR 1=1 --\"").unwrap(),
            "actor = 'x\\') OR 1=1 --'"
        );
        assert!(query("nosuch:1").is_err());
        assert!(query("(a").is_err());
    }

    #[test]
    fn the_language_becomes_conditions() {
        assert_eq!(query("action:db.*").unwrap(), "action LIKE 'db.%'");
        assert_eq!(
            query("actor:zhangsan AND NOT outcome:success").unwrap(),
            "(actor = 'zhangsan' AND (NOT (outcome = 'success')))"
        );
        assert!(
            query("删除")
                .unwrap()
                .contains("positionCaseInsensitiveUTF8(message, '删除') > 0")
        );
        assert!(
            query("message:Failed")
                .unwrap()
                .contains("match(lowerUTF8(message)")
        );
        assert!(query("src_ip:10.1.0.0/16").unwrap().contains("ip_hi"));
    }
}
