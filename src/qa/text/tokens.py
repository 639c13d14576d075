"""How text becomes BM25 tokens: the only module that uses jieba.

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
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from qa.cache import DiskTable, LruCache, cache_dir
from qa.text.normalise import NORMALISATION, match_form

log = logging.getLogger(__name__)

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[\w\u3400-\u4dbf\u4e00-\u9fff]", re.UNICODE)
QUOTED_PHRASE = re.compile(r"[“\"「『‘']([^“”\"「」『』‘’']{2,20})[”\"」』’']")
_BIGRAM_MARK = "~"
_LATIN = re.compile(r"[0-9a-z][0-9a-z.+#_-]*")
_CRLF = re.compile("\r\n")


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
        for term in QUOTED_PHRASE.findall(text)
        if len(term) <= max_len and CJK_RUN.fullmatch(term)
    )
    return sorted(counts)


def phrase_tokens(phrase: str) -> list[str]:
    """The tokens every passage containing ``phrase`` has: its character bigrams and Latin words.

    Unlike the words jieba cuts, these do not depend on the text around the phrase.
    """
    form = match_form(phrase)
    tokens = [_BIGRAM_MARK + run[i : i + 2] for run in CJK_RUN.findall(form) for i in range(len(run) - 1)]
    return tokens + [_BIGRAM_MARK + word for word in _LATIN.findall(form) if len(word) > 1]


def pair_token(pair: str) -> str:
    """The token of two adjacent Chinese characters (already in ``match_form``), as ``rows_with`` finds it."""
    return _BIGRAM_MARK + pair


def quoted_phrases(query: str) -> list[str]:
    """Phrases the user put in quotes (in ``match_form``); they must match literally."""
    return [phrase for p in QUOTED_PHRASE.findall(query) if (phrase := match_form(p).strip())]


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
        cached_dictionary: bool = True,
    ) -> None:
        self.settings = settings
        self.stopwords = stopwords if stopwords is not None else default_stopwords()
        self.extra_terms = sorted(set(extra_terms))
        words: list[tuple[str, int | None]] = []
        for line in user_dictionary.splitlines():
            parts = line.split()
            if parts and not parts[0].startswith("#"):
                words.append((parts[0], int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None))
        words.extend((term, 20) for term in self.extra_terms)
        self._jieba = jieba_with_words(words, cached_dictionary)
        self._bounds: LruCache[str, frozenset[int]] = LruCache(32768)  # run -> its word bounds
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
            if len(word) == 1 and CJK_RUN.fullmatch(word) and not keep_single:
                continue
            out.append(word)
        return tuple(out)

    def single_characters(self, run: str) -> int:
        """How many characters of a Chinese ``run`` (in ``match_form``) jieba leaves as words of their own."""
        return sum(len(word) == 1 for word in self._jieba.cut(run, HMM=False))

    def general_count(self, word: str) -> int:
        """How often jieba's dictionary (a general Chinese corpus) counts ``word`` (0: not a word of it)."""
        return int(self._jieba.FREQ.get(match_form(word)) or 0)

    def word_bounds(self, form: str, near: Iterable[str] | None = None) -> frozenset[int]:
        """Where words start and end in ``form`` (text in ``match_form``), as jieba cuts it.

        jieba's precise cut, and inside each word of three or more characters its best cut
        into shorter words (again for a part of three or more; two characters stay whole):
        政协委员会 has 政协|委员|会, 市政府 has 市|政府. A question's word is in the text as a
        word only where it starts and ends on these bounds (``occurs_as_word``): 市政 is in
        市政建设, not in 市政府.

        jieba cuts each run of Chinese characters, letters and digits on its own (``jieba.re_han_default``)
        and every other character is a word, so ``near`` (words) cuts only the runs that share
        a character with an occurrence of one of them: the bounds ``occurs_as_word`` reads for
        those words are the same, and a long passage is not cut whole for two words.
        """
        import jieba

        wanted = [w for w in near if w] if near is not None else None
        touched = [False] * (len(form) + 1)
        for word in wanted or ():
            at = form.find(word)
            while at >= 0:
                touched[at : at + len(word)] = [True] * len(word)
                at = form.find(word, at + 1)
        bounds = set(range(len(form) + 1))
        for run in jieba.re_han_default.finditer(form):
            start, end = run.span()
            bounds.difference_update(range(start + 1, end))
            if wanted is None or any(touched[start:end]):
                bounds.update(start + cut for cut in self._run_bounds(run.group()))
        bounds.difference_update(m.start() + 1 for m in _CRLF.finditer(form))  # jieba keeps "\r\n" whole
        return frozenset(bounds)

    def _run_bounds(self, run: str) -> frozenset[int]:
        """The word bounds inside one run jieba cuts on its own (see ``word_bounds``)."""
        cached = self._bounds.get(run)
        if cached is None:
            bounds: set[int] = set()
            at = 0
            for word in self._jieba.cut(run, HMM=False):
                bounds.update(at + cut for cut in self._inner_cuts(word))
                at += len(word)
                bounds.add(at)
            cached = frozenset(bounds)
            self._bounds.put(run, cached)
        return cached

    def _inner_cuts(self, word: str) -> list[int]:
        """The offsets inside ``word`` of its best cut into shorter words (none under 3 characters)."""
        if len(word) < 3 or not CJK_RUN.fullmatch(word):
            return []
        dag = self._jieba.get_DAG(word)
        dag[0] = [end for end in dag[0] if end < len(word) - 1] or [0]  # never the whole word
        route: dict[int, tuple[float, int]] = {}
        self._jieba.calc(word, dag, route)
        cuts, at = [], 0
        while at < len(word):
            end = route[at][1] + 1
            if at:
                cuts.append(at)
            cuts.extend(at + inner for inner in self._inner_cuts(word[at:end]) if end - at < len(word))
            at = end
        return cuts

    def __call__(self, text: str, cached: bool = True) -> list[str]:
        form = match_form(text)  # once: at build time it is the costliest step for every passage
        tokens = self._words_of(form, cached)
        if self.settings.bigrams:
            # A Latin word or a number counts twice, as a Chinese word does (itself and its
            # bigrams): a rare acronym ("CPPCC") weighs what a rare Chinese word weighs.
            tokens.extend(_BIGRAM_MARK + word for word in tokens if len(word) > 1 and _LATIN.fullmatch(word))
            for run in CJK_RUN.findall(form):
                tokens.extend(_BIGRAM_MARK + run[i : i + 2] for i in range(len(run) - 1))
        return tokens


