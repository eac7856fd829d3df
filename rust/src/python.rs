//! `pipeline._core`: the bindings. Text arrives as Python strings borrowed in place (no copy
//! into Rust strings), arrays as numpy views; the work itself runs with the GIL released.

use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;

use std::sync::{Arc, Mutex, MutexGuard};

use ahash::{AHashMap, AHashSet};
use pyo3::types::PyDict;

use std::collections::HashMap;

use crate::{
    candidates, chunks, instances, layout, lexicon, linefeatures, lines, lm, ngrams, pychars,
    sitelines, spunwords, tortured, trees,
};

/// A classifier's trees (the arrays of ``pipeline.language.trees.Trees``), checked once.
#[pyclass(frozen, module = "pipeline._core")]
struct Forest(trees::Forest);

#[pymethods]
impl Forest {
    #[new]
    fn new(
        feature: PyReadonlyArray2<'_, i64>,
        threshold: PyReadonlyArray2<'_, f64>,
        left: PyReadonlyArray2<'_, i64>,
        right: PyReadonlyArray2<'_, i64>,
        value: PyReadonlyArray2<'_, f64>,
    ) -> PyResult<Self> {
        let width = feature.shape()[1];
        let forest = trees::Forest::new(
            contiguous(&feature)?,
            contiguous(&threshold)?,
            contiguous(&left)?,
            contiguous(&right)?,
            contiguous(&value)?,
            width,
        );
        forest.map(Forest).map_err(PyValueError::new_err)
    }

    /// Each row's leaf values summed over the trees (rows: a C-contiguous float64 matrix).
    fn leaf_sums<'py>(
        &self,
        py: Python<'py>,
        rows: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let (n_rows, columns) = (rows.shape()[0], rows.shape()[1]);
        let values = contiguous(&rows)?;
        let sums = py
            .detach(|| self.0.leaf_sums(values, n_rows, columns))
            .map_err(PyValueError::new_err)?;
        Ok(PyArray1::from_vec(py, sums))
    }

    #[getter]
    fn trees(&self) -> usize {
        self.0.trees()
    }
}

fn contiguous<'a, T: numpy::Element, D: numpy::ndarray::Dimension>(
    array: &'a numpy::PyReadonlyArray<'_, T, D>,
) -> PyResult<&'a [T]> {
    array
        .as_slice()
        .map_err(|_| PyValueError::new_err("arrays must be C-contiguous"))
}

/// Gopher repetition's n-gram counts of ``words``: for each size in ``top_sizes`` the most
/// frequent n-gram's characters times its count (None with fewer words than the size), and
/// for each in ``duplicate_sizes`` the characters of n-grams repeating an earlier one.
#[pyfunction]
fn ngram_repetition(
    py: Python<'_>,
    words: Vec<PyBackedStr>,
    top_sizes: Vec<usize>,
    duplicate_sizes: Vec<usize>,
) -> (Vec<Option<usize>>, Vec<usize>) {
    let words: Vec<&str> = words.iter().map(|w| &**w).collect();
    py.detach(|| {
        let grams = ngrams::NGrams::new(&words);
        (
            top_sizes.iter().map(|&n| grams.top_chars(n)).collect(),
            duplicate_sizes
                .iter()
                .map(|&n| grams.duplicate_chars(n))
                .collect(),
        )
    })
}

/// The line-level web-text heuristics' counts (``rust/src/lines.rs``), configured once.
#[pyclass(frozen, module = "pipeline._core")]
struct LineHeuristics {
    punctuation: AHashSet<char>,
    terminal: AHashSet<char>,
    stop_words: AHashSet<String>,
    short_line_chars: usize,
    c4: lines::C4Filter,
}

