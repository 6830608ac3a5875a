"""What every benchmark shares: sizes, synthetic corpora, a throwaway
database file, timing, and the line each benchmark prints."""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask

T = TypeVar("T")

#: Full sizes (the targets are stated for these) and --quick sizes.
FULL = {"import": 1_000_000, "score": 100_000, "export": 1_000_000}
QUICK = {"import": 20_000, "score": 20_000, "export": 20_000}
SEGMENTS_PER_DOC = 1000


@dataclass
class Sizes:
    import_segments: int
    score_segments: int
    export_segments: int
    workdir: Path
    #: Runs of the import and of its baseline, best time of each compared.
    import_repeats: int = 3


def parse_sizes(argv: list[str] | None = None) -> Sizes:
    parser = argparse.ArgumentParser(description="mtqa benchmarks")
    parser.add_argument("--quick", action="store_true", help="20k segments everywhere")
    parser.add_argument("--import-segments", type=int, help="env MTQA_BENCH_IMPORT")
    parser.add_argument("--score-segments", type=int, help="env MTQA_BENCH_SCORE")
    parser.add_argument("--export-segments", type=int, help="env MTQA_BENCH_EXPORT")
    parser.add_argument(
        "--import-repeats", type=int, default=3, help="import runs, best one counted (default 3)"
    )
    parser.add_argument("--workdir", type=Path, help="where the files go (default: a temp dir)")
    args = parser.parse_args(argv)
    base = QUICK if args.quick or os.environ.get("MTQA_BENCH_QUICK") else FULL

    def size(name: str, given: int | None) -> int:
        return given or int(os.environ.get(f"MTQA_BENCH_{name.upper()}", base[name]))

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="mtqa-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    return Sizes(
        size("import", args.import_segments),
        size("score", args.score_segments),
        size("export", args.export_segments),
        workdir,
        args.import_repeats,
    )


def bench_app(db_path: Path) -> Flask:
    """An app on a fresh SQLite file with the schema created from the models."""
    from app import create_app
    from app.extensions import db
    from config import Config

    # The -wal and -shm files belong to the old database: left behind, they
    # would be read as part of the new one.
    for suffix in ("", "-wal", "-shm", "-writers"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{db_path}"
        SECRET_KEY = secrets.token_hex(16)

    app = create_app(BenchConfig)
    with app.app_context():
        db.create_all()
    return app


_WORDS = [
    "".join(random.Random(i).choices("abcdefghijklmnopqrstuvwxyz", k=2 + i % 9))
    for i in range(5000)
]


def sentence(rng: random.Random) -> list[str]:
    """8 to 30 words (WMT news segments average about 20), Zipf-like word use."""
    return [_WORDS[min(int(rng.paretovariate(0.8)), 4999)] for _ in range(rng.randint(8, 30))]


def post_edit(rng: random.Random, words: list[str]) -> str:
    """The MT with about a fifth of its words replaced, dropped or added."""
    out: list[str] = []
    for w in words:
        roll = rng.random()
        if roll < 0.08:
            out.append(rng.choice(_WORDS))
        elif roll < 0.14:
            continue
        else:
            out.append(w)
        if rng.random() < 0.05:
            out.append(rng.choice(_WORDS))
    return " ".join(out) + "."


def records(n: int, *, finished: bool, seed: int = 7) -> Iterator[dict[str, Any]]:
    """JSONL records (mtqa's own format) for n segments, one system; with
    `finished` each carries one "done" assessment with a post-edit."""
    rng = random.Random(seed)
    for i in range(n):
        words = sentence(rng)
        mt = " ".join(words) + "."
        obj: dict[str, Any] = {
            "doc_id": f"doc{i // SEGMENTS_PER_DOC:05d}",
            "seg_id": i % SEGMENTS_PER_DOC + 1,
            "system": "mt",
            "source": None,
            "target": mt,
        }
        if finished:
            pe = post_edit(rng, words)
            obj["assessments"] = [
                {"annotator": "ann", "status": "done", "post_edit": pe, "time_spent": 1.0,
                 "keystrokes": 3}
            ]  # fmt: skip
            obj["reference"] = pe
            obj["status"] = "done"
        yield obj


def write_jsonl(path: Path, n: int, *, finished: bool) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for obj in records(n, finished=finished):
            handle.write(json.dumps(obj, ensure_ascii=False) + "\n")
    return path


def timed(func: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


@contextmanager
def section(title: str) -> Iterator[None]:
    print(f"\n== {title}", flush=True)
    start = time.perf_counter()
    yield
    print(f"   (section took {time.perf_counter() - start:.1f} s)", flush=True)


def report(label: str, value: str, ratio: float | None = None, target: str = "") -> None:
    """One result line: the figure, the ratio against the baseline, the target."""
    parts = [f"   {label:<52} {value:>16}"]
    if ratio is not None:
        parts.append(f"ratio {ratio:10.4g}")
    if target:
        parts.append(target)
    print("  ".join(parts), flush=True)


REPO = Path(__file__).resolve().parent.parent
