"""TMX 1.4 writer (the inverse of app.ingest.tmx): a translation memory of
the finished segments, source paired with the post-edit.

Only translations with a reference are written, each with the assessment
that gives it, so drafts, pending segments, other annotators' work and
error spans are not in a TMX (JSONL carries them). A translation memory
pairs a source with a target, so a corpus with any finished segment
lacking its source (such as the seed article, whose Chinese original is
not available) is refused rather than written half.

translate-toolkit builds the whole XML tree before writing it, so the
document is held in memory.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from lxml import etree
from sqlalchemy.orm import Session
from translate.storage import tmx

from app.errors import ExportError
from app.export.files import replace_atomically
from app.export.registry import register
from app.export.rows import rows_with_progress
from app.export.xliff import carried, checked_xml_text
from app.models import Corpus


def _tool_version() -> str:
    try:
        return version("mtqa")
    except PackageNotFoundError:
        return "unknown"


@register("tmx")
def write_tmx(
    session: Session, corpus: Corpus, output: Path, *, progress: bool = False
) -> list[Path]:
    """`output` is the .tmx file, or a directory to put `<corpus>.tmx` in."""
    if output.is_dir():
        output = output / f"{corpus.name}.tmx"
    store = tmx.tmxfile(sourcelanguage=corpus.source_lang, targetlanguage=corpus.target_lang)
    header = store.document.getroot().find("header")
    header.attrib.update(
        {
            "creationtool": "mtqa",
            "creationtoolversion": _tool_version(),
            "segtype": "sentence",
            "o-tmf": "mtqa",
            "adminlang": "en",
            "srclang": corpus.source_lang,
            "datatype": "plaintext",
        }
    )
    rows = rows_with_progress(session, corpus, progress)
    missing = 0
    for row in rows:
        assessment = carried(row)
        if row.reference is None or assessment is None:
            continue
        if row.source is None:
            missing += 1
            continue
        checked_xml_text(row, row.source, row.target, row.reference)
        unit = store.addsourceunit(row.source)
        unit.settarget(row.reference, corpus.target_lang)
        props = {
            "x-doc": row.doc_id,
            "x-seg": str(row.seg_id),
            "x-system": row.system,
            "x-mt": row.target,
            "x-annotator": assessment.annotator,
            "x-status": assessment.status,
            "x-kind": row.kind,
            "x-paragraph": str(row.paragraph),
        }
        for index, (kind, value) in enumerate(props.items()):
            prop = etree.Element("prop", type=kind)
            prop.text = value
            unit.xmlelement.insert(index, prop)
    if missing:
        raise ExportError(
            f"corpus {corpus.name!r}: {missing} finished segment(s) have no source text, and a "
            "TMX pairs a source with its translation; add the source documents, or export as "
            "text, jsonl, tsv or xliff"
        )
    with replace_atomically(output) as handle:
        handle.write(bytes(store).decode("utf-8"))
    return [output]
