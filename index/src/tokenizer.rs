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

/// The message tokenizer (see the module documentation). It streams: one token, its text buffer
/// reused, no allocation per token (the indexing cost of a message is mostly its tokens).
#[derive(Debug, Clone)]
pub struct TextTokenizer {
    mode: Mode,
    token: Token,
}

impl TextTokenizer {
    pub fn new(mode: Mode) -> TextTokenizer {
        TextTokenizer {
            mode,
            token: Token::default(),
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

fn is_ascii_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-')
}

/// The character at byte `i` of `text` and its length, if `i` is a character boundary before
/// the end.
fn char_at(text: &str, i: usize) -> Option<(char, usize)> {
    let c = text.get(i..)?.chars().next()?;
    Some((c, c.len_utf8()))
}

/// The token stream of a [`TextTokenizer`] over one text.
pub struct TextTokenStream<'a> {
    text: &'a str,
    mode: Mode,
    token: &'a mut Token,
    /// The byte where the next token is looked for.
    at: usize,
    /// The position the next token gets.
    position: usize,
    /// Whether the character before `at` was CJK (a CJK character then continues a run).
    in_cjk: bool,
    /// A bigram to emit next, at the position of the unigram just emitted (indexing).
    bigram: Option<(usize, usize, usize)>,
}

impl TextTokenStream<'_> {
    /// Makes `text[from..to]` the current token, lowercased, at `position`. False if the token is
    /// too long (it is dropped, as `RemoveLongFilter` would).
    /// `caseless`: the text is CJK, which has no case (the test `cjk_has_no_case` checks it).
    fn set_text(&mut self, from: usize, to: usize, position: usize, caseless: bool) -> bool {
        let Some(s) = self.text.get(from..to) else {
            return false;
        };
        if s.len() > MAX_TOKEN_BYTES {
            return false;
        }
        let t = &mut *self.token;
        t.text.clear();
        if caseless {
            t.text.push_str(s);
        } else if s.is_ascii() {
            t.text.push_str(s);
            t.text.make_ascii_lowercase();
        } else {
            // `str::to_lowercase` (not per character) for the final sigma rule.
            t.text.push_str(&s.to_lowercase());
        }
        t.offset_from = from;
        t.offset_to = to;
        t.position = position;
        t.position_length = 1;
        true
    }

    /// [`Self::set_text`] of a word.
    fn set(&mut self, from: usize, to: usize, position: usize) -> bool {
        self.set_text(from, to, position, false)
    }

    /// [`Self::set_text`] of CJK characters.
    fn set_cjk(&mut self, from: usize, to: usize, position: usize) -> bool {
        self.set_text(from, to, position, true)
    }

    /// The byte after the run of word characters that starts at `start`.
    fn word_end(&self, start: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut i = start;
        while let Some(&b) = bytes.get(i) {
            if b < 0x80 {
                if !is_ascii_word(b) {
                    break;
                }
                i += 1;
            } else {
                match char_at(self.text, i) {
                    Some((c, n)) if is_word(c) => i += n,
                    _ => break,
                }
            }
        }
        i
    }
}

impl TextTokenStream<'_> {
    /// Reads the word that starts at `start` (a word character) and moves past it. True when it
    /// is the current token now; false when it gave none (all trimmed away, or too long).
    fn word(&mut self, start: usize) -> bool {
        let end = self.word_end(start);
        self.at = end.max(start + 1);
        let bytes = self.text.as_bytes();
        // Trimmed characters are ASCII: trimming bytes keeps character boundaries.
        let trimmed = |b: u8| matches!(b, b'.' | b':' | b'-');
        let mut from = start;
        while from < end && bytes.get(from).copied().is_some_and(trimmed) {
            from += 1;
        }
        let mut to = end;
        while to > from && bytes.get(to - 1).copied().is_some_and(trimmed) {
            to -= 1;
        }
        if from < to {
            let position = self.position;
            self.position += 1;
            return self.set(from, to, position);
        }
        false
    }
}

impl TokenStream for TextTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if let Some((from, to, position)) = self.bigram.take()
            && self.set_cjk(from, to, position)
        {
            return true;
        }
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.at) {
            let start = self.at;
            if b < 0x80 {
                // ASCII: a word starts here, or the byte separates.
                self.in_cjk = false;
                if is_ascii_word(b) {
                    if self.word(start) {
                        return true;
                    }
                } else {
                    self.at += 1;
                }
                continue;
            }
            let Some((c, n)) = char_at(self.text, start) else {
                // Not a character boundary: cannot happen (the scan moves by characters).
                self.at += 1;
                continue;
            };
            if is_cjk(c) {
                let run_start = !self.in_cjk;
                self.in_cjk = true;
                self.at += n;
                let position = self.position;
                self.position += 1;
                let bigram_end = match char_at(self.text, self.at) {
                    Some((next, m)) if is_cjk(next) => Some(self.at + m),
                    _ => None,
                };
                match self.mode {
                    Mode::Index => {
                        self.bigram = bigram_end.map(|end| (start, end, position));
                        if self.set_cjk(start, self.at, position) {
                            return true;
                        }
                        if let Some((from, to, p)) = self.bigram.take()
                            && self.set_cjk(from, to, p)
                        {
                            return true;
                        }
                    }
                    Mode::Search => {
                        // The run's bigrams; a run of one character is its own token.
                        let end = match bigram_end {
                            Some(end) => Some(end),
                            None if run_start => Some(self.at),
                            None => None,
                        };
                        if let Some(end) = end
                            && self.set_cjk(start, end, position)
                        {
                            return true;
                        }
                    }
                }
                continue;
            }
            self.in_cjk = false;
            if is_word(c) {
                if self.word(start) {
                    return true;
                }
            } else {
                self.at += n;
            }
        }
        false
    }
    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

