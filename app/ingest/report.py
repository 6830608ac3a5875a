"""What an import did, counted, so a user can see that a re-import changed
nothing and that no stored annotator work was replaced."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

#: Counted things, in the order the summary lists them.
KINDS: Final = ("documents", "segments", "translations", "assessments", "spans")


@dataclass
class Count:
    created: int = 0
    present: int = 0
    #: Stored rows that differ from the file and were left as they are.
    kept: int = 0


@dataclass
class ImportReport:
    files: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    corpora: list[str] = field(default_factory=list)
    counts: dict[str, Count] = field(default_factory=lambda: {k: Count() for k in KINDS})
    users_created: list[str] = field(default_factory=list)

    def count(self, kind: str) -> Count:
        return self.counts[kind]

    @property
    def changed(self) -> bool:
        return bool(self.users_created) or any(c.created for c in self.counts.values())

    def summary(self) -> str:
        files = f"{len(self.files)} file" + ("" if len(self.files) == 1 else "s")
        corpora = ", ".join(repr(c) for c in self.corpora)
        lines = [f"imported {files} into corpus {corpora}"]
        for kind in KINDS:
            c = self.counts[kind]
            lines.append(f"  {kind:<13}{c.created:>9} created{c.present:>9} already present")
        if self.users_created:
            lines.append(
                f"  created {len(self.users_created)} annotator account(s) without a password: "
                + ", ".join(self.users_created)
            )
        kept = self.counts["assessments"].kept
        if kept:
            lines.append(
                f"kept {kept} stored assessment{'s' if kept != 1 else ''} that differ from "
                "the file (stored annotator work is never overwritten by an import)"
            )
        if not self.changed and not kept:
            lines.append("nothing new: the database already held everything in the input")
        for path in self.skipped:
            lines.append(f"skipped {path} (no reader for this file type)")
        return "\n".join(lines)
