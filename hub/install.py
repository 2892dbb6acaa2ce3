"""``python -m hub.install --prefix /opt/cluster-course``: the hub's installation, outside the checkout.

The hub's accounts (each trainee's server, the formgrader service and the grading service as the grader account)
run Python, the course's code and its configuration. They never read the checkout, which may lie under a folder
they cannot enter (a CI clone in a private temporary folder, a trainer's home). ``make hub-env`` installs
everything they read into ``PREFIX`` (world-readable):

* ``PREFIX/venv``: a virtual environment made from Debian's ``/usr/bin/python3`` with the pinned constraints, and
  ``clusterkit`` installed from a wheel of the checkout (with the case data: the course pack's wheel,
  :func:`autograder.coursepack.build_wheel`), not editable;
* ``PREFIX/app``: a copy of the hub's and the grading pipeline's code and the files they read (``hub/``,
  ``autograder/``, the exercises' sources, rubrics and nbgrader configuration), laid out as in the checkout, with
  configurable-http-proxy from npm (``PREFIX/app/hub/node_modules``); the venv imports it (a ``.pth`` file);
* ``PREFIX/manifest.json``: a hash of each part's inputs. A part is redone only when its inputs changed, compared
  by content: an edit of ``src/`` or ``hub/`` is noticed, and so is another checkout installed into the same prefix.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PREFIX = Path("/opt/cluster-course")
SYSTEM_PYTHON = "/usr/bin/python3"
# Debian's python is 3.11.2; soupsieve 4.x needs >= 3.11.5 (and, forced onto 3.11.2, fails to parse the CSS
# selectors nbconvert uses: the formgrader's grading page breaks; 3.0.x is yanked for that). The one pin that
# differs in the hub's environment:
HUB_PINS = {"soupsieve": "2.10"}
# jsonschema's optional IRI format checker (rfc3987-syntax) builds ~35 Earley parsers when imported: about 1 s of
# CPU in every user server start and every grading executor (jsonschema #1428, jupyter_server #1559); no Jupyter
# or nbformat schema uses the iri formats. The hub's environment goes without it.
HUB_WITHOUT = ["rfc3987-syntax"]
EXTRAS = "course,hub"

# What the hub's accounts read, relative to the checkout (and to PREFIX/app): folder -> glob patterns.
APP_FILES = {
    "hub": ["*.py", "package.json", "package-lock.json", "jupyter-trainee/**/*", "jupyter-trainee-data/**/*",
            "jupyter-formgrader/**/*"],
    "autograder": ["*.py", "templates/**/*"],
    "exercises": ["nbgrader_config.py", "source/**/*", "rubrics/**/*"],
}  # fmt: skip
SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", "node_modules", ".venv"}
# inputs of the clusterkit wheel (the course pack's wheel: package and case data)
WHEEL_INPUTS = {"src": ["clusterkit/**/*"], "cases": ["*/data/*"], ".": ["pyproject.toml", "README.md"]}
NPM_INPUTS = ["hub/package.json", "hub/package-lock.json"]


class InstallError(RuntimeError):
    """The hub cannot be installed there (the message says why)."""


def venv_dir(prefix: Path) -> Path:
    return prefix / "venv"


def app_dir(prefix: Path) -> Path:
    return prefix / "app"


def reachable_by_other_accounts(path: Path) -> bool:
    """True when every folder from / down to ``path`` lets other accounts through (o+x)."""
    path = path.resolve()
    return all(p.stat().st_mode & 0o001 for p in [path, *path.parents] if p.exists())


def _files(repo: Path, spec: dict[str, list[str]]) -> list[str]:
    out = set()
    for folder, patterns in spec.items():
        base = repo / folder
        for pattern in patterns:
            for p in base.glob(pattern):
                rel = p.relative_to(repo)
                if p.is_file() and not SKIP_PARTS.intersection(rel.parts) and not p.name.endswith(".pyc"):
                    out.add(rel.as_posix())
    return sorted(out)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _digest(repo: Path, names: list[str], extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for n in names:
        h.update(f"\0{n}\0{_sha(repo / n)}".encode())
    return h.hexdigest()


def wanted(repo: Path = REPO) -> dict:
    """The manifest an installation of this checkout has: the hash of each part's inputs, each app file's hash."""
    constraints = (repo / "requirements" / "constraints.txt").read_text()
    return {
        "venv": hashlib.sha256(
            (constraints + json.dumps([HUB_PINS, HUB_WITHOUT, EXTRAS, SYSTEM_PYTHON])).encode()
            + (repo / "pyproject.toml").read_bytes()
        ).hexdigest(),
        "clusterkit": _digest(repo, _files(repo, WHEEL_INPUTS)),
        "npm": _digest(repo, NPM_INPUTS),
        "app": {n: _sha(repo / n) for n in _files(repo, APP_FILES)},
    }


def installed(prefix: Path) -> dict:
    try:
        return json.loads((prefix / "manifest.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def stale(prefix: Path = DEFAULT_PREFIX, repo: Path = REPO) -> list[str]:
    """The parts of the installation in ``prefix`` that differ from this checkout (empty: up to date)."""
    want, have = wanted(repo), installed(prefix)
    if not (venv_dir(prefix) / "bin" / "jupyterhub-singleuser").exists():
        have = {}
    return [k for k in ("venv", "clusterkit", "app", "npm") if want[k] != have.get(k)]


def _run(argv: list[str], **kw) -> None:
    print("+ " + " ".join(argv), file=sys.stderr, flush=True)
    subprocess.run(argv, check=True, **kw)


def _pip(prefix: Path, *args: str) -> None:
    _run(
        [
            str(venv_dir(prefix) / "bin" / "python"),
            "-m",
            "pip",
            "--quiet",
            "--disable-pip-version-check",
            *args,
        ]
    )


def _constraints(prefix: Path, repo: Path) -> Path:
    lines = []
    for line in (repo / "requirements" / "constraints.txt").read_text().splitlines():
        name = line.split("==")[0].strip().lower()
        lines.append(f"{name}=={HUB_PINS[name]}" if name in HUB_PINS and "==" in line else line)
    path = venv_dir(prefix) / "constraints.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def sync_app(prefix: Path, repo: Path, files: dict[str, str]) -> int:
    """Copy the app files that differ into PREFIX/app and remove the ones no longer there; returns the count."""
    app = app_dir(prefix)
    changed = 0
    for name, sha in files.items():
        dest = app / name
        if dest.is_file() and _sha(dest) == sha:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.new")
        shutil.copyfile(repo / name, tmp)
        tmp.chmod(0o644)
        tmp.replace(dest)
        changed += 1
    for folder in APP_FILES:
        for p in sorted((app / folder).rglob("*"), reverse=True):
            rel = p.relative_to(app)
            if SKIP_PARTS.intersection(rel.parts) or p.name.endswith(".pyc"):
                continue
            if p.is_file() and rel.as_posix() not in files:
                p.unlink()
                changed += 1
            elif p.is_dir() and not any(p.iterdir()):
                p.rmdir()
    return changed


def _world_readable(root: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            if os.path.islink(p):
                continue
            mode = os.stat(p).st_mode
            want = mode | 0o444 | (0o111 if mode & 0o111 or os.path.isdir(p) else 0)
            if want != mode:
                os.chmod(p, want)


def _save_manifest(prefix: Path, have: dict) -> None:
    path = prefix / "manifest.json"
    tmp = path.with_name(".manifest.json.new")
    tmp.write_text(json.dumps(have, indent=1, sort_keys=True) + "\n")
    tmp.chmod(0o644)
    tmp.replace(path)


def install(prefix: Path = DEFAULT_PREFIX, repo: Path = REPO) -> list[str]:
    """Bring the installation in ``prefix`` up to date with the checkout ``repo``; returns the parts redone."""
    prefix = prefix.resolve()
    prefix.mkdir(parents=True, exist_ok=True)
    prefix.chmod(0o755)
    if not reachable_by_other_accounts(prefix):
        raise InstallError(
            f"{prefix} lies under a folder other accounts cannot enter; the hub's accounts run its environment: "
            "choose another HUB_PREFIX"
        )
    want, have = wanted(repo), installed(prefix)
    todo = stale(prefix, repo)
    if not todo:
        return []
    have = {k: v for k, v in have.items() if k not in todo}
    # written after each part that is done, without the parts to do: an interrupted run redoes only those
    _save_manifest(prefix, have)
    venv = venv_dir(prefix)
    if "venv" in todo or "clusterkit" in todo:
        from autograder.coursepack import build_wheel

        with tempfile.TemporaryDirectory(prefix="cluster-hub-wheel-") as tmp:
            wheel = build_wheel(Path(tmp), repo)
            fresh = not (venv / "bin" / "python").exists()
            if fresh:
                _run([SYSTEM_PYTHON, "-m", "venv", str(venv)])
            if "venv" in todo:
                cons = _constraints(prefix, repo)
                _pip(prefix, "install", "-c", str(cons), f"clusterkit[{EXTRAS}] @ {wheel.as_uri()}")
                _pip(prefix, "uninstall", "--yes", *HUB_WITHOUT)
            if not fresh:
                # the same version number as before: installed again from this wheel, dependencies untouched
                _pip(prefix, "install", "--no-deps", "--force-reinstall", str(wheel))
        site = Path(
            subprocess.run(
                [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                check=True, capture_output=True, text=True,
            ).stdout.strip()
        )  # fmt: skip
        (site / "cluster_course_app.pth").write_text(f"{app_dir(prefix)}\n")
        have.update(venv=want["venv"], clusterkit=want["clusterkit"])
        _save_manifest(prefix, have)
    if "app" in todo:
        n = sync_app(prefix, repo, want["app"])
        print(
            f"{n} file(s) of the hub's code and configuration updated in {app_dir(prefix)}", file=sys.stderr
        )
        # the hub's accounts cannot write __pycache__ there: compiled once here, not at every start of a service
        _run([str(venv / "bin" / "python"), "-m", "compileall", "-q", str(app_dir(prefix))])
        have["app"] = want["app"]
        _save_manifest(prefix, have)
    if "npm" in todo:  # package.json and its lock file are app files: copied above
        _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=app_dir(prefix) / "hub")
        have["npm"] = want["npm"]
    _world_readable(prefix)
    _save_manifest(prefix, have)
    return todo


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hub.install", description=__doc__.splitlines()[0])
    p.add_argument("--prefix", type=Path, default=DEFAULT_PREFIX, help=f"default {DEFAULT_PREFIX}")
    p.add_argument(
        "--check", action="store_true", help="only say which parts are out of date (exit 1 if any)"
    )
    args = p.parse_args(argv)
    if args.check:
        parts = stale(args.prefix)
        print(
            f"{args.prefix}: " + (f"out of date: {', '.join(parts)}" if parts else "up to date"),
            file=sys.stderr,
        )
        return 1 if parts else 0
    try:
        done = install(args.prefix)
    except InstallError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except PermissionError as exc:
        print(
            f"error: {exc}: the hub's installation needs root (or a HUB_PREFIX you may write)",
            file=sys.stderr,
        )
        return 2
    print(f"hub environment {args.prefix}: " + (f"updated ({', '.join(done)})" if done else "up to date"),
          file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
