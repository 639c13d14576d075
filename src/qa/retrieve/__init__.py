"""Retrieval: the fifth stage.

In: a question and a ``LoadedIndex``. Out: ``Hit`` records, best first, or the reason there
are none (``Answer``). ``query`` validates the question; ``candidates`` gathers the dense
search's and BM25's candidates (the dense search on a worker thread); ``retriever`` ranks them
and fuses them (``ranker``: the learned ranking function and the features it
reads; ``feedback``: pseudo-relevance feedback; both off by default, ``bench/levers.py``);
``gate`` decides whether anything is relevant; ``live`` follows rebuilds; ``defaults`` knows
where the default index is; ``evaluate`` measures a retriever against labelled questions.
"""
