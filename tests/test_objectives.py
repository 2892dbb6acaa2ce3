"""The objectives map (book/objectives.yml): every chapter and case opens with 3-5 objectives, every objective is
assessed by an exercise question, and every exercise question serves an objective. Timings: every exercise
states its time, and the trainer's five-day schedule adds up."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MAP = yaml.safe_load((ROOT / "book" / "objectives.yml").read_text(encoding="utf-8"))
SOURCE = ROOT / "exercises" / "source"


def _exercises() -> list[str]:
    """The exercises (English assignments). A Turkish twin ``<name>-tr`` has the same questions, grade ids and
    points (tests/test_exercises.py), so it serves the same objectives and takes the same time."""
    return sorted(p.name for p in SOURCE.iterdir() if p.is_dir() and not p.name.endswith("-tr"))


def _toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = []
    for part in toc["parts"]:
        if part["caption"] in ("Foundations", "Methods", "Cases"):
            pages += [ch["file"] for ch in part["chapters"]]
    return pages


def _questions() -> dict[str, str]:
    """assignment/grade_id -> kind, for every answer cell and written answer of every exercise."""
    out = {}
    for nb_path in sorted(p for name in _exercises() for p in (SOURCE / name).glob("*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            gid = meta.get("grade_id", "")
            if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
                out[f"{nb_path.parent.name}/{gid}"] = "autograded"
            elif cell.cell_type == "markdown" and meta.get("grade"):
                out[f"{nb_path.parent.name}/{gid}"] = "written"
    return out


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_every_chapter_and_case_has_objectives_in_the_map():
    pages = set(_toc_pages())
    assert pages, "found no chapter or case in _toc.yml"
    missing = sorted(pages - set(MAP["pages"]))
    assert not missing, f"pages without objectives in book/objectives.yml: {missing}"
    for page, objectives in MAP["pages"].items():
        assert 3 <= len(objectives) <= 5, f"{page}: {len(objectives)} objectives (3-5 expected)"


@pytest.mark.parametrize("page", sorted(MAP["pages"]))
def test_page_opens_with_the_objectives_of_the_map(page):
    text = (ROOT / f"{page}.md").read_text(encoding="utf-8")
    sections = re.split(r"^## +", text, flags=re.M)
    assert len(sections) > 1 and sections[1].startswith("Learning objectives"), (
        f"{page}: the first section must be '## Learning objectives'"
    )
    bullets = [_norm(b) for b in re.findall(r"^- (.+(?:\n  .+)*)", sections[1], flags=re.M)]
    assert bullets == [_norm(o["text"]) for o in MAP["pages"][page]], (
        f"{page}: the objectives on the page differ from book/objectives.yml"
    )


def test_every_objective_is_assessed_and_every_question_serves_one():
    questions = _questions()
    assert len(questions) >= 30, f"found only {len(questions)} questions in exercises/source"
    served = set()
    for page, objectives in MAP["pages"].items():
        for i, obj in enumerate(objectives, start=1):
            ids = obj["assessed_by"]
            unknown = [q for q in ids if q not in questions]
            assert not unknown, f"{page} objective {i}: no such question {unknown}"
            assert ids, f"{page} objective {i} is assessed by no question"
            served |= set(ids)
    idle = sorted(set(questions) - served)
    assert not idle, f"questions that serve no objective (map them in book/objectives.yml): {idle}"


# ------------------------------------------------------------------------------------------------ timings
def _stated_minutes(name: str) -> int:
    nb = nbformat.read(SOURCE / name / f"{name}.ipynb", as_version=4)
    m = re.search(r"\*\*Time: about (\d+) minutes\*\*", nb.cells[0].source)
    assert m, f"{name}: the first cell must state '**Time: about N minutes**'"
    return int(m.group(1))


def _schedule() -> list[dict[str, str]]:
    guide = (ROOT / "trainer" / "guide.md").read_text(encoding="utf-8")
    block = guide.split("<!-- schedule -->")[1]
    rows = [r for r in block.splitlines() if r.startswith("|")][2:]
    keys = ["day", "slot", "minutes", "session", "exercises"]
    return [dict(zip(keys, [c.strip() for c in r.strip("|").split("|")], strict=True)) for r in rows]


def test_every_exercise_states_a_time():
    for name in _exercises():
        assert 30 <= _stated_minutes(name) <= 360, f"{name}: implausible time (at most a day)"


def test_the_trainers_schedule_adds_up():
    """Each day is 6 hours of sessions; every exercise is scheduled, in slots long enough for its stated time."""
    rows = _schedule()
    assert rows, "trainer/guide.md has no schedule table between <!-- schedule --> markers"
    days: dict[str, int] = {}
    lab_minutes: dict[str, int] = {}
    for r in rows:
        minutes = int(r["minutes"])
        days[r["day"]] = days.get(r["day"], 0) + minutes
        for ex in filter(None, (e.strip() for e in r["exercises"].split(","))):
            lab_minutes[ex] = lab_minutes.get(ex, 0) + minutes
    assert days and all(total == 360 for total in days.values()), f"minutes per day: {days}"
    for name in _exercises():
        short = name.split("-")[0]
        assert short in lab_minutes, f"{name} is not in the schedule"
        assert lab_minutes[short] >= _stated_minutes(name), (
            f"{name} needs {_stated_minutes(name)} min but the schedule gives {lab_minutes[short]}"
        )
    stated = re.search(r"(\d+) exercise slots", (ROOT / "trainer" / "guide.md").read_text(encoding="utf-8"))
    assert stated and int(stated.group(1)) == len([r for r in rows if r["exercises"] != "—"])
