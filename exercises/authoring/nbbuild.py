"""Authoring helpers: build an nbgrader source notebook from a list of cells.

The committed ``source/<assignment>/<assignment>.ipynb`` is what nbgrader and the trainers use; these helpers
only make the cell metadata consistent. Conventions every exercise follows (the tests rely on them):

* an answer cell assigns exactly one variable, named like its grade id (``q1_lq``), starts with
  ``<name> = None`` and holds the solution between ``### BEGIN SOLUTION`` / ``### END SOLUTION``;
* the cell right after it is a locked, graded check cell (grade id ``check_<name>``) carrying the points:
  visible format checks first (the trainee runs this cell to check the answer), then the value checks
  between ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS`` with references computed by clusterkit;
* answers never reuse another answer's variable, so one wrong answer costs only its own points;
* written answers are manually graded markdown cells (grade id ``w<k>_...``) with a rubric in ``rubrics/``.
"""

from __future__ import annotations

import textwrap

import nbformat

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def _src(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def md(text: str):
    return nbformat.v4.new_markdown_cell(_src(text))


def code(text: str):
    return nbformat.v4.new_code_cell(_src(text))


def _meta(grade_id: str, *, solution: bool, grade: bool, locked: bool, points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def answer(var: str, solution: str, intro: str = ""):
    """An autograded answer cell assigning ``var``."""
    head = (_src(intro) + "\n") if intro else ""
    body = f"{head}{var} = None\n### BEGIN SOLUTION\n{_src(solution)}\n### END SOLUTION"
    cell = nbformat.v4.new_code_cell(body)
    cell.metadata.update(_meta(var, solution=True, grade=False, locked=False))
    return cell


def check(var: str, points: float, visible: str, hidden: str, what: str, preamble: str = ""):
    """The locked test cell after ``answer(var, ...)``; ``preamble`` starts the hidden tests (data loading)."""
    hidden = (_src(preamble) + "\n" if preamble else "") + _src(hidden)
    body = (
        f"# Check {what} ({points:g} point{'s' if points != 1 else ''}). Run this cell: it applies the visible\n"
        f"# checks (form and shape); the values are checked when your work is graded.\n"
        f"{_src(visible)}\n"
        f'print("{what}: the form of your answer is right. Its values are checked when your work is graded.")\n'
        f"### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS"
    )
    cell = nbformat.v4.new_code_cell(body)
    cell.metadata.update(_meta(f"check_{var}", solution=False, grade=True, locked=True, points=points))
    return cell


def written(grade_id: str, points: float, model_answer: str):
    """A manually graded written answer (markdown); the model answer is replaced in the release."""
    cell = nbformat.v4.new_markdown_cell(_src(model_answer))
    cell.metadata.update(_meta(grade_id, solution=True, grade=True, locked=False, points=points))
    return cell


def notebook(cells: list) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    for i, cell in enumerate(nb.cells):  # stable ids keep diffs small when a notebook is rebuilt
        cell["id"] = f"c{i:02d}-" + cell.metadata.get("nbgrader", {}).get("grade_id", cell.cell_type)[:40]
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def total_points(cells: list) -> float:
    return sum(c.metadata.get("nbgrader", {}).get("points", 0) for c in cells)
