"""Numbers, years, percentages and units that differ between source and MT.

Chinese numerals are read by `chinese_number` (一千二百三十四, 两万, 3.5亿,
二〇二一 read digit by digit as years are written); English numbers by their
digits plus a few words (million, billion, "ten thousand" and "hundred
million" for 万 and 亿, month names, one to twelve). Values are compared,
not spellings: 3.5亿 and "350 million" agree, 5亿 and "50 million" do not.
Each number carries the unit written beside it (app.qa.units): 5公里 and
"5 km" agree, 5公里 and "5 metres" do not, and a number whose unit is
missing on one side is compared by its value alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from app.qa.base import Check, Flag, GlossaryEntry, QaSegment, register
from app.qa.units import Unit, same_quantity, unit_of, unit_percent

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
#: English multipliers, with the literal renderings of 万 and 亿 an MT writes.
_SCALE = {
    "thousand": 1e3, "ten thousand": 1e4, "hundred thousand": 1e5, "million": 1e6,
    "hundred million": 1e8, "billion": 1e9, "bn": 1e9, "trillion": 1e12,
}  # fmt: skip
_SCALES = "|".join(sorted(_SCALE, key=len, reverse=True))
_TARGET_NUMBER = re.compile(
    rf"(?:(?<![\w.])|(?<=RMB|USD|CNY|HKD|EUR))(?P<digits>\d[\d,]*(?:\.\d+)?)(?:st|nd|rd|th|s)?"
    rf"(?:\s*(?P<scale>{_SCALES})\b)?"
    rf"|\b(?P<word>{'|'.join(_WORDS)})\b(?:\s+(?P<word_scale>{_SCALES})\b)?"
    rf"|\b(?P<month>{'|'.join(_MONTHS)})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quantity:
    """A number with its unit, if any, and the text of both (`start`, `end`
    are code-point offsets). `words`: written in Chinese numerals or English
    words rather than digits."""

    value: float
    unit: Unit | None
    start: int
    end: int
    text: str
    words: bool


def source_quantities(text: str) -> list[Quantity]:
    """Each number of a Chinese source with its unit (百分之三十, 3.5亿元)."""
    found = []
    position = 0
    while match := _SOURCE_NUMBER.search(text, position):
        position = match.end()
        body = match.group(2)
        if not body.strip("点"):
            continue
        unit, start, end = unit_of(text, match.start(), match.end(), source=True)
        if match.group(1):
            unit = unit_percent()
        position = end  # 3个百分点: the 百 of the unit is no number
        words = not body[0].isdigit()
        found.append(Quantity(chinese_number(body), unit, start, end, text[start:end], words))
    return found


def target_quantities(text: str) -> list[Quantity]:
    """Each number of an English target with its unit ($5 million, 30-year-old)."""
    found = []
    for match in _TARGET_NUMBER.finditer(text):
        if match.group("digits"):
            value = float(match.group("digits").replace(",", ""))
            scale = match.group("scale")
        elif match.group("word"):
            value = _WORDS[match.group("word").lower()]
            scale = match.group("word_scale")
        else:
            found.append(
                Quantity(_MONTHS.index(match.group("month").lower()) + 1, None,
                         match.start(), match.end(), match.group(0), True)
            )  # fmt: skip
            continue
        if scale:
            value *= _SCALE[scale.lower()]
        unit, start, end = unit_of(text, match.start(), match.end(), source=False)
        words = not match.group("digits")
        found.append(Quantity(value, unit, start, end, text[start:end], words))
    return found


def _pair_off(
    sources: list[Quantity], targets: list[Quantity], fits: Callable[[Quantity, Quantity], bool]
) -> tuple[list[tuple[Quantity, Quantity]], list[Quantity]]:
    """Pair each target, in order, with the first unpaired source it fits;
    returns the pairs and the targets left over. Paired sources are removed."""
    pairs, left = [], []
    for target in targets:
        found = next((s for s in sources if fits(s, target)), None)
        if found is None:
            left.append(target)
        else:
            sources.remove(found)
            pairs.append((found, target))
    return pairs, left


def _same_unit(s: Quantity, t: Quantity) -> bool:
    both = (s.unit is None) == (t.unit is None)
    return both and same_quantity(s.value, s.unit, t.value, t.unit) is True


def _agrees(s: Quantity, t: Quantity) -> bool:
    return same_quantity(s.value, s.unit, t.value, t.unit) is True


def _contradicts(s: Quantity, t: Quantity) -> bool:
    return same_quantity(s.value, s.unit, t.value, t.unit) is False


@register
class NumberMismatchCheck(Check):
    id = "number-mismatch"
    description = (
        "numbers, years, percentages and units of the source missing from the MT, added or changed"
    )
    category = "Accuracy/Mistranslation"
    severity = "Major"
    needs_source = True
    version = 2

    def run(
        self, segments: Sequence[QaSegment], glossary: Sequence[GlossaryEntry]
    ) -> Iterator[Flag]:
        for segment in segments:
            if not segment.source:
                continue
            source = source_quantities(segment.source)
            # Same units first, so that a unitless number cannot take the
            # source amount a number with the right unit needed.
            _, left = _pair_off(source, target_quantities(segment.target), _same_unit)
            _, left = _pair_off(source, left, _agrees)
            changed, left = _pair_off(source, left, _contradicts)
            extra = [t for t in left if not t.words]
            # 一个人 is "a person": small Chinese numerals are often no number at all.
            missing = [s for s in source if not (s.words and s.value <= 10)]
            source_has = ", ".join(s.text for s in missing)
            found: list[tuple[int, int, str]] = [
                (t.start, t.end, f"{t.text!r} where the source has {s.text!r} "
                 f"({s.unit.name if s.unit else '-'}, not {t.unit.name if t.unit else '-'})")
                for s, t in changed
            ]  # fmt: skip
            found += [
                (t.start, t.end, f"{t.text!r} is not in the source"
                 + (f" (the source has {source_has})" if missing else ""))
                for t in extra
            ]  # fmt: skip
            for start, end, message in sorted(found):
                yield self.flag(segment, start, end, message)
            if missing and not found:
                yield self.flag(
                    segment,
                    0,
                    len(segment.target),
                    f"{source_has} in the source missing from the MT",
                )
