"""What the chat page does, without Gradio: answer a question in a conversation, rate an answer.

The Gradio wiring in ``qa.ui.app`` only calls these methods, so they are tested directly.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection
from dataclasses import asdict, replace
from typing import Any

import numpy as np

from qa.retrieve.glance import glance as find_glance
from qa.retrieve.hit import Answer, Hit
from qa.retrieve.live import LiveRetriever
from qa.retrieve.query import MAX_QUERY_CHARS, clean_query
from qa.retrieve.retriever import Retriever
from qa.text.tokens import longest_terms
from qa.tools.rebuild import reason_zh
from qa.ui import glance, reader, render
from qa.ui.chat.conversation import Conversation, Message, Query, Turn, build_query, topic_words
from qa.ui.chat.feedback import FeedbackLog, FeedbackRecord
from qa.ui.chat.filters import Filters
from qa.ui.citation import CitationStyle, chinese_date

log = logging.getLogger(__name__)

MAX_K = 10
MAX_LISTED_DOCUMENTS = 200  # the side panel lists this many; the filter still offers all
DEFAULT_K = 3
ASK_ALONE = "只按本问题检索"  # the option under a follow-up's answer: ``ask_alone``
UNCONSTRAINED = "不按限定，在全部文件中检索"  # the option under a constrained answer: ``unconstrained``
# With a document filter, the best passage in it should be among this many of the whole
# collection; when it is not, the chosen documents barely touch the question.
FILTER_RANK = 5
EXAMPLES = (
    "政协委员怎样提高履职能力？",
    "如何加强政协党的建设？",
    "怎样提高协商议政质量？",
    "“懂政协、会协商、善议政”指的是什么？",
    "政协如何开展民主监督？",
    "如何做好全会筹备工作？",
)


class ChatService:
    """Answers questions over one index (following its rebuilds) and records ratings in one log."""

    def __init__(self, retriever: Retriever | LiveRetriever, feedback: FeedbackLog) -> None:
        self.live = retriever if isinstance(retriever, LiveRetriever) else LiveRetriever(retriever)
        self.feedback = feedback

    @property
    def retriever(self) -> Retriever:
        """The retriever of the newest index; take it once per request."""
        return self.live.current()

    def warm_up(self) -> None:
        """Run one search so the model and tokenizer are loaded before the first user waits."""
        self.retriever.search(EXAMPLES[0], k=1)

    # -- searching -----------------------------------------------------------------------

    @staticmethod
    def _check(retriever: Retriever, k: float | int, sources: list[str] | None) -> tuple[int, list[str]]:
        k = int(k)
        if not 1 <= k <= MAX_K:
            raise ValueError(f"k must be between 1 and {MAX_K}, got {k}")
        chosen = list(dict.fromkeys(sources or []))
        retriever.index.rows_of_sources(chosen)  # raises ValueError for an unknown file
        return k, chosen

    def find(
        self,
        question: str,
        topic: str | None,
        k: int,
        sources: list[str],
        shown: Collection[str] = (),
        retriever: Retriever | None = None,
        standalone: bool = False,
        filters: Filters | None = None,
    ) -> tuple[Query, Answer]:
        """The query for ``question`` in its conversation and the best ``k`` hits for it (or why none).

        A follow-up asks for more than was already said: passages in ``shown`` come after
        the new ones (they stay in the answer when there are not enough new ones).
        ``standalone`` searches ``question`` alone, never as a follow-up of ``topic``.
        """
        retriever = retriever or self.retriever
        lexical = retriever.index.lexical
        lean_on = None if standalone else topic
        query = build_query(clean_query(question), lean_on, lexical.tokenizer.words, lexical.knows)
        extra = len(shown) if query.follow_up else 0
        found = retriever.answer(
            query.text,
            k=min(k + extra, MAX_K * 3),
            sources=sources or None,
            **(filters or Filters()).search(),
        )
        if extra:
            found = replace(found, hits=sorted(found.hits, key=lambda h: h.passage_id in shown)[:k])
        return query, found

    def cards(
        self,
        hits: list[Hit],
        shown: Collection[str] = (),
        retriever: Retriever | None = None,
        style: CitationStyle = "plain",
    ) -> list[str]:
        """One HTML card per hit, with its neighbouring passages as context and a citation in ``style``."""
        retriever = retriever or self.retriever
        out = []
        for rank, hit in enumerate(hits, 1):
            before, after = retriever.neighbours(hit.passage_id)
            out.append(render.card(rank, hit, before, after, hit.passage_id in shown, style))
        return out

    # -- the chat ------------------------------------------------------------------------

    def respond(
        self,
        question: str,
        k: float | int,
        sources: list[str] | None,
        conversation: Conversation,
        standalone: bool = False,
        style: CitationStyle = "plain",
        newest_first: bool = False,
        filters: Filters | None = None,
    ) -> Conversation:
        """Append ``question`` and its answer to ``conversation``; raises ``ValueError`` for bad input.

        ``standalone`` answers ``question`` as a new question even if it reads as a follow-up;
        ``style`` is the cards' citation style (``qa.ui.citation``); ``newest_first`` orders the
        cards by date (``qa.ui.glance.newest_first``). The answer at a glance opens the answer.
        """
        cleaned = clean_query(question)  # refuses a bad question first; cut to MAX_QUERY_CHARS
        retriever = self.retriever  # one index for the whole answer, even if a rebuild lands now
        k, chosen = self._check(retriever, k, sources)
        shown = conversation.shown_passages()
        query, found = self.find(
            cleaned, conversation.topic, k, chosen, shown, retriever, standalone, filters
        )
        at_a_glance = glance.glance_html(find_glance(retriever, query.text, found.hits))
        hits = glance.newest_first(found.hits) if newest_first else found.hits
        notes = []
        if len(question.strip()) > MAX_QUERY_CHARS:
            notes.append(f"问题过长，只按前{MAX_QUERY_CHARS}个字检索。")
        if found.corrected:
            notes.append(f"疑有错字，已按“{found.corrected}”检索。")
        if found.note:
            drop = f"（若不需要，请点回答下方的“{UNCONSTRAINED}”）" if found.applied else ""
            notes.append(found.note + drop)
        if query.follow_up:
            notes.append(f"结合上一个问题理解为：{query.text}（若不是此意，请点回答下方的“{ASK_ALONE}”）")
        elif standalone and conversation.topic:
            notes.append("只按本问题检索，未结合上一个问题。")
        if chosen:
            titles = "、".join(f"《{d.title}》" for d in retriever.index.documents if d.source in chosen)
            notes.append(f"只在 {titles} 中检索。")
            if hits and not self.among_the_best(retriever, query.text, hits[0]):
                notes.append(render.FEW_IN_FILTER.format(rank=FILTER_RANK))
        reply: Message = {
            "role": "assistant",
            "content": render.answer(
                self.cards(hits, shown, retriever, style),
                " ".join(notes),
                found.message or render.NO_RESULT,
                filtered=bool(chosen),
                question=cleaned,
                glance=at_a_glance,
            ),
        }
        options = [ASK_ALONE] if query.follow_up else []
        options += [UNCONSTRAINED] if found.applied else []
        if options:
            reply["options"] = [{"label": option, "value": option} for option in options]
        messages = [*conversation.messages, {"role": "user", "content": render.user_message(cleaned)}, reply]
        ids = tuple(h.passage_id for h in hits)
        turn = Turn(
            cleaned,
            query.text,
            ids,
            k,
            tuple(chosen),
            retriever.index.build_id,
            query.follow_up,
            tuple(hits),
            found.applied,
        )
        # A follow-up leans on the newest question that named a topic, answered or not ("红烧肉怎么做?"
        # then "那具体要怎么做?" must not reach back past it); one that names none keeps the topic.
        words = retriever.index.lexical.tokenizer.words(cleaned)
        names_topic = not query.follow_up and bool(topic_words(words))
        return Conversation(
            messages=messages,
            topic=query.topic if hits or names_topic else conversation.topic,
            turns={**conversation.turns, len(messages) - 1: turn},
        )

    @staticmethod
    def among_the_best(retriever: Retriever, query: str, hit: Hit) -> bool:
        """Whether ``hit`` (found within a document filter) is among the collection's ``FILTER_RANK`` best."""
        ranking = retriever.rank(query)
        best = ranking.ids[np.argsort(-ranking.fused, kind="stable")[:FILTER_RANK]]
        return hit.passage_id in {retriever.passages[int(row)].passage_id for row in best}

    def ask_alone(
        self, conversation: Conversation, style: CitationStyle = "plain", newest_first: bool = False
    ) -> Conversation:
        """Answer the newest question again on its own, in place of its answer as a follow-up.

        Uses the question's own ``k`` and document filter; ``conversation`` is returned
        unchanged when its newest answer was not a follow-up. Raises ``ValueError`` when a
        filtered document is no longer indexed.
        """
        turn = conversation.last_follow_up()
        if turn is None:
            return conversation
        before = conversation.before_last_answer()
        return self.respond(
            turn.question,
            turn.k,
            list(turn.sources),
            before,
            standalone=True,
            style=style,
            newest_first=newest_first,
        )

    def unconstrained(
        self, conversation: Conversation, style: CitationStyle = "plain", newest_first: bool = False
    ) -> Conversation:
        """Answer the newest question again without the constraints read from it ("2024年"), in
        place of its answer; ``conversation`` is returned unchanged when its newest answer had none."""
        turn = conversation.last_constrained()
        if turn is None:
            return conversation
        before = conversation.before_last_answer()
        return self.respond(
            turn.question,
            turn.k,
            list(turn.sources),
            before,
            standalone=not turn.follow_up,
            style=style,
            newest_first=newest_first,
            filters=Filters(constraints=False),
        )

    def rate(self, conversation: Conversation, message_index: int, rating: str) -> bool:
        """Record a rating of the answer at ``message_index``; False when there is no such answer."""
        turn = conversation.turns.get(message_index)
        if turn is None:
            log.warning("Rating for message %s, which is not an answer; ignored", message_index)
            return False
        self.feedback.append(FeedbackRecord.of(turn, rating, turn.build_id or self.retriever.index.build_id))
        return True

    # -- the API -------------------------------------------------------------------------

    def api_search(
        self,
        question: str,
        k: int = DEFAULT_K,
        documents: list[str] | None = None,
        previous: str | None = None,
        newest_first: bool = False,
        filters: Filters | None = None,
    ) -> dict[str, Any]:
        """Structured search result: every passage with its full attribution, and the answer at a
        glance (its sentences with their passages and citations), as JSON."""
        retriever = self.retriever
        k, chosen = self._check(retriever, k, documents)
        topic = clean_query(previous) if previous else None
        query, found = self.find(question, topic, k, chosen, retriever=retriever, filters=filters)
        sentences = find_glance(retriever, query.text, found.hits)
        hits = glance.newest_first(found.hits) if newest_first else found.hits
        return {
            "question": question,
            "query": query.text,
            "follow_up": query.follow_up,
            "corrected": found.corrected,
            "applied": found.applied,
            "note": found.note,
            "build_id": retriever.index.build_id,
            "message": "" if hits else found.message or render.NO_RESULT,
            "few_in_filter": bool(
                chosen and hits and not self.among_the_best(retriever, query.text, hits[0])
            ),
            "glance": [
                {"text": s.text, "passage_id": s.hit.passage_id, "line": line}
                for s, line in zip(sentences, glance.glance_text(sentences), strict=True)
            ],
            "passages": [
                {
                    "rank": rank,
                    **asdict(hit),
                    "reliability": hit.reliability.to_json(),
                    "attribution": render.attribution(hit),
                    "citation": render.citation(hit),
                    "citation_gbt7714": render.citation(hit, "gbt7714"),
                }
                for rank, hit in enumerate(hits, 1)
            ],
        }

    # -- the side panel ------------------------------------------------------------------

    def document_choices(self) -> list[tuple[str, str]]:
        """(label, file name) of every indexed document, for the filter."""
        documents = self.retriever.index.documents
        labels = [f"《{d.title}》{f'（{chinese_date(d.date)}）' if d.date else ''}" for d in documents]
        repeated = {label for label, count in Counter(labels).items() if count > 1}
        return [
            (f"{label} · {d.source}" if label in repeated else label, d.source)
            for label, d in zip(labels, documents, strict=True)
        ]

    def documents_html(self) -> str:
        """The indexed documents and how the index was built, as an escaped HTML table."""
        index = self.retriever.index
        rows = "".join(
            f"<tr><td>{render.escape(d.title)}</td><td>{render.escape(chinese_date(d.date) or '—')}</td>"
            f"<td>{d.passages}</td></tr>"
            for d in index.documents[:MAX_LISTED_DOCUMENTS]
        )
        if len(index.documents) > MAX_LISTED_DOCUMENTS:
            rest = len(index.documents) - MAX_LISTED_DOCUMENTS
            rows += f'<tr><td colspan="3">……其余 {rest} 篇未列出</td></tr>'

        manifest = index.manifest
        built = render.escape(str(manifest["created"]).replace("T", " ")[:16])
        return (
            '<table class="qa-docs"><thead><tr><th>标题</th><th>日期</th><th>段落</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
            f'<p class="qa-index-info">共 {len(index.documents)} 篇、{len(index.passages)} 段 · '
            f"索引构建于 {built} · 模型 {render.escape(manifest['model']['name'])}</p>"
            + skipped_html(manifest.get("skipped", {}))
        )

    # -- the reader ----------------------------------------------------------------------

    def document_view(self, passage_id: str, question: str = "") -> str:
        """The whole document of ``passage_id`` as the reader's HTML: the passage highlighted,
        ``question``'s words marked; a short notice when the index no longer has the passage."""
        index = self.retriever.index
        row = index.row_of(passage_id)
        if row is None:
            return reader.missing()
        rows = index.rows_of_document(index.passages[row].source)
        terms = longest_terms(index.lexical.tokenizer.words(question)) if question.strip() else []
        marks = [index.reliability(r) for r in rows]
        return reader.document([index.passages[r] for r in rows], passage_id, terms, marks)


