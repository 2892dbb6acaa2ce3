"""Autograde every imported submission with nbgrader, in parallel; trainee code runs only in a sandbox.

Each (trainee, assignment) is one ``nbgrader autograde ASSIGNMENT --student ID --force`` run in a worker of a
process pool (``--jobs``). nbgrader does its usual work (sanitising, restoring locked cells, saving grades, late
penalties) with two steps replaced:

* sanitising starts with :mod:`autograder.repair`: the submitted notebook is rebuilt on the released cells and
  metadata (tampered grade ids, points, cell types, locked flags, checksums, deleted or reordered cells cost at
  most the cells concerned and are listed in the result record's ``tampered``);
* the execution step (:func:`execute_and_check`) runs the notebook WITHOUT its hidden tests in a bubblewrap
  sandbox (autograder/sandbox.py, autograder/_executor.py) with per-cell, per-notebook and memory limits; after
  each test cell the kernel writes the answer variables as JSON; then every test cell runs in full (visible and
  hidden checks) in this process, against the course's own set-up code, with the answers bound as plain data
  (autograder/checks.py). The outcome becomes the test cell's output, which nbgrader scores as usual.

The trainee's kernel never receives hidden-test code, so nothing it does (rebinding names, monkeypatching,
``sys.modules`` swaps, frame or ``gc`` inspection, event hooks, printing its history) can earn a point or reveal
a hidden test. Per-check outcomes go to the result record's ``checks`` ({grade_id: score, max, status,
message}); afterwards every graded test cell's gradebook score is checked against its output.

Re-running is safe: a submission whose inputs and settings are unchanged and that has a result record is skipped
(``--force`` regrades); nbgrader updates the same gradebook rows, so nothing is counted twice.
Exit code 0 when every submission was graded (what needs a look is listed on stderr and in the report), 1 when
the pipeline could not grade some submission, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from autograder.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Progress,
    Settings,
    UsageError,
    add_course_arguments,
    atomic_write_json,
    iter_students,
    language,
    load_settings,
    notebook_language,
    pipeline_failures,
    read_json,
    sha256_files,
)
from clusterkit.grading import N_
from clusterkit.i18n import gettext_

# options of the current worker's run, read by SandboxedExecute (one submission at a time per process)
_RUN: dict = {}
_EXECUTIONS: dict[str, dict] = {}


def default_jobs() -> int:
    return (os.cpu_count() or 1) + 2


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=default_jobs(),
        help="parallel workers (default: cores + 2, since a worker spends part of each notebook waiting for its kernel)",
    )
    parser.add_argument("--cell-timeout", type=int, help="seconds per cell (default 60, or grading.toml)")
    parser.add_argument(
        "--notebook-timeout", type=int, help="seconds per notebook (default 600, or grading.toml)"
    )
    parser.add_argument("--memory-mb", type=int, help="address-space limit of a kernel in MiB (default 2048)")
    parser.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run trainee code WITHOUT file-system isolation (only where bubblewrap is unavailable)",
    )
    parser.add_argument("--force", action="store_true", help="regrade submissions already graded")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument("--assignment", "-a", action="append", help="only this assignment (repeatable)")
    parser.add_argument("--student", "-s", action="append", help="only this trainee id (repeatable)")
    add_limit_arguments(parser)


# --------------------------------------------------------------------------------------------------------------
# the execution step that replaces nbgrader's Execute preprocessor


def _sandboxed_execute_class():
    from nbgrader.preprocessors import NbGraderPreprocessor

    class SandboxedExecute(NbGraderPreprocessor):
        """nbgrader's Execute step: the notebook without hidden tests in the sandbox, then every test cell in full
        outside it (autograder/checks.py); each test cell gets the outcome as its output."""

        def preprocess(self, nb, resources):
            name = resources["nbgrader"]["notebook"]
            path = resources.get("metadata", {}).get("path")
            info = execute_and_check(
                nb,
                _RUN["source"](name),
                Path(path) if path else None,
                _RUN["settings"],
                _RUN["sandbox"],
                _RUN.get("prestart", False),
            )
            _EXECUTIONS.setdefault(name, {}).update(info)
            return nb, resources

    return SandboxedExecute


def _repair_class():
    from nbgrader.preprocessors import NbGraderPreprocessor

    from autograder.repair import repair

    class RepairFromRelease(NbGraderPreprocessor):
        """First sanitising step: the submitted notebook rebuilt on the released cells and metadata."""

        def preprocess(self, nb, resources):
            name = resources["nbgrader"]["notebook"]
            release = _RUN["release"](name)
            if release is None:
                return nb, resources
            fixed, tampered = repair(nb, release)
            _EXECUTIONS.setdefault(name, {})["tampered"] = tampered
            return fixed, resources

    return RepairFromRelease


NOT_RUN_REASONS = {
    "ok": N_("this cell did not run"),
    "dead_kernel": N_("the kernel died before this cell ran"),
    "notebook_timeout": N_("the notebook's time limit was reached before this cell ran"),
}


def execute_and_check(
    nb, source, data_dir: Path | None, settings: Settings, sandbox: bool, prestart: bool = False
) -> dict:
    """Run ``nb`` (hidden tests removed) in the sandbox, then its test cells in full here; update ``nb``.

    ``source`` is the source notebook (set-up code and answer names). Each test cell's outputs become the
    visible checks' printed text plus, unless it passed, an error output with the plain-words message, so
    that nbgrader scores it as it would in the kernel. Returns the execution summary with ``checks``.
    """
    from nbformat import NotebookNode

    from autograder import checks
    from autograder.sandbox import execute_notebook

    start = time.monotonic()
    kernel_nb = json.loads(json.dumps(nb))
    tests = [i for i, c in enumerate(nb.cells) if checks.is_test_cell(c)]
    for i in tests:
        kernel_nb["cells"][i]["source"] = checks.visible_part(nb.cells[i].source)
    names = checks.answer_names(source)
    reply = execute_notebook(
        kernel_nb,
        data_dir,
        cell_timeout=settings.cell_timeout,
        notebook_timeout=settings.notebook_timeout,
        memory_mb=settings.memory_mb,
        max_output_chars=settings.max_output_chars,
        sandbox=sandbox,
        extract_at=tests,
        extract_code=checks.extract_code(names),
        preimport=_RUN.get("preimport", ""),
        prestart_next=prestart,
    )
    executed = reply.get("notebook")
    if executed and len(executed.get("cells", [])) == len(nb.cells):
        for cell, done in zip(nb.cells, executed["cells"], strict=True):
            if cell.cell_type == "code":
                cell.outputs = [NotebookNode(o) for o in json.loads(json.dumps(done.get("outputs", [])))]
                cell.execution_count = done.get("execution_count")
    status = reply.get("status") if executed else (reply.get("status") or "executor_failed")
    lang = notebook_language(source)
    with language(lang):
        reason = (
            gettext_(NOT_RUN_REASONS[status])
            if status in NOT_RUN_REASONS
            else gettext_("the notebook could not be executed ({status})").format(status=status)
        )
        unreadable = gettext_("the answers could not be read after this check ran")
        unprepared = gettext_("the grader could not prepare this check: {problem}")
    setup = checks.setup_cells(source)
    answers = reply.get("answers", {})
    results, not_run = {}, []
    for i in tests:
        cell = nb.cells[i]
        gid = cell.metadata["nbgrader"]["grade_id"]
        if cell.get("execution_count") is None or not executed:
            res = checks.CheckResult("not_run", reason, "NotExecutedError")
            not_run.append(gid)
        elif str(i) not in answers:
            res = checks.CheckResult("error", unreadable, "AnswersUnavailable")
        else:
            try:
                res = checks.run_check(setup, cell.source, checks.load_answers(answers[str(i)]), gid, lang)
            except checks.SetupFailed as exc:
                res = checks.CheckResult("error", unprepared.format(problem=exc), "GraderError")
        outs = [NotebookNode(output_type="stream", name="stdout", text=res.stdout)] if res.stdout else []
        if res.status != "pass":
            outs.append(
                NotebookNode(
                    output_type="error",
                    ename=res.ename or "Error",
                    evalue=res.message,
                    traceback=[f"{res.ename or 'Error'}: {res.message}"],
                )
            )
        cell.outputs = outs
        results[gid] = {"status": res.status, "message": res.message}
    return {
        "status": status,
        "message": reply.get("message", ""),
        "not_run": not_run,
        "truncated": len(reply.get("truncated", []) or []),
        "checks": results,
        "seconds": round(time.monotonic() - start, 2),
        "phases": reply.get("phases", {}),
    }


def is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


# --------------------------------------------------------------------------------------------------------------
# one submission (runs in a worker process)

_API = {}


def _api(course_dir: Path):
    from autograder.course import make_api

    key = str(course_dir)
    if key not in _API:
        _API[key] = make_api(course_dir)
    return _API[key]


def submission_hash(
    course_dir: Path, assignment: str, student: str, settings: Settings, sandbox: bool
) -> str:
    sub = course_dir / "submitted" / student / assignment
    files = [p for p in sub.rglob("*") if p.is_file()] if sub.is_dir() else []
    sources = read_json(course_dir / ".autograder" / "sources.json", {}) or {}
    extra = json.dumps(
        [
            sources.get(assignment),
            settings.cell_timeout,
            settings.notebook_timeout,
            settings.memory_mb,
            sandbox,
        ]
    )
    return sha256_files(files, extra=extra)


def result_path(course_dir: Path, assignment: str, student: str) -> Path:
    return course_dir / ".autograder" / "results" / assignment / f"{student}.json"


def grade_one(course_dir: Path, assignment: str, student: str, settings: Settings, sandbox: bool) -> dict:
    """Autograde one submission with nbgrader; verify and record the result. Never raises."""
    import warnings

    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute
    from nbgrader.utils import capture_log, temp_attrs

    warnings.filterwarnings("ignore", message=".*not in session.*")
    warnings.filterwarnings("ignore", message=".*missing an id field.*")
    t0 = time.monotonic()
    _RUN.update(
        settings=settings,
        sandbox=sandbox,
        source=lambda nb: _notebook(course_dir / "source" / assignment / f"{nb}.ipynb"),
        release=lambda nb: _notebook(course_dir / "release" / assignment / f"{nb}.ipynb"),
    )
    _EXECUTIONS.clear()
    api = _api(course_dir)
    sandboxed = _sandboxed_execute_class()
    repair_step = _repair_class()
    result: dict = {}
    retries: list[str] = []  # why nbgrader autograde was run again (a locked row or a race on a new one)
    sub_dir = course_dir / "submitted" / student / assignment
    if not list(sub_dir.glob("*.ipynb")):
        result = record_empty_submission(course_dir, assignment, student)
    for attempt in range(0 if result else 5):
        with temp_attrs(api.coursedir, assignment_id=assignment, student_id=student):
            app = Autograde(coursedir=api.coursedir, parent=api)
            app.force = True
            app.create_student = True
            app.autograde_preprocessors = [
                sandboxed if p is Execute else p for p in app.autograde_preprocessors
            ]
            app.sanitize_preprocessors = [repair_step, *app.sanitize_preprocessors]
            result = capture_log(app)
        text = result.get("error", "") + result.get("log", "")
        if result["success"] or not ("database is locked" in text or "IntegrityError" in text):
            break
        retries.append(
            f"{round(time.monotonic() - t0, 2)} s: "
            + ("database is locked" if "database is locked" in text else "IntegrityError")
        )
        time.sleep(1 + attempt)
    t_verify = time.monotonic()
    record = {
        "assignment": assignment,
        "student": student,
        "success": bool(result["success"]),
        "error": (result.get("error") or "")[-3000:],
        "log": (result.get("log") or "")[-4000:] if not result["success"] else "",
        "notebooks": {},
        "flags": [],
        "tampered": [],
        "checks": {},
        "sandbox": sandbox,
    }
    if not result["success"]:
        record["flags"].append(
            "nbgrader autograde failed: " + (record["error"].strip().splitlines() or ["?"])[-1]
        )
    try:
        verify(course_dir, assignment, student, record)
    except Exception as exc:  # noqa: BLE001 - recorded for the trainer
        record["flags"].append(f"verification failed: {type(exc).__name__}: {exc}")
    record["seconds"] = round(time.monotonic() - t0, 2)
    record["phases"] = {"autograde": round(t_verify - t0, 2), "verify": round(time.monotonic() - t_verify, 2)}
    if retries:
        record["phases"]["retries"] = retries
    record["input_hash"] = submission_hash(course_dir, assignment, student, settings, sandbox)
    atomic_write_json(result_path(course_dir, assignment, student), record)
    return record


_NOTEBOOKS: dict[tuple[str, float], object] = {}


def _notebook(path: Path):
    """A source or release notebook (read once per worker and file version); None if missing."""
    import nbformat

    try:
        key = (str(path), path.stat().st_mtime)
    except OSError:
        return None
    if key not in _NOTEBOOKS:
        _NOTEBOOKS[key] = nbformat.read(path, as_version=4)
    return _NOTEBOOKS[key]


def record_empty_submission(course_dir: Path, assignment: str, student: str) -> dict:
    """A trainee with no readable notebook: nbgrader autograde refuses it, so record zeros ourselves."""
    from nbgrader.api import Gradebook

    from autograder.common import COURSE_ID
    from autograder.course import db_url
    from autograder.importer import parse_timestamp

    ts_file = course_dir / "submitted" / student / assignment / "timestamp.txt"
    stamp = parse_timestamp(ts_file.read_text()) if ts_file.exists() else None
    with Gradebook(db_url(course_dir), COURSE_ID) as gb:
        gb.update_or_create_student(student)
        kwargs = {"timestamp": stamp.replace(tzinfo=None)} if stamp else {}
        submission = gb.update_or_create_submission(assignment, student, **kwargs)
        for snb in submission.notebooks:
            for grade in snb.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gb.db.commit()
    return {"success": True, "log": "no notebook submitted: all grades set to 0"}


def verify(course_dir: Path, assignment: str, student: str, record: dict) -> None:
    """Check each graded test cell's gradebook score against what actually ran; zero it if it did not run."""
    import nbformat
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.utils import compute_checksum, determine_grade

    from autograder.common import COURSE_ID
    from autograder.course import db_url

    release = course_dir / "release" / assignment
    with Gradebook(db_url(course_dir), COURSE_ID) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            record["flags"].append("no submission in the gradebook")
            return
        for snb in submission.notebooks:
            name = snb.name
            info = {"status": "missing", "cells": {}, **_EXECUTIONS.get(name, {})}
            record["notebooks"][name] = info
            graded_path = course_dir / "autograded" / student / assignment / f"{name}.ipynb"
            submitted_path = course_dir / "submitted" / student / assignment / f"{name}.ipynb"
            if not submitted_path.exists():
                info["status"] = "missing"
                record["flags"].append(f"{name}: notebook missing (scored 0)")
                for grade in snb.grades:
                    if grade.auto_score:
                        grade.auto_score = 0
                gb.db.commit()
                continue
            if not graded_path.exists():
                info["status"] = info.get("status") or "not graded"
                record["flags"].append(f"{name}: no autograded notebook")
                continue
            graded = nbformat.read(graded_path, as_version=4)
            status = info.get("status")
            if status and status != "ok":
                record["flags"].append(
                    f"{name}: {status.replace('_', ' ')} ({info.get('message', '')[:120]})"
                )
            for what in info.get("tampered", []):
                record["tampered"].append(f"{name}/{what}")
                record["flags"].append(f"{name}: tampered: {what}")
            if info.get("truncated"):
                record["flags"].append(f"{name}: output capped in {info['truncated']} cell(s)")
            for c in graded.cells:
                enames = {o.get("ename") for o in c.get("outputs", []) if o.get("output_type") == "error"}
                where = (
                    c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                    or f"cell {graded.cells.index(c)}"
                )
                if "CellTimeoutError" in enames and not is_test_cell(c):
                    record["flags"].append(f"{name}/{where}: cell timeout")
                if "MemoryError" in enames and not is_test_cell(c):
                    record["flags"].append(f"{name}/{where}: memory limit")
            cells = {c.metadata.nbgrader["grade_id"]: c for c in graded.cells if is_test_cell(c)}
            for grade in snb.grades:
                cell = cells.get(grade.name)
                if cell is None:
                    continue
                ran = cell.get("execution_count") is not None or not cell.source.strip()
                errors = [o for o in cell.outputs if o.get("output_type") == "error"]
                expected, _ = determine_grade(cell)
                cinfo = {
                    "executed": ran,
                    "error": f"{errors[0].get('ename')}: {errors[0].get('evalue')}"[:4000]
                    if errors
                    else None,
                    "auto_score": grade.auto_score,
                    "max_score": grade.max_score,
                }
                if any(o.get("ename") == "CellTimeoutError" for o in errors):
                    record["flags"].append(f"{name}/{grade.name}: cell timeout")
                if any(o.get("ename") == "MemoryError" for o in errors):
                    record["flags"].append(f"{name}/{grade.name}: memory limit")
                if (not ran or errors) and grade.auto_score:
                    record["flags"].append(
                        f"{name}/{grade.name}: scored {grade.auto_score} though it "
                        f"{'did not run' if not ran else 'failed'}; set to 0"
                    )
                    grade.auto_score = 0
                    cinfo["auto_score"] = 0
                    cinfo["corrected"] = True
                elif expected is not None and grade.auto_score is not None and expected != grade.auto_score:
                    record["flags"].append(
                        f"{name}/{grade.name}: gradebook {grade.auto_score} != output {expected}"
                    )
                info["cells"][grade.name] = cinfo
                outcome = info.get("checks", {}).get(grade.name, {})
                status = outcome.get("status") or ("pass" if not errors else "fail")
                if grade.auto_score == 0 and status == "pass":
                    status = "fail"
                record["checks"][grade.name] = {
                    "score": float(grade.auto_score or 0),
                    "max": float(grade.max_score or 0),
                    "status": status,
                    "message": outcome.get("message", ""),
                }
            gb.db.commit()
            # edited or deleted test cells (compared with the released version)
            released = {}
            rel_path = release / f"{name}.ipynb"
            if rel_path.exists():
                for c in nbformat.read(rel_path, as_version=4).cells:
                    meta = c.metadata.get("nbgrader", {})
                    if is_test_cell(c):
                        released[meta["grade_id"]] = meta.get("checksum")
            try:
                submitted = nbformat.read(submitted_path, as_version=4)
            except Exception:  # noqa: BLE001
                submitted = None
            if submitted is not None:
                seen = {}
                for c in submitted.cells:
                    gid = c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                    if gid in released:
                        seen[gid] = c
                deleted = sorted(set(released) - set(seen))
                edited = sorted(
                    gid for gid, c in seen.items() if released[gid] and compute_checksum(c) != released[gid]
                )
                if deleted:
                    record["flags"].append(f"{name}: test cells deleted (put back by nbgrader): {deleted}")
                if edited:
                    record["flags"].append(f"{name}: test cells edited (restored by nbgrader): {edited}")
                info["deleted_tests"], info["edited_tests"] = deleted, edited
            info["score"] = snb.score
            info["max_score"] = snb.max_score
            if snb.needs_manual_grade:
                record["flags"].append(f"{name}: needs manual grading")
        record["score"] = submission.score
        record["max_score"] = submission.max_score
        record["late_seconds"] = submission.total_seconds_late


