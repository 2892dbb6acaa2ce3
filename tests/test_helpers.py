"""The one-line helpers of the non-programmer path: leading sectors, main leaks, board share, Likert surveys."""

from __future__ import annotations

import pandas as pd
import pytest

from clusterkit import excellence, likert, mapping, valuechain


def test_leading_sectors_by_stars_then_lq():
    rows = [("A", "wine", 40), ("A", "services", 60)]
    for i in range(1, 10):
        rows += [(f"R{i}", "wine", 20 - i), (f"R{i}", "services", 80 + i)]
    df = pd.DataFrame(rows, columns=["region", "industry", "employment"])
    stars = mapping.cluster_stars(df)
    lead = mapping.leading_sectors(df)
    # A: wine has size + specialisation (2 stars), services 0: wine leads
    assert stars.loc[("A", "wine"), "stars"] == 2 and lead["A"] == "wine"
    # R9: services has focus (1 star) and wine none
    assert lead["R9"] == "services"
    # only traded industries, only some regions
    only = mapping.leading_sectors(df, traded={"services": True, "wine": False}, regions=["A"])
    assert only.to_dict() == {"A": "services"}
    with pytest.raises(KeyError, match="Z"):
        mapping.leading_sectors(df, regions=["Z"])


def test_main_leaks_is_a_pareto_cut():
    chain = pd.DataFrame(
        {
            "stage": ["a", "b", "c", "d"],
            "bought_in_inputs": [100.0, 50.0, 30.0, 20.0],
            "local_input_share": [0.5, 0.0, 0.0, 0.5],
        }
    )  # leakage 50, 50, 30, 10 of 140: the first two reach 100 >= 70
    assert valuechain.main_leaks(chain) == ["a", "b"]
    assert valuechain.main_leaks(chain, share=0.3) == ["a"]
    assert valuechain.main_leaks(chain, share=1.0) == ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match="share"):
        valuechain.main_leaks(chain, share=0)


def test_board_share_in_percent():
    board = pd.DataFrame({"seat_type": ["firms", "public", "research"], "seats": [6, 3, 1]})
    assert excellence.board_share(board, ["firms"]) == pytest.approx(60.0)
    assert excellence.board_share(board, ["firms", "research"]) == pytest.approx(70.0)
    with pytest.raises(ValueError, match="banks"):
        excellence.board_share(board, ["banks"])


def test_likert_helpers_by_hand():
    survey = pd.DataFrame(
        {"stage": ["x", "x", "y", "y"], "fee": [5, 4, 3, 1], "trust": [2, 4, 4, 5], "share": [4, 2, 2, 3]}
    )
    assert likert.count_agreeing(survey, "fee") == 2
    assert likert.share_agreeing(survey, ["fee", "trust"]).to_dict() == {"fee": 0.5, "trust": 0.75}
    by = likert.mean_score(survey, ["trust", "share"], by="stage")
    assert by.to_dict() == {"x": pytest.approx((3 + 3) / 2), "y": pytest.approx((3 + 4) / 2)}
    with pytest.raises(ValueError, match="trust: scores must be 1, 2, 3, 4 or 5; found 7"):
        likert.count_agreeing(survey.assign(trust=[7, 1, 1, 1]), "trust")
