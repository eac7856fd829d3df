//! Where the spun-text stage's tortured-phrase lexicons may apply (`pipeline/stages/spun/lexicon.py`
//! says what the entries are and which conditions the stage checks then): the text's words
//! (`LEXICON_WORD`: letters and digits with inner hyphens and apostrophes, lower case, "’" as "'"),
//! and at each word that starts an entry, the entries whose words follow there in one stretch
//! (nothing but spaces, hyphens and apostrophes between them), longest first. The same index
//! counts a thesaurus's phrases for the spun model's document model ([`Index::fits`]).

use ahash::{AHashMap, AHashSet};

use crate::lm::TrigramLm;
use crate::pychars::{fold_into, is_alnum, joined_end};

/// The entries by their first word: (entry id, its number of words, its words joined by
/// spaces), in the lexicons' order; every entry joined, and the entries' lengths in words (a
/// thesaurus has hundreds of phrases starting "in" or "a": `fits` looks each length up).
pub struct Index {
    by_first: AHashMap<String, Vec<(usize, usize, String)>>,
    joined: AHashSet<String>,
    lengths: Vec<usize>,
}

/// At a word: its number, and each entry that may apply there as (id, start, end, words).
pub type Options = (usize, Vec<(usize, usize, usize, usize)>);

/// `LEXICON_WORD` (`[^\W_]+(?:[-'’][^\W_]+)*`) over `chars`: each match's `[start, end)`.
fn words(chars: &[char]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut p = 0;
    while p < chars.len() {
        if is_alnum(chars[p]) {
            let end = joined_end(
                chars,
                p,
                chars.len(),
                is_alnum,
                &['-', '\'', '’'],
                usize::MAX,
            );
            found.push((p, end));
            p = end;
        } else {
            p += 1;
        }
    }
    found
}

impl Index {
    /// `entries`: each entry's words, its id its place in the list; entries sharing a first word
    /// are tried in the order given.
    pub fn new(entries: Vec<Vec<String>>) -> Index {
        let mut by_first: AHashMap<String, Vec<(usize, usize, String)>> = AHashMap::new();
        let mut lengths = Vec::new();
        for (id, words) in entries.iter().enumerate() {
            if let Some(first) = words.first() {
                let entry = (id, words.len(), words.join(" "));
                by_first.entry(first.clone()).or_default().push(entry);
                lengths.push(words.len());
            }
        }
        lengths.sort_unstable();
        lengths.dedup();
        let joined = by_first
            .values()
            .flatten()
            .map(|(_, _, joined)| joined.clone())
            .collect();
        Index {
            by_first,
            joined,
            lengths,
        }
    }

    /// Each word where an entry may apply, with those entries; and the text's words joined by
    /// spaces, with a space at each end (what the stage's conditions search), when there is one.
    pub fn options(&self, text: &str) -> (Vec<Options>, Option<String>) {
        let text = Words::new(text);
        let mut found = Vec::new();
        for i in 0..text.len() {
            let Some(entries) = self.by_first.get(text.word(i)) else {
                continue;
            };
            let options: Vec<_> = entries
                .iter()
                .filter(|(_, n, joined)| {
                    text.phrase(i, *n) == Some(joined) && text.one_stretch(i, *n)
                })
                .map(|&(id, n, _)| (id, text.spans[i].0, text.spans[i + n - 1].1, n))
                .collect();
            if !options.is_empty() {
                found.push((i, options));
            }
        }
        let present = (!found.is_empty()).then(|| format!(" {} ", text.folded));
        (found, present)
    }

