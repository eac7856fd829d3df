//! The trigram language model (`pipeline/language/lm.py` says which and why), read from CMU
//! Sphinx's binary trie file and queried as pocketsphinx 5 queries it, value for value: the same
//! word ids, the same search (its unsigned arithmetic wraps where pocketsphinx's does), the same
//! float32 sums of probabilities and backoffs, cut to whole LogMath units as pocketsphinx returns
//! them.
//!
//! The file (pocketsphinx's `lm_trie.c`, after KenLM's trie): a header, the order, the n-gram
//! counts; the quantization tables (16-bit codes for the probabilities and backoffs of bigrams
//! and trigrams); the unigrams (probability, backoff, first bigram); bit-packed bigrams (word,
//! backoff and probability codes, first trigram) and trigrams (word, probability code), each
//! context's children sorted by word id; then the words, NUL-terminated.

use ahash::AHashMap;

const HEADER: &[u8] = b"Trie Language Model";
const CODE_BITS: u32 = 16;
const CODES: usize = 1 << CODE_BITS;
const CODE_MASK: u32 = (1 << CODE_BITS) - 1;

/// The bits needed to write numbers up to `max`.
fn required_bits(max: u32) -> u32 {
    if max == 0 {
        0
    } else {
        32 - max.leading_zeros()
    }
}

/// A level of bit-packed n-grams: each entry is a word id then `rest_bits` of payload.
struct Level {
    bytes: std::ops::Range<usize>,
    word_bits: u32,
    word_mask: u32,
    total_bits: u32,
    max_vocab: u32,
}

impl Level {
    fn new(start: usize, entries: u32, max_vocab: u32, rest_bits: u32) -> Level {
        let word_bits = required_bits(max_vocab);
        let total_bits = word_bits + rest_bits;
        // One more entry for the last one's end, rounded up to bytes, and 8 bytes of slack.
        let size = ((1 + entries as u64) * total_bits as u64).div_ceil(8) as usize + 8;
        Level {
            bytes: start..start + size,
            word_bits,
            word_mask: (1u32 << word_bits) - 1,
            total_bits,
            max_vocab,
        }
    }
}

/// The file's bytes: mapped from the file (the pages are read as they are needed and shared by
/// the processes that map the same file), or held.
enum Bytes {
    Mapped(memmap2::Mmap),
    Held(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Held(v) => v,
        }
    }
}

/// What the model's scores are in Python's terms (`lm.py`): below `log_zero` a probability is
/// LogMath's log of zero (none); a unit is `nats_per_unit` nats.
#[derive(Clone, Copy)]
pub struct Scale {
    pub log_zero: i32,
    pub nats_per_unit: f64,
}

/// A trigram model (order 3, as `en-us.lm.bin`).
pub struct TrigramLm {
    scale: Scale,
    data: Bytes,
    /// Probability and backoff of each unigram, and where its bigrams start (one more at the end).
    unigrams: Vec<(f32, f32, u32)>,
    bigram_probs: Vec<f32>,
    bigram_backoffs: Vec<f32>,
    trigram_probs: Vec<f32>,
    bigrams: Level,
    next_mask: u32,
    trigrams: Level,
    ids: AHashMap<String, u32>,
}

fn u32_at(data: &[u8], at: usize) -> Result<u32, String> {
    data.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| "the language model file ends early".to_string())
}

