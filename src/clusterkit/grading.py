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
from clusterkit.i18n import get_language, gettext_

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


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue (``pybabel extract -k N_``) where it is translated later."""
    return message


# Width of the rendered message: fits a notebook cell and nbgrader's Validate dialog without clipping.
MESSAGE_WIDTH = 88


class _PlainWords:
    """Show the message alone (wrapped) in Jupyter instead of a traceback through the checking code."""

    def _render_traceback_(self) -> list[str]:
        """IPython's hook: the lines shown in place of the traceback (also what nbgrader's Validate lists)."""
        text = str(self)
        first = text[:1]
        # Turkish capitals: i -> İ (str.upper gives the dotless I)
        text = ("İ" if first == "i" and get_language() == "tr" else first.upper()) + text[1:]
        return textwrap.wrap(text, MESSAGE_WIDTH, break_long_words=False, break_on_hyphens=False)


class WrongAnswer(_PlainWords, AssertionError):
    """An answer has the wrong form or value; the message says what to fix."""


class Unanswered(_PlainWords, NotImplementedError):
    """The answer variable still holds ``None``: its cell has not been completed yet."""


def expect_answered(answer: Any, what: str) -> None:
    """Raise :class:`Unanswered` if ``answer`` is ``None`` (the placeholder every answer cell starts with)."""
    if answer is None:
        raise Unanswered(
            gettext_(
                "There is no answer for {what} yet: complete the answer cell above (replace the line "
                "`raise NotImplementedError()` with your code), run it, then run this check again."
            ).format(what=what)
        )


_KINDS = {
    "DataFrame": N_("a table (DataFrame)"),
    "Series": N_("a column of values (Series)"),
    "ndarray": N_("a NumPy array"),
    "list": N_("a list"),
    "tuple": N_("a tuple"),
    "dict": N_("a dictionary"),
    "set": N_("a set"),
    "str": N_("a piece of text (str)"),
    "bool": N_("True/False"),
    "int": N_("a single number"),
    "float": N_("a single number"),
    "NoneType": N_("None"),
}


_DEFAULT_NOUNS = (N_("label"), N_("item"))  # the nouns of the checks' signatures, for the catalogue


def _kind(value: Any) -> str:
    """The kind of ``value`` in plain words ("a table (DataFrame)", "a list", ...)."""
    if isinstance(value, (np.integer, np.floating)):
        return gettext_("a single number")
    name = type(value).__name__
    return gettext_(_KINDS[name]) if name in _KINDS else gettext_("a {name}").format(name=name)


def _shown(labels: Sequence[Any], limit: int = 4) -> str:
    """Up to ``limit`` labels as text: 'a', 'b', 'c' and 2 more."""
    head = ", ".join(repr(x) if isinstance(x, str) else str(x) for x in labels[:limit])
    more = gettext_(" and {n} more").format(n=len(labels) - limit) if len(labels) > limit else ""
    return head + more


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
            hint = gettext_(
                ": pick the one value you mean, e.g. `series['label']`, or add them up with `.sum()`"
            )
        elif isinstance(answer, str):
            hint = gettext_(": write the number without quotes")
        raise WrongAnswer(
            gettext_("{what} should be a single number, but your answer is {kind}{hint}.").format(
                what=what, kind=_kind(answer), hint=hint
            )
        )
    value = float(answer)
    if not math.isfinite(value):
        raise WrongAnswer(
            gettext_("{what} should be a finite number, but your answer is {value}.").format(
                what=what, value=value
            )
        )
    if lower is not None and not at_least(value, lower):  # a rounding error on the bound is not "below" it
        raise WrongAnswer(
            gettext_("{what} cannot be below {bound}, but your answer is {value}.").format(
                what=what, bound=lower, value=f"{value:.6g}"
            )
        )
    if upper is not None and not at_most(value, upper):
        raise WrongAnswer(
            gettext_("{what} cannot be above {bound}, but your answer is {value}.").format(
                what=what, bound=upper, value=f"{value:.6g}"
            )
        )
    return value


def _label_problem(actual: Iterable[Any], expected: Iterable[Any], noun: str) -> str | None:
    noun = gettext_(noun)  # a default noun (label, item) in the trainee's language
    actual, expected = list(actual), list(expected)
    if _numbered(actual, expected):
        return gettext_(
            "they are the numbers 0, 1, 2, ... instead of names like {names}, ...: make the "
            "column that holds these names the index, e.g. `.set_index('column name')`"
        ).format(names=_shown(expected[:2]))
    missing = [x for x in expected if x not in set(actual)]
    extra = [x for x in actual if x not in set(expected)]
    parts = []
    if missing:
        parts.append(gettext_("the {noun}(s) {labels} are missing").format(noun=noun, labels=_shown(missing)))
    if extra:
        parts.append(
            gettext_("it has {noun}(s) that do not belong: {labels}").format(noun=noun, labels=_shown(extra))
        )
    if not parts and len(actual) != len(set(actual)):
        dupes = sorted({str(x) for x in actual if actual.count(x) > 1})
        parts.append(
            gettext_("some {noun}s appear more than once: {labels}").format(noun=noun, labels=_shown(dupes))
        )
    return "; ".join(parts) or None


def expect_labels(actual: Iterable[Any], expected: Iterable[Any], what: str, *, noun: str = "label") -> None:
    """Check that ``actual`` holds exactly the labels of ``expected`` (any order), naming the differences."""
    problem = _label_problem(actual, expected, noun)
    if problem:
        raise WrongAnswer(f"{what}: {problem}.")


def _expect_collection(answer: Any, what: str, noun: str) -> list[Any]:
    """Check that ``answer`` is a list-like collection (not a piece of text, a number or a table); return its items."""
    noun = gettext_(noun)  # a default noun (label, item) in the trainee's language
    expect_answered(answer, what)
    if isinstance(answer, (str, bytes)) or not isinstance(
        answer, (Sequence, set, frozenset, pd.Index, pd.Series)
    ):
        hint = ""
        if isinstance(answer, str):
            hint = gettext_(": put each {noun} in quotes inside square brackets, e.g. [{answer}]").format(
                noun=noun, answer=repr(answer)
            )
        raise WrongAnswer(
            gettext_(
                "{what} should be a list of {noun}s, e.g. ['first', 'second'], but your answer is {kind}{hint}."
            ).format(what=what, noun=noun, kind=_kind(answer), hint=hint)
        )
    return list(answer)


def expect_list_of(answer: Any, options: Iterable[Any], what: str, *, noun: str = "item") -> list[Any]:
    """Check that ``answer`` is a list of items each taken from ``options``, none twice; return the items.

    The form check of a "which ones?" question: a number, a piece of text or a table gets a plain-words message
    (never a ``TypeError``), and items that are not among ``options`` are named, so a misspelt name can be fixed.
    Whether the right items were chosen is :func:`expect_same_set`'s job.
    """
    noun = gettext_(noun)  # a default noun (label, item) in the trainee's language
    items = _expect_collection(answer, what, noun)
    allowed = list(options)
    extra = [x for x in items if x not in allowed]
    if extra:
        text = (
            gettext_("{what}: {labels} is not a {noun} of the data; the {noun}s are {allowed}.")
            if len(extra) == 1
            else gettext_("{what}: {labels} are not {noun}s of the data; the {noun}s are {allowed}.")
        )
        raise WrongAnswer(text.format(what=what, labels=_shown(extra), noun=noun, allowed=_shown(allowed, 6)))
    dupes = sorted({str(x) for x in items if items.count(x) > 1})
    if dupes:
        raise WrongAnswer(
            gettext_("{what}: some {noun}s appear more than once: {labels}.").format(
                what=what, noun=noun, labels=_shown(dupes)
            )
        )
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
    noun = gettext_(noun)  # a default noun (label, item) in the trainee's language
    expect_answered(answer, what)
    if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        raise WrongAnswer(
            gettext_(
                "{what} should be a column of values (a pandas Series), but your answer is a one-column "
                "table: select the column, e.g. `table['{column}']`."
            ).format(what=what, column=answer.columns[0])
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
            hint = gettext_(" with the {name} names in a column: `.set_index('{name}')[{value}]`").format(
                name=names[0], value=repr(value)
            )
        elif isinstance(answer, pd.DataFrame):
            hint = gettext_(
                " with several columns: pick the one column you mean, e.g. `table['column name']`"
            )
        elif isinstance(answer, (int, float, np.integer, np.floating)) and index is not None:
            hint = gettext_(": keep one value per {noun} (do not add them up or average them)").format(
                noun=noun
            )
        elif isinstance(answer, (list, tuple, np.ndarray)):
            hint = gettext_(
                ": it needs the {noun} names as labels, e.g. `pd.Series(values, index=names)`"
            ).format(noun=noun)
        raise WrongAnswer(
            gettext_(
                "{what} should be a column of values (a pandas Series), but your answer is {kind}{hint}."
            ).format(what=what, kind=_kind(answer), hint=hint)
        )
    if index is not None:
        expect_labels(answer.index, index, gettext_("the labels of {what}").format(what=what), noun=noun)
    if numeric:
        if not pd.api.types.is_numeric_dtype(answer) or pd.api.types.is_bool_dtype(answer):
            raise WrongAnswer(
                gettext_(
                    "{what} should hold numbers, but its values are {dtype}: "
                    "check that you used the column with the figures."
                ).format(what=what, dtype=_dtype_words(answer.dtype))
            )
        bad = answer[~np.isfinite(answer.to_numpy(dtype=float, na_value=np.nan))]
        if len(bad):
            raise WrongAnswer(
                gettext_(
                    "{what} should hold numbers, but it has empty (NaN) or infinite values for "
                    "{labels}: check for a division by zero or a missing row."
                ).format(what=what, labels=_shown(list(bad.index)))
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
            hint = gettext_(": keep the columns {columns} together, e.g. `table[[...]]`").format(
                columns=_shown(list(columns))
            )
        raise WrongAnswer(
            gettext_(
                "{what} should be a table (a pandas DataFrame), but your answer is {kind}{hint}."
            ).format(what=what, kind=_kind(answer), hint=hint)
        )
    if index is not None:
        expected = list(index)
        if _label_problem(answer.index, expected, "row label"):
            # the names the rows should carry are in a column: the likely fix is to make it the index
            for col in answer.columns:
                if _holds(answer[col], expected):
                    text = (
                        gettext_(
                            "{what} should have one row per {col}, labelled by {col}, but its rows are "
                            "numbered 0, 1, 2, ...: index the table by {col}: `.set_index('{col}')`."
                        )
                        if _numbered(list(answer.index), expected)
                        else gettext_(
                            "{what} should have one row per {col}, labelled by {col}, but its rows are "
                            "labelled otherwise: index the table by {col}: `.set_index('{col}')`."
                        )
                    )
                    raise WrongAnswer(text.format(what=what, col=col))
    if columns is not None:
        expect_labels(
            answer.columns,
            columns,
            gettext_("the columns of {what}").format(what=what),
            noun=gettext_("column"),
        )
    if index is not None:
        expect_labels(
            answer.index, index, gettext_("the rows of {what}").format(what=what), noun=gettext_("row")
        )
    for col in numeric_columns:
        if col not in answer.columns:
            raise WrongAnswer(gettext_("{what} should have a column {col}.").format(what=what, col=repr(col)))
        series = answer[col]
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            raise WrongAnswer(
                gettext_("column {col} of {what} should hold numbers, but its values are {dtype}.").format(
                    col=repr(col), what=what, dtype=_dtype_words(series.dtype)
                )
            )
        if not np.isfinite(series.to_numpy(dtype=float, na_value=np.nan)).all():
            bad = list(series.index[~np.isfinite(series.to_numpy(dtype=float, na_value=np.nan))])
            raise WrongAnswer(
                gettext_(
                    "column {col} of {what} has empty (NaN) or infinite values for {labels}: "
                    "check for a division by zero or a missing row."
                ).format(col=repr(col), what=what, labels=_shown(bad))
            )
    return answer


def _dtype_words(dtype: Any) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return gettext_("True/False")
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        return gettext_("text")
    return gettext_("of type {dtype}").format(dtype=dtype)


def expect_choice(answer: Any, options: Collection[Any], what: str) -> None:
    """Check that ``answer`` is one of ``options`` (e.g. a sector name from the data)."""
    expect_answered(answer, what)
    if answer not in options:
        names = sorted(map(str, options))
        listed = _shown(names, 6) if len(names) > 6 else ", ".join(map(repr, names))
        near = [o for o in names if isinstance(answer, str) and o.casefold() == answer.strip().casefold()]
        hint = (
            gettext_(" (did you mean {option}? spelling and capital letters count)").format(
                option=repr(near[0])
            )
            if near
            else ""
        )
        raise WrongAnswer(
            gettext_("{what} should be one of {options}, but your answer is {answer}{hint}.").format(
                what=what, options=listed, answer=repr(answer), hint=hint
            )
        )


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
    return gettext_(
        "{wrong} of {total} value(s) are not right ({labels}); the largest difference is for {worst}, off by "
        "{off} of the expected size"
    ).format(
        wrong=len(wrong),
        total=len(a),
        labels=", ".join(map(str, wrong[:5])) + (" ..." if len(wrong) > 5 else ""),
        worst=repr(worst),
        off=_percent(off),
    )


def _percent(share: float) -> str:
    """``share`` as a percentage with one decimal: 12.5% in English, %12,5 in Turkish."""
    if get_language() == "tr":
        return "%" + f"{share * 100:.1f}".replace(".", ",")
    return f"{share:.1%}"


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
            got = expect_series(
                answer[col], gettext_("column {col} of {what}").format(col=repr(col), what=what)
            )
            problem = _describe_offsets(got.reindex(reference.index), reference[col], rtol, atol)
            if problem:
                problems.append(gettext_("column {col}: {problem}").format(col=repr(col), problem=problem))
        if problems:
            raise WrongAnswer(
                gettext_("{what} is not right. {problems}.").format(
                    what=what, problems="; ".join(problems[:3])
                )
            )
        return
    if isinstance(reference, pd.Series):
        got = expect_series(answer, what, index=reference.index)
        problem = _describe_offsets(got.reindex(reference.index), reference, rtol, atol)
        if problem:
            raise WrongAnswer(gettext_("{what} is not right: {problem}.").format(what=what, problem=problem))
        return
    value = expect_number(answer, what)
    ref = float(reference)
    if not math.isclose(value, ref, rel_tol=rtol, abs_tol=atol):
        off = abs(value - ref) / (abs(ref) if ref else 1.0)
        text = (
            gettext_("{what} is too high by {off}: check your formula and the data you used.")
            if value > ref
            else gettext_("{what} is too low by {off}: check your formula and the data you used.")
        )
        raise WrongAnswer(text.format(what=what, off=_percent(off)))


def expect_same_set(answer: Any, reference: Iterable[Any], what: str, *, noun: str = "item") -> None:
    """Check that the collection ``answer`` holds the same items as ``reference`` (order ignored).

    The message says how many items are missing and how many should not be there, without naming them.
    """
    noun = gettext_(noun)  # a default noun (label, item) in the trainee's language
    got, ref = set(_expect_collection(answer, what, noun)), set(reference)
    missing, extra = len(ref - got), len(got - ref)
    if missing or extra:
        parts = []
        if missing:
            parts.append(gettext_("{n} {noun}(s) that belong in it are missing").format(n=missing, noun=noun))
        if extra:
            parts.append(gettext_("{n} {noun}(s) in it do not belong there").format(n=extra, noun=noun))
        raise WrongAnswer(
            gettext_("{what} is not right: {problem}.").format(
                what=what, problem=gettext_(" and ").join(parts)
            )
        )


def expect_equal(answer: Any, reference: Any, what: str) -> None:
    """Check that ``answer == reference`` for a label, a count or a yes/no answer."""
    expect_answered(answer, what)
    if isinstance(reference, (bool, np.bool_)) and not isinstance(answer, (bool, np.bool_)):
        raise WrongAnswer(
            gettext_("{what} should be True or False (no quotes), but your answer is {kind}.").format(
                what=what, kind=_kind(answer)
            )
        )
    if answer != reference:
        raise WrongAnswer(
            gettext_("{what} is not right: your answer is {answer}; look again at the figures.").format(
                what=what, answer=repr(answer)
            )
        )
