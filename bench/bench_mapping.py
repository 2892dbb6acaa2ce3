"""Cluster mapping at scale: LQ, stars and shift-share on long tables up to 3,000 regions x 1,000 industries.

Three sizes (300, 1,000 and 3,000 regions x 1,000 industries = 0.3M, 1M and 3M rows) show how the cost grows.
For each, the clusterkit function is timed (best of ``--repeat``) and its peak traced memory measured in a
separate run (tracemalloc), against a plain-pandas baseline (groupby/transform/rank/merge, the way one writes it
without clusterkit) timed in the same run; ratios = baseline / clusterkit. Target for the 3M-row table: all of
mapping under 2 s and 1.5 GB. Two more lines per size time the three again with categorical label columns and with the rows in random
order (the synthetic table is sorted by region, as most exports are, which the label coding exploits).
``python -m bench mapping [--quick] [--repeat=N]`` (default: best of 3).
"""

from __future__ import annotations

import math
import resource
import sys
from functools import partial

import numpy as np
import pandas as pd

from bench._timing import peak_mb, timed
from clusterkit import mapping

N_INDUSTRIES = 1000


def synthetic(
    n_regions: int, n_industries: int = N_INDUSTRIES, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two years of a long table with string labels, skewed (lognormal) employment and some zero cells."""
    rng = np.random.default_rng(seed)
    regions = np.array([f"R{r:05d}" for r in range(n_regions)], dtype=object)
    industries = np.array([f"I{i:04d}" for i in range(n_industries)], dtype=object)
    size = n_regions * n_industries
    e0 = np.floor(rng.lognormal(3.0, 1.5, size) * (rng.random(size) > 0.2))
    e1 = np.floor(e0 * rng.lognormal(0.02, 0.2, size))
    base = pd.DataFrame(
        {"region": np.repeat(regions, n_industries), "industry": np.tile(industries, n_regions)}
    )
    return base.assign(employment=e0), base.assign(employment=e1)


# ------------------------------------------------------------------------------------------------ baseline
def naive_lq(df: pd.DataFrame) -> pd.Series:
    e_r = df.groupby("region")["employment"].transform("sum")
    e_i = df.groupby("industry")["employment"].transform("sum")
    lq = (df["employment"] / e_r) / (e_i / df["employment"].sum())
    return pd.Series(lq.to_numpy(), index=pd.MultiIndex.from_frame(df[["region", "industry"]]))


def naive_stars(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    e_r = out.groupby("region")["employment"].transform("sum")
    e_i = out.groupby("industry")["employment"].transform("sum")
    out["share"] = out["employment"] / e_r
    out["lq"] = out["share"] / (e_i / out["employment"].sum())
    n = out["region"].nunique()
    k = max(1, math.ceil(0.1 * n - 1e-9))
    out["size"] = (out.groupby("industry")["employment"].rank(ascending=False, method="min") <= k) & (
        out["employment"] > 0
    )
    k_all = max(1, math.ceil(0.1 * len(out) - 1e-9))  # focus: top 10% of all cells, pooled over industries
    out["focus"] = (out["share"].rank(ascending=False, method="min") <= k_all) & (out["share"] > 0)
    out["specialisation"] = (out["lq"] >= 2) & (out["employment"] > 0)
    out["stars"] = out[["size", "specialisation", "focus"]].sum(axis=1)
    return out.set_index(["region", "industry"]).sort_index()


def naive_shift_share(t0: pd.DataFrame, t1: pd.DataFrame) -> pd.DataFrame:
    m = t0.merge(t1, on=["region", "industry"], how="outer", suffixes=("_0", "_1")).fillna(0.0)
    g_n = m["employment_1"].sum() / m["employment_0"].sum() - 1
    nat = m.groupby("industry")[["employment_0", "employment_1"]].transform("sum")
    g_i = nat["employment_1"] / nat["employment_0"] - 1
    m["national_share"] = m["employment_0"] * g_n
    m["industry_mix"] = m["employment_0"] * (g_i - g_n)
    m["actual_change"] = m["employment_1"] - m["employment_0"]
    m["regional_shift"] = m["actual_change"] - m["national_share"] - m["industry_mix"]
    return m.set_index(["region", "industry"])


# ------------------------------------------------------------------------------------------------ harness


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    given = [a.split("=", 1)[1] for a in argv if a.startswith("--repeat=")]
    repeat = int(given[-1]) if given else (1 if quick else 3)
    sizes = [100, 300, 1000] if quick else [300, 1000, 3000]
    print(
        f"{'rows':>9} {'task':<12} {'clusterkit s':>12} {'peak MB':>8} {'baseline s':>10} {'peak MB':>8} {'ratio':>6}"
    )
    worst = {"time": 0.0, "mem": 0.0}
    for n_regions in sizes:
        t0, t1 = synthetic(n_regions)
        rows = len(t0)
        tasks = {
            "lq": (partial(mapping.location_quotient, t0), partial(naive_lq, t0)),
            "stars": (partial(mapping.cluster_stars, t0), partial(naive_stars, t0)),
            "shift_share": (partial(mapping.shift_share, t0, t1), partial(naive_shift_share, t0, t1)),
        }
        # the two implementations must agree before their speed means anything
        ours, base = mapping.cluster_stars(t0), naive_stars(t0)
        assert (ours["stars"].to_numpy() == base["stars"].to_numpy()).all(), (
            "stars disagree with the baseline"
        )
        np.testing.assert_allclose(ours["lq"].to_numpy(), base["lq"].to_numpy(), rtol=1e-12)
        ss, nss = mapping.shift_share(t0, t1), naive_shift_share(t0, t1).sort_index()
        np.testing.assert_allclose(
            ss["regional_shift"].to_numpy(), nss["regional_shift"].to_numpy(), atol=1e-6
        )
        del ours, base, ss, nss
        total = 0.0
        for name, (fast, slow) in tasks.items():
            tf, tb = timed(fast, repeat), timed(slow, repeat)
            mf, mb = peak_mb(fast), peak_mb(slow)
            total += tf
            worst["mem"] = max(worst["mem"], mf)
            print(
                f"{rows:>9,} {name:<12} {tf:>12.3f} {mf:>8.0f} {tb:>10.3f} {mb:>8.0f} {tb / tf:>5.1f}x",
                flush=True,
            )
        worst["time"] = total
        print(f"{rows:>9,} {'all three':<12} {total:>12.3f}", flush=True)
        # the same with categorical label columns (no string hashing): what a big-table user can do
        cat = {"region": "category", "industry": "category"}
        c0, c1 = t0.astype(cat), t1.astype(cat)
        cat_total = sum(
            timed(fn, repeat)
            for fn in (
                partial(mapping.location_quotient, c0),
                partial(mapping.cluster_stars, c0),
                partial(mapping.shift_share, c0, c1),
            )
        )
        print(
            f"{rows:>9,} {'all, categ.':<12} {cat_total:>12.3f}   (labels as pandas categoricals)", flush=True
        )
        # and with the rows in random order (no run-length shortcut for the label coding)
        perm = np.random.default_rng(1).permutation(rows)
        s0, s1 = t0.iloc[perm].reset_index(drop=True), t1.iloc[perm[::-1]].reset_index(drop=True)
        shuffled_total = sum(
            timed(fn, repeat)
            for fn in (
                partial(mapping.location_quotient, s0),
                partial(mapping.cluster_stars, s0),
                partial(mapping.shift_share, s0, s1),
            )
        )
        print(
            f"{rows:>9,} {'all, shuffled':<12} {shuffled_total:>12.3f}   (rows in random order)", flush=True
        )
        del c0, c1, s0, s1
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS (whole bench, incl. baselines and data): {rss:.0f} MB")
    if not quick:
        ok = worst["time"] < 2.0 and worst["mem"] < 1536
        print(f"target 3M rows: all three < 2 s and peak < 1.5 GB -> {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
