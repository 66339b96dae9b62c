//! The tokenizer of the `message` text: identifiers whole, Chinese (and other CJK) text as
//! overlapping character bigrams.
//!
//! Why not a dictionary segmenter (jieba): its dictionary takes long to load for a command that
//! must answer in well under 50 ms, and a segmenter can glue a name to the next character (with
//! HMM on, `张三在` is one word and `张三` is not found) or split a word a searcher types whole.
//! Bigrams find every substring of two or more characters, whatever the segmentation:
//! `删除` is found in `批量删除`, `张三` in `张三在档案室查看了档案`.
//!
//! The tokenizer has two modes, registered under the same name in two tokenizer managers:
//! - [`Mode::Index`] (the index's manager) emits, for every CJK character, its unigram and the
//!   bigram it starts, both at the character's position;
//! - [`Mode::Search`] (the query parser's manager) emits only the bigrams of a run (or the single
//!   character of a one-character run), at the same positions. A query of several characters
//!   becomes a phrase of consecutive bigrams: exactly "the text contains these characters".
//!
//! Other text is split into runs of letters, digits and `. _ : -`, so that identifiers such as
//! `CHG-2026-0012`, `arch-db01`, `10.1.2.3` and `login.failure` stay single tokens; a run's
//! leading and trailing `.`, `:` and `-` are dropped (`done.` is `done`), and it is lowercased.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name under which the message tokenizer is registered.
pub const TEXT_TOKENIZER: &str = "vigil_text";

/// Tokens longer than this (in bytes) are dropped, as tantivy's `RemoveLongFilter` would.
const MAX_TOKEN_BYTES: usize = 255;

/// Which side of the index the tokenizer serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Indexing: unigrams and bigrams of CJK runs.
    Index,
    /// Query parsing: bigrams only (a unigram for a one-character run).
    Search,
}

/// The message tokenizer (see the module documentation).
#[derive(Debug, Clone)]
pub struct TextTokenizer {
    mode: Mode,
    tokens: Vec<Token>,
}

impl TextTokenizer {
    pub fn new(mode: Mode) -> TextTokenizer {
        TextTokenizer {
            mode,
            tokens: Vec::new(),
        }
    }
}

/// Chinese, Japanese and Korean characters: written without spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}'   // hiragana, katakana
        | '\u{3400}'..='\u{4dbf}' // CJK extension A
        | '\u{4e00}'..='\u{9fff}' // CJK unified ideographs
        | '\u{ac00}'..='\u{d7af}' // hangul syllables
        | '\u{f900}'..='\u{faff}' // CJK compatibility ideographs
        | '\u{20000}'..='\u{2ebef}' // extensions B to F
    )
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '.' | '_' | ':' | '-')
        || (!c.is_ascii() && c.is_alphanumeric() && !is_cjk(c))
}

fn is_trimmed(c: char) -> bool {
    matches!(c, '.' | ':' | '-')
}

fn push(tokens: &mut Vec<Token>, text: &str, from: usize, to: usize, position: usize) {
    let Some(s) = text.get(from..to) else { return };
    if s.len() > MAX_TOKEN_BYTES {
        return;
    }
    let text = if s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
        s.to_lowercase()
    } else {
        s.to_string()
    };
    tokens.push(Token {
        offset_from: from,
        offset_to: to,
        position,
        text,
        position_length: 1,
    });
}

/// Splits `text` into `tokens` (cleared first).
pub fn tokenize(mode: Mode, text: &str, tokens: &mut Vec<Token>) {
    tokens.clear();
    let mut position = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if is_cjk(c) {
            // A run of CJK characters: (byte offset, char) of each.
            let mut run: Vec<(usize, usize)> = Vec::new();
            while let Some(&(i, c)) = chars.peek() {
                if !is_cjk(c) {
                    break;
                }
                run.push((i, i + c.len_utf8()));
                chars.next();
            }
            let n = run.len();
            for (k, &(from, to)) in run.iter().enumerate() {
                let bigram_end = run.get(k + 1).map(|&(_, e)| e);
                match mode {
                    Mode::Index => {
                        push(tokens, text, from, to, position + k);
                        if let Some(end) = bigram_end {
                            push(tokens, text, from, end, position + k);
                        }
                    }
                    Mode::Search => match bigram_end {
                        Some(end) => push(tokens, text, from, end, position + k),
                        None if n == 1 => push(tokens, text, from, to, position + k),
                        None => {}
                    },
                }
            }
            position += n;
        } else if is_word(c) {
            let mut end = start;
            while let Some(&(i, c)) = chars.peek() {
                if !is_word(c) {
                    break;
                }
                end = i + c.len_utf8();
                chars.next();
            }
            let run = text.get(start..end).unwrap_or("");
            let trimmed_start = run.trim_start_matches(is_trimmed);
            let from = start + (run.len() - trimmed_start.len());
            let to = from + trimmed_start.trim_end_matches(is_trimmed).len();
            if from < to {
                push(tokens, text, from, to, position);
                position += 1;
            }
        } else {
            chars.next();
        }
    }
}