#[pymethods]
impl LineHeuristics {
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        punctuation: &str,
        terminal: &str,
        stop_words: Vec<String>,
        short_line_chars: usize,
        c4_max_word_chars: usize,
        c4_min_words: usize,
        c4_end_punctuation: Vec<String>,
        c4_ellipsis: String,
        c4_citation: &str,
        c4_policy: Vec<String>,
    ) -> PyResult<Self> {
        let citation =
            regex::Regex::new(c4_citation).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(LineHeuristics {
            punctuation: punctuation.chars().collect(),
            terminal: terminal.chars().collect(),
            stop_words: stop_words.into_iter().collect(),
            short_line_chars,
            c4: lines::C4Filter {
                max_word_chars: c4_max_word_chars,
                min_words: c4_min_words,
                end_punctuation: c4_end_punctuation,
                ellipsis: c4_ellipsis,
                citation,
                policy: c4_policy,
            },
        })
    }

    /// Gopher quality's, Gopher repetition's (lines and paragraphs) and FineWeb's counts of
    /// ``text`` and its ``words``, by name.
    fn counts<'py>(
        &self,
        py: Python<'py>,
        text: PyBackedStr,
        words: Vec<PyBackedStr>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let words: Vec<&str> = words.iter().map(|w| &**w).collect();
        let (g, r, f) = py.detach(|| {
            (
                lines::gopher_counts(&text, &words, &self.punctuation, &self.stop_words),
                lines::repetition_counts(&text),
                lines::fineweb_counts(&text, &self.terminal, self.short_line_chars),
            )
        });
        let out = PyDict::new(py);
        for (name, value) in [
            ("words", g.words),
            ("doc_words", g.doc_words),
            ("doc_word_chars", g.doc_word_chars),
            ("alpha_words", g.alpha_words),
            ("stop_words", g.stop_words),
            ("hashes", g.hashes),
            ("ellipses", g.ellipses),
            ("lines", g.lines),
            ("bullet_lines", g.bullet_lines),
            ("end_ellipsis_lines", g.end_ellipsis_lines),
            ("paragraphs", r.paragraphs),
            ("dup_paragraphs", r.dup_paragraphs),
            ("dup_paragraph_chars", r.dup_paragraph_chars),
            ("newline_lines", r.lines),
            ("dup_lines", r.dup_lines),
            ("dup_line_chars", r.dup_line_chars),
            ("fineweb_lines", f.lines),
            ("fineweb_punct_lines", f.punct_lines),
            ("fineweb_short_lines", f.short_lines),
            ("fineweb_dup_line_chars", f.dup_line_chars),
            ("newlines", f.newlines),
            ("flat_chars", f.flat_chars),
        ] {
            out.set_item(name, value)?;
        }
        Ok(out)
    }

    /// C4's line filter over ``text``: (the kept lines as ``(start, end)`` in characters, the
    /// lines its citation rule rewrote, "lorem ipsum" seen, "{" seen).
    #[allow(clippy::type_complexity)]
    fn c4_lines(
        &self,
        py: Python<'_>,
        text: PyBackedStr,
    ) -> (Vec<(usize, usize)>, Vec<String>, bool, bool) {
        let kept = py.detach(|| self.c4.lines(&text));
        (
            kept.spans,
            kept.rewritten,
            kept.lorem_ipsum,
            kept.curly_bracket,
        )
    }
}

/// spaCy's tokens of texts chunk by chunk, remembered (``rust/src/chunks.rs``): ``missing``
/// names the chunks whose tokens spaCy must give, ``tokens`` takes them and lays out the text's.
/// One memory per process, shared by its threads: each call holds it alone, without the GIL.
#[pyclass(frozen, module = "pipeline._core")]
struct ChunkCache(Mutex<chunks::ChunkCache>);

type FreshChunk = (String, Vec<usize>, Vec<usize>, Vec<usize>);

impl ChunkCache {
    fn lock(&self) -> MutexGuard<'_, chunks::ChunkCache> {
        // A panic inside leaves nothing half-done that matters: the memory is only a memory.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[pymethods]
impl ChunkCache {
    #[new]
    fn new(special: Vec<String>) -> Self {
        ChunkCache(Mutex::new(chunks::ChunkCache::new(
            special.into_iter().collect(),
        )))
    }

    /// The distinct chunks of ``text`` neither plain words nor remembered.
    fn missing<'t>(&self, py: Python<'_>, text: &'t str) -> Vec<&'t str> {
        py.detach(|| self.lock().missing(text))
    }

