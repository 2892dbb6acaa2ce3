"""The whole grading run: import (SOURCE) or collect (--exchange), autograde, feedback, export, report.

Without SOURCE and with ``--exchange`` (``make grade`` passes ``CLUSTER_EXCHANGE``) the submissions are collected
from nbgrader's exchange and, after grading, the feedback pages are released back to it for the trainees'
Assignment List. Every step is safe to re-run: unchanged submissions are not graded again, files are replaced
atomically. Exit code 0 when the run completed: what needs a trainer's look (written answers awaiting manual grading,
late or renamed files, time-outs...) is listed on stderr and at the top of the report. 1 when the pipeline itself
could not grade a submission (listed as "grading failed"), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import autograde, exchange, export, feedback, importer, report, rubrics
from autograder.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_course_arguments,
    load_settings,
    pipeline_failures,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument("source", type=Path, nargs="?", help="submissions to import first: folder or LMS zip")
    parser.add_argument(
        "--roster", type=Path, help="CSV with an 'id' column (and optionally 'name', 'email')"
    )
    parser.add_argument("--assignment", "-a", action="append", help="only this assignment (repeatable)")
    parser.add_argument(
        "--deadline", action="append", metavar="ASSIGNMENT=ISO-TIME", help="deadline override"
    )
    parser.add_argument(
        "--exchange",
        type=Path,
        help="without SOURCE: collect from this nbgrader exchange and release the feedback to it",
    )
    autograde.add_limit_arguments(parser)


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(args.course_dir, args)
        sandbox = autograde.check_sandbox(args.no_sandbox)
        if args.source is not None:
            importer.import_submissions(
                args.course_dir, args.exercises, args.source, args.roster, settings, args.assignment
            )
        elif args.exchange is not None:
            exchange.collect(args.course_dir, args.exercises, args.exchange, settings, args.assignment)
        if not (args.course_dir / "submitted").is_dir():
            raise UsageError(f"nothing to grade in {args.course_dir}: give a SOURCE folder or zip to import")
        records = autograde.autograde_all(
            args.course_dir,
            args.exercises,
            settings,
            assignments=args.assignment,
            jobs=args.jobs,
            sandbox=sandbox,
            force=args.force,
            quiet=args.quiet,
        )
        rubrics.inject_course(args.course_dir, args.exercises, args.assignment)
        feedback.generate_feedback(args.course_dir, args.assignment, quiet=args.quiet)
        returned = []
        if args.source is None and args.exchange is not None:
            returned = exchange.release_feedback(args.course_dir, args.exchange, args.assignment)
        csv_path = export.export(args.course_dir)
        html_path = report.build_report(args.course_dir)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    look = report.needs_a_look(args.course_dir)
    for who, why in look:
        print(f"needs a look: {who}: {why}", file=sys.stderr)
    print(
        f"grades: {csv_path} (for Moodle: grades-moodle.csv, for Canvas: grades-canvas.csv)\n"
        f"report: {html_path}\nfeedback: {args.course_dir / 'feedback'}\n"
        "written answers: grade them in the formgrader (make formgrader), then run make grade again "
        "(nothing is regraded; feedback, grades and report are rebuilt)",
        file=sys.stderr,
    )
    if args.source is None and args.exchange is not None:
        print(
            f"feedback released to the exchange {args.exchange}: {len(returned)} submission(s)",
            file=sys.stderr,
        )
    if look:
        print(f"grading completed; {len(look)} item(s) above need a look", file=sys.stderr)
    failed = pipeline_failures(records)
    for f in failed:
        print(f"grading failed: {f}", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK
