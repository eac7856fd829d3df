//! Normalization's line work (`pipeline/stages/normalize.py` says what normalizing is and why):
//! which lines are preformatted, each line's indentation, each line with its spaces made one
//! kind and its direction controls balanced, Markdown's soft wraps joined, and the lines laid out
//! as paragraphs with one bullet style. Python's semantics are kept, as in `lines.rs`: its
//! whitespace, its `\w` (letters and numbers, general categories L* and N*, and "_"), and
//! `str.expandtabs`.

use regex::Regex;

use crate::pychars::{is_space, python_pattern};

/// The patterns the line work reads, from `normalize.py`'s constants (written in Python's
/// syntax with `\s` and `\w`, which are turned into Python's classes here).
pub struct Layout {
    code_token: Regex,
    /// A Markdown line that starts a block of its own (a heading, a list item, a quote, a table
    /// row, a fence), and a heading.
    md_block_start: Regex,
    md_heading: Regex,
    bullet_glyphs: Vec<char>,
    bullet_marks: Vec<char>,
    /// The horizontal spaces: which ASCII characters are, and the others (most text is ASCII).
    ascii_spaces: [bool; 128],
    other_spaces: Vec<char>,
    code_indent: usize,
}

/// One text's lines: normalized, each one's indentation, and which are preformatted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Lines {
    pub lines: Vec<String>,
    pub indents: Vec<usize>,
    pub code: Vec<bool>,
}

/// Width of a line's leading whitespace once tabs are expanded to columns of 4 (`str.expandtabs`:
/// a carriage return starts the column again).
pub fn indent(line: &str) -> usize {
    let (mut width, mut column) = (0, 0);
    for c in line.chars().take_while(|&c| is_space(c)) {
        match c {
            '\t' => {
                let pad = 4 - column % 4;
                width += pad;
                column += pad;
            }
            '\r' | '\n' => {
                width += 1;
                column = 0;
            }
            _ => {
                width += 1;
                column += 1;
            }
        }
    }
    width
}

