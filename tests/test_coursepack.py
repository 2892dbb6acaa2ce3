"""The course pack runs on a trainee's own Python: the wheel carries the case data, the notebooks run.

The packs are built as ``make coursepack`` builds them (from the student release that ``make release`` writes).
A new venv, away from the checkout, gets the pack's wheel alone (``pip --python <venv> install --no-deps
--no-index``: nothing downloaded); its third-party dependencies (pandas, ipykernel, ...) come from the project's
environment through a ``.pth`` line, which adds that site-packages folder but not its editable ``clusterkit``
(``.pth`` files inside an added folder are not processed). So ``import clusterkit`` can only find the wheel's
copy, and ``load_case`` only the data inside it. Each student notebook then runs top to bottom in that venv's
kernel and may fail only where the trainee has work to do (``NotImplementedError`` and the checks' ``Unanswered``).
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import sysconfig
import venv
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import nbformat
import pytest

from autograder.coursepack import build_wheel, write_pack
from autograder.release import list_assignments

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("coursepack")]

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
TODO = {"NotImplementedError", "Unanswered"}

RUN_NOTEBOOK = """
import json, sys
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
               resources={"metadata": {"path": sys.argv[2]}}).execute()
errors = [(i, o.ename, str(o.evalue)[:200]) for i, c in enumerate(nb.cells) if c.cell_type == "code"
          for o in c.outputs if o.output_type == "error"]
print(json.dumps({"errors": errors, "cells": sum(c.cell_type == "code" for c in nb.cells)}))
"""


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("coursepack")
    names = [n for n in list_assignments(EXERCISES) if (EXERCISES / "release" / n).is_dir()]
    assert names, "no student release: run `make release`"
    wheel = build_wheel(base / "dist")
    out = {}
    for name in names:
        pack = write_pack(base / f"{name}.zip", wheel, EXERCISES / "release" / name)
        with zipfile.ZipFile(pack) as zf:
            zf.extractall(base / "unpacked")
        out[name] = base / "unpacked" / name
    return out


@pytest.fixture(scope="module")
def trainee_python(packs, tmp_path_factory) -> Path:
    """A new venv with the pack's wheel as its only clusterkit."""
    target = tmp_path_factory.mktemp("trainee-venv") / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    folder = next(iter(packs.values()))
    wheel_arg, _ = _install_argument(
        folder
    )  # the README's own argument, extra included, in the pack's folder
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
        ]
        + [wheel_arg],
        check=True,
        cwd=folder,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "course-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def _install_argument(folder: Path) -> tuple[str, str]:
    """The quoted ``"<wheel>[<extra>]"`` argument of README.txt's pip line, and the extra's name."""
    line = (folder / "README.txt").read_text().splitlines()[0]
    m = re.search(r'pip install "(clusterkit-[^"\[]+\.whl)\[(\w+)\]"', line)
    assert m, f"README.txt's first line installs no clusterkit wheel with an extra: {line}"
    assert (folder / m.group(1)).is_file(), f"{m.group(1)} is not in the pack"
    return m.group(0).split(" ", 2)[2].strip('"'), m.group(2)


