"""Rubrics beside the written answers in the formgrader (trainers only).

``exercises/rubrics/<assignment>.md`` (for a translated assignment ``<exercise>-tr``, its English twin's) has one section per manually graded answer, headed ``## <grade_id> — ...``.
After autograding, each section is put into the AUTOGRADED notebook (``<course>/autograded/<trainee>/<a>/``, the
one nbgrader's formgrader shows) as a plain markdown cell right after the answer it grades. The cell has no nbgrader
metadata, so nbgrader neither grades nor checksums it; it is marked ``metadata.autograder.rubric`` so that a rerun
replaces it instead of adding another. Nothing a trainee receives is built from autograded notebooks (feedback
pages come from the submitted notebook), so the rubric never reaches a trainee.
"""

from __future__ import annotations

import re
from pathlib import Path

from autograder.common import atomic_write_text, exercise_of

SECTION = re.compile(r"^## +(?P<gid>[A-Za-z0-9_]+)\b(?P<title>[^\n]*)\n(?P<body>.*?)(?=^## |\Z)", re.S | re.M)


# The formgrader shows tables without rules: the rubric cell carries its own (scoped) style.
STYLE = (
    "<style>.autograder-rubric{border-left:5px solid #e65100;background:#fff8e1;padding:.4em 1em;margin:.5em 0}"
    ".autograder-rubric table{border-collapse:collapse;margin:.3em 0}"
    ".autograder-rubric td,.autograder-rubric th{border:1px solid #ccc;padding:.2em .5em;vertical-align:top}"
    "</style>"
)


def read_rubric(path: Path) -> dict[str, str]:
    """grade_id -> the rubric section for that answer (HTML from the markdown); {} when the file is missing."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    return {
        m.group("gid"): (
            f'<div class="autograder-rubric">{STYLE}'
            + markdown2html_mistune(
                f"**Rubric (trainers only): {m.group('gid')}{m.group('title').rstrip()}**\n\n"
                + m.group("body").strip()
            ).replace("\n\n", "\n")
            + "</div>"
        )
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


def rubric_path(exercises: Path, assignment: str) -> Path:
    """The rubric of an assignment: ``rubrics/<assignment>.md``, else its English twin's (a translated assignment
    has the same written answers, grade ids and points; trainers grade with the one rubric)."""
    own = exercises / "rubrics" / f"{assignment}.md"
    return own if own.is_file() else exercises / "rubrics" / f"{exercise_of(assignment)}.md"


def inject_course(course_dir: Path, exercises: Path, assignments: list[str] | None = None) -> int:
    """Inject the rubrics into every autograded notebook of ``course_dir``; return how many files changed."""
    import nbformat

    changed = 0
    for path in sorted((course_dir / "autograded").glob("*/*/*.ipynb")):
        a = path.parent.name
        if assignments and a not in assignments:
            continue
        rubric = read_rubric(rubric_path(exercises, a))
        if not rubric:
            continue
        nb = nbformat.read(path, as_version=4)
        if inject(nb, rubric):
            atomic_write_text(path, nbformat.writes(nb))
            changed += 1
    return changed
