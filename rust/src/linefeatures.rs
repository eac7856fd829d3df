//! The boilerplate line model's features, every line of a page at once: what each column is and
//! why is said in `pipeline/stages/boilerplate_model/features.py`, which names the columns, holds
//! the word lists and constants and hands them over here once.
//!
//! The values must equal what the model was trained on bit for bit, so Python's semantics are kept
//! as in `lines.rs`: its `\w` (letters and numbers, general categories L* and N*, and "_"), its
//! whitespace, `str.isupper`, `str.isdigit` (decimal digits and the other digits Python names),
//! `str.lower` (Rust's `to_lowercase`: the same full mappings, the final sigma included), lengths in
//! code points, sums in Python's order (left to right) and numpy's (`cumsum` left to right, `mean`
//! pairwise).

use crate::pychars::{is_decimal, is_space, is_word, words};
use ahash::{AHashMap, AHashSet};

/// numpy's pairwise summation (`np.add.reduce` of float64): blocks of 8 partial sums up to 128
/// values, halves above.
fn pairwise_sum(a: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        a.iter().fold(0.0, |s, &x| s + x)
    } else if n <= BLOCK {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for j in 0..8 {
                r[j] += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &a[i..] {
            res += x;
        }
        res
    } else {
        let half = n / 2;
        let half = half - half % 8;
        pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
    }
}

/// The sum of `values` over each line's window of +-`radius` lines, as numpy's cumulative-sum
/// difference gives it.
fn window_sums(values: &[f64], radius: usize) -> Vec<f64> {
    let n = values.len();
    let mut cumulative = Vec::with_capacity(n + 1);
    cumulative.push(0.0);
    let mut total = 0.0;
    for &v in values {
        total += v;
        cumulative.push(total);
    }
    (0..n)
        .map(|i| cumulative[(i + radius + 1).min(n)] - cumulative[i.saturating_sub(radius)])
        .collect()
}

/// The word lists, marks and constants of `features.py`, and the model's vocabulary log-odds.
pub struct LineFeatures {
    /// The columns in the model's order, by name (see `features.py`'s `FEATURES`).
    pub columns: Vec<String>,
    pub stopwords: AHashSet<String>,
    pub widget_words: AHashSet<String>,
    pub terminal: Vec<char>,
    pub separators: Vec<char>,
    pub bullet_marks: Vec<char>,
    /// `str.isdigit()` characters that are not decimal (superscripts, circled numbers).
    pub other_digits: AHashSet<char>,
    pub prose_min_words: usize,
    pub region_line_penalty: i64,
    /// In the article's own region, a non-prose line that is page furniture or carries a date costs this.
    pub article_mark_penalty: i64,
    /// A line at least this share of whose distinct words are widget words is page furniture.
    pub widget_line_share: f64,
    pub context_radii: Vec<usize>,
    pub context_sources: Vec<String>,
    pub distance_cap: usize,
    pub repeats_cap: usize,
    pub region_span_cap: f64,
    pub topic_radius: usize,
    pub no_topic: f64,
    pub indent_cap: i64,
    pub indent_rel_cap: i64,
    /// `page_<name>` columns: the page's mean of another column (of "repeats > 0" for repeats).
    pub page_means: Vec<(String, String)>,
    /// Month names' first three letters, lower case; with `date_letters`, the letters beside
    /// ASCII's that Python's `[a-z]` matches ignoring case, each with the ASCII letter it folds to.
    pub months: Vec<[char; 3]>,
    pub date_letters: Vec<(char, char)>,
    pub token_odds: AHashMap<String, f64>,
    pub first_odds: AHashMap<String, f64>,
}

/// One line's facts the columns are made of.
struct Line<'a> {
    text: &'a str,
    words: Vec<&'a str>,
    lowered: Vec<String>,
    /// Characters, and those that are digits, symbols (neither `\w` nor space, or "_"), "|" or "·".
    chars: usize,
    digits: usize,
    symbols: usize,
    separator_marks: usize,
    has_separator: bool,
    /// A lower-case ASCII letter right before an upper-case one.
    glued: usize,
}

impl LineFeatures {
    fn is_digit(&self, c: char) -> bool {
        is_decimal(c) || self.other_digits.contains(&c)
    }

