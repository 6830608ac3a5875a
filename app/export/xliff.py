"""XLIFF 1.2 ("xliff") and 2.0 ("xliff2") writers, the inverse of
app.ingest.xliff (whose docstring gives the mapping).

A unit holds one target, so each translation carries one assessment: the
one whose post-edit is the reference, else its most recently updated
draft; other annotators' work, error spans and times are left out (JSONL
carries them). A post-edit that was never written is exported as the MT.

translate-toolkit builds the whole XML tree before writing it, so these
writers hold the document in memory, unlike the line-based ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy.orm import Session
from translate.storage import xliff, xliff2

from app.errors import ExportError
from app.export.files import replace_atomically
from app.export.registry import register
from app.export.rows import (
    AssessmentRow,
    TranslationRow,
    rows_with_progress,
)
from app.ingest.xliff import (
    META_GROUP,
    MT_ORIGIN,
    NS_12,
    NS_20,
    NS_MDA,
    NS_MTQA,
    STATES_12,
    STATES_20,
)
from app.models import Corpus

#: Characters XML 1.0 cannot hold at all, not even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


class _Unit12(xliff.xliffunit):
    namespace = NS_12


class _File12(xliff.xlifffile):
    UnitClass = _Unit12
    namespace = NS_12
    XMLskeleton = f"""<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="{NS_12}" xmlns:mtqa="{NS_MTQA}"></xliff>"""

    def initbody(self) -> None:
        """No default <file>: the writer makes one per document and system."""
        self.body = None


class _File20(xliff2.Xliff2File):
    XMLskeleton = f"""<?xml version="1.0" encoding="UTF-8"?>
<xliff version="2.0" xmlns="{NS_20}" xmlns:mda="{NS_MDA}" srcLang="und"></xliff>"""

    def initbody(self) -> None:
        """No default <file>: the writer makes one per document and system."""
        self.body = None


def carried(row: TranslationRow) -> AssessmentRow | None:
    """The assessment a unit carries: the reference-giving one, else the
    most recently updated one."""
    if row.pair is not None:
        return next(a for a in row.assessments if a.id == row.pair.assessment_id)
    if not row.assessments:
        return None
    return max(row.assessments, key=lambda a: (a.updated_at, a.id))


def checked_xml_text(row: TranslationRow, *texts: str | None) -> None:
    for text in texts:
        if text is not None and _NOT_XML.search(text):
            raise ExportError(
                f"segment {row.doc_id}#{row.seg_id}, system {row.system!r}: a control "
                "character that XML cannot hold; export as JSONL or TSV instead"
            )


def _unit_12(store: _File12, row: TranslationRow, assessment: AssessmentRow | None) -> None:
    unit = _Unit12(row.source or "")
    element = unit.xmlelement
    element.set("id", str(row.seg_id))
    if row.external_id is not None:
        element.set("resname", row.external_id)
    if not row.annotatable:
        element.set("translate", "no")
    element.set(XML_SPACE, "preserve")
    element.set(f"{{{NS_MTQA}}}kind", row.kind)
    element.set(f"{{{NS_MTQA}}}paragraph", str(row.paragraph))
    status = "pending" if assessment is None else assessment.status
    if assessment is not None:
        element.set(f"{{{NS_MTQA}}}annotator", assessment.annotator)
    store.addunit(unit)
    post_edit = row.target if assessment is None else assessment.post_edit
    unit.settarget(row.target if post_edit is None else post_edit)
    element.attrib.pop("approved", None)
    if status in ("done", "no_errors"):
        element.set("approved", "yes")
    target = element.find(f"{{{NS_12}}}target")
    state, qualifier = STATES_12[status]
    target.set("state", state)
    if qualifier:
        target.set("state-qualifier", qualifier)
    unit.addalttrans(row.target, origin=MT_ORIGIN + row.system)


def _unit_20(store: _File20, row: TranslationRow, assessment: AssessmentRow | None) -> None:
    unit = xliff2.Xliff2Unit(row.source or "")
    store.addunit(unit)
    element = unit.getunitelement()
    element.set("id", str(row.seg_id))
    if row.external_id is not None:
        element.set("name", row.external_id)
    if not row.annotatable:
        element.set("translate", "no")
    metadata = etree.Element(f"{{{NS_MDA}}}metadata")
    group = etree.SubElement(metadata, f"{{{NS_MDA}}}metaGroup", category=META_GROUP)
    entries = {"system": row.system, "mt": row.target, "kind": row.kind,
               "paragraph": str(row.paragraph)}  # fmt: skip
    if assessment is not None:
        entries["annotator"] = assessment.annotator
    for kind, value in entries.items():
        etree.SubElement(group, f"{{{NS_MDA}}}meta", type=kind).text = value
    element.insert(0, metadata)
    status = "pending" if assessment is None else assessment.status
    post_edit = row.target if assessment is None else assessment.post_edit
    unit.settarget(row.target if post_edit is None else post_edit)
    state, sub_state = STATES_20[status]
    unit.xmlelement.set("state", state)
    if sub_state:
        unit.xmlelement.set("subState", sub_state)


def _write(
    session: Session,
    corpus: Corpus,
    output: Path,
    progress: bool,
    store: Any,
    new_file: Callable[[int, str], Any],
    add: Callable[[Any, TranslationRow, AssessmentRow | None], None],
) -> list[Path]:
    if output.is_dir():
        output = output / f"{corpus.name}.xlf"
    files: dict[tuple[str, str], Any] = {}
    for row in rows_with_progress(session, corpus, progress):
        assessment = carried(row)
        checked_xml_text(row, row.source, row.target, assessment.post_edit if assessment else None)
        key = (row.doc_id, row.system)
        if key not in files:
            files[key] = new_file(len(files) + 1, row.doc_id)
        store.body = files[key]
        add(store, row, assessment)
    with replace_atomically(output) as handle:
        handle.write(bytes(store).decode("utf-8"))
    return [output]


@register("xliff")
def write_xliff(
    session: Session, corpus: Corpus, output: Path, *, progress: bool = False
) -> list[Path]:
    """XLIFF 1.2; `output` is the .xlf file or a directory for `<corpus>.xlf`."""
    store = _File12()
    root = store.document.getroot()

    def new_file(number: int, doc: str) -> Any:
        file = etree.SubElement(root, f"{{{NS_12}}}file", original=doc, datatype="plaintext")
        file.set("source-language", corpus.source_lang)
        file.set("target-language", corpus.target_lang)
        return etree.SubElement(file, f"{{{NS_12}}}body")

    return _write(session, corpus, output, progress, store, new_file, _unit_12)


@register("xliff2")
def write_xliff2(
    session: Session, corpus: Corpus, output: Path, *, progress: bool = False
) -> list[Path]:
    """XLIFF 2.0; `output` is the .xlf file or a directory for `<corpus>.xlf`."""
    store = _File20()
    root = store.document.getroot()
    root.set("srcLang", corpus.source_lang)
    root.set("trgLang", corpus.target_lang)

    def new_file(number: int, doc: str) -> Any:
        return etree.SubElement(root, f"{{{NS_20}}}file", id=f"f{number}", original=doc)

    return _write(session, corpus, output, progress, store, new_file, _unit_20)
