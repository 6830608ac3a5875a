"""TMX 1.4 reader, on translate-toolkit's TMX store.

mtqa writes one `<tu>` per finished translation (docs/formats.md): the
source in the header's `srclang`, the reference (the post-edit) in the
target language, and the rest as `<prop>`s: `x-doc`, `x-seg` (segment
position), `x-system`, `x-mt` (the MT), `x-annotator`, `x-status`,
`x-kind`, `x-paragraph`.

A translation memory from another tool has no such props: each TU becomes
a segment of one document named after the file, numbered in file order,
whose target is an MT of system "tm" (or `--system`) that nobody has
assessed. A TU with an `x-mt` prop but no `x-annotator` is credited to the
annotator "reference".
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any, Final

from translate.misc.xml_helpers import getXMLlang
from translate.storage import tmx

from app.errors import IngestError
from app.ingest.assemble import REFERENCE_ANNOTATOR, Assembler, mark_primary
from app.ingest.records import AssessmentRecord, Batch
from app.ingest.registry import ImportOptions, register
from app.ingest.xliff import parse_xml
from app.models import FINISHED_STATUSES

DEFAULT_SYSTEM: Final = "tm"
PROPS: Final = (
    "x-doc",
    "x-seg",
    "x-system",
    "x-mt",
    "x-annotator",
    "x-status",
    "x-kind",
    "x-paragraph",
)


def _same_language(a: str | None, b: str | None) -> bool:
    return (a or "").lower() == (b or "").lower()


def _props(element: Any) -> dict[str, str]:
    return {p.get("type"): p.text or "" for p in element.iterchildren("prop") if p.get("type")}


def _int(value: str | None, what: str, path: Path, line: int, default: int) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise IngestError(path, line, f"{what} must be an integer, not {value!r}") from None


@register
class TmxReader:
    name = "tmx"
    extensions = ("tmx",)

    def read(self, path: Path, options: ImportOptions) -> Batch:
        raw, _version = parse_xml(path, {"tmx": "tmx"})
        store: Any = tmx.tmxfile(BytesIO(raw))
        header = store.document.getroot().find("header")
        source_lang = options.source_lang or (header.get("srclang") if header is not None else None)
        if not source_lang or source_lang == "*all*":
            raise IngestError(path, 1, "the header names no srclang; pass --source-lang")
        assembler = Assembler(path)
        target_lang = options.target_lang
        for number, unit in enumerate(store.units, start=1):
            element = unit.xmlelement
            line = element.sourceline
            nodes = list(unit.getlanguageNodes())
            tu_lang = element.get("srclang") or source_lang
            sources = [n for n in nodes if _same_language(getXMLlang(n), tu_lang)]
            targets = [
                n
                for n in nodes
                if not _same_language(getXMLlang(n), tu_lang)
                and (target_lang is None or _same_language(getXMLlang(n), target_lang))
            ]
            if len(sources) != 1 or len(targets) != 1:
                raise IngestError(
                    path,
                    line,
                    f"expected one <tuv> in {tu_lang} and one in "
                    f"{target_lang or 'another language'}, found {len(sources)} and "
                    f"{len(targets)}" + ("" if target_lang else "; pass --target-lang"),
                )
            if target_lang is None:
                target_lang = getXMLlang(targets[0])
            space = "preserve"
            source = unit.getNodeText(sources[0], space)
            target = unit.getNodeText(targets[0], space)
            props = _props(element)
            mt = props.get("x-mt")
            translation = assembler.unit(
                line=line,
                doc=props.get("x-doc") or path.name.split(".")[0],
                position=_int(props.get("x-seg"), "x-seg", path, line, number),
                source=source or None,
                system=props.get("x-system") or options.system or DEFAULT_SYSTEM,
                mt=target if mt is None else mt,
                paragraph=_int(props.get("x-paragraph"), "x-paragraph", path, line, 0),
                kind=props.get("x-kind") or "body",
            )
            if mt is None:
                continue
            status = props.get("x-status") or "done"
            if status not in FINISHED_STATUSES:
                raise IngestError(
                    path,
                    line,
                    f"x-status {status!r}: a TU holds a finished translation "
                    f"({' or '.join(sorted(FINISHED_STATUSES))})",
                )
            translation.assessments.append(
                AssessmentRecord(
                    annotator=props.get("x-annotator") or REFERENCE_ANNOTATOR,
                    status=status,
                    post_edit=target,
                )
            )
            mark_primary(translation.assessments)
        return assembler.batch(source_lang=source_lang, target_lang=target_lang)
