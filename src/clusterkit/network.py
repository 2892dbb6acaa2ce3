"""Cooperation networks between clusters or firms: who cooperates with whom, how closely, and who brokers.

Built on networkx (Hagberg, Schult & Swart 2008). A *cooperation network* is made from an edge list, one row per
tie: ``source`` (who), ``target`` (with whom), ``weight`` (how much: joint projects, visits, events, > 0) and
``type`` (what kind of tie). :func:`cooperation_network` checks the list and returns a ``networkx.Graph``
(undirected ties: cooperation is mutual) or ``networkx.DiGraph`` (directed ties: who invited, hosted or led
whom). Nodes carry the columns of an optional node table (country, sector, ...) as attributes, and nodes without
ties are kept: an isolated cluster is a finding, not noise.

Measures (Wasserman & Faust 1994, *Social Network Analysis*, Cambridge UP, chapters 4-5 and 12):

* :func:`density`, :func:`components`, :func:`centrality` (degree, strength, betweenness, eigenvector);
* :func:`brokerage`: the five brokerage roles of Gould & Fernandez (1989) between groups (countries, sectors);
* :func:`cross_border_share`: the share of ties linking different groups, overall or per node;
* :func:`group_density`: the density of ties within and between groups;
* :func:`network_chart`: a drawing of the network coloured by group.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd

from clusterkit._validation import require_columns
from clusterkit.i18n import gettext_

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "BROKERAGE_ROLES",
    "brokerage",
    "centrality",
    "components",
    "cooperation_network",
    "cross_border_share",
    "density",
    "group_density",
    "network_chart",
]

BROKERAGE_ROLES: tuple[str, ...] = ("coordinator", "itinerant", "representative", "gatekeeper", "liaison")
"""The Gould & Fernandez (1989) roles, in the order :func:`brokerage` reports them."""


# --------------------------------------------------------------------------------------------- building
def cooperation_network(
    ties: pd.DataFrame,
    nodes: pd.DataFrame | None = None,
    *,
    directed: bool = False,
    source: str = "source",
    target: str = "target",
    weight: str | None = "weight",
    tie_type: str | None = "type",
    node_id: str | None = None,
) -> nx.Graph:
    """Build a cooperation network from an edge list (one row per tie: who, with whom, weight, type).

    ``ties`` has the columns ``source`` and ``target`` (node labels), ``weight`` (a number > 0; ``weight=None``
    gives every tie weight 1) and ``type`` (any label; ``tie_type=None`` if there is none). ``nodes``, if given,
    is a table with one row per node: its ``node_id`` column (default: the first column) names the nodes and the
    other columns become node attributes; every node of the table is in the network, with or without ties.

    Several rows for the same pair (several tie types, or the same pair listed twice) make one edge whose
    ``weight`` is the sum of their weights and whose ``types`` attribute maps each type to its weight. With
    ``directed=False`` the rows ``a, b`` and ``b, a`` are the same pair; with ``directed=True`` they are two ties.

    Raises ``KeyError`` for a missing column, and ``ValueError`` naming the row for a missing label, a self-loop
    (a node tied to itself), a weight that is not a finite number > 0, and a node absent from ``nodes``
    (or a duplicate node in ``nodes``).
    """
    cols = [source, target] + [c for c in (weight, tie_type) if c is not None]
    require_columns(ties, cols, what="ties")
    where = _row_namer(ties)
    for col in (source, target):
        missing = ties[col].isna().to_numpy()
        if missing.any():
            raise ValueError(f"ties: column {col!r} is empty in {where(missing)}")
    a, b = ties[source].to_numpy(dtype=object), ties[target].to_numpy(dtype=object)
    loops = a == b
    if loops.any():
        i = int(np.flatnonzero(loops)[0])
        raise ValueError(
            f"ties: self-loop in {where(loops)}: {a[i]!r} is tied to itself; a tie needs two different nodes"
        )
    if weight is None:
        w = np.ones(len(ties))
    else:
        w = pd.to_numeric(ties[weight], errors="coerce").to_numpy(dtype=float)
        if pd.api.types.is_bool_dtype(ties[weight]):
            raise ValueError(f"ties: column {weight!r} holds booleans; give the weight as a number > 0")
        bad = ~np.isfinite(w) | (w <= 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            kind = (
                "negative"
                if w[i] < 0
                else "zero (drop the row: no tie)"
                if w[i] == 0
                else "not a finite number"
            )
            raise ValueError(
                f"ties: weight {ties[weight].tolist()[i]!r} in {where(bad)} is {kind}; weights must be finite and > 0"
            )
    types = ties[tie_type].astype("string").fillna("").to_numpy(dtype=object) if tie_type else None

    graph: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    if nodes is not None:
        if not isinstance(nodes, pd.DataFrame) or nodes.shape[1] == 0:
            raise TypeError("nodes must be a DataFrame with a node id column")
        key = node_id if node_id is not None else nodes.columns[0]
        require_columns(nodes, [key], what="nodes")
        ids = nodes[key]
        dup = ids[ids.duplicated()]
        if len(dup):
            raise ValueError(
                f"nodes: duplicate node id(s) {sorted(map(str, dup.unique()))} in column {key!r}"
            )
        attrs = nodes.drop(columns=[key]).to_dict("records")
        graph.add_nodes_from(zip(ids, attrs, strict=True))
        known = set(ids)
        unknown = np.array([x not in known or y not in known for x, y in zip(a, b, strict=True)], dtype=bool)
        if unknown.any():
            names = sorted(
                {str(x) for pair in zip(a[unknown], b[unknown], strict=True) for x in pair if x not in known}
            )
            raise ValueError(
                f"ties: unknown node(s) {names[:10]} in {where(unknown)}; every node must be in the nodes table "
                f"(column {key!r})"
            )
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if graph.has_edge(x, y):
            data = graph[x][y]
            data["weight"] += w[i]
        else:
            graph.add_edge(x, y, weight=float(w[i]), types={})
            data = graph[x][y]
        if types is not None:
            data["types"][types[i]] = data["types"].get(types[i], 0.0) + float(w[i])
    return graph


def _row_namer(df: pd.DataFrame):
    """A function naming the first flagged row (1-based line of the table, as a spreadsheet shows it)."""

    def name(mask: np.ndarray) -> str:
        rows = np.flatnonzero(mask)
        more = f" (and {len(rows) - 1} more)" if len(rows) > 1 else ""
        return f"row {int(rows[0]) + 1} (index {df.index[rows[0]]!r}){more}"

    return name


def _check_graph(graph: nx.Graph) -> None:
    if not isinstance(graph, nx.Graph):
        raise TypeError(f"expected a network from cooperation_network(), got {type(graph).__name__}")
    if graph.number_of_nodes() == 0:
        raise ValueError("the network has no nodes")


def _groups(graph: nx.Graph, group: str) -> dict[Hashable, Hashable]:
    _check_graph(graph)
    labels = nx.get_node_attributes(graph, group)
    missing = [n for n in graph.nodes if n not in labels or pd.isna(labels[n])]
    if missing:
        raise KeyError(
            f"node attribute {group!r} is missing for node(s) {sorted(map(str, missing))[:10]}; pass a nodes table "
            f"with a {group!r} column to cooperation_network()"
        )
    return labels


# --------------------------------------------------------------------------------------------- measures
def density(graph: nx.Graph) -> float:
    """Density: the share of possible ties that exist, ``2 m / (n (n - 1))`` for ``m`` undirected ties among
    ``n`` nodes, ``m / (n (n - 1))`` for directed ties (Wasserman & Faust 1994, eq. 4.2). Weights are ignored;
    a network of one node has density 0."""
    _check_graph(graph)
    return float(nx.density(graph))


def components(graph: nx.Graph) -> pd.Series:
    """Connected components: for each node, the number of its component, 1 being the largest (ties broken by the
    first node in the network's order). Directed networks are split into *weakly* connected components (a tie in
    either direction connects). An isolated node is a component of its own. Returns a Series indexed by node."""
    _check_graph(graph)
    comps = nx.weakly_connected_components(graph) if graph.is_directed() else nx.connected_components(graph)
    order = {n: i for i, n in enumerate(graph.nodes)}
    ranked = sorted(comps, key=lambda c: (-len(c), min(order[n] for n in c)))
    label = {n: k + 1 for k, comp in enumerate(ranked) for n in comp}
    return pd.Series([label[n] for n in graph.nodes], index=list(graph.nodes), name="component")


def centrality(graph: nx.Graph, *, eigenvector_weight: str | None = "weight") -> pd.DataFrame:
    """Centrality of every node (Freeman 1979; Wasserman & Faust 1994, ch. 5), a DataFrame indexed by node:

    * ``degree``: number of partners (for directed networks ``in_degree`` and ``out_degree`` too);
    * ``strength``: the sum of the weights of the node's ties (Barrat et al. 2004);
    * ``degree_centrality``: ``degree / (n - 1)``, the share of the other nodes it is tied to;
    * ``betweenness``: Freeman's betweenness, the share of shortest paths between other pairs that pass through
      the node, normalised by ``(n - 1)(n - 2)/2`` pairs (undirected; ``(n - 1)(n - 2)`` directed); paths are
      counted in ties, not weights (networkx reads a weight as a *distance*, while a cooperation weight is a
      *strength*); Brandes (2001) algorithm;
    * ``eigenvector``: Bonacich (1972) eigenvector centrality ``x = A x / lambda``, the node's entry in the
      leading eigenvector of the adjacency matrix ``A`` (entries: tie weights, ``eigenvector_weight=None`` for 0/1
      ties), scaled to unit length: a node is central when its partners are. It is computed on the undirected
      network (cooperation counts in both directions; a pair tied both ways is one tie with the weights summed),
      and, because it is only defined for a connected network, in each connected component on its own, scaled to
      unit length there: compare scores within a component. An isolated node scores 0.
    """
    _check_graph(graph)
    n = graph.number_of_nodes()
    nodes = list(graph.nodes)
    deg = dict(graph.degree())
    out = pd.DataFrame(index=pd.Index(nodes))
    out["degree"] = [deg[v] for v in nodes]
    if graph.is_directed():
        out["in_degree"] = [graph.in_degree(v) for v in nodes]
        out["out_degree"] = [graph.out_degree(v) for v in nodes]
    strength = dict(graph.degree(weight="weight"))
    out["strength"] = [float(strength[v]) for v in nodes]
    out["degree_centrality"] = out["degree"] / (n - 1) if n > 1 else 0.0
    btw = nx.betweenness_centrality(graph, normalized=True, weight=None)
    out["betweenness"] = [btw[v] for v in nodes]
    eig = _eigenvector(graph, eigenvector_weight)
    out["eigenvector"] = [eig.get(v, 0.0) for v in nodes]
    return out


def _eigenvector(graph: nx.Graph, weight: str | None) -> dict[Hashable, float]:
    """Eigenvector centrality of the undirected network, component by component (see :func:`centrality`)."""
    und = nx.Graph()
    und.add_nodes_from(graph.nodes)
    for u, v, d in graph.edges(data=True):
        w = float(d.get("weight", 1.0)) if weight is not None else 1.0
        if und.has_edge(u, v):  # a directed pair tied both ways: one undirected tie, weights summed
            und[u][v]["w"] += w if weight is not None else 0.0
        else:
            und.add_edge(u, v, w=w)
    scores: dict[Hashable, float] = {}
    for comp in nx.connected_components(und):
        if len(comp) < 2:
            continue  # an isolated node: 0
        eig = nx.eigenvector_centrality_numpy(und.subgraph(comp), weight="w")
        scores.update({v: abs(x) if abs(x) > 1e-12 else 0.0 for v, x in eig.items()})
    return scores


def brokerage(graph: nx.Graph, group: str) -> pd.DataFrame:
    """Gould & Fernandez (1989) brokerage roles of every node between the groups named by node attribute ``group``.

    A node ``v`` brokers when it stands on an *open* two-path ``a -> v -> c``: ``a`` has a tie to ``v``, ``v`` a
    tie to ``c``, ``a != c`` and ``a`` has no tie of its own to ``c``. The role depends on the groups of the three:

    ====================  ===================================  ==========================================
    role                  groups                               reading
    ====================  ===================================  ==========================================
    ``coordinator``       a, v, c all in one group             mediates inside its own group (w_I)
    ``itinerant``         a and c in one group, v in another   outside consultant to a group (w_O)
    ``representative``    a and v in one group, c in another   speaks for its group to outsiders (b_IO)
    ``gatekeeper``        v and c in one group, a in another   lets outsiders in to its group (b_OI)
    ``liaison``           three different groups               links groups it does not belong to (b_O)
    ====================  ===================================  ==========================================

    Each open two-path counts once for its broker. These are the raw counts of R's ``sna::brokerage``.

    **Undirected networks.** An undirected tie is read as a tie in both directions (cooperation flows both
    ways), so every open path ``a - v - c`` is counted twice, once as ``a -> v -> c`` and once as
    ``c -> v -> a``; coordinator, itinerant and liaison counts are therefore even, and each node's representative
    count equals its gatekeeper count (the same path read from either end). Returns a DataFrame indexed by node
    with the five roles (``BROKERAGE_ROLES``) and ``total``.
    """
    labels = _groups(graph, group)
    g = graph if graph.is_directed() else graph.to_directed()
    counts = {v: dict.fromkeys(BROKERAGE_ROLES, 0) for v in g.nodes}
    for v in g.nodes:
        gv = labels[v]
        for a in g.predecessors(v):
            ga = labels[a]
            for c in g.successors(v):
                if c == a or g.has_edge(a, c):
                    continue
                gc = labels[c]
                if ga == gv == gc:
                    role = "coordinator"
                elif ga == gc:
                    role = "itinerant"
                elif ga == gv:
                    role = "representative"
                elif gv == gc:
                    role = "gatekeeper"
                else:
                    role = "liaison"
                counts[v][role] += 1
    out = pd.DataFrame.from_dict(counts, orient="index", columns=list(BROKERAGE_ROLES)).astype(int)
    out["total"] = out.sum(axis=1)
    return out


def cross_border_share(
    graph: nx.Graph, group: str = "country", *, weighted: bool = False, per_node: bool = False
) -> float | pd.Series:
    """Share of ties that cross a border: ties between nodes whose ``group`` attribute differs (countries by
    default; any node attribute, e.g. ``"sector"``, works), divided by all ties.

    ``weighted=True`` weighs each tie by its ``weight`` (the share of cooperation, not of partners). With
    ``per_node=True`` returns a Series indexed by node: the share of each node's own ties that cross a border
    (NaN for a node without ties). Directed ties count once each. Raises ``ValueError`` for a network without
    ties (the share is undefined).
    """
    labels = _groups(graph, group)
    if graph.number_of_edges() == 0:
        raise ValueError("the network has no ties: the cross-border share is undefined")

    def w(d: dict) -> float:
        return float(d["weight"]) if weighted else 1.0

    if not per_node:
        total = sum(w(d) for _, _, d in graph.edges(data=True))
        cross = sum(w(d) for u, v, d in graph.edges(data=True) if labels[u] != labels[v])
        return cross / total
    nodes = list(graph.nodes)
    total = dict.fromkeys(nodes, 0.0)
    cross = dict.fromkeys(nodes, 0.0)
    for u, v, d in graph.edges(data=True):
        for x in (u, v):
            total[x] += w(d)
            cross[x] += w(d) if labels[u] != labels[v] else 0.0
    return pd.Series(
        [cross[x] / total[x] if total[x] > 0 else np.nan for x in nodes],
        index=nodes,
        name="cross_border_share",
    )


def group_density(graph: nx.Graph, group: str) -> pd.DataFrame:
    """Density of ties within and between groups (the blocks of Wasserman & Faust 1994, ch. 10): entry
    ``(g, h)`` is the number of ties between nodes of ``g`` and nodes of ``h`` divided by the number of possible
    ones, ``n_g (n_g - 1) / 2`` within an undirected group, ``n_g n_h`` between groups (``n_g (n_g - 1)`` within a
    directed group; rows are senders). A group of one node has NaN within. Rows and columns are the groups, sorted."""
    labels = _groups(graph, group)
    names = sorted(set(labels.values()), key=str)
    size = pd.Series(list(labels.values())).value_counts()
    ties = pd.DataFrame(0.0, index=names, columns=names)
    for u, v in graph.edges():
        ties.loc[labels[u], labels[v]] += 1
        if not graph.is_directed() and labels[u] != labels[v]:
            ties.loc[labels[v], labels[u]] += 1
    out = pd.DataFrame(np.nan, index=names, columns=names)
    for g in names:
        for h in names:
            if g == h:
                possible = size[g] * (size[g] - 1) / (1 if graph.is_directed() else 2)
            else:
                possible = size[g] * size[h]
            out.loc[g, h] = ties.loc[g, h] / possible if possible > 0 else np.nan
    out.index.name = group
    out.columns.name = group
    return out


# ------------------------------------------------------------------------------------------------- chart
def network_chart(
    graph: nx.Graph,
    group: str | None = "country",
    *,
    size: pd.Series | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    seed: int = 1,
) -> Axes:
    """Draw the network: nodes coloured by ``group`` (a node attribute; ``None`` for one colour), sized by
    ``size`` (a Series indexed by node, e.g. ``centrality(G)["betweenness"]``; default: degree), ties as lines as
    wide as their weight (relative to the widest), node labels on. The layout is the Fruchterman-Reingold force
    layout (``networkx.spring_layout``) with a fixed ``seed``, so the same network is drawn the same way every time.
    Returns the matplotlib Axes."""
    import matplotlib.pyplot as plt

    _check_graph(graph)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 6.5))
    nodes = list(graph.nodes)
    if size is None:
        values = pd.Series(dict(graph.degree()), dtype=float).reindex(nodes)
    else:
        if not isinstance(size, pd.Series):
            raise TypeError("size must be a Series indexed by node")
        missing = [str(v) for v in nodes if v not in size.index]
        if missing:
            raise ValueError(f"size has no value for node(s) {missing[:10]}")
        values = size.reindex(nodes).astype(float)
    top = values.max()
    sizes = 80 + 900 * (values / top if top > 0 else values * 0)
    pos = nx.spring_layout(graph.to_undirected(), seed=seed, k=1.5 / np.sqrt(len(nodes)))
    weights = np.array([d.get("weight", 1.0) for _, _, d in graph.edges(data=True)], dtype=float)
    widths = 0.5 + 3.5 * weights / weights.max() if len(weights) else []
    nx.draw_networkx_edges(graph, pos, ax=ax, width=widths, alpha=0.45, edge_color="#555555",
                           arrows=graph.is_directed())  # fmt: skip
    if group is None:
        nx.draw_networkx_nodes(graph, pos, ax=ax, node_size=sizes.to_numpy(), node_color="#4C72B0")
    else:
        labels = _groups(graph, group)
        names = sorted(set(labels.values()), key=str)
        cmap = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
        for k, name in enumerate(names):
            members = [v for v in nodes if labels[v] == name]
            nx.draw_networkx_nodes(graph, pos, nodelist=members, ax=ax, label=str(name), node_color=[cmap(k % cmap.N)],
                                   node_size=sizes.reindex(members).to_numpy())  # fmt: skip
        legend = ax.legend(
            title=gettext_(str(group)), loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False
        )
        for handle in legend.legend_handles:
            handle.set_sizes([60])  # one marker size in the legend, whatever the nodes' sizes
    nx.draw_networkx_labels(graph, pos, ax=ax, font_size=8)
    ax.set_title(
        title
        or gettext_("Cooperation network: {nodes} nodes, {ties} ties").format(
            nodes=len(nodes), ties=graph.number_of_edges()
        )
    )
    ax.set_axis_off()
    return ax
