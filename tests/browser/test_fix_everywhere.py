"""Fix once, apply everywhere, and QA flags, on the seed article in a real
browser: correct "Wang Cola" in one segment, accept the offer to apply the
correction to the other occurrences ("Wang Cola", "Cola Wang"), then confirm
one QA flag and dismiss another and read the precision page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.extensions import db
from app.glossary import corpus_glossary
from app.models import Assessment, Corpus, Document, QaFlag, Segment, Translation, User
from tests.browser.conftest import LiveServer
from tests.browser.helpers import log_in, select_text
from tests.browser.test_e2e_seed import PASSWORD, _seed

pytestmark = pytest.mark.browser

NAME = re.compile(r"(?<!\w)(Wang Cola|Cola Wang)(?!\w)")


def _segment_path(server: LiveServer, position: int) -> str:
    with server.app.app_context():
        document = db.session.scalar(
            sa.select(Document).where(Document.name == "latepost-former-internet-employees")
        )
        return f"/annotate/{document.id}/{position}"


def _translations_with_the_name(server: LiveServer) -> dict[int, tuple[int, str]]:
    """translation id -> (position, MT) of every annotatable segment naming him wrongly."""
    with server.app.app_context():
        rows = db.session.execute(
            sa.select(Translation.id, Segment.position, Translation.text)
            .join(Segment, Segment.id == Translation.segment_id)
            .where(Segment.annotatable.is_(True))
        ).all()
        return {tid: (pos, text) for tid, pos, text in rows if NAME.search(text)}


def _console(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


@pytest.fixture(scope="module")
def seeded(live_server: LiveServer) -> tuple[str, int, str]:
    return _seed(live_server)


def test_fix_everywhere_and_qa_flags(
    live_server: LiveServer, seeded: tuple[str, int, str], browser, artifacts: Path
) -> None:
    path, translation_id, mt = seeded
    others = _translations_with_the_name(live_server)
    assert translation_id in others
    del others[translation_id]
    assert len(others) >= 2, "the seed article names Wang Kele wrongly more than once"
    assert any("Cola Wang" in text for _, text in others.values())
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = _console(page)
    log_in(page, base, "seed-annotator", PASSWORD)

    # Mark "Wang Cola" (Accuracy/Mistranslation, Major) and correct it.
    page.goto(base + path)
    expect(page.locator("#qa-empty")).not_to_have_text("Checking…")
    select_text(page, "#mt", "Wang Cola")
    page.keyboard.press("m")
    expect(page.locator("#span-dialog")).to_be_visible()
    for key in ("1", "3", "2"):
        page.keyboard.press(key)
    page.keyboard.press("Enter")
    expect(page.locator("#mt mark.err.sev-major")).to_have_text("Wang Cola")
    expect(page.locator("#span-list .fix-everywhere")).to_have_count(1)
    # An autosave mid-word only mentions the offer in the panel.
    page.locator("#post-edit").fill(mt.replace("Wang Cola", "Wang Ke", 1))
    offer = page.locator("#fix-offer")
    expect(offer).to_be_visible(timeout=10_000)
    expect(offer).to_contain_text("“Wang Cola” → “Wang Ke”")
    dialog = page.locator("#fix-dialog")
    expect(dialog).to_be_hidden()
    corrected = mt.replace("Wang Cola", "Wang Kele", 1)
    page.locator("#post-edit").fill(corrected)

    # Saving the correction offers to apply it everywhere, all ticked.
    page.keyboard.press("Control+s")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#fix-wrong")).to_have_text("Wang Cola")
    expect(dialog.locator("#fix-right")).to_have_value("Wang Kele")
    items = dialog.locator("li.fix-item")
    expect(items).to_have_count(len(others))
    expect(dialog.locator("li.fix-item input:checked")).to_have_count(len(others))
    expect(dialog.locator(".fix-context mark").filter(has_text="Cola Wang")).to_have_count(1)
    expect(dialog.locator(".fix-proposed").first).to_contain_text("Wang Kele")
    page.screenshot(path=artifacts / "fix-01-dialog.png")
    expect(page.locator("#fix-apply")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog.locator("#fix-result")).to_contain_text(f"Applied to {len(others)} segments")
    expect(dialog.locator(".fix-outcome-applied")).to_have_count(len(others))
    page.screenshot(path=artifacts / "fix-02-applied.png")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(offer).to_be_hidden()

    with live_server.app.app_context():
        annotator = db.session.scalar(sa.select(User).where(User.username == "seed-annotator"))
        for tid, (position, text) in others.items():
            assessment = db.session.scalar(
                sa.select(Assessment).where(
                    Assessment.translation_id == tid, Assessment.annotator_id == annotator.id
                )
            )
            assert assessment is not None, position
            assert assessment.post_edit == NAME.sub("Wang Kele", text), position
            assert assessment.status == "draft"
            spans = [(s.start, s.end, s.category, s.severity) for s in assessment.spans]
            expected = [
                (m.start(), m.end(), "Accuracy/Mistranslation", "Major")
                for m in NAME.finditer(text)
            ]
            assert sorted(spans) == expected, position  # each once
        corpus = db.session.scalars(sa.select(Corpus)).one()
        entries = {e.target_term: e for e in corpus_glossary(db.session, corpus)}
        assert entries["Wang Kele"].wrong_variants == ("Wang Cola",)

    # Saving again does not ask again.
    page.locator("#post-edit").press("End")
    page.keyboard.type(" ")
    page.keyboard.press("Control+s")
    expect(page.locator("#save-status")).to_contain_text("Saved version")
    expect(dialog).to_be_hidden()

    # QA flags: confirm the name-variant flag on "Fengmiao" with the keyboard.
    page.goto(base + _segment_path(live_server, 137))
    flag = page.locator("#qa-flag-list li.qa-flag[data-check='name-variants']")
    expect(flag).to_have_count(1)
    flag.hover()
    assert page.evaluate("CSS.highlights.get('qa-flag').size") == 1
    page.locator("#mt").focus()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    expect(flag).to_have_class(re.compile("qa-current"))
    page.keyboard.press("y")
    expect(flag).to_have_attribute("data-status", "confirmed")
    expect(page.locator("#mt mark.err")).to_have_text("Fengmiao")
    page.screenshot(path=artifacts / "fix-03-flag-confirmed.png")
    page.keyboard.press("Control+s")
    expect(page.locator("#save-status")).to_contain_text("Saved version")

    # Dismiss the unmatched quotation mark flag on segment 51 with the button.
    page.goto(base + _segment_path(live_server, 51))
    quote = page.locator("#qa-flag-list li.qa-flag[data-check='spacing-punctuation']")
    expect(quote).to_have_count(1)
    quote.get_by_role("button", name=re.compile("^Dismiss")).click()
    expect(quote).to_have_attribute("data-status", "dismissed")
    expect(page.locator("#mt mark.err")).to_have_count(0)
    assert errors == [], errors

    with live_server.app.app_context():
        statuses = {
            (f.check, f.status)
            for f in db.session.scalars(sa.select(QaFlag).where(QaFlag.status != "open"))
        }
        assert statuses == {("name-variants", "confirmed"), ("spacing-punctuation", "dismissed")}
        assessment = db.session.scalar(
            sa.select(Assessment)
            .join(Translation, Translation.id == Assessment.translation_id)
            .join(Segment, Segment.id == Translation.segment_id)
            .where(Segment.position == 137)
        )
        assert [(s.category, s.severity) for s in assessment.spans] == [
            ("Fluency/Inconsistency", "Minor")
        ]
        counts = {
            check: n
            for check, n in db.session.execute(
                sa.select(QaFlag.check, sa.func.count(QaFlag.id)).group_by(QaFlag.check)
            )
        }

    # The researcher reads each check's precision.
    reader = browser.new_context().new_page()
    log_in(reader, base, "seed-researcher", PASSWORD)
    reader.goto(base + "/reports/latepost/qa")
    names = reader.locator("#check-name-variants")
    expect(names.locator(".flags")).to_have_text(str(counts["name-variants"]))
    expect(names.locator(".confirmed")).to_have_text("1")
    expect(names.locator(".dismissed")).to_have_text("0")
    expect(names.locator(".open")).to_have_text(str(counts["name-variants"] - 1))
    expect(names.locator(".precision")).to_have_text("1.00")
    spacing = reader.locator("#check-spacing-punctuation")
    expect(spacing.locator(".confirmed")).to_have_text("0")
    expect(spacing.locator(".dismissed")).to_have_text("1")
    expect(spacing.locator(".precision")).to_have_text("0.00")
    expect(reader.locator("#check-all .precision")).to_have_text("0.50")
    reader.screenshot(path=artifacts / "fix-04-qa-report.png", full_page=True)
    context.close()


def test_an_offer_made_by_done_opens_on_the_next_segment(
    live_server: LiveServer, seeded: tuple[str, int, str], browser
) -> None:
    with live_server.app.app_context():
        rows = db.session.execute(
            sa.select(Segment.position, Translation.id, Translation.text)
            .join(Segment, Segment.id == Translation.segment_id)
            .where(Translation.text.contains("station B"), Segment.annotatable.is_(True))
            .order_by(Segment.position)
        ).all()
    assert len(rows) >= 2
    (first, _, mt), others = rows[0], rows[1:]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = _console(page)
    log_in(page, live_server.url, "seed-annotator", PASSWORD)
    page.goto(live_server.url + _segment_path(live_server, first))
    select_text(page, "#mt", "station B")
    page.keyboard.press("m")
    # The dialog opens asynchronously: keys pressed before it shows go elsewhere.
    span_dialog = page.locator("#span-dialog")
    expect(span_dialog).to_be_visible()
    for key in ("1", "3", "3"):
        page.keyboard.press(key)
    page.keyboard.press("Enter")
    expect(span_dialog).to_be_hidden()
    page.locator("#post-edit").fill(mt.replace("station B", "Bilibili"))
    page.keyboard.press("Control+Enter")
    page.wait_for_url(lambda url: not url.endswith(f"/{first}"))
    dialog = page.locator("#fix-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#fix-wrong")).to_have_text("station B")
    expect(dialog.locator("#fix-right")).to_have_value("Bilibili")
    expect(dialog.locator("li.fix-item")).to_have_count(len(others))
    page.get_by_role("button", name=re.compile("^Apply to all")).click()
    expect(dialog.locator("#fix-result")).to_contain_text(f"Applied to {len(others)} segment")
    dialog.get_by_role("button", name=re.compile("^Close")).click()
    expect(dialog).to_be_hidden()
    # Closed: the offer does not come back on the next page.
    page.reload()
    expect(page.locator("#qa-empty")).not_to_have_text("Checking…")
    expect(dialog).to_be_hidden()
    assert errors == [], errors
    with live_server.app.app_context():
        for _, tid, text in others:
            assessment = db.session.scalar(
                sa.select(Assessment).where(Assessment.translation_id == tid)
            )
            assert assessment.post_edit == text.replace("station B", "Bilibili")
            assert [(s.category, s.severity) for s in assessment.spans] == [
                ("Accuracy/Mistranslation", "Minor")
            ] * text.count("station B")
    context.close()
