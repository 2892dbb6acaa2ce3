"""The trainers' side of nbgrader's exchange: collect submissions from it, hand feedback back through it.

``make grade`` without a SOURCE uses these two steps around autograding (the exchange is ``CLUSTER_EXCHANGE``,
the same folder ``make release`` releases to and the trainees' Assignment List fetches from and submits to):

* :func:`collect` runs nbgrader's own ``collect`` (newest submission of each trainee, nbgrader's due-date rules)
  into ``<course>/.autograder/collected/<trainee>/<assignment>/`` and imports that folder with the importer
  every other source goes through (flags, lateness, manifest). Each submission's ``submission_secret.txt`` is
  kept beside the imported notebook: it is the key under which the trainee's Assignment List finds feedback.
* :func:`release_feedback` runs nbgrader's own ``release_feedback`` on the feedback pages
  (``<course>/feedback/<trainee>/<assignment>/<notebook>.html``) of submissions that came from the exchange.

The hub's grading service (hub/grading.py) uses the same two functions for one trainee at a time (``students``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from autograder.common import COURSE_ID, Settings, UsageError, assignments_of

SECRET = "submission_secret.txt"


def _api(course_dir: Path, exchange: Path, **coursedir: str):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from autograder.course import load_config

    config = load_config(course_dir)
    config.Exchange.root = str(Path(exchange).resolve())
    for key, value in coursedir.items():
        config.CourseDirectory[key] = value
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def collect(
    course_dir: Path,
    exercises: Path,
    exchange: Path,
    settings: Settings,
    assignments: list[str] | None = None,
    students: list[str] | None = None,
) -> dict:
    """Collect every assignment's newest submissions from ``exchange`` and import them; return the manifest.

    With ``students``, only these trainees' submissions are collected and imported (nbgrader's ``student_id``
    filter of its collect; the other trainees' imports stay as they are)."""
    from nbgrader.utils import temp_attrs

    from autograder import importer
    from autograder.course import prepare

    exchange = Path(exchange)
    if not (exchange / COURSE_ID / "inbound").is_dir():
        raise UsageError(
            f"no course {COURSE_ID!r} in the exchange {exchange}: release the assignments first (make release)"
        )
    wanted = prepare(course_dir, exercises, settings, assignments)
    staging = (course_dir / ".autograder" / "collected").resolve()
    api = _api(course_dir, exchange, submitted_directory=str(staging))
    for a in wanted:
        for who in students or [""]:
            with temp_attrs(api.coursedir, student_id=who):
                result = api.collect(a, update=True)
            if not result.get("success"):
                raise UsageError(
                    f"nbgrader collect {a} {who} failed:\n{result.get('log')}\n{result.get('error')}"
                )
    staging.mkdir(parents=True, exist_ok=True)
    manifest = importer.import_submissions(
        course_dir, exercises, staging, None, settings, wanted, students=students
    )
    for secret in staging.glob(f"*/*/{SECRET}"):
        student, a = secret.parent.parent.name, secret.parent.name
        if students and student not in students:
            continue
        dest = course_dir / "submitted" / importer.safe_id(student) / a / SECRET
        if dest.parent.is_dir() and (not dest.exists() or dest.read_bytes() != secret.read_bytes()):
            shutil.copyfile(secret, dest)
    return manifest


def release_feedback(
    course_dir: Path,
    exchange: Path,
    assignments: list[str] | None = None,
    students: list[str] | None = None,
) -> list[str]:
    """Release the feedback pages of exchange submissions with nbgrader's ``release_feedback`` (only those of
    ``students`` when given); return the ``trainee/assignment`` pairs released."""
    api = _api(course_dir, exchange, feedback_directory="feedback")
    released = []
    for a in assignments or assignments_of(course_dir):
        pages = [p for who in students or ["*"] for p in (course_dir / "feedback").glob(f"{who}/{a}/*.html")]
        for page_dir in sorted({p.parent for p in pages}):
            if str(page_dir) in released:
                continue
            student = page_dir.parent.name
            submitted = course_dir / "submitted" / student / a
            if not (submitted / SECRET).exists():
                continue  # imported from a folder or an LMS zip: the exchange does not know this submission
            for name in (SECRET, "timestamp.txt"):
                shutil.copyfile(submitted / name, page_dir / name)
            result = api.release_feedback(a, student)
            if not result.get("success"):
                raise UsageError(
                    f"nbgrader release_feedback {a} {student} failed:\n{result.get('log')}\n{result.get('error')}"
                )
            released.append(str(page_dir))
    return [f"{Path(p).parent.name}/{Path(p).name}" for p in released]
