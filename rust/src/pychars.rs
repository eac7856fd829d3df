//! Python's character classes, which every port must read as Python does: `str.isspace` (and
//! re's `\s`), `str.isalpha`, `str.isalnum` (re's `[^\W_]`), re's `\w` and `\d`, and the case
//! tests of `str.islower` and `str.isupper`. Categories are read from the `unicode-general-category`
//! crate's tables, which may be a Unicode version newer than Python's (3.11: Unicode 14): a
//! character assigned since then counts by its new category here. `\w` is taken as letters and
//! numbers (L*, N*) and "_": Python's `isalnum` also counts characters with a numeric value
//! outside N*, all of which are letters (CJK numerals) in these tables.

use regex::{Regex, RegexBuilder};
use unicode_general_category::{get_general_category, GeneralCategory};

/// Python's `\s` as a class, for patterns written in Python's syntax.
const SPACE: &str = r"[\t\n\x0B\x0C\r\x1C-\x1F \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]";
/// Python's `\w`.
const WORD: &str = r"[\p{L}\p{N}_]";

/// A pattern written in Python's syntax, as the `regex` crate reads it with Python's classes:
/// `\s`, `\S`, `\w` and `\W` become Python's sets (in or out of brackets: a class may hold a
/// class). `\d` is Unicode's Nd in both. `\b` stays the crate's: a boundary of its own `\w`,
/// which holds marks and connector punctuation and no numbers but digits ("²"), where Python's
/// holds no marks and every number (no pattern can redefine it without lookaround, which the
/// crate does not have).
pub fn python_syntax(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('s') => out.push_str(SPACE),
            Some('S') => out.push_str(&SPACE.replacen('[', "[^", 1)),
            Some('w') => out.push_str(WORD),
            Some('W') => out.push_str(&WORD.replacen('[', "[^", 1)),
            Some(next) => {
                out.push('\\');
                out.push(next);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// [`python_syntax`]'s pattern, compiled.
pub fn python_pattern(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(&python_syntax(pattern)).build()
}

/// `str.isspace`: Unicode's White_Space and the four ASCII separators U+001C-U+001F.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `str.isalpha` for one character: the general categories L*.
pub fn is_alpha(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    use GeneralCategory::*;
    matches!(
        get_general_category(c),
        UppercaseLetter | LowercaseLetter | TitlecaseLetter | ModifierLetter | OtherLetter
    )
}

/// `str.isalnum` for one character (re's `[^\W_]`): letters and numbers.
pub fn is_alnum(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    use GeneralCategory::*;
    is_alpha(c)
        || matches!(
            get_general_category(c),
            DecimalNumber | LetterNumber | OtherNumber
        )
}

/// re's `\w`.
pub fn is_word(c: char) -> bool {
    c == '_' || is_alnum(c)
}

/// re's `\d`: the general category Nd.
pub fn is_decimal(c: char) -> bool {
    c.is_ascii_digit()
        || (!c.is_ascii() && get_general_category(c) == GeneralCategory::DecimalNumber)
}

/// re's `[^\W\d_]`: letters and the numbers that are not decimal digits ("½", "Ⅻ").
pub fn is_letter(c: char) -> bool {
    is_alnum(c) && !is_decimal(c)
}

/// `str.islower`: a cased character, and no upper or title case one.
pub fn is_lower(s: &str) -> bool {
    cased_only(s, char::is_lowercase, char::is_uppercase)
}

/// `str.isupper`: a cased character, and no lower or title case one.
pub fn is_upper(s: &str) -> bool {
    cased_only(s, char::is_uppercase, char::is_lowercase)
}

/// `str.isupper` of one character: upper case and not title case (no string made).
pub fn is_upper_char(c: char) -> bool {
    c.is_uppercase() && !is_title(c)
}

/// A character of case `case`, and none of case `other` or title case.
fn cased_only(s: &str, case: fn(char) -> bool, other: fn(char) -> bool) -> bool {
    let mut cased = false;
    for c in s.chars() {
        if other(c) || is_title(c) {
            return false;
        }
        cased |= case(c);
    }
    cased
}

/// The end of the run of characters `class` takes in `chars[from..to]` (`from` when none).
pub fn run_end(chars: &[char], from: usize, to: usize, class: impl Fn(char) -> bool) -> usize {
    from + chars[from..to].iter().take_while(|&&c| class(c)).count()
}

/// The start of the run of characters `class` takes that ends at `to` (`to` when none).
pub fn run_start(chars: &[char], to: usize, class: impl Fn(char) -> bool) -> usize {
    to - chars[..to].iter().rev().take_while(|&&c| class(c)).count()
}

/// The end of `C+(?:[J]C+){0,max_joins}` matched at `start` (a character of `class`, C) in
/// `chars[..to]`, J one of `joiners`: the patterns of words with inner marks (`TOKEN`'s,
/// `LEXICON_WORD`, `LM_WORD`). Each run is taken whole, so the greedy match is re's.
pub fn joined_end(
    chars: &[char],
    start: usize,
    to: usize,
    class: fn(char) -> bool,
    joiners: &[char],
    max_joins: usize,
) -> usize {
    let mut end = run_end(chars, start, to, class);
    for _ in 0..max_joins {
        if end + 1 >= to || !joiners.contains(&chars[end]) || !class(chars[end + 1]) {
            break;
        }
        end = run_end(chars, end + 1, to, class);
    }
    end
}

/// A word as the stuffing keys and the tortured-phrase lexicons compare it: Python's `lower()`,
/// "’" as "'".
pub fn folded(chars: &[char]) -> String {
    let mut out = String::with_capacity(chars.len());
    fold_into(&mut out, chars);
    out
}

/// [`folded`], written at the end of `out`.
pub fn fold_into(out: &mut String, chars: &[char]) {
    if chars.iter().all(|&c| c.is_ascii() || c == '’') {
        // What the general way gives, without its copies of the word.
        out.extend(chars.iter().map(|&c| {
            if c == '’' {
                '\''
            } else {
                c.to_ascii_lowercase()
            }
        }));
    } else {
        out.push_str(
            &chars
                .iter()
                .collect::<String>()
                .to_lowercase()
                .replace('’', "'"),
        );
    }
}

/// Python's `\w+` matches of `s`, in order.
pub fn words(s: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        match (is_word(c), start) {
            (true, None) => start = Some(i),
            (false, Some(a)) => {
                found.push(&s[a..i]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(a) = start {
        found.push(&s[a..]);
    }
    found
}

fn is_title(c: char) -> bool {
    !c.is_ascii() && get_general_category(c) == GeneralCategory::TitlecaseLetter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_classes_in_patterns() {
        let p = python_pattern(r"^\s+\w+\.$").unwrap();
        assert!(p.is_match("\u{1c} x_1\u{b2}."));
        // U+093E is a mark: no \w to Python, though Rust's own \w takes it.
        assert!(!p.is_match(" \u{93e}."));
        let not = python_pattern(r"^\S\W$").unwrap();
        assert!(not.is_match("x\u{93e}") && !not.is_match("\u{1c}-") && !not.is_match("x_"));
        assert!(python_pattern(r"^[^\s]+$").unwrap().is_match("a\u{b2}"));
        // An escaped backslash is a backslash: "[\\s]" holds it and "s", no space.
        let escaped = python_pattern(r"^[\\s]$").unwrap();
        assert!(escaped.is_match("s") && escaped.is_match("\\") && !escaped.is_match(" "));
    }

    #[test]
    fn python_whitespace_and_letters() {
        assert!(is_space('\u{1f}') && is_space('\u{a0}') && is_space('\u{3000}'));
        assert!(!is_space('\u{200b}') && !is_space('\u{180e}'));
        // A Devanagari vowel sign is Alphabetic in Unicode but not a letter to Python; a
        // Roman numeral neither.
        assert!(is_alpha('é') && is_alpha('ж') && is_alpha('ʰ'));
        assert!(!is_alpha('\u{93e}') && !is_alpha('Ⅻ') && !is_alpha('1'));
        assert!(
            is_alnum('Ⅻ') && is_letter('½') && !is_letter('٣') && is_word('_') && !is_alnum('_')
        );
    }

    #[test]
    fn words_are_python_word_runs() {
        assert_eq!(
            words("Hello, wörld_1 ½ — x²"),
            vec!["Hello", "wörld_1", "½", "x²"]
        );
        assert_eq!(words(""), Vec::<&str>::new());
    }

    #[test]
    fn runs_and_joined_words() {
        let chars: Vec<char> = "  it’s a-b--c 1.5,2".chars().collect();
        assert_eq!(run_end(&chars, 0, chars.len(), is_space), 2);
        assert_eq!(run_start(&chars, 2, is_space), 0);
        assert_eq!(run_start(&chars, 6, is_alnum), 5);
        let quote = ['\'', '’'];
        assert_eq!(
            joined_end(&chars, 2, chars.len(), is_alnum, &quote, usize::MAX),
            6
        );
        assert_eq!(
            joined_end(&chars, 7, chars.len(), is_alnum, &['-'], usize::MAX),
            10
        );
        assert_eq!(
            joined_end(&chars, 14, chars.len(), is_decimal, &['.', ','], 1),
            17
        );
        assert_eq!(
            joined_end(&chars, 14, 16, is_decimal, &['.', ','], usize::MAX),
            15
        );
        assert_eq!(folded(&chars[2..6]), "it's");
    }

    #[test]
    fn case_tests_need_a_cased_character() {
        assert!(is_lower("shoes") && is_lower("ß1") && !is_lower("Shoes") && !is_lower("123"));
        assert!(is_upper("SEO 2025") && !is_upper("ǅ") && !is_upper("½"));
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(is_upper_char(c), is_upper(&c.to_string()), "{c}");
        }
    }
}
