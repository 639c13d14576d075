"""政协讲话问答: find the passages of CPPCC speeches that answer a Chinese question.

>>> from qa import search
>>> for hit in search("政协委员怎样提高履职能力?", k=3):
...     print(hit.doc_title, hit.section, hit.paragraph, hit.text[:40])
"""

from __future__ import annotations

from qa.build.builder import build_index
from qa.errors import (
    BuildInProgressError,
    DocumentError,
    IndexCorruptError,
    IndexNotFoundError,
    ModelError,
    QAError,
    StaleIndexError,
)
from qa.retrieve.defaults import search
from qa.retrieve.gate import GateSettings
from qa.retrieve.hit import Answer, Hit
from qa.retrieve.retriever import Retriever
from qa.tools.draft import DraftCheck, SentenceCheck, check_draft
from qa.tools.trace import Occurrence, Trace, trace

__all__ = [
    "Answer",
    "BuildInProgressError",
    "DocumentError",
    "DraftCheck",
    "GateSettings",
    "Hit",
    "IndexCorruptError",
    "IndexNotFoundError",
    "ModelError",
    "Occurrence",
    "QAError",
    "Retriever",
    "SentenceCheck",
    "StaleIndexError",
    "Trace",
    "__version__",
    "build_index",
    "check_draft",
    "search",
    "trace",
]
