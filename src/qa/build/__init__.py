"""Building an index: documents in, an index folder out (``qa build``).

Reads the documents (``qa.ingest``), cuts passages (``qa.passages``), embeds them
(``qa.model``), writes the folder (``qa.index``) and ends by asking the new index the
gate's probe questions (``qa.retrieve``), so it sits after retrieval. ``reuse`` takes from
the previous index whatever did not change.
"""

from qa.build.builder import build_index
from qa.build.settings import BuildSettings, BuildStats

__all__ = ["BuildSettings", "BuildStats", "build_index"]
