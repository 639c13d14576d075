"""The index in PostgreSQL with pgvector: the same answers as the folder, generations that
switch at once, a refused second build, a killed build that loses nothing, bad URLs and
hostile strings. Every test runs against a real server started here (``pg_fixtures``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pg_fixtures
import psycopg
import pytest
from conftest import INDEX, REPO, SEEDS, FakeEmbedder
from pg_fixtures import fresh_database

from qa.build.builder import build_index
from qa.errors import BuildInProgressError, IndexNotFoundError, StaleIndexError
from qa.index.database.catalog import SCHEMA_VERSION
from qa.index.database.connection import StoreUnavailableError
from qa.index.database.server import free_port
from qa.index.database.writer import DatabaseWriter
from qa.index.load import load_index
from qa.retrieve.retriever import Retriever

pg_server = pg_fixtures.pg_server  # the module's server, started and stopped here
pg_url = pg_fixtures.pg_url  # a fresh database on it for each test

HOSTILE = [
    "'; DROP TABLE qa.active; --",
    'x" OR 1=1; DELETE FROM qa.generations; --',
    "$$; SELECT pg_sleep(5); $$",
    "%s %(name)s {} \\x00",
    "政协'); TRUNCATE qa.store; --",
]


def _active(url: str) -> int:
    with psycopg.connect(url) as connection:
        return int(connection.execute("SELECT generation FROM qa.active").fetchone()[0])


def test_seeds_in_the_database_give_the_folders_top_ten_for_every_eval_question(pg_url):
    from qa.model.onnx_encoder import OnnxEmbedder

    embedder = OnnxEmbedder.load_default()  # what `qa build` made the committed index with
    build_index(SEEDS, pg_url, embedder)
    folder = Retriever(INDEX, embedder=embedder)
    database = Retriever(pg_url, embedder=embedder)
    assert database.index.manifest["fingerprint"] == folder.index.manifest["fingerprint"]
    assert database.background == folder.background
    questions = [json.loads(line)["question"] for line in (REPO / "eval" / "questions.jsonl").open()]
    swapped, gap = [], 0.0
    for question in questions:
        ours, theirs = database.search(question, 10), folder.search(question, 10)
        if [h.passage_id for h in ours] != [h.passage_id for h in theirs]:
            swapped.append(question)
        else:  # the vectors differ in the 8th decimal (ONNX batches): scores in the 4th at most
            gap = max([gap, *(abs(x.score - y.score) for x, y in zip(ours, theirs, strict=True))])
    assert len(questions) > 100
    assert swapped == []  # measured: 0 of 156 questions
    assert gap < 1e-3


def test_a_rebuild_switches_generations_and_keeps_the_one_before(pg_url, tiny_seeds):
    embedder = FakeEmbedder()
    build_index(tiny_seeds, pg_url, embedder)
    first = _active(pg_url)
    old = Retriever(pg_url, embedder=embedder)
    (tiny_seeds / "c.txt").write_text("在区政协会议上的讲话\n要做好新时代民主监督工作。\n", encoding="utf-8")
    manifest = build_index(tiny_seeds, pg_url, embedder)
    assert _active(pg_url) > first
    assert manifest["build"]["passages_reused"] >= 1  # vectors came from the previous generation
    new = Retriever(pg_url, embedder=embedder)
    assert "c.txt" in {doc.source for doc in new.index.documents}
    assert "c.txt" not in {doc.source for doc in old.index.documents}
    assert old.search("提案办理协商")  # a reader of the old generation still answers
    build_index(tiny_seeds, pg_url, embedder, full=True)
    with psycopg.connect(pg_url) as connection:
        schemas = {
            r[0] for r in connection.execute("SELECT nspname FROM pg_namespace WHERE nspname ~ '^qa_g'")
        }
    assert schemas == {f"qa_g{_active(pg_url)}", f"qa_g{_active(pg_url) - 1}"}  # older ones dropped


def test_the_stamp_asked_before_each_question_reads_the_generations_number_not_its_manifest(
    pg_url, tiny_seeds, monkeypatch
):
    from qa.index.database.reader import database, database_stamp, read_database_manifest

    build_index(tiny_seeds, pg_url, FakeEmbedder())
    first = _active(pg_url)
    (tiny_seeds / "c.txt").write_text("在区政协会议上的讲话\n要做好新时代民主监督工作。\n", encoding="utf-8")
    build_index(tiny_seeds, pg_url, FakeEmbedder())
    db = database(pg_url)
    cells: list[object] = []
    rows = db.rows

    def recorded(query, params=None, binary=False):  # type: ignore[no-untyped-def]
        found = rows(query, params, binary)
        cells.extend(cell for row in found for cell in row)
        return found

    monkeypatch.setattr(db, "rows", recorded)
    assert database_stamp(pg_url) == (first + 1, 0)
    assert database_stamp(f"{pg_url}#generation={first}") == (first, 0)  # a build reading its own
    assert database_stamp(f"{pg_url}#generation={first + 7}") is None  # no such generation
    assert not any(isinstance(cell, str) and "passage_count" in cell for cell in cells)
    generation, manifest = read_database_manifest(pg_url)
    index = Retriever(pg_url, embedder=FakeEmbedder()).index
    assert (generation, manifest["passage_count"]) == (first + 1, len(index.passages))


def test_hostile_strings_in_names_questions_and_filters_are_only_data(pg_url, tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for number, hostile in enumerate(HOSTILE):
        name = f"{number}{hostile.replace('/', '_').replace(chr(0), '')}.txt"
        (seeds / name).write_text(
            f"关于{hostile}的讲话\n要加强{hostile}民主协商工作，提高履职能力。\n", encoding="utf-8"
        )
    embedder = FakeEmbedder()
    build_index(seeds, pg_url, embedder)
    retriever = Retriever(pg_url, embedder=embedder)
    sources = [doc.source for doc in retriever.index.documents]
    assert len(sources) == len(HOSTILE)
    for hostile, source in zip(HOSTILE, sorted(sources), strict=False):
        retriever.search(f"{hostile} 民主协商", 5)
        hits = retriever.search("民主协商 履职能力", 5, sources=[source])
        assert all(hit.source == source for hit in hits)
        assert retriever.index.lexical.rows_with(hostile) is not None
    with psycopg.connect(pg_url) as connection:
        assert connection.execute("SELECT count(*) FROM qa.active").fetchone()[0] == 1
        assert connection.execute("SELECT count(*) FROM qa.store").fetchone()[0] == 1
    assert load_index(pg_url).manifest["passage_count"] == len(retriever.passages)


def test_a_second_build_at_once_is_refused_naming_the_database(pg_url, tiny_seeds):
    with (
        DatabaseWriter(pg_url),
        pytest.raises(BuildInProgressError, match="Another build is writing postgresql://"),
    ):
        build_index(tiny_seeds, pg_url, FakeEmbedder())
    build_index(tiny_seeds, pg_url, FakeEmbedder())  # the lock went with its session


_BUILD = """
import sys
sys.path.insert(0, {tests!r})
from pathlib import Path
from conftest import FakeEmbedder
from qa.build.builder import build_index
build_index(Path({seeds!r}), {url!r}, FakeEmbedder(), full=True)
"""


def test_a_build_killed_midway_leaves_the_previous_generation_serving(pg_url, seeds_copy):
    embedder = FakeEmbedder()
    build_index(seeds_copy, pg_url, embedder)
    serving = _active(pg_url)
    script = _BUILD.format(tests=str(REPO / "tests"), seeds=str(seeds_copy), url=pg_url)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    process = subprocess.Popen([sys.executable, "-c", script], env=env)
    deadline, writing = time.monotonic() + 120, False
    with psycopg.connect(pg_url, autocommit=True) as connection:
        while not writing and time.monotonic() < deadline and process.poll() is None:
            building = connection.execute("SELECT count(*) FROM qa.generations WHERE state = 'building'")
            writing = bool(building.fetchone()[0])
            time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL and writing  # killed while writing, not finished
    assert _active(pg_url) == serving
    assert Retriever(pg_url, embedder=embedder).search("政协委员 履职")
    build_index(seeds_copy, pg_url, embedder)  # the lock died with the build; its leftovers are dropped
    with psycopg.connect(pg_url) as connection:
        assert (
            connection.execute("SELECT count(*) FROM qa.generations WHERE state = 'building'").fetchone()[0]
            == 0
        )


def test_a_wrong_url_a_stopped_server_and_an_empty_database_say_what_to_do(pg_url):
    with pytest.raises(StoreUnavailableError, match="not a valid PostgreSQL URL"):
        load_index("postgresql://qa@127.0.0.1:notaport/x")
    down = f"postgresql://qa@127.0.0.1:{free_port()}/postgres"
    with pytest.raises(StoreUnavailableError, match=f"Cannot connect to {down}.*start the database server"):
        load_index(down)
    with pytest.raises(
        IndexNotFoundError, match=f"No index in {pg_url} yet.*run `qa build --store {pg_url}`"
    ):
        load_index(pg_url)
    secret = pg_url.replace("qa@", "qa:hunter2@")
    with pytest.raises(IndexNotFoundError) as caught:
        load_index(secret)
    assert "hunter2" not in str(caught.value)


def test_another_model_or_schema_version_is_refused_with_the_build_command(pg_url, tiny_seeds):
    build_index(tiny_seeds, pg_url, FakeEmbedder())
    with pytest.raises(StaleIndexError, match=r"built with model .* run `qa build --store postgresql://"):
        load_index(pg_url, model_fingerprint="another-model")
    with psycopg.connect(pg_url) as connection:
        connection.execute("UPDATE qa.store SET schema_version = 99")
    with pytest.raises(StaleIndexError, match=f"schema version 99, this code reads {SCHEMA_VERSION}"):
        load_index(pg_url)
    with pytest.raises(StaleIndexError, match="schema version 99"):
        build_index(tiny_seeds, pg_url, FakeEmbedder())


def test_a_replica_answers_from_the_generation_it_has_replayed(pg_server, tiny_seeds):
    from qa.index.database.server import wait_for_replay
    from qa.retrieve.live import LiveRetriever

    primary = fresh_database(pg_server)
    embedder = FakeEmbedder()
    build_index(tiny_seeds, primary, embedder)
    replica_server = pg_server.replica()
    try:
        replica = replica_server.url(primary.rsplit("/", 1)[1])
        live = LiveRetriever(Retriever(replica, embedder=embedder), check_every=0)
        assert [h.passage_id for h in live.current().search("提案办理协商", 5)] == [
            h.passage_id for h in Retriever(primary, embedder=embedder).search("提案办理协商", 5)
        ]
        (tiny_seeds / "c.txt").write_text(
            "在区政协会议上的讲话\n要做好新时代民主监督工作。\n", encoding="utf-8"
        )
        build_index(tiny_seeds, primary, embedder)
        wait_for_replay(replica, primary)
        assert live.reload()
        assert "c.txt" in {doc.source for doc in live.current().index.documents}
        with (
            pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
            psycopg.connect(replica, autocommit=True) as connection,
        ):
            connection.execute("DELETE FROM qa.active")
    finally:
        replica_server.remove()


def test_the_command_line_takes_only_a_database_url_as_store(capsys):
    from qa.cli import main

    assert main(["status", "--store", "index"]) == 2
    assert "--store takes a postgresql:// URL" in capsys.readouterr().err


def test_the_admin_rebuild_writes_a_new_generation_and_the_live_retriever_follows(pg_url, tiny_seeds):
    from qa.retrieve.live import LiveRetriever
    from qa.tools.documents import DocumentManager

    embedder = FakeEmbedder()
    build_index(tiny_seeds, pg_url, embedder)
    live = LiveRetriever(Retriever(pg_url, embedder=embedder), check_every=3600)
    manager = DocumentManager(tiny_seeds, pg_url, live, embedder)
    (tiny_seeds / "c.txt").write_text("在区政协会议上的讲话\n要做好新时代民主监督工作。\n", encoding="utf-8")
    manager.start_rebuild()
    status = manager.wait(120)
    assert status.state == "done", status.message
    assert "c.txt" in {doc.source for doc in live.current().index.documents}
    assert live.current().index.stamp == (_active(pg_url), 0)


def test_an_incremental_build_reuses_the_databases_tokens_and_scores_as_a_full_build(pg_url, tiny_seeds):
    import numpy as np

    embedder = FakeEmbedder()
    build_index(tiny_seeds, pg_url, embedder)
    (tiny_seeds / "c.txt").write_text("在区政协会议上的讲话\n要做好新时代民主监督工作。\n", encoding="utf-8")
    added = build_index(tiny_seeds, pg_url, embedder)
    assert 0 < added["build"]["passages_tokenised"] < added["passage_count"]  # only the new document's
    incremental = Retriever(pg_url, embedder=embedder).index.lexical
    build_index(tiny_seeds, pg_url, embedder, full=True)
    full = Retriever(pg_url, embedder=embedder).index.lexical
    for question in ("提高履职能力", "民主监督工作", "提案办理协商"):
        assert np.array_equal(incremental.scores(question), full.scores(question))


def test_the_databases_token_table_is_the_folders_and_a_missing_postings_row_is_reported(
    pg_url, tiny_seeds, tmp_path
):
    from collections import Counter

    from qa.errors import IndexCorruptError
    from qa.index.layout import IndexLayout
    from qa.index.token_table import TokenTable

    build_index(tiny_seeds, pg_url, FakeEmbedder())
    build_index(tiny_seeds, tmp_path / "index", FakeEmbedder())
    folder = TokenTable.load(IndexLayout(tmp_path / "index").tokens)
    lexical = Retriever(pg_url, embedder=FakeEmbedder()).index.lexical
    database = lexical.token_table()
    assert len(database) == len(folder) > 1
    for row in range(len(folder)):
        assert Counter(database.tokens(row)) == Counter(folder.tokens(row))
    with psycopg.connect(pg_url) as connection:
        connection.execute(f"DELETE FROM {lexical.tables['columns'].as_string(connection)} WHERE term = 0")
    with pytest.raises(IndexCorruptError, match=r"no postings row; run `qa build --store postgresql://"):
        lexical.token_table()


def test_vectors_read_in_batches_are_the_folders_in_any_order_and_a_missing_one_is_reported(
    pg_url, tiny_seeds, tmp_path, monkeypatch
):
    import numpy as np

    from qa.errors import IndexCorruptError
    from qa.index.database import reader

    monkeypatch.setattr(reader, "_READ_VECTORS", 2)
    build_index(tiny_seeds, pg_url, FakeEmbedder())
    build_index(tiny_seeds, tmp_path / "index", FakeEmbedder())
    folder = load_index(tmp_path / "index").vectors
    vectors = load_index(pg_url).vectors
    every = np.arange(vectors.size)
    assert vectors.size == folder.size > 2
    np.testing.assert_array_equal(vectors.vectors(every), folder.vectors(every))  # in order, none cached
    mixed = np.array([2, 0, 2, 1, *every[::-1]])  # repeats, cached rows among uncached ones
    vectors.vectors(np.array([0, 2]))
    np.testing.assert_array_equal(vectors.vectors(mixed), folder.vectors(mixed))
    with psycopg.connect(pg_url) as connection:
        connection.execute(f"DELETE FROM {vectors.name.as_string(connection)} WHERE row = 1")
    with pytest.raises(
        IndexCorruptError, match=r"no vectors for rows \[1\]; run `qa build --store postgresql://"
    ):
        load_index(pg_url).vectors.vectors(every)


def test_a_generation_switch_leaves_the_caches_of_the_one_before_behind(pg_url, tiny_seeds):
    """Terms, document frequencies, passages and vectors are cached per generation: after a
    switch nothing cached from the old one (a term it lacked, rows that moved) is used."""
    import numpy as np

    from qa.retrieve.live import LiveRetriever

    embedder = FakeEmbedder()
    build_index(tiny_seeds, pg_url, embedder)
    live = LiveRetriever(Retriever(pg_url, embedder=embedder), check_every=0)
    old = live.current()
    assert old.index.lexical.document_frequency("牧场") == 0  # cached as absent
    old.search("提高履职能力", 5)  # fills the passage and vector caches
    rows = np.arange(len(old.passages))
    old_texts = [old.passages[int(row)].text for row in rows]
    (tiny_seeds / "0.txt").write_text(  # sorts first: every old passage moves to a later row
        "在市政协会议上的讲话\n要建设海洋牧场，提高履职能力。\n", encoding="utf-8"
    )
    build_index(tiny_seeds, pg_url, embedder)
    assert live.reload()
    new = live.current()
    fresh = load_index(pg_url)
    assert new.index.lexical.document_frequency("牧场") == 1
    every = np.arange(len(new.passages))
    texts = [new.passages[int(row)].text for row in every]  # by row: through the cache
    assert texts == [p.text for p in fresh.passages]
    assert texts[: len(old_texts)] != old_texts
    assert np.array_equal(new.index.vectors.vectors(every), fresh.vectors.vectors(every))
    hits = new.search("海洋牧场", 5)
    assert hits and hits[0].source == "0.txt"


def test_a_terms_weighted_postings_are_read_once_per_generation(pg_url, tiny_seeds):
    import numpy as np

    embedder = FakeEmbedder()
    build_index(tiny_seeds, pg_url, embedder)
    lexical = Retriever(pg_url, embedder=embedder).index.lexical
    first = lexical.scores("提高履职能力")
    assert first.max() > 0

    def unread(tokens):
        raise AssertionError(f"read again: {tokens}")

    lexical.columns = unread  # every token of the question is cached now
    assert np.array_equal(lexical.scores("提高履职能力"), first)


def test_the_databases_bm25_and_its_maxscore_top_are_the_folders_to_the_bit(
    pg_url, seeds_copy, tmp_path, monkeypatch
):
    import numpy as np

    from qa.index import maxscore

    monkeypatch.setattr(maxscore, "_PRUNE_FROM", 0)  # MaxScore at this size too
    embedder = FakeEmbedder()
    build_index(seeds_copy, pg_url, embedder)
    build_index(seeds_copy, tmp_path / "index", embedder)
    stored = Retriever(pg_url, embedder=embedder).index.lexical
    folder = Retriever(tmp_path / "index", embedder=embedder).index.lexical
    allowed = np.ones(folder.size, dtype=bool)
    allowed[::4] = False
    for question in ("提高履职能力", "政协委员如何更好地履职尽责", "民主监督 协商议政", "什么"):
        assert np.array_equal(stored.scores(question), folder.scores(question))
        for mask in (np.ones(folder.size, dtype=bool), allowed):
            ranked = stored.ranked(question, mask)
            assert ranked.top(20).tolist() == folder.ranked(question, mask).top(20).tolist()
            assert np.array_equal(ranked.full(), folder.ranked(question, mask).full())


def test_a_filtered_dense_search_is_exact_among_the_allowed_rows_in_runs_or_apart(
    pg_url, seeds_copy, tmp_path
):
    import numpy as np

    from qa.index.database.reader import row_runs

    assert row_runs(np.array([9, 3, 5, 4, 4])) == ([3, 9], [5, 9])
    assert row_runs(np.array([], dtype=np.int64)) == ([], [])
    embedder = FakeEmbedder()
    build_index(seeds_copy, pg_url, embedder)
    stored = Retriever(pg_url, embedder=embedder).index
    size = stored.vectors.size
    query = embedder.encode_queries(["政协委员如何更好地履职尽责"])
    every = stored.vectors.vectors(np.arange(size))
    choices = {
        "one run": np.arange(5, size // 2),
        "runs and single rows, repeated, unsorted": np.array([size - 1, 0, 7, 8, 9, 30, 8, 2, size - 2]),
        "every other row": np.arange(0, size, 2),
    }
    for what, allowed in choices.items():
        rows = np.unique(allowed)
        scores, ids = stored.vectors.search(query, 10, allowed)
        exact = rows[np.argsort(-(every[rows] @ query[0]), kind="stable")][:10]
        assert ids[0][ids[0] >= 0].tolist() == exact.tolist(), what
        assert np.allclose(scores[0][: len(exact)], every[exact] @ query[0], atol=1e-5), what
    sentences = stored.sentences
    allowed = np.arange(3, sentences.size // 3)
    ids = sentences.search(query, 20, allowed)[1][0]
    assert set(ids.tolist()) <= set(allowed.tolist()) and len(ids) == 20


def test_the_graph_holds_halfvec_casts_and_the_walk_uses_it_or_an_older_float32_graph(pg_url, seeds_copy):
    import numpy as np
    from pgvector.psycopg import register_vector

    from qa.build.settings import BuildSettings
    from qa.index.database.catalog import schema_name

    embedder = FakeEmbedder()
    build_index(seeds_copy, pg_url, embedder, BuildSettings(hnsw_threshold=1))
    generation = _active(pg_url)
    schema = schema_name(generation)
    with psycopg.connect(pg_url) as connection:
        graphs = dict(
            connection.execute(
                "SELECT tablename, indexdef FROM pg_indexes "
                "WHERE schemaname = %s AND indexdef LIKE '%% hnsw %%'",
                (schema,),
            ).fetchall()
        )
    assert set(graphs) == {"vectors", "sentences"}
    assert all("halfvec_cosine_ops" in definition for definition in graphs.values()), graphs
    question = "政协委员如何更好地履职尽责"
    query = embedder.encode_queries([question])

    def walked(retriever):  # the rows of an unfiltered walk, and the plan of the SQL it sent
        vectors = retriever.index.vectors
        sent = []
        rows = vectors.db.rows

        def recording(sql, params=None, binary=False):
            sent.append((sql, params))
            return rows(sql, params, binary)

        vectors.db.rows = recording
        found = vectors.search(query, 10)[1][0]
        vectors.db.rows = rows
        [(sql, params)] = sent
        with psycopg.connect(pg_url) as connection:
            register_vector(connection)
            connection.execute("SET enable_seqscan = off")  # the seeds are small enough to sort
            plan = "\n".join(
                line for (line,) in connection.execute(b"EXPLAIN " + sql.as_bytes(connection), params)
            )
        return found, plan

    halved = Retriever(pg_url, embedder=embedder)
    assert halved.index.vectors.halfvec and halved.index.sentences.halfvec
    found, plan = walked(halved)
    assert "Index Scan using" in plan and "Seq Scan" not in plan, plan
    every = halved.index.vectors.vectors(np.arange(halved.index.vectors.size))
    exact = np.argsort(-(every @ query[0]), kind="stable")[:10]
    assert set(found.tolist()) == set(exact.tolist()), "the walk of a small graph finds the exact ten"
    hits = [h.passage_id for h in halved.search(question, 5)]

    # A generation built before the graph held halfvec casts: its float32 graph is walked.
    with psycopg.connect(pg_url, autocommit=True) as connection:
        for table in ("vectors", "sentences"):
            connection.execute(f'DROP INDEX "{schema}".{_index_name(graphs[table])}')
            connection.execute(f'CREATE INDEX ON "{schema}".{table} USING hnsw (embedding vector_cosine_ops)')
    older = Retriever(pg_url, embedder=embedder)
    assert not older.index.vectors.halfvec and not older.index.sentences.halfvec
    found_older, plan = walked(older)
    assert "Index Scan using" in plan and "Seq Scan" not in plan, plan
    assert set(found_older.tolist()) == set(exact.tolist())
    assert [h.passage_id for h in older.search(question, 5)] == hits


def _index_name(definition: str) -> str:
    """The index's name in a ``pg_indexes.indexdef``: CREATE INDEX <name> ON ..."""
    return definition.split()[2]
