"""The pieces of out-of-kernel checking that need no kernel: hidden parts removed, set-up slice, answer values
as data (round trip, a lying DataFrame subclass, oversized and malformed files), and the release as reference."""

from __future__ import annotations

import json
import os

import nbformat
import numpy as np
import pandas as pd
import pytest

from autograder import checks, cohort
from autograder.repair import repair

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EX2 = os.path.join(
    ROOT, "exercises", "source", "ex2-clean-energy-value-chain", "ex2-clean-energy-value-chain.ipynb"
)


def _extract(namespace: dict, names: list[str], tmp_path, limit: int = checks.MAX_ANSWER_BYTES) -> dict:
    """Run the kernel-side extraction code in a stand-in namespace, read the file back as the grader does."""

    class Shell:
        user_ns = namespace

    path = tmp_path / checks.ANSWERS_DIR / "7.json"
    exec(checks.extract_code(names, str(path), limit), {"get_ipython": lambda: Shell})  # noqa: S102
    files = checks.read_answers(tmp_path, limit)
    return checks.load_answers(files["7"]) if "7" in files else {}


def test_hidden_blocks_never_reach_the_kernel_and_run_in_order_outside():
    src = 'g.expect(x)\nprint("form ok")\n### BEGIN HIDDEN TESTS\nassert x == 2, "secret"\n### END HIDDEN TESTS\n'
    assert "secret" not in checks.visible_part(src) and 'print("form ok")' in checks.visible_part(src)
    assert [h for _, h in checks.segments(src)] == [False, True]
    result = checks.run_check([], src.replace("g.expect(x)\n", ""), {"x": 3})
    assert (result.status, result.message, result.stdout) == ("fail", checks.HIDDEN_FAILED, "form ok\n")
    assert checks.run_check([], src.replace("g.expect(x)\n", ""), {"x": 2}).status == "pass"


def test_setup_slice_keeps_what_the_checks_need():
    source = nbformat.read(EX2, as_version=4)
    setup = checks.setup_cells(source)
    assert any("load_case" in code for code in setup) and any("SECTORS" in code for code in setup)
    assert not any("stages[[" in code for code in setup)  # a display-only cell no check needs
    assert checks.answer_names(source)[0] == "q1_value_added"


def test_answer_values_round_trip_as_plain_data(tmp_path):
    class Liar(pd.DataFrame):
        def __eq__(self, other):
            return True

        def equals(self, other):
            return True

    frame = pd.DataFrame({"a": [1.5, np.nan], "b": ["x", "y"]}, index=pd.Index(["r1", "r2"], name="stage"))
    series = pd.Series(
        [1, 2], index=pd.MultiIndex.from_tuples([("A", 1), ("B", 2)], names=["k", "n"]), name="s"
    )
    ns = {
        "f": frame,
        "s": series,
        "n": np.float64(0.1) + 0.2,
        "l": ["a", 1, (2, 3), {"k": None}],
        "liar": Liar(frame),
        "fn": lambda: 1,
        "arr": np.arange(6).reshape(2, 3),
    }
    got = _extract(ns, ["f", "s", "n", "l", "liar", "fn", "arr", "missing"], tmp_path)
    pd.testing.assert_frame_equal(got["f"], frame)
    pd.testing.assert_series_equal(got["s"], series)
    assert got["n"] == 0.1 + 0.2 and got["l"] == ["a", 1, (2, 3), {"k": None}]
    assert type(got["liar"]) is pd.DataFrame and not got["liar"].equals(frame * 3)
    assert isinstance(got["fn"], checks.Unsupported) and "missing" not in got
    np.testing.assert_array_equal(got["arr"], ns["arr"])


def test_oversized_links_and_malformed_answer_files_are_not_read(tmp_path):
    assert _extract({"big": "x" * 5000}, ["big"], tmp_path, limit=1000) == {}
    folder = tmp_path / checks.ANSWERS_DIR
    (folder / "8.json").symlink_to("/etc/hostname")
    (folder / "9.json").write_text('{"q": {"$frame": 1}}')
    files = checks.read_answers(tmp_path)
    assert "8" not in files
    assert isinstance(checks.load_answers(files["9"])["q"], checks.Unsupported)
    assert checks.load_answers("[" * 100000) == {}


def test_the_release_is_the_reference_for_metadata_order_and_deleted_cells():
    release = cohort.fixture_notebook()
    for i, cell in enumerate(release.cells):
        cell["id"] = f"cell-{i}"
    sub = nbformat.from_dict(json.loads(json.dumps(release)))
    sub.cells[2].source = "share = {'a': 0.25}"
    sub.cells[3].metadata.nbgrader["grade_id"] = "renamed"
    sub.cells[4].metadata.nbgrader["points"] = 50
    sub.cells[5].cell_type = "markdown"
    added = nbformat.v4.new_code_cell("print('mine')")  # claims an answer's grade id a second time
    added.metadata["nbgrader"] = {"grade": False, "grade_id": "share", "solution": True}
    sub.cells = [sub.cells[0], sub.cells[1], sub.cells[2], sub.cells[4], sub.cells[3], added, sub.cells[5]]
    fixed, tampered = repair(sub, release)  # test_lq deleted, two checks swapped, a cell added
    ids = [c.get("id") for c in fixed.cells]
    assert ids[:4] + ids[5:] == [f"cell-{i}" for i in range(7)] and ids[4] == added["id"]
    assert fixed.cells[2].source == "share = {'a': 0.25}"
    kept = fixed.cells[:4] + fixed.cells[5:]
    assert [c.metadata.get("nbgrader") for c in kept] == [c.metadata.get("nbgrader") for c in release.cells]
    assert [c.cell_type for c in kept] == [c.cell_type for c in release.cells]
    assert "nbgrader" not in fixed.cells[4].metadata and fixed.cells[7].source == release.cells[6].source
    text = " ".join(tampered)
    for what in (
        "grade_id changed",
        "points changed",
        "cell type changed",
        "reordered",
        "test_lq: cell deleted",
        "share: nbgrader cell not in the release",
    ):
        assert what in text, text
    assert repair(release, release)[1] == []


@pytest.mark.parametrize("stmt", ["import pandas as pd", "from clusterkit import grading as g"])
def test_preimport_binds_no_name(stmt):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(stmt + "\nx = 1")])
    ns: dict = {}
    exec(checks.preimport_code([nb]), ns)  # noqa: S102
    assert set(ns) == {"__builtins__"}
