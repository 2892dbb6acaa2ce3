"""clusterkit.excellence: the packaged indicator set, eligibility, scoring by hand, verdict, peers, bad input."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from clusterkit import excellence as ex

IND = ex.load_indicator_set()
QUALITY = IND[IND["kind"] == "quality"]
ELIGIBLE = {"ST-D1": 20, "ST-D2": 3, "MG-D1": 1.5}


def all_met(**changes: float) -> pd.Series:
    """An assessment exactly on every Gold-style threshold, eligible, with ``changes`` applied."""
    a = QUALITY["gold_threshold"].copy()
    for k, v in ELIGIBLE.items():
        a[k] = v
    for k, v in changes.items():
        a[k.replace("_", "-")] = v
    a.name = "Test cluster"
    return a


# ----------------------------------------------------------------------------------------- indicator set
def test_packaged_set_shape_and_label():
    assert len(IND) == 36 and len(QUALITY) == 31
    assert (IND["kind"] == "descriptive").sum() == 5
    assert list(dict.fromkeys(IND["area"])) == list(ex.AREAS)
    assert QUALITY["points"].sum() == 100
    assert set(IND["eligibility_key"].dropna()) == {"management_fte", "committed_members", "member_types"}
    text = resources.files("clusterkit").joinpath("resources", "excellence_indicators.csv").read_text()
    assert "NOT the official" in text and "ESCA" in text and "EUCLES" in text
    assert ex.load_indicator_set.__doc__ and "NOT the official" in ex.load_indicator_set.__doc__


def test_trainer_file_is_used(tmp_path):
    path = tmp_path / "mine.csv"
    text = resources.files("clusterkit").joinpath("resources", "excellence_indicators.csv").read_text()
    # the trainer raises the events threshold from 10 to 20: 10 events now fulfil half of IN-Q1's 4 points
    path.write_text(
        text.replace(
            "Events for members per year,count,higher,quality,10,4",
            "Events for members per year,count,higher,quality,20,4",
        )
    )
    mine = ex.load_indicator_set(path)
    assert mine.loc["IN-Q1", "gold_threshold"] == 20
    assert ex.score(all_met(), mine)["overall"] == pytest.approx(98.0)  # 100 - 4 * (1 - 10/20)


BAD_FILES = {
    "missing column": (
        "kind,gold_threshold,",
        "kind,threshold,",
        r"missing column\(s\) \['gold_threshold'\]",
    ),
    "duplicate id": ("ST-Q2,", "ST-Q1,", r"duplicate id\(s\) \['ST-Q1'\]"),
    "bad polarity": (
        "MG-Q7,management and governance,Annual staff turnover of the cluster management,percent,lower",
        "MG-Q7,management and governance,Annual staff turnover of the cluster management,percent,down",
        r"polarity.*\['MG-Q7'\]",
    ),
    "no threshold": ("quality,5,4", "quality,,4", r"\['SE-Q1'\] need a gold_threshold"),
    "descriptive with points": (
        "year,higher,descriptive,,0",
        "year,higher,descriptive,,2",
        r"descriptive indicator\(s\) \['ST-D3'\]",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_indicator_files_are_named(tmp_path, case):
    old, new, message = BAD_FILES[case]
    text = resources.files("clusterkit").joinpath("resources", "excellence_indicators.csv").read_text()
    assert old in text
    path = tmp_path / "bad.csv"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises((ValueError, KeyError), match=message):
        ex.load_indicator_set(path)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        ex.load_indicator_set("nope.csv")


# ------------------------------------------------------------------------------------------- eligibility
def test_eligibility_passes_and_fails_with_reasons():
    assert ex.check_eligibility({"management_fte": 0.5, "committed_members": 15, "member_types": 2}) == (
        True,
        [],
    )
    ok, reasons = ex.check_eligibility({"management_fte": 0.4, "committed_members": 14, "member_types": 1})
    assert not ok and len(reasons) == 3
    assert any("0.4 FTE" in r and "0.5" in r for r in reasons)
    assert any("committed_members" in r and "14" in r and "15" in r for r in reasons)
    assert any("member_types" in r and "at least 2" in r for r in reasons)


def test_eligibility_by_indicator_id_missing_and_overrides():
    ok, reasons = ex.check_eligibility({"ST-D1": 40, "MG-D1": 2})
    assert not ok and reasons == [
        "Member types represented (member_types, ST-D2) not reported; at least 2 required"
    ]
    assert ex.check_eligibility({"ST-D1": 40, "ST-D2": 3, "MG-D1": 2}, min_committed_members=50)[0] is False
    with pytest.raises(KeyError, match="'staff'"):
        ex.check_eligibility({"staff": 3})
    with pytest.raises(ValueError, match="'management_fte' is not a number"):
        ex.check_eligibility({"management_fte": "half", "committed_members": 15, "member_types": 2})


# ---------------------------------------------------------------------------------------------- scoring
def test_score_by_hand_proportional_and_binary():
    a = all_met(FI_Q1=15, FI_Q2=80, FI_Q4=0)
    s = ex.score(a)
    # financing (13 points): FI-Q1 4 * 15/30 = 2; FI-Q2 (lower) 3 * 60/80 = 2.25; FI-Q3 3; FI-Q4 3 * 0/2 = 0
    #   -> 7.25 / 13 = 55.769%;  overall: 100 - (2 + .75 + 3) = 94.25%
    assert s["financing"] == pytest.approx(100 * 7.25 / 13)
    assert s["overall"] == pytest.approx(94.25)
    assert s.drop(["financing", "overall"]).eq(100).all()
    b = ex.score(a, scoring="binary")
    # binary: only FI-Q3 met -> 3 / 13 = 23.077%;  overall 100 - (4 + 3 + 3) = 90%
    assert b["financing"] == pytest.approx(100 * 3 / 13) and b["overall"] == pytest.approx(90.0)
    detail = ex.indicator_scores(a)
    assert detail.loc["FI-Q2", ["fulfilment", "earned", "lost"]].tolist() == pytest.approx([0.75, 2.25, 0.75])
    assert not detail.loc["FI-Q2", "met"] and detail.loc["FI-Q3", "met"]


def test_score_several_clusters_matches_one_by_one():
    a, b = all_met(), all_met(FI_Q1=15, IN_Q1=5)
    table = ex.score(pd.DataFrame([a, b], index=["A", "B"]))
    assert list(table.index) == ["A", "B"] and list(table.columns) == [*ex.AREAS, "overall"]
    pd.testing.assert_series_equal(table.loc["B"], ex.score(b), check_names=False)


def test_missing_values_zero_raise_exclude():
    a = all_met().drop("FI-Q4")
    # zero (default): FI-Q4's 3 points are lost -> 97%; exclude: dropped from the denominator -> 100%
    assert ex.score(a)["overall"] == pytest.approx(97.0)
    assert ex.score(a, missing="exclude")["overall"] == pytest.approx(100.0)
    assert ex.indicator_scores(a).loc["FI-Q4", "status"] == "missing"
    with pytest.raises(ValueError, match=r"\['FI-Q4'\]"):
        ex.score(a, missing="raise")


def test_bad_assessments():
    with pytest.raises(KeyError, match="'XX-Q9'"):
        ex.score(all_met(XX_Q9=3))
    with pytest.raises(ValueError, match="'SE-Q6'.*not a number"):
        ex.score(all_met().astype(object).replace({3.5: "good"}))
    with pytest.raises(ValueError, match="'MG-Q5'.*>= 0"):
        ex.score(all_met(MG_Q5=-1))


# ---------------------------------------------------------------------------------------------- verdict
def test_verdict_boundary_exactly_80_percent():
    # five 4-point indicators at zero: 100 - 5 * 4 = 80.0% exactly -> gold-style
    at_80 = all_met(MG_Q1=0, MG_Q6=0, FI_Q1=0, SE_Q1=0, IN_Q1=0)
    v = ex.verdict(at_80)
    assert v.overall == pytest.approx(80.0) and v.label == "gold-style" and v.points_to_pass == 0
    # a little more lost: SE-Q6 3.4 of 3.5 -> 3 * (1 - 3.4/3.5) = .0857 lost -> 79.914% -> bronze-style
    below = ex.verdict(at_80.replace({3.5: 3.4}))
    assert below.overall == pytest.approx(80 - 3 * (1 - 3.4 / 3.5)) and below.label == "bronze-style"
    assert below.holding_back.index[-1] == "SE-Q6"


def test_verdict_on_published_gold_scores():
    # GCE Ocean 100% (2013): every threshold met
    assert ex.verdict(all_met()).label == "gold-style"
    # GCE Ocean 99% (2021): lose one point, e.g. 7.5 of 10 member events -> 4 * (1 - .75) = 1
    v99 = ex.verdict(all_met(IN_Q1=7.5))
    assert v99.overall == pytest.approx(99.0) and v99.label == "gold-style"
    # Basque Energy Cluster 84%: four 4-point indicators missed -> 100 - 16
    v84 = ex.verdict(all_met(MG_Q1=0, MG_Q6=0, FI_Q1=0, SE_Q1=0))
    assert v84.overall == pytest.approx(84.0) and v84.label == "gold-style"
    assert list(v84.holding_back.index) == ["FI-Q1", "MG-Q1", "MG-Q6", "SE-Q1"]  # 4 points each, then by id


def test_verdict_ranks_holding_back_by_points_lost_and_checks_eligibility():
    a = all_met(MG_Q7=40, SE_Q1=0, AR_Q2=9)
    v = ex.verdict(a)
    # lost: SE-Q1 4; MG-Q7 (lower) 3 * (1 - 20/40) = 1.5; AR-Q2 3 * (1 - 9/10) = .3
    assert list(v.holding_back.index) == ["SE-Q1", "MG-Q7", "AR-Q2"]
    assert v.holding_back["lost"].tolist() == pytest.approx([4.0, 1.5, 0.3])
    small = a.copy()
    small["ST-D1"] = 9
    ns = ex.verdict(small)
    assert ns.label == "not eligible" and not ns.eligible and "committed_members" in ns.reasons[0]
    # a separate profile overrides what the assessment says
    assert ex.verdict(small, profile=ELIGIBLE).label == "gold-style"


# ------------------------------------------------------------------------------------------------- peers
def test_compare_to_peers_by_hand():
    peers = pd.DataFrame(
        [all_met(), all_met(FI_Q1=15), all_met(FI_Q1=0, MG_Q1=0)], index=["P1", "P2", "P3"]
    )  # overall 100, 98, 92
    own = all_met(FI_Q1=0)  # overall 96
    out = ex.compare_to_peers(own, peers)
    row = out.loc["overall"]
    assert row["own"] == pytest.approx(96.0) and row["peer_median"] == pytest.approx(98.0)
    assert row["peer_best"] == pytest.approx(100.0) and row["gap_to_best"] == pytest.approx(4.0)
    assert row["gap_to_median"] == pytest.approx(-2.0)
    assert row["percentile"] == pytest.approx(100 / 3)  # beats P3 only
    ind = ex.compare_to_peers(
        all_met(MG_Q7=30), peers.assign(**{"MG-Q7": [10.0, 25.0, 40.0]}), level="indicator"
    )
    # MG-Q7 lower is better: best = 10, gap = 30 - 10 = 20, beats only the peer at 40 -> 33.3
    assert ind.loc["MG-Q7", ["peer_best", "gap_to_best", "percentile"]].tolist() == pytest.approx(
        [10, 20, 100 / 3]
    )
    assert {"ST-D1", "MG-D1"} <= set(ind.index)  # descriptive indicators are benchmarked too
    with pytest.raises(ValueError, match="level"):
        ex.compare_to_peers(own, peers, level="region")
    with pytest.raises(KeyError, match="'ZZ'"):
        ex.compare_to_peers(own, peers.assign(ZZ=np.ones(3)))


def test_template_round_trip_and_packaged_set_is_not_shared():
    form = ex.assessment_template()
    assert len(form) == 36 and form["value"].isna().all()
    form["value"] = form["gold_threshold"]
    form.loc[list(ELIGIBLE), "value"] = list(ELIGIBLE.values())
    v = ex.verdict(form["value"])  # descriptive indicators left empty except the eligibility ones
    assert v.label == "gold-style" and v.overall == pytest.approx(100.0)
    mine = ex.load_indicator_set()
    mine.loc["ST-Q1", "points"] = 99.0
    assert ex.load_indicator_set().loc["ST-Q1", "points"] == 3.0


# ------------------------------------------------------------------------------------- exact boundaries
def test_eligibility_boundary_holds_exactly_for_computed_sums():
    fte = sum([0.05] * 10)  # ten people at 0.05 FTE: 0.49999999999999994 in binary floating point
    assert fte < 0.5  # the arithmetic really falls short, so the test below exercises the tolerance
    assert ex.check_eligibility({"management_fte": fte, "committed_members": 15, "member_types": 2}) == (
        True,
        [],
    )
    # a real shortfall (a thousandth of an FTE) still fails
    ok, reasons = ex.check_eligibility({"management_fte": 0.499, "committed_members": 15, "member_types": 2})
    assert not ok and reasons == [
        "Cluster management staff (management_fte) is 0.499 FTE; at least 0.5 required"
    ]


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("management_fte", -1, r"'management_fte' must be finite and >= 0, got -1"),
        ("committed_members", float("inf"), r"'committed_members' must be finite and >= 0, got inf"),
        ("member_types", float("nan"), r"'member_types' is NaN"),
        ("management_fte", True, r"'management_fte' is a boolean"),
        ("committed_members", np.bool_(False), r"'committed_members' is a boolean"),
        ("MG-D1", -0.5, r"'MG-D1' must be finite and >= 0"),
    ],
)
def test_eligibility_bad_values_raise_naming_the_field(field, value, match):
    profile = {"management_fte": 1.0, "committed_members": 20, "member_types": 3}
    if field == "MG-D1":
        del profile["management_fte"]
    profile[field] = value
    with pytest.raises(ValueError, match=match):
        ex.check_eligibility(profile)


def test_eligibility_none_is_not_reported():
    ok, reasons = ex.check_eligibility({"management_fte": None, "committed_members": 20, "member_types": 3})
    assert not ok
    assert reasons == ["Cluster management staff (management_fte, MG-D1) not reported; at least 0.5 required"]


def test_indicator_threshold_met_up_to_rounding():
    # a share computed as 0.1 * 3 = 0.30000000000000004 meets a "lower is better" threshold of 0.3, and a
    # count of ten 0.1s (0.9999999999999999) meets a "higher is better" threshold of 1
    lower = QUALITY[QUALITY["polarity"] == "lower"].index[0]
    higher = QUALITY[QUALITY["polarity"] == "higher"].index[0]
    ind = IND.copy()
    ind.loc[lower, "gold_threshold"] = 0.3
    ind.loc[higher, "gold_threshold"] = 1.0
    a = all_met()
    a[lower] = 0.1 * 3
    a[higher] = sum([0.1] * 10)
    assert a[lower] > 0.3 and a[higher] < 1.0
    d = ex.indicator_scores(a, ind)
    assert d.loc[[lower, higher], "met"].all()
    assert (d.loc[[lower, higher], "fulfilment"] == 1.0).all()
    assert ex.score(a, ind)["overall"] == 100.0
    a[higher] = 0.999  # a real shortfall is still one
    assert not ex.indicator_scores(a, ind).loc[higher, "met"]
