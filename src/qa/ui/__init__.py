"""The Gradio page: the top of the pipeline beside the command line.

In: the retriever and the tools. Out: HTML for the page. One subpackage per tab —
``chat`` (questions, follow-ups, ratings), ``trace`` (提法溯源), ``draft`` (查重与提法核对),
``admin`` (文档管理) — and, shared by them, ``render`` (cards), ``citation``, ``reader``
(the whole document), ``sections`` (exports), ``page`` (strings, script, style) and ``app``
(the layout that puts the tabs together).
"""

from __future__ import annotations

from qa.ui.chat.conversation import Conversation
from qa.ui.chat.feedback import FeedbackLog, default_feedback_path
from qa.ui.chat.service import ChatService

__all__ = ["ChatService", "Conversation", "FeedbackLog", "default_feedback_path"]
