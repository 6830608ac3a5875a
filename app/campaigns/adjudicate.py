"""Adjudication pages: the translations worth adjudicating, and one
translation's annotations side by side with the form that builds its gold.

The logic (what a save may overwrite, which spans are kept) is in
app.campaigns.gold; these views parse the form and render.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.access import ADMIN, role_required
from app.assessments import SpanData, StaleVersionError, span_data
from app.audit import record
from app.campaigns import bp
from app.campaigns.forms import GoldForm
from app.campaigns.gold import GoldConflict, save_gold, span_key
from app.campaigns.queries import (
    adjudication_items,
    campaign_annotations,
    current_gold,
    in_campaign,
    min_annotations,
)
from app.database import read_only_view
from app.errors import MtqaError
from app.extensions import db
from app.models import Assessment, Campaign, Translation
from app.reports.highlight import highlight


@bp.get("/<int:campaign_id>/adjudicate")
@read_only_view
@login_required
@role_required(ADMIN)
def adjudication_list(campaign_id: int) -> str:
    campaign = db.get_or_404(Campaign, campaign_id)
    after = request.args.get("after", type=int)
    items, next_after = adjudication_items(db.session(), campaign, after=after)
    return render_template(
        "campaigns/adjudicate_list.html",
        campaign=campaign,
        items=items,
        after=after,
        next_after=next_after,
        needed=min_annotations(campaign),
    )


@dataclass(frozen=True)
class Column:
    """One assessment shown side by side: an annotator's, or the gold."""

    assessment: Assessment
    label: str
    mt_html: Markup
    source_html: Markup | None
    post_edit: str
    #: (span id, span, checked, picked by how many annotators)
    spans: list[tuple[int, SpanData, bool, int]]
    #: Whether any span marks the source (then the source is shown marked too).
    source_spans: bool


def _columns(
    annotations: list[Assessment], gold: Assessment | None, translation: Translation
) -> list[Column]:
    """Annotators' columns then the current gold's. A span is ticked when the
    gold holds it, or, before any gold exists, when two annotators agree."""
    counts: dict[tuple[str, int, int, str], int] = {}
    for assessment in annotations:
        for key in {span_key(span_data(s)) for s in assessment.spans}:
            counts[key] = counts.get(key, 0) + 1
    in_gold = {span_key(span_data(s)) for s in gold.spans} if gold is not None else set()
    source = translation.segment.source
    columns = []
    for assessment in [*annotations, *([gold] if gold is not None else [])]:
        data = [span_data(s) for s in assessment.spans]
        spans = []
        for span, plain in zip(assessment.spans, data, strict=True):
            key = span_key(plain)
            agreed = counts.get(key, 0)
            checked = key in in_gold if gold is not None else agreed >= 2
            spans.append((span.id, plain, checked, agreed))
        is_gold = assessment.kind == "gold"
        columns.append(
            Column(
                assessment=assessment,
                label=("Gold by " if is_gold else "") + assessment.annotator.username,
                mt_html=highlight(translation.text, data, "target"),
                source_html=highlight(source, data, "source") if source is not None else None,
                post_edit=assessment.post_edit
                if assessment.post_edit is not None
                else translation.text,
                spans=spans,
                source_spans=any(s.side == "source" for s in data),
            )
        )
    return columns


def _render(
    campaign: Campaign,
    translation: Translation,
    form: GoldForm,
    *,
    picked: set[int] | None = None,
    status: int = 200,
    conflict: str | None = None,
    annotations: list[Assessment] | None = None,
) -> ResponseReturnValue:
    if annotations is None:
        annotations = campaign_annotations(db.session(), campaign, translation.id)
    gold = current_gold(db.session(), translation.id)
    columns = _columns(annotations, gold, translation)
    if picked is not None:
        # Re-shown after a refused save: keep the reviewer's own choices.
        columns = [
            replace(c, spans=[(i, s, i in picked, n) for i, s, _, n in c.spans]) for c in columns
        ]
    return render_template(
        "campaigns/adjudicate.html",
        campaign=campaign,
        translation=translation,
        segment=translation.segment,
        document=translation.segment.document,
        columns=columns,
        gold=gold,
        form=form,
        conflict=conflict,
        texts={str(c.assessment.id): c.post_edit for c in columns},
    ), status


