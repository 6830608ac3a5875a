"""Finding the other occurrences of a corrected error and applying the
correction to each through the one save path."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask import Flask

from app.assessments import SpanData, get_or_create_assessment, save_assessment
from app.errors import MtqaError
from app.extensions import db
from app.models import Assessment, Document, Revision, User
from app.propagate import apply_correction, find_candidates, variants
from tests.conftest import make_user
from tests.test_annotate import build_document, translation_at

MT = {
    3: "Wang Cola resigned from Kuaishou.",
    4: "When choosing a design, Cola Wang used marketing ideas.",
    5: "Wang Colas and Wang cola and Wang Colander are not him.",
    6: "😀 Wang Cola drank a cola with Wang Cola.",
    7: "Nothing here.",
}


@pytest.fixture
def user(app: Flask) -> User:
    return make_user("ann")


@pytest.fixture
def doc(user: User) -> Document:
    rows = [("title", "Former Internet employees", None), ("meta", "By Wang Cola", None)]
    rows += [("body", MT[p], None) for p in sorted(MT)]
    return build_document(rows)


def test_variants_add_the_other_word_order() -> None:
    assert variants("Wang Cola") == ["Wang Cola", "Cola Wang"]
    assert variants("  Wang   Cola ") == ["Wang Cola", "Cola Wang"]
    assert variants("Byte") == ["Byte"]


def test_candidates_are_case_sensitive_whole_word_matches(doc: Document, user: User) -> None:
    found = find_candidates(db.session, doc.corpus, "Wang Cola", "Wang Kele", user=user)
    by_position = {c.position: c for c in found}
    # Not the meta segment, not "Wang Colas", "Wang cola" or "Wang Colander".
    assert sorted(by_position) == [3, 4, 6]
    assert by_position[3].matches == ((0, 9),)
    assert by_position[4].matches == ((24, 33),)
    assert by_position[4].proposed == MT[4].replace("Cola Wang", "Wang Kele")
    # Code points: the emoji is one character, as in Python and the spans.
    six = by_position[6]
    assert six.matches == ((2, 11), (30, 39))
    assert [six.mt[s:e] for s, e in six.matches] == ["Wang Cola", "Wang Cola"]
    assert six.proposed == "😀 Wang Kele drank a cola with Wang Kele."
    assert six.context()[0]["before"] == "😀 " and six.context()[0]["match"] == "Wang Cola"


def test_the_proposal_starts_from_the_users_post_edit(doc: Document, user: User) -> None:
    t3 = translation_at(doc, 3)
    assessment = get_or_create_assessment(db.session, t3, user)
    save_assessment(
        db.session,
        assessment,
        user=user,
        base_version=assessment.version,
        post_edit="Wang Cola quit Kuaishou.",
        status="draft",
    )
    db.session.commit()
    found = find_candidates(db.session, doc.corpus, "Wang Cola", "Wang Kele", user=user)
    three = next(c for c in found if c.position == 3)
    assert three.current == "Wang Cola quit Kuaishou."
    assert three.proposed == "Wang Kele quit Kuaishou."
    # Someone else starts from the MT.
    other = make_user("other")
    theirs = find_candidates(db.session, doc.corpus, "Wang Cola", "Wang Kele", user=other)
    three = next(c for c in theirs if c.position == 3)
    assert three.proposed == "Wang Kele resigned from Kuaishou."


def test_apply_adds_the_span_once_and_keeps_existing_work(doc: Document, user: User) -> None:
    t6 = translation_at(doc, 6)
    assessment = get_or_create_assessment(db.session, t6, user)
    existing = SpanData(12, 17, "Fluency/Grammar", "Minor")
    save_assessment(
        db.session,
        assessment,
        user=user,
        base_version=assessment.version,
        post_edit=MT[6] + " Cheers.",
        status="done",
        spans=[existing],
    )
    db.session.commit()
    version = assessment.version

    result = apply_correction(
        db.session, t6, user, "Wang Cola", "Wang Kele",
        category="Accuracy/Mistranslation", severity="Major", note="name",
    )  # fmt: skip
    db.session.commit()
    assert result.outcome == "applied"
    db.session.refresh(assessment)
    assert assessment.version == version + 1
    assert assessment.status == "done"  # finished stays finished
    assert assessment.post_edit == "😀 Wang Kele drank a cola with Wang Kele. Cheers."
    spans = sorted((s.start, s.end, s.category, s.severity) for s in assessment.spans)
    assert spans == [
        (2, 11, "Accuracy/Mistranslation", "Major"),
        (12, 17, "Fluency/Grammar", "Minor"),
        (30, 39, "Accuracy/Mistranslation", "Major"),
    ]
    revision = db.session.scalar(
        sa.select(Revision).where(
            Revision.assessment_id == assessment.id, Revision.version == assessment.version
        )
    )
    assert len(json.loads(revision.spans_json)) == 3

    # Applying again changes nothing, and the translation is no longer offered.
    again = apply_correction(
        db.session, t6, user, "Wang Cola", "Wang Kele",
        category="Accuracy/Mistranslation", severity="Major",
    )  # fmt: skip
    assert again.outcome == "skipped"
    db.session.refresh(assessment)
    assert assessment.version == version + 1 and len(assessment.spans) == 3
    found = find_candidates(db.session, doc.corpus, "Wang Cola", "Wang Kele", user=user)
    assert 6 not in {c.position for c in found}


def test_apply_creates_a_draft_and_no_errors_becomes_draft(doc: Document, user: User) -> None:
    t3, t4 = translation_at(doc, 3), translation_at(doc, 4)
    four = get_or_create_assessment(db.session, t4, user)
    save_assessment(
        db.session, four, user=user, base_version=four.version, post_edit=MT[4], status="no_errors"
    )
    db.session.commit()
    for t in (t3, t4):
        result = apply_correction(
            db.session, t, user, "Wang Cola", "Wang Kele",
            category="Accuracy/Mistranslation", severity="Major",
        )  # fmt: skip
        assert result.outcome == "applied"
    db.session.commit()
    rows = {
        a.translation_id: a
        for a in db.session.scalars(sa.select(Assessment).where(Assessment.annotator_id == user.id))
    }
    assert rows[t3.id].status == "draft"
    assert rows[t3.id].post_edit == "Wang Kele resigned from Kuaishou."
    assert rows[t4.id].status == "draft"  # it now holds an error to review
    assert [(s.start, s.end) for s in rows[t4.id].spans] == [(24, 33)]


def test_no_match_is_skipped_and_nonsense_refused(doc: Document, user: User) -> None:
    t7 = translation_at(doc, 7)
    result = apply_correction(
        db.session, t7, user, "Wang Cola", "Wang Kele",
        category="Accuracy/Mistranslation", severity="Major",
    )  # fmt: skip
    assert result.outcome == "skipped"
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 0
    for wrong, right in (("", "x"), ("Wang Cola", "Wang Cola"), ("x" * 301, "y")):
        with pytest.raises(MtqaError):
            find_candidates(db.session, doc.corpus, wrong, right)


def test_like_wildcards_in_the_phrase_are_literal(doc: Document) -> None:
    assert find_candidates(db.session, doc.corpus, "Wang_Cola", "x") == []
    assert find_candidates(db.session, doc.corpus, "Wang%", "x") == []
