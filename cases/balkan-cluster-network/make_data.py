"""Build the illustrative tables of the Balkan cluster-network case (cases/balkan-cluster-network/data/).

The meeting facts (facts.csv) and the discussion topics (topics.csv) are transcribed by hand from the seed.
This script invents 24 cluster organisations across eight South-East European countries and the
cluster-to-cluster (C2C) cooperation links between them, and splits each link into directed, typed ties (who
led, hosted or organised for whom: the edge list of ``clusterkit.network``), with ``numpy.random.default_rng(SEED)``
and fixed formatting, so a rerun is byte-for-byte identical.

    python cases/balkan-cluster-network/make_data.py [--out DIR]
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from clusterkit.data import generator_main

SEED = 20150313
HERE = Path(__file__).resolve().parent

COUNTRIES = [("BG", "Bulgaria"), ("RS", "Serbia"), ("RO", "Romania"), ("TR", "Turkey"), ("MK", "North Macedonia"),
             ("HR", "Croatia"), ("SI", "Slovenia"), ("ME", "Montenegro")]  # fmt: skip
SECTORS = ["wine", "tourism", "ICT", "education and training", "food processing", "textiles", "metalworking",
           "furniture"]  # fmt: skip
# three clusters per country: (sector index); wine and tourism are common, as in the seed's wine mission
PORTFOLIO = {
    "BG": (3, 1, 0), "RS": (2, 0, 6), "RO": (0, 5, 2), "TR": (5, 6, 0), "MK": (0, 1, 4), "HR": (1, 7, 0),
    "SI": (2, 0, 6), "ME": (1, 0, 4),
}  # fmt: skip


def build_clusters(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for code, country in COUNTRIES:
        for k, s in enumerate(PORTFOLIO[code]):
            sector = SECTORS[s]
            members = int(np.clip(rng.lognormal(3.3, 0.5), 8, 150))
            founded = int(rng.integers(2004, 2015))
            rows.append(
                {
                    "cluster_id": f"{code}{k + 1}",
                    "country": country,
                    "sector": sector,
                    "founded": founded,
                    "members": members,
                    "management_fte": round(float(np.clip(rng.lognormal(0.3, 0.6), 0.2, 8.0)), 1),
                    "budget_keur": round(float(members * rng.lognormal(2.0, 0.5)), 0),
                    "international_projects": int(rng.poisson(1.0 + 0.03 * members)),
                    "network_member": bool(rng.random() < 0.6),
                }
            )
    return pd.DataFrame(rows)


def build_links(rng: np.random.Generator, clusters: pd.DataFrame) -> pd.DataFrame:
    rows = []
    recs = clusters.to_dict("records")
    for a, b in combinations(recs, 2):
        logit = -3.2
        logit += 1.6 * (a["country"] == b["country"])
        logit += 1.8 * (a["sector"] == b["sector"])
        logit += 1.0 * (a["network_member"] and b["network_member"])
        logit += 0.4 * (a["management_fte"] + b["management_fte"]) / 2
        if rng.random() < 1.0 / (1.0 + np.exp(-logit)):
            rows.append(
                {
                    "cluster_a": a["cluster_id"],
                    "cluster_b": b["cluster_id"],
                    "first_contact": int(rng.integers(max(a["founded"], b["founded"]), 2016)),
                    "joint_projects": int(rng.poisson(0.8)),
                    "study_visits": int(rng.poisson(1.2)),
                    "joint_events": 1 + int(rng.poisson(1.0)),  # every link has at least one joint event
                }
            )
    return pd.DataFrame(rows)


TIE_TYPES = (
    ("joint project", "joint_projects"),
    ("study visit", "study_visits"),
    ("joint event", "joint_events"),
)


def build_ties(rng: np.random.Generator, clusters: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """Directed ties: each activity of a link is offered by one side (leads the project, hosts the visit,
    organises the event) to the other; a cluster with more management staff is more likely to be the one
    offering it. Summed over both directions, a pair's ties give back its counts in c2c_links."""
    fte = clusters.set_index("cluster_id")["management_fte"]
    rows = []
    for link in links.to_dict("records"):
        a, b = link["cluster_a"], link["cluster_b"]
        p = fte[a] / (fte[a] + fte[b])
        for label, col in TIE_TYPES:
            n = int(link[col])
            from_a = int(rng.binomial(n, p)) if n else 0
            for src, dst, w in ((a, b, from_a), (b, a, n - from_a)):
                if w > 0:
                    rows.append({"source": src, "target": dst, "type": label, "weight": w})
    return pd.DataFrame(rows)


def build() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(SEED)
    clusters = build_clusters(rng)
    links = build_links(rng, clusters)
    return {"clusters": clusters, "c2c_links": links, "c2c_ties": build_ties(rng, clusters, links)}


def main(argv: list[str] | None = None) -> int:
    return generator_main(build, HERE, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    raise SystemExit(main())