    fn line<'a>(&self, text: &'a str) -> Line<'a> {
        let words = words(text);
        let lowered = words.iter().map(|w| w.to_lowercase()).collect();
        let mut line = Line {
            text,
            words,
            lowered,
            chars: 0,
            digits: 0,
            symbols: 0,
            separator_marks: 0,
            has_separator: false,
            glued: 0,
        };
        let mut previous_lower = false;
        for c in text.chars() {
            line.chars += 1;
            if c.is_ascii() {
                line.digits += usize::from(c.is_ascii_digit());
                line.symbols += usize::from(!c.is_ascii_alphanumeric() && !is_space(c));
                line.glued += usize::from(previous_lower && c.is_ascii_uppercase());
                previous_lower = c.is_ascii_lowercase();
            } else {
                line.digits += usize::from(self.is_digit(c));
                line.symbols += usize::from(!is_word(c) && !is_space(c));
                previous_lower = false;
            }
            line.separator_marks += usize::from(c == '|' || c == '·');
            line.has_separator |= (c == '|' || !c.is_ascii()) && self.separators.contains(&c);
        }
        line
    }

    /// The ASCII letter `c` is, ignoring case (Python's `[a-z]` with `re.IGNORECASE`), if any.
    fn date_letter(&self, c: char) -> Option<char> {
        if c.is_ascii_alphabetic() {
            return Some(c.to_ascii_lowercase());
        }
        self.date_letters
            .iter()
            .find(|&&(l, _)| l == c)
            .map(|&(_, a)| a)
    }

    /// Whether Python's `re.search` finds a date in `chars`, with `re.IGNORECASE`:
    /// `\b(?:<month>)[a-z]*\.? \d{1,2}\b | \b\d{1,2}/\d{1,2}/\d{2,4}\b | \b(?:19|20)\d{2}\b`.
    /// Each piece has one way to match (a run of letters or digits is taken whole or fails), so
    /// each start where a word begins is tried once.
    fn has_date(&self, chars: &[char]) -> bool {
        let n = chars.len();
        // The length of the run of decimal digits at `at`.
        let digits = |at: usize| {
            chars[at.min(n)..]
                .iter()
                .take_while(|&&c| is_decimal(c))
                .count()
        };
        // A word boundary after a word character at `at - 1`.
        let ends = |at: usize| at >= n || !is_word(chars[at]);
        (0..n).any(|i| {
            if i > 0 && is_word(chars[i - 1]) {
                return false;
            }
            // <month>[a-z]*\.? \d{1,2}\b
            let month = i + 3 <= n
                && self
                    .months
                    .iter()
                    .any(|m| (0..3).all(|k| self.date_letter(chars[i + k]) == Some(m[k])));
            if month {
                let mut at = i + 3;
                while at < n && self.date_letter(chars[at]).is_some() {
                    at += 1;
                }
                if at < n && chars[at] == '.' {
                    at += 1;
                }
                if at < n && chars[at] == ' ' {
                    let run = digits(at + 1);
                    if (1..=2).contains(&run) && ends(at + 1 + run) {
                        return true;
                    }
                }
            }
            // \d{1,2}/\d{1,2}/\d{2,4}\b
            let first = digits(i);
            if (1..=2).contains(&first) && chars.get(i + first) == Some(&'/') {
                let second = digits(i + first + 1);
                let at = i + first + 1 + second;
                if (1..=2).contains(&second) && chars.get(at) == Some(&'/') {
                    let year = digits(at + 1);
                    if (2..=4).contains(&year) && ends(at + 1 + year) {
                        return true;
                    }
                }
            }
            // (?:19|20)\d{2}\b
            first == 4 && matches!(chars[i..i + 2], ['1', '9'] | ['2', '0']) && ends(i + 4)
        })
    }

    fn ends_terminal(&self, s: &str) -> bool {
        s.chars()
            .next_back()
            .is_some_and(|c| self.terminal.contains(&c))
    }

    /// `^(?:[<marks>]\s+|\d{1,3}[.)]\s+)`
    fn is_bullet(&self, s: &str) -> bool {
        let mut chars = s.chars().peekable();
        let Some(first) = chars.next() else {
            return false;
        };
        if self.bullet_marks.contains(&first) {
            return chars.next().is_some_and(is_space);
        }
        if !is_decimal(first) {
            return false;
        }
        let mut digits = 1;
        while chars.peek().is_some_and(|&c| is_decimal(c)) {
            chars.next();
            digits += 1;
        }
        digits <= 3 && matches!(chars.next(), Some('.' | ')')) && chars.next().is_some_and(is_space)
    }

    /// The vocabulary columns: mean, min and max log-odds of the line's tokens, the first token's,
    /// the share of tokens known.
    fn vocabulary(&self, line: &Line) -> [f64; 5] {
        // An ASCII line's lower-cased words are its lower-cased text's words; otherwise lowering
        // the whole line can split a word ("İ" lowers to "i" and a combining dot).
        let whole;
        let tokens: Vec<&str> = if line.text.is_ascii() {
            line.lowered.iter().map(String::as_str).collect()
        } else {
            whole = line.text.to_lowercase();
            words(&whole)
        };
        if tokens.is_empty() {
            return [0.0; 5];
        }
        let odds: Vec<f64> = tokens
            .iter()
            .map(|t| self.token_odds.get(*t).copied().unwrap_or(0.0))
            .collect();
        let known = tokens
            .iter()
            .filter(|t| self.token_odds.contains_key(**t))
            .count();
        let sum = odds.iter().fold(0.0, |s, &x| s + x);
        let (mut low, mut high) = (odds[0], odds[0]);
        for &x in &odds[1..] {
            if x < low {
                low = x;
            }
            if x > high {
                high = x;
            }
        }
        let first = self.first_odds.get(tokens[0]).copied().unwrap_or(0.0);
        let n = tokens.len() as f64;
        [sum / n, low, high, first, known as f64 / n]
    }

    /// One row of the columns per line, row after row; `rule` says per line whether a boilerplate
    /// lexicon rule matches it (Python's regexes).
    pub fn rows(&self, texts: &[&str], indents: &[i64], rule: &[bool]) -> Result<Vec<f64>, String> {
        let n = texts.len();
        if indents.len() != n || rule.len() != n {
            return Err(format!(
                "{n} lines but {} indents and {} rule flags",
                indents.len(),
                rule.len()
            ));
        }
        let lines: Vec<Line> = texts.iter().map(|&text| self.line(text)).collect();
        let distinct: Vec<AHashSet<&str>> = lines
            .iter()
            .map(|l| l.lowered.iter().map(String::as_str).collect())
            .collect();
        let n_words: Vec<usize> = lines.iter().map(|l| l.words.len()).collect();
        let mut counts: AHashMap<&str, usize> = AHashMap::new();
        for &t in texts {
            *counts.entry(t).or_default() += 1;
        }
        let words_total: usize = n_words.iter().sum();
        let total_words = words_total.max(1) as f64;
        let is_prose: Vec<bool> = lines
            .iter()
            .zip(&n_words)
            .map(|(l, &k)| k >= self.prose_min_words && self.ends_terminal(l.text))
            .collect();
        let prose_lines = is_prose.iter().filter(|&&p| p).count();
        let prose_total: usize = (0..n).filter(|&i| is_prose[i]).map(|i| n_words[i]).sum();
        let prose_words = prose_total.max(1) as f64;
        let mut prose_indents: Vec<i64> = (0..n)
            .filter(|&i| is_prose[i])
            .map(|i| indents[i])
            .collect();
        prose_indents.sort_unstable();
        let content_indent = prose_indents
            .get(prose_indents.len() / 2)
            .copied()
            .unwrap_or(0);
        // A region search's weights: a prose line's words, less `cost(i)` for any other line.
        let weights = |cost: &dyn Fn(usize) -> i64| -> Vec<i64> {
            (0..n)
                .map(|i| {
                    if is_prose[i] {
                        n_words[i] as i64
                    } else {
                        -cost(i)
                    }
                })
                .collect()
        };
        let (first, last) = main_region(&weights(&|_| self.region_line_penalty));
        let (above, below) = nearest(&is_prose);

        let mut words_at: AHashMap<i64, usize> = AHashMap::new();
        let mut prose_at: AHashMap<i64, usize> = AHashMap::new();
        for i in 0..n {
            *words_at.entry(indents[i]).or_default() += n_words[i];
            if is_prose[i] {
                *prose_at.entry(indents[i]).or_default() += n_words[i];
            }
        }
        // The indentation with the most prose words (the smallest of equals).
        let prose_indent = prose_at
            .iter()
            .max_by_key(|&(&d, &k)| (k, -d))
            .map(|(&d, _)| d);
        let mut run_of = vec![0usize; n];
        for i in 1..n {
            run_of[i] = run_of[i - 1] + usize::from(indents[i] != indents[i - 1]);
        }
        let runs = run_of.last().map_or(0, |&r| r + 1);
        let (mut run_lines, mut run_words, mut run_prose) =
            (vec![0usize; runs], vec![0usize; runs], vec![0usize; runs]);
        for i in 0..n {
            run_lines[run_of[i]] += 1;
            run_words[run_of[i]] += n_words[i];
            if is_prose[i] {
                run_prose[run_of[i]] += n_words[i];
            }
        }
        let mut words_before = vec![0usize; n + 1];
        for i in 0..n {
            words_before[i + 1] = words_before[i] + n_words[i];
        }
        // The words of the lines `first..=last` (none when `last < first`: no region).
        let words_in = |first: i64, last: i64| {
            if last >= first {
                words_before[last as usize + 1] - words_before[first as usize]
            } else {
                0
            }
        };
        let region_words = words_in(first, last);
        let topic = self.topic_overlap(&distinct, &is_prose, prose_lines);
        let topic_near = self.valid_mean_near(&topic);
        let runs = nonprose_runs(&is_prose);
        let (run_length, after_colon, after_prose) = introduced_runs(texts, &is_prose, &runs);
        let widget: Vec<f64> = distinct
            .iter()
            .map(|d| {
                if d.is_empty() {
                    0.0
                } else {
                    d.iter().filter(|w| self.widget_words.contains(**w)).count() as f64
                        / d.len() as f64
                }
            })
            .collect();
        let copyright: Vec<bool> = texts
            .iter()
            .map(|s| {
                s.contains('©')
                    || s.as_bytes()
                        .windows(3)
                        .any(|w| w[0] == b'(' && (w[1] | 0x20) == b'c' && w[2] == b')')
            })
            .collect();
        let marks: Vec<bool> = (0..n)
            .map(|i| rule[i] || copyright[i] || widget[i] >= self.widget_line_share)
            .collect();
        let (between, in_run) = marks_to_region(&marks, &runs, first, last);
        // The article's own region: the same search, where a non-prose line that is furniture or
        // carries a date costs `article_mark_penalty` words (a comment's byline, a dated teaser).
        let dated: Vec<bool> = (0..n)
            .map(|i| lines[i].digits > 0 && self.has_date(&texts[i].chars().collect::<Vec<_>>()))
            .collect();
        let (article_first, article_last) = main_region(&weights(&|i| {
            if marks[i] || dated[i] {
                self.article_mark_penalty
            } else {
                self.region_line_penalty
            }
        }));

        let cap = self.distance_cap as f64;
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let mut table: AHashMap<&str, Vec<f64>> = AHashMap::new();
        let mut column = |name: &'static str, values: Vec<f64>| {
            table.insert(name, values);
        };
        let per_line = |f: &dyn Fn(usize) -> f64| (0..n).map(f).collect::<Vec<f64>>();
        column("log_words", per_line(&|i| (n_words[i] as f64).ln_1p()));
        column("log_chars", per_line(&|i| (lines[i].chars as f64).ln_1p()));
        column("is_bullet", per_line(&|i| flag(self.is_bullet(texts[i]))));
        column(
            "ends_terminal",
            per_line(&|i| flag(self.ends_terminal(texts[i]))),
        );
        column("ends_colon", per_line(&|i| flag(texts[i].ends_with(':'))));
        column(
            "starts_upper",
            per_line(&|i| flag(texts[i].chars().next().is_some_and(char::is_uppercase))),
        );
        column(
            "stopword_ratio",
            per_line(&|i| {
                let k = n_words[i];
                if k == 0 {
                    0.0
                } else {
                    lines[i]
                        .lowered
                        .iter()
                        .filter(|w| self.stopwords.contains(*w))
                        .count() as f64
                        / k as f64
                }
            }),
        );
        column(
            "title_case_ratio",
            per_line(&|i| {
                let k = n_words[i];
                let upper = lines[i]
                    .words
                    .iter()
                    .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
                    .count();
                if k == 0 {
                    0.0
                } else {
                    upper as f64 / k as f64
                }
            }),
        );
        let chars = |i: usize| lines[i].chars.max(1) as f64;
        column(
            "digit_ratio",
            per_line(&|i| lines[i].digits as f64 / chars(i)),
        );
        column(
            "symbol_ratio",
            per_line(&|i| lines[i].symbols as f64 / chars(i)),
        );
        column(
            "glued_ratio",
            per_line(&|i| lines[i].glued as f64 / n_words[i].max(1) as f64),
        );
        column("has_separator", per_line(&|i| flag(lines[i].has_separator)));
        column(
            "separator_count",
            per_line(&|i| lines[i].separator_marks as f64),
        );
        column("has_copyright", per_line(&|i| flag(copyright[i])));
        // Every date pattern holds a digit.
        column("has_date", per_line(&|i| flag(dated[i])));
        column("widget_word_ratio", widget);
        column("lexicon_rule", per_line(&|i| flag(rule[i])));
        column(
            "repeats",
            per_line(&|i| (counts[texts[i]] - 1).min(self.repeats_cap) as f64),
        );
        column("is_prose", per_line(&|i| flag(is_prose[i])));
        let (first_i, last_i) = (first, last);
        let inside = |i: usize, first: i64, last: i64| flag(first <= i as i64 && i as i64 <= last);
        column("in_region", per_line(&|i| inside(i, first_i, last_i)));
        // Lines from a region (0 inside it), up to the cap, as a share of the cap.
        let distance = |i: usize, first: i64, last: i64| {
            let i = i as i64;
            let d = if i < first {
                first - i
            } else if i > last {
                i - last
            } else {
                0
            };
            d.min(self.distance_cap as i64) as f64 / cap
        };
        column(
            "region_distance",
            per_line(&|i| distance(i, first_i, last_i)),
        );
        let span = |w: usize| (w as f64 / region_words as f64).min(self.region_span_cap);
        column(
            "words_before_region",
            per_line(&|i| {
                if (i as i64) < first_i {
                    span(words_before[first_i as usize] - words_before[i + 1])
                } else {
                    0.0
                }
            }),
        );
        // The words between a region's end and line `i`, in lengths of the region (0 for a line
        // not after it).
        let after = |i: usize, first: i64, last: i64, words: usize| {
            if i as i64 > last && last >= first {
                let w = words_before[i] - words_before[last as usize + 1];
                (w as f64 / words as f64).min(self.region_span_cap)
            } else {
                0.0
            }
        };
        column(
            "words_after_region",
            per_line(&|i| after(i, first_i, last_i, region_words)),
        );
        column(
            "in_article",
            per_line(&|i| inside(i, article_first, article_last)),
        );
        column(
            "article_distance",
            per_line(&|i| distance(i, article_first, article_last)),
        );
        let article_words = words_in(article_first, article_last);
        column(
            "words_after_article",
            per_line(&|i| after(i, article_first, article_last, article_words)),
        );
        column(
            "region_page_share",
            vec![region_words as f64 / total_words; n],
        );
        column("topic_overlap", topic);
        column("topic_overlap_near", topic_near);
        column(
            "nonprose_run",
            per_line(&|i| (run_length[i] as f64).ln_1p()),
        );
        column("after_colon", per_line(&|i| flag(after_colon[i])));
        column("after_prose", per_line(&|i| flag(after_prose[i])));
        column(
            "marks_to_region",
            per_line(&|i| (between[i] as f64).ln_1p()),
        );
        column("marks_in_run", per_line(&|i| (in_run[i] as f64).ln_1p()));
        column("page_log_words", vec![(words_total as f64).ln_1p(); n]);
        column(
            "page_prose_share",
            vec![prose_total as f64 / total_words; n],
        );
        column(
            "page_nonprose_lines",
            vec![((n - prose_lines) as f64).ln_1p(); n],
        );
        column(
            "lines_to_prose_above",
            per_line(&|i| above[i].min(self.distance_cap) as f64 / cap),
        );
        column(
            "lines_to_prose_below",
            per_line(&|i| below[i].min(self.distance_cap) as f64 / cap),
        );
        column(
            "indent",
            per_line(&|i| indents[i].min(self.indent_cap) as f64 / self.indent_cap as f64),
        );
        let rel = self.indent_rel_cap;
        column(
            "indent_rel",
            per_line(&|i| (indents[i] - content_indent).clamp(-rel, rel) as f64 / rel as f64),
        );
        column(
            "same_indent_prev",
            per_line(&|i| flag(i > 0 && indents[i - 1] == indents[i])),
        );
        column(
            "same_indent_next",
            per_line(&|i| flag(i + 1 < n && indents[i + 1] == indents[i])),
        );
        column(
            "indent_word_share",
            per_line(&|i| words_at[&indents[i]] as f64 / total_words),
        );
        column(
            "indent_prose_share",
            per_line(&|i| prose_at.get(&indents[i]).copied().unwrap_or(0) as f64 / prose_words),
        );
        column(
            "indent_is_prose_indent",
            per_line(&|i| flag(prose_indent == Some(indents[i]))),
        );
        column(
            "run_lines",
            per_line(&|i| (run_lines[run_of[i]] as f64).ln_1p()),
        );
        column(
            "run_words",
            per_line(&|i| (run_words[run_of[i]] as f64).ln_1p()),
        );
        column(
            "run_prose_share",
            per_line(&|i| {
                let r = run_of[i];
                run_prose[r] as f64 / run_words[r].max(1) as f64
            }),
        );
        column(
            "run_page_share",
            per_line(&|i| run_words[run_of[i]] as f64 / total_words),
        );
        let vocab: Vec<[f64; 5]> = lines.iter().map(|l| self.vocabulary(l)).collect();
        for (k, name) in [
            "vocab_mean",
            "vocab_min",
            "vocab_max",
            "vocab_first",
            "vocab_known",
        ]
        .into_iter()
        .enumerate()
        {
            column(name, vocab.iter().map(|v| v[k]).collect());
        }
        for (name, source) in &self.page_means {
            let values = table
                .get(source.as_str())
                .ok_or_else(|| format!("page mean of an unknown column {source}"))?;
            let mean = if source == "repeats" {
                values.iter().filter(|&&v| v > 0.0).count() as f64 / n as f64
            } else {
                pairwise_sum(values) / n as f64
            };
            table.insert(name.as_str(), vec![mean; n]);
        }
        // Context: the mean of a few columns over windows of +-radius lines.
        let ones = vec![1.0; n];
        let mut context: Vec<(String, Vec<f64>)> = Vec::new();
        for &radius in &self.context_radii {
            let sizes = window_sums(&ones, radius);
            for source in &self.context_sources {
                let values = table
                    .get(source.as_str())
                    .ok_or_else(|| format!("context of an unknown column {source}"))?;
                let sums = window_sums(values, radius);
                context.push((
                    format!("{source}_w{radius}"),
                    sums.iter().zip(&sizes).map(|(s, k)| s / k).collect(),
                ));
            }
        }
        let mut out = vec![0.0; n * self.columns.len()];
        for (j, name) in self.columns.iter().enumerate() {
            let values = table
                .get(name.as_str())
                .or_else(|| context.iter().find(|(c, _)| c == name).map(|(_, v)| v))
                .ok_or_else(|| format!("no line feature named {name}"))?;
            for i in 0..n {
                out[i * self.columns.len() + j] = values[i];
            }
        }
        Ok(out)
    }

    /// Per line, the share of its content words that at least one other prose line of the page
    /// uses (`no_topic` without content words, or when no other line is prose).
    fn topic_overlap(
        &self,
        distinct: &[AHashSet<&str>],
        is_prose: &[bool],
        prose_lines: usize,
    ) -> Vec<f64> {
        let content: Vec<Vec<&str>> = distinct
            .iter()
            .map(|words| {
                words
                    .iter()
                    .copied()
                    .filter(|w| {
                        !self.stopwords.contains(*w)
                            && w.chars().count() > 2
                            && !w.chars().all(|c| self.is_digit(c))
                    })
                    .collect()
            })
            .collect();
        let mut in_prose: AHashMap<&str, usize> = AHashMap::new();
        for (words, &p) in content.iter().zip(is_prose) {
            if p {
                for &w in words {
                    *in_prose.entry(w).or_default() += 1;
                }
            }
        }
        content
            .iter()
            .zip(is_prose)
            .map(|(words, &p)| {
                if words.is_empty() || prose_lines == usize::from(p) {
                    return self.no_topic;
                }
                // A prose line's word is in other prose when two prose lines have it.
                let least = if p { 2 } else { 1 };
                let shared = words
                    .iter()
                    .filter(|w| in_prose.get(**w).is_some_and(|&k| k >= least))
                    .count();
                shared as f64 / words.len() as f64
            })
            .collect()
    }

    /// The mean of the known values (not `no_topic`) within `topic_radius` lines of each line.
    fn valid_mean_near(&self, values: &[f64]) -> Vec<f64> {
        let known: Vec<f64> = values
            .iter()
            .map(|&v| if v != self.no_topic { 1.0 } else { 0.0 })
            .collect();
        let found = window_sums(&known, self.topic_radius);
        let kept: Vec<f64> = values
            .iter()
            .zip(&known)
            .map(|(&v, &k)| if k > 0.0 { v } else { 0.0 })
            .collect();
        let total = window_sums(&kept, self.topic_radius);
        found
            .iter()
            .zip(&total)
            .map(|(&f, &t)| {
                if f > 0.0 {
                    t / f.max(1.0)
                } else {
                    self.no_topic
                }
            })
            .collect()
    }
}

