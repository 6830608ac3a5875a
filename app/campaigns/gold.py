"""Building a gold reference from the annotators' work (adjudication).

Plain Python over a session, no Flask. The reviewer picks a post-edit (or
writes one) and which of the annotators' error spans to keep; the gold is an
ordinary assessment of kind "gold", saved through `save_assessment`, so it
gets the same validation, version check and revision history as any save,
and the reference rule in scoring prefers it.

Spans are on the MT (or the source), never on a post-edit, so an
annotator's offsets stay valid in the gold whatever post-edit it keeps.

Two reviewers saving at once: the version check alone cannot see a gold
the other is still creating (each reviewer's gold is a row of its own, so
no unique constraint stops a second first gold either). `save_gold`
therefore locks the translation's row before it reads the current gold:
on PostgreSQL the second save waits for the first to commit, then reads
its gold and is refused like any stale save; on SQLite, writers are already
serialised by BEGIN IMMEDIATE (app/database.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.assessments import SpanData, get_or_create_assessment, save_assessment, span_data
from app.campaigns.queries import current_gold
from app.errors import MtqaError
from app.models import Assessment, ErrorSpan, Translation, User

#: What a gold may say: it is a finished judgement, never a draft.
GOLD_STATUSES = ("done", "no_errors")


class GoldConflict(MtqaError):
    """The gold changed since the reviewer loaded the page."""

    def __init__(self, current: Assessment | None) -> None:
        self.current = current
        if current is None:
            message = "the gold reference you started from no longer exists"
        else:
            message = (
                f"the gold reference was saved by {current.annotator.username} since you "
                f"loaded this page (now at version {current.version}); it is shown below, "
                "nothing was overwritten: merge your choices and save again"
            )
        super().__init__(message)


def span_key(span: SpanData) -> tuple[str, int, int, str]:
    """Spans with the same key mark the same error, whoever marked it."""
    return (span.side, span.start, span.end, span.category)


def merge_spans(spans: Iterable[SpanData]) -> list[SpanData]:
    """Keep each error once, the first choice of it winning (its severity
    and note); sorted by position."""
    kept: dict[tuple[str, int, int, str], SpanData] = {}
    for span in spans:
        kept.setdefault(span_key(span), span)
    return sorted(kept.values(), key=lambda s: (s.side, s.start, s.end, s.category))


def chosen_spans(
    session: Session, translation: Translation, span_ids: Sequence[int]
) -> list[SpanData]:
    """The spans with these ids, restricted to assessments of this
    translation (a forged id from elsewhere is ignored), in the order asked."""
    if not span_ids:
        return []
    rows = session.scalars(
        sa.select(ErrorSpan)
        .join(Assessment, Assessment.id == ErrorSpan.assessment_id)
        .where(ErrorSpan.id.in_(sorted(set(span_ids))), Assessment.translation_id == translation.id)
    ).all()
    by_id = {span.id: span_data(span) for span in rows}
    return merge_spans(by_id[i] for i in span_ids if i in by_id)


def lock_for_gold(session: Session, translation: Translation) -> None:
    """Hold the translation's row until the transaction ends, so that gold
    saves of one translation run one after the other. FOR NO KEY UPDATE:
    it waits only for another such lock, not for annotators' saves, whose
    inserts take the weaker key-share lock. SQLite ignores the clause."""
    session.execute(
        sa.select(Translation.id)
        .where(Translation.id == translation.id)
        .with_for_update(key_share=True)
    )


def save_gold(
    session: Session,
    translation: Translation,
    reviewer: User,
    *,
    gold_id: int | None,
    base_version: int,
    post_edit: str,
    status: str,
    span_ids: Sequence[int],
) -> Assessment:
    """Save the reviewer's gold; the caller commits (and records the audit
    event). `gold_id`/`base_version` name the gold the page showed (None/0
    for none): if the current gold is another one, or at another version,
    GoldConflict is raised and nothing is written. The current gold is read
    under `lock_for_gold`, so a concurrent save is seen, never overwritten."""
    if status not in GOLD_STATUSES:
        raise MtqaError(f"a gold reference is 'done' or 'no_errors', not {status!r}")
    lock_for_gold(session, translation)
    current = current_gold(session, translation.id)
    seen = (current.id, current.version) if current is not None else (None, 0)
    if seen != (gold_id, base_version):
        raise GoldConflict(current)
    gold = get_or_create_assessment(session, translation, reviewer, kind="gold")
    # A gold this reviewer creates now starts where the page's gold (if any,
    # another reviewer's) left off; their own is checked against its version.
    base = base_version if current is not None and current.id == gold.id else gold.version
    return save_assessment(
        session,
        gold,
        user=reviewer,
        base_version=base,
        post_edit=post_edit,
        status=status,
        spans=chosen_spans(session, translation, span_ids),
    )
