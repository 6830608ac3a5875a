"""Errors that carry enough context for a user to fix their input.

Ingest, scoring and export raise these; the CLI prints them and the web layer
turns them into JSON (under /api) or HTML responses.
"""

from __future__ import annotations

from pathlib import Path


class MtqaError(Exception):
    """Base of every error mtqa reports to a user instead of a traceback."""


class IngestError(MtqaError):
    """Bad input file: names the file, the line (when known) and the problem."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class ExportError(MtqaError):
    """An export that cannot be written as asked (unknown corpus, bad path)."""


class NotFoundError(MtqaError):
    """A named object (corpus, user, document) that does not exist."""
