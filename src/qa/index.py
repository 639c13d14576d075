"""Build, save and load the index folder: the only module that uses FAISS.

Layout (``IndexLayout``)::

    index/
      manifest.json     written last; says how everything else was made
      passages.jsonl    one passage per line, row i = vector id i
      vectors.faiss     normalised passage embeddings (inner product = cosine)
      sentences.faiss   normalised embeddings of each passage's sentences
      sentence_owner.npy  row i = the passage (vector id) that sentence i belongs to
      bm25/             bm25s arrays + vocabulary (no pickle)

A build writes into a temporary sibling folder and renames it into place, so a build
that fails half-way leaves the previous index untouched and serving.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from qa import __version__
from qa.atomic import exclusive, remove_leftovers, restore_interrupted_swap, staged_folder
from qa.documents import Document, read_folder
from qa.embed import Embedder
from qa.errors import IndexCorruptError, IndexNotFoundError, QAError, StaleIndexError
from qa.lexical import (
    ChineseTokenizer,
    LexicalIndex,
    LexicalSettings,
    default_user_dictionary,
    dictionary_hash,
    quoted_terms,
)
from qa.passages import ChunkSettings, Passage, make_passages, sentences_of

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
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
    def bm25(self) -> Path:
        return self.root / "bm25"

    @property
    def files(self) -> tuple[Path, ...]:
        return (self.passages, self.vectors, self.sentences, self.sentence_owner, self.bm25)

    def require(self) -> None:
        """Raise ``IndexNotFoundError`` / ``IndexCorruptError`` naming what is missing."""
        if not self.root.exists() and _restore_if_idle(self.root):
            log.warning("Recovered the index at %s from an interrupted build", self.root)
        if not self.manifest.is_file():
            raise IndexNotFoundError(f"No index at {self.root} (no manifest.json); {REBUILD_HINT}.")
        missing = [p.name for p in self.files if not p.exists()]
        if missing:
            raise IndexCorruptError(f"Index at {self.root} is missing {', '.join(missing)}; {REBUILD_HINT}.")


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


@dataclass(frozen=True)
class BuildSettings:
    """Everything besides documents and model that decides what an index contains."""

    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    lexical: LexicalSettings = field(default_factory=LexicalSettings)


def fingerprint(manifest: dict[str, Any]) -> str:
    """Hash of every manifest field that changes retrieval (not build time or versions)."""
    keys = ("format_version", "model", "chunking", "lexical", "documents", "dictionary_hash")
    payload = json.dumps({k: manifest.get(k) for k in keys}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def make_tokenizer(
    lexical: LexicalSettings, extra_terms: list[str], user_dictionary: str | None = None
) -> ChineseTokenizer:
    """The tokenizer an index was (or will be) built with."""
    dictionary = default_user_dictionary() if user_dictionary is None else user_dictionary
    return ChineseTokenizer(lexical, dictionary, extra_terms if lexical.corpus_terms else ())


def build_index(
    seeds: Path,
    index_dir: Path,
    embedder: Embedder,
    settings: BuildSettings | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Read ``seeds``, cut passages, embed and index them, and atomically replace ``index_dir``.

    Returns the new manifest. Unreadable documents are listed under ``skipped`` in it.
    """
    index_dir = index_dir.resolve()
    with exclusive(index_dir):
        remove_leftovers(index_dir)
        return _build_locked(seeds, index_dir, embedder, settings or BuildSettings(), progress)


def _build_locked(
    seeds: Path, index_dir: Path, embedder: Embedder, settings: BuildSettings, progress: bool
) -> dict[str, Any]:
    import faiss

    started = time.perf_counter()
    report = read_folder(seeds)
    if not report.documents:
        reasons = "; ".join(report.skipped.values()) or "the folder has no .txt files"
        raise QAError(f"Nothing to index in {seeds}: {reasons}")
    passages = [p for doc in report.documents for p in make_passages(doc, settings.chunking)]
    texts = [p.index_text(settings.chunking) for p in passages]

    vector_index = _flat_index(embedder.encode_documents(texts, progress=progress), embedder.dim)
    sentence_texts, owners = _sentences(passages)
    sentence_index = _flat_index(embedder.encode_documents(sentence_texts, progress=progress), embedder.dim)

    terms = quoted_terms(p.text for p in passages)
    user_dictionary = default_user_dictionary()
    tokenizer = make_tokenizer(settings.lexical, terms, user_dictionary)
    lexical = LexicalIndex.build(texts, tokenizer)

    manifest = _manifest(report.documents, passages, embedder, settings, terms, user_dictionary)
    manifest["sentence_count"] = len(sentence_texts)
    manifest["skipped"] = report.skipped
    manifest["build_seconds"] = round(time.perf_counter() - started, 2)

    with staged_folder(index_dir) as scratch:
        layout = IndexLayout(scratch)
        faiss.write_index(vector_index, str(layout.vectors))
        faiss.write_index(sentence_index, str(layout.sentences))
        np.save(layout.sentence_owner, owners, allow_pickle=False)
        layout.bm25.mkdir()
        lexical.save(layout.bm25)
        with layout.passages.open("w", encoding="utf-8") as handle:
            for passage in passages:
                handle.write(json.dumps(passage.to_json(), ensure_ascii=False) + "\n")
        _write_json(layout.manifest, manifest)  # last: a folder without it is not an index
    log.info("Indexed %d passages from %d documents into %s", len(passages), len(report.documents), index_dir)
    return manifest