impl Tokenizer for TextTokenizer {
    type TokenStream<'a> = TextTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> TextTokenStream<'a> {
        self.token.reset();
        self.token.text.clear();
        TextTokenStream {
            text,
            mode: self.mode,
            token: &mut self.token,
            at: 0,
            position: 0,
            in_cjk: false,
            bigram: None,
        }
    }
}

/// Splits `text` into `tokens` (cleared first): the tokens the stream gives, collected.
pub fn tokenize(mode: Mode, text: &str, tokens: &mut Vec<Token>) {
    tokens.clear();
    let mut t = TextTokenizer::new(mode);
    let mut stream = t.token_stream(text);
    while stream.advance() {
        tokens.push(stream.token().clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokenizer as first written (a vector of tokens, one allocation each): the streaming
    /// one must give exactly the same tokens.
    fn reference(mode: Mode, text: &str) -> Vec<Token> {
        let is_trimmed = |c: char| matches!(c, '.' | ':' | '-');
        fn push(tokens: &mut Vec<Token>, text: &str, from: usize, to: usize, position: usize) {
            let Some(s) = text.get(from..to) else { return };
            if s.len() > MAX_TOKEN_BYTES {
                return;
            }
            tokens.push(Token {
                offset_from: from,
                offset_to: to,
                position,
                text: s.to_lowercase(),
                position_length: 1,
            });
        }
        let mut tokens = Vec::new();
        let mut position = 0usize;
        let mut chars = text.char_indices().peekable();
        while let Some(&(start, c)) = chars.peek() {
            if is_cjk(c) {
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
                            push(&mut tokens, text, from, to, position + k);
                            if let Some(end) = bigram_end {
                                push(&mut tokens, text, from, end, position + k);
                            }
                        }
                        Mode::Search => match bigram_end {
                            Some(end) => push(&mut tokens, text, from, end, position + k),
                            None if n == 1 => push(&mut tokens, text, from, to, position + k),
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
                let run = &text[start..end];
                let trimmed_start = run.trim_start_matches(is_trimmed);
                let from = start + (run.len() - trimmed_start.len());
                let to = from + trimmed_start.trim_end_matches(is_trimmed).len();
                if from < to {
                    push(&mut tokens, text, from, to, position);
                    position += 1;
                }
            } else {
                chars.next();
            }
        }
        tokens
    }

    fn parts(tokens: &[Token]) -> Vec<(String, usize, usize, usize)> {
        tokens
            .iter()
            .map(|t| (t.text.clone(), t.offset_from, t.offset_to, t.position))
            .collect()
    }

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

    #[test]
    fn cjk_has_no_case() {
        for c in (0..=0x2ffffu32)
            .filter_map(char::from_u32)
            .filter(|c| is_cjk(*c))
        {
            assert_eq!(c.to_lowercase().collect::<String>(), c.to_string(), "{c}");
        }
    }

    #[test]
    fn streaming_gives_the_reference_tokens() {
        let mut long = "x".repeat(300);
        long.push_str(" 张三 ΣΑΣ ok");
        for text in [
            "Ticket CHG-2026-0012 on ARCH-db01: 张三在档案室查看了档案，删除。 Straße ΟΔΟΣ",
            "a張b 中 文x-y--z ..a.. ::1 fe80::1: 한국어 カタカナ",
            long.as_str(),
        ] {
            for mode in [Mode::Index, Mode::Search] {
                let mut v = Vec::new();
                tokenize(mode, text, &mut v);
                assert_eq!(parts(&v), parts(&reference(mode, text)), "{mode:?} {text}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn streaming_matches_the_reference(s in "[a-zA-Z0-9 .:_,-]{0,20}[张三在 ΣΑσςé한カ.-]{0,20}\\PC{0,40}") {
            for mode in [Mode::Index, Mode::Search] {
                let mut v = Vec::new();
                tokenize(mode, &s, &mut v);
                proptest::prop_assert_eq!(parts(&v), parts(&reference(mode, &s)));
            }
        }

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
