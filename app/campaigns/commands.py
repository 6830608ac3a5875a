"""`mtqa campaign …`: create campaigns, list them, and show an annotator-by-
annotator progress table, with the same code as the admin pages."""

from __future__ import annotations

import json

import click
import sqlalchemy as sa

from app.assignment import create_campaign
from app.audit import record
from app.campaigns.queries import annotator_progress, campaign_by_name, campaign_summaries
from app.cli import bp, corpus_by_name, reports_errors
from app.extensions import db
from app.models import ASSIGNMENT_MODES, Assignment, User


@bp.cli.group("campaign")
def campaign_group() -> None:
    """Evaluation campaigns: who annotates what."""


def _users(names: tuple[str, ...]) -> list[User]:
    """The named users, in the order given (that order drives round-robin)."""
    found = {
        u.username: u for u in db.session.scalars(sa.select(User).where(User.username.in_(names)))
    }
    if missing := [n for n in names if n not in found]:
        raise click.ClickException(f"no user {missing[0]!r} (see `mtqa users list`)")
    return [found[n] for n in names]


@campaign_group.command("create")
@click.argument("name")
@click.option("--corpus", "corpus_name", required=True, help="Corpus to annotate.")
@click.option(
    "--annotator",
    "annotators",
    multiple=True,
    required=True,
    help="Annotator's username (repeat for each member of the team).",
)
@click.option(
    "--per-segment",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Annotators per segment (N).",
)
@click.option(
    "--mode",
    type=click.Choice(ASSIGNMENT_MODES),
    default="round-robin",
    show_default=True,
    help="round-robin: each segment to the next N annotators; by-document: each "
    "(document, system) whole to N annotators.",
)
@click.option("--document", "documents", multiple=True, help="Only this document (repeatable).")
@click.option("--system", "systems", multiple=True, help="Only this MT system (repeatable).")
@click.option("--description", help="What the campaign is for.")
@reports_errors
def create(
    name: str,
    corpus_name: str,
    annotators: tuple[str, ...],
    per_segment: int,
    mode: str,
    documents: tuple[str, ...],
    systems: tuple[str, ...],
    description: str | None,
) -> None:
    """Create campaign NAME and assign its segments; nothing is written
    when the campaign cannot be built as asked."""
    corpus = corpus_by_name(corpus_name)
    team = _users(annotators)
    campaign = create_campaign(
        db.session(),
        name=name,
        corpus=corpus,
        annotators=team,
        per_segment=per_segment,
        mode=mode,
        documents=documents or None,
        systems=systems or None,
        description=description,
    )
    record(
        db.session(),
        "campaign-create",
        None,
        detail=(
            f"campaign={campaign.name} corpus={corpus.name} mode={mode} "
            f"per_segment={per_segment} annotators={','.join(annotators)} (command line)"
        ),
    )
    db.session.flush()
    counts = sa.select(
        sa.func.count(Assignment.id), sa.func.count(sa.distinct(Assignment.translation_id))
    ).where(Assignment.campaign_id == campaign.id)
    assigned, translations = db.session.execute(counts).one()
    db.session.commit()
    click.echo(
        f"created campaign {campaign.name!r} on corpus {corpus.name}: {translations} "
        f"translations, {assigned} assignments to {len(team)} annotators ({mode}, N={per_segment})"
    )


@campaign_group.command("list")
def list_campaigns() -> None:
    """List campaigns with their progress (finished / assigned)."""
    summaries = campaign_summaries(db.session())
    if not summaries:
        click.echo("no campaigns")
        return
    click.echo("name\tcorpus\tmode\tN\tannotators\tfinished\tassigned")
    for s in summaries:
        c = s.campaign
        click.echo(
            f"{c.name}\t{s.corpus_name}\t{c.mode}\t{c.per_segment}\t{s.annotators}\t"
            f"{s.finished}\t{s.assigned}"
        )


@campaign_group.command("progress")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def progress(name: str, as_json: bool) -> None:
    """Progress of each annotator in campaign NAME."""
    campaign = campaign_by_name(db.session(), name)
    if campaign is None:
        raise click.ClickException(f"no campaign named {name!r} (see `mtqa campaign list`)")
    rows = annotator_progress(db.session(), campaign)
    if as_json:
        payload = {
            "campaign": campaign.name,
            "corpus": campaign.corpus.name,
            "mode": campaign.mode,
            "per_segment": campaign.per_segment,
            "annotators": [row.as_dict() for row in rows],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"campaign {campaign.name} ({campaign.corpus.name}, {campaign.mode}, "
        f"N={campaign.per_segment})"
    )
    click.echo("annotator\tassigned\tfinished\tdrafts\ttime_spent_s\tkeystrokes\tlast_activity")
    for row in rows:
        last = row.last_activity.strftime("%Y-%m-%d %H:%M") if row.last_activity else "-"
        click.echo(
            f"{row.username}\t{row.assigned}\t{row.finished}\t{row.drafts}\t"
            f"{row.time_spent:.0f}\t{row.keystrokes}\t{last}"
        )
