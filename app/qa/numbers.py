"""Numbers, years and percentages that differ between source and MT.

Chinese numerals are read by `chinese_number` (一千二百三十四, 两万, 3.5亿,
二〇二一 read digit by digit as years are written); English numbers by their
digits plus a few words (million, billion, month names, one to twelve).
Values are compared, not spellings: 3.5亿 and "350 million" agree.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence

from app.qa.base import Check, Flag, GlossaryEntry, QaSegment, register

_DIGITS = {"零": 0, "\u3007": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}
_NUMERAL = "".join(_DIGITS) + "".join(_UNITS) + "".join(_BIG)

_SOURCE_NUMBER = re.compile(rf"(百分之)?((?:\d[\d,]*(?:\.\d+)?|[{_NUMERAL}点]+)[万亿]*)")


def chinese_number(text: str) -> float:
    """Value of a numeral such as 一千二百三十四, 十五, 3万, 二〇二一 or 三点五亿."""
    if re.fullmatch(r"[\d,]+(?:\.\d+)?", text):
        return float(text.replace(",", ""))
    head = re.match(r"([\d,]+(?:\.\d+)?)([万亿]+)$", text)
    if head:
        value = float(head.group(1).replace(",", ""))
        for ch in head.group(2):
            value *= _BIG[ch]
        return value
    if "点" in text:
        whole, _, frac = text.partition("点")
        tail = "".join(ch for ch in frac if ch in _DIGITS)
        big = "".join(ch for ch in frac if ch in _BIG)
        value = chinese_number(whole or "零") + float(
            "0." + "".join(str(_DIGITS[c]) for c in tail) if tail else 0
        )
        for ch in big:
            value *= _BIG[ch]
        return value
    if text and all(ch in _DIGITS for ch in text) and len(text) > 1:
        return float("".join(str(_DIGITS[ch]) for ch in text))  # 二〇二一
    total = section = 0.0
    digit = 0.0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            section += (digit or 1) * _UNITS[ch]
            digit = 0
        elif ch in _BIG:
            section += digit
            if _BIG[ch] == 100_000_000:
                total = (total + section) * _BIG[ch]
            else:
                total += section * _BIG[ch]
            section = digit = 0
    return total + section + digit


_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "half": 0.5,
}  # fmt: skip
_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_TARGET_NUMBER = re.compile(
    r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)(?:st|nd|rd|th|s)?(?:\s*(thousand|million|billion|trillion))?"
    r"|\b(" + "|".join([*_WORDS, *_MONTHS]) + r")\b",
    re.IGNORECASE,
)


def source_values(text: str) -> list[tuple[float, bool]]:
    """(value, written in Chinese numerals) for each number of a source."""
    values = []
    for match in _SOURCE_NUMBER.finditer(text):
        body = match.group(2)
        if not body.strip("点"):
            continue
        values.append((chinese_number(body), not body[0].isdigit()))
    return values


def target_values(text: str) -> list[tuple[float, int, int]]:
    found = []
    for match in _TARGET_NUMBER.finditer(text):
        if match.group(1):
            value = float(match.group(1).replace(",", ""))
            if match.group(2):
                value *= _SCALE[match.group(2).lower()]
        else:
            word = match.group(3).lower()
            value = _WORDS[word] if word in _WORDS else _MONTHS.index(word) + 1
        found.append((value, match.start(), match.end()))
    return found


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)


@register
class NumberMismatchCheck(Check):
    id = "number-mismatch"
    description = "numbers, years and percentages of the source missing from the MT, or added"
    category = "Accuracy/Mistranslation"
    severity = "Major"
    needs_source = True

    def run(
        self, segments: Sequence[QaSegment], glossary: Sequence[GlossaryEntry]
    ) -> Iterator[Flag]:
        for segment in segments:
            if not segment.source:
                continue
            source = source_values(segment.source)
            target = target_values(segment.target)
            unmatched_source = Counter(v for v, _ in source)
            extra: list[tuple[int, int]] = []
            for value, start, end in target:
                hit = next((v for v in unmatched_source if _same(v, value)), None)
                if hit is not None:
                    unmatched_source[hit] -= 1
                    if not unmatched_source[hit]:
                        del unmatched_source[hit]
                elif re.match(r"\d", segment.target[start:end]):
                    extra.append((start, end))
            written_in_words = {v for v, chinese in source if chinese and v <= 10}
            missing = [v for v in unmatched_source if v not in written_in_words]
            # 一个人 is "a person": small Chinese numerals are often no number at all.
            source_has = ", ".join(f"{v:g}" for v in missing)
            for start, end in extra:
                yield self.flag(
                    segment,
                    start,
                    end,
                    f"{segment.target[start:end]!r} is not in the source"
                    + (f" (the source has {source_has})" if missing else ""),
                )
            if missing and not extra:
                yield self.flag(
                    segment,
                    0,
                    len(segment.target),
                    f"{source_has} in the source missing from the MT",
                )
