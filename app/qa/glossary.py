"""The glossary check and the loader of glossary TSV files.

The TSV is the one in annotations/glossary.tsv: `source_term`, `target_term`,
`note`, where the note lists the MT's known wrong renderings as
`MT: 'a', 'b'.`. An optional `wrong_variants` column (separated by `|`)
takes precedence over the note.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from app.errors import IngestError
from app.qa.base import Check, Flag, GlossaryEntry, QaSegment, register

_MT_LIST = re.compile(r"\bMT:\s*(.*)$")
_QUOTED = re.compile(r"'([^']+)'")


def variants_from_note(note: str) -> tuple[str, ...]:
    match = _MT_LIST.search(note)
    return tuple(_QUOTED.findall(match.group(1))) if match else ()


def load_glossary(path: Path) -> list[GlossaryEntry]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        fields = reader.fieldnames or []
        if "target_term" not in fields:
            raise IngestError(str(path), 1, "header must name a target_term column")
        entries = []
        for row in reader:
            line = reader.line_num
            target = (row.get("target_term") or "").strip()
            if not target:
                raise IngestError(str(path), line, "empty target_term")
            note = (row.get("note") or "").strip()
            column = (row.get("wrong_variants") or "").strip()
            variants = (
                tuple(v.strip() for v in column.split("|") if v.strip())
                if column
                else variants_from_note(note)
            )
            source = (row.get("source_term") or "").strip() or None
            entries.append(GlossaryEntry(source, target, variants, note))
    return entries


def term_pattern(term: str) -> re.Pattern[str]:
    """Whole-word, case-insensitive: 'Byte' must not match inside 'ByteDance'."""
    left = r"(?<!\w)" if term[:1].isalnum() else ""
    right = r"(?!\w)" if term[-1:].isalnum() else ""
    return re.compile(left + re.escape(term) + right, re.IGNORECASE)


@register
class GlossaryCheck(Check):
    id = "glossary"
    description = "known wrong renderings of glossary terms; with a source, missing terms"
    category = "Terminology/Inappropriate for context"

    def run(
        self, segments: Sequence[QaSegment], glossary: Sequence[GlossaryEntry]
    ) -> Iterator[Flag]:
        compiled = [(entry, [term_pattern(v) for v in entry.wrong_variants]) for entry in glossary]
        for segment in segments:
            taken: list[tuple[int, int]] = []
            for entry, patterns in compiled:
                found = False
                for pattern in patterns:
                    for match in pattern.finditer(segment.target):
                        span = (match.start(), match.end())
                        if any(s < span[1] and span[0] < e for s, e in taken):
                            continue  # a longer variant already covers it
                        taken.append(span)
                        found = True
                        yield self.flag(
                            segment,
                            *span,
                            f"{match.group(0)!r} is a known wrong rendering of "
                            f"{entry.target_term!r}",
                            entry.target_term,
                        )
                if (
                    not found
                    and segment.source
                    and entry.source_term
                    and entry.source_term in segment.source
                    and not term_pattern(entry.target_term).search(segment.target)
                ):
                    yield self.flag(
                        segment,
                        0,
                        len(segment.target),
                        f"source has {entry.source_term!r}; expected {entry.target_term!r}",
                        entry.target_term,
                    )
