"""MQM penalties follow Freitag et al. (2021)'s weights and convention."""

from __future__ import annotations

import pytest

from app.assessments import SpanData
from app.scoring.mqm import MqmTally, corpus_mqm, segment_penalty


def span(category: str, severity: str) -> SpanData:
    return SpanData(0, 1, category, severity)


@pytest.mark.parametrize(
    ("category", "severity", "weight"),
    [
        ("Accuracy/Mistranslation", "Major", 5.0),
        ("Accuracy/Mistranslation", "Minor", 1.0),
        ("Fluency/Grammar", "Minor", 1.0),
        ("Fluency/Punctuation", "Minor", 0.1),
        ("Fluency/Punctuation", "Major", 5.0),
        ("Non-translation!", "Major", 25.0),
        ("Non-translation!", "Critical", 25.0),
        ("Style/Awkward", "Neutral", 0.0),
        ("Accuracy/Omission", "Critical", 5.0),
    ],
)
def test_segment_penalty_weights(category, severity, weight):
    assert segment_penalty([span(category, severity)]) == pytest.approx(weight)


def test_segment_penalty_sums_spans():
    spans = [
        span("Accuracy/Mistranslation", "Major"),
        span("Fluency/Punctuation", "Minor"),
        span("Fluency/Punctuation", "Minor"),
        span("Style/Awkward", "Minor"),
    ]
    assert segment_penalty(spans) == pytest.approx(5 + 0.1 + 0.1 + 1)
    assert segment_penalty([]) == 0.0


def test_tally_mean_per_segment_and_per_100_words():
    tally = MqmTally()
    tally.add([span("Accuracy/Mistranslation", "Major")], mt_words=10)
    tally.add([], mt_words=30)
    tally.add([span("Fluency/Grammar", "Minor"), span("Fluency/Grammar", "Minor")], mt_words=10)
    # Freitag et al.: the mean over segments, error-free ones included.
    assert tally.mean == pytest.approx((5 + 0 + 2) / 3)
    assert tally.per_100_words == pytest.approx(100 * 7 / 50)
    assert tally.errors == {
        ("Accuracy/Mistranslation", "Major"): 1,
        ("Fluency/Grammar", "Minor"): 2,
    }
    assert corpus_mqm([5.0, 0.0, 2.0]) == pytest.approx(tally.mean)


def test_nothing_finished_has_no_score():
    assert MqmTally().mean is None
    assert MqmTally().per_100_words is None
    assert corpus_mqm([]) is None
