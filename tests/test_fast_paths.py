"""Each fast path gives exactly what the plain computation it replaces gives."""

from __future__ import annotations

import random
import re
from collections import Counter

import ftfy

from pipeline._core import ngram_repetition
from pipeline.core.decide import DUP_NGRAM_SIZES, TOP_NGRAM_SIZES
from pipeline.stages.boilerplate import Lexicon, Rule, load_lexicon
from pipeline.stages.normalize import fix_text
from pipeline.stages.quality import tokens as quality_tokens
from pipeline.stages.quality.tokens import Tokens, sentence_count, words_of
from tests.conftest import RAW


def _reference_duplicate_chars(words: list[str], n: int) -> int:
    """Gopher's walk as datatrove writes it."""
    seen, chars, i = set(), 0, 0
    while i < len(words) - n + 1:
        gram = "".join(words[i : i + n])
        if gram in seen:
            chars += len(gram)
            i += n
        else:
            seen.add(gram)
            i += 1
    return chars


def _reference_top_chars(words: list[str], n: int) -> int | None:
    """datatrove's most frequent n-gram: joined by spaces, counted, the first of a tie."""
    if len(words) < n:
        return None
    gram, count = Counter(" ".join(words[i : i + n]) for i in range(len(words) - n + 1)).most_common(1)[0]
    return len(gram) * count


def test_ngram_repetition_is_datatrove_s():
    rng = random.Random(7)
    # A small vocabulary makes repeats; "ab"+"c" and "a"+"bc" join to the same n-gram, as in
    # datatrove; words holding a space ("a b") join with others into equal top n-grams.
    vocabulary = ["a", "ab", "c", "bc", "the", "cat", "sat", "é", "\U0001f600", "a b", "b"]
    cases = [[rng.choice(vocabulary) for _ in range(rng.randint(0, 40))] for _ in range(500)]
    for words in cases:
        tops, duplicates = ngram_repetition(words, TOP_NGRAM_SIZES, DUP_NGRAM_SIZES)
        assert tops == [_reference_top_chars(words, n) for n in TOP_NGRAM_SIZES]
        assert duplicates == [_reference_duplicate_chars(words, n) for n in DUP_NGRAM_SIZES]
    # Repeats at word 5 and word 10 (the walk skips past each): 2 x 5 characters; "x long" (6
    # characters) and "long long" (9) both twice: the first seen wins the tie.
    assert ngram_repetition("a b c d e a b c d e a b c d e".split(), (), (5,)) == ([], [10])
    assert ngram_repetition(["x", "long", "long", "x", "long", "long"], (2,), ()) == ([12], [])


def test_words_and_sentences_are_spacys():
    text = "Dr. Smith said: \"It works!\" Then he left...  Next (really) line? Yes.\n\nNew  para."
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    assert words_of(text) == [t.text.strip() for t in nlp.tokenizer(text) if t.text.strip()]
    for line in ["One. Two! Three?", "No end", "Ends with quote.\" Next one.", "... leading dots. Then.", "a  . b"]:
        assert sentence_count(line) == len(list(nlp(line).sents))


def test_tokens_are_spacys_token_for_token(monkeypatch):
    """Chunk by chunk, remembered, and with plain words taken as they are, the tokens are still
    spaCy's: texts, starts, punctuation, whitespace tokens (a run less the space that trails a
    token), special cases ("Cannot", "dont"), and after the memories are dropped and started afresh."""
    import spacy

    nlp = spacy.blank("en")
    punct_chars = nlp.add_pipe("sentencizer").punct_chars
    rng = random.Random(11)
    pieces = ["word", "Cannot", "dont", "Dr.", "U.S.", "don't", "(x)", "...", "?!", "10km", "e.g.", '"', "'s",
              "café", "$9.99", "2026", "(7)", "1.", "pick-up", "-", " ", "  ", "\n", "\n\n", "\t", "\u00a0", "\u2028", "\x1c"]
    texts = ["  lead and trail  ", "\nstarts with a newline", "a  b \n\n c\t d "]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 25))) for _ in range(400)]
    # Small memories, so both are dropped and started afresh many times along the way.
    monkeypatch.setattr(quality_tokens, "CHUNK_CACHE_SIZE", 60)
    monkeypatch.setattr(quality_tokens, "MAX_SPACY_STRINGS", len(nlp.vocab.strings) + 100)  # a fresh vocabulary and some
    loaded = quality_tokens.chunk_tokenizer().loads
    for text in texts:
        tokens, doc = Tokens(text), nlp.tokenizer(text)
        assert tokens.texts == [t.text for t in doc]
        assert tokens.start.tolist() == [t.idx for t in doc]
        assert tokens.is_punct.tolist() == [t.is_punct for t in doc]
        assert tokens.is_sentence_punct.tolist() == [t.text in punct_chars for t in doc]
    assert quality_tokens.chunk_tokenizer().loads - loaded >= 3  # spaCy was loaded afresh along the way


