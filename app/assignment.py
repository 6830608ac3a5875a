"""Building campaigns: which annotator gets which translation.

Plain Python over the session, no Flask: the admin pages, the CLI and the
seed all create campaigns through `create_campaign`.

round-robin deals segments out one by one: segment i goes to annotators
i·N … i·N+N-1 (mod the team), so the load differs by at most one segment
and consecutive segments of a document go to different people.
by-document deals whole (document, system) units the same way, so one
annotator keeps a document's context.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.annotate.queries import annotatable_clause
from app.errors import MtqaError
from app.models import (
    ASSIGNMENT_MODES,
    Assignment,
    Campaign,
    Corpus,
    Document,
    Segment,
    Translation,
    User,
)


class CampaignError(MtqaError):
    """A campaign that cannot be built as asked (no annotators, N too large…)."""


@dataclass(frozen=True)
class Unit:
    """What round-robin deals out: one translation, or a (document, system)
    group of them when assigning by document."""

    translation_ids: tuple[int, ...]


def plan(
    units: Sequence[Unit], annotator_ids: Sequence[int], per_segment: int
) -> list[tuple[int, int]]:
    """(translation_id, annotator_id) pairs: unit i goes to annotators
    i·N … i·N+N-1 of the team, taken in turn."""
    if not annotator_ids:
        raise CampaignError("a campaign needs at least one annotator")
    if len(set(annotator_ids)) != len(annotator_ids):
        raise CampaignError("an annotator is listed twice")
    if not 1 <= per_segment <= len(annotator_ids):
        raise CampaignError(
            f"{per_segment} annotators per segment asked, but the team has {len(annotator_ids)}"
        )
    team = len(annotator_ids)
    pairs: list[tuple[int, int]] = []
    for i, unit in enumerate(units):
        for k in range(per_segment):
            annotator = annotator_ids[(i * per_segment + k) % team]
            pairs.extend((tid, annotator) for tid in unit.translation_ids)
    return pairs


def campaign_units(
    session: Session,
    corpus: Corpus,
    mode: str,
    documents: Iterable[str] | None = None,
    systems: Iterable[str] | None = None,
) -> list[Unit]:
    """The annotatable translations of the corpus (or of the named documents
    and systems), in document and segment order, grouped by `mode`."""
    if mode not in ASSIGNMENT_MODES:
        raise CampaignError(
            f"unknown assignment mode {mode!r}; expected one of {', '.join(ASSIGNMENT_MODES)}"
        )
    stmt = (
        sa.select(Translation.id, Document.id, Translation.system, Segment.id)
        .join(Segment, Translation.segment_id == Segment.id)
        .join(Document, Segment.document_id == Document.id)
        .where(Document.corpus_id == corpus.id, annotatable_clause())
        .order_by(Document.position, Document.name, Translation.system, Segment.position)
    )
    if documents is not None:
        names = sorted(set(documents))
        known = set(
            session.scalars(
                sa.select(Document.name).where(
                    Document.corpus_id == corpus.id, Document.name.in_(names)
                )
            )
        )
        if missing := [n for n in names if n not in known]:
            raise CampaignError(f"corpus {corpus.name} has no document {missing[0]!r}")
        stmt = stmt.where(Document.name.in_(names))
    if systems is not None:
        wanted = sorted(set(systems))
        stmt = stmt.where(Translation.system.in_(wanted))
    rows = session.execute(stmt).all()
    if not rows:
        raise CampaignError(f"nothing to annotate in corpus {corpus.name} with that selection")
    if mode == "round-robin":
        return [Unit((tid,)) for tid, _doc, _system, _seg in rows]
    grouped: dict[tuple[int, str], list[int]] = {}
    for tid, doc, system, _seg in rows:
        grouped.setdefault((doc, system), []).append(tid)
    return [Unit(tuple(ids)) for ids in grouped.values()]


def create_campaign(
    session: Session,
    *,
    name: str,
    corpus: Corpus,
    annotators: Sequence[User],
    per_segment: int = 1,
    mode: str = "round-robin",
    documents: Iterable[str] | None = None,
    systems: Iterable[str] | None = None,
    description: str | None = None,
    created_by: User | None = None,
) -> Campaign:
    """Create the campaign and its assignments; the caller commits."""
    name = name.strip()
    if not name:
        raise CampaignError("a campaign needs a name")
    if session.scalar(sa.select(Campaign.id).where(Campaign.name == name)) is not None:
        raise CampaignError(f"a campaign named {name!r} already exists")
    if bad := [u.username for u in annotators if u.role not in ("annotator", "admin")]:
        raise CampaignError(f"{bad[0]} is not an annotator")
    units = campaign_units(session, corpus, mode, documents, systems)
    pairs = plan(units, [u.id for u in annotators], per_segment)
    campaign = Campaign(
        name=name,
        corpus_id=corpus.id,
        per_segment=per_segment,
        mode=mode,
        description=description,
        created_by=created_by.id if created_by else None,
    )
    session.add(campaign)
    session.flush()
    session.execute(
        sa.insert(Assignment),
        [{"campaign_id": campaign.id, "translation_id": t, "annotator_id": a} for t, a in pairs],
    )
    return campaign
