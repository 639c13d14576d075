"""What a rebuild takes from the previous index: passages, tokens and vectors, keyed by text
and model."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.build.settings import PROGRESS_SLICE, BuildSettings, BuildStats
from qa.build.tokenising import tokenise
from qa.errors import IndexNotFoundError, QAError
from qa.index.layout import IndexLayout
from qa.index.load import LoadedIndex, load_index
from qa.index.location import Location, is_database
from qa.index.store import VectorStore
from qa.index.token_table import TokenTable
from qa.model.embedder import Embedder
from qa.passages.cutting import PIPELINE_VERSION, ChunkSettings, sentences_of
from qa.text.normalise import simplified
from qa.text.tokens import default_user_dictionary, dictionary_hash

log = logging.getLogger(__name__)


@dataclass
class Previous:
    index: LoadedIndex
    tokens: TokenTable | None  # None when the dictionary or tokenizer settings changed
    reuse_passages: bool  # same cleaning, chunking and pipeline


def previous_index(index_dir: Location, embedder: Embedder, settings: BuildSettings) -> Previous | None:
    """What the index being replaced offers for reuse; None when there is none or it is unusable.

    From a database the tokens come back from its postings (each term its frequency times).
    """
    database = is_database(index_dir)
    if not database and not (Path(index_dir) / "manifest.json").is_file():
        return None
    try:
        index = load_index(index_dir, embedder.fingerprint, check_dictionary=False)
        manifest = index.manifest
        same_tokenizer = manifest["lexical"] == asdict(settings.lexical) and manifest.get(
            "user_dictionary_hash"
        ) == dictionary_hash(default_user_dictionary(), [])
        tokens = None
        if same_tokenizer:  # a database keeps each passage's term counts, which is all BM25 needs
            lexical: Any = index.lexical
            tokens = (
                lexical.token_table() if database else TokenTable.load(IndexLayout(Path(index_dir)).tokens)
            )
    except IndexNotFoundError:
        return None
    except (QAError, OSError, ValueError, KeyError) as exc:
        log.warning("Not reusing the previous index (%s); building everything", exc)
        return None
    reuse_passages = (
        manifest["chunking"] == asdict(settings.chunking) and manifest.get("pipeline") == PIPELINE_VERSION
    )
    return Previous(index, tokens, reuse_passages)


def old_index_texts(old: LoadedIndex | None, chunking: ChunkSettings) -> dict[str, int]:
    if old is None:
        return {}
    old_chunking = ChunkSettings(**old.manifest["chunking"])
    return {p.index_text(old_chunking): row for row, p in enumerate(old.passages)}


def old_sentence_texts(old: LoadedIndex | None) -> dict[str, int]:
    if old is None or old.sentences.size == 0:
        return {}
    texts, owners = passage_sentences(old.passages)
    if len(texts) != old.sentences.size or not np.array_equal(owners, old.sentence_owner):
        log.warning("The previous index's sentences no longer line up with its vectors; embedding them again")
        return {}
    return {text: row for row, text in enumerate(texts)}


def embed_reusing(
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


def tokens_reusing(
    texts: list[str],
    terms: list[str],
    tokenizer: Any,
    previous: Previous | None,
    old_texts: dict[str, int],
    stats: BuildStats,
) -> TokenTable:
    """Every passage's tokens; a passage is re-tokenised only if new or touched by a changed term."""
    old_tokens = previous.tokens if previous else None
    if old_tokens is None or previous is None:
        stats.passages_tokenised = len(texts)
        return tokenise(texts, tokenizer)
    # Adding a word to jieba can only change how text containing that word is cut.
    changed_terms = set(terms) ^ set(previous.index.manifest.get("corpus_terms", []))
    reused = [
        row if row is not None and not any(term in text for term in changed_terms) else None
        for text, row in ((text, old_texts.get(text)) for text in texts)
    ]
    fresh = [text for text, row in zip(texts, reused, strict=True) if row is None]
    stats.passages_tokenised = len(fresh)
    cut = tokenise(fresh, tokenizer)
    fresh_rows = iter(range(len(fresh)))
    return TokenTable.assemble(
        (old_tokens, row) if row is not None else (cut, next(fresh_rows)) for row in reused
    )


def passage_sentences(passages: Any) -> tuple[list[str], np.ndarray]:
    texts: list[str] = []
    owners: list[int] = []
    for row, passage in enumerate(passages):
        for sentence in sentences_of(passage.text):
            texts.append(sentence)
            owners.append(row)
    return texts, np.asarray(owners, dtype=np.int32)