/// The run of lines with the largest total weight (Kadane), or (0, -1) when none weighs above 0.
fn main_region(weights: &[i64]) -> (i64, i64) {
    let (mut best, mut span) = (None::<i64>, (0, -1));
    let (mut current, mut start) = (0i64, 0usize);
    for (i, &w) in weights.iter().enumerate() {
        if current <= 0 {
            current = w;
            start = i;
        } else {
            current += w;
        }
        if best.is_none_or(|b| current > b) {
            best = Some(current);
            span = (start as i64, i as i64);
        }
    }
    if best.is_some_and(|b| b > 0) {
        span
    } else {
        (0, -1)
    }
}

/// For each line, how many lines up (and down) the nearest flagged line is (n+1 if none).
fn nearest(flags: &[bool]) -> (Vec<usize>, Vec<usize>) {
    let n = flags.len();
    let (mut above, mut below) = (vec![n + 1; n], vec![n + 1; n]);
    let mut last = None;
    for i in 0..n {
        if let Some(l) = last {
            above[i] = i - l;
        }
        if flags[i] {
            last = Some(i);
        }
    }
    last = None;
    for i in (0..n).rev() {
        if let Some(l) = last {
            below[i] = l - i;
        }
        if flags[i] {
            last = Some(i);
        }
    }
    (above, below)
}

