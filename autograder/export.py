"""Export grades and feedback for a learning platform, for the assignments that have been graded.

Written atomically into the course directory (or ``--output-dir``):

* ``grades.csv``: one row per trainee, a column per graded assignment (score minus late penalty), ``total``,
  ``max_total`` and ``pending`` (points of written answers still awaiting manual grading);
* ``grades-moodle.csv``: Moodle's grade import layout (Grades ▸ Import ▸ CSV file), the same columns as Moodle's own
  "Plain text file" grade export: ``First name``, ``Last name``, ``ID number``, ``Email address`` (from the roster's
  ``idnumber`` and ``email`` columns), then one column per assignment named ``Assignment: <name> (Real)``. In the
  import form, map "Email address" (or "ID number") to the user and each assignment column to its grade item;
* ``grades-canvas.csv``: Canvas's Gradebook import layout (Grades ▸ Import): ``Student``, ``ID``, ``SIS User ID``,
  ``SIS Login ID``, ``Section``, then one column per assignment; the second row is ``Points Possible``. A column whose
  name Canvas does not know creates that assignment. Canvas matches trainees by ``SIS Login ID`` (their e-mail from
  the roster, else the trainee id) when ``ID`` is empty;
* ``feedback-moodle-<assignment>.zip`` (when the submissions came from a Moodle zip): every trainee's feedback page
  in a folder ``<Full Name>_<participant number>_assignsubmission_file_``, the layout Moodle's "Upload multiple
  feedback files in a zip" reads (the same names as its "Download all submissions"; Moodle splits the path at
  ``_`` into name, participant number, plugin type and plugin: mod/assign/feedback/file/importziplib.php).

An assignment counts as graded when the gradebook has at least one submission of it; a trainee with no submission of
a graded assignment scores 0 there.

A translated assignment (``<exercise>-tr``, the Turkish twin with the same questions and points) is graded on its own
in the gradebook and the report, but the learning platform sees one column per EXERCISE: the Turkish assignment's
score goes into its English twin's column (named after the English assignment), since a trainee works an exercise in
one language. A trainee who submitted both gets the score of the later submission, and the report lists it as needing
a look (:func:`both_languages`). The Moodle feedback zip of an exercise holds the page of the version that counts.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import zipfile
from pathlib import Path

from autograder.common import (
    COURSE_ID,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_course_arguments,
    assignments_of,
    atomic_write_bytes,
    atomic_write_text,
    exercise_of,
    read_json,
)
from autograder.course import has_gradebook

MOODLE_HEADER = ["First name", "Last name", "ID number", "Email address"]
CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument("--output-dir", "-o", type=Path, help="where to write (default: <course-dir>)")


def grade_table(course_dir: Path) -> tuple[list[str], list[dict], dict[str, float]]:
    """(graded assignments, rows, max score per assignment) from the gradebook.

    A row has ``trainee``, one score per assignment, ``total``, ``max_total`` and ``pending`` (the points of
    written answers still awaiting manual grading, counted 0 in the scores until graded)."""
    from nbgrader.api import Gradebook, MissingEntry

    from autograder.course import db_url

    manifest = read_json(course_dir / "manifest.json", {}) or {}
    rows, maxima = [], {}
    with Gradebook(db_url(course_dir), COURSE_ID) as gb:
        graded = [a for a in assignments_of(course_dir) if _has_submissions(gb, a)]
        for a in graded:
            maxima[a] = float(gb.find_assignment(a).max_score)
        students = sorted({s.id for s in gb.students} | set(manifest.get("roster", [])))
        for sid in students:
            row: dict = {"trainee": sid}
            total = pending = 0.0
            for a in graded:
                try:
                    sub = gb.find_submission(a, sid)
                    score = float(sub.score) - float(sub.late_submission_penalty or 0)
                    pending += sum(
                        float(g.max_score) for nb in sub.notebooks for g in nb.grades if g.needs_manual_grade
                    )
                except MissingEntry:
                    score = 0.0
                row[a] = round(score, 4)
                total += score
            row["total"] = round(total, 4)
            row["max_total"] = round(sum(maxima.values()), 4)
            row["pending"] = round(pending, 4)
            rows.append(row)
    return graded, rows, maxima


def submission_times(course_dir: Path, assignments: list[str]) -> dict[tuple[str, str], object]:
    """(assignment, trainee) -> the submission's timestamp (None when nbgrader has none) for every submission."""
    from nbgrader.api import Gradebook

    from autograder.course import db_url

    out: dict[tuple[str, str], object] = {}
    with Gradebook(db_url(course_dir), COURSE_ID) as gb:
        for a in assignments:
            for sub in gb.assignment_submissions(a):
                out[a, sub.student.id] = sub.timestamp
    return out


def _later(versions: list[str], sid: str, times: dict) -> str:
    """The version (assignment) of an exercise whose submission by ``sid`` is the latest."""
    import datetime

    earliest = datetime.datetime.min
    return max(versions, key=lambda a: (times.get((a, sid)) or earliest, a))


def exercise_table(
    course_dir: Path,
) -> tuple[list[str], list[dict], dict[str, float], dict[tuple[str, str], str]]:
    """The grade table per exercise for the learning platform: (exercises, rows, max per exercise, counted).

    A Turkish assignment counts in its English twin's column; ``counted`` maps (trainee, exercise) to the
    assignment whose score the row holds (the later submission when a trainee submitted both languages)."""
    assignments, rows, maxima = grade_table(course_dir)
    times = submission_times(course_dir, assignments)
    exercises = list(dict.fromkeys(exercise_of(a) for a in assignments))
    versions = {e: [a for a in assignments if exercise_of(a) == e] for e in exercises}
    ex_max = {e: max(maxima[a] for a in versions[e]) for e in exercises}
    counted: dict[tuple[str, str], str] = {}
    out = []
    for row in rows:
        sid = row["trainee"]
        new: dict = {"trainee": sid}
        for e in exercises:
            done = [a for a in versions[e] if (a, sid) in times]
            if done:
                counted[sid, e] = _later(done, sid, times)
            new[e] = row[counted[sid, e]] if done else 0.0
        new["total"] = round(sum(new[e] for e in exercises), 4)
        new["max_total"] = round(sum(ex_max.values()), 4)
        new["pending"] = row["pending"]
        out.append(new)
    return exercises, out, ex_max, counted


