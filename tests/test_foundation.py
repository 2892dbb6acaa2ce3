"""The repository as a newcomer meets it: layout, package import, pinned environment, make targets."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import clusterkit
from clusterkit import _validation

ROOT = Path(__file__).resolve().parents[1]


def test_version_is_the_pyproject_version():
    text = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^version = "([^"]+)"', text, re.M).group(1) == clusterkit.__version__


@pytest.mark.parametrize(
    "path",
    [
        "book",
        "cases",
        "notebooks",
        "exercises",
        "autograder",
        "tests",
        "bench",
        "src/clusterkit",
        "_config.yml",
        "_toc.yml",
        "Makefile",
        "pyproject.toml",
        "README.md",
        ".ci/run",
        "LICENSE",
        "LICENSE-CONTENT.md",
        "requirements/constraints.txt",
    ],
)
def test_top_level_layout(path):
    assert (ROOT / path).exists(), f"{path} is part of the documented layout"


def test_every_installed_distribution_is_pinned():
    """The constraints file pins every package the venv holds, at the version installed."""
    pins = {}
    for line in (ROOT / "requirements/constraints.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraint {line!r} is not an exact pin"
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    from importlib.metadata import distributions

    unpinned = []
    for dist in distributions():
        name = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
        if name in {"clusterkit", "pip", "setuptools", "wheel"}:
            continue
        if pins.get(name) != dist.version:
            unpinned.append(f"{name}=={dist.version} (pinned: {pins.get(name)})")
    assert not unpinned, f"installed but not pinned at that version: {unpinned}"


def test_make_help_lists_every_documented_target():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for target in ["book", "test", "lab", "release", "grade", "bench", "clean"]:
        assert re.search(rf"make {target}\b", out), f"make help does not list {target}"


def test_ci_runs_make_test_and_nothing_else():
    lines = [ln for ln in (ROOT / ".ci/run").read_text().splitlines() if ln and not ln.startswith("#")]
    assert lines[-1].strip() == "make test"


def test_import_in_a_clean_interpreter():
    out = subprocess.run(
        [sys.executable, "-c", "import clusterkit; print(clusterkit.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == clusterkit.__version__


def test_require_columns_names_the_missing_column():
    import pandas as pd

    with pytest.raises(KeyError, match="employment"):
        _validation.require_columns(pd.DataFrame({"region": []}), ["region", "employment"])


def test_require_finite_nonnegative_names_the_offender():
    import pandas as pd

    s = pd.Series([1.0, -2.0], index=["Izmir", "Manisa"])
    with pytest.raises(ValueError, match="Manisa"):
        _validation.require_finite_nonnegative(s, name="employment")
