//! The line-level web-text heuristics as datatrove 0.10 computes them in Python: Gopher quality
//! (Rae et al. 2021), the line and paragraph half of Gopher repetition, C4's line filter (Raffel
//! et al. 2020) and FineWeb's line signals. Here they are counted; `pipeline/stages/quality/
//! heuristics.py` names and divides the counts.
//!
//! Python's string semantics are kept, since the signals must equal datatrove's: its whitespace
//! (`str.isspace`, what `strip` and `split` use), its line breaks (`str.splitlines`), its letters
//! (`str.isalpha`: the general categories L*; see `pychars.rs`), and lengths in code points.

use ahash::AHashSet;
use regex::Regex;

use crate::pychars::{is_alpha, is_space};

/// The characters `str.splitlines` breaks at (`\r\n` is one break).
fn is_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\u{b}'
            | '\u{c}'
            | '\r'
            | '\u{1c}'
            | '\u{1d}'
            | '\u{1e}'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// `str.splitlines(keepends=True)`.
pub fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if is_break(c) {
            let mut end = i + c.len_utf8();
            if c == '\r' && chars.next_if(|&(_, n)| n == '\n').is_some() {
                end += 1;
            }
            lines.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// A line of `split_lines` without its break (`str.splitlines()`).
fn without_break(line: &str) -> &str {
    if let Some(bare) = line.strip_suffix("\r\n") {
        return bare;
    }
    match line.chars().next_back() {
        Some(c) if is_break(c) => &line[..line.len() - c.len_utf8()],
        _ => line,
    }
}

fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// The text between runs of at least `min` newlines (`re.split("\n{min,}", text)`).
fn split_newline_runs(text: &str, min: usize) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            let run = bytes[i..].iter().take_while(|&&b| b == b'\n').count();
            if run >= min {
                pieces.push(&text[start..i]);
                start = i + run;
            }
            i += run;
        } else {
            i += 1;
        }
    }
    pieces.push(&text[start..]);
    pieces
}

/// How many items repeat an earlier one, and their characters.
fn duplicates(items: &[&str]) -> (usize, usize) {
    let mut seen = AHashSet::with_capacity(items.len());
    let (mut count, mut total) = (0, 0);
    for item in items {
        if !seen.insert(*item) {
            count += 1;
            total += chars(item);
        }
    }
    (count, total)
}

/// Gopher quality's counts of a text and its words.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct GopherCounts {
    pub words: usize,
    /// Words that are not only punctuation, and their characters.
    pub doc_words: usize,
    pub doc_word_chars: usize,
    /// Words holding a letter.
    pub alpha_words: usize,
    /// Distinct stop words present.
    pub stop_words: usize,
    pub hashes: usize,
    /// "..." and "…".
    pub ellipses: usize,
    pub lines: usize,
    /// Lines starting with "•" or "-" (after their whitespace), ending in an ellipsis (before it).
    pub bullet_lines: usize,
    pub end_ellipsis_lines: usize,
}

pub fn gopher_counts(
    text: &str,
    words: &[&str],
    punctuation: &AHashSet<char>,
    stop_words: &AHashSet<String>,
) -> GopherCounts {
    let mut counts = GopherCounts {
        words: words.len(),
        hashes: text.matches('#').count(),
        ellipses: text.matches("...").count() + text.matches('…').count(),
        ..Default::default()
    };
    let mut stops: AHashSet<&str> = AHashSet::new();
    for &word in words {
        if !word.chars().all(|c| punctuation.contains(&c)) {
            counts.doc_words += 1;
            counts.doc_word_chars += chars(word);
        }
        counts.alpha_words += word.chars().any(is_alpha) as usize;
        if stop_words.contains(word) {
            stops.insert(word);
        }
    }
    counts.stop_words = stops.len();
    for line in split_lines(text) {
        let line = without_break(line);
        counts.lines += 1;
        let start = line.trim_start_matches(is_space);
        counts.bullet_lines += (start.starts_with('•') || start.starts_with('-')) as usize;
        let end = line.trim_end_matches(is_space);
        counts.end_ellipsis_lines += (end.ends_with("...") || end.ends_with('…')) as usize;
    }
    counts
}

