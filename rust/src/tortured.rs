//! Where the spun-text stage's tortured-phrase lexicons may apply (`pipeline/stages/spun/lexicon.py`
//! says what the entries are and which conditions the stage checks then): the text's words
//! (`LEXICON_WORD`: letters and digits with inner hyphens and apostrophes, lower case, "’" as "'"),
//! and at each word that starts an entry, the entries whose words follow there in one stretch
//! (nothing but spaces, hyphens and apostrophes between them), longest first.

use ahash::AHashMap;

use crate::pychars::{folded, is_alnum, joined_end};

/// The entries by their first word: (entry id, its words), in the lexicons' order.
pub struct Index {
    by_first: AHashMap<String, Vec<(usize, Vec<String>)>>,
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
        let mut by_first: AHashMap<String, Vec<(usize, Vec<String>)>> = AHashMap::new();
        for (id, words) in entries.into_iter().enumerate() {
            if let Some(first) = words.first() {
                by_first.entry(first.clone()).or_default().push((id, words));
            }
        }
        Index { by_first }
    }

    /// Each word where an entry may apply, with those entries; and the text's words joined by
    /// spaces, with a space at each end (what the stage's conditions search), when there is one.
    pub fn options(&self, text: &str) -> (Vec<Options>, Option<String>) {
        let chars: Vec<char> = text.chars().collect();
        let spans = words(&chars);
        let lowered: Vec<String> = spans.iter().map(|&(a, b)| folded(&chars[a..b])).collect();
        let mut found = Vec::new();
        for (i, word) in lowered.iter().enumerate() {
            let Some(entries) = self.by_first.get(word) else {
                continue;
            };
            let mut options = Vec::new();
            for (id, entry) in entries {
                let n = entry.len();
                if i + n > lowered.len() || lowered[i..i + n] != entry[..] {
                    continue;
                }
                let (start, end) = (spans[i].0, spans[i + n - 1].1);
                // One stretch: nothing but spaces, hyphens and apostrophes between its words.
                let joined = (i..i + n - 1).all(|k| {
                    chars[spans[k].1..spans[k + 1].0]
                        .iter()
                        .all(|c| " -'’".contains(*c))
                });
                if joined {
                    options.push((*id, start, end, n));
                }
            }
            if !options.is_empty() {
                found.push((i, options));
            }
        }
        let present = (!found.is_empty()).then(|| format!(" {} ", lowered.join(" ")));
        (found, present)
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
