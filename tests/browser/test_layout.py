"""The segment editor's layout: a source sits beside the MT and the post-edit
on a laptop (source on the left) and above them on a tablet, without
horizontal scrolling; without a source, the note about it sits above. axe
finds nothing serious in the two-column layout either."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import assigned_document, log_in
from tests.browser.test_accessibility import AXE, AXE_PATH, audit

pytestmark = pytest.mark.browser

PASSWORD = "layout-test-pw"
SOURCE = "王可乐今年春天离开了快手，在北京开了一家名叫“人间酒话”的小酒馆，还在B站上记录了这段经历。"  # noqa: RUF001
MT = (
    "Wang Cola left Kuaishou this spring and opened a small bar called “Human Jiuhua” "
    "in Beijing, and recorded the experience on station B."
)
NO_SOURCE_MT = "A segment whose source is not available."


@pytest.fixture(scope="module")
def doc_url(live_server: LiveServer) -> str:
    document_id = assigned_document(
        live_server.app,
        corpus="layout-test",
        document="layout-doc",
        texts=[MT, NO_SOURCE_MT],
        sources=[SOURCE, None],
        username="layouter",
        password=PASSWORD,
    )
    return f"{live_server.url}/annotate/{document_id}"


@pytest.fixture(scope="module")
def page(live_server: LiveServer, browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.route(f"{live_server.url}{AXE_PATH}", lambda route: route.fulfill(
        path=str(AXE), content_type="text/javascript"))  # fmt: skip
    log_in(page, live_server.url, "layouter", PASSWORD)
    yield page
    context.close()


def _boxes(page: Page, *selectors: str) -> list[dict[str, float]]:
    boxes = []
    for selector in selectors:
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        boxes.append(box)
    return boxes


def _no_horizontal_overflow(page: Page) -> None:
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client, (scroll, client)


def test_source_beside_the_post_edit_on_a_laptop(
    live_server: LiveServer, doc_url: str, page: Page, artifacts
) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{doc_url}/1")
    expect(page.locator(".source-text")).to_have_text(SOURCE)
    source, mt, post_edit = _boxes(page, "#source-block", "#mt", "#post-edit")
    page.screenshot(path=artifacts / "layout-laptop.png")
    # One column each, source left: the MT and post-edit start right of it...
    assert source["x"] + source["width"] <= mt["x"], (source, mt)
    assert source["x"] + source["width"] <= post_edit["x"], (source, post_edit)
    # ...on the same rows: the source's text is level with the MT.
    text = page.locator(".source-text").bounding_box()
    assert text is not None and abs(text["y"] - mt["y"]) < 40, (text, mt)
    assert source["y"] < post_edit["y"] < source["y"] + source["height"] + 200
    assert source["width"] >= 250 and mt["width"] >= 350, (source, mt)
    _no_horizontal_overflow(page)
    audit(page, live_server, "layout-two-columns", artifacts)


def test_the_save_buttons_stay_in_the_window(doc_url: str, page: Page) -> None:
    """The segment with its source and diff is taller than a 720 px window:
    the buttons stay at the window's bottom edge instead of below it, at
    the top of the page and with the post-edit scrolled to the top."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{doc_url}/1")
    assert page.evaluate("document.documentElement.scrollHeight") > 720
    scrolls = ("window.scrollTo(0, 0)", "document.querySelector('#post-edit').scrollIntoView()")
    for scrolled in scrolls:
        page.evaluate(scrolled)
        for button in ("#done-btn", "#next-btn", "#save-btn"):
            (box,) = _boxes(page, button)
            assert box["y"] >= 0 and box["y"] + box["height"] <= 720, (scrolled, button, box)
        # Nothing of the segment shows through behind them.
        hit = page.evaluate(
            """() => { const b = document.querySelector('#done-btn').getBoundingClientRect();
                       const el = document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2);
                       return el && el.closest('#done-btn') !== null; }"""
        )
        assert hit, scrolled


def test_source_above_the_mt_on_a_tablet(doc_url: str, page: Page, artifacts) -> None:
    page.set_viewport_size({"width": 820, "height": 1180})
    page.goto(f"{doc_url}/1")
    source, mt, post_edit = _boxes(page, "#source-block", "#mt", "#post-edit")
    page.screenshot(path=artifacts / "layout-tablet.png", full_page=True)
    assert source["y"] + source["height"] <= mt["y"], (source, mt)
    assert mt["y"] + mt["height"] <= post_edit["y"], (mt, post_edit)
    # Full width, one above the other.
    assert abs(source["x"] - mt["x"]) < 20 and mt["width"] > 0.8 * source["width"], (source, mt)
    assert mt["x"] + mt["width"] <= 820
    _no_horizontal_overflow(page)


def test_without_a_source_the_note_sits_above_the_mt(doc_url: str, page: Page) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{doc_url}/2")
    expect(page.locator("#source-block")).to_have_count(0)
    note, mt = _boxes(page, ".source-missing", "#mt")
    assert note["y"] + note["height"] <= mt["y"], (note, mt)
    assert abs(note["x"] - mt["x"]) < 20 and abs(note["width"] - mt["width"]) < 40, (note, mt)
    _no_horizontal_overflow(page)