/// Gopher repetition's counts of duplicated paragraphs (split at blank lines, the text stripped)
/// and duplicated lines (split at newlines).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RepetitionCounts {
    pub paragraphs: usize,
    pub dup_paragraphs: usize,
    pub dup_paragraph_chars: usize,
    pub lines: usize,
    pub dup_lines: usize,
    pub dup_line_chars: usize,
}

pub fn repetition_counts(text: &str) -> RepetitionCounts {
    let paragraphs = split_newline_runs(strip(text), 2);
    let lines = split_newline_runs(text, 1);
    let (dup_paragraphs, dup_paragraph_chars) = duplicates(&paragraphs);
    let (dup_lines, dup_line_chars) = duplicates(&lines);
    RepetitionCounts {
        paragraphs: paragraphs.len(),
        dup_paragraphs,
        dup_paragraph_chars,
        lines: lines.len(),
        dup_lines,
        dup_line_chars,
    }
}

/// FineWeb's counts over the text's lines that are not blank (split at "\n").
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FineWebCounts {
    pub lines: usize,
    /// Lines ending in terminal punctuation.
    pub punct_lines: usize,
    /// Lines of at most `short` characters.
    pub short_lines: usize,
    pub dup_line_chars: usize,
    pub newlines: usize,
    /// Characters other than newlines.
    pub flat_chars: usize,
}

pub fn fineweb_counts(text: &str, terminal: &AHashSet<char>, short: usize) -> FineWebCounts {
    let lines: Vec<&str> = text.split('\n').filter(|l| !strip(l).is_empty()).collect();
    let newlines = text.matches('\n').count();
    FineWebCounts {
        lines: lines.len(),
        punct_lines: lines
            .iter()
            .filter(|l| l.chars().next_back().is_some_and(|c| terminal.contains(&c)))
            .count(),
        short_lines: lines.iter().filter(|l| chars(l) <= short).count(),
        dup_line_chars: duplicates(&lines).1,
        newlines,
        flat_chars: chars(text) - newlines,
    }
}

/// C4's line filter, in datatrove's order.
pub struct C4Filter {
    pub max_word_chars: usize,
    pub min_words: usize,
    pub end_punctuation: Vec<String>,
    pub ellipsis: String,
    /// Citation marks a line loses before the rules read it.
    pub citation: Regex,
    pub policy: Vec<String>,
}

/// What C4's line filter keeps of a text: the lines kept as they are, as `[start, end)` in
/// characters of the text, and those its citation rule rewrote; whether a line it read before
/// the JavaScript rule says "lorem ipsum", and whether one before the policy rule holds "{".
#[derive(Debug, Default, PartialEq, Eq)]
pub struct C4Lines {
    pub spans: Vec<(usize, usize)>,
    pub rewritten: Vec<String>,
    pub lorem_ipsum: bool,
    pub curly_bracket: bool,
}

