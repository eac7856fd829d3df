//! The boilerplate lexicon's patterns, matched (`pipeline/stages/boilerplate.py` says what its
//! rules are): the first line rule that matches a whole line, and where each inline rule matches
//! inside a block. Patterns are written in Python's syntax and read as Python's `re` reads them
//! with IGNORECASE: Python's `\s` and `\w` ([`python_syntax`]), and its case equivalences, which
//! are simple case folding plus "İ" and "ı" as "i" (folded in the pattern and the text alike: one
//! character for one, so offsets in characters stay). Where the two differ, `\b` is the crate's.

use std::borrow::Cow;

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use crate::pychars::python_syntax;

/// A compiled lexicon: its line rules (a set tried at once) and its inline rules, in order.
#[derive(Debug)]
pub struct Lexicon {
    lines: RegexSet,
    /// Each line rule's longest line, in characters (None: any length).
    limits: Vec<Option<usize>>,
    /// Each inline rule and the group whose span it removes (its `span` group, or the match).
    inline: Vec<(Regex, usize)>,
}

/// Python's case equivalences that simple case folding lacks: the dotted capital and the dotless
/// small i are "i" to Python ignoring case.
fn fold_dotted(text: &str) -> Cow<'_, str> {
    if text.contains(['İ', 'ı']) {
        Cow::Owned(text.replace(['İ', 'ı'], "i"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A pattern as the crate reads it: Python's classes, the dotted i's folded.
fn translated(pattern: &str) -> String {
    python_syntax(&fold_dotted(pattern))
}

/// One pattern, compiled ignoring case; the error a reader can act on when it cannot be.
fn compiled(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(&translated(pattern))
        .case_insensitive(true)
        .build()
        .map_err(|e| e.to_string())
}

/// Whether `pattern` compiles; the error a reader can act on when not.
pub fn check(pattern: &str) -> Result<(), String> {
    compiled(pattern).map(|_| ())
}

impl Lexicon {
    /// The lexicon of `line` rules (pattern, longest line in characters) and `inline` patterns.
    pub fn new(line: &[(String, Option<usize>)], inline: &[String]) -> Result<Lexicon, String> {
        let lines = RegexSetBuilder::new(
            line.iter()
                .map(|(pattern, _)| format!("^(?:{})$", translated(pattern))),
        )
        .case_insensitive(true)
        .build()
        .map_err(|e| e.to_string())?;
        let inline = inline
            .iter()
            .map(|pattern| {
                let regex = compiled(pattern)?;
                let group = regex
                    .capture_names()
                    .position(|name| name == Some("span"))
                    .unwrap_or(0);
                Ok((regex, group))
            })
            .collect::<Result<_, String>>()?;
        Ok(Lexicon {
            lines,
            limits: line.iter().map(|&(_, limit)| limit).collect(),
            inline,
        })
    }

    /// The first line rule that matches all of `line` within its length limit.
    pub fn first(&self, line: &str) -> Option<usize> {
        let line = fold_dotted(line);
        let matched = self.lines.matches(&line);
        if !matched.matched_any() {
            return None;
        }
        let length = line.chars().count();
        matched
            .iter()
            .find(|&rule| self.limits[rule].is_none_or(|limit| length <= limit))
    }

    /// Every inline rule's matches in `text` that are not empty, rule by rule, each in order:
    /// (rule, start, end) in characters.
    pub fn inline(&self, text: &str) -> Vec<(usize, usize, usize)> {
        let text = fold_dotted(text);
        let mut found = Vec::new();
        for (rule, (regex, group)) in self.inline.iter().enumerate() {
            // Most texts hold no match: the fast search says so before captures are looked for.
            if !regex.is_match(&text) {
                continue;
            }
            for captures in regex.captures_iter(&text) {
                if let Some(span) = captures.get(*group).filter(|m| !m.is_empty()) {
                    let start = text[..span.start()].chars().count();
                    found.push((rule, start, start + span.as_str().chars().count()));
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        Lexicon::new(
            &[
                (r"click here\b.*".into(), Some(20)),
                (r"(?:read|see) more\W*".into(), None),
                (r"click.*".into(), None),
            ],
            &[
                r"^[^{]*?(?P<span>\s\d{0,3}\}{1,2})\s*$".into(),
                r"\{\{[^{}\n]{0,80}\}\}".into(),
            ],
        )
        .unwrap()
    }

    #[test]
    fn the_first_rule_within_its_limit_names_a_line() {
        let lexicon = lexicon();
        assert_eq!(lexicon.first("Click HERE now"), Some(0));
        // Over the first rule's 20 characters, the third (any length) names it.
        assert_eq!(lexicon.first("Click here for the whole story"), Some(2));
        assert_eq!(lexicon.first("See more »"), Some(1));
        // A whole line only, in Python's case equivalences.
        assert_eq!(lexicon.first("Please click here"), None);
        assert_eq!(lexicon.first("clİck here"), Some(0));
        assert_eq!(lexicon.first("Read more\u{1c}"), Some(1));
    }

    #[test]
    fn inline_rules_give_their_span_group_in_characters() {
        let lexicon = lexicon();
        assert_eq!(lexicon.inline("Prix é 1}"), vec![(0, 6, 9)]);
        assert_eq!(
            lexicon.inline("é {{ name }} and {{x}}"),
            vec![(1, 2, 12), (1, 17, 22)]
        );
        assert_eq!(lexicon.inline("nothing here"), vec![]);
    }

    #[test]
    fn a_pattern_the_crate_cannot_read_is_an_error() {
        assert!(check(r"(a)\1").is_err());
        assert!(check(r"(?<=a)b").is_err());
        assert!(check(r"a\s+b").is_ok());
    }
}
