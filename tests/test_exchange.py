"""``make release``'s second half: the student release handed to nbgrader's exchange with nbgrader's permissions,
and re-releasing unchanged files leaves the exchange alone (trainees' fetches stay valid)."""

from __future__ import annotations

import argparse
import shutil
import stat
from pathlib import Path

import pytest

from autograder import release

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("exchange")]

COURSE = Path(__file__).resolve().parents[1] / "exercises"
NAME = "ex2-clean-energy-value-chain"


def test_release_hands_the_clean_release_to_the_exchange_once(tmp_path):
    course, exchange = tmp_path / "course", tmp_path / "exchange"
    course.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(COURSE / "source" / NAME, course / "source" / NAME)
    args = argparse.Namespace(
        assignments=[NAME], all=False, course_dir=course, no_zip=True, exchange=exchange
    )
    assert release.run(args) == 0
    outbound = exchange / "cluster-excellence" / "outbound" / NAME
    released = course / "release" / NAME / f"{NAME}.ipynb"
    assert (outbound / f"{NAME}.ipynb").read_bytes() == released.read_bytes()
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(exchange) == 0o777  # nbgrader's ensure_root: everyone may reach the course folders
    assert mode(exchange / "cluster-excellence" / "inbound") == 0o2733  # trainees submit, cannot list
    assert mode(outbound) == 0o755 and mode(outbound / f"{NAME}.ipynb") == 0o644
    stamp = (outbound / f"{NAME}.ipynb").stat().st_mtime_ns
    assert release.run(args) == 0  # unchanged: not released again
    assert (outbound / f"{NAME}.ipynb").stat().st_mtime_ns == stamp
