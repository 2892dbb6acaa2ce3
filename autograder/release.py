"""Generate the student versions of the exercises, check them for leaks and zip them.

For each assignment under ``exercises/source/`` this runs nbgrader's ``generate_assignment`` (with the
course's ``exercises/nbgrader_config.py``, forced, so re-running is safe), then scans every released file
for solution text, hidden-test text and nbgrader's region markers. A leak fails the job loudly (exit code
1) and the leaking release folder is deleted so it cannot be handed out; otherwise the job writes
``exercises/release/<assignment>.zip``. With ``--exchange DIR`` (``make release`` passes ``CLUSTER_EXCHANGE``)
the clean releases are also handed to nbgrader's exchange with nbgrader's own ``release_assignment``, which
creates the exchange folders with their permissions; an assignment whose files there are already identical is
left alone, so trainees' fetch and submit state never churns.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import sys
import zipfile
from collections.abc import Iterable
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_COURSE = ROOT / "exercises"
CONFIG_NAME = "nbgrader_config.py"

# Text that must never reach a trainee.
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN MARK SCHEME")
_MARKER_RE = re.compile(r"^\s*(?:#+|<!--)?\s*(BEGIN|END) (SOLUTION|HIDDEN TESTS|MARK SCHEME)\b")
TEXT_SUFFIXES = {".ipynb", ".py", ".md", ".txt", ".csv", ".json", ".yml", ".yaml"}
# A fixed timestamp makes the zips byte-identical from one run to the next.
ZIP_DATE = (2024, 1, 1, 0, 0, 0)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the ``release`` job's options."""
    parser.add_argument("assignments", nargs="*", help="assignment names (folders of exercises/source/)")
    parser.add_argument("--all", action="store_true", help="release every assignment under source/")
    parser.add_argument(
        "--course-dir",
        type=Path,
        default=DEFAULT_COURSE,
        help="nbgrader course directory (default: exercises/)",
    )
    parser.add_argument("--no-zip", action="store_true", help="generate and verify, but write no zip")
    parser.add_argument(
        "--exchange",
        type=Path,
        help="also release to this nbgrader exchange folder (created when missing; make passes CLUSTER_EXCHANGE)",
    )


def list_assignments(course_dir: Path) -> list[str]:
    """Names of the source assignments: folders of ``source/`` holding a notebook of the same name."""
    src = Path(course_dir) / "source"
    return sorted(p.name for p in src.iterdir() if p.is_dir() and (p / f"{p.name}.ipynb").exists())


def _cell_lines(cell: dict) -> list[str]:
    src = cell.get("source", "")
    return ("".join(src) if isinstance(src, list) else src).splitlines()


def _norm(line: str) -> str:
    return " ".join(line.split())


def secret_lines(notebook: dict) -> set[str]:
    """Lines of a source notebook that only its solutions and hidden tests contain.

    Solution regions (``### BEGIN/END SOLUTION``), hidden-test regions and whole solution cells without
    markers (written answers) count as secret; a line that also appears outside those regions (say a
    ``load_case`` call the trainee is shown) does not. Lines shorter than six characters or without a
    letter or digit are ignored: they cannot identify a solution.
    """
    secret: set[str] = set()
    visible: set[str] = set()
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        lines = _cell_lines(cell)
        has_markers = any(_MARKER_RE.match(ln) for ln in lines)
        if meta.get("solution") and not has_markers:
            secret.update(_norm(ln) for ln in lines)
            continue
        region = None
        for ln in lines:
            m = _MARKER_RE.match(ln)
            if m:
                region = None if m.group(1) == "END" else m.group(2)
                continue
            (secret if region else visible).add(_norm(ln))
    return {ln for ln in secret - visible if len(ln) >= 6 and re.search(r"\w", ln)}


def _released_lines(path: Path) -> list[str]:
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        lines = [ln for cell in nb.get("cells", []) for ln in _cell_lines(cell)]
        for cell in nb.get("cells", []):
            for out in cell.get("outputs", []):
                lines.extend(json.dumps(out).split("\\n"))
        return lines
    return path.read_text(encoding="utf-8", errors="replace").splitlines()


def verify_release(source_dir: Path, release_dir: Path) -> list[str]:
    """Problems found in ``release_dir`` (empty when clean): leaked solution or hidden-test text, markers,
    outputs or a rubric. ``source_dir`` is the matching folder of ``source/``."""
    source_dir, release_dir = Path(source_dir), Path(release_dir)
    problems: list[str] = []
    if not release_dir.is_dir():
        return [f"{release_dir} was not generated"]
    secret: set[str] = set()
    for nb_path in sorted(source_dir.glob("*.ipynb")):
        secret |= secret_lines(json.loads(nb_path.read_text(encoding="utf-8")))
    released = sorted(p for p in release_dir.rglob("*") if p.is_file())
    if not any(p.suffix == ".ipynb" for p in released):
        problems.append(f"{release_dir} holds no notebook")
    for path in released:
        rel = path.relative_to(release_dir.parent)
        if path.name.upper().startswith("RUBRIC"):
            problems.append(f"{rel}: a rubric must not be released")
        if path.suffix not in TEXT_SUFFIXES:
            continue
        lines = _released_lines(path)
        for marker in MARKERS:
            if any(marker in ln for ln in lines):
                problems.append(f"{rel}: contains the nbgrader marker {marker!r}")
        leaked = sorted({_norm(ln) for ln in lines} & secret)
        for ln in leaked[:10]:
            problems.append(f"{rel}: contains solution or hidden-test text: {ln[:100]!r}")
        if len(leaked) > 10:
            problems.append(f"{rel}: ... and {len(leaked) - 10} more leaked line(s)")
        if path.suffix == ".ipynb":
            nb = json.loads(path.read_text(encoding="utf-8"))
            if any(cell.get("outputs") for cell in nb.get("cells", [])):
                problems.append(f"{rel}: has cell outputs (release notebooks must be clean)")
    return problems