    /// ``text``'s tokens, (starts, ends, is punctuation, is sentence punctuation, the words),
    /// given ``fresh``: for each chunk ``missing`` named, (chunk, its tokens' starts in it, the
    /// indices of those that are punctuation, of those that are sentence punctuation); or, when
    /// another thread's chunks pushed one out of the memory in between, a list of the chunks it
    /// needs besides. ``capacity``: chunks remembered, in two generations.
    fn tokens<'py>(
        &self,
        py: Python<'py>,
        text: &'py str,
        fresh: Vec<FreshChunk>,
        capacity: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut given = AHashMap::with_capacity(fresh.len());
        for (chunk, starts, punct, sentence) in fresh {
            let found = chunks::Chunk::new(&chunk, starts, punct, sentence)
                .map_err(PyValueError::new_err)?;
            given.insert(chunk, Arc::new(found));
        }
        match py.detach(|| self.lock().tokens(text, given, capacity)) {
            Ok(found) => {
                let words: Vec<&str> = found.words.iter().map(|&(a, b)| &text[a..b]).collect();
                let arrays = (
                    PyArray1::from_vec(py, found.starts),
                    PyArray1::from_vec(py, found.ends),
                    PyArray1::from_vec(py, found.punct),
                    PyArray1::from_vec(py, found.sentence),
                    words,
                );
                Ok(arrays.into_pyobject(py)?.into_any())
            }
            Err(lost) => Ok(lost.into_pyobject(py)?.into_any()),
        }
    }
}

/// Normalization's line work (``rust/src/layout.rs``), configured once with ``normalize.py``'s
/// patterns.
#[pyclass(frozen, module = "pipeline._core")]
struct LineLayout(layout::Layout);

#[pymethods]
impl LineLayout {
    #[new]
    fn new(
        code_token: &str,
        md_block_start: &str,
        md_heading: &str,
        bullet_glyphs: &str,
        bullet_marks: &str,
        spaces: &str,
        code_indent: usize,
    ) -> PyResult<Self> {
        layout::Layout::new(
            code_token,
            md_block_start,
            md_heading,
            bullet_glyphs,
            bullet_marks,
            spaces,
            code_indent,
        )
        .map(LineLayout)
        .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// ``text`` laid out as paragraphs (Markdown's soft wraps joined when ``markdown``), and the
    /// indentation each line kept had in ``text``.
    fn paragraphs(&self, py: Python<'_>, text: &str, markdown: bool) -> (String, Vec<usize>) {
        py.detach(|| self.0.paragraphs(text, markdown))
    }
}

/// The boilerplate line model's features (``rust/src/linefeatures.rs``), configured once with
/// ``features.py``'s columns, word lists and constants and a model's vocabulary.
#[pyclass(frozen, module = "pipeline._core")]
struct LineFeatures(linefeatures::LineFeatures);

#[pymethods]
impl LineFeatures {
    #[new]
    #[pyo3(signature = (*, columns, stopwords, widget_words, terminal, separators, bullet_marks,
        other_digits, prose_min_words, region_line_penalty, article_mark_penalty, widget_line_share, context_radii, context_sources,
        distance_cap, repeats_cap, region_span_cap, topic_radius, no_topic, indent_cap,
        indent_rel_cap, page_means, months, date_letters, token_odds, first_odds))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        columns: Vec<String>,
        stopwords: Vec<String>,
        widget_words: Vec<String>,
        terminal: &str,
        separators: &str,
        bullet_marks: &str,
        other_digits: &str,
        prose_min_words: usize,
        region_line_penalty: i64,
        article_mark_penalty: i64,
        widget_line_share: f64,
        context_radii: Vec<usize>,
        context_sources: Vec<String>,
        distance_cap: usize,
        repeats_cap: usize,
        region_span_cap: f64,
        topic_radius: usize,
        no_topic: f64,
        indent_cap: i64,
        indent_rel_cap: i64,
        page_means: Vec<(String, String)>,
        months: Vec<String>,
        date_letters: Vec<(char, char)>,
        token_odds: HashMap<String, f64>,
        first_odds: HashMap<String, f64>,
    ) -> PyResult<Self> {
        let months = months
            .iter()
            .map(|m| {
                let letters: Vec<char> = m.chars().collect();
                <[char; 3]>::try_from(letters)
                    .map_err(|_| PyValueError::new_err(format!("a month is three letters: {m}")))
            })
            .collect::<PyResult<_>>()?;
        Ok(LineFeatures(linefeatures::LineFeatures {
            columns,
            stopwords: stopwords.into_iter().collect(),
            widget_words: widget_words.into_iter().collect(),
            terminal: terminal.chars().collect(),
            separators: separators.chars().collect(),
            bullet_marks: bullet_marks.chars().collect(),
            other_digits: other_digits.chars().collect(),
            prose_min_words,
            region_line_penalty,
            article_mark_penalty,
            widget_line_share,
            context_radii,
            context_sources,
            distance_cap,
            repeats_cap,
            region_span_cap,
            topic_radius,
            no_topic,
            indent_cap,
            indent_rel_cap,
            page_means,
            months,
            date_letters,
            token_odds: token_odds.into_iter().collect(),
            first_odds: first_odds.into_iter().collect(),
        }))
    }

    /// One row of the columns per line (float64, lines x columns): ``texts`` without their
    /// indentation, ``indents`` its width, ``rule`` per line whether a lexicon rule matches it.
    fn rows<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<PyBackedStr>,
        indents: Vec<i64>,
        rule: Vec<bool>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let texts: Vec<&str> = texts.iter().map(|t| &**t).collect();
        let (n, width) = (texts.len(), self.0.columns.len());
        let values = py
            .detach(|| self.0.rows(&texts, &indents, &rule))
            .map_err(PyValueError::new_err)?;
        PyArray1::from_vec(py, values).reshape([n, width])
    }
}

