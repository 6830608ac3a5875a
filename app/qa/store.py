"""QA flags kept in the database, where annotators confirm or dismiss them.

The checks themselves are pure (app.qa.base); this module runs them over a
document with the corpus's glossary and reconciles the result with the
stored flags. A decided flag is the annotators' word on a check and is never
touched by a refresh, even if the check no longer raises it; open flags
follow the checks. Precision here is measured against those decisions,
unlike app.qa.precision, which measures against annotated spans.

Each refresh stamps the document (QaRun) with what the flags were computed
from: the check versions, a digest of the glossary and the number of
translations. `refresh_if_stale` recomputes only when that stamp no longer
matches, so a glossary pair added by "fix everywhere" raises its flags on
the next view, and a document that raises no flag is not checked again on
every view.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.errors import MtqaError
from app.glossary import corpus_glossary
from app.models import (
    ANNOTATABLE_KINDS,
    Corpus,
    Document,
    QaFlag,
    QaRun,
    Segment,
    Translation,
    User,
)
from app.models.base import utcnow
from app.qa.base import REGISTRY, Flag, GlossaryEntry, QaSegment, run_checks

DECISIONS = ("confirmed", "dismissed")

FlagKey = tuple[int, str, str, int, int]


@dataclass(frozen=True)
class RefreshResult:
    added: int
    removed: int
    kept: int


@dataclass(frozen=True)
class Stamp:
    """What a document's flags are computed from (the columns of QaRun)."""

    checks: str
    glossary: str
    translations: int


def _key(flag: QaFlag) -> FlagKey:
    return (flag.translation_id, flag.check, flag.side, flag.start, flag.end)


def glossary_digest(glossary: Sequence[GlossaryEntry]) -> str:
    """SHA-256 of the entries as the checks see them: any pair, source or
    note added, changed or removed changes it."""
    entries = [[e.source_term, e.target_term, list(e.wrong_variants), e.note] for e in glossary]
    text = json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _translation_count(session: Session, document: Document) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count(Translation.id))
            .join(Segment, Segment.id == Translation.segment_id)
            .where(Segment.document_id == document.id)
        )
        or 0
    )


def current_stamp(
    session: Session, document: Document, glossary: Sequence[GlossaryEntry] | None = None
) -> Stamp:
    if glossary is None:
        glossary = corpus_glossary(session, document.corpus)
    return Stamp(
        REGISTRY.versions(), glossary_digest(glossary), _translation_count(session, document)
    )


def stored_run(session: Session, document: Document) -> QaRun | None:
    """The document's stamp as the database holds it now (not a copy an
    earlier transaction of this session loaded)."""
    return session.scalar(
        sa.select(QaRun)
        .where(QaRun.document_id == document.id)
        .execution_options(populate_existing=True)
    )


def is_stale(session: Session, document: Document) -> bool:
    """Whether the stored flags were computed from anything other than the
    checks, glossary and translations there are now (or never computed)."""
    run = stored_run(session, document)
    if run is None:
        return True
    return Stamp(run.checks, run.glossary, run.translations) != current_stamp(session, document)


def document_flags(
    session: Session, document: Document, glossary: Sequence[GlossaryEntry] | None = None
) -> dict[FlagKey, tuple[Flag, bool]]:
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
    if glossary is None:
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
    delete open ones no longer raised, keep decided ones as they are; then
    stamp the document with what they were computed from. The caller
    commits."""
    glossary = corpus_glossary(session, document.corpus)
    raised = {
        k: f
        for k, (f, annotatable) in document_flags(session, document, glossary).items()
        if annotatable
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
    _stamp(session, document, current_stamp(session, document, glossary))
    session.flush()
    return RefreshResult(added, removed, len(existing) - removed)


def _stamp(session: Session, document: Document, stamp: Stamp) -> None:
    run = stored_run(session, document)
    if run is None:
        run = QaRun(document_id=document.id)
        session.add(run)
    run.checks, run.glossary, run.translations = stamp.checks, stamp.glossary, stamp.translations
    run.computed_at = utcnow()


def refresh_if_stale(session: Session, document: Document) -> RefreshResult | None:
    """`refresh_flags` when the document's stamp no longer matches (None:
    the stored flags are current). The caller commits."""
    if not is_stale(session, document):
        return None
    return refresh_flags(session, document)


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
