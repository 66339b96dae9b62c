//! Log text made safe for a terminal.
//!
//! Log lines are written by whoever can reach the logged service: an attacker can put escape
//! sequences in a user name. Anything vigil shows on a terminal passes through [`terminal`].

use std::borrow::Cow;

/// `s` with ANSI escape sequences removed and other control characters (except tab) replaced by
/// `\u{fffd}`-free visible escapes such as `\x1b`, so nothing reaches the terminal as a command.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                // CSI: ESC [ params final; OSC: ESC ] ... BEL or ESC \; others: ESC + one char.
                match chars.peek() {
                    Some('[') => {
                        chars.next();
                        for d in chars.by_ref() {
                            if ('@'..='~').contains(&d) {
                                break;
                            }
                        }
                    }
                    Some(']') => {
                        chars.next();
                        while let Some(d) = chars.next() {
                            if d == '\u{7}' || (d == '\u{1b}' && chars.next_if_eq(&'\\').is_some())
                            {
                                break;
                            }
                        }
                    }
                    Some(_) => {
                        chars.next();
                    }
                    None => {}
                }
            }
            '\t' => out.push('\t'),
            c if c.is_control() => out.push_str(&c.escape_default().to_string()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::terminal;

    #[test]
    fn strips_escapes_and_controls() {
        assert_eq!(terminal("plain 张三"), "plain 张三");
        assert_eq!(terminal("a\u{1b}[31mred\u{1b}[0m b"), "ared b");
        assert_eq!(terminal("x\u{1b}]0;title\u{7}y"), "xy");
        assert_eq!(terminal("bell\u{7}\r\n"), "bell\\u{7}\\r\\n");
        assert_eq!(terminal("tab\there"), "tab\there");
        assert_eq!(terminal("\u{1b}"), "");
    }
}
