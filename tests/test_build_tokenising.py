"""Tokenising in worker processes gives the tokens of one process; postings packed by term."""

from __future__ import annotations

import numpy as np
import pytest

from qa.build.tokenising import build_workers, tokenise
from qa.errors import QAError
from qa.index.database.writer import hnsw_build_memory, packed_postings
from qa.index.token_table import TokenTable
from qa.text.tokens import default_tokenizer

TEXTS = [
    "人民政协是具有中国特色的制度安排，是社会主义协商民主的重要渠道和专门协商机构。",
    "加强和改进人民政协工作，发挥政协委员的主体作用。",
    "围绕“十四五”规划建言资政，2021年提出提案5,000余件。",
    "CPPCC members visited 32 counties.",
    "",
    "坚持团结和民主两大主题，广泛凝聚共识。",
] * 7


def rows_of(table: TokenTable) -> list[list[str]]:
    return [table.tokens(row) for row in range(len(table))]


def test_workers_cut_every_passage_as_one_process_does():
    tokenizer = default_tokenizer()
    alone = tokenise(TEXTS, tokenizer, workers=1)
    forked = tokenise(TEXTS, tokenizer, workers=2, parallel_from=1)
    assert len(forked) == len(TEXTS)
    assert rows_of(forked) == rows_of(alone)
    assert rows_of(alone)[0] == tokenizer(TEXTS[0], cached=False)
    assert sorted(forked.vocab) == sorted(alone.vocab)  # only tokens some passage uses


class Refuses:
    def __call__(self, text: str, cached: bool = True) -> list[str]:
        if "CPPCC" in text:
            raise ValueError(f"cannot cut {text!r}")
        return list(text)


def test_a_workers_error_is_raised_in_the_build():
    with pytest.raises(ValueError, match="cannot cut"):
        tokenise(TEXTS, Refuses(), workers=2, parallel_from=1)


def test_tables_joined_in_order_keep_every_passage():
    tokenizer = default_tokenizer()
    whole = TokenTable.of(tokenizer(text, cached=False) for text in TEXTS)
    parts = [
        TokenTable.of(tokenizer(text, cached=False) for text in TEXTS[lo : lo + 5])
        for lo in range(0, len(TEXTS), 5)
    ]
    joined = TokenTable.concatenate(parts)
    assert rows_of(joined) == rows_of(whole)
    assert joined.offsets[-1] == len(joined.ids)
    assert rows_of(TokenTable.concatenate([])) == []


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_a_wrong_worker_count_is_named(monkeypatch, value):
    monkeypatch.setenv("QA_BUILD_WORKERS", value)
    with pytest.raises(QAError, match="QA_BUILD_WORKERS"):
        build_workers()


def test_the_worker_count_comes_from_the_environment_or_the_cpus(monkeypatch):
    monkeypatch.setenv("QA_BUILD_WORKERS", "3")
    assert build_workers() == 3
    monkeypatch.delenv("QA_BUILD_WORKERS")
    assert build_workers() >= 1


def test_postings_packed_by_term_are_every_count_of_every_passage():
    tokenizer = default_tokenizer()
    table = TokenTable.of(tokenizer(text, cached=False) for text in TEXTS)
    starts, rows, tfs = packed_postings(table, passages_per_slice=4)  # several slices
    expected: dict[int, list[tuple[int, int]]] = {}
    for row in range(len(table)):
        ids, counts = np.unique(table.ids[table.offsets[row] : table.offsets[row + 1]], return_counts=True)
        for term, count in zip(ids.tolist(), counts.tolist(), strict=True):
            expected.setdefault(term, []).append((row, count))
    assert len(starts) == len(table.vocab) + 1
    for term in range(len(table.vocab)):
        lo, hi = starts[term], starts[term + 1]
        assert list(zip(rows[lo:hi].tolist(), tfs[lo:hi].tolist(), strict=True)) == expected[term]


def test_the_hnsw_build_memory_grows_with_the_rows_within_bounds():
    assert hnsw_build_memory(1_000, 384) == "1024MB"
    one_million = int(hnsw_build_memory(1_000_000, 384).removesuffix("MB"))
    assert 2_000 < one_million < 4_096  # the 4 GB measured at 1M sufficed
    assert hnsw_build_memory(100_000_000, 384) == "16384MB"
