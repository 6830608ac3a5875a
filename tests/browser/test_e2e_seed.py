"""The seed article end to end: log in, flag "Wang Cola", correct it, mark
the segment done, and see the correction persist and move the corpus TER."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from sacrebleu.metrics import TER

from app.assignment import create_campaign
from app.extensions import db
from app.models import Assessment, Corpus, Document, ErrorSpan, Segment, Translation, User
from tests.browser.conftest import REPO, LiveServer
from tests.browser.helpers import log_in, select_text

pytestmark = pytest.mark.browser

PASSWORD = "seed-annotator-pw"


def _seed(server: LiveServer) -> tuple[str, int, str]:
    """Import the seed article and create an annotator; returns the segment
    page holding "Wang Cola", its translation id and its MT."""
    from app.ingest import import_path

    with server.app.app_context():
        import_path(db.session, REPO / "source_texts")
        user = User(username="seed-annotator")
        user.set_password(PASSWORD)
        reader = User(username="seed-researcher", role="researcher")
        reader.set_password(PASSWORD)
        db.session.add_all([user, reader])
        db.session.flush()
        corpus = db.session.scalars(sa.select(Corpus)).one()
        create_campaign(db.session, name="seed", corpus=corpus, annotators=[user])
        db.session.commit()
        document, segment, translation = db.session.execute(
            sa.select(Document, Segment, Translation)
            .join(Segment, Segment.document_id == Document.id)
            .join(Translation, Translation.segment_id == Segment.id)
            .where(Document.name == "latepost-former-internet-employees")
            .where(Segment.annotatable.is_(True), Translation.text.contains("Wang Cola"))
            .order_by(Segment.position)
        ).first()
        return f"/annotate/{document.id}/{segment.position}", translation.id, translation.text


def test_flag_correct_and_score_wang_cola(
    live_server: LiveServer, browser, artifacts: Path
) -> None:
    path, translation_id, mt = _seed(live_server)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page: Page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    log_in(page, base, "seed-annotator", PASSWORD)
    expect(page.locator("tr.doc-row")).to_contain_text("Former Internet employees")
    page.screenshot(path=artifacts / "seed-01-documents.png")

    page.goto(base + path)
    mt_box = page.locator("#mt")
    expect(mt_box).to_have_text(mt)
    expect(page.locator(".source-missing")).to_contain_text("Source not available")

    # A real selection in the MT, then the keyboard: M opens the dialog,
    # 1 Accuracy, 3 Mistranslation, 2 Major, Enter adds the span.
    select_text(page, "#mt", "Wang Cola")
    expect(page.locator("#selection-info")).to_contain_text("“Wang Cola”")
    page.keyboard.press("m")
    dialog = page.locator("#span-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#span-quote")).to_have_text("Wang Cola")
    for key in ("1", "3", "2"):
        page.keyboard.press(key)
    expect(dialog.locator('input[value="Accuracy/Mistranslation"]')).to_be_checked()
    expect(dialog.locator('input[value="Major"]')).to_be_checked()
    page.screenshot(path=artifacts / "seed-02-span-dialog.png")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(mt_box.locator("mark.err.sev-major")).to_have_text("Wang Cola")
    expect(page.locator("#span-list")).to_contain_text("Accuracy/Mistranslation")

    # Correct the name by typing over "Cola" in the post-edit.
    cola = mt.index("Wang Cola") + len("Wang ")
    editor = page.locator("#post-edit")
    editor.evaluate(
        "(el, [a, b]) => { el.focus(); el.setSelectionRange(a, b); }",
        [len(mt[:cola].encode("utf-16-le")) // 2, len(mt[: cola + 4].encode("utf-16-le")) // 2],
    )
    page.keyboard.type("Kele")
    corrected = mt.replace("Wang Cola", "Wang Kele", 1)
    expect(editor).to_have_value(corrected)
    page.screenshot(path=artifacts / "seed-03-corrected.png")

    # Ctrl+Enter: done, and on to the next segment.
    page.keyboard.press("Control+Enter")
    page.wait_for_url(lambda url: not url.endswith(path))

    page.goto(base + path)
    expect(page.locator("#post-edit")).to_have_value(corrected)
    expect(page.locator("#mt mark.err.sev-major")).to_have_text("Wang Cola")
    expect(page.locator("#span-list")).to_contain_text("Major")
    expect(page.locator("#status-badge")).to_have_text("Done")
    page.screenshot(path=artifacts / "seed-04-reloaded.png", full_page=True)
    page.set_viewport_size({"width": 820, "height": 1180})
    page.screenshot(path=artifacts / "seed-05-tablet.png", full_page=True)
    assert errors == [], errors

    with live_server.app.app_context():
        assessment = db.session.scalar(
            sa.select(Assessment).where(Assessment.translation_id == translation_id)
        )
        assert assessment is not None
        assert (assessment.status, assessment.post_edit) == ("done", corrected)
        assert assessment.time_spent > 0
        assert assessment.keystrokes == 4
        span = db.session.scalar(sa.select(ErrorSpan))
        assert span is not None
        assert mt[span.start : span.end] == "Wang Cola"
        assert (span.category, span.severity) == ("Accuracy/Mistranslation", "Major")

    # Reports are not for annotators; a researcher's report scores the one
    # finished pair, TER as sacrebleu computes it.
    page.goto(base + "/reports/latepost")
    expect(page.locator("h1")).to_contain_text("Forbidden")
    context.close()
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    log_in(page, base, "seed-researcher", PASSWORD)
    expected_ter = TER().sentence_score(mt, [corrected]).score
    page.goto(base + "/reports/latepost")
    expect(page.locator("#metric-ter .score")).to_have_text(f"{expected_ter:.2f}")
    assert expected_ter > 0
    page.screenshot(path=artifacts / "seed-06-report.png", full_page=True)
    context.close()
