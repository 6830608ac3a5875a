"""Error spans marked up in a segment's text, safely.

The text is annotators' and MT systems' data, so it is never trusted as
HTML: it is cut at every span boundary and each piece is escaped on its
own before the `<mark>` elements go around it. Overlapping spans nest
naturally this way (a piece is marked by every span that covers it), and an
empty span (an omission) becomes a caret at its offset.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise

from markupsafe import Markup, escape

from app.assessments import SpanData
from app.mqm import SEVERITIES, error_weight

#: Most severe first: a piece covered by several spans takes the first's class.
_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


def _label(span: SpanData) -> str:
    label = f"{span.category} ({span.severity}, {error_weight(span.category, span.severity):g})"
    return f"{label}: {span.note}" if span.note else label


def _mark(content: Markup, spans: Sequence[SpanData], extra_class: str = "") -> Markup:
    worst = min(spans, key=lambda s: _RANK.get(s.severity, len(_RANK)))
    classes = f"err sev-{worst.severity.lower()}{extra_class}"
    title = "; ".join(_label(s) for s in spans)
    return Markup('<mark class="{}" title="{}">{}</mark>').format(classes, title, content)


def highlight(text: str, spans: Iterable[SpanData], side: str = "target") -> Markup:
    """`text` as escaped HTML with the spans of `side` marked. Offsets are
    code-point indices (as stored); spans outside the text are clipped."""
    length = len(text)
    own = [
        SpanData(min(s.start, length), min(s.end, length), s.category, s.severity, s.side, s.note)
        for s in spans
        if s.side == side
    ]
    ranges = [s for s in own if s.end > s.start]
    points = [s for s in own if s.end == s.start]
    cuts = sorted({0, length, *(s.start for s in own), *(s.end for s in ranges)})
    out: list[Markup] = []
    for left, right in pairwise(cuts):
        out.extend(_omissions(points, left))
        piece = escape(text[left:right])
        covering = [s for s in ranges if s.start <= left and right <= s.end]
        out.append(_mark(piece, covering) if covering else piece)
    out.extend(_omissions(points, length))
    return Markup("").join(out)


def _omissions(points: Sequence[SpanData], at: int) -> list[Markup]:
    here = [s for s in points if s.start == at]
    return [_mark(Markup("&#8248;"), here, " omitted")] if here else []
