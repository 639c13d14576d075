"""Build the index folder, reusing whatever the previous build already computed.

A rebuild reads and cleans only files whose bytes changed, embeds only passage and
sentence texts it has no vector for (the previous index is the embedding cache, keyed by
text and model fingerprint) and re-tokenises only passages that are new or contain a
corpus term that appeared or disappeared. Everything else is copied from the previous
index, so adding one document to 10,000 costs tens of seconds instead of hours of embedding
(bench/scale.py). ``full=True`` recomputes all.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.build.reuse import (
    Previous,
    embed_reusing,
    old_index_texts,
    old_sentence_texts,
    passage_sentences,
    previous_index,
    tokens_reusing,
)
from qa.build.settings import BuildSettings, BuildStats, Progress
from qa.errors import QAError
from qa.hashing import file_sha256
from qa.index.atomic import exclusive, remove_leftovers, staged_folder
from qa.index.bm25 import LexicalIndex
from qa.index.layout import FORMAT_VERSION, IndexLayout, fingerprint, make_tokenizer, write_json
from qa.index.location import Location, is_database
from qa.index.store import FaissStore, choose_kind, faiss_version
from qa.index.table import write_passages
from qa.ingest import KnownDocument, read_folder
from qa.ingest.sidecar import apply_override, read_overrides
from qa.model.embedder import Embedder
from qa.passages.cutting import PIPELINE_VERSION, Passage, make_passages
from qa.passages.places import document_places
from qa.passages.reliability import document_missing_words
from qa.retrieve.ranker import ranker_identity
from qa.retrieve.retriever import Retriever
from qa.text.tokens import default_user_dictionary, dictionary_hash, quoted_terms
from qa.version import __version__

if TYPE_CHECKING:
    from qa.index.database.writer import DatabaseWriter

log = logging.getLogger(__name__)


def build_index(
    seeds: Path,
    index_dir: Location,
    embedder: Embedder,
    settings: BuildSettings | None = None,
    progress: bool = False,
    full: bool = False,
    on_progress: Progress | None = None,
) -> dict[str, Any]:
    """Index the documents in ``seeds`` and atomically replace ``index_dir``; returns the manifest.

    ``index_dir`` is a folder or a database URL (``qa.index.location``); a database gets a
    new generation that serves once complete.

    Work already done by the previous index in ``index_dir`` is reused unless ``full``.
    Unreadable documents are listed under ``skipped`` in the manifest. ``on_progress`` is
    told each stage and, while embedding, how many texts are done (``Progress``).
    """
    settings = settings or BuildSettings()
    if is_database(index_dir):
        from qa.index.database.writer import DatabaseWriter

        with DatabaseWriter(str(index_dir)) as writer:  # refuses a second build at once
            previous = None if full else previous_index(index_dir, embedder, settings)
            return _build_locked(
                seeds, index_dir, embedder, settings, previous, progress, on_progress, writer
            )
    index_dir = Path(index_dir).resolve()
    with exclusive(index_dir):
        remove_leftovers(index_dir)
        previous = None if full else previous_index(index_dir, embedder, settings)
        return _build_locked(seeds, index_dir, embedder, settings, previous, progress, on_progress)


def _build_locked(
    seeds: Path,
    index_dir: Location,
    embedder: Embedder,
    settings: BuildSettings,
    previous: Previous | None,
    progress: bool,
    on_progress: Progress | None = None,
    writer: DatabaseWriter | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    stats = BuildStats()
    tell = on_progress or (lambda stage, done, total: None)
    tell("reading", 0, 0)
    known = previous.index.manifest["documents"] if previous and previous.reuse_passages else {}
    report = read_folder(
        seeds,
        {
            source: KnownDocument(info["sha256"], frozenset(info.get("edge_keys", ())))
            for source, info in known.items()
        },
        frozenset(previous.index.manifest.get("collection_furniture", ()))
        if known and previous
        else frozenset(),
    )
    if not report.documents and not report.unchanged:
        reasons = "; ".join(report.skipped.values()) or "the folder has no documents"
        raise QAError(f"Nothing to index in {seeds}: {reasons}")

    overrides = read_overrides(seeds)  # the editors' titles, dates, speakers and kinds (qa meta)
    # Documents in file order; an unchanged one keeps its passages (and so their ids).
    fresh = {doc.source: doc for doc in report.documents}
    sources = sorted([*fresh, *report.unchanged])
    documents: dict[str, dict[str, Any]] = {}
    passages: list[Passage] = []
    for source in sources:
        if source in fresh:
            doc = fresh[source]
            cut = make_passages(doc, settings.chunking)
            documents[source] = {
                "sha256": doc.sha256,
                "title": doc.title,
                "date": doc.date,
                "metadata": doc.metadata,
                "cleaning": doc.report.summary(),
                "edge_keys": sorted(doc.edge_keys),
                "reading": doc.reading.summary(),
                "fields": doc.fields.to_json(),
            }
            stats.documents_read += 1
        else:
            assert previous is not None
            rows = previous.index.rows_of_document(source)
            cut = previous.index.passages[rows.start : rows.stop]
            documents[source] = {
                k: known[source][k]
                for k in (
                    "sha256",
                    "title",
                    "date",
                    "metadata",
                    "cleaning",
                    "edge_keys",
                    "reading",
                    "found",
                    "fields",
                    "missing_words",
                    "places",
                )
                if k in known[source]
            }
            stats.documents_reused += 1
        documents[source] = record = apply_override(documents[source], overrides.get(source))
        cut = [_titled(p, record["title"], record["date"]) for p in cut]
        if not cut:  # nothing a filter or a search could ever return
            del documents[source]
            report.skipped[source] = f"{source}: no passage left after cleaning."
            continue
        documents[source]["passages"] = len(cut)
        # Recorded once here, so a search does not read a hit's whole document to mark it; the
        # title is among the headings it reads, so a retitled document is checked again.
        if "missing_words" not in record or record["title"] != known[source]["title"]:
            record["missing_words"] = list(document_missing_words(cut))
        if "places" not in record:  # so a question naming a session or an article reads no passage
            record["places"] = document_places(cut)
        passages.extend(cut)
    if not passages:
        raise QAError(f"Nothing to index in {seeds}: {'; '.join(report.skipped.values())}")
    passage_docs = np.repeat(
        np.arange(len(documents), dtype=np.int32), [info["passages"] for info in documents.values()]
    )
    texts = [p.index_text(settings.chunking) for p in passages]

    same_pipeline = previous is not None and previous.index.manifest.get("pipeline") == PIPELINE_VERSION
    old = previous.index if previous and same_pipeline else None
    old_texts = old_index_texts(old, settings.chunking)
    vectors, stats.passages_embedded = embed_reusing(
        texts,
        old_texts,
        old.vectors if old else None,
        embedder,
        progress and "passages",
        on_progress=on_progress and (lambda done, total: tell("passages", done, total)),
    )
    # A sentence that is its passage's whole text has the passage's vector (same prompt, same text).
    passage_rows = {text: row for row, text in enumerate(texts)}
    stats.passages_reused = len(texts) - stats.passages_embedded
    kind = choose_kind(len(passages), settings.hnsw_threshold)
    # A database builds its own graph (pgvector HNSW); the build only holds its vectors (flat).
    passage_store = FaissStore.build(vectors, embedder.dim, "flat" if writer else kind)
    del vectors  # the store holds its own copy; at 100k passages each is 150 MB
    with_sentences = len(passages) <= settings.sentence_vectors_limit
    sentence_texts, owners = (
        passage_sentences(passages) if with_sentences else ([], np.zeros(0, dtype=np.int32))
    )
    old_sentences = old_sentence_texts(old)
    sentence_vectors, stats.sentences_embedded = embed_reusing(
        sentence_texts,
        old_sentences,
        old.sentences if old else None,
        embedder,
        progress and "sentences",
        (passage_rows, passage_store),
        on_progress and (lambda done, total: tell("sentences", done, total)),
    )
    stats.sentences_reused = len(sentence_texts) - stats.sentences_embedded
    sentence_kind = choose_kind(len(sentence_texts), settings.hnsw_threshold)
    sentence_store = FaissStore.build(sentence_vectors, embedder.dim, "flat" if writer else sentence_kind)
    del sentence_vectors, old_sentences

    tell("tokenising", 0, 0)
    terms = quoted_terms(p.text for p in passages)
    user_dictionary = default_user_dictionary()
    tokenizer = make_tokenizer(settings.lexical, terms, user_dictionary)
    tokens = tokens_reusing(texts, terms, tokenizer, previous, old_texts, stats)
    del old_texts

    tell("writing", 0, 0)
    manifest = _manifest(documents, len(passages), embedder, settings, terms, user_dictionary)
    manifest.update(
        faiss={"type": kind, "sentences_type": sentence_kind, "version": faiss_version()},
        sentence_vectors=with_sentences,
        sentence_count=len(sentence_texts),
        skipped=report.skipped,
        archives=report.archives,
        collection_furniture=sorted(report.collection_furniture),
    )
    if writer is not None:  # a database: a new generation, switched to at the end
        generation = writer.write(
            passages,
            passage_docs,
            passage_store.vectors(np.arange(passage_store.size)),
            sentence_store.vectors(np.arange(sentence_store.size)),
            owners,
            tokens,
            (kind == "hnsw", sentence_kind == "hnsw"),
        )
        _finish(manifest, stats, started, bool(old))
        writer.record(generation, manifest)
        location = f"{writer.url}#generation={generation}"
        manifest["gate_background"] = asdict(Retriever(location, embedder=embedder).background)
        writer.activate(generation, manifest)
        log.info("Indexed %d passages into generation %d of the database", len(passages), generation)
        return manifest
    lexical = LexicalIndex.from_tokens(tokens, tokenizer)
    with staged_folder(Path(index_dir)) as scratch:
        layout = IndexLayout(scratch)
        offsets = write_passages(layout.passages, passages)
        np.save(layout.passage_offsets, offsets, allow_pickle=False)
        np.save(layout.passage_docs, passage_docs, allow_pickle=False)
        passage_store.save(layout.vectors)
        sentence_store.save(layout.sentences)
        np.save(layout.sentence_owner, owners, allow_pickle=False)
        layout.bm25.mkdir()
        lexical.save(layout.bm25)
        tokens.save(layout.tokens)
        manifest["passages_sha256"] = file_sha256(layout.passages)
        _finish(manifest, stats, started, bool(old))
        write_json(layout.manifest, manifest)  # last: a folder without it is not an index
        # The gate's background: how close questions this collection cannot answer come to it.
        searcher = Retriever(scratch, embedder=embedder)
        manifest["gate_background"] = asdict(searcher.background)
        manifest["ranker"] = ranker_identity(searcher.ranker)  # the background was measured with it
        write_json(layout.manifest, manifest)
    log.info("Indexed %d passages from %d documents into %s", len(passages), len(documents), index_dir)
    return manifest


def _finish(manifest: dict[str, Any], stats: BuildStats, started: float, incremental: bool) -> None:
    """Add the build's statistics and time, then the fingerprint, to ``manifest``."""
    seconds = round(time.perf_counter() - started, 2)
    manifest.update(
        build=asdict(stats) | {"seconds": seconds, "incremental": incremental}, build_seconds=seconds
    )
    manifest["fingerprint"] = fingerprint(manifest)


