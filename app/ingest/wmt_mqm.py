"""Reader for the WMT MQM TSV files published by Google
(github.com/google/wmt-mqm-human-evaluation).

Layout: one header line `system doc doc_id seg_id rater source target
category severity`, then one row per error. Every row repeats the full
source and target; the erroneous stretch is wrapped in `<v>…</v>` in the
field it belongs to (source for omissions and source errors, target
otherwise). A rating without errors is one row with category and severity
`No-error` and no markers.

The files are read with quoting switched off: targets contain bare `"`
characters, which a quoting reader would swallow.

Mapping onto mtqa: `doc` → Document.name, `doc_id` → Segment.position,
`seg_id` → Segment.external_id, `system` → Translation.system, `rater` →
the annotator of one finished ("done") Assessment, each error row → one
ErrorSpan with code-point offsets into the marker-free text. The files
carry no post-edits, so assessments have `post_edit = None`.

Quirks handled:
- An opening `<v>` without a closing `</v>` (one row of the TED zh-en file:
  MiSS, talk.9, seg_id 827) is read as a span running to the end of the
  text; the writer then emits the closing marker, so that one row comes
  back with `</v>` appended.
- Severity `HOTW-test` rows (quality-control probes of the side-by-side
  files, category `Found`/`Missed`) are not ratings and are skipped.
- Extra trailing columns (the side-by-side files' `metadata`) are ignored;
  their header names `docSegId`/`globalSegId` are read as `doc_id`/`seg_id`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from app.assessments import SpanData
from app.errors import IngestError
from app.ingest.records import (
    AssessmentRecord,
    Batch,
    DocumentRecord,
    SegmentRecord,
    TranslationRecord,
)
from app.ingest.registry import ImportOptions, register
from app.mqm import CATEGORIES, SEVERITIES, normalise_category

COLUMNS: tuple[str, ...] = (
    "system",
    "doc",
    "doc_id",
    "seg_id",
    "rater",
    "source",
    "target",
    "category",
    "severity",
)
#: Header spellings of the side-by-side (SxS) files for the same columns.
_HEADER_ALIASES = {"docSegId": "doc_id", "globalSegId": "seg_id"}
OPEN, CLOSE = "<v>", "</v>"
NO_ERROR = "No-error"
#: Quality-control rows, not judgements of the translation.
_SKIPPED_SEVERITIES = frozenset({"HOTW-test"})
_LANG_PAIR = re.compile(r"_([a-z]{2})([a-z]{2})(?:[._]|$)")


@dataclass
class _Segment:
    record: SegmentRecord
    doc: str
    line: int
    #: system → (target text, first line, rater → assessment)
    systems: dict[str, tuple[str, int, dict[str, AssessmentRecord]]] = field(default_factory=dict)


def file_category(name: str) -> str:
    """The category to store: the typology's own name when the file uses a
    known alias (`Source_error`), else the file's string unchanged, so that
    categories outside the typology survive a round trip exactly."""
    normalised = normalise_category(name)
    return normalised if normalised in CATEGORIES else name


def strip_markers(
    text: str, path: Path, line: int, column: str
) -> tuple[str, tuple[int, int] | None]:
    """Remove one `<v>…</v>` pair; return the clean text and the span's
    code-point offsets in it (None when the field carries no marker)."""
    opens, closes = text.count(OPEN), text.count(CLOSE)
    if opens == 0 and closes == 0:
        return text, None
    if opens != 1 or closes > 1:
        raise IngestError(
            path, line, f"{column} has {opens} '<v>' and {closes} '</v>' markers; expected one pair"
        )
    start = text.index(OPEN)
    clean = text[:start] + text[start + len(OPEN) :]
    if closes == 0:
        # The published quirk: the span runs to the end of the text.
        return clean, (start, len(clean))
    end = clean.index(CLOSE)
    if end < start:
        raise IngestError(path, line, f"{column} has '</v>' before '<v>'")
    clean = clean[:end] + clean[end + len(CLOSE) :]
    return clean, (start, end)


def languages_from_name(path: Path) -> tuple[str | None, str | None]:
    """`mqm_ted_zhen.tsv` → ("zh", "en"): the files name their pair so."""
    match = _LANG_PAIR.search(path.name)
    return (match.group(1), match.group(2)) if match else (None, None)


def _columns(header: list[str], path: Path) -> dict[str, int]:
    names = [_HEADER_ALIASES.get(h.strip(), h.strip()) for h in header]
    if names[: len(COLUMNS)] != list(COLUMNS):
        raise IngestError(
            path, 1, f"header is {' '.join(header)!r}; expected the columns {' '.join(COLUMNS)}"
        )
    return {name: i for i, name in enumerate(COLUMNS)}


def _int(value: str, path: Path, line: int, column: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise IngestError(path, line, f"{column} must be an integer, not {value!r}") from None


@register
class WmtMqmReader:
    """Registered by name only: the files end in a plain `.tsv`, which
    mtqa's own TSV format claims, so `--format wmt-mqm` selects this one."""

    name = "wmt-mqm"
    extensions: tuple[str, ...] = ()

    def read(self, path: Path, options: ImportOptions) -> Batch:
        batch = read_wmt_mqm(path)
        batch.corpus_name = options.corpus_name or batch.corpus_name
        batch.source_lang = options.source_lang or batch.source_lang
        batch.target_lang = options.target_lang or batch.target_lang
        return batch


