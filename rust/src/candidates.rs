//! The keyword-stuffing stage's candidates (`pipeline/stages/stuffing/candidates.py` says what a
//! candidate is): every maximal token span the body repeats often enough, with its instances.
//! The tokens are `TOKEN`'s and the joins `JOINER`'s of `stuffing/text.py`, read as Python's re
//! reads them; spans are grown in the order Python's dicts keep (first seen first), so the
//! candidates come out in the same order.

use ahash::{AHashMap, AHashSet};
use indexmap::IndexMap;

use crate::pychars::{folded, is_alnum, is_decimal, is_lower, joined_end, run_end};

/// `TOKEN` (`\d+(?:[.,]\d+)+|[^\W_]+(?:['’][^\W_]+)*|[$&+%#]`) over `chars[from..to]`: each
/// match's `[start, end)`. Each branch has one way to match: a run is taken whole or not at all.
pub fn tokens(chars: &[char], from: usize, to: usize) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut p = from;
    while p < to {
        let c = chars[p];
        // A number with separators: digits, then one or more of [.,] and digits.
        if is_decimal(c) {
            let end = joined_end(chars, p, to, is_decimal, &['.', ','], usize::MAX);
            if end > run_end(chars, p, to, is_decimal) {
                found.push((p, end));
                p = end;
                continue;
            }
        }
        if is_alnum(c) {
            let end = joined_end(chars, p, to, is_alnum, &['\'', '’'], usize::MAX);
            found.push((p, end));
            p = end;
            continue;
        }
        if matches!(c, '$' | '&' | '+' | '%' | '#') {
            found.push((p, p + 1));
        }
        p += 1;
    }
    found
}

/// What the stuffing features ask of a document's tokens: how many there are, and for each of
/// `words` (keys: lower case, "’" as "'") how many tokens are that word in any case and whether
/// one is written as the word itself, all lower case (`str.islower`).
pub fn token_counts(chars: &[char], words: &[String]) -> (usize, Vec<(usize, bool)>) {
    let first: AHashMap<&str, usize> = words
        .iter()
        .enumerate()
        .rev()
        .map(|(i, w)| (w.as_str(), i))
        .collect();
    let mut found = vec![(0, false); words.len()];
    let spans = tokens(chars, 0, chars.len());
    for &(a, b) in &spans {
        if let Some(&i) = first.get(folded(&chars[a..b]).as_str()) {
            found[i].0 += 1;
            if !found[i].1 {
                let token: String = chars[a..b].iter().collect();
                found[i].1 = token == words[i] && is_lower(&token);
            }
        }
    }
    let counts = words.iter().map(|w| found[first[w.as_str()]]).collect();
    (spans.len(), counts)
}

/// `JOINER.fullmatch` (` {0,2}[,:;|/–—()\[\]-]? {0,2}`): what may sit between two tokens of a phrase.
fn joins(gap: &[char]) -> bool {
    let marks = gap.iter().filter(|&&c| c != ' ').count();
    match marks {
        0 => gap.len() <= 4,
        1 => {
            let at = gap.iter().position(|&c| c != ' ').unwrap_or(0);
            matches!(
                gap[at],
                ',' | ':' | ';' | '|' | '/' | '–' | '—' | '-' | '(' | ')' | '[' | ']'
            ) && at <= 2
                && gap.len() - at - 1 <= 2
        }
        _ => false,
    }
}

/// A candidate: its tokens (lower case) and its instances as (start, end, block), in text order.
pub type Candidate = (Vec<String>, Vec<(usize, usize, usize)>);

pub struct Settings {
    pub min_instances: usize,
    pub min_tokens: usize,
    pub max_tokens: usize,
    pub min_content_tokens: usize,
}