def _flat_index(vectors: np.ndarray, dim: int) -> Any:
    import faiss

    index = faiss.IndexFlatIP(dim)
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _sentences(passages: list[Passage]) -> tuple[list[str], np.ndarray]:
    texts: list[str] = []
    owners: list[int] = []
    for row, passage in enumerate(passages):
        for sentence in sentences_of(passage.text):
            texts.append(sentence)
            owners.append(row)
    return texts, np.asarray(owners, dtype=np.int32)


def _manifest(
    documents: list[Document],
    passages: list[Passage],
    embedder: Embedder,
    settings: BuildSettings,
    terms: list[str],
    user_dictionary: str,
) -> dict[str, Any]:
    import faiss
    import jieba

    counts: dict[str, int] = {}
    for passage in passages:
        counts[passage.source] = counts.get(passage.source, 0) + 1
    manifest: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": {
            "name": embedder.name,
            "fingerprint": embedder.fingerprint,
            "dim": embedder.dim,
            "prompts": embedder.prompts,
        },
        "faiss": {"type": "IndexFlatIP", "version": faiss.__version__},
        "jieba_version": jieba.__version__,
        "dictionary_hash": dictionary_hash(user_dictionary, terms),
        "corpus_terms": terms,
        "chunking": asdict(settings.chunking),
        "lexical": asdict(settings.lexical),
        "passage_count": len(passages),
        "documents": {
            doc.source: {
                "sha256": doc.sha256,
                "title": doc.title,
                "date": doc.date,
                "passages": counts.get(doc.source, 0),
            }
            for doc in documents
        },
    }
    manifest["fingerprint"] = fingerprint(manifest)
    return manifest


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest of ``index_dir``; raises if the folder is not a readable index."""
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


@dataclass
class LoadedIndex:
    """An index in memory: manifest, passages, vectors and BM25."""

    root: Path
    manifest: dict[str, Any]
    passages: list[Passage]
    vectors: Any  # faiss.Index
    sentences: Any  # faiss.Index
    sentence_owner: np.ndarray
    lexical: LexicalIndex

    def sentence_rows(self, passage_row: int) -> range:
        """The sentence ids of one passage (sentences are stored in passage order)."""
        lo, hi = np.searchsorted(self.sentence_owner, [passage_row, passage_row + 1])
        return range(int(lo), int(hi))

    @property
    def build_id(self) -> str:
        """Identifies this build (fingerprint and creation time)."""
        return f"{self.manifest['fingerprint']}@{self.manifest['created']}"

    @cached_property
    def row_of(self) -> dict[str, int]:
        """Vector id of every passage id."""
        return {passage.passage_id: row for row, passage in enumerate(self.passages)}

    @cached_property
    def documents(self) -> list[DocumentInfo]:
        """The indexed documents, in file order."""
        return [
            DocumentInfo(source, info["title"], info.get("date"), int(info["passages"]))
            for source, info in self.manifest["documents"].items()
        ]

    def rows_of_sources(self, sources: list[str]) -> np.ndarray:
        """Vector ids of the passages of ``sources``; raises ``ValueError`` for an unknown source."""
        known = {doc.source for doc in self.documents}
        unknown = sorted(set(sources) - known)
        if unknown:
            raise ValueError(f"Unknown document(s) {', '.join(unknown)}; choose among the indexed files.")
        wanted = set(sources)
        return np.array([row for row, p in enumerate(self.passages) if p.source in wanted], dtype=np.int64)


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document as listed to users."""

    source: str
    title: str
    date: str | None
    passages: int


