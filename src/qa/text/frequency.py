"""How often a word occurs in ordinary Chinese, whatever collection is indexed.

The frequencies are the Chinese list of the ``wordfreq`` package (code Apache-2.0; its data
CC BY-SA 4.0, Robyn Speer et al., built from subtitles, Wikipedia, news, books and the web),
read from the installed package without any network. The relevance gate (``qa.retrieve.gate``)
uses them for words a collection barely has: whether 今天 or 护照 is rare in five speeches says
little, how rare it is in ordinary Chinese says how much it names a topic.

The package's list (msgpack, gzip) takes about 0.7 s to import and read; its 330,000 words are
kept once as two sorted arrays (``.npy``, under ``XDG_CACHE_HOME/qa``) that a later process
maps into memory in about a millisecond and searches by bisection. A word the list lacks
(新质生产力) is cut into the longest words it has, combined as wordfreq combines the tokens of a
Chinese phrase (the harmonic sum of their frequencies, divided by 10 for each boundary); a
character it lacks counts as ``FLOOR``.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

FLOOR = 1e-8  # a word of frequency 1e-8 occurs once in 100 million words
_LONGEST = 8  # longer words of the list (2% of it) are read as their pieces
_WORDLIST = "large"


@functools.cache
def cache_folder() -> Path:
    """Where the frequencies are kept between processes, keyed by the size and time of wordfreq's list.

    Found without importing wordfreq (which alone takes 0.3 s): the list's file is in its package.
    """
    import importlib.util

    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("wordfreq is not installed: pip install wordfreq==3.1.1")
    source = Path(next(iter(spec.submodule_search_locations))) / "data" / f"{_WORDLIST}_zh.msgpack.gz"
    stat = source.stat()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "qa" / f"wordfreq-zh-{_WORDLIST}-{stat.st_size}-{stat.st_mtime_ns}"


class Frequencies:
    """wordfreq's Chinese list as two sorted arrays (words, frequencies), looked up by bisection."""

    def __init__(self, words: np.ndarray, values: np.ndarray) -> None:
        self.words = words
        self.values = values

    def get(self, word: str) -> float:
        """The listed frequency of ``word``, 0 when the list lacks it."""
        if len(word) > _LONGEST:
            return 0.0
        i = int(np.searchsorted(self.words, word))
        return float(self.values[i]) if i < len(self.words) and self.words[i] == word else 0.0


def _package_list() -> tuple[np.ndarray, np.ndarray]:
    import wordfreq

    table = wordfreq.get_frequency_dict("zh", wordlist=_WORDLIST)
    words = sorted(word for word in table if len(word) <= _LONGEST)
    return np.array(words, dtype=f"<U{_LONGEST}"), np.array([table[w] for w in words], dtype=np.float32)


@functools.cache
def frequencies() -> Frequencies:
    """wordfreq's Chinese list, from the cache folder (memory-mapped) or, the first time, the package."""
    folder = cache_folder()
    try:
        words = np.load(folder / "words.npy", mmap_mode="r")
        values = np.load(folder / "frequencies.npy", mmap_mode="r")
        if len(words) == len(values) > 0:
            return Frequencies(words, values)
    except (OSError, ValueError):
        pass
    words, values = _package_list()
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".wordfreq-"))
        np.save(scratch / "words.npy", words, allow_pickle=False)
        np.save(scratch / "frequencies.npy", values, allow_pickle=False)
        try:
            scratch.rename(folder)
        except OSError:  # another process was first
            shutil.rmtree(scratch, ignore_errors=True)
    except OSError as exc:  # a read-only home: read the package's list in every process
        log.info("Could not cache the word frequencies under %s: %s", folder, exc)
    return Frequencies(words, values)


def frequency(word: str) -> float:
    """How often ``word`` (in ``match_form``: simplified, lower case) occurs in ordinary Chinese."""
    table = frequencies()
    if not word:
        return FLOOR
    found = table.get(word)
    if found:
        return found
    pieces = []
    start = 0
    while start < len(word):
        for end in range(min(len(word), start + _LONGEST), start, -1):
            piece = table.get(word[start:end])
            if piece or end == start + 1:
                pieces.append(piece or FLOOR)
                start = end
                break
    combined = 1 / sum(1 / piece for piece in pieces) / 10 ** (len(pieces) - 1)
    return max(combined, FLOOR)
