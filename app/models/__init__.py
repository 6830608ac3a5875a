"""SQLAlchemy 2.0 typed models. Nothing here knows about HTTP or files."""

from app.models.assessment import (
    FINISHED_STATUSES,
    KINDS,
    STATUSES,
    Assessment,
    ErrorSpan,
    Revision,
)
from app.models.audit import AUDIT_EVENTS, AuditEvent
from app.models.base import Base
from app.models.campaign import ASSIGNMENT_MODES, Assignment, Campaign
from app.models.corpus import (
    ANNOTATABLE_KINDS,
    SEGMENT_KINDS,
    Corpus,
    Document,
    Segment,
    Translation,
)
from app.models.glossary import GlossaryTerm
from app.models.qa_flag import FLAG_STATUSES, QaFlag, QaRun
from app.models.stats import CorpusStatsTotal, SegmentStats
from app.models.token import ApiToken
from app.models.user import ROLES, User

__all__ = [
    "ANNOTATABLE_KINDS",
    "ASSIGNMENT_MODES",
    "AUDIT_EVENTS",
    "FINISHED_STATUSES",
    "FLAG_STATUSES",
    "KINDS",
    "ROLES",
    "SEGMENT_KINDS",
    "STATUSES",
    "ApiToken",
    "Assessment",
    "Assignment",
    "AuditEvent",
    "Base",
    "Campaign",
    "Corpus",
    "CorpusStatsTotal",
    "Document",
    "ErrorSpan",
    "GlossaryTerm",
    "QaFlag",
    "QaRun",
    "Revision",
    "Segment",
    "SegmentStats",
    "Translation",
    "User",
]
