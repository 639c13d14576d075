"""Lexical retrieval: the only module that uses jieba and BM25.

Text is cut with jieba's search mode (words and their sub-words), question and function
words are dropped, and character bigrams of every Chinese run are added so that words
jieba does not know still match. Domain terms come from ``data/userdict.txt`` (users may
add their own) and from short quoted terms found in the corpus itself.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from qa.normalise import NORMALISATION, fold, match_form, match_form_with_offsets

log = logging.getLogger(__name__)

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[\w\u3400-\u4dbf\u4e00-\u9fff]", re.UNICODE)
_QUOTED = re.compile(r"[“\"「『‘']([^“”\"「」『』‘’']{2,20})[”\"」』’']")
_BIGRAM_MARK = "~"
_LATIN = re.compile(r"[0-9a-z][0-9a-z.+#_-]*")


@dataclass(frozen=True)
class LexicalSettings:
    """How text becomes BM25 tokens; recorded in the index manifest."""

    bigrams: bool = True
    stopwords: bool = True
    single_chars: bool = False
    corpus_terms: bool = True
    k1: float = 0.9
    b: float = 0.4
    normalisation: str = NORMALISATION


def _data_text(name: str) -> str:
    return resources.files("qa").joinpath("data", name).read_text(encoding="utf-8")


def default_user_dictionary() -> str:
    """The bundled domain dictionary, in jieba's ``word [freq] [tag]`` format."""
    return _data_text("userdict.txt")


def default_stopwords() -> frozenset[str]:
    """The bundled stopwords (question and function words)."""
    lines = (line.strip() for line in _data_text("stopwords.txt").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def quoted_terms(texts: Iterable[str], max_len: int = 8) -> list[str]:
    """Short quoted terms of a corpus ("懂政协", "两个维护"): candidates for the dictionary."""
    counts = Counter(
        term
        for text in texts
        for term in _QUOTED.findall(text)
        if len(term) <= max_len and _CJK_RUN.fullmatch(term)
    )
    return sorted(counts)


def phrase_tokens(phrase: str) -> list[str]:
    """The tokens every passage containing ``phrase`` has: its character bigrams and Latin words.

    Unlike the words jieba cuts, these do not depend on the text around the phrase.
    """
    form = match_form(phrase)
    tokens = [_BIGRAM_MARK + run[i : i + 2] for run in _CJK_RUN.findall(form) for i in range(len(run) - 1)]
    return tokens + [_BIGRAM_MARK + word for word in _LATIN.findall(form) if len(word) > 1]


def pair_token(pair: str) -> str:
    """The token of two adjacent Chinese characters (already in ``match_form``), as ``rows_with`` finds it."""
    return _BIGRAM_MARK + pair


def quoted_phrases(query: str) -> list[str]:
    """Phrases the user put in quotes (in ``match_form``); they must match literally."""
    return [phrase for p in _QUOTED.findall(query) if (phrase := match_form(p).strip())]


def longest_terms(words: Iterable[str]) -> list[str]:
    """Distinct words without those contained in a longer one (履职能力, not also 履职/能力)."""
    kept: list[str] = []
    for word in sorted(set(words), key=lambda w: (-len(w), w)):
        if not any(word in longer for longer in kept):
            kept.append(word)
    return kept


def shingles(text: str, size: int = 3) -> frozenset[str]:
    """Character ``size``-grams of ``text``'s words, ignoring punctuation and spacing."""
    letters = "".join(_WORD.findall(match_form(text)))
    return frozenset(letters[i : i + size] for i in range(max(len(letters) - size + 1, 1)))


def near_duplicate(a: frozenset[str], b: frozenset[str], threshold: float = 0.8) -> bool:
    """Whether two shingle sets are the same formulation: mostly shared, or one inside the other."""
    if not a or not b:
        return False
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared) >= threshold or shared / min(len(a), len(b)) >= 0.9


