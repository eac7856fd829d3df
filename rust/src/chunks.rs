//! spaCy's English tokens of a text, one whitespace-free chunk at a time and remembered (the
//! reasoning is `pipeline/stages/quality/tokens.py`'s `ChunkTokenizer`): a chunk of ASCII letters
//! or of ASCII digits that is none of the tokenizer's special cases is one token; letters joined
//! by hyphens ("pick-up") are cut at each; a word or a number between a few marks ("(word),",
//! "2026.") is cut as the first chunk of its shape was (`Affixed`); any other chunk's tokens
//! are spaCy's, which the caller looks up once (`ChunkCache::missing`) and hands back.
//!
//! Offsets are in characters (code points), as Python counts them.

use std::sync::Arc;

use ahash::{AHashMap, AHashSet};

use crate::pychars::is_space;

/// One chunk's tokens: where each starts in it (characters and bytes), and which are
/// punctuation and which sentence punctuation (by token index).
#[derive(Debug)]
pub struct Chunk {
    chars: Vec<usize>,
    bytes: Vec<usize>,
    punct: Vec<usize>,
    sentence: Vec<usize>,
}

impl Chunk {
    /// `starts`: each token's first character in `chunk`, ascending, the first 0.
    pub fn new(
        chunk: &str,
        starts: Vec<usize>,
        punct: Vec<usize>,
        sentence: Vec<usize>,
    ) -> Result<Self, String> {
        let n_chars = chunk.chars().count();
        if starts.first() != Some(&0)
            || starts.windows(2).any(|w| w[0] >= w[1])
            || starts.last() >= Some(&n_chars)
        {
            return Err(format!("token starts {starts:?} do not cut {chunk:?}"));
        }
        if punct.iter().chain(&sentence).any(|&k| k >= starts.len()) {
            return Err(format!(
                "a punctuation index is past the {} tokens of {chunk:?}",
                starts.len()
            ));
        }
        let mut at = chunk.char_indices().map(|(b, _)| b);
        let mut previous = 0;
        let bytes = starts
            .iter()
            .map(|&c| {
                let b = at.nth(c - previous).expect("checked: inside the chunk");
                previous = c + 1;
                b
            })
            .collect();
        Ok(Chunk {
            chars: starts,
            bytes,
            punct,
            sentence,
        })
    }
}

/// A text's tokens: each token's start and end (characters), whether it is punctuation and
/// sentence punctuation, and the words (the tokens that are not whitespace) as byte ranges.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tokens {
    pub starts: Vec<i64>,
    pub ends: Vec<i64>,
    pub punct: Vec<bool>,
    pub sentence: Vec<bool>,
    pub words: Vec<(usize, usize)>,
}

impl Tokens {
    fn push(&mut self, start: usize, end: usize, word: Option<(usize, usize)>) {
        self.starts.push(start as i64);
        self.ends.push(end as i64);
        self.punct.push(false);
        self.sentence.push(false);
        if let Some(range) = word {
            self.words.push(range);
        }
    }
}

/// The chunks of a text (`\S+` in Python's sense), with their byte and character offsets.
fn chunks(text: &str) -> impl Iterator<Item = (usize, usize, usize, usize)> + '_ {
    // (byte start, byte end, char start, char end)
    let mut chars = text.char_indices().enumerate().peekable();
    std::iter::from_fn(move || {
        while chars.next_if(|(_, (_, c))| is_space(*c)).is_some() {}
        let (c0, (b0, _)) = chars.next()?;
        let (mut c1, mut b1) = (c0 + 1, text.len());
        while let Some((ci, (bi, c))) = chars.peek().copied() {
            if is_space(c) {
                b1 = bi;
                break;
            }
            c1 = ci + 1;
            chars.next();
        }
        Some((b0, b1, c0, c1))
    })
}

/// Marks a word may open with and close with, at most `MAX_MARKS` of each, for its chunk to be
/// cut by its shape: spaCy's prefix and suffix rules split these off one by one, and which
/// split depends on the marks and on the case of the word's letters next to them, never on its
/// other letters (its suffix rule for "." reads the one or two letters before it).
const OPENING: &[u8] = b"([\"'";
const CLOSING: &[u8] = b",.:;?!)]\"'";
const MAX_MARKS: usize = 3;
/// Shapes remembered at most (a shape is a few marks and three letters' case: a corpus meets a
/// few hundred).
const MAX_SHAPES: usize = 50_000;

