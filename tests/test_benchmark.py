"""clusterkit.benchmark against hand-computed values (arithmetic in the comments) and invariants."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from clusterkit import benchmark as bm

# Three units, three indicators: a and b "higher is better", c "lower is better".
DF = pd.DataFrame(
    {"a": [1.0, 2.0, 3.0], "b": [10.0, 20.0, 40.0], "c": [5.0, 3.0, 1.0]}, index=["X", "Y", "Z"]
)
POL = {"a": 1, "b": "higher", "c": "lower"}


def frame(rows):
    return pd.DataFrame(rows, index=DF.index, columns=DF.columns)


# ----------------------------------------------------------------------------------- normalisation by hand
def test_minmax_by_hand():
    # a: (x - 1) / (3 - 1) -> 0, .5, 1;  b: (x - 10) / 30 -> 0, 1/3, 1;  c (lower): (5 - x) / (5 - 1) -> 0, .5, 1
    expected = frame([[0, 0, 0], [0.5, 1 / 3, 0.5], [1, 1, 1]])
    pd.testing.assert_frame_equal(bm.normalise(DF, "minmax", POL), expected)


def test_zscore_by_hand_uses_population_sigma():
    # a: mean 2, sigma = sqrt((1 + 0 + 1) / 3) = 0.816497 -> -1.224745, 0, 1.224745
    # b: mean 70/3 = 23.3333, deviations -13.3333, -3.3333, 16.6667, sigma = sqrt(466.667 / 3) = 12.472191
    #    -> -1.069045, -0.267261, 1.336306
    # c (lower): mean 3, sigma = sqrt(8/3) = 1.632993; -(x - 3) / sigma -> -1.224745, 0, 1.224745
    expected = frame(
        [[-1.224745, -1.069045, -1.224745], [0.0, -0.267261, 0.0], [1.224745, 1.336306, 1.224745]]
    )
    pd.testing.assert_frame_equal(bm.normalise(DF, "zscore", POL), expected, atol=1e-6)


def test_rank_by_hand_with_ties_and_polarity():
    df = pd.DataFrame({"a": [1.0, 1.0, 3.0], "c": [5.0, 3.0, 1.0]}, index=["X", "Y", "Z"])
    # a: X and Y tie on the two lowest ranks (1 + 2) / 2 = 1.5, Z = 3;  c lower: 5 is worst -> 1, 3 -> 2, 1 -> 3
    out = bm.normalise(df, "rank", {"a": "higher", "c": "lower"})
    assert out["a"].tolist() == [1.5, 1.5, 3.0]
    assert out["c"].tolist() == [1.0, 2.0, 3.0]


def test_distance_to_target_by_hand():
    # a: x / 2 -> .5, 1, 1.5;  b: x / 20 -> .5, 1, 2;  c (lower): 2 / x -> .4, .666667, 2
    out = bm.normalise(DF, "target", POL, target={"a": 2, "b": 20, "c": 2})
    pd.testing.assert_frame_equal(out, frame([[0.5, 0.5, 0.4], [1.0, 1.0, 2 / 3], [1.5, 2.0, 2.0]]))


def test_distance_to_leader_by_hand():
    # a: x / 3;  b: x / 40;  c (lower, leader = 1): 1 / x -> .2, 1/3, 1
    out = bm.normalise(DF, "leader", POL)
    pd.testing.assert_frame_equal(out, frame([[1 / 3, 0.25, 0.2], [2 / 3, 0.5, 1 / 3], [1.0, 1.0, 1.0]]))


# ------------------------------------------------------------------------------------- aggregation by hand
def test_linear_aggregation_by_hand():
    w = {"a": 0.5, "b": 0.25, "c": 0.25}
    # Y on min-max: .5*.5 + .25*(1/3) + .25*.5 = .25 + .083333 + .125 = .458333; X all 0; Z all 1
    out = bm.aggregate(bm.normalise(DF, "minmax", POL), w)
    np.testing.assert_allclose(out.to_numpy(), [0.0, 0.458333333, 1.0])
    assert out.name == "composite" and list(out.index) == ["X", "Y", "Z"]


def test_geometric_aggregation_by_hand():
    # leader-normalised, equal weights: X = (1/3 * 1/4 * 1/5) ** (1/3) = (1/60) ** (1/3) = 0.255436
    #                                    Y = (2/3 * 1/2 * 1/3) ** (1/3) = (1/9) ** (1/3) = 0.480750;  Z = 1
    out = bm.aggregate(bm.normalise(DF, "leader", POL), method="geometric")
    np.testing.assert_allclose(out.to_numpy(), [0.2554364, 0.4807498, 1.0], rtol=1e-6)


def test_geometric_zero_raises_unless_shifted():
    norm = bm.normalise(DF, "minmax", POL)
    with pytest.raises(ValueError, match=r"unit 'X'.*indicator 'a'"):
        bm.aggregate(norm, method="geometric")
    # shift .01: X = .01 ** 1 = .01;  Y = (.51 * .343333 * .51) ** (1/3) = .089302 ** (1/3) = .446850
    out = bm.aggregate(norm, method="geometric", shift=0.01)
    np.testing.assert_allclose(out.to_numpy(), [0.01, (0.51 * (1 / 3 + 0.01) * 0.51) ** (1 / 3), 1.01])
    with pytest.raises(ValueError, match="needs values > 0"):
        bm.aggregate(bm.normalise(DF, "zscore", POL), method="geometric")


def test_geometric_is_less_compensatory_than_linear():
    # two units with the same arithmetic mean .5: balanced (.5, .5) and unbalanced (.9, .1)
    norm = pd.DataFrame({"p": [0.5, 0.9], "q": [0.5, 0.1]}, index=["balanced", "unbalanced"])
    lin = bm.aggregate(norm)
    geo = bm.aggregate(norm, method="geometric")
    assert lin["balanced"] == pytest.approx(lin["unbalanced"])
    assert geo["balanced"] == pytest.approx(0.5) and geo["unbalanced"] == pytest.approx(0.3)  # sqrt(.09)


def test_composite_index_matches_the_steps():
    w = {"a": 0.2, "b": 0.3, "c": 0.5}
    steps = bm.aggregate(bm.normalise(DF, "zscore", POL), w)
    pd.testing.assert_series_equal(bm.composite_index(DF, POL, normalisation="zscore", weights=w), steps)


# ------------------------------------------------------------------------------------------------ weights
def _orthonormal(n: int = 12, k: int = 4, seed: int = 3) -> np.ndarray:
    """n x k matrix of centred, orthonormal columns: sample correlations between them are exactly 0."""
    m = np.random.default_rng(seed).normal(size=(n, k))
    return np.linalg.qr(m - m.mean(axis=0))[0]


def _exact_corr_data() -> pd.DataFrame:
    """Columns with sample correlations exactly corr(x1, x2) = .8, corr(x3, x4) = .5, zero across pairs."""
    u = _orthonormal()
    x1, x2 = u[:, 0], 0.8 * u[:, 0] + 0.6 * u[:, 1]
    x3, x4 = u[:, 2], 0.5 * u[:, 2] + np.sqrt(0.75) * u[:, 3]
    # scale and shift freely: PCA weights use the correlation matrix only
    return pd.DataFrame({"x1": 5 * x1 + 1, "x2": x2, "x3": 100 * x3 - 7, "x4": 0.1 * x4})


@pytest.mark.parametrize("rotate", [True, False])
def test_pca_weights_by_hand(rotate):
    # eigenvalues 1.8, 1.5 (kept, >= 1), .5, .2; loadings^2 of each pair member = .9 resp. .75, scaled .5;
    # shares 1.8/3.3 and 1.5/3.3 -> w = .5 * 1.8 / 3.3 = .272727 (x1, x2), .5 * 1.5 / 3.3 = .227273 (x3, x4)
    w = bm.weights_pca(_exact_corr_data(), rotate=rotate)
    np.testing.assert_allclose(w.to_numpy(), [0.272727, 0.272727, 0.227273, 0.227273], atol=1e-6)


def test_pca_weights_single_component_and_errors():
    # two indicators with correlation .6: eigenvalues 1.6 (kept), .4; both load equally -> .5 each
    u = _orthonormal(k=2)
    df = pd.DataFrame({"p": u[:, 0], "q": 0.6 * u[:, 0] + 0.8 * u[:, 1]})
    assert np.corrcoef(df["p"], df["q"])[0, 1] == pytest.approx(0.6)
    np.testing.assert_allclose(bm.weights_pca(df).to_numpy(), [0.5, 0.5])
    with pytest.raises(ValueError, match="constant"):
        bm.weights_pca(df.assign(k=1.0))
    with pytest.raises(ValueError, match="at least 3 units"):
        bm.weights_pca(df.head(2))


def test_validate_weights_errors_name_the_problem():
    cols = ["a", "b", "c"]
    with pytest.raises(
        KeyError, match=r"unknown indicator\(s\) \['d'\].*no entry for indicator\(s\) \['c'\]"
    ):
        bm.validate_weights({"a": 0.5, "b": 0.25, "d": 0.25}, cols)
    with pytest.raises(ValueError, match="sum to 0.9"):
        bm.validate_weights({"a": 0.5, "b": 0.2, "c": 0.2}, cols)
    with pytest.raises(ValueError, match=r"non-negative.*\['b'\]"):
        bm.validate_weights({"a": 0.8, "b": -0.1, "c": 0.3}, cols)
    w = bm.validate_weights({"c": 0.5, "a": 0.25, "b": 0.25}, cols)
    assert list(w.index) == cols and w["c"] == 0.5


# ------------------------------------------------------------------------------------------ missing / bad
def test_missing_values_raise_by_default_naming_unit_and_indicator():
    df = DF.copy()
    df.loc["Y", "b"] = np.nan
    with pytest.raises(ValueError, match=r"\('Y', 'b'\)"):
        bm.normalise(df)


def test_missing_value_imputation_choices_by_hand():
    df = pd.DataFrame({"a": [1.0, np.nan, 3.0, 10.0], "b": [1.0, 2.0, 3.0, 4.0]}, index=list("PQRS"))
    assert bm.impute(df, "mean").loc["Q", "a"] == pytest.approx(14 / 3)  # (1 + 3 + 10) / 3
    assert bm.impute(df, "median").loc["Q", "a"] == 3.0  # median of 1, 3, 10
    assert list(bm.impute(df, "drop_unit").index) == ["P", "R", "S"]
    with pytest.raises(ValueError, match="missing must be"):
        bm.impute(df, "zero")
    with pytest.raises(ValueError, match=r"\['a'\] have no reported value"):
        bm.impute(df.assign(a=np.nan), "mean")


def test_constant_indicator_under_minmax():
    df = DF.assign(k=4.0)
    pol = {**POL, "k": "higher"}
    with pytest.raises(ValueError, match=r"\['k'\] are constant"):
        bm.normalise(df, "minmax", pol)
    with pytest.warns(UserWarning, match="'k'"):
        out = bm.normalise(df, "minmax", pol, constant="midpoint")
    assert out["k"].tolist() == [0.5, 0.5, 0.5]


def test_bad_polarity_target_and_method():
    with pytest.raises(KeyError, match=r"no entry for indicator\(s\) \['c'\]"):
        bm.normalise(DF, polarity={"a": 1, "b": 1})
    with pytest.raises(ValueError, match="polarity of indicator 'c'"):
        bm.normalise(DF, polarity={"a": 1, "b": 1, "c": "sideways"})
    with pytest.raises(KeyError, match=r"target: no entry for indicator\(s\) \['c'\]"):
        bm.normalise(DF, "target", POL, target={"a": 1, "b": 1})
    with pytest.raises(ValueError, match="unknown normalisation method 'maxmin'"):
        bm.normalise(DF, "maxmin")
    with pytest.raises(ValueError, match=r"indicator\(s\) \['c'\]"):
        bm.normalise(DF.assign(c=[0.0, 1.0, 2.0]), "leader", POL)
    with pytest.raises(ValueError, match=r"column\(s\) \['name'\] must be numeric"):
        bm.normalise(DF.assign(name=["p", "q", "r"]))


# ------------------------------------------------------------------------------------- peers, gap to best
def test_rank_within_peer_groups_by_hand():
    s = pd.Series({"A": 3.0, "B": 1.0, "C": 2.0, "D": 5.0, "E": 4.0})
    out = bm.rank_within(s, {"A": "g1", "B": "g1", "C": "g1", "D": "g2", "E": "g2"})
    # g1: A > C > B -> ranks 1, 2, 3; percentile = 100 * (#strictly worse) / (3 - 1) -> 100, 50, 0
    assert out.loc[["A", "C", "B"], "rank"].tolist() == [1, 2, 3]
    assert out.loc[["A", "C", "B"], "percentile"].tolist() == [100.0, 50.0, 0.0]
    assert out.loc[["D", "E"], "rank"].tolist() == [1, 2] and out.loc["D", "n_peers"] == 2
    ties = bm.rank_within(pd.Series({"p": 2.0, "q": 2.0, "r": 1.0}))
    assert ties["rank"].tolist() == [1, 1, 3] and ties["percentile"].tolist() == [50.0, 50.0, 0.0]
    with pytest.raises(KeyError, match=r"\['E'\]"):
        bm.rank_within(s, {"A": "g1", "B": "g1", "C": "g1", "D": "g2"})


def test_gap_to_best_by_hand():
    groups = {"X": "north", "Y": "north", "Z": "south"}
    out = bm.gap_to_best(DF, POL, groups)
    # north: best a = 2, b = 20, c (lower) = 3 -> X gaps 1, 10, 2;  Y is best everywhere -> 0;  Z alone -> 0
    expected = frame([[1.0, 10.0, 2.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    pd.testing.assert_frame_equal(out, expected)
    rel = bm.gap_to_best(DF, POL, relative=True)
    # all units: best a = 3, b = 40, c = 1 -> X relative gaps 2/3, 30/40, 4/1
    np.testing.assert_allclose(rel.loc["X"].to_numpy(), [2 / 3, 0.75, 4.0])


# -------------------------------------------------------------------------------------------- sensitivity
RNG_DF = pd.DataFrame(
    np.random.default_rng(7).lognormal(size=(25, 6)),
    index=[f"u{i:02d}" for i in range(25)],
    columns=[f"i{j}" for j in range(6)],
)
RNG_POL = {c: ("lower" if c in ("i1", "i4") else "higher") for c in RNG_DF.columns}


def test_sensitivity_matches_a_naive_recomputation_of_each_draw():
    res = bm.sensitivity(
        RNG_DF,
        RNG_POL,
        n_draws=40,
        seed=11,
        normalisations=["minmax", "rank", "leader"],
        aggregations=["linear", "geometric"],
        shift=0.01,
    )
    for d in range(40):
        norm = bm.normalise(RNG_DF, res.draws.loc[d, "normalisation"], RNG_POL)
        comp = bm.aggregate(norm, res.weights.loc[d], res.draws.loc[d, "aggregation"], shift=0.01)
        naive = comp.rank(ascending=False, method="first").astype(int)
        assert (res.ranks.loc[d] == naive).all(), f"draw {d}"
    assert set(res.draws["aggregation"]) == {"linear", "geometric"}


def test_sensitivity_reproducible_with_seed_and_different_with_another():
    a = bm.sensitivity(RNG_DF, RNG_POL, n_draws=200, seed=1)
    b = bm.sensitivity(RNG_DF, RNG_POL, n_draws=200, seed=1)
    c = bm.sensitivity(RNG_DF, RNG_POL, n_draws=200, seed=2)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.ranks, b.ranks)
    assert not a.ranks.equals(c.ranks)
    assert list(a.summary.columns) == ["base_rank", "median_rank", "rank_low", "rank_high", "interval_width"]
    assert (a.summary["rank_low"] <= a.summary["median_rank"]).all()
    assert (a.summary["median_rank"] <= a.summary["rank_high"]).all()


def test_sensitivity_dominant_unit_always_first_and_fixed_design_has_no_spread():
    df = RNG_DF.copy()
    df.loc["star"] = [df[c].max() + 1 if RNG_POL[c] == "higher" else df[c].min() / 2 for c in df.columns]
    res = bm.sensitivity(
        df, RNG_POL, n_draws=300, seed=5, normalisations=["minmax", "zscore", "rank", "leader"]
    )
    assert res.summary.loc["star", ["median_rank", "rank_low", "rank_high"]].tolist() == [1, 1, 1]
    fixed = bm.sensitivity(
        df, RNG_POL, n_draws=50, seed=5, normalisations=["minmax"], weight_dirichlet_alpha=None
    )
    assert (fixed.summary["interval_width"] == 0).all()
    assert (fixed.summary["median_rank"] == fixed.summary["base_rank"]).all()


def test_sensitivity_bad_input():
    with pytest.raises(ValueError, match="normalisation 'zscore'"):
        bm.sensitivity(
            RNG_DF, RNG_POL, n_draws=5, normalisations=["leader", "zscore"], aggregations=["geometric"]
        )
    with pytest.raises(ValueError, match="n_draws"):
        bm.sensitivity(RNG_DF, RNG_POL, n_draws=0)
    with pytest.raises(ValueError, match="interval"):
        bm.sensitivity(RNG_DF, RNG_POL, n_draws=5, interval=(95, 5))


# ------------------------------------------------------------------------------------------------- charts
def test_charts_return_figures():
    import matplotlib.pyplot as plt

    res = bm.sensitivity(RNG_DF, RNG_POL, n_draws=50, seed=0)
    fig = bm.rank_uncertainty_chart(res, max_units=10)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == [str(u) for u in res.summary.index[:10]]
    norm = bm.normalise(RNG_DF, "minmax", RNG_POL)
    fig2 = bm.radar_chart(norm, "u00", peers=["u01", "u02"])
    # two faint peers + peer median + the unit's outline
    assert len(fig2.axes[0].lines) == 4
    with pytest.raises(KeyError, match="'nowhere'"):
        bm.radar_chart(norm, "nowhere")
    plt.close("all")


# ---------------------------------------------------------------------------------------------- invariants
matrices = arrays(
    np.int64, st.tuples(st.integers(3, 12), st.integers(2, 5)), elements=st.integers(-1000, 1000)
)


@settings(max_examples=40, deadline=None)
@given(matrices)
def test_rank_normalisation_is_invariant_to_monotone_rescaling(m):
    df = pd.DataFrame(m.astype(float), columns=[f"i{j}" for j in range(m.shape[1])])
    base = bm.normalise(df, "rank")
    pd.testing.assert_frame_equal(bm.normalise(3.0 * df + 7.0, "rank"), base)
    pd.testing.assert_frame_equal(bm.normalise(df**3, "rank"), base)
    pd.testing.assert_frame_equal(bm.normalise(-df, "rank", {c: "lower" for c in df.columns}), base)


@settings(max_examples=40, deadline=None)
@given(arrays(float, st.tuples(st.integers(2, 10), st.integers(1, 5)), elements=st.floats(-1e6, 1e6)))
def test_minmax_lies_in_unit_interval_with_best_at_one(m):
    df = pd.DataFrame(m, columns=[f"i{j}" for j in range(m.shape[1])])
    df = df.loc[:, df.nunique() > 1]
    if df.shape[1] == 0:
        return
    out = bm.normalise(df, "minmax")
    assert ((out >= 0) & (out <= 1)).all().all()
    assert (out.max() == 1).all() and (out.min() == 0).all()


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 30), st.floats(0.1, 50.0), st.integers(0, 2**31))
def test_weights_sum_to_one(n, alpha, seed):
    cols = [f"i{j}" for j in range(n)]
    assert bm.validate_weights(bm.weights_equal(cols), cols).sum() == pytest.approx(1.0)
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.normal(size=(max(n, 3) + 2, n)), columns=cols)
    w = bm.weights_pca(df)
    assert w.sum() == pytest.approx(1.0) and (w >= 0).all()
    res = bm.sensitivity(df, n_draws=20, seed=seed, weight_dirichlet_alpha=alpha, normalisations=["minmax"])
    np.testing.assert_allclose(res.weights.sum(axis=1), 1.0)


def test_dirichlet_weight_draws_centre_on_the_base_weights():
    # w ~ Dirichlet(alpha * n * w0): E[w] = w0 and Var[w_i] = w0_i (1 - w0_i) / (alpha * n + 1)
    w0 = {"a": 0.5, "b": 0.3, "c": 0.2}
    res = bm.sensitivity(DF, POL, n_draws=4000, seed=3, weights=w0, weight_dirichlet_alpha=5.0)
    np.testing.assert_allclose(res.weights.mean().to_numpy(), [0.5, 0.3, 0.2], atol=0.01)
    # Var[w_a] = .5 * .5 / 16 = .015625
    assert res.weights["a"].var() == pytest.approx(0.015625, rel=0.1)


def test_pca_weights_in_composite_index_and_lower_is_better_ranking():
    d = _exact_corr_data()
    w = bm.weights_pca(d)
    pd.testing.assert_series_equal(
        bm.composite_index(d, weights="pca"), bm.aggregate(bm.normalise(d, "minmax"), w)
    )
    costs = pd.Series({"p": 10.0, "q": 30.0, "r": 20.0})
    assert bm.rank_within(costs, higher_is_better=False)["rank"].tolist() == [1, 3, 2]


def test_varimax_recovers_simple_structure_when_components_are_tied():
    # two pairs both with r = .8: eigenvalues 1.8, 1.8, .2, .2; the two leading eigenvectors may come out mixed in
    # any rotation, varimax restores one factor per pair -> squared scaled loadings .5, shares .5 -> w = .25 each
    u = _orthonormal(n=15, seed=8)
    df = pd.DataFrame(
        {"a": u[:, 0], "b": 0.8 * u[:, 0] + 0.6 * u[:, 1], "c": u[:, 2], "d": 0.8 * u[:, 2] + 0.6 * u[:, 3]}
    )
    mixed = np.array([[np.cos(0.6), -np.sin(0.6)], [np.sin(0.6), np.cos(0.6)]])
    load = (
        np.array([[0.9, 0], [0.9, 0], [0, 0.9], [0, 0.9]]) ** 0.5 @ mixed
    )  # a deliberately rotated solution
    back = bm._varimax(load)
    assert np.allclose(np.sort(np.abs(back), axis=1), [[0, 0.9**0.5]] * 4, atol=1e-6)
    np.testing.assert_allclose(bm.weights_pca(df, rotate=True).to_numpy(), [0.25] * 4, atol=1e-6)


# ------------------------------------------------------------------------------ fixed goalposts: the HDI
# UNDP, Human Development Report 2015, Statistical annex, Table 1 "Human Development Index and its components"
# (values for 2014): HDI, life expectancy at birth (years), expected years of schooling (years), mean years of
# schooling (years), GNI per capita (2011 PPP $). Goalposts as in the HDR technical notes (HDR 2015, HDR 2020
# and HDR 2021/2022 use the same ones): life expectancy 20-85, expected schooling 0-18, mean schooling 0-15,
# GNI per capita log(100)-log(75,000); HDI = geometric mean of the three dimension indices, education index =
# arithmetic mean of its two. Australia's and Denmark's expected schooling (20.2, 18.7) and Singapore's and
# Liechtenstein's GNI (76,628, 79,851) lie beyond the goalposts and are capped, as in the report.
HDR2015_TABLE1 = pd.DataFrame(
    [
        ("Norway", 0.944, 81.6, 17.5, 12.6, 64_992),
        ("Australia", 0.935, 82.4, 20.2, 13.0, 42_261),
        ("Switzerland", 0.930, 83.0, 15.8, 12.8, 56_431),
        ("Denmark", 0.923, 80.2, 18.7, 12.7, 44_025),
        ("Netherlands", 0.922, 81.6, 17.9, 11.9, 45_435),
        ("Germany", 0.916, 80.9, 16.5, 13.1, 43_919),
        ("Ireland", 0.916, 80.9, 18.6, 12.2, 39_568),
        ("United States", 0.915, 79.1, 16.5, 12.9, 52_947),
        ("Singapore", 0.912, 83.0, 15.4, 10.6, 76_628),
        ("Hong Kong, China (SAR)", 0.910, 84.0, 15.6, 11.2, 53_959),
        ("Liechtenstein", 0.908, 80.0, 15.0, 11.8, 79_851),
    ],
    columns=["country", "hdi", "life_expectancy", "expected_schooling", "mean_schooling", "gni_pc"],
).set_index("country")
HDI_GOALPOSTS = {
    "life_expectancy": (20.0, 85.0),
    "expected_schooling": (0.0, 18.0),
    "mean_schooling": (0.0, 15.0),
    "log_gni_pc": (np.log(100.0), np.log(75_000.0)),
}


def test_hdi_of_eleven_countries_from_the_hdr_table_within_rounding():
    data = HDR2015_TABLE1.assign(log_gni_pc=np.log(HDR2015_TABLE1["gni_pc"]))
    table = pd.DataFrame(
        {
            "indicator": ["life_expectancy", "expected_schooling", "mean_schooling", "log_gni_pc"],
            "dimension": ["health", "education", "education", "income"],
        }
    )
    hdi = bm.hierarchy(
        table, ["indicator", "dimension"], aggregation={"dimension": "linear", "index": "geometric"}
    )
    res = bm.composite_index(data, normalisation="minmax", bounds=HDI_GOALPOSTS, structure=hdi)
    # the published values are rounded to 3 decimals and computed from unrounded components
    assert np.abs(res.composite - data["hdi"]).max() <= 1e-3
    assert res.scores.loc["Australia", "expected_schooling"] == 1.0  # 20.2 years capped at 18
    assert res.scores.loc["Liechtenstein", "log_gni_pc"] == 1.0  # $79,851 capped at $75,000
    # Norway's dimension indices by hand: (81.6-20)/65, (17.5/18 + 12.6/15)/2, ln(64992/100)/ln(750)
    assert res.scores.loc["Norway", "health"] == pytest.approx(61.6 / 65)
    assert res.scores.loc["Norway", "education"] == pytest.approx((17.5 / 18 + 12.6 / 15) / 2)
    assert res.scores.loc["Norway", "income"] == pytest.approx(np.log(649.92) / np.log(750))
    assert res.ranks.loc["Norway", "index"] == 1


def test_minmax_bounds_cap_and_reverse_polarity_and_reject_bad_bounds():
    df = pd.DataFrame({"a": [-5.0, 5.0, 15.0], "c": [0.0, 2.0, 8.0]}, index=["X", "Y", "Z"])
    out = bm.normalise(df, "minmax", {"a": 1, "c": -1}, bounds={"a": (0, 10), "c": (0, 4)})
    # a: -5 -> capped 0 -> 0; 5 -> 0.5; 15 -> capped 10 -> 1.  c (lower is better): (4 - x)/4, 8 capped at 4
    assert out["a"].tolist() == [0.0, 0.5, 1.0]
    assert out["c"].tolist() == [1.0, 0.5, 0.0]
    with pytest.raises(ValueError, match="lower < upper"):
        bm.normalise(df, "minmax", bounds={"a": (10, 0), "c": (0, 4)})
    with pytest.raises(KeyError, match="no entry for indicator"):
        bm.normalise(df, "minmax", bounds={"a": (0, 10)})
    with pytest.raises(ValueError, match="do not apply"):
        bm.normalise(df, "rank", bounds={"a": (0, 10), "c": (0, 4)})


def test_distance_to_target_with_cap_by_hand():
    # a: x / 2 = 0.5, 1, 1.5 -> capped at 1; c (lower is better): 3 / x = 0.6, 1, 3 -> 1
    out = bm.normalise(DF[["a", "c"]], "target", {"a": 1, "c": -1}, target={"a": 2, "c": 3}, cap=1.0)
    assert out["a"].tolist() == [0.5, 1.0, 1.0]
    assert out["c"].tolist() == [0.6, 1.0, 1.0]
    with pytest.raises(ValueError, match="cap"):
        bm.normalise(DF[["a"]], "target", target={"a": 2}, cap=0)


def test_percentile_and_categorical_by_hand():
    # percentile: ranks of s*x are 1, 2, 3 for every indicator -> (r - 1)/(n - 1) = 0, 0.5, 1
    pct = bm.normalise(DF, "percentile", POL)
    assert pct.to_numpy().tolist() == [[0.0, 0.0, 0.0], [0.5, 0.5, 0.5], [1.0, 1.0, 1.0]]
    # b with cut-points 15, 30: 10 -> category 0, 20 -> 1, 40 -> 2; default scores 0, 0.5, 1
    # c (lower is better) with cut-point 2: 5 -> cat 1, 3 -> cat 1, 1 -> cat 0; scores reversed: 0, 0, 100
    cat = bm.normalise(DF[["b"]], "categorical", thresholds={"b": [15, 30]})
    assert cat["b"].tolist() == [0.0, 0.5, 1.0]
    cat_c = bm.normalise(DF[["c"]], "categorical", {"c": -1}, thresholds={"c": [2]}, scores=[0, 100])
    assert cat_c["c"].tolist() == [0.0, 0.0, 100.0]
    with pytest.raises(ValueError, match="strictly increasing"):
        bm.normalise(DF[["b"]], "categorical", thresholds={"b": [30, 15]})
    with pytest.raises(ValueError, match="needs 3 values"):
        bm.normalise(DF[["b"]], "categorical", thresholds={"b": [15, 30]}, scores=[0, 1])


def test_zscore_with_winsorising_by_hand():
    df = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0, 100.0]})
    # percentiles 0 and 75 (linear interpolation): 0 and 3, so 100 is clipped to 3 -> values 0,1,2,3,3
    out = bm.normalise(df, "zscore", winsorise=(0, 75))
    w = np.array([0.0, 1.0, 2.0, 3.0, 3.0])
    assert out["a"].to_numpy() == pytest.approx((w - w.mean()) / w.std())
    with pytest.raises(ValueError, match="winsorise"):
        bm.normalise(df, "zscore", winsorise=(80, 20))
    # min-max after winsorising: the clipped maximum 3 becomes the top of the scale
    assert bm.normalise(df, "minmax", winsorise=(0, 75))["a"].tolist() == [0.0, 1 / 3, 2 / 3, 1.0, 1.0]


def test_imputation_by_group_mean_and_by_regression_by_hand():
    df = pd.DataFrame(
        {"x": [1.0, 2.0, 3.0, 4.0, 5.0], "y": [3.0, 5.0, np.nan, 9.0, np.nan]}, index=list("PQRST")
    )
    groups = {"P": "g1", "Q": "g1", "R": "g1", "S": "g2", "T": "g2"}
    gm = bm.impute(df, "group_mean", groups=groups)
    assert gm.loc["R", "y"] == 4.0  # mean of P and Q (3, 5)
    assert gm.loc["T", "y"] == 9.0  # only S reports it in g2
    # y = 1 + 2x exactly on P, Q, S, so regression imputes 7 and 11
    reg = bm.impute(df, "regression")
    assert reg.loc["R", "y"] == pytest.approx(7.0)
    assert reg.loc["T", "y"] == pytest.approx(11.0)
    with pytest.raises(ValueError, match="groups"):
        bm.impute(df, "group_mean")
    with pytest.raises(ValueError, match="no unit of group 'g2'"):
        bm.impute(df.assign(y=[3.0, 5.0, np.nan, np.nan, np.nan]), "group_mean", groups=groups)
    with pytest.raises(ValueError, match="no other indicator is complete"):
        bm.impute(df.assign(x=[1.0, np.nan, 3.0, 4.0, 5.0]), "regression")


# ------------------------------------------------------------------------------------------------ hierarchy
def test_hierarchical_index_by_hand():
    # pillar P1 = {a, b} with weights 1 : 3 (-> 0.25, 0.75), P2 = {c, d} equal; P1 : P2 = 2 : 1 (-> 2/3, 1/3);
    # indicators -> pillars linear, pillars -> index geometric; goalposts 0-10.
    df = pd.DataFrame(
        {"a": [10.0, 0.0, 8.0], "b": [0.0, 10.0, 8.0], "c": [5.0, 0.0, 2.0], "d": [5.0, 10.0, 2.0]},
        index=["u1", "u2", "u3"],
    )
    table = pd.DataFrame({"indicator": list("abcd"), "pillar": ["P1", "P1", "P2", "P2"]})
    h = bm.hierarchy(
        table,
        ["indicator", "pillar"],
        weights={"a": 1, "b": 3, "P1": 2, "P2": 1},
        aggregation={"pillar": "linear", "index": "geometric"},
    )
    res = bm.composite_index(df, normalisation="minmax", bounds=dict.fromkeys("abcd", (0, 10)), structure=h)
    # u1: P1 = .25*1 + .75*0 = .25, P2 = .5; index = .25^(2/3) .5^(1/3) = 2^(-4/3) 2^(-1/3) = 2^(-5/3)
    # u2: P1 = .75, P2 = .5;  u3: P1 = .8, P2 = .2
    assert res.level("pillar").to_numpy().ravel() == pytest.approx([0.25, 0.5, 0.75, 0.5, 0.8, 0.2])
    assert res.composite["u1"] == pytest.approx(2 ** (-5 / 3))
    assert res.composite["u2"] == pytest.approx(0.75 ** (2 / 3) * 0.5 ** (1 / 3))
    assert res.composite["u3"] == pytest.approx(0.8 ** (2 / 3) * 0.2 ** (1 / 3))
    assert res.ranks["index"].tolist() == [3, 1, 2]
    assert res.ranks["P1"].tolist() == [3, 2, 1]
    assert res.ranks["P2"].tolist() == [1, 1, 3]  # ties share the best rank
    assert list(res.scores.columns) == ["a", "b", "c", "d", "P1", "P2", "index"]
    # linear at every level = one linear composite with the path-product weights
    lin = bm.hierarchy(table, ["indicator", "pillar"], weights={"a": 1, "b": 3, "P1": 2, "P2": 1})
    eff = lin.effective_weights()
    assert eff.to_dict() == pytest.approx({"a": 1 / 6, "b": 0.5, "c": 1 / 6, "d": 1 / 6})
    flat = bm.composite_index(df, weights=eff)
    assert bm.composite_index(df, structure=lin).composite.to_numpy() == pytest.approx(flat.to_numpy())


def test_equal_pillar_weights_need_no_weights_and_three_levels_work():
    table = pd.DataFrame(
        {"indicator": list("abcd"), "pillar": ["P1", "P2", "P2", "P2"], "sub": ["S1", "S1", "S1", "S1"]}
    )
    h = bm.hierarchy(table, ["indicator", "pillar", "sub"])
    assert h.levels == ("indicator", "pillar", "sub", "index")
    assert h.effective_weights().to_dict() == pytest.approx({"a": 0.5, "b": 1 / 6, "c": 1 / 6, "d": 1 / 6})
    df = pd.DataFrame({"a": [0.0, 1.0], "b": [1.0, 0.0], "c": [1.0, 0.0], "d": [1.0, 0.0]}, index=["U", "V"])
    res = bm.composite_index(df, structure=h)
    # U: P1 = 0, P2 = 1, S1 = (0 + 1)/2 = 0.5, index = S1; V: P1 = 1, P2 = 0, S1 = 0.5
    assert res.level("sub")["S1"].tolist() == [0.5, 0.5]
    assert res.composite.tolist() == [0.5, 0.5]
    assert res.ranks["P2"].tolist() == [1, 2] and res.ranks["index"].tolist() == [1, 1]


def test_hierarchy_bad_input_is_named():
    good = pd.DataFrame({"indicator": list("ab"), "pillar": ["P", "P"]})
    with pytest.raises(ValueError, match="more than one"):
        bm.hierarchy(
            pd.DataFrame({"indicator": list("ab"), "pillar": ["P", "Q"], "sub": ["S", "T"]}).assign(
                pillar=["P", "P"]
            ),
            ["indicator", "pillar", "sub"],
        )
    with pytest.raises(ValueError, match="unique"):
        bm.hierarchy(pd.DataFrame({"indicator": ["a", "P"], "pillar": ["P", "P"]}), ["indicator", "pillar"])
    with pytest.raises(KeyError, match="unknown node"):
        bm.hierarchy(good, ["indicator", "pillar"], weights={"zz": 1})
    with pytest.raises(ValueError, match="all zero"):
        bm.hierarchy(good, ["indicator", "pillar"], weights={"a": 0, "b": 0})
    with pytest.raises(ValueError, match="'linear' or 'geometric'"):
        bm.hierarchy(good, ["indicator", "pillar"], aggregation="median")
    with pytest.raises(KeyError, match="not in the table"):
        bm.hierarchy(good, ["indicator", "group"])
    h = bm.hierarchy(good, ["indicator", "pillar"])
    with pytest.raises(ValueError, match="set in the Hierarchy"):
        bm.composite_index(DF, structure=h, weights={"a": 1.0})
    with pytest.raises(KeyError, match="not columns"):
        bm.composite_index(DF[["a"]], structure=h)


# ------------------------------------------------------------------------------- global sensitivity (Sobol)
def test_sobol_one_choice_drives_everything():
    # D's outlying value on a (10 against 1-2) puts it first under min-max: linear composite
    # A = (1/9 + 1)/2 = .556 < D = (1 + 3/11)/2 = .636. Ranks ignore the distance: A = (2.5 + 4)/2 = 3.25 >
    # D = (4 + 2)/2 = 3. Geometric aggregation keeps each of these orders, and B, C stay 3rd and 4th. So the
    # normalisation explains all the variance of the ranks of A and D, the aggregation none, and B's and C's
    # ranks never change (no variance to share: NaN).
    df = pd.DataFrame({"a": [2.0, 1.0, 2.0, 10.0], "b": [17.0, 11.0, 6.0, 9.0]}, index=list("ABCD"))
    res = bm.sensitivity_sobol(
        df,
        normalisations=("minmax", "rank"),
        aggregations=("linear", "geometric"),
        weight_noise=0,
        n_base=256,
        seed=7,
    )
    assert res.factors == ("normalisation", "aggregation")
    s1 = res.first_order.loc[["A", "D"]]
    assert (s1.sum(axis=1) <= 1.0).all()
    assert s1["normalisation"].to_numpy() == pytest.approx([1.0, 1.0])
    assert s1["aggregation"].abs().max() < 1e-12
    assert res.total_order.loc[["A", "D"], "aggregation"].abs().max() < 1e-12
    assert res.first_order.loc[["B", "C"]].isna().all().all()
    assert res.rank_shift["S1"].sum() <= 1.0
    assert res.rank_shift.loc["normalisation", "S1"] == pytest.approx(1.0)
    assert len(res.ranks) == 256 * (2 + 2)
    assert set(res.ranks["A"]) == {1, 2} and set(res.ranks["C"]) == {4}


SOBOL_TABLE = pd.DataFrame({"indicator": ["a", "b", "c", "d"], "pillar": ["P1", "P1", "P2", "P2"]})


def _sobol_data():
    rng = np.random.default_rng(11)
    df = pd.DataFrame(
        rng.lognormal(size=(12, 4)), columns=list("abcd"), index=[f"k{i:02d}" for i in range(12)]
    )
    df.iloc[2, 1] = np.nan
    df.iloc[5, 3] = np.nan
    groups = pd.Series(["g1", "g2", "g3"] * 4, index=df.index)
    return df, groups


def test_sobol_runs_match_a_direct_recomputation_of_each_choice():
    df, groups = _sobol_data()
    h = bm.hierarchy(SOBOL_TABLE, ["indicator", "pillar"])
    res = bm.sensitivity_sobol(
        df,
        {"a": 1, "b": 1, "c": -1, "d": 1},
        h,
        normalisations=("minmax", "percentile"),
        aggregations=("linear", {"pillar": "linear", "index": "geometric"}),
        imputations=("group_mean", "regression"),
        groups=groups,
        n_weight_sets=8,
        n_base=64,
        seed=3,
    )
    assert res.factors == ("imputation", "normalisation", "weights", "aggregation")
    for run in [0, 1, 7, 100, 383]:
        c = res.choices.iloc[run]
        agg = "linear" if c["aggregation"] == "linear" else {"pillar": "linear", "index": "geometric"}
        hk = bm.hierarchy(
            SOBOL_TABLE, ["indicator", "pillar"], weights=res.weight_sets[c["weights"]], aggregation=agg
        )
        direct = bm.composite_index(
            df,
            {"a": 1, "b": 1, "c": -1, "d": 1},
            normalisation=c["normalisation"],
            structure=hk,
            missing=c["imputation"],
            groups=groups,
            shift=0.01,
        ).composite
        expected = direct.rank(ascending=False, method="first").astype(int)
        assert res.ranks.iloc[run].tolist() == expected.tolist(), f"run {run}: {c.to_dict()}"
    nominal = bm.composite_index(
        df, {"a": 1, "b": 1, "c": -1, "d": 1}, structure=h, missing="group_mean", groups=groups
    ).composite.rank(ascending=False, method="first")
    assert res.summary["nominal_rank"].reindex(df.index).tolist() == nominal.astype(int).tolist()
    assert ((res.total_order >= res.first_order - 0.2) | res.first_order.isna()).all().all()


def test_sobol_bad_input():
    df, groups = _sobol_data()
    with pytest.raises(ValueError, match="power of 2"):
        bm.sensitivity_sobol(df, n_base=1000, imputations=("mean",))
    with pytest.raises(ValueError, match="not among the normalisations"):
        bm.sensitivity_sobol(df, imputations=("mean",), normalise_options={"zscore": {"winsorise": (5, 95)}})
    with pytest.raises(ValueError, match="groups"):
        bm.sensitivity_sobol(df, imputations=("mean", "group_mean"), n_base=8)
    with pytest.raises(ValueError, match="nothing is uncertain"):
        bm.sensitivity_sobol(
            df, normalisations=("minmax",), aggregations=("linear",), weight_noise=0, imputations=("mean",)
        )
    with pytest.raises(ValueError, match="'zscore'"):
        bm.sensitivity_sobol(
            df, normalisations=("zscore",), aggregations=("geometric",), imputations=("mean",), n_base=8
        )


def test_charts_legend_hides_no_unit_and_labels_are_readable():
    import matplotlib.pyplot as plt

    res = bm.sensitivity(RNG_DF, RNG_POL, n_draws=50, seed=0)
    fig = bm.rank_uncertainty_chart(res)
    fig.canvas.draw()
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    legend_box = ax.get_legend().get_window_extent(renderer)
    assert not legend_box.overlaps(ax.get_window_extent(renderer)), "the legend covers the plotting area"
    norm = bm.normalise(RNG_DF, "minmax", RNG_POL).rename(columns=lambda c: f"{c}_score_share")
    fig2 = bm.radar_chart(norm, "u00", labels={norm.columns[0]: "Share of exporting members"})
    labels = [t.get_text() for t in fig2.axes[0].get_xticklabels()]
    assert labels[0].replace("\n", " ") == "Share of exporting members"
    assert all("_" not in lab for lab in labels)
    df, groups = _sobol_data()
    sres = bm.sensitivity_sobol(df, n_base=32, seed=1, imputations=("mean", "regression"), n_weight_sets=4)
    fig4 = bm.rank_uncertainty_chart(sres)
    assert [t.get_text() for t in fig4.axes[0].get_yticklabels()] == [str(u) for u in sres.summary.index]
    fig3 = bm.sobol_chart(sres)
    assert [t.get_text() for t in fig3.axes[0].get_yticklabels()] == [
        "Imputation",
        "Normalisation",
        "Weights",
        "Aggregation",
    ]
    plt.close("all")
