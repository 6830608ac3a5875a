"""JSON views behind the editor's assistance: QA flags to confirm or dismiss,
and "fix everywhere" (find the other occurrences of a corrected error and
apply the correction to each).

Nothing here writes an error span on its own: confirming a flag returns the
span for the editor to add, and it becomes real when the annotator saves;
"apply" writes only to the translations the annotator ticked, each through
`save_assessment`. Every view checks `can_annotate` on what it touches.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.access import can_annotate, visible_translations
from app.annotate import bp
from app.annotate.api import json_error, json_login_required
from app.assessments import StaleVersionError, ValidationError
from app.database import begin_writes, read_first_view, read_only
from app.errors import MtqaError
from app.extensions import db
from app.glossary import add_term
from app.models import Corpus, QaFlag, Translation, User
from app.mqm import SEVERITIES, normalise_category
from app.propagate import apply_correction, check_pair, find_candidates, variants
from app.qa.store import decide, is_stale, refresh_if_stale, translation_flags

#: At most this many translations per "apply to all".
MAX_APPLY = 500


def flag_json(flag: QaFlag, mt: str) -> dict[str, object]:
    return {
        "id": flag.id,
        "check": flag.check,
        "side": flag.side,
        "start": flag.start,
        "end": flag.end,
        "text": mt[flag.start : flag.end],
        "message": flag.message,
        "suggestion": flag.suggestion,
        "category": flag.category,
        "severity": flag.severity,
        "status": flag.status,
    }


def _translation_for_user(translation_id: int) -> Translation | ResponseReturnValue:
    translation = db.session.get(Translation, translation_id)
    if translation is None:
        return json_error(404, f"no translation {translation_id}")
    if not can_annotate(db.session(), current_user, translation.id):
        return json_error(403, f"translation {translation_id} is not assigned to you")
    return translation


@bp.get("/annotate/api/translations/<int:translation_id>/flags")
@read_first_view
@json_login_required
def flags(translation_id: int) -> ResponseReturnValue:
    """The QA flags of a translation. Computed for its whole document (the
    checks compare mentions across the document) the first time, and again
    when the glossary, the checks or the document's translations changed
    since; otherwise read as stored, without the write lock. A recompute
    keeps every confirm and dismiss decision."""
    found = _translation_for_user(translation_id)
    if not isinstance(found, Translation):
        return found
    document, mt = found.segment.document, found.text
    if is_stale(db.session(), document):
        begin_writes(db.session())
        try:
            # Checked again in the write transaction: a concurrent request
            # may have computed them since the read.
            refresh_if_stale(db.session(), document)
            # Read before the commit, so that the lock is not taken again.
            body = [flag_json(f, mt) for f in translation_flags(db.session(), found.id)]
            db.session.commit()
            return jsonify(flags=body)
        except (IntegrityError, StaleDataError):
            db.session.rollback()  # a concurrent request computed them first
    with read_only():
        return jsonify(flags=[flag_json(f, mt) for f in translation_flags(db.session(), found.id)])


@bp.post("/annotate/api/flags/<int:flag_id>/decision")
@json_login_required
def decide_flag(flag_id: int) -> ResponseReturnValue:
    """Confirm or dismiss a flag. A confirmation also answers with the error
    span to add in the editor (saved with the annotator's next save)."""
    flag = db.session.get(QaFlag, flag_id)
    if flag is None:
        return json_error(404, f"no QA flag {flag_id}")
    found = _translation_for_user(flag.translation_id)
    if not isinstance(found, Translation):
        return found
    payload = request.get_json(silent=True)
    status = payload.get("status") if isinstance(payload, dict) else None
    try:
        decide(db.session(), flag, current_user, status if isinstance(status, str) else "")
    except MtqaError as exc:
        db.session.rollback()
        return json_error(400, str(exc))
    db.session.commit()
    body: dict[str, Any] = {"flag": flag_json(flag, found.text)}
    if flag.status == "confirmed":
        body["span"] = {
            "start": flag.start,
            "end": flag.end,
            "category": normalise_category(flag.category or "Other"),
            "severity": flag.severity if flag.severity in SEVERITIES else "Minor",
            "side": flag.side,
            "note": flag.suggestion and f"QA {flag.check}: suggest {flag.suggestion!r}",
        }
    return jsonify(body)


def _pair(source: dict[str, Any]) -> tuple[str, str]:
    wrong, right = source.get("wrong"), source.get("right")
    if not isinstance(wrong, str) or not isinstance(right, str):
        raise ValidationError("wrong and right must be strings")
    return wrong, right


@bp.get("/annotate/api/translations/<int:translation_id>/propagation")
@json_login_required
def propagation_candidates(translation_id: int) -> ResponseReturnValue:
    """Other translations of the corpus, open to this user, whose MT holds
    `wrong` (or its word-order variant), with the proposed post-edit."""
    found = _translation_for_user(translation_id)
    if not isinstance(found, Translation):
        return found
    try:
        wrong, right = _pair(request.args.to_dict())
        candidates = find_candidates(
            db.session(),
            found.segment.document.corpus,
            wrong,
            right,
            user=current_user,
            where=visible_translations(current_user),
            exclude=[found.id],
        )
    except MtqaError as exc:
        return json_error(400, str(exc))
    return jsonify(
        wrong=wrong.strip(),
        right=right.strip(),
        variants=variants(wrong.strip()),
        candidates=[
            c.as_dict()
            | {
                "url": url_for(
                    "annotate.segment", doc_id=c.document_id, position=c.position, system=c.system
                )
            }
            for c in candidates
        ],
    )


def _apply_request(payload: object) -> tuple[str, str, str, str, str | None, list[int]]:
    if not isinstance(payload, dict):
        raise ValidationError("expected a JSON object")
    wrong, right = _pair(payload)
    category = payload.get("category", "Accuracy/Mistranslation")
    severity = payload.get("severity", "Minor")
    note = payload.get("note")
    ids = payload.get("translation_ids")
    if not isinstance(category, str) or not isinstance(severity, str):
        raise ValidationError("category and severity must be strings")
    if note is not None and not isinstance(note, str):
        raise ValidationError("note must be a string or null")
    if (
        not isinstance(ids, list)
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
        or len(ids) > MAX_APPLY
    ):
        raise ValidationError(f"translation_ids must be a list of at most {MAX_APPLY} ids")
    return wrong, right, category, severity, note, list(dict.fromkeys(ids))


def _outcome(
    translation_id: int, outcome: str, message: str = "", version: int | None = None
) -> dict[str, object]:
    return {
        "translation_id": translation_id,
        "outcome": outcome,
        "message": message,
        "version": version,
    }


def _apply_one(
    user: User,
    corpus_id: int,
    translation_id: int,
    wrong: str,
    right: str,
    category: str,
    severity: str,
    note: str | None,
) -> dict[str, object]:
    """One translation of "apply to all", committed on its own."""
    translation = db.session.get(Translation, translation_id)
    if (
        translation is None
        or translation.segment.document.corpus_id != corpus_id
        or not can_annotate(db.session(), user, translation_id)
    ):
        return _outcome(translation_id, "skipped", "not a translation of this corpus open to you")
    try:
        result = apply_correction(
            db.session(),
            translation,
            user,
            wrong,
            right,
            category=category,
            severity=severity,
            note=note,
        )
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        return _outcome(translation_id, "skipped", str(exc))
    except (StaleVersionError, StaleDataError, IntegrityError):
        db.session.rollback()
        return _outcome(translation_id, "conflict", "saved elsewhere meanwhile; open it to merge")
    return _outcome(translation_id, result.outcome, result.message, result.version)


@bp.post("/annotate/api/translations/<int:translation_id>/propagation")
@json_login_required
def propagation_apply(translation_id: int) -> ResponseReturnValue:
    """Apply the correction to each listed translation (each saved and
    committed on its own, so one conflict does not undo the others), then
    record the pair in the corpus glossary."""
    found = _translation_for_user(translation_id)
    if not isinstance(found, Translation):
        return found
    corpus = found.segment.document.corpus
    corpus_id = corpus.id
    try:
        wrong, right, category, severity, note, ids = _apply_request(request.get_json(silent=True))
        check_pair(wrong, right)
    except MtqaError as exc:
        return json_error(400, str(exc))
    user = current_user._get_current_object()
    results = [
        _apply_one(user, corpus_id, target_id, wrong, right, category, severity, note)
        for target_id in ids
    ]
    corpus = db.session.get_one(Corpus, corpus_id)
    try:
        add_term(db.session(), corpus, right.strip(), wrong.strip(), user=user)
        db.session.commit()
        glossary = {"target": right.strip(), "wrong": wrong.strip()}
    except MtqaError as exc:
        db.session.rollback()
        glossary = {"error": str(exc)}
    counts = {
        o: sum(r["outcome"] == o for r in results) for o in ("applied", "conflict", "skipped")
    }
    return jsonify(results=results, counts=counts, glossary=glossary)
