"""Command line of the trainers' pipeline: ``python -m autograder --help``.

Exit codes: 0 success, 1 the job ran but some items need a trainer's attention (listed on stderr),
2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import importlib

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
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="job", required=True, metavar="JOB")
    for name, modname in JOBS.items():
        mod = importlib.import_module(modname)
        p = sub.add_parser(name, help=(mod.__doc__ or name).strip().splitlines()[0], description=mod.__doc__)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args._run(args) or 0)
