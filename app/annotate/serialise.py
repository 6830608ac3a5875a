"""The JSON shape of an annotator's assessment, shared by the page (which
embeds it for the editor) and the save endpoint (which returns it)."""

from __future__ import annotations

from app.assessments import span_data
from app.models import Assessment, Translation


def assessment_json(assessment: Assessment | None, translation: Translation) -> dict[str, object]:
    """Version 0 stands for "no assessment yet": the first save creates it."""
    if assessment is None:
        return {
            "version": 0,
            "status": None,
            "post_edit": translation.text,
            "spans": [],
            "time_spent": 0.0,
        }
    return {
        "version": assessment.version,
        "status": assessment.status,
        "post_edit": assessment.post_edit if assessment.post_edit is not None else translation.text,
        # In the relationship's order (start, id) also before a reload, when
        # the list is still in the order the save added the spans.
        "spans": [
            span_data(s).as_dict()
            for s in sorted(assessment.spans, key=lambda s: (s.start, s.id or 0))
        ],
        "time_spent": assessment.time_spent,
    }
