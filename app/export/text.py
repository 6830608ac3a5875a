"""Plain parallel text for sacrebleu: `hyp.txt`, `ref.txt` (and `src.txt`),
one finished segment per line, plus a README with the exact command.

The lines are the text the scorer saw (`one_line`), in the scorer's order,
so `sacrebleu ref.txt -i hyp.txt -m bleu chrf ter` prints the numbers mtqa
reports, with the same signatures. With several systems each gets its own
`hyp.SYSTEM.txt` / `ref.SYSTEM.txt`. A corpus with a Chinese script
normalisation gets hyp and ref already normalised, since that is what the
scorer compares; sources stay as stored.
"""

from __future__ import annotations

import contextlib
import re
import sys
from pathlib import Path
from typing import TextIO

from sqlalchemy.orm import Session
from tqdm import tqdm

from app.chinese import CONVERSIONS, NONE, normaliser_for
from app.errors import ExportError
from app.export.files import replace_atomically
from app.export.registry import register
from app.models import Corpus
from app.scoring.metrics import (
    METRICS,
    MetricResult,
    prepare,
    sacrebleu_command,
    tokenizer_for,
)
from app.scoring.report import CorpusReport, corpus_report, finished_pairs
from app.scoring.text import one_line

_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")
KINDS = ("hyp", "ref", "src")


def file_name(kind: str, system: str | None) -> str:
    return f"{kind}.txt" if system is None else f"{kind}.{_UNSAFE.sub('_', system)}.txt"


def _scores(
    metrics: dict[str, MetricResult], mqm: float | None, per_100: float | None
) -> list[str]:
    lines = ["```"]
    for name, result in metrics.items():
        label = METRICS[name].label if name in METRICS else name
        lines.append(f"{label:<6} {result.score:8.4f}  {result.signature}")
    lines.append("```")
    if mqm is not None and per_100 is not None:
        lines += [
            "",
            f"MQM: {mqm:.4f} mean penalty per finished segment, {per_100:.4f} per 100 MT words "
            "(lower is better; not a sacrebleu metric).",
        ]
    return lines


def _readme(
    report: CorpusReport,
    systems: dict[str, int],
    with_source: set[str],
    tokenize: str,
    script: str = NONE,
) -> str:
    corpus = report.corpus
    single = len(systems) <= 1
    lines = [
        f"# {corpus.name}: plain-text export for sacrebleu",
        "",
        f"Languages: {corpus.source_lang} → {corpus.target_lang}. "
        f"{sum(systems.values())} finished segments with a post-edit reference "
        f"(of {report.n_total} annotatable translations).",
        "",
        "One segment per line, in document order. Line breaks and tabs inside a segment "
        "are replaced by one space, exactly as mtqa does before scoring. `ref` files hold "
        "the references: the post-edit of each translation's most recently updated "
        "finished assessment.",
        "",
    ]
    if script != NONE:
        lines += [
            f"Script normalisation: hyp and ref are written after opencc `{script}` "
            f"({CONVERSIONS.get(script, script)}), as mtqa scores them; the sacrebleu "
            "commands below reproduce mtqa's scores only on these normalised files. "
            "Sources are as stored.",
            "",
        ]
    for system, count in systems.items():
        name = None if single else system
        files = f"`{file_name('hyp', name)}` (MT of system `{system}`), `{file_name('ref', name)}`"
        if system in with_source:
            files += f", `{file_name('src', name)}`"
        lines.append(f"- {files}: {count} lines")
    if not systems:
        lines.append("- `hyp.txt`, `ref.txt`: empty (nothing is finished yet)")
    lines += ["", "sacrebleu prints one decimal unless given `-w 4`.", ""]
    if single:
        lines += ["## Scores", "", "```sh", sacrebleu_command(tokenize=tokenize), "```", ""]
        lines += _scores(report.metrics, report.mqm, report.mqm_per_100_words)
        return "\n".join(lines) + "\n"
    by_name = {summary.name: summary for summary in report.systems}
    for system in systems:
        summary = by_name[system]
        hyp, ref = file_name("hyp", system), file_name("ref", system)
        lines += [f"## System `{system}`", "", "```sh"]
        lines += [sacrebleu_command(hyp, ref, tokenize=tokenize), "```", ""]
        lines += [*_scores(summary.metrics, summary.mqm, summary.mqm_per_100_words), ""]
    hyps = " ".join(file_name("hyp", s) for s in systems)
    refs = " ".join(file_name("ref", s) for s in systems)
    lines += [
        "## All systems pooled",
        "",
        "Corpus scores do not depend on line order, so the concatenated files give them:",
        "",
        "```sh",
        f"cat {hyps} > hyp.all.txt",
        f"cat {refs} > ref.all.txt",
        sacrebleu_command("hyp.all.txt", "ref.all.txt", tokenize=tokenize),
        "```",
        "",
        *_scores(report.metrics, report.mqm, report.mqm_per_100_words),
    ]
    return "\n".join(lines) + "\n"


