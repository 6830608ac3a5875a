"""Static files that browsers may keep for a year without asking again.

Every URL that `url_for` builds for a static file carries a fingerprint of
the file's content (`?v=…`), so a changed file gets a new URL and a cached
copy is never stale (the lifetime is Config.SEND_FILE_MAX_AGE_DEFAULT).
Without this, each of the editor's scripts and style sheets was revalidated
on every page load.

In debug and testing a file is looked at on every `url_for`, so an edit
shows at once. Otherwise a file changes only with a deploy, which restarts
the server: its fingerprint is taken once per process, and templates reuse
the URL built the first time. A page links about a dozen static files; a
stat() and a URL build of each on every page view were a fifth of the
segment page's time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from flask import Flask, has_request_context, request

#: Static URLs kept for templates (a few dozen files, times the script roots).
_MAX_BUILT_URLS = 1024


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

    flask_url_for = cast(Callable[..., str], app.jinja_env.globals["url_for"])
    app.jinja_env.globals["url_for"] = _reusing_static_urls(app, flask_url_for)


def _reusing_static_urls(app: Flask, url_for: Callable[..., str]) -> Callable[..., str]:
    """Templates' `url_for`, which outside debug and testing builds the URL
    of a static file once per process and otherwise defers to Flask's.

    A relative URL depends on the script root besides the file, which a
    proxy may take from a request header: hence the key, and the bound on
    how many URLs are kept. Host matching would make URLs depend on the
    host too: then nothing is reused."""
    #: (script root, endpoint, filename) -> URL, of files that exist.
    built: dict[tuple[str, str, str], str] = {}

    def template_url_for(endpoint: str, /, **values: Any) -> str:
        filename = values.get("filename")
        if (
            filename is None
            or len(values) != 1
            or not (endpoint == "static" or endpoint.endswith(".static"))
            or endpoint.startswith(".")
            or app.debug
            or app.testing
            or app.url_map.host_matching
            or not has_request_context()
        ):
            return url_for(endpoint, **values)
        key = (request.script_root, endpoint, filename)
        url = built.get(key)
        if url is None:
            url = url_for(endpoint, **values)
            if "?v=" in url:
                if len(built) >= _MAX_BUILT_URLS:
                    built.clear()
                built[key] = url
        return url

    return template_url_for
