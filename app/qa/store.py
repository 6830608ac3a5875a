"""QA flags kept in the database, where annotators confirm or dismiss them.

The checks themselves are pure (app.qa.base); this module runs them over a
document with the corpus's glossary and reconciles the result with the
stored flags. A decided flag is the annotators' word on a check and is never
touched by a refresh, even if the check no longer raises it; open flags
follow the checks. Precision here is measured against those decisions,
unlike app.qa.precision, which measures against annotated spans.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.errors import MtqaError
from app.glossary import corpus_glossary
from app.models import ANNOTATABLE_KINDS, Corpus, Document, QaFlag, Segment, Translation, User
from app.models.base import utcnow
from app.qa.base import REGISTRY, Flag, QaSegment, run_checks

DECISIONS = ("confirmed", "dismissed")

FlagKey = tuple[int, str, str, int, int]


@dataclass(frozen=True)
class RefreshResult:
    added: int
    removed: int
    kept: int


def _key(flag: QaFlag) -> FlagKey:
    return (flag.translation_id, flag.check, flag.side, flag.start, flag.end)


def document_flags(session: Session, document: Document) -> dict[FlagKey, tuple[Flag, bool]]:
    """What the checks raise now on a document, per MT system (the name and
    pronoun checks compare mentions within one system's output), keyed like
    the stored flags, with whether the segment is offered for annotation."""
    rows = session.execute(
        sa.select(Segment, Translation)
        .join(Translation, Translation.segment_id == Segment.id)
        .where(Segment.document_id == document.id)
        .order_by(Translation.system, Segment.position)
    ).all()
    by_system: dict[str, list[tuple[Segment, Translation]]] = defaultdict(list)
    for segment, translation in rows:
        by_system[translation.system].append((segment, translation))
    corpus = document.corpus
    glossary = corpus_glossary(session, corpus)
    raised: dict[FlagKey, tuple[Flag, bool]] = {}
    for pairs in by_system.values():
        at = {segment.position: (segment, translation) for segment, translation in pairs}
        segments = [QaSegment(s.position, s.source, t.text) for s, t in pairs]
        for flag in run_checks(segments, glossary, target_lang=corpus.target_lang):
            segment, translation = at[flag.position]
            annotatable = segment.annotatable and segment.kind in ANNOTATABLE_KINDS
            key = (translation.id, flag.check, "target", flag.start, flag.end)
            raised.setdefault(key, (flag, annotatable))
    return raised


def refresh_flags(session: Session, document: Document) -> RefreshResult:
    """Bring the stored flags of a document in line with the checks: insert
    new ones (on annotatable segments only: nobody could decide the others),
    delete open ones no longer raised, keep decided ones as they are.
    The caller commits."""
    raised = {
        k: f for k, (f, annotatable) in document_flags(session, document).items() if annotatable
    }
    stored = session.scalars(
        sa.select(QaFlag)
        .join(Translation, Translation.id == QaFlag.translation_id)
        .join(Segment, Segment.id == Translation.segment_id)
        .where(Segment.document_id == document.id)
    ).all()
    existing = {_key(flag): flag for flag in stored}
    removed = 0
    for key, flag in existing.items():
        if flag.status == "open" and key not in raised:
            session.delete(flag)
            removed += 1
        elif flag.status == "open":
            found = raised[key]
            flag.message, flag.suggestion = found.message, found.suggestion
    added = 0
    for key, found in raised.items():
        if key in existing:
            continue
        translation_id, check, side, start, end = key
        session.add(
            QaFlag(
                translation_id=translation_id,
                check=check,
                side=side,
                start=start,
                end=end,
                message=found.message,
                suggestion=found.suggestion,
                category=found.category,
                severity=found.severity,
                status="open",
            )
        )
        added += 1
    session.flush()
    return RefreshResult(added, removed, len(existing) - removed)


def has_flags(session: Session, document: Document) -> bool:
    return (
        session.scalar(
            sa.select(QaFlag.id)
            .join(Translation, Translation.id == QaFlag.translation_id)
            .join(Segment, Segment.id == Translation.segment_id)
            .where(Segment.document_id == document.id)
            .limit(1)
        )
        is not None
    )


def translation_flags(session: Session, translation_id: int) -> list[QaFlag]:
    return list(
        session.scalars(
            sa.select(QaFlag)
            .where(QaFlag.translation_id == translation_id)
            .order_by(QaFlag.start, QaFlag.end, QaFlag.check)
        )
    )


def decide(session: Session, flag: QaFlag, user: User, status: str) -> QaFlag:
    """Record an annotator's decision; a later decision replaces an earlier
    one (the annotator changed their mind). The caller commits."""
    if status not in DECISIONS:
        raise MtqaError(f"a decision is one of {', '.join(DECISIONS)}, not {status!r}")
    flag.status = status
    flag.decided_by = user.id
    flag.decided_at = utcnow()
    session.flush()
    return flag


@dataclass(frozen=True)
class DecisionPrecision:
    check: str
    flags: int
    confirmed: int
    dismissed: int
    open: int

    @property
    def decided(self) -> int:
        return self.confirmed + self.dismissed

    @property
    def precision(self) -> float | None:
        """Confirmed among decided flags; None before any decision (open
        flags say nothing either way)."""
        return self.confirmed / self.decided if self.decided else None


def precision_from_decisions(session: Session, corpus: Corpus) -> list[DecisionPrecision]:
    """Per registered check (and any other check with stored flags), in
    registry order: flags raised, confirmed, dismissed, open, precision."""
    rows = session.execute(
        sa.select(QaFlag.check, QaFlag.status, sa.func.count(QaFlag.id))
        .join(Translation, Translation.id == QaFlag.translation_id)
        .join(Segment, Segment.id == Translation.segment_id)
        .join(Document, Document.id == Segment.document_id)
        .where(Document.corpus_id == corpus.id)
        .group_by(QaFlag.check, QaFlag.status)
    ).all()
    counts: dict[str, dict[str, int]] = {check: {} for check in REGISTRY.ids()}
    for check, status, n in rows:
        counts.setdefault(check, {})[status] = n
    return [
        DecisionPrecision(
            check,
            sum(c.values()),
            c.get("confirmed", 0),
            c.get("dismissed", 0),
            c.get("open", 0),
        )
        for check, c in counts.items()
    ]
