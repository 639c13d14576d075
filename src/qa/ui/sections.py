"""What the page exports (``qa.tools.export``): hits as sections with their citations, and the
chat's ticked cards.

The chat page sends the ticked cards as JSON, ``[[answer, passage_id], …]``: ``answer`` counts
the chat's answers from 0, as the reader's request does, so a passage shown under two questions
is exported under the one whose card was ticked. Each passage is exported as it was shown
(``Turn.hits``), with its citation in the style chosen at export time.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from qa.retrieve.hit import Hit
from qa.tools.export import ExportItem, ExportSection, file_name, to_docx, to_markdown
from qa.tools.word_styles import DocumentStyle
from qa.ui.chat.conversation import Conversation, Turn
from qa.ui.citation import CitationStyle, full_width, source
from qa.ui.render import damage_text

Kind = Literal["docx", "md"]
NOTHING_CHOSEN = "尚未选择段落：请先勾选回答中段落右上角的“选入导出”，再导出。"
_SEVERAL_QUESTIONS = 60  # a title of several questions longer than this names only the first
KEEP_SECONDS = 3600  # exports older than this are removed from the export folder
EXPORT_DIR = Path(tempfile.gettempdir()) / "qa-exports"  # every tab's exports; Gradio serves copies


def hit_note(hit: Hit) -> str:
    """What a reader of the export must know about ``hit``: words missing from its source,
    the other speeches with the same formulation ("" when neither)."""
    also = "".join(f"《{title}》" for title in hit.also_in)
    parts = [damage_text(hit), f"相同表述亦见于 {also}" if also else ""]
    return "；".join(p for p in parts if p)


def export_text(text: str) -> str:
    """A passage as an export prints it: its lines kept, punctuation full-width in Chinese text,
    as in its source line (``qa.ui.citation.full_width``)."""
    return "\n".join(full_width(line.strip()) for line in text.splitlines() if line.strip())


def export_item(hit: Hit, style: CitationStyle = "plain", note: str | None = None) -> ExportItem:
    """``hit`` as an exported item: its text once, then its source line in ``style`` (never the
    text again), and ``note`` (by default ``hit_note``)."""
    return ExportItem(export_text(hit.text), source(hit, style), hit_note(hit) if note is None else note)


def hits_section(question: str, hits: Sequence[Hit], style: CitationStyle = "plain") -> ExportSection:
    """``hits`` under ``question``, each with its source line in ``style`` and its note (``hit_note``)."""
    return ExportSection(question, [export_item(hit, style) for hit in hits])


def parse_selection(raw: str) -> list[tuple[int, str]]:
    """The ticked cards the page sent (JSON ``[[answer, passage_id], …]``); malformed entries are skipped."""
    try:
        data = json.loads(raw or "[]")
    except json.JSONDecodeError:
        return []
    picked: list[tuple[int, str]] = []
    for entry in data if isinstance(data, list) else []:
        if (
            isinstance(entry, list)
            and len(entry) == 2
            and isinstance(entry[0], int)
            and isinstance(entry[1], str)
            and (entry[0], entry[1]) not in picked
        ):
            picked.append((entry[0], entry[1]))
    return picked


def chosen_turns(
    conversation: Conversation, picked: Sequence[tuple[int, str]]
) -> list[tuple[Turn, list[Hit]]]:
    """Each answer with ticked cards, in the chat's order, and its ticked hits in the order shown.

    A card is found in the ``answer``-th answer, or else in the latest answer that showed its
    passage; a passage no answer showed (a conversation started anew) is left out.
    """
    turns = [conversation.turns[i] for i in sorted(conversation.turns)]
    wanted: dict[int, set[str]] = {}
    for answer, passage_id in picked:
        if not 0 <= answer < len(turns) or passage_id not in turns[answer].passage_ids:
            answer = next((i for i in reversed(range(len(turns))) if passage_id in turns[i].passage_ids), -1)
        if answer >= 0:
            wanted.setdefault(answer, set()).add(passage_id)
    return [
        (turns[i], [hit for hit in turns[i].hits if hit.passage_id in wanted[i]])
        for i in sorted(wanted)
        if any(hit.passage_id in wanted[i] for hit in turns[i].hits)
    ]


def export_title(questions: Sequence[str]) -> str:
    """The export's title: the question, or the questions joined (the first "等N个问题" when long)."""
    unique = list(dict.fromkeys(questions))
    joined = "；".join(unique)
    if len(unique) <= 1 or len(joined) <= _SEVERAL_QUESTIONS:
        return joined
    return f"{unique[0]}等{len(unique)}个问题"


@dataclass(frozen=True)
class ExportFile:
    """An export ready to be offered for download."""

    name: str
    content: bytes


def export_chat(
    conversation: Conversation,
    selection: str,
    style: CitationStyle,
    kind: Kind,
    build_id: str,
    when: datetime | None = None,
    look: DocumentStyle = "standard",
) -> ExportFile | None:
    """The ticked cards of ``conversation`` as a .docx or Markdown file, None when none is ticked.

    Passages are grouped under their question, cited in ``style``; a .docx is laid out in
    ``look`` (``qa.tools.word_styles``: 常规 or 公文). The build id is that of the index that
    answered (``build_id``, the current index's, when the answers do not say).
    """
    chosen = chosen_turns(conversation, parse_selection(selection))
    if not chosen:
        return None
    when = when or datetime.now()
    sections = [hits_section(turn.question, hits, style) for turn, hits in chosen]
    builds = "；".join(dict.fromkeys(turn.build_id for turn, _ in chosen if turn.build_id)) or build_id
    title = export_title([turn.question for turn, _ in chosen])
    if kind == "docx":
        return ExportFile(file_name("docx", when), to_docx(title, sections, builds, when, look))
    if kind == "md":
        return ExportFile(file_name("md", when), to_markdown(title, sections, builds, when).encode("utf-8"))
    raise ValueError(f"Unknown export format {kind!r}; choose 'docx' or 'md'")


def save(made: ExportFile, folder: Path, keep_seconds: float = KEEP_SECONDS) -> Path:
    """Write ``made`` under its own name into a fresh subfolder of ``folder`` (two exports in one
    minute share a name) and return its path; exports older than ``keep_seconds`` are removed."""
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - keep_seconds
    for old in folder.iterdir():
        if old.is_dir() and old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)
    path = Path(tempfile.mkdtemp(dir=folder)) / made.name
    path.write_bytes(made.content)
    return path
