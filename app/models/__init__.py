"""SQLAlchemy 2.0 typed models. Nothing here knows about HTTP or files."""

from app.models.assessment import (
    FINISHED_STATUSES,
    STATUSES,
    Assessment,
    ErrorSpan,
    Revision,
)
from app.models.audit import AUDIT_EVENTS, AuditEvent
from app.models.base import Base
from app.models.corpus import (
    ANNOTATABLE_KINDS,
    SEGMENT_KINDS,
    Corpus,
    Document,
    Segment,
    Translation,
)
from app.models.stats import CorpusStatsTotal, SegmentStats
from app.models.user import ROLES, User

__all__ = [
    "ANNOTATABLE_KINDS",
    "AUDIT_EVENTS",
    "FINISHED_STATUSES",
    "ROLES",
    "SEGMENT_KINDS",
    "STATUSES",
    "Assessment",
    "AuditEvent",
    "Base",
    "Corpus",
    "CorpusStatsTotal",
    "Document",
    "ErrorSpan",
    "Revision",
    "Segment",
    "SegmentStats",
    "Translation",
    "User",
]