def _titled(passage: Passage, title: str, date: str | None) -> Passage:
    """``passage`` under its document's title and date as they now stand (an editor's override)."""
    if (passage.doc_title, passage.doc_date) == (title, date):
        return passage
    return replace(passage, doc_title=title, doc_date=date)


def _manifest(
    documents: dict[str, dict[str, Any]],
    passage_count: int,
    embedder: Embedder,
    settings: BuildSettings,
    terms: list[str],
    user_dictionary: str,
) -> dict[str, Any]:
    import jieba

    manifest: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "pipeline": PIPELINE_VERSION,
        "package_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": {
            "name": embedder.name,
            "fingerprint": embedder.fingerprint,
            "dim": embedder.dim,
            "prompts": embedder.prompts,
            "precision": getattr(embedder, "precision", "fp32"),
        },
        "jieba_version": jieba.__version__,
        "dictionary_hash": dictionary_hash(user_dictionary, terms),
        "user_dictionary_hash": dictionary_hash(user_dictionary, []),
        "corpus_terms": terms,
        "chunking": asdict(settings.chunking),
        "lexical": asdict(settings.lexical),
        "passage_count": passage_count,
        "documents": documents,
    }
    if adapter := getattr(embedder, "adapter", None):  # only then: an index without one keeps its manifest
        manifest["model"]["adapter"] = adapter
    return manifest
