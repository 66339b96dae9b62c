//! A small CSV reader for the registers (RFC 4180: a header row, commas, `"` quoting with `""`
//! inside, quoted fields may span lines; CRLF or LF; a UTF-8 byte order mark is skipped). Each
//! record keeps the line it starts on, so a bad value can be named by line and column.

/// One record: the line it starts on (1-based) and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Splits `text` into records; blank lines are skipped. `Err((line, message))` for a quote that
/// is never closed or stray text after a closing quote.
pub fn records(text: &str) -> Result<Vec<Record>, (usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut start = 1usize;
    let mut in_record = false;
    let mut quoted_field = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if field.is_empty() && !quoted_field => {
                quoted_field = true;
                in_record = true;
                let open_line = line;
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some('\n') => {
                            line += 1;
                            field.push('\n');
                        }
                        Some(ch) => field.push(ch),
                        None => {
                            return Err((
                                open_line,
                                "a quoted value is never closed (a \" is missing)".into(),
                            ));
                        }
                    }
                }
                match chars.peek() {
                    None | Some(',') | Some('\n') | Some('\r') => {}
                    Some(_) => {
                        return Err((
                            line,
                            "text after a closing quote; quote the whole value".into(),
                        ));
                    }
                }
            }
            ',' => {
                in_record = true;
                fields.push(std::mem::take(&mut field));
                quoted_field = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                if in_record || !field.is_empty() {
                    fields.push(std::mem::take(&mut field));
                    out.push(Record {
                        line: start,
                        fields: std::mem::take(&mut fields),
                    });
                }
                quoted_field = false;
                in_record = false;
                line += 1;
                start = line;
            }
            c => {
                if !in_record {
                    start = line;
                }
                in_record = true;
                field.push(c);
            }
        }
    }
    if in_record || !field.is_empty() {
        fields.push(field);
        out.push(Record {
            line: start,
            fields,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(line: usize, f: &[&str]) -> Record {
        Record {
            line,
            fields: f.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn quoting_line_numbers_and_mistakes() {
        let text = "\u{feff}a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\n\n2,\"two\nlines\",\n3,,z";
        assert_eq!(
            records(text),
            Ok(vec![
                rec(1, &["a", "b", "c"]),
                rec(2, &["1", "x, y", "say \"hi\""]),
                rec(4, &["2", "two\nlines", ""]),
                rec(6, &["3", "", "z"]),
            ])
        );
        assert_eq!(
            records("a\n\"open\n"),
            Err((2, "a quoted value is never closed (a \" is missing)".into()))
        );
        assert!(records("a\n\"x\"y\n").is_err_and(|(l, _)| l == 2));
        assert_eq!(records(""), Ok(vec![]));
    }
}
