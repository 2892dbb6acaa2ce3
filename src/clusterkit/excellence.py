"""Cluster-management excellence self-assessment, modelled on the public descriptions of the European
cluster-management labels (ESCA, now EUCLES). NOT the official label indicators, which are not public.

What the public descriptions say (cluster-analysis.org; i-perform.no "gold label process description";
clustercollaboration.eu; see the course's domain notes):

* Bronze: a benchmarking of the cluster management on 36 indicators in six areas (cluster structure;
  management and governance; financing; services; interaction within the cluster; achievements and
  recognition);
* Gold: 31 quality indicators, each with its own threshold, and an overall score of at least 80%;
* eligibility: at least 0.5 FTE of cluster management, at least 15 committed members, at least 2 member
  types.

Our illustrative indicator set lives in a data file, ``resources/excellence_indicators.csv`` (31 ``quality``
indicators with a Gold-style threshold and points summing to 100, plus 5 ``descriptive`` ones that are
benchmarked but not scored, three of which carry the eligibility minimums). A trainer can edit a copy and
pass it as ``indicators=load_indicator_set(path)``.

Bronze-style benchmarking on all 36 indicators is :func:`compare_to_peers` with ``level="indicator"``;
the Gold-style assessment on the 31 quality indicators is :func:`score` and :func:`verdict`.

An *assessment* is a ``Series`` indexed by indicator id (one cluster) or a ``DataFrame`` with clusters as
rows and indicator ids as columns. Scoring rule (our choice, documented in :func:`indicator_scores`):
proportional fulfilment of each threshold, capped at 1, times the indicator's points.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from clusterkit._validation import at_least, at_most, require_columns

__all__ = [
    "AREAS",
    "GOLD_PASS_PERCENT",
    "Verdict",
    "assessment_template",
    "board_share",
    "check_eligibility",
    "compare_to_peers",
    "indicator_scores",
    "load_indicator_set",
    "score",
    "verdict",
]

AREAS: tuple[str, ...] = (
    "cluster structure",
    "management and governance",
    "financing",
    "services",
    "interaction within the cluster",
    "achievements and recognition",
)
GOLD_PASS_PERCENT = 80.0
"""Overall score (%) a Gold label requires, per the public Gold process description (i-perform.no)."""

REQUIRED_COLUMNS = ("id", "area", "name", "unit", "polarity", "kind", "gold_threshold", "points")
_DEFAULT_FILE = "excellence_indicators.csv"

Missing = Literal["zero", "raise", "exclude"]
Scoring = Literal["proportional", "binary"]


# ------------------------------------------------------------------------------------------ indicator set
def load_indicator_set(path: str | Path | None = None) -> pd.DataFrame:
    """Load and validate an excellence indicator set; ``None`` loads the packaged illustrative set.

    The file is a CSV (lines starting with ``#`` are comments) with columns ``id, area, name, unit,
    polarity, kind, gold_threshold, points`` and optionally ``eligibility_key, eligibility_min,
    description``. Rules, each checked with an error naming the file and the indicator id: ids unique and
    non-empty; ``area`` non-empty; ``polarity`` is ``higher`` or ``lower``; ``kind`` is ``quality`` or
    ``descriptive``; a quality indicator has a finite ``gold_threshold`` >= 0 and ``points`` > 0; a
    descriptive one has ``points`` 0 or empty; ``eligibility_min`` is numeric where ``eligibility_key`` is
    set. Returns a ``DataFrame`` indexed by ``id``.

    The packaged set is modelled on the public descriptions of the ESCA/EUCLES labels, NOT the official
    indicators (see the file's header).
    """
    if path is None:
        return _packaged_set().copy()
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"indicator set file {str(p)!r} does not exist")
    return _read_indicator_file(p, label=str(p))


@functools.lru_cache(maxsize=1)
def _packaged_set() -> pd.DataFrame:
    ref = resources.files("clusterkit").joinpath("resources", _DEFAULT_FILE)
    with resources.as_file(ref) as p:
        return _read_indicator_file(Path(p), label=f"packaged {_DEFAULT_FILE}")


def assessment_template(indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """An empty self-assessment form: one row per indicator (id as index) with ``area, name, unit,
    polarity, kind, gold_threshold, points`` and an empty ``value`` column to fill in. Pass
    ``form["value"]`` to :func:`score`, :func:`verdict` or :func:`check_eligibility`."""
    ind = _indicators(indicators)
    form = ind[["area", "name", "unit", "polarity", "kind", "gold_threshold", "points"]].copy()
    form["value"] = np.nan
    return form


def _read_indicator_file(path: Path, *, label: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, comment="#", dtype={"id": str, "area": str, "eligibility_key": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"indicator set {label}: cannot be read as CSV ({exc})") from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    require_columns(raw, REQUIRED_COLUMNS, what=f"indicator set {label}")
    if raw.empty:
        raise ValueError(f"indicator set {label} has no indicators")
    df = raw.copy()
    for col in ("id", "area", "name", "unit", "polarity", "kind"):
        df[col] = df[col].astype("string").str.strip()
    blank = df["id"].isna() | (df["id"] == "")
    if blank.any():
        raise ValueError(f"indicator set {label}: row(s) {list(np.flatnonzero(blank) + 1)} have no id")
    dup = sorted(set(df.loc[df["id"].duplicated(), "id"]))
    if dup:
        raise ValueError(f"indicator set {label}: duplicate id(s) {dup}")
    for col in ("area", "name"):
        bad = df.loc[df[col].isna() | (df[col] == ""), "id"].tolist()
        if bad:
            raise ValueError(f"indicator set {label}: empty {col} for indicator(s) {bad}")
    df["polarity"] = df["polarity"].str.lower()
    bad = df.loc[~df["polarity"].isin(["higher", "lower"]).fillna(False), "id"].tolist()
    if bad:
        raise ValueError(
            f"indicator set {label}: polarity must be 'higher' or 'lower' for indicator(s) {bad}"
        )
    df["kind"] = df["kind"].str.lower()
    bad = df.loc[~df["kind"].isin(["quality", "descriptive"]).fillna(False), "id"].tolist()
    if bad:
        raise ValueError(
            f"indicator set {label}: kind must be 'quality' or 'descriptive' for indicator(s) {bad}"
        )
    for col in ("gold_threshold", "points"):
        num = pd.to_numeric(df[col], errors="coerce")
        bad = df.loc[num.isna() & df[col].notna(), "id"].tolist()
        if bad:
            raise ValueError(f"indicator set {label}: {col} is not a number for indicator(s) {bad}")
        df[col] = num.astype(float)
    q = df["kind"] == "quality"
    bad = df.loc[q & ~(np.isfinite(df["gold_threshold"]) & (df["gold_threshold"] >= 0)), "id"].tolist()
    if bad:
        raise ValueError(f"indicator set {label}: quality indicator(s) {bad} need a gold_threshold >= 0")
    bad = df.loc[q & ~(df["points"] > 0), "id"].tolist()
    if bad:
        raise ValueError(f"indicator set {label}: quality indicator(s) {bad} need points > 0")
    df["points"] = df["points"].fillna(0.0)
    bad = df.loc[~q & (df["points"] != 0), "id"].tolist()
    if bad:
        raise ValueError(f"indicator set {label}: descriptive indicator(s) {bad} must have 0 points")
    if "eligibility_key" not in df.columns:
        df["eligibility_key"] = pd.NA
    if "eligibility_min" not in df.columns:
        df["eligibility_min"] = np.nan
    df["eligibility_key"] = df["eligibility_key"].astype("string").str.strip().replace("", pd.NA)
    emin = pd.to_numeric(df["eligibility_min"], errors="coerce")
    bad = df.loc[df["eligibility_key"].notna() & ~np.isfinite(emin), "id"].tolist()
    if bad:
        raise ValueError(f"indicator set {label}: eligibility_min must be a number for indicator(s) {bad}")
    df["eligibility_min"] = emin
    keys = df["eligibility_key"].dropna()
    if keys.duplicated().any():
        raise ValueError(
            f"indicator set {label}: eligibility_key(s) {sorted(set(keys[keys.duplicated()]))} repeated"
        )
    return df.set_index("id")


def _indicators(indicators: pd.DataFrame | None) -> pd.DataFrame:
    if indicators is None:
        return load_indicator_set()
    if not isinstance(indicators, pd.DataFrame) or indicators.index.name != "id":
        raise TypeError("indicators must be a DataFrame returned by load_indicator_set()")
    return indicators


# ------------------------------------------------------------------------------------------ assessments
def _as_frame(
    assessment: pd.Series | pd.DataFrame | dict[str, Any], ind: pd.DataFrame
) -> tuple[pd.DataFrame, bool]:
    """Assessment(s) as a float DataFrame (clusters x ids); unknown ids raise ``KeyError``."""
    single = not isinstance(assessment, pd.DataFrame)
    if isinstance(assessment, dict):
        assessment = pd.Series(assessment, dtype=object)
    if single:
        if not isinstance(assessment, pd.Series):
            raise TypeError(
                f"assessment must be a Series, dict or DataFrame, got {type(assessment).__name__}"
            )
        frame = assessment.to_frame().T
        frame.index = [assessment.name if assessment.name is not None else "cluster"]
    else:
        frame = assessment
    unknown = [str(c) for c in frame.columns if c not in ind.index]
    if unknown:
        raise KeyError(f"unknown indicator id(s) {unknown} in the assessment; known ids: {list(ind.index)}")
    out = frame.apply(pd.to_numeric, errors="coerce").astype(float)
    bad = frame.notna() & out.isna()
    if bad.to_numpy().any():
        r, c = np.argwhere(bad.to_numpy())[0]
        raise ValueError(
            f"indicator {frame.columns[c]!r} of {frame.index[r]!r} is not a number: {frame.iat[r, c]!r}"
        )
    neg = (out < 0) | np.isinf(out)
    if neg.to_numpy().any():
        r, c = np.argwhere(neg.to_numpy())[0]
        raise ValueError(
            f"indicator {out.columns[c]!r} of {out.index[r]!r} must be finite and >= 0, got {out.iat[r, c]!r}"
        )
    return out, single


def indicator_scores(
    assessment: pd.Series | dict[str, Any],
    indicators: pd.DataFrame | None = None,
    *,
    missing: Missing = "zero",
    scoring: Scoring = "proportional",
) -> pd.DataFrame:
    """Score one cluster's assessment indicator by indicator (quality indicators only).

    With threshold ``t``, value ``x`` and ``p`` points, the fulfilment ``f`` is

    * ``scoring="proportional"`` (default): ``min(1, x / t)`` if higher is better (``1`` if ``t = 0``),
      ``min(1, t / x)`` if lower is better (``1`` if ``x = 0``);
    * ``scoring="binary"``: ``1`` if the threshold is met (``x >= t`` or ``x <= t``), else ``0``;

    and the indicator earns ``p * f`` points and loses ``p * (1 - f)``. ``met`` is ``x >= t`` (or
    ``x <= t``), compared up to a relative 1e-9 as the pass mark is (a value computed a rounding error short
    of its threshold meets it and earns the full points).

    A quality indicator absent from the assessment or NaN is *missing*: ``missing="zero"`` (default, as in
    an audit: no evidence, no points; reported as ``status="missing"``), ``"raise"`` (``ValueError`` naming
    the ids) or ``"exclude"`` (left out of both earned and available points). An unknown id raises
    ``KeyError``; a negative or non-numeric value raises ``ValueError``.

    Returns a ``DataFrame`` indexed by indicator id with ``area, name, polarity, threshold, value, met,
    fulfilment, points, earned, lost, status``.
    """
    ind = _indicators(indicators)
    frame, single = _as_frame(assessment, ind)
    if not single and len(frame) != 1:
        raise ValueError(
            "indicator_scores takes one cluster's assessment (a Series); use score() for several"
        )
    q = ind[ind["kind"] == "quality"]
    x = frame.iloc[0].reindex(q.index)
    miss = x.isna()
    if miss.any() and missing == "raise":
        raise ValueError(f"missing value(s) for quality indicator(s) {list(x.index[miss])} (missing='raise')")
    if missing not in ("zero", "raise", "exclude"):
        raise ValueError(f"missing must be 'zero', 'raise' or 'exclude', got {missing!r}")
    if scoring not in ("proportional", "binary"):
        raise ValueError(f"scoring must be 'proportional' or 'binary', got {scoring!r}")
    t = q["gold_threshold"]
    higher = q["polarity"] == "higher"
    xv = x.fillna(0.0)
    met = pd.Series(np.where(higher, at_least(xv, t), at_most(xv, t)), index=q.index) & ~miss
    if scoring == "binary":
        f = met.astype(float)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            up = np.where(t > 0, xv / t, 1.0)
            down = np.where(xv > 0, t / xv, 1.0)
        f = pd.Series(np.minimum(1.0, np.where(higher, up, down)), index=q.index).where(~met, 1.0)
    f = f.where(~miss, 0.0)
    points = q["points"].where(~(miss & (missing == "exclude")), 0.0)
    earned = points * f
    status = pd.Series(np.where(met, "met", "below threshold"), index=q.index).where(~miss, "missing")
    if missing == "exclude":
        status = status.where(~miss, "excluded")
    return pd.DataFrame(
        {
            "area": q["area"],
            "name": q["name"],
            "polarity": q["polarity"],
            "threshold": t,
            "value": x,
            "met": met.astype(bool),
            "fulfilment": f,
            "points": points,
            "earned": earned,
            "lost": points - earned,
            "status": status,
        }
    )


def _area_order(ind: pd.DataFrame) -> list[str]:
    present = list(dict.fromkeys(ind.loc[ind["kind"] == "quality", "area"]))
    return [a for a in AREAS if a in present] + [a for a in present if a not in AREAS]


def score(
    assessment: pd.Series | pd.DataFrame | dict[str, Any],
    indicators: pd.DataFrame | None = None,
    *,
    missing: Missing = "zero",
    scoring: Scoring = "proportional",
) -> pd.Series | pd.DataFrame:
    """Per-area and overall scores in percent: ``100 * sum(earned) / sum(points)`` over an area's quality
    indicators, and over all of them for ``"overall"`` (so areas count by their points, not equally).

    For one cluster (``Series``/``dict``) returns a ``Series`` indexed by the areas then ``"overall"``; for
    several (``DataFrame``, clusters as rows) a ``DataFrame`` with those columns. Indicator scoring and
    missing-value treatment as in :func:`indicator_scores`. An area whose indicators are all excluded gets NaN.
    """
    ind = _indicators(indicators)
    frame, single = _as_frame(assessment, ind)
    areas = _area_order(ind)
    rows = {}
    for unit, row in frame.iterrows():
        d = indicator_scores(row, ind, missing=missing, scoring=scoring)
        by = d.groupby("area", sort=False)[["earned", "points"]].sum()
        by = by.reindex(areas)
        pct = 100.0 * by["earned"] / by["points"].where(by["points"] > 0)
        total = d["points"].sum()
        pct["overall"] = 100.0 * d["earned"].sum() / total if total > 0 else np.nan
        rows[unit] = pct
    out = pd.DataFrame(rows).T
    out.columns.name = None
    if single:
        return out.iloc[0].rename("score (%)")
    return out


# ---------------------------------------------------------------------------------------------- eligibility
def check_eligibility(
    profile: pd.Series | dict[str, Any],
    indicators: pd.DataFrame | None = None,
    *,
    min_management_fte: float | None = None,
    min_committed_members: float | None = None,
    min_member_types: float | None = None,
) -> tuple[bool, list[str]]:
    """Check the label eligibility criteria: management >= 0.5 FTE, >= 15 committed members, >= 2 member
    types (European Cluster Collaboration Platform listing rules since Nov 2019, clustercollaboration.eu).

    ``profile`` gives the values keyed either by the criterion (``management_fte``, ``committed_members``,
    ``member_types``, or any ``eligibility_key`` of the indicator set) or by the indicator id carrying it
    (``MG-D1``, ``ST-D1``, ``ST-D2`` in the packaged set). Minimums come from the indicator set's
    ``eligibility_min`` column unless overridden by the keyword arguments. Returns ``(eligible, reasons)``
    where ``reasons`` lists one sentence per failed or unreported criterion (empty when eligible).

    A value meets its minimum when ``value >= minimum`` up to a relative 1e-9 (the same rule as the 80 % pass
    mark, see ``clusterkit._validation.THRESHOLD_TOLERANCE``), so ten people at 0.05 FTE each (a sum
    computed as 0.49999999999999994) meet the 0.5 FTE minimum. A criterion absent from ``profile`` or given as
    ``None`` is "not reported"; a boolean, NaN, infinite, negative or non-numeric value raises ``ValueError``
    naming the field.
    """
    ind = _indicators(indicators)
    if isinstance(profile, dict):
        profile = pd.Series(profile, dtype=object)
    if not isinstance(profile, pd.Series):
        raise TypeError(f"profile must be a Series or dict, got {type(profile).__name__}")
    crit = ind[ind["eligibility_key"].notna()]
    override = {
        "management_fte": min_management_fte,
        "committed_members": min_committed_members,
        "member_types": min_member_types,
    }
    unknown_override = [
        k for k, v in override.items() if v is not None and k not in set(crit["eligibility_key"])
    ]
    if unknown_override:
        raise KeyError(f"the indicator set defines no eligibility criterion {unknown_override}")
    known = set(crit["eligibility_key"]) | set(ind.index)
    unknown = [str(k) for k in profile.index if k not in known]
    if unknown:
        raise KeyError(f"unknown key(s) {unknown} in the profile; use eligibility keys or indicator ids")
    reasons = []
    for ind_id, row in crit.iterrows():
        key = row["eligibility_key"]
        minimum = override.get(key) if override.get(key) is not None else float(row["eligibility_min"])
        field_name = key if key in profile.index else ind_id
        raw = profile.get(field_name)
        if raw is None or raw is pd.NA:
            reasons.append(f"{row['name']} ({key}, {ind_id}) not reported; at least {minimum:g} required")
            continue
        value = _eligibility_value(field_name, raw)
        if not at_least(value, minimum):
            reasons.append(f"{row['name']} ({key}) is {value:g} {row['unit']}; at least {minimum:g} required")
    return (not reasons, reasons)


def _eligibility_value(field_name: str, raw: Any) -> float:
    """A reported eligibility value as a float: ``ValueError`` naming the field for a boolean, text that is
    not a number, NaN, an infinite or a negative value."""
    if isinstance(raw, bool | np.bool_):
        raise ValueError(f"eligibility value {field_name!r} is a boolean ({raw!r}); give a number")
    value = pd.to_numeric(pd.Series([raw]), errors="coerce").iloc[0]
    if pd.isna(value) and not (isinstance(raw, float | np.floating) and np.isnan(raw)):
        raise ValueError(f"eligibility value {field_name!r} is not a number: {raw!r}")
    value = float(value)
    if np.isnan(value):
        raise ValueError(
            f"eligibility value {field_name!r} is NaN; leave the field out (or None) if it was not reported"
        )
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"eligibility value {field_name!r} must be finite and >= 0, got {value!r}")
    return value


# -------------------------------------------------------------------------------------------------- verdict
@dataclass(frozen=True)
class Verdict:
    """Label-style verdict of :func:`verdict`.

    ``label`` is ``"gold-style"`` (eligible and overall >= pass mark), ``"bronze-style"`` (eligible,
    benchmarked, below the Gold pass mark) or ``"not eligible"``. ``holding_back`` lists the quality
    indicators below threshold (or missing), most points lost first.
    """

    label: str
    overall: float
    pass_percent: float
    eligible: bool
    reasons: list[str]
    area_scores: pd.Series
    holding_back: pd.DataFrame = field(repr=False)

    @property
    def points_to_pass(self) -> float:
        """Percentage points still needed to reach the pass mark (0 if reached)."""
        return max(0.0, self.pass_percent - self.overall)


def verdict(
    assessment: pd.Series | dict[str, Any],
    indicators: pd.DataFrame | None = None,
    *,
    profile: pd.Series | dict[str, Any] | None = None,
    pass_percent: float = GOLD_PASS_PERCENT,
    missing: Missing = "zero",
    scoring: Scoring = "proportional",
) -> Verdict:
    """Label-style verdict for one cluster: Gold-style if eligible and the overall score is at least
    ``pass_percent`` (80% per the public Gold description; compared up to a relative 1e-9 so that a score
    of exactly 80% computed as 79.99999999999999 passes). Eligibility uses ``profile`` or, if ``None``, the eligibility indicators in ``assessment``
    (see :func:`check_eligibility`; a criterion not reported makes the cluster "not eligible"). ``holding_back`` = quality indicators with ``status != "met"`` sorted by
    points lost (descending, then id), with their value, threshold and points lost.
    """
    ind = _indicators(indicators)
    frame, single = _as_frame(assessment, ind)
    if not single and len(frame) != 1:
        raise ValueError("verdict takes one cluster's assessment; loop over rows for several")
    row = frame.iloc[0]
    d = indicator_scores(row, ind, missing=missing, scoring=scoring)
    areas = score(row, ind, missing=missing, scoring=scoring)
    overall = float(areas["overall"])
    eligible, reasons = check_eligibility(row.dropna() if profile is None else profile, ind)
    if not eligible:
        label = "not eligible"
    elif at_least(overall, pass_percent):
        label = "gold-style"
    else:
        label = "bronze-style"
    back = d[d["status"] != "met"].copy()
    back = back.sort_values(["lost", "id"], ascending=[False, True])
    cols = ["area", "name", "value", "threshold", "points", "lost", "status"]
    return Verdict(
        label=label,
        overall=overall,
        pass_percent=float(pass_percent),
        eligible=eligible,
        reasons=reasons,
        area_scores=areas.drop("overall"),
        holding_back=back[cols],
    )


# ---------------------------------------------------------------------------------------------------- peers
def compare_to_peers(
    assessment: pd.Series | dict[str, Any],
    peers: pd.DataFrame,
    indicators: pd.DataFrame | None = None,
    *,
    level: Literal["area", "indicator"] = "area",
    missing: Missing = "zero",
    scoring: Scoring = "proportional",
) -> pd.DataFrame:
    """Compare one cluster with peer clusters (``peers``: clusters as rows, indicator ids as columns).

    ``level="area"``: rows are the areas and ``"overall"``; columns ``own``, ``peer_median``, ``peer_best``,
    ``gap_to_median`` (own - median, percentage points), ``gap_to_best`` (best - own, >= 0 when behind)
    and ``percentile`` = ``100 * (peers scoring strictly lower) / n_peers`` (100 = better than every peer; a
    peer within rounding, a relative 1e-9, of the cluster's score counts as a tie, not as lower).

    ``level="indicator"`` (Bronze-style benchmarking on every indicator, descriptive ones included): rows
    are the indicator ids present in the assessment; the same columns in the indicator's own units, with
    "best" and "lower" read through its polarity (for "lower is better", best = minimum and percentile
    counts peers with strictly *higher* values). Missing peer values are skipped.
    """
    ind = _indicators(indicators)
    own_frame, single = _as_frame(assessment, ind)
    if not single and len(own_frame) != 1:
        raise ValueError("compare_to_peers compares one cluster's assessment with a peers table")
    if not isinstance(peers, pd.DataFrame) or peers.empty:
        raise ValueError("peers must be a non-empty DataFrame (clusters x indicator ids)")
    peer_frame, _ = _as_frame(peers, ind)
    if level == "area":
        own = score(own_frame.iloc[0], ind, missing=missing, scoring=scoring)
        table = score(peer_frame, ind, missing=missing, scoring=scoring)
        sign = pd.Series(1.0, index=own.index)
    elif level == "indicator":
        own = own_frame.iloc[0].dropna()
        table = peer_frame.reindex(columns=own.index)
        sign = pd.Series(np.where(ind.loc[own.index, "polarity"] == "higher", 1.0, -1.0), index=own.index)
    else:
        raise ValueError(f"level must be 'area' or 'indicator', got {level!r}")
    oriented = table * sign
    own_o = own * sign
    best = oriented.max() * sign
    n = oriented.notna().sum()
    lower = (~at_least(oriented, own_o) & oriented.notna()).sum()
    out = pd.DataFrame(
        {
            "own": own,
            "peer_median": table.median(),
            "peer_best": best,
            "gap_to_median": own - table.median(),
            "gap_to_best": (best * sign - own_o).clip(lower=0.0) * 1.0,
            "n_peers": n,
            "percentile": 100.0 * lower / n.where(n > 0),
        }
    )
    return out


def board_share(
    board: pd.DataFrame,
    seat_types: Collection[str],
    *,
    seat_type: str = "seat_type",
    seats: str = "seats",
) -> float:
    """Share of board seats, in percent, held by the given seat types: ``100 * seats of seat_types / all seats``.

    ``board`` lists one cluster's board (one row per seat type, with the number of ``seats``); filter a table of
    several clusters or years first. A governance indicator in the spirit of the labels' questions on who steers
    the cluster organisation (the course's reading; the official indicators are not public). ``ValueError`` when
    the board has no seats or a seat type is unknown.
    """
    require_columns(board, [seat_type, seats], what="board table")
    unknown = sorted(set(seat_types) - set(board[seat_type]))
    if unknown:
        raise ValueError(f"seat type(s) {unknown} not in the board; it has {sorted(set(board[seat_type]))}")
    total = float(board[seats].sum())
    if total <= 0:
        raise ValueError("the board has no seats")
    return 100.0 * float(board.loc[board[seat_type].isin(set(seat_types)), seats].sum()) / total
