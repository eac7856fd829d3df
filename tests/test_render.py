from __future__ import annotations

import pytest

from pipeline.core.document import Action, Document
from pipeline.core.render import cleaned_text


def doc_with(text, *spans):
    doc = Document(id="d", source="s", text=text)
    for start, end, action, replacement in spans:
        doc.annotate(start, end, category="test", rule="r", action=action, reason="why", replacement=replacement)
    return doc


def test_removals_and_replacements_apply_in_one_pass():
    text = "see a doctor or STUFFED PHRASE,miss out on days. reduced back pain."
    stuffed = text.index("STUFFED PHRASE,")
    reduced = text.index("reduced back")
    doc = doc_with(
        text,
        (stuffed, stuffed + len("STUFFED PHRASE,"), Action.REMOVE, None),
        (reduced, reduced + len("reduced back"), Action.REPLACE, "lower back"),
        (0, 3, Action.FLAG, None),
    )
    assert cleaned_text(doc) == "see a doctor or miss out on days. lower back pain."


def test_overlapping_removals_merge_and_a_replacement_inside_one_is_moot():
    doc = doc_with("aaa bbb ccc ddd", (4, 9, Action.REMOVE, None), (6, 11, Action.REMOVE, None),
                   (8, 10, Action.REPLACE, "X"))
    assert cleaned_text(doc) == "aaa ddd"


def test_space_before_punctuation_left_by_a_removal_is_dropped():
    doc = doc_with("It hurts KEYWORD. Then", (8, 16, Action.REMOVE, None))
    assert cleaned_text(doc) == "It hurts. Then"


def test_removing_paragraphs_keeps_one_blank_line():
    doc = doc_with("A\n\nB\n\nC", (3, 6, Action.REMOVE, None))
    assert cleaned_text(doc) == "A\n\nC"


def test_annotation_validation():
    with pytest.raises(ValueError, match="replacement"):
        doc_with("abc", (0, 1, Action.REPLACE, None))
    with pytest.raises(ValueError, match="past the text"):
        doc_with("abc", (0, 9, Action.REMOVE, None))


def test_a_code_line_after_a_removal_keeps_its_indentation():
    text = "Intro.\n\nShare this\n\n    x = f(y)\n        return  x\n\nEnd KEY here."
    share = text.index("Share this")
    key = text.index("KEY ")
    doc = doc_with(text, (share, share + len("Share this\n\n"), Action.REMOVE, None),
                   (key, key + len("KEY"), Action.REMOVE, None))
    assert cleaned_text(doc) == "Intro.\n\n    x = f(y)\n        return  x\n\nEnd here."
