"""Chinese script conversion: the one place that calls opencc.

Two uses:

* Scoring. A Chinese post-edit may be written in the other script than the
  MT (a Taiwanese annotator correcting Simplified output), and BLEU, chrF
  and TER would count every 後/后 as an error. A corpus names an opencc
  configuration in `Corpus.script_normalisation` ("t2s", "s2t", …) that is
  applied to hypothesis and reference alike before the metrics see them.
* Display. A Chinese source is stored exactly as given; an annotator who
  reads the other script more easily can have it shown converted.

Converters load dictionaries from disk, so each configuration is built once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import opencc

from app.errors import MtqaError

if TYPE_CHECKING:
    from app.models import Corpus

#: No conversion.
NONE: Final = "none"

#: opencc's configurations, by the name opencc gives them (without ".json"):
#: s = Simplified, t = Traditional (OpenCC standard), tw = Taiwan, hk = Hong
#: Kong, jp = Japanese Shinjitai; a trailing "p" also converts phrases
#: (軟體 ↔ 软件), not only characters.
CONVERSIONS: Final[dict[str, str]] = {
    NONE: "no conversion",
    "t2s": "Traditional to Simplified",
    "s2t": "Simplified to Traditional",
    "tw2s": "Taiwan Traditional to Simplified",
    "s2tw": "Simplified to Taiwan Traditional",
    "tw2sp": "Taiwan Traditional to Simplified, with phrases",
    "s2twp": "Simplified to Taiwan Traditional, with phrases",
    "hk2s": "Hong Kong Traditional to Simplified",
    "s2hk": "Simplified to Hong Kong Traditional",
    "hk2sp": "Hong Kong Traditional to Simplified, with phrases",
    "s2hkp": "Simplified to Hong Kong Traditional, with phrases",
    "t2tw": "Traditional to Taiwan Traditional",
    "tw2t": "Taiwan Traditional to Traditional",
    "t2hk": "Traditional to Hong Kong Traditional",
    "hk2t": "Hong Kong Traditional to Traditional",
    "t2jp": "Traditional to Japanese Shinjitai",
    "jp2t": "Japanese Shinjitai to Traditional",
}

#: Scripts an annotator can pick for displaying a source, and the
#: conversion each one needs ("original" shows the text as stored).
DISPLAY_SCRIPTS: Final[dict[str, str]] = {
    "original": NONE,
    "simplified": "t2s",
    "traditional": "s2t",
}


class ScriptConversionError(MtqaError):
    """An unknown conversion or display script name."""


def check_conversion(name: str) -> str:
    """`name` if it is a known conversion; else an error listing them all."""
    if name not in CONVERSIONS:
        known = ", ".join(CONVERSIONS)
        raise ScriptConversionError(
            f"unknown script normalisation {name!r}; expected one of: {known}"
        )
    return name


@functools.cache
def converter(name: str) -> Callable[[str], str] | None:
    """The conversion function for a configuration name, None for "none".
    Cached: building an OpenCC object reads its dictionaries from disk."""
    if check_conversion(name) == NONE:
        return None
    return opencc.OpenCC(name).convert


def convert(text: str, name: str) -> str:
    """`text` converted by the named configuration."""
    function = converter(name)
    return text if function is None else function(text)


def normaliser_for(corpus: Corpus) -> Callable[[str], str] | None:
    """What scoring applies to hypothesis and reference in this corpus
    (None: nothing). Read from `Corpus.script_normalisation`."""
    return converter(corpus.script_normalisation or NONE)


def display_source(text: str | None, script: str | None) -> str | None:
    """A stored source as the annotator wants to read it; the stored text
    itself never changes. `script` is one of DISPLAY_SCRIPTS (None or ""
    means "original")."""
    if text is None:
        return None
    name = script or "original"
    if name not in DISPLAY_SCRIPTS:
        known = ", ".join(DISPLAY_SCRIPTS)
        raise ScriptConversionError(f"unknown display script {name!r}; expected one of: {known}")
    return convert(text, DISPLAY_SCRIPTS[name])
