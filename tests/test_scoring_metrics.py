"""The metrics agree with sacrebleu's own corpus and sentence scores."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sacrebleu.metrics import BLEU, CHRF, TER

from app.errors import MtqaError
from app.scoring.metrics import (
    CorpusScorer,
    corpus_scores,
    sacrebleu_command,
    score_from_statistics,
    segment_statistics,
    sum_statistics,
    tokenizer_for,
)
from app.scoring.text import one_line

HYPS = [
    "Former Internet employees, back to the real world",
    "Wang Cola said that the big factory was no longer hiring.",
    "He joined station B in 2019 , and she left a year later.",
    "Human Jiuhua opened a new store.",
    "",
    "Short.",
]
REFS = [
    "Former internet employees go back to the real world",
    "Wang Kele said that big tech companies were no longer hiring.",
    "She joined Bilibili in 2019 and left a year later.",
    "Renren Jiuhua opened a new store.",
    "Nothing was translated here.",
    "Short.",
]
ZH_HYPS = ["前互联网员工，回到现实世界", "王可乐说大厂不再招人了。"]  # noqa: RUF001
ZH_REFS = ["前互联网员工回到真实世界", "王可乐说，大厂已经不招人了。"]  # noqa: RUF001


def sacrebleu_objects(tokenize: str = "13a") -> dict:
    return {"bleu": BLEU(tokenize=tokenize), "chrf": CHRF(), "ter": TER()}


@pytest.mark.parametrize(
    ("hyps", "refs", "tokenize"), [(HYPS, REFS, "13a"), (ZH_HYPS, ZH_REFS, "zh")]
)
def test_corpus_scores_equal_sacrebleu_corpus_score(hyps, refs, tokenize):
    ours = corpus_scores(hyps, refs, tokenize=tokenize)
    for name, metric in sacrebleu_objects(tokenize).items():
        expected = metric.corpus_score(hyps, [refs])
        assert ours[name].score == expected.score, name
        assert ours[name].signature == metric.get_signature().format(), name
    assert f"tok:{tokenize}|" in ours["bleu"].signature


def test_segment_scores_equal_sentence_score():
    scorer = CorpusScorer()
    sentence = {"bleu": BLEU(effective_order=True), "chrf": CHRF(), "ter": TER()}
    for hyp, ref in zip(HYPS, REFS, strict=True):
        scores = scorer.add(hyp, ref)
        for name, metric in sentence.items():
            assert scores[name] == metric.sentence_score(hyp, [ref]).score, (name, hyp)


def test_sentence_bleu_uses_effective_order():
    # Without effective order a two-word exact match has no 3- or 4-gram and scores ~0.
    scores = CorpusScorer().add("Thank you", "Thank you")
    assert scores["bleu"] == pytest.approx(100.0)
    assert corpus_scores(["Thank you"], ["Thank you"])["bleu"].score < 100.0


def test_chinese_target_uses_the_zh_tokenizer():
    assert tokenizer_for("zh") == "zh"
    assert tokenizer_for("zh-Hans") == "zh"
    assert tokenizer_for("en") == "13a"
    assert tokenizer_for(None) == "13a"
    assert "-tok zh" in sacrebleu_command(tokenize="zh")
    assert sacrebleu_command() == "sacrebleu ref.txt -i hyp.txt -m bleu chrf ter"


def test_normalise_hook_is_applied_to_both_sides():
    plain = corpus_scores(["colour"], ["color"])
    normalised = corpus_scores(["colour"], ["color"], normalise=lambda s: s.replace("ou", "o"))
    assert plain["chrf"].score < 100.0
    assert normalised["chrf"].score == pytest.approx(100.0)


def test_text_is_scored_as_one_line():
    assert one_line("a\nb\r\n\tc  \u2028d ") == "a b c   d"
    assert segment_statistics("a b\nc", "a b c") == segment_statistics("a b c", "a b c")


def test_empty_corpus_has_signatures_but_no_scores():
    results = corpus_scores([], [])
    assert all(r.score is None for r in results.values())
    assert results["bleu"].signature.startswith("nrefs:1|")


def test_bad_input_raises_mtqa_error():
    with pytest.raises(MtqaError):
        corpus_scores(["a", "b"], ["a"])
    with pytest.raises(MtqaError, match="unknown metric"):
        CorpusScorer(metrics=("meteor",))


VOCABULARY = ("the", "a", "cat", "dog", "sat", "on", "mat", "猫", ".", ",", "big", "factory")
words = st.lists(st.sampled_from(VOCABULARY), max_size=12)
sentence_pairs = st.lists(
    st.tuples(words.map(" ".join), words.map(" ".join)), min_size=1, max_size=8
)


@settings(max_examples=50, deadline=None)
@given(sentence_pairs)
def test_summed_statistics_give_the_corpus_score(pairs):
    hyps = [h for h, _ in pairs]
    refs = [r for _, r in pairs]
    # Statistics stored as floats (as a database column would) still sum exactly.
    rows = [
        {k: [float(x) for x in v] for k, v in segment_statistics(h, r).items()} for h, r in pairs
    ]
    summed = sum_statistics(rows)
    for name, metric in sacrebleu_objects().items():
        expected = metric.corpus_score(hyps, [refs]).score
        assert score_from_statistics(name, summed[name]) == expected, name
