"""Synthetic cohorts for the tests and the benchmark: correct, partial and broken submissions.

``write_fixture_course(dir)`` writes a tiny nbgrader course (one assignment, ``ex0-fixture``) with visible and
hidden tests; ``write_cohort(course_src, dest)`` writes trainee submissions made from the RELEASED notebooks of
that course (so the locked cells, ids and checksums are the real ones) with the answers filled in per persona.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

FIXTURE = "ex0-fixture"
HIDDEN_MARKERS = ["HIDDEN-CHECK-share-thirds", "HIDDEN-CHECK-zero-total", "HIDDEN-CHECK-lq-half"]
SOLUTION_MARKERS = ["SOLUTION-ONLY-guard-total", "SOLUTION-ONLY-lq-formula"]


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: int = 0) -> dict:
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": 3}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def fixture_notebook() -> nbformat.NotebookNode:
    """Two answers in the course's convention (one variable per answer cell, named like its grade id)."""
    cells = [
        new_markdown_cell("# Fixture exercise\nShares and a location quotient."),
        new_code_cell(
            "import math\n\nPARTS = {'a': (1, 4), 'b': (3, 4), 'c': (1, 3), 'zero': (1, 0)}\n"
            "E_IR, E_R, E_IN, E_N = 5, 50, 100, 500",
            metadata=_meta("setup", grade=False, solution=False, locked=True),
        ),
        new_code_cell(
            "share = None\n"
            "### BEGIN SOLUTION\n"
            "share = {}\n"
            "for key, (part, total) in PARTS.items():\n"
            "    share[key] = part / total if total else None  # SOLUTION-ONLY-guard-total\n"
            "### END SOLUTION",
            metadata=_meta("share", grade=False, solution=True, locked=False),
        ),
        new_code_cell(
            "from clusterkit.grading import expect_answered\n"
            'expect_answered(share, "the shares")\n'
            'assert share["a"] == 0.25, "share(1, 4) should be 0.25"',
            metadata=_meta("test_share", grade=True, solution=False, locked=True, points=1),
        ),
        new_code_cell(
            'assert math.isclose(share["b"], 0.75), "share(3, 4) should be 0.75"\n'
            "### BEGIN HIDDEN TESTS\n"
            'assert math.isclose(share["c"], 0.333333333, rel_tol=1e-6), "HIDDEN-CHECK-share-thirds"\n'
            'assert share["zero"] is None, "HIDDEN-CHECK-zero-total"\n'
            "### END HIDDEN TESTS",
            metadata=_meta("test_share_hidden", grade=True, solution=False, locked=True, points=2),
        ),
        new_code_cell(
            "lq = None\n"
            "### BEGIN SOLUTION\n"
            "lq = (E_IR / E_R) / (E_IN / E_N)  # SOLUTION-ONLY-lq-formula\n"
            "### END SOLUTION",
            metadata=_meta("lq", grade=False, solution=True, locked=False),
        ),
        new_code_cell(
            'assert isinstance(lq, float), "the location quotient should be a number"\n'
            "### BEGIN HIDDEN TESTS\n"
            'assert math.isclose(lq, 0.5), "HIDDEN-CHECK-lq-half"\n'
            "### END HIDDEN TESTS",
            metadata=_meta("test_lq", grade=True, solution=False, locked=True, points=2),
        ),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION\n(.*?)^[ \t]*### END SOLUTION\n?", re.S | re.M)


def solutions(source_nb) -> dict[str, str]:
    """grade_id -> the instructor's answer code of each answer cell (solution regions only, markers removed)."""
    out = {}
    for cell in source_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            out[meta["grade_id"]] = SOLUTION.sub(lambda m: m.group(1), cell.source)
    return out


def submission(release_nb, code: dict[str, str]) -> nbformat.NotebookNode:
    """The released notebook with answer cells replaced by ``code`` (grade_id -> source); written answers filled."""
    nb = nbformat.from_dict(json.loads(json.dumps(release_nb)))
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in code:
            cell.source = code[gid]
        elif cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = "My written answer."
    return nb


def write_fixture_course(root: Path) -> Path:
    """An nbgrader course at ``root`` with source/ex0-fixture/ex0-fixture.ipynb; returns ``root``."""
    (root / "source" / FIXTURE).mkdir(parents=True, exist_ok=True)
    nbformat.write(fixture_notebook(), root / "source" / FIXTURE / f"{FIXTURE}.ipynb")
    (root / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\nc.CourseDirectory.course_id = 'x'\n"
    )
    return root


# Answers per persona for the fixture: {solution grade_id: code}, plus extra edits. Expected scores of 5.
SHARE_OK = "share = {k: (p / t if t else None) for k, (p, t) in PARTS.items()}"
SHARE_PARTIAL = "share = {k: p / t for k, (p, t) in PARTS.items() if t}"
SHARE_WRONG = "share = {k: p * t for k, (p, t) in PARTS.items()}"
LQ_OK = "lq = E_IR * E_N / (E_R * E_IN)"

PERSONAS: dict[str, dict] = {
    # name: answers, expected score, and how the file is delivered
    "correct": {"answers": {"share": SHARE_OK, "lq": LQ_OK}, "score": 5.0},
    "partial": {"answers": {"share": SHARE_PARTIAL, "lq": LQ_OK}, "score": 3.0, "late": True},
    "blank": {"answers": {}, "score": 0.0},
    "invalid-json": {"answers": {"share": SHARE_OK, "lq": LQ_OK}, "score": 0.0, "corrupt": True},
    "renamed": {
        "answers": {"share": SHARE_OK, "lq": LQ_OK},
        "score": 5.0,
        "filename": "ex0 fixture (1).ipynb",
    },
    "deleted-test": {"answers": {"share": SHARE_OK, "lq": LQ_OK}, "score": 5.0, "delete": ["test_lq"]},
    "edited-test": {
        "answers": {"share": SHARE_WRONG, "lq": LQ_OK},
        "score": 2.0,
        "edit": {"test_share": "pass", "test_share_hidden": "pass"},
    },
    "infinite-loop": {"answers": {"share": SHARE_OK, "lq": "while True:\n    pass"}, "score": 3.0},
    "os-exit": {"answers": {"share": SHARE_OK, "lq": "import os\nos._exit(3)\n" + LQ_OK}, "score": 3.0},
    "memory-bomb": {
        "answers": {
            "share": SHARE_OK,
            "lq": "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 2**20))",
        },
        "score": 3.0,
    },
    "huge-output": {"answers": {"share": SHARE_OK + "\nprint('x' * 5_000_000)", "lq": LQ_OK}, "score": 5.0},
    "snoop": {
        "answers": {"share": "SNOOP\n" + SHARE_OK, "lq": "print('\\n'.join(In))\n" + LQ_OK},
        "score": 5.0,
    },
    "monkeypatch": {
        "answers": {
            "share": "import math\nmath.isclose = lambda *a, **k: True\n"
            "share = {'a': 0.25, 'b': 0.5, 'c': 0.5, 'zero': None}",
            "lq": LQ_OK,
        },
        "score": 3.0,
    },
    "duplicate": {"answers": {"share": SHARE_OK, "lq": LQ_OK}, "score": 5.0, "duplicate": True},
}

SNOOP_CODE = """\
import glob, os
found = []
for pattern in {patterns!r}:
    for path in glob.glob(pattern, recursive=True):
        try:
            with open(path, "rb") as fh:
                fh.read(100)
            found.append(path)
        except OSError:
            pass
        try:
            with open(path, "ab") as fh:
                fh.write(("TAMPERED-" + "BY-SNOOP").encode())
            found.append("WROTE " + path)
        except OSError:
            pass
print("SNOOP-RESULT", found)
"""


def fill(
    release_nb: nbformat.NotebookNode, persona: dict, snoop_patterns: list[str]
) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(json.dumps(release_nb)))
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        if gid in persona.get("delete", []):
            continue
        if gid in persona.get("answers", {}):
            code = persona["answers"][gid].replace("SNOOP", SNOOP_CODE.format(patterns=snoop_patterns))
            cell.source = code
        if gid in persona.get("edit", {}):
            cell.source = persona["edit"][gid]
        cells.append(cell)
    nb.cells = cells
    return nb


