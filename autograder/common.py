"""Shared plumbing of the grading jobs: the trainer course directory, its settings, atomic writes, progress.

The course directory (``autograder/work/`` unless ``--course-dir`` says otherwise) is an nbgrader course
directory owned by the pipeline::

    <course>/nbgrader_config.py   written by the pipeline (merges exercises/nbgrader_config.py)
    <course>/grading.toml         optional trainer settings: deadlines, limits, feedback (see README.md)
    <course>/gradebook.db         nbgrader's gradebook
    <course>/source/<a>/          copied from exercises/source/<a>/
    <course>/release/<a>/         nbgrader generate_assignment output (fills the gradebook)
    <course>/submitted/<id>/<a>/  written by ``import``
    <course>/autograded/<id>/<a>/ written by ``autograde`` (plus .autograder/result.json per submission)
    <course>/feedback/<id>/<a>/   written by ``feedback`` (our own HTML, no hidden tests)
    <course>/manifest.json        written by ``import``
    <course>/grades.csv, grades-moodle.csv, grades-canvas.csv, feedback-moodle-<a>.zip   written by ``export``
    <course>/report.html, report-<a>.html                                                   written by ``report``
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

REPO = Path(__file__).resolve().parents[1]
# AUTOGRADER_COURSE_DIR moves the trainer course directory (e.g. `make grade AUTOGRADER_COURSE_DIR=/srv/course`);
# `make formgrader` reads the same variable, so both look at one gradebook.
DEFAULT_COURSE_DIR = Path(os.environ.get("AUTOGRADER_COURSE_DIR") or REPO / "autograder" / "work")
DEFAULT_EXERCISES = REPO / "exercises"
COURSE_ID = "cluster-excellence"

# Exit codes of every job: 0 the job completed (what needs a trainer's look is listed on stderr and in the report),
# 1 the job itself failed (a submission could not be graded by the pipeline, an unexpected error), 2 bad usage.
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

# flags written when the pipeline (not the trainee's notebook) failed on a submission
PIPELINE_FAILURES = ("autograder crashed", "worker died", "nbgrader autograde failed", "verification failed")


def pipeline_failures(records: Iterable[dict]) -> list[str]:
    """``trainee/assignment: flag`` for every submission the pipeline itself failed to grade."""
    return [
        f"{r.get('student')}/{r.get('assignment')}: {f}"
        for r in records
        for f in r.get("flags", [])
        if f.startswith(PIPELINE_FAILURES)
    ]


class UsageError(Exception):
    """Bad usage or configuration: the CLI prints it and exits with code 2."""


@dataclass
class Settings:
    """Trainer settings, from ``<course>/grading.toml`` overridden by command-line options."""

    deadlines: dict[str, str] = field(default_factory=dict)  # assignment -> ISO 8601 time (UTC if naive)
    cell_timeout: int = 60  # seconds per cell (nbgrader's Execute.timeout)
    notebook_timeout: int = 600  # seconds of wall time per notebook
    memory_mb: int = 2048  # address-space limit of the trainee's kernel
    max_output_chars: int = 20000  # per cell, kept while executing (nbgrader's LimitOutput trims further)
    # assignment -> show the plain-words messages of failed hidden checks in feedback ([feedback.<a>] check_messages)
    check_messages: dict[str, bool] = field(default_factory=dict)


def add_course_arguments(parser: argparse.ArgumentParser) -> None:
    """Options every job shares."""
    parser.add_argument(
        "--course-dir",
        type=Path,
        default=DEFAULT_COURSE_DIR,
        help="trainer course directory (default: $AUTOGRADER_COURSE_DIR, else autograder/work)",
    )
    parser.add_argument(
        "--exercises",
        type=Path,
        default=DEFAULT_EXERCISES,
        help="nbgrader course with the source notebooks (default: exercises/)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress line on stderr")


def load_settings(course_dir: Path, args: argparse.Namespace | None = None) -> Settings:
    """Read ``grading.toml`` (if present) and apply command-line overrides."""
    s = Settings()
    path = course_dir / "grading.toml"
    if path.exists():
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{path}: {exc}") from exc
        s.deadlines = {str(k): str(v) for k, v in data.get("deadlines", {}).items()}
        for key in ("cell_timeout", "notebook_timeout", "memory_mb", "max_output_chars"):
            if key in data.get("limits", {}):
                setattr(s, key, int(data["limits"][key]))
        for name, table in data.get("feedback", {}).items():
            if not isinstance(table, dict) or not isinstance(table.get("check_messages", True), bool):
                raise UsageError(f"{path}: [feedback.{name}] check_messages must be true or false")
            s.check_messages[str(name)] = table.get("check_messages", True)
    for key in ("cell_timeout", "notebook_timeout", "memory_mb"):
        value = getattr(args, key, None) if args is not None else None
        if value is not None:
            setattr(s, key, int(value))
    for item in getattr(args, "deadline", None) or []:
        name, sep, when = item.partition("=")
        if not sep:
            raise UsageError(f"--deadline expects ASSIGNMENT=ISO-TIME, got {item!r}")
        s.deadlines[name] = when
    return s


def notebook_language(nb) -> str:
    """The trainee's language of an exercise notebook: its metadata ``clusterkit.language`` (a Turkish assignment
    says ``"tr"``; exercises/authoring/build.py), English when absent or not a language clusterkit speaks."""
    from clusterkit.i18n import LANGUAGES

    meta = (nb.get("metadata") or {}).get("clusterkit") or {}
    lang = str(meta.get("language") or "en") if isinstance(meta, dict) else "en"
    return lang if lang in LANGUAGES else "en"


@contextlib.contextmanager
def language(lang: str) -> Iterator[None]:
    """clusterkit's messages (checks, feedback, report) in ``lang`` inside the block; back to the default after."""
    from clusterkit import i18n

    _LANGUAGES.append(lang)
    i18n.set_language(lang)
    try:
        yield
    finally:
        _LANGUAGES.pop()
        i18n.set_language(_LANGUAGES[-1] if _LANGUAGES else None)