/// A chunk of ASCII letters or digits between marks ("(word),", "2026."), none of whose spans
/// that keep the word whole (with some of the marks next to it) is a special case: spaCy cuts it
/// as it cut the first chunk of the same shape (the same marks, and the same case at the word's
/// first, second last and last letter, or digits). The tests hold this against spaCy on every
/// such chunk met.
struct Affixed {
    shape: u32,
    word: usize,     // where the word starts (the opening marks' length)
    word_end: usize, // where it ends
}

impl Affixed {
    fn parse(chunk: &str, special: &AHashSet<String>) -> Option<Affixed> {
        let b = chunk.as_bytes();
        let word = b.iter().take_while(|c| OPENING.contains(c)).count();
        // The word: ASCII letters, or ASCII digits (spaCy cuts a number between marks by the
        // marks alone, whatever its digits and however many: the tests hold this too).
        let run = |class: fn(&u8) -> bool| b[word..].iter().take_while(|c| class(c)).count();
        let (length, digits) = match run(u8::is_ascii_alphabetic) {
            0 => (run(u8::is_ascii_digit), true),
            n => (n, false),
        };
        let word_end = word + length;
        let closing = b.len() - word_end;
        if length == 0
            || word + closing == 0
            || word > MAX_MARKS
            || closing > MAX_MARKS
            || !b[word_end..].iter().all(|c| CLOSING.contains(c))
        {
            return None;
        }
        for from in 0..=word {
            for to in word_end..=b.len() {
                if special.contains(&chunk[from..to]) {
                    return None;
                }
            }
        }
        let code = |marks: &[u8], set: &[u8]| {
            marks.iter().fold(0u32, |code, m| {
                code * (set.len() as u32 + 1) + 1 + set.iter().position(|s| s == m).unwrap() as u32
            })
        };
        let upper = |at: usize| u32::from(b[at].is_ascii_uppercase());
        let second_last = if length > 1 {
            1 + upper(word_end - 2)
        } else {
            0
        };
        // 12 case patterns of letters: the first letter's (2) x the second last's (3, none) x the
        // last's (2); a number is the 13th.
        let case = if digits {
            12
        } else {
            upper(word) * 6 + second_last * 2 + upper(word_end - 1)
        };
        let closings = (CLOSING.len() as u32 + 1).pow(MAX_MARKS as u32);
        let marks = code(&b[..word], OPENING) * closings + code(&b[word_end..], CLOSING);
        Some(Affixed {
            shape: marks * 13 + case,
            word,
            word_end,
        })
    }
}

/// The tokens of an `Affixed` shape: the opening marks' (where each starts), the word's, the
/// closing marks' (where each starts after the word); which are punctuation and sentence
/// punctuation, by index.
#[derive(Debug)]
struct Shape {
    opening: Vec<usize>,
    closing: Vec<usize>,
    punct: Vec<usize>,
    sentence: Vec<usize>,
}

impl Shape {
    /// The shape of `found`, the tokens of a chunk of `chunk_len` characters that parsed as `affixed`.
    fn learn(affixed: &Affixed, chunk_len: usize, found: &Chunk) -> Option<Shape> {
        let k = found.chars.iter().position(|&c| c == affixed.word)?;
        // The word is one token: the next starts where it ends (or it ends the chunk).
        if found.chars.get(k + 1).copied().unwrap_or(chunk_len) != affixed.word_end {
            return None;
        }
        Some(Shape {
            opening: found.chars[..k].to_vec(),
            closing: found.chars[k + 1..]
                .iter()
                .map(|&c| c - affixed.word_end)
                .collect(),
            punct: found.punct.clone(),
            sentence: found.sentence.clone(),
        })
    }

    /// This shape's tokens of `affixed` (ASCII: characters are bytes).
    fn cut(&self, affixed: &Affixed) -> Chunk {
        let mut chars = self.opening.clone();
        chars.push(affixed.word);
        chars.extend(self.closing.iter().map(|&c| affixed.word_end + c));
        Chunk {
            bytes: chars.clone(),
            chars,
            punct: self.punct.clone(),
            sentence: self.sentence.clone(),
        }
    }
}

/// spaCy's tokens of the chunks met so far, in two generations of at most `capacity / 2` each:
/// when the young one is full it becomes the old one (a chunk found there is remembered again)
/// and the oldest is dropped.
pub struct ChunkCache {
    special: AHashSet<String>,
    young: AHashMap<String, Arc<Chunk>>,
    old: AHashMap<String, Arc<Chunk>>,
    // None: spaCy did not cut the first chunk of the shape at the word's edges ("A." is one
    // token), so its chunks are each looked up.
    shapes: AHashMap<u32, Option<Shape>>,
}