/// For each line outside the main region `first..=last`, how many furniture marks (`marks`) lie
/// between the region and the line's run of non-prose lines (`runs`; a prose line is a run of its own),
/// and how many in that run between the line and the region's side of the run: a comment under
/// "Leave a reply" has one and none, the fourth line of a list whose first is "Related" none and
/// one. Both 0 inside the region, and everywhere on a page without one.
fn marks_to_region(
    marks: &[bool],
    runs: &[(usize, usize)],
    first: i64,
    last: i64,
) -> (Vec<usize>, Vec<usize>) {
    let n = marks.len();
    let (mut between, mut own) = (vec![0; n], vec![0; n]);
    if last < first {
        return (between, own);
    }
    let (first, last) = (first as usize, last as usize);
    let mut before = vec![0usize; n + 1]; // marks in the lines above line i
    for i in 0..n {
        before[i + 1] = before[i] + usize::from(marks[i]);
    }
    // Each line's run, as its first and last line.
    let (mut start, mut end): (Vec<usize>, Vec<usize>) = ((0..n).collect(), (0..n).collect());
    for &(a, b) in runs {
        for k in a..=b {
            (start[k], end[k]) = (a, b);
        }
    }
    for i in 0..n {
        if i > last {
            let near = start[i].max(last + 1);
            between[i] = before[near] - before[last + 1];
            own[i] = before[i] - before[near];
        } else if i < first {
            let near = end[i].min(first - 1);
            between[i] = before[first] - before[near + 1];
            own[i] = before[near + 1] - before[i + 1];
        }
    }
    (between, own)
}

