"""政协讲话问答: find the passages of CPPCC speeches that answer a Chinese question.

>>> from qa import search
>>> for hit in search("政协委员怎样提高履职能力?", k=3):
...     print(hit.doc_title, hit.section, hit.paragraph, hit.text[:40])

Every name is imported on first use (PEP 562): ``import qa`` costs nothing, and ``qa.search("")``
is refused before the model, the index or jieba are loaded.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from qa.lazy import lazy_attributes

# onnxruntime's official builds send usage events to Microsoft unless this is set before it
# loads (its Privacy.md); the e5 encoder and OCR both run on it, and an archive's contents are
# nobody else's business.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

from qa.errors import (
    BuildInProgressError,
    DocumentError,
    IndexCorruptError,
    IndexNotFoundError,
    MetadataError,
    ModelError,
    QAError,
    QuestionError,
    StaleIndexError,
)
from qa.version import __version__

if TYPE_CHECKING:
    from qa.build.builder import build_index
    from qa.retrieve.defaults import search
    from qa.retrieve.gate import GateSettings
    from qa.retrieve.hit import Answer, Hit
    from qa.retrieve.retriever import Retriever
    from qa.tools.draft import DraftCheck, SentenceCheck, check_draft
    from qa.tools.trace import Occurrence, Trace, trace

_LAZY = {
    "build_index": "qa.build.builder",
    "search": "qa.retrieve.defaults",
    "GateSettings": "qa.retrieve.gate",
    "Answer": "qa.retrieve.hit",
    "Hit": "qa.retrieve.hit",
    "Retriever": "qa.retrieve.retriever",
    "DraftCheck": "qa.tools.draft",
    "SentenceCheck": "qa.tools.draft",
    "check_draft": "qa.tools.draft",
    "Occurrence": "qa.tools.trace",
    "Trace": "qa.tools.trace",
    "trace": "qa.tools.trace",
}


__getattr__ = lazy_attributes(__name__, _LAZY)


__all__ = [
    "Answer",
    "BuildInProgressError",
    "DocumentError",
    "DraftCheck",
    "GateSettings",
    "Hit",
    "IndexCorruptError",
    "IndexNotFoundError",
    "MetadataError",
    "ModelError",
    "Occurrence",
    "QAError",
    "QuestionError",
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