def test_words_between_marks_are_cut_as_spacy_cuts_them():
    """A word or a number between marks ("(word),", "2026.") is cut as the first chunk of its
    shape was: every mark sequence (up to two opening, three closing), words of every case
    pattern, numbers of one digit and more, and the special cases' words ("Mr.", "etc.", "'s",
    "A."), most met after others of their shape."""
    import itertools

    import spacy

    nlp = spacy.blank("en")
    punct_chars = nlp.add_pipe("sentencizer").punct_chars
    words = ["word", "Word", "WORD", "wORd", "a", "A", "I", "s", "US", "Us", "uS", "Mr", "mr", "etc", "Jan",
             "e", "em", "cause", "tis", "n", "ll", "re", "ve", "dont", "Cannot", "vs", "Inc", "No", "am", "PM",
             "0", "7", "12", "2026", "007", "1234567"]
    opening = ["".join(m) for n in range(3) for m in itertools.product("([\"'", repeat=n)]
    closing = ["".join(m) for n in range(4) for m in itertools.product(",.:;?!)]\"'", repeat=n)]
    rng = random.Random(13)
    chunks = [o + w + c for o in opening for c in closing for w in rng.sample(words, 5)]
    # Each alone: in place spaCy's matcher joins marks across spaces ("): :" in place; the known
    # exception of ChunkTokenizer's docstring, not the shapes').
    for text in chunks:
        tokens, doc = Tokens(text), nlp.tokenizer(text)
        assert tokens.texts == [t.text for t in doc]
        assert tokens.is_punct.tolist() == [t.is_punct for t in doc]
        assert tokens.is_sentence_punct.tolist() == [t.text in punct_chars for t in doc]
    assert len(chunks) == 21 * 1111 * 5


def test_compounds_are_cut_at_each_hyphen_as_spacys_infixes_cut_them():
    """Letters joined by hyphens ("pick-up") are cut at each hyphen without spaCy, whatever their
    case and even where a part is a special case ("dont-know"): spaCy's infix rule does the same."""
    import spacy

    nlp = spacy.blank("en")
    specials = sorted(k for k in nlp.tokenizer.rules if k.isascii() and k.isalpha())
    rng = random.Random(17)
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    compounds = ["-".join(rng.choice(specials) if rng.random() < 0.3 else
                          "".join(rng.choice(letters) for _ in range(rng.randint(1, 8)))
                          for _ in range(rng.randint(2, 4))) for _ in range(3_000)]
    for text in compounds:
        tokens, doc = Tokens(text), nlp.tokenizer(text)
        assert tokens.texts == [t.text for t in doc] == [t for part in text.split("-") for t in (part, "-")][:-1]
        assert tokens.is_punct.tolist() == [t.is_punct for t in doc]


def test_tokens_from_threads_sharing_one_memory(monkeypatch):
    """Threads share the process's memory of chunks; one that turns it over while another is
    between asking what is missing and laying out its text costs the other a second round, never
    a wrong or lost token."""
    from concurrent.futures import ThreadPoolExecutor

    import spacy

    nlp = spacy.blank("en")
    rng = random.Random(5)
    texts = [" ".join(f"v{rng.randint(0, 300)}{rng.choice(',.;!?')}" for _ in range(40)) for _ in range(200)]
    expected = [([t.text for t in doc], [t.is_punct for t in doc]) for doc in map(nlp.tokenizer, texts)]
    monkeypatch.setattr(quality_tokens, "CHUNK_CACHE_SIZE", 40)  # turned over every few texts
    memory = quality_tokens.chunk_tokenizer().cache
    second_rounds = []

    class Counting:
        missing = memory.missing

        def tokens(self, *args):
            found = memory.tokens(*args)
            if isinstance(found, list):
                second_rounds.append(found)
            return found

    monkeypatch.setattr(quality_tokens.chunk_tokenizer(), "cache", Counting())
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda t: (Tokens(t).texts, Tokens(t).is_punct.tolist()), texts))
    assert found == expected
    assert second_rounds  # the race happened, and was met


