"""The one registry of export writers, by kebab-case name.

A writer takes a session, a corpus and an output path and returns the files
it wrote; it streams the corpus (never loads it whole) and never imports
Flask, so the CLI, the web pages and the tests share it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from app.errors import ExportError
from app.models import Corpus


class Writer(Protocol):
    def __call__(
        self, session: Session, corpus: Corpus, output: Path, *, progress: bool = False
    ) -> list[Path]: ...


WRITERS: dict[str, Writer] = {}
_KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def register(name: str) -> Callable[[Writer], Writer]:
    """Decorator: register a writer function under a kebab-case name."""
    if not _KEBAB.match(name):
        raise ValueError(f"writer name {name!r} is not kebab-case")

    def decorate(writer: Writer) -> Writer:
        if name in WRITERS and WRITERS[name] is not writer:
            raise ValueError(f"a writer named {name!r} is already registered")
        WRITERS[name] = writer
        return writer

    return decorate


def writer_named(name: str) -> Writer:
    try:
        return WRITERS[name]
    except KeyError:
        known = ", ".join(sorted(WRITERS))
        raise ExportError(f"unknown export format {name!r} (known: {known})") from None
