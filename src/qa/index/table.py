"""Passages on disk, read by row on demand.

``passages.jsonl`` holds one JSON passage per line; ``passage_offsets.npy`` the byte
offset of every line (plus the file's end) and ``passage_docs.npy`` each row's document
number. The file is memory-mapped, so an index of 100k passages costs a few arrays in
memory, not 100k Python objects; the passages a search touches are parsed and cached.
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import overload

import numpy as np

from qa.cache import LruCache
from qa.errors import IndexCorruptError
from qa.passages.cutting import Passage

_CACHED_PASSAGES = 4096


def write_passages(path: Path, passages: Iterable[Passage]) -> np.ndarray:
    """Write ``passages`` as JSON lines; returns the byte offsets (one more than passages)."""
    offsets = [0]
    with path.open("wb") as handle:
        for passage in passages:
            line = (json.dumps(passage.to_json(), ensure_ascii=False) + "\n").encode("utf-8")
            handle.write(line)
            offsets.append(offsets[-1] + len(line))
    return np.asarray(offsets, dtype=np.int64)


class RowSequence(Sequence[Passage]):
    """Passages addressed by row number, wherever they are kept: subclasses give ``_row`` and
    ``__len__``, and ``_rows`` when a range is cheaper read at once."""

    def _row(self, row: int) -> Passage:
        raise NotImplementedError

    def _rows(self, lo: int, hi: int) -> list[Passage]:
        return [self._row(i) for i in range(lo, hi)]

    def fetch(self, rows: Iterable[int]) -> list[Passage]:
        """The passages of ``rows``, in that order (a database reads the uncached ones in one query)."""
        return [self[int(row)] for row in rows]

    @overload
    def __getitem__(self, row: int) -> Passage: ...

    @overload
    def __getitem__(self, row: slice) -> list[Passage]: ...

    def __getitem__(self, row: int | slice) -> Passage | list[Passage]:
        if isinstance(row, slice):
            wanted = range(*row.indices(len(self)))
            if wanted.step != 1:
                return [self._row(i) for i in wanted]
            return self._rows(wanted.start, wanted.stop) if wanted else []
        row = int(row)
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(f"passage row {row} out of range 0..{len(self) - 1}")
        return self._row(row)


class PassageTable(RowSequence):
    """A read-only sequence of passages backed by a memory-mapped JSON-lines file."""

    def __init__(self, path: Path, offsets: np.ndarray, rebuild_hint: str) -> None:
        self.path = path
        self._offsets = offsets
        self._hint = rebuild_hint
        size = path.stat().st_size
        if len(offsets) < 1 or int(offsets[-1]) != size or bool(np.any(np.diff(offsets) <= 0)):
            described = f"{int(offsets[-1])} bytes" if len(offsets) else "empty"
            raise IndexCorruptError(
                f"{path} ({size} bytes) does not match its offsets table ({described}); {rebuild_hint}."
            )
        with path.open("rb") as handle:
            # The map stays valid after a rebuild replaces (and deletes) the file.
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        self._cache: LruCache[int, Passage] = LruCache(_CACHED_PASSAGES)

    def _row(self, row: int) -> Passage:
        passage = self._cache.get(row)
        if passage is None:
            passage = self._parse(row)
            self._cache.put(row, passage)
        return passage

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __iter__(self) -> Iterator[Passage]:
        for row in range(len(self)):
            yield self._parse(row)  # not cached: a full scan would only evict useful entries

    def _parse(self, row: int) -> Passage:
        assert self._map is not None
        line = self._map[int(self._offsets[row]) : int(self._offsets[row + 1])]
        try:
            return Passage.from_json(json.loads(line))
        except (json.JSONDecodeError, TypeError, UnicodeDecodeError) as exc:
            raise IndexCorruptError(f"{self.path} is damaged at row {row} ({exc}); {self._hint}.") from exc
