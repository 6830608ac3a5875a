"""Run in a subprocess by `bench_export`, so that its peak memory is its own:
`python -m benchmarks.export_child (mtqa|raw) DB_FILE CORPUS OUTPUT`.
Prints the seconds the export itself took and its peak memory in MB.

Linux keeps the peak RSS across fork and exec, so a child would report the
parent's peak; writing 5 to /proc/self/clear_refs resets it first."""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from pathlib import Path


def mtqa_export(db_path: Path, corpus_name: str, output: Path) -> float:
    import sqlalchemy as sa

    from app import create_app
    from app.export import export_corpus
    from app.extensions import db
    from app.models import Corpus
    from config import Config

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{db_path}"
        SECRET_KEY = "benchmark-only-secret-key-0123456789"

    app = create_app(BenchConfig)
    with app.app_context():
        corpus = db.session.scalar(sa.select(Corpus).where(Corpus.name == corpus_name))
        start = time.perf_counter()
        export_corpus(db.session, corpus, "jsonl", output)
        return time.perf_counter() - start


def raw_export(db_path: Path, corpus_name: str, output: Path) -> float:
    """The least a JSONL export does: one ordered join, one JSON line per row."""
    start = time.perf_counter()
    con = sqlite3.connect(db_path)
    rows = con.execute(
        "SELECT d.name, s.position, s.paragraph, s.kind, s.annotatable, s.external_id,"
        " t.system, s.source, t.text FROM translation t"
        " JOIN segment s ON t.segment_id = s.id JOIN document d ON s.document_id = d.id"
        " JOIN corpus c ON d.corpus_id = c.id WHERE c.name = ?"
        " ORDER BY d.position, d.id, s.position, t.system",
        (corpus_name,),
    )
    keys = ("doc_id", "seg_id", "paragraph", "kind", "annotatable", "external_id", "system",
            "source", "target")  # fmt: skip
    with output.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(dict(zip(keys, row, strict=True)), ensure_ascii=False))
            handle.write("\n")
    con.close()
    return time.perf_counter() - start


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


if __name__ == "__main__":
    Path("/proc/self/clear_refs").write_text("5")
    mode, db_file, corpus, out = sys.argv[1:5]
    export = mtqa_export if mode == "mtqa" else raw_export
    seconds = export(Path(db_file), corpus, Path(out))
    print(seconds, peak_rss_mb())
