"""Corpus BLEU + chrF + TER of N finished segments (100k by default) from
the database vs sacrebleu's `corpus_score` on the same Python lists.

Measured here, all on the same corpus:
* sacrebleu: BLEU, CHRF and TER `corpus_score` on lists already in memory
  (the baseline; reading the texts is not part of it);
* the corpus scores from the stored statistics: from the running
  per-corpus totals (`corpus_scores_from_db`, what mtqa does once
  statistics are stored) and from the SUM over every stored row
  (`summed_scores`, the source of truth);
* `corpus_report` with the stored statistics: also every segment's
  sentence-level scores, MQM and the per-system table;
* a full rescore from the database: read every finished pair, compute its
  statistics from the texts, write them (`rebuild_stats`), sum them.
The scores are checked to be equal to sacrebleu's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import Sizes, bench_app, parse_sizes, report, section, timed, write_jsonl


@dataclass
class ScoredCorpus:
    db_path: Path
    #: Seconds for a full rescore from the database (rebuild + sum).
    full_rescore: float


def run(sizes: Sizes) -> ScoredCorpus:
    from sacrebleu.metrics import BLEU, CHRF, TER

    from app.extensions import db
    from app.ingest import import_path
    from app.models import Corpus
    from app.scoring.incremental import corpus_scores_from_db, rebuild_stats, summed_scores
    from app.scoring.report import corpus_report, finished_pairs
    from app.scoring.text import one_line

    n = sizes.score_segments
    with section(f"scoring: {n:,} finished segments"):
        source = write_jsonl(sizes.workdir / "finished.jsonl", n, finished=True)
        db_path = sizes.workdir / "finished.sqlite"
        app = bench_app(db_path)
        with app.app_context():
            import_seconds, _ = timed(lambda: import_path(db.session, source, corpus_name="f"))
            report("import incl. statistics (setup)", f"{import_seconds:.1f} s")
            corpus = db.session.scalar(db.select(Corpus).where(Corpus.name == "f"))
            pairs = list(finished_pairs(db.session, corpus))
            hyps = [one_line(p.hypothesis) for p in pairs]
            refs = [one_line(p.reference or "") for p in pairs]
            del pairs
            metrics = {"bleu": BLEU(), "chrf": CHRF(), "ter": TER()}

            def sacrebleu_scores() -> dict[str, float]:
                return {k: m.corpus_score(hyps, [refs]).score for k, m in metrics.items()}

            base, want = timed(sacrebleu_scores)
            report("sacrebleu corpus_score BLEU+chrF+TER (baseline)", f"{base:.2f} s")

            from_totals, stored = timed(lambda: corpus_scores_from_db(db.session, corpus))
            _check(stored.metrics, want)
            report(
                "mtqa: stored statistics, running totals",
                f"{from_totals:.4f} s",
                from_totals / base,
                "target ≤ 1.20 (mtqa time / sacrebleu time)",
            )
            summed, stored = timed(lambda: summed_scores(db.session, corpus))
            _check(stored.metrics, want)
            report(
                "mtqa: stored statistics summed in the database",
                f"{summed:.3f} s",
                summed / base,
            )
            full, result = timed(lambda: corpus_report(db.session, corpus))
            _check(result.metrics, want)
            report("mtqa: corpus_report (+ segment scores, MQM)", f"{full:.2f} s", full / base)

            def rescore() -> object:
                rebuild_stats(db.session, corpus)
                return corpus_scores_from_db(db.session, corpus)

            rescore_seconds, rescored = timed(rescore)
            db.session.commit()
            _check(rescored.metrics, want)  # type: ignore[attr-defined]
            report(
                "mtqa: full rescore from the database texts",
                f"{rescore_seconds:.2f} s",
                rescore_seconds / base,
            )
            db.session.remove()
            db.engine.dispose()
    return ScoredCorpus(db_path, rescore_seconds)


def _check(got: dict, want: dict[str, float]) -> None:
    scores = {name: result.score for name, result in got.items()}
    if scores != want:
        raise RuntimeError(f"scores differ from sacrebleu: {scores} != {want}")


if __name__ == "__main__":
    run(parse_sizes())
