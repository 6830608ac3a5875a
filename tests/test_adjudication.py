"""Adjudication: the list of segments to adjudicate, the side-by-side page,
building and saving a gold reference, and scoring with it."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.assessments import SpanData
from app.assignment import create_campaign
from app.campaigns.gold import save_gold
from app.campaigns.queries import adjudication_items, current_gold
from app.extensions import db
from app.models import (
    Assessment,
    AuditEvent,
    Campaign,
    Corpus,
    ErrorSpan,
    Revision,
    Translation,
    User,
)
from app.scoring.report import finished_pairs
from config import TestConfig
from tests.test_campaigns import annotate, build_corpus, login, make_user, translation

SCRIPT = "<script>alert('x')</script>"
MIS = "Accuracy/Mistranslation"


@pytest.fixture
def setup(app: Flask) -> tuple[Campaign, list[User]]:
    """One document, one system, three segments; three annotators, N=2
    round-robin, so every segment has two annotators."""
    team = [make_user(name) for name in ("ann1", "ann2", "ann3")]
    make_user("boss", role="admin")
    make_user("chief", role="admin")
    corpus = build_corpus(documents=(("d1", 3),), systems=("sysA",))
    campaign = create_campaign(
        db.session, name="adj", corpus=corpus, annotators=team, per_segment=2
    )
    db.session.commit()
    return campaign, team


def annotators_of(campaign: Campaign, target: Translation) -> list[User]:
    from app.models import Assignment

    return list(
        db.session.scalars(
            sa.select(User)
            .join(Assignment, Assignment.annotator_id == User.id)
            .where(Assignment.campaign_id == campaign.id, Assignment.translation_id == target.id)
            .order_by(User.username)
        )
    )


def span_ids(page: str) -> dict[str, list[int]]:
    """Span checkbox ids per column (annotator name or "Gold by …")."""
    columns = {}
    for block in re.split(r'<section class="card adjudicate-column', page)[1:]:
        title = re.search(r'class="column-title">([^<]*)</h2>', block)
        assert title
        columns[title.group(1)] = [int(v) for v in re.findall(r'name="span" value="(\d+)"', block)]
    return columns


def hidden(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, name
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def test_list_shows_segments_with_two_finished_annotations(
    client: FlaskClient, setup: tuple[Campaign, list[User]]
) -> None:
    campaign, _team = setup
    both, one = translation("d1", 2), translation("d1", 3)
    for user in annotators_of(campaign, both):
        annotate(user, both)
    first, second = annotators_of(campaign, one)
    annotate(first, one)
    annotate(second, one, status="draft")
    login(client, "boss")
    page = client.get(f"/campaigns/{campaign.id}/adjudicate").get_data(as_text=True)
    listed = [
        int(t) for t in re.findall(r'class="adjudication-row" data-translation="(\d+)"', page)
    ]
    assert listed == [both.id]


def test_keyset_pagination(client: FlaskClient, setup: tuple[Campaign, list[User]]) -> None:
    campaign, _team = setup
    ids = []
    for position in (2, 3, 4):
        target = translation("d1", position)
        ids.append(target.id)
        for user in annotators_of(campaign, target):
            annotate(user, target)
    first, after = adjudication_items(db.session, campaign, limit=2)
    assert [i.translation_id for i in first] == sorted(ids)[:2]
    assert after == sorted(ids)[1]
    rest, end = adjudication_items(db.session, campaign, after=after, limit=2)
    assert [i.translation_id for i in rest] == sorted(ids)[2:]
    assert end is None
    login(client, "boss")
    page = client.get(f"/campaigns/{campaign.id}/adjudicate?after={after}").get_data(as_text=True)
    listed = [int(t) for t in re.findall(r'data-translation="(\d+)"', page)]
    assert listed == sorted(ids)[2:]


def test_page_escapes_hostile_text(client: FlaskClient, app: Flask) -> None:
    evil = make_user(SCRIPT)
    other = make_user("ann2")
    make_user("boss", role="admin")
    corpus = build_corpus(documents=(("d1", 1),), systems=("sysA",))
    campaign = create_campaign(
        db.session, name="evil", corpus=corpus, annotators=[evil, other], per_segment=2
    )
    db.session.commit()
    target = translation("d1", 2)
    span = SpanData(0, 2, MIS, "Major", note=SCRIPT)
    annotate(evil, target, post_edit=f"{SCRIPT} post-edit", spans=[span])
    annotate(other, target, post_edit="plain <b>bold</b>", spans=[span])
    login(client, "boss")
    response = client.get(f"/campaigns/{campaign.id}/adjudicate/{target.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script>alert" not in page
    assert "<b>bold</b>" not in page
    assert "&lt;script&gt;alert" in page
    assert '<mark class="err sev-major"' in page
    # The post-edits reach the script only as JSON data, never as markup.
    data = re.search(r'<script type="application/json" id="adjudicate-data">(.*?)</script>', page)
    assert data and f"{SCRIPT} post-edit" in json.loads(data.group(1)).values()


def test_gold_from_two_annotators_keeps_shared_span_once(
    client: FlaskClient, setup: tuple[Campaign, list[User]]
) -> None:
    campaign, _team = setup
    target = translation("d1", 2)
    first, second = annotators_of(campaign, target)
    shared = SpanData(0, 2, MIS, "Major")
    annotate(first, target, post_edit="first version", spans=[shared])
    annotate(
        second,
        target,
        post_edit="second version",
        spans=[shared, SpanData(3, 10, "Fluency/Grammar", "Minor", note="agreement")],
    )
    login(client, "boss")
    url = f"/campaigns/{campaign.id}/adjudicate/{target.id}"
    page = client.get(url).get_data(as_text=True)
    columns = span_ids(page)
    assert set(columns) == {first.username, second.username}
    assert hidden(page, "base_version") == "0"
    picked = columns[first.username] + columns[second.username]  # shared twice, one more
    response = client.post(
        url,
        data={
            "post_edit": "second version\r\nfixed",
            "status": "done",
            "span": [str(i) for i in picked],
            "gold_id": "",
            "base_version": "0",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    gold = db.session.scalar(
        sa.select(Assessment).where(
            Assessment.translation_id == target.id, Assessment.kind == "gold"
        )
    )
    assert gold is not None
    assert gold.annotator.username == "boss"
    assert (gold.post_edit, gold.status) == ("second version\nfixed", "done")
    kept = sorted((s.start, s.end, s.category, s.severity) for s in gold.spans)
    assert kept == [(0, 2, MIS, "Major"), (3, 10, "Fluency/Grammar", "Minor")]
    assert db.session.scalar(
        sa.select(sa.func.count(Revision.id)).where(Revision.assessment_id == gold.id)
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.event == "adjudicate"))
    assert event is not None and f"translation={target.id}" in event.detail
    # The annotators' own work is untouched.
    assert sorted(
        db.session.scalars(
            sa.select(Assessment.post_edit).where(
                Assessment.translation_id == target.id, Assessment.kind == "annotation"
            )
        )
    ) == ["first version", "second version"]
    listing = client.get(f"/campaigns/{campaign.id}/adjudicate").get_data(as_text=True)
    assert re.search(rf'data-translation="{target.id}">.*?badge-done">Gold', listing, re.S)


def test_stale_gold_save_is_refused(
    client: FlaskClient, setup: tuple[Campaign, list[User]]
) -> None:
    campaign, _team = setup
    target = translation("d1", 2)
    for user in annotators_of(campaign, target):
        annotate(user, target, post_edit=f"by {user.username}")
    url = f"/campaigns/{campaign.id}/adjudicate/{target.id}"
    login(client, "boss")
    loaded = client.get(url).get_data(as_text=True)
    stale = {"gold_id": hidden(loaded, "gold_id"), "base_version": hidden(loaded, "base_version")}
    # Another admin saves a gold meanwhile.
    chief = db.session.scalar(sa.select(User).where(User.username == "chief"))
    assert chief is not None
    save_gold(
        db.session,
        target,
        chief,
        gold_id=None,
        base_version=0,
        post_edit="chief's gold",
        status="done",
        span_ids=[],
    )
    db.session.commit()
    refused = client.post(url, data={"post_edit": "boss's gold", "status": "done", **stale})
    assert refused.status_code == 409
    body = refused.get_data(as_text=True)
    assert "was saved by chief" in body and "nothing was overwritten" in body
    assert "Gold by chief" in body  # the current gold is shown
    assert "boss&#39;s gold" in body  # and the reviewer's text is kept for merging
    golds = db.session.scalars(
        sa.select(Assessment).where(
            Assessment.translation_id == target.id, Assessment.kind == "gold"
        )
    ).all()
    assert [(g.annotator.username, g.post_edit) for g in golds] == [("chief", "chief's gold")]

    # A reviewer's own stale form is refused too.
    mine = client.get(url).get_data(as_text=True)
    form = {"gold_id": hidden(mine, "gold_id"), "base_version": hidden(mine, "base_version")}
    assert client.post(url, data={"post_edit": "v2", "status": "done", **form}).status_code == 302
    again = client.post(url, data={"post_edit": "v3", "status": "done", **form})
    assert again.status_code == 409
    db.session.expire_all()
    current = current_gold(db.session, target.id)
    assert current is not None
    assert (current.annotator.username, current.post_edit) == ("boss", "v2")


def test_no_errors_gold_with_error_spans_is_refused(
    client: FlaskClient, setup: tuple[Campaign, list[User]]
) -> None:
    campaign, _team = setup
    target = translation("d1", 2)
    first, second = annotators_of(campaign, target)
    annotate(first, target, spans=[SpanData(0, 2, MIS, "Major")])
    annotate(second, target)
    url = f"/campaigns/{campaign.id}/adjudicate/{target.id}"
    login(client, "boss")
    page = client.get(url).get_data(as_text=True)
    ids = span_ids(page)[first.username]
    response = client.post(
        url,
        data={
            "post_edit": target.text,
            "status": "no_errors",
            "span": [str(i) for i in ids],
            "base_version": "0",
        },
    )
    assert response.status_code == 400
    assert "cannot be marked" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ErrorSpan.id))) == 1


def test_translation_outside_campaign_is_404(
    client: FlaskClient, setup: tuple[Campaign, list[User]]
) -> None:
    campaign, _team = setup
    outside = db.session.scalar(
        sa.select(Translation.id).where(Translation.text.like("Link:%")).limit(1)
    )
    login(client, "boss")
    assert client.get(f"/campaigns/{campaign.id}/adjudicate/{outside}").status_code == 404


def test_scoring_uses_the_gold_post_edit(
    client: FlaskClient, setup: tuple[Campaign, list[User]], runner
) -> None:
    campaign, _team = setup
    target = translation("d1", 2)
    for user in annotators_of(campaign, target):
        annotate(user, target, post_edit=f"Completely different words from {user.username}")
    url = f"/campaigns/{campaign.id}/adjudicate/{target.id}"
    login(client, "boss")
    # The gold keeps the MT as it is: against it, the MT scores TER 0.
    response = client.post(url, data={"post_edit": target.text, "status": "done"})
    assert response.status_code == 302
    (pair,) = [p for p in finished_pairs(db.session, target.segment.document.corpus)]
    gold = db.session.scalar(sa.select(Assessment).where(Assessment.kind == "gold"))
    assert gold is not None
    assert (pair.assessment_id, pair.reference) == (gold.id, target.text)
    result = runner.invoke(args=["score", "--corpus", "news", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n_segments"] == 1
    assert report["metrics"]["ter"]["score"] == 0
    assert report["metrics"]["bleu"]["score"] == pytest.approx(100)


def test_gold_survives_a_jsonl_round_trip(
    client: FlaskClient, setup: tuple[Campaign, list[User]], tmp_path
) -> None:
    from app.export import export_corpus
    from app.ingest import import_path

    campaign, _team = setup
    target = translation("d1", 2)
    boss = db.session.scalar(sa.select(User).where(User.username == "boss"))
    assert boss is not None
    first, second = annotators_of(campaign, target)
    annotate(first, target, post_edit="first", spans=[SpanData(0, 2, MIS, "Major")])
    annotate(second, target, post_edit="second")
    # The reviewer annotated the segment too: their annotation and their
    # gold are two assessments under one name.
    annotate(boss, target, post_edit="boss as annotator", spans=[SpanData(3, 5, MIS, "Minor")])
    login(client, "boss")
    page = client.get(f"/campaigns/{campaign.id}/adjudicate/{target.id}").get_data(as_text=True)
    keep = span_ids(page)[first.username]
    client.post(
        f"/campaigns/{campaign.id}/adjudicate/{target.id}",
        data={"post_edit": "gold text", "status": "done", "span": [str(i) for i in keep]},
    )
    corpus = db.session.scalar(sa.select(Corpus).where(Corpus.name == "news"))
    assert corpus is not None
    one = export_corpus(db.session, corpus, "jsonl", tmp_path / "one.jsonl")
    lines = [json.loads(line) for line in one[0].read_text(encoding="utf-8").splitlines()]
    (line,) = [item for item in lines if item["target"] == target.text]
    assert line["reference"] == "gold text"
    kinds = [(a["annotator"], a.get("kind")) for a in line["assessments"]]
    names = sorted(u.username for u in (first, second))
    assert kinds == [(names[0], None), (names[1], None), ("boss", None), ("boss", "gold")]
    gold_errors = [e for e in line["errors"] if e.get("kind") == "gold"]
    assert [(e["annotator"], e["start"], e["end"]) for e in gold_errors] == [("boss", 0, 2)]
    # Lines without a gold carry no "kind" in their work at all.
    others = [item for item in lines if item is not line]
    assert all("kind" not in a for item in others for a in item["assessments"])

    db.session.remove()
    db.drop_all()
    db.create_all()
    report = import_path(db.session, one[0])
    assert report.count("assessments").created == 4
    gold = db.session.scalar(sa.select(Assessment).where(Assessment.kind == "gold"))
    assert gold is not None and gold.post_edit == "gold text"
    assert gold.annotator.username == "boss"
    corpus = db.session.scalar(sa.select(Corpus))
    assert corpus is not None
    two = export_corpus(db.session, corpus, "jsonl", tmp_path / "two.jsonl")
    for a, b in zip(one, two, strict=True):
        assert a.read_bytes() == b.read_bytes(), (a, b)
    again = import_path(db.session, one[0])
    assert again.count("assessments").present == 4


@pytest.fixture
def shared_app(fresh_database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on a database that concurrent requests reach through
    connections of their own (a file, or a fresh PostgreSQL database), as
    under a real server; the `app` fixture's in-memory SQLite has one."""
    config = type(
        "Shared",
        (TestConfig,),
        {"SQLALCHEMY_DATABASE_URI": fresh_database_url, "INSTANCE_PATH": str(tmp_path)},
    )
    app = create_app(config)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_two_first_golds_saved_at_once_make_one_and_a_409(
    shared_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two reviewers save a first gold of one translation at the same time.
    The first holds its transaction open (here: paused after save_gold);
    the second must wait for it, then see its gold and be refused with the
    current version, not create a second gold."""
    from app.campaigns import adjudicate

    team = [make_user(name) for name in ("ann1", "ann2")]
    make_user("boss", role="admin")
    make_user("chief", role="admin")
    corpus = build_corpus(documents=(("d1", 1),), systems=("sysA",))
    campaign = create_campaign(
        db.session, name="adj", corpus=corpus, annotators=team, per_segment=2
    )
    db.session.commit()
    target = translation("d1", 2)
    for user in team:
        annotate(user, target, post_edit=f"by {user.username}")
    url = f"/campaigns/{campaign.id}/adjudicate/{target.id}"
    db.session.remove()  # the main thread holds no transaction from here on
    clients = {}
    for name in ("boss", "chief"):
        clients[name] = shared_app.test_client()
        # A context of its own: its `g` (the logged-in user) and its session
        # end with the request.
        with shared_app.app_context():
            login(clients[name], name)

    first_inside, release = threading.Event(), threading.Event()
    real_record = adjudicate.record
    paused: list[bool] = []

    def record_then_pause(*args, **kwargs):
        real_record(*args, **kwargs)
        if not paused:
            paused.append(True)
            first_inside.set()
            release.wait(timeout=30)

    monkeypatch.setattr(adjudicate, "record", record_then_pause)
    answers: dict[str, tuple[int, str]] = {}

    def save(name: str) -> None:
        form = {"post_edit": f"{name}'s gold", "status": "done", "gold_id": "", "base_version": "0"}
        response = clients[name].post(url, data=form)
        answers[name] = (response.status_code, response.get_data(as_text=True))

    first = threading.Thread(target=save, args=("boss",))
    second = threading.Thread(target=save, args=("chief",))
    first.start()
    try:
        assert first_inside.wait(timeout=30), "the first save never reached its commit"
        second.start()
        second.join(timeout=1.0)
        assert second.is_alive(), f"the second save did not wait: {answers.get('chief')}"
    finally:
        release.set()
        first.join(timeout=30)
        if second.ident is not None:
            second.join(timeout=30)
    assert answers["boss"][0] == 302
    status, body = answers["chief"]
    assert status == 409
    assert "was saved by boss" in body and "now at version 2" in body
    assert "chief&#39;s gold" in body  # kept in the form for merging
    golds = db.session.scalars(
        sa.select(Assessment).where(
            Assessment.translation_id == target.id, Assessment.kind == "gold"
        )
    ).all()
    assert [(g.annotator.username, g.post_edit, g.version) for g in golds] == [
        ("boss", "boss's gold", 2)
    ]
    assert hidden(body, "gold_id") == str(golds[0].id)
    assert hidden(body, "base_version") == "2"
