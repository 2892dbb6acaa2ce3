"""Grading on submission: a hub service that watches nbgrader's exchange inbound and grades each submission as it
arrives.

The service's loop (every ``interval`` seconds, 0.5 by default):

1. list ``<exchange>/<course>/inbound/`` (names ``student+assignment+timestamp+random``, written by nbgrader's
   submit) and keep, per trainee and assignment, the latest submission;
2. compare with the ledger ``<course>/.autograder/hub/ledger.json`` (the timestamp last graded and released,
   and the trainers' manual scores then: a score given in the formgrader later re-releases the feedback);
3. for each submission that is newer and not already being graded (oldest first): collect that trainee's
   submission (:func:`autograder.exchange.collect` with ``students``: nbgrader ``collect --update``, the latest
   submission counts, then the course's importer) and hand it to a worker;
4. a worker (a pool of as many processes as the machine has cores, started once with the service, each with
   its sandboxed kernel started ahead of time) autogrades that one submission in the sandbox
   (:func:`autograder.autograde.grade_one`; skipped when its files and limits are unchanged since the last
   grading, so nothing is graded twice for nothing) and writes its feedback pages (:mod:`autograder.feedback`);
5. when a worker is done, that trainee's feedback is released (:func:`autograder.exchange.release_feedback`,
   nbgrader ``release_feedback``) and the ledger entry written.

The ledger is written last and atomically, by the service's main process only: a service killed at any point
grades the submissions without a ledger entry again when it restarts, onto the same gradebook rows (nbgrader
autograde ``--force``), so nothing is lost or counted twice.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from autograder.common import COURSE_ID, DEFAULT_EXERCISES, atomic_write_json, load_settings, read_json

log = logging.getLogger("hub.grading")
RETRY = 30.0  # seconds before a submission whose collection or grading failed is tried again
SLOW = 20.0  # a grading running this long is logged with what its worker and the gradebook are waiting for


class GradebookDown(RuntimeError):
    """The gradebook database does not answer: nothing was collected or graded."""


def latest_submissions(inbound: Path, known: set[str]) -> dict[tuple[str, str], str]:
    """``{(student, assignment): timestamp}`` of the newest submission per trainee and assignment.

    Timestamps are nbgrader's ``%Y-%m-%d %H:%M:%S.%f %Z`` strings (UTC), which sort as times. Submissions to an
    assignment not in ``known`` are left out (and logged once by the caller).
    """
    from nbgrader.utils import parse_utc

    latest: dict[tuple[str, str], str] = {}
    try:
        names = os.listdir(inbound)
    except FileNotFoundError:
        return latest
    for name in names:
        parts = name.split("+")
        if len(parts) < 3 or parts[1] not in known:
            continue
        key, ts = (parts[0], parts[1]), parts[2]
        if key not in latest or parse_utc(ts) > parse_utc(latest[key]):
            latest[key] = ts
    return latest


def grade_submission(course_dir: Path, assignment: str, student: str, settings, regrade: bool) -> dict:
    """In a worker: autograde one collected submission in the sandbox (unless its files and limits are unchanged
    since its last grading, or ``regrade`` is False: manual scores only) and write its feedback pages."""
    from autograder import autograde, feedback

    record = read_json(autograde.result_path(course_dir, assignment, student), {}) or {}
    if regrade:
        todo, _ = autograde.pending(course_dir, [assignment], [student], settings, True, False)
        if todo:
            record = autograde._worker(course_dir, assignment, student, settings, True)
    feedback.generate_feedback(course_dir, [assignment], [student], quiet=True)
    return record


def phases(record: dict) -> str:
    """Where a grading's time went, in words (autograder.autograde and the sandbox's executor record it)."""
    p = record.get("phases") or {}
    out = [f"autograde {p.get('autograde', '-')} s, verify {p.get('verify', '-')} s"]
    if p.get("retries"):
        out.append(f"autograde run again after: {'; '.join(p['retries'])}")
    for name, nb in (record.get("notebooks") or {}).items():
        e = nb.get("phases") or {}
        if not e:
            continue
        kernel = ", ".join(
            f"{k} {e[k]}" for k in ("kernel_started", "ready", "preimported", "request", "executed") if k in e
        )
        errors = "; ".join(
            f"{k}: {e[k]}" for k in ("kernel_error", "ready_error", "preimport_error") if k in e
        )
        out.append(
            f"{name}: {'warm' if e.get('warm') else 'cold'} executor aged {e.get('age', '-')} s when handed the "
            f"notebook, answered after {e.get('call', '-')} s (its seconds since start: {kernel})"
            + (f" [{errors}]" if errors else "")
        )
    return "; ".join(out)


def process_tree(pids: list[int]) -> list[str]:
    """``pid state wchan command`` of these processes and all their descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], list(pids)
    while todo:
        pid = todo.pop(0)
        todo[:0] = sorted(children.get(pid, []))
        try:
            state = (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split() or ["?"])[0]
            wchan = Path(f"/proc/{pid}/wchan").read_text().strip() or "-"
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        out.append(f"{pid} {state} {wchan} {cmd.strip()[-90:]}")
    return out


