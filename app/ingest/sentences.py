"""Sentence splitting with pysbd that never changes or loses a character.

pysbd decides where sentences end; the text of each sentence is then cut from
the paragraph itself, so every character of the input lands in exactly one
segment (only whitespace between sentences is dropped) even if pysbd
normalises something in its own output. Boundaries that pysbd puts inside a
URL (it splits at the "?" of a query string) are ignored.
"""

from __future__ import annotations

import functools

import pysbd
from pysbd.languages import LANGUAGE_CODES

from app.ingest.boilerplate import URL_PATTERN

DEFAULT_LANGUAGE = "en"


def pysbd_language(lang: str | None) -> str:
    """pysbd's code for a BCP-47-ish tag ("en-GB" -> "en"); English rules for
    languages pysbd does not know, which still split at . ! ?"""
    primary = (lang or DEFAULT_LANGUAGE).replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGE_CODES else DEFAULT_LANGUAGE


@functools.cache
def _segmenter(language: str) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=language, clean=False, char_span=False)


def sentence_spans(text: str, lang: str | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of `text`, whitespace excluded."""
    if not text.strip():
        return []
    pieces = _segmenter(pysbd_language(lang)).segment(text)
    protected = [(m.start(), m.end()) for m in URL_PATTERN.finditer(text)]
    boundaries: list[int] = []
    cursor = 0
    for piece in pieces:
        needle = piece.strip()
        if not needle:
            continue
        found = text.find(needle, cursor)
        if found < 0:
            # pysbd changed this piece; let it merge into the next sentence.
            continue
        end = found + len(needle)
        cursor = end
        if not any(start < end < stop for start, stop in protected):
            boundaries.append(end)
    spans = []
    start = 0
    for end in [*boundaries, len(text)]:
        if end <= start:
            continue
        chunk = text[start:end]
        stripped = chunk.strip()
        if stripped:
            lead = len(chunk) - len(chunk.lstrip())
            spans.append((start + lead, start + lead + len(stripped)))
        start = end
    return spans


def split_sentences(text: str, lang: str | None = None) -> list[str]:
    """The sentences of `text`, each stripped of surrounding whitespace."""
    return [text[start:end] for start, end in sentence_spans(text, lang)]