/// The trigram language model (``rust/src/lm.rs``), read from pocketsphinx's binary trie file.
#[pyclass(frozen, module = "pipeline._core")]
struct TrigramLm(lm::TrigramLm);

#[pymethods]
impl TrigramLm {
    /// The model in the file at ``path``, mapped; below ``log_zero`` a probability is none, a
    /// unit is ``nats_per_unit`` nats.
    #[new]
    #[pyo3(signature = (path, *, log_zero, nats_per_unit))]
    fn new(
        py: Python<'_>,
        path: std::path::PathBuf,
        log_zero: i32,
        nats_per_unit: f64,
    ) -> PyResult<Self> {
        if let Err(e) = std::fs::metadata(&path) {
            return Err(pyo3::exceptions::PyOSError::new_err(format!(
                "{}: {e}",
                path.display()
            )));
        }
        let scale = lm::Scale {
            log_zero,
            nats_per_unit,
        };
        py.detach(|| lm::TrigramLm::open(&path, scale))
            .map(TrigramLm)
            .map_err(|e| PyValueError::new_err(format!("{}: {e}", path.display())))
    }

    /// log P(word | history) in whole LogMath units (base 1.0001), the history nearest first;
    /// None for a word outside the vocabulary.
    #[pyo3(signature = (word, *history))]
    fn units(&self, word: &str, history: Vec<PyBackedStr>) -> Option<i32> {
        let history: Vec<&str> = history.iter().map(|h| &**h).collect();
        self.0.units(word, &history)
    }

    /// ln P(word | history), the history nearest first; None when the model gives none.
    #[pyo3(signature = (word, *history))]
    fn ln_prob(&self, word: &str, history: Vec<PyBackedStr>) -> Option<f64> {
        let history: Vec<&str> = history.iter().map(|h| &**h).collect();
        self.0.ln_prob(word, &history)
    }
}

/// The spun-text word model's features (``rust/src/spunwords.rs``), configured once with
/// ``features.py``'s stop words, Zipf frequencies and constants, reading the trigram model.
#[pyclass(frozen, module = "pipeline._core")]
struct SpunWords {
    words: spunwords::SpunWords,
    lm: Py<TrigramLm>,
}

type FoundWords<'py> = (Bound<'py, PyArray2<usize>>, Bound<'py, PyArray2<f64>>, f64);

#[pymethods]
impl SpunWords {
    #[new]
    #[pyo3(signature = (*, lm, stop_words, zipf, stem_chars, min_chars, worst_share))]
    fn new(
        lm: Py<TrigramLm>,
        stop_words: Vec<String>,
        zipf: HashMap<String, f64>,
        stem_chars: usize,
        min_chars: usize,
        worst_share: f64,
    ) -> Self {
        SpunWords {
            words: spunwords::SpunWords {
                stop: stop_words.into_iter().collect(),
                zipf: zipf.into_iter().collect(),
                stem_chars,
                min_chars,
                worst_share,
            },
            lm,
        }
    }

