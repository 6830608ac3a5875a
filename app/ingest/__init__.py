"""Ingest: files in, rows out, in one transaction per import.

Readers (`app.ingest.text`, `app.ingest.jsonl`, …) register themselves in
`app.ingest.registry`; `import_path` picks them by name or extension and loads
every file of an import in one transaction, so a bad file anywhere in a
directory leaves the database as it was.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session
from tqdm import tqdm

from app.ingest import jsonl, parallel, text, tmx, tsv, wmt_mqm, xliff  # noqa: F401  (registers the readers)
from app.ingest.load import Loader
from app.ingest.registry import READERS, ImportOptions, files_to_import, reader_for, register
from app.ingest.report import ImportReport
from app.scoring.incremental import refresh_corpus_stats

__all__ = ["READERS", "ImportOptions", "ImportReport", "import_path", "reader_for", "register"]


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """A million-line file makes millions of small records that all live
    until the end of the import; Python's cycle collector would walk them
    again and again as they pile up (half of the reading time), while
    none of them can be garbage before the import ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_path(
    session: Session,
    path: Path | str,
    *,
    fmt: str = "auto",
    corpus_name: str | None = None,
    system: str | None = None,
    source_lang: str | None = None,
    target_lang: str | None = None,
    progress: bool = False,
) -> ImportReport:
    """Import a file, or every importable file of a directory, and commit;
    on any error roll back and re-raise, so nothing of the input is stored."""
    path = Path(path)
    options = ImportOptions(corpus_name, system, source_lang, target_lang)
    chosen, skipped = files_to_import(path, fmt)
    report = ImportReport(skipped=[str(p) for p in skipped])
    with _no_cycle_collection():
        try:
            loader = Loader(session, options, report, progress)
            for file_path, reader in chosen:
                if progress:
                    tqdm.write(f"reading {file_path}", file=sys.stderr)
                batch = reader.read(file_path, options)
                loader.load(batch)
                report.files.append(str(file_path))
            if report.count("assessments").created:
                # Imported work bypasses the save path: store its statistics.
                refresh_corpus_stats(session, report.corpora, progress=progress)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return report
