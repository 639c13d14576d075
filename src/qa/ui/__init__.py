"""The Gradio page: the top of the pipeline beside the command line.

In: the retriever and the tools. Out: HTML for the page. One subpackage per tab —
``chat`` (questions, follow-ups, ratings), ``trace`` (提法溯源), ``draft`` (查重与提法核对),
``admin`` (文档管理) — and, shared by them, ``render`` (cards), ``citation``, ``reader``
(the whole document), ``sections`` (exports), ``page`` (strings, script, style) and ``app``
(the layout that puts the tabs together).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qa.lazy import lazy_attributes

if TYPE_CHECKING:
    from qa.ui.chat.conversation import Conversation
    from qa.ui.chat.feedback import FeedbackLog, default_feedback_path
    from qa.ui.chat.service import ChatService

# Imported on first use: ``qa search`` renders its lines with ``qa.ui.render`` without
# loading the chat service and the tools behind it (PEP 562).
_LAZY = {
    "Conversation": "qa.ui.chat.conversation",
    "FeedbackLog": "qa.ui.chat.feedback",
    "default_feedback_path": "qa.ui.chat.feedback",
    "ChatService": "qa.ui.chat.service",
}


__getattr__ = lazy_attributes(__name__, _LAZY)


__all__ = ["ChatService", "Conversation", "FeedbackLog", "default_feedback_path"]
