"""Cluster mapping: location quotients, cluster stars, strong clusters, shift-share, specialisation indices.

Every function takes a LONG ("tidy") table with one row per region and industry (or cluster category)::

    region   industry        employment  [establishments]  [traded]
    Izmir    Wind turbines   1200        14                 True
    ...

Column names are keyword parameters (``region=``, ``industry=``, ``employment=``...) with those defaults.
Rows repeating a (region, industry) pair are summed (so a table at a finer industry level can be passed with
``industry=`` naming the cluster-category column); pairs absent from the table count as zero employment.
Results are labelled pandas objects indexed by ``(region, industry)`` in sorted label order, one row per pair
present in the input.

Traded industries (needed by ``denominator="traded"`` and by :func:`strong_clusters`) are given by the
``traded=`` parameter: ``None`` (default) reads a boolean column called ``"traded"``; a string names another
boolean column (constant within an industry); a boolean :class:`pandas.Series` indexed by industry, or any
collection of the traded industries' labels, is accepted too.

Internally the table is turned into a dense region x industry matrix through categorical codes and
:func:`numpy.bincount` (3,000 regions x 1,000 industries = 3M cells is a 24 MB float matrix); percentile and
top-share thresholds are taken with :func:`numpy.partition`/:func:`numpy.nanquantile` along the region axis.
For tables of millions of rows, categorical label columns (``df.astype({"region": "category", ...})``) save the
string hashing, about half of the run time (see ``bench/bench_mapping.py``).

Sources
-------
* European Cluster Observatory star methodology (clusterobservatory.eu; Ketels & Protsiv 2014, "Methodology
  and findings report for a cluster mapping of related sectors"): size, specialisation, focus.
* Delgado, M., Porter, M. E. & Stern, S. (2016). Defining clusters of related industries. *Journal of Economic
  Geography* 16(1), 1-38; US Cluster Mapping Project methodology (clustermapping.us): traded-employment LQ and
  the "strong cluster" rule.
* Dunn, E. S. (1960). A statistical and analytical technique for regional analysis. *Papers of the Regional
  Science Association* 6, 97-112; Esteban-Marquillas, J. M. (1972). *Regional and Urban Economics* 2(3) 249-255:
  shift-share.
* Krugman, P. (1991). *Geography and Trade*. MIT Press (specialisation index); Herfindahl (1950)/Hirschman (1945)
  concentration index.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from clusterkit._validation import (
    above,
    at_least,
    require_columns,
    require_finite_nonnegative,
    require_numeric,
)
from clusterkit.i18n import gettext_

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "location_quotient",
    "cluster_stars",
    "strong_clusters",
    "leading_sectors",
    "shift_share",
    "herfindahl",
    "krugman_index",
    "portfolio_data",
    "portfolio_chart",
]

Denominator = Literal["total", "traded"]
TradedSpec = str | pd.Series | Collection[Hashable] | None

#: Refuse dense grids bigger than this many cells (8 bytes each): aggregate the table first.
MAX_CELLS = 150_000_000


# --------------------------------------------------------------------------------------------------------
# internal: long table -> dense region x industry grid
# --------------------------------------------------------------------------------------------------------
@dataclass
class _Grid:
    regions: pd.Index
    industries: pd.Index
    region_name: str
    industry_name: str
    values: dict[str, np.ndarray]  # each R x I
    pairs: np.ndarray  # flat cell numbers (r * I + i) present in the input, ascending
    row_codes: dict[str, np.ndarray] = field(default_factory=dict)  # per-row codes, for per-row attributes

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.regions), len(self.industries)

    def pair_index(self) -> pd.MultiIndex:
        n_ind = len(self.industries)
        return pd.MultiIndex(
            levels=[self.regions, self.industries],
            codes=[self.pairs // n_ind, self.pairs % n_ind],
            names=[self.region_name, self.industry_name],
            verify_integrity=False,
        )

    def at_pairs(self, mat: np.ndarray) -> np.ndarray:
        if len(self.pairs) == mat.size:  # every cell present (the common full panel): no gather needed
            return mat.ravel()
        return mat.ravel()[self.pairs]


def _codes(col: pd.Series, name: str) -> tuple[np.ndarray, pd.Index]:
    """Sorted integer codes of a label column (run-length shortcut for tables sorted/blocked by the column)."""
    codes = None
    if not isinstance(col.dtype, pd.CategoricalDtype) and len(col) > 20_000:
        arr = col.to_numpy()
        head = arr[:10_000]
        if np.count_nonzero(head[1:] != head[:-1]) * 8 < len(head):  # long runs of one label
            starts = np.flatnonzero(np.concatenate(([True], arr[1:] != arr[:-1])))
            run_codes, uniques = pd.factorize(col.iloc[starts], sort=True)
            codes = np.repeat(run_codes, np.diff(np.append(starts, len(arr))))
    if codes is None:
        codes, uniques = pd.factorize(col, sort=True)
    if (codes < 0).any():
        raise ValueError(f"column {name!r} has missing labels (NaN/None) in {int((codes < 0).sum())} row(s)")
    if isinstance(uniques, pd.CategoricalIndex):
        uniques = pd.Index(uniques.to_numpy())
    return codes, pd.Index(uniques, name=name)


def _grid(
    df: pd.DataFrame,
    *,
    region: str,
    industry: str,
    values: Collection[str],
    what: str = "table",
    labels_of: _Grid | None = None,
) -> _Grid:
    """Validate ``df`` and sum its ``values`` columns into dense region x industry matrices.

    ``labels_of``: a grid built from a table with exactly the same label columns, whose codes are reused.
    """
    require_columns(df, [region, industry, *values], what=what)
    require_numeric(df, values, what=what)
    if len(df) == 0:
        raise ValueError(f"{what} has no rows")
    for v in values:
        require_finite_nonnegative(df[v], name=f"{what} column {v!r}")
    if labels_of is not None:
        rc, regions = labels_of.row_codes["region"], labels_of.regions
        ic, industries = labels_of.row_codes["industry"], labels_of.industries
    else:
        rc, regions = _codes(df[region], region)
        ic, industries = _codes(df[industry], industry)
    n_r, n_i = len(regions), len(industries)
    if n_r * n_i > MAX_CELLS:
        raise ValueError(
            f"{what}: {n_r} regions x {n_i} industries is too large for a dense grid "
            f"(> {MAX_CELLS} cells); aggregate industries or split the regions"
        )
    flat = rc.astype(np.int64) * n_i + ic
    mats = {
        v: np.bincount(flat, weights=df[v].to_numpy(dtype=float), minlength=n_r * n_i).reshape(n_r, n_i)
        for v in values
    }
    pairs = np.flatnonzero(np.bincount(flat, minlength=n_r * n_i))
    return _Grid(regions, industries, region, industry, mats, pairs, {"region": rc, "industry": ic})


def _union_pairs(size: int, *pairs: np.ndarray) -> np.ndarray:
    present = np.zeros(size, dtype=bool)
    for p in pairs:
        present[p] = True
    return np.flatnonzero(present)


def _union_grid(g0: _Grid, g1: _Grid) -> _Grid:
    """Put two single-value grids (e.g. two years) on the union of their region and industry labels."""
    (v0,), (v1,) = g0.values.values(), g1.values.values()
    if g0.regions.equals(g1.regions) and g0.industries.equals(g1.industries):
        pairs = _union_pairs(v0.size, g0.pairs, g1.pairs)
        return _Grid(g0.regions, g0.industries, g0.region_name, g0.industry_name, {"_0": v0, "_1": v1}, pairs)
    regions = g0.regions.union(g1.regions)
    industries = g0.industries.union(g1.industries)
    n_i = len(industries)
    values, pairs = {}, []
    for key, g, v in (("_0", g0, v0), ("_1", g1, v1)):
        rmap, imap = regions.get_indexer(g.regions), industries.get_indexer(g.industries)
        mat = np.zeros((len(regions), n_i))
        mat[np.ix_(rmap, imap)] = v
        values[key] = mat
        old_ni = len(g.industries)
        pairs.append(rmap[g.pairs // old_ni].astype(np.int64) * n_i + imap[g.pairs % old_ni])
    return _Grid(
        regions,
        industries,
        g0.region_name,
        g0.industry_name,
        values,
        _union_pairs(len(regions) * n_i, *pairs),
    )


def _traded_mask(df: pd.DataFrame, grid: _Grid, traded: TradedSpec) -> np.ndarray:
    """Boolean array over ``grid.industries`` saying which industries are traded."""
    industries = grid.industries
    if traded is None or isinstance(traded, str):
        col = "traded" if traded is None else traded
        if col not in df.columns:
            raise KeyError(
                f"table is missing column {col!r} (traded flag per industry) needed for the traded denominator; "
                "pass traded=<column name | boolean Series by industry | set of traded industries>, "
                "or use denominator='total'"
            )
        flag = df[col]
        if flag.isna().any():
            raise ValueError(f"column {col!r} has missing traded flags")
        if not (pd.api.types.is_bool_dtype(flag) or set(pd.unique(flag)) <= {0, 1}):
            raise ValueError(f"column {col!r} must be boolean (True for traded industries)")
        ic = grid.row_codes["industry"]
        n_true = np.bincount(ic, weights=flag.to_numpy(dtype=float), minlength=len(industries))
        n_rows = np.bincount(ic, minlength=len(industries))
        mixed = (n_true > 0) & (n_true < n_rows)
        if mixed.any():
            raise ValueError(
                f"column {col!r} must be constant within an industry; it varies for {list(industries[mixed][:10])}"
            )
        return n_true > 0
    if isinstance(traded, pd.Series):
        if not pd.api.types.is_bool_dtype(traded):
            raise ValueError("traded Series must be boolean, indexed by industry")
        missing = industries.difference(traded.index)
        if len(missing):
            raise ValueError(f"traded Series has no flag for industries {list(missing[:10])}")
        return traded.reindex(industries).to_numpy(dtype=bool)
    labels = set(traded)
    mask = industries.isin(labels)
    if not mask.any():
        raise ValueError(f"none of the traded industries {sorted(map(str, labels))[:10]} occur in the table")
    return np.asarray(mask, dtype=bool)


def _nonzero_or_raise(
    totals: np.ndarray,
    labels: pd.Index,
    what: str,
    check: np.ndarray | None = None,
    *,
    undefined: str = "the location quotient / share",
) -> None:
    bad = totals <= 0
    if check is not None:
        bad &= check
    if bad.any():
        raise ValueError(
            f"{what} is zero for {list(labels[bad][:10])}{' ...' if bad.sum() > 10 else ''}: "
            f"{undefined} is undefined there (drop them or fix the data)"
        )


def _lq_matrix(grid: _Grid, emp: np.ndarray, traded_mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """LQ matrix and the share matrix E_ir / E_r (denominator: total or traded employment).

    With ``traded_mask`` the denominators are traded employment and only traded columns are meaningful.
    """
    cols = np.ones(emp.shape[1], dtype=bool) if traded_mask is None else traded_mask
    label = "total employment" if traded_mask is None else "traded employment"
    e_r = emp[:, cols].sum(axis=1)
    e_i = emp.sum(axis=0)
    e_all = e_r.sum()
    _nonzero_or_raise(e_r, grid.regions, f"{label} of region(s)")
    _nonzero_or_raise(e_i, grid.industries, "national employment of industry(ies)", check=cols)
    share = emp / e_r[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        lq = share / (e_i / e_all)[None, :]
    return lq, share


def _top_share_flags(mat: np.ndarray, pct: float, name: str) -> np.ndarray:
    """True where a cell is in the top ``pct`` of its column (over all regions) and is positive.

    A region is in the top p of n regions when fewer than p*n regions have a strictly higher value; this is
    ``value >= k-th largest`` with k = ceil(p*n), so ties at the threshold are all included and the result does not
    depend on row order.
    """
    if not 0 < pct <= 1:
        raise ValueError(f"{name} must be in (0, 1], got {pct!r}")
    n = mat.shape[0]
    k = max(1, math.ceil(pct * n - 1e-9))
    kth = np.partition(mat, n - k, axis=0)[n - k]
    return (mat >= kth[None, :]) & (mat > 0)


def _top_share_overall(mat: np.ndarray, pct: float, name: str, cols: np.ndarray | None = None) -> np.ndarray:
    """True where a cell is in the top ``pct`` of ALL cells of ``mat`` (pooled over regions and categories; only
    the columns flagged in ``cols`` take part) and is positive. Same tie rule as :func:`_top_share_flags`."""
    if not 0 < pct <= 1:
        raise ValueError(f"{name} must be in (0, 1], got {pct!r}")
    cols = np.ones(mat.shape[1], dtype=bool) if cols is None else cols
    pool = mat[:, cols].ravel()
    n = pool.size
    k = max(1, math.ceil(pct * n - 1e-9))
    kth = np.partition(pool, n - k)[n - k]
    return (mat >= kth) & (mat > 0) & cols[None, :]


def _check_denominator(denominator: str) -> None:
    if denominator not in ("total", "traded"):
        raise ValueError(f"denominator must be 'total' or 'traded', got {denominator!r}")


# --------------------------------------------------------------------------------------------------------
# location quotient and stars
# --------------------------------------------------------------------------------------------------------
def location_quotient(
    df: pd.DataFrame,
    *,
    denominator: Denominator = "total",
    traded: TradedSpec = None,
    region: str = "region",
    industry: str = "industry",
    employment: str = "employment",
) -> pd.Series:
    """Location quotient of each (region, industry) pair.

    ``LQ_ir = (E_ir / E_r) / (E_i / E)`` with ``E_r`` the region's and ``E`` the nation's total employment
    (European Cluster Observatory methodology). With ``denominator="traded"`` the US Cluster Mapping Project
    definition is used for traded industries, ``LQ_cr = (E_cr / E_traded,r) / (E_c,nation / E_traded,nation)``
    (Delgado, Porter & Stern 2016), and only traded industries are returned.

    The "nation" is the sum over all regions in ``df``: a region whose industry mix equals the nation's has
    LQ = 1 everywhere. Raises ``ValueError`` naming any region or industry whose total (the denominator) is zero.
    """
    _check_denominator(denominator)
    grid = _grid(df, region=region, industry=industry, values=[employment])
    mask = _traded_mask(df, grid, traded) if denominator == "traded" else None
    lq, _ = _lq_matrix(grid, grid.values[employment], mask)
    out = pd.Series(grid.at_pairs(lq), index=grid.pair_index(), name="lq")
    if mask is not None:
        out = out[mask[out.index.codes[1]]]
    return out


def cluster_stars(
    df: pd.DataFrame,
    *,
    size_pct: float = 0.10,
    lq_threshold: float = 2.0,
    focus_pct: float = 0.10,
    denominator: Denominator = "total",
    traded: TradedSpec = None,
    region: str = "region",
    industry: str = "industry",
    employment: str = "employment",
) -> pd.DataFrame:
    """European Cluster Observatory star rating of every (region, industry) pair.

    One star each for

    * ``size``: the region is in the top ``size_pct`` of all regions in the table by employment ``E_ir`` in the
      category (fewer than ``size_pct * n_regions`` regions have more; ties at the threshold all qualify);
    * ``specialisation``: ``LQ_ir >= lq_threshold`` (see :func:`location_quotient`; up to a relative 1e-9, so
      an LQ of exactly 2 computed as 1.9999999999999998 earns the star);
    * ``focus``: the cell is in the top ``focus_pct`` of ALL (region, category) cells of the table - pooled
      over every category, not within one - by the category's share of the region's employment ``E_ir / E_r``
      (same tie rule). Ranked within one category, that share would order regions exactly as the LQ does (the
      category's national share is a common divisor) and focus would repeat specialisation; pooled, it rewards
      categories that weigh heavily in their region's economy, large or not specialised as they may be.

    Cells with zero employment get no star. ``stars = size + specialisation + focus`` (0..3). Source: European
    Cluster Observatory, "Evaluation of regional cluster strength" (clusterobservatory.eu, star methodology:
    size = top 10% of regions within the category, specialisation = LQ >= 2, focus = top 10% of all clusters by
    the share of their region's total employment); Ketels & Protsiv 2014. Defaults 10% / LQ 2 / 10%.

    Returns a DataFrame indexed by (region, industry) with columns ``employment``, ``lq``, ``share``
    (``E_ir / E_r``, traded employment with ``denominator="traded"``), ``size``, ``specialisation``, ``focus``
    (booleans) and ``stars`` (int). The result does not depend on the order of the rows.
    """
    _check_denominator(denominator)
    if not lq_threshold > 0:
        raise ValueError(f"lq_threshold must be positive, got {lq_threshold!r}")
    grid = _grid(df, region=region, industry=industry, values=[employment])
    emp = grid.values[employment]
    mask = _traded_mask(df, grid, traded) if denominator == "traded" else None
    lq, share = _lq_matrix(grid, emp, mask)
    size = _top_share_flags(emp, size_pct, "size_pct")
    focus = _top_share_overall(share, focus_pct, "focus_pct", mask)
    spec = at_least(lq, lq_threshold) & (emp > 0)
    at = grid.at_pairs
    size_p, spec_p, focus_p = at(size), at(spec), at(focus)
    out = pd.DataFrame(
        {
            "employment": at(emp),
            "lq": at(lq),
            "share": at(share),
            "size": size_p,
            "specialisation": spec_p,
            "focus": focus_p,
            "stars": size_p.astype(np.int64) + spec_p + focus_p,
        },
        index=grid.pair_index(),
    )
    if mask is not None:
        out = out[mask[out.index.codes[1]]]
    return out


def leading_sectors(
    df: pd.DataFrame,
    *,
    traded: Collection[Hashable] | Mapping | pd.Series | None = None,
    regions: Collection[Hashable] | None = None,
    region: str = "region",
    industry: str = "industry",
    employment: str = "employment",
    **star_options: float,
) -> pd.Series:
    """The leading sector of each region: the industry with the most European Cluster Observatory stars
    (:func:`cluster_stars`, all regions of ``df`` compared), ties broken by the higher location quotient.

    ``traded`` restricts the choice to traded industries (a collection of industry labels, or a mapping/Series
    industry -> bool); ``regions`` to some regions (e.g. the pilot provinces). Other keyword arguments go to
    :func:`cluster_stars` (thresholds). Returns a Series region -> industry, sorted by region. This is the
    course's reading of "leading sector" (stars first, LQ second), not a published rule.
    """
    stars = cluster_stars(df, region=region, industry=industry, employment=employment, **star_options)
    rated = stars.reset_index()
    reg, ind = rated.columns[0], rated.columns[1]
    if traded is not None:
        if isinstance(traded, Mapping | pd.Series):
            keep = {k for k, v in dict(traded).items() if bool(v)}
        else:
            keep = set(traded)
        rated = rated[rated[ind].isin(keep)]
    if regions is not None:
        unknown = set(regions) - set(rated[reg])
        if unknown:
            raise KeyError(f"region(s) {sorted(map(str, unknown))} not in the table")
        rated = rated[rated[reg].isin(set(regions))]
    best = rated.sort_values([reg, "stars", "lq"], ascending=[True, False, False], kind="stable")
    return best.groupby(reg, sort=True)[ind].first().rename("leading_sector")


def _peer_codes(df: pd.DataFrame, grid: _Grid, peer_group: str | Mapping | pd.Series | None) -> np.ndarray:
    """Integer peer-group code per region of ``grid``."""
    n_r = len(grid.regions)
    if peer_group is None:
        return np.zeros(n_r, dtype=np.int64)
    if isinstance(peer_group, str):
        if peer_group not in df.columns:
            raise KeyError(f"table is missing column {peer_group!r} (peer group of each region)")
        codes, _ = _codes(df[peer_group], peer_group)
        rc = grid.row_codes["region"]
        per_region = np.full(n_r, -1, dtype=np.int64)
        per_region[rc] = codes
        check = np.zeros(n_r, dtype=bool)
        check[rc] = per_region[rc] != codes
        if check.any():
            raise ValueError(
                f"column {peer_group!r} must be constant within a region; it varies for "
                f"{list(grid.regions[check][:10])}"
            )
        return per_region
    groups = pd.Series(peer_group)
    missing = grid.regions.difference(groups.index)
    if len(missing):
        raise ValueError(f"peer_group has no group for regions {list(missing[:10])}")
    codes, _ = pd.factorize(groups.reindex(grid.regions))
    if (codes < 0).any():
        raise ValueError(f"peer_group is NaN for regions {list(grid.regions[codes < 0][:10])}")
    return codes.astype(np.int64)


def strong_clusters(
    df: pd.DataFrame,
    *,
    peer_group: str | Mapping | pd.Series | None = None,
    denominator: Denominator = "traded",
    traded: TradedSpec = None,
    lq_pct: float = 0.75,
    size_pct: float = 0.25,
    min_lq: float = 1.0,
    region: str = "region",
    industry: str = "industry",
    employment: str = "employment",
    establishments: str | None = "establishments",
) -> pd.DataFrame:
    """US Cluster Mapping Project "strong cluster" flags.

    A cluster ``c`` is strong in region ``r`` when, comparing ``r`` with the regions of its peer group that have
    employment in ``c`` (``E_cr > 0``):

    * ``LQ_cr >= P75`` (the ``lq_pct`` percentile) of those regions' LQs in ``c``;
    * ``E_cr > P25`` (``size_pct`` percentile) of their employment in ``c``;
    * establishments ``> P25`` of their establishments in ``c`` (skipped when ``establishments=None``);
    * ``LQ_cr >= 1`` (``min_lq``).

    Each comparison is made up to a relative 1e-9 (``clusterkit._validation.THRESHOLD_TOLERANCE``, the rule of
    the 80 % label mark): an LQ computed a rounding error below 1 or below P75 counts as reaching it, and
    employment a rounding error above P25 does not count as above it.

    LQ uses traded employment as the denominator by default (Delgado, Porter & Stern 2016; clustermapping.us
    methodology), so only traded industries are returned; pass ``denominator="total"`` to rate every industry.
    Percentiles are linear-interpolation quantiles (``numpy.quantile`` default). ``peer_group``: ``None`` (all
    regions are peers), a column name (constant within a region, e.g. region type) or a mapping region -> group.

    Returns a DataFrame indexed by (region, industry): ``employment``, ``lq``, ``lq_threshold``,
    ``employment_threshold``, ``high_lq``, ``large``, [``establishments``, ``establishments_threshold``,
    ``many_establishments``], ``strong``.
    """
    _check_denominator(denominator)
    for name, p in (("lq_pct", lq_pct), ("size_pct", size_pct)):
        if not 0 <= p <= 1:
            raise ValueError(f"{name} must be in [0, 1], got {p!r}")
    values = [employment] + ([establishments] if establishments else [])
    grid = _grid(df, region=region, industry=industry, values=values)
    emp = grid.values[employment]
    mask = _traded_mask(df, grid, traded) if denominator == "traded" else None
    lq, _ = _lq_matrix(grid, emp, mask)
    peers = _peer_codes(df, grid, peer_group)
    active = emp > 0

    def thresholds(mat: np.ndarray, q: float) -> np.ndarray:
        out = np.full(mat.shape, np.nan)
        for g in np.unique(peers):
            rows = peers == g
            sub = np.where(active[rows], mat[rows], np.nan)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN column: no active region
                out[rows] = np.nanquantile(sub, q, axis=0)[None, :]
        return out

    lq_t = thresholds(lq, lq_pct)
    emp_t = thresholds(emp, size_pct)
    high_lq = active & at_least(lq, lq_t) & at_least(lq, min_lq)
    large = active & above(emp, emp_t)
    strong = high_lq & large
    at = grid.at_pairs
    cols: dict[str, np.ndarray] = {
        "employment": at(emp),
        "lq": at(lq),
        "lq_threshold": at(lq_t),
        "employment_threshold": at(emp_t),
        "high_lq": at(high_lq),
        "large": at(large),
    }
    if establishments:
        est = grid.values[establishments]
        est_t = thresholds(est, size_pct)
        many = active & above(est, est_t)
        strong &= many
        cols.update(
            {
                "establishments": at(est),
                "establishments_threshold": at(est_t),
                "many_establishments": at(many),
            }
        )
    cols["strong"] = at(strong)
    out = pd.DataFrame(cols, index=grid.pair_index())
    if mask is not None:
        out = out[mask[out.index.codes[1]]]
    return out


# --------------------------------------------------------------------------------------------------------
# shift-share
# --------------------------------------------------------------------------------------------------------
def shift_share(
    start: pd.DataFrame,
    end: pd.DataFrame | None = None,
    *,
    end_column: str | None = None,
    totals: bool = False,
    region: str = "region",
    industry: str = "industry",
    employment: str = "employment",
) -> pd.DataFrame:
    """Classic shift-share decomposition of employment change between two years.

    With ``g_N``, ``g_i`` the national growth rates of all employment and of industry ``i`` (t0 -> t1) and
    ``E_ir0`` regional employment in t0 (Dunn 1960; Esteban-Marquillas 1972 for the notation)::

        national_share  NS = E_ir0 * g_N
        industry_mix    IM = E_ir0 * (g_i - g_N)
        regional_shift  RS = E_ir0 * (g_ir - g_i)  = (E_ir1 - E_ir0) - NS - IM
        NS + IM + RS = actual_change = E_ir1 - E_ir0

    RS is computed as the residual form, so the identity holds to rounding and a pair absent in t0 (``E_ir0 = 0``,
    where ``g_ir`` is undefined) gets its whole change as regional shift.

    Two ways to pass the data: two long tables ``start`` (t0) and ``end`` (t1) with the same columns (pairs
    missing from one year count as 0); or one table ``start`` holding t0 employment in ``employment`` and t1
    employment in ``end_column``.

    Returns one row per (region, industry) with ``employment_start``, ``employment_end``, ``national_share``,
    ``industry_mix``, ``regional_shift``, ``actual_change``. With ``totals=True`` the same columns summed per
    region (index: region), i.e. the region's total shift-share decomposition. Raises ``ValueError`` naming any
    industry with zero national employment in t0 (its growth rate is undefined).
    """
    if end is None:
        if end_column is None:
            raise ValueError(
                "pass either a second table `end` or `end_column` naming the t1 employment column"
            )
        grid = _grid(
            start, region=region, industry=industry, values=[employment, end_column], what="shift-share table"
        )
        e0, e1 = grid.values[employment], grid.values[end_column]
    else:
        g0 = _grid(start, region=region, industry=industry, values=[employment], what="start (t0) table")
        require_columns(end, [region, industry, employment], what="end (t1) table")
        same = len(start) == len(end) and all(
            np.array_equal(start[c].to_numpy(), end[c].to_numpy()) for c in (region, industry)
        )  # same panel rows in both years (the common case): reuse the label codes
        g1 = _grid(
            end,
            region=region,
            industry=industry,
            values=[employment],
            what="end (t1) table",
            labels_of=g0 if same else None,
        )
        grid = _union_grid(g0, g1)
        e0, e1 = grid.values["_0"], grid.values["_1"]
    e0_i, e1_i = e0.sum(axis=0), e1.sum(axis=0)
    _nonzero_or_raise(
        e0_i,
        grid.industries,
        "national t0 employment of industry(ies)",
        undefined="the national growth rate g_i = E_i1 / E_i0 - 1 (and so the industry mix)",
    )
    g_n = e1_i.sum() / e0_i.sum() - 1.0
    g_i = e1_i / e0_i - 1.0
    ns = e0 * g_n
    im = e0 * (g_i - g_n)[None, :]
    actual = e1 - e0
    rs = actual - ns - im
    mats = {
        "employment_start": e0,
        "employment_end": e1,
        "national_share": ns,
        "industry_mix": im,
        "regional_shift": rs,
        "actual_change": actual,
    }
    if totals:
        return pd.DataFrame({k: m.sum(axis=1) for k, m in mats.items()}, index=grid.regions)
    return pd.DataFrame({k: grid.at_pairs(m) for k, m in mats.items()}, index=grid.pair_index())


# --------------------------------------------------------------------------------------------------------
# concentration / specialisation indices
# --------------------------------------------------------------------------------------------------------
def herfindahl(
    df: pd.DataFrame,
    *,
    by: Literal["region", "industry"] = "region",
    region: str = "region",
    industry: str = "industry",
    employment: str = "employment",
) -> pd.Series:
    """Herfindahl-Hirschman index ``H = sum_k s_k^2`` of employment shares.

    ``by="region"``: for each region, ``s_i = E_ir / E_r`` over its industries (1 = a one-industry region,
    1/n = evenly spread over n industries). ``by="industry"``: for each industry, ``s_r = E_ir / E_i`` over
    regions (geographic concentration of the industry). Source: Hirschman (1945), Herfindahl (1950).
    """
    if by not in ("region", "industry"):
        raise ValueError(f"by must be 'region' or 'industry', got {by!r}")
    grid = _grid(df, region=region, industry=industry, values=[employment])
    emp = grid.values[employment]
    axis = 1 if by == "region" else 0
    labels = grid.regions if by == "region" else grid.industries
    tot = emp.sum(axis=axis)
    _nonzero_or_raise(tot, labels, f"total employment of {by}(s)", undefined="the Herfindahl index")
    shares = emp / (tot[:, None] if axis == 1 else tot[None, :])
    return pd.Series((shares**2).sum(axis=axis), index=labels, name="herfindahl")


def krugman_index(
    df: pd.DataFrame,
    *,
    reference: Literal["rest", "nation"] = "rest",
    region: str = "region",
    industry: str = "industry",
    employment: str = "employment",
) -> pd.Series:
    """Krugman specialisation index of each region, ``K_r = sum_i |s_ir - s_i^ref|`` (0 = same mix, max 2).

    ``s_ir = E_ir / E_r``; the reference share is the rest of the nation ``(E_i - E_ir) / (E - E_r)``
    (``reference="rest"``, Krugman 1991's two-region comparison generalised as in Midelfart-Knarvik et al. 2000)
    or the nation including the region ``E_i / E`` (``reference="nation"``).
    """
    if reference not in ("rest", "nation"):
        raise ValueError(f"reference must be 'rest' or 'nation', got {reference!r}")
    grid = _grid(df, region=region, industry=industry, values=[employment])
    emp = grid.values[employment]
    e_r = emp.sum(axis=1)
    _nonzero_or_raise(e_r, grid.regions, "total employment of region(s)", undefined="the Krugman index")
    s = emp / e_r[:, None]
    e_i = emp.sum(axis=0)
    if reference == "nation":
        ref = np.broadcast_to(e_i / e_r.sum(), emp.shape)
    else:
        rest = e_r.sum() - e_r
        _nonzero_or_raise(
            rest,
            grid.regions,
            "employment in the rest of the nation outside region(s)",
            undefined="the Krugman index against the rest of the nation",
        )
        ref = (e_i[None, :] - emp) / rest[:, None]
    return pd.Series(np.abs(s - ref).sum(axis=1), index=grid.regions, name="krugman")


# --------------------------------------------------------------------------------------------------------
# portfolio chart
# --------------------------------------------------------------------------------------------------------
def portfolio_data(
    start: pd.DataFrame,
    end: pd.DataFrame,
    region_name: Hashable,
    *,
    denominator: Denominator = "total",
    traded: TradedSpec = None,
    region: str = "region",
    industry: str = "industry",
    employment: str = "employment",
) -> pd.DataFrame:
    """The data of a cluster portfolio chart for one region, indexed by industry.

    Columns: ``employment`` (t1), ``lq`` (t1, see :func:`location_quotient`), ``growth`` = ``E_ir1 / E_ir0 - 1``,
    ``national_growth`` = ``E_i1 / E_i0 - 1`` and ``relative_growth`` = growth - national growth. Industries the
    region did not have in t0 (growth undefined) are left out, and so are local industries with
    ``denominator="traded"``. Raises ``KeyError`` if ``region_name`` is absent.
    """
    lq = location_quotient(
        end, denominator=denominator, traded=traded, region=region, industry=industry, employment=employment
    )
    ss = shift_share(start, end, region=region, industry=industry, employment=employment)
    if region_name not in lq.index.get_level_values(0):
        raise KeyError(f"region {region_name!r} is not in the t1 table")
    sub = ss.xs(region_name, level=0)
    sub = sub[sub["employment_start"] > 0]
    if denominator == "traded":  # only traded industries have a traded-denominator LQ
        sub = sub[sub.index.isin(lq.index.get_level_values(1))]
    nat = ss.groupby(level=1)[["employment_start", "employment_end"]].sum()
    nat_growth = nat["employment_end"] / nat["employment_start"] - 1.0
    out = pd.DataFrame(
        {
            "employment": sub["employment_end"],
            "lq": lq.xs(region_name, level=0).reindex(sub.index).fillna(0.0),
            "growth": sub["employment_end"] / sub["employment_start"] - 1.0,
            "national_growth": nat_growth.reindex(sub.index),
        }
    )
    out["relative_growth"] = out["growth"] - out["national_growth"]
    return out


def portfolio_chart(
    data: pd.DataFrame,
    *,
    x: str = "lq",
    y: str = "growth",
    size: str = "employment",
    label: str | None = None,
    xline: float = 1.0,
    yline: float = 0.0,
    quadrant_labels: tuple[str, str, str, str] | None = ("Emerging", "Stars", "Transforming", "Mature"),
    max_bubble: float = 2000.0,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Cluster portfolio (bubble) chart: ``x`` = specialisation (LQ), ``y`` = growth, bubble area ~ ``size``.

    Reference lines at ``x = xline`` (LQ 1) and ``y = yline`` (0 growth, or pass the national growth) split the
    chart into four quadrants, labelled (top-left, top-right, bottom-left, bottom-right) by ``quadrant_labels``.
    Points are labelled with ``data[label]`` (or the index). Returns the matplotlib Axes; never calls ``show``.
    Typical input: :func:`portfolio_data`. The chart follows the cluster portfolio (specialisation vs growth)
    diagrams used in Porter's regional cluster studies and the US Cluster Mapping Project reports.
    """
    require_columns(data, [c for c in (x, y, size, label) if c], what="portfolio data")
    require_numeric(data, [x, y, size], what="portfolio data")
    require_finite_nonnegative(data[size], name=f"portfolio column {size!r}")
    finite = np.isfinite(data[[x, y]].to_numpy(dtype=float))
    if not finite.all():
        bad = data.index[~finite.all(axis=1)]
        raise ValueError(f"portfolio columns {x!r}/{y!r} must be finite; not for {list(bad[:10])}")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(8, 6))
    sizes = data[size].to_numpy(dtype=float)
    scale = max_bubble / sizes.max() if sizes.max() > 0 else 0.0
    ax.scatter(data[x], data[y], s=sizes * scale, alpha=0.5, edgecolors="k", linewidths=0.5)
    names = data[label] if label else data.index
    for xi, yi, name in zip(data[x], data[y], names, strict=True):
        ax.annotate(str(name), (xi, yi), fontsize=8, ha="center", va="center")
    ax.axvline(xline, color="grey", lw=1, ls="--")
    ax.axhline(yline, color="grey", lw=1, ls="--")
    if quadrant_labels:
        positions = [
            (0.02, 0.98, "left", "top"),
            (0.98, 0.98, "right", "top"),
            (0.02, 0.02, "left", "bottom"),
        ]
        positions.append((0.98, 0.02, "right", "bottom"))
        for text, (px, py, ha, va) in zip(quadrant_labels, positions, strict=True):
            ax.text(
                px, py, text, transform=ax.transAxes, ha=ha, va=va, fontsize=9, color="grey", style="italic"
            )
    ax.set_xlabel(
        gettext_("location quotient") if x == "lq" else x
    )  # in the reader's language (clusterkit.i18n)
    ax.set_ylabel(gettext_("employment growth") if y == "growth" else y)
    if title:
        ax.set_title(title)
    return ax
