"""Import of N segments (1M by default) through `mtqa import`'s code path
vs raw `sqlite3` executemany of the same rows into the same schema.

Two baselines, both measured here: the bare executemany of rows already in
memory (the floor: what the database alone costs), and the same preceded by
reading the JSONL file with `json.loads` (the least any importer of the
file must do). The target (at least 0.5 times the raw speed) is judged against the bare executemany.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import Sizes, bench_app, parse_sizes, report, section, timed, write_jsonl
from benchmarks.export_child import peak_rss_mb


def raw_rows(path: Path) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Document, segment and translation rows of the file, with ids given."""
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
    docs: dict[str, int] = {}
    documents, segments, translations = [], [], []
    with path.open(encoding="utf-8") as handle:
        for seg_id, line in enumerate(handle, start=1):
            obj = json.loads(line)
            doc_id = docs.get(obj["doc_id"])
            if doc_id is None:
                doc_id = docs[obj["doc_id"]] = len(docs) + 1
                documents.append((doc_id, 1, obj["doc_id"], None, None, doc_id - 1, now))
            segments.append((seg_id, doc_id, obj["seg_id"], 0, "body", 1, obj["source"], None))
            translations.append((seg_id, seg_id, obj["system"], obj["target"]))
    return documents, segments, translations


def raw_insert(db_path: Path, rows: tuple[list[tuple], list[tuple], list[tuple]]) -> None:
    documents, segments, translations = rows
    con = sqlite3.connect(db_path, isolation_level=None)
    # The same settings the app's engine uses (app/database.py).
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("BEGIN IMMEDIATE")
    con.execute(
        "INSERT INTO corpus (id, name, source_lang, target_lang, script_normalisation,"
        " created_at) VALUES (1, 'bench', 'und', 'en', 'none', ?)",
        (documents[0][-1],),
    )
    con.executemany(
        "INSERT INTO document (id, corpus_id, name, title, origin_url, position, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        documents,
    )
    con.executemany(
        "INSERT INTO segment (id, document_id, position, paragraph, kind, annotatable,"
        " source, external_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        segments,
    )
    con.executemany(
        "INSERT INTO translation (id, segment_id, system, text) VALUES (?, ?, ?, ?)",
        translations,
    )
    con.execute("COMMIT")
    con.close()


def baseline(source: Path, raw_path: Path) -> tuple[float, float]:
    """Seconds to read the file with json.loads, and to insert its rows."""
    parse_seconds, rows = timed(lambda: raw_rows(source))
    insert_seconds, _ = timed(lambda: raw_insert(raw_path, rows))
    return parse_seconds, insert_seconds


def reset_peak_rss() -> None:
    """So that each peak is that of one step, not of the whole process."""
    Path("/proc/self/clear_refs").write_text("5")


def run(sizes: Sizes) -> Path:
    """Returns the database file holding the imported corpus "bench".

    The import and the baseline run in turns, `sizes.import_repeats` times
    each on fresh database files, and the best time of each is compared:
    on a shared machine one run of either can be slowed by other work by
    half or more, which would decide the ratio on its own."""
    from app.extensions import db
    from app.ingest import import_path

    n = sizes.import_segments
    rounds = max(1, sizes.import_repeats)
    with section(f"import: {n:,} segments (JSONL, one system, no assessments), best of {rounds}"):
        source = write_jsonl(sizes.workdir / "import.jsonl", n, finished=False)
        db_path = sizes.workdir / "import.sqlite"
        raw_path = sizes.workdir / "raw.sqlite"
        runs: list[tuple[float, float, float]] = []
        import_peak = raw_peak = 0.0
        for _ in range(rounds):
            app = bench_app(db_path)
            reset_peak_rss()
            with app.app_context():
                seconds, result = timed(
                    lambda: import_path(db.session, source, corpus_name="bench")
                )
                db.session.remove()
                db.engine.dispose()
            import_peak = max(import_peak, peak_rss_mb())
            if result.count("segments").created != n:
                raise RuntimeError(f"imported {result.count('segments').created} segments, not {n}")

            bench_app(raw_path)  # the same schema, created from the models
            reset_peak_rss()
            parse_seconds, insert_seconds = baseline(source, raw_path)
            raw_peak = max(raw_peak, peak_rss_mb())
            runs.append((seconds, insert_seconds, parse_seconds + insert_seconds))
            print(
                f"   round: mtqa {seconds:.1f} s, raw executemany {insert_seconds:.1f} s, "
                f"json.loads + executemany {parse_seconds + insert_seconds:.1f} s",
                flush=True,
            )
        seconds, insert_seconds, parsed_seconds = (
            min(column) for column in zip(*runs, strict=True)
        )

        report(
            "mtqa import",
            f"{n / seconds:,.0f} seg/s",
            None,
            f"{seconds:.1f} s, peak {import_peak:.0f} MB",
        )
        report(
            "raw sqlite3 executemany (rows in memory)",
            f"{n / insert_seconds:,.0f} seg/s",
            insert_seconds / seconds,
            "target ≥ 0.50 (mtqa speed / raw speed)",
        )
        report(
            "raw sqlite3: json.loads + executemany",
            f"{n / parsed_seconds:,.0f} seg/s",
            parsed_seconds / seconds,
            f"peak {raw_peak:.0f} MB",
        )
    return db_path


if __name__ == "__main__":
    run(parse_sizes())
