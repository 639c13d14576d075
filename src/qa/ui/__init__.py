"""The chat page: rendering (``render``), follow-ups (``conversation``), ratings (``feedback``),
the page's logic (``service``) and its Gradio layout (``app``)."""

from __future__ import annotations

from qa.ui.conversation import Conversation
from qa.ui.feedback import FeedbackLog, default_feedback_path
from qa.ui.service import ChatService

__all__ = ["ChatService", "Conversation", "FeedbackLog", "default_feedback_path"]
