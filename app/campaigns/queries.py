"""Reads behind the campaign pages and the `mtqa campaign` commands.

Plain SQLAlchemy over a session, no Flask, so the pages and the CLI report
the same numbers. Each read is a fixed number of grouped queries whatever
the size of the campaign; counts are over integer ids, never text columns.

An annotator's work in a campaign is their ordinary ("annotation")
assessment of a translation assigned to them there: assessments carry no
campaign, so the assignment rows are what ties them to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, selectinload

from app.models import (
    FINISHED_STATUSES,
    Assessment,
    Assignment,
    Campaign,
    Corpus,
    Document,
    Segment,
    Translation,
    User,
)

#: Translations per page of the adjudication list.
ADJUDICATION_PAGE = 50


def _annotation_of_assignment() -> sa.ColumnElement[bool]:
    """Join condition: the assigned annotator's own assessment."""
    return sa.and_(
        Assessment.translation_id == Assignment.translation_id,
        Assessment.annotator_id == Assignment.annotator_id,
        Assessment.kind == "annotation",
    )


def _finished() -> sa.ColumnElement[bool]:
    return Assessment.status.in_(sorted(FINISHED_STATUSES))


@dataclass(frozen=True)
class CampaignSummary:
    campaign: Campaign
    corpus_name: str
    annotators: int
    assigned: int
    finished: int

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.assigned) if self.assigned else 0


def campaign_summaries(session: Session) -> list[CampaignSummary]:
    """Every campaign, newest first, with its team size and progress
    (finished assignments out of all assignments): one grouped query."""
    stmt = (
        sa.select(
            Campaign,
            Corpus.name,
            sa.func.count(sa.distinct(Assignment.annotator_id)),
            sa.func.count(Assignment.id),
            sa.func.count(sa.case((_finished(), Assessment.id))),
        )
        .join(Corpus, Campaign.corpus_id == Corpus.id)
        .outerjoin(Assignment, Assignment.campaign_id == Campaign.id)
        .outerjoin(Assessment, _annotation_of_assignment())
        .group_by(Campaign.id, Corpus.name)
        .order_by(Campaign.created_at.desc(), Campaign.id.desc())
    )
    return [CampaignSummary(*row) for row in session.execute(stmt).all()]


def campaign_by_name(session: Session, name: str) -> Campaign | None:
    return session.scalar(sa.select(Campaign).where(Campaign.name == name))


@dataclass(frozen=True)
class AnnotatorProgress:
    annotator_id: int
    username: str
    assigned: int
    finished: int
    drafts: int
    #: Seconds, summed over the annotator's assessments in the campaign.
    time_spent: float
    keystrokes: int
    last_activity: datetime | None

    @property
    def open(self) -> int:
        return self.assigned - self.finished

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.assigned) if self.assigned else 0

    def as_dict(self) -> dict[str, object]:
        return {
            "annotator": self.username,
            "assigned": self.assigned,
            "finished": self.finished,
            "drafts": self.drafts,
            "time_spent": round(self.time_spent, 1),
            "keystrokes": self.keystrokes,
            "last_activity": self.last_activity.isoformat() if self.last_activity else None,
        }


def annotator_progress(session: Session, campaign: Campaign) -> list[AnnotatorProgress]:
    """One row per annotator of the campaign, from ONE grouped query over
    its assignments outer-joined to the annotators' assessments (at most one
    per assignment: assessments are unique per translation, annotator, kind)."""
    stmt = (
        sa.select(
            User.id,
            User.username,
            sa.func.count(Assignment.id),
            sa.func.count(sa.case((_finished(), Assessment.id))),
            sa.func.count(sa.case((Assessment.status == "draft", Assessment.id))),
            sa.func.coalesce(sa.func.sum(Assessment.time_spent), 0.0),
            sa.func.coalesce(sa.func.sum(Assessment.keystrokes), 0),
            sa.func.max(Assessment.updated_at),
        )
        .select_from(Assignment)
        .join(User, User.id == Assignment.annotator_id)
        .outerjoin(Assessment, _annotation_of_assignment())
        .where(Assignment.campaign_id == campaign.id)
        .group_by(User.id, User.username)
        .order_by(User.username)
    )
    return [
        AnnotatorProgress(uid, name, assigned, done, drafts, float(spent), int(keys), last)
        for uid, name, assigned, done, drafts, spent, keys, last in session.execute(stmt)
    ]


