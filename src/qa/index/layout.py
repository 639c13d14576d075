"""The index folder: its layout and manifest (loading is ``qa.index.load``, building ``qa.build``).

Layout (``IndexLayout``)::

    index/
      manifest.json       written last; says how everything else was made
      passages.jsonl      one passage per line, row i = vector id i (memory-mapped)
      passage_offsets.npy byte offset of every line, plus the file size
      passage_docs.npy    row i = the number of its document (manifest order)
      vectors.faiss       normalised passage embeddings (inner product = cosine)
      sentences.faiss     normalised embeddings of each passage's sentences (empty at scale)
      sentence_owner.npy  row i = the passage (vector id) that sentence i belongs to
      bm25/               bm25s arrays + vocabulary (no pickle)
      tokens/             every passage's BM25 tokens, reused by the next build

A build writes into a temporary sibling folder and renames it into place, so a build
that fails half-way leaves the previous index untouched and serving.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import IndexCorruptError, IndexNotFoundError, QAError, StaleIndexError
from qa.index.atomic import exclusive, restore_interrupted_swap
from qa.index.location import Location, is_database
from qa.text.tokens import ChineseTokenizer, LexicalSettings, default_user_dictionary

log = logging.getLogger(__name__)

FORMAT_VERSION = 2
REBUILD_HINT = "run `qa build` (or `make index`) to rebuild it"


@dataclass(frozen=True)
class IndexLayout:
    """The files of an index folder, and the checks that they are all there."""

    root: Path

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def passages(self) -> Path:
        return self.root / "passages.jsonl"

    @property
    def vectors(self) -> Path:
        return self.root / "vectors.faiss"

    @property
    def sentences(self) -> Path:
        return self.root / "sentences.faiss"

    @property
    def sentence_owner(self) -> Path:
        return self.root / "sentence_owner.npy"

    @property
    def passage_offsets(self) -> Path:
        return self.root / "passage_offsets.npy"

    @property
    def passage_docs(self) -> Path:
        return self.root / "passage_docs.npy"

    @property
    def bm25(self) -> Path:
        return self.root / "bm25"

    @property
    def tokens(self) -> Path:
        return self.root / "tokens"

    @property
    def files(self) -> tuple[Path, ...]:
        return (
            self.passages,
            self.passage_offsets,
            self.passage_docs,
            self.vectors,
            self.sentences,
            self.sentence_owner,
            self.bm25,
            self.tokens,
        )

    def require(self) -> None:
        """Raise ``IndexNotFoundError`` / ``IndexCorruptError`` naming what is missing."""
        if not self.root.exists() and _restore_if_idle(self.root):
            log.warning("Recovered the index at %s from an interrupted build", self.root)
        if not self.manifest.is_file():
            raise IndexNotFoundError(f"No index at {self.root} (no manifest.json); {REBUILD_HINT}.")
        missing = [p.name for p in self.files if not p.exists()]
        if missing:
            raise IndexCorruptError(f"Index at {self.root} is missing {', '.join(missing)}; {REBUILD_HINT}.")


def fingerprint(manifest: dict[str, Any]) -> str:
    """Hash of every manifest field that changes retrieval (not build time or versions)."""
    keys = (
        "format_version",
        "model",
        "chunking",
        "lexical",
        "documents",
        "dictionary_hash",
        "sentence_vectors",
    )
    payload = json.dumps({k: manifest.get(k) for k in keys}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def make_tokenizer(
    lexical: LexicalSettings, extra_terms: list[str], user_dictionary: str | None = None
) -> ChineseTokenizer:
    """The tokenizer an index was (or will be) built with."""
    dictionary = default_user_dictionary() if user_dictionary is None else user_dictionary
    return ChineseTokenizer(lexical, dictionary, extra_terms if lexical.corpus_terms else ())


def write_json(path: Path, data: object) -> None:
    """Write ``data`` as indented UTF-8 JSON."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def manifest_stamp(index_dir: Location) -> tuple[int, int] | None:
    """Identity of the manifest file now (inode, mtime); None while there is none.

    A build replaces the whole folder with one rename, so another stamp means another index.
    In a database: the serving generation's number (a switch is one transaction).
    """
    if is_database(index_dir):
        from qa.index.database.reader import database_stamp

        return database_stamp(str(index_dir))
    index_dir = Path(index_dir)
    try:
        stat = (index_dir / "manifest.json").stat()
    except OSError:
        return None  # between the two renames of a swap, or removed
    return stat.st_ino, stat.st_mtime_ns


def read_manifest(index_dir: Location) -> dict[str, Any]:
    """The manifest of ``index_dir`` (a folder or a database URL); raises if it is not a readable index."""
    if is_database(index_dir):
        from qa.index.database.reader import read_database_manifest

        return read_database_manifest(str(index_dir))[1]
    index_dir = Path(index_dir)
    layout = IndexLayout(index_dir)
    layout.require()
    try:
        manifest = json.loads(layout.manifest.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"{layout.manifest} is not valid JSON ({exc}); {REBUILD_HINT}.") from exc
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise StaleIndexError(
            f"Index at {index_dir} has format version {version}, this code reads {FORMAT_VERSION}; "
            f"{REBUILD_HINT}."
        )
    return manifest


def _restore_if_idle(root: Path) -> bool:
    # A missing index may be one a killed build had moved aside; put it back unless a
    # build is running right now (it is then between its two renames).
    if not any(root.parent.glob(f".{root.name}-old-*")):
        return False
    try:
        with exclusive(root):
            return restore_interrupted_swap(root)
    except QAError:
        return False
