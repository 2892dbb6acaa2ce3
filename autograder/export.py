"""Export the grades CSV: one row per trainee, a column per assignment (score minus late penalty), total, max.

Trainees come from the gradebook and the roster seen by ``import``; an assignment a trainee did not submit
scores 0. Written atomically to ``<course>/grades.csv`` (or ``--output``).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from autograder.common import (
    COURSE_ID,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_course_arguments,
    assignments_of,
    atomic_write_text,
    read_json,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument("--output", "-o", type=Path, help="CSV path (default: <course-dir>/grades.csv)")


def grade_table(course_dir: Path) -> tuple[list[str], list[dict], dict[str, float]]:
    """(assignments, rows, max score per assignment) from the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    from autograder.course import db_url

    assignments = assignments_of(course_dir)
    manifest = read_json(course_dir / "manifest.json", {}) or {}
    rows, maxima = [], {}
    with Gradebook(db_url(course_dir), COURSE_ID) as gb:
        known = [a for a in assignments if _exists(gb, a)]
        for a in known:
            maxima[a] = float(gb.find_assignment(a).max_score)
        students = sorted({s.id for s in gb.students} | set(manifest.get("roster", [])))
        for sid in students:
            row: dict = {"trainee": sid}
            total = 0.0
            for a in known:
                try:
                    sub = gb.find_submission(a, sid)
                    score = float(sub.score) - float(sub.late_submission_penalty or 0)
                except MissingEntry:
                    score = 0.0
                row[a] = round(score, 4)
                total += score
            row["total"] = round(total, 4)
            row["max_total"] = round(sum(maxima.values()), 4)
            rows.append(row)
    return known, rows, maxima


def _exists(gb, a: str) -> bool:
    from nbgrader.api import MissingEntry

    try:
        gb.find_assignment(a)
        return True
    except MissingEntry:
        return False


def export(course_dir: Path, output: Path | None = None) -> Path:
    assignments, rows, _ = grade_table(course_dir)
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=["trainee", *assignments, "total", "max_total"], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    out = output or course_dir / "grades.csv"
    atomic_write_text(out, buf.getvalue())
    return out


def run(args: argparse.Namespace) -> int:
    try:
        if not (args.course_dir / "gradebook.db").exists():
            raise UsageError(f"no gradebook in {args.course_dir}: run import and autograde first")
        out = export(args.course_dir, args.output)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"grades: {out}", file=sys.stderr)
    return EXIT_OK
