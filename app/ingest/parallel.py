"""Parallel-text reader: the `hyp`/`ref`/`src` files of the "text" export
(or any such files), read back as finished post-edits.

Selected by name and pointed at the hypothesis file, whose name gives the
others: `mtqa import DIR/hyp.txt --format parallel` reads `ref.txt` and,
when present, `src.txt` beside it; `hyp.SYSTEM.txt` reads
`ref.SYSTEM.txt` and `src.SYSTEM.txt`. (A directory argument hands each
file to its own reader, and `.txt` belongs to the article reader.)

Line n of the three files is segment n of one document: the MT (`hyp`), the
source (`src`, else none) and a finished ("done") assessment whose post-edit
is the reference (`ref`), credited to the annotator "reference". Every line
passes through `one_line`, as the exporter's did, so the stored text is the
text the scorer sees. The README the exporter writes supplies the corpus
name, the languages and the system names that file names had to simplify;
without it the corpus is named after the directory. The document is named
after the corpus, plus `-SYSTEM` for a `hyp.SYSTEM.txt` file, since each
system's files list a different set of finished segments.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from app.errors import IngestError
from app.ingest.assemble import REFERENCE_ANNOTATOR, Assembler
from app.ingest.records import AssessmentRecord, Batch
from app.ingest.registry import ImportOptions, register
from app.scoring.text import one_line

DEFAULT_SYSTEM: Final = "mt"
_HYP: Final = re.compile(r"^hyp(?:\.(?P<system>.+))?\.txt$")
_TITLE: Final = re.compile(r"^# (?P<name>.+): plain-text export for sacrebleu$", re.M)
_LANGS: Final = re.compile(r"^Languages: (?P<src>\S+) → (?P<tgt>\S+)\.", re.M)
_SYSTEM: Final = re.compile(
    r"^- `(?P<file>hyp[^`]*\.txt)` \(MT of system `(?P<system>[^`]*)`\)", re.M
)


def _lines(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, None, f"cannot read: {exc.strerror}") from exc
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    text: list[str] = []
    for number, line in enumerate(lines, start=1):
        try:
            decoded = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise IngestError(path, number, f"not valid UTF-8 at byte {exc.start}") from exc
        text.append(one_line(decoded.removeprefix("\ufeff") if number == 1 else decoded))
    return text


def _readme(directory: Path) -> tuple[str | None, str | None, str | None, dict[str, str]]:
    """Corpus name, languages and systems by hyp file, from the README."""
    path = directory / "README.md"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None, None, None, {}
    title, langs = _TITLE.search(text), _LANGS.search(text)
    systems = {m["file"]: m["system"] for m in _SYSTEM.finditer(text)}
    return (
        title["name"] if title else None,
        langs["src"] if langs else None,
        langs["tgt"] if langs else None,
        systems,
    )


@register
class ParallelReader:
    name = "parallel"
    extensions: tuple[str, ...] = ()

    def read(self, path: Path, options: ImportOptions) -> Batch:
        match = _HYP.match(path.name)
        if match is None:
            raise IngestError(
                path, None, "the parallel reader takes the hypothesis file: hyp.txt or hyp.NAME.txt"
            )
        suffix = path.name.removeprefix("hyp")
        corpus, source_lang, target_lang, systems = _readme(path.parent)
        corpus = options.corpus_name or corpus or path.resolve().parent.name
        system = options.system or systems.get(path.name) or match["system"] or DEFAULT_SYSTEM
        hyps = _lines(path)
        ref_path = path.with_name("ref" + suffix)
        if not ref_path.is_file():
            raise IngestError(ref_path, None, f"missing: {path.name} needs its references")
        refs = _lines(ref_path)
        src_path = path.with_name("src" + suffix)
        sources: list[str | None] = [None] * len(hyps)
        if src_path.is_file():
            sources = list(_lines(src_path))
        for other, lines in ((ref_path, refs), (src_path, sources)):
            if len(lines) != len(hyps):
                raise IngestError(
                    other,
                    min(len(lines), len(hyps)) + 1,
                    f"{len(lines)} lines, but {path.name} has {len(hyps)}; line n of each file "
                    "must be the same segment",
                )
        document = corpus if match["system"] is None else f"{corpus}-{match['system']}"
        assembler = Assembler(path)
        for number, (hyp, ref, source) in enumerate(zip(hyps, refs, sources, strict=True), 1):
            translation = assembler.unit(
                line=number, doc=document, position=number, source=source or None,
                system=system, mt=hyp,
            )  # fmt: skip
            translation.assessments.append(
                AssessmentRecord(
                    annotator=REFERENCE_ANNOTATOR, status="done", post_edit=ref, primary=True
                )
            )
        return assembler.batch(
            corpus_name=corpus,
            source_lang=options.source_lang or source_lang,
            target_lang=options.target_lang or target_lang,
        )
