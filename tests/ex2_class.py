"""A class of six trainees with Turkish names who worked the REAL released ex2, downloaded from Moodle as a zip.

Each trainee's notebook is the released ex2 with answers typed in and then run top to bottom in a kernel (as a
trainee would before submitting), so that the notebooks carry their own outputs. The zip has Moodle's "Download
all submissions" layout: a folder ``<Full Name>_<participant id>_assignsubmission_file_`` per trainee.

Personas (answers are the instructor's solutions unless said otherwise):

* Ayşe Yılmaz, İbrahim Çelik: everything, including a written answer to W1 (graded by hand);
* Gülşen Öztürk: Q1's value added scaled by 0.61 (the hidden check says "too low by 39.0%");
* Ömer Şahin: a SyntaxError in the Q4 answer;
* Ümit Kılıç: Q1-Q3 only;
* Çağla Doğan: nothing (the release as fetched).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import nbformat

from autograder.cohort import solutions

ROOT = Path(__file__).resolve().parents[1]
EX2 = "ex2-clean-energy-value-chain"
W1 = "w1_interpretation"
W1_ANSWER = (
    "Yes, a smile: margins are thinnest in turbine assembly (0.13) and raw materials and thickest at the ends, "
    "in finance and consulting and in project development.\n\n"
    "| stage | margin |\n|---|---|\n| turbine assembly | 0.13 |\n| finance and consulting | 0.72 |\n\n"
    "Blades, raw materials and assembly leak most purchases. WEQ has the largest multiplier, "
    "$m_j = \\sum_i L_{ij} \\approx 2.26$, but a forward index below 1, so it is not a key sector. "
    "Buying outside is not always a loss."
)
# Moodle's participant numbers are arbitrary; (full name, participant id, id the importer derives)
TRAINEES = [
    ("Ayşe Yılmaz", 1001, "ayse-yilmaz"),
    ("İbrahim Çelik", 1002, "ibrahim-celik"),
    ("Gülşen Öztürk", 1003, "gulsen-ozturk"),
    ("Ömer Şahin", 1004, "omer-sahin"),
    ("Ümit Kılıç", 1005, "umit-kilic"),
    ("Çağla Doğan", 1006, "cagla-dogan"),
]
MANUAL = ("ayse-yilmaz", "ibrahim-celik")  # answered W1: their submissions need manual grading


def answers_of(sid: str, sol: dict[str, str]) -> dict[str, str]:
    ids = list(sol)
    if sid in ("ayse-yilmaz", "ibrahim-celik"):
        return dict(sol)
    if sid == "gulsen-ozturk":
        return {**sol, ids[0]: sol[ids[0]] + "q1_value_added = q1_value_added * 0.61\n"}
    if sid == "omer-sahin":
        return {**sol, ids[3]: "q4_output_multipliers = (inputoutput.output_multipliers(\n"}
    if sid == "umit-kilic":
        return {k: sol[k] for k in ids[:3]}
    return {}


def notebook_for(sid: str, release_nb, sol: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(nbformat.reads(nbformat.writes(release_nb), as_version=4))
    code = answers_of(sid, sol)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in code:
            cell.source = code[gid]
        elif gid == W1 and sid in MANUAL:
            cell.source = W1_ANSWER
    return nb


def run_like_a_trainee(nb: nbformat.NotebookNode, cwd: Path) -> None:
    """Run every cell in order, errors allowed (what "Run All" + "continue after errors" leaves)."""
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=120, allow_errors=True, resources={"metadata": {"path": str(cwd)}}).execute()


def write_moodle_zip(release_dir: Path, source_nb_path: Path, dest: Path) -> Path:
    """The class's submissions as Moodle's "Download all submissions" zip (one folder per participant)."""
    release_nb = nbformat.read(release_dir / f"{EX2}.ipynb", as_version=4)
    sol = solutions(nbformat.read(source_nb_path, as_version=4))
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, number, sid in TRAINEES:
            nb = notebook_for(sid, release_nb, sol)
            run_like_a_trainee(nb, release_dir)
            zf.writestr(f"{name}_{number}_assignsubmission_file_/{EX2}.ipynb", nbformat.writes(nb))
    return dest
