//! Glob patterns for table names, export targets and groups: `*` any run of characters, `?` one
//! character, everything else literal and compared without regard to ASCII case (SQL folds
//! unquoted names).

/// A compiled glob pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    chars: Vec<char>,
}

impl Pattern {
    /// The pattern `text`.
    pub fn new(text: &str) -> Pattern {
        let text = text.trim().to_string();
        let chars = text.chars().map(|c| c.to_ascii_lowercase()).collect();
        Pattern { text, chars }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How specific the pattern is: its count of literal characters.
    pub fn literal_len(&self) -> usize {
        self.chars
            .iter()
            .filter(|c| **c != '*' && **c != '?')
            .count()
    }

    /// Whether `s` matches the whole pattern.
    pub fn matches(&self, s: &str) -> bool {
        let s: Vec<char> = s.chars().map(|c| c.to_ascii_lowercase()).collect();
        let p = &self.chars;
        // The classic greedy matcher with one backtrack point for the last `*`.
        let (mut i, mut j) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while i < s.len() {
            if j < p.len() && (p[j] == '?' || p[j] == s[i]) {
                i += 1;
                j += 1;
            } else if j < p.len() && p[j] == '*' {
                star = Some((j, i));
                j += 1;
            } else if let Some((sj, si)) = star {
                j = sj + 1;
                i = si + 1;
                star = Some((sj, si + 1));
            } else {
                return false;
            }
        }
        while j < p.len() && p[j] == '*' {
            j += 1;
        }
        j == p.len()
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    #[test]
    fn globs_match_whole_names() {
        let table = [
            ("public.archive_item", "public.archive_item", true),
            ("public.archive_item", "PUBLIC.Archive_Item", true),
            ("public.archive_item", "public.archive_items", false),
            ("archive.flow_*", "archive.flow_comment", true),
            ("archive.flow_*", "archive.flow_", true),
            ("archive.flow_*", "archive.flows", false),
            ("public.*_log", "public.borrow_log", true),
            ("public.*_log", "public.borrow_log2", false),
            ("*", "", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("*a*b*", "xxaxxbxx", true),
            ("*a*b", "xxaxxbxxb", true),
            ("catalog/2019-*", "catalog/2019-WS", true),
        ];
        for (p, s, want) in table {
            assert_eq!(Pattern::new(p).matches(s), want, "{p} vs {s}");
        }
    }
}
