"""e5's tokenizer for a few questions, without loading its 250,002 pieces.

``tokenizers.Tokenizer.from_file`` on the model's ``tokenizer.json`` (a SentencePiece
unigram vocabulary of 250,002 pieces) takes a new process about a second, nearly all of it
building the vocabulary's trie; a question uses a few dozen pieces. The unigram lattice
of a text only ever holds pieces that are substrings of its pre-tokenised words, so
``PieceTokenizer`` looks those substrings up in a ``DiskTable`` of the vocabulary (made once
from ``tokenizer.json``), and runs ``tokenizers``' own normaliser, pre-tokeniser, unigram
model and post-processor on a ``Tokenizer`` holding only the pieces found (plus the special
tokens, at their own ids, and the lowest-scoring piece, which sets the score of an unknown
character). The ids are mapped back to the full vocabulary's. Nothing of the tokenisation is
written here; a test compares the ids with ``Tokenizer.from_file`` on many thousands of texts.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from qa.cache import DiskTable, cache_dir

log = logging.getLogger(__name__)

CACHE_VERSION = 1  # bump when what the table holds changes


class PieceTokenizer:
    """Token ids of texts through a per-batch ``tokenizers.Tokenizer`` of the pieces they can use."""

    def __init__(self, table: DiskTable, shell: dict[str, Any], max_length: int | None) -> None:
        self.table = table
        self.shell = shell  # tokenizer.json without its vocabulary
        self.max_length = max_length
        self.longest_piece = int(table.meta("longest_piece"))
        self.fixed: list[tuple[str, int, float]] = table.meta("fixed")  # specials and the lowest score
        for position, (piece, i, _) in enumerate(self.fixed[:-1]):
            if position != i:  # the special tokens keep their own ids in the small vocabulary
                raise ValueError(f"special token {piece!r} has id {i}, not {position}")
        special = [t["content"] for t in shell.get("added_tokens", [])]
        self._special = re.compile("|".join(map(re.escape, special))) if special else None
        self._skeleton: Any = None

    @classmethod
    def load(
        cls, tokenizer_json: Path, max_length: int | None = 512, folder: Path | None = None
    ) -> PieceTokenizer:
        """The piece tokenizer of ``tokenizer_json``; its table is made (about two seconds) on first use.

        The table lives in ``folder`` (default ``cache_dir()/pieces``), named by the hash of
        the file's path, size and time. Raises ``ValueError`` for a tokenizer that is not a unigram one.
        """
        folder = folder or cache_dir() / "pieces"
        stat = tokenizer_json.stat()
        key = f"{tokenizer_json.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{CACHE_VERSION}"
        path = folder / f"{hashlib.sha256(key.encode()).hexdigest()[:20]}.sqlite"
        if path.is_file():
            try:
                table = DiskTable(path, load_all_after=1_000_000)
                return cls(table, table.meta("shell"), max_length)
            except (sqlite3.Error, KeyError, ValueError) as exc:
                log.warning("Making the damaged piece table %s again (%s)", path, exc)
        definition = json.loads(tokenizer_json.read_text(encoding="utf-8"))
        model = definition["model"]
        if model.get("type") != "Unigram" or model.get("byte_fallback"):
            raise ValueError(f"{tokenizer_json} is not a unigram tokenizer without byte fallback")
        vocab: list[list[Any]] = model["vocab"]
        fixed_ids = sorted({t["id"] for t in definition.get("added_tokens", [])} | {model["unk_id"]})
        lowest = min(range(len(vocab)), key=lambda i: vocab[i][1])
        fixed = [
            (vocab[i][0], i, vocab[i][1]) for i in [*fixed_ids, lowest] if i != lowest or i not in fixed_ids
        ]
        shell = copy.deepcopy({**definition, "model": {**model, "vocab": []}})
        meta = {"shell": shell, "fixed": fixed, "longest_piece": max(len(p) for p, _ in vocab)}
        rows = ((piece, f"{i} {score!r}") for i, (piece, score) in enumerate(vocab))
        DiskTable.write(path, rows, meta)
        return cls(DiskTable(path, load_all_after=1_000_000), shell, max_length)

    def encode(self, texts: list[str]) -> list[list[int]]:
        """The token ids of each text, special tokens included, cut to ``max_length``."""
        if not texts:
            return []
        pieces = self._pieces_in(texts)
        vocab = [(piece, score) for piece, _, score in self.fixed]
        ids = [i for _, i, _ in self.fixed]
        taken = set(ids)
        for piece, (i, score) in sorted(pieces.items(), key=lambda item: item[1][0]):
            if i not in taken:
                vocab.append((piece, score))
                ids.append(i)
        tokenizer = self._tokenizer(vocab)
        return [[ids[t] for t in encoding.ids] for encoding in tokenizer.encode_batch(texts)]

    def _pieces_in(self, texts: Iterable[str]) -> dict[str, tuple[int, float]]:
        """Every vocabulary piece that is a substring of a pre-tokenised word of ``texts``."""
        skeleton = self._skeleton_tokenizer()
        wanted: set[str] = set()
        for text in texts:
            for segment in self._special.split(text) if self._special else [text]:
                normalised = skeleton.normalizer.normalize_str(segment)
                for word, _ in skeleton.pre_tokenizer.pre_tokenize_str(normalised):
                    for form in {word, "\u2581" + word.lstrip("\u2581")}:
                        wanted.update(self._substrings(form))
        found = self.table.get_many(wanted)
        return {piece: _id_and_score(value) for piece, value in found.items()}

    def _substrings(self, word: str) -> Iterable[str]:
        longest = self.longest_piece
        return (word[i:j] for i in range(len(word)) for j in range(i + 1, min(i + longest, len(word)) + 1))

    def _skeleton_tokenizer(self) -> Any:
        if self._skeleton is None:
            self._skeleton = self._tokenizer([(piece, score) for piece, _, score in self.fixed])
        return self._skeleton

    def _tokenizer(self, vocab: list[tuple[str, float]]) -> Any:
        from tokenizers import Tokenizer

        definition = {**self.shell, "model": {**self.shell["model"], "vocab": vocab}}
        tokenizer = Tokenizer.from_str(json.dumps(definition, ensure_ascii=False))
        if self.max_length:
            tokenizer.enable_truncation(self.max_length)
        tokenizer.no_padding()
        return tokenizer


def _id_and_score(value: str) -> tuple[int, float]:
    piece_id, score = value.split(" ")
    return int(piece_id), float(score)
