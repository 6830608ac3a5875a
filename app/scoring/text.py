"""Text as the metrics and the plain-text export see it.

sacrebleu reads one segment per line, so a segment that holds a line break
would shift every later line of an exported file against its reference.
Both the scorer and the plain-text writer pass every hypothesis, reference
and source through `one_line`, so the files and the numbers always agree.
"""

from __future__ import annotations

import re

#: Every character that Python's `str.splitlines` or a text-mode file read
#: treats as a line boundary, plus tabs (the TSV formats' field separator).
_BREAKS = re.compile("[\t\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """Collapse each run of line breaks and tabs to one space and strip the
    ends (sacrebleu's reader strips trailing whitespace; stripping both ends
    keeps a leading space from reaching the tokenizers either)."""
    return _BREAKS.sub(" ", text).strip()


def word_count(text: str) -> int:
    """Whitespace tokens: the MQM-per-100-words denominator, which needs no
    tokenizer so that it is the same for every language and every tool."""
    return len(text.split())
