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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qa import __version__
from qa.atomic import exclusive, remove_leftovers, staged_folder
from qa.convert import file_sha256
from qa.embed import Embedder
from qa.errors import QAError
from qa.index import (
    FORMAT_VERSION,
    IndexLayout,
    LoadedIndex,
    fingerprint,
    load_index,
    make_tokenizer,
    write_json,
)
from qa.ingest import KnownDocument, read_folder
from qa.lexical import (
    LexicalIndex,
    LexicalSettings,
    TokenTable,
    default_user_dictionary,
    dictionary_hash,
    quoted_terms,
)
from qa.normalise import simplified
from qa.passages import ChunkSettings, Passage, make_passages, sentences_of
from qa.search import Retriever
from qa.store import HNSW_THRESHOLD, FaissStore, VectorStore, choose_kind, faiss_version
from qa.table import write_passages

log = logging.getLogger(__name__)

# Bump when cleaning, passage cutting, ``Passage.index_text`` or ``sentences_of`` change:
# unchanged files are then cut again and no vector is reused, since the cache is keyed by
# the texts these functions make.
PIPELINE_VERSION = 2
# Sentence vectors double the embedding work and take ~7x the passages' memory; above
# this many passages only passage vectors are kept (dense score = passage cosine).
SENTENCE_VECTORS_LIMIT = 20_000
# With a progress callback, texts are embedded this many at a time so it hears of each slice.
PROGRESS_SLICE = 128

Progress = Callable[[str, int, int], None]
"""A build's progress: the stage ("reading", "passages", "sentences", "tokenising", "writing")
and, while embedding, the texts embedded so far and the texts to embed (0, 0 otherwise)."""


@dataclass(frozen=True)
class BuildSettings:
    """Everything besides documents and model that decides what an index contains."""

    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    lexical: LexicalSettings = field(default_factory=LexicalSettings)
    sentence_vectors_limit: int = SENTENCE_VECTORS_LIMIT
    hnsw_threshold: int = HNSW_THRESHOLD


@dataclass
class BuildStats:
    """What a build computed and what it reused, for the manifest and the CLI."""

    documents_read: int = 0
    documents_reused: int = 0
    passages_embedded: int = 0
    passages_reused: int = 0
    sentences_embedded: int = 0
    sentences_reused: int = 0
    passages_tokenised: int = 0


def build_index(
    seeds: Path,
    index_dir: Path,
    embedder: Embedder,
    settings: BuildSettings | None = None,
    progress: bool = False,
    full: bool = False,
    on_progress: Progress | None = None,
) -> dict[str, Any]:
    """Index the documents in ``seeds`` and atomically replace ``index_dir``; returns the manifest.

    Work already done by the previous index in ``index_dir`` is reused unless ``full``.
    Unreadable documents are listed under ``skipped`` in the manifest. ``on_progress`` is
    told each stage and, while embedding, how many texts are done (``Progress``).
    """
    index_dir = index_dir.resolve()
    with exclusive(index_dir):
        remove_leftovers(index_dir)
        settings = settings or BuildSettings()
        previous = None if full else _previous(index_dir, embedder, settings)
        return _build_locked(seeds, index_dir, embedder, settings, previous, progress, on_progress)


@dataclass
class _Previous:
    index: LoadedIndex
    tokens: TokenTable | None  # None when the dictionary or tokenizer settings changed
    reuse_passages: bool  # same cleaning, chunking and pipeline


def _previous(index_dir: Path, embedder: Embedder, settings: BuildSettings) -> _Previous | None:
    if not (index_dir / "manifest.json").is_file():
        return None
    try:
        index = load_index(index_dir, embedder.fingerprint, check_dictionary=False)
        manifest = index.manifest
        same_tokenizer = manifest["lexical"] == asdict(settings.lexical) and manifest.get(
            "user_dictionary_hash"
        ) == dictionary_hash(default_user_dictionary(), [])
        tokens = TokenTable.load(IndexLayout(index_dir).tokens) if same_tokenizer else None
    except (QAError, OSError, ValueError, KeyError) as exc:
        log.warning("Not reusing the previous index (%s); building everything", exc)
        return None
    reuse_passages = (
        manifest["chunking"] == asdict(settings.chunking) and manifest.get("pipeline") == PIPELINE_VERSION
    )
    return _Previous(index, tokens, reuse_passages)


