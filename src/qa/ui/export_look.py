"""The choice of a Word export's look (常规 or 公文, ``qa.tools.word_styles``), the same control
beside every tab's export buttons."""

from __future__ import annotations

import gradio as gr

from qa.tools.word_styles import DOCUMENT_STYLES

LABEL = "Word 版式"
INFO = "公文：标题二号小标宋，正文三号仿宋，每页22行、每行28字（GB/T 9704）"


def look_choice(elem_id: str) -> gr.Radio:
    """A radio of the Word looks, 常规 chosen; its value is a ``DocumentStyle``."""
    return gr.Radio(list(DOCUMENT_STYLES), value="standard", label=LABEL, info=INFO, elem_id=elem_id)