/// The runs of consecutive lines that are not prose, in order, each as its first and last line.
fn nonprose_runs(is_prose: &[bool]) -> Vec<(usize, usize)> {
    let n = is_prose.len();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < n {
        if is_prose[i] {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < n && !is_prose[j + 1] {
            j += 1;
        }
        runs.push((i, j));
        i = j + 1;
    }
    runs
}

/// For each line that is not prose: the length of its run (`runs`) of non-prose lines, whether the line
/// before the run (or the run's first line, for the lines after it) ends in ":", and whether the
/// line before the run is prose. Prose lines get (0, false, false).
fn introduced_runs(
    texts: &[&str],
    is_prose: &[bool],
    runs: &[(usize, usize)],
) -> (Vec<usize>, Vec<bool>, Vec<bool>) {
    let n = texts.len();
    let (mut length, mut colon, mut prose) = (vec![0; n], vec![false; n], vec![false; n]);
    for &(i, j) in runs {
        let before_colon = i > 0 && texts[i - 1].ends_with(':');
        let before_prose = i > 0 && is_prose[i - 1];
        for k in i..=j {
            length[k] = j - i + 1;
            colon[k] = before_colon || (k > i && texts[i].ends_with(':'));
            prose[k] = before_prose;
        }
    }
    (length, colon, prose)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_matches_numpy_blocks() {
        // 0.1 summed 10 times: left to right gives 0.9999999999999999, numpy's 8 partial sums 1.0.
        assert_eq!(pairwise_sum(&[0.1; 10]), 1.0);
        assert_eq!((0..10).fold(0.0, |s, _| s + 0.1), 0.9999999999999999);
        assert_eq!(pairwise_sum(&[0.5; 300]), 150.0);
    }

    #[test]
    fn main_region_is_the_heaviest_run() {
        assert_eq!(main_region(&[-6, 10, -6, 12, -6]), (1, 3));
        assert_eq!(main_region(&[-6, -6]), (0, -1));
        assert_eq!(main_region(&[]), (0, -1));
    }

    #[test]
    fn marks_count_between_the_region_and_a_run() {
        // A mark, a menu run of two lines (one a mark), the region (lines 3-4), a mark, a prose
        // comment, a run of two marks.
        let marks = [true, false, true, false, false, true, false, true, true];
        let prose = [false, false, false, true, true, false, true, false, false];
        let runs = nonprose_runs(&prose);
        assert_eq!(runs, vec![(0, 2), (5, 5), (7, 8)]);
        let (between, own) = marks_to_region(&marks, &runs, 3, 4);
        assert_eq!(between, vec![0, 0, 0, 0, 0, 0, 1, 1, 1]);
        // In their own runs, on the region's side: line 0 has line 2's mark below it, line 1 the
        // same; line 8 has line 7's above it.
        assert_eq!(own, vec![1, 1, 0, 0, 0, 0, 0, 0, 1]);
        // The run (lines 0-2) touches the region: nothing lies between; no region, no marks.
        assert_eq!(marks_to_region(&marks, &runs, 3, 3).0[..3], [0, 0, 0]);
        assert_eq!(
            marks_to_region(&marks, &runs, 0, -1),
            (vec![0; 9], vec![0; 9])
        );
    }

    #[test]
    fn runs_know_what_introduces_them() {
        let texts = ["You will need:", "flour", "eggs", "A sentence of prose."];
        let prose = [false, false, false, true];
        let (length, colon, after) = introduced_runs(&texts, &prose, &nonprose_runs(&prose));
        assert_eq!(length, vec![3, 3, 3, 0]);
        assert_eq!(colon, vec![false, true, true, false]);
        assert_eq!(after, vec![false, false, false, false]);
    }
}
