"""The trainer's loop in small pieces: question labels, result colours, check messages in feedback, maths as
MathML, the transliteration of Turkish and Bulgarian names, the LMS grade formats and the report's split."""

from __future__ import annotations

import unicodedata
from pathlib import Path

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

ROOT = Path(__file__).resolve().parents[1]


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


def test_report_counts_pending_answers_as_pending_not_zero():
    import numpy as np
    import pandas as pd

    from autograder.report import item_statistics

    scores = pd.DataFrame(
        {"a/n/check_q1": [2, 2, 0, 1], "a/n/w1": [np.nan, 3, np.nan, 1]}, index=list("vwxy"), dtype=float
    )
    pending = pd.DataFrame(
        {"a/n/check_q1": [False] * 4, "a/n/w1": [True, False, True, False]}, index=list("vwxy")
    )
    maxima = pd.Series({"a/n/check_q1": 2.0, "a/n/w1": 4.0})
    stats = item_statistics(scores, maxima, pending)
    assert stats.loc["a/n/w1", "pending"] == 2 and stats.loc["a/n/w1", "graded"] == 2
    assert stats.loc["a/n/w1", "facility"] == pytest.approx((3 + 1) / 2 / 4)  # the two graded answers only
    assert stats.loc["a/n/check_q1", "pending"] == 0
    assert stats.loc["a/n/check_q1", "facility"] == pytest.approx(5 / 4 / 2)


PEOPLE = {"ayse-yilmaz": {"name": "Ayşe Yılmaz", "email": "ayse@example.org", "idnumber": "TR-17"}}
ROWS = [{"trainee": "ayse-yilmaz", "ex2": 12.0, "total": 12.0, "max_total": 20.0, "pending": 4.0}]


def test_moodle_grade_import_layout():
    """Moodle's CSV grade import (Grades > Import > CSV file) reads the layout of Moodle's own "Plain text file"
    grade export: user fields First name, Last name, ID number, Email address, then one column per grade item
    named "Assignment: <name> (Real)"; a user column is mapped to the user field in the import form."""
    from autograder.export import moodle_csv

    lines = moodle_csv(["ex2"], ROWS, PEOPLE).splitlines()
    assert lines[0] == "First name,Last name,ID number,Email address,Assignment: ex2 (Real)"
    assert lines[1] == "Ayşe,Yılmaz,TR-17,ayse@example.org,12.0"


def test_canvas_gradebook_import_layout():
    """Canvas's Gradebook import needs the columns Student, ID, SIS User ID, SIS Login ID and Section before the
    assignment columns (a new name creates an assignment); Canvas's own export has "Points Possible" as row 2."""
    from autograder.export import canvas_csv

    lines = canvas_csv(["ex2"], ROWS, {"ex2": 20.0}, PEOPLE).splitlines()
    assert lines[0] == "Student,ID,SIS User ID,SIS Login ID,Section,ex2"
    assert lines[1] == "Points Possible,,,,,20.0"
    assert lines[2] == '"Yılmaz, Ayşe",,,ayse@example.org,,12.0'


def test_moodle_feedback_zip_names(tmp_path):
    """Moodle's "Upload multiple feedback files in a zip" (mod/assign/feedback/file/importziplib.php,
    is_valid_filename_for_import) splits the path at "_" into at most 5 parts: full name, participant number
    (numeric), plugin type "assignsubmission", plugin "file", then the file: the layout of "Download all
    submissions"."""
    import zipfile

    from autograder.export import moodle_feedback_zip

    page = tmp_path / "feedback" / "ayse-yilmaz" / "ex2" / "ex2.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html></html>")
    (tmp_path / "feedback" / "no-moodle" / "ex2").mkdir(parents=True)
    (tmp_path / "feedback" / "no-moodle" / "ex2" / "ex2.html").write_text("<html></html>")
    people = {"ayse-yilmaz": {**PEOPLE["ayse-yilmaz"], "moodle_participant": "1001"}}
    data, missing = moodle_feedback_zip(tmp_path, "ex2", people)
    names = zipfile.ZipFile(__import__("io").BytesIO(data)).namelist()
    assert names == ["Ayşe Yılmaz_1001_assignsubmission_file_/ex2.html"]
    assert missing == ["no-moodle"]
    full, number, plugin, kind, rest = names[0].split("_", 4)
    assert (full, number, plugin, kind, rest) == (
        "Ayşe Yılmaz",
        "1001",
        "assignsubmission",
        "file",
        "/ex2.html",
    )


def test_grading_toml_chooses_check_messages_per_assignment(tmp_path):
    from autograder.common import UsageError, load_settings

    (tmp_path / "grading.toml").write_text("[feedback.ex5-field-project]\ncheck_messages = false\n")
    settings = load_settings(tmp_path)
    assert settings.check_messages == {"ex5-field-project": False}
    assert settings.check_messages.get("ex2-clean-energy-value-chain", True) is True  # default: shown
    (tmp_path / "grading.toml").write_text('[feedback.ex5-field-project]\ncheck_messages = "no"\n')
    with pytest.raises(UsageError, match="check_messages must be true or false"):
        load_settings(tmp_path)


def test_rubric_sections_go_right_after_their_answer_once():
    import nbformat

    from autograder.rubrics import inject, read_rubric

    rubric = read_rubric(ROOT / "exercises" / "rubrics" / "ex2-clean-energy-value-chain.md")
    assert set(rubric) == {"w1_interpretation", "w2_recommendation"}
    assert "<strong>Rubric (trainers only): w1_interpretation" in rubric["w1_interpretation"]
    assert "<table>" in rubric["w1_interpretation"] and "\n\n" not in rubric["w1_interpretation"]
    answer = nbformat.v4.new_markdown_cell(
        "My answer.",
        metadata={"nbgrader": {"grade_id": "w1_interpretation", "solution": True, "grade": True}},
    )
    nb = nbformat.v4.new_notebook(cells=[answer, nbformat.v4.new_markdown_cell("## W2")])
    assert inject(nb, rubric)
    assert "Rubric (trainers only): w1_interpretation" in nb.cells[1].source
    assert "nbgrader" not in nb.cells[1].metadata  # neither graded nor checksummed by nbgrader
    assert not inject(nb, rubric) and len(nb.cells) == 3  # a rerun replaces, never adds