def _warm_worker(settings) -> None:
    """Pool initializer: die with the service; start this worker's first sandboxed kernel ahead of time."""
    from autograder import autograde

    autograde._warm_up(settings, True)


def _nothing() -> None:
    """A task that makes the pool start a worker now rather than at the first submission."""


class Grader:
    def __init__(self, course_dir: Path, exchange: Path, exercises: Path = DEFAULT_EXERCISES, jobs: int = 0):
        self.course_dir = course_dir
        self.exchange = exchange
        self.exercises = exercises
        self.jobs = jobs or os.cpu_count() or 1  # grading is CPU-bound: one worker per core
        self.ledger_path = course_dir / ".autograder" / "hub" / "ledger.json"
        self.settings = load_settings(course_dir)
        self.warned: set[str] = set()
        self.running: dict[tuple[str, str], tuple[Future, str, bool]] = {}
        self.started: dict[tuple[str, str], float] = {}  # when each running grading was handed to a worker
        self.reported: set[tuple[str, str]] = set()  # slow gradings already logged
        self.failed: dict[tuple[str, str], float] = {}  # tried again RETRY seconds after a failure
        self.pool: ProcessPoolExecutor | None = None

    @property
    def inbound(self) -> Path:
        return self.exchange / COURSE_ID / "inbound"

    def known_assignments(self) -> set[str]:
        outbound = self.exchange / COURSE_ID / "outbound"
        return {p.name for p in outbound.iterdir() if p.is_dir()} if outbound.is_dir() else set()

    def ledger(self) -> dict:
        return read_json(self.ledger_path, {}) or {}

    def pending(self) -> dict[tuple[str, str], tuple[str, bool]]:
        """(student, assignment) -> (latest submission time, True if it must be graded / False: feedback only).

        Feedback only: the trainers changed a manual score in the formgrader since the last release.
        """
        known = self.known_assignments()
        for name in os.listdir(self.inbound) if self.inbound.is_dir() else []:
            parts = name.split("+")
            if len(parts) >= 3 and parts[1] not in known and name not in self.warned:
                self.warned.add(name)
                log.warning("ignored submission %s: assignment %r was never released", name, parts[1])
        done = self.ledger()
        todo = {}
        marks = None
        for k, ts in latest_submissions(self.inbound, known).items():
            entry = done.get("/".join(k)) or {}
            if entry.get("timestamp") != ts:
                todo[k] = (ts, True)
                continue
            if marks is None:
                marks = self.marks()
            if marks.get("/".join(k), "") != entry.get("marks", ""):
                todo[k] = (ts, False)
        return todo

    def marks(self) -> dict[str, str]:
        """student/assignment -> the trainers' manual scores in the gradebook, as a comparable string."""
        from sqlalchemy import create_engine, text

        from autograder.course import db_url

        if not hasattr(self, "_engine"):
            self._engine = create_engine(db_url(self.course_dir))
        sql = text(
            "SELECT sa.student_id, a.name, g.id, g.manual_score, g.extra_credit FROM grade g "
            "JOIN submitted_notebook sn ON g.notebook_id = sn.id "
            "JOIN submitted_assignment sa ON sn.assignment_id = sa.id "
            "JOIN assignment a ON sa.assignment_id = a.id "
            "WHERE g.manual_score IS NOT NULL OR g.extra_credit IS NOT NULL ORDER BY g.id"
        )
        out: dict[str, str] = {}
        try:
            with self._engine.connect() as conn:
                for student, a, gid, score, extra in conn.execute(sql):
                    out[f"{student}/{a}"] = out.get(f"{student}/{a}", "") + f"{gid}={score},{extra};"
        except Exception as exc:  # noqa: BLE001 - the gradebook check below reports it in words
            raise GradebookDown(str(exc).splitlines()[0]) from exc
        return out

    def stall_report(self) -> str:
        """What the workers' processes and the gradebook's sessions are doing now (a slow grading's log entry)."""
        from sqlalchemy import create_engine, text

        from autograder.course import db_url

        pids = sorted(getattr(self.pool, "_processes", None) or {})
        lines = ["worker processes (pid state wchan command):", *process_tree(pids)]
        try:
            if not hasattr(self, "_engine"):
                self._engine = create_engine(db_url(self.course_dir))
            with self._engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT pid, state, wait_event_type, wait_event, "
                        "round(extract(epoch FROM now() - xact_start)::numeric, 1), left(query, 100) "
                        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).all()
            lines.append("gradebook sessions (pid state wait seconds-in-transaction query):")
            lines += [f"{r[0]} {r[1]} {r[2] or '-'}:{r[3] or '-'} {r[4]} {r[5]!r}" for r in rows]
        except Exception as exc:  # noqa: BLE001 - a report, never a failure
            if "sqlite" not in str(db_url(self.course_dir)):
                lines.append(f"gradebook sessions: not readable ({str(exc).splitlines()[0]})")
        return "\n  ".join(lines)

    def check_gradebook(self) -> None:
        from autograder.course import db_url
        from hub.postgres import reachable

        url = db_url(self.course_dir)
        why = reachable(url)
        if why:
            raise GradebookDown(
                f"the gradebook database does not answer ({why}); nothing was collected or graded. "
                "Start PostgreSQL (python -m hub up starts it) and run the grading service again."
            )

    def start(self) -> None:
        """The course directory for every released assignment, then the warm worker pool (forked before this
        process opens any gradebook connection)."""
        import multiprocessing

        from autograder import autograde, checks, feedback  # noqa: F401 - imported once, before the fork
        from autograder import sandbox as sandbox_mod
        from autograder.course import prepare

        assignments = prepare(
            self.course_dir, self.exercises, self.settings, sorted(self.known_assignments())
        )
        import nbgrader.converters  # noqa: F401 - the workers inherit nbgrader's import

        sandbox_mod.remove_stale_cgroups()
        scratch = self.course_dir / ".autograder" / "hub" / "scratch"  # left behind by a killed service
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        sandbox_mod.SCRATCH_ROOT = str(scratch)
        autograde._RUN["prestart"] = True
        autograde._RUN["preimport"] = checks.preimport_code(
            autograde._notebook(p)
            for a in assignments
            for p in sorted((self.course_dir / "source" / a).glob("*.ipynb"))
        )
        self.pool = ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_warm_worker,
            initargs=(self.settings,),
        )
        for f in [self.pool.submit(_nothing) for _ in range(self.jobs)]:
            f.result()

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def step(self) -> list[tuple[str, str]]:
        """Hand every new submission to a worker; release what the workers finished. Returns the
        (student, assignment) pairs released in this step."""
        from autograder import exchange

        now = time.monotonic()
        todo = {
            k: v
            for k, v in self.pending().items()
            if k not in self.running and now - self.failed.get(k, -RETRY) >= RETRY
        }
        if todo:
            self.check_gradebook()
        for (s, a), (ts, regrade) in sorted(todo.items(), key=lambda kv: kv[1][0]):
            t_collect = time.monotonic()
            try:
                if regrade:
                    exchange.collect(self.course_dir, self.exercises, self.exchange, self.settings, [a], [s])
                    if time.monotonic() - t_collect > SLOW / 4:
                        log.warning("collecting %s %s took %.1f s", s, a, time.monotonic() - t_collect)
            except Exception as exc:  # noqa: BLE001 - one bad submission never stops the service
                log.error("collecting %s %s failed (%s); trying again in %d s", s, a, exc, RETRY)
                self.failed[(s, a)] = time.monotonic()
                continue
            fut = self.pool.submit(grade_submission, self.course_dir, a, s, self.settings, regrade)
            self.running[(s, a)] = (fut, ts, regrade)
            self.started[(s, a)] = time.monotonic()
        released = []
        for (s, a), (fut, ts, regrade) in list(self.running.items()):
            if not fut.done():
                waited = time.monotonic() - self.started[(s, a)]
                if waited > SLOW and (s, a) not in self.reported:
                    self.reported.add((s, a))
                    log.warning("grading %s %s has run %.0f s: %s", s, a, waited, self.stall_report())
                continue
            del self.running[(s, a)]
            self.reported.discard((s, a))
            seconds = round(time.monotonic() - self.started.pop((s, a)), 2)
            try:
                record = fut.result()
            except Exception as exc:  # noqa: BLE001 - graded again later, nothing was released or recorded
                log.error("grading %s %s failed (%s); trying again in %d s", s, a, exc, RETRY)
                self.failed[(s, a)] = time.monotonic()
                continue
            self.failed.pop((s, a), None)
            for flag in record.get("flags", []):
                log.warning("needs a look: %s/%s: %s", s, a, flag)
            t_release = time.monotonic()
            exchange.release_feedback(self.course_dir, self.exchange, [a], [s])
            if time.monotonic() - t_release > SLOW / 4:
                log.warning("releasing the feedback of %s %s took %.1f s", s, a, time.monotonic() - t_release)
            ledger = self.ledger()
            ledger[f"{s}/{a}"] = {"timestamp": ts, "marks": self.marks().get(f"{s}/{a}", "")}
            atomic_write_json(self.ledger_path, ledger)
            released.append((s, a))
            if regrade:
                run = [n.get("seconds") for n in record.get("notebooks", {}).values() if n.get("seconds")]
                log.info(
                    "graded and released feedback: %s %s (submitted %s; %s s in the worker: grading %s s, running "
                    "the notebook %s s; %s)",
                    s, a, ts, seconds, record.get("seconds", "-"), "+".join(map(str, run)) or "-", phases(record),
                )  # fmt: skip
            else:
                log.info("manual grades: released feedback: %s %s (submitted %s)", s, a, ts)
        return released

    def drain(self, timeout: float = 600) -> list[tuple[str, str]]:
        """Steps until nothing is pending or running (``--once``)."""
        released, t0 = self.step(), time.monotonic()
        while self.running and time.monotonic() - t0 < timeout:
            time.sleep(0.2)
            released += self.step()
        return released


def serve(course_dir: Path, exchange: Path, interval: float = 0.5, once: bool = False) -> int:
    """The service's main loop. Exit code 2 when the gradebook is down at start (nothing changed)."""
    logging.basicConfig(level=logging.INFO, format="[grading %(asctime)s] %(message)s", stream=sys.stderr)
    grader = Grader(course_dir, exchange)
    try:
        grader.check_gradebook()
    except GradebookDown as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    t0 = time.monotonic()
    grader.start()
    log.info("grading service ready: %d warm worker(s) in %.1f s", grader.jobs, time.monotonic() - t0)
    try:
        if once:
            grader.drain()
            return 0
        while True:
            try:
                grader.step()
            except GradebookDown as exc:
                log.error("%s", exc)
            time.sleep(interval)
    except KeyboardInterrupt:  # JupyterHub stops its services with SIGINT
        return 0
    finally:
        grader.stop()
