"""Answer checks for the graded exercises, with messages a trainee can act on.

Every check raises :class:`WrongAnswer` (an ``AssertionError``) whose message says in plain words *what*
is wrong with the answer, or :class:`Unanswered` (a ``NotImplementedError``) when the answer variable is
still ``None`` because its cell has not been completed yet. The exercises call the format checks
(``expect_series``, ``expect_frame``, ``expect_number``, ``expect_labels``, ``expect_list_of``,
``expect_choice``) in the
visible test cell under each answer, and the value checks (``expect_close``, ``expect_same_set``,
``expect_equal``) against a reference that the hidden tests compute with ``clusterkit`` itself.

Messages about values say where and by how much an answer is off, never the reference value itself, so
that the feedback teaches without handing out the numbers. Where a fix is likely, the message names it (a
table numbered 0, 1, 2, ... instead of labelled by stage: "index the table by stage: `.set_index('stage')`").

In Jupyter a failing check shows its message only, wrapped to :data:`MESSAGE_WIDTH` characters, not a
traceback: both exception classes implement IPython's ``_render_traceback_`` hook, which also gives
nbgrader's Validate dialog the same few lines.
"""

from __future__ import annotations

import math
import textwrap
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
    "expect_list_of",
    "expect_number",
    "expect_same_set",
    "expect_series",
]

DEFAULT_RTOL = 1e-3
# Width of the rendered message: fits a notebook cell and nbgrader's Validate dialog without clipping.
MESSAGE_WIDTH = 88


class _PlainWords:
    """Show the message alone (wrapped) in Jupyter instead of a traceback through the checking code."""

    def _render_traceback_(self) -> list[str]:
        """IPython's hook: the lines shown in place of the traceback (also what nbgrader's Validate lists)."""
        text = str(self)
        text = text[:1].upper() + text[1:]
        return textwrap.wrap(text, MESSAGE_WIDTH, break_long_words=False, break_on_hyphens=False)


class WrongAnswer(_PlainWords, AssertionError):
    """An answer has the wrong form or value; the message says what to fix."""


class Unanswered(_PlainWords, NotImplementedError):
    """The answer variable still holds ``None``: its cell has not been completed yet."""


def expect_answered(answer: Any, what: str) -> None:
    """Raise :class:`Unanswered` if ``answer`` is ``None`` (the placeholder every answer cell starts with)."""
    if answer is None:
        raise Unanswered(
            f"There is no answer for {what} yet: complete the answer cell above (replace the line "
            f"`raise NotImplementedError()` with your code), run it, then run this check again."
        )


_KINDS = {
    "DataFrame": "a table (DataFrame)",
    "Series": "a column of values (Series)",
    "ndarray": "a NumPy array",
    "list": "a list",
    "tuple": "a tuple",
    "dict": "a dictionary",
    "set": "a set",
    "str": "a piece of text (str)",
    "bool": "True/False",
    "int": "a single number",
    "float": "a single number",
    "NoneType": "None",
}


def _kind(value: Any) -> str:
    """The kind of ``value`` in plain words ("a table (DataFrame)", "a list", ...)."""
    if isinstance(value, (np.integer, np.floating)):
        return "a single number"
    name = type(value).__name__
    return _KINDS.get(name, f"a {name}")


def _shown(labels: Sequence[Any], limit: int = 4) -> str:
    """Up to ``limit`` labels as text: 'a', 'b', 'c' and 2 more."""
    head = ", ".join(repr(x) if isinstance(x, str) else str(x) for x in labels[:limit])
    return head + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def _holds(column: pd.Series, expected: Iterable[Any] | None) -> bool:
    """True when ``column`` holds exactly the labels ``expected`` (so it should have been the index)."""
    if expected is None:
        return False
    expected = list(expected)
    values = column.tolist()
    return len(values) == len(expected) and set(map(str, values)) == set(map(str, expected))


def _numbered(labels: Sequence[Any], expected: Sequence[Any]) -> bool:
    """True when ``labels`` are pandas' default row numbers 0, 1, 2, ... where names were expected."""
    return (
        len(labels) > 0
        and list(labels) == list(range(len(labels)))
        and not any(isinstance(x, (int, np.integer)) for x in expected)
    )


