"""Composite indicators and peer benchmarking, following the OECD/JRC *Handbook on Constructing Composite
Indicators: Methodology and User Guide* (OECD, 2008; "the Handbook" below).

Data shape used throughout: a wide ``DataFrame`` whose index holds the units (clusters, regions) and whose
columns hold the indicators, plus a *polarity* per indicator saying whether a higher or a lower value is
better. Polarity may be given as ``+1``/``-1`` or ``"higher"``/``"lower"`` (also ``"+"``/``"-"``); ``None``
means "higher is better" for every indicator.

The functions follow the Handbook's construction steps: imputation of missing data (:func:`impute`),
normalisation (:func:`normalise`), weighting (:func:`weights_equal`, :func:`validate_weights`,
:func:`weights_pca`), aggregation (:func:`aggregate`, :func:`composite_index`), uncertainty and sensitivity
analysis (:func:`sensitivity`) and visualisation (:func:`rank_uncertainty_chart`, :func:`radar_chart`).
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
    "validate_weights",
    "weights_equal",
    "weights_pca",
]

Polarity = Mapping[str, Any] | pd.Series | None
Missing = Literal["raise", "mean", "median", "drop_unit"]
NORMALISATIONS: tuple[str, ...] = ("minmax", "zscore", "rank", "target", "leader")

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
def impute(df: pd.DataFrame, missing: Missing = "raise") -> pd.DataFrame:
    """Handle missing values (Handbook step "imputation of missing data") explicitly.

    ``missing``:

    * ``"raise"`` (default): ``ValueError`` naming every (unit, indicator) pair that is missing;
    * ``"mean"`` / ``"median"``: replace a missing value by the indicator's mean / median over the units that
      report it (unconditional mean/median substitution, one of the Handbook's single-imputation methods);
    * ``"drop_unit"``: drop every unit with a missing value ("case deletion"); raises if none is left.

    An indicator that nobody reports cannot be imputed and always raises.
    """
    _check_indicators(df)
    df = df.astype(float)
    na = df.isna()
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
            f"missing value(s) at (unit, indicator) {shown}{more}; choose missing='mean', 'median' or "
            "'drop_unit' to impute or drop them explicitly"
        )
    if missing == "mean":
        return df.fillna(df.mean())
    if missing == "median":
        return df.fillna(df.median())
    if missing == "drop_unit":
        out = df.loc[~na.any(axis=1)]
        if out.empty:
            raise ValueError("missing='drop_unit' leaves no unit: every unit has a missing value")
        return out
    raise ValueError(f"missing must be 'raise', 'mean', 'median' or 'drop_unit', got {missing!r}")


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


def normalise(
    df: pd.DataFrame,
    method: str = "minmax",
    polarity: Polarity = None,
    *,
    target: Mapping[str, float] | pd.Series | None = None,
    missing: Missing = "raise",
    constant: Literal["raise", "midpoint"] = "raise",
) -> pd.DataFrame:
    """Normalise every indicator (Handbook step "normalisation") so that higher always means better.

    With ``s = +1`` for "higher is better" and ``s = -1`` for "lower is better":

    * ``"minmax"``: ``(x - min) / (max - min)`` if ``s = +1``, ``(max - x) / (max - min)`` if ``s = -1``;
      values in [0, 1], the best unit gets 1.
    * ``"zscore"``: ``s * (x - mean) / sigma`` with the population standard deviation (ddof = 0).
    * ``"rank"``: rank of ``s * x`` among the units, 1 = worst, n = best, ties get the average rank.
    * ``"target"``: distance to a reference as a ratio, ``x / target`` if ``s = +1`` and ``target / x`` if
      ``s = -1`` (1 = on target, above 1 = beyond it); needs ``target`` for each indicator, > 0.
    * ``"leader"``: the same ratio with the best unit's value as reference, so the leader scores 1 and
      everyone else lies in (0, 1] when all values are > 0.

    Ratios need values > 0 where they are a denominator (``"target"``/``"leader"`` with ``s = -1``, or the
    leader's value with ``s = +1``); otherwise a ``ValueError`` names the indicator.

    Missing values are handled first by :func:`impute` with ``missing``. A constant indicator
    (max = min) raises ``ValueError`` under ``"minmax"``/``"zscore"``; with ``constant="midpoint"`` it is
    set to 0.5 (min-max) or 0 (z-score) for all units, with a ``UserWarning`` naming it.
    """
    if constant not in ("raise", "midpoint"):
        raise ValueError(f"constant must be 'raise' or 'midpoint', got {constant!r}")
    df = impute(df, missing)
    signs = polarity_signs(polarity, df.columns)
    x = df.to_numpy(dtype=float)
    s = signs.to_numpy(dtype=float)
    if method in ("minmax", "zscore"):
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
    elif method == "rank":
        out = (pd.DataFrame(x * s, index=df.index, columns=df.columns).rank(method="average")).to_numpy()
    elif method in ("target", "leader"):
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
    else:
        raise ValueError(f"unknown normalisation method {method!r}; choose one of {list(NORMALISATIONS)}")
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


def composite_index(
    df: pd.DataFrame,
    polarity: Polarity = None,
    *,
    normalisation: str = "minmax",
    weights: Literal["equal", "pca"] | Mapping[str, float] | pd.Series = "equal",
    aggregation: Literal["linear", "geometric"] = "linear",
    target: Mapping[str, float] | pd.Series | None = None,
    missing: Missing = "raise",
    shift: float = 0.0,
) -> pd.Series:
    """Normalise, weight and aggregate in one call: ``aggregate(normalise(df, ...), w, aggregation)``.

    ``weights`` is ``"equal"`` (:func:`weights_equal`), ``"pca"`` (:func:`weights_pca` on the imputed raw
    data) or a mapping checked by :func:`validate_weights`. See those functions for the formulas.
    """
    norm = normalise(df, normalisation, polarity, target=target, missing=missing)
    if isinstance(weights, str):
        if weights == "equal":
            w = weights_equal(norm.columns)
        elif weights == "pca":
            w = weights_pca(impute(df, missing))
        else:
            raise ValueError(f"weights must be 'equal', 'pca' or a mapping, got {weights!r}")
    else:
        w = validate_weights(weights, norm.columns)
    return aggregate(norm, w, aggregation, shift=shift)


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


# -------------------------------------------------------------------------------------------------- charts
def rank_uncertainty_chart(result: SensitivityResult, *, ax: Any = None, max_units: int | None = 40) -> Any:
    """Handbook-style uncertainty plot: units ordered by median rank, a bar from the low to the high
    percentile rank, a dot at the median and a cross at the base-case rank. Returns the matplotlib
    ``Figure`` (no ``plt.show()``). ``max_units`` keeps the best ``max_units`` units (``None``: all)."""
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
        label=f"{result.interval[0]:g}–{result.interval[1]:g}th percentile",
    )
    ax.plot(s["median_rank"], y, "o", color="tab:blue", label="median rank")
    ax.plot(s["base_rank"], y, "x", color="tab:red", label="base case")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("rank (1 = best)")
    ax.set_title("Rank uncertainty (Monte Carlo)")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig


def radar_chart(
    df_norm: pd.DataFrame, unit: Any, peers: Sequence[Any] | None = None, *, ax: Any = None
) -> Any:
    """Radar (spider) chart of one unit's normalised indicators against its peers.

    Draws ``unit`` as a filled polygon, the peers' median as a dashed line and, for up to ten peers, each
    peer faintly. ``peers`` default to every other unit. Use a normalisation where higher is better
    (e.g. :func:`normalise` with ``"minmax"``). Returns the matplotlib ``Figure``.
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
            closed, ring(df_norm.loc[peers].median().to_numpy(float)), "--", color="0.3", label="peer median"
        )
    own = ring(df_norm.loc[unit].to_numpy(float))
    ax.plot(closed, own, color="tab:blue", linewidth=2, label=str(unit))
    ax.fill(closed, own, color="tab:blue", alpha=0.2)
    ax.set_xticks(angles, [str(c) for c in df_norm.columns])
    ax.legend(loc="upper right", bbox_to_anchor=(1.3, 1.1), fontsize="small")
    return fig