/// The token stream over a [`TextTokenizer`]'s buffer.
pub struct TextTokenStream<'a> {
    tokens: &'a mut Vec<Token>,
    /// 1 + the index of the current token (0 before the first `advance`).
    next: usize,
    /// What `token()` gives before the first or after the last token (tantivy does not ask).
    none: Token,
}

impl TokenStream for TextTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        match self.next.checked_sub(1).and_then(|i| self.tokens.get(i)) {
            Some(t) => t,
            None => &self.none,
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        match self
            .next
            .checked_sub(1)
            .and_then(|i| self.tokens.get_mut(i))
        {
            Some(t) => t,
            None => &mut self.none,
        }
    }
}

impl Tokenizer for TextTokenizer {
    type TokenStream<'a> = TextTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> TextTokenStream<'a> {
        tokenize(self.mode, text, &mut self.tokens);
        TextTokenStream {
            tokens: &mut self.tokens,
            next: 0,
            none: Token::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(mode: Mode, s: &str) -> Vec<(String, usize)> {
        let mut v = Vec::new();
        tokenize(mode, s, &mut v);
        v.into_iter().map(|t| (t.text, t.position)).collect()
    }

    fn texts(mode: Mode, s: &str) -> Vec<String> {
        toks(mode, s).into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn identifiers_stay_whole() {
        assert_eq!(
            texts(
                Mode::Index,
                "Ticket CHG-2026-0012 on arch-db01 from 10.1.2.3, action login.failure."
            ),
            [
                "ticket",
                "chg-2026-0012",
                "on",
                "arch-db01",
                "from",
                "10.1.2.3",
                "action",
                "login.failure"
            ]
        );
        assert_eq!(texts(Mode::Search, "--x-- ... fe80::1:"), ["x", "fe80::1"]);
    }

    #[test]
    fn cjk_as_bigrams_with_unigrams_when_indexing() {
        assert_eq!(
            toks(Mode::Index, "张三在 ok"),
            [
                ("张".into(), 0),
                ("张三".into(), 0),
                ("三".into(), 1),
                ("三在".into(), 1),
                ("在".into(), 2),
                ("ok".into(), 3)
            ]
        );
        assert_eq!(
            toks(Mode::Search, "张三在 ok 张"),
            [
                ("张三".into(), 0),
                ("三在".into(), 1),
                ("ok".into(), 3),
                ("张".into(), 4)
            ]
        );
    }

    #[test]
    fn punctuation_separates_and_offsets_are_bytes() {
        let mut v = Vec::new();
        tokenize(Mode::Search, "删除，档案。", &mut v);
        let got: Vec<_> = v
            .iter()
            .map(|t| (t.text.as_str(), t.offset_from, t.offset_to, t.position))
            .collect();
        assert_eq!(got, [("删除", 0, 6, 0), ("档案", 9, 15, 2)]);
    }

    #[test]
    fn empty_and_long_inputs() {
        assert!(texts(Mode::Index, "").is_empty());
        assert!(texts(Mode::Index, "  ,;!  ").is_empty());
        let long = "a".repeat(300);
        assert_eq!(texts(Mode::Index, &format!("{long} b")), ["b"]);
        let mut t = TextTokenizer::new(Mode::Index);
        let mut s = t.token_stream("");
        assert!(!s.advance());
    }

    proptest::proptest! {
        #[test]
        fn any_text_tokenizes_without_panicking(s in "\\PC{0,80}", bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..80)) {
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            for text in [s.as_str(), lossy.as_str()] {
                for mode in [Mode::Index, Mode::Search] {
                    let mut v = Vec::new();
                    tokenize(mode, text, &mut v);
                    let mut last = 0;
                    for t in &v {
                        // Offsets are char boundaries of the text, the token is its lowercased
                        // slice, positions never go back.
                        let slice = text.get(t.offset_from..t.offset_to);
                        proptest::prop_assert_eq!(slice.map(str::to_lowercase), Some(t.text.clone()));
                        proptest::prop_assert!(t.position >= last);
                        last = t.position;
                    }
                }
            }
        }

        #[test]
        fn every_cjk_substring_of_a_text_is_found(
            before in "[删除批量张三 a-z.]{0,10}",
            sub in "[删除批量张三在档案室]{2,5}",
            after in "[删除批量张三 a-z.]{0,10}",
        ) {
            // What the index holds for the text, and what a query of any substring of two or
            // more CJK characters becomes: the query's tokens are all among the text's.
            let s = format!("{before}{sub}{after}");
            let mut indexed = Vec::new();
            tokenize(Mode::Index, &s, &mut indexed);
            let mut query = Vec::new();
            tokenize(Mode::Search, &sub, &mut query);
            proptest::prop_assert_eq!(query.len(), sub.chars().count() - 1);
            for q in &query {
                proptest::prop_assert!(indexed.iter().any(|t| t.text == q.text));
            }
        }
    }
}
