"""Histograms of a signal over the corpus, laid out for an inline SVG (templates/charts.html.j2).

Bars stack kept and dropped documents; thresholds are vertical lines, solid where they
decide and dashed where they only inform (a filter set that is measured but not listed in
``[decide] filters``, the spun stage's flag). Geometry is computed here, markup is the
template's: the SVG needs no script and prints as it shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

WIDTH, HEIGHT = 360, 170
LEFT, RIGHT, TOP, BOTTOM = 36, 10, 16, 34
BINS = 20


@dataclass(frozen=True, slots=True)
class Line:
    value: float
    label: str  # drawn beside the line
    title: str  # in full, on hover
    deciding: bool


@dataclass(slots=True)
class Bar:
    x: float
    width: float
    kept_y: float
    kept_height: float
    dropped_y: float
    dropped_height: float
    title: str


@dataclass(slots=True)
class Marker:
    x: float
    label: str
    title: str
    deciding: bool
    anchor: str


@dataclass(slots=True)
class Histogram:
    signal: str
    title: str
    caption: str
    values: int = 0
    documents: int = 0
    bars: list[Bar] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    y_max: int = 0
    width: int = WIDTH
    height: int = HEIGHT
    plot: tuple[int, int, int, int] = (LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM)

    @property
    def summary(self) -> str:
        """The chart in words, for screen readers (the SVG's aria-label)."""
        lines = "; ".join(m.title for m in self.markers) or "no threshold"
        return f"Histogram of {self.signal} over {self.values} documents; {lines}."


def histogram(signal: str, title: str, caption: str, kept: list[float], dropped: list[float], documents: int,
              lines: list[Line], *, upper: float | None = None) -> Histogram:
    """Bins from 0 to ``upper`` (default: the larger of the 99th percentile and the thresholds);
    values above ``upper`` count in the last bin, which says so."""
    chart = Histogram(signal, title, caption, values=len(kept) + len(dropped), documents=documents)
    everything = np.asarray(kept + dropped, dtype=float)
    if upper is None:
        top = float(np.percentile(everything, 99)) if everything.size else 1.0
        upper = _nice(max([top, *(line.value * 1.25 for line in lines)], default=1.0))
    edges = np.linspace(0.0, upper, BINS + 1)
    kept_counts = _counts(kept, edges)
    dropped_counts = _counts(dropped, edges)
    chart.y_max = int(max((k + d for k, d in zip(kept_counts, dropped_counts, strict=True)), default=0))
    left, top_y, width, height = chart.plot
    scale_y = height / chart.y_max if chart.y_max else 0.0
    bar_width = width / BINS
    for b in range(BINS):
        k, d = int(kept_counts[b]), int(dropped_counts[b])
        kept_h, dropped_h = k * scale_y, d * scale_y
        low, high = edges[b], edges[b + 1]
        span = f"{_fmt(low)} to {_fmt(high)}" if b < BINS - 1 else f"{_fmt(low)} or more"
        chart.bars.append(Bar(
            x=round(left + b * bar_width, 2), width=round(bar_width - 1, 2),
            kept_y=round(top_y + height - kept_h, 2), kept_height=round(kept_h, 2),
            dropped_y=round(top_y + height - kept_h - dropped_h, 2), dropped_height=round(dropped_h, 2),
            title=f"{signal} {span}: {k} kept, {d} dropped",
        ))
    for line in lines:
        if 0 <= line.value <= upper:
            x = round(left + width * line.value / upper, 2)
            anchor = "end" if x > left + width * 0.6 else "start"
            chart.markers.append(Marker(x, line.label, line.title, line.deciding, anchor))
    chart.ticks = [(round(left + width * f, 2), _fmt(upper * f)) for f in (0.0, 0.5, 1.0)]
    if upper > 1:
        chart.ticks = [(x, f"{float(label):,.0f}") for x, label in chart.ticks]
    return chart


def _counts(values: list[float], edges: np.ndarray) -> np.ndarray:
    # The last bin takes everything at or above its lower edge (the overflow).
    clipped = np.minimum(np.asarray(values, dtype=float), edges[-1])
    counts, _ = np.histogram(clipped, bins=edges)
    return counts


def _nice(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(power * step for step in (1, 2, 2.5, 5, 10) if power * step >= value)


def _fmt(value: float) -> str:
    return f"{value:.3g}"
