"""The WMT MQM TSV format: reading the published Google files, the clear
errors on malformed ones, character offsets, and the round trip."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from app.errors import IngestError, MtqaError
from app.export.wmt_mqm import write_wmt_mqm
from app.extensions import db
from app.ingest import import_path
from app.ingest.wmt_mqm import read_wmt_mqm
from app.models import Assessment, Corpus, Document, ErrorSpan, Segment, Translation, User
from tests.conftest import SHARED_DATA

DATA = SHARED_DATA / "wmt-mqm-human-evaluation"
TED = DATA / "ted" / "zhen" / "mqm_ted_zhen.tsv"
SOURCE_ERRORS = DATA / "newstest2020" / "zhen" / "mqm_newstest2020_zhen.source-errors.tsv"
HEADER = "system\tdoc\tdoc_id\tseg_id\trater\tsource\ttarget\tcategory\tseverity\n"


def _rows(path: Path) -> list[tuple[str, ...]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [tuple(r) for r in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]


def _write(tmp_path: Path, body: str, name: str = "mqm_test_zhen.tsv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_reads_the_published_ted_file() -> None:
    batch = read_wmt_mqm(TED)
    assert (batch.corpus_name, batch.source_lang, batch.target_lang) == ("mqm_ted_zhen", "zh", "en")
    assert [d.name for d in batch.documents] == ["talk.2", "talk.5", "talk.6", "talk.7", "talk.9"]
    segments = [s for d in batch.documents for s in d.segments]
    assert len(segments) == 529
    assert all(len(s.translations) == 15 for s in segments)
    ratings = [a for s in segments for t in s.translations for a in t.assessments]
    assert len(ratings) == 7935 and {a.post_edit for a in ratings} == {None}
    spans = [span for a in ratings for span in a.spans]
    assert Counter(s.side for s in spans) == {"target": 5269, "source": 349}
    assert sum(1 for a in ratings if not a.spans) == 4297
    # seg_id keeps the file's global numbering, gaps included.
    first = batch.documents[0].segments[0]
    assert (first.position, first.external_id) == (1, "84")


def test_unclosed_marker_runs_to_the_end_of_the_text() -> None:
    batch = read_wmt_mqm(TED)
    talk9 = next(d for d in batch.documents if d.name == "talk.9")
    segment = next(s for s in talk9.segments if s.external_id == "827")
    miss = next(t for t in segment.translations if t.system == "MiSS")
    (span,) = miss.assessments[0].spans
    assert (span.side, span.start, span.end) == ("target", 0, len(miss.text))
    assert (span.category, span.severity) == ("Accuracy/Mistranslation", "Major")


def test_malformed_source_errors_file_names_file_and_line_and_writes_nothing(app: Flask) -> None:
    with pytest.raises(IngestError) as caught:
        import_path(db.session, SOURCE_ERRORS, fmt="wmt-mqm")
    assert caught.value.path == str(SOURCE_ERRORS) and caught.value.line == 2
    assert "8 tab-separated fields" in caught.value.message
    assert "header names 9" in caught.value.message
    for model in (Corpus, Document, Segment, Translation, Assessment, ErrorSpan, User):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (
            "S\td\t1\t5\tr1\t源\tA <v>b</v>\tStyle/Awkward\tMajor\n"
            "S\td\t1\t5\tr2\t源\tA c\tNo-error\tNo-error\n",
            3,
            "target of S for seg_id 5 differs",
        ),
        ("S\td\t1\t5\tr1\t源\tA b\tStyle/Awkward\tMajor\n", 2, "marks no span"),
        (
            "S\td\t1\t5\tr1\t<v>源</v>\t<v>A</v>\tStyle/Awkward\tMajor\n",
            2,
            "both source and target",
        ),
        ("S\td\tone\t5\tr1\t源\t<v>A</v>\tStyle/Awkward\tMajor\n", 2, "doc_id must be an integer"),
        ("S\td\t1\t5\tr1\t源\t<v>A</v>\tStyle/Awkward\tSevere\n", 2, "unknown severity 'Severe'"),
        (
            "S\td\t1\t5\tr1\t源\tA\tNo-error\tNo-error\n"
            "T\td\t1\t5\tr1\t原\tA\tNo-error\tNo-error\n",
            3,
            "source of d #1 (seg_id 5) differs",
        ),
    ],
)
def test_inconsistent_rows_are_refused(
    app: Flask, tmp_path: Path, body: str, line: int, message: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(IngestError) as caught:
        import_path(db.session, path, fmt="wmt-mqm")
    assert caught.value.line == line and message in caught.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Corpus)) == 0


def test_wrong_header_is_refused(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "x.tsv"
    path.write_text("system\tdoc\tseg\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"x\.tsv:1: header is"):
        import_path(db.session, path, fmt="wmt-mqm")


def test_spans_land_on_the_marked_characters(app: Flask, tmp_path: Path) -> None:
    body = (
        # A quote and an astral character before the span: code-point offsets.
        'sysA\tdocX\t3\t41\trater1\t她说"𠮷野家"很好。\tShe said "𠮷 Yoshinoya" is <v>good</v>.'
        "\tAccuracy/Mistranslation\tMinor\n"
        'sysA\tdocX\t3\t41\trater1\t她说"<v>𠮷野家</v>"很好。\tShe said "𠮷 Yoshinoya" is good.'
        "\tSource_error\tMajor\n"
        'sysA\tdocX\t3\t41\trater2\t她说"𠮷野家"很好。\tShe said "𠮷 Yoshinoya" is good.'
        "\tNo-error\tNo-error\n"
    )
    import_path(db.session, _write(tmp_path, body), fmt="wmt-mqm")
    segment = db.session.scalars(sa.select(Segment)).one()
    assert (segment.position, segment.external_id, segment.source) == (
        3,
        "41",
        '她说"𠮷野家"很好。',
    )
    translation = db.session.scalars(sa.select(Translation)).one()
    assert translation.system == "sysA"
    assessments = {a.annotator.username: a for a in db.session.scalars(sa.select(Assessment))}
    assert {a.status for a in assessments.values()} == {"done"}
    assert assessments["rater2"].spans == []
    assert assessments["rater1"].annotator.password_hash is None
    spans = {s.side: s for s in assessments["rater1"].spans}
    assert translation.text[spans["target"].start : spans["target"].end] == "good"
    assert segment.source[spans["source"].start : spans["source"].end] == "𠮷野家"
    # A known alias is stored under the typology's name.
    assert spans["source"].category == "Source error"


def test_round_trip_of_the_ted_file(app: Flask, tmp_path: Path) -> None:
    import_path(db.session, TED, fmt="wmt-mqm")
    corpus = db.session.scalar(sa.select(Corpus).where(Corpus.name == "mqm_ted_zhen"))
    first = tmp_path / "first" / "mqm_ted_zhen.tsv"
    assert write_wmt_mqm(db.session, corpus, first) == [first]

    original = _rows(TED)
    exported = _rows(first)
    assert exported[0] == original[0]
    # The one published row without '</v>' comes back closed at the end.
    unclosed = [r for r in original if "<v>" in r[6] and "</v>" not in r[6]]
    assert len(unclosed) == 1
    fixed = (*unclosed[0][:6], unclosed[0][6] + "</v>", *unclosed[0][7:])
    expected = [fixed if r == unclosed[0] else r for r in original]
    assert Counter(exported) == Counter(expected)
    # Row order: segments in file order, systems and raters sorted, as upstream.
    key = [(r[3], r[0], r[4]) for r in exported[1:]]
    assert key == [(r[3], r[0], r[4]) for r in expected[1:]]

    # export → import → export gives the same bytes.
    import_path(db.session, first, fmt="wmt-mqm", corpus_name="again")
    again = db.session.scalar(sa.select(Corpus).where(Corpus.name == "again"))
    second = write_wmt_mqm(db.session, again, tmp_path / "second.tsv")[0]
    assert second.read_bytes() == first.read_bytes()


def test_export_of_a_native_corpus_numbers_segments_and_keeps_offsets(
    app: Flask, tmp_path: Path
) -> None:
    corpus = Corpus(name="native", source_lang="zh", target_lang="en")
    document = Document(corpus=corpus, name="article", position=0)
    user = User(username="ann")
    segments = [Segment(document=document, position=p, source=None) for p in (1, 2)]
    t1 = Translation(segment=segments[0], system="mt", text="Line one\twith a tab.")
    t2 = Translation(segment=segments[1], system="mt", text="Wang Cola smiled.")
    db.session.add_all([corpus, document, user, *segments, t1, t2])
    db.session.flush()
    db.session.add_all(
        [
            Assessment(translation=t1, annotator=user, status="done", post_edit=t1.text),
            Assessment(
                translation=t2,
                annotator=user,
                status="done",
                post_edit="Wang Kele smiled.",
                spans=[
                    ErrorSpan(
                        start=5,
                        end=9,
                        category="Accuracy/Mistranslation",
                        severity="Major",
                        side="target",
                    )
                ],
            ),
        ]
    )
    db.session.commit()
    path = write_wmt_mqm(db.session, corpus, tmp_path)[0]
    assert path.name == "native.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1:] == [
        "mt\tarticle\t1\t1\tann\t\tLine one with a tab.\tNo-error\tNo-error",
        "mt\tarticle\t2\t2\tann\t\tWang <v>Cola</v> smiled.\tAccuracy/Mistranslation\tMajor",
    ]


def test_import_command_and_unknown_format(app: Flask, runner, tmp_path: Path) -> None:
    path = _write(tmp_path, "S\td\t1\t5\tr1\t源\tA <v>b</v>\tStyle/Awkward\tMajor\n")
    result = runner.invoke(args=["import", str(path), "--format", "wmt-mqm"])
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output
    bad = runner.invoke(args=["import", str(SOURCE_ERRORS), "--format", "wmt-mqm"])
    assert bad.exit_code == 1
    assert f"{SOURCE_ERRORS}:2: 8 tab-separated fields" in bad.output
    with pytest.raises(MtqaError):
        import_path(db.session, path, fmt="wmt-mqm-nope")
    out = tmp_path / "out.tsv"
    exported = runner.invoke(
        args=["export", "--corpus", "mqm_test_zhen", "--format", "wmt-mqm", "-o", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    assert out.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
