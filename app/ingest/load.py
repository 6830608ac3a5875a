"""The loader: stores a reader's `Batch` without ever replacing stored rows.

Rows are matched on their natural keys (document name in the corpus, segment
position in the document, system of a segment, annotator of a translation),
so importing a file twice changes nothing. Stored text that disagrees with
the file is an error, because the MT and the spans that point into it must
stay consistent; a stored assessment that disagrees is kept and counted
(`app.ingest.load_work`), because it is an annotator's work.

Built for a million segments: existing keys come from one query per table,
new rows go in with chunked executemany (`app.ingest.bulk`). The caller
owns the transaction.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session
from tqdm import tqdm

from app.errors import IngestError
from app.ingest.bulk import Inserter, corpus_rows, insert_all
from app.ingest.load_work import load_work
from app.ingest.records import Batch
from app.ingest.registry import ImportOptions
from app.ingest.report import ImportReport
from app.models import SEGMENT_KINDS, Corpus, Document, Segment, Translation
from app.models.base import utcnow

DEFAULT_SOURCE_LANG: Final = "und"
DEFAULT_TARGET_LANG: Final = "en"
SEGMENT_COLUMNS: Final = (
    "document_id", "position", "paragraph", "kind", "annotatable", "source", "external_id",
)  # fmt: skip


def short(text: str | None) -> str:
    """A value quoted for an error message, cut to a readable length."""
    if text is None:
        return "null"
    return json.dumps(text if len(text) <= 60 else text[:57] + "...", ensure_ascii=False)


class Loader:
    def __init__(
        self, session: Session, options: ImportOptions, report: ImportReport, progress: bool
    ) -> None:
        self.session = session
        self.options = options
        self.report = report
        self.progress = progress
        self.now = utcnow()

    def _bar(self, items: Iterable[Any], total: int, desc: str) -> Iterator[Any]:
        yield from tqdm(
            items,
            total=total,
            desc=desc,
            unit="seg",
            file=sys.stderr,
            disable=not self.progress,
            leave=False,
        )

    def load(self, batch: Batch) -> None:
        corpus, fresh = self._corpus(batch)
        doc_ids = self._documents(batch, corpus, fresh)
        seg_ids, had_segments = self._segments(batch, corpus.id, doc_ids, fresh)
        tr_ids, had_translations = self._translations(batch, corpus.id, seg_ids, had_segments)
        load_work(
            self.session, batch, corpus.id, seg_ids, tr_ids, self.report, self.now,
            had_work=had_translations,
        )  # fmt: skip

    def _corpus(self, batch: Batch) -> tuple[Corpus, bool]:
        """The corpus named by the options, the file, or the file name;
        created when missing. True when created here (nothing stored yet)."""
        path = Path(batch.path)
        name = self.options.corpus_name or batch.corpus_name or path.name.split(".", 1)[0]
        source_lang = self.options.source_lang or batch.source_lang
        target_lang = self.options.target_lang or batch.target_lang
        if name not in self.report.corpora:
            self.report.corpora.append(name)
        corpus = self.session.scalar(sa.select(Corpus).where(Corpus.name == name))
        if corpus is not None:
            for side, wanted, stored in (
                ("source", source_lang, corpus.source_lang),
                ("target", target_lang, corpus.target_lang),
            ):
                if wanted and wanted != stored:
                    raise IngestError(
                        path,
                        None,
                        f"corpus {name!r} has {side} language {stored!r}, the input says "
                        f"{wanted!r}; import into another corpus (--corpus)",
                    )
            return corpus, False
        corpus = Corpus(
            name=name,
            source_lang=source_lang or DEFAULT_SOURCE_LANG,
            target_lang=target_lang or DEFAULT_TARGET_LANG,
            description=batch.description,
            script_normalisation=batch.script_normalisation or "none",
        )
        self.session.add(corpus)
        self.session.flush()
        return corpus, True

    def _documents(self, batch: Batch, corpus: Corpus, fresh: bool) -> dict[str, int]:
        """Document ids by name; new documents go after the stored ones."""
        query = sa.select(Document.name, Document.id).where(Document.corpus_id == corpus.id)
        existing: dict[str, int] = {}
        position = 0
        if not fresh:
            existing = dict(self.session.execute(query).all())
            top = self.session.scalar(
                sa.select(sa.func.max(Document.position)).where(Document.corpus_id == corpus.id)
            )
            position = 0 if top is None else top + 1
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        count = self.report.count("documents")
        for doc in batch.documents:
            if doc.name in seen:
                raise IngestError(batch.path, doc.line, f"document {doc.name!r} appears twice")
            seen.add(doc.name)
            if doc.name in existing:
                count.present += 1
                continue
            rows.append(
                {
                    "corpus_id": corpus.id,
                    "name": doc.name,
                    "title": doc.title,
                    "origin_url": doc.origin_url,
                    "position": position,
                    "created_at": self.now,
                }
            )
            position += 1
            count.created += 1
        if rows:
            insert_all(self.session, Document, rows)
            existing = dict(self.session.execute(query).all())
        return existing

    def _segments(
        self, batch: Batch, corpus_id: int, doc_ids: dict[str, int], fresh: bool
    ) -> tuple[dict[tuple[str, int], int], bool]:
        """Segment ids by (document name, position); the flag says whether
        the corpus held segments before."""
        keys = (Segment.document_id, Segment.position, Segment.id)
        stored: dict[tuple[int, int], tuple[int, str | None]] = {}
        if not fresh:
            for doc_id, position, seg_id, source in corpus_rows(
                self.session, corpus_id, Segment, *keys, Segment.source
            ):
                stored[(doc_id, position)] = (seg_id, source)
        inserter = Inserter(self.session, Segment, SEGMENT_COLUMNS)
        count = self.report.count("segments")
        records = ((doc, seg) for doc in batch.documents for seg in doc.segments)
        seen: set[tuple[int, int]] = set()
        for doc, seg in self._bar(records, batch.segment_count(), "segments"):
            key = (doc_ids[doc.name], seg.position)
            if key in seen:
                raise IngestError(
                    batch.path, seg.line, f"segment {doc.name}#{seg.position} appears twice"
                )
            seen.add(key)
            if seg.kind not in SEGMENT_KINDS or seg.position < 1:
                raise IngestError(
                    batch.path, seg.line, f"segment {doc.name}#{seg.position}: bad kind or position"
                )
            old = stored.get(key)
            if old is not None:
                if old[1] != seg.source:
                    raise IngestError(
                        batch.path,
                        seg.line,
                        f"segment {doc.name}#{seg.position}: the stored source "
                        f"{short(old[1])} differs from the file's {short(seg.source)}; "
                        "an import never overwrites stored text",
                    )
                count.present += 1
                continue
            inserter.add(
                (key[0], seg.position, seg.paragraph, seg.kind, seg.annotatable, seg.source,
                 seg.external_id)
            )  # fmt: skip
        created = inserter.flush()
        count.created += created
        by_id = {key: value[0] for key, value in stored.items()}
        if created:
            by_id = {(d, p): i for d, p, i in corpus_rows(self.session, corpus_id, Segment, *keys)}
        ids = {
            (doc.name, seg.position): by_id[(doc_ids[doc.name], seg.position)]
            for doc in batch.documents
            for seg in doc.segments
        }
        return ids, bool(stored)

    def _translations(
        self,
        batch: Batch,
        corpus_id: int,
        seg_ids: dict[tuple[str, int], int],
        had_segments: bool,
    ) -> tuple[dict[tuple[int, str], int], bool]:
        """Translation ids by (segment id, system); the flag says whether
        the corpus held translations before."""
        keys = (Translation.segment_id, Translation.system, Translation.id)
        stored: dict[tuple[int, str], tuple[int, str]] = {}
        if had_segments:
            for seg_id, system, tr_id, text in corpus_rows(
                self.session, corpus_id, Translation, *keys, Translation.text
            ):
                stored[(seg_id, system)] = (tr_id, text)
        inserter = Inserter(self.session, Translation, ("segment_id", "system", "text"))
        count = self.report.count("translations")
        for doc in batch.documents:
            for seg in doc.segments:
                seg_id = seg_ids[(doc.name, seg.position)]
                for tr in seg.translations:
                    old = stored.get((seg_id, tr.system))
                    if old is not None:
                        if old[1] != tr.text:
                            raise IngestError(
                                batch.path,
                                seg.line,
                                f"segment {doc.name}#{seg.position}, system {tr.system!r}: "
                                f"the stored MT {short(old[1])} differs from the file's "
                                f"{short(tr.text)}; an import never overwrites stored text",
                            )
                        count.present += 1
                        continue
                    inserter.add((seg_id, tr.system, tr.text))
        created = inserter.flush()
        count.created += created
        ids = {key: value[0] for key, value in stored.items()}
        if created:
            ids = {
                (s, y): i for s, y, i in corpus_rows(self.session, corpus_id, Translation, *keys)
            }
        return ids, bool(stored)
