# ruff: noqa: RUF001  (the examples are full-width and curly punctuation on purpose)
"""Automatic QA checks: a table of positive and negative examples per check
(offsets in code points, so emoji and combining marks before a fault shift
it by exactly their code points), the name and pronoun checks on the seed
article, and the precision the `mtqa qa` command prints on the seed
annotations, recounted here from the spans and flags."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.errors import IngestError, MtqaError
from app.extensions import db
from app.ingest import import_path
from app.models import Corpus
from app.qa import (
    REGISTRY,
    Flag,
    GlossaryEntry,
    QaSegment,
    load_glossary,
    precision_against_annotations,
    run_checks,
)
from app.qa.numbers import chinese_number
from tests.conftest import REPO

GLOSSARY_TSV = REPO / "annotations" / "glossary.tsv"
SEED_JSONL = REPO / "annotations" / "latepost.jsonl"
GLOSSARY = [
    GlossaryEntry("B站", "Bilibili", ("station B",)),
    GlossaryEntry("字节跳动", "ByteDance", ("Byte",)),
]
CAFE = "Cafe\u0301"  # "Café" with a combining acute: five code points


def flagged(check: str, *targets: str, source: str | None = None) -> list[tuple[int, int, str]]:
    segments = [QaSegment(i, source, t) for i, t in enumerate(targets)]
    flags = run_checks(segments, GLOSSARY, check_ids=[check])
    return [(f.start, f.end, targets[f.position][f.start : f.end]) for f in flags]


def seed_rows() -> list[dict]:
    return [json.loads(line) for line in SEED_JSONL.read_text(encoding="utf-8").splitlines()]


def seed_segments() -> list[QaSegment]:
    return [QaSegment(r["seg_id"], r["source"], r["target"]) for r in seed_rows()]


def test_registry_holds_each_check_once_under_kebab_case_ids():
    assert REGISTRY.ids() == [
        "untranslated-cjk",
        "glossary",
        "name-variants",
        "number-mismatch",
        "pronoun-gender",
        "spacing-punctuation",
    ]
    with pytest.raises(ValueError, match="registered twice"):
        REGISTRY.register(type(REGISTRY.get("glossary")))
    with pytest.raises(MtqaError, match="unknown QA check"):
        REGISTRY.get("no-such-check")


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        (["Hello , world."], [(5, 6, " ")]),
        (["Done ."], [(4, 5, " ")]),
        (["Why? , he asked."], [(3, 6, "? ,")]),
        (["Two  spaces."], [(3, 5, "  ")]),
        (["😀 ,x"], [(1, 2, " ")]),
        ([f"{CAFE}  noir"], [(5, 7, "  ")]),
        (["He said “go."], [(8, 9, "“")]),
        (['He said "go.'], [(8, 9, '"')]),
        (["(open"], [(0, 1, "(")]),
        (["close)"], [(5, 6, ")")]),
        (["Hello, world."], []),
        (["It costs 0.5 .5 of it"], []),  # " .5" is a number, not a stray stop
        (["The friend’s shop “opened”."], []),
        (["a (b [c] d) “e ‘f’ g”"], []),
        (["He said 'go'."], []),
        (["Line one.", "  indented start"], []),
    ],
)
def test_spacing_punctuation(targets, expected):
    assert flagged("spacing-punctuation", *targets) == expected


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("He works at 腾讯 now.", [(12, 14, "腾讯")]),
        ("😀😀 大厂 life", [(3, 5, "大厂")]),
        (f"{CAFE} 咖啡", [(6, 8, "咖啡")]),
        ("Hello，world", [(5, 6, "，")]),
        ("カタカナ and 한국어", [(0, 4, "カタカナ"), (9, 12, "한국어")]),
        ("Plain English, café, naïve — “quotes”.", []),
        ("Emoji only 😀🎉", []),
    ],
)
def test_untranslated_cjk(target, expected):
    assert flagged("untranslated-cjk", target) == expected


def test_untranslated_cjk_is_not_run_on_a_chinese_target():
    segments = [QaSegment(0, None, "腾讯")]
    assert run_checks(segments, (), target_lang="zh", check_ids=["untranslated-cjk"]) == []
    assert run_checks(segments, (), target_lang="en", check_ids=["untranslated-cjk"])


@pytest.mark.parametrize(
    ("target", "source", "expected"),
    [
        ("A video of station B went viral.", None, [(11, 20, "station B")]),
        ("😀 Station b", None, [(2, 11, "Station b")]),
        ("a Byte e-commerce engineer", None, [(2, 6, "Byte")]),
        ("a ByteDance engineer", None, []),
        ("bytes and bits", None, []),
        ("He posted it on Bilibili.", "他发在B站。", []),
        # a source term whose target term is missing: the whole segment
        ("He posted it on the site.", "他发在B站。", [(0, 25, "He posted it on the site.")]),
    ],
)
def test_glossary(target, source, expected):
    assert flagged("glossary", target, source=source) == expected


def test_glossary_loader_reads_variants_from_the_note(tmp_path):
    entries = {e.target_term: e for e in load_glossary(GLOSSARY_TSV)}
    assert entries["Wang Kele"].source_term == "王可乐"
    assert entries["Wang Kele"].wrong_variants == ("Wang Cola", "Cola Wang")
    assert entries["Chen Xi"].source_term is None
    assert entries["Tencent"].wrong_variants == ()
    explicit = tmp_path / "g.tsv"
    explicit.write_text(
        "source_term\ttarget_term\twrong_variants\n大厂\tbig tech\tbig factory|Dachang\n",
        encoding="utf-8",
    )
    assert load_glossary(explicit)[0].wrong_variants == ("big factory", "Dachang")
    bad = tmp_path / "bad.tsv"
    bad.write_text("source_term\ttarget_term\n大厂\t\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"bad\.tsv:2: empty target_term"):
        load_glossary(bad)


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("十五", 15),
        ("二十", 20),
        ("一千二百三十四", 1234),
        ("一千零五", 1005),
        ("两万三千", 23000),
        ("3万", 30000),
        ("1.5亿", 150_000_000),
        ("三点五亿", 350_000_000),
        ("一亿二千万", 120_000_000),
        ("二〇二一", 2021),
        ("2,500", 2500),
    ],
)
def test_chinese_numerals(numeral, value):
    assert chinese_number(numeral) == value


@pytest.mark.parametrize(
    ("target", "source", "expected"),
    [
        ("In 2021 he earned 350 million yuan.", "2021年他赚了3.5亿元。", []),
        ("In September 2021, 30% left.", "二〇二一年九月，百分之三十离开了。", []),
        ("A person came.", "一个人来了。", []),  # 一 is "a", not a number to keep
        ("In 2020 he earned 3 million.", "2021年他赚了300万。", [(3, 7, "2020")]),
        ("😀 In 2020.", "2021年。", [(5, 9, "2020")]),
        ("He earned a lot.", "他赚了300万。", [(0, 16, "He earned a lot.")]),
        ("He earned 3 million in 2021.", "他2021年赚了300万。", []),
        ("In 2020 he left.", None, []),  # no source: the check does not run
    ],
)
def test_number_mismatch(target, source, expected):
    assert flagged("number-mismatch", target, source=source) == expected


@pytest.mark.parametrize(
    ("target", "source", "expected"),
    [
        # the same amount in the same unit, written the English way
        ("He ran 5 km.", "他跑了5公里。", []),
        ("He ran 5 kilometres.", "他跑了五千米。", []),
        ("It weighs 3 kilograms.", "重3千克。", []),
        ("It weighs 3 kg.", "重3公斤。", []),
        ("It weighs 2 tonnes.", "重2吨。", []),
        ("It raised 500 million yuan.", "融资5亿元。", []),
        ("It raised RMB 350 million.", "融资3.5亿人民币。", []),
        ("It raised RMB350 million.", "融资人民币3.5亿。", []),
        ("It raised $5 million.", "融资500万美元。", []),
        ("It raised 5 million US dollars.", "融资500万美元。", []),
        ("It raised US$5 million.", "融资500万美元。", []),
        ("30 percent left.", "百分之三十离开了。", []),
        ("30 per cent left.", "30%离开了。", []),
        ("30% left.", "30％离开了。", []),
        ("It rose 3 percentage points.", "上升了3个百分点。", []),  # 百 of 百分点 is no 100
        ("He worked 3 hours.", "他工作了三个小时。", []),
        ("He stayed 5 days.", "他待了5天。", []),
        ("A 30-year-old man.", "一个30岁的男人。", []),
        ("He is 30 years old.", "他30岁。", []),
        ("He left aged 30.", "他30岁离开。", []),
        # the multipliers 万 and 亿, however the MT renders them
        ("30,000 people came.", "3万人来了。", []),
        ("3 ten thousand people came.", "3万人来了。", []),
        ("It has 500 million users.", "它有5亿用户。", []),
        ("It has 5 hundred million users.", "它有5亿用户。", []),
        ("It has 1.2 billion users.", "它有12亿用户。", []),
        # converted within a dimension
        ("He ran 5,000 metres.", "他跑了5公里。", []),
        ("It lasted 48 hours.", "持续了2天。", []),
        # a unit dropped on one side is no contradiction
        ("He ran 5.", "他跑了5公里。", []),
        ("It raised 500 million.", "融资5亿元。", []),
        # the wrong multiplier
        ("It raised 50 million yuan.", "融资5亿元。", ["50 million yuan"]),
        ("It has 5 million users.", "它有5亿用户。", ["5 million"]),
        # the same number in another unit
        ("He ran 5 metres.", "他跑了5公里。", ["5 metres"]),
        ("He ran 5 miles.", "他跑了5公里。", ["5 miles"]),
        ("It weighs 2 kg.", "重2吨。", ["2 kg"]),
        ("It raised $500 million.", "融资5亿元。", ["$500 million"]),
        ("It raised 5 million euros.", "融资500万美元。", ["5 million euros"]),
        ("He worked 3 days.", "他工作了三个小时。", ["3 days"]),
        ("He is 30 years old.", "他工作了30天。", ["30 years old"]),
        ("It fell 3%.", "下降了3个百分点。", ["3%"]),
        ("😀 It raised $500 million.", "融资5亿元。", ["$500 million"]),
    ],
)
def test_number_mismatch_compares_units(target, source, expected):
    found = flagged("number-mismatch", target, source=source)
    assert [text for _, _, text in found] == expected


def test_a_unit_mismatch_names_both_units():
    (flag,) = run_checks(
        [QaSegment(0, "融资5亿元。", "It raised $500 million.")], check_ids=["number-mismatch"]
    )
    assert flag.message == "'$500 million' where the source has '5亿元' (CNY, not USD)"
    assert (flag.start, flag.end) == (10, 22)


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        (["Wang Cola left.", "Cola Wang came back."], [(1, 0, 9)]),
        (["Feng Miao left.", "Feng Miao returned.", "Fengmiao won."], [(2, 0, 8)]),
        (["😀 Feng Miao left.", "Feng Miao won.", "😀 Fengmiao won."], [(2, 2, 10)]),
        (["Wang Cola left.", "Wang Cola came back."], []),
        (["Chen Xi left.", "Chen Li came."], []),  # two people with one surname
        (["In Beijing he left.", "Beijing In the spring."], []),
    ],
)
def test_name_variants(targets, expected):
    segments = [QaSegment(i, None, t) for i, t in enumerate(targets)]
    flags = run_checks(segments, (), check_ids=["name-variants"])
    assert [(f.position, f.start, f.end) for f in flags] == expected


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        # introduced as "she", contradicted later in a sentence naming only her
        (["Li Na joined in 2019, and she led a team.", "Li Na said he was tired."], [(1, 11, 13)]),
        (["😀 Li Na said she left.", "Li Na sold his car."], [(1, 11, 14)]),
        # agreeing pronouns are not flagged
        (["Li Na joined and she led.", "Li Na said she was tired."], []),
        # two named people in the sentence: either could be meant
        (["Li Na said she left.", "Li Na told Zhang Wei he was late."], []),
        # a pronoun before the name, or inside a quotation, is not attributed
        (["Li Na said she left.", "He said Li Na was late."], []),
        (["Li Na said she left.", "Li Na said, “he lied”."], []),
        # both genders in one sentence: another, unnamed, person is present
        (["Li Na said she left.", "Li Na told her father he was right."], []),
    ],
)
def test_pronoun_gender(targets, expected):
    segments = [QaSegment(i, None, t) for i, t in enumerate(targets)]
    flags = run_checks(segments, (), check_ids=["pronoun-gender"])
    assert [(f.position, f.start, f.end) for f in flags] == expected


def test_name_variants_on_the_seed_article():
    segments = seed_segments()
    by_position = {s.position: s.target for s in segments}
    flags = run_checks(segments, (), check_ids=["name-variants"])
    found = {(by_position[f.position][f.start : f.end], f.suggestion) for f in flags}
    assert ("Cola Wang", "Wang Cola") in found
    assert ("Fengmiao", "Feng Miao") in found


def test_pronoun_gender_on_the_seed_article():
    segments = seed_segments()
    by_position = {s.position: s.target for s in segments}
    # Without a glossary: Feng Miao is "he" where the article first says so;
    # the one "she" is flagged.
    flags = run_checks(segments, (), check_ids=["pronoun-gender"])
    feng = [f for f in flags if "Feng Miao" in f.message]
    assert [by_position[f.position][f.start : f.end] for f in feng] == ["she"]
    assert "Feng Miao knows that she" in by_position[feng[0].position]
    # The glossary knows Dai Jing is "she", which the MT never says.
    glossary = load_glossary(GLOSSARY_TSV)
    flags = run_checks(segments, glossary, check_ids=["pronoun-gender"])
    dai = [f for f in flags if "Dai Jing" in f.message]
    assert dai
    assert all(by_position[f.position][f.start : f.end].lower() in {"he", "his"} for f in dai)
    assert all("Dai Jing" in by_position[f.position] for f in dai)


def overlaps(flag: Flag, span: dict) -> bool:
    """Independent of the code under test: shared code points, with a
    zero-width range widened to the one code point it sits before."""
    flag_points = set(range(flag.start, max(flag.end, flag.start + 1)))
    span_points = set(range(span["start"], max(span["end"], span["start"] + 1)))
    return span["side"] == "target" and bool(flag_points & span_points)


def test_precision_against_the_seed_annotations(app, runner):
    rows = seed_rows()
    glossary = load_glossary(GLOSSARY_TSV)
    flags = run_checks(seed_segments(), glossary)
    # One annotator, one system: each finished segment is judged once.
    finished = {
        r["seg_id"]: r["errors"]
        for r in rows
        if any(a["status"] in ("done", "no_errors") for a in r["assessments"])
    }
    judged = [f for f in flags if f.position in finished]
    raised = Counter(f.check for f in judged)
    hits = Counter(f.check for f in judged if any(overlaps(f, e) for e in finished[f.position]))

    from app.assessments import SpanData

    judgements = {
        seg: [[SpanData(e["start"], e["end"], e["category"], e["severity"], e["side"]) for e in es]]
        for seg, es in finished.items()
    }
    computed = {
        r.check: (r.flags, r.confirmed) for r in precision_against_annotations(flags, judgements)
    }
    assert computed == {check: (raised[check], hits[check]) for check in computed}
    assert {check for check, n in computed.items() if n[0]} == set(raised)

    import_path(db.session, REPO / "source_texts")
    import_path(db.session, SEED_JSONL)
    assert db.session.scalar(sa.select(Corpus.name)) == "latepost"
    result = runner.invoke(
        args=["qa", "--corpus", "latepost", "--glossary", str(GLOSSARY_TSV), "--json"]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    for row in printed["checks"]:
        assert (row["flags"], row["confirmed"]) == (raised[row["check"]], hits[row["check"]])
        if raised[row["check"]]:
            assert row["precision"] == pytest.approx(hits[row["check"]] / raised[row["check"]])
    assert len(printed["flags"]) == len(flags)
    table = runner.invoke(args=["qa", "--corpus", "latepost", "--glossary", str(GLOSSARY_TSV)])
    total = sum(raised.values())
    assert f"{'all':<22}{total:>7}{sum(hits.values()):>11}" in table.output


def test_qa_command_names_an_unknown_corpus(app, runner):
    result = runner.invoke(args=["qa", "--corpus", "nope"])
    assert result.exit_code != 0
    assert "no corpus named 'nope'" in result.output


def test_flags_are_plain_data_with_code_point_offsets(tmp_path: Path):
    flags = run_checks([QaSegment(7, None, "😀 station B ,")], GLOSSARY)
    assert {f.check for f in flags} == {"glossary", "spacing-punctuation"}
    glossary_flag = next(f for f in flags if f.check == "glossary")
    assert glossary_flag.as_dict() == {
        "check": "glossary",
        "position": 7,
        "start": 2,
        "end": 11,
        "message": "'station B' is a known wrong rendering of 'Bilibili'",
        "suggestion": "Bilibili",
        "category": "Terminology/Inappropriate for context",
        "severity": "Minor",
    }
