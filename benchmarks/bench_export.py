"""JSONL export of N segments (1M by default): rows per second and peak
memory, each export in its own process (its peak RSS, VmHWM), vs a raw
`sqlite3` join writing one `json.dumps` line per row in the same way.

The 1M-segment corpus is the one `bench_import` stored (MT only, nothing
finished). The corpus of `bench_scoring` (every segment finished, so the
export carries scores) is exported too when it was built in the same run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks import bench_import
from benchmarks.common import REPO, Sizes, parse_sizes, report, section


def _child(mode: str, db_path: Path, corpus: str, output: Path) -> tuple[float, float]:
    """(seconds of the export, peak RSS in MB) of one export subprocess."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.export_child", mode, str(db_path), corpus, str(output)],
        stdout=subprocess.PIPE,
        cwd=REPO,
        check=True,
        text=True,
    )
    seconds, peak = done.stdout.split()[-2:]
    return float(seconds), float(peak)


def measure(db_path: Path, corpus: str, n: int, workdir: Path, label: str) -> None:
    seconds, peak = _child("mtqa", db_path, corpus, workdir / f"{label}.jsonl")
    raw_seconds, raw_peak = _child("raw", db_path, corpus, workdir / f"{label}.raw.jsonl")
    report(f"mtqa export {label}", f"{n / seconds:,.0f} rows/s", None, f"{seconds:.1f} s")
    report("raw sqlite3 + json.dumps", f"{n / raw_seconds:,.0f} rows/s", raw_seconds / seconds,
           "(mtqa speed / raw speed)")  # fmt: skip
    report(f"mtqa export {label}: peak memory", f"{peak:,.0f} MB", peak / raw_peak,
           "target < 300 MB (ratio: mtqa / raw peak)")  # fmt: skip
    report("raw export: peak memory", f"{raw_peak:,.0f} MB")


def run(sizes: Sizes, import_db: Path | None = None, finished_db: Path | None = None) -> None:
    n = sizes.export_segments
    if import_db is None or n != sizes.import_segments:
        sizes.import_segments = n
        import_db = bench_import.run(sizes)
    with section(f"export: {n:,} segments (JSONL)"):
        measure(import_db, "bench", n, sizes.workdir, f"{n:,} MT-only segments")
        if finished_db is not None:
            measure(
                finished_db, "f", sizes.score_segments, sizes.workdir,
                f"{sizes.score_segments:,} finished segments",
            )  # fmt: skip


if __name__ == "__main__":
    run(parse_sizes())
