# ruff: noqa: RUF001  (CJK punctuation in the test corpus is intended)
"""Round trips of the interchange formats (TSV, CSV, XLIFF 1.2 and 2.0, TMX,
parallel text), in the manner of translate-toolkit's storage tests: one base
class holds the tests, one subclass per format says what the format carries.

For every format: a corpus exported, imported into an empty database and
exported again gives byte-identical files; the imported rows equal the
original's rows as far as the format carries them; importing the second
export gives the same rows again. A malformed file is refused with its name,
line and problem, and leaves the database as it was.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from sacrebleu.metrics import TER

from app.errors import ExportError, IngestError
from app.export import export_corpus
from app.export import tmx as _tmx_writer  # noqa: F401
from app.export import tsv as _tsv_writer  # noqa: F401
from app.export import xliff as _xliff_writer  # noqa: F401
from app.extensions import db
from app.ingest import import_path
from app.ingest import parallel as _parallel  # noqa: F401
from app.ingest import tmx as _tmx  # noqa: F401
from app.ingest import tsv as _tsv
from app.ingest import xliff as _xliff  # noqa: F401
from app.models import Assessment, Corpus, Document, Segment, Translation, User
from app.scoring.report import finished_pairs
from app.scoring.text import one_line
from tests.conftest import SEED_TEXT

MODELS = (Document, Segment, Translation, Assessment)
#: Text that XML, CSV quoting, TSV escaping and code-point offsets get wrong.
TRICKY = 'tab\there, "quoted", a\\b, <b>&amp;</b>\nsecond line  two  spaces 👩🏽‍💻 e\u0301'


def _line(doc, seg, system, source, target, assessments=(), kind="body", paragraph=0):
    """A JSONL line; each annotator's time and keystrokes differ, and the
    times are floats that a decimal rendering could round."""
    return {
        "doc_id": doc,
        "seg_id": seg,
        "paragraph": paragraph,
        "kind": kind,
        "system": system,
        "source": source,
        "target": target,
        "assessments": [
            {
                "annotator": a,
                "status": s,
                "post_edit": p,
                "time_spent": seg * 10.1 + len(p) / 3,
                "keystrokes": len(p) + seg,
            }
            for a, s, p in assessments
        ],
    }


CORPUS_LINES = [
    _line(
        "新闻-1",
        1,
        "sys-a",
        "前互联网员工，回到现实世界",
        "Former Internet employees, back to reality",
        [("ann", "done", "Former internet employees return to the real world")],
        kind="title",
    ),
    _line(
        "新闻-1",
        1,
        "sys-b",
        "前互联网员工，回到现实世界",
        "Ex-internet staff back to real world 🌏",
        [("ann", "draft", "Ex-internet staff, back in the real world")],
        kind="title",
    ),
    _line(
        "新闻-1",
        2,
        "sys-a",
        "王可乐在大厂工作了五年。",
        "Wang Cola worked in a big factory for five years.",
        [
            ("ann", "done", "Wang Kele worked at a big tech firm for five years."),
            ("bob", "no_errors", "Wang Cola worked in a big factory for five years."),
            ("cy", "done", TRICKY),
        ],
        paragraph=1,
    ),
    _line(
        "新闻-1",
        2,
        "sys-b",
        "王可乐在大厂工作了五年。",
        TRICKY,
        [
            ("bob", "done", "Wang Kele spent five years at a tech giant. 😀"),
            ("ann", "done", "Wang Kele worked five years at a major tech company."),
        ],
        paragraph=1,
    ),
    _line("新闻-1", 3, "sys-a", "B站", "station B", paragraph=2),
    _line("新闻-1", 4, "sys-a", "来源：晚点LatePost", "Source: LatePost", kind="meta", paragraph=3),
    _line("doc,2", 1, "sys-a", "人类久化", "Human Jiuhua", [("bob", "no_errors", "Human Jiuhua")]),
    _line(
        "doc,2",
        3,
        "sys-a",
        "他说：“是的。”",
        'He said: "Yes."',
        [("ann", "done", "She said: “Yes.”")],
    ),
]


def write_corpus(tmp_path: Path) -> Path:
    path = tmp_path / "news.jsonl"
    path.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in CORPUS_LINES),
        encoding="utf-8",
    )
    path.with_name("news.meta.json").write_text(
        json.dumps({"corpus": {"name": "news", "source_lang": "zh", "target_lang": "en"}}),
        encoding="utf-8",
    )
    return path


def fresh_database() -> None:
    db.session.remove()
    db.drop_all()
    db.create_all()


def counts() -> dict[str, int]:
    return {
        m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) or 0
        for m in MODELS
    }


def the_corpus() -> Corpus:
    corpora = db.session.scalars(sa.select(Corpus)).all()
    assert len(corpora) == 1
    return corpora[0]


def snapshot() -> list[dict[str, Any]]:
    """Every translation with its segment, its annotators' work and its
    reference, as plain data in export order."""
    corpus = the_corpus()
    references = {p.translation_id: p.reference for p in finished_pairs(db.session, corpus)}
    rows = db.session.execute(
        sa.select(Translation, Segment, Document.name)
        .join(Segment, Translation.segment_id == Segment.id)
        .join(Document, Segment.document_id == Document.id)
        .order_by(Document.position, Segment.position, Translation.system)
    ).all()
    result = []
    for translation, segment, doc in rows:
        work = db.session.execute(
            sa.select(
                User.username,
                Assessment.status,
                Assessment.post_edit,
                Assessment.time_spent,
                Assessment.keystrokes,
            )
            .join(User, Assessment.annotator_id == User.id)
            .where(Assessment.translation_id == translation.id)
        ).all()
        result.append(
            {
                "doc": doc,
                "position": segment.position,
                "paragraph": segment.paragraph,
                "kind": segment.kind,
                "annotatable": segment.annotatable,
                "source": segment.source,
                "system": translation.system,
                "mt": translation.text,
                "work": {name: (status, post_edit) for name, status, post_edit, _, _ in work},
                "effort": {name: (time, keys) for name, _, _, time, keys in work},
                "reference": references.get(translation.id),
            }
        )
    return result


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each format's own table of malformed files."""
    if "malformed_case" in metafunc.fixturenames:
        cases = metafunc.cls.malformed
        metafunc.parametrize("malformed_case", cases, ids=[c[2][:30] for c in cases])


