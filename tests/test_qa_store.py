"""Stored QA flags: refreshing them from the checks with the DB glossary,
recomputing them when what they came from changed (and only then),
decisions, and precision measured against those decisions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.errors import MtqaError
from app.extensions import db
from app.glossary import add_term
from app.models import Document, QaFlag, QaRun, Translation, User
from app.qa import REGISTRY, run_checks
from app.qa.store import (
    decide,
    is_stale,
    precision_from_decisions,
    refresh_flags,
    refresh_if_stale,
)
from tests.conftest import make_user
from tests.test_annotate import build_document, translation_at


@pytest.fixture
def doc(app: Flask) -> Document:
    return build_document(
        [
            ("title", "Former Internet employees", None),
            ("meta", "Wang Cola's link", None),
            ("body", {"a": "Wang Cola resigned from Kuaishou.", "b": "Wang Kele resigned."}, None),
            ("body", {"a": "Later Wang Cola made beer.", "b": "Wang Cola made beer ."}, None),
        ]
    )


def _keyed(doc: Document) -> set[tuple[str, str, int, str]]:
    """(system, check, position, flagged text) of each stored flag."""
    found = set()
    for flag in db.session.scalars(sa.select(QaFlag)):
        for position in range(1, 5):
            for system in ("a", "b"):
                t = translation_at(doc, position, system) if position > 2 else None
                if t is not None and t.id == flag.translation_id:
                    found.add((system, flag.check, position, t.text[flag.start : flag.end]))
    return found


def test_refresh_uses_the_db_glossary_per_system(doc: Document) -> None:
    result = refresh_flags(db.session, doc)
    db.session.commit()
    assert result.added == len(_keyed(doc))
    assert ("b", "spacing-punctuation", 4, " ") in _keyed(doc)
    assert not any(check == "glossary" for _, check, _, _ in _keyed(doc))

    add_term(db.session, doc.corpus, "Wang Kele", "Wang Cola")
    db.session.commit()
    result = refresh_flags(db.session, doc)
    db.session.commit()
    glossary = {k for k in _keyed(doc) if k[1] == "glossary"}
    # Every "Wang Cola" of both systems, none on the meta segment (not annotated).
    assert glossary == {
        ("a", "glossary", 3, "Wang Cola"),
        ("a", "glossary", 4, "Wang Cola"),
        ("b", "glossary", 4, "Wang Cola"),
    }
    assert result.added == 3 and result.removed == 0
    flag = db.session.scalar(sa.select(QaFlag).where(QaFlag.check == "glossary").limit(1))
    assert flag.suggestion == "Wang Kele" and flag.status == "open"
    assert flag.category == "Terminology/Inappropriate for context"

    # A second refresh with nothing changed changes nothing.
    again = refresh_flags(db.session, doc)
    assert (again.added, again.removed) == (0, 0)


def test_refresh_keeps_decided_flags_and_drops_stale_open_ones(doc: Document) -> None:
    user = make_user("ann")
    add_term(db.session, doc.corpus, "Wang Kele", "Wang Cola")
    refresh_flags(db.session, doc)
    db.session.commit()
    glossary_flags = db.session.scalars(
        sa.select(QaFlag).where(QaFlag.check == "glossary").order_by(QaFlag.id)
    ).all()
    confirmed, dismissed, left_open = glossary_flags
    decide(db.session, confirmed, user, "confirmed")
    decide(db.session, dismissed, user, "dismissed")
    db.session.commit()
    assert confirmed.decided_by == user.id and confirmed.decided_at is not None

    # The pair leaves the glossary: the open flag goes, the decided ones stay.
    db.session.execute(sa.delete(type(doc.corpus).metadata.tables["glossary_term"]))
    db.session.commit()
    result = refresh_flags(db.session, doc)
    db.session.commit()
    assert result.removed == 1
    remaining = {f.id: f.status for f in db.session.scalars(sa.select(QaFlag))}
    assert remaining[confirmed.id] == "confirmed"
    assert remaining[dismissed.id] == "dismissed"
    assert left_open.id not in remaining


def test_decide_refuses_other_statuses(doc: Document) -> None:
    user = make_user("ann")
    refresh_flags(db.session, doc)
    flag = db.session.scalars(sa.select(QaFlag)).first()
    for status in ("open", "maybe", ""):
        with pytest.raises(MtqaError):
            decide(db.session, flag, user, status)
    decide(db.session, flag, user, "dismissed")
    decide(db.session, flag, user, "confirmed")  # a change of mind
    assert flag.status == "confirmed"


def test_precision_counts_decisions_per_check(doc: Document) -> None:
    user: User = make_user("ann")
    add_term(db.session, doc.corpus, "Wang Kele", "Wang Cola")
    refresh_flags(db.session, doc)
    db.session.commit()
    glossary_flags = db.session.scalars(
        sa.select(QaFlag).where(QaFlag.check == "glossary").order_by(QaFlag.id)
    ).all()
    spacing = db.session.scalars(
        sa.select(QaFlag).where(QaFlag.check == "spacing-punctuation")
    ).all()
    decide(db.session, glossary_flags[0], user, "confirmed")
    decide(db.session, glossary_flags[1], user, "confirmed")
    decide(db.session, glossary_flags[2], user, "dismissed")
    db.session.commit()

    rows = {r.check: r for r in precision_from_decisions(db.session, doc.corpus)}
    assert set(REGISTRY.ids()) <= set(rows)
    g = rows["glossary"]
    assert (g.flags, g.confirmed, g.dismissed, g.open) == (3, 2, 1, 0)
    assert g.precision == pytest.approx(2 / 3)
    s = rows["spacing-punctuation"]
    assert (s.flags, s.open, s.decided) == (len(spacing), len(spacing), 0)
    assert s.precision is None  # nothing decided yet: no precision, not 0
    assert rows["number-mismatch"].flags == 0


def test_precision_page_shows_the_numbers_to_researchers_only(client, auth, doc: Document) -> None:
    import re

    user = make_user("ann")
    make_user("reader", role="researcher")
    add_term(db.session, doc.corpus, "Wang Kele", "Wang Cola")
    refresh_flags(db.session, doc)
    glossary_flags = db.session.scalars(
        sa.select(QaFlag).where(QaFlag.check == "glossary").order_by(QaFlag.id)
    ).all()
    decide(db.session, glossary_flags[0], user, "confirmed")
    decide(db.session, glossary_flags[1], user, "dismissed")
    db.session.commit()

    auth.login("ann")
    assert client.get("/reports/news/qa").status_code == 403
    auth.logout()
    auth.login("reader")
    page = client.get("/reports/news/qa")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    row = re.search(r'<tr id="check-glossary".*?</tr>', html, re.S).group(0)
    cells = re.findall(r'<td class="num (\w+)">([^<]*)</td>', row)
    assert dict(cells) == {
        "flags": "3", "confirmed": "1", "dismissed": "1", "open": "1", "precision": "0.50",
    }  # fmt: skip
    spacing = re.search(r'<tr id="check-spacing-punctuation".*?</tr>', html, re.S).group(0)
    assert '<td class="num precision"><span class="muted"' in spacing
    assert client.get("/reports/nope/qa").status_code == 404


def test_cli_refreshes_a_corpus(runner, doc: Document) -> None:
    add_term(db.session, doc.corpus, "Wang Kele", "Wang Cola")
    db.session.commit()
    result = runner.invoke(args=["qa-flags", "refresh", "--corpus", "news"])
    assert result.exit_code == 0, result.output
    stored = db.session.scalar(sa.select(sa.func.count(QaFlag.id)))
    assert stored and f"1 document(s): {stored} flag(s) added, 0 removed, 0 kept" in result.output
    again = runner.invoke(args=["qa-flags", "refresh", "--corpus", "news"])
    assert f"0 flag(s) added, 0 removed, {stored} kept" in again.output
    assert not is_stale(db.session, doc)  # the command stamps what it computed
    missing = runner.invoke(args=["qa-flags", "refresh", "--corpus", "nope"])
    assert missing.exit_code == 1


def test_the_stamp_follows_the_glossary_the_checks_and_the_translations(
    doc: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert is_stale(db.session, doc)  # never computed
    assert refresh_if_stale(db.session, doc) is not None
    db.session.commit()
    run = db.session.get(QaRun, doc.id)
    assert run is not None and run.translations == 6 and run.checks == REGISTRY.versions()
    assert not is_stale(db.session, doc)
    assert refresh_if_stale(db.session, doc) is None

    add_term(db.session, doc.corpus, "Wang Kele", "Wang Cola")
    db.session.commit()
    assert is_stale(db.session, doc)
    assert refresh_if_stale(db.session, doc).added == 3
    db.session.commit()
    assert not is_stale(db.session, doc)
    # A source or note filled in later is a change of the glossary too.
    add_term(db.session, doc.corpus, "Wang Kele", "Wang Cola", source="王可乐")
    db.session.commit()
    assert is_stale(db.session, doc)
    refresh_flags(db.session, doc)
    db.session.commit()

    # A check that changed what it flags.
    check = type(REGISTRY.get("spacing-punctuation"))
    monkeypatch.setattr(check, "version", check.version + 1)
    assert is_stale(db.session, doc)
    monkeypatch.undo()
    assert not is_stale(db.session, doc)

    # Another system's MT imported into the document.
    segment = translation_at(doc, 3, "a").segment
    db.session.add(Translation(segment_id=segment.id, system="c", text="Wang Cola quit ."))
    db.session.commit()
    assert is_stale(db.session, doc)


@pytest.fixture
def editor(app: Flask, client: FlaskClient, auth) -> FlaskClient:
    make_user("ann")  # before the document, so that it is assigned to her
    auth.login("ann")
    return client


def _flags(client: FlaskClient, translation: Translation) -> list[dict]:
    response = client.get(f"/annotate/api/translations/{translation.id}/flags")
    assert response.status_code == 200
    return response.get_json()["flags"]


def test_a_pair_added_by_fix_everywhere_raises_flags_on_the_next_view(editor) -> None:
    doc = build_document(
        [
            ("body", "When Wang Cola resigned , he left.", None),
            ("body", "Later Wang Cola made beer.", None),
        ]
    )
    first, second = translation_at(doc, 1), translation_at(doc, 2)
    (spacing,) = _flags(editor, first)
    assert spacing["check"] == "spacing-punctuation"
    decided = editor.post(
        f"/annotate/api/flags/{spacing['id']}/decision", json={"status": "dismissed"}
    )
    assert decided.status_code == 200
    assert _flags(editor, second) == []

    # "Fix everywhere" records the pair in the glossary (here applied to no
    # other translation): both segments now show it, and the dismissal stands.
    applied = editor.post(
        f"/annotate/api/translations/{first.id}/propagation",
        json={"wrong": "Wang Cola", "right": "Wang Kele", "translation_ids": []},
    )
    assert applied.get_json()["glossary"] == {"target": "Wang Kele", "wrong": "Wang Cola"}
    assert [(f["check"], f["text"], f["status"]) for f in _flags(editor, second)] == [
        ("glossary", "Wang Cola", "open")
    ]
    by_check = {f["check"]: f for f in _flags(editor, first)}
    assert by_check["glossary"]["text"] == "Wang Cola"
    assert (by_check["spacing-punctuation"]["id"], by_check["spacing-punctuation"]["status"]) == (
        spacing["id"],
        "dismissed",
    )


def test_a_document_without_flags_is_not_checked_on_every_view(
    editor, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.qa.store as store

    calls: list[int] = []

    def counting(segments, glossary, **options):
        calls.append(len(segments))
        return run_checks(segments, glossary, **options)

    monkeypatch.setattr(store, "run_checks", counting)
    doc = build_document([("body", "Nothing to see.", None), ("body", "All is well.", None)])
    clean = translation_at(doc, 1)
    assert _flags(editor, clean) == []
    assert calls == [2]
    for _ in range(3):
        assert _flags(editor, clean) == []
        assert _flags(editor, translation_at(doc, 2)) == []
    assert calls == [2]
    # A glossary change is the one thing that makes it look again.
    add_term(db.session, doc.corpus, "Wang Kele", "Wang Cola")
    db.session.commit()
    assert _flags(editor, clean) == []
    assert calls == [2, 2]