def expect_number(answer: Any, what: str, *, lower: float | None = None, upper: float | None = None) -> float:
    """Check that ``answer`` is one finite real number, optionally within ``[lower, upper]``; return it."""
    expect_answered(answer, what)
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.integer, np.floating)):
        hint = ""
        if isinstance(answer, (pd.Series, pd.DataFrame)):
            hint = ": pick the one value you mean, e.g. `series['label']`, or add them up with `.sum()`"
        elif isinstance(answer, str):
            hint = ": write the number without quotes"
        raise WrongAnswer(f"{what} should be a single number, but your answer is {_kind(answer)}{hint}.")
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
    if _numbered(actual, expected):
        return (
            f"they are the numbers 0, 1, 2, ... instead of names like {_shown(expected[:2])}, ...: make the "
            f"column that holds these names the index, e.g. `.set_index('column name')`"
        )
    missing = [x for x in expected if x not in set(actual)]
    extra = [x for x in actual if x not in set(expected)]
    parts = []
    if missing:
        parts.append(f"the {noun}(s) {_shown(missing)} are missing")
    if extra:
        parts.append(f"it has {noun}(s) that do not belong: {_shown(extra)}")
    if not parts and len(actual) != len(set(actual)):
        dupes = sorted({str(x) for x in actual if actual.count(x) > 1})
        parts.append(f"some {noun}s appear more than once: {_shown(dupes)}")
    return "; ".join(parts) or None


def expect_labels(actual: Iterable[Any], expected: Iterable[Any], what: str, *, noun: str = "label") -> None:
    """Check that ``actual`` holds exactly the labels of ``expected`` (any order), naming the differences."""
    problem = _label_problem(actual, expected, noun)
    if problem:
        raise WrongAnswer(f"{what}: {problem}.")


def _expect_collection(answer: Any, what: str, noun: str) -> list[Any]:
    """Check that ``answer`` is a list-like collection (not a piece of text, a number or a table); return its items."""
    expect_answered(answer, what)
    if isinstance(answer, (str, bytes)) or not isinstance(
        answer, (Sequence, set, frozenset, pd.Index, pd.Series)
    ):
        hint = ""
        if isinstance(answer, str):
            hint = f": put each {noun} in quotes inside square brackets, e.g. [{answer!r}]"
        raise WrongAnswer(
            f"{what} should be a list of {noun}s, e.g. ['first', 'second'], but your answer is {_kind(answer)}{hint}."
        )
    return list(answer)


