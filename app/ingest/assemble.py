"""Building a `Batch` from flat units: one (document, segment, system) at a
time, in file order, as the tabular and XML formats list them.

TSV, CSV, XLIFF, TMX and parallel text all describe a translation unit by
its document name and segment position; several units (one per system, or
one per annotator in TSV) may describe the same segment. This module does
the grouping once, so that every one of those readers reports a segment
that contradicts itself (two sources, two kinds, the same system twice) in
the same words, with the file and line of both places.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from app.errors import IngestError
from app.ingest.load import short
from app.ingest.records import (
    AssessmentRecord,
    Batch,
    DocumentRecord,
    SegmentRecord,
    TranslationRecord,
)
from app.models import ANNOTATABLE_KINDS, FINISHED_STATUSES, SEGMENT_KINDS

#: The annotator of post-edits read from a file that names none (parallel
#: text, a TMX or XLIFF file from another tool).
REFERENCE_ANNOTATOR: Final = "reference"


@dataclass
class _Seen:
    translation: TranslationRecord
    line: int | None


class Assembler:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.documents: dict[str, DocumentRecord] = {}
        self.segments: dict[tuple[str, int], SegmentRecord] = {}
        self.translations: dict[tuple[str, int, str], _Seen] = {}

    def fail(self, line: int | None, message: str) -> IngestError:
        return IngestError(self.path, line, message)

    def unit(
        self,
        *,
        line: int | None,
        doc: str,
        position: int,
        source: str | None,
        system: str,
        mt: str,
        paragraph: int = 0,
        kind: str = "body",
        annotatable: bool | None = None,
        external_id: str | None = None,
        merge: bool = False,
    ) -> TranslationRecord:
        """The translation record of this unit, created on first sight.
        With `merge`, a later unit of the same system adds to the same
        translation (TSV's one row per annotator); otherwise it is an error."""
        if not doc:
            raise self.fail(line, "empty document name")
        if position < 1:
            raise self.fail(line, f"segment position must be at least 1, not {position}")
        if not system:
            raise self.fail(line, "empty system name")
        if kind not in SEGMENT_KINDS:
            raise self.fail(
                line, f"unknown kind {kind!r}; expected one of {', '.join(SEGMENT_KINDS)}"
            )
        fields = {
            "source": source,
            "paragraph": paragraph,
            "kind": kind,
            "annotatable": kind in ANNOTATABLE_KINDS if annotatable is None else annotatable,
            "external_id": external_id,
        }
        segment = self.segments.get((doc, position))
        if segment is None:
            document = self.documents.get(doc)
            if document is None:
                document = self.documents[doc] = DocumentRecord(name=doc, line=line)
            segment = SegmentRecord(position=position, translations=[], line=line, **fields)  # type: ignore[arg-type]
            self.segments[(doc, position)] = segment
            document.segments.append(segment)
        else:
            for key, value in fields.items():
                if getattr(segment, key) != value:
                    raise self.fail(
                        line,
                        f"segment {doc}#{position} has {key} {_show(value)} here but "
                        f"{_show(getattr(segment, key))} at line {segment.line}",
                    )
        seen = self.translations.get((doc, position, system))
        if seen is not None:
            if not merge:
                raise self.fail(
                    line,
                    f"segment {doc}#{position} has system {system!r} twice "
                    f"(first at line {seen.line})",
                )
            if seen.translation.text != mt:
                raise self.fail(
                    line,
                    f"segment {doc}#{position}, system {system!r}: target {short(mt)} differs "
                    f"from {short(seen.translation.text)} at line {seen.line}",
                )
            return seen.translation
        translation = TranslationRecord(system=system, text=mt)
        segment.translations.append(translation)
        self.translations[(doc, position, system)] = _Seen(translation, line)
        return translation

    def batch(self, **corpus: str | None) -> Batch:
        if not self.segments:
            raise self.fail(None, "the file holds no translation units")
        for document in self.documents.values():
            document.segments.sort(key=lambda s: s.position)
        return Batch(path=str(self.path), documents=list(self.documents.values()), **corpus)  # type: ignore[arg-type]


def mark_primary(records: list[AssessmentRecord]) -> None:
    """The last finished assessment in file order gives the reference; the
    writers put the reference-giving one last, so this survives a round trip."""
    finished = [r for r in records if r.status in FINISHED_STATUSES]
    if finished:
        finished[-1].primary = True


def _show(value: object) -> str:
    return short(value) if isinstance(value, str) or value is None else repr(value)
