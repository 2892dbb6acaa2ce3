"""clusterkit.network: building from an edge list, the measures on hand-worked graphs, brokerage roles counted by
hand, the Balkan data pack, the chart and bad input."""

from __future__ import annotations

import math

import matplotlib
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from clusterkit import network as net
from clusterkit.data import load_case

matplotlib.use("Agg")


def ties(rows, cols=("source", "target", "weight", "type")) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(cols))


def nodes(groups: dict[str, str], name: str = "country") -> pd.DataFrame:
    return pd.DataFrame({"id": list(groups), name: list(groups.values())})


def directed(edges, groups, name: str = "country") -> nx.DiGraph:
    return net.cooperation_network(
        ties([(a, b, 1, "t") for a, b in edges]), nodes(groups, name), directed=True
    )


# ---------------------------------------------------------------------------------------------- building
def test_edge_list_rows_of_one_pair_are_summed_with_their_types():
    t = ties(
        [("A", "B", 2, "project"), ("B", "A", 1, "visit"), ("A", "B", 3, "visit"), ("B", "C", 1, "event")]
    )
    g = net.cooperation_network(t, nodes({"A": "BG", "B": "RS", "C": "RS", "D": "TR"}))
    assert (
        not g.is_directed() and g.number_of_nodes() == 4 and g.number_of_edges() == 2
    )  # D is kept, isolated
    assert g["A"]["B"]["weight"] == 6 and g["A"]["B"]["types"] == {"project": 2.0, "visit": 4.0}
    assert g.nodes["D"]["country"] == "TR"
    d = net.cooperation_network(t, directed=True)
    assert d["A"]["B"]["weight"] == 5 and d["B"]["A"]["weight"] == 1 and d.number_of_edges() == 3
    # no weight column: every row counts 1; custom column names
    t2 = ties([("A", "B"), ("A", "B")], cols=("who", "with_whom"))
    g2 = net.cooperation_network(t2, source="who", target="with_whom", weight=None, tie_type=None)
    assert g2["A"]["B"]["weight"] == 2


@pytest.mark.parametrize(
    ("rows", "node_table", "error", "match"),
    [
        ([("A", "A", 1, "t")], None, ValueError, r"self-loop in row 1 .*'A' is tied to itself"),
        ([("A", "B", 1, "t"), ("B", "X", 1, "t")], {"A": "BG", "B": "RS"}, ValueError,
         r"unknown node\(s\) \['X'\] in row 2"),
        ([("A", "B", 1, "t"), ("A", "C", -2, "t")], None, ValueError, r"weight -2 in row 2 .* is negative"),
        ([("A", "B", 0, "t")], None, ValueError, r"weight 0 in row 1 .* is zero"),
        ([("A", "B", float("nan"), "t")], None, ValueError, r"row 1 .* not a finite number"),
        ([("A", "B", float("inf"), "t")], None, ValueError, r"row 1 .* not a finite number"),
        ([("A", "B", "two", "t")], None, ValueError, r"weight 'two' in row 1"),
        ([("A", None, 1, "t")], None, ValueError, r"column 'target' is empty in row 1"),
        ([("A", "B", True, "t")], None, ValueError, r"column 'weight' holds booleans"),
    ],
)  # fmt: skip
def test_bad_edge_lists_get_clear_errors(rows, node_table, error, match):
    with pytest.raises(error, match=match):
        net.cooperation_network(ties(rows), None if node_table is None else nodes(node_table))


def test_bad_tables_and_attributes():
    with pytest.raises(KeyError, match=r"ties is missing column\(s\) \['weight'\]"):
        net.cooperation_network(pd.DataFrame({"source": ["A"], "target": ["B"], "type": ["t"]}))
    with pytest.raises(ValueError, match=r"duplicate node id\(s\) \['A'\]"):
        net.cooperation_network(ties([("A", "B", 1, "t")]), pd.DataFrame({"id": ["A", "A", "B"]}))
    g = net.cooperation_network(ties([("A", "B", 1, "t")]))
    with pytest.raises(KeyError, match=r"node attribute 'country' is missing for node\(s\) \['A', 'B'\]"):
        net.brokerage(g, "country")
    with pytest.raises(TypeError, match="cooperation_network"):
        net.density(pd.DataFrame())
    with pytest.raises(ValueError, match="no ties"):
        net.cross_border_share(net.cooperation_network(ties([]), nodes({"A": "BG"})))


# ---------------------------------------------------------------------------------------------- measures
def test_density_and_components_by_hand():
    # A-B-C path, D-E pair, F isolated: 3 ties of 6 * 5 / 2 = 15 possible
    t = ties([("A", "B", 1, "t"), ("B", "C", 1, "t"), ("D", "E", 1, "t")])
    g = net.cooperation_network(t, nodes(dict.fromkeys("ABCDEF", "BG")))
    assert net.density(g) == pytest.approx(3 / 15)
    comp = net.components(g)
    assert comp.to_dict() == {"A": 1, "B": 1, "C": 1, "D": 2, "E": 2, "F": 3}
    # directed: 3 ties of 6 * 5 possible; weakly connected components as above
    d = net.cooperation_network(t, nodes(dict.fromkeys("ABCDEF", "BG")), directed=True)
    assert net.density(d) == pytest.approx(3 / 30)
    assert net.components(d).to_dict() == comp.to_dict()


