"""The corpus glossary in the database: import from TSV, pairs added by
corrections, and the entries the QA checks take."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from app.errors import MtqaError
from app.extensions import db
from app.glossary import add_term, corpus_glossary, import_glossary_tsv
from app.models import Corpus, GlossaryTerm
from app.qa import load_glossary
from tests.conftest import REPO, make_user

SEED_GLOSSARY = REPO / "annotations" / "glossary.tsv"


@pytest.fixture
def corpus(app: Flask) -> Corpus:
    corpus = Corpus(name="latepost", source_lang="zh", target_lang="en")
    db.session.add(corpus)
    db.session.commit()
    return corpus


def _rows(corpus: Corpus) -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(GlossaryTerm.target, GlossaryTerm.wrong)
        .where(GlossaryTerm.corpus_id == corpus.id)
        .order_by(GlossaryTerm.id)
    )
    return [(target, wrong) for target, wrong in rows]


def test_import_is_idempotent_and_round_trips_the_file(corpus: Corpus) -> None:
    added = import_glossary_tsv(db.session, corpus, SEED_GLOSSARY)
    db.session.commit()
    from_file = load_glossary(SEED_GLOSSARY)
    expected_rows = sum(max(1, len(e.wrong_variants)) for e in from_file)
    assert added == expected_rows == len(_rows(corpus))
    assert ("Wang Kele", "Wang Cola") in _rows(corpus)
    assert ("Wang Kele", "Cola Wang") in _rows(corpus)
    assert ("Tencent", "") in _rows(corpus)

    assert import_glossary_tsv(db.session, corpus, SEED_GLOSSARY) == 0
    db.session.commit()
    assert len(_rows(corpus)) == expected_rows

    # The DB glossary gives the checks what the file gives them.
    by_target = {e.target_term: e for e in corpus_glossary(db.session, corpus)}
    for entry in from_file:
        got = by_target[entry.target_term]
        assert set(got.wrong_variants) >= set(entry.wrong_variants)
    wang = by_target["Wang Kele"]
    assert wang.wrong_variants == ("Wang Cola", "Cola Wang")
    assert wang.source_term == "王可乐"
    assert wang.note.startswith("person")


def test_add_term_groups_wrong_variants_by_target(corpus: Corpus) -> None:
    user = make_user("ann")
    term, created = add_term(db.session, corpus, "Wang Kele", "Wang Cola", user=user)
    assert created and term.created_by == user.id
    again, created = add_term(db.session, corpus, " Wang Kele ", "Wang Cola", source="王可乐")
    assert not created and again.id == term.id and again.source == "王可乐"
    add_term(db.session, corpus, "Wang Kele", "Cola Wang")
    add_term(db.session, corpus, "Tencent", "")
    db.session.commit()
    entries = corpus_glossary(db.session, corpus)
    # In the order the terms were recorded (the glossary file's order).
    assert [(e.target_term, e.wrong_variants) for e in entries] == [
        ("Wang Kele", ("Wang Cola", "Cola Wang")),
        ("Tencent", ()),
    ]
    assert entries[0].source_term == "王可乐"


def test_glossaries_are_per_corpus(corpus: Corpus) -> None:
    other = Corpus(name="other", source_lang="zh", target_lang="en")
    db.session.add(other)
    db.session.flush()
    add_term(db.session, corpus, "Wang Kele", "Wang Cola")
    add_term(db.session, other, "Wang Kele", "Wang Cola")
    db.session.commit()
    assert len(_rows(corpus)) == len(_rows(other)) == 1
    assert corpus_glossary(db.session, other)[0].wrong_variants == ("Wang Cola",)


@pytest.mark.parametrize(
    ("target", "wrong"), [("", "Wang Cola"), ("Wang Kele", "Wang Kele"), ("x" * 301, "")]
)
def test_add_term_refuses_nonsense(corpus: Corpus, target: str, wrong: str) -> None:
    with pytest.raises(MtqaError):
        add_term(db.session, corpus, target, wrong)


def test_cli_imports_and_lists(corpus: Corpus, runner) -> None:
    result = runner.invoke(args=["glossary", "import", str(SEED_GLOSSARY), "--corpus", "latepost"])
    assert result.exit_code == 0, result.output
    n = len(_rows(corpus))
    assert f"added {n} " in result.output
    again = runner.invoke(args=["glossary", "import", str(SEED_GLOSSARY), "--corpus", "latepost"])
    assert "added 0 " in again.output
    listed = runner.invoke(args=["glossary", "list", "--corpus", "latepost"])
    assert listed.exit_code == 0, listed.output
    line = next(line for line in listed.output.splitlines() if line.startswith("Wang Kele"))
    assert "Wang Cola" in line and "Cola Wang" in line
    missing = runner.invoke(args=["glossary", "list", "--corpus", "nope"])
    assert missing.exit_code == 1 and "no corpus named 'nope'" in missing.output


def test_cli_reports_a_bad_file(corpus: Corpus, runner, tmp_path: Path) -> None:
    bad = tmp_path / "g.tsv"
    bad.write_text("source_term\tnote\nx\ty\n", encoding="utf-8")
    result = runner.invoke(args=["glossary", "import", str(bad), "--corpus", "latepost"])
    assert result.exit_code == 1
    assert "target_term" in result.output


def test_import_for_a_named_corpus_as_the_seed_does(corpus: Corpus, tmp_path: Path) -> None:
    from app.glossary import import_glossary_for

    assert import_glossary_for(db.session, "latepost", SEED_GLOSSARY)
    assert import_glossary_for(db.session, "latepost", SEED_GLOSSARY) == 0
    assert import_glossary_for(db.session, "missing", SEED_GLOSSARY) is None
    assert import_glossary_for(db.session, "latepost", tmp_path / "none.tsv") is None