def _top_modules(source: str) -> set[str]:
    tree = ast.parse("\n".join(x for x in source.splitlines() if not x.lstrip().startswith(("%", "!"))))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _dist(name: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\s;<>=!~\[(]", name.strip(), maxsplit=1)[0]).lower()


def test_the_install_line_installs_what_every_notebook_and_clusterkit_import(packs):
    """README.txt's pip line installs the wheel with an extra; the wheel's requirements and that extra cover every
    third-party module the pack's notebooks and the wheel's own modules import (SALib for ex3, networkx for ex6)
    and JupyterLab, which the second line starts."""
    provided = packages_distributions()
    for name, folder in packs.items():
        _, extra = _install_argument(folder)
        (wheel,) = folder.glob("clusterkit-*.whl")
        with zipfile.ZipFile(wheel) as zf:
            meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
            requires = [
                line.split(":", 1)[1]
                for line in zf.read(meta).decode().splitlines()
                if line.startswith("Requires-Dist:")
            ]
            modules = set().union(
                *(_top_modules(zf.read(n).decode()) for n in zf.namelist() if n.endswith(".py"))
            )
        installed = {
            _dist(r) for r in requires if "extra ==" not in r or re.search(rf"extra == ['\"]{extra}['\"]", r)
        }
        assert "jupyterlab" in installed, f"{name}: the install line does not install JupyterLab"
        for nb in folder.glob("*.ipynb"):
            cells = nbformat.read(nb, as_version=4).cells
            modules |= set().union(*(_top_modules(c.source) for c in cells if c.cell_type == "code"))
        third_party = sorted(modules - set(sys.stdlib_module_names) - {"clusterkit", "__future__"})
        assert {"SALib", "networkx", "pandas"} <= set(third_party), (
            third_party
        )  # the scan sees the lazy imports
        missing = [m for m in third_party if not {_dist(d) for d in provided.get(m, [m])} & installed]
        assert not missing, f"{name}: README.txt's install line does not install {missing}"


def trainee_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLUSTERKIT_", "JUPYTER", "PYTHON"))}
    env.update(HOME=str(home), MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


def test_each_pack_holds_the_wheel_the_notebook_and_three_lines(packs):
    for name, folder in packs.items():
        release = EXERCISES / "release" / name
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        released = sorted(p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file())
        assert files == sorted(["README.txt", *released, *[p.name for p in folder.glob("clusterkit-*.whl")]])
        notebooks = sorted(p.name for p in release.glob("*.ipynb"))
        readme = (folder / "README.txt").read_text().splitlines()
        assert len(readme) == 3 and 'pip install "clusterkit-' in readme[0] and notebooks[0] in readme[1]
        for rel in released:  # notebooks and data templates (ex7's data/), byte for byte
            assert (folder / rel).read_bytes() == (release / rel).read_bytes()


def test_the_installed_wheel_finds_its_case_data_without_the_checkout(trainee_python, tmp_path):
    probe = (
        "import json, clusterkit, clusterkit.data as d; "
        "print(json.dumps([clusterkit.__file__, str(d.cases_root()), d.list_cases(), "
        "len(d.load_case('izmir-clean-energy')['value_chain'])]))"
    )
    res = subprocess.run(
        [str(trainee_python), "-c", probe],
        cwd=tmp_path,
        env=trainee_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    module, cases, names, stages = json.loads(res.stdout)
    venv_root = trainee_python.parent.parent
    assert Path(module).is_relative_to(venv_root), module
    assert Path(cases).is_relative_to(venv_root) and Path(cases).parent.name == "clusterkit", cases
    assert sorted(names) == sorted(p.parent.parent.name for p in (ROOT / "cases").glob("*/data/schema.json"))
    assert stages == 10


def test_each_student_notebook_runs_top_to_bottom_with_only_the_trainees_work_missing(
    packs, trainee_python, tmp_path
):
    # the Turkish twins differ from their English assignments in text only: one of them stands for all
    run = {n: f for n, f in packs.items() if not n.endswith("-tr") or n == "ex2-clean-energy-value-chain-tr"}
    assert len(run) < len(packs) or not any(n.endswith("-tr") for n in packs)
    for folder in run.values():
        for nb in sorted(folder.glob("*.ipynb")):
            res = subprocess.run(
                [str(trainee_python), "-c", RUN_NOTEBOOK, str(nb), str(folder)],
                cwd=folder,
                env=trainee_env(tmp_path),
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert res.returncode == 0, res.stderr[-3000:]
            report = json.loads(res.stdout.strip().splitlines()[-1])
            enames = {e[1] for e in report["errors"]}
            assert report["errors"], f"{nb.name}: the blank notebook raised nothing"
            assert enames <= TODO, f"{nb.name}: other errors than the trainee's work: {report['errors']}"
