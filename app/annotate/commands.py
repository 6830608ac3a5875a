"""`mtqa glossary …` and `mtqa qa-flags …`: the corpus glossary and the
stored QA flags the editor offers annotators."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa

from app.cli import bp, corpus_by_name, reports_errors
from app.extensions import db
from app.models import Document


@bp.cli.group("glossary")
def glossary_group() -> None:
    """The corpus glossary (required renderings and known wrong ones)."""


@glossary_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--corpus", "corpus_name", required=True, help="Corpus whose glossary to fill.")
@reports_errors
def glossary_import(path: Path, corpus_name: str) -> None:
    """Add the pairs of a glossary TSV (source_term, target_term, note with
    `MT: 'a', 'b'.`, optional wrong_variants). Importing again adds nothing."""
    from app.glossary import import_glossary_tsv

    corpus = corpus_by_name(corpus_name)
    added = import_glossary_tsv(db.session(), corpus, path)
    db.session.commit()
    click.echo(f"added {added} glossary row(s) to {corpus.name}")


@glossary_group.command("list")
@click.option("--corpus", "corpus_name", required=True, help="Corpus whose glossary to list.")
@reports_errors
def glossary_list(corpus_name: str) -> None:
    """One line per term: target, tab, known wrong renderings."""
    from app.glossary import corpus_glossary

    corpus = corpus_by_name(corpus_name)
    entries = corpus_glossary(db.session(), corpus)
    for entry in entries:
        wrong = ", ".join(entry.wrong_variants) or "-"
        source = f"\t[{entry.source_term}]" if entry.source_term else ""
        click.echo(f"{entry.target_term}\t{wrong}{source}")
    if not entries:
        click.echo(f"the glossary of {corpus.name} is empty", err=True)


@bp.cli.group("qa-flags")
def qa_flags_group() -> None:
    """QA flags stored for annotators to confirm or dismiss."""


@qa_flags_group.command("refresh")
@click.option("--corpus", "corpus_name", required=True, help="Corpus whose flags to refresh.")
@reports_errors
def qa_flags_refresh(corpus_name: str) -> None:
    """Run the checks over every document with the corpus glossary: new flags
    are added, open ones no longer raised removed; decided ones are kept."""
    from app.qa.store import refresh_flags

    corpus = corpus_by_name(corpus_name)
    added = removed = kept = 0
    documents = db.session.scalars(
        sa.select(Document).where(Document.corpus_id == corpus.id).order_by(Document.position)
    ).all()
    for document in documents:
        result = refresh_flags(db.session(), document)
        added, removed, kept = added + result.added, removed + result.removed, kept + result.kept
    db.session.commit()
    click.echo(
        f"{len(documents)} document(s): {added} flag(s) added, {removed} removed, {kept} kept"
    )
