"""One name rendered in several ways within a document.

Two renderings count as the same name when they hold the same capitalised
words in another order ("Wang Cola" / "Cola Wang", the MT's habit of
switching between Chinese and Western name order) or the same letters with
and without spaces ("Feng Miao" / "Fengmiao", "Kuai Tuan Tuan" /
"Kuaituantuan"). The most frequent rendering is taken as the document's
own; the others are flagged with it as the suggestion.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence

from app.qa.base import Check, Flag, GlossaryEntry, QaSegment, register

_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*\b")
_FUNCTION_WORDS = frozenset(
    re.findall(
        r"\w+",
        "The A An In On At But And Or If When After Before As For From To Of With This "
        "That It He She They We I You His Her Their Our",
    )
)


def _mentions(segments: Sequence[QaSegment]) -> list[tuple[QaSegment, int, int, str]]:
    """Capitalised word n-grams (up to three words) and single words, with offsets."""
    found = []
    for segment in segments:
        for run in _CAPITALISED_RUN.finditer(segment.target):
            words = [
                (m.start() + run.start(), m.end() + run.start())
                for m in re.finditer(r"\S+", run.group(0))
            ]
            while words and segment.target[slice(*words[0])] in _FUNCTION_WORDS:
                words = words[1:]
            for n in (1, 2, 3):
                for i in range(len(words) - n + 1):
                    start, end = words[i][0], words[i + n - 1][1]
                    found.append((segment, start, end, segment.target[start:end]))
    return found


def _key(name: str) -> tuple[str, ...]:
    return tuple(sorted(name.lower().split()))


@register
class NameVariantsCheck(Check):
    id = "name-variants"
    description = "one name written in several ways (word order, spacing) in a document"
    category = "Fluency/Inconsistency"
    languages = frozenset({"en"})

    def run(
        self, segments: Sequence[QaSegment], glossary: Sequence[GlossaryEntry]
    ) -> Iterator[Flag]:
        mentions = _mentions(segments)
        by_form: dict[str, list[tuple[QaSegment, int, int]]] = defaultdict(list)
        for segment, start, end, text in mentions:
            by_form[text].append((segment, start, end))
        groups: dict[tuple[str, ...], set[str]] = defaultdict(set)
        multiword = [form for form in by_form if " " in form]
        for form in multiword:
            groups[("order", *_key(form))].add(form)
            joined = form.replace(" ", "")
            if joined.capitalize() in by_form and len(joined) >= 6:
                groups[("joined", joined.lower())].update({form, joined.capitalize()})
        for forms in groups.values():
            if len(forms) < 2:
                continue
            if (
                forms
                and all(len(f.split()) > 1 for f in forms)
                and len({f.split()[0] for f in forms}) < 2
            ):
                continue
            ranked = sorted(
                forms, key=lambda f: (-len(by_form[f]), min(s.position for s, _, _ in by_form[f]))
            )
            canonical = ranked[0]
            for form in ranked[1:]:
                for segment, start, end in by_form[form]:
                    yield self.flag(
                        segment,
                        start,
                        end,
                        f"{form!r} is also written {canonical!r} "
                        f"({len(by_form[canonical])}x) in this document",
                        canonical,
                    )