_LANGUAGES: list[str] = []  # the languages of the enclosing language() blocks, innermost last


#: The English twin of a translated assignment: ``ex2-clean-energy-value-chain-tr`` -> ``ex2-clean-energy-value-chain``.
TRANSLATED = re.compile(r"^(?P<base>.+)-(?P<lang>tr)$")


def exercise_of(assignment: str) -> str:
    """The exercise an assignment is a version of: its English twin's name (the name itself for English)."""
    m = TRANSLATED.match(assignment)
    return m.group("base") if m else assignment


def question_label(grade_id: str) -> str:
    """A short label for a graded cell: ``check_q1_value_added`` -> ``Q1 value added``, ``w1_interpretation`` ->
    ``W1 interpretation``; other ids with underscores as spaces."""
    name = re.sub(r"^(check|test)_", "", grade_id)
    m = re.match(r"^([a-zA-Z])(\d+)(?:_(.*))?$", name)
    if m:
        return f"{m.group(1).upper()}{m.group(2)} {(m.group(3) or '').replace('_', ' ')}".strip()
    return name.replace("_", " ")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, obj: object) -> None:
    atomic_write_text(path, json.dumps(obj, indent=1, sort_keys=True, default=str) + "\n")


def read_json(path: Path, default: object = None) -> object:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return default


def sha256_files(paths: Iterable[Path], extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for p in sorted(paths):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def replace_tree(src: Path, dest: Path) -> None:
    """Copy directory ``src`` to ``dest`` atomically enough: copy aside, then swap."""
    tmp = dest.with_name(f".{dest.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp)
    old = dest.with_name(f".{dest.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        dest.rename(old)
    tmp.rename(dest)
    shutil.rmtree(old, ignore_errors=True)


class Progress:
    """A one-line progress indicator on stderr (tqdm is not required)."""

    def __init__(self, label: str, total: int, quiet: bool = False) -> None:
        self.label, self.total, self.done = label, total, 0
        self.quiet = quiet or total == 0
        self.start = time.monotonic()
        self.tty = sys.stderr.isatty()

    def step(self, note: str = "") -> None:
        self.done += 1
        if self.quiet:
            return
        elapsed = time.monotonic() - self.start
        eta = elapsed / self.done * (self.total - self.done)
        width = 24
        filled = int(width * self.done / self.total)
        line = (
            f"[{self.label}] |{'#' * filled}{'.' * (width - filled)}| {self.done}/{self.total} "
            f"{elapsed:5.0f}s eta {eta:4.0f}s {note[:40]}"
        )
        if self.tty:
            sys.stderr.write("\r" + line.ljust(100) + ("\n" if self.done == self.total else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


def iter_students(course_dir: Path) -> Iterator[str]:
    sub = course_dir / "submitted"
    if sub.is_dir():
        yield from sorted(p.name for p in sub.iterdir() if p.is_dir() and not p.name.startswith("."))


def assignments_of(course_dir: Path) -> list[str]:
    src = course_dir / "source"
    if not src.is_dir():
        return []
    return sorted(p.name for p in src.iterdir() if p.is_dir() and not p.name.startswith("."))
