"""Static files: fingerprinted URLs, cached for a year, a new URL when the file changes."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask, render_template_string, url_for
from flask.testing import FlaskClient

from tests.conftest import make_user


def test_static_urls_carry_a_content_fingerprint_and_are_cached(
    app: Flask, client: FlaskClient
) -> None:
    with app.test_request_context():
        url = url_for("static", filename="js/annotate.js")
        blueprint_url = url_for("reports.static", filename="charts.js")
    assert re.fullmatch(r"/static/js/annotate\.js\?v=[0-9a-f]{12}", url)
    assert re.search(r"\?v=[0-9a-f]{12}$", blueprint_url)
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.cache_control.max_age == 365 * 24 * 3600


def test_a_changed_file_gets_a_new_url(app: Flask, tmp_path: Path) -> None:
    folder = Path(app.static_folder or "")
    probe = folder / "probe-fingerprint.txt"
    try:
        probe.write_text("one", encoding="utf-8")
        with app.test_request_context():
            first = url_for("static", filename=probe.name)
        probe.write_text("two, longer", encoding="utf-8")
        with app.test_request_context():
            second = url_for("static", filename=probe.name)
    finally:
        probe.unlink(missing_ok=True)
    assert first != second


def test_outside_debug_and_testing_a_file_is_fingerprinted_once(app: Flask) -> None:
    """In production a static file changes only with a deploy, which
    restarts the server: the URL stays that of the file as first seen (no
    stat() or URL build on every url_for), in code and in templates alike,
    and still names the file's content."""
    folder = Path(app.static_folder or "")
    probe = folder / "probe-fingerprint-once.txt"
    in_template = "{{ url_for('static', filename=name) }}"

    def urls() -> tuple[str, str]:
        with app.test_request_context():
            return (
                url_for("static", filename=probe.name),
                render_template_string(in_template, name=probe.name),
            )

    app.testing = False
    try:
        probe.write_text("one", encoding="utf-8")
        first = urls()
        probe.write_text("two, longer", encoding="utf-8")
        again = urls()
        app.testing = True
        rechecked = urls()
    finally:
        app.testing = True
        probe.unlink(missing_ok=True)
    assert re.search(r"\?v=[0-9a-f]{12}$", first[0])
    assert first[1] == first[0]
    assert again == first
    assert rechecked[0] != first[0]
    assert rechecked[1] == rechecked[0]


def test_pages_link_fingerprinted_files(app: Flask, client: FlaskClient, auth) -> None:
    make_user("ann")
    auth.login()
    page = client.get("/").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert links and all("?v=" in link for link in links)
