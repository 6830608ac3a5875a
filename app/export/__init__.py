"""Export: a corpus with its annotations and scores, out to files.

Writers (`app.export.jsonl`, `app.export.text`, …) register themselves in
`app.export.registry`; `export_corpus` picks one by name.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from app.export import jsonl, text, tmx, tsv, wmt_mqm, xliff  # noqa: F401  (registers the writers)
from app.export.registry import WRITERS, register, writer_named
from app.models import Corpus

__all__ = ["WRITERS", "export_corpus", "register"]


def export_corpus(
    session: Session, corpus: Corpus, fmt: str, output: Path | str, progress: bool = False
) -> list[Path]:
    """Write `corpus` in format `fmt` to `output`; returns the files written."""
    return writer_named(fmt)(session, corpus, Path(output), progress=progress)