def both_languages(course_dir: Path) -> list[tuple[str, str]]:
    """(trainee/exercise, why) for every trainee who submitted an exercise in two languages."""
    assignments = grade_table(course_dir)[0]
    times = submission_times(course_dir, assignments)
    out = []
    for sid in sorted({s for _, s in times}):
        for e in dict.fromkeys(exercise_of(a) for a in assignments):
            done = [a for a in assignments if exercise_of(a) == e and (a, sid) in times]
            if len(done) > 1:
                out.append(
                    (
                        f"{sid}/{e}",
                        f"submitted in two languages ({', '.join(done)}): the later, "
                        f"{_later(done, sid, times)}, counts in the LMS export",
                    )
                )
    return out


def _has_submissions(gb, a: str) -> bool:
    from nbgrader.api import MissingEntry

    try:
        gb.find_assignment(a)
    except MissingEntry:
        return False
    return len(gb.assignment_submissions(a)) > 0


def split_name(full: str) -> tuple[str, str]:
    """(first name, last name): the last word is the last name (the usual order in Moodle's "Full name")."""
    words = full.split()
    if len(words) < 2:
        return full, ""
    return " ".join(words[:-1]), words[-1]


def _csv(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def moodle_csv(assignments: list[str], rows: list[dict], people: dict[str, dict]) -> str:
    """Moodle's grade import CSV (the layout of its own "Plain text file" grade export)."""
    out = []
    for row in rows:
        person = people.get(row["trainee"], {})
        first, last = split_name(person.get("name") or row["trainee"])
        idnumber, email = person.get("idnumber", ""), person.get("email", "")
        out.append([first, last, idnumber, email, *(row[a] for a in assignments)])
    return _csv([*MOODLE_HEADER, *(f"Assignment: {a} (Real)" for a in assignments)], out)


def canvas_csv(
    assignments: list[str], rows: list[dict], maxima: dict[str, float], people: dict[str, dict]
) -> str:
    """Canvas's Gradebook import CSV, with the "Points Possible" row."""
    out: list[list] = [["Points Possible", "", "", "", "", *(maxima[a] for a in assignments)]]
    for row in rows:
        person = people.get(row["trainee"], {})
        first, last = split_name(person.get("name") or row["trainee"])
        student = f"{last}, {first}" if last else first
        out.append(
            [student, "", "", person.get("email") or row["trainee"], "", *(row[a] for a in assignments)]
        )
    return _csv([*CANVAS_HEADER, *assignments], out)


def moodle_feedback_zip(
    course_dir: Path,
    assignment: str,
    people: dict[str, dict],
    counted: dict[tuple[str, str], str] | None = None,
) -> tuple[bytes, list[str]]:
    """(zip bytes, trainees left out) for Moodle's "Upload multiple feedback files in a zip".

    With ``counted`` (from :func:`exercise_table`), ``assignment`` is an exercise and each trainee's page is the
    one of the version that counts for them (English or Turkish)."""
    buf, missing = io.BytesIO(), []
    if counted is None:
        pages = sorted((course_dir / "feedback").glob(f"*/{assignment}/*.html"))
    else:
        pages = sorted(
            p
            for (sid, e), a in counted.items()
            if e == assignment
            for p in (course_dir / "feedback" / sid / a).glob("*.html")
        )
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for page in pages:
            sid = page.parts[-3]
            person = people.get(sid, {})
            if not person.get("moodle_participant"):
                missing.append(sid)
                continue
            folder = f"{person.get('name') or sid}_{person['moodle_participant']}_assignsubmission_file_"
            zf.write(page, f"{folder}/{page.name}")
    return buf.getvalue(), missing


def export(course_dir: Path, output_dir: Path | None = None) -> Path:
    """Write grades.csv, the Moodle and Canvas CSVs and the Moodle feedback zips; return grades.csv's path."""
    out_dir = output_dir or course_dir
    assignments, rows, maxima, counted = exercise_table(course_dir)
    people = (read_json(course_dir / "manifest.json", {}) or {}).get("people", {})
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=["trainee", *assignments, "total", "max_total", "pending"], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(out_dir / "grades.csv", buf.getvalue())
    atomic_write_text(out_dir / "grades-moodle.csv", moodle_csv(assignments, rows, people))
    atomic_write_text(out_dir / "grades-canvas.csv", canvas_csv(assignments, rows, maxima, people))
    for a in assignments:
        data, missing = moodle_feedback_zip(course_dir, a, people, counted)
        pages = [
            p
            for (sid, e), v in counted.items()
            if e == a
            for p in (course_dir / "feedback" / sid / v).glob("*.html")
        ]
        if len(missing) < len(pages):
            atomic_write_bytes(out_dir / f"feedback-moodle-{a}.zip", data)
    return out_dir / "grades.csv"


def run(args: argparse.Namespace) -> int:
    try:
        if not has_gradebook(args.course_dir):
            raise UsageError(f"no gradebook in {args.course_dir}: run import and autograde first")
        out = export(args.course_dir, args.output_dir)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"grades: {out} (also grades-moodle.csv, grades-canvas.csv beside it)", file=sys.stderr)
    return EXIT_OK
