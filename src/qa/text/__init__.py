"""Text forms every stage shares (below the pipeline; imports nothing of it).

In: any Chinese text. Out: its match form (``normalise``: NFKC, lower case, simplified,
counting numerals as digits, with offsets back to the original) and its BM25 tokens
(``tokens``: jieba words and character bigrams; the only module that imports jieba).
"""
