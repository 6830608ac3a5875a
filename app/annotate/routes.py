"""The document list and the segment editor (HTML pages)."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from flask import Flask, abort, current_app, render_template, request, session, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from app.access import can_read_results
from app.annotate import bp
from app.annotate.queries import (
    document_progress,
    is_annotatable,
    segment_page,
    surroundings,
)
from app.annotate.serialise import assessment_json
from app.annotate.typology import category_groups
from app.chinese import DISPLAY_SCRIPTS, display_source
from app.database import read_only_view
from app.extensions import db
from app.models import FINISHED_STATUSES, Translation
from app.mqm import CATEGORIES, SEVERITIES

#: Segments shown before and after the one being edited.
CONTEXT_RADIUS = 2

#: Where the annotator's choice of script for Chinese sources is kept, so it
#: holds from one segment to the next.
SCRIPT_KEY = "source_script"


def _is_chinese(lang: str) -> bool:
    return lang.replace("_", "-").split("-")[0].lower() == "zh"


def _source_script(source_lang: str) -> str | None:
    """The script Chinese sources are shown in; None for other languages.
    `?script=` changes the remembered choice; an unknown value shows the
    text as stored rather than failing the page."""
    if not _is_chinese(source_lang):
        return None
    asked = request.args.get("script")
    if asked is not None:
        if asked not in DISPLAY_SCRIPTS:
            return "original"
        session[SCRIPT_KEY] = asked
    remembered = session.get(SCRIPT_KEY, "original")
    return remembered if remembered in DISPLAY_SCRIPTS else "original"


@bp.app_context_processor
def template_helpers() -> dict[str, object]:
    """`has_endpoint` lets the shared layout link to blueprints that are
    optional (reports, api) only when they are installed."""
    return {"has_endpoint": lambda endpoint: endpoint in current_app.view_functions}


@bp.get("/")
@read_only_view
@login_required
def index() -> str:
    after = request.args.get("after", type=int)
    page = document_progress(db.session(), current_user, after=after)
    next_url = url_for("annotate.index", after=page.next_after) if page.next_after else None
    return render_template(
        "annotate/index.html",
        corpora=page.corpora,
        next_url=next_url,
        first_url=url_for("annotate.index") if after is not None else None,
    )


# Both pages only read: their transactions take no write lock, so page
# views neither wait for saves nor make saves wait (app/database.py).
@bp.get("/annotate/<int:doc_id>/<int:position>")
@read_only_view
@login_required
def segment(doc_id: int, position: int) -> str:
    user = current_user._get_current_object()
    page = segment_page(db.session(), user, doc_id, position)
    if page is None:
        abort(404)
    document, corpus, seg = page.document, page.corpus, page.segment
    translations, assessments = page.translations, page.assessments
    annotatable = is_annotatable(seg)
    if not translations and page.has_translations and annotatable:
        abort(403)
    translation = _pick_translation(translations, assessments, request.args.get("system"))
    system = translation.system if translation else request.args.get("system")
    assessment = assessments.get(translation.id) if translation else None
    around = surroundings(db.session(), user, doc_id, position, system, CONTEXT_RADIUS)
    system_arg: dict[str, Any] = {"system": system} if system and len(translations) > 1 else {}

    def seg_url(pos: int | None, **args: Any) -> str | None:
        if pos is None:
            return None
        return url_for("annotate.segment", doc_id=doc_id, position=pos, **args, **system_arg)

    prev_url, next_url = seg_url(around.previous), seg_url(around.following)
    script = _source_script(corpus.source_lang)
    source = display_source(seg.source, script) if script else seg.source
    script_urls = (
        {name: seg_url(position, script=name) for name in DISPLAY_SCRIPTS} if script else {}
    )
    editable = translation is not None and annotatable
    index_url = url_for("annotate.index")
    editor = None
    if editable and translation is not None:
        editor = {
            "translationId": translation.id,
            "saveUrl": url_for("annotate.save", translation_id=translation.id),
            "mt": translation.text,
            "source": seg.source,
            "assessment": assessment_json(assessment, translation),
            "categories": list(CATEGORIES),
            "severities": list(SEVERITIES),
            "nextUrl": next_url,
            "prevUrl": prev_url,
            "indexUrl": index_url,
        }
    return render_template(
        "annotate/segment.html",
        document=document,
        corpus=corpus,
        segment=seg,
        source=source,
        script=script,
        script_urls=script_urls,
        translations=translations,
        translation=translation,
        assessment=assessment,
        finished_statuses=FINISHED_STATUSES,
        before=around.before,
        after=around.after,
        prev_url=prev_url,
        next_url=next_url,
        index_url=index_url,
        last_position=page.last_position,
        editable=editable,
        editor=editor,
        report_url=_report_url(corpus.name),
        span_dialog=_span_dialog() if editable else None,
    )


#: The span dialog's markup, per application.
_span_dialogs: WeakKeyDictionary[Flask, Markup] = WeakKeyDictionary()


def _span_dialog() -> Markup:
    """The span dialog depends only on the MQM typology, yet its hundred
    labels were a fifth of the page's rendering: rendered once, or on every
    page while templates reload (debug), so that edits show."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    dialog = _span_dialogs.get(app)
    if dialog is None:
        dialog = Markup(
            render_template(
                "annotate/_span_dialog.html",
                category_groups=category_groups(),
                severities=SEVERITIES,
            )
        )
        if not app.jinja_env.auto_reload:
            _span_dialogs[app] = dialog
    return dialog


def _pick_translation(
    translations: list[Translation], assessments: dict, system: str | None
) -> Translation | None:
    """The system asked for; otherwise the first one this user has not
    finished, so "continue" from the document list lands on open work."""
    if system is not None:
        for translation in translations:
            if translation.system == system:
                return translation
        abort(404)
    for translation in translations:
        assessment = assessments.get(translation.id)
        if assessment is None or assessment.status not in FINISHED_STATUSES:
            return translation
    return translations[0] if translations else None


def _report_url(corpus_name: str) -> str | None:
    """The report page lives in another blueprint that may not be installed,
    and is not for annotators."""
    if "reports.corpus" not in current_app.view_functions or not can_read_results(current_user):
        return None
    return url_for("reports.corpus", corpus_name=corpus_name)
