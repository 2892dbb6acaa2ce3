"""clusterkit.change: force-field totals and the power-interest grid, by hand and with bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from clusterkit import change


def test_force_field_balance_by_hand():
    forces = pd.DataFrame(
        {
            "force": ["export orders", "EU funding", "distrust of rivals", "no time", "fee"],
            "direction": ["driving", "driving", "restraining", "restraining", "restraining"],
            "strength": [4, 3, 5, 2, 1],
        }
    ).set_index("force")
    out = change.force_field_balance(forces)
    assert out.to_dict() == {"driving": 7.0, "restraining": 8.0, "balance": -1.0}


def test_force_field_bad_input_names_the_row():
    forces = pd.DataFrame({"direction": ["driving", "sideways"], "strength": [3, 2]}, index=["a", "b"])
    with pytest.raises(ValueError, match="row 'b' has 'sideways'"):
        change.force_field_balance(forces)
    with pytest.raises(ValueError, match="from 1 to 5; row 'a' has 7"):
        change.force_field_balance(pd.DataFrame({"direction": ["driving"], "strength": [7]}, index=["a"]))
    with pytest.raises(KeyError, match="strength"):
        change.force_field_balance(pd.DataFrame({"direction": ["driving"]}))


def test_stakeholder_grid_quadrants_and_the_cut_is_strict():
    st = pd.DataFrame(
        {"power": [5, 5, 2, 1, 3], "interest": [5, 2, 4, 1, 5]},
        index=["ministry", "bank", "firms", "press", "uni"],
    )
    grid = change.stakeholder_grid(st)
    assert grid.to_dict() == {
        "ministry": "manage closely",
        "bank": "keep satisfied",
        "firms": "keep informed",
        "press": "monitor",
        "uni": "keep informed",  # power 3 is not above the middle of the scale
    }
    assert change.stakeholder_grid(st, cut=2.5)["uni"] == "manage closely"
    with pytest.raises(ValueError, match="interest must be scored from 1 to 5; row 'x' has 0"):
        change.stakeholder_grid(pd.DataFrame({"power": [3], "interest": [0]}, index=["x"]))
