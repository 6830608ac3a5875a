"""Stored segment statistics: corpus scores summed in the database equal
sacrebleu's corpus scores, and a save touches exactly one row."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sacrebleu.metrics import BLEU, CHRF, TER

from app.assessments import get_or_create_assessment, save_assessment
from app.chinese import convert
from app.extensions import db
from app.models import Corpus, CorpusStatsTotal, Document, Segment, SegmentStats, Translation
from app.models.stats import COLUMNS
from app.scoring.incremental import (
    columns_statistics,
    corpus_scores_from_db,
    rebuild_stats,
    stats_are_fresh,
    summed_scores,
    system_scores_from_db,
)
from app.scoring.metrics import segment_statistics
from app.scoring.report import corpus_report, finished_pairs
from app.scoring.text import one_line
from app.scoring.totals import verify_totals
from tests.conftest import make_user

WORDS = [
    "the", "The", "cat", "sat", "on", "mat", ",", ".", "!", "?", "don't", "U.S.",
    "3.14", "—", "「", "」", "大厂", "後來", "后来", "王可乐", "说", "說", "。", "，",  # noqa: RUF001
    "e-mail", "(", ")", "Bilibili", "B站", "naïve", "ü",
]  # fmt: skip
_corpus_names = itertools.count()

word = st.one_of(
    st.sampled_from(WORDS),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=5),
)
sentence = st.lists(word, max_size=12).map(" ".join)


def _segment(mts: list[str]) -> st.SearchStrategy:
    """MT per system, then the annotators' saves in order as (status,
    post-edit). A post-edit is a new sentence, or the MT (of the first
    system) unchanged, in the other script, or with words dropped, so that
    normalisation and partial matches are exercised; post-edit None is
    allowed only with no_errors (the MT is then the reference)."""
    mt = mts[0]
    edit = st.one_of(
        sentence,
        st.sampled_from([mt, convert(mt, "s2t"), convert(mt, "t2s")]),
        st.lists(st.sampled_from(mt.split() or [""]), max_size=8).map(" ".join),
    )
    work = st.one_of(
        st.tuples(st.sampled_from(["done", "no_errors", "draft"]), edit),
        st.tuples(st.just("no_errors"), st.none()),
    )
    return st.tuples(st.just(mts), st.lists(work, min_size=1, max_size=2))


segment = st.lists(sentence, min_size=1, max_size=2).flatmap(_segment)


def make_corpus(target_lang: str, normalisation: str, segments) -> tuple[Corpus, list]:
    """Store a corpus and save every piece of work through the save path;
    returns the corpus and the (system, mt, reference) the rule expects."""
    corpus = Corpus(
        name=f"c{next(_corpus_names)}",
        source_lang="en",
        target_lang=target_lang,
        script_normalisation=normalisation,
    )
    doc = Document(corpus=corpus, name="d")
    db.session.add_all([corpus, doc])
    users = [db.session.get(type(u), u.id) for u in USERS]
    expected = []
    for position, (mts, saves) in enumerate(segments, start=1):
        seg = Segment(document=doc, position=position, source=None)
        db.session.add(seg)
        for index, mt in enumerate(mts):
            translation = Translation(segment=seg, system=f"sys{index}", text=mt)
            db.session.add(translation)
            db.session.flush()
            reference = None
            for user, (status, post_edit) in zip(users, saves, strict=False):
                save(translation, user, status, post_edit)
                if status != "draft":
                    reference = mt if post_edit is None else post_edit
            if reference is not None:
                expected.append((translation.system, mt, reference))
    db.session.commit()
    return corpus, expected


def save(translation, user, status, post_edit):
    assessment = get_or_create_assessment(db.session, translation, user)
    save_assessment(
        db.session,
        assessment,
        user=user,
        base_version=assessment.version,
        post_edit=post_edit,
        status=status,
    )
    return assessment


def sacrebleu_scores(pairs, tokenize: str, normalisation: str) -> dict[str, float]:
    hyps = [convert(one_line(h), normalisation) for h in pairs[0]]
    refs = [convert(one_line(r), normalisation) for r in pairs[1]]
    metrics = {"bleu": BLEU(tokenize=tokenize), "chrf": CHRF(), "ter": TER()}
    return {name: m.corpus_score(hyps, [refs]).score for name, m in metrics.items()}


USERS: list = []


@pytest.fixture
def users(app):
    USERS[:] = [make_user("ann"), make_user("rev")]
    yield USERS
    USERS.clear()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    segments=st.lists(segment, min_size=1, max_size=6),
    lang=st.sampled_from([("en", "none"), ("zh", "none"), ("zh", "t2s")]),
)
def test_database_sums_equal_sacrebleu_corpus_score(users, segments, lang):
    target_lang, normalisation = lang
    corpus, expected = make_corpus(target_lang, normalisation, segments)
    stored = corpus_scores_from_db(db.session, corpus)
    assert stored.n_scored == len(expected)
    assert stats_are_fresh(db.session, corpus)
    if not expected:
        assert all(r.score is None for r in stored.metrics.values())
        return
    tokenize = "zh" if target_lang == "zh" else "13a"
    hyps, refs = [e[1] for e in expected], [e[2] for e in expected]
    want = sacrebleu_scores((hyps, refs), tokenize, normalisation)
    # Exact equality: the stored statistics are integers, so their sum does
    # not depend on the order SQL adds them in.
    assert {name: r.score for name, r in stored.metrics.items()} == want
    report = corpus_report(db.session, corpus)
    assert {name: r.score for name, r in report.metrics.items()} == want
    for system, scores in system_scores_from_db(db.session, corpus).items():
        mine = [e for e in expected if e[0] == system]
        if mine:
            got = {name: r.score for name, r in scores.metrics.items()}
            assert got == sacrebleu_scores(
                ([e[1] for e in mine], [e[2] for e in mine]), tokenize, normalisation
            )


def stats_rows(corpus: Corpus) -> dict[int, tuple]:
    columns = [getattr(SegmentStats, c) for cols in COLUMNS.values() for c in cols]
    query = sa.select(SegmentStats.translation_id, SegmentStats.assessment_id, *columns).where(
        SegmentStats.corpus_id == corpus.id
    )
    return {tid: tuple(rest) for tid, *rest in db.session.execute(query)}


@pytest.fixture
def small(users):
    segments = [
        (
            ["The big factory hired Wang Cola ."],
            [("done", "The big tech company hired Wang Kele.")],
        ),
        (["Human Jiuhua opened a store"], [("done", "Renren Jiuhua opened a store.")]),
        (["This segment is fine."], [("no_errors", None)]),
        (["She left station B"], [("draft", "She left Bilibili")]),
    ]
    corpus, _ = make_corpus("en", "none", segments)
    translations = db.session.scalars(
        sa.select(Translation).join(Segment).order_by(Segment.position)
    ).all()
    return corpus, translations


def test_one_save_changes_exactly_that_translations_row(small):
    corpus, translations = small
    before = stats_rows(corpus)
    assert set(before) == {t.id for t in translations[:3]}
    target = translations[1]
    ann = USERS[0]
    save(target, ann, "done", "Renren Jiuhua opened a shop.")
    db.session.commit()
    after = stats_rows(corpus)
    assert {k: v for k, v in after.items() if k != target.id} == {
        k: v for k, v in before.items() if k != target.id
    }
    assert after[target.id] != before[target.id]
    stats = columns_statistics(after[target.id][1:])
    assert stats == segment_statistics(
        target.text, "Renren Jiuhua opened a shop.", metrics=("bleu", "chrf", "ter")
    )


def test_finishing_a_draft_adds_its_row(small):
    corpus, translations = small
    draft = translations[3]
    save(draft, USERS[0], "done", "She left Bilibili")
    db.session.commit()
    assert draft.id in stats_rows(corpus)
    assert stats_are_fresh(db.session, corpus)


def test_unfinishing_removes_the_row_or_falls_back_to_another_annotator(small):
    corpus, translations = small
    ann, rev = USERS
    first, second = translations[0], translations[1]
    save(first, ann, "draft", "The big tech")
    db.session.commit()
    assert first.id not in stats_rows(corpus)

    other = save(second, rev, "done", "Renren Jiuhua opened a store!")
    db.session.commit()
    assert stats_rows(corpus)[second.id][0] == other.id
    save(second, rev, "draft", "Renren Jiuhua opened a store!")
    db.session.commit()
    # ann's finished work gives the reference again.
    row = stats_rows(corpus)[second.id]
    assert row[0] != other.id
    assert columns_statistics(row[1:]) == segment_statistics(
        second.text, "Renren Jiuhua opened a store.", metrics=("bleu", "chrf", "ter")
    )
    assert stats_are_fresh(db.session, corpus)


def test_rebuild_gives_the_rows_the_saves_gave(small):
    corpus, _ = small
    before = stats_rows(corpus)
    assert rebuild_stats(db.session, corpus) == len(before)
    db.session.commit()
    assert stats_rows(corpus) == before


def test_a_changed_normalisation_makes_the_rows_stale_until_rebuilt(small, runner):
    corpus, _ = small
    corpus.script_normalisation = "t2s"
    db.session.commit()
    assert not stats_are_fresh(db.session, corpus)
    # Stale rows are not summed.
    assert corpus_scores_from_db(db.session, corpus).n_scored == 0
    assert corpus_report(db.session, corpus).n_scored == 3
    result = runner.invoke(args=["corpus", "set", corpus.name, "--script-normalisation", "none"])
    assert result.exit_code == 0, result.output
    assert "3 finished segments" in result.output
    db.session.refresh(corpus)
    assert corpus.script_normalisation == "none"
    assert stats_are_fresh(db.session, corpus)
    assert corpus_scores_from_db(db.session, corpus).n_scored == 3


def test_corpus_set_refuses_an_unknown_normalisation(small, runner):
    corpus, _ = small
    result = runner.invoke(args=["corpus", "set", corpus.name, "--script-normalisation", "x2y"])
    assert result.exit_code == 1
    assert "unknown script normalisation 'x2y'" in result.output
    assert "t2s" in result.output


def test_an_import_stores_the_statistics_of_imported_work(small, tmp_path):
    from app.export import export_corpus
    from app.ingest import import_path

    corpus, _ = small
    export_corpus(db.session, corpus, "jsonl", tmp_path / "small.jsonl")
    import_path(db.session, tmp_path / "small.jsonl", corpus_name="copy")
    copy = db.session.scalar(sa.select(Corpus).where(Corpus.name == "copy"))
    assert stats_are_fresh(db.session, copy)
    assert corpus_scores_from_db(db.session, copy) == corpus_scores_from_db(db.session, corpus)
    assert len(stats_rows(copy)) == 3


def scores_of(stored) -> dict[str, float | None]:
    return {name: r.score for name, r in stored.metrics.items()}


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    segments=st.lists(segment, min_size=1, max_size=4),
    lang=st.sampled_from([("en", "none"), ("zh", "t2s")]),
    later=st.lists(
        st.tuples(
            st.integers(0, 20),
            st.integers(0, 1),
            st.sampled_from(["done", "no_errors", "draft", "draft"]),
            st.one_of(st.none(), sentence),
        ),
        max_size=12,
    ),
)
def test_running_totals_equal_the_sum_and_sacrebleu_after_any_saves(users, segments, lang, later):
    """Saves that finish, change and un-finish work in any order keep the
    totals equal to the SUM over the rows and to sacrebleu on the pairs the
    reference rule picks (read from the texts, not from the stored rows)."""
    target_lang, normalisation = lang
    corpus, _ = make_corpus(target_lang, normalisation, segments)
    translations = db.session.scalars(
        sa.select(Translation).join(Segment).where(Segment.document.has(corpus_id=corpus.id))
    ).all()
    for index, user, status, post_edit in later:
        if status == "done" and post_edit is None:
            post_edit = ""
        save(translations[index % len(translations)], USERS[user], status, post_edit)
        db.session.commit()
        assert verify_totals(db.session, corpus) == []
    assert stats_are_fresh(db.session, corpus)
    pairs = [p for p in finished_pairs(db.session, corpus) if p.reference is not None]
    from_totals = corpus_scores_from_db(db.session, corpus)
    from_sum = summed_scores(db.session, corpus)
    assert from_totals == from_sum
    assert from_totals.n_scored == len(pairs)
    tokenize = "zh" if target_lang == "zh" else "13a"
    if pairs:
        want = sacrebleu_scores(
            ([p.hypothesis for p in pairs], [p.reference for p in pairs]), tokenize, normalisation
        )
        assert scores_of(from_totals) == want
    for system, scores in system_scores_from_db(db.session, corpus).items():
        mine = [p for p in pairs if p.system == system]
        if mine:
            assert scores_of(scores) == sacrebleu_scores(
                ([p.hypothesis for p in mine], [p.reference for p in mine]),
                tokenize,
                normalisation,
            )


def totals_rows(corpus: Corpus) -> list[CorpusStatsTotal]:
    return list(
        db.session.scalars(
            sa.select(CorpusStatsTotal)
            .where(CorpusStatsTotal.corpus_id == corpus.id)
            .order_by(CorpusStatsTotal.system)
        )
    )


def test_a_save_adds_its_difference_to_the_totals(small):
    corpus, translations = small
    (total,) = totals_rows(corpus)
    assert (total.n_segments, total.n_scored) == (3, 3)
    before_len = total.bleu_hyp_len
    # A draft finished: one more row, its MT words added.
    save(translations[3], USERS[0], "done", "She left Bilibili")
    db.session.commit()
    db.session.refresh(total)
    assert (total.n_segments, total.n_scored) == (4, 4)
    added = segment_statistics(translations[3].text, "She left Bilibili", metrics=("bleu",))
    assert total.bleu_hyp_len == before_len + added["bleu"][0]
    # Un-finished again: back to where it was.
    save(translations[3], USERS[0], "draft", "She left Bilibili")
    db.session.commit()
    db.session.refresh(total)
    assert (total.n_segments, total.n_scored, total.bleu_hyp_len) == (3, 3, before_len)
    assert verify_totals(db.session, corpus) == []


def test_verify_totals_reports_a_total_that_drifted(small):
    corpus, _ = small
    assert verify_totals(db.session, corpus) == []
    (total,) = totals_rows(corpus)
    total.chrf_match_3 += 1
    db.session.commit()
    (mismatch,) = verify_totals(db.session, corpus)
    assert mismatch.key[0] == total.system
    # The SUM is the source of truth: a rebuild puts the totals right.
    rebuild_stats(db.session, corpus)
    db.session.commit()
    assert verify_totals(db.session, corpus) == []


def test_without_totals_scores_come_from_the_sum_and_a_save_initialises_them(users):
    segments = [
        (["The cat sat on the mat .", "A cat sat on a mat ."], [("done", "The cat sat on a mat.")]),
        (["Dogs bark ."], [("done", "The dogs bark.")]),
    ]
    corpus, _ = make_corpus("en", "none", segments)
    want = corpus_scores_from_db(db.session, corpus)
    want_systems = system_scores_from_db(db.session, corpus)
    db.session.execute(sa.delete(CorpusStatsTotal))
    db.session.commit()
    assert corpus_scores_from_db(db.session, corpus) == want == summed_scores(db.session, corpus)
    assert system_scores_from_db(db.session, corpus) == want_systems
    # A save on one system builds the totals of every system from the SUM.
    dogs = db.session.scalar(sa.select(Translation).where(Translation.text == "Dogs bark ."))
    save(dogs, USERS[1], "done", "Dogs bark.")
    db.session.commit()
    assert [t.system for t in totals_rows(corpus)] == ["sys0", "sys1"]
    assert verify_totals(db.session, corpus) == []
    assert corpus_scores_from_db(db.session, corpus) == summed_scores(db.session, corpus)
    assert corpus_scores_from_db(db.session, corpus) != want
