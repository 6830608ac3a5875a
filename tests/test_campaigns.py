"""Campaigns: assignment plans, what annotators see, progress, admin pages, CLI."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from app.assessments import SpanData, get_or_create_assessment, save_assessment
from app.assignment import CampaignError, create_campaign
from app.extensions import db
from app.models import (
    Assignment,
    AuditEvent,
    Campaign,
    Corpus,
    Document,
    Segment,
    Translation,
    User,
)
from tests.conftest import PASSWORD

#: A cheap password hash: these tests log in as many users, and the default
#: hash is slow on purpose.
QUICK_HASH = "pbkdf2:sha256:1000"


def make_user(username: str, role: str = "annotator") -> User:
    user = User(
        username=username,
        role=role,
        password_hash=generate_password_hash(PASSWORD, method=QUICK_HASH),
    )
    db.session.add(user)
    db.session.commit()
    return user


SYSTEMS = ("sysA", "sysB")


def build_corpus(
    name: str = "news",
    documents: Sequence[tuple[str, int]] = (("d1", 4), ("d2", 3), ("d3", 2)),
    systems: Sequence[str] = SYSTEMS,
) -> Corpus:
    """A corpus whose documents have a non-annotatable meta line first, then
    `n` body segments, each translated by every system. No assignments."""
    corpus = Corpus(name=name, source_lang="zh", target_lang="en")
    db.session.add(corpus)
    for doc_pos, (doc_name, n) in enumerate(documents):
        document = Document(
            corpus=corpus, name=doc_name, title=f"Title {doc_name}", position=doc_pos
        )
        db.session.add(document)
        meta = Segment(document=document, position=1, kind="meta", annotatable=False, source=None)
        for system in systems:
            meta.translations.append(Translation(system=system, text="Link: http://x"))
        db.session.add(meta)
        for pos in range(2, n + 2):
            segment = Segment(
                document=document, position=pos, kind="body", annotatable=True, source=f"源{pos}"
            )
            for system in systems:
                segment.translations.append(
                    Translation(system=system, text=f"{doc_name} segment {pos} by {system}.")
                )
            db.session.add(segment)
    db.session.commit()
    return corpus


def annotatable_translations(corpus: Corpus) -> list[tuple[int, str, str]]:
    """(translation id, document name, system) of every annotatable translation."""
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(Translation.id, Document.name, Translation.system)
            .join(Segment, Translation.segment_id == Segment.id)
            .join(Document, Segment.document_id == Document.id)
            .where(Document.corpus_id == corpus.id, Segment.annotatable.is_(True))
        )
    ]


def assignments(campaign: Campaign) -> dict[int, list[int]]:
    """translation id → annotator ids."""
    out: dict[int, list[int]] = defaultdict(list)
    for tid, uid in db.session.execute(
        sa.select(Assignment.translation_id, Assignment.annotator_id).where(
            Assignment.campaign_id == campaign.id
        )
    ):
        out[tid].append(uid)
    return out


def translation(document: str, position: int, system: str = "sysA") -> Translation:
    found = db.session.scalar(
        sa.select(Translation)
        .join(Segment)
        .join(Document)
        .where(
            Document.name == document, Segment.position == position, Translation.system == system
        )
    )
    assert found is not None
    return found


def annotate(
    user: User,
    target: Translation,
    *,
    post_edit: str | None = None,
    status: str = "done",
    spans: Sequence[SpanData] = (),
    time_spent: float = 0.0,
    keystrokes: int = 0,
) -> None:
    assessment = get_or_create_assessment(db.session, target, user)
    save_assessment(
        db.session,
        assessment,
        user=user,
        base_version=assessment.version,
        post_edit=post_edit if post_edit is not None else target.text,
        status=status,
        spans=list(spans),
        time_spent=time_spent,
        keystrokes=keystrokes,
    )
    db.session.commit()


@pytest.fixture
def team(app: Flask) -> list[User]:
    return [make_user(name) for name in ("ann1", "ann2", "ann3")]


@pytest.fixture
def admin(app: Flask) -> User:
    return make_user("boss", role="admin")


def login(client: FlaskClient, username: str) -> None:
    response = client.post("/auth/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302


# --- assignment plans -------------------------------------------------------


def test_round_robin_three_annotators_two_per_segment(team: list[User]) -> None:
    corpus = build_corpus()
    campaign = create_campaign(
        db.session, name="rr", corpus=corpus, annotators=team, per_segment=2, mode="round-robin"
    )
    db.session.commit()
    plan = assignments(campaign)
    units = annotatable_translations(corpus)
    assert set(plan) == {tid for tid, _, _ in units}
    for annotators in plan.values():
        assert len(annotators) == 2 and len(set(annotators)) == 2
    load = Counter(uid for annotators in plan.values() for uid in annotators)
    total = 2 * len(units)
    assert sum(load.values()) == total
    # Balanced: every annotator gets floor or ceil of the fair share.
    assert set(load) == {u.id for u in team}
    assert all(total // 3 <= n <= -(-total // 3) for n in load.values())


def test_by_document_gives_each_document_and_system_whole_to_n(team: list[User]) -> None:
    corpus = build_corpus()
    campaign = create_campaign(
        db.session, name="bd", corpus=corpus, annotators=team, per_segment=2, mode="by-document"
    )
    db.session.commit()
    plan = assignments(campaign)
    groups: dict[tuple[str, str], set[frozenset[int]]] = defaultdict(set)
    for tid, doc, system in annotatable_translations(corpus):
        groups[(doc, system)].add(frozenset(plan[tid]))
    assert len(groups) == 3 * len(SYSTEMS)
    for teams in groups.values():
        assert len(teams) == 1  # every segment of the unit has the same annotators
        (members,) = teams
        assert len(members) == 2


def test_subset_of_documents_and_systems(team: list[User]) -> None:
    corpus = build_corpus()
    campaign = create_campaign(
        db.session,
        name="subset",
        corpus=corpus,
        annotators=team[:2],
        per_segment=1,
        documents=["d2", "d3"],
        systems=["sysB"],
    )
    db.session.commit()
    expected = {
        tid
        for tid, doc, system in annotatable_translations(corpus)
        if doc in ("d2", "d3") and system == "sysB"
    }
    assert set(assignments(campaign)) == expected


def test_too_many_per_segment_writes_nothing(team: list[User]) -> None:
    corpus = build_corpus()
    with pytest.raises(CampaignError, match="3 annotators per segment"):
        create_campaign(db.session, name="x", corpus=corpus, annotators=team[:2], per_segment=3)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id))) == 0


# --- what an annotator sees -------------------------------------------------


def test_annotator_sees_and_saves_only_assigned_work(client: FlaskClient, team: list[User]) -> None:
    corpus = build_corpus(documents=(("d1", 2), ("d2", 2)), systems=("sysA",))
    create_campaign(
        db.session, name="c", corpus=corpus, annotators=team[:2], per_segment=1, mode="by-document"
    )
    db.session.commit()
    login(client, "ann1")
    page = client.get("/").get_data(as_text=True)
    assert 'data-document="d1"' in page
    assert 'data-document="d2"' not in page

    mine, other = translation("d1", 2), translation("d2", 2)
    assert client.get(f"/annotate/{mine.segment.document_id}/2").status_code == 200
    # A document holding none of their work is not there for them at all.
    assert client.get(f"/annotate/{other.segment.document_id}/2").status_code == 404

    body = {"base_version": 0, "post_edit": "x", "status": "done", "spans": []}
    refused = client.post(f"/annotate/api/assessments/{other.id}", json=body)
    assert refused.status_code == 403
    accepted = client.post(f"/annotate/api/assessments/{mine.id}", json=body)
    assert accepted.status_code == 200


# --- progress ---------------------------------------------------------------


def progress_rows(page: str) -> dict[str, dict[str, str]]:
    rows = {}
    for name, cells in re.findall(
        r'<tr class="annotator-row" data-annotator="([^"]+)">(.*?)</tr>', page, re.S
    ):
        values = dict(re.findall(r'<td class="num ([a-z-]+)"[^>]*>([^<]*)</td>', cells))
        seconds = re.search(r'data-seconds="([^"]+)"', cells)
        values["seconds"] = seconds.group(1) if seconds else ""
        rows[name] = values
    return rows


def test_progress_matches_what_annotators_saved(
    client: FlaskClient, team: list[User], admin: User, runner
) -> None:
    corpus = build_corpus(documents=(("d1", 3),), systems=("sysA",))
    campaign = create_campaign(
        db.session, name="prog", corpus=corpus, annotators=team, per_segment=2
    )
    db.session.commit()
    plan = assignments(campaign)
    saved: dict[str, dict[str, float]] = {}
    # Each annotator saves through the editor's endpoint: their first
    # assignment finished, their second (if any) left as a draft.
    for user in team:
        login(client, user.username)
        mine = sorted(tid for tid, uids in plan.items() if user.id in uids)
        stats = {"assigned": len(mine), "finished": 0, "drafts": 0, "time": 0.0, "keys": 0}
        for index, tid in enumerate(mine[:2]):
            status = "done" if index == 0 else "draft"
            time_spent, keys = 10.5 * (index + 1) + user.id, 7 * (index + 1) + user.id
            response = client.post(
                f"/annotate/api/assessments/{tid}",
                json={
                    "base_version": 0,
                    "post_edit": "edited",
                    "status": status,
                    "time_spent": time_spent,
                    "keystrokes": keys,
                },
            )
            assert response.status_code == 200, response.get_data(as_text=True)
            stats["finished" if status == "done" else "drafts"] += 1
            stats["time"] += time_spent
            stats["keys"] += keys
        saved[user.username] = stats
        client.post("/auth/logout")

    login(client, "boss")
    rows = progress_rows(client.get(f"/campaigns/{campaign.id}").get_data(as_text=True))
    assert set(rows) == set(saved)
    for name, stats in saved.items():
        assert int(rows[name]["assigned"]) == stats["assigned"]
        assert int(rows[name]["finished"]) == stats["finished"]
        assert int(rows[name]["drafts"]) == stats["drafts"]
        assert int(rows[name]["keystrokes"]) == stats["keys"]
        assert float(rows[name]["seconds"]) == pytest.approx(stats["time"], abs=0.05)

    result = runner.invoke(args=["campaign", "progress", "prog", "--json"])
    assert result.exit_code == 0, result.output
    by_name = {row["annotator"]: row for row in json.loads(result.output)["annotators"]}
    for name, stats in saved.items():
        row = by_name[name]
        assert (row["assigned"], row["finished"], row["drafts"], row["keystrokes"]) == (
            stats["assigned"],
            stats["finished"],
            stats["drafts"],
            stats["keys"],
        )
        assert row["time_spent"] == pytest.approx(stats["time"], abs=0.05)
        assert row["last_activity"] is not None

    index = client.get("/campaigns/").get_data(as_text=True)
    finished = sum(s["finished"] for s in saved.values())
    assert f"{finished} / {2 * 3}" in index


def test_progress_is_one_query(team: list[User], app: Flask) -> None:
    from app.campaigns.queries import annotator_progress

    corpus = build_corpus()
    campaign = create_campaign(db.session, name="q", corpus=corpus, annotators=team, per_segment=2)
    db.session.commit()
    assert campaign.id  # loaded now, not during the measured call
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        rows = annotator_progress(db.session, campaign)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(rows) == 3
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


# --- admin pages ------------------------------------------------------------

PAGES = ("/campaigns/", "/campaigns/new", "/campaigns/{id}", "/campaigns/{id}/adjudicate")


@pytest.mark.parametrize("role", ["annotator", "researcher"])
def test_non_admins_get_403_everywhere(client: FlaskClient, team: list[User], role: str) -> None:
    corpus = build_corpus(documents=(("d1", 1),), systems=("sysA",))
    campaign = create_campaign(db.session, name="c", corpus=corpus, annotators=team[:1])
    db.session.commit()
    tid = next(iter(assignments(campaign)))
    make_user("someone", role=role)
    login(client, "someone")
    urls = [p.format(id=campaign.id) for p in PAGES]
    urls.append(f"/campaigns/{campaign.id}/adjudicate/{tid}")
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post("/campaigns/new", data={"name": "x"}).status_code == 403
    post = client.post(f"/campaigns/{campaign.id}/adjudicate/{tid}", data={"status": "done"})
    assert post.status_code == 403


def test_anonymous_is_sent_to_login(client: FlaskClient, app: Flask) -> None:
    response = client.get("/campaigns/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def form_data(corpus: Corpus, users: Sequence[User], **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Spring evaluation",
        "corpus": str(corpus.id),
        "annotators": [str(u.id) for u in users],
        "per_segment": "2",
        "mode": "round-robin",
    }
    data.update(extra)
    return data


def test_admin_creates_a_campaign(client: FlaskClient, team: list[User], admin: User) -> None:
    corpus = build_corpus()
    login(client, "boss")
    assert client.get("/campaigns/new").status_code == 200
    d2 = db.session.scalar(sa.select(Document.id).where(Document.name == "d2"))
    response = client.post(
        "/campaigns/new", data=form_data(corpus, team, documents=[str(d2)], systems=["sysA"])
    )
    assert response.status_code == 302
    campaign = db.session.scalar(sa.select(Campaign))
    assert campaign is not None and campaign.created_by == admin.id
    expected = {
        tid
        for tid, doc, system in annotatable_translations(corpus)
        if (doc, system) == ("d2", "sysA")
    }
    assert set(assignments(campaign)) == expected
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.event == "campaign-create"))
    assert event is not None and event.user_id == admin.id and "Spring evaluation" in event.detail

    listing = client.get("/campaigns/").get_data(as_text=True)
    assert 'data-campaign="Spring evaluation"' in listing
    assert f"0 / {2 * len(expected)}" in listing


def test_campaign_error_is_shown_and_nothing_written(
    client: FlaskClient, team: list[User], admin: User
) -> None:
    corpus = build_corpus()
    other = build_corpus(name="other", documents=(("x1", 1),))
    x1 = db.session.scalar(sa.select(Document.id).where(Document.corpus_id == other.id))
    login(client, "boss")
    too_many = client.post("/campaigns/new", data=form_data(corpus, team[:1]))
    assert too_many.status_code == 400
    assert "2 annotators per segment asked, but the team has 1" in too_many.get_data(as_text=True)
    wrong_doc = client.post("/campaigns/new", data=form_data(corpus, team, documents=[str(x1)]))
    assert wrong_doc.status_code == 400
    assert "is not in corpus news" in wrong_doc.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 0
    created = sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.event == "campaign-create")
    assert db.session.scalar(created) == 0


# --- command line -----------------------------------------------------------


def test_cli_create_list_progress(runner, team: list[User]) -> None:
    corpus = build_corpus()
    args = ["campaign", "create", "cli", "--corpus", "news", "--per-segment", "2"]
    for user in team:
        args += ["--annotator", user.username]
    args += ["--mode", "by-document", "--document", "d1", "--system", "sysB"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.name == "cli"))
    assert campaign is not None and campaign.mode == "by-document" and campaign.per_segment == 2
    expected = {
        tid
        for tid, doc, system in annotatable_translations(corpus)
        if (doc, system) == ("d1", "sysB")
    }
    assert set(assignments(campaign)) == expected
    assert f"{len(expected)} translations, {2 * len(expected)} assignments" in result.output

    listing = runner.invoke(args=["campaign", "list"])
    assert listing.exit_code == 0
    assert f"cli\tnews\tby-document\t2\t2\t0\t{2 * len(expected)}" in listing.output

    table = runner.invoke(args=["campaign", "progress", "cli"])
    assert table.exit_code == 0
    assigned = [line.split("\t") for line in table.output.splitlines()[2:]]
    assert sum(int(cols[1]) for cols in assigned) == 2 * len(expected)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--corpus", "nope", "--annotator", "ann1"], "no corpus named 'nope'"),
        (["--corpus", "news", "--annotator", "ghost"], "no user 'ghost'"),
        (
            ["--corpus", "news", "--annotator", "ann1", "--per-segment", "2"],
            "2 annotators per segment asked, but the team has 1",
        ),
        (["--corpus", "news", "--annotator", "ann1", "--document", "zz"], "no document 'zz'"),
    ],
)
def test_cli_errors_are_clear(runner, team: list[User], args: list[str], message: str) -> None:
    build_corpus()
    result = runner.invoke(args=["campaign", "create", "bad", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id))) == 0


def test_cli_progress_unknown_campaign(runner, app: Flask) -> None:
    result = runner.invoke(args=["campaign", "progress", "nope"])
    assert result.exit_code == 1
    assert "no campaign named 'nope'" in result.output
