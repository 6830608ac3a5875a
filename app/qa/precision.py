"""How often annotators confirmed what each check flagged.

A flag is judged by each annotator who finished the translation it was
raised on, and confirmed by that annotator when one of their target-side
spans overlaps it. So a flag on a translation two annotators finished
counts twice, once per judgement: counting it once as confirmed when
either annotator marked it would make precision grow with the number of
annotators. A flag on a translation nobody finished is not counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from app.assessments import SpanData
from app.qa.base import Flag

#: Per translation id: the target-side and source-side spans of each
#: finished assessment of it, one sequence per annotator.
Judgements = Mapping[int, Sequence[Sequence[SpanData]]]


@dataclass(frozen=True)
class CheckPrecision:
    check: str
    #: Judged flags: each flag once per annotator who finished its translation.
    flags: int
    confirmed: int

    @property
    def precision(self) -> float | None:
        return self.confirmed / self.flags if self.flags else None


def confirmed(flag: Flag, spans: Sequence[SpanData]) -> bool:
    """A flag is confirmed by any target-side span on its segment that
    overlaps it (zero-width flags and spans count when they touch)."""
    return any(
        span.side == "target"
        and span.start < max(flag.end, flag.start + 1)
        and flag.start < max(span.end, span.start + 1)
        for span in spans
    )


def precision_against_annotations(
    flags: Iterable[Flag], judgements: Judgements, check_ids: Iterable[str] = ()
) -> list[CheckPrecision]:
    """Per check: judged flags and confirmed ones. A flag's `position` is
    looked up in `judgements` (app.qa.corpus keys both by translation id);
    `check_ids` lists checks to report even when they raised nothing."""
    counts: dict[str, list[int]] = {check: [0, 0] for check in check_ids}
    for flag in flags:
        entry = counts.setdefault(flag.check, [0, 0])
        for spans in judgements.get(flag.position, ()):
            entry[0] += 1
            entry[1] += confirmed(flag, spans)
    return [CheckPrecision(check, n, c) for check, (n, c) in counts.items()]


def format_table(rows: Sequence[CheckPrecision]) -> str:
    lines = [f"{'check':<22}{'flags':>7}{'confirmed':>11}{'precision':>11}"]
    for row in rows:
        p = "-" if row.precision is None else f"{row.precision:.2f}"
        lines.append(f"{row.check:<22}{row.flags:>7}{row.confirmed:>11}{p:>11}")
    total = sum(r.flags for r in rows)
    hits = sum(r.confirmed for r in rows)
    lines.append(f"{'all':<22}{total:>7}{hits:>11}{(f'{hits / total:.2f}' if total else '-'):>11}")
    return "\n".join(lines)
