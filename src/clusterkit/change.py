"""Change-management tools of the foundations chapters: force-field analysis and the stakeholder grid.

Both are qualitative tools that a team fills in by judgement; the functions only do the bookkeeping, so that a
trainee's table gives the same balance and the same quadrants whoever computes them.

Sources
-------
* Lewin, K. (1947). Frontiers in group dynamics. *Human Relations* 1(1), 5-41: force-field analysis (driving and
  restraining forces around a quasi-stationary equilibrium). Scoring each force's strength on a 1-5 scale and
  comparing the totals is the usual practice in training material built on Lewin.
* Mendelow, A. (1991). Stakeholder mapping. *Proceedings of the 2nd International Conference on Information
  Systems*, Cambridge, MA: the power-interest grid (manage closely, keep satisfied, keep informed, monitor).
"""

from __future__ import annotations

import pandas as pd

from clusterkit._validation import require_columns, require_numeric

__all__ = ["force_field_balance", "stakeholder_grid", "GRID_LABELS"]

GRID_LABELS = {
    (True, True): "manage closely",
    (True, False): "keep satisfied",
    (False, True): "keep informed",
    (False, False): "monitor",
}


def force_field_balance(
    forces: pd.DataFrame, *, direction: str = "direction", strength: str = "strength"
) -> pd.Series:
    """Totals of a force-field analysis (Lewin 1947).

    ``forces`` has one row per force, a ``direction`` column holding ``"driving"`` or ``"restraining"`` and a
    ``strength`` column scored from 1 (weak) to 5 (strong). Returns a Series with ``driving`` (sum of the driving
    strengths), ``restraining`` (sum of the restraining strengths) and ``balance = driving - restraining``: a
    positive balance means the forces for the change outweigh those against it, as the team scored them.
    Raises ``ValueError`` naming a row with another direction or a strength outside 1-5.
    """
    require_columns(forces, [direction, strength], what="force-field table")
    require_numeric(forces, [strength], what="force-field table")
    bad_dir = forces.index[~forces[direction].isin(["driving", "restraining"])]
    if len(bad_dir):
        raise ValueError(
            f"{direction} must be 'driving' or 'restraining'; row {bad_dir[0]!r} has {forces.loc[bad_dir[0], direction]!r}"
        )
    out_of_range = forces.index[~forces[strength].between(1, 5)]
    if len(out_of_range):
        raise ValueError(
            f"{strength} must be scored from 1 to 5; row {out_of_range[0]!r} has {forces.loc[out_of_range[0], strength]:g}"
        )
    driving = float(forces.loc[forces[direction] == "driving", strength].sum())
    restraining = float(forces.loc[forces[direction] == "restraining", strength].sum())
    return pd.Series(
        {"driving": driving, "restraining": restraining, "balance": driving - restraining}, name="force_field"
    )


def stakeholder_grid(
    stakeholders: pd.DataFrame, *, power: str = "power", interest: str = "interest", cut: float = 3.0
) -> pd.Series:
    """Power-interest grid (Mendelow 1991): the engagement strategy for each stakeholder.

    ``power`` and ``interest`` are scored from 1 to 5; a score **above** ``cut`` (default 3, the middle of the
    scale) is high. High power and high interest: ``manage closely``; high power only: ``keep satisfied``; high
    interest only: ``keep informed``; neither: ``monitor``. Returns a Series of those labels with the table's index.
    """
    require_columns(stakeholders, [power, interest], what="stakeholder table")
    require_numeric(stakeholders, [power, interest], what="stakeholder table")
    for col in (power, interest):
        bad = stakeholders.index[~stakeholders[col].between(1, 5)]
        if len(bad):
            raise ValueError(
                f"{col} must be scored from 1 to 5; row {bad[0]!r} has {stakeholders.loc[bad[0], col]:g}"
            )
    high_p, high_i = stakeholders[power] > cut, stakeholders[interest] > cut
    labels = [GRID_LABELS[(bool(p), bool(i))] for p, i in zip(high_p, high_i, strict=True)]
    return pd.Series(labels, index=stakeholders.index.copy(), name="strategy")
