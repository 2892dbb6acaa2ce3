"""The grading pipeline on the course's REAL exercises (exercises/source): a small cohort made from the released
notebook of one assignment, graded through the CLI, checked cell by cell and against plain nbgrader.

Trainees: ``correct`` (the instructor's solutions typed into the released notebook), ``blank`` (the release),
``partial`` (two answers left as stubs), ``os-exit`` (the kernel exits at the start of the third answer),
``snoop`` (correct answers, but prints the kernel's input history after hidden tests ran), ``loop`` and
``memory`` (an endless loop / a memory bomb as second answer) and ``invalid`` (a truncated notebook file).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.feedback import hidden_fragments
from autograder.sandbox import bwrap_works

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "exercises" / "source"
PREFERRED = "ex4-cluster-management-excellence"  # the quickest to execute

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("autograder-real")]


def _assignment() -> str | None:
    if (SOURCES / PREFERRED / f"{PREFERRED}.ipynb").exists():
        return PREFERRED
    found = sorted(p.parent.name for p in SOURCES.glob("*/*.ipynb"))
    return found[0] if found else None


A = _assignment()
SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION\n(.*?)^[ \t]*### END SOLUTION\n?", re.S | re.M)


def answers(source_nb) -> dict[str, str]:
    """grade_id -> the instructor's answer code (solution regions only, markers removed)."""
    out = {}
    for cell in source_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            out[meta["grade_id"]] = SOLUTION.sub(lambda m: m.group(1), cell.source)
    return out


