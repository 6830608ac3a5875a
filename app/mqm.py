"""The MQM error typology and severities of Freitag et al. (2021).

"Experts, Errors, and Context" (TACL 9, 2021), Table 10 and section 3; the
weights are the defaults of google-research/mt-metrics-eval's score_mqm.
Kept apart from the models so that ingest, scoring and the UI share one list.
"""

from __future__ import annotations

from typing import Final

#: Categories as they are written in the public WMT MQM files.
CATEGORIES: Final[tuple[str, ...]] = (
    "Accuracy/Addition",
    "Accuracy/Omission",
    "Accuracy/Mistranslation",
    "Accuracy/Untranslated text",
    "Fluency/Punctuation",
    "Fluency/Spelling",
    "Fluency/Grammar",
    "Fluency/Register",
    "Fluency/Inconsistency",
    "Fluency/Character encoding",
    "Terminology/Inappropriate for context",
    "Terminology/Inconsistent use of terminology",
    "Style/Awkward",
    "Locale convention/Address format",
    "Locale convention/Currency format",
    "Locale convention/Date format",
    "Locale convention/Name format",
    "Locale convention/Telephone format",
    "Locale convention/Time format",
    "Source error",
    "Non-translation!",
    "Other",
)

#: Short labels for the annotation UI, in the order of CATEGORIES.
CATEGORY_LABELS: Final[dict[str, str]] = {c: c.replace("!", "") for c in CATEGORIES}

SEVERITIES: Final[tuple[str, ...]] = ("Critical", "Major", "Minor", "Neutral")

#: Error sides: where the span's offsets point.
SIDES: Final[tuple[str, ...]] = ("target", "source")

#: Freitag et al. weights. Critical errors count as Major, as in the paper
#: (its annotators used Critical only for Non-translation, weighted 25).
SEVERITY_WEIGHTS: Final[dict[str, float]] = {
    "Critical": 5.0,
    "Major": 5.0,
    "Minor": 1.0,
    "Neutral": 0.0,
}
NON_TRANSLATION: Final = "Non-translation!"
NON_TRANSLATION_WEIGHT: Final = 25.0
MINOR_PUNCTUATION_WEIGHT: Final = 0.1


def normalise_category(name: str) -> str:
    """Map older or shorter spellings (`Non-translation`, `Source_error`,
    `Terminology/Inappropriate`) onto the names in CATEGORIES."""
    cleaned = name.strip().replace("_", " ")
    if cleaned in CATEGORIES:
        return cleaned
    lowered = cleaned.lower().rstrip("!")
    for category in CATEGORIES:
        if category.lower().rstrip("!") == lowered:
            return category
    for category in CATEGORIES:
        if category.lower().startswith(lowered + " ") or category.lower().startswith(lowered):
            return category
    return cleaned


def error_weight(
    category: str, severity: str, *, source_error_weight: float | None = None
) -> float:
    """Penalty of one error. `source_error_weight` lets a caller score source
    errors at a fixed weight (later WMT practice uses 0); by default they count
    like any other error, which is what reproduces the WMT21 tables."""
    if category == "Source error" and source_error_weight is not None:
        return source_error_weight
    if category == NON_TRANSLATION and severity in ("Major", "Critical"):
        return NON_TRANSLATION_WEIGHT
    if severity == "Minor" and category == "Fluency/Punctuation":
        return MINOR_PUNCTUATION_WEIGHT
    return SEVERITY_WEIGHTS.get(severity, 0.0)
