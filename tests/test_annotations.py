"""The shipped annotated corpus (annotations/) loads into an empty database and
means what it says.

The corpus is the references every score of `make run` is computed against,
so a stale or inconsistent file would silently give wrong numbers: offsets that
no longer fall on the text they were made for, a finished segment with no
reference, scores in the sidecar that the data no longer gives, or a
correction that breaks the glossary.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.export import export_corpus
from app.extensions import db
from app.ingest import import_path
from app.models import ANNOTATABLE_KINDS, Assessment, Corpus, Document, Segment, Translation
from app.mqm import CATEGORIES, SEVERITIES
from app.scoring.report import corpus_report, finished_pairs
from tests.conftest import REPO

ANNOTATIONS = REPO / "annotations"
CORPUS = "latepost"
#: Renderings the MT got wrong that a reference must never contain, besides
#: the ones the glossary lists after "MT:".
KNOWN_WRONG = ("Wang Cola", "Cola Wang", "station B", "Human Jiuhua", "big factory", "Dai Jingle")
#: Glossary kinds (first word of the note) that are names, spelled one way only.
NAME_KINDS = ("person", "company", "platform", "product", "brand", "place", "title")


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture
def corpus(app) -> Corpus:
    """source_texts/ first (it creates the segments), then every shipped
    JSONL, as `make run` seeds them."""
    import_path(db.session, REPO / "source_texts")
    for path in sorted(ANNOTATIONS.glob("*.jsonl")):
        import_path(db.session, path)
    found = db.session.scalar(sa.select(Corpus).where(Corpus.name == CORPUS))
    assert found is not None
    return found


def annotated_translations(corpus: Corpus) -> list[Translation]:
    return list(
        db.session.scalars(
            sa.select(Translation)
            .join(Segment)
            .join(Document)
            .where(Document.corpus_id == corpus.id, Segment.kind.in_(ANNOTATABLE_KINDS))
            .order_by(Document.position, Segment.position)
        )
    )


def test_every_annotatable_segment_has_a_finished_assessment_with_a_reference(corpus):
    translations = annotated_translations(corpus)
    assert len(translations) > 200
    for translation in translations:
        assessments = translation.assessments
        assert len(assessments) == 1, translation.segment.position
        assessment = assessments[0]
        assert assessment.status in ("done", "no_errors"), translation.segment.position
        assert assessment.post_edit and assessment.post_edit.strip()
        if assessment.status == "no_errors":
            assert not assessment.spans and assessment.post_edit == translation.text
        else:
            # A correction with errors marked and the text actually changed.
            assert assessment.spans and assessment.post_edit != translation.text
    pairs = list(finished_pairs(db.session, corpus))
    assert len(pairs) == len(translations)
    assert all(p.reference for p in pairs)


def test_span_offsets_lie_inside_their_segment_and_mark_what_the_annotation_says(corpus):
    """latepost.errors.tsv names each span by its text; the offsets that went
    through the editor's save, the export and this import must still mark it."""
    listed: dict[int, Counter] = {}
    for row in read_tsv(ANNOTATIONS / "latepost.errors.tsv"):
        key = (row["marked_text"], row["category"], row["severity"], row["note"] or None)
        listed.setdefault(int(row["seg_id"]), Counter())[key] += 1
    stored: dict[int, Counter] = {}
    for translation in annotated_translations(corpus):
        for span in translation.assessments[0].spans:
            assert span.side == "target"
            assert 0 <= span.start < span.end <= len(translation.text)
            marked = translation.text[span.start : span.end]
            assert on_word_edges(translation.text, span.start, span.end), marked
            assert span.category in CATEGORIES and span.severity in SEVERITIES
            key = (marked, span.category, span.severity, span.note)
            stored.setdefault(translation.segment.position, Counter())[key] += 1
    assert stored == listed


def on_word_edges(text: str, start: int, end: int) -> bool:
    """No stray spaces inside the ends of a span and no half words: an
    offset computed against another version of the text rarely passes."""
    marked = text[start:end]
    if marked != marked.strip():
        return False
    cuts_before = start > 0 and text[start - 1].isalnum() and marked[0].isalnum()
    cuts_after = end < len(text) and text[end].isalnum() and marked[-1].isalnum()
    return not (cuts_before or cuts_after)