    /// How many words of `text` start an entry that is not a name, and where those start one (the
    /// longest that applies there) that fits the words on both sides of it worse than it would alone under
    /// `lm`: the entry's first word after the up to two words before it, and the word after it
    /// after its last two, each less likely than without them (words of its stretch alone; a side
    /// with no word, or one the model does not know, fits). A writer's phrase seldom breaks both
    /// sides; a phrase put in for a word usually does ("an in no time decision"). On WCXB dev
    /// (issue 29), the share of articles spun at 35% with more such phrases than 99% of clean
    /// pages: counting a phrase that breaks either side, 0.39 (phrasal, WordNet's phrases) and 0.29
    /// (WordNet's phrases spun, Moby's counted); both sides, 0.80 and 0.65. Where: each such
    /// entry's (start, end) in characters. A name is an entry with a capitalized word past its
    /// first: a spinner puts a dictionary's phrase in lower case (capitalized only at a sentence's
    /// start), and a thesaurus lists names too ("United States", "Far East"), which break their
    /// neighbours' fit as names do (a CleanEval history of Japan-United States relations counted
    /// "United States" again and again).
    pub fn fits(&self, text: &str, lm: &TrigramLm) -> (usize, Vec<(usize, usize)>) {
        let text = Words::new(text);
        let (mut starts, mut misfits) = (0, Vec::new());
        for i in 0..text.len() {
            if !self.by_first.contains_key(text.word(i)) {
                continue;
            }
            let longest = self.lengths.iter().rev().copied().find(|&n| {
                text.phrase(i, n)
                    .is_some_and(|phrase| self.joined.contains(phrase))
                    && text.one_stretch(i, n)
            });
            let Some(n) = longest else {
                continue;
            };
            if text.capitalized_after_first(i, n) {
                continue; // a name ("United States", "Secretary of State"), not a phrase put in
            }
            starts += 1;
            let worse = |word: &str, history: &[&str]| {
                !history.is_empty()
                    && matches!((lm.ln_prob(word, history), lm.ln_prob(word, &[])),
                                (Some(here), Some(alone)) if here < alone)
            };
            // The words before it in its stretch, and its own last two: each side's history, nearest first.
            let before = || {
                (i.saturating_sub(2)..i)
                    .rev()
                    .take_while(|&k| text.one_stretch(k, i - k + 1))
                    .map(|k| text.word(k))
                    .collect::<Vec<_>>()
            };
            let last = || {
                (i + n - n.min(2)..i + n)
                    .rev()
                    .map(|k| text.word(k))
                    .collect::<Vec<_>>()
            };
            if worse(text.word(i), &before())
                && i + n < text.len()
                && text.one_stretch(i + n - 1, 2)
                && worse(text.word(i + n), &last())
            {
                misfits.push((text.spans[i].0, text.spans[i + n - 1].1));
            }
        }
        (starts, misfits)
    }
}

/// A text's characters, its words' spans, and its words folded (lower case, "’" as "'") and
/// joined by single spaces, with each word's place there: the words an entry may match are one
/// slice of it.
struct Words {
    chars: Vec<char>,
    spans: Vec<(usize, usize)>,
    folded: String,
    bounds: Vec<(usize, usize)>,
}

impl Words {
    fn new(text: &str) -> Words {
        let chars: Vec<char> = text.chars().collect();
        let spans = words(&chars);
        let mut folded_text = String::with_capacity(text.len());
        let mut bounds = Vec::with_capacity(spans.len());
        for &(a, b) in &spans {
            if !folded_text.is_empty() {
                folded_text.push(' ');
            }
            let start = folded_text.len();
            fold_into(&mut folded_text, &chars[a..b]);
            bounds.push((start, folded_text.len()));
        }
        Words {
            chars,
            spans,
            folded: folded_text,
            bounds,
        }
    }

    fn len(&self) -> usize {
        self.spans.len()
    }

    fn word(&self, k: usize) -> &str {
        &self.folded[self.bounds[k].0..self.bounds[k].1]
    }

    /// Words `i` to `i + n`, folded and joined by spaces (None past the text's end).
    fn phrase(&self, i: usize, n: usize) -> Option<&str> {
        (n > 0 && i + n <= self.len())
            .then(|| &self.folded[self.bounds[i].0..self.bounds[i + n - 1].1])
    }

    /// Whether a word of words `i` to `i + n` but the first starts with a capital letter.
    fn capitalized_after_first(&self, i: usize, n: usize) -> bool {
        (i + 1..i + n).any(|k| self.chars[self.spans[k].0].is_uppercase())
    }

    /// Whether words `i` to `i + n` are one stretch: nothing but spaces, hyphens and apostrophes
    /// between them.
    fn one_stretch(&self, i: usize, n: usize) -> bool {
        (i..i + n - 1).all(|k| {
            self.chars[self.spans[k].1..self.spans[k + 1].0]
                .iter()
                .all(|c| " -'’".contains(*c))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(list: &[&str]) -> Vec<Vec<String>> {
        list.iter()
            .map(|e| e.split(' ').map(String::from).collect())
            .collect()
    }

    #[test]
    fn entries_apply_in_one_stretch_longest_first() {
        let index = Index::new(entries(&[
            "muscle mass weak point",
            "muscle mass",
            "profound learning",
        ]));
        let (found, present) =
            index.options("Profound  learning; muscle mass weak point. Muscle, mass");
        assert_eq!(
            found,
            vec![
                (0, vec![(2, 0, 18, 2)]),
                (2, vec![(0, 20, 42, 4), (1, 20, 31, 2)])
            ]
        );
        assert_eq!(
            present.as_deref(),
            Some(" profound learning muscle mass weak point muscle mass ")
        );

        assert_eq!(
            words(&"it’s a-b--c".chars().collect::<Vec<_>>()),
            vec![(0, 4), (5, 8), (10, 11)]
        );
    }
}