/// `line` with every direction control it opens closed at its end, and every closer that closes
/// nothing dropped.
pub fn balanced_bidi(line: String) -> String {
    const PDF: char = '\u{202c}';
    const PDI: char = '\u{2069}';
    if !line
        .chars()
        .any(|c| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
    {
        return line;
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut open: Vec<char> = Vec::new(); // the closer each open control needs, innermost last
    for c in line.chars() {
        match c {
            '\u{202a}' | '\u{202b}' | '\u{202d}' | '\u{202e}' => open.push(PDF),
            '\u{2066}'..='\u{2068}' => open.push(PDI),
            PDF => {
                if open.last() != Some(&PDF) {
                    continue;
                }
                open.pop();
            }
            PDI => {
                if !open.contains(&PDI) {
                    continue;
                }
                // An isolate's end closes what opened inside it.
                while let Some(closer) = open.pop() {
                    if closer == PDI {
                        break;
                    }
                    out.push(closer);
                }
            }
            _ => {}
        }
        out.push(c);
    }
    out.extend(open.iter().rev());
    out
}

/// A fence line's character ("`" or "~"): optional whitespace, then three or more of it.
fn fence(line: &str) -> Option<char> {
    let rest = line.trim_start_matches(is_space);
    let first = rest.chars().next().filter(|&c| c == '`' || c == '~')?;
    (rest.chars().take_while(|&c| c == first).count() >= 3).then_some(first)
}

/// The lines of `text` (each with its "\n") that `normalize.fix_text` must hand to ftfy or
/// uncurl, in order: (first character, end, whether only its quotes may need uncurling, whether
/// it or a line before it holds a "<"). A line is one when it holds a character ftfy might
/// change (anything but tab, newline and printable ASCII other than "&"), or is longer than
/// `max_chars`; only its quotes when all its characters are tab, newline, printable ASCII or of
/// `uncurls_only`. None at all when the whole text has no character ftfy might change.
pub fn ftfy_lines(
    text: &str,
    uncurls_only: &str,
    max_chars: usize,
) -> Vec<(usize, usize, bool, bool)> {
    let plain = |c: char| c == '\t' || c == '\n' || (' '..='~').contains(&c);
    let fixable = |c: char| c == '&' || !plain(c);
    if !text.chars().any(fixable) {
        return Vec::new();
    }
    let (mut found, mut start, mut after_lt) = (Vec::new(), 0, false);
    for line in text.split_inclusive('\n') {
        let (mut n, mut any_fixable, mut uncurl_only) = (0, false, true);
        for c in line.chars() {
            n += 1;
            after_lt |= c == '<';
            any_fixable |= fixable(c);
            uncurl_only &= plain(c) || uncurls_only.contains(c);
        }
        if any_fixable || n > max_chars {
            found.push((start, start + n, uncurl_only, after_lt));
        }
        start += n;
    }
    found
}

/// Whether a (stripped) line is a row of a Markdown table: it starts and ends with a pipe.
fn table_row(line: &str) -> bool {
    line.len() >= 2 && line.starts_with('|') && line.ends_with('|')
}

/// The bullet every list item gets.
const BULLET: &str = "- ";

impl Layout {
    pub fn new(
        code_token: &str,
        md_block_start: &str,
        md_heading: &str,
        bullet_glyphs: &str,
        bullet_marks: &str,
        spaces: &str,
        code_indent: usize,
    ) -> Result<Self, regex::Error> {
        Ok(Layout {
            code_token: python_pattern(code_token)?,
            md_block_start: python_pattern(md_block_start)?,
            md_heading: python_pattern(md_heading)?,
            bullet_glyphs: bullet_glyphs.chars().collect(),
            bullet_marks: bullet_marks.chars().collect(),
            ascii_spaces: std::array::from_fn(|b| spaces.contains(char::from(b as u8))),
            other_spaces: spaces.chars().filter(|c| !c.is_ascii()).collect(),
            code_indent,
        })
    }

    /// Whether `line` (stripped on the left) starts a list item: a glyph and optional spaces, or a
    /// mark and spaces, then text.
    fn bullet(&self, line: &str) -> bool {
        self.bullet_rest(line).is_some()
    }

    /// A line with a token of code that is no list item.
    fn code_like(&self, line: &str) -> bool {
        self.code_token.is_match(line) && !self.bullet(line.trim_start_matches(is_space))
    }

    /// Which lines are preformatted: a fenced block (fences included; an unclosed fence fences
    /// nothing), or a run of at least two lines `code_indent` deeper than the text's usual
    /// indentation, most of them code-like (blank lines inside a run do not end it). `indents`:
    /// each line's `indent`.
    pub fn preformatted(&self, lines: &[&str], indents: &[usize]) -> Vec<bool> {
        let mut flags = vec![false; lines.len()];
        let mut opened: Option<(usize, char)> = None;
        for (i, line) in lines.iter().enumerate() {
            let Some(c) = fence(line) else { continue };
            match opened {
                None => opened = Some((i, c)),
                Some((start, open)) if open == c => {
                    flags[start..=i].fill(true);
                    opened = None;
                }
                Some(_) => {}
            }
        }
        let blank = |line: &str| line.trim_matches(is_space).is_empty();
        let mut counts: ahash::AHashMap<usize, usize> = ahash::AHashMap::new();
        for ((line, fenced), &width) in lines.iter().zip(&flags).zip(indents) {
            if !fenced && !blank(line) {
                *counts.entry(width).or_default() += 1;
            }
        }
        // The most common indentation; of a tie, the smallest.
        let Some(usual) = counts
            .iter()
            .max_by_key(|&(&width, &n)| (n, std::cmp::Reverse(width)))
            .map(|(&w, _)| w)
        else {
            return flags;
        };
        let mut run: Vec<usize> = Vec::new();
        for i in 0..=lines.len() {
            let line = lines.get(i).copied().unwrap_or("");
            let inside = i < lines.len();
            if inside && !flags[i] && !blank(line) && indents[i] >= usual + self.code_indent {
                run.push(i);
            } else if inside && blank(line) {
                continue;
            } else {
                let code = run.iter().filter(|&&j| self.code_like(lines[j])).count();
                if run.len() >= 2 && 2 * code >= run.len() {
                    flags[run[0]..=run[run.len() - 1]].fill(true);
                }
                run.clear();
            }
        }
        flags
    }

    /// `line` with each run of horizontal spaces one ASCII space, stripped.
    fn spaced(&self, line: &str) -> String {
        let mut out = String::with_capacity(line.len());
        let mut in_run = false;
        for c in line.chars() {
            let space = if c.is_ascii() {
                self.ascii_spaces[c as usize]
            } else {
                self.other_spaces.contains(&c)
            };
            if space {
                if !in_run {
                    out.push(' ');
                }
                in_run = true;
            } else {
                out.push(c);
                in_run = false;
            }
        }
        out.trim_matches(is_space).to_owned()
    }

    /// The text's lines (split at "\n"): a preformatted one right-stripped, any other with its
    /// spaces made one kind and stripped, both with direction controls balanced; each one's
    /// indentation in the text, and which are preformatted.
    pub fn lines(&self, text: &str) -> Lines {
        let raw: Vec<&str> = text.split('\n').collect();
        let indents: Vec<usize> = raw.iter().map(|l| indent(l)).collect();
        let code = self.preformatted(&raw, &indents);
        let lines = raw
            .iter()
            .zip(&code)
            .map(|(line, &pre)| {
                balanced_bidi(if pre {
                    line.trim_end_matches(is_space).to_owned()
                } else {
                    self.spaced(line)
                })
            })
            .collect();
        Lines {
            lines,
            indents,
            code,
        }
    }

    /// Markdown's soft-wrapped lines joined: a single newline inside a paragraph is a space.
    /// Headings, list items, quotes, tables and preformatted lines keep their own lines; a joined
    /// line has the indentation of its first.
    fn unwrap_markdown(&self, found: Lines) -> Lines {
        let mut out = Lines::default();
        for ((line, indent), pre) in found.lines.into_iter().zip(found.indents).zip(found.code) {
            let joinable = match out.lines.last() {
                Some(previous) => {
                    !pre && !out.code.last().copied().unwrap_or(false)
                        && !previous.is_empty()
                        && !line.is_empty()
                        && !self.md_block_start.is_match(&line)
                        && !self.md_heading.is_match(previous)
                        && !["```", "~~~", "|"].iter().any(|p| previous.starts_with(p))
                }
                None => false,
            };
            if joinable {
                let previous = out.lines.last_mut().expect("joinable has a previous line");
                previous.push(' ');
                previous.push_str(&line);
            } else {
                out.lines.push(line);
                out.indents.push(indent);
                out.code.push(pre);
            }
        }
        out
    }

    /// The normalized text of `text` and the indentation each of its lines had there. Its lines
    /// are `lines`'s (with Markdown's soft wraps joined when `markdown`), blank ones dropped and
    /// each list item given one bullet. List items follow one another, and so do the lines of a
    /// preformatted block and a table's rows (Markdown's, as trafilatura writes a table of data:
    /// `| cell | cell |`); every other line is a paragraph of its own, a blank line between.
    pub fn paragraphs(&self, text: &str, markdown: bool) -> (String, Vec<usize>) {
        let mut found = self.lines(text);
        if markdown {
            found = self.unwrap_markdown(found);
        }
        let mut out = String::with_capacity(text.len());
        let mut kept = Vec::new();
        let (mut previous_code, mut previous_item, mut previous_row, mut gap) =
            (false, false, false, false);
        for ((line, indent), pre) in found.lines.iter().zip(&found.indents).zip(&found.code) {
            if line.chars().all(is_space) {
                gap = true;
                continue;
            }
            let line = match self.bullet_rest(line) {
                Some(rest) if !pre => std::borrow::Cow::Owned(format!("{BULLET}{rest}")),
                _ => std::borrow::Cow::Borrowed(line.as_str()),
            };
            let item = !pre && line.starts_with(BULLET);
            let row = !pre && table_row(&line);
            if !kept.is_empty() {
                let tight = (*pre && previous_code && !gap)
                    || (item && previous_item && !previous_code)
                    || (row && previous_row && !gap);
                out.push_str(if tight { "\n" } else { "\n\n" });
            }
            out.push_str(&line);
            kept.push(*indent);
            (previous_item, previous_code, previous_row, gap) = (item, *pre, row, false);
        }
        (out, kept)
    }

    /// The text of a list item after its bullet (a glyph or a mark and the spaces after it), when
    /// `line` (stripped on the left) is one.
    fn bullet_rest<'a>(&self, line: &'a str) -> Option<&'a str> {
        let first = line.chars().next()?;
        let rest = &line[first.len_utf8()..];
        let after = rest.trim_start_matches(is_space);
        let spaced = after.len() < rest.len();
        (!after.is_empty()
            && (self.bullet_glyphs.contains(&first)
                || (spaced && self.bullet_marks.contains(&first))))
        .then_some(after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ftfy_lines_are_those_with_a_character_ftfy_may_change() {
        let text = "plain\na & b\n\u{2019}quoted\u{2019}\n<p> caf\u{e9}\nlast";
        assert_eq!(
            ftfy_lines(text, "\u{2019}", 1000),
            vec![
                (6, 12, true, false),
                (12, 21, true, false),
                (21, 30, false, true)
            ]
        );
        // A line longer than the limit is one too, once the text has anything to fix.
        assert_eq!(
            ftfy_lines("long line\n&", "", 5),
            vec![(0, 10, true, false), (10, 11, true, false)]
        );
        assert!(ftfy_lines("long line\nshort", "", 5).is_empty());
    }

    fn layout() -> Layout {
        Layout::new(
            r"\w\(|[{}\[\];]|\s(?:=|==)\s|:$|^\s*(?:def|return|#)\s",
            r"^(?:#{1,6}\s|[-*+]\s|\d+[.)]\s|>|\||```|~~~)",
            r"^#{1,6}\s+",
            "•·",
            "-*+",
            " \t\u{a0}\u{2000}",
            4,
        )
        .unwrap()
    }

    #[test]
    fn indent_expands_tabs_to_columns_of_four() {
        assert_eq!(indent("\tx"), 4);
        assert_eq!(indent("  \tx"), 4);
        assert_eq!(indent("     \tx"), 8);
        assert_eq!(indent(" \u{a0}x"), 2);
        assert_eq!(indent("x\t"), 0);
        assert_eq!(indent("  \r\tx"), 7);
        assert_eq!(indent(""), 0);
    }

    #[test]
    fn bidi_controls_are_closed_and_strays_dropped() {
        assert_eq!(balanced_bidi("a\u{202e}b".into()), "a\u{202e}b\u{202c}");
        assert_eq!(balanced_bidi("a\u{202c}b".into()), "ab");
        assert_eq!(
            balanced_bidi("\u{2067}\u{202b}x\u{2069}y".into()),
            "\u{2067}\u{202b}x\u{202c}\u{2069}y"
        );
        assert_eq!(balanced_bidi("plain".into()), "plain");
    }

    #[test]
    fn bullets_need_text_after_them() {
        let l = layout();
        assert!(l.bullet("•item") && l.bullet("• item") && l.bullet("- item"));
        assert!(!l.bullet("-item") && !l.bullet("- ") && !l.bullet("•") && !l.bullet("x"));
    }

    #[test]
    fn fenced_and_indented_code_is_preformatted() {
        let l = layout();
        let text = "Intro\n```\nx  =  1\n```\ntext\n    def f(a):\n\n        return a\nafter\n    - a list\n    - of items";
        let found = l.lines(text);
        assert_eq!(
            found.code,
            vec![false, true, true, true, false, true, true, true, false, false, false]
        );
        assert_eq!(found.lines[2], "x  =  1");
        assert_eq!(found.lines[9], "- a list");
        assert_eq!(found.indents, vec![0, 0, 0, 0, 0, 4, 0, 8, 0, 4, 4]);
        // An unclosed fence fences nothing.
        assert_eq!(l.preformatted(&["```", "a"], &[0, 0]), vec![false, false]);
    }

    #[test]
    fn spaces_become_one_and_lines_are_stripped() {
        let found = layout().lines("  a \u{a0}\u{2000} b\t\n\u{1c}c\u{2028}");
        assert_eq!(found.lines, vec!["a b", "c"]);
    }

    #[test]
    fn lines_become_paragraphs_and_list_items_stay_together() {
        let (text, indents) =
            layout().paragraphs("Intro:\n  • one\n·  two\n\n- three\n-x\n\n\nEnd", false);
        assert_eq!(text, "Intro:\n\n- one\n- two\n- three\n\n-x\n\nEnd");
        assert_eq!(indents, vec![0, 2, 0, 0, 0, 0]);
        // A preformatted block keeps its lines together, and a bullet in it is code.
        let (text, _) = layout().paragraphs("a\n```\n- x  = 1\n\n```\n- b", false);
        assert_eq!(text, "a\n\n```\n- x  = 1\n\n```\n\n- b");
        assert_eq!(
            layout().paragraphs(" \n\u{a0}\n", false),
            (String::new(), vec![])
        );
    }

    #[test]
    fn a_tables_rows_stay_together() {
        // As trafilatura writes a table of data (a space after the last pipe); a blank line ends
        // a table, and a lone pipe or a line that does not end in one is no row.
        let text = "Lengths:\n| River | Length | \n|---|---|\n| Nile | 6,650 km |\n\n| Amazon | 6,400 km |\n|\n| a b\nEnd";
        let (text, indents) = layout().paragraphs(text, false);
        assert_eq!(
            text,
            "Lengths:\n\n| River | Length |\n|---|---|\n| Nile | 6,650 km |\n\n| Amazon | 6,400 km |\n\n|\n\n| a b\n\nEnd"
        );
        assert_eq!(indents, vec![0; 8]);
    }

    #[test]
    fn markdown_soft_wraps_are_joined() {
        let text = "# Title\nnext\n  A paragraph that\nwraps.\n- item\nwrapped item\n> quote\n1. first\n|a|\nb";
        let (text, indents) = layout().paragraphs(text, true);
        assert_eq!(
            text,
            "# Title\n\nnext A paragraph that wraps.\n\n- item wrapped item\n\n> quote\n\n1. first\n\n|a|\n\nb"
        );
        assert_eq!(indents, vec![0, 0, 0, 0, 0, 0, 0]);
    }
}
