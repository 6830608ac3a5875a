"""Word-level differences between two texts: the one diff the server makes
(history pages, restore previews), so every page shows changes the same way.

Texts are split into runs of word characters, runs of whitespace and single
other characters (punctuation, CJK ideographs one by one), so a changed comma
or a changed Chinese character shows as just that, not a whole line. Joining
the texts of the runs gives back the inputs exactly: "equal" + "delete" runs
rebuild the old text, "equal" + "insert" runs the new one.
"""

from __future__ import annotations

import difflib
import re
from typing import Final, Literal

Op = Literal["equal", "insert", "delete"]

#: A word, a run of whitespace, or any single other character.
TOKEN: Final = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def word_diff(old: str, new: str) -> list[tuple[Op, str]]:
    """The runs that turn `old` into `new`, adjacent runs of one kind merged.

    A replacement comes out as its "delete" run followed by its "insert" run,
    which is how a reader expects <del>old</del><ins>new</ins>."""
    a, b = tokens(old), tokens(new)
    # autojunk off: its popularity heuristic drops common words (spaces,
    # "the") from matching in texts over 200 tokens and makes ragged diffs.
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    runs: list[tuple[Op, str]] = []

    def add(op: Op, parts: list[str]) -> None:
        text = "".join(parts)
        if not text:
            return
        if runs and runs[-1][0] == op:
            runs[-1] = (op, runs[-1][1] + text)
        else:
            runs.append((op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("equal", a[i1:i2])
        else:  # replace, delete, insert
            add("delete", a[i1:i2])
            add("insert", b[j1:j2])
    return runs


def changed(runs: list[tuple[Op, str]]) -> bool:
    return any(op != "equal" for op, _ in runs)
