"""Campaign pages for admins: the list, the creation form, and one
campaign's per-annotator progress."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.access import ADMIN, ANNOTATOR, role_required
from app.assignment import CampaignError, create_campaign
from app.audit import record
from app.campaigns import bp
from app.campaigns.forms import CampaignForm
from app.campaigns.queries import annotator_progress, campaign_summaries
from app.database import read_only_view
from app.extensions import db
from app.models import Campaign, Corpus, Document, Translation, User


# The GET pages only read: their SQLite transactions take no write lock, so
# an admin watching progress never makes the annotators' saves wait.
@bp.get("/")
@read_only_view
@login_required
@role_required(ADMIN)
def index() -> str:
    return render_template("campaigns/index.html", summaries=campaign_summaries(db.session()))


def _fill_choices(form: CampaignForm) -> dict[int, tuple[int, str]]:
    """Set the form's choices; returns document id → (corpus id, name)."""
    corpora = db.session.execute(sa.select(Corpus.id, Corpus.name).order_by(Corpus.name)).all()
    corpus_names = dict(corpora)
    form.corpus.choices = [SelectChoice(cid, name) for cid, name in corpora]
    documents = db.session.execute(
        sa.select(Document.id, Document.corpus_id, Document.name).order_by(
            Document.corpus_id, Document.position, Document.name
        )
    ).all()
    form.documents.choices = [
        SelectChoice(did, name, optgroup=corpus_names.get(cid, str(cid)))
        for did, cid, name in documents
    ]
    systems = db.session.scalars(
        sa.select(Translation.system).distinct().order_by(Translation.system)
    ).all()
    form.systems.choices = [SelectChoice(s, s) for s in systems]
    annotators = db.session.execute(
        sa.select(User.id, User.username)
        .where(User.role == ANNOTATOR, User.active.is_(True))
        .order_by(User.username)
    ).all()
    form.annotators.choices = [SelectChoice(uid, name) for uid, name in annotators]
    return {did: (cid, name) for did, cid, name in documents}


@bp.route("/new", methods=["GET", "POST"])
@login_required
@role_required(ADMIN)
def new() -> ResponseReturnValue:
    form = CampaignForm()
    documents = _fill_choices(form)
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("campaigns/new.html", form=form), status
    corpus = db.session.get(Corpus, form.corpus.data)
    try:
        if corpus is None:
            raise CampaignError("choose a corpus")
        names = None
        if form.documents.data:
            other = [documents[d][1] for d in form.documents.data if documents[d][0] != corpus.id]
            if other:
                raise CampaignError(f"document {other[0]!r} is not in corpus {corpus.name}")
            names = [documents[d][1] for d in form.documents.data]
        annotators = db.session.scalars(
            sa.select(User).where(User.id.in_(form.annotators.data)).order_by(User.username)
        ).all()
        campaign = create_campaign(
            db.session(),
            name=form.name.data or "",
            corpus=corpus,
            annotators=annotators,
            per_segment=form.per_segment.data or 0,
            mode=form.mode.data or "",
            documents=names,
            systems=form.systems.data or None,
            description=(form.description.data or "").strip() or None,
            created_by=current_user,
        )
        record(
            db.session(),
            "campaign-create",
            current_user,
            detail=_detail(campaign, annotators),
            remote_addr=request.remote_addr,
        )
        db.session.commit()
    except CampaignError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return render_template("campaigns/new.html", form=form), 400
    flash(f"Campaign {campaign.name} created.", "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


def _detail(campaign: Campaign, annotators: Sequence[User]) -> str:
    team = ",".join(u.username for u in annotators)
    return (
        f"campaign={campaign.name} corpus_id={campaign.corpus_id} mode={campaign.mode} "
        f"per_segment={campaign.per_segment} annotators={team}"
    )


@bp.get("/<int:campaign_id>")
@read_only_view
@login_required
@role_required(ADMIN)
def show(campaign_id: int) -> str:
    campaign = db.get_or_404(Campaign, campaign_id)
    rows = annotator_progress(db.session(), campaign)
    return render_template("campaigns/show.html", campaign=campaign, rows=rows)