def test_centrality_on_a_star_by_hand():
    # star: centre H with leaves a, b, c (weights 1, 2, 3). Betweenness of H: it lies on all 3 leaf-leaf paths of
    # (n-1)(n-2)/2 = 3 pairs -> 1. Adjacency eigenvalue sqrt(3); unit eigenvector H = 1/sqrt(2), leaves 1/sqrt(6).
    g = net.cooperation_network(ties([("H", "a", 1, "t"), ("H", "b", 2, "t"), ("c", "H", 3, "t")]))
    c = net.centrality(g, eigenvector_weight=None)
    assert c.loc["H", "degree"] == 3 and c.loc["a", "degree"] == 1
    assert c.loc["H", "strength"] == 6 and c.loc["c", "strength"] == 3
    assert c.loc["H", "degree_centrality"] == 1.0 and c.loc["a", "degree_centrality"] == pytest.approx(1 / 3)
    assert c.loc["H", "betweenness"] == 1.0 and (c.loc[["a", "b", "c"], "betweenness"] == 0).all()
    assert c.loc["H", "eigenvector"] == pytest.approx(1 / math.sqrt(2))
    assert c.loc[["a", "b", "c"], "eigenvector"].to_numpy() == pytest.approx([1 / math.sqrt(6)] * 3)
    # weighted eigenvector: leaves in proportion to their weights (lambda x_leaf = w x_H)
    cw = net.centrality(g)
    assert cw.loc["c", "eigenvector"] / cw.loc["a", "eigenvector"] == pytest.approx(3.0)
    # cross-check with networkx's own functions on the same graph
    assert cw["betweenness"].to_dict() == pytest.approx(nx.betweenness_centrality(g))
    assert cw["eigenvector"].to_dict() == pytest.approx(
        nx.eigenvector_centrality(g, weight="weight", tol=1e-12)
    )


def test_centrality_of_a_directed_path_and_an_empty_network():
    d = net.cooperation_network(ties([("A", "B", 1, "t"), ("B", "C", 1, "t")]), directed=True)
    c = net.centrality(d)
    # B is on the one directed path A -> C of (n-1)(n-2) = 2 ordered pairs -> 0.5
    assert c.loc["B", "betweenness"] == pytest.approx(0.5)
    assert c[["in_degree", "out_degree"]].loc["B"].tolist() == [1, 1]
    lone = net.cooperation_network(ties([]), nodes({"A": "BG", "B": "RS"}))
    assert net.centrality(lone)["eigenvector"].tolist() == [0.0, 0.0]


# ---------------------------------------------------------------------------------------------- brokerage
def test_brokerage_all_five_roles_counted_by_hand():
    # groups X = {x1, x2, x3}, Y = {y1}, Z = {z1, z2}; ties x1->x2->x3, x1->y1->x3, y1->z1, x3->z1->z2.
    # Open two-paths a -> v -> c (no tie a -> c), by broker v:
    #   x2: x1->x2->x3 (X X X)                          coordinator
    #   x3: x2->x3->z1 (X X Z)                          representative; y1->x3->z1 is closed by y1->z1
    #   y1: x1->y1->x3 (X Y X) itinerant;  x1->y1->z1 (X Y Z) liaison
    #   z1: y1->z1->z2 (Y Z Z), x3->z1->z2 (X Z Z)      two gatekeeper paths
    edges = [("x1", "x2"), ("x2", "x3"), ("x1", "y1"), ("y1", "x3"), ("y1", "z1"), ("x3", "z1"), ("z1", "z2")]
    groups = {"x1": "X", "x2": "X", "x3": "X", "y1": "Y", "z1": "Z", "z2": "Z"}
    b = net.brokerage(directed(edges, groups), "country")
    assert list(b.columns) == [*net.BROKERAGE_ROLES, "total"]
    expected = {
        "x1": [0, 0, 0, 0, 0],
        "x2": [1, 0, 0, 0, 0],
        "x3": [0, 0, 1, 0, 0],
        "y1": [0, 1, 0, 0, 1],
        "z1": [0, 0, 0, 2, 0],
        "z2": [0, 0, 0, 0, 0],
    }
    for node, row in expected.items():
        assert b.loc[node, list(net.BROKERAGE_ROLES)].tolist() == row, node
    assert b["total"].sum() == 6


def test_brokerage_matches_the_published_sna_example():
    # the example of R's cograph/sna documentation: A->B, A->C, B->C, B->D, C->D, D->A, groups {A, B}, {C, D}.
    # By hand: A gatekeeper (D->A->B) and itinerant (D->A->C); B representative (A->B->D; A->B->C is closed);
    # C gatekeeper (A->C->D; B->C->D closed); D itinerant (B->D->A) and representative (C->D->A).
    edges = [("A", "B"), ("A", "C"), ("B", "C"), ("B", "D"), ("C", "D"), ("D", "A")]
    b = net.brokerage(directed(edges, {"A": 1, "B": 1, "C": 2, "D": 2}), "country")
    assert b.loc["A", ["gatekeeper", "itinerant", "total"]].tolist() == [1, 1, 2]
    assert b.loc["B", ["representative", "total"]].tolist() == [1, 1]
    assert b.loc["C", ["gatekeeper", "total"]].tolist() == [1, 1]
    assert b.loc["D", ["itinerant", "representative", "total"]].tolist() == [1, 1, 2]


