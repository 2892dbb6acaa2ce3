"""Course packs: each exercise for a trainee's own Python, outside the course's JupyterLab.

``make coursepack`` builds one wheel of ``clusterkit`` that carries the case data packs as package data
(``clusterkit/cases/<case>/data/``, found by :func:`clusterkit.data.cases_root` when no checkout is around), then
one zip per assignment under ``exercises/release/coursepack/``: the wheel, the student files of the release
and a three-line ``README.txt`` (its install line adds the wheel's ``exercises`` extra: JupyterLab and
the libraries ex3 and ex6 need). The book's exercise pages offer these zips. Run ``make release`` first.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from autograder.release import DEFAULT_COURSE, ROOT, ZIP_DATE, list_assignments

PACK_DIR = "coursepack"
CASE_DATA_GLOBS = ["cases/*/data/*.csv", "cases/*/data/*.json", "cases/*/data/*.md"]


# The wheel's extra with what the exercises need beyond clusterkit's own dependencies (JupyterLab, networkx, SALib).
EXTRA = "exercises"


def instructions(wheel: str, notebooks: list[str]) -> str:
    """The pack's three lines of instructions; the first installs the wheel with its ``exercises`` extra."""
    return (
        f'1. With Python 3.10 or newer, in this folder run: python -m pip install "{wheel}[{EXTRA}]"\n'
        f"2. Start JupyterLab here with: python -m jupyterlab   and open {', '.join(notebooks)}\n"
        "3. Answer each question, run its check, save, and hand in the .ipynb file as your trainer asks.\n"
    )


def build_wheel(dest: Path, repo: Path = ROOT) -> Path:
    """Build the ``clusterkit`` wheel with every case's ``data/`` folder inside the package; return its path.

    The build runs in a staging copy (the repository's ``pyproject.toml`` with the case data added to the
    package data), with the environment's setuptools and no build isolation: nothing is downloaded.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="clusterkit-wheel-") as tmp:
        stage = Path(tmp)
        shutil.copytree(
            repo / "src" / "clusterkit",
            stage / "src" / "clusterkit",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        for data_dir in sorted((repo / "cases").glob("*/data")):
            shutil.copytree(data_dir, stage / "src" / "clusterkit" / "cases" / data_dir.parent.name / "data")
        pyproject = (repo / "pyproject.toml").read_text(encoding="utf-8")
        globs = ", ".join(f'"{g}"' for g in CASE_DATA_GLOBS)
        pyproject, n = re.subn(r"(\nclusterkit = \[)", rf"\1{globs}, ", pyproject, count=1)
        if n != 1:
            raise RuntimeError("pyproject.toml has no [tool.setuptools.package-data] clusterkit = [...] line")
        (stage / "pyproject.toml").write_text(pyproject, encoding="utf-8")
        shutil.copy(repo / "README.md", stage / "README.md")
        for old in dest.glob("clusterkit-*.whl"):
            old.unlink()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "-w",
                str(dest),
            ]
            + [str(stage)],
            check=True,
        )
    (wheel,) = dest.glob("clusterkit-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        if not any(n.startswith("clusterkit/cases/") and n.endswith("schema.json") for n in zf.namelist()):
            raise RuntimeError(f"{wheel.name} carries no case data")
    return wheel


def write_pack(zip_path: Path, wheel: Path, release_dir: Path) -> Path:
    """Zip the wheel, the release's files (notebooks and any data templates, e.g. ex7's ``data/``) and README.txt
    into ``zip_path`` (fixed timestamps)."""
    notebooks = sorted(p for p in release_dir.glob("*.ipynb"))
    files = sorted(p for p in release_dir.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts)
    entries = [(wheel.name, wheel.read_bytes())]
    entries += [(p.relative_to(release_dir).as_posix(), p.read_bytes()) for p in files]
    entries.append(("README.txt", instructions(wheel.name, [p.name for p in notebooks]).encode()))
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(f"{release_dir.name}/{name}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return zip_path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the ``coursepack`` job's options."""
    parser.add_argument(
        "--course-dir",
        type=Path,
        default=DEFAULT_COURSE,
        help="nbgrader course directory (default: exercises/)",
    )


def run(args: argparse.Namespace) -> int:
    """Build the wheel and one pack per released assignment; 0 on success, 2 when nothing is released."""
    course_dir = Path(args.course_dir).resolve()
    release = course_dir / "release"
    names = [n for n in list_assignments(course_dir) if (release / n).is_dir()]
    if not names:
        print(f"coursepack: no released assignments in {release}: run `make release` first", file=sys.stderr)
        return 2
    out = release / PACK_DIR
    wheel = build_wheel(out)
    for name in names:
        pack = write_pack(out / f"{name}.zip", wheel, release / name)
        print(f"coursepack: {pack.relative_to(course_dir)}")
    return 0
