"""Pronoun gender that disagrees with what the document says of a named person.

The heuristic favours precision over recall:

* A person is a glossary entry whose note starts with "person" (its target
  term and wrong variants are all names of that person, and "; he." or
  "; she." in the note fixes the gender), or a capitalised two-word name
  whose first word is a common Chinese surname in pinyin.
* Only segments that name exactly one person are read, and only the
  pronouns after that name and outside quotation marks, and only if the
  segment holds no pronouns of both genders (two people are then likely).
* Without a glossary gender, the first such pronoun introduces the gender;
  it stands only if later ones agree at least as often as they disagree.
* A pronoun of the other gender in such a segment is flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from app.qa.base import Check, Flag, GlossaryEntry, QaSegment, register

_PRONOUNS = re.compile(r"\b(he|him|his|himself|she|her|hers|herself)\b", re.IGNORECASE)
_FEMININE = frozenset({"she", "her", "hers", "herself"})
_OPPOSITE = {"he": "she", "him": "her", "his": "her", "himself": "herself"}
_OPPOSITE |= {"she": "he", "her": "his", "hers": "his", "herself": "himself"}
_SURNAMES = frozenset(
    re.findall(
        r"\w+",
        "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Gao Lin Luo "
        "Zheng Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang "
        "Yu Du Ye Cheng Wei Su Lu Ding Ren Shen Yao Jin Fu Dai Fan Fang Shi Qian Tan Zou Xiong",
    )
)
_SURNAME_NAME = re.compile(r"\b(" + "|".join(sorted(_SURNAMES)) + r") [A-Z][a-z]+\b")
_QUOTED = re.compile(r"“[^”]*”?|\"[^\"]*\"?")


@dataclass
class _Person:
    name: str
    aliases: set[str]
    gender: str | None = None  # "f" / "m"
    votes: list[tuple[QaSegment, re.Match[str]]] = field(default_factory=list)


def _gender(word: str) -> str:
    return "f" if word.lower() in _FEMININE else "m"


def _persons(segments: Sequence[QaSegment], glossary: Sequence[GlossaryEntry]) -> list[_Person]:
    persons: dict[str, _Person] = {}
    for entry in glossary:
        if not entry.note.lower().startswith("person"):
            continue
        gender = re.search(r";\s*(he|she)\b", entry.note)
        persons[entry.target_term] = _Person(
            entry.target_term,
            {entry.target_term, *entry.wrong_variants},
            {"she": "f", "he": "m"}[gender.group(1)] if gender else None,
        )
    known = {alias for p in persons.values() for alias in p.aliases}
    for segment in segments:
        for match in _SURNAME_NAME.finditer(segment.target):
            if not any(match.group(0) in alias for alias in known):
                persons.setdefault(match.group(0), _Person(match.group(0), {match.group(0)}))
    return list(persons.values())


def _alias_pattern(aliases: set[str]) -> re.Pattern[str]:
    names = sorted(aliases, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)")


@register
class PronounGenderCheck(Check):
    id = "pronoun-gender"
    description = "a pronoun whose gender contradicts the named person it can only refer to"
    category = "Accuracy/Mistranslation"
    languages = frozenset({"en"})

    def run(
        self, segments: Sequence[QaSegment], glossary: Sequence[GlossaryEntry]
    ) -> Iterator[Flag]:
        persons = _persons(segments, glossary)
        patterns = [(person, _alias_pattern(person.aliases)) for person in persons]
        for segment in segments:
            named = [(p, m) for p, pat in patterns if (m := pat.search(segment.target))]
            if len(named) != 1:
                continue
            person, mention = named[0]
            quoted = [(q.start(), q.end()) for q in _QUOTED.finditer(segment.target)]
            pronouns = [
                m
                for m in _PRONOUNS.finditer(segment.target, mention.end())
                if not any(s <= m.start() < e for s, e in quoted)
            ]
            if len({_gender(m.group(0)) for m in pronouns}) == 1:
                person.votes.extend((segment, m) for m in pronouns)
        for person in persons:
            gender = person.gender
            if gender is None and person.votes:
                gender = _gender(person.votes[0][1].group(0))
                agree = sum(_gender(m.group(0)) == gender for _, m in person.votes)
                if agree * 2 < len(person.votes):
                    continue
            for segment, match in person.votes:
                word = match.group(0)
                if gender is not None and _gender(word) != gender:
                    yield self.flag(
                        segment,
                        match.start(),
                        match.end(),
                        f"{word!r} for {person.name}, who is "
                        f"{'she' if gender == 'f' else 'he'} "
                        + ("in the glossary" if person.gender else "elsewhere in the document"),
                        _match_case(_OPPOSITE[word.lower()], word),
                    )


def _match_case(word: str, like: str) -> str:
    return word.capitalize() if like[:1].isupper() else word