def min_annotations(campaign: Campaign) -> int:
    """Finished annotations a translation needs before it is worth
    adjudicating: two to compare, or the only one when N is 1."""
    return 1 if campaign.per_segment <= 1 else 2


@dataclass(frozen=True)
class AdjudicationItem:
    translation_id: int
    document_name: str
    document_id: int
    position: int
    system: str
    finished: int
    gold_status: str | None


def adjudication_items(
    session: Session, campaign: Campaign, after: int | None = None, limit: int = ADJUDICATION_PAGE
) -> tuple[list[AdjudicationItem], int | None]:
    """A page of the campaign's translations with enough finished
    annotations, in translation id order from `after` (keyset pagination),
    and the `after` of the next page (None on the last). Two queries: the
    grouped page, then the gold status of its translations."""
    stmt = (
        sa.select(
            Assignment.translation_id,
            Document.name,
            Document.id,
            Segment.position,
            Translation.system,
            sa.func.count(Assessment.id),
        )
        .join(
            Assessment,
            sa.and_(_annotation_of_assignment(), _finished()),
        )
        .join(Translation, Translation.id == Assignment.translation_id)
        .join(Segment, Segment.id == Translation.segment_id)
        .join(Document, Document.id == Segment.document_id)
        .where(Assignment.campaign_id == campaign.id)
        .group_by(
            Assignment.translation_id,
            Document.name,
            Document.id,
            Segment.position,
            Translation.system,
        )
        .having(sa.func.count(Assessment.id) >= min_annotations(campaign))
        .order_by(Assignment.translation_id)
        .limit(limit + 1)
    )
    if after is not None:
        stmt = stmt.where(Assignment.translation_id > after)
    rows = session.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    gold = gold_statuses(session, [row[0] for row in rows])
    items = [AdjudicationItem(*row, gold_status=gold.get(row[0])) for row in rows]
    return items, (items[-1].translation_id if more else None)


def gold_statuses(session: Session, translation_ids: Sequence[int]) -> dict[int, str]:
    """Translation id → status of its gold reference, for those that have one."""
    if not translation_ids:
        return {}
    rows = session.execute(
        sa.select(Assessment.translation_id, Assessment.status).where(
            Assessment.kind == "gold", Assessment.translation_id.in_(translation_ids)
        )
    ).all()
    return dict(rows)


def in_campaign(session: Session, campaign: Campaign, translation_id: int) -> bool:
    return (
        session.scalar(
            sa.select(Assignment.id)
            .where(
                Assignment.campaign_id == campaign.id, Assignment.translation_id == translation_id
            )
            .limit(1)
        )
        is not None
    )


def campaign_annotations(
    session: Session, campaign: Campaign, translation_id: int
) -> list[Assessment]:
    """The assessments of the annotators assigned this translation in the
    campaign, with their spans and annotators, in username order."""
    annotator = aliased(User)
    stmt = (
        sa.select(Assessment)
        .join(Assignment, _annotation_of_assignment())
        .join(annotator, annotator.id == Assessment.annotator_id)
        .where(Assignment.campaign_id == campaign.id, Assignment.translation_id == translation_id)
        .options(selectinload(Assessment.spans), selectinload(Assessment.annotator))
        .order_by(annotator.username)
    )
    return list(session.scalars(stmt))


def current_gold(session: Session, translation_id: int) -> Assessment | None:
    """The gold reference scoring would use: the most recently updated one
    (normally there is one; two reviewers may each have built one)."""
    return session.scalar(
        sa.select(Assessment)
        .where(Assessment.translation_id == translation_id, Assessment.kind == "gold")
        .options(selectinload(Assessment.spans), selectinload(Assessment.annotator))
        .order_by(Assessment.updated_at.desc(), Assessment.id.desc())
        .limit(1)
    )
