"""Campaigns and adjudication in a real browser, with CSRF on and the app's
strict Content-Security-Policy: an admin creates a campaign through the
form, then builds a gold reference from two annotators' work."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.assessments import SpanData, get_or_create_assessment, save_assessment
from app.extensions import db
from app.models import Assessment, Campaign, Corpus, Document, Segment, Translation, User
from tests.browser.conftest import LiveServer
from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

PASSWORD = "adjudication-pw"
MT = "Wang Cola left Kuaishou in spring."
MIS = "Accuracy/Mistranslation"


@pytest.fixture(scope="module")
def seeded(live_server: LiveServer) -> None:
    with live_server.app.app_context():
        corpus = Corpus(name="adj-browser", source_lang="zh", target_lang="en")
        document = Document(corpus=corpus, name="adj-doc", title="Adjudication document")
        segment = Segment(position=1, kind="body", source="王可乐春天离开了快手。")
        segment.translations.append(Translation(system="mt", text=MT))
        document.segments.add(segment)
        other = Corpus(name="adj-other", source_lang="de", target_lang="en")
        other_doc = Document(corpus=other, name="other-doc")
        other_seg = Segment(position=1, kind="body", source="Hallo.")
        other_seg.translations.append(Translation(system="mt", text="Hello."))
        other_doc.segments.add(other_seg)
        db.session.add(other_doc)
        users = [
            User(username="adj-admin", role="admin"),
            User(username="adj-ann1"),
            User(username="adj-ann2"),
        ]
        for user in users:
            user.set_password(PASSWORD)
        db.session.add_all([document, *users])
        db.session.commit()


def _annotate(live_server: LiveServer) -> None:
    """Both annotators finish the segment; both mark "Kuaishou"."""
    with live_server.app.app_context():
        target = db.session.scalar(sa.select(Translation).where(Translation.text == MT))
        assert target is not None
        start = MT.index("Kuaishou")
        for name, post_edit in (
            ("adj-ann1", "Wang Cola left Kuaishou this spring."),
            ("adj-ann2", "Wang Kele left Kuaishou in the spring."),
        ):
            user = db.session.scalar(sa.select(User).where(User.username == name))
            assert user is not None
            assessment = get_or_create_assessment(db.session, target, user)
            save_assessment(
                db.session,
                assessment,
                user=user,
                base_version=assessment.version,
                post_edit=post_edit,
                status="done",
                spans=[SpanData(start, start + 8, MIS, "Major")],
            )
        db.session.commit()


def test_admin_creates_campaign_and_adjudicates(
    live_server: LiveServer, seeded: None, browser, artifacts
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page: Page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server.url, "adj-admin", PASSWORD)

    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Name", exact=True).fill("Browser campaign")
    page.get_by_label("Corpus", exact=True).select_option(label="adj-browser")
    # Only the chosen corpus's documents are offered.
    expect(page.locator('#documents optgroup[label="adj-other"]')).to_have_js_property(
        "disabled", True
    )
    expect(page.locator('#documents optgroup[label="adj-browser"]')).to_have_js_property(
        "disabled", False
    )
    page.get_by_label("Annotators", exact=True).select_option(label=["adj-ann1", "adj-ann2"])
    page.get_by_label("Annotators per segment (N)").fill("2")
    page.get_by_role("button", name="Create campaign").click()
    expect(page.locator(".flash-success")).to_contain_text("Campaign Browser campaign created")
    expect(page.locator(".annotator-row")).to_have_count(2)
    with live_server.app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.name == "Browser campaign"))
        assert campaign is not None and campaign.per_segment == 2

    _annotate(live_server)
    page.reload()
    expect(page.locator('[data-annotator="adj-ann1"] .finished')).to_have_text("1")
    page.get_by_role("link", name="Adjudicate").click()
    page.get_by_role("link", name="Adjudicate").last.click()
    expect(page.locator(".adjudicate-column")).to_have_count(2)
    expect(page.locator(".adjudicate-column mark.sev-major").first).to_have_text("Kuaishou")

    # Start from the second annotator's post-edit, then edit it.
    page.locator('.adjudicate-column:has-text("adj-ann2") .use-post-edit').click()
    gold_box = page.locator("#gold-post-edit")
    expect(gold_box).to_have_value("Wang Kele left Kuaishou in the spring.")
    gold_box.fill("Wang Kele left Kuaishou this spring.")
    # The error both annotators marked comes ticked; tick the other copy too.
    boxes = page.locator('input[name="span"]')
    expect(boxes).to_have_count(2)
    for index in range(2):
        expect(boxes.nth(index)).to_be_checked()
    page.screenshot(path=artifacts / "adjudication-01-page.png", full_page=True)
    page.get_by_role("button", name="Save gold reference").click()
    expect(page.locator(".flash-success")).to_contain_text("Gold reference saved")
    expect(page.locator(".gold-column")).to_contain_text("Gold by adj-admin")

    with live_server.app.app_context():
        gold = db.session.scalar(sa.select(Assessment).where(Assessment.kind == "gold"))
        assert gold is not None
        assert gold.post_edit == "Wang Kele left Kuaishou this spring."
        assert [(s.start, s.end, s.severity) for s in gold.spans] == [
            (MT.index("Kuaishou"), MT.index("Kuaishou") + 8, "Major")
        ]
    assert errors == []
    context.close()