def _build_locked(
    seeds: Path,
    index_dir: Path,
    embedder: Embedder,
    settings: BuildSettings,
    previous: _Previous | None,
    progress: bool,
    on_progress: Progress | None = None,
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
            }
            stats.documents_read += 1
        else:
            assert previous is not None
            rows = previous.index.rows_of_document(source)
            cut = previous.index.passages[rows.start : rows.stop]
            documents[source] = {
                k: known[source][k] for k in ("sha256", "title", "date", "metadata", "cleaning", "edge_keys")
            }
            stats.documents_reused += 1
        if not cut:  # nothing a filter or a search could ever return
            del documents[source]
            report.skipped[source] = f"{source}: no passage left after cleaning."
            continue
        documents[source]["passages"] = len(cut)
        passages.extend(cut)
    if not passages:
        raise QAError(f"Nothing to index in {seeds}: {'; '.join(report.skipped.values())}")
    passage_docs = np.repeat(
        np.arange(len(documents), dtype=np.int32), [info["passages"] for info in documents.values()]
    )
    texts = [p.index_text(settings.chunking) for p in passages]

    same_pipeline = previous is not None and previous.index.manifest.get("pipeline") == PIPELINE_VERSION
    old = previous.index if previous and same_pipeline else None
    old_texts = _old_index_texts(old, settings.chunking)
    vectors, stats.passages_embedded = _embed_reusing(
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
    passage_store = FaissStore.build(vectors, embedder.dim, kind)
    del vectors  # the store holds its own copy; at 100k passages each is 150 MB
    with_sentences = len(passages) <= settings.sentence_vectors_limit
    sentence_texts, owners = _sentences(passages) if with_sentences else ([], np.zeros(0, dtype=np.int32))
    old_sentences = _old_sentence_texts(old)
    sentence_vectors, stats.sentences_embedded = _embed_reusing(
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
    sentence_store = FaissStore.build(sentence_vectors, embedder.dim, sentence_kind)
    del sentence_vectors, old_sentences

    tell("tokenising", 0, 0)
    terms = quoted_terms(p.text for p in passages)
    user_dictionary = default_user_dictionary()
    tokenizer = make_tokenizer(settings.lexical, terms, user_dictionary)
    tokens = _tokens_reusing(texts, terms, tokenizer, previous, old_texts, stats)
    del old_texts
    lexical = LexicalIndex.from_tokens(tokens, tokenizer)

    tell("writing", 0, 0)
    with staged_folder(index_dir) as scratch:
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
        manifest = _manifest(documents, len(passages), embedder, settings, terms, user_dictionary)
        seconds = round(time.perf_counter() - started, 2)
        manifest.update(
            faiss={"type": kind, "sentences_type": sentence_kind, "version": faiss_version()},
            sentence_vectors=with_sentences,
            sentence_count=len(sentence_texts),
            skipped=report.skipped,
            collection_furniture=sorted(report.collection_furniture),
            passages_sha256=file_sha256(layout.passages),
            build=asdict(stats) | {"seconds": seconds, "incremental": bool(old)},
            build_seconds=seconds,
        )
        manifest["fingerprint"] = fingerprint(manifest)
        write_json(layout.manifest, manifest)  # last: a folder without it is not an index
        # The gate's background: how close questions this collection cannot answer come to it.
        manifest["gate_background"] = asdict(Retriever(scratch, embedder=embedder).background)
        write_json(layout.manifest, manifest)
    log.info("Indexed %d passages from %d documents into %s", len(passages), len(documents), index_dir)
    return manifest


def _old_index_texts(old: LoadedIndex | None, chunking: ChunkSettings) -> dict[str, int]:
    if old is None:
        return {}
    old_chunking = ChunkSettings(**old.manifest["chunking"])
    return {p.index_text(old_chunking): row for row, p in enumerate(old.passages)}


def _old_sentence_texts(old: LoadedIndex | None) -> dict[str, int]:
    if old is None or old.sentences.size == 0:
        return {}
    texts, owners = _sentences(old.passages)
    if len(texts) != old.sentences.size or not np.array_equal(owners, old.sentence_owner):
        log.warning("The previous index's sentences no longer line up with its vectors; embedding them again")
        return {}
    return {text: row for row, text in enumerate(texts)}


def _embed_reusing(
    texts: list[str],
    old_rows: dict[str, int],
    old_store: VectorStore | None,
    embedder: Embedder,
    progress: bool | str,
    also: tuple[dict[str, int], VectorStore] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors of ``texts`` and how many were embedded.

    A text is copied from ``old_store`` (the previous index) or from ``also`` (rows of a
    store just built) when the same text is there; the rest are embedded, each distinct
    text once (formulaic speeches repeat whole sentences). ``on_progress`` hears (embedded,
    to embed) before the first and after every ``PROGRESS_SLICE`` texts.
    """
    vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    missing: dict[str, list[int]] = {}
    sources = [(old_rows, old_store)] if old_store is not None else []
    sources += [also] if also is not None else []
    copied: list[list[tuple[int, int]]] = [[] for _ in sources]
    for i, text in enumerate(texts):
        found = next((n for n, (rows, _) in enumerate(sources) if text in rows), None)
        if found is None:
            missing.setdefault(text, []).append(i)
        else:
            copied[found].append((i, sources[found][0][text]))
    for (_, store), pairs in zip(sources, copied, strict=True):
        if pairs:
            new_rows, old_ids = map(np.asarray, zip(*pairs, strict=True))
            vectors[new_rows] = store.vectors(old_ids)
    wanted = [simplified(text) for text in missing]
    if on_progress is not None:
        on_progress(0, len(wanted))
    if wanted:
        if on_progress is None:
            embedded = embedder.encode_documents(wanted, progress=progress)
        else:
            parts = []
            for first in range(0, len(wanted), PROGRESS_SLICE):
                parts.append(embedder.encode_documents(wanted[first : first + PROGRESS_SLICE]))
                on_progress(min(first + PROGRESS_SLICE, len(wanted)), len(wanted))
            embedded = np.concatenate(parts)
        for vector, rows in zip(embedded, missing.values(), strict=True):
            vectors[rows] = vector
    return vectors, len(missing)


def _tokens_reusing(
    texts: list[str],
    terms: list[str],
    tokenizer: Any,
    previous: _Previous | None,
    old_texts: dict[str, int],
    stats: BuildStats,
) -> TokenTable:
    """Every passage's tokens; a passage is re-tokenised only if new or touched by a changed term."""
    old_tokens = previous.tokens if previous else None
    if old_tokens is None or previous is None:
        stats.passages_tokenised = len(texts)
        return TokenTable.of(tokenizer(t, cached=False) for t in texts)
    # Adding a word to jieba can only change how text containing that word is cut.
    changed_terms = set(terms) ^ set(previous.index.manifest.get("corpus_terms", []))
    parts: list[tuple[TokenTable, int] | list[str]] = []
    for text in texts:
        row = old_texts.get(text)
        if row is not None and not any(term in text for term in changed_terms):
            parts.append((old_tokens, row))
        else:
            parts.append(tokenizer(text, cached=False))
            stats.passages_tokenised += 1
    return TokenTable.assemble(parts)


def _sentences(passages: Any) -> tuple[list[str], np.ndarray]:
    texts: list[str] = []
    owners: list[int] = []
    for row, passage in enumerate(passages):
        for sentence in sentences_of(passage.text):
            texts.append(sentence)
            owners.append(row)
    return texts, np.asarray(owners, dtype=np.int32)


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
    return manifest
