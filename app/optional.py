"""Importing the parts of an area that may be absent from an installation
(an editor panel, a report page, an area's commands)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable


def import_optional(modules: Iterable[str]) -> None:
    """Import each module for its side effects (registering views or
    commands); a missing module is skipped, an import error inside one that
    exists is raised."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name not in (module, module.rpartition(".")[0]):
                raise
