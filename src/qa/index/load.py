"""Open an index folder: check its manifest against the model and the code, and map its files.

``stale_reasons`` says why an index no longer matches its documents folder.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from qa.errors import IndexCorruptError, QAError, StaleIndexError
from qa.hashing import file_sha256
from qa.index.bm25 import LexicalIndex
from qa.index.layout import (
    FORMAT_VERSION,
    REBUILD_HINT,
    IndexLayout,
    make_tokenizer,
    manifest_stamp,
    read_manifest,
)
from qa.index.location import Location, is_database, redacted
from qa.index.store import FaissStore, VectorStore
from qa.index.table import PassageTable
from qa.ingest.sidecar import read_overrides
from qa.passages import reliability
from qa.passages.cutting import PIPELINE_VERSION, Passage
from qa.passages.places import PassagePlaces, document_places
from qa.passages.reliability import Reliability
from qa.text.normalise import NORMALISATION
from qa.text.tokens import ChineseTokenizer, LexicalSettings, default_user_dictionary, dictionary_hash

log = logging.getLogger(__name__)

_DOCUMENTS_A_READ = 2_000  # documents whose passages one query reads for ``LoadedIndex.places``


@dataclass
class LoadedIndex:
    """An index ready to search: manifest, passages (on disk), vector stores and BM25."""

    root: Path | str  # a folder or a database URL (``qa.index.location``)
    manifest: dict[str, Any]
    passages: PassageTable
    passage_docs: np.ndarray
    vectors: VectorStore  # FaissStore here; any engine with the same four methods
    sentences: VectorStore
    sentence_owner: np.ndarray
    lexical: LexicalIndex
    stamp: tuple[int, int] | None = None  # ``manifest_stamp`` taken before the manifest was read

    def sentence_rows(self, passage_row: int) -> range:
        """The sentence ids of one passage (sentences are stored in passage order)."""
        lo, hi = np.searchsorted(self.sentence_owner, [passage_row, passage_row + 1])
        return range(int(lo), int(hi))

    def read_ahead(self, rows: np.ndarray) -> None:
        """Read the passages and sentence vectors of ``rows`` at once (one query each on a database,
        which caches them; nothing much on the folder, which maps them)."""
        self.passages.fetch(rows.tolist())
        spans = [np.arange(s.start, s.stop) for s in map(self.sentence_rows, rows.tolist())]
        self.sentences.vectors(np.concatenate([np.zeros(0, dtype=np.int64), *spans]))

    def read_documents_ahead(self, rows: np.ndarray) -> None:
        """Find the missing words (``missing_words``) of the documents of ``rows`` the manifest does
        not record, their passages read at once (one query on a database instead of one a document)."""
        numbers = dict.fromkeys(self.passage_docs[np.asarray(rows, dtype=np.int64)].tolist())
        sources = [
            source
            for source in (self.documents[n].source for n in numbers)
            if source not in self._missing_words
        ]
        spans = [self.rows_of_document(source) for source in sources]
        passages = self.passages.fetch(row for span in spans for row in span)
        at = 0
        for source, span in zip(sources, spans, strict=True):
            self._remember_missing_words(source, passages[at : at + len(span)])
            at += len(span)

    @property
    def build_id(self) -> str:
        """Identifies this build (fingerprint and creation time)."""
        return f"{self.manifest['fingerprint']}@{self.manifest['created']}"

    @cached_property
    def documents(self) -> list[DocumentInfo]:
        """The indexed documents, in file order."""
        return [
            DocumentInfo(source, info["title"], info.get("date"), int(info["passages"]))
            for source, info in self.manifest["documents"].items()
        ]

    @cached_property
    def _document_number(self) -> dict[str, int]:
        return {doc.source: number for number, doc in enumerate(self.documents)}

    def rows_of_document(self, source: str) -> range:
        """The rows of one document's passages (they are contiguous)."""
        number = self._document_number[source]
        lo, hi = np.searchsorted(self.passage_docs, [number, number + 1])
        return range(int(lo), int(hi))

    @cached_property
    def _missing_words(self) -> dict[str, tuple[str, ...]]:
        """source -> the words deleted from it: as the build recorded them; for an index built
        before builds recorded them, found on demand."""
        return {
            source: tuple(info["missing_words"])
            for source, info in self.manifest["documents"].items()
            if "missing_words" in info
        }

    def missing_words(self, source: str) -> tuple[str, ...]:
        """The words systematically deleted from ``source`` (``qa.passages.damage``)."""
        found = self._missing_words.get(source)
        if found is None:
            found = self._remember_missing_words(source, self.passages.fetch(self.rows_of_document(source)))
        return found

    def _remember_missing_words(self, source: str, passages: list[Passage]) -> tuple[str, ...]:
        return self._missing_words.setdefault(source, reliability.document_missing_words(passages))

    @cached_property
    def places(self) -> PassagePlaces:
        """The passages' articles, chapters and named sessions (``qa.passages.places``): as the
        build recorded them; a document of an index built before builds recorded them has its
        passages read (once, a few thousand documents a query)."""
        infos = list(self.manifest["documents"].values())
        starts = np.searchsorted(self.passage_docs, np.arange(len(infos))).tolist()
        records = [info.get("places") for info in infos]
        unrecorded = [n for n, found in enumerate(records) if found is None]
        for first in range(0, len(unrecorded), _DOCUMENTS_A_READ):
            batch = unrecorded[first : first + _DOCUMENTS_A_READ]
            spans = [range(starts[n], starts[n] + int(infos[n]["passages"])) for n in batch]
            read = iter(self.passages.fetch(row for span in spans for row in span))
            for n, span in zip(batch, spans, strict=True):
                records[n] = document_places([next(read) for _ in span])
        return PassagePlaces.from_records(starts, [found or [] for found in records])

    @cached_property
    def _reliability(self) -> dict[int, Reliability]:
        return {}  # row -> its marks, found on demand

    def reliability(self, row: int) -> Reliability:
        """Passage ``row``'s marks (``qa.passages.reliability``): missing words, OCR (found once per load)."""
        found = self._reliability.get(row)
        if found is None:
            passage = self.passages[row]
            marks = reliability.assess(passage.text, passage.ocr, self.missing_words(passage.source))
            found = self._reliability.setdefault(row, marks)
        return found

    def row_of(self, passage_id: str) -> int | None:
        """Vector id of a passage id, or None when the index has no such passage."""
        source = passage_id.rpartition("#")[0]
        if source not in self._document_number:
            return None
        return next(
            (row for row in self.rows_of_document(source) if self.passages[row].passage_id == passage_id),
            None,
        )

    def rows_of_sources(self, sources: list[str]) -> np.ndarray:
        """Vector ids of the passages of ``sources``; raises ``ValueError`` for an unknown source."""
        unknown = sorted(set(sources) - self._document_number.keys())
        if unknown:
            raise ValueError(f"Unknown document(s) {', '.join(unknown)}; choose among the indexed files.")
        rows = [np.arange(r.start, r.stop) for r in map(self.rows_of_document, dict.fromkeys(sources))]
        return np.concatenate(rows).astype(np.int64) if rows else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document as listed to users."""

    source: str
    title: str
    date: str | None
    passages: int


def load_index(
    index_dir: Location, model_fingerprint: str | None = None, check_dictionary: bool = True
) -> LoadedIndex:
    """Load and cross-check an index; ``model_fingerprint`` must match the manifest's if given.

    ``index_dir`` is a folder or a database URL (``qa.index.location``).
    ``check_dictionary=False`` loads an index whose user dictionary, stopwords or text
    normalisation have changed since (a build reusing its vectors does that); searching it would cut
    questions differently from its passages.
    """
    if is_database(index_dir):
        return _load_database(str(index_dir), model_fingerprint, check_dictionary)
    index_dir = Path(index_dir)
    layout = IndexLayout(index_dir)
    stamp = manifest_stamp(index_dir)  # before reading: a rebuild landing meanwhile shows as newer
    manifest = read_manifest(index_dir)
    tokenizer = _checked_tokenizer(manifest, index_dir, model_fingerprint, check_dictionary, REBUILD_HINT)
    if file_sha256(layout.passages) != manifest.get("passages_sha256"):
        raise IndexCorruptError(f"{layout.passages} was changed or damaged after the build; {REBUILD_HINT}.")
    offsets = _read_array(layout.passage_offsets)
    passages = PassageTable(layout.passages, offsets, REBUILD_HINT)
    passage_docs = _read_array(layout.passage_docs)
    vectors = FaissStore.load(layout.vectors, REBUILD_HINT)
    sentences = FaissStore.load(layout.sentences, REBUILD_HINT)
    sentence_owner = _read_array(layout.sentence_owner)
    try:
        lexical = LexicalIndex.load(layout.bm25, tokenizer, mmap=True)
    except (OSError, ValueError, KeyError) as exc:
        raise IndexCorruptError(f"{layout.bm25} cannot be read ({exc}); {REBUILD_HINT}.") from exc
    loaded = LoadedIndex(
        index_dir, manifest, passages, passage_docs, vectors, sentences, sentence_owner, lexical, stamp
    )
    _check_sizes(loaded, REBUILD_HINT)
    return loaded


def _load_database(location: str, model_fingerprint: str | None, check_dictionary: bool) -> LoadedIndex:
    from qa.index.database.connection import hint
    from qa.index.database.reader import open_tables, read_database_manifest

    generation, manifest = read_database_manifest(location)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise StaleIndexError(
            f"Index in {redacted(location)} has format version {manifest.get('format_version')}, "
            f"this code reads {FORMAT_VERSION}; {hint(location)}."
        )
    tokenizer = _checked_tokenizer(
        manifest, redacted(location), model_fingerprint, check_dictionary, hint(location)
    )
    loaded = LoadedIndex(location, manifest, **open_tables(location, manifest, generation, tokenizer))
    loaded.stamp = (generation, 0)
    _check_sizes(loaded, hint(location))
    return loaded


def _checked_tokenizer(
    manifest: dict[str, Any],
    where: object,
    model_fingerprint: str | None,
    check_dictionary: bool,
    remedy: str,
) -> ChineseTokenizer:
    """The index's tokenizer, once its model, normalisation and dictionary are this code's."""
    built_with = manifest["model"]["fingerprint"]
    if model_fingerprint is not None and model_fingerprint != built_with:
        raise StaleIndexError(
            f"Index at {where} was built with model {manifest['model']['name']} ({built_with}), "
            f"not the loaded one ({model_fingerprint}); {remedy} with this model."
        )
    if check_dictionary and manifest["lexical"].get("normalisation") != NORMALISATION:
        raise StaleIndexError(
            f"Index at {where} was built with another normalisation of the text "
            f"({manifest['lexical'].get('normalisation', 'an older one')}, now {NORMALISATION}); "
            f"{remedy}."
        )
    lexical_settings = LexicalSettings(**manifest["lexical"])
    tokenizer = make_tokenizer(lexical_settings, manifest.get("corpus_terms", []))
    if check_dictionary and (
        dictionary_hash(default_user_dictionary(), manifest.get("corpus_terms", []))
        != manifest["dictionary_hash"]
    ):
        raise StaleIndexError(f"The user dictionary changed since the index at {where} was built; {remedy}.")
    return tokenizer


def _check_sizes(index: LoadedIndex, remedy: str) -> None:
    """Raise ``IndexCorruptError`` unless every part has the manifest's passages and dimension."""
    manifest, passage_docs, sentence_owner = index.manifest, index.passage_docs, index.sentence_owner
    expected = manifest["passage_count"]
    sizes = {
        "passages": len(index.passages),
        "passage documents": len(passage_docs),
        "vectors": index.vectors.size,
        "bm25": index.lexical.size,
    }
    dim = manifest["model"]["dim"]
    owners_ok = (
        len(sentence_owner) == index.sentences.size == manifest.get("sentence_count")
        and bool(np.all(np.diff(sentence_owner) >= 0))
        and (len(sentence_owner) == 0 or 0 <= sentence_owner[0] <= sentence_owner[-1] < expected)
    )
    docs_ok = bool(np.all(np.diff(passage_docs) >= 0)) and (
        len(passage_docs) == 0 or passage_docs[-1] < len(manifest["documents"])
    )
    if (
        any(size != expected for size in sizes.values())
        or {index.vectors.dim, index.sentences.dim} != {dim}
        or not owners_ok
        or not docs_ok
    ):
        raise IndexCorruptError(
            f"Index at {index.root} is inconsistent: manifest says {expected} passages of dim {dim}, "
            f"found {sizes}, dims {index.vectors.dim}/{index.sentences.dim} and {len(sentence_owner)} "
            f"sentence owners for {index.sentences.size} sentences; {remedy}."
        )


