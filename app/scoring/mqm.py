"""MQM scores from error spans.

Convention (Freitag et al. 2021, "Experts, Errors, and Context", TACL 9):
a segment's penalty is the sum of its errors' weights (`app.mqm.error_weight`:
Major 5, Minor 1, Minor Fluency/Punctuation 0.1, Major Non-translation 25,
Neutral 0), and a system's MQM score is the mean penalty per segment. Lower
is better; 0 means no error was found. This is the convention of the WMT
MQM tables and of google-research/mt-metrics-eval, so the numbers can be
compared with published ones. Some tools report the negated value (higher
is better); mtqa keeps the sign of the paper.

The mean per segment hides segment length, so mtqa also reports the penalty
per 100 MT words (whitespace tokens), the normalisation of the original MQM
framework's per-word error rates, which is comparable across corpora whose
segments differ in length.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from app.mqm import error_weight


class Span(Protocol):
    """Anything with a category and a severity: `SpanData` or `ErrorSpan`."""

    @property
    def category(self) -> str: ...

    @property
    def severity(self) -> str: ...


def segment_penalty(spans: Iterable[Span]) -> float:
    """Sum of the error weights of one assessment's spans (source-side
    spans included: a source error is still an error the annotator marked)."""
    return float(sum(error_weight(s.category, s.severity) for s in spans))


@dataclass
class MqmTally:
    """Running MQM totals over finished assessments, one `add` each."""

    segments: int = 0
    words: int = 0
    penalty: float = 0.0
    #: Error counts by (category, severity), for the report's breakdown.
    errors: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, spans: Iterable[Span], mt_words: int) -> float:
        spans = list(spans)
        penalty = segment_penalty(spans)
        self.segments += 1
        self.words += mt_words
        self.penalty += penalty
        for span in spans:
            key = (span.category, span.severity)
            self.errors[key] = self.errors.get(key, 0) + 1
        return penalty

    @property
    def mean(self) -> float | None:
        """Mean penalty per finished segment (Freitag et al.); None when no
        segment is finished, since 0 would claim a perfect translation."""
        return self.penalty / self.segments if self.segments else None

    @property
    def per_100_words(self) -> float | None:
        """Penalty per 100 MT words; None when there are no words."""
        return 100.0 * self.penalty / self.words if self.words else None


def corpus_mqm(penalties: Iterable[float]) -> float | None:
    """Mean of segment penalties: the corpus MQM score (lower is better)."""
    values = list(penalties)
    return sum(values) / len(values) if values else None