impl ChunkCache {
    pub fn new(special: AHashSet<String>) -> Self {
        ChunkCache {
            special,
            young: AHashMap::new(),
            old: AHashMap::new(),
            shapes: AHashMap::new(),
        }
    }

    /// The chunk as a word between marks, with its shape's tokens, when that shape is known.
    fn shaped(&self, chunk: &str) -> Option<(Affixed, &Shape)> {
        let affixed = Affixed::parse(chunk, &self.special)?;
        let shape = self.shapes.get(&affixed.shape)?.as_ref()?;
        Some((affixed, shape))
    }

    /// Learn the shape of `chunk` from its tokens, if it has one; whether its shape cuts it.
    fn learn(&mut self, chunk: &str, found: &Chunk) -> bool {
        let Some(affixed) = Affixed::parse(chunk, &self.special) else {
            return false;
        };
        if self.shapes.len() >= MAX_SHAPES && !self.shapes.contains_key(&affixed.shape) {
            return false;
        }
        let shape = self
            .shapes
            .entry(affixed.shape)
            .or_insert_with(|| Shape::learn(&affixed, chunk.len(), found));
        shape.is_some()
    }

    fn plain(&self, chunk: &str) -> bool {
        (chunk.bytes().all(|b| b.is_ascii_alphabetic())
            || chunk.bytes().all(|b| b.is_ascii_digit()))
            && !self.special.contains(chunk)
    }

    /// ASCII letter runs joined by single hyphens ("pick-up", "not-for-profit"), no special
    /// case: spaCy's infix rule cuts them at every hyphen, whatever the letters and their case (the
    /// tests hold this against spaCy on 30,000 compounds, parts that are special cases included).
    fn is_compound(&self, chunk: &str) -> bool {
        let b = chunk.as_bytes();
        b.contains(&b'-')
            && b.iter().all(|&c| c.is_ascii_alphabetic() || c == b'-')
            && b.first() != Some(&b'-')
            && b.last() != Some(&b'-')
            && !b.windows(2).any(|w| w == b"--")
            && !self.special.contains(chunk)
    }

    /// A compound's tokens ([`Self::is_compound`]): each part, and each hyphen as punctuation.
    fn compound(&self, chunk: &str) -> Option<Chunk> {
        if !self.is_compound(chunk) {
            return None;
        }
        let (mut starts, mut punct) = (vec![0], Vec::new());
        for (i, _) in chunk.bytes().enumerate().filter(|&(_, c)| c == b'-') {
            punct.push(starts.len());
            starts.extend([i, i + 1]);
        }
        Some(Chunk {
            bytes: starts.clone(),
            chars: starts,
            punct,
            sentence: Vec::new(),
        })
    }

