"""Every passage's BM25 tokens as ids into a vocabulary, kept so a rebuild re-tokenises only new text."""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class TokenTable:
    """Every passage's BM25 tokens as ids into ``vocab``, kept so a rebuild re-tokenises only new text.

    Passage ``i`` has the tokens ``vocab[j] for j in ids[offsets[i]:offsets[i + 1]]``.
    """

    vocab: list[str]
    ids: np.ndarray  # uint32
    offsets: np.ndarray  # int64, one more than passages

    @classmethod
    def of(cls, passages: Iterable[list[str]]) -> TokenTable:
        """Intern the tokens of each passage (one small array per passage, never one big list)."""
        return cls.assemble(passages)

    @classmethod
    def concatenate(cls, tables: Iterable[TokenTable]) -> TokenTable:
        """The passages of ``tables`` one table after another, under one vocabulary (first use order)."""
        vocab: dict[str, int] = {}
        buffer = array("I")
        offsets = [np.zeros(1, dtype=np.int64)]
        end = 0
        for table in tables:
            remap = np.fromiter(
                (vocab.setdefault(t, len(vocab)) for t in table.vocab), np.uint32, len(table.vocab)
            )
            buffer.frombytes(remap[table.ids].astype(np.uint32, copy=False).tobytes())
            offsets.append(table.offsets[1:] + end)
            end += int(table.offsets[-1])
        ids = np.frombuffer(buffer, dtype=np.uint32) if buffer else np.zeros(0, dtype=np.uint32)
        return cls(list(vocab), ids, np.concatenate(offsets).astype(np.int64))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def by_term(
        self, passages_per_slice: int = 4096
    ) -> tuple[np.ndarray, Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]]:
        """The postings grouped by token id, in two passes over slices of passages.

        Returns ``starts`` (int64, one more than the vocabulary: token ``t``'s postings go in
        ``starts[t]:starts[t + 1]``, its document frequency is their count) and, lazily, for
        each slice (places, token, passage, count) as ``counts`` gives them, ``places`` where
        each goes: within a token the passages ascend. The first pass counts, the second
        places, so only the caller's output arrays are large.
        """
        slices = [
            (lo, min(lo + passages_per_slice, len(self))) for lo in range(0, len(self), passages_per_slice)
        ]
        frequencies = np.zeros(len(self.vocab), dtype=np.int64)
        for lo, hi in slices:
            frequencies += np.bincount(self.counts(lo, hi)[0], minlength=len(frequencies))
        starts = np.concatenate([[0], np.cumsum(frequencies)]).astype(np.int64)

        def placed() -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
            cursor = starts[:-1].copy()  # next free place of every token
            for lo, hi in slices:
                token, row, count = self.counts(lo, hi)  # sorted by token, then passage
                yield cursor[token] + np.arange(len(token)) - np.searchsorted(token, token), token, row, count
                cursor += np.bincount(token, minlength=len(cursor))

        return starts, placed()

    @classmethod
    def from_postings(
        cls,
        vocab: list[str],
        starts: np.ndarray,
        rows: np.ndarray,
        counts: np.ndarray,
        passages: int,
        postings_per_slice: int = 1 << 25,
    ) -> TokenTable:
        """The table of postings grouped by token id (``by_term``'s layout): token ``t`` is in the
        passages ``rows[starts[t]:starts[t + 1]]`` (ascending) ``counts[...]`` times each.

        A passage's tokens come out in token-id order, each repeated its count (BM25 counts
        tokens; their order within a passage is lost). Slices of passages holding about
        ``postings_per_slice`` postings are done one at a time, so besides the output only
        arrays of one slice are made: at 1M passages (438M postings) sorting all of them at
        once took more than the 15 GB a 24 GB machine had beside its database server.
        """
        held = np.zeros(passages, dtype=np.int64)  # postings per passage
        per_row = np.zeros(passages, dtype=np.int64)  # tokens per passage
        for lo in range(0, len(rows), postings_per_slice):
            part = rows[lo : lo + postings_per_slice]
            held += np.bincount(part, minlength=passages)
            per_row += np.bincount(part, counts[lo : lo + postings_per_slice], passages).astype(np.int64)
        offsets = np.concatenate([[0], np.cumsum(per_row)]).astype(np.int64)
        ids = np.empty(int(offsets[-1]), dtype=np.uint32)
        for lo, hi in spans_of(np.concatenate([[0], np.cumsum(held)]), postings_per_slice):
            where = np.flatnonzero((rows >= lo) & (rows < hi))  # ascending: by token, then passage
            where = where[np.argsort(rows[where], kind="stable")]  # by passage, then token
            token = np.searchsorted(starts, where, side="right") - 1
            ids[offsets[lo] : offsets[hi]] = np.repeat(token, counts[where])
        return cls(vocab, ids, offsets)

    def tokens(self, row: int) -> list[str]:
        """The tokens of passage ``row``."""
        return [self.vocab[i] for i in self.ids[self.offsets[row] : self.offsets[row + 1]]]

    def counts(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(token id, passage, count) of passages ``lo``..``hi``, sorted by token, then passage."""
        n_docs = len(self)
        ids = np.asarray(self.ids[self.offsets[lo] : self.offsets[hi]], dtype=np.int64)
        rows = np.repeat(np.arange(lo, hi, dtype=np.int64), np.diff(self.offsets[lo : hi + 1]))
        keys, counts = np.unique(ids * n_docs + rows, return_counts=True)
        return keys // n_docs, keys % n_docs, counts

    @classmethod
    def assemble(cls, parts: Iterable[tuple[TokenTable, int] | list[str]]) -> TokenTable:
        """Concatenate passages that are either (table, row) reused or fresh token lists.

        The result's vocabulary holds only tokens some passage uses.
        """
        vocab: dict[str, int] = {}
        remaps: dict[int, np.ndarray] = {}
        # One growing buffer, not a list of per-passage arrays and their concatenation:
        # at 100k passages the ids alone are 200 MB.
        buffer = array("I")
        lengths: list[int] = []
        for part in parts:
            if isinstance(part, list):
                chunk = np.fromiter((vocab.setdefault(t, len(vocab)) for t in part), np.uint32, len(part))
            else:
                table, row = part
                remap = remaps.get(id(table))
                if remap is None:
                    remap = np.fromiter(
                        (vocab.setdefault(t, len(vocab)) for t in table.vocab), np.uint32, len(table.vocab)
                    )
                    remaps[id(table)] = remap
                chunk = remap[table.ids[table.offsets[row] : table.offsets[row + 1]]]
            buffer.frombytes(chunk.astype(np.uint32, copy=False).tobytes())
            lengths.append(len(chunk))
        ids = np.frombuffer(buffer, dtype=np.uint32) if buffer else np.zeros(0, dtype=np.uint32)
        offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int64)
        names = list(vocab)
        if not remaps:  # only fresh passages: every token in the vocabulary is used
            return cls(names, ids, offsets)
        # Drop tokens that only removed or re-tokenised passages had. In slices: numpy
        # would otherwise copy all ids to 64-bit indices at once (400 MB at 100k passages).
        step = 1 << 22
        used = np.zeros(len(names), dtype=bool)
        for start in range(0, len(ids), step):
            used[ids[start : start + step]] = True
        compact = np.cumsum(used, dtype=np.uint32) - 1
        for start in range(0, len(ids), step):
            ids[start : start + step] = compact[ids[start : start + step]]
        return cls([name for name, keep in zip(names, used, strict=True) if keep], ids, offsets)

    def save(self, folder: Path) -> None:
        """Write ``vocab.json``, ``ids.npy`` and ``offsets.npy`` into ``folder``."""
        folder.mkdir(exist_ok=True)
        (folder / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")
        np.save(folder / "ids.npy", self.ids, allow_pickle=False)
        np.save(folder / "offsets.npy", self.offsets, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> TokenTable:
        """Read what ``save`` wrote (ids memory-mapped)."""
        vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        ids = np.load(folder / "ids.npy", mmap_mode="r", allow_pickle=False)
        offsets = np.load(folder / "offsets.npy", allow_pickle=False)
        if len(offsets) < 1 or offsets[-1] != len(ids) or (len(ids) and int(ids.max()) >= len(vocab)):
            raise ValueError(f"token table in {folder} is inconsistent")
        return cls(vocab, ids, offsets)


def spans_of(starts: np.ndarray, size: int) -> list[tuple[int, int]]:
    """Ranges [first, last) of the items whose parts begin at ``starts`` (ascending, one more
    than the items: item ``i`` holds ``starts[i + 1] - starts[i]`` parts), each holding about
    ``size`` parts and at least one item."""
    spans, first = [], 0
    while first < len(starts) - 1:
        last = max(int(np.searchsorted(starts, starts[first] + size, side="right")) - 1, first + 1)
        spans.append((first, min(last, len(starts) - 1)))
        first = spans[-1][1]
    return spans
