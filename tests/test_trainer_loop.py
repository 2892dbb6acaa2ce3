"""The trainer's loop in small pieces: question labels, result colours, check messages in feedback, maths as
MathML, the transliteration of Turkish and Bulgarian names, the LMS grade formats and the report's split."""

from __future__ import annotations

import unicodedata

import pytest

from autograder.common import question_label
from autograder.feedback import (
    HIDDEN_FAILED,
    HIDDEN_WITHHELD,
    _message,
    check_results,
    math_to_mathml,
    result_class,
)
from autograder.importer import TRANSLITERATION, safe_id, transliterate


@pytest.mark.parametrize(
    ("grade_id", "label"),
    [
        ("check_q1_value_added", "Q1 value added"),
        ("w1_interpretation", "W1 interpretation"),
        ("q12", "Q12"),
        ("check_lq", "lq"),
    ],
)
def test_question_labels_are_short(grade_id, label):
    assert question_label(grade_id) == label


def test_result_colours_follow_the_score():
    assert result_class(2, 2) == "pass"
    assert result_class(1, 2) == "partial"
    assert result_class(0, 2) == "fail"
    assert result_class(None, 4) == "pending"
    assert result_class(4, 4, pending=True) == "pending"


RECORD_CELLS = {
    "notebooks": {
        "nb": {
            "cells": {
                "check_q1": {"executed": True, "error": None, "auto_score": 2, "max_score": 2},
                "check_q2": {
                    "executed": True,
                    "error": "WrongAnswer: the value-added table is not right: off by 39.0% of the expected size",
                    "auto_score": 0,
                    "max_score": 2,
                },
                "check_q3": {
                    "executed": True,
                    "error": "Unanswered: There is no answer for Q3 yet",
                    "auto_score": 0,
                    "max_score": 2,
                },
                "check_q4": {
                    "executed": False,
                    "error": "NotExecutedError: the kernel died",
                    "auto_score": 0,
                },
                "check_q5": {
                    "executed": True,
                    "error": "NameError: name 'q5' is not defined",
                    "auto_score": 0,
                },
            }
        }
    }
}


def test_check_results_from_a_record_without_checks():
    checks = check_results(RECORD_CELLS, "nb")
    assert [checks[g]["status"] for g in sorted(checks)] == ["pass", "fail", "unanswered", "not_run", "error"]
    assert checks["check_q2"]["message"].endswith("off by 39.0% of the expected size")  # whole, plain words
    assert "the kernel died" in checks["check_q4"]["message"]


def test_check_results_prefer_the_records_checks():
    record = {
        **RECORD_CELLS,
        "checks": {"check_q1": {"score": 0, "max": 2, "status": "fail", "message": "too low"}},
    }
    assert check_results(record, "nb") == {
        "check_q1": {"score": 0, "max": 2, "status": "fail", "message": "too low"}
    }


def test_hidden_check_messages_shown_by_default_withheld_on_request():
    fail = {"status": "fail", "message": "too low by 39.0%"}
    assert _message(fail, [], "", show_hidden=True, hidden_cell=True) == "too low by 39.0%"
    assert _message(fail, [], "", show_hidden=False, hidden_cell=True) == HIDDEN_WITHHELD
    assert _message(fail, [], "", show_hidden=False, hidden_cell=False) == "too low by 39.0%"  # visible check
    literal = {"status": "fail", "message": "SECRET-REFERENCE"}  # a literal of the hidden test code itself
    assert _message(literal, [], 'assert x, "SECRET-REFERENCE"', show_hidden=True, hidden_cell=True) == (
        HIDDEN_FAILED
    )
    assert _message({"status": "pass", "message": "x"}, [], "", show_hidden=True, hidden_cell=True) == ""


def test_maths_become_mathml_outside_code():
    out = math_to_mathml("The multiplier $m_j = \\sum_i L_{ij}$ costs `$5` and\n\n$$A = Z x^{-1}$$\n")
    assert out.count("<math") == 2 and 'display="block"' in out
    assert "`$5`" in out and "$m_j" not in out


# The table (Turkish) and Bulgaria's Transliteration Act, art. 3 (Streamlined System), letter by letter.
TURKISH = {"İ": "I", "ı": "i", "ş": "s", "ğ": "g", "ç": "c", "ö": "o", "ü": "u", "Ş": "S", "Ğ": "G", "Ç": "C"}
BULGARIAN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sht", "ъ": "a", "ь": "y", "ю": "yu", "я": "ya",
}  # fmt: skip


def test_transliteration_table():
    for table in (TURKISH, BULGARIAN):
        for letter, latin in table.items():
            assert transliterate(letter) == latin, letter
            assert TRANSLITERATION.get(letter, latin) == latin
    # the law's own examples and the course's trainees
    assert transliterate("София") == "Sofia"  # -ия at the end of a word -> -ia
    assert transliterate("Щастливец Ъглов") == "Shtastlivets Aglov"
    assert transliterate("Христо Жечев Цветков Чешмеджиев") == "Hristo Zhechev Tsvetkov Cheshmedzhiev"
    assert safe_id("Ayşe Yılmaz") == "ayse-yilmaz"
    assert safe_id("İbrahim Çelik") == "ibrahim-celik"
    assert safe_id("Gülşen Öztürk") == "gulsen-ozturk"
    assert safe_id(unicodedata.normalize("NFD", "İbrahim Çelik")) == "ibrahim-celik"  # decomposed input too
