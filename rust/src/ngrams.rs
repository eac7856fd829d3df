//! Gopher repetition's n-gram counts (Rae et al. 2021, as datatrove's `GopherRepetitionFilter`
//! computes them): the most frequent n-gram's characters, and the characters of n-grams that
//! repeat an earlier one. Lengths are in characters (code points), as Python counts them.

use ahash::{AHashMap, AHashSet};

/// The words joined by a separator, and where each starts in the text (bytes; one entry more:
/// the text's length plus the separator).
struct Joined {
    text: String,
    starts: Vec<usize>,
}

impl Joined {
    fn new(words: &[&str], sep: &str) -> Self {
        let mut starts = Vec::with_capacity(words.len() + 1);
        let mut at = 0;
        for w in words {
            starts.push(at);
            at += w.len() + sep.len();
        }
        starts.push(at);
        Joined {
            text: words.join(sep),
            starts,
        }
    }

    /// Words `i..i + n` as joined, without the separator after the last.
    fn gram(&self, i: usize, n: usize, sep: usize) -> &str {
        &self.text[self.starts[i]..self.starts[i + n] - sep]
    }
}

/// A text's words laid out once for every n-gram size asked of them.
pub struct NGrams {
    chars: Vec<usize>, // each word's length in characters
    spaced: Joined,    // joined by spaces: the most frequent n-gram
    concat: Joined,    // joined without: the duplicated n-grams
}

impl NGrams {
    pub fn new(words: &[&str]) -> Self {
        NGrams {
            chars: words.iter().map(|w| w.chars().count()).collect(),
            spaced: Joined::new(words, " "),
            concat: Joined::new(words, ""),
        }
    }

    fn grams(&self, n: usize) -> usize {
        (self.chars.len() + 1).saturating_sub(n)
    }

    fn chars_of(&self, i: usize, n: usize) -> usize {
        self.chars[i..i + n].iter().sum()
    }

    /// Characters of the most frequent n-gram (its words joined by spaces) times its count; of
    /// n-grams equally frequent, the one seen first. None when there are fewer than `n` words.
    pub fn top_chars(&self, n: usize) -> Option<usize> {
        if n == 0 || self.grams(n) == 0 {
            return None;
        }
        let mut counts: AHashMap<&str, (usize, usize)> = AHashMap::with_capacity(self.chars.len());
        for i in 0..self.grams(n) {
            counts.entry(self.spaced.gram(i, n, 1)).or_insert((0, i)).0 += 1;
        }
        let (count, first) = counts
            .values()
            .map(|&(c, f)| (c, std::cmp::Reverse(f)))
            .max()?;
        Some((self.chars_of(first.0, n) + n - 1) * count)
    }

    /// Characters in n-grams (words joined without spaces, so "ab"+"c" equals "a"+"bc") that
    /// repeat an earlier n-gram; after a repeat the walk goes on past it, and what it skips is
    /// not remembered.
    pub fn duplicate_chars(&self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let mut seen: AHashSet<&str> = AHashSet::with_capacity(self.chars.len());
        let (mut repeated, mut i) = (0, 0);
        while i < self.grams(n) {
            if seen.insert(self.concat.gram(i, n, 0)) {
                i += 1;
            } else {
                repeated += self.chars_of(i, n);
                i += n;
            }
        }
        repeated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dup(words: &[&str], n: usize) -> usize {
        NGrams::new(words).duplicate_chars(n)
    }

    fn top(words: &[&str], n: usize) -> Option<usize> {
        NGrams::new(words).top_chars(n)
    }

    fn split(text: &str) -> Vec<&str> {
        text.split(' ').collect()
    }

    #[test]
    fn the_walk_skips_past_each_repeat() {
        // Repeats at word 5 and word 10: 2 x 5 characters.
        assert_eq!(dup(&split("a b c d e a b c d e a b c d e"), 5), 10);
        assert_eq!(dup(&split("a b c d"), 5), 0);
    }

    #[test]
    fn ngrams_are_joined_without_spaces_and_counted_in_characters() {
        // "ab c" and "a bc" are one n-gram, "abc"; é and 😀 are one character each.
        assert_eq!(dup(&["ab", "c", "a", "bc"], 2), 3);
        assert_eq!(dup(&["é", "😀", "é"], 2), 0);
        assert_eq!(dup(&["é", "😀", "é", "😀"], 2), 2);
        assert_eq!(dup(&["é", "😀", "é", "😀", "é", "😀"], 2), 4);
    }

    #[test]
    fn the_top_ngram_counts_spaces_and_the_first_seen_wins_a_tie() {
        // "x long" (6 characters) twice and "long long" (9) twice: the first seen wins.
        assert_eq!(
            top(&["x", "long", "long", "x", "long", "long"], 2),
            Some(12)
        );
        assert_eq!(top(&["café", "au", "café", "au"], 2), Some(14));
        assert_eq!(top(&["one"], 2), None);
    }
}
