"""Plain-text reader: one machine-translated article per UTF-8 file.

The file holds only the MT side (the source is often not available), so every
segment is stored with source NULL and one translation. Paragraphs are
separated by blank lines; body paragraphs are split into sentences with
pysbd; the first line, headings, source lines and site footers are kept
whole and labelled, because annotators and metrics treat them differently
(see `app.ingest.boilerplate` and docs/formats.md).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from app.errors import IngestError
from app.ingest.boilerplate import meta_url, trailing_boilerplate
from app.ingest.records import Batch, DocumentRecord, SegmentRecord, TranslationRecord
from app.ingest.registry import ImportOptions, register
from app.ingest.sentences import sentence_spans
from app.ingest.sidecar import optional_str, read_sidecar
from app.models import ANNOTATABLE_KINDS

DEFAULT_SYSTEM: Final = "mt"
#: A heading is one line of at most this many words...
HEADING_MAX_WORDS: Final = 20
#: ...that does not end like a sentence (closing quotes and brackets aside).
SENTENCE_FINAL: Final = frozenset(".!?…:;,。！？：；，")  # noqa: RUF001 (CJK punctuation)
CLOSERS: Final = "\"'”’»)]）】」』"  # noqa: RUF001
#: The first paragraph is the title when it is one line of at most this many words.
TITLE_MAX_WORDS: Final = 30
SIDECAR_KEYS: Final = (
    "title",
    "origin_url",
    "corpus",
    "document",
    "system",
    "source_lang",
    "target_lang",
)


@dataclass(frozen=True)
class TextSegment:
    text: str
    paragraph: int
    kind: str
    #: 1-based line of the file where the segment starts.
    line: int


def decode_text(raw: bytes, path: Path) -> str:
    """Strict UTF-8: a wrong encoding caught here names the byte, whereas a
    lenient decode would store mojibake that annotators then "correct"."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise IngestError(
            path,
            1,
            "the file is UTF-16 (it starts with a UTF-16 byte-order mark); "
            "mtqa reads UTF-8 text: convert it, e.g. `iconv -f UTF-16 -t UTF-8`",
        )
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise IngestError(
            path,
            raw.count(b"\n", 0, nul) + 1,
            f"NUL byte at byte offset {nul}: this is a binary or UTF-16 file, not UTF-8 text",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(
            path,
            raw.count(b"\n", 0, exc.start) + 1,
            f"not valid UTF-8 at byte offset {exc.start} (byte 0x{raw[exc.start]:02x}); "
            "save the file as UTF-8",
        ) from exc
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _paragraphs(lines: list[str]) -> Iterator[list[int]]:
    """Indices of the lines of each blank-line-separated paragraph."""
    current: list[int] = []
    for index, line in enumerate(lines):
        if line.strip():
            current.append(index)
        elif current:
            yield current
            current = []
    if current:
        yield current


def _is_heading(line: str) -> bool:
    stripped = line.strip().rstrip(CLOSERS).rstrip()
    return (
        bool(stripped)
        and len(line.split()) <= HEADING_MAX_WORDS
        and stripped[-1] not in SENTENCE_FINAL
    )


def segment_text(text: str, lang: str | None = None) -> Iterator[TextSegment]:
    """The segments of an article in order, with paragraph index and kind."""
    lines = text.split("\n")
    footer = trailing_boilerplate(lines)
    for paragraph, indices in enumerate(_paragraphs(lines)):
        run: list[int] = []
        for index in [*indices, -1]:
            line = lines[index] if index >= 0 else ""
            special = None
            if index in footer:
                special = "boilerplate"
            elif index >= 0 and meta_url(line):
                special = "meta"
            if special is None and index >= 0:
                run.append(index)
                continue
            if run:
                whole = run == indices and len(run) == 1
                yield from _ordinary(lines, run, paragraph, whole, lang)
                run = []
            if special is not None:
                yield TextSegment(line.strip(), paragraph, special, index + 1)


def _ordinary(
    lines: list[str], run: list[int], paragraph: int, whole_line: bool, lang: str | None
) -> Iterator[TextSegment]:
    first = lines[run[0]]
    if whole_line and paragraph == 0 and len(first.split()) <= TITLE_MAX_WORDS:
        yield TextSegment(first.strip(), paragraph, "title", run[0] + 1)
        return
    if whole_line and _is_heading(first):
        yield TextSegment(first.strip(), paragraph, "heading", run[0] + 1)
        return
    block = "\n".join(lines[i] for i in run)
    for start, end in sentence_spans(block, lang):
        yield TextSegment(
            block[start:end], paragraph, "body", run[0] + 1 + block.count("\n", 0, start)
        )


@register
class PlainTextReader:
    name = "text"
    extensions = ("txt",)

    def read(self, path: Path, options: ImportOptions) -> Batch:
        text = decode_text(path.read_bytes(), path)
        meta: dict[str, str | None] = dict.fromkeys(SIDECAR_KEYS)
        found = read_sidecar(path)
        if found is not None:
            meta_path, data = found
            meta = {key: optional_str(data, key, meta_path) for key in SIDECAR_KEYS}
        target_lang = options.target_lang or meta["target_lang"]
        system = options.system or meta["system"] or DEFAULT_SYSTEM
        document = DocumentRecord(
            name=meta["document"] or path.name.split(".", 1)[0] or path.name,
            title=meta["title"],
            origin_url=meta["origin_url"],
            line=1,
        )
        for position, seg in enumerate(segment_text(text, target_lang), start=1):
            if seg.kind == "meta" and document.origin_url is None:
                document.origin_url = meta_url(seg.text)
            if seg.kind == "title" and document.title is None:
                document.title = seg.text
            document.segments.append(
                SegmentRecord(
                    position=position,
                    source=None,
                    translations=[TranslationRecord(system=system, text=seg.text)],
                    paragraph=seg.paragraph,
                    kind=seg.kind,
                    annotatable=seg.kind in ANNOTATABLE_KINDS,
                    line=seg.line,
                )
            )
        if not document.segments:
            raise IngestError(path, None, "the file holds no text")
        return Batch(
            path=str(path),
            documents=[document],
            corpus_name=meta["corpus"],
            source_lang=meta["source_lang"],
            target_lang=meta["target_lang"],
        )