def test_brokerage_undirected_ties_count_both_ways():
    # path a - b - c (a, b in X; c in Y) and a closed triangle p, q, r: b stands on one open path, read
    # a -> b -> c (representative) and c -> b -> a (gatekeeper); the triangle has no open path.
    t = ties(
        [("a", "b", 1, "t"), ("b", "c", 1, "t"), ("p", "q", 1, "t"), ("q", "r", 1, "t"), ("r", "p", 1, "t")]
    )
    g = net.cooperation_network(t, nodes({"a": "X", "b": "X", "c": "Y", "p": "X", "q": "Y", "r": "Z"}))
    b = net.brokerage(g, "country")
    assert b.loc["b", ["representative", "gatekeeper", "total"]].tolist() == [1, 1, 2]
    assert b.drop(index="b")["total"].sum() == 0
    # the same as the directed network with every tie both ways
    both = directed(
        [(u, v) for u, v in g.edges] + [(v, u) for u, v in g.edges], nx.get_node_attributes(g, "country")
    )
    pd.testing.assert_frame_equal(b.sort_index(), net.brokerage(both, "country").sort_index())


# ---------------------------------------------------------------------------------------------- groups
def test_cross_border_share_and_group_density_by_hand():
    # BG: A, B; RS: C, D. Ties A-B (3), A-C (1), C-D (2), B-D (2): 2 of 4 ties cross (3 of 8 by weight)
    t = ties([("A", "B", 3, "t"), ("A", "C", 1, "t"), ("C", "D", 2, "t"), ("B", "D", 2, "t")])
    g = net.cooperation_network(t, nodes({"A": "BG", "B": "BG", "C": "RS", "D": "RS"}))
    assert net.cross_border_share(g) == 0.5
    assert net.cross_border_share(g, weighted=True) == pytest.approx(3 / 8)
    per = net.cross_border_share(g, per_node=True)
    assert per.to_dict() == {"A": 0.5, "B": 0.5, "C": 0.5, "D": 0.5}
    assert net.cross_border_share(g, weighted=True, per_node=True)["A"] == pytest.approx(1 / 4)
    # cross-check with networkx's attribute mixing matrix: off-diagonal share of tie ends
    mix = nx.attribute_mixing_matrix(g, "country", normalized=True)
    assert net.cross_border_share(g) == pytest.approx(1 - np.trace(mix))
    dens = net.group_density(g, "country")
    # within BG: 1 tie of 1 possible; between BG and RS: 2 ties of 2 * 2 possible
    assert dens.loc["BG", "BG"] == 1.0 and dens.loc["RS", "RS"] == 1.0
    assert dens.loc["BG", "RS"] == 0.5 and dens.loc["RS", "BG"] == 0.5


# ---------------------------------------------------------------------------------------------- chart
def test_network_chart_draws_every_node_and_group(tmp_path):
    g = net.cooperation_network(
        ties([("A", "B", 3, "t"), ("B", "C", 1, "t")]), nodes({"A": "BG", "B": "BG", "C": "RS"})
    )
    ax = net.network_chart(g, "country", size=net.centrality(g)["betweenness"], title="test")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["BG", "RS"] and ax.get_title() == "test"
    assert sum(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_sizes")) >= 3
    ax.figure.savefig(tmp_path / "chart.png")
    with pytest.raises(ValueError, match=r"size has no value for node\(s\) \['C'\]"):
        net.network_chart(g, size=pd.Series({"A": 1.0, "B": 2.0}))


# ---------------------------------------------------------------------------------------------- data pack
def test_balkan_ties_give_back_the_links():
    case = load_case("balkan-cluster-network")
    t, links = case["c2c_ties"], case["c2c_links"]
    assert set(t["type"]) == {"joint project", "study visit", "joint event"}
    pair = t.assign(a=t[["source", "target"]].min(axis=1), b=t[["source", "target"]].max(axis=1))
    got = pair.pivot_table(index=["a", "b"], columns="type", values="weight", aggfunc="sum", fill_value=0)
    ends = links[["cluster_a", "cluster_b"]]
    want = links.assign(a=ends.min(axis=1), b=ends.max(axis=1)).set_index(["a", "b"])
    want = want[["joint_projects", "study_visits", "joint_events"]]
    want.columns = ["joint project", "study visit", "joint event"]
    want = want[(want > 0).any(axis=1)]
    pd.testing.assert_frame_equal(
        got[want.columns].sort_index(), want.sort_index(), check_names=False, check_dtype=False
    )
    g = net.cooperation_network(t, case["clusters"], directed=True)
    assert g.number_of_nodes() == len(case["clusters"])
