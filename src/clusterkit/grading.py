"""Answer checks for the graded exercises, with messages a trainee can act on.

Every check raises :class:`WrongAnswer` (an ``AssertionError``) whose message says in plain words *what*
is wrong with the answer, or :class:`Unanswered` (a ``NotImplementedError``) when the answer variable is
still ``None`` because its cell has not been completed yet. The exercises call the format checks
(``expect_series``, ``expect_frame``, ``expect_number``, ``expect_labels``, ``expect_choice``) in the
visible test cell under each answer, and the value checks (``expect_close``, ``expect_same_set``,
``expect_equal``) against a reference that the hidden tests compute with ``clusterkit`` itself.

Messages about values say where and by how much an answer is off, never the reference value itself, so
that the feedback teaches without handing out the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from clusterkit._validation import at_least, at_most

__all__ = [
    "Unanswered",
    "WrongAnswer",
    "expect_answered",
    "expect_choice",
    "expect_close",
    "expect_equal",
    "expect_frame",
    "expect_labels",
    "expect_number",
    "expect_same_set",
    "expect_series",
]

DEFAULT_RTOL = 1e-3


class WrongAnswer(AssertionError):
    """An answer has the wrong form or value; the message says what to fix."""


class Unanswered(NotImplementedError):
    """The answer variable still holds ``None``: its cell has not been completed yet."""


def expect_answered(answer: Any, what: str) -> None:
    """Raise :class:`Unanswered` if ``answer`` is ``None`` (the placeholder every answer cell starts with)."""
    if answer is None:
        raise Unanswered(
            f"There is no answer for {what} yet: complete the answer cell above (replace the line "
            f"`raise NotImplementedError()` with your code), run it, then run this check again."
        )


def _kind(value: Any) -> str:
    return type(value).__name__


def expect_number(answer: Any, what: str, *, lower: float | None = None, upper: float | None = None) -> float:
    """Check that ``answer`` is one finite real number, optionally within ``[lower, upper]``; return it."""
    expect_answered(answer, what)
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.integer, np.floating)):
        raise WrongAnswer(f"{what} should be a single number, but your answer is a {_kind(answer)}.")
    value = float(answer)
    if not math.isfinite(value):
        raise WrongAnswer(f"{what} should be a finite number, but your answer is {value}.")
    if lower is not None and not at_least(value, lower):  # a rounding error on the bound is not "below" it
        raise WrongAnswer(f"{what} cannot be below {lower}, but your answer is {value:.6g}.")
    if upper is not None and not at_most(value, upper):
        raise WrongAnswer(f"{what} cannot be above {upper}, but your answer is {value:.6g}.")
    return value


def _label_problem(actual: Iterable[Any], expected: Iterable[Any], noun: str) -> str | None:
    actual, expected = list(actual), list(expected)
    missing = [x for x in expected if x not in set(actual)]
    extra = [x for x in actual if x not in set(expected)]
    parts = []
    if missing:
        parts.append(f"it lacks the {noun}(s) {missing[:5]}{' ...' if len(missing) > 5 else ''}")
    if extra:
        parts.append(f"it has unexpected {noun}(s) {extra[:5]}{' ...' if len(extra) > 5 else ''}")
    if not parts and len(actual) != len(set(actual)):
        dupes = sorted({str(x) for x in actual if actual.count(x) > 1})
        parts.append(f"some {noun}s appear more than once: {dupes[:5]}")
    return "; ".join(parts) or None


def expect_labels(actual: Iterable[Any], expected: Iterable[Any], what: str, *, noun: str = "label") -> None:
    """Check that ``actual`` holds exactly the labels of ``expected`` (any order), naming the differences."""
    problem = _label_problem(actual, expected, noun)
    if problem:
        raise WrongAnswer(f"{what}: {problem}.")


def expect_series(
    answer: Any,
    what: str,
    *,
    index: Iterable[Any] | None = None,
    numeric: bool = True,
    noun: str = "label",
) -> pd.Series:
    """Check that ``answer`` is a pandas Series (numeric and finite unless ``numeric=False``) labelled by ``index``."""
    expect_answered(answer, what)
    if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        raise WrongAnswer(
            f"{what} should be a pandas Series, but your answer is a one-column DataFrame: "
            f"select the column, e.g. `df['{answer.columns[0]}']`."
        )
    if not isinstance(answer, pd.Series):
        raise WrongAnswer(f"{what} should be a pandas Series, but your answer is a {_kind(answer)}.")
    if index is not None:
        expect_labels(answer.index, index, f"the index of {what}", noun=noun)
    if numeric:
        if not pd.api.types.is_numeric_dtype(answer) or pd.api.types.is_bool_dtype(answer):
            raise WrongAnswer(f"{what} should hold numbers, but its values are of type {answer.dtype}.")
        bad = answer[~np.isfinite(answer.to_numpy(dtype=float, na_value=np.nan))]
        if len(bad):
            raise WrongAnswer(
                f"{what} should hold finite numbers, but it has NaN or infinite values for "
                f"{list(bad.index[:5])}: check for a division by zero or a missing row."
            )
    return answer


def expect_frame(
    answer: Any,
    what: str,
    *,
    columns: Iterable[Any] | None = None,
    index: Iterable[Any] | None = None,
    numeric_columns: Iterable[Any] = (),
) -> pd.DataFrame:
    """Check that ``answer`` is a DataFrame with the given columns and index labels (any order)."""
    expect_answered(answer, what)
    if not isinstance(answer, pd.DataFrame):
        raise WrongAnswer(f"{what} should be a pandas DataFrame, but your answer is a {_kind(answer)}.")
    if columns is not None:
        expect_labels(answer.columns, columns, f"the columns of {what}", noun="column")
    if index is not None:
        expect_labels(answer.index, index, f"the index of {what}", noun="row label")
    for col in numeric_columns:
        if col not in answer.columns:
            raise WrongAnswer(f"{what} should have a column {col!r}.")
        series = answer[col]
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            raise WrongAnswer(f"column {col!r} of {what} should hold numbers, not {series.dtype}.")
        if not np.isfinite(series.to_numpy(dtype=float, na_value=np.nan)).all():
            raise WrongAnswer(f"column {col!r} of {what} has NaN or infinite values.")
    return answer


def expect_choice(answer: Any, options: Collection[Any], what: str) -> None:
    """Check that ``answer`` is one of ``options`` (e.g. a sector name from the data)."""
    expect_answered(answer, what)
    if answer not in options:
        shown = sorted(map(str, options))
        raise WrongAnswer(f"{what} should be one of {shown}, but your answer is {answer!r}.")


def _describe_offsets(answer: pd.Series, reference: pd.Series, rtol: float, atol: float) -> str | None:
    a = answer.astype(float)
    r = reference.astype(float)
    close = np.isclose(a.to_numpy(), r.to_numpy(), rtol=rtol, atol=atol)
    if close.all():
        return None
    wrong = list(a.index[~close])
    worst = (a - r).abs().idxmax()
    denom = abs(r[worst]) if r[worst] != 0 else 1.0
    off = abs(a[worst] - r[worst]) / denom
    return (
        f"{len(wrong)} of {len(a)} value(s) are not right ({', '.join(map(str, wrong[:5]))}"
        f"{' ...' if len(wrong) > 5 else ''}); the largest difference is for {worst!r}, off by "
        f"{off:.1%} of the expected size"
    )


def expect_close(
    answer: Any,
    reference: Any,
    what: str,
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = 1e-9,
) -> None:
    """Check that ``answer`` equals ``reference`` within a relative tolerance ``rtol`` (default 0.1%).

    Works for numbers, Series (matched by label) and DataFrames (matched by row and column label). The
    message names the labels whose values are off and by how much, without revealing the reference.
    """
    expect_answered(answer, what)
    if isinstance(reference, pd.DataFrame):
        expect_frame(answer, what, columns=reference.columns, index=reference.index)
        problems = []
        for col in reference.columns:
            got = expect_series(answer[col], f"column {col!r} of {what}")
            problem = _describe_offsets(got.reindex(reference.index), reference[col], rtol, atol)
            if problem:
                problems.append(f"column {col!r}: {problem}")
        if problems:
            raise WrongAnswer(f"{what} is not right. " + "; ".join(problems[:3]) + ".")
        return
    if isinstance(reference, pd.Series):
        got = expect_series(answer, what, index=reference.index)
        problem = _describe_offsets(got.reindex(reference.index), reference, rtol, atol)
        if problem:
            raise WrongAnswer(f"{what} is not right: {problem}.")
        return
    value = expect_number(answer, what)
    ref = float(reference)
    if not math.isclose(value, ref, rel_tol=rtol, abs_tol=atol):
        direction = "too high" if value > ref else "too low"
        off = abs(value - ref) / (abs(ref) if ref else 1.0)
        raise WrongAnswer(f"{what} is {direction} by {off:.1%}: check your formula and the data you used.")


def expect_same_set(answer: Any, reference: Iterable[Any], what: str, *, noun: str = "item") -> None:
    """Check that the collection ``answer`` holds the same items as ``reference`` (order ignored).

    The message says how many items are missing and how many should not be there, without naming them.
    """
    expect_answered(answer, what)
    if isinstance(answer, (str, bytes)) or not isinstance(
        answer, (Sequence, set, frozenset, pd.Index, pd.Series)
    ):
        raise WrongAnswer(f"{what} should be a list of {noun}s, but your answer is a {_kind(answer)}.")
    got, ref = set(answer), set(reference)
    missing, extra = len(ref - got), len(got - ref)
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{missing} {noun}(s) that belong in it are missing")
        if extra:
            parts.append(f"{extra} {noun}(s) in it do not belong there")
        raise WrongAnswer(f"{what} is not right: " + " and ".join(parts) + ".")


def expect_equal(answer: Any, reference: Any, what: str) -> None:
    """Check that ``answer == reference`` for a label, a count or a yes/no answer."""
    expect_answered(answer, what)
    if isinstance(reference, (bool, np.bool_)) and not isinstance(answer, (bool, np.bool_)):
        raise WrongAnswer(f"{what} should be True or False, but your answer is a {_kind(answer)}.")
    if answer != reference:
        raise WrongAnswer(f"{what} is not right: your answer is {answer!r}; look again at the figures.")
