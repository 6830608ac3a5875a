"""Lines of a plain-text article that are not the article.

Articles copied from aggregator sites carry a source line near the top
("Original link: URL") and the site's own footer at the end ("This article is
reprinted from…", "Leave a Comment"). They stay in the document, so nothing of
the file is lost and positions match the file, but they are stored with
annotatable=False: an annotator should not spend time post-editing a
copyright notice, and they must not count in the metrics.

Footer patterns only apply to the trailing lines of a document (see
`trailing_boilerplate`), so an article sentence that happens to start with
"This article…" in the middle of the text is never hidden.
"""

from __future__ import annotations

import re
from typing import Final

_URL: Final = r"(?P<url>https?://\S+)"

#: A whole line naming where the text came from; group "url" is the link.
META_PATTERNS: Final[tuple[re.Pattern[str], ...]] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        rf"^(?:original|original link|original address|original url|source|source link|link)"
        rf"\s*[:：]\s*{_URL}$",  # noqa: RUF001 (the full-width colon of Chinese text)
    )
)

#: Whole lines of site footer text.
BOILERPLATE_PATTERNS: Final[tuple[re.Pattern[str], ...]] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        rf"^this article is reprinted from\s*[:：]?\s*{_URL}?\s*$",  # noqa: RUF001
        r"^this site is for inclusion only\b.*$",
        r"^(?:leave a comment|leave a reply|comments? closed)\.?$",
        r"^(?:share this|share)\s*[:：]?$",  # noqa: RUF001
    )
)

URL_PATTERN: Final = re.compile(r"https?://\S+")


def meta_url(line: str) -> str | None:
    """The URL of a metadata line, or None when the line is not metadata."""
    for pattern in META_PATTERNS:
        match = pattern.match(line.strip())
        if match:
            return match.group("url")
    return None


def is_boilerplate(line: str) -> bool:
    return any(p.match(line.strip()) for p in BOILERPLATE_PATTERNS)


def trailing_boilerplate(lines: list[str]) -> set[int]:
    """Indices of the last non-blank lines that are site footer (blank lines
    between them do not end the footer; the first article line does)."""
    found: set[int] = set()
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if not line.strip():
            continue
        if not is_boilerplate(line):
            break
        found.add(index)
    return found
