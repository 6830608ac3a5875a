"""Refreshing the corpus scores after one save, at N finished segments
(100k by default), vs a full rescore of the same corpus.

One refresh is what a browser save costs the scores: `save_assessment`
(which stores that translation's statistics) + the SUM query for the corpus
+ commit. The full rescore recomputes every segment's statistics from the
texts and sums them (`rebuild_stats` + `corpus_scores_from_db`); it is
measured in the same run by `bench_scoring` on the same database.
"""

from __future__ import annotations

import random
import statistics

from benchmarks import bench_scoring
from benchmarks.common import Sizes, parse_sizes, report, section, timed

SAVES = 50


def run(sizes: Sizes, scored: bench_scoring.ScoredCorpus | None = None) -> None:
    import sqlalchemy as sa

    from app import create_app
    from app.assessments import save_assessment
    from app.extensions import db
    from app.models import Assessment, Corpus
    from app.scoring.incremental import corpus_scores_from_db, stats_are_fresh
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
            times = []
            for _ in range(SAVES):
                assessment = db.session.get(Assessment, rng.choice(ids))

                def one_save(a: Assessment = assessment) -> object:
                    save_assessment(
                        db.session, a, user=a.annotator, base_version=a.version,
                        post_edit=(a.post_edit or "") + " edited", status="done",
                    )  # fmt: skip
                    scores = corpus_scores_from_db(db.session, corpus)
                    db.session.commit()
                    return scores

                seconds, _ = timed(one_save)
                times.append(seconds)
            if not stats_are_fresh(db.session, corpus):
                raise RuntimeError("the stored statistics went stale during the saves")
            sum_only, _ = timed(lambda: corpus_scores_from_db(db.session, corpus))
            db.session.remove()
            db.engine.dispose()
        median = statistics.median(times)
        report("full rescore (baseline, from bench_scoring)", f"{scored.full_rescore:.2f} s")
        report(
            f"one save + refresh (median of {SAVES})",
            f"{median * 1000:.1f} ms",
            scored.full_rescore / median,
            "target ≥ 1000 (rescore time / refresh time)",
        )
        report("  of which the SUM query alone", f"{sum_only * 1000:.1f} ms")


if __name__ == "__main__":
    run(parse_sizes())
