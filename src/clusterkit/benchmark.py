"""Composite indicators and peer benchmarking, following the OECD/JRC *Handbook on Constructing Composite
Indicators: Methodology and User Guide* (OECD, 2008; "the Handbook" below).

Data shape used throughout: a wide ``DataFrame`` whose index holds the units (clusters, regions) and whose
columns hold the indicators, plus a *polarity* per indicator saying whether a higher or a lower value is
better. Polarity may be given as ``+1``/``-1`` or ``"higher"``/``"lower"`` (also ``"+"``/``"-"``); ``None``
means "higher is better" for every indicator.

The functions follow the Handbook's construction steps: imputation of missing data (:func:`impute`: mean,
median, group mean, regression), normalisation (:func:`normalise`: min-max, also against fixed goalposts
with capping as in the UNDP Human Development Index, z-scores with winsorising, ranks, percentiles,
categorical scores, distance to a target with a cap), weighting (:func:`weights_equal`,
:func:`validate_weights`, :func:`weights_pca`), aggregation (:func:`aggregate`, :func:`composite_index`,
also over a :func:`hierarchy` of indicators -> pillars -> sub-indices -> index), uncertainty and
sensitivity analysis (:func:`sensitivity`, Monte Carlo rank intervals; :func:`sensitivity_sobol`,
variance-based Sobol indices as in JRC's COINr) and visualisation (:func:`rank_uncertainty_chart`,
:func:`radar_chart`, :func:`sobol_chart`).
:func:`rank_within` and :func:`gap_to_best` give the peer-benchmarking view.

Choices where the Handbook leaves room (each documented at the function and tested):

* missing values raise by default; ``missing="mean"|"median"`` imputes the indicator's mean/median across
  units (the Handbook's unconditional mean/median substitution); ``missing="drop_unit"`` drops incomplete
  units (the Handbook's "case deletion");
* a constant indicator (max = min, or sigma = 0) raises by default under min-max and z-score; with
  ``constant="midpoint"`` it becomes 0.5 (min-max) or 0 (z-score) for every unit, with a warning;
* geometric aggregation refuses zero or negative normalised values unless a ``shift`` is given, in which case
  it aggregates ``x + shift``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from clusterkit._validation import require_numeric
from clusterkit.i18n import gettext_

__all__ = [
    "NORMALISATIONS",
    "SensitivityResult",
    "aggregate",
    "composite_index",
    "gap_to_best",
    "impute",
    "normalise",
    "polarity_signs",
    "radar_chart",
    "rank_uncertainty_chart",
    "rank_within",
    "sensitivity",
    "sensitivity_sobol",
    "sobol_chart",
    "readable_label",
    "Hierarchy",
    "hierarchy",
    "CompositeResult",
    "SobolResult",
    "AGGREGATIONS",
    "MISSING",
    "validate_weights",
    "weights_equal",
    "weights_pca",
]

Polarity = Mapping[str, Any] | pd.Series | None
Missing = Literal["raise", "mean", "median", "group_mean", "regression", "drop_unit"]
MISSING: tuple[str, ...] = ("raise", "mean", "median", "group_mean", "regression", "drop_unit")
NORMALISATIONS: tuple[str, ...] = (
    "minmax",
    "zscore",
    "rank",
    "percentile",
    "categorical",
    "target",
    "leader",
)

_POLARITY_WORDS = {
    "higher": 1,
    "high": 1,
    "+": 1,
    "positive": 1,
    "lower": -1,
    "low": -1,
    "-": -1,
    "negative": -1,
}


# --------------------------------------------------------------------------------------------- input checks
def _check_indicators(df: pd.DataFrame, *, what: str = "indicator table") -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame (units x indicators), got {type(df).__name__}")
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise ValueError(f"{what} is empty: it has {df.shape[0]} unit(s) and {df.shape[1]} indicator(s)")
    if df.columns.has_duplicates:
        dup = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise ValueError(f"{what} has duplicate indicator column(s) {dup}")
    if df.index.has_duplicates:
        dup = sorted({str(i) for i in df.index[df.index.duplicated()]})
        raise ValueError(f"{what} has duplicate unit(s) {dup} in its index")
    require_numeric(df, df.columns, what=what)
    arr = df.to_numpy(dtype=float, na_value=np.nan)
    inf = np.isinf(arr)
    if inf.any():
        r, c = np.argwhere(inf)[0]
        raise ValueError(f"{what}: infinite value at unit {df.index[r]!r}, indicator {df.columns[c]!r}")


def _match_keys(keys: Iterable[Any], columns: pd.Index, *, what: str) -> None:
    keys = list(keys)
    unknown = [k for k in keys if k not in columns]
    missing = [c for c in columns if c not in set(keys)]
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(f"unknown indicator(s) {unknown}")
        if missing:
            parts.append(f"no entry for indicator(s) {missing}")
        raise KeyError(f"{what}: {'; '.join(parts)}; the indicators are {list(columns)}")


def polarity_signs(polarity: Polarity, columns: Iterable[str]) -> pd.Series:
    """Turn a polarity specification into a ``Series`` of +1 (higher is better) / -1 (lower is better).

    ``polarity`` maps every indicator in ``columns`` to ``+1``/``-1`` or ``"higher"``/``"lower"``
    (``"+"``/``"-"``, ``"positive"``/``"negative"`` also accepted); ``None`` means +1 for all. Unknown or
    missing indicators raise ``KeyError`` naming them; any other value raises ``ValueError``.
    """
    columns = pd.Index(list(columns))
    if polarity is None:
        return pd.Series(1, index=columns, dtype=int, name="polarity")
    pol = pd.Series(polarity) if not isinstance(polarity, pd.Series) else polarity
    _match_keys(pol.index, columns, what="polarity")
    out = {}
    for col in columns:
        v = pol[col]
        if isinstance(v, str) and v.strip().lower() in _POLARITY_WORDS:
            out[col] = _POLARITY_WORDS[v.strip().lower()]
        elif not isinstance(v, (str, bool)) and v in (1, -1):
            out[col] = int(v)
        else:
            raise ValueError(f"polarity of indicator {col!r} must be +1/-1 or 'higher'/'lower', got {v!r}")
    return pd.Series(out, dtype=int, name="polarity").reindex(columns)


# --------------------------------------------------------------------------------------------- imputation
def _group_labels(index: pd.Index, groups: Mapping[Any, Any] | pd.Series | None, *, what: str) -> pd.Series:
    if groups is None:
        raise ValueError(f"{what} needs groups={{unit: group}} for every unit")
    g = pd.Series(groups) if not isinstance(groups, pd.Series) else groups
    missing = [u for u in index if u not in g.index]
    if missing:
        raise KeyError(f"{what}: groups has no group for unit(s) {missing[:10]}")
    g = g.reindex(index)
    if g.isna().any():
        raise ValueError(f"{what}: the group is empty for unit(s) {list(g.index[g.isna()])[:10]}")
    return g


def _impute_regression(df: pd.DataFrame) -> pd.DataFrame:
    complete = [c for c in df.columns if not df[c].isna().any()]
    out = df.copy()
    for col in df.columns:
        miss = df[col].isna().to_numpy()
        if not miss.any():
            continue
        preds = [c for c in complete if c != col]
        if not preds:
            raise ValueError(
                f"missing='regression' cannot impute indicator {col!r}: no other indicator is complete to "
                "predict it from; use missing='mean' or 'group_mean'"
            )
        n_obs = int((~miss).sum())
        if n_obs < len(preds) + 2:
            raise ValueError(
                f"missing='regression' cannot impute indicator {col!r}: {n_obs} unit(s) report it, fewer than "
                f"the {len(preds) + 2} needed to fit a regression on {len(preds)} complete indicator(s)"
            )
        design = np.column_stack([np.ones(len(df)), df[preds].to_numpy(dtype=float)])
        coef, *_ = np.linalg.lstsq(design[~miss], df[col].to_numpy(dtype=float)[~miss], rcond=None)
        out.loc[miss, col] = design[miss] @ coef
    return out


def impute(
    df: pd.DataFrame,
    missing: Missing = "raise",
    *,
    groups: Mapping[Any, Any] | pd.Series | None = None,
) -> pd.DataFrame:
    """Handle missing values (Handbook step "imputation of missing data") explicitly.

    ``missing``:

    * ``"raise"`` (default): ``ValueError`` naming every (unit, indicator) pair that is missing;
    * ``"mean"`` / ``"median"``: replace a missing value by the indicator's mean / median over the units that
      report it (unconditional mean/median substitution, one of the Handbook's single-imputation methods);
    * ``"group_mean"``: replace ``x_ui`` by the mean of indicator ``i`` over the units of ``u``'s group that
      report it, ``x_ui = mean{x_vi : g(v) = g(u), x_vi observed}``, with ``groups`` mapping each unit to a
      group (e.g. a sector or a size class). Source: the Handbook's mean substitution within classes and
      COINr's ``Impute(f_i = "i_mean_grp")``. A group in which nobody reports the indicator raises;
    * ``"regression"``: regression imputation (Handbook, section "Imputation of missing data", after Little
      & Rubin 2002): for each indicator ``j`` with gaps, the ordinary least-squares fit
      ``x_j = b_0 + sum_k b_k x_k`` over the units that report ``j``, where the ``x_k`` are the indicators
      that no unit misses, predicts the missing ``x_uj``. Needs at least one complete indicator and
      ``k + 2`` reporting units;
    * ``"drop_unit"``: drop every unit with a missing value ("case deletion"); raises if none is left.

    An indicator that nobody reports cannot be imputed and always raises.
    """
    _check_indicators(df)
    df = df.astype(float)
    na = df.isna()
    if missing not in MISSING:
        raise ValueError(f"missing must be one of {list(MISSING)}, got {missing!r}")
    if missing == "group_mean":
        g = _group_labels(df.index, groups, what="missing='group_mean'")
    if not na.to_numpy().any():
        return df
    empty = [c for c in df.columns if na[c].all()]
    if empty:
        raise ValueError(f"indicator(s) {empty} have no reported value for any unit: cannot impute")
    if missing == "raise":
        pairs = [(df.index[r], df.columns[c]) for r, c in np.argwhere(na.to_numpy())]
        shown = ", ".join(f"({u!r}, {i!r})" for u, i in pairs[:10])
        more = f" and {len(pairs) - 10} more" if len(pairs) > 10 else ""
        raise ValueError(
            f"missing value(s) at (unit, indicator) {shown}{more}; choose missing='mean', 'median', "
            "'group_mean', 'regression' or 'drop_unit' to impute or drop them explicitly"
        )
    if missing == "mean":
        return df.fillna(df.mean())
    if missing == "median":
        return df.fillna(df.median())
    if missing == "group_mean":
        means = df.groupby(g, sort=False).transform("mean")
        out = df.fillna(means)
        if out.isna().to_numpy().any():
            r, c = np.argwhere(out.isna().to_numpy())[0]
            raise ValueError(
                f"missing='group_mean': no unit of group {g.iloc[r]!r} reports indicator {df.columns[c]!r}"
            )
        return out
    if missing == "regression":
        return _impute_regression(df)
    out = df.loc[~na.any(axis=1)]
    if out.empty:
        raise ValueError("missing='drop_unit' leaves no unit: every unit has a missing value")
    return out


# ------------------------------------------------------------------------------------------ normalisation
def _reference(
    df: pd.DataFrame, signs: pd.Series, method: str, target: Mapping[str, float] | pd.Series | None
) -> pd.Series:
    if method == "leader":
        if target is not None:
            raise ValueError("method='leader' takes the best unit as reference: do not pass target")
        best = np.where(signs.to_numpy() > 0, df.max().to_numpy(), df.min().to_numpy())
        return pd.Series(best, index=df.columns)
    if target is None:
        raise ValueError("method='target' needs target={indicator: value} for every indicator")
    tgt = pd.Series(target, dtype=float) if not isinstance(target, pd.Series) else target.astype(float)
    _match_keys(tgt.index, df.columns, what="target")
    tgt = tgt.reindex(df.columns)
    bad = [c for c in df.columns if not np.isfinite(tgt[c]) or tgt[c] <= 0]
    if bad:
        raise ValueError(f"target for indicator(s) {bad} must be finite and > 0")
    return tgt


Bounds = Mapping[str, tuple[float, float]]


def _per_indicator(spec: Mapping[str, Any] | pd.Series, columns: pd.Index, *, what: str) -> dict[str, Any]:
    keys = list(spec.index) if isinstance(spec, pd.Series) else list(spec)
    _match_keys(keys, columns, what=what)
    return {c: spec[c] for c in columns}


def _winsorise(x: np.ndarray, winsorise: tuple[float, float]) -> np.ndarray:
    lo_q, hi_q = winsorise
    if not 0 <= lo_q < hi_q <= 100:
        raise ValueError(f"winsorise must be two percentiles 0 <= low < high <= 100, got {winsorise}")
    lo, hi = np.percentile(x, [lo_q, hi_q], axis=0)
    return np.clip(x, lo, hi)


def _categorical(
    x: np.ndarray,
    s: np.ndarray,
    columns: pd.Index,
    thresholds: Mapping[str, Sequence[float]] | None,
    scores: Sequence[float] | None,
) -> np.ndarray:
    if thresholds is None:
        raise ValueError(
            "method='categorical' needs thresholds={indicator: [cut-points in increasing order]}"
        )
    cuts = _per_indicator(thresholds, columns, what="thresholds")
    out = np.empty_like(x)
    for j, col in enumerate(columns):
        c = np.asarray(cuts[col], dtype=float)
        if c.ndim != 1 or c.size == 0 or not np.isfinite(c).all() or (np.diff(c) <= 0).any():
            raise ValueError(
                f"thresholds of indicator {col!r} must be finite and strictly increasing, got {cuts[col]!r}"
            )
        sc = np.linspace(0.0, 1.0, c.size + 1) if scores is None else np.asarray(scores, dtype=float)
        if sc.shape != (c.size + 1,):
            raise ValueError(
                f"indicator {col!r} has {c.size} threshold(s), so scores needs {c.size + 1} values, got {len(sc)}"
            )
        cat = np.searchsorted(c, x[:, j], side="right")
        out[:, j] = sc[cat] if s[j] > 0 else sc[c.size - cat]
    return out


def normalise(
    df: pd.DataFrame,
    method: str = "minmax",
    polarity: Polarity = None,
    *,
    target: Mapping[str, float] | pd.Series | None = None,
    bounds: Bounds | None = None,
    cap: float | None = None,
    thresholds: Mapping[str, Sequence[float]] | None = None,
    scores: Sequence[float] | None = None,
    winsorise: tuple[float, float] | None = None,
    missing: Missing = "raise",
    groups: Mapping[Any, Any] | pd.Series | None = None,
    constant: Literal["raise", "midpoint"] = "raise",
) -> pd.DataFrame:
    """Normalise every indicator (Handbook step "normalisation") so that higher always means better.

    With ``s = +1`` for "higher is better" and ``s = -1`` for "lower is better":

    * ``"minmax"``: ``(x - min) / (max - min)`` if ``s = +1``, ``(max - x) / (max - min)`` if ``s = -1``;
      values in [0, 1], the best unit gets 1. With ``bounds={indicator: (lo, hi)}`` the *fixed goalposts*
      ``lo``/``hi`` replace the sample's min and max and values outside them are capped first,
      ``x' = min(max(x, lo), hi)``: the UNDP Human Development Index's dimension index
      ``(actual - minimum) / (maximum - minimum)`` with goalposts such as life expectancy 20-85 years
      (UNDP, *Human Development Report 2021/2022*, Technical notes), so a unit's score does not move
      when other units change.
    * ``"zscore"``: ``s * (x - mean) / sigma`` with the population standard deviation (ddof = 0).
    * ``"rank"``: rank of ``s * x`` among the units, 1 = worst, n = best, ties get the average rank.
    * ``"percentile"``: percentile rank ``(r - 1) / (n - 1)`` with ``r`` the rank above, in [0, 1]
      (0 = worst, 1 = best): the Handbook's "ranking" rescaled to the unit interval.
    * ``"categorical"``: scores by thresholds (Handbook: "categorical scales"). ``thresholds`` gives each
      indicator its strictly increasing cut-points ``t_1 < ... < t_k`` in its own units; a value falls in
      category ``c = #{j : t_j <= x}`` (0..k) and gets ``scores[c]`` (default ``c / k``, evenly spaced in
      [0, 1]); for ``s = -1`` the scores run the other way, ``scores[k - c]``.
    * ``"target"``: distance to a reference as a ratio, ``x / target`` if ``s = +1`` and ``target / x`` if
      ``s = -1`` (1 = on target, above 1 = beyond it); needs ``target`` for each indicator, > 0.
      With ``cap`` the ratio is capped, ``min(ratio, cap)``: ``cap=1`` gives the share of the target reached,
      with no credit for overshooting it (the Handbook's "distance to a reference" with a ceiling).
    * ``"leader"``: the same ratio with the best unit's value as reference, so the leader scores 1 and
      everyone else lies in (0, 1] when all values are > 0.

    ``winsorise=(low, high)`` (percentiles, e.g. ``(5, 95)``) clips each indicator at its own ``low``-th and
    ``high``-th percentile before ``"minmax"`` (without ``bounds``) or ``"zscore"``: the Handbook's
    treatment of outliers (COINr's ``Treat`` also winsorises, choosing how many points by skewness and
    kurtosis; here the percentiles are given).

    Ratios need values > 0 where they are a denominator (``"target"``/``"leader"`` with ``s = -1``, or the
    leader's value with ``s = +1``); otherwise a ``ValueError`` names the indicator.

    Missing values are handled first by :func:`impute` with ``missing`` (and ``groups`` for
    ``"group_mean"``). A constant indicator (max = min) raises ``ValueError`` under ``"minmax"``/``"zscore"``;
    with ``constant="midpoint"`` it is set to 0.5 (min-max) or 0 (z-score) for all units, with a
    ``UserWarning`` naming it.
    """
    if constant not in ("raise", "midpoint"):
        raise ValueError(f"constant must be 'raise' or 'midpoint', got {constant!r}")
    if method not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation method {method!r}; choose one of {list(NORMALISATIONS)}")
    extras = {
        "bounds": bounds,
        "cap": cap,
        "thresholds": thresholds,
        "scores": scores,
        "winsorise": winsorise,
    }
    allowed = {
        "minmax": {"bounds", "winsorise"},
        "zscore": {"winsorise"},
        "categorical": {"thresholds", "scores"},
        "target": {"cap"},
        "leader": {"cap"},
    }.get(method, set())
    stray = [k for k, v in extras.items() if v is not None and k not in allowed]
    if stray:
        raise ValueError(f"option(s) {stray} do not apply to method {method!r}")
    if bounds is not None and winsorise is not None:
        raise ValueError("fixed bounds and winsorising exclude each other: the bounds already cap the values")
    df = impute(df, missing, groups=groups)
    signs = polarity_signs(polarity, df.columns)
    x = df.to_numpy(dtype=float)
    s = signs.to_numpy(dtype=float)
    if winsorise is not None:
        x = _winsorise(x, winsorise)
    if method == "minmax" and bounds is not None:
        b = _per_indicator(bounds, df.columns, what="bounds")
        lo = np.empty(len(df.columns))
        hi = np.empty(len(df.columns))
        for j, col in enumerate(df.columns):
            try:
                lo[j], hi[j] = (float(v) for v in b[col])
            except (TypeError, ValueError):
                raise ValueError(
                    f"bounds of indicator {col!r} must be a pair (lower, upper), got {b[col]!r}"
                ) from None
            if not (np.isfinite(lo[j]) and np.isfinite(hi[j]) and lo[j] < hi[j]):
                raise ValueError(
                    f"bounds of indicator {col!r} must be finite with lower < upper, got {b[col]!r}"
                )
        xc = np.clip(x, lo, hi)
        span = hi - lo
        out = np.where(s > 0, (xc - lo) / span, (hi - xc) / span)
    elif method in ("minmax", "zscore"):
        lo, hi = x.min(axis=0), x.max(axis=0)
        const = hi == lo
        if const.any():
            names = list(df.columns[const])
            if constant == "raise":
                raise ValueError(
                    f"indicator(s) {names} are constant across units: {method} normalisation is undefined "
                    "(drop them, or pass constant='midpoint')"
                )
            warnings.warn(f"constant indicator(s) {names} set to the midpoint", UserWarning, stacklevel=2)
        if method == "minmax":
            span = np.where(const, 1.0, hi - lo)
            out = np.where(s > 0, (x - lo) / span, (hi - x) / span)
            out[:, const] = 0.5
        else:
            sigma = x.std(axis=0, ddof=0)
            out = s * (x - x.mean(axis=0)) / np.where(const, 1.0, sigma) + 0.0
            out[:, const] = 0.0
    elif method in ("rank", "percentile"):
        out = (pd.DataFrame(x * s, index=df.index, columns=df.columns).rank(method="average")).to_numpy()
        if method == "percentile":
            if len(df) < 2:
                raise ValueError("percentile normalisation needs at least two units")
            out = (out - 1.0) / (len(df) - 1.0)
    elif method == "categorical":
        out = _categorical(x, s, df.columns, thresholds, scores)
    else:
        ref = _reference(df, signs, method, target).to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(s > 0, x / ref, ref / x)
        bad = ~np.isfinite(out).all(axis=0) | ((ref <= 0) & (s > 0))
        neg = (x <= 0).any(axis=0) & (s < 0)
        bad = bad | neg
        if bad.any():
            raise ValueError(
                f"{method} normalisation is undefined for indicator(s) {list(df.columns[bad])}: the ratio "
                "needs a reference > 0 and, for 'lower is better', values > 0"
            )
        if cap is not None:
            if not np.isfinite(cap) or cap <= 0:
                raise ValueError(f"cap must be a finite number > 0, got {cap!r}")
            out = np.minimum(out, cap)
    return pd.DataFrame(out, index=df.index, columns=df.columns)


# ---------------------------------------------------------------------------------------------- weighting
def weights_equal(columns: Iterable[str]) -> pd.Series:
    """Equal weights ``w_i = 1 / n`` for the ``n`` indicators in ``columns`` (Handbook: equal weighting)."""
    cols = pd.Index(list(columns))
    if len(cols) == 0:
        raise ValueError("weights_equal needs at least one indicator")
    if cols.has_duplicates:
        raise ValueError(f"duplicate indicator(s) {sorted({str(c) for c in cols[cols.duplicated()]})}")
    return pd.Series(1.0 / len(cols), index=cols, name="weight")


def validate_weights(
    weights: Mapping[str, float] | pd.Series, columns: Iterable[str] | None = None, *, tol: float = 1e-6
) -> pd.Series:
    """Check user-given weights and return them as a ``Series`` ordered like ``columns``.

    Rules: one finite, non-negative weight per indicator, no unknown indicator (``KeyError`` naming the
    unknown and the missing ones), and ``|sum(w) - 1| <= tol`` (``ValueError`` quoting the sum; weights are
    never silently rescaled).
    """
    w = pd.Series(weights, dtype=float) if not isinstance(weights, pd.Series) else weights.astype(float)
    if w.index.has_duplicates:
        raise ValueError(
            f"weights name indicator(s) {sorted({str(i) for i in w.index[w.index.duplicated()]})} twice"
        )
    if columns is not None:
        cols = pd.Index(list(columns))
        _match_keys(w.index, cols, what="weights")
        w = w.reindex(cols)
    if len(w) == 0:
        raise ValueError("weights are empty")
    bad = [i for i, v in w.items() if not np.isfinite(v) or v < 0]
    if bad:
        raise ValueError(f"weights must be finite and non-negative; bad for indicator(s) {bad}")
    total = float(w.sum())
    if abs(total - 1.0) > tol:
        raise ValueError(f"weights must sum to 1 (within {tol:g}); they sum to {total:.6g}")
    return w.rename("weight")


def _varimax(loadings: np.ndarray, *, max_iter: int = 1000, tol: float = 1e-12) -> np.ndarray:
    """Kaiser's (1958) varimax rotation of a p x k loading matrix, with Kaiser row normalisation (as in R's
    ``varimax`` and SPSS), by successive closed-form rotations of each pair of factors."""
    p, k = loadings.shape
    if k < 2:
        return loadings.copy()
    h = np.sqrt((loadings**2).sum(axis=1))
    h = np.where(h > 0, h, 1.0)
    lam = loadings / h[:, None]
    for _ in range(max_iter):
        largest = 0.0
        for i in range(k - 1):
            for j in range(i + 1, k):
                x, y = lam[:, i], lam[:, j]
                u, v = x**2 - y**2, 2 * x * y
                a, b = u.sum(), v.sum()
                num = 2 * ((u * v).sum() - a * b / p)
                den = (u**2 - v**2).sum() - (a**2 - b**2) / p
                phi = np.arctan2(num, den) / 4
                largest = max(largest, abs(phi))
                c, s = np.cos(phi), np.sin(phi)
                lam[:, i], lam[:, j] = x * c + y * s, -x * s + y * c
        if largest < tol:
            break
    return lam * h[:, None]


def weights_pca(
    df: pd.DataFrame,
    *,
    min_eigenvalue: float = 1.0,
    rotate: bool = True,
    missing: Missing = "raise",
) -> pd.Series:
    """Data-driven weights from principal components, after the Handbook's PCA/FA weighting procedure.

    Variant implemented (the Handbook's procedure, after Nicoletti, Scarpetta & Boylaud 2000):

    1. principal components of the indicators' correlation matrix (so the scale and polarity of each
       indicator do not matter: only squared loadings are used);
    2. retain the components with eigenvalue >= ``min_eigenvalue`` (Kaiser's rule, at least one kept); the
       Handbook's further conditions (each retained factor explains > 10% of the variance, together > 60%)
       are not enforced: check them with the eigenvalues before relying on the weights;
    3. loadings ``a_jk = v_jk * sqrt(lambda_k)``, rotated by varimax when ``rotate`` (as in the Handbook;
       Kaiser's pairwise algorithm with row normalisation, the default of R's ``varimax`` and SPSS);
    4. squared loadings scaled to unit sum per component, ``c_jk = a_jk^2 / sum_j a_jk^2``; each
       component's share of the retained variance ``e_k = sum_j a_jk^2 / sum_kj a_jk^2``;
    5. each indicator is assigned to the component on which ``c_jk`` is largest and gets
       ``w_j = e_k c_jk`` for that component; the weights are finally rescaled to sum to 1.

    Worked example (tested): two uncorrelated pairs with within-pair correlations 0.8 and 0.5 have
    eigenvalues 1.8, 1.5, 0.5, 0.2; two components are kept, each pair member gets ``c = 0.5`` and
    ``w = 0.5 * 1.8 / 3.3 = 0.2727`` (first pair) or ``0.5 * 1.5 / 3.3 = 0.2273`` (second pair).
    Needs at least three units and no constant indicator.
    """
    df = impute(df, missing)
    if df.shape[0] < 3:
        raise ValueError(f"weights_pca needs at least 3 units, got {df.shape[0]}")
    x = df.to_numpy(dtype=float)
    sd = x.std(axis=0, ddof=0)
    if (sd == 0).any():
        raise ValueError(f"weights_pca: indicator(s) {list(df.columns[sd == 0])} are constant")
    corr = np.corrcoef(x, rowvar=False).reshape(df.shape[1], df.shape[1])
    eigval, eigvec = np.linalg.eigh(corr)
    order = np.argsort(eigval)[::-1]
    eigval, eigvec = eigval[order], eigvec[:, order]
    keep = max(1, int((eigval >= min_eigenvalue - 1e-9).sum()))
    load = eigvec[:, :keep] * np.sqrt(np.clip(eigval[:keep], 0.0, None))
    if rotate:
        load = _varimax(load)
    sq = load**2
    explained = sq.sum(axis=0)
    scaled = sq / explained
    share = explained / explained.sum()
    best = scaled.argmax(axis=1)
    w = share[best] * scaled[np.arange(len(best)), best]
    return pd.Series(w / w.sum(), index=df.columns, name="weight")


# -------------------------------------------------------------------------------------------- aggregation
def aggregate(
    norm: pd.DataFrame,
    weights: Mapping[str, float] | pd.Series | None = None,
    method: Literal["linear", "geometric"] = "linear",
    *,
    shift: float = 0.0,
) -> pd.Series:
    """Aggregate normalised indicators into one composite score per unit (Handbook step "aggregation").

    * ``"linear"``: ``CI_u = sum_i w_i x_ui`` (fully compensatory);
    * ``"geometric"``: ``CI_u = prod_i (x_ui + shift) ** w_i`` (partly compensatory: a poor indicator is
      harder to offset). Zero handling: with the default ``shift = 0`` any value ``<= 0`` raises
      ``ValueError`` naming the unit and indicator (min-max always gives the worst unit a 0, z-scores are
      negative); pass a ``shift > 0`` (e.g. 0.01 on a [0, 1] scale) to aggregate ``x + shift`` instead.

    ``weights`` default to equal weights and are checked by :func:`validate_weights`. Missing normalised
    values raise (impute before normalising).
    """
    _check_indicators(norm, what="normalised indicator table")
    w = weights_equal(norm.columns) if weights is None else validate_weights(weights, norm.columns)
    x = norm.to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(x).any():
        r, c = np.argwhere(np.isnan(x))[0]
        raise ValueError(f"missing normalised value at unit {norm.index[r]!r}, indicator {norm.columns[c]!r}")
    wv = w.to_numpy()
    if method == "linear":
        out = x @ wv
    elif method == "geometric":
        xs = x + shift
        if (xs <= 0).any():
            r, c = np.argwhere(xs <= 0)[0]
            raise ValueError(
                f"geometric aggregation needs values > 0; unit {norm.index[r]!r} has {x[r, c]!r} on indicator "
                f"{norm.columns[c]!r} (shift={shift}); use normalisation 'minmax' with shift > 0, 'rank', "
                "'target' or 'leader'"
            )
        out = np.exp(np.log(xs) @ wv)
    else:
        raise ValueError(f"aggregation method must be 'linear' or 'geometric', got {method!r}")
    return pd.Series(out, index=norm.index, name="composite")


# -------------------------------------------------------------------------------------------- hierarchy
AGGREGATIONS: tuple[str, ...] = ("linear", "geometric")


@dataclass(frozen=True)
class Hierarchy:
    """A composite's structure: indicators -> pillars -> (sub-indices ->) index, one aggregation per level.

    Build it with :func:`hierarchy`. ``levels`` names the levels from the bottom (``levels[0]`` holds the
    indicators) and ends with ``index_name``, the single top node. ``parent`` maps every node below the top
    to its parent; ``weights`` gives each node's weight within its parent, rescaled so that the weights of
    siblings sum to 1; ``aggregation`` names the method that builds each level above the indicators.
    """

    levels: tuple[str, ...]
    nodes: dict[str, tuple[str, ...]]
    parent: dict[str, str]
    weights: dict[str, float]
    aggregation: dict[str, str]
    index_name: str = "index"

    @property
    def indicators(self) -> tuple[str, ...]:
        """The indicators (the nodes of the bottom level), in table order."""
        return self.nodes[self.levels[0]]

    def steps(self) -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
        """Aggregation steps from the bottom: ``(level, method, child nodes, parent nodes)``."""
        return [
            (
                self.levels[k],
                self.aggregation[self.levels[k]],
                self.nodes[self.levels[k - 1]],
                self.nodes[self.levels[k]],
            )
            for k in range(1, len(self.levels))
        ]

    def matrices(self, weights: Mapping[str, float] | None = None) -> list[np.ndarray]:
        """One ``children x parents`` matrix per step holding each child's weight (rescaled within its
        parent) in its parent's column: a level's scores are ``Y = X M`` (linear) or ``exp(log X M)``
        (geometric)."""
        w = self.weights if weights is None else weights
        mats = []
        for _, _, children, parents in self.steps():
            col = {p: j for j, p in enumerate(parents)}
            m = np.zeros((len(children), len(parents)))
            for i, c in enumerate(children):
                m[i, col[self.parent[c]]] = w[c]
            m /= m.sum(axis=0, keepdims=True)
            mats.append(m)
        return mats

    def effective_weights(self) -> pd.Series:
        """Each indicator's weight in the index, the product of the weights on its path to the top
        (its weight in a composite that is linear at every level)."""
        m = self.matrices()[0]
        for nxt in self.matrices()[1:]:
            m = m @ nxt
        return pd.Series(m[:, 0], index=list(self.indicators), name="weight")


def _aggregation_map(
    steps_levels: list[str], aggregation: str | Sequence[str] | Mapping[str, str]
) -> dict[str, str]:
    if isinstance(aggregation, str):
        agg = {lv: aggregation for lv in steps_levels}
    elif isinstance(aggregation, Mapping):
        unknown = [k for k in aggregation if k not in steps_levels]
        if unknown:
            raise KeyError(f"aggregation names unknown level(s) {unknown}; the levels are {steps_levels}")
        agg = {lv: aggregation.get(lv, "linear") for lv in steps_levels}
    else:
        agg_list = list(aggregation)
        if len(agg_list) != len(steps_levels):
            raise ValueError(
                f"aggregation needs one method per level {steps_levels}, got {len(agg_list)}: {agg_list}"
            )
        agg = dict(zip(steps_levels, agg_list, strict=True))
    for lv, m in agg.items():
        if m not in AGGREGATIONS:
            raise ValueError(f"aggregation of level {lv!r} must be 'linear' or 'geometric', got {m!r}")
    return agg


def hierarchy(
    table: pd.DataFrame,
    levels: Sequence[str],
    *,
    weights: Mapping[str, float] | pd.Series | None = None,
    aggregation: str | Sequence[str] | Mapping[str, str] = "linear",
    index_name: str = "index",
) -> Hierarchy:
    """Build the structure of a composite index (a :class:`Hierarchy`) from a table with one row per indicator.

    ``levels`` names the table's columns from the bottom up: ``levels[0]`` the indicator codes, then the
    group each indicator belongs to (pillar), the group that group belongs to (sub-index), and so on; the
    index ``index_name`` on top is added. Every node must sit under one parent only and node names must be
    unique across levels (as COINr's ``iMeta`` requires).

    ``weights`` maps any node (indicator or group) to its weight within its parent; nodes not named weigh 1.
    Within each parent the weights are rescaled to sum to 1, ``w_c / sum_{siblings} w``, as COINr rescales
    weights within each aggregation group; so equal weights per pillar need no weights at all.
    ``aggregation`` is one method for every level, a sequence with one method per level above the indicators
    (bottom first, the index last), or a mapping from level name (``index_name`` included) to method:
    ``"linear"`` or ``"geometric"`` (see :func:`aggregate`). The UNDP HDI, for example, is
    ``aggregation={"dimension": "linear", "index": "geometric"}`` over indicators -> dimensions.
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    levels = list(levels)
    if not levels:
        raise ValueError("levels must name at least the indicator column")
    missing_cols = [lv for lv in levels if lv not in table.columns]
    if missing_cols:
        raise KeyError(
            f"level column(s) {missing_cols} are not in the table; its columns are {list(table.columns)}"
        )
    if index_name in levels:
        raise ValueError(f"index_name {index_name!r} is also a level column")
    all_levels = (*levels, index_name)
    t = table[levels].copy()
    if t.isna().any().any():
        bad = t.columns[t.isna().any()].tolist()
        raise ValueError(
            f"level column(s) {bad} have empty cells: every indicator needs a group at every level"
        )
    t = t.astype(str)
    t[index_name] = index_name
    if t[levels[0]].duplicated().any():
        raise ValueError(f"indicator(s) {sorted(set(t[levels[0]][t[levels[0]].duplicated()]))} appear twice")
    nodes: dict[str, tuple[str, ...]] = {lv: tuple(dict.fromkeys(t[lv])) for lv in all_levels}
    seen: dict[str, str] = {}
    for lv in all_levels:
        for n in nodes[lv]:
            if n in seen:
                raise ValueError(
                    f"node name {n!r} is used at levels {seen[n]!r} and {lv!r}: names must be unique"
                )
            seen[n] = lv
    parent: dict[str, str] = {}
    for lo, hi in zip(all_levels[:-1], all_levels[1:], strict=True):
        pairs = t[[lo, hi]].drop_duplicates()
        multi = pairs[lo][pairs[lo].duplicated()].tolist()
        if multi:
            raise ValueError(
                f"{lo} node(s) {sorted(set(multi))} sit under more than one {hi}: the structure must be a tree"
            )
        parent.update(dict(zip(pairs[lo], pairs[hi], strict=True)))
    w = {n: 1.0 for n in parent}
    if weights is not None:
        given = (
            pd.Series(weights, dtype=float) if not isinstance(weights, pd.Series) else weights.astype(float)
        )
        unknown = [k for k in given.index if k not in parent]
        if unknown:
            raise KeyError(f"weights name unknown node(s) {unknown}; the nodes are {list(parent)}")
        bad = [k for k, v in given.items() if not np.isfinite(v) or v < 0]
        if bad:
            raise ValueError(f"weights must be finite and non-negative; bad for node(s) {bad}")
        w.update({str(k): float(v) for k, v in given.items()})
    for hi_level in all_levels[1:]:
        for p in nodes[hi_level]:
            if sum(w[c] for c, pp in parent.items() if pp == p) <= 0:
                raise ValueError(f"the weights of the children of {p!r} are all zero")
    agg = _aggregation_map(list(all_levels[1:]), aggregation)
    return Hierarchy(
        levels=all_levels, nodes=nodes, parent=parent, weights=w, aggregation=agg, index_name=index_name
    )


def _subset(spec: Any, cols: Sequence[str]) -> Any:
    """A per-indicator mapping cut down to ``cols`` (keys outside the structure are not used)."""
    if spec is None or not isinstance(spec, (Mapping, pd.Series)):
        return spec
    keys = spec.index if isinstance(spec, pd.Series) else spec.keys()
    return {c: spec[c] for c in cols if c in keys}


def _tree_scores(
    x: np.ndarray, structure: Hierarchy, mats: Sequence[np.ndarray], methods: Sequence[str], shift: float
) -> list[np.ndarray]:
    """Scores of every level above the indicators. ``x`` is ``(..., units, indicators)``; each matrix is
    ``(..., children, parents)``, broadcast against ``x``."""
    out = []
    cur = x
    for (level, _, children, _), m, method in zip(structure.steps(), mats, methods, strict=True):
        if method == "linear":
            cur = cur @ m
        else:
            xs = cur + shift
            if (xs <= 0).any():
                idx = np.argwhere(xs <= 0)[0]
                raise ValueError(
                    f"geometric aggregation into level {level!r} needs values > 0; {children[idx[-1]]!r} has "
                    f"{float(cur[tuple(idx)]):.4g} (shift={shift}); pass shift > 0 or use another normalisation"
                )
            cur = np.exp(np.log(xs) @ m)
        out.append(cur)
    return out


@dataclass(frozen=True)
class CompositeResult:
    """Outcome of :func:`composite_index` with a ``structure``: ``scores`` has one column per node (the
    normalised indicators, then each level's groups, the index last), ``ranks`` the rank of each unit in each
    column (1 = best; ties share the best rank)."""

    scores: pd.DataFrame
    ranks: pd.DataFrame
    structure: Hierarchy

    @property
    def composite(self) -> pd.Series:
        """The index (the top level's score)."""
        return self.scores[self.structure.index_name]

    def level(self, name: str) -> pd.DataFrame:
        """The scores of one level (``"pillar"``, the indicator level, or the index), one column per node."""
        if name not in self.structure.levels:
            raise KeyError(f"unknown level {name!r}; the levels are {list(self.structure.levels)}")
        return self.scores[list(self.structure.nodes[name])]


def composite_index(
    df: pd.DataFrame,
    polarity: Polarity = None,
    *,
    normalisation: str = "minmax",
    weights: Literal["equal", "pca"] | Mapping[str, float] | pd.Series = "equal",
    aggregation: Literal["linear", "geometric"] = "linear",
    structure: Hierarchy | None = None,
    target: Mapping[str, float] | pd.Series | None = None,
    bounds: Bounds | None = None,
    missing: Missing = "raise",
    groups: Mapping[Any, Any] | pd.Series | None = None,
    shift: float = 0.0,
    **normalise_options: Any,
) -> pd.Series | CompositeResult:
    """Normalise, weight and aggregate in one call.

    Without ``structure``: ``aggregate(normalise(df, ...), w, aggregation)``, a ``Series``. ``weights`` is
    ``"equal"`` (:func:`weights_equal`), ``"pca"`` (:func:`weights_pca` on the imputed raw data) or a
    mapping checked by :func:`validate_weights`.

    With ``structure`` (a :class:`Hierarchy`): the normalised indicators are aggregated level by level, each
    level with its own method and its weights within each parent, ``y_p = sum_c w_c y_c`` (linear) or
    ``y_p = prod_c (y_c + shift)^{w_c}`` (geometric) for the children ``c`` of ``p``; the weights and
    methods come from the structure (``weights`` and ``aggregation`` must stay at their defaults). Returns a
    :class:`CompositeResult` with scores and ranks at every level. ``df`` may hold more columns than the
    structure's indicators; only those are used. Further keyword options (``cap``, ``thresholds``,
    ``scores``, ``winsorise``) go to :func:`normalise`.
    """
    if structure is None:
        norm = normalise(
            df,
            normalisation,
            polarity,
            target=target,
            bounds=bounds,
            missing=missing,
            groups=groups,
            **normalise_options,
        )
        if isinstance(weights, str):
            if weights == "equal":
                w = weights_equal(norm.columns)
            elif weights == "pca":
                w = weights_pca(impute(df, missing, groups=groups))
            else:
                raise ValueError(f"weights must be 'equal', 'pca' or a mapping, got {weights!r}")
        else:
            w = validate_weights(weights, norm.columns)
        return aggregate(norm, w, aggregation, shift=shift)
    if not isinstance(structure, Hierarchy):
        raise TypeError(
            f"structure must be a Hierarchy (see benchmark.hierarchy), got {type(structure).__name__}"
        )
    if not (isinstance(weights, str) and weights == "equal") or aggregation != "linear":
        raise ValueError("with a structure, weights and aggregation are set in the Hierarchy, not here")
    _check_indicators(df)
    cols = list(structure.indicators)
    absent = [c for c in cols if c not in df.columns]
    if absent:
        raise KeyError(f"the structure's indicator(s) {absent} are not columns of the table")
    norm = normalise(
        df[cols],
        normalisation,
        _subset(polarity, cols),
        target=_subset(target, cols),
        bounds=_subset(bounds, cols),
        missing=missing,
        groups=groups,
        **{k: (_subset(v, cols) if k == "thresholds" else v) for k, v in normalise_options.items()},
    )
    levels = _tree_scores(
        norm.to_numpy(dtype=float),
        structure,
        structure.matrices(),
        [m for _, m, _, _ in structure.steps()],
        shift,
    )
    parts = [norm] + [
        pd.DataFrame(sc, index=norm.index, columns=list(step[3]))
        for sc, step in zip(levels, structure.steps(), strict=True)
    ]
    scores = pd.concat(parts, axis=1)
    ranks = scores.rank(ascending=False, method="min").astype(int)
    return CompositeResult(scores=scores, ranks=ranks, structure=structure)


# ------------------------------------------------------------------------------------- peer benchmarking
def _groups(index: pd.Index, peer_groups: Mapping[Any, Any] | pd.Series | None) -> pd.Series:
    if peer_groups is None:
        return pd.Series("all", index=index, name="peer_group")
    g = pd.Series(peer_groups) if not isinstance(peer_groups, pd.Series) else peer_groups
    missing = [u for u in index if u not in g.index]
    if missing:
        raise KeyError(f"peer_groups has no group for unit(s) {missing}")
    g = g.reindex(index)
    if g.isna().any():
        raise ValueError(f"peer_groups is empty for unit(s) {list(g.index[g.isna()])}")
    return g.rename("peer_group")


def rank_within(
    scores: pd.Series,
    peer_groups: Mapping[Any, Any] | pd.Series | None = None,
    *,
    higher_is_better: bool = True,
) -> pd.DataFrame:
    """Rank units within their peer group and give their percentile.

    Returns a ``DataFrame`` indexed like ``scores`` with ``score``, ``peer_group``, ``n_peers`` (group size,
    the unit included), ``rank`` (1 = best; ties share the best rank, "min" method) and ``percentile`` =
    ``100 * (number of group members with a strictly worse score) / (n_peers - 1)`` (100 = best of the
    group, 0 = worst; 100 for a group of one). ``peer_groups`` maps each unit to a group label (``None``:
    one group of all units); a unit without a group raises ``KeyError``.
    """
    if not isinstance(scores, pd.Series):
        raise TypeError(f"scores must be a pandas Series, got {type(scores).__name__}")
    if scores.isna().any():
        raise ValueError(f"scores are missing for unit(s) {list(scores.index[scores.isna()])}")
    g = _groups(scores.index, peer_groups)
    s = scores.astype(float) if higher_is_better else -scores.astype(float)
    frame = pd.DataFrame({"score": scores, "peer_group": g})
    by = s.groupby(g, sort=False)
    frame["n_peers"] = by.transform("size").astype(int)
    frame["rank"] = by.rank(method="min", ascending=False).astype(int)
    worse = by.rank(method="min", ascending=True) - 1
    denom = (frame["n_peers"] - 1).where(frame["n_peers"] > 1, 1)
    frame["percentile"] = np.where(frame["n_peers"] > 1, 100.0 * worse / denom, 100.0)
    return frame


def gap_to_best(
    df: pd.DataFrame,
    polarity: Polarity = None,
    peer_groups: Mapping[Any, Any] | pd.Series | None = None,
    *,
    relative: bool = False,
    missing: Missing = "raise",
) -> pd.DataFrame:
    """Gap of each unit to the best-in-class of its peer group, per indicator, in the indicator's own units.

    ``gap = best - x`` for "higher is better" (best = group max) and ``gap = x - best`` for "lower is
    better" (best = group min), so gaps are >= 0 and the best-in-class has 0. With ``relative=True`` the gap
    is divided by ``|best|`` (``ValueError`` if a best value is 0).
    """
    df = impute(df, missing)
    signs = polarity_signs(polarity, df.columns)
    g = _groups(df.index, peer_groups)
    oriented = df * signs
    best = oriented.groupby(g, sort=False).transform("max")
    gap = best - oriented
    if relative:
        best_raw = best * signs
        zero = (best_raw == 0).any()
        if zero.any():
            raise ValueError(
                f"relative gap undefined: best value is 0 for indicator(s) {list(zero[zero].index)}"
            )
        gap = gap / best_raw.abs()
    return gap


# ------------------------------------------------------------------------------ uncertainty / sensitivity
@dataclass(frozen=True)
class SensitivityResult:
    """Outcome of :func:`sensitivity`.

    ``summary``: one row per unit with ``base_rank`` (equal or given weights, first normalisation, first
    aggregation), ``median_rank``, ``rank_low`` and ``rank_high`` (the percentile interval) and
    ``interval_width``, sorted by median rank. ``ranks``: draws x units integer ranks (1 = best).
    ``draws``: per draw, the normalisation and aggregation used. ``weights``: draws x indicators.
    """

    summary: pd.DataFrame
    ranks: pd.DataFrame
    draws: pd.DataFrame
    weights: pd.DataFrame
    interval: tuple[float, float]


def _ranks_desc(scores: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, 1 = highest score; ties broken by unit order (argsort-based)."""
    order = np.argsort(-scores, axis=-1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, scores.shape[-1] + 1), axis=-1)
    return ranks


def sensitivity(
    df: pd.DataFrame,
    polarity: Polarity = None,
    *,
    n_draws: int = 1000,
    seed: int | np.random.Generator | None = None,
    normalisations: Sequence[str] = ("minmax", "zscore", "rank"),
    aggregations: Sequence[Literal["linear", "geometric"]] = ("linear",),
    weights: Mapping[str, float] | pd.Series | None = None,
    weight_dirichlet_alpha: float | None = 1.0,
    interval: tuple[float, float] = (5.0, 95.0),
    target: Mapping[str, float] | pd.Series | None = None,
    missing: Missing = "raise",
    shift: float = 0.0,
) -> SensitivityResult:
    """Monte Carlo uncertainty analysis of the composite ranking (Handbook step "uncertainty and sensitivity analysis").

    Each of ``n_draws`` draws picks, uniformly and independently, a normalisation from ``normalisations``
    and an aggregation from ``aggregations``, and a weight vector ``w ~ Dirichlet(alpha * n * w0)`` where
    ``w0`` are the base ``weights`` (equal by default), ``n`` the number of indicators and ``alpha =
    weight_dirichlet_alpha``. So ``E[w] = w0``; with equal base weights ``alpha = 1`` is the uniform
    distribution on the simplex and larger ``alpha`` keeps draws closer to ``w0``; ``alpha=None`` keeps
    ``w0`` fixed. The composite is computed as in :func:`aggregate` and units are ranked (1 = best; ties
    broken by unit order). Reported per unit: median rank and the ``interval`` percentiles of its rank.

    The same ``seed`` gives the same result. Vectorised: the normalised matrices are computed once per
    method and scores for all draws of a method come from one matrix product.
    """
    if n_draws < 1:
        raise ValueError(f"n_draws must be >= 1, got {n_draws}")
    if not normalisations or not aggregations:
        raise ValueError("normalisations and aggregations must each name at least one method")
    lo_q, hi_q = interval
    if not 0 <= lo_q < hi_q <= 100:
        raise ValueError(f"interval must be two percentiles 0 <= low < high <= 100, got {interval}")
    data = impute(df, missing)
    w0 = weights_equal(data.columns) if weights is None else validate_weights(weights, data.columns)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n_ind = data.shape[1]

    mats = {m: normalise(data, m, polarity, target=target).to_numpy() for m in dict.fromkeys(normalisations)}
    for agg in aggregations:
        if agg not in ("linear", "geometric"):
            raise ValueError(f"aggregation method must be 'linear' or 'geometric', got {agg!r}")
    logs = {}
    if "geometric" in aggregations:
        for m, x in mats.items():
            if (x + shift <= 0).any():
                raise ValueError(
                    f"geometric aggregation with normalisation {m!r} meets values <= 0 (shift={shift}); "
                    "pass shift > 0 or drop that combination"
                )
            logs[m] = np.log(x + shift)

    if weight_dirichlet_alpha is None:
        w = np.tile(w0.to_numpy(), (n_draws, 1))
    else:
        if weight_dirichlet_alpha <= 0:
            raise ValueError(f"weight_dirichlet_alpha must be > 0, got {weight_dirichlet_alpha}")
        conc = weight_dirichlet_alpha * n_ind * w0.to_numpy()
        if (conc <= 0).any():
            raise ValueError("Dirichlet weight draws need every base weight > 0")
        w = rng.dirichlet(conc, size=n_draws)
    norm_pick = rng.integers(len(normalisations), size=n_draws)
    agg_pick = rng.integers(len(aggregations), size=n_draws)

    scores = np.empty((n_draws, data.shape[0]))
    for i, m in enumerate(normalisations):
        for j, agg in enumerate(aggregations):
            sel = np.flatnonzero((norm_pick == i) & (agg_pick == j))
            if sel.size == 0:
                continue
            if agg == "linear":
                scores[sel] = w[sel] @ mats[m].T
            else:
                scores[sel] = np.exp(w[sel] @ logs[m].T)
    ranks = _ranks_desc(scores)

    base_norm = mats[normalisations[0]]
    if aggregations[0] == "linear":
        base = base_norm @ w0.to_numpy()
    else:
        base = np.exp(logs[normalisations[0]] @ w0.to_numpy())
    base_rank = _ranks_desc(base[None, :])[0]
    med, low, high = np.percentile(ranks, [50.0, lo_q, hi_q], axis=0)
    summary = pd.DataFrame(
        {
            "base_rank": base_rank,
            "median_rank": med,
            "rank_low": low,
            "rank_high": high,
            "interval_width": high - low,
        },
        index=data.index,
    ).sort_values(["median_rank", "base_rank"], kind="stable")
    draws = pd.DataFrame(
        {
            "normalisation": np.asarray(normalisations, dtype=object)[norm_pick],
            "aggregation": np.asarray(aggregations, dtype=object)[agg_pick],
        }
    )
    return SensitivityResult(
        summary=summary,
        ranks=pd.DataFrame(ranks, columns=data.index),
        draws=draws,
        weights=pd.DataFrame(w, columns=data.columns),
        interval=(float(lo_q), float(hi_q)),
    )


# ------------------------------------------------------------------------ global (variance-based) sensitivity
@dataclass(frozen=True)
class SobolResult:
    """Outcome of :func:`sensitivity_sobol`.

    ``factors``: the uncertain choices (``"imputation"``, ``"normalisation"``, ``"weights"``,
    ``"aggregation"``; those with a single alternative are fixed, not factors). ``first_order`` and
    ``total_order``: units x factors, the Sobol indices ``S_i`` and ``S_Ti`` of each unit's rank (NaN for a
    unit whose rank never changes). ``rank_shift``: factors x (``S1``, ``S1_conf``, ``ST``, ``ST_conf``), the
    indices of the mean absolute rank shift against the nominal ranking with SALib's bootstrap confidence
    half-widths. ``summary``: per unit the nominal rank, median rank, the ``interval`` percentiles of its
    rank and the mean absolute shift. ``ranks``: model runs x units; ``choices``: the alternative each run
    used for each choice (for ``"weights"`` the index into ``weight_sets``, the node weights of each set).
    ``n_base``: the base sample size ``N`` (runs = ``N (k + 2)`` for ``k`` factors).
    """

    factors: tuple[str, ...]
    first_order: pd.DataFrame
    total_order: pd.DataFrame
    rank_shift: pd.DataFrame
    summary: pd.DataFrame
    ranks: pd.DataFrame
    choices: pd.DataFrame
    n_base: int
    interval: tuple[float, float]
    weight_sets: tuple[dict[str, float], ...]


def _noisy_weights(
    structure: Hierarchy, noise: float, n_sets: int, rng: np.random.Generator
) -> list[dict[str, float]]:
    """``n_sets`` weight sets: set 0 is the nominal one; in the others every node's weight is multiplied by
    ``1 + U(-noise, noise)`` (rescaled within its parent when used), as COINr's ``get_noisy_weights``."""
    base = structure.weights
    return [
        dict(base) if k == 0 else {n: v * (1.0 + rng.uniform(-noise, noise)) for n, v in base.items()}
        for k in range(n_sets)
    ]


def sensitivity_sobol(
    df: pd.DataFrame,
    polarity: Polarity = None,
    structure: Hierarchy | None = None,
    *,
    normalisations: Sequence[str] = ("minmax", "rank"),
    aggregations: Sequence[str | Sequence[str] | Mapping[str, str]] = ("linear", "geometric"),
    imputations: Sequence[str] = ("mean",),
    weight_noise: float = 0.25,
    n_weight_sets: int = 100,
    n_base: int = 1024,
    seed: int | None = None,
    groups: Mapping[Any, Any] | pd.Series | None = None,
    shift: float = 0.01,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    interval: tuple[float, float] = (5.0, 95.0),
    normalise_options: Mapping[str, Mapping[str, Any]] | None = None,
) -> SobolResult:
    """Global, variance-based sensitivity analysis of the ranking to the uncertain choices of its construction
    (Handbook step 7; Saltelli et al. 2008, *Global Sensitivity Analysis: The Primer*), after COINr's
    ``get_sensitivity``: every choice is a factor ``X_i`` drawn uniformly in [0, 1) and mapped to one of its
    ``m`` alternatives, ``floor(m X_i)``:

    * ``"imputation"``: a method of :func:`impute` from ``imputations``;
    * ``"normalisation"``: a method of :func:`normalise` from ``normalisations`` (options per method in
      ``normalise_options``, e.g. ``{"minmax": {"bounds": ...}}``);
    * ``"weights"``: one of ``n_weight_sets`` weight sets, the first the nominal one, the others with every
      node's weight times ``1 + U(-weight_noise, weight_noise)``, rescaled within its parent;
    * ``"aggregation"``: one of ``aggregations``, each a method for every level or one per level (as in
      :func:`hierarchy`).

    A choice with one alternative (or ``weight_noise=0``) is fixed. Every combination must be computable:
    z-scores, being negative, cannot be aggregated geometrically (``ValueError`` naming the combination). The first alternative of each is the
    nominal choice. The model output is each unit's rank (1 = best, ties by unit order) and the mean
    absolute rank shift ``(1/n) sum_u |r_u - r_u^nominal|``. SALib draws the Sobol' sample
    (``SALib.sample.sobol.sample``, ``N (k + 2)`` runs, no second-order terms) and estimates, for output
    ``Y`` with variance ``V``, the first-order index ``S_i = V[E(Y|X_i)] / V`` and the total index
    ``S_Ti = E[V(Y|X_~i)] / V`` with the estimators of Saltelli et al. (2010, Jansen's for the total):
    ``SALib.analyze.sobol.first_order``/
    ``total_order`` for every unit at once and ``SALib.analyze.sobol.analyze`` (with bootstrap confidence)
    for the rank shift. ``S_i`` is the share of the rank's variance a choice explains alone, ``S_Ti`` alone
    and with the others; ``sum_i S_i <= 1``, the rest being interactions. These are estimates: with a finite
    sample a small index can come out slightly below 0 and a large one slightly above 1 (the bootstrap
    half-widths in ``rank_shift`` show the precision; a larger ``n_base`` narrows them).

    ``structure`` defaults to one level, indicators -> index, with equal weights. Vectorised: the
    normalised matrix of each (imputation, normalisation) pair is computed once and the scores of all weight
    sets of an aggregation come from batched matrix products; each run then only picks its row.
    """
    try:
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import sobol as sobol_sample
    except ImportError as err:  # SALib comes with the course extra, not with the core package
        raise ImportError(
            "sensitivity_sobol needs SALib: install the course environment (pip install 'clusterkit[course]')"
        ) from err

    if n_base < 2 or n_base & (n_base - 1):
        raise ValueError(f"n_base must be a power of 2 (Sobol' sequences), got {n_base}")
    if not normalisations or not aggregations or not imputations:
        raise ValueError(
            "normalisations, aggregations and imputations must each name at least one alternative"
        )
    if weight_noise < 0 or (weight_noise > 0 and n_weight_sets < 2):
        raise ValueError("weight_noise must be >= 0, and n_weight_sets >= 2 when it is > 0")
    lo_q, hi_q = interval
    if not 0 <= lo_q < hi_q <= 100:
        raise ValueError(f"interval must be two percentiles 0 <= low < high <= 100, got {interval}")
    _check_indicators(df)
    if structure is None:
        table = pd.DataFrame({"indicator": [str(c) for c in df.columns]})
        structure = hierarchy(table, ["indicator"])
        df = df.rename(columns=str)
    cols = list(structure.indicators)
    absent = [c for c in cols if c not in df.columns]
    if absent:
        raise KeyError(f"the structure's indicator(s) {absent} are not columns of the table")
    data = df[cols]
    opts = dict(normalise_options or {})
    stray = [m for m in opts if m not in normalisations]
    if stray:
        raise ValueError(
            f"normalise_options name method(s) {stray} that are not among the normalisations {list(normalisations)}"
        )
    step_levels = list(structure.levels[1:])
    agg_methods = [list(_aggregation_map(step_levels, alt).values()) for alt in aggregations]
    rng = np.random.default_rng(seed)
    n_sets = n_weight_sets if weight_noise > 0 else 1
    weight_sets = _noisy_weights(structure, weight_noise, n_sets, rng)
    per_set = [structure.matrices(w) for w in weight_sets]
    mats = [np.stack(m) for m in zip(*per_set, strict=True)]  # per step: (sets, children, parents)

    # scores[i_imp, i_norm, i_agg] -> (sets, units)
    n_units = len(data)
    table_scores = np.empty((len(imputations), len(normalisations), len(agg_methods), n_sets, n_units))
    for a, imp in enumerate(imputations):
        for b, meth in enumerate(normalisations):
            x = normalise(
                data,
                meth,
                _subset(polarity, cols),
                missing=imp,
                groups=groups,
                **{
                    k: (_subset(v, cols) if k in ("bounds", "thresholds", "target") else v)
                    for k, v in opts.get(meth, {}).items()
                },
            ).to_numpy(dtype=float)
            for c, methods in enumerate(agg_methods):
                try:
                    top = _tree_scores(x[None, :, :], structure, mats, methods, shift)[-1]
                except ValueError as err:
                    raise ValueError(
                        f"imputation {imp!r}, normalisation {meth!r}, aggregation {methods}: {err}"
                    ) from None
                table_scores[a, b, c] = top[:, :, 0]

    alts = {
        "imputation": list(imputations),
        "normalisation": list(normalisations),
        "weights": list(range(n_sets)),
        "aggregation": [m[0] if len(set(m)) == 1 else "/".join(m) for m in agg_methods],
    }
    factors = tuple(f for f, v in alts.items() if len(v) > 1)
    if not factors:
        raise ValueError(
            "nothing is uncertain: give at least one choice two alternatives or weight_noise > 0"
        )
    problem = {"num_vars": len(factors), "names": list(factors), "bounds": [[0.0, 1.0]] * len(factors)}
    sample = sobol_sample.sample(problem, n_base, calc_second_order=False, scramble=True, seed=seed)
    pick = {f: np.zeros(len(sample), dtype=int) for f in alts}
    for j, f in enumerate(factors):
        pick[f] = np.minimum((sample[:, j] * len(alts[f])).astype(int), len(alts[f]) - 1)
    scores = table_scores[pick["imputation"], pick["normalisation"], pick["aggregation"], pick["weights"]]
    ranks = _ranks_desc(scores)
    nominal = _ranks_desc(table_scores[0, 0, 0, 0][None, :])[0]
    shift_out = np.abs(ranks - nominal).mean(axis=1)

    k = len(factors)
    step = k + 2
    y = ranks.astype(float)
    varies = y.std(axis=0) > 0
    # centred and scaled per unit, as SALib's analyze() does, since the estimators are biased otherwise
    yv = (y[:, varies] - y[:, varies].mean(axis=0)) / y[:, varies].std(axis=0)
    A, B = yv[0::step], yv[step - 1 :: step]
    s1 = np.full((n_units, k), np.nan)
    st = np.full((n_units, k), np.nan)
    for j in range(k):
        AB = yv[j + 1 :: step]
        s1[varies, j] = sobol_analyze.first_order(A, AB, B)
        st[varies, j] = sobol_analyze.total_order(A, AB, B)
    if np.var(shift_out) > 0:
        res = sobol_analyze.analyze(
            problem,
            shift_out,
            calc_second_order=False,
            num_resamples=num_resamples,
            conf_level=conf_level,
            seed=seed,
        )
        rank_shift = pd.DataFrame(
            {"S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"], "ST_conf": res["ST_conf"]},
            index=list(factors),
        )
    else:
        rank_shift = pd.DataFrame(np.nan, index=list(factors), columns=["S1", "S1_conf", "ST", "ST_conf"])
    rank_shift.index.name = "choice"
    units = data.index
    med, low, high = np.percentile(ranks, [50.0, lo_q, hi_q], axis=0)
    summary = pd.DataFrame(
        {
            "nominal_rank": nominal,
            "median_rank": med,
            "rank_low": low,
            "rank_high": high,
            "mean_abs_shift": np.abs(ranks - nominal).mean(axis=0),
        },
        index=units,
    ).sort_values(["median_rank", "nominal_rank"], kind="stable")
    choices = pd.DataFrame({f: np.asarray(alts[f], dtype=object)[pick[f]] for f in alts})
    return SobolResult(
        factors=factors,
        first_order=pd.DataFrame(s1, index=units, columns=list(factors)),
        total_order=pd.DataFrame(st, index=units, columns=list(factors)),
        rank_shift=rank_shift,
        summary=summary,
        ranks=pd.DataFrame(ranks, columns=units),
        choices=choices,
        n_base=n_base,
        interval=(float(lo_q), float(hi_q)),
        weight_sets=tuple(weight_sets),
    )


# -------------------------------------------------------------------------------------------------- charts
def rank_uncertainty_chart(
    result: SensitivityResult | SobolResult, *, ax: Any = None, max_units: int | None = 40
) -> Any:
    """Handbook-style uncertainty plot: units ordered by median rank, a bar from the low to the high
    percentile rank, a dot at the median and a cross at the base-case (nominal) rank, from a Monte Carlo
    (:func:`sensitivity`) or a Sobol (:func:`sensitivity_sobol`) analysis. Returns the matplotlib
    ``Figure`` (no ``plt.show()``). ``max_units`` keeps the best ``max_units`` units (``None``: all). The
    legend is placed below the axes, outside the plotting area, so it hides no unit."""
    import matplotlib.pyplot as plt

    s = result.summary if max_units is None else result.summary.head(max_units)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, max(2.5, 0.28 * len(s) + 1)))
    else:
        fig = ax.figure
    y = np.arange(len(s))
    labels = [str(u) for u in s.index]
    ax.hlines(
        y,
        s["rank_low"],
        s["rank_high"],
        color="0.6",
        linewidth=3,
        label=gettext_("{low:g}–{high:g}th percentile").format(
            low=result.interval[0], high=result.interval[1]
        ),
    )
    ax.plot(s["median_rank"], y, "o", color="tab:blue", label=gettext_("median rank"))
    base = "base_rank" if "base_rank" in s.columns else "nominal_rank"
    ax.plot(s[base], y, "x", color="tab:red", label=gettext_("base case"))
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(gettext_("rank (1 = best)"))
    ax.set_title(gettext_("Rank uncertainty"))
    # the legend sits below the axes, so that it never covers a unit's bar
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.08 - 0.6 / max(len(s), 1)),
        ncol=3,
        fontsize="small",
        frameon=False,
    )
    fig.tight_layout()
    return fig


