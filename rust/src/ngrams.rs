//! Gopher repetition's n-gram counts (Rae et al. 2021, as datatrove's `GopherRepetitionFilter`
//! computes them): the most frequent n-gram's characters, and the characters of n-grams that
//! repeat an earlier one. Lengths are in characters (code points), as Python counts them.

use ahash::{AHashMap, AHashSet};

/// Each word's start in the words joined by `sep` (a last entry: the joined length, plus the
/// separator), in bytes, and each word's length in characters.
fn layout(words: &[&str], sep: &str) -> (String, Vec<usize>, Vec<usize>) {
    let joined = words.join(sep);
    let mut starts = Vec::with_capacity(words.len() + 1);
    let mut at = 0;
    for w in words {
        starts.push(at);
        at += w.len() + sep.len();
    }
    starts.push(at);
    (
        joined,
        starts,
        words.iter().map(|w| w.chars().count()).collect(),
    )
}

/// Characters of the most frequent n-gram (its words joined by spaces) times its count; of n-grams
/// equally frequent, the one seen first. None when there are fewer than `n` words.
pub fn top_ngram_chars(words: &[&str], n: usize) -> Option<usize> {
    if n == 0 || words.len() < n {
        return None;
    }
    let (joined, starts, chars) = layout(words, " ");
    let mut counts: AHashMap<&str, (usize, usize)> = AHashMap::with_capacity(words.len());
    for i in 0..=words.len() - n {
        let gram = &joined[starts[i]..starts[i + n] - 1];
        counts.entry(gram).or_insert((0, i)).0 += 1;
    }
    let (count, first) = counts
        .values()
        .map(|&(c, f)| (c, std::cmp::Reverse(f)))
        .max()?;
    let gram_chars: usize = chars[first.0..first.0 + n].iter().sum::<usize>() + n - 1;
    Some(gram_chars * count)
}

/// Characters in n-grams (words joined without spaces, so "ab"+"c" equals "a"+"bc") that repeat an
/// earlier n-gram; after a repeat the walk goes on past it, and what it skips is not remembered.
pub fn duplicate_ngram_chars(words: &[&str], n: usize) -> usize {
    if n == 0 || words.len() < n {
        return 0;
    }
    let (joined, starts, chars) = layout(words, "");
    let mut seen: AHashSet<&str> = AHashSet::with_capacity(words.len());
    let (mut repeated, mut i) = (0, 0);
    while i + n <= words.len() {
        if seen.insert(&joined[starts[i]..starts[i + n]]) {
            i += 1;
        } else {
            repeated += chars[i..i + n].iter().sum::<usize>();
            i += n;
        }
    }
    repeated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        text.split(' ').collect()
    }

    #[test]
    fn the_walk_skips_past_each_repeat() {
        // Repeats at word 5 and word 10: 2 x 5 characters.
        assert_eq!(
            duplicate_ngram_chars(&split("a b c d e a b c d e a b c d e"), 5),
            10
        );
        assert_eq!(duplicate_ngram_chars(&split("a b c d"), 5), 0);
    }

    #[test]
    fn ngrams_are_joined_without_spaces_and_counted_in_characters() {
        // "ab c" and "a bc" are one n-gram, "abc"; é and 😀 are one character each.
        assert_eq!(duplicate_ngram_chars(&["ab", "c", "a", "bc"], 2), 3);
        assert_eq!(duplicate_ngram_chars(&["é", "😀", "é"], 2), 0);
        assert_eq!(duplicate_ngram_chars(&["é", "😀", "é", "😀"], 2), 2);
        assert_eq!(
            duplicate_ngram_chars(&["é", "😀", "é", "😀", "é", "😀"], 2),
            4
        );
    }

    #[test]
    fn the_top_ngram_counts_spaces_and_the_first_seen_wins_a_tie() {
        // "x long" (6 characters) twice and "long long" (9) twice: the first seen wins.
        assert_eq!(
            top_ngram_chars(&["x", "long", "long", "x", "long", "long"], 2),
            Some(12)
        );
        assert_eq!(top_ngram_chars(&["café", "au", "café", "au"], 2), Some(14));
        assert_eq!(top_ngram_chars(&["one"], 2), None);
    }
}