def jieba_with_words(words: list[tuple[str, int | None]], cached: bool = True) -> Any:
    """A ``jieba.Tokenizer`` with its own dictionary plus ``words`` (word, frequency or None).

    Loading jieba's prefix dictionary (its ``marshal`` cache in the temporary folder) and
    adding the words costs a new process about a second. With ``cached``, the finished
    prefix dictionary is kept in ``cache_dir()/jieba/`` as a ``DiskTable`` named by the
    hash of jieba's version, its dictionary file and ``words``: a process that cuts one
    question reads only the entries it needs, and one that cuts many reads them all once.
    The cuts are the same either way (a test compares them).
    """
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    path = _dictionary_cache(jieba, words) if cached else None
    if path is not None and path.is_file():
        try:
            table = DiskTable(path)
            total, force_split = int(table.meta("total")), table.meta("force_split")
        except (sqlite3.Error, KeyError, ValueError) as exc:
            log.warning("Ignoring the damaged word cache %s (%s)", path, exc)
        else:
            tokenizer.FREQ, tokenizer.total, tokenizer.initialized = table, total, True
            for word in force_split:  # what add_word(word, freq=0) does besides the dictionary
                jieba.finalseg.add_force_split(word)
            return tokenizer
    tokenizer.initialize()
    for word, freq in words:
        tokenizer.add_word(word, freq=freq)
    if path is not None:
        meta = {"total": tokenizer.total, "force_split": [w for w, f in words if f == 0]}
        try:
            DiskTable.write(path, tokenizer.FREQ.items(), meta)
        except (OSError, sqlite3.Error) as exc:
            log.warning("Cannot keep the word cache in %s (%s); every process loads jieba whole", path, exc)
    return tokenizer


def _dictionary_cache(jieba: Any, words: list[tuple[str, int | None]]) -> Path:
    main = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)
    stat = main.stat()
    payload = json.dumps(
        [jieba.__version__, str(main), stat.st_size, stat.st_mtime_ns, words], ensure_ascii=False
    )
    return cache_dir() / "jieba" / f"{hashlib.sha256(payload.encode('utf-8')).hexdigest()[:20]}.sqlite"


def occurs_as_word(term: str, form: str, bounds: frozenset[int]) -> bool:
    """Whether ``term`` occurs in ``form`` starting and ending on word ``bounds`` (``word_bounds``)."""
    at = form.find(term)
    while at >= 0:
        if at in bounds and at + len(term) in bounds:
            return True
        at = form.find(term, at + 1)
    return False


@functools.cache
def default_tokenizer() -> ChineseTokenizer:
    """A tokenizer with the bundled dictionary only, for where no index is at hand (the page's marks)."""
    return ChineseTokenizer(LexicalSettings(), default_user_dictionary())


def dictionary_hash(user_dictionary: str, extra_terms: Iterable[str]) -> str:
    """Fingerprint of what decides how text is cut: every word added to jieba, and the stopwords."""
    payload = "\n".join([user_dictionary, *sorted(extra_terms), "#stopwords", *sorted(default_stopwords())])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