def readable_label(name: Any, width: int = 16) -> str:
    """A column code as a chart label: underscores become spaces, the first letter is capitalised and the
    text is wrapped at ``width`` characters (``"rd_staff_per_100"`` -> ``"Rd staff per 100"``)."""
    import textwrap

    text = str(name).replace("_", " ").strip()
    text = text[:1].upper() + text[1:]
    return "\n".join(textwrap.wrap(text, width)) or str(name)


def radar_chart(
    df_norm: pd.DataFrame,
    unit: Any,
    peers: Sequence[Any] | None = None,
    *,
    labels: Mapping[str, str] | pd.Series | None = None,
    ax: Any = None,
) -> Any:
    """Radar (spider) chart of one unit's normalised indicators against its peers.

    Draws ``unit`` as a filled polygon, the peers' median as a dashed line and, for up to ten peers, each
    peer faintly. ``peers`` default to every other unit. Use a normalisation where higher is better
    (e.g. :func:`normalise` with ``"minmax"``). Returns the matplotlib ``Figure``.

    The axes are labelled with readable names: ``labels`` maps indicator codes to names (e.g. the
    ``description`` column of an indicator table); codes without one are shown by :func:`readable_label`.
    """
    import matplotlib.pyplot as plt

    _check_indicators(df_norm, what="normalised indicator table")
    if unit not in df_norm.index:
        raise KeyError(f"unit {unit!r} is not in the table; units are {list(df_norm.index)[:20]}")
    peers = [u for u in df_norm.index if u != unit] if peers is None else list(peers)
    unknown = [p for p in peers if p not in df_norm.index]
    if unknown:
        raise KeyError(f"peer unit(s) {unknown} are not in the table")
    n = df_norm.shape[1]
    if n < 3:
        raise ValueError(f"a radar chart needs at least 3 indicators, got {n}")
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    closed = np.append(angles, angles[0])

    def ring(values: np.ndarray) -> np.ndarray:
        return np.append(values, values[0])

    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 6), subplot_kw={"projection": "polar"})
    else:
        fig = ax.figure
    if peers:
        if len(peers) <= 10:
            for p in peers:
                ax.plot(closed, ring(df_norm.loc[p].to_numpy(float)), color="0.75", linewidth=0.8)
        ax.plot(
            closed,
            ring(df_norm.loc[peers].median().to_numpy(float)),
            "--",
            color="0.3",
            label=gettext_("peer median"),
        )
    own = ring(df_norm.loc[unit].to_numpy(float))
    ax.plot(closed, own, color="tab:blue", linewidth=2, label=str(unit))
    ax.fill(closed, own, color="tab:blue", alpha=0.2)
    names = {} if labels is None else dict(labels.items() if isinstance(labels, pd.Series) else labels)
    ax.set_xticks(angles, [readable_label(names.get(c, c)) for c in df_norm.columns], fontsize="small")
    ax.tick_params(axis="x", pad=14)  # labels clear of the outer ring
    ax.set_rlabel_position(
        float(np.degrees(angles[1] / 2)) if n > 1 else 0.0
    )  # radial scale between two axes
    ax.tick_params(axis="y", labelsize="x-small", labelcolor="0.4")
    ax.legend(loc="upper right", bbox_to_anchor=(1.3, 1.1), fontsize="small")
    return fig


