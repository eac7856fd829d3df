"""A document's text with its annotations as HTML marks, in place.

Every annotation becomes one ``<mark data-a="i">`` (``i`` its position in the document's
annotation list, the order of ``annotations_list`` in signals.parquet). Spans that nest
nest; a span that crosses another's edge is split into fragments sharing its ``data-a``,
so the elements always form a tree and a reader counts one mark per annotation. Only the
first fragment is focusable and carries the ``id`` that tables link to. Text is escaped
here and nowhere else: the result is :class:`markupsafe.Markup`, and the long tables' cells are
:func:`escaped`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from markupsafe import Markup

from pipeline.core.document import Action, Annotation
from pipeline.core.registry import OTHER


def category(name: str, known: Collection[str]) -> str:
    """The report category an annotation of category ``name`` is shown as: ``name`` when it is one
    of ``known`` (the run's stages' categories, see :func:`pipeline.core.registry.categories`),
    else "other"."""
    return name if name in known else OTHER.name


def tip(a: Annotation) -> str:
    """What a mark says on hover or focus: its rule, its reason and any replacement."""
    text = f"{a.code}: {a.reason}"
    return text + f' (replaced by "{a.replacement}")' if a.replacement is not None else text


def escaped(value: str) -> str:
    """``value`` escaped as markupsafe escapes it, as a plain string: the marked text's pieces, and
    the cells of the page's long tables (checks, annotations, signals), which the template renders
    with autoescaping off. jinja2's escaping, a call and a Markup per cell, was a third of a page's
    time."""
    return value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;").replace(
        '"', "&#34;")


def opening_order(annotations: Sequence[Annotation]) -> list[int]:
    """The indices of ``annotations`` in the order their marks open: by start, and longer spans
    first, so a span starting where a longer one starts nests inside it."""
    return sorted(range(len(annotations)), key=lambda i: (annotations[i].start, -annotations[i].end, i))


def annotated_html(text: str, annotations: Sequence[Annotation], known: Collection[str]) -> Markup:
    """``text`` escaped, with a mark for each of ``annotations`` (see the module docstring)."""
    order = opening_order(annotations)
    # Most documents' marks are lines the line model removed, one after another (594 of 600 bench
    # documents have no mark inside another): while no mark starts before the last one ended,
    # each is opened, filled and closed in turn (0.28 -> 0.19 ms a bench document).
    out: list[str] = []
    pos = 0
    for i in order:
        a = annotations[i]
        if a.start < pos:
            return _nested_html(text, annotations, known, order)
        out.append(escaped(text[pos:a.start]))
        out.append(_open(i, a, known, first=True))
        out.append(escaped(text[a.start:a.end]))
        _close(a, out)
        pos = a.end
    out.append(escaped(text[pos:]))
    return Markup("".join(out))


def _nested_html(text: str, annotations: Sequence[Annotation], known: Collection[str], opening: list[int]) -> Markup:
    """The marks of ``annotations`` (``opening``: their indices in the order they open) when some
    nest or cross."""
    ends_at: dict[int, list[int]] = {}
    for i, a in enumerate(annotations):
        ends_at.setdefault(a.end, []).append(i)
    points = sorted({a.start for a in annotations} | set(ends_at))
    out: list[str] = []
    stack: list[int] = []
    pos = k = 0
    for point in points:
        out.append(escaped(text[pos:point]))
        pos = point
        if point in ends_at:
            _close_at(point, annotations, known, stack, out)
        while k < len(opening) and annotations[opening[k]].start == point:
            i = opening[k]
            k += 1
            out.append(_open(i, annotations[i], known, first=True))
            if annotations[i].end == point:  # an empty span: a marker, closed at once
                _close(annotations[i], out)
            else:
                stack.append(i)
    out.append(escaped(text[pos:]))
    return Markup("".join(out))


def _close_at(point: int, annotations: Sequence[Annotation], known: Collection[str], stack: list[int],
              out: list[str]) -> None:
    """Close every open mark ending at ``point``; marks opened inside them and still
    running are closed with them and reopened as continuation fragments."""
    shallowest_ending = next((depth for depth, i in enumerate(stack) if annotations[i].end == point), None)
    if shallowest_ending is None:
        return
    reopen: list[int] = []
    while len(stack) > shallowest_ending:
        i = stack.pop()
        _close(annotations[i], out, last=annotations[i].end == point)
        if annotations[i].end != point:
            reopen.append(i)
    for i in reversed(reopen):
        out.append(_open(i, annotations[i], known, first=False))
        stack.append(i)


def _open(i: int, a: Annotation, known: Collection[str], *, first: bool) -> str:
    attrs = f'class="m c-{category(a.category, known)} {a.action.value}" data-a="{i}" data-tip="{escaped(tip(a))}"'
    if first:
        attrs += f' id="a{i}" tabindex="0"'
    return f"<mark {attrs}>"


def _close(a: Annotation, out: list[str], *, last: bool = True) -> None:
    out.append("</mark>")
    if last and a.action is Action.REPLACE:
        out.append(f'<ins class="replacement">{escaped(a.replacement)}</ins>')
