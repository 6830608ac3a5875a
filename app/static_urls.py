"""Static files that browsers may keep for a year without asking again.

Every URL that `url_for` builds for a static file carries a fingerprint of
the file's content (`?v=…`), so a changed file gets a new URL and a cached
copy is never stale (the lifetime is Config.SEND_FILE_MAX_AGE_DEFAULT).
Without this, each of the editor's scripts and style sheets was revalidated
on every page load.

In debug and testing a file is looked at on every `url_for`, so an edit
shows at once. Otherwise a file changes only with a deploy, which restarts
the server: its fingerprint is taken once per process. A page links about
a dozen static files, and a stat() of each on every page view was a tenth
of the segment page's time.
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


def _current_fingerprint(app: Flask, endpoint: str, filename: str) -> str | None:
    """The fingerprint of the file as it is now; None if there is no such file."""
    blueprint = endpoint.rpartition(".")[0]
    folder = app.static_folder if not blueprint else app.blueprints[blueprint].static_folder
    if folder is None:
        return None
    path = Path(folder) / filename
    try:
        stat = path.stat()
    except OSError:
        return None
    return _fingerprint(str(path), stat.st_mtime_ns)


def init_static_urls(app: Flask) -> None:
    #: (endpoint, filename) -> fingerprint, outside debug and testing. Only
    #: files that exist are kept, so it holds at most the static folders.
    taken: dict[tuple[str, str], str] = {}

    @app.url_defaults
    def _add_fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if not (endpoint == "static" or endpoint.endswith(".static")):
            return
        filename = values.get("filename")
        if not filename or "v" in values:
            return
        if app.debug or app.testing:
            fingerprint = _current_fingerprint(app, endpoint, filename)
        else:
            fingerprint = taken.get((endpoint, filename))
            if fingerprint is None:
                fingerprint = _current_fingerprint(app, endpoint, filename)
                if fingerprint is not None:
                    taken[endpoint, filename] = fingerprint
        if fingerprint is not None:
            values["v"] = fingerprint
