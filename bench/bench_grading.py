"""Grading speed: the pipeline (parallel, sandboxed) against plain sequential ``nbgrader autograde``, same run.

A synthetic cohort of well-behaved submissions (correct, partial, blank, edited and deleted test cells; default
40) of the fixture assignment is imported once and graded twice, in two course directories with the same
nbgrader configuration: by ``nbgrader autograde ASSIGNMENT`` (one process, one notebook after another) and by
``autograder.autograde`` with ``--jobs`` workers. Prints both times, the speed ratio (target >= 1.7 on 2 cores)
and checks that every trainee's score is identical; returns 1 if not.

    python -m bench grading [--n=40] [--jobs=N (default: cores + 2)] [--no-sandbox]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _opt(argv: list[str], name: str, default: int) -> int:
    for a in argv:
        if a.startswith(f"--{name}="):
            return int(a.split("=", 1)[1])
    return default


def main(argv: list[str]) -> int:
    from autograder import cohort, importer
    from autograder.autograde import autograde_all, default_jobs
    from autograder.common import Settings
    from autograder.course import prepare
    from autograder.export import grade_table
    from autograder.sandbox import bwrap_works

    n = _opt(argv, "n", 40)
    jobs = _opt(argv, "jobs", default_jobs())
    sandbox = bwrap_works() and "--no-sandbox" not in argv
    personas = {k: cohort.PERSONAS[k] for k in ("correct", "partial", "blank", "edited-test", "deleted-test")}
    copies = -(-n // len(personas))
    settings = Settings(cell_timeout=30, notebook_timeout=120, memory_mb=2048)
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        base = Path(tmp)
        exercises = cohort.write_fixture_course(base / "exercises")
        ours, plain = base / "pipeline", base / "plain"
        for course in (ours, plain):
            prepare(course, exercises, settings)
        expected = cohort.write_cohort(
            ours / "release" / cohort.FIXTURE, base / "subs", personas, copies=copies, zip_every=0
        )
        importer.import_submissions(
            ours, exercises, base / "subs" / "folders", base / "subs" / "roster.csv", settings
        )
        shutil.copytree(ours / "submitted", plain / "submitted")
        print(f"cohort: {len(expected)} submissions of {cohort.FIXTURE}; jobs={jobs}; sandbox={sandbox}")

        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "nbgrader", "autograde", cohort.FIXTURE, "--force"],
            cwd=plain,
            env=env,
            check=True,
            capture_output=True,
        )
        t_plain = time.perf_counter() - t0

        t0 = time.perf_counter()
        autograde_all(ours, exercises, settings, jobs=jobs, sandbox=sandbox, quiet=True)
        t_ours = time.perf_counter() - t0

        scores = [{r["trainee"]: r[cohort.FIXTURE] for r in grade_table(c)[1]} for c in (plain, ours)]
    same = scores[0] == scores[1]
    right = all(scores[1].get(sid) == exp for sid, exp in expected.items())
    print(f"plain sequential nbgrader autograde: {t_plain:7.1f} s")
    print(f"pipeline ({jobs} workers, sandbox={sandbox}): {t_ours:7.1f} s")
    print(f"speed ratio: {t_plain / t_ours:.2f}x (target >= 1.7x on 2 cores)")
    print(f"grades identical to plain nbgrader: {same}; equal to the expected scores: {right}")
    if not (same and right):
        print(f"plain: {sorted(scores[0].items())}\npipeline: {sorted(scores[1].items())}")
        diff = {
            k: (scores[0].get(k), scores[1].get(k)) for k in scores[0] if scores[0].get(k) != scores[1].get(k)
        }
        print(f"differences (plain, pipeline): {diff}")
    return 0 if same and right else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
