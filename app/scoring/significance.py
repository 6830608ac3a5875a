"""Paired significance tests and 95% confidence intervals between systems.

BLEU, chrF and TER use sacrebleu's own paired bootstrap resampling (the
test behind `sacrebleu -pb`, after Koehn 2004): the same resampled segment
indices for baseline and system, the corpus score recomputed from summed
sufficient statistics on each resample, the p-value from the
mean-centred absolute differences, and the CI as half the width of the
central 95% of the resampled scores (`mean ± ci`). The only difference from
`sacrebleu -pb` is that each system may be scored against its own
references (its annotators' post-edits) rather than one shared set; with a
shared set the numbers are sacrebleu's exactly.

MQM is a mean of segment scores, so it gets the classic paired tests on
those scores: a paired approximate-randomisation (sign-flip permutation)
test on the per-segment differences over the segments both systems share,
and a bootstrap CI of the mean with the same `mean ± ci` convention.

Every test is seeded (numpy's default_rng), so a report is reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sacrebleu.metrics.base import Metric
from sacrebleu.significance import Result, _bootstrap_resample, _paired_bs_test, estimate_ci

#: sacrebleu's default seed (SACREBLEU_SEED) and resample count for `-pb`.
SEED = 12345
N_BOOTSTRAP = 1000
N_PERMUTATIONS = 1000


@dataclass(frozen=True)
class Estimate:
    """A score with its bootstrap mean and 95% CI half-width, as sacrebleu
    prints them (`score (μ = mean ± ci)`)."""

    score: float
    mean: float
    ci: float

    def as_dict(self) -> dict[str, float]:
        return {"score": self.score, "mean": self.mean, "ci95": self.ci}


@dataclass(frozen=True)
class PairedResult:
    """A system compared with a baseline on the segments both have."""

    system: str
    baseline: str
    n_segments: int
    #: system score minus baseline score on those segments
    delta: float
    p_value: float

    def as_dict(self) -> dict[str, object]:
        return {
            "system": self.system,
            "baseline": self.baseline,
            "n_segments": self.n_segments,
            "delta": self.delta,
            "p_value": self.p_value,
        }


def metric_estimate(metric: Metric, hyps: Sequence[str], refs: Sequence[str]) -> Estimate:
    """Corpus score and bootstrap CI of one system (sacrebleu's resampler,
    seeded the way `sacrebleu -pb` seeds it)."""
    stats = metric._extract_corpus_statistics(list(hyps), [list(refs)])
    score = metric._aggregate_and_compute(stats).score
    _seed, resampled = _bootstrap_resample(stats, metric, N_BOOTSTRAP)
    mean, ci = estimate_ci(np.array([s.score for s in resampled]))
    return Estimate(float(score), float(mean), float(ci))


def metric_paired_bootstrap(
    metric: Metric,
    baseline: tuple[str, Sequence[str], Sequence[str]],
    system: tuple[str, Sequence[str], Sequence[str]],
    *,
    seed: int = SEED,
    n_samples: int = N_BOOTSTRAP,
) -> tuple[PairedResult, Estimate]:
    """sacrebleu's paired bootstrap of `system` against `baseline`; each is
    (name, hypotheses, references) over the same segments in the same order."""
    bl_name, bl_hyps, bl_refs = baseline
    sys_name, sys_hyps, sys_refs = system
    if len(bl_hyps) != len(sys_hyps):
        raise ValueError("paired systems must cover the same segments")
    bl_stats = metric._extract_corpus_statistics(list(bl_hyps), [list(bl_refs)])
    bl_score = metric._aggregate_and_compute(bl_stats).score
    info = {"m": (bl_stats, Result(bl_score))}
    _name, results = _paired_bs_test(
        info,
        sys_name,
        list(sys_hyps),
        [list(sys_refs)],
        {"m": metric},
        n_samples=n_samples,
        seed=seed,
    )
    result = results["m"]
    # A paired bootstrap result always carries its p-value, mean and CI.
    p_value, mean, ci = result.p_value or 0.0, result.mean or 0.0, result.ci or 0.0
    paired = PairedResult(
        sys_name, bl_name, len(sys_hyps), float(result.score - bl_score), float(p_value)
    )
    return paired, Estimate(float(result.score), float(mean), float(ci))


def mean_estimate(
    values: Sequence[float], *, seed: int = SEED, n_samples: int = N_BOOTSTRAP
) -> Estimate:
    """Mean of segment scores with a bootstrap 95% CI (resampling segments)."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise ValueError("no values")
    rng = np.random.default_rng(seed)
    idxs = rng.integers(0, data.size, size=(n_samples, data.size))
    mean, ci = estimate_ci(data[idxs].mean(axis=1))
    return Estimate(float(data.mean()), float(mean), float(ci))


def paired_permutation(
    system: Sequence[float],
    baseline: Sequence[float],
    *,
    seed: int = SEED,
    n_samples: int = N_PERMUTATIONS,
) -> float:
    """Two-sided p-value of a paired sign-flip permutation test on the mean
    difference: under the null hypothesis either system could have produced
    either score of a segment, so each difference's sign is arbitrary. The
    +1 correction matches sacrebleu's approximate randomisation."""
    diffs = np.asarray(system, dtype=float) - np.asarray(baseline, dtype=float)
    if diffs.size == 0:
        raise ValueError("no shared segments")
    observed = abs(diffs.mean())
    rng = np.random.default_rng(seed)
    signs = rng.choice(np.array([-1.0, 1.0]), size=(n_samples, diffs.size))
    permuted = np.abs((signs * diffs).mean(axis=1))
    # A tiny tolerance so that floating-point noise does not decide ties.
    extreme = int(np.sum(permuted >= observed - 1e-12))
    return (extreme + 1) / (n_samples + 1)
