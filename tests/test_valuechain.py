"""clusterkit.valuechain: a hand-computed chain, gap ranking, captured value, smile curve, bad input."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from clusterkit import valuechain as vc  # noqa: E402


@pytest.fixture
def chain():
    """Value added: 80, 150, 50, 200 (total 480); captured locally: 40, 120, 0, 200 (360)."""
    return pd.DataFrame(
        {
            "stage": ["R&D and design", "components", "assembly", "brand and service"],
            "firms": [2, 10, 0, 3],
            "output": [100.0, 400.0, 500.0, 300.0],
            "bought_in_inputs": [20.0, 250.0, 450.0, 100.0],
            "local_share": [0.5, 0.8, 0.0, 1.0],
        }
    )


def test_value_chain_by_hand(chain):
    out = vc.value_chain(chain)
    assert list(out.index) == list(chain["stage"])  # chain order kept
    assert out["position"].tolist() == [0, 1, 2, 3]
    assert out["value_added"].tolist() == [80, 150, 50, 200]
    assert out["margin"].tolist() == pytest.approx([0.8, 0.375, 0.1, 200 / 300])
    assert out["share_of_chain_va"].tolist() == pytest.approx([80 / 480, 150 / 480, 50 / 480, 200 / 480])
    assert out["local_value_added"].tolist() == pytest.approx([40, 120, 0, 200])
    assert out["leakage"].tolist() == pytest.approx([40, 30, 50, 0])
    # the smile: the ends of the chain have higher margins than assembly in the middle
    assert out["margin"].idxmin() == "assembly"


def test_captured_value_and_overrides(chain):
    assert vc.captured_value(chain) == pytest.approx(360)
    assert vc.captured_value(chain, {"assembly": 1.0}) == pytest.approx(410)
    assert vc.captured_value(chain, {"assembly": 0.5, "R&D and design": 1.0}) == pytest.approx(425)
    assert chain["local_share"].tolist() == [0.5, 0.8, 0.0, 1.0]  # the input is not modified
    with pytest.raises(KeyError, match="unknown stage.*'packaging'"):
        vc.captured_value(chain, {"packaging": 1.0})
    with pytest.raises(ValueError, match="'assembly' must be a number in \\[0, 1\\]"):
        vc.captured_value(chain, {"assembly": 1.5})


def test_gap_analysis_ranks_leakage(chain):
    gap = vc.gap_analysis(chain)
    # leakage = VA x (1 - local share): assembly 50 (missing: no firms), R&D 40, components 30; brand is local
    assert list(gap.index) == ["assembly", "R&D and design", "components"]
    assert gap["rank"].tolist() == [1, 2, 3]
    assert gap["status"].tolist() == ["missing", "partly imported", "partly imported"]
    assert gap["share_of_leakage"].tolist() == pytest.approx([50 / 120, 40 / 120, 30 / 120])
    assert gap["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    full = vc.gap_analysis(chain, include_local=True)
    assert full.index[-1] == "brand and service" and full["status"].iloc[-1] == "local"
    with pytest.raises(KeyError, match="firms"):
        vc.gap_analysis(chain.drop(columns="firms"))


def test_gap_ties_keep_chain_order(chain):
    tied = chain.assign(local_share=[0.5, 0.8, 0.2, 0.8])  # leakage 40, 30, 40, 40
    assert list(vc.gap_analysis(tied).index) == [
        "R&D and design",
        "assembly",
        "brand and service",
        "components",
    ]


def test_smile_curve_plot(chain, monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("smile_curve must not call show"))
    ax = vc.smile_curve(chain, title="Wind turbines")
    line = ax.get_lines()[0]
    assert line.get_ydata().tolist() == pytest.approx([0.8, 0.375, 0.1, 200 / 300])
    bars = [p.get_height() for p in ax.patches]
    assert bars == pytest.approx([0.4, 0.3, 0.0, 200 / 300])
    assert [t.get_text() for t in ax.get_xticklabels()] == list(chain["stage"])
    plt.close(ax.figure)
    ax = vc.smile_curve(chain, measure="value_added", show_local=False)
    assert not ax.patches and ax.get_lines()[0].get_ydata().tolist() == [80, 150, 50, 200]
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="measure"):
        vc.smile_curve(chain, measure="profit")


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"drop": "output"}, KeyError, "output"),
        ({"col": "local_share", "value": [0.5, 1.2, 0.0, 1.0]}, ValueError, "between 0 and 1.*components"),
        ({"col": "output", "value": [100.0, np.nan, 500.0, 300.0]}, ValueError, "'output'.*components"),
        ({"col": "firms", "value": [2, -1, 0, 3]}, ValueError, "'firms'.*components"),
        ({"col": "output", "value": [0.0, 400.0, 500.0, 300.0]}, ValueError, "zero for stage.*R&D"),
        ({"col": "bought_in_inputs", "value": [20.0, 450.0, 450.0, 100.0]}, ValueError, "components.*exceed"),
        ({"col": "stage", "value": ["a", "b", "a", "c"]}, ValueError, "'a'.*more than once"),
        ({"col": "output", "value": ["x"] * 4}, ValueError, "numeric"),
    ],
)
def test_bad_stages_are_named(chain, change, error, match):
    bad = (
        chain.drop(columns=change["drop"])
        if "drop" in change
        else chain.assign(**{change["col"]: change["value"]})
    )
    with pytest.raises(error, match=match):
        vc.value_chain(bad)


def test_zero_value_added_chain(chain):
    flat = chain.assign(bought_in_inputs=chain["output"])
    with pytest.raises(ValueError, match="zero total value added"):
        vc.value_chain(flat)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(1, 1e6), st.floats(0, 1), st.floats(0, 1), st.integers(0, 50)),
        min_size=1,
        max_size=8,
    )
)
def test_chain_identities(rows):
    stages = pd.DataFrame(
        {
            "stage": [f"s{i}" for i in range(len(rows))],
            "output": [r[0] for r in rows],
            "bought_in_inputs": [r[0] * r[1] * 0.99 for r in rows],
            "local_share": [r[2] for r in rows],
            "firms": [r[3] for r in rows],
        }
    )
    out = vc.value_chain(stages)
    assert out["share_of_chain_va"].sum() == pytest.approx(1.0)
    np.testing.assert_allclose(out["local_value_added"] + out["leakage"], out["value_added"])
    assert vc.captured_value(stages) == pytest.approx(out["local_value_added"].sum())
    # moving every stage fully into the region captures the whole chain's value added
    everything = {s: 1.0 for s in stages["stage"]}
    assert vc.captured_value(stages, everything) == pytest.approx(out["value_added"].sum())
    gap = vc.gap_analysis(stages)
    assert gap["leakage"].is_monotonic_decreasing


def test_input_leakage_by_hand():
    from clusterkit.valuechain import input_leakage

    stages = pd.DataFrame(
        {"stage": ["blades", "towers"], "bought_in_inputs": [80.0, 50.0], "local_input_share": [0.25, 1.0]}
    )
    # blades: 80 * (1 - 0.25) = 60; towers: everything bought locally -> 0
    got = input_leakage(stages)
    assert list(got.index) == ["blades", "towers"]
    assert got.tolist() == [60.0, 0.0]


@pytest.mark.parametrize(
    ("column", "value", "match"),
    [
        ("local_input_share", 1.2, "towers"),
        ("local_input_share", float("nan"), "local_input_share"),
        ("bought_in_inputs", -1.0, "bought_in_inputs"),
    ],
)
def test_input_leakage_rejects_bad_values(column, value, match):
    from clusterkit.valuechain import input_leakage

    stages = pd.DataFrame(
        {"stage": ["blades", "towers"], "bought_in_inputs": [80.0, 50.0], "local_input_share": [0.25, 1.0]}
    )
    stages.loc[1, column] = value
    with pytest.raises(ValueError, match=match):
        input_leakage(stages)


def test_input_leakage_names_a_missing_column():
    from clusterkit.valuechain import input_leakage

    with pytest.raises(KeyError, match="local_input_share"):
        input_leakage(pd.DataFrame({"stage": ["a"], "bought_in_inputs": [1.0]}))
