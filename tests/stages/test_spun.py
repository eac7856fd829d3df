"""Spun text: tortured phrases from the lexicons, contextual misfits, the score and the repair."""

from __future__ import annotations

import json
import random
from importlib import resources

import numpy as np
import pytest

from pipeline._core import TorturedIndex
from pipeline.core.config import load_config
from pipeline.core.document import Action, Document
from pipeline.core.render import cleaned_text
from pipeline.evaluation.spinners import DICTIONARIES, families, moby_spinner
from pipeline.evaluation.spun import LOFO_DIR, auc
from pipeline.io.records import RawRecord
from pipeline.language import thesauri
from pipeline.language.lm import trigram_model
from pipeline.language.trees import write_npz
from pipeline.language.wordnet import wordnet
from pipeline.run.processor import build_pipeline
from pipeline.stages.normalize import make_document
from pipeline.stages.spun import SpunText
from pipeline.stages.spun.features import DOCUMENT_FEATURES, WORD_FEATURES, WordFeatures, Words
from pipeline.stages.spun.lexicon import SpunLexiconError, read_lexicon
from pipeline.stages.spun.model import SpunModel, SpunModelError, ThesaurusPhrases
from pipeline.text.words import LEXICON_WORD
from tests.conftest import seed_id

CLEAN = [
    "Most severe lower back pain results from injury to the muscles, tendons, joints, or discs.",
    "The body reacts to the injury with inflammation, which can cause severe pain.",
    "Rest for a day or two, then walk a little more each day as the pain allows.",
]


def spun(text: str, **overrides) -> Document:
    """The spun stage after segmenting, configured with ``overrides`` of its [spun] section."""
    config = load_config()
    config["pipeline"]["stages"] = ["segment", "spun"]
    config["spun"].update(overrides)
    doc = make_document(RawRecord(id="t", source="t.txt", position=1, text=text, title="Back pain"))
    return build_pipeline(config)(doc)


def flagged(doc: Document, rule: str = "tortured_phrase") -> list[str]:
    return [doc.text[a.start:a.end] for a in doc.annotations if a.category == "spun" and a.rule == rule]


def test_seeds_003_and_004_are_flagged_spun_and_000_to_002_are_not(seed_run):
    rows = {n: seed_run.row(seed_id(n)) for n in ("000", "001", "002", "003", "004")}
    assert {n: int(r["spun_flagged"]) for n, r in rows.items()} == {"000": 0, "001": 0, "002": 0, "003": 1, "004": 1}
    assert {n: int(r["spun_tortured_phrases"]) for n, r in rows.items()} == {
        "000": 0, "001": 0, "002": 0, "003": 39, "004": 19}
    assert all(r["spun_status"].startswith("ran (") for r in rows.values())
    # Flags only: spinning is reported, nothing is cut or dropped by default.
    assert all(r["status"] == "kept" for r in rows.values())
    seed_004 = [a for a in rows["004"]["annotations_list"] if a["rule"] == "tortured_phrase"]
    assert {a["action"] for a in seed_004} == {"flag"}
    assert 'most likely "lower back pain"' in seed_004[0]["reason"]


def test_a_tortured_phrase_is_flagged_with_the_phrase_it_replaced():
    doc = spun(" ".join(CLEAN) + " Severe reduced back discomfort needs a physician.")
    assert flagged(doc) == ["reduced back"]
    (reason,) = [a.reason for a in doc.annotations if a.rule == "tortured_phrase"]
    assert reason.startswith('tortured phrase "reduced back": most likely "lower back" (seed 003')
    assert doc.signals["spun_tortured_phrases"] == 1
    assert doc.signals["spun_score"] == pytest.approx(0.3, abs=0.02)  # one phrase alone: 1 - 0.7


@pytest.mark.parametrize(("text", "expected"), [
    # "neck and back pain" stands for "back pain" only where the text speaks of no neck elsewhere.
    ("Stretching eases neck and back pain after a long day.", ["neck and back pain"]),
    ("Stretching eases neck and back pain. A stiff neck also needs a good pillow.", []),
    # "muscle mass" is spun where it means the tissue, not body composition.
    ("These muscle mass are truly key in supporting your back.", ["muscle mass"]),
    ("Older adults lose muscle mass unless they train twice a week.", []),
    # A phrase's words must follow each other: punctuation between them is no match.
    ("The tree splits on data; gain is computed per split.", []),
    # The shared list's query syntax: '"bosom" AND "breast"' needs "breast" in the document too.
    ("She held the letter to her bosom for a long time.", []),
    ("Bosom screening finds breast tumours early.", ["Bosom"]),
])
def test_lexicon_conditions(text, expected):
    assert flagged(spun(text)) == expected


