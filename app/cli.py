"""The `mtqa` command: Flask's own commands (run, shell, db) plus mtqa's.

Commands are thin: they parse options, call ingest/scoring/export, and
print. Errors that a user can fix (`MtqaError`) end as one clear line and
exit status 1, never a traceback.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import Blueprint
from flask.cli import FlaskGroup

from app.audit import record
from app.errors import MtqaError
from app.extensions import db
from app.models import ROLES, Corpus, User
from app.optional import import_optional

bp = Blueprint("cli", __name__, cli_group=None)


def main() -> None:
    """Entry point of the `mtqa` console script.

    Offline commands (import, score, export, users) sign nothing, so they may
    run without a SECRET_KEY; `mtqa run` serves logins and must not.
    """
    from app import create_app

    group = FlaskGroup(
        create_app=lambda: create_app(command_line=not _serving()),
        help="mtqa: translation-quality annotation.",
    )
    group(prog_name="mtqa")


def _serving() -> bool:
    """Whether the app is being built for `mtqa run`. Flask's run command
    builds it from inside its own callback; other commands are looked up in
    the app, so it is built while the command line is resolved (or, for
    `shell` and `routes`, inside their callbacks). Outside any command: yes."""
    from flask.cli import run_command

    ctx = click.get_current_context(silent=True)
    return ctx is None or ctx.command is run_command


def reports_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn MtqaError into `Error: …` on stderr and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MtqaError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc

    return wrapper


def corpus_by_name(name: str) -> Corpus:
    corpus = db.session.scalar(sa.select(Corpus).where(Corpus.name == name))
    if corpus is None:
        names = db.session.scalars(sa.select(Corpus.name).order_by(Corpus.name)).all()
        known = ", ".join(names) or "none"
        raise click.ClickException(f"no corpus named {name!r} (known: {known})")
    return corpus


@bp.cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--corpus", "corpus_name", help="Corpus to import into (default: from the file).")
@click.option("--system", help="MT system name for plain text (default: 'mt').")
@click.option(
    "--format",
    "fmt",
    default="auto",
    show_default=True,
    help="Input format: auto (by extension), text, jsonl, or another registered reader.",
)
@click.option("--source-lang", help="Source language code (default: from the file, else 'und').")
@click.option("--target-lang", help="Target language code (default: from the file, else 'en').")
@reports_errors
def import_command(
    path: Path,
    corpus_name: str | None,
    system: str | None,
    fmt: str,
    source_lang: str | None,
    target_lang: str | None,
) -> None:
    """Import PATH (a file, or a directory of files) into a corpus.

    The whole import is one transaction: a bad file writes nothing. Importing
    the same file again changes nothing.
    """
    from app.ingest import import_path

    report = import_path(
        db.session(),
        path,
        fmt=fmt,
        corpus_name=corpus_name,
        system=system,
        source_lang=source_lang,
        target_lang=target_lang,
        progress=True,
    )
    click.echo(report.summary())


@bp.cli.command("export")
@click.option("--corpus", "corpus_name", required=True, help="Corpus to export.")
@click.option("--format", "fmt", default="jsonl", show_default=True, help="Output format.")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="Output file (jsonl) or directory (text).",
)
@reports_errors
def export_command(corpus_name: str, fmt: str, output: Path) -> None:
    """Export a corpus with its annotations and scores."""
    from app.export import export_corpus

    corpus = corpus_by_name(corpus_name)
    written = export_corpus(db.session(), corpus, fmt, output, progress=True)
    record(db.session(), "export", detail=f"corpus={corpus.name!r} format={fmt} output={output}")
    db.session.commit()
    for path in written:
        click.echo(f"wrote {path}")


@bp.cli.command("score")
@click.option("--corpus", "corpus_name", required=True, help="Corpus to score.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option(
    "--by",
    "by",
    type=click.Choice(["corpus", "system"]),
    default="corpus",
    show_default=True,
    help="system: one row per MT system with ranking, 95% CIs and paired significance.",
)
@click.option(
    "--baseline",
    help="With --by system: the system the others are tested against "
    "(default: the top-ranked one).",
)
@click.option(
    "--source-error-weight",
    type=float,
    default=None,
    help="With --by system: weight of 'Source error' spans (default: the normal "
    "Major/Minor weight, as in the WMT21 tables; later WMT practice uses 0).",
)
@reports_errors
def score_command(
    corpus_name: str,
    as_json: bool,
    by: str = "corpus",
    baseline: str | None = None,
    source_error_weight: float | None = None,
) -> None:
    """Score the MT against the finished post-edits: BLEU, chrF, TER, MQM."""
    from app.scoring.report import corpus_report, format_report

    corpus = corpus_by_name(corpus_name)
    if by == "system":
        from app.scoring.systems import format_table, system_table

        table = system_table(
            db.session(),
            corpus,
            baseline=baseline,
            source_error_weight=source_error_weight,
            progress=not as_json,
        )
        if as_json:
            click.echo(json.dumps(table.as_dict(), indent=2, ensure_ascii=False))
        else:
            click.echo(format_table(table))
        return
    report = corpus_report(db.session(), corpus, progress=not as_json)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_report(report))


@bp.cli.command("agreement")
@click.option("--corpus", "corpus_name", required=True, help="Corpus whose annotators to compare.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@reports_errors
def agreement_command(corpus_name: str, as_json: bool) -> None:
    """Agreement between annotators: Krippendorff's alpha on MQM scores,
    span precision/recall/F1, chrF/TER between post-edits."""
    from app.scoring.agreement import agreement_report, format_agreement

    report = agreement_report(db.session(), corpus_by_name(corpus_name))
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_agreement(report))


@bp.cli.command("qa")
@click.option("--corpus", "corpus_name", required=True, help="Corpus to check.")
@click.option(
    "--glossary",
    "glossary_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Glossary TSV (source_term, target_term, note with `MT: 'wrong', ...`).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@reports_errors
def qa_command(corpus_name: str, glossary_path: Path | None, as_json: bool) -> None:
    """Run the automatic QA checks and show, per check, how many flags the
    annotators' error spans confirm (precision). Nothing is written."""
    from app.qa import REGISTRY, load_glossary, precision_against_annotations
    from app.qa.corpus import corpus_flags, corpus_spans
    from app.qa.precision import format_table

    corpus = corpus_by_name(corpus_name)
    glossary = load_glossary(glossary_path) if glossary_path else []
    flags = corpus_flags(db.session(), corpus.id, glossary, target_lang=corpus.target_lang)
    spans = corpus_spans(db.session(), corpus.id)
    rows = precision_against_annotations(flags, spans, REGISTRY.ids())
    if as_json:
        payload = {
            "corpus": corpus.name,
            "checks": [
                {
                    "check": r.check,
                    "flags": r.flags,
                    "confirmed": r.confirmed,
                    "precision": r.precision,
                }
                for r in rows
            ],
            "flags": [flag.as_dict() for flag in flags],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        click.echo(
            f"QA flags on corpus {corpus.name}, judged against {len(spans)} "
            "finished translations and their annotators' error spans"
        )
        click.echo(format_table(rows))


@bp.cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@reports_errors
def backup_command(path: Path, force: bool) -> None:
    """Copy the live database into PATH while the app keeps running
    (SQLite); for PostgreSQL, print the pg_dump command to run instead."""
    from app.backup import backup

    result = backup(db.engine.url, path, force=force)
    if isinstance(result, str):
        click.echo("PostgreSQL is backed up with pg_dump (the password is read from")
        click.echo("PGPASSWORD or ~/.pgpass); nothing was written. Run:")
        click.echo(f"  {result}")
        return
    # Recorded after the copy, in the live database: the copy is the state
    # before the backup was taken.
    record(db.session(), "backup", detail=str(path.resolve()))
    db.session.commit()
    click.echo(result.summary())


@bp.cli.group("corpus")
def corpus_group() -> None:
    """Corpus settings and deletion."""


@corpus_group.command("set")
@click.argument("name")
@click.option(
    "--script-normalisation",
    help="opencc conversion applied to MT and post-edit before scoring a Chinese target "
    "(none, t2s, s2t, tw2s, s2tw, hk2s, s2hk, t2tw, ...).",
)
@reports_errors
def corpus_set(name: str, script_normalisation: str | None) -> None:
    """Change corpus NAME's settings; its stored segment statistics are
    recomputed so that the scores follow."""
    from app.chinese import check_conversion
    from app.scoring.incremental import rebuild_stats

    corpus = corpus_by_name(name)
    if script_normalisation is not None:
        corpus.script_normalisation = check_conversion(script_normalisation)
    count = rebuild_stats(db.session(), corpus, progress=True)
    db.session.commit()
    click.echo(
        f"corpus {corpus.name!r}: script normalisation {corpus.script_normalisation}; "
        f"statistics of {count} finished segments recomputed"
    )


@corpus_group.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@reports_errors
def corpus_delete(name: str, yes: bool) -> None:
    """Delete corpus NAME with its documents, translations, annotations,
    revisions, campaigns and glossary, in one transaction, and record it in
    the audit log. Back up first (`mtqa backup`): nothing else keeps them."""
    from app.models import Assessment, Document, Segment, Translation

    corpus = corpus_by_name(name)
    documents, segments, assessments = db.session.execute(
        sa.select(
            sa.func.count(sa.distinct(Document.id)),
            sa.func.count(sa.distinct(Segment.id)),
            sa.func.count(sa.distinct(Assessment.id)),
        )
        .select_from(Document)
        .outerjoin(Segment, Segment.document_id == Document.id)
        .outerjoin(Translation, Translation.segment_id == Segment.id)
        .outerjoin(Assessment, Assessment.translation_id == Translation.id)
        .where(Document.corpus_id == corpus.id)
    ).one()
    summary = (
        f"corpus {corpus.name!r}: {documents} document(s), {segments} segment(s), "
        f"{assessments} assessment(s)"
    )
    if not yes:
        click.confirm(f"Delete {summary}?", abort=True)
    # The foreign keys cascade in the database (ON DELETE CASCADE), so one
    # statement removes everything below the corpus.
    db.session.execute(sa.delete(Corpus).where(Corpus.id == corpus.id))
    record(db.session(), "delete", detail=summary)
    db.session.commit()
    click.echo(f"deleted {summary}")


@bp.cli.group("users")
def users_group() -> None:
    """Manage user accounts."""


@users_group.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="annotator", show_default=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Password (prompted for; read from stdin when piped).",
)
@click.option("--exist-ok", is_flag=True, help="Leave an existing user as it is.")
def create_user(name: str, role: str, password: str, exist_ok: bool) -> None:
    """Create user NAME with a role and a password."""
    existing = db.session.scalar(sa.select(User).where(User.username == name))
    if existing is not None:
        if exist_ok:
            click.echo(f"user {name!r} exists ({existing.role}); left unchanged")
            return
        raise click.ClickException(f"user {name!r} already exists")
    if len(password) < 8:
        raise click.ClickException("the password must have at least 8 characters")
    user = User(username=name, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(db.session(), "user-create", user, detail=f"role={role}")
    db.session.commit()
    click.echo(f"created {role} {name!r}")


@users_group.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
def set_role(name: str, role: str) -> None:
    """Give user NAME a new ROLE."""
    user = db.session.scalar(sa.select(User).where(User.username == name))
    if user is None:
        raise click.ClickException(f"no user {name!r}")
    if user.role == role:
        click.echo(f"{name!r} is already {role}")
        return
    old = user.role
    user.role = role
    record(db.session(), "role-change", user, detail=f"{old} -> {role}")
    db.session.commit()
    click.echo(f"{name!r}: {old} -> {role}")


@users_group.command("list")
def list_users() -> None:
    """List user accounts and their roles."""
    for user in db.session.scalars(sa.select(User).order_by(User.username)):
        state = "" if user.active else " (disabled)"
        click.echo(f"{user.username}\t{user.role}{state}")


if __name__ == "__main__":  # pragma: no cover
    main()


# Commands of other areas (campaigns, API tokens, glossary) live beside
# their area and attach themselves to `bp` when imported.
import_optional(("app.campaigns.commands", "app.api.commands", "app.annotate.commands"))
