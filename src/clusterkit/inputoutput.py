"""Input-output linkages: the Leontief demand-driven model, multipliers, Rasmussen and Ghosh linkages.

Pandas in, pandas out: the inter-industry flow table ``Z`` is a square DataFrame whose index (selling sector)
and columns (buying sector) carry the same sector labels; ``x`` (gross output), ``f`` (final demand), ``va``
(value added) and ``jobs`` are Series indexed by sector. A Series holding the same sectors in another order is
reordered; missing or extra sectors raise a ``ValueError`` naming them (never a silent NaN from pandas
alignment). The algebra is done on numpy arrays.

Notation and formulas follow Miller, R. E. & Blair, P. D. (2009), *Input-Output Analysis: Foundations and
Extensions*, 2nd ed., Cambridge University Press (ch. 2, 6 and 12); the tests reproduce their two-sector example
of section 2.3. Linkage indices: Rasmussen, P. N. (1956), *Studies in Inter-Sectoral Relations*; supply-side
model: Ghosh, A. (1958), "Input-output approach in an allocation system", *Economica* 25(97), 58-64.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clusterkit._validation import above, align_labels, require_finite_nonnegative

__all__ = [
    "technical_coefficients",
    "leontief_inverse",
    "output_multipliers",
    "value_added_multipliers",
    "employment_multipliers",
    "rasmussen_linkages",
    "ghosh_inverse",
    "ghosh_forward_linkages",
    "key_sectors",
    "demand_shock_impact",
]

KEY_SECTOR_LABELS = {
    (True, True): "key sector",
    (True, False): "backward-oriented",
    (False, True): "forward-oriented",
    (False, False): "weakly linked",
}


# --------------------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------------------
def _square(m: pd.DataFrame, name: str) -> pd.DataFrame:
    if not isinstance(m, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame labelled by sector, got {type(m).__name__}")
    if m.shape[0] != m.shape[1] or m.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix, got shape {m.shape}")
    if m.index.has_duplicates:
        raise ValueError(
            f"{name} has duplicate sector label(s) {list(m.index[m.index.duplicated()].unique())}"
        )
    if not m.columns.equals(m.index):
        try:
            m = align_labels(m.T, m.index, name=f"{name} columns", reference=f"{name} rows").T
        except ValueError as exc:
            raise ValueError(f"{name}: row and column sector labels differ ({exc})") from None
    values = m.to_numpy(dtype=float, na_value=np.nan)
    if not np.isfinite(values).all():
        r, c = np.argwhere(~np.isfinite(values))[0]
        raise ValueError(f"{name} has a non-finite entry at row {m.index[r]!r}, column {m.columns[c]!r}")
    return m


def _vector(
    v: pd.Series, labels: pd.Index, name: str, reference: str, *, positive: bool = False
) -> np.ndarray:
    if not isinstance(v, pd.Series):
        raise TypeError(f"{name} must be a pandas Series indexed by sector, got {type(v).__name__}")
    v = align_labels(v, labels, name=name, reference=reference)
    require_finite_nonnegative(v, name=name)
    arr = v.to_numpy(dtype=float)
    if positive and (arr <= 0).any():
        raise ValueError(
            f"{name} must be positive for every sector (it divides); zero for {list(labels[arr <= 0][:10])}"
        )
    return arr


def _labelled(arr: np.ndarray, labels: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(arr, index=labels.copy(), columns=labels.copy())


def _inverse_of_i_minus(m: np.ndarray, labels: pd.Index, name: str) -> np.ndarray:
    """``(I - m)^-1`` for a non-negative coefficient matrix, refusing singular or non-productive systems.

    For non-negative ``m``, ``I - m`` has a non-negative inverse exactly when the spectral radius of ``m`` is
    below 1 (Hawkins & Simon 1949, *Econometrica* 17(3/4); Miller & Blair 2009, ch. 2). That is checked on the
    inverse itself (cheap: ``L = I + A + A^2 + ...`` is non-negative with a diagonal >= 1) instead of computing
    eigenvalues. The message names the sectors whose coefficients sum to 1 or more (input coefficients by
    column for ``A``: no room for value added; allocation coefficients by row for the Ghosh ``B``).
    """
    n = m.shape[0]
    i_minus = np.eye(n) - m
    by_row = name == "B"
    sums = m.sum(axis=1 if by_row else 0)
    hint = ""
    if (sums >= 1).any():
        what = (
            "row sums >= 1 (no room for final demand)"
            if by_row
            else "column sums >= 1 (no room for value added)"
        )
        hint = f"; {what} in sector(s) {list(labels[sums >= 1][:10])}"
    try:
        inv = np.linalg.inv(i_minus)
    except np.linalg.LinAlgError:
        raise ValueError(f"I - {name} is singular: the system has no unique solution{hint}") from None
    if not np.isfinite(inv).all():
        raise ValueError(f"I - {name} is numerically singular{hint}")
    scale = max(1.0, float(np.abs(inv).max()))
    if (inv < -1e-9 * scale).any() or (np.diag(inv) < 1 - 1e-9 * scale).any():
        raise ValueError(
            f"{name} is not productive (spectral radius >= 1): (I - {name})^-1 has negative entries, so some "
            f"final demand would need negative output{hint}"
        )
    return inv


# --------------------------------------------------------------------------------------------------------
# demand-driven (Leontief) model
# --------------------------------------------------------------------------------------------------------
def technical_coefficients(Z: pd.DataFrame, x: pd.Series) -> pd.DataFrame:
    """Technical (direct input) coefficients ``A = Z diag(x)^-1``, i.e. ``a_ij = z_ij / x_j``.

    ``Z``: inter-industry sales (row sector sells to column sector); ``x``: gross output by sector. Miller & Blair
    (2009), eq. 2.4. ``ValueError`` on negative/NaN flows, zero output, or sector labels that differ.
    """
    Z = _square(Z, "Z")
    require_finite_nonnegative(Z, name="Z")
    xv = _vector(x, Z.index, "x (gross output)", "the sectors of Z", positive=True)
    return _labelled(Z.to_numpy(dtype=float) / xv[None, :], Z.index)


def leontief_inverse(A: pd.DataFrame) -> pd.DataFrame:
    """Leontief inverse (total requirements matrix) ``L = (I - A)^-1``, so that ``x = L f``.

    Miller & Blair (2009), eq. 2.11. Raises ``ValueError`` when ``I - A`` is singular, or when ``A`` is not
    productive (spectral radius >= 1, so ``L`` would have negative entries), naming the sectors whose input
    coefficients sum to 1 or more.
    """
    A = _square(A, "A")
    require_finite_nonnegative(A, name="A")
    return _labelled(_inverse_of_i_minus(A.to_numpy(dtype=float), A.index, "A"), A.index)


def output_multipliers(L: pd.DataFrame) -> pd.Series:
    """Simple output multipliers ``m(o)_j = sum_i l_ij`` (column sums of ``L``): total output in all sectors
    per unit of final demand for sector ``j``. Miller & Blair (2009), section 6.2.1, eq. 6.1."""
    L = _square(L, "L")
    return pd.Series(L.to_numpy(dtype=float).sum(axis=0), index=L.columns.copy(), name="output_multiplier")


def _coefficient_multipliers(
    L: pd.DataFrame, amount: pd.Series, x: pd.Series, what: str, ratio: bool
) -> pd.Series:
    L = _square(L, "L")
    xv = _vector(x, L.index, "x (gross output)", "the sectors of L", positive=True)
    av = _vector(amount, L.index, what, "the sectors of L")
    coef = av / xv
    total = coef @ L.to_numpy(dtype=float)
    if ratio:
        if (coef <= 0).any():
            raise ValueError(
                f"Type I {what} multipliers need {what} > 0; zero for {list(L.index[coef <= 0][:10])}"
            )
        total = total / coef
    return pd.Series(total, index=L.columns.copy())


def value_added_multipliers(
    L: pd.DataFrame, va: pd.Series, x: pd.Series, *, ratio: bool = False
) -> pd.Series:
    """Value-added multipliers ``m(v)_j = sum_i v_i l_ij`` with ``v_i = VA_i / x_i``: value added generated in
    the economy per unit of final demand for ``j`` (Miller & Blair 2009, section 6.2.3, "income" multipliers).

    ``ratio=True`` gives the Type I multiplier ``m(v)_j / v_j`` (total per unit of direct value added).
    """
    out = _coefficient_multipliers(L, va, x, "va (value added)", ratio)
    return out.rename("value_added_multiplier")


def employment_multipliers(
    L: pd.DataFrame, jobs: pd.Series, x: pd.Series, *, ratio: bool = False
) -> pd.Series:
    """Employment multipliers ``m(e)_j = sum_i e_i l_ij`` with ``e_i = jobs_i / x_i`` (jobs per unit of output):
    jobs supported per unit of final demand for ``j`` (Miller & Blair 2009, section 6.2.4).

    ``ratio=True`` gives the Type I multiplier ``m(e)_j / e_j`` (total jobs per direct job).
    """
    return _coefficient_multipliers(L, jobs, x, "jobs", ratio).rename("employment_multiplier")


def rasmussen_linkages(L: pd.DataFrame) -> pd.DataFrame:
    """Rasmussen (1956) power of dispersion (backward) and sensitivity of dispersion (forward) indices.

    ``BL_j = n * sum_i l_ij / sum_ij l_ij`` (column sums) and ``FL_i = n * sum_j l_ij / sum_ij l_ij`` (row sums),
    each averaging 1 over sectors; a value above 1 is a stronger-than-average linkage. Miller & Blair (2009),
    section 12.2. (Miller & Blair prefer Ghosh row sums for forward linkages: see
    :func:`ghosh_forward_linkages`.)
    """
    L = _square(L, "L")
    m = L.to_numpy(dtype=float)
    n, total = m.shape[0], m.sum()
    return pd.DataFrame(
        {"backward": n * m.sum(axis=0) / total, "forward": n * m.sum(axis=1) / total}, index=L.index.copy()
    )


# --------------------------------------------------------------------------------------------------------
# supply-driven (Ghosh) model
# --------------------------------------------------------------------------------------------------------
def ghosh_inverse(Z: pd.DataFrame, x: pd.Series) -> pd.DataFrame:
    """Ghosh inverse ``G = (I - B)^-1`` with allocation coefficients ``B = diag(x)^-1 Z`` (``b_ij = z_ij / x_i``).

    Ghosh (1958); Miller & Blair (2009), section 12.1, eqs 12.2-12.7 (``x' = v' G``).
    """
    Z = _square(Z, "Z")
    require_finite_nonnegative(Z, name="Z")
    xv = _vector(x, Z.index, "x (gross output)", "the sectors of Z", positive=True)
    B = Z.to_numpy(dtype=float) / xv[:, None]
    return _labelled(_inverse_of_i_minus(B, Z.index, "B"), Z.index)


def ghosh_forward_linkages(Z: pd.DataFrame, x: pd.Series, *, normalised: bool = True) -> pd.Series:
    """Forward linkages from the Ghosh inverse: row sums ``sum_j g_ij`` (total forward linkage of sector ``i``).

    With ``normalised=True`` (default) they are scaled to average 1, ``n * sum_j g_ij / sum_ij g_ij``, so that they
    compare with Rasmussen backward indices. Miller & Blair (2009), section 12.2.2.
    """
    G = ghosh_inverse(Z, x).to_numpy()
    rows = G.sum(axis=1)
    if normalised:
        rows = G.shape[0] * rows / G.sum()
    return pd.Series(rows, index=Z.index.copy(), name="ghosh_forward")


def key_sectors(
    L: pd.DataFrame,
    *,
    Z: pd.DataFrame | None = None,
    x: pd.Series | None = None,
    threshold: float = 1.0,
) -> pd.DataFrame:
    """Classify sectors by their normalised backward and forward linkages.

    Backward = Rasmussen power of dispersion (column sums of ``L``); forward = Ghosh normalised row sums when
    ``Z`` and ``x`` are given (Miller & Blair's recommendation), otherwise Rasmussen sensitivity of dispersion.
    A linkage counts as strong when it is **above** ``threshold`` (default 1, the average over sectors), strictly:
    the published rule is "above average" (Rasmussen 1956; Hirschman 1958; Miller & Blair 2009, sec. 12.2), so a
    sector exactly at the average is not strong. Categories:

    ================  ================  ==================
    backward > 1      forward > 1       ``category``
    ================  ================  ==================
    yes               yes               key sector
    yes               no                backward-oriented
    no                yes               forward-oriented
    no                no                weakly linked
    ================  ================  ==================

    "Key sector" (both above average) is the published term (Rasmussen 1956, Hirschman 1958). The three other
    labels are this course's own shorthand; textbooks name those quadrants differently. Which forward index is
    used changes the verdict, so say which one you used. Sums and ratios are compared up to a relative 1e-9
    (``clusterkit._validation.THRESHOLD_TOLERANCE``): an index computed as 1.0000000000000002 is at the
    average, not above it. Returns ``backward``, ``forward`` and ``category``
    indexed by sector.
    """
    ras = rasmussen_linkages(L)
    if (Z is None) != (x is None):
        raise ValueError("pass both Z and x (Ghosh forward linkages) or neither (Rasmussen forward linkages)")
    forward = ras["forward"]
    if Z is not None and x is not None:
        fwd = ghosh_forward_linkages(Z, x)
        forward = align_labels(fwd, ras.index, name="Z/x sectors", reference="the sectors of L")
    out = pd.DataFrame({"backward": ras["backward"], "forward": forward.to_numpy()}, index=ras.index)
    b, f = above(out["backward"], threshold), above(out["forward"], threshold)
    out["category"] = [KEY_SECTOR_LABELS[(bb, ff)] for bb, ff in zip(b, f, strict=True)]
    return out


def demand_shock_impact(
    L: pd.DataFrame,
    delta_f: pd.Series,
    *,
    x: pd.Series | None = None,
    va: pd.Series | None = None,
    jobs: pd.Series | None = None,
) -> pd.DataFrame:
    """Impact of a change in final demand: ``delta_x = L delta_f`` (Miller & Blair 2009, eq. 2.12).

    ``delta_f`` may be negative (a fall in demand) and may list only the shocked sectors (others are 0), but
    any label not in ``L`` raises ``ValueError``. With ``x`` and ``va`` and/or ``jobs`` the induced value added
    ``delta_va_i = (VA_i / x_i) delta_x_i`` and jobs ``delta_jobs_i = (jobs_i / x_i) delta_x_i`` are added
    (constant coefficients). Returns a DataFrame indexed by sector.
    """
    L = _square(L, "L")
    if not isinstance(delta_f, pd.Series):
        raise TypeError(f"delta_f must be a pandas Series indexed by sector, got {type(delta_f).__name__}")
    unknown = delta_f.index.difference(L.index)
    if len(unknown):
        raise ValueError(f"delta_f names sector(s) not in L: {list(unknown[:10])}")
    if delta_f.index.has_duplicates:
        raise ValueError(f"delta_f has duplicate sector(s) {list(delta_f.index[delta_f.index.duplicated()])}")
    df_vec = delta_f.reindex(L.index, fill_value=0.0).to_numpy(dtype=float)
    if not np.isfinite(df_vec).all():
        raise ValueError(f"delta_f is not finite for {list(L.index[~np.isfinite(df_vec)])}")
    dx = L.to_numpy(dtype=float) @ df_vec
    out = pd.DataFrame({"delta_f": df_vec, "delta_x": dx}, index=L.index.copy())
    if (va is not None or jobs is not None) and x is None:
        raise ValueError("x (gross output) is needed to turn delta_x into value added or jobs")
    if x is not None:
        xv = _vector(x, L.index, "x (gross output)", "the sectors of L", positive=True)
        if va is not None:
            out["delta_va"] = _vector(va, L.index, "va (value added)", "the sectors of L") / xv * dx
        if jobs is not None:
            out["delta_jobs"] = _vector(jobs, L.index, "jobs", "the sectors of L") / xv * dx
    return out
