"""Browser actions shared by the end-to-end tests."""

from __future__ import annotations

from playwright.sync_api import Page, expect

#: Selects the n-th occurrence of `text` inside an element with a real DOM
#: Range (across text nodes and <mark>s), as a mouse drag would.
SELECT_TEXT_JS = """
([selector, text]) => {
  const root = document.querySelector(selector);
  const full = root.textContent;
  const at = full.indexOf(text);
  if (at < 0) throw new Error('text not found: ' + text);
  const point = (index) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let left = index;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (left <= node.data.length) return [node, left];
      left -= node.data.length;
    }
    throw new Error('offset outside the text');
  };
  const [startNode, startOffset] = point(at);
  const [endNode, endOffset] = point(at + text.length);
  const range = document.createRange();
  range.setStart(startNode, startOffset);
  range.setEnd(endNode, endOffset);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}
"""


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/")
    expect(page).to_have_url(f"{base_url}/auth/login?next=%2F")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/")


def select_text(page: Page, selector: str, text: str) -> None:
    page.evaluate(SELECT_TEXT_JS, [selector, text])