def expect_list_of(answer: Any, options: Iterable[Any], what: str, *, noun: str = "item") -> list[Any]:
    """Check that ``answer`` is a list of items each taken from ``options``, none twice; return the items.

    The form check of a "which ones?" question: a number, a piece of text or a table gets a plain-words message
    (never a ``TypeError``), and items that are not among ``options`` are named, so a misspelt name can be fixed.
    Whether the right items were chosen is :func:`expect_same_set`'s job.
    """
    items = _expect_collection(answer, what, noun)
    allowed = list(options)
    extra = [x for x in items if x not in allowed]
    if extra:
        raise WrongAnswer(
            f"{what}: {_shown(extra)} {'is not a' if len(extra) == 1 else 'are not'} {noun}"
            f"{'' if len(extra) == 1 else 's'} of the data; the {noun}s are {_shown(allowed, 6)}."
        )
    dupes = sorted({str(x) for x in items if items.count(x) > 1})
    if dupes:
        raise WrongAnswer(f"{what}: some {noun}s appear more than once: {_shown(dupes)}.")
    return items


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
            f"{what} should be a column of values (a pandas Series), but your answer is a one-column "
            f"table: select the column, e.g. `table['{answer.columns[0]}']`."
        )
    if not isinstance(answer, pd.Series):
        hint = ""
        names = (
            [c for c in answer.columns if _holds(answer[c], index)]
            if isinstance(answer, pd.DataFrame)
            else []
        )
        if names and answer.shape[1] == 2:
            value = next(c for c in answer.columns if c != names[0])
            hint = f" with the {names[0]} names in a column: `.set_index('{names[0]}')[{value!r}]`"
        elif isinstance(answer, pd.DataFrame):
            hint = " with several columns: pick the one column you mean, e.g. `table['column name']`"
        elif isinstance(answer, (int, float, np.integer, np.floating)) and index is not None:
            hint = f": keep one value per {noun} (do not add them up or average them)"
        elif isinstance(answer, (list, tuple, np.ndarray)):
            hint = f": it needs the {noun} names as labels, e.g. `pd.Series(values, index=names)`"
        raise WrongAnswer(
            f"{what} should be a column of values (a pandas Series), but your answer is {_kind(answer)}{hint}."
        )
    if index is not None:
        expect_labels(answer.index, index, f"the labels of {what}", noun=noun)
    if numeric:
        if not pd.api.types.is_numeric_dtype(answer) or pd.api.types.is_bool_dtype(answer):
            raise WrongAnswer(
                f"{what} should hold numbers, but its values are {_dtype_words(answer.dtype)}: "
                f"check that you used the column with the figures."
            )
        bad = answer[~np.isfinite(answer.to_numpy(dtype=float, na_value=np.nan))]
        if len(bad):
            raise WrongAnswer(
                f"{what} should hold numbers, but it has empty (NaN) or infinite values for "
                f"{_shown(list(bad.index))}: check for a division by zero or a missing row."
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
        hint = ""
        if isinstance(answer, pd.Series) and columns is not None:
            hint = f": keep the columns {_shown(list(columns))} together, e.g. `table[[...]]`"
        raise WrongAnswer(
            f"{what} should be a table (a pandas DataFrame), but your answer is {_kind(answer)}{hint}."
        )
    if index is not None:
        expected = list(index)
        if _label_problem(answer.index, expected, "row label"):
            # the names the rows should carry are in a column: the likely fix is to make it the index
            for col in answer.columns:
                if _holds(answer[col], expected):
                    raise WrongAnswer(
                        f"{what} should have one row per {col}, labelled by {col}, but its rows are "
                        f"{'numbered 0, 1, 2, ...' if _numbered(list(answer.index), expected) else 'labelled otherwise'}"
                        f": index the table by {col}: `.set_index('{col}')`."
                    )
    if columns is not None:
        expect_labels(answer.columns, columns, f"the columns of {what}", noun="column")
    if index is not None:
        expect_labels(answer.index, index, f"the rows of {what}", noun="row")
    for col in numeric_columns:
        if col not in answer.columns:
            raise WrongAnswer(f"{what} should have a column {col!r}.")
        series = answer[col]
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            raise WrongAnswer(
                f"column {col!r} of {what} should hold numbers, but its values are {_dtype_words(series.dtype)}."
            )
        if not np.isfinite(series.to_numpy(dtype=float, na_value=np.nan)).all():
            bad = list(series.index[~np.isfinite(series.to_numpy(dtype=float, na_value=np.nan))])
            raise WrongAnswer(
                f"column {col!r} of {what} has empty (NaN) or infinite values for {_shown(bad)}: "
                f"check for a division by zero or a missing row."
            )
    return answer


def _dtype_words(dtype: Any) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "True/False"
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        return "text"
    return f"of type {dtype}"


def expect_choice(answer: Any, options: Collection[Any], what: str) -> None:
    """Check that ``answer`` is one of ``options`` (e.g. a sector name from the data)."""
    expect_answered(answer, what)
    if answer not in options:
        names = sorted(map(str, options))
        listed = _shown(names, 6) if len(names) > 6 else ", ".join(map(repr, names))
        near = [o for o in names if isinstance(answer, str) and o.casefold() == answer.strip().casefold()]
        hint = f" (did you mean {near[0]!r}? spelling and capital letters count)" if near else ""
        raise WrongAnswer(f"{what} should be one of {listed}, but your answer is {answer!r}{hint}.")


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
    got, ref = set(_expect_collection(answer, what, noun)), set(reference)
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
        raise WrongAnswer(f"{what} should be True or False (no quotes), but your answer is {_kind(answer)}.")
    if answer != reference:
        raise WrongAnswer(f"{what} is not right: your answer is {answer!r}; look again at the figures.")
