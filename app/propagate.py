"""Fix once, apply everywhere: the other places an MT made the same error.

When an annotator corrects "Wang Cola" to "Wang Kele" in one segment, the
same MT has usually written "Wang Cola" (or, switching name order, "Cola
Wang") elsewhere in the corpus. This module finds those occurrences and
applies the same correction and error span to each, through the one save
path (`save_assessment`), so versions and revisions work as for any save.

Matching is case-sensitive and on word boundaries: "Cola" must not match
inside "Colander", and "wang" (a common word in other contexts) is not
"Wang". Offsets are code points into the MT, as error spans are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.assessments import (
    SpanData,
    get_or_create_assessment,
    save_assessment,
    span_data,
)
from app.errors import MtqaError
from app.models import FINISHED_STATUSES, Assessment, Corpus, Document, Segment, Translation, User

#: Characters of MT shown either side of a match in the review dialog.
CONTEXT = 60
MAX_PHRASE = 300


def variants(wrong: str) -> list[str]:
    """The phrase and its word-order variant ("Cola Wang" for "Wang Cola"):
    MT of Chinese names switches between Chinese and Western order."""
    words = wrong.split()
    found = [" ".join(words)] if words else []
    if len(words) > 1:
        reordered = " ".join(reversed(words))
        if reordered not in found:
            found.append(reordered)
    return found


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """Case-sensitive, whole words at the phrase's word-like ends; longer
    phrases first so that one never shadows another that contains it."""
    parts = []
    for phrase in sorted(set(phrases), key=len, reverse=True):
        left = r"(?<!\w)" if phrase[:1].isalnum() else ""
        right = r"(?!\w)" if phrase[-1:].isalnum() else ""
        parts.append(left + re.escape(phrase) + right)
    return re.compile("|".join(parts))


def check_pair(wrong: str, right: str) -> tuple[str, str]:
    wrong, right = wrong.strip(), right.strip()
    if not wrong:
        raise MtqaError("say which wrong phrase to look for")
    if len(wrong) > MAX_PHRASE or len(right) > MAX_PHRASE:
        raise MtqaError(f"phrases are at most {MAX_PHRASE} characters")
    if wrong == right:
        raise MtqaError("the correction is the same as the wrong phrase")
    return wrong, right


@dataclass(frozen=True)
class Candidate:
    """One translation holding the wrong phrase; `matches` are MT offsets."""

    translation_id: int
    document_id: int
    position: int
    system: str
    mt: str
    matches: tuple[tuple[int, int], ...]
    current: str
    proposed: str

    def context(self) -> list[dict[str, object]]:
        """Each match with the MT around it, for the review dialog."""
        return [
            {
                "before": self.mt[max(0, start - CONTEXT) : start],
                "match": self.mt[start:end],
                "after": self.mt[end : end + CONTEXT],
                "start": start,
                "end": end,
            }
            for start, end in self.matches
        ]

    def as_dict(self) -> dict[str, object]:
        return {
            "translation_id": self.translation_id,
            "document_id": self.document_id,
            "position": self.position,
            "system": self.system,
            "matches": [list(m) for m in self.matches],
            "context": self.context(),
            "current": self.current,
            "proposed": self.proposed,
        }


def replace_all(text: str, pattern: re.Pattern[str], right: str) -> str:
    return pattern.sub(lambda _: right, text)


def _candidate(
    translation: Translation,
    position: int,
    document_id: int,
    pattern: re.Pattern[str],
    right: str,
    current: str,
) -> Candidate | None:
    matches = tuple((m.start(), m.end()) for m in pattern.finditer(translation.text))
    if not matches:
        return None
    return Candidate(
        translation.id,
        document_id,
        position,
        translation.system,
        translation.text,
        matches,
        current,
        replace_all(current, pattern, right),
    )


def find_candidates(
    session: Session,
    corpus: Corpus,
    wrong: str,
    right: str,
    *,
    user: User | None = None,
    where: sa.ColumnElement[bool] | None = None,
    exclude: Iterable[int] = (),
) -> list[Candidate]:
    """Translations of the corpus whose MT holds `wrong` or its word-order
    variant, in document order. The proposed post-edit applies the
    correction to `user`'s current post-edit when they have one, else to the
    MT. `where` narrows the translations (e.g. to what the user may annotate).
    A translation where nothing would change (spans already there, post-edit
    already corrected) is left out."""
    wrong, right = check_pair(wrong, right)
    phrases = variants(wrong)
    pattern = phrase_pattern(phrases)
    stmt = (
        sa.select(Translation, Segment.position, Segment.document_id)
        .join(Segment, Segment.id == Translation.segment_id)
        .join(Document, Document.id == Segment.document_id)
        .where(
            Document.corpus_id == corpus.id,
            Segment.annotatable.is_(True),
            Segment.kind.in_(("title", "heading", "body")),
            sa.or_(*(Translation.text.contains(p, autoescape=True) for p in phrases)),
        )
        .order_by(Document.position, Document.id, Segment.position, Translation.system)
    )
    if where is not None:
        stmt = stmt.where(where)
    skip = set(exclude)
    rows = [row for row in session.execute(stmt) if row[0].id not in skip]
    mine = _assessments(session, [t.id for t, _, _ in rows], user)
    found = []
    for translation, position, document_id in rows:
        assessment = mine.get(translation.id)
        current = translation.text
        existing: set[tuple[int, int]] = set()
        if assessment is not None:
            if assessment.post_edit is not None:
                current = assessment.post_edit
            existing = {(s.start, s.end) for s in assessment.spans if s.side == "target"}
        candidate = _candidate(translation, position, document_id, pattern, right, current)
        if candidate is None:
            continue
        if candidate.proposed == current and set(candidate.matches) <= existing:
            continue
        found.append(candidate)
    return found


def _assessments(
    session: Session, translation_ids: list[int], user: User | None
) -> dict[int, Assessment]:
    """The user's assessments of these translations with their spans, in
    two queries whatever their number."""
    if user is None or not translation_ids:
        return {}
    found = session.scalars(
        sa.select(Assessment)
        .where(
            Assessment.translation_id.in_(translation_ids),
            Assessment.annotator_id == user.id,
            Assessment.kind == "annotation",
        )
        .options(selectinload(Assessment.spans))
    )
    return {a.translation_id: a for a in found}


@dataclass(frozen=True)
class ApplyResult:
    translation_id: int
    #: applied | skipped | conflict
    outcome: str
    message: str = ""
    version: int | None = None


def apply_correction(
    session: Session,
    translation: Translation,
    user: User,
    wrong: str,
    right: str,
    *,
    category: str,
    severity: str,
    note: str | None = None,
) -> ApplyResult:
    """Apply the correction to `user`'s assessment of one translation: a
    span on each match not already marked, the post-edit with every match
    replaced. Based on the assessment's current version, so it is refused
    (StaleVersionError, StaleDataError on flush) only if a save slips in
    meanwhile. The status stays finished if it was (`no_errors` becomes
    draft: it now holds an error to review), else draft. The caller commits.
    """
    wrong, right = check_pair(wrong, right)
    pattern = phrase_pattern(variants(wrong))
    matches = [(m.start(), m.end()) for m in pattern.finditer(translation.text)]
    if not matches:
        return ApplyResult(translation.id, "skipped", "the MT no longer holds the phrase")
    assessment = get_or_create_assessment(session, translation, user)
    spans = [span_data(s) for s in assessment.spans]
    marked = {(s.start, s.end) for s in spans if s.side == "target"}
    new = [
        SpanData(start, end, category, severity, "target", note)
        for start, end in matches
        if (start, end) not in marked
    ]
    current = assessment.post_edit if assessment.post_edit is not None else translation.text
    post_edit = replace_all(current, pattern, right)
    if not new and post_edit == current:
        return ApplyResult(translation.id, "skipped", "already corrected", assessment.version)
    status = assessment.status
    if status not in FINISHED_STATUSES or status == "no_errors":
        status = "draft"
    save_assessment(
        session,
        assessment,
        user=user,
        base_version=assessment.version,
        post_edit=post_edit,
        status=status,
        spans=spans + new,
    )
    return ApplyResult(translation.id, "applied", "", assessment.version)
