//! The spun-text word model's features of each content word (`pipeline/stages/spun/features.py`
//! says what each column is and why; it names the columns, and hands over the stop words and the
//! Zipf frequencies once). The values equal the Python computation they replace: the same words
//! (`FIT_WORD`: ASCII letters with one inner apostrophe), the same trigram queries, the same
//! float64 arithmetic.

use ahash::{AHashMap, AHashSet};

use crate::lm::TrigramLm;

/// The columns of one word's row (`WORD_FEATURES`).
pub const COLUMNS: usize = 17;

/// Character offsets per content word in `Words::offsets`: its start and end, where the up to two
/// words before it in its stretch start (its start when none) and where the word after it ends
/// (its end when none). The words themselves are read from the text only where needed.
pub const OFFSET_FIELDS: usize = 4;

/// The content words of a text: `OFFSET_FIELDS` offsets and `COLUMNS` values each.
#[derive(Default)]
pub struct Words {
    pub offsets: Vec<usize>,
    pub rows: Vec<f64>,
    /// The mean of the worst `worst_share` of every word's fit to the words before it in its
    /// stretch (ln P(w | one or two words before) - ln P(w), function words included); 0 when
    /// no two known words stand side by side.
    pub worst_fits: f64,
}

pub struct SpunWords {
    pub stop: AHashSet<String>,
    pub zipf: AHashMap<String, f64>,
    /// A word's stem, for counting how the document uses it, is its first this many letters.
    pub stem_chars: usize,
    /// Words shorter than this are left out.
    pub min_chars: usize,
    /// The share of a document's word fits, the worst ones, whose mean `Words::worst_fits` is.
    pub worst_share: f64,
}

/// `FIT_WORD` (`[A-Za-z]+(?:'[A-Za-z]+)?`) over `text`: each match's character span and byte span.
fn fit_words(text: &str) -> Vec<((usize, usize), (usize, usize))> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let n = chars.len();
    let letter = |k: usize| k < n && chars[k].1.is_ascii_alphabetic();
    let byte = |k: usize| if k < n { chars[k].0 } else { text.len() };
    let mut found = Vec::new();
    let mut k = 0;
    while k < n {
        if !letter(k) {
            k += 1;
            continue;
        }
        let start = k;
        while letter(k) {
            k += 1;
        }
        if k < n && chars[k].1 == '\'' && letter(k + 1) {
            k += 1;
            while letter(k) {
                k += 1;
            }
        }
        found.push(((start, k), (byte(start), byte(k))));
    }
    found
}

