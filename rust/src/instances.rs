//! The keyword-stuffing stage's instance features (`pipeline/stages/stuffing/features.py` says
//! what each is and why, names the columns and hands over the word lists): where each instance of
//! a candidate sits in its line, its casing, and how the trigram model takes the clause around it;
//! how varied the words next to a candidate's instances are, and how many stand alone in their
//! clause. The patterns of `features.py` and `stuffing/text.py` are read by hand as Python's re
//! reads them (each has one way to match: a run is taken whole or not at all); the values equal
//! the Python computation they replace.

use ahash::{AHashMap, AHashSet};

use crate::candidates::tokens;
use crate::lm::TrigramLm;
use crate::pychars::{
    is_alnum, is_alpha, is_decimal, is_letter, is_lower, is_space, is_upper, is_upper_char,
    is_word, joined_end, run_end, run_start,
};

/// Marks a copy may be wrapped in (`_OPENING`), and what closes each (`_MIRROR`).
const OPENING_MARKS: &[char] = &['"', '“', '‘', '(', '[', '*', '_', '|'];
const QUOTES: &[char] = &['"', '“', '‘'];
/// A separator between a line's text and what a stuffer appends (`_SEP_BEFORE_REV`, `_SEP_AFTER`).
const SEPARATORS: &[char] = &['|', '~', '•', '-', '–', '—'];
/// What ends a clause besides `.!?` before a space and " - ": a copy alone in its clause has
/// nothing but these (and spaces) between it and the nearest on each side.
const CLAUSE_MARKS: &[char] = &[
    ',', ':', ';', '|', '•', '–', '—', '(', ')', '[', ']', '"', '“', '”', '*', '\n',
];

fn mirror(c: char) -> char {
    match c {
        '“' => '”',
        '‘' => '’',
        '(' => ')',
        '[' => ']',
        _ => c,
    }
}

/// `ends_sentence` of `stuffing/text.py`: whether a text ends with a finished sentence (its last
/// period is not an abbreviation's), read from the end.
pub struct SentenceEnd {
    pub closers: Vec<char>,
    pub sentence_punct: Vec<char>,
    pub abbreviations: AHashSet<String>,
}

impl SentenceEnd {
    /// Whitespace, then closing marks, then the punctuation, then the word before it.
    pub fn ends(&self, text: &[char]) -> bool {
        let end = run_start(text, rstrip(text).len(), |c| self.closers.contains(&c));
        if end == 0 || !self.sentence_punct.contains(&text[end - 1]) {
            return false;
        }
        let last = end - 1;
        let start = run_start(text, last, is_alnum);
        if text[last] == '.' && start < last {
            let mut word = string(&text[start..last]);
            // "e.g." and "i.e." are one word
            if start >= 2 && matches!(text[start - 2..start], ['e', '.'] | ['i', '.']) {
                word = format!("{}{word}", string(&text[start - 2..start]));
            }
            // "No. 5", but "The answer is no."
            return !(self.abbreviations.contains(&word.to_lowercase()) && word != "no");
        }
        true
    }
}

pub struct Instances {
    /// The columns in the model's order (`INSTANCE_FEATURES`).
    pub columns: Vec<String>,
    pub stop: AHashSet<String>,
    pub sentence_end: SentenceEnd,
    /// What a trigram fit is where there is no neighbour or the model does not know a word.
    pub no_fit: f64,
}

/// A line's tokens, with running counts of the alphabetic ones and of those capitalized.
struct Line {
    starts: Vec<usize>,
    texts: Vec<String>,
    alpha_at: Vec<usize>,
    alphas: Vec<usize>,
    uppers: Vec<usize>,
    ends_sentence: bool,
    list_item: bool,
    size: f64,
}

/// The words next to instances (lower case), or an instance's number where a line's edge is.
type Frames = AHashSet<Result<String, usize>>;

/// What `describe` gives per candidate: one row per instance (row after row), the variety of
/// the words before and after its instances, and the share of them alone in their clause.
pub struct Described {
    pub rows: Vec<f64>,
    pub variety_before: f64,
    pub variety_after: f64,
    pub clause_alone: f64,
}

