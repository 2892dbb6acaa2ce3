"""The hub's installation (``make hub-env``, hub/install.py) notices by content which of its parts a change of the
checkout touches, so that the hub's accounts never run stale code and nothing is reinstalled for nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hub import install

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def checkout(tmp_path):
    """A copy of the files the installation reads, and a prefix whose manifest says it holds exactly them."""
    repo = tmp_path / "repo"
    for name in ("src", "hub", "autograder", "exercises", "requirements"):
        shutil.copytree(
            ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__", ".venv", "node_modules")
        )
    for data in (ROOT / "cases").glob("*/data"):
        shutil.copytree(data, repo / "cases" / data.parent.name / "data")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, repo / name)
    prefix = tmp_path / "prefix"
    (prefix / "venv" / "bin").mkdir(parents=True)
    (prefix / "venv" / "bin" / "jupyterhub-singleuser").touch()
    (prefix / "manifest.json").write_text(json.dumps(install.wanted(repo)))
    return repo, prefix


def test_each_change_makes_only_its_part_stale(checkout):
    repo, prefix = checkout
    assert install.stale(prefix, repo) == []
    mapping = repo / "src" / "clusterkit" / "mapping.py"
    mapping.write_text(mapping.read_text() + "\n# changed\n")
    assert install.stale(prefix, repo) == ["clusterkit"]  # not editable: a change of src/ is a reinstall
    (prefix / "manifest.json").write_text(json.dumps(install.wanted(repo)))
    grading = repo / "hub" / "grading.py"
    grading.write_text(grading.read_text() + "\n# changed\n")
    (repo / "exercises" / "rubrics" / "new.md").write_text("# a rubric\n")
    assert install.stale(prefix, repo) == ["app"]
    lock = repo / "hub" / "package-lock.json"
    lock.write_text(lock.read_text() + "\n")
    assert install.stale(prefix, repo) == ["app", "npm"]
    constraints = repo / "requirements" / "constraints.txt"
    constraints.write_text(constraints.read_text() + "\n")
    assert install.stale(prefix, repo)[0] == "venv"
    (prefix / "venv" / "bin" / "jupyterhub-singleuser").unlink()
    assert install.stale(prefix, repo) == ["venv", "clusterkit", "app", "npm"]


def test_app_files_are_what_the_hub_accounts_read(checkout):
    repo, _ = checkout
    files = install.wanted(repo)["app"]
    for needed in ("hub/jupyterhub_config.py", "hub/grading.py", "hub/jupyter-trainee/jupyter_server_config.json",
                   "hub/jupyter-trainee-data/kernels/python3/kernel.json", "hub/package-lock.json",
                   "hub/jupyter-formgrader/jupyter_server_config.json", "autograder/_executor.py",
                   "autograder/templates/feedback/index.html.j2", "exercises/nbgrader_config.py"):  # fmt: skip
        assert needed in files
    assert any(f.startswith("exercises/source/") for f in files)
    assert any(f.startswith("exercises/rubrics/") for f in files)
    assert not any("__pycache__" in f or "node_modules" in f or f.startswith("src/") for f in files)


def test_a_prefix_other_accounts_cannot_enter_is_refused(tmp_path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    with pytest.raises(install.InstallError, match="other accounts cannot enter"):
        install.install(private / "hub", ROOT)
