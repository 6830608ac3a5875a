"""Spacing and punctuation faults that an MT leaves after joining fragments."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from app.qa.base import Check, Flag, GlossaryEntry, QaSegment, register

#: (pattern, message, replacement of the matched text)
_PATTERNS: tuple[tuple[re.Pattern[str], str, str | None], ...] = (
    (re.compile(r"[?!] ,"), "comma after a question or exclamation mark", None),
    (re.compile(r"(?<=[^\s?!]) +(?=[,.;:!?](?!\d))"), "space before punctuation", ""),
    (re.compile(r"(?<=\S) {2,}(?=\S)"), "doubled space", " "),
)

_PAIRS = {"(": ")", "[": "]", "{": "}", "\u201c": "\u201d", "\u2018": "\u2019"}
_CLOSERS = {close: open_ for open_, close in _PAIRS.items()}


def _unmatched_brackets(text: str) -> list[int]:
    """Offsets of brackets and curly quotes without a partner. A right single
    quote between letters is an apostrophe (friend's), not a closing quote."""
    stack: list[tuple[str, int]] = []
    lone: list[int] = []
    for i, ch in enumerate(text):
        if ch in _PAIRS:
            stack.append((ch, i))
        elif ch in _CLOSERS:
            if (
                ch == "\u2019"
                and 0 < i < len(text) - 1
                and text[i - 1].isalpha()
                and (text[i + 1].isalpha() or not any(o == "\u2018" for o, _ in stack))
            ):
                continue
            if stack and stack[-1][0] == _CLOSERS[ch]:
                stack.pop()
            else:
                lone.append(i)
    return sorted(lone + [i for _, i in stack])


@register
class SpacingPunctuationCheck(Check):
    id = "spacing-punctuation"
    description = "' ,', ' .', '? ,', doubled spaces, unmatched quotes and brackets"
    category = "Fluency/Punctuation"

    def run(
        self, segments: Sequence[QaSegment], glossary: Sequence[GlossaryEntry]
    ) -> Iterator[Flag]:
        for segment in segments:
            text = segment.target
            for pattern, message, replacement in _PATTERNS:
                for match in pattern.finditer(text):
                    yield self.flag(segment, match.start(), match.end(), message, replacement)
            for i in _unmatched_brackets(text):
                yield self.flag(segment, i, i + 1, f"unmatched {text[i]}")
            if text.count('"') % 2:
                i = text.rindex('"')
                yield self.flag(segment, i, i + 1, 'unmatched "')