def make(release_nb, code: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(json.dumps(release_nb)))
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in code:
            cell.source = code[gid]
        elif cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = "My written answer."
    return nb


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    if A is None:
        pytest.skip("no exercises in exercises/source yet")
    base = tmp_path_factory.mktemp("real")
    course = base / "course"
    from autograder.common import Settings
    from autograder.course import prepare

    prepare(course, ROOT / "exercises", Settings(), [A])
    source = nbformat.read(course / "source" / A / f"{A}.ipynb", as_version=4)
    release = nbformat.read(course / "release" / A / f"{A}.ipynb", as_version=4)
    sol = answers(source)
    ids = list(sol)
    assert len(ids) >= 3, "the assignment needs at least three answer cells"
    personas = {
        "correct": sol,
        "blank": {},
        "partial": {k: v for i, (k, v) in enumerate(sol.items()) if i not in (2, len(ids) - 1)},
        "os-exit": {**sol, ids[2]: "import os\nos._exit(1)\n" + sol[ids[2]]},
        "snoop": {**sol, ids[-1]: sol[ids[-1]] + "\nprint('\\n'.join(In))"},
        "loop": {**sol, ids[1]: "while True:\n    pass"},
        "memory": {**sol, ids[1]: "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 2**20))"},
        "invalid": sol,
    }
    for sid, code in personas.items():
        (base / "subs" / sid).mkdir(parents=True)
        text = nbformat.writes(make(release, code))
        (base / "subs" / sid / f"{A}.ipynb").write_text(text[: len(text) // 3] if sid == "invalid" else text)
    args = ["--course-dir", str(course), "--assignment", A, "--jobs", "2", "--cell-timeout", "15", "--quiet"]
    args += ["--memory-mb", "1536"]
    if not bwrap_works():
        args.append("--no-sandbox")
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(base / "subs"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    results = {
        sid: json.loads((course / ".autograder" / "results" / A / f"{sid}.json").read_text())
        for sid in personas
    }
    return {"base": base, "course": course, "proc": proc, "results": results, "source": source, "ids": ids}


def test_run_completes_and_flags_manual_grading_and_the_dead_kernel(real):
    assert real["proc"].returncode == 0, real["proc"].stderr[-3000:]  # completed; what needs a look is listed
    flags = {sid: " ".join(r["flags"]) for sid, r in real["results"].items()}
    assert "dead kernel" in flags["os-exit"]
    assert "needs manual grading" in flags["correct"]
    assert "cell timeout" in flags["loop"]
    assert "memory limit" in flags["memory"]
    assert "notebook missing" in flags["invalid"]
    assert "monkeypatching" not in " ".join(flags.values())  # no false alarm on the real notebooks


def test_exact_scores_cell_by_cell(real):
    res = real["results"]
    nb = next(iter(res["correct"]["notebooks"].values()))
    tests = nb["cells"]  # grade_id -> {auto_score, max_score, ...} for the autograded test cells
    auto_max = sum(c["max_score"] for c in tests.values())
    assert all(c["auto_score"] == c["max_score"] for c in tests.values()), tests
    with open(real["course"] / "grades.csv") as fh:
        grades = {row["trainee"]: float(row[A]) for row in csv.DictReader(fh)}
    assert grades["correct"] == auto_max  # written answers await manual grading (0 until graded)
    assert grades["snoop"] == auto_max
    assert grades["blank"] == 0.0
    # os._exit at the start of the third answer: the tests of the first two answers pass, nothing after runs
    order = [gid for gid in tests]
    exit_cells = next(iter(res["os-exit"]["notebooks"].values()))["cells"]
    first_two = sum(tests[g]["max_score"] for g in order[:2])
    assert grades["os-exit"] == first_two
    assert all(exit_cells[g]["auto_score"] == 0 for g in order[2:])
    assert all(not exit_cells[g]["executed"] for g in order[3:])
    # partial: the tests right after the two stubbed answers fail
    partial_cells = next(iter(res["partial"]["notebooks"].values()))["cells"]
    assert partial_cells[order[2]]["auto_score"] == 0 and partial_cells[order[-1]]["auto_score"] == 0
    assert partial_cells[order[0]]["auto_score"] == tests[order[0]]["max_score"]
    assert 0 < grades["partial"] < auto_max
    # an endless loop / a memory bomb in the second answer: its test scores 0, the first test still passes
    for sid in ("loop", "memory"):
        cells = next(iter(res[sid]["notebooks"].values()))["cells"]
        assert cells[order[1]]["auto_score"] == 0, sid
        assert cells[order[0]]["auto_score"] == tests[order[0]]["max_score"], sid
        assert grades[sid] <= auto_max - tests[order[1]]["max_score"]
    assert grades["invalid"] == 0.0


def test_same_scores_as_plain_sequential_nbgrader(real):
    course, base = real["course"], real["base"]
    plain = base / "plain"
    plain.mkdir()
    for name in ("source", "release", "nbgrader_config.py"):
        src = course / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, plain / name)
    text = (plain / "nbgrader_config.py").read_text().replace(str(course.resolve()), str(plain.resolve()))
    (plain / "nbgrader_config.py").write_text(text)
    shutil.copy(course / "gradebook.db", plain / "gradebook.db")
    con = sqlite3.connect(plain / "gradebook.db")
    for table in ("grade", "comment", "submitted_notebook", "submitted_assignment"):
        con.execute(f"delete from {table}")
    con.commit()
    con.close()
    who = ["correct", "partial", "blank"]
    for sid in who:
        shutil.copytree(course / "submitted" / sid, plain / "submitted" / sid)
    bindir = str(Path(sys.executable).parent)
    subprocess.run(
        [f"{bindir}/nbgrader", "autograde", A, "--force"],
        cwd=plain,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        env={**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")},
    )
    from autograder.export import grade_table

    plain_scores = {r["trainee"]: r[A] for r in grade_table(plain)[1] if r["trainee"] in who}
    with open(course / "grades.csv") as fh:
        ours = {row["trainee"]: float(row[A]) for row in csv.DictReader(fh) if row["trainee"] in who}
    assert plain_scores == ours


def test_feedback_shows_no_hidden_test_and_no_solution_not_written_by_the_trainee(real):
    course = real["course"]
    release = nbformat.read(course / "release" / A / f"{A}.ipynb", as_version=4)
    fragments = hidden_fragments(real["source"], release)
    assert fragments, "the real assignment has hidden tests"
    solution_lines = {
        line.strip()
        for code in answers(real["source"]).values()
        for line in code.splitlines()
        if len(line.strip()) > 12
    }
    pages = sorted((course / "feedback").rglob("*.html"))
    assert len(pages) == 7  # every trainee but the one whose notebook is unreadable
    for page in pages:
        sid = page.relative_to(course / "feedback").parts[0]
        own = (course / "submitted" / sid / A / f"{A}.ipynb").read_text()
        text = page.read_text()
        for frag in fragments:
            assert frag not in text, f"{page}: shows hidden test text {frag!r}"
        for line in solution_lines:
            if json.dumps(line)[1:-1] not in own:
                assert line not in text, f"{page}: shows a solution line {line!r} the trainee did not write"