def test_spans_of_a_segment_do_not_overlap(corpus):
    for translation in annotated_translations(corpus):
        spans = sorted((s.start, s.end) for s in translation.assessments[0].spans)
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end <= start, translation.segment.position


def sacrebleu_cli(directory: Path) -> list[float]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sacrebleu",
            "ref.txt",
            "-i",
            "hyp.txt",
            "-m",
            "bleu",
            "chrf",
            "ter",
            "-b",
            "-w",
            "4",
        ],
        cwd=directory,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_mtqa_score_equals_sacrebleu_on_the_exported_text(corpus, runner, tmp_path):
    export_corpus(db.session, corpus, "text", tmp_path)
    bleu, chrf, ter = sacrebleu_cli(tmp_path)
    n_lines = len((tmp_path / "ref.txt").read_text(encoding="utf-8").splitlines())
    assert n_lines == len(annotated_translations(corpus))

    printed = runner.invoke(args=["score", "--corpus", CORPUS, "--json"])
    assert printed.exit_code == 0, printed.output
    scores = json.loads(printed.output)
    assert [round(scores["metrics"][m]["score"], 4) for m in ("bleu", "chrf", "ter")] == [
        bleu,
        chrf,
        ter,
    ]
    table = runner.invoke(args=["score", "--corpus", CORPUS]).output
    for label, value in (("BLEU", bleu), ("chrF", chrf), ("TER", ter)):
        assert re.search(rf"^{label}\s+{value:.2f}\s", table, re.M), (label, value, table)


def test_shipped_files_are_what_mtqa_exports_from_them(corpus, tmp_path):
    """Import -> export reproduces annotations/ byte for byte, so the scores
    in the sidecar and on each line are the ones the data gives today."""
    export_corpus(db.session, corpus, "jsonl", tmp_path / "latepost.jsonl")
    for name in ("latepost.jsonl", "latepost.meta.json"):
        assert (tmp_path / name).read_bytes() == (ANNOTATIONS / name).read_bytes(), name
    meta = json.loads((ANNOTATIONS / "latepost.meta.json").read_text(encoding="utf-8"))
    report = corpus_report(db.session, corpus)
    assert meta["scores"]["metrics"]["bleu"]["score"] == report.metrics["bleu"].score


def glossary() -> list[dict[str, str]]:
    rows = read_tsv(ANNOTATIONS / "glossary.tsv")
    assert rows and list(rows[0]) == ["source_term", "target_term", "note"]
    return rows


def wrong_renderings(note: str) -> list[str]:
    """The quoted items right after "MT:" in a glossary note."""
    match = re.search(r"MT: ((?:'[^']+'(?:, )?)+)", note)
    return re.findall(r"'([^']+)'", match.group(1)) if match else []


def test_glossary_is_well_formed():
    rows = glossary()
    targets = [r["target_term"] for r in rows]
    assert len(targets) == len(set(targets))
    sources = [r["source_term"] for r in rows if r["source_term"]]
    assert len(sources) == len(set(sources))
    for row in rows:
        assert row["target_term"].strip() and row["note"].strip()
        if row["source_term"]:
            # A source term is Chinese (or a Chinese-internet token such as 211).
            assert re.search(r"[\u4e00-\u9fff]|^\d+$", row["source_term"]), row


def test_references_use_the_glossary_names_and_none_of_the_wrong_renderings(corpus):
    references = [p.reference or "" for p in finished_pairs(db.session, corpus)]
    text = "\n".join(references)
    for row in glossary():
        if row["note"].split(";")[0].split(" ")[0] in NAME_KINDS:
            assert re.search(rf"\b{re.escape(row['target_term'])}\b", text), row["target_term"]
    wrong = {w for row in glossary() for w in wrong_renderings(row["note"])}
    assert {"Wang Cola", "station B", "Byte", "Ali"} <= wrong
    for rendering in wrong | set(KNOWN_WRONG):
        hits = [r for r in references if re.search(rf"\b{re.escape(rendering)}\b", r)]
        assert not hits, (rendering, hits)


def test_the_mt_still_has_the_errors_the_glossary_names(corpus):
    """The wrong renderings are real: each occurs in the MT of some span-marked
    segment, so the list above is not checking for strings nobody wrote."""
    mt = "\n".join(
        t.text for t in annotated_translations(corpus) if t.assessments[0].status == "done"
    )
    for row in glossary():
        for rendering in wrong_renderings(row["note"]):
            assert rendering in mt, rendering
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) > 200
