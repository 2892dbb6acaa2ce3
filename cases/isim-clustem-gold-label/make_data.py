"""Build the illustrative tables of the İŞİM / CLUSTEM gold-label case (cases/isim-clustem-gold-label/data/).

Facts, membership shares and services of the seed are transcribed by hand (facts.csv, membership.csv,
services.csv). This script invents a cluster-management self-assessment of Anka, a fictional Turkish machinery cluster in
İŞİM's position (two rounds), and six peer
clusters against the course's excellence indicator set (``clusterkit/resources/excellence_indicators.csv``,
ids copied below), and the board composition the governance indicator MG-Q2 is computed from. Drawn with
``numpy.random.default_rng(SEED)`` and written with fixed formatting, so a rerun is byte-for-byte identical.

    python cases/isim-clustem-gold-label/make_data.py [--out DIR]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from clusterkit.data import generator_main

SEED = 20170721
HERE = Path(__file__).resolve().parent

# Snapshot of the course indicator set: id, unit, polarity, gold threshold (None = descriptive indicator).
INDICATORS = [
    ("ST-D1", "count", "higher", None), ("ST-D2", "count", "higher", None), ("ST-D3", "year", "higher", None),
    ("ST-Q1", "percent", "higher", 50.0), ("ST-Q2", "count", "higher", 3.0), ("ST-Q3", "percent", "higher", 5.0),
    ("ST-Q4", "percent", "higher", 60.0), ("ST-Q5", "percent", "higher", 90.0), ("MG-D1", "FTE", "higher", None),
    ("MG-Q1", "yes=1/no=0", "higher", 1.0), ("MG-Q2", "percent", "higher", 50.0),
    ("MG-Q3", "percent", "higher", 75.0), ("MG-Q4", "percent", "higher", 50.0), ("MG-Q5", "days", "higher", 5.0),
    ("MG-Q6", "yes=1/no=0", "higher", 1.0), ("MG-Q7", "percent", "lower", 20.0), ("FI-D1", "kEUR", "higher", None),
    ("FI-Q1", "percent", "higher", 30.0), ("FI-Q2", "percent", "lower", 60.0), ("FI-Q3", "yes=1/no=0", "higher", 1.0),
    ("FI-Q4", "years", "higher", 2.0), ("SE-Q1", "count", "higher", 5.0), ("SE-Q2", "percent", "higher", 60.0),
    ("SE-Q3", "count", "higher", 5.0), ("SE-Q4", "count", "higher", 4.0), ("SE-Q5", "count", "higher", 6.0),
    ("SE-Q6", "score 1-5", "higher", 3.5), ("SE-Q7", "count", "higher", 2.0), ("IN-Q1", "count", "higher", 10.0),
    ("IN-Q2", "percent", "higher", 50.0), ("IN-Q3", "count", "higher", 3.0),
    ("IN-Q4", "contacts per member", "higher", 4.0), ("IN-Q5", "count", "higher", 10.0),
    ("AR-Q1", "count", "higher", 5.0), ("AR-Q2", "count", "higher", 10.0), ("AR-Q3", "count", "higher", 3.0),
]  # fmt: skip

# cluster, year, country, sector, label, maturity (typical fraction of each threshold reached), members, FTE
CLUSTERS = [
    ("Anka", 2017, "Turkey", "construction and work machinery", "none", 0.55, 160, 2.0),
    ("Anka", 2019, "Turkey", "construction and work machinery", "none", 0.75, 185, 3.0),
    ("FR-1", 2017, "France", "vehicles and mobility", "gold", 1.20, 375, 14.0),
    ("FR-2", 2017, "France", "textiles", "gold", 1.05, 95, 5.0),
    ("FR-3", 2017, "France", "technical textiles", "gold", 1.15, 160, 9.0),
    ("IT-1", 2017, "Italy", "textile machinery", "silver", 0.85, 70, 3.0),
    ("ES-1", 2017, "Spain", "textiles", "bronze", 0.65, 55, 2.5),
    ("UK-1", 2017, "United Kingdom", "machinery and engineering", "bronze", 0.70, 120, 3.5),
]  # fmt: skip
FOUNDED = {"Anka": 2011, "FR-1": 2005, "FR-2": 2007, "FR-3": 2005, "IT-1": 2009, "ES-1": 2010, "UK-1": 2008}
# Figures taken from seed 004 for the two French peers modelled on the clusters it describes:
# FR-1's SME share = small 58% + medium 22% of its 375 members; FR-3 gets 70% of its budget from the state.
FROM_SEED = {("FR-1", "ST-Q1"): 80.0, ("FR-3", "FI-Q2"): 70.0}
MEMBERS_BEFORE = {(c[0], c[1]): c[6] for c in CLUSTERS}
SEAT_TYPES = [
    "member large firms",
    "member SMEs",
    "research and education",
    "public bodies",
    "other clusters",
]


def build_board(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for name, year, _c, _s, label, m, _mem, _fte in CLUSTERS:
        seats = {
            "member large firms": int(rng.integers(3, 7)),
            "member SMEs": int(round(rng.integers(2, 7) * min(m, 1.3))),
            "research and education": int(rng.integers(1, 4)),
            "public bodies": int(rng.integers(1, 4)) + (2 if label == "none" else 0),
            # the seed's rival-cluster board seats: the technical-textile peer gives seats to other clusters
            "other clusters": 2 if name == "FR-3" else int(rng.random() < 0.3),
        }
        rows += [{"cluster": name, "year": year, "seat_type": t, "seats": seats[t]} for t in SEAT_TYPES]
    return pd.DataFrame(rows)


def build_assessment(rng: np.random.Generator, board: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for name, year, country, sector, label, m, members, fte in CLUSTERS:
        row: dict[str, object] = {
            "cluster": name,
            "year": year,
            "country": country,
            "sector": sector,
            "label": label,
        }
        b = board[(board["cluster"] == name) & (board["year"] == year)].set_index("seat_type")["seats"]
        for ind, unit, polarity, t in INDICATORS:
            factor = m * rng.lognormal(0.0, 0.25)
            if ind == "ST-D1":
                v: float = members
            elif ind == "ST-D2":
                v = 4 if m >= 1 else 3
            elif ind == "ST-D3":
                v = FOUNDED[name]
            elif ind == "MG-D1":
                v = fte
            elif ind == "FI-D1":
                v = round(fte * 95 * rng.lognormal(0.0, 0.15), 0)
            elif ind == "MG-Q2":
                v = round(100 * (b["member large firms"] + b["member SMEs"]) / b.sum(), 1)
            elif ind == "ST-Q3" and (name, year - 2) in MEMBERS_BEFORE:
                before = MEMBERS_BEFORE[(name, year - 2)]  # growth over the two years between the assessments
                v = round(100 * (members - before) / before, 1)
            elif (name, ind) in FROM_SEED:
                v = FROM_SEED[(name, ind)]
            elif unit == "yes=1/no=0":
                v = 1 if factor >= 0.9 else 0
            else:
                assert t is not None
                v = t * factor if polarity == "higher" else t / factor
                if unit == "percent":
                    v = round(min(v, 100.0), 1)
                elif unit == "score 1-5":
                    v = round(min(max(v, 1.0), 5.0), 1)
                elif unit in ("count", "years"):
                    v = int(round(v))
                else:
                    v = round(v, 1)
            row[ind] = float(v)
        rows.append(row)
    return pd.DataFrame(rows)


def build() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(SEED)
    board = build_board(rng)
    return {"self_assessment": build_assessment(rng, board), "board": board}


def main(argv: list[str] | None = None) -> int:
    return generator_main(build, HERE, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    raise SystemExit(main())