def test_fix_text_equals_ftfy():
    texts = [p.read_text("utf-8") for p in sorted(RAW.glob("*.txt"))] + [
        "a &amp; b\n<p>x &amp; y\n&eacute;\r\nfoo\x1b[31mred\n\x0cz\x0b\u2028q",
        "&lt;b&gt;\nno <\n&amp;",  # after a line with "<", entities stay
        "CafÃ© owner\nplain ascii line\n\u201ccurly\u201d",
        "",
    ]
    rng = random.Random(3)
    pieces = ["a", "&amp;", "<", "\n", "\r", "é", "Ã©", "\x1b[0m", " ", "&#39;", "\x0b", "\u201c", "\t", "\x85",
              # what a line may hold and only have its quotes uncurled, and what it may not
              "&", "x;", "\u2018", "\u2019", "\u201d", "\u2013", "\u2014", "\u2026", "\u2022", "\xa9", "\xae", "\u2122",
              "\xa0", "Â", "â€™", "\u201a"]
    texts += ["".join(rng.choice(pieces) for _ in range(30)) for _ in range(3000)]
    assert [fix_text(t) for t in texts] == [ftfy.fix_text(t) for t in texts]


def _python_first(rules: list[Rule], line: str) -> Rule | None:
    """The first line rule Python's re fullmatches (ignoring case) within the rule's length."""
    return next((r for r in rules if (r.max_chars is None or len(line) <= r.max_chars)
                 and re.fullmatch(r.pattern, line, re.IGNORECASE)), None)


def _python_inline(rules: list[Rule], texts: list[str]) -> list[tuple[int, Rule, int, int]]:
    """Each inline rule's finditer (its ``span`` group's span, when it has one), not empty."""
    found = []
    for i, text in enumerate(texts):
        for rule in rules:
            pattern = re.compile(rule.pattern, re.IGNORECASE)
            for match in pattern.finditer(text):
                start, end = match.span("span" if "span" in pattern.groupindex else 0)
                if start < end:
                    found.append((i, rule, start, end))
    return found


def test_the_lexicon_matches_as_pythons_re():
    lexicon = Lexicon(load_lexicon(None))
    rng = random.Random(3)
    # The lexicon's words with what Python and the regex crate read differently when read
    # carelessly: Python's extra whitespace (U+001C), its case equivalences (dotted and dotless
    # i, long s, Kelvin), no-break spaces, braces.
    pieces = ["click", " here", "read", " more", "share", " this", "©", " 2024", " all rights reserved", "subscribe",
              "previous", " post", "{{ x }}", " 12}", "}", "qty", "x", "\x1c", "\xa0", "İ", "ı", "ſ", "\u212a", ":",
              " ", "»", "tags", "é", "\t"]
    lines = [line for path in sorted(RAW.glob("*.txt")) for line in path.read_text().splitlines()]
    lines += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) for _ in range(20_000)]
    expected = [_python_first(lexicon.line_rules, line) for line in lines]
    assert lexicon.first(lines) == expected
    assert sum(rule is not None for rule in expected) == 636  # the lines the rules name: enough to tell
    assert lexicon.inline(lines) == _python_inline(lexicon.inline_rules, lines)
    # So were the 408,535 distinct lines of the three benchmarks' pages and gold texts and of
    # the bench corpus, measured once (too slow for the suite).

    # Rules in order, each within its length.
    short = Rule("short", "line", 5, "a+", "short", "test")
    long = Rule("long", "line", None, "a+b?", "long", "test")
    assert [getattr(rule, "name", None) for rule in Lexicon([short, long]).first(["aaa", "aaaaaa", "AAb", "b"])] == [
        "short", "long", "long", None]
    # The one difference: \b is the crate's, whose word characters hold marks (U+0301) and not
    # numbers other than digits ("²"), unlike Python's.
    boundary = Rule("boundary", "line", None, r"a\b.*", "boundary", "test")
    assert [_python_first([boundary], text) for text in ("a\u0301", "a²")] == [boundary, None]
    assert Lexicon([boundary]).first(["a\u0301", "a²"]) == [None, boundary]
