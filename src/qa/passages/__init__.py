"""Passages: the second stage.

In: cleaned ``Document`` records (``qa.ingest``). Out: ``Passage`` records — pieces of at
most ``ChunkSettings.max_chars`` characters cut at sentence ends, each with its section,
paragraph numbers and character offsets into the source (``cutting``) — and the evidence
that a document was published with words removed (``damage``).
"""

from qa.passages.cutting import ChunkSettings, Passage, make_passages, sentences_of

__all__ = ["ChunkSettings", "Passage", "make_passages", "sentences_of"]
