"""The grading pipeline on the course's REAL exercises (exercises/source): a small cohort made from the released
notebook of one assignment, graded through the CLI, checked cell by cell and against plain nbgrader.

Trainees: ``correct`` (the instructor's solutions typed into the released notebook), ``blank`` (the release),
``partial`` (two answers left as stubs), ``os-exit`` (the kernel exits at the start of the third answer),
``snoop`` (correct answers, but prints the kernel's input history after hidden tests ran), ``loop`` and
``memory`` (an endless loop / a memory bomb as second answer) and ``invalid`` (a truncated notebook file).

In the same run, trainees of the assignment's Turkish twin (``<assignment>-tr``): ``tr-wrong`` (the first answer's
values off) and ``both`` (the English assignment complete, then later the Turkish one with the first answer off).
Each page speaks its notebook's language; the LMS column of the exercise takes the later submission.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import cohort
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
A_TR = f"{A}-tr"
answers, make = cohort.solutions, cohort.submission


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    if A is None:
        pytest.skip("no exercises in exercises/source yet")
    base = tmp_path_factory.mktemp("real")
    course = base / "course"
    from autograder.common import Settings
    from autograder.course import prepare

    prepare(course, ROOT / "exercises", Settings(), [A, A_TR])
    source = nbformat.read(course / "source" / A / f"{A}.ipynb", as_version=4)
    release = nbformat.read(course / "release" / A / f"{A}.ipynb", as_version=4)
    release_tr = nbformat.read(course / "release" / A_TR / f"{A_TR}.ipynb", as_version=4)
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
    off = {**sol, ids[0]: sol[ids[0]] + f"\n{ids[0]} = {ids[0]} * 0.61"}  # the first answer's values 39% low
    for sid, nb in {"tr-wrong": make(release_tr, off), "both": make(release_tr, off)}.items():
        (base / "subs" / sid).mkdir(parents=True, exist_ok=True)
        (base / "subs" / sid / f"{A_TR}.ipynb").write_text(nbformat.writes(nb))
    (base / "subs" / "both" / f"{A}.ipynb").write_text(nbformat.writes(make(release, sol)))
    os.utime(base / "subs" / "both" / f"{A}.ipynb", (1.7e9, 1.7e9))  # the English one first, in 2023
    args = ["--course-dir", str(course), "--assignment", A, "--assignment", A_TR]
    args += ["--jobs", "2", "--cell-timeout", "15", "--quiet"]
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
    results.update(
        {
            f"{sid}/tr": json.loads((course / ".autograder" / "results" / A_TR / f"{sid}.json").read_text())
            for sid in ("tr-wrong", "both")
        }
    )
    return {"base": base, "course": course, "proc": proc, "results": results, "source": source, "ids": ids}


def test_run_completes_and_flags_manual_grading_and_the_dead_kernel(real):
    assert real["proc"].returncode == 0, real["proc"].stderr[-3000:]  # completed; manual grading is listed
    assert "needs manual grading" in real["proc"].stderr
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
    pages = sorted((course / "feedback").glob(f"*/{A}/*.html"))
    assert len(pages) == 8  # every trainee of the English assignment but the one whose notebook is unreadable
    correct = (course / "feedback" / "correct" / A / f"{A}.html").read_text()
    assert (
        "awaiting your trainer" in correct and "fb-box fb-pending" in correct
    )  # written answers not graded yet
    assert "Score so far:" in correct and "<script" not in correct
    # the Turkish twin's pages: its own hidden tests (translated descriptions included) never shown either
    source_tr = nbformat.read(course / "source" / A_TR / f"{A_TR}.ipynb", as_version=4)
    release_tr = nbformat.read(course / "release" / A_TR / f"{A_TR}.ipynb", as_version=4)
    fragments_tr = hidden_fragments(source_tr, release_tr)
    pages_tr = sorted((course / "feedback").glob(f"*/{A_TR}/*.html"))
    assert fragments_tr and len(pages_tr) == 2
    for a, page, frags in [(A, p, fragments) for p in pages] + [(A_TR, p, fragments_tr) for p in pages_tr]:
        sid = page.relative_to(course / "feedback").parts[0]
        own = (course / "submitted" / sid / a / f"{a}.ipynb").read_text()
        text = page.read_text()
        for frag in frags:
            assert frag not in text, f"{page}: shows hidden test text {frag!r}"
        for line in solution_lines:
            if json.dumps(line)[1:-1] not in own:
                assert line not in text, f"{page}: shows a solution line {line!r} the trainee did not write"


def test_turkish_and_english_submissions_graded_in_one_run_each_in_its_language(real):
    """One `grade` run, one gradebook: the Turkish twin's checks, feedback page and report speak Turkish, the
    English ones English; the Turkish score goes into the exercise's one LMS column."""
    course, res = real["course"], real["results"]
    first = f"check_{real['ids'][0]}"
    tr_message = res["tr-wrong/tr"]["checks"][first]["message"]
    en_message = res["correct"]["checks"][f"check_{real['ids'][2]}"]
    assert "doğru değil" in tr_message and "%39,0" in tr_message, tr_message  # 39% in Turkish style
    assert res["tr-wrong/tr"]["checks"][first]["score"] == 0
    assert all(c["score"] == c["max"] for g, c in res["tr-wrong/tr"]["checks"].items() if g != first)
    assert en_message["status"] == "pass"
    tr_page = (course / "feedback" / "tr-wrong" / A_TR / f"{A_TR}.html").read_text()
    en_page = (course / "feedback" / "partial" / A / f"{A}.html").read_text()
    assert '<html lang="tr"' in tr_page and "Geri bildirim" in tr_page and "Şimdiye kadarki puan" in tr_page
    assert "doğru değil" in tr_page and "%39,0" in tr_page
    assert "is not right" not in tr_page and "Score so far" not in tr_page and "Feedback:" not in tr_page
    assert '<html lang="en"' in en_page and "Score so far:" in en_page and "There is no answer" in en_page
    assert "Geri bildirim" not in en_page and "henüz bir yanıt yok" not in en_page
    tr_report = (course / f"report-{A_TR}.html").read_text()
    assert "lang='tr'" in tr_report and "Başarısızlık mesajları" in tr_report and "doğru değil" in tr_report
    assert "Failure messages" in (course / f"report-{A}.html").read_text()
    # the LMS: one column per exercise; "both" counts with the later (Turkish) submission and needs a look
    with open(course / "grades.csv") as fh:
        rows = {row["trainee"]: row for row in csv.DictReader(fh)}
    assert A_TR not in next(iter(rows.values()))
    assert float(rows["both"][A]) == float(rows["tr-wrong"][A]) < float(rows["correct"][A])
    assert f"both/{A}: submitted in two languages ({A}, {A_TR})" in real["proc"].stderr
    # an exercise is done in one language: nobody is "missing" the other version, nor scored 0 for it
    assert not (course / "submitted" / "correct" / A_TR).exists()
    assert not (course / "submitted" / "tr-wrong" / A).exists()
    assert f"correct/{A_TR}" not in real["proc"].stderr and f"tr-wrong/{A}:" not in real["proc"].stderr