def write_zip(release_dir: Path, zip_path: Path) -> Path:
    """Zip ``release_dir`` as ``<assignment>/...`` entries with fixed timestamps (reproducible bytes)."""
    release_dir = Path(release_dir)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in release_dir.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(str(path.relative_to(release_dir.parent)), date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
    return Path(zip_path)


def load_config(course_dir: Path):
    """The traitlets config of ``course_dir/nbgrader_config.py``."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader(CONFIG_NAME, path=str(course_dir)).load_config()


def ensure_venv_on_path() -> None:
    """nbgrader runs the ``alembic`` executable of its environment by name: put that environment's
    ``bin/`` first on ``PATH`` (a no-op under ``make``, which does the same)."""
    bindir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bindir:
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def generate(course_dir: Path, assignments: Iterable[str]) -> dict[str, str]:
    """Run nbgrader ``generate_assignment`` (forced) for each assignment; return ``{name: error}`` for
    the ones that failed (empty when all succeeded)."""
    ensure_venv_on_path()
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    course_dir = Path(course_dir).resolve()
    config = load_config(course_dir)
    config.CourseDirectory.root = str(course_dir)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    failures = {}
    for name in assignments:
        with redirect_stdout(io.StringIO()):
            result = api.generate_assignment(name, force=True, create=True)
        if not result.get("success"):
            failures[name] = (result.get("error") or "") + (result.get("log") or "")
    return failures


def _same_files(a: Path, b: Path) -> bool:
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    other = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file()) if b.is_dir() else None
    return files == other and all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def release_to_exchange(course_dir: Path, exchange: Path, assignments: Iterable[str]) -> dict[str, str]:
    """Hand ``<course>/release/<a>/`` to the nbgrader exchange at ``exchange`` (nbgrader's ``ReleaseAssignment``,
    forced when the released files changed); return ``{name: error}`` for the ones that failed."""
    ensure_venv_on_path()
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    course_dir, exchange = Path(course_dir).resolve(), Path(exchange).resolve()
    config = load_config(course_dir)
    config.CourseDirectory.root = str(course_dir)
    config.Exchange.root = str(exchange)
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    failures = {}
    for name in assignments:
        outbound = exchange / coursedir.course_id / "outbound" / name
        if _same_files(course_dir / "release" / name, outbound):
            continue
        coursedir.assignment_id = name
        app = api.exchange.ReleaseAssignment(coursedir=coursedir, authenticator=api.authenticator, parent=api)
        app.force = True
        result = capture_log(app)
        if not result.get("success"):
            failures[name] = (result.get("error") or "") + (result.get("log") or "")
    return failures


def run(args: argparse.Namespace) -> int:
    """Generate, verify and zip; 0 when every release is clean, 1 on a leak or nbgrader error, 2 on bad usage."""
    course_dir = Path(args.course_dir).resolve()
    if not (course_dir / CONFIG_NAME).exists():
        print(f"release: {course_dir / CONFIG_NAME} not found", file=sys.stderr)
        return 2
    known = list_assignments(course_dir)
    names = known if args.all else list(args.assignments)
    if not names:
        print("release: name one or more assignments, or pass --all", file=sys.stderr)
        return 2
    unknown = [n for n in names if n not in known]
    if unknown:
        print(f"release: unknown assignment(s) {unknown}; known: {known}", file=sys.stderr)
        return 2
    status = 0
    failures = generate(course_dir, names)
    release_root = course_dir / "release"
    for name in names:
        zip_path = release_root / f"{name}.zip"
        zip_path.unlink(missing_ok=True)
        if name in failures:
            print(f"release: nbgrader could not generate {name}:\n{failures[name]}", file=sys.stderr)
            status = 1
            continue
        problems = verify_release(course_dir / "source" / name, release_root / name)
        if problems:
            shutil.rmtree(release_root / name, ignore_errors=True)
            print(f"release: LEAK in {name}; its release folder was deleted:", file=sys.stderr)
            for p in problems:
                print(f"  - {p}", file=sys.stderr)
            status = 1
            continue
        if not args.no_zip:
            write_zip(release_root / name, zip_path)
        print(f"release: {name} ok" + ("" if args.no_zip else f" -> {zip_path.relative_to(course_dir)}"))
    clean = [n for n in names if (release_root / n).is_dir() and n not in failures]
    exchange = getattr(args, "exchange", None)
    if exchange is not None and clean:
        for name, error in release_to_exchange(course_dir, exchange, clean).items():
            print(f"release: nbgrader could not release {name} to {exchange}:\n{error}", file=sys.stderr)
            status = 1
        print(f"release: {len(clean)} assignment(s) in the exchange {exchange}")
    return status