impl SpunWords {
    pub fn words(&self, lm: &TrigramLm, text: &str) -> Words {
        let matches = fit_words(text);
        let lowered: Vec<String> = matches
            .iter()
            .map(|&(_, (a, b))| text[a..b].to_ascii_lowercase())
            .collect();
        // Stretches: runs of words with one space between each.
        let mut stretches = Vec::new();
        let mut first = 0;
        for k in 1..=matches.len() {
            let joined = k < matches.len() && {
                let ((_, end), (_, end_byte)) = matches[k - 1];
                matches[k].0 .0 == end + 1 && text.as_bytes()[end_byte] == b' '
            };
            if !joined {
                if k - first > 1 {
                    stretches.push((first, k));
                }
                first = k;
            }
        }
        // How the document uses words: each word, each stem, each slot (the words on either side
        // of one), each slot filled with a given word.
        let mut usage_words: AHashMap<&str, usize> = AHashMap::new();
        let mut stems: AHashMap<&str, usize> = AHashMap::new();
        for w in &lowered {
            *usage_words.entry(w).or_default() += 1;
            *stems.entry(&w[..w.len().min(self.stem_chars)]).or_default() += 1;
        }
        let mut slots: AHashMap<(&str, &str), i64> = AHashMap::new();
        let mut filled: AHashMap<(&str, &str, &str), i64> = AHashMap::new();
        for &(a, b) in &stretches {
            for j in a..b.saturating_sub(2) {
                *slots.entry((&lowered[j], &lowered[j + 2])).or_default() += 1;
                *filled
                    .entry((&lowered[j], &lowered[j + 1], &lowered[j + 2]))
                    .or_default() += 1;
            }
        }
        let mut found = Words::default();
        let mut fits = Vec::new();
        for &(a, b) in &stretches {
            let t: Vec<&str> = lowered[a..b].iter().map(String::as_str).collect();
            let n = t.len();
            let zipf = |w: &str| self.zipf.get(w).copied().unwrap_or(0.0);
            // Each word's id is looked up once.
            let ids: Vec<Option<u32>> = t.iter().map(|w| lm.id(w)).collect();
            let prob = |j: usize, h: &[usize]| {
                let history = [
                    h.first().and_then(|&k| ids[k]),
                    h.get(1).and_then(|&k| ids[k]),
                ];
                ids[j].and_then(|w| lm.ln_prob_of(w, &history))
            };
            // ln P(t[j] | two words before) and ln P(t[j] | one word before).
            let trigram = |j: usize| match j {
                0 => prob(0, &[]),
                1 => prob(1, &[0]),
                _ => prob(j, &[j - 1, j - 2]),
            };
            let bigram = |j: usize| {
                if j == 0 {
                    prob(0, &[])
                } else {
                    prob(j, &[j - 1])
                }
            };
            // Each word's ln P alone and after the words before it, asked once: every word's fit
            // (the worst ones are a document feature), and a content word's and its next word's.
            let alone: Vec<Option<f64>> = (0..n).map(|j| prob(j, &[])).collect();
            let after_before: Vec<Option<f64>> = (0..n).map(trigram).collect();
            for i in 1..n {
                if let (Some(_), Some(own), Some(fit)) = (ids[i - 1], alone[i], after_before[i]) {
                    fits.push(fit - own);
                }
            }
            for (i, &word) in t.iter().enumerate() {
                let ((start, end), (start_byte, _)) = matches[a + i];
                if word.len() < self.min_chars
                    || self.stop.contains(word)
                    || text.as_bytes()[start_byte].is_ascii_uppercase()
                {
                    continue;
                }
                let mut row = [
                    zipf(word),
                    0.0,
                    if i > 0 { zipf(t[i - 1]) } else { -1.0 },
                    if i + 1 < n { zipf(t[i + 1]) } else { -1.0 },
                    0.0,
                    1.0,
                    0.0,
                    1.0,
                    0.0,
                    1.0,
                    0.0,
                    1.0,
                    0.0,
                    1.0,
                    (usage_words[word] as f64).ln(),
                    (stems[&word[..word.len().min(self.stem_chars)]] as f64).ln(),
                    if 0 < i && i + 1 < n {
                        let slot = slots.get(&(t[i - 1], t[i + 1])).copied().unwrap_or(0);
                        (slot
                            - filled
                                .get(&(t[i - 1], word, t[i + 1]))
                                .copied()
                                .unwrap_or(0)) as f64
                    } else {
                        -1.0
                    },
                ];
                match alone[i] {
                    None => row[1] = 1.0,
                    Some(own) => {
                        (row[12], row[13]) = (own, 0.0);
                        // A known word has a probability in any context.
                        (row[4], row[5]) = (after_before[i].unwrap_or(own) - own, 0.0);
                        (row[6], row[7]) = (bigram(i).unwrap_or(own) - own, 0.0);
                        if i + 1 < n {
                            // The next word after this one, against after the word before this one.
                            let before = if i > 0 {
                                prob(i + 1, &[i - 1])
                            } else {
                                alone[i + 1]
                            };
                            if let (Some(after), Some(before)) = (after_before[i + 1], before) {
                                (row[8], row[9]) = (after - before, 0.0);
                            }
                            if let (Some(after1), Some(before1)) = (bigram(i + 1), alone[i + 1]) {
                                (row[10], row[11]) = (after1 - before1, 0.0);
                            }
                        }
                    }
                }
                found.rows.extend_from_slice(&row);
                let before = matches[a + i.saturating_sub(2)].0 .0;
                let after = if i + 1 < n {
                    matches[a + i + 1].0 .1
                } else {
                    end
                };
                found
                    .offsets
                    .extend_from_slice(&[start, end, before, after]);
            }
        }
        found.worst_fits = mean_of_lowest(&mut fits, self.worst_share);
        found
    }
}

/// The mean of the lowest `share` of `values` (at least one of them); 0 for none.
fn mean_of_lowest(values: &mut [f64], share: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let k = ((values.len() as f64 * share) as usize).max(1);
    values[..k].iter().sum::<f64>() / k as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_fits_are_the_mean_of_the_lowest_share_and_at_least_one() {
        let mut values = [3.0, -4.0, 1.0, -2.0, 0.0, 5.0, -1.0, 2.0, 4.0, -3.0];
        assert_eq!(mean_of_lowest(&mut values, 0.2), -3.5);
        assert_eq!(mean_of_lowest(&mut values, 0.05), -4.0);
        assert_eq!(mean_of_lowest(&mut [], 0.05), 0.0);
    }

    #[test]
    fn fit_words_are_ascii_letters_with_one_inner_apostrophe() {
        let spans: Vec<(usize, usize)> = fit_words("don't café x''y rock'n'roll 42b")
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        // "café" gives "caf"; "x''y" two words; "rock'n'roll" is "rock'n" and "roll".
        assert_eq!(
            spans,
            vec![
                (0, 5),
                (6, 9),
                (11, 12),
                (14, 15),
                (16, 22),
                (23, 27),
                (30, 31)
            ]
        );
    }
}
