"""The word diff: runs rebuild both texts, and changes are as small as a word."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.diffs import changed, tokens, word_diff


def old_text(runs: list[tuple[str, str]]) -> str:
    return "".join(text for op, text in runs if op != "insert")


def new_text(runs: list[tuple[str, str]]) -> str:
    return "".join(text for op, text in runs if op != "delete")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("same text", "same text", [("equal", "same text")]),
        ("", "", []),
        ("", "new words", [("insert", "new words")]),
        ("old words", "", [("delete", "old words")]),
        (
            "the cat sat",
            "the dog sat",
            [("equal", "the "), ("delete", "cat"), ("insert", "dog"), ("equal", " sat")],
        ),
        ("He left.", "He left!", [("equal", "He left"), ("delete", "."), ("insert", "!")]),
        (
            "a b c",
            "a c",
            [("equal", "a "), ("delete", "b "), ("equal", "c")],
        ),
        # Word characters include CJK: a run of ideographs is one token.
        ("王可乐 说", "王可乐 讲", [("equal", "王可乐 "), ("delete", "说"), ("insert", "讲")]),
        ("😀 hi", "😀 ho", [("equal", "😀 "), ("delete", "hi"), ("insert", "ho")]),
    ],
)
def test_word_diff(old: str, new: str, expected: list[tuple[str, str]]) -> None:
    assert word_diff(old, new) == expected


def test_tokens_split_words_spaces_and_punctuation() -> None:
    assert tokens("Hi,  there!\n") == ["Hi", ",", "  ", "there", "!", "\n"]


def test_long_texts_diff_by_word_not_by_heuristic() -> None:
    # Over 200 tokens difflib's autojunk would treat " " and "the" as junk.
    old = " ".join(["the word"] * 150)
    new = old.replace("word", "term", 1)
    runs = word_diff(old, new)
    assert [op for op, _ in runs] == ["equal", "delete", "insert", "equal"]
    assert runs[1:3] == [("delete", "word"), ("insert", "term")]


def test_changed() -> None:
    assert not changed(word_diff("a b", "a b"))
    assert changed(word_diff("a b", "a c"))


@given(st.text(), st.text())
def test_runs_rebuild_both_texts(old: str, new: str) -> None:
    runs = word_diff(old, new)
    assert old_text(runs) == old
    assert new_text(runs) == new
    assert all(text for _, text in runs)
    assert all(a[0] != b[0] for a, b in pairwise(runs))