    /// The content words of ``text``: their character offsets (words x 4: start, end, where the
    /// up to two words before it start, where the word after it ends), one row of features per
    /// word (float64, words x columns), and the mean of the document's worst word fits.
    fn words<'py>(&self, py: Python<'py>, text: &str) -> PyResult<FoundWords<'py>> {
        let lm = &self.lm.get().0;
        let found = py.detach(|| self.words.words(lm, text));
        let n = found.offsets.len() / spunwords::OFFSET_FIELDS;
        let offsets =
            PyArray1::from_vec(py, found.offsets).reshape([n, spunwords::OFFSET_FIELDS])?;
        let rows = PyArray1::from_vec(py, found.rows).reshape([n, spunwords::COLUMNS])?;
        Ok((offsets, rows, found.worst_fits))
    }
}

/// The keyword-stuffing stage's candidates (``rust/src/candidates.rs``), configured once with
/// the stop words and the stage's settings.
#[pyclass(frozen, module = "pipeline._core")]
struct StuffingCandidates {
    stop: AHashSet<String>,
    settings: candidates::Settings,
}

#[pymethods]
impl StuffingCandidates {
    #[new]
    #[pyo3(signature = (stop_words, *, min_instances, min_tokens, max_tokens, min_content_tokens))]
    fn new(
        stop_words: Vec<String>,
        min_instances: usize,
        min_tokens: usize,
        max_tokens: usize,
        min_content_tokens: usize,
    ) -> Self {
        StuffingCandidates {
            stop: stop_words.into_iter().collect(),
            settings: candidates::Settings {
                min_instances,
                min_tokens,
                max_tokens,
                min_content_tokens,
            },
        }
    }

    /// The candidates of ``text``'s body ``blocks`` (each (index, start, end) in characters),
    /// ``removed`` one byte per character: each as (its tokens, its instances (start, end, block)).
    fn find(
        &self,
        py: Python<'_>,
        text: &str,
        blocks: Vec<(usize, usize, usize)>,
        removed: pyo3::pybacked::PyBackedBytes,
    ) -> Vec<candidates::Candidate> {
        py.detach(|| candidates::find(text, &blocks, &removed, &self.stop, &self.settings))
    }
}

/// The keyword-stuffing stage's instance features (``rust/src/instances.rs``), configured once
/// with ``features.py``'s columns and word lists, reading the trigram model.
#[pyclass(frozen, module = "pipeline._core")]
struct StuffingInstances {
    instances: instances::Instances,
    lm: Py<TrigramLm>,
}

#[pymethods]
impl StuffingInstances {
    #[new]
    #[pyo3(signature = (*, lm, columns, stop_words, closers, sentence_punct, abbreviations, no_fit))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        lm: Py<TrigramLm>,
        columns: Vec<String>,
        stop_words: Vec<String>,
        closers: &str,
        sentence_punct: &str,
        abbreviations: Vec<String>,
        no_fit: f64,
    ) -> Self {
        StuffingInstances {
            instances: instances::Instances {
                columns,
                stop: stop_words.into_iter().collect(),
                sentence_end: sentence_end(closers, sentence_punct, abbreviations),
                no_fit,
            },
            lm,
        }
    }

    /// Per candidate (its instances as (start, end, block)): one row per instance (float64,
    /// instances x columns), the variety of the words before and after its instances, and the
    /// share of its instances alone in their clause.
    /// ``blocks``: the body's blocks as (index, start, end) in characters.
    #[allow(clippy::type_complexity)]
    fn describe<'py>(
        &self,
        py: Python<'py>,
        text: &str,
        title: &str,
        blocks: Vec<(usize, usize, usize)>,
        candidates: Vec<Vec<(usize, usize, usize)>>,
    ) -> PyResult<Vec<(Bound<'py, PyArray2<f64>>, f64, f64, f64)>> {
        let lm = &self.lm.get().0;
        let width = self.instances.columns.len();
        let found = py
            .detach(|| {
                self.instances
                    .describe(lm, text, title, &blocks, &candidates)
            })
            .map_err(PyValueError::new_err)?;
        found
            .into_iter()
            .map(|d| {
                let n = d.rows.len() / width.max(1);
                Ok((
                    PyArray1::from_vec(py, d.rows).reshape([n, width])?,
                    d.variety_before,
                    d.variety_after,
                    d.clause_alone,
                ))
            })
            .collect()
    }
}

