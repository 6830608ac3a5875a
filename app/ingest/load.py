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
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session
from tqdm import tqdm

from app.errors import IngestError
from app.ingest.bulk import Ids, Inserter, corpus_rows, insert_all
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

    def _bar(self, total: int, desc: str) -> tqdm[Any]:
        """A progress bar the caller updates per document: a per-row
        wrapper would cost more than the row's insert."""
        return tqdm(
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
    ) -> tuple[list[int], bool]:
        """Segment ids in batch order (document by document, as the reader
        gave them); the flag says whether the corpus held segments before."""
        stored: dict[tuple[int, int], tuple[int, str | None]] = {}
        if not fresh:
            for doc_id, position, seg_id, source in corpus_rows(
                self.session, corpus_id, Segment, Segment.document_id, Segment.position,
                Segment.id, Segment.source,
            ):  # fmt: skip
                stored[(doc_id, position)] = (seg_id, source)
        ids = Ids(self.session, Segment)
        next_id = ids.first
        inserter = Inserter(self.session, Segment, ("id", *SEGMENT_COLUMNS))
        count = self.report.count("segments")
        seg_ids: list[int] = []
        with self._bar(batch.segment_count(), "segments") as bar:
            for doc in batch.documents:
                document_id = doc_ids[doc.name]
                positions: set[int] = set()
                for seg in doc.segments:
                    position = seg.position
                    if position in positions:
                        raise IngestError(
                            batch.path, seg.line, f"segment {doc.name}#{position} appears twice"
                        )
                    positions.add(position)
                    if seg.kind not in SEGMENT_KINDS or position < 1:
                        raise IngestError(
                            batch.path,
                            seg.line,
                            f"segment {doc.name}#{position}: bad kind or position",
                        )
                    old = stored.get((document_id, position)) if stored else None
                    if old is not None:
                        if old[1] != seg.source:
                            raise IngestError(
                                batch.path,
                                seg.line,
                                f"segment {doc.name}#{position}: the stored source "
                                f"{short(old[1])} differs from the file's {short(seg.source)}; "
                                "an import never overwrites stored text",
                            )
                        count.present += 1
                        seg_ids.append(old[0])
                        continue
                    seg_ids.append(next_id)
                    inserter.add(
                        (next_id, document_id, position, seg.paragraph, seg.kind, seg.annotatable,
                         seg.source, seg.external_id)
                    )  # fmt: skip
                    next_id += 1
                bar.update(len(doc.segments))
        count.created += inserter.flush()
        ids.close(next_id)
        return seg_ids, bool(stored)

    def _translations(
        self, batch: Batch, corpus_id: int, seg_ids: list[int], had_segments: bool
    ) -> tuple[dict[tuple[int, str], int], bool]:
        """Ids, by (segment id, system), of the translations that carry
        assessments (nothing else needs them); the flag says whether the
        corpus held translations before."""
        stored: dict[tuple[int, str], tuple[int, str]] = {}
        if had_segments:
            for seg_id, system, tr_id, text in corpus_rows(
                self.session, corpus_id, Translation, Translation.segment_id, Translation.system,
                Translation.id, Translation.text,
            ):  # fmt: skip
                stored[(seg_id, system)] = (tr_id, text)
        ids = Ids(self.session, Translation)
        next_id = ids.first
        inserter = Inserter(self.session, Translation, ("id", "segment_id", "system", "text"))
        count = self.report.count("translations")
        with_work: dict[tuple[int, str], int] = {}
        next_seg = iter(seg_ids).__next__
        for doc in batch.documents:
            for seg in doc.segments:
                seg_id = next_seg()
                for tr in seg.translations:
                    old = stored.get((seg_id, tr.system)) if stored else None
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
                        tr_id = old[0]
                    else:
                        tr_id = next_id
                        inserter.add((tr_id, seg_id, tr.system, tr.text))
                        next_id += 1
                    if tr.assessments:
                        with_work[(seg_id, tr.system)] = tr_id
        count.created += inserter.flush()
        ids.close(next_id)
        return with_work, bool(stored)