def nearest(vectors: Any, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[Any, Any]:
    """FAISS ``search`` restricted to the ids in ``allowed`` (all ids when None)."""
    import faiss

    if allowed is None:
        return vectors.search(queries, min(k, vectors.ntotal))
    selector = faiss.IDSelectorBatch(allowed.astype(np.int64))  # must outlive the search
    params = faiss.SearchParameters()
    params.sel = selector
    return vectors.search(queries, max(min(k, len(allowed)), 1), params=params)


def load_index(index_dir: Path, model_fingerprint: str | None = None) -> LoadedIndex:
    """Load and cross-check an index; ``model_fingerprint`` must match the manifest's if given."""

    layout = IndexLayout(index_dir)
    manifest = read_manifest(index_dir)
    built_with = manifest["model"]["fingerprint"]
    if model_fingerprint is not None and model_fingerprint != built_with:
        raise StaleIndexError(
            f"Index at {index_dir} was built with model {manifest['model']['name']} ({built_with}), "
            f"not the loaded one ({model_fingerprint}); {REBUILD_HINT} with this model."
        )
    try:
        with layout.passages.open(encoding="utf-8") as handle:
            passages = [Passage.from_json(json.loads(line)) for line in handle if line.strip()]
    except (json.JSONDecodeError, TypeError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"{layout.passages} is damaged ({exc}); {REBUILD_HINT}.") from exc
    vectors = _read_faiss(layout.vectors)
    sentences = _read_faiss(layout.sentences)
    try:
        sentence_owner = np.load(layout.sentence_owner, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"{layout.sentence_owner} cannot be read ({exc}); {REBUILD_HINT}.") from exc
    lexical_settings = LexicalSettings(**manifest["lexical"])
    tokenizer = make_tokenizer(lexical_settings, manifest.get("corpus_terms", []))
    if (
        dictionary_hash(default_user_dictionary(), manifest.get("corpus_terms", []))
        != manifest["dictionary_hash"]
    ):
        raise StaleIndexError(
            f"The user dictionary changed since the index at {index_dir} was built; {REBUILD_HINT}."
        )
    try:
        lexical = LexicalIndex.load(layout.bm25, tokenizer)
    except (OSError, ValueError, KeyError) as exc:
        raise IndexCorruptError(f"{layout.bm25} cannot be read ({exc}); {REBUILD_HINT}.") from exc
    expected = manifest["passage_count"]
    sizes = {"passages.jsonl": len(passages), "vectors.faiss": vectors.ntotal, "bm25": lexical.size}
    dim = manifest["model"]["dim"]
    owners_ok = (
        len(sentence_owner) == sentences.ntotal == manifest.get("sentence_count")
        and bool(np.all(np.diff(sentence_owner) >= 0))
        and (len(sentence_owner) == 0 or 0 <= sentence_owner[0] <= sentence_owner[-1] < expected)
    )
    if any(size != expected for size in sizes.values()) or {vectors.d, sentences.d} != {dim} or not owners_ok:
        raise IndexCorruptError(
            f"Index at {index_dir} is inconsistent: manifest says {expected} passages of dim {dim}, "
            f"found {sizes}, dims {vectors.d}/{sentences.d} and {len(sentence_owner)} sentence owners "
            f"for {sentences.ntotal} sentences; {REBUILD_HINT}."
        )
    return LoadedIndex(index_dir, manifest, passages, vectors, sentences, sentence_owner, lexical)


def _read_faiss(path: Path) -> Any:
    import faiss

    try:
        return faiss.read_index(str(path))
    except RuntimeError as exc:
        raise IndexCorruptError(f"{path} cannot be read ({exc}); {REBUILD_HINT}.") from exc


def stale_reasons(index_dir: Path, seeds: Path) -> list[str]:
    """Why ``index_dir`` no longer matches the documents in ``seeds`` (empty when fresh)."""
    manifest = read_manifest(index_dir)
    built = {name: info["sha256"] for name, info in manifest["documents"].items()}
    built.update({name: "skipped" for name in manifest.get("skipped", {})})
    current: dict[str, str] = {}
    for path in sorted(p for p in seeds.rglob("*") if p.is_file()):
        name = path.relative_to(seeds).as_posix()
        if not any(part.startswith(".") for part in Path(name).parts):
            current[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    reasons = [f"new document {n}" for n in sorted(current.keys() - built.keys())]
    reasons += [f"removed document {n}" for n in sorted(built.keys() - current.keys())]
    reasons += [
        f"changed document {n}"
        for n in sorted(current.keys() & built.keys())
        if built[n] != "skipped" and built[n] != current[n]
    ]
    return reasons
