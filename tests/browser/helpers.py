"""Browser actions and test data shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.assignment import create_campaign
from app.extensions import db
from app.models import Assessment, Corpus, Document, Segment, Translation, User

#: The laptop screen the editor is designed for.
VIEWPORT = {"width": 1280, "height": 720}

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


def assigned_document(
    app: Flask,
    *,
    corpus: str,
    document: str,
    texts: Sequence[str],
    username: str,
    password: str,
    source: str | None = "源文",
    sources: Sequence[str | None] | None = None,
    title: str | None = None,
    meta_segments: int = 0,
) -> int:
    """Create a zh→en corpus of one document whose body segments have the
    MTs `texts`, and an annotator assigned all of them by a campaign (named
    as the corpus); returns the document's id.

    Most editor tests need just this: one annotator who can open every
    segment of a small document. Each segment's source is `source`, or the
    matching one of `sources`; `meta_segments` non-annotatable metadata
    segments without a source come first, so the body starts after them.
    """
    with app.app_context():
        corpus_row = Corpus(name=corpus, source_lang="zh", target_lang="en")
        document_row = Document(corpus=corpus_row, name=document, title=title)
        for position in range(1, meta_segments + 1):
            document_row.segments.add(
                Segment(position=position, kind="meta", annotatable=False, source=None)
            )
        body = zip([source] * len(texts) if sources is None else sources, texts, strict=True)
        for position, (segment_source, mt) in enumerate(body, start=meta_segments + 1):
            segment = Segment(position=position, kind="body", source=segment_source)
            segment.translations.append(Translation(system="mt", text=mt))
            document_row.segments.add(segment)
        user = User(username=username)
        user.set_password(password)
        db.session.add_all([document_row, user])
        db.session.flush()
        create_campaign(db.session, name=corpus, corpus=corpus_row, annotators=[user])
        db.session.commit()
        return document_row.id


def stored_assessment(app: Flask, document: str, position: int) -> Assessment | None:
    """The assessment stored for segment `position` of the document named
    `document`, detached from the session: what a save from the browser
    really wrote, read from the database rather than from the page."""
    with app.app_context():
        assessment = db.session.scalar(
            sa.select(Assessment)
            .join(Translation)
            .join(Segment)
            .join(Document)
            .where(Document.name == document, Segment.position == position)
        )
        if assessment is not None:
            db.session.expunge(assessment)
        return assessment


@contextmanager
def failing_on_page_errors(
    page: Page, closing: Page | BrowserContext | None = None
) -> Iterator[Page]:
    """Yield `page`, then close `closing` (the page itself by default) and
    fail if a script on the page threw: an uncaught error in the app's
    JavaScript breaks the editor even where the test's own checks pass.
    The check comes after the close, so an error reported late still counts."""
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield page
    finally:
        (closing or page).close()
    assert errors == []


@contextmanager
def page_logged_in_as(
    browser: Browser, base_url: str, username: str, password: str
) -> Iterator[Page]:
    """A page of a fresh 1280x720 context, logged in as `username`, that
    fails on page errors (see `failing_on_page_errors`); its context is
    closed afterwards, so no test sees another's cookies or storage."""
    context = browser.new_context(viewport=VIEWPORT)
    with failing_on_page_errors(context.new_page(), closing=context) as page:
        log_in(page, base_url, username, password)
        yield page


@contextmanager
def logged_in_context(
    browser: Browser, base_url: str, username: str, password: str
) -> Iterator[BrowserContext]:
    """A fresh 1280x720 context with `username`'s session cookie, for a
    module whose tests each open their own page but need not log in again;
    closed afterwards."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        log_in(context.new_page(), base_url, username, password)
        yield context
    finally:
        context.close()