@register("text")
def write_text(
    session: Session, corpus: Corpus, output: Path, *, progress: bool = False
) -> list[Path]:
    """`output` is a directory (created if missing)."""
    if output.exists() and not output.is_dir():
        raise ExportError(f"{output} is a file; the text export writes a directory of files")
    report = corpus_report(session, corpus, progress=progress)
    tokenize = tokenizer_for(corpus.target_lang)
    normalise = normaliser_for(corpus)
    counts: dict[str, int] = {}
    with_source: set[str] = set()
    without_source: set[str] = set()
    with contextlib.ExitStack() as stack:
        handles: dict[tuple[str, str], TextIO] = {}
        pairs = tqdm(
            finished_pairs(session, corpus),
            total=report.n_segments,
            desc="exporting",
            unit="seg",
            file=sys.stderr,
            disable=not progress,
            leave=False,
        )
        for pair in pairs:
            if pair.reference is None:
                continue
            system = pair.system
            if system not in counts:
                clash = [s for s in counts if file_name("hyp", s) == file_name("hyp", system)]
                if clash:
                    raise ExportError(
                        f"systems {clash[0]!r} and {system!r} would share the file name "
                        f"{file_name('hyp', system)}"
                    )
                counts[system] = 0
                for kind in KINDS:
                    handles[(kind, system)] = stack.enter_context(
                        replace_atomically(output / file_name(kind, system))
                    )
            counts[system] += 1
            handles[("hyp", system)].write(prepare(pair.hypothesis, normalise) + "\n")
            handles[("ref", system)].write(prepare(pair.reference, normalise) + "\n")
            if pair.source is None:
                without_source.add(system)
            else:
                handles[("src", system)].write(one_line(pair.source) + "\n")
    with_source = set(counts) - without_source
    written = _finish(output, counts, with_source)
    readme = output / "README.md"
    with replace_atomically(readme) as handle:
        handle.write(
            _readme(report, counts, with_source, tokenize, corpus.script_normalisation or NONE)
        )
    return [*written, readme]


def _finish(output: Path, counts: dict[str, int], with_source: set[str]) -> list[Path]:
    """Drop source files with gaps; with one system, use the plain names."""
    written: list[Path] = []
    single = len(counts) <= 1
    if not counts:
        for kind in ("hyp", "ref"):
            (output / file_name(kind, None)).write_text("", encoding="utf-8")
            written.append(output / file_name(kind, None))
        return written
    for system in counts:
        for kind in KINDS:
            path = output / file_name(kind, system)
            if kind == "src" and system not in with_source:
                path.unlink()
                if single:  # a src.txt of an earlier export no longer matches
                    (output / file_name(kind, None)).unlink(missing_ok=True)
                continue
            if single:
                path = path.replace(output / file_name(kind, None))
            written.append(path)
    return written
