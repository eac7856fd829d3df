import random
import unicodedata

from pipeline.text.words import WORD, count_words


def test_count_words_counts_the_word_pattern_over_every_assigned_character():
    # Characters Python's Unicode (14 in 3.11) leaves unassigned may be letters to the core's newer tables.
    assigned = [chr(c) for c in range(0x110000)
                if not 0xD800 <= c < 0xE000 and unicodedata.category(chr(c)) != "Cn"]
    assert [c for c in assigned if count_words(c) != len(WORD.findall(c))] == []
    rng = random.Random(7)
    texts = ["".join(rng.choice(assigned) if rng.random() < 0.4 else rng.choice(" _a1,.\n")
                     for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    assert [t for t in texts if count_words(t) != len(WORD.findall(t))] == []


def test_count_words_reads_words_as_wcxb_does():
    # Ein, Café, 2, x², Werte, und_so, ½, weiter: "_" joins, a hyphen or a dash parts.
    assert count_words("Ein Café, 2 x²-Werte und_so ½ — weiter") == 8
    assert count_words("") == 0
    assert count_words("— … !") == 0