def no_effort(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as a format without time and keystrokes carries them: each
    annotator's work with none of either."""
    return [row | {"effort": dict.fromkeys(row["work"], (0.0, 0))} for row in rows]


class FormatRoundTrip:
    """One subclass per format. `writer`/`reader` are registry names."""

    writer: ClassVar[str]
    reader: ClassVar[str]
    #: File (or directory) name the export is written to.
    output: ClassVar[str]
    #: Files of the first export that may differ from later ones, because
    #: they describe something the format does not carry.
    first_export_differs: ClassVar[frozenset[str]] = frozenset()
    #: (file content, expected line or None, words the message must contain)
    malformed: ClassVar[list[tuple[str, int | None, str]]] = []

    def carried(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows as this format carries them (what an import gives back)."""
        return rows

    def import_file(self, path: Path) -> Path:
        """What to hand to `import_path` for an export written to `path`."""
        return path

    def export(self, path: Path) -> list[Path]:
        return export_corpus(db.session, the_corpus(), self.writer, path)

    def load(self, path: Path):
        return import_path(db.session, self.import_file(path), fmt=self.reader)

    def test_export_import_export_is_byte_identical(self, app, tmp_path):
        import_path(db.session, write_corpus(tmp_path))
        original = snapshot()
        first = self.export(tmp_path / "one" / self.output)
        fresh_database()
        self.load(tmp_path / "one" / self.output)
        imported = snapshot()
        assert imported == self.carried(original)
        second = self.export(tmp_path / "two" / self.output)
        assert [p.name for p in first] == [p.name for p in second]
        for a, b in zip(first, second, strict=True):
            if a.name not in self.first_export_differs:
                assert a.read_bytes() == b.read_bytes(), a.name
        # import -> export -> import: the same rows again.
        fresh_database()
        self.load(tmp_path / "two" / self.output)
        assert snapshot() == imported
        third = self.export(tmp_path / "three" / self.output)
        for a, b in zip(second, third, strict=True):
            assert a.read_bytes() == b.read_bytes(), a.name
        # And importing the same file once more changes nothing.
        again = self.load(tmp_path / "two" / self.output)
        assert "nothing new" in again.summary()

    def test_malformed_file_names_file_and_line_and_writes_nothing(
        self, app, tmp_path, malformed_case
    ):
        content, line, words = malformed_case
        import_path(db.session, write_corpus(tmp_path))
        before = counts()
        path = tmp_path / "bad" / self.output
        self.write_malformed(path, content)
        with pytest.raises(IngestError) as caught:
            self.load(path)
        assert caught.value.line == line
        assert Path(caught.value.path).name in str(caught.value)
        assert words in caught.value.message
        assert counts() == before

    def write_malformed(self, path: Path, content: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def _tsv_row(*cells: str) -> str:
    return "\t".join(cells) + "\n"


def _full_row(*cells: str) -> str:
    """A row of every column: the cells given, then empty effort cells."""
    return _tsv_row(*cells, *[""] * (len(_tsv.COLUMNS) - len(cells)))


TSV_HEADER = _tsv_row(*_tsv.COLUMNS)


class TestTsv(FormatRoundTrip):
    writer = reader = "tsv"
    output = "news.tsv"
    malformed: ClassVar = [
        (_tsv_row("doc_id", "seg", "target"), 1, "unknown column(s) ['seg']"),
        (_tsv_row("doc_id", "target"), 1, "lacks the required column(s) ['seg_id']"),
        (TSV_HEADER + _full_row("d", "1", "s", "", "mt", "", "pending", "", "0", "body")
         + _tsv_row("d", "2", "s", "", "mt"), 3, "5 fields, but the header names 13"),
        (TSV_HEADER + _full_row("d", "x", "s", "", "mt", "", "pending", "", "0", "body"), 2,
         "seg_id must be an integer"),
        (TSV_HEADER + _full_row("d", "1", "s", "", "C:\\Users", "", "pending", "", "0", "body"), 2,
         "unknown escape"),
        (TSV_HEADER + _full_row("d", "1", "s", "", "mt", "ok", "finished", "ann", "0", "body"), 2,
         "status 'finished'"),
        (TSV_HEADER + _full_row("d", "1", "s", "", "mt", "ok", "done", "ann", "0", "body")
         + _full_row("d", "1", "s", "", "other mt", "ok", "done", "bob", "0", "body"), 3,
         "differs from \"mt\" at line 2"),
        (TSV_HEADER + _full_row("d", "1", "s", "", "mt", "ok", "done", "ann", "0", "body",
                                "ten", "3", ""), 2, "time_spent must be a number, not 'ten'"),
        (TSV_HEADER + _full_row("d", "1", "s", "", "mt", "ok", "done", "ann", "0", "body",
                                "nan", "3", ""), 2, "time_spent must be a number, not 'nan'"),
        (TSV_HEADER + _full_row("d", "1", "s", "", "mt", "ok", "done", "ann", "0", "body",
                                "1.5", "3.5", ""), 2, "keystrokes must be an integer"),
        (TSV_HEADER + _full_row("d", "1", "s", "", "mt", "ok", "done", "ann", "0", "body",
                                "-1", "3", ""), 2, "cannot be negative"),
        (TSV_HEADER + _full_row("d", "1", "s", "", "mt", "ok", "done", "ann", "0", "body",
                                "1.5", "3", "high"), 2, "hter must be a number, not 'high'"),
        (TSV_HEADER + _full_row("d", "1", "s", "", "mt", "", "pending", "", "0", "body",
                                "1.5", "3", ""), 2, "time_spent, keystrokes on a row without"),
    ]  # fmt: skip

    def carried(self, rows):
        return rows

    def table(self, text: str) -> list[list[str]]:
        return [line.split("\t") for line in text.splitlines()]

    def untable(self, rows: list[list[str]]) -> str:
        return "".join("\t".join(cells) + "\n" for cells in rows)

    def test_effort_cells_and_hter_on_each_annotators_row(self, app, tmp_path):
        import_path(db.session, write_corpus(tmp_path))
        (path,) = self.export(tmp_path / "one" / self.output)
        header, *rows = self.table(path.read_text(encoding="utf-8"))
        assert header[-3:] == ["time_spent", "keystrokes", "hter"]
        column = {name: header.index(name) for name in ("status", "annotator", *_tsv.EFFORT)}
        lines = {(line["doc_id"], line["seg_id"], line["system"]): line for line in CORPUS_LINES}
        for cells in rows:
            key = (cells[0], int(cells[1]), cells[2])
            given = {a["annotator"]: a for a in lines[key]["assessments"]}
            status = cells[column["status"]]
            if status == "pending":
                assert [cells[column[c]] for c in _tsv.EFFORT] == ["", "", ""]
                continue
            work = given[cells[column["annotator"]]]
            assert float(cells[column["time_spent"]]) == work["time_spent"]
            assert int(cells[column["keystrokes"]]) == work["keystrokes"]
            hter = cells[column["hter"]]
            if status == "draft":
                assert hter == ""
            else:
                mt, post_edit = lines[key]["target"], work["post_edit"]
                expected = TER().sentence_score(one_line(mt), [one_line(post_edit)])
                assert float(hter) == pytest.approx(expected.score)

    def test_hter_is_derived_not_imported(self, app, tmp_path):
        """An edited hter cell is checked and ignored: the export recomputes it."""
        import_path(db.session, write_corpus(tmp_path))
        (path,) = self.export(tmp_path / "one" / self.output)
        rows = self.table(path.read_text(encoding="utf-8"))
        column = rows[0].index("hter")
        edited_row = next(r for r in rows[1:] if r[column] not in ("", "0.0"))
        edited_row[column] = "99.5"
        edited = tmp_path / f"edited.{self.writer}"
        edited.write_text(self.untable(rows), encoding="utf-8")
        fresh_database()
        self.load(edited)
        (again,) = self.export(tmp_path / "two" / self.output)
        assert again.read_bytes() == path.read_bytes()


class TestCsv(TestTsv):
    writer = reader = "csv"
    output = "news.csv"

    def table(self, text: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO(text)))

    def untable(self, rows: list[list[str]]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return out.getvalue()

    malformed: ClassVar = [
        ("doc_id,seg,target\n", 1, "unknown column(s) ['seg']"),
        ("doc_id,seg_id,target\nd,1,mt\nd,2\n", 3, "2 fields, but the header names 3"),
        ('doc_id,seg_id,target\nd,1,"a\nb"\nd,x,mt\n', 4, "seg_id must be an integer"),
        ('doc_id,seg_id,target\nd,1,"unclosed\n', 2, "bad CSV"),
        ("doc_id,seg_id,target,kind\nd,1,mt,body\nd,1,mt,title\n", 3, 'has kind "title" here'),
    ]


def one_assessment(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as a one-target format carries them: only the assessment that
    gives the reference, else the only draft."""
    result = []
    for row in rows:
        work = row["work"]
        finished = {
            name: w
            for name, w in work.items()
            if w[0] in ("done", "no_errors") and w[1] == row["reference"]
        }
        if finished:
            assert len(finished) == 1, "the test corpus keeps references unambiguous"
            work = finished
        else:
            assert len(work) <= 1, "the test corpus has at most one draft per translation"
        result.append(row | {"work": work})
    return result


XLIFF_12 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file original="d" source-language="zh" target-language="en" datatype="plaintext">
    <body>
{units}
    </body>
  </file>
</xliff>
"""


class TestXliff12(FormatRoundTrip):
    writer = reader = "xliff"
    output = "news.xlf"
    malformed: ClassVar = [
        (XLIFF_12.format(units='      <trans-unit id="1"><source>a</source><target>b</target>'),
         6, "Opening and ending tag mismatch"),
        (XLIFF_12.format(units='      <trans-unit id="1"><source>源</source></trans-unit>'), 5,
         "neither a target nor an MT alternative"),
        (XLIFF_12.format(units='      <trans-unit id="1"><source>a</source><target>b</target>'
                               '</trans-unit>\n      <trans-unit id="1"><source>a</source>'
                               '<target>c</target></trans-unit>'), 6, "system 'mt' twice"),
        (XLIFF_12.format(units='      <trans-unit id="1" xmlns:m="urn:x-mtqa" m:paragraph="x">'
                               '<source>a</source><target>b</target></trans-unit>'), 5,
         "paragraph must be an integer"),
        ("<tmx version='1.4'><body/></tmx>", 1, "not a known format"),
    ]  # fmt: skip

    def carried(self, rows):
        return no_effort(one_assessment(rows))

    def test_a_file_from_another_tool_reads_as_source_and_mt(self, app, tmp_path):
        path = tmp_path / "tool.xlf"
        units = (
            '<trans-unit id="a7"><source>王可乐</source><target>Wang Cola</target></trans-unit>'
            '<trans-unit id="b2"><source>大厂</source><target state="final">big tech</target>'
            '<alt-trans origin="mt:deepl"><target>big factory</target></alt-trans></trans-unit>'
        )
        path.write_text(XLIFF_12.format(units=units), encoding="utf-8")
        import_path(db.session, path)
        rows = snapshot()
        assert [(r["doc"], r["position"], r["source"], r["system"], r["mt"]) for r in rows] == [
            ("d", 1, "王可乐", "mt", "Wang Cola"),
            ("d", 2, "大厂", "deepl", "big factory"),
        ]
        assert rows[0]["work"] == {}
        assert rows[1]["work"] == {"reference": ("done", "big tech")}
        assert rows[1]["reference"] == "big tech"
        external = db.session.scalars(sa.select(Segment.external_id).order_by(Segment.position))
        assert list(external) == ["a7", "b2"]


class TestXliff20(FormatRoundTrip):
    writer = reader = "xliff2"
    output = "news.xlf"
    malformed: ClassVar = [
        ('<xliff version="2.0" xmlns="urn:oasis:names:tc:xliff:document:2.0" srcLang="zh">\n'
         '<file id="f1"><unit id="1"><segment><source>a</source></segment></unit>\n</xliff>\n',
         3, "malformed XML"),
        ('<xliff version="2.0" xmlns="urn:oasis:names:tc:xliff:document:2.0" srcLang="zh">\n'
         '<file id="f1">\n<unit id="1"><segment><source>a</source></segment></unit>'
         '</file></xliff>\n', 3, "neither a target nor an MT alternative"),
        (XLIFF_12.format(units=""), 1, "not 2.x"),
    ]  # fmt: skip

    def carried(self, rows):
        return no_effort(one_assessment(rows))


def finished_only(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as a memory of finished pairs carries them."""
    return [r for r in one_assessment(rows) if r["reference"] is not None]


TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4">
  <header creationtool="x" creationtoolversion="1" segtype="sentence" o-tmf="x"
          adminlang="en" srclang="zh" datatype="plaintext"/>
  <body>
{units}
  </body>
</tmx>
"""


class TestTmx(FormatRoundTrip):
    writer = reader = "tmx"
    output = "news.tmx"
    malformed: ClassVar = [
        (TMX.format(units="<tu><tuv xml:lang='zh'><seg>a</seg></tuv>"), 7,
         "mismatch: tu line 6"),
        (TMX.format(units="    <tu><tuv xml:lang='zh'><seg>a</seg></tuv></tu>"), 6,
         "found 1 and 0"),
        (TMX.format(units="    <tu><prop type='x-seg'>two</prop><tuv xml:lang='zh'><seg>a</seg>"
                          "</tuv><tuv xml:lang='en'><seg>b</seg></tuv></tu>"), 6,
         "x-seg must be an integer"),
        (TMX.format(units="    <tu><prop type='x-mt'>m</prop><prop type='x-status'>draft</prop>"
                          "<tuv xml:lang='zh'><seg>a</seg></tuv><tuv xml:lang='en'><seg>b</seg>"
                          "</tuv></tu>"), 6, "x-status 'draft'"),
    ]  # fmt: skip

    def carried(self, rows):
        return no_effort(finished_only(rows))

    def test_a_corpus_without_source_is_refused(self, app, tmp_path):
        import_path(db.session, SEED_TEXT)
        corpus = the_corpus()
        translation = db.session.scalars(sa.select(Translation).join(Segment)).first()
        user = User(username="ann", role="annotator")
        db.session.add(user)
        db.session.flush()
        db.session.add(
            Assessment(
                translation_id=translation.id,
                annotator_id=user.id,
                status="done",
                post_edit="fixed",
            )
        )
        db.session.commit()
        with pytest.raises(ExportError, match=r"1 finished segment.* no source text"):
            export_corpus(db.session, corpus, "tmx", tmp_path / "seed.tmx")
        assert not (tmp_path / "seed.tmx").exists()

    def test_a_memory_from_another_tool_reads_as_source_and_mt(self, app, tmp_path):
        path = tmp_path / "memory.tmx"
        units = (
            "<tu><tuv xml:lang='zh'><seg>大厂</seg></tuv><tuv xml:lang='en'><seg>big tech</seg>"
            "</tuv></tu><tu><tuv xml:lang='en'><seg>B station</seg></tuv>"
            "<tuv xml:lang='zh'><seg>B站</seg></tuv></tu>"
        )
        path.write_text(TMX.format(units=units), encoding="utf-8")
        import_path(db.session, path)
        assert the_corpus().source_lang == "zh"
        assert the_corpus().target_lang == "en"
        rows = snapshot()
        assert [(r["doc"], r["position"], r["source"], r["system"], r["mt"]) for r in rows] == [
            ("memory", 1, "大厂", "tm", "big tech"),
            ("memory", 2, "B站", "tm", "B station"),
        ]
        assert all(r["work"] == {} for r in rows)


class TestParallel(FormatRoundTrip):
    """The "text" export read back by the "parallel" reader, one import per
    system's hypothesis file."""

    writer = "text"
    reader = "parallel"
    output = "news"
    #: The README counts the corpus's unfinished translations too.
    first_export_differs = frozenset({"README.md"})
    #: Here the content is that of ref.txt, beside a two-line hyp.txt.
    malformed: ClassVar = [
        ("only one line\n", 2, "1 lines, but hyp.txt has 2"),
        ("fine\n\xff bad\n", 2, "not valid UTF-8"),
    ]

    def load(self, path: Path):
        report = None
        for hyp in sorted(path.glob("hyp*.txt")):
            report = import_path(db.session, hyp, fmt="parallel")
        return report

    def write_malformed(self, path: Path, content: str) -> None:
        path.mkdir(parents=True)
        (path / "hyp.txt").write_text("one\ntwo\n", encoding="utf-8")
        (path / "ref.txt").write_bytes(content.encode("latin-1"))

    def carried(self, rows):
        result = []
        for system in sorted({r["system"] for r in rows}):
            finished = [r for r in rows if r["system"] == system and r["reference"] is not None]
            for position, row in enumerate(finished, start=1):
                reference = one_line(row["reference"])
                result.append(
                    {
                        "doc": f"news-{system}",
                        "position": position,
                        "paragraph": 0,
                        "kind": "body",
                        "annotatable": True,
                        "source": one_line(row["source"]),
                        "system": system,
                        "mt": one_line(row["mt"]),
                        "work": {"reference": ("done", reference)},
                        "effort": {"reference": (0.0, 0)},
                        "reference": reference,
                    }
                )
        return result

    def test_the_readme_command_and_scores_survive(self, app, tmp_path):
        import_path(db.session, write_corpus(tmp_path))
        first = self.export(tmp_path / "one")
        fresh_database()
        self.load(tmp_path / "one")
        assert the_corpus().name == "news"
        assert (the_corpus().source_lang, the_corpus().target_lang) == ("zh", "en")
        second = self.export(tmp_path / "two")
        readme = next(p for p in first if p.name == "README.md").read_text(encoding="utf-8")
        again = next(p for p in second if p.name == "README.md").read_text(encoding="utf-8")
        commands = [line for line in readme.splitlines() if line.startswith("sacrebleu ")]
        scores = [line for line in readme.splitlines() if "|version:" in line]
        assert commands and scores
        assert commands == [line for line in again.splitlines() if line.startswith("sacrebleu ")]
        assert scores == [line for line in again.splitlines() if "|version:" in line]


def test_import_and_export_through_the_cli(app, runner, tmp_path):
    import_path(db.session, write_corpus(tmp_path))
    out = tmp_path / "cli"
    for fmt in ("tsv", "csv", "xliff", "xliff2", "tmx"):
        result = runner.invoke(
            args=["export", "--corpus", "news", "--format", fmt, "-o", str(out / fmt)]
        )
        assert result.exit_code == 0, result.output
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == ["csv", "tmx", "tsv", "xliff", "xliff2"]
    before = snapshot()

    fresh_database()
    result = runner.invoke(
        args=[
            "import",
            str(out / "tsv"),
            "--format",
            "tsv",
            "--corpus",
            "news",
            "--source-lang",
            "zh",
            "--target-lang",
            "en",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "created 3 annotator account(s) without a password: ann, bob, cy" in result.output
    assert snapshot() == before
    # TSV has no place for languages (hence the options); XLIFF does, and
    # carries nothing the TSV import lacks: importing it adds nothing, and
    # the times and keystrokes it lacks leave the stored ones as they are.
    result = runner.invoke(
        args=["import", str(out / "xliff"), "--format", "xliff", "--corpus", "news"]
    )
    assert result.exit_code == 0, result.output
    carried = sum(1 for row in before if row["work"])  # XLIFF: one assessment each
    assert f"kept {carried} stored assessments that differ from the file" in result.output
    assert snapshot() == before


def test_a_malformed_file_through_the_cli(app, runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("doc_id,seg_id,target\nd,1,mt\nd,2\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert f"Error: {path}:3: 2 fields, but the header names 3" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Segment)) == 0
