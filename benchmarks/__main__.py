"""Run every benchmark in one go (`make bench`): import, export, scoring,
refresh; `--quick` for 20k segments everywhere, or set each size.
`python -m benchmarks load [options]` runs the load benchmark
(benchmarks/load.py: gunicorn and 16 clients) instead."""

from __future__ import annotations

import sys
import time

from benchmarks import bench_export, bench_import, bench_refresh, bench_scoring
from benchmarks.common import parse_sizes


def main() -> None:
    if sys.argv[1:2] == ["load"]:
        from benchmarks import load

        load.main(sys.argv[2:])
        return
    sizes = parse_sizes()
    start = time.perf_counter()
    print(f"mtqa benchmarks in {sizes.workdir}", flush=True)
    import_db = bench_import.run(sizes)
    scored = bench_scoring.run(sizes)
    bench_refresh.run(sizes, scored)
    bench_export.run(sizes, import_db, scored.db_path)
    print(f"\nall benchmarks: {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
