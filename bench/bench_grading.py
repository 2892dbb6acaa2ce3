"""Benchmark: the grading pipeline against plain sequential ``nbgrader autograde`` on the REAL ex2 exercise.

A cohort of ``--n`` submissions (default 40) of ``ex2-clean-energy-value-chain`` is made from the released
notebook: the instructor's solutions (correct), two answers left as stubs (partial), two answers wrong by a
factor of two (wrong) and the release as handed out (blank). The cohort is graded twice, in two course
directories with the same nbgrader configuration: by ``nbgrader autograde ASSIGNMENT`` (one process, one
notebook after another, hidden tests in the kernel) and by ``autograder.autograde`` with ``--jobs`` workers
(sandboxed kernels started ahead of time with the course's imports done, hidden checks outside the kernel).
Prints both times, the speed ratio (at least 2x on 2 cores, target 3x), the wall time per notebook next to the
time a bare kernel takes to start and stop (measured in the same run), and checks that every trainee's score
is identical and as expected; returns 1 if not.

    python -m bench grading [--n=40] [--jobs=N (default: cores + 2)] [--no-sandbox]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

A = "ex2-clean-energy-value-chain"
ROOT = Path(__file__).resolve().parents[1]


def _opt(argv: list[str], name: str, default: int) -> int:
    for a in argv:
        if a.startswith(f"--{name}="):
            return int(a.split("=", 1)[1])
    return default


def kernel_start_floor(repeat: int = 3) -> float:
    """Mean seconds to start a bare python3 kernel, wait until it answers, and shut it down."""
    from jupyter_client.manager import start_new_kernel

    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        km, kc = start_new_kernel(kernel_name="python3")
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        times.append(time.perf_counter() - t0)
    return sum(times) / len(times)


def write_cohort(course: Path, dest: Path, n: int) -> dict[str, float]:
    """``n`` submissions of ex2 in ``dest/<trainee>/``; returns {trainee: expected autograded score}."""
    import nbformat

    from autograder import cohort

    source = nbformat.read(course / "source" / A / f"{A}.ipynb", as_version=4)
    release = nbformat.read(course / "release" / A / f"{A}.ipynb", as_version=4)
    sol = cohort.solutions(source)
    ids = list(sol)
    points = 2.0  # every ex2 check is worth 2 points
    kinds = {
        "correct": (sol, points * len(ids)),
        "partial": ({k: v for k, v in sol.items() if k not in ids[2:4]}, points * (len(ids) - 2)),
        "wrong": (
            {**sol, **{k: f"{sol[k]}\n{k} = 2 * {k}" for k in (ids[3], ids[5])}},
            points * (len(ids) - 2),
        ),
        "blank": ({}, 0.0),
    }
    expected = {}
    names = list(kinds)
    for i in range(n):
        kind = names[i % len(names)]
        sid = f"{kind}-{i:02d}"
        code, score = kinds[kind]
        (dest / sid).mkdir(parents=True)
        nbformat.write(cohort.submission(release, code), dest / sid / f"{A}.ipynb")
        expected[sid] = score
    return expected


def main(argv: list[str]) -> int:
    import shutil

    from autograder import importer
    from autograder.autograde import autograde_all, default_jobs
    from autograder.common import Settings
    from autograder.course import prepare
    from autograder.export import grade_table
    from autograder.sandbox import bwrap_works

    n = _opt(argv, "n", 40)
    jobs = _opt(argv, "jobs", default_jobs())
    sandbox = bwrap_works() and "--no-sandbox" not in argv
    settings = Settings(cell_timeout=60, notebook_timeout=300, memory_mb=2048)
    exercises = ROOT / "exercises"
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        base = Path(tmp)
        ours, plain = base / "pipeline", base / "plain"
        for course in (ours, plain):
            prepare(course, exercises, settings, [A])
        expected = write_cohort(ours, base / "subs", n)
        (base / "roster.csv").write_text("id\n" + "\n".join(expected) + "\n")
        importer.import_submissions(ours, exercises, base / "subs", base / "roster.csv", settings)
        shutil.copytree(ours / "submitted", plain / "submitted")
        print(
            f"cohort: {len(expected)} submissions of {A} (correct/partial/wrong/blank); jobs={jobs}; sandbox={sandbox}"
        )

        floor = kernel_start_floor()

        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "nbgrader", "autograde", A, "--force"],
            cwd=plain,
            env=env,
            check=True,
            capture_output=True,
        )
        t_plain = time.perf_counter() - t0

        t0 = time.perf_counter()
        autograde_all(ours, exercises, settings, assignments=[A], jobs=jobs, sandbox=sandbox, quiet=True)
        t_ours = time.perf_counter() - t0

        scores = [{r["trainee"]: r[A] for r in grade_table(c)[1]} for c in (plain, ours)]
    same = scores[0] == scores[1]
    right = all(scores[1].get(sid) == exp for sid, exp in expected.items())
    ratio = t_plain / t_ours
    print(f"bare kernel start + stop (floor):    {floor:7.2f} s per kernel")
    print(f"plain sequential nbgrader autograde: {t_plain:7.1f} s = {t_plain / n:5.2f} s per notebook")
    print(f"pipeline ({jobs} workers, sandbox={sandbox}): {t_ours:7.1f} s = {t_ours / n:5.2f} s per notebook")
    print(f"speed ratio: {ratio:.2f}x (at least 2x on 2 cores, target 3x)")
    print(f"grades identical to plain nbgrader: {same}; equal to the expected scores: {right}")
    if not (same and right):
        diff = {
            k: (scores[0].get(k), scores[1].get(k), expected.get(k))
            for k in expected
            if not (scores[0].get(k) == scores[1].get(k) == expected.get(k))
        }
        print(f"differences (plain, pipeline, expected): {diff}")
    return 0 if same and right else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
