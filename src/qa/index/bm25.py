"""BM25 over the passages' tokens (``qa.index.token_table``): the matrix, scoring."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from qa.index.maxscore import Postings, PrunedScores, summed
from qa.index.token_table import TokenTable
from qa.text.normalise import fold, match_form, match_form_with_offsets
from qa.text.tokens import CJK_RUN, QUOTED_PHRASE, ChineseTokenizer, pair_token

log = logging.getLogger(__name__)

# A character pair in at most this share of the passages counts as unused (transposition_fix).
RARE_PAIR_SHARE = 0.001
_VOCAB = "vocab.index.json"
_PARAMS_FILE = "params.index.json"
# What bm25s records beside its arrays (bm25s.BM25.save), so that bm25s can load the folder too.
_PARAMS = {
    "delta": 0.5,
    "method": "lucene",
    "idf_method": "lucene",
    "dtype": "float32",
    "int_dtype": "int32",
    "version": "0.3.16",
    "backend": "numpy",
}


def bm25_idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """Lucene's IDF of tokens found in ``df`` of ``n_docs`` passages, float32 (0 for an unused token)."""
    idf = np.array([math.log(1 + (n_docs - d + 0.5) / (d + 0.5)) if d else 0.0 for d in df.tolist()])
    return idf.astype(np.float32)


def bm25_weights(
    tf: np.ndarray, lengths: np.ndarray, average: float, idf: np.ndarray, k1: float, b: float
) -> np.ndarray:
    """The BM25 score of (token, passage) pairs: term counts ``tf``, passage ``lengths`` (tokens),
    ``average`` length and the tokens' float32 ``idf``, all aligned; float32.

    bm25s' arithmetic, in its order and precision, so the scores match it to the bit; the
    database backend computes its two parts apart (``bm25_length_norms`` once per generation,
    ``bm25_weights_normed`` per term read), to the same bits.
    """
    return bm25_weights_normed(tf, bm25_length_norms(lengths, average, k1, b), idf)


def bm25_length_norms(lengths: np.ndarray, average: float, k1: float, b: float) -> np.ndarray:
    """``k1 * (1 - b + b * length / average)`` of each passage, float64: the part of
    ``bm25_weights`` that depends on the passage alone (a collection's are computed once)."""
    return k1 * ((1 - b) + b * lengths / average)


def bm25_weights_normed(tf: np.ndarray, norms: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """``bm25_weights`` from the passages' ``bm25_length_norms``: the same float32 bits."""
    tf = tf.astype(np.float32)
    return (idf * (tf / (norms + tf))).astype(np.float32)


def bm25_matrix(tokens: TokenTable, k1: float, b: float, chunk: int = 4096) -> dict[str, Any]:
    """The BM25 (Lucene variant) score of every (token, passage) pair, as the CSC arrays bm25s keeps.

    The same arrays ``bm25s.BM25.index`` makes (a test compares them), built a chunk of
    passages at a time: bm25s holds the corpus as Python lists and the matrix as COO and
    CSC at once, about 1.5 GB at 100k passages; here the output is the only large array.
    """
    n_docs = len(tokens)
    lengths = np.diff(tokens.offsets)
    average = lengths.mean() if n_docs else 1.0

    indptr, placed = tokens.by_term(chunk)
    idf = bm25_idf(np.diff(indptr), n_docs)
    data = np.empty(int(indptr[-1]), dtype=np.float32)
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    for slot, token, row, count in placed:
        data[slot] = bm25_weights(count, lengths[row], average, idf[token], k1, b)
        indices[slot] = row
    return {"data": data, "indices": indices, "indptr": indptr, "num_docs": n_docs}


class LexicalIndex:
    """BM25 over the passages' tokens, saved as arrays beside the vectors.

    The files are the ones ``bm25s`` writes and reads (``params.index.json``,
    ``vocab.index.json`` and the CSC arrays), and scoring adds the same float32 columns in
    the same order as ``bm25s.BM25.get_scores`` (a test compares them), but nothing here
    imports ``bm25s``: its import pulls in scipy, a third of a second of every cold start.
    """

    def __init__(self, matrix: dict[str, Any], vocab: dict[str, int], tokenizer: ChineseTokenizer) -> None:
        self.matrix = matrix  # "data", "indices", "indptr" (CSC, a column per token) and "num_docs"
        self.vocab = vocab
        self.tokenizer = tokenizer

    @classmethod
    def build(cls, texts: list[str], tokenizer: ChineseTokenizer) -> LexicalIndex:
        """Tokenise ``texts`` and build the BM25 matrices."""
        return cls.from_tokens(TokenTable.of(tokenizer(t, cached=False) for t in texts), tokenizer)

    @classmethod
    def from_tokens(cls, tokens: TokenTable, tokenizer: ChineseTokenizer) -> LexicalIndex:
        """Build the BM25 matrices from already tokenised passages."""
        settings = tokenizer.settings
        vocab = {token: i for i, token in enumerate(tokens.vocab)}
        vocab.setdefault("", len(vocab))  # bm25s.index adds this empty token too
        return cls(bm25_matrix(tokens, settings.k1, settings.b), vocab, tokenizer)

    def save(self, folder: Path) -> None:
        """Write the BM25 arrays and vocabulary into ``folder``, as ``bm25s.BM25.save`` does."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("data", "indices", "indptr"):
            np.save(folder / f"{name}.csc.index.npy", self.matrix[name], allow_pickle=False)
        (folder / _VOCAB).write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")
        settings = self.tokenizer.settings
        params = {**_PARAMS, "k1": settings.k1, "b": settings.b, "num_docs": self.size}
        (folder / _PARAMS_FILE).write_text(json.dumps(params, indent=4), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, tokenizer: ChineseTokenizer, mmap: bool = False) -> LexicalIndex:
        """Load what ``save`` (or ``bm25s``) wrote; ``mmap`` maps the arrays instead of reading them."""
        params = json.loads((folder / _PARAMS_FILE).read_text(encoding="utf-8"))
        if params.get("method") != "lucene" or params.get("dtype") != "float32":
            raise ValueError(f"{folder / _PARAMS_FILE}: not a Lucene BM25 index in float32 ({params})")
        matrix: dict[str, Any] = {
            name: np.load(
                folder / f"{name}.csc.index.npy", mmap_mode="r" if mmap else None, allow_pickle=False
            )
            for name in ("data", "indices", "indptr")
        }
        matrix["num_docs"] = int(params["num_docs"])
        vocab = json.loads((folder / _VOCAB).read_text(encoding="utf-8"))
        return cls(matrix, vocab, tokenizer)

    @property
    def size(self) -> int:
        """Number of indexed passages."""
        return int(self.matrix["num_docs"])

    def rows_with(self, token: str) -> np.ndarray:
        """The passages (rows) whose tokens include ``token`` (already in ``match_form``)."""
        column = self.vocab.get(token)
        if column is None:
            return np.zeros(0, dtype=np.int64)
        indptr = self.matrix["indptr"]
        return np.asarray(self.matrix["indices"][indptr[column] : indptr[column + 1]])

    def document_frequency(self, token: str) -> int:
        """How many passages have ``token`` (``len(rows_with(token))`` without listing them)."""
        column = self.vocab.get(token)
        if column is None:
            return 0
        indptr = self.matrix["indptr"]
        return int(indptr[column + 1] - indptr[column])

    def document_frequencies(self, tokens: Iterable[str]) -> dict[str, int]:
        """``document_frequency`` of each token (a database looks them up in one query)."""
        return {token: self.document_frequency(token) for token in tokens}

    def idf(self, token: str) -> float:
        """BM25's (Lucene) inverse document frequency of ``token``; a token no passage has gets the most."""
        documents = self.size
        frequency = self.document_frequency(token)
        return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))

    def knows(self, token: str) -> bool:
        """Whether ``token`` occurs in any indexed passage."""
        return match_form(token) in self.vocab

    def transposition_fix(self, question: str, rare_share: float = RARE_PAIR_SHARE) -> str | None:
        """``question`` with two neighbouring characters swapped back when that is clearly a typo, else None.

        A swap ("怎增样强" for "怎样增强") breaks the words around it: it leaves at least two
        character bigrams the collection (nearly) never uses: in at most ``rare_share`` of
        the passages, so that in a large collection a pair met once by chance across two
        words (能职 in 智能职业) still counts as unused. The pair is swapped back when that lets
        jieba join characters it had to leave single and turns unused bigrams into used
        ones, by four characters and bigrams together at least; the swap that gains most
        wins. Quoted phrases are never changed. The thresholds were chosen on the evaluation
        set's and CMRC 2018's questions, each with its middle pair swapped (a third to two
        fifths are taken back; of the questions typed correctly, 0 of 210 are changed on the
        seeds, 1 with the 72 government work reports added, 4 of 3,429 on CMRC);
        ``eval/swaps.py`` measures them again.
        """
        rare = int(rare_share * self.size)
        form, origin = match_form_with_offsets(question)
        quoted = [m.span() for m in QUOTED_PHRASE.finditer(form)]
        best_gain, best_at = 0, -1
        for run in CJK_RUN.finditer(form):
            text = run.group()
            singles, unknown = self.tokenizer.single_characters(text), self._unknown_bigrams(text)
            for k in range(len(text) - 1):
                at = run.start() + k
                if text[k] == text[k + 1] or any(lo <= at < hi for lo, hi in quoted):
                    continue
                swapped = text[:k] + text[k + 1] + text[k] + text[k + 2 :]
                if self._unknown_bigrams(text[max(k - 1, 0) : k + 3], rare) < 2:
                    continue  # a typo leaves bigrams around it the collection never uses
                joined = singles - self.tokenizer.single_characters(swapped)
                known = unknown - self._unknown_bigrams(swapped)
                if joined >= 1 and known >= 1 and joined + known >= 4 and joined + known > best_gain:
                    best_gain, best_at = joined + known, at
        if best_at < 0:
            return None
        i, j = origin[best_at], origin[best_at + 1]
        if len(fold(question)) != len(question) or j != i + 1:
            return form[:best_at] + form[best_at + 1] + form[best_at] + form[best_at + 2 :]
        return question[:i] + question[j] + question[i] + question[j + 1 :]

    def _unknown_bigrams(self, run: str, rare: int = 0) -> int:
        """How many character pairs of ``run`` at most ``rare`` passages have (0: never seen)."""
        return sum(self.pair_count(run[i : i + 2]) <= rare for i in range(len(run) - 1))

    def pair_count(self, pair: str) -> int:
        """How many passages have the two characters ``pair`` (in ``match_form``) side by side."""
        column = self.vocab.get(pair_token(pair))
        if column is None:
            return 0
        indptr = self.matrix["indptr"]
        return int(indptr[column + 1] - indptr[column])

    def postings(self, tokens: list[str]) -> Postings:
        """Each of ``tokens`` some passage has: its passages (ascending) and their float32 BM25 weights."""
        data, indices, indptr = self.matrix["data"], self.matrix["indices"], self.matrix["indptr"]
        found = {}
        for token in dict.fromkeys(tokens):
            column = self.vocab.get(token)
            if column is not None:
                lo, hi = indptr[column], indptr[column + 1]
                found[token] = (indices[lo:hi], data[lo:hi])
        return found

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for ``query`` (zeros when nothing matches).

        A token asked twice counts twice, each column is added in the question's order, in
        float32: ``bm25s.BM25.get_scores`` to the bit.
        """
        tokens = self.tokenizer(query)
        return summed(tokens, self.postings(tokens), self.size)

    def ranked(self, query: str, allowed: np.ndarray) -> PrunedScores:
        """``query``'s BM25 as its top rows and any rows' scores (``qa.index.maxscore``), without
        scoring every passage; passages outside ``allowed`` (bool, one per passage) score -1."""
        tokens = self.tokenizer(query)
        return PrunedScores(tokens, self.postings(tokens), allowed)
