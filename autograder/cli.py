"""Command line of the trainers' pipeline: ``python -m autograder --help``.

Exit codes: 0 the job completed (anything that needs a trainer's look, such as written answers awaiting manual
grading or a late submission, is listed on stderr and in the report), 1 the job itself failed (a submission the
pipeline could not grade, an unexpected error), 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from autograder.common import EXIT_FAILED

EXIT_CODES = """exit codes:
  0  the job completed; what needs a trainer's look is listed on stderr and in the report
  1  the job itself failed (a submission the pipeline could not grade, an unexpected error)
  2  bad usage or configuration"""

# subcommand name -> module in this package exposing add_arguments(parser) and run(args) -> int
JOBS = {
    "release": "autograder.release",
    "coursepack": "autograder.coursepack",
    "import": "autograder.importer",
    "autograde": "autograder.autograde",
    "feedback": "autograder.feedback",
    "export": "autograder.export",
    "report": "autograder.report",
    "grade": "autograder.grade",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description=__doc__.splitlines()[0],
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="job", required=True, metavar="JOB")
    for name, modname in JOBS.items():
        mod = importlib.import_module(modname)
        p = sub.add_parser(
            name,
            help=(mod.__doc__ or name).strip().splitlines()[0],
            description=mod.__doc__,
            epilog=EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except Exception:  # noqa: BLE001 - the job failed: say so with the traceback, exit 1 (not 2: usage was fine)
        traceback.print_exc()
        print(f"error: the {args.job} job failed (see the traceback above)", file=sys.stderr)
        return EXIT_FAILED