    /// The distinct chunks of `text` whose tokens the caller must give (`tokens`' `fresh`).
    pub fn missing<'t>(&self, text: &'t str) -> Vec<&'t str> {
        let mut seen = AHashSet::new();
        chunks(text)
            .map(|(b0, b1, _, _)| &text[b0..b1])
            .filter(|c| {
                !self.plain(c)
                    && !self.young.contains_key(*c)
                    && !self.is_compound(c)
                    && !self.old.contains_key(*c)
                    && self.shaped(c).is_none()
            })
            .filter(|c| seen.insert(*c))
            .collect()
    }

    fn remember(&mut self, chunk: &str, found: Arc<Chunk>, capacity: usize) {
        if self.young.len() >= capacity / 2 {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(chunk.to_owned(), found);
    }

    /// The tokens of `text`, given `fresh`: the tokens of the chunks `missing` named. A chunk
    /// neither there nor remembered (another caller's chunks turned the memory over in between)
    /// makes it return those chunks instead, and change nothing.
    pub fn tokens<'t>(
        &mut self,
        text: &'t str,
        fresh: AHashMap<String, Arc<Chunk>>,
        capacity: usize,
    ) -> Result<Tokens, Vec<&'t str>> {
        let mut out = Tokens::default();
        let mut lost = Vec::new();
        let (mut end_byte, mut end_char) = (0, 0);
        // Chunks to remember again or for the first time: after the text, so that a generation
        // turning over cannot drop one `missing` found remembered.
        let mut remember = Vec::new();
        for (b0, b1, c0, c1) in chunks(text) {
            whitespace(&mut out, text, end_byte, end_char, b0, c0);
            let chunk = &text[b0..b1];
            (end_byte, end_char) = (b1, c1);
            if self.plain(chunk) {
                out.push(c0, c1, Some((b0, b1)));
                continue;
            }
            let cut;
            // The young memory first (most chunks), then the shape, then the old memory and what
            // the caller gave.
            let found: &Chunk = if let Some(found) = self.young.get(chunk) {
                found
            } else if let Some(compound) = self.compound(chunk) {
                cut = compound;
                &cut
            } else if let Some((affixed, shape)) = self.shaped(chunk) {
                cut = shape.cut(&affixed);
                &cut
            } else if let Some(found) = self.old.get(chunk).or_else(|| fresh.get(chunk)) {
                remember.push((b0, b1, found.clone()));
                found
            } else {
                lost.push(chunk);
                continue;
            };
            let first = out.starts.len();
            let n = found.chars.len();
            for k in 0..n {
                let (cs, bs) = (c0 + found.chars[k], b0 + found.bytes[k]);
                let (ce, be) = if k + 1 < n {
                    (c0 + found.chars[k + 1], b0 + found.bytes[k + 1])
                } else {
                    (c1, b1)
                };
                out.push(cs, ce, Some((bs, be)));
            }
            for &k in &found.punct {
                out.punct[first + k] = true;
            }
            for &k in &found.sentence {
                out.sentence[first + k] = true;
            }
        }
        if !lost.is_empty() {
            let mut seen = AHashSet::new();
            lost.retain(|c| seen.insert(*c));
            return Err(lost);
        }
        whitespace(&mut out, text, end_byte, end_char, text.len(), usize::MAX);
        for (b0, b1, found) in remember {
            let chunk = &text[b0..b1];
            if !self.learn(chunk, &found) {
                self.remember(chunk, found, capacity);
            }
        }
        Ok(out)
    }
}