def read_wmt_mqm(path: Path) -> Batch:
    """Parse one WMT MQM TSV file into records, checking every row."""
    path = Path(path)
    source_lang, target_lang = languages_from_name(path)
    batch = Batch(
        path=str(path),
        corpus_name=path.name.split(".")[0],
        source_lang=source_lang,
        target_lang=target_lang,
    )
    documents: dict[str, DocumentRecord] = {}
    segments: dict[tuple[str, int], _Segment] = {}
    seg_ids: dict[str, tuple[str, int]] = {}
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise IngestError(path, None, f"cannot read: {exc.strerror}") from exc
    with handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        try:
            header = next(reader, None)
            if header is None:
                raise IngestError(path, None, "the file is empty")
            col = _columns(header, path)
            # The SxS header ends with a documentation note that no row fills.
            width = len(header) - (header[-1].startswith("#") and len(header) > len(COLUMNS))
            for row in reader:
                line = reader.line_num
                if len(row) != width:
                    raise IngestError(
                        path,
                        line,
                        f"{len(row)} tab-separated fields, but the header names "
                        f"{len(header)} ({' '.join(header)})",
                    )
                _read_row(row, col, path, line, documents, segments, seg_ids)
        except UnicodeDecodeError as exc:
            raise IngestError(path, reader.line_num + 1, f"not UTF-8: {exc.reason}") from exc
    if not segments:
        raise IngestError(path, None, "the file holds no rows")
    batch.documents = list(documents.values())
    for document in batch.documents:
        document.segments.sort(key=lambda s: s.position)
    for seg in segments.values():
        seg.record.translations = [
            TranslationRecord(system=system, text=text, assessments=list(raters.values()))
            for system, (text, _line, raters) in seg.systems.items()
        ]
    return batch


def _read_row(
    row: list[str],
    col: dict[str, int],
    path: Path,
    line: int,
    documents: dict[str, DocumentRecord],
    segments: dict[tuple[str, int], _Segment],
    seg_ids: dict[str, tuple[str, int]],
) -> None:
    system, doc, rater = row[col["system"]], row[col["doc"]], row[col["rater"]]
    category, severity = row[col["category"]], row[col["severity"]]
    if severity in _SKIPPED_SEVERITIES:
        return
    for name, value in (("system", system), ("doc", doc), ("rater", rater)):
        if not value.strip():
            raise IngestError(path, line, f"empty {name}")
    position = _int(row[col["doc_id"]], path, line, "doc_id")
    seg_id = row[col["seg_id"]].strip()
    source, source_span = strip_markers(row[col["source"]], path, line, "source")
    target, target_span = strip_markers(row[col["target"]], path, line, "target")

    key = (doc, position)
    seen = seg_ids.setdefault(seg_id, key)
    if seen != key:
        raise IngestError(
            path, line, f"seg_id {seg_id} is {doc} #{position} here but {seen[0]} #{seen[1]} before"
        )
    seg = segments.get(key)
    if seg is None:
        document = documents.setdefault(doc, DocumentRecord(name=doc))
        record = SegmentRecord(position=position, source=source, external_id=seg_id, line=line)
        document.segments.append(record)
        seg = segments[key] = _Segment(record=record, doc=doc, line=line)
    elif seg.record.external_id != seg_id:
        raise IngestError(
            path,
            line,
            f"{doc} #{position} has seg_id {seg_id} here but "
            f"{seg.record.external_id} on line {seg.line}",
        )
    if source != seg.record.source:
        raise IngestError(
            path,
            line,
            f"source of {doc} #{position} (seg_id {seg_id}) differs from line "
            f"{seg.line} once the <v> markers are removed",
        )
    if system not in seg.systems:
        seg.systems[system] = (target, line, {})
    known_target, first_line, raters = seg.systems[system]
    if target != known_target:
        raise IngestError(
            path,
            line,
            f"target of {system} for seg_id {seg_id} differs from line "
            f"{first_line} once the <v> markers are removed",
        )
    assessment = raters.setdefault(rater, AssessmentRecord(annotator=rater, status="done"))

    if severity == NO_ERROR or category == NO_ERROR:
        if source_span or target_span:
            raise IngestError(path, line, "a No-error row must not mark a span")
        return
    if severity not in SEVERITIES:
        raise IngestError(
            path,
            line,
            f"unknown severity {severity!r}; expected {', '.join(SEVERITIES)} or {NO_ERROR}",
        )
    if source_span and target_span:
        raise IngestError(path, line, "both source and target carry a <v> marker")
    if target_span:
        side, (start, end) = "target", target_span
    elif source_span:
        side, (start, end) = "source", source_span
    else:
        raise IngestError(path, line, f"error row ({category}/{severity}) marks no span with <v>")
    assessment.spans.append(SpanData(start, end, file_category(category), severity, side))
