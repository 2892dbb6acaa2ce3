"""The trainer course directory: sources copied from exercises/, nbgrader config, gradebook filled.

``prepare(course_dir, exercises)`` is idempotent: it copies ``exercises/source/<a>/`` when it changed, writes
``nbgrader_config.py`` and runs nbgrader's ``generate_assignment`` only for assignments whose sources changed
(it records a hash per assignment in ``.autograder/sources.json``), and stores the deadlines as nbgrader due
dates so that nbgrader's own lateness bookkeeping agrees with ours.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from autograder.common import (
    COURSE_ID,
    Settings,
    UsageError,
    atomic_write_json,
    atomic_write_text,
    read_json,
    replace_tree,
    sha256_files,
)

CONFIG_TEMPLATE = """\
# Written by the trainers' pipeline (autograder/course.py); edits are overwritten.
# It loads the course's own exercises/nbgrader_config.py (so checksums and stubs match the release) and
# then points nbgrader at this trainer course directory.
import os
from traitlets.config.loader import PyFileConfigLoader

c = get_config()  # noqa: F821
_exercise_config = {exercise_config!r}
if os.path.exists(_exercise_config):
    c.merge(PyFileConfigLoader(os.path.basename(_exercise_config), path=os.path.dirname(_exercise_config)).load_config())
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.db_url = {db_url!r}
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "nbgrader-feedback"
# Test cells a trainee deleted are put back and run (and the submission is flagged for a human look).
c.OverwriteCells.add_missing_cells = True
c.Execute.timeout = {cell_timeout!r}
c.Execute.interrupt_on_timeout = True
c.Autograde.create_student = True
"""


def parse_deadline(text: str, assignment: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"deadline of {assignment!r} is not an ISO 8601 time: {text!r}") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def write_config(course_dir: Path, exercises: Path, settings: Settings) -> Path:
    root = course_dir.resolve()
    text = CONFIG_TEMPLATE.format(
        exercise_config=str((exercises / "nbgrader_config.py").resolve()),
        root=str(root),
        course_id=COURSE_ID,
        db_url=db_url(root),
        cell_timeout=int(settings.cell_timeout),
    )
    path = root / "nbgrader_config.py"
    if not path.exists() or path.read_text() != text:
        atomic_write_text(path, text)
    return path


def load_config(course_dir: Path):
    """The traitlets Config of the course directory (as ``nbgrader`` run there would load it)."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(course_dir.resolve())).load_config()


def make_api(course_dir: Path):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = load_config(course_dir)
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    api.log.setLevel(logging.WARNING)
    return api


def prepare(
    course_dir: Path, exercises: Path, settings: Settings, assignments: list[str] | None = None
) -> list[str]:
    """Make ``course_dir`` ready for grading; return the assignments available there."""
    src_root = exercises / "source"
    if not src_root.is_dir():
        raise UsageError(
            f"no nbgrader sources in {src_root} (expected {src_root}/<assignment>/<assignment>.ipynb)"
        )
    available = sorted(p.name for p in src_root.iterdir() if p.is_dir() and list(p.glob("*.ipynb")))
    if assignments:
        unknown = sorted(set(assignments) - set(available))
        if unknown:
            raise UsageError(f"unknown assignment(s) {unknown}; available in {src_root}: {available}")
        wanted = sorted(assignments)
    else:
        wanted = available
    if not wanted:
        raise UsageError(f"no assignments with notebooks under {src_root}")
    # nbgrader runs the `alembic` command of its environment when it creates a gradebook
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    course_dir.mkdir(parents=True, exist_ok=True)
    (course_dir / ".autograder").mkdir(exist_ok=True)
    write_config(course_dir, exercises, settings)
    state_path = course_dir / ".autograder" / "sources.json"
    state = read_json(state_path, {}) or {}
    api = None
    for a in wanted:
        digest = sha256_files(
            [p for p in (src_root / a).rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts],
            extra=(exercises / "nbgrader_config.py").read_text()
            if (exercises / "nbgrader_config.py").exists()
            else "",
        )
        if state.get(a) == digest and (course_dir / "release" / a).is_dir():
            continue
        replace_tree(src_root / a, course_dir / "source" / a)
        api = api or make_api(course_dir)
        result = api.generate_assignment(a, force=True, create=True)
        if not result["success"]:
            raise UsageError(
                f"nbgrader generate_assignment {a} failed:\n{result.get('log')}\n{result.get('error')}"
            )
        state[a] = digest
        atomic_write_json(state_path, state)
    set_duedates(course_dir, settings, wanted)
    return wanted


def set_duedates(course_dir: Path, settings: Settings, assignments: list[str]) -> None:
    from nbgrader.api import Gradebook

    config = load_config(course_dir)
    with Gradebook(config.CourseDirectory.db_url, COURSE_ID) as gb:
        for a in assignments:
            if a in settings.deadlines:
                due = parse_deadline(settings.deadlines[a], a).replace(tzinfo=None)
                if gb.find_assignment(a).duedate != due:
                    gb.update_or_create_assignment(a, duedate=due)


def db_url(course_dir: Path) -> str:
    """The gradebook: ``CLUSTER_GRADEBOOK_URL`` when set (the hub's PostgreSQL), else SQLite in the course dir."""
    return (
        os.environ.get("CLUSTER_GRADEBOOK_URL")
        or f"sqlite:///{course_dir.resolve() / 'gradebook.db'}?timeout=120"
    )


def has_gradebook(course_dir: Path) -> bool:
    """True when the course has a gradebook to read: a database server named by ``CLUSTER_GRADEBOOK_URL`` (the
    hub's PostgreSQL; it answers or the read fails with its own message), else SQLite's ``gradebook.db``."""
    return not db_url(course_dir).startswith("sqlite:") or (course_dir / "gradebook.db").exists()
