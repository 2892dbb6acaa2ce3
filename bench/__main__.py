"""Run the benchmarks: ``python -m bench`` runs all, ``python -m bench mapping inputoutput`` runs some.

Each ``bench/bench_<name>.py`` defines ``main(argv: list[str]) -> int`` that measures its subject against a
baseline timed in the same run and prints ratios (never absolute thresholds baked into tests).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    here = Path(__file__).parent
    return sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(here)])
        if m.name.startswith("bench_")
    )


def main(argv: list[str]) -> int:
    names = [a for a in argv if not a.startswith("-")] or available()
    extra = [a for a in argv if a.startswith("-")]
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {available()}", file=sys.stderr)
        return 2
    rc = 0
    for name in names:
        print(f"== bench {name} ==", flush=True)
        mod = importlib.import_module(f"bench.bench_{name}")
        rc |= int(mod.main(extra) or 0)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