def skipped_html(skipped: dict[str, str]) -> str:
    """How many files the index could not read, with each one's name and reason one click away
    (a ``<details>`` list), so an answer never hides that part of the archive was skipped."""
    if not skipped:
        return ""
    items = "".join(
        f"<li><b>{render.escape(name)}</b>：{render.escape(reason_zh(reason))}</li>"
        for name, reason in list(skipped.items())[:MAX_LISTED_DOCUMENTS]
    )
    if len(skipped) > MAX_LISTED_DOCUMENTS:
        rest = len(skipped) - MAX_LISTED_DOCUMENTS
        items += f"<li>……其余 {rest} 个未列出（“文档管理”页可查看全部）</li>"
    return (
        f'<details class="qa-skipped"><summary>另有 {len(skipped)} 个文件未能读取，未进入问答（点击查看原因）'
        f"</summary><ul>{items}</ul></details>"
    )


def question_for(conversation: Conversation, passage_id: str, answer: int | None = None) -> str:
    """What was searched when ``passage_id`` was shown: in the ``answer``-th answer (counted from 0)
    when it is there, else in the latest answer that showed it ("" when none did)."""
    turns = [conversation.turns[i] for i in sorted(conversation.turns)]
    if answer is not None and 0 <= answer < len(turns) and passage_id in turns[answer].passage_ids:
        return turns[answer].query
    return next((t.query for t in reversed(turns) if passage_id in t.passage_ids), "")