/// The whitespace token between the chunk ending at `end` and the one starting at `start`
/// (`usize::MAX` chars: the text's end): the run, less the one space that trails a chunk.
fn whitespace(
    out: &mut Tokens,
    text: &str,
    mut end_byte: usize,
    mut end_char: usize,
    start_byte: usize,
    start_char: usize,
) {
    if start_byte <= end_byte {
        return;
    }
    if end_byte > 0 && text.as_bytes()[end_byte] == b' ' {
        end_byte += 1;
        end_char += 1;
    }
    if start_byte > end_byte {
        let start_char = if start_char == usize::MAX {
            end_char + text[end_byte..start_byte].chars().count()
        } else {
            start_char
        };
        out.push(end_char, start_char, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> ChunkCache {
        ChunkCache::new(["Cannot".to_string()].into_iter().collect())
    }

    type Fresh<'a> = [(&'a str, Vec<usize>, Vec<usize>, Vec<usize>)];

    fn make(fresh: &Fresh) -> AHashMap<String, Arc<Chunk>> {
        fresh
            .iter()
            .map(|(c, s, p, q)| {
                (
                    c.to_string(),
                    Arc::new(Chunk::new(c, s.clone(), p.clone(), q.clone()).unwrap()),
                )
            })
            .collect()
    }

    fn tokens(cache: &mut ChunkCache, text: &str, fresh: &Fresh) -> Tokens {
        cache.tokens(text, make(fresh), 100).unwrap()
    }

    #[test]
    fn chunks_split_at_python_whitespace() {
        let found: Vec<_> = chunks(" é b\u{1c}c\u{a0}").collect();
        assert_eq!(found, vec![(1, 3, 1, 2), (4, 5, 3, 4), (6, 7, 5, 6)]);
        assert_eq!(chunks("").count(), 0);
        assert_eq!(chunks("   ").count(), 0);
    }

    #[test]
    fn plain_words_need_no_spacy_and_others_are_missing_once() {
        let cache = cache();
        assert_eq!(
            cache.missing("Plain words 2026 7 pick-up Cannot don't don't café 17m a--b -a"),
            vec!["Cannot", "don't", "café", "17m", "a--b", "-a"]
        );
    }

    #[test]
    fn a_compound_is_cut_at_each_hyphen() {
        let mut cache = cache();
        let found = tokens(&mut cache, "not-for-profit", &[]);
        assert_eq!(found.starts, vec![0, 3, 4, 7, 8]);
        assert_eq!(found.ends, vec![3, 4, 7, 8, 14]);
        assert_eq!(found.punct, vec![false, true, false, true, false]);
        assert_eq!(found.sentence, vec![false; 5]);
    }

    #[test]
    fn tokens_in_characters_with_whitespace_runs() {
        let mut cache = cache();
        let text = "  Héllo, world  don't\n";
        let fresh = [
            ("Héllo,", vec![0, 5], vec![1], vec![]),
            ("don't", vec![0, 2], vec![], vec![]),
        ];
        let found = tokens(&mut cache, text, &fresh);
        // "  " leads (nothing trails before it); one space trails "world", the other is a token.
        assert_eq!(found.starts, vec![0, 2, 7, 9, 15, 16, 18, 21]);
        assert_eq!(found.ends, vec![2, 7, 8, 14, 16, 18, 21, 22]);
        assert_eq!(
            found.punct,
            vec![false, false, true, false, false, false, false, false]
        );
        let words: Vec<&str> = found.words.iter().map(|&(a, b)| &text[a..b]).collect();
        assert_eq!(words, vec!["Héllo", ",", "world", "do", "n't"]);
        // Remembered: the same text needs nothing fresh.
        assert!(cache.missing(text).is_empty());
        assert_eq!(tokens(&mut cache, text, &[]), found);
    }

    #[test]
    fn a_word_between_marks_is_cut_as_its_shape_was() {
        let special = ["Mr.", "it)"].map(String::from);
        let mut cache = ChunkCache::new(special.into_iter().collect());
        // spaCy's cut of "(word)," taught once: "(", "word", ")", ",".
        let fresh = [("(word),", vec![0, 1, 5, 6], vec![0, 2, 3], vec![])];
        tokens(&mut cache, "(word),", &fresh);
        // The same marks around a word of the same case pattern need nothing afresh ...
        assert!(cache.missing("(hello), (hi),").is_empty());
        let found = tokens(&mut cache, "(hello),", &[]);
        assert_eq!(found.starts, vec![0, 1, 6, 7]);
        assert_eq!(found.punct, vec![true, false, true, true]);
        // ... another case pattern, other marks, a special case inside ("it)") or a special
        // case do.
        assert_eq!(
            cache.missing("(Hello), (hello). (it), Mr. x"),
            vec!["(Hello),", "(hello).", "(it),", "Mr."]
        );
        // A number is a shape of its own, whatever its digits: "(2026)," teaches "(7),".
        assert_eq!(cache.missing("(2026),"), vec!["(2026),"]);
        tokens(
            &mut cache,
            "(2026),",
            &[("(2026),", vec![0, 1, 5, 6], vec![0, 2, 3], vec![])],
        );
        assert_eq!(tokens(&mut cache, "(7),", &[]).starts, vec![0, 1, 2, 3]);
        // A shape spaCy does not cut at the word's edges ("A." is one token) stays unlearned.
        let one = [("A.", vec![0], vec![], vec![])];
        tokens(&mut cache, "A.", &one);
        assert_eq!(cache.missing("B."), vec!["B."]);
    }

    #[test]
    fn a_generation_turning_over_mid_text_drops_nothing_the_text_needs() {
        let mut cache = cache();
        // Neither plain nor a number between marks: each is looked up.
        let pieces: Vec<String> = (0..30).map(|i| format!("{i}x.")).collect();
        let fresh: Vec<_> = pieces
            .iter()
            .map(|p| (p.as_str(), vec![0, p.len() - 1], vec![1], vec![1]))
            .collect();
        let text = pieces.join(" ");
        let first = cache.tokens(&text, make(&fresh), 8).unwrap();
        // Remembered in generations of 4, the last 6 are still there (the old generation full, the
        // young one holding 2): the next text of them needs only the 24 before afresh.
        let missing = cache.missing(&text);
        assert_eq!(missing.len(), 24);
        let again: Vec<_> = fresh
            .iter()
            .filter(|f| missing.contains(&f.0))
            .cloned()
            .collect();
        assert_eq!(cache.tokens(&text, make(&again), 8).unwrap(), first);
        assert_eq!(first.sentence.iter().filter(|&&s| s).count(), 30);
    }

    #[test]
    fn a_chunk_without_tokens_is_named_and_bad_cuts_are_refused() {
        assert_eq!(
            cache().tokens("x. y x.", AHashMap::new(), 100),
            Err(vec!["x."])
        );
        assert!(Chunk::new("ab", vec![0, 2], vec![], vec![]).is_err());
        assert!(Chunk::new("ab", vec![1], vec![], vec![]).is_err());
        assert!(Chunk::new("ab", vec![0, 1], vec![2], vec![]).is_err());
    }
}