def write_cohort(
    release_dir: Path,
    dest: Path,
    personas: dict[str, dict] | None = None,
    *,
    snoop_patterns: list[str] = (),
    copies: int = 1,
    zip_every: int = 2,
) -> dict[str, float]:
    """Write submissions for ``personas`` (×``copies``) into ``dest/folders/<id>/`` and ``dest/lms.zip``.

    Every ``zip_every``-th trainee is delivered in the Moodle-style zip, the others as per-trainee folders.
    Returns {trainee id: expected score}; also writes ``dest/roster.csv``.
    """
    personas = personas or PERSONAS
    release_nbs = sorted(release_dir.glob("*.ipynb"))
    expected: dict[str, float] = {}
    folders = dest / "folders"
    folders.mkdir(parents=True, exist_ok=True)
    roster = ["id,name,email"]
    zf = zipfile.ZipFile(dest / "lms.zip", "w")
    n = 0
    for copy in range(copies):
        for pname, persona in personas.items():
            sid = pname if copies == 1 else f"{pname}-{copy}"
            full = " ".join(w.capitalize() for w in sid.replace("-", " ").split()) + " Trainee"
            roster.append(f"{sid},{full},{sid}@example.org")
            expected[sid] = float(persona["score"])
            for rel in release_nbs:
                nb = fill(nbformat.read(rel, as_version=4), persona, list(snoop_patterns))
                data = nbformat.writes(nb).encode()
                if persona.get("corrupt"):
                    data = data[: len(data) // 2]
                fname = persona.get("filename", rel.name)
                stamp = (2026, 11, 20, 10, 0, 0) if not persona.get("late") else (2026, 11, 22, 9, 0, 0)
                files = [(fname, data, stamp)]
                if persona.get("duplicate"):
                    older = fill(nbformat.read(rel, as_version=4), {"answers": {}}, [])
                    files.insert(
                        0,
                        (rel.stem + " (old).ipynb", nbformat.writes(older).encode(), (2026, 11, 19, 9, 0, 0)),
                    )
                for fname, data, stamp in files:
                    if zip_every and n % zip_every == 1:
                        info = zipfile.ZipInfo(
                            f"{full}_{1000 + n}_assignsubmission_file_{fname}", date_time=stamp
                        )
                        zf.writestr(info, data)
                    else:
                        path = folders / sid / fname
                        path.parent.mkdir(parents=True, exist_ok=True)
                        path.write_bytes(data)
                        import os
                        from datetime import datetime, timezone

                        t = datetime(*stamp, tzinfo=timezone.utc).timestamp()
                        os.utime(path, (t, t))
            n += 1
    zf.close()
    (dest / "roster.csv").write_text("\n".join(roster) + "\n")
    return expected