fn sentence_end(
    closers: &str,
    sentence_punct: &str,
    abbreviations: Vec<String>,
) -> instances::SentenceEnd {
    instances::SentenceEnd {
        closers: closers.chars().collect(),
        sentence_punct: sentence_punct.chars().collect(),
        abbreviations: abbreviations.into_iter().collect(),
    }
}

/// Whether a text ends with a finished sentence (``rust/src/instances.rs``), configured once.
#[pyclass(frozen, module = "pipeline._core")]
struct SentenceEnd(instances::SentenceEnd);

#[pymethods]
impl SentenceEnd {
    #[new]
    fn new(closers: &str, sentence_punct: &str, abbreviations: Vec<String>) -> Self {
        SentenceEnd(sentence_end(closers, sentence_punct, abbreviations))
    }

    fn ends(&self, text: &str) -> bool {
        self.0.ends(&text.chars().collect::<Vec<char>>())
    }
}

/// Marks around a copy: the opening's length at the end of ``before``, and where the closing
/// mark starts and ends in ``after``; (0, (0, 0)) when the copy is not wrapped.
#[pyfunction]
fn stuffing_wrapping(before: &str, after: &str) -> (usize, (usize, usize)) {
    let before: Vec<char> = before.chars().collect();
    let after: Vec<char> = after.chars().collect();
    instances::wrapping(&before, &after)
}

/// The tortured-phrase lexicons' entries by first word (``rust/src/tortured.rs``).
#[pyclass(frozen, module = "pipeline._core")]
struct TorturedIndex(tortured::Index);

#[pymethods]
impl TorturedIndex {
    /// ``entries``: each entry's words (lower case); an entry's id is its place in the list.
    #[new]
    fn new(entries: Vec<Vec<String>>) -> Self {
        TorturedIndex(tortured::Index::new(entries))
    }

    /// Each word of ``text`` where entries may apply: (its number, [(entry id, start, end,
    /// words)] longest first), and the text's words joined (" a b c "), None without one.
    fn options(&self, py: Python<'_>, text: &str) -> (Vec<tortured::Options>, Option<String>) {
        py.detach(|| self.0.options(text))
    }

    /// How many words of ``text`` start an entry (the number of ``options``' words), and where
    /// those start one that fits the words on both sides worse than alone under ``lm``: [(start, end)].
    fn fits(&self, py: Python<'_>, text: &str, lm: &TrigramLm) -> (usize, Vec<(usize, usize)>) {
        py.detach(|| self.0.fits(text, &lm.0))
    }
}

/// A boilerplate lexicon's patterns, compiled (``rust/src/lexicon.rs``).
#[pyclass(frozen, module = "pipeline._core")]
struct BoilerplateLexicon(lexicon::Lexicon);

#[pymethods]
impl BoilerplateLexicon {
    /// ``line``: each line rule's pattern and longest line in characters (None: any); ``inline``:
    /// each inline rule's pattern. A pattern the matcher cannot read raises ValueError.
    #[new]
    fn new(line: Vec<(String, Option<usize>)>, inline: Vec<String>) -> PyResult<Self> {
        lexicon::Lexicon::new(&line, &inline)
            .map(BoilerplateLexicon)
            .map_err(PyValueError::new_err)
    }

    /// For each of ``lines``, the index of the first line rule that matches all of it, -1 for none.
    fn first(&self, py: Python<'_>, lines: Vec<PyBackedStr>) -> Vec<i64> {
        py.detach(|| {
            lines
                .iter()
                .map(|line| self.0.first(line).map_or(-1, |rule| rule as i64))
                .collect()
        })
    }

    /// Every inline rule's matches in each of ``texts``: (text, rule, start, end), text by text,
    /// then rule by rule, in characters.
    fn inline(&self, py: Python<'_>, texts: Vec<PyBackedStr>) -> Vec<(usize, usize, usize, usize)> {
        py.detach(|| {
            texts
                .iter()
                .enumerate()
                .flat_map(|(i, text)| {
                    self.0
                        .inline(text)
                        .into_iter()
                        .map(move |(rule, start, end)| (i, rule, start, end))
                })
                .collect()
        })
    }
}

/// Why the lexicon matcher cannot read ``pattern``; None when it can.
#[pyfunction]
fn lexicon_pattern_error(pattern: &str) -> Option<String> {
    lexicon::check(pattern).err()
}