fn rstrip(s: &[char]) -> &[char] {
    &s[..run_start(s, s.len(), is_space)]
}

fn lower(s: &[char]) -> Vec<char> {
    s.iter()
        .collect::<String>()
        .to_lowercase()
        .chars()
        .collect()
}

fn string(s: &[char]) -> String {
    s.iter().collect()
}

/// The end of `LM_WORD` (`[^\W\d_]+(?:'[^\W\d_]+)?|\d+`) matched at `k`; None when no word
/// starts there.
fn lm_word_end(s: &[char], k: usize) -> Option<usize> {
    if is_letter(s[k]) {
        Some(joined_end(s, k, s.len(), is_letter, &['\''], 1))
    } else if is_decimal(s[k]) {
        Some(run_end(s, k, s.len(), is_decimal))
    } else {
        None
    }
}

/// `LM_WORD` matches of `s`.
fn lm_words(s: &[char]) -> Vec<String> {
    let mut found = Vec::new();
    let mut p = 0;
    while p < s.len() {
        match lm_word_end(s, p) {
            Some(end) => {
                found.push(string(&s[p..end]));
                p = end;
            }
            None => p += 1,
        }
    }
    found
}

/// `_NEXT_WORD.match(after)` (`\s+([^\W\d_]+(?:'[^\W\d_]+)?|\d+)`): the word after the spaces.
fn next_word(after: &[char]) -> Option<&[char]> {
    let k = run_end(after, 0, after.len(), is_space);
    if k == 0 || k == after.len() {
        return None;
    }
    lm_word_end(after, k).map(|end| &after[k..end])
}

/// `_LAST_WORD_REV` on the text reversed: the letters right before the spaces at `before`'s end.
fn last_word(before: &[char]) -> Option<&[char]> {
    let k = run_start(before, before.len(), is_space);
    let j = run_start(before, k, is_letter);
    (k < before.len() && j < k).then(|| &before[j..k])
}

/// `_SEP_BEFORE_REV` on the text reversed (`\s*[|~•\-–—]\s[^\w]*[^\W_]`): "word | " at the end.
fn separator_before(before: &[char]) -> bool {
    let k = run_start(before, before.len(), is_space);
    if k < 2 || !SEPARATORS.contains(&before[k - 1]) || !is_space(before[k - 2]) {
        return false;
    }
    let k = run_start(before, k - 2, |c| !is_word(c));
    k > 0 && is_alnum(before[k - 1])
}

/// `_SEP_AFTER.match(after)` (`\s+[|~•\-–—]\s`).
fn separator_after(after: &[char]) -> bool {
    let k = run_end(after, 0, after.len(), is_space);
    k > 0
        && after.get(k).is_some_and(|c| SEPARATORS.contains(c))
        && after.get(k + 1).is_some_and(|&c| is_space(c))
}

/// `wrapping` of `stuffing/text.py`: the opening marks' length at the end of `before` (with a
/// space), and where the closing marks start and end in `after`; (0, (0, 0)) when not wrapped.
pub fn wrapping(before: &[char], after: &[char]) -> (usize, (usize, usize)) {
    let n = before.len();
    let space = usize::from(n > 0 && before[n - 1] == ' ');
    let mut marks = 0;
    while marks < 3 && n > space + marks && OPENING_MARKS.contains(&before[n - space - marks - 1]) {
        marks += 1;
    }
    if marks == 0 {
        return (0, (0, 0));
    }
    let opening = &before[n - space - marks..n - space];
    let mut closing: Vec<char> = if space == 1 { vec![' '] } else { vec![] };
    closing.extend(opening.iter().rev().map(|&c| mirror(c)));
    let closes_at =
        |k: usize| after.len() >= k + closing.len() && after[k..k + closing.len()] == closing[..];
    // Only quotes hold the sentence's punctuation.
    if marks == 1
        && QUOTES.contains(&opening[0])
        && after.first().is_some_and(|c| ".!?…".contains(*c))
        && closes_at(1)
    {
        return (marks + space, (1, 1 + closing.len()));
    }
    if closes_at(0) {
        return (marks + space, (0, closing.len()));
    }
    (0, (0, 0))
}

