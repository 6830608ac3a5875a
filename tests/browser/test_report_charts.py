"""The charts page in a real Chromium under the app's CSP: every chart is
drawn with as many bars as its data has rows, SVG and PNG exports download
real files, nothing breaks the CSP, and the charts, report and annotate
pages are captured as screenshots (desktop, and the charts at tablet width)."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.assignment import create_campaign
from app.extensions import db
from app.models import Assignment, Corpus, Document, Segment, Translation, User
from app.reports.chart_data import chart_data
from tests.browser.conftest import REPO, LiveServer
from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

PASSWORD = "charts-password-1"
SVG = "{http://www.w3.org/2000/svg}"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: Records CSP violations before any page script runs (init scripts are
#: injected by the browser driver, outside the page's CSP).
CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


@pytest.fixture(scope="module")
def seeded(live_server: LiveServer) -> dict:
    """The seed article with its annotations, a researcher, and an
    annotator with a campaign; returns the chart data and an annotate path."""
    from app.ingest import import_path

    with live_server.app.app_context():
        import_path(db.session, REPO / "source_texts")
        import_path(db.session, REPO / "annotations" / "latepost.jsonl")
        researcher = User(username="charts-researcher", role="researcher")
        annotator = User(username="charts-annotator")
        for user in (researcher, annotator):
            user.set_password(PASSWORD)
        db.session.add_all([researcher, annotator])
        db.session.flush()
        corpus = db.session.scalars(sa.select(Corpus)).one()
        create_campaign(db.session, name="charts", corpus=corpus, annotators=[annotator])
        db.session.commit()
        document_id, position = db.session.execute(
            sa.select(Document.id, Segment.position)
            .join(Segment, Segment.document_id == Document.id)
            .join(Translation, Translation.segment_id == Segment.id)
            .join(Assignment, Assignment.translation_id == Translation.id)
            .where(Assignment.annotator_id == annotator.id)
            .order_by(Segment.position)
        ).first()
        return {
            "corpus": corpus.name,
            "data": chart_data(db.session, corpus),
            "annotate": f"/annotate/{document_id}/{position}",
        }


def _page(browser, width: int = 1280, height: int = 900) -> tuple[Page, list[str]]:
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def _no_errors(page: Page, errors: list[str]) -> None:
    assert errors == [], errors
    assert page.evaluate("window.__csp") == []


def _screenshot(page: Page, path: Path, min_bytes: int = 15_000) -> None:
    page.screenshot(path=path, full_page=True)
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > min_bytes, f"{path.name} is only {len(data)} bytes"


def _expected_bars(data: dict) -> dict[str, int]:
    return {
        "errors": len(data["errors"]),
        "documents": len(data["documents"]),
        "systems": len(data["systems"]),
        "hist-mqm": len(data["histograms"]["mqm"]),
        "hist-chrf": len(data["histograms"]["chrf"]),
        "hist-ter": len(data["histograms"]["ter"]),
        "worst": len(data["worst"]),
        "progress": len(data["progress"]),
    }


def _wait_for_charts(page: Page, data: dict) -> None:
    for key, bars in _expected_bars(data).items():
        assert bars > 0, f"the seed data gives the {key} chart nothing to draw"
        figure = page.locator(f"#chart-{key}")
        expect(figure).to_have_attribute("data-rendered", "true")
        svg = figure.locator(".chart-plot svg")
        box = svg.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50, (key, box)
        expect(svg.locator("g.bar")).to_have_count(bars)
        assert (svg.get_attribute("aria-label") or "").strip(), key
        assert figure.locator("figcaption h3").inner_text().strip()


def test_charts_render_and_export(live_server: LiveServer, browser, seeded, artifacts: Path):
    data = seeded["data"]
    page, errors = _page(browser)
    log_in(page, live_server.url, "charts-researcher", PASSWORD)
    page.goto(f"{live_server.url}/reports/{seeded['corpus']}")
    expect(page.locator("#count-finished")).to_have_text(
        f"{data['n_segments']} / {data['n_total']}"
    )
    _screenshot(page, artifacts / "charts-01-report.png")

    page.locator("#charts-link").click()
    expect(page.locator("h1")).to_contain_text("Charts")
    _wait_for_charts(page, data)
    errors_chart = page.locator("#chart-errors")
    marks = sum(1 for row in data["errors"] for n in row["counts"].values() if n)
    expect(errors_chart.locator("svg rect.mark")).to_have_count(marks)
    # Bars carry the category names from the data, as text, not markup.
    labels = errors_chart.locator("svg g.bar").evaluate_all(
        "els => els.map(e => e.getAttribute('data-label'))"
    )
    assert labels == [row["category"] for row in data["errors"]]
    _screenshot(page, artifacts / "charts-02-charts.png", min_bytes=40_000)

    with page.expect_download() as info:
        errors_chart.get_by_role("button", name="Download SVG").click()
    svg_download = info.value
    assert svg_download.suggested_filename.endswith("-errors.svg")
    svg_download.save_as(artifacts / "charts-export-errors.svg")
    root = ET.fromstring(Path(svg_download.path()).read_bytes())
    assert root.tag == f"{SVG}svg"
    assert len(root.findall(f".//{SVG}g[@class='bar']")) == len(data["errors"])
    assert len(root.findall(f".//{SVG}rect[@class='mark']")) == marks
    assert root.find(f"{SVG}title").text.startswith("Errors by category and severity")

    with page.expect_download() as info:
        errors_chart.get_by_role("button", name="Download PNG").click()
    png_download = info.value
    assert png_download.suggested_filename.endswith("-errors.png")
    png_download.save_as(artifacts / "charts-export-errors.png")
    png = Path(png_download.path()).read_bytes()
    assert png.startswith(PNG_MAGIC)
    width, height = struct.unpack(">II", png[16:24])
    # Drawn at twice the chart's size, for sharp printing.
    assert (width, height) == (2 * int(root.get("width")), 2 * int(root.get("height")))
    assert len(png) > 5_000
    _no_errors(page, errors)
    page.context.close()


def test_charts_fit_a_tablet(live_server: LiveServer, browser, seeded, artifacts: Path):
    page, errors = _page(browser, 820, 1180)
    log_in(page, live_server.url, "charts-researcher", PASSWORD)
    page.goto(f"{live_server.url}/reports/{seeded['corpus']}/charts")
    _wait_for_charts(page, seeded["data"])
    overflow = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], overflow
    for svg in page.locator(".chart-plot svg").all():
        box = svg.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 820, box
    _screenshot(page, artifacts / "charts-03-tablet.png", min_bytes=40_000)
    # Widening the window redraws the charts to the new width.
    svg = page.locator("#chart-errors .chart-plot svg")
    narrow = int(svg.get_attribute("width"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_function(
        "w => Number(document.querySelector('#chart-errors .chart-plot svg')"
        ".getAttribute('width')) > w",
        arg=narrow,
    )
    expect(svg.locator("g.bar")).to_have_count(len(seeded["data"]["errors"]))
    _no_errors(page, errors)
    page.context.close()


def test_annotate_page_screenshot(live_server: LiveServer, browser, seeded, artifacts: Path):
    page, errors = _page(browser)
    log_in(page, live_server.url, "charts-annotator", PASSWORD)
    page.goto(live_server.url + seeded["annotate"])
    mt = page.locator("#mt")
    expect(mt).to_be_visible()
    assert mt.inner_text().strip()
    _screenshot(page, artifacts / "charts-04-annotate.png")
    _no_errors(page, errors)
    # Annotators do not see reports or their charts.
    response = page.goto(f"{live_server.url}/reports/{seeded['corpus']}/charts")
    assert response is not None and response.status == 403
    assert page.locator("#chart-data").count() == 0
    page.context.close()
