"""Rubrics beside the written answers in the formgrader (trainers only).

``exercises/rubrics/<assignment>.md`` has one section per manually graded answer, headed ``## <grade_id> — ...``.
After autograding, each section is put into the AUTOGRADED notebook (``<course>/autograded/<trainee>/<a>/``, the
one nbgrader's formgrader shows) as a plain markdown cell right after the answer it grades. The cell has no nbgrader
metadata, so nbgrader neither grades nor checksums it; it is marked ``metadata.autograder.rubric`` so that a rerun
replaces it instead of adding another. Nothing a trainee receives is built from autograded notebooks (feedback
pages come from the submitted notebook), so the rubric never reaches a trainee.
"""

from __future__ import annotations

import re
from pathlib import Path

from autograder.common import atomic_write_text

SECTION = re.compile(r"^## +(?P<gid>[A-Za-z0-9_]+)\b(?P<title>[^\n]*)\n(?P<body>.*?)(?=^## |\Z)", re.S | re.M)


def read_rubric(path: Path) -> dict[str, str]:
    """grade_id -> the rubric section (markdown) for that answer; {} when the file is missing."""
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    return {
        m.group("gid"): f"**Rubric (trainers only): {m.group('gid')}{m.group('title').rstrip()}**\n\n"
        + m.group("body").strip()
        for m in SECTION.finditer(text)
    }


def inject(notebook, rubric: dict[str, str]) -> bool:
    """Put each rubric section after its answer cell in ``notebook`` (in place); True if anything changed."""
    import nbformat

    before = [c.source for c in notebook.cells]
    cells = [c for c in notebook.cells if "rubric" not in c.get("metadata", {}).get("autograder", {})]
    out = []
    for cell in cells:
        out.append(cell)
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in rubric and cell.metadata["nbgrader"].get("solution"):
            out.append(nbformat.v4.new_markdown_cell(rubric[gid], metadata={"autograder": {"rubric": gid}}))
    notebook.cells = out
    return [c.source for c in out] != before


def inject_course(course_dir: Path, exercises: Path, assignments: list[str] | None = None) -> int:
    """Inject the rubrics into every autograded notebook of ``course_dir``; return how many files changed."""
    import nbformat

    changed = 0
    for path in sorted((course_dir / "autograded").glob("*/*/*.ipynb")):
        a = path.parent.name
        if assignments and a not in assignments:
            continue
        rubric = read_rubric(exercises / "rubrics" / f"{a}.md")
        if not rubric:
            continue
        nb = nbformat.read(path, as_version=4)
        if inject(nb, rubric):
            atomic_write_text(path, nbformat.writes(nb))
            changed += 1
    return changed
