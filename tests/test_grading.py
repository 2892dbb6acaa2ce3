"""clusterkit.grading: the answer checks of the exercises accept right answers, reject wrong ones with a
message that says what is wrong, and never print the reference value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusterkit import grading as g

REF = pd.Series({"TEX": 2.5, "FOO": 0.8, "MAC": 1.25}, name="lq")


def test_unanswered_is_a_not_implemented_error_with_instructions():
    with pytest.raises(NotImplementedError, match="no answer for the LQs yet"):
        g.expect_series(None, "the LQs")
    assert issubclass(g.Unanswered, NotImplementedError)
    assert issubclass(g.WrongAnswer, AssertionError)


def test_series_checks_pass_for_a_right_answer_in_any_order():
    answer = REF.iloc[::-1] * (1 + 1e-5)
    g.expect_series(answer, "the LQs", index=["TEX", "FOO", "MAC"])
    g.expect_close(answer, REF, "the LQs")


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (REF.to_frame(), r"one-column table: select the column, e.g. `table\['lq'\]`"),
        (
            REF.to_numpy(),
            r"should be a column of values \(a pandas Series\), but your answer is a NumPy array",
        ),
        (REF.drop("MAC"), r"the sector\(s\) 'MAC' are missing"),
        (pd.concat([REF, pd.Series({"XXX": 1.0})]), r"sector\(s\) that do not belong: 'XXX'"),
        (REF.reset_index(drop=True), r"the numbers 0, 1, 2, ... instead of names like 'TEX', 'FOO'"),
        (REF.astype(str), "should hold numbers, but its values are text"),
        (REF.where(REF.index != "FOO", np.nan), r"empty \(NaN\) or infinite values for 'FOO'"),
        (2.5, "single number: keep one value per sector"),
    ],
)
def test_series_form_errors_say_what_is_wrong(answer, message):
    with pytest.raises(g.WrongAnswer, match=message):
        g.expect_series(answer, "the LQs", index=REF.index, noun="sector")


def test_wrong_values_name_the_labels_and_the_size_but_not_the_reference():
    wrong = REF.copy()
    wrong["TEX"] = 2.75  # 10% too high
    with pytest.raises(g.WrongAnswer) as exc:
        g.expect_close(wrong, REF, "the LQs")
    text = str(exc.value)
    assert "1 of 3 value(s)" in text and "TEX" in text and "10.0%" in text
    assert "2.5" not in text and "0.8" not in text


def test_scalar_direction_and_no_reference_in_message():
    with pytest.raises(g.WrongAnswer, match="too high by 10.0%") as exc:
        g.expect_close(110.0, 100.0, "the captured value")
    assert "100" not in str(exc.value)
    with pytest.raises(g.WrongAnswer, match="too low"):
        g.expect_close(90.0, 100.0, "the captured value")
    g.expect_close(100.05, 100.0, "the captured value")  # within 0.1%
    with pytest.raises(g.WrongAnswer, match=r"single number, but your answer is a piece of text \(str\)"):
        g.expect_close("100", 100.0, "the captured value")


def test_frame_checks():
    ref = pd.DataFrame({"value_added": [10.0, 20.0], "margin": [0.5, 0.25]}, index=["a", "b"])
    g.expect_close(ref[["margin", "value_added"]], ref, "the table")
    with pytest.raises(g.WrongAnswer, match=r"the column\(s\) 'value_added' are missing"):
        g.expect_frame(ref[["margin"]], "the table", columns=ref.columns)
    # the row names sit in a column: the message names the fix
    numbered = ref.rename_axis("stage").reset_index()
    with pytest.raises(g.WrongAnswer, match=r"index the table by stage: `.set_index\('stage'\)`"):
        g.expect_frame(numbered, "the table", columns=ref.columns, index=ref.index)
    with pytest.raises(
        g.WrongAnswer, match=r"should be a table \(a pandas DataFrame\), but your answer is a column"
    ):
        g.expect_frame(ref["margin"], "the table", columns=ref.columns)
    bad = ref.copy()
    bad.loc["b", "margin"] = 0.3
    with pytest.raises(g.WrongAnswer, match="column 'margin': 1 of 2"):
        g.expect_close(bad, ref, "the table")


def test_number_bounds_and_types():
    assert g.expect_number(np.int64(3), "the count") == 3.0
    with pytest.raises(g.WrongAnswer, match="single number"):
        g.expect_number(True, "the count")
    with pytest.raises(g.WrongAnswer, match="cannot be below 0"):
        g.expect_number(-1, "the count", lower=0)
    with pytest.raises(g.WrongAnswer, match="finite"):
        g.expect_number(float("inf"), "the count")
    # a computed share a rounding error outside [0, 1] is within the bounds (the threshold rule of the package)
    assert g.expect_number(0.1 * 3, "the share", upper=0.3) == 0.1 * 3 > 0.3
    assert g.expect_number(0.3 - 0.1 * 3, "the gap", lower=0) < 0
    with pytest.raises(g.WrongAnswer, match="cannot be above 1"):
        g.expect_number(1.001, "the share", upper=1)


def test_sets_choices_and_equality():
    g.expect_same_set(["b", "a"], {"a", "b"}, "the gaps", noun="stage")
    with pytest.raises(g.WrongAnswer, match="1 stage\\(s\\) that belong in it are missing") as exc:
        g.expect_same_set(["a"], ["a", "b"], "the gaps", noun="stage")
    assert "'b'" not in str(exc.value)
    with pytest.raises(g.WrongAnswer, match="should be a list"):
        g.expect_same_set("ab", ["a", "b"], "the gaps")
    g.expect_choice("TEX", ["TEX", "FOO"], "the sector")
    with pytest.raises(g.WrongAnswer, match="should be one of 'FOO', 'TEX', .*did you mean 'TEX'"):
        g.expect_choice("tex", ["TEX", "FOO"], "the sector")
    with pytest.raises(g.WrongAnswer, match="True or False"):
        g.expect_equal("yes", True, "eligibility")
    with pytest.raises(g.WrongAnswer, match="not right"):
        g.expect_equal(False, True, "eligibility")


def test_failing_checks_render_as_their_message_only_wrapped_for_the_notebook_and_validate():
    """IPython shows ``_render_traceback_``'s lines instead of a traceback (cell output and Validate's dialog)."""
    from IPython.core.interactiveshell import InteractiveShell

    numbered = pd.DataFrame({"stage": ["a", "b"], "value_added": [1.0, 2.0], "margin": [0.1, 0.2]})
    with pytest.raises(g.WrongAnswer) as exc:
        g.expect_frame(numbered, "the value-added table", columns=["value_added", "margin"], index=["a", "b"])
    lines = exc.value._render_traceback_()
    assert " ".join(lines) == "T" + str(exc.value)[1:]  # the message, capitalised
    assert 1 <= len(lines) <= 3 and all(len(line) <= g.MESSAGE_WIDTH for line in lines)
    with pytest.raises(g.Unanswered) as unanswered:
        g.expect_number(None, "Q6")
    assert " ".join(unanswered.value._render_traceback_()) == str(unanswered.value)
    # a Series kept as a two-column table: the fix names both columns
    with pytest.raises(g.WrongAnswer, match=r"`.set_index\('index'\)\['lq'\]`"):
        g.expect_series(REF.reset_index(), "the LQs", index=REF.index)
    # in a real IPython shell (what the kernel sends as the error output) the lines are exactly those
    shell = InteractiveShell.instance()
    shown: list[list[str]] = []
    shell._showtraceback = lambda etype, evalue, stb: shown.append(stb)
    shell.user_ns["g"] = g
    shell.run_cell("g.expect_number('3', 'the count')", store_history=False)
    message = "the count should be a single number, but your answer is a piece of text (str): write the number without quotes."
    assert shown == [g.WrongAnswer(message)._render_traceback_()]
    assert len(shown[0]) == 2 and not any("Traceback" in line or "grading.py" in line for line in shown[0])


def test_list_of_named_items_gets_plain_words_for_every_wrong_form():
    stages = ["Design", "Blades", "Towers"]
    assert g.expect_list_of(["Towers", "Design"], stages, "the main leaks", noun="stage") == [
        "Towers",
        "Design",
    ]
    with pytest.raises(g.WrongAnswer, match="should be a list of stages.*a single number"):
        g.expect_list_of(3, stages, "the main leaks", noun="stage")
    # a text answer is not split into letters: the message says to put it in a list
    with pytest.raises(
        g.WrongAnswer, match=r"a piece of text \(str\): put each stage in quotes .*\['Blades'\]"
    ):
        g.expect_list_of("Blades", stages, "the main leaks", noun="stage")
    with pytest.raises(g.WrongAnswer, match="'blades' is not a stage of the data; the stages are 'Design'"):
        g.expect_list_of(["blades"], stages, "the main leaks", noun="stage")
    with pytest.raises(g.WrongAnswer, match="more than once: 'Design'"):
        g.expect_list_of(["Design", "Design"], stages, "the main leaks", noun="stage")
    with pytest.raises(g.Unanswered):
        g.expect_list_of(None, stages, "the main leaks", noun="stage")