impl C4Filter {
    pub fn lines(&self, text: &str) -> C4Lines {
        let mut kept = C4Lines::default();
        let mut offset = 0; // characters before the line
        for raw in split_lines(text) {
            let start = offset;
            let raw_chars = chars(raw);
            offset += raw_chars;
            let original = strip(raw);
            let words: Vec<&str> = original.split(is_space).filter(|w| !w.is_empty()).collect();
            if words.iter().any(|w| chars(w) > self.max_word_chars) {
                continue;
            }
            let line = self.citation.replace_all(original, "");
            if !self
                .end_punctuation
                .iter()
                .any(|p| line.ends_with(p.as_str()))
                || line.ends_with(&self.ellipsis)
            {
                continue;
            }
            if words.len() < self.min_words {
                continue;
            }
            let lowered = line.to_lowercase();
            kept.lorem_ipsum |= lowered.contains("lorem ipsum");
            if lowered.contains("javascript") {
                continue;
            }
            kept.curly_bracket |= line.contains('{');
            if self.policy.iter().any(|p| lowered.contains(p.as_str())) {
                continue;
            }
            if line == original {
                let begin = start + raw_chars - chars(raw.trim_start_matches(is_space));
                kept.spans.push((begin, begin + chars(original)));
            } else {
                kept.rewritten.push(line.into_owned());
            }
        }
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(chars: &str) -> AHashSet<char> {
        chars.chars().collect()
    }

    #[test]
    fn split_lines_breaks_where_python_does() {
        assert_eq!(
            split_lines("a\r\nb\rc\u{2028}d\u{1c}e\n\nf"),
            vec!["a\r\n", "b\r", "c\u{2028}", "d\u{1c}", "e\n", "\n", "f"]
        );
        assert_eq!(split_lines("a\n"), vec!["a\n"]);
        assert!(split_lines("").is_empty());
        assert_eq!(without_break("x\r\n"), "x");
        assert_eq!(without_break("x\u{85}"), "x");
    }

    #[test]
    fn newline_runs_split_as_re_split() {
        assert_eq!(
            split_newline_runs("a\n\nb\n\n\nc\nd", 2),
            vec!["a", "b", "c\nd"]
        );
        assert_eq!(split_newline_runs("\na\n", 1), vec!["", "a", ""]);
    }

    #[test]
    fn gopher_counts_words_lines_and_marks() {
        let text = "# Title\n  - item one...\n• two …\nplain #tag";
        let words = [
            "#", "Title", "-", "item", "one", "...", "•", "two", "…", "plain", "#", "tag", "the",
            "the",
        ];
        let stops: AHashSet<String> = ["the", "and"].iter().map(|s| s.to_string()).collect();
        let counts = gopher_counts(text, &words, &set("#-•….!"), &stops);
        assert_eq!(
            counts,
            GopherCounts {
                words: 14,
                doc_words: 8,
                doc_word_chars: 5 + 4 + 3 + 3 + 5 + 3 + 3 + 3,
                alpha_words: 8,
                stop_words: 1,
                hashes: 2,
                ellipses: 2,
                lines: 4,
                bullet_lines: 2,
                end_ellipsis_lines: 2,
            }
        );
    }

    #[test]
    fn repetition_counts_paragraphs_and_lines() {
        let counts = repetition_counts("\nsame\n\nsame\nother\n\n\nsame\n");
        assert_eq!(
            counts,
            RepetitionCounts {
                paragraphs: 3,
                dup_paragraphs: 1,
                dup_paragraph_chars: 4,
                lines: 6,
                dup_lines: 3,
                dup_line_chars: 8,
            }
        );
    }

    #[test]
    fn fineweb_counts_non_blank_lines() {
        let counts = fineweb_counts("Ends here.\n \nno end\nno end\n", &set(".!?"), 6);
        assert_eq!(
            counts,
            FineWebCounts {
                lines: 3,
                punct_lines: 1,
                short_lines: 2,
                dup_line_chars: 6,
                newlines: 4,
                flat_chars: 23
            }
        );
    }

    #[test]
    fn c4_keeps_spans_in_characters_and_rewrites_citations() {
        let filter = C4Filter {
            max_word_chars: 1000,
            min_words: 3,
            end_punctuation: [".", "?", "!", "\"", "'"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            ellipsis: "...".into(),
            citation: Regex::new(r"\[\d*]|\[edit]|\[citation needed]").unwrap(),
            policy: vec!["privacy policy".into()],
        };
        let text = "Ünïcode line is kept.\n  Cited here [12] too.\nToo short.\nLorem ipsum uses javascript.\n\
                    Read our privacy policy {now}.\nTrailing dots here...";
        let lines = filter.lines(text);
        assert_eq!(lines.spans, vec![(0, 21)]);
        assert_eq!(lines.rewritten, vec!["Cited here  too."]);
        assert!(lines.lorem_ipsum && lines.curly_bracket);
    }
}