def _translation_in(campaign: Campaign, translation_id: int) -> Translation:
    translation = db.get_or_404(Translation, translation_id)
    if not in_campaign(db.session(), campaign, translation.id):
        abort(404)
    return translation


@bp.get("/<int:campaign_id>/adjudicate/<int:translation_id>")
@read_only_view
@login_required
@role_required(ADMIN)
def adjudicate(campaign_id: int, translation_id: int) -> ResponseReturnValue:
    campaign = db.get_or_404(Campaign, campaign_id)
    translation = _translation_in(campaign, translation_id)
    gold = current_gold(db.session(), translation.id)
    annotations = campaign_annotations(db.session(), campaign, translation.id)
    form = GoldForm(formdata=None)
    if gold is not None:
        form.post_edit.data = gold.post_edit if gold.post_edit is not None else translation.text
        form.status.data = gold.status if gold.status in ("done", "no_errors") else "done"
        form.gold_id.data = str(gold.id)
        form.base_version.data = str(gold.version)
    else:
        finished = [a for a in annotations if a.finished and a.post_edit is not None]
        form.post_edit.data = finished[0].post_edit if finished else translation.text
        form.gold_id.data = ""
        form.base_version.data = "0"
    return _render(campaign, translation, form, annotations=annotations)


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


@bp.post("/<int:campaign_id>/adjudicate/<int:translation_id>")
@login_required
@role_required(ADMIN)
def save(campaign_id: int, translation_id: int) -> ResponseReturnValue:
    campaign = db.get_or_404(Campaign, campaign_id)
    translation = _translation_in(campaign, translation_id)
    form = GoldForm()
    span_ids = _ids(request.form.getlist("span"))
    if not form.validate_on_submit():
        return _render(campaign, translation, form, picked=set(span_ids), status=400)
    gold_id = int(form.gold_id.data) if (form.gold_id.data or "").isdigit() else None
    base_version = int(form.base_version.data) if (form.base_version.data or "").isdigit() else 0
    post_edit = (form.post_edit.data or "").replace("\r\n", "\n")
    try:
        gold = save_gold(
            db.session(),
            translation,
            current_user,
            gold_id=gold_id,
            base_version=base_version,
            post_edit=post_edit,
            status=form.status.data or "",
            span_ids=span_ids,
        )
        record(
            db.session(),
            "adjudicate",
            current_user,
            detail=(
                f"campaign={campaign.name} translation={translation.id} "
                f"gold={gold.id} version={gold.version}"
            ),
            remote_addr=request.remote_addr,
        )
        db.session.commit()
    except (GoldConflict, StaleVersionError, StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        return _conflict(campaign, translation, form, span_ids, exc)
    except MtqaError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return _render(campaign, translation, form, picked=set(span_ids), status=400)
    flash(f"Gold reference saved (version {gold.version}).", "success")
    return redirect(
        url_for("campaigns.adjudicate", campaign_id=campaign.id, translation_id=translation.id)
    )


def _conflict(
    campaign: Campaign,
    translation: Translation,
    form: GoldForm,
    span_ids: list[int],
    exc: Exception,
) -> ResponseReturnValue:
    """Refuse the save, show the current gold, keep the reviewer's text and
    choices in the form, now based on the current gold so that saving
    again is a deliberate decision taken with it in view."""
    gold = current_gold(db.session(), translation.id)
    message = str(exc) if isinstance(exc, GoldConflict) else str(GoldConflict(gold))
    form.gold_id.data = str(gold.id) if gold is not None else ""
    form.base_version.data = str(gold.version) if gold is not None else "0"
    return _render(campaign, translation, form, picked=set(span_ids), status=409, conflict=message)
