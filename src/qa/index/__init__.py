"""The index folder: the fourth stage, and the only place that imports ``faiss``.

In: passages, their vectors and their BM25 tokens. Out: a folder written atomically
(``layout``: files and manifest; ``table``: passages memory-mapped; ``store``: FAISS
vectors; ``bm25``: the token table, matrix and scoring; ``atomic``: lock and swap) and,
read back, a ``LoadedIndex`` (``load``) checked against the model and the code.
The same index can live in PostgreSQL with pgvector instead (``database``), chosen by a
``postgresql://`` location (``location``). The build that fills it is ``qa.build``: it comes
after retrieval, because its last step asks the new index the gate's probe questions.
"""
