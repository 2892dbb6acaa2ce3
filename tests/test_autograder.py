"""The trainers' grading pipeline end to end on a synthetic cohort: exact scores, robustness, isolation, feedback.

The cohort (autograder/cohort.py) is built from the released version of a small nbgrader assignment with visible
and hidden tests: correct, partial and blank answers, and broken submissions (invalid JSON, renamed file,
duplicate, late, deleted and edited test cells, an infinite loop, ``os._exit``, a memory bomb, a huge output,
code that reads/writes the gradebook, the sources and other trainees' work, code that monkeypatches ``math``).
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import cohort, importer, report
from autograder.autograde import check_sandbox
from autograder.feedback import hidden_fragments, scrub
from autograder.sandbox import bwrap_works, execute_notebook

ROOT = Path(__file__).resolve().parents[1]
A = cohort.FIXTURE
LIMITS = ["--cell-timeout", "3", "--notebook-timeout", "40", "--memory-mb", "1024", "--jobs", "2"]
DEADLINE = ["--deadline", f"{A}=2026-11-21T00:00:00"]
SANDBOX = [] if bwrap_works() else ["--no-sandbox"]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("autograder")]


def cli(*args: str, check_rc: int | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", *args], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    if check_rc is not None:
        assert proc.returncode == check_rc, proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading")
    exercises = cohort.write_fixture_course(base / "exercises")
    course = base / "course"
    common = ["--course-dir", str(course), "--exercises", str(exercises), "--quiet"]
    # release once so that the cohort is made from the real released notebook (checksums, locked cells)
    from autograder.common import Settings
    from autograder.course import prepare

    prepare(course, exercises, Settings())
    # snoop: try every file of the course directory (gradebook, sources, other trainees) and the exercises
    patterns = [str(course / "**" / "*"), str(exercises / "**" / "*"), str(ROOT / "exercises" / "**" / "*")]
    # without bubblewrap nothing stops the snooping trainee from tampering with the others: leave it out
    personas = {k: v for k, v in cohort.PERSONAS.items() if SANDBOX == [] or k != "snoop"}
    expected = cohort.write_cohort(course / "release" / A, base / "subs", personas, snoop_patterns=patterns)
    roster = str(base / "subs" / "roster.csv")
    imp = cli("import", str(base / "subs" / "lms.zip"), "--roster", roster, *DEADLINE, *common)
    run = cli(
        "grade", str(base / "subs" / "folders"), "--roster", roster, *DEADLINE, *LIMITS, *SANDBOX, *common
    )
    return {
        "base": base,
        "course": course,
        "exercises": exercises,
        "expected": expected,
        "import": imp,
        "run": run,
        "common": common,
    }


def grades_csv(course: Path) -> dict[str, dict[str, str]]:
    with open(course / "grades.csv") as fh:
        return {row["trainee"]: row for row in csv.DictReader(fh)}


def test_grading_run_completes_and_asks_for_a_look(graded):
    # the jobs completed: exit 0, and what needs a look (duplicate, invalid, late, ...) is listed on stderr
    assert graded["import"].returncode == 0, graded["import"].stderr[-2000:]
    assert "needs a look: " in graded["import"].stderr and "duplicate" in graded["import"].stderr
    assert graded["run"].returncode == 0, graded["run"].stderr[-3000:]
    assert "needs a look: infinite-loop/" in graded["run"].stderr
    assert "grading failed" not in graded["run"].stderr
    assert "report:" in graded["run"].stderr
    assert "needs a look:" in graded["run"].stderr


def test_every_trainee_gets_the_exact_score(graded):
    rows = grades_csv(graded["course"])
    assert set(rows) == set(graded["expected"])
    got = {sid: float(row[A]) for sid, row in rows.items()}
    assert got == graded["expected"]
    assert all(float(r["max_total"]) == 5.0 for r in rows.values())
    assert all(float(r["total"]) == float(r[A]) for r in rows.values())


def test_problems_are_flagged_for_the_right_trainee(graded):
    look = report.needs_a_look(graded["course"])
    text = "\n".join(f"{who}: {why}" for who, why in look)
    expectations = {
        "renamed": "renamed",
        "duplicate": "duplicate",
        "partial": "late by",
        "invalid-json": "invalid notebook",
        "deleted-test": "test cells deleted",
        "edited-test": "test cells edited",
        "infinite-loop": "cell timeout",
        "os-exit": "dead kernel",
        "memory-bomb": "memory limit",
    }
    for who, what in expectations.items():
        assert any(w.startswith(f"{who}/") and what in why for w, why in look), f"{who}: {what}\n{text}"
    assert any(w.startswith("deleted-test/") and "tampered: test_lq: cell deleted" in why for w, why in look)
    flagged = {w.split("/")[0] for w, _ in look}
    assert "correct" not in flagged and "blank" not in flagged


def test_feedback_never_shows_hidden_tests_or_instructor_solutions(graded):
    course = graded["course"]
    source = nbformat.read(course / "source" / A / f"{A}.ipynb", as_version=4)
    fragments = hidden_fragments(source, nbformat.read(course / "release" / A / f"{A}.ipynb", as_version=4))
    assert "HIDDEN-CHECK-lq-half" in fragments
    solution_lines = {
        line.strip()
        for cell in source.cells
        if "### BEGIN SOLUTION" in cell.source
        for line in cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0].splitlines()
        if len(line.strip()) > 8
    }
    pages = sorted((course / "feedback").rglob("*.html"))
    assert len(pages) == len(graded["expected"]) - 1  # the invalid notebook has no autograded notebook
    for page in pages:
        text = page.read_text()
        for frag in [*fragments, *cohort.HIDDEN_MARKERS, *cohort.SOLUTION_MARKERS]:
            assert frag not in text, f"{page}: shows {frag!r}"
        for line in solution_lines:
            assert line not in text, f"{page}: shows solution line {line!r}"
        # the course template inlines JupyterLab's stylesheet (about 260 kB); outputs are clipped on top of it
        assert len(text) < 400_000, f"{page} is {len(text)} characters"
    visible = (course / "feedback" / "edited-test" / A / f"{A}.html").read_text()
    assert "share(1, 4) should be 0.25" in visible  # a visible test's message is shown
    partial = (course / "feedback" / "partial" / A / f"{A}.html").read_text()
    assert "fb-box fb-fail" in partial and "fb-box fb-pass" in partial
    if "snoop" in graded["expected"]:
        snoop = (course / "feedback" / "snoop" / A / f"{A}.html").read_text()
        # the snoop printed the grading kernel's input history; pages show the SUBMITTED notebook's own outputs,
        # so nothing of that run (hidden tests included) reaches the page
        assert "HIDDEN TESTS" not in snoop and not any(f in snoop for f in fragments)
    # the partial answer lacks the zero-total key: the hidden check fails with its message withheld, never its code
    assert "a hidden test failed" in partial
    # the trainee printed the kernel's input history: it holds the notebook's code but never a hidden test
    snoop = nbformat.read(course / "autograded" / "snoop" / A / f"{A}.ipynb", as_version=4)
    cell = next(c for c in snoop.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "lq")
    history = "".join(o.get("text", "") for o in cell.outputs)
    assert "PARTS.items()" in history
    assert not any(m in history for m in cohort.HIDDEN_MARKERS)
    assert "BEGIN HIDDEN" not in history


@pytest.mark.skipif(not bwrap_works(), reason="bubblewrap unavailable: no file-system isolation to test")
def test_sandbox_kept_trainee_code_away_from_gradebook_sources_and_others(graded):
    course = graded["course"]
    nb = nbformat.read(course / "autograded" / "snoop" / A / f"{A}.ipynb", as_version=4)
    outputs = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "SNOOP-RESULT []" in outputs, outputs[:2000]
    for path in course.rglob("*"):
        if path.is_file() and path.suffix in (".ipynb", ".db", ".json", ".txt"):
            assert b"TAMPERED-BY-SNOOP" not in path.read_bytes(), path
    con = sqlite3.connect(course / "gradebook.db")
    assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    con.close()


def test_huge_output_is_truncated(graded):
    nb = nbformat.read(graded["course"] / "autograded" / "huge-output" / A / f"{A}.ipynb", as_version=4)
    assert (graded["course"] / "autograded" / "huge-output" / A / f"{A}.ipynb").stat().st_size < 200_000
    assert "truncated" in json.dumps(nb)


def test_report_has_plots_statistics_failures_and_review_list(graded):
    page = (graded["course"] / "report.html").read_text()
    assert "Needs a human look" in page and page.index("Needs a human look") < page.index(
        "Score distribution"
    )
    page += (graded["course"] / f"report-{A}.html").read_text()
    assert page.count("data:image/png;base64,") >= 2
    for text in (
        "Facility: the mean score",
        "Discrimination: how well",
        "Failure messages",
        "share(1, 4) should be 0.25",
        "NotImplementedError",
    ):
        assert text in page, text


def test_rerun_and_resume_after_a_kill_change_nothing(graded):
    course, common = graded["course"], graded["common"]
    before = grades_csv(course)
    con = sqlite3.connect(course / "gradebook.db")
    n_grades = con.execute("select count(*) from grade").fetchone()[0]
    con.close()
    # simulate a run killed while grading two trainees: their result records and output are gone
    for sid in ("correct", "os-exit"):
        (course / ".autograder" / "results" / A / f"{sid}.json").unlink()
        shutil.rmtree(course / "autograded" / sid / A)
    run = cli("grade", *LIMITS, *SANDBOX, *common)
    assert run.returncode == 0, run.stderr[-2000:]
    assert grades_csv(course) == before
    con = sqlite3.connect(course / "gradebook.db")
    assert con.execute("select count(*) from grade").fetchone()[0] == n_grades
    assert con.execute("select count(*) from submitted_assignment").fetchone()[0] == len(graded["expected"])
    con.close()
    assert (course / "autograded" / "correct" / A / f"{A}.ipynb").exists()


def test_pipeline_matches_plain_sequential_nbgrader(graded):
    """Same scores as `nbgrader autograde` on a copy of the course for the well-behaved trainees."""
    plain = graded["base"] / "plain"
    course = graded["course"]
    plain.mkdir()
    for name in ("source", "release", "nbgrader_config.py", ".autograder"):
        src = course / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, plain / name)
    text = (plain / "nbgrader_config.py").read_text().replace(str(course.resolve()), str(plain.resolve()))
    (plain / "nbgrader_config.py").write_text(text)
    shutil.copy(course / "gradebook.db", plain / "gradebook.db")
    con = sqlite3.connect(plain / "gradebook.db")
    con.execute("delete from grade")
    con.execute("delete from comment")
    con.execute("delete from submitted_notebook")
    con.execute("delete from submitted_assignment")
    con.commit()
    con.close()
    who = ["correct", "partial", "blank", "edited-test", "monkeypatch"]
    for sid in who:
        shutil.copytree(course / "submitted" / sid, plain / "submitted" / sid)
    env_bin = str(Path(sys.executable).parent)
    for sid in who:
        subprocess.run(
            [f"{env_bin}/nbgrader", "autograde", A, "--student", sid, "--force"],
            cwd=plain,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
            env={**__import__("os").environ, "PATH": env_bin + ":/usr/bin:/bin"},
        )
    from autograder.export import grade_table

    _, rows, _ = grade_table(plain)
    plain_scores = {r["trainee"]: r[A] for r in rows if r["trainee"] in who}
    ours = {sid: float(row[A]) for sid, row in grades_csv(course).items() if sid in who}
    # the monkeypatching trainee fools plain nbgrader (5 points); the pipeline checks outside the kernel (3 points)
    assert plain_scores.pop("monkeypatch") == 5.0
    assert ours.pop("monkeypatch") == 3.0
    assert plain_scores == ours


# ---------------------------------------------------------------------------------------------- units


def test_lms_names_are_mapped_to_trainees_and_notebooks():
    roster = importer.Roster(ids=["alice", "bob-smith"], keys={"alice": "alice", "bob smith": "bob-smith"})
    assert importer.split_who("Bob Smith_12345_assignsubmission_file_ex1-x.ipynb", roster) == (
        "Bob Smith",
        "ex1-x.ipynb",
    )
    assert importer.split_who("alice_ex1-x.ipynb", roster) == ("alice", "ex1-x.ipynb")
    assert importer.split_who("alice/sub/ex1-x.ipynb", roster) == ("alice", "ex1-x.ipynb")
    assert roster.lookup("BOB  smith") == "bob-smith"
    assert roster.lookup("carol") is None
    nbs = {
        "ex1-mapping-leading-sectors": "ex1-mapping-leading-sectors",
        "ex2-clean-energy": "ex2-clean-energy",
    }
    assert importer.match_notebook("ex1-mapping-leading-sectors.ipynb", nbs) == (
        "ex1-mapping-leading-sectors",
        False,
    )
    assert importer.match_notebook("ex1 (2).ipynb", nbs) == ("ex1-mapping-leading-sectors", True)
    assert importer.match_notebook("mapping leading sectors.ipynb", nbs) == (
        "ex1-mapping-leading-sectors",
        True,
    )
    assert importer.match_notebook("holiday photos.ipynb", nbs) == (None, False)


def test_item_statistics_facility_and_corrected_item_total_correlation():
    import numpy as np
    import pandas as pd

    scores = pd.DataFrame(
        {"a/n/q1": [1, 1, 0, 0, 1], "a/n/q2": [2, 2, 0, 1, 2], "a/n/q3": [0, 1, 1, 0, 1]},
        index=list("vwxyz"),
        dtype=float,
    )
    maxima = pd.Series({"a/n/q1": 1.0, "a/n/q2": 2.0, "a/n/q3": 1.0})
    stats = report.item_statistics(scores, maxima)
    assert stats.loc["a/n/q2", "facility"] == pytest.approx(7 / 10)
    rest = scores["a/n/q1"] + scores["a/n/q3"]
    assert stats.loc["a/n/q2", "discrimination"] == pytest.approx(np.corrcoef(scores["a/n/q2"], rest)[0, 1])
    const = report.item_statistics(scores.assign(**{"a/n/q1": 1.0}), maxima)
    assert np.isnan(const.loc["a/n/q1", "discrimination"])


def test_scrub_masks_hidden_lines_and_messages():
    src = cohort.fixture_notebook()
    frags = hidden_fragments(src)
    leaked = 'In [4]: assert math.isclose(location_quotient(5, 50, 100, 500), 0.5), "HIDDEN-CHECK-lq-half"'
    assert "HIDDEN-CHECK" not in scrub(leaked, frags)
    assert scrub("all fine", frags) == "all fine"


def test_without_bubblewrap_the_pipeline_refuses_unless_told(monkeypatch):
    import autograder.sandbox as sb

    monkeypatch.setattr(sb, "bwrap_works", lambda: False)
    from autograder.common import UsageError

    with pytest.raises(UsageError, match="--no-sandbox"):
        check_sandbox(False)
    assert check_sandbox(True) is False


def test_notebook_time_limit_stops_a_slow_notebook_and_keeps_what_ran():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("print('first')")] + [
        nbformat.v4.new_code_cell("import time; time.sleep(1.5)") for _ in range(8)
    ]
    reply = execute_notebook(
        json.loads(nbformat.writes(nb)),
        None,
        cell_timeout=5,
        notebook_timeout=5,
        memory_mb=1024,
        max_output_chars=1000,
        sandbox=bwrap_works(),
    )
    assert reply["status"] == "notebook_timeout"
    cells = reply["notebook"]["cells"]
    assert cells[0]["outputs"][0]["text"] == "first\n"
    assert cells[-1]["execution_count"] is None


def test_executor_reports_where_a_grading_waited():
    """The reply names the executor's phases (kernel started, ready, course imports run, request, executed), and
    whether a warm executor was used and how long it had run: a stalled grading's log says where it waited."""
    from hub.grading import phases

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("print(1 + 1)")]
    kw = dict(cell_timeout=30, notebook_timeout=60, memory_mb=1024, max_output_chars=1000, sandbox=bwrap_works(),
              preimport="import json")  # fmt: skip
    cold = execute_notebook(json.loads(nbformat.writes(nb)), None, prestart_next=True, **kw)
    warm = execute_notebook(json.loads(nbformat.writes(nb)), None, **kw)
    assert cold["phases"]["warm"] is False and warm["phases"]["warm"] is True
    for reply in (cold, warm):
        p = reply["phases"]
        assert reply["status"] == "ok" and "ready_error" not in p and "preimport_error" not in p, p
        assert 0 < p["kernel_started"] <= p["ready"] <= p["preimported"] <= p["request"] <= p["executed"], p
    assert warm["phases"]["age"] >= 0 and cold["phases"]["age"] == 0
    words = phases({"phases": {"autograde": 1.5, "verify": 0.1, "retries": ["0.9 s: IntegrityError"]},
                    "notebooks": {"ex": {"phases": {**warm["phases"], "ready_error": "RuntimeError: no reply"}}}})  # fmt: skip
    assert "autograde 1.5 s" in words and "run again after: 0.9 s: IntegrityError" in words
    assert "ex: warm executor aged" in words and "[ready_error: RuntimeError: no reply]" in words


