"""Input-output at scale: technical coefficients, Leontief inverse and multipliers for 500, 1,000 and 2,000 sectors.

The clusterkit pipeline (validation + ``A`` + ``L`` with its productivity check + output, value-added and
employment multipliers + Rasmussen linkages) is timed (best of ``--repeat``) and its peak traced memory measured
(tracemalloc, separate run), against a bare numpy baseline on the same matrix: ``np.linalg.inv(I - A)`` plus
the same column sums, without labels or checks. Ratio = clusterkit / baseline (the price of labels and checks;
both are O(n^3)). ``python -m bench inputoutput [--quick] [--repeat=N]``.
"""

from __future__ import annotations

import resource
import sys
from functools import partial

import numpy as np
import pandas as pd

from bench._timing import peak_mb, timed
from clusterkit import inputoutput as io


def synthetic(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.Series]:
    """A sparse-ish productive economy: flows Z, output x = row sums + final demand, value added, jobs."""
    rng = np.random.default_rng(seed)
    Z = rng.lognormal(0.0, 2.0, (n, n)) * (rng.random((n, n)) < 0.3)
    f = rng.lognormal(3.0, 1.0, n) * n
    x = Z.sum(axis=1) + f
    x = np.maximum(x, Z.sum(axis=0) * 1.05)  # keep column sums of A below 1 (value added > 0)
    labels = pd.Index([f"S{i:04d}" for i in range(n)], name="sector")
    Zdf = pd.DataFrame(Z, index=labels, columns=labels)
    xs = pd.Series(x, index=labels)
    va = xs - Zdf.sum(axis=0)
    jobs = pd.Series(rng.lognormal(2.0, 1.0, n), index=labels)
    return Zdf, xs, va, jobs


def pipeline(Z: pd.DataFrame, x: pd.Series, va: pd.Series, jobs: pd.Series) -> tuple:
    A = io.technical_coefficients(Z, x)
    L = io.leontief_inverse(A)
    return (
        io.output_multipliers(L),
        io.value_added_multipliers(L, va, x),
        io.employment_multipliers(L, jobs, x),
        io.rasmussen_linkages(L),
    )


def baseline(Z: np.ndarray, x: np.ndarray, va: np.ndarray, jobs: np.ndarray) -> tuple:
    A = Z / x[None, :]
    L = np.linalg.inv(np.eye(len(x)) - A)
    return L.sum(axis=0), (va / x) @ L, (jobs / x) @ L, L.sum(axis=0) / L.mean(), L.sum(axis=1) / L.mean()


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    given = [a.split("=", 1)[1] for a in argv if a.startswith("--repeat=")]
    repeat = int(given[-1]) if given else 3
    sizes = [100, 250, 500] if quick else [500, 1000, 2000]
    print(
        f"{'sectors':>8} {'clusterkit s':>12} {'peak MB':>8} {'np.linalg.inv s':>15} {'peak MB':>8} {'ratio':>6}"
    )
    for n in sizes:
        Z, x, va, jobs = synthetic(n)
        raw = (Z.to_numpy(), x.to_numpy(), va.to_numpy(), jobs.to_numpy())
        ours, base = pipeline(Z, x, va, jobs), baseline(*raw)
        np.testing.assert_allclose(ours[0].to_numpy(), base[0], rtol=1e-8)  # same multipliers before timing
        np.testing.assert_allclose(ours[2].to_numpy(), base[2], rtol=1e-8)
        fast, slow = partial(pipeline, Z, x, va, jobs), partial(baseline, *raw)
        tf, tb = timed(fast, repeat), timed(slow, repeat)
        mf, mb = peak_mb(fast), peak_mb(slow)
        print(f"{n:>8,} {tf:>12.3f} {mf:>8.0f} {tb:>15.3f} {mb:>8.0f} {tf / tb:>5.2f}x", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS: {rss:.0f} MB (ratio = clusterkit time / bare numpy time)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
