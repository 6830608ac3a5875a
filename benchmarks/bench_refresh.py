"""Refreshing the corpus scores after one save, at N finished segments
(100k by default), vs a full rescore of the same corpus.

One refresh is what a browser save costs the scores: `save_assessment`
(which stores that translation's statistics and adds their difference to
the corpus's running totals) + reading the corpus scores + commit. It is
measured twice, reading the scores from the running totals
(`corpus_scores_from_db`, what mtqa does) and from the SUM over every
stored row (`summed_scores`, the source of truth the totals are checked
against). The full rescore recomputes every segment's statistics from the
texts and sums them (`rebuild_stats` + `corpus_scores_from_db`); it is
measured in the same run by `bench_scoring` on the same database.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable

from benchmarks import bench_scoring
from benchmarks.common import Sizes, parse_sizes, report, section, timed

SAVES = 50


def run(sizes: Sizes, scored: bench_scoring.ScoredCorpus | None = None) -> None:
    import sqlalchemy as sa

    from app import create_app
    from app.assessments import save_assessment
    from app.extensions import db
    from app.models import Assessment, Corpus
    from app.scoring.incremental import (
        StoredScores,
        corpus_scores_from_db,
        stats_are_fresh,
        summed_scores,
    )
    from app.scoring.totals import verify_totals
    from config import Config

    if scored is None:
        scored = bench_scoring.run(sizes)

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{scored.db_path}"
        SECRET_KEY = "benchmark-only-secret-key-0123456789"

    app = create_app(BenchConfig)
    with section(f"refresh after one save: {sizes.score_segments:,} finished segments"):
        with app.app_context():
            corpus = db.session.scalar(sa.select(Corpus).where(Corpus.name == "f"))
            ids = db.session.scalars(sa.select(Assessment.id)).all()
            rng = random.Random(3)

            def refreshes(read: Callable[[], StoredScores]) -> list[float]:
                times = []
                for _ in range(SAVES):
                    assessment = db.session.get(Assessment, rng.choice(ids))

                    def one_save(a: Assessment = assessment) -> object:
                        save_assessment(
                            db.session, a, user=a.annotator, base_version=a.version,
                            post_edit=(a.post_edit or "") + " edited", status="done",
                        )  # fmt: skip
                        scores = read()
                        db.session.commit()
                        return scores

                    seconds, _ = timed(one_save)
                    times.append(seconds)
                return times

            via_totals = statistics.median(
                refreshes(lambda: corpus_scores_from_db(db.session, corpus))
            )
            via_sum = statistics.median(refreshes(lambda: summed_scores(db.session, corpus)))
            if not stats_are_fresh(db.session, corpus):
                raise RuntimeError("the stored statistics went stale during the saves")
            if verify_totals(db.session, corpus):
                raise RuntimeError("the running totals drifted from the SUM during the saves")
            if corpus_scores_from_db(db.session, corpus) != summed_scores(db.session, corpus):
                raise RuntimeError("scores from the totals differ from scores from the SUM")
            totals_only, _ = timed(lambda: corpus_scores_from_db(db.session, corpus))
            sum_only, _ = timed(lambda: summed_scores(db.session, corpus))
            db.session.remove()
            db.engine.dispose()
        report("full rescore (baseline, from bench_scoring)", f"{scored.full_rescore:.2f} s")
        report(
            f"one save + refresh from the totals (median of {SAVES})",
            f"{via_totals * 1000:.1f} ms",
            scored.full_rescore / via_totals,
            "target ≥ 1000 (rescore time / refresh time)",
        )
        report("  of which reading the totals alone", f"{totals_only * 1000:.2f} ms")
        report(
            f"one save + refresh from the SUM (median of {SAVES})",
            f"{via_sum * 1000:.1f} ms",
            scored.full_rescore / via_sum,
        )
        report("  of which the SUM query alone", f"{sum_only * 1000:.1f} ms")


if __name__ == "__main__":
    run(parse_sizes())