def _worker(course_dir, assignment, student, settings, sandbox):
    try:
        return grade_one(course_dir, assignment, student, settings, sandbox)
    except Exception as exc:  # noqa: BLE001 - a submission must never stop the run
        record = {
            "assignment": assignment,
            "student": student,
            "success": False,
            "notebooks": {},
            "flags": [f"autograder crashed: {type(exc).__name__}: {exc}"],
        }
        atomic_write_json(result_path(course_dir, assignment, student), record)
        return record


# --------------------------------------------------------------------------------------------------------------


def pending(
    course_dir: Path,
    assignments: list[str],
    students: list[str] | None,
    settings: Settings,
    sandbox: bool,
    force: bool,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    todo, done = [], []
    for student in iter_students(course_dir):
        if students and student not in students:
            continue
        for a in assignments:
            if not (course_dir / "submitted" / student / a).is_dir():
                continue
            rec = read_json(result_path(course_dir, a, student))
            if (
                not force
                and isinstance(rec, dict)
                and rec.get("input_hash") == submission_hash(course_dir, a, student, settings, sandbox)
            ):
                done.append((a, student))
            else:
                todo.append((a, student))
    return todo, done


def check_sandbox(no_sandbox: bool) -> bool:
    """True to sandbox; raises UsageError where bubblewrap is unavailable and --no-sandbox was not given."""
    from autograder.sandbox import bwrap_works

    if bwrap_works():
        if no_sandbox:
            print("warning: --no-sandbox: trainee code runs WITHOUT file-system isolation", file=sys.stderr)
        return not no_sandbox
    if no_sandbox:
        print(
            "warning: bubblewrap unavailable; --no-sandbox: trainee code runs WITHOUT isolation",
            file=sys.stderr,
        )
        return False
    raise UsageError(
        "bubblewrap (bwrap) is not available or cannot create namespaces here; install it "
        "(apt-get install bubblewrap) or pass --no-sandbox to run trainee code without isolation"
    )


def autograde_all(
    course_dir: Path,
    exercises: Path,
    settings: Settings,
    *,
    assignments=None,
    students=None,
    jobs: int = 2,
    sandbox: bool = True,
    force: bool = False,
    quiet: bool = False,
) -> list[dict]:
    from autograder.course import prepare

    assignments = prepare(course_dir, exercises, settings, assignments)
    todo, done = pending(course_dir, assignments, students, settings, sandbox, force)
    records = [read_json(result_path(course_dir, a, s)) for a, s in done]
    if todo:  # create the trainees first: parallel workers creating the same trainee would collide
        from nbgrader.api import Gradebook

        from autograder.common import COURSE_ID
        from autograder.course import db_url

        with Gradebook(db_url(course_dir), COURSE_ID) as gb:
            for sid in sorted({s for _, s in todo}):
                gb.update_or_create_student(sid)
    progress = Progress("autograde", len(todo), quiet)
    import tempfile

    from autograder import sandbox as sandbox_mod

    sandbox_mod.remove_stale_cgroups()
    from autograder.checks import preimport_code

    _RUN["preimport"] = preimport_code(
        _notebook(p) for a in assignments for p in sorted((course_dir / "source" / a).glob("*.ipynb"))
    )
    with tempfile.TemporaryDirectory(prefix="autograder-run-") as scratch_root:
        sandbox_mod.SCRATCH_ROOT = scratch_root
        _RUN["prestart"] = True
        try:
            _run_pool(course_dir, todo, settings, sandbox, jobs, records, progress)
        finally:
            sandbox_mod.discard_warm()
            sandbox_mod.remove_stale_cgroups(own=True)
            sandbox_mod.SCRATCH_ROOT = None
            _RUN["prestart"] = False
    return sorted(records, key=lambda r: (r["student"], r["assignment"]))


def _warm_up(settings: Settings, sandbox: bool) -> None:
    """Pool initializer: die with the grading process; start the first executor (and kernel) ahead of time."""
    from autograder import sandbox as sandbox_mod
    from autograder._executor import die_with_parent

    die_with_parent()

    key = (sandbox, settings.memory_mb, settings.max_output_chars, _RUN.get("preimport", ""))
    sandbox_mod._WARM[key] = sandbox_mod._start_executor(*key)


def _run_pool(course_dir, todo, settings, sandbox, jobs, records, progress) -> None:
    if jobs <= 1 or len(todo) <= 1:
        for a, s in todo:
            records.append(_worker(course_dir, a, s, settings, sandbox))
            progress.step(f"{s}/{a}")
    else:
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(todo)),
            mp_context=ctx,
            initializer=_warm_up,
            initargs=(settings, sandbox),
        ) as pool:
            futures = {pool.submit(_worker, course_dir, a, s, settings, sandbox): (a, s) for a, s in todo}
            for fut in as_completed(futures):
                a, s = futures[fut]
                try:
                    records.append(fut.result())
                except Exception as exc:  # noqa: BLE001 - worker process died
                    rec = {
                        "assignment": a,
                        "student": s,
                        "success": False,
                        "notebooks": {},
                        "flags": [f"worker died: {exc}"],
                    }
                    atomic_write_json(result_path(course_dir, a, s), rec)
                    records.append(rec)
                progress.step(f"{s}/{a}")


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(args.course_dir, args)
        sandbox = check_sandbox(args.no_sandbox)
        records = autograde_all(
            args.course_dir,
            args.exercises,
            settings,
            assignments=args.assignment,
            students=args.student,
            jobs=args.jobs,
            sandbox=sandbox,
            force=args.force,
            quiet=args.quiet,
        )
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from autograder.rubrics import inject_course

    inject_course(
        args.course_dir, args.exercises, args.assignment
    )  # rubrics beside answers in the formgrader
    flagged = [r for r in records if r.get("flags")]
    for r in flagged:
        for f in r["flags"]:
            print(f"needs a look: {r['student']}/{r['assignment']}: {f}", file=sys.stderr)
    print(f"autograded {len(records)} submission(s); {len(flagged)} need a look", file=sys.stderr)
    failed = pipeline_failures(records)
    for f in failed:
        print(f"grading failed: {f}", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK
