"""XLIFF 1.2 and 2.0 readers, on translate-toolkit's XLIFF stores.

mtqa writes (docs/formats.md): one `<file>` per document and system
(`original` = the document name), one unit per segment with `id` = its
position, `<source>` (empty when the corpus has none), `<target>` = the
post-edit of the assessment the unit carries, and the MT beside it: an
`<alt-trans origin="mt:SYSTEM">` in 1.2, `mda:meta type="mt"` in 2.0. The
annotator, segment kind and paragraph are extension attributes
(`mtqa:annotator`, `mtqa:kind`, `mtqa:paragraph` on the trans-unit, in the
namespace `urn:x-mtqa`) in 1.2 and `mda:meta` entries in 2.0.

Status from the target's state:

| mtqa      | XLIFF 1.2 target state (+ qualifier)         | XLIFF 2.0 segment state       |
|-----------|----------------------------------------------|-------------------------------|
| pending   | needs-review-translation (mt-suggestion)     | initial                       |
| draft     | translated                                   | translated                    |
| done      | final, approved="yes"                        | final                         |
| no_errors | final (leveraged-mt), approved="yes"         | final, subState=mtqa:no_errors|

Read back: final, signed-off or approved="yes" (1.2), final or reviewed
(2.0) is finished; any other state is a draft when the unit names an
annotator or its target differs from the MT, else the unit is pending. A
unit from another tool, without an `mt:` alternative, is a source and an MT
(its target) with nobody's assessment yet; a finished unit without an
annotator is credited to the annotator "reference".
"""

from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from pathlib import Path
from typing import Any, Final

from lxml import etree
from translate.storage import xliff, xliff2

from app.errors import IngestError
from app.ingest.assemble import REFERENCE_ANNOTATOR, Assembler, mark_primary
from app.ingest.records import AssessmentRecord, Batch
from app.ingest.registry import ImportOptions, register

NS_12: Final = "urn:oasis:names:tc:xliff:document:1.2"
NS_20: Final = "urn:oasis:names:tc:xliff:document:2.0"
NS_MDA: Final = "urn:oasis:names:tc:xliff:metadata:2.0"
NS_MTQA: Final = "urn:x-mtqa"
MT_ORIGIN: Final = "mt:"
META_GROUP: Final = "mtqa"
NO_ERRORS_SUBSTATE: Final = "mtqa:no_errors"
DEFAULT_SYSTEM: Final = "mt"
#: mtqa status -> (state, state-qualifier) of a 1.2 target.
STATES_12: Final = {
    "pending": ("needs-review-translation", "mt-suggestion"),
    "draft": ("translated", None),
    "done": ("final", None),
    "no_errors": ("final", "leveraged-mt"),
}
#: mtqa status -> (state, subState) of a 2.0 segment.
STATES_20: Final = {
    "pending": ("initial", None),
    "draft": ("translated", None),
    "done": ("final", None),
    "no_errors": ("final", NO_ERRORS_SUBSTATE),
}
_FINISHED_12: Final = frozenset({"final", "signed-off"})
_FINISHED_20: Final = frozenset({"final", "reviewed"})


