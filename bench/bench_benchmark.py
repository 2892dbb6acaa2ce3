"""Sensitivity of a composite indicator, 300 units x 20 indicators: Monte Carlo (10,000 draws) and Sobol.

Sobol line: ``clusterkit.benchmark.sensitivity_sobol`` with four uncertain choices (imputation: mean, group
mean, regression; normalisation: min-max, percentile, distance to the leader; weights: 100 noisy sets around
equal pillar weights; aggregation: linear or geometric) over five pillars of four indicators, N = 1,024 base
samples, so N (4 + 2) = 6,144 model runs. Baseline, timed in the same run: one ``composite_index`` call per run
(the direct recomputation) on the first 200 runs, extrapolated; the ranks of the two are checked to agree.
Target: under 30 s.

Monte Carlo line:

Subject: ``clusterkit.benchmark.sensitivity`` (normalised matrices computed once per method, all draws of a
method scored by one matrix product, argsort-based ranks). Baseline, timed in the same run: the naive loop a
trainee would write, one draw at a time over pandas (``normalise`` + ``aggregate`` + ``Series.rank``) on the
very same draws: the first 2,500 by default (``--baseline-draws=N``; ``0`` = all 10,000, 10-30 s on this
shared machine), the baseline's time for the full run then being extrapolated linearly and labelled as such. The ranks
of the two are checked to agree on the baseline draws (exit code 1 if not). Target for the subject: under 5 s on this machine.

Run: ``python -m bench benchmark`` (options: ``--draws=N --units=N --indicators=N --baseline-draws=N
--sobol-n=N``).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from clusterkit import benchmark as bm

TARGET_SECONDS = 5.0
SOBOL_TARGET_SECONDS = 30.0


def _options(argv: list[str]) -> dict[str, int]:
    opts = {
        "draws": 10_000,
        "units": 300,
        "indicators": 20,
        "baseline-draws": 2500,
        "seed": 2008,
        "sobol-n": 1024,
    }
    for arg in argv:
        key, _, value = arg.lstrip("-").partition("=")
        if key not in opts or not value:
            raise SystemExit(f"unknown option {arg!r}; use --{'=N --'.join(opts)}=N")
        opts[key] = int(value)
    return opts


def _data(units: int, indicators: int, seed: int) -> tuple[pd.DataFrame, dict[str, str]]:
    rng = np.random.default_rng(seed)
    # correlated, skewed, strictly positive indicators, as in real regional data
    common = rng.normal(size=(units, 1))
    x = np.exp(0.6 * common + rng.normal(size=(units, indicators)))
    cols = [f"ind{j:02d}" for j in range(indicators)]
    df = pd.DataFrame(x, index=[f"cluster{i:03d}" for i in range(units)], columns=cols)
    polarity = {c: ("lower" if j % 4 == 3 else "higher") for j, c in enumerate(cols)}
    return df, polarity


def sobol(o: dict[str, int]) -> bool:
    """The Sobol line; returns whether the vectorised ranks agree with the direct recomputation."""
    df, pol = _data(o["units"], o["indicators"], o["seed"])
    rng = np.random.default_rng(o["seed"] + 1)
    gaps = rng.random(df.shape) < 0.03
    gaps[:, :4] = False  # four complete indicators to regress on
    df = df.mask(gaps)
    groups = pd.Series([f"size{i % 4}" for i in range(len(df))], index=df.index)
    table = pd.DataFrame({"indicator": df.columns, "pillar": [f"pillar{j // 4}" for j in range(df.shape[1])]})
    h = bm.hierarchy(table, ["indicator", "pillar"])
    kwargs = dict(
        normalisations=("minmax", "percentile", "leader"),
        aggregations=("linear", "geometric"),
        imputations=("mean", "group_mean", "regression"),
        groups=groups,
        n_base=o["sobol-n"],
        seed=o["seed"],
    )
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        res = bm.sensitivity_sobol(df, pol, h, **kwargs)
        times.append(time.perf_counter() - t0)
    t_fast = float(np.median(times))
    runs = len(res.ranks)
    nb = min(200, runs)
    t0 = time.perf_counter()
    agree = True
    for r in range(nb):
        c = res.choices.iloc[r]
        hk = bm.hierarchy(
            table,
            ["indicator", "pillar"],
            weights=res.weight_sets[c["weights"]],
            aggregation=c["aggregation"],
        )
        comp = bm.composite_index(
            df,
            pol,
            normalisation=c["normalisation"],
            structure=hk,
            missing=c["imputation"],
            groups=groups,
            shift=0.01,
        ).composite
        agree &= bool(
            (comp.rank(ascending=False, method="first").to_numpy() == res.ranks.iloc[r].to_numpy()).all()
        )
    t_naive = time.perf_counter() - t0
    t_naive_full = t_naive * runs / nb
    print(
        f"Sobol sensitivity      : {t_fast:8.3f} s for {o['units']} units x {o['indicators']} indicators, "
        f"{len(res.factors)} choices {list(res.factors)}, N={o['sobol-n']} ({runs} runs); "
        f"median of {', '.join(f'{t:.3f}' for t in times)} s"
    )
    print(
        f"direct recomputation   : {t_naive:8.3f} s for {nb} runs; extrapolated {t_naive_full:.1f} s for {runs} "
        f"(speed-up {t_naive_full / t_fast:.1f}x); ranks agree: {agree}"
    )
    print(f"Sobol target {SOBOL_TARGET_SECONDS:g} s: {'met' if t_fast < SOBOL_TARGET_SECONDS else 'MISSED'}")
    print("Sobol indices of the mean absolute rank shift:\n" + res.rank_shift.round(3).to_string())
    return agree


def main(argv: list[str]) -> int:
    o = _options(argv)
    sobol_ok = sobol(o)
    df, pol = _data(o["units"], o["indicators"], o["seed"])
    kwargs = dict(
        normalisations=["minmax", "zscore", "rank", "leader"],
        aggregations=["linear"],
        weight_dirichlet_alpha=1.0,
    )
    print(
        f"{o['draws']} draws, {o['units']} units x {o['indicators']} indicators, normalisations {kwargs['normalisations']}"
    )

    times = []
    for _ in range(3):  # the machine is shared: report the median of three runs
        t0 = time.perf_counter()
        res = bm.sensitivity(df, pol, n_draws=o["draws"], seed=o["seed"], **kwargs)
        times.append(time.perf_counter() - t0)
    t_fast = float(np.median(times))

    nb = min(o["baseline-draws"] or o["draws"], o["draws"])
    t0 = time.perf_counter()
    naive = np.empty((nb, o["units"]), dtype=np.int64)
    for d in range(nb):
        norm = bm.normalise(df, res.draws.at[d, "normalisation"], pol)
        comp = bm.aggregate(norm, res.weights.loc[d], "linear")
        naive[d] = comp.rank(ascending=False, method="first").to_numpy(dtype=np.int64)
    t_naive = time.perf_counter() - t0
    agree = bool((naive == res.ranks.to_numpy()[:nb]).all())
    t_naive_full = t_naive * o["draws"] / nb

    per_draw_fast = t_fast / o["draws"] * 1e6
    per_draw_naive = t_naive / nb * 1e6
    print(
        f"vectorised sensitivity : {t_fast:8.3f} s for {o['draws']} draws ({per_draw_fast:8.1f} us/draw); "
        f"median of {', '.join(f'{t:.3f}' for t in times)} s"
    )
    scope = f"extrapolated {t_naive_full:.1f} s for {o['draws']}" if nb < o["draws"] else "measured in full"
    print(
        f"naive pandas loop      : {t_naive:8.3f} s for {nb} draws ({per_draw_naive:8.1f} us/draw); {scope}"
    )
    print(f"speed-up (per draw)    : {per_draw_naive / per_draw_fast:8.1f}x")
    print(f"ranks agree on the {nb} baseline draws: {agree}")
    print(f"target {TARGET_SECONDS:g} s: {'met' if t_fast < TARGET_SECONDS else 'MISSED'}")
    widest = res.summary.sort_values("interval_width", ascending=False).head(3)
    print("widest rank intervals:\n" + widest.to_string())
    return 0 if agree and sobol_ok else 1
