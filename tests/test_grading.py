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
        (REF.to_frame(), "one-column DataFrame"),
        (REF.to_numpy(), "should be a pandas Series, but your answer is a ndarray"),
        (REF.drop("MAC"), r"lacks the sector\(s\) \['MAC'\]"),
        (pd.concat([REF, pd.Series({"XXX": 1.0})]), r"unexpected sector\(s\) \['XXX'\]"),
        (REF.astype(str), "should hold numbers"),
        (REF.where(REF.index != "FOO", np.nan), r"NaN or infinite values for \['FOO'\]"),
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
    with pytest.raises(g.WrongAnswer, match="single number, but your answer is a str"):
        g.expect_close("100", 100.0, "the captured value")


def test_frame_checks():
    ref = pd.DataFrame({"value_added": [10.0, 20.0], "margin": [0.5, 0.25]}, index=["a", "b"])
    g.expect_close(ref[["margin", "value_added"]], ref, "the table")
    with pytest.raises(g.WrongAnswer, match="lacks the column"):
        g.expect_frame(ref[["margin"]], "the table", columns=ref.columns)
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
    with pytest.raises(g.WrongAnswer, match="should be one of"):
        g.expect_choice("tex", ["TEX", "FOO"], "the sector")
    with pytest.raises(g.WrongAnswer, match="True or False"):
        g.expect_equal("yes", True, "eligibility")
    with pytest.raises(g.WrongAnswer, match="not right"):
        g.expect_equal(False, True, "eligibility")