/// Whether `s[j]` bounds a clause: a mark of `CLAUSE_MARKS`, `.!?` before a space or the end,
/// or a dash between spaces.
fn bounds_clause(s: &[char], j: usize) -> bool {
    let spaced = |k: usize| s.get(k).is_none_or(|&c| is_space(c));
    CLAUSE_MARKS.contains(&s[j])
        || (".!?".contains(s[j]) && spaced(j + 1))
        || (s[j] == '-' && j > 0 && is_space(s[j - 1]) && spaced(j + 1))
}

/// The clause around `s[start..end]`: from after the last bound before it to the first after it.
fn clause(s: &[char], (start, end): (usize, usize)) -> (usize, usize) {
    let from = (0..start)
        .rev()
        .find(|&j| bounds_clause(s, j))
        .map_or(0, |j| j + 1);
    let to = (end..s.len())
        .find(|&j| bounds_clause(s, j))
        .unwrap_or(s.len());
    (from, to)
}

impl Instances {
    /// `LIST_MARK.match` (`\s*(?:[-*•]|\d+[.)])\s+`).
    fn list_item(line: &[char]) -> bool {
        let mut k = run_end(line, 0, line.len(), is_space);
        match line.get(k) {
            Some('-' | '*' | '•') => k += 1,
            Some(&c) if is_decimal(c) => {
                k = run_end(line, k, line.len(), is_decimal);
                if !matches!(line.get(k), Some('.' | ')')) {
                    return false;
                }
                k += 1;
            }
            _ => return false,
        }
        line.get(k).is_some_and(|&c| is_space(c))
    }

    fn line(&self, chars: &[char], start: usize, end: usize) -> Line {
        let found = tokens(chars, start, end);
        let texts: Vec<String> = found.iter().map(|&(a, b)| string(&chars[a..b])).collect();
        let alpha: Vec<bool> = found.iter().map(|&(a, _)| is_alpha(chars[a])).collect();
        let upper: Vec<bool> = found
            .iter()
            .zip(&alpha)
            .map(|(&(a, _), &al)| al && is_upper_char(chars[a]))
            .collect();
        let mut alphas = vec![0];
        let mut uppers = vec![0];
        for k in 0..found.len() {
            alphas.push(alphas[k] + usize::from(alpha[k]));
            uppers.push(uppers[k] + usize::from(upper[k]));
        }
        Line {
            starts: found.iter().map(|&(a, _)| a).collect(),
            texts,
            alpha_at: (0..found.len()).filter(|&k| alpha[k]).collect(),
            alphas,
            uppers,
            ends_sentence: self.sentence_end.ends(&chars[start..end]),
            list_item: Self::list_item(&chars[start..end]),
            size: (found.len() as f64).ln_1p(),
        }
    }

    /// ln P(word | history) - ln P(word) (nats), the history in reading order (its last two words
    /// count); None when the model does not know a word.
    fn fit(lm: &TrigramLm, word: &str, history: &[String]) -> Option<f64> {
        let nearest: Vec<&str> = history.iter().rev().take(2).map(String::as_str).collect();
        Some(lm.ln_prob(word, &nearest)? - lm.ln_prob(word, &[])?)
    }

