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

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

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
    (wheel,) = next(iter(packs.values())).glob("clusterkit-*.whl")
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
        + [str(wheel)],
        check=True,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "course-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def trainee_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLUSTERKIT_", "JUPYTER", "PYTHON"))}
    env.update(HOME=str(home), MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


def test_each_pack_holds_the_wheel_the_notebook_and_three_lines(packs):
    for name, folder in packs.items():
        files = sorted(p.name for p in folder.iterdir())
        released = sorted(p.name for p in (EXERCISES / "release" / name).glob("*.ipynb"))
        assert files == sorted(["README.txt", *released, *[p.name for p in folder.glob("clusterkit-*.whl")]])
        readme = (folder / "README.txt").read_text().splitlines()
        assert len(readme) == 3 and "pip install clusterkit-" in readme[0] and released[0] in readme[1]
        for nb in released:
            assert (folder / nb).read_bytes() == (EXERCISES / "release" / name / nb).read_bytes()


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
    for folder in packs.values():
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
