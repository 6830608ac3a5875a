"""The plain-text export: sacrebleu on the written files prints mtqa's scores."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import sqlalchemy as sa

from app.assessments import SpanData, get_or_create_assessment, save_assessment
from app.export import export_corpus
from app.extensions import db
from app.ingest import import_path
from app.models import Corpus, Translation
from app.scoring.report import corpus_report
from tests.conftest import SEED_TEXT, make_user


def sacrebleu(directory, hyp: str, ref: str, *options: str) -> dict[str, float]:
    """The real sacrebleu command line, run on the exported files."""
    result = subprocess.run(
        [sys.executable, "-m", "sacrebleu", ref, "-i", hyp, "-m", "bleu", "chrf", "ter",
         "-w", "4", *options],
        cwd=directory, capture_output=True, text=True, check=True,
    )  # fmt: skip
    names = {"BLEU": "bleu", "chrF2": "chrf", "TER": "ter"}
    return {names[r["name"]]: r["score"] for r in json.loads(result.stdout)}


def save(translation, user, status, post_edit, spans=()):
    assessment = get_or_create_assessment(db.session, translation, user)
    save_assessment(
        db.session, assessment, user=user, base_version=assessment.version,
        post_edit=post_edit, status=status, spans=list(spans),
    )  # fmt: skip


def rounded(metrics) -> dict[str, float]:
    return {name: round(result.score, 4) for name, result in metrics.items()}


def test_seed_export_matches_sacrebleu(app, tmp_path):
    import_path(db.session, SEED_TEXT)
    ann = make_user("ann")
    rows = db.session.scalars(sa.select(Translation).order_by(Translation.id)).all()
    save(rows[3], ann, "done", rows[3].text.replace("Ant Financial", "Ant Group") + "\nextra")
    save(rows[4], ann, "no_errors", rows[4].text)
    save(rows[5], ann, "done", "A short rewrite.", [SpanData(0, 2, "Style/Awkward", "Minor")])
    save(rows[6], ann, "draft", "not finished")
    save(rows[-1], ann, "done", "boilerplate is never scored")
    db.session.commit()
    corpus = db.session.scalar(sa.select(Corpus))
    written = export_corpus(db.session, corpus, "text", tmp_path / "out")
    out = tmp_path / "out"
    assert sorted(p.name for p in written) == ["README.md", "hyp.txt", "ref.txt"]  # no sources
    hyp = (out / "hyp.txt").read_text(encoding="utf-8").split("\n")
    ref = (out / "ref.txt").read_text(encoding="utf-8").split("\n")
    assert (len(hyp), len(ref)) == (4, 4) and hyp[-1] == ref[-1] == ""  # 3 lines + final newline
    assert ref[0].endswith("Ant Group and Byte e-commerce engineer, decided to completely break "
                           "away from the big Internet company system to start his own "
                           "business, and he planned very carefully. extra")  # fmt: skip
    report = corpus_report(db.session, corpus)
    assert sacrebleu(out, "hyp.txt", "ref.txt") == rounded(report.metrics)
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "sacrebleu ref.txt -i hyp.txt -m bleu chrf ter\n" in readme
    for result in report.metrics.values():
        assert f"{result.score:8.4f}  {result.signature}" in readme


@pytest.fixture
def two_systems(app, tmp_path):
    lines = [
        {"doc_id": "d", "seg_id": n, "system": system, "source": f"源{n}", "target": text}
        for n, texts in enumerate(
            [("The cat sat.", "A cat sits."), ("It rained all day.", "Rain all day long.")],
            start=1,
        )
        for system, text in zip(("sys-a", "sys b"), texts, strict=True)
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in lines))
    import_path(db.session, path, corpus_name="two", source_lang="zh", target_lang="en")
    ann = make_user("ann")
    for translation in db.session.scalars(sa.select(Translation)):
        save(translation, ann, "done", translation.text.replace("A cat", "The cat"))
    db.session.commit()
    return db.session.scalar(sa.select(Corpus))


def test_two_systems_get_their_own_files(two_systems, tmp_path):
    out = tmp_path / "out"
    written = export_corpus(db.session, two_systems, "text", out)
    assert sorted(p.name for p in written) == [
        "README.md", "hyp.sys-a.txt", "hyp.sys_b.txt", "ref.sys-a.txt", "ref.sys_b.txt",
        "src.sys-a.txt", "src.sys_b.txt",
    ]  # fmt: skip
    assert (out / "src.sys_b.txt").read_text(encoding="utf-8") == "源1\n源2\n"
    report = corpus_report(db.session, two_systems)
    readme = (out / "README.md").read_text(encoding="utf-8")
    for summary in report.systems:
        hyp, ref = (f"{k}.{summary.name.replace(' ', '_')}.txt" for k in ("hyp", "ref"))
        assert sacrebleu(out, hyp, ref) == rounded(summary.metrics)
        assert f"sacrebleu {ref} -i {hyp} -m bleu chrf ter" in readme
    # The pooled corpus scores, from the concatenated files.
    for kind in ("hyp", "ref"):
        pooled = "".join((out / f"{kind}.{s}.txt").read_text() for s in ("sys-a", "sys_b"))
        (out / f"{kind}.all.txt").write_text(pooled)
    assert sacrebleu(out, "hyp.all.txt", "ref.all.txt") == rounded(report.metrics)


def test_the_cli_writes_the_directory(two_systems, runner, tmp_path):
    out = tmp_path / "cli"
    result = runner.invoke(args=["export", "--corpus", "two", "--format", "text", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out / 'README.md'}" in result.output
    (tmp_path / "file").write_text("")
    result = runner.invoke(
        args=["export", "--corpus", "two", "--format", "text", "-o", str(tmp_path / "file")]
    )
    assert result.exit_code == 1
    assert "is a file" in result.output


def test_chinese_script_normalisation_is_applied_to_the_files(app, tmp_path):
    """t2s corpus: Traditional MT against Simplified post-edits. The files
    hold what the scorer compares, so sacrebleu on them prints mtqa's scores."""
    lines = [
        {"doc_id": "d", "seg_id": n, "system": "mt", "source": source, "target": target}
        for n, (source, target) in enumerate(
            [("This software is easy to use.", "這個軟體很好用。"),
             ("They say the coffee here is expensive.", "他們說這裡的咖啡很貴。"),
             ("Later everyone used it.", "後來大家都用它。")],
            start=1,
        )
    ]  # fmt: skip
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in lines))
    import_path(db.session, path, corpus_name="zh", source_lang="en", target_lang="zh")
    corpus = db.session.scalar(sa.select(Corpus))
    corpus.script_normalisation = "t2s"
    ann = make_user("ann")
    edits = ["这个软体很好用。", "他们说这里的咖啡太贵了。", "后来大家都在用它。"]
    translations = db.session.scalars(sa.select(Translation).order_by(Translation.id)).all()
    for translation, edit in zip(translations, edits, strict=True):
        save(translation, ann, "done", edit)
    db.session.commit()
    out = tmp_path / "out"
    export_corpus(db.session, corpus, "text", out)
    hyp = (out / "hyp.txt").read_text(encoding="utf-8").splitlines()
    assert hyp[0] == "这个软体很好用。" and hyp[2] == "后来大家都用它。"
    assert (out / "ref.txt").read_text(encoding="utf-8").splitlines() == edits
    report = corpus_report(db.session, corpus)
    assert sacrebleu(out, "hyp.txt", "ref.txt", "-tok", "zh") == rounded(report.metrics)
    assert report.metrics["bleu"].score < 100
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "sacrebleu ref.txt -i hyp.txt -m bleu chrf ter -tok zh\n" in readme
    assert "opencc `t2s`" in readme
