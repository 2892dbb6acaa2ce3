"""Value chains: value added by stage, local capture, the smile curve and gap analysis.

A value chain is an ORDERED table of stages (upstream first), one row per stage::

    stage               firms  output  bought_in_inputs  local_share
    R&D and design      4      120     30                0.6
    Component making    25     400     260               0.3
    ...

* ``stage``: the stage's name (unique);
* ``firms``: number of the region's firms active in the stage (0 = the region lacks the stage);
* ``output``: value of the stage's output (sales), in any currency unit, the same for every stage;
* ``bought_in_inputs``: goods and services the stage buys from outside itself;
* ``local_share``: share (0..1) of the stage's value produced in the region.

Porter (1985), *Competitive Advantage*, ch. 2: the value chain and "margin"; value added of a stage = output -
bought-in inputs; margin = value added / output. Shih (1992, Acer; see Shih 1996, *Me-too is not my style*):
the "smile curve" of value added along the chain. Column names are keyword parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from clusterkit._validation import require_columns, require_finite_nonnegative, require_numeric
from clusterkit.i18n import gettext_

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["value_chain", "captured_value", "gap_analysis", "input_leakage", "main_leaks", "smile_curve"]

REQUIRED = ("stage", "output", "bought_in_inputs", "local_share")


def _checked(stages: pd.DataFrame, *, need_firms: bool = False) -> pd.DataFrame:
    cols = [*REQUIRED, "firms"] if need_firms else list(REQUIRED)
    require_columns(stages, cols, what="value-chain stages")
    if "firms" in stages.columns and "firms" not in cols:
        cols.append("firms")  # optional in value_chain, but checked whenever present
    numeric = [c for c in cols if c != "stage"]
    require_numeric(stages, numeric, what="value-chain stages")
    if len(stages) == 0:
        raise ValueError("value-chain stages table has no rows")
    st = stages.reset_index(drop=True)
    if st["stage"].isna().any():
        raise ValueError("value-chain stages: column 'stage' has missing names")
    dup = st["stage"][st["stage"].duplicated()]
    if len(dup):
        raise ValueError(f"value-chain stages: stage name(s) {list(dup.unique())} appear more than once")
    named = st.set_index("stage")
    for c in numeric:
        require_finite_nonnegative(named[c], name=f"value-chain column {c!r}")
    if (named["local_share"] > 1).any():
        raise ValueError(
            f"value-chain column 'local_share' must be between 0 and 1; above 1 for "
            f"{list(named.index[named['local_share'] > 1])}"
        )
    zero = named.index[named["output"] <= 0]
    if len(zero):
        raise ValueError(f"value-chain column 'output' is zero for stage(s) {list(zero)}: margin undefined")
    over = named.index[named["bought_in_inputs"] > named["output"]]
    if len(over):
        raise ValueError(
            f"value-chain stage(s) {list(over)}: 'bought_in_inputs' exceed 'output' (negative value added); "
            "check the units"
        )
    return st


def value_chain(stages: pd.DataFrame) -> pd.DataFrame:
    """Value added, margin, share of the chain's value added and local capture of each stage.

    For stage ``s`` (Porter 1985)::

        value_added_s        = output_s - bought_in_inputs_s
        margin_s             = value_added_s / output_s
        share_of_chain_va_s  = value_added_s / sum_t value_added_t
        local_value_added_s  = value_added_s * local_share_s      (value captured in the region)
        leakage_s            = value_added_s * (1 - local_share_s) (value added outside the region)

    Returns the input columns plus those five, indexed by ``stage`` in the given (chain) order, with a
    ``position`` column 0..n-1. Raises ``KeyError``/``ValueError`` naming the column or stage at fault; a chain
    whose total value added is zero is refused.
    """
    st = _checked(stages)
    va = (st["output"] - st["bought_in_inputs"]).to_numpy(dtype=float)
    total = va.sum()
    if total <= 0:
        raise ValueError("value chain has zero total value added: shares undefined")
    out = st.set_index("stage")
    out.insert(0, "position", np.arange(len(out)))
    local = out["local_share"].to_numpy(dtype=float)
    out["value_added"] = va
    out["margin"] = va / out["output"].to_numpy(dtype=float)
    out["share_of_chain_va"] = va / total
    out["local_value_added"] = va * local
    out["leakage"] = va * (1.0 - local)
    return out


def captured_value(stages: pd.DataFrame, local_share_overrides: Mapping[str, float] | None = None) -> float:
    """Value added captured in the region, ``sum_s value_added_s * local_share_s`` (see :func:`value_chain`).

    ``local_share_overrides`` maps stage names to new local shares (0..1), for "what if we attracted stage X"
    exercises; an unknown stage name raises ``KeyError`` naming it.
    """
    st = _checked(stages)
    if local_share_overrides:
        names = pd.Index(st["stage"])
        unknown = [k for k in local_share_overrides if k not in names]
        if unknown:
            raise KeyError(f"local_share_overrides name unknown stage(s) {unknown}; stages are {list(names)}")
        st = st.copy()
        st["local_share"] = st["local_share"].astype(float)
        for k, v in local_share_overrides.items():
            if not (isinstance(v, int | float | np.floating | np.integer) and 0 <= v <= 1):
                raise ValueError(
                    f"local share override for stage {k!r} must be a number in [0, 1], got {v!r}"
                )
            st.loc[names.get_loc(k), "local_share"] = float(v)
    return float(value_chain(st)["local_value_added"].sum())


def gap_analysis(stages: pd.DataFrame, *, include_local: bool = False) -> pd.DataFrame:
    """Rank the stages the regional cluster lacks or imports by the value added leaking out of the region.

    Ranking rule: ``leakage_s = value_added_s * (1 - local_share_s)``, descending (ties keep chain order). Status:
    ``"missing"`` when the region has no firm in the stage (``firms == 0``) or ``local_share == 0``;
    ``"partly imported"`` when ``0 < local_share < 1``; ``"local"`` when ``local_share == 1`` (only listed with
    ``include_local=True``). Also gives ``share_of_leakage`` (of the chain's total leakage) and
    ``cumulative_share`` to read off which few stages hold most of the leaking value. Needs a ``firms`` column.
    The rule quantifies the "missing links" of cluster gap analyses (Porter 1998, "Clusters and the new economics
    of competition", *Harvard Business Review* 76(6)).
    """
    st = _checked(stages, need_firms=True)
    vc = value_chain(st)
    local = vc["local_share"].to_numpy(dtype=float)
    status = np.where(
        (vc["firms"].to_numpy() == 0) | (local == 0),
        "missing",
        np.where(local < 1, "partly imported", "local"),
    )
    out = vc[["position", "firms", "value_added", "local_share", "leakage"]].copy()
    out["status"] = status
    if not include_local:
        out = out[out["status"] != "local"]
    out = out.sort_values(["leakage", "position"], ascending=[False, True], kind="stable")
    total = vc["leakage"].sum()
    out["share_of_leakage"] = out["leakage"] / total if total > 0 else 0.0
    out["cumulative_share"] = out["share_of_leakage"].cumsum()
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def input_leakage(
    stages: pd.DataFrame,
    *,
    inputs: str = "bought_in_inputs",
    local_input_share: str = "local_input_share",
    stage: str = "stage",
) -> pd.Series:
    """Bought-in inputs each stage purchases from outside the region (its purchase leakage), in output units.

    ``input_leakage_s = bought_in_inputs_s * (1 - local_input_share_s)``, where ``local_input_share`` is the
    share of the stage's purchases supplied by firms in the region. This is the sourcing side of a value chain:
    :func:`gap_analysis` ranks the *value added* a region does not produce, this measures the *purchases* that
    leave it, the quantity a supplier-development programme tries to bring home. It is the stage-level analogue
    of the import leakage that makes regional multipliers smaller than national ones (Miller & Blair 2009,
    *Input-Output Analysis*, 2nd ed., ch. 3, regional input-output models).

    Raises ``KeyError`` naming a missing column and ``ValueError`` for negative or NaN inputs or a share outside
    [0, 1], naming the stage.
    """
    require_columns(stages, [stage, inputs, local_input_share], what="value-chain stages")
    require_numeric(stages, [inputs, local_input_share], what="value-chain stages")
    idx = pd.Index(stages[stage], name=stage)
    buy = pd.Series(stages[inputs].to_numpy(dtype=float), index=idx)
    share = pd.Series(stages[local_input_share].to_numpy(dtype=float), index=idx)
    require_finite_nonnegative(buy, name=inputs)
    require_finite_nonnegative(share, name=local_input_share)
    over = share[share > 1]
    if len(over):
        raise ValueError(
            f"{local_input_share} must lie in [0, 1]; stage {over.index[0]!r} has {over.iloc[0]!r}"
        )
    return (buy * (1.0 - share)).rename("input_leakage")


def main_leaks(
    stages: pd.DataFrame,
    *,
    share: float = 0.5,
    inputs: str = "bought_in_inputs",
    local_input_share: str = "local_input_share",
    stage: str = "stage",
) -> list[str]:
    """The fewest stages whose purchase leakage (:func:`input_leakage`) together reaches ``share`` of the chain's.

    Stages are ranked by leakage, largest first, and taken while the leakage of the stages before them is below
    ``share`` of the total: a Pareto (ABC) cut, the usual way to pick the first targets of a supplier-development
    programme. Returns the stage names, largest leak first. ``share`` must be in (0, 1].
    """
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share!r}")
    leak = input_leakage(stages, inputs=inputs, local_input_share=local_input_share, stage=stage)
    leak = leak.sort_values(ascending=False, kind="stable")
    before = leak.cumsum() - leak
    return [str(s) for s in leak.index[before < share * leak.sum()]]


def smile_curve(
    stages: pd.DataFrame,
    *,
    measure: str = "margin",
    show_local: bool = True,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Plot the "smile curve" (Shih 1992): ``measure`` (``"margin"``, ``"value_added"`` or
    ``"share_of_chain_va"``, from :func:`value_chain`) along the ordered stages, with the locally captured part
    shown as bars when ``show_local`` (``margin * local_share`` etc.). Returns the Axes; never calls ``show``.
    """
    if measure not in ("margin", "value_added", "share_of_chain_va"):
        raise ValueError(f"measure must be 'margin', 'value_added' or 'share_of_chain_va', got {measure!r}")
    vc = value_chain(stages)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(8, 4.5))
    pos = vc["position"].to_numpy()
    y = vc[measure].to_numpy(dtype=float)
    if show_local:
        ax.bar(
            pos,
            y * vc["local_share"].to_numpy(dtype=float),
            color="tab:green",
            alpha=0.4,
            label=gettext_("captured locally"),
        )
    name = gettext_(
        measure.replace("_", " ")
    )  # the figure's words in the reader's language (clusterkit.i18n)
    ax.plot(pos, y, marker="o", color="tab:blue", label=name)
    ax.set_xticks(pos, [str(s) for s in vc.index], rotation=30, ha="right")
    ax.set_ylabel(name)
    ax.set_xlabel(gettext_("stage (upstream -> downstream)"))
    ax.legend(loc="upper center")
    if title:
        ax.set_title(title)
    return ax
