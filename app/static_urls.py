"""Static files that browsers may keep for a year without asking again.

Every URL that `url_for` builds for a static file carries a fingerprint of
the file's content (`?v=…`), so a changed file gets a new URL and a cached
copy is never stale (the lifetime is Config.SEND_FILE_MAX_AGE_DEFAULT).
Without this, each of the editor's scripts and style sheets was revalidated
on every page load.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask


@lru_cache(maxsize=512)
def _fingerprint(path: str, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def init_static_urls(app: Flask) -> None:
    @app.url_defaults
    def _add_fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if not (endpoint == "static" or endpoint.endswith(".static")):
            return
        filename = values.get("filename")
        if not filename or "v" in values:
            return
        blueprint = endpoint.rpartition(".")[0]
        folder = app.static_folder if not blueprint else app.blueprints[blueprint].static_folder
        if folder is None:
            return
        path = Path(folder) / filename
        try:
            stat = path.stat()
        except OSError:
            return
        values["v"] = _fingerprint(str(path), stat.st_mtime_ns)