def sobol_chart(result: SobolResult, *, max_units: int = 20, ax: Any = None) -> Any:
    """Chart of a :class:`SobolResult`: left, the first-order and total Sobol indices of the mean absolute
    rank shift for each uncertain choice (bars, with SALib's bootstrap confidence half-widths as error bars);
    right, the total index of each choice for the ``max_units`` units whose rank varies most (a heat map,
    units by name). Returns the matplotlib ``Figure``; ``ax`` (optional) is a pair of axes."""
    import matplotlib.pyplot as plt

    rs = result.rank_shift
    spread = result.ranks.var(axis=0).sort_values(ascending=False)
    top = [u for u in spread.index[:max_units] if spread[u] > 0]
    if ax is None:
        fig, (a1, a2) = plt.subplots(
            1, 2, figsize=(11, max(3.5, 0.3 * len(top) + 1.5)), gridspec_kw={"width_ratios": [1, 1.3]}
        )
    else:
        a1, a2 = ax
        fig = a1.figure
    y = np.arange(len(rs))
    a1.barh(
        y - 0.2,
        rs["S1"],
        height=0.4,
        xerr=rs["S1_conf"],
        label=gettext_("first order $S_i$"),
        color="tab:blue",
    )
    a1.barh(
        y + 0.2,
        rs["ST"],
        height=0.4,
        xerr=rs["ST_conf"],
        label=gettext_("total $S_{Ti}$"),
        color="tab:orange",
    )
    a1.set_yticks(y, [readable_label(gettext_(str(f))) for f in rs.index])
    a1.invert_yaxis()
    a1.set_xlim(
        0, max(1.0, float(np.nanmax((rs["ST"] + rs["ST_conf"]).to_numpy(dtype=float), initial=0)) * 1.05)
    )
    a1.set_xlabel(gettext_("share of the variance of the mean rank shift"))
    a1.set_title(gettext_("Which choice moves the ranking?"))
    a1.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize="small", frameon=False)
    st = result.total_order.loc[top, list(result.factors)]
    im = a2.imshow(st.to_numpy(dtype=float), aspect="auto", cmap="viridis", vmin=0, vmax=1)
    a2.set_xticks(np.arange(len(result.factors)), [readable_label(gettext_(str(f))) for f in result.factors])
    a2.set_yticks(np.arange(len(top)), [str(u) for u in top], fontsize="small")
    a2.set_title(
        gettext_("Total index $S_{{Ti}}$ of each rank\n({n} units whose rank varies most)").format(n=len(top))
    )
    fig.colorbar(im, ax=a2, fraction=0.05)
    fig.tight_layout()
    return fig
