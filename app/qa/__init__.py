"""Automatic QA flags: suspicious spans pre-marked for an annotator to confirm
or dismiss, never applied as errors. One module per check; each registers
itself in REGISTRY under a kebab-case id."""

from app.qa import cjk, glossary, names, numbers, pronouns, spacing  # noqa: F401  (registers)
from app.qa.base import REGISTRY, Check, Flag, GlossaryEntry, QaSegment, register, run_checks
from app.qa.glossary import load_glossary
from app.qa.precision import CheckPrecision, precision_against_annotations

__all__ = [
    "REGISTRY",
    "Check",
    "CheckPrecision",
    "Flag",
    "GlossaryEntry",
    "QaSegment",
    "load_glossary",
    "precision_against_annotations",
    "register",
    "run_checks",
]
