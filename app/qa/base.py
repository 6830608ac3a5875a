"""Plain data and the registry shared by every QA check.

Checks see only plain dataclasses, never the ORM, so that they run the same
from the CLI, from the annotation view and from tests, and so that a flag is
only ever a suggestion: nothing here writes an error span.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import ClassVar


@dataclass(frozen=True)
class QaSegment:
    """One segment of a document: `position` orders it; `source` may be missing."""

    position: int
    source: str | None
    target: str


@dataclass(frozen=True)
class GlossaryEntry:
    """A required rendering and the wrong renderings an MT is known to produce."""

    source_term: str | None
    target_term: str
    wrong_variants: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Flag:
    """A suspicious span of a target (code-point offsets), for an annotator to
    confirm or dismiss."""

    check: str
    position: int
    start: int
    end: int
    message: str
    suggestion: str | None
    category: str
    severity: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class Check:
    """One QA check. Subclasses set the class attributes and implement `run`.

    `languages` names the target languages the check understands (None: any);
    the heuristics over English pronouns and capitalised names mean nothing
    in a Chinese target. `version` goes up when a check changes what it
    flags, so that flags stored from the old version are computed again.
    """

    id: ClassVar[str]
    description: ClassVar[str]
    category: ClassVar[str]
    severity: ClassVar[str] = "Minor"
    languages: ClassVar[frozenset[str] | None] = None
    needs_source: ClassVar[bool] = False
    version: ClassVar[int] = 1

    def run(
        self, segments: Sequence[QaSegment], glossary: Sequence[GlossaryEntry]
    ) -> Iterator[Flag]:
        raise NotImplementedError

    def applies_to(self, target_lang: str) -> bool:
        if self.languages is None:
            return True
        return target_lang.split("-")[0].lower() in self.languages

    def flag(
        self,
        segment: QaSegment,
        start: int,
        end: int,
        message: str,
        suggestion: str | None = None,
        *,
        category: str | None = None,
        severity: str | None = None,
    ) -> Flag:
        return Flag(
            self.id,
            segment.position,
            start,
            end,
            message,
            suggestion,
            category or self.category,
            severity or self.severity,
        )


@dataclass
class Registry:
    """Checks by kebab-case id, each registered once."""

    checks: dict[str, type[Check]] = field(default_factory=dict)

    def register(self, cls: type[Check]) -> type[Check]:
        if cls.id in self.checks:
            raise ValueError(f"QA check {cls.id!r} registered twice")
        self.checks[cls.id] = cls
        return cls

    def ids(self) -> list[str]:
        return list(self.checks)

    def versions(self) -> str:
        """Every check with its version ("glossary:1 number-mismatch:2 …"):
        what stored flags were computed with."""
        return " ".join(f"{check_id}:{cls.version}" for check_id, cls in self.checks.items())

    def get(self, check_id: str) -> Check:
        from app.errors import MtqaError

        try:
            return self.checks[check_id]()
        except KeyError:
            known = ", ".join(self.checks)
            raise MtqaError(f"unknown QA check {check_id!r} (known: {known})") from None


REGISTRY = Registry()
register = REGISTRY.register


def run_checks(
    segments: Sequence[QaSegment],
    glossary: Sequence[GlossaryEntry] = (),
    *,
    target_lang: str = "en",
    check_ids: Iterable[str] | None = None,
) -> list[Flag]:
    """Run the checks over one document; a check that needs a source is
    skipped where the segment has none (the check itself decides per segment)."""
    ordered = sorted(segments, key=lambda s: s.position)
    flags: list[Flag] = []
    for check_id in check_ids if check_ids is not None else REGISTRY.ids():
        check = REGISTRY.get(check_id)
        if check.applies_to(target_lang):
            flags.extend(check.run(ordered, glossary))
    return flags
