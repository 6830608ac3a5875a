"""QA flags in the editor: every open flag is marked on the MT from the
start (a CSS Custom Highlight), the current one more strongly, and a flag's
mark goes once it is decided; decided with the keyboard, a flag's button
keeps the focus when the list is rebuilt (and axe finds nothing serious in
the list with decided flags)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    assigned_document,
    failing_on_page_errors,
    logged_in_context,
    select_text,
)
from tests.browser.test_accessibility import AXE, AXE_PATH, audit

pytestmark = pytest.mark.browser

PASSWORD = "qa-flags-test-pw"
#: Each raises three flags: two untranslated Chinese names and a lone "(".
TEXTS = [
    "😀 He met 王可乐 at 人间酒话 (in spring.",
    "She left 快手 for 人间酒话 (last year.",
]


@pytest.fixture(scope="module")
def doc_url(live_server: LiveServer) -> str:
    document_id = assigned_document(
        live_server.app,
        corpus="qa-flags-test",
        document="qa-flags-doc",
        texts=TEXTS,
        username="flagger",
        password=PASSWORD,
    )
    return f"{live_server.url}/annotate/{document_id}"


@pytest.fixture(scope="module")
def context(live_server: LiveServer, browser) -> Iterator[object]:
    with logged_in_context(browser, live_server.url, "flagger", PASSWORD) as context:
        context.route(f"{live_server.url}{AXE_PATH}", lambda route: route.fulfill(
            path=str(AXE), content_type="text/javascript"))  # fmt: skip
        yield context


#: The text under each range of a highlight, in the order of the MT.
HIGHLIGHTED_JS = """(name) => [...CSS.highlights.get(name)]
    .sort((a, b) => a.compareBoundaryPoints(Range.START_TO_START, b))
    .map((range) => range.toString())"""


@pytest.fixture
def page(context) -> Iterator[Page]:
    with failing_on_page_errors(context.new_page()) as page:
        yield page


def test_a_decision_by_keyboard_keeps_the_focus_on_its_button(
    live_server: LiveServer, doc_url: str, page: Page, artifacts
) -> None:
    page.goto(f"{doc_url}/2")
    flags = page.locator("#qa-flag-list li.qa-flag")
    expect(flags).to_have_count(3)
    first = flags.first
    confirm = first.locator("button.qa-confirmed")
    dismiss = first.locator("button.qa-dismissed")

    confirm.focus()
    page.keyboard.press("Enter")
    expect(first).to_have_attribute("data-status", "confirmed")
    expect(page.locator("#mt mark.err")).to_have_count(1)
    # The list was rebuilt; the focus is on the same flag's Confirm button.
    expect(confirm).to_be_focused()
    expect(confirm).to_have_attribute("aria-disabled", "true")
    page.keyboard.press("Enter")  # already confirmed: nothing changes
    expect(first).to_have_attribute("data-status", "confirmed")

    page.keyboard.press("Tab")
    expect(dismiss).to_be_focused()
    page.keyboard.press("Enter")
    expect(first).to_have_attribute("data-status", "dismissed")
    expect(dismiss).to_be_focused()
    expect(first).to_have_class(re.compile("qa-current"))
    audit(page, live_server, "qa-flags-decided", artifacts)


def test_open_flags_are_marked_on_the_mt_until_decided(doc_url: str, page: Page, artifacts) -> None:
    page.goto(f"{doc_url}/1")
    flags = page.locator("#qa-flag-list li.qa-flag")
    expect(flags).to_have_count(3)
    marked = ["王可乐", "人间酒话", "("]

    def highlighted(name: str) -> list[str]:
        return page.evaluate(HIGHLIGHTED_JS, name)

    # All three from the start, none of them current yet.
    page.wait_for_function("CSS.highlights.get('qa-flags').size === 3")
    assert highlighted("qa-flags") == marked
    assert highlighted("qa-flag") == []

    page.keyboard.press("j")
    expect(flags.first).to_have_class(re.compile("qa-current"))
    first = flags.first.locator(".qa-flag-text").inner_text()
    assert highlighted("qa-flag") == [first]
    assert highlighted("qa-flags") == marked

    # Marking an error rebuilds the MT: the flags are drawn again on it.
    select_text(page, "#mt", "He met")
    page.keyboard.press("m")
    expect(page.locator("#span-dialog")).to_be_visible()
    for key in ("1", "3", "2", "Enter"):
        page.keyboard.press(key)
    expect(page.locator("#mt mark.err")).to_have_text("He met")
    assert highlighted("qa-flags") == marked
    assert highlighted("qa-flag") == [first]
    page.locator("#mt").screenshot(path=artifacts / "qa-flags-marked.png")

    # Dismissed: its mark goes, the current mark with it.
    page.keyboard.press("x")
    expect(flags.first).to_have_attribute("data-status", "dismissed")
    assert highlighted("qa-flags") == [m for m in marked if m != first]
    assert highlighted("qa-flag") == []
    # Confirmed: it is an error span now, no longer a flag.
    page.keyboard.press("j")
    second = flags.nth(1).locator(".qa-flag-text").inner_text()
    page.keyboard.press("y")
    expect(flags.nth(1)).to_have_attribute("data-status", "confirmed")
    expect(page.locator("#mt mark.err", has_text=second)).to_have_count(1)
    assert highlighted("qa-flags") == [m for m in marked if m not in (first, second)]
    # The pointer on a decided flag still shows where it is.
    flags.first.hover()
    assert highlighted("qa-flag") == [first]