    /// `_fits`: the copy's first word after the words before it, the word after it after its
    /// last words, the word after it right after the words before it, and the wedge.
    fn fits(&self, lm: &TrigramLm, before: &[char], copy: &[char], after: &[char]) -> [f64; 4] {
        let broken = before
            .iter()
            .rposition(|&c| !(is_word(c) || is_space(c) || "'’-".contains(c)));
        let clause = &before[broken.map_or(0, |k| k + 1)..];
        let words = lm_words(&lower(clause));
        let history = &words[words.len().saturating_sub(2)..];
        let phrase = lm_words(&lower(copy));
        let next = next_word(after).map(|w| string(w).to_lowercase());
        let fit_in = if history.is_empty() || phrase.is_empty() {
            None
        } else {
            Self::fit(lm, &phrase[0], history)
        };
        let fit_out = match (&next, phrase.is_empty()) {
            (Some(nxt), false) => Self::fit(lm, nxt, &phrase[phrase.len().saturating_sub(2)..]),
            _ => None,
        };
        let bridge = match &next {
            Some(nxt) if !history.is_empty() => Self::fit(lm, nxt, history),
            _ => None,
        };
        let wedge = match (bridge, fit_out) {
            (Some(b), Some(o)) => b - fit_in.unwrap_or(0.0) - o,
            _ => 0.0,
        };
        let or = |f: Option<f64>| f.unwrap_or(self.no_fit);
        [or(fit_in), or(fit_out), or(bridge), wedge]
    }

    /// 1 when the period right after a copy is an abbreviation's that ends the copy ("Motor City
    /// Electric Co. is ..."): it is the copy's, and ends no clause or sentence; else 0.
    fn owned_period(&self, line: &[char], end: usize) -> usize {
        usize::from(line.get(end) == Some(&'.') && !self.sentence_end.ends(&line[..end + 1]))
    }

