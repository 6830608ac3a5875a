"""The MQM categories arranged for the span dialog: top-level groups, each
with its subtypes, so that two number keys pick any of the 22 categories."""

from __future__ import annotations

from dataclasses import dataclass

from app.mqm import CATEGORIES, CATEGORY_LABELS


@dataclass(frozen=True)
class CategoryGroup:
    name: str
    #: (category as stored, label shown)
    members: list[tuple[str, str]]


def category_groups() -> list[CategoryGroup]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for category in CATEGORIES:
        label = CATEGORY_LABELS[category]
        group, _, subtype = label.partition("/")
        groups.setdefault(group, []).append((category, subtype or label))
    return [CategoryGroup(name, members) for name, members in groups.items()]
