"""Running per-corpus totals of the stored statistics.

Summing 31 columns over a 100k-segment corpus takes tens of milliseconds,
which would make every save's score refresh grow with the corpus.
`CorpusStatsTotal` holds the sum per (corpus, system, configuration);
`apply_change` adds a SegmentStats row's difference to it in the same
transaction as the row's write, so the totals move in step with the rows
and a refresh reads a few rows. `UPDATE ... SET col = col + :delta` is
atomic on SQLite (writers serialised by BEGIN IMMEDIATE) and on
PostgreSQL (row lock), so concurrent saves do not lose each other's
differences.

The SUM over SegmentStats stays the source of truth: `recompute` rebuilds
the totals from it, a key without a totals row is initialised from it, and
`verify_totals` compares the two. Invariant: for a corpus and configuration,
either no totals rows exist (readers then fall back to the SUM), or one
exists for every system that has stored rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Corpus
from app.models.stats import COLUMNS, CorpusStatsTotal, SegmentStats

#: (system, tokenize, normalisation, sacrebleu_version)
Key = tuple[str, str, str, str]
KEY_FIELDS: tuple[str, ...] = ("system", "tokenize", "normalisation", "sacrebleu_version")
STAT_NAMES: tuple[str, ...] = tuple(c for cols in COLUMNS.values() for c in cols)
#: The counted fields of a totals row, in this order everywhere.
TOTAL_FIELDS: tuple[str, ...] = ("n_segments", "n_scored", *STAT_NAMES)


@dataclass(frozen=True)
class Contribution:
    """What one SegmentStats row adds to its key's totals."""

    key: Key
    values: tuple[int, ...]


def contribution(row: Mapping[Any, Any] | None) -> Contribution | None:
    """What a stored row (its column values by name) adds to its key's totals."""
    if row is None:
        return None
    key = (row["system"], row["tokenize"], row["normalisation"], row["sacrebleu_version"])
    scored = row["bleu_hyp_len"] is not None
    stats = tuple(row[name] or 0 for name in STAT_NAMES)
    return Contribution(key, (1, int(scored), *stats))


def _where_key(corpus_id: int, key: Key) -> sa.ColumnElement[bool]:
    return sa.and_(
        CorpusStatsTotal.corpus_id == corpus_id,
        *(getattr(CorpusStatsTotal, f) == v for f, v in zip(KEY_FIELDS, key, strict=True)),
    )


def _build_add_statement() -> sa.Update:
    """`UPDATE ... SET col = col + :d_col` for every counted field, keyed by
    bound parameters. Built once: constructing the 33 column expressions
    per save cost more than running the statement (a zero delta adds 0)."""
    return (
        sa.update(CorpusStatsTotal)
        .where(
            CorpusStatsTotal.corpus_id == sa.bindparam("k_corpus_id"),
            *(getattr(CorpusStatsTotal, f) == sa.bindparam(f"k_{f}") for f in KEY_FIELDS),
        )
        .values(
            {
                name: getattr(CorpusStatsTotal, name) + sa.bindparam(f"d_{name}", type_=sa.Integer)
                for name in TOTAL_FIELDS
            }
        )
        .execution_options(synchronize_session=False)
    )


_ADD = _build_add_statement()


def _add(session: Session, corpus_id: int, key: Key, delta: Sequence[int]) -> int:
    """Add `delta` to the key's totals row; returns the rows updated (0 or 1)."""
    if not any(delta):
        exists = session.scalar(sa.select(CorpusStatsTotal.id).where(_where_key(corpus_id, key)))
        return int(exists is not None)
    params: dict[str, Any] = {"k_corpus_id": corpus_id}
    params.update((f"k_{f}", v) for f, v in zip(KEY_FIELDS, key, strict=True))
    params.update((f"d_{name}", d) for name, d in zip(TOTAL_FIELDS, delta, strict=True))
    result = session.connection().execute(_ADD, params)
    return int(result.rowcount)


def apply_change(
    session: Session, corpus_id: int, old: Contribution | None, new: Contribution | None
) -> None:
    """Move the totals from a row's `old` contribution to its `new` one
    (None: no row). Call after the row change is flushed: a key without a
    totals row is then initialised from the SUM, which already includes it."""
    deltas: dict[Key, list[int]] = {}
    for sign, part in ((-1, old), (1, new)):
        if part is not None:
            delta = deltas.setdefault(part.key, [0] * len(TOTAL_FIELDS))
            for i, value in enumerate(part.values):
                delta[i] += sign * value
    for key, delta in deltas.items():
        if _add(session, corpus_id, key, delta) == 0 and new is not None and key == new.key:
            # No totals yet for the key the row now counts in. A key that only
            # lost a row has none because its configuration has no totals at all.
            _initialise(session, corpus_id, key, delta)