def _read_array(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"{path} cannot be read ({exc}); {REBUILD_HINT}.") from exc


def stale_reasons(index_dir: Location, seeds: Path) -> list[str]:
    """Why ``index_dir`` no longer matches the documents in ``seeds`` (empty when fresh).

    An archive read member by member (the manifest's ``archives``) counts as one file, by
    its own bytes: its members are not files of the folder.
    """
    manifest = read_manifest(index_dir)
    archives: dict[str, str] = manifest.get("archives", {})
    inside = tuple(f"{name}/" for name in archives)

    def in_archive(name: str) -> bool:
        return bool(inside) and name.startswith(inside)

    built = {name: info["sha256"] for name, info in manifest["documents"].items() if not in_archive(name)}
    built.update({name: "skipped" for name in manifest.get("skipped", {}) if not in_archive(name)})
    built.update(archives)
    current: dict[str, str] = {}
    for path in sorted(p for p in seeds.rglob("*") if p.is_file()):
        name = path.relative_to(seeds).as_posix()
        if not any(part.startswith(".") for part in Path(name).parts):
            current[name] = file_sha256(path)
    reasons = []
    if manifest.get("pipeline") != PIPELINE_VERSION:
        reasons.append("built by an older version of the reading and passage cutting (`qa build` redoes it)")
    reasons += [f"new document {n}" for n in sorted(current.keys() - built.keys())]
    reasons += [f"removed document {n}" for n in sorted(built.keys() - current.keys())]
    reasons += [
        f"changed document {n}"
        for n in sorted(current.keys() & built.keys())
        if built[n] != "skipped" and built[n] != current[n]
    ]
    return reasons + _edited(manifest["documents"], seeds)


def _edited(documents: dict[str, Any], seeds: Path) -> list[str]:
    """The documents whose title, date, speaker or kind an editor changed since the build (``qa meta``)."""
    try:
        overrides = read_overrides(seeds)
    except QAError as exc:
        return [str(exc)]
    return [
        f"edited title, date, speaker or kind of {name} (`qa meta`)"
        for name, info in sorted(documents.items())
        if (info.get("overrides") or {}) != (overrides[name].to_json() if name in overrides else {})
    ]