class ChineseTokenizer:
    """jieba search-mode words + character bigrams, minus stopwords, on ``match_form`` text."""

    def __init__(
        self,
        settings: LexicalSettings,
        user_dictionary: str,
        extra_terms: Iterable[str] = (),
        stopwords: frozenset[str] | None = None,
    ) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self.settings = settings
        self.stopwords = stopwords if stopwords is not None else default_stopwords()
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for line in user_dictionary.splitlines():
            parts = line.split()
            if parts and not parts[0].startswith("#"):
                freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                self._jieba.add_word(parts[0], freq=freq)
        self.extra_terms = sorted(set(extra_terms))
        for term in self.extra_terms:
            self._jieba.add_word(term, freq=20)
        # A question is cut several times per search (ranking, gate, matched terms).
        self._cut_cached = functools.lru_cache(maxsize=4096)(self._cut)

    def words(self, text: str, cached: bool = True) -> list[str]:
        """Content words of ``text`` in order (no bigrams); used for highlighting too.

        ``cached=False`` for passages at build time: a cache of 4096 passages' words is
        ~160 MB that no question will ask for again.
        """
        return self._words_of(match_form(text), cached)

    def _words_of(self, form: str, cached: bool) -> list[str]:
        return list(self._cut_cached(form) if cached else self._cut(form))

    def _cut(self, form: str) -> tuple[str, ...]:
        """The content words of text already in ``match_form``."""
        keep_single = self.settings.single_chars
        out = []
        for word in self._jieba.cut_for_search(form):
            word = word.strip()
            if not word or not _WORD.search(word):
                continue
            if self.settings.stopwords and word in self.stopwords:
                continue
            if len(word) == 1 and _CJK_RUN.fullmatch(word) and not keep_single:
                continue
            out.append(word)
        return tuple(out)

    def single_characters(self, run: str) -> int:
        """How many characters of a Chinese ``run`` (in ``match_form``) jieba leaves as words of their own."""
        return sum(len(word) == 1 for word in self._jieba.cut(run, HMM=False))

    def __call__(self, text: str, cached: bool = True) -> list[str]:
        form = match_form(text)  # once: at build time it is the costliest step for every passage
        tokens = self._words_of(form, cached)
        if self.settings.bigrams:
            # A Latin word or a number counts twice, as a Chinese word does (itself and its
            # bigrams): a rare acronym ("CPPCC") weighs what a rare Chinese word weighs.
            tokens.extend(_BIGRAM_MARK + word for word in tokens if len(word) > 1 and _LATIN.fullmatch(word))
            for run in _CJK_RUN.findall(form):
                tokens.extend(_BIGRAM_MARK + run[i : i + 2] for i in range(len(run) - 1))
        return tokens


def dictionary_hash(user_dictionary: str, extra_terms: Iterable[str]) -> str:
    """Fingerprint of what decides how text is cut: every word added to jieba, and the stopwords."""
    payload = "\n".join([user_dictionary, *sorted(extra_terms), "#stopwords", *sorted(default_stopwords())])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


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

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def tokens(self, row: int) -> list[str]:
        """The tokens of passage ``row``."""
        return [self.vocab[i] for i in self.ids[self.offsets[row] : self.offsets[row + 1]]]

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


