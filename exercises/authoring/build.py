"""Write the nbgrader source notebooks from the authoring modules: ``python exercises/authoring/build.py``.

Each module ``ex*.py`` here defines ``NAME`` (the assignment), ``TOTAL`` (points stated in its first cell)
and ``cells()``. The notebooks are written without outputs to ``exercises/source/<NAME>/<NAME>.ipynb``;
``--check`` only reports notebooks that differ from what the modules would write.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from nbbuild import notebook, total_points  # noqa: E402

MODULES = sorted(p.stem for p in HERE.glob("ex*.py"))


def build(check: bool = False) -> int:
    stale = []
    for modname in MODULES:
        mod = importlib.import_module(modname)
        cells = mod.cells()
        got = total_points(cells)
        if got != mod.TOTAL:
            raise SystemExit(f"{modname}: points add up to {got}, the notebook states {mod.TOTAL}")
        nb = notebook(cells)
        path = HERE.parent / "source" / mod.NAME / f"{mod.NAME}.ipynb"
        text = nbformat.writes(nb) + "\n"
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(HERE.parent.parent)} ({got:g} points)")
    for s in stale:
        print(f"out of date: {s}")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(build(check="--check" in sys.argv))
