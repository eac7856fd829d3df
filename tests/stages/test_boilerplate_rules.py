"""Boilerplate rules on text they were not written for: generic widgets and near misses."""

from __future__ import annotations

import pytest

from pipeline.core.config import load_config
from pipeline.core.document import Document
from pipeline.core.render import cleaned_text
from pipeline.run.processor import build_pipeline
from pipeline.stages.boilerplate import LexiconError, load_lexicon

PARA = "Rivers carry sediment from the mountains to the sea, and the fish that live in them adapt to it."


def clean(body: str, **kwargs) -> tuple[str, list[str]]:
    doc = Document(id="d", source="d.txt", title="Title", text=f"Title\n\n{body}")
    config = load_config()
    config["boilerplate"].update(kwargs)
    build_pipeline(config, until="boilerplate")(doc)
    return cleaned_text(doc), sorted(a.code for a in doc.annotations)


def test_related_list_without_a_heading():
    widget = "\n\n".join(f"Headline number {i} about travel\n\nThe first words of story {i} go here and then..." for i in range(4))
    text, codes = clean(f"{PARA}\n\n{widget}\n\n{PARA}")
    assert text == f"Title\n\n{PARA}\n\n{PARA}"
    assert codes == ["boilerplate.related_list"]


def test_two_teasers_are_not_a_list():
    pairs = "\n\n".join(f"Headline {i}\n\nSnippet {i} cut short..." for i in range(2))
    text, codes = clean(f"{PARA}\n\n{pairs}")
    assert codes == [] and "Snippet 1 cut short..." in text


def test_min_related_items_is_configurable():
    pairs = "\n\n".join(f"Headline {i}\n\nSnippet {i} cut short..." for i in range(2))
    assert clean(f"{PARA}\n\n{pairs}", min_related_items=2)[1] == ["boilerplate.related_list"]
    assert clean(f"{PARA}\n\n{pairs}", min_related_items=None)[1] == []


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("« Previous Post", "boilerplate.navigation"),
        ("Next article: How to prune roses", "boilerplate.navigation"),
        ("Skip to content", "boilerplate.navigation"),
        ("You may also like", "boilerplate.related_heading"),
        ("Click here to download the free guide", "boilerplate.call_to_action"),
        ("Subscribe to our newsletter for weekly updates", "boilerplate.call_to_action"),
        ("Read more »", "boilerplate.call_to_action"),
        ("© 2019 Example Media Ltd.", "boilerplate.copyright"),
        ("View cart", "boilerplate.cart_widget"),
        ("Share this:", "boilerplate.share_bar"),
        ("Pinterest", "boilerplate.share_bar"),
        ("Leave a Reply", "boilerplate.comments"),
        ("ADVERTISEMENT", "boilerplate.advertisement"),
        ("We use cookies to improve your experience on our site.", "boilerplate.cookie_banner"),
        ("Tags: rivers, fish, sediment", "boilerplate.taxonomy"),
    ],
)
def test_generic_widget_lines(line, code):
    text, codes = clean(f"{PARA}\n\n{line}\n\n{PARA}")
    assert codes == [code]
    assert text == f"Title\n\n{PARA}\n\n{PARA}"


@pytest.mark.parametrize(
    "line",
    [
        "Click here, the instructor said, and the students clicked; " * 4,  # too long for an ad line
        "The author of the study, Dr. Lee, said rivers were warming.",
        "Next, the water carries sand down to the delta.",
        "Copyright law changed in 1998 and writers noticed.",
        "Share prices fell sharply on Monday.",
        "X marks the spot on the old map.",
        "Functions like f(x) = {x} are sets.",
    ],
)
def test_content_lines_that_resemble_rules_are_kept(line):
    text, codes = clean(f"{PARA}\n\n{line}\n\n{PARA}")
    assert codes == [] and line.strip() in text


def test_author_heading_in_the_middle_is_not_a_bio():
    body = "\n\n".join([PARA, "Author: Jane Doe", PARA, PARA, PARA, PARA, PARA])
    text, codes = clean(body)
    assert codes == ["boilerplate.author_heading"]
    assert text.count(PARA) == 6


def test_author_bio_runs_to_the_footer():
    body = "\n\n".join([PARA, PARA, "About the author", "Jane writes about rivers.", "All rights reserved."])
    text, codes = clean(body)
    assert codes == ["boilerplate.author_bio", "boilerplate.copyright"]
    assert text == f"Title\n\n{PARA}\n\n{PARA}"


def test_a_stray_template_brace_goes_and_template_code_stays():
    # On WCXB dev's pages, "{{ ... }}" and "{% ... %}" sit more often in content (code in documentation
    # and forum posts: 103) than in furniture (91, in lines the line model removes whole).
    code = "{% if person %}Hello {{ person }}{% endif %}"
    text, codes = clean(f"{PARA}\n\nThe card shows:\n\n{code}\n\nIs this right? 12}}")
    assert codes == ["boilerplate.template_artifact"]
    assert text.endswith(f"The card shows:\n\n{code}\n\nIs this right?")


def test_the_title_is_never_boilerplate():
    doc = Document(id="d", source="d.txt", title="Related Posts", text=f"Related Posts\n\n{PARA}")
    build_pipeline(load_config(), until="boilerplate")(doc)
    assert doc.annotations == []


def test_builtin_lexicon_rules_all_have_reasons_and_sources():
    rules = load_lexicon()
    assert len(rules) >= 20
    assert all(rule.reason and rule.source for rule in rules)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("a,b\n", "columns must be"),
        ("name,scope,max_chars,pattern,reason,source\nx,block,,a,r,s\n", "scope must be"),
        ("name,scope,max_chars,pattern,reason,source\nx,line,,(,r,s\n", "bad pattern"),
        # The matcher reads no lookaround: refused where it is written, not on the first page.
        ("name,scope,max_chars,pattern,reason,source\nx,line,,a,r,s\nx,line,,(?<=a)b,r,s\n", ":3: bad pattern"),
        ("name,scope,max_chars,pattern,reason,source\nx,line,,a,,s\n", "needs a name, a reason and a source"),
    ],
)
def test_bad_lexicon_is_refused(tmp_path, body, message):
    path = tmp_path / "lexicon.csv"
    path.write_text(body)
    with pytest.raises(LexiconError, match=message):
        load_lexicon(path)
