"""CJK characters left in a target whose language does not use them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from app.qa.base import Check, Flag, GlossaryEntry, QaSegment, register

#: Han (BMP and supplementary planes), kana, Hangul, CJK punctuation, fullwidth forms.
_CJK = (
    "\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f"
)
_RUN = re.compile(f"[{_CJK}]+")
_PUNCTUATION_ONLY = re.compile("[\u3000-\u303f\uff00-\uffef]+")


@register
class UntranslatedCjkCheck(Check):
    id = "untranslated-cjk"
    description = "Chinese, Japanese or Korean characters left in the target"
    category = "Accuracy/Untranslated text"
    severity = "Major"
    languages = frozenset({"en", "de", "fr", "es", "it", "pt", "nl", "ru", "und"})

    def run(
        self, segments: Sequence[QaSegment], glossary: Sequence[GlossaryEntry]
    ) -> Iterator[Flag]:
        for segment in segments:
            for match in _RUN.finditer(segment.target):
                if _PUNCTUATION_ONLY.fullmatch(match.group(0)):
                    yield self.flag(
                        segment,
                        match.start(),
                        match.end(),
                        f"full-width punctuation {match.group(0)!r}",
                        category="Fluency/Punctuation",
                        severity="Minor",
                    )
                else:
                    yield self.flag(
                        segment,
                        match.start(),
                        match.end(),
                        f"untranslated {match.group(0)!r}",
                    )
