"""A question that names the kind of document it asks about ("工作报告中…", "通知要求…") is read
for it; a type word that is the topic or part of another word is not."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from qa.ingest.fields import DocumentFields
from qa.passages.cutting import Passage
from qa.retrieve.constraint_index import ConstraintIndex
from qa.retrieve.constraints import read_constraints
from qa.retrieve.doctypes import read_types, type_matches

TODAY = date(2025, 3, 1)


@pytest.mark.parametrize(
    ("question", "types"),
    [
        ("十四届二次会议的常委会工作报告中共收到多少件提案", ("工作报告",)),
        ("张建国在报告中说培训委员多少人次", ("报告",)),
        ("13届5次会议报告里组织委员视察调研多少次", ("报告",)),
        ("王晓晖在省委政协工作会议上的讲话回顾了什么?", ("讲话",)),
        ("通知要求什么时候报送", ("通知",)),
        ("江政协办发〔2023〕21号通知的工作内容是什么", ("通知",)),
        ("关于加强政协协商的意见提出了什么", ("意见",)),
        ("提案工作条例第12条的内容", ("条例",)),
        ("《江城市政协提案工作条例》怎么规定审查期限", ("条例",)),
    ],
)
def test_a_type_that_names_the_document_is_read(question: str, types: tuple[str, ...]) -> None:
    assert read_constraints(question, today=TODAY).named_types == types


@pytest.mark.parametrize(
    "question",
    [
        "提高报告质量",
        "形成调研报告提出的建议",
        "委员的意见建议怎么办理",
        "征求意见中有哪些",
        "习近平总书记重要讲话中指出了什么",
        "党的二十大报告中提出了什么",
        "政协党组向同级党委请示报告有什么要求?",
        "有关部门收到委员的意见后，多久之内要给出回复?",
        "会议通知的时间",
        "用什么办法能让委员更有干劲?",
    ],
)
def test_a_type_word_in_an_ordinary_question_is_no_constraint(question: str) -> None:
    assert read_types(question) == ((), ())
    assert not read_constraints(question, today=TODAY).any


def test_a_report_is_any_report_and_nothing_untyped_is_of_a_type() -> None:
    assert type_matches("工作报告", ("报告",))
    assert not type_matches("报告", ("工作报告",))
    assert not type_matches("通知", ("报告",))
    assert not type_matches("", ("报告",))


def test_in_a_collection_without_types_a_type_word_restricts_nothing() -> None:
    passages = [Passage("a-0", "a.txt", "甲", None, None, (), 1, 1, 0, 5, "通知的内容")]
    index = ConstraintIndex([DocumentFields()], ["甲"], np.zeros(1, dtype=np.int64), passages)
    applied = index.apply(read_constraints("通知要求什么", today=TODAY))
    assert applied.rows is None and not applied.nothing and not applied.note


def test_a_type_every_document_has_is_not_said_to_be_applied() -> None:
    passages = [Passage(f"{n}-0", f"{n}.txt", "讲话", None, None, (), 1, 1, 0, 5, "讲话的内容") for n in "ab"]
    speeches = [DocumentFields(year=2022, doc_type="讲话"), DocumentFields(year=2023, doc_type="讲话")]
    index = ConstraintIndex(speeches, ["讲话", "讲话"], np.arange(2), passages)
    applied = index.apply(read_constraints("2022年的讲话说怎样提高履职能力?", today=TODAY))
    assert applied.rows is not None and list(applied.rows) == [0]
    assert applied.note == "已按2022年的文件检索。"
    assert index.apply(read_constraints("讲话中怎么说团结", today=TODAY)).rows is None
