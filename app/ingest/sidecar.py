"""`<name>.meta.json` files: what a plain data file cannot say about itself.

A text file has no place for its corpus, system or languages, and a JSONL
export keeps corpus and document details out of its per-line records; both
put them in a JSON object beside the data. Readers take defaults from it;
command-line options still win.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.errors import IngestError

SUFFIX = ".meta.json"


def sidecar_path(path: Path) -> Path | None:
    """`NAME.meta.json` beside `NAME.jsonl`, or `<stem>.meta.json` beside
    `<stem>.en.txt` (stem = the name up to its first dot)."""
    candidates = [path.with_name(path.name.rsplit(".", 1)[0] + SUFFIX)]
    stem = path.name.split(".", 1)[0]
    if stem:
        candidates.append(path.with_name(stem + SUFFIX))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def read_sidecar(path: Path) -> tuple[Path, dict[str, Any]] | None:
    """The sidecar of `path` parsed, or None when there is none."""
    meta_path = sidecar_path(path)
    if meta_path is None:
        return None
    try:
        text = meta_path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(meta_path, None, f"not valid UTF-8 at byte {exc.start}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(meta_path, exc.lineno, f"invalid JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise IngestError(meta_path, 1, "expected a JSON object")
    return meta_path, data


def optional_str(
    data: dict[str, Any], key: str, where: Path, line: int | None = None
) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise IngestError(where, line, f"{key!r} must be a string or null, not {type(value).__name__}")