def test_repair_replaces_tortured_phrases_keeping_the_case():
    doc = spun("Reduced back pain is common. Severe reduced back pain needs a physician.", repair=True,
               repair_lexicons=["tortured_phrases.csv"])
    replaced = [(a.replacement, a.action) for a in doc.annotations if a.rule == "tortured_phrase"]
    assert replaced == [("Lower back", Action.REPLACE), ("lower back", Action.REPLACE)]
    assert cleaned_text(doc).endswith("Lower back pain is common. Severe lower back pain needs a physician.")


def test_repair_flags_the_phrases_of_a_lexicon_not_listed_for_repair():
    doc = spun("Reduced back pain is common.", repair=True)
    assert [(a.action, a.replacement) for a in doc.annotations if a.rule == "tortured_phrase"] == [
        (Action.FLAG, None)]
    assert SpunText(repair=True).provenance()["repair"].startswith("skipped repairs: no lexicon in [spun] repair_lexicons")
    with pytest.raises(SpunLexiconError, match="repair_lexicons: mine.csv not among the lexicons"):
        SpunText(repair_lexicons=["mine.csv"])


def test_a_lexicon_without_its_columns_is_an_error(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("phrase,expected\nreduced back,lower back\n", "utf-8")
    with pytest.raises(SpunLexiconError, match="needs the columns phrase, expected"):
        read_lexicon(path)


def test_shared_list_queries_are_read_as_conditions():
    entries = {e.words: e for e in read_lexicon("tortured-phrases.csv", builtin=True)}
    assert len(entries) > 7000
    surface = entries[("surface", "region")]
    assert (surface.expected, surface.requires_in_document) == ("surface area", (("surface area",),))
    assert entries[("highlight", "extraction")].unless_in_document == ("specular",)


# A Moby-spun paragraph of a WCXB dev review ("excitement" -> "churn", "overwhelming" ->
# "convincing", "home and life" -> "inwardly and grit") and its original.
SPUN_REVIEW = ("Buying a new large appliance can bring on feelings of both churn and dread. It can be exciting "
               "shopping for something new, but it can also be convincing to make the right choice for such a large "
               "investment. Here are the 2025 awards for our picks across inwardly and grit.")
ORIGINAL_REVIEW = ("Buying a new large appliance can bring on feelings of both excitement and dread. It can be "
                   "exciting shopping for something new, but it can also be overwhelming to make the right choice for "
                   "such a large investment. Here are the 2025 awards for our picks across home and life.")


def test_a_misfit_names_the_synonym_that_fits_its_slot_better():
    doc, original = spun(SPUN_REVIEW, min_fit_words=1), spun(ORIGINAL_REVIEW, min_fit_words=1)
    misfits = {doc.text[a.start:a.end]: a for a in doc.annotations if a.rule == "misfit"}
    # "large" is the writer's: a word above the evidence threshold, which 1 in 100 clean words
    # reach, is marked in the original too; the swap "inwardly" is only in the spun text.
    assert (sorted(misfits), flagged(original, "misfit")) == (["inwardly", "large"], ["large"])
    assert misfits["inwardly"].action == Action.FLAG
    assert misfits["inwardly"].reason.endswith('"inside" fits the slot 7.8 nats better')
    assert (doc.signals["spun_misfits"], doc.signals["spun_suspect_share"]) == (2, 2 / 19)
    # Two misfits in 19 words are not enough to flag a document, but it scores far above its original.
    assert (round(doc.signals["spun_misfit_score"], 3), round(original.signals["spun_misfit_score"], 5)) == (0.03,
                                                                                                          0.00099)
    assert (doc.signals["spun_flagged"], original.signals["spun_flagged"]) == (0, 0)
    # The report's status says what the document model reads the misfits against: one word of 19
    # ("inwardly") is rarer than once in a million words, none of the original's; both hold one
    # phrase of WordNet's, which fits its neighbours.
    baseline = "ran (19 content words fitted; the writer's baseline: {} of them rarer than once in 1,000,000 words, " \
               "the worst 5% of word fits -2.0 nats; 1 phrase of WordNet's, 0 fitting the words on both sides " \
               "worse than alone)"
    assert (doc.notes["spun_status"], original.notes["spun_status"]) == (baseline.format("5.3%"),
                                                                         baseline.format("0.0%"))


def test_word_features_leave_out_what_spinners_leave_alone():
    words = WordFeatures()("Buying a new large appliance can bring on feelings of both churn and dread. LG sells it.")
    # Capitalized words, stop words and words under 3 letters are not scored; a stretch ends at punctuation.
    assert [words.word(k) for k in range(len(words))] == ["new", "large", "appliance", "bring", "feelings", "churn",
                                                          "dread", "sells"]
    assert (words.before(5), words.after(5), words.after(6)) == (("of", "both"), "and", None)
    # A capitalized word is not scored but is a neighbour: "Buying a" is before "new".
    assert (words.span(0), words.before(0), words.after(0)) == ((9, 12), ("buying", "a"), "large")
    assert words.rows.shape == (8, len(WORD_FEATURES))
    churn = dict(zip(WORD_FEATURES, words.rows[5].round(2).tolist(), strict=True))
    assert (churn["zipf"], churn["unknown"], churn["zipf_before"], churn["zipf_after"]) == (3.07, 0.0, 5.79, 7.41)
    # "dread" ends its stretch: no word after it to fit.
    dread = dict(zip(WORD_FEATURES, words.rows[6].tolist(), strict=True))
    assert (dread["right_missing"], dread["right1_missing"], dread["zipf_after"]) == (1.0, 1.0, -1.0)


def test_word_features_count_how_the_rest_of_the_document_uses_the_word():
    words = WordFeatures()("Pain of lower back muscles is common. Pain of reduced back muscles needs rest. "
                           "Pain of lower back muscles eases with a muscle stretch.")
    usage = {(word, k): dict(zip(WORD_FEATURES[-3:], words.rows[k, -3:].round(3).tolist(), strict=True))
             for k, word in enumerate(map(words.word, range(len(words))))}
    # "lower" comes back, "reduced" does not; both sit between "of" and "back", which the document
    # fills with another word elsewhere (once for the first "lower", twice for "reduced").
    assert usage["lower", 0] == {"document_count": 0.693, "document_stem_count": 0.693, "document_slot_others": 1.0}
    assert usage["reduced", 3] == {"document_count": 0.0, "document_stem_count": 0.0, "document_slot_others": 2.0}
    # "muscles" and "muscle" share a stem ("back" is a stop word); the last word of a stretch has no slot.
    assert usage["muscles", 1]["document_stem_count"] == 1.386  # log 4
    assert usage["stretch", 11]["document_slot_others"] == -1.0


def test_the_spun_model_file_round_trips_and_refuses_other_features(tmp_path):
    model = SpunModel.load()
    model.save(tmp_path / "same.npz")
    assert (tmp_path / "same.npz").read_bytes() == resources.files("pipeline").joinpath(
        "models/spun_words.npz").read_bytes()
    other = SpunModel(model.trees, {**model.meta, "features": ["zipf"]})
    write_npz(tmp_path / "other.npz", {**model.trees.arrays(), "meta": np.array(json.dumps(other.meta))})
    with pytest.raises(SpunModelError, match="trained on other features"):
        SpunModel.load(tmp_path / "other.npz")
    (tmp_path / "junk.npz").write_text("not a model")
    with pytest.raises(SpunModelError, match="not a spun-text model file"):
        SpunModel.load(tmp_path / "junk.npz")


def test_the_document_model_reads_shares_top_scores_length_and_baseline_and_older_files_the_first_alone():
    model = SpunModel.load()
    assert model.meta["document"]["features"] == list(DOCUMENT_FEATURES)
    first, _, last = model.thresholds
    above_first, above_last = first + 1e-6, last + 1e-6  # above one threshold, above all three
    scores = np.array([0.0] * 36 + [above_first] * 2 + [above_last] * 2)  # 40 words
    top = (2 * above_first + 2 * above_last) / 10  # the ten highest: six zeros among them
    # 40 words: 30 at Zipf 5, 6 at Zipf 2 (rare), 4 the trigram model does not know (Zipf 0).
    rows = np.zeros((40, len(WORD_FEATURES)))
    rows[:, WORD_FEATURES.index("zipf")] = [5.0] * 30 + [2.0] * 6 + [0.0] * 4
    rows[36:, WORD_FEATURES.index("unknown")] = 1.0
    words = Words("", np.zeros((40, 4), dtype=int), rows, worst_fits=-3.5)
    q90 = np.quantile(scores, 0.9)  # the 36th of 40 in order: between 0.0 and the first above
    assert q90 == pytest.approx(0.1 * above_first)
    assert model.document_features(scores, words) == pytest.approx(
        [4 / 40, 2 / 40, 2 / 40, top, np.log(40), 0.0, q90, (30 * 5 + 6 * 2) / 36, 10 / 40, 4 / 40, -3.5, 0.0])
    for n in (3, 5):
        document = {"mean": [0.0] * n, "scale": [1.0] * n, "coef": [0.0] * n, "intercept": 0.0}
        older = SpunModel(model.trees, {**model.meta, "document": document})
        assert older.document_features(scores, words) == pytest.approx(
            [4 / 40, 2 / 40, 2 / 40, top, np.log(40)][:n])
        assert older.probability(older.document_features(scores, words)) == 0.5


def test_a_phrase_put_in_for_a_word_breaks_the_fit_of_the_function_words_around_it():
    # Moby's "of great consequence" for "important": "of" after "an" is 5.6 nats less likely
    # than alone, where every word of the original fits its words at least as well as alone.
    # In a sentence this short the worst 5% of its fits is the single worst one.
    original = WordFeatures()("They made an important decision about the house last year.")
    spun = WordFeatures()("They made an of great consequence decision about the house last year.")
    assert (round(original.worst_fits, 4), round(spun.worst_fits, 4)) == (0.5162, -5.5883)


def test_the_document_model_counts_the_phrases_of_its_thesaurus_that_misfit_their_neighbours():
    # WordNet lists "take care", "in no time" (and "in time") and "matter of fact"; "as a matter
    # of fact" is longer than a spinner's phrases, a comma parts "time, as" and "ice-cream" is one word.
    # Each fits the words around it at least as well as alone ...
    natural = "We will take care of it in no time, as a matter of fact: New York's ice-cream."
    # ... where "in no time" put in for "quick" does not: "in" after "made an" is less likely than alone.
    spun = "They made an in no time decision about the house."
    model = SpunModel.load()
    lm = trigram_model().compiled
    assert model.thesaurus == "wordnet"
    assert (model.phrase_index().fits(natural, lm), model.phrase_index().fits(spun, lm)) == ((3, []), (1, [(13, 23)]))
    assert model.phrase_index().fits("in, no time", lm) == (0, [])
    # A name is no phrase a spinner puts in, though WordNet lists it and it breaks its neighbours'
    # fit as "in no time" does: a capitalized word past its first ("Far East", not "In no time").
    named = "Relations of Japan and the United States cooled; the Far East stayed calm."
    assert model.phrase_index().fits(named, lm) == (0, [])
    assert model.phrase_index().fits(named.lower(), lm) == (2, [(53, 61)])  # "far east" misfits
    assert model.phrase_index().fits("In no time the house was sold.", lm) == (1, [])
    words = WordFeatures()(spun)
    assert [words.word(k) for k in range(len(words))] == ["time", "decision", "house"]  # "made": a stop word
    assert model.thesaurus_phrases(words) == ThesaurusPhrases(1, [(13, 23)])
    assert model.document_features(np.zeros(3), words)[-1] == 1 / 3


def test_a_phrase_of_the_thesaurus_that_misfits_both_sides_is_marked_with_why():
    doc = spun("They made an in no time decision about the house.", min_fit_words=1)
    marks = [a for a in doc.annotations if a.rule == "misfit_phrase"]
    assert [(doc.text[a.start:a.end], a.action, a.reason) for a in marks] == [
        ("in no time", Action.FLAG, '"in no time", a phrase of WordNet\'s, fits the words on both sides worse than '
                                    "it would alone")]
    assert doc.notes["spun_status"].endswith("; 1 phrase of WordNet's, 1 fitting the words on both sides worse than "
                                             "alone)")


def test_without_its_thesaurus_the_misfit_model_is_off_and_says_why(tmp_path, monkeypatch):
    model = SpunModel.load()
    SpunModel(model.trees, {**model.meta, "thesaurus": "moby"}).save(tmp_path / "moby.npz")
    monkeypatch.setattr(thesauri, "MOBY_DIR", tmp_path)
    thesauri.phrases.cache_clear()
    thesauri.moby_meanings.cache_clear()
    try:
        doc = spun(" ".join(CLEAN * 6), model=str(tmp_path / "moby.npz"))
    finally:
        thesauri.phrases.cache_clear()
        thesauri.moby_meanings.cache_clear()
    assert doc.signals["spun_misfit_score"] is None
    assert doc.notes["spun_status"] == (
        f"lexicons only: misfit model off (the Moby thesaurus is not in {tmp_path} "
        "(Debian: apt-get install libaiksaurus-1.2-data))")


def test_a_model_left_without_a_spinner_family_counts_the_phrases_of_another_thesaurus():
    assert set(DICTIONARIES) == set(families())
    for name, dictionary in DICTIONARIES.items():
        meta = SpunModel.load(LOFO_DIR / f"without-{name}.npz").meta
        assert meta["thesaurus"] == {"wordnet": "moby", "moby": "wordnet"}[dictionary], name


def test_too_few_words_get_no_misfit_score():
    doc = spun(CLEAN[0])
    assert doc.signals["spun_misfit_score"] is None
    assert doc.notes["spun_status"] == "lexicons only: 7 content words to fit, fewer than 30"


def test_wordnet_reader_undoes_inflection():
    net = wordnet()
    assert net.lemmas("reduced", "v") == [("reduce", "ed", "e")]
    assert net.synonyms("spasms") == ("cramp", "cramps")
    assert {"cut", "shortened", "shorten"} <= set(net.synonyms("reduced"))
    assert net.lemmas("geese", "n") == [("goose", "", "")]  # the exception list
    # Read from the mapped data file: "galore(ip)" shares a synset with "abounding".
    assert net.synonyms("galore") == ("abounding",)
    assert net.lemmas("zzzz", "n") == [] and net.synonyms("ﬁne") == ()


def test_wordnet_broader_terms_are_one_step_up_and_inflected_as_the_word():
    net = wordnet()
    # Hypernyms first, then the multi-word lemmas of its own synsets, plural as "dogs" is.
    assert net.broader("dogs")[:5] == ("canines", "canids", "domestic animals", "domesticated animals",
                                       "domestic dogs")
    # A verb phrase is inflected on its first word, by the exception list where it has the word
    # ("bring" -> "brought"), else by spelling ("simplify" -> "simplified", "trim" -> "trimmed").
    assert {"decreased", "brought down", "simplified", "trimmed down"} <= set(net.broader("reduced"))
    assert "producing" in net.broader("publishing") and "produceing" not in net.broader("publishing")
    assert net.broader("zzzz") == ()


def test_wordnet_likeliest_sense_alone_inflected_as_the_word():
    net = wordnet()
    # "reduce"'s first verb sense only (of 43 synonyms of every sense), spelled as "reduced" is:
    # "trim" -> "trimmed"; "cut" by spelling alone is "cuted", which the spinner's trigram check drops.
    assert net.likeliest("reduced") == ("trimmed", "cuted", "decreased")
    assert net.likeliest("stories") == ("narratives", "narrations", "tales")
    assert len(net.synonyms("reduced")) == 43 and net.likeliest("zzzz") == ()


def test_eval_spinner_uses_its_own_thesaurus_and_auc_counts_ties_half():
    import random

    text = "Stretching relieves the pain in the muscles of the back."
    # Only lower-case base forms of 4+ letters that are no stop words ("back" is one) are swapped.
    assert moby_spinner()(text, 1.0, random.Random(1)) == "Stretching relieves the asphyxiation in the muscles of the back."
    assert moby_spinner()(text, 0.0, random.Random(1)) == text
    assert auc([0.1, 0.5], [0.5, 0.9]) == pytest.approx(0.875)
    # Every pair tied is a coin toss; a positive below every negative wins none; an empty side none.
    assert (auc([0.3] * 4, [0.3] * 3), auc([0.5, 0.6], [0.1]), auc([], [0.2])) == (0.5, 0.0, 0.0)


def test_the_compiled_scan_reads_words_as_the_lexicon_pattern_does():
    # Each word of the text an entry of its own: the scan must offer every LEXICON_WORD, lower
    # case with "’" as "'", at its place.
    rng = random.Random(8)
    pieces = ["Deep", "learning", "İstanbul", "ΣΑΣ", "it’s", "rock'n'roll", "pre-handling", "a--b", "x_y", "½", "٣٤",
              " ", "  ", "-", "’", ",", "."]
    for _ in range(500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 20)))
        found = LEXICON_WORD.findall(text)
        words = [w.lower().replace("’", "'") for w in found]
        ids = {w: i for i, w in enumerate(dict.fromkeys(words))}
        options, present = TorturedIndex([[w] for w in ids]).options(text)
        spans = [m.span() for m in LEXICON_WORD.finditer(text)]
        assert options == [(k, [(ids[w], *spans[k], 1)]) for k, w in enumerate(words)]
        assert present == (f" {' '.join(words)} " if words else None)
