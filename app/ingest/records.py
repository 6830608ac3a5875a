"""Plain records that every reader produces and the loader stores.

Readers know files, not the database; the loader knows the database, not
files. These dataclasses are the whole contract between the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.assessments import SpanData


@dataclass(slots=True)
class AssessmentRecord:
    annotator: str
    status: str = "done"
    post_edit: str | None = None
    time_spent: float = 0.0
    keystrokes: int = 0
    spans: list[SpanData] = field(default_factory=list)
    #: The assessment whose post-edit is the translation's reference. The
    #: loader stores it as the most recently updated one, so that the
    #: reference rule picks the same assessment after a round trip.
    primary: bool = False


@dataclass(slots=True)
class TranslationRecord:
    system: str
    text: str
    assessments: list[AssessmentRecord] = field(default_factory=list)


@dataclass(slots=True)
class SegmentRecord:
    position: int
    source: str | None
    translations: list[TranslationRecord] = field(default_factory=list)
    paragraph: int = 0
    kind: str = "body"
    annotatable: bool = True
    external_id: str | None = None
    #: Line in the input file, for error messages.
    line: int | None = None


@dataclass(slots=True)
class DocumentRecord:
    name: str
    segments: list[SegmentRecord] = field(default_factory=list)
    title: str | None = None
    origin_url: str | None = None
    #: Line in the input file where the document first appears.
    line: int | None = None


@dataclass
class Batch:
    """Everything one input file holds, in file order."""

    path: str
    documents: list[DocumentRecord] = field(default_factory=list)
    corpus_name: str | None = None
    source_lang: str | None = None
    target_lang: str | None = None
    description: str | None = None
    #: opencc configuration for scoring a Chinese target ("none", "t2s", …).
    script_normalisation: str | None = None

    def segment_count(self) -> int:
        return sum(len(d.segments) for d in self.documents)
