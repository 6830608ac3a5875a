"""TSV and CSV readers: one row per translation and annotator, with a header.

Columns (by name, in any order; docs/formats.md): `doc_id`, `seg_id`,
`target` are required; `system`, `source`, `reference`, `status`,
`annotator`, `paragraph`, `kind`, `time_spent`, `keystrokes`, `hter` are
optional. An empty cell is null. `hter` is derived (the exporter computes
it from the MT and the post-edit): it must be a number when present and is
otherwise ignored.

A row with an annotator (or a reference) is that annotator's assessment of
the translation, its `reference` cell the annotator's post-edit; a row
without either (status empty or "pending") only adds the translation. The
rows of one translation repeat its segment and target, and the last
finished one gives the reference (the writer puts it last).

CSV is read with the csv module (RFC 4180 quoting). TSV has no quoting at
all, so a tab, line break or backslash inside a text is written `\\t`,
`\\n`, `\\r`, `\\\\`; any other backslash sequence is an error, because it
means the file was not escaped this way and would be read wrongly.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

from app.errors import IngestError
from app.ingest.assemble import REFERENCE_ANNOTATOR, Assembler, mark_primary
from app.ingest.records import AssessmentRecord, Batch, TranslationRecord
from app.ingest.registry import ImportOptions, register
from app.models import STATUSES

COLUMNS: Final = (
    "doc_id",
    "seg_id",
    "system",
    "source",
    "target",
    "reference",
    "status",
    "annotator",
    "paragraph",
    "kind",
    "time_spent",
    "keystrokes",
    "hter",
)
#: Columns that belong to an annotator's row and are empty on a pending one.
EFFORT: Final = ("time_spent", "keystrokes", "hter")
REQUIRED: Final = ("doc_id", "seg_id", "target")
PENDING: Final = "pending"
DEFAULT_SYSTEM: Final = "mt"
_ESCAPES: Final = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
_ESCAPE: Final = re.compile(r"\\(.?)", re.DOTALL)
_UNESCAPED: Final = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def escape_tsv(text: str) -> str:
    return text.translate(_UNESCAPED)


def unescape_tsv(text: str, path: Path, line: int) -> str:
    def replace(match: re.Match[str]) -> str:
        char = match.group(1)
        if char not in _ESCAPES:
            raise IngestError(
                path, line, f"unknown escape '\\{char}' (TSV cells escape only \\t \\n \\r \\\\)"
            )
        return _ESCAPES[char]

    return _ESCAPE.sub(replace, text) if "\\" in text else text


def _header(fields: list[str], path: Path) -> dict[str, int]:
    names = [f.strip() for f in fields]
    if names and names[0].startswith("\ufeff"):
        names[0] = names[0][1:]
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise IngestError(
            path, 1, f"unknown column(s) {unknown} in the header; known: {', '.join(COLUMNS)}"
        )
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise IngestError(path, 1, f"column(s) {twice} appear twice in the header")
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        raise IngestError(
            path, 1, f"the header lacks the required column(s) {missing}; it is {names}"
        )
    return {name: i for i, name in enumerate(names)}


def _int(value: str, column: str, path: Path, line: int, default: int | None = None) -> int:
    if value == "" and default is not None:
        return default
    try:
        return int(value)
    except ValueError:
        raise IngestError(path, line, f"{column} must be an integer, not {value!r}") from None


def _number(value: str, column: str, path: Path, line: int) -> float:
    """A finite number; "" is 0."""
    try:
        number = float(value) if value else 0.0
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise IngestError(path, line, f"{column} must be a number, not {value!r}")
    return number


class _Rows:
    """Turns rows into records; shared by the TSV and CSV readers."""

    def __init__(self, path: Path, options: ImportOptions) -> None:
        self.path = path
        self.options = options
        self.assembler = Assembler(path)
        self.columns: dict[str, int] = {}
        self.annotators: dict[int, dict[str, int]] = {}

    def header(self, fields: list[str]) -> None:
        self.columns = _header(fields, self.path)

    def row(self, fields: list[str], line: int) -> None:
        if len(fields) != len(self.columns):
            raise IngestError(
                self.path,
                line,
                f"{len(fields)} fields, but the header names {len(self.columns)} "
                f"({', '.join(self.columns)})",
            )

        def cell(name: str) -> str:
            index = self.columns.get(name)
            return "" if index is None else fields[index]

        translation = self.assembler.unit(
            line=line,
            doc=cell("doc_id"),
            position=_int(cell("seg_id"), "seg_id", self.path, line),
            source=cell("source") or None,
            system=cell("system") or self.options.system or DEFAULT_SYSTEM,
            mt=cell("target"),
            paragraph=_int(cell("paragraph"), "paragraph", self.path, line, default=0),
            kind=cell("kind") or "body",
            merge=True,
        )
        self._assessment(translation, cell, line)

    def _assessment(
        self, translation: TranslationRecord, cell: Callable[[str], str], line: int
    ) -> None:
        annotator, status, post_edit = cell("annotator"), cell("status"), cell("reference")
        if not annotator and not post_edit and status in ("", PENDING):
            filled = [name for name in EFFORT if cell(name)]
            if filled:
                raise IngestError(
                    self.path, line, f"{', '.join(filled)} on a row without an annotator"
                )
            return
        status = status or "done"
        if status not in STATUSES:
            raise IngestError(
                self.path,
                line,
                f"status {status!r} on a row with an annotator or reference; "
                f"expected one of {', '.join(STATUSES)}",
            )
        name = annotator or REFERENCE_ANNOTATOR
        lines = self.annotators.setdefault(id(translation), {})
        if name in lines:
            raise IngestError(
                self.path,
                line,
                f"annotator {name!r} has a second row for this translation "
                f"(first at line {lines[name]})",
            )
        lines[name] = line
        time_spent = _number(cell("time_spent"), "time_spent", self.path, line)
        keystrokes = _int(cell("keystrokes"), "keystrokes", self.path, line, default=0)
        if time_spent < 0 or keystrokes < 0:
            raise IngestError(self.path, line, "time_spent and keystrokes cannot be negative")
        _number(cell("hter"), "hter", self.path, line)  # derived: checked, then recomputed
        translation.assessments.append(
            AssessmentRecord(
                annotator=name,
                status=status,
                post_edit=post_edit or None,
                time_spent=time_spent,
                keystrokes=keystrokes,
            )
        )

    def batch(self) -> Batch:
        batch = self.assembler.batch()
        for document in batch.documents:
            for segment in document.segments:
                for translation in segment.translations:
                    mark_primary(translation.assessments)
        return batch


def _open(path: Path):  # type: ignore[no-untyped-def]
    try:
        return path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise IngestError(path, None, f"cannot read: {exc.strerror}") from exc


def _tsv_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    with _open(path) as handle:
        number = 0
        try:
            for number, raw in enumerate(handle, start=1):
                text = raw.removesuffix("\n").removesuffix("\r")
                if "\r" in text:
                    raise IngestError(path, number, "a bare carriage return; TSV escapes it as \\r")
                if number > 1 and not text.strip():
                    continue
                yield number, [unescape_tsv(f, path, number) for f in text.split("\t")]
        except UnicodeDecodeError as exc:
            raise IngestError(path, number + 1, f"not valid UTF-8: {exc.reason}") from exc


@register
class TsvReader:
    name = "tsv"
    extensions = ("tsv",)

    def read(self, path: Path, options: ImportOptions) -> Batch:
        rows = _Rows(path, options)
        lines = _tsv_lines(path)
        first = next(lines, None)
        if first is None:
            raise IngestError(path, None, "the file is empty")
        rows.header(first[1])
        for number, fields in lines:
            rows.row(fields, number)
        return rows.batch()


@register
class CsvReader:
    name = "csv"
    extensions = ("csv",)

    def read(self, path: Path, options: ImportOptions) -> Batch:
        rows = _Rows(path, options)
        with _open(path) as handle:
            reader = csv.reader(handle, strict=True)
            start = 1
            try:
                header = next(reader, None)
                if header is None:
                    raise IngestError(path, None, "the file is empty")
                rows.header(header)
                start = reader.line_num + 1
                for fields in reader:
                    if fields:
                        rows.row(fields, start)
                    start = reader.line_num + 1
            except csv.Error as exc:
                raise IngestError(path, start, f"bad CSV: {exc}") from exc
            except UnicodeDecodeError as exc:
                raise IngestError(path, start, f"not valid UTF-8: {exc.reason}") from exc
        return rows.batch()
