"""Input checks shared by every clusterkit module.

Each helper raises a ``KeyError`` or ``ValueError`` whose message names the offending column, sector or
unit, so that a trainee or trainer sees *what* is wrong instead of a silent NaN further down.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def require_columns(df: pd.DataFrame, columns: Iterable[str], *, what: str = "table") -> None:
    """Raise ``KeyError`` naming every column of ``columns`` that ``df`` lacks."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"{what} is missing column(s) {missing}; it has {list(df.columns)}")


def require_finite_nonnegative(values: pd.Series | pd.DataFrame, *, name: str) -> None:
    """Raise ``ValueError`` if ``values`` holds NaN, infinite or negative entries, naming the first offender."""
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        flat = np.flatnonzero(bad.ravel())[0]
        if isinstance(values, pd.DataFrame):
            r, c = np.unravel_index(flat, arr.shape)
            where = f"row {values.index[r]!r}, column {values.columns[c]!r}"
        else:
            where = f"index {values.index[flat]!r}"
        raise ValueError(
            f"{name} must be finite and non-negative; found {arr.ravel()[flat]!r} at {where} "
            f"({int(bad.sum())} bad value(s) in all)"
        )


def require_numeric(df: pd.DataFrame, columns: Iterable[str], *, what: str = "table") -> None:
    """Raise ``ValueError`` naming any of ``columns`` that is not numeric."""
    bad = [c for c in columns if not pd.api.types.is_numeric_dtype(df[c])]
    if bad:
        raise ValueError(f"{what}: column(s) {bad} must be numeric")


def align_labels(
    obj: pd.Series | pd.DataFrame, labels: pd.Index, *, name: str, reference: str
) -> pd.Series | pd.DataFrame:
    """Return ``obj`` reordered to ``labels``; ``ValueError`` naming the labels that are extra or missing.

    Used wherever two labelled inputs must describe the same sectors/regions (e.g. ``Z`` and ``x`` in an
    input-output table): the same *set* of labels in another order is accepted and reordered, anything
    else is refused rather than silently producing NaN after pandas alignment.
    """
    index = obj.index
    if index.has_duplicates:
        raise ValueError(
            f"{name} has duplicate label(s) {sorted(map(str, index[index.duplicated()].unique()))}"
        )
    if index.equals(labels):
        return obj
    missing = [lab for lab in labels if lab not in index]
    extra = [lab for lab in index if lab not in labels]
    if missing or extra:
        raise ValueError(
            f"{name} labels do not match {reference}: missing {missing[:10]}"
            f"{' ...' if len(missing) > 10 else ''}, extra {extra[:10]}{' ...' if len(extra) > 10 else ''}"
        )
    return obj.reindex(labels)


THRESHOLD_TOLERANCE = 1e-9
"""Relative tolerance of every comparison of a computed number with a threshold (pass marks, LQ cut-offs,
eligibility minimums, linkage averages). Binary floating point cannot hold 0.05 or 0.1 exactly, so a value
that equals the threshold in exact arithmetic (10 x 0.05 FTE = 0.5 FTE; an LQ of exactly 1) may be computed a
few units in the last place below it. Comparing with ``t - 1e-9 * max(1, |t|)`` puts such values on the
threshold while leaving every real difference (more than a billionth) as it is."""


def _slack(threshold: float | np.ndarray) -> float | np.ndarray:
    return THRESHOLD_TOLERANCE * np.maximum(1.0, np.abs(threshold))


def at_least(
    value: float | np.ndarray | pd.Series, threshold: float | np.ndarray | pd.Series
) -> bool | np.ndarray:
    """``value >= threshold``, counting values within :data:`THRESHOLD_TOLERANCE` (relative) below as equal.

    NaN compares False, as with ``>=``."""
    return value >= threshold - _slack(threshold)


def at_most(
    value: float | np.ndarray | pd.Series, threshold: float | np.ndarray | pd.Series
) -> bool | np.ndarray:
    """``value <= threshold``, counting values within :data:`THRESHOLD_TOLERANCE` (relative) above as equal."""
    return value <= threshold + _slack(threshold)


def above(
    value: float | np.ndarray | pd.Series, threshold: float | np.ndarray | pd.Series
) -> bool | np.ndarray:
    """``value > threshold`` by more than :data:`THRESHOLD_TOLERANCE` (relative): a value equal to the threshold
    up to rounding is not above it."""
    return value > threshold + _slack(threshold)
