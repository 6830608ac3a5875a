"""The one registry of input readers, by kebab-case name and file extension.

A reader turns one file into a `Batch` of plain records and never touches the
database, so a new format is one class registered here; the loader, the
one-transaction rule and the idempotence checks come for free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol, TypeVar

from app.errors import MtqaError
from app.ingest.records import Batch


@dataclass(frozen=True)
class ImportOptions:
    """What the user said on the command line; readers fill the gaps from the
    file itself (sidecar metadata, headers) and options always win."""

    corpus_name: str | None = None
    system: str | None = None
    source_lang: str | None = None
    target_lang: str | None = None


class Reader(Protocol):
    name: ClassVar[str]
    #: File name endings without the dot ("txt", "tsv.gz"), lower case.
    extensions: ClassVar[tuple[str, ...]]

    def read(self, path: Path, options: ImportOptions) -> Batch: ...


READERS: dict[str, Reader] = {}
_KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
R = TypeVar("R", bound=type)


def register(cls: R) -> R:
    """Class decorator: register one instance of a reader under its name."""
    reader = cls()
    if not _KEBAB.match(reader.name):
        raise ValueError(f"reader name {reader.name!r} is not kebab-case")
    if reader.name in READERS:
        raise ValueError(f"a reader named {reader.name!r} is already registered")
    for other in READERS.values():
        shared = set(other.extensions) & set(reader.extensions)
        if shared:
            raise ValueError(f"{reader.name!r} and {other.name!r} both claim {sorted(shared)}")
    READERS[reader.name] = reader
    return cls


def reader_named(name: str) -> Reader:
    try:
        return READERS[name]
    except KeyError:
        known = ", ".join(sorted(READERS))
        raise MtqaError(f"unknown input format {name!r} (known: auto, {known})") from None


def reader_for(path: Path, fmt: str = "auto") -> Reader | None:
    """The reader for `path`: the named one, or the one claiming its extension
    (the longest matching ending wins, so "x.tsv.gz" is not read as "gz")."""
    if fmt != "auto":
        return reader_named(fmt)
    name = path.name.lower()
    best: tuple[int, Reader] | None = None
    for reader in READERS.values():
        for ext in reader.extensions:
            if name.endswith("." + ext) and (best is None or len(ext) > best[0]):
                best = (len(ext), reader)
    return best[1] if best else None


def is_sidecar(path: Path) -> bool:
    return path.name.lower().endswith(".meta.json")


def files_to_import(path: Path, fmt: str = "auto") -> tuple[list[tuple[Path, Reader]], list[Path]]:
    """Every importable file of a directory (sorted, not recursive, sidecars
    left to their readers), or the one file given; plus the files skipped."""
    if path.is_dir():
        chosen: list[tuple[Path, Reader]] = []
        skipped: list[Path] = []
        for child in sorted(p for p in path.iterdir() if p.is_file()):
            if is_sidecar(child) or child.name.startswith("."):
                continue
            reader = reader_for(child)
            if reader is None or (fmt != "auto" and reader is not reader_named(fmt)):
                skipped.append(child)
            else:
                chosen.append((child, reader))
        if not chosen:
            raise MtqaError(f"{path}: no importable files (known endings: {_endings()})")
        return chosen, skipped
    reader = reader_for(path, fmt)
    if reader is None:
        raise MtqaError(
            f"{path}: cannot tell the format from the file name; pass --format "
            f"(known endings: {_endings()})"
        )
    return [(path, reader)], []


def _endings() -> str:
    return ", ".join(sorted("." + e for r in READERS.values() for e in r.extensions))
