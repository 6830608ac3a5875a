"""The live word-level diff under the post-edit: it follows typing, keeps
emoji and characters outside the BMP whole, diffs Chinese per character and
shows the annotator's text as text, never as HTML."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import assigned_document, page_logged_in_as

pytestmark = pytest.mark.browser

PASSWORD = "diff-test-pw"
EMOJI_MT = "😀 Wang Cola 𠮷 met “Human Jiuhua” at station B."
CJK_MT = "我喜欢喝可乐。"
PLAIN_MT = "Plain text here."


@pytest.fixture(scope="module")
def pages(live_server: LiveServer) -> dict[str, str]:
    document_id = assigned_document(
        live_server.app,
        corpus="diff-test",
        document="diff-doc",
        texts=[EMOJI_MT, CJK_MT, PLAIN_MT],
        username="differ",
        password=PASSWORD,
    )
    return {
        "emoji": f"/annotate/{document_id}/1",
        "cjk": f"/annotate/{document_id}/2",
        "plain": f"/annotate/{document_id}/3",
    }


@pytest.fixture
def page(live_server: LiveServer, browser) -> Iterator[Page]:
    with page_logged_in_as(browser, live_server.url, "differ", PASSWORD) as page:
        yield page


def diff_html(page: Page) -> str:
    return page.locator("#pe-diff-text").inner_html()


def retype(page: Page, old: str, new: str) -> None:
    """Replace `old` in the post-edit by typing: select it, then type."""
    box = page.locator("#post-edit")
    box.evaluate(
        """(el, old) => {
            const at = el.value.indexOf(old);
            el.focus();
            el.setSelectionRange(at, at + old.length);
        }""",
        old,
    )
    page.keyboard.type(new)


def test_diff_follows_typing_with_emoji(live_server: LiveServer, pages, page: Page) -> None:
    page.goto(live_server.url + pages["emoji"])
    view = page.locator("#pe-diff-text")
    # Unchanged: the MT as plain text, nothing marked.
    expect(view).to_have_text(EMOJI_MT)
    expect(view.locator("del, ins")).to_have_count(0)
    expect(page.locator("#pe-diff-summary")).to_have_text("(same as the MT)")

    retype(page, "Cola", "Kele")
    expect(view.locator("ins")).to_have_text("Kele")
    assert diff_html(page) == (
        "😀 Wang <del>Cola</del><ins>Kele</ins> 𠮷 met “Human Jiuhua” at station B."
    )

    # An astral character replaced by an emoji with a skin-tone modifier:
    # whole characters, no broken surrogate halves.
    retype(page, "station B", "站 👍🏽")
    # Typing lands key by key: wait for the last one (the skin-tone modifier).
    expect(view.locator("ins").nth(1)).to_have_text("站 👍🏽")
    expect(view.locator("ins")).to_have_count(2)
    assert diff_html(page) == (
        "😀 Wang <del>Cola</del><ins>Kele</ins> 𠮷 met “Human Jiuhua” at "
        "<del>station B</del><ins>站 👍🏽</ins>."
    )
    expect(page.locator("#pe-diff-summary")).to_have_text("(2 changes)")

    # Two changes with only a space between them read as one replacement.
    retype(page, "𠮷", "😀")
    expect(view.locator("ins")).to_have_count(2)
    expect(view.locator("ins").first).to_have_text("Kele 😀")
    expect(view.locator("del").first).to_have_text("Cola 𠮷")

    # Back to the MT: no marks left.
    page.get_by_role("button", name="Reset to MT").click()
    expect(view.locator("del, ins")).to_have_count(0)
    expect(view).to_have_text(EMOJI_MT)


def test_diff_of_chinese_is_per_character(live_server: LiveServer, pages, page: Page) -> None:
    page.goto(live_server.url + pages["cjk"])
    retype(page, "可乐", "可口可乐")
    expect(page.locator("#pe-diff-text ins")).to_have_text("口可")
    assert diff_html(page) == "我喜欢喝可<ins>口可</ins>乐。"

    retype(page, "喜欢", "爱")
    expect(page.locator("#pe-diff-text del")).to_have_text("喜欢")
    assert diff_html(page) == "我<del>喜欢</del><ins>爱</ins>喝<ins>可口</ins>可乐。"


def test_typed_markup_is_shown_as_text(live_server: LiveServer, pages, page: Page) -> None:
    page.goto(live_server.url + pages["plain"])
    typed = '<img src=x onerror="window.pwned=1"><b>B</b>'
    retype(page, "here", typed)
    expect(page.locator("#pe-diff-text")).to_have_text(f"Plain text here{typed}.")
    expect(page.locator("#pe-diff-text del")).to_have_text("here")
    expect(page.locator("#pe-diff-text img, #pe-diff-text b")).to_have_count(0)
    assert page.evaluate("window.pwned") is None