fn f32s(data: &[u8], at: usize, n: usize) -> Result<Vec<f32>, String> {
    let bytes = data
        .get(at..at + 4 * n)
        .ok_or("the language model file ends early")?;
    Ok(bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

impl TrigramLm {
    /// The model in the file at `path`, mapped into memory.
    pub fn open(path: &std::path::Path, scale: Scale) -> Result<TrigramLm, String> {
        let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
        // Safety: the model file is only read; were another process to change it meanwhile, the
        // values read could change, never memory that is not the file's.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| e.to_string())?;
        Self::from(Bytes::Mapped(map), scale)
    }

    pub fn from_bytes(data: Vec<u8>, scale: Scale) -> Result<TrigramLm, String> {
        Self::from(Bytes::Held(data), scale)
    }

    fn from(data: Bytes, scale: Scale) -> Result<TrigramLm, String> {
        if !data.starts_with(HEADER) {
            return Err("not a trie language model (pocketsphinx's binary format)".into());
        }
        let mut at = HEADER.len();
        let order = *data.get(at).ok_or("the language model file ends early")?;
        if order != 3 {
            return Err(format!(
                "a trigram model was expected, the file holds a {order}-gram model"
            ));
        }
        at += 1;
        let counts = [
            u32_at(&data, at)?,
            u32_at(&data, at + 4)?,
            u32_at(&data, at + 8)?,
        ];
        at += 12 + 4; // the counts, and a word that once said the quantization's kind
        let values = f32s(&data, at, 3 * CODES)?;
        at += 4 * 3 * CODES;
        let n_unigrams = counts[0] as usize;
        let raw = data
            .get(at..at + 12 * (n_unigrams + 1))
            .ok_or("the language model file ends early")?;
        let unigrams = raw
            .chunks_exact(12)
            .map(|b| {
                let f = |k: usize| f32::from_le_bytes([b[k], b[k + 1], b[k + 2], b[k + 3]]);
                (f(0), f(4), u32::from_le_bytes([b[8], b[9], b[10], b[11]]))
            })
            .collect();
        at += 12 * (n_unigrams + 1);
        let next_bits = required_bits(counts[2]);
        let bigrams = Level::new(at, counts[1], counts[0], 2 * CODE_BITS + next_bits);
        let trigrams = Level::new(bigrams.bytes.end, counts[2], counts[0], CODE_BITS);
        at = trigrams.bytes.end;
        let size = u32_at(&data, at)? as usize;
        let words = data
            .get(at + 4..at + 4 + size)
            .ok_or("the language model file ends early")?;
        let mut ids = AHashMap::with_capacity(n_unigrams);
        for (id, word) in words.split(|&b| b == 0).take(n_unigrams).enumerate() {
            let word = String::from_utf8_lossy(word).into_owned();
            ids.entry(word).or_insert(id as u32); // a duplicate keeps the first id, as pocketsphinx
        }
        if words.iter().filter(|&&b| b == 0).count() != n_unigrams {
            return Err(format!(
                "the language model's word list does not hold its {n_unigrams} words"
            ));
        }
        Ok(TrigramLm {
            scale,
            data,
            unigrams,
            bigram_probs: values[..CODES].to_vec(),
            bigram_backoffs: values[CODES..2 * CODES].to_vec(),
            trigram_probs: values[2 * CODES..].to_vec(),
            bigrams,
            next_mask: ((1u64 << next_bits) - 1) as u32,
            trigrams,
            ids,
        })
    }

    /// `bitarr_read_int25`: `mask` of the 32 bits at bit `offset` of a level.
    fn read(&self, level: &Level, offset: u32, mask: u32) -> u32 {
        let at = level.bytes.start + (offset >> 3) as usize;
        match self.data.get(at..at + 4) {
            Some(b) => (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) >> (offset & 7)) & mask,
            None => 0,
        }
    }

    /// `uniform_find`: the index of `key` among a level's entries in (before, after), by
    /// interpolation between the word ids at the ends, in pocketsphinx's wrapping u32 arithmetic.
    fn find(&self, level: &Level, begin: u32, end: u32, key: u32) -> Option<u32> {
        let (mut before_it, mut before_v) = (begin.wrapping_sub(1), 0u32);
        let (mut after_it, mut after_v) = (end, level.max_vocab);
        if key > after_v {
            return None;
        }
        while after_it.wrapping_sub(before_it) > 1 {
            let off = key.wrapping_sub(before_v);
            let range = after_v.wrapping_sub(before_v);
            let width = after_it.wrapping_sub(before_it).wrapping_sub(1);
            let pivot = before_it
                .wrapping_add(1u32.wrapping_add(off.wrapping_mul(width) / range.wrapping_add(1)));
            let mid = self.read(level, pivot.wrapping_mul(level.total_bits), level.word_mask);
            if mid < key {
                before_it = pivot;
                before_v = mid;
            } else if mid > key {
                after_it = pivot;
                after_v = mid;
            } else {
                return Some(pivot);
            }
        }
        None
    }

    /// `middle_find`: the bigram of `word` in the range, as (its payload's bit offset, its
    /// trigrams' range).
    fn bigram(&self, word: u32, range: (u32, u32)) -> Option<(u32, (u32, u32))> {
        let level = &self.bigrams;
        let at = self.find(level, range.0, range.1, word)?;
        let payload = at
            .wrapping_mul(level.total_bits)
            .wrapping_add(level.word_bits);
        let next = payload.wrapping_add(2 * CODE_BITS);
        let begin = self.read(level, next, self.next_mask);
        let end = self.read(level, next.wrapping_add(level.total_bits), self.next_mask);
        Some((payload, (begin, end)))
    }

    fn bigram_prob(&self, payload: u32) -> f32 {
        self.bigram_probs
            [self.read(&self.bigrams, payload.wrapping_add(CODE_BITS), CODE_MASK) as usize]
    }

    fn bigram_backoff(&self, payload: u32) -> f32 {
        self.bigram_backoffs[self.read(&self.bigrams, payload, CODE_MASK) as usize]
    }

    fn trigram_prob(&self, word: u32, range: (u32, u32)) -> Option<f32> {
        let level = &self.trigrams;
        let at = self.find(level, range.0, range.1, word)?;
        let payload = at
            .wrapping_mul(level.total_bits)
            .wrapping_add(level.word_bits);
        Some(self.trigram_probs[self.read(level, payload, CODE_MASK) as usize])
    }

    fn children(&self, word: u32) -> (u32, u32) {
        (
            self.unigrams[word as usize].2,
            self.unigrams[word as usize + 1].2,
        )
    }

    /// A word's id; a word outside the vocabulary is `<UNK>`, when the model has one.
    pub fn id(&self, word: &str) -> Option<u32> {
        self.ids
            .get(word)
            .or_else(|| self.ids.get("<UNK>"))
            .copied()
    }

    /// log P(word | history) in whole LogMath units (base 1.0001), the history nearest first and
    /// cut at its first unknown word and at two words; None for an unknown word.
    pub fn units(&self, word: &str, history: &[&str]) -> Option<i32> {
        let word = self.id(word)?;
        let h1 = history.first().and_then(|h| self.id(h));
        let h2 = h1.and(history.get(1).and_then(|h| self.id(h)));
        Some(self.units_of(word, &[h1, h2]))
    }

    /// [`TrigramLm::units`] of word ids (a history word's None: unknown).
    pub fn units_of(&self, word: u32, history: &[Option<u32>]) -> i32 {
        let score = match (
            history.first().copied().flatten(),
            history.get(1).copied().flatten(),
        ) {
            (None, _) => self.unigrams[word as usize].0,
            (Some(h), None) => self.bigram_score(word, h),
            (Some(h1), Some(h2)) => self.trigram_score(word, h1, h2),
        };
        score as i32
    }

    /// ln P(word | history), word ids (a history word's None: unknown); None when the model gives
    /// the word no probability.
    pub fn ln_prob_of(&self, word: u32, history: &[Option<u32>]) -> Option<f64> {
        Some(self.units_of(word, history))
            .filter(|&u| u >= self.scale.log_zero)
            .map(|u| u as f64 * self.scale.nats_per_unit)
    }

    /// ln P(word | history), the history nearest first; None for a word the model does not know.
    pub fn ln_prob(&self, word: &str, history: &[&str]) -> Option<f64> {
        let h1 = history.first().and_then(|h| self.id(h));
        let h2 = h1.and(history.get(1).and_then(|h| self.id(h)));
        self.ln_prob_of(self.id(word)?, &[h1, h2])
    }

    /// `lm_trie_nobo_score` with one word of history.
    fn bigram_score(&self, word: u32, h: u32) -> f32 {
        let (prob, _, _) = self.unigrams[word as usize];
        let range = self.children(word);
        if range.0 != range.1 {
            if let Some((payload, _)) = self.bigram(h, range) {
                return self.bigram_prob(payload);
            }
        }
        let backoff = 0.0f32 + self.unigrams[h as usize].1;
        prob + backoff
    }

    /// `lm_trie_hist_score` with two words of history, `h1` the nearest.
    fn trigram_score(&self, word: u32, h1: u32, h2: u32) -> f32 {
        // The history's backoffs: h1's, and the bigram (h2 h1)'s when there is one.
        let first = self.unigrams[h1 as usize].1;
        let second = self
            .bigram(h2, self.children(h1))
            .map_or(0.0, |(payload, _)| self.bigram_backoff(payload));
        let mut prob = self.unigrams[word as usize].0;
        match self.bigram(h1, self.children(word)) {
            None => {
                prob += first;
                prob += second;
                prob
            }
            Some((payload, range)) => {
                prob = self.bigram_prob(payload);
                match self.trigram_prob(h2, range) {
                    None => prob + second,
                    Some(p) => p,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_needed() {
        assert_eq!(required_bits(0), 0);
        assert_eq!(required_bits(1), 1);
        assert_eq!(required_bits(133_000), 18);
        assert_eq!(required_bits(u32::MAX), 32);
    }

    #[test]
    fn a_file_of_another_kind_is_refused() {
        let scale = Scale {
            log_zero: -(1 << 28),
            nats_per_unit: 1e-4,
        };
        assert!(TrigramLm::from_bytes(b"Darpa Trigram LM".to_vec(), scale).is_err());
        assert!(TrigramLm::from_bytes(b"Trie Language Model\x03".to_vec(), scale).is_err());
    }
}
