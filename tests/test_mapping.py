"""clusterkit.mapping: hand-computed cases, identities (hypothesis), bad input."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from clusterkit import mapping  # noqa: E402


def long(rows, cols=("region", "industry", "employment")):
    return pd.DataFrame(rows, columns=list(cols))


@pytest.fixture
def three():
    """A: x 10, y 90; B: x 50, y 50; C: x 40, y 60. Nation: x 100, y 200, all 300."""
    return long(
        [("A", "x", 10), ("A", "y", 90), ("B", "x", 50), ("B", "y", 50), ("C", "x", 40), ("C", "y", 60)]
    )


def test_lq_by_hand(three):
    lq = mapping.location_quotient(three)
    # LQ = (E_ir/E_r)/(E_i/E): A,x = (10/100)/(100/300) = 0.3 ...
    expected = {
        ("A", "x"): 0.3,
        ("A", "y"): 1.35,
        ("B", "x"): 1.5,
        ("B", "y"): 0.75,
        ("C", "x"): 1.2,
        ("C", "y"): 0.9,
    }
    assert lq.to_dict() == pytest.approx(expected)
    assert lq.index.names == ["region", "industry"]


def test_lq_custom_column_names_and_duplicate_rows_summed(three):
    renamed = three.rename(columns={"region": "nuts2", "industry": "cluster", "employment": "jobs"})
    split = pd.concat([renamed.assign(jobs=renamed["jobs"] / 2)] * 2, ignore_index=True)
    lq = mapping.location_quotient(split, region="nuts2", industry="cluster", employment="jobs")
    pd.testing.assert_series_equal(lq, mapping.location_quotient(three).rename_axis(["nuts2", "cluster"]))


@pytest.fixture
def traded_table():
    """A: T1 30, T2 10, L1 60; B: T1 20, T2 30, L1 50. T1, T2 traded; nation traded = 90 (T1 50, T2 40)."""
    return pd.DataFrame(
        {
            "region": ["A", "A", "A", "B", "B", "B"],
            "industry": ["T1", "T2", "L1"] * 2,
            "employment": [30, 10, 60, 20, 30, 50],
            "traded": [True, True, False] * 2,
        }
    )


def test_traded_denominator_lq_us_cmp(traded_table):
    lq = mapping.location_quotient(traded_table, denominator="traded")
    # US CMP: LQ = (E_cr / E_traded,r) / (E_c / E_traded): A,T1 = (30/40)/(50/90) = 1.35
    expected = {("A", "T1"): 1.35, ("A", "T2"): 0.5625, ("B", "T1"): 0.72, ("B", "T2"): 1.35}
    assert lq.to_dict() == pytest.approx(expected)
    # the total-employment LQ differs: (30/100)/(50/200) = 1.2
    assert mapping.location_quotient(traded_table).loc[("A", "T1")] == pytest.approx(1.2)
    # the traded industries can also be given as a set or a boolean Series
    as_set = mapping.location_quotient(
        traded_table.drop(columns="traded"), denominator="traded", traded={"T1", "T2"}
    )
    pd.testing.assert_series_equal(as_set, lq)
    flags = pd.Series({"T1": True, "T2": True, "L1": False})
    pd.testing.assert_series_equal(
        mapping.location_quotient(traded_table, denominator="traded", traded=flags), lq
    )


def test_traded_bad_specs(traded_table):
    with pytest.raises(KeyError, match="'traded'"):
        mapping.location_quotient(traded_table.drop(columns="traded"), denominator="traded")
    mixed = traded_table.assign(traded=[True, True, False, False, True, False])
    with pytest.raises(ValueError, match=r"constant within an industry.*T1"):
        mapping.location_quotient(mixed, denominator="traded")
    with pytest.raises(ValueError, match="no flag for industries.*L1"):
        mapping.location_quotient(
            traded_table, denominator="traded", traded=pd.Series({"T1": True, "T2": True})
        )
    with pytest.raises(ValueError, match="none of the traded industries"):
        mapping.location_quotient(traded_table, denominator="traded", traded={"Z9"})
    with pytest.raises(ValueError, match="denominator"):
        mapping.location_quotient(traded_table, denominator="local")


@pytest.fixture
def ten_regions():
    """R0: auto 300, food 700; R1..R8: auto 10, food 90; R9: auto 60, food 0. Nation auto 440, food 1420."""
    rows = [("R0", "auto", 300), ("R0", "food", 700), ("R9", "auto", 60), ("R9", "food", 0)]
    for r in range(1, 9):
        rows += [(f"R{r}", "auto", 10), (f"R{r}", "food", 90)]
    return long(rows)


def test_focus_is_ranked_over_all_clusters_and_differs_from_specialisation():
    """ECO focus: top 10% of ALL region-category cells by share of regional employment, not top 10% within a
    category (which would order regions exactly as the LQ does). A (wine 40, services 60) is specialised in wine
    (LQ = 0.4 / 0.175 = 2.29) but wine's 40% of A's jobs is not among the top 2 of the 20 cells; the two largest
    shares are services in R9 (0.89) and R8 (0.88), which are not specialised (LQ about 1.07)."""
    rows = [("A", "wine", 40), ("A", "services", 60)]
    for i in range(1, 10):
        rows += [(f"R{i}", "wine", 20 - i), (f"R{i}", "services", 80 + i)]
    s = mapping.cluster_stars(long(rows))
    assert s.loc[("A", "wine"), "lq"] == pytest.approx(0.4 / 0.175)
    assert set(s.index[s["specialisation"]]) == {("A", "wine")}
    assert set(s.index[s["focus"]]) == {("R9", "services"), ("R8", "services")}
    assert not s.loc[("A", "wine"), "focus"]
    # within one category the share orders regions as the LQ does: that ranking is what focus must NOT use
    wine = s.xs("wine", level="industry")
    assert list(wine["share"].rank()) == list(wine["lq"].rank())


def test_focus_and_specialisation_differ_in_the_sme_case():
    from clusterkit.data import load_case

    emp = load_case("sme-networking-turkey")["employment"]
    emp = emp[emp["year"] == emp["year"].max()]
    s = mapping.cluster_stars(emp, region="province", industry="sector_code")
    spec, focus = set(s.index[s["specialisation"]]), set(s.index[s["focus"]])
    assert spec and focus and spec != focus
    assert spec - focus, "some specialised cells get no focus star"


def test_stars_by_hand(ten_regions):
    s = mapping.cluster_stars(ten_regions)
    # size: top 10% of 10 regions = the largest region per industry (R0 for both)
    assert set(s.index[s["size"]]) == {("R0", "auto"), ("R0", "food")}
    # specialisation: LQ(R9, auto) = (60/60)/(440/1860) = 4.23 >= 2; nothing else reaches 2
    assert s.loc[("R9", "auto"), "lq"] == pytest.approx(1860 / 440)
    assert set(s.index[s["specialisation"]]) == {("R9", "auto")}
    # focus: top share of regional employment; food share 0.9 is tied across R1..R8, all of them qualify
    assert set(s.index[s["focus"]]) == {("R9", "auto")} | {(f"R{r}", "food") for r in range(1, 9)}
    assert s.loc[("R9", "auto"), "stars"] == 2
    assert s.loc[("R0", "auto"), "stars"] == 1
    assert s.loc[("R9", "food"), "stars"] == 0  # zero employment never earns a star
    assert s["stars"].dtype.kind == "i"
    assert s.loc[("R1", "auto"), "stars"] == 0
    # thresholds are parameters: with LQ >= 1.1, R1..R8 food (LQ 0.9/(1420/1860) = 1.18) become specialised,
    # and with the top 30% (k = 3 regions; 700, 90, 90 ...) they are large too: three stars
    s2 = mapping.cluster_stars(ten_regions, lq_threshold=1.1, size_pct=0.3)
    assert s2.loc[("R1", "food"), "specialisation"] and s2.loc[("R1", "food"), "stars"] == 3
    assert s2.loc[("R1", "auto"), "stars"] == 1  # size only (10 is the third-largest auto employment)


def test_stars_size_pct_counts_ties(ten_regions):
    # top 30% of 10 regions: k = 3. auto: 300, 60, then 10 (tied 8 times) -> all 10 regions have >= 10
    s = mapping.cluster_stars(ten_regions, size_pct=0.3)
    assert s.xs("auto", level="industry")["size"].all()
    # food: 700 then 90 x 8 -> k-th largest is 90 -> R0..R8 qualify, R9 (0) does not
    food = s.xs("food", level="industry")["size"]
    assert food.sum() == 9 and not food["R9"]


def test_stars_traded_denominator(traded_table):
    s = mapping.cluster_stars(traded_table, denominator="traded", lq_threshold=1.3)
    assert set(s.index.get_level_values("industry")) == {"T1", "T2"}
    assert set(s.index[s["specialisation"]]) == {("A", "T1"), ("B", "T2")}
    assert s.loc[("A", "T1"), "share"] == pytest.approx(30 / 40)


@pytest.fixture
def five():
    """Each region has 100 jobs; x = [10, 20, 30, 40, 0], y = 100 - x; LQ_x = [0.5, 1, 1.5, 2, 0]."""
    x = [10, 20, 30, 40, 0]
    regions = [f"R{i}" for i in range(1, 6)]
    return pd.DataFrame(
        {
            "region": regions * 2,
            "industry": ["x"] * 5 + ["y"] * 5,
            "employment": x + [100 - v for v in x],
            "establishments": [1, 5, 2, 8, 0] + [5, 1, 1, 1, 6],
            "traded": [True] * 5 + [False] * 5,
        }
    )


def test_strong_clusters_by_hand(five):
    s = mapping.strong_clusters(five, denominator="total")
    # x, regions with employment: LQ [0.5, 1, 1.5, 2] -> P75 = 1.625; employment P25 = 17.5; establishments
    # [1, 5, 2, 8] -> P25 = 1.75. Only R4 passes all four tests. R5 has no x employment.
    assert s.loc[("R1", "x"), "lq_threshold"] == pytest.approx(1.625)
    assert s.loc[("R1", "x"), "employment_threshold"] == pytest.approx(17.5)
    assert s.loc[("R1", "x"), "establishments_threshold"] == pytest.approx(1.75)
    # y: LQ [1.125, 1, 0.875, 0.75, 1.25] -> P75 = 1.125; employment P25 = 70; establishments P25 = 1
    assert s.loc[("R1", "y"), "lq_threshold"] == pytest.approx(1.125)
    assert set(s.index[s["strong"]]) == {("R4", "x"), ("R1", "y"), ("R5", "y")}


def test_strong_clusters_establishment_test_and_skip(five):
    few = five.copy()
    few.loc[3, "establishments"] = 1  # R4 x: establishments [1, 5, 2, 1] -> P25 = 1, and 1 > 1 fails
    s = mapping.strong_clusters(few, denominator="total")
    assert not s.loc[("R4", "x"), "strong"]
    s_no_est = mapping.strong_clusters(few, denominator="total", establishments=None)
    assert s_no_est.loc[("R4", "x"), "strong"]
    assert "establishments" not in s_no_est.columns


def test_strong_clusters_peer_groups(five):
    groups = {"R1": "metro", "R2": "metro", "R3": "rural", "R4": "rural", "R5": "rural"}
    s = mapping.strong_clusters(five, denominator="total", peer_group=groups)
    assert s.loc[("R1", "x"), "lq_threshold"] == pytest.approx(0.875)  # metro: [0.5, 1]
    assert s.loc[("R3", "x"), "lq_threshold"] == pytest.approx(1.875)  # rural: [1.5, 2]
    by_col = mapping.strong_clusters(
        five.assign(kind=five["region"].map(groups)), denominator="total", peer_group="kind"
    )
    pd.testing.assert_frame_equal(s, by_col)
    with pytest.raises(ValueError, match="no group for regions.*R5"):
        mapping.strong_clusters(
            five, denominator="total", peer_group={k: v for k, v in groups.items() if k != "R5"}
        )


def test_strong_clusters_traded_default(five):
    # R5 has no traded employment: its traded LQ is undefined, and the error says so
    with pytest.raises(ValueError, match=r"traded employment of region\(s\) is zero for \['R5'\]"):
        mapping.strong_clusters(five)
    four = five[five["region"] != "R5"]
    s = mapping.strong_clusters(four)
    assert set(s.index.get_level_values("industry")) == {"x"}  # only traded clusters are rated
    assert s["lq"].tolist() == pytest.approx([1.0] * 4)  # x is the only traded cluster: share of traded = 1
    assert s["high_lq"].all()  # all LQs equal the P75 of 1.0
    # employment [10, 20, 30, 40] > P25 17.5 and establishments [1, 5, 2, 8] > P25 1.75 drop R1 only
    assert s.index[s["strong"]].get_level_values("region").tolist() == ["R2", "R3", "R4"]
    with pytest.raises(KeyError, match="establishments"):
        mapping.strong_clusters(four.drop(columns="establishments"))


@pytest.fixture
def two_years():
    t0 = long([("A", "x", 100), ("A", "y", 100), ("B", "x", 100), ("B", "y", 200)])
    t1 = long([("A", "x", 150), ("A", "y", 90), ("B", "x", 110), ("B", "y", 250)])
    return t0, t1


def test_shift_share_by_hand(two_years):
    t0, t1 = two_years
    ss = mapping.shift_share(t0, t1)
    # g_N = 600/500 - 1 = 0.2; g_x = 260/200 - 1 = 0.3; g_y = 340/300 - 1 = 2/15
    row = ss.loc[("A", "x")]
    assert (row["national_share"], row["industry_mix"], row["regional_shift"]) == pytest.approx((20, 10, 20))
    row = ss.loc[("A", "y")]
    assert (row["national_share"], row["industry_mix"], row["regional_shift"]) == pytest.approx(
        (20, 100 * (2 / 15 - 0.2), 100 * (-0.1 - 2 / 15))
    )
    row = ss.loc[("B", "y")]
    assert (row["national_share"], row["industry_mix"], row["regional_shift"]) == pytest.approx(
        (40, 200 * (2 / 15 - 0.2), 200 * (0.25 - 2 / 15))
    )
    assert ss["actual_change"].tolist() == [50, -10, 10, 50]
    totals = mapping.shift_share(t0, t1, totals=True)
    assert totals.loc["A"].tolist() == pytest.approx([200, 240, 40, 100 / 30, -100 / 30, 40])
    assert list(totals.columns) == [
        "employment_start",
        "employment_end",
        "national_share",
        "industry_mix",
        "regional_shift",
        "actual_change",
    ]


def test_shift_share_one_table_and_new_pairs(two_years):
    t0, t1 = two_years
    wide = t0.assign(employment_2024=t1["employment"])
    pd.testing.assert_frame_equal(
        mapping.shift_share(wide, end_column="employment_2024"), mapping.shift_share(t0, t1)
    )
    # a pair that only exists in t1: its whole change is regional shift
    t1_new = pd.concat([t1, long([("C", "x", 40)])], ignore_index=True)
    ss = mapping.shift_share(t0, t1_new)
    assert ss.loc[("C", "x")].tolist() == [0, 40, 0, 0, 40, 40]
    with pytest.raises(ValueError, match="end_column"):
        mapping.shift_share(t0)
    with pytest.raises(ValueError, match="zero for.*'z'"):
        mapping.shift_share(t0, pd.concat([t1, long([("A", "z", 5)])]))
    with pytest.raises(KeyError, match="employment_2030"):
        mapping.shift_share(wide, end_column="employment_2030")
    with pytest.raises(ValueError, match="employment_2024.*non-negative"):
        mapping.shift_share(wide.assign(employment_2024=-1), end_column="employment_2024")


def test_herfindahl_and_krugman_by_hand(three):
    h = mapping.herfindahl(three)
    assert h.to_dict() == pytest.approx({"A": 0.82, "B": 0.5, "C": 0.52})
    hi = mapping.herfindahl(three, by="industry")  # x: shares 0.1, 0.5, 0.4
    assert hi["x"] == pytest.approx(0.01 + 0.25 + 0.16)
    k = mapping.krugman_index(three)
    # A vs rest (B+C: x 90/200, y 110/200): |0.1-0.45| + |0.9-0.55| = 0.7
    assert k.to_dict() == pytest.approx({"A": 0.7, "B": 0.5, "C": 0.2})
    kn = mapping.krugman_index(three, reference="nation")
    assert kn["A"] == pytest.approx(abs(0.1 - 1 / 3) + abs(0.9 - 2 / 3))
    with pytest.raises(ValueError, match="rest of the nation.*A"):
        mapping.krugman_index(three[three["region"] == "A"])


def test_portfolio_data_and_chart(two_years, monkeypatch):
    import matplotlib.pyplot as plt

    t0, t1 = two_years
    data = mapping.portfolio_data(t0, t1, "A")
    assert data.loc["x", "growth"] == pytest.approx(0.5)
    assert data.loc["x", "national_growth"] == pytest.approx(0.3)
    assert data.loc["x", "relative_growth"] == pytest.approx(0.2)
    assert data.loc["x", "lq"] == pytest.approx((150 / 240) / (260 / 600))
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("portfolio_chart must not call show"))
    ax = mapping.portfolio_chart(data, title="A")
    assert len(ax.collections[0].get_offsets()) == 2
    assert {t.get_text() for t in ax.texts} >= {"x", "y", "Stars", "Emerging"}
    assert ax.get_title() == "A"
    plt.close(ax.figure)
    traded = mapping.portfolio_data(t0, t1, "A", denominator="traded", traded={"x"})
    assert list(traded.index) == ["x"] and traded.loc["x", "lq"] == pytest.approx(1.0)
    with pytest.raises(KeyError, match="region 'Z'"):
        mapping.portfolio_data(t0, t1, "Z")
    with pytest.raises(KeyError, match="bubble"):
        mapping.portfolio_chart(data, size="bubble")


@pytest.mark.parametrize("fn", [mapping.location_quotient, mapping.cluster_stars, mapping.herfindahl])
def test_bad_input_is_named(three, fn):
    with pytest.raises(KeyError, match="employment"):
        fn(three.drop(columns="employment"))
    with pytest.raises(ValueError, match="'employment' must be finite and non-negative.*-5"):
        fn(three.assign(employment=[10, 90, -5, 50, 40, 60]))
    with pytest.raises(ValueError, match="'employment' must be finite"):
        fn(three.assign(employment=[10, 90, np.nan, 50, 40, 60]))
    with pytest.raises(ValueError, match="must be numeric"):
        fn(three.assign(employment=["many"] * 6))
    with pytest.raises(ValueError, match="missing labels"):
        fn(three.assign(region=["A", "A", None, "B", "C", "C"]))


def test_zero_totals_are_named(three):
    zero_region = pd.concat([three, long([("D", "x", 0), ("D", "y", 0)])])
    with pytest.raises(ValueError, match=r"region\(s\) is zero for \['D'\]"):
        mapping.location_quotient(zero_region)
    zero_industry = pd.concat([three, long([("A", "z", 0)])])
    with pytest.raises(ValueError, match=r"industry\(ies\) is zero for \['z'\]"):
        mapping.cluster_stars(zero_industry)
    with pytest.raises(ValueError, match="no rows"):
        mapping.location_quotient(three.iloc[:0])


def test_large_sorted_tables_take_the_shortcuts_and_agree():
    """> 20,000 rows sorted by region: run-length label coding, and shift-share reusing the t0 codes."""
    rng = np.random.default_rng(1)
    n_r, n_i = 40, 600
    t0 = long(
        {
            "region": np.repeat([f"r{r:02d}" for r in range(n_r)], n_i),
            "industry": np.tile([f"i{i:03d}" for i in range(n_i)], n_r),
            "employment": rng.integers(1, 100, n_r * n_i).astype(float),
        }
    )
    t1 = t0.assign(employment=t0["employment"] * rng.uniform(0.5, 1.5, len(t0)))
    shuffled = rng.permutation(len(t0))
    pd.testing.assert_frame_equal(mapping.cluster_stars(t0), mapping.cluster_stars(t0.iloc[shuffled]))
    pd.testing.assert_frame_equal(
        mapping.shift_share(t0, t1), mapping.shift_share(t0.iloc[shuffled], t1.iloc[::-1]), check_exact=False
    )


# ---------------------------------------------------------------------------------------------- properties
@st.composite
def tables(draw, min_value=0):
    n_r = draw(st.integers(1, 6))
    n_i = draw(st.integers(1, 5))
    emp = draw(
        st.lists(st.integers(min_value, 10_000), min_size=n_r * n_i, max_size=n_r * n_i).filter(
            lambda v: (
                all(sum(v[r * n_i : (r + 1) * n_i]) > 0 for r in range(n_r))
                and all(sum(v[i::n_i]) > 0 for i in range(n_i))
            )
        )
    )
    return long([(f"r{r}", f"i{i}", emp[r * n_i + i]) for r in range(n_r) for i in range(n_i)])


@settings(max_examples=40, deadline=None)
@given(tables())
def test_region_equal_to_the_nation_has_lq_one(df):
    nation = df.groupby("industry", as_index=False)["employment"].sum().assign(region="NATION")
    lq = mapping.location_quotient(pd.concat([df, nation], ignore_index=True))
    np.testing.assert_allclose(lq.xs("NATION", level="region"), 1.0, rtol=1e-12)
    # and the employment-weighted mean LQ of every industry over regions is 1
    w = df.set_index(["region", "industry"])["employment"]
    lq = mapping.location_quotient(df)
    np.testing.assert_allclose(
        (lq * w.groupby(level="region").transform("sum")).groupby(level="industry").sum() / w.sum(), 1.0
    )


@settings(max_examples=40, deadline=None)
@given(tables(), st.randoms(use_true_random=False))
def test_stars_invariant_to_row_order(df, rnd):
    order = list(range(len(df)))
    rnd.shuffle(order)
    a = mapping.cluster_stars(df, size_pct=0.3, focus_pct=0.3, lq_threshold=1.2)
    b = mapping.cluster_stars(df.iloc[order], size_pct=0.3, focus_pct=0.3, lq_threshold=1.2)
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=40, deadline=None)
@given(tables(min_value=1), st.lists(st.floats(0, 3), min_size=30, max_size=30))
def test_shift_share_identity(t0, factors):
    t1 = t0.assign(employment=t0["employment"] * np.resize(factors, len(t0)))
    ss = mapping.shift_share(t0, t1)
    parts = ss[["national_share", "industry_mix", "regional_shift"]].sum(axis=1)
    scale = max(1.0, float(t0["employment"].max()) * 3)
    np.testing.assert_allclose(parts, ss["actual_change"], rtol=0, atol=1e-9 * scale)
    np.testing.assert_allclose(ss["actual_change"], ss["employment_end"] - ss["employment_start"])
    # regional shifts of an industry sum to zero over regions; the national shares sum to g_N * E_0
    np.testing.assert_allclose(ss["regional_shift"].groupby(level="industry").sum(), 0, atol=1e-8 * scale)
    g_n = t1["employment"].sum() / t0["employment"].sum() - 1
    assert ss["national_share"].sum() == pytest.approx(g_n * t0["employment"].sum(), abs=1e-8 * scale)
    totals = mapping.shift_share(t0, t1, totals=True)
    np.testing.assert_allclose(totals.sum(), ss.sum(), atol=1e-8 * scale)


# ------------------------------------------------------------------------------------- exact boundaries
def _two_by_two(a1: float, a2: float, b1: float, b2: float) -> pd.DataFrame:
    return pd.DataFrame(
        {"region": ["A", "A", "B", "B"], "industry": ["i1", "i2", "i1", "i2"], "employment": [a1, a2, b1, b2]}
    )


def test_stars_lq_threshold_holds_exactly():
    # A's LQ in i1 is (0.4 / 0.5) / (1.2 / 3.0) = 2 exactly; in floating point it comes out a hair below 2
    stars = mapping.cluster_stars(_two_by_two(0.4, 0.1, 0.8, 1.7), lq_threshold=2.0)
    lq = stars.loc[("A", "i1"), "lq"]
    assert lq < 2.0 and lq == pytest.approx(2.0)
    assert bool(stars.loc[("A", "i1"), "specialisation"])


def test_strong_clusters_min_lq_holds_exactly():
    # both regions have the same mix (5:1), so every LQ is exactly 1; A's computes as 0.9999999999999999
    sc = mapping.strong_clusters(_two_by_two(1.5, 0.3, 3.5, 0.7), denominator="total", establishments=None)
    assert sc.loc[("A", "i1"), "lq"] < 1.0
    assert bool(sc.loc[("A", "i1"), "high_lq"])


def test_shift_share_zero_start_error_speaks_of_growth_not_lq(two_years):
    t0, t1 = two_years
    with pytest.raises(ValueError) as err:
        mapping.shift_share(t0, pd.concat([t1, long([("A", "z", 5)])]))
    msg = str(err.value)
    assert "national t0 employment" in msg and "'z'" in msg and "growth rate" in msg
    assert "location quotient" not in msg
