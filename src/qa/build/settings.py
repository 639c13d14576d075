"""What decides what a build contains, and what it reports: settings, statistics, progress."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from qa.index.store import HNSW_THRESHOLD
from qa.passages.cutting import ChunkSettings
from qa.text.tokens import LexicalSettings

log = logging.getLogger(__name__)


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
