"""Chinese script conversion with opencc, in scoring and in display."""

from __future__ import annotations

import pytest
from sacrebleu.metrics import BLEU

from app.assessments import get_or_create_assessment, save_assessment
from app.chinese import (
    CONVERSIONS,
    ScriptConversionError,
    check_conversion,
    convert,
    display_source,
    normaliser_for,
)
from app.extensions import db
from app.models import Corpus, Document, Segment, Translation
from app.scoring.incremental import corpus_scores_from_db
from app.scoring.metrics import corpus_scores
from app.scoring.report import corpus_report
from tests.conftest import make_user

SIMPLIFIED = "后来他说，这家软件公司的员工们都回到了现实世界。"  # noqa: RUF001
TRADITIONAL = "後來他說，這家軟件公司的員工們都回到了現實世界。"  # noqa: RUF001


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("t2s", TRADITIONAL, SIMPLIFIED),
        ("s2t", SIMPLIFIED, TRADITIONAL),
        ("tw2s", "軟體", "软体"),
        ("tw2sp", "軟體", "软件"),
        ("s2twp", "软件", "軟體"),
        ("s2hk", "说", "説"),
        ("none", TRADITIONAL, TRADITIONAL),
    ],
)
def test_conversions(name, text, expected):
    assert convert(text, name) == expected


def test_every_listed_conversion_loads():
    for name in CONVERSIONS:
        assert isinstance(convert("后来", name), str)


def test_unknown_conversion_is_a_clear_error():
    with pytest.raises(ScriptConversionError, match=r"unknown script normalisation 'zh2en'.*t2s"):
        check_conversion("zh2en")
    with pytest.raises(ScriptConversionError):
        normaliser_for(
            Corpus(name="x", source_lang="en", target_lang="zh", script_normalisation="t2x")
        )


def test_display_source_converts_only_what_is_shown():
    assert display_source(TRADITIONAL, "simplified") == SIMPLIFIED
    assert display_source(SIMPLIFIED, "traditional") == TRADITIONAL
    assert display_source(TRADITIONAL, "original") == TRADITIONAL
    assert display_source(TRADITIONAL, None) == TRADITIONAL
    assert display_source(None, "simplified") is None
    with pytest.raises(ScriptConversionError, match="display script 'cyrillic'"):
        display_source(SIMPLIFIED, "cyrillic")


def zh_corpus(normalisation: str) -> Corpus:
    """A Chinese-target corpus whose MT is Traditional and whose post-edit,
    saved through the save path, is the same text in Simplified."""
    user = make_user(f"ann-{normalisation}")
    corpus = Corpus(
        name=f"zh-{normalisation}",
        source_lang="en",
        target_lang="zh",
        script_normalisation=normalisation,
    )
    doc = Document(corpus=corpus, name="d")
    seg = Segment(document=doc, position=1, source="Later he said ...")
    translation = Translation(segment=seg, system="mt", text=TRADITIONAL)
    db.session.add_all([corpus, doc, seg, translation])
    db.session.flush()
    assessment = get_or_create_assessment(db.session, translation, user)
    save_assessment(
        db.session, assessment, user=user, base_version=assessment.version,
        post_edit=SIMPLIFIED, status="done",
    )  # fmt: skip
    db.session.commit()
    return corpus


def test_traditional_mt_against_simplified_post_edit_is_perfect_with_t2s(app):
    normalised = zh_corpus("t2s")
    plain = zh_corpus("none")
    for scores in (
        corpus_scores_from_db(db.session, normalised).metrics,
        corpus_report(db.session, normalised).metrics,
    ):
        # sacrebleu's own float arithmetic gives 100.00000000000004 here.
        assert scores["bleu"].score == pytest.approx(100.0)
        assert scores["chrf"].score == pytest.approx(100.0)
        assert scores["ter"].score == 0.0
    for scores in (
        corpus_scores_from_db(db.session, plain).metrics,
        corpus_report(db.session, plain).metrics,
    ):
        assert scores["bleu"].score < 100.0
        assert scores["chrf"].score < 100.0
        assert scores["ter"].score > 0.0


def test_zh_target_is_scored_with_the_zh_tokenizer(app):
    corpus = zh_corpus("none")
    result = corpus_scores_from_db(db.session, corpus).metrics["bleu"]
    assert "tok:zh" in result.signature
    assert result.score == BLEU(tokenize="zh").corpus_score([TRADITIONAL], [[SIMPLIFIED]]).score
    # 13a would see one long token per clause and give another number.
    assert result.score != corpus_scores([TRADITIONAL], [SIMPLIFIED])["bleu"].score