def _sums(corpus_id: int) -> sa.Select[Any]:
    columns = [getattr(SegmentStats, f) for f in KEY_FIELDS]
    return (
        sa.select(
            *columns,
            sa.func.count(SegmentStats.id),
            sa.func.count(SegmentStats.bleu_hyp_len),
            *(sa.func.coalesce(sa.func.sum(getattr(SegmentStats, n)), 0) for n in STAT_NAMES),
        )
        .where(SegmentStats.corpus_id == corpus_id)
        .group_by(*columns)
    )


def _summed_rows(session: Session, query: sa.Select[Any]) -> dict[Key, tuple[int, ...]]:
    width = len(KEY_FIELDS)
    return {
        tuple(row[:width]): tuple(int(v) for v in row[width:])  # type: ignore[misc]
        for row in session.execute(query)
    }


def _initialise(session: Session, corpus_id: int, key: Key, delta: Sequence[int]) -> None:
    """Insert totals from the SUM: for the one key when the configuration
    already has totals, else for every system of the configuration (so the
    invariant holds). A concurrent writer may insert the same key first;
    then its row lacks this transaction's change, which is added instead."""
    config = key[1:]
    config_filter = sa.and_(
        *(getattr(CorpusStatsTotal, f) == v for f, v in zip(KEY_FIELDS[1:], config, strict=True))
    )
    has_totals = session.scalar(
        sa.select(sa.exists().where(CorpusStatsTotal.corpus_id == corpus_id, config_filter))
    )
    query = _sums(corpus_id).where(
        *(getattr(SegmentStats, f) == v for f, v in zip(KEY_FIELDS[1:], config, strict=True))
    )
    if has_totals:
        query = query.where(SegmentStats.system == key[0])
    for each, values in _summed_rows(session, query).items():
        inserted = _insert_if_absent(session, corpus_id, each, values)
        if each == key and not inserted:
            _add(session, corpus_id, key, delta)


def _insert_if_absent(session: Session, corpus_id: int, key: Key, values: Sequence[int]) -> bool:
    row = {"corpus_id": corpus_id, **dict(zip(KEY_FIELDS, key, strict=True))}
    row.update(zip(TOTAL_FIELDS, values, strict=True))
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(CorpusStatsTotal).on_conflict_do_nothing()
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(CorpusStatsTotal).on_conflict_do_nothing()
    else:
        stmt = sa.insert(CorpusStatsTotal)
    return bool(session.execute(stmt.values(row)).rowcount)  # type: ignore[attr-defined]


def recompute(session: Session, corpus_id: int) -> None:
    """Replace the corpus's totals with the SUM over its stored rows."""
    session.execute(sa.delete(CorpusStatsTotal).where(CorpusStatsTotal.corpus_id == corpus_id))
    rows = [
        {
            "corpus_id": corpus_id,
            **dict(zip(KEY_FIELDS, key, strict=True)),
            **dict(zip(TOTAL_FIELDS, values, strict=True)),
        }
        for key, values in _summed_rows(session, _sums(corpus_id)).items()
    ]
    if rows:
        session.execute(sa.insert(CorpusStatsTotal), rows)


def read_totals(
    session: Session, corpus_id: int, config: tuple[str, str, str]
) -> dict[str, tuple[int, ...]] | None:
    """The totals per system for a configuration (values in TOTAL_FIELDS
    order), or None when the configuration has no totals."""
    query = sa.select(
        CorpusStatsTotal.system, *(getattr(CorpusStatsTotal, f) for f in TOTAL_FIELDS)
    ).where(
        CorpusStatsTotal.corpus_id == corpus_id,
        *(getattr(CorpusStatsTotal, f) == v for f, v in zip(KEY_FIELDS[1:], config, strict=True)),
    )
    found = {system: tuple(int(v) for v in values) for system, *values in session.execute(query)}
    return found or None


@dataclass(frozen=True)
class Mismatch:
    key: Key
    totals: tuple[int, ...] | None
    summed: tuple[int, ...] | None


def verify_totals(session: Session, corpus: Corpus) -> list[Mismatch]:
    """Keys whose totals differ from the SUM over the stored rows, for every
    configuration that has totals (empty: they agree). A totals row at zero
    agrees with no rows."""
    totals_query = sa.select(
        *(getattr(CorpusStatsTotal, f) for f in KEY_FIELDS),
        *(getattr(CorpusStatsTotal, f) for f in TOTAL_FIELDS),
    ).where(CorpusStatsTotal.corpus_id == corpus.id)
    totals = _summed_rows(session, totals_query)
    summed = _summed_rows(session, _sums(corpus.id))
    configs = {key[1:] for key in totals}
    zero = (0,) * len(TOTAL_FIELDS)
    mismatches = []
    for key in sorted(set(totals) | {k for k in summed if k[1:] in configs}):
        mine, truth = totals.get(key), summed.get(key)
        if (mine or zero) != (truth or zero):
            mismatches.append(Mismatch(key, mine, truth))
    return mismatches