def bm25_matrix(tokens: TokenTable, k1: float, b: float, chunk: int = 4096) -> dict[str, Any]:
    """The BM25 (Lucene variant) score of every (token, passage) pair, as the CSC arrays bm25s keeps.

    The same arrays ``bm25s.BM25.index`` makes (a test compares them), built a chunk of
    passages at a time: bm25s holds the corpus as Python lists and the matrix as COO and
    CSC at once, about 1.5 GB at 100k passages; here the output is the only large array.
    """
    n_docs, n_vocab = len(tokens), len(tokens.vocab)
    lengths = np.diff(tokens.offsets)
    average = lengths.mean() if n_docs else 1.0

    def pairs(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(token, passage, count) of passages lo..hi, sorted by token, then passage."""
        ids = np.asarray(tokens.ids[tokens.offsets[lo] : tokens.offsets[hi]], dtype=np.int64)
        rows = np.repeat(np.arange(lo, hi, dtype=np.int64), lengths[lo:hi])
        keys, counts = np.unique(ids * n_docs + rows, return_counts=True)
        return keys // n_docs, keys % n_docs, counts

    chunks = [(lo, min(lo + chunk, n_docs)) for lo in range(0, n_docs, chunk)]
    df = np.zeros(n_vocab, dtype=np.int64)
    for lo, hi in chunks:
        df += np.bincount(pairs(lo, hi)[0], minlength=n_vocab)
    indptr = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
    idf = np.array([math.log(1 + (n_docs - d + 0.5) / (d + 0.5)) if d else 0.0 for d in df.tolist()])
    idf = idf.astype(np.float32)
    data = np.empty(int(indptr[-1]), dtype=np.float32)
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    cursor = indptr[:-1].copy()  # next free slot of every token's column
    for lo, hi in chunks:
        token, row, count = pairs(lo, hi)
        tf = count.astype(np.float32)
        # bm25s' arithmetic, in its order and precision, so the scores match to the bit.
        tfc = tf / (k1 * ((1 - b) + b * lengths[row] / average) + tf)
        slot = cursor[token] + np.arange(len(token)) - np.searchsorted(token, token)
        data[slot] = idf[token] * tfc
        indices[slot] = row
        cursor += np.bincount(token, minlength=n_vocab)
    return {"data": data, "indices": indices, "indptr": indptr, "num_docs": n_docs}


class LexicalIndex:
    """BM25 over the passages' tokens (bm25s), saved as arrays beside the vectors."""

    def __init__(self, bm25: object, tokenizer: ChineseTokenizer) -> None:
        self._bm25 = bm25
        self.tokenizer = tokenizer

    @classmethod
    def build(cls, texts: list[str], tokenizer: ChineseTokenizer) -> LexicalIndex:
        """Tokenise ``texts`` and build the BM25 matrices."""
        return cls.from_tokens(TokenTable.of(tokenizer(t, cached=False) for t in texts), tokenizer)

    @classmethod
    def from_tokens(cls, tokens: TokenTable, tokenizer: ChineseTokenizer) -> LexicalIndex:
        """Build the BM25 matrices from already tokenised passages."""
        import bm25s

        settings = tokenizer.settings
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        bm25 = bm25s.BM25(k1=settings.k1, b=settings.b, method="lucene")
        vocab = {token: i for i, token in enumerate(tokens.vocab)}
        vocab.setdefault("", len(vocab))  # bm25s.index adds this empty token too
        # What bm25s.index and bm25s.BM25.load set: the matrix, the vocabulary, its id set.
        bm25.scores = bm25_matrix(tokens, settings.k1, settings.b)
        bm25.vocab_dict = vocab
        bm25.unique_token_ids_set = set(vocab.values())
        bm25.nonoccurrence_array = None  # only BM25L and BM25+ have one
        return cls(bm25, tokenizer)

    def save(self, folder: Path) -> None:
        """Write the BM25 arrays and vocabulary into ``folder``."""
        self._bm25.save(str(folder), show_progress=False)  # type: ignore[attr-defined]

    @classmethod
    def load(cls, folder: Path, tokenizer: ChineseTokenizer, mmap: bool = False) -> LexicalIndex:
        """Load what ``save`` wrote."""
        import bm25s

        bm25 = bm25s.BM25.load(str(folder), mmap=mmap, show_progress=False, verbosity=0)
        return cls(bm25, tokenizer)

    @property
    def size(self) -> int:
        """Number of indexed passages."""
        return int(self._bm25.scores["num_docs"])  # type: ignore[attr-defined]

    def rows_with(self, token: str) -> np.ndarray:
        """The passages (rows) whose tokens include ``token`` (already in ``match_form``)."""
        scores = self._bm25.scores  # type: ignore[attr-defined]
        column = self._bm25.vocab_dict.get(token)  # type: ignore[attr-defined]
        if column is None:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(scores["indices"][scores["indptr"][column] : scores["indptr"][column + 1]])

    def idf(self, token: str) -> float:
        """BM25's (Lucene) inverse document frequency of ``token``; a token no passage has gets the most."""
        documents = self.size
        frequency = len(self.rows_with(token))
        return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))

    def knows(self, token: str) -> bool:
        """Whether ``token`` occurs in any indexed passage."""
        return match_form(token) in self._bm25.vocab_dict  # type: ignore[attr-defined]

    def transposition_fix(self, question: str) -> str | None:
        """``question`` with two neighbouring characters swapped back when that is clearly a typo, else None.

        A swap ("怎增样强" for "怎样增强") breaks the words around it: it leaves at least two
        character bigrams the collection never uses. The pair is swapped back when that lets
        jieba join characters it had to leave single and turns unknown bigrams into known
        ones, by four characters and bigrams together at least; the swap that gains most
        wins. Quoted phrases are never changed. The thresholds were chosen on the evaluation
        set's and CMRC 2018's questions, each with its middle pair swapped (a third to two
        fifths are taken back; of the questions typed correctly, 0 of 210 are changed on the
        seeds, 1 with the 72 government work reports added, 4 of 3,429 on CMRC).
        """
        form, origin = match_form_with_offsets(question)
        quoted = [m.span() for m in _QUOTED.finditer(form)]
        best_gain, best_at = 0, -1
        for run in _CJK_RUN.finditer(form):
            text = run.group()
            singles, unknown = self.tokenizer.single_characters(text), self._unknown_bigrams(text)
            for k in range(len(text) - 1):
                at = run.start() + k
                if text[k] == text[k + 1] or any(lo <= at < hi for lo, hi in quoted):
                    continue
                swapped = text[:k] + text[k + 1] + text[k] + text[k + 2 :]
                if self._unknown_bigrams(text[max(k - 1, 0) : k + 3]) < 2:
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

    def _unknown_bigrams(self, run: str) -> int:
        vocabulary = self._bm25.vocab_dict  # type: ignore[attr-defined]
        return sum(_BIGRAM_MARK + run[i : i + 2] not in vocabulary for i in range(len(run) - 1))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for ``query`` (zeros when nothing matches)."""
        tokens = [t for t in self.tokenizer(query) if t in self._bm25.vocab_dict]  # type: ignore[attr-defined]
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)  # type: ignore[attr-defined]
