# ruff: noqa: RUF001  (full-width signs are units of Chinese text)
"""Units of measure and currencies written next to a number, for the
number check: in a Chinese source after the number (5公里, 3.5亿元, 三个小时)
or before it (百分之, 人民币, $), in an English target after it (5 km,
350 million yuan, 30-year-old) or before it ($5 million, RMB 5, aged 30).

A unit has a dimension and a factor to the dimension's base unit, so 5公里
and "5,000 metres" agree while 5公里 and "5 miles" do not; currencies are
dimensions of their own (no exchange rates), and a unit the table does
not know counts as no unit. Forms that are usually
something else are left out: a bare "m" (metres or million), "g" (5G), "t",
"h"; 年 and 月 (a year or a month as often as a duration).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    name: str
    dimension: str
    #: The unit in the dimension's base unit (metres, grams, seconds, one of a currency).
    factor: float = 1.0


#: Each unit with its Chinese forms (after a number) and English forms.
TABLE: tuple[tuple[Unit, tuple[str, ...], tuple[str, ...]], ...] = (
    (Unit("km", "length", 1000), ("公里", "千米"),
     ("km", "kms", "kilometres", "kilometre", "kilometers", "kilometer")),
    (Unit("m", "length"), ("米",), ("metres", "metre", "meters", "meter")),
    (Unit("miles", "length", 1609.344), ("英里",), ("miles", "mile")),
    (Unit("kg", "mass", 1000), ("公斤", "千克"),
     ("kg", "kgs", "kilograms", "kilogram", "kilogrammes", "kilos", "kilo")),
    (Unit("g", "mass"), ("克",), ("grams", "gram", "grammes")),
    (Unit("t", "mass", 1e6), ("吨",), ("tonnes", "tonne", "tons", "ton")),
    (Unit("jin", "mass", 500), ("斤",), ("jin", "catties", "catty")),
    (Unit("CNY", "CNY"), ("元", "块", "人民币"), ("yuan", "RMB", "CNY", "renminbi")),
    (Unit("USD", "USD"), ("美元", "美金"),
     ("US dollars", "U.S. dollars", "dollars", "dollar", "USD")),
    (Unit("HKD", "HKD"), ("港元", "港币"), ("Hong Kong dollars", "HK dollars", "HKD")),
    (Unit("EUR", "EUR"), ("欧元",), ("euros", "euro", "EUR")),
    (Unit("%", "percent"), ("%", "％"), ("%", "percent", "per cent")),
    (Unit("percentage points", "points"), ("百分点",), ("percentage points", "percentage point")),
    (Unit("hours", "time", 3600), ("小时", "钟头"), ("hours", "hour", "hrs", "hr")),
    (Unit("minutes", "time", 60), ("分钟",), ("minutes", "minute", "mins", "min")),
    (Unit("days", "time", 86400), ("天",), ("days", "day")),
    (Unit("weeks", "time", 604800), ("周", "星期"), ("weeks", "week")),
    (Unit("years old", "age"), ("岁", "周岁"), ("years old", "year old", "years-old", "year-old")),
)  # fmt: skip

_BY_NAME = {unit.name: unit for unit, _, _ in TABLE}
#: Signs and codes written before the number, in either language.
_BEFORE = {
    "US$": "USD", "$": "USD", "USD": "USD", "HK$": "HKD", "HKD": "HKD", "€": "EUR", "EUR": "EUR",
    "¥": "CNY", "￥": "CNY", "RMB": "CNY", "CNY": "CNY", "人民币": "CNY", "aged": "years old",
}  # fmt: skip


def _alternatives(forms: Iterable[str]) -> str:
    """Longest first, so that "US dollars" is tried before "dollars"."""
    return "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))


def _lookup(table: dict[str, Unit], found: str) -> Unit:
    return table.get(found) or table[found.lower()]


_SOURCE_FORMS = {form: unit for unit, chinese, _ in TABLE for form in chinese}
_TARGET_FORMS = {form.lower(): unit for unit, _, english in TABLE for form in english}
# 三十多岁, 3万多元, 三个小时: "more than" and the measure word before the unit.
_SOURCE_AFTER = re.compile(rf"[多余]?个?({_alternatives(_SOURCE_FORMS)})")
_TARGET_AFTER = re.compile(rf"\s*-?\s*({_alternatives(_TARGET_FORMS)})(?![^\W\d_])", re.IGNORECASE)
_BEFORE_SIGN = re.compile(rf"(?<![^\W\d_])({_alternatives(_BEFORE)})\s*$")


def unit_percent() -> Unit:
    """The unit of 百分之三十, which the number's own pattern reads."""
    return _BY_NAME["%"]


def unit_after(text: str, end: int, *, source: bool) -> tuple[Unit, int] | None:
    """The unit written right after a number ending at `end`, and where it ends."""
    pattern, forms = (_SOURCE_AFTER, _SOURCE_FORMS) if source else (_TARGET_AFTER, _TARGET_FORMS)
    match = pattern.match(text, end)
    return (_lookup(forms, match.group(1)), match.end()) if match else None


def unit_before(text: str, start: int) -> tuple[Unit, int] | None:
    """The sign or code written right before a number starting at `start`
    ($, RMB, 人民币, aged), and where it starts."""
    match = _BEFORE_SIGN.search(text, max(0, start - 12), start)
    return (_BY_NAME[_BEFORE[match.group(1)]], match.start()) if match else None


def unit_of(text: str, start: int, end: int, *, source: bool) -> tuple[Unit | None, int, int]:
    """The unit of the number at text[start:end] (after it, else before it)
    and the span of number and unit together."""
    after = unit_after(text, end, source=source)
    before = unit_before(text, start)
    if before is not None:
        start = before[1]
    if after is not None:
        return after[0], start, after[1]
    return (before[0] if before else None), start, end


def same_quantity(a: float, unit_a: Unit | None, b: float, unit_b: Unit | None) -> bool | None:
    """True when two amounts agree, False when their units contradict each
    other, None when there is nothing to compare (no unit on one side and
    different numbers). A missing unit agrees with any: MT often drops one."""
    if unit_a is None or unit_b is None:
        return True if _close(a, b) else None
    if unit_a.dimension == unit_b.dimension and _close(a * unit_a.factor, b * unit_b.factor):
        return True
    return False if _close(a, b) else None


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)
