"""Hybrid retrieval: BM25 and dense candidates, fused, gated for relevance, as ``Hit`` records."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np

from qa.errors import StaleIndexError
from qa.index.load import LoadedIndex, load_index, stale_reasons
from qa.index.location import Location, as_location
from qa.index.maxscore import LexicalScores, ScoreArray
from qa.ingest.fields import DocumentFields, document_fields
from qa.model.embedder import Embedder
from qa.passages.cutting import Passage, sentences_of
from qa.retrieve import gate as relevance
from qa.retrieve.browse import Browsing
from qa.retrieve.candidates import find_candidates, start_dense
from qa.retrieve.constraint_index import Applied, ConstraintIndex
from qa.retrieve.constraints import Constraints, read_constraints, without_spans
from qa.retrieve.feedback import Feedback
from qa.retrieve.hit import NO_ANSWER, Answer, Hit, Ranking, section_paragraph
from qa.retrieve.loading import load_embedder_for
from qa.retrieve.phrases import phrase_holders, with_dense_holders
from qa.retrieve.quantity import figure_bonus
from qa.retrieve.query import clean_query, question_text
from qa.retrieve.ranker import (
    Candidates,
    FusionSettings,
    IndexFeatures,
    Ranker,
    default_ranker,
    fuse,
    ranker_identity,
)
from qa.retrieve.rerank import Reranker, default_reranker
from qa.retrieve.vague import TOO_VAGUE, too_vague
from qa.text.normalise import match_form, question_for_model
from qa.text.tokens import near_duplicate, occurs_as_word, quoted_phrases, shingles

log = logging.getLogger(__name__)

Mode = Literal["hybrid", "lexical", "dense"]
_DUPLICATE_WINDOW = 50
# "最新"/"最近一次": how much the newest document's passages gain over the oldest's (fused units;
# near-identical passages of annual documents differ by far less, unrelated ones by more).
_NEWEST_WEIGHT = 0.3


class Retriever(Browsing):
    """Searches one index (a folder or a database) with its embedding model."""

    def __init__(
        self,
        index_dir: Location,
        embedder: Embedder | None = None,
        fusion: FusionSettings | None = None,
        seeds: Path | str | None = None,
        gate: relevance.GateSettings | None = None,
        ranker: Ranker | None = None,
        feedback: Feedback | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        index_dir = as_location(index_dir)  # a folder, or a database URL (``--store``)
        if seeds is not None:
            reasons = stale_reasons(index_dir, Path(seeds))
            if reasons:
                raise StaleIndexError(
                    f"Index at {index_dir} is out of date ({'; '.join(reasons[:5])}); run `qa build`."
                )
        self.embedder = embedder or load_embedder_for(index_dir)
        self.index: LoadedIndex = load_index(index_dir, self.embedder.fingerprint)
        self.fusion = fusion or FusionSettings()
        self.gate = gate or relevance.GateSettings()
        self.ranker, self.feedback = ranker or default_ranker(), feedback  # learned ranking, feedback
        self.reranker = reranker or default_reranker()  # the cross-encoder's pass (``qa.retrieve.rerank``)
        self.features = IndexFeatures(self.index)
        self.recorded: list[tuple[np.ndarray, np.ndarray]] | None = None  # features kept for training
        recorded = self.index.manifest.get("gate_background") or {}  # another gate's is measured again:
        fresh = recorded.get("version") == relevance.GATE_VERSION  # once per load, about a second;
        fresh &= self.index.manifest.get("ranker", "") == ranker_identity(self.ranker)  # so another ranker's
        self.background = relevance.Background(**recorded) if fresh else self.measure_background()
        self._shingles: dict[int, frozenset[str]] = {}  # passage row -> shingles, filled on demand

    @property
    def passages(self) -> Sequence[Passage]:
        """The indexed passages, in vector-id order (read from disk on demand)."""
        return self.index.passages

    def rank(
        self,
        query: str,
        mode: Mode = "hybrid",
        sources: list[str] | None = None,
        rows: np.ndarray | None = None,
        forced: bool = False,
    ) -> Ranking:
        """Score candidates for ``query`` with one ranker; ``sources`` restricts them to those files,
        ``rows`` to those passages (a constraint's, ``qa.retrieve.constraints``).

        Quoted phrases are requirements: only passages containing every one are candidates (when
        many do, those BM25 ranks best and the dense search's: ``qa.retrieve.phrases``), and when
        one is there, the question is answered whatever the gate says; so is a
        question ``forced`` (one that names an article or a 文号 and little else).
        """
        text = question_text(query)
        index = self.index
        corrected = index.lexical.transposition_fix(text) or ""
        text = corrected or text
        allowed = index.rows_of_sources(sources) if sources else None
        if rows is not None:
            allowed = rows if allowed is None else np.intersect1d(allowed, rows)
        in_filter = np.ones(len(index.passages), dtype=bool)
        if allowed is not None:
            in_filter[:] = False
            in_filter[allowed] = True
        asked = question_for_model(text)
        searching = start_dense(index, lambda: self.embedder.encode_queries([asked]), allowed, in_filter)
        lexical_all: LexicalScores = index.lexical.ranked(text, in_filter)
        phrases = tuple(quoted_phrases(text))
        holders = phrase_holders(index, phrases, in_filter, lexical_all) if phrases else None
        required = None if holders is None else holders.rows
        if holders is not None and len(holders.rows) == 0:
            missing = tuple(p for p in phrases if not len(phrase_holders(index, [p], in_filter).rows))
            return Ranking.empty(missing or phrases, corrected)
        if holders is not None and not holders.complete:
            required = with_dense_holders(index, holders, phrases, searching.result())
        scored = find_candidates(index, searching, lexical_all, in_filter, required)
        q = question = searching.result()[0]
        if scored is None:  # a filter whose documents have no passages
            return Ranking.empty(corrected=corrected)
        ids, passage_cos, sentence_cos = scored
        lexical = lexical_all.at(ids)
        fused, dense = fuse(self.fusion, mode, lexical, passage_cos, sentence_cos)
        first_dense = dense
        if mode == "hybrid" and self.feedback is not None:
            top = ids[np.argsort(-fused, kind="stable")]
            q, expanded = self.feedback.expand(index, q, lexical_all.full(), top, in_filter)
            lexical_all = ScoreArray(expanded)
            expanded_q = q
            searching = start_dense(index, lambda: expanded_q, allowed, in_filter)
            again = find_candidates(index, searching, lexical_all, in_filter, required)
            ids, passage_cos, sentence_cos = again or scored
            lexical = lexical_all.at(ids)
            fused, dense = fuse(self.fusion, mode, lexical, passage_cos, sentence_cos)
        words = index.lexical.tokenizer.words(text)
        if mode == "hybrid" and (self.ranker is not None or self.recorded is not None):
            candidates = Candidates(ids, lexical, passage_cos, sentence_cos, fused)
            top, matrix = self.features(candidates, text, words)
            if self.recorded is not None:
                self.recorded.append((ids[top], matrix))
            fused = fused if self.ranker is None else self.ranker.rerank(fused, top, matrix)
        # Asking and function words alone ("那具体要怎么做?") name no topic, though e5 finds passages.
        best = ids[np.argsort(-fused, kind="stable")[: self.gate.passages]]
        covered = self.coverage(words, best, titled=rows is not None)
        everyday = relevance.everyday_closeness(question[0], self.probe_vectors)
        reading = relevance.Reading(covered, float(first_dense.max()), everyday)
        answered = bool(words) and relevance.is_relevant(reading, self.background, self.gate, mode)
        relevant = answered or forced or required is not None
        if mode == "hybrid" and self.reranker is not None:  # after the gate, which reads the fusion's order
            fused = self.reranker(fused, ids, index, question[0], text)
        return Ranking(ids, fused, lexical, dense, relevant, covered, everyday, (), corrected)

    def measure_background(self) -> relevance.Background:
        """This collection's background for the gate: how close the probe questions come to it.

        ``qa build`` records it in the manifest; an index built before that measures it on load.
        """
        self.background = relevance.Background(1.0, 1.0, 1.0)  # nothing passes while measuring
        rankings = [self.rank(question) for question in relevance.probe_questions()]
        return relevance.Background.of([relevance.reading_of(r) for r in rankings])

    @cached_property
    def probe_vectors(self) -> np.ndarray:
        """The e5 vectors of the probe questions, the gate's everyday questions (encoded on first use)."""
        errands = relevance.probe_questions(relevance.ERRANDS) if self.gate.errands else []
        questions = relevance.probe_questions() + errands
        return self.embedder.encode_queries([question_for_model(q) for q in questions])

    def coverage(self, words: Sequence[str], rows: Iterable[int], titled: bool = False) -> float:
        """The gate's coverage of the question ``words`` by the passages ``rows`` (``qa.retrieve.gate``);
        ``titled``: by their documents' titles too (the words of a question that name its document)."""
        lexical = self.index.lexical
        frequencies = lexical.document_frequencies(words)
        weights = relevance.topic_weights(words, frequencies.__getitem__, lexical.size, self.gate)
        passages = self.index.passages.fetch(rows)
        return relevance.coverage(
            weights, (" ".join([p.doc_title if titled else "", *p.section_path, p.text]) for p in passages)
        )

    @cached_property
    def fields(self) -> ConstraintIndex:
        """The documents' fields and the passages' articles, for constraints (made on first use)."""
        index = self.index
        documents = index.manifest["documents"].values()
        found = [
            DocumentFields.from_json(info["fields"])
            if "fields" in info
            else document_fields(info["title"], info.get("date"), info.get("metadata") or {})
            for info in documents
        ]
        titles = [info["title"] for info in documents]
        # A year's token ("2024") is in the postings of the texts and, when indexed, their headings.
        indexed = index.manifest.get("chunking", {}).get("headings_in_index", False)
        year_rows = (lambda year: index.lexical.rows_with(str(year))) if indexed else None
        return ConstraintIndex(
            found, titles, index.passage_docs, index.passages, year_rows, places=lambda: index.places
        )

    def constrain(
        self,
        query: str,
        years: tuple[int, int] | int | None = None,
        types: Sequence[str] | None = None,
        speakers: Sequence[str] | None = None,
        read_question: bool = True,
        today: date | None = None,
    ) -> Applied:
        """The constraints the question states (unless not ``read_question``) and the filters given,
        as the passages they allow (``qa.retrieve.constraints``)."""
        asked = read_constraints(question_text(query), self.fields.speakers, today) if read_question else None
        span = (years, years) if isinstance(years, int) else years
        given = Constraints(span, speakers=tuple(speakers or ()), types=tuple(types or ()), filtered=True)
        return self.fields.apply((asked if asked is not None else Constraints()).merged(given))

    def best_sentences(self, query: str, passage_row: int, limit: int = 2) -> tuple[str, ...]:
        """The passage's sentences closest in meaning to ``query``, best first."""
        rows = self.index.sentence_rows(passage_row)
        if not rows:
            return ()
        q = self.embedder.encode_queries([question_for_model(clean_query(query))])[0]
        vectors = self.index.sentences.vectors(np.arange(rows.start, rows.stop)) @ q
        texts = sentences_of(self.index.passages[passage_row].text)
        order = np.argsort(-vectors, kind="stable")[:limit]
        return tuple(texts[i] for i in order if i < len(texts))

    def search(
        self, query: str, k: int = 5, mode: Mode = "hybrid", sources: list[str] | None = None, **filters: Any
    ) -> list[Hit]:
        """The best ``k`` passages for ``query``, best first; empty when nothing is relevant (``answer``,
        whose filters ``years=(2020, 2024)``, ``types=``, ``speakers=``, ``constraints=`` it takes)."""
        return self.answer(query, k, mode, sources, **filters).hits

    def answer(
        self,
        query: str,
        k: int = 5,
        mode: Mode = "hybrid",
        sources: list[str] | None = None,
        years: tuple[int, int] | int | None = None,
        types: Sequence[str] | None = None,
        speakers: Sequence[str] | None = None,
        constraints: bool = True,
        today: date | None = None,
    ) -> Answer:
        """The best ``k`` passages for ``query``, best first, or none and the reason.

        ``sources`` restricts the search to those files (names as in ``Hit.source``); ``years``
        (a year or an inclusive range), ``types`` (``qa.ingest.fields.DOCUMENT_TYPES``) and
        ``speakers`` to documents of those. With ``constraints`` the year, session, speaker,
        文号 or article the question names restricts it too (``qa.retrieve.constraints``; the
        answer's ``applied`` says which), and "最新"/"最近一次" puts the newest documents first.
        A passage that repeats one already chosen (the same or a near-identical formulation) is
        not shown again; its document is listed in the chosen hit's ``also_in``.
        """
        clean_query(query)  # a bad question is refused before anything else (``QuestionError``)
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        ranking, applied = self.ranked(query, mode, sources, years, types, speakers, constraints, today)
        asked = applied.constraints
        if applied.nothing:
            return Answer([], applied.nothing, applied=asked.describe())
        found = self._answer(query, k, ranking, named=applied.rows is not None and bool(asked))
        note = applied.note or ("已按日期从新到旧排列。" if asked.newest_first else "")
        return replace(found, applied=asked.describe() if applied.rows is not None else "", note=note)

    def ranked(
        self,
        query: str,
        mode: Mode = "hybrid",
        sources: list[str] | None = None,
        years: tuple[int, int] | int | None = None,
        types: Sequence[str] | None = None,
        speakers: Sequence[str] | None = None,
        constraints: bool = True,
        today: date | None = None,
    ) -> tuple[Ranking, Applied]:
        """``rank`` within what the question and the filters allow (see ``answer``), and what was applied."""
        applied = self.constrain(query, years, types, speakers, constraints, today)
        asked = applied.constraints
        if applied.nothing:
            empty = np.zeros(0)
            return Ranking(np.zeros(0, dtype=np.int64), empty, empty, empty, False), applied
        if applied.rows is not None and bool(asked):
            searched = without_spans(question_text(query), asked)
            plain = not self.index.lexical.tokenizer.words(searched)
            forced = plain or bool(asked.articles or asked.doc_numbers)
            ranking = self.rank(searched, mode, sources, applied.rows, forced)
            bonus = figure_bonus(searched, ranking.ids, self.index, self.gate)  # "收到提案多少件"
            ranking = replace(ranking, fused=ranking.fused + bonus)
        else:
            ranking = self.rank(query, mode, sources, applied.rows)
        if asked.newest_first and len(ranking.ids):
            newer = _NEWEST_WEIGHT * self.fields.recency()[ranking.ids]
            ranking = replace(ranking, fused=ranking.fused + newer)
        return ranking, applied

    def _answer(self, query: str, k: int, ranking: Ranking, named: bool = False) -> Answer:
        """The hits of ``ranking`` (see ``answer``); ``named``: the question names its documents."""
        if ranking.missing_phrases:
            quoted = "和".join(f"“{phrase}”" for phrase in ranking.missing_phrases)
            together = "同时" if len(ranking.missing_phrases) > 1 else ""
            return Answer([], f"没有段落{together}包含{quoted}。", ranking.corrected)
        asked = ranking.corrected or question_text(query)
        asked_words = self.index.lexical.tokenizer.words(asked)
        if not named and not quoted_phrases(asked) and too_vague(asked_words, self.index.lexical):
            return Answer([], TOO_VAGUE, ranking.corrected)
        if not ranking.relevant:
            return Answer([], NO_ANSWER, ranking.corrected)
        words = sorted(set(asked_words), key=len, reverse=True)
        dense_top = set(ranking.ids[np.argsort(-ranking.dense)][:k].tolist())
        hits: list[Hit] = []
        chosen: list[frozenset[str]] = []
        # Repeats of a chosen passage score like it, so they are among the next few candidates.
        window = np.argsort(-ranking.fused, kind="stable")[: max(_DUPLICATE_WINDOW, 3 * k)]
        self.index.read_ahead(ranking.ids[window])
        self.index.read_documents_ahead(ranking.ids[window[:k]])  # the hits' missing-words check
        for position in window:
            row = int(ranking.ids[position])
            passage = self.index.passages[row]
            passage_shingles = self._shingles.get(row) or self._shingles.setdefault(
                row, shingles(passage.text)
            )
            twin = next((i for i, s in enumerate(chosen) if near_duplicate(s, passage_shingles)), None)
            if twin is not None:
                hits[twin] = _with_also(hits[twin], passage.doc_title)
                continue
            if len(hits) == k:
                continue  # still scanning: a lower candidate may repeat a chosen passage
            key = match_form(passage.text)
            # Never a lone character or digit; only where the passage has it as a word (not 市政 in 市政府).
            found = [w for w in words if len(w) > 1 and w in key]
            bounds = self.index.lexical.tokenizer.word_bounds(key, near=found) if found else frozenset()
            matched = tuple(w for w in found if occurs_as_word(w, key, bounds))
            by_meaning = row in dense_top
            found_by: Literal["words", "meaning", "both"] = (
                "both" if matched and by_meaning else ("words" if matched else "meaning")
            )
            chosen.append(passage_shingles)
            marks = self.index.reliability(row)
            hits.append(
                Hit.from_passage(
                    passage,
                    score=round(float(ranking.fused[position]), 4),
                    matched_terms=matched,
                    lexical_score=round(float(ranking.lexical[position]), 4),
                    dense_score=round(float(ranking.dense[position]), 4),
                    found_by=found_by,
                    best_sentences=self.best_sentences(asked, row),
                    suspected_gaps=marks.suspected_gaps,
                    damaged=marks.damaged,
                    section_paragraph=section_paragraph(self.index.passages, row),
                    speaker=self.fields.fields[int(self.index.passage_docs[row])].speaker,
                    authority=self.fields.fields[int(self.index.passage_docs[row])].authority,
                )
            )
        return Answer(hits, corrected=ranking.corrected)


def _with_also(hit: Hit, title: str) -> Hit:
    if title == hit.doc_title or title in hit.also_in:
        return hit
    return replace(hit, also_in=(*hit.also_in, title))
