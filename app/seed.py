"""Load the bundled texts and a demo account, so `make run` opens on work to do.

`python -m app.seed` (run by `make run` after `mtqa db upgrade`) imports
`source_texts/` and every `annotations/*.jsonl`, then makes sure the demo
account (an admin: it can annotate any segment, read the reports and set up
campaigns) exists, and that the annotators who arrived with the annotations
have their work assigned in a campaign per corpus. It can run any number of
times: imports are idempotent and an existing account is left as it is.

The demo password is random, made once and kept in the instance folder
(`demo-password.txt`, readable by its owner only), so every run prints the
same login and no password that works on every install is ever published.
"""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.errors import MtqaError
from app.glossary import import_glossary_for
from app.models import Assessment, Campaign, Corpus, Document, Segment, Translation, User

if TYPE_CHECKING:
    from app.ingest import ImportReport

REPO = Path(__file__).resolve().parent.parent
DEMO_USERNAME = "demo"
DEMO_ROLE = "admin"
PASSWORD_FILE = "demo-password.txt"


@dataclass
class CorpusCounts:
    name: str
    source_lang: str
    target_lang: str
    documents: int
    segments: int
    annotatable: int
    translations: int

    def line(self) -> str:
        return (
            f"corpus {self.name} ({self.source_lang}→{self.target_lang}): "
            f"{self.documents} document(s), {self.segments} segments "
            f"({self.annotatable} to annotate), {self.translations} translations"
        )


@dataclass
class DemoAccount:
    username: str
    #: None when the stored password no longer opens the account.
    password: str | None
    created: bool


@dataclass
class SeedResult:
    imports: list[tuple[Path, ImportReport]]
    demo: DemoAccount
    corpora: list[CorpusCounts]


def seed_inputs(data_dir: Path) -> list[Path]:
    """The bundled data, in import order: the texts, then their annotations."""
    inputs = []
    if (data_dir / "source_texts").is_dir():
        inputs.append(data_dir / "source_texts")
    inputs.extend(sorted((data_dir / "annotations").glob("*.jsonl")))
    return inputs


def seed(session: Session, instance_dir: Path, data_dir: Path = REPO) -> SeedResult:
    if not sa.inspect(session.get_bind()).has_table(Corpus.__tablename__):
        raise MtqaError("the database has no tables; run `mtqa db upgrade` first")
    from app.ingest import import_path

    imports = [(path, import_path(session, path)) for path in seed_inputs(data_dir)]
    import_glossary_for(session, "latepost", data_dir / "annotations" / "glossary.tsv")
    demo = ensure_demo_account(session, instance_dir)
    ensure_seed_campaigns(session)
    return SeedResult(imports, demo, corpus_counts(session))


def ensure_seed_campaigns(session: Session) -> None:
    """A campaign per corpus that has none, giving each annotator who has
    work in it every segment, so they can open what they annotated."""
    from app.assignment import CampaignError, create_campaign

    for corpus in session.scalars(sa.select(Corpus).order_by(Corpus.name)):
        if session.scalar(sa.select(Campaign.id).where(Campaign.corpus_id == corpus.id).limit(1)):
            continue
        annotators = session.scalars(
            sa.select(User)
            .where(User.role == "annotator")
            .where(
                User.id.in_(
                    sa.select(Assessment.annotator_id)
                    .join(Translation, Assessment.translation_id == Translation.id)
                    .join(Segment, Translation.segment_id == Segment.id)
                    .join(Document, Segment.document_id == Document.id)
                    .where(Document.corpus_id == corpus.id)
                )
            )
            .order_by(User.username)
        ).all()
        if not annotators:
            continue
        try:
            create_campaign(
                session,
                name=corpus.name,
                corpus=corpus,
                annotators=annotators,
                per_segment=len(annotators),
                description="Created by the seed for the annotators of the bundled annotations.",
            )
        except CampaignError:
            continue
    session.commit()


def demo_password(instance_dir: Path) -> str:
    """The password in the instance folder, made on first use."""
    path = instance_dir / PASSWORD_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    return password


def ensure_demo_account(session: Session, instance_dir: Path) -> DemoAccount:
    password = demo_password(instance_dir)
    user = session.scalar(sa.select(User).where(User.username == DEMO_USERNAME))
    if user is None:
        user = User(username=DEMO_USERNAME, role=DEMO_ROLE)
        user.set_password(password)
        session.add(user)
        session.commit()
        return DemoAccount(DEMO_USERNAME, password, created=True)
    # Someone changed the password (or the instance folder is new while the
    # database is not): keep their password rather than reset it.
    known = password if user.check_password(password) else None
    return DemoAccount(DEMO_USERNAME, known, created=False)


def corpus_counts(session: Session) -> list[CorpusCounts]:
    segments = sa.func.count(sa.distinct(Segment.id))
    rows = session.execute(
        sa.select(
            Corpus.name,
            Corpus.source_lang,
            Corpus.target_lang,
            sa.func.count(sa.distinct(Document.id)),
            segments,
            segments.filter(Segment.annotatable.is_(True)),
            sa.func.count(sa.distinct(Translation.id)),
        )
        .outerjoin(Document, Document.corpus_id == Corpus.id)
        .outerjoin(Segment, Segment.document_id == Document.id)
        .outerjoin(Translation, Translation.segment_id == Segment.id)
        .group_by(Corpus.id)
        .order_by(Corpus.name)
    )
    return [CorpusCounts(*row) for row in rows]


def print_result(result: SeedResult, instance_dir: Path, url: str) -> None:
    for path, report in result.imports:
        shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
        click.echo(f"import {shown}:")
        click.echo("  " + report.summary().replace("\n", "\n  "))
    for counts in result.corpora:
        click.echo(counts.line())
    demo = result.demo
    state = "created" if demo.created else "exists"
    click.echo(f"demo login ({state}): {demo.username}")
    if demo.password is not None:
        click.echo(f"  password: {demo.password}  (kept in {instance_dir / PASSWORD_FILE})")
    else:
        click.echo(
            f"  password: changed since it was written to {instance_dir / PASSWORD_FILE}; not shown"
        )
    click.echo(f"open {url}/  (log in at {url}/auth/login)")


def main() -> None:
    from app import create_app
    from app.extensions import db

    app = create_app()
    instance_dir = Path(app.instance_path)
    url = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
    with app.app_context():
        try:
            result = seed(db.session(), instance_dir)
        except MtqaError as exc:
            db.session.rollback()
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        print_result(result, instance_dir, url)


if __name__ == "__main__":
    main()