def parse_xml(path: Path, root_tags: dict[str, str]) -> tuple[bytes, str]:
    """The file's bytes and the version its root names, or an IngestError
    with the line of the syntax error. Parsed without entities or network,
    so a hostile file cannot read local files."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, None, f"cannot read: {exc.strerror}") from exc
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        raise IngestError(path, line, f"malformed XML: {exc.msg}") from exc
    tag = etree.QName(root)
    if tag.localname not in root_tags.values():
        raise IngestError(
            path, root.sourceline, f"the root element is <{tag.localname}>, not a known format"
        )
    return raw, root.get("version", "")


def _int(value: str | None, what: str, path: Path, line: int | None, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise IngestError(path, line, f"{what} must be an integer, not {value!r}") from None


def _status(
    finished: bool, no_errors: bool, annotator: str | None, target: str | None, mt: str
) -> str | None:
    if target is None:
        return None
    if finished:
        return "no_errors" if no_errors else "done"
    if annotator is None and target == mt:
        return None
    return "draft"


class _Units:
    """Adds one unit at a time; numbers units without a numeric id."""

    def __init__(self, path: Path, options: ImportOptions) -> None:
        self.path = path
        self.options = options
        self.assembler = Assembler(path)
        self.ordinals: dict[str, int] = {}

    def add(
        self,
        *,
        doc: str,
        unit_id: str | None,
        name: str | None,
        line: int | None,
        source: str | None,
        target: str | None,
        mt: str | None,
        system: str | None,
        extras: Mapping[str, str | None],
        annotatable: bool,
        finished: bool,
        no_errors: bool,
    ) -> None:
        ordinal = self.ordinals[doc] = self.ordinals.get(doc, 0) + 1
        if unit_id is not None and unit_id.isdigit() and int(unit_id) > 0:
            position, external_id = int(unit_id), name
        else:
            position, external_id = ordinal, name or unit_id
        if mt is None:
            if target is None:
                raise IngestError(
                    self.path, line, f"unit {unit_id!r} has neither a target nor an MT alternative"
                )
            mt, target = target, None
        translation = self.assembler.unit(
            line=line,
            doc=doc,
            position=position,
            source=source or None,
            system=system or self.options.system or DEFAULT_SYSTEM,
            mt=mt,
            paragraph=_int(extras.get("paragraph"), "paragraph", self.path, line, 0),
            kind=extras.get("kind") or "body",
            annotatable=annotatable,
            external_id=external_id,
        )
        annotator = extras.get("annotator") or None
        status = _status(finished, no_errors, annotator, target, mt)
        if status is not None:
            translation.assessments.append(
                AssessmentRecord(
                    annotator=annotator or REFERENCE_ANNOTATOR, status=status, post_edit=target
                )
            )
            mark_primary(translation.assessments)

    def batch(self, source_lang: str | None, target_lang: str | None) -> Batch:
        return self.assembler.batch(
            source_lang=self.options.source_lang or source_lang,
            target_lang=self.options.target_lang or target_lang,
        )


def _file_of(element: Any, namespace: str) -> Any:
    for ancestor in element.iterancestors(f"{{{namespace}}}file"):
        return ancestor
    return None


def _read_12(path: Path, raw: bytes, options: ImportOptions) -> Batch:
    try:
        store: Any = xliff.xlifffile(BytesIO(raw))
    except ValueError as exc:
        raise IngestError(path, 1, str(exc)) from exc
    ns = store.namespace
    units = _Units(path, options)
    for unit in store.units:
        element = unit.xmlelement
        file = _file_of(element, ns)
        target = element.find(f"{{{ns}}}target")
        state = target.get("state") if target is not None else None
        mt, system = None, None
        for alt in element.iterchildren(f"{{{ns}}}alt-trans"):
            origin = alt.get("origin") or ""
            if origin.startswith(MT_ORIGIN):
                mt, system = unit.getalttrans(origin)[0].target, origin[len(MT_ORIGIN) :]
                break
        units.add(
            doc=(file.get("original") if file is not None else None) or path.stem,
            unit_id=element.get("id"),
            name=element.get("resname"),
            line=element.sourceline,
            source=unit.source,
            target=unit.target if target is not None else None,
            mt=mt,
            system=system,
            extras={
                k: element.get(f"{{{NS_MTQA}}}{k}") for k in ("annotator", "kind", "paragraph")
            },
            annotatable=element.get("translate", "yes") != "no",
            finished=state in _FINISHED_12 or element.get("approved") == "yes",
            no_errors=target is not None and target.get("state-qualifier") == "leveraged-mt",
        )
    return units.batch(store.getsourcelanguage(), store.gettargetlanguage())


def meta_of(unit_element: Any) -> dict[str, str]:
    """The `mda:meta` entries of the unit's mtqa group, by type."""
    found: dict[str, str] = {}
    for group in unit_element.iterfind(f"{{{NS_MDA}}}metadata/{{{NS_MDA}}}metaGroup"):
        if group.get("category") == META_GROUP:
            for meta in group.iterchildren(f"{{{NS_MDA}}}meta"):
                found[meta.get("type", "")] = meta.text or ""
    return found


def _read_20(path: Path, raw: bytes, options: ImportOptions) -> Batch:
    try:
        store = xliff2.Xliff2File(BytesIO(raw))
    except ValueError as exc:
        raise IngestError(path, 1, str(exc)) from exc
    units = _Units(path, options)
    for unit in store.units:
        segment = unit.xmlelement
        element = unit.getunitelement()
        file = _file_of(element, NS_20)
        meta = meta_of(element)
        target = segment.find(f"{{{NS_20}}}target")
        state = segment.get("state")
        units.add(
            doc=(file.get("original") or file.get("id") if file is not None else None) or path.stem,
            unit_id=element.get("id"),
            name=element.get("name"),
            line=element.sourceline,
            source=unit.source,
            target=unit.target if target is not None else None,
            mt=meta.get("mt"),
            system=meta.get("system"),
            extras=meta,
            annotatable=element.get("translate", "yes") != "no",
            finished=state in _FINISHED_20,
            no_errors=segment.get("subState") == NO_ERRORS_SUBSTATE,
        )
    return units.batch(store.getsourcelanguage(), store.gettargetlanguage())


@register
class XliffReader:
    """XLIFF 1.2 or 2.0, told apart by the root's version."""

    name = "xliff"
    extensions = ("xlf", "xliff")

    def read(self, path: Path, options: ImportOptions) -> Batch:
        raw, version = parse_xml(path, {"xliff": "xliff"})
        if version.startswith("2."):
            return _read_20(path, raw, options)
        return _read_12(path, raw, options)


@register
class Xliff2Reader:
    """XLIFF 2.0 only (`--format xliff2`); `.xlf` files of either version
    are read by the "xliff" reader."""

    name = "xliff2"
    extensions: tuple[str, ...] = ()

    def read(self, path: Path, options: ImportOptions) -> Batch:
        raw, version = parse_xml(path, {"xliff": "xliff"})
        if not version.startswith("2."):
            raise IngestError(path, 1, f"XLIFF version {version or 'unknown'!r}, not 2.x")
        return _read_20(path, raw, options)