    fn instance(
        &self,
        lm: &TrigramLm,
        line: &[char],
        (start, end): (usize, usize),
        tokens: &Line,
        (a, b): (usize, usize),
        title: &str,
    ) -> Vec<(&'static str, f64)> {
        let copy = &line[start..end];
        let (mut before, mut after) = (&line[..start], &line[end + self.owned_period(line, end)..]);
        let (opening, closing) = wrapping(before, after);
        if opening > 0 {
            // judged by what is outside the marks
            before = &before[..before.len() - opening];
            after = &after[closing.1..];
        }
        let line_start = !before.iter().any(|&c| is_alnum(c));
        let line_ends = !after.iter().any(|&c| is_alnum(c));
        let after_sentence = self.sentence_end.ends(before);
        let last = last_word(before).map(string);
        let following = next_word(after).map(string);
        let after_period = after.first().is_some_and(|c| ".!?…".contains(*c))
            && after.get(1).is_none_or(|&c| is_space(c));
        let trimmed = rstrip(before);
        let first_after = after.first().copied();
        let last_lower = last.as_deref().is_some_and(is_lower);
        let next_lower = following.as_deref().is_some_and(is_lower);
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let mut row: Vec<(&'static str, f64)> = Vec::new();
        for (name, value) in [
            ("wrapped", opening > 0),
            ("line_start", line_start),
            ("line_end", line_ends),
            (
                "own_line",
                line_start && after.iter().all(|c| " .!?…:".contains(*c)),
            ),
            ("list_item", tokens.list_item),
            ("after_sentence", after_sentence),
            ("before_comma", matches!(trimmed.last(), Some(',' | ';'))),
            ("before_colon", trimmed.last() == Some(&':')),
            ("before_separator", separator_before(before)),
            (
                "before_glued",
                before.last().is_some_and(|&c| !is_space(c)) && !line_start,
            ),
            ("before_lower", last_lower),
            ("after_period", after_period),
            ("after_comma", matches!(first_after, Some(',' | ';'))),
            ("after_colon", first_after == Some(':')),
            ("after_separator", separator_after(after)),
            (
                "after_glued",
                first_after.is_some_and(|c| ",;.:!?".contains(c))
                    && after.get(1).is_some_and(|&c| is_letter(c)),
            ),
            ("after_lower", next_lower),
            (
                "after_upper",
                following
                    .as_deref()
                    .and_then(|w| w.chars().next())
                    .is_some_and(is_upper_char),
            ),
            (
                "own_sentence",
                (line_start || after_sentence) && (line_ends || after_period),
            ),
            ("integrated", last_lower && next_lower),
            (
                "before_stop",
                last.as_deref()
                    .is_some_and(|w| self.stop.contains(&w.to_lowercase())),
            ),
            (
                "after_stop",
                following
                    .as_deref()
                    .is_some_and(|w| self.stop.contains(&w.to_lowercase())),
            ),
            ("back_to_back", false), // set by the caller, which sees the other instances
            ("line_ends_sentence", tokens.ends_sentence),
        ] {
            row.push((name, flag(value)));
        }
        // The copy's alphabetic tokens, and the line's others: their number and how many are
        // capitalized (the others' first one aside: a sentence's first word is).
        let letters = tokens.alphas[b] - tokens.alphas[a];
        let letters_upper = tokens.uppers[b] - tokens.uppers[a];
        let others = tokens.alphas[tokens.alphas.len() - 1] - letters;
        let mut others_upper = tokens.uppers[tokens.uppers.len() - 1] - letters_upper;
        if others > 0 {
            let k = if tokens.alphas[a] == 0 {
                tokens.alpha_at.partition_point(|&t| t < b)
            } else {
                0
            };
            let first = tokens.texts[tokens.alpha_at[k]]
                .chars()
                .next()
                .unwrap_or(' ');
            others_upper -= usize::from(is_upper_char(first));
        }
        let copy_text = string(copy);
        let [fit_in, fit_out, fit_bridge, wedge] = self.fits(lm, before, copy, after);
        for (name, value) in [
            ("caps_share", letters_upper as f64 / letters.max(1) as f64),
            (
                "all_upper",
                flag(copy.iter().any(|&c| is_alpha(c)) && is_upper(&copy_text)),
            ),
            (
                "line_caps_share",
                if others > 1 {
                    others_upper as f64 / (others - 1).max(1) as f64
                } else {
                    -1.0
                },
            ),
            ("title_form", flag(title.contains(&copy_text))),
            ("line_tokens", tokens.size),
            ("other_tokens", (others as f64).ln_1p()),
            (
                "line_share",
                if letters > 0 {
                    letters as f64 / (letters + others) as f64
                } else {
                    0.0
                },
            ),
            ("fit_in", fit_in),
            ("fit_out", fit_out),
            ("fit_bridge", fit_bridge),
            ("wedge", wedge),
        ] {
            row.push((name, value));
        }
        row
    }

    /// Each candidate's instance rows and varieties: `text`'s body `blocks` as (index, start, end)
    /// in characters, each candidate's instances as (start, end, block).
    pub fn describe(
        &self,
        lm: &TrigramLm,
        text: &str,
        title: &str,
        blocks: &[(usize, usize, usize)],
        candidates: &[Vec<(usize, usize, usize)>],
    ) -> Result<Vec<Described>, String> {
        let chars: Vec<char> = text.chars().collect();
        let spans: AHashMap<usize, (usize, usize)> = blocks
            .iter()
            .map(|&(b, s, e)| (b, (s, e.min(chars.len()))))
            .collect();
        let mut lines: AHashMap<usize, Line> = AHashMap::new();
        // Where each of the model's columns is in an instance's features (known at the first).
        let mut order: Option<Vec<usize>> = None;
        let mut found = Vec::with_capacity(candidates.len());
        for instances in candidates {
            let mut rows = Vec::with_capacity(instances.len() * self.columns.len());
            let (mut before, mut after) = (Frames::new(), Frames::new());
            let mut alone = 0;
            for (i, &(start, end, block)) in instances.iter().enumerate() {
                let &(line_at, line_end) = spans
                    .get(&block)
                    .ok_or_else(|| format!("no block {block} in the body"))?;
                let tokens = lines
                    .entry(block)
                    .or_insert_with(|| self.line(&chars, line_at, line_end));
                // The instance's tokens: [a, b) (instances start and end on token boundaries).
                let a = tokens.starts.partition_point(|&s| s < start);
                let b = tokens.starts.partition_point(|&s| s < end);
                let line = &chars[line_at..line_end];
                let within = (start - line_at, end - line_at);
                let row = self.instance(lm, line, within, tokens, (a, b), title);
                if order.is_none() {
                    order = Some(
                        self.columns
                            .iter()
                            .map(|name| {
                                row.iter()
                                    .position(|(n, _)| n == name)
                                    .ok_or_else(|| format!("no instance feature named {name}"))
                            })
                            .collect::<Result<_, String>>()?,
                    );
                }
                rows.extend(order.iter().flatten().map(|&k| row[k].1));
                // Alone: no token of the line starts in its clause outside it (the line's
                // tokens start on characters of the whole text).
                let (from, to) = clause(
                    line,
                    (within.0, within.1 + self.owned_period(line, within.1)),
                );
                let at = |k: usize| tokens.starts.partition_point(|&s| s < line_at + k);
                alone += usize::from(at(from) == a && at(to) == b);
                // A line's edge is no frame: each counts as a new one.
                before.insert(if a > 0 {
                    Ok(tokens.texts[a - 1].to_lowercase())
                } else {
                    Err(i)
                });
                after.insert(tokens.texts.get(b).map(|t| t.to_lowercase()).ok_or(i));
            }
            let n = instances.len().max(1) as f64;
            found.push(Described {
                rows,
                variety_before: before.len() as f64 / n,
                variety_after: after.len() as f64 / n,
                clause_alone: alone as f64 / n,
            });
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn wrapped_copies_and_their_closing_marks() {
        assert_eq!(
            wrapping(&chars("He said “"), &chars(".” Then")),
            (1, (1, 2))
        );
        assert_eq!(wrapping(&chars("see **"), &chars("** now")), (2, (0, 2)));
        assert_eq!(wrapping(&chars("cell | "), &chars(" | next")), (2, (0, 2)));
        assert_eq!(wrapping(&chars("(see "), &chars(") x")), (0, (0, 0)));
        assert_eq!(wrapping(&chars("a (("), &chars(".)) b")), (0, (0, 0)));
    }

    #[test]
    fn words_around_a_copy() {
        assert_eq!(
            last_word(&chars("the best ")).map(string),
            Some("best".into())
        );
        assert_eq!(last_word(&chars("the best")), None);
        assert_eq!(
            next_word(&chars("  don't stop")).map(string),
            Some("don't".into())
        );
        assert_eq!(
            next_word(&chars(" 2025 list")).map(string),
            Some("2025".into())
        );
        assert_eq!(
            lm_words(&chars("it's 15 tools, x'")),
            vec!["it's", "15", "tools", "x"]
        );
        assert!(
            separator_before(&chars("Best Shoes | ")) && separator_before(&chars("Best Shoes |"))
        );
        assert!(!separator_before(&chars("Best Shoes| ")) && !separator_before(&chars("x _ | ")));
        assert!(separator_after(&chars(" – more")) && !separator_after(&chars(" –more")));
        assert!(
            Instances::list_item(&chars("  12) item")) && !Instances::list_item(&chars("12 item"))
        );
    }

    #[test]
    fn a_copys_clause() {
        let s = chars("It works. Best Shoes 2025, we said - and (Best Shoes 2025) too");
        let at = |word: &str, from: usize| {
            let k = (from..s.len())
                .find(|&k| s[k..].starts_with(&chars(word)[..]))
                .unwrap();
            (k, k + word.chars().count())
        };
        let first = at("Best Shoes 2025", 0);
        assert_eq!(clause(&s, first), (9, 25)); // " Best Shoes 2025"
        let second = at("we said", first.1);
        assert_eq!(clause(&s, second), (26, 35)); // " we said ", up to the dash
        let third = at("Best Shoes 2025", second.1);
        assert_eq!(clause(&s, third), (42, 57)); // in its brackets
        assert_eq!(clause(&chars("3.5 a-b c"), (4, 5)), (0, 9)); // no space after the period
        assert_eq!(clause(&chars("end. a b"), (5, 6)), (4, 8));
    }
}
