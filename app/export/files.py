"""Writing export files so that a failed export never leaves a half file
where a complete one was expected: write beside, then rename."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from app.errors import ExportError


@contextlib.contextmanager
def replace_atomically(path: Path) -> Iterator[TextIO]:
    """A text handle (UTF-8, LF line ends) whose content becomes `path` only
    when the block finishes without an error."""
    temporary = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = temporary.open("w", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror}") from exc
    try:
        with handle:
            yield handle
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