/// The lines of ``text`` that ``normalize.fix_text`` hands to ftfy or uncurls (``rust/src/layout.rs``):
/// (first character, end, only quotes to uncurl, after a "<").
#[pyfunction]
fn ftfy_lines(
    py: Python<'_>,
    text: &str,
    uncurls_only: &str,
    max_chars: usize,
) -> Vec<(usize, usize, bool, bool)> {
    py.detach(|| layout::ftfy_lines(text, uncurls_only, max_chars))
}

/// A site's key in the counting pass (``rust/src/sitelines.rs``): the key its lines' keys are made as.
#[pyfunction]
fn site_key(site: &str) -> u64 {
    sitelines::key(site.as_bytes())
}

/// The keys of a document's distinct body lines on ``site`` (``rust/src/sitelines.rs``): what
/// the counting pass's map spills.
#[pyfunction]
fn site_line_keys<'py>(
    py: Python<'py>,
    site: &str,
    text: &str,
    title: &str,
) -> Bound<'py, PyArray1<u64>> {
    let keys = py.detach(|| sitelines::line_keys(site, &sitelines::body_lines(text, title)));
    PyArray1::from_vec(py, keys)
}

/// A document's distinct body lines and their keys on ``site`` (``rust/src/sitelines.rs``).
#[pyfunction]
fn site_lines<'py>(
    py: Python<'py>,
    site: &str,
    text: &str,
    title: &str,
) -> (Vec<String>, Bound<'py, PyArray1<u64>>) {
    let (lines, keys) = py.detach(|| {
        let lines = sitelines::body_lines(text, title);
        let keys = sitelines::line_keys(site, &lines);
        (lines.into_iter().map(str::to_owned).collect(), keys)
    });
    (lines, PyArray1::from_vec(py, keys))
}

/// How many words ``text`` has, as Python's ``len(re.findall(r"\w+", text))`` counts them.
#[pyfunction]
fn count_words(py: Python<'_>, text: &str) -> usize {
    py.detach(|| pychars::words(text).len())
}

/// The keyword-stuffing stage's tokens of ``text`` (``TOKEN``'s matches) as (start, end) in characters.
#[pyfunction]
fn stuffing_tokens(py: Python<'_>, text: &str) -> Vec<(usize, usize)> {
    py.detach(|| {
        let chars: Vec<char> = text.chars().collect();
        candidates::tokens(&chars, 0, chars.len())
    })
}

/// The stuffing features' document counts (``candidates.rs``'s ``token_counts``): how many
/// ``TOKEN``s ``text`` has, and for each of ``words`` (keys) (how many tokens are that word in any
/// case, whether one is written as the word, all lower case).
#[pyfunction]
fn stuffing_token_counts(
    py: Python<'_>,
    text: &str,
    words: Vec<String>,
) -> (usize, Vec<(usize, bool)>) {
    py.detach(|| {
        let chars: Vec<char> = text.chars().collect();
        candidates::token_counts(&chars, &words)
    })
}

#[pymodule]
fn _core(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Forest>()?;
    module.add_class::<LineHeuristics>()?;
    module.add_class::<ChunkCache>()?;
    module.add_class::<LineLayout>()?;
    module.add_function(wrap_pyfunction!(site_key, module)?)?;
    module.add_function(wrap_pyfunction!(site_line_keys, module)?)?;
    module.add_function(wrap_pyfunction!(site_lines, module)?)?;
    module.add_class::<LineFeatures>()?;
    module.add_class::<TrigramLm>()?;
    module.add_class::<SpunWords>()?;
    module.add_class::<StuffingCandidates>()?;
    module.add_class::<StuffingInstances>()?;
    module.add_class::<SentenceEnd>()?;
    module.add_class::<TorturedIndex>()?;
    module.add_class::<BoilerplateLexicon>()?;
    module.add_function(wrap_pyfunction!(lexicon_pattern_error, module)?)?;
    module.add_function(wrap_pyfunction!(count_words, module)?)?;
    module.add_function(wrap_pyfunction!(ftfy_lines, module)?)?;
    module.add_function(wrap_pyfunction!(ngram_repetition, module)?)?;
    module.add_function(wrap_pyfunction!(stuffing_tokens, module)?)?;
    module.add_function(wrap_pyfunction!(stuffing_token_counts, module)?)?;
    module.add_function(wrap_pyfunction!(stuffing_wrapping, module)?)?;
    Ok(())
}