def test_cli_help_and_usage_errors(tmp_path):
    for job in ("import", "autograde", "feedback", "export", "report", "grade"):
        text = cli(job, "--help", check_rc=0).stdout
        assert "usage:" in text and "0  the job completed" in text and "2  bad usage" in text
    assert cli("grade", "--submissions", "x").returncode == 2  # not an option: argparse's usage error
    missing = cli(
        "autograde", "--course-dir", str(tmp_path / "c"), "--exercises", str(tmp_path / "none"), *SANDBOX
    )
    assert missing.returncode == 2 and "no nbgrader sources" in missing.stderr
    assert cli("export", "--course-dir", str(tmp_path / "c")).returncode == 2


def test_exit_codes_mean_what_they_say(tmp_path, monkeypatch, capsys):
    """0 = completed (needs-a-look items listed), 1 = the job failed, 2 = bad usage (interface 4)."""
    from autograder import cli as cli_mod
    from autograder.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, pipeline_failures

    assert (EXIT_OK, EXIT_FAILED, EXIT_USAGE) == (0, 1, 2)
    records = [
        {"student": "a", "assignment": "x", "flags": ["x: needs manual grading", "late by 2 h"]},
        {"student": "b", "assignment": "x", "flags": ["autograder crashed: OSError: disk full"]},
    ]
    assert pipeline_failures(records) == ["b/x: autograder crashed: OSError: disk full"]
    assert pipeline_failures(records[:1]) == []

    def boom(args):
        raise OSError("disk full")

    monkeypatch.setattr(importer, "run", boom)
    assert cli_mod.main(["import", str(tmp_path), "--course-dir", str(tmp_path / "c")]) == EXIT_FAILED
    assert "the import job failed" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli_mod.main(["grade", "--submissions", "x"])
    assert exc.value.code == EXIT_USAGE
