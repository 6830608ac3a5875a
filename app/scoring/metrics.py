"""sacrebleu metrics computed the way sacrebleu computes them.

sacrebleu scores a corpus by extracting sufficient statistics per segment
(n-gram matches and lengths for BLEU and chrF, edits and reference length
for TER), summing them, and computing the score once from the sums. This
module does the same with the metric classes' own methods, one segment at a
time, so that:

* corpus scores equal `metric.corpus_score(hyps, [refs])` to the last digit
  (and so what the `sacrebleu` command prints on the exported text files);
* per-segment statistics can be stored and summed anywhere (a database, a
  subset of documents, one system) and still give the exact corpus score;
* a corpus of any size is scored in one streaming pass.

Per-segment scores are those of `sacrebleu -sl`: sentence BLEU with
effective order, chrF and TER from the segment's own statistics.

Every result keeps sacrebleu's signature string beside the number, because a
BLEU score without its tokenizer and version is not comparable to another.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.metrics.base import Metric

from app.errors import MtqaError
from app.scoring.text import one_line

#: A text normalisation applied to hypothesis and reference before scoring
#: (for example opencc's traditional-to-simplified conversion for Chinese).
Normaliser = Callable[[str], str]

#: Segment statistics per metric name, as `segment_statistics` returns them.
Statistics = dict[str, list[float]]

DEFAULT_TOKENIZER = "13a"
#: Target languages (primary subtag) scored with sacrebleu's Chinese tokenizer,
#: which splits CJK characters apart; 13a would treat a sentence as one word.
_CHINESE_LANGS = frozenset({"zh", "cmn", "yue", "wuu"})


@dataclass(frozen=True)
class MetricSpec:
    """One registered metric: how to build its corpus-level and its
    sentence-level sacrebleu object. Only BLEU differs between the two:
    sentence BLEU needs effective order or most short segments score 0."""

    name: str
    label: str
    higher_is_better: bool
    build: Callable[[str, bool], Metric]


def _bleu(tokenize: str, sentence: bool) -> Metric:
    return BLEU(tokenize=tokenize, effective_order=sentence)


def _chrf(_tokenize: str, _sentence: bool) -> Metric:
    return CHRF()


def _chrf_plus_plus(_tokenize: str, _sentence: bool) -> Metric:
    return CHRF(word_order=2)


def _ter(_tokenize: str, _sentence: bool) -> Metric:
    return TER()


#: The metric registry, by kebab-case id. chrF++ is available on request.
METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        MetricSpec("bleu", "BLEU", True, _bleu),
        MetricSpec("chrf", "chrF", True, _chrf),
        MetricSpec("chrf++", "chrF++", True, _chrf_plus_plus),
        MetricSpec("ter", "TER", False, _ter),
    )
}
DEFAULT_METRICS: tuple[str, ...] = ("bleu", "chrf", "ter")


@dataclass(frozen=True)
class MetricResult:
    """A corpus score with the sacrebleu signature that makes it reproducible.
    `score` is None when there was nothing to score (no finished segment):
    sacrebleu itself refuses an empty corpus, and 0 would read as a result."""

    name: str
    score: float | None
    signature: str

    def as_dict(self) -> dict[str, object]:
        return {"score": self.score, "signature": self.signature}


def tokenizer_for(target_lang: str | None) -> str:
    """sacrebleu's tokenizer for a target language: 'zh' for Chinese, else
    13a, the tokenizer sacrebleu uses when it is not told the language."""
    primary = (target_lang or "").replace("_", "-").split("-")[0].lower()
    return "zh" if primary in _CHINESE_LANGS else DEFAULT_TOKENIZER


def _spec(name: str) -> MetricSpec:
    try:
        return METRICS[name]
    except KeyError:
        known = ", ".join(METRICS)
        raise MtqaError(f"unknown metric {name!r}; known metrics: {known}") from None


@functools.lru_cache(maxsize=32)
def _metric(name: str, tokenize: str, sentence: bool) -> Metric:
    """Metric objects are built once per configuration: the tokenizers keep
    caches worth reusing across a corpus. Scoring only ever passes references
    explicitly, so the shared objects hold no per-corpus state."""
    metric = _spec(name).build(tokenize, sentence)
    # mtqa scores against exactly one reference, the post-edit. sacrebleu
    # records this while it caches references; set it now so that a corpus
    # with nothing finished still has a signature.
    metric.num_refs = 1
    return metric


def prepare(text: str, normalise: Normaliser | None = None) -> str:
    """The text a metric sees: one line, then the optional normalisation."""
    line = one_line(text)
    return normalise(line) if normalise is not None else line


def segment_statistics(
    hypothesis: str,
    reference: str,
    *,
    tokenize: str = DEFAULT_TOKENIZER,
    normalise: Normaliser | None = None,
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> Statistics:
    """Sufficient statistics of one segment for each metric, extracted by the
    metric's own `_extract_corpus_statistics`, exactly as `corpus_score` does
    for each line. Summing them over segments and passing the sums to
    `score_from_statistics` gives the corpus score."""
    hyp = prepare(hypothesis, normalise)
    ref = prepare(reference, normalise)
    return {
        name: list(_metric(name, tokenize, False)._extract_corpus_statistics([hyp], [[ref]])[0])
        for name in metrics
    }


def sum_statistics(rows: Iterable[Mapping[str, Sequence[float]]]) -> Statistics:
    """Element-wise sums per metric; every row must name the same metrics."""
    total: Statistics = {}
    for row in rows:
        for name, stats in row.items():
            if name in total:
                total[name] = [a + b for a, b in zip(total[name], stats, strict=True)]
            else:
                total[name] = list(stats)
    return total


def score_from_statistics(name: str, summed: Sequence[float], *, sentence: bool = False) -> float:
    """The score from (summed) statistics, by the metric's own
    `_compute_score_from_stats`. `sentence=True` scores one segment as
    `sacrebleu -sl` does (BLEU with effective order)."""
    metric = _metric(name, DEFAULT_TOKENIZER, sentence)
    return float(metric._compute_score_from_stats(list(summed)).score)


def segment_scores(stats: Mapping[str, Sequence[float]]) -> dict[str, float]:
    """Sentence-level scores of one segment from its statistics."""
    return {name: score_from_statistics(name, s, sentence=True) for name, s in stats.items()}


def signature(name: str, tokenize: str = DEFAULT_TOKENIZER) -> str:
    """sacrebleu's signature of the corpus-level metric, as its CLI prints it,
    e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`."""
    return _metric(name, tokenize, False).get_signature().format()


def sacrebleu_command(
    hyp: str = "hyp.txt",
    ref: str = "ref.txt",
    *,
    tokenize: str = DEFAULT_TOKENIZER,
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> str:
    """The `sacrebleu` command line that reproduces these corpus scores from
    plain-text files (chrF++ is `chrf --chrf-word-order 2` there)."""
    names = [m for m in metrics if m != "chrf++"]
    command = f"sacrebleu {ref} -i {hyp} -m {' '.join(names)}"
    if tokenize != DEFAULT_TOKENIZER and "bleu" in names:
        command += f" -tok {tokenize}"
    return command


class CorpusScorer:
    """Scores a stream of (hypothesis, reference) pairs in one pass: each
    `add` returns the segment's scores and adds its statistics to the
    corpus sums, so nothing but the running sums is kept."""

    def __init__(
        self,
        *,
        tokenize: str = DEFAULT_TOKENIZER,
        normalise: Normaliser | None = None,
        metrics: Sequence[str] = DEFAULT_METRICS,
    ) -> None:
        for name in metrics:
            _spec(name)
        self.tokenize = tokenize
        self.normalise = normalise
        self.metrics = tuple(metrics)
        self.count = 0
        self._sums: Statistics = {}

    def add(self, hypothesis: str, reference: str) -> dict[str, float]:
        stats = segment_statistics(
            hypothesis,
            reference,
            tokenize=self.tokenize,
            normalise=self.normalise,
            metrics=self.metrics,
        )
        self.add_statistics(stats)
        return segment_scores(stats)

    def add_statistics(self, stats: Mapping[str, Sequence[float]]) -> None:
        """Add one segment's statistics (from `segment_statistics` with this
        scorer's tokenizer, or from storage) to the sums."""
        own = {name: stats[name] for name in self.metrics}
        self._sums = (
            sum_statistics((self._sums, own))
            if self._sums
            else {name: list(s) for name, s in own.items()}
        )
        self.count += 1

    @property
    def statistics(self) -> Statistics:
        return {name: list(s) for name, s in self._sums.items()}

    def results(self) -> dict[str, MetricResult]:
        return {
            name: MetricResult(
                name,
                score_from_statistics(name, self._sums[name]) if self.count else None,
                signature(name, self.tokenize),
            )
            for name in self.metrics
        }


def corpus_scores(
    hypotheses: Iterable[str],
    references: Iterable[str],
    *,
    tokenize: str = DEFAULT_TOKENIZER,
    normalise: Normaliser | None = None,
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> dict[str, MetricResult]:
    """Corpus scores of parallel lists of hypotheses and references."""
    scorer = CorpusScorer(tokenize=tokenize, normalise=normalise, metrics=metrics)
    try:
        for hyp, ref in zip(hypotheses, references, strict=True):
            scorer.add(hyp, ref)
    except ValueError as exc:
        raise MtqaError(f"hypotheses and references differ in length: {exc}") from None
    return scorer.results()
