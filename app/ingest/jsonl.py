"""JSONL reader: mtqa's own export format, read back (docs/formats.md).

One object per translation; the lines of one segment (one per system) must
agree on the segment's fields. Derived fields the exporter writes
("reference", "status", "scores", each assessment's "hter") are checked for
type and otherwise ignored: the database recomputes them, so an edited file
cannot make them lie.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import orjson

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
from app.ingest.sidecar import optional_str, read_sidecar
from app.models import ANNOTATABLE_KINDS, FINISHED_STATUSES, SEGMENT_KINDS, STATUSES
from app.scoring.report import reference_rule

FORMAT_NAME: Final = "mtqa-jsonl"
FORMAT_VERSION: Final = 1
#: Every key of a line, in the order the writer puts them.
KEYS: Final = (
    "doc_id",
    "seg_id",
    "paragraph",
    "kind",
    "annotatable",
    "external_id",
    "system",
    "source",
    "target",
    "reference",
    "status",
    "errors",
    "assessments",
    "scores",
)
REQUIRED: Final = frozenset({"doc_id", "seg_id", "system", "target"})
ERROR_KEYS: Final = ("start", "end", "side", "category", "severity", "note", "annotator", "kind")
ASSESSMENT_KEYS: Final = (
    "annotator",
    "status",
    "post_edit",
    "time_spent",
    "keystrokes",
    "hter",
    "kind",
)
#: An assessment's "kind": absent means an ordinary annotation; "gold" is a
#: reviewer's adjudicated reference (app.campaigns.gold).
ASSESSMENT_KINDS: Final = ("annotation", "gold")


@dataclass(slots=True)
class GoldRecord(AssessmentRecord):
    """A gold reference read from the file; the loader stores it with kind
    "gold", beside any ordinary annotation by the same reviewer."""

    kind: str = "gold"


_NAMES: Final = {
    "str": "a string",
    "int": "an integer",
    "bool": "true or false",
    "number": "a finite number",
    "list": "a list",
    "object": "an object",
}


_ALLOWED: Final[dict[tuple[str, ...], frozenset[str]]] = {
    keys: frozenset(keys) for keys in (KEYS, ERROR_KEYS, ASSESSMENT_KEYS)
}
_CHECKS: Final[dict[str, Callable[[Any], bool]]] = {
    "str": lambda v: type(v) is str,
    "int": lambda v: type(v) is int,
    "bool": lambda v: type(v) is bool,
    "number": lambda v: type(v) in (int, float) and math.isfinite(v),
    "list": lambda v: type(v) is list,
    "object": lambda v: type(v) is dict,
}


class _Line:
    """Type checks for one line, each failure naming file, line and key."""

    def __init__(self, path: Path, number: int) -> None:
        self.path = path
        self.number = number

    def fail(self, message: str) -> IngestError:
        return IngestError(self.path, self.number, message)

    def check(self, value: Any, key: str, kind: str, *, null: bool = False) -> Any:
        if value is None and null:
            return None
        ok = _CHECKS[kind](value)
        if not ok:
            expected = _NAMES[kind] + (" or null" if null else "")
            raise self.fail(f"{key!r} must be {expected}, not {json.dumps(value)[:60]}")
        return value

    def keys(self, obj: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
        if obj.keys() <= _ALLOWED[allowed]:
            return
        unknown = sorted(set(obj) - set(allowed))
        if unknown:
            raise self.fail(f"unknown key(s) {unknown} in {where}; expected {list(allowed)}")


def _kind(entry: dict[str, Any], line: _Line) -> str:
    kind = line.check(entry.get("kind", "annotation"), "kind", "str")
    if kind not in ASSESSMENT_KINDS:
        raise line.fail(f"unknown kind {kind!r}; expected one of {', '.join(ASSESSMENT_KINDS)}")
    return kind


def _assessments(obj: dict[str, Any], line: _Line) -> list[AssessmentRecord]:
    if obj.get("assessments", []) == [] and obj.get("errors", []) == []:
        return []  # the common case of a corpus not yet annotated, kept fast
    records: dict[tuple[str, str], AssessmentRecord] = {}
    for entry in line.check(obj.get("assessments", []), "assessments", "list"):
        line.check(entry, "assessments[]", "object")
        line.keys(entry, ASSESSMENT_KEYS, "an assessment")
        name = line.check(entry.get("annotator"), "annotator", "str")
        if not name.strip():
            raise line.fail("an assessment has an empty 'annotator'")
        kind = _kind(entry, line)
        if (name, kind) in records:
            what = "gold references" if kind == "gold" else "assessments"
            raise line.fail(f"annotator {name!r} has two {what} of this translation")
        status = line.check(entry.get("status", "done"), "status", "str")
        if status not in STATUSES:
            raise line.fail(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
        time_spent = line.check(entry.get("time_spent", 0.0), "time_spent", "number")
        keystrokes = line.check(entry.get("keystrokes", 0), "keystrokes", "int")
        if time_spent < 0 or keystrokes < 0:
            raise line.fail("'time_spent' and 'keystrokes' cannot be negative")
        line.check(entry.get("hter"), "hter", "number", null=True)  # derived: recomputed
        record_type = GoldRecord if kind == "gold" else AssessmentRecord
        records[(name, kind)] = record_type(
            annotator=name,
            status=status,
            post_edit=line.check(entry.get("post_edit"), "post_edit", "str", null=True),
            time_spent=float(time_spent),
            keystrokes=keystrokes,
        )
    for entry in line.check(obj.get("errors", []), "errors", "list"):
        line.check(entry, "errors[]", "object")
        line.keys(entry, ERROR_KEYS, "an error")
        missing = [
            k for k in ("start", "end", "category", "severity", "annotator") if k not in entry
        ]
        if missing:
            raise line.fail(f"an error lacks {missing}")
        name = line.check(entry["annotator"], "annotator", "str")
        kind = _kind(entry, line)
        if (name, kind) not in records:
            owner = f"gold reference by {name!r}" if kind == "gold" else f"annotator {name!r}"
            raise line.fail(f"an error names {owner}, who has no assessment here")
        records[(name, kind)].spans.append(
            SpanData(
                start=line.check(entry["start"], "start", "int"),
                end=line.check(entry["end"], "end", "int"),
                category=line.check(entry["category"], "category", "str"),
                severity=line.check(entry["severity"], "severity", "str"),
                side=line.check(entry.get("side", "target"), "side", "str"),
                note=line.check(entry.get("note"), "note", "str", null=True),
            )
        )
    _mark_primary(list(records.values()), obj["target"], obj.get("reference"), obj.get("status"))
    return list(records.values())


def _mark_primary(
    records: list[AssessmentRecord], target: str, reference: str | None, status: str | None
) -> None:
    """The file does not say which finished assessment gave the reference;
    the last (by annotator) whose reference and status match it did. A
    finished gold reference always wins the reference rule, so when there
    is one only golds are candidates."""
    finished = [r for r in records if r.status in FINISHED_STATUSES]
    golds = [r for r in finished if isinstance(r, GoldRecord)]
    candidates = [
        r for r in golds or finished if reference_rule(r.status, r.post_edit, target) == reference
    ]
    exact = [r for r in candidates if r.status == status] or candidates
    if exact:
        exact[-1].primary = True


def _parse(text: str, line: _Line) -> dict[str, Any]:
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise line.fail(f"invalid JSON at column {exc.colno}: {exc.msg}") from exc
    if not isinstance(obj, dict):
        raise line.fail("expected a JSON object per line")
    line.keys(obj, KEYS, "the line")
    missing = sorted(REQUIRED - obj.keys())
    if missing:
        raise line.fail(f"missing key(s) {missing}")
    return obj


_KEY_SET: Final = frozenset(KEYS)
#: Never mutated: the default that makes a missing "errors" compare equal to [].
_NO_WORK: Final[list[Any]] = []


def _fast(obj: Any) -> tuple[Any, ...] | None:
    """The common line (no annotations, every value of the right type),
    checked with plain type tests and no per-field calls: a million-line
    file spends most of its reading time here. None means "not this
    shape", and the line goes through the full checks, which name the
    problem; so this path may refuse a valid line, never pass a bad one."""
    if type(obj) is not dict or not obj.keys() <= _KEY_SET:
        return None
    get = obj.get
    doc_id, seg_id = get("doc_id"), get("seg_id")
    system, target, source = get("system"), get("target"), get("source")
    paragraph, kind, external_id = get("paragraph", 0), get("kind", "body"), get("external_id")
    annotatable = get("annotatable", kind in ANNOTATABLE_KINDS)
    reference, status, scores = get("reference"), get("status", "pending"), get("scores")
    if (
        type(doc_id) is str
        and doc_id
        and type(seg_id) is int
        and seg_id >= 1
        and type(system) is str
        and type(target) is str
        and (source is None or type(source) is str)
        and type(paragraph) is int
        and type(kind) is str
        and kind in SEGMENT_KINDS
        and type(annotatable) is bool
        and (external_id is None or type(external_id) is str)
        and (reference is None or type(reference) is str)
        and type(status) is str
        and (scores is None or type(scores) is dict)
        and get("errors", _NO_WORK) == []
        and get("assessments", _NO_WORK) == []
    ):
        return doc_id, seg_id, paragraph, kind, annotatable, external_id, source, system, target
    return None


class _Collected:
    """The file's documents and segments as they are read. Segments are
    found by document, then position, and repeated strings (document
    names, system names) are kept once: a million records hold no copy of
    what every line repeats."""

    def __init__(self, documents: dict[str, DocumentRecord]) -> None:
        self.documents = documents
        self.segments: dict[str, tuple[DocumentRecord, dict[int, SegmentRecord]]] = {}
        self.systems: dict[str, str] = {}

    def document(self, doc_id: str, number: int) -> tuple[DocumentRecord, dict[int, SegmentRecord]]:
        """The document of a line and its segments by position."""
        found = self.segments.get(doc_id)
        if found is None:
            document = self.documents.get(doc_id)
            if document is None:
                document = self.documents[doc_id] = DocumentRecord(name=doc_id, line=number)
            elif document.line is None:
                document.line = number
            found = self.segments[doc_id] = (document, {})
        return found


@register
class JsonlReader:
    name = "jsonl"
    extensions = ("jsonl",)

    def read(self, path: Path, options: ImportOptions) -> Batch:
        batch = Batch(path=str(path))
        documents: dict[str, DocumentRecord] = {}
        self._read_sidecar(path, batch, documents)
        collected = _Collected(documents)
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    row = _fast(orjson.loads(raw))
                except orjson.JSONDecodeError:
                    row = None  # blank, a byte-order mark, or bad: the full path says which
                if row is None or not self._add_fast(row, number, collected):
                    self._add_checked(path, number, raw, collected)
        batch.documents = list(documents.values())
        if not collected.segments:
            raise IngestError(path, None, "the file holds no records")
        return batch

    @staticmethod
    def _add_fast(row: tuple[Any, ...], number: int, collected: _Collected) -> bool:
        """Store a line `_fast` accepted; False when it repeats a segment
        with different fields or system (the full path names the problem)."""
        doc_id, seg_id, paragraph, kind, annotatable, external_id, source, system, target = row
        document, by_position = collected.document(doc_id, number)
        system = collected.systems.setdefault(system, system)
        segment = by_position.get(seg_id)
        if segment is not None:
            if (
                segment.paragraph != paragraph
                or segment.kind != kind
                or segment.annotatable != annotatable
                or segment.external_id != external_id
                or segment.source != source
                or any(t.system == system for t in segment.translations)
            ):
                return False
            segment.translations.append(TranslationRecord(system, target))
            return True
        segment = by_position[seg_id] = SegmentRecord(
            seg_id, source, [TranslationRecord(system, target)], paragraph, kind, annotatable,
            external_id, number,
        )  # fmt: skip
        document.segments.append(segment)
        return True

    def _add_checked(
        self,
        path: Path,
        number: int,
        raw: bytes,
        collected: _Collected,
    ) -> None:
        """Any other line, through every check."""
        line = _Line(path, number)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise line.fail(f"not valid UTF-8 at byte {exc.start} of the line") from exc
        if not text.strip():
            return
        obj = _parse(text.removeprefix("\ufeff") if number == 1 else text, line)
        self._add(obj, line, collected)

    def _add(
        self,
        obj: dict[str, Any],
        line: _Line,
        collected: _Collected,
    ) -> None:
        doc_id = line.check(obj["doc_id"], "doc_id", "str")
        seg_id = line.check(obj["seg_id"], "seg_id", "int")
        if not doc_id or seg_id < 1:
            raise line.fail("'doc_id' must be non-empty and 'seg_id' at least 1")
        kind = line.check(obj.get("kind", "body"), "kind", "str")
        if kind not in SEGMENT_KINDS:
            raise line.fail(f"unknown kind {kind!r}; expected one of {', '.join(SEGMENT_KINDS)}")
        fields = {
            "paragraph": line.check(obj.get("paragraph", 0), "paragraph", "int"),
            "kind": kind,
            "annotatable": line.check(
                obj.get("annotatable", kind in ANNOTATABLE_KINDS), "annotatable", "bool"
            ),
            "external_id": line.check(obj.get("external_id"), "external_id", "str", null=True),
            "source": line.check(obj.get("source"), "source", "str", null=True),
        }
        line.check(obj.get("reference"), "reference", "str", null=True)
        line.check(obj.get("status", "pending"), "status", "str")
        line.check(obj.get("scores"), "scores", "object", null=True)
        translation = TranslationRecord(
            system=line.check(obj["system"], "system", "str"),
            text=line.check(obj["target"], "target", "str"),
            assessments=_assessments(obj, line),
        )
        document, by_position = collected.document(doc_id, line.number)
        segment = by_position.get(seg_id)
        if segment is None:
            segment = by_position[seg_id] = SegmentRecord(
                position=seg_id, translations=[], line=line.number, **fields
            )
            document.segments.append(segment)
        else:
            for key, value in fields.items():
                if getattr(segment, key) != value:
                    raise line.fail(
                        f"segment {doc_id}#{seg_id} has {key}={json.dumps(value)} here but "
                        f"{json.dumps(getattr(segment, key))} on line {segment.line}"
                    )
            if any(t.system == translation.system for t in segment.translations):
                raise line.fail(
                    f"segment {doc_id}#{seg_id} has a second line for system {translation.system!r}"
                )
        segment.translations.append(translation)

    def _read_sidecar(self, path: Path, batch: Batch, documents: dict[str, DocumentRecord]) -> None:
        """Corpus details and every document, in export order (documents
        without segments included), from `NAME.meta.json`."""
        found = read_sidecar(path)
        if found is None:
            return
        meta_path, data = found
        if data.get("format", FORMAT_NAME) != FORMAT_NAME:
            raise IngestError(meta_path, None, f"'format' must be {FORMAT_NAME!r}")
        if data.get("version", FORMAT_VERSION) != FORMAT_VERSION:
            raise IngestError(
                meta_path,
                None,
                f"format version {data.get('version')!r} is not supported "
                f"(this mtqa reads version {FORMAT_VERSION})",
            )
        corpus = data.get("corpus") or {}
        if not isinstance(corpus, dict):
            raise IngestError(meta_path, None, "'corpus' must be an object")
        batch.corpus_name = optional_str(corpus, "name", meta_path)
        batch.source_lang = optional_str(corpus, "source_lang", meta_path)
        batch.target_lang = optional_str(corpus, "target_lang", meta_path)
        batch.description = optional_str(corpus, "description", meta_path)
        batch.script_normalisation = optional_str(corpus, "script_normalisation", meta_path)
        entries = data.get("documents") or []
        if not isinstance(entries, list):
            raise IngestError(meta_path, None, "'documents' must be a list")
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("doc_id"), str):
                raise IngestError(meta_path, None, "each document needs a string 'doc_id'")
            documents[entry["doc_id"]] = DocumentRecord(
                name=entry["doc_id"],
                title=optional_str(entry, "title", meta_path),
                origin_url=optional_str(entry, "origin_url", meta_path),
            )