/// The candidates of a text's body: `blocks` as (start, end) in characters, `removed` one byte
/// per character (1: removed by an earlier stage), `stop` the stop words.
pub fn find(
    text: &str,
    blocks: &[(usize, usize, usize)],
    removed: &[u8],
    stop: &AHashSet<String>,
    settings: &Settings,
) -> Vec<Candidate> {
    let chars: Vec<char> = text.chars().collect();
    let is_removed = |k: usize| removed.get(k).is_some_and(|&b| b != 0);
    // Runs of tokens joined as one phrase's are: (lower-case token, start, end, block).
    let mut runs: Vec<Vec<(String, usize, usize, usize)>> = Vec::new();
    for &(b, start, end) in blocks {
        let mut run: Vec<(String, usize, usize, usize)> = Vec::new();
        for (a, z) in tokens(&chars, start, end.min(chars.len())) {
            let joined = run.last().is_some_and(|last| joins(&chars[last.2..a]));
            if !joined || is_removed(a) {
                if run.len() >= settings.min_tokens {
                    runs.push(std::mem::take(&mut run));
                }
                run.clear();
            }
            if !is_removed(a) {
                run.push((folded(&chars[a..z]), a, z, b));
            }
        }
        if run.len() >= settings.min_tokens {
            runs.push(run);
        }
    }
    // Word pairs said often enough (most are said once), then spans grown a token at a time.
    let mut pairs: AHashMap<(&str, &str), usize> = AHashMap::new();
    for run in &runs {
        for w in run.windows(2) {
            *pairs.entry((&w[0].0, &w[1].0)).or_default() += 1;
        }
    }
    let mut spans: IndexMap<Vec<&str>, Vec<(usize, usize)>, ahash::RandomState> =
        IndexMap::default();
    for (r, run) in runs.iter().enumerate() {
        for (i, w) in run.windows(2).enumerate() {
            if pairs[&(w[0].0.as_str(), w[1].0.as_str())] >= settings.min_instances {
                spans
                    .entry(vec![&w[0].0, &w[1].0])
                    .or_default()
                    .push((r, i));
            }
        }
    }
    let mut found: Vec<Candidate> = Vec::new();
    let mut size = 2;
    while !spans.is_empty() {
        spans.retain(|_, places| places.len() >= settings.min_instances);
        let mut longer: IndexMap<Vec<&str>, Vec<(usize, usize)>, ahash::RandomState> =
            IndexMap::default();
        for (key, places) in &spans {
            let token = |r: usize, k: usize| runs[r].get(k).map(|t| t.0.as_str());
            let following: AHashSet<Option<&str>> =
                places.iter().map(|&(r, i)| token(r, i + size)).collect();
            let preceding: AHashSet<Option<&str>> = places
                .iter()
                .map(|&(r, i)| if i > 0 { token(r, i - 1) } else { None })
                .collect();
            let maximal = (following.len() > 1 || following.contains(&None))
                && (preceding.len() > 1 || preceding.contains(&None));
            // (a span said twice over, "a b | a b", is its half's copies back to back)
            let doubled = size % 2 == 0 && key[..size / 2] == key[size / 2..];
            if maximal
                && size >= settings.min_tokens
                && !doubled
                && content_tokens(key, stop) >= settings.min_content_tokens
            {
                let mut instances: Vec<(usize, usize, usize)> = places
                    .iter()
                    .map(|&(r, i)| {
                        let (start, end) = bracketed(&chars, runs[r][i].1, runs[r][i + size - 1].2);
                        (start, end, runs[r][i].3)
                    })
                    .collect();
                instances.sort_by_key(|inst| inst.0);
                found.push((key.iter().map(|w| w.to_string()).collect(), instances));
            }
            if size < settings.max_tokens {
                for &(r, i) in places {
                    if let Some(next) = token(r, i + size) {
                        let mut grown = key.clone();
                        grown.push(next);
                        longer.entry(grown).or_default().push((r, i));
                    }
                }
            }
        }
        spans = longer;
        size += 1;
    }
    found
}

/// An instance whose tokens open a bracket they do not close ("Laptops (2025") takes the closing
/// bracket right after it, and one that closes a bracket it did not open takes the opening one
/// right before it: a copy goes whole, with no bracket left behind.
fn bracketed(chars: &[char], mut start: usize, mut end: usize) -> (usize, usize) {
    for (open, close) in [('(', ')'), ('[', ']')] {
        let mut depth = 0i32;
        let mut unopened = 0;
        for &c in &chars[start..end] {
            if c == open {
                depth += 1;
            } else if c == close {
                if depth == 0 {
                    unopened += 1;
                } else {
                    depth -= 1;
                }
            }
        }
        if depth == 1 && chars.get(end) == Some(&close) {
            end += 1;
        }
        if unopened == 1 && start > 0 && chars[start - 1] == open {
            start -= 1;
        }
    }
    (start, end)
}

/// How many of `key`'s tokens carry its topic: two characters or more, no stop word, no symbol.
fn content_tokens(key: &[&str], stop: &AHashSet<String>) -> usize {
    key.iter()
        .filter(|w| {
            w.chars().count() > 1 && !stop.contains(**w) && w.chars().next().is_some_and(is_alnum)
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        let chars: Vec<char> = s.chars().collect();
        tokens(&chars, 0, chars.len())
            .into_iter()
            .map(|(a, b)| chars[a..b].iter().collect())
            .collect()
    }

    #[test]
    fn tokens_are_numbers_words_and_seo_symbols() {
        assert_eq!(
            texts("Top 10: $1,000.50 Pros & Cons, Lion’s 100% #1 a_b 3.x"),
            vec![
                "Top", "10", "$", "1,000.50", "Pros", "&", "Cons", "Lion’s", "100", "%", "#", "1",
                "a", "b", "3", "x"
            ]
        );
    }

    #[test]
    fn token_counts_fold_case_and_apostrophes_and_see_lower_case_spellings() {
        let chars: Vec<char> = "Don’t stop. DON'T Stop don't, Stop! NASA nasa"
            .chars()
            .collect();
        let words: Vec<String> = ["don't", "stop", "nasa", "stop", "go"]
            .map(String::from)
            .into();
        assert_eq!(
            token_counts(&chars, &words),
            (
                8,
                vec![(3, true), (3, true), (2, true), (3, true), (0, false)]
            )
        );
        let chars: Vec<char> = "Stop STOP".chars().collect();
        assert_eq!(token_counts(&chars, &words[1..2]), (2, vec![(2, false)]));
    }

    #[test]
    fn an_instance_takes_the_bracket_it_leaves_open() {
        let at = |s: &str, start: usize, end: usize| {
            let chars: Vec<char> = s.chars().collect();
            let (a, b) = bracketed(&chars, start, end);
            chars[a..b].iter().collect::<String>()
        };
        assert_eq!(at("a (Best 2025) b", 3, 12), "Best 2025"); // whole already
        assert_eq!(at("a (Best 2025) b", 0, 12), "a (Best 2025)");
        assert_eq!(at("a (2025) b", 3, 10), "(2025) b");
        assert_eq!(at("a [x] c (d", 0, 10), "a [x] c (d"); // nothing closes it
    }

    #[test]
    fn joins_are_spaces_and_one_mark() {
        let j = |s: &str| joins(&s.chars().collect::<Vec<_>>());
        assert!(j("") && j(" ") && j("    ") && j(" | ") && j("  –  ") && j(":"));
        assert!(j(" (") && j(") ") && j("]") && !j(") (") && !j("? "));
        assert!(!j("     ") && !j(" . ") && !j("   | ") && !j(", ,"));
    }
}
