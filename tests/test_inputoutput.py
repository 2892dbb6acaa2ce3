"""clusterkit.inputoutput against Miller & Blair (2009) section 2.3, identities, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from clusterkit import inputoutput as io

SECTORS = ["agriculture", "manufacturing"]


@pytest.fixture
def mb():
    """Miller & Blair (2009), Input-Output Analysis, 2nd ed., section 2.3: the two-sector example."""
    Z = pd.DataFrame([[150.0, 500.0], [200.0, 100.0]], index=SECTORS, columns=SECTORS)
    x = pd.Series([1000.0, 2000.0], index=SECTORS)
    f = pd.Series([350.0, 1700.0], index=SECTORS)
    return Z, x, f


def test_miller_blair_technical_coefficients(mb):
    Z, x, _ = mb
    A = io.technical_coefficients(Z, x)
    np.testing.assert_allclose(A.to_numpy(), [[0.15, 0.25], [0.20, 0.05]])
    assert list(A.index) == SECTORS and list(A.columns) == SECTORS


def test_miller_blair_leontief_inverse_to_4dp(mb):
    Z, x, _ = mb
    L = io.leontief_inverse(io.technical_coefficients(Z, x))
    np.testing.assert_array_equal(L.to_numpy().round(4), [[1.2541, 0.3300], [0.2640, 1.1221]])


def test_miller_blair_output_multipliers(mb):
    Z, x, _ = mb
    L = io.leontief_inverse(io.technical_coefficients(Z, x))
    m = io.output_multipliers(L)
    assert m.round(3).tolist() == [1.518, 1.452]
    assert list(m.index) == SECTORS


def test_miller_blair_new_final_demand(mb):
    Z, x, f = mb
    L = io.leontief_inverse(io.technical_coefficients(Z, x))
    # the base-year final demand reproduces the base-year output
    np.testing.assert_allclose(io.demand_shock_impact(L, f)["delta_x"], x)
    # f = (600, 1500) gives x = (1247.52, 1841.58)
    new = io.demand_shock_impact(L, pd.Series([600.0, 1500.0], index=SECTORS))
    assert new["delta_x"].round(2).tolist() == [1247.52, 1841.58]


def test_shock_with_value_added_and_jobs(mb):
    Z, x, _ = mb
    L = io.leontief_inverse(io.technical_coefficients(Z, x))
    va = x - Z.sum(axis=0)  # 650, 1400
    jobs = pd.Series([50.0, 40.0], index=SECTORS)
    out = io.demand_shock_impact(L, pd.Series({"manufacturing": 100.0}), x=x, va=va, jobs=jobs)
    # delta_x = L[:, manufacturing] * 100 = (33.00, 112.21)
    assert out["delta_x"].round(2).tolist() == [33.00, 112.21]
    np.testing.assert_allclose(
        out["delta_va"], [0.65 * out["delta_x"].iloc[0], 0.70 * out["delta_x"].iloc[1]]
    )
    np.testing.assert_allclose(
        out["delta_jobs"], [0.05 * out["delta_x"].iloc[0], 0.02 * out["delta_x"].iloc[1]]
    )
    assert out.loc["agriculture", "delta_f"] == 0.0
    # without imports all value added is generated domestically: a unit of demand yields a unit of VA
    assert out["delta_va"].sum() == pytest.approx(100.0)


def test_value_added_and_employment_multipliers(mb):
    Z, x, _ = mb
    L = io.leontief_inverse(io.technical_coefficients(Z, x))
    va = pd.Series([650.0, 1400.0], index=SECTORS)
    # closed economy without imports: v L = 1' (every unit of final demand ends up as value added)
    np.testing.assert_allclose(io.value_added_multipliers(L, va, x), [1.0, 1.0])
    jobs = pd.Series([50.0, 40.0], index=SECTORS)  # 0.05 and 0.02 jobs per unit of output
    em = io.employment_multipliers(L, jobs, x)
    expected = np.array([0.05, 0.02]) @ L.to_numpy()
    np.testing.assert_allclose(em, expected)
    assert em.round(4).tolist() == [0.0680, 0.0389]  # 0.05*1.2541+0.02*0.2640, 0.05*0.3300+0.02*1.1221
    np.testing.assert_allclose(io.employment_multipliers(L, jobs, x, ratio=True), expected / [0.05, 0.02])
    np.testing.assert_allclose(io.value_added_multipliers(L, va, x, ratio=True), [1 / 0.65, 1 / 0.70])


def test_rasmussen_and_key_sectors(mb):
    Z, x, _ = mb
    L = io.leontief_inverse(io.technical_coefficients(Z, x))
    ras = io.rasmussen_linkages(L)
    total = L.to_numpy().sum()
    np.testing.assert_allclose(ras["backward"], 2 * L.sum(axis=0) / total)
    np.testing.assert_allclose(ras["forward"], 2 * L.sum(axis=1) / total)
    assert ras.mean().tolist() == pytest.approx([1.0, 1.0])
    ks = io.key_sectors(L)
    assert ks["category"].tolist() == ["key sector", "weakly linked"]


def test_ghosh(mb):
    Z, x, _ = mb
    G = io.ghosh_inverse(Z, x)
    B = np.array([[150 / 1000, 500 / 1000], [200 / 2000, 100 / 2000]])
    np.testing.assert_allclose(G.to_numpy() @ (np.eye(2) - B), np.eye(2), atol=1e-12)
    # supply-side identity: x' = v' G with v = value added (Miller & Blair 2009, eq. 12.7)
    va = x - Z.sum(axis=0)
    np.testing.assert_allclose(va.to_numpy() @ G.to_numpy(), x)
    raw = io.ghosh_forward_linkages(Z, x, normalised=False)
    np.testing.assert_allclose(raw, G.sum(axis=1))
    norm = io.ghosh_forward_linkages(Z, x)
    assert norm.mean() == pytest.approx(1.0)
    ks = io.key_sectors(io.leontief_inverse(io.technical_coefficients(Z, x)), Z=Z, x=x)
    np.testing.assert_allclose(ks["forward"], norm)


def test_key_sector_quadrant_names():
    # backward (column sums) high only for sector b, forward (row sums) high only for sector a
    L = pd.DataFrame([[1.0, 0.9], [0.0, 1.0]], index=["a", "b"], columns=["a", "b"])
    ks = io.key_sectors(L)
    assert ks.loc["a", "category"] == "forward-oriented"
    assert ks.loc["b", "category"] == "backward-oriented"


def test_key_sectors_need_linkages_strictly_above_average():
    """The published rule is "above average": a sector exactly at 1 is not strong (was >= 1 before)."""
    # symmetric L: every column and row sum is equal, so every index is exactly 1.0
    L = pd.DataFrame([[1.2, 0.3], [0.3, 1.2]], index=["a", "b"], columns=["a", "b"])
    ks = io.key_sectors(L)
    assert ks["backward"].tolist() == pytest.approx([1.0, 1.0])
    assert ks["forward"].tolist() == pytest.approx([1.0, 1.0])
    assert ks["category"].tolist() == ["weakly linked", "weakly linked"]
    # one step above the average makes it strong; the threshold is a parameter with the same strict rule
    L2 = pd.DataFrame([[1.2, 0.3], [0.31, 1.2]], index=["a", "b"], columns=["a", "b"])
    ks2 = io.key_sectors(L2)
    assert ks2.loc["a", "backward"] > 1 and ks2.loc["b", "forward"] > 1
    assert ks2.loc["a", "category"] == "backward-oriented"
    assert ks2.loc["b", "category"] == "forward-oriented"
    at = io.key_sectors(L2, threshold=float(ks2.loc["a", "backward"]))
    assert at.loc["a", "category"] == "weakly linked"


def test_reordered_labels_are_aligned(mb):
    Z, x, _ = mb
    A1 = io.technical_coefficients(Z, x)
    A2 = io.technical_coefficients(Z, x[::-1])
    pd.testing.assert_frame_equal(A1, A2)


@pytest.mark.parametrize(
    ("bad_x", "match"),
    [
        (pd.Series([1000.0, 2000.0], index=["agriculture", "services"]), "missing.*manufacturing.*services"),
        (pd.Series([1000.0, 0.0], index=SECTORS), "zero for.*manufacturing"),
        (pd.Series([1000.0, np.nan], index=SECTORS), "manufacturing"),
        (pd.Series([1000.0, -5.0], index=SECTORS), "non-negative.*manufacturing"),
    ],
)
def test_bad_output_vector_is_named(mb, bad_x, match):
    Z, _, _ = mb
    with pytest.raises(ValueError, match=match):
        io.technical_coefficients(Z, bad_x)


def test_bad_matrices(mb):
    Z, x, _ = mb
    with pytest.raises(ValueError, match="square"):
        io.technical_coefficients(Z.iloc[:, :1], x)
    renamed = Z.rename(columns={"manufacturing": "industry"})
    with pytest.raises(ValueError, match="row and column sector labels differ.*industry"):
        io.technical_coefficients(renamed, x)
    neg = Z.copy()
    neg.iloc[0, 1] = -1.0
    with pytest.raises(ValueError, match="Z must be finite and non-negative.*manufacturing"):
        io.technical_coefficients(neg, x)
    with pytest.raises(TypeError, match="DataFrame"):
        io.leontief_inverse(Z.to_numpy())


def test_singular_and_unproductive_systems():
    s = ["a", "b"]
    with pytest.raises(ValueError, match=r"I - A is .*singular.*\['a', 'b'\]"):
        io.leontief_inverse(pd.DataFrame([[0.5, 0.5], [0.5, 0.5]], index=s, columns=s))
    with pytest.raises(ValueError, match="not productive"):
        io.leontief_inverse(pd.DataFrame([[0.6, 0.6], [0.6, 0.6]], index=s, columns=s))
    with pytest.raises(ValueError, match=r"singular.*\['a'\]"):
        io.leontief_inverse(pd.DataFrame([[1.0, 0.0], [0.0, 0.2]], index=s, columns=s))


def test_ghosh_unproductive_names_rows():
    s = ["a", "b"]
    Z = pd.DataFrame([[120.0, 0.0], [0.0, 10.0]], index=s, columns=s)
    with pytest.raises(ValueError, match=r"B is .*row sums >= 1.*\['a'\]"):
        io.ghosh_inverse(Z, pd.Series([100.0, 50.0], index=s))


def test_shock_with_unknown_sector(mb):
    Z, x, _ = mb
    L = io.leontief_inverse(io.technical_coefficients(Z, x))
    with pytest.raises(ValueError, match="not in L.*tourism"):
        io.demand_shock_impact(L, pd.Series({"tourism": 5.0}))
    with pytest.raises(ValueError, match="x \\(gross output\\) is needed"):
        io.demand_shock_impact(L, pd.Series({"agriculture": 5.0}), va=x)
    with pytest.raises(ValueError, match="jobs labels do not match.*missing \\['manufacturing'\\]"):
        io.employment_multipliers(L, pd.Series({"agriculture": 5.0}), x)
    with pytest.raises(ValueError, match="both Z and x"):
        io.key_sectors(L, Z=pd.DataFrame())


@st.composite
def economies(draw):
    """Random economies with input-coefficient column sums below 1 (so A is productive and VA > 0)."""
    n = draw(st.integers(1, 6))
    A = draw(arrays(float, (n, n), elements=st.floats(0, 1, allow_subnormal=False)))
    col_share = draw(arrays(float, n, elements=st.floats(0, 0.95, allow_subnormal=False)))
    sums = A.sum(axis=0)
    A = np.where(sums > 0, A / np.where(sums > 0, sums, 1) * col_share, 0.0)
    x = draw(arrays(float, n, elements=st.floats(1, 1e4, allow_subnormal=False)))
    Z = A * x[None, :]
    labels = [f"s{i}" for i in range(n)]
    f = x - Z.sum(axis=1)  # may be negative: only an accounting identity here
    return (
        pd.DataFrame(Z, index=labels, columns=labels),
        pd.Series(x, index=labels),
        pd.Series(f, index=labels),
    )


@settings(max_examples=40, deadline=None)
@given(economies())
def test_leontief_identities(eco):
    Z, x, f = eco
    A = io.technical_coefficients(Z, x)
    L = io.leontief_inverse(A)
    n = len(x)
    np.testing.assert_allclose(L.to_numpy() @ (np.eye(n) - A.to_numpy()), np.eye(n), atol=1e-9)
    np.testing.assert_allclose(io.demand_shock_impact(L, f)["delta_x"], x, rtol=1e-8, atol=1e-6)
    assert (io.output_multipliers(L) >= 1 - 1e-12).all()
    np.testing.assert_allclose(io.rasmussen_linkages(L).mean(), [1.0, 1.0])
    va = x - Z.sum(axis=0)
    np.testing.assert_allclose(io.value_added_multipliers(L, va, x), np.ones(n), rtol=1e-9)


def test_key_sector_average_holds_exactly():
    # column a sums to 1.75 of a 5.25 total, so its backward index 3 * 1.75 / 5.25 is exactly 1 (the average);
    # it computes as 0.9999999999999999. The published rule is "above average": a sector AT the average is not
    # backward-linked, whichever way the last bit of its index rounds
    L = pd.DataFrame(
        [[0.35, 0.2, 1.1], [0.35, 1.1, 0.35], [1.05, 0.05, 0.7]], index=list("abc"), columns=list("abc")
    )
    ks = io.key_sectors(L)
    assert ks.loc["a", "backward"] < 1.0 and ks.loc["a", "forward"] < 1.0
    assert ks.loc["a", "category"] == "weakly linked"
    bumped = io.key_sectors(L, threshold=1.0 - 1e-15)  # the same index now just "above" a nudged threshold
    assert bumped.loc["a", "category"] == "weakly linked"
    assert io.key_sectors(L, threshold=0.99).loc["a", "category"] == "backward-oriented"
