"""Grading on submission: a hub service that watches nbgrader's exchange inbound and grades what is new.

One cycle (every ``interval`` seconds):

1. list ``<exchange>/<course>/inbound/`` (names ``student+assignment+timestamp+random``, written by nbgrader's
   submit) and keep, per trainee and assignment, the latest submission;
2. compare with the ledger ``<course>/.autograder/hub/ledger.json`` (the timestamp last graded and released,
   and the trainers' manual scores then: a score given in the formgrader later re-releases the feedback);
3. for what is newer: nbgrader ``collect --update`` (the latest submission counts), the sandboxed pipeline
   (``autograder.autograde.autograde_all``, which skips a submission whose files and limits are unchanged, so
   nothing is graded twice for nothing), the feedback pages (``autograder.feedback``), nbgrader
   ``release_feedback``; then the ledger entry.

The ledger is written last and atomically: a service killed at any point grades the same submissions again when it
restarts, onto the same gradebook rows (nbgrader autograde ``--force``), so nothing is lost or counted twice.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from autograder.common import COURSE_ID, DEFAULT_EXERCISES, Settings, atomic_write_json, read_json

log = logging.getLogger("hub.grading")


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


class Grader:
    def __init__(self, course_dir: Path, exchange: Path, exercises: Path = DEFAULT_EXERCISES, jobs: int = 0):
        from autograder.autograde import default_jobs

        self.course_dir = course_dir
        self.exchange = exchange
        self.exercises = exercises
        self.jobs = jobs or default_jobs()
        self.ledger_path = course_dir / ".autograder" / "hub" / "ledger.json"
        self.settings = Settings()
        self.warned: set[str] = set()

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

    def cycle(self) -> list[tuple[str, str]]:
        """Grade and release everything new; return the (student, assignment) pairs released."""
        todo = self.pending()
        if not todo:
            return []
        self.check_gradebook()
        from autograder import autograde, feedback
        from autograder.course import make_api, prepare

        by_assignment: dict[str, list[str]] = {}
        for student, a in sorted(todo):
            by_assignment.setdefault(a, []).append(student)
        prepare(self.course_dir, self.exercises, self.settings, sorted(by_assignment))
        api = make_api(self.course_dir)
        for a, students in by_assignment.items():
            new = [s for s in students if todo[(s, a)][1]]
            if new:
                self._collect(api, a, new)
                autograde.autograde_all(
                    self.course_dir,
                    self.exercises,
                    self.settings,
                    assignments=[a],
                    students=new,
                    jobs=self.jobs,
                    sandbox=True,
                    quiet=True,
                )
            feedback.generate_feedback(self.course_dir, [a], students, quiet=True)
        marks = self.marks()
        released = []
        for a, students in by_assignment.items():
            for s in students:
                self._release_feedback(api, a, s)
                ledger = self.ledger()
                ledger[f"{s}/{a}"] = {"timestamp": todo[(s, a)][0], "marks": marks.get(f"{s}/{a}", "")}
                atomic_write_json(self.ledger_path, ledger)
                released.append((s, a))
                what = (
                    "graded and released feedback" if todo[(s, a)][1] else "manual grades: released feedback"
                )
                log.info("%s: %s %s (submitted %s)", what, s, a, todo[(s, a)][0])
        return released

    def _collect(self, api, assignment: str, students: list[str]) -> None:
        from nbgrader.exchange.default.collect import ExchangeCollect
        from nbgrader.utils import capture_log, temp_attrs

        for s in students:
            with temp_attrs(api.coursedir, assignment_id=assignment, student_id=s):
                app = ExchangeCollect(coursedir=api.coursedir, authenticator=api.authenticator, parent=api)
                app.root = str(self.exchange)
                app.update = True
                result = capture_log(app)
            if not result["success"]:
                raise RuntimeError(f"nbgrader collect {assignment} {s} failed: {result.get('log')}")

    def _release_feedback(self, api, assignment: str, student: str) -> None:
        """nbgrader release_feedback of our pages (it needs the submission's timestamp and secret beside them)."""
        from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
        from nbgrader.utils import capture_log, temp_attrs

        fb = self.course_dir / "feedback" / student / assignment
        sub = self.course_dir / "submitted" / student / assignment
        if not fb.is_dir():
            return
        for name in ("timestamp.txt", "submission_secret.txt"):
            if (sub / name).exists():
                shutil.copyfile(sub / name, fb / name)
        with temp_attrs(
            api.coursedir, assignment_id=assignment, student_id=student, feedback_directory="feedback"
        ):
            app = ExchangeReleaseFeedback(
                coursedir=api.coursedir, authenticator=api.authenticator, parent=api
            )
            app.root = str(self.exchange)
            result = capture_log(app)
        if not result["success"]:
            raise RuntimeError(
                f"nbgrader release_feedback {assignment} {student} failed: {result.get('log')}"
            )


def serve(course_dir: Path, exchange: Path, interval: float = 1.0, once: bool = False) -> int:
    """The service's main loop. Exit code 2 when the gradebook is down at start (nothing changed)."""
    logging.basicConfig(level=logging.INFO, format="[grading %(asctime)s] %(message)s", stream=sys.stderr)
    grader = Grader(course_dir, exchange)
    try:
        grader.check_gradebook()
    except GradebookDown as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        while True:
            try:
                grader.cycle()
            except GradebookDown as exc:
                log.error("%s", exc)
            if once:
                return 0
            time.sleep(interval)
    except KeyboardInterrupt:  # JupyterHub stops its services with SIGINT
        return 0
