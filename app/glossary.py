"""A corpus's glossary in the database: required renderings and the wrong
renderings the MT is known to produce.

The QA checks take plain `GlossaryEntry` objects; this module turns the
GlossaryTerm rows (one row per wrong rendering, so that "fix once, apply
everywhere" can add a single pair without rewriting an entry) into those
entries, and feeds the table from the TSV file and from corrections.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import MtqaError
from app.models import Corpus, GlossaryTerm, User
from app.qa.base import GlossaryEntry
from app.qa.glossary import load_glossary

#: The column widths of GlossaryTerm.target and .wrong.
MAX_TERM = 300


def corpus_terms(session: Session, corpus: Corpus) -> list[GlossaryTerm]:
    return list(
        session.scalars(
            sa.select(GlossaryTerm)
            .where(GlossaryTerm.corpus_id == corpus.id)
            .order_by(GlossaryTerm.target, GlossaryTerm.id)
        )
    )


def corpus_glossary(session: Session, corpus: Corpus) -> list[GlossaryEntry]:
    """One entry per target rendering, its wrong renderings in the order they
    were recorded; the source and note come from the first row that has one."""
    grouped: dict[str, list[GlossaryTerm]] = {}
    for term in sorted(corpus_terms(session, corpus), key=lambda t: t.id):
        grouped.setdefault(term.target, []).append(term)
    entries = []
    for target, terms in grouped.items():
        source = next((t.source for t in terms if t.source), None)
        note = next((t.note for t in terms if t.note), "")
        wrong = tuple(dict.fromkeys(t.wrong for t in terms if t.wrong))
        entries.append(GlossaryEntry(source, target, wrong, note or ""))
    return entries


def find_term(session: Session, corpus: Corpus, target: str, wrong: str) -> GlossaryTerm | None:
    return session.scalar(
        sa.select(GlossaryTerm).where(
            GlossaryTerm.corpus_id == corpus.id,
            GlossaryTerm.target == target,
            GlossaryTerm.wrong == wrong,
        )
    )


def add_term(
    session: Session,
    corpus: Corpus,
    target: str,
    wrong: str,
    source: str | None = None,
    user: User | None = None,
    note: str | None = None,
) -> tuple[GlossaryTerm, bool]:
    """Record that `wrong` should read `target`; returns (term, created).

    Adding a pair that is already there changes nothing except filling in a
    source or note the row lacked, so corrections and re-imports can call
    this freely. The insert runs in a savepoint: a concurrent insert of the
    same pair (the unique constraint) leaves the caller's transaction usable.
    """
    target = target.strip()
    wrong = (wrong or "").strip()
    if not target:
        raise MtqaError("a glossary term needs a target rendering")
    if len(target) > MAX_TERM or len(wrong) > MAX_TERM:
        raise MtqaError(f"glossary terms are at most {MAX_TERM} characters")
    if wrong == target:
        raise MtqaError(f"{wrong!r} cannot be a wrong rendering of itself")
    existing = find_term(session, corpus, target, wrong)
    if existing is None:
        term = GlossaryTerm(
            corpus_id=corpus.id,
            target=target,
            wrong=wrong,
            source=source or None,
            note=note or None,
            created_by=user.id if user is not None else None,
        )
        try:
            with session.begin_nested():
                session.add(term)
        except IntegrityError:
            existing = find_term(session, corpus, target, wrong)
            if existing is None:
                raise
        else:
            return term, True
    if source and not existing.source:
        existing.source = source
    if note and not existing.note:
        existing.note = note
    return existing, False


def import_glossary_tsv(session: Session, corpus: Corpus, path: Path) -> int:
    """Add every (target, wrong rendering) pair of a glossary TSV (the format
    `load_glossary` reads); an entry without wrong renderings becomes one row
    with wrong "". Returns the number of rows added: 0 on a re-import."""
    added = 0
    for entry in load_glossary(path):
        for wrong in entry.wrong_variants or ("",):
            if wrong == entry.target_term:
                continue
            _, created = add_term(
                session,
                corpus,
                entry.target_term,
                wrong,
                source=entry.source_term,
                note=entry.note,
            )
            added += created
    session.flush()
    return added


def import_glossary_for(session: Session, corpus_name: str, path: Path) -> int | None:
    """`import_glossary_tsv` by corpus name, for the seed: None (nothing
    done) when there is no such corpus or no such file, since the seed may
    run on data without them."""
    corpus = session.scalar(sa.select(Corpus).where(Corpus.name == corpus_name))
    if corpus is None or not path.is_file():
        return None
    return import_glossary_tsv(session, corpus, path)
