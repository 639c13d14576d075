"""Minimal chat page over `qa.search` (the full chat UI is built in src/qa/ui)."""

from __future__ import annotations

import argparse
import html
import os

import gradio as gr

from qa import QAError, search


def respond(message: str, history: list[dict[str, str]]) -> str:
    """Answer one question with the best passages and their sources."""
    try:
        hits = search(message, k=3)
    except ValueError:
        return "请输入问题。"
    except QAError as exc:
        raise gr.Error(f"检索服务不可用:{exc}") from exc
    if not hits:
        return "未找到相关内容。请换一种说法,或使用讲话中的关键词再试。"
    blocks = []
    for rank, hit in enumerate(hits, 1):
        where = " · ".join(
            html.escape(x)
            for x in (f"《{hit.doc_title}》", hit.doc_date, hit.section, f"第{hit.paragraph}段")
            if x
        )
        blocks.append(
            f"**{rank}.** {html.escape(hit.text)}\n\n<sub>{where} · {html.escape(hit.source)}</sub>"
        )
    return "\n\n---\n\n".join(blocks)


demo = gr.ChatInterface(respond, title="政协讲话问答", examples=["政协委员怎样提高履职能力?"])

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Start the chat page.")
    parser.add_argument("--host", default=os.environ.get("QA_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("QA_PORT", "7860")))
    args = parser.parse_args()
    search("政协")  # load the model and index once, before the first user waits
    demo.launch(server_name=args.host, server_port=args.port)
